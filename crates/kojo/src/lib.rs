//! The `kojo` program as a library: configuration, start-up (the same path for production and
//! tests), the background worker and the command-line actions. `main.rs` only parses arguments.

pub mod bench;
pub mod config;
pub mod ingest;
pub mod mailer;
pub mod setup;

use std::net::SocketAddr;

use anyhow::Context;
use store::Db;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::Config;

/// A running Kojo: the web server and the worker, until `stop`.
pub struct Running {
    pub address: SocketAddr,
    pub db: Db,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    worker: JoinHandle<()>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops serving and the worker, waiting for both.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.server.await.context("server task")?.context("server")?;
        let _ = self.worker.await;
        Ok(())
    }
}

/// Opens the database, migrates, prepares the first start, and serves.
pub async fn start(config: &Config) -> anyhow::Result<Running> {
    let db = setup::open_database(config).await?;
    if let Some(first_admin) = setup::first_start(&db, config).await? {
        first_admin.print(&config.public_url());
    }
    let calendar = setup::calendar(&db).await?;
    let state = web::AppState::new(db.clone(), config.web_config(), calendar);
    let server =
        web::Server::bind(&config.addr, state).await.with_context(|| format!("failed to listen on {}", config.addr))?;
    let address = server.local_addr()?;
    let (shutdown, watcher) = watch::channel(false);
    let mut server_stop = watcher.clone();
    let server = tokio::spawn(server.run(async move {
        let _ = server_stop.wait_for(|stop| *stop).await;
    }));
    let mailer = mailer::Mailer::from_config(config)?;
    let worker = tokio::spawn(mailer::run_worker(db.clone(), mailer, watcher));
    tracing::info!(%address, backend = db.backend_name(), "kojo is serving");
    Ok(Running { address, db, shutdown, server, worker })
}

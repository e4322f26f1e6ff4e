//! The `kojo` program as a library: configuration, start-up (the same path for production and
//! tests), the background worker and the command-line actions. `main.rs` only parses arguments.

pub mod auto_tickets;
pub mod backup;
pub mod config;
pub mod demo;
pub mod ingest;
pub mod jobs;
pub mod listener;
pub mod mailbox;
pub mod mailer;
pub mod maintenance;
pub mod setup;
pub mod telemetry;

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
    /// What the use cases work with (the web side's own).
    pub services: app::Services,
    /// The clock this Kojo reads (tests move it).
    pub clock: app::Clock,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    /// Outbox delivery and the scheduled jobs, unless `KOJO_WORKER` is off.
    workers: Vec<JoinHandle<()>>,
    listener: Option<listener::Listener>,
    /// The bound `/metrics` address, when `KOJO_METRICS_ADDR` is set.
    pub metrics_address: Option<SocketAddr>,
    metrics_server: Option<JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The bound syslog UDP address, when `KOJO_SYSLOG_UDP` is set.
    pub fn syslog_udp_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(listener::Listener::udp_addr)
    }

    /// The bound syslog TCP address, when `KOJO_SYSLOG_TCP` is set.
    pub fn syslog_tcp_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(listener::Listener::tcp_addr)
    }

    /// The bound syslog TLS address, when `KOJO_SYSLOG_TLS` is set.
    pub fn syslog_tls_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(listener::Listener::tls_addr)
    }

    /// The syslog listener's counters, when it runs.
    pub fn syslog_stats(&self) -> Option<std::sync::Arc<listener::ListenerStats>> {
        self.listener.as_ref().map(listener::Listener::stats)
    }

    /// Stops serving, the worker and the syslog listener (which flushes what it holds), waiting for all.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        if let Some(listener) = self.listener {
            listener.wait().await?;
        }
        self.server.await.context("server task")?.context("server")?;
        for worker in self.workers {
            let _ = worker.await;
        }
        if let Some(metrics) = self.metrics_server {
            let _ = metrics.await;
        }
        Ok(())
    }
}

/// Opens the database, migrates, prepares the first start, and serves.
pub async fn start(config: &Config) -> anyhow::Result<Running> {
    start_with_clock(config, app::Clock::system()).await
}

/// `start` with a clock of the caller's (tests move time instead of sleeping).
pub async fn start_with_clock(config: &Config, clock: app::Clock) -> anyhow::Result<Running> {
    // Configuration mistakes are reported before anything is opened or bound.
    let mailer = mailer::Mailer::from_config(config)?;
    config.signing_key()?;
    mailbox::MailboxSettings::from_config(config)?;
    let mut listener_settings = listener::Settings::from_config(config)?;
    if let Some(settings) = listener_settings.as_mut() {
        settings.clock = clock.clone();
    }
    let db = setup::open_database(config).await?;
    // The first start's programme and administrator are made once, however many processes
    // start together on an empty database.
    let turn = db.startup_lock().await.context("failed to take the start-up lock")?;
    let prepared = async {
        if config.demo {
            demo::load(&db, config, &clock).await?;
        }
        setup::first_start(&db, config).await
    }
    .await;
    turn.release().await;
    if let Some(first_admin) = prepared? {
        first_admin.print(&config.public_url());
    }
    setup::warn_when_holidays_run_out(&db, clock.today()).await?;
    let calendar = setup::calendar(&db).await?;
    let state = web::AppState::new(db.clone(), config.web_config(), calendar, clock.clone());
    let services = state.services.clone();
    let web_state = state.clone();
    let server =
        web::Server::bind(&config.addr, state).await.with_context(|| format!("failed to listen on {}", config.addr))?;
    let address = server.local_addr()?;
    let (shutdown, watcher) = watch::channel(false);
    let mut server_stop = watcher.clone();
    let server = tokio::spawn(server.run(async move {
        let _ = server_stop.wait_for(|stop| *stop).await;
    }));
    let listener = match listener_settings {
        Some(settings) => Some(listener::start(services.clone(), settings, watcher.clone()).await?),
        None => None,
    };
    let (metrics_address, metrics_server) = match &config.metrics_addr {
        Some(addr) => {
            let scrape = telemetry::Scrape {
                db: db.clone(),
                clock: clock.clone(),
                web: Some(web_state.clone()),
                listener: listener.as_ref().map(listener::Listener::stats),
            };
            let (bound, task) = telemetry::serve(addr, scrape, watcher.clone()).await?;
            (Some(bound), Some(task))
        }
        None => (None, None),
    };
    // Two tasks, so that a long job (a month of PDFs) never holds up the e-mail.
    let workers = if config.worker {
        let settings = maintenance::Settings::from_config(config);
        let jobs_beat = web_state.beats.register("jobs", jobs::STALLED_AFTER);
        let mailer_beat = web_state.beats.register("mailer", mailer::STALLED_AFTER);
        vec![
            tokio::spawn(jobs::run(services.clone(), settings, clock.clone(), jobs_beat, watcher.clone())),
            tokio::spawn(mailer::run_worker(db.clone(), mailer, clock.clone(), mailer_beat, watcher)),
        ]
    } else {
        Vec::new()
    };
    tracing::info!(%address, ?metrics_address, backend = db.backend_name(), worker = config.worker, "kojo is serving");
    Ok(Running { address, db, services, clock, shutdown, server, workers, listener, metrics_address, metrics_server })
}

/// The agreement PDF of a case as the company has it (see `web::agreement::pdf_for_reference`).
pub async fn agreement_pdf(db: &Db, config: &Config, reference: &str) -> anyhow::Result<Vec<u8>> {
    app::agreements::pdf_for_reference(db, &config.font_dirs(), reference, app::Clock::system().now()).await
}

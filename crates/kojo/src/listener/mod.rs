//! The syslog listener: UTM devices send their logs here over UDP (one message per datagram, or
//! several newline-separated lines) and TCP (RFC 6587 octet counting or newline framing). Each
//! message is mapped to a registered device, parsed and rolled up per device in
//! [`crate::ingest::Accumulator`]s, and written in batches.
//!
//! Shape: socket readers → bounded channel → one writer task (mapping, parsing, roll-ups) →
//! bounded job channel → one store task (database writes). A slow database fills the job
//! channel, which stalls the writer, which fills the message channel, which stalls the TCP
//! readers: TCP senders are slowed by their own windows (backpressure). UDP has no such brake:
//! the kernel receive buffer (made large) absorbs bursts and drops when full; those drops are
//! read from `/proc/net/udp` and reported.
//!
//! Mapping: the serial in the parsed log (`Event::device`: FortiGate `devid`, else the syslog
//! host name) is looked up exactly with `store::devices::find_by_serial`; a device so found
//! takes the message only when it comes from the device's registered sender address (a serial
//! is no secret). A message naming no registered serial goes to the device registered at the
//! sender's address (`store::devices::find_by_sender`), if any. Results, found or not, are
//! cached for a short time so a device registered while logs arrive is picked up without a
//! query per message. Messages no device takes are counted with their reason (no device,
//! sender mismatch, no sender address recorded) and written to the unknown senders list per
//! (address, serial) every few seconds (never once per message; the list is capped); messages
//! of a removed device are not stored and are counted and logged.
//!
//! Limits: TCP and TLS connections share a connection limit, a budget for the bytes of
//! unfinished messages, and an idle timeout (`tcp`); the counters show what they refused.
//!
//! Durability: a message is durable once the batch holding it is committed. On graceful
//! shutdown the readers stop accepting, TCP connections are read until they fall quiet, the
//! channel is drained and every batch is flushed before [`Listener::wait`] returns; a crash
//! loses at most what arrived since the last flush (`docs/decisions.md`, "Syslog listener").
//!
//! TLS (RFC 5425): an optional third socket takes TLS connections (certificate and key from PEM
//! files) and reads them exactly like TCP once the handshake is done. Client certificates are
//! not asked for (yet): devices are mapped by serial and sender address as on the other sockets.
//! This module never parses vendor fields itself; that is the `utm` crate's job.
//!
//! Files: this one holds the settings, start and stop; `udp` and `tcp` (with TLS) the socket
//! readers; `writer` the device mapping, batching and the store task; `status` the counters and
//! their reports.

mod status;
pub mod stream;
mod tcp;
mod udp;
mod writer;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use utm::framing::trim_line;

use crate::Config;

pub use status::{ListenerStats, StatsSnapshot, log_stats};
pub use udp::{LoadReport, send_udp_load};

use status::StatusReporter;
use tcp::{Limits, accept_tcp};
use udp::{bind_udp, read_udp};
use writer::{Job, Writer, run_store};

/// How the listener runs. [`Settings::new`] gives the production values.
#[derive(Debug, Clone)]
pub struct Settings {
    /// UDP address to listen on (e.g. `0.0.0.0:514`), if any.
    pub udp: Option<String>,
    /// TCP address to listen on, if any.
    pub tcp: Option<String>,
    /// TLS address to listen on with its server certificate, if any.
    pub tls: Option<TlsEndpoint>,
    /// A device's batch is written when it holds this many lines …
    pub batch_lines: u64,
    /// … or when this much time has passed, whichever comes first.
    pub flush_interval: Duration,
    /// How long a device lookup (found or not) is trusted.
    pub cache_ttl: Duration,
    /// How often unknown senders are written to the database and removed devices logged.
    pub unknown_interval: Duration,
    /// How often the counters are logged.
    pub stats_interval: Duration,
    /// How often the counters are written to the database for the office's devices page.
    pub status_interval: Duration,
    /// Requested `SO_RCVBUF` of the UDP socket (the kernel caps it at `net.core.rmem_max`).
    pub udp_receive_buffer: usize,
    /// Chunks of messages waiting between the readers and the writer.
    pub queue_chunks: usize,
    /// Open TCP and TLS connections allowed together; further ones are closed on arrival.
    pub max_connections: usize,
    /// Bytes of unfinished TCP/TLS messages held over all connections; a connection that would
    /// pass it is closed.
    pub max_buffered_bytes: usize,
    /// A TCP/TLS connection silent this long is closed.
    pub idle_timeout: Duration,
    /// Where `now` comes from for the rows written.
    pub clock: app::Clock,
    /// Publish to JetStream instead of writing (`KOJO_NATS_URL`).
    pub publish: Option<stream::StreamSettings>,
}

impl Settings {
    pub fn new(udp: Option<String>, tcp: Option<String>) -> Settings {
        Settings {
            udp,
            tcp,
            tls: None,
            batch_lines: 5_000,
            flush_interval: Duration::from_millis(1_000),
            cache_ttl: Duration::from_secs(60),
            unknown_interval: Duration::from_secs(5),
            stats_interval: Duration::from_secs(60),
            status_interval: Duration::from_secs(5),
            udp_receive_buffer: 32 << 20,
            queue_chunks: 256,
            max_connections: 512,
            max_buffered_bytes: 32 << 20,
            idle_timeout: Duration::from_secs(600),
            clock: app::Clock::system(),
            publish: None,
        }
    }

    /// The listener `kojo serve` runs, when `KOJO_SYSLOG_UDP`, `KOJO_SYSLOG_TCP` or
    /// `KOJO_SYSLOG_TLS` is set.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Settings>> {
        let settings = Settings::configured(config, config.syslog_udp.clone(), config.syslog_tcp.clone())?;
        let none = settings.udp.is_none() && settings.tcp.is_none() && settings.tls.is_none();
        Ok((!none).then_some(settings))
    }

    /// Listening on `udp` and `tcp` (and TLS when configured), with the limits of `config`.
    pub fn configured(config: &Config, udp: Option<String>, tcp: Option<String>) -> anyhow::Result<Settings> {
        Ok(Settings {
            tls: TlsEndpoint::from_config(config)?,
            max_connections: config.syslog_max_connections as usize,
            max_buffered_bytes: usize::try_from(config.syslog_max_buffered_bytes).unwrap_or(usize::MAX),
            idle_timeout: Duration::from_secs(config.syslog_idle_seconds),
            publish: stream::StreamSettings::from_config(config)?,
            ..Settings::new(udp, tcp)
        })
    }
}

/// A TLS listening address and the server configuration it presents.
#[derive(Clone)]
pub struct TlsEndpoint {
    pub address: String,
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TlsEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsEndpoint").field("address", &self.address).finish_non_exhaustive()
    }
}

impl TlsEndpoint {
    /// `KOJO_SYSLOG_TLS` with `KOJO_SYSLOG_TLS_CERT` and `KOJO_SYSLOG_TLS_KEY`; an address
    /// without both files is a configuration error, not a silent plain-text listener.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<TlsEndpoint>> {
        let Some(address) = &config.syslog_tls else {
            return Ok(None);
        };
        let (Some(cert), Some(key)) = (&config.syslog_tls_cert, &config.syslog_tls_key) else {
            anyhow::bail!("KOJO_SYSLOG_TLS needs KOJO_SYSLOG_TLS_CERT and KOJO_SYSLOG_TLS_KEY (PEM files)");
        };
        TlsEndpoint::from_pem_files(address, cert, key).map(Some)
    }

    /// Reads the certificate chain and private key from PEM files.
    pub fn from_pem_files(address: &str, cert: &std::path::Path, key: &std::path::Path) -> anyhow::Result<TlsEndpoint> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("cannot read the certificate chain in {}", cert.display()))?;
        anyhow::ensure!(!chain.is_empty(), "no certificate in {}", cert.display());
        let key = PrivateKeyDer::from_pem_file(key)
            .with_context(|| format!("cannot read the private key in {}", key.display()))?;
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("the TLS certificate and key do not match or are not supported")?;
        Ok(TlsEndpoint { address: address.to_string(), config: Arc::new(config) })
    }
}

/// A running listener: its bound addresses, its counters, and its task.
pub struct Listener {
    udp_addr: Option<SocketAddr>,
    tcp_addr: Option<SocketAddr>,
    tls_addr: Option<SocketAddr>,
    stats: Arc<ListenerStats>,
    task: JoinHandle<()>,
}

impl Listener {
    pub fn udp_addr(&self) -> Option<SocketAddr> {
        self.udp_addr
    }

    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }

    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    pub fn stats(&self) -> Arc<ListenerStats> {
        self.stats.clone()
    }

    /// Waits until the listener has stopped (after `shutdown` turned true) and flushed everything.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("syslog listener task failed")
    }
}

/// Binds the sockets and starts reading; runs until `shutdown` turns true (or its sender is dropped).
pub async fn start(
    services: app::Services,
    settings: Settings,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Listener> {
    let db = services.db.clone();
    let udp = match &settings.udp {
        Some(address) => Some(bind_udp(address, settings.udp_receive_buffer).await?),
        None => None,
    };
    let tcp = match &settings.tcp {
        Some(address) => Some(
            TcpListener::bind(address.as_str()).await.with_context(|| format!("failed to listen on TCP {address}"))?,
        ),
        None => None,
    };
    let tls = match &settings.tls {
        Some(endpoint) => Some((
            TcpListener::bind(endpoint.address.as_str())
                .await
                .with_context(|| format!("failed to listen on TLS {}", endpoint.address))?,
            tokio_rustls::TlsAcceptor::from(endpoint.config.clone()),
        )),
        None => None,
    };
    let udp_addr = udp.as_ref().map(|(socket, _)| socket.local_addr()).transpose()?;
    let tcp_addr = tcp.as_ref().map(TcpListener::local_addr).transpose()?;
    let tls_addr = tls.as_ref().map(|(listener, _)| listener.local_addr()).transpose()?;
    let stats = Arc::new(ListenerStats::new(udp.as_ref().and_then(|(_, inode)| *inode)));

    let (chunks, inbox) = mpsc::channel::<Chunk>(settings.queue_chunks.max(1));
    let mut status = StatusReporter::new(
        db.clone(),
        [("udp", udp_addr), ("tcp", tcp_addr), ("tls", tls_addr)],
        stats.clone(),
        settings.clock.clone(),
    );
    // Either the writer and the store task write here, or the publisher hands everything to
    // JetStream (its consumers write).
    let (writer, store_task) = match &settings.publish {
        Some(target) => {
            let (context, _) = stream::open_stream(target).await?;
            status.rename(format!("{} → JetStream {}", status.name(), target.stream));
            let publisher =
                tokio::spawn(stream::publish(context, target.clone(), inbox, stats.clone(), settings.clock.clone()));
            (publisher, None)
        }
        None => {
            let (jobs, job_inbox) = mpsc::channel::<Job>(4);
            let store_task = tokio::spawn(run_store(services, job_inbox, stats.clone(), settings.clock.clone()));
            let writer = Writer::new(db, &settings, stats.clone(), jobs);
            (tokio::spawn(writer.run(inbox)), Some(store_task))
        }
    };
    status.write(true).await;
    let status_task = tokio::spawn(status.clone().run(settings.status_interval));
    let mut readers = JoinSet::new();
    if let Some((socket, _)) = udp {
        readers.spawn(read_udp(socket, chunks.clone(), stats.clone(), shutdown.clone()));
    }
    let limits = Limits {
        connections: Arc::new(Semaphore::new(settings.max_connections.max(1))),
        max_buffered: settings.max_buffered_bytes,
        idle: settings.idle_timeout,
    };
    if let Some(listener) = tcp {
        readers.spawn(accept_tcp(listener, None, chunks.clone(), stats.clone(), limits.clone(), shutdown.clone()));
    }
    if let Some((listener, acceptor)) = tls {
        readers.spawn(accept_tcp(listener, Some(acceptor), chunks.clone(), stats.clone(), limits, shutdown.clone()));
    }
    // The writer ends when the last reader drops its sender.
    drop(chunks);
    tracing::info!(udp = ?udp_addr, tcp = ?tcp_addr, tls = ?tls_addr, "syslog listener started");
    let task_stats = stats.clone();
    let task = tokio::spawn(async move {
        while let Some(result) = readers.join_next().await {
            if let Err(error) = result {
                tracing::error!(%error, "a syslog reader failed");
            }
        }
        if let Err(error) = writer.await {
            tracing::error!(%error, "the syslog writer failed");
        }
        if let Some(Err(error)) = match store_task {
            Some(task) => Some(task.await),
            None => None,
        } {
            tracing::error!(%error, "the syslog store task failed");
        }
        log_stats(&task_stats.snapshot(), "syslog listener stopped");
        status_task.abort();
        status.write(false).await;
    });
    Ok(Listener { udp_addr, tcp_addr, tls_addr, stats, task })
}

/// Messages read from the sockets, handed to the writer together (one channel operation for
/// many datagrams or frames).
#[derive(Debug, Default)]
struct Chunk {
    bytes: Vec<u8>,
    /// (sender, start, end) into `bytes`.
    messages: Vec<(IpAddr, usize, usize)>,
}

/// Messages gathered into one chunk before it is handed over.
const CHUNK_MESSAGES: usize = 512;

impl Chunk {
    fn push(&mut self, sender: IpAddr, message: &[u8]) {
        let message = trim_line(message);
        if message.is_empty() {
            return;
        }
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&utm::framing::without_nul(message));
        self.messages.push((sender, start, self.bytes.len()));
    }

    /// A datagram may carry several newline-separated lines (relays batch them).
    fn push_datagram(&mut self, sender: IpAddr, datagram: &[u8]) {
        for line in datagram.split(|byte| *byte == b'\n') {
            self.push(sender, line);
        }
    }

    fn is_full(&self) -> bool {
        self.messages.len() >= CHUNK_MESSAGES
    }
}

async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // A dropped sender also means stop.
    let _ = shutdown.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datagram_may_hold_several_lines() {
        let mut chunk = Chunk::default();
        let sender: IpAddr = "192.0.2.1".parse().unwrap();
        chunk.push_datagram(sender, b"<13>a\n<13>b\r\n\n\0");
        let lines: Vec<&[u8]> = chunk.messages.iter().map(|&(_, start, end)| &chunk.bytes[start..end]).collect();
        assert_eq!(lines, [b"<13>a".as_slice(), b"<13>b".as_slice()]);
    }
}

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
//! host name) is looked up exactly with `store::devices::find_by_serial`, else the sender's
//! address with `store::devices::find_by_sender`. Results, found or not, are cached for a
//! short time so a device registered while logs arrive is picked up without a query per
//! message. Messages that map to no device are counted and written to the unknown senders list
//! every few seconds (never once per message); messages of a removed device are not stored and
//! are counted and logged.
//!
//! Durability: a message is durable once the batch holding it is committed. On graceful
//! shutdown the readers stop accepting, TCP connections are read until they fall quiet, the
//! channel is drained and every batch is flushed before [`Listener::wait`] returns; a crash
//! loses at most what arrived since the last flush (`docs/decisions.md`, "Syslog listener").
//!
//! TLS (RFC 5425): an optional third socket takes TLS connections (certificate and key from PEM
//! files) and reads them exactly like TCP once the handshake is done. Client certificates are
//! not asked for: devices are mapped by serial and sender address as on the other sockets.
//! This module never parses vendor fields itself; that is the `utm` crate's job.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use store::Db;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use utm::framing::{Decoded, MAX_FRAME_LEN, decode_octet_counted, trim_line};
use uuid::Uuid;

use crate::Config;
use crate::ingest::Accumulator;

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
    /// Where `now` comes from for the rows written.
    pub clock: app::Clock,
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
            clock: app::Clock::system(),
        }
    }

    /// The listener `kojo serve` runs, when `KOJO_SYSLOG_UDP`, `KOJO_SYSLOG_TCP` or
    /// `KOJO_SYSLOG_TLS` is set.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Settings>> {
        let tls = TlsEndpoint::from_config(config)?;
        if config.syslog_udp.is_none() && config.syslog_tcp.is_none() && tls.is_none() {
            return Ok(None);
        }
        Ok(Some(Settings { tls, ..Settings::new(config.syslog_udp.clone(), config.syslog_tcp.clone()) }))
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

/// Counters since start, readable while the listener runs (the office page, the minute log).
#[derive(Debug)]
pub struct ListenerStats {
    received: AtomicU64,
    stored: AtomicU64,
    unparsed: AtomicU64,
    unknown: AtomicU64,
    removed_device: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    /// Inode of the UDP socket, to find its drop counter in `/proc/net/udp`.
    udp_inode: Option<u64>,
    /// The kernel's drop counter when last read (`u64::MAX`: never read), kept for after the
    /// socket is closed.
    udp_kernel_drops: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Messages read from the sockets.
    pub received: u64,
    /// Messages understood and committed to the database.
    pub stored: u64,
    /// Messages of a known device that no parser understood (committed as samples and counts).
    pub unparsed: u64,
    /// Messages whose serial and sender match no device (listed for staff as unknown senders).
    pub unknown: u64,
    /// Messages of a removed device (not stored).
    pub removed_device: u64,
    /// Messages lost before reaching the writer: UDP datagrams the kernel dropped with a full
    /// buffer, TCP frames cut off by a closed connection.
    pub dropped: u64,
    /// The kernel's share of `dropped`, when `/proc/net/udp` could be read.
    pub udp_kernel_drops: Option<u64>,
    /// Messages lost because the database refused a batch (logged as errors).
    pub failed: u64,
}

impl StatsSnapshot {
    /// Messages received but not yet accounted for (in the channel or a batch not yet written).
    pub fn pending(&self) -> u64 {
        self.received.saturating_sub(self.stored + self.unparsed + self.unknown + self.removed_device + self.failed)
    }
}

impl ListenerStats {
    fn new(udp_inode: Option<u64>) -> ListenerStats {
        ListenerStats {
            received: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            unparsed: AtomicU64::new(0),
            unknown: AtomicU64::new(0),
            removed_device: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            udp_inode,
            udp_kernel_drops: AtomicU64::new(u64::MAX),
        }
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let kernel = self.read_kernel_drops();
        StatsSnapshot {
            received: self.received.load(Ordering::Relaxed),
            stored: self.stored.load(Ordering::Relaxed),
            unparsed: self.unparsed.load(Ordering::Relaxed),
            unknown: self.unknown.load(Ordering::Relaxed),
            removed_device: self.removed_device.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed) + kernel.unwrap_or(0),
            udp_kernel_drops: kernel,
            failed: self.failed.load(Ordering::Relaxed),
        }
    }

    /// Reads the kernel's counter while the socket is open; afterwards, the last value read.
    fn read_kernel_drops(&self) -> Option<u64> {
        if let Some(drops) = self.udp_inode.and_then(udp_kernel_drops) {
            self.udp_kernel_drops.store(drops, Ordering::Relaxed);
            return Some(drops);
        }
        Some(self.udp_kernel_drops.load(Ordering::Relaxed)).filter(|drops| *drops != u64::MAX)
    }

    fn add(counter: &AtomicU64, value: u64) {
        counter.fetch_add(value, Ordering::Relaxed);
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
pub async fn start(db: Db, settings: Settings, shutdown: watch::Receiver<bool>) -> anyhow::Result<Listener> {
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
    let (jobs, job_inbox) = mpsc::channel::<Job>(4);
    let status = StatusReporter::new(
        db.clone(),
        [("udp", udp_addr), ("tcp", tcp_addr), ("tls", tls_addr)],
        stats.clone(),
        settings.clock.clone(),
    );
    status.write(true).await;
    let status_task = tokio::spawn(status.clone().run(settings.status_interval));
    let store_task = tokio::spawn(run_store(db.clone(), job_inbox, stats.clone(), settings.clock.clone()));
    let writer = Writer::new(db, &settings, stats.clone(), jobs);
    let writer = tokio::spawn(writer.run(inbox));
    let mut readers = JoinSet::new();
    if let Some((socket, _)) = udp {
        readers.spawn(read_udp(socket, chunks.clone(), stats.clone(), shutdown.clone()));
    }
    if let Some(listener) = tcp {
        readers.spawn(accept_tcp(listener, None, chunks.clone(), stats.clone(), shutdown.clone()));
    }
    if let Some((listener, acceptor)) = tls {
        readers.spawn(accept_tcp(listener, Some(acceptor), chunks.clone(), stats.clone(), shutdown.clone()));
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
        if let Err(error) = store_task.await {
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
        self.bytes.extend_from_slice(message);
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

async fn bind_udp(address: &str, receive_buffer: usize) -> anyhow::Result<(UdpSocket, Option<u64>)> {
    let address = resolve(address).await?;
    let socket =
        socket2::Socket::new(socket2::Domain::for_address(address), socket2::Type::DGRAM, Some(socket2::Protocol::UDP))
            .context("failed to create a UDP socket")?;
    // Bursts (every device flushing its buffer after a link comes back) must fit here; the
    // kernel silently caps the request at net.core.rmem_max.
    if let Err(error) = socket.set_recv_buffer_size(receive_buffer) {
        tracing::warn!(%error, "could not enlarge the UDP receive buffer");
    }
    socket.set_nonblocking(true)?;
    socket.bind(&address.into()).with_context(|| format!("failed to listen on UDP {address}"))?;
    let granted = socket.recv_buffer_size().unwrap_or(0);
    if granted < receive_buffer {
        tracing::warn!(
            requested = receive_buffer,
            granted,
            "UDP receive buffer smaller than requested: raise net.core.rmem_max for bursts"
        );
    }
    let socket: StdUdpSocket = socket.into();
    let inode = socket_inode(&socket);
    Ok((UdpSocket::from_std(socket)?, inode))
}

async fn resolve(address: &str) -> anyhow::Result<SocketAddr> {
    tokio::net::lookup_host(address)
        .await
        .with_context(|| format!("invalid listen address {address}"))?
        .next()
        .with_context(|| format!("{address} resolves to no address"))
}

#[cfg(unix)]
fn socket_inode(socket: &StdUdpSocket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/self/fd/{}", socket.as_raw_fd())).ok().map(|metadata| metadata.ino())
}

#[cfg(not(unix))]
fn socket_inode(_socket: &StdUdpSocket) -> Option<u64> {
    None
}

/// The `drops` column of the socket's line in `/proc/net/udp` or `/proc/net/udp6`.
fn udp_kernel_drops(inode: u64) -> Option<u64> {
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() >= 13 && fields[9].parse::<u64>().ok() == Some(inode) {
                return fields[12].parse().ok();
            }
        }
    }
    None
}

async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // A dropped sender also means stop.
    let _ = shutdown.wait_for(|stop| *stop).await;
}

async fn read_udp(
    socket: UdpSocket,
    chunks: mpsc::Sender<Chunk>,
    stats: Arc<ListenerStats>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 65_536];
    loop {
        let first = tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => break,
            received = socket.recv_from(&mut buffer) => received,
        };
        let mut chunk = Chunk::default();
        match first {
            Ok((length, from)) => chunk.push_datagram(from.ip(), &buffer[..length]),
            Err(error) => {
                tracing::debug!(%error, "UDP receive failed");
                continue;
            }
        }
        // Take whatever else is already queued without waiting.
        gather_udp(&socket, &mut buffer, &mut chunk);
        if chunk.messages.is_empty() {
            continue;
        }
        // Awaiting here leaves datagrams in the kernel buffer while the writer catches up.
        if chunks.send(chunk).await.is_err() {
            return;
        }
    }
    // Stopping: what the kernel already holds was received; hand it over too. The socket leaves
    // the reactor first, whose readiness flag may not yet know of the last datagrams.
    let socket = match socket.into_std() {
        Ok(socket) => socket,
        Err(error) => {
            tracing::warn!(%error, "could not read the last UDP datagrams");
            return;
        }
    };
    let mut chunk = Chunk::default();
    loop {
        match socket.recv_from(&mut buffer) {
            Ok((length, from)) => chunk.push_datagram(from.ip(), &buffer[..length]),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
            Err(error) => {
                tracing::debug!(%error, "UDP receive failed");
                break;
            }
        }
        if chunk.is_full() && chunks.send(std::mem::take(&mut chunk)).await.is_err() {
            return;
        }
    }
    if !chunk.messages.is_empty() {
        let _ = chunks.send(chunk).await;
    }
    // The counter disappears with the socket: read it one last time.
    stats.read_kernel_drops();
}

fn gather_udp(socket: &UdpSocket, buffer: &mut [u8], chunk: &mut Chunk) {
    while !chunk.is_full() {
        match socket.try_recv_from(buffer) {
            Ok((length, from)) => chunk.push_datagram(from.ip(), &buffer[..length]),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => return,
            Err(error) => {
                tracing::debug!(%error, "UDP receive failed");
                return;
            }
        }
    }
}

async fn accept_tcp(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    chunks: mpsc::Sender<Chunk>,
    stats: Arc<ListenerStats>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                connections.spawn(serve_connection(
                    stream,
                    peer,
                    tls.clone(),
                    chunks.clone(),
                    stats.clone(),
                    shutdown.clone(),
                ));
            }
            Err(error) => {
                // Usually running out of file descriptors: wait rather than spin.
                tracing::warn!(%error, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        while connections.try_join_next().is_some() {}
    }
    // Connections the kernel completed before the stop were accepted from the sender's point of
    // view: read them too, then close the socket.
    let deadline = Instant::now() + DRAIN_LIMIT;
    while let Ok(Ok((stream, peer))) = tokio::time::timeout(DRAIN_QUIET, listener.accept()).await {
        connections.spawn(serve_connection(stream, peer, tls.clone(), chunks.clone(), stats.clone(), shutdown.clone()));
        if Instant::now() > deadline {
            break;
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// On shutdown, an open connection is read until it has been quiet this long …
const DRAIN_QUIET: Duration = Duration::from_millis(300);
/// … but no longer than this.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// How long a TLS client may take to finish its handshake.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

/// Reads one accepted connection, after the TLS handshake when the socket is a TLS one.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    chunks: mpsc::Sender<Chunk>,
    stats: Arc<ListenerStats>,
    shutdown: watch::Receiver<bool>,
) {
    let Some(acceptor) = tls else {
        return read_stream(stream, peer, chunks, stats, shutdown).await;
    };
    match tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => read_stream(stream, peer, chunks, stats, shutdown).await,
        Ok(Err(error)) => tracing::warn!(%error, %peer, "syslog TLS handshake failed"),
        Err(_) => tracing::warn!(%peer, "syslog TLS handshake timed out"),
    }
}

async fn read_stream<S: tokio::io::AsyncRead + Unpin>(
    mut stream: S,
    peer: SocketAddr,
    chunks: mpsc::Sender<Chunk>,
    stats: Arc<ListenerStats>,
    mut shutdown: watch::Receiver<bool>,
) {
    let sender = peer.ip();
    let mut framer = StreamFramer::default();
    let mut buffer = vec![0u8; 65_536];
    let mut drain_until: Option<Instant> = None;
    loop {
        let read = match drain_until {
            None => tokio::select! {
                biased;
                _ = stopped(&mut shutdown) => {
                    drain_until = Some(Instant::now() + DRAIN_LIMIT);
                    continue;
                }
                read = stream.read(&mut buffer) => read,
            },
            Some(deadline) => {
                let wait = DRAIN_QUIET.min(deadline.saturating_duration_since(Instant::now()));
                match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
                    Ok(read) => read,
                    Err(_) => break,
                }
            }
        };
        let length = match read {
            Ok(0) => break,
            Ok(length) => length,
            Err(error) => {
                tracing::debug!(%error, %peer, "TCP read failed");
                break;
            }
        };
        framer.push(&buffer[..length]);
        let mut chunk = Chunk::default();
        while let Some(frame) = framer.next_frame() {
            chunk.push(sender, frame);
        }
        if framer.take_discarded() {
            ListenerStats::add(&stats.dropped, 1);
            tracing::warn!(%peer, "discarded an oversized TCP syslog frame");
        }
        if !chunk.messages.is_empty() && chunks.send(chunk).await.is_err() {
            return;
        }
    }
    let mut chunk = Chunk::default();
    match framer.finish() {
        Remainder::Nothing => {}
        Remainder::Line(line) => chunk.push(sender, line),
        Remainder::Truncated => {
            ListenerStats::add(&stats.dropped, 1);
            tracing::warn!(%peer, "TCP connection closed in the middle of an octet-counted frame");
        }
    }
    if !chunk.messages.is_empty() {
        let _ = chunks.send(chunk).await;
    }
}

/// RFC 6587 framing on a byte stream: octet counting (§3.4.1) when a frame starts with a
/// digit count, otherwise a line ending at LF (§3.4.2). A line that is not octet-counted is
/// taken whole, header or not, so nothing a sender wrote is skipped as "garbage".
#[derive(Debug, Default)]
struct StreamFramer {
    buffer: Vec<u8>,
    start: usize,
    discarded: bool,
}

/// What is left in a stream when it ends.
enum Remainder<'a> {
    Nothing,
    /// A last line without its LF: a complete message.
    Line(&'a [u8]),
    /// An octet-counted frame shorter than its count said.
    Truncated,
}

impl StreamFramer {
    fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    fn next_frame(&mut self) -> Option<&[u8]> {
        loop {
            let pending = &self.buffer[self.start..];
            let (begin, end, consumed) = match decode_octet_counted(pending) {
                Decoded::Frame { message, consumed } => {
                    let begin = message.as_ptr() as usize - pending.as_ptr() as usize;
                    (begin, begin + message.len(), consumed)
                }
                Decoded::Invalid { skip } if pending[..skip].ends_with(b"\n") => (0, skip - 1, skip),
                Decoded::Incomplete | Decoded::Invalid { .. } => {
                    // A line or frame longer than any accepted frame is not worth buffering.
                    if pending.len() > MAX_FRAME_LEN + 16 {
                        self.start = self.buffer.len();
                        self.discarded = true;
                    }
                    return None;
                }
            };
            let from = self.start;
            self.start += consumed;
            if !trim_line(&self.buffer[from + begin..from + end]).is_empty() {
                return Some(&self.buffer[from + begin..from + end]);
            }
        }
    }

    fn take_discarded(&mut self) -> bool {
        std::mem::take(&mut self.discarded)
    }

    fn finish(&self) -> Remainder<'_> {
        let pending = trim_line(&self.buffer[self.start..]);
        if pending.is_empty() {
            Remainder::Nothing
        } else if pending[0].is_ascii_digit() && decode_octet_counted(pending) == Decoded::Incomplete {
            Remainder::Truncated
        } else {
            Remainder::Line(pending)
        }
    }
}

/// Work for the store task.
enum Job {
    Batch(Box<Accumulator>),
    Unknown { sender: String, sample: String, messages: u64 },
}

/// Writes batches and unknown-sender counts, one at a time, in arrival order.
async fn run_store(db: Db, mut jobs: mpsc::Receiver<Job>, stats: Arc<ListenerStats>, clock: app::Clock) {
    while let Some(job) = jobs.recv().await {
        match job {
            Job::Batch(mut accumulator) => {
                let accumulator = accumulator.as_mut();
                let lines = accumulator.lines();
                match accumulator.flush(&db, clock.now()).await {
                    Ok(summary) => {
                        ListenerStats::add(&stats.stored, summary.lines - summary.unparsed);
                        ListenerStats::add(&stats.unparsed, summary.unparsed);
                    }
                    Err(error) => {
                        ListenerStats::add(&stats.failed, lines);
                        tracing::error!(error = format!("{error:#}"), lines, "syslog batch lost: not stored");
                    }
                }
            }
            Job::Unknown { sender, sample, messages } => {
                if let Err(error) =
                    store::logs::note_unknown_messages(&db, &sender, &sample, messages, clock.now()).await
                {
                    tracing::error!(%error, %sender, messages, "failed to record messages of an unknown sender");
                }
            }
        }
    }
}

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Device(Uuid),
    Removed,
    Unknown,
}

/// Messages from one unknown sender since the last write.
struct UnknownMessages {
    messages: u64,
    sample: String,
}

/// Lookups of a message whose mapping failed because the database did not answer, before the
/// message is given up (one second apart; the readers wait meanwhile).
const LOOKUP_ATTEMPTS: u32 = 30;

/// Parses, maps and accumulates; hands full or due batches to the store task.
struct Writer {
    directory: Directory,
    settings: Settings,
    stats: Arc<ListenerStats>,
    jobs: mpsc::Sender<Job>,
    batches: HashMap<Uuid, Accumulator>,
    unknown: HashMap<String, UnknownMessages>,
    removed: HashMap<String, u64>,
}

impl Writer {
    fn new(db: Db, settings: &Settings, stats: Arc<ListenerStats>, jobs: mpsc::Sender<Job>) -> Writer {
        Writer {
            directory: Directory::new(db, settings.cache_ttl),
            settings: settings.clone(),
            stats,
            jobs,
            batches: HashMap::new(),
            unknown: HashMap::new(),
            removed: HashMap::new(),
        }
    }

    async fn run(mut self, mut inbox: mpsc::Receiver<Chunk>) {
        let every = |period: Duration| {
            let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            interval
        };
        let mut flush_tick = every(self.settings.flush_interval);
        let mut unknown_tick = every(self.settings.unknown_interval);
        let mut stats_tick = every(self.settings.stats_interval);
        loop {
            tokio::select! {
                chunk = inbox.recv() => match chunk {
                    Some(chunk) => self.take(chunk).await,
                    None => break,
                },
                _ = flush_tick.tick() => {
                    self.flush_all().await;
                    self.directory.forget_expired();
                }
                _ = unknown_tick.tick() => self.report_unknown().await,
                _ = stats_tick.tick() => log_stats(&self.stats.snapshot(), "syslog listener"),
            }
        }
        // Every reader has stopped and the channel is empty: write everything out.
        self.flush_all().await;
        self.report_unknown().await;
        // Dropping `self` closes the job channel: the store task finishes the queue and ends.
    }

    async fn take(&mut self, chunk: Chunk) {
        ListenerStats::add(&self.stats.received, chunk.messages.len() as u64);
        for &(sender, start, end) in &chunk.messages {
            let line = &chunk.bytes[start..end];
            let parsed = utm::parse_syslog_line(line, None);
            let serial = parsed.as_ref().ok().and_then(|event| event.device.as_deref());
            match self.target(serial, sender).await {
                Some(Target::Device(device_id)) => {
                    let batch = self.batches.entry(device_id).or_insert_with(|| Accumulator::new(device_id));
                    batch.add_parsed(line, parsed, || format!("syslog:{sender}"));
                    if batch.lines() >= self.settings.batch_lines {
                        let full = std::mem::replace(batch, Accumulator::new(device_id));
                        self.send(Job::Batch(Box::new(full))).await;
                    }
                }
                Some(Target::Removed) => {
                    ListenerStats::add(&self.stats.removed_device, 1);
                    *self.removed.entry(serial.unwrap_or_default().to_string()).or_default() += 1;
                }
                Some(Target::Unknown) => {
                    ListenerStats::add(&self.stats.unknown, 1);
                    let key = match serial {
                        Some(serial) => format!("{sender} {serial}"),
                        None => sender.to_string(),
                    };
                    self.unknown
                        .entry(key)
                        .or_insert_with(|| UnknownMessages {
                            messages: 0,
                            sample: String::from_utf8_lossy(line).chars().take(1000).collect(),
                        })
                        .messages += 1;
                }
                None => ListenerStats::add(&self.stats.failed, 1),
            }
        }
    }

    /// Maps a message, retrying while the database does not answer.
    async fn target(&mut self, serial: Option<&str>, sender: IpAddr) -> Option<Target> {
        let mut attempts = 0;
        loop {
            match self.directory.target(serial, sender).await {
                Ok(target) => return Some(target),
                Err(error) => {
                    attempts += 1;
                    if attempts >= LOOKUP_ATTEMPTS {
                        tracing::error!(%error, %sender, "device lookup failed; a syslog message is lost");
                        return None;
                    }
                    tracing::warn!(%error, "device lookup failed; retrying in a second");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn flush_all(&mut self) {
        let due: Vec<Uuid> = self.batches.iter().filter(|(_, batch)| batch.lines() > 0).map(|(id, _)| *id).collect();
        for device_id in due {
            if let Some(batch) = self.batches.remove(&device_id) {
                self.send(Job::Batch(Box::new(batch))).await;
            }
        }
        // Devices that fell silent need no empty accumulator kept.
        self.batches.retain(|_, batch| batch.lines() > 0);
    }

    async fn report_unknown(&mut self) {
        for (serial, messages) in std::mem::take(&mut self.removed) {
            tracing::warn!(
                serial,
                messages,
                "ignored syslog messages of a removed device: not stored (record a new device or continuation)"
            );
        }
        for (sender, pending) in std::mem::take(&mut self.unknown) {
            tracing::info!(%sender, messages = pending.messages, "syslog messages from an unknown sender");
            self.send(Job::Unknown { sender, sample: pending.sample, messages: pending.messages }).await;
        }
    }

    async fn send(&mut self, job: Job) {
        // The store task only ends after this sender is dropped, so this cannot fail.
        let _ = self.jobs.send(job).await;
    }
}

/// Writes the counters to the database, where the office's devices page reads them (the
/// listener may run in another process than the web server).
#[derive(Clone)]
struct StatusReporter {
    db: Db,
    name: String,
    started_at: chrono::DateTime<chrono::Utc>,
    stats: Arc<ListenerStats>,
    clock: app::Clock,
}

impl StatusReporter {
    fn new(
        db: Db,
        sockets: [(&str, Option<SocketAddr>); 3],
        stats: Arc<ListenerStats>,
        clock: app::Clock,
    ) -> StatusReporter {
        let name = sockets
            .iter()
            .filter_map(|(protocol, address)| address.map(|address| format!("{protocol} {address}")))
            .collect::<Vec<_>>()
            .join(", ");
        StatusReporter { db, name, started_at: clock.now(), stats, clock }
    }

    async fn run(self, every: Duration) {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            self.write(true).await;
        }
    }

    async fn write(&self, running: bool) {
        let snapshot = self.stats.snapshot();
        let status = store::logs::ListenerStatus {
            name: self.name.clone(),
            started_at: self.started_at,
            updated_at: self.clock.now(),
            running,
            received: snapshot.received,
            stored: snapshot.stored,
            unparsed: snapshot.unparsed,
            unknown: snapshot.unknown,
            removed_device: snapshot.removed_device,
            dropped: snapshot.dropped,
            failed: snapshot.failed,
        };
        if let Err(error) = store::logs::record_listener_status(&self.db, &status).await {
            tracing::warn!(%error, "could not write the syslog listener's counters");
        }
    }
}

/// Logs the counters at info level.
pub fn log_stats(snapshot: &StatsSnapshot, what: &str) {
    tracing::info!(
        received = snapshot.received,
        stored = snapshot.stored,
        unparsed = snapshot.unparsed,
        unknown = snapshot.unknown,
        removed_device = snapshot.removed_device,
        dropped = snapshot.dropped,
        failed = snapshot.failed,
        pending = snapshot.pending(),
        "{what}"
    );
}

/// A device lookup and when it was made.
struct Cached<T> {
    value: T,
    at: Instant,
}

/// What a serial maps to.
#[derive(Debug, Clone, Copy)]
struct Known {
    id: Uuid,
    removed: bool,
}

/// Serial and sender lookups, cached for `ttl` whether found or not.
struct Directory {
    db: Db,
    ttl: Duration,
    serials: HashMap<String, Cached<Option<Known>>>,
    senders: HashMap<IpAddr, Cached<Option<Uuid>>>,
}

impl Directory {
    fn new(db: Db, ttl: Duration) -> Directory {
        Directory { db, ttl, serials: HashMap::new(), senders: HashMap::new() }
    }

    async fn target(&mut self, serial: Option<&str>, sender: IpAddr) -> store::Result<Target> {
        if let Some(serial) = serial {
            match self.by_serial(serial).await? {
                Some(Known { removed: true, .. }) => return Ok(Target::Removed),
                Some(Known { id, .. }) => return Ok(Target::Device(id)),
                None => {}
            }
        }
        Ok(match self.by_sender(sender).await? {
            Some(id) => Target::Device(id),
            None => Target::Unknown,
        })
    }

    async fn by_serial(&mut self, serial: &str) -> store::Result<Option<Known>> {
        if let Some(cached) = self.serials.get(serial)
            && cached.at.elapsed() < self.ttl
        {
            return Ok(cached.value);
        }
        let value = store::devices::find_by_serial(&self.db, serial)
            .await?
            .map(|device| Known { id: device.id, removed: device.removed_on.is_some() });
        self.serials.insert(serial.to_string(), Cached { value, at: Instant::now() });
        Ok(value)
    }

    async fn by_sender(&mut self, sender: IpAddr) -> store::Result<Option<Uuid>> {
        if let Some(cached) = self.senders.get(&sender)
            && cached.at.elapsed() < self.ttl
        {
            return Ok(cached.value);
        }
        let value = store::devices::find_by_sender(&self.db, &sender.to_string()).await?.map(|device| device.id);
        self.senders.insert(sender, Cached { value, at: Instant::now() });
        Ok(value)
    }

    /// Bounds the caches: random serials from a misconfigured sender must not grow them forever.
    fn forget_expired(&mut self) {
        const KEEP: usize = 10_000;
        if self.serials.len() > KEEP {
            self.serials.retain(|_, cached| cached.at.elapsed() < self.ttl);
        }
        if self.senders.len() > KEEP {
            self.senders.retain(|_, cached| cached.at.elapsed() < self.ttl);
        }
    }
}

/// Result of [`send_udp_load`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadReport {
    pub sent: u64,
    pub seconds: f64,
}

/// Sends `count` lines from `next_line` to `target` over UDP at about `rate` messages per
/// second (paced per millisecond), one message per datagram, from the calling thread. For
/// benchmarks: it blocks.
pub fn send_udp_load(
    target: SocketAddr,
    count: u64,
    rate: u64,
    mut next_line: impl FnMut(&mut Vec<u8>),
) -> io::Result<LoadReport> {
    let bind: SocketAddr = if target.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("literal address");
    let socket = StdUdpSocket::bind(bind)?;
    socket.connect(target)?;
    let started = Instant::now();
    let mut line = Vec::with_capacity(1024);
    let mut sent = 0u64;
    while sent < count {
        // How many should have gone by now; send up to that, then wait for the next millisecond.
        let due = ((started.elapsed().as_secs_f64() * rate as f64) as u64 + 1).min(count);
        while sent < due {
            line.clear();
            next_line(&mut line);
            match socket.send(&line) {
                Ok(_) => sent += 1,
                // The sender's own buffer is full: try again shortly (the receiver is not told).
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) if error.raw_os_error() == Some(105) => break, // ENOBUFS
                Err(error) => return Err(error),
            }
        }
        if sent < count {
            let next = Duration::from_secs_f64((sent as f64) / rate as f64);
            if let Some(wait) = next.checked_sub(started.elapsed()) {
                std::thread::sleep(wait.min(Duration::from_millis(1)));
            }
        }
    }
    Ok(LoadReport { sent, seconds: started.elapsed().as_secs_f64() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[&[u8]]) -> (Vec<String>, String) {
        let mut framer = StreamFramer::default();
        let mut out = Vec::new();
        for part in input {
            framer.push(part);
            while let Some(frame) = framer.next_frame() {
                out.push(String::from_utf8_lossy(frame).into_owned());
            }
        }
        let rest = match framer.finish() {
            Remainder::Nothing => "nothing".to_string(),
            Remainder::Line(line) => format!("line {}", String::from_utf8_lossy(line)),
            Remainder::Truncated => "truncated".to_string(),
        };
        (out, rest)
    }

    #[test]
    fn octet_counted_frames_across_reads() {
        let (out, rest) = frames(&[b"15 <13>hello", b" wo", b"rld5 <1>ab"]);
        assert_eq!(out, ["<13>hello world", "<1>ab"]);
        assert_eq!(rest, "nothing");
    }

    #[test]
    fn octet_counted_frame_keeps_embedded_newlines() {
        let (out, _) = frames(&[b"8 <1>a\nb\nc"]);
        assert_eq!(out, ["<1>a\nb\nc"]);
    }

    #[test]
    fn newline_frames_with_and_without_header() {
        let (out, rest) = frames(&[b"<13>one\r\ndate=2025-06-02 time=1", b"0:00:00 devid=\"X\"\n\n<13>last"]);
        assert_eq!(out, ["<13>one", "date=2025-06-02 time=10:00:00 devid=\"X\""]);
        assert_eq!(rest, "line <13>last");
    }

    #[test]
    fn a_frame_cut_short_is_reported() {
        let (out, rest) = frames(&[b"5 <1>a\n20 <13>cut"]);
        assert_eq!(out, ["<1>a"]);
        assert_eq!(rest, "truncated");
    }

    #[test]
    fn a_datagram_may_hold_several_lines() {
        let mut chunk = Chunk::default();
        let sender: IpAddr = "192.0.2.1".parse().unwrap();
        chunk.push_datagram(sender, b"<13>a\n<13>b\r\n\n\0");
        let lines: Vec<&[u8]> = chunk.messages.iter().map(|&(_, start, end)| &chunk.bytes[start..end]).collect();
        assert_eq!(lines, [b"<13>a".as_slice(), b"<13>b".as_slice()]);
    }
}

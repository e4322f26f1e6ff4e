//! TCP and TLS (RFC 5425) connections: accepted within the connection limit, handshaken when
//! TLS, and read through `utm::framing::StreamFramer` (RFC 6587 octet counting or newline
//! framing) into chunks for the writer, within the idle timeout and the buffer budget; on stop,
//! open connections are read until quiet. No parsing or mapping here.
//!
//! Memory: a connection holds a read buffer of [`READ_BUFFER`] bytes and its framer's buffer.
//! The bytes of unfinished messages, over all connections, are held to `max_buffered` (a
//! connection that would pass it is closed and its unfinished message counted as dropped), and
//! a framer gives back what a long message made it grow (`StreamFramer::shrink`: its buffer is
//! at most `max(4 × unfinished bytes, 2 × KEEP)`), so buffers are bounded by about
//! `max_connections × (READ_BUFFER + 2 × StreamFramer::KEEP) + 4 × max_buffered` whatever
//! senders do, and go back to the allocator when connections close.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use utm::framing::{Remainder, StreamFramer};

use super::{Chunk, ListenerStats, stopped};

/// What every TCP and TLS connection shares: the connection limit (one for both sockets), the
/// buffer budget, the idle timeout.
#[derive(Debug, Clone)]
pub(super) struct Limits {
    pub(super) connections: Arc<Semaphore>,
    pub(super) max_buffered: usize,
    pub(super) idle: Duration,
}

/// Bytes read from a socket at a time.
const READ_BUFFER: usize = 16 << 10;

pub(super) async fn accept_tcp(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    chunks: mpsc::Sender<Chunk>,
    stats: Arc<ListenerStats>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let connection_shutdown = shutdown.clone();
    let admit = |connections: &mut JoinSet<()>, stream: TcpStream, peer: SocketAddr| {
        // Over the limit the connection is closed at once, not left waiting: a sender
        // reconnects, and the kernel's backlog is not a place to park hundreds of them.
        let Ok(permit) = limits.connections.clone().try_acquire_owned() else {
            ListenerStats::add(&stats.connections_refused, 1);
            tracing::debug!(%peer, "syslog connection refused: connection limit reached");
            return;
        };
        let connection = Connection::new(stats.clone(), permit);
        connections.spawn(serve_connection(
            stream,
            peer,
            tls.clone(),
            chunks.clone(),
            connection,
            limits.clone(),
            connection_shutdown.clone(),
        ));
    };
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => admit(&mut connections, stream, peer),
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
        admit(&mut connections, stream, peer);
        if Instant::now() > deadline {
            break;
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// One admitted connection: its place under the connection limit and its share of the buffer
/// budget, both given back when it is dropped, however the connection ends.
pub(super) struct Connection {
    stats: Arc<ListenerStats>,
    buffered: usize,
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    fn new(stats: Arc<ListenerStats>, permit: OwnedSemaphorePermit) -> Connection {
        stats.connection_opened();
        Connection { stats, buffered: 0, _permit: permit }
    }

    /// Takes `bytes` as this connection's share of the budget; false when they do not fit.
    fn hold(&mut self, bytes: usize, max: usize) -> bool {
        let fits = self.stats.rebudget(self.buffered, bytes, max);
        if fits {
            self.buffered = bytes;
        }
        fits
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.stats.rebudget(self.buffered, 0, usize::MAX);
        self.stats.connection_closed();
    }
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
    connection: Connection,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
) {
    let Some(acceptor) = tls else {
        return read_stream(stream, peer, chunks, connection, limits, shutdown).await;
    };
    match tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => read_stream(stream, peer, chunks, connection, limits, shutdown).await,
        Ok(Err(error)) => tracing::warn!(%error, %peer, "syslog TLS handshake failed"),
        Err(_) => tracing::warn!(%peer, "syslog TLS handshake timed out"),
    }
}

async fn read_stream<S: tokio::io::AsyncRead + Unpin>(
    mut stream: S,
    peer: SocketAddr,
    chunks: mpsc::Sender<Chunk>,
    mut connection: Connection,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let stats = connection.stats.clone();
    let sender = peer.ip();
    let mut framer = StreamFramer::default();
    let mut buffer = vec![0u8; READ_BUFFER];
    let mut drain_until: Option<Instant> = None;
    loop {
        let read = match drain_until {
            None => tokio::select! {
                biased;
                _ = stopped(&mut shutdown) => {
                    drain_until = Some(Instant::now() + DRAIN_LIMIT);
                    continue;
                }
                read = tokio::time::timeout(limits.idle, stream.read(&mut buffer)) => match read {
                    Ok(read) => read,
                    Err(_) => {
                        ListenerStats::add(&stats.connections_timed_out, 1);
                        tracing::debug!(%peer, "syslog connection closed: idle");
                        break;
                    }
                },
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
        framer.shrink();
        let fits = connection.hold(framer.pending_len(), limits.max_buffered);
        if !chunk.messages.is_empty() && chunks.send(chunk).await.is_err() {
            return;
        }
        if !fits {
            // The complete messages went on; the unfinished one is lost with the connection.
            ListenerStats::add(&stats.connections_over_budget, 1);
            ListenerStats::add(&stats.dropped, 1);
            tracing::warn!(
                %peer,
                pending = framer.pending_len(),
                "syslog connection closed: its unfinished message does not fit the buffer budget"
            );
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

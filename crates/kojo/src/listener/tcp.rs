//! TCP and TLS (RFC 5425) connections: accepted, handshaken when TLS, and read through
//! `utm::framing::StreamFramer` (RFC 6587 octet counting or newline framing) into chunks for
//! the writer; on stop, open connections are read until quiet. No parsing or mapping here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use utm::framing::{Remainder, StreamFramer};

use super::{Chunk, ListenerStats, stopped};

pub(super) async fn accept_tcp(
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

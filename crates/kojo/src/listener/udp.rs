//! The UDP socket: bound with a large kernel receive buffer, read a datagram at a time (a
//! datagram may hold several lines), its kernel drop counter found in `/proc/net/udp`; and
//! `send_udp_load`, the load generator of the listener's load test. No parsing or mapping here.

use std::io;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use super::{Chunk, ListenerStats, stopped};

pub(super) async fn bind_udp(address: &str, receive_buffer: usize) -> anyhow::Result<(UdpSocket, Option<u64>)> {
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
pub(super) fn udp_kernel_drops(inode: u64) -> Option<u64> {
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

pub(super) async fn read_udp(
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

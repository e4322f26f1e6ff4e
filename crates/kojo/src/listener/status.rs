//! The listener's counters (`ListenerStats`), their minute log line, and the status row the
//! office's devices page reads (`StatusReporter`). Counting only: nothing here reads sockets or
//! writes log data.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use store::Db;

use super::udp::udp_kernel_drops;

/// Counters since start, readable while the listener runs (the office page, the minute log).
#[derive(Debug)]
pub struct ListenerStats {
    pub(super) received: AtomicU64,
    pub(super) stored: AtomicU64,
    pub(super) unparsed: AtomicU64,
    pub(super) unknown: AtomicU64,
    pub(super) removed_device: AtomicU64,
    pub(super) dropped: AtomicU64,
    pub(super) failed: AtomicU64,
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
    pub(super) fn new(udp_inode: Option<u64>) -> ListenerStats {
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
    pub(super) fn read_kernel_drops(&self) -> Option<u64> {
        if let Some(drops) = self.udp_inode.and_then(udp_kernel_drops) {
            self.udp_kernel_drops.store(drops, Ordering::Relaxed);
            return Some(drops);
        }
        Some(self.udp_kernel_drops.load(Ordering::Relaxed)).filter(|drops| *drops != u64::MAX)
    }

    pub(super) fn add(counter: &AtomicU64, value: u64) {
        counter.fetch_add(value, Ordering::Relaxed);
    }
}

/// Writes the counters to the database, where the office's devices page reads them (the
/// listener may run in another process than the web server).
#[derive(Clone)]
pub(super) struct StatusReporter {
    db: Db,
    name: String,
    started_at: chrono::DateTime<chrono::Utc>,
    stats: Arc<ListenerStats>,
    clock: app::Clock,
}

impl StatusReporter {
    pub(super) fn new(
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

    pub(super) async fn run(self, every: Duration) {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            self.write(true).await;
        }
    }

    pub(super) async fn write(&self, running: bool) {
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

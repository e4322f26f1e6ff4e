//! The listener's counters (`ListenerStats`), their minute log line, and the status row the
//! office's devices page reads (`StatusReporter`). Counting only: nothing here reads sockets or
//! writes log data.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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
    /// Messages handed to JetStream and acknowledged by it (publishing listeners only).
    pub(super) published: AtomicU64,
    pub(super) refused_sender: AtomicU64,
    pub(super) connections_refused: AtomicU64,
    pub(super) connections_timed_out: AtomicU64,
    pub(super) connections_over_budget: AtomicU64,
    /// Open TCP and TLS connections (a gauge).
    open_connections: AtomicU64,
    /// Bytes of unfinished TCP/TLS messages held by all connections (a gauge) …
    buffered_bytes: AtomicU64,
    /// … and the most it has been.
    buffered_peak: AtomicU64,
    /// Per-vendor counts of the messages mapped to a device, as the writer last published them.
    vendors: Mutex<utm::IntakeCounts>,
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
    /// Messages handed to JetStream and acknowledged by it (a listener with `KOJO_NATS_URL`
    /// publishes instead of storing: its consumers store them).
    pub published: u64,
    /// The part of `unknown` whose serial is a registered device's, refused because it came from
    /// another address than the device's (or the device has none recorded yet).
    pub refused_sender: u64,
    /// TCP/TLS connections closed on arrival because the connection limit was reached.
    pub connections_refused: u64,
    /// Connections closed after the idle timeout.
    pub connections_timed_out: u64,
    /// Connections closed because their unfinished message did not fit the buffer budget.
    pub connections_over_budget: u64,
    /// TCP/TLS connections open now.
    pub open_connections: u64,
    /// Bytes of unfinished messages held now, over all connections (never above the budget) …
    pub buffered_bytes: u64,
    /// … and the most held at any moment since start.
    pub buffered_peak: u64,
}

impl StatsSnapshot {
    /// Messages received but not yet accounted for (in the channel or a batch not yet written).
    pub fn pending(&self) -> u64 {
        self.received.saturating_sub(
            self.stored + self.unparsed + self.unknown + self.removed_device + self.failed + self.published,
        )
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
            published: AtomicU64::new(0),
            refused_sender: AtomicU64::new(0),
            connections_refused: AtomicU64::new(0),
            connections_timed_out: AtomicU64::new(0),
            connections_over_budget: AtomicU64::new(0),
            open_connections: AtomicU64::new(0),
            buffered_bytes: AtomicU64::new(0),
            buffered_peak: AtomicU64::new(0),
            vendors: Mutex::new(utm::IntakeCounts::default()),
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
            published: self.published.load(Ordering::Relaxed),
            refused_sender: self.refused_sender.load(Ordering::Relaxed),
            connections_refused: self.connections_refused.load(Ordering::Relaxed),
            connections_timed_out: self.connections_timed_out.load(Ordering::Relaxed),
            connections_over_budget: self.connections_over_budget.load(Ordering::Relaxed),
            open_connections: self.open_connections.load(Ordering::Relaxed),
            buffered_bytes: self.buffered_bytes.load(Ordering::Relaxed),
            buffered_peak: self.buffered_peak.load(Ordering::Relaxed),
        }
    }

    /// Per-vendor counts of the messages mapped to a device: events, events of identifiers
    /// missing from the vendor's catalogue, unparsed lines, and the most frequent unknown
    /// identifiers.
    pub fn vendor_counts(&self) -> store::logs::VendorCounts {
        let counts = self.vendors.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let vendors = counts
            .by_vendor
            .iter()
            .map(|(vendor, c)| store::logs::VendorCount {
                vendor: vendor.clone(),
                events: c.events,
                unknown_identifiers: c.unknown_identifiers,
                unparsed: c.unparsed,
            })
            .collect();
        let mut unknown_identifiers: Vec<(String, String, u64)> = counts
            .unknown_identifiers
            .iter()
            .flat_map(|(vendor, map)| map.iter().map(move |(id, count)| (vendor.clone(), id.clone(), *count)))
            .collect();
        unknown_identifiers.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
        unknown_identifiers.truncate(TOP_UNKNOWN_IDENTIFIERS);
        store::logs::VendorCounts { vendors, unknown_identifiers }
    }

    /// The writer publishes its per-vendor counts (a copy: the writer keeps counting its own).
    pub(super) fn publish_vendors(&self, counts: &utm::IntakeCounts) {
        *self.vendors.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = counts.clone();
    }

    /// Moves a connection's share of the buffered bytes from `from` to `to`. Refuses (and
    /// changes nothing) when the total would pass `max`; shrinking always succeeds.
    pub(super) fn rebudget(&self, from: usize, to: usize, max: usize) -> bool {
        if to <= from {
            self.buffered_bytes.fetch_sub((from - to) as u64, Ordering::Relaxed);
            return true;
        }
        let grow = (to - from) as u64;
        let mut current = self.buffered_bytes.load(Ordering::Relaxed);
        loop {
            let next = current + grow;
            if next > max as u64 {
                return false;
            }
            match self.buffered_bytes.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => {
                    self.buffered_peak.fetch_max(next, Ordering::Relaxed);
                    return true;
                }
                Err(actual) => current = actual,
            }
        }
    }

    pub(super) fn connection_opened(&self) {
        self.open_connections.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn connection_closed(&self) {
        self.open_connections.fetch_sub(1, Ordering::Relaxed);
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

/// Unknown identifiers kept in the status row, the most frequent first.
const TOP_UNKNOWN_IDENTIFIERS: usize = 20;

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
        StatusReporter::named(db, name, stats, clock)
    }

    pub(super) fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn rename(&mut self, name: String) {
        self.name = name;
    }

    /// A reporter under a name of the caller's (a JetStream consumer has no sockets).
    pub(super) fn named(db: Db, name: String, stats: Arc<ListenerStats>, clock: app::Clock) -> StatusReporter {
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
            refused_sender: snapshot.refused_sender,
            connections_refused: snapshot.connections_refused,
            connections_timed_out: snapshot.connections_timed_out,
            connections_over_budget: snapshot.connections_over_budget,
            vendors: self.stats.vendor_counts(),
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
        published = snapshot.published,
        refused_sender = snapshot.refused_sender,
        connections = snapshot.open_connections,
        connections_refused = snapshot.connections_refused,
        connections_timed_out = snapshot.connections_timed_out,
        connections_over_budget = snapshot.connections_over_budget,
        buffered_bytes = snapshot.buffered_bytes,
        pending = snapshot.pending(),
        "{what}"
    );
}

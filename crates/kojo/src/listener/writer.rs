//! The writer task (maps each message to a device through a cached directory, parses it and
//! rolls it up per device in `ingest::Accumulator`s) and the store task that writes the
//! batches and unknown-sender counts. Reads no socket.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use store::Db;
use store::logs::UnknownReason;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{Chunk, ListenerStats, Settings, log_stats};
use crate::ingest::Accumulator;

/// Work for the store task.
pub(super) enum Job {
    Batch(Box<Accumulator>),
    Unknown { sender: IpAddr, serial: Option<String>, pending: UnknownMessages },
}

/// Writes batches and unknown-sender counts, one at a time, in arrival order.
pub(super) async fn run_store(
    services: app::Services,
    mut jobs: mpsc::Receiver<Job>,
    stats: Arc<ListenerStats>,
    clock: app::Clock,
) {
    while let Some(job) = jobs.recv().await {
        match job {
            Job::Batch(mut accumulator) => {
                let accumulator = accumulator.as_mut();
                let lines = accumulator.lines();
                match accumulator.flush(&services, clock.now()).await {
                    Ok(summary) => {
                        ListenerStats::add(&stats.stored, summary.lines - summary.unparsed);
                        ListenerStats::add(&stats.unparsed, summary.unparsed);
                        // Live detections reach the desk with every batch.
                        accumulator.settle_tickets(&services, clock.now()).await;
                    }
                    Err(error) => {
                        ListenerStats::add(&stats.failed, lines);
                        tracing::error!(error = format!("{error:#}"), lines, "syslog batch lost: not stored");
                    }
                }
            }
            Job::Unknown { sender, serial, pending } => {
                let address = sender.to_string();
                let unknown = pending.as_store(&address, serial.as_deref());
                if let Err(error) = store::logs::note_unknown_messages(&services.db, unknown, clock.now()).await {
                    let messages = pending.messages;
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
    /// To the unknown senders list, with the reason.
    Unknown(UnknownReason),
}

/// Messages from one sender and serial that no device accepted, since the last write.
pub(super) struct UnknownMessages {
    messages: u64,
    reason: UnknownReason,
    sample: String,
}

impl UnknownMessages {
    /// The store's form, for `sender` and `serial`.
    pub(super) fn as_store<'a>(&'a self, sender: &'a str, serial: Option<&'a str>) -> store::logs::UnknownMessages<'a> {
        store::logs::UnknownMessages {
            sender,
            serial,
            reason: self.reason,
            sample: &self.sample,
            messages: self.messages,
        }
    }
}

/// Distinct (sender, serial) pairs gathered between two writes; the messages of further pairs
/// are written as overflow (a sender inventing serials must not grow the writer's memory).
const UNKNOWN_PAIRS: usize = 1_000;

/// Unknown identifiers kept per vendor in the listener's counts.
const IDENTIFIERS_PER_VENDOR: usize = 50;

/// Lookups of a message whose mapping failed because the database did not answer, before the
/// message is given up (one second apart; the readers wait meanwhile).
const LOOKUP_ATTEMPTS: u32 = 30;

/// Parses, maps and accumulates; hands full or due batches to the store task.
pub(super) struct Writer {
    directory: Directory,
    settings: Settings,
    stats: Arc<ListenerStats>,
    jobs: mpsc::Sender<Job>,
    batches: HashMap<Uuid, Accumulator>,
    unknown: HashMap<(IpAddr, Option<String>), UnknownMessages>,
    /// Messages of pairs beyond `UNKNOWN_PAIRS` since the last write.
    unknown_overflow: u64,
    removed: HashMap<String, u64>,
    /// Per vendor, the messages mapped to a device (published to the counters every flush).
    intake: utm::IntakeCounts,
    /// The last lookup was given up: the next ones try once until one succeeds (a database
    /// outage must not cost `LOOKUP_ATTEMPTS` seconds per message).
    lookups_failing: bool,
}

impl Writer {
    pub(super) fn new(db: Db, settings: &Settings, stats: Arc<ListenerStats>, jobs: mpsc::Sender<Job>) -> Writer {
        Writer {
            directory: Directory::new(db, settings.cache_ttl, settings.clock.clone()),
            settings: settings.clone(),
            stats,
            jobs,
            batches: HashMap::new(),
            unknown: HashMap::new(),
            unknown_overflow: 0,
            removed: HashMap::new(),
            intake: utm::IntakeCounts::default(),
            lookups_failing: false,
        }
    }

    pub(super) async fn run(mut self, mut inbox: mpsc::Receiver<Chunk>) {
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
                    Some(chunk) => {
                        self.take(chunk).await;
                    }
                    None => break,
                },
                _ = flush_tick.tick() => {
                    self.flush_all().await;
                    self.directory.forget_expired();
                    self.stats.publish_vendors(&self.intake);
                }
                _ = unknown_tick.tick() => self.report_unknown().await,
                _ = stats_tick.tick() => log_stats(&self.stats.snapshot(), "syslog listener"),
            }
        }
        // Every reader has stopped and the channel is empty: write everything out.
        self.flush_all().await;
        self.report_unknown().await;
        self.stats.publish_vendors(&self.intake);
        // Dropping `self` closes the job channel: the store task finishes the queue and ends.
    }

    /// Maps, parses and accumulates `chunk`; returns how many of its messages were lost because
    /// their device could not be looked up.
    pub(super) async fn take(&mut self, chunk: Chunk) -> u64 {
        let mut lost = 0;
        ListenerStats::add(&self.stats.received, chunk.messages.len() as u64);
        for &(sender, start, end) in &chunk.messages {
            // An IPv4 sender reaching a dual-stack socket shows as ::ffff:a.b.c.d.
            let sender = sender.to_canonical();
            let line = &chunk.bytes[start..end];
            let parsed = utm::parse_syslog_line(line, None);
            let serial = parsed.as_ref().ok().and_then(|event| event.device.as_deref());
            match self.target(serial, sender).await {
                Some(Target::Device(device_id)) => {
                    self.intake.add_limited(&parsed, IDENTIFIERS_PER_VENDOR);
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
                Some(Target::Unknown(reason)) => {
                    ListenerStats::add(&self.stats.unknown, 1);
                    if reason != UnknownReason::NoDevice {
                        ListenerStats::add(&self.stats.refused_sender, 1);
                    }
                    let key = (sender, serial.map(|serial| serial.chars().take(128).collect::<String>()));
                    let room = self.unknown.len() < UNKNOWN_PAIRS;
                    match self.unknown.get_mut(&key) {
                        Some(pending) => {
                            pending.messages += 1;
                            pending.reason = reason;
                        }
                        None if room => {
                            let sample = String::from_utf8_lossy(line).chars().take(1000).collect();
                            self.unknown.insert(key, UnknownMessages { messages: 1, reason, sample });
                        }
                        None => self.unknown_overflow += 1,
                    }
                }
                None => {
                    ListenerStats::add(&self.stats.failed, 1);
                    lost += 1;
                }
            }
        }
        lost
    }

    /// Maps a message, retrying while the database does not answer.
    async fn target(&mut self, serial: Option<&str>, sender: IpAddr) -> Option<Target> {
        let mut attempts = 0;
        let most = if self.lookups_failing { 1 } else { LOOKUP_ATTEMPTS };
        loop {
            match self.directory.target(serial, sender).await {
                Ok(target) => {
                    self.lookups_failing = false;
                    return Some(target);
                }
                Err(error) => {
                    attempts += 1;
                    if attempts >= most {
                        self.lookups_failing = true;
                        tracing::error!(%error, %sender, "device lookup failed; a syslog message is lost");
                        return None;
                    }
                    tracing::warn!(%error, "device lookup failed; retrying in a second");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    pub(super) async fn flush_all(&mut self) {
        let due: Vec<Uuid> = self.batches.iter().filter(|(_, batch)| batch.lines() > 0).map(|(id, _)| *id).collect();
        for device_id in due {
            if let Some(batch) = self.batches.remove(&device_id) {
                self.send(Job::Batch(Box::new(batch))).await;
            }
        }
        // Devices that fell silent need no empty accumulator kept.
        self.batches.retain(|_, batch| batch.lines() > 0);
    }

    /// Publishes the per-vendor counts to the shared counters.
    pub(super) fn publish_counts(&self) {
        self.stats.publish_vendors(&self.intake);
    }

    pub(super) async fn report_unknown(&mut self) {
        for (serial, messages) in std::mem::take(&mut self.removed) {
            tracing::warn!(
                serial,
                messages,
                "ignored syslog messages of a removed device: not stored (record a new device or continuation)"
            );
        }
        for ((sender, serial), pending) in std::mem::take(&mut self.unknown) {
            tracing::info!(
                %sender,
                serial = serial.as_deref().unwrap_or(""),
                reason = pending.reason.code(),
                messages = pending.messages,
                "syslog messages no device accepted"
            );
            self.send(Job::Unknown { sender, serial, pending }).await;
        }
        let overflow = std::mem::take(&mut self.unknown_overflow);
        if overflow > 0 {
            tracing::warn!(messages = overflow, "syslog messages from too many unknown senders to list one by one");
            let pending =
                UnknownMessages { messages: overflow, reason: UnknownReason::Overflow, sample: String::new() };
            self.send(Job::Unknown { sender: IpAddr::from([0, 0, 0, 0]), serial: None, pending }).await;
        }
    }

    async fn send(&mut self, job: Job) {
        // The store task only ends after this sender is dropped, so this cannot fail.
        let _ = self.jobs.send(job).await;
    }
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
    /// The only address its messages are accepted from.
    sender: Option<IpAddr>,
}

/// Serial and sender lookups, cached for `ttl` whether found or not.
struct Directory {
    db: Db,
    ttl: Duration,
    clock: app::Clock,
    serials: HashMap<String, Cached<Option<Known>>>,
    senders: HashMap<IpAddr, Cached<Option<Uuid>>>,
}

impl Directory {
    fn new(db: Db, ttl: Duration, clock: app::Clock) -> Directory {
        Directory { db, ttl, clock, serials: HashMap::new(), senders: HashMap::new() }
    }

    /// A message naming a registered serial is that device's only when it comes from the
    /// device's registered address; one naming no registered serial (or none) is the device's
    /// registered at the sender's address, if any (`docs/decisions.md`, "Syslog listener").
    /// `sender` is canonical (IPv4 as IPv4).
    async fn target(&mut self, serial: Option<&str>, sender: IpAddr) -> store::Result<Target> {
        if let Some(serial) = serial {
            match self.by_serial(serial).await? {
                Some(Known { removed: true, .. }) => return Ok(Target::Removed),
                Some(Known { id, sender: Some(registered), .. }) if registered == sender => {
                    return Ok(Target::Device(id));
                }
                Some(Known { sender: Some(_), .. }) => return Ok(Target::Unknown(UnknownReason::SenderMismatch)),
                Some(Known { sender: None, .. }) => return Ok(Target::Unknown(UnknownReason::NoSenderAddress)),
                None => {}
            }
        }
        Ok(match self.by_sender(sender).await? {
            Some(id) => Target::Device(id),
            None => Target::Unknown(UnknownReason::NoDevice),
        })
    }

    async fn by_serial(&mut self, serial: &str) -> store::Result<Option<Known>> {
        if let Some(cached) = self.serials.get(serial)
            && cached.at.elapsed() < self.ttl
        {
            return Ok(cached.value);
        }
        let today = self.clock.today();
        let value = store::devices::find_by_serial(&self.db, serial).await?.map(|device| Known {
            id: device.id,
            // Removed, or continued under the company's own contract past the trial: no longer ours.
            removed: device.out_of_programme(today),
            // Stored parsed (`app::devices::parse_sender_address`); anything else matches nothing.
            sender: device
                .sender_address
                .and_then(|address| address.parse::<IpAddr>().ok())
                .map(|ip| ip.to_canonical()),
        });
        self.serials.insert(serial.to_string(), Cached { value, at: Instant::now() });
        Ok(value)
    }

    async fn by_sender(&mut self, sender: IpAddr) -> store::Result<Option<Uuid>> {
        if let Some(cached) = self.senders.get(&sender)
            && cached.at.elapsed() < self.ttl
        {
            return Ok(cached.value);
        }
        let today = self.clock.today();
        let value = store::devices::find_by_sender(&self.db, &sender.to_string())
            .await?
            .filter(|device| !device.out_of_programme(today))
            .map(|device| device.id);
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

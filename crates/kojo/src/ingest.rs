//! From UTM log lines to stored events and roll-ups: the path shared by `kojo utm import` and
//! the syslog listener. Lines are parsed and rolled up in memory (`utm`), then written per
//! batch in one transaction (`store::logs::ingest`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use store::Db;
use store::logs::{Batch, StoredThreat, ThreatCount, TrafficCount};
use utm::rollup::Rollup;
use utm::{Event, Kind, Unparsed};
use uuid::Uuid;

/// Lines per database batch.
pub const BATCH_LINES: u64 = 50_000;

/// What a run read and stored, for the summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub lines: u64,
    pub threats: u64,
    pub traffic: u64,
    pub other_events: u64,
    pub unparsed: u64,
    pub without_time: u64,
    pub by_category: BTreeMap<String, u64>,
    pub by_action: BTreeMap<String, u64>,
}

impl Summary {
    /// Counts one understood line of `kind`.
    fn count(&mut self, kind: Kind) {
        self.lines += 1;
        match kind {
            Kind::Threat => self.threats += 1,
            Kind::Traffic => self.traffic += 1,
            Kind::Event => self.other_events += 1,
        }
    }

    pub fn merge(&mut self, other: &Summary) {
        self.lines += other.lines;
        self.threats += other.threats;
        self.traffic += other.traffic;
        self.other_events += other.other_events;
        self.unparsed += other.unparsed;
        self.without_time += other.without_time;
        for (k, v) in &other.by_category {
            *self.by_category.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.by_action {
            *self.by_action.entry(k.clone()).or_default() += v;
        }
    }

    pub fn print(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(
            out,
            "lines: {}  threats: {}  traffic: {}  other events: {}  unparsed: {}  without time (not stored): {}",
            self.lines, self.threats, self.traffic, self.other_events, self.unparsed, self.without_time
        )?;
        let join =
            |map: &BTreeMap<String, u64>| map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
        writeln!(out, "threats by category: {}", join(&self.by_category))?;
        writeln!(out, "threats by action:   {}", join(&self.by_action))
    }
}

/// Lines of one device waiting to be written.
pub struct Accumulator {
    device_id: Uuid,
    rollup: Rollup,
    events: Vec<StoredThreat>,
    unparsed: Vec<(String, String)>,
    summary: Summary,
}

impl Accumulator {
    pub fn new(device_id: Uuid) -> Accumulator {
        Accumulator {
            device_id,
            rollup: Rollup::new(),
            events: Vec::new(),
            unparsed: Vec::new(),
            summary: Summary::default(),
        }
    }

    pub fn lines(&self) -> u64 {
        self.summary.lines
    }

    /// Adds one line (syslog header optional, vendor detected). `source` names where it came from.
    pub fn add(&mut self, line: &[u8], source: impl FnOnce() -> String) {
        // Sessions and system events are only counted: the roll-up's shortcut reads them.
        match self.rollup.count_unless_threat(line) {
            Some(kind) => self.summary.count(kind),
            None => self.add_parsed(line, utm::parse_syslog_line(line, None), source),
        }
    }

    /// Adds one line already parsed by the caller (the listener parses to find the device).
    /// Blank lines are skipped.
    pub fn add_parsed(&mut self, line: &[u8], parsed: Result<Event<'_>, Unparsed>, source: impl FnOnce() -> String) {
        if utm::framing::trim_line(line).is_empty() {
            return;
        }
        match parsed {
            Ok(event) => {
                self.summary.count(event.kind);
                if event.kind == Kind::Threat {
                    *self.summary.by_category.entry(event.category.code().to_string()).or_default() += 1;
                    *self.summary.by_action.entry(event.action.code().to_string()).or_default() += 1;
                    match stored(&event, source()) {
                        Some(threat) => self.events.push(threat),
                        None => self.summary.without_time += 1,
                    }
                }
                self.rollup.add(&event);
            }
            Err(unparsed) => {
                self.summary.lines += 1;
                self.summary.unparsed += 1;
                if self.unparsed.len() < store::logs::UNPARSED_KEPT_PER_DEVICE as usize {
                    self.unparsed.push((unparsed.reason.to_string(), String::from_utf8_lossy(line).into_owned()));
                }
            }
        }
    }

    /// Writes what was gathered and starts afresh; returns the summary of the written part.
    pub async fn flush(&mut self, db: &Db, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Summary> {
        let done = std::mem::replace(self, Accumulator::new(self.device_id));
        let batch = Batch {
            device_id: done.device_id,
            threats: done
                .rollup
                .threats()
                .into_iter()
                .filter_map(|row| {
                    Some(ThreatCount {
                        day: row.day?,
                        category: row.category.code().to_string(),
                        action: row.action.code().to_string(),
                        signature: row.signature.unwrap_or("").chars().take(500).collect(),
                        count: row.count,
                        first_seen: row.first_seen,
                        last_seen: row.last_seen,
                    })
                })
                .collect(),
            traffic: done
                .rollup
                .traffic()
                .into_iter()
                .filter_map(|row| {
                    Some(TrafficCount { day: row.day?, action: row.action.code().to_string(), count: row.count })
                })
                .collect(),
            events: done.events,
            unparsed: done.unparsed,
        };
        store::logs::ingest(db, &batch, now).await.context("failed to store a batch of log events")?;
        Ok(done.summary)
    }
}

fn stored(event: &Event<'_>, source: String) -> Option<StoredThreat> {
    let clip = |text: Option<&str>, max: usize| text.map(|t| t.chars().take(max).collect::<String>());
    Some(StoredThreat {
        occurred_at: event.time?,
        utc_offset_seconds: event.utc_offset_seconds,
        vendor: event.vendor.code().to_string(),
        category: event.category.code().to_string(),
        action: event.action.code().to_string(),
        severity: event.severity.map(|s| s.code().to_string()),
        signature: clip(event.signature.as_deref(), 500),
        src_ip: event.src_ip.map(|ip| ip.to_string()),
        src_port: event.src_port,
        dst_ip: event.dst_ip.map(|ip| ip.to_string()),
        dst_port: event.dst_port,
        url: clip(event.url.as_deref(), 2000),
        user: clip(event.user.as_deref(), 200),
        source,
    })
}

/// Imports log files (plain or gzip) for one device, reporting progress after every batch.
pub async fn import_files(
    db: &Db,
    device_id: Uuid,
    files: &[impl AsRef<Path>],
    clock: &app::Clock,
    mut progress: impl FnMut(&Path, &Summary),
) -> anyhow::Result<Summary> {
    let mut total = Summary::default();
    for path in files {
        let path = path.as_ref();
        let mut reader =
            utm::framing::LineReader::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        let mut accumulator = Accumulator::new(device_id);
        let mut file_total = Summary::default();
        let name = path.display().to_string();
        while let Some((number, line)) =
            reader.next_line().with_context(|| format!("failed to read {}", path.display()))?
        {
            accumulator.add(line, || format!("{name}:{number}"));
            if accumulator.lines() >= BATCH_LINES {
                file_total.merge(&accumulator.flush(db, clock.now()).await?);
                progress(path, &file_total);
            }
        }
        file_total.merge(&accumulator.flush(db, clock.now()).await?);
        progress(path, &file_total);
        total.merge(&file_total);
    }
    Ok(total)
}

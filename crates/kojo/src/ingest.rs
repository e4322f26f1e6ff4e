//! From UTM log lines to stored events and roll-ups: the path shared by `kojo utm import` and
//! the syslog listener. Lines are parsed and rolled up in memory (`utm`), then written per
//! batch in one transaction (`store::logs::ingest`), with the batch's intake counts per vendor
//! (events, unknown message identifiers, unparsed lines), so that no line goes uncounted.

use std::collections::BTreeMap;
use std::path::Path;

use crate::auto_tickets::AutoTickets;
use anyhow::Context;
use store::logs::{Batch, IntakeTally, StoredThreat, ThreatCount, TrafficCount, UnknownIdentifierLines, VendorIntake};
use utm::catalogue::VendorCounts;
use utm::rollup::Rollup;
use utm::{Event, IntakeCounts, Kind, Unparsed};
use uuid::Uuid;

/// Lines per database batch.
pub const BATCH_LINES: u64 = 50_000;
/// An import settles its automatic tickets at the end of each file, or sooner once this many
/// detection groups wait (they are bounded by distinct signatures and burst sources).
const SETTLE_GROUPS: usize = 1_000;

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
    /// Per vendor: events, unknown message identifiers, unparsed lines.
    pub intake: IntakeCounts,
    /// Incident desk tickets opened from the detections, and detection groups that joined an
    /// open ticket instead.
    pub tickets_opened: u64,
    pub tickets_joined: u64,
    /// Detection groups whose ticket could not be written (logged; the events are stored).
    pub tickets_failed: u64,
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
        self.intake.merge(other.intake.clone());
        self.tickets_opened += other.tickets_opened;
        self.tickets_joined += other.tickets_joined;
        self.tickets_failed += other.tickets_failed;
    }

    /// The end-of-import report: Japanese first, then English, line by line.
    pub fn print(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(
            out,
            "読み込んだ行: {}（脅威 {}、通信 {}、その他のイベント {}、解析できなかった行 {}、時刻がなく保存しなかった脅威 {}）",
            self.lines, self.threats, self.traffic, self.other_events, self.unparsed, self.without_time
        )?;
        writeln!(
            out,
            "lines: {}  threats: {}  traffic: {}  other events: {}  unparsed: {}  without time (not stored): {}",
            self.lines, self.threats, self.traffic, self.other_events, self.unparsed, self.without_time
        )?;
        let join =
            |map: &BTreeMap<String, u64>| map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
        writeln!(out, "脅威の分類 / threats by category: {}", join(&self.by_category))?;
        writeln!(out, "脅威の対応 / threats by action:   {}", join(&self.by_action))?;
        writeln!(
            out,
            "インシデント窓口 / incident desk: 起票 {} 件、既存チケットへの追加 {} 件 / {} tickets opened, {} added to open tickets",
            self.tickets_opened, self.tickets_joined, self.tickets_opened, self.tickets_joined
        )?;
        if self.tickets_failed > 0 {
            writeln!(
                out,
                "警告：{} 件の検知をチケットに記録できませんでした（ログを確認してください） / warning: {} detection groups could not be written to tickets (see the log)",
                self.tickets_failed, self.tickets_failed
            )?;
        }
        writeln!(out, "ベンダー別 / per vendor:")?;
        for (vendor, counts) in &self.intake.by_vendor {
            writeln!(
                out,
                "  {vendor}: イベント {} 件、未知のメッセージ種別 {} 行、解析できなかった行 {} 行 / {} events, {} lines of unknown message types, {} unparsed lines",
                counts.events,
                counts.unknown_identifiers,
                counts.unparsed,
                counts.events,
                counts.unknown_identifiers,
                counts.unparsed
            )?;
        }
        let unknown = self.intake.unknown_rows();
        if !unknown.is_empty() {
            writeln!(out, "未知のメッセージ種別 / unknown message types:")?;
            for (vendor, identifier, lines) in unknown {
                let noun = if lines == 1 { "line" } else { "lines" };
                writeln!(
                    out,
                    "  {vendor}: 未知のメッセージ種別 {identifier} が {lines} 行 / {lines} {noun} of unknown message type {identifier}"
                )?;
            }
        }
        Ok(())
    }
}

/// Lines of one device waiting to be written.
pub struct Accumulator {
    device_id: Uuid,
    rollup: Rollup,
    events: Vec<StoredThreat>,
    unparsed: Vec<(String, String)>,
    summary: Summary,
    /// Native FortiGate sessions and system events counted by the roll-up's shortcut: each is a
    /// FortiGate event whose identifier (`traffic/…`, `event/…`) the catalogue knows.
    counted_fortigate: u64,
    /// Detections the incident desk's rules picked, and the burst counters; `None` when this
    /// reading opens no tickets (an import of old logs with `--no-tickets`).
    auto: Option<AutoTickets>,
}

impl Accumulator {
    pub fn new(device_id: Uuid) -> Accumulator {
        Accumulator {
            device_id,
            rollup: Rollup::new(),
            events: Vec::new(),
            unparsed: Vec::new(),
            summary: Summary::default(),
            counted_fortigate: 0,
            auto: Some(AutoTickets::default()),
        }
    }

    /// An accumulator whose detections open no incident tickets.
    pub fn without_tickets(device_id: Uuid) -> Accumulator {
        Accumulator { auto: None, ..Accumulator::new(device_id) }
    }

    pub fn lines(&self) -> u64 {
        self.summary.lines
    }

    /// Adds one line (syslog header optional, vendor detected). `source` names where it came from.
    pub fn add(&mut self, line: &[u8], source: impl FnOnce() -> String) {
        let line = &*utm::framing::without_nul(line);
        // Sessions and system events are only counted: the roll-up's shortcut reads them.
        match self.rollup.count_unless_threat(line) {
            Some(kind) => {
                self.summary.count(kind);
                self.counted_fortigate += 1;
            }
            None => self.add_parsed(line, utm::parse_syslog_line(line, None), source),
        }
    }

    /// Adds one line already parsed by the caller (the listener parses to find the device).
    /// Blank lines are skipped.
    pub fn add_parsed(&mut self, line: &[u8], parsed: Result<Event<'_>, Unparsed>, source: impl FnOnce() -> String) {
        if utm::framing::trim_line(line).is_empty() {
            return;
        }
        self.summary.intake.add(&parsed);
        match parsed {
            Ok(event) => {
                self.summary.count(event.kind);
                if event.kind == Kind::Threat {
                    *self.summary.by_category.entry(event.category.code().to_string()).or_default() += 1;
                    *self.summary.by_action.entry(event.action.code().to_string()).or_default() += 1;
                    match stored(&event, source()) {
                        Some(threat) => {
                            if let Some(auto) = &mut self.auto {
                                auto.add(&event, &threat.source);
                            }
                            self.events.push(threat);
                        }
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

    /// Detection groups waiting for [`Accumulator::settle_tickets`].
    pub fn pending_ticket_groups(&self) -> usize {
        self.auto.as_ref().map_or(0, AutoTickets::pending)
    }

    /// Opens or adds to the incident desk's automatic tickets for the detections gathered since
    /// the last call (the listener after every batch; an import at the end of each file, or
    /// sooner when many groups wait). Log lines are already stored: a failure here is logged and
    /// counted, never a lost line.
    pub async fn settle_tickets(&mut self, services: &app::Services, now: chrono::DateTime<chrono::Utc>) -> Summary {
        let mut summary = Summary::default();
        let Some(auto) = &mut self.auto else { return summary };
        let candidates = auto.take(self.device_id);
        if candidates.is_empty() {
            return summary;
        }
        match app::incidents::from_detections(services, &candidates, now).await {
            Ok(outcome) => {
                summary.tickets_opened = outcome.opened.len() as u64;
                summary.tickets_joined = outcome.joined as u64;
            }
            Err(error) => {
                summary.tickets_failed = candidates.len() as u64;
                tracing::error!(%error, groups = candidates.len(), "automatic incident tickets not written");
            }
        }
        summary
    }

    /// Writes what was gathered and starts afresh; the detections picked for the incident desk
    /// and the burst counters carry over (see [`Accumulator::settle_tickets`]). Returns the
    /// summary of the written part.
    pub async fn flush(
        &mut self,
        services: &app::Services,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Summary> {
        let (batch, summary) = self.take_batch();
        store::logs::ingest(&services.db, &batch, now).await.context("failed to store a batch of log events")?;
        Ok(summary)
    }

    /// What was gathered since the last batch, for a caller that stores it in a transaction of
    /// its own (`store::logs::ingest_in`); the accumulator starts again, keeping its ticket
    /// groups for [`Accumulator::settle_tickets`].
    pub fn take_batch(&mut self) -> (Batch, Summary) {
        let mut done = std::mem::replace(self, Accumulator::new(self.device_id));
        self.auto = done.auto.take();
        done.summary.intake.add_totals(
            utm::Vendor::Fortigate.code(),
            &VendorCounts { events: done.counted_fortigate, ..Default::default() },
        );
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
            intake: intake_tally(&done.summary.intake),
        };
        (batch, done.summary)
    }
}

/// The store's form of the counts.
fn intake_tally(counts: &IntakeCounts) -> IntakeTally {
    IntakeTally {
        vendors: counts
            .by_vendor
            .iter()
            .map(|(vendor, counts)| VendorIntake {
                vendor: vendor.clone(),
                events: counts.events,
                unknown_identifiers: counts.unknown_identifiers,
                unparsed: counts.unparsed,
            })
            .collect(),
        unknown_identifiers: counts
            .unknown_rows()
            .into_iter()
            .map(|(vendor, identifier, lines)| UnknownIdentifierLines {
                vendor: vendor.to_owned(),
                identifier: identifier.to_owned(),
                lines,
            })
            .collect(),
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

/// Imports log files (plain or gzip) for one device, reporting progress after every batch; the
/// incident desk's rules open or join tickets for what they pick.
pub async fn import_files(
    services: &app::Services,
    device_id: Uuid,
    files: &[impl AsRef<Path>],
    clock: &app::Clock,
    progress: impl FnMut(&Path, &Summary),
) -> anyhow::Result<Summary> {
    import_files_with(services, device_id, files, Tickets::Open, clock, progress).await
}

/// Whether an import opens incident tickets for what the desk's rules pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tickets {
    Open,
    /// Old logs being back-filled: the detections are stored and counted, no ticket is opened.
    None,
}

/// [`import_files`], choosing whether tickets are opened.
pub async fn import_files_with(
    services: &app::Services,
    device_id: Uuid,
    files: &[impl AsRef<Path>],
    tickets: Tickets,
    clock: &app::Clock,
    mut progress: impl FnMut(&Path, &Summary),
) -> anyhow::Result<Summary> {
    let mut total = Summary::default();
    for path in files {
        let path = path.as_ref();
        let mut reader =
            utm::framing::LineReader::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        let mut accumulator = match tickets {
            Tickets::Open => Accumulator::new(device_id),
            Tickets::None => Accumulator::without_tickets(device_id),
        };
        let mut file_total = Summary::default();
        let name = path.display().to_string();
        while let Some((number, line)) =
            reader.next_line().with_context(|| format!("failed to read {}", path.display()))?
        {
            accumulator.add(line, || format!("{name}:{number}"));
            if accumulator.lines() >= BATCH_LINES {
                file_total.merge(&accumulator.flush(services, clock.now()).await?);
                if accumulator.pending_ticket_groups() >= SETTLE_GROUPS {
                    file_total.merge(&accumulator.settle_tickets(services, clock.now()).await);
                }
                progress(path, &file_total);
            }
        }
        file_total.merge(&accumulator.flush(services, clock.now()).await?);
        file_total.merge(&accumulator.settle_tickets(services, clock.now()).await);
        progress(path, &file_total);
        total.merge(&file_total);
    }
    Ok(total)
}

//! The incident desk's automatic-ticket rules applied while logs are read (`kojo utm import` and
//! the listener share `ingest::Accumulator`, which feeds this): each threat event is checked
//! against `domain::incident::auto_ticket` (malware, botnet or data leak not blocked; anything
//! critical), and counted per source for bursts (`BURST_THRESHOLD` threats from one source within
//! `BURST_WINDOW`). Picked detections are grouped by their dedupe key — the signature for the
//! rules, the source address for bursts — with a few examples as evidence; `app::incidents::from_detections` then joins them to an open
//! ticket or opens one.
//!
//! Cheap on the hot path: a threat event costs a few string comparisons and, when it has a
//! source address, one hash-map lookup; traffic lines never reach here.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use domain::incident::{BURST_THRESHOLD, BURST_WINDOW, Category, Detection, Severity};
use store::incidents::{DetectionBatch, DetectionRecord};
use utm::Event;
use uuid::Uuid;

/// Examples kept per group (the ticket keeps up to `store::incidents::DETECTIONS_KEPT_PER_TICKET`).
const EVIDENCE_PER_GROUP: usize = 10;
/// Sources followed for bursts; a flood from more distinct sources than this is still counted
/// by those already followed.
const BURST_SOURCES: usize = 10_000;
/// The signature of a burst ticket (its key is the source).
pub const BURST_SIGNATURE: &str = "burst";

struct Group {
    category: Category,
    severity: Severity,
    burst: bool,
    count: u64,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    evidence: Vec<DetectionRecord>,
}

impl Group {
    fn add(&mut self, at: DateTime<Utc>, evidence: impl FnOnce() -> DetectionRecord) {
        self.count += 1;
        self.first = self.first.min(at);
        self.last = self.last.max(at);
        if self.evidence.len() < EVIDENCE_PER_GROUP {
            self.evidence.push(evidence());
        }
    }
}

/// What one batch of lines picked, and the burst counters (kept across batches of a device).
#[derive(Default)]
pub struct AutoTickets {
    /// The rules' groups, by signature (its first 500 characters).
    groups: HashMap<String, Group>,
    /// The bursts' groups, by source. Kept apart so that a threat event costs no allocation
    /// unless it starts a group.
    bursts: HashMap<IpAddr, Group>,
    recent: HashMap<IpAddr, VecDeque<DateTime<Utc>>>,
}

/// The first `max` characters of `text`, borrowed.
fn clipped(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

impl AutoTickets {
    /// Checks one threat event (with its time) against the rules.
    pub fn add(&mut self, event: &Event<'_>, source: &str) {
        let Some(at) = event.time else { return };
        let signature = event.signature.as_deref().unwrap_or("");
        let detection = Detection {
            category: event.category.code(),
            action: event.action.code(),
            severity: event.severity.map(|s| s.code()).unwrap_or(""),
            signature,
            source: None,
        };
        let evidence = || evidence(event, at, source);
        if let Some((category, severity)) = domain::incident::auto_ticket(&detection) {
            // One ticket per device and signature: the sources are in its evidence (an
            // infection seen from ten PCs is one incident, not ten tickets).
            let key = clipped(signature, 500);
            match self.groups.get_mut(key) {
                Some(group) => group.add(at, evidence),
                None => {
                    let mut group =
                        Group { category, severity, burst: false, count: 0, first: at, last: at, evidence: Vec::new() };
                    group.add(at, evidence);
                    self.groups.insert(key.to_string(), group);
                }
            }
        }
        if let Some(ip) = event.src_ip {
            self.count_burst(ip, at, event, source);
        }
    }

    fn count_burst(&mut self, ip: IpAddr, at: DateTime<Utc>, event: &Event<'_>, source: &str) {
        if self.recent.len() >= BURST_SOURCES && !self.recent.contains_key(&ip) {
            return;
        }
        let times = self.recent.entry(ip).or_default();
        while times.front().is_some_and(|first| *first < at - BURST_WINDOW) {
            times.pop_front();
        }
        times.push_back(at);
        let threshold = BURST_THRESHOLD as usize;
        if times.len() > threshold {
            times.pop_front();
        }
        match self.bursts.get_mut(&ip) {
            // A burst already picked takes every further threat of its source.
            Some(group) => group.add(at, || evidence(event, at, source)),
            None if times.len() >= threshold => {
                let first = *times.front().expect("the threshold is above zero");
                let mut group = Group {
                    category: Category::Intrusion,
                    severity: Severity::High,
                    burst: true,
                    count: times.len() as u64 - 1,
                    first,
                    last: at,
                    evidence: Vec::new(),
                };
                group.add(at, || evidence(event, at, source));
                self.bursts.insert(ip, group);
            }
            None => {}
        }
    }

    /// How many groups wait.
    pub fn pending(&self) -> usize {
        self.groups.len() + self.bursts.len()
    }

    /// The groups picked since the last call, for `device_id`; the burst counters stay.
    pub fn take(&mut self, device_id: Uuid) -> Vec<app::incidents::Candidate> {
        let rules = self.groups.drain().map(|(signature, group)| (signature, None, group));
        let bursts = self.bursts.drain().map(|(ip, group)| (BURST_SIGNATURE.to_string(), Some(ip.to_string()), group));
        rules
            .chain(bursts)
            .map(|(signature, source, group)| app::incidents::Candidate {
                category: group.category,
                severity: group.severity,
                burst: group.burst,
                batch: DetectionBatch {
                    device_id,
                    signature,
                    source,
                    count: group.count,
                    first_at: group.first,
                    last_at: group.last,
                    evidence: group.evidence,
                },
            })
            .collect()
    }
}

fn evidence(event: &Event<'_>, at: DateTime<Utc>, source: &str) -> DetectionRecord {
    let clip = |text: Option<&str>, max: usize| text.map(|t| t.chars().take(max).collect::<String>());
    DetectionRecord {
        occurred_at: at,
        category: event.category.code().to_string(),
        action: event.action.code().to_string(),
        severity: event.severity.map(|s| s.code().to_string()),
        signature: clip(event.signature.as_deref(), 500),
        src_ip: event.src_ip.map(|ip| ip.to_string()),
        dst_ip: event.dst_ip.map(|ip| ip.to_string()),
        dst_port: event.dst_port,
        url: clip(event.url.as_deref(), 2000),
        source: source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_clipped_on_a_character_boundary() {
        assert_eq!(clipped("W32/Emotet", 500), "W32/Emotet");
        assert_eq!(clipped("ランサムウェア", 4), "ランサム");
        assert_eq!(clipped("", 3), "");
    }
}

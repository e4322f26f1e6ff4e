//! In-memory roll-ups of parsed events for the monthly report.
//!
//! Threats are counted per device × day × category × action × signature, traffic per device ×
//! day × action, each with the first and last time seen. The day is the calendar day in
//! Asia/Tokyo (+09:00; Japan has no daylight saving), whatever offset the device logged in,
//! because the programme reports on Tokyo days.
//!
//! Traffic never adds to the threat counts: a FortiGate traffic log whose `utmaction` or
//! `countips` repeats a verdict is already [`Kind::Traffic`] after parsing, and only
//! [`Kind::Threat`] events reach the threat table. Events of kind [`Kind::Event`] (logins, VPN,
//! system) are only counted in total.
//!
//! A [`Rollup`] is built per thread and merged ([`Rollup::merge`]); rows come out in a stable
//! order independent of insertion and merge order. Adding an event allocates only the first time
//! a device or signature is seen: text is interned and looked up by borrowed key.
//!
//! What is counted of an event is its `Tally`. [`Rollup::add_line`] gets the tally of a native
//! FortiGate line (almost all of the volume) without building the [`Event`]; every other line
//! is parsed in full. Both give the same tally for the same line.
//!
//! This module is pure: no I/O, no clock.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use chrono::{DateTime, NaiveDate, Utc};
use memchr::memchr;

use crate::event::{Action, Category, Event, Kind};

/// Threat and traffic counts for any number of devices and days.
#[derive(Debug, Clone, Default)]
pub struct Rollup {
    devices: Interner,
    signatures: Interner,
    threats: HashMap<ThreatKey, Seen, FastBuild>,
    traffic: HashMap<TrafficKey, Seen, FastBuild>,
    events: u64,
    unparsed: u64,
}

/// One threat row: how often a signature was blocked or detected on a device on a Tokyo day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreatRow<'a> {
    pub device: Option<&'a str>,
    /// Calendar day in Asia/Tokyo; `None` when the log carried no time.
    pub day: Option<NaiveDate>,
    pub category: Category,
    pub action: Action,
    pub signature: Option<&'a str>,
    pub count: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// One traffic row: sessions allowed or blocked on a device on a Tokyo day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrafficRow<'a> {
    pub device: Option<&'a str>,
    pub day: Option<NaiveDate>,
    pub action: Action,
    pub count: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// The part of an [`Event`] a roll-up counts: the classification always, the device and time
/// for threats and traffic, the signature for threats. Fields a roll-up does not read are `None`,
/// so two tallies are equal exactly when they count the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally<'a> {
    pub kind: Kind,
    pub category: Category,
    pub action: Action,
    pub device: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub time: Option<DateTime<Utc>>,
}

impl Rollup {
    pub fn new() -> Rollup {
        Rollup::default()
    }

    /// Parses newline-separated lines (with or without syslog headers, vendor auto-detected)
    /// and adds every event. Blank lines are skipped; lines that do not parse are counted in
    /// [`Rollup::unparsed`].
    pub fn add_lines(&mut self, text: &[u8]) {
        let mut rest = text;
        while !rest.is_empty() {
            let (line, next) = match memchr(b'\n', rest) {
                Some(end) => (&rest[..end], &rest[end + 1..]),
                None => (rest, &b""[..]),
            };
            rest = next;
            if line.is_empty() || line == b"\r" {
                continue;
            }
            self.add_line(line);
        }
    }

    /// Parses one line and adds its event; returns whether it parsed. Counts exactly what
    /// [`crate::parse_syslog_line`] followed by [`Rollup::add`] would.
    pub fn add_line(&mut self, line: &[u8]) -> bool {
        let counted = match crate::tally_syslog_line(line) {
            Some(tally) => tally.map(|tally| self.count(&tally)),
            None => crate::parse_syslog_line(line, None).map(|event| self.add(&event)),
        };
        if counted.is_err() {
            self.unparsed += 1;
        }
        counted.is_ok()
    }

    /// Counts `line` when counting is all it needs — a native FortiGate session or system event,
    /// read only as far as [`Rollup::add_line`] reads it — and returns its kind. `None` when the
    /// caller must parse it in full: a threat (to be kept as an event), another vendor, or a line
    /// that does not parse. Nothing is counted then.
    pub fn count_unless_threat(&mut self, line: &[u8]) -> Option<Kind> {
        match crate::tally_syslog_line(line)? {
            Ok(tally) if tally.kind != Kind::Threat => {
                self.count(&tally);
                Some(tally.kind)
            }
            _ => None,
        }
    }

    /// Counts one event.
    pub fn add(&mut self, event: &Event<'_>) {
        self.count(&Tally::of(event));
    }

    fn count(&mut self, tally: &Tally<'_>) {
        let (day, nanos) = match tally.time {
            Some(time) => (tokyo_day(time), time.timestamp_nanos_opt().unwrap_or(i64::MAX)),
            None => (NO_DAY, NO_TIME),
        };
        match tally.kind {
            Kind::Threat => {
                let device = self.devices.id(tally.device);
                let signature = self.signatures.id(tally.signature);
                let key = ThreatKey { device, signature, day, category: tally.category, action: tally.action };
                self.threats.entry(key).or_insert(Seen::EMPTY).record(1, nanos, nanos);
            }
            Kind::Traffic => {
                let device = self.devices.id(tally.device);
                let key = TrafficKey { device, day, action: tally.action };
                self.traffic.entry(key).or_insert(Seen::EMPTY).record(1, nanos, nanos);
            }
            Kind::Event => self.events += 1,
        }
    }

    /// Adds every count of `other` to this roll-up.
    pub fn merge(&mut self, other: Rollup) {
        let devices: Vec<u32> = other.devices.names.iter().map(|name| self.devices.id(Some(name))).collect();
        let signatures: Vec<u32> = other.signatures.names.iter().map(|name| self.signatures.id(Some(name))).collect();
        let device_id = |id: u32| if id == NONE_ID { NONE_ID } else { devices[(id - 1) as usize] };
        let signature_id = |id: u32| if id == NONE_ID { NONE_ID } else { signatures[(id - 1) as usize] };
        for (key, seen) in other.threats {
            let key = ThreatKey { device: device_id(key.device), signature: signature_id(key.signature), ..key };
            self.threats.entry(key).or_insert(Seen::EMPTY).record(seen.count, seen.first, seen.last);
        }
        for (key, seen) in other.traffic {
            let key = TrafficKey { device: device_id(key.device), ..key };
            self.traffic.entry(key).or_insert(Seen::EMPTY).record(seen.count, seen.first, seen.last);
        }
        self.events += other.events;
        self.unparsed += other.unparsed;
    }

    /// Threat rows ordered by device, day, category, action and signature (absent values first).
    pub fn threats(&self) -> Vec<ThreatRow<'_>> {
        let mut rows: Vec<ThreatRow<'_>> = self
            .threats
            .iter()
            .map(|(key, seen)| ThreatRow {
                device: self.devices.name(key.device),
                day: day_date(key.day),
                category: key.category,
                action: key.action,
                signature: self.signatures.name(key.signature),
                count: seen.count,
                first_seen: seen.first_time(),
                last_seen: seen.last_time(),
            })
            .collect();
        rows.sort_unstable_by(|a, b| {
            (a.device, a.day, a.category, a.action, a.signature).cmp(&(
                b.device,
                b.day,
                b.category,
                b.action,
                b.signature,
            ))
        });
        rows
    }

    /// Traffic rows ordered by device, day and action.
    pub fn traffic(&self) -> Vec<TrafficRow<'_>> {
        let mut rows: Vec<TrafficRow<'_>> = self
            .traffic
            .iter()
            .map(|(key, seen)| TrafficRow {
                device: self.devices.name(key.device),
                day: day_date(key.day),
                action: key.action,
                count: seen.count,
                first_seen: seen.first_time(),
                last_seen: seen.last_time(),
            })
            .collect();
        rows.sort_unstable_by(|a, b| compare_traffic(a, b));
        rows
    }

    /// Number of threat events counted.
    pub fn threat_total(&self) -> u64 {
        self.threats.values().map(|seen| seen.count).sum()
    }

    /// Number of traffic events counted.
    pub fn traffic_total(&self) -> u64 {
        self.traffic.values().map(|seen| seen.count).sum()
    }

    /// Number of [`Kind::Event`] records (system, VPN, user) seen.
    pub fn event_total(&self) -> u64 {
        self.events
    }

    /// Lines given to [`Rollup::add_line`] or [`Rollup::add_lines`] that did not parse.
    pub fn unparsed(&self) -> u64 {
        self.unparsed
    }
}

impl<'a> Tally<'a> {
    /// A tally with the fields its kind does not count cleared.
    pub(crate) fn new(
        kind: Kind,
        category: Category,
        action: Action,
        device: Option<&'a str>,
        signature: Option<&'a str>,
        time: Option<DateTime<Utc>>,
    ) -> Tally<'a> {
        let (device, time) = if kind == Kind::Event { (None, None) } else { (device, time) };
        let signature = if kind == Kind::Threat { signature } else { None };
        Tally { kind, category, action, device, signature, time }
    }

    pub(crate) fn of(event: &'a Event<'_>) -> Tally<'a> {
        Tally::new(
            event.kind,
            event.category,
            event.action,
            event.device.as_deref(),
            event.signature.as_deref(),
            event.time,
        )
    }
}

fn compare_traffic(a: &TrafficRow<'_>, b: &TrafficRow<'_>) -> Ordering {
    (a.device, a.day, a.action).cmp(&(b.device, b.day, b.action))
}

/// Days since 1970-01-01 in Tokyo for an event without a time.
const NO_DAY: i32 = i32::MIN;
/// Nanosecond sentinel for "no time"; never shown as a first/last-seen value.
const NO_TIME: i64 = i64::MIN;
/// Interned id of an absent device or signature.
const NONE_ID: u32 = 0;
const TOKYO_OFFSET_SECONDS: i64 = crate::time::DEFAULT_OFFSET_SECONDS as i64;

fn tokyo_day(time: DateTime<Utc>) -> i32 {
    i32::try_from((time.timestamp() + TOKYO_OFFSET_SECONDS).div_euclid(86_400)).unwrap_or(NO_DAY)
}

fn day_date(day: i32) -> Option<NaiveDate> {
    if day == NO_DAY {
        return None;
    }
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_days(chrono::Days::new(u64::try_from(day).ok()?))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ThreatKey {
    device: u32,
    signature: u32,
    day: i32,
    category: Category,
    action: Action,
}

impl Hash for ThreatKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.device) << 32 | u64::from(self.signature));
        state.write_u64((self.day as u32 as u64) << 16 | (self.category as u64) << 8 | self.action as u64);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TrafficKey {
    device: u32,
    day: i32,
    action: Action,
}

impl Hash for TrafficKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.device) << 40 | (self.day as u32 as u64) << 8 | self.action as u64);
    }
}

/// Count plus first and last time in UTC nanoseconds ([`NO_TIME`] when never known).
#[derive(Debug, Clone, Copy)]
struct Seen {
    count: u64,
    first: i64,
    last: i64,
}

impl Seen {
    const EMPTY: Seen = Seen { count: 0, first: NO_TIME, last: NO_TIME };

    fn record(&mut self, count: u64, first: i64, last: i64) {
        self.count += count;
        if first != NO_TIME && (self.first == NO_TIME || first < self.first) {
            self.first = first;
        }
        if last != NO_TIME && last > self.last {
            self.last = last;
        }
    }

    fn first_time(&self) -> Option<DateTime<Utc>> {
        (self.first != NO_TIME).then(|| DateTime::from_timestamp_nanos(self.first))
    }

    fn last_time(&self) -> Option<DateTime<Utc>> {
        (self.last != NO_TIME).then(|| DateTime::from_timestamp_nanos(self.last))
    }
}

/// Text → small id, looked up by `&str` so a known name costs one hash and no allocation.
/// Id 0 stands for "absent"; name `n` has id `n + 1`.
#[derive(Debug, Clone, Default)]
struct Interner {
    ids: HashMap<Box<str>, u32, FastBuild>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn id(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else {
            return NONE_ID;
        };
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        self.names.push(name.into());
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(name.into(), id);
        id
    }

    fn name(&self, id: u32) -> Option<&str> {
        if id == NONE_ID { None } else { self.names.get((id - 1) as usize).map(|name| &**name) }
    }
}

type FastBuild = BuildHasherDefault<FastHasher>;

/// A multiply-rotate hasher (the rustc "Fx" scheme). Keys are small ids and short device or
/// signature names from our own parser, so flooding resistance (SipHash's purpose) buys nothing
/// here and costs a third of the roll-up time.
#[derive(Debug, Default, Clone, Copy)]
struct FastHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::BTreeMap;

    use super::*;
    use crate::event::Vendor;

    fn event(
        kind: Kind,
        category: Category,
        action: Action,
        device: Option<&'static str>,
        signature: Option<&'static str>,
        time: Option<&str>,
    ) -> Event<'static> {
        let mut event = Event::new(Vendor::Fortigate, kind, category, action);
        event.device = device.map(Cow::Borrowed);
        event.signature = signature.map(Cow::Borrowed);
        event.time = time.map(|text| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc));
        event
    }

    /// A fixed, varied sample: three devices, two Tokyo days, threats and traffic.
    fn sample() -> Vec<Event<'static>> {
        let devices = [Some("FGT-A"), Some("FGT-B"), None];
        let signatures = [Some("Mirai.Botnet"), Some("EICAR_TEST_FILE"), None];
        let times = ["2025-06-01T14:59:59Z", "2025-06-01T15:00:00Z", "2025-06-02T03:30:00+09:00"];
        let mut events = Vec::new();
        for index in 0..300usize {
            let device = devices[index % 3];
            let time = if index % 17 == 0 { None } else { Some(times[index % 3]) };
            let (kind, category, action) = match index % 5 {
                0 => (Kind::Threat, Category::Botnet, Action::Blocked),
                1 => (Kind::Threat, Category::Malware, Action::Detected),
                2 => (Kind::Traffic, Category::Other, Action::Allowed),
                3 => (Kind::Traffic, Category::Other, Action::Blocked),
                _ => (Kind::Event, Category::Other, Action::Allowed),
            };
            let signature = if kind == Kind::Threat { signatures[index % 7 % 3] } else { None };
            events.push(event(kind, category, action, device, signature, time));
        }
        events
    }

    /// Tokyo date written out by hand for the three instants used in [`sample`].
    fn expected_day(time: Option<DateTime<Utc>>) -> Option<NaiveDate> {
        let time = time?.to_rfc3339();
        let date = match time.as_str() {
            "2025-06-01T14:59:59+00:00" => (2025, 6, 1),
            "2025-06-01T15:00:00+00:00" | "2025-06-01T18:30:00+00:00" => (2025, 6, 2),
            other => panic!("unexpected time {other}"),
        };
        NaiveDate::from_ymd_opt(date.0, date.1, date.2)
    }

    type ThreatTuple = (Option<String>, Option<NaiveDate>, Category, Action, Option<String>);

    /// Counts threats the slow obvious way, for comparison.
    fn naive_threats(events: &[Event<'_>]) -> BTreeMap<ThreatTuple, u64> {
        let mut counts = BTreeMap::new();
        for event in events.iter().filter(|event| event.kind == Kind::Threat) {
            let key = (
                event.device.as_ref().map(|text| text.to_string()),
                expected_day(event.time),
                event.category,
                event.action,
                event.signature.as_ref().map(|text| text.to_string()),
            );
            *counts.entry(key).or_insert(0) += 1;
        }
        counts
    }

    fn threat_map(rollup: &Rollup) -> BTreeMap<ThreatTuple, u64> {
        rollup
            .threats()
            .iter()
            .map(|row| {
                (
                    (
                        row.device.map(str::to_owned),
                        row.day,
                        row.category,
                        row.action,
                        row.signature.map(str::to_owned),
                    ),
                    row.count,
                )
            })
            .collect()
    }

    #[test]
    fn threat_counts_match_a_naive_count() {
        let events = sample();
        let mut rollup = Rollup::new();
        for event in &events {
            rollup.add(event);
        }
        assert_eq!(threat_map(&rollup), naive_threats(&events));
        assert_eq!(rollup.threat_total(), 120);
        assert_eq!(rollup.traffic_total(), 120);
        assert_eq!(rollup.event_total(), 60);
    }

    #[test]
    fn traffic_is_counted_apart_from_threats() {
        let mut rollup = Rollup::new();
        let time = Some("2025-06-01T01:00:00Z");
        // A traffic log carrying a UTM verdict (parsed as traffic) plus the UTM log itself.
        rollup.add(&event(Kind::Traffic, Category::Other, Action::Allowed, Some("FGT-A"), None, time));
        rollup.add(&event(Kind::Threat, Category::Intrusion, Action::Blocked, Some("FGT-A"), Some("X"), time));
        rollup.add(&event(Kind::Traffic, Category::Other, Action::Blocked, Some("FGT-A"), None, time));
        rollup.add(&event(Kind::Traffic, Category::Other, Action::Blocked, Some("FGT-A"), None, time));
        assert_eq!(rollup.threats().len(), 1);
        assert_eq!(rollup.threats()[0].count, 1);
        let traffic: Vec<(Action, u64)> = rollup.traffic().iter().map(|row| (row.action, row.count)).collect();
        assert_eq!(traffic, [(Action::Blocked, 2), (Action::Allowed, 1)]);
    }

    #[test]
    fn days_are_tokyo_days() {
        let mut rollup = Rollup::new();
        for time in ["2025-06-01T14:59:59Z", "2025-06-01T15:00:00Z", "2025-06-02T08:59:59+09:00"] {
            rollup.add(&event(Kind::Traffic, Category::Other, Action::Allowed, Some("D"), None, Some(time)));
        }
        let days: Vec<(Option<NaiveDate>, u64)> = rollup.traffic().iter().map(|row| (row.day, row.count)).collect();
        assert_eq!(days, [(NaiveDate::from_ymd_opt(2025, 6, 1), 1), (NaiveDate::from_ymd_opt(2025, 6, 2), 2)]);
    }

    #[test]
    fn first_and_last_seen() {
        let mut rollup = Rollup::new();
        for time in ["2025-06-02T05:00:00Z", "2025-06-02T01:00:00Z", "2025-06-02T09:00:00Z"] {
            rollup.add(&event(Kind::Threat, Category::Malware, Action::Blocked, Some("D"), Some("V"), Some(time)));
        }
        rollup.add(&event(Kind::Threat, Category::Malware, Action::Blocked, Some("D"), Some("V"), None));
        let rows = rollup.threats();
        let row_with_time = rows.iter().find(|row| row.day.is_some()).unwrap();
        assert_eq!(row_with_time.count, 3);
        assert_eq!(row_with_time.first_seen.unwrap().to_rfc3339(), "2025-06-02T01:00:00+00:00");
        assert_eq!(row_with_time.last_seen.unwrap().to_rfc3339(), "2025-06-02T09:00:00+00:00");
        let row_without_time = rows.iter().find(|row| row.day.is_none()).unwrap();
        assert_eq!((row_without_time.count, row_without_time.first_seen), (1, None));
    }

    #[test]
    fn merged_parts_equal_one_pass_in_any_order() {
        let events = sample();
        let mut whole = Rollup::new();
        for event in &events {
            whole.add(event);
        }
        let mut parts: Vec<Rollup> = (0..4).map(|_| Rollup::new()).collect();
        for (index, event) in events.iter().enumerate() {
            // Uneven, interleaved split so each part interns names in a different order.
            parts[(index * 7 + index / 11) % 4].add(event);
        }
        let mut merged = Rollup::new();
        for part in parts.into_iter().rev() {
            merged.merge(part);
        }
        assert_eq!(merged.threats(), whole.threats());
        assert_eq!(merged.traffic(), whole.traffic());
        assert_eq!(merged.event_total(), whole.event_total());
    }

    #[test]
    fn order_is_stable() {
        let mut rollup = Rollup::new();
        for device in ["b", "a", "c"] {
            for signature in ["z", "y"] {
                rollup.add(&event(Kind::Threat, Category::Web, Action::Blocked, Some(device), Some(signature), None));
            }
        }
        let keys: Vec<(Option<&str>, Option<&str>)> =
            rollup.threats().iter().map(|row| (row.device, row.signature)).collect();
        assert_eq!(
            keys,
            [
                (Some("a"), Some("y")),
                (Some("a"), Some("z")),
                (Some("b"), Some("y")),
                (Some("b"), Some("z")),
                (Some("c"), Some("y")),
                (Some("c"), Some("z"))
            ]
        );
    }

    /// The roll-up's shortcut for native FortiGate lines ([`crate::tally_syslog_line`]) against
    /// the full parse ([`crate::parse_syslog_line`] then [`Tally::of`]), line by line and as
    /// whole roll-ups, on generated lines and on damaged and hand-edited copies of them.
    #[test]
    fn fast_path_tallies_equal_full_parse() {
        let mut fast_lines = 0;
        for seed in [1, 2, 3, 17, 20_250_602] {
            let mut generator = crate::generate::Generator::new(seed);
            let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let mut fast = Rollup::new();
            let mut full = Rollup::new();
            let mut line = Vec::new();
            for number in 0..10_000 {
                line.clear();
                generator.next_line(&mut line);
                line.pop();
                let variant = if number % 4 == 0 { line.clone() } else { damage(&line, &mut rng) };
                let shown = String::from_utf8_lossy(&variant);
                let by_parse = crate::parse_syslog_line(&variant, None);
                if let Some(by_tally) = crate::tally_syslog_line(&variant) {
                    fast_lines += 1;
                    match (by_tally, &by_parse) {
                        (Ok(tally), Ok(event)) => assert_eq!(tally, Tally::of(event), "{shown}"),
                        (Err(tally), Err(parse)) => assert_eq!(&tally, parse, "{shown}"),
                        (tally, parse) => panic!("{shown}: tally {tally:?}, parse {parse:?}"),
                    }
                }
                assert_eq!(fast.add_line(&variant), by_parse.is_ok(), "{shown}");
                match &by_parse {
                    Ok(event) => full.add(event),
                    Err(_) => full.unparsed += 1,
                }
            }
            assert_eq!(fast.threats(), full.threats(), "seed {seed}");
            assert_eq!(fast.traffic(), full.traffic(), "seed {seed}");
            assert_eq!((fast.event_total(), fast.unparsed()), (full.event_total(), full.unparsed()), "seed {seed}");
        }
        // Most variants must still take the shortcut, or this test compares little.
        assert!(fast_lines > 30_000, "{fast_lines}");
    }

    /// `count_unless_threat`, with the caller parsing what it declines (the import path), counts
    /// what `add_line` counts, and declines every threat (which the caller must keep).
    #[test]
    fn counting_all_but_threats_equals_add_line() {
        let mut generator = crate::generate::Generator::new(5);
        let mut rng = 0x5151_5151_5151_5151u64;
        let (mut split, mut whole) = (Rollup::new(), Rollup::new());
        let (mut line, mut declined_threats, mut counted) = (Vec::new(), 0, 0);
        for number in 0..20_000 {
            line.clear();
            generator.next_line(&mut line);
            line.pop();
            let variant = if number % 3 == 0 { damage(&line, &mut rng) } else { line.clone() };
            whole.add_line(&variant);
            match split.count_unless_threat(&variant) {
                Some(kind) => {
                    assert_ne!(kind, Kind::Threat);
                    counted += 1;
                }
                None => match crate::parse_syslog_line(&variant, None) {
                    Ok(event) => {
                        declined_threats += usize::from(event.kind == Kind::Threat);
                        split.add(&event);
                    }
                    Err(_) => split.unparsed += 1,
                },
            }
        }
        assert_eq!(split.threats(), whole.threats());
        assert_eq!(split.traffic(), whole.traffic());
        assert_eq!((split.event_total(), split.unparsed()), (whole.event_total(), whole.unparsed()));
        assert_eq!(declined_threats as u64, whole.threat_total(), "every threat goes to the full parse");
        assert!(counted > 15_000, "{counted}");
    }

    /// One to four edits of a generated line, each aimed at something the shortcut relies on.
    fn damage(line: &[u8], rng: &mut u64) -> Vec<u8> {
        let mut line = line.to_vec();
        for _ in 0..1 + below(rng, 4) {
            match below(rng, 14) {
                // A datagram cut anywhere, inside a quoted value too.
                0 => line.truncate(below(rng, line.len() + 1)),
                // A broken byte (where the full path cuts the line), or valid multi-byte text.
                1 => {
                    let bytes = pick(rng, &[&b"\xff"[..], b"\xe3", b"\xc3(", "東京".as_bytes()]);
                    let at = below(rng, line.len() + 1);
                    line.splice(at..at, bytes.iter().copied());
                }
                // A key the roll-up reads goes missing.
                2 => {
                    if let Some((start, end)) = pair_span(&line, pick(rng, KEYS)) {
                        line.drain(start..end);
                    }
                }
                // A key the roll-up reads gets an unusual value.
                3 | 4 => {
                    let key = pick(rng, KEYS);
                    if let Some((start, end)) = pair_span(&line, key) {
                        let pair = format!("{key}={}", pick(rng, VALUES));
                        line.splice(start..end, pair.into_bytes());
                    }
                }
                // A key the roll-up reads comes last, after the pairs that usually settle it.
                11 | 12 => {
                    if let Some((start, end)) = pair_span(&line, pick(rng, KEYS)) {
                        let pair: Vec<u8> = line.drain(start..end).collect();
                        line.push(b' ');
                        line.extend_from_slice(&pair);
                    }
                }
                // The same key again, before or after its first occurrence.
                5 | 6 => {
                    let pair = format!(" {}={} ", pick(rng, KEYS), pick(rng, VALUES));
                    let at = if below(rng, 2) == 0 { line.len() } else { token_start(&line, rng) };
                    line.splice(at..at, pair.into_bytes());
                }
                // Quoted values that look like more pairs, and tokens without a key.
                7 => {
                    let text = pick(rng, TRAPS);
                    let at = token_start(&line, rng);
                    line.splice(at..at, text.bytes());
                }
                // The comma-separated variant, and line-end debris.
                8 => line.iter_mut().filter(|byte| **byte == b' ').for_each(|byte| *byte = b','),
                9 => line.extend_from_slice(pick(rng, &[&b"\r"[..], b"\r\n", b"\0", b" ", b"\t"])),
                // Separator runs and tabs between pairs.
                10 => {
                    let at = token_start(&line, rng);
                    line.splice(at..at, pick(rng, &[&b"  "[..], b"\t", b", "]).iter().copied());
                }
                // A syslog header in front, which the shortcut leaves to the full path.
                _ => {
                    let header = pick(rng, &[&b"<189>"[..], b"<189>Jun  2 10:00:00 fgt "]);
                    line.splice(0..0, header.iter().copied());
                }
            }
        }
        line
    }

    /// Keys that decide a tally.
    const KEYS: &[&str] = &[
        "type",
        "subtype",
        "action",
        "status",
        "devid",
        "devname",
        "eventtime",
        "date",
        "time",
        "tz",
        "timestamp",
        "logid",
        "eventtype",
        "msg",
        "attack",
        "virus",
        "catdesc",
        "app",
        "botnetdomain",
        "filtername",
    ];

    const VALUES: &[&str] = &[
        r#""""#,
        r#""N/A""#,
        "-",
        r#"" traffic ""#,
        "TRAFFIC",
        r#""event""#,
        "appevent",
        r#""utm""#,
        "virus",
        r#""deny""#,
        "DENY",
        "close",
        r#""blocked""#,
        "monitored",
        r#""a b=c""#,
        r#""x" action="deny""#,
        "1748790000",
        "1748790000123456789",
        "17487900001234567890123",
        "12ab",
        r#""2025-06-02""#,
        "10:00:00",
        r#""+0000""#,
        r#""-0700""#,
        "botnet",
        "FGT-OTHER",
    ];

    const TRAPS: &[&str] = &[
        r#"msg="x action=deny devid=FAKE eventtime=1" "#,
        r#"ui="a b=c" "#,
        r#"note="quote" inside" "#,
        "junk ",
        "=lonely ",
        r#"msg="botnet C&C" "#,
    ];

    /// Byte range of the first `key=value` pair with this key at a token start, value included.
    fn pair_span(line: &[u8], key: &str) -> Option<(usize, usize)> {
        let needle = format!("{key}=");
        let start = (0..line.len())
            .find(|&at| line[at..].starts_with(needle.as_bytes()) && (at == 0 || line[at - 1] == b' '))?;
        let value = start + needle.len();
        let end = if line.get(value) == Some(&b'"') {
            line[value + 1..].iter().position(|&byte| byte == b'"').map_or(line.len(), |offset| value + offset + 2)
        } else {
            line[value..].iter().position(|&byte| byte == b' ').map_or(line.len(), |offset| value + offset)
        };
        Some((start, end))
    }

    /// The start of a random pair (just after a space), or the start of the line.
    fn token_start(line: &[u8], rng: &mut u64) -> usize {
        let starts: Vec<usize> = (1..line.len()).filter(|&at| line[at - 1] == b' ').collect();
        if starts.is_empty() { 0 } else { starts[below(rng, starts.len())] }
    }

    fn pick<'a, T: ?Sized>(rng: &mut u64, items: &[&'a T]) -> &'a T {
        items[below(rng, items.len())]
    }

    /// xorshift64*: deterministic and dependency-free.
    fn below(rng: &mut u64, bound: usize) -> usize {
        *rng ^= *rng >> 12;
        *rng ^= *rng << 25;
        *rng ^= *rng >> 27;
        (rng.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound.max(1) as u64) as usize
    }

    #[test]
    fn lines_are_parsed_and_unparsed_counted() {
        let text = b"date=2025-06-02 time=10:00:00 devid=\"FGT1\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" action=\"deny\"\n\nnot a log line\r\n";
        let mut rollup = Rollup::new();
        rollup.add_lines(text);
        assert_eq!(rollup.unparsed(), 1);
        let rows = rollup.traffic();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].device, rows[0].action, rows[0].day),
            (Some("FGT1"), Action::Blocked, NaiveDate::from_ymd_opt(2025, 6, 2))
        );
    }
}

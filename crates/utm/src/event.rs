//! The normalised event every vendor parser produces, and its small closed vocabularies.
//!
//! This module owns the *shape* of a parsed log line; it must not know any vendor's syntax.
//! Text fields are `Cow<'a, str>` so that parsers borrow from the input line and only allocate
//! when a value has to be unescaped (CEF `\=`, JSON strings with escapes).

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The log source family a line was recognised as.
///
/// CEF and LEEF lines whose `Device Vendor` is one of the families below are reported as that
/// family (a FortiGate sending CEF is still `fortigate`); `Cef` and `Leef` are kept for devices
/// we have no dedicated mapping for. The monthly report counts per device family, not per wire
/// format, so this is the more useful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Fortigate,
    Sophos,
    Paloalto,
    Checkpoint,
    Cisco,
    Sonicwall,
    Watchguard,
    Juniper,
    Pfsense,
    Suricata,
    Cef,
    Leef,
}

impl Vendor {
    /// Every vendor, in detection-priority order for documentation and CLI help.
    pub const ALL: [Vendor; 12] = [
        Vendor::Fortigate,
        Vendor::Sophos,
        Vendor::Paloalto,
        Vendor::Checkpoint,
        Vendor::Cisco,
        Vendor::Sonicwall,
        Vendor::Watchguard,
        Vendor::Juniper,
        Vendor::Pfsense,
        Vendor::Suricata,
        Vendor::Cef,
        Vendor::Leef,
    ];

    /// The lowercase code used on the command line and in JSON output.
    pub fn code(self) -> &'static str {
        match self {
            Vendor::Fortigate => "fortigate",
            Vendor::Sophos => "sophos",
            Vendor::Paloalto => "paloalto",
            Vendor::Checkpoint => "checkpoint",
            Vendor::Cisco => "cisco",
            Vendor::Sonicwall => "sonicwall",
            Vendor::Watchguard => "watchguard",
            Vendor::Juniper => "juniper",
            Vendor::Pfsense => "pfsense",
            Vendor::Suricata => "suricata",
            Vendor::Cef => "cef",
            Vendor::Leef => "leef",
        }
    }

    /// Inverse of [`Vendor::code`]; exact lowercase match only.
    pub fn from_code(code: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|vendor| vendor.code() == code)
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What the line is about, as counted in the monthly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Malware,
    Intrusion,
    Web,
    Application,
    Spam,
    Botnet,
    Anomaly,
    Dns,
    DataLeak,
    Other,
}

impl Category {
    pub fn code(self) -> &'static str {
        match self {
            Category::Malware => "malware",
            Category::Intrusion => "intrusion",
            Category::Web => "web",
            Category::Application => "application",
            Category::Spam => "spam",
            Category::Botnet => "botnet",
            Category::Anomaly => "anomaly",
            Category::Dns => "dns",
            Category::DataLeak => "data_leak",
            Category::Other => "other",
        }
    }
}

/// What the device did.
///
/// `Detected` means a threat was recognised but let through (IPS monitor mode, PAN-OS `alert`,
/// Suricata `allowed`). `Allowed` is used for traffic and events where nothing was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Blocked,
    Detected,
    Allowed,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Blocked => "blocked",
            Action::Detected => "detected",
            Action::Allowed => "allowed",
        }
    }
}

/// The kind of log record.
///
/// Only `Threat` events are counted as threats. Traffic logs that repeat a UTM verdict
/// (FortiGate `utmaction`, `countips`, …) stay `Traffic` so a threat is never counted twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Threat,
    Traffic,
    Event,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Threat => "threat",
            Kind::Traffic => "traffic",
            Kind::Event => "event",
        }
    }
}

/// Normalised severity. Vendors' words map onto these five steps; the original word is kept in
/// [`Event::vendor_severity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Maps the common English severity and syslog level words (case-insensitive). Runs on
    /// every line, so the words are told apart by length first.
    pub fn from_word(word: &str) -> Option<Severity> {
        let word = crate::time::trim_ascii_spaces(word);
        let is = |candidate: &str| word.eq_ignore_ascii_case(candidate);
        let severity = match word.len() {
            3 if is("err") => Severity::High,
            3 if is("low") => Severity::Low,
            4 if is("crit") => Severity::Critical,
            4 if is("high") => Severity::High,
            4 if is("warn") => Severity::Medium,
            4 if is("info") => Severity::Info,
            5 if is("emerg") => Severity::Critical,
            5 if is("alert") || is("major") || is("error") => Severity::High,
            5 if is("minor") => Severity::Medium,
            5 if is("debug") => Severity::Info,
            6 if is("medium") => Severity::Medium,
            6 if is("notice") => Severity::Low,
            7 if is("warning") => Severity::Medium,
            8 if is("critical") => Severity::Critical,
            9 if is("emergency") || is("very-high") => Severity::Critical,
            11 if is("information") => Severity::Info,
            13 if is("informational") => Severity::Info,
            _ => return None,
        };
        Some(severity)
    }

    /// Maps a CEF-style 0–10 number (0–3 low, 4–6 medium, 7–8 high, 9–10 critical).
    pub fn from_cef_number(number: u8) -> Severity {
        match number {
            0 => Severity::Info,
            1..=3 => Severity::Low,
            4..=6 => Severity::Medium,
            7..=8 => Severity::High,
            _ => Severity::Critical,
        }
    }

    /// Maps a syslog PRI severity (0 emergency … 7 debug).
    pub fn from_syslog(level: u8) -> Severity {
        match level {
            0..=2 => Severity::Critical,
            3 => Severity::High,
            4 => Severity::Medium,
            5 => Severity::Low,
            _ => Severity::Info,
        }
    }
}

/// One normalised log record, borrowing from the input line where possible.
///
/// Time: `time` is UTC. `utc_offset_seconds` is the device's offset when the log carried one.
/// When the log gives a local wall-clock time without any zone, Asia/Tokyo (+09:00, no DST since
/// 1951) is assumed — the programme's devices are all in Tokyo — and `time_zone_assumed` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event<'a> {
    pub time: Option<DateTime<Utc>>,
    pub utc_offset_seconds: Option<i32>,
    pub time_zone_assumed: bool,
    pub vendor: Vendor,
    /// Device identifier: FortiGate `devid`, PAN-OS serial, Sophos serial…; else the syslog host.
    pub device: Option<Cow<'a, str>>,
    /// Whether [`Event::device`] is the vendor's serial number (else a name or an address).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub device_is_serial: bool,
    pub kind: Kind,
    pub category: Category,
    pub action: Action,
    pub severity: Option<Severity>,
    /// The vendor's own severity word or number, unmodified.
    pub vendor_severity: Option<Cow<'a, str>>,
    /// Threat, attack, virus, application or URL category name.
    pub signature: Option<Cow<'a, str>>,
    pub src_ip: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_ip: Option<IpAddr>,
    pub dst_port: Option<u16>,
    /// Full URL when the log has one, otherwise the requested host or DNS name.
    pub url: Option<Cow<'a, str>>,
    pub user: Option<Cow<'a, str>>,
    /// Transport protocol as the lowercase IANA keyword (`tcp`, `udp`, `icmp`, `ipv6-icmp` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<Cow<'a, str>>,
    /// The firewall policy (rule) the line names: its id or number, and its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<Cow<'a, str>>,
    /// The vendor's message identifier when it is not in that vendor's catalogue (see
    /// [`crate::catalogue`]): the line was classified by its family or conservatively, and is
    /// counted as "unknown message type" so that an operator sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_identifier: Option<Cow<'a, str>>,
}

/// An event that owns all of its text, for storage or sending across threads.
pub type OwnedEvent = Event<'static>;

impl<'a> Event<'a> {
    /// An event with every optional field empty.
    pub fn new(vendor: Vendor, kind: Kind, category: Category, action: Action) -> Event<'a> {
        Event {
            time: None,
            utc_offset_seconds: None,
            time_zone_assumed: false,
            vendor,
            device: None,
            device_is_serial: false,
            kind,
            category,
            action,
            severity: None,
            vendor_severity: None,
            signature: None,
            src_ip: None,
            src_port: None,
            dst_ip: None,
            dst_port: None,
            url: None,
            user: None,
            transport: None,
            policy_id: None,
            policy_name: None,
            unknown_identifier: None,
        }
    }

    /// Copies every borrowed field so the event outlives the input line.
    pub fn into_owned(self) -> OwnedEvent {
        fn own(value: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            value.map(|text| Cow::Owned(text.into_owned()))
        }
        Event {
            time: self.time,
            utc_offset_seconds: self.utc_offset_seconds,
            time_zone_assumed: self.time_zone_assumed,
            vendor: self.vendor,
            device: own(self.device),
            device_is_serial: self.device_is_serial,
            kind: self.kind,
            category: self.category,
            action: self.action,
            severity: self.severity,
            vendor_severity: own(self.vendor_severity),
            signature: own(self.signature),
            src_ip: self.src_ip,
            src_port: self.src_port,
            dst_ip: self.dst_ip,
            dst_port: self.dst_port,
            url: own(self.url),
            user: own(self.user),
            transport: own(self.transport),
            policy_id: own(self.policy_id),
            policy_name: own(self.policy_name),
            unknown_identifier: own(self.unknown_identifier),
        }
    }
}

/// Why a line produced no event. Never a panic: every malformed input ends here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unparsed line ({}): {reason}", vendor.map_or("unknown vendor", Vendor::code))]
pub struct Unparsed {
    /// The vendor the line was attributed to, when detection got that far.
    pub vendor: Option<Vendor>,
    pub reason: UnparsedReason,
}

/// The closed set of reasons a line is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnparsedReason {
    #[error("empty line")]
    Empty,
    #[error("no known vendor format recognised")]
    UnknownFormat,
    #[error("not in this vendor's format")]
    WrongFormat,
    #[error("required field missing: {0}")]
    MissingField(&'static str),
    #[error("malformed record: {0}")]
    Malformed(&'static str),
}

impl Unparsed {
    pub(crate) fn new(vendor: Option<Vendor>, reason: UnparsedReason) -> Unparsed {
        Unparsed { vendor, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_words_in_any_case() {
        for (words, expected) in [
            (
                &["critical", "crit", "emergency", "emerg", "very-high", "CRITICAL", " Emerg "][..],
                Some(Severity::Critical),
            ),
            (&["high", "alert", "major", "error", "err", "High", "ERROR"][..], Some(Severity::High)),
            (&["medium", "warning", "warn", "minor", "Warning"][..], Some(Severity::Medium)),
            (&["low", "notice", "NOTICE"][..], Some(Severity::Low)),
            (&["info", "information", "informational", "debug", "Informational"][..], Some(Severity::Info)),
            (&["", "5", "severe", "highest", "inform", "lowest"][..], None),
        ] {
            for word in words {
                assert_eq!(Severity::from_word(word), expected, "{word:?}");
            }
        }
    }
}

//! Palo Alto Networks PAN-OS: syslog CSV (TRAFFIC, THREAT, SYSTEM, …) and the Cortex Data Lake /
//! Strata Logging Service JSON form. The CEF form is read by [`crate::vendor::cef`] and
//! classified here.
//!
//! Field positions follow "Syslog Field Descriptions" (PAN-OS 9.1–11.x, 1-based): 3 serial,
//! 4 type, 5 subtype, 7 generated time, 8/9 source/destination, 13 source user, 25/26 ports,
//! 31 action, THREAT 32 URL/filename, 33 threat "Name(id)", 35 severity. Generated time has no
//! zone and is taken as Tokyo time.

use std::borrow::Cow;

use crate::catalogue::{Catalogue, Classified, Rule, Verdict, entry, family};
use crate::event::{Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::time;
use crate::vendor::{Class, ip, is_any, is_block_word, port, text};

use Category::{Anomaly, Botnet, DataLeak, Intrusion, Malware, Other, Web};
use Kind::{Event as Ev, Threat, Traffic};

/// PAN-OS log type / subtype catalogue.
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Paloalto,
    identifier: "log type (CSV field 4, `LogType`, CEF signature id) / subtype (field 5, `Subtype`, CEF name)",
    source: "Palo Alto Networks, *PAN-OS 10.2 / 11.1 Administrator's Guide*, \"Syslog Field Descriptions\" \
             (Traffic, Threat, URL Filtering, Data Filtering, WildFire Submissions, Correlated Events, … log \
             fields; Threat log `action` values).",
    entries: &[
        entry(
            "TRAFFIC/*",
            Traffic,
            Other,
            Rule::Verdict,
            None,
            "Session start/end/drop/deny; action deny, drop, reset-* is blocked",
        ),
        entry(
            "THREAT/url",
            Traffic,
            Web,
            Rule::ThreatIfBlocked,
            None,
            "URL filtering: block-url/override-lockout blocked, alert/continue allowed",
        ),
        entry("THREAT/virus", Threat, Malware, Rule::Verdict, None, "Antivirus"),
        entry("THREAT/wildfire-virus", Threat, Malware, Rule::Verdict, None, "Antivirus signature from WildFire"),
        entry("THREAT/wildfire", Threat, Malware, Rule::Verdict, None, "WildFire verdict"),
        entry("THREAT/ml-virus", Threat, Malware, Rule::Verdict, None, "Inline machine-learning antivirus"),
        entry(
            "THREAT/spyware",
            Threat,
            Botnet,
            Rule::Verdict,
            None,
            "Anti-spyware: C2, DNS sinkhole (counted as botnet)",
        ),
        entry("THREAT/vulnerability", Threat, Intrusion, Rule::Verdict, None, "Vulnerability protection (exploit)"),
        entry("THREAT/scan", Threat, Anomaly, Rule::Verdict, None, "Zone protection: reconnaissance scan"),
        entry("THREAT/flood", Threat, Anomaly, Rule::Verdict, None, "Zone/DoS protection: flood"),
        entry("THREAT/packet", Threat, Anomaly, Rule::Verdict, None, "Zone protection: packet-based attack"),
        entry("THREAT/resource", Threat, Anomaly, Rule::Verdict, None, "DoS protection: resource limit"),
        entry("THREAT/data", Threat, DataLeak, Rule::Verdict, None, "Data filtering"),
        entry("THREAT/file", Traffic, Other, Rule::ThreatIfBlocked, None, "File blocking"),
        entry(
            "CORRELATION/*",
            Threat,
            Botnet,
            Rule::Detected,
            Some(Severity::High),
            "Correlated events: a host likely compromised",
        ),
        entry("SYSTEM/*", Ev, Other, Rule::Verdict, None, "System events"),
        entry("CONFIG/*", Ev, Other, Rule::Verdict, None, "Configuration changes"),
        entry("HIPMATCH/*", Ev, Other, Rule::Verdict, None, "Host information profile match"),
        entry("GLOBALPROTECT/*", Ev, Other, Rule::Verdict, None, "GlobalProtect"),
        entry("USERID/*", Ev, Other, Rule::Verdict, None, "User-ID mapping"),
        entry("AUTH/*", Ev, Other, Rule::Verdict, None, "Authentication"),
        entry("DECRYPTION/*", Ev, Other, Rule::Verdict, None, "Decryption"),
        entry("IPTAG/*", Ev, Other, Rule::Verdict, None, "IP tag"),
        entry("GTP/*", Ev, Other, Rule::Verdict, None, "GTP"),
        entry("SCTP/*", Ev, Other, Rule::Verdict, None, "SCTP"),
        entry("TUNNEL/*", Ev, Other, Rule::Verdict, None, "Tunnel inspection"),
    ],
    families: &[family("THREAT", Threat, Intrusion, Rule::Verdict, "a threat subtype not in the table")],
    fallback: (Ev, Other, Rule::Verdict),
    notes: "The verdict is `action` (field 31): drop, deny, reset-*, block-*, sinkhole, random-drop are blocked; alert, allow, continue, override are not.",
};

const LOG_TYPES: [&str; 14] = [
    "TRAFFIC",
    "THREAT",
    "SYSTEM",
    "CONFIG",
    "HIPMATCH",
    "GLOBALPROTECT",
    "USERID",
    "AUTH",
    "DECRYPTION",
    "IPTAG",
    "CORRELATION",
    "GTP",
    "SCTP",
    "TUNNEL",
];

/// `1,2024/01/02 …,SERIAL,TYPE,` somewhere near the start.
pub(crate) fn looks_like_csv(text: &str) -> bool {
    let Some(start) = csv_start(text) else { return false };
    let mut fields = text[start..].splitn(5, ',');
    let _future_use = fields.next();
    let _receive_time = fields.next();
    let _serial = fields.next();
    fields.next().is_some_and(|log_type| LOG_TYPES.contains(&log_type))
}

/// The CSV may follow a relay's host name (`PA-1 1,2019/…`).
fn csv_start(text: &str) -> Option<usize> {
    let trimmed = text.trim_start();
    let offset = text.len() - trimmed.len();
    if trimmed.as_bytes().first()?.is_ascii_digit() {
        return Some(offset);
    }
    let space = trimmed.find(' ')?;
    let after = &trimmed[space + 1..];
    after.as_bytes().first()?.is_ascii_digit().then_some(offset + space + 1)
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    if line.trim_start().starts_with('{') {
        return parse_json(line);
    }
    let start = csv_start(line).ok_or(Unparsed::new(Some(Vendor::Paloalto), UnparsedReason::WrongFormat))?;
    let mut fields = [""; 40];
    let count = split_csv(&line[start..], &mut fields);
    let field = |number: usize| fields.get(number - 1).copied().unwrap_or("");
    if count < 7 || !LOG_TYPES.contains(&field(4)) {
        return Err(Unparsed::new(Some(Vendor::Paloalto), UnparsedReason::MissingField("type")));
    }
    let log_type = field(4);
    let is_session_log = is_any(log_type, &["TRAFFIC", "THREAT", "DECRYPTION"]);
    let action = if is_session_log { field(31) } else { "" };
    let classified = classify_structured(log_type, field(5), action);
    let (kind, category, action_class) = classified.class();
    let mut event = Event::new(Vendor::Paloalto, kind, category, action_class);
    if !classified.is_known() {
        event.unknown_identifier = Some(identifier(log_type, field(5)));
    }
    event.device = text(field(3));
    event.device_is_serial = event.device.is_some();
    if let Some(stamp) = time::parse_date_time(field(7)).and_then(|local| time::local_to_stamp(local, None)) {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    if is_session_log {
        event.src_ip = ip(field(8));
        event.dst_ip = ip(field(9));
        event.user = text(field(13));
        event.src_port = port(field(25));
        event.dst_port = port(field(26));
        event.transport = crate::vendor::transport(field(30));
        event.policy_name = text(field(12));
    }
    if log_type == "THREAT" {
        event.url = text(field(32));
        event.signature = text(field(33));
        event.vendor_severity = text(field(35));
        event.severity = Severity::from_word(field(35));
    }
    Ok(event)
}

/// Splits PAN-OS CSV into `fields` (quoted fields may contain commas); returns the field count.
fn split_csv<'a>(text: &'a str, fields: &mut [&'a str]) -> usize {
    let bytes = text.as_bytes();
    let mut index = 0;
    let mut count = 0;
    while count < fields.len() && index <= bytes.len() {
        if bytes.get(index) == Some(&b'"') {
            let end = memchr::memchr(b'"', &bytes[index + 1..]).map_or(bytes.len(), |offset| index + 1 + offset);
            fields[count] = text.get(index + 1..end).unwrap_or("");
            index =
                memchr::memchr(b',', &bytes[end.min(bytes.len())..]).map_or(bytes.len() + 1, |offset| end + offset + 1);
        } else {
            let end = memchr::memchr(b',', &bytes[index..]).map_or(bytes.len(), |offset| index + offset);
            fields[count] = &text[index..end];
            index = end + 1;
        }
        count += 1;
    }
    count
}

/// Classification by log type, subtype and action (shared with the CEF form, where the CEF
/// signature id is the type and the name the subtype).
pub(crate) fn classify(log_type: &str, subtype: &str, action: &str, _threat_category: Option<&str>) -> Class {
    classify_structured(log_type, subtype, action).class()
}

/// [`classify`] with the catalogue's provenance.
pub(crate) fn classify_structured(log_type: &str, subtype: &str, action: &str) -> Classified {
    let action = time::trim_ascii_spaces(action);
    // `close` ends a session normally; `allow`/`alert`/`continue`/`override` pass.
    let blocked = is_block_word(action) && !action.eq_ignore_ascii_case("close");
    let verdict = if action.is_empty() { Verdict::Unknown } else { Verdict::from_block(blocked) };
    CATALOGUE.classify(&[log_type.trim(), subtype.trim()], verdict)
}

/// `TYPE/subtype` for the unknown-identifier count.
fn identifier(log_type: &str, subtype: &str) -> Cow<'static, str> {
    Cow::Owned(format!("{}/{}", log_type.trim(), subtype.trim()))
}

fn parse_json(line: &str) -> Result<Event<'_>, Unparsed> {
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|_| Unparsed::new(Some(Vendor::Paloalto), UnparsedReason::Malformed("invalid JSON")))?;
    let get = |key: &str| value.get(key).and_then(|field| field.as_str()).unwrap_or("");
    let number = |key: &str| {
        value
            .get(key)
            .and_then(|field| field.as_u64().or_else(|| field.as_str().and_then(|text| text.parse().ok())))
            .and_then(|number| u16::try_from(number).ok())
    };
    let owned = |key: &str| crate::kv::non_empty(get(key)).map(|text| Cow::Owned(text.to_owned()));
    let classified = classify_structured(get("LogType"), get("Subtype"), get("Action"));
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Paloalto, kind, category, action);
    if !classified.is_known() {
        event.unknown_identifier = Some(identifier(get("LogType"), get("Subtype")));
    }
    event.device = owned("DeviceSN");
    event.device_is_serial = event.device.is_some();
    event.transport = crate::vendor::transport(get("Protocol")).map(|name| Cow::Owned(name.into_owned()));
    event.policy_name = owned("Rule");
    event.src_ip = ip(get("SourceAddress"));
    event.dst_ip = ip(get("DestinationAddress"));
    event.src_port = number("SourcePort");
    event.dst_port = number("DestinationPort");
    event.user = owned("SourceUser");
    event.url = owned("URL").or_else(|| owned("URLDomain"));
    event.signature = owned("ThreatName").or_else(|| owned("Threat"));
    event.vendor_severity = owned("Severity");
    event.severity = Severity::from_word(get("Severity"));
    if let Some(stamp) = time::parse_iso(get("TimeGenerated")) {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
    }
    Ok(event)
}

//! Palo Alto Networks PAN-OS: syslog CSV (TRAFFIC, THREAT, SYSTEM, …) and the Cortex Data Lake /
//! Strata Logging Service JSON form. The CEF form is read by [`crate::vendor::cef`] and
//! classified here.
//!
//! Field positions follow "Syslog Field Descriptions" (PAN-OS 9.1–11.x, 1-based): 3 serial,
//! 4 type, 5 subtype, 7 generated time, 8/9 source/destination, 13 source user, 25/26 ports,
//! 31 action, THREAT 32 URL/filename, 33 threat "Name(id)", 35 severity. Generated time has no
//! zone and is taken as Tokyo time.

use std::borrow::Cow;

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::time;
use crate::vendor::{Class, ip, is_any, port, text, threat_action, traffic_action};

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
    let (kind, category, action_class) = classify(log_type, field(5), action, None);
    let mut event = Event::new(Vendor::Paloalto, kind, category, action_class);
    event.device = text(field(3));
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
    let action_word = (!action.is_empty()).then_some(action);
    if log_type.eq_ignore_ascii_case("TRAFFIC") {
        return (Kind::Traffic, Category::Other, traffic_action(action_word));
    }
    if !log_type.eq_ignore_ascii_case("THREAT") {
        return (Kind::Event, Category::Other, traffic_action(action_word));
    }
    let category = match subtype.to_ascii_lowercase().as_str() {
        "url" => Category::Web,
        "virus" | "wildfire-virus" | "wildfire" => Category::Malware,
        "spyware" => Category::Botnet,
        "vulnerability" => Category::Intrusion,
        "scan" | "flood" | "packet" | "resource" => Category::Anomaly,
        "data" => Category::DataLeak,
        "file" => Category::Other,
        _ => Category::Intrusion,
    };
    let action = threat_action(action_word);
    if matches!(category, Category::Web | Category::Other) && action != Action::Blocked {
        // URL filtering and file-type logs record allowed usage unless they blocked it.
        return (Kind::Traffic, category, Action::Allowed);
    }
    (Kind::Threat, category, action)
}

/// Cortex Data Lake / Strata JSON (`LogType`, `Subtype`, `Action`, …).
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
    let (kind, category, action) = classify(get("LogType"), get("Subtype"), get("Action"), None);
    let mut event = Event::new(Vendor::Paloalto, kind, category, action);
    event.device = owned("DeviceSN");
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

//! Check Point (R80.x–R81.x) Log Exporter output in its syslog forms: `key=value` separated by
//! `|` or spaces, the structured-data form `[key:"value"; …]` (also seen as `syslog[…]`),
//! NDJSON, and the legacy OPSEC LEA quoted-token form. CEF is read by [`crate::vendor::cef`].
//!
//! The blade (`product`) decides the category; `action` Drop/Reject/Block/Prevent is blocked,
//! Detect/Inform/Ask/Log are detections (Log Exporter "Log Fields Description").
//! `time` is epoch seconds (UTC).

use std::borrow::Cow;

use memchr::memmem;

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::KvIter;
use crate::time;
use crate::vendor::{Class, contains_ignore_case, ip, is_block_word, port, threat_action, traffic_action};

pub(crate) fn looks_like(text: &str) -> bool {
    // Bytes, not `str`: byte 300 may fall inside a multi-byte character.
    let head = &text.as_bytes()[..text.len().min(300)];
    let has = |needle: &[u8]| memmem::find(head, needle).is_some();
    has(b"loguid")
        || has(b"product=")
        || head.starts_with(b"syslog[")
        || has(b"|action=")
        || head.starts_with(b"[action:")
        || is_lea(text)
}

/// `"21" "10Dec2019" "23:44:49" "eth1" …`
fn is_lea(text: &str) -> bool {
    let bytes = text.trim_start().as_bytes();
    bytes.first() == Some(&b'"') && bytes.get(1).is_some_and(u8::is_ascii_digit) && text.contains("\" \"")
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        return parse_json(trimmed);
    }
    if is_lea(trimmed) {
        return parse_lea(trimmed);
    }
    let pairs: Vec<(&str, &str)> = if let Some(start) = trimmed.find('[').filter(|index| *index < 8) {
        structured_pairs(&trimmed[start + 1..])
    } else if trimmed.contains('|') {
        KvIter::new(trimmed, b'|').collect()
    } else {
        KvIter::new(trimmed, b' ').collect()
    };
    let get =
        |wanted: &str| pairs.iter().find(|(key, value)| *key == wanted && !value.is_empty()).map(|(_, value)| *value);
    let Some(action_word) = get("action") else {
        return Err(Unparsed::new(Some(Vendor::Checkpoint), UnparsedReason::MissingField("action")));
    };
    let product =
        get("product").or_else(|| get("__policy_id_tag").filter(|tag| tag.contains("product="))).unwrap_or("");
    let (kind, category, action) = classify(product, action_word);
    let mut event = Event::new(Vendor::Checkpoint, kind, category, action);
    event.src_ip = get("src").and_then(ip);
    event.dst_ip = get("dst").and_then(ip);
    event.src_port = get("s_port").and_then(port);
    event.dst_port = get("service").and_then(port);
    event.device = get("origin").or_else(|| get("hostname")).map(Cow::Borrowed);
    event.user = get("src_user_name").or_else(|| get("user")).map(Cow::Borrowed);
    event.url = get("resource").or_else(|| get("dst_domain")).map(Cow::Borrowed);
    if kind == Kind::Threat {
        event.signature =
            get("protection_name").or_else(|| get("malware_family")).or_else(|| get("attack")).map(Cow::Borrowed);
    }
    let severity = get("severity");
    event.vendor_severity = severity.map(Cow::Borrowed);
    event.severity = severity.and_then(Severity::from_word);
    if let Some(utc) = get("time").and_then(time::epoch_any_unit) {
        event.time = Some(utc);
    }
    Ok(event)
}

/// `key:"value"; key:"value"]`
fn structured_pairs(text: &str) -> Vec<(&str, &str)> {
    let mut pairs = Vec::with_capacity(32);
    let mut rest = text;
    while let Some(colon) = rest.find(":\"") {
        let key = rest[..colon].trim_start_matches([';', ' ', '[']).trim();
        let after = &rest[colon + 2..];
        let end = after.find("\";").or_else(|| after.find("\"]")).unwrap_or(after.len());
        pairs.push((key, &after[..end]));
        rest = after.get(end + 1..).unwrap_or("");
    }
    pairs
}

/// Classification by blade and action (shared with the CEF form).
pub(crate) fn classify(product: &str, action: &str) -> Class {
    let has = |needle: &str| contains_ignore_case(product, needle);
    let category = if has("Anti-Bot") {
        Category::Botnet
    } else if has("Anti-Virus") || has("Threat Emulation") || has("Threat Extraction") || has("Anti-Malware") {
        Category::Malware
    } else if has("IPS") || has("SmartDefense") {
        Category::Intrusion
    } else if has("URL Filtering") {
        Category::Web
    } else if has("Application Control") {
        Category::Application
    } else if has("Anti-Spam") {
        Category::Spam
    } else if has("DLP") {
        Category::DataLeak
    } else {
        return (Kind::Traffic, Category::Other, traffic_action(Some(action)));
    };
    match category {
        Category::Web | Category::Application if !is_block_word(action) => (Kind::Traffic, category, Action::Allowed),
        _ => (Kind::Threat, category, threat_action(Some(action))),
    }
}

fn parse_json(line: &str) -> Result<Event<'_>, Unparsed> {
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|_| Unparsed::new(Some(Vendor::Checkpoint), UnparsedReason::Malformed("invalid JSON")))?;
    let get = |key: &str| -> Option<String> {
        match value.get(key)? {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    };
    let action_word = get("action").unwrap_or_default();
    let (kind, category, action) = classify(&get("product").unwrap_or_default(), &action_word);
    let mut event = Event::new(Vendor::Checkpoint, kind, category, action);
    event.src_ip = get("src").as_deref().and_then(ip);
    event.dst_ip = get("dst").as_deref().and_then(ip);
    event.src_port = get("s_port").as_deref().and_then(port);
    event.dst_port = get("service").as_deref().and_then(port);
    event.device = get("origin").map(Cow::Owned);
    event.time = get("time").as_deref().and_then(time::epoch_any_unit);
    Ok(event)
}

/// LEA export: number, date, time, interface, origin, type, action, service, source port,
/// source, destination, protocol, rule, …
fn parse_lea(line: &str) -> Result<Event<'_>, Unparsed> {
    let mut fields = [""; 13];
    for (slot, token) in fields.iter_mut().zip(line.split("\" \"")) {
        *slot = token.trim_matches('"');
    }
    let (kind, category, action) = classify("", fields[6]);
    let mut event = Event::new(Vendor::Checkpoint, kind, category, action);
    event.device = crate::vendor::text(fields[4]);
    event.dst_port = port(fields[7]);
    event.src_port = port(fields[8]);
    event.src_ip = ip(fields[9]);
    event.dst_ip = ip(fields[10]);
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_limit_inside_a_multibyte_character() {
        // Byte 300 is the second byte of 'é' (same defect as the one the `vendor_cisco` fuzz
        // target found).
        assert!(!looks_like(&format!("{}\u{e9}", "x".repeat(299))));
        assert!(looks_like(&format!("time=1 product=IPS {}\u{e9}", "x".repeat(280))));
    }
}

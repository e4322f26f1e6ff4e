//! Check Point (R80.x–R81.x) Log Exporter output in its syslog forms: `key=value` separated by
//! `|` or spaces, the structured-data forms `[key:"value"; …]` (also seen as `syslog[…]`) and
//! RFC 5424 `[Fields@<id> key="value" …]`, NDJSON, and the legacy OPSEC LEA quoted-token form.
//! CEF is read by [`crate::vendor::cef`]. A syslog header left in front of the data (a relay's
//! second header, an octet count) is skipped by looking for where the fields start.
//!
//! The blade (`product`) decides kind and category through [`CATALOGUE`]; `action`
//! Drop/Reject/Block/Prevent/Extract is blocked, Accept/Allow/Detect/Inform/Ask/Log/Bypass are
//! not (Log Exporter "Log Fields Description"). A line without `action` (audit and management
//! logs, system events) is still an event: kind `event` unless its blade is a threat blade.
//! `time` is epoch seconds (UTC).

use std::borrow::Cow;

use memchr::memmem;

use crate::catalogue::{Catalogue, Classified, Rule, Verdict, entry, family};
use crate::event::{Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::KvIter;
use crate::time;
use crate::vendor::{Class, ip, is_any, is_block_word, port};

use Category::{Anomaly, Application, Botnet, DataLeak, Intrusion, Malware, Other, Spam, Web};
use Kind::{Event as Ev, Threat, Traffic};

/// Check Point blade (`product`) catalogue.
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Checkpoint,
    identifier: "`product` (the blade that wrote the log), with `action`",
    source: "Check Point, *Log Exporter* (sk122323) and *R81 Logging and Monitoring Administration \
             Guide*, \"Log Fields Description\" (`product`, `action`, `protection_name`, \
             `malware_action`); blade names as in the *R81 Threat Prevention Administration Guide*.",
    entries: &[
        entry(
            "VPN-1 & FireWall-1",
            Traffic,
            Other,
            Rule::Verdict,
            None,
            "Firewall blade: connection accepted/dropped/rejected",
        ),
        entry("Firewall", Traffic, Other, Rule::Verdict, None, "Firewall blade (R81 name)"),
        entry("Application Control", Traffic, Application, Rule::ThreatIfBlocked, None, "Application Control"),
        entry("URL Filtering", Traffic, Web, Rule::ThreatIfBlocked, None, "URL Filtering"),
        entry("HTTPS Inspection", Traffic, Other, Rule::Verdict, None, "HTTPS Inspection (inspect/bypass)"),
        entry(
            "Content Awareness",
            Traffic,
            DataLeak,
            Rule::ThreatIfBlocked,
            None,
            "Content Awareness (file and data type rules)",
        ),
        entry("IPS", Threat, Intrusion, Rule::Verdict, None, "IPS protection: Detect or Prevent"),
        entry("SmartDefense", Threat, Intrusion, Rule::Verdict, None, "IPS (pre-R80 name)"),
        entry("Core Protections", Threat, Intrusion, Rule::Verdict, None, "IPS core protections"),
        entry("Geo Protection", Threat, Anomaly, Rule::Verdict, None, "IPS Geo Protection"),
        entry(
            "Anti-Bot",
            Threat,
            Botnet,
            Rule::Verdict,
            Some(Severity::High),
            "Anti-Bot: communication with a C&C site",
        ),
        entry("Anti-Virus", Threat, Malware, Rule::Verdict, None, "Anti-Virus"),
        entry("New Anti Virus", Threat, Malware, Rule::Verdict, None, "Anti-Virus (R80 name)"),
        entry("Anti Malware", Threat, Malware, Rule::Verdict, None, "Anti-Malware"),
        entry("Threat Emulation", Threat, Malware, Rule::Verdict, None, "Threat Emulation (sandbox)"),
        entry("Threat Extraction", Threat, Malware, Rule::Verdict, None, "Threat Extraction (active content removed)"),
        entry("Zero Phishing", Threat, Web, Rule::Verdict, None, "Zero Phishing"),
        entry("Anti-Spam", Threat, Spam, Rule::Verdict, None, "Anti-Spam"),
        entry("Anti-Spam and Email Security", Threat, Spam, Rule::Verdict, None, "Anti-Spam and Mail"),
        entry("DLP", Threat, DataLeak, Rule::Verdict, None, "Data Loss Prevention"),
        entry("Data Loss Prevention", Threat, DataLeak, Rule::Verdict, None, "Data Loss Prevention"),
        entry(
            "MTA",
            Threat,
            Spam,
            Rule::Verdict,
            None,
            "Mail Transfer Agent: mail flagged or held by Threat Prevention",
        ),
        entry("WEB_API", Ev, Other, Rule::Allowed, None, "Management API audit"),
        entry("Identity Awareness", Ev, Other, Rule::Verdict, None, "Identity Awareness (user logins)"),
        entry("Mobile Access", Ev, Other, Rule::Verdict, None, "Mobile Access"),
        entry("VPN", Ev, Other, Rule::Verdict, None, "VPN"),
        entry("SmartConsole", Ev, Other, Rule::Allowed, None, "Management audit: SmartConsole"),
        entry("SmartDashboard", Ev, Other, Rule::Allowed, None, "Management audit: SmartDashboard"),
        entry("Security Management", Ev, Other, Rule::Allowed, None, "Management audit"),
        entry("Log Update", Ev, Other, Rule::Allowed, None, "Management: log update"),
        entry("System Monitor", Ev, Other, Rule::Allowed, None, "System status"),
    ],
    families: &[
        family("Anti", Threat, Malware, Rule::Verdict, "a threat-prevention blade (Anti-…)"),
        family("Threat", Threat, Malware, Rule::Verdict, "a threat-prevention blade (Threat …)"),
        family("Smart", Ev, Other, Rule::Verdict, "management (Smart…)"),
    ],
    fallback: (Ev, Other, Rule::Verdict),
    notes: "The verdict is `action`: Drop, Reject, Block, Prevent, Extract, Redirect are blocked; any other word is not. A line without `product` but with an action (OPSEC LEA) is a firewall log; a line without an action is an event unless its blade is a threat blade.",
};

/// Check Point action words.
fn verdict(action: Option<&str>) -> Verdict {
    match action.map(str::trim) {
        Some("") | None => Verdict::Unknown,
        Some(word) => Verdict::from_block(is_block_word(word) || is_any(word, &["Extract", "Prevent", "Redirect"])),
    }
}

/// Catalogue classification; a connection log without a product (LEA) is a firewall log.
pub(crate) fn classify_structured(product: &str, action: Option<&str>) -> Classified {
    let product = product.trim();
    let product = if product.is_empty() && action.is_some() { "VPN-1 & FireWall-1" } else { product };
    CATALOGUE.classify(&[product], verdict(action))
}

/// Classification by blade and action (shared with the CEF form).
pub(crate) fn classify(product: &str, action: &str) -> Class {
    classify_structured(product, Some(action).filter(|word| !word.trim().is_empty())).class()
}

pub(crate) fn looks_like(text: &str) -> bool {
    // Bytes, not `str`: byte 300 may fall inside a multi-byte character.
    let head = &text.as_bytes()[..text.len().min(300)];
    let has = |needle: &[u8]| memmem::find(head, needle).is_some();
    has(b"loguid")
        || has(b"product=")
        || head.starts_with(b"syslog[")
        || has(b"|action=")
        || head.starts_with(b"[action:")
        || has(b" [action:\"")
        || has(b"[Fields@")
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
    let pairs = pairs(trimmed);
    if pairs.is_empty() {
        return Err(Unparsed::new(Some(Vendor::Checkpoint), UnparsedReason::Malformed("no key=value fields")));
    }
    let get = |wanted: &str| {
        pairs.iter().find(|(key, value)| key.eq_ignore_ascii_case(wanted) && !value.is_empty()).map(|(_, value)| *value)
    };
    let action_word = get("action");
    let product = get("product")
        .or_else(|| get("__policy_id_tag").and_then(policy_tag_product))
        .or_else(|| get("blade"))
        .unwrap_or("");
    let classified = classify_structured(product, action_word);
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Checkpoint, kind, category, action);
    if !classified.is_known() && !product.is_empty() {
        event.unknown_identifier = Some(Cow::Borrowed(product));
    }
    event.src_ip = get("src").and_then(ip);
    event.dst_ip = get("dst").and_then(ip);
    event.src_port = get("s_port").and_then(port);
    event.dst_port = get("service").and_then(port);
    event.device = get("origin").or_else(|| get("hostname")).map(Cow::Borrowed);
    event.transport = get("proto").and_then(crate::vendor::transport);
    event.policy_id = get("rule_uid").or_else(|| get("rule")).map(Cow::Borrowed);
    event.policy_name = get("rule_name").map(Cow::Borrowed);
    event.user = get("src_user_name").or_else(|| get("user")).or_else(|| get("administrator")).map(Cow::Borrowed);
    event.url = get("resource").or_else(|| get("dst_domain")).map(Cow::Borrowed);
    if kind == Kind::Threat {
        event.signature = get("protection_name")
            .or_else(|| get("malware_family"))
            .or_else(|| get("attack"))
            .or_else(|| get("malware_rule_id"))
            .map(Cow::Borrowed);
    }
    let severity = get("severity");
    event.vendor_severity = severity.map(Cow::Borrowed);
    event.severity = severity.and_then(Severity::from_word).or(classified.severity);
    if let Some(utc) = get("time").and_then(time::epoch_any_unit) {
        event.time = Some(utc);
    } else if let Some(stamp) = embedded_header_time(trimmed) {
        // No `time` field, and the RFC 5424 header sits inside the payload (behind an octet
        // count or a relay's header), so the framing did not read it.
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    Ok(event)
}

/// The TIMESTAMP of an RFC 5424 header `<PRI>1 TIMESTAMP …` found in the first 128 bytes.
fn embedded_header_time(text: &str) -> Option<time::Stamp> {
    let head = &text.as_bytes()[..text.len().min(128)];
    let marker = memmem::find(head, b">1 ")?;
    let rest = &text[marker + 3..];
    let token = rest.split(' ').next()?;
    time::parse_iso(token)
}

/// `product=VPN-1 & FireWall-1[db_tag={…};mgmt=…]` → `VPN-1 & FireWall-1`.
fn policy_tag_product(tag: &str) -> Option<&str> {
    let rest = &tag[tag.find("product=")? + 8..];
    let end = rest.find(['[', ';']).unwrap_or(rest.len());
    Some(rest[..end].trim()).filter(|product| !product.is_empty())
}

/// The record's fields, wherever they start: `[Fields@id k="v" …]`, `[k:"v"; …]`, or
/// `k=v|k=v` / `k=v k=v` after any header text.
fn pairs(text: &str) -> Vec<(&str, &str)> {
    if let Some(start) = structured_start(text) {
        let inner = &text[start + 1..];
        let name_end = inner.find([' ', ':', ']']).unwrap_or(inner.len());
        if inner[..name_end].contains('@') {
            // RFC 5424 SD-ELEMENT: SD-ID, then PARAM-NAME="PARAM-VALUE" pairs.
            let body = &inner[name_end..];
            let end = closing_bracket(body);
            return KvIter::new(&body[..end], b' ').collect();
        }
        return structured_pairs(inner);
    }
    // RFC 5424 allows a byte-order mark at the start of MSG.
    let text = text[fields_start(text)..].trim_start_matches('\u{feff}');
    if text.contains('|') { KvIter::new(text, b'|').collect() } else { KvIter::new(text, b' ').collect() }
}

/// Index of the `[` that opens the fields: `[Fields@…` or `[key:"`, within the first 512 bytes.
fn structured_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while from < bytes.len().min(512) {
        let index = from + memchr::memchr(b'[', &bytes[from..])?;
        let rest = &bytes[index + 1..];
        let name = rest.iter().take_while(|byte| byte.is_ascii_alphanumeric() || **byte == b'_').count();
        if name > 0 && (rest.get(name) == Some(&b'@') || rest[name..].starts_with(b":\"")) {
            return Some(index);
        }
        from = index + 1;
    }
    None
}

/// The end of an SD-ELEMENT body: the first `]` outside quotes (RFC 5424 escapes `\]`, `\"`).
fn closing_bracket(body: &str) -> usize {
    let bytes = body.as_bytes();
    let mut quoted = false;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 1,
            b'"' => quoted = !quoted,
            b']' if !quoted => return index,
            _ => {}
        }
        index += 1;
    }
    bytes.len()
}

/// Where `key=value` data starts after a leftover header: the start of the word holding the
/// first `=` (Log Exporter starts with a field such as `time=`).
fn fields_start(text: &str) -> usize {
    let Some(equals) = text.find('=') else {
        return 0;
    };
    text[..equals].rfind([' ', '|']).map_or(0, |space| space + 1)
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

fn parse_json(line: &str) -> Result<Event<'_>, Unparsed> {
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|_| Unparsed::new(Some(Vendor::Checkpoint), UnparsedReason::Malformed("invalid JSON")))?;
    // Log Exporter JSON uses the syslog field names; the SmartView/Infinity export writes
    // `ProductName`, `Action`, `sip`/`sport`/`dip`/`dport`.
    let get = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|key| match value.get(*key)? {
            serde_json::Value::String(text) if !text.is_empty() => Some(text.clone()),
            serde_json::Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
    };
    let product = get(&["product", "ProductName", "blade"]).unwrap_or_default();
    let classified = classify_structured(&product, get(&["action", "Action"]).as_deref());
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Checkpoint, kind, category, action);
    if !classified.is_known() && !product.trim().is_empty() {
        event.unknown_identifier = Some(Cow::Owned(product));
    }
    event.src_ip = get(&["src", "sip"]).as_deref().and_then(ip);
    event.dst_ip = get(&["dst", "dip"]).as_deref().and_then(ip);
    event.src_port = get(&["s_port", "sport"]).as_deref().and_then(port);
    event.dst_port = get(&["service", "dport"]).as_deref().and_then(port);
    event.device = get(&["origin"]).map(Cow::Owned);
    event.url = get(&["resource", "url"]).map(Cow::Owned);
    if kind == Kind::Threat {
        event.signature = get(&["protection_name", "threatname", "malware_family", "attack"]).map(Cow::Owned);
    }
    event.time = get(&["time"]).as_deref().and_then(time::epoch_any_unit);
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

    #[test]
    fn fields_after_a_leftover_header() {
        let pairs = pairs("512 <134>1 2026-03-02T10:00:00+09:00 gw CheckPoint 1 - - time=1|action=Drop");
        assert_eq!(pairs, vec![("time", "1"), ("action", "Drop")]);
        let pairs = pairs_of("x [Fields@2620 action=\"Prevent\" product=\"IPS\" attack=\"a ] b\"] tail");
        assert_eq!(pairs, vec![("action", "Prevent"), ("product", "IPS"), ("attack", "a ] b")]);
    }

    fn pairs_of(text: &str) -> Vec<(&str, &str)> {
        pairs(text)
    }
}

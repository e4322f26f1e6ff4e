//! pfSense / OPNsense `filterlog` CSV and the Snort/Suricata package alert lines.
//!
//! Field layout from Netgate "Raw Filter Log Format": rule, sub-rule, anchor, tracker,
//! interface, reason, action (pass|block|reject), direction, IP version, then version-specific
//! fields. filterlog is packet-filter traffic ([`Kind::Traffic`]); only the IDS alert line is a
//! threat.

use std::borrow::Cow;

use crate::catalogue::{Catalogue, Rule, Verdict, entry};
use crate::event::{Category, Event, Kind, Unparsed, UnparsedReason, Vendor};
use crate::vendor::{ip, port, text};

/// pfSense / OPNsense catalogue: the filterlog action, and IDS alerts by their Snort/Suricata
/// classification (the table under `suricata`).
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Pfsense,
    identifier: "filterlog `action` (field 7); IDS alert lines by `[Classification: …]`",
    source: "Netgate, *pfSense Documentation*, \"Raw Filter Log Format\" (2.7); Snort 2.9 alert format with the \
             `classification.config` descriptions (see the Suricata table).",
    entries: &[
        entry("filterlog/pass", Kind::Traffic, Category::Other, Rule::Allowed, None, "Packet passed by a rule"),
        entry("filterlog/block", Kind::Traffic, Category::Other, Rule::Blocked, None, "Packet blocked by a rule"),
        entry("filterlog/reject", Kind::Traffic, Category::Other, Rule::Blocked, None, "Packet rejected by a rule"),
        entry(
            "alert",
            Kind::Threat,
            Category::Intrusion,
            Rule::Verdict,
            None,
            "Snort/Suricata alert: category from its classification",
        ),
    ],
    families: &[],
    fallback: (Kind::Event, Category::Other, Rule::Verdict),
    notes: "",
};

pub(crate) fn looks_like(text: &str) -> bool {
    let body = strip_tag(text);
    if body.len() != text.len() {
        return true;
    }
    let mut fields = body.splitn(10, ',');
    let action = fields.nth(6);
    let direction = fields.next();
    let version = fields.next();
    matches!(action, Some("pass" | "block" | "reject"))
        && matches!(direction, Some("in" | "out"))
        && matches!(version, Some("4" | "6"))
}

/// Removes a `filterlog[pid]: ` / `filterlog: ` tag; returns the input unchanged otherwise.
fn strip_tag(text: &str) -> &str {
    let trimmed = text.trim_start();
    for tag in ["filterlog", "snort", "suricata"] {
        if let Some(rest) = trimmed.strip_prefix(tag)
            && let Some(colon) = rest.find(": ")
            && colon < 12
        {
            return &rest[colon + 2..];
        }
    }
    text
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let body = strip_tag(line).trim();
    if body.starts_with('[') {
        return parse_ids_alert(body);
    }
    let mut fields = [""; 24];
    let mut count = 0;
    for (slot, value) in fields.iter_mut().zip(body.split(',')) {
        *slot = value;
        count += 1;
    }
    if count < 9 || !matches!(fields[8], "4" | "6") {
        return Err(Unparsed::new(Some(Vendor::Pfsense), UnparsedReason::Malformed("not a filterlog record")));
    }
    let Some(entry) = CATALOGUE.entry(&["filterlog", fields[6]]) else {
        return Err(Unparsed::new(Some(Vendor::Pfsense), UnparsedReason::MissingField("action")));
    };
    let (kind, category, action) = crate::catalogue::resolve(entry.kind, entry.category, entry.rule, Verdict::Unknown);
    let mut event = Event::new(Vendor::Pfsense, kind, category, action);
    // (protocol, source, destination, source port, destination port) indexes per IP version.
    let (protocol, source, destination) = if fields[8] == "4" { (16, 18, 19) } else { (12, 15, 16) };
    event.src_ip = ip(fields[source]);
    event.dst_ip = ip(fields[destination]);
    event.transport = crate::vendor::transport(fields[protocol]);
    // The tracker is the rule's unique id (pfSense 2.3+); the first field its number.
    event.policy_id = text(fields[3]).or_else(|| text(fields[0]));
    if matches!(fields[protocol].to_ascii_lowercase().as_str(), "tcp" | "udp") {
        event.src_port = fields.get(destination + 1).and_then(|value| port(value));
        event.dst_port = fields.get(destination + 2).and_then(|value| port(value));
    }
    Ok(event)
}

/// `[1:2019284:3] ET POLICY … [Classification: …] [Priority: 1] {TCP} 10.0.0.1:1234 -> 1.2.3.4:80`
fn parse_ids_alert(body: &str) -> Result<Event<'_>, Unparsed> {
    // Inline mode prefixes the alert with `[Drop]` (`[wDrop]` when it only would have dropped).
    let (verdict, body) = match (body.strip_prefix("[Drop]"), body.strip_prefix("[wDrop]")) {
        (Some(rest), _) => (Verdict::Blocked, rest.trim_start()),
        (_, Some(rest)) => (Verdict::Passed, rest.trim_start()),
        _ => (Verdict::Unknown, body),
    };
    let close = body.find(']').ok_or(Unparsed::new(Some(Vendor::Pfsense), UnparsedReason::Malformed("alert id")))?;
    let rest = &body[close + 1..];
    let message_end = rest.find(" [").unwrap_or(rest.len());
    let classification = rest
        .find("[Classification: ")
        .map(|start| &rest[start + 17..])
        .map(|tail| &tail[..tail.find(']').unwrap_or(tail.len())])
        .unwrap_or("");
    let classified = crate::vendor::suricata::classify_alert(classification, &rest[..message_end], verdict);
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Pfsense, kind, category, action);
    event.severity = classified.severity;
    if !classified.is_known() && !classification.is_empty() {
        event.unknown_identifier = Some(Cow::Owned(format!("alert/{classification}")));
    }
    event.signature = text(&rest[..message_end]);
    if let (Some(open), Some(close)) = (rest.find(" {"), rest.find("} ")) {
        event.transport = rest.get(open + 2..close).and_then(crate::vendor::transport);
    }
    if let Some(brace) = rest.find("} ") {
        let mut addresses = rest[brace + 2..].split(" -> ");
        let split = |endpoint: &str| -> (Option<std::net::IpAddr>, Option<u16>) {
            match endpoint.trim().rsplit_once(':') {
                Some((address, number)) if ip(address).is_some() => (ip(address), port(number)),
                _ => (ip(endpoint), None),
            }
        };
        if let Some(source) = addresses.next() {
            (event.src_ip, event.src_port) = split(source);
        }
        if let Some(destination) = addresses.next() {
            (event.dst_ip, event.dst_port) = split(destination);
        }
    }
    Ok(event)
}

//! SonicWall SonicOS 6.x/7.x native `key=value` syslog (`id=firewall sn=… m=… msg="…"`). The
//! CEF form is read by [`crate::vendor::cef`] and classified here by message id.
//!
//! Message ids (`m=`) are looked up in [`CATALOGUE`], written from the SonicOS Log Events
//! Reference Guide. `src`/`dst` are `ip:port:interface[:host]`.

use std::borrow::Cow;

use crate::catalogue::{Catalogue, Classified, Provenance, Rule, Verdict, entry};
use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::KvIter;
use crate::time;
use crate::vendor::{Class, contains_ignore_case, first, ip, port, text, traffic_action};

use Category::{Anomaly, Application, Botnet, Intrusion, Malware, Other, Web};
use Kind::{Threat, Traffic};

/// SonicOS message-id (`m=`) catalogue.
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Sonicwall,
    identifier: "event id `m=` (CEF: signature id)",
    source: "SonicWall, *SonicOS 6.5.1 Log Events Reference Guide* and *SonicOS/X 7.0.1 Log Event Messages* \
             (event id, category, group, priority, event name, message).",
    entries: &[
        entry("14", Threat, Web, Rule::Blocked, None, "Content Filter: Website Blocked (web site access denied)"),
        entry("16", Traffic, Web, Rule::Allowed, None, "Content Filter: Website Accessed (web site access allowed)"),
        entry("22", Threat, Anomaly, Rule::Blocked, Some(Severity::High), "Attack: Ping of Death Blocked"),
        entry(
            "23",
            Threat,
            Anomaly,
            Rule::Blocked,
            Some(Severity::High),
            "Attack: IP Spoof Detected (IP spoof dropped)",
        ),
        entry("25", Threat, Anomaly, Rule::Detected, Some(Severity::Medium), "Flood Protection: Possible SYN Flood"),
        entry("27", Threat, Anomaly, Rule::Blocked, Some(Severity::High), "Attack: Land Attack dropped"),
        entry("82", Threat, Anomaly, Rule::Detected, Some(Severity::Medium), "Attack: Possible port scan"),
        entry("83", Threat, Anomaly, Rule::Detected, Some(Severity::Medium), "Attack: Probable port scan"),
        entry("97", Traffic, Web, Rule::ThreatIfBlocked, None, "Network Access: Web site hit"),
        entry("98", Traffic, Other, Rule::Verdict, None, "Connection opened"),
        entry("537", Traffic, Other, Rule::Verdict, None, "Connection closed"),
        entry("608", Threat, Intrusion, Rule::Detected, None, "IPS Detection Alert"),
        entry("609", Threat, Intrusion, Rule::Blocked, None, "IPS Prevention Alert"),
        entry("794", Threat, Malware, Rule::Verdict, None, "Anti-Spyware alert (prevention or detection per message)"),
        entry("795", Threat, Malware, Rule::Verdict, None, "Anti-Spyware alert (prevention or detection per message)"),
        entry("809", Threat, Malware, Rule::Verdict, Some(Severity::High), "Gateway Anti-Virus Alert"),
        entry("810", Threat, Malware, Rule::Verdict, Some(Severity::High), "Gateway Anti-Virus Alert"),
        entry(
            "1154",
            Traffic,
            Application,
            Rule::Allowed,
            None,
            "Application Control Detection Alert (identified, not blocked)",
        ),
        entry("1155", Threat, Application, Rule::Blocked, None, "Application Control Prevention Alert"),
        entry("1235", Threat, Botnet, Rule::Verdict, Some(Severity::High), "Botnet filter"),
        entry("1236", Threat, Botnet, Rule::Verdict, Some(Severity::High), "Botnet filter"),
        entry("1460", Threat, Malware, Rule::Verdict, Some(Severity::High), "Capture ATP verdict"),
    ],
    families: &[],
    fallback: (Kind::Event, Other, Rule::Verdict),
    notes: "For an id missing from the table, a message naming a virus, spyware, IPS/intrusion, botnet, attack or flood is a threat; one about a connection or packet is traffic.",
};

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let mut serial = None;
    let mut clock = None;
    let mut message_id = None;
    let mut message = None;
    let mut source = None;
    let mut destination = None;
    let mut source_port = None;
    let mut destination_port = None;
    let mut fw_action = None;
    let mut priority = None;
    let mut user = None;
    let mut host = None;
    let mut path = None;
    let mut category_name = None;
    let mut protocol = None;
    let mut rule = None;
    for (key, value) in KvIter::new(line, b' ') {
        let slot = match key {
            "sn" => &mut serial,
            "time" => &mut clock,
            "m" => &mut message_id,
            "msg" => &mut message,
            "src" => &mut source,
            "dst" => &mut destination,
            "srcPort" => &mut source_port,
            "dstPort" => &mut destination_port,
            "fw_action" => &mut fw_action,
            "pri" => &mut priority,
            "usr" | "user" => &mut user,
            "dstname" => &mut host,
            "arg" => &mut path,
            "Category" | "webCategory" | "website-category" => &mut category_name,
            "proto" => &mut protocol,
            "rule" => &mut rule,
            _ => continue,
        };
        first(slot, value);
    }
    let Some(message_id) = message_id else {
        return Err(Unparsed::new(Some(Vendor::Sonicwall), UnparsedReason::MissingField("m")));
    };
    let classified = classify_structured(message_id, message.unwrap_or(""), fw_action);
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Sonicwall, kind, category, action);
    if !classified.is_known() && !message_id.trim().is_empty() {
        event.unknown_identifier = Some(Cow::Borrowed(message_id.trim()));
    }
    event.device = serial.and_then(text);
    event.device_is_serial = event.device.is_some();
    event.transport = protocol.and_then(crate::vendor::transport);
    event.policy_name = rule.and_then(text);
    let (src_ip, src_port) = split_endpoint(source.unwrap_or(""));
    let (dst_ip, dst_port) = split_endpoint(destination.unwrap_or(""));
    event.src_ip = src_ip;
    event.dst_ip = dst_ip;
    event.src_port = source_port.and_then(port).or(src_port);
    event.dst_port = destination_port.and_then(port).or(dst_port);
    event.user = user.and_then(|name| text(name.trim_matches('"')));
    event.url = host.and_then(text).or_else(|| path.and_then(text));
    if kind == Kind::Threat || category != Category::Other {
        event.signature = category_name.or(message).and_then(text);
    }
    // `pri` is the syslog severity number (0–7).
    event.vendor_severity = priority.and_then(text);
    event.severity = priority.and_then(time::parse_digits::<u8>).map(Severity::from_syslog);
    if let Some(clock) = clock {
        let (local, offset) = match clock.strip_suffix(" UTC") {
            Some(local) => (local, Some(0)),
            None => (clock, None),
        };
        if let Some(stamp) = time::parse_date_time(local).and_then(|local| time::local_to_stamp(local, offset)) {
            event.time = Some(stamp.utc);
            event.utc_offset_seconds = stamp.offset;
            event.time_zone_assumed = stamp.assumed;
        }
    }
    Ok(event)
}

/// `ip:port:interface[:host]`; IPv6 addresses are not colon-split by SonicOS, so try whole first.
fn split_endpoint(value: &str) -> (Option<std::net::IpAddr>, Option<u16>) {
    if let Some(address) = ip(value) {
        return (Some(address), None);
    }
    let mut parts = value.split(':');
    let address = parts.next().and_then(ip);
    let number = parts.next().and_then(port);
    (address, number)
}

/// Classification by message id, with the message text as a fallback.
pub(crate) fn classify(message_id: &str, message: &str, fw_action: Option<&str>) -> Class {
    classify_structured(message_id, message, fw_action).class()
}

/// Catalogue lookup; for an id the table lacks, the message decides conservatively (a virus,
/// IPS, botnet or spyware message is a threat; a connection or packet message is traffic).
pub(crate) fn classify_structured(message_id: &str, message: &str, fw_action: Option<&str>) -> Classified {
    let blocked_text = contains_ignore_case(message, "prevent")
        || contains_ignore_case(message, "block")
        || contains_ignore_case(message, "drop");
    let blocked_action = fw_action.is_some_and(|word| crate::vendor::is_block_word(word) && word != "NA");
    let verdict = Verdict::from_block(blocked_text || blocked_action);
    let classified = CATALOGUE.classify(&[message_id.trim()], verdict);
    if classified.provenance == Provenance::Known {
        return classified;
    }
    let threat = |category| {
        let (kind, category, action) = crate::catalogue::resolve(Kind::Threat, category, Rule::Verdict, verdict);
        Classified { kind, category, action, ..classified }
    };
    if contains_ignore_case(message, "virus") || contains_ignore_case(message, "spyware") {
        threat(Malware)
    } else if contains_ignore_case(message, "ips ") || contains_ignore_case(message, "intrusion") {
        threat(Intrusion)
    } else if contains_ignore_case(message, "botnet") {
        threat(Botnet)
    } else if contains_ignore_case(message, "attack") || contains_ignore_case(message, "flood") {
        threat(Anomaly)
    } else if contains_ignore_case(message, "connection")
        || contains_ignore_case(message, "packet")
        || fw_action.is_some()
    {
        let action =
            if blocked_text { Action::Blocked } else { traffic_action(fw_action.filter(|word| *word != "NA")) };
        Classified { kind: Kind::Traffic, category: Other, action, ..classified }
    } else {
        classified
    }
}

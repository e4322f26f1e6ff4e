//! WatchGuard Firebox (Fireware) native syslog. The LEEF/CEF forms are read by
//! [`crate::vendor::cef`] and classified here.
//!
//! Layout (Fireware v12 syslog, "Log Message Catalog" v12.3/v12.6):
//! `[<serial>] [(<device time, UTC>)] <process>: msg_id="<area>-<id>" <message>`.
//! The message is one of two documented shapes, chosen by msg_id:
//! - traffic (`3000-0148` …): `Allow|Deny <src_intf> <dst_intf> [length] <protocol> [hdr ttl]
//!   <src_ip> <dst_ip> [<src_port> <dst_port>] … [key="value" …] (<policy>)` — addresses are read
//!   positionally around the protocol; ports only for TCP/UDP (ICMP has type/code there);
//! - alarms and events: prose such as `IPv4 source route attack from 10.0.1.34 detected.`; the
//!   source is the address after `from`, the target the address after `against`/`to`/`on`;
//!   numbers in the prose (packet counts, thresholds) are never read as ports.
//!
//! Time: the device's own `(YYYY-MM-DDTHH:MM:SS)` after the serial is UTC (Fireware writes its
//! clock in UTC there; the syslog header is local time and has no year), so it is preferred.

use std::borrow::Cow;

use crate::catalogue::{Catalogue, Classified, Provenance, Rule, Verdict, entry, family};
use crate::event::{Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv;
use crate::time;
use crate::vendor::{Class, contains_ignore_case, ip, is_any, is_block_word, port, text};

use Category::{Anomaly, Botnet, Dns, Intrusion, Malware, Other, Web};
use Kind::{Event as Ev, Threat, Traffic};

/// WatchGuard Fireware msg_id catalogue.
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Watchguard,
    identifier: "`msg_id` `<area>-<id>` in hex (LEEF/CEF event id: the same without the dash)",
    source: "WatchGuard, *Fireware v12.6 Log Message Catalog* (May 2020) and *Fireware v12.3 Log \
             Catalog* (April 2019): areas 3000 Firewall/Packet Filter, 3001 blocked sites, 1AFF HTTP \
             proxy, 2CFF HTTPS proxy, 1DFF DNS proxy, 1100 authentication, 3E00 session daemon, 5000 \
             management; 0F01 IPS, 1500/1501 Gateway AntiVirus and 2DFF Botnet Detection are Kojo's \
             earlier area mapping, kept as families until checked against the catalogue.",
    entries: &[
        entry("1100-0004", Ev, Other, Rule::Allowed, None, "Authentication of a user was accepted"),
        entry("1100-0005", Ev, Other, Rule::Verdict, None, "Authentication of a user was rejected"),
        entry("1600-0065", Ev, Other, Rule::Allowed, None, "DHCP server: DHCPACK sent"),
        entry("1600-0066", Ev, Other, Rule::Allowed, None, "DHCP server: DHCPREQUEST received"),
        entry(
            "1AFF-0018",
            Traffic,
            Web,
            Rule::ThreatIfBlocked,
            None,
            "HTTP proxy: response content type matched (e.g. sent to AV scan)",
        ),
        entry(
            "1AFF-0021",
            Traffic,
            Web,
            Rule::ThreatIfBlocked,
            None,
            "HTTP proxy: request denied by proxy action or WebBlocker",
        ),
        entry("1AFF-0024", Traffic, Web, Rule::ThreatIfBlocked, None, "HTTP proxy: request (allowed)"),
        entry("1DFF-000F", Traffic, Dns, Rule::ThreatIfBlocked, None, "DNS proxy: question"),
        entry(
            "2CFF-0009",
            Traffic,
            Web,
            Rule::ThreatIfBlocked,
            None,
            "HTTPS proxy: connection by domain name / TLS profile",
        ),
        entry("3000-0148", Traffic, Other, Rule::Verdict, None, "Packet filter: packet allowed or denied by a policy"),
        entry("3000-0149", Traffic, Other, Rule::Verdict, None, "Proxy policy: connection allowed or denied"),
        entry("3000-0151", Traffic, Other, Rule::Verdict, None, "Policy: connection allowed or denied"),
        entry(
            "3000-0152",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Alarm: IPv4 source route attack from <ip> detected",
        ),
        entry("3000-0173", Traffic, Other, Rule::Verdict, None, "Geolocation: connection allowed or denied by country"),
        entry(
            "3001-1001",
            Threat,
            Anomaly,
            Rule::Blocked,
            Some(Severity::Medium),
            "Blocked sites: temporarily blocking a host after an attack",
        ),
        entry("3E00-0002", Ev, Other, Rule::Allowed, None, "Session: user logged in"),
        entry("3E00-0004", Ev, Other, Rule::Allowed, None, "Session: user logged out"),
        entry("5000-0001", Ev, Other, Rule::Verdict, None, "Management: log in attempt rejected"),
    ],
    families: &[
        family("0F01", Threat, Intrusion, Rule::Verdict, "IPS signature match"),
        family("1500", Threat, Malware, Rule::Verdict, "Gateway AntiVirus"),
        family("1501", Threat, Malware, Rule::Verdict, "Gateway AntiVirus"),
        family("2DFF", Threat, Botnet, Rule::Verdict, "Botnet Detection"),
        family("1AFF", Traffic, Web, Rule::ThreatIfBlocked, "HTTP proxy"),
        family("2CFF", Traffic, Web, Rule::ThreatIfBlocked, "HTTPS proxy"),
        family("2DFE", Traffic, Web, Rule::ThreatIfBlocked, "proxy (web)"),
        family("1DFF", Traffic, Dns, Rule::ThreatIfBlocked, "DNS proxy"),
        family(
            "3000",
            Traffic,
            Other,
            Rule::Verdict,
            "Firewall/packet filter traffic; prose alarms of this area with attack wording are threats",
        ),
        family("3001", Threat, Anomaly, Rule::Verdict, "Blocked sites (auto-block after an attack)"),
        family("1100", Ev, Other, Rule::Verdict, "Authentication"),
        family("3E00", Ev, Other, Rule::Verdict, "Session daemon (logins)"),
        family("5000", Ev, Other, Rule::Verdict, "Management"),
    ],
    fallback: (Ev, Other, Rule::Verdict),
    notes: "Traffic messages (`Allow|Deny …`) are read positionally; alarms are prose. A message whose id is not in the table and whose prose names an attack, flood, spoofing, scan, source route, ping of death, teardrop, DDoS, virus, malware or botnet is a threat. The device time in parentheses is UTC.",
};

/// Leading words of the traffic shape.
const DISPOSITIONS: [&str; 7] = ["Allow", "Deny", "Drop", "Strip", "Lock", "Block", "Reject"];

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let Some(start) = line.find("msg_id=") else {
        return Err(Unparsed::new(Some(Vendor::Watchguard), UnparsedReason::MissingField("msg_id")));
    };
    let head = &line[..start];
    let after = &line[start + 7..];
    let (message_id, body) = match after.strip_prefix('"') {
        Some(quoted) => {
            let end = quoted.find('"').unwrap_or(quoted.len());
            (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
        }
        None => {
            let end = after.find(' ').unwrap_or(after.len());
            (&after[..end], &after[end..])
        }
    };
    let message_id = message_id.trim();
    if message_id.is_empty() {
        return Err(Unparsed::new(Some(Vendor::Watchguard), UnparsedReason::MissingField("msg_id")));
    }
    let body = body.trim_start();
    let first_word = body.split_ascii_whitespace().next().unwrap_or("");
    let disposition = DISPOSITIONS.iter().any(|word| first_word.eq_ignore_ascii_case(word)).then_some(first_word);
    let structured_action = kv::find(body, b' ', "disp").or_else(|| kv::find(body, b' ', "action"));
    let verdict_word = disposition.or(structured_action);
    let verdict = match verdict_word {
        Some(word) => Verdict::from_block(is_block_word(word)),
        None if disposition.is_none() => prose_verdict(body),
        None => Verdict::Unknown,
    };
    let classified = classify_id(message_id, verdict, if disposition.is_none() { body } else { "" });
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Watchguard, kind, category, action);
    event.severity = classified.severity;
    if !classified.is_known() {
        event.unknown_identifier = Some(Cow::Borrowed(message_id));
    }
    if disposition.is_some() {
        positional(body, &mut event);
        event.policy_name = policy_in_parentheses(body);
    } else {
        prose(body, &mut event);
        if kind == Kind::Threat {
            event.signature = prose_name(body);
        }
    }
    // Newer firmware and some relays add the addresses as key="value" pairs: structured wins.
    if let Some(address) = kv::find(body, b' ', "src_ip").and_then(ip) {
        event.src_ip = Some(address);
    }
    if let Some(address) = kv::find(body, b' ', "dst_ip").and_then(ip) {
        event.dst_ip = Some(address);
    }
    if let Some(number) = kv::find(body, b' ', "src_port").and_then(port) {
        event.src_port = Some(number);
    }
    if let Some(number) = kv::find(body, b' ', "dst_port").and_then(port) {
        event.dst_port = Some(number);
    }
    if let Some(signature) =
        ["signature_name", "virus", "cats", "category"].iter().find_map(|key| kv::find(body, b' ', key)).and_then(text)
    {
        event.signature = Some(signature);
    }
    event.url = kv::find(body, b' ', "dstname").or_else(|| kv::find(body, b' ', "host")).and_then(text);
    event.user = kv::find(body, b' ', "user").and_then(text);
    if let Some(policy) = kv::find(body, b' ', "policy").and_then(text) {
        event.policy_name = Some(policy);
    }
    let (serial, stamp) = device_header(head);
    event.device = serial.map(Cow::Borrowed);
    event.device_is_serial = event.device.is_some();
    if let Some(stamp) = stamp {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    Ok(event)
}

/// The serial and the device's own UTC time from `80XXXXXXXXXXX (2026-02-10T12:21:17) firewall: `.
fn device_header(head: &str) -> (Option<&str>, Option<time::Stamp>) {
    let Some(open) = head.find('(') else {
        return (None, None);
    };
    let inside = &head[open + 1..];
    let Some(close) = inside.find(')') else {
        return (None, None);
    };
    let stamp = time::parse_date_time(&inside[..close])
        .filter(|_| close >= 19 && inside.as_bytes().get(10) == Some(&b'T'))
        .and_then(|local| time::local_to_stamp(local, Some(0)));
    if stamp.is_none() {
        return (None, None);
    }
    let serial = head[..open]
        .split_ascii_whitespace()
        .next_back()
        .filter(|token| token.len() >= 8 && token.bytes().all(|byte| byte.is_ascii_alphanumeric()));
    (serial, stamp)
}

/// Catalogue lookup, then the conservative keyword rule for identifiers the catalogue does not
/// know: prose that names an attack, a virus or a botnet is a threat, whatever its family says.
fn classify_id(message_id: &str, verdict: Verdict, prose: &str) -> Classified {
    let classified = CATALOGUE.classify(&[message_id], verdict);
    if classified.provenance == Provenance::Known || classified.kind == Kind::Threat {
        return classified;
    }
    let category = threat_words(prose);
    match category {
        Some(category) => {
            let (kind, category, action) = crate::catalogue::resolve(Kind::Threat, category, Rule::Verdict, verdict);
            Classified { kind, category, action, ..classified }
        }
        None => classified,
    }
}

fn threat_words(text: &str) -> Option<Category> {
    let has = |needle: &str| contains_ignore_case(text, needle);
    if has("virus") || has("malware") {
        Some(Malware)
    } else if has("botnet") {
        Some(Botnet)
    } else if has("intrusion") || (has("ips") && has("signature")) {
        Some(Intrusion)
    } else if has("attack")
        || has("flood")
        || has("spoof")
        || has("scan")
        || has("source route")
        || has("ping of death")
        || has("teardrop")
        || has("ddos")
    {
        Some(Anomaly)
    } else {
        None
    }
}

/// Verdict from an alarm's documented wording.
fn prose_verdict(body: &str) -> Verdict {
    let words = body.split(|c: char| !c.is_ascii_alphabetic());
    let mut verdict = Verdict::Unknown;
    for word in words {
        if is_any(word, &["dropped", "drop", "blocked", "blocking", "denied", "deny", "rejected"]) {
            return Verdict::Blocked;
        }
        if is_any(word, &["allowed", "accepted"]) {
            verdict = Verdict::Passed;
        }
    }
    verdict
}

/// Traffic shape: addresses after the protocol; ports only for TCP/UDP.
fn positional<'a>(body: &'a str, event: &mut Event<'a>) {
    let mut protocol = "";
    let mut addresses = 0;
    let mut after_destination = 0;
    for token in body.split_ascii_whitespace().skip(1).take(24) {
        if token.contains('=') || token.starts_with('(') {
            break;
        }
        if addresses == 0 {
            if let Some(address) = ip(token) {
                event.src_ip = Some(address);
                addresses = 1;
            } else if is_any(token, &["tcp", "udp", "icmp", "igmp", "gre", "esp", "ah", "sctp", "ipv6-icmp"]) {
                protocol = token;
                event.transport = crate::vendor::transport(token);
            }
            continue;
        }
        if addresses == 1 {
            if let Some(address) = ip(token) {
                event.dst_ip = Some(address);
                addresses = 2;
            }
            continue;
        }
        if !is_any(protocol, &["tcp", "udp", "sctp"]) {
            break;
        }
        after_destination += 1;
        match after_destination {
            1 => event.src_port = port(token),
            2 => {
                event.dst_port = port(token);
                break;
            }
            _ => break,
        }
    }
}

/// The policy of the traffic shape, in parentheses after the addresses: `(HTTPS-proxy-00)`,
/// `(Unhandled Internal Packet-00)`.
fn policy_in_parentheses(body: &str) -> Option<Cow<'_, str>> {
    let start = body.find(" (")? + 2;
    let end = start + body[start..].find(')')?;
    text(&body[start..end])
}

/// Alarm shape: `… from <src> …`, `… against|to|on <dst> …`.
fn prose<'a>(body: &'a str, event: &mut Event<'a>) {
    let mut previous = "";
    for token in body.split_ascii_whitespace().take(40) {
        if token.contains('=') {
            break;
        }
        let address = ip(token.trim_end_matches([',', '.', ';', ')']).trim_start_matches('('));
        if let Some(address) = address {
            if is_any(previous, &["from", "source", "src"]) && event.src_ip.is_none() {
                event.src_ip = Some(address);
            } else if is_any(previous, &["against", "to", "on", "target", "dst", "destination"])
                && event.dst_ip.is_none()
            {
                event.dst_ip = Some(address);
            }
        }
        previous = token;
    }
}

/// The alarm's name: the prose before its first address clause.
fn prose_name(body: &str) -> Option<Cow<'_, str>> {
    let end = [" from ", " against ", " detected", ".", ",", " on ", " to "]
        .iter()
        .filter_map(|marker| body.find(marker))
        .min()
        .unwrap_or(body.len());
    text(body[..end].trim())
}

/// Classification of a LEEF/CEF line by its event id (the msg_id without the dash).
pub(crate) fn classify(message_id: &str, disposition: Option<&str>, message: Option<&str>) -> Class {
    classify_structured(message_id, disposition, message).class()
}

/// [`classify`] with its provenance, for the LEEF/CEF path to record an unknown identifier.
pub(crate) fn classify_structured(message_id: &str, disposition: Option<&str>, message: Option<&str>) -> Classified {
    let verdict = match disposition {
        Some(word) => Verdict::from_block(is_block_word(word)),
        None => message.map_or(Verdict::Unknown, prose_verdict),
    };
    classify_id(message_id, verdict, message.unwrap_or(""))
}

/// True when the catalogue has `message_id`.
#[cfg(test)]
pub(crate) fn is_known(message_id: &str) -> bool {
    CATALOGUE.entry(&[message_id]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Action;

    #[test]
    fn known_and_unknown_areas() {
        assert!(is_known("30000148"));
        assert!(!is_known("3000-0199"));
        let class = classify("3000-0199", None, Some("SYN flood attack against 10.0.0.1 from 1.2.3.4 detected"));
        assert_eq!(class, (Kind::Threat, Category::Anomaly, Action::Detected));
        let class = classify("0F01-0099", Some("Allow"), None);
        assert_eq!(class, (Kind::Threat, Category::Intrusion, Action::Detected));
    }
}

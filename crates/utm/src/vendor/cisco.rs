//! Cisco ASA and Firepower Threat Defense (FTD) syslog: `%ASA-<severity>-<msgid>: text`
//! (`%FTD-`, `%PIX-`, `%FWSM-`, `%NGIPS-` alike).
//!
//! Classification by message id (Cisco "ASA Series Syslog Messages" and "Secure Firewall
//! Threat Defense Syslog Messages"): 106xxx ACL deny/permit and 313xxx ICMP denies are traffic;
//! 302xxx/305xxx connection and NAT records are allowed traffic; 733100 threat detection is an
//! anomaly; 338xxx is the botnet traffic filter (dropped vs monitored); 4000xx are the legacy IPS
//! signatures; FTD 430001 intrusion, 430002/430003 connection, 430004/430005 file and malware
//! events use comma-separated `Key: value` lists. Everything else is an event.

use std::net::IpAddr;

use memchr::memmem;

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::time;
use crate::vendor::{Class, contains_ignore_case, ip, port, text};

/// Finds `%ASA-6-302013` (or another known prefix); returns (start, severity, message id, text).
pub(crate) fn find_tag(text: &str) -> Option<(usize, u8, &str, &str)> {
    // Searched as bytes: byte 160 may fall inside a multi-byte character. A match starts at an
    // ASCII '%', so `start` is a character boundary.
    let head = &text.as_bytes()[..text.len().min(160)];
    let start = [&b"%ASA-"[..], b"%FTD-", b"%PIX-", b"%FWSM-", b"%NGIPS-"]
        .iter()
        .filter_map(|prefix| memmem::find(head, prefix))
        .min()?;
    let after = &text[start + 1..];
    let dash = after.find('-')?;
    let rest = &after[dash + 1..];
    let severity: u8 = time::parse_digits(rest.get(..1)?)?;
    let rest = rest.get(2..)?;
    let id_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    if id_end == 0 {
        return None;
    }
    let message = rest[id_end..].trim_start_matches(':').trim();
    Some((start, severity, &rest[..id_end], message))
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let Some((_, level, id, message)) = find_tag(line) else {
        return Err(Unparsed::new(Some(Vendor::Cisco), UnparsedReason::MissingField("%ASA tag")));
    };
    let id: u32 = time::parse_digits(id).unwrap_or(0);
    let is_key_value = (430_001..=430_005).contains(&id);
    let key = |wanted: &str| if is_key_value { key_value(message, wanted) } else { None };
    let (kind, category, action) = classify(
        id,
        message,
        key("InlineResult").or_else(|| key("AccessControlRuleAction")).or_else(|| key("FileAction")),
    );
    let mut event = Event::new(Vendor::Cisco, kind, category, action);
    event.severity = Some(Severity::from_syslog(level));
    if is_key_value {
        event.src_ip = key("SrcIP").and_then(ip);
        event.dst_ip = key("DstIP").and_then(ip);
        event.src_port = key("SrcPort").and_then(port);
        event.dst_port = key("DstPort").and_then(port);
        event.user = key("User").and_then(text);
        event.url = key("URL").and_then(text);
        event.signature = key("Message").or_else(|| key("ThreatName")).and_then(text);
    } else {
        let mut endpoints = endpoints(message);
        if let Some((address, number)) = endpoints.next() {
            event.src_ip = Some(address);
            event.src_port = number;
        }
        if let Some((address, number)) = endpoints.next() {
            event.dst_ip = Some(address);
            event.dst_port = number;
        }
        event.user = user(message);
        if kind == Kind::Threat {
            event.signature = text(message.split([',', ':']).next().unwrap_or(""));
        }
    }
    if let Some(stamp) = key("FirstPacketSecond").and_then(time::parse_iso) {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
    }
    Ok(event)
}

/// Classification by message id; `verdict` is FTD's InlineResult/AccessControlRuleAction/FileAction.
fn classify(id: u32, message: &str, verdict: Option<&str>) -> Class {
    let says = |needle: &str| contains_ignore_case(message, needle);
    let denied = says("deny") || says("denied") || says("dropped") || says("drop ") || says("discarded");
    match id {
        106_000..=106_999 | 313_000..=313_999 | 710_000..=710_999 => {
            let blocked = denied && !says("permitted");
            (Kind::Traffic, Category::Other, if blocked { Action::Blocked } else { Action::Allowed })
        }
        733_100..=733_199 => (Kind::Threat, Category::Anomaly, Action::Detected),
        338_000..=338_999 => {
            (Kind::Threat, Category::Botnet, if says("dropped") { Action::Blocked } else { Action::Detected })
        }
        400_000..=400_099 => (Kind::Threat, Category::Intrusion, Action::Detected),
        430_001 => {
            let blocked = verdict.is_some_and(|word| word.trim().eq_ignore_ascii_case("Blocked"));
            (Kind::Threat, Category::Intrusion, if blocked { Action::Blocked } else { Action::Detected })
        }
        430_002 | 430_003 => {
            let blocked = verdict.is_some_and(|word| contains_ignore_case(word, "block"));
            (Kind::Traffic, Category::Other, if blocked { Action::Blocked } else { Action::Allowed })
        }
        430_004 | 430_005 => {
            let blocked = verdict.is_some_and(|word| contains_ignore_case(word, "block"));
            (Kind::Threat, Category::Malware, if blocked { Action::Blocked } else { Action::Detected })
        }
        302_000..=305_999 | 609_000..=609_999 => (Kind::Traffic, Category::Other, Action::Allowed),
        _ => (Kind::Event, Category::Other, Action::Allowed),
    }
}

/// `Key: value` from FTD's comma-separated list.
fn key_value<'a>(message: &'a str, wanted: &str) -> Option<&'a str> {
    message.split(", ").find_map(|pair| {
        let (key, value) = pair.split_once(": ")?;
        (key.trim() == wanted).then(|| value.trim().trim_start_matches("<br/>"))
    })
}

/// Address tokens in ASA text, in order: `iface:ip/port`, `ip/port`, `iface/ip(port)`, bare ip.
/// Parenthesised repeats (`(2.2.2.2/40454)`, the NAT'd form) are skipped.
fn endpoints(message: &str) -> impl Iterator<Item = (IpAddr, Option<u16>)> + '_ {
    // `gaddr` is the global (translated) address of an ICMP connection; the real peers are
    // `faddr` and `laddr`.
    let mut previous = "";
    let tokens = message.split_ascii_whitespace().filter(move |token| {
        let keep = previous != "gaddr";
        previous = token;
        keep
    });
    tokens.filter(|token| !token.starts_with('(')).filter_map(|token| {
        let token = token.trim_end_matches([',', ';', '.']);
        let token = token
            .rsplit_once(':')
            .filter(|(left, _)| ip(left).is_none() && !left.contains("::"))
            .map_or(token, |(_, right)| right);
        let token = token.rsplit_once('/').filter(|(left, _)| ip(left).is_none()).map_or(token, |(_, right)| right);
        if let Some((address, number)) = token.split_once('/') {
            // `2.2.2.2/1(DOMAIN\user)`: the user in parentheses follows the port.
            let number = number.split('(').next().unwrap_or(number);
            return ip(address).map(|address| (address, port(number)));
        }
        if let Some((address, rest)) = token.split_once('(') {
            return ip(address).map(|address| (address, port(rest.trim_end_matches(')'))));
        }
        ip(token.trim_matches(['<', '>'])).map(|address| (address, None))
    })
}

fn user(message: &str) -> Option<std::borrow::Cow<'_, str>> {
    for marker in ["User <", "user = ", "Uname: ", "Username = ", "Username:"] {
        if let Some(index) = message.find(marker) {
            let rest = &message[index + marker.len()..];
            let end = rest.find(['>', ' ', ',']).unwrap_or(rest.len());
            return text(&rest[..end]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_limit_inside_a_multibyte_character() {
        // Found by the `vendor_cisco` fuzz target: byte 160 is the second byte of 'é'.
        let line = format!("{}\u{e9}", "A".repeat(159));
        assert!(find_tag(&line).is_none());
        assert!(parse(&line).is_err());
        let line = format!("%ASA-4-106023: Deny tcp src outside:198.51.100.23/51034 {}\u{e9}", "x".repeat(103));
        assert_eq!(line.len(), 161);
        assert_eq!(find_tag(&line).map(|(start, severity, id, _)| (start, severity, id)), Some((0, 4, "106023")));
    }
}

//! Vendor detection and dispatch, plus the small value helpers every vendor parser shares.
//!
//! Detection looks only at cheap markers near the start of the payload (`CEF:`, `%ASA-`,
//! `logid=` …) with `memchr::memmem`; it never runs a full parse per candidate. Each submodule
//! owns one vendor's syntax and its mapping to [`Category`], [`Action`] and [`Kind`].

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;

use memchr::memmem;

use crate::event::{Action, Category, Event, Kind, Unparsed, UnparsedReason, Vendor};
use crate::rollup::Tally;

pub(crate) mod cef;
pub(crate) mod checkpoint;
pub(crate) mod cisco;
pub(crate) mod fortigate;
pub(crate) mod juniper;
pub(crate) mod paloalto;
pub(crate) mod pfsense;
pub(crate) mod sonicwall;
pub(crate) mod sophos;
pub(crate) mod suricata;
pub(crate) mod watchguard;

/// Guesses the vendor of a payload (syslog header already removed).
pub fn detect(payload: &str) -> Option<Vendor> {
    let text = payload.trim_start();
    let bytes = text.as_bytes();
    let head = &bytes[..bytes.len().min(256)];
    if is_native_fortigate(bytes) {
        return Some(Vendor::Fortigate);
    }
    if bytes.first() == Some(&b'{') {
        if memmem::find(bytes, b"\"event_type\"").is_some()
            || (memmem::find(bytes, b"\"dest_ip\"").is_some() && memmem::find(bytes, b"\"flow_id\"").is_some())
        {
            return Some(Vendor::Suricata);
        }
        if memmem::find(bytes, b"\"LogType\"").is_some() {
            return Some(Vendor::Paloalto);
        }
        if memmem::find(bytes, b"\"loguid\"").is_some() || memmem::find(bytes, b"\"ProductName\"").is_some() {
            return Some(Vendor::Checkpoint);
        }
        return None;
    }
    if cef::find_cef_start(text).is_some() {
        return Some(Vendor::Cef);
    }
    if cef::find_leef_start(text).is_some() {
        return Some(Vendor::Leef);
    }
    if is_fortigate(bytes) {
        return Some(Vendor::Fortigate);
    }
    if cisco::find_tag(text).is_some() {
        return Some(Vendor::Cisco);
    }
    if juniper::looks_like(text) {
        return Some(Vendor::Juniper);
    }
    if pfsense::looks_like(text) {
        return Some(Vendor::Pfsense);
    }
    if paloalto::looks_like_csv(text) {
        return Some(Vendor::Paloalto);
    }
    if memmem::find(head, b"log_type=").is_some()
        || memmem::find(head, b"log_id=").is_some()
        || memmem::find(head, b"device_name=").is_some()
        || (memmem::find(head, b"id=\"").is_some()
            && (memmem::find(bytes, b" sub=\"").is_some() || memmem::find(bytes, b" srcip=\"").is_some()))
    {
        return Some(Vendor::Sophos);
    }
    if memmem::find(head, b"id=firewall").is_some()
        || (memmem::find(head, b" sn=").is_some() && memmem::find(bytes, b" m=").is_some())
    {
        return Some(Vendor::Sonicwall);
    }
    if memmem::find(head, b"msg_id=").is_some() {
        return Some(Vendor::Watchguard);
    }
    if checkpoint::looks_like(text) {
        return Some(Vendor::Checkpoint);
    }
    None
}

/// Hot path of [`detect`]: native FortiGate lines start with one of a few keys and carry
/// `logid=` early.
pub(crate) fn is_native_fortigate(bytes: &[u8]) -> bool {
    starts_like_fortigate(bytes) && LOGID.find(&bytes[..bytes.len().min(256)]).is_some()
}

/// Built once: `memmem::find` would rebuild its searcher on every line.
static LOGID: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"logid="));

/// The keys a native FortiGate line starts with (a CEF or other vendor line never does).
pub(crate) fn starts_like_fortigate(bytes: &[u8]) -> bool {
    match bytes.first() {
        Some(b'd') => bytes.starts_with(b"date=") || bytes.starts_with(b"devname="),
        Some(b'l') => bytes.starts_with(b"logver="),
        Some(b't') => bytes.starts_with(b"timestamp="),
        Some(b'e') => bytes.starts_with(b"eventtime="),
        Some(b'i') => bytes.starts_with(b"itime="),
        _ => false,
    }
}

/// FortiGate: `logid=` with `type=`/`devid=`, or `type=` + `subtype=` + `vd=`/`level=` (some
/// collectors strip the leading `date= time= devname= devid= logid=` fields).
fn is_fortigate(bytes: &[u8]) -> bool {
    // These keys come early in every FortiOS layout; scanning a bounded head keeps detection
    // cost independent of line length.
    let head = &bytes[..bytes.len().min(512)];
    let has = |needle: &[u8]| memmem::find(head, needle).is_some();
    if has(b"log_type=") || has(b"log_id=") {
        return false;
    }
    (has(b"logid=") && (has(b"type=") || has(b"devid=")))
        || (has(b"type=") && has(b"subtype=") && (has(b" vd=") || has(b"level=")))
}

/// Parses a payload with a known or detected vendor.
pub(crate) fn parse_payload(text: &str, vendor: Option<Vendor>) -> Result<Event<'_>, Unparsed> {
    if text.trim().is_empty() {
        return Err(Unparsed::new(vendor, UnparsedReason::Empty));
    }
    let vendor = match vendor {
        Some(vendor) => vendor,
        None => detect(text).ok_or(Unparsed::new(None, UnparsedReason::UnknownFormat))?,
    };
    match vendor {
        Vendor::Fortigate => {
            // FortiGate can be configured to send CEF; accept it under the forced vendor too.
            if !starts_like_fortigate(text.trim_start().as_bytes()) && cef::find_cef_start(text).is_some() {
                cef::parse_cef(text)
            } else {
                fortigate::parse(text)
            }
        }
        Vendor::Cef => cef::parse_cef(text),
        Vendor::Leef => cef::parse_leef(text),
        Vendor::Sophos => sophos::parse(text),
        Vendor::Paloalto => paloalto::parse(text),
        Vendor::Checkpoint => checkpoint::parse(text),
        Vendor::Cisco => cisco::parse(text),
        Vendor::Sonicwall => sonicwall::parse(text),
        Vendor::Watchguard => watchguard::parse(text),
        Vendor::Juniper => juniper::parse(text),
        Vendor::Pfsense => pfsense::parse(text),
        Vendor::Suricata => suricata::parse(text),
    }
}

/// [`parse_payload`] without a vendor, reduced to what a roll-up counts, for the payloads that
/// [`detect`] sends to the native FortiGate parser by its hot path; `None` for any other, which
/// must be parsed in full.
pub(crate) fn tally_payload(text: &str) -> Option<Result<Tally<'_>, Unparsed>> {
    // `parse_payload` rejects a blank text first; a native FortiGate payload is never blank.
    // `detect` then answers FortiGate, and a payload that starts like FortiGate goes to
    // `fortigate::parse`, whose roll-up share `fortigate::tally` is.
    is_native_fortigate(text.trim_start().as_bytes()).then(|| fortigate::tally(text))
}

/// Parses an IP address, tolerating surrounding spaces, brackets and IPv6 zone ids.
pub(crate) fn ip(text: &str) -> Option<IpAddr> {
    if let Some(address) = ipv4_fast(text.as_bytes()) {
        return Some(IpAddr::V4(address));
    }
    let text = text.trim().trim_start_matches('[').trim_end_matches(']');
    if text.is_empty() {
        return None;
    }
    let text = text.split('%').next().unwrap_or(text);
    text.parse().ok()
}

/// Plain dotted-quad IPv4, the common case, without the general parser's overhead; anything
/// else (spaces, brackets, IPv6, leading zeros) returns `None` and takes the general path.
pub(crate) fn ipv4_fast(bytes: &[u8]) -> Option<Ipv4Addr> {
    let (a, rest) = octet(bytes)?;
    let (b, rest) = octet(rest.strip_prefix(b".")?)?;
    let (c, rest) = octet(rest.strip_prefix(b".")?)?;
    let (d, rest) = octet(rest.strip_prefix(b".")?)?;
    rest.is_empty().then_some(Ipv4Addr::new(a, b, c, d))
}

/// The decimal octet at the start of `bytes` (one to three digits, no leading zero, at most
/// 255) and what follows it. Taking three digits when there are three is right: a fourth
/// digit, or a value past 255, makes the address invalid either way.
#[inline(always)]
fn octet(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let digit = |byte: u8| u32::from(byte - b'0');
    match bytes {
        [first @ b'1'..=b'9', second @ b'0'..=b'9', third @ b'0'..=b'9', rest @ ..] => {
            let value = digit(*first) * 100 + digit(*second) * 10 + digit(*third);
            Some((u8::try_from(value).ok()?, rest))
        }
        [first @ b'1'..=b'9', second @ b'0'..=b'9', rest @ ..] => {
            Some(((digit(*first) * 10 + digit(*second)) as u8, rest))
        }
        [only @ b'0'..=b'9', rest @ ..] => Some((digit(*only) as u8, rest)),
        _ => None,
    }
}

/// Parses a TCP/UDP port.
pub(crate) fn port(text: &str) -> Option<u16> {
    let text = crate::time::trim_ascii_spaces(text);
    if text.is_empty() || text.len() > 5 {
        // Leading zeros can make a valid port longer; rare enough for the general parse.
        return crate::time::parse_digits(text);
    }
    // At most five digits: no overflow before the range check.
    let mut value = 0u32;
    for digit in text.bytes() {
        let digit = digit.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u32::from(digit);
    }
    u16::try_from(value).ok()
}

/// The transport protocol as ECS and IANA name it, lowercase: from an IANA protocol number
/// (FortiGate, Check Point, PAN-OS JSON `proto=6`) or a name in any case (`TCP`, `udp`,
/// SonicWall `tcp/https`, `icmp6`). `None` for an empty value or a number without a keyword here.
pub(crate) fn transport(value: &str) -> Option<Cow<'_, str>> {
    let value = crate::time::trim_ascii_spaces(value);
    // FortiGate's `proto=6`: one to three digits, read without the general parse.
    let number = match value.as_bytes() {
        [one] if one.is_ascii_digit() => Some(one - b'0'),
        [ten, one] if ten.is_ascii_digit() && one.is_ascii_digit() => Some((ten - b'0') * 10 + (one - b'0')),
        _ => None,
    };
    let value = if number.is_some() { value } else { value.split_once('/').map_or(value, |(name, _)| name) };
    if value.is_empty() {
        return None;
    }
    if value.as_bytes()[0].is_ascii_digit() {
        let number = match number {
            Some(number) => number,
            None => crate::time::parse_digits::<u8>(value)?,
        };
        let keyword = match number {
            1 => "icmp",
            2 => "igmp",
            4 => "ipv4",
            6 => "tcp",
            17 => "udp",
            41 => "ipv6",
            47 => "gre",
            50 => "esp",
            51 => "ah",
            58 => "ipv6-icmp",
            89 => "ospfigp",
            103 => "pim",
            112 => "vrrp",
            132 => "sctp",
            _ => return None,
        };
        return Some(Cow::Borrowed(keyword));
    }
    for (names, keyword) in [
        (&["tcp"][..], "tcp"),
        (&["udp"][..], "udp"),
        (&["icmp"][..], "icmp"),
        (&["icmp6", "icmpv6", "ipv6-icmp"][..], "ipv6-icmp"),
        (&["sctp"][..], "sctp"),
        (&["gre"][..], "gre"),
        (&["esp"][..], "esp"),
    ] {
        if is_any(value, names) {
            return Some(Cow::Borrowed(keyword));
        }
    }
    let lower = value.bytes().all(|byte| !byte.is_ascii_uppercase());
    if lower { Some(Cow::Borrowed(value)) } else { Some(Cow::Owned(value.to_ascii_lowercase())) }
}

/// A borrowed text field, absent when empty or a placeholder (`N/A`, `-`).
pub(crate) fn text(value: &str) -> Option<Cow<'_, str>> {
    crate::kv::non_empty(value).map(Cow::Borrowed)
}

/// Sets `slot` only if it is still empty, so the first occurrence of a repeated key wins;
/// returns whether it did.
pub(crate) fn first<'a>(slot: &mut Option<&'a str>, value: &'a str) -> bool {
    let fills = slot.is_none() && !value.is_empty();
    if fills {
        *slot = Some(value);
    }
    fills
}

/// Case-insensitive membership test.
pub(crate) fn is_any(word: &str, candidates: &[&str]) -> bool {
    candidates.iter().any(|candidate| word.eq_ignore_ascii_case(candidate))
}

/// Case-insensitive substring test for ASCII needles.
pub(crate) fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Action words that mean the device stopped something, across vendors.
pub(crate) fn is_block_word(word: &str) -> bool {
    let word = crate::time::trim_ascii_spaces(word);
    is_any(
        word,
        &[
            "blocked",
            "block",
            "dropped",
            "drop",
            "deny",
            "denied",
            "reset",
            "reject",
            "rejected",
            "prevent",
            "prevented",
            "quarantine",
            "quarantined",
            "clear_session",
            "reset-client",
            "reset-server",
            "reset-both",
            "block-url",
            "block-ip",
            "drop-all",
            "drop-all-packets",
            "drop-icmp",
            "sinkhole",
            "random-drop",
            "block-continue",
            "block-override",
            "override-lockout",
            "discard",
            "discarded",
            "close",
            "lock",
            "strip",
            "blocked-url",
            "tcp-rst",
            "removed",
            "cleaned",
            "deleted",
        ],
    ) || word.starts_with("Block")
        || word.starts_with("block")
        || word.starts_with("Drop")
}

/// Generic threat classification from an action word: blocked, else detected.
pub(crate) fn threat_action(word: Option<&str>) -> Action {
    match word {
        Some(word) if is_block_word(word) => Action::Blocked,
        _ => Action::Detected,
    }
}

/// Generic traffic classification from an action word: blocked, else allowed.
pub(crate) fn traffic_action(word: Option<&str>) -> Action {
    match word {
        Some(word) if is_block_word(word) && !word.eq_ignore_ascii_case("close") => Action::Blocked,
        _ => Action::Allowed,
    }
}

/// The common shape of a classification result.
pub(crate) type Class = (Kind, Category, Action);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_agree_with_the_general_parse() {
        let mut samples: Vec<String> = (0..70_000u32).step_by(7).map(|port| port.to_string()).collect();
        samples.extend(
            ["", " 443 ", "0", "00443", "065535", "65535", "65536", "99999", "+80", "-1", "4a3", "８０", "44 3", "1e3"]
                .map(String::from),
        );
        for sample in &samples {
            assert_eq!(
                port(sample),
                crate::time::parse_digits::<u16>(crate::time::trim_ascii_spaces(sample)),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn fast_ipv4_agrees_with_std() {
        for text in [
            "192.168.1.10",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "1.2.3.4 ",
            "",
            "1234.1.1.1",
            "10.0.0.",
            "1.2.3.04",
            "1.2.3.4a",
            "0.0.0.00",
            "9.99.199.255",
            "1.2.3.256",
            " 1.2.3.4",
            ".1.2.3",
            "1.2.3.4.",
        ] {
            assert_eq!(ipv4_fast(text.as_bytes()), text.parse::<Ipv4Addr>().ok(), "{text:?}");
        }
        // Octets of every length and value around the limits, with and without leading zeros.
        let octets = ["0", "7", "00", "01", "10", "99", "100", "199", "255", "256", "300", "999", "0255", "1000", ""];
        for a in octets {
            for b in octets {
                for text in [format!("{a}.{b}.1.{b}"), format!("1.{a}.{b}.0"), format!("{b}.{a}")] {
                    assert_eq!(ipv4_fast(text.as_bytes()), text.parse::<Ipv4Addr>().ok(), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn transport_names_follow_iana_keywords_in_lowercase() {
        for (value, expected) in [
            ("6", Some("tcp")),
            ("06", Some("tcp")),
            ("006", Some("tcp")),
            ("0", None),
            ("99", None),
            ("256", None),
            ("6/x", Some("tcp")),
            ("17", Some("udp")),
            ("1", Some("icmp")),
            ("58", Some("ipv6-icmp")),
            ("TCP", Some("tcp")),
            (" ICMP", Some("icmp")),
            ("tcp/https", Some("tcp")),
            ("udp/dns", Some("udp")),
            ("icmp6", Some("ipv6-icmp")),
            ("OSPF", Some("ospf")),
            ("", None),
            ("250", None),
        ] {
            assert_eq!(transport(value).as_deref(), expected, "{value:?}");
        }
    }
}

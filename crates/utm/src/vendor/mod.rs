//! Vendor detection and dispatch, plus the small value helpers every vendor parser shares.
//!
//! Detection looks only at cheap markers near the start of the payload (`CEF:`, `%ASA-`,
//! `logid=` …) with `memchr::memmem`; it never runs a full parse per candidate. Each submodule
//! owns one vendor's syntax and its mapping to [`Category`], [`Action`] and [`Kind`].

use std::borrow::Cow;
use std::net::IpAddr;

use memchr::memmem;

use crate::event::{Action, Category, Event, Kind, Unparsed, UnparsedReason, Vendor};

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
    // Hot path: native FortiGate lines start with one of a few keys.
    let fortigate_start = [&b"date="[..], b"devname=", b"logver=", b"timestamp=", b"eventtime=", b"itime="]
        .iter()
        .any(|key| bytes.starts_with(key));
    if fortigate_start && memmem::find(head, b"logid=").is_some() {
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
        if memmem::find(bytes, b"\"loguid\"").is_some() {
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
            if cef::find_cef_start(text).is_some() { cef::parse_cef(text) } else { fortigate::parse(text) }
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

/// Parses an IP address, tolerating surrounding spaces, brackets and IPv6 zone ids.
pub(crate) fn ip(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_start_matches('[').trim_end_matches(']');
    if text.is_empty() {
        return None;
    }
    let text = text.split('%').next().unwrap_or(text);
    text.parse().ok()
}

/// Parses a TCP/UDP port.
pub(crate) fn port(text: &str) -> Option<u16> {
    crate::time::parse_digits(text.trim())
}

/// A borrowed text field, absent when empty or a placeholder (`N/A`, `-`).
pub(crate) fn text(value: &str) -> Option<Cow<'_, str>> {
    crate::kv::non_empty(value).map(Cow::Borrowed)
}

/// Sets `slot` only if it is still empty, so the first occurrence of a repeated key wins.
pub(crate) fn first<'a>(slot: &mut Option<&'a str>, value: &'a str) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value);
    }
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
    let word = word.trim();
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

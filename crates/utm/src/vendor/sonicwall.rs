//! SonicWall SonicOS 6.x/7.x native `key=value` syslog (`id=firewall sn=… m=… msg="…"`). The
//! CEF form is read by [`crate::vendor::cef`] and classified here by message id.
//!
//! Message ids from the SonicOS Log Events Reference Guide: 608/609 IPS detection/prevention,
//! 809/810 Gateway Anti-Virus, 794/795 Anti-Spyware, 1154/1155 Application Control
//! detection/prevention, 14/16 web site blocked (CFS), 97 web site accessed, 1460 Capture ATP,
//! 1235/1236 botnet filter, 98/537 connection opened/closed. `src`/`dst` are
//! `ip:port:interface[:host]`.

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::KvIter;
use crate::time;
use crate::vendor::{Class, contains_ignore_case, first, ip, port, text, traffic_action};

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
            _ => continue,
        };
        first(slot, value);
    }
    let Some(message_id) = message_id else {
        return Err(Unparsed::new(Some(Vendor::Sonicwall), UnparsedReason::MissingField("m")));
    };
    let (kind, category, action) = classify(message_id, message.unwrap_or(""), fw_action);
    let mut event = Event::new(Vendor::Sonicwall, kind, category, action);
    event.device = serial.and_then(text);
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
    let id: u32 = time::parse_digits(message_id.trim()).unwrap_or(0);
    let blocked_text = contains_ignore_case(message, "prevent")
        || contains_ignore_case(message, "block")
        || contains_ignore_case(message, "drop");
    let threat = |category| (Kind::Threat, category, if blocked_text { Action::Blocked } else { Action::Detected });
    match id {
        608 | 609 => threat(Category::Intrusion),
        809 | 810 | 1460 => threat(Category::Malware),
        794 | 795 => threat(Category::Malware),
        1235 | 1236 => threat(Category::Botnet),
        1155 => (Kind::Threat, Category::Application, Action::Blocked),
        1154 => (Kind::Traffic, Category::Application, Action::Allowed),
        14 | 16 => (Kind::Threat, Category::Web, Action::Blocked),
        97 if fw_action.is_some_and(crate::vendor::is_block_word) => (Kind::Threat, Category::Web, Action::Blocked),
        97 => (Kind::Traffic, Category::Web, Action::Allowed),
        _ if contains_ignore_case(message, "virus") => threat(Category::Malware),
        _ if contains_ignore_case(message, "ips ") => threat(Category::Intrusion),
        _ if contains_ignore_case(message, "botnet") => threat(Category::Botnet),
        _ if contains_ignore_case(message, "spyware") => threat(Category::Malware),
        98 | 537 => (Kind::Traffic, Category::Other, Action::Allowed),
        _ if contains_ignore_case(message, "connection")
            || contains_ignore_case(message, "packet")
            || fw_action.is_some() =>
        {
            let action =
                if blocked_text { Action::Blocked } else { traffic_action(fw_action.filter(|word| *word != "NA")) };
            (Kind::Traffic, Category::Other, action)
        }
        _ => (Kind::Event, Category::Other, Action::Allowed),
    }
}

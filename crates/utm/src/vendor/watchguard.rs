//! WatchGuard Firebox (Fireware) native syslog: `msg_id="3000-0148" Allow 1-Trusted 0-External
//! tcp 10.0.1.2 5.6.7.8 52803 443 … (policy)`. The LEEF/CEF forms are read by
//! [`crate::vendor::cef`] and classified here.
//!
//! msg_id areas (Fireware Log Catalog): `3000` firewall traffic, `1AFF`/`2CFF` HTTP(S) proxy,
//! `0F01` IPS, `1500`-range Gateway AntiVirus, `2DFF` botnet detection. Unknown areas fall back
//! to keywords in the message.

use crate::event::{Action, Category, Event, Kind, Unparsed, UnparsedReason, Vendor};
use crate::kv;
use crate::vendor::{Class, contains_ignore_case, ip, is_block_word, port, text};

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let Some(start) = line.find("msg_id=\"") else {
        return Err(Unparsed::new(Some(Vendor::Watchguard), UnparsedReason::MissingField("msg_id")));
    };
    let after = &line[start + 8..];
    let end = after.find('"').unwrap_or(after.len());
    let message_id = &after[..end];
    let body = after.get(end + 1..).unwrap_or("").trim_start();
    let mut words = body.split_ascii_whitespace();
    let disposition = words.next().filter(|word| !word.contains('='));
    let (kind, category, action) = classify(message_id, disposition, Some(body));
    let mut event = Event::new(Vendor::Watchguard, kind, category, action);
    if disposition.is_some() {
        // Allow|Deny, in-interface, out-interface, [length], protocol, [header length, ttl], src, dst, sport, dport
        let positional: Vec<&str> = words.take(12).collect();
        let addresses: Vec<usize> =
            positional.iter().enumerate().filter(|(_, word)| ip(word).is_some()).map(|(index, _)| index).collect();
        if let [source, destination, ..] = addresses[..] {
            event.src_ip = ip(positional[source]);
            event.dst_ip = ip(positional[destination]);
            event.src_port = positional.get(destination + 1).and_then(|word| port(word));
            event.dst_port = positional.get(destination + 2).and_then(|word| port(word));
        }
    }
    event.signature =
        ["signature_name", "virus", "cats", "category"].iter().find_map(|key| kv::find(body, b' ', key)).and_then(text);
    event.url = kv::find(body, b' ', "dstname").or_else(|| kv::find(body, b' ', "host")).and_then(text);
    event.user = kv::find(body, b' ', "user").and_then(text);
    Ok(event)
}

/// Classification by msg_id area and disposition.
pub(crate) fn classify(message_id: &str, disposition: Option<&str>, message: Option<&str>) -> Class {
    let area: String = message_id.chars().filter(|c| *c != '-').take(4).collect::<String>().to_ascii_uppercase();
    let blocked = disposition.is_some_and(is_block_word);
    let message = message.unwrap_or("");
    let threat = |category| (Kind::Threat, category, if blocked { Action::Blocked } else { Action::Detected });
    match area.as_str() {
        "3000" => (Kind::Traffic, Category::Other, if blocked { Action::Blocked } else { Action::Allowed }),
        "0F01" => threat(Category::Intrusion),
        "2DFF" => threat(Category::Botnet),
        "1500" | "1501" => threat(Category::Malware),
        _ if contains_ignore_case(message, "virus") => threat(Category::Malware),
        _ if contains_ignore_case(message, "botnet") => threat(Category::Botnet),
        _ if contains_ignore_case(message, "ips") && contains_ignore_case(message, "signature") => {
            threat(Category::Intrusion)
        }
        "1AFF" | "2CFF" | "2DFE" => {
            if blocked {
                (Kind::Threat, Category::Web, Action::Blocked)
            } else {
                (Kind::Traffic, Category::Web, Action::Allowed)
            }
        }
        _ if disposition.is_some() => {
            (Kind::Traffic, Category::Other, if blocked { Action::Blocked } else { Action::Allowed })
        }
        _ => (Kind::Event, Category::Other, Action::Allowed),
    }
}

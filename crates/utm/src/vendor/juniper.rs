//! Juniper SRX (Junos) security logs: `RT_FLOW` session create/close/deny, `RT_SCREEN`,
//! `RT_IDP`, `RT_UTM`, `RT_AAMW`/`RT_SECINTEL`, both as standard text and as structured syslog
//! (`TAG [junos@2636.… key="value" …]`).
//!
//! Session logs are traffic (DENY is blocked). Screen and IDP logs are threats; IDP `action`
//! NONE/RECOMMENDED means detected only, and screen `alarm-without-drop` likewise.

use memchr::memmem;

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::KvIter;
use crate::vendor::{Class, first, ip, is_any, port, text};

const TAGS: [&str; 7] = ["RT_FLOW", "RT_SCREEN", "RT_IDP", "RT_UTM", "RT_AAMW", "RT_SECINTEL", "APPTRACK_"];

pub(crate) fn looks_like(text: &str) -> bool {
    // Bytes, not `str`: byte 200 may fall inside a multi-byte character.
    let head = &text.as_bytes()[..text.len().min(200)];
    memmem::find(head, b"[junos@").is_some() || TAGS.iter().any(|tag| memmem::find(head, tag.as_bytes()).is_some())
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let tag_start = TAGS.iter().filter_map(|tag| line.find(tag)).min();
    let Some(tag_start) = tag_start else {
        return Err(Unparsed::new(Some(Vendor::Juniper), UnparsedReason::MissingField("event tag")));
    };
    let after = &line[tag_start..];
    let tag_end = after.find([':', ' ', '[']).unwrap_or(after.len());
    let mut tag = &after[..tag_end];
    let mut body = after[tag_end..].trim_start_matches(':').trim();
    // `RT_UTM: WEBFILTER_URL_BLOCKED: …` and `RT_FLOW: RT_FLOW_SESSION_CREATE: …`: the second
    // word is the precise event name.
    let word_end = body.find([':', ' ', '[']).unwrap_or(body.len());
    let word = &body[..word_end];
    if word.len() > 3 && word.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        tag = word;
        body = body[word_end..].trim_start_matches(':').trim();
    }
    let mut source = None;
    let mut destination = None;
    let mut source_port = None;
    let mut destination_port = None;
    let mut attack = None;
    let mut action_word = None;
    let mut user = None;
    let mut url = None;
    let mut severity = None;
    if let Some(open) = body.find('[') {
        let inner = body[open + 1..].trim_end_matches(']');
        for (key, value) in KvIter::new(inner, b' ') {
            let slot = match key {
                "source-address" => &mut source,
                "destination-address" => &mut destination,
                "source-port" => &mut source_port,
                "destination-port" => &mut destination_port,
                "attack-name" | "threat-name" | "category" => &mut attack,
                "action" => &mut action_word,
                "username" | "user-name" => &mut user,
                "url" | "obj" => &mut url,
                "threat-severity" | "severity" => &mut severity,
                _ => continue,
            };
            first(slot, value);
        }
    } else if let Some(arrow) = body.find("->") {
        // `session created 1.2.3.4/46087->5.6.7.8/25 …`
        let left = body[..arrow].rsplit(' ').next().unwrap_or("");
        let right = body[arrow + 2..].split(' ').next().unwrap_or("");
        if let Some((address, number)) = left.split_once('/') {
            source = Some(address);
            source_port = Some(number);
        }
        if let Some((address, number)) = right.split_once('/') {
            destination = Some(address);
            destination_port = Some(number);
        }
    }
    let (kind, category, action) = classify(tag, action_word);
    let mut event = Event::new(Vendor::Juniper, kind, category, action);
    event.src_ip = source.and_then(ip);
    event.dst_ip = destination.and_then(ip);
    event.src_port = source_port.and_then(port);
    event.dst_port = destination_port.and_then(port);
    event.user = user.and_then(text);
    event.url = url.and_then(text);
    event.vendor_severity = severity.and_then(text);
    event.severity = severity.and_then(Severity::from_word);
    if kind == Kind::Threat {
        event.signature = attack.and_then(text).or_else(|| text(tag));
    }
    Ok(event)
}

fn classify(tag: &str, action: Option<&str>) -> Class {
    let detected_only =
        action.is_some_and(|word| is_any(word, &["NONE", "RECOMMENDED", "alarm-without-drop", "alarm"]));
    let threat_action = if detected_only { Action::Detected } else { Action::Blocked };
    if tag.starts_with("RT_FLOW") || tag.starts_with("APPTRACK") {
        let blocked = tag.contains("DENY");
        return (Kind::Traffic, Category::Other, if blocked { Action::Blocked } else { Action::Allowed });
    }
    if tag.starts_with("RT_SCREEN") {
        return (Kind::Threat, Category::Anomaly, threat_action);
    }
    if tag.starts_with("RT_IDP") {
        return (Kind::Threat, Category::Intrusion, threat_action);
    }
    if tag.starts_with("RT_SECINTEL") || tag.starts_with("RT_AAMW") {
        let category = if tag.starts_with("RT_AAMW") { Category::Malware } else { Category::Botnet };
        return (Kind::Threat, category, threat_action);
    }
    // RT_UTM: WEBFILTER_URL_BLOCKED, AV_VIRUS_DETECTED_MT, ANTISPAM_SPAM_DETECTED_MT, …
    let category = if tag.contains("AV_") {
        Category::Malware
    } else if tag.contains("SPAM") {
        Category::Spam
    } else if tag.contains("WEBFILTER") {
        Category::Web
    } else {
        Category::DataLeak
    };
    if tag.contains("PERMITTED") {
        return (Kind::Traffic, category, Action::Allowed);
    }
    (
        Kind::Threat,
        category,
        if tag.contains("BLOCKED") || tag.contains("DROP") { Action::Blocked } else { threat_action },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_limit_inside_a_multibyte_character() {
        // Byte 200 is the second byte of 'é' (same defect as the one the `vendor_cisco` fuzz
        // target found).
        assert!(!looks_like(&format!("{}\u{e9}", "x".repeat(199))));
        assert!(looks_like(&format!("RT_FLOW: {}\u{e9}", "x".repeat(190))));
    }
}

//! Juniper SRX (Junos) security logs: `RT_FLOW` session create/close/deny, `RT_SCREEN`,
//! `RT_IDP`, `RT_UTM`, `RT_AAMW`/`RT_SECINTEL`, both as standard text and as structured syslog
//! (`TAG [junos@2636.… key="value" …]`).
//!
//! The event name (`RT_FLOW_SESSION_DENY`, `IDP_ATTACK_LOG_EVENT`, `AV_VIRUS_DETECTED_MT` …) is
//! looked up in [`CATALOGUE`], written from the Junos System Log Explorer. Session logs are
//! traffic (DENY is blocked); screen, IDP, application-DDoS, UTM threat, ATP Cloud and
//! SecIntel logs are threats whose `action` decides blocked or detected (IDP NONE/RECOMMENDED
//! and screen `alarm-without-drop` are detections).

use std::borrow::Cow;

use memchr::memmem;

use crate::catalogue::{Catalogue, Rule, Verdict, entry, family};
use crate::event::{Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::KvIter;
use crate::vendor::{first, ip, is_any, is_block_word, port, text};

use Category::{Anomaly, Botnet, DataLeak, Intrusion, Malware, Other, Spam, Web};
use Kind::{Event as Ev, Threat, Traffic};

/// Junos security event-name catalogue.
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Juniper,
    identifier: "the event name after the `RT_*` process tag (or the structured-syslog MSGID)",
    source: "Juniper, *Junos OS System Log Messages Reference* / *System Log Explorer* (Junos 21.x–23.x): \
             RT_FLOW, RT_SCREEN, RT_IDP (IDP_ATTACK_LOG_EVENT, IDP_APPDDOS_APP_ATTACK_EVENT, \
             IDP_APPDDOS_APP_STATE_EVENT), RT_UTM, RT_AAMW, RT_SECINTEL, APPTRACK.",
    entries: &[
        entry("RT_FLOW_SESSION_CREATE", Traffic, Other, Rule::Allowed, None, "Session created"),
        entry("RT_FLOW_SESSION_CLOSE", Traffic, Other, Rule::Allowed, None, "Session closed"),
        entry("RT_FLOW_SESSION_DENY", Traffic, Other, Rule::Blocked, None, "Session denied by policy"),
        entry("RT_FLOW_SESSION_CREATE_LS", Traffic, Other, Rule::Allowed, None, "Session created (logical system)"),
        entry("RT_FLOW_SESSION_CLOSE_LS", Traffic, Other, Rule::Allowed, None, "Session closed (logical system)"),
        entry("RT_FLOW_SESSION_DENY_LS", Traffic, Other, Rule::Blocked, None, "Session denied (logical system)"),
        entry(
            "RT_SCREEN_TCP",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Screen: TCP attack (SYN flood, port scan, land …)",
        ),
        entry(
            "RT_SCREEN_UDP",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Screen: UDP attack (flood, port scan)",
        ),
        entry(
            "RT_SCREEN_ICMP",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Screen: ICMP attack (flood, sweep, ping of death)",
        ),
        entry(
            "RT_SCREEN_IP",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Screen: IP attack (spoofing, source route, teardrop)",
        ),
        entry(
            "RT_SCREEN_SESSION_LIMIT",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Screen: session limit exceeded",
        ),
        entry(
            "RT_SCREEN_TCP_DST_IP",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Screen: TCP attack on a destination",
        ),
        entry(
            "RT_SCREEN_TCP_SRC_IP",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Screen: TCP attack from a source",
        ),
        entry(
            "IDP_ATTACK_LOG_EVENT",
            Threat,
            Intrusion,
            Rule::Verdict,
            None,
            "IDP attack: action DROP/CLOSE/… blocked, NONE/RECOMMENDED detected",
        ),
        entry("IDP_ATTACK_LOG_EVENT_LS", Threat, Intrusion, Rule::Verdict, None, "IDP attack (logical system)"),
        entry(
            "IDP_APPDDOS_APP_ATTACK_EVENT",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::High),
            "Application-level DDoS attack",
        ),
        entry(
            "IDP_APPDDOS_APP_ATTACK_EVENT_LS",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::High),
            "Application-level DDoS attack (logical system)",
        ),
        entry(
            "IDP_APPDDOS_APP_STATE_EVENT",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Application-level DDoS state change (attack / recovery)",
        ),
        entry(
            "IDP_APPDDOS_APP_STATE_EVENT_LS",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "Application-level DDoS state change (logical system)",
        ),
        entry(
            "AV_VIRUS_DETECTED_MT",
            Threat,
            Malware,
            Rule::Blocked,
            Some(Severity::High),
            "Anti-virus: virus found, content blocked",
        ),
        entry(
            "AV_FILE_NOT_SCANNED_DROPPED_MT",
            Ev,
            Malware,
            Rule::Blocked,
            None,
            "Anti-virus: file not scanned, dropped (fallback)",
        ),
        entry(
            "AV_FILE_NOT_SCANNED_PASSED_MT",
            Ev,
            Malware,
            Rule::Allowed,
            None,
            "Anti-virus: file not scanned, passed (fallback)",
        ),
        entry(
            "ANTISPAM_SPAM_DETECTED_MT",
            Threat,
            Spam,
            Rule::Verdict,
            None,
            "Anti-spam: spam detected (action tag or block)",
        ),
        entry("WEBFILTER_URL_BLOCKED", Threat, Web, Rule::Blocked, None, "Web filtering: URL blocked"),
        entry(
            "WEBFILTER_URL_REDIRECTED",
            Threat,
            Web,
            Rule::Blocked,
            None,
            "Web filtering: URL redirected to a block page",
        ),
        entry("WEBFILTER_URL_PERMITTED", Traffic, Web, Rule::Allowed, None, "Web filtering: URL permitted"),
        entry(
            "CONTENT_FILTERING_BLOCKED_MT",
            Threat,
            DataLeak,
            Rule::Blocked,
            None,
            "Content filtering: file type or command blocked",
        ),
        entry(
            "AAMW_ACTION_LOG",
            Threat,
            Malware,
            Rule::Verdict,
            None,
            "ATP Cloud: action on a file or host (BLOCK/PERMIT)",
        ),
        entry(
            "AAMW_MALWARE_EVENT_LOG",
            Threat,
            Malware,
            Rule::Detected,
            Some(Severity::High),
            "ATP Cloud: malware found",
        ),
        entry(
            "AAMW_HOST_INFECTED_EVENT_LOG",
            Threat,
            Malware,
            Rule::Detected,
            Some(Severity::High),
            "ATP Cloud: infected host",
        ),
        entry(
            "SECINTEL_ACTION_LOG",
            Threat,
            Botnet,
            Rule::Verdict,
            None,
            "Security intelligence (C&C feed): action BLOCK/PERMIT",
        ),
        entry("APPTRACK_SESSION_CREATE", Traffic, Other, Rule::Allowed, None, "AppTrack: session created"),
        entry("APPTRACK_SESSION_CLOSE", Traffic, Other, Rule::Allowed, None, "AppTrack: session closed"),
        entry("APPTRACK_SESSION_VOL_UPDATE", Traffic, Other, Rule::Allowed, None, "AppTrack: volume update"),
    ],
    families: &[
        family("RT_FLOW", Traffic, Other, Rule::Verdict, "flow"),
        family("FLOW_", Traffic, Other, Rule::Verdict, "flow (packet-level)"),
        family("RT_SCREEN", Threat, Anomaly, Rule::Verdict, "screen (attack protection)"),
        family("RT_IDP", Threat, Intrusion, Rule::Verdict, "IDP"),
        family("IDP_APPDDOS", Threat, Anomaly, Rule::Verdict, "application-level DDoS"),
        family("IDP_", Threat, Intrusion, Rule::Verdict, "IDP"),
        family("AV_", Threat, Malware, Rule::Verdict, "anti-virus"),
        family("ANTISPAM_", Threat, Spam, Rule::Verdict, "anti-spam"),
        family("WEBFILTER_", Traffic, Web, Rule::ThreatIfBlocked, "web filtering"),
        family("CONTENT_FILTERING_", Traffic, DataLeak, Rule::ThreatIfBlocked, "content filtering"),
        family("RT_AAMW", Threat, Malware, Rule::Verdict, "ATP Cloud"),
        family("AAMW_", Threat, Malware, Rule::Verdict, "ATP Cloud"),
        family("RT_SECINTEL", Threat, Botnet, Rule::Verdict, "security intelligence"),
        family("SECINTEL_", Threat, Botnet, Rule::Verdict, "security intelligence"),
        family("APPTRACK_", Traffic, Other, Rule::Verdict, "AppTrack"),
    ],
    fallback: (Ev, Other, Rule::Verdict),
    notes: "The verdict is `action`: NONE, RECOMMENDED, IGNORE, alarm-without-drop, PERMIT are not blocks; DROP, CLOSE*, BLOCK, drop … are.",
};

const TAGS: [&str; 7] = ["RT_FLOW", "RT_SCREEN", "RT_IDP", "RT_UTM", "RT_AAMW", "RT_SECINTEL", "APPTRACK_"];

pub(crate) fn looks_like(text: &str) -> bool {
    // Bytes, not `str`: byte 200 may fall inside a multi-byte character.
    let head = &text.as_bytes()[..text.len().min(200)];
    memmem::find(head, b"[junos@").is_some() || TAGS.iter().any(|tag| memmem::find(head, tag.as_bytes()).is_some())
}

/// Event names that may start a structured-syslog payload without an `RT_` tag before them.
const NAMES: [&str; 7] = ["IDP_", "AV_", "ANTISPAM_", "WEBFILTER_", "CONTENT_FILTERING_", "AAMW_", "SECINTEL_"];

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let tag_start = TAGS.iter().chain(NAMES.iter()).filter_map(|tag| line.find(tag)).min();
    let Some(tag_start) = tag_start else {
        return Err(Unparsed::new(Some(Vendor::Juniper), UnparsedReason::MissingField("event tag")));
    };
    let after = &line[tag_start..];
    let tag_end = after.find([':', ' ', '[']).unwrap_or(after.len());
    let mut tag = &after[..tag_end];
    // `RT_FLOW: RT_FLOW_SESSION_CREATE: …`, or `RT_FLOW - RT_FLOW_SESSION_DENY [junos@…]` when a
    // relay kept the RFC 5424 PROCID/MSGID separators.
    let mut body = after[tag_end..].trim_start_matches([':', ' ', '-']).trim();
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
    let mut protocol = None;
    let mut policy = None;
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
                "protocol-id" | "protocol-name" => &mut protocol,
                "policy-name" => &mut policy,
                _ => continue,
            };
            first(slot, value);
        }
    } else if let Some(arrow) = body.find("->") {
        // `session created 1.2.3.4/46087->5.6.7.8/25 …`, IDP `<1.2.3.4/46087->5.6.7.8/80>`
        let left = body[..arrow].rsplit(' ').next().unwrap_or("").trim_start_matches('<');
        let right = body[arrow + 2..].split(' ').next().unwrap_or("").trim_end_matches(['>', ',']);
        if let Some((address, number)) = left.split_once('/') {
            source = Some(address);
            source_port = Some(number);
        }
        if let Some((address, number)) = right.split_once('/') {
            destination = Some(address);
            destination_port = Some(number);
        }
    }
    if action_word.is_none() {
        // Standard text: `…, action: drop` (screen) or `… action=DROP, …` (IDP).
        action_word = labelled(body, "action:").or_else(|| labelled(body, "action="));
    }
    if source.is_none() {
        source = labelled(body, "source:");
        destination = labelled(body, "destination:");
    }
    let classified = CATALOGUE.classify(&[tag], verdict(action_word));
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Juniper, kind, category, action);
    if !classified.is_known() {
        event.unknown_identifier = Some(Cow::Borrowed(tag));
    }
    event.src_ip = source.and_then(ip);
    event.dst_ip = destination.and_then(ip);
    event.src_port = source_port.and_then(port);
    event.dst_port = destination_port.and_then(port);
    event.user = user.and_then(text);
    event.url = url.and_then(text);
    event.transport = protocol.and_then(crate::vendor::transport);
    event.policy_name = policy.and_then(text);
    event.vendor_severity = severity.and_then(text);
    event.severity = severity.and_then(Severity::from_word).or(classified.severity);
    if kind == Kind::Threat {
        event.signature = attack.and_then(text).or_else(|| text(tag));
    }
    Ok(event)
}

/// Junos action words: IDP NONE/RECOMMENDED/IGNORE and screen `alarm-without-drop` are
/// detections; DROP, CLOSE, CLOSE_CLIENT/SERVER, BLOCK, `drop` … are blocks.
fn verdict(action: Option<&str>) -> Verdict {
    match action.map(str::trim) {
        None | Some("") => Verdict::Unknown,
        Some(word)
            if is_any(word, &["NONE", "RECOMMENDED", "IGNORE", "alarm-without-drop", "alarm", "PERMIT", "permit"]) =>
        {
            Verdict::Passed
        }
        Some(word) => Verdict::from_block(
            is_block_word(word)
                || word.starts_with("CLOSE")
                || is_any(word, &["BLOCK", "DROP-PACKET", "DROP-CONNECTION"]),
        ),
    }
}

/// The value after `label` in standard text, up to a comma or space.
fn labelled<'a>(body: &'a str, label: &str) -> Option<&'a str> {
    let start = body.find(label)? + label.len();
    let rest = body[start..].trim_start();
    let end = rest.find([',', ' ']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|value| !value.is_empty())
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

//! Sophos Firewall (SFOS, formerly XG; ≤ v19 and v19.5+ field names) and Sophos UTM 9.
//!
//! SFOS lines are classified by `log_type/log_component/log_subtype` through [`CATALOGUE`],
//! written from the Sophos Firewall syslog guide; the verdict comes from the subtype
//! (Denied/Drop), `status` (Deny) and, for Anti-Spam, `spamaction` (DROP/REJECT/TMPREJECT).
//! UTM 9 lines carry `sys`/`sub`/`name`/`action`.
//! SFOS ≤ v19 `timezone` is an ambiguous abbreviation (IST, BST…), so it is not trusted:
//! only numeric zones and `JST` are used, else Tokyo is assumed.

use std::borrow::Cow;

use crate::catalogue::{Catalogue, Classified, Provenance, Rule, Verdict, entry, family};
use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::KvIter;
use crate::time;
use crate::vendor::{
    Class, contains_ignore_case, first, ip, is_any, is_block_word, port, text, threat_action, traffic_action,
};

use Category::{Anomaly, Application, Botnet, DataLeak, Intrusion, Malware, Other, Spam, Web};
use Kind::{Event as Ev, Threat, Traffic};

/// Sophos Firewall (SFOS) `log_type/log_component/log_subtype` catalogue. The first matching row
/// wins, so specific rows come before `*` rows.
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Sophos,
    identifier: "`log_type/log_component/log_subtype` (SFOS)",
    source: "Sophos, *Sophos Firewall syslog guide* (\"Syslog descriptions\", v19.0 and v21.5): log types \
             and their components/subtypes, `status` codes, Anti-Spam `spamaction`.",
    entries: &[
        entry(
            "Firewall/DoS Attack/*",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "DoS protection (flood) dropped or logged traffic",
        ),
        entry("Firewall/ICMP redirection/*", Threat, Anomaly, Rule::Verdict, None, "ICMP redirect packets"),
        entry("Firewall/Source Routed/*", Threat, Anomaly, Rule::Verdict, None, "Source-routed packets"),
        entry("Firewall/IP Spoof/*", Threat, Anomaly, Rule::Verdict, None, "Spoof prevention"),
        entry("Firewall/Firewall Rule/*", Traffic, Other, Rule::Verdict, None, "Firewall rule: Allowed/Denied"),
        entry(
            "Firewall/Invalid Traffic/*",
            Traffic,
            Other,
            Rule::Verdict,
            None,
            "Invalid traffic (state, checksum) dropped",
        ),
        entry("Firewall/Fragmented Traffic/*", Traffic, Other, Rule::Verdict, None, "Fragmented traffic"),
        entry(
            "Firewall/Appliance Access/*",
            Traffic,
            Other,
            Rule::Verdict,
            None,
            "Access to the firewall's own services",
        ),
        entry("Firewall/Local ACL/*", Traffic, Other, Rule::Verdict, None, "Local service ACL"),
        entry("Firewall/MAC Filter/*", Traffic, Other, Rule::Verdict, None, "MAC filter"),
        entry("Firewall/IP-MAC Filter/*", Traffic, Other, Rule::Verdict, None, "IP-MAC pair filter"),
        entry("Firewall/Heartbeat/*", Ev, Other, Rule::Verdict, None, "Synchronized Security heartbeat"),
        entry("IDP/Signatures/*", Threat, Intrusion, Rule::Verdict, None, "IPS signature: Detect or Drop"),
        entry("IDP/Anomaly/*", Threat, Intrusion, Rule::Verdict, None, "IPS protocol anomaly: Detect or Drop"),
        entry(
            "Anti-Virus/*/Virus",
            Threat,
            Malware,
            Rule::Blocked,
            Some(Severity::High),
            "Virus found by the HTTP(S)/FTP/mail scanner; the file is blocked",
        ),
        entry("Anti-Spam/*/Spam", Threat, Spam, Rule::Verdict, None, "Inbound spam (action in spamaction)"),
        entry("Anti-Spam/*/Probable Spam", Threat, Spam, Rule::Verdict, None, "Inbound probable spam"),
        entry("Anti-Spam/*/Outbound Spam", Threat, Spam, Rule::Verdict, None, "Outbound spam from an internal sender"),
        entry("Anti-Spam/*/Outbound Probable Spam", Threat, Spam, Rule::Verdict, None, "Outbound probable spam"),
        entry("Anti-Spam/*/Virus", Threat, Malware, Rule::Verdict, Some(Severity::High), "Virus in mail"),
        entry(
            "Anti-Spam/*/Outbound Virus",
            Threat,
            Malware,
            Rule::Verdict,
            Some(Severity::High),
            "Virus in outbound mail",
        ),
        entry("Anti-Spam/*/DLP", Threat, DataLeak, Rule::Verdict, None, "Data protection (DLP) policy matched in mail"),
        entry(
            "Anti-Spam/*/Denied",
            Threat,
            Spam,
            Rule::Blocked,
            None,
            "Mail rejected (RBL, sender reputation, policy)",
        ),
        entry("Anti-Spam/*/Clean", Traffic, Spam, Rule::Allowed, None, "Clean mail delivered"),
        entry(
            "Content Filtering/Application/*",
            Traffic,
            Application,
            Rule::ThreatIfBlocked,
            None,
            "Application filter",
        ),
        entry(
            "Content Filtering/SSL/*",
            Traffic,
            Web,
            Rule::Verdict,
            None,
            "TLS inspection decision (decrypt / do not decrypt)",
        ),
        entry("Content Filtering/*/*", Traffic, Web, Rule::ThreatIfBlocked, None, "Web filter: Allowed/Denied/Warned"),
        entry("Application Filter/*/*", Traffic, Application, Rule::ThreatIfBlocked, None, "Application filter"),
        entry(
            "Application Control/*/*",
            Traffic,
            Application,
            Rule::ThreatIfBlocked,
            None,
            "Application control (older name)",
        ),
        entry(
            "ATP/*/Alert",
            Threat,
            Botnet,
            Rule::Detected,
            Some(Severity::High),
            "Advanced Threat Protection: C&C or malicious host, logged",
        ),
        entry(
            "ATP/*/Drop",
            Threat,
            Botnet,
            Rule::Blocked,
            Some(Severity::High),
            "Advanced Threat Protection: C&C or malicious host, dropped",
        ),
        entry("Sandstorm/*/*", Threat, Malware, Rule::Verdict, None, "Sandstorm (sandbox) verdict"),
        entry("Zero Day Protection/*/*", Threat, Malware, Rule::Verdict, None, "Zero-day protection (sandbox) verdict"),
        entry("WAF/*/*", Traffic, Intrusion, Rule::ThreatIfBlocked, None, "Web server protection (WAF)"),
        entry("Event/*/*", Ev, Other, Rule::Verdict, None, "System and administration events"),
        entry("System Health/*/*", Ev, Other, Rule::Allowed, None, "System health"),
        entry("SD-WAN/*/*", Ev, Other, Rule::Allowed, None, "SD-WAN (SLA, routes)"),
        entry("Wireless Protection/*/*", Ev, Other, Rule::Verdict, None, "Wireless"),
        entry("Heartbeat/*/*", Ev, Other, Rule::Verdict, None, "Security Heartbeat"),
    ],
    families: &[
        family("Firewall", Traffic, Other, Rule::Verdict, "firewall"),
        family("IDP", Threat, Intrusion, Rule::Verdict, "IPS"),
        family("Anti-Virus", Threat, Malware, Rule::Verdict, "anti-virus"),
        family("Anti-Spam", Threat, Spam, Rule::Verdict, "anti-spam"),
        family("ATP", Threat, Botnet, Rule::Verdict, "Advanced Threat Protection"),
    ],
    fallback: (Ev, Other, Rule::Verdict),
    notes: "The verdict is the subtype (Denied, Drop), `status=Deny` or `spamaction` DROP/REJECT/TMPREJECT/QUARANTINE. A row missing from the table whose subtype or component names a virus, malware, spam, attack, flood or spoof is a threat. Sophos UTM 9 lines (`sub=`) keep their own rules (packetfilter traffic, ips threats, http/smtp/pop3 by `reason`).",
};

#[derive(Default)]
struct Fields<'a> {
    device: Option<&'a str>,
    date: Option<&'a str>,
    time: Option<&'a str>,
    timezone: Option<&'a str>,
    timestamp: Option<&'a str>,
    log_type: Option<&'a str>,
    log_component: Option<&'a str>,
    log_subtype: Option<&'a str>,
    status: Option<&'a str>,
    severity: Option<&'a str>,
    src_ip: Option<&'a str>,
    dst_ip: Option<&'a str>,
    src_port: Option<&'a str>,
    dst_port: Option<&'a str>,
    signature: Option<&'a str>,
    url: Option<&'a str>,
    user: Option<&'a str>,
    spam_action: Option<&'a str>,
    protocol: Option<&'a str>,
    rule_id: Option<&'a str>,
    rule_name: Option<&'a str>,
    // UTM 9
    sub: Option<&'a str>,
    name: Option<&'a str>,
    action: Option<&'a str>,
    reason: Option<&'a str>,
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let mut fields = Fields::default();
    for (key, value) in KvIter::new(line, b' ') {
        let slot = match key {
            "device_id" | "device_serial_id" => &mut fields.device,
            "date" => &mut fields.date,
            "time" => &mut fields.time,
            "timezone" => &mut fields.timezone,
            "timestamp" => &mut fields.timestamp,
            "log_type" => &mut fields.log_type,
            "log_component" => &mut fields.log_component,
            "log_subtype" => &mut fields.log_subtype,
            "status" => &mut fields.status,
            "priority" | "severity" => &mut fields.severity,
            "src_ip" | "srcip" | "sourceip" => &mut fields.src_ip,
            "dst_ip" | "dstip" | "destinationip" => &mut fields.dst_ip,
            "src_port" | "srcport" => &mut fields.src_port,
            "dst_port" | "dstport" | "port" => &mut fields.dst_port,
            "signature_msg" | "virus" | "malware" | "threatname" | "app_name" | "application" => &mut fields.signature,
            "url" | "domain" | "host" => &mut fields.url,
            "user_name" | "user" => &mut fields.user,
            "spamaction" => &mut fields.spam_action,
            "protocol" | "proto" => &mut fields.protocol,
            "fw_rule_id" | "fwrule" => &mut fields.rule_id,
            "fw_rule_name" | "policy_name" => &mut fields.rule_name,
            "sub" => &mut fields.sub,
            "name" => &mut fields.name,
            "action" => &mut fields.action,
            "reason" => &mut fields.reason,
            _ => continue,
        };
        first(slot, value);
    }
    let mut unknown = None;
    let mut catalogue_severity = None;
    let (kind, category, action) = if fields.log_type.is_some() {
        let classified = classify_sfos(&fields);
        if !classified.is_known() {
            unknown = Some(Cow::Owned(identifier(&fields)));
        }
        catalogue_severity = classified.severity;
        classified.class()
    } else if fields.sub.is_some() || fields.name.is_some() {
        classify_utm9(&fields)
    } else if fields.src_ip.is_some() {
        // UTM 9 reverse-proxy (WAF) access log: `id="0299" srcip=… url=… statuscode=…`.
        (Kind::Traffic, Category::Web, Action::Allowed)
    } else {
        return Err(Unparsed::new(Some(Vendor::Sophos), UnparsedReason::MissingField("log_type")));
    };
    let mut event = Event::new(Vendor::Sophos, kind, category, action);
    event.unknown_identifier = unknown;
    event.device = fields.device.and_then(text);
    event.device_is_serial = event.device.is_some();
    event.transport = fields.protocol.and_then(crate::vendor::transport);
    event.policy_id = fields.rule_id.and_then(text);
    event.policy_name = fields.rule_name.and_then(text);
    event.src_ip = fields.src_ip.and_then(ip);
    event.dst_ip = fields.dst_ip.and_then(ip);
    event.src_port = fields.src_port.and_then(port);
    event.dst_port = fields.dst_port.and_then(port);
    event.user = fields.user.and_then(text);
    event.url = fields.url.and_then(text);
    event.vendor_severity = fields.severity.and_then(text);
    event.severity = fields.severity.and_then(Severity::from_word).or(catalogue_severity);
    if kind == Kind::Threat {
        event.signature = fields.signature.or(fields.name).and_then(text);
    }
    let stamp = match (fields.timestamp.and_then(time::parse_iso), fields.date, fields.time) {
        (Some(stamp), _, _) => Some(stamp),
        (None, Some(date), Some(clock)) => {
            let offset = fields.timezone.and_then(|zone| {
                if zone == "JST" { Some(time::DEFAULT_OFFSET_SECONDS) } else { time::parse_offset(zone) }
            });
            time::parse_date(date)
                .zip(time::parse_clock(clock))
                .and_then(|(date, clock)| time::local_to_stamp(date.and_time(clock), offset))
        }
        _ => None,
    };
    if let Some(stamp) = stamp {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    Ok(event)
}

fn classify_sfos(fields: &Fields<'_>) -> Classified {
    let log_type = fields.log_type.unwrap_or("");
    let component = fields.log_component.unwrap_or("");
    let subtype = fields.log_subtype.unwrap_or("");
    let spam_action = fields.spam_action.unwrap_or("");
    let blocked = is_any(subtype, &["Denied", "Drop", "Dropped", "Block", "Blocked"])
        || fields.status.is_some_and(|status| status.eq_ignore_ascii_case("Deny"))
        || is_any(spam_action, &["DROP", "REJECT", "TMPREJECT", "QUARANTINE"]);
    let classified = CATALOGUE.classify(&[log_type, component, subtype], Verdict::from_block(blocked));
    if classified.provenance == Provenance::Known || classified.kind == Kind::Threat {
        return classified;
    }
    // Not in the table: a subtype or component naming a threat is a threat.
    let names = |needle: &str| contains_ignore_case(subtype, needle) || contains_ignore_case(component, needle);
    let category = if names("virus") || names("malware") {
        Malware
    } else if names("spam") {
        Spam
    } else if names("attack") || names("flood") || names("spoof") {
        Anomaly
    } else {
        return classified;
    };
    let (kind, category, action) =
        crate::catalogue::resolve(Kind::Threat, category, Rule::Verdict, Verdict::from_block(blocked));
    Classified { kind, category, action, ..classified }
}

/// The identifier as the table writes it, for the unknown-identifier count (allocates only for
/// identifiers that are not in the table).
fn identifier(fields: &Fields<'_>) -> String {
    format!(
        "{}/{}/{}",
        fields.log_type.unwrap_or(""),
        fields.log_component.unwrap_or(""),
        fields.log_subtype.unwrap_or("")
    )
}

fn classify_utm9(fields: &Fields<'_>) -> Class {
    let sub = fields.sub.unwrap_or("");
    let action = fields.action;
    match sub {
        "packetfilter" => (Kind::Traffic, Category::Other, traffic_action(action)),
        "ips" => {
            let category = if fields.name.is_some_and(|name| name.contains("ATP")) {
                Category::Botnet
            } else {
                Category::Intrusion
            };
            (Kind::Threat, category, threat_action(action))
        }
        "http" | "smtp" | "pop3" => {
            let reason = fields.reason.unwrap_or("");
            let category = if reason.eq_ignore_ascii_case("virus") {
                Category::Malware
            } else if sub == "http" {
                Category::Web
            } else {
                Category::Spam
            };
            if action.is_some_and(is_block_word) {
                (Kind::Threat, category, Action::Blocked)
            } else if category == Category::Malware {
                (Kind::Threat, category, Action::Detected)
            } else {
                (Kind::Traffic, category, Action::Allowed)
            }
        }
        _ => (Kind::Event, Category::Other, Action::Allowed),
    }
}

//! Sophos Firewall (SFOS, formerly XG; ≤ v19 and v19.5+ field names) and Sophos UTM 9.
//!
//! SFOS `log_type`/`log_subtype` follow the Sophos Firewall syslog guide: IDP Detect/Drop, ATP
//! Alert/Drop, Anti-Virus, Anti-Spam (`spamaction`), Content Filtering Allowed/Denied,
//! Application Filter, Firewall Allowed/Denied. UTM 9 lines carry `sys`/`sub`/`name`/`action`.
//! SFOS ≤ v19 `timezone` is an ambiguous abbreviation (IST, BST…), so it is not trusted:
//! only numeric zones and `JST` are used, else Tokyo is assumed.

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::KvIter;
use crate::time;
use crate::vendor::{Class, first, ip, is_any, is_block_word, port, text, threat_action, traffic_action};

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
            "sub" => &mut fields.sub,
            "name" => &mut fields.name,
            "action" => &mut fields.action,
            "reason" => &mut fields.reason,
            _ => continue,
        };
        first(slot, value);
    }
    let (kind, category, action) = if fields.log_type.is_some() {
        classify_sfos(&fields)
    } else if fields.sub.is_some() || fields.name.is_some() {
        classify_utm9(&fields)
    } else if fields.src_ip.is_some() {
        // UTM 9 reverse-proxy (WAF) access log: `id="0299" srcip=… url=… statuscode=…`.
        (Kind::Traffic, Category::Web, Action::Allowed)
    } else {
        return Err(Unparsed::new(Some(Vendor::Sophos), UnparsedReason::MissingField("log_type")));
    };
    let mut event = Event::new(Vendor::Sophos, kind, category, action);
    event.device = fields.device.and_then(text);
    event.src_ip = fields.src_ip.and_then(ip);
    event.dst_ip = fields.dst_ip.and_then(ip);
    event.src_port = fields.src_port.and_then(port);
    event.dst_port = fields.dst_port.and_then(port);
    event.user = fields.user.and_then(text);
    event.url = fields.url.and_then(text);
    event.vendor_severity = fields.severity.and_then(text);
    event.severity = fields.severity.and_then(Severity::from_word);
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

fn classify_sfos(fields: &Fields<'_>) -> Class {
    let log_type = fields.log_type.unwrap_or("");
    let subtype = fields.log_subtype.unwrap_or("");
    let denied = is_any(subtype, &["Denied", "Drop", "Block", "Blocked"])
        || fields.status.is_some_and(|status| status.eq_ignore_ascii_case("Deny"));
    let category = match log_type {
        "IDP" => Category::Intrusion,
        "Anti-Virus" | "Sandstorm" | "Zero Day Protection" => Category::Malware,
        "ATP" => Category::Botnet,
        "Anti-Spam" => Category::Spam,
        "Content Filtering" => Category::Web,
        "Application Filter" | "Application Control" => Category::Application,
        "WAF" => Category::Intrusion,
        "Firewall" => {
            let action = if denied { Action::Blocked } else { Action::Allowed };
            return (Kind::Traffic, Category::Other, action);
        }
        _ => return (Kind::Event, Category::Other, Action::Allowed),
    };
    match category {
        Category::Spam => {
            let spam_action = fields.spam_action.unwrap_or("");
            if is_any(subtype, &["Clean"]) || is_any(spam_action, &["Accept", "DELIVERED"]) && !subtype.contains("Spam")
            {
                (Kind::Traffic, category, Action::Allowed)
            } else if is_any(spam_action, &["DROP", "REJECT", "TMPREJECT"]) || denied {
                (Kind::Threat, category, Action::Blocked)
            } else {
                (Kind::Threat, category, Action::Detected)
            }
        }
        Category::Web | Category::Application | Category::Intrusion if log_type != "IDP" => {
            if denied {
                (Kind::Threat, category, Action::Blocked)
            } else {
                (Kind::Traffic, category, Action::Allowed)
            }
        }
        // Anti-Virus logs are written when a virus was found; the proxy blocks it unless the
        // subtype says otherwise.
        Category::Malware if !is_any(subtype, &["Allowed", "Alert", "Detect"]) => {
            (Kind::Threat, category, Action::Blocked)
        }
        _ => (Kind::Threat, category, if denied { Action::Blocked } else { Action::Detected }),
    }
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

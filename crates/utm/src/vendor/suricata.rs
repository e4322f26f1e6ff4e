//! Suricata EVE JSON (one object per line). Only `alert` and `drop` records are threats;
//! `anomaly` is a protocol-decoder event, and flow/dns/http/tls/… are traffic.
//!
//! `alert.action` is `allowed` (IDS) or `blocked` (IPS inline) per the EVE format docs;
//! `alert.severity` 1 is high, 2 medium, 3 and above low. The category is derived from the
//! rule classification (`alert.category`) and, for C&C rules, the signature text.

use std::borrow::Cow;

use serde::Deserialize;

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::time;
use crate::vendor::{contains_ignore_case, ip};

#[derive(Deserialize)]
struct Eve<'a> {
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    src_ip: Option<Cow<'a, str>>,
    src_port: Option<u16>,
    #[serde(borrow)]
    dest_ip: Option<Cow<'a, str>>,
    dest_port: Option<u16>,
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow)]
    alert: Option<Alert<'a>>,
    #[serde(borrow)]
    http: Option<Http<'a>>,
    #[serde(borrow)]
    dns: Option<Dns<'a>>,
    #[serde(borrow)]
    tls: Option<Tls<'a>>,
}

#[derive(Deserialize)]
struct Alert<'a> {
    #[serde(borrow)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow)]
    signature: Option<Cow<'a, str>>,
    #[serde(borrow)]
    category: Option<Cow<'a, str>>,
    severity: Option<u8>,
}

#[derive(Deserialize)]
struct Http<'a> {
    #[serde(borrow)]
    hostname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Dns<'a> {
    #[serde(borrow)]
    rrname: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Tls<'a> {
    #[serde(borrow)]
    sni: Option<Cow<'a, str>>,
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let eve: Eve<'_> = serde_json::from_str(line.trim())
        .map_err(|_| Unparsed::new(Some(Vendor::Suricata), UnparsedReason::Malformed("invalid EVE JSON")))?;
    let event_type = eve
        .event_type
        .as_deref()
        .or(eve.alert.as_ref().map(|_| "alert"))
        .ok_or(Unparsed::new(Some(Vendor::Suricata), UnparsedReason::MissingField("event_type")))?;
    let (kind, category, action) = match event_type {
        "alert" => {
            let alert = eve.alert.as_ref();
            let blocked = alert.and_then(|alert| alert.action.as_deref()).is_some_and(|word| word == "blocked");
            let category = alert_category(
                alert.and_then(|alert| alert.category.as_deref()).unwrap_or(""),
                alert.and_then(|alert| alert.signature.as_deref()).unwrap_or(""),
            );
            (Kind::Threat, category, if blocked { Action::Blocked } else { Action::Detected })
        }
        "drop" => (Kind::Threat, Category::Intrusion, Action::Blocked),
        "anomaly" => (Kind::Event, Category::Anomaly, Action::Allowed),
        "dns" => (Kind::Traffic, Category::Dns, Action::Allowed),
        "http" | "tls" => (Kind::Traffic, Category::Web, Action::Allowed),
        "stats" => (Kind::Event, Category::Other, Action::Allowed),
        _ => (Kind::Traffic, Category::Other, Action::Allowed),
    };
    let mut event = Event::new(Vendor::Suricata, kind, category, action);
    event.src_ip = eve.src_ip.as_deref().and_then(ip);
    event.dst_ip = eve.dest_ip.as_deref().and_then(ip);
    event.src_port = eve.src_port;
    event.dst_port = eve.dest_port;
    event.device = eve.host;
    if let Some(stamp) = eve.timestamp.as_deref().and_then(time::parse_iso) {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    if let Some(alert) = eve.alert {
        event.signature = alert.signature;
        event.severity = alert.severity.map(|level| match level {
            1 => Severity::High,
            2 => Severity::Medium,
            _ => Severity::Low,
        });
        event.vendor_severity = alert.severity.map(|level| Cow::Owned(level.to_string()));
    }
    event.url = match (eve.http, eve.dns, eve.tls) {
        (Some(http), _, _) => http.hostname.or(http.url),
        (_, Some(dns), _) => dns.rrname,
        (_, _, Some(tls)) => tls.sni,
        _ => None,
    };
    Ok(event)
}

fn alert_category(classification: &str, signature: &str) -> Category {
    let has = |needle: &str| contains_ignore_case(classification, needle) || contains_ignore_case(signature, needle);
    if has("CnC") || has("C2 ") || has("botnet") || has("command and control") {
        Category::Botnet
    } else if has("trojan") || has("malware") || has("virus") {
        Category::Malware
    } else if has("web application") || has("phishing") {
        Category::Web
    } else if has("policy violation") && has("dns") {
        Category::Dns
    } else {
        Category::Intrusion
    }
}

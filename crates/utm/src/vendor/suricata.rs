//! Suricata EVE JSON (one object per line). Only `alert` and `drop` records are threats;
//! `anomaly` is a protocol-decoder event, and flow/dns/http/tls/… are traffic.
//!
//! `alert.action` is `allowed` (IDS) or `blocked` (IPS inline) per the EVE format docs;
//! `alert.severity` 1 is high, 2 medium, 3 and above low. The category is derived from the
//! rule classification (`alert.category`) and, for C&C rules, the signature text.

use std::borrow::Cow;

use serde::Deserialize;

use crate::catalogue::{Catalogue, Classified, Rule, Verdict, entry, family};
use crate::event::{Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::time;
use crate::vendor::{contains_ignore_case, ip};

use Category::{Anomaly, Application, Botnet, Intrusion, Malware, Other, Web};
use Kind::{Event as Ev, Threat, Traffic};

/// Suricata `event_type` and, for alerts, the rule classification (`alert.category`, the
/// description column of `classification.config`; Snort writes the same text after
/// `[Classification: …]`).
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Suricata,
    identifier: "`event_type`; for alerts `alert/<alert.category>` (the classification description)",
    source: "OISF, *Suricata 7 User Guide*, \"Eve JSON Format\" (event types, `alert.action` allowed/blocked) and \
             the `classification.config` shipped with Suricata 7 and the ET Open rules (classtype descriptions, \
             also used by Snort 2.9 `[Classification: …]`).",
    entries: &[
        entry(
            "alert/A Network Trojan was detected",
            Threat,
            Malware,
            Rule::Verdict,
            Some(Severity::High),
            "trojan-activity",
        ),
        entry(
            "alert/Malware Command and Control Activity Detected",
            Threat,
            Botnet,
            Rule::Verdict,
            Some(Severity::High),
            "command-and-control",
        ),
        entry(
            "alert/Domain Observed Used for C2 Detected",
            Threat,
            Botnet,
            Rule::Verdict,
            Some(Severity::High),
            "domain-c2",
        ),
        entry(
            "alert/Exploit Kit Activity Detected",
            Threat,
            Malware,
            Rule::Verdict,
            Some(Severity::High),
            "exploit-kit",
        ),
        entry(
            "alert/Possibly Unwanted Program Detected",
            Threat,
            Malware,
            Rule::Verdict,
            Some(Severity::Low),
            "pup-activity",
        ),
        entry(
            "alert/Crypto Currency Mining Activity Detected",
            Threat,
            Malware,
            Rule::Verdict,
            Some(Severity::Medium),
            "coin-mining",
        ),
        entry(
            "alert/Possible Social Engineering Attempted",
            Threat,
            Web,
            Rule::Verdict,
            Some(Severity::Medium),
            "social-engineering (phishing)",
        ),
        entry(
            "alert/Successful Credential Theft Detected",
            Threat,
            Web,
            Rule::Verdict,
            Some(Severity::High),
            "credential-theft (phishing)",
        ),
        entry(
            "alert/Web Application Attack",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::High),
            "web-application-attack",
        ),
        entry(
            "alert/access to a potentially vulnerable web application",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::Medium),
            "web-application-activity",
        ),
        entry(
            "alert/Attempted User Privilege Gain",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::High),
            "attempted-user",
        ),
        entry(
            "alert/Unsuccessful User Privilege Gain",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::High),
            "unsuccessful-user",
        ),
        entry(
            "alert/Successful User Privilege Gain",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::High),
            "successful-user",
        ),
        entry(
            "alert/Attempted Administrator Privilege Gain",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::High),
            "attempted-admin",
        ),
        entry(
            "alert/Successful Administrator Privilege Gain",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::High),
            "successful-admin",
        ),
        entry(
            "alert/Executable code was detected",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::High),
            "shellcode-detect",
        ),
        entry(
            "alert/Targeted Malicious Activity was Detected",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::High),
            "targeted-activity",
        ),
        entry("alert/Misc Attack", Threat, Intrusion, Rule::Verdict, Some(Severity::Medium), "misc-attack"),
        entry("alert/Potentially Bad Traffic", Threat, Intrusion, Rule::Verdict, Some(Severity::Medium), "bad-unknown"),
        entry(
            "alert/Decode of an RPC Query",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::Medium),
            "rpc-portmap-decode",
        ),
        entry(
            "alert/A suspicious string was detected",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::Low),
            "string-detect",
        ),
        entry(
            "alert/A suspicious filename was detected",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::Medium),
            "suspicious-filename-detect",
        ),
        entry(
            "alert/An attempted login using a suspicious username was detected",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::Medium),
            "suspicious-login",
        ),
        entry(
            "alert/Attempt to login by a default username and password",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::Medium),
            "default-login-attempt",
        ),
        entry(
            "alert/A system call was detected",
            Threat,
            Intrusion,
            Rule::Verdict,
            Some(Severity::Medium),
            "system-call-detect",
        ),
        entry("alert/Detection of a Network Scan", Threat, Anomaly, Rule::Verdict, Some(Severity::Low), "network-scan"),
        entry(
            "alert/Attempted Information Leak",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "attempted-recon",
        ),
        entry(
            "alert/Information Leak",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "successful-recon-limited",
        ),
        entry(
            "alert/Large Scale Information Leak",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "successful-recon-largescale",
        ),
        entry(
            "alert/Attempted Denial of Service",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Medium),
            "attempted-dos",
        ),
        entry("alert/Denial of Service", Threat, Anomaly, Rule::Verdict, Some(Severity::Medium), "successful-dos"),
        entry(
            "alert/Device Retrieving External IP Address Detected",
            Threat,
            Anomaly,
            Rule::Verdict,
            Some(Severity::Low),
            "external-ip-check",
        ),
        entry(
            "alert/Potential Corporate Privacy Violation",
            Threat,
            Application,
            Rule::Verdict,
            Some(Severity::Low),
            "policy-violation",
        ),
        entry(
            "alert/Inappropriate Content was Detected",
            Threat,
            Web,
            Rule::Verdict,
            Some(Severity::Low),
            "inappropriate-content",
        ),
        entry("alert/Misc activity", Threat, Other, Rule::Verdict, Some(Severity::Low), "misc-activity"),
        entry(
            "alert/Generic Protocol Command Decode",
            Threat,
            Other,
            Rule::Verdict,
            Some(Severity::Low),
            "protocol-command-decode",
        ),
        entry("alert/Generic ICMP event", Threat, Other, Rule::Verdict, Some(Severity::Low), "icmp-event"),
        entry(
            "alert/A TCP connection was detected",
            Threat,
            Other,
            Rule::Verdict,
            Some(Severity::Low),
            "tcp-connection",
        ),
        entry(
            "alert/A client was using an unusual port",
            Threat,
            Other,
            Rule::Verdict,
            Some(Severity::Low),
            "unusual-client-port-connection",
        ),
        entry(
            "alert/Detection of a non-standard protocol or event",
            Threat,
            Other,
            Rule::Verdict,
            Some(Severity::Low),
            "non-standard-protocol",
        ),
        entry("alert/Not Suspicious Traffic", Threat, Other, Rule::Verdict, Some(Severity::Low), "not-suspicious"),
        entry("alert/Unknown Traffic", Threat, Other, Rule::Verdict, Some(Severity::Low), "unknown"),
        entry("drop", Threat, Intrusion, Rule::Blocked, None, "Packet dropped in IPS mode"),
        entry("anomaly", Ev, Anomaly, Rule::Allowed, None, "Decoder/stream/application-layer protocol anomaly"),
        entry("dns", Traffic, Category::Dns, Rule::Allowed, None, "DNS transaction"),
        entry("http", Traffic, Web, Rule::Allowed, None, "HTTP transaction"),
        entry("tls", Traffic, Web, Rule::Allowed, None, "TLS handshake"),
        entry("flow", Traffic, Other, Rule::Allowed, None, "Flow record"),
        entry("netflow", Traffic, Other, Rule::Allowed, None, "Unidirectional flow record"),
        entry("fileinfo", Traffic, Other, Rule::Allowed, None, "File seen in a transaction"),
        entry("smtp", Traffic, Other, Rule::Allowed, None, "SMTP transaction"),
        entry("ssh", Traffic, Other, Rule::Allowed, None, "SSH handshake"),
        entry("dhcp", Traffic, Other, Rule::Allowed, None, "DHCP"),
        entry("stats", Ev, Other, Rule::Allowed, None, "Engine statistics"),
        entry("ftp", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (ftp)"),
        entry("ftp_data", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (ftp_data)"),
        entry("smb", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (smb)"),
        entry("nfs", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (nfs)"),
        entry("tftp", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (tftp)"),
        entry("krb5", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (krb5)"),
        entry("ike", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (ike)"),
        entry("snmp", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (snmp)"),
        entry("sip", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (sip)"),
        entry("rdp", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (rdp)"),
        entry("rfb", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (rfb)"),
        entry("mqtt", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (mqtt)"),
        entry("http2", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (http2)"),
        entry("dnp3", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (dnp3)"),
        entry("modbus", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (modbus)"),
        entry("dcerpc", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (dcerpc)"),
        entry("pgsql", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (pgsql)"),
        entry("quic", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (quic)"),
        entry("bittorrent-dht", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (bittorrent-dht)"),
        entry("arp", Traffic, Other, Rule::Allowed, None, "Application-layer transaction (arp)"),
    ],
    families: &[family("alert", Threat, Intrusion, Rule::Verdict, "an alert with a classification not in the table")],
    fallback: (Traffic, Other, Rule::Allowed),
    notes: "C&C wording in an alert's signature (CnC, C2, botnet, command and control) makes it a botnet threat whatever its class; an alert without a class takes its category from the signature (trojan/malware/virus → malware, phishing → web).",
};

/// An alert's classification; C&C wording in the signature outranks a generic class.
pub(crate) fn classify_alert(classification: &str, signature: &str, verdict: Verdict) -> Classified {
    let classification = classification.trim();
    let mut classified = CATALOGUE.classify(&["alert", classification], verdict);
    if classification.is_empty() {
        // No classification at all: the rule family in the signature decides (ET MALWARE, ET CNC …).
        classified.category = signature_category(signature).unwrap_or(classified.category);
    } else if signature_category(signature) == Some(Botnet) {
        classified.category = Botnet;
    }
    classified
}

fn signature_category(signature: &str) -> Option<Category> {
    let has = |needle: &str| contains_ignore_case(signature, needle);
    if has("CnC") || has("C2 ") || has("botnet") || has("command and control") {
        Some(Botnet)
    } else if has("trojan") || has("malware") || has("virus") {
        Some(Malware)
    } else if has("phishing") {
        Some(Web)
    } else {
        None
    }
}

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
    proto: Option<Cow<'a, str>>,
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
    let classified = match event_type {
        "alert" => {
            let alert = eve.alert.as_ref();
            let blocked = alert.and_then(|alert| alert.action.as_deref()).is_some_and(|word| word == "blocked");
            classify_alert(
                alert.and_then(|alert| alert.category.as_deref()).unwrap_or(""),
                alert.and_then(|alert| alert.signature.as_deref()).unwrap_or(""),
                Verdict::from_block(blocked),
            )
        }
        other => CATALOGUE.classify(&[other], Verdict::Unknown),
    };
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Suricata, kind, category, action);
    if !classified.is_known() {
        let identifier = match (event_type, eve.alert.as_ref().and_then(|alert| alert.category.as_deref())) {
            ("alert", Some(classification)) => format!("alert/{classification}"),
            (other, _) => other.to_owned(),
        };
        event.unknown_identifier = Some(Cow::Owned(identifier));
    }
    event.src_ip = eve.src_ip.as_deref().and_then(ip);
    event.dst_ip = eve.dest_ip.as_deref().and_then(ip);
    event.src_port = eve.src_port;
    event.dst_port = eve.dest_port;
    event.device = eve.host;
    event.transport = eve.proto.as_deref().and_then(crate::vendor::transport).map(|name| Cow::Owned(name.into_owned()));
    if let Some(stamp) = eve.timestamp.as_deref().and_then(time::parse_iso) {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    if let Some(alert) = eve.alert {
        event.signature = alert.signature;
        event.severity = alert
            .severity
            .map(|level| match level {
                1 => Severity::High,
                2 => Severity::Medium,
                _ => Severity::Low,
            })
            .or(classified.severity);
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

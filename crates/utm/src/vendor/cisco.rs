//! Cisco ASA and Firepower Threat Defense (FTD) syslog: `%ASA-<severity>-<msgid>: text`
//! (`%FTD-`, `%PIX-`, `%FWSM-`, `%NGIPS-` alike; an extra facility part as in
//! `%ASA-session-5-106100:` is accepted).
//!
//! Classification is a table of message numbers ([`CATALOGUE`]) written from Cisco's *ASA Series
//! Syslog Messages* (ASA 9.x) and *Secure Firewall Threat Defense Syslog Messages* (7.x); the
//! verdict comes from the documented wording of each message (`Deny`, `denied`, `Dropping`,
//! `monitored` …) or, for FTD 430001–430005, from `InlineResult`/`AccessControlRuleAction`/
//! `FileAction`. Addresses are read per documented format: `for … to …` (302013-302018, with
//! the direction of `Built outbound`, where the initiator is the second endpoint), `faddr …
//! laddr …` (302020/302021), `src … dst …` (106010/106014/106023), `IF/ip(port) -> IF/ip(port)`
//! (106100), `SRC … DEST …` (304002), `user@ip Accessed URL ip:url` (304001), and otherwise
//! the address after `from`/`to`; numbers in the text (rates, counts) are never addresses.

use std::net::IpAddr;

use memchr::memmem;

use crate::catalogue::{Catalogue, Rule, Verdict, entry, family};
use crate::event::{Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::time;
use crate::vendor::{contains_ignore_case, ip, is_any, port, text};

use Category::{Anomaly, Botnet, Dns, Intrusion, Malware, Other, Web};
use Kind::{Event as Ev, Threat, Traffic};

/// Cisco ASA / FTD message-number catalogue.
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Cisco,
    identifier: "the six-digit message number of `%ASA-<sev>-<number>` / `%FTD-…`",
    source: "Cisco, *Cisco ASA Series Syslog Messages* (ASA 9.x, messages 101001–776020) and *Cisco Secure \
             Firewall Threat Defense Syslog Messages* (FTD 7.x, 430001–430005).",
    entries: &[
        entry("106001", Traffic, Other, Rule::Verdict, None, "Inbound TCP connection denied from ip/port to ip/port"),
        entry("106002", Traffic, Other, Rule::Verdict, None, "Connection denied by outbound list"),
        entry("106006", Traffic, Other, Rule::Verdict, None, "Deny inbound UDP from ip/port to ip/port"),
        entry("106007", Traffic, Other, Rule::Verdict, None, "Deny inbound UDP due to DNS query/response"),
        entry("106010", Traffic, Other, Rule::Verdict, None, "Deny inbound protocol src … dst …"),
        entry("106012", Traffic, Other, Rule::Verdict, None, "Deny IP from ip to ip, IP options"),
        entry("106013", Traffic, Other, Rule::Verdict, None, "Dropping echo request to PAT address"),
        entry("106014", Traffic, Other, Rule::Verdict, None, "Deny inbound icmp src … dst …"),
        entry("106015", Traffic, Other, Rule::Verdict, None, "Deny TCP (no connection)"),
        entry("106016", Threat, Anomaly, Rule::Blocked, Some(Severity::Medium), "Deny IP spoof"),
        entry("106017", Threat, Anomaly, Rule::Blocked, Some(Severity::Medium), "Deny IP due to Land Attack"),
        entry("106018", Traffic, Other, Rule::Verdict, None, "ICMP packet denied by outbound list"),
        entry("106020", Threat, Anomaly, Rule::Blocked, Some(Severity::Medium), "Deny IP teardrop fragment"),
        entry(
            "106021",
            Threat,
            Anomaly,
            Rule::Blocked,
            Some(Severity::Medium),
            "Deny protocol reverse path check (spoofed source)",
        ),
        entry("106022", Threat, Anomaly, Rule::Blocked, Some(Severity::Medium), "Deny protocol connection spoof"),
        entry("106023", Traffic, Other, Rule::Verdict, None, "Deny protocol src … dst … by access-group"),
        entry("106027", Traffic, Other, Rule::Verdict, None, "Deny src … dst … by access-group (ethertype)"),
        entry("106100", Traffic, Other, Rule::Verdict, None, "access-list permitted/denied/est-allowed, hit count"),
        entry("106103", Traffic, Other, Rule::Verdict, None, "access-list denied for user"),
        entry(
            "108003",
            Threat,
            Intrusion,
            Rule::Blocked,
            Some(Severity::High),
            "Terminating SMTP connection; malicious pattern detected",
        ),
        entry("209004", Threat, Anomaly, Rule::Blocked, Some(Severity::Medium), "Invalid IP fragment (oversize)"),
        entry(
            "209005",
            Threat,
            Anomaly,
            Rule::Blocked,
            Some(Severity::Medium),
            "Discard IP fragment set with more than N elements",
        ),
        entry("302013", Traffic, Other, Rule::Verdict, None, "Built inbound/outbound TCP connection"),
        entry("302014", Traffic, Other, Rule::Verdict, None, "Teardown TCP connection"),
        entry("302015", Traffic, Other, Rule::Verdict, None, "Built inbound/outbound UDP connection"),
        entry("302016", Traffic, Other, Rule::Verdict, None, "Teardown UDP connection"),
        entry("302020", Traffic, Other, Rule::Verdict, None, "Built inbound/outbound ICMP connection"),
        entry("302021", Traffic, Other, Rule::Verdict, None, "Teardown ICMP connection"),
        entry("304001", Traffic, Web, Rule::Allowed, None, "user@ip Accessed URL ip:url (URL filtering allowed)"),
        entry(
            "304002",
            Threat,
            Web,
            Rule::Blocked,
            Some(Severity::Medium),
            "Access denied URL … SRC ip DEST ip (URL filtering)",
        ),
        entry("304003", Ev, Other, Rule::Allowed, None, "URL server timed out"),
        entry("304004", Ev, Other, Rule::Allowed, None, "URL server request failed"),
        entry("304005", Ev, Other, Rule::Allowed, None, "URL server request pending"),
        entry("304006", Ev, Other, Rule::Allowed, None, "URL server not responding"),
        entry("304007", Ev, Other, Rule::Allowed, None, "URL server not responding, entering allow mode"),
        entry("304008", Ev, Other, Rule::Allowed, None, "Leaving allow mode, URL server is up"),
        entry("305005", Traffic, Other, Rule::Blocked, None, "No translation group found"),
        entry("305006", Traffic, Other, Rule::Blocked, None, "Translation creation failed"),
        entry("305011", Traffic, Other, Rule::Allowed, None, "Built dynamic translation"),
        entry("305012", Traffic, Other, Rule::Allowed, None, "Teardown dynamic translation"),
        entry("313001", Traffic, Other, Rule::Blocked, None, "Denied ICMP type/code from ip on interface"),
        entry("313004", Traffic, Other, Rule::Blocked, None, "Denied ICMP: no matching session"),
        entry("313005", Traffic, Other, Rule::Blocked, None, "No matching connection for ICMP error message"),
        entry("313008", Traffic, Other, Rule::Blocked, None, "Denied IPv6-ICMP type/code"),
        entry(
            "338001",
            Threat,
            Botnet,
            Rule::Detected,
            Some(Severity::High),
            "Dynamic filter monitored blacklisted traffic from a malicious source",
        ),
        entry(
            "338002",
            Threat,
            Botnet,
            Rule::Detected,
            Some(Severity::High),
            "Dynamic filter monitored blacklisted traffic to a malicious destination",
        ),
        entry(
            "338003",
            Threat,
            Botnet,
            Rule::Detected,
            Some(Severity::High),
            "Dynamic filter monitored blacklisted source address",
        ),
        entry(
            "338004",
            Threat,
            Botnet,
            Rule::Detected,
            Some(Severity::High),
            "Dynamic filter monitored blacklisted destination address",
        ),
        entry(
            "338005",
            Threat,
            Botnet,
            Rule::Blocked,
            Some(Severity::High),
            "Dynamic filter dropped blacklisted traffic from a malicious source",
        ),
        entry(
            "338006",
            Threat,
            Botnet,
            Rule::Blocked,
            Some(Severity::High),
            "Dynamic filter dropped blacklisted traffic to a malicious destination",
        ),
        entry(
            "338007",
            Threat,
            Botnet,
            Rule::Blocked,
            Some(Severity::High),
            "Dynamic filter dropped blacklisted source address",
        ),
        entry(
            "338008",
            Threat,
            Botnet,
            Rule::Blocked,
            Some(Severity::High),
            "Dynamic filter dropped blacklisted destination address",
        ),
        entry("338101", Traffic, Other, Rule::Allowed, None, "Dynamic filter: whitelisted source"),
        entry("338102", Traffic, Other, Rule::Allowed, None, "Dynamic filter: whitelisted destination"),
        entry(
            "338201",
            Threat,
            Botnet,
            Rule::Detected,
            Some(Severity::Medium),
            "Dynamic filter monitored greylisted source",
        ),
        entry(
            "338202",
            Threat,
            Botnet,
            Rule::Detected,
            Some(Severity::Medium),
            "Dynamic filter monitored greylisted destination",
        ),
        entry(
            "338203",
            Threat,
            Botnet,
            Rule::Blocked,
            Some(Severity::Medium),
            "Dynamic filter dropped greylisted source",
        ),
        entry(
            "338204",
            Threat,
            Botnet,
            Rule::Blocked,
            Some(Severity::Medium),
            "Dynamic filter dropped greylisted destination",
        ),
        entry(
            "4000*",
            Threat,
            Intrusion,
            Rule::Verdict,
            None,
            "IP audit (IPS) signature 400000–400050: IPS:<sig> <name> from ip to ip",
        ),
        entry("401004", Threat, Intrusion, Rule::Blocked, Some(Severity::Medium), "Shunned packet"),
        entry("410001", Traffic, Dns, Rule::Blocked, None, "Dropped UDP DNS request/reply (inspection)"),
        entry("419001", Traffic, Other, Rule::Blocked, None, "Dropping TCP packet (MSS exceeded …)"),
        entry("430001", Threat, Intrusion, Rule::Verdict, None, "FTD intrusion event (InlineResult)"),
        entry("430002", Traffic, Other, Rule::Verdict, None, "FTD connection start (AccessControlRuleAction)"),
        entry("430003", Traffic, Other, Rule::Verdict, None, "FTD connection end (AccessControlRuleAction)"),
        entry("430004", Threat, Malware, Rule::Verdict, None, "FTD file event (FileAction)"),
        entry("430005", Threat, Malware, Rule::Verdict, Some(Severity::High), "FTD file malware event (FileAction)"),
        entry("434002", Threat, Intrusion, Rule::Blocked, None, "FirePOWER module requested to drop the packet"),
        entry("500004", Traffic, Other, Rule::Blocked, None, "Invalid transport field"),
        entry("710003", Traffic, Other, Rule::Blocked, None, "Access to the device denied by ACL"),
        entry("710005", Traffic, Other, Rule::Blocked, None, "Request to the device discarded"),
        entry(
            "733100",
            Threat,
            Anomaly,
            Rule::Detected,
            Some(Severity::Medium),
            "Threat detection: drop rate exceeded",
        ),
        entry(
            "733101",
            Threat,
            Anomaly,
            Rule::Detected,
            Some(Severity::Medium),
            "Threat detection: host is targeted / is attacking",
        ),
        entry(
            "733102",
            Threat,
            Anomaly,
            Rule::Blocked,
            Some(Severity::Medium),
            "Threat detection adds host to the shun list",
        ),
        entry(
            "733104",
            Threat,
            Anomaly,
            Rule::Detected,
            Some(Severity::Medium),
            "TCP intercept: average SYN rate exceeded (SYN flood)",
        ),
        entry(
            "733105",
            Threat,
            Anomaly,
            Rule::Detected,
            Some(Severity::Medium),
            "TCP intercept: burst SYN rate exceeded (SYN flood)",
        ),
        entry("101001", Ev, Other, Rule::Verdict, None, "Failover cable OK"),
        entry("101002", Ev, Other, Rule::Verdict, None, "Bad failover cable"),
        entry("105005", Ev, Other, Rule::Verdict, None, "Lost failover communications with mate"),
        entry("105009", Ev, Other, Rule::Verdict, None, "Failover interface test passed/failed"),
        entry("105043", Ev, Other, Rule::Verdict, None, "Failover interface failed"),
        entry("106101", Ev, Other, Rule::Verdict, None, "Number of cached deny-flows for ACL log has reached limit"),
        entry("109012", Ev, Other, Rule::Verdict, None, "Authentication session end"),
        entry("109201", Ev, Other, Rule::Verdict, None, "UAUTH session: entry added"),
        entry("111002", Ev, Other, Rule::Verdict, None, "Begin configuration: reading from device"),
        entry("111003", Ev, Other, Rule::Verdict, None, "Erase configuration"),
        entry("111004", Ev, Other, Rule::Verdict, None, "End configuration"),
        entry("111005", Ev, Other, Rule::Verdict, None, "End configuration: OK"),
        entry("111007", Ev, Other, Rule::Verdict, None, "Begin configuration: reading from device"),
        entry("111008", Ev, Other, Rule::Verdict, None, "User executed a command"),
        entry("111009", Ev, Other, Rule::Verdict, None, "User executed cmd"),
        entry("111010", Ev, Other, Rule::Verdict, None, "User made a configuration change"),
        entry("113004", Ev, Other, Rule::Verdict, None, "AAA user authentication successful"),
        entry("113005", Ev, Other, Rule::Verdict, None, "AAA user authentication rejected"),
        entry("113006", Ev, Other, Rule::Verdict, None, "User locked out (too many failed attempts)"),
        entry("113012", Ev, Other, Rule::Verdict, None, "AAA user authentication successful: local database"),
        entry("113019", Ev, Other, Rule::Verdict, None, "Group/user session disconnected"),
        entry("113028", Ev, Other, Rule::Verdict, None, "Extraction of username from VPN client certificate"),
        entry("113039", Ev, Other, Rule::Verdict, None, "AnyConnect parent session started"),
        entry("199019", Ev, Other, Rule::Verdict, None, "Syslog/debug output"),
        entry("201008", Ev, Other, Rule::Verdict, None, "Disallowing new connections"),
        entry("308001", Ev, Other, Rule::Verdict, None, "Console enable password incorrect"),
        entry("321006", Ev, Other, Rule::Verdict, None, "System memory usage"),
        entry("323006", Ev, Other, Rule::Verdict, None, "Module experienced a data channel communication failure"),
        entry("338302", Ev, Other, Rule::Verdict, None, "Dynamic filter: address discovered for a domain"),
        entry("338303", Ev, Other, Rule::Verdict, None, "Dynamic filter: address timed out, rule removed"),
        entry("338309", Ev, Other, Rule::Verdict, None, "Dynamic filter updater not licensed"),
        entry("338310", Ev, Other, Rule::Verdict, None, "Dynamic filter updater: update failed"),
        entry("405003", Ev, Other, Rule::Verdict, None, "IP address collision detected"),
        entry("409023", Ev, Other, Rule::Verdict, None, "Attempting AAA fallback method"),
        entry("411001", Ev, Other, Rule::Verdict, None, "Line protocol on interface changed state to up"),
        entry("444005", Ev, Other, Rule::Verdict, None, "Time-based activation key will expire"),
        entry("502101", Ev, Other, Rule::Verdict, None, "New user added to local database"),
        entry("502102", Ev, Other, Rule::Verdict, None, "User deleted from local database"),
        entry("502103", Ev, Other, Rule::Verdict, None, "User changed privilege level"),
        entry("505002", Ev, Other, Rule::Verdict, None, "Module is recovering"),
        entry("505015", Ev, Other, Rule::Verdict, None, "Module is up"),
        entry("603108", Ev, Other, Rule::Verdict, None, "Built PPTP/L2TP tunnel"),
        entry("603109", Ev, Other, Rule::Verdict, None, "Teardown PPTP/L2TP tunnel"),
        entry("605004", Ev, Other, Rule::Verdict, None, "Login denied"),
        entry("605005", Ev, Other, Rule::Verdict, None, "Login permitted"),
        entry("611101", Ev, Other, Rule::Verdict, None, "User authentication succeeded"),
        entry("611102", Ev, Other, Rule::Verdict, None, "User authentication failed"),
        entry("611103", Ev, Other, Rule::Verdict, None, "User logged out"),
        entry("722023", Ev, Other, Rule::Verdict, None, "SVC connection terminated"),
        entry("722051", Ev, Other, Rule::Verdict, None, "AnyConnect address assigned to session"),
        entry("750003", Ev, Other, Rule::Verdict, None, "IKEv2 negotiation aborted"),
        entry("106011", Traffic, Other, Rule::Blocked, None, "Deny inbound (no xlate)"),
        entry("110003", Traffic, Other, Rule::Blocked, None, "Routing failed to locate next hop"),
        entry("202010", Traffic, Other, Rule::Blocked, None, "NAT/PAT pool exhausted: unable to create connection"),
        entry("302017", Traffic, Other, Rule::Allowed, None, "Built GRE connection"),
        entry("302018", Traffic, Other, Rule::Allowed, None, "Teardown GRE connection"),
        entry("302023", Traffic, Other, Rule::Allowed, None, "Teardown stub TCP connection"),
        entry("313009", Traffic, Other, Rule::Blocked, None, "Denied invalid ICMP code"),
        entry(
            "418001",
            Traffic,
            Other,
            Rule::Blocked,
            None,
            "Through-the-device packet to/from management-only network denied",
        ),
        entry(
            "419002",
            Traffic,
            Other,
            Rule::Blocked,
            None,
            "Duplicate TCP SYN with a different initial sequence number",
        ),
        entry("421001", Traffic, Other, Rule::Blocked, None, "Flow dropped: application inspection failed"),
        entry("421002", Traffic, Other, Rule::Allowed, None, "Flow bypassed application checking"),
        entry("421007", Traffic, Other, Rule::Allowed, None, "Flow skipped: application inspection failed"),
        entry("500003", Traffic, Other, Rule::Blocked, None, "Bad TCP header length"),
        entry("710004", Traffic, Other, Rule::Blocked, None, "TCP connection limit exceeded"),
        entry(
            "405001",
            Threat,
            Anomaly,
            Rule::Detected,
            Some(Severity::Medium),
            "ARP collision: possible ARP spoofing",
        ),
        entry(
            "420002",
            Threat,
            Intrusion,
            Rule::Blocked,
            Some(Severity::High),
            "IPS module requested to drop the packet",
        ),
    ],
    families: &[
        family("106", Traffic, Other, Rule::Verdict, "access lists, packet denies"),
        family("302", Traffic, Other, Rule::Verdict, "connection build/teardown"),
        family("303", Traffic, Other, Rule::Verdict, "FTP"),
        family("304", Traffic, Web, Rule::ThreatIfBlocked, "URL filtering"),
        family("305", Traffic, Other, Rule::Verdict, "NAT"),
        family("313", Traffic, Other, Rule::Verdict, "ICMP"),
        family("338", Threat, Botnet, Rule::Verdict, "Botnet Traffic Filter"),
        family("401", Threat, Intrusion, Rule::Verdict, "shun"),
        family("415", Threat, Intrusion, Rule::Verdict, "HTTP inspection (protocol violations)"),
        family("434", Threat, Intrusion, Rule::Verdict, "FirePOWER (SFR) module"),
        family("710", Traffic, Other, Rule::Verdict, "access to the device"),
        family("733", Threat, Anomaly, Rule::Verdict, "threat detection"),
        family("101", Ev, Other, Rule::Verdict, "failover"),
        family("105", Ev, Other, Rule::Verdict, "failover"),
        family("111", Ev, Other, Rule::Verdict, "configuration and commands"),
        family("113", Ev, Other, Rule::Verdict, "AAA"),
        family("502", Ev, Other, Rule::Verdict, "local user database"),
        family("611", Ev, Other, Rule::Verdict, "user authentication"),
        family("716", Ev, Other, Rule::Verdict, "WebVPN"),
        family("722", Ev, Other, Rule::Verdict, "AnyConnect / SVC"),
        family("725", Ev, Other, Rule::Verdict, "SSL/TLS sessions"),
        family("750", Ev, Other, Rule::Verdict, "IKEv2"),
        family("751", Ev, Other, Rule::Verdict, "IKEv2 / AnyConnect"),
    ],
    fallback: (Ev, Other, Rule::Verdict),
    notes: "The verdict is the documented wording of each message (Deny/denied/Dropping/dropped/discarded/Shunned/Terminating vs permitted/est-allowed/Built/Teardown/Accessed/monitored); for 106100/106103 the word after the ACL name; for FTD 430001 `InlineResult` (Blocked vs Would have blocked), 430002–430005 `AccessControlRuleAction`/`FileAction`.",
};

/// Finds `%ASA-6-302013` (or another known prefix, with or without a facility part such as
/// `%ASA-session-5-106100`); returns (start, severity, message id, text).
pub(crate) fn find_tag(text: &str) -> Option<(usize, u8, &str, &str)> {
    // Searched as bytes: byte 160 may fall inside a multi-byte character. A match starts at an
    // ASCII '%', so `start` is a character boundary.
    let head = &text.as_bytes()[..text.len().min(160)];
    let start = [&b"%ASA-"[..], b"%FTD-", b"%PIX-", b"%FWSM-", b"%NGIPS-"]
        .iter()
        .filter_map(|prefix| memmem::find(head, prefix))
        .min()?;
    let after = &text[start + 1..];
    let dash = after.find('-')?;
    let mut rest = &after[dash + 1..];
    // An optional facility word (`session`, `sys`) before the severity digit.
    if rest.as_bytes().first().is_some_and(|byte| byte.is_ascii_alphabetic()) {
        let dash = rest.find('-').filter(|index| *index <= 24)?;
        if !rest[..dash].bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_') {
            return None;
        }
        rest = &rest[dash + 1..];
    }
    let severity: u8 = time::parse_digits(rest.get(..1)?)?;
    if rest.as_bytes().get(1) != Some(&b'-') {
        return None;
    }
    let rest = rest.get(2..)?;
    let id_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    if id_end == 0 {
        return None;
    }
    let message = rest[id_end..].trim_start_matches(':').trim();
    Some((start, severity, &rest[..id_end], message))
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let Some((_, level, id_text, message)) = find_tag(line) else {
        return Err(Unparsed::new(Some(Vendor::Cisco), UnparsedReason::MissingField("%ASA tag")));
    };
    let id: u32 = time::parse_digits(id_text).unwrap_or(0);
    let is_key_value = (430_001..=430_005).contains(&id);
    let key = |wanted: &str| if is_key_value { key_value(message, wanted) } else { None };
    let verdict = if is_key_value {
        ftd_verdict(id, key("InlineResult").or_else(|| key("AccessControlRuleAction")).or_else(|| key("FileAction")))
    } else if matches!(id, 106_100 | 106_103) {
        // `access-list <name> {permitted|denied|est-allowed} …`: the word after the ACL name,
        // which may itself contain `deny` or `permit`.
        prose_verdict(message.split_ascii_whitespace().nth(2).unwrap_or(""))
    } else {
        prose_verdict(message)
    };
    let classified = CATALOGUE.classify(&[id_text], verdict);
    let (kind, category, action) = classified.class();
    let mut event = Event::new(Vendor::Cisco, kind, category, action);
    event.severity = Some(classified.severity.unwrap_or(Severity::from_syslog(level)));
    if !classified.is_known() {
        event.unknown_identifier = Some(std::borrow::Cow::Borrowed(id_text));
    }
    if is_key_value {
        event.src_ip = key("SrcIP").and_then(ip);
        event.dst_ip = key("DstIP").and_then(ip);
        event.src_port = key("SrcPort").and_then(port);
        event.dst_port = key("DstPort").and_then(port);
        event.user = key("User").and_then(text);
        event.url = key("URL").and_then(text);
        event.signature = key("Message").or_else(|| key("ThreatName")).and_then(text);
        event.transport = key("Protocol").and_then(crate::vendor::transport);
        event.policy_name = key("AccessControlRuleName").and_then(text);
    } else {
        let (source, destination) = addresses(id, message);
        if let Some((address, number)) = source {
            event.src_ip = Some(address);
            event.src_port = number;
        }
        if let Some((address, number)) = destination {
            event.dst_ip = Some(address);
            event.dst_port = number;
        }
        event.user = user(message);
        event.url = url(id, message);
        event.transport = prose_transport(message);
        event.policy_name = access_list(id, message);
        if kind == Kind::Threat {
            event.signature = text(message.split([',', ':', ';']).next().unwrap_or(""));
        }
    }
    if let Some(stamp) = key("FirstPacketSecond").and_then(time::parse_iso) {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
    }
    Ok(event)
}

/// The protocol word of a prose message: `Built inbound TCP connection …`, `Deny tcp src …`,
/// `Teardown UDP connection …`, `Deny inbound icmp src …`.
fn prose_transport(message: &str) -> Option<std::borrow::Cow<'_, str>> {
    message
        .split_ascii_whitespace()
        .take(6)
        .find(|word| is_any(word, &["tcp", "udp", "icmp", "icmp6", "gre", "esp", "sctp"]))
        .and_then(crate::vendor::transport)
}

/// The access list of `access-list NAME permitted|denied …` (106100) or `… by access-group
/// "NAME"` (106023).
fn access_list(id: u32, message: &str) -> Option<std::borrow::Cow<'_, str>> {
    if matches!(id, 106_100 | 106_103) {
        let mut words = message.split_ascii_whitespace();
        return (words.next() == Some("access-list")).then(|| words.next()).flatten().and_then(text);
    }
    let start = message.find("access-group \"")? + 14;
    let end = start + message[start..].find('"')?;
    text(&message[start..end])
}

/// FTD: `InlineResult: Blocked | Would have blocked`, `AccessControlRuleAction: Allow | Block |
/// Trust | Monitor …`, `FileAction: Block | Malware Cloud Lookup …`.
fn ftd_verdict(id: u32, word: Option<&str>) -> Verdict {
    let Some(word) = word.map(str::trim) else {
        return Verdict::Unknown;
    };
    let blocked = if id == 430_001 {
        word.eq_ignore_ascii_case("Blocked")
    } else {
        contains_ignore_case(word, "block") && !contains_ignore_case(word, "would")
    };
    Verdict::from_block(blocked)
}

/// The verdict word of an ASA message, as documented for each message: the first of
/// `Deny`/`denied`/`Dropping`/`dropped`/`discarded`/`Shunned`/`Terminating` (blocked) or
/// `permitted`/`est-allowed`/`Built`/`Accessed`/`monitored` (passed).
fn prose_verdict(message: &str) -> Verdict {
    for word in message.split(|c: char| !(c.is_ascii_alphabetic() || c == '-')).take(16) {
        if is_any(word, &["est-allowed", "permitted", "built", "accessed", "monitored", "teardown"]) {
            return Verdict::Passed;
        }
        if is_any(word, &["deny", "denied", "dropping", "dropped", "discarded", "shunned", "terminating", "rejected"]) {
            return Verdict::Blocked;
        }
    }
    Verdict::Unknown
}

type Endpoint = (IpAddr, Option<u16>);

/// Source and destination per the documented format of message `id`.
fn addresses(id: u32, message: &str) -> (Option<Endpoint>, Option<Endpoint>) {
    match id {
        302_013..=302_018 => {
            let first = after_word(message, "for");
            let second = after_word(message, "to");
            if contains_ignore_case(message.get(..20).unwrap_or(message), "outbound") {
                (second, first)
            } else {
                (first, second)
            }
        }
        302_020 | 302_021 => {
            let foreign = after_word(message, "faddr");
            let local = after_word(message, "laddr");
            if contains_ignore_case(message.get(..20).unwrap_or(message), "outbound") {
                (local, foreign)
            } else {
                (foreign, local)
            }
        }
        106_100 => match message.split_once("->") {
            Some((left, right)) => (
                left.split_ascii_whitespace().next_back().and_then(endpoint),
                right.split_ascii_whitespace().next().and_then(endpoint),
            ),
            None => (None, None),
        },
        304_001 => {
            // `user@source_address Accessed URL dest_address: url`
            let source = message
                .split_ascii_whitespace()
                .next()
                .map(|token| token.rsplit('@').next().unwrap_or(token))
                .and_then(endpoint);
            let destination = message.split_once(" URL ").and_then(|(_, rest)| {
                let token = rest.split_ascii_whitespace().next()?;
                ip(token.split(':').next().unwrap_or(token)).map(|address| (address, None))
            });
            (source, destination)
        }
        304_002 => (after_word(message, "SRC"), after_word(message, "DEST")),
        313_004 => (after_word(message, "laddr"), after_word(message, "to")),
        733_101 => {
            let object = after_word(message, "Object");
            if contains_ignore_case(message, "is attacking") { (object, None) } else { (None, object) }
        }
        733_102 => (after_word(message, "host"), None),
        401_004 => match message.split_once("==>") {
            Some((left, right)) => (
                left.split_ascii_whitespace().next_back().and_then(endpoint),
                right.split_ascii_whitespace().next().and_then(endpoint),
            ),
            None => (None, None),
        },
        _ => {
            let source = after_word(message, "src").or_else(|| after_word(message, "from"));
            let destination = after_word(message, "dst").or_else(|| after_word(message, "to"));
            (source, destination)
        }
    }
}

/// The endpoint in the token after the first occurrence of the word `word` (case-sensitive for
/// upper-case words such as `SRC`, else ASCII case-insensitive).
fn after_word(message: &str, word: &str) -> Option<Endpoint> {
    let mut tokens = message.split_ascii_whitespace();
    while let Some(token) = tokens.next() {
        let matches = if word.bytes().all(|byte| byte.is_ascii_uppercase()) {
            token == word
        } else {
            token.eq_ignore_ascii_case(word)
        };
        if matches && let Some(found) = tokens.next().and_then(endpoint) {
            return Some(found);
        }
    }
    None
}

/// One ASA endpoint token: `iface:ip/port`, `ip/port`, `iface/ip(port)`, `ip`, with trailing
/// punctuation, a user in parentheses after the port, or `laddr`'s `ip/0`.
fn endpoint(token: &str) -> Option<Endpoint> {
    let token = token.trim_end_matches([',', ';', '.', ':']).trim_matches(['<', '>']);
    if let Some(address) = ip(token) {
        return Some((address, None));
    }
    let token = token
        .rsplit_once(':')
        .filter(|(left, _)| ip(left).is_none() && !left.contains("::"))
        .map_or(token, |(_, right)| right);
    let token = token.rsplit_once('/').filter(|(left, _)| ip(left).is_none()).map_or(token, |(_, right)| right);
    if let Some((address, number)) = token.split_once('/') {
        // `2.2.2.2/1(DOMAIN\user)`: the user in parentheses follows the port.
        let number = number.split('(').next().unwrap_or(number);
        return ip(address).map(|address| (address, port(number)));
    }
    if let Some((address, rest)) = token.split_once('(') {
        return ip(address).map(|address| (address, port(rest.trim_end_matches(')'))));
    }
    ip(token).map(|address| (address, None))
}

/// 304001 `…: url`, 304002 `Access denied URL url SRC …`.
fn url(id: u32, message: &str) -> Option<std::borrow::Cow<'_, str>> {
    match id {
        304_001 => message.split_once(": ").and_then(|(_, url)| text(url.trim())),
        304_002 => {
            let rest = message.split_once("URL ")?.1;
            let end = rest.find(" SRC ").unwrap_or(rest.len());
            text(rest[..end].trim())
        }
        _ => None,
    }
}

/// `Key: value` from FTD's comma-separated list.
fn key_value<'a>(message: &'a str, wanted: &str) -> Option<&'a str> {
    message.split(", ").find_map(|pair| {
        let (key, value) = pair.split_once(": ")?;
        (key.trim() == wanted).then(|| value.trim().trim_start_matches("<br/>"))
    })
}

fn user(message: &str) -> Option<std::borrow::Cow<'_, str>> {
    for marker in ["User <", "user = ", "Uname: ", "Username = ", "Username:"] {
        if let Some(index) = message.find(marker) {
            let rest = &message[index + marker.len()..];
            let end = rest.find(['>', ' ', ',']).unwrap_or(rest.len());
            return text(&rest[..end]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_limit_inside_a_multibyte_character() {
        // Found by the `vendor_cisco` fuzz target: byte 160 is the second byte of 'é'.
        let line = format!("{}\u{e9}", "A".repeat(159));
        assert!(find_tag(&line).is_none());
        assert!(parse(&line).is_err());
        let line = format!("%ASA-4-106023: Deny tcp src outside:198.51.100.23/51034 {}\u{e9}", "x".repeat(103));
        assert_eq!(line.len(), 161);
        assert_eq!(find_tag(&line).map(|(start, severity, id, _)| (start, severity, id)), Some((0, 4, "106023")));
    }

    #[test]
    fn tag_with_a_facility_part() {
        let line = "%ASA-session-5-304002: Access denied URL http://x.example/ SRC 192.0.2.1 DEST 198.51.100.1";
        assert_eq!(find_tag(line).map(|(_, severity, id, _)| (severity, id)), Some((5, "304002")));
        assert!(find_tag("%ASA-session-x-304002: text").is_none());
        assert!(find_tag("%ASA-5-: text").is_none());
    }
}

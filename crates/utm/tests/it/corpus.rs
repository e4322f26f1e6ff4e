//! Conformance against the shared vendor corpus (`../shared/corpus/`, real samples written by
//! others; never copied into this repository).
//!
//! For every file: no panic. For Sekoia test files with an `expected` block, the fields we can
//! compare must agree: source/destination address and port, a blocked-vs-not verdict derived
//! from `event.action`/`event.type`, and the category where the expectation names one we map
//! (`malware`, `intrusion_detection`). Files we deliberately disagree with are in [`ALLOWED`]
//! with the reason. Every line must also roll up the same through [`Rollup::add_line`] (which
//! reads native FortiGate lines by a shortcut) as through the full parse. Without the corpus the
//! test is skipped, except in CI (`CI=true`) where it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use utm::rollup::Rollup;
use utm::{Action, Category, Event, Kind, Unparsed};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Files (path relative to the corpus, or a prefix ending in `*`) whose expectation we do not
/// check, and why.
const ALLOWED: &[(&str, &str)] = &[
    // Header-less continuation fragments of ASA messages: no `%ASA-` tag, so no vendor marker.
    ("cisco_asa_ftd/sekoia/test_group_*", "message body without the %ASA/%FTD tag"),
    ("cisco_asa_ftd/sekoia/test_ASA_199019.json", "Cisco debug line; not a security log"),
    // Junos process logs (mgd, sshd, cron, xntpd, l2ald) are system events outside our scope;
    // without an RT_ tag they are indistinguishable from any BSD syslog.
    ("juniper_srx/sekoia/UI_*", "Junos management-daemon event without a security tag"),
    ("juniper_srx/sekoia/STANDARD_FORMAT.json", "Junos xntpd system message"),
    ("juniper_srx/sekoia/L2ALD_ST_CTL_IN_EFFECT.json", "Junos layer-2 daemon message"),
    ("juniper_srx/sekoia/cron_*", "Junos cron system message"),
    ("juniper_srx/sekoia/rshd_cmd.json", "Junos rshd system message"),
    ("juniper_srx/sekoia/keayadmin.json", "Junos system message"),
    ("juniper_srx/sekoia/sshd_failed_password.json", "Junos sshd message (host login, not a UTM event)"),
    // Ports above 65535 in anonymised samples: the expectation cannot be a real port.
    ("cisco_asa_ftd/sekoia/test_FTD_430003_3.json", "expected source port 77777 is not a valid port"),
    ("paloalto/sekoia/udp_deny_csv.json", "expected source port 130000 is not a valid port"),
    // PAN-OS `spyware` covers C2/botnet traffic; the report counts it as botnet, Sekoia as malware.
    ("paloalto/sekoia/threat_cef.json", "spyware mapped to botnet by design (LOGFORMATS §13)"),
    // FortiADC/FortiWeb server-load-balancer log (`log_id=`, `src=`): a different product.
    ("fortigate/sekoia/traffic_with_referrer.json", "FortiADC/FortiWeb SLB log, not FortiGate"),
    // A content-type match that sends the download to AV scanning; no virus was found.
    ("watchguard/sekoia/virus_analysis.json", "AV scan trigger, not a malware detection"),
    // Metricbeat host statistics filed under Suricata: not an EVE record.
    ("suricata/sekoia/beats.json", "Metricbeat system metrics, not Suricata EVE"),
];

#[derive(Default, Debug)]
struct Tally {
    files: usize,
    checked: usize,
    passed: usize,
    unparsed: usize,
}

#[test]
fn corpus_conformance() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus missing at {CORPUS} (required in CI)");
        eprintln!("corpus not found at {CORPUS}: conformance test skipped");
        return;
    }
    let mut files = Vec::new();
    collect(root, &mut files);
    files.sort();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let Some(vendor_dir) = relative.split('/').next().filter(|_| relative.contains('/')) else {
            continue;
        };
        let tally = tallies.entry(vendor_dir.to_owned()).or_default();
        tally.files += 1;
        let bytes = std::fs::read(path).unwrap();
        if relative.ends_with(".ini") {
            for line in String::from_utf8_lossy(&bytes).lines() {
                if let Some(raw) =
                    line.split_once(" pass = ").or_else(|| line.split_once(" fail = ")).map(|(_, raw)| raw)
                {
                    let _ = parse_checking_rollup(raw.as_bytes());
                }
            }
            continue;
        }
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        match json.as_ref().and_then(|value| value.pointer("/input/message")) {
            Some(message) => {
                let message = match message {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let parsed = parse_checking_rollup(message.as_bytes());
                let Some(expected) = json.as_ref().and_then(|value| value.get("expected")) else {
                    continue;
                };
                if ALLOWED.iter().any(|(pattern, _)| matches(pattern, &relative)) {
                    continue;
                }
                tally.checked += 1;
                match parsed {
                    Ok(event) => match compare(&event, expected) {
                        Ok(()) => tally.passed += 1,
                        Err(problem) => failures.push(format!("{relative}: {problem}")),
                    },
                    Err(error) => {
                        tally.unparsed += 1;
                        failures.push(format!("{relative}: {error}"));
                    }
                }
            }
            None => {
                // Plain logs, NDJSON, or concatenated pretty-printed JSON (Tenzir Suricata).
                let text = String::from_utf8_lossy(&bytes);
                if text.trim_start().starts_with('{') && !text.contains("}\n{\"") {
                    for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>().flatten() {
                        let _ = parse_checking_rollup(value.to_string().as_bytes());
                    }
                }
                for line in text.lines() {
                    let _ = parse_checking_rollup(line.as_bytes());
                }
            }
        }
    }
    for (vendor, tally) in &tallies {
        eprintln!(
            "corpus {vendor:>14}: {:>3} files, {:>3} with expectations checked, {:>3} passing, {:>2} unparsed",
            tally.files, tally.checked, tally.passed, tally.unparsed
        );
    }
    for failure in &failures {
        eprintln!("MISMATCH {failure}");
    }
    assert!(failures.is_empty(), "{} corpus files disagree with their expectation", failures.len());
}

/// [`utm::parse_syslog_line`] with auto-detection, after checking that [`Rollup::add_line`]
/// counts the line exactly as the parsed event would be counted.
fn parse_checking_rollup(line: &[u8]) -> Result<Event<'_>, Unparsed> {
    let parsed = utm::parse_syslog_line(line, None);
    let mut by_line = Rollup::new();
    by_line.add_line(line);
    let mut by_event = Rollup::new();
    if let Ok(event) = &parsed {
        by_event.add(event);
    }
    let shown = String::from_utf8_lossy(line);
    assert_eq!(by_line.threats(), by_event.threats(), "{shown}");
    assert_eq!(by_line.traffic(), by_event.traffic(), "{shown}");
    assert_eq!(
        (by_line.event_total(), by_line.unparsed()),
        (by_event.event_total(), u64::from(parsed.is_err())),
        "{shown}"
    );
    parsed
}

fn collect(directory: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|extension| extension != "md") {
            files.push(path);
        }
    }
}

fn matches(pattern: &str, relative: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => relative.starts_with(prefix),
        None => pattern == relative,
    }
}

/// Compares what both sides have; absent expectations are not checked.
///
/// Addresses of [`Kind::Event`] records (admin logins, VPN, DHCP, system) are out of scope: the
/// report only counts addresses of traffic and threats, so parsers do not dig them out of
/// free-text event messages.
fn compare(event: &Event<'_>, expected: &Value) -> Result<(), String> {
    if event.kind == Kind::Event {
        return compare_action_and_category(event, expected);
    }
    let text = |pointer: &str| expected.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    let number = |pointer: &str| {
        expected.pointer(pointer).and_then(|value| value.as_u64().or_else(|| value.as_str()?.parse().ok()))
    };
    let addresses = [
        ("src_ip", text("/source/ip"), event.src_ip.map(|address| address.to_string())),
        ("dst_ip", text("/destination/ip"), event.dst_ip.map(|address| address.to_string())),
        ("src_port", number("/source/port").map(|port| port.to_string()), event.src_port.map(|port| port.to_string())),
        (
            "dst_port",
            number("/destination/port").map(|port| port.to_string()),
            event.dst_port.map(|port| port.to_string()),
        ),
    ];
    for (field, wanted, got) in addresses {
        if let Some(wanted) = wanted
            && got.as_deref() != Some(wanted.as_str())
        {
            return Err(format!("{field} {got:?} != expected {wanted}"));
        }
    }
    compare_action_and_category(event, expected)
}

fn compare_action_and_category(event: &Event<'_>, expected: &Value) -> Result<(), String> {
    let words: Vec<String> = ["/event/action", "/event/type", "/action/name"]
        .iter()
        .filter_map(|pointer| expected.pointer(pointer))
        .flat_map(|value| match value {
            Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_lowercase).collect(),
            Value::String(word) => vec![word.to_lowercase()],
            _ => vec![],
        })
        .collect();
    let blocked_word = words.iter().any(|word| {
        ["deny", "denied", "block", "drop", "reset", "reject", "prevent", "clear_session"]
            .iter()
            .any(|needle| word.contains(needle))
    });
    let allowed_word = words.iter().any(|word| {
        ["allow", "accept", "pass", "permit"].iter().any(|needle| word == needle || word.starts_with(needle))
    });
    if blocked_word && !allowed_word && event.action != Action::Blocked {
        return Err(format!("action {:?}, expected blocked ({words:?})", event.action));
    }
    if allowed_word && !blocked_word && event.action == Action::Blocked {
        return Err(format!("action blocked, expected not blocked ({words:?})"));
    }
    let categories: Vec<String> = match expected.pointer("/event/category") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(Value::String(word)) => vec![word.clone()],
        _ => vec![],
    };
    if categories.iter().any(|word| word == "malware") && event.category != Category::Malware {
        return Err(format!("category {:?}, expected malware", event.category));
    }
    if categories.iter().any(|word| word == "intrusion_detection")
        && !matches!(event.category, Category::Intrusion | Category::Anomaly)
    {
        return Err(format!("category {:?}, expected intrusion", event.category));
    }
    Ok(())
}

/// Every corpus message, with its file (relative to the corpus) and Sekoia expectation.
fn for_each_message(root: &Path, mut visit: impl FnMut(&str, &[u8], Option<&Value>)) {
    let mut files = Vec::new();
    collect(root, &mut files);
    files.sort();
    for path in &files {
        let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        if !relative.contains('/') {
            continue;
        }
        let bytes = std::fs::read(path).unwrap();
        if relative.ends_with(".ini") {
            for line in String::from_utf8_lossy(&bytes).lines() {
                if let Some((_, raw)) = line.split_once(" pass = ").or_else(|| line.split_once(" fail = ")) {
                    visit(&relative, raw.as_bytes(), None);
                }
            }
            continue;
        }
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        match json.as_ref().and_then(|value| value.pointer("/input/message")) {
            Some(message) => {
                let message = match message {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                visit(&relative, message.as_bytes(), json.as_ref().and_then(|value| value.get("expected")));
            }
            None => {
                let text = String::from_utf8_lossy(&bytes);
                // Concatenated pretty-printed JSON is read as values, other text as lines.
                if text.trim_start().starts_with('{') && !text.contains("}\n{\"") {
                    let values: Vec<Value> =
                        serde_json::Deserializer::from_str(&text).into_iter::<Value>().flatten().collect();
                    if !values.is_empty() {
                        for value in values {
                            visit(&relative, value.to_string().as_bytes(), None);
                        }
                        continue;
                    }
                }
                for line in text.lines() {
                    visit(&relative, line.as_bytes(), None);
                }
            }
        }
    }
}

#[derive(Default, Debug)]
struct Outcome {
    lines: u64,
    events: u64,
    unparsed: u64,
    unknown_identifiers: u64,
    expected_threats: u64,
    threat_category_agrees: u64,
    expected_verdicts: u64,
    verdict_agrees: u64,
}

/// Nothing vanishes: every non-blank corpus line is an event or an unparsed line with a reason,
/// and the intake counts add up. No threat is ever "allowed", and no line the expectation calls
/// malware or an intrusion is read as traffic or an event. Prints per-vendor agreement.
#[test]
fn corpus_lines_do_not_vanish_and_threats_are_never_allowed() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus missing at {CORPUS} (required in CI)");
        eprintln!("corpus not found at {CORPUS}: test skipped");
        return;
    }
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut intake = utm::IntakeCounts::default();
    let mut failures = Vec::new();
    for_each_message(root, |relative, line, expected| {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let vendor_dir = relative.split('/').next().unwrap_or("").to_owned();
        let outcome = outcomes.entry(vendor_dir).or_default();
        outcome.lines += 1;
        let parsed = utm::parse_syslog_line(line, None);
        intake.add(&parsed);
        let shown = String::from_utf8_lossy(line);
        let event = match parsed {
            Ok(event) => event,
            Err(error) => {
                outcome.unparsed += 1;
                assert!(!error.to_string().is_empty());
                if outcome.unparsed <= 3 {
                    eprintln!("unparsed {relative}: {error}: {}", shown.chars().take(160).collect::<String>());
                }
                return;
            }
        };
        outcome.events += 1;
        outcome.unknown_identifiers += u64::from(event.unknown_identifier.is_some());
        if event.kind == Kind::Threat && event.action == Action::Allowed {
            failures.push(format!("{relative}: threat read as allowed: {shown}"));
        }
        let Some(expected) = expected else {
            return;
        };
        if ALLOWED.iter().any(|(pattern, _)| matches(pattern, relative)) {
            return;
        }
        let categories: Vec<&str> = match expected.pointer("/event/category") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(word)) => vec![word.as_str()],
            _ => vec![],
        };
        let threat_category = categories.iter().find(|word| matches!(**word, "malware" | "intrusion_detection"));
        if let Some(word) = threat_category {
            outcome.expected_threats += 1;
            let agrees = match *word {
                "malware" => event.category == Category::Malware,
                _ => matches!(event.category, Category::Intrusion | Category::Anomaly),
            };
            outcome.threat_category_agrees += u64::from(agrees);
            if event.kind != Kind::Threat || event.action == Action::Allowed {
                failures
                    .push(format!("{relative}: expected {word}, read as {:?}/{:?}: {shown}", event.kind, event.action));
            }
        }
        if compare_action_and_category(&event, &Value::Object(Default::default())).is_ok() {
            let words = ["/event/action", "/event/type", "/action/name"]
                .iter()
                .any(|pointer| expected.pointer(pointer).is_some());
            if words {
                outcome.expected_verdicts += 1;
                outcome.verdict_agrees += u64::from(compare_action_and_category(&event, expected).is_ok());
            }
        }
    });
    let mut totals = Outcome::default();
    for (vendor, outcome) in &outcomes {
        eprintln!(
            "lines {vendor:>14}: {:>4} read, {:>4} events, {:>3} unparsed, {:>3} unknown identifiers; threat category {}/{}, verdict {}/{}",
            outcome.lines,
            outcome.events,
            outcome.unparsed,
            outcome.unknown_identifiers,
            outcome.threat_category_agrees,
            outcome.expected_threats,
            outcome.verdict_agrees,
            outcome.expected_verdicts
        );
        assert_eq!(outcome.lines, outcome.events + outcome.unparsed, "{vendor}: lines vanished");
        totals.lines += outcome.lines;
        totals.events += outcome.events;
        totals.unparsed += outcome.unparsed;
    }
    let counted: (u64, u64) = intake
        .by_vendor
        .values()
        .fold((0, 0), |(events, unparsed), counts| (events + counts.events, unparsed + counts.unparsed));
    assert_eq!(counted, (totals.events, totals.unparsed), "intake counts disagree with the lines read");
    for line in intake.unknown_lines() {
        eprintln!("unknown: {line}");
    }
    for failure in &failures {
        eprintln!("FAIL {failure}");
    }
    assert!(failures.is_empty(), "{} corpus lines misread as not a threat", failures.len());
}

/// The transport protocol agrees with the expectations that name one (`network.transport`),
/// and every vendor whose expectations carry a protocol has it read from most of its lines.
/// (The other team's `rule.*` fields hold profiles and policy types as often as policies, so
/// policies are checked on written lines in the unit tests instead.)
#[test]
fn corpus_transport_agrees() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus missing at {CORPUS} (required in CI)");
        eprintln!("corpus not found at {CORPUS}: test skipped");
        return;
    }
    let mut failures = Vec::new();
    let mut read: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for_each_message(root, |relative, line, expected| {
        let (Some(expected), Ok(event)) = (expected, utm::parse_syslog_line(line, None)) else { return };
        if ALLOWED.iter().any(|(pattern, _)| matches(pattern, relative)) {
            return;
        }
        let Some(wanted) = expected.pointer("/network/transport").and_then(Value::as_str) else { return };
        let wanted = wanted.trim().to_lowercase();
        if wanted.is_empty() || !wanted.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-') {
            return;
        }
        let counts = read.entry(relative.split('/').next().unwrap_or("").to_owned()).or_default();
        counts.0 += 1;
        if let Some(got) = event.transport.as_deref() {
            counts.1 += 1;
            // Some expectations keep the vendor's word (`icmp6`) or the IANA number.
            let number = match wanted.as_str() {
                "6" => "tcp",
                "17" => "udp",
                "1" => "icmp",
                other => other,
            };
            if got != number && !(got == "ipv6-icmp" && wanted.starts_with("icmp")) {
                failures.push(format!("{relative}: transport {got} != expected {wanted}"));
            }
        }
    });
    for (vendor, (expected, got)) in &read {
        eprintln!("transport {vendor:>14}: {got} of {expected} expected transports read");
        if *got * 10 < *expected * 8 {
            failures.push(format!("{vendor}: only {got} of {expected} transports read"));
        }
    }
    for failure in &failures {
        eprintln!("MISMATCH {failure}");
    }
    assert!(failures.is_empty(), "{} corpus transports disagree", failures.len());
}

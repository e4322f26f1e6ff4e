//! Generated FortiGate logs parse to exactly the classification the generator wrote them for,
//! and roll up to the same totals.

use utm::generate::Generator;
use utm::rollup::Rollup;
use utm::{Kind, Vendor, parse_syslog_line};

#[test]
fn generated_lines_parse_as_intended() {
    let mut generator = Generator::new(20_250_602);
    let mut line = Vec::new();
    let mut rollup = Rollup::new();
    let (mut threats, mut traffic, mut events) = (0u64, 0u64, 0u64);
    let mut seen_subtypes = std::collections::BTreeSet::new();
    for number in 0..100_000 {
        line.clear();
        let intent = generator.next_line(&mut line);
        let text = &line[..line.len() - 1];
        let event = parse_syslog_line(text, None)
            .unwrap_or_else(|error| panic!("line {number}: {error}: {}", String::from_utf8_lossy(text)));
        assert_eq!(event.vendor, Vendor::Fortigate);
        assert_eq!(
            (event.kind, event.category, event.action),
            (intent.kind, intent.category, intent.action),
            "line {number}: {}",
            String::from_utf8_lossy(text)
        );
        assert!(event.time.is_some() && event.device.is_some() && !event.time_zone_assumed);
        assert_eq!(event.utc_offset_seconds, Some(9 * 3600));
        if event.kind == Kind::Threat {
            assert!(
                event.signature.is_some() || event.category == utm::Category::Spam,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        match intent.kind {
            Kind::Threat => threats += 1,
            Kind::Traffic => traffic += 1,
            Kind::Event => events += 1,
        }
        let text = String::from_utf8_lossy(text);
        if let Some(start) = text.find(" subtype=\"") {
            let rest = &text[start + 10..];
            seen_subtypes.insert(rest[..rest.find('"').unwrap()].to_owned());
        }
        rollup.add(&event);
    }
    for subtype in [
        "forward",
        "local",
        "virus",
        "ips",
        "webfilter",
        "app-ctrl",
        "anomaly",
        "dns",
        "emailfilter",
        "dlp",
        "ssl",
        "system",
        "vpn",
        "user",
    ] {
        assert!(seen_subtypes.contains(subtype), "subtype {subtype} never generated");
    }
    assert!(traffic > 85_000 && threats > 1_000 && events > 1_000, "{traffic} {threats} {events}");
    assert_eq!((rollup.threat_total(), rollup.traffic_total(), rollup.event_total()), (threats, traffic, events));
}

#[test]
fn rollup_of_generated_text_matches_its_lines() {
    let mut text = Vec::new();
    let written = Generator::new(3).write_to(&mut text, 2_000_000).unwrap();
    let mut whole = Rollup::new();
    whole.add_lines(&text);
    assert_eq!(whole.unparsed(), 0);
    assert_eq!(whole.threat_total() + whole.traffic_total() + whole.event_total(), written.lines);
    assert_eq!(whole.threat_total(), written.threats);
    // Split at an arbitrary line boundary and merge: same rows.
    let middle = text.len() / 3;
    let cut = middle + text[middle..].iter().position(|byte| *byte == b'\n').unwrap() + 1;
    let mut first = Rollup::new();
    first.add_lines(&text[..cut]);
    let mut second = Rollup::new();
    second.add_lines(&text[cut..]);
    second.merge(first);
    assert_eq!(second.threats(), whole.threats());
    assert_eq!(second.traffic(), whole.traffic());
}

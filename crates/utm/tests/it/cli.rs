//! `run_parse`, the library side of `kojo utm parse`, on plain and gzip files.

use std::io::Write;

use serde_json::Value;
use utm::{Category, Vendor, run_parse};

const LINES: &str = concat!(
    r#"<189>date=2024-05-01 time=10:15:30 devid="FGT60F0001" logid="0211008192" type="utm" subtype="virus" eventtype="infected" level="warning" action="blocked" srcip=192.168.1.10 srcport=50000 dstip=203.0.113.5 dstport=80 virus="EICAR_TEST_FILE" url="http://example.com/eicar.com" user="tanaka" tz="+0900""#,
    "\n",
    r#"<189>date=2024-05-01 time=10:15:31 devid="FGT60F0001" logid="0000000013" type="traffic" subtype="forward" action="close" srcip=192.168.1.10 dstip=203.0.113.5 utmaction="block" countav=1"#,
    "\n\nthis is not a log line\n",
);

#[test]
fn prints_one_json_object_per_event_and_a_summary() {
    let directory = std::env::temp_dir().join(format!("utm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let plain = directory.join("fgt.log");
    std::fs::write(&plain, LINES).unwrap();
    let gzip = directory.join("fgt.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(LINES.as_bytes()).unwrap();
    std::fs::write(&gzip, encoder.finish().unwrap()).unwrap();

    let mut out = Vec::new();
    let mut summary = Vec::new();
    let totals = run_parse(None, &[plain.clone(), gzip], &mut out, &mut summary).unwrap();
    std::fs::remove_dir_all(&directory).unwrap();

    assert_eq!((totals.files, totals.lines, totals.blank_lines, totals.events, totals.unparsed), (2, 8, 2, 4, 2));
    assert_eq!(totals.by_vendor[&Vendor::Fortigate], 4);
    assert_eq!(totals.by_category[&Category::Malware], 2);
    let records: Vec<Value> =
        String::from_utf8(out).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(records.len(), 4);
    let first = &records[0];
    for key in [
        "time",
        "vendor",
        "device",
        "category",
        "action",
        "severity",
        "signature",
        "src_ip",
        "src_port",
        "dst_ip",
        "dst_port",
        "url",
        "user",
        "kind",
        "file",
        "line",
    ] {
        assert!(first.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(first["time"], "2024-05-01T01:15:30Z");
    assert_eq!(first["vendor"], "fortigate");
    assert_eq!(first["device"], "FGT60F0001");
    assert_eq!(first["kind"], "threat");
    assert_eq!(first["category"], "malware");
    assert_eq!(first["action"], "blocked");
    assert_eq!(first["severity"], "medium");
    assert_eq!(first["signature"], "EICAR_TEST_FILE");
    assert_eq!(first["src_ip"], "192.168.1.10");
    assert_eq!(first["src_port"], 50000);
    assert_eq!(first["dst_port"], 80);
    assert_eq!(first["user"], "tanaka");
    assert_eq!(first["file"], plain.display().to_string());
    assert_eq!(first["line"], 1);
    let second = &records[1];
    assert_eq!(second["kind"], "traffic");
    assert_eq!(second["signature"], Value::Null);
    assert_eq!(second["line"], 2);
    let summary = String::from_utf8(summary).unwrap();
    assert!(summary.contains("lines read: 8"), "{summary}");
    assert!(summary.contains("malware=2"), "{summary}");
    assert!(summary.contains("unparsed:"), "{summary}");
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let error = run_parse(None, &["/nonexistent/utm.log".into()], &mut Vec::new(), &mut Vec::new()).unwrap_err();
    assert!(error.to_string().contains("/nonexistent/utm.log"));
}

#[test]
fn summary_counts_unknown_message_types_per_vendor() {
    let directory = std::env::temp_dir().join(format!("utm-cli-unknown-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join("wg.log");
    std::fs::write(
        &path,
        concat!(
            "<129>Mar  2 10:01:01 fbx firewall: msg_id=\"3000-0155\" SYN flood attack against 192.0.2.10 from 198.51.100.24 detected.\n",
            "<129>Mar  2 10:01:02 fbx firewall: msg_id=\"3000-0155\" SYN flood attack against 192.0.2.11 from 198.51.100.24 detected.\n",
            "<140>Mar  2 10:00:01 fbx firewall: msg_id=\"3000-0148\" Allow 1-Trusted 0-External 60 tcp 20 64 192.168.10.5 203.0.113.7 50123 443 (HTTPS-00)\n",
            "not a log line\n",
        ),
    )
    .unwrap();
    let mut out = Vec::new();
    let mut summary = Vec::new();
    let totals = run_parse(None, &[path], &mut out, &mut summary).unwrap();
    std::fs::remove_dir_all(&directory).unwrap();
    let watchguard = &totals.intake.by_vendor["watchguard"];
    assert_eq!((watchguard.events, watchguard.unknown_identifiers, watchguard.unparsed), (3, 2, 0));
    assert_eq!(totals.intake.by_vendor["unknown"].unparsed, 1);
    let summary = String::from_utf8(summary).unwrap();
    assert!(summary.contains("watchguard: 2 lines of unknown message type 3000-0155"), "{summary}");
    let first: Value = serde_json::from_slice(out.split(|byte| *byte == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["unknown_identifier"], "3000-0155");
    assert_eq!(first["kind"], "threat");
    let third: Value = serde_json::from_slice(out.split(|byte| *byte == b'\n').nth(2).unwrap()).unwrap();
    assert!(third.get("unknown_identifier").is_none());
}

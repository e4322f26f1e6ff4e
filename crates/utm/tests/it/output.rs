//! Both output formats of `kojo utm parse` on every line of the shared corpus and on generated
//! FortiGate lines: Kojo's JSON record is exactly what serializing the event's fields with
//! `serde_json` gives, and the ECS document is valid nested JSON carrying the same values.

use std::path::Path;

use serde_json::{Value, json};
use utm::output::{FileName, Format, Origin, write_event};
use utm::{Event, Kind};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Every line of the corpus files (JSON test cases by their message, other files by line), and
/// 20,000 generated FortiGate lines.
fn lines() -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut text = Vec::new();
    utm::generate::Generator::new(11).write_to(&mut text, 16 << 20).unwrap();
    lines.extend(text.split(|byte| *byte == b'\n').take(20_000).map(<[u8]>::to_vec));
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus missing at {CORPUS} (required in CI)");
        eprintln!("corpus not found at {CORPUS}: only generated lines checked");
        return lines;
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(directory) = stack.pop() {
        for entry in std::fs::read_dir(&directory).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            match serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|value| value.pointer("/input/message").cloned())
            {
                Some(Value::String(message)) => lines.push(message.into_bytes()),
                Some(other) => lines.push(other.to_string().into_bytes()),
                None => lines.extend(bytes.split(|byte| *byte == b'\n').map(<[u8]>::to_vec)),
            }
        }
    }
    lines
}

/// The record as the command wrote it with `serde_json` before it had its own writer.
fn serde_record(event: &Event<'_>, file: &str, line: u64) -> Value {
    let mut record = json!({
        "time": event.time.map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        "utc_offset_seconds": event.utc_offset_seconds,
        "time_zone_assumed": event.time_zone_assumed,
        "vendor": event.vendor,
        "device": event.device,
        "kind": event.kind,
        "category": event.category,
        "action": event.action,
        "severity": event.severity,
        "vendor_severity": event.vendor_severity,
        "signature": event.signature,
        "src_ip": event.src_ip,
        "src_port": event.src_port,
        "dst_ip": event.dst_ip,
        "dst_port": event.dst_port,
        "url": event.url,
        "user": event.user,
        "transport": event.transport,
        "policy_id": event.policy_id,
        "policy_name": event.policy_name,
        "file": file,
        "line": line,
    });
    if let Some(identifier) = &event.unknown_identifier {
        record["unknown_identifier"] = json!(identifier);
    }
    record
}

fn no_dotted_keys(value: &Value, path: &str) {
    if let Value::Object(map) = value {
        for (key, child) in map {
            assert!(key == "@timestamp" || !key.contains('.'), "dotted key {path}.{key}");
            no_dotted_keys(child, &format!("{path}.{key}"));
        }
    }
}

#[test]
fn both_formats_carry_every_event_field() {
    let mut checked = 0;
    for (number, line) in lines().iter().enumerate() {
        let Ok(event) = utm::parse_syslog_line(line, None) else { continue };
        let original = String::from_utf8_lossy(line);
        let file = FileName::new("logs/\"fw\"\\1.log");
        let origin = Origin { file: &file, line: number as u64 + 1, original: &original };

        let mut out = Vec::new();
        write_event(&mut out, Format::Json, &event, &origin);
        assert_eq!(out.last(), Some(&b'\n'));
        let record: Value = serde_json::from_slice(&out).unwrap_or_else(|error| panic!("{error}: {original}"));
        assert_eq!(record, serde_record(&event, file.as_str(), origin.line), "{original}");
        // Field order is part of the interface: the same as the serde record's declaration.
        let text = String::from_utf8(out).unwrap();
        let position = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
        assert!(position("time") < position("vendor") && position("user") < position("file"), "{text}");

        let mut out = Vec::new();
        write_event(&mut out, Format::Ecs, &event, &origin);
        let document: Value = serde_json::from_slice(&out).unwrap_or_else(|error| panic!("{error}: {original}"));
        no_dotted_keys(&document, "");
        assert_eq!(document["ecs"]["version"], utm::output::ECS_VERSION);
        assert_eq!(document["event"]["original"], original.as_ref());
        assert_eq!(document["event"]["action"], event.action.code());
        assert_eq!(document["event"]["kind"], if event.kind == Kind::Threat { "alert" } else { "event" });
        assert_eq!(document["kojo"]["category"], event.category.code());
        assert_eq!(document["kojo"]["line"], origin.line);
        assert_eq!(document["log"]["file"]["path"], file.as_str());
        let time = event.time.map(|time| json!(time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)));
        assert_eq!(document.get("@timestamp").cloned(), time);
        assert_eq!(document.pointer("/source/ip").cloned(), event.src_ip.map(|ip| json!(ip)));
        assert_eq!(document.pointer("/source/port").cloned(), event.src_port.map(|port| json!(port)));
        assert_eq!(document.pointer("/destination/ip").cloned(), event.dst_ip.map(|ip| json!(ip)));
        assert_eq!(document.pointer("/destination/port").cloned(), event.dst_port.map(|port| json!(port)));
        assert_eq!(document.pointer("/network/transport").cloned(), event.transport.as_deref().map(|name| json!(name)));
        assert_eq!(document.pointer("/user/name").cloned(), event.user.as_deref().map(|name| json!(name)));
        if let Some(serial) = event.device.as_deref().filter(|_| event.device_is_serial) {
            assert_eq!(document["observer"]["serial_number"], serial);
        }
        match utm::output::observer(event.vendor) {
            Some((vendor, product, _)) => {
                assert_eq!(document["observer"]["vendor"], vendor);
                assert_eq!(document["observer"]["product"], product);
            }
            None => assert!(document.pointer("/observer/vendor").is_none()),
        }
        if event.kind == Kind::Threat && event.signature.is_some() {
            assert_eq!(document["rule"]["name"], event.signature.as_deref().unwrap());
        }
        checked += 1;
    }
    assert!(checked > 20_000, "only {checked} events checked");
}

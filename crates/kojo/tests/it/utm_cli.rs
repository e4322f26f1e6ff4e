//! The `kojo utm` commands as an operator runs them (the real binary): `parse` in Kojo's JSON
//! and in ECS, and `import`, whose end report and stored counts say per vendor how many events,
//! lines of unknown message types and unparsed lines the files held — shown on the device page.
//! Lines are real corpus samples (`../shared/corpus`, read at run time) and lines written from
//! the vendors' log references.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use serde_json::{Value, json};
use store::devices::NewDevice;

on_both_backends!(import_reports_and_stores_what_the_logs_held);

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// FortiOS 7 IPS log as in the Log Message Reference (logid 0419016384).
const FORTIGATE_IPS: &str = r#"date=2024-05-01 time=10:15:30 devname="FGT60F" devid="FGT60FTK20000042" eventtime=1714526130000000000 tz="+0900" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" severity="critical" srcip=198.51.100.7 srcport=51234 dstip=192.0.2.10 dstport=445 proto=6 action="dropped" policyid=3 policyname="WAN-to-DMZ" attack="MS.SMB.Server.Trans2.Code.Execution" attackid=43796"#;

/// A FortiOS session record, `n` seconds after the IPS line.
fn fortigate_session(n: u32) -> String {
    format!(
        r#"date=2024-05-01 time=10:16:{n:02} devname="FGT60F" devid="FGT60FTK20000042" eventtime={} tz="+0900" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=192.168.1.10 srcport={} dstip=203.0.113.5 dstport=443 proto=6 action="accept" policyid=1 policyname="LAN-to-WAN""#,
        1_714_526_160u64 + u64::from(n),
        50_000 + n
    )
}

/// WatchGuard alarm whose message id (3000-0155) is not in the catalogue, and a known traffic line.
const WATCHGUARD: [&str; 3] = [
    "<129>Mar  2 10:01:01 fbx firewall: msg_id=\"3000-0155\" SYN flood attack against 192.0.2.10 from 198.51.100.24 detected.",
    "<129>Mar  2 10:01:02 fbx firewall: msg_id=\"3000-0155\" SYN flood attack against 192.0.2.11 from 198.51.100.24 detected.",
    "<140>Mar  2 10:00:01 fbx firewall: msg_id=\"3000-0148\" Allow 1-Trusted 0-External 60 tcp 20 64 192.168.10.5 203.0.113.7 50123 443 (HTTPS-00)",
];

/// The message of a corpus test case, or `None` (outside CI) when the corpus is not there.
fn corpus_message(relative: &str) -> Option<String> {
    let path = Path::new(CORPUS).join(relative);
    if !path.is_file() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "corpus missing at {CORPUS} (required in CI)");
        return None;
    }
    let value: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    Some(value.pointer("/input/message").and_then(Value::as_str).unwrap().to_owned())
}

fn kojo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kojo")).args(args).env("KOJO_LOG", "error").output().expect("kojo runs")
}

fn write_lines(directory: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn parse_writes_kojo_json_and_ecs() {
    let directory = tempfile::tempdir().unwrap();
    let mut lines = vec![FORTIGATE_IPS.to_owned(), fortigate_session(1)];
    let corpus: Vec<String> = ["fortigate/sekoia/test_ips.STANDARD.json", "watchguard/sekoia/connection_deny.json"]
        .iter()
        .filter_map(|relative| corpus_message(relative))
        .collect();
    lines.extend(corpus.iter().cloned());
    lines.push("this line is not a log".to_owned());
    let path = write_lines(directory.path(), "fw.log", &lines);
    let file = path.to_str().unwrap();

    let ecs = kojo(&["utm", "parse", "--format", "ecs", file]);
    assert!(ecs.status.success(), "{}", String::from_utf8_lossy(&ecs.stderr));
    let documents: Vec<Value> =
        String::from_utf8(ecs.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(documents.len(), lines.len() - 1, "one document per event; the unparsed line is counted, not written");
    let ips = &documents[0];
    assert_eq!(ips["@timestamp"], "2024-05-01T01:15:30Z");
    assert_eq!(ips["event"]["kind"], "alert");
    assert_eq!(ips["event"]["category"], json!(["intrusion_detection", "network"]));
    assert_eq!(ips["event"]["type"], json!(["denied"]));
    assert_eq!(ips["event"]["outcome"], "failure");
    assert_eq!(ips["event"]["severity"], 5);
    assert_eq!(ips["event"]["original"], FORTIGATE_IPS);
    assert_eq!(
        ips["observer"],
        json!({"vendor": "Fortinet", "product": "FortiGate", "type": "firewall", "serial_number": "FGT60FTK20000042"})
    );
    assert_eq!(ips["source"], json!({"ip": "198.51.100.7", "port": 51234}));
    assert_eq!(ips["destination"], json!({"ip": "192.0.2.10", "port": 445}));
    assert_eq!(ips["network"]["transport"], "tcp");
    assert_eq!(ips["rule"], json!({"name": "MS.SMB.Server.Trans2.Code.Execution", "ruleset": "WAN-to-DMZ"}));
    assert_eq!(ips["log"]["file"]["path"], file);
    let session = &documents[1];
    assert_eq!(session["event"]["kind"], "event");
    assert_eq!(session["event"]["type"], json!(["connection", "allowed"]));
    assert_eq!(session["rule"], json!({"id": "1", "name": "LAN-to-WAN"}));
    if corpus.len() == 2 {
        // The corpus IPS line (FortiOS, `tz="-0700"`) and WatchGuard's LEEF deny.
        assert_eq!(documents[2]["event"]["kind"], "alert");
        assert_eq!(documents[2]["event"]["category"][0], "intrusion_detection");
        assert_eq!(documents[2]["event"]["timezone"], "-07:00");
        assert_eq!(documents[3]["observer"]["vendor"], "WatchGuard");
        assert_eq!(documents[3]["event"]["type"], json!(["connection", "denied"]));
        assert_eq!(documents[3]["network"]["transport"], "tcp");
    }
    let summary = String::from_utf8(ecs.stderr).unwrap();
    assert!(summary.contains("unparsed:    1 × unparsed line (unknown vendor)"), "{summary}");

    let plain = kojo(&["utm", "parse", file]);
    assert!(plain.status.success());
    let first: Value = serde_json::from_str(String::from_utf8(plain.stdout).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["kind"], "threat");
    assert_eq!(first["transport"], "tcp");
    assert_eq!(first["policy_name"], "WAN-to-DMZ");
    assert_eq!(first["line"], 1);

    let refused = kojo(&["utm", "parse", "--format", "xml", file]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown format"));
}

async fn import_reports_and_stores_what_the_logs_held(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let db = &app.running.db;
    let company = submit(&app, 7).await;
    let serial = "FGT60FTK20000042";
    let device = store::devices::register(
        db,
        NewDevice { application_id: company, vendor: "Fortinet", model: "FortiGate 60F", serial, sender_address: None },
        chrono::Utc::now(),
    )
    .await
    .unwrap();

    let mut lines = vec![FORTIGATE_IPS.to_owned()];
    lines.extend((0..5).map(fortigate_session));
    // A UTM subtype the FortiGate catalogue does not have: classified by its family, counted.
    lines.push(FORTIGATE_IPS.replace("subtype=\"ips\"", "subtype=\"new-engine\""));
    lines.extend(WATCHGUARD.iter().map(|line| line.to_string()));
    let corpus: Vec<String> = ["fortigate/sekoia/traffic.json", "fortigate/sekoia/malicious_url_blocked.json"]
        .iter()
        .filter_map(|relative| corpus_message(relative))
        .collect();
    lines.extend(corpus.iter().cloned());
    lines.push("this line is not a log".to_owned());
    lines.push(String::new());
    let fortigate_events = 1 + 5 + 1 + corpus.len() as u64;
    let directory = tempfile::tempdir().unwrap();
    let path = write_lines(directory.path(), "device.log", &lines);

    let data_dir = app.data_dir.path().to_str().unwrap().to_owned();
    let mut args = vec!["--data-dir", data_dir.as_str()];
    if let Some(url) = app.config.database_url.as_deref() {
        args.extend(["--database-url", url]);
    }
    args.extend(["utm", "import", "--device", serial, path.to_str().unwrap()]);
    let output = kojo(&args);
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{report}\n{}", String::from_utf8_lossy(&output.stderr));
    let japanese = report.find("ベンダー別 / per vendor:").expect(&report);
    assert!(report.find("読み込んだ行:").unwrap() < report.find("lines:").unwrap(), "Japanese first:\n{report}");
    for expected in [
        format!("fortigate: イベント {fortigate_events} 件、未知のメッセージ種別 1 行、解析できなかった行 0 行 / {fortigate_events} events, 1 lines of unknown message types, 0 unparsed lines"),
        "watchguard: イベント 3 件、未知のメッセージ種別 2 行、解析できなかった行 0 行".to_owned(),
        "unknown: イベント 0 件、未知のメッセージ種別 0 行、解析できなかった行 1 行".to_owned(),
        "watchguard: 未知のメッセージ種別 3000-0155 が 2 行 / 2 lines of unknown message type 3000-0155".to_owned(),
        "fortigate: 未知のメッセージ種別 utm/new-engine/signature が 1 行 / 1 line of unknown message type utm/new-engine/signature".to_owned(),
    ] {
        assert!(report[japanese..].contains(&expected), "missing {expected:?} in:\n{report}");
    }

    // The counts are stored with the batches, and add up over imports.
    let stored = store::logs::device_intake(db, device).await.unwrap();
    let counts = |vendor: &str| {
        let row = stored.vendors.iter().find(|row| row.counts.vendor == vendor).unwrap();
        (row.counts.events, row.counts.unknown_identifiers, row.counts.unparsed)
    };
    assert_eq!(counts("fortigate"), (fortigate_events, 1, 0));
    assert_eq!(counts("watchguard"), (3, 2, 0));
    assert_eq!(counts("unknown"), (0, 0, 1));
    let unknown: Vec<(&str, &str, u64)> = stored
        .unknown_identifiers
        .iter()
        .map(|row| (row.lines.vendor.as_str(), row.lines.identifier.as_str(), row.lines.lines))
        .collect();
    assert_eq!(unknown, [("watchguard", "3000-0155", 2), ("fortigate", "utm/new-engine/signature", 1)]);

    kojo::ingest::import_files(&app.running.services, device, &[&path], &app::Clock::system(), |_, _| {})
        .await
        .unwrap();
    let again = store::logs::device_intake(db, device).await.unwrap();
    let watchguard = again.vendors.iter().find(|row| row.counts.vendor == "watchguard").unwrap();
    assert_eq!((watchguard.counts.events, watchguard.counts.unknown_identifiers), (6, 4));
    assert_eq!(again.unknown_identifiers[0].lines.lines, 4);

    // The device page shows them, Japanese first, English on request.
    let operator =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&operator, "operator@example.jp", Role::UtmOperator).await;
    let page = operator.get(app.at(&format!("/office/devices/{device}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("受信したログの内訳"), "{page}");
    assert!(page.contains("未知のメッセージ種別 <code>3000-0155</code> が 4 行"), "{page}");
    assert!(
        page.contains(&format!("<td>fortigate</td><td>{}</td><td>2</td><td>0</td>", 2 * fortigate_events)),
        "{page}"
    );
    assert!(page.contains("<td>unknown</td><td>0</td><td>0</td><td>2</td>"), "{page}");
    let english =
        operator.get(app.at(&format!("/office/devices/{device}?lang=en"))).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("4 lines of unknown message type <code>3000-0155</code>"), "{english}");
    assert!(english.contains("What the logs held"));
    app.stop().await;
}

async fn submit(app: &TestApp, n: u32) -> uuid::Uuid {
    let body: Value = app.apply(&application(n, "utm")).await.json().await.unwrap();
    store::applications::find_by_reference(&app.running.db, body["reference"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

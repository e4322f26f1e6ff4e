//! Course ① devices and their logs on both backends: the registry's rules, importing a month of
//! FortiGate logs for two companies (roll-ups checked against counts computed here), and who may
//! see which device.

use crate::common;

use domain::refusal::{DeviceRefusal, Refusal};

use chrono::{NaiveDate, TimeZone};
use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use serde_json::Value;
use std::collections::BTreeMap;
use store::devices::{DeviceChange, NewDevice};
use uuid::Uuid;

on_both_backends!(
    the_registry_keeps_one_active_device_per_company,
    a_month_of_logs_rolls_up_to_the_counts_it_contains,
    companies_see_only_their_own_device,
    a_device_without_a_sender_address_is_flagged_until_staff_record_it,
);

async fn submit(app: &TestApp, n: u32, course: &str) -> Uuid {
    let body: Value = app.apply(&application(n, course)).await.json().await.unwrap();
    store::applications::find_by_reference(&app.running.db, body["reference"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

fn new_device<'a>(application_id: Uuid, serial: &'a str) -> NewDevice<'a> {
    NewDevice { application_id, vendor: "Fortinet", model: "FortiGate 60F", serial, sender_address: None }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn the_registry_keeps_one_active_device_per_company(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let db = &app.running.db;
    let company = submit(&app, 1, "utm").await;
    let other_course = submit(&app, 2, "risk_assessment").await;
    let id = store::devices::register(db, new_device(company, "FGT60FTK0000001"), chrono::Utc::now()).await.unwrap();
    let error =
        store::devices::register(db, new_device(company, "FGT60FTK0000002"), chrono::Utc::now()).await.unwrap_err();
    assert!(matches!(error, store::StoreError::Refused(Refusal::DeviceAlreadyRegistered)), "{error}");
    let error = store::devices::register(db, new_device(other_course, "FGT60FTK0000003"), chrono::Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(error, store::StoreError::Refused(Refusal::DeviceOutsideUtm)), "{error}");

    // Installation needs a survey that found it installable; removal needs an installation.
    let error = store::devices::change(db, id, DeviceChange::Installed(date(2026, 10, 1)), chrono::Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            store::StoreError::Refused(Refusal::DeviceChange(DeviceRefusal::InstallWithoutInstallableSurvey))
        ),
        "{error}"
    );
    store::devices::change(
        db,
        id,
        DeviceChange::Survey { result: domain::device::SurveyResult::Installable, notes: None },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let device =
        store::devices::change(db, id, DeviceChange::Installed(date(2026, 10, 1)), chrono::Utc::now()).await.unwrap();
    assert_eq!(device.trial_last_day(), Some(date(2026, 12, 31)));
    assert_eq!(device.stage(date(2026, 12, 31)), domain::device::DeviceStage::InTrial);
    assert_eq!(device.stage(date(2027, 1, 1)), domain::device::DeviceStage::TrialEnded);
    let error =
        store::devices::change(db, id, DeviceChange::Removed(date(2026, 9, 1)), chrono::Utc::now()).await.unwrap_err();
    assert!(
        matches!(error, store::StoreError::Refused(Refusal::DeviceChange(DeviceRefusal::DateBeforeInstallation))),
        "{error}"
    );
    store::devices::change(db, id, DeviceChange::Removed(date(2027, 1, 5)), chrono::Utc::now()).await.unwrap();
    // Once removed, a new device may be registered for the company; a serial stays unique.
    let error =
        store::devices::register(db, new_device(company, "FGT60FTK0000001"), chrono::Utc::now()).await.unwrap_err();
    assert!(matches!(error, store::StoreError::Refused(Refusal::SerialTaken(_))), "{error}");
    store::devices::register(db, new_device(company, "FGT60FTK0000004"), chrono::Utc::now()).await.unwrap();
    app.stop().await;
}

/// One FortiGate log line at `day` (JST) `hour`:00.
fn line(serial: &str, day: NaiveDate, hour: u32, kind: &str, n: u32) -> String {
    let local = chrono::FixedOffset::east_opt(9 * 3600)
        .unwrap()
        .from_local_datetime(&day.and_hms_opt(hour, 0, n % 60).unwrap())
        .unwrap();
    let nanos = local.timestamp() * 1_000_000_000;
    let head = format!(
        "date={} time={} devname=\"FGT60F\" devid=\"{serial}\" eventtime={nanos} tz=\"+0900\"",
        day,
        local.format("%H:%M:%S")
    );
    match kind {
        "virus" => format!(
            "{head} logid=\"0211008192\" type=\"utm\" subtype=\"virus\" eventtype=\"infected\" level=\"warning\" srcip=198.51.100.7 srcport=80 dstip=192.168.1.{} dstport=51000 proto=6 service=\"HTTP\" action=\"blocked\" virus=\"EICAR_TEST_FILE\" url=\"http://malware.example/eicar.com\"",
            10 + n % 5
        ),
        "ips" => format!(
            "{head} logid=\"0419016384\" type=\"utm\" subtype=\"ips\" eventtype=\"signature\" level=\"alert\" severity=\"high\" srcip=203.0.113.{} srcport=4444 dstip=192.168.1.20 dstport=445 proto=6 service=\"SMB\" attack=\"MS.SMB.Server.Trans.Peeking.Data.Information.Disclosure\" action=\"detected\"",
            n % 200
        ),
        _ => format!(
            "{head} logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" srcip=192.168.1.{} srcport={} dstip=93.184.216.34 dstport=443 proto=6 action=\"close\" policyid=1 service=\"HTTPS\" sentbyte=1200 rcvdbyte=5400",
            10 + n % 5,
            40000 + n
        ),
    }
}

async fn a_month_of_logs_rolls_up_to_the_counts_it_contains(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let db = &app.running.db;
    let dir = tempfile::tempdir().unwrap();
    let mut expected: BTreeMap<(String, NaiveDate, &str, &str), u64> = BTreeMap::new();
    let mut expected_traffic: BTreeMap<(String, NaiveDate), u64> = BTreeMap::new();
    let mut devices = Vec::new();
    for (n, serial) in [(3u32, "FGT60FTK0000010"), (4, "FGT60FTK0000020")] {
        let company = submit(&app, n, "utm").await;
        let id = store::devices::register(db, new_device(company, serial), chrono::Utc::now()).await.unwrap();
        let mut text = String::new();
        let mut counter = 0;
        for d in 1..=30 {
            let day = date(2026, 11, d);
            // A different mix each day and device, so a misattributed line shows.
            let (virus, ips, traffic) = ((d + n) % 4, (d * n) % 6, 5 + d % 3);
            for _ in 0..virus {
                counter += 1;
                text.push_str(&line(serial, day, 9 + counter % 8, "virus", counter));
                text.push('\n');
            }
            for _ in 0..ips {
                counter += 1;
                text.push_str(&line(serial, day, 1 + counter % 22, "ips", counter));
                text.push('\n');
            }
            for _ in 0..traffic {
                counter += 1;
                text.push_str(&line(serial, day, 12, "traffic", counter));
                text.push('\n');
            }
            *expected.entry((serial.to_string(), day, "malware", "blocked")).or_default() += virus as u64;
            *expected.entry((serial.to_string(), day, "intrusion", "detected")).or_default() += ips as u64;
            *expected_traffic.entry((serial.to_string(), day)).or_default() += traffic as u64;
        }
        text.push_str("this line is not a log\n");
        // Gzip one file, keep the other plain: both are read.
        let path = dir.path().join(format!("{serial}.log"));
        if n == 3 {
            use std::io::Write;
            let file = std::fs::File::create(path.with_extension("log.gz")).unwrap();
            let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
            gz.write_all(text.as_bytes()).unwrap();
            gz.finish().unwrap();
            devices.push((serial, id, path.with_extension("log.gz")));
        } else {
            std::fs::write(&path, text).unwrap();
            devices.push((serial, id, path));
        }
    }
    expected.retain(|_, count| *count > 0);
    for (serial, id, path) in &devices {
        let summary = kojo::ingest::import_files(&app.running.services, *id, &[path], &app::Clock::system(), |_, _| {})
            .await
            .unwrap();
        // Sessions are counted through the roll-up's shortcut, threats parsed in full: the
        // summary agrees with the lines written either way.
        let threats: u64 = expected.iter().filter(|(key, _)| key.0 == *serial).map(|(_, count)| count).sum();
        let traffic: u64 = expected_traffic.iter().filter(|(key, _)| key.0 == *serial).map(|(_, count)| count).sum();
        assert_eq!((summary.threats, summary.traffic, summary.unparsed), (threats, traffic, 1));
        assert_eq!(summary.lines, threats + traffic + summary.other_events + 1);
    }
    let (from, to) = (date(2026, 11, 1), date(2026, 11, 30));
    let mut stored: BTreeMap<(String, NaiveDate, &str, &str), u64> = BTreeMap::new();
    let mut stored_traffic: BTreeMap<(String, NaiveDate), u64> = BTreeMap::new();
    for (serial, id, _) in &devices {
        for row in store::logs::threat_counts(db, *id, from, to).await.unwrap() {
            let category: &str = Box::leak(row.category.into_boxed_str());
            let action: &str = Box::leak(row.action.into_boxed_str());
            *stored.entry((serial.to_string(), row.day, category, action)).or_default() += row.count;
        }
        for row in store::logs::traffic_counts(db, *id, from, to).await.unwrap() {
            *stored_traffic.entry((serial.to_string(), row.day)).or_default() += row.count;
        }
        assert_eq!(store::logs::unparsed(db, *id).await.unwrap().len(), 1);
    }
    assert_eq!(stored, expected, "threat roll-ups match the lines written");
    assert_eq!(stored_traffic, expected_traffic, "traffic roll-ups match, and never count as threats");
    let totals: BTreeMap<Uuid, u64> =
        store::logs::threat_totals_by_device(db, from, to).await.unwrap().into_iter().collect();
    for (serial, id, _) in &devices {
        let want: u64 = expected.iter().filter(|((s, ..), _)| s == serial).map(|(_, c)| c).sum();
        assert_eq!(totals[id], want);
    }
    // Importing again adds (roll-ups are additive across batches).
    let (_, id, path) = &devices[1];
    kojo::ingest::import_files(&app.running.services, *id, &[path], &app::Clock::system(), |_, _| {}).await.unwrap();
    let again: u64 = store::logs::threat_counts(db, *id, from, to).await.unwrap().iter().map(|r| r.count).sum();
    assert_eq!(again, 2 * totals[id]);
    app.stop().await;
}

async fn companies_see_only_their_own_device(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let db = &app.running.db;
    let mine = submit(&app, 5, "utm").await;
    let theirs = submit(&app, 6, "utm").await;
    store::devices::register(db, new_device(mine, "FGT-MINE-0001"), chrono::Utc::now()).await.unwrap();
    let other = store::devices::register(db, new_device(theirs, "FGT-THEIRS-0001"), chrono::Utc::now()).await.unwrap();
    // The company, signed in through its portal link, sees its own device only.
    let user = store::portal::company_user(db, mine, chrono::Utc::now()).await.unwrap();
    let token = store::portal::issue_link(db, user.id, chrono::Utc::now()).await.unwrap();
    let company =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    company.get(app.at(&format!("/portal/auth/{token}"))).send().await.unwrap();
    let page = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("FGT-MINE-0001"));
    assert!(!page.contains("FGT-THEIRS-0001"));
    assert_eq!(company.get(app.at(&format!("/office/devices/{other}"))).send().await.unwrap().status(), 403);
    assert_eq!(company.get(app.at("/office/devices")).send().await.unwrap().status(), 403);
    // An expert has no access; the UTM operator has.
    let expert =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    assert_eq!(expert.get(app.at("/office/devices")).send().await.unwrap().status(), 403);
    let operator =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&operator, "operator@example.jp", Role::UtmOperator).await;
    let page = operator.get(app.at("/office/devices")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("FGT-MINE-0001") && page.contains("FGT-THEIRS-0001"));
    assert!(page.contains("syslog 受信は動いていません"), "no listener has reported yet");

    // Listeners' counters: one running, one that stopped writing two minutes ago (died).
    let now = chrono::Utc::now();
    let status = |name: &str, updated_at, received| store::logs::ListenerStatus {
        name: name.into(),
        started_at: now - chrono::Duration::hours(1),
        updated_at,
        running: true,
        received,
        stored: received - 7,
        unparsed: 3,
        unknown: 4,
        removed_device: 0,
        dropped: 0,
        failed: 0,
        refused_sender: 2,
        vendors: store::logs::VendorCounts {
            vendors: vec![store::logs::VendorCount {
                vendor: "watchguard".into(),
                events: 90,
                unknown_identifiers: 12,
                unparsed: 3,
            }],
            unknown_identifiers: vec![("watchguard".into(), "3000-0199".into(), 12)],
        },
        ..Default::default()
    };
    let db = &app.running.db;
    store::logs::record_listener_status(db, &status("udp 0.0.0.0:514", now, 123_456)).await.unwrap();
    store::logs::record_listener_status(db, &status("tcp 0.0.0.0:601", now - chrono::Duration::minutes(2), 50))
        .await
        .unwrap();
    let page = operator.get(app.at("/office/devices")).send().await.unwrap().text().await.unwrap();
    let table = &page[page.find("id=\"listeners\"").unwrap()..page.find("id=\"unknown-senders\"").unwrap()];
    assert!(
        table.contains("<td>udp 0.0.0.0:514</td><td>受信中</td><td>123456</td><td>123449</td><td>3</td><td>4</td>"),
        "{table}"
    );
    assert!(table.contains("<td>tcp 0.0.0.0:601</td><td><strong>応答なし</strong></td><td>50</td>"), "{table}");
    // Per vendor (issue 17): events, those of unknown message types, unparsed lines.
    assert!(
        table.contains("<td>udp 0.0.0.0:514</td><td>watchguard</td><td>90</td><td><strong>12</strong></td><td>3</td>"),
        "{table}"
    );
    assert!(table.contains("watchguard: カタログにない種別 <code>3000-0199</code> 12行"), "{table}");
    app.stop().await;
}

/// Issue 18, row 3, for staff: a device without a sender address (its logs are refused until
/// then) is flagged in the list and on its page; the unknown senders list offers the address
/// its logs came from, and recording it on the device page is audited. A wrong address is refused.
async fn a_device_without_a_sender_address_is_flagged_until_staff_record_it(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let db = &app.running.db;
    let company = submit(&app, 7, "utm").await;
    let id = store::devices::register(db, new_device(company, "FGT-NOADDR-0001"), chrono::Utc::now()).await.unwrap();
    let waiting = store::logs::UnknownMessages {
        sender: "203.0.113.10",
        serial: Some("FGT-NOADDR-0001"),
        reason: store::logs::UnknownReason::NoSenderAddress,
        sample: "devid=FGT-NOADDR-0001",
        messages: 12,
    };
    store::logs::note_unknown_messages(db, waiting, chrono::Utc::now()).await.unwrap();
    let operator =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&operator, "operator@example.jp", Role::UtmOperator).await;
    let list = operator.get(app.at("/office/devices")).send().await.unwrap().text().await.unwrap();
    let devices = &list[list.find("id=\"devices\"").unwrap()..list.find("</table>").unwrap()];
    assert!(devices.contains("送信元アドレス未登録"), "{devices}");
    let unknown = &list[list.find("id=\"unknown-senders\"").unwrap()..];
    assert!(unknown.contains("<td>203.0.113.10</td><td>FGT-NOADDR-0001</td><td>送信元アドレス未登録"), "{unknown}");
    let offer = format!("/office/devices/{id}?sender_address=203.0.113.10");
    assert!(unknown.contains(&offer), "{unknown}");

    let page = operator.get(app.at(&offer)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"sender-warning\""), "the device page warns");
    assert_eq!(common::hidden_value(&page, "sender_address"), "203.0.113.10", "the address is offered");
    let csrf = common::hidden_value(&page, "csrf");
    let record = |address: &'static str| {
        let form = [("csrf", csrf.clone()), ("change", "sender_address".into()), ("sender_address", address.into())];
        operator.post(app.at(&format!("/office/devices/{id}"))).form(&form).send()
    };
    let refused = record("syslog.example").await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("IPアドレス"));
    assert_eq!(record("203.0.113.10").await.unwrap().status(), 303);
    assert_eq!(store::devices::get(db, id).await.unwrap().sender_address.as_deref(), Some("203.0.113.10"));
    let page = operator.get(app.at(&format!("/office/devices/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("id=\"sender-warning\""), "no warning once recorded");
    let trail = store::audit::for_subject(db, "application", &company.to_string()).await.unwrap();
    assert!(
        trail.iter().any(|entry| entry.action == "device.change" && entry.detail.contains("203.0.113.10")),
        "{trail:?}"
    );
    app.stop().await;
}

//! Monthly UTM reports on both backends: generated from imported logs (figures checked against
//! what was imported), a "nothing detected" report, review with a comment, release to the
//! company, and the company seeing only its own released reports.

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use serde_json::Value;
use store::devices::{DeviceChange, NewDevice};
use uuid::Uuid;

on_both_backends!(a_month_is_reported_reviewed_and_released, a_report_that_cannot_be_made_does_not_stop_the_others);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, bytes).unwrap();
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) if out.status.success() => {
            Some(String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect())
        }
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!("pdftotext (poppler-utils) is required in CI"),
        _ => None,
    }
}

pub(crate) async fn installed_device(app: &TestApp, n: u32, serial: &str) -> (Uuid, Uuid) {
    let body: Value = app.apply(&application(n, "utm")).await.json().await.unwrap();
    let company = store::applications::find_by_reference(&app.running.db, body["reference"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let db = &app.running.db;
    let id = store::devices::register(
        db,
        NewDevice { application_id: company, vendor: "Fortinet", model: "FortiGate 60F", serial, sender_address: None },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    store::devices::change(
        db,
        id,
        DeviceChange::Survey { result: domain::device::SurveyResult::Installable, notes: None },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let installed = chrono::NaiveDate::from_ymd_opt(2026, 10, 20).unwrap();
    store::devices::change(db, id, DeviceChange::Installed(installed), chrono::Utc::now()).await.unwrap();
    (company, id)
}

pub(crate) fn fortigate(serial: &str, day: u32, hour: u32, threat: bool) -> String {
    let local = format!("2026-11-{day:02}T{hour:02}:00:00+09:00");
    let nanos = chrono::DateTime::parse_from_rfc3339(&local).unwrap().timestamp() * 1_000_000_000;
    let head = format!(
        "date=2026-11-{day:02} time={hour:02}:00:00 devname=\"FGT60F\" devid=\"{serial}\" eventtime={nanos} tz=\"+0900\""
    );
    if threat {
        format!(
            "{head} logid=\"0211008192\" type=\"utm\" subtype=\"virus\" eventtype=\"infected\" level=\"warning\" srcip=198.51.100.7 srcport=80 dstip=192.168.1.10 dstport=51000 service=\"HTTP\" action=\"blocked\" virus=\"EICAR_TEST_FILE\""
        )
    } else {
        format!(
            "{head} logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" srcip=192.168.1.10 srcport=40000 dstip=93.184.216.34 dstport=443 proto=6 action=\"close\" service=\"HTTPS\""
        )
    }
}

async fn a_month_is_reported_reviewed_and_released(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let db = &app.running.db;
    let (busy_company, busy) = installed_device(&app, 1, "FGT-BUSY-01").await;
    let (quiet_company, quiet) = installed_device(&app, 2, "FGT-QUIET-01").await;
    // The busy device blocks a virus on days 1..=12, `day` times a day; the quiet one only passes traffic.
    let dir = tempfile::tempdir().unwrap();
    let mut busy_log = String::new();
    let mut blocked = 0;
    for day in 1..=12u32 {
        for i in 0..day {
            busy_log.push_str(&fortigate("FGT-BUSY-01", day, 8 + i % 10, true));
            busy_log.push('\n');
            blocked += 1;
        }
    }
    let quiet_log: String = (1..=30u32).map(|day| fortigate("FGT-QUIET-01", day, 12, false) + "\n").collect();
    for (id, text, name) in [(busy, busy_log, "busy.log"), (quiet, quiet_log, "quiet.log")] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        kojo::ingest::import_files(&app.running.services, id, &[path], &app::Clock::system(), |_, _| {}).await.unwrap();
    }

    let fonts = std::sync::Arc::new(
        documents::pdf::Fonts::discover(&[]).expect("a Japanese font (fonts-morisawa-bizud-gothic) is installed"),
    );
    assert_eq!(
        app::reports::generate_month(
            &services(&app).await,
            &app::Actor::system("test"),
            fonts.clone(),
            &november(),
            chrono::Utc::now()
        )
        .await
        .unwrap()
        .made,
        2
    );
    let reports = store::reports::for_month(db, "2026-11").await.unwrap();
    let busy_report = reports.iter().find(|r| r.device_id == busy).unwrap();
    let data: documents::report::MonthlyReportData = serde_json::from_value(busy_report.data.clone()).unwrap();
    assert_eq!(data.totals().blocked, blocked, "the report counts what was imported");
    assert_eq!(data.daily.len(), 30);
    assert_eq!(data.daily[11].blocked, 12);
    assert_eq!(data.top_threats[0].signature, "EICAR_TEST_FILE");
    assert_eq!(data.month_label, "令和8年11月");
    let (_, pdf) = store::reports::pdf(db, busy_report.id).await.unwrap();
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("株式会社テスト1"), "{text}");
        assert!(text.contains("令和8年11月"));
        assert!(text.contains(&blocked.to_string()));
    }
    let quiet_report = reports.iter().find(|r| r.device_id == quiet).unwrap();
    let (_, quiet_pdf) = store::reports::pdf(db, quiet_report.id).await.unwrap();
    if let Some(text) = pdf_text(&quiet_pdf) {
        assert!(text.contains("ありませんでした"), "the nothing-detected report says so: {text}");
    }

    // Staff review: a comment re-renders the draft; release tells the company.
    let staff = client();
    app.sign_in(&staff, "operator@example.jp", Role::UtmOperator).await;
    let page = staff
        .get(app.at(&format!("/office/reports/monthly/{}", busy_report.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let response = staff
        .post(app.at(&format!("/office/reports/monthly/{}", busy_report.id)))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "comment"),
            ("comment", "ウイルス付きのファイルが毎日届いています。"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let commented = store::reports::get(db, busy_report.id).await.unwrap();
    assert_ne!(commented.pdf_sha256, busy_report.pdf_sha256, "the PDF was re-rendered with the comment");
    let response = staff
        .post(app.at(&format!("/office/reports/monthly/{}", busy_report.id)))
        .form(&[("csrf", csrf.as_str()), ("action", "release")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(store::reports::get(db, busy_report.id).await.unwrap().status, "released");
    let outbox = store::outbox::recent(db, 20).await.unwrap();
    assert!(outbox.iter().any(|m| m.to == "contact1@example.jp" && m.subject.contains("UTM月次レポート")));
    // Regenerating leaves the released report alone and refreshes the draft.
    assert_eq!(
        app::reports::generate_month(
            &services(&app).await,
            &app::Actor::system("test"),
            fonts.clone(),
            &november(),
            chrono::Utc::now()
        )
        .await
        .unwrap()
        .made,
        1
    );

    // The busy company sees its released report; the quiet one's draft is not visible to anyone outside.
    let user = store::portal::company_user(db, busy_company, chrono::Utc::now()).await.unwrap();
    let token = store::portal::issue_link(db, user.id, chrono::Utc::now()).await.unwrap();
    let company = client();
    company.get(app.at(&format!("/portal/auth/{token}"))).send().await.unwrap();
    let page =
        company.get(app.at(&format!("/portal/reports/{}", busy_report.id))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("ウイルス付きのファイルが毎日届いています。"));
    assert!(page.contains("<svg"), "the charts are on the page");
    let pdf = company.get(app.at(&format!("/portal/reports/{}/pdf", busy_report.id))).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(
        company.get(app.at(&format!("/portal/reports/{}", quiet_report.id))).send().await.unwrap().status(),
        404
    );
    let other = store::portal::company_user(db, quiet_company, chrono::Utc::now()).await.unwrap();
    let token = store::portal::issue_link(db, other.id, chrono::Utc::now()).await.unwrap();
    let quiet_client = client();
    quiet_client.get(app.at(&format!("/portal/auth/{token}"))).send().await.unwrap();
    assert_eq!(
        quiet_client.get(app.at(&format!("/portal/reports/{}", busy_report.id))).send().await.unwrap().status(),
        404
    );
    assert_eq!(
        quiet_client.get(app.at(&format!("/portal/reports/{}/pdf", busy_report.id))).send().await.unwrap().status(),
        404
    );
    app.stop().await;
}

async fn a_report_that_cannot_be_made_does_not_stop_the_others(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let db = &app.running.db;
    let (_, first) = installed_device(&app, 1, "FGT-FIRST-01").await;
    let (_, broken) = installed_device(&app, 2, "FGT-\u{10FFFD}-02").await;
    let (_, last) = installed_device(&app, 3, "FGT-LAST-03").await;
    let fonts = std::sync::Arc::new(documents::pdf::Fonts::discover(&[]).expect("a Japanese font is installed"));
    let outcome = app::reports::generate_month(
        &services(&app).await,
        &app::Actor::system("test"),
        fonts,
        &november(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.made, 2, "the devices before and after the broken one get their reports");
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].0, "FGT-\u{10FFFD}-02");
    let made: Vec<Uuid> =
        store::reports::for_month(db, "2026-11").await.unwrap().into_iter().map(|r| r.device_id).collect();
    assert!(made.contains(&first) && made.contains(&last) && !made.contains(&broken), "{made:?}");
    app.stop().await;
}

pub(crate) async fn services(app: &TestApp) -> app::Services {
    kojo::setup::services(&app.running.db, &app.config).await.unwrap()
}

pub(crate) fn november() -> app::reports::Month {
    app::reports::Month::parse("2026-11").unwrap()
}

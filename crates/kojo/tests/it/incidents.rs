//! The course ① incident desk on both backends: a portal ticket to the desk and back (e-mails,
//! timeline, what the company sees), automatic tickets from an imported log and from the
//! listener with their 24-hour dedupe, who may see what (company A never sees B's ticket; Tokyo
//! only the figures), on-site dispatch slots, and the SLA clocks run from the job table.

use crate::common;

use chrono::{Datelike, Duration, TimeZone, Utc};
use common::{Backend, Setup, TestApp, spawn_app, spawn_app_configured, spawn_app_with_clock};
use domain::access::Role;
use serde_json::Value;
use store::devices::{DeviceChange, NewDevice};
use uuid::Uuid;

on_both_backends!(
    a_portal_ticket_goes_to_the_desk_and_back,
    an_imported_detection_opens_one_ticket_and_the_next_import_joins_it,
    the_listener_opens_a_ticket_from_a_live_detection,
    a_company_sees_only_its_own_tickets_and_tokyo_only_the_figures,
    a_dispatch_is_refused_outside_weekday_hours_with_the_next_slot,
    the_sla_clock_breaches_from_the_job_table_and_pauses_for_the_company,
    the_trial_end_is_chosen_in_the_portal_and_settled_on_the_board,
    a_continued_device_leaves_the_programme_after_its_last_day,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A confirmed course ① participant (STEP5 done through the store).
pub(crate) async fn participant(app: &TestApp, n: u32) -> Uuid {
    participant_in(app, n, domain::programme::CourseCode::Utm).await
}

/// A confirmed participant of `course`.
pub(crate) async fn participant_in(app: &TestApp, n: u32, course: domain::programme::CourseCode) -> Uuid {
    participant_from(app, &crate::common::application(n, course.code()), course).await
}

/// A confirmed participant that applied with `form`.
pub(crate) async fn participant_from(
    app: &TestApp,
    form: &serde_json::Value,
    course: domain::programme::CourseCode,
) -> Uuid {
    let id = crate::agreement::ready_case_from(app, form, course).await;
    let db = &app.running.db;
    let now = Utc::now();
    let calendar = domain::calendar::BusinessCalendar::japan();
    let act = || store::cases::Act {
        application_id: id,
        actor: store::audit::Actor::System("test"),
        ip: None,
        reason: None,
        email: None,
    };
    let case = store::applications::get(db, id).await.unwrap();
    let wording = match store::agreements::wording(db, case.programme_id).await.unwrap() {
        Some(wording) => wording,
        None => store::agreements::save_wording(db, case.programme_id, &serde_json::json!({}), now).await.unwrap(),
    };
    let pdf = b"%PDF-1.7 test".to_vec();
    let (agreement, _) =
        store::agreements::issue(db, &calendar, act(), wording.id, &serde_json::json!({}), pdf.clone(), now)
            .await
            .unwrap();
    let tx = db.begin().await.unwrap();
    let upload =
        store::agreements::NewUpload { filename: "scan.pdf", content_type: "application/pdf", bytes: pdf, ip: None };
    store::agreements::upload_in(&tx, id, upload, (10, 10), now).await.unwrap();
    tx.commit().await.unwrap();
    store::agreements::confirm(db, &calendar, act(), agreement, now).await.unwrap();
    id
}

/// An installed FortiGate for the participant, sending from 127.0.0.1.
pub(crate) async fn installed(app: &TestApp, company: Uuid, serial: &str) -> Uuid {
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    installed_on(app, company, serial, today - Duration::days(10)).await
}

/// Like `installed`, on a given day.
async fn installed_on(app: &TestApp, company: Uuid, serial: &str, on: chrono::NaiveDate) -> Uuid {
    let db = &app.running.db;
    let now = Utc::now();
    let new = NewDevice {
        application_id: company,
        vendor: "Fortinet",
        model: "FortiGate 60F",
        serial,
        sender_address: Some("127.0.0.1"),
    };
    let id = store::devices::register(db, new, now).await.unwrap();
    let survey = DeviceChange::Survey { result: domain::device::SurveyResult::Installable, notes: None };
    store::devices::change(db, id, survey, now).await.unwrap();
    store::devices::change(db, id, DeviceChange::Installed(on), now).await.unwrap();
    id
}

/// A FortiGate antivirus line (FortiOS Log Reference, logid 0211008192) at `at`: the UTM saw the
/// file and, `blocked` or not, let it through (`monitored`).
fn virus(serial: &str, at: chrono::DateTime<Utc>, blocked: bool, virus: &str) -> String {
    let local = at.with_timezone(&chrono_tz::Asia::Tokyo);
    format!(
        "date={} time={} devname=\"FGT60F\" devid=\"{serial}\" eventtime={} tz=\"+0900\" logid=\"0211008192\" type=\"utm\" subtype=\"virus\" eventtype=\"infected\" level=\"warning\" srcip=192.168.1.23 srcport=51000 dstip=203.0.113.80 dstport=443 proto=6 service=\"HTTPS\" action=\"{}\" virus=\"{virus}\" url=\"https://files.example/invoice.zip\"",
        local.format("%Y-%m-%d"),
        local.format("%H:%M:%S"),
        at.timestamp() * 1_000_000_000,
        if blocked { "blocked" } else { "monitored" },
    )
}

async fn outbox(app: &TestApp) -> Vec<store::outbox::OutboxMessage> {
    store::outbox::recent(&app.running.db, 1000).await.unwrap()
}

async fn form(client: &reqwest::Client, url: String, page_url: String, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = client.get(page_url).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let mut body: Vec<(&str, &str)> = fields.to_vec();
    body.push(("csrf", csrf.as_str()));
    client.post(url).form(&body).send().await.unwrap()
}

async fn a_portal_ticket_goes_to_the_desk_and_back(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let company_id = participant(&app, 1).await;
    installed(&app, company_id, "FGT60FTK0000901").await;
    let company = crate::agreement::company_session(&app, company_id).await;
    let desk = client();
    app.sign_in(&desk, "desk@example.jp", Role::UtmOperator).await;

    // The portal home points to the desk; a form with problems keeps what was typed.
    let home = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/portal/incidents\""), "{home}");
    let list = app.at("/portal/incidents");
    let bad = form(
        &company,
        list.clone(),
        list.clone(),
        &[("category", ""), ("severity", "high"), ("subject", "不審なメール"), ("description", "")],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let page = bad.text().await.unwrap();
    assert!(page.contains("種類を選択してください") && page.contains("入力してください"), "{page}");
    assert!(page.contains("value=\"不審なメール\""), "what was typed is kept");

    let opened = form(
        &company,
        list.clone(),
        list.clone(),
        &[
            ("category", "phishing"),
            ("severity", "high"),
            ("subject", "不審なメールの添付を開いた"),
            ("description", "請求書と書かれたメールの添付を開きました。\n画面が一瞬暗くなりました。"),
        ],
    )
    .await;
    assert_eq!(opened.status(), 303);
    let location = opened.headers()["location"].to_str().unwrap().to_string();
    let id: Uuid = location.trim_start_matches("/portal/incidents/").split('?').next().unwrap().parse().unwrap();
    let ticket = store::incidents::get(&app.running.db, id).await.unwrap();
    assert_eq!(ticket.channel, domain::incident::Channel::Portal);
    assert_eq!(ticket.status, domain::incident::TicketStatus::New);
    assert_eq!(ticket.response_target, Duration::hours(1), "high: an hour to the first response");
    assert!(ticket.device_id.is_some(), "the ticket names the company's UTM");
    let mails = outbox(&app).await;
    assert!(mails.iter().any(|m| m.to == "contact1@example.jp" && m.subject.contains(&ticket.reference)));
    assert!(
        mails.iter().any(|m| m.to == "desk@example.jp" && m.body.contains(&format!("/office/incidents/{id}"))),
        "the desk (no lead named: every UTM-operator user) is told"
    );

    // The desk answers and asks; an internal note stays internal.
    let office = app.at(&format!("/office/incidents/{id}"));
    let board = desk.get(app.at("/office/incidents")).send().await.unwrap().text().await.unwrap();
    assert!(board.contains(&ticket.reference) && board.contains("株式会社テスト1"), "{board}");
    let note =
        form(&desk, office.clone(), office.clone(), &[("do", "note"), ("body", "社内メモ：EDRの導入状況を確認")]).await;
    assert_eq!(note.status(), 200);
    let ask = form(
        &desk,
        office.clone(),
        office.clone(),
        &[
            ("do", "reply"),
            ("ask_company", "yes"),
            ("body", "そのPCをLANケーブルから外してください。OSの種類を教えてください。"),
        ],
    )
    .await;
    assert_eq!(ask.status(), 200, "{}", ask.text().await.unwrap());
    let ticket = store::incidents::get(&app.running.db, id).await.unwrap();
    assert_eq!(ticket.status, domain::incident::TicketStatus::WaitingForCompany);
    assert!(ticket.first_response_at.is_some(), "the answer stops the first-response clock");
    let mails = outbox(&app).await;
    let asked = mails.iter().find(|m| m.subject.contains("確認のお願い")).expect("the company is asked by e-mail");
    assert!(!asked.body.contains("LANケーブル"), "the text stays in the portal: {}", asked.body);
    assert!(asked.body.contains("/portal/login?task=incidents"));

    // The company reads the answer (not the note) and replies: back to the desk.
    let portal = app.at(&format!("/portal/incidents/{id}"));
    let page = company.get(portal.clone()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("LANケーブルから外してください") && page.contains("id=\"task-reply\""), "{page}");
    assert!(!page.contains("EDRの導入状況"), "internal notes are the desk's own");
    let reply = form(&company, portal.clone(), portal.clone(), &[("body", "外しました。Windows 11です。")]).await;
    assert_eq!(reply.status(), 200);
    assert_eq!(
        store::incidents::get(&app.running.db, id).await.unwrap().status,
        domain::incident::TicketStatus::InProgress
    );

    // A remote action, then resolved and closed; the company is told of each.
    let action = form(
        &desk,
        office.clone(),
        office.clone(),
        &[
            ("do", "remote_action"),
            ("remote_action", "malware_removal"),
            ("body", "遠隔でスキャンし、不審なファイルを削除しました。"),
        ],
    )
    .await;
    assert_eq!(action.status(), 200);
    for event in ["resolve", "close"] {
        let moved = form(&desk, office.clone(), office.clone(), &[("do", "status"), ("event", event)]).await;
        assert_eq!(moved.status(), 200, "{event}");
    }
    let ticket = store::incidents::get(&app.running.db, id).await.unwrap();
    assert_eq!(ticket.status, domain::incident::TicketStatus::Closed);
    assert!(ticket.resolved_at.is_some() && ticket.closed_at.is_some());
    let subjects: Vec<String> =
        outbox(&app).await.into_iter().filter(|m| m.to == "contact1@example.jp").map(|m| m.subject).collect();
    assert!(subjects.iter().any(|s| s.contains("遠隔で対応しました")), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.contains("解決しました")), "{subjects:?}");
    // A closed ticket takes no more messages; the timeline shows who did what.
    let late = form(&company, portal.clone(), portal.clone(), &[("body", "まだ遅いです")]).await;
    assert_eq!(late.status(), 422);
    let page = desk.get(office.clone()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("マルウェアの遠隔駆除") && page.contains("社内のみ"), "{page}");
    let audit = store::audit::for_subject(&app.running.db, "incident_ticket", &id.to_string()).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    for expected in [
        "incident.open",
        "incident.read",
        "incident.note",
        "incident.reply",
        "incident.company_reply",
        "incident.remote_action",
        "incident.status",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    app.stop().await;
}

async fn an_imported_detection_opens_one_ticket_and_the_next_import_joins_it(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let company = participant(&app, 1).await;
    let device = installed(&app, company, "FGT60FTK0000902").await;
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now() - Duration::hours(3);
    // Three infections let through and one blocked (no ticket for that), then traffic.
    let mut log: Vec<String> =
        (0..3).map(|i| virus("FGT60FTK0000902", start + Duration::minutes(i), false, "W32/Emotet.A!tr")).collect();
    log.push(virus("FGT60FTK0000902", start, true, "EICAR_TEST_FILE"));
    let path = dir.path().join("first.log");
    std::fs::write(&path, log.join("\n") + "\n").unwrap();
    // Back-filled with --no-tickets: the detections are stored, no ticket opens.
    let clock = app::Clock::system();
    let services = &app.running.services;
    let none =
        kojo::ingest::import_files_with(services, device, &[&path], kojo::ingest::Tickets::None, &clock, |_, _| {})
            .await
            .unwrap();
    assert_eq!((none.threats, none.tickets_opened), (4, 0));
    assert!(store::incidents::list(&app.running.db, Some(company)).await.unwrap().is_empty());
    let summary = kojo::ingest::import_files(&app.running.services, device, &[&path], &app::Clock::system(), |_, _| {})
        .await
        .unwrap();
    assert_eq!((summary.tickets_opened, summary.tickets_joined), (1, 0));
    let tickets = store::incidents::list(&app.running.db, Some(company)).await.unwrap();
    assert_eq!(tickets.len(), 1);
    let ticket = &tickets[0];
    assert_eq!(ticket.channel, domain::incident::Channel::Automatic);
    assert_eq!(ticket.category, domain::incident::Category::SuspectedInfection);
    assert_eq!(ticket.severity, domain::incident::Severity::High);
    assert_eq!(ticket.detection_count, 3);
    assert!(ticket.subject.contains("W32/Emotet.A!tr"), "{}", ticket.subject);
    assert!(ticket.description.contains("通信は止めていません"), "{}", ticket.description);
    let evidence = store::incidents::detections(&app.running.db, ticket.id).await.unwrap();
    assert_eq!(evidence.len(), 3);
    assert!(evidence[0].source.ends_with("first.log:1"), "{}", evidence[0].source);

    // The same infection an hour later joins the open ticket; another virus opens its own.
    let later = [
        virus("FGT60FTK0000902", start + Duration::hours(1), false, "W32/Emotet.A!tr"),
        virus("FGT60FTK0000902", start + Duration::hours(1), false, "JS/Agent.QX!tr"),
    ];
    let path = dir.path().join("second.log");
    std::fs::write(&path, later.join("\n") + "\n").unwrap();
    let summary = kojo::ingest::import_files(&app.running.services, device, &[&path], &app::Clock::system(), |_, _| {})
        .await
        .unwrap();
    assert_eq!((summary.tickets_opened, summary.tickets_joined), (1, 1));
    let tickets = store::incidents::list(&app.running.db, Some(company)).await.unwrap();
    assert_eq!(tickets.len(), 2);
    let emotet = tickets.iter().find(|t| t.auto_signature.as_deref() == Some("W32/Emotet.A!tr")).unwrap();
    assert_eq!(emotet.detection_count, 4);
    // Once resolved, the same detection opens a new ticket.
    let desk = client();
    app.sign_in(&desk, "desk@example.jp", Role::UtmOperator).await;
    let office = app.at(&format!("/office/incidents/{}", emotet.id));
    for event in ["start", "resolve"] {
        assert_eq!(
            form(&desk, office.clone(), office.clone(), &[("do", "status"), ("event", event)]).await.status(),
            200
        );
    }
    let path = dir.path().join("third.log");
    std::fs::write(&path, virus("FGT60FTK0000902", start + Duration::hours(2), false, "W32/Emotet.A!tr") + "\n")
        .unwrap();
    let summary = kojo::ingest::import_files(&app.running.services, device, &[&path], &app::Clock::system(), |_, _| {})
        .await
        .unwrap();
    assert_eq!((summary.tickets_opened, summary.tickets_joined), (1, 0));

    // A flood of distinct signatures opens at most 20 tickets per batch; the rest share one.
    let flood: Vec<String> = (0..30)
        .map(|i| virus("FGT60FTK0000902", start + Duration::minutes(i), false, &format!("W32/Flood.{i}!tr")))
        .collect();
    let path = dir.path().join("flood.log");
    std::fs::write(&path, flood.join("\n") + "\n").unwrap();
    let summary = kojo::ingest::import_files(&app.running.services, device, &[&path], &app::Clock::system(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(summary.tickets_opened, 21, "20 and the overflow ticket");
    let tickets = store::incidents::list(&app.running.db, Some(company)).await.unwrap();
    let overflow =
        tickets.iter().find(|t| t.auto_signature.as_deref() == Some("overflow")).expect("an overflow ticket");
    assert_eq!(overflow.detection_count, 10);
    assert!(overflow.subject.contains("多数の種類の検知"), "{}", overflow.subject);
    app.stop().await;
}

async fn the_listener_opens_a_ticket_from_a_live_detection(backend: Backend) {
    let app = spawn_app_configured(backend, Setup::default(), |config| {
        config.syslog_udp = Some("127.0.0.1:0".into());
    })
    .await;
    let company = participant(&app, 1).await;
    installed(&app, company, "FGT60FTK0000903").await;
    let target = app.running.syslog_udp_addr().expect("the UDP listener");
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..2 {
        let line = virus("FGT60FTK0000903", Utc::now() - Duration::minutes(5 - i), false, "W32/Qakbot!tr");
        socket.send_to(format!("<134>{line}").as_bytes(), target).unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let ticket = loop {
        let tickets = store::incidents::list(&app.running.db, Some(company)).await.unwrap();
        if let Some(ticket) = tickets.into_iter().find(|t| t.detection_count == 2) {
            break ticket;
        }
        assert!(std::time::Instant::now() < deadline, "no ticket from the listener within 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(ticket.channel, domain::incident::Channel::Automatic);
    let evidence = store::incidents::detections(&app.running.db, ticket.id).await.unwrap();
    assert!(evidence.iter().all(|d| d.source.starts_with("syslog:")), "{evidence:?}");
    app.stop().await;
}

async fn a_company_sees_only_its_own_tickets_and_tokyo_only_the_figures(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let a = participant(&app, 1).await;
    let b = participant(&app, 2).await;
    let company_a = crate::agreement::company_session(&app, a).await;
    let company_b = crate::agreement::company_session(&app, b).await;
    let list = app.at("/portal/incidents");
    let fields =
        [("category", "consultation"), ("severity", "low"), ("subject", "B社の相談"), ("description", "社外秘の内容")];
    assert_eq!(form(&company_b, list.clone(), list.clone(), &fields).await.status(), 303);
    let b_ticket = store::incidents::list(&app.running.db, Some(b)).await.unwrap().remove(0);

    // A cannot open, reply to or download from B's ticket: not found, as if it did not exist.
    let theirs = app.at(&format!("/portal/incidents/{}", b_ticket.id));
    assert_eq!(company_a.get(theirs.clone()).send().await.unwrap().status(), 404);
    let reply = form(&company_a, theirs.clone(), list.clone(), &[("body", "覗き見")]).await;
    assert_eq!(reply.status(), 404);
    let file = app.at(&format!("/portal/incidents/{}/files/{}", b_ticket.id, Uuid::now_v7()));
    assert_eq!(company_a.get(file).send().await.unwrap().status(), 404);
    let own_list = company_a.get(list.clone()).send().await.unwrap().text().await.unwrap();
    assert!(!own_list.contains(&b_ticket.reference));
    // A company user is no staff member.
    assert_ne!(company_a.get(app.at("/office/incidents")).send().await.unwrap().status(), 200);
    // A company not on course ① (or not confirmed) cannot open one.
    let waiting = app.apply(&common::application(3, "utm")).await.json::<Value>().await.unwrap();
    let waiting = store::applications::find_by_reference(&app.running.db, waiting["reference"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let not_yet = crate::agreement::company_session(&app, waiting).await;
    let refused = form(&not_yet, list.clone(), list.clone(), &fields).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("参加が確定した企業のみ"));

    // Tokyo reads the month's figures with no company in them, and no ticket.
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    assert_eq!(tokyo.get(app.at("/office/incidents")).send().await.unwrap().status(), 403);
    assert_eq!(tokyo.get(app.at(&format!("/office/incidents/{}", b_ticket.id))).send().await.unwrap().status(), 404);
    let figures = tokyo.get(app.at("/office/incidents/figures")).send().await.unwrap();
    assert_eq!(figures.status(), 200);
    let figures = figures.text().await.unwrap();
    // One ticket of one company: "<5" for Tokyo (the small-cell rule), exact for the desk.
    assert!(figures.contains("id=\"opened\">&#60;5<") && figures.contains("5社未満"), "{figures}");
    assert!(!figures.contains("株式会社テスト2") && !figures.contains(&b_ticket.reference));
    let csv = tokyo.get(app.at("/office/incidents/figures?format=csv")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let csv = String::from_utf8(csv.bytes().await.unwrap().to_vec()).unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("受付件数,<5") && !csv.contains("テスト2"), "{csv}");
    let operator = client();
    app.sign_in(&operator, "figures-utm@example.jp", Role::UtmOperator).await;
    let figures = operator.get(app.at("/office/incidents/figures")).send().await.unwrap().text().await.unwrap();
    assert!(figures.contains("id=\"opened\">1<"), "{figures}");
    // The secretariat reads tickets but does not work them.
    let secretariat = client();
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    let office = app.at(&format!("/office/incidents/{}", b_ticket.id));
    let page = secretariat.get(office.clone()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("B社の相談") && !page.contains("id=\"reply-form\""), "{page}");
    assert_eq!(
        form(&secretariat, office.clone(), office.clone(), &[("do", "note"), ("body", "x")]).await.status(),
        403
    );
    app.stop().await;
}

/// The next `weekday` at `hour`:00 JST at least two days from now.
fn next(weekday: chrono::Weekday, hour: u32) -> chrono::DateTime<Utc> {
    let mut day = (Utc::now() + Duration::days(2)).with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    while day.weekday() != weekday {
        day += Duration::days(1);
    }
    chrono_tz::Asia::Tokyo.from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap()).unwrap().with_timezone(&Utc)
}

fn local(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%dT%H:%M").to_string()
}

async fn a_dispatch_is_refused_outside_weekday_hours_with_the_next_slot(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let company_id = participant(&app, 1).await;
    installed(&app, company_id, "FGT60FTK0000904").await;
    let company = crate::agreement::company_session(&app, company_id).await;
    let list = app.at("/portal/incidents");
    let fields = [
        ("category", "device_fault"),
        ("severity", "medium"),
        ("subject", "UTMのランプが赤い"),
        ("description", "朝から赤く点灯しています"),
    ];
    let opened = form(&company, list.clone(), list.clone(), &fields).await;
    let id = opened.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/portal/incidents/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let desk = client();
    app.sign_in(&desk, "engineer@example.jp", Role::UtmOperator).await;
    let engineer = store::accounts::find_user_by_email(&app.running.db, "engineer@example.jp")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let office = app.at(&format!("/office/incidents/{id}"));

    // Saturday 10:00 is refused, with a slot on a business day 9–17 proposed.
    let saturday = next(chrono::Weekday::Sat, 10);
    let refused = form(
        &desk,
        office.clone(),
        office.clone(),
        &[("do", "dispatch"), ("engineer", &engineer), ("starts_at", &local(saturday)), ("minutes", "60")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("駆け付けは平日（祝日・年末年始を除く）のみです") && page.contains("次に空いている時間"),
        "{page}"
    );
    // 16:30 for an hour runs past 17:00.
    let wednesday = next(chrono::Weekday::Wed, 16) + Duration::minutes(30);
    let late = form(
        &desk,
        office.clone(),
        office.clone(),
        &[("do", "dispatch"), ("engineer", &engineer), ("starts_at", &local(wednesday)), ("minutes", "60")],
    )
    .await;
    assert_eq!(late.status(), 422);
    // A weekday morning that is a business day is taken, and the company gets the invitation.
    let calendar = domain::calendar::BusinessCalendar::japan();
    let slot = domain::incident::next_slot(&calendar, next(chrono::Weekday::Tue, 10), Duration::hours(1), &[]).unwrap();
    let taken = form(
        &desk,
        office.clone(),
        office.clone(),
        &[("do", "dispatch"), ("engineer", &engineer), ("starts_at", &local(slot)), ("minutes", "60")],
    )
    .await;
    assert_eq!(taken.status(), 200, "{}", taken.text().await.unwrap());
    let invitation =
        outbox(&app).await.into_iter().find(|m| m.subject.contains("技術者の訪問日時")).expect("the visit is e-mailed");
    let ics = invitation.attachments.iter().find(|a| a.filename == "visit.ics").expect("with an invitation");
    let ics = String::from_utf8(ics.content.clone()).unwrap();
    assert!(
        ics.contains("METHOD:REQUEST")
            && ics.contains(&format!(
                "DTSTART;TZID=Asia/Tokyo:{}",
                slot.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y%m%dT%H%M%S")
            )),
        "{ics}"
    );
    // The same engineer at the same time is busy.
    let overlap = form(
        &desk,
        office.clone(),
        office.clone(),
        &[
            ("do", "dispatch"),
            ("engineer", &engineer),
            ("starts_at", &local(slot + Duration::minutes(30))),
            ("minutes", "30"),
        ],
    )
    .await;
    assert_eq!(overlap.status(), 422);
    assert!(overlap.text().await.unwrap().contains("別の駆け付けがあります"));
    // The company sees the visit; the engineer records it; the company sees the report.
    let portal = company.get(app.at(&format!("/portal/incidents/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(portal.contains("駆け付け対応"), "{portal}");
    let dispatch = store::incidents::dispatches(&app.running.db, Some(company_id), None).await.unwrap().remove(0);
    let visit = app.at(&format!("/office/dispatches/{}", dispatch.id));
    let arrived = local(Utc::now() - Duration::hours(2));
    let departed = local(Utc::now() - Duration::hours(1));
    let recorded = form(
        &desk,
        visit,
        office.clone(),
        &[
            ("do", "visit"),
            ("arrived_at", &arrived),
            ("departed_at", &departed),
            ("work_done", "UTMの電源ユニットを交換しました"),
            ("outcome", "正常に稼働"),
        ],
    )
    .await;
    assert_eq!(recorded.status(), 200);
    let portal = company.get(app.at(&format!("/portal/incidents/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(portal.contains("電源ユニットを交換しました"), "{portal}");
    app.stop().await;
}

async fn the_sla_clock_breaches_from_the_job_table_and_pauses_for_the_company(backend: Backend) {
    // Any hour of any day: the clocks run 24/365 (the domain's table tests cover nights and weekends).
    let clock = app::Clock::fixed(Utc::now());
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let settings =
        kojo::maintenance::Settings { font_dirs: Vec::new(), threat_retention_days: 400, backup: None, mailbox: None };
    let services = kojo::setup::services(&app.running.db, &app.config).await.unwrap();
    let company_id = participant(&app, 1).await;
    let company = crate::agreement::company_session(&app, company_id).await;
    let lead = client();
    app.sign_in(&lead, "lead@example.jp", Role::UtmOperator).await;
    let list = app.at("/portal/incidents");
    for (severity, subject) in [("critical", "全PCが暗号化された"), ("high", "不審な通信の警告")] {
        let fields = [
            ("category", "suspected_infection"),
            ("severity", severity),
            ("subject", subject),
            ("description", "至急"),
        ];
        assert_eq!(form(&company, list.clone(), list.clone(), &fields).await.status(), 303);
    }
    let tickets = store::incidents::list(&app.running.db, Some(company_id)).await.unwrap();
    let critical = tickets.iter().find(|t| t.severity == domain::incident::Severity::Critical).unwrap().id;
    let high = tickets.iter().find(|t| t.severity == domain::incident::Severity::High).unwrap().id;

    // The desk answers the high one at once and waits for the company; nobody answers the critical one.
    let office = app.at(&format!("/office/incidents/{high}"));
    let asked = form(
        &lead,
        office.clone(),
        office.clone(),
        &[("do", "reply"), ("ask_company", "yes"), ("body", "状況を教えてください")],
    )
    .await;
    assert_eq!(asked.status(), 200);
    kojo::jobs::run_due_jobs(&services, &settings, &clock).await.unwrap();
    clock.advance(Duration::minutes(31));
    kojo::jobs::run_due_jobs(&services, &settings, &clock).await.unwrap();
    let ticket = store::incidents::get(&app.running.db, critical).await.unwrap();
    assert!(ticket.response_breached_at.is_some(), "30 minutes passed without an answer");
    assert!(ticket.resolution_breached_at.is_none());
    let breach_mails: Vec<_> = outbox(&app).await.into_iter().filter(|m| m.subject.contains("SLA違反")).collect();
    assert_eq!(breach_mails.len(), 1, "one e-mail per breach");
    assert_eq!(breach_mails[0].to, "lead@example.jp");

    // A day and more later: the critical one breaches its 4 hours; the high one, paused while
    // waiting for the company, has not used its 24 hours.
    clock.advance(Duration::hours(30));
    kojo::jobs::run_due_jobs(&services, &settings, &clock).await.unwrap();
    kojo::jobs::run_due_jobs(&services, &settings, &clock).await.unwrap();
    assert!(store::incidents::get(&app.running.db, critical).await.unwrap().resolution_breached_at.is_some());
    let paused = store::incidents::get(&app.running.db, high).await.unwrap();
    assert!(paused.response_breached_at.is_none() && paused.resolution_breached_at.is_none());
    assert_eq!(outbox(&app).await.into_iter().filter(|m| m.subject.contains("SLA違反")).count(), 2, "each breach once");
    // (The first session has expired by now: a desk member signs in afresh.)
    let desk = client();
    app.sign_in(&desk, "desk@example.jp", Role::UtmOperator).await;
    let board = desk.get(app.at("/office/incidents")).send().await.unwrap().text().await.unwrap();
    let first = board.find("全PCが暗号化された").unwrap();
    assert!(first < board.find("不審な通信の警告").unwrap(), "the breached ticket leads the board");
    assert!(board.contains("一時停止"), "{board}");
    app.stop().await;
}

async fn the_trial_end_is_chosen_in_the_portal_and_settled_on_the_board(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let desk = client();
    app.sign_in(&desk, "desk@example.jp", Role::UtmOperator).await;
    // Company 1's trial ends in about ten days; company 2's ended a week ago with nothing decided.
    let ending = participant(&app, 1).await;
    let ending_device = installed_on(&app, ending, "FGT60FTK0000911", today - Duration::days(80)).await;
    let forgotten = participant(&app, 2).await;
    installed_on(&app, forgotten, "FGT60FTK0000912", today - Duration::days(100)).await;

    let company = crate::agreement::company_session(&app, ending).await;
    let home = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("id=\"task-trial-end\""), "{home}");
    let nothing = form(&company, app.at("/portal/trial-choice"), app.at("/portal"), &[("choice", "")]).await;
    assert_eq!(nothing.status(), 422);
    let chosen = form(&company, app.at("/portal/trial-choice"), app.at("/portal"), &[("choice", "remove")]).await;
    assert_eq!(chosen.status(), 200);
    assert!(chosen.text().await.unwrap().contains("「撤去」のご希望を受け付けました"));
    let device = store::devices::get(&app.running.db, ending_device).await.unwrap();
    assert_eq!(device.trial_choice, Some(domain::device::TrialChoice::Remove));
    assert!(outbox(&app).await.iter().any(|m| m.to == "desk@example.jp" && m.subject.contains("撤去を希望")));

    // The board, by week: the forgotten one is flagged; the ending one shows the choice.
    let board = desk.get(app.at("/office/trial-ends")).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("株式会社テスト1") && board.contains("撤去を希望"), "{board}");
    assert!(board.contains("class=\"flag-undecided\""), "{board}");
    assert!(board.contains("の週"));
    let csv = desk.get(app.at("/office/trial-ends?format=csv")).send().await.unwrap().bytes().await.unwrap();
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert!(csv.contains("FGT60FTK0000912") && csv.contains("未決定"), "{csv}");

    // A removal on a Saturday is refused; on a business day it is taken and the company told.
    let engineer =
        store::accounts::find_user_by_email(&app.running.db, "desk@example.jp").await.unwrap().unwrap().id.to_string();
    let device_id = ending_device.to_string();
    let saturday = next(chrono::Weekday::Sat, 10);
    let refused = form(
        &desk,
        app.at("/office/trial-ends"),
        app.at("/office/trial-ends"),
        &[("device", &device_id), ("engineer", &engineer), ("starts_at", &local(saturday)), ("minutes", "90")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let calendar = domain::calendar::BusinessCalendar::japan();
    let slot =
        domain::incident::next_slot(&calendar, next(chrono::Weekday::Mon, 13), Duration::minutes(90), &[]).unwrap();
    let taken = form(
        &desk,
        app.at("/office/trial-ends"),
        app.at("/office/trial-ends"),
        &[("device", &device_id), ("engineer", &engineer), ("starts_at", &local(slot)), ("minutes", "90")],
    )
    .await;
    assert_eq!(taken.status(), 200);
    let mail = outbox(&app)
        .await
        .into_iter()
        .find(|m| m.subject.contains("UTM機器撤去の訪問日時"))
        .expect("the company is told");
    assert_eq!(mail.to, "contact1@example.jp");
    assert!(mail.attachments.iter().any(|a| a.filename == "visit.ics"));

    // The engineer records the removal: the device is removed on the visit's day.
    let removal = store::incidents::dispatches(&app.running.db, Some(ending), None).await.unwrap().remove(0);
    let arrived = Utc::now() - Duration::hours(3);
    let recorded = form(
        &desk,
        app.at(&format!("/office/dispatches/{}", removal.id)),
        app.at("/office/trial-ends"),
        &[
            ("do", "visit"),
            ("arrived_at", &local(arrived)),
            ("departed_at", &local(arrived + Duration::hours(1))),
            ("work_done", "UTMを撤去し、元の配線に戻しました"),
        ],
    )
    .await;
    assert_eq!(recorded.status(), 200);
    let device = store::devices::get(&app.running.db, ending_device).await.unwrap();
    assert_eq!(device.removed_on, Some(arrived.with_timezone(&chrono_tz::Asia::Tokyo).date_naive()));
    let board = desk.get(app.at("/office/trial-ends?show=all")).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("撤去済"), "{board}");
    app.stop().await;
}

async fn a_continued_device_leaves_the_programme_after_its_last_day(backend: Backend) {
    let app = spawn_app_configured(backend, Setup::default(), |config| {
        config.syslog_udp = Some("127.0.0.1:0".into());
    })
    .await;
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let kept = participant(&app, 1).await;
    let kept_device = installed_on(&app, kept, "FGT60FTK0000921", today - Duration::days(120)).await;
    let watched = participant(&app, 2).await;
    let watched_device = installed_on(&app, watched, "FGT60FTK0000922", today - Duration::days(20)).await;
    // Staff record the continuation with the operator's contract reference, on the device page.
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let page = app.at(&format!("/office/devices/{kept_device}"));
    let last_day = domain::device::trial_last_day(today - Duration::days(120));
    let recorded = form(
        &staff,
        page.clone(),
        page.clone(),
        &[("change", "continued"), ("date", &last_day.to_string()), ("notes", "UTM-2026-0042")],
    )
    .await;
    assert!(recorded.status().is_success() || recorded.status().is_redirection(), "{}", recorded.status());
    let device = store::devices::get(&app.running.db, kept_device).await.unwrap();
    assert_eq!(device.operator_reference.as_deref(), Some("UTM-2026-0042"));
    assert!(device.out_of_programme(today), "its trial ended on {last_day}");

    // Its logs are no longer stored; the watched device's are.
    let target = app.running.syslog_udp_addr().unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for serial in ["FGT60FTK0000921", "FGT60FTK0000922"] {
        socket
            .send_to(format!("<134>{}", virus(serial, Utc::now(), true, "EICAR_TEST_FILE")).as_bytes(), target)
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let month = (today - Duration::days(1), today + Duration::days(1));
    while store::logs::threat_counts(&app.running.db, watched_device, month.0, month.1).await.unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the watched device's line was not stored");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(store::logs::threat_counts(&app.running.db, kept_device, month.0, month.1).await.unwrap().is_empty());
    app.stop().await;
}

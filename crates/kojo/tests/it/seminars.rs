//! Briefing seminars: seats per mode exact under a burst, the waitlist and its promotion, the
//! deadline to the second, switching mode, duplicates, the e-mails with their calendar
//! invitations, and the secretariat's roster, export and check-in — on SQLite and PostgreSQL.

use chrono::{DateTime, Utc};
use domain::access::Role;
use serde_json::{Value, json};
use store::seminars::SeminarRecord;

use crate::common::{self, Backend, Setup, TestApp, hidden_value, spawn_app, spawn_app_with_clock};

/// A seminar starting at `starts_at` (RFC 3339), with these seats, added to the test's year.
pub(crate) async fn add_seminar(app: &TestApp, code: &str, starts_at: &str, venue: u32, online: u32) -> SeminarRecord {
    let start = DateTime::parse_from_rfc3339(starts_at).unwrap();
    let end = start + chrono::Duration::minutes(90);
    let text = format!(
        "{}\n[[seminars]]\ncode = \"{code}\"\ntitle = \"第1回 事業説明会\"\ntitle_en = \"Briefing seminar 1\"\n\
         starts_at = {}\nends_at = {}\nvenue_name = \"都庁第一本庁舎\"\nvenue_address = \"東京都新宿区西新宿2-8-1\"\n\
         online_url = \"https://zoom.example.jp/j/123\"\nvenue_capacity = {venue}\nonline_capacity = {online}\n",
        common::programme_toml(Setup::default()),
        start.to_rfc3339(),
        end.to_rfc3339(),
    );
    let programme = kojo::setup::parse_programme(&text).expect("programme with a seminar");
    store::programmes::import(&app.running.db, &programme, true, Utc::now()).await.expect("imported");
    let current = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    store::seminars::list(&app.running.db, current.id).await.unwrap().into_iter().find(|s| s.code == code).unwrap()
}

/// A seminar three weeks from now.
pub(crate) fn in_three_weeks() -> String {
    (Utc::now() + chrono::Duration::days(21))
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .format("%Y-%m-%dT14:00:00+09:00")
        .to_string()
}

fn registration(n: u32, mode: &str) -> Value {
    json!({
        "company_name": format!("株式会社テスト{n}"),
        "company_name_kana": "てすと",
        "person_name": format!("参加 太郎{n}"),
        "email": format!("person{n}@example.jp"),
        "phone": "03-1234-5678",
        "mode": mode,
        "attendees": 1,
        "privacy_policy_accepted": true,
    })
}

async fn register(app: &TestApp, seminar: &SeminarRecord, body: &Value) -> reqwest::Response {
    app.client.post(app.at(&format!("/api/v1/seminars/{}/registrations", seminar.id))).json(body).send().await.unwrap()
}

/// The management link in the newest e-mail to `to`.
async fn manage_link(app: &TestApp, to: &str) -> String {
    let outbox = store::outbox::recent(&app.running.db, 2000).await.unwrap();
    let message = outbox
        .iter()
        .find(|m| m.to == to && m.body.contains("/seminars/manage/"))
        .unwrap_or_else(|| panic!("an e-mail with a management link to {to}"));
    let start = message.body.find("/seminars/manage/").expect("a management link");
    let token: String =
        message.body[start + "/seminars/manage/".len()..].chars().take_while(char::is_ascii_hexdigit).collect();
    format!("/seminars/manage/{token}")
}

/// Cancels through the page behind the newest e-mailed link, confirmation ticked; the status.
async fn cancel_through_link(app: &TestApp, to: &str) -> reqwest::StatusCode {
    let link = manage_link(app, to).await;
    let page = app.client.get(app.at(&link)).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let form = [("csrf", csrf.as_str()), ("action", "cancel"), ("confirm", "yes")];
    app.client.post(app.at(&link)).form(&form).send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn burst_on_sqlite() {
    burst(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn burst_on_postgres() {
    burst(Backend::Postgres).await;
}

/// 300 people register at once, half for each mode, against 30 seats at the venue and 100
/// online: exactly 30 and 100 hold seats, the rest wait in each mode in arrival order.
async fn burst(backend: Backend) {
    const PEOPLE: u32 = 300;
    let app = spawn_app(backend, Setup::default()).await;
    let seminar = add_seminar(&app, "burst", &in_three_weeks(), 30, 100).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(PEOPLE as usize));
    let mut tasks = Vec::new();
    for n in 1..=PEOPLE {
        let url = app.at(&format!("/api/v1/seminars/{}/registrations", seminar.id));
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let body = registration(n, if n % 2 == 0 { "venue" } else { "online" });
            barrier.wait().await;
            let response = client.post(url).json(&body).send().await.expect("request");
            assert_eq!(response.status(), 201, "every registration is acknowledged");
            response.json::<Value>().await.unwrap()
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    for (mode, seats, people) in [("venue", 30, 150), ("online", 100, 150)] {
        let of_mode: Vec<&Value> = answers.iter().filter(|a| a["mode"] == mode).collect();
        assert_eq!(of_mode.len(), people);
        assert_eq!(of_mode.iter().filter(|a| a["status"] == "held").count(), seats, "{mode}: exactly its seats");
        let mut positions: Vec<u64> =
            of_mode.iter().filter(|a| a["status"] == "waitlisted").map(|a| a["position"].as_u64().unwrap()).collect();
        positions.sort_unstable();
        assert_eq!(positions, (1..=(people - seats) as u64).collect::<Vec<_>>(), "{mode}: positions 1…n");
    }
    // Stored: every acknowledged registration, with the status and queue place it was told.
    // (The queue place is the order of arrival at the seminar's lock.)
    let stored = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    assert_eq!(stored.len(), PEOPLE as usize, "none lost");
    for answer in &answers {
        let row = stored.iter().find(|r| r.reference == answer["reference"].as_str().unwrap()).expect("stored");
        assert_eq!(row.status.code(), answer["status"]);
        assert_eq!(row.mode.code(), answer["mode"]);
        assert_eq!(row.waitlist_position.map(|p| p as u64), answer["position"].as_u64(), "told its place");
    }
    let after = store::seminars::get(&app.running.db, seminar.id).await.unwrap();
    assert_eq!((after.venue.taken, after.venue.waitlist_seq), (30, 120));
    assert_eq!((after.online.taken, after.online.waitlist_seq), (100, 50));
    let outbox = store::outbox::recent(&app.running.db, 1000).await.unwrap();
    assert_eq!(outbox.len(), PEOPLE as usize, "one e-mail each");
    app.stop().await;
}

on_both_backends!(
    waitlist_promotion_and_cancel,
    deadline_to_the_second,
    switch_and_duplicate,
    office_roster_and_check_in
);

/// Cancelling a held seat through the e-mail's link promotes the first of that mode's waiting
/// list, who is e-mailed a calendar invitation; the canceller's calendar is told to drop it.
async fn waitlist_promotion_and_cancel(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let seminar = add_seminar(&app, "promote", &in_three_weeks(), 1, 1).await;
    let first: Value = register(&app, &seminar, &registration(1, "venue")).await.json().await.unwrap();
    assert_eq!(first["status"], "held");
    let second: Value = register(&app, &seminar, &registration(2, "venue")).await.json().await.unwrap();
    assert_eq!((second["status"].as_str(), second["position"].as_u64()), (Some("waitlisted"), Some(1)));
    let third: Value = register(&app, &seminar, &registration(3, "venue")).await.json().await.unwrap();
    assert_eq!(third["position"], 2);

    // The held registrant's e-mail: a REQUEST invitation and the QR code of its reference; the
    // waiting ones get neither, and nobody gets the video link for a venue seat.
    let outbox = store::outbox::recent(&app.running.db, 100).await.unwrap();
    let held_mail = outbox.iter().find(|m| m.to == "person1@example.jp").unwrap();
    let ics = String::from_utf8(held_mail.attachments[0].content.clone()).unwrap();
    assert!(held_mail.attachments[0].content_type.contains("method=REQUEST"));
    assert!(ics.contains("METHOD:REQUEST") && ics.contains("TZID=Asia/Tokyo"), "{ics}");
    assert_eq!(held_mail.attachments[1].content_type, "image/png");
    assert!(!held_mail.body.contains("zoom.example.jp"));
    assert!(!held_mail.body.contains("株式会社テスト1"), "nothing typed in the form is sent to an unconfirmed address");
    let waiting_mail = outbox.iter().find(|m| m.to == "person2@example.jp").unwrap();
    assert!(waiting_mail.attachments.is_empty());
    assert!(waiting_mail.body.contains("キャンセル待ち（1番目）"), "{}", waiting_mail.body);
    let uid = ics.lines().find(|l| l.starts_with("UID:")).unwrap().to_string();

    // Cancel through the page behind the link, with the confirmation ticked.
    let link = manage_link(&app, "person1@example.jp").await;
    let page = app.client.get(app.at(&link)).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let unconfirmed =
        app.client.post(app.at(&link)).form(&[("csrf", csrf.as_str()), ("action", "cancel")]).send().await.unwrap();
    assert_eq!(unconfirmed.status(), 422, "the box must be ticked");
    let done = app
        .client
        .post(app.at(&link))
        .form(&[("csrf", csrf.as_str()), ("action", "cancel"), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);

    let roster = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    let status = |email: &str| roster.iter().find(|r| r.email == email).unwrap().status.code();
    assert_eq!(
        [status("person1@example.jp"), status("person2@example.jp"), status("person3@example.jp")],
        ["cancelled", "held", "waitlisted"]
    );
    let third = roster.iter().find(|r| r.email == "person3@example.jp").unwrap();
    assert_eq!(store::seminars::queue_position(&app.running.db, third).await.unwrap(), Some(1), "moved up");

    let outbox = store::outbox::recent(&app.running.db, 100).await.unwrap();
    let cancel_mail = outbox.iter().find(|m| m.to == "person1@example.jp" && m.subject.contains("キャンセル")).unwrap();
    let cancel_ics = String::from_utf8(cancel_mail.attachments[0].content.clone()).unwrap();
    assert!(cancel_ics.contains("METHOD:CANCEL") && cancel_ics.contains(&uid), "the same UID, cancelled");
    assert!(cancel_ics.contains("SEQUENCE:1"));
    let promoted = outbox.iter().find(|m| m.to == "person2@example.jp" && m.subject.contains("繰り上げ")).unwrap();
    assert!(String::from_utf8(promoted.attachments[0].content.clone()).unwrap().contains("METHOD:REQUEST"));
    // The promoted registrant's new link works.
    let promoted_link = manage_link(&app, "person2@example.jp").await;
    let page = app.client.get(app.at(&promoted_link)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("参加登録済み"));
    // A second cancel of the same registration is refused; a made-up link is not found.
    let again = app
        .client
        .post(app.at(&link))
        .form(&[("csrf", csrf.as_str()), ("action", "cancel"), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(app.client.get(app.at("/seminars/manage/00ff")).send().await.unwrap().status(), 404);

    let trail = store::audit::recent(&app.running.db, 50).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "seminar.promote" && e.actor_label.starts_with("system:")));
    assert!(trail.iter().any(|e| e.action == "seminar.cancel" && e.actor_label == "applicant"));
    app.stop().await;
}

/// Registration is open through 23:59:59 JST the day before and closed from 00:00:00; after
/// the deadline a cancellation frees the seat but promotes nobody.
async fn deadline_to_the_second(backend: Backend) {
    let last_second: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-01-19T23:59:59+09:00").unwrap().into();
    let clock = app::Clock::fixed(last_second - chrono::Duration::hours(1));
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |_| {}).await;
    let seminar = add_seminar(&app, "deadline", "2027-01-20T14:00:00+09:00", 1, 5).await;
    assert_eq!(seminar.deadline, last_second);
    assert_eq!(register(&app, &seminar, &registration(1, "venue")).await.status(), 201);
    clock.set(last_second);
    let second: Value = register(&app, &seminar, &registration(2, "venue")).await.json().await.unwrap();
    assert_eq!(second["status"], "waitlisted", "23:59:59 is still open");
    clock.set(last_second + chrono::Duration::seconds(1));
    let late = register(&app, &seminar, &registration(3, "online")).await;
    assert_eq!(late.status(), 410, "00:00:00 is closed");
    assert_eq!(late.json::<Value>().await.unwrap()["error"], "seminar_closed");
    let listed: Value = app.client.get(app.at("/api/v1/seminars")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["venue"]["state"], "closed");
    let page = app.client.get(app.at("/seminars")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("受付終了"));
    let form = app.client.get(app.at(&format!("/seminars/{}", seminar.id))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("申込受付は終了しました") && !form.contains("name=\"company_name\""));

    // After the deadline: the seat is freed for the record, the waiting registrant stays waiting.
    assert_eq!(cancel_through_link(&app, "person1@example.jp").await, 303);
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    assert_eq!(roster.iter().find(|r| r.email == "person2@example.jp").unwrap().status.code(), "waitlisted");
    assert_eq!(store::seminars::get(&app.running.db, seminar.id).await.unwrap().venue.taken, 0);
    app.stop().await;
}

/// A registrant switches to the other mode when it has a seat (its old seat goes to the first
/// waiting), is refused when it has none; the same address cannot register twice.
async fn switch_and_duplicate(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let seminar = add_seminar(&app, "switch", &in_three_weeks(), 1, 2).await;
    register(&app, &seminar, &registration(1, "online")).await;
    register(&app, &seminar, &registration(2, "online")).await;
    let waiting: Value = register(&app, &seminar, &registration(3, "online")).await.json().await.unwrap();
    assert_eq!(waiting["status"], "waitlisted");

    let duplicate = register(&app, &seminar, &registration(1, "venue")).await;
    assert_eq!(duplicate.status(), 409);
    let body: Value = duplicate.json().await.unwrap();
    assert_eq!(body["error"], "seminar_duplicate");
    let first_reference = store::seminars::roster(&app.running.db, seminar.id).await.unwrap()[0].reference.clone();
    assert!(!body["message"].as_str().unwrap().contains(&first_reference), "an address alone reveals no reference");
    assert!(body["message"].as_str().unwrap().contains("メールのリンク"), "points to the e-mail's link");

    // Person 1 moves to the venue; its online seat goes to person 3.
    let link = manage_link(&app, "person1@example.jp").await;
    let page = app.client.get(app.at(&link)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("「会場」に変更する"));
    let csrf = hidden_value(&page, "csrf");
    let moved = app
        .client
        .post(app.at(&link))
        .form(&[("csrf", csrf.as_str()), ("action", "switch"), ("mode", "venue")])
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 303);
    let new_link = moved.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    assert_ne!(new_link, link, "a new link");
    assert_eq!(app.client.get(app.at(&link)).send().await.unwrap().status(), 404, "the old link stops working");
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    let row = |email: &str| roster.iter().find(|r| r.email == email).unwrap().clone();
    assert_eq!((row("person1@example.jp").mode.code(), row("person1@example.jp").status.code()), ("venue", "held"));
    assert_eq!(row("person3@example.jp").status.code(), "held", "promoted into the freed online seat");
    let after = store::seminars::get(&app.running.db, seminar.id).await.unwrap();
    assert_eq!((after.venue.taken, after.online.taken), (1, 2));
    let switched_mail = store::outbox::recent(&app.running.db, 100).await.unwrap();
    let switched_mail =
        switched_mail.iter().find(|m| m.to == "person1@example.jp" && m.subject.contains("変更")).unwrap();
    assert!(String::from_utf8(switched_mail.attachments[0].content.clone()).unwrap().contains("SEQUENCE:1"));

    // Person 2 cannot move to the full venue: the page offers nothing and a forged post is refused.
    let link2 = manage_link(&app, "person2@example.jp").await;
    let page = app.client.get(app.at(&link2)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("に変更する"));
    let csrf = hidden_value(&page, "csrf");
    let refused = app
        .client
        .post(app.at(&link2))
        .form(&[("csrf", csrf.as_str()), ("action", "switch"), ("mode", "venue")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("空席がない"));

    // Invalid input: every field named, 422.
    let invalid = register(&app, &seminar, &json!({"mode": "hybrid", "attendees": 9})).await;
    assert_eq!(invalid.status(), 422);
    let fields: Vec<String> = invalid.json::<Value>().await.unwrap()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    for field in [
        "company_name",
        "company_name_kana",
        "person_name",
        "email",
        "phone",
        "mode",
        "attendees",
        "privacy_policy_accepted",
    ] {
        assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
    }
    app.stop().await;
}

/// The secretariat's roster (audited), its export and the venue check-in by typed reference;
/// other roles are refused.
async fn office_roster_and_check_in(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let seminar = add_seminar(&app, "office", &in_three_weeks(), 30, 100).await;
    let held: Value = register(&app, &seminar, &registration(1, "venue")).await.json().await.unwrap();
    register(&app, &seminar, &registration(2, "online")).await;
    let reference = held["reference"].as_str().unwrap().to_string();

    let staff =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let list = staff.get(app.at("/office/seminars")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("第1回 事業説明会") && list.contains("1/30"), "{list}");
    let roster = staff.get(app.at(&format!("/office/seminars/{}?mode=venue", seminar.id))).send().await.unwrap();
    assert_eq!(roster.status(), 200);
    let roster = roster.text().await.unwrap();
    assert!(roster.contains("株式会社テスト1") && !roster.contains("株式会社テスト2"), "filtered by mode");
    let export = staff.get(app.at(&format!("/office/seminars/{}/export?format=csv", seminar.id))).send().await.unwrap();
    assert_eq!(export.status(), 200);
    let bytes = export.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(&reference) && text.contains("person2@example.jp"));

    // Check-in: the reference typed in lower case with spaces is found; a second scan says so.
    let page = staff
        .get(app.at(&format!("/office/seminars/{}/checkin", seminar.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf");
    let typed = format!("  {}  ", reference.to_lowercase());
    let checkin = app.at(&format!("/office/seminars/{}/checkin", seminar.id));
    let done =
        staff.post(&checkin).form(&[("csrf", csrf.as_str()), ("reference", typed.as_str())]).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("受付しました"));
    let again =
        staff.post(&checkin).form(&[("csrf", csrf.as_str()), ("reference", reference.as_str())]).send().await.unwrap();
    assert!(again.text().await.unwrap().contains("受付済みです"));
    let unknown =
        staff.post(&checkin).form(&[("csrf", csrf.as_str()), ("reference", "SR8-0000-0000")]).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    assert!(roster.iter().find(|r| r.reference == reference).unwrap().attended_at.is_some());
    let trail = store::audit::recent(&app.running.db, 50).await.unwrap();
    for action in ["seminar.roster.read", "seminar.roster.export", "seminar.check_in"] {
        assert!(trail.iter().any(|e| e.action == action), "{action} audited");
    }

    for (email, role) in [
        ("tokyo@example.jp", Role::TokyoOfficial),
        ("expert@example.jp", Role::Expert),
        ("utm@example.jp", Role::UtmOperator),
    ] {
        let other =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        app.sign_in(&other, email, role).await;
        for path in [
            "/office/seminars".to_string(),
            format!("/office/seminars/{}", seminar.id),
            format!("/office/seminars/{}/export", seminar.id),
            format!("/office/seminars/{}/checkin", seminar.id),
        ] {
            assert_eq!(other.get(app.at(&path)).send().await.unwrap().status(), 403, "{role:?} {path}");
        }
    }
    app.stop().await;
}

on_both_backends!(reminders_once_each);

/// The day-before reminder reaches every registrant holding a seat at 10:00 JST, the hour-before
/// one only those online; a second pass, or a pass after the start, sends nothing more.
async fn reminders_once_each(backend: Backend) {
    let clock = app::Clock::fixed(DateTime::parse_from_rfc3339("2027-01-10T09:00:00+09:00").unwrap().into());
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let seminar = add_seminar(&app, "remind", "2027-01-20T14:00:00+09:00", 1, 5).await;
    register(&app, &seminar, &registration(1, "venue")).await;
    register(&app, &seminar, &registration(2, "venue")).await; // waiting: no reminder
    register(&app, &seminar, &registration(3, "online")).await;
    let services = kojo::setup::services(&app.running.db, &app.config).await.unwrap();
    let settings =
        kojo::maintenance::Settings { font_dirs: Vec::new(), threat_retention_days: 400, backup: None, mailbox: None };
    let reminders = |subject: &'static str| {
        let db = app.running.db.clone();
        async move {
            let mut to: Vec<String> = store::outbox::recent(&db, 100)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.subject.contains(subject))
                .map(|m| m.to)
                .collect();
            to.sort();
            to
        }
    };

    clock.set(DateTime::parse_from_rfc3339("2027-01-19T09:59:59+09:00").unwrap().into());
    kojo::jobs::run_due_jobs(&services, &settings, &clock).await.unwrap();
    assert!(reminders("明日の説明会").await.is_empty(), "not before 10:00 the day before");
    clock.set(DateTime::parse_from_rfc3339("2027-01-19T10:00:00+09:00").unwrap().into());
    kojo::jobs::run_due_jobs(&services, &settings, &clock).await.unwrap();
    assert_eq!(reminders("明日の説明会").await, ["person1@example.jp", "person3@example.jp"]);
    let outbox = store::outbox::recent(&app.running.db, 100).await.unwrap();
    let online = outbox.iter().find(|m| m.to == "person3@example.jp" && m.subject.contains("明日")).unwrap();
    assert!(online.body.contains("https://zoom.example.jp/j/123"), "the online link goes to online registrants");
    let venue = outbox.iter().find(|m| m.to == "person1@example.jp" && m.subject.contains("明日")).unwrap();
    assert!(!venue.body.contains("zoom.example.jp") && venue.body.contains("都庁第一本庁舎"));
    assert_eq!(
        venue.attachments.iter().map(|a| a.content_type.as_str()).collect::<Vec<_>>(),
        ["image/png"],
        "the QR code again"
    );
    assert!(!venue.body.contains("上のリンク"), "no link above to point to");

    clock.set(DateTime::parse_from_rfc3339("2027-01-20T13:00:00+09:00").unwrap().into());
    kojo::jobs::run_due_jobs(&services, &settings, &clock).await.unwrap();
    kojo::jobs::run_due_jobs(&services, &settings, &clock).await.unwrap();
    assert_eq!(reminders("明日の説明会").await.len(), 2, "each once");
    assert_eq!(reminders("まもなく").await, ["person3@example.jp"], "the hour before: online only");
    app.stop().await;
}

on_both_backends!(zoom_attendance);

/// Zoom's participant report marks online registrants attended by e-mail, then by name (a
/// rejoin's minutes added up); the rest are listed and matched by hand; held registrations
/// nobody matched are the no-shows.
async fn zoom_attendance(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let seminar = add_seminar(&app, "zoom", &in_three_weeks(), 5, 10).await;
    for n in 1..=4 {
        register(&app, &seminar, &registration(n, "online")).await;
    }
    let staff =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let page =
        staff.get(app.at(&format!("/office/seminars/{}", seminar.id))).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    // A Japanese-heading report in Shift_JIS: person 1 by e-mail (joined twice), person 2 by
    // name under another address, someone unknown; person 3 and 4 did not come.
    let csv = "名前（元の名前）,ユーザーメール,参加時刻,退出時刻,期間（分）,ゲスト\r\n\
               参加 太郎1,PERSON1@example.jp,2027/01/20 14:00:05,2027/01/20 14:30:00,30,はい\r\n\
               参加 太郎1,person1@example.jp,2027/01/20 14:35:00,2027/01/20 15:20:00,45,はい\r\n\
               参加　太郎2,other@example.org,2027/01/20 14:01:00,2027/01/20 15:30:00,89,はい\r\n\
               佐藤 花子,,2027/01/20 14:02:00,2027/01/20 15:00:00,58,はい\r\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
    let form = reqwest::multipart::Form::new()
        .part("report", reqwest::multipart::Part::bytes(bytes.into_owned()).file_name("participants.csv"));
    let url = app.at(&format!("/office/seminars/{}/attendance?csrf={csrf}", seminar.id));
    let response = staff.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("4行を読み取りました") && text.contains("出席 2件"), "{text}");
    assert!(text.contains("佐藤 花子"), "the unmatched person is listed");
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    let minutes = |email: &str| roster.iter().find(|r| r.email == email).unwrap().attended_minutes;
    assert_eq!(minutes("person1@example.jp"), Some(75), "two connections added up");
    assert_eq!(minutes("person2@example.jp"), Some(89), "matched by name");
    assert_eq!(minutes("person3@example.jp"), None);

    // Person 3 was 佐藤 花子 on a colleague's computer: matched by hand.
    let reference = roster.iter().find(|r| r.email == "person3@example.jp").unwrap().reference.clone();
    let manual = staff
        .post(app.at(&format!("/office/seminars/{}/attendance/manual", seminar.id)))
        .form(&[("csrf", csrf.as_str()), ("reference", reference.as_str()), ("minutes", "58")])
        .send()
        .await
        .unwrap();
    assert_eq!(manual.status(), 200);
    let stats = manual.text().await.unwrap();
    assert!(stats.contains("出席を記録しました"));
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    let no_shows: Vec<&str> = roster.iter().filter(|r| r.attended_at.is_none()).map(|r| r.email.as_str()).collect();
    assert_eq!(no_shows, ["person4@example.jp"]);

    // An English-heading report in UTF-8 with a BOM, imported again: nothing is counted twice.
    let english = "\u{feff}Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n\
                   参加 太郎1,person1@example.jp,01/20/2027 02:00:05 PM,01/20/2027 03:20:00 PM,80,Yes\n";
    let form = reqwest::multipart::Form::new()
        .part("report", reqwest::multipart::Part::bytes(english.as_bytes().to_vec()).file_name("en.csv"));
    let text = staff.post(&url).multipart(form).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("1件（記録済み）"), "{text}");
    // Not a report: refused with the reason, nothing changed.
    let form = reqwest::multipart::Form::new()
        .part("report", reqwest::multipart::Part::bytes(b"hello,world\n".to_vec()).file_name("x.csv"));
    let refused = staff.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("参加者レポートを読み取れません"));
    app.stop().await;
}

on_both_backends!(office_edits_seminars_and_cases_show_step0);

/// The secretariat adds and edits seminars (never below the seats held); a company that
/// registered for a seminar and applies later has it on its case page (STEP0).
async fn office_edits_seminars_and_cases_show_step0(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let staff =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let page = staff.get(app.at("/office/seminars/new")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let date =
        (Utc::now() + chrono::Duration::days(30)).with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%d").to_string();
    let mut form = vec![
        ("csrf", csrf.clone()),
        ("code", "tachikawa".into()),
        ("title", "事業説明会（立川）".into()),
        ("date", date.clone()),
        ("starts", "14:00".into()),
        ("ends", "15:30".into()),
        ("venue_name", "立川会場".into()),
        ("venue_address", "東京都立川市曙町2-12-1".into()),
        ("online_url", "https://zoom.example.jp/j/999".into()),
        ("venue_capacity", "1".into()),
        ("online_capacity", "１００".into()),
        ("max_attendees", "3".into()),
    ];
    // A mistake first: the end before the start is named, the form kept.
    let mut wrong = form.clone();
    wrong[5] = ("ends", "13:00".into());
    let refused = staff.post(app.at("/office/seminars")).form(&wrong).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(text.contains("終了時刻は開始時刻より後") && text.contains("立川会場"));
    let created = staff.post(app.at("/office/seminars")).form(&form).send().await.unwrap();
    assert_eq!(created.status(), 303);
    let current = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    let seminar = store::seminars::list(&app.running.db, current.id).await.unwrap().remove(0);
    assert_eq!((seminar.venue.capacity, seminar.online.capacity, seminar.max_attendees), (1, 100, 3));
    assert_eq!(
        seminar.deadline.with_timezone(&chrono_tz::Asia::Tokyo).format("%H:%M:%S").to_string(),
        "23:59:59",
        "the default deadline"
    );
    assert_eq!(
        staff.post(app.at("/office/seminars")).form(&form).send().await.unwrap().status(),
        409,
        "the code is taken"
    );

    // A company registers (venue) and attends; the venue cannot shrink below its seat.
    let mut body = registration(7, "venue");
    body["corporate_number"] = json!(common::corporate_number(7));
    let held: Value = register(&app, &seminar, &body).await.json().await.unwrap();
    assert_eq!(held["status"], "held");
    form[9] = ("venue_capacity", "0".into());
    let shrink = staff.post(app.at(&format!("/office/seminars/{}/edit", seminar.id))).form(&form).send().await.unwrap();
    assert_eq!(shrink.status(), 409);
    assert!(shrink.text().await.unwrap().contains("登録済みの席数（1）"));
    let page = staff
        .get(app.at(&format!("/office/seminars/{}/checkin", seminar.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf");
    staff
        .post(app.at(&format!("/office/seminars/{}/checkin", seminar.id)))
        .form(&[("csrf", csrf.as_str()), ("reference", held["reference"].as_str().unwrap())])
        .send()
        .await
        .unwrap();

    // It applies with the same 法人番号 (another contact address): its case shows the seminar.
    let response = app.apply(&common::application(7, "utm")).await;
    assert_eq!(response.status(), 201);
    let applications = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    let case = staff.get(app.at(&format!("/office/applications/{}", applications[0].id))).send().await.unwrap();
    assert_eq!(case.status(), 200);
    let case = case.text().await.unwrap();
    let wareki =
        domain::wareki::format_date_with_weekday(chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap());
    assert!(case.contains(&format!("説明会参加：{wareki}（会場）")), "STEP0 on the case page");

    // The application list filters by it: a company that never registered is not listed.
    assert_eq!(app.apply(&common::application(8, "utm")).await.status(), 201);
    let others = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    let name = |n: usize| {
        others
            .iter()
            .find(|a| a.corporate_number.as_deref() == Some(common::corporate_number(n as u32).as_str()))
            .unwrap()
            .company_name
            .clone()
    };
    for filter in ["attended", "registered"] {
        let list = staff
            .get(app.at(&format!("/office/applications?seminar={filter}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(list.contains(&name(7)) && !list.contains(&name(8)), "{filter}");
    }
    let all = staff.get(app.at("/office/applications")).send().await.unwrap().text().await.unwrap();
    assert!(all.contains(&name(7)) && all.contains(&name(8)));
    app.stop().await;
}

on_both_backends!(seats_are_people);

/// A seat is a person: a party of two takes two seats, waits when one is left, and a freed
/// pair of seats goes to the waiting in order, each whose party fits.
async fn seats_are_people(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let seminar = add_seminar(&app, "people", &in_three_weeks(), 3, 5).await;
    let party = |n: u32, people: u32| {
        let mut body = registration(n, "venue");
        body["attendees"] = json!(people);
        body
    };
    let first: Value = register(&app, &seminar, &party(1, 2)).await.json().await.unwrap();
    assert_eq!(first["status"], "held");
    let second: Value = register(&app, &seminar, &party(2, 2)).await.json().await.unwrap();
    assert_eq!(second["status"], "waitlisted", "one seat left, two people");
    let third: Value = register(&app, &seminar, &party(3, 1)).await.json().await.unwrap();
    assert_eq!(third["status"], "held", "one person fits the last seat");
    let fourth: Value = register(&app, &seminar, &party(4, 1)).await.json().await.unwrap();
    assert_eq!(fourth["status"], "waitlisted");
    let listed: Value = app.client.get(app.at("/api/v1/seminars")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (listed[0]["venue"]["remaining"].as_u64(), listed[0]["venue"]["state"].as_str()),
        (Some(0), Some("waitlist"))
    );

    // The party of two cancels: two seats, for the pair waiting first (it fits), not the single.
    assert_eq!(cancel_through_link(&app, "person1@example.jp").await, 303);
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    let status = |email: &str| roster.iter().find(|r| r.email == email).unwrap().status.code();
    assert_eq!([status("person2@example.jp"), status("person4@example.jp")], ["held", "waitlisted"]);
    assert_eq!(store::seminars::get(&app.running.db, seminar.id).await.unwrap().venue.taken, 3);

    // The single (person 3) leaves: its seat cannot seat anyone but the single waiting.
    assert_eq!(cancel_through_link(&app, "person3@example.jp").await, 303);
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.unwrap();
    assert_eq!(roster.iter().find(|r| r.email == "person4@example.jp").unwrap().status.code(), "held");
    app.stop().await;
}

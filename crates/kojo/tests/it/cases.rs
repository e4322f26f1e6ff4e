//! The case workflow over real HTTP on both backends: STEP2–5 by the secretariat and Tokyo,
//! refused transitions, waitlist promotion, course moves under concurrency, the breach report.

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use domain::case::CaseState;
use serde_json::Value;
use uuid::Uuid;

on_both_backends!(
    a_case_goes_from_receipt_to_confirmed_participation,
    impossible_transitions_are_refused_with_a_reason,
    a_withdrawal_promotes_the_first_waitlisted_case,
    deciding_the_other_course_moves_the_place_or_waits,
    moving_cases_concurrently_never_exceeds_capacity,
    late_contacts_are_reported,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn submit(app: &TestApp, n: u32, course: &str) -> Uuid {
    let body: Value = app.apply(&application(n, course)).await.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap();
    store::applications::find_by_reference(&app.running.db, reference).await.unwrap().unwrap().id
}

async fn state(app: &TestApp, id: Uuid) -> CaseState {
    store::applications::get(&app.running.db, id).await.unwrap().status
}

/// Posts a case form as a signed-in user; returns the status and the page (or redirect target).
async fn post(app: &TestApp, user: &reqwest::Client, path: String, fields: &[(&str, &str)]) -> (u16, String) {
    // Every staff role can open the approvals page, which carries the session's form token.
    let page = user.get(app.at("/office/approvals")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let response = user.post(app.at(&path)).form(&form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or(response.text().await.unwrap()))
}

async fn contact_and_check(app: &TestApp, staff: &reqwest::Client, id: Uuid) {
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%dT%H:%M").to_string();
    let (status, _) = post(
        app,
        staff,
        format!("/office/applications/{id}/contact"),
        &[
            ("contacted_at", &now),
            ("channel", "phone"),
            ("summary", "規定を説明し了承を得た"),
            ("rules_accepted", "yes"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = post(
        app,
        staff,
        format!("/office/applications/{id}/status-check"),
        &[("connection_layout", "光回線→ルーター→HUB"), ("free_hub_port", "yes"), ("policy_status", "none")],
    )
    .await;
    assert_eq!(status, 303);
}

async fn a_case_goes_from_receipt_to_confirmed_participation(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = submit(&app, 1, "utm").await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;

    contact_and_check(&app, &staff, id).await;
    assert_eq!(state(&app, id).await, CaseState::StatusChecked);
    let record = store::applications::get(&app.running.db, id).await.unwrap();
    assert_eq!(record.proposed_course, Some(domain::programme::CourseCode::Utm));
    assert!(record.completed_at.is_some() && record.first_contact_at.is_some());

    let (status, _) = post(&app, &staff, format!("/office/applications/{id}/course"), &[("course", "utm")]).await;
    assert_eq!(status, 303);
    assert_eq!(state(&app, id).await, CaseState::CourseDecided);

    // The secretariat cannot approve; Tokyo cannot do the secretariat's work.
    let (status, _) =
        post(&app, &staff, "/office/approvals".into(), &[("action", "approve"), ("case", &id.to_string())]).await;
    assert_eq!(status, 403);
    let (status, _) =
        post(&app, &tokyo, format!("/office/applications/{id}/event"), &[("event", "confirm_intent")]).await;
    assert_eq!(status, 403);
    let (status, _) =
        post(&app, &tokyo, format!("/office/applications/{id}/course"), &[("course", "risk_assessment")]).await;
    assert_eq!(status, 403);

    let approvals = tokyo.get(app.at("/office/approvals")).send().await.unwrap().text().await.unwrap();
    assert!(approvals.contains("株式会社テスト1"));
    let (status, page) =
        post(&app, &tokyo, "/office/approvals".into(), &[("action", "approve"), ("case", &id.to_string())]).await;
    assert_eq!(status, 200);
    assert!(page.contains("1件を承認しました"));
    assert_eq!(state(&app, id).await, CaseState::Approved);

    let (status, location) =
        post(&app, &staff, format!("/office/applications/{id}/event"), &[("event", "confirm_intent")]).await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(state(&app, id).await, CaseState::IntentConfirmed);
    // The agreement is sent with its document, not as a bare event (tests/it/agreement.rs covers it).
    let (status, page) =
        post(&app, &staff, format!("/office/applications/{id}/event"), &[("event", "send_agreement")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("参加同意書の画面から行ってください"));
    let page = staff.get(app.at(&format!("/office/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("参加同意書を確認して送付する"));
    let timeline = store::cases::timeline(&app.running.db, id).await.unwrap();
    let events: Vec<&str> = timeline.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        ["submit", "complete_application", "record_status_check", "decide_course", "approve", "confirm_intent"]
    );
    assert!(timeline[4].actor_label.contains("tokyo@example.jp"));
    app.stop().await;
}

async fn impossible_transitions_are_refused_with_a_reason(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = submit(&app, 2, "utm").await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let (status, page) =
        post(&app, &staff, format!("/office/applications/{id}/event"), &[("event", "confirm_intent")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("「受付済（連絡待ち）」の案件に「参加意思の確認」はできません"), "{page}");
    // An exit needs a reason, and what was typed elsewhere is kept.
    let (status, page) = post(
        &app,
        &staff,
        format!("/office/applications/{id}/event"),
        &[("event", "withdraw"), ("reason", " "), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("理由の入力が必要です"));
    // An action that ends the case needs its confirmation ticked, even when the browser did not
    // insist on the checkbox; nothing changes without it.
    let (status, page) = post(
        &app,
        &staff,
        format!("/office/applications/{id}/event"),
        &[("event", "withdraw"), ("reason", "社内事情により辞退")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("確認欄にチェックを入れてから実行してください"), "{page}");
    assert!(page.contains("社内事情により辞退"), "the reason typed is kept");
    assert_eq!(state(&app, id).await, CaseState::Received);
    let (status, page) = post(
        &app,
        &staff,
        format!("/office/applications/{id}/contact"),
        &[("contacted_at", "not a date"), ("channel", "phone"), ("summary", "留守電に伝言を残した")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("連絡日時を"));
    assert!(page.contains("留守電に伝言を残した"), "the summary is kept");
    assert_eq!(state(&app, id).await, CaseState::Received);
    app.stop().await;
}

async fn a_withdrawal_promotes_the_first_waitlisted_case(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 1, ..Setup::default() }).await;
    let first = submit(&app, 3, "utm").await;
    let second = submit(&app, 4, "utm").await;
    let third = submit(&app, 5, "utm").await;
    assert_eq!((state(&app, second).await, state(&app, third).await), (CaseState::Waitlisted, CaseState::Waitlisted));
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let (status, _) = post(
        &app,
        &staff,
        format!("/office/applications/{first}/event"),
        &[("event", "withdraw"), ("reason", "社内事情により辞退"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(state(&app, first).await, CaseState::Withdrawn);
    assert_eq!(state(&app, second).await, CaseState::Received, "the first in line is promoted");
    assert_eq!(state(&app, third).await, CaseState::Waitlisted);
    let promoted = store::applications::get(&app.running.db, second).await.unwrap();
    assert!(promoted.holds_place && promoted.waitlist_position.is_none());
    let course = store::programmes::current(&app.running.db).await.unwrap().unwrap().courses[0].clone();
    assert_eq!(course.places_taken, 1);
    let timeline = store::cases::timeline(&app.running.db, second).await.unwrap();
    assert_eq!(timeline.last().unwrap().event, "promote");
    // The board tells staff about the promoted case.
    let board = staff.get(app.at("/office/board")).send().await.unwrap().text().await.unwrap();
    assert!(board.contains(&promoted.reference));
    app.stop().await;
}

async fn deciding_the_other_course_moves_the_place_or_waits(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 5, risk_capacity: 1, ..Setup::default() }).await;
    let a = submit(&app, 6, "utm").await;
    let b = submit(&app, 7, "utm").await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    for id in [a, b] {
        contact_and_check(&app, &staff, id).await;
    }
    // Overriding the proposal (①) needs a reason.
    let (status, page) =
        post(&app, &staff, format!("/office/applications/{a}/course"), &[("course", "risk_assessment")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("理由を入力してください"));
    let (status, _) = post(
        &app,
        &staff,
        format!("/office/applications/{a}/course"),
        &[("course", "risk_assessment"), ("reason", "既存ネットワークへの設置が困難")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(state(&app, a).await, CaseState::CourseDecided);
    let (status, _) = post(
        &app,
        &staff,
        format!("/office/applications/{b}/course"),
        &[("course", "risk_assessment"), ("reason", "同上")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(state(&app, b).await, CaseState::Waitlisted, "② is full: b waits on its waitlist");
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    assert_eq!((programme.courses[0].places_taken, programme.courses[1].places_taken), (0, 1));
    // a withdraws: b gets ②'s place back and resumes after its status check.
    let (status, _) = post(
        &app,
        &staff,
        format!("/office/applications/{a}/event"),
        &[("event", "withdraw"), ("reason", "辞退"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(state(&app, b).await, CaseState::StatusChecked);
    let record = store::applications::get(&app.running.db, b).await.unwrap();
    assert_eq!(record.course_code, domain::programme::CourseCode::RiskAssessment);
    assert!(record.holds_place);
    app.stop().await;
}

async fn moving_cases_concurrently_never_exceeds_capacity(backend: Backend) {
    const CASES: u32 = 24;
    let app = spawn_app(backend, Setup { utm_capacity: CASES, risk_capacity: 6, ..Setup::default() }).await;
    let mut ids = Vec::new();
    for n in 0..CASES {
        ids.push(submit(&app, 100 + n, "utm").await);
    }
    let db = app.running.db.clone();
    let actor = store::audit::Actor::System("test");
    let act = |id: Uuid, reason: Option<&str>| store::cases::Act {
        application_id: id,
        actor: actor.clone(),
        ip: None,
        reason: reason.map(str::to_string),
        email: None,
    };
    let check = domain::case::StatusCheck::parse("光回線→ルーター", "no", false, "", "none", "").unwrap();
    let now = chrono::Utc::now();
    let contact = domain::case::ContactNote::parse(Some(now), "phone", "了承", true, now).unwrap();
    for id in &ids {
        let tx = db.begin().await.unwrap();
        store::cases::record_contact(&tx, &act(*id, None), &contact, now).await.unwrap();
        store::cases::record_status_check(&tx, &act(*id, None), &check, now).await.unwrap();
        tx.commit().await.unwrap();
    }
    // All at once: every case moves to ② (capacity 6), half of them also withdraw.
    let calendar = std::sync::Arc::new(domain::calendar::BusinessCalendar::japan());
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let (db, calendar, act) = (db.clone(), calendar.clone(), act(*id, Some("空きポートなし")));
        tasks.push(tokio::spawn(async move {
            let tx = db.begin().await.unwrap();
            store::cases::decide_course(
                &tx,
                &calendar,
                &act,
                domain::programme::CourseCode::RiskAssessment,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            if i % 2 == 0 {
                let tx = db.begin().await.unwrap();
                store::cases::apply(&tx, &calendar, &act, domain::case::CaseEvent::Withdraw, chrono::Utc::now())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let programme = store::programmes::current(&db).await.unwrap().unwrap();
    let all = store::applications::list_all(&db, &Default::default()).await.unwrap();
    for course in &programme.courses {
        let holding = all.iter().filter(|r| r.course_id == course.id && r.holds_place).count() as u32;
        assert_eq!(holding, course.places_taken, "{:?}: counter agrees with the cases", course.code);
        assert!(course.places_taken <= course.capacity, "{:?}: never over capacity", course.code);
        assert!(all.iter().filter(|r| r.holds_place).all(|r| r.status.holds_place()));
    }
    let on_risk = &programme.courses[1];
    assert_eq!(on_risk.places_taken, 6, "12 remain and ② has 6 places: all taken");
    let waiting = all.iter().filter(|r| r.status == CaseState::Waitlisted).count();
    assert_eq!(waiting, 6);
    app.stop().await;
}

async fn late_contacts_are_reported(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let late = submit(&app, 8, "utm").await;
    let on_time = submit(&app, 9, "utm").await;
    let db = &app.running.db;
    let now = chrono::Utc::now();
    let tx = db.begin().await.unwrap();
    store::cases::record_contact(
        &tx,
        &store::cases::Act {
            application_id: on_time,
            actor: store::audit::Actor::System("test"),
            ip: None,
            reason: None,
            email: None,
        },
        &domain::case::ContactNote::parse(Some(now), "email", "連絡", false, now).unwrap(),
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let programme = store::programmes::current(db).await.unwrap().unwrap();
    let calendar = domain::calendar::BusinessCalendar::japan();
    let record = store::applications::get(db, late).await.unwrap();
    // Ten business days after the due date, the uncontacted case is ten days late.
    let later = calendar.add_business_days(record.contact_due, 10);
    let breaches = store::cases::breaches(db, programme.id, &calendar, later).await.unwrap();
    assert_eq!(breaches.len(), 1);
    assert_eq!(breaches[0].application_id, late);
    assert_eq!(breaches[0].business_days_late, 10);
    assert!(breaches[0].contacted_on.is_none());
    // Today nothing is late, and the export opens in Excel.
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let csv = staff.get(app.at("/office/reports/contact-breaches")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{FEFF}申込番号,会社名".as_bytes()));
    app.stop().await;
}

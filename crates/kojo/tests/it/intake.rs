//! Intake over real HTTP, on SQLite and on PostgreSQL: applying, the waitlist, duplicates,
//! closed windows, the applicant's status look-up, the audit log and the e-mail outbox.

use crate::common;

use common::{Backend, Setup, application, spawn_app};
use serde_json::Value;

on_both_backends!(
    applying_holds_a_place_and_promises_contact,
    a_full_course_waitlists_in_order,
    the_same_company_cannot_apply_twice,
    a_closed_window_refuses_with_a_clear_error,
    applicants_look_up_status_with_reference_and_email,
    invalid_and_ineligible_input_name_every_problem,
    eligibility_is_evaluated_without_applying,
);

async fn applying_holds_a_place_and_promises_contact(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let response = app.apply(&application(1, "utm")).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "received");
    assert!(body["waitlist_position"].is_null());
    let reference = body["reference"].as_str().unwrap();
    assert!(reference.starts_with("R8-"), "{reference}");
    // The promised contact date is three business days after the (effective) receipt day.
    let received: chrono::DateTime<chrono::Utc> = body["received_at"].as_str().unwrap().parse().unwrap();
    let due: chrono::NaiveDate = body["contact_due"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, domain::calendar::BusinessCalendar::japan().contact_due(received));

    let programme: Value = app.client.get(app.at("/api/v1/programme")).send().await.unwrap().json().await.unwrap();
    let utm = &programme["courses"][0];
    assert_eq!(utm["code"], "utm");
    assert_eq!(utm["places_remaining"], 149);
    assert_eq!(utm["open"], true);

    // The application, its audit entry and its acknowledgement were committed together.
    let audit = store::audit::recent(&app.running.db, 10).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "application.create" && a.actor_label == "applicant"));
    let outbox = store::outbox::recent(&app.running.db, 10).await.unwrap();
    let mail = outbox.iter().find(|m| m.to == "contact1@example.jp").expect("acknowledgement queued");
    assert!(mail.subject.contains(reference));
    assert!(mail.body.contains(&domain::wareki::format_date_with_weekday(due)), "{}", mail.body);

    // The worker delivers it as an .eml file (no SMTP configured).
    let mail_dir = app.config.mail_dir();
    let mut delivered = false;
    for _ in 0..50 {
        if std::fs::read_dir(&mail_dir).unwrap().count() > 0 {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(delivered, "an .eml file appears in {}", mail_dir.display());
    app.stop().await;
}

async fn a_full_course_waitlists_in_order(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 2, ..Setup::default() }).await;
    let mut statuses = Vec::new();
    for n in 1..=5 {
        let body: Value = app.apply(&application(n, "utm")).await.json().await.unwrap();
        statuses.push((body["status"].as_str().unwrap().to_string(), body["waitlist_position"].as_u64()));
    }
    assert_eq!(
        statuses,
        [
            ("received".to_string(), None),
            ("received".to_string(), None),
            ("waitlisted".to_string(), Some(1)),
            ("waitlisted".to_string(), Some(2)),
            ("waitlisted".to_string(), Some(3)),
        ]
    );
    // The other course is unaffected.
    let body: Value = app.apply(&application(6, "risk_assessment")).await.json().await.unwrap();
    assert_eq!(body["status"], "received");
    // The public page says the course is full and still takes the waitlist.
    let page = app.client.get(app.at("/apply")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("定員に達しています（キャンセル待ちで受付）"));
    app.stop().await;
}

async fn the_same_company_cannot_apply_twice(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    assert_eq!(app.apply(&application(7, "utm")).await.status(), 201);
    // Same 法人番号, other course, other contact: still the same company.
    let mut again = application(7, "risk_assessment");
    again["contact"]["email"] = "other@example.jp".into();
    let response = app.apply(&again).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "duplicate");
    // The refused attempt took no place.
    let programme: Value = app.client.get(app.at("/api/v1/programme")).send().await.unwrap().json().await.unwrap();
    assert_eq!(programme["courses"][1]["places_remaining"], 100);

    // A sole proprietor is the same company by name and address (white space aside).
    let mut sole = application(8, "utm");
    sole["company"]["sole_proprietor"] = true.into();
    sole["company"]["corporate_number"] = Value::Null;
    sole["company"]["capital_yen"] = Value::Null;
    assert_eq!(app.apply(&sole).await.status(), 201);
    sole["company"]["name"] = "株式会社　テスト8".into();
    sole["contact"]["email"] = "another@example.jp".into();
    assert_eq!(app.apply(&sole).await.status(), 409);
    app.stop().await;
}

async fn a_closed_window_refuses_with_a_clear_error(backend: Backend) {
    let app = spawn_app(backend, Setup { windows_open: false, ..Setup::default() }).await;
    let response = app.apply(&application(9, "utm")).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "window_closed");
    assert!(body["message"].as_str().unwrap().contains("終了しました"));
    let page = app.client.get(app.at("/apply")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("現在、お申込みを受け付けていません"));
    app.stop().await;
}

async fn applicants_look_up_status_with_reference_and_email(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 1, ..Setup::default() }).await;
    app.apply(&application(10, "utm")).await;
    let body: Value = app.apply(&application(11, "utm")).await.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap();
    let url = app.at(&format!("/api/v1/applications/{reference}?email=contact11@example.jp"));
    let status: Value = app.client.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["status"], "waitlisted");
    assert_eq!(status["waitlist_position"], 1);
    assert_eq!(status["course"], "utm");
    // Someone else's e-mail finds nothing.
    let url = app.at(&format!("/api/v1/applications/{reference}?email=contact10@example.jp"));
    assert_eq!(app.client.get(url).send().await.unwrap().status(), 404);
    // The status page works the same way, in Japanese.
    let form = app.client.get(app.at("/status")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&form, "csrf");
    let page = app
        .client
        .post(app.at("/status"))
        .form(&[("reference", reference), ("email", "CONTACT11@example.jp"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("キャンセル待ち"), "{page}");
    app.stop().await;
}

async fn invalid_and_ineligible_input_name_every_problem(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut bad = application(12, "utm");
    bad["company"]["corporate_number"] = "1234567890123".into();
    bad["company"]["postal_code"] = "16380".into();
    bad["contact"]["email"] = "not-an-address".into();
    let response = app.apply(&bad).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["company.corporate_number", "company.postal_code", "contact.email"]);
    assert!(body["fields"][0]["ja"].as_str().unwrap().contains("法人番号"));

    let mut ineligible = application(13, "utm");
    ineligible["company"]["prefecture"] = "大阪府".into();
    ineligible["company"]["industry"] = "retail".into();
    ineligible["company"]["capital_yen"] = 50_000_001.into();
    ineligible["company"]["employees"] = 51.into();
    ineligible["declarations"]["c"] = false.into();
    let response = app.apply(&ineligible).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "ineligible");
    let rules: Vec<&str> = body["reasons"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["main_office_outside_tokyo", "not_sme", "declaration_c"]);
    // Nothing was stored for either.
    let all = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert!(all.is_empty());
    app.stop().await;
}

async fn eligibility_is_evaluated_without_applying(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut profile = application(14, "utm");
    profile["previous_participant"] = true.into();
    let body: Value =
        app.client.post(app.at("/api/v1/eligibility")).json(&profile).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["eligible"], true);
    assert_eq!(body["flags"], serde_json::json!(["previous_participant"]));
    assert_eq!(body["reasons"], serde_json::json!([]));
    let all = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert!(all.is_empty());
    app.stop().await;
}

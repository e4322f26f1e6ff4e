//! One path per use case: every case action driven through the page and through the JSON API
//! leaves the same stored state, timeline, audit rows and e-mails; and a use case whose
//! transaction fails keeps nothing, neither the change nor its audit row.

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use serde_json::{Value, json};
use uuid::Uuid;

on_both_backends!(
    every_case_action_is_the_same_through_the_page_and_the_api,
    every_device_and_report_action_is_the_same_through_the_page_and_the_api,
    a_failed_transaction_keeps_neither_the_change_nor_its_audit_row
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn submit(app: &TestApp, n: u32) -> Uuid {
    let body: Value = app.apply(&application(n, "utm")).await.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap();
    store::applications::find_by_reference(&app.running.db, reference).await.unwrap().unwrap().id
}

async fn token_for(app: &TestApp, email: &str, role: Role) -> String {
    let now = chrono::Utc::now();
    let new = store::accounts::NewUser {
        email,
        display_name: "API",
        role,
        password_hash: None,
        company_application_id: None,
        must_change_password: false,
    };
    let id = store::accounts::create_user(&app.running.db, new, now).await.unwrap();
    store::accounts::create_api_token(&app.running.db, id, "test", now).await.unwrap()
}

/// A form post as a signed-in user, with the session's form token; returns the status.
async fn page_post(app: &TestApp, user: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> u16 {
    let page = user.get(app.at("/office/approvals")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    user.post(app.at(path)).form(&form).send().await.unwrap().status().as_u16()
}

async fn api_post(app: &TestApp, token: &str, path: &str, body: Value) -> u16 {
    let response = app.client.post(app.at(path)).bearer_auth(token).json(&body).send().await.unwrap();
    response.status().as_u16()
}

/// What a case looks like in the database, without what naturally differs between two cases
/// (ids, times, who acted and through which door).
async fn snapshot(app: &TestApp, id: Uuid) -> Value {
    let db = &app.running.db;
    let record = store::applications::get(db, id).await.unwrap();
    let timeline: Vec<Value> = store::cases::timeline(db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| json!([e.event, e.from_state, e.to_state, e.reason]))
        .collect();
    let audit: Vec<Value> = store::audit::for_subject(db, "application", &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action.starts_with("case."))
        .map(|a| json!([a.action, a.detail]))
        .collect();
    let emails: Vec<String> = store::outbox::recent(db, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to == record.contact_email)
        .map(|m| m.subject.replace(&record.reference, "REFERENCE"))
        .collect();
    let contacts: Vec<Value> = store::cases::contacts(db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| json!([c.channel, c.summary, c.rules_accepted]))
        .collect();
    let messages: Vec<String> = store::portal::messages(db, id).await.unwrap().into_iter().map(|m| m.body).collect();
    json!({
        "status": record.status, "course": record.course_code, "holds_place": record.holds_place,
        "waitlist_position": record.waitlist_position, "contacted": record.first_contact_at.is_some(),
        "assigned": record.assignee_user_id.is_some(), "proposed": record.proposed_course,
        "timeline": timeline, "audit": audit, "emails": emails, "contacts": contacts, "messages": messages,
    })
}

async fn every_case_action_is_the_same_through_the_page_and_the_api(backend: Backend) {
    // Two places: the two cases worked hold them, two more wait, and each exit promotes one.
    let app = spawn_app(backend, Setup { utm_capacity: 2, ..Setup::default() }).await;
    let (by_page, by_api, waiting_page, waiting_api) =
        (submit(&app, 1).await, submit(&app, 2).await, submit(&app, 3).await, submit(&app, 4).await);
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    let staff_token = token_for(&app, "api-jimukyoku@example.jp", Role::Secretariat).await;
    let tokyo_token = token_for(&app, "api-tokyo@example.jp", Role::TokyoOfficial).await;
    let assignee =
        store::accounts::find_user_by_email(&app.running.db, "jimukyoku@example.jp").await.unwrap().unwrap().id;
    let case_page = |rest: &str| format!("/office/applications/{by_page}{rest}");
    let case_api = |rest: &str| format!("/api/v1/cases/{by_api}{rest}");
    let now = chrono::Utc::now();
    let local = now.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%dT%H:%M").to_string();

    let mut compared = 0;
    let mut same = |page: u16, api: u16, step: &str| {
        assert!(page == 303 || page == 200, "{step}: the page answered {page}");
        assert_eq!(api, 200, "{step}: the API answered {api}");
        compared += 1;
    };
    same(
        page_post(&app, &staff, &case_page("/contact"), &[("contacted_at", &local), ("channel", "phone"), ("summary", "規定を説明し了承を得た"), ("rules_accepted", "on")]).await,
        api_post(&app, &staff_token, &case_api("/contacts"), json!({"contacted_at": now, "channel": "phone", "summary": "規定を説明し了承を得た", "rules_accepted": true})).await,
        "contact",
    );
    assert_eq!(snapshot(&app, by_page).await, snapshot(&app, by_api).await, "after the contact");
    same(
        page_post(&app, &staff, &case_page("/assign"), &[("assignee", &assignee.to_string())]).await,
        api_post(&app, &staff_token, &case_api("/assign"), json!({"assignee_user_id": assignee})).await,
        "assign",
    );
    let page_message =
        page_post(&app, &staff, &case_page("/message"), &[("message", "現場調査の日程をご相談させてください。")]).await;
    let api_message =
        api_post(&app, &staff_token, &case_api("/messages"), json!({"body": "現場調査の日程をご相談させてください。"}))
            .await;
    assert_eq!((page_message, api_message), (303, 201), "message");
    same(
        page_post(
            &app,
            &staff,
            &case_page("/status-check"),
            &[("connection_layout", "光回線→ルーター→HUB"), ("free_hub_port", "yes"), ("policy_status", "none")],
        )
        .await,
        api_post(
            &app,
            &staff_token,
            &case_api("/status-check"),
            json!({"connection_layout": "光回線→ルーター→HUB", "free_hub_port": "yes", "policy_status": "none"}),
        )
        .await,
        "status check",
    );
    same(
        page_post(&app, &staff, &case_page("/course"), &[("course", "utm")]).await,
        api_post(&app, &staff_token, &case_api("/course"), json!({"course": "utm"})).await,
        "course",
    );
    assert_eq!(snapshot(&app, by_page).await, snapshot(&app, by_api).await, "after the course decision");
    // Tokyo approves on its approvals page and through the API: both ask the company to confirm.
    same(
        page_post(&app, &tokyo, "/office/approvals", &[("action", "approve"), ("case", &by_page.to_string())]).await,
        api_post(&app, &tokyo_token, &case_api("/events"), json!({"event": "approve"})).await,
        "approve",
    );
    let approved = snapshot(&app, by_api).await;
    assert!(
        approved["emails"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().contains("参加意思の確認のお願い")),
        "{approved}"
    );
    assert_eq!(snapshot(&app, by_page).await, approved, "after the approval");
    same(
        page_post(&app, &staff, &case_page("/event"), &[("event", "confirm_intent")]).await,
        api_post(&app, &staff_token, &case_api("/events"), json!({"event": "confirm_intent"})).await,
        "intent",
    );
    // A refusal is a refusal through both doors, and changes nothing.
    let before = snapshot(&app, by_page).await;
    let page = page_post(&app, &staff, &case_page("/event"), &[("event", "withdraw"), ("confirm", "yes")]).await;
    let api = api_post(&app, &staff_token, &case_api("/events"), json!({"event": "withdraw"})).await;
    assert_eq!((page, api), (422, 409), "a withdrawal without a reason is refused");
    assert_eq!(snapshot(&app, by_page).await, before);
    same(
        page_post(
            &app,
            &staff,
            &case_page("/event"),
            &[("event", "withdraw"), ("reason", "社内事情により辞退"), ("confirm", "yes")],
        )
        .await,
        api_post(
            &app,
            &staff_token,
            &case_api("/events"),
            json!({"event": "withdraw", "reason": "社内事情により辞退"}),
        )
        .await,
        "withdraw",
    );
    let (page_final, api_final) = (snapshot(&app, by_page).await, snapshot(&app, by_api).await);
    assert_eq!(page_final, api_final, "after the withdrawal");
    assert_eq!(page_final["status"], "withdrawn");
    // Each withdrawal promoted the next company in line, which is told so by e-mail.
    let (promoted_page, promoted_api) = (snapshot(&app, waiting_page).await, snapshot(&app, waiting_api).await);
    assert_eq!(promoted_page, promoted_api);
    assert_eq!(promoted_page["status"], "received");
    assert_eq!(promoted_page["holds_place"], true);
    let subjects = promoted_page["emails"].as_array().unwrap();
    assert!(
        subjects.iter().any(|s| s.as_str().unwrap().contains("キャンセル待ちから繰り上がりました")),
        "{subjects:?}"
    );
    assert_eq!(compared, 7);
    app.stop().await;
}

/// A course ① company's device and its reports as stored, without what differs between two
/// companies (ids, serials, times, the door).
async fn device_snapshot(app: &TestApp, company: Uuid) -> Value {
    let db = &app.running.db;
    let record = store::applications::get(db, company).await.unwrap();
    let devices: Vec<Value> = store::devices::list(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.application_id == company)
        .map(|d| {
            json!([
                d.vendor,
                d.model,
                d.sender_address.is_some(),
                d.survey.code(),
                d.survey_notes,
                d.installed_on,
                d.removed_on,
                d.continued_on
            ])
        })
        .collect();
    let audit: Vec<Value> = store::audit::for_subject(db, "application", &company.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action.starts_with("device.") || a.action.starts_with("report."))
        .filter(|a| !a.action.ends_with(".view") && !a.action.ends_with(".list"))
        .map(|a| {
            let detail: Value = serde_json::from_str(&a.detail).unwrap();
            let mut keys: Vec<String> = detail.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
            keys.sort();
            json!([a.action, keys, detail.get("change"), detail.get("month")])
        })
        .collect();
    let emails: Vec<String> = store::outbox::recent(db, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to == record.contact_email)
        .map(|m| m.subject.replace(&record.reference, "REFERENCE"))
        .collect();
    let mut reports = Vec::new();
    for month in ["2026-10", "2026-11"] {
        for report in store::reports::for_month(db, month).await.unwrap() {
            if report.application_id == company {
                reports.push(json!([report.month, report.status, report.comment, report.released_at.is_some()]));
            }
        }
    }
    json!({"devices": devices, "audit": audit, "emails": emails, "reports": reports})
}

async fn every_device_and_report_action_is_the_same_through_the_page_and_the_api(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (by_page, by_api) = (submit(&app, 1).await, submit(&app, 2).await);
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let token = token_for(&app, "api-utm@example.jp", Role::UtmOperator).await;
    let db = &app.running.db;

    // Register: the page redirects to the new device, the API answers 201 with it.
    let registered = page_post(
        &app,
        &staff,
        "/office/devices",
        &[
            ("application", &by_page.to_string()),
            ("vendor", "Fortinet"),
            ("model", "ＦＧ-60F"),
            ("serial", "FGT-PAGE-01"),
            ("sender_address", "203.0.113.10"),
        ],
    )
    .await;
    assert_eq!(registered, 303);
    let response = app
        .client
        .post(app.at("/api/v1/devices"))
        .bearer_auth(&token)
        .json(&json!({"application_id": by_api, "vendor": "Fortinet", "model": "ＦＧ-60F", "serial": "FGT-API-01", "sender_address": "203.0.113.11"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!((created["model"].as_str(), created["stage"].as_str()), (Some("FG-60F"), Some("planned")));
    let device_of = |company: Uuid| async move {
        store::devices::list(db).await.unwrap().into_iter().find(|d| d.application_id == company).unwrap().id
    };
    let (page_device, api_device) = (device_of(by_page).await, device_of(by_api).await);
    assert_eq!(created["id"].as_str(), Some(api_device.to_string().as_str()));
    assert_eq!(device_snapshot(&app, by_page).await, device_snapshot(&app, by_api).await, "after registering");

    // The device's life, step by step; a refused step is refused by both doors alike.
    let steps: [(&str, &str, &str, &str); 4] = [
        ("survey", "installable", "電源とHUBの空きポートあり", ""),
        ("installed", "", "", "2026-10-20"),
        ("survey", "not_installable", "", ""),
        ("removed", "", "", "2099-01-01"),
    ];
    for (change, survey_result, notes, date) in steps {
        let page = page_post(
            &app,
            &staff,
            &format!("/office/devices/{page_device}"),
            &[("change", change), ("survey_result", survey_result), ("notes", notes), ("date", date)],
        )
        .await;
        let api = api_post(
            &app,
            &token,
            &format!("/api/v1/devices/{api_device}/changes"),
            json!({"change": change, "survey_result": survey_result, "notes": notes, "date": date}),
        )
        .await;
        // A survey after installation breaks the device's rules (409 on the API); a future date
        // is unreadable input (422); the page shows either with its form again (422).
        let expected = match (survey_result, date) {
            ("not_installable", _) => (422, 409),
            (_, "2099-01-01") => (422, 422),
            _ => (303, 200),
        };
        assert_eq!((page, api), expected, "{change} {date}");
        assert_eq!(device_snapshot(&app, by_page).await, device_snapshot(&app, by_api).await, "after {change}");
    }

    // Reports: the month's drafts, made once through each door (each makes both companies' drafts).
    assert_eq!(page_post(&app, &staff, "/office/reports/monthly", &[("month", "2026-11")]).await, 303);
    assert_eq!(device_snapshot(&app, by_page).await, device_snapshot(&app, by_api).await, "after the page's drafts");
    let response = app
        .client
        .post(app.at("/api/v1/reports/monthly"))
        .bearer_auth(&token)
        .json(&json!({"month": "2026-11"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let made: Value = response.json().await.unwrap();
    assert_eq!((made["made"].as_u64(), made["failed"].as_array().map(Vec::len)), (Some(2), Some(0)));
    let drafts = device_snapshot(&app, by_page).await;
    assert_eq!(drafts, device_snapshot(&app, by_api).await, "after the API's drafts");
    let draft_rows = drafts["audit"].as_array().unwrap().iter().filter(|a| a[0] == "report.draft").count();
    assert_eq!(draft_rows, 2, "one audit row per draft and door: {drafts}");
    // A month that is not YYYY-MM is refused alike.
    assert_eq!(page_post(&app, &staff, "/office/reports/monthly", &[("month", "2026-1")]).await, 422);
    assert_eq!(api_post(&app, &token, "/api/v1/reports/monthly", json!({"month": "2026-1"})).await, 422);

    let report_of = |company: Uuid| async move {
        store::reports::for_month(db, "2026-11")
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.application_id == company)
            .unwrap()
            .id
    };
    let (page_report, api_report) = (report_of(by_page).await, report_of(by_api).await);
    let comment = "11月はウイルス付きメールが増えました。";
    assert_eq!(
        page_post(
            &app,
            &staff,
            &format!("/office/reports/monthly/{page_report}"),
            &[("action", "comment"), ("comment", comment)]
        )
        .await,
        303
    );
    assert_eq!(
        api_post(&app, &token, &format!("/api/v1/reports/monthly/{api_report}/comment"), json!({"comment": comment}))
            .await,
        200
    );
    assert_eq!(device_snapshot(&app, by_page).await, device_snapshot(&app, by_api).await, "after the comment");
    assert_eq!(
        page_post(&app, &staff, &format!("/office/reports/monthly/{page_report}"), &[("action", "release")]).await,
        303
    );
    assert_eq!(api_post(&app, &token, &format!("/api/v1/reports/monthly/{api_report}/release"), json!({})).await, 200);
    let released = device_snapshot(&app, by_page).await;
    assert_eq!(released, device_snapshot(&app, by_api).await, "after the release");
    assert_eq!(released["reports"], json!([["2026-11", "released", comment, true]]));
    assert!(released["emails"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().contains("UTM月次レポート")));
    // Releasing twice is refused alike.
    assert_eq!(
        page_post(&app, &staff, &format!("/office/reports/monthly/{page_report}"), &[("action", "release")]).await,
        422
    );
    assert_eq!(api_post(&app, &token, &format!("/api/v1/reports/monthly/{api_report}/release"), json!({})).await, 409);
    app.stop().await;
}

async fn a_failed_transaction_keeps_neither_the_change_nor_its_audit_row(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = submit(&app, 1).await;
    let token = token_for(&app, "api-jimukyoku@example.jp", Role::Secretariat).await;
    let db = &app.running.db;
    // A fault after the change: the audit row (written last in the transaction) cannot be stored.
    let (install, remove) = match backend {
        Backend::Sqlite => (
            vec![
                "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log WHEN NEW.action = 'case.transition' BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
            ],
            "DROP TRIGGER fail_audit",
        ),
        Backend::Postgres => (
            vec![
                "CREATE FUNCTION fail_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.action = 'case.transition') EXECUTE FUNCTION fail_audit()",
            ],
            "DROP TRIGGER fail_audit ON audit_log",
        ),
    };
    for sql in install {
        store::scratch::execute(db, sql).await.unwrap();
    }
    let before = snapshot(&app, id).await;
    let contact =
        json!({"contacted_at": chrono::Utc::now(), "channel": "phone", "summary": "了承", "rules_accepted": true});
    let status = api_post(&app, &token, &format!("/api/v1/cases/{id}/contacts"), contact.clone()).await;
    assert_eq!(status, 500, "the use case fails");
    let after = snapshot(&app, id).await;
    assert_eq!(after, before, "no state change, contact, timeline row, audit row or e-mail remains");
    assert_eq!(after["status"], "received");
    assert_eq!(after["contacts"], json!([]));
    // Without the fault the same request goes through, with its audit row.
    store::scratch::execute(db, remove).await.unwrap();
    assert_eq!(api_post(&app, &token, &format!("/api/v1/cases/{id}/contacts"), contact).await, 200);
    let done = snapshot(&app, id).await;
    assert_eq!(done["status"], "contacted");
    assert_eq!(done["audit"].as_array().unwrap().len(), 1);
    app.stop().await;
}

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
    let page = page_post(&app, &staff, &case_page("/event"), &[("event", "withdraw")]).await;
    let api = api_post(&app, &staff_token, &case_api("/events"), json!({"event": "withdraw"})).await;
    assert_eq!((page, api), (422, 409), "a withdrawal without a reason is refused");
    assert_eq!(snapshot(&app, by_page).await, before);
    same(
        page_post(&app, &staff, &case_page("/event"), &[("event", "withdraw"), ("reason", "社内事情により辞退")]).await,
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

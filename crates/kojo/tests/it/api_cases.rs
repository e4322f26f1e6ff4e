//! The staff case API with API tokens, on both backends: the same actions and role checks as
//! the pages.

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use serde_json::{Value, json};

on_both_backends!(a_case_is_worked_through_the_api, tokens_are_checked_and_roles_respected);

async fn token_for(app: &TestApp, email: &str, role: Role) -> String {
    let id = store::accounts::create_user(
        &app.running.db,
        store::accounts::NewUser {
            email,
            display_name: "API",
            role,
            password_hash: None,
            company_application_id: None,
            must_change_password: false,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    store::accounts::create_api_token(&app.running.db, id, "test", chrono::Utc::now()).await.unwrap()
}

async fn call(app: &TestApp, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.client.request(method, app.at(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn a_case_is_worked_through_the_api(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    app.apply(&application(1, "utm")).await;
    let staff = token_for(&app, "api@example.jp", Role::Secretariat).await;
    let tokyo = token_for(&app, "api-tokyo@example.jp", Role::TokyoOfficial).await;
    let (status, list) = call(&app, &staff, reqwest::Method::GET, "/api/v1/cases", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    let path = |rest: &str| format!("/api/v1/cases/{id}{rest}");

    let (status, body) = call(
        &app,
        &staff,
        reqwest::Method::POST,
        &path("/contacts"),
        Some(json!({"contacted_at": chrono::Utc::now(), "channel": "phone", "summary": "説明し了承", "rules_accepted": true})),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("contacted")));
    let check = json!({"connection_layout": "光回線→ルーター", "free_hub_port": "no", "existing_utm": false, "existing_utm_vendor": null, "policy_status": "none", "notes": null});
    let (status, body) = call(&app, &staff, reqwest::Method::POST, &path("/status-check"), Some(check)).await;
    assert_eq!((status, body["proposed_course"].as_str()), (200, Some("risk_assessment")));
    let (status, body) =
        call(&app, &staff, reqwest::Method::POST, &path("/course"), Some(json!({"course": "risk_assessment"}))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("course_decided")));
    // A staff reason is checked as on the pages: at most 500 characters, no control characters;
    // nothing is changed when it is refused.
    for reason in ["a\u{7}b".to_string(), "あ".repeat(501)] {
        let event = json!({"event": "return_to_secretariat", "reason": reason});
        let (status, body) = call(&app, &tokyo, reqwest::Method::POST, &path("/events"), Some(event)).await;
        assert_eq!((status, body["error"].as_str()), (422, Some("invalid")), "{body}");
    }
    let (_, case) = call(&app, &staff, reqwest::Method::GET, &path(""), None).await;
    assert_eq!(case["case"]["status"].as_str(), Some("course_decided"), "{case}");
    // Tokyo reads a case awaiting its approval, as on the case page (the read is audited) …
    let (status, case) = call(&app, &tokyo, reqwest::Method::GET, &path(""), None).await;
    assert_eq!((status, case["case"]["status"].as_str()), (200, Some("course_decided")));
    let audit = store::audit::for_subject(&app.running.db, "application", &id.to_string()).await.unwrap();
    assert!(audit.iter().filter(|entry| entry.action == "application.view").count() >= 2, "both reads audited");
    // Only Tokyo approves.
    let (status, _) =
        call(&app, &staff, reqwest::Method::POST, &path("/events"), Some(json!({"event": "approve"}))).await;
    assert_eq!(status, 403);
    let (status, body) =
        call(&app, &tokyo, reqwest::Method::POST, &path("/events"), Some(json!({"event": "approve"}))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("approved")));
    // A refused transition explains itself.
    let (status, body) =
        call(&app, &tokyo, reqwest::Method::POST, &path("/events"), Some(json!({"event": "approve"}))).await;
    assert_eq!(status, 409);
    assert!(body["message"].as_str().unwrap().contains("はできません"));
    // … and no longer once it has approved it.
    let (status, _) = call(&app, &tokyo, reqwest::Method::GET, &path(""), None).await;
    assert_eq!(status, 403);

    // The rest of the case: intent, the agreement (rendered and sent), messages, assignment.
    let (status, body) =
        call(&app, &staff, reqwest::Method::POST, &path("/events"), Some(json!({"event": "confirm_intent"}))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("intent_confirmed")));
    let (status, body) = call(&app, &staff, reqwest::Method::POST, &path("/agreement/send"), None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("agreement_sent")), "{body}");
    let (status, body) = call(&app, &staff, reqwest::Method::POST, &path("/agreement/confirm"), None).await;
    assert_eq!(status, 409, "nothing signed yet: {body}");
    let (status, _) =
        call(&app, &staff, reqwest::Method::POST, &path("/messages"), Some(json!({"body": "同意書をお送りしました"})))
            .await;
    assert_eq!(status, 201);
    let me = store::accounts::find_user_by_email(&app.running.db, "api@example.jp").await.unwrap().unwrap();
    let (status, _) =
        call(&app, &staff, reqwest::Method::POST, &path("/assign"), Some(json!({"assignee_user_id": me.id}))).await;
    assert_eq!(status, 200);
    let (status, body) = call(&app, &staff, reqwest::Method::GET, &path(""), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["case"]["status"], "agreement_sent");
    assert_eq!(body["case"]["assignee_user_id"], json!(me.id));
    let events: Vec<&str> = body["timeline"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        [
            "submit",
            "complete_application",
            "record_status_check",
            "decide_course",
            "approve",
            "confirm_intent",
            "send_agreement",
            "assign"
        ]
    );
    assert!(body["timeline"][4]["actor_label"].as_str().unwrap().contains("(API)"));
    app.stop().await;
}

async fn tokens_are_checked_and_roles_respected(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    app.apply(&application(2, "utm")).await;
    let (status, body) = call(&app, "kojo_not-a-token", reqwest::Method::GET, "/api/v1/cases", None).await;
    assert_eq!(status, 401);
    assert!(body["message"].as_str().unwrap().contains("APIトークン"));
    let expert = token_for(&app, "expert@example.jp", Role::Expert).await;
    assert_eq!(call(&app, &expert, reqwest::Method::GET, "/api/v1/cases", None).await.0, 403);
    // Tokyo sees decided cases only, and none of the details.
    let tokyo = token_for(&app, "tokyo@example.jp", Role::TokyoOfficial).await;
    let (status, list) = call(&app, &tokyo, reqwest::Method::GET, "/api/v1/cases", None).await;
    assert_eq!((status, list["total"].as_u64()), (200, Some(0)));
    assert_eq!(call(&app, &tokyo, reqwest::Method::GET, "/api/v1/cases?status=received", None).await.0, 403);
    // A revoked token stops working.
    let staff = token_for(&app, "api@example.jp", Role::Secretariat).await;
    assert_eq!(call(&app, &staff, reqwest::Method::GET, "/api/v1/cases", None).await.0, 200);
    let user = store::accounts::find_user_by_email(&app.running.db, "api@example.jp").await.unwrap().unwrap();
    assert_eq!(
        store::accounts::revoke_api_tokens(&app.running.db, user.id, "test", chrono::Utc::now()).await.unwrap(),
        1
    );
    assert_eq!(call(&app, &staff, reqwest::Method::GET, "/api/v1/cases", None).await.0, 401);
    // Company users cannot hold tokens.
    let company = store::accounts::create_user(
        &app.running.db,
        store::accounts::NewUser {
            email: "c@example.jp",
            display_name: "c",
            role: Role::Company,
            password_hash: None,
            company_application_id: None,
            must_change_password: false,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(store::accounts::create_api_token(&app.running.db, company, "x", chrono::Utc::now()).await.is_err());
    app.stop().await;
}

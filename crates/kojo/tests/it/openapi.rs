//! The OpenAPI document (`crates/web/openapi.json`) is the JSON API's contract: it lists exactly
//! the routes the routers serve under `/api/v1`, with their methods; it is what the server serves;
//! every secured operation documents 401 and 403, every operation that reads a body the statuses
//! an unreadable body gets; and those error answers have the documented shape. `scripts/contract`
//! checks the rest against a running server with schemathesis.

use std::collections::BTreeSet;

use crate::common;

use common::{Backend, Setup, spawn_app};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn document() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("openapi.json")).expect("openapi.json is JSON")
}

/// `(METHOD, path)` of every route of the JSON API's routers (`crates/web/src/api*.rs`), read
/// from their `.route("…", …)` calls, under the `/api/v1` they are nested at.
fn routed() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("web sources") {
        let path = entry.unwrap().path();
        if !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("api")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for call in text.split(".route(\"").skip(1) {
            let (route, rest) = call.split_once('"').unwrap();
            let handlers = rest.split(".route(\"").next().unwrap().split('\n').next().unwrap();
            for method in METHODS {
                if handlers.contains(&format!("{method}(")) {
                    routes.insert((method.to_uppercase(), format!("/api/v1{route}")));
                }
            }
        }
    }
    routes
}

fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            assert!(METHODS.contains(&method.as_str()), "{path}: unexpected key {method}");
            operations.insert((method.to_uppercase(), path.clone()));
        }
    }
    operations
}

/// Every operation: `(METHOD path, operation)`.
fn operations(document: &Value) -> Vec<(String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            all.push((format!("{} {path}", method.to_uppercase()), operation));
        }
    }
    all
}

/// A response of an operation, following a `$ref` into `components/responses`.
fn response<'a>(document: &'a Value, operation: &'a Value, status: &str) -> Option<&'a Value> {
    let response = operation["responses"].get(status)?;
    match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/responses/").expect("a local response");
            Some(&document["components"]["responses"][name])
        }
        None => Some(response),
    }
}

#[test]
fn the_document_lists_exactly_the_routed_operations() {
    let routed = routed();
    assert!(routed.len() >= 23, "found only {} API routes: {routed:?}", routed.len());
    assert!(routed.contains(&("POST".to_string(), "/api/v1/devices".to_string())), "{routed:?}");
    assert!(routed.contains(&("GET".to_string(), "/api/v1/devices".to_string())), "{routed:?}");
    let documented = documented(&document());
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(undocumented.is_empty(), "routes missing from openapi.json: {undocumented:?}");
    assert!(unrouted.is_empty(), "operations in openapi.json that no router serves: {unrouted:?}");
}

#[test]
fn every_operation_documents_its_refusals() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    // The public bodies' 422 names each field or rule; every other error is `Error`.
    let public_body = [
        "POST /api/v1/applications",
        "POST /api/v1/eligibility",
        "POST /api/v1/seminars/{id}/registrations",
        "POST /api/v1/inquiries",
    ];
    for (name, operation) in operations(&document) {
        let responses = operation["responses"].as_object().unwrap_or_else(|| panic!("{name}: no responses"));
        assert!(responses.keys().any(|status| status.starts_with('2')), "{name}: no success response");
        for status in responses.keys() {
            let response = response(&document, operation, status).unwrap();
            assert!(response["description"].is_string(), "{name} {status}: no description (a dangling $ref?)");
            if !status.starts_with('2') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"].as_str().map(|s| s.rsplit('/').next()),
                    Some(Some(if status == "422" && public_body.contains(&name.as_str()) {
                        "Invalid"
                    } else {
                        "Error"
                    })),
                    "{name} {status}: not the API's error body"
                );
            }
        }
        if operation.get("security").is_some() {
            for status in ["401", "403"] {
                assert!(responses.contains_key(status), "{name} is secured but does not document {status}");
            }
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(responses.contains_key(status), "{name} reads a body but does not document {status}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_served_document_is_the_file_and_errors_have_its_shape() {
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let response = app.client.get(app.at("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let served: Value = response.json().await.unwrap();
    assert_eq!(served, document());

    let error_shape = |status: u16, body: &Value, code: &str| {
        assert_eq!(body["error"], code, "{status}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{status}: {body}");
        assert!(body["message_en"].as_str().is_some_and(|m| !m.is_empty()), "{status}: {body}");
    };
    let url = app.at("/api/v1/eligibility");
    for (request, status, code) in [
        (app.client.post(&url).body("{}"), 415, "unsupported_media_type"),
        (app.client.post(&url).header("content-type", "application/json").body("{"), 400, "bad_request"),
        (app.client.post(&url).json(&serde_json::json!([1])), 422, "invalid"),
        (app.client.post(&url).json(&serde_json::json!({"company": ["a"]})), 422, "invalid"),
        (app.client.post(&url).json(&serde_json::json!({"company": {"employees": 1.5}})), 422, "invalid"),
        // On a connection of its own: the server answers before reading the body and closes the
        // connection, which a shared pool could otherwise hand to the next request.
        (
            reqwest::Client::new().post(&url).header("content-type", "application/json").body(vec![b' '; 65 * 1024]),
            413,
            "payload_too_large",
        ),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status);
        error_shape(status, &response.json().await.unwrap(), code);
    }
    // The staff API: no token is 401 with its challenge; an id that is no UUID names nothing.
    let response = app.client.get(app.at("/api/v1/cases/not-a-uuid")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    error_shape(401, &response.json().await.unwrap(), "unauthorized");
    let user = store::accounts::NewUser {
        email: "openapi@example.jp",
        display_name: "API",
        role: domain::access::Role::Secretariat,
        password_hash: None,
        company_application_id: None,
        must_change_password: false,
    };
    let now = chrono::Utc::now();
    let id = store::accounts::create_user(&app.running.db, user, now).await.unwrap();
    let token = store::accounts::create_api_token(&app.running.db, id, "test", now).await.unwrap();
    for (path, status, code) in [
        ("/api/v1/cases/not-a-uuid", 404, "not_found"),
        ("/api/v1/cases?status=received&status=contacted", 400, "bad_request"),
        ("/api/v1/cases?status=nonsense", 422, "invalid"),
    ] {
        let response = app.client.get(app.at(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        error_shape(status, &response.json().await.unwrap(), code);
    }
    app.stop().await;
}

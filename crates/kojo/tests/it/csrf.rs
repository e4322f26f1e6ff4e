//! Every state-changing route, listed from the router's source, refuses a browser request
//! without this browser's form token (missing or wrong), signed in or not; the staff API's
//! routes refuse a request without its bearer token.

use crate::common;

use common::{Backend, Setup, spawn_app};
use domain::access::Role;

on_both_backends!(every_state_changing_route_needs_its_token);

/// `(method, path)` of every route whose method router accepts POST, PUT, PATCH or DELETE, read
/// from the `.route("…", …)` calls of `crates/web/src`, with the prefix each router is nested at.
fn state_changing_routes() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("web sources") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // The JSON API's routers are nested under /api/v1.
        let prefix =
            if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("api")) { "/api/v1" } else { "" };
        for call in text.split(".route(\"").skip(1) {
            let (route, rest) = call.split_once('"').unwrap();
            let handlers = rest.split(".route(\"").next().unwrap().split('\n').next().unwrap();
            for method in ["post", "put", "patch", "delete"] {
                if handlers.contains(&format!("{method}(")) {
                    routes.push((method.to_uppercase(), format!("{prefix}{route}")));
                }
            }
        }
    }
    routes.sort();
    routes
}

async fn every_state_changing_route_needs_its_token(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let routes = state_changing_routes();
    assert!(routes.len() >= 35, "found only {} routes: {routes:?}", routes.len());
    let staff =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&staff, "admin@example.jp", Role::Administrator).await;
    let stranger = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let id = uuid::Uuid::now_v7().to_string();
    let mut checked = 0;
    for (method, route) in &routes {
        let path = route.replace("{id}", &id);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        if ["/api/v1/cases", "/api/v1/devices", "/api/v1/reports"].iter().any(|staff_api| path.starts_with(staff_api)) {
            let response =
                app.client.request(method.clone(), app.at(&path)).json(&serde_json::json!({})).send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path} without a bearer token");
            checked += 1;
            continue;
        }
        if path.starts_with("/api/") {
            // The public JSON API takes only application/json, which a cross-site form cannot send.
            let response = app.client.request(method.clone(), app.at(&path)).form(&[("a", "b")]).send().await.unwrap();
            assert!(response.status().is_client_error(), "{method} {path} took a form body: {}", response.status());
            checked += 1;
            continue;
        }
        for (who, client, form) in [
            ("signed in, no token", &staff, vec![("x", "1")]),
            ("signed in, wrong token", &staff, vec![("csrf", "0000")]),
            ("not signed in, no token", &stranger, vec![("x", "1")]),
        ] {
            let response = client.request(method.clone(), app.at(&path)).form(&form).send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert_eq!(status, 403, "{method} {path} ({who}) answered {status}");
            assert!(body.contains("有効期限"), "{method} {path} ({who}) was refused for another reason: {body}");
        }
        checked += 1;
    }
    assert_eq!(checked, routes.len());
    // And the check is what refuses: the same post with the session's token goes through.
    let page = staff.get(app.at("/office/approvals")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let response = staff.post(app.at("/office/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    app.stop().await;
}

#[test]
fn the_route_list_covers_every_feature() {
    let routes = state_changing_routes();
    for expected in [
        "/status",
        "/apply",
        "/office/applications/{id}/contact",
        "/portal/agreement/upload",
        "/api/v1/cases/{id}/events",
    ] {
        assert!(routes.iter().any(|(_, path)| path == expected), "{expected} missing from {routes:?}");
    }
}

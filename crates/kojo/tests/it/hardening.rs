//! Regression tests for what a black-box security probe found (one per finding fixed so far):
//! formula injection in CSV exports, one unmappable character failing the Shift_JIS export,
//! control characters in applications, caching of personal data, the language switch's
//! redirect, and HTTP connections that never finish their header (issue 18, row 7).

use crate::common;

use common::{Backend, Setup, application, spawn_app, spawn_app_configured};
use domain::access::Role;
use serde_json::Value;

on_both_backends!(
    csv_exports_do_not_carry_formulas_and_survive_unmappable_characters,
    control_characters_are_refused_at_the_application,
    signed_in_pages_and_downloads_are_not_cached,
    the_language_switch_redirects_only_within_the_site,
    the_confirmation_page_trusts_only_its_own_signed_cookie,
    an_expired_public_form_keeps_what_was_typed_but_never_a_password,
    connections_that_send_no_complete_header_are_closed,
    connections_beyond_the_limit_wait_for_a_free_place,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn csv_exports_do_not_carry_formulas_and_survive_unmappable_characters(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut formula = application(1, "utm");
    formula["company"]["name"] = "=HYPERLINK(\"http://evil.example\",\"詳細\")".into();
    formula["contact"]["email"] = "=1+1@example.com".into();
    assert_eq!(app.apply(&formula).await.status(), 201, "the name is accepted as text");
    let mut rare = application(2, "utm");
    rare["company"]["name"] = "株式会社𠮷野".into();
    assert_eq!(app.apply(&rare).await.status(), 201);
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let fetch = |format: &'static str| {
        let staff = staff.clone();
        let url = app.at(&format!("/office/applications/export?format={format}"));
        async move { staff.get(url).send().await.unwrap() }
    };
    let utf8 = fetch("csv").await.bytes().await.unwrap();
    let text = std::str::from_utf8(&utf8[3..]).unwrap();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"詳細\"\")\""), "{text}");
    assert!(text.contains(",'=1+1@example.com,"), "{text}");
    assert!(!text.contains(",=") && !text.contains("\"="), "no cell starts with a formula: {text}");
    // One applicant's 𠮷 (outside Shift_JIS) no longer fails everyone's export.
    let sjis = fetch("csv_sjis").await;
    assert_eq!(sjis.status(), 200);
    assert_eq!(sjis.headers()["x-kojo-substituted-characters"], "1");
    let bytes = sjis.bytes().await.unwrap();
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!errors);
    assert!(decoded.contains("株式会社〓野") && decoded.contains("'=HYPERLINK("), "{decoded}");
    app.stop().await;
}

async fn control_characters_are_refused_at_the_application(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut body = application(1, "utm");
    body["company"]["name"] = "株式会社\u{0}サンプル".into();
    let response = app.apply(&body).await;
    assert_eq!(response.status(), 422);
    let answer: Value = response.json().await.unwrap();
    assert!(answer.to_string().contains("制御文字"), "{answer}");
    let programme: Value = app.client.get(app.at("/api/v1/programme")).send().await.unwrap().json().await.unwrap();
    assert_eq!(programme["courses"][0]["places_remaining"], 150, "nothing was stored");
    app.stop().await;
}

async fn signed_in_pages_and_downloads_are_not_cached(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    app.apply(&application(1, "utm")).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    for path in
        ["/office/applications", "/office/board", "/office/applications/export?format=csv", "/office/reports/timeline"]
    {
        let response = staff.get(app.at(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    app.stop().await;
}

async fn the_language_switch_redirects_only_within_the_site(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let host = app.url.trim_start_matches("http://").to_string();
    let switch = |referer: String| {
        let request = app.client.get(app.at("/lang/en")).header("referer", referer);
        async move { request.send().await.unwrap().headers()["location"].to_str().unwrap().to_string() }
    };
    assert_eq!(switch(format!("http://{host}/apply?course=utm&lang=ja")).await, "/apply?course=utm");
    for hostile in [
        format!("http://{host}/\\evil.example/x"),
        format!("http://{host}//evil.example/x"),
        "http://evil.example/apply".to_string(),
    ] {
        assert_eq!(switch(hostile.clone()).await, "/", "{hostile}");
    }
    app.stop().await;
}

async fn the_confirmation_page_trusts_only_its_own_signed_cookie(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let body: Value = app.apply(&application(1, "utm")).await.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap().to_string();
    let stranger = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let forged_with_another_key = web::signed::SigningKey::new(None)
        .unwrap()
        .sign(&reference, chrono::Utc::now() + chrono::Duration::minutes(10));
    for cookie in [reference.clone(), forged_with_another_key, format!("{reference}.9999999999.00")] {
        let response =
            stranger.get(app.at("/apply/done")).header("cookie", format!("kojo_done={cookie}")).send().await.unwrap();
        assert_eq!(response.status(), 303, "{cookie}");
        assert_eq!(response.headers()["location"], "/status");
        assert!(!response.text().await.unwrap().contains("contact1@example.jp"));
    }
    app.stop().await;
}

async fn an_expired_public_form_keeps_what_was_typed_but_never_a_password(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let browser = client();
    browser.get(app.at("/office/login")).send().await.unwrap();
    let response = browser
        .post(app.at("/office/login"))
        .form(&[("email", "jimukyoku@example.jp"), ("password", "hunter2-very-secret"), ("csrf", "stale")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("ページの有効期限が切れました") && page.contains("jimukyoku@example.jp"), "{page}");
    assert!(!page.contains("hunter2-very-secret"), "the password is not written into the page");
    assert!(page.contains("name=\"csrf\" value=\""), "the page carries a fresh token to send again");
    app.stop().await;
}

/// Reads a raw HTTP connection until the server closes it (end of stream or reset); false if it
/// is still open after 30 s.
async fn closed_by_server(stream: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_end(&mut answer)).await,
        Ok(Ok(_) | Err(_))
    )
}

/// Issue 18, row 7: a connection that sends nothing, or stops in the middle of its header, is
/// closed after the header timeout (one second here, ten by default); requests still work.
async fn connections_that_send_no_complete_header_are_closed(backend: Backend) {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_configured(backend, Setup::default(), |config| config.http_header_timeout_seconds = 1).await;
    let mut silent = tokio::net::TcpStream::connect(app.running.address).await.unwrap();
    let mut partial = tokio::net::TcpStream::connect(app.running.address).await.unwrap();
    partial.write_all(b"GET / HTTP/1.1\r\nHost: kojo.test\r\nX-Slow: ").await.unwrap();
    assert!(closed_by_server(&mut silent).await, "a connection that sends nothing is closed");
    assert!(closed_by_server(&mut partial).await, "a connection with an unfinished header is closed");
    let response = app.client.get(app.at("/api/v1/programme")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    app.stop().await;
}

/// Issue 18, row 7: with the connection limit reached (two here) a further connection is not
/// served until a place frees up; then it is.
async fn connections_beyond_the_limit_wait_for_a_free_place(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_configured(backend, Setup::default(), |config| {
        config.http_max_connections = 2;
        config.http_header_timeout_seconds = 60;
    })
    .await;
    let first = tokio::net::TcpStream::connect(app.running.address).await.unwrap();
    let second = tokio::net::TcpStream::connect(app.running.address).await.unwrap();
    let mut third = tokio::net::TcpStream::connect(app.running.address).await.unwrap();
    third.write_all(b"GET /api/v1/programme HTTP/1.1\r\nHost: kojo.test\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let early = tokio::time::timeout(std::time::Duration::from_millis(500), third.read_to_end(&mut answer)).await;
    assert!(early.is_err(), "not served while two connections hold the places: {}", String::from_utf8_lossy(&answer));
    drop(first);
    tokio::time::timeout(std::time::Duration::from_secs(30), third.read_to_end(&mut answer))
        .await
        .expect("served once a place is free")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(second);
    app.stop().await;
}

//! Regression tests for what a black-box security probe found (one per finding fixed so far):
//! formula injection in CSV exports, one unmappable character failing the Shift_JIS export,
//! control characters in applications, caching of personal data, and the language switch's
//! redirect.

use crate::common;

use common::{Backend, Setup, application, spawn_app};
use domain::access::Role;
use serde_json::Value;

on_both_backends!(
    csv_exports_do_not_carry_formulas_and_survive_unmappable_characters,
    control_characters_are_refused_at_the_application,
    signed_in_pages_and_downloads_are_not_cached,
    the_language_switch_redirects_only_within_the_site,
    the_confirmation_page_trusts_only_its_own_signed_cookie,
    an_expired_public_form_keeps_what_was_typed_but_never_a_password,
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

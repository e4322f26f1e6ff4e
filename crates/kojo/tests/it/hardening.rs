//! Regression tests for what a black-box security probe found (one per finding fixed so far):
//! formula injection in CSV exports, one unmappable character failing the Shift_JIS export,
//! control characters in applications, caching of personal data, the language switch's
//! redirect, the sign-in lock-out, the portal's timing, one-time passwords and deactivation,
//! signing out from error pages, upload caps, the acknowledgement's content, oversized bodies
//! and the scheme of `Origin`. The row of the finding is named on each test.

use crate::common;

use chrono::Duration;
use common::{Backend, Setup, TestApp, application, hidden_value, spawn_app, spawn_app_configured};
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
    a_guesser_cannot_lock_the_real_user_out,
    portal_sign_in_answers_known_and_unknown_addresses_alike,
    one_time_passwords_are_replaced_first_and_disabled_accounts_stop_at_once,
    an_expert_can_sign_out_from_any_page,
    agreement_uploads_are_capped_and_superseded,
    the_acknowledgement_carries_only_what_kojo_generated,
    oversized_bodies_answer_413_in_words_that_say_so,
    every_upload_route_takes_large_files_and_refuses_oversized_ones,
    the_origin_check_compares_scheme_host_and_port,
    markup_and_sql_in_input_stay_text,
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

/// Signs in through the form from address `from` (the proxy header the test app trusts).
async fn attempt(
    app: &TestApp,
    browser: &reqwest::Client,
    email: &str,
    password: &str,
    from: &str,
) -> reqwest::Response {
    let page = browser.get(app.at("/office/login")).header("x-forwarded-for", from).send().await.unwrap();
    let csrf = hidden_value(&page.text().await.unwrap(), "csrf");
    browser
        .post(app.at("/office/login"))
        .header("x-forwarded-for", from)
        .form(&[("email", email), ("password", password), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

/// Row 8: five wrong passwords from one address used to lock the account for everyone, and
/// refusals during the lock extended it.
async fn a_guesser_cannot_lock_the_real_user_out(backend: Backend) {
    let app = spawn_app_configured(backend, Setup::default(), |config| {
        config.trusted_client_ip_header = Some("X-Forwarded-For".into());
    })
    .await;
    let email = "jimukyoku@example.jp";
    let real = client();
    let password = app.sign_in(&real, email, Role::Secretariat).await;
    let clock = app.running.clock.clone();
    // One address guesses: after five failures that address is refused for this account,
    // before its password is even looked at.
    let guesser = client();
    for _ in 0..5 {
        assert_eq!(attempt(&app, &guesser, email, "wrong-guess-2026", "203.0.113.9").await.status(), 401);
    }
    assert_eq!(attempt(&app, &guesser, email, "wrong-guess-2026", "203.0.113.9").await.status(), 429);
    assert_eq!(attempt(&app, &guesser, email, &password, "203.0.113.9").await.status(), 429);
    // The real user, from another address and a browser that never signed in, gets in at once.
    let elsewhere = client();
    let response = attempt(&app, &elsewhere, email, &password, "198.51.100.7").await;
    assert_eq!(response.status(), 303, "the right password from elsewhere is not locked out");
    // Guesses spread over many addresses: from the account's tenth failure each further attempt
    // waits a doubling delay after the latest failure (12 failures: 4 s).
    for i in 0..7 {
        clock.advance(Duration::seconds(20));
        let from = format!("192.0.2.{i}");
        assert_eq!(attempt(&app, &client(), email, "wrong-guess-2026", &from).await.status(), 401, "{from}");
    }
    let fresh = client();
    let waiting = attempt(&app, &fresh, email, &password, "198.51.100.8").await;
    assert_eq!(waiting.status(), 429);
    let retry_after: i64 = waiting.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=4).contains(&retry_after), "{retry_after}");
    assert!(waiting.text().await.unwrap().contains("試行の間隔を空けています"));
    // Refusals during the wait do not extend it.
    for _ in 0..3 {
        assert_eq!(attempt(&app, &client(), email, "wrong-guess-2026", "192.0.2.100").await.status(), 429);
    }
    clock.advance(Duration::seconds(4));
    assert_eq!(attempt(&app, &fresh, email, &password, "198.51.100.8").await.status(), 303);
    // A browser the user signed in with before is not held up by the account's delay at all.
    clock.advance(Duration::seconds(20));
    assert_eq!(attempt(&app, &client(), email, "wrong-guess-2026", "192.0.2.50").await.status(), 401);
    assert_eq!(attempt(&app, &client(), email, &password, "198.51.100.9").await.status(), 429);
    assert_eq!(attempt(&app, &real, email, &password, "198.51.100.9").await.status(), 303);
    app.stop().await;
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Row 9: a known address used to answer in about 4.7 ms, an unknown one in 2.3 ms. Now both
/// do the same work before answering (the link is made and e-mailed after the answer).
async fn portal_sign_in_answers_known_and_unknown_addresses_alike(backend: Backend) {
    let app = spawn_app_configured(backend, Setup::default(), |config| config.submit_rate_limit = 0).await;
    assert_eq!(app.apply(&application(1, "utm")).await.status(), 201);
    let browser = client();
    let page = browser.get(app.at("/portal/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let ask = |email: &'static str| {
        let request = browser.post(app.at("/portal/login")).form(&[("email", email), ("csrf", csrf.as_str())]);
        async move {
            let started = std::time::Instant::now();
            let response = request.send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            (started.elapsed().as_secs_f64() * 1000.0, status, body)
        }
    };
    let links_sent = || async {
        let outbox = store::outbox::recent(&app.running.db, 100).await.unwrap();
        outbox.iter().filter(|m| m.to == "contact1@example.jp" && m.subject.contains("ログインリンク")).count()
    };
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(5));
    for round in 0..40 {
        // Each request after the same pause, so that neither is measured warmer than the other.
        pause().await;
        let (known_ms, known_status, known_body) = ask("contact1@example.jp").await;
        // The link is made and e-mailed after the answer; wait for it, so that this work does
        // not land on the next measurement.
        let mut sent = 0;
        for _ in 0..100 {
            sent = links_sent().await;
            if sent == round + 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(sent, round + 1, "the e-mail is still sent, after the answer");
        pause().await;
        let (unknown_ms, unknown_status, unknown_body) = ask("nobody@example.jp").await;
        // The same answer, but for the address the person typed (kept for sending again).
        let (known_body, unknown_body) = (
            known_body.replace("contact1@example.jp", "ADDRESS"),
            unknown_body.replace("nobody@example.jp", "ADDRESS"),
        );
        assert_eq!((known_status, &known_body), (unknown_status, &unknown_body), "the same answer");
        if round >= 5 {
            known.push(known_ms);
            unknown.push(unknown_ms);
        }
    }
    // The medians of 35 are compared: the fastest alone swings with one lucky request on a
    // loaded machine (a run measured the unknown address slower at its fastest and equal at its
    // median); a systematic difference — the link's work done before answering — moves the median.
    let fastest = |values: &[f64]| values.iter().copied().fold(f64::INFINITY, f64::min);
    let (known_min, unknown_min) = (fastest(&known), fastest(&unknown));
    let (known_median, unknown_median) = (median(known), median(unknown));
    eprintln!(
        "portal sign-in link ({backend:?}), fastest/median of 35: known {known_min:.2}/{known_median:.2} ms, unknown {unknown_min:.2}/{unknown_median:.2} ms"
    );
    let ratio = known_median / unknown_median;
    assert!((1.0 / 1.5..1.5).contains(&ratio), "median known {known_median:.2} ms vs unknown {unknown_median:.2} ms");
    app.stop().await;
}

/// Runs the `kojo` binary against the test app's database, as an operator would.
fn kojo_cli(app: &TestApp, args: &[&str]) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kojo"));
    command.args(args).env("KOJO_DATA_DIR", app.data_dir.path()).env("KOJO_LOG", "warn");
    match &app.config.database_url {
        Some(url) => command.env("KOJO_DATABASE_URL", url),
        None => command.env_remove("KOJO_DATABASE_URL"),
    };
    let output = command.output().expect("the kojo binary runs");
    assert!(output.status.success(), "kojo {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn printed_password(output: &str) -> String {
    let start = output.find("one-time password: ").expect(output) + "one-time password: ".len();
    output[start..].split_whitespace().next().unwrap().to_string()
}

/// Row 10: the printed one-time password worked for good and never had to be changed; there
/// was no password change, reset or deactivation.
async fn one_time_passwords_are_replaced_first_and_disabled_accounts_stop_at_once(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let admin = client();
    app.sign_in(&admin, "admin@example.jp", Role::Administrator).await;
    let output = kojo_cli(
        &app,
        &["user", "add", "--email", "staff@example.jp", "--name", "事務局 職員", "--role", "secretariat"],
    );
    let one_time = printed_password(&output);
    let staff = client();
    let signed_in = attempt(&app, &staff, "staff@example.jp", &one_time, "127.0.0.1").await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/office/password");
    // Until it is replaced, every office page leads to the password page.
    let list = staff.get(app.at("/office/applications")).send().await.unwrap();
    assert_eq!(list.status(), 303, "a one-time password opens nothing but the password page");
    assert_eq!(list.headers()["location"], "/office/password");
    let page = staff.get(app.at("/office/password")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"forced\""), "{page}");
    let csrf = hidden_value(&page, "csrf");
    let change = |current: String, new: &'static str, confirm: &'static str| {
        let request = staff.post(app.at("/office/password")).form(&[
            ("csrf", csrf.clone()),
            ("current_password", current),
            ("new_password", new.to_string()),
            ("confirm_password", confirm.to_string()),
        ]);
        async move { request.send().await.unwrap() }
    };
    for (new, confirm, expected) in [
        ("password1234", "password1234", "よく使われる"),
        ("short-pass", "short-pass", "12文字以上"),
        ("kojo-Umbrella-47-Tide", "kojo-Umbrella-47-tide", "一致しません"),
    ] {
        let refused = change(one_time.clone(), new, confirm).await;
        assert_eq!(refused.status(), 422, "{new}");
        assert!(refused.text().await.unwrap().contains(expected), "{new}");
    }
    let wrong_current = change("not-the-password".into(), "kojo-Umbrella-47-Tide", "kojo-Umbrella-47-Tide").await;
    assert!(wrong_current.text().await.unwrap().contains("現在のパスワードが正しくありません"));
    let changed = change(one_time.clone(), "kojo-Umbrella-47-Tide", "kojo-Umbrella-47-Tide").await;
    assert_eq!(changed.status(), 303);
    assert_eq!(staff.get(app.at("/office/applications")).send().await.unwrap().status(), 200);
    // The one-time password is gone; the chosen one works.
    assert_eq!(attempt(&app, &client(), "staff@example.jp", &one_time, "127.0.0.1").await.status(), 401);
    let again = attempt(&app, &client(), "staff@example.jp", "kojo-Umbrella-47-Tide", "127.0.0.1").await;
    assert_eq!(again.headers()["location"], "/office/board", "the secretariat lands on its work board");
    let user = store::accounts::find_user_by_email(&app.running.db, "staff@example.jp").await.unwrap().unwrap();
    assert!(!user.must_change_password && user.password_changed_at.is_some());
    assert!(user.password_hash.as_deref().unwrap().starts_with("$argon2id$"));
    let token =
        store::accounts::create_api_token(&app.running.db, user.id, "export", chrono::Utc::now()).await.unwrap();
    let api = |token: String| {
        let request = app.client.get(app.at("/api/v1/cases")).bearer_auth(token);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(api(token.clone()).await, 200);

    // An administrator disables the account on the users page: its session and token stop at once.
    let page = admin.get(app.at("/office/users")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("staff@example.jp"));
    let admin_csrf = hidden_value(&page, "csrf");
    let disabled = admin
        .post(app.at(&format!("/office/users/{}/disable", user.id)))
        .form(&[("csrf", admin_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 200);
    assert!(disabled.text().await.unwrap().contains("アカウントを無効にしました"));
    let after = staff.get(app.at("/office/applications")).send().await.unwrap();
    assert_eq!(after.headers()["location"], "/office/login", "the session ended");
    assert_eq!(api(token).await, 401, "the API token stopped");
    assert_eq!(attempt(&app, &client(), "staff@example.jp", "kojo-Umbrella-47-Tide", "127.0.0.1").await.status(), 401);
    let trail = store::audit::for_subject(&app.running.db, "user", &user.id.to_string()).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|entry| entry.action.as_str()).collect();
    for expected in ["user.password_changed", "user.disable"] {
        assert!(actions.contains(&expected), "{actions:?}");
    }
    // Nobody disables their own account.
    let me = store::accounts::find_user_by_email(&app.running.db, "admin@example.jp").await.unwrap().unwrap();
    let own = admin
        .post(app.at(&format!("/office/users/{}/disable", me.id)))
        .form(&[("csrf", admin_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 409);
    // `kojo user passwd` resets a password: the sessions end, the new one-time password must be replaced.
    let reset = printed_password(&kojo_cli(&app, &["user", "passwd", "--email", "admin@example.jp"]));
    assert_eq!(admin.get(app.at("/office/users")).send().await.unwrap().headers()["location"], "/office/login");
    let back = attempt(&app, &admin, "admin@example.jp", &reset, "127.0.0.1").await;
    assert_eq!(back.headers()["location"], "/office/password");
    // `kojo user disable` does what the page does.
    kojo_cli(&app, &["user", "add", "--email", "tokyo@example.jp", "--name", "都 職員", "--role", "tokyo_official"]);
    kojo_cli(&app, &["user", "disable", "--email", "tokyo@example.jp"]);
    let gone = store::accounts::find_user_by_email(&app.running.db, "tokyo@example.jp").await.unwrap().unwrap();
    assert!(!gone.is_active && gone.disabled_at.is_some());
    app.stop().await;
}

/// Row 11: an expert, refused by every office page, had no page with a form token and so could
/// not sign out.
async fn an_expert_can_sign_out_from_any_page(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let expert = client();
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    for path in ["/office/applications", "/office/board", "/office/no-such-page"] {
        let response = expert.get(app.at(path)).send().await.unwrap();
        assert!(response.status().is_client_error(), "{path}");
        let page = response.text().await.unwrap();
        assert!(page.contains("action=\"/office/logout\""), "{path}: {page}");
        assert!(!hidden_value(&page, "csrf").is_empty());
    }
    let page = expert.get(app.at("/office/applications")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let out = expert.post(app.at("/office/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/office/login");
    let after = expert.get(app.at("/office/applications")).send().await.unwrap();
    assert_eq!(after.headers()["location"], "/office/login", "signed out");
    // Someone not signed in sees no sign-out form.
    let page = client().get(app.at("/office/no-such-page")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/office/logout"));
    app.stop().await;
}

/// Row 15: a company could upload without limit (three 10 MB uploads were all kept).
async fn agreement_uploads_are_capped_and_superseded(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = crate::agreement::ready_case(&app, 1).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    crate::agreement::send_agreement(&app, &staff, id).await;
    let company = crate::agreement::company_session(&app, id).await;
    let page = company.get(app.at("/portal/agreement")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let scan = |n: usize| [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR scan ".as_slice(), n.to_string().as_bytes()].concat();
    let upload = |n: usize| {
        let request = company
            .post(app.at(&format!("/portal/agreement/upload?csrf={csrf}")))
            .multipart(crate::agreement::multipart(&csrf, &format!("scan{n}.png"), scan(n)));
        async move { request.send().await.unwrap() }
    };
    for n in 0..3 {
        assert_eq!(upload(n).await.status(), 200, "upload {n}");
    }
    let fourth = upload(3).await;
    assert_eq!(fourth.status(), 429, "at most three an hour");
    assert!(fourth.text().await.unwrap().contains("1時間に3回まで"));
    // Each upload superseded the one before: one scan is kept, the others only as records.
    let agreement = store::agreements::latest(&app.running.db, id).await.unwrap().unwrap();
    assert_eq!(agreement.uploads.len(), 3);
    let live: Vec<_> = agreement.uploads.iter().filter(|u| u.superseded_at.is_none()).collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].sha256, store::sha256_hex_bytes(&scan(2)));
    let old = &agreement.uploads[0];
    assert_eq!(staff.get(app.at(&format!("/office/agreement-uploads/{}", old.id))).send().await.unwrap().status(), 410);
    let kept = staff.get(app.at(&format!("/office/agreement-uploads/{}", live[0].id))).send().await.unwrap();
    assert_eq!(kept.bytes().await.unwrap().to_vec(), scan(2));
    // The audit keeps what was superseded, by name and digest.
    let trail = store::audit::for_subject(&app.running.db, "application", &id.to_string()).await.unwrap();
    let uploads: Vec<_> = trail.iter().filter(|entry| entry.action == "agreement.upload").collect();
    assert_eq!(uploads.len(), 3);
    let all_details: String = uploads.iter().map(|entry| entry.detail.clone()).collect();
    assert!(all_details.contains(&store::sha256_hex_bytes(&scan(0))) && all_details.contains("scan1.png"));
    // Ten in all per case, however they are spread over time.
    for n in 3..10 {
        if n % 3 == 0 {
            app.running.clock.advance(Duration::minutes(61));
        }
        assert_eq!(upload(n).await.status(), 200, "upload {n}");
    }
    app.running.clock.advance(Duration::minutes(61));
    let eleventh = upload(10).await;
    assert_eq!(eleventh.status(), 422);
    assert!(eleventh.text().await.unwrap().contains("10回まで"));
    app.stop().await;
}

/// Row 16: the acknowledgement repeated the submitter's own text (company and contact names)
/// to any address, from the secretariat's. The portal link e-mail, which anyone can have sent
/// to that address next, carries no typed text either.
async fn the_acknowledgement_carries_only_what_kojo_generated(backend: Backend) {
    let app = spawn_app_configured(backend, Setup::default(), |config| config.submit_rate_limit = 3).await;
    let mut body = application(1, "utm");
    body["company"]["name"] = "当選のお知らせ http://prize.example/claim".into();
    body["contact"]["name"] = "至急ご連絡ください".into();
    body["contact"]["email"] = "victim@example.jp".into();
    let answer: Value = app.apply(&body).await.json().await.unwrap();
    let reference = answer["reference"].as_str().unwrap().to_string();
    let browser = client();
    let page = browser.get(app.at("/portal/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let asked = browser
        .post(app.at("/portal/login"))
        .form(&[("email", "victim@example.jp"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = store::outbox::recent(&app.running.db, 10).await.unwrap();
        if mails.iter().filter(|m| m.to == "victim@example.jp").count() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let to_victim: Vec<_> = mails.iter().filter(|m| m.to == "victim@example.jp").collect();
    assert_eq!(to_victim.len(), 2, "the acknowledgement and the link");
    for mail in to_victim {
        assert!(mail.body.contains(&reference), "{}", mail.body);
        for typed in ["当選", "prize.example", "至急ご連絡ください", "株式会社"] {
            assert!(!mail.subject.contains(typed) && !mail.body.contains(typed), "{typed} in {}", mail.body);
        }
    }
    // The rate limit stays: the fourth request within the minute is refused.
    assert_eq!(app.apply(&application(2, "utm")).await.status(), 201);
    assert_eq!(app.apply(&application(3, "utm")).await.status(), 429);
    app.stop().await;
}

/// Sends only the head of a POST declaring `declared` bytes of body, and reads the answer: a
/// request refused for its size is answered before any of its body is sent (a real 100 MB body
/// would race the server's early answer against the connection's reset).
async fn post_head(app: &TestApp, path: &str, headers: &[(&str, String)], declared: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let mut head =
        format!("POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {declared}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, text.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default())
}

/// Row 18: a 100 MB upload answered 400 "page expired", and an oversized JSON body's message
/// spoke of Content-Type.
async fn oversized_bodies_answer_413_in_words_that_say_so(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    // The JSON API: a JSON problem with the status.
    let json = ("content-type", "application/json".to_string());
    let (status, body) = post_head(&app, "/api/v1/applications", std::slice::from_ref(&json), 200_000).await;
    assert_eq!(status, 413);
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["error"], "payload_too_large");
    assert!(problem["message"].as_str().unwrap().contains("大きすぎます"), "{problem}");
    assert!(!problem.to_string().contains("Content-Type"), "{problem}");
    // Other body problems keep their own status and words.
    let untyped = app.client.post(app.at("/api/v1/applications")).body("{}").send().await.unwrap();
    assert_eq!(untyped.status(), 415);
    let post_json = |text: &'static str| {
        let request =
            app.client.post(app.at("/api/v1/applications")).header("content-type", "application/json").body(text);
        async move { request.send().await.unwrap() }
    };
    let unreadable = post_json("{").await;
    assert_eq!(unreadable.status(), 400);
    assert!(unreadable.text().await.unwrap().contains("JSONとして読めません"));
    assert_eq!(post_json("\"a string\"").await.status(), 422);
    // A page's form: the error page in Japanese.
    let form = ("content-type", "application/x-www-form-urlencoded".to_string());
    let (status, page) = post_head(&app, "/apply", &[form], 200_000).await;
    assert_eq!(status, 413);
    assert!(page.contains("大きすぎます"), "{page}");
    // A 100 MB upload by a signed-in company, token in the address as the portal's form sends
    // it, or only inside the multipart body as `curl -F` would: too large, not "page expired".
    let id = crate::agreement::ready_case(&app, 2).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    crate::agreement::send_agreement(&app, &staff, id).await;
    let now = app.running.clock.now();
    let user = store::portal::company_user(&app.running.db, id, now).await.unwrap();
    let session =
        store::accounts::create_session(&app.running.db, user.id, None, Duration::hours(1), now).await.unwrap();
    let headers = [
        ("cookie", format!("kojo_session={}", session.token)),
        ("content-type", "multipart/form-data; boundary=kojo".to_string()),
    ];
    for path in [format!("/portal/agreement/upload?csrf={}", session.csrf_token), "/portal/agreement/upload".into()] {
        let (status, page) = post_head(&app, &path, &headers, 100 * 1024 * 1024).await;
        assert_eq!(status, 413, "{path}");
        assert!(page.contains("10MBまで") && !page.contains("有効期限"), "{path}: {page}");
    }
    app.stop().await;
}

/// Every upload route takes a declared length past the 64 KiB of a form (a browser declares
/// it; only the agreement's route did until the limits came from one table) and refuses one past
/// its own limit, before reading the body.
async fn every_upload_route_takes_large_files_and_refuses_oversized_ones(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let headers = [("content-type", "multipart/form-data; boundary=kojo".to_string())];
    let mut routes = 0;
    for (pattern, limit) in web::upload_routes() {
        let path: String = pattern
            .split('/')
            .map(|part| if part.starts_with('{') { uuid::Uuid::new_v4().to_string() } else { part.to_string() })
            .collect::<Vec<_>>()
            .join("/");
        let (status, _) = post_head(&app, &path, &headers, 300 * 1024).await;
        assert_ne!(status, 413, "{pattern}: a 300 KB file");
        let (status, page) = post_head(&app, &path, &headers, limit + 1).await;
        assert_eq!(status, 413, "{pattern}: past its limit of {limit} bytes");
        assert!(page.contains("大きすぎます"), "{pattern}: {page}");
        routes += 1;
    }
    assert_eq!(routes, 10);
    app.stop().await;
}

/// Row 20: the cross-site check ignored the scheme of `Origin`.
async fn the_origin_check_compares_scheme_host_and_port(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let browser = client();
    let page = browser.get(app.at("/portal/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let host = app.url.trim_start_matches("http://").to_string();
    let (ip, port) = host.rsplit_once(':').unwrap();
    let other_port = port.parse::<u16>().unwrap().wrapping_add(1);
    let post = |origin: String| {
        let request = browser
            .post(app.at("/portal/login"))
            .header("origin", origin)
            .form(&[("email", "someone@example.jp"), ("csrf", csrf.as_str())]);
        async move { request.send().await.unwrap() }
    };
    for hostile in [
        format!("https://{host}"),
        format!("http://{ip}:{other_port}"),
        format!("http://{host}.evil.example"),
        "null".to_string(),
    ] {
        let response = post(hostile.clone()).await;
        assert_eq!(response.status(), 403, "{hostile}");
        assert!(response.text().await.unwrap().contains("他のサイトからの送信"), "{hostile}");
    }
    assert_eq!(post(format!("http://{host}")).await.status(), 200);
    assert_eq!(post(format!("HTTP://{host}")).await.status(), 200);
    app.stop().await;
}

/// IPA「安全なウェブサイトの作り方」1.1, 1.5 and 1.9 (docs/security.md): markup typed into an
/// application is shown as text, quotes in a search are data, and pages refuse to be framed.
async fn markup_and_sql_in_input_stay_text(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut body = application(1, "utm");
    body["company"]["name"] = "<script>alert(1)</script>株式会社".into();
    assert_eq!(app.apply(&body).await.status(), 201);
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let response = staff.get(app.at("/office/applications")).send().await.unwrap();
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    let page = response.text().await.unwrap();
    // askama writes `<` and `>` as numeric character references.
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62;株式会社"), "escaped");
    assert!(!page.contains("<script>alert(1)"));
    let rows = |page: &str| page.matches("<td><a href=\"/office/applications/").count();
    for query in ["%27%20OR%20%271%27%3D%271", "%27%3B%20DROP%20TABLE%20applications%3B%20--"] {
        let response = staff.get(app.at(&format!("/office/applications?q={query}"))).send().await.unwrap();
        assert_eq!(response.status(), 200, "{query}");
        assert_eq!(rows(&response.text().await.unwrap()), 0, "{query} matches nothing");
    }
    let all = staff.get(app.at("/office/applications")).send().await.unwrap().text().await.unwrap();
    assert_eq!(rows(&all), 1, "the table is intact");
    app.stop().await;
}

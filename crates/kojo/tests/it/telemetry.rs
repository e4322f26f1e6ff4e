//! What the operator sees: `/healthz` and `/readyz`, `/metrics` on its own address, JSON log
//! lines, SIGTERM, and no personal data in any log line of a real `kojo serve` process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common;

use common::{Backend, Setup, application, spawn_app, spawn_app_configured};
use serde_json::{Value, json};

async fn readiness_and_metrics(backend: Backend) {
    let app = spawn_app_configured(backend, Setup::default(), |config| {
        config.metrics_addr = Some("127.0.0.1:0".into());
        config.worker = false;
    })
    .await;
    assert_eq!(app.client.get(app.at("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    let response = app.client.get(app.at("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"status": "ready", "database": "ok", "migrations": "current", "workers": "off"}));

    // A submission, then its status looked up by reference: the metrics name the route's
    // pattern, never the reference; with the worker off its e-mail waits in the outbox.
    let submitted: Value = app.apply(&application(1, "utm")).await.json().await.unwrap();
    let reference = submitted["reference"].as_str().unwrap().to_string();
    let status = app
        .client
        .get(app.at(&format!("/api/v1/applications/{reference}?email=contact1@example.jp")))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    // A method a client invents is counted as "other", never as a label of its own.
    let invented = reqwest::Method::from_bytes(b"KOJOPROBE").unwrap();
    app.client.request(invented, app.at("/api/v1/applications")).send().await.unwrap();
    let metrics_url = format!("http://{}/metrics", app.running.metrics_address.expect("metrics address bound"));
    let response = reqwest::get(&metrics_url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"kojo_http_requests_total{method="GET",route="/api/v1/applications/{reference}",status="200"}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="/api/v1/applications",status="201"}"#), "{text}");
    assert!(text.contains("kojo_http_request_duration_seconds_bucket{"), "{text}");
    assert!(text.contains("kojo_submission_group_size_bucket{"), "{text}");
    assert!(!text.contains(&reference), "no reference in a label");
    assert!(!text.contains("KOJOPROBE") && text.contains(r#"method="other""#), "{text}");
    assert!(!text.contains("contact1@example.jp"));
    let gauge = |name: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .parse()
            .unwrap()
    };
    assert_eq!(gauge("kojo_outbox_pending"), 1.0, "the acknowledgement waits: no worker");
    assert_eq!(gauge("kojo_submission_queue_depth"), 0.0);
    assert!(gauge("kojo_outbox_oldest_pending_age_seconds") >= 0.0);
    // Not on the site's own address.
    assert_eq!(app.client.get(app.at("/metrics")).send().await.unwrap().status(), 404);

    // The database gone: not ready, and the answer says why.
    app.running.db.clone().close().await.unwrap();
    let response = app.client.get(app.at("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "not ready");
    assert_eq!(body["database"], "unreachable");
    assert_eq!(reqwest::get(&metrics_url).await.unwrap().status(), 503);
    app.stop().await;
}

on_both_backends!(readiness_and_metrics);

#[tokio::test]
async fn readiness_names_the_running_workers() {
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let body: Value = app.client.get(app.at("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["workers"], json!({"jobs": "ok", "mailer": "ok"}));
    app.stop().await;
}

/// A mail server that accepts the connection and refuses every recipient, quoting the address
/// back as real servers do (`550 5.1.1 <addr>: Recipient address rejected`).
async fn refusing_smtp_server() -> std::net::SocketAddr {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = tokio::io::BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.ok();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        "250 test\r\n".to_string()
                    } else if upper.starts_with("RCPT TO:") {
                        let addr = line[8..].trim().trim_matches(['<', '>']);
                        format!("550 5.1.1 <{addr}>: Recipient address rejected: User unknown\r\n")
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.ok();
                        return;
                    } else {
                        "250 ok\r\n".to_string()
                    };
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    address
}

/// Runs the real `kojo serve` with JSON logs at debug level through an application, a failed
/// staff sign-in, a portal sign-in request and a refused e-mail, then SIGTERM; every line it
/// logged is JSON and none holds the personal data it was given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_server_logs_json_lines_without_personal_data() {
    let data = tempfile::tempdir().unwrap();
    let programme = data.path().join("programme.toml");
    std::fs::write(&programme, common::programme_toml(Setup::default())).unwrap();
    let smtp = refusing_smtp_server().await;
    let kojo = env!("CARGO_BIN_EXE_kojo");
    let env = |command: &mut Command| {
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("KOJO_DATA_DIR", data.path())
            .env("KOJO_ADDR", "127.0.0.1:0")
            .env("KOJO_LOG", "debug")
            .env("KOJO_LOG_FORMAT", "json")
            .env("KOJO_SMTP_URL", format!("smtp://{smtp}"));
    };
    let mut import = Command::new(kojo);
    env(&mut import);
    let status = import.args(["programme", "import", "--current"]).arg(&programme).status().unwrap();
    assert!(status.success());

    let mut serve = Command::new(kojo);
    env(&mut serve);
    let mut child = serve.arg("serve").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // The first start prints the administrator's one-time password first, then the address.
    let url = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "kojo serve ended before serving");
        if line.starts_with("Kojo: ") {
            break line.split_whitespace().find(|word| word.starts_with("http://")).expect("the URL").to_string();
        }
    };
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();

    // Personal data no log line may hold.
    let name = "蒼井ログ太郎";
    let company = "株式会社ログ漏洩チェック";
    let email = "leak.check.7731@example.jp";
    let phone = "03-7731-2468";
    let address = "新宿区西新宿9-77-31";
    let mut body = application(7731, "utm");
    body["company"]["name"] = json!(company);
    body["company"]["address"] = json!(address);
    body["company"]["representative_name"] = json!(name);
    body["contact"]["name"] = json!(name);
    body["contact"]["email"] = json!(email);
    body["contact"]["phone"] = json!(phone);
    let response = client.post(format!("{url}/api/v1/applications")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let again = client.post(format!("{url}/api/v1/applications")).json(&body).send().await.unwrap();
    assert_eq!(again.status(), 409, "the same company again");
    let page = client.get(format!("{url}/office/login")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let staff = "no.such.staff.7731@example.jp";
    let response = client
        .post(format!("{url}/office/login"))
        .form(&[("email", staff), ("password", "wrong-password-7731"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "the form again, with an error");
    let page = client.get(format!("{url}/portal/login")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    client.post(format!("{url}/portal/login")).form(&[("email", email), ("csrf", csrf.as_str())]).send().await.unwrap();

    // The acknowledgement is refused by the mail server, which quotes the address back.
    let mut lines = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !lines.iter().any(|line: &String| line.contains("e-mail delivery failed")) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => panic!("no delivery failure logged: {lines:?}"),
        }
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let exit = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(exit.success(), "SIGTERM stops kojo cleanly: {exit:?}");
    lines.extend(received.iter());

    assert!(lines.len() > 3, "{lines:?}");
    for line in &lines {
        let parsed: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(parsed["level"].is_string() && parsed["timestamp"].is_string(), "{line}");
        for personal in [name, company, email, "leak.check.7731", phone, "7731-2468", address, staff] {
            assert!(!line.contains(personal), "a log line holds {personal:?}: {line}");
        }
    }
    let refused = lines.iter().find(|line| line.contains("e-mail delivery failed")).expect("the refusal is logged");
    assert!(refused.contains("<e-mail>") && refused.contains("Recipient address rejected"), "{refused}");
    assert!(lines.iter().any(|line| line.contains("stopping")), "SIGTERM is logged");
}

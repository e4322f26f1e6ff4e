//! The test harness: starts the real Kojo (same start-up as `kojo serve`) on port 0, on a fresh
//! SQLite file or a fresh PostgreSQL database, with a programme year whose windows are open.
//!
//! PostgreSQL comes from `KOJO_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); a PostgreSQL test fails when it is unreachable.

#![allow(dead_code, unused_macros)]

/// Runs async test functions against both backends: `mod NAME { sqlite, postgres }` for each.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() { super::$name(Backend::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() { super::$name(Backend::Postgres).await }
        })*
    };
}

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{Duration, Utc};
use kojo::{Config, Running};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub running: Running,
    pub url: String,
    pub config: Config,
    /// A client that keeps cookies.
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

/// Course capacities and whether the windows are open now.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    pub utm_capacity: u32,
    pub risk_capacity: u32,
    pub windows_open: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { utm_capacity: 150, risk_capacity: 100, windows_open: true }
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("KOJO_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

pub async fn spawn_app(backend: Backend, setup: Setup) -> TestApp {
    spawn_app_configured(backend, setup, |_| {}).await
}

/// Like `spawn_app`, letting the test change the configuration first.
pub async fn spawn_app_configured(backend: Backend, setup: Setup, configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with_clock(backend, setup, app::Clock::system(), configure).await
}

/// Like `spawn_app_configured`, on a clock of the test's.
pub async fn spawn_app_with_clock(
    backend: Backend,
    setup: Setup,
    clock: app::Clock,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_data_dir(data_dir.path());
    configure(&mut config);
    let postgres = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let admin = postgres_admin_url();
            let name = format!(
                "kojo_t_{}_{}_{}",
                std::process::id(),
                NEXT_DB.fetch_add(1, Ordering::SeqCst),
                Utc::now().timestamp_subsec_nanos()
            );
            let url = store::scratch::create_postgres_database(&admin, &name)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is required for this test: {e}"));
            config.database_url = Some(url);
            Some((admin, name))
        }
    };
    let running = kojo::start_with_clock(&config, clock).await.expect("kojo starts");
    let programme = kojo::setup::parse_programme(&programme_toml(setup)).expect("test programme");
    store::programmes::import(&running.db, &programme, true, app::Clock::system().now())
        .await
        .expect("programme imported");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp { url: running.url(), running, config, client, data_dir, postgres }
}

impl TestApp {
    /// Stops the app and drops its PostgreSQL database.
    pub async fn stop(self) {
        let db = self.running.db.clone();
        self.running.stop().await.expect("kojo stops");
        db.close().await.ok();
        if let Some((admin, name)) = self.postgres {
            store::scratch::drop_postgres_database(&admin, &name).await.ok();
        }
    }

    /// Stops this Kojo and starts another on the same database and data folder, as a restart
    /// does, with `clock` and the configuration changed by `configure`.
    pub async fn restart(mut self, clock: app::Clock, configure: impl FnOnce(&mut Config)) -> TestApp {
        self.running.stop().await.expect("kojo stops");
        configure(&mut self.config);
        self.running = kojo::start_with_clock(&self.config, clock).await.expect("kojo starts again");
        self.url = self.running.url();
        self
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub async fn apply(&self, body: &Value) -> reqwest::Response {
        self.client.post(self.at("/api/v1/applications")).json(body).send().await.expect("request")
    }

    /// Creates a staff user and signs `client` in through the login form. Returns the password.
    pub async fn sign_in(&self, client: &reqwest::Client, email: &str, role: domain::access::Role) -> String {
        sign_in(&self.running, client, email, role).await
    }
}

/// Creates a staff user on `running` and signs `client` in through the login form. Returns the
/// password.
pub async fn sign_in(running: &Running, client: &reqwest::Client, email: &str, role: domain::access::Role) -> String {
    let at = |path: &str| format!("{}{path}", running.url());
    let password = kojo::setup::one_time_password();
    store::accounts::create_user(
        &running.db,
        store::accounts::NewUser {
            email,
            display_name: "テスト職員",
            role,
            password_hash: Some(web::auth::hash_password(&password)),
            company_application_id: None,
            must_change_password: false,
        },
        app::Clock::system().now(),
    )
    .await
    .expect("user created");
    let page = client.get(at("/office/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let response = client
        .post(at("/office/login"))
        .form(&[("email", email), ("password", password.as_str()), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "sign-in redirects");
    password
}

/// The value of `<input … name="NAME" value="…">` in a page.
pub fn hidden_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no input {name}")) + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

pub fn programme_toml(setup: Setup) -> String {
    let today = Utc::now().date_naive();
    let (start, end) = if setup.windows_open {
        (today - Duration::days(30), today + Duration::days(60))
    } else {
        (today - Duration::days(90), today - Duration::days(2))
    };
    format!(
        r#"fiscal_year = 2026
name = "令和8年度 中小企業サイバーセキュリティ向上支援事業"
name_en = "FY2026 SME Cybersecurity Improvement Support Programme"
[[courses]]
code = "utm"
window_start = {start}
window_end = {end}
capacity = {utm}
[[courses]]
code = "risk_assessment"
window_start = {start}
window_end = {end}
capacity = {risk}
"#,
        utm = setup.utm_capacity,
        risk = setup.risk_capacity,
    )
}

/// A valid 13-digit corporate number made from `n`.
pub fn corporate_number(n: u32) -> String {
    let base = format!("{:012}", 100_000_000_000u64 + n as u64);
    let check = domain::corporate_number::check_digit(&base).expect("12 digits");
    format!("{check}{base}")
}

/// A complete, eligible application for company number `n`.
pub fn application(n: u32, course: &str) -> Value {
    json!({
        "course": course,
        "company": {
            "name": format!("株式会社テスト{n}"), "name_kana": format!("カブシキガイシャテスト"),
            "corporate_number": corporate_number(n), "sole_proprietor": false,
            "postal_code": "163-8001", "prefecture": "東京都", "address": format!("新宿区西新宿2-8-{n}"),
            "industry": "manufacturing", "capital_yen": 10_000_000, "employees": 25,
            "representative_name": "山田 太郎", "representative_title": "代表取締役"
        },
        "contact": {
            "name": "佐藤 花子", "name_kana": "サトウ ハナコ", "department": "総務部",
            "email": format!("contact{n}@example.jp"), "phone": "03-1234-5678"
        },
        "environment": {
            "connection_layout": "光回線→ルーター→スイッチングハブ", "free_hub_port": "yes",
            "existing_utm": false, "existing_utm_vendor": null, "policy_status": "none"
        },
        "previous_participant": false, "uses_equivalent_tokyo_subsidy": false,
        "declarations": {"a": true, "b": true, "c": true, "d": true, "e": true, "f": true, "g": true},
        "privacy_policy_accepted": true
    })
}

/// Moves a received case through STEP2–3 directly in the store: contact with the rules accepted,
/// a status check that proposes course ①, and the course decided (state `course_decided`).
pub async fn decide_case(app: &TestApp, id: uuid::Uuid) {
    decide_case_for(app, id, domain::programme::CourseCode::Utm).await;
}

/// Contact, status check and the course decided: `course`.
pub async fn decide_case_for(app: &TestApp, id: uuid::Uuid, course: domain::programme::CourseCode) {
    let db = &app.running.db;
    let calendar = domain::calendar::BusinessCalendar::japan();
    let act = || store::cases::Act {
        application_id: id,
        actor: store::audit::Actor::System("test"),
        ip: None,
        reason: None,
        email: None,
    };
    let now = Utc::now();
    let contact = domain::case::ContactNote::parse(Some(now), "phone", "了承", true, now).unwrap();
    let tx = db.begin().await.unwrap();
    store::cases::record_contact(&tx, &act(), &contact, now).await.unwrap();
    // A free hub port proposes course ①, none proposes course ②: the check agrees with `course`.
    let port = if course == domain::programme::CourseCode::Utm { "yes" } else { "no" };
    let check = domain::case::StatusCheck::parse("光回線", port, false, "", "none", "").unwrap();
    store::cases::record_status_check(&tx, &act(), &check, now).await.unwrap();
    store::cases::decide_course(&tx, &calendar, &act(), course, now).await.unwrap();
    tx.commit().await.unwrap();
}

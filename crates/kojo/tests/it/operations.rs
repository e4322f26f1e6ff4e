//! Operations around intake: the public eligibility self-check, the submission rate limit and
//! client addresses behind a proxy, holiday and programme imports, and e-mail retries.

use crate::common;

use common::{Backend, Setup, application, spawn_app, spawn_app_configured};
use serde_json::Value;

#[tokio::test]
async fn the_eligibility_page_explains_every_failed_rule_in_japanese() {
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let page = app.client.get(app.at("/eligibility")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("申込要件の確認"));
    let form = [
        ("company.prefecture", "神奈川県"),
        ("company.industry", "services"),
        ("company.capital_yen", "６０,０００,０００"),
        ("company.employees", "１０１"),
        ("declarations.a", "yes"),
    ];
    let page = app.client.get(app.at("/eligibility")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let mut form = form.to_vec();
    form.push(("csrf", csrf.as_str()));
    let response = app.client.post(app.at("/eligibility")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("申込要件を満たしていません"));
    assert!(page.contains("サービス業の中小企業者は資本金5,000万円以下又は従業員100人以下です"), "{page}");
    for kana in ["イ", "ウ", "エ", "オ", "カ", "キ"] {
        assert!(page.contains(&format!("要件{kana}「")), "declaration {kana} is named");
    }
    assert!(!page.contains("要件ア「"), "ア was declared");
    // What was typed stays in the form.
    assert!(page.contains("value=\"６０,０００,０００\""));
    let mut ok = vec![
        ("company.prefecture", "東京都"),
        ("company.industry", "retail"),
        ("company.employees", "50"),
        ("company.capital_yen", "900000000"),
    ];
    for key in ["a", "b", "c", "d", "e", "f", "g"] {
        ok.push((Box::leak(format!("declarations.{key}").into_boxed_str()), "yes"));
    }
    ok.push(("csrf", Box::leak(csrf.clone().into_boxed_str())));
    let page = app.client.post(app.at("/eligibility")).form(&ok).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("申込要件を満たしています"), "50 employees in retail is at the limit (以下)");
    app.stop().await;
}

#[tokio::test]
async fn submissions_are_rate_limited_per_client_address() {
    let app = spawn_app_configured(Backend::Sqlite, Setup::default(), |config| config.submit_rate_limit = 2).await;
    assert_eq!(app.apply(&application(1, "utm")).await.status(), 201);
    assert_eq!(app.apply(&application(2, "utm")).await.status(), 201);
    let refused = app.apply(&application(3, "utm")).await;
    assert_eq!(refused.status(), 429);
    let body: Value = refused.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("1分ほど待って"));
    // The refused one left nothing behind.
    assert_eq!(store::applications::list_all(&app.running.db, &Default::default()).await.unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_client_address_comes_from_its_header() {
    let app = spawn_app_configured(Backend::Sqlite, Setup::default(), |config| {
        config.trusted_client_ip_header = Some("X-Forwarded-For".into());
        config.submit_rate_limit = 1;
    })
    .await;
    let send = |address: &'static str, n: u32| {
        let request = app
            .client
            .post(app.at("/api/v1/applications"))
            .header("x-forwarded-for", address)
            .json(&application(n, "utm"));
        async move { request.send().await.unwrap().status() }
    };
    // The proxy appends the real client last; what a client forges comes before it.
    assert_eq!(send("10.9.9.9, 198.51.100.7", 1).await, 201);
    assert_eq!(send("198.51.100.8", 2).await, 201, "another client has its own budget");
    assert_eq!(send("10.1.1.1, 198.51.100.7", 3).await, 429, "a forged first hop does not reset the budget");
    let audit = store::audit::recent(&app.running.db, 10).await.unwrap();
    let addresses: Vec<&str> =
        audit.iter().filter(|a| a.action == "application.create").filter_map(|a| a.ip.as_deref()).collect();
    assert!(addresses.contains(&"198.51.100.7") && addresses.contains(&"198.51.100.8"), "{addresses:?}");
    app.stop().await;
}

#[tokio::test]
async fn imported_holidays_move_contact_due_dates() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend, Setup::default()).await;
        let db = &app.running.db;
        let before = store::holidays::effective_table(db).await.unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
        assert!(!before.is_holiday(day));
        // The Cabinet Office publishes Shift_JIS.
        let csv = "国民の祝日・休日月日,国民の祝日・休日名称\r\n2027/6/1,臨時の休日\r\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
        let table = domain::calendar::HolidayTable::parse_csv(&bytes).unwrap();
        assert_eq!(store::holidays::import(db, &table, chrono::Utc::now()).await.unwrap(), 1);
        let after = store::holidays::effective_table(db).await.unwrap();
        assert_eq!(after.name(day), Some("臨時の休日"));
        assert_eq!(after.len(), before.len() + 1, "merged over the built-in table");
        let calendar = kojo::setup::calendar(db).await.unwrap();
        // Received Friday 2027-05-28 10:00 JST: Mon 5/31, (Tue 6/1 closed), Wed 6/2, Thu 6/3.
        let received = chrono::DateTime::parse_from_rfc3339("2027-05-28T10:00:00+09:00").unwrap().to_utc();
        assert_eq!(calendar.contact_due(received), chrono::NaiveDate::from_ymd_opt(2027, 6, 3).unwrap());
        app.stop().await;
    }
}

#[tokio::test]
async fn re_importing_a_programme_year_keeps_places_and_refuses_too_small_a_capacity() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend, Setup { utm_capacity: 5, ..Setup::default() }).await;
        for n in 1..=3 {
            app.apply(&application(n, "utm")).await;
        }
        let db = &app.running.db;
        let bigger = common::programme_toml(Setup { utm_capacity: 8, ..Setup::default() });
        store::programmes::import(db, &kojo::setup::parse_programme(&bigger).unwrap(), true, chrono::Utc::now())
            .await
            .unwrap();
        let programme = store::programmes::current(db).await.unwrap().unwrap();
        assert_eq!((programme.courses[0].capacity, programme.courses[0].places_taken), (8, 3));
        let smaller = common::programme_toml(Setup { utm_capacity: 2, ..Setup::default() });
        let error =
            store::programmes::import(db, &kojo::setup::parse_programme(&smaller).unwrap(), true, chrono::Utc::now())
                .await
                .unwrap_err();
        assert!(
            matches!(
                error,
                store::StoreError::Refused(domain::refusal::Refusal::Programme(
                    domain::refusal::ProgrammeRefusal::CapacityBelowTaken { capacity: 2, taken: 3 }
                ))
            ),
            "{error}"
        );
        assert!(error.to_string().contains("below the 3 places"), "{error}");
        // Years coexist; one is current.
        store::programmes::import(
            db,
            &kojo::setup::parse_programme(kojo::setup::BUNDLED_PROGRAMME).unwrap(),
            false,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let years: Vec<(i32, bool)> =
            store::programmes::list(db).await.unwrap().iter().map(|p| (p.fiscal_year, p.is_current)).collect();
        assert_eq!(years, [(2026, true), (2023, false)]);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_programme_file_with_mistakes_is_refused_with_the_reason() {
    let bad = common::programme_toml(Setup::default()).replace("code = \"utm\"", "code = \"vpn\"");
    let error = kojo::setup::parse_programme(&bad).unwrap_err();
    assert!(format!("{error:#}").contains("vpn"));
    let error = kojo::setup::parse_programme("fiscal_year = 2026\nname = \"x\"\n").unwrap_err();
    assert!(format!("{error:#}").contains("courses"), "{error:#}");
}

#[tokio::test]
async fn undeliverable_e_mail_is_kept_and_retried_later() {
    // The database alone, without a running worker that could take the message first.
    let dir = tempfile::tempdir().unwrap();
    let mut config = kojo::Config::for_data_dir(dir.path());
    let db = kojo::setup::open_database(&config).await.unwrap();
    // Nothing listens on port 9 here: every attempt fails.
    config.smtp_url = Some("smtp://127.0.0.1:9".into());
    let failing = kojo::mailer::Mailer::from_config(&config).unwrap();
    let email = store::outbox::OutgoingEmail {
        to: "someone@example.jp".into(),
        subject: "件名".into(),
        body: "本文".into(),
        attachments: Vec::new(),
    };
    store::outbox::enqueue(&db, &email, chrono::Utc::now()).await.unwrap();
    assert_eq!(kojo::mailer::deliver_due(&db, &failing, &app::Clock::system()).await.unwrap(), 0);
    let message = store::outbox::recent(&db, 10).await.unwrap().remove(0);
    assert_eq!((message.status.as_str(), message.attempts), ("pending", 1));
    assert!(message.last_error.is_some());
    // Not due again at once: the retry waits (1 minute after the first failure).
    assert_eq!(kojo::mailer::deliver_due(&db, &failing, &app::Clock::system()).await.unwrap(), 0);
    assert_eq!(store::outbox::recent(&db, 10).await.unwrap()[0].attempts, 1);
    // Once due, it is claimed again for its second attempt.
    let later = chrono::Utc::now() + chrono::Duration::minutes(2);
    let claimed = store::outbox::claim_due(&db, later, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 2);
    db.close().await.unwrap();
}

#[tokio::test]
async fn switching_language_returns_to_the_same_page_with_its_filters() {
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let host = app.url.trim_start_matches("http://").to_string();
    let switch = |referer: String| {
        let request = app.client.get(app.at("/lang/en")).header("referer", referer);
        async move { request.send().await.unwrap() }
    };
    let response = switch(format!("http://{host}/office/applications?q=%E3%83%86&lang=ja&status=received")).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/office/applications?q=%E3%83%86&status=received");
    assert!(response.headers()["set-cookie"].to_str().unwrap().starts_with("kojo_lang=en"));
    // Another site's page is never a destination.
    let response = switch("https://evil.example/phish".into()).await;
    assert_eq!(response.headers()["location"], "/");
    // The choice holds on the next page.
    let page = app.client.get(app.at("/apply")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Application form"));
    app.stop().await;
}

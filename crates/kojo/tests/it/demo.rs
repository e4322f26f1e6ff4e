//! `kojo serve --demo`: an empty database gets a programme year open today, one account per
//! role that can sign in, and sample cases at different steps, made through the use cases (with
//! their timeline and audit rows); a database with users is left alone; without `--demo`
//! nothing sample is created.

use crate::common;

use domain::access::Role;

#[tokio::test]
async fn the_demo_loads_once_on_an_empty_database_and_every_account_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = kojo::Config::for_data_dir(dir.path());
    config.worker = false;
    let clock = app::Clock::system();
    let db = kojo::setup::open_database(&config).await.unwrap();
    let demo = kojo::demo::load(&db, &config, &clock).await.unwrap().expect("an empty database gets the demo");
    let roles: Vec<Role> = demo.accounts.iter().map(|a| a.role).collect();
    assert_eq!(roles, [Role::Administrator, Role::Secretariat, Role::TokyoOfficial, Role::UtmOperator, Role::Expert]);
    assert_eq!(demo.cases, 7);

    let programme = store::programmes::current(&db).await.unwrap().expect("a current year");
    assert!(programme.name_ja.contains("デモ"));
    for course in &programme.courses {
        assert_eq!(course.window.state_at(clock.now()), domain::programme::WindowState::Open, "{}", course.code.code());
    }
    let mut statuses: Vec<String> = store::applications::list_all(&db, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.status.code().to_string())
        .collect();
    statuses.sort();
    // The two participants (one per course) need a Japanese font for their agreements (CI has
    // one); without it, they stay at 承認.
    let participant = if documents::pdf::Fonts::discover(&[]).is_ok() { "confirmed" } else { "approved" };
    let mut expected =
        vec!["approved", "contacted", "course_decided", "received", "status_checked", participant, participant];
    expected.sort();
    assert_eq!(statuses, expected);
    if participant == "confirmed" {
        let confirmed: Vec<_> = store::applications::list_all(&db, &Default::default())
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.status.code() == "confirmed")
            .collect();
        let case = confirmed.iter().find(|r| r.course_code == domain::programme::CourseCode::Utm).unwrap();
        let assessed =
            confirmed.iter().find(|r| r.course_code == domain::programme::CourseCode::RiskAssessment).unwrap();
        let assets = store::risk::assets(&db, assessed.id).await.unwrap();
        assert_eq!(assets.iter().filter(|a| a.asset.risk().is_some()).count(), 2, "two of three rated");
        let visits = store::guidance::visits(&db, case.id).await.unwrap();
        assert_eq!(visits.iter().map(|v| v.status.code()).collect::<Vec<_>>(), ["done", "planned"]);
        assert_eq!(store::guidance::rounds(&db, case.id).await.unwrap().len(), 1);
        let devices = store::devices::for_application(&db, case.id).await.unwrap();
        assert!(devices[0].installed_on.is_some(), "an installed UTM for the desk's pages");
    } else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI has a Japanese font");
    }
    let audit = store::audit::recent(&db, 200).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "case.transition" && a.actor_label.contains("<jimukyoku@demo.kojo.local> (CLI)")),
        "the sample cases went through the use cases"
    );

    // A second load, or a start with --demo on this database, adds nothing.
    assert!(kojo::demo::load(&db, &config, &clock).await.unwrap().is_none());
    db.close().await.unwrap();
    config.demo = true;
    let running = kojo::start(&config).await.unwrap();
    let db = running.db.clone();
    // The five staff accounts, and the participants' portal users.
    assert_eq!(store::accounts::count_users(&db).await.unwrap(), 5 + 2 * u64::from(participant == "confirmed"));
    assert_eq!(store::applications::list_all(&db, &Default::default()).await.unwrap().len(), 7);

    // Every printed account signs in.
    for account in &demo.accounts {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let login = format!("{}/office/login", running.url());
        let page = client.get(&login).send().await.unwrap().text().await.unwrap();
        let csrf = common::hidden_value(&page, "csrf");
        let response = client
            .post(&login)
            .form(&[
                ("email", account.email.as_str()),
                ("password", account.password.as_str()),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{} signs in", account.email);
        let to = response.headers()["location"].to_str().unwrap();
        assert!(!to.contains("/office/login"), "{} is not sent back to sign in: {to}", account.email);
    }
    running.stop().await.unwrap();
}

#[tokio::test]
async fn without_demo_nothing_sample_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = kojo::Config::for_data_dir(dir.path());
    config.worker = false;
    let running = kojo::start(&config).await.unwrap();
    let db = running.db.clone();
    assert!(store::applications::list_all(&db, &Default::default()).await.unwrap().is_empty());
    assert_eq!(store::accounts::count_users(&db).await.unwrap(), 1, "only the first administrator");
    let programme = store::programmes::current(&db).await.unwrap().unwrap();
    assert!(!programme.name_ja.contains("デモ"));
    running.stop().await.unwrap();
}

//! Browser journeys: headless Chromium, driven through chromedriver, against the real server on
//! SQLite. What is asserted is what a person sees on the pages.
//!
//! Needs Debian's `chromium` and `chromium-driver` (and `fonts-noto-cjk`, so that screenshots
//! show Japanese); `KOJO_CHROMIUM` and `KOJO_CHROMEDRIVER` override their paths. Without them
//! the tests are skipped, except when `CI=true`, where they fail.
//! Screenshots go to each test's temp dir and, when `KOJO_SCREENSHOT_DIR` is set, are copied
//! there too.

use crate::common;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, Setup, TestApp, application, corporate_number, spawn_app};
use fantoccini::elements::Element;
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Debian's paths; `KOJO_CHROMIUM` and `KOJO_CHROMEDRIVER` point elsewhere.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// axe-core, as `scripts/test` installs it from the npm registry.
const AXE: &str = "/var/tmp/axe/node_modules/axe-core/axe.min.js";
/// How long a page or an element may take to appear.
const PATIENCE: Duration = Duration::from_secs(20);

/// One browser at a time: the tests share two cores with everything else.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ---------------------------------------------------------------------------------------------
// The journeys
// ---------------------------------------------------------------------------------------------

/// A company applies for course ① with the web form, typing as people do (全角 digits,
/// hiragana フリガナ), and sees its reference, status and contact date; the place is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_applies_through_the_web_form() {
    let Some(browser) = Browser::start("happy").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;

    browser.goto(&app.at("/")).await;
    let remaining = browser.text("#courses tr[data-course=utm] .remaining").await;
    assert!(remaining.starts_with("150社"), "course ① shows 150 places left, saw {remaining:?}");

    let link = browser.wait_for(Locator::LinkText("申込フォームへ進む")).await;
    browser.click_and_load(&link).await;
    browser.wait_css("form.form").await;
    assert_eq!(browser.path().await, "/apply");

    browser.click_css("input[name=course][value=utm]").await;
    let company = Company::new(7, "株式会社ブラウザ精工");
    browser.fill_company(&company).await;
    browser.fill_contact("佐藤 花子", "さとう はなこ", "hanako@example.jp", "03-1234-5678").await;
    browser.fill_environment_and_declarations().await;
    browser.screenshot("apply-filled").await;

    browser.submit_form().await;
    // A double click on 送信する sends once: right after the first click the button is disabled,
    // and the second click does nothing.
    assert_eq!(browser.text("h1").await, "入力内容の確認", "the review page comes before sending");
    let double_click = "const done = arguments[arguments.length - 1];
        const send = document.getElementById('send');
        send.click();
        setTimeout(() => { const disabled = send.disabled; send.click(); done(disabled); }, 0);";
    let disabled = browser.client.execute_async(double_click, vec![]).await.expect("double click");
    assert_eq!(disabled, json!(true), "the send button is disabled once pressed");
    browser.wait_css("#reference").await;
    let reference = browser.text("#reference").await;
    assert!(looks_like_reference(&reference), "the reference looks like R8-0000-0000, saw {reference:?}");
    let stored = store::applications::list_all(&app.running.db, &Default::default()).await.expect("list");
    assert_eq!(stored.len(), 1, "one application, not two");
    assert_eq!(browser.path().await, "/apply/done");
    assert_eq!(browser.text("#status").await, "受付済（連絡待ち）");
    let due = browser.text("#contact-due").await;
    assert!(
        due.starts_with("令和") && due.contains('年') && due.contains('月') && due.contains('日'),
        "the contact date is in 和暦, saw {due:?}"
    );
    let facts = browser.text("dl.facts").await;
    assert!(facts.contains("株式会社ブラウザ精工"), "the done page names the company: {facts}");
    browser.screenshot("apply-done").await;

    browser.goto(&app.at("/")).await;
    let remaining = browser.text("#courses tr[data-course=utm] .remaining").await;
    assert!(remaining.starts_with("149社"), "one place fewer after applying, saw {remaining:?}");

    browser.finish().await;
    app.stop().await;
}

/// Mistakes are named next to their fields in Japanese, nothing typed is lost, and once they are
/// fixed the same form goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistakes_are_named_and_nothing_typed_is_lost() {
    let Some(browser) = Browser::start("errors").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;

    browser.goto(&app.at("/apply")).await;
    browser.click_css("input[name=course][value=risk_assessment]").await;
    let mut company = Company::new(8, "");
    let valid_number = company.corporate_number.clone();
    company.corporate_number = with_wrong_check_digit(&valid_number);
    browser.fill_company(&company).await;
    browser.fill_contact("鈴木 一郎", "スズキ イチロウ", "ichiro.example.jp", "042-555-0101").await;
    browser.fill_environment_and_declarations().await;
    browser.submit_form().await;

    let problems = browser.text("#form-problems").await;
    assert!(!problems.trim().is_empty(), "the summary of problems is shown");
    browser
        .assert_error_summary(&[
            ("company-name", "会社名（屋号）を入力してください"),
            ("company-corporate_number", "法人番号"),
            ("contact-email", "メールアドレス"),
        ])
        .await;
    let number_error = browser.text("#company-corporate_number-error").await;
    assert!(number_error.contains("法人番号"), "the corporate number error is in Japanese: {number_error:?}");
    let name_error = browser.text("#company-name-error").await;
    assert!(name_error.contains("入力してください"), "the empty name is asked for: {name_error:?}");
    let email_error = browser.text("#contact-email-error").await;
    assert!(!email_error.trim().is_empty(), "the e-mail error is shown");
    for field in ["company-corporate_number", "company-name", "contact-email"] {
        browser.assert_error_next_to(field).await;
    }
    browser.screenshot("apply-errors").await;

    // Everything else the person typed or chose is still there.
    let kept = [
        ("company-name_kana", company.name_kana.as_str()),
        ("company-corporate_number", company.corporate_number.as_str()),
        ("company-postal_code", company.postal_code.as_str()),
        ("company-prefecture", "東京都"),
        ("company-address", company.address.as_str()),
        ("company-industry", "manufacturing"),
        ("company-capital_yen", company.capital.as_str()),
        ("company-employees", company.employees.as_str()),
        ("company-representative_name", company.representative.as_str()),
        ("contact-name", "鈴木 一郎"),
        ("contact-name_kana", "スズキ イチロウ"),
        ("contact-email", "ichiro.example.jp"),
        ("contact-phone", "042-555-0101"),
        ("environment-connection_layout", "光回線→ルーター→スイッチングハブ→パソコン"),
    ];
    for (id, expected) in kept {
        assert_eq!(browser.value(id).await, expected, "#{id} keeps what was typed");
    }
    for checked in [
        "input[name=course][value=risk_assessment]",
        "input[name='environment.free_hub_port'][value=yes]",
        "input[name='environment.existing_utm'][value=no]",
        "input[name='environment.policy_status'][value=drafting]",
        "input[name='declarations.a']",
        "input[name='declarations.g']",
        "#privacy_policy_accepted",
    ] {
        let selected = browser.wait_css(checked).await.is_selected().await.expect("is_selected");
        assert!(selected, "{checked} is still chosen");
    }

    // Fix the three fields and send the same form again.
    browser.replace("company-corporate_number", &valid_number).await;
    browser.replace("company-name", "有限会社エラー修正").await;
    browser.replace("contact-email", "ichiro@example.jp").await;
    browser.submit_form().await;
    browser.send_from_review().await;
    let reference = browser.text("#reference").await;
    assert!(looks_like_reference(&reference), "the corrected form is accepted, saw {reference:?}");
    assert_eq!(browser.text("#status").await, "受付済（連絡待ち）");
    let facts = browser.text("dl.facts").await;
    assert!(facts.contains("有限会社エラー修正"), "{facts}");

    browser.finish().await;
    app.stop().await;
}

/// 入力 → 確認 → 戻る (everything typed is still there) → 確認 → 送信 → 完了: the review shows the
/// answers as they will be stored, going back loses nothing, and only 送信 stores the application.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_step_goes_back_without_losing_anything() {
    let Some(browser) = Browser::start("review").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;

    browser.goto(&app.at("/apply")).await;
    browser.click_css("input[name=course][value=utm]").await;
    let company = Company::new(9, "株式会社確認工業");
    browser.fill_company(&company).await;
    browser.fill_contact("田中 一郎", "たなか いちろう", "ichiro@example.jp", "03-5555-0101").await;
    browser.fill_environment_and_declarations().await;
    browser.submit_form().await;

    assert_eq!(browser.path().await, "/apply");
    assert_eq!(browser.text("h1").await, "入力内容の確認");
    assert_eq!(browser.text(".form-steps li[aria-current=step]").await, "2. 確認");
    let review = browser.text("#review").await;
    for shown in [
        "株式会社確認工業",
        "カブシキガイシャブラウザセイコウ",
        "タナカ イチロウ",
        "163-8001",
        "10,000,000円",
        "整備中",
    ] {
        assert!(review.contains(shown), "the review shows {shown}: {review}");
    }
    let stored = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert!(stored.is_empty(), "nothing is stored before 送信");
    browser.screenshot("review").await;

    let back = browser.wait_css("#back").await;
    browser.click_and_load(&back).await;
    assert_eq!(browser.text("h1").await, "参加申込フォーム");
    let kept = [
        ("company-name", company.name.as_str()),
        ("company-name_kana", company.name_kana.as_str()),
        ("company-corporate_number", company.corporate_number.as_str()),
        ("company-postal_code", company.postal_code.as_str()),
        ("company-prefecture", "東京都"),
        ("company-address", company.address.as_str()),
        ("company-industry", "manufacturing"),
        ("company-capital_yen", company.capital.as_str()),
        ("company-employees", company.employees.as_str()),
        ("company-representative_name", company.representative.as_str()),
        ("contact-name", "田中 一郎"),
        ("contact-name_kana", "たなか いちろう"),
        ("contact-email", "ichiro@example.jp"),
        ("contact-phone", "03-5555-0101"),
        ("environment-connection_layout", "光回線→ルーター→スイッチングハブ→パソコン"),
    ];
    for (id, expected) in kept {
        assert_eq!(browser.value(id).await, expected, "#{id} keeps what was typed after 戻る");
    }
    for checked in [
        "input[name=course][value=utm]",
        "input[name='environment.free_hub_port'][value=yes]",
        "input[name='environment.existing_utm'][value=no]",
        "input[name='environment.policy_status'][value=drafting]",
        "input[name='declarations.a']",
        "input[name='declarations.g']",
        "#privacy_policy_accepted",
    ] {
        let selected = browser.wait_css(checked).await.is_selected().await.expect("is_selected");
        assert!(selected, "{checked} is still chosen after 戻る");
    }

    browser.submit_form().await;
    assert_eq!(browser.text("h1").await, "入力内容の確認");
    browser.send_from_review().await;
    assert_eq!(browser.path().await, "/apply/done");
    assert_eq!(browser.text(".form-steps li[aria-current=step]").await, "3. 完了");
    let reference = browser.text("#reference").await;
    assert!(looks_like_reference(&reference), "saw {reference:?}");
    let facts = browser.text("dl.facts").await;
    assert!(facts.contains("株式会社確認工業") && facts.contains("UTM"), "the done page repeats the answers: {facts}");
    assert!(!browser.text("#received-at").await.is_empty(), "and the time it was received");
    let stored = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert_eq!(stored.len(), 1, "送信 stored one application");
    assert_eq!(stored[0].reference, reference);
    browser.screenshot("review-done").await;

    browser.finish().await;
    app.stop().await;
}

/// Staff sign in with the login form, find one application by name, open it, and see their own
/// viewing in its audit trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_find_an_application_and_see_its_audit_trail() {
    let Some(browser) = Browser::start("staff").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    for n in 1..=3 {
        let response = app.apply(&application(n, "utm")).await;
        assert_eq!(response.status(), 201, "application {n} is accepted");
    }
    let password = create_staff(&app, "jimukyoku@example.jp").await;

    browser.goto(&app.at("/office/login")).await;
    browser.type_into("email", "jimukyoku@example.jp").await;
    browser.type_into("password", &password).await;
    browser.submit_form().await;
    browser.wait_css("#office-menu").await;
    assert_eq!(browser.path().await, "/office/board", "the secretariat lands on its work board");
    let link = browser.wait_for(Locator::LinkText("申込一覧")).await;
    browser.click_and_load(&link).await;
    browser.wait_css("#applications").await;
    assert_eq!(browser.path().await, "/office/applications");
    assert!(browser.text("#total").await.starts_with("3件"), "three applications are counted");
    assert_eq!(browser.rows("#applications tbody tr").await.len(), 3);

    browser.type_into_css("form.filters input[name=q]", "株式会社テスト2").await;
    browser.submit_form_css("form.filters").await;
    let total = browser.text("#total").await;
    assert!(total.starts_with("1件"), "the search narrows the list to one, saw {total:?}");
    let rows = browser.rows("#applications tbody tr").await;
    assert_eq!(rows.len(), 1, "one row matches");
    let row = rows[0].text().await.expect("row text");
    assert!(row.contains("株式会社テスト2"), "{row}");
    assert_eq!(browser.value_css("form.filters input[name=q]").await, "株式会社テスト2", "the search is kept");
    browser.screenshot("office-list").await;

    let link = rows[0].find(Locator::Css("a")).await.expect("the row links to its detail page");
    let reference = link.text().await.expect("link text");
    browser.click_and_load(&link).await;
    let audit = browser.text("#audit").await;
    assert!(audit.contains("application.create"), "the audit trail shows the creation: {audit}");
    assert!(audit.contains("application.view"), "the audit trail shows this viewing: {audit}");
    let page = browser.text("main").await;
    assert!(page.contains(&reference), "the detail page shows {reference}");
    assert_eq!(browser.text("#free-hub-port").await, "あり", "the free hub port reads as a word, not a code");
    assert_eq!(browser.text("#policy-status").await, "未整備", "the policy status reads as a word, not a code");
    browser.screenshot("office-detail").await;

    browser.finish().await;
    app.stop().await;
}

/// Issue 19: on a 390 px phone screen no page is wider than the screen — public pages (with the
/// seminar pages a registration walks through), the company portal, and every office page of the
/// secretariat and the administrator (wide tables scroll inside their own box). Each page is
/// photographed at that width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_screen() {
    let Some(browser) = Browser::start("phone").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    for n in 1..=3 {
        assert_eq!(app.apply(&application(n, "utm")).await.status(), 201, "application {n} is accepted");
    }
    let id = store::applications::list_all(&app.running.db, &Default::default()).await.expect("list")[0].id;
    let seminar = crate::seminars::add_seminar(&app, "browser", &crate::seminars::in_three_weeks(), 30, 100).await;
    register_for_seminar(&app, &seminar, 1, "online").await;
    browser.client.set_window_size(390, 844).await.expect("phone-sized window");

    let mut pages: Vec<(String, &str)> = vec![
        ("/".into(), "home"),
        ("/eligibility".into(), "eligibility"),
        ("/apply".into(), "apply"),
        ("/status".into(), "status"),
        ("/seminars".into(), "seminars"),
        (format!("/seminars/{}", seminar.id), "seminar-form"),
        ("/portal/login".into(), "portal-login"),
        ("/office/login".into(), "office-login"),
    ];
    for (path, name) in &pages {
        browser.goto(&app.at(path)).await;
        browser.assert_fits(name).await;
    }
    let person = Registrant::new(2, "venue");
    check_registration_pages(&browser, &app, &seminar, &person, Check::FitsAPhone, "").await;
    // The same pages in English, then back to Japanese.
    browser.goto(&app.at("/lang/en")).await;
    for (path, name) in &pages {
        browser.goto(&app.at(path)).await;
        browser.assert_accessible(&format!("{name} (English)")).await;
    }
    browser.goto(&app.at("/lang/ja")).await;

    // The company portal.
    browser.goto(&app.at("/portal/login")).await;
    browser.type_into("email", "contact1@example.jp").await;
    browser.submit_form().await;
    let mut link = None;
    for _ in 0..100 {
        let outbox = store::outbox::recent(&app.running.db, 50).await.expect("outbox");
        link = outbox.iter().filter(|m| m.to == "contact1@example.jp").find_map(|m| {
            m.body.find("/portal/auth/").map(|at| m.body[at..].split_whitespace().next().unwrap().to_string())
        });
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser.goto(&app.at(&link.expect("a sign-in link"))).await;
    browser.wait_css("#steps").await;
    browser.assert_fits("portal").await;

    // The office, as the secretariat and as the administrator.
    let password = create_staff(&app, "jimukyoku@example.jp").await;
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    pages = vec![
        ("/office/board".into(), "office-board"),
        ("/office/applications".into(), "office-applications"),
        (format!("/office/applications/{id}"), "office-application"),
        ("/office/approvals".into(), "office-approvals"),
        ("/office/devices".into(), "office-devices"),
        ("/office/reports/monthly".into(), "office-reports"),
        ("/office/password".into(), "office-password"),
        ("/office/seminars".into(), "office-seminars"),
        (format!("/office/seminars/{}", seminar.id), "office-seminar"),
        (format!("/office/seminars/{}/checkin", seminar.id), "office-seminar-checkin"),
        (format!("/office/seminars/{}/checkin?q=%E8%AA%AC%E6%98%8E%E4%BC%9A", seminar.id), "office-seminar-search"),
    ];
    for (path, name) in &pages {
        browser.goto(&app.at(path)).await;
        browser.assert_fits(name).await;
    }
    let admin_password = kojo::setup::one_time_password();
    store::accounts::create_user(
        &app.running.db,
        store::accounts::NewUser {
            email: "kanri@example.jp",
            display_name: "管理 花子",
            role: domain::access::Role::Administrator,
            password_hash: Some(web::auth::hash_password(&admin_password)),
            company_application_id: None,
            must_change_password: false,
        },
        chrono::Utc::now(),
    )
    .await
    .expect("administrator created");
    browser.client.delete_all_cookies().await.expect("signed out");
    browser.goto(&app.at("/office/login")).await;
    browser.type_into("email", "kanri@example.jp").await;
    browser.type_into("password", &admin_password).await;
    browser.submit_form().await;
    for (path, name) in [("/office/programmes", "office-programmes"), ("/office/users", "office-users")] {
        browser.goto(&app.at(path)).await;
        browser.assert_fits(name).await;
    }
    browser.finish().await;
    app.stop().await;
}

/// axe-core on the pages the phone test does not reach, in Japanese and in English, at desktop
/// width: every office page of every staff role (a case's detail, its e-mail and agreement
/// previews, Tokyo's read-only case, the seminars with their roster and check-in), the portal
/// with its agreement step, the seminar pages a registration walks through, and error pages
/// (404, a refused page with the office layout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_accessible_in_both_languages() {
    let Some(browser) = Browser::start("accessibility").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    assert_eq!(app.apply(&application(1, "utm")).await.status(), 201);
    let received = store::applications::list_all(&app.running.db, &Default::default()).await.expect("list")[0].id;
    let awaiting_tokyo = {
        let body: serde_json::Value = app.apply(&application(2, "utm")).await.json().await.expect("json");
        let reference = body["reference"].as_str().expect("reference").to_string();
        let id = store::applications::find_by_reference(&app.running.db, &reference).await.unwrap().unwrap().id;
        common::decide_case(&app, id).await;
        id
    };
    let with_agreement = crate::agreement::ready_case(&app, 3).await;
    let staff =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    app.sign_in(&staff, "sender@example.jp", domain::access::Role::Secretariat).await;
    crate::agreement::send_agreement(&app, &staff, with_agreement).await;
    let seminar = crate::seminars::add_seminar(&app, "browser", &crate::seminars::in_three_weeks(), 30, 100).await;
    register_for_seminar(&app, &seminar, 1, "venue").await;
    register_for_seminar(&app, &seminar, 2, "online").await;

    use domain::access::Role;
    let roles: [(Role, Vec<String>); 4] = [
        (
            Role::Secretariat,
            vec![
                "/office/board".into(),
                format!("/office/applications/{received}"),
                format!("/office/applications/{received}/emails"),
                format!("/office/applications/{with_agreement}/agreement"),
                "/office/users".into(),
                "/office/seminars".into(),
                format!("/office/seminars/{}", seminar.id),
                format!("/office/seminars/{}/checkin", seminar.id),
                format!("/office/seminars/{}/checkin?q=%E8%AA%AC%E6%98%8E%E4%BC%9A", seminar.id),
                "/office/no-such-page".into(),
            ],
        ),
        (Role::Administrator, vec!["/office/programmes".into(), "/office/users".into()]),
        (
            Role::TokyoOfficial,
            vec![
                "/office/approvals".into(),
                format!("/office/applications/{awaiting_tokyo}"),
                "/office/devices".into(),
                "/office/guidance/figures".into(),
                "/office/risk/figures".into(),
                "/office/incidents/figures".into(),
            ],
        ),
        (Role::UtmOperator, vec!["/office/devices".into(), "/office/reports/monthly".into()]),
    ];
    for (role, paths) in &roles {
        let email = format!("a11y-{}@example.jp", role.code());
        let password = create_staff_as(&app, &email, *role).await;
        browser.client.delete_all_cookies().await.expect("signed out");
        browser.goto(&app.at("/office/login")).await;
        browser.type_into("email", &email).await;
        browser.type_into("password", &password).await;
        browser.submit_form().await;
        browser.wait_css("#office-menu").await;
        for language in ["ja", "en"] {
            browser.goto(&app.at(&format!("/lang/{language}"))).await;
            for path in paths {
                browser.goto(&app.at(path)).await;
                browser.assert_accessible(&format!("{} {path} ({language})", role.code())).await;
            }
        }
    }

    // The company portal of the case whose agreement was sent, and a public error page.
    browser.client.delete_all_cookies().await.expect("signed out");
    let user = store::portal::company_user(&app.running.db, with_agreement, chrono::Utc::now()).await.unwrap();
    let token = store::portal::issue_link(&app.running.db, user.id, chrono::Utc::now()).await.unwrap();
    browser.goto(&app.at(&format!("/portal/auth/{token}"))).await;
    browser.wait_css("#steps").await;
    for language in ["ja", "en"] {
        browser.goto(&app.at(&format!("/lang/{language}"))).await;
        for path in ["/portal", "/portal/agreement", "/portal/reports", "/no-such-page"] {
            browser.goto(&app.at(path)).await;
            browser.assert_accessible(&format!("company {path} ({language})")).await;
        }
    }

    // A person's seminar pages, and the public figures (published as tomorrow's, so that
    // today's applications count: "<5" cells and their note).
    let tomorrow = app.running.clock.now() + chrono::Duration::days(1);
    app::stats::publish(&app.running.services, tomorrow).await.expect("published");
    browser.client.delete_all_cookies().await.expect("signed out");
    for (n, language) in [(3, "ja"), (4, "en")] {
        browser.goto(&app.at(&format!("/lang/{language}"))).await;
        for path in ["/seminars".to_string(), format!("/seminars/{}", seminar.id), "/stats".to_string()] {
            browser.goto(&app.at(&path)).await;
            browser.assert_accessible(&format!("{path} ({language})")).await;
        }
        let person = Registrant::new(n, "venue");
        check_registration_pages(&browser, &app, &seminar, &person, Check::Accessible, &format!(" ({language})")).await;
    }
    browser.finish().await;
    app.stop().await;
}

/// How a page is checked: axe-core, or the phone's width and axe-core.
#[derive(Clone, Copy)]
enum Check {
    Accessible,
    FitsAPhone,
}

/// The seminar pages only a registration reaches, each checked: the form with every mistake
/// named (sent empty), the confirmation, and the management page behind the e-mail's link.
async fn check_registration_pages(
    browser: &Browser,
    app: &TestApp,
    seminar: &store::seminars::SeminarRecord,
    person: &Registrant,
    check: Check,
    suffix: &str,
) {
    let check = |what: &'static str| {
        let what = format!("{what}{suffix}");
        async move {
            match check {
                Check::Accessible => browser.assert_accessible(&what).await,
                Check::FitsAPhone => browser.assert_fits(&what).await,
            }
        }
    };
    browser.goto(&app.at(&format!("/seminars/{}", seminar.id))).await;
    browser.submit_form().await;
    browser.wait_css("#form-problems li").await;
    check("seminar-errors").await;
    browser.fill_seminar_form(person).await;
    browser.submit_form().await;
    browser.wait_css("#reference").await;
    check("seminar-done").await;
    let mail = delivered_mail(app, &person.email, "/seminars/manage/").await;
    browser.goto(&app.at(&manage_path(&mail).expect("a management link"))).await;
    browser.wait_css("#cancel").await;
    check("seminar-manage").await;
}

async fn sign_in_staff(browser: &Browser, url: &str, password: &str) {
    browser.goto(url).await;
    browser.type_into("email", "jimukyoku@example.jp").await;
    browser.type_into("password", password).await;
    browser.submit_form().await;
    browser.wait_css("#office-menu").await;
}

/// Each staff role signs in with the form, lands on its own home and sees exactly the menu of
/// its role; Tokyo ticks every case with the select-all box and sees them listed for
/// confirmation before anything is approved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_lands_on_its_home_with_its_menu() {
    let Some(browser) = Browser::start("workspaces").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let mut references = Vec::new();
    for n in 1..=2 {
        let body: serde_json::Value = app.apply(&application(n, "utm")).await.json().await.expect("json");
        let reference = body["reference"].as_str().expect("reference").to_string();
        let id = store::applications::find_by_reference(&app.running.db, &reference).await.unwrap().unwrap().id;
        common::decide_case(&app, id).await;
        references.push(reference);
    }
    for (role, home, menu) in crate::workspaces::workspaces() {
        let email = format!("{}@example.jp", role.code());
        let password = create_staff_as(&app, &email, role).await;
        browser.goto(&app.at("/office/login")).await;
        browser.type_into("email", &email).await;
        browser.type_into("password", &password).await;
        browser.submit_form().await;
        browser.wait_css("#office-menu").await;
        assert_eq!(browser.path().await, home, "{role:?} lands on its home");
        let mut links = Vec::new();
        for link in browser.rows("#office-menu a").await {
            links.push(link.attr("href").await.expect("href").unwrap_or_default());
        }
        assert_eq!(links.pop().as_deref(), Some("/office/password"));
        assert_eq!(links, menu, "{role:?} sees exactly its menu");
        browser.screenshot(&format!("home-{}", role.code())).await;
        // A page the role may not open keeps the menu and leads back home.
        let refused = ["/office/users", "/office/board"].into_iter().find(|path| !links.iter().any(|l| l == path));
        if let Some(refused) = refused {
            browser.goto(&app.at(refused)).await;
            assert!(browser.text("#instead").await.contains("このページはあなたの役割では開けません"));
            browser.wait_css("#office-menu").await;
            browser.screenshot(&format!("refused-{}", role.code())).await;
            let home_link = browser.wait_css("#home-link").await;
            browser.click_and_load(&home_link).await;
            assert_eq!(browser.path().await, home, "{role:?} goes home from the refusal");
        }

        if role == domain::access::Role::TokyoOfficial {
            // The script shows the select-all box; ticking it ticks every case.
            browser.click_css("#select-all").await;
            for case in browser.rows("#approvals input[name=case]").await {
                assert!(case.is_selected().await.expect("is_selected"), "select-all ticks every case");
            }
            let approve = browser.wait_css("button[name=action][value=approve]").await;
            browser.click_and_load(&approve).await;
            assert_eq!(browser.path().await, "/office/approvals/confirm");
            let listed = browser.text("#confirm-cases").await;
            for reference in &references {
                assert!(listed.contains(reference.as_str()), "{reference} is listed for confirmation: {listed}");
            }
            browser.screenshot("approvals-confirm").await;
        }
        let sign_out = browser.wait_css("#sign-out button").await;
        browser.click_and_load(&sign_out).await;
        assert_eq!(browser.path().await, "/office/login", "{role:?} signs out");
    }
    browser.finish().await;
    app.stop().await;
}

/// STEP2–5 as people do it: staff record the contact, the status check and the course; the company
/// signs the agreement in its portal; staff confirm receipt and the case reads 参加確定.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_goes_to_confirmed_through_the_pages() {
    let Some(browser) = Browser::start("agreement").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let body: serde_json::Value = app.apply(&application(1, "utm")).await.json().await.expect("json");
    let reference = body["reference"].as_str().expect("reference").to_string();
    let id = store::applications::find_by_reference(&app.running.db, &reference).await.unwrap().unwrap().id;
    let password = create_staff(&app, "jimukyoku@example.jp").await;
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    let case = app.at(&format!("/office/applications/{id}"));
    browser.goto(&case).await;
    browser.type_into("summary", "電話で規定を説明し、了承を得た").await;
    browser.click_css("#rules_accepted").await;
    browser.submit_form_css("#contact form").await;
    assert!(browser.text("#case-state").await.contains("申込完了"), "the contact completes the application");
    // The check starts from what the company stated; Kojo proposes course ①.
    browser.submit_form_css("#status-check form").await;
    assert!(browser.text("main").await.contains("①UTM機器設置コースを提案します"));
    browser.submit_form_css("#course-decision form").await;
    assert!(browser.text("#case-state").await.contains("コース決定"));

    // Tokyo approves and the company confirms its intent (their pages are tested elsewhere).
    let calendar = domain::calendar::BusinessCalendar::japan();
    for event in [domain::case::CaseEvent::Approve, domain::case::CaseEvent::ConfirmIntent] {
        let act = store::cases::Act {
            application_id: id,
            actor: store::audit::Actor::System("test"),
            ip: None,
            reason: None,
            email: None,
        };
        let tx = app.running.db.begin().await.unwrap();
        store::cases::apply(&tx, &calendar, &act, event, chrono::Utc::now()).await.expect("transition");
        tx.commit().await.unwrap();
    }
    browser.goto(&case).await;
    let link = browser.wait_css("#agreement a").await;
    browser.click_and_load(&link).await;
    assert!(browser.text("#mail-preview").await.contains("参加同意書"), "the e-mail is shown before sending");
    browser.submit_form_css("form[action$='/agreement']").await;
    assert!(browser.text("#case-state").await.contains("参加同意書送付済"));

    // The company signs in with its one-time link and signs every section.
    let user = store::portal::company_user(&app.running.db, id, chrono::Utc::now()).await.unwrap();
    let token = store::portal::issue_link(&app.running.db, user.id, chrono::Utc::now()).await.unwrap();
    browser.goto(&app.at(&format!("/portal/auth/{token}"))).await;
    browser.wait_css("#task-agreement").await;
    browser.goto(&app.at("/portal/agreement")).await;
    for checkbox in browser.rows("#sign-form input[type=checkbox]").await {
        checkbox.click().await.expect("tick a section");
    }
    browser.screenshot("portal-agreement").await;
    browser.submit_form_css("#sign-form").await;
    assert!(browser.text("#notice").await.contains("電子署名を受け付けました"));

    // Staff confirm receipt: participation is confirmed.
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    browser.goto(&app.at(&format!("/office/applications/{id}/agreement"))).await;
    assert!(browser.text("#agreement-status").await.contains("電子署名済"));
    browser.submit_form_css("form[action$='/agreement/confirm']").await;
    assert!(browser.text("#case-state").await.contains("参加確定"), "the case shows confirmed");
    browser.screenshot("case-confirmed").await;
    browser.finish().await;
    app.stop().await;
}

/// Issue 11: a person registers for a briefing seminar with the form — a mistake first, named in
/// Japanese next to its field with nothing typed lost —, sees the reference, opens the management
/// link from the delivered e-mail, switches to the venue and cancels; at the venue, staff check
/// in another registrant by typing the reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_registers_for_a_seminar_and_manages_it_from_the_email() {
    let Some(browser) = Browser::start("seminar").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let seminar = crate::seminars::add_seminar(&app, "browser", &crate::seminars::in_three_weeks(), 30, 100).await;

    browser.goto(&app.at("/seminars")).await;
    let card = format!("#seminar-{}", seminar.id);
    assert_eq!(browser.text(&format!("{card} h2")).await, "第1回 事業説明会");
    assert_eq!(browser.text(&format!("{card} tr[data-mode=venue] td")).await, "残り30席");
    assert_eq!(browser.text(&format!("{card} tr[data-mode=online] td")).await, "残り100席");
    let link = browser.wait_for(Locator::LinkText("この説明会に申し込む")).await;
    browser.click_and_load(&link).await;
    assert_eq!(browser.path().await, format!("/seminars/{}", seminar.id));
    assert_eq!(browser.text("h1").await, "説明会の申込");

    let mut person = Registrant::new(1, "online");
    person.email = "sanka.example.jp".into();
    browser.fill_seminar_form(&person).await;
    browser.replace("f-attendees", "2").await;
    browser.type_into("f-questions", "UTMの設置に工事は必要ですか").await;
    browser.submit_form().await;

    assert_eq!(browser.path().await, format!("/seminars/{}", seminar.id), "the form comes back");
    let focused = browser.client.execute("return document.activeElement && document.activeElement.id;", vec![]).await;
    assert_eq!(focused.expect("script"), json!("form-problems"), "the summary has the focus");
    let problems = browser.text("#form-problems").await;
    assert!(problems.contains("メールアドレスの形式が正しくありません"), "{problems}");
    assert_eq!(browser.rows("#form-problems li").await.len(), 1, "only the e-mail address is wrong: {problems}");
    assert_eq!(browser.attr("#form-problems a", "href").await, "#f-email");
    assert_eq!(browser.text("#f-email-error").await, "メールアドレスの形式が正しくありません");
    browser.assert_error_next_to("f-email").await;
    assert_eq!(browser.attr("#f-email", "aria-describedby").await, "f-email-error");
    browser.screenshot("error").await;
    let kept = [
        ("f-company_name", person.company.as_str()),
        ("f-company_name_kana", person.kana.as_str()),
        ("f-person_name", person.person.as_str()),
        ("f-email", "sanka.example.jp"),
        ("f-phone", person.phone.as_str()),
        ("f-attendees", "2"),
        ("f-questions", "UTMの設置に工事は必要ですか"),
        ("f-heard_from", "newsletter"),
    ];
    for (id, expected) in kept {
        assert_eq!(browser.value(id).await, expected, "#{id} keeps what was typed");
    }
    for checked in ["input[name=mode][value=online]", "input[name=privacy_policy_accepted]"] {
        let selected = browser.wait_css(checked).await.is_selected().await.expect("is_selected");
        assert!(selected, "{checked} is still chosen");
    }

    browser.replace("f-email", "sanka@example.jp").await;
    browser.submit_form().await;
    assert_eq!(browser.path().await, "/seminars/done");
    assert_eq!(browser.text("h1").await, "お申込みを受け付けました");
    let reference = browser.text("#reference").await;
    assert!(looks_like_seminar_reference(&reference), "the reference looks like SR8-0000-0000, saw {reference:?}");
    assert_eq!(browser.text("#status").await, "参加登録済み");
    assert_eq!(browser.text("#mode").await, "オンライン");
    browser.screenshot("done").await;

    // The link in the e-mail the worker delivered.
    let mail = delivered_mail(&app, "sanka@example.jp", &reference).await;
    let link = manage_path(&mail).unwrap_or_else(|| panic!("the e-mail has a management link:\n{mail}"));
    browser.goto(&app.at(&link)).await;
    assert_eq!(browser.text("h1").await, "説明会のお申込み");
    assert_eq!(browser.text("#reference").await, reference);
    assert_eq!(browser.text("#mode").await, "オンライン");
    let switch = browser.wait_css("#switch button[type=submit]").await;
    assert_eq!(switch.text().await.expect("text"), "参加方法を「会場」に変更する");
    browser.click_and_load(&switch).await;
    assert!(browser.text("#notice").await.contains("参加方法を変更しました"));
    assert_eq!(browser.text("#mode").await, "会場");
    assert_eq!(browser.text("#status").await, "参加登録済み");
    browser.wait_css("figure.qr svg").await;
    let new_link = browser.path().await;
    assert!(new_link.starts_with("/seminars/manage/") && new_link != link, "a new link: {new_link}");
    let mail = delivered_mail(&app, "sanka@example.jp", &new_link).await;
    assert!(mail.contains("「会場」に変更しました"), "the e-mail of the switch brings the new link:\n{mail}");
    browser.screenshot("switched").await;

    browser.click_css("#cancel input[name=confirm]").await;
    browser.submit_form_css("#cancel").await;
    assert!(browser.text("#notice").await.contains("キャンセルしました"));
    assert_eq!(browser.text("#status").await, "キャンセル済み");
    for gone in ["#switch", "#cancel", "figure.qr"] {
        assert!(browser.rows(gone).await.is_empty(), "{gone} is no longer offered");
    }
    browser.screenshot("cancelled").await;
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.expect("roster");
    assert_eq!(roster.len(), 1);
    assert_eq!((roster[0].status.code(), roster[0].mode.code()), ("cancelled", "venue"));

    // At the venue: another registrant is checked in by the reference typed at the reception.
    let other = register_for_seminar(&app, &seminar, 2, "venue").await;
    let password = create_staff(&app, "jimukyoku@example.jp").await;
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    let menu = browser.wait_for(Locator::LinkText("説明会")).await;
    browser.click_and_load(&menu).await;
    let title = browser.wait_for(Locator::LinkText("第1回 事業説明会")).await;
    browser.click_and_load(&title).await;
    assert_eq!(browser.path().await, format!("/office/seminars/{}", seminar.id));
    assert_eq!(browser.rows("#roster tr[data-reference]").await.len(), 2, "both registrations are listed");
    let checkin = browser.wait_for(Locator::LinkText("会場受付")).await;
    browser.click_and_load(&checkin).await;
    assert_eq!(browser.text("#progress").await, "受付済み 0 / 1");
    browser.type_into("reference", &other).await;
    browser.submit_form_css("#checkin").await;
    let notice = browser.text("#notice").await;
    assert_eq!(notice, format!("受付しました：{other} — 株式会社説明会2（参加 太郎2）1名"));
    assert_eq!(browser.text("#progress").await, "受付済み 1 / 1");
    assert_eq!(browser.value("reference").await, "", "the field is empty for the next person");
    browser.screenshot("checkin").await;
    let roster = store::seminars::roster(&app.running.db, seminar.id).await.expect("roster");
    assert!(roster.iter().find(|r| r.reference == other).expect("stored").attended_at.is_some());

    browser.finish().await;
    app.stop().await;
}

/// `?lang=en` switches the pages to English, and the choice is remembered on the next page.
/// Issue 12: a participant asks the incident desk in the portal — a mistake first, named next to
/// its field —, the desk finds the ticket on its board and schedules an engineer's visit at the
/// slot the form proposes (a business day, 9–17), and the company sees the visit on its ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_asks_the_desk_and_sees_the_engineer_coming() {
    let Some(browser) = Browser::start("incident").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let company = crate::incidents::participant(&app, 1).await;
    crate::incidents::installed(&app, company, "FGT60FTK0000990").await;
    let sign_in_company = || async {
        let user = store::portal::company_user(&app.running.db, company, chrono::Utc::now()).await.unwrap();
        let token = store::portal::issue_link(&app.running.db, user.id, chrono::Utc::now()).await.unwrap();
        browser.goto(&app.at(&format!("/portal/auth/{token}"))).await;
        browser.wait_css("#steps").await;
    };
    sign_in_company().await;
    let desk_link = browser.wait_css("#incident-desk a").await;
    browser.click_and_load(&desk_link).await;
    browser.assert_accessible("portal-incidents").await;
    browser.type_into("f-subject", "パソコンの動きがおかしい").await;
    browser.submit_form_css("#open-ticket").await;
    assert!(browser.text("#form-problems").await.contains("種類を選択してください"));
    assert_eq!(browser.value("f-subject").await, "パソコンの動きがおかしい", "nothing typed is lost");
    browser.select("f-category", "感染の疑い").await;
    browser.click_css("input[name=severity][value=high]").await;
    browser.type_into("f-description", "知らないソフトが勝手に起動します。").await;
    browser.submit_form_css("#open-ticket").await;
    assert!(browser.text("#notice").await.contains("ご相談を受け付けました"));
    let reference = browser.text("h1 small").await;
    assert!(reference.starts_with("INC-"), "{reference}");
    browser.assert_accessible("portal-incident").await;

    // The desk: the ticket is on the board; a visit at the proposed slot.
    browser.client.delete_all_cookies().await.expect("signed out");
    let password = create_staff_as(&app, "jimukyoku@example.jp", domain::access::Role::UtmOperator).await;
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    browser.goto(&app.at("/office/incidents")).await;
    browser.assert_accessible("office-incidents").await;
    let link = browser.wait_for(Locator::LinkText(&reference)).await;
    browser.click_and_load(&link).await;
    assert!(browser.text("#clock-response").await.contains("残り"), "the first-response clock runs");
    browser.assert_accessible("office-incident").await;
    browser.submit_form_css("#dispatch-form").await;
    assert!(browser.text("#notice").await.contains("訪問を予定し"), "{}", browser.text("main").await);
    browser.screenshot("office-incident-dispatch").await;
    for (path, name) in
        [("/office/incidents/new", "office-incident-new"), ("/office/incidents/figures", "office-incident-figures")]
    {
        browser.goto(&app.at(path)).await;
        browser.assert_accessible(name).await;
    }

    // The company sees the engineer coming.
    browser.client.delete_all_cookies().await.expect("signed out");
    sign_in_company().await;
    browser.goto(&app.at("/portal/incidents")).await;
    assert!(browser.text("#visits").await.contains("駆け付け対応"));
    let ticket = browser.wait_for(Locator::LinkText(&reference)).await;
    browser.click_and_load(&ticket).await;
    assert!(browser.text("main").await.contains("担当技術者"), "the visit shows on the ticket");
    browser.screenshot("portal-incident-visit").await;
    browser.finish().await;
    app.stop().await;
}

/// Management guidance end to end: the expert plans and records a visit; the company reads the
/// report and its next step on the portal's home, completes the self-diagnosis, publishes its
/// basic policy; anyone reads it at the public address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expert_guides_a_company_to_its_published_policy() {
    let Some(browser) = Browser::start("guidance").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let company = crate::incidents::participant(&app, 1).await;
    let password = create_staff_as(&app, "jimukyoku@example.jp", domain::access::Role::Expert).await;
    let expert = store::accounts::find_user_by_email(&app.running.db, "jimukyoku@example.jp").await.unwrap().unwrap();
    let tx = app.running.db.begin().await.unwrap();
    store::guidance::assign(&tx, company, expert.id, chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();

    // The expert: its companies, a visit planned at the proposed time, its report recorded.
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    let link = browser.wait_for(Locator::LinkText("株式会社テスト1")).await;
    browser.click_and_load(&link).await;
    browser.submit_form_css("#plan-form").await;
    assert!(browser.text("#notice").await.contains("訪問を予定し"), "{}", browser.text("main").await);
    browser.type_into("f-attendees-1", "代表 見本太郎").await;
    browser.type_into("f-topics-1", "自社診断と基本方針").await;
    browser.type_into("f-findings-1", "バックアップを取っていない").await;
    browser.type_into("f-steps-1", "NASへのバックアップを設定する").await;
    browser.submit_form_css(".record-form").await;
    assert!(browser.text("#notice").await.contains("訪問の報告を記録し"), "{}", browser.text("main").await);
    browser.assert_accessible("office-guidance-company").await;

    // The company: the report and its next step on the home page.
    browser.client.delete_all_cookies().await.expect("signed out");
    let user = store::portal::company_user(&app.running.db, company, chrono::Utc::now()).await.unwrap();
    let token = store::portal::issue_link(&app.running.db, user.id, chrono::Utc::now()).await.unwrap();
    browser.goto(&app.at(&format!("/portal/auth/{token}"))).await;
    let tasks = browser.text("#task-guidance").await;
    assert!(tasks.contains("NASへのバックアップを設定する") && tasks.contains("訪問報告をご確認ください"), "{tasks}");
    browser.goto(&app.at("/portal/guidance")).await;
    browser.submit_form_css(".task-ack").await;
    assert!(browser.text("#notice").await.contains("報告を確認しました"));
    // The self-diagnosis: everything done but backups.
    for item in 1..=25 {
        let answer = if item == 11 { "not_done" } else { "done" };
        browser.click_css(&format!("input[name=item_{item}][value={answer}]")).await;
    }
    browser.submit_form_css("#diagnosis-form").await;
    assert_eq!(browser.text("#diagnosis-total").await, "96");
    assert!(browser.text("#weakest").await.contains("バックアップ"));
    browser.assert_accessible("portal-guidance").await;
    // The policy: the template in the company's name, dated, published.
    browser
        .client
        .execute("document.querySelector('#policy-form [name=enacted_on]').value = '2026-12-01';", vec![])
        .await
        .expect("set the date");
    browser.submit_form_css("#policy-form").await;
    assert!(browser.text("#notice").await.contains("下書きを保存しました"));
    browser.submit_form_css("#publish-form").await;
    assert!(browser.text("#notice").await.contains("基本方針を公開しました"));
    assert!(browser.text("#two-star").await.contains("★★ 宣言の準備ができています"));
    let href = browser.attr("#policy-url a", "href").await;
    let public = app.at(&href[href.find("/policy/").expect("a public address")..]);
    browser.screenshot("portal-guidance-published").await;

    // Anyone: the public page.
    browser.client.delete_all_cookies().await.expect("signed out");
    browser.goto(&public).await;
    let page = browser.text("main").await;
    assert!(
        page.contains("株式会社テスト1") && page.contains("経営者の責任") && page.contains("令和8年12月1日"),
        "{page}"
    );
    browser.assert_accessible("public-policy").await;
    browser.finish().await;
    app.stop().await;
}

/// Course ② end to end: the expert adds assets and rates them on the page, answers part of the
/// check, drafts and releases the report; the company sees the released report in the portal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expert_rates_the_assets_and_the_company_reads_the_report() {
    let Some(browser) = Browser::start("risk").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let company = crate::incidents::participant_in(&app, 1, domain::programme::CourseCode::RiskAssessment).await;
    let password = create_staff_as(&app, "jimukyoku@example.jp", domain::access::Role::Expert).await;
    let expert = store::accounts::find_user_by_email(&app.running.db, "jimukyoku@example.jp").await.unwrap().unwrap();
    let tx = app.running.db.begin().await.unwrap();
    store::guidance::assign(&tx, company, expert.id, chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();

    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    browser.goto(&app.at("/office/risk")).await;
    browser.assert_accessible("office-risk").await;
    let link = browser.wait_for(Locator::LinkText("株式会社テスト1")).await;
    browser.click_and_load(&link).await;
    // A threat rated without the vulnerability comes back with the mistake named, the rest kept.
    browser.type_into("new-business", "営業").await;
    browser.type_into("new-name", "顧客名簿").await;
    browser.select("new-media", "クラウド").await;
    browser.select("new-confidentiality", "3").await;
    browser.select("new-integrity", "2").await;
    browser.select("new-availability", "2").await;
    browser.select("new-threat", "3").await;
    browser.submit_form_css("#new-asset-form").await;
    let problem = browser.text("#problem").await;
    assert!(problem.contains("入力内容を確認してください"), "{problem}");
    assert!(browser.text("#new-asset-form").await.contains("両方とも入力してください"));
    assert_eq!(browser.value("new-name").await, "顧客名簿", "nothing typed is lost");
    browser.select("new-vulnerability", "3").await;
    browser.type_into("new-measures", "多要素認証を有効にする").await;
    browser.submit_form_css("#new-asset-form").await;
    assert!(browser.text("#notice").await.contains("台帳を更新しました"), "{}", browser.text("main").await);
    assert!(browser.text("#register").await.contains("9（大）"));
    assert!(browser.text("#top-risks").await.contains("顧客名簿"));
    browser.assert_accessible("office-risk-company").await;
    browser.submit_form_css("#draft-form").await;
    assert!(browser.text("#notice").await.contains("下書きを作成しました"), "{}", browser.text("main").await);
    browser.submit_form_css(".release-form").await;
    assert!(browser.text("#notice").await.contains("企業に提出しました"));
    browser.screenshot("office-risk-released").await;

    // The company reads the released report and acknowledges it.
    browser.client.delete_all_cookies().await.expect("signed out");
    let user = store::portal::company_user(&app.running.db, company, chrono::Utc::now()).await.unwrap();
    let token = store::portal::issue_link(&app.running.db, user.id, chrono::Utc::now()).await.unwrap();
    browser.goto(&app.at(&format!("/portal/auth/{token}"))).await;
    browser.goto(&app.at("/portal/risk")).await;
    assert!(browser.text("#reports").await.contains("報告書を読む"));
    browser.assert_accessible("portal-risk").await;
    browser.submit_form_css(".ack-form").await;
    assert!(browser.text("#notice").await.contains("報告書を確認しました"));
    assert!(browser.text("#reports").await.contains("確認済み"));
    browser.finish().await;
    app.stop().await;
}

/// Issue 20: a person asks on /contact — the FAQ entry like the subject is offered while it is
/// typed and again on the review page — and is given a reference; the secretariat finds it in
/// its inbox, answers by e-mail, drafts an FAQ entry from the answer (without the asker's name,
/// company, address or telephone number), rewrites and publishes it; the public FAQ finds it by
/// a two-character word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_answered_and_becomes_a_published_faq_entry() {
    let Some(browser) = Browser::start("inquiry").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let seeded = "説明会の日程はどこで確認できますか？";
    let admin = app::Actor::command_line();
    let now = app.running.clock.now();
    let input = app::inquiries::FaqInput {
        category: "seminars".into(),
        question_ja: seeded.into(),
        answer_ja: "説明会の一覧ページに掲載しています。".into(),
        ..Default::default()
    };
    let saved = app::inquiries::save_faq(&app.running.services, &admin, None, &input, None, now).await.expect("saved");
    app::inquiries::publish_faq(&app.running.services, &admin, saved.id, true, now).await.expect("published");

    // The asker: the FAQ entry like the subject is offered under the field while it is typed.
    browser.goto(&app.at("/contact")).await;
    assert_eq!(browser.text("h1").await, "お問い合わせ");
    assert!(browser.rows("#faq-suggestions:not([hidden])").await.is_empty(), "nothing is offered before typing");
    browser.type_into("f-subject", "説明会の日程").await;
    browser.wait_css("#faq-suggestions:not([hidden]) li a").await;
    let offered = browser.wait_css("#faq-suggestions").await;
    assert!(offered.is_displayed().await.expect("is_displayed"), "the suggestions are shown");
    let offered = offered.text().await.expect("text");
    assert!(offered.contains("この質問と似たよくある質問") && offered.contains(seeded), "{offered}");
    let email = "misaki@example.jp";
    browser.type_into("f-name", "高橋 美咲").await;
    browser.type_into("f-company_name", "株式会社問合せ商事").await;
    browser.type_into("f-email", email).await;
    browser.wait_css("#f-category").await.select_by_value("seminars").await.expect("choose the category");
    browser.type_into("f-message", "説明会の日程を知りたいです。高橋美咲（090-1234-5678）").await;
    browser.click_css("input[name=privacy_policy_accepted]").await;
    browser.assert_accessible("contact-form").await;
    browser.screenshot("contact-form").await;
    let review = browser.wait_css("button[name=step][value=review]").await;
    browser.click_and_load(&review).await;

    // 確認: nothing is sent yet, and the FAQ entry is offered again.
    assert_eq!(browser.text("h1").await, "お問い合わせ内容の確認");
    assert!(browser.text("#not-sent-yet").await.contains("まだ送信されていません"));
    let similar = browser.text("#similar-faq").await;
    assert!(similar.contains(seeded), "the review offers the FAQ entry: {similar}");
    let answers = browser.text("#review").await;
    for shown in ["高橋 美咲", "株式会社問合せ商事", email, "説明会", "説明会の日程を知りたいです。"]
    {
        assert!(answers.contains(shown), "the review shows {shown}: {answers}");
    }
    let stored = store::inquiries::list(&app.running.db, &Default::default(), 10).await.expect("list");
    assert!(stored.is_empty(), "nothing is stored before 送信");
    browser.assert_accessible("contact-review").await;
    browser.screenshot("contact-review").await;
    let send = browser.wait_css("#send").await;
    browser.click_and_load(&send).await;

    // 完了: the reference, and when the answer will come.
    assert_eq!(browser.path().await, "/contact/done");
    let reference = browser.text("#reference").await;
    let expected = domain::inquiry::reference(domain::inquiry::fiscal_year_of(app.running.clock.now()), 1);
    assert_eq!(reference, expected, "the first inquiry of the year");
    assert!(browser.text("#due").await.contains('日'), "the answer time is shown");
    assert!(browser.text("main").await.contains(email), "the done page names the address the answer goes to");
    browser.assert_accessible("contact-done").await;
    browser.screenshot("contact-done").await;

    // The secretariat: the inquiry in the inbox, answered by e-mail.
    browser.client.delete_all_cookies().await.expect("signed out");
    let password = create_staff(&app, "jimukyoku@example.jp").await;
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    let menu = browser.wait_css("#office-menu a[href='/office/inquiries']").await;
    browser.click_and_load(&menu).await;
    assert_eq!(browser.path().await, "/office/inquiries");
    let row = browser.wait_css(&format!("#inquiries tr[data-reference='{reference}']")).await;
    let listed = row.text().await.expect("row text");
    assert!(
        listed.contains("説明会の日程") && listed.contains("高橋 美咲") && listed.contains("新規"),
        "the inbox lists the inquiry: {listed}"
    );
    browser.assert_accessible("office-inquiries").await;
    let link = row.find(Locator::Css("a")).await.expect("the row links to the inquiry");
    browser.click_and_load(&link).await;
    let inquiry_path = browser.path().await;
    assert!(inquiry_path.starts_with("/office/inquiries/"), "{inquiry_path}");
    assert!(browser.text("h1").await.contains(&reference));
    assert_eq!(browser.text("#status").await, "新規");
    assert!(browser.text("#thread").await.contains("説明会の日程を知りたいです。"), "the question is shown");
    let reply = "高橋様、説明会の日程は説明会の一覧ページに掲載しています。参加費用は無料です。";
    browser.type_into("reply-body", reply).await;
    // A leaflet goes with the reply, chosen in the file input as a person would.
    let leaflet = std::env::temp_dir().join(format!("説明会案内-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&leaflet, b"%PDF-1.4\n% seminar leaflet\n").expect("a file to attach");
    let input = browser.wait_css("#reply-files").await;
    input.send_keys(&leaflet.display().to_string()).await.expect("choose the file");
    let send_reply = browser.wait_css("#send-reply").await;
    browser.click_and_load(&send_reply).await;
    let notice = browser.text("#notice").await;
    assert!(notice.contains("返信を送信しました"), "{notice}");
    assert_eq!(browser.text("#status").await, "回答済み");
    let thread = browser.text("#thread").await;
    assert!(thread.contains(reply), "the reply is in the thread");
    assert!(thread.contains("説明会案内-"), "the reply's file is listed with it: {thread}");
    let _ = std::fs::remove_file(&leaflet);
    browser.assert_accessible("office-inquiry").await;
    browser.screenshot("office-inquiry").await;
    let outbox = store::outbox::recent(&app.running.db, 50).await.expect("outbox");
    let mail = outbox.iter().find(|m| m.to == email && m.subject.contains("Re:")).unwrap_or_else(|| {
        panic!("the reply is in the outbox: {:?}", outbox.iter().map(|m| &m.subject).collect::<Vec<_>>())
    });
    assert!(mail.subject.contains(&reference), "the reference is in the subject: {}", mail.subject);
    assert!(mail.body.contains(reply), "the reply is e-mailed:\n{}", mail.body);
    assert_eq!(mail.attachments.len(), 1, "the file goes with the e-mail");
    assert!(
        mail.attachments[0].filename.starts_with("説明会案内-")
            && mail.attachments[0].content_type == "application/pdf"
    );

    // FAQ にする: a draft without the asker's details, rewritten as a general question, published.
    let make_faq = browser.wait_css("#make-faq").await;
    browser.click_and_load(&make_faq).await;
    assert_eq!(browser.path().await, "/office/faq/new");
    browser.wait_css("#draft-note").await;
    let script = "const form = document.getElementById('faq-form');
        return [form.innerText, ...[...form.elements].map((e) => e.value || '')].join('\\n');";
    let draft = browser.client.execute(script, vec![]).await.expect("the draft form");
    let draft = draft.as_str().unwrap_or_default().to_string();
    for personal in ["高橋", "美咲", "株式会社問合せ商事", "misaki", "090-1234-5678", reference.as_str()] {
        assert!(!draft.contains(personal), "{personal} is left in the draft:\n{draft}");
    }
    assert!(browser.value("answer_ja").await.contains("説明会の一覧ページに掲載しています"), "drafted from the reply");
    assert_eq!(browser.value("category").await, "seminars", "the inquiry's category");
    browser.assert_accessible("office-faq-draft").await;
    let question = "説明会への参加に費用はかかりますか？";
    browser.replace("question_ja", question).await;
    browser.replace("answer_ja", "説明会への参加費用は無料です。").await;
    browser.submit_form_css("#faq-form").await;
    assert!(browser.text("#notice").await.contains("保存しました"));
    let entry_path = browser.path().await;
    let entry = entry_path.strip_prefix("/office/faq/").and_then(|id| uuid::Uuid::parse_str(id).ok());
    let entry = entry.unwrap_or_else(|| panic!("the saved entry's page: {entry_path}"));
    assert!(browser.text("#versions").await.contains("第1版"));
    let publish = browser.wait_css("#publish").await;
    browser.click_and_load(&publish).await;
    assert!(browser.text("#notice").await.contains("公開しました"));
    let listed = browser.text("#faq-entries").await;
    assert!(listed.contains(question) && listed.contains("公開中"), "{listed}");
    let stored = store::inquiries::faq(&app.running.db, entry).await.expect("the entry");
    assert!(stored.published, "published");
    let inquiry = store::inquiries::by_reference(&app.running.db, &reference).await.expect("find").expect("stored");
    assert_eq!(stored.source_inquiry_id, Some(inquiry.id), "the entry remembers the inquiry it came from");

    // The public: 費用 finds the new entry, not the one about the schedule.
    browser.client.delete_all_cookies().await.expect("signed out");
    browser.goto(&app.at("/faq")).await;
    let all = browser.text("main").await;
    assert!(all.contains(seeded) && all.contains(question), "both published entries are listed: {all}");
    browser.type_into("q", "費用").await;
    browser.submit_form_css("form[role=search]").await;
    assert_eq!(browser.path().await, "/faq");
    assert_eq!(browser.text("#faq-count").await, "1件");
    let found = browser.text("main").await;
    assert!(found.contains(question), "費用 finds the new entry: {found}");
    assert!(!found.contains(seeded), "and not the entry about the schedule: {found}");
    browser.wait_css(&format!("details#faq-{entry}")).await;
    assert_eq!(browser.value("q").await, "費用", "the search is kept");
    browser.assert_accessible("faq").await;
    browser.screenshot("faq").await;

    browser.finish().await;
    app.stop().await;
}

/// After support: the secretariat adds an interview photo with its consent, writes a case study
/// and sends it; the company reads it in its portal by paragraphs, comments on one, approves it;
/// the secretariat publishes it and the public page shows it, photo included, without the
/// company's name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_approves_its_case_study_and_the_public_page_shows_it() {
    let Some(browser) = Browser::start("case-study").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    let case = crate::incidents::participant(&app, 1).await;
    let reference = store::applications::get(&app.running.db, case).await.expect("case").reference;

    // The secretariat: a new study, its text, sent to the company.
    let password = create_staff(&app, "jimukyoku@example.jp").await;
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    browser.goto(&app.at("/office/case-studies")).await;
    browser.assert_accessible("office-case-studies").await;
    browser.type_into("reference", &reference).await;
    browser.submit_form_css("#new-case-study").await;
    assert!(browser.text("#notice").await.contains("事例を作成しました"));
    // An interview photo, with the consent recorded; it goes into the version saved next.
    let photo = std::env::temp_dir().join(format!("取材写真-{}.png", uuid::Uuid::new_v4()));
    std::fs::write(&photo, crate::case_studies::PNG).expect("a photo to upload");
    let input = browser.wait_css("#photo-file").await;
    input.send_keys(&photo.display().to_string()).await.expect("choose the photo");
    browser.type_into("caption", "工場の入口に設置したUTM").await;
    browser.type_into("consent_by", "代表取締役 山田太郎").await;
    browser.click_css("#consent").await;
    let add = browser.wait_css("#add-photo").await;
    browser.click_and_load(&add).await;
    assert!(browser.text("#notice").await.contains("写真を追加しました"));
    assert!(browser.text("#photo-list").await.contains("工場の入口に設置したUTM"));
    browser.type_into("title", "製造業の取組み").await;
    let text =
        "導入の経緯。取引先からセキュリティ対策を求められた。\n\n導入の効果。不審な通信を遮断できるようになった。";
    browser.type_into("body", text).await;
    browser.submit_form_css("#draft-form").await;
    assert!(browser.text("#notice").await.contains("新しい版を保存しました"));
    assert!(browser.text("#versions").await.contains("第1版"));
    browser.assert_accessible("office-case-study").await;
    let send = browser.wait_css("#send").await;
    browser.click_and_load(&send).await;
    assert_eq!(browser.text("#status").await, "企業の確認待ち");
    let office_path = browser.path().await;

    // The company, from its portal: paragraphs, a comment on the second, then approval.
    browser.client.delete_all_cookies().await.expect("signed out");
    let user = store::portal::company_user(&app.running.db, case, chrono::Utc::now()).await.unwrap();
    let token = store::portal::issue_link(&app.running.db, user.id, chrono::Utc::now()).await.unwrap();
    browser.goto(&app.at(&format!("/portal/auth/{token}"))).await;
    browser.goto(&app.at("/portal/case-studies")).await;
    let study = office_path.rsplit('/').next().expect("the study's id").to_string();
    let second = browser.text(&format!("#p-{study}-2")).await;
    assert!(second.contains("導入の効果"), "{second}");
    browser.assert_accessible("portal-case-studies").await;
    browser.select(&format!("paragraph-{study}"), "第2段落").await;
    browser.type_into(&format!("text-{study}"), "「遮断できるようになった」で結構です。").await;
    let comment = browser.wait_css(&format!("#comment-{study}")).await;
    browser.click_and_load(&comment).await;
    assert!(browser.text("#notice").await.contains("送信しました"));
    let approve = browser.wait_css(&format!("#approve-{study}")).await;
    browser.click_and_load(&approve).await;
    assert_eq!(browser.text(&format!("#status-{study}")).await, "企業が承認");
    browser.screenshot("portal-case-study").await;

    // The secretariat publishes; the public page shows the approved text, not the company.
    browser.client.delete_all_cookies().await.expect("signed out");
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    browser.goto(&app.at(&office_path)).await;
    assert!(browser.text("#events").await.contains("第2段落"), "the comment names its paragraph");
    let publish = browser.wait_css("#publish").await;
    browser.click_and_load(&publish).await;
    browser.client.delete_all_cookies().await.expect("signed out");
    browser.goto(&app.at("/cases")).await;
    let link = browser.wait_css("#cases a").await;
    browser.click_and_load(&link).await;
    assert_eq!(browser.text("h1").await, "製造業の取組み");
    assert!(browser.text("#case-text").await.contains("不審な通信を遮断できるようになった。"));
    let company = browser.text("#company").await;
    assert!(company.contains("製造業") && !company.contains("株式会社テスト1"), "{company}");
    assert_eq!(browser.text("#case-photos figcaption").await, "工場の入口に設置したUTM");
    let drawn = browser
        .client
        .execute("return document.querySelector('#case-photos img').naturalWidth", vec![])
        .await
        .expect("the photo's width");
    assert_eq!(drawn, serde_json::json!(1), "the approved photo is drawn on the public page");
    browser.assert_accessible("public-case").await;
    browser.screenshot("public-case").await;
    browser.finish().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_answers_a_survey_from_its_e_mail_link() {
    let Some(browser) = Browser::start("survey").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;
    crate::incidents::participant(&app, 1).await;

    // The secretariat: a survey after support from the standard questions, sent.
    let password = create_staff(&app, "jimukyoku@example.jp").await;
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    browser.goto(&app.at("/office/surveys")).await;
    browser.assert_accessible("office-surveys").await;
    browser.select("moment", "支援の終了後").await;
    browser.submit_form_css("#new-survey").await;
    assert!(browser.text("#notice").await.contains("アンケートを作成しました"));
    browser.assert_accessible("office-survey").await;
    let send = browser.wait_css("#send").await;
    browser.click_and_load(&send).await;
    assert!(browser.text("#notice").await.contains("1 件の案内"), "one participant invited");
    assert_eq!(browser.text("#status").await, "回答受付中");
    let office_path = browser.path().await;

    // The company opens the link in its e-mail: no sign-in.
    browser.client.delete_all_cookies().await.expect("signed out");
    let mail = store::outbox::recent(&app.running.db, 50).await.unwrap();
    let body = &mail.iter().find(|m| m.subject.contains("アンケート")).expect("the invitation").body;
    let start = body.find("/survey/").expect("the link");
    let link: String = body[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    browser.goto(&app.at(&link)).await;
    browser.assert_accessible("survey-form").await;

    // A question shown only after "あった": hidden until then, shown once chosen.
    let detail = browser.wait_css("#q-incident_detail").await;
    assert!(!detail.is_displayed().await.expect("is_displayed"), "hidden until its condition holds");
    browser.click_css("input[name='q.incident'][value='yes']").await;
    assert!(detail.is_displayed().await.expect("is_displayed"), "shown once 「あった」 is chosen");
    browser.type_into("q-incident_detail-text", "不審なメールが届いた").await;
    browser.click_css("input[name='q.awareness_importance'][value='4']").await;

    // Sending with required questions unanswered: told which, what was typed kept.
    let submit = browser.wait_css("#submit").await;
    browser.click_and_load(&submit).await;
    assert!(browser.text("#problem").await.contains("未回答の必須の質問があります"));
    assert!(browser.text("#q-awareness_knowledge-error").await.contains("回答してください"));
    assert_eq!(browser.value("q-incident_detail-text").await, "不審なメールが届いた");
    browser.assert_accessible("survey-form-errors").await;
    for (key, value) in [
        ("awareness_knowledge", "3"),
        ("awareness_management", "2"),
        ("awareness_staff", "3"),
        ("satisfaction", "5"),
        ("recommend", "9"),
    ] {
        browser.click_css(&format!("input[name='q.{key}'][value='{value}']")).await;
    }
    browser.click_css("input[name='q.measures'][value='backup']").await;
    browser.screenshot("survey-form").await;
    let submit = browser.wait_css("#submit").await;
    browser.click_and_load(&submit).await;
    assert!(browser.text("#submitted").await.contains("ご回答ありがとうございました"));
    assert!(browser.rows("#survey-form").await.is_empty(), "the link takes no more answers");

    // The secretariat reads the results.
    sign_in_staff(&browser, &app.at("/office/login"), &password).await;
    browser.goto(&app.at(&format!("{office_path}/results"))).await;
    assert_eq!(browser.text("#submitted").await, "1");
    assert!(browser.text("#result-incident_detail").await.contains("不審なメールが届いた"));
    browser.assert_accessible("office-survey-results").await;
    browser.screenshot("office-survey-results").await;

    // The results report: the year's tables to this month's end (the page opens on the last
    // month ended), to download as PDF or Excel.
    // (The test programme is 令和8年度 whatever the date: at most its last month.)
    let last = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let this_month = app.running.clock.today().min(last).format("%Y-%m").to_string();
    browser.goto(&app.at(&format!("/office/reports/results?year=2026&month={this_month}"))).await;
    assert!(browser.text("#table-surveys").await.contains("令和8年度 アンケート（支援の終了後）"));
    assert!(browser.attr("#report-pdf", "href").await.ends_with("format=pdf"));
    browser.assert_accessible("office-results-report").await;
    browser.screenshot("office-results-report").await;
    browser.finish().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_is_chosen_once_and_remembered() {
    let Some(browser) = Browser::start("english").await else { return };
    let app = spawn_app(Backend::Sqlite, Setup::default()).await;

    browser.goto(&app.at("/?lang=en")).await;
    browser.wait_css("#courses").await;
    let headings = browser.text("main").await;
    assert!(headings.contains("Courses and places remaining"), "English headings: {headings}");
    assert!(headings.contains("How to apply"), "English headings: {headings}");
    assert_eq!(browser.attr("html", "lang").await, "en");

    let link = browser.wait_for(Locator::LinkText("Go to the application form")).await;
    browser.click_and_load(&link).await;
    assert_eq!(browser.path().await, "/apply");
    assert_eq!(browser.text("h1").await, "Application form");
    assert_eq!(browser.attr("html", "lang").await, "en");
    assert_eq!(browser.text("label[for=company-name]").await, "Company name Required");
    assert_eq!(browser.text("form.form button[type=submit]").await, "Review");
    browser.screenshot("apply-english").await;

    // And back to Japanese with the header link.
    let link = browser.wait_for(Locator::LinkText("日本語")).await;
    browser.click_and_load(&link).await;
    assert_eq!(browser.text("h1").await, "参加申込フォーム");
    assert_eq!(browser.attr("html", "lang").await, "ja");

    browser.finish().await;
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// What a person types
// ---------------------------------------------------------------------------------------------

struct Company {
    name: String,
    name_kana: String,
    /// As typed: 全角 digits.
    corporate_number: String,
    /// As typed: 全角 digits, no hyphen.
    postal_code: String,
    address: String,
    capital: String,
    employees: String,
    representative: String,
}

impl Company {
    fn new(n: u32, name: &str) -> Self {
        Company {
            name: name.into(),
            name_kana: "かぶしきがいしゃぶらうざせいこう".into(),
            corporate_number: to_fullwidth_digits(&corporate_number(n)),
            postal_code: "１６３８００１".into(),
            address: format!("新宿区西新宿2-8-{n}"),
            capital: "10000000".into(),
            employees: "25".into(),
            representative: "山田 太郎".into(),
        }
    }
}

fn to_fullwidth_digits(digits: &str) -> String {
    digits
        .chars()
        .map(|c| c.to_digit(10).map_or(c, |d| char::from_u32('０' as u32 + d).expect("a full-width digit")))
        .collect()
}

/// The same number with its check digit (the first of the 13, full-width or not) changed.
fn with_wrong_check_digit(number: &str) -> String {
    let mut chars: Vec<char> = number.chars().collect();
    chars[0] = match chars[0] {
        '０'..='８' => char::from_u32(chars[0] as u32 + 1).unwrap(),
        '９' => '０',
        '0'..='8' => char::from_u32(chars[0] as u32 + 1).unwrap(),
        _ => '0',
    };
    chars.into_iter().collect()
}

/// `R8-dddd-dddd`.
fn looks_like_reference(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts[0] == "R8"
        && parts[1..].iter().all(|p| p.len() == 4 && p.chars().all(|c| c.is_ascii_digit()))
}

/// Someone registering for a seminar, as typed into its form.
struct Registrant {
    mode: &'static str,
    company: String,
    kana: String,
    person: String,
    email: String,
    phone: String,
}

impl Registrant {
    fn new(n: u32, mode: &'static str) -> Self {
        Registrant {
            mode,
            company: format!("株式会社説明会{n}"),
            kana: "かぶしきがいしゃせつめいかい".into(),
            person: format!("参加 太郎{n}"),
            email: format!("sanka{n}@example.jp"),
            phone: "03-5321-1111".into(),
        }
    }
}

/// `SR8-dddd-dddd`.
fn looks_like_seminar_reference(text: &str) -> bool {
    text.strip_prefix('S').is_some_and(looks_like_reference)
}

/// Registers `n` for the seminar through the API; returns the reference.
async fn register_for_seminar(
    app: &TestApp,
    seminar: &store::seminars::SeminarRecord,
    n: u32,
    mode: &'static str,
) -> String {
    let person = Registrant::new(n, mode);
    let body = json!({
        "company_name": person.company, "company_name_kana": person.kana, "person_name": person.person,
        "email": person.email, "phone": person.phone, "mode": person.mode, "attendees": 1,
        "questions": "当日はパソコンを持参した方がよいですか", "privacy_policy_accepted": true,
    });
    let response = app
        .client
        .post(app.at(&format!("/api/v1/seminars/{}/registrations", seminar.id)))
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201, "registration {n} is accepted");
    let answer: serde_json::Value = response.json().await.expect("json");
    answer["reference"].as_str().expect("reference").to_string()
}

/// The path of the management link in an e-mail's text: `/seminars/manage/…`.
fn manage_path(text: &str) -> Option<String> {
    let start = text.find("/seminars/manage/")?;
    let token: String = text[start + "/seminars/manage/".len()..].chars().take_while(char::is_ascii_hexdigit).collect();
    (!token.is_empty()).then(|| format!("/seminars/manage/{token}"))
}

async fn create_staff(app: &TestApp, email: &str) -> String {
    create_staff_as(app, email, domain::access::Role::Secretariat).await
}

async fn create_staff_as(app: &TestApp, email: &str, role: domain::access::Role) -> String {
    let password = kojo::setup::one_time_password();
    store::accounts::create_user(
        &app.running.db,
        store::accounts::NewUser {
            email,
            display_name: "事務局 太郎",
            role,
            password_hash: Some(web::auth::hash_password(&password)),
            company_application_id: None,
            must_change_password: false,
        },
        chrono::Utc::now(),
    )
    .await
    .expect("staff user created");
    password
}

// ---------------------------------------------------------------------------------------------
// Delivered e-mail
// ---------------------------------------------------------------------------------------------

/// Waits for the worker to deliver an e-mail to `to` (an `.eml` file in the mail folder, as
/// without SMTP) whose text contains `needle`; returns that text.
async fn delivered_mail(app: &TestApp, to: &str, needle: &str) -> String {
    let dir = app.config.mail_dir();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let files = std::fs::read_dir(&dir).map(|entries| entries.flatten().map(|e| e.path()).collect::<Vec<_>>());
        for file in files.unwrap_or_default() {
            // A file being written may be cut short: it is read again on the next round.
            let Ok(raw) = std::fs::read_to_string(&file) else { continue };
            let Some((headers, _)) = mime_entity(&raw) else { continue };
            let addressed = header(&headers, "to");
            if addressed != to && !addressed.ends_with(&format!("<{to}>")) {
                continue;
            }
            if let Some(text) = plain_text(&raw)
                && text.contains(needle)
            {
                return text;
            }
        }
        assert!(Instant::now() < deadline, "no e-mail to {to} with {needle:?} was delivered to {}", dir.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A message's (or a MIME part's) headers, unfolded and with lower-case names, and its body.
fn mime_entity(raw: &str) -> Option<(Vec<(String, String)>, &str)> {
    let (head, body) = raw.split_once("\r\n\r\n").or_else(|| raw.split_once("\n\n"))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            headers.last_mut()?.1.push_str(line);
        } else {
            let (name, value) = line.split_once(':')?;
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    Some((headers, body))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(n, _)| n == name).map_or("", |(_, value)| value.as_str())
}

/// A header value's parameter (`boundary`, `charset`), unquoted.
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (key, value) = p.trim().split_once('=')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The text/plain part of a message, decoded from base64 or quoted-printable (lettre chooses
/// whichever is shorter) as UTF-8; the first such part of a multipart message.
fn plain_text(raw: &str) -> Option<String> {
    let (headers, body) = mime_entity(raw)?;
    let content_type = header(&headers, "content-type");
    let kind = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if kind.starts_with("multipart/") {
        let delimiter = format!("--{}", parameter(content_type, "boundary")?);
        return body
            .split(delimiter.as_str())
            .skip(1)
            .take_while(|part| !part.starts_with("--"))
            .find_map(|part| plain_text(part.trim_start_matches(['\r', '\n'])));
    }
    if !(kind.is_empty() || kind == "text/plain") {
        return None;
    }
    let charset = parameter(content_type, "charset").unwrap_or_else(|| "us-ascii".into()).to_ascii_lowercase();
    assert!(matches!(charset.as_str(), "utf-8" | "us-ascii"), "the text is UTF-8, not {charset}");
    let bytes = match header(&headers, "content-transfer-encoding").to_ascii_lowercase().as_str() {
        "base64" => {
            use base64::Engine;
            let compact: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD.decode(compact).ok()?
        }
        "quoted-printable" => quoted_printable::decode(body, quoted_printable::ParseMode::Robust).ok()?,
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8(bytes).ok()
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/// A running chromedriver. Dropping it kills chromedriver and the browser it started (they share
/// a process group), also when a test fails half-way.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it answers.
    async fn start(chromedriver: &str, dir: &Path) -> Driver {
        let log = dir.join("chromedriver.log");
        let mut last_problem = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let mut command = Command::new(chromedriver);
            command
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let child = command.spawn().unwrap_or_else(|e| panic!("{chromedriver} does not start: {e}"));
            let mut driver = Driver { child, port, log: log.clone() };
            let status_url = format!("http://127.0.0.1:{port}/status");
            let http = reqwest::Client::new();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(exit)) = driver.child.try_wait() {
                    last_problem = format!("chromedriver exited with {exit} (port {port} taken?)");
                    break;
                }
                if let Ok(response) = http.get(&status_url).send().await
                    && response.status().is_success()
                {
                    return driver;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if last_problem.is_empty() {
                last_problem = format!("chromedriver did not answer on port {port} within 15 s");
            }
        }
        panic!("{last_problem}; see {}", log.display());
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

struct Browser {
    client: Client,
    name: &'static str,
    /// Screenshots, the Chromium profile and chromedriver's log; kept when a test fails.
    dir: PathBuf,
    driver: Option<Driver>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        drop(self.driver.take());
        let _ = std::fs::remove_dir_all(self.dir.join("profile"));
        if std::thread::panicking() {
            eprintln!("browser test {}: screenshots and chromedriver.log kept in {}", self.name, self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; `None` (skip) when they are not installed,
    /// except on CI.
    async fn start(name: &'static str) -> Option<Browser> {
        let chromium = std::env::var("KOJO_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
        let chromedriver = std::env::var("KOJO_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        let missing: Vec<&str> =
            [chromium.as_str(), chromedriver.as_str()].into_iter().filter(|p| !Path::new(p).is_file()).collect();
        if !missing.is_empty() {
            let what = format!(
                "{} not installed (Debian: apt-get install chromium chromium-driver fonts-noto-cjk)",
                missing.join(" and ")
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the browser tests need a browser on CI: {what}");
            }
            // Straight to stderr, past the test harness's capture, so that the skip is seen.
            let line = format!("browser test {name} skipped: {what}\n");
            let _ = std::io::stderr().write_all(line.as_bytes());
            return None;
        }
        let turn = ONE_AT_A_TIME.lock().await;
        let dir = tempfile::Builder::new().prefix(&format!("kojo-browser-{name}-")).tempdir().expect("temp dir").keep();
        let profile = dir.join("profile");
        std::fs::create_dir_all(&profile).expect("profile dir");
        let driver = Driver::start(&chromedriver, &dir).await;
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                    "--window-size=1280,2000",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| {
                panic!("Chromium does not start through chromedriver: {e}; see {}", driver.log.display())
            });
        Some(Browser { client, name, dir, driver: Some(driver), _turn: turn })
    }

    /// Ends the browser session (chromedriver itself is killed on drop).
    async fn finish(self) {
        self.client.clone().close().await.ok();
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        self.wait_css("body").await;
    }

    async fn path(&self) -> String {
        self.client.current_url().await.expect("current url").path().to_string()
    }

    /// Waits for an element; fails naming what was missing and on which page.
    async fn wait_for(&self, locator: Locator<'_>) -> Element {
        let described = format!("{locator:?}");
        match self.client.wait().at_most(PATIENCE).for_element(locator).await {
            Ok(element) => element,
            Err(e) => self.fail(&format!("{described} did not appear: {e}")).await,
        }
    }

    async fn wait_css(&self, css: &str) -> Element {
        self.wait_for(Locator::Css(css)).await
    }

    async fn text(&self, css: &str) -> String {
        self.wait_css(css).await.text().await.unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    async fn attr(&self, css: &str, name: &str) -> String {
        self.wait_css(css).await.attr(name).await.expect("attribute").unwrap_or_default()
    }

    /// The current value of the input, select or textarea with this id.
    async fn value(&self, id: &str) -> String {
        self.value_css(&format!("#{id}")).await
    }

    async fn value_css(&self, css: &str) -> String {
        self.wait_css(css).await.prop("value").await.expect("value").unwrap_or_default()
    }

    async fn rows(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.expect("rows")
    }

    async fn click_css(&self, css: &str) {
        self.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Types into the field with this id (the form's ids are the names with `.` made `-`).
    async fn type_into(&self, id: &str, text: &str) {
        self.type_into_css(&format!("#{id}"), text).await;
    }

    async fn type_into_css(&self, css: &str, text: &str) {
        if text.is_empty() {
            return;
        }
        let field = self.wait_css(css).await;
        field.click().await.unwrap_or_else(|e| panic!("focus {css}: {e}"));
        field.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
        let now = field.prop("value").await.expect("value").unwrap_or_default();
        assert_eq!(now, text, "{css} holds what was typed");
    }

    async fn replace(&self, id: &str, text: &str) {
        let field = self.wait_css(&format!("#{id}")).await;
        field.clear().await.unwrap_or_else(|e| panic!("clear #{id}: {e}"));
        self.type_into(id, text).await;
    }

    async fn select(&self, id: &str, label: &str) {
        let select = self.wait_css(&format!("#{id}")).await;
        select.select_by_label(label).await.unwrap_or_else(|e| panic!("choose {label} in #{id}: {e}"));
    }

    async fn fill_company(&self, company: &Company) {
        self.type_into("company-name", &company.name).await;
        self.type_into("company-name_kana", &company.name_kana).await;
        self.type_into("company-corporate_number", &company.corporate_number).await;
        self.type_into("company-postal_code", &company.postal_code).await;
        assert_eq!(self.value("company-prefecture").await, "東京都", "東京都 is preselected");
        self.type_into("company-address", &company.address).await;
        self.select("company-industry", "製造業").await;
        self.type_into("company-capital_yen", &company.capital).await;
        self.type_into("company-employees", &company.employees).await;
        self.type_into("company-representative_name", &company.representative).await;
    }

    async fn fill_contact(&self, name: &str, kana: &str, email: &str, phone: &str) {
        self.type_into("contact-name", name).await;
        self.type_into("contact-name_kana", kana).await;
        self.type_into("contact-email", email).await;
        self.type_into("contact-phone", phone).await;
    }

    async fn fill_environment_and_declarations(&self) {
        self.type_into("environment-connection_layout", "光回線→ルーター→スイッチングハブ→パソコン").await;
        self.click_css("input[name='environment.free_hub_port'][value=yes]").await;
        self.click_css("input[name='environment.existing_utm'][value=no]").await;
        self.click_css("input[name='environment.policy_status'][value=drafting]").await;
        for key in ["a", "b", "c", "d", "e", "f", "g"] {
            self.click_css(&format!("input[name='declarations.{key}']")).await;
        }
        self.click_css("#privacy_policy_accepted").await;
    }

    /// Fills the seminar registration form (not the number of attendees, which starts at 1, nor
    /// the optional question).
    async fn fill_seminar_form(&self, person: &Registrant) {
        self.click_css(&format!("input[name=mode][value={}]", person.mode)).await;
        self.type_into("f-company_name", &person.company).await;
        self.type_into("f-company_name_kana", &person.kana).await;
        self.type_into("f-person_name", &person.person).await;
        self.type_into("f-email", &person.email).await;
        self.type_into("f-phone", &person.phone).await;
        let heard_from = self.wait_css("#f-heard_from").await;
        heard_from.select_by_value("newsletter").await.expect("choose how they heard of it");
        self.click_css("input[name=privacy_policy_accepted]").await;
    }

    /// Presses the application form's (or login form's) submit button and waits for the answer.
    async fn submit_form(&self) {
        self.submit_form_css("form.form").await;
    }

    async fn submit_form_css(&self, form: &str) {
        let button = self.wait_css(&format!("{form} button[type=submit]")).await;
        self.click_and_load(&button).await;
    }

    /// Clicks something that loads a new page and waits until the old page is gone and the new
    /// one has loaded.
    async fn click_and_load(&self, element: &Element) {
        let old_page = self.client.find(Locator::Css("html")).await.expect("the page");
        element.click().await.unwrap_or_else(|e| panic!("click: {e}"));
        let deadline = Instant::now() + PATIENCE;
        loop {
            match old_page.tag_name().await {
                Err(CmdError::Standard(e)) if e.error == ErrorStatus::StaleElementReference => break,
                Err(CmdError::Standard(e)) if e.error == ErrorStatus::NoSuchElement => break,
                // Chromium sometimes reports a node of the unloaded page this way instead.
                Err(e) if e.to_string().contains("does not belong to the document") => break,
                Err(e) => panic!("waiting for the next page: {e}"),
                Ok(_) if Instant::now() > deadline => self.fail("the click did not load a new page").await,
                Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        self.wait_css("body footer").await;
    }

    /// On the review page (確認), presses 送信する and waits for the done page.
    async fn send_from_review(&self) {
        assert_eq!(self.text("h1").await, "入力内容の確認", "the review page comes before sending");
        let send = self.wait_css("#send").await;
        self.click_and_load(&send).await;
    }

    /// The error summary has the focus and links each `(input id, words)` to its input; every
    /// `aria-describedby` on the page names elements that exist, and every error is named by its
    /// input's.
    async fn assert_error_summary(&self, expected: &[(&str, &str)]) {
        let focused = self.client.execute("return document.activeElement && document.activeElement.id;", vec![]).await;
        assert_eq!(focused.expect("script"), json!("form-problems"), "the summary has the focus");
        let links = self.rows("#form-problems a").await;
        let mut listed = Vec::new();
        for link in links {
            let href = link.attr("href").await.expect("href").unwrap_or_default();
            let text = link.text().await.expect("text");
            let target = href.strip_prefix('#').expect("an in-page link").to_string();
            let exists =
                self.client.execute("return !!document.getElementById(arguments[0]);", vec![json!(target)]).await;
            assert_eq!(exists.expect("script"), json!(true), "{href} points at an element");
            listed.push((target, text));
        }
        for (id, words) in expected {
            assert!(
                listed.iter().any(|(target, text)| target == id && text.contains(words)),
                "the summary links #{id} with {words:?}: {listed:?}"
            );
        }
        let script = "const problems = [];
            for (const element of document.querySelectorAll('[aria-describedby]')) {
                for (const id of element.getAttribute('aria-describedby').split(' ')) {
                    if (!document.getElementById(id)) problems.push(element.id + ' -> ' + id);
                }
            }
            for (const error of document.querySelectorAll('.error[id]')) {
                if (!document.querySelector('[aria-describedby~=\"' + error.id + '\"]')) problems.push('nothing describes ' + error.id);
            }
            for (const hint of document.querySelectorAll('form .hint[id]')) {
                if (!document.querySelector('[aria-describedby~=\"' + hint.id + '\"]')) problems.push('nothing describes ' + hint.id);
            }
            return [problems, document.querySelectorAll('[aria-describedby]').length];";
        let answer = self.client.execute(script, vec![]).await.expect("script");
        assert_eq!(answer[0], json!([]), "aria-describedby names existing hints and errors");
        assert!(answer[1].as_u64().unwrap_or(0) >= 10, "inputs are described: {answer}");
    }

    /// The error paragraph sits right before its field, and the field is marked invalid.
    async fn assert_error_next_to(&self, field: &str) {
        let script = "const error = document.getElementById(arguments[0] + '-error');
            return error ? [error.nextElementSibling && error.nextElementSibling.id,
                            document.getElementById(arguments[0]).getAttribute('aria-invalid')] : null;";
        let answer = self.client.execute(script, vec![json!(field)]).await.expect("script");
        assert_eq!(answer, json!([field, "true"]), "#{field}-error sits before #{field}, which is aria-invalid");
    }

    /// The page is no wider than the window (nothing makes the page scroll sideways); fails
    /// naming the widest elements that stick out. Photographs the page.
    async fn assert_fits(&self, what: &str) {
        let script = "const viewport = window.innerWidth;
            const clipped = (e) => { for (let a = e.parentElement; a; a = a.parentElement) {
                const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
                return false; };
            const wide = [...document.querySelectorAll('body *')]
                .filter((e) => e.getBoundingClientRect().right > viewport + 1 && !clipped(e))
                .slice(0, 5)
                .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
                    + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
            return [document.documentElement.scrollWidth, viewport, wide];";
        let answer = self.client.execute(script, vec![]).await.expect("measure");
        let (page, viewport) = (answer[0].as_u64().unwrap_or(0), answer[1].as_u64().unwrap_or(0));
        assert!(viewport > 0 && viewport <= 400, "{what}: the window is phone-sized ({viewport} px)");
        if page > viewport {
            self.fail(&format!(
                "{what}: the page is {page} px wide on a {viewport} px screen; sticking out: {}",
                answer[2]
            ))
            .await;
        }
        self.assert_accessible(what).await;
        self.screenshot(what).await;
    }

    /// axe-core (the npm package; `KOJO_AXE` or `/var/tmp/axe/node_modules/axe-core/axe.min.js`,
    /// which `scripts/test` installs) finds no serious or critical violation on the page.
    async fn assert_accessible(&self, what: &str) {
        let path = std::env::var("KOJO_AXE").unwrap_or_else(|_| AXE.into());
        let Ok(source) = std::fs::read_to_string(&path) else {
            assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "axe-core is needed on CI: {path}");
            let _ = std::io::stderr()
                .write_all(format!("axe-core not found at {path}: accessibility not checked\n").as_bytes());
            return;
        };
        self.client.execute(&source, vec![]).await.expect("axe-core loads");
        let run = "const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then((r) => done(r.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '))))
              .catch((e) => done(['axe failed: ' + e]));";
        let answer = self.client.execute_async(run, vec![]).await.expect("axe runs");
        let violations: Vec<String> = serde_json::from_value(answer).unwrap_or_default();
        if !violations.is_empty() {
            self.fail(&format!("{what}: serious or critical accessibility violations: {violations:?}")).await;
        }
    }

    /// Saves a PNG of the whole page into the test's temp dir (and `KOJO_SCREENSHOT_DIR`).
    async fn screenshot(&self, what: &str) {
        // Grow the window until the whole page fits in the viewport, from the top.
        let (width, old_height) = self.client.get_window_size().await.expect("window size");
        let measure = "window.scrollTo(0, 0);
            return [document.documentElement.scrollHeight, window.innerHeight];";
        for _ in 0..3 {
            let sizes = self.client.execute(measure, vec![]).await.unwrap_or_default();
            let (Some(page), Some(viewport)) = (sizes[0].as_u64(), sizes[1].as_u64()) else { break };
            if page <= viewport || page > 8000 {
                break;
            }
            let (_, outer) = self.client.get_window_size().await.expect("window size");
            self.client.set_window_size(width as u32, (outer + page - viewport) as u32).await.ok();
        }
        let png = self.client.screenshot().await.expect("screenshot");
        self.client.set_window_size(width as u32, old_height as u32).await.ok();
        let file = format!("{}-{what}.png", self.name);
        let path = self.dir.join(&file);
        std::fs::write(&path, &png).expect("screenshot written");
        if let Ok(dir) = std::env::var("KOJO_SCREENSHOT_DIR")
            && !dir.is_empty()
        {
            std::fs::create_dir_all(&dir).expect("KOJO_SCREENSHOT_DIR");
            std::fs::copy(&path, Path::new(&dir).join(&file)).expect("screenshot copied");
        }
    }

    /// Fails with the page's address and visible text, and a screenshot.
    async fn fail(&self, problem: &str) -> ! {
        let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let text = match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        self.screenshot("failure").await;
        let shown: String = text.chars().take(1500).collect();
        panic!(
            "{problem}\n  page: {url}\n  screenshot: {}\n  text:\n{shown}",
            self.dir.join(format!("{}-failure.png", self.name)).display()
        );
    }
}

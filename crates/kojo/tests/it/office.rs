//! The secretariat's list, detail and exports over real HTTP, the audit trail they leave, and
//! the protections around them (sign-in, roles, CSRF, throttling), on SQLite and PostgreSQL.

use crate::common;

use common::{Backend, Setup, application, spawn_app};
use domain::access::Role;

on_both_backends!(
    staff_filter_search_sort_and_page_the_list,
    exports_open_in_excel_and_are_audited,
    viewing_an_application_is_audited_and_shown,
    only_signed_in_secretariat_reads_applications,
    cross_site_posts_are_refused,
    repeated_failed_sign_ins_are_throttled,
    administrators_edit_capacity_but_not_below_places_taken,
    the_board_warns_when_the_holiday_table_runs_out,
    administrators_start_the_next_year_from_the_office,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn seed(app: &common::TestApp) {
    // Five on ① (capacity 3: two waitlisted), two on ②; one previous participant.
    for n in 1..=5 {
        assert_eq!(app.apply(&application(n, "utm")).await.status(), 201);
    }
    for n in 6..=7 {
        let mut body = application(n, "risk_assessment");
        if n == 7 {
            body["previous_participant"] = true.into();
            body["company"]["name"] = "有限会社みどり商店".into();
            body["company"]["name_kana"] = "ゆうげんがいしゃみどりしょうてん".into();
        }
        assert_eq!(app.apply(&body).await.status(), 201);
    }
}

fn count_rows(page: &str) -> usize {
    page.matches("<td><a href=\"/office/applications/").count()
}

async fn staff_filter_search_sort_and_page_the_list(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 3, ..Setup::default() }).await;
    seed(&app).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let get = |query: &'static str| {
        let staff = staff.clone();
        let url = app.at(&format!("/office/applications{query}"));
        async move {
            let response = staff.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    assert_eq!(count_rows(&get("").await), 7);
    assert!(get("").await.contains("7件"));
    assert_eq!(count_rows(&get("?course=utm").await), 5);
    assert_eq!(count_rows(&get("?status=waitlisted").await), 2);
    assert_eq!(count_rows(&get("?course=risk_assessment&status=received").await), 2);
    assert_eq!(count_rows(&get("?flag=previous_participant").await), 1);
    // Search by name, by kana typed in hiragana, and by 法人番号 digits.
    assert_eq!(count_rows(&get("?q=%E3%81%BF%E3%81%A9%E3%82%8A").await), 1, "みどり (hiragana) finds ミドリ");
    assert_eq!(count_rows(&get("?q=%E3%83%86%E3%82%B9%E3%83%883").await), 1, "テスト3");
    let number = common::corporate_number(4);
    assert_eq!(count_rows(&get(Box::leak(format!("?q={number}").into_boxed_str())).await), 1);
    // Received today (JST) includes everything; tomorrow nothing.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(count_rows(&get(Box::leak(format!("?from={today}&to={today}").into_boxed_str())).await), 7);
    assert_eq!(count_rows(&get(Box::leak(format!("?from={tomorrow}").into_boxed_str())).await), 0);
    // Sorting by reference, both ways, gives reverse orders.
    let references = |page: &str| -> Vec<String> {
        page.split("<td><a href=\"/office/applications/")
            .skip(1)
            .map(|chunk| chunk.split('>').nth(1).unwrap().split('<').next().unwrap().to_string())
            .collect()
    };
    let ascending = references(&get("?sort=reference&dir=asc").await);
    let mut descending = references(&get("?sort=reference&dir=desc").await);
    descending.reverse();
    assert_eq!(ascending, descending);
    let mut sorted = ascending.clone();
    sorted.sort();
    assert_eq!(ascending, sorted);
    app.stop().await;
}

async fn exports_open_in_excel_and_are_audited(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 3, ..Setup::default() }).await;
    seed(&app).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let fetch = |format: &'static str| {
        let staff = staff.clone();
        let url = app.at(&format!("/office/applications/export?course=utm&format={format}"));
        async move { staff.get(url).send().await.unwrap() }
    };
    let csv = fetch("csv").await;
    assert_eq!(csv.status(), 200);
    let name = csv.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(name.contains("applications-") && name.ends_with("-utf8.csv\""), "the name says the encoding: {name}");
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert_eq!(text.lines().count(), 6, "header + 5 rows on ①");
    assert!(text.starts_with("申込番号,希望コース,状況"));
    assert!(text.contains("株式会社テスト1"));
    // Codes are shown as the pages show them, not as stored.
    let first_row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    assert!(first_row.contains(&"あり") && first_row.contains(&"未整備"), "{first_row:?}");
    assert!(!first_row.contains(&"yes") && !first_row.contains(&"none"), "{first_row:?}");

    let sjis = fetch("csv_sjis").await;
    let name = sjis.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(name.ends_with("-sjis.csv\""), "{name}");
    let sjis = sjis.bytes().await.unwrap();
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
    assert!(!errors);
    assert!(decoded.contains("キャンセル待ち"));

    let xlsx = fetch("xlsx").await.bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));
    // Read back as Excel would: numbers are numbers, times are dates.
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let sheet = book.worksheet_range("申込一覧").unwrap();
    let column = |name: &str| {
        (0..sheet.width())
            .find(|c| sheet.get_value((0, *c as u32)) == Some(&calamine::Data::String(name.into())))
            .unwrap() as u32
    };
    assert_eq!(sheet.get_value((1, column("従業員数"))), Some(&calamine::Data::Float(25.0)));
    assert!(
        matches!(sheet.get_value((1, column("受付日時"))), Some(calamine::Data::DateTime(_))),
        "{:?}",
        sheet.get_value((1, column("受付日時")))
    );
    assert!(matches!(sheet.get_value((1, column("連絡期限"))), Some(calamine::Data::DateTime(_))));

    assert_eq!(fetch("pdf").await.status(), 400);

    let audit = store::audit::recent(&app.running.db, 50).await.unwrap();
    let exports: Vec<_> = audit.iter().filter(|a| a.action == "application.export").collect();
    assert_eq!(exports.len(), 3);
    assert!(exports.iter().all(|a| a.actor_label.contains("jimukyoku@example.jp")));
    assert!(exports.iter().any(|a| a.detail.contains("\"rows\":5")));
    app.stop().await;
}

async fn viewing_an_application_is_audited_and_shown(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    seed(&app).await;
    let record = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap().remove(0);
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let page =
        staff.get(app.at(&format!("/office/applications/{}", record.id))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&record.company_name));
    assert!(page.contains(&record.contact_email));
    assert!(page.contains("application.create"), "the trail shows the submission");
    assert!(page.contains("application.view"), "and this very view");
    let trail = store::audit::for_subject(&app.running.db, "application", &record.id.to_string()).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["application.create", "application.view"]);
    assert!(trail[1].ip.as_deref() == Some("127.0.0.1"));
    // An unknown id is a 404, not an error page.
    let missing = staff.get(app.at(&format!("/office/applications/{}", uuid::Uuid::now_v7()))).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

async fn only_signed_in_secretariat_reads_applications(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    seed(&app).await;
    let record = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap().remove(0);
    let paths = [
        "/office/applications".to_string(),
        format!("/office/applications/{}", record.id),
        "/office/applications/export?format=csv".to_string(),
    ];
    let anonymous = client();
    for path in &paths {
        let response = anonymous.get(app.at(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/office/login");
    }
    for role in [Role::TokyoOfficial, Role::Expert, Role::UtmOperator] {
        let other = client();
        app.sign_in(&other, &format!("{}@example.jp", role.code()), role).await;
        for path in &paths {
            assert_eq!(other.get(app.at(path)).send().await.unwrap().status(), 403, "{role:?} {path}");
        }
    }
    // Only administrators reach the programme settings.
    let secretariat = client();
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    assert_eq!(secretariat.get(app.at("/office/programmes")).send().await.unwrap().status(), 403);
    // A forged session cookie is no session.
    let forged = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response =
        forged.get(app.at("/office/applications")).header("cookie", "kojo_session=deadbeef").send().await.unwrap();
    assert_eq!(response.status(), 303);
    app.stop().await;
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let response = app
        .client
        .post(app.at("/apply"))
        .header("origin", "https://evil.example")
        .form(&[("course", "utm")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = app
        .client
        .post(app.at("/api/v1/applications"))
        .header("sec-fetch-site", "cross-site")
        .json(&application(1, "utm"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // A same-site form without the token loses nothing: the page comes back with the values.
    let response = app
        .client
        .post(app.at("/apply"))
        .form(&[("course", "utm"), ("company.name", "株式会社トークンなし"), ("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("株式会社トークンなし"));
    assert!(page.contains("ページの有効期限が切れた"));
    // Staff forms check the session's token.
    let staff = client();
    app.sign_in(&staff, "admin2@example.jp", Role::Administrator).await;
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    let response = staff
        .post(app.at(&format!("/office/courses/{}", programme.courses[0].id)))
        .form(&[("csrf", "forged"), ("window_start", "2026-01-01"), ("window_end", "2026-12-31"), ("capacity", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(store::programmes::current(&app.running.db).await.unwrap().unwrap().courses[0].capacity, 150);
    app.stop().await;
}

async fn repeated_failed_sign_ins_are_throttled(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let staff = client();
    let password = app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let attacker = client();
    let page = attacker.get(app.at("/office/login")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let attempt = |password: String| {
        let attacker = attacker.clone();
        let csrf = csrf.clone();
        let url = app.at("/office/login");
        async move {
            attacker
                .post(url)
                .form(&[("email", "jimukyoku@example.jp"), ("password", password.as_str()), ("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong".into()).await, 401);
    }
    // Now even the right password is refused from this address until the window passes (other
    // addresses are not: hardening::a_guesser_cannot_lock_the_real_user_out).
    assert_eq!(attempt(password).await, 429);
    app.stop().await;
}

async fn administrators_edit_capacity_but_not_below_places_taken(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 3, ..Setup::default() }).await;
    seed(&app).await;
    let admin = client();
    app.sign_in(&admin, "admin2@example.jp", Role::Administrator).await;
    let page = admin.get(app.at("/office/programmes")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    let utm = &programme.courses[0];
    let post = |capacity: &'static str| {
        let admin = admin.clone();
        let csrf = csrf.clone();
        let url = app.at(&format!("/office/courses/{}", utm.id));
        let start = utm.window.start().to_string();
        let end = utm.window.end().to_string();
        async move {
            admin
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("window_start", &start),
                    ("window_end", &end),
                    ("capacity", capacity),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let refused = post("2").await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("確保済みの枠 3 を下回ります"));
    assert_eq!(post("10").await.status(), 303);
    let updated = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    assert_eq!(updated.courses[0].capacity, 10);
    assert!(store::audit::recent(&app.running.db, 5).await.unwrap().iter().any(|a| a.action == "course.update"));
    app.stop().await;
}

async fn the_board_warns_when_the_holiday_table_runs_out(backend: Backend) {
    use chrono::TimeZone;
    // The built-in table ends with 2027: on 3 December 2026 it covers the next 12 months …
    let clock = app::Clock::running_from(chrono::Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap());
    let app = common::spawn_app_with_clock(backend, Setup::default(), clock.clone(), |_| {}).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let response = staff.get(app.at("/office/board")).send().await.unwrap();
    let status = response.status();
    let board = response.text().await.unwrap();
    assert!(board.contains("作業ボード") && !board.contains("holidays-run-out"), "{status} {board}");
    // … and from January 2027 on it no longer does.
    clock.set(chrono::Utc.with_ymd_and_hms(2027, 1, 5, 0, 0, 0).unwrap());
    // (A month later the old session has expired: sign in again.)
    let staff = client();
    app.sign_in(&staff, "jimukyoku2@example.jp", Role::Secretariat).await;
    let board = staff.get(app.at("/office/board")).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("id=\"holidays-run-out\""), "{board}");
    assert!(board.contains("kojo holidays import syukujitsu.csv"));
    app.stop().await;
}

/// Issue 19: a new programme year is started from the office by copying the previous one
/// (windows a year later, capacities and agreement wording carried over, nothing taken, not
/// current), audited; the same year twice is refused; other roles cannot.
async fn administrators_start_the_next_year_from_the_office(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 3, ..Setup::default() }).await;
    seed(&app).await;
    let db = &app.running.db;
    let previous = store::programmes::current(db).await.unwrap().unwrap();
    // The year's wording exists once an agreement was prepared; save one naming the year.
    let year_ja = domain::wareki::format_fiscal_year(previous.fiscal_year);
    let wording = serde_json::json!({"fiscal_year": year_ja, "preamble": format!("{year_ja}の事業に参加します")});
    store::agreements::save_wording(db, previous.id, &wording, app::Clock::system().now()).await.unwrap();

    let secretariat = client();
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    let board = secretariat.get(app.at("/office/board")).send().await.unwrap().text().await.unwrap();
    let token = common::hidden_value(&board, "csrf");
    let url = app.at(&format!("/office/programmes/{}/next", previous.id));
    let refused = secretariat.post(&url).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(refused.status(), 403, "administrators only");

    let admin = client();
    app.sign_in(&admin, "admin2@example.jp", Role::Administrator).await;
    let page = admin.get(app.at("/office/programmes")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("この年度をもとに次年度を作成"));
    let csrf = common::hidden_value(&page, "csrf");
    let response = admin.post(&url).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(response.status(), 303);

    let years = store::programmes::list(db).await.unwrap();
    let next = years.iter().find(|p| p.fiscal_year == previous.fiscal_year + 1).expect("the next year exists");
    assert!(!next.is_current, "not current until the administrator says so");
    assert!(store::programmes::current(db).await.unwrap().unwrap().id == previous.id);
    let next_ja = domain::wareki::format_fiscal_year(previous.fiscal_year + 1);
    assert!(next.name_ja.contains(&next_ja) || !previous.name_ja.contains(&year_ja), "{}", next.name_ja);
    assert_eq!(next.courses.len(), previous.courses.len());
    for (old, new) in previous.courses.iter().zip(&next.courses) {
        assert_eq!(new.code, old.code);
        assert_eq!(new.capacity, old.capacity);
        assert_eq!((new.places_taken, new.waitlisted), (0, 0));
        assert_eq!(new.window.start(), old.window.start().checked_add_months(chrono::Months::new(12)).unwrap());
        assert_eq!(new.window.end(), old.window.end().checked_add_months(chrono::Months::new(12)).unwrap());
    }
    let carried = store::agreements::wording(db, next.id).await.unwrap().expect("wording carried over");
    assert_eq!(carried.wording["fiscal_year"], next_ja.as_str());
    assert_eq!(carried.wording["preamble"], format!("{next_ja}の事業に参加します").as_str());
    let audit = store::audit::recent(db, 5).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "programme.start_next_year" && a.subject_id == Some(next.id.to_string())));

    // The same year again: refused with words, nothing added.
    let again = admin.post(&url).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains(&(previous.fiscal_year + 1).to_string()));
    assert_eq!(store::programmes::list(db).await.unwrap().len(), years.len());
    app.stop().await;
}

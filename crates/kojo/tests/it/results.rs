//! The results report to Tokyo (実績報告) on both backends, on a seeded year with known figures:
//! every figure of its tables is worked out again here from the records (a query of the test's
//! own) and put through the small-cell rule, then found in the page, in the xlsx (one sheet per
//! table) and in the PDF's text. The same records give the same bytes; a month before the
//! applications were received counts none of them; Tokyo downloads it, a company cannot.

use chrono::{Datelike, Months};
use domain::access::Role;
use domain::programme::CourseCode;

use crate::common::{Backend, Setup, TestApp, spawn_app};

on_both_backends!(the_results_report_holds_the_year_s_figures_suppressed_in_pdf_and_xlsx);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn download(client: &reqwest::Client, app: &TestApp, query: &str) -> (reqwest::StatusCode, Vec<u8>) {
    let response = client.get(app.at(&format!("/office/reports/results?{query}"))).send().await.unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

/// `shown` is `truth`, or the mark the small-cell rule gives it: "<5" for 1 to 4, "x" (hidden
/// beside a small figure) for 0 or 5 and more.
fn shown_as(shown: &str, truth: u64, what: &str) {
    match shown {
        "<5" => assert!((1..5).contains(&truth), "{what}: <5 for {truth}"),
        "x" => assert!(truth == 0 || truth >= 5, "{what}: x for {truth}"),
        // Withheld: says nothing.
        "—" => {}
        figure => assert_eq!(figure, truth.to_string(), "{what}"),
    }
    if (1..5).contains(&truth) {
        assert!(shown == "<5" || shown == "—", "{what}: {truth} is small, shown as {shown}");
    }
}

/// The row of `label` in sheet `sheet` of `xlsx`, its cells under `headers` (the first is the
/// table's title, heading the labels' column).
fn sheet_row(xlsx: &[u8], sheet: &str, headers: &[&str], label: &str) -> Vec<String> {
    let rows = documents::sheet::read_xlsx(xlsx, sheet, headers, 100).unwrap_or_else(|e| panic!("{sheet}: {e}"));
    rows.into_iter().find(|row| row.cells[0] == label).unwrap_or_else(|| panic!("no row {label} in {sheet}")).cells[1..]
        .to_vec()
}

async fn the_results_report_holds_the_year_s_figures_suppressed_in_pdf_and_xlsx(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    // Six participants in course ①, one in course ②, two more applications for course ①.
    for n in 1..=6 {
        crate::incidents::participant_in(&app, n, CourseCode::Utm).await;
    }
    crate::incidents::participant_in(&app, 7, CourseCode::RiskAssessment).await;
    for n in 8..=9 {
        assert_eq!(app.apply(&crate::common::application(n, "utm")).await.status(), 201);
    }
    // Five of course ① have a UTM; one has been removed already (its support completed); the
    // last application was withdrawn.
    let db = &app.running.db;
    let participants: Vec<_> = store::applications::list_all(db, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.status == domain::case::CaseState::Confirmed && a.course_code == CourseCode::Utm)
        .collect();
    let yesterday = app.running.clock.today() - chrono::Duration::days(1);
    for (i, company) in participants.iter().take(5).enumerate() {
        let device = crate::incidents::installed(&app, company.id, &format!("FGT60FRESULTS{i}")).await;
        if i == 0 {
            let removed = store::devices::DeviceChange::Removed(yesterday);
            store::devices::change(db, device, removed, chrono::Utc::now()).await.unwrap();
        }
    }
    let withdrawn = store::applications::list_all(db, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.status == domain::case::CaseState::Received)
        .unwrap();
    let act = store::cases::Act {
        application_id: withdrawn.id,
        actor: store::audit::Actor::System("test"),
        ip: None,
        reason: Some("社内の事情".into()),
        email: None,
    };
    let tx = db.begin().await.unwrap();
    let calendar = domain::calendar::BusinessCalendar::japan();
    store::cases::apply(&tx, &calendar, &act, domain::case::CaseEvent::Withdraw, chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    // The test programme's year, and this month (at most the year's last).
    let fiscal_year = store::programmes::current(&app.running.db).await.unwrap().unwrap().fiscal_year;
    let year_end = chrono::NaiveDate::from_ymd_opt(fiscal_year + 1, 3, 31).unwrap();
    let today = app.running.clock.today().min(year_end);
    let month = today.format("%Y-%m").to_string();
    let query = format!("year={fiscal_year}&month={month}");

    // The figures, from the records.
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    let filter = store::applications::ApplicationFilter { programme_id: Some(programme.id), ..Default::default() };
    let all = store::applications::list_all(&app.running.db, &filter).await.unwrap();
    let count = |course: CourseCode, confirmed: bool| {
        all.iter()
            .filter(|a| a.course_code == course)
            .filter(|a| !confirmed || a.status == domain::case::CaseState::Confirmed)
            .count() as u64
    };
    assert_eq!((count(CourseCode::Utm, false), count(CourseCode::Utm, true)), (8, 6), "the seeded year");
    let on_time =
        all.iter().filter(|a| a.first_contact_at.is_some_and(|at| app::clock::tokyo_date(at) <= a.contact_due)).count()
            as u64;
    let waitlisted = all.iter().filter(|a| a.status == domain::case::CaseState::Waitlisted).count() as u64;
    let closed = all.iter().filter(|a| a.first_contact_at.is_none() && a.status.is_closed()).count() as u64;
    let waiting = all.iter().filter(|a| a.first_contact_at.is_none()).count() as u64 - waitlisted - closed;
    assert_eq!((on_time, waiting, closed), (7, 1, 1));

    // The page.
    let page = tokyo.get(app.at(&format!("/office/reports/results?{query}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("コース別の申込企業数・参加企業数") && page.contains("受付から3営業日以内の連絡"));
    assert!(!page.contains("株式会社テスト"), "no company named");

    // The xlsx: every figure is the one worked out here, or marked as the rule says — "<5" for
    // 1 to 4, "x" for 0 or 5 and more — and no small figure can be worked out from the rest.
    let (status, xlsx) = download(&tokyo, &app, &format!("{query}&format=xlsx")).await;
    assert_eq!(status, 200);
    let courses = ["コース別の申込企業数・参加企業数", "申込", "参加"];
    let utm = CourseCode::Utm.default_name_ja();
    let risk = CourseCode::RiskAssessment.default_name_ja();
    let table1 = |label: &str| sheet_row(&xlsx, "01_courses", &courses, label);
    let applied = count(CourseCode::Utm, false) + count(CourseCode::RiskAssessment, false);
    let taking_part = count(CourseCode::Utm, true) + count(CourseCode::RiskAssessment, true);
    for (label, truths) in [
        (utm, [count(CourseCode::Utm, false), count(CourseCode::Utm, true)]),
        (risk, [count(CourseCode::RiskAssessment, false), count(CourseCode::RiskAssessment, true)]),
        ("計", [applied, taking_part]),
    ] {
        for (shown, truth) in table1(label).iter().zip(truths) {
            shown_as(shown, truth, &format!("table 1, {label}"));
        }
    }
    assert_eq!(table1(risk), ["<5", "<5"], "one company in course ② shows as <5");
    assert!(
        table1(utm)[0] == "x" || table1("計")[0] == "x",
        "8 of 9 applications would give course ②'s one away: {:?} {:?}",
        table1(utm),
        table1("計")
    );
    assert!(table1(utm)[1] == "x" || table1("計")[1] == "x", "and 6 of 7 participants");
    let contact_headers = ["受付から3営業日以内の連絡", "企業数"];
    let contact = |label: &str| sheet_row(&xlsx, "06_contact", &contact_headers, label)[0].clone();
    for (label, truth) in [
        ("期限内に連絡", on_time),
        ("期限後に連絡", 0),
        ("未連絡（期限超過）", 0),
        ("未連絡（期限前）", waiting),
        ("連絡前に終了", closed),
        ("キャンセル待ち（連絡の対象外）", waitlisted),
        ("計", applied),
    ] {
        shown_as(&contact(label), truth, label);
    }
    assert_eq!(contact("未連絡（期限前）"), "<5");
    assert_eq!(contact("連絡前に終了"), "<5");
    // The funnel: each application once, at the furthest step it reached, by where it stands.
    let funnel = [
        "申込みから支援完了まで（最も進んだ段階別・現在の状況別）",
        "参加中",
        "手続中",
        "辞退",
        "対象外",
        "取消",
        "計",
    ];
    let row = |label: &str| sheet_row(&xlsx, "05_funnel", &funnel, label);
    let truths: [(&str, [u64; 6]); 7] = [
        ("申込み", [0, 1, 1, 0, 0, 2]),
        ("申込完了（連絡済）", [0; 6]),
        ("コース決定", [0; 6]),
        ("東京都承認", [0; 6]),
        ("参加確定", [6, 0, 0, 0, 0, 6]),
        ("支援完了", [1, 0, 0, 0, 0, 1]),
        ("計", [7, 1, 1, 0, 0, 9]),
    ];
    for (label, truth) in truths {
        for (column, (shown, truth)) in row(label).iter().zip(truth).enumerate() {
            shown_as(shown, truth, &format!("funnel, {label}, column {column}"));
        }
    }
    // The funnel prints the totals as table 1 does (its taking part is table 1's participants,
    // its total table 1's applications); those two (7 of 9) leave the other 2 as 1 waiting and
    // 1 withdrawn, so its breakdown is withheld whole ("—"), saying nothing.
    assert_eq!(row("計")[0], table1("計")[1]);
    assert_eq!(row("計")[5], table1("計")[0]);
    assert_eq!((table1("計")[0].as_str(), table1("計")[1].as_str()), ("9", "7"), "table 1 prints both totals");
    assert_eq!(row("計")[1..5], ["—", "—", "—", "—"], "{:?}", row("計"));
    assert_eq!(row("申込み"), ["—"; 6]);
    let industries_total = sheet_row(&xlsx, "02_industries", &["業種別の参加企業数", utm, risk, "計"], "計");
    assert_eq!(industries_total[2], row("計")[0], "the industries table's total is the same figure");
    // The UTMs: four in their trial, one removed.
    let devices = ["UTMの設置状況（台数）", "台数"];
    assert_eq!(sheet_row(&xlsx, "08_devices", &devices, "無償体験中"), ["<5"]);
    assert_eq!(sheet_row(&xlsx, "08_devices", &devices, "撤去済"), ["<5"]);
    assert_eq!(sheet_row(&xlsx, "08_devices", &devices, "計"), ["5"], "five devices of five companies");
    let categories = ["UTMの検知（種類別、遮断・検知のみ）", "遮断", "検知のみ（通過）"];
    assert_eq!(sheet_row(&xlsx, "09_categories", &categories, "計"), ["0", "0"], "no log received");
    assert_eq!(
        sheet_row(&xlsx, "06_contact", &contact_headers, "計")[0],
        sheet_row(&xlsx, "01_courses", &courses, "計")[0],
        "every application is in the contact table: the same total as table 1's applications"
    );
    // Course ①'s participants are hidden in table 1 (to keep course ②'s one from its total), so
    // the guidance table, whose counts add up to them, is withheld whole.
    let guidance = ["経営指導（コース①、作成時点の状況）", "企業数・点"];
    assert_eq!(sheet_row(&xlsx, "13_guidance", &guidance, "参加企業（コース①）"), ["x"]);
    assert_eq!(sheet_row(&xlsx, "13_guidance", &guidance, "訪問 0 回の企業"), ["x"]);

    // The PDF: the same figures in its text.
    let (status, pdf) = download(&tokyo, &app, &format!("{query}&format=pdf")).await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF"));
    if let Ok(dir) = std::env::var("KOJO_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("results-report-{backend:?}.pdf")), &pdf).unwrap();
    }
    if let Some(text) = crate::agreement::pdf_text(&pdf) {
        assert!(text.contains("事業実績報告") && text.contains("受付から3営業日以内の連絡"), "{text}");
        let line = format!("期限内に連絡{}", contact("期限内に連絡"));
        assert!(text.contains(&line), "{line} in {text}");
        assert!(!text.contains("株式会社テスト"));
    }

    // Same records, same bytes.
    assert_eq!(download(&tokyo, &app, &format!("{query}&format=pdf")).await.1, pdf, "the PDF is reproducible");
    assert_eq!(download(&tokyo, &app, &format!("{query}&format=xlsx")).await.1, xlsx, "the xlsx is reproducible");

    // A month before the applications came in counts none of them (when it is in the same year).
    let last_month = today.with_day(1).unwrap() - Months::new(1);
    if last_month.month() != 3 {
        let earlier = format!("year={fiscal_year}&month={}&format=xlsx", last_month.format("%Y-%m"));
        let (status, old) = download(&tokyo, &app, &earlier).await;
        assert_eq!(status, 200);
        assert_eq!(sheet_row(&old, "01_courses", &courses, "計"), ["0", "0"]);
    }

    // Eight more applications: the 10 not taking part are no longer pinned by the totals, and
    // the funnel shows its breakdown, each figure true or marked.
    for n in 10..=17 {
        assert_eq!(app.apply(&crate::common::application(n, "utm")).await.status(), 201);
    }
    let (_, xlsx) = download(&tokyo, &app, &format!("{query}&format=xlsx")).await;
    let row = |label: &str| sheet_row(&xlsx, "05_funnel", &funnel, label);
    let truths: [(&str, [u64; 6]); 4] = [
        ("申込み", [0, 9, 1, 0, 0, 10]),
        ("参加確定", [6, 0, 0, 0, 0, 6]),
        ("支援完了", [1, 0, 0, 0, 0, 1]),
        ("計", [7, 9, 1, 0, 0, 17]),
    ];
    for (label, truth) in truths {
        let shown = row(label);
        assert!(!shown.contains(&"—".to_string()), "{label}: {shown:?}");
        for (column, (shown, truth)) in shown.iter().zip(truth).enumerate() {
            shown_as(shown, truth, &format!("funnel of 17, {label}, column {column}"));
        }
    }
    assert_eq!(row("支援完了")[0], "<5", "the company whose UTM was removed");
    assert_eq!(row("申込み")[2], "<5", "the withdrawn one");
    assert_eq!(row("計")[5], "17");

    // Bad input and other readers.
    assert_eq!(download(&tokyo, &app, &format!("year={fiscal_year}&month=1999-01")).await.0, 400);
    assert_eq!(download(&tokyo, &app, "year=abc").await.0, 400);
    assert_eq!(download(&tokyo, &app, &format!("{query}&format=docx")).await.0, 400);
    assert_eq!(download(&tokyo, &app, "year=1990").await.0, 404, "no such programme year");
    let expert = client();
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    assert_eq!(download(&expert, &app, &query).await.0, 403);
    let company = crate::agreement::company_session(&app, all[0].id).await;
    assert_eq!(download(&company, &app, &query).await.0, 403, "a company user is no staff");
    app.stop().await;
}

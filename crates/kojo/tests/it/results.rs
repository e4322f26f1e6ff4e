//! The results report to Tokyo (実績報告) on both backends, on a seeded year with known figures:
//! every figure of its tables is worked out again here from the records (a query of the test's
//! own) and put through the small-cell rule, then found in the page, in the xlsx (one sheet per
//! table) and in the PDF's text. The same records give the same bytes; a month before the
//! applications were received counts none of them; Tokyo downloads it, a company cannot.

use chrono::{Datelike, Months};
use domain::access::Role;
use domain::disclosure::{self, Cell};
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
    let applied =
        disclosure::suppress(&[vec![count(CourseCode::Utm, false)], vec![count(CourseCode::RiskAssessment, false)]]);
    let taking_part =
        disclosure::suppress(&[vec![count(CourseCode::Utm, true)], vec![count(CourseCode::RiskAssessment, true)]]);
    assert_eq!((count(CourseCode::Utm, false), count(CourseCode::Utm, true)), (8, 6), "the seeded year");
    let on_time =
        all.iter().filter(|a| a.first_contact_at.is_some_and(|at| app::clock::tokyo_date(at) <= a.contact_due)).count()
            as u64;
    let waitlisted = all.iter().filter(|a| a.status == domain::case::CaseState::Waitlisted).count() as u64;
    let waiting = all.iter().filter(|a| a.first_contact_at.is_none()).count() as u64 - waitlisted;
    let contact = disclosure::suppress(&[vec![on_time], vec![0], vec![0], vec![waiting], vec![0], vec![waitlisted]]);
    assert_eq!((on_time, waiting), (7, 2));

    // The page.
    let page = tokyo.get(app.at(&format!("/office/reports/results?{query}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("コース別の申込企業数・参加企業数") && page.contains("受付から3営業日以内の連絡"));
    assert!(!page.contains("株式会社テスト"), "no company named");

    // The xlsx: every figure of the two tables as worked out above.
    let (status, xlsx) = download(&tokyo, &app, &format!("{query}&format=xlsx")).await;
    assert_eq!(status, 200);
    let courses = ["コース別の申込企業数・参加企業数", "申込", "参加"];
    let utm = CourseCode::Utm.default_name_ja();
    let risk = CourseCode::RiskAssessment.default_name_ja();
    assert_eq!(
        sheet_row(&xlsx, "01_courses", &courses, utm),
        [applied.cells[0][0].label(), taking_part.cells[0][0].label()]
    );
    assert_eq!(
        sheet_row(&xlsx, "01_courses", &courses, risk),
        [applied.cells[1][0].label(), taking_part.cells[1][0].label()]
    );
    assert_eq!(sheet_row(&xlsx, "01_courses", &courses, "計"), [applied.total.label(), taking_part.total.label()]);
    assert_eq!(taking_part.cells[1][0], Cell::Small, "one company in course ② shows as <5");
    assert!(taking_part.cells[0][0].is_hidden(), "and the six of course ① cannot give it away");
    let contact_headers = ["受付から3営業日以内の連絡", "企業数"];
    assert_eq!(sheet_row(&xlsx, "06_contact", &contact_headers, "期限内に連絡"), [contact.cells[0][0].label()]);
    assert_eq!(sheet_row(&xlsx, "06_contact", &contact_headers, "未連絡（期限前）"), [contact.cells[3][0].label()]);
    assert_eq!(sheet_row(&xlsx, "06_contact", &contact_headers, "計"), [contact.total.label()]);
    assert_eq!(
        sheet_row(&xlsx, "06_contact", &contact_headers, "計")[0],
        sheet_row(&xlsx, "01_courses", &courses, "計")[0],
        "every application is in the contact table: the same total as table 1's applications"
    );
    // Course ①'s participants are hidden in table 1 (to keep course ②'s one from its total), so
    // the guidance table, whose counts add up to them, is withheld whole.
    let guidance = ["経営指導（コース①、作成時点の状況）", "企業数・点"];
    assert_eq!(sheet_row(&xlsx, "11_guidance", &guidance, "参加企業（コース①）"), ["x"]);
    assert_eq!(sheet_row(&xlsx, "11_guidance", &guidance, "訪問 0 回の企業"), ["x"]);

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
        let line = format!("期限内に連絡{}", contact.cells[0][0].label());
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

//! The public statistics (`/stats`) on both backends: nothing before the first publication; the
//! monthly job publishes the figures of what was recorded before the month began; small cells show
//! as "<5" and the figures that would give them away as "x", on the page and in the CSV; no
//! company is named; a new month's publication counts the new records.

use chrono::Datelike;
use domain::programme::CourseCode;
use serde_json::Value;

use crate::common::{Backend, Setup, TestApp, application, spawn_app_configured};

on_both_backends!(the_public_figures_are_published_daily_without_small_cells);

/// An application of company `n` in `industry`, at `address`, with `employees`.
fn company(n: u32, course: CourseCode, industry: &str, address: &str, employees: u32) -> Value {
    let mut form = application(n, course.code());
    form["company"]["industry"] = industry.into();
    form["company"]["address"] = address.into();
    form["company"]["employees"] = employees.into();
    form
}

async fn publish(app: &TestApp) {
    let settings = kojo::maintenance::Settings::from_config(&app.config);
    let pass = kojo::jobs::run_due_jobs(&app.running.services, &settings, &app.running.clock).await.unwrap();
    assert_eq!(pass.failed, 0, "{pass:?}");
}

/// The cells of the body and foot rows of the table with id `id` on the page (header cell
/// first), read from Kojo's own markup: one `<th>`/`<td>` per cell, text only.
fn table(page: &str, id: &str) -> Vec<Vec<String>> {
    let start = page.find(&format!("<table class=\"table\" id=\"{id}\">")).unwrap_or_else(|| panic!("no table {id}"));
    let markup = &page[start..];
    let markup = &markup[..markup.find("</table>").unwrap()];
    let body = &markup[markup.find("<tbody>").unwrap()..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|cell| cell.starts_with('h') || cell.starts_with('d'))
                .filter_map(|cell| {
                    cell.split_once('>').map(|(_, rest)| unescape(rest.split('<').next().unwrap_or("").trim()))
                })
                .collect()
        })
        .collect()
}

/// Text as the page escapes it, read back.
fn unescape(text: &str) -> String {
    text.replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

async fn the_public_figures_are_published_daily_without_small_cells(backend: Backend) {
    let app = spawn_app_configured(backend, Setup::default(), |config| config.worker = false).await;
    let page = app.client.get(app.at("/stats")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("集計はまだ公開されていません"), "{page}");
    assert_eq!(app.client.get(app.at("/stats?format=csv")).send().await.unwrap().status(), 404);

    // Course ①: 6 manufacturers in 新宿区 (25 people), 2 shops in 八王子市 (3 people); course ②:
    // 5 service companies in 港区 (60 people); 3 more applications to course ① not yet confirmed.
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    for _ in 0..6 {
        let form = company(next(), CourseCode::Utm, "manufacturing", "新宿区西新宿2-8-1", 25);
        crate::incidents::participant_from(&app, &form, CourseCode::Utm).await;
    }
    for _ in 0..2 {
        let form = company(next(), CourseCode::Utm, "retail", "八王子市元本郷町3-24-1", 3);
        crate::incidents::participant_from(&app, &form, CourseCode::Utm).await;
    }
    for _ in 0..5 {
        let form = company(next(), CourseCode::RiskAssessment, "services", "東京都港区芝公園4-2-8", 60);
        crate::incidents::participant_from(&app, &form, CourseCode::RiskAssessment).await;
    }
    for _ in 0..3 {
        let response = app.apply(&application(next(), "utm")).await;
        assert_eq!(response.status(), 201);
    }

    // This month's publication counts what was recorded before the month began: nothing yet.
    publish(&app).await;
    let page = app.client.get(app.at("/stats")).send().await.unwrap().text().await.unwrap();
    let courses = table(&page, "courses");
    assert_eq!(courses[0][1..], ["0", "0"], "today's applications wait for tomorrow's figures: {courses:?}");

    // Next month's publication.
    let today = app.running.clock.today();
    let next_month = (today.with_day(1).unwrap() + chrono::Months::new(1)) - today;
    app.running.clock.advance(next_month + chrono::Duration::hours(1));
    publish(&app).await;
    let page = app.client.get(app.at("/stats")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("株式会社テスト") && !page.contains("西新宿"), "no company is named");
    assert_eq!(
        table(&page, "courses"),
        [
            vec!["支援① UTM機器設置コース", "11", "8"],
            vec!["支援② セキュリティリスクアセスメントコース", "5", "5"],
            vec!["計", "16", "13"]
        ],
        "applied and taking part"
    );
    // Industries × courses: the 2 shops are "<5"; the 6 manufacturers ("x") hide them from the
    // course ① total 8, and the manufacturers' row total ("x") from the grand total 13.
    let industries = table(&page, "industries");
    let row = |label: &str| industries.iter().find(|r| r[0] == label).cloned().unwrap_or_default();
    assert_eq!(row("製造業")[1..], ["x", "0", "x"]);
    assert_eq!(row("小売業")[1..], ["<5", "0", "<5"]);
    assert_eq!(row("サービス業")[1..], ["0", "5", "5"]);
    assert_eq!(row("計")[1..], ["8", "5", "13"]);
    // By area, every row printed: 多摩地域 (the 2 shops) "<5", 区部 "x" so that 13 − 11 does
    // not give it away.
    assert_eq!(
        table(&page, "places"),
        [vec!["区部", "x"], vec!["多摩地域", "<5"], vec!["島しょ部", "0"], vec!["都外・不明", "0"], vec!["計", "13"]]
    );
    let sizes = table(&page, "sizes");
    assert_eq!(sizes.iter().find(|r| r[0] == "5人以下").unwrap()[1..], ["<5", "0", "<5"]);
    assert!(page.contains("id=\"two-star\">0<"), "no declaration yet");
    assert!(unescape(&page).contains("「<5」は5社未満"), "the note explains the marks");

    // The CSV says the same.
    let csv = app.client.get(app.at("/stats?format=csv")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let csv = String::from_utf8(csv.bytes().await.unwrap().to_vec()).unwrap();
    assert!(csv.contains("業種別の参加企業数,小売業,支援① UTM機器設置コース,<5"), "{csv}");
    assert!(csv.contains("業種別の参加企業数,製造業,支援① UTM機器設置コース,x"), "{csv}");
    assert!(csv.contains("地域別の参加企業数,計,参加,13"), "{csv}");
    assert!(!csv.contains("株式会社"));
    // English.
    let english = app.client.get(app.at("/stats?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("Companies taking part, by industry"), "{english}");
    app.stop().await;
}

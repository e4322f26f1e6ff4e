//! The results report to Tokyo (実績報告) on both backends, on a seeded year with known figures:
//! every figure of its tables is worked out again here from the records (a query of the test's
//! own) and put through the small-cell rule, then found in the page, in the xlsx (one sheet per
//! table) and in the PDF's text. The same records give the same bytes; a month before the
//! applications were received counts none of them; Tokyo downloads it, a company cannot.

use chrono::{Datelike, Months};
use domain::access::Role;
use domain::programme::CourseCode;

use crate::common::{Backend, Setup, TestApp, spawn_app};

on_both_backends!(
    the_results_report_holds_the_year_s_figures_suppressed_in_pdf_and_xlsx,
    guidance_and_risk_are_counted_as_they_stood_on_the_report_s_day,
);

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
    let guidance = ["経営指導（コース①）", "企業数・点"];
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

/// The guidance and risk tables of a past month count what had happened before its day, by the
/// records' own times: a visit reported later, a second round, a policy's next version, a ★★
/// declaration and a reassignment after the day leave that day's figures as they were; a risk
/// report released later was still a draft then, and the risk values are those of the report the
/// company had been given.
async fn guidance_and_risk_are_counted_as_they_stood_on_the_report_s_day(backend: Backend) {
    use app::stats::Moment;
    use domain::disclosure::{Audience, Cell};
    let app = spawn_app(backend, Setup::default()).await;
    let (db, services) = (&app.running.db, &app.running.services);
    let start = chrono::Utc::now() - chrono::Duration::seconds(1);
    let first = crate::incidents::participant_in(&app, 1, CourseCode::Utm).await;
    let second = crate::incidents::participant_in(&app, 2, CourseCode::Utm).await;
    let assessed = crate::incidents::participant_in(&app, 3, CourseCode::RiskAssessment).await;
    let programme = store::programmes::current(db).await.unwrap().unwrap().id;
    // Before the report's day began (`before`), after it (`after`); whole seconds, as a day's
    // start is, so that one event falls exactly on it (PostgreSQL keeps microseconds).
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0);
    let (before, day, after) =
        (now + chrono::Duration::hours(1), now + chrono::Duration::days(1), now + chrono::Duration::days(2));
    let user = |email: &'static str, role: Role| async move {
        let new = store::accounts::NewUser {
            email,
            display_name: "テスト専門家",
            role,
            password_hash: None,
            company_application_id: None,
            must_change_password: false,
        };
        store::accounts::create_user(db, new, now).await.unwrap()
    };
    let (expert, other) = (user("expert@example.jp", Role::Expert).await, user("other@example.jp", Role::Expert).await);
    let tx = db.begin().await.unwrap();
    store::guidance::assign(&tx, first, expert, before).await.unwrap();
    store::guidance::assign(&tx, first, other, after).await.unwrap();
    store::guidance::assign(&tx, assessed, expert, before).await.unwrap();
    // Two visits reported: one before the day (its report corrected after it), one just as the
    // day began (not before it).
    let report = store::guidance::Report {
        attendees: "代表".into(),
        topics: "現状確認".into(),
        findings: "なし".into(),
        next_steps: Vec::new(),
    };
    for at in [before, day] {
        let new = store::guidance::NewVisit {
            application_id: first,
            mode: "onsite".into(),
            starts_at: at,
            ends_at: at,
            expert_user_id: expert,
        };
        let visit = store::guidance::plan(&tx, &new, now).await.unwrap();
        store::guidance::record(&tx, visit.id, &report, at).await.unwrap();
        if at == before {
            store::guidance::record(&tx, visit.id, &report, after).await.unwrap();
        }
    }
    // A complete round before (all done: 100 points), another after (all partly: 50).
    for (answer, at) in [(domain::guidance::Answer::Done, before), (domain::guidance::Answer::Partly, after)] {
        let answers: Vec<(u8, domain::guidance::Answer)> = (1..=25).map(|n| (n, answer)).collect();
        let score = domain::guidance::score(&answers).unwrap();
        store::guidance::save_round(&tx, first, &answers, &score, "テスト", at).await.unwrap();
    }
    // The policy published before, its next version after (which takes the first down then).
    for at in [before, after] {
        let draft = store::guidance::PolicyDraft {
            sections: vec![domain::guidance::PolicySection { title: "目的".into(), body: "守る".into() }],
            enacted_on: None,
            representative: None,
        };
        store::guidance::save_draft(&tx, first, &draft, "first-company", at).await.unwrap();
        store::guidance::publish(&tx, first, at).await.unwrap();
    }
    // The second company's policy was published and taken down before the day, its next version
    // published after it: none of its versions was public that day.
    let draft = store::guidance::PolicyDraft {
        sections: vec![domain::guidance::PolicySection { title: "目的".into(), body: "守る".into() }],
        enacted_on: None,
        representative: None,
    };
    store::guidance::save_draft(&tx, second, &draft, "second-company", before).await.unwrap();
    store::guidance::publish(&tx, second, before).await.unwrap();
    store::guidance::withdraw(&tx, second, before + chrono::Duration::minutes(1)).await.unwrap();
    store::guidance::save_draft(&tx, second, &draft, "second-company", after).await.unwrap();
    store::guidance::publish(&tx, second, after).await.unwrap();
    // ★★ declared after the day (no day given: when it was recorded counts).
    let id = domain::guidance::DeclarationId::parse("123456789012").unwrap();
    store::guidance::record_declaration(&tx, first, &id, None, after).await.unwrap();
    tx.commit().await.unwrap();

    let guidance =
        |moment| async move { app::guidance::figures_for(services, Audience::Inside, moment).await.unwrap() };
    let count = |cells: &[Cell]| cells.to_vec();
    let then = guidance(Moment::Before(programme, day)).await;
    assert_eq!(then.participants, Cell::Count(2));
    assert_eq!(then.with_expert, Cell::Count(1), "assigned before the day; reassigned later, still then");
    assert_eq!(
        count(&then.by_visits_done),
        [Cell::Count(1), Cell::Count(1), Cell::Count(0), Cell::Count(0), Cell::Count(0)]
    );
    assert_eq!(
        (then.diagnosed, then.baseline_average, then.latest_average),
        (Cell::Count(1), Some(100.0), Some(100.0))
    );
    assert_eq!(then.policies_published, Cell::Count(1), "the first company's first version only");
    assert_eq!((then.two_star_ready, then.two_star_declared), (Cell::Count(1), Cell::Count(0)));
    let later = guidance(Moment::Before(programme, after + chrono::Duration::hours(1))).await;
    assert_eq!(
        count(&later.by_visits_done),
        [Cell::Count(1), Cell::Count(0), Cell::Count(1), Cell::Count(0), Cell::Count(0)]
    );
    assert_eq!((later.baseline_average, later.latest_average), (Some(100.0), Some(50.0)));
    assert_eq!((later.two_star_ready, later.two_star_declared), (Cell::Count(0), Cell::Count(1)));
    assert_eq!(later.policies_published, Cell::Count(2));
    assert_eq!(later, guidance(Moment::Now(Some(programme))).await, "everything has happened by now");
    // Before the companies were confirmed, none of them took part.
    assert_eq!(guidance(Moment::Before(programme, start)).await.participants, Cell::Count(0));

    // Risk assessment: two rows registered before the day, one rated (value 6); the report drafted
    // from them before the day and released after it; the second row rated after the day.
    let rated = domain::risk::AssetInput {
        business: "営業".into(),
        name: "顧客名簿".into(),
        media: "クラウド".into(),
        personal: "個人情報".into(),
        confidentiality: "3".into(),
        integrity: "2".into(),
        availability: "2".into(),
        threat: "3".into(),
        vulnerability: "2".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let unrated = domain::risk::Asset { name: "見積書".into(), threat: None, vulnerability: None, ..rated.clone() };
    let tx = db.begin().await.unwrap();
    store::risk::add_asset(&tx, assessed, &rated, "テスト", before).await.unwrap();
    let second_row = store::risk::add_asset(&tx, assessed, &unrated, "テスト", before).await.unwrap();
    tx.commit().await.unwrap();
    let secretariat = store::accounts::get_user(db, user("office@example.jp", Role::Secretariat).await).await.unwrap();
    let actor = app::Actor::user(&secretariat, app::Via::Page, None);
    let assessment = app::risk::view(services, &actor, assessed, before).await.unwrap();
    let data = serde_json::to_value(app::risk::report_data(&assessment, before)).unwrap();
    let tx = db.begin().await.unwrap();
    let draft =
        store::risk::save_draft(&tx, assessed, &data, b"%PDF-1.7 test".to_vec(), "テスト", before).await.unwrap();
    store::risk::release(&tx, assessed, draft.id, "テスト", after).await.unwrap();
    let rated_later = domain::risk::Asset { name: "見積書".into(), ..rated.clone() };
    store::risk::update_asset(&tx, assessed, second_row.id, &rated_later, "テスト", after).await.unwrap();
    tx.commit().await.unwrap();

    let risk = |moment| async move { app::risk::figures_for(services, Audience::Inside, moment).await.unwrap() };
    let stage = |figures: &app::risk::Figures, stage: app::risk::Stage| {
        figures.by_stage[app::risk::Stage::ALL.iter().position(|s| *s == stage).unwrap()]
    };
    let value_six = |figures: &app::risk::Figures| figures.by_value[4];
    let then = risk(Moment::Before(programme, day)).await;
    assert_eq!((then.participants, then.with_expert), (Cell::Count(1), Cell::Count(1)));
    assert_eq!(stage(&then, app::risk::Stage::ReportDraft), Cell::Count(1), "drafted, not yet released");
    assert_eq!(value_six(&then), Cell::Count(0), "no report given yet: no risk values");
    let later = risk(Moment::Before(programme, after + chrono::Duration::hours(1))).await;
    assert_eq!(stage(&later, app::risk::Stage::Released), Cell::Count(1));
    assert_eq!(value_six(&later), Cell::Count(1), "the released report's one rated row");
    let now_figures = risk(Moment::Now(Some(programme))).await;
    assert_eq!(value_six(&now_figures), Cell::Count(2), "the register as it stands: both rows rated");

    // The incident desk: a ticket opened now and answered after the day was not yet answered then.
    let operator = store::accounts::get_user(db, user("desk@example.jp", Role::UtmOperator).await).await.unwrap();
    let operator = app::Actor::user(&operator, app::Via::Page, None);
    let input = domain::incident::TicketInput {
        category: "consultation".into(),
        subject: "不審なメール".into(),
        description: "開いてよいか確認したい".into(),
        ..Default::default()
    };
    let channel = domain::incident::Channel::Phone;
    let ticket = app::incidents::open_for(services, &operator, first, channel, &input, now).await.unwrap();
    let text = app::cases::MessageText::parse("確認します。開かずにお待ちください。").unwrap();
    app::incidents::reply(services, &operator, ticket.id, &text, false, after).await.unwrap();
    let month = app::reports::Month::parse(&app::clock::tokyo_date(now).format("%Y-%m").to_string()).unwrap();
    let desk = |moment| {
        let month = month.clone();
        async move { app::incidents::month_figures_for(services, Audience::Inside, month, moment).await.unwrap() }
    };
    // Another, resolved before the day and reopened after it: resolved on that day.
    let reopened = app::incidents::open_for(services, &operator, first, channel, &input, now).await.unwrap();
    for (event, at) in [
        (domain::incident::TicketEvent::Start, now),
        (domain::incident::TicketEvent::Resolve, before),
        (domain::incident::TicketEvent::Reopen, after),
    ] {
        app::incidents::change_status(services, &operator, reopened.id, event, at).await.unwrap();
    }
    let then = desk(Moment::Before(programme, day)).await;
    // The second was answered as it was started; the first only after the day.
    assert_eq!((then.opened, then.responded, then.resolved), (Cell::Count(2), Cell::Count(1), Cell::Count(1)));
    assert_eq!(then.mean_first_response_minutes, Some(0.0));
    let later = desk(Moment::Before(programme, after + chrono::Duration::hours(1))).await;
    assert_eq!((later.opened, later.responded, later.resolved), (Cell::Count(2), Cell::Count(2), Cell::Count(0)));
    assert_eq!(later.mean_first_response_minutes, Some((after - now).num_minutes() as f64 / 2.0));
}

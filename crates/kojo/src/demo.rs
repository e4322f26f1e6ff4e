//! `kojo serve --demo`: on an empty database, a programme year whose windows are open today,
//! one staff account per role (passwords printed once), and sample cases at different steps,
//! made through the same use cases as the pages — so every screen can be tried in minutes.
//! Without `--demo` nothing sample is created; on a database that already has users, `--demo`
//! changes nothing.

use chrono::{Datelike, Duration};
use domain::access::Role;
use domain::case::{CaseEvent, ContactNote, StatusCheck};
use domain::programme::CourseCode;
use store::Db;
use uuid::Uuid;

use crate::Config;
use crate::setup;

/// A sample account, as printed at start.
pub struct DemoAccount {
    pub role: Role,
    pub email: String,
    pub password: String,
}

/// What `load` made; `None` from [`load`] when the database was not empty.
pub struct Demo {
    pub accounts: Vec<DemoAccount>,
    pub cases: usize,
}

const STAFF: [(Role, &str, &str); 5] = [
    (Role::Administrator, "admin@demo.kojo.local", "デモ 管理者"),
    (Role::Secretariat, "jimukyoku@demo.kojo.local", "デモ 事務局"),
    (Role::TokyoOfficial, "tokyo@demo.kojo.local", "デモ 都職員"),
    (Role::UtmOperator, "utm@demo.kojo.local", "デモ UTM事業者"),
    (Role::Expert, "expert@demo.kojo.local", "デモ 専門家"),
];

/// The sample companies: name, kana, course, and the step the demo leaves each at.
const COMPANIES: [(&str, &str, CourseCode, Step); 7] = [
    ("デモ製作所株式会社", "デモセイサクショ", CourseCode::Utm, Step::Received),
    ("株式会社デモ商事", "デモショウジ", CourseCode::Utm, Step::Contacted),
    ("デモ運輸株式会社", "デモウンユ", CourseCode::Utm, Step::StatusChecked),
    ("株式会社デモ設計事務所", "デモセッケイジムショ", CourseCode::Utm, Step::CourseDecided),
    ("デモ食品株式会社", "デモショクヒン", CourseCode::Utm, Step::Approved),
    ("株式会社デモ印刷", "デモインサツ", CourseCode::RiskAssessment, Step::Participant),
    ("デモ電機株式会社", "デモデンキ", CourseCode::Utm, Step::Participant),
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Received,
    Contacted,
    StatusChecked,
    CourseDecided,
    Approved,
    /// Confirmed (its agreement signed electronically), with an installed UTM, an expert, a
    /// recorded guidance visit, the next one planned and a self-diagnosis round: the incident
    /// desk's and guidance's pages have something to show. Needs a Japanese font for the
    /// agreement's PDF; without one the company stays at 承認.
    Participant,
}

/// Loads the demo on an empty database (no users yet) and prints the accounts; returns what it
/// made, or `None` when the database already had users.
pub async fn load(db: &Db, config: &Config, clock: &app::Clock) -> anyhow::Result<Option<Demo>> {
    if store::accounts::count_users(db).await? > 0 {
        println!(
            "--demo: このデータベースには既に利用者がいるため、サンプルは作成しません / not empty: no sample data loaded"
        );
        return Ok(None);
    }
    let now = clock.now();
    let today = clock.today();
    let fiscal_year = if today.month() >= 4 { today.year() } else { today.year() - 1 };
    let (start, end) = (today - Duration::days(14), today + Duration::days(90));
    let programme = setup::parse_programme(&format!(
        r#"fiscal_year = {fiscal_year}
name = "令和{reiwa}年度 中小企業サイバーセキュリティ向上支援事業（デモ）"
name_en = "FY{fiscal_year} SME Cybersecurity Improvement Support Programme (demo)"

[[courses]]
code = "utm"
name = "支援① UTM機器設置コース"
name_en = "Course 1: UTM installation"
window_start = {start}
window_end = {end}
capacity = 30

[[courses]]
code = "risk_assessment"
name = "支援② セキュリティリスクアセスメントコース"
name_en = "Course 2: Security risk assessment"
window_start = {start}
window_end = {end}
capacity = 20

[secretariat]
name = "中小企業サイバーセキュリティ向上支援事業 運営事務局（デモ）"
name_en = "Programme secretariat (demo)"
phone = "050-0000-0000"
email = "secretariat@example.jp"
hours = "平日 9:00～17:00（祝日を除く）"
hours_en = "Weekdays 9:00–17:00 JST (except public holidays)"

[[seminars]]
code = "demo-1"
title = "事業説明会（デモ・新宿）"
title_en = "Briefing seminar (demo, Shinjuku)"
description = "【第1部】中小企業のためのセキュリティ対策セミナー\n【第2部】本事業のご説明"
description_en = "Part 1: Security for small businesses\nPart 2: About the programme"
starts_at = {seminar_1}T14:00:00+09:00
ends_at = {seminar_1}T15:30:00+09:00
venue_name = "デモ会議室（新宿）"
venue_address = "東京都新宿区西新宿2-8-1"
venue_map_url = "https://example.jp/map"
online_url = "https://zoom.example.jp/j/0000000000"
venue_capacity = 30
online_capacity = 100

[[seminars]]
code = "demo-2"
title = "事業説明会（デモ・立川）"
title_en = "Briefing seminar (demo, Tachikawa)"
starts_at = {seminar_2}T14:00:00+09:00
ends_at = {seminar_2}T15:30:00+09:00
venue_name = "デモ会議室（立川）"
venue_address = "東京都立川市曙町2-12-1"
online_url = "https://zoom.example.jp/j/1111111111"
venue_capacity = 30
online_capacity = 100
"#,
        reiwa = fiscal_year - 2018,
        seminar_1 = today + Duration::days(10),
        seminar_2 = today + Duration::days(24),
    ))?;
    store::programmes::import(db, &programme, true, now).await?;

    let mut accounts = Vec::new();
    let mut users = Vec::new();
    for (role, email, name) in STAFF {
        let password = setup::one_time_password();
        let new = store::accounts::NewUser {
            email,
            display_name: name,
            role,
            password_hash: Some(web::auth::hash_password(&password)),
            company_application_id: None,
            // Sample accounts of a database made for trying Kojo: signing in goes straight to
            // the role's pages (docs/decisions.md, "Demo data").
            must_change_password: false,
        };
        let id = store::accounts::create_user(db, new, now).await?;
        users.push(store::accounts::find_user_by_email(db, email).await?.ok_or_else(|| anyhow::anyhow!("{id}"))?);
        accounts.push(DemoAccount { role, email: email.to_string(), password });
    }
    let actor_of = |role: Role| {
        let user = users.iter().find(|u| u.role == role).expect("one user per role");
        app::Actor::user(user, app::Via::CommandLine, None)
    };
    let (secretariat, tokyo) = (actor_of(Role::Secretariat), actor_of(Role::TokyoOfficial));

    let services = setup::services(db, config).await?;
    let queue = store::intake::SubmissionQueue::start(db.clone(), services.calendar.clone(), {
        let clock = clock.clone();
        std::sync::Arc::new(move || clock.now())
    });
    let current = store::programmes::current(db).await?.map(std::sync::Arc::new);
    let mut cases = 0;
    for (n, (name, kana, course, step)) in COMPANIES.into_iter().enumerate() {
        let input = serde_json::from_value(sample_application(n as u32 + 1, name, kana, course))?;
        let facts = app::intake::submit(&services, &queue, current.clone(), &input, None, clock.now())
            .await
            .map_err(|e| anyhow::anyhow!("sample application {name}: {e:?}"))?;
        advance(&services, (&secretariat, &tokyo), facts.id, course, step.min(Step::Approved), clock).await?;
        if step == Step::Participant {
            let staff = Staff { secretariat: &secretariat, operator: &actor_of(Role::UtmOperator), users: &users };
            let made = match course {
                CourseCode::Utm => setup_participant(&services, config, &staff, facts.id, clock).await,
                CourseCode::RiskAssessment => setup_assessment(&services, config, &staff, facts.id, clock).await,
            };
            match made {
                Ok(()) => {}
                Err(why) => {
                    println!("--demo: {name} は参加確定まで進められませんでした / stopped short of confirmed: {why}")
                }
            }
        }
        cases += 1;
    }
    let demo = Demo { accounts, cases };
    print(&demo, &config.public_url());
    Ok(Some(demo))
}

struct Staff<'a> {
    secretariat: &'a app::Actor,
    operator: &'a app::Actor,
    users: &'a [store::accounts::UserRecord],
}

/// Confirms an approved case through the use cases: the company confirms its intent and signs
/// the agreement electronically, the secretariat confirms. Returns the company's actor.
async fn confirm(
    services: &app::Services,
    config: &Config,
    staff: &Staff<'_>,
    case: Uuid,
    clock: &app::Clock,
) -> anyhow::Result<app::Actor> {
    let fail = |e: app::AppError| anyhow::anyhow!("{e}");
    let fonts = std::sync::Arc::new(documents::pdf::Fonts::discover(&config.font_dirs())?);
    let company_user = store::portal::company_user(&services.db, case, clock.now()).await?;
    let company = app::Actor::user(&company_user, app::Via::CommandLine, None);
    app::cases::confirm_own_intent(services, &company, clock.now()).await.map_err(fail)?;
    app::agreements::send(services, staff.secretariat, fonts.clone(), case, clock.now()).await.map_err(fail)?;
    let sent = store::agreements::latest(&services.db, case).await?.ok_or_else(|| anyhow::anyhow!("no agreement"))?;
    let clauses = sent.data["wording"]["clauses"].as_array().map(Vec::len).unwrap_or(0);
    let signing =
        app::agreements::Signing::parse("デモ 太郎", "デモ 花子", 0..clauses).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app::agreements::sign_own(services, &company, fonts, signing, clock.now()).await.map_err(fail)?;
    app::agreements::confirm(services, staff.secretariat, case, clock.now()).await.map_err(fail)?;
    Ok(company)
}

/// Takes an approved course-② case to a participant in the risk assessment: confirmed, the demo
/// expert assigned, three assets registered (two rated), part of the measure check answered.
async fn setup_assessment(
    services: &app::Services,
    config: &Config,
    staff: &Staff<'_>,
    case: Uuid,
    clock: &app::Clock,
) -> anyhow::Result<()> {
    let fail = |e: app::AppError| anyhow::anyhow!("{e}");
    confirm(services, config, staff, case, clock).await?;
    let expert = staff.users.iter().find(|u| u.role == Role::Expert).expect("the demo's expert");
    app::guidance::assign(services, staff.secretariat, case, expert.id, clock.now()).await.map_err(fail)?;
    let expert = app::Actor::user(expert, app::Via::CommandLine, None);
    let rows = [
        (
            "営業",
            "顧客名簿",
            "クラウド",
            "個人情報",
            ["3", "2", "2"],
            ["3", "2"],
            "不正ログインによる漏えい",
            "多要素認証を有効にする",
        ),
        (
            "経理",
            "請求書・見積書",
            "書類",
            "なし",
            ["2", "3", "2"],
            ["2", "3"],
            "紛失・盗難",
            "鍵のかかる書庫で保管する",
        ),
        ("製造", "印刷データ", "サーバー", "なし", ["2", "2", "3"], ["", ""], "", ""),
    ];
    for (business, name, media, personal, [c, i, a], [threat, vulnerability], threat_note, measures) in rows {
        let input = domain::risk::AssetInput {
            business: business.into(),
            name: name.into(),
            media: media.into(),
            personal: personal.into(),
            confidentiality: c.into(),
            integrity: i.into(),
            availability: a.into(),
            threat: threat.into(),
            vulnerability: vulnerability.into(),
            threat_note: threat_note.into(),
            treatment: if measures.is_empty() { String::new() } else { "低減".into() },
            measures: measures.into(),
            ..Default::default()
        };
        let asset = input.parse().map_err(|problems| anyhow::anyhow!("{problems:?}"))?;
        app::risk::add_asset(services, &expert, case, &asset, clock.now()).await.map_err(fail)?;
    }
    let answers: Vec<(u8, domain::risk::CheckAnswer)> = (1..=9)
        .map(|n| (n, if n % 3 == 0 { domain::risk::CheckAnswer::NotDone } else { domain::risk::CheckAnswer::Done }))
        .collect();
    app::risk::save_check(services, &expert, case, &answers, clock.now()).await.map_err(fail)?;
    Ok(())
}

/// Takes an approved case to a confirmed participant in guidance, through the use cases: the
/// company confirms its intent and signs the agreement, the secretariat confirms; the UTM
/// operator installs a device; the expert is assigned, a first visit is recorded (with next
/// steps), the second planned, and the company answers the self-diagnosis.
async fn setup_participant(
    services: &app::Services,
    config: &Config,
    staff: &Staff<'_>,
    case: Uuid,
    clock: &app::Clock,
) -> anyhow::Result<()> {
    let fail = |e: app::AppError| anyhow::anyhow!("{e}");
    let fonts = std::sync::Arc::new(documents::pdf::Fonts::discover(&config.font_dirs())?);
    let company_user = store::portal::company_user(&services.db, case, clock.now()).await?;
    let company = app::Actor::user(&company_user, app::Via::CommandLine, None);
    app::cases::confirm_own_intent(services, &company, clock.now()).await.map_err(fail)?;
    app::agreements::send(services, staff.secretariat, fonts.clone(), case, clock.now()).await.map_err(fail)?;
    let wording =
        store::agreements::latest(&services.db, case).await?.ok_or_else(|| anyhow::anyhow!("no agreement"))?;
    let clauses = wording.data["wording"]["clauses"].as_array().map(Vec::len).unwrap_or(0);
    let signing =
        app::agreements::Signing::parse("デモ 太郎", "デモ 花子", 0..clauses).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app::agreements::sign_own(services, &company, fonts, signing, clock.now()).await.map_err(fail)?;
    app::agreements::confirm(services, staff.secretariat, case, clock.now()).await.map_err(fail)?;

    let today = clock.today();
    let registration =
        app::devices::Registration::parse(&case.to_string(), "Fortinet", "FortiGate 60F", "FGT60FDEMO000001", "")
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let device = app::devices::register(services, staff.operator, registration, clock.now()).await.map_err(fail)?;
    let surveyed = (today - Duration::days(25)).to_string();
    let change = app::devices::parse_change("survey", "installable", "デモ：設置場所を確認", &surveyed, "")
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app::devices::change(services, staff.operator, device, change, clock.now()).await.map_err(fail)?;
    let installed = (today - Duration::days(20)).to_string();
    let change =
        app::devices::parse_change("installed", "", "", &installed, "").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app::devices::change(services, staff.operator, device, change, clock.now()).await.map_err(fail)?;

    let expert = staff.users.iter().find(|u| u.role == Role::Expert).expect("the demo's expert");
    app::guidance::assign(services, staff.secretariat, case, expert.id, clock.now()).await.map_err(fail)?;
    let expert = app::Actor::user(expert, app::Via::CommandLine, None);
    let visit_on = |days: i64| {
        let mut day = today + Duration::days(days);
        while !services.calendar.is_business_day(day) {
            day += Duration::days(1);
        }
        format!("{day}T10:00")
    };
    let first =
        app::guidance::VisitPlan::parse("onsite", &visit_on(-14), "90").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let first = app::guidance::plan_visit(services, &expert, case, &first, clock.now()).await.map_err(fail)?;
    let report = app::guidance::ReportInput {
        attendees: "代表取締役 デモ太郎、総務 デモ花子".into(),
        topics: "自社診断の進め方、UTMの月次レポートの読み方".into(),
        findings: "バックアップを取っておらず、パスワードの使い回しがある。".into(),
        next_steps: format!(
            "NASへの自動バックアップを設定する {}\n基本方針のひな形を読んでおく",
            today + Duration::days(10)
        ),
    }
    .parse()
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app::guidance::record_visit(services, &expert, first.id, &report, clock.now()).await.map_err(fail)?;
    let second =
        app::guidance::VisitPlan::parse("online", &visit_on(14), "60").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app::guidance::plan_visit(services, &expert, case, &second, clock.now()).await.map_err(fail)?;
    let answers: Vec<(u8, domain::guidance::Answer)> = (1..=25)
        .map(|n| {
            let answer = match n {
                11 | 24 => domain::guidance::Answer::NotDone,
                3 | 19 => domain::guidance::Answer::Partly,
                25 => domain::guidance::Answer::DontKnow,
                _ => domain::guidance::Answer::Done,
            };
            (n, answer)
        })
        .collect();
    app::guidance::save_round(services, &company, case, &answers, clock.now()).await.map_err(fail)?;
    Ok(())
}

/// Moves a sample case to `step` through the use cases, as staff would.
async fn advance(
    services: &app::Services,
    (secretariat, tokyo): (&app::Actor, &app::Actor),
    case: Uuid,
    course: CourseCode,
    step: Step,
    clock: &app::Clock,
) -> anyhow::Result<()> {
    let fail = |e: app::AppError| anyhow::anyhow!("sample case: {e}");
    if step >= Step::Contacted {
        let now = clock.now();
        let note =
            ContactNote::parse(Some(now), "phone", "デモ：電話で事業内容と参加規約を説明し、了承を得た。", true, now)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        app::cases::record_contact(services, secretariat, case, note, now).await.map_err(fail)?;
    }
    if step >= Step::StatusChecked {
        // A free hub port proposes course ①; none proposes course ②.
        let port = if course == CourseCode::Utm { "yes" } else { "no" };
        let check = StatusCheck::parse("光回線→ルーター→スイッチングハブ", port, false, "", "none", "デモ")
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        app::cases::record_status_check(services, secretariat, case, check, clock.now()).await.map_err(fail)?;
    }
    if step >= Step::CourseDecided {
        let reason = app::cases::Reason::none();
        app::cases::decide_course(services, secretariat, case, course, reason, clock.now()).await.map_err(fail)?;
    }
    if step >= Step::Approved {
        let reason = app::cases::Reason::none();
        app::cases::apply_event(services, tokyo, case, CaseEvent::Approve, reason, clock.now()).await.map_err(fail)?;
    }
    Ok(())
}

fn sample_application(n: u32, name: &str, kana: &str, course: CourseCode) -> serde_json::Value {
    let base = format!("{:012}", 900_000_000_000u64 + u64::from(n));
    let check = domain::corporate_number::check_digit(&base).expect("12 digits");
    serde_json::json!({
        "course": course.code(),
        "company": {
            "name": name, "name_kana": kana, "corporate_number": format!("{check}{base}"), "sole_proprietor": false,
            "postal_code": "163-8001", "prefecture": "東京都", "address": format!("新宿区西新宿2-8-{n}"),
            "industry": "manufacturing", "capital_yen": 10_000_000 * n, "employees": 10 + 5 * n,
            "representative_name": "見本 太郎", "representative_title": "代表取締役"
        },
        "contact": {
            "name": "見本 花子", "name_kana": "ミホン ハナコ", "department": "総務部",
            "email": format!("company{n}@demo.kojo.local"), "phone": "03-0000-0000"
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

fn print(demo: &Demo, public_url: &str) {
    println!();
    println!("デモデータを作成しました / Demo data loaded ({} sample cases)", demo.cases);
    println!("  サインイン / Sign in: {public_url}/office/login");
    for account in &demo.accounts {
        println!("  {:<14} {:<28} {}", account.role.code(), account.email, account.password);
    }
    println!("  これらのパスワードは一度だけ表示されます / These passwords are shown only once.");
    println!(
        "  会社のポータル / Company portal: {public_url}/portal/login (company1@demo.kojo.local …; the sign-in link is in the outbox)"
    );
    println!();
}

//! Course ① management guidance pages: the companies in guidance (an expert sees only its own;
//! the secretariat assigns experts there), a company's guidance page (visits planned and
//! recorded, the self-diagnosis rounds), and the company's side in the portal (reports to
//! acknowledge, next steps, the 25-item self-diagnosis and its result). Every change goes through
//! `app::guidance`; this module parses and renders.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use domain::access::Action;
use domain::guidance::{Answer, ITEMS, Item, Part};
use serde::Deserialize;
use store::guidance::{RoundRecord, VisitRecord};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CompanyUser, Staff};
use crate::client::ClientIp;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/guidance", get(list_page).post(assign))
        .route("/office/guidance/figures", get(figures_page))
        .route("/office/guidance/{case}", get(company_page).post(company_action))
        .route("/office/guidance/{case}/rounds/{round}/pdf", get(office_round_pdf))
        .route("/office/guidance/{case}/policy/pdf", get(office_policy_pdf))
        .route("/office/guidance/{case}/reports/{report}/pdf", get(office_report_pdf))
        .route(
            "/office/guidance/{case}/visits/{visit}/files",
            post(office_upload).layer(crate::upload_limit("/office/guidance/{case}/visits/{visit}/files")),
        )
        .route("/office/guidance/{case}/files/{file}", get(office_file))
        .route(
            "/portal/guidance/visits/{visit}/files",
            post(portal_upload).layer(crate::upload_limit("/portal/guidance/visits/{visit}/files")),
        )
        .route("/portal/guidance/files/{file}", get(portal_file))
        .route("/portal/guidance", get(portal_page).post(portal_action))
        .route("/portal/guidance/rounds/{round}/pdf", get(portal_round_pdf))
        .route("/portal/guidance/policy/pdf", get(portal_policy_pdf))
        .route("/policy/{slug}", get(public_policy))
        .route("/policy/{slug}/pdf", get(public_policy_pdf))
}

pub(crate) fn parse_id(raw: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| PageError::NotFound)
}

pub(crate) fn staff_actor(staff: &Staff, ip: &ClientIp) -> app::Actor {
    app::Actor::user(&staff.user, app::Via::Page, ip.to_db())
}

pub(crate) fn message_of(t: T, error: &app::AppError) -> Option<String> {
    crate::messages::for_error(error).map(|m| t.pick(&m.ja, &m.en).to_string())
}

// ---------------------------------------------------------------------------------------------
// The companies in guidance.

struct Row {
    row: app::guidance::CompanyRow,
    expert: String,
}

#[derive(Template)]
#[template(path = "office/guidance.html")]
struct ListPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    rows: Vec<Row>,
    can_assign: bool,
    experts: Vec<(Uuid, String)>,
    notice: Option<String>,
    problem: Option<String>,
}

impl ListPage {
    fn is_expert_of(&self, row: &Row, id: String) -> bool {
        row.row.expert.as_ref().is_some_and(|e| e.id.to_string() == id)
    }
}

async fn render_list(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: &ClientIp,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = staff_actor(staff, ip);
    let rows = app::guidance::companies(&state.services, &actor).await?;
    let can_assign = staff.user.role.may(Action::AssignExperts);
    let experts = if can_assign {
        app::guidance::experts(&state.services, &actor).await?.into_iter().map(|u| (u.id, u.display_name)).collect()
    } else {
        Vec::new()
    };
    let page = ListPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        rows: rows
            .into_iter()
            .map(|row| Row { expert: row.expert.as_ref().map(|e| e.display_name.clone()).unwrap_or_default(), row })
            .collect(),
        can_assign,
        experts,
        notice,
        problem,
    };
    html(status, &page)
}

async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
) -> Result<Response, PageError> {
    render_list(&state, lang.t, &staff, &ip, None, None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    case: String,
    expert: String,
}

async fn assign(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<AssignForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    staff.require_may(Action::AssignExperts)?;
    let case = parse_id(&form.case)?;
    let result = match Uuid::parse_str(form.expert.trim()) {
        Ok(expert) => {
            app::guidance::assign(&state.services, &staff_actor(&staff, &ip), case, expert, state.clock.now()).await
        }
        Err(_) => {
            Err(app::AppError::Refused(domain::refusal::Refusal::Guidance(domain::refusal::GuidanceRefusal::NotExpert)))
        }
    };
    match result {
        Ok(()) => {
            let notice =
                t.s("担当の専門家を割り当て、専門家にお知らせしました。", "Expert assigned and told.").to_string();
            render_list(&state, t, &staff, &ip, Some(notice), None, StatusCode::OK).await
        }
        Err(error @ (app::AppError::Refused(_) | app::AppError::Invalid(_))) => {
            render_list(&state, t, &staff, &ip, None, message_of(t, &error), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A company's guidance (office and portal share the views).

struct VisitView {
    record: VisitRecord,
    when: String,
    status: &'static str,
    mode: &'static str,
    /// Next steps: text, due day, done day (empty while open).
    steps: Vec<(String, String, String)>,
    /// The start as a `datetime-local` value (Tokyo), and the length, for the move form.
    local_start: String,
    minutes: i64,
}

fn visit_view(t: T, record: VisitRecord) -> VisitView {
    VisitView {
        when: app::mail::seminar_time(t.en, record.starts_at, record.ends_at),
        status: t.pick(record.status.label_ja(), record.status.code()),
        mode: if record.mode == "online" { t.s("オンライン", "Online") } else { t.s("訪問", "On site") },
        steps: record
            .next_steps
            .iter()
            .map(|step| {
                let day = |d: Option<chrono::NaiveDate>| d.map(|d| t.date(&d)).unwrap_or_default();
                (step.text.clone(), day(step.due), day(step.done_on))
            })
            .collect(),
        local_start: record.starts_at.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%dT%H:%M").to_string(),
        minutes: (record.ends_at - record.starts_at).num_minutes(),
        record,
    }
}

/// The latest round as the result shows it.
struct RoundView {
    when: String,
    total: i32,
    complete: bool,
    parts: Vec<(&'static str, i32, i32)>,
    weakest: Vec<(Item, &'static str)>,
    /// Change of the total since the round before, when there is one.
    change: Option<i32>,
    entered_by: String,
    /// The change chart (SVG), from the second round on.
    chart: Option<String>,
    /// Every round, newest first: id, when, total, complete.
    history: Vec<(Uuid, String, i32, bool)>,
}

fn round_view(t: T, rounds: &[RoundRecord]) -> Option<RoundView> {
    let latest = rounds.last()?;
    let score = domain::guidance::score(&latest.answers).ok()?;
    Some(RoundView {
        chart: app::guidance::rounds_chart(rounds, rounds.len() - 1, t.en),
        history: rounds.iter().rev().map(|r| (r.id, t.datetime(&r.created_at), r.total, r.complete)).collect(),
        when: t.datetime(&latest.created_at),
        total: score.total,
        complete: score.complete(),
        parts: score
            .parts
            .iter()
            .map(|(part, points, max)| (t.pick(part.label_ja(), part.label_en()), *points, *max))
            .collect(),
        weakest: domain::guidance::weakest(&latest.answers, 5)
            .into_iter()
            .map(|(item, answer)| (item, t.pick(answer.label_ja(), answer.label_en())))
            .collect(),
        change: rounds.len().checked_sub(2).map(|i| latest.total - rounds[i].total),
        entered_by: latest.entered_by.clone(),
    })
}

/// The policy editor's values: the working version, else the template.
struct PolicyForm {
    sections: Vec<(String, String)>,
    enacted_on: String,
    representative: String,
    /// `draft`, `published`, `withdrawn`, or empty before the first save.
    status: &'static str,
    /// The status in the page's language.
    status_label: &'static str,
    version: u32,
    public_url: Option<String>,
}

fn policy_form(state: &AppState, t: T, guidance: &app::guidance::Guidance) -> PolicyForm {
    let public_url =
        guidance.published().map(|p| format!("{}/policy/{}", state.config.public_url.trim_end_matches('/'), p.slug));
    match guidance.working() {
        Some(p) => PolicyForm {
            sections: p.sections.iter().map(|s| (s.title.clone(), s.body.clone())).collect(),
            enacted_on: p.enacted_on.map(|d| d.to_string()).unwrap_or_default(),
            representative: p.representative.clone().unwrap_or_default(),
            status: p.status.code(),
            status_label: t.pick(p.status.label_ja(), p.status.code()),
            version: p.version,
            public_url,
        },
        None => {
            let template = app::guidance::policy_template(&guidance.record);
            PolicyForm {
                sections: template.sections.into_iter().map(|s| (s.title, s.body)).collect(),
                enacted_on: String::new(),
                representative: template.representative.unwrap_or_default(),
                status: "",
                status_label: "",
                version: 0,
                public_url,
            }
        }
    }
}

/// ★★ as the pages say it.
fn two_star_text(t: T, two_star: &domain::guidance::TwoStar) -> (&'static str, String) {
    use domain::guidance::TwoStar;
    match two_star {
        TwoStar::Declared(id) => (
            "declared",
            format!("{}{}", t.s("★★ 宣言済み（自己宣言ID ", "★★ declared (ID "), id.as_str()) + t.s("）", ")"),
        ),
        TwoStar::Ready => ("ready", t.s("★★ 宣言の準備ができています", "Ready to declare ★★").to_string()),
        TwoStar::NotReady { diagnosis, policy } => {
            let mut missing = Vec::new();
            if *diagnosis {
                missing.push(t.s("自社診断（25項目すべて）", "the self-diagnosis (all 25 items)"));
            }
            if *policy {
                missing.push(t.s("基本方針の公開", "publishing the basic policy"));
            }
            ("not_ready", format!("{}{}", t.s("★★ まであと：", "Still needed for ★★: "), missing.join(t.s("、", ", "))))
        }
    }
}

fn measure_status(t: T, code: &str) -> &'static str {
    match code {
        "doing" => t.s("対応中", "In progress"),
        "done" => t.s("完了", "Done"),
        _ => t.s("未着手", "To do"),
    }
}

/// One row of the diagnosis form: the item, its part heading when it starts one, the answer
/// chosen before.
struct FormItem {
    item: Item,
    part_heading: Option<&'static str>,
    chosen: &'static str,
}

fn form_items(t: T, previous: Option<&RoundRecord>) -> Vec<FormItem> {
    let mut last_part = None;
    ITEMS
        .iter()
        .map(|item| {
            let part = Part::of(item.number);
            let heading = (part != last_part).then(|| part.map(|p| t.pick(p.label_ja(), p.label_en()))).flatten();
            last_part = part;
            let chosen = previous
                .and_then(|round| round.answers.iter().find(|(n, _)| *n == item.number))
                .map(|(_, answer)| answer.code())
                .unwrap_or("");
            FormItem { item: *item, part_heading: heading, chosen }
        })
        .collect()
}

fn answer_choices(t: T) -> Vec<(&'static str, &'static str)> {
    Answer::ALL.into_iter().map(|a| (a.code(), t.pick(a.label_ja(), a.label_en()))).collect()
}

#[derive(Template)]
#[template(path = "office/guidance_company.html")]
struct CompanyPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    guidance: app::guidance::Guidance,
    expert: String,
    visits: Vec<VisitView>,
    round: Option<RoundView>,
    items: Vec<FormItem>,
    answers: Vec<(&'static str, &'static str)>,
    can_plan: bool,
    proposed_start: String,
    policy: PolicyForm,
    two_star: (&'static str, String),
    statuses: Vec<(&'static str, &'static str)>,
    page_path: String,
    notice: Option<String>,
    problem: Option<String>,
}

fn statuses(t: T) -> Vec<(&'static str, &'static str)> {
    ["todo", "doing", "done"].into_iter().map(|code| (code, measure_status(t, code))).collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_company(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: &ClientIp,
    case: Uuid,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = staff_actor(staff, ip);
    let guidance = app::guidance::view(&state.services, &actor, case, state.clock.now()).await?;
    let visits_held = guidance.visits.iter().filter(|v| v.status != store::guidance::VisitStatus::Cancelled).count();
    let tomorrow_ten = (state.clock.today() + chrono::Duration::days(1)).and_hms_opt(10, 0, 0).expect("a valid time");
    let page = CompanyPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        expert: guidance.expert.as_ref().map(|e| e.display_name.clone()).unwrap_or_default(),
        visits: guidance.visits.iter().cloned().map(|v| visit_view(t, v)).collect(),
        round: round_view(t, &guidance.rounds),
        items: form_items(t, guidance.rounds.last()),
        answers: answer_choices(t),
        can_plan: guidance.expert.is_some() && visits_held < domain::guidance::MAX_VISITS as usize,
        proposed_start: tomorrow_ten.format("%Y-%m-%dT%H:%M").to_string(),
        policy: policy_form(state, t, &guidance),
        two_star: two_star_text(t, &guidance.two_star),
        statuses: statuses(t),
        page_path: format!("/office/guidance/{case}"),
        notice,
        problem,
        guidance,
    };
    html(status, &page)
}

async fn company_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(case): Path<String>,
) -> Result<Response, PageError> {
    render_company(&state, lang.t, &staff, &ip, parse_id(&case)?, None, None, StatusCode::OK).await
}

pub(crate) fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
}

async fn company_action(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(case): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let case = parse_id(&case)?;
    let actor = staff_actor(&staff, &ip);
    let now = state.clock.now();
    let services = &state.services;
    let result: Result<&'static str, app::AppError> = match value(&pairs, "do") {
        "plan" => match app::guidance::VisitPlan::parse(
            value(&pairs, "mode"),
            value(&pairs, "starts_at"),
            value(&pairs, "minutes"),
        ) {
            Ok(plan) => app::guidance::plan_visit(services, &actor, case, &plan, now)
                .await
                .map(|_| t.s("訪問を予定し、企業に日程をお知らせしました。", "Visit planned; the company was told.")),
            Err(invalid) => Err(app::AppError::Invalid(invalid)),
        },
        "record" => {
            let report = app::guidance::ReportInput {
                attendees: value(&pairs, "attendees").to_string(),
                topics: value(&pairs, "topics").to_string(),
                findings: value(&pairs, "findings").to_string(),
                next_steps: value(&pairs, "next_steps").to_string(),
            };
            match (parse_id(value(&pairs, "visit")), report.parse()) {
                (Ok(visit), Ok(report)) => {
                    app::guidance::record_visit(services, &actor, visit, &report, now).await.map(|_| {
                        t.s("訪問の報告を記録し、企業にお知らせしました。", "Report recorded; the company was told.")
                    })
                }
                (Err(_), _) => Err(app::AppError::NotFound),
                (_, Err(invalid)) => Err(app::AppError::Invalid(invalid)),
            }
        }
        "diagnosis" => match app::guidance::parse_answers(&pairs) {
            Ok(answers) => app::guidance::save_round(services, &actor, case, &answers, now)
                .await
                .map(|_| t.s("自社診断の結果を記録しました。", "Self-diagnosis recorded.")),
            Err(invalid) => Err(app::AppError::Invalid(invalid)),
        },
        "step" => {
            mark_step(services, &actor, &pairs, now).await.map(|()| t.s("取組みを更新しました。", "Next step updated."))
        }
        "move" => match (
            parse_id(value(&pairs, "visit")),
            app::guidance::VisitPlan::parse(
                value(&pairs, "mode"),
                value(&pairs, "starts_at"),
                value(&pairs, "minutes"),
            ),
        ) {
            (Ok(visit), Ok(plan)) => app::guidance::move_visit(services, &actor, visit, &plan, now)
                .await
                .map(|_| t.s("訪問の日程を変更し、企業にお知らせしました。", "Visit moved; the company was told.")),
            (Err(_), _) => Err(app::AppError::NotFound),
            (_, Err(invalid)) => Err(app::AppError::Invalid(invalid)),
        },
        "cancel" => match parse_id(value(&pairs, "visit")) {
            Ok(visit) => app::guidance::cancel_visit(services, &actor, visit, now)
                .await
                .map(|_| t.s("訪問を取り消し、企業にお知らせしました。", "Visit cancelled; the company was told.")),
            Err(_) => Err(app::AppError::NotFound),
        },
        "measure" => update_measure(services, &actor, case, &pairs, now)
            .await
            .map(|()| t.s("計画を更新しました。", "Plan updated.")),
        "policy_save" => save_policy(services, &actor, case, &pairs, now).await.map(|()| {
            t.s(
                "基本方針の下書きを保存しました。企業にご確認いただき、企業が公開します。",
                "Draft saved; the company reviews and publishes it.",
            )
        }),
        _ => Err(app::AppError::Invalid(app::Invalid::UnknownChoice)),
    };
    match result {
        Ok(notice) => {
            render_company(&state, t, &staff, &ip, case, Some(notice.to_string()), None, StatusCode::OK).await
        }
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            render_company(&state, t, &staff, &ip, case, None, message_of(t, &error), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(other) => Err(other.into()),
    }
}

/// The policy editor's form: `title_N`/`body_N` pairs from 0, the enactment date and the
/// representative.
async fn save_policy(
    services: &app::Services,
    actor: &app::Actor,
    case: Uuid,
    pairs: &[(String, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), app::AppError> {
    let input = app::guidance::PolicyInput {
        sections: (0..10)
            .map_while(|i| {
                let title = pairs.iter().find(|(k, _)| *k == format!("title_{i}"))?;
                Some((title.1.clone(), value(pairs, &format!("body_{i}")).to_string()))
            })
            .collect(),
        enacted_on: value(pairs, "enacted_on").to_string(),
        representative: value(pairs, "representative").to_string(),
    };
    let draft = input.parse()?;
    app::guidance::save_policy(services, actor, case, &draft, now).await.map(|_| ())
}

async fn mark_step(
    services: &app::Services,
    actor: &app::Actor,
    pairs: &[(String, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), app::AppError> {
    let visit = Uuid::parse_str(value(pairs, "visit")).map_err(|_| app::AppError::NotFound)?;
    let index: usize = value(pairs, "step").parse().map_err(|_| app::AppError::NotFound)?;
    app::guidance::mark_step(services, actor, visit, index, value(pairs, "done") == "1", now).await
}

async fn update_measure(
    services: &app::Services,
    actor: &app::Actor,
    case: Uuid,
    pairs: &[(String, String)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), app::AppError> {
    let measure = Uuid::parse_str(value(pairs, "measure")).map_err(|_| app::AppError::NotFound)?;
    let fields = (value(pairs, "owner"), value(pairs, "due"), value(pairs, "status"));
    app::guidance::update_measure(services, actor, case, measure, fields, now).await
}

// ---------------------------------------------------------------------------------------------
// The company's side.

#[derive(Template)]
#[template(path = "portal/guidance.html")]
struct PortalPage {
    t: T,
    csrf: String,
    guidance: app::guidance::Guidance,
    expert: String,
    visits: Vec<VisitView>,
    round: Option<RoundView>,
    items: Vec<FormItem>,
    answers: Vec<(&'static str, &'static str)>,
    policy: PolicyForm,
    two_star: (&'static str, String),
    statuses: Vec<(&'static str, &'static str)>,
    page_path: String,
    notice: Option<String>,
    problem: Option<String>,
}

async fn render_portal(
    state: &AppState,
    t: T,
    company: &CompanyUser,
    ip: &ClientIp,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let guidance = app::guidance::view(&state.services, &actor, company.application_id, state.clock.now()).await?;
    let page = PortalPage {
        t,
        csrf: company.csrf.clone(),
        expert: guidance.expert.as_ref().map(|e| e.display_name.clone()).unwrap_or_default(),
        visits: guidance.visits.iter().cloned().map(|v| visit_view(t, v)).collect(),
        round: round_view(t, &guidance.rounds),
        items: form_items(t, guidance.rounds.last()),
        answers: answer_choices(t),
        policy: policy_form(state, t, &guidance),
        two_star: two_star_text(t, &guidance.two_star),
        statuses: statuses(t),
        page_path: "/portal/guidance".into(),
        notice,
        problem,
        guidance,
    };
    html(status, &page)
}

async fn portal_page(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
) -> Result<Response, PageError> {
    render_portal(&state, lang.t, &company, &ip, None, None, StatusCode::OK).await
}

async fn portal_action(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let now = state.clock.now();
    let result: Result<&'static str, app::AppError> = match value(&pairs, "do") {
        "acknowledge" => match parse_id(value(&pairs, "visit")) {
            Ok(visit) => app::guidance::acknowledge_own(&state.services, &actor, visit, now)
                .await
                .map(|_| t.s("報告を確認しました。", "Report acknowledged.")),
            Err(_) => Err(app::AppError::NotFound),
        },
        "diagnosis" => match app::guidance::parse_answers(&pairs) {
            Ok(answers) => app::guidance::save_round(&state.services, &actor, company.application_id, &answers, now)
                .await
                .map(|_| t.s("自社診断の結果を保存しました。", "Your self-diagnosis was saved.")),
            Err(invalid) => Err(app::AppError::Invalid(invalid)),
        },
        "step" => mark_step(&state.services, &actor, &pairs, now)
            .await
            .map(|()| t.s("取組みを更新しました。", "Next step updated.")),
        "measure" => update_measure(&state.services, &actor, company.application_id, &pairs, now)
            .await
            .map(|()| t.s("計画を更新しました。", "Plan updated.")),
        "policy_save" => save_policy(&state.services, &actor, company.application_id, &pairs, now)
            .await
            .map(|()| t.s("基本方針の下書きを保存しました。", "Draft saved.")),
        "policy_publish" => app::guidance::publish_policy(&state.services, &actor, now).await.map(|_| {
            t.s(
                "基本方針を公開しました。下の公開用URLを貴社のWebサイトからリンクしてください。",
                "Your policy is published. Link the public address below from your website.",
            )
        }),
        "policy_withdraw" => app::guidance::withdraw_policy(&state.services, &actor, now)
            .await
            .map(|_| t.s("基本方針の公開を停止しました。", "Your policy is no longer published.")),
        "declare" => app::guidance::record_declaration(
            &state.services,
            &actor,
            value(&pairs, "declaration_id"),
            value(&pairs, "declared_on"),
            now,
        )
        .await
        .map(|()| t.s("自己宣言IDを記録しました。", "Declaration recorded.")),
        _ => Err(app::AppError::Invalid(app::Invalid::UnknownChoice)),
    };
    match result {
        Ok(notice) => render_portal(&state, t, &company, &ip, Some(notice.to_string()), None, StatusCode::OK).await,
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            render_portal(&state, t, &company, &ip, None, message_of(t, &error), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// PDFs: a diagnosis round, the policy, a monthly UTM report (for the expert).

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

async fn fonts(state: &AppState) -> Result<std::sync::Arc<documents::pdf::Fonts>, app::AppError> {
    state.fonts().await.map_err(|e| app::AppError::Refused(domain::refusal::Refusal::DocumentUnavailable(e)))
}

async fn round_pdf(state: &AppState, actor: &app::Actor, case: Uuid, round: &str) -> Result<Response, PageError> {
    let round = parse_id(round)?;
    let fonts = fonts(state).await?;
    let pdf = app::guidance::diagnosis_pdf(&state.services, actor, fonts, case, round, state.clock.now()).await?;
    Ok(pdf_response(pdf, "self-diagnosis.pdf"))
}

async fn policy_pdf(state: &AppState, actor: &app::Actor, case: Uuid) -> Result<Response, PageError> {
    let fonts = fonts(state).await?;
    let pdf =
        app::guidance::policy_pdf(&state.services, actor, fonts, &state.config.public_url, case, state.clock.now())
            .await?;
    Ok(pdf_response(pdf, "security-policy.pdf"))
}

async fn office_round_pdf(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path((case, round)): Path<(String, String)>,
) -> Result<Response, PageError> {
    round_pdf(&state, &staff_actor(&staff, &ip), parse_id(&case)?, &round).await
}

async fn office_policy_pdf(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(case): Path<String>,
) -> Result<Response, PageError> {
    policy_pdf(&state, &staff_actor(&staff, &ip), parse_id(&case)?).await
}

async fn office_report_pdf(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path((case, report)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = staff_actor(&staff, &ip);
    let (record, bytes) =
        app::guidance::report_pdf(&state.services, &actor, parse_id(&case)?, parse_id(&report)?, state.clock.now())
            .await?;
    Ok(pdf_response(bytes, &format!("utm-report-{}.pdf", record.month)))
}

async fn portal_round_pdf(
    State(state): State<AppState>,
    company: CompanyUser,
    ip: ClientIp,
    Path(round): Path<String>,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    round_pdf(&state, &actor, company.application_id, &round).await
}

async fn portal_policy_pdf(
    State(state): State<AppState>,
    company: CompanyUser,
    ip: ClientIp,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    policy_pdf(&state, &actor, company.application_id).await
}

async fn public_policy_pdf(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, PageError> {
    let fonts = fonts(&state).await?;
    let pdf = app::guidance::public_policy_pdf(&state.services, fonts, &state.config.public_url, &slug).await?;
    Ok(pdf_response(pdf, "security-policy.pdf"))
}

// ---------------------------------------------------------------------------------------------
// A visit's files.

/// Checks and keeps an uploaded file with a visit; the outcome as (notice, problem, status).
async fn upload(
    state: &AppState,
    t: T,
    actor: &app::Actor,
    visit: &str,
    multipart: &mut Multipart,
) -> Result<(Option<String>, Option<String>, StatusCode), PageError> {
    let visit = parse_id(visit)?;
    let (name, bytes) = match crate::incidents::read_file(multipart).await {
        Ok(file) => file,
        Err((status, ja, en)) => return Ok((None, Some(t.pick(ja, en).to_string()), status)),
    };
    let upload = match domain::upload::Upload::checked(&name, bytes) {
        Ok(upload) => upload,
        Err(problem) => return Ok(crate::incidents::upload_problem(t, problem)),
    };
    match app::guidance::attach_file(&state.services, actor, visit, upload, state.clock.now()).await {
        Ok(_) => Ok((Some(t.s("ファイルを添付しました。", "File attached.").to_string()), None, StatusCode::OK)),
        Err(error @ app::AppError::Refused(_)) => Ok((None, message_of(t, &error), StatusCode::UNPROCESSABLE_ENTITY)),
        Err(other) => Err(other.into()),
    }
}

async fn office_upload(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path((case, visit)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let case = parse_id(&case)?;
    let actor = staff_actor(&staff, &ip);
    let (notice, problem, status) = upload(&state, lang.t, &actor, &visit, &mut multipart).await?;
    render_company(&state, lang.t, &staff, &ip, case, notice, problem, status).await
}

async fn portal_upload(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Path(visit): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let (notice, problem, status) = upload(&state, lang.t, &actor, &visit, &mut multipart).await?;
    render_portal(&state, lang.t, &company, &ip, notice, problem, status).await
}

async fn office_file(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path((case, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let case = parse_id(&case)?;
    let actor = staff_actor(&staff, &ip);
    let (record, bytes) =
        app::guidance::visit_file(&state.services, &actor, parse_id(&file)?, state.clock.now()).await?;
    if record.application_id != case {
        return Err(PageError::NotFound);
    }
    Ok(crate::incidents::download(&record.filename, &record.content_type, bytes))
}

async fn portal_file(
    State(state): State<AppState>,
    company: CompanyUser,
    ip: ClientIp,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let (record, bytes) =
        app::guidance::visit_file(&state.services, &actor, parse_id(&file)?, state.clock.now()).await?;
    Ok(crate::incidents::download(&record.filename, &record.content_type, bytes))
}

// ---------------------------------------------------------------------------------------------
// The public policy page.

#[derive(Template)]
#[template(path = "public/policy.html")]
struct PublicPolicy {
    t: T,
    signed_in: bool,
    company: String,
    policy: store::guidance::PolicyRecord,
    enacted_on: String,
}

/// A company's published basic policy, for anyone (the company links it from its website).
async fn public_policy(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (policy, company) = app::guidance::public_policy(&state.services, &slug).await?;
    let page = PublicPolicy {
        t: lang.t,
        signed_in: false,
        enacted_on: policy.enacted_on.map(domain::wareki::format_date).unwrap_or_default(),
        company,
        policy,
    };
    html(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------------
// The programme's figures.

#[derive(Template)]
#[template(path = "office/guidance_figures.html")]
struct FiguresPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    figures: app::guidance::Figures,
    baseline: String,
    latest: String,
    /// Something is shown as "<5" or "x" (Tokyo's view): the note says why.
    hidden: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FiguresQuery {
    format: String,
}

fn one_decimal(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

async fn figures_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    axum::extract::Query(query): axum::extract::Query<FiguresQuery>,
) -> Result<Response, PageError> {
    let actor = staff_actor(&staff, &ip);
    let figures = app::guidance::figures(&state.services, &actor).await?;
    if !query.format.is_empty() {
        use documents::Cell;
        let mut table = documents::Table::new(["項目", "値"]);
        let f = &figures;
        let mut push = |label: String, value: Cell| table.push(vec![Cell::from(label), value]);
        let figure = crate::render::figure_cell;
        push("参加確定企業（支援①）".into(), figure(f.participants));
        push("専門家の割当て済み".into(), figure(f.with_expert));
        for (visits, count) in f.by_visits_done.iter().enumerate() {
            push(format!("訪問実施 {visits}回"), figure(*count));
        }
        push("自社診断 実施企業".into(), figure(f.diagnosed));
        push("自社診断 初回平均".into(), Cell::from(one_decimal(f.baseline_average)));
        push("自社診断 最新平均".into(), Cell::from(one_decimal(f.latest_average)));
        push("基本方針 公開".into(), figure(f.policies_published));
        push("★★ 宣言準備済み".into(), figure(f.two_star_ready));
        push("★★ 宣言済み".into(), figure(f.two_star_declared));
        return crate::render::export(table, &query.format, "経営指導", "guidance-figures", state.clock.today());
    }
    let page = FiguresPage {
        t: lang.t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        baseline: one_decimal(figures.baseline_average),
        latest: one_decimal(figures.latest_average),
        hidden: [figures.participants, figures.with_expert, figures.diagnosed, figures.policies_published]
            .iter()
            .chain(&figures.by_visits_done)
            .chain(&[figures.two_star_ready, figures.two_star_declared])
            .any(|c| c.is_hidden()),
        figures,
    };
    html(StatusCode::OK, &page)
}

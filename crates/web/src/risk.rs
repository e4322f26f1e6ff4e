//! Course ② risk assessment pages: the course-② companies (an expert sees only its own; the
//! secretariat assigns experts there), a company's assessment (asset register, heat map,
//! priorities, the measure check, the report's versions), the company's side in the portal, the
//! workbook out and in, and the programme's figures. Every change goes through `app::risk`; this
//! module parses and renders.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::access::Action;
use domain::disclosure::Cell;
use domain::risk::{AssetInput, CHECK_ITEMS, CellProblem, Chapter, CheckAnswer, Choice, Field};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CompanyUser, Staff};
use crate::client::ClientIp;
use crate::error::PageError;
use crate::guidance::{message_of, parse_id, staff_actor, value};
use crate::i18n::{Lang, T};
use crate::render::html;

/// Largest workbook taken (a 300-row register is well under 1 MB).
pub(crate) const MAX_WORKBOOK_BYTES: usize = 5 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/risk", get(list_page).post(assign))
        .route("/office/risk/figures", get(figures_page))
        .route("/office/risk/{case}", get(company_page).post(company_action))
        .route("/office/risk/{case}/register.xlsx", get(office_export))
        .route(
            "/office/risk/{case}/import",
            post(office_import).layer(crate::upload_limit("/office/risk/{case}/import")),
        )
        .route("/office/risk/{case}/reports/{report}/pdf", get(office_report_pdf))
        .route("/portal/risk", get(portal_page).post(portal_action))
        .route("/portal/risk/register.xlsx", get(portal_export))
        .route("/portal/risk/import", post(portal_import).layer(crate::upload_limit("/portal/risk/import")))
        .route("/portal/risk/reports/{report}/pdf", get(portal_report_pdf))
}

fn company_actor(company: &CompanyUser, ip: &ClientIp) -> app::Actor {
    app::Actor::user(&company.user, app::Via::Page, ip.to_db())
}

// ---------------------------------------------------------------------------------------------
// The course-② companies.

struct Row {
    row: app::risk::CompanyRow,
    expert: String,
    stage: &'static str,
    last_change: String,
}

#[derive(Template)]
#[template(path = "office/risk.html")]
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
    (notice, problem): (Option<String>, Option<String>),
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = staff_actor(staff, ip);
    let rows = app::risk::companies(&state.services, &actor).await?;
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
            .map(|row| Row {
                expert: row.expert.as_ref().map(|e| e.display_name.clone()).unwrap_or_default(),
                stage: t.pick(row.stage.label_ja(), row.stage.label_en()),
                last_change: row.last_change.map(|at| t.datetime(&at)).unwrap_or_default(),
                row,
            })
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
    render_list(&state, lang.t, &staff, &ip, (None, None), StatusCode::OK).await
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
            render_list(&state, t, &staff, &ip, (Some(notice), None), StatusCode::OK).await
        }
        Err(error @ (app::AppError::Refused(_) | app::AppError::Invalid(_))) => {
            render_list(&state, t, &staff, &ip, (None, message_of(t, &error)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A company's assessment (office and portal share the views).

/// A register row as the table and its edit form show it.
struct AssetView {
    id: Uuid,
    cells: AssetInput,
    importance: u8,
    likelihood: String,
    risk: String,
    band: &'static str,
    band_code: &'static str,
    updated: String,
    form: FormView,
    /// The edit form opens when it came back with problems.
    open: bool,
}

/// A row form sent back with problems: what was typed and what was wrong with it.
#[derive(Default)]
struct AssetForm {
    /// The row being edited, or none for a new row.
    id: Option<Uuid>,
    cells: AssetInput,
    problems: Vec<(Field, CellProblem)>,
}

/// One input of a row form: name, label, value, required, problem (in the page's language).
type Input = (&'static str, &'static str, String, bool, Option<&'static str>);

/// A register row's form as the page shows it.
struct FormView {
    /// Prefix of the inputs' ids: `new-` for the add form, `e{n}-` for row n's.
    prefix: String,
    /// The row edited, or none for the add form.
    asset: Option<Uuid>,
    texts: Vec<Input>,
    levels: Vec<Input>,
    media: String,
    personal: String,
    treatment: String,
    status: String,
    due: Input,
    threat_note: String,
    measures: String,
    owner: String,
    note: String,
    media_problem: Option<&'static str>,
}

fn form_view(
    t: T,
    prefix: String,
    asset: Option<Uuid>,
    cells: &AssetInput,
    problems: &[(Field, CellProblem)],
) -> FormView {
    let problem =
        |field: Field| problems.iter().find(|(f, _)| *f == field).map(|(_, p)| t.pick(p.message_ja(), p.message_en()));
    let input = |name: &'static str, field: Field, value: &str, required: bool| -> Input {
        (name, t.pick(field.header_ja(), field.header_en()), value.to_string(), required, problem(field))
    };
    FormView {
        prefix,
        asset,
        texts: vec![
            input("business", Field::Business, &cells.business, true),
            input("name", Field::Name, &cells.name, true),
            input("users", Field::Users, &cells.users, false),
            input("department", Field::Department, &cells.department, false),
            input("retention", Field::Retention, &cells.retention, false),
        ],
        levels: vec![
            input("confidentiality", Field::Confidentiality, &cells.confidentiality, true),
            input("integrity", Field::Integrity, &cells.integrity, true),
            input("availability", Field::Availability, &cells.availability, true),
            input("threat", Field::Threat, &cells.threat, false),
            input("vulnerability", Field::Vulnerability, &cells.vulnerability, false),
        ],
        media: cells.media.clone(),
        personal: cells.personal.clone(),
        treatment: cells.treatment.clone(),
        status: cells.status.clone(),
        due: input("due", Field::Due, &cells.due, false),
        threat_note: cells.threat_note.clone(),
        measures: cells.measures.clone(),
        owner: cells.owner.clone(),
        note: cells.note.clone(),
        media_problem: problem(Field::Media),
    }
}

/// One select's options: (code, words).
type Options = Vec<(&'static str, &'static str)>;

fn options<C: Choice>(t: T) -> Options {
    C::ALL.iter().map(|c| (c.label_ja(), t.pick(c.label_ja(), c.label_en()))).collect()
}

struct Views {
    assets: Vec<AssetView>,
    /// The add form (kept as typed when it came back with problems).
    new: FormView,
    /// Rows of the heat map, importance 3 first: (importance, (count, band code) for likelihood 1–3).
    heat: Vec<(u8, Vec<(u32, &'static str)>)>,
    top: Vec<(String, u8, &'static str, String)>,
    chapters: Vec<(&'static str, String)>,
    /// The check by chapter as a bar chart (SVG), once answered.
    chapter_chart: Option<String>,
    /// The register's filter and how many rows it shows of how many.
    filter: RegisterFilter,
    shown: usize,
    check: Vec<(Option<&'static str>, u8, &'static str, &'static str)>,
    answers: Vec<(&'static str, &'static str)>,
    /// Each version, newest first: the record, its status, when and by whom (released: when it
    /// was released and who released it; a draft: when it was first drafted, who drafted it last).
    reports: Vec<(store::risk::ReportRecord, String, String, String)>,
    media: Options,
    /// The media and the bands by code, for the filter.
    media_codes: Options,
    band_codes: Options,
    personal: Options,
    treatments: Options,
    statuses: Options,
}

/// The register's filter, from the page's query: a band (`high`, `medium`, `low`, `unrated`) and
/// a medium (its code).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct RegisterFilter {
    band: String,
    media: String,
}

impl RegisterFilter {
    fn keeps(&self, asset: &domain::risk::Asset) -> bool {
        let band = match asset.risk() {
            Some(risk) => risk.band().code(),
            None => "unrated",
        };
        (self.band.is_empty() || self.band == band) && (self.media.is_empty() || self.media == asset.media.code())
    }
}

fn views(t: T, assessment: &app::risk::Assessment, sent: &AssetForm, filter: RegisterFilter) -> Views {
    let assets: Vec<AssetView> = assessment
        .assets
        .iter()
        .enumerate()
        .filter(|(_, record)| filter.keeps(&record.asset) || sent.id == Some(record.id))
        .map(|(index, record)| {
            let asset = &record.asset;
            let risk = asset.risk();
            let open = sent.id == Some(record.id);
            let cells = asset.to_input();
            let (form_cells, problems) = if open { (&sent.cells, &sent.problems[..]) } else { (&cells, &[][..]) };
            AssetView {
                form: form_view(t, format!("e{}-", index + 1), Some(record.id), form_cells, problems),
                open,
                id: record.id,
                cells: cells.clone(),
                importance: asset.importance().get(),
                likelihood: asset.likelihood().map(|l| l.get().to_string()).unwrap_or_default(),
                risk: risk.map(|r| r.get().to_string()).unwrap_or_default(),
                band: risk.map(|r| t.pick(r.band().label_ja(), r.band().label_en())).unwrap_or(""),
                band_code: risk.map(|r| r.band().code()).unwrap_or(""),
                updated: format!("{}（{}）", t.datetime(&record.updated_at), record.updated_by),
            }
        })
        .collect();
    let map = assessment.heat_map();
    let heat = (1..=3u8)
        .rev()
        .map(|importance| {
            let cells = (1..=3u8)
                .map(|likelihood| {
                    let band = domain::risk::risk_value(
                        domain::risk::Level::new(importance).expect("1–3"),
                        domain::risk::Level::new(likelihood).expect("1–3"),
                    )
                    .band();
                    (map[usize::from(importance - 1)][usize::from(likelihood - 1)], band.code())
                })
                .collect();
            (importance, cells)
        })
        .collect();
    let top = assessment
        .prioritised()
        .into_iter()
        .take(10)
        .map(|(_, asset)| {
            let risk = asset.risk().expect("prioritised assets are rated");
            (
                asset.name.clone(),
                risk.get(),
                t.pick(risk.band().label_ja(), risk.band().label_en()),
                asset.measures.unwrap_or_default(),
            )
        })
        .collect();
    let chapters = assessment
        .check_scores()
        .into_iter()
        .map(|s| {
            let words = s.percent().map(|p| format!("{p}%")).unwrap_or_else(|| t.s("—", "—").to_string());
            (t.pick(s.chapter.label_ja(), s.chapter.label_en()), words)
        })
        .collect();
    let chosen = |number: u8| {
        assessment
            .check
            .as_ref()
            .and_then(|c| c.answers.iter().find(|(n, _)| *n == number))
            .map(|(_, a)| a.code())
            .unwrap_or("")
    };
    let mut last: Option<Chapter> = None;
    let check = CHECK_ITEMS
        .iter()
        .map(|item| {
            let heading =
                (last != Some(item.chapter)).then(|| t.pick(item.chapter.label_ja(), item.chapter.label_en()));
            last = Some(item.chapter);
            (heading, item.number, item.question_ja, chosen(item.number))
        })
        .collect();
    let new = match sent.id {
        None => form_view(t, "new-".into(), None, &sent.cells, &sent.problems),
        Some(_) => form_view(t, "new-".into(), None, &AssetInput::default(), &[]),
    };
    Views {
        shown: assets.len(),
        chapter_chart: app::risk::chapter_chart(assessment, t.en),
        filter,
        assets,
        new,
        heat,
        top,
        chapters,
        check,
        answers: CheckAnswer::ALL.into_iter().map(|a| (a.code(), t.pick(a.label_ja(), a.label_en()))).collect(),
        reports: assessment
            .reports
            .iter()
            .rev()
            .map(|r| {
                let status = match (r.status.as_str(), r.acknowledged_at) {
                    ("draft", _) => t.s("作成中", "Draft"),
                    (_, Some(_)) => t.s("提出済み・企業確認済み", "Released, acknowledged"),
                    _ => t.s("提出済み", "Released"),
                };
                // A draft keeps when it was first drafted (redrafts replace its content).
                let (when, by) = match (r.released_at, &r.released_by) {
                    (Some(at), Some(by)) => (t.datetime(&at), by.clone()),
                    _ => (
                        format!("{}{}", t.s("初回作成 ", "first drafted "), t.datetime(&r.created_at)),
                        r.created_by.clone(),
                    ),
                };
                (r.clone(), status.to_string(), when, by)
            })
            .collect(),
        media: options::<domain::risk::Media>(t),
        media_codes: domain::risk::Media::ALL.iter().map(|m| (m.code(), t.pick(m.label_ja(), m.label_en()))).collect(),
        band_codes: vec![
            ("high", t.s("大", "High")),
            ("medium", t.s("中", "Medium")),
            ("low", t.s("小", "Low")),
            ("unrated", t.s("未評価", "Not rated")),
        ],
        personal: options::<domain::risk::PersonalInfo>(t),
        treatments: options::<domain::risk::Treatment>(t),
        statuses: options::<domain::risk::MeasureStatus>(t),
    }
}

#[derive(Template)]
#[template(path = "office/risk_company.html")]
struct CompanyPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    assessment: app::risk::Assessment,
    expert: String,
    stage: &'static str,
    v: Views,
    page_path: String,
    import_problems: Vec<app::risk::ImportProblem>,
    notice: Option<String>,
    problem: Option<String>,
}

impl CompanyPage {
    fn industry(&self) -> &str {
        let code = &self.assessment.record.industry;
        domain::eligibility::Industry::from_code(code)
            .map(|i| self.t.pick(i.label_ja(), i.label_en()))
            .unwrap_or(code.as_str())
    }
}

/// What a page shows after an action: a notice or a problem, the add form kept as typed, and
/// the problems of a refused import.
#[derive(Default)]
struct Outcome {
    /// 200, or 422 when the action came back with problems.
    status: StatusCode,
    filter: RegisterFilter,
    notice: Option<String>,
    problem: Option<String>,
    form: AssetForm,
    import_problems: Vec<app::risk::ImportProblem>,
}

async fn render_company(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: &ClientIp,
    case: Uuid,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = staff_actor(staff, ip);
    let assessment = app::risk::view(&state.services, &actor, case, state.clock.now()).await?;
    let page = CompanyPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        expert: assessment.expert.as_ref().map(|e| e.display_name.clone()).unwrap_or_default(),
        stage: t.pick(assessment.stage.label_ja(), assessment.stage.label_en()),
        v: views(t, &assessment, &outcome.form, outcome.filter),
        page_path: format!("/office/risk/{case}"),
        import_problems: outcome.import_problems,
        notice: outcome.notice,
        problem: outcome.problem,
        assessment,
    };
    html(status, &page)
}

async fn company_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(case): Path<String>,
    Query(filter): Query<RegisterFilter>,
) -> Result<Response, PageError> {
    let outcome = Outcome { filter, ..Outcome::default() };
    render_company(&state, lang.t, &staff, &ip, parse_id(&case)?, outcome, StatusCode::OK).await
}

/// The register row as the form sends it.
fn asset_input(pairs: &[(String, String)]) -> AssetInput {
    let v = |key: &str| value(pairs, key).to_string();
    AssetInput {
        business: v("business"),
        name: v("name"),
        note: v("note"),
        users: v("users"),
        department: v("department"),
        media: v("media"),
        personal: v("personal"),
        confidentiality: v("confidentiality"),
        integrity: v("integrity"),
        availability: v("availability"),
        retention: v("retention"),
        registered_on: v("registered_on"),
        threat: v("threat"),
        vulnerability: v("vulnerability"),
        threat_note: v("threat_note"),
        treatment: v("treatment"),
        measures: v("measures"),
        owner: v("owner"),
        due: v("due"),
        status: v("status"),
    }
}

/// The actions both sides share: add, change or remove a row, answer the check.
async fn shared_action(
    state: &AppState,
    t: T,
    actor: &app::Actor,
    case: Uuid,
    pairs: &[(String, String)],
) -> Result<Outcome, app::AppError> {
    let now = state.clock.now();
    let services = &state.services;
    let done = |notice: &str| Ok(Outcome { notice: Some(notice.to_string()), ..Outcome::default() });
    match value(pairs, "do") {
        action @ ("asset_add" | "asset_update") => {
            let id = match action {
                "asset_update" => Some(Uuid::parse_str(value(pairs, "asset")).map_err(|_| app::AppError::NotFound)?),
                _ => None,
            };
            let cells = asset_input(pairs);
            match cells.parse() {
                Ok(asset) => {
                    match id {
                        Some(id) => app::risk::update_asset(services, actor, case, id, &asset, now).await?,
                        None => {
                            app::risk::add_asset(services, actor, case, &asset, now).await?;
                        }
                    }
                    done(t.s("情報資産台帳を更新しました。", "Register updated."))
                }
                Err(problems) => Ok(Outcome {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    problem: Some(
                        t.s("入力内容を確認してください（下の表の赤字の項目）。", "Check the fields marked below.")
                            .into(),
                    ),
                    form: AssetForm { id, cells, problems },
                    ..Outcome::default()
                }),
            }
        }
        "asset_delete" => {
            let id = Uuid::parse_str(value(pairs, "asset")).map_err(|_| app::AppError::NotFound)?;
            app::risk::delete_asset(services, actor, case, id, now).await?;
            done(t.s("情報資産を台帳から削除しました。", "Asset removed from the register."))
        }
        "check" => {
            let answers = app::risk::parse_check(pairs)?;
            app::risk::save_check(services, actor, case, &answers, now).await?;
            done(t.s("対策状況チェックを保存しました。", "Measure check saved."))
        }
        _ => Err(app::AppError::Invalid(app::Invalid::UnknownChoice)),
    }
}

async fn fonts(state: &AppState) -> Result<std::sync::Arc<documents::pdf::Fonts>, app::AppError> {
    state.fonts().await.map_err(|e| app::AppError::Refused(domain::refusal::Refusal::DocumentUnavailable(e)))
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
    let result = match value(&pairs, "do") {
        "report_draft" => match fonts(&state).await {
            Ok(fonts) => {
                app::risk::draft_report(&state.services, &actor, fonts, case, now).await.map(|report| Outcome {
                    notice: Some(format!(
                        "{}{}{}",
                        t.s("報告書（第", "Report (version "),
                        report.version,
                        t.s(
                            "版）の下書きを作成しました。内容を確認して提出してください。",
                            ") drafted; review it and release it."
                        )
                    )),
                    ..Outcome::default()
                })
            }
            Err(error) => Err(error),
        },
        "report_release" => match Uuid::parse_str(value(&pairs, "report")) {
            Ok(report) => {
                app::risk::release_report(&state.services, &actor, case, report, now).await.map(|()| Outcome {
                    notice: Some(t.s("報告書を企業に提出しました。", "Report released to the company.").into()),
                    ..Outcome::default()
                })
            }
            Err(_) => Err(app::AppError::NotFound),
        },
        _ => shared_action(&state, t, &actor, case, &pairs).await,
    };
    match result {
        Ok(outcome) => {
            let status = outcome.status;
            render_company(&state, t, &staff, &ip, case, outcome, status).await
        }
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let outcome = Outcome { problem: message_of(t, &error), ..Outcome::default() };
            render_company(&state, t, &staff, &ip, case, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The workbook and the report's PDF.

fn xlsx_response(bytes: Vec<u8>, today: chrono::NaiveDate) -> Response {
    let name = format!("risk-register-{}.xlsx", today.format("%Y%m%d"));
    let japanese = crate::office::urlencode(&format!("情報資産管理台帳_{}.xlsx", today.format("%Y%m%d")));
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"; filename*=UTF-8''{japanese}")),
        ],
        bytes,
    )
        .into_response()
}

async fn office_export(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(case): Path<String>,
) -> Result<Response, PageError> {
    let actor = staff_actor(&staff, &ip);
    let bytes = app::risk::export_register(&state.services, &actor, parse_id(&case)?, state.clock.now()).await?;
    Ok(xlsx_response(bytes, state.clock.today()))
}

async fn portal_export(
    State(state): State<AppState>,
    company: CompanyUser,
    ip: ClientIp,
) -> Result<Response, PageError> {
    let actor = company_actor(&company, &ip);
    let bytes = app::risk::export_register(&state.services, &actor, company.application_id, state.clock.now()).await?;
    Ok(xlsx_response(bytes, state.clock.today()))
}

/// Reads the uploaded workbook and imports it; the outcome for the page.
async fn import(
    state: &AppState,
    t: T,
    actor: &app::Actor,
    case: Uuid,
    multipart: &mut Multipart,
) -> Result<(Outcome, StatusCode), PageError> {
    let mut bytes = Vec::new();
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_WORKBOOK_BYTES => bytes.extend_from_slice(&chunk),
                Ok(Some(_)) | Err(_) => {
                    let problem = t.s("ファイルが大きすぎます（5MBまで）。", "The file is too large (5 MB at most).");
                    return Ok((
                        Outcome { problem: Some(problem.into()), ..Outcome::default() },
                        StatusCode::PAYLOAD_TOO_LARGE,
                    ));
                }
                Ok(None) => break,
            }
        }
        break;
    }
    if bytes.is_empty() {
        let problem = t.s("取り込むExcelファイルを選んでください。", "Choose the Excel file to import.");
        return Ok((Outcome { problem: Some(problem.into()), ..Outcome::default() }, StatusCode::UNPROCESSABLE_ENTITY));
    }
    match app::risk::import_register(&state.services, actor, case, &bytes, state.clock.now()).await? {
        Ok(count) => Ok((
            Outcome {
                notice: Some(format!(
                    "{}{count}{}",
                    t.s("台帳を取り込みました（", "Register imported ("),
                    t.s("件）。", " assets).")
                )),
                ..Outcome::default()
            },
            StatusCode::OK,
        )),
        Err(app::risk::ImportRefused(problems)) => Ok((
            Outcome {
                problem: Some(
                    t.s(
                        "取り込めませんでした。台帳は変更していません。次の箇所を直して、もう一度取り込んでください。",
                        "Nothing was imported; the register is unchanged. Fix the cells below and import again.",
                    )
                    .into(),
                ),
                import_problems: problems,
                ..Outcome::default()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
    }
}

async fn office_import(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(case): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let case = parse_id(&case)?;
    let actor = staff_actor(&staff, &ip);
    let (outcome, status) = import(&state, lang.t, &actor, case, &mut multipart).await?;
    render_company(&state, lang.t, &staff, &ip, case, outcome, status).await
}

async fn portal_import(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let actor = company_actor(&company, &ip);
    let (outcome, status) = import(&state, lang.t, &actor, company.application_id, &mut multipart).await?;
    render_portal(&state, lang.t, &company, &ip, outcome, status).await
}

fn pdf_response(record: &store::risk::ReportRecord, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"risk-report-v{}.pdf\"", record.version)),
        ],
        bytes,
    )
        .into_response()
}

async fn office_report_pdf(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path((case, report)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = staff_actor(&staff, &ip);
    let (record, bytes) =
        app::risk::report_pdf(&state.services, &actor, parse_id(&case)?, parse_id(&report)?, state.clock.now()).await?;
    Ok(pdf_response(&record, bytes))
}

async fn portal_report_pdf(
    State(state): State<AppState>,
    company: CompanyUser,
    ip: ClientIp,
    Path(report): Path<String>,
) -> Result<Response, PageError> {
    let actor = company_actor(&company, &ip);
    let (record, bytes) =
        app::risk::report_pdf(&state.services, &actor, company.application_id, parse_id(&report)?, state.clock.now())
            .await?;
    Ok(pdf_response(&record, bytes))
}

// ---------------------------------------------------------------------------------------------
// The company's side.

#[derive(Template)]
#[template(path = "portal/risk.html")]
struct PortalPage {
    t: T,
    csrf: String,
    assessment: app::risk::Assessment,
    expert: String,
    v: Views,
    page_path: String,
    import_problems: Vec<app::risk::ImportProblem>,
    notice: Option<String>,
    problem: Option<String>,
}

async fn render_portal(
    state: &AppState,
    t: T,
    company: &CompanyUser,
    ip: &ClientIp,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = company_actor(company, ip);
    let assessment = app::risk::view(&state.services, &actor, company.application_id, state.clock.now()).await?;
    let page = PortalPage {
        t,
        csrf: company.csrf.clone(),
        expert: assessment.expert.as_ref().map(|e| e.display_name.clone()).unwrap_or_default(),
        v: views(t, &assessment, &outcome.form, outcome.filter),
        page_path: "/portal/risk".into(),
        import_problems: outcome.import_problems,
        notice: outcome.notice,
        problem: outcome.problem,
        assessment,
    };
    html(status, &page)
}

async fn portal_page(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Query(filter): Query<RegisterFilter>,
) -> Result<Response, PageError> {
    let outcome = Outcome { filter, ..Outcome::default() };
    render_portal(&state, lang.t, &company, &ip, outcome, StatusCode::OK).await
}

async fn portal_action(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = company_actor(&company, &ip);
    let result = match value(&pairs, "do") {
        "acknowledge" => match Uuid::parse_str(value(&pairs, "report")) {
            Ok(report) => {
                app::risk::acknowledge_own(&state.services, &actor, report, state.clock.now()).await.map(|_| Outcome {
                    notice: Some(t.s("報告書を確認しました。", "Report acknowledged.").into()),
                    ..Outcome::default()
                })
            }
            Err(_) => Err(app::AppError::NotFound),
        },
        _ => shared_action(&state, t, &actor, company.application_id, &pairs).await,
    };
    match result {
        Ok(outcome) => {
            let status = outcome.status;
            render_portal(&state, t, &company, &ip, outcome, status).await
        }
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let outcome = Outcome { problem: message_of(t, &error), ..Outcome::default() };
            render_portal(&state, t, &company, &ip, outcome, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The programme's figures.

#[derive(Template)]
#[template(path = "office/risk_figures.html")]
struct FiguresPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    figures: app::risk::Figures,
    stages: Vec<(&'static str, Cell)>,
    values: Vec<(u8, Cell)>,
    /// Something is shown as "<5" or "x" (Tokyo's view): the note says why.
    hidden: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FiguresQuery {
    format: String,
}

async fn figures_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<FiguresQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let figures = app::risk::figures(&state.services, &staff_actor(&staff, &ip)).await?;
    let stages: Vec<(&'static str, Cell)> = app::risk::Stage::ALL
        .iter()
        .zip(figures.by_stage.iter().copied())
        .map(|(stage, count)| (t.pick(stage.label_ja(), stage.label_en()), count))
        .collect();
    let values: Vec<(u8, Cell)> = [1u8, 2, 3, 4, 6, 9].into_iter().zip(figures.by_value.iter().copied()).collect();
    if !query.format.is_empty() {
        let mut table = documents::Table::new(["項目", "値"]);
        let mut push = |label: String, count: Cell| {
            table.push(vec![documents::Cell::from(label), crate::render::figure_cell(count)])
        };
        push("参加確定企業（支援②）".into(), figures.participants);
        push("専門家の割当て済み".into(), figures.with_expert);
        for (stage, count) in app::risk::Stage::ALL.iter().zip(figures.by_stage.iter().copied()) {
            push(format!("段階：{}", stage.label_ja()), count);
        }
        for (value, count) in &values {
            push(format!("リスク値 {value}"), *count);
        }
        for (media, count) in &figures.high_by_media {
            push(format!("リスク大の媒体：{media}"), *count);
        }
        for (personal, count) in &figures.high_by_personal {
            push(format!("リスク大の個人情報：{personal}"), *count);
        }
        return crate::render::export(table, &query.format, "リスク評価", "risk-figures", state.clock.today());
    }
    let hidden = [figures.participants, figures.with_expert]
        .iter()
        .chain(&figures.by_stage)
        .chain(&figures.by_value)
        .chain(figures.high_by_media.iter().chain(&figures.high_by_personal).map(|(_, cell)| cell))
        .any(|cell| cell.is_hidden());
    let page = FiguresPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        figures,
        stages,
        values,
        hidden,
    };
    html(StatusCode::OK, &page)
}

//! Monthly UTM reports: the month's list, generating drafts, staff review (comment, release) and
//! the company's view (web page and PDF).
//!
//! The data and the drafts are made by `app::reports`; these are the pages.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use documents::report::MonthlyReportData;
use domain::access::Action;
use serde::Deserialize;
use store::reports::ReportRecord;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CompanyUser;
use crate::auth::Staff;
use crate::client::ClientIp;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/reports/monthly", get(list_month).post(generate))
        .route("/office/reports/monthly/{id}", get(show_report).post(review))
        .route("/office/reports/monthly/{id}/pdf", get(staff_pdf))
        .route("/portal/reports", get(portal_list))
        .route("/portal/reports/{id}", get(portal_report))
        .route("/portal/reports/{id}/pdf", get(portal_pdf))
}

// ---- staff ----

struct Row {
    record: ReportRecord,
    company_name: String,
    blocked: u64,
    detected: u64,
}

#[derive(Template)]
#[template(path = "office/reports.html")]
struct MonthPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    month: String,
    month_label: String,
    rows: Vec<Row>,
    notice: Option<String>,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MonthQuery {
    month: Option<String>,
    done: Option<String>,
}

async fn list_month(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    Query(query): Query<MonthQuery>,
) -> Result<Response, PageError> {
    staff.require_may(Action::ManageDevices)?;
    let today = state.clock.today();
    let month = query
        .month
        .filter(|m| app::reports::month_bounds(m).is_some())
        .unwrap_or_else(|| app::reports::previous_month(today));
    let notice = query.done.map(|n| format!("{n}件のレポートを作成しました。"));
    month_page(&state, lang.t, &staff, month, notice, None, StatusCode::OK).await
}

async fn month_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    month: String,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut rows = Vec::new();
    for record in store::reports::for_month(&state.db, &month).await? {
        let data: MonthlyReportData =
            serde_json::from_value(record.data.clone()).map_err(|e| PageError::Internal(e.to_string()))?;
        let totals = data.totals();
        rows.push(Row { company_name: data.company_name, blocked: totals.blocked, detected: totals.detected, record });
    }
    let page = MonthPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        month_label: month_label(t, &month),
        month,
        rows,
        notice,
        problem,
    };
    html(status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GenerateForm {
    csrf: String,
    month: String,
}

async fn generate(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<GenerateForm>,
) -> Result<Response, PageError> {
    staff.require_may(Action::ManageDevices)?;
    let t = lang.t;
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let result = match app::reports::Month::parse(&form.month) {
        Ok(month) => match state.fonts().await {
            Ok(fonts) => app::reports::generate(&state.services, &actor, fonts, &month, state.clock.now()).await,
            Err(why) => Err(app::AppError::Refused(domain::refusal::Refusal::DocumentUnavailable(why))),
        },
        Err(invalid) => Err(invalid.into()),
    };
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error @ (app::AppError::Refused(_) | app::AppError::Invalid(_))) => {
            let problem = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            return month_page(&state, t, &staff, form.month, None, problem, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(other) => return Err(other.into()),
    };
    let made = outcome.made;
    if !outcome.failed.is_empty() {
        let failed: Vec<String> = outcome.failed.iter().map(|(serial, why)| format!("{serial}: {why}")).collect();
        let problem = format!(
            "{}{}",
            t.s(
                "次の機器のレポートを作成できませんでした（他の機器は作成済み）: ",
                "These devices' reports could not be made (the others were): "
            ),
            failed.join(" / ")
        );
        return month_page(
            &state,
            t,
            &staff,
            form.month,
            Some(format!("{made}")),
            Some(problem),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    Ok(Redirect::to(&format!("/office/reports/monthly?month={}&done={made}", form.month.trim())).into_response())
}

#[derive(Template)]
#[template(path = "office/report.html")]
struct ReportPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    record: ReportRecord,
    view: ReportView,
    problem: Option<String>,
}

/// What both the staff and the company pages show of a report.
pub struct ReportView {
    pub data: MonthlyReportData,
    /// The month and the days covered, in the page's language.
    pub month_label: String,
    pub period: String,
    /// (signature, kind, count, last seen) in the page's language.
    pub top_threats: Vec<(String, &'static str, u64, String)>,
    pub summary: Vec<String>,
    pub comparison: Option<String>,
    pub what_to_do: Vec<String>,
    pub categories: Vec<(&'static str, u64, u64, &'static str)>,
    pub daily_svg: String,
    pub category_svg: String,
}

impl ReportView {
    /// The report in the page's language (the PDF is issued in Japanese).
    fn new(data: MonthlyReportData, t: T) -> ReportView {
        let en = t.en;
        let categories = data.category_counts();
        ReportView {
            month_label: data.month_label_in(en),
            period: data.period_in(en),
            top_threats: data
                .top_threats
                .iter()
                .map(|threat| {
                    let last_seen = MonthlyReportData::last_seen_in(threat, en);
                    (threat.signature.clone(), threat.category.label_in(en), threat.count, last_seen)
                })
                .collect(),
            summary: data.summary_in(en),
            comparison: data.comparison_sentence_in(en),
            what_to_do: data.what_to_do_in(en),
            categories: categories
                .iter()
                .map(|c| (c.category.label_in(en), c.blocked, c.detected, c.category.explanation_in(en)))
                .collect(),
            daily_svg: documents::chart::daily_chart_in(&data.daily, en),
            category_svg: documents::chart::category_chart_in(&categories, en),
            data,
        }
    }
}

fn view_of(record: &ReportRecord, t: T) -> Result<ReportView, PageError> {
    let data: MonthlyReportData =
        serde_json::from_value(record.data.clone()).map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(ReportView::new(data, t))
}

async fn show_report(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    staff.require_may(Action::ManageDevices)?;
    let record = store::reports::get(&state.db, id).await?;
    report_page(lang.t, &staff, record, None, StatusCode::OK)
}

fn report_page(
    t: T,
    staff: &Staff,
    record: ReportRecord,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = ReportPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        view: view_of(&record, t)?,
        record,
        problem,
    };
    html(status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewForm {
    csrf: String,
    action: String,
    comment: String,
}

async fn review(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let now = state.clock.now();
    let result = match form.action.as_str() {
        "comment" => match state.fonts().await {
            Ok(fonts) => app::reports::comment(&state.services, &actor, fonts, id, &form.comment, now).await,
            Err(why) => Err(app::AppError::Refused(domain::refusal::Refusal::DocumentUnavailable(why))),
        },
        "release" => app::reports::release(&state.services, &actor, id, now).await,
        _ => return Err(PageError::bad_request("不明な操作です。", "Unknown action.")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/office/reports/monthly/{id}")).into_response()),
        Err(error @ (app::AppError::Refused(_) | app::AppError::Invalid(_))) => report_page(
            t,
            &staff,
            store::reports::get(&state.db, id).await?,
            crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(other) => Err(other.into()),
    }
}

async fn staff_pdf(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    staff.require_may(Action::ManageDevices)?;
    let (record, bytes) = store::reports::pdf(&state.db, id).await?;
    Ok(pdf_response(&record, bytes))
}

// ---- the company ----

#[derive(Template)]
#[template(path = "portal/reports.html")]
struct PortalList {
    t: T,
    reports: Vec<(ReportRecord, String)>,
}

async fn portal_list(State(state): State<AppState>, lang: Lang, company: CompanyUser) -> Result<Response, PageError> {
    let reports = store::reports::released_for_application(&state.db, company.application_id).await?;
    let page = PortalList {
        t: lang.t,
        reports: reports
            .into_iter()
            .map(|r| {
                let label = month_label(lang.t, &r.month);
                (r, label)
            })
            .collect(),
    };
    html(StatusCode::OK, &page)
}

/// A released report of the company's own application, or 404 (never another company's).
async fn own_report(state: &AppState, company: &CompanyUser, id: Uuid) -> Result<ReportRecord, PageError> {
    let record = store::reports::get(&state.db, id).await?;
    if record.application_id != company.application_id || record.status != "released" {
        return Err(PageError::NotFound);
    }
    Ok(record)
}

#[derive(Template)]
#[template(path = "portal/report.html")]
struct PortalReport {
    t: T,
    record: ReportRecord,
    view: ReportView,
}

async fn portal_report(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let record = own_report(&state, &company, id).await?;
    let page = PortalReport { t: lang.t, view: view_of(&record, lang.t)?, record };
    html(StatusCode::OK, &page)
}

async fn portal_pdf(
    State(state): State<AppState>,
    company: CompanyUser,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let record = own_report(&state, &company, id).await?;
    let (_, bytes) = store::reports::pdf(&state.db, id).await?;
    Ok(pdf_response(&record, bytes))
}

fn pdf_response(record: &ReportRecord, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"utm-report-{}.pdf\"", record.month)),
        ],
        bytes,
    )
        .into_response()
}

/// A report month as the page's language writes it: 令和8年11月, or November 2026.
fn month_label(t: T, month: &str) -> String {
    match chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d") {
        Ok(first) if t.en => first.format("%B %Y").to_string(),
        _ => app::reports::month_label(month),
    }
}

//! Monthly UTM reports: assembling a report's data from the stored roll-ups, generating the
//! month's drafts, staff review (comment, release) and the company's view (web page and PDF).
//!
//! The programme-wide median is shown only when at least `MIN_COMPANIES_FOR_MEDIAN` companies
//! had a device that month, so it never reveals one company's figure.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate, Utc};
use documents::report::{
    self, CategoryCount, DailyCount, MonthlyReportData, ProgrammeComparison, TargetedPort, TopThreat, TrafficTotals,
};
use domain::access::Role;
use serde::Deserialize;
use store::Db;
use store::devices::DeviceRecord;
use store::reports::ReportRecord;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CompanyUser;
use crate::auth::Staff;
use crate::auth::audit;
use crate::client::ClientIp;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;

pub const MIN_COMPANIES_FOR_MEDIAN: usize = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/reports/monthly", get(list_month).post(generate))
        .route("/office/reports/monthly/{id}", get(show_report).post(review))
        .route("/office/reports/monthly/{id}/pdf", get(staff_pdf))
        .route("/portal/reports", get(portal_list))
        .route("/portal/reports/{id}", get(portal_report))
        .route("/portal/reports/{id}/pdf", get(portal_pdf))
}

/// `2026-11` → (first day, last day).
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Some((first, next.pred_opt()?))
}

fn tokyo_start(day: NaiveDate) -> chrono::DateTime<Utc> {
    domain::programme::tokyo_day_start(day)
}

fn active_in(device: &DeviceRecord, first: NaiveDate, last: NaiveDate) -> bool {
    device.installed_on.is_some_and(|on| on <= last) && device.removed_on.is_none_or(|off| off >= first)
}

/// A threat as the top-threats table groups it: signature, category, action.
type ThreatKey = (String, report::Category, report::Action);

/// Builds a device's report data for `month` from the roll-ups.
pub async fn report_data(
    db: &Db,
    device: &DeviceRecord,
    month: &str,
    comment: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<MonthlyReportData> {
    let (first, last) = month_bounds(month).ok_or_else(|| anyhow::anyhow!("month must look like 2026-11"))?;
    let from = device.installed_on.map_or(first, |on| on.max(first));
    let to = device.removed_on.map_or(last, |off| off.min(last));
    let application = store::applications::get(db, device.application_id).await?;
    let threats = store::logs::threat_counts(db, device.id, from, to).await?;
    let traffic = store::logs::traffic_counts(db, device.id, from, to).await?;

    let mut categories: BTreeMap<report::Category, CategoryCount> = BTreeMap::new();
    let mut daily: BTreeMap<NaiveDate, DailyCount> = BTreeMap::new();
    let mut top: BTreeMap<ThreatKey, (u64, Option<chrono::DateTime<Utc>>)> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        daily.insert(day, DailyCount { day: day.day() as u8, blocked: 0, detected: 0 });
        day = day.succ_opt().expect("dates go on");
    }
    for row in &threats {
        let category = report::Category::from_code(&row.category).unwrap_or(report::Category::Other);
        let entry =
            categories.entry(category).or_insert(CategoryCount { category, blocked: 0, detected: 0, allowed: 0 });
        let action = match row.action.as_str() {
            "blocked" => {
                entry.blocked += row.count;
                report::Action::Blocked
            }
            "detected" => {
                entry.detected += row.count;
                report::Action::Detected
            }
            _ => {
                entry.allowed += row.count;
                report::Action::Allowed
            }
        };
        if let Some(count) = daily.get_mut(&row.day) {
            match action {
                report::Action::Blocked => count.blocked += row.count,
                report::Action::Detected => count.detected += row.count,
                report::Action::Allowed => {}
            }
        }
        if action != report::Action::Allowed && !row.signature.is_empty() {
            let seen = top.entry((row.signature.clone(), category, action)).or_insert((0, None));
            seen.0 += row.count;
            seen.1 = seen.1.max(row.last_seen);
        }
    }
    let mut top_threats: Vec<TopThreat> = top
        .into_iter()
        .map(|((signature, category, action), (count, last))| TopThreat {
            signature,
            category,
            action,
            count,
            last_seen: last
                .map(|at| at.with_timezone(&chrono_tz::Asia::Tokyo).format("%-m月%-d日 %H:%M").to_string())
                .unwrap_or_default(),
        })
        .collect();
    top_threats.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.signature.cmp(&b.signature)));
    top_threats.truncate(report::MAX_TOP_THREATS);
    let ports = store::logs::top_destination_ports(
        db,
        device.id,
        tokyo_start(from),
        tokyo_start(to.succ_opt().unwrap_or(to)),
        report::MAX_TARGETED_PORTS as u64,
    )
    .await?;
    let sessions = |action: &str| traffic.iter().filter(|t| t.action == action).map(|t| t.count).sum::<u64>();

    // The programme-wide median over every device active this month (a device with no threat
    // rows counts as zero).
    let mut totals: BTreeMap<Uuid, u64> =
        store::devices::list(db).await?.into_iter().filter(|d| active_in(d, first, last)).map(|d| (d.id, 0)).collect();
    for (id, total) in store::logs::threat_totals_by_device(db, first, last).await? {
        if let Some(slot) = totals.get_mut(&id) {
            *slot = total;
        }
    }
    let comparison = (totals.len() >= MIN_COMPANIES_FOR_MEDIAN).then(|| {
        let mut values: Vec<u64> = totals.values().copied().collect();
        values.sort_unstable();
        let middle = values.len() / 2;
        let median =
            if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2 } else { values[middle] };
        ProgrammeComparison { median_threats: median, companies: values.len() as u32 }
    });
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let era_month = domain::wareki::format_date(first);
    let month_label = era_month.split('月').next().map(|s| format!("{s}月")).unwrap_or(era_month.clone());
    Ok(MonthlyReportData {
        company_name: application.company_name,
        reference: Some(application.reference),
        device: report::Device {
            vendor: device.vendor.clone(),
            model: device.model.clone(),
            serial: device.serial.clone(),
        },
        month: month.to_string(),
        month_label,
        period: format!("{}～{}", domain::wareki::format_date(from), to.format("%-m月%-d日")),
        issued_on: domain::wareki::format_date(today),
        trial_last_day: device.trial_last_day().filter(|d| *d >= first).map(domain::wareki::format_date),
        categories: categories.into_values().collect(),
        daily: daily.into_values().collect(),
        top_threats,
        targeted_ports: ports.into_iter().map(|(port, count)| TargetedPort { port, service: None, count }).collect(),
        traffic: TrafficTotals { sessions_allowed: sessions("allowed"), sessions_blocked: sessions("blocked") },
        comparison,
        staff_comment: comment,
    })
}

/// Generates (or regenerates) the drafts of every device active in `month`. Returns how many.
pub async fn generate_month(
    db: &Db,
    fonts: &documents::pdf::Fonts,
    month: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<usize> {
    let (first, last) = month_bounds(month).ok_or_else(|| anyhow::anyhow!("month must look like 2026-11"))?;
    let devices: Vec<DeviceRecord> =
        store::devices::list(db).await?.into_iter().filter(|d| active_in(d, first, last)).collect();
    let existing: BTreeMap<Uuid, ReportRecord> =
        store::reports::for_month(db, month).await?.into_iter().map(|r| (r.device_id, r)).collect();
    let mut made = 0;
    for device in devices {
        let previous = existing.get(&device.id);
        if previous.is_some_and(|r| r.status == "released") {
            continue;
        }
        let data = report_data(db, &device, month, previous.and_then(|r| r.comment.clone()), now).await?;
        let pdf = report::render_monthly_report(fonts, &data)?;
        store::reports::save_draft(
            db,
            device.id,
            device.application_id,
            month,
            &serde_json::to_value(&data)?,
            pdf,
            now,
        )
        .await?;
        made += 1;
    }
    Ok(made)
}

/// The previous month of `today` as `YYYY-MM` (the worker generates it on the 1st).
pub fn previous_month(today: NaiveDate) -> String {
    let first = today.with_day(1).expect("day 1 exists");
    first.pred_opt().expect("a day before").format("%Y-%m").to_string()
}

fn this_month_label(month: &str) -> String {
    month_bounds(month)
        .map(|(first, _)| domain::wareki::format_date(first))
        .map(|d| d.split('月').next().map(|s| format!("{s}月")).unwrap_or(d))
        .unwrap_or_default()
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
    is_admin: bool,
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
    staff.require(Role::can_manage_devices)?;
    let today = state.clock.today();
    let month = query.month.filter(|m| month_bounds(m).is_some()).unwrap_or_else(|| previous_month(today));
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
        is_admin: staff.user.role.can_administer(),
        csrf: staff.csrf.clone(),
        month_label: this_month_label(&month),
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
    staff.require(Role::can_manage_devices)?;
    staff.check_csrf(&form.csrf)?;
    if month_bounds(&form.month).is_none() {
        return Err(PageError::BadRequest("月は「2026-11」の形式で指定してください".into()));
    }
    let fonts = match state.fonts().await {
        Ok(fonts) => fonts,
        Err(message) => {
            return month_page(
                &state,
                lang.t,
                &staff,
                form.month,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let made = generate_month(&state.db, &fonts, &form.month, state.clock.now())
        .await
        .map_err(|e| PageError::Internal(format!("{e:#}")))?;
    audit(&state, &staff, ip, "report.generate", None, serde_json::json!({"month": form.month, "reports": made}))
        .await?;
    Ok(Redirect::to(&format!("/office/reports/monthly?month={}&done={made}", form.month)).into_response())
}

#[derive(Template)]
#[template(path = "office/report.html")]
struct ReportPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    is_admin: bool,
    csrf: String,
    record: ReportRecord,
    view: ReportView,
    problem: Option<String>,
}

/// What both the staff and the company pages show of a report.
pub struct ReportView {
    pub data: MonthlyReportData,
    pub summary: Vec<String>,
    pub comparison: Option<String>,
    pub what_to_do: Vec<String>,
    pub categories: Vec<(&'static str, u64, u64, &'static str)>,
    pub daily_svg: String,
    pub category_svg: String,
}

impl ReportView {
    fn new(data: MonthlyReportData) -> ReportView {
        let categories = data.category_counts();
        ReportView {
            summary: data.summary(),
            comparison: data.comparison_sentence(),
            what_to_do: data.what_to_do(),
            categories: categories
                .iter()
                .map(|c| (c.category.label(), c.blocked, c.detected, c.category.explanation()))
                .collect(),
            daily_svg: documents::chart::daily_chart(&data.daily),
            category_svg: documents::chart::category_chart(&categories),
            data,
        }
    }
}

fn view_of(record: &ReportRecord) -> Result<ReportView, PageError> {
    let data: MonthlyReportData =
        serde_json::from_value(record.data.clone()).map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(ReportView::new(data))
}

async fn show_report(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    staff.require(Role::can_manage_devices)?;
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
        is_admin: staff.user.role.can_administer(),
        csrf: staff.csrf.clone(),
        view: view_of(&record)?,
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
    staff.require(Role::can_manage_devices)?;
    staff.check_csrf(&form.csrf)?;
    let record = store::reports::get(&state.db, id).await?;
    let t = lang.t;
    let result: Result<(), store::StoreError> = match form.action.as_str() {
        "comment" => {
            let comment = form.comment.trim().to_string();
            if comment.chars().count() > 2000 {
                return report_page(
                    t,
                    &staff,
                    record,
                    Some(
                        t.s("コメントは2000文字以内で入力してください", "A comment has at most 2,000 characters")
                            .into(),
                    ),
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            } else {
                let mut data: MonthlyReportData =
                    serde_json::from_value(record.data.clone()).map_err(|e| PageError::Internal(e.to_string()))?;
                data.staff_comment = (!comment.is_empty()).then_some(comment.clone());
                let fonts = state.fonts().await.map_err(PageError::BadRequest)?;
                let pdf =
                    report::render_monthly_report(&fonts, &data).map_err(|e| PageError::Internal(e.to_string()))?;
                let value = serde_json::to_value(&data).map_err(|e| PageError::Internal(e.to_string()))?;
                store::reports::comment(&state.db, id, data.staff_comment.clone(), &value, pdf).await
            }
        }
        "release" => {
            let application = store::applications::get(&state.db, record.application_id).await?;
            let label = this_month_label(&record.month);
            let email = app::mail::message_notice(
                &state.services.mail,
                &application.contact_email,
                &application.company_name,
                &format!("UTM月次レポート（{label}）を公開しました"),
            );
            store::reports::release(&state.db, id, staff.actor(), ip.to_db(), &email, state.clock.now()).await
        }
        _ => return Err(PageError::BadRequest("不明な操作です / Unknown action".into())),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/office/reports/monthly/{id}")).into_response()),
        Err(error @ store::StoreError::Refused(_)) => report_page(
            t,
            &staff,
            store::reports::get(&state.db, id).await?,
            Some(crate::messages::store_problem(&error, t)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(other) => Err(other.into()),
    }
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

async fn staff_pdf(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    staff.require(Role::can_manage_devices)?;
    let (record, bytes) = store::reports::pdf(&state.db, id).await?;
    Ok(pdf_response(&record, bytes))
}

// ---- the company ----

#[derive(Template)]
#[template(path = "portal/reports.html")]
struct PortalList {
    t: T,
    signed_in: bool,
    reports: Vec<(ReportRecord, String)>,
}

async fn portal_list(State(state): State<AppState>, lang: Lang, company: CompanyUser) -> Result<Response, PageError> {
    let reports = store::reports::released_for_application(&state.db, company.application_id).await?;
    let page = PortalList {
        t: lang.t,
        signed_in: false,
        reports: reports
            .into_iter()
            .map(|r| {
                let label = this_month_label(&r.month);
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
    signed_in: bool,
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
    let page = PortalReport { t: lang.t, signed_in: false, view: view_of(&record)?, record };
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

//! The results report to Tokyo (実績報告) on the web: `/office/reports/results` shows a
//! programme year's tables cumulative to the end of a chosen month, and gives them as a PDF or an
//! xlsx workbook. Tokyo officials and the secretariat read the same suppressed report
//! (`app::results`).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Staff;
use crate::client::ClientIp;
use crate::error::PageError;
use crate::guidance::staff_actor;
use crate::i18n::{Lang, T};
use crate::render::html;

pub fn router() -> Router<AppState> {
    Router::new().route("/office/reports/results", get(results_page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReportQuery {
    /// `2026`
    year: String,
    /// `2026-11`
    month: String,
    /// `pdf`, `xlsx`, or empty for the page.
    format: String,
}

#[derive(Template)]
#[template(path = "office/results_report.html")]
struct ReportPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    /// (year, label, chosen)
    years: Vec<(i32, String, bool)>,
    /// (`YYYY-MM`, label, chosen)
    months: Vec<(String, String, bool)>,
    year: i32,
    month: String,
    report: app::results::ResultsReport,
}

fn bad(ja: &str, en: &str) -> PageError {
    PageError::bad_request(ja, en)
}

async fn results_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = staff_actor(&staff, &ip);
    if !actor.may(domain::access::Action::ReadResultsReport) {
        return Err(PageError::Forbidden);
    }
    let programmes = store::programmes::list(&state.db).await?;
    let current = store::programmes::current(&state.db).await?;
    let year = match query.year.trim() {
        "" => current.as_ref().map(|p| p.fiscal_year).ok_or(PageError::NotFound)?,
        raw => raw.parse::<i32>().map_err(|_| bad("年度の値が正しくありません", "Unknown year"))?,
    };
    // Default: the last month that has ended (or the year's last month once it is over).
    let today = state.clock.today();
    let year_start =
        NaiveDate::from_ymd_opt(year, 4, 1).ok_or_else(|| bad("年度の値が正しくありません", "Unknown year"))?;
    let months: Vec<NaiveDate> = (0..12).map(|n| year_start + Months::new(n)).collect();
    let month = match query.month.trim() {
        "" => months.iter().rev().find(|m| **m + Months::new(1) <= today).copied().unwrap_or(year_start),
        raw => {
            NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").ok().filter(|m| months.contains(m)).ok_or_else(
                || bad("月の値が正しくありません（年度内の YYYY-MM）", "Unknown month (YYYY-MM within the year)"),
            )?
        }
    };
    let report = app::results::report(&state.services, &actor, year, month, today).await?;
    let stem = format!("kojo-results-{year}-to-{}", month.format("%Y-%m"));
    match query.format.as_str() {
        "" => {}
        "pdf" => {
            let fonts = state
                .fonts()
                .await
                .map_err(|e| app::AppError::Refused(domain::refusal::Refusal::DocumentUnavailable(e)))?;
            let bytes = app::results::pdf(fonts, &report).await?;
            return Ok((
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{stem}.pdf\"")),
                ],
                bytes,
            )
                .into_response());
        }
        "xlsx" => {
            let bytes = app::results::xlsx(&report)?;
            return Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{stem}.xlsx\"")),
                ],
                bytes,
            )
                .into_response());
        }
        _ => return Err(bad("不明な出力形式です（pdf / xlsx）", "Unknown format (pdf / xlsx)")),
    }
    let label = |m: NaiveDate| if t.en { m.format("%B %Y").to_string() } else { domain::wareki::format_month(m) };
    let page = ReportPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        years: programmes
            .iter()
            .map(|p| {
                let label = if t.en {
                    format!("FY{}", p.fiscal_year)
                } else {
                    domain::wareki::format_fiscal_year(p.fiscal_year)
                };
                (p.fiscal_year, label, p.fiscal_year == year)
            })
            .collect(),
        months: months.iter().map(|m| (m.format("%Y-%m").to_string(), label(*m), *m == month)).collect(),
        year,
        month: format!("{}-{:02}", month.year(), month.month()),
        report,
    };
    html(StatusCode::OK, &page)
}

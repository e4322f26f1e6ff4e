//! The public statistics page (`/stats`): the programme year's anonymised headline figures as
//! last published (monthly, by the job `public_stats`), as tables and charts, and as one CSV or
//! xlsx. Every figure went through the small-cell rule (`domain::disclosure`) before it was kept.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;

pub fn router() -> Router<AppState> {
    Router::new().route("/stats", get(stats_page))
}

/// A table as the page shows it.
struct TableView {
    key: String,
    title: String,
    columns: Vec<String>,
    /// (label, cells, row total)
    rows: Vec<(String, Vec<String>, String)>,
    totals: Vec<String>,
    total: String,
    /// One column of separate populations: the row totals mean nothing and are not shown.
    row_totals: bool,
    svg: String,
}

#[derive(Template)]
#[template(path = "public/stats.html")]
struct StatsPage {
    t: T,
    signed_in: bool,
    stats: Option<Shown>,
}

struct Shown {
    programme: String,
    as_of: String,
    tables: Vec<TableView>,
    detections_svg: String,
    detections: Vec<(String, String, String)>,
    two_star: String,
    has_hidden: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatsQuery {
    format: String,
}

fn pick(t: T, (ja, en): &(String, String)) -> String {
    t.pick(ja, en).to_string()
}

fn month_label(t: T, month: &str) -> String {
    match chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d") {
        Ok(day) if t.en => day.format("%b %Y").to_string(),
        Ok(day) => domain::wareki::format_month(day),
        Err(_) => month.to_string(),
    }
}

fn view(t: T, stats: &app::stats::PublicStats) -> Shown {
    let tables = stats
        .tables
        .iter()
        .map(|table| {
            // Parts of one population (industries × courses): each row's total is its figure;
            // applied and taking part (two populations) and one-column lists: the last cell.
            let row_totals = table.columns.len() > 1 && !table.separate_columns;
            let chart_rows: Vec<(String, Option<u64>)> = table
                .rows
                .iter()
                .enumerate()
                .map(|(r, row)| {
                    let value = if row_totals {
                        table.published.row_totals[r].count()
                    } else {
                        table.published.cells[r].last().and_then(|c| c.count())
                    };
                    (pick(t, row), value)
                })
                .collect();
            let title = t.pick(&table.title_ja, &table.title_en).to_string();
            let chart_title = if table.separate_columns {
                t.s("コース別の参加企業数", "Companies taking part, by course").to_string()
            } else {
                title.clone()
            };
            TableView {
                key: table.key.clone(),
                title,
                columns: table.columns.iter().map(|c| pick(t, c)).collect(),
                rows: table
                    .rows
                    .iter()
                    .zip(&table.published.cells)
                    .zip(&table.published.row_totals)
                    .map(|((row, cells), total)| {
                        (pick(t, row), cells.iter().map(|c| c.label()).collect(), total.label())
                    })
                    .collect(),
                totals: table.published.column_totals.iter().map(|c| c.label()).collect(),
                total: table.published.total.label(),
                row_totals,
                svg: documents::chart::count_chart(&chart_title, &chart_rows, t.s("社", ""), t.en),
            }
        })
        .collect();
    let detection_rows: Vec<(String, Option<u64>)> =
        stats.detections.iter().map(|m| (month_label(t, &m.month), m.detections)).collect();
    Shown {
        programme: t.pick(&stats.programme_ja, &stats.programme_en).to_string(),
        as_of: if t.en {
            stats.as_of.format("%-d %B %Y").to_string()
        } else {
            domain::wareki::format_date(stats.as_of)
        },
        detections_svg: documents::chart::count_chart(
            t.s("UTMの月別検知件数", "UTM detections by month"),
            &detection_rows,
            t.s("件", ""),
            t.en,
        ),
        detections: stats
            .detections
            .iter()
            .map(|m| {
                (
                    month_label(t, &m.month),
                    m.companies.label(),
                    m.detections.map_or_else(|| t.s("非表示", "not shown").to_string(), |n| n.to_string()),
                )
            })
            .collect(),
        two_star: stats.two_star.label(),
        // Applied and taking part have no row totals to show (two populations): only their
        // cells and column totals count.
        has_hidden: stats.tables.iter().any(|table| {
            let shown = &table.published;
            if table.separate_columns {
                shown.cells.iter().flatten().chain(&shown.column_totals).any(|c| c.is_hidden())
            } else {
                shown.has_hidden()
            }
        }) || stats.detections.iter().any(|m| m.detections.is_none() || m.companies.is_hidden())
            || stats.two_star.is_hidden(),
        tables,
    }
}

/// Every figure as one long table: (table, row, column, value as shown).
fn export_table(t: T, stats: &app::stats::PublicStats) -> documents::Table {
    let mut out =
        documents::Table::new([t.s("表", "Table"), t.s("行", "Row"), t.s("列", "Column"), t.s("値", "Value")]);
    let total = t.s("計", "Total").to_string();
    for table in &stats.tables {
        let title = t.pick(&table.title_ja, &table.title_en).to_string();
        for (r, row) in table.rows.iter().enumerate() {
            for (c, column) in table.columns.iter().enumerate() {
                out.push([title.clone(), pick(t, row), pick(t, column), table.published.cells[r][c].label()]);
            }
        }
        for (c, column) in table.columns.iter().enumerate() {
            out.push([title.clone(), total.clone(), pick(t, column), table.published.column_totals[c].label()]);
        }
    }
    let detections = t.s("UTMの月別検知件数", "UTM detections by month").to_string();
    for m in &stats.detections {
        let value = m.detections.map_or_else(|| t.s("非表示", "not shown").to_string(), |n| n.to_string());
        out.push([detections.clone(), m.month.clone(), t.s("検知件数", "Detections").to_string(), value]);
        out.push([
            detections.clone(),
            m.month.clone(),
            t.s("検知のあった企業数", "Companies").to_string(),
            m.companies.label(),
        ]);
    }
    out.push([
        t.s("SECURITY ACTION 二つ星", "SECURITY ACTION two stars").to_string(),
        total,
        t.s("宣言企業数", "Companies declared").to_string(),
        stats.two_star.label(),
    ]);
    out
}

async fn stats_page(
    State(state): State<AppState>,
    lang: Lang,
    Query(query): Query<StatsQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let stats = app::stats::public(&state.services).await?;
    if !query.format.is_empty() {
        let stats = stats.ok_or(PageError::NotFound)?;
        return crate::render::export(export_table(t, &stats), &query.format, "stats", "kojo-stats", stats.as_of);
    }
    let stats = stats.as_ref().map(|stats| view(t, stats));
    html(StatusCode::OK, &StatsPage { t, signed_in: false, stats })
}

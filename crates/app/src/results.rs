//! The results report to Tokyo (実績報告): a programme year's figures, cumulative to the end of a
//! month, in a fixed set of tables — applications and participants by course, industry, size and
//! area; the funnel (each application at the furthest step it reached, by where it stands: taking
//! part, in progress, or the exit it took); the secretariat's contact within 3 business days; the
//! briefing seminars; the UTMs (devices, detections by month and by category, blocked or only
//! detected) and ★★; the incident desk with its on-site visits; guidance and risk assessment; the
//! surveys — each under the small-cell rule, as a PDF (typst) and an xlsx with one sheet per table.
//! Tables that share a figure (all applications, all participants, a course's participants) are
//! suppressed together (`disclosure::suppress_linked`).
//!
//! The report is what leaves the secretariat, so it is suppressed whoever downloads it; the same
//! records give the same tables and the same bytes (nothing in it reads the clock).
//!
//! Must not: hold a figure that did not pass through `domain::disclosure`, or name a company.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Months, NaiveDate};
use domain::access::Action;
use domain::case::{Standing, Step};
use domain::device::DeviceStage;
use domain::disclosure::{self, Cell, Published};
use serde::Serialize;
use store::applications::ApplicationFilter;
use store::incidents::{DispatchKind, DispatchStatus};
use uuid::Uuid;

/// The note under tables of things (devices, detections) that companies hold.
const HELD_NOTE: &str = "5社未満の企業によるものは「<5」、そのとき同じ列の他の数値は「x」としています。";

use crate::stats::StatsTable;
use crate::{Actor, AppError, Result, Services};

/// One table of the report as printed: its rows' labels and cells as text (`<5`, `x`, `—` for
/// withheld figures), the totals row included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportTable {
    /// Stable name (the xlsx sheet's order, the element id).
    pub key: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// A line under the table (what a mark means), or empty.
    pub note: String,
}

/// The report: its title lines and tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultsReport {
    pub fiscal_year: i32,
    pub programme: String,
    /// `令和8年4月〜令和8年11月` and the day it counts to.
    pub period: String,
    pub as_of: String,
    /// The same day as `YYYY-MM-DD`.
    pub as_of_iso: String,
    pub tables: Vec<ReportTable>,
    pub note: String,
}

/// The end of the report: the first day of the month after `month`, at most the year's end.
fn cutoff(fiscal_year: i32, month: NaiveDate) -> Option<NaiveDate> {
    let start = NaiveDate::from_ymd_opt(fiscal_year, 4, 1)?;
    let end = NaiveDate::from_ymd_opt(fiscal_year + 1, 4, 1)?;
    let next = month.with_day(1)? + Months::new(1);
    (start < next).then_some(next.min(end))
}

fn label(cell: Cell) -> String {
    cell.label()
}

/// A published table with its totals row (and totals column when its columns are parts of one).
fn from_stats(table: &StatsTable) -> ReportTable {
    let published = &table.published;
    let mut headers = vec![String::new()];
    headers.extend(table.columns.iter().map(|(ja, _)| ja.clone()));
    let with_row_totals = !table.separate_columns && table.columns.len() > 1;
    if with_row_totals {
        headers.push("計".into());
    }
    let mut rows = Vec::new();
    for (index, (ja, _)) in table.rows.iter().enumerate() {
        let mut row = vec![ja.clone()];
        row.extend(published.cells[index].iter().copied().map(label));
        if with_row_totals {
            row.push(label(published.row_totals[index]));
        }
        rows.push(row);
    }
    let mut totals = vec!["計".to_string()];
    totals.extend(published.column_totals.iter().copied().map(label));
    if with_row_totals {
        totals.push(label(published.total));
    }
    rows.push(totals);
    ReportTable {
        key: table.key.clone(),
        title: table.title_ja.clone(),
        headers,
        rows,
        note: if printed_hidden(published, with_row_totals) { disclosure::NOTE_JA.into() } else { String::new() },
    }
}

/// Whether a figure printed of `published` is hidden: its cells and column totals, and its row
/// and grand totals when they are printed (separate populations have none, marked hidden).
fn printed_hidden(published: &Published, row_totals: bool) -> bool {
    if row_totals {
        return published.has_hidden();
    }
    published.column_totals.iter().chain(published.cells.iter().flatten()).any(|c| c.is_hidden())
}

/// What is printed under a table: the marks' meaning, for the marks it holds.
fn note_for(published: &Published, hidden: bool) -> String {
    let mut note = if hidden { disclosure::NOTE_JA.to_string() } else { String::new() };
    if published.cells.iter().flatten().any(|c| *c == Cell::Withheld) {
        note.push_str(WITHHELD_NOTE);
    }
    note
}

/// What "—" means in a table that follows the public totals.
const WITHHELD_NOTE: &str = "「—」は、表1と同じ合計から5社未満の値が分かってしまうため、内訳を表示していない値です。";

/// A list of counts that are parts of one whole, as published, as a table with its total.
fn list_table(key: &str, title: &str, header: &str, rows: &[String], published: &Published) -> ReportTable {
    let mut out: Vec<Vec<String>> =
        rows.iter().zip(&published.cells).map(|(name, cells)| vec![name.clone(), label(cells[0])]).collect();
    out.push(vec!["計".into(), label(published.total)]);
    ReportTable {
        key: key.into(),
        title: title.into(),
        headers: vec![String::new(), header.into()],
        rows: out,
        note: note_for(published, published.has_hidden()),
    }
}

/// A published table with its column totals, and its row totals when `row_totals` (its columns
/// are parts of one whole).
fn table_of(
    key: &str,
    title: &str,
    headers: &[&str],
    rows: &[String],
    published: &Published,
    row_totals: bool,
) -> ReportTable {
    let mut out = Vec::new();
    for (index, name) in rows.iter().enumerate() {
        let mut row = vec![name.clone()];
        row.extend(published.cells[index].iter().copied().map(label));
        if row_totals {
            row.push(label(published.row_totals[index]));
        }
        out.push(row);
    }
    let mut totals = vec!["計".to_string()];
    totals.extend(published.column_totals.iter().copied().map(label));
    if row_totals {
        totals.push(label(published.total));
    }
    out.push(totals);
    let mut all = vec![String::new()];
    all.extend(headers.iter().map(|h| h.to_string()));
    if row_totals {
        all.push("計".into());
    }
    ReportTable {
        key: key.into(),
        title: title.into(),
        headers: all,
        rows: out,
        note: if printed_hidden(published, row_totals) { disclosure::NOTE_JA.into() } else { String::new() },
    }
}

/// The report of `fiscal_year`, cumulative to the end of `month` (any day of it), or to the end
/// of `today` (Tokyo) while that month runs.
pub async fn report(
    services: &Services,
    actor: &Actor,
    fiscal_year: i32,
    month: NaiveDate,
    today: NaiveDate,
) -> Result<ResultsReport> {
    actor.require(Action::ReadResultsReport)?;
    let programme = store::programmes::list(&services.db)
        .await?
        .into_iter()
        .find(|p| p.fiscal_year == fiscal_year)
        .ok_or(AppError::NotFound)?;
    let Some(as_of) = cutoff(fiscal_year, month) else { return Err(AppError::NotFound) };
    let as_of = as_of.min(today + chrono::Duration::days(1));
    let cutoff_at = crate::clock::tokyo_midnight(as_of);
    let last_day = as_of - chrono::Duration::days(1);

    // The public tables, and the funnel and the contact table suppressed with them (they share
    // totals): the same computation as `/stats`, so that the two hide alike.
    let (stats, lists) = crate::stats::compute_linked(services, &programme, as_of).await?;
    let published = [lists.funnel, lists.contact];
    let contact_rows: Vec<String> = crate::stats::CONTACT_ROWS.iter().map(|s| s.to_string()).collect();
    let mut tables: Vec<ReportTable> = stats.tables.iter().map(from_stats).collect();
    let standings: Vec<&str> = Standing::ALL.iter().map(|s| s.label_ja()).collect();
    tables.push(table_of(
        "funnel",
        "申込みから支援完了まで（最も進んだ段階別・現在の状況別）",
        &standings,
        &Step::ALL.iter().map(|s| s.label_ja().to_string()).collect::<Vec<_>>(),
        &published[0],
        true,
    ));
    tables.last_mut().expect("pushed").note = format!(
        "各企業を、作成時点までに最も進んだ段階の行に1回だけ数えています（支援完了：UTMの撤去・継続、またはリスクアセスメント報告書の提出）。「手続中」はキャンセル待ち・UTM設置不可を含みます。{}",
        if published[0].has_hidden() { disclosure::NOTE_JA } else { "" }
    );
    if published[0].cells.iter().flatten().any(|c| *c == Cell::Withheld) {
        tables.last_mut().expect("pushed").note.push_str(WITHHELD_NOTE);
    }
    tables.push(list_table("contact", "受付から3営業日以内の連絡", "企業数", &contact_rows, &published[1]));

    // Briefing seminars: registrations and attendance by way of attending.
    let mut seminar_rows: Vec<(String, Vec<u64>)> =
        domain::seminar::Mode::ALL.iter().map(|m| (m.label_ja().to_string(), vec![0, 0])).collect();
    for seminar in store::seminars::list(&services.db, programme.id).await? {
        if seminar.starts_at >= cutoff_at {
            continue;
        }
        for registration in store::seminars::roster(&services.db, seminar.id).await? {
            if registration.status != domain::seminar::RegistrationStatus::Held {
                continue;
            }
            let row = domain::seminar::Mode::ALL.iter().position(|m| *m == registration.mode).unwrap_or(0);
            seminar_rows[row].1[0] += 1;
            if registration.attended_at.is_some_and(|at| at < cutoff_at) {
                seminar_rows[row].1[1] += 1;
            }
        }
    }
    let counts: Vec<Vec<u64>> = seminar_rows.iter().map(|(_, c)| c.clone()).collect();
    tables.push(table_of(
        "seminars",
        "説明会の参加登録・出席（参加方法別）",
        &["参加登録", "出席"],
        &seminar_rows.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(),
        &crate::stats::two_lists(&counts),
        false,
    ));

    // The programme's UTMs registered by then: where each stood on the report's last day.
    let filter = ApplicationFilter { programme_id: Some(programme.id), ..Default::default() };
    let ours: HashSet<Uuid> = store::applications::list_all(&services.db, &filter)
        .await?
        .into_iter()
        .filter(|a| a.received_at < cutoff_at)
        .map(|a| a.id)
        .collect();
    let devices: Vec<_> = store::devices::list(&services.db)
        .await?
        .into_iter()
        .filter(|d| ours.contains(&d.application_id) && d.registered_at < cutoff_at)
        .collect();
    let stages = [
        DeviceStage::Planned,
        DeviceStage::InTrial,
        DeviceStage::TrialEnded,
        DeviceStage::Removed,
        DeviceStage::Continued,
    ];
    let stage_of = |d: &store::devices::DeviceRecord| {
        let known = |day: Option<NaiveDate>| day.filter(|day| *day <= last_day);
        domain::device::stage(known(d.installed_on), known(d.removed_on), known(d.continued_on), last_day)
    };
    let held_rows = |parts: &[(u64, u64)], total: (u64, u64)| {
        let mut cells = disclosure::Audience::Outside.held_parts(parts);
        cells.push(disclosure::Audience::Outside.held(total.0, total.1));
        cells
    };
    let companies_of = |keep: &dyn Fn(&store::devices::DeviceRecord) -> bool| {
        devices.iter().filter(|d| keep(d)).map(|d| d.application_id).collect::<HashSet<_>>().len() as u64
    };
    let parts: Vec<(u64, u64)> = stages
        .iter()
        .map(|stage| {
            let count = devices.iter().filter(|d| stage_of(d) == *stage).count() as u64;
            (count, companies_of(&|d| stage_of(d) == *stage))
        })
        .collect();
    let cells = held_rows(&parts, (devices.len() as u64, companies_of(&|_| true)));
    let mut device_rows: Vec<Vec<String>> =
        stages.iter().zip(&cells).map(|(stage, cell)| vec![stage.label_ja().to_string(), cell.label()]).collect();
    device_rows.push(vec!["計".into(), cells[stages.len()].label()]);
    tables.push(ReportTable {
        key: "devices".into(),
        title: "UTMの設置状況（台数）".into(),
        headers: vec![String::new(), "台数".into()],
        rows: device_rows,
        note: HELD_NOTE.into(),
    });

    // What the UTMs caught, by category: blocked, or detected and let through.
    let year_start = NaiveDate::from_ymd_opt(fiscal_year, 4, 1).unwrap_or(last_day);
    let owner: HashMap<Uuid, Uuid> = devices.iter().map(|d| (d.id, d.application_id)).collect();
    let caught: Vec<(Uuid, documents::report::Category, String, u64)> =
        store::logs::threat_totals_by_category(&services.db, year_start, last_day)
            .await?
            .into_iter()
            .filter_map(|(device, category, action, count)| {
                let company = owner.get(&device).copied()?;
                let category =
                    documents::report::Category::from_code(&category).unwrap_or(documents::report::Category::Other);
                Some((company, category, action, count))
            })
            .collect();
    let column = |action: &str| {
        let parts: Vec<(u64, u64)> = documents::report::Category::ALL
            .iter()
            .map(|category| {
                let rows = caught.iter().filter(|(_, c, a, n)| c == category && a == action && *n > 0);
                let companies = rows.clone().map(|(company, ..)| *company).collect::<HashSet<_>>().len() as u64;
                (rows.map(|(.., n)| n).sum(), companies)
            })
            .collect();
        let all = caught.iter().filter(|(_, _, a, n)| a == action && *n > 0);
        let companies = all.clone().map(|(company, ..)| *company).collect::<HashSet<_>>().len() as u64;
        held_rows(&parts, (all.map(|(.., n)| n).sum(), companies))
    };
    let (mut blocked, mut detected) = (column("blocked"), column("detected"));
    // Both columns add up to the months' detections (table "detections"): when anything in
    // either column is withheld, every other non-zero figure of both is hidden too, so that the
    // months minus the figures shown give nothing away.
    if blocked.iter().chain(&detected).any(|c| c.is_hidden()) {
        for cell in blocked.iter_mut().chain(detected.iter_mut()) {
            if let Cell::Count(1..) = cell {
                *cell = Cell::Complementary;
            }
        }
    }
    let mut category_rows: Vec<Vec<String>> = documents::report::Category::ALL
        .iter()
        .enumerate()
        .map(|(i, category)| vec![category.label().to_string(), blocked[i].label(), detected[i].label()])
        .collect();
    let last = documents::report::Category::ALL.len();
    category_rows.push(vec!["計".into(), blocked[last].label(), detected[last].label()]);
    tables.push(ReportTable {
        key: "categories".into(),
        title: "UTMの検知（種類別、遮断・検知のみ）".into(),
        headers: vec![String::new(), "遮断".into(), "検知のみ（通過）".into()],
        rows: category_rows,
        note: HELD_NOTE.into(),
    });

    // The UTMs' detections by month, and ★★.
    let mut detections = Vec::new();
    for month in &stats.detections {
        let label = NaiveDate::parse_from_str(&format!("{}-01", month.month), "%Y-%m-%d")
            .map(domain::wareki::format_month)
            .unwrap_or_else(|_| month.month.clone());
        detections.push(vec![
            label,
            month.companies.label(),
            month.detections.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
        ]);
    }
    tables.push(ReportTable {
        key: "detections".into(),
        title: "UTMの検知（月別）".into(),
        headers: vec![String::new(), "検知のあった企業数".into(), "検知件数".into()],
        rows: detections,
        note: "検知件数は、検知のあった企業が5社未満の月は「—」としています。".into(),
    });
    tables.push(ReportTable {
        key: "two_star".into(),
        title: "SECURITY ACTION ★★ の自己宣言".into(),
        headers: vec![String::new(), "企業数".into()],
        rows: vec![vec!["自己宣言した参加企業".into(), stats.two_star.label()]],
        note: String::new(),
    });

    // The incident desk (course ①), month by month, with the on-site visits made: the year's
    // companies' tickets and visits, as they stood when the report's day began.
    let moment = crate::stats::Moment::Before(programme.id, cutoff_at);
    let dispatches: Vec<_> = store::incidents::dispatches(&services.db, None, None)
        .await?
        .into_iter()
        .filter(|d| ours.contains(&d.application_id))
        .collect();
    let mut desk_rows = Vec::new();
    let mut month = NaiveDate::from_ymd_opt(fiscal_year, 4, 1).unwrap_or(as_of);
    let minutes = |m: Option<f64>| m.map(|m| format!("{m:.0}")).unwrap_or_else(|| "—".into());
    while month < as_of {
        let key = crate::reports::Month::parse(&month.format("%Y-%m").to_string()).map_err(AppError::Invalid)?;
        let f = crate::incidents::month_figures_for(services, disclosure::Audience::Outside, key, moment).await?;
        let (from, to) = (crate::clock::tokyo_midnight(month), crate::clock::tokyo_midnight(month + Months::new(1)));
        let visits: Vec<_> = dispatches
            .iter()
            .filter(|d| d.kind == DispatchKind::Onsite && d.status == DispatchStatus::Done)
            .filter(|d| d.starts_at >= from && d.starts_at < to)
            // Made by then: the engineer had arrived before the report's end.
            .filter(|d| d.arrived_at.is_some_and(|at| at < cutoff_at))
            .collect();
        let visited = visits.iter().map(|d| d.application_id).collect::<HashSet<_>>().len() as u64;
        desk_rows.push(vec![
            domain::wareki::format_month(month),
            f.opened.label(),
            f.responded.label(),
            minutes(f.mean_first_response_minutes),
            f.resolved.label(),
            minutes(f.mean_resolution_minutes),
            f.response_breaches.label(),
            f.resolution_breaches.label(),
            disclosure::Audience::Outside.held(visits.len() as u64, visited).label(),
        ]);
        month = month + Months::new(1);
    }
    tables.push(ReportTable {
        key: "incidents".into(),
        title: "インシデント窓口（月別、受付月で集計）".into(),
        headers: [
            "",
            "受付",
            "初回応答",
            "初回応答まで平均（分）",
            "解決",
            "解決まで平均（分）",
            "応答期限超過",
            "解決期限超過",
            "駆付け（実施）",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows: desk_rows,
        note: "件数は5社未満の企業によるものを「<5」、平均時間は5社未満の場合「—」としています。".into(),
    });

    // Management guidance (course ①) and risk assessment (course ②) as they stood when the
    // report's day began: the same participants as table 1's course rows.
    // A course whose participants table 1 hides is withheld here whole: these counts add up to it.
    let course_hidden = |course: domain::programme::CourseCode| {
        let row = domain::programme::CourseCode::ALL.iter().position(|c| *c == course).unwrap_or(0);
        stats.tables.first().is_none_or(|t| t.published.cells[row][1].is_hidden())
    };
    let withhold = |rows: &mut Vec<Vec<String>>| {
        for row in rows.iter_mut() {
            row[1] = if row[1] == "—" || row[1].contains('.') { "—".into() } else { "x".into() };
        }
    };
    let g = crate::guidance::figures_for(services, disclosure::Audience::Outside, moment).await?;
    let average = |a: Option<f64>| a.map(|a| format!("{a:.1}")).unwrap_or_else(|| "—".into());
    let mut guidance_rows = vec![vec!["参加企業（コース①）".to_string(), g.participants.label()]];
    guidance_rows.push(vec!["専門家を割り当てた企業".into(), g.with_expert.label()]);
    for (done, cell) in g.by_visits_done.iter().enumerate() {
        guidance_rows.push(vec![format!("訪問 {done} 回の企業"), cell.label()]);
    }
    guidance_rows.push(vec!["自社診断を終えた企業".into(), g.diagnosed.label()]);
    guidance_rows.push(vec!["自社診断の平均点（初回）".into(), average(g.baseline_average)]);
    guidance_rows.push(vec!["自社診断の平均点（最新）".into(), average(g.latest_average)]);
    guidance_rows.push(vec!["基本方針を公開した企業".into(), g.policies_published.label()]);
    guidance_rows.push(vec!["★★ の宣言の準備ができた企業".into(), g.two_star_ready.label()]);
    guidance_rows.push(vec!["★★ を宣言した企業".into(), g.two_star_declared.label()]);
    if course_hidden(domain::programme::CourseCode::Utm) {
        withhold(&mut guidance_rows);
    }
    tables.push(ReportTable {
        key: "guidance".into(),
        title: "経営指導（コース①）".into(),
        headers: vec![String::new(), "企業数・点".into()],
        rows: guidance_rows,
        note: "平均点は5社未満の場合「—」としています。".into(),
    });
    let r = crate::risk::figures_for(services, disclosure::Audience::Outside, moment).await?;
    let mut risk_rows = vec![vec!["参加企業（コース②）".to_string(), r.participants.label()]];
    risk_rows.push(vec!["専門家を割り当てた企業".into(), r.with_expert.label()]);
    for (stage, cell) in crate::risk::Stage::ALL.iter().zip(&r.by_stage) {
        risk_rows.push(vec![format!("段階：{}", stage.label_ja()), cell.label()]);
    }
    for (value, cell) in [1, 2, 3, 4, 6, 9].iter().zip(&r.by_value) {
        risk_rows.push(vec![format!("リスク値 {value} の情報資産（提出済み報告書、件）"), cell.label()]);
    }
    if course_hidden(domain::programme::CourseCode::RiskAssessment) {
        withhold(&mut risk_rows);
    }
    tables.push(ReportTable {
        key: "risk".into(),
        title: "リスクアセスメント（コース②）".into(),
        headers: vec![String::new(), "企業数・件数".into()],
        rows: risk_rows,
        note: disclosure::NOTE_JA.into(),
    });

    // Surveys sent by then: invited, answered, the response rate (from 5 answers).
    let mut survey_rows = Vec::new();
    for survey in store::surveys::list(&services.db, Some(fiscal_year)).await?.into_iter().rev() {
        if survey.opened_at.is_none_or(|at| at >= cutoff_at) {
            continue;
        }
        let invitations = store::surveys::invitations(&services.db, survey.id).await?;
        let invited = invitations.iter().filter(|i| i.invited_at < cutoff_at).count() as u64;
        let answered = invitations.iter().filter(|i| i.submitted_at.is_some_and(|at| at < cutoff_at)).count() as u64;
        let (invited, answered, rate) = crate::surveys::responses(disclosure::Audience::Outside, answered, invited);
        survey_rows.push(vec![
            survey.title_ja.clone(),
            invited.label(),
            answered.label(),
            rate.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into()),
        ]);
    }
    tables.push(ReportTable {
        key: "surveys".into(),
        title: "アンケートの回答状況".into(),
        headers: vec!["アンケート".into(), "案内".into(), "回答".into(), "回答率".into()],
        rows: survey_rows,
        note: "回答率は、回答・未回答のいずれも5件以上の場合のみ示します。".into(),
    });

    let first_month = NaiveDate::from_ymd_opt(fiscal_year, 4, 1).unwrap_or(as_of);
    Ok(ResultsReport {
        fiscal_year,
        programme: programme.name_ja.clone(),
        period: format!("{}〜{}", domain::wareki::format_month(first_month), domain::wareki::format_month(last_day)),
        as_of: domain::wareki::format_date(last_day),
        as_of_iso: last_day.to_string(),
        tables,
        note: disclosure::NOTE_JA.into(),
    })
}

/// The report as a PDF (rendered on a blocking thread).
pub async fn pdf(fonts: std::sync::Arc<documents::pdf::Fonts>, report: &ResultsReport) -> Result<Vec<u8>> {
    use domain::refusal::Refusal;
    let data = serde_json::to_value(report).map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?;
    let pdf = tokio::task::spawn_blocking(move || {
        documents::pdf::render(&fonts, documents::pdf::Template::ResultsReport, &data, &[])
    })
    .await
    .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?
    .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?;
    Ok(pdf)
}

/// The report as an xlsx workbook, one sheet per table.
pub fn xlsx(report: &ResultsReport) -> Result<Vec<u8>> {
    let sheets: Vec<documents::sheet::Sheet> = report
        .tables
        .iter()
        .enumerate()
        .map(|(index, table)| documents::sheet::Sheet {
            name: format!("{:02}_{}", index + 1, table.key),
            columns: table
                .headers
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    if i == 0 {
                        documents::sheet::Column::text(if h.is_empty() { &table.title } else { h }, 40.0)
                    } else {
                        documents::sheet::Column::computed(h, 14.0)
                    }
                })
                .collect(),
            rows: table.rows.clone(),
            spare_rows: 0,
        })
        .collect();
    // Dated by the day the report counts to, not by when it was made: same records, same bytes.
    let day = NaiveDate::parse_from_str(&report.as_of_iso, "%Y-%m-%d").unwrap_or_default();
    let created = (u16::try_from(day.year()).unwrap_or(2000), day.month() as u8, day.day() as u8);
    documents::sheet::to_xlsx_dated(&sheets, created)
        .map_err(|e| domain::refusal::Refusal::DocumentUnavailable(e.to_string()).into())
}

//! The public statistics (`/stats`): the programme year's headline figures — applications by
//! course, participants by industry, size and area, the UTMs' detections by month, the
//! SECURITY ACTION ★★ declarations — anonymised and suppressed under the small-cell rule
//! (`domain::disclosure`), published once a month (the job `public_stats`, on the 1st, counting
//! what was recorded before the month began) and shown as published.
//!
//! Must not: publish a figure that did not go through `domain::disclosure`, or anything that
//! names a company.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use domain::case::{Progress, Standing, Step};
use domain::disclosure::{self, Cell, Published};
use domain::eligibility::Industry;
use domain::programme::CourseCode;
use serde::{Deserialize, Serialize};
use store::applications::{ApplicationFilter, ApplicationStatus};
use uuid::Uuid;

use crate::{Result, Services};

/// A published table: its rows' and columns' labels (Japanese, English) and its cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsTable {
    /// Stable name (the element id on the page, the CSV's name).
    pub key: String,
    pub title_ja: String,
    pub title_en: String,
    pub rows: Vec<(String, String)>,
    pub columns: Vec<(String, String)>,
    /// The columns are separate populations (applied, taking part), not parts of one: no row
    /// totals are published.
    #[serde(default)]
    pub separate_columns: bool,
    pub published: Published,
}

/// The UTMs' detections of one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthDetections {
    /// `YYYY-MM`.
    pub month: String,
    /// Companies whose UTM detected something that month.
    pub companies: Cell,
    /// Detections, withheld when fewer than 5 companies' UTMs detected anything.
    pub detections: Option<u64>,
}

/// One day's public figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicStats {
    /// The Tokyo day they were published; they count what was recorded before it began.
    pub as_of: NaiveDate,
    pub fiscal_year: i32,
    pub programme_ja: String,
    pub programme_en: String,
    pub tables: Vec<StatsTable>,
    pub detections: Vec<MonthDetections>,
    /// Companies that declared SECURITY ACTION ★★ with the programme's guidance.
    pub two_star: Cell,
}

/// Employee bands of the size table (an SME has at most 300).
pub const SIZE_BANDS: [(u32, u32, &str, &str); 5] = [
    (0, 5, "5人以下", "5 or fewer"),
    (6, 20, "6〜20人", "6–20"),
    (21, 50, "21〜50人", "21–50"),
    (51, 100, "51〜100人", "51–100"),
    (101, u32::MAX, "101人以上", "101 or more"),
];

fn course_columns() -> Vec<(String, String)> {
    CourseCode::ALL.iter().map(|c| (c.default_name_ja().to_string(), c.default_name_en().to_string())).collect()
}

fn course_index(code: CourseCode) -> usize {
    CourseCode::ALL.iter().position(|c| *c == code).unwrap_or(0)
}

/// A company's row in the table by ward or city (`None`: outside Tokyo's list).
fn municipality_row(address: &str) -> Option<&'static str> {
    domain::region::municipality(address)
}

/// The figures of the current programme year as of the Tokyo day `as_of` (what was recorded
/// before it began), suppressed. `None` without a programme year.
pub async fn compute(services: &Services, as_of: NaiveDate) -> Result<Option<PublicStats>> {
    let Some(programme) = store::programmes::current(&services.db).await? else {
        return Ok(None);
    };
    Ok(Some(compute_for(services, &programme, as_of).await?))
}

/// Keys of the figures the public tables share with one another and with the results report's
/// (`disclosure::Linked`): a course's participants are `course_index`, then these.
pub(crate) const ALL_PARTICIPANTS: usize = 100;
pub(crate) const ALL_APPLICATIONS: usize = 101;

/// The figures of `programme` as of the Tokyo day `as_of` (what was recorded before it began),
/// suppressed: the public page's, and the first tables of the results report.
pub async fn compute_for(
    services: &Services,
    programme: &store::programmes::ProgrammeRecord,
    as_of: NaiveDate,
) -> Result<PublicStats> {
    Ok(compute_linked(services, programme, as_of).await?.0)
}

/// The rows of the results report's contact table.
pub(crate) const CONTACT_ROWS: [&str; 6] = [
    "期限内に連絡",
    "期限後に連絡",
    "未連絡（期限超過）",
    "未連絡（期限前）",
    "連絡前に終了",
    // Every application is in this table, so its total is table 1's applications.
    "キャンセル待ち（連絡の対象外）",
];

/// The results report's tables that share totals with the public ones, published with them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReportLists {
    /// `Step::ALL` × `Standing::ALL`.
    pub funnel: Published,
    /// [`CONTACT_ROWS`].
    pub contact: Published,
}

/// As [`compute_for`], with the results report's funnel and contact tables. They are always
/// suppressed together with the public tables, whether `/stats` or the report asks: a figure
/// one of them hides is then hidden in the other too.
pub(crate) async fn compute_linked(
    services: &Services,
    programme: &store::programmes::ProgrammeRecord,
    as_of: NaiveDate,
) -> Result<(PublicStats, ReportLists)> {
    use disclosure::{Linked, Place};
    let cutoff = crate::clock::tokyo_midnight(as_of);
    let stood = as_they_stood(services, programme.id, cutoff).await?;
    let applications: Vec<_> = stood.iter().map(|(a, _)| a.clone()).collect();
    let progress: std::collections::HashMap<Uuid, Progress> = stood.iter().map(|(a, p)| (a.id, *p)).collect();
    let progress_of = |a: &store::applications::ApplicationRecord| progress[&a.id];
    let state_of = |a: &store::applications::ApplicationRecord| progress_of(a).state.unwrap_or(a.status);
    let participants: Vec<_> = applications.iter().filter(|a| state_of(a) == ApplicationStatus::Confirmed).collect();
    let funnel = funnel_counts(services, &applications, &progress_of, as_of).await?;
    let contact = contact_counts(&applications, &state_of, as_of);
    let courses = course_columns();

    let mut applied = vec![vec![0u64]; CourseCode::ALL.len()];
    let mut taking_part = vec![vec![0u64]; CourseCode::ALL.len()];
    for a in &applications {
        applied[course_index(a.course_code)][0] += 1;
    }
    for a in &participants {
        taking_part[course_index(a.course_code)][0] += 1;
    }
    let mut by_industry = vec![vec![0u64; courses.len()]; Industry::ALL.len()];
    for a in &participants {
        let row = Industry::ALL.iter().position(|i| i.code() == a.industry).unwrap_or(Industry::ALL.len() - 1);
        by_industry[row][course_index(a.course_code)] += 1;
    }
    let mut by_size = vec![vec![0u64; courses.len()]; SIZE_BANDS.len()];
    for a in &participants {
        let employees = u32::try_from(a.employees).unwrap_or(0);
        let row = SIZE_BANDS.iter().position(|(low, high, _, _)| (*low..=*high).contains(&employees)).unwrap_or(0);
        by_size[row][course_index(a.course_code)] += 1;
    }
    // By area (区部, 多摩地域, 島しょ部, then the rest), every row always printed: a row that
    // appears or disappears from one month to the next would single a company out.
    let mut by_area = vec![vec![0u64]; domain::region::Area::ALL.len() + 1];
    for a in &participants {
        let row = municipality_row(&a.address)
            .and_then(domain::region::Area::of)
            .and_then(|area| domain::region::Area::ALL.iter().position(|x| *x == area))
            .unwrap_or(domain::region::Area::ALL.len());
        by_area[row][0] += 1;
    }

    // A course's participants are a figure of the courses table and a column total of the
    // industries and sizes tables; all participants their totals and the areas table's: they
    // are suppressed together, so that no table shows what another hides.
    let course_keys = |place: fn(usize) -> Place| (0..courses.len()).map(move |c| (place(c), c));
    let mut list_keys: Vec<(Place, usize)> = course_keys(|c| Place::Cell(c, 0)).collect();
    list_keys.push((Place::ColumnTotal(0), ALL_PARTICIPANTS));
    let mut cross_keys: Vec<(Place, usize)> = course_keys(Place::ColumnTotal).collect();
    cross_keys.push((Place::Total, ALL_PARTICIPANTS));
    let mut tables_in = vec![
        Linked { counts: &applied, shared: vec![(Place::ColumnTotal(0), ALL_APPLICATIONS)], follows: Vec::new() },
        Linked { counts: &taking_part, shared: list_keys, follows: Vec::new() },
        Linked { counts: &by_industry, shared: cross_keys.clone(), follows: Vec::new() },
        Linked { counts: &by_size, shared: cross_keys, follows: Vec::new() },
        Linked { counts: &by_area, shared: vec![(Place::ColumnTotal(0), ALL_PARTICIPANTS)], follows: Vec::new() },
    ];
    // The report's funnel and contact table follow the public totals: they never hide one of
    // them by their own choice (it is published on /stats), and hide it when /stats does.
    let taking_part_column = Standing::ALL.iter().position(|s| *s == Standing::TakingPart).unwrap_or(0);
    tables_in.push(Linked {
        counts: &funnel,
        shared: Vec::new(),
        follows: vec![(Place::ColumnTotal(taking_part_column), ALL_PARTICIPANTS), (Place::Total, ALL_APPLICATIONS)],
    });
    tables_in.push(Linked {
        counts: &contact,
        shared: Vec::new(),
        follows: vec![(Place::ColumnTotal(0), ALL_APPLICATIONS)],
    });
    let mut published = disclosure::suppress_linked(&tables_in).into_iter();
    let mut next = || published.next().expect("one published table for each table in");
    let (applied, taking_part) = (next(), next());

    let mut tables = Vec::new();
    tables.push(StatsTable {
        key: "courses".into(),
        title_ja: "コース別の申込企業数・参加企業数".into(),
        title_en: "Companies that applied and that take part, by course".into(),
        rows: courses.clone(),
        columns: vec![("申込".into(), "Applied".into()), ("参加".into(), "Taking part".into())],
        separate_columns: true,
        // Applied and taking part are two populations, not parts of one: each column is its
        // own list with its total.
        published: side_by_side(&[applied, taking_part]),
    });
    tables.push(StatsTable {
        key: "industries".into(),
        title_ja: "業種別の参加企業数".into(),
        title_en: "Companies taking part, by industry".into(),
        rows: Industry::ALL.iter().map(|i| (i.label_ja().to_string(), i.label_en().to_string())).collect(),
        columns: courses.clone(),
        separate_columns: false,
        published: next(),
    });
    tables.push(StatsTable {
        key: "sizes".into(),
        title_ja: "従業員規模別の参加企業数".into(),
        title_en: "Companies taking part, by number of employees".into(),
        rows: SIZE_BANDS.iter().map(|(_, _, ja, en)| (ja.to_string(), en.to_string())).collect(),
        columns: courses.clone(),
        separate_columns: false,
        published: next(),
    });
    let mut area_rows: Vec<(String, String)> =
        domain::region::Area::ALL.iter().map(|a| (a.label_ja().to_string(), a.label_en().to_string())).collect();
    area_rows.push(("都外・不明".into(), "Outside Tokyo or unknown".into()));
    tables.push(StatsTable {
        key: "places".into(),
        title_ja: "地域別の参加企業数".into(),
        title_en: "Companies taking part, by area".into(),
        rows: area_rows,
        columns: vec![("参加".into(), "Taking part".into())],
        separate_columns: false,
        published: next(),
    });
    let lists = ReportLists { funnel: next(), contact: next() };

    let ours: std::collections::HashSet<Uuid> = applications.iter().map(|a| a.id).collect();
    let detections = detections_by_month(services, programme.fiscal_year, as_of, &ours).await?;
    let mut two_star = 0;
    for a in &participants {
        if let Some(declaration) = store::guidance::declaration(&services.db, a.id).await?
            && declaration.declared_before(as_of, cutoff)
        {
            two_star += 1;
        }
    }
    let stats = PublicStats {
        as_of,
        fiscal_year: programme.fiscal_year,
        programme_ja: programme.name_ja.clone(),
        programme_en: programme.name_en.clone(),
        tables,
        detections,
        two_star: disclosure::single(two_star),
    };
    Ok((stats, lists))
}

/// The funnel's counts: each application at the furthest step it reached by the day `as_of`
/// begins (支援完了 once every UTM registered by then was removed or continued, or the risk report
/// released), in the column of where it stood.
async fn funnel_counts(
    services: &Services,
    applications: &[store::applications::ApplicationRecord],
    progress_of: &(dyn Fn(&store::applications::ApplicationRecord) -> Progress + Sync),
    as_of: NaiveDate,
) -> Result<Vec<Vec<u64>>> {
    let cutoff = crate::clock::tokyo_midnight(as_of);
    let mut devices: std::collections::HashMap<Uuid, Vec<bool>> = Default::default();
    for device in store::devices::list(&services.db).await? {
        if device.registered_at < cutoff {
            let ended = device.removed_on.or(device.continued_on).is_some_and(|day| day < as_of);
            devices.entry(device.application_id).or_default().push(ended);
        }
    }
    let mut support_ended: std::collections::HashSet<Uuid> =
        devices.into_iter().filter(|(_, ended)| ended.iter().all(|e| *e)).map(|(id, _)| id).collect();
    support_ended.extend(
        store::risk::all_reports(&services.db)
            .await?
            .into_iter()
            .filter(|r| r.released_at.is_some_and(|at| at < cutoff))
            .map(|r| r.application_id),
    );
    let mut funnel = vec![vec![0u64; Standing::ALL.len()]; Step::ALL.len()];
    for a in applications {
        let p = progress_of(a);
        let step = p.step(support_ended.contains(&a.id));
        let standing = Standing::of(p.state.unwrap_or(a.status));
        let row = Step::ALL.iter().position(|s| *s == step).unwrap_or(0);
        let column = Standing::ALL.iter().position(|s| *s == standing).unwrap_or(1);
        funnel[row][column] += 1;
    }
    Ok(funnel)
}

/// The contact table's counts ([`CONTACT_ROWS`]): the secretariat's first contact within 3
/// business days of receipt, as it stood when the day `as_of` began.
fn contact_counts(
    applications: &[store::applications::ApplicationRecord],
    state_of: &dyn Fn(&store::applications::ApplicationRecord) -> ApplicationStatus,
    as_of: NaiveDate,
) -> Vec<Vec<u64>> {
    let cutoff = crate::clock::tokyo_midnight(as_of);
    let last_day = as_of - chrono::Duration::days(1);
    let mut counts = [0u64; CONTACT_ROWS.len()];
    for a in applications {
        let state = state_of(a);
        let row = match a.first_contact_at.filter(|at| *at < cutoff) {
            _ if state == ApplicationStatus::Waitlisted => 5,
            Some(at) if crate::clock::tokyo_date(at) <= a.contact_due => 0,
            Some(_) => 1,
            None if state.is_closed() => 4,
            None if a.contact_due <= last_day => 2,
            None => 3,
        };
        counts[row] += 1;
    }
    counts.iter().map(|n| vec![*n]).collect()
}

/// The programme year's applications received before `before`, each with how far it had come
/// by then. Taking part on that day (`state` confirmed): a case that left later is counted, one
/// confirmed later is not.
pub(crate) async fn as_they_stood(
    services: &Services,
    programme_id: Uuid,
    before: DateTime<Utc>,
) -> Result<Vec<(store::applications::ApplicationRecord, Progress)>> {
    let filter = ApplicationFilter { programme_id: Some(programme_id), ..Default::default() };
    let progress = progress_before(services, programme_id, before).await?;
    Ok(store::applications::list_all(&services.db, &filter)
        .await?
        .into_iter()
        .filter(|a| a.received_at < before)
        .map(|a| {
            let p = progress.get(&a.id).copied().unwrap_or_else(|| {
                let mut p = Progress::default();
                p.enter(a.status);
                p
            });
            (a, p)
        })
        .collect())
}

/// Whose figures, and when: a figure page counts the participants as they stand (of the running
/// programme year, or of every year before one is set up); the results report those of its year
/// taking part when its day began, with only what had happened by then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    Now(Option<Uuid>),
    Before(Uuid, DateTime<Utc>),
}

impl Moment {
    /// Whether something that happened at `at` had happened by the moment.
    pub fn has_seen(self, at: DateTime<Utc>) -> bool {
        match self {
            Moment::Now(_) => true,
            Moment::Before(_, before) => at < before,
        }
    }

    /// The confirmed participants of `course` at the moment.
    pub async fn participants(
        self,
        services: &Services,
        course: CourseCode,
    ) -> Result<Vec<store::applications::ApplicationRecord>> {
        let in_course = |a: &store::applications::ApplicationRecord| a.course_code == course;
        match self {
            Moment::Now(programme_id) => {
                let filter = ApplicationFilter {
                    status: Some(ApplicationStatus::Confirmed),
                    programme_id,
                    ..Default::default()
                };
                Ok(store::applications::list_all(&services.db, &filter).await?.into_iter().filter(in_course).collect())
            }
            Moment::Before(programme_id, before) => Ok(as_they_stood(services, programme_id, before)
                .await?
                .into_iter()
                .filter(|(a, p)| in_course(a) && p.state.unwrap_or(a.status) == ApplicationStatus::Confirmed)
                .map(|(a, _)| a)
                .collect()),
        }
    }
}

/// Each case of programme year `programme_id` as it stood before `cutoff`: its state then and
/// the furthest step it had reached.
pub(crate) async fn progress_before(
    services: &Services,
    programme_id: Uuid,
    cutoff: DateTime<Utc>,
) -> Result<std::collections::HashMap<Uuid, domain::case::Progress>> {
    let mut progress: std::collections::HashMap<Uuid, domain::case::Progress> = Default::default();
    for (id, state) in store::cases::states_before(&services.db, programme_id, cutoff).await? {
        progress.entry(id).or_default().enter(state);
    }
    Ok(progress)
}

/// Two columns that are separate populations (applied, taking part), each suppressed as a
/// list with its own total; the row totals (their sum) mean nothing and are hidden.
pub(crate) fn two_lists(counts: &[Vec<u64>]) -> Published {
    let columns = counts.first().map_or(0, Vec::len);
    let lists: Vec<Published> = (0..columns)
        .map(|c| disclosure::suppress(&counts.iter().map(|row| vec![row[c]]).collect::<Vec<_>>()))
        .collect();
    side_by_side(&lists)
}

/// Lists published on their own, side by side as the columns of one table (no row totals).
fn side_by_side(lists: &[Published]) -> Published {
    let rows = lists.first().map_or(0, |list| list.cells.len());
    Published {
        cells: (0..rows).map(|r| lists.iter().map(|list| list.cells[r][0]).collect()).collect(),
        row_totals: vec![Cell::Complementary; rows],
        column_totals: lists.iter().map(|list| list.total).collect(),
        total: Cell::Complementary,
    }
}

/// The months of fiscal year `fiscal_year` (April–March) before the month of `as_of`.
fn months_before(fiscal_year: i32, as_of: NaiveDate) -> Vec<NaiveDate> {
    let mut months = Vec::new();
    let Some(mut month) = NaiveDate::from_ymd_opt(fiscal_year, 4, 1) else {
        return months;
    };
    let this_month = as_of.with_day(1).unwrap_or(as_of);
    while month < this_month && months.len() < 12 {
        months.push(month);
        month = month + Months::new(1);
    }
    months
}

/// The detections of the UTMs of the programme's applications `ours`, month by month.
async fn detections_by_month(
    services: &Services,
    fiscal_year: i32,
    as_of: NaiveDate,
    ours: &std::collections::HashSet<Uuid>,
) -> Result<Vec<MonthDetections>> {
    let devices = store::devices::list(&services.db).await?;
    let owner: std::collections::HashMap<Uuid, Uuid> =
        devices.iter().filter(|d| ours.contains(&d.application_id)).map(|d| (d.id, d.application_id)).collect();
    let mut out = Vec::new();
    for month in months_before(fiscal_year, as_of) {
        let last = month + Months::new(1) - chrono::Duration::days(1);
        let totals = store::logs::threat_totals_by_device(&services.db, month, last).await?;
        let companies: std::collections::HashSet<Uuid> =
            totals.iter().filter(|(_, n)| *n > 0).filter_map(|(device, _)| owner.get(device).copied()).collect();
        let detections: u64 = totals.iter().filter(|(device, _)| owner.contains_key(device)).map(|(_, n)| n).sum();
        out.push(MonthDetections {
            month: month.format("%Y-%m").to_string(),
            companies: disclosure::single(companies.len() as u64),
            // No company, no detection: a zero describes nobody.
            detections: if companies.is_empty() {
                Some(0)
            } else {
                disclosure::disclose(companies.len() as u64, detections)
            },
        });
    }
    Ok(out)
}

/// Computes and keeps the figures as of the first day of the Tokyo month of `now` (the job
/// `public_stats`, monthly): what was recorded before the month began.
pub async fn publish(services: &Services, now: DateTime<Utc>) -> Result<Option<PublicStats>> {
    let today = crate::clock::tokyo_date(now);
    let first = today.with_day(1).unwrap_or(today);
    let Some(stats) = compute(services, first).await? else {
        return Ok(None);
    };
    let body = serde_json::to_string(&stats).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
    store::stats::save(&services.db, first, stats.fiscal_year, &body, now).await?;
    Ok(Some(stats))
}

/// The figures as last published (`None` before the first publication). Public: nothing in
/// them names a company, and every figure went through the small-cell rule.
pub async fn public(services: &Services) -> Result<Option<PublicStats>> {
    let Some((_, body)) = store::stats::latest(&services.db).await? else {
        return Ok(None);
    };
    Ok(Some(serde_json::from_str(&body).map_err(|e| store::StoreError::Corrupt(format!("public_stats: {e}")))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_months_run_from_april_to_the_month_before() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let months = months_before(2026, day);
        assert_eq!(months.first(), NaiveDate::from_ymd_opt(2026, 4, 1).as_ref());
        assert_eq!(months.last(), NaiveDate::from_ymd_opt(2026, 11, 1).as_ref());
        assert_eq!(months.len(), 8);
        assert!(months_before(2026, NaiveDate::from_ymd_opt(2026, 4, 10).unwrap()).is_empty());
        assert_eq!(months_before(2025, day).len(), 12, "a past year: its twelve months");
    }

    #[test]
    fn applied_and_taking_part_are_suppressed_as_separate_lists() {
        let published = two_lists(&[vec![40, 3], vec![12, 9]]);
        assert_eq!(published.cells[0][1], Cell::Small);
        assert_eq!(published.cells[1][1], Cell::Complementary, "9 would give the 3 away from the total 12");
        assert_eq!(published.column_totals, [Cell::Count(52), Cell::Count(12)]);
        assert_eq!(published.cells[0][0], Cell::Count(40));
    }
}

//! Programme administration: which year is current, and each course's application window and
//! capacity, its secretariat's contact details, the next year. Administrators only; each change
//! with its audit row in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Action;
use domain::programme::{CourseWindow, MAX_CAPACITY};
use domain::refusal::{ProgrammeRefusal, Refusal};
use domain::secretariat::{Secretariat, SecretariatSpec};
use uuid::Uuid;

use crate::{Actor, AppError, Invalid, Result, Services};

/// A course's new window and capacity, parsed from the administrator's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseChange {
    window: CourseWindow,
    capacity: u32,
}

impl CourseChange {
    /// Dates as `YYYY-MM-DD`, the capacity as a whole number (full-width digits are read too).
    pub fn parse(start: &str, end: &str, capacity: &str) -> Result<CourseChange> {
        let start = NaiveDate::parse_from_str(start.trim(), "%Y-%m-%d");
        let end = NaiveDate::parse_from_str(end.trim(), "%Y-%m-%d");
        let capacity = domain::text::normalize(capacity).parse::<u32>();
        let (Ok(start), Ok(end), Ok(capacity)) = (start, end, capacity) else {
            return Err(Invalid::CourseChangeUnreadable.into());
        };
        if capacity > MAX_CAPACITY {
            return Err(Invalid::CapacityTooLarge.into());
        }
        let window = CourseWindow::new(start, end)
            .map_err(|e| AppError::Refused(Refusal::Programme(ProgrammeRefusal::InvalidWindow(e.to_string()))))?;
        Ok(CourseChange { window, capacity })
    }
}

/// Makes `programme` the current year: the one the public pages and the form offer.
pub async fn set_current(services: &Services, actor: &Actor, programme: Uuid, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::Administer)?;
    let tx = services.db.begin().await?;
    store::programmes::set_current(&tx, programme, now).await?;
    actor.record(&tx, "programme.set_current", ("programme", programme), serde_json::json!({}), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a course's window and capacity (never below the places already held).
pub async fn update_course(
    services: &Services,
    actor: &Actor,
    course: Uuid,
    change: CourseChange,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::Administer)?;
    let tx = services.db.begin().await?;
    store::programmes::update_course(&tx, course, change.window, change.capacity, now).await?;
    let detail = serde_json::json!({
        "window_start": change.window.start(), "window_end": change.window.end(), "capacity": change.capacity,
    });
    actor.record(&tx, "course.update", ("course", course), detail, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets whom the companies of `programme` contact (募集要項 11.): shown in every page's footer,
/// on error pages and at the foot of every e-mail about the year's applications.
pub async fn set_secretariat(
    services: &Services,
    actor: &Actor,
    programme: Uuid,
    spec: &SecretariatSpec,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::Administer)?;
    let secretariat = Secretariat::parse(spec).map_err(Invalid::Secretariat)?;
    let tx = services.db.begin().await?;
    store::programmes::save_secretariat_in(&tx, programme, &secretariat, now).await?;
    let detail = serde_json::to_value(secretariat.spec()).expect("plain data");
    actor.record(&tx, "programme.secretariat", ("programme", programme), detail, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Starts the next programme year from `from`, so that a new year is set up in the office: the
/// same names with the year moved on (令和8年度 → 令和9年度, 2026 → 2027), every course with its
/// window one year later (29 February becomes the 28th) and its capacity, no places taken, and
/// the year's agreement wording carried over with its year moved on. The new year is not made
/// current: the administrator adjusts windows and capacities first. Refused when that year exists.
pub async fn start_next_year(services: &Services, actor: &Actor, from: Uuid, now: DateTime<Utc>) -> Result<Uuid> {
    actor.require(Action::Administer)?;
    let previous = store::programmes::get(&services.db, from).await?;
    let year = previous.fiscal_year + 1;
    if store::programmes::list(&services.db).await?.iter().any(|p| p.fiscal_year == year) {
        return Err(Refusal::Programme(ProgrammeRefusal::FiscalYearExists(year)).into());
    }
    let next = |text: &str| move_year_on(text, previous.fiscal_year);
    let mut courses = Vec::with_capacity(previous.courses.len());
    for course in &previous.courses {
        let a_year_later = |day: NaiveDate| day.checked_add_months(chrono::Months::new(12)).unwrap_or(day);
        let window = CourseWindow::new(a_year_later(course.window.start()), a_year_later(course.window.end()))
            .map_err(|e| AppError::Refused(Refusal::Programme(ProgrammeRefusal::InvalidWindow(e.to_string()))))?;
        courses.push(domain::programme::ValidCourse {
            code: course.code,
            name_ja: next(&course.name_ja),
            name_en: next(&course.name_en),
            window,
            capacity: course.capacity,
        });
    }
    let programme = domain::programme::ValidProgramme {
        fiscal_year: year,
        name_ja: next(&previous.name_ja),
        name_en: next(&previous.name_en),
        courses,
        // The same secretariat until the office enters another.
        secretariat: previous.secretariat.clone(),
        // Seminars are dated; the next year's are entered anew.
        seminars: Vec::new(),
        // The desk's targets carry over (stored per year, read by `store::programmes::desk`).
        incident_desk: Some(store::programmes::desk_spec(&services.db, from).await?),
        // So does the inquiries' first-answer target.
        inquiry_target: store::programmes::inquiry_target(&services.db, from).await?,
    };
    let wording = store::agreements::wording(&services.db, from).await?;
    let tx = services.db.begin().await?;
    let id = store::programmes::import_in(&tx, &programme, false, now).await?;
    if let Some(wording) = wording {
        let moved: serde_json::Value = serde_json::from_str(&next(&wording.wording.to_string()))
            .map_err(|e| AppError::Store(store::StoreError::Corrupt(format!("agreement wording: {e}"))))?;
        store::agreements::save_wording_in(&tx, id, &moved, now).await?;
    }
    let detail = serde_json::json!({"from": from, "fiscal_year": year});
    actor.record(&tx, "programme.start_next_year", ("programme", id), detail, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves the fiscal year named in `text` on by one: the 和暦 year as the programme's documents
/// write it (full-width or half-width digits) and the 西暦 year.
fn move_year_on(text: &str, fiscal_year: i32) -> String {
    let full_width = |text: &str| -> String {
        text.chars().map(|c| c.to_digit(10).and_then(|d| char::from_u32(0xFF10 + d)).unwrap_or(c)).collect()
    };
    let old = domain::wareki::format_fiscal_year(fiscal_year);
    let new = domain::wareki::format_fiscal_year(fiscal_year + 1);
    text.replace(&old, &new)
        .replace(&full_width(&old), &full_width(&new))
        .replace(&fiscal_year.to_string(), &(fiscal_year + 1).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_moves_on_in_both_calendars_and_both_digit_widths() {
        let name = "令和8年度 中小企業サイバーセキュリティ向上支援事業";
        assert_eq!(move_year_on(name, 2026), "令和9年度 中小企業サイバーセキュリティ向上支援事業");
        assert_eq!(move_year_on("令和８年度", 2026), "令和９年度");
        assert_eq!(move_year_on("FY2026 SME programme", 2026), "FY2027 SME programme");
        assert_eq!(move_year_on("令和9年度", 2027), "令和10年度");
    }

    #[test]
    fn a_course_change_is_parsed_or_refused_with_its_reason() {
        let change = CourseChange::parse(" 2026-04-01", "2026-06-30 ", "１５０").unwrap();
        assert_eq!((change.window.start().to_string(), change.capacity), ("2026-04-01".into(), 150));
        let invalid = |start: &str, end: &str, capacity: &str| match CourseChange::parse(start, end, capacity) {
            Err(AppError::Invalid(invalid)) => Some(invalid),
            _ => None,
        };
        assert_eq!(invalid("2026/04/01", "2026-06-30", "10"), Some(Invalid::CourseChangeUnreadable));
        assert_eq!(invalid("2026-04-01", "2026-06-30", "-1"), Some(Invalid::CourseChangeUnreadable));
        assert_eq!(invalid("2026-04-01", "2026-06-30", "100001"), Some(Invalid::CapacityTooLarge));
        assert!(matches!(
            CourseChange::parse("2026-06-30", "2026-04-01", "10"),
            Err(AppError::Refused(Refusal::Programme(ProgrammeRefusal::InvalidWindow(_))))
        ));
    }
}

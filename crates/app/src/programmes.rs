//! Programme administration: which year is current, and each course's application window and
//! capacity. Administrators only; each change with its audit row in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Action;
use domain::programme::{CourseWindow, MAX_CAPACITY};
use domain::refusal::{ProgrammeRefusal, Refusal};
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
    audit(&tx, actor, "programme.set_current", "programme", programme, serde_json::json!({}), now).await?;
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
    audit(&tx, actor, "course.update", "course", course, detail, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn audit(
    tx: &store::Tx,
    actor: &Actor,
    action: &'static str,
    subject_type: &'static str,
    subject: Uuid,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let entry = store::audit::NewAuditEntry {
        actor: actor.audit(),
        action,
        subject_type,
        subject_id: Some(subject.to_string()),
        ip: actor.ip(),
        detail,
    };
    store::audit::add(tx, entry, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

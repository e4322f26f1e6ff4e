//! The case workflow (STEP2–5): contact log, status check, course decision, Tokyo's approval,
//! intent, agreement, and the exits — each a transition checked by `domain::case::transition`
//! and applied in one write transaction with its timeline event and audit entry.
//!
//! Places move with the case: an exit releases the place and promotes the first waitlisted
//! case on that course; a course decision moves the place, or puts the case on the target
//! course's waitlist when it is full. Locks are taken course rows first (in id order), then
//! application rows, so concurrent moves cannot deadlock on PostgreSQL.

use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::BusinessCalendar;
use domain::case::{CaseEvent, CaseState, ContactNote, StatusCheck, TransitionError};
use domain::programme::{CourseCode, Placed, Places};
use domain::refusal::Refusal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, Actor, NewAuditEntry};
use crate::entities::{application, case_event, contact, course};
use crate::{Db, Result, StoreError, Tx};

/// Who acts on which case, from where, and why.
#[derive(Debug, Clone)]
pub struct Act {
    pub application_id: Uuid,
    pub actor: Actor,
    pub ip: Option<String>,
    pub reason: Option<String>,
    /// An e-mail to send when (and only if) the action commits.
    pub email: Option<crate::outbox::OutgoingEmail>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseEventRecord {
    pub at: DateTime<Utc>,
    pub actor_label: String,
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactRecord {
    pub contacted_at: DateTime<Utc>,
    pub channel: String,
    pub staff_label: String,
    pub summary: String,
    pub rules_accepted: bool,
}

/// What a transition did, for the page to report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub state: CaseState,
    /// Cases promoted from the waitlist because a place freed up.
    pub promoted: Vec<Uuid>,
}

fn refused(error: TransitionError) -> StoreError {
    StoreError::Refused(Refusal::Transition { from: error.from, event: error.event })
}

/// Records a contact; with the rules accepted, the case becomes 申込完了.
pub async fn record_contact(tx: &Tx, act: &Act, new: &ContactNote, now: DateTime<Utc>) -> Result<Outcome> {
    let tx = tx.conn();
    let model = lock_application(tx, act.application_id).await?;
    let from = state_of(&model)?;
    if from.is_closed() {
        return Err(Refusal::ContactOnClosedCase(from).into());
    }
    let (user_id, label) = actor_parts(&act.actor);
    contact::ActiveModel {
        application_id: Set(model.id),
        contacted_at: Set(new.contacted_at()),
        channel: Set(new.channel().code().to_string()),
        staff_user_id: Set(user_id),
        staff_label: Set(label),
        summary: Set(new.summary().to_string()),
        rules_accepted: Set(new.rules_accepted()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    let mut update: application::ActiveModel = model.clone().into();
    if model.first_contact_at.is_none_or(|first| new.contacted_at() < first) {
        update.first_contact_at = Set(Some(new.contacted_at()));
    }
    let mut state = from;
    if new.rules_accepted() && from == CaseState::Received {
        state = domain::case::transition(from, CaseEvent::CompleteApplication).map_err(refused)?;
        update.completed_at = Set(Some(now));
    }
    update.status = Set(state.code().to_string());
    update.updated_at = Set(now);
    update.update(tx).await?;
    let event = if state != from { CaseEvent::CompleteApplication.code() } else { "record_contact" };
    let detail = serde_json::json!({"channel": new.channel().code(), "rules_accepted": new.rules_accepted(), "contacted_at": new.contacted_at()});
    log_event(tx, act, event, from, state, detail, now).await?;
    Ok(Outcome { state, promoted: Vec::new() })
}

/// Stores the security-status check and Kojo's course proposal.
pub async fn record_status_check(
    tx: &Tx,
    act: &Act,
    check: &StatusCheck,
    now: DateTime<Utc>,
) -> Result<(Outcome, CourseCode)> {
    let tx = tx.conn();
    let model = lock_application(tx, act.application_id).await?;
    let from = state_of(&model)?;
    let state = domain::case::transition(from, CaseEvent::RecordStatusCheck).map_err(refused)?;
    let (proposal, why) = domain::case::propose_course(check);
    let mut update: application::ActiveModel = model.into();
    update.status_check = Set(Some(serde_json::to_string(check).expect("plain data")));
    update.proposed_course = Set(Some(proposal.code().to_string()));
    update.status = Set(state.code().to_string());
    update.updated_at = Set(now);
    update.update(tx).await?;
    let detail = serde_json::json!({"check": check, "proposed_course": proposal.code(), "why": why});
    log_event(tx, act, CaseEvent::RecordStatusCheck.code(), from, state, detail, now).await?;
    Ok((Outcome { state, promoted: Vec::new() }, proposal))
}

/// Decides the course. Moving to another course moves the place atomically; when the target is
/// full the case waits on its waitlist. Overriding Kojo's proposal needs a reason.
pub async fn decide_course(
    tx: &Tx,
    calendar: &BusinessCalendar,
    act: &Act,
    target: CourseCode,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let tx = tx.conn();
    let peek = application::Entity::find_by_id(act.application_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    let target_course = course::Entity::find()
        .filter(course::Column::ProgrammeId.eq(peek.programme_id))
        .filter(course::Column::Code.eq(target.code()))
        .one(tx)
        .await?
        .ok_or(StoreError::Refused(Refusal::CourseNotInProgramme(target)))?;
    // Course rows first, in id order.
    let mut course_ids = vec![peek.course_id, target_course.id];
    course_ids.sort();
    course_ids.dedup();
    for id in &course_ids {
        course::Entity::find_by_id(*id).lock_exclusive().one(tx).await?;
    }
    let model = lock_application(tx, act.application_id).await?;
    let from = state_of(&model)?;
    let decided = domain::case::transition(from, CaseEvent::DecideCourse).map_err(refused)?;
    let proposal = model.proposed_course.as_deref().and_then(CourseCode::from_code);
    if proposal.is_some_and(|p| p != target) && act.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Refusal::OverrideNeedsReason.into());
    }
    let mut promoted = Vec::new();
    let mut update: application::ActiveModel = model.clone().into();
    let same_course = model.course_id == target_course.id;
    let state = if same_course && model.holds_place {
        decided
    } else {
        if model.holds_place {
            promoted.extend(release_place(tx, calendar, model.course_id, now).await?);
        }
        let fresh = course::Entity::find_by_id(target_course.id).one(tx).await?.ok_or(StoreError::NotFound)?;
        let mut places = places_of(&fresh);
        let placed = places.take();
        let mut course_update: course::ActiveModel = fresh.clone().into();
        update.course_id = Set(fresh.id);
        course_update.places_taken = Set(places.taken);
        course_update.waitlist_seq = Set(places.waitlist_seq);
        let state = match placed {
            Placed::Place => {
                update.holds_place = Set(true);
                update.waitlist_position = Set(None);
                decided
            }
            Placed::Waitlist { position } => {
                update.holds_place = Set(false);
                update.waitlist_position = Set(Some(position));
                CaseState::Waitlisted
            }
        };
        course_update.updated_at = Set(now);
        course_update.update(tx).await?;
        state
    };
    update.status = Set(state.code().to_string());
    update.decision_reason = Set(act.reason.clone());
    update.updated_at = Set(now);
    update.update(tx).await?;
    let detail = serde_json::json!({"course": target.code(), "proposed_course": proposal.map(|p| p.code()), "promoted": promoted});
    log_event(tx, act, CaseEvent::DecideCourse.code(), from, state, detail, now).await?;
    Ok(Outcome { state, promoted })
}

/// Applies an event that changes only the state (and perhaps releases the place):
/// approve, return, intent, not installable, ineligible, withdraw, disqualify.
pub async fn apply(
    tx: &Tx,
    calendar: &BusinessCalendar,
    act: &Act,
    event: CaseEvent,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    // These have their own use case: contact, status check, course, the agreement's documents.
    if matches!(
        event,
        CaseEvent::CompleteApplication
            | CaseEvent::RecordStatusCheck
            | CaseEvent::DecideCourse
            | CaseEvent::Promote
            | CaseEvent::SendAgreement
            | CaseEvent::ConfirmAgreement
    ) {
        return Err(Refusal::DedicatedAction(event).into());
    }
    if event.needs_reason() && act.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Refusal::ReasonRequired(event).into());
    }
    apply_in(tx.conn(), calendar, act, event, now).await
}

/// `apply` inside a transaction the caller commits (with whatever else belongs to the action).
pub(crate) async fn apply_in(
    tx: &DatabaseTransaction,
    calendar: &BusinessCalendar,
    act: &Act,
    event: CaseEvent,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let peek = application::Entity::find_by_id(act.application_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    // A transition that may release a place locks the course row first.
    course::Entity::find_by_id(peek.course_id).lock_exclusive().one(tx).await?;
    let model = lock_application(tx, act.application_id).await?;
    let from = state_of(&model)?;
    let state = domain::case::transition(from, event).map_err(refused)?;
    if event == CaseEvent::MarkNotInstallable && course_code(tx, model.course_id).await? != CourseCode::Utm {
        return Err(Refusal::NotInstallableOutsideUtm.into());
    }
    let mut promoted = Vec::new();
    let mut update: application::ActiveModel = model.clone().into();
    if model.holds_place && !state.holds_place() {
        promoted.extend(release_place(tx, calendar, model.course_id, now).await?);
        update.holds_place = Set(false);
    }
    update.status = Set(state.code().to_string());
    update.updated_at = Set(now);
    update.update(tx).await?;
    log_event(tx, act, event.code(), from, state, serde_json::json!({"promoted": promoted}), now).await?;
    Ok(Outcome { state, promoted })
}

/// Gives back one place on `course_id` and, if a case waits, promotes the first in line.
/// A course row's places, for the one rule in [`domain::programme::Places`].
pub(crate) fn places_of(course: &course::Model) -> Places {
    Places { capacity: course.capacity, taken: course.places_taken, waitlist_seq: course.waitlist_seq }
}

async fn release_place(
    tx: &DatabaseTransaction,
    calendar: &BusinessCalendar,
    course_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    let course = course::Entity::find_by_id(course_id).lock_exclusive().one(tx).await?.ok_or(StoreError::NotFound)?;
    let mut places = places_of(&course);
    let room = places.release();
    let next = application::Entity::find()
        .filter(application::Column::CourseId.eq(course_id))
        .filter(application::Column::Status.eq(CaseState::Waitlisted.code()))
        .order_by_asc(application::Column::WaitlistPosition)
        .order_by_asc(application::Column::ReceivedAt)
        .lock_exclusive()
        .one(tx)
        .await?;
    let mut promoted = None;
    if let Some(waiting) = next.filter(|_| room) {
        // A case that was already contacted and checked resumes there; a new one awaits contact.
        let resumed = if waiting.status_check.is_some() { CaseState::StatusChecked } else { CaseState::Received };
        let from = CaseState::Waitlisted;
        domain::case::transition(from, CaseEvent::Promote).map_err(refused)?;
        let mut update: application::ActiveModel = waiting.clone().into();
        update.status = Set(resumed.code().to_string());
        update.holds_place = Set(true);
        update.waitlist_position = Set(None);
        if resumed == CaseState::Received {
            // The 3-business-day contact promise starts from the promotion.
            update.contact_due = Set(calendar.contact_due(now));
        }
        update.updated_at = Set(now);
        update.update(tx).await?;
        places.taken += 1;
        let act =
            Act { application_id: waiting.id, actor: Actor::System("waitlist"), ip: None, reason: None, email: None };
        log_event(tx, &act, CaseEvent::Promote.code(), from, resumed, serde_json::json!({"course_id": course_id}), now)
            .await?;
        promoted = Some(waiting.id);
    }
    let mut course_update: course::ActiveModel = course.into();
    course_update.places_taken = Set(places.taken);
    course_update.updated_at = Set(now);
    course_update.update(tx).await?;
    Ok(promoted)
}

/// Sets (or clears) the staff member responsible for the case.
pub async fn assign(tx: &Tx, act: &Act, assignee: Option<Uuid>, now: DateTime<Utc>) -> Result<()> {
    let tx = tx.conn();
    let model = lock_application(tx, act.application_id).await?;
    let state = state_of(&model)?;
    let mut update: application::ActiveModel = model.into();
    update.assignee_user_id = Set(assignee);
    update.updated_at = Set(now);
    update.update(tx).await?;
    log_event(tx, act, "assign", state, state, serde_json::json!({"assignee": assignee}), now).await?;
    Ok(())
}

/// The case's timeline, oldest first.
pub async fn timeline(db: &Db, application_id: Uuid) -> Result<Vec<CaseEventRecord>> {
    let models = case_event::Entity::find()
        .filter(case_event::Column::ApplicationId.eq(application_id))
        .order_by_asc(case_event::Column::Id)
        .all(db.conn())
        .await?;
    Ok(models
        .into_iter()
        .map(|m| CaseEventRecord {
            at: m.at,
            actor_label: m.actor_label,
            event: m.event,
            from_state: m.from_state,
            to_state: m.to_state,
            reason: m.reason,
            detail: m.detail,
        })
        .collect())
}

/// The states the cases of programme year `programme_id` entered before `before`, each case's
/// oldest first: `(application, state)` (the results report's funnel and figures as of a day).
pub async fn states_before(db: &Db, programme_id: Uuid, before: DateTime<Utc>) -> Result<Vec<(Uuid, CaseState)>> {
    use sea_orm::sea_query::Query;
    let of_programme = Query::select()
        .column(application::Column::Id)
        .from(application::Entity)
        .and_where(application::Column::ProgrammeId.eq(programme_id))
        .to_owned();
    let rows: Vec<(Uuid, String)> = case_event::Entity::find()
        .select_only()
        .column(case_event::Column::ApplicationId)
        .column(case_event::Column::ToState)
        .filter(case_event::Column::ApplicationId.in_subquery(of_programme))
        .filter(case_event::Column::At.lt(before))
        .order_by_asc(case_event::Column::Id)
        .into_tuple()
        .all(db.conn())
        .await?;
    rows.into_iter()
        .map(|(id, state)| {
            CaseState::from_code(&state)
                .map(|state| (id, state))
                .ok_or_else(|| StoreError::Corrupt(format!("case event state {state}")))
        })
        .collect()
}

/// The contact log, oldest first.
pub async fn contacts(db: &Db, application_id: Uuid) -> Result<Vec<ContactRecord>> {
    let models = contact::Entity::find()
        .filter(contact::Column::ApplicationId.eq(application_id))
        .order_by_asc(contact::Column::ContactedAt)
        .all(db.conn())
        .await?;
    Ok(models
        .into_iter()
        .map(|m| ContactRecord {
            contacted_at: m.contacted_at,
            channel: m.channel,
            staff_label: m.staff_label,
            summary: m.summary,
            rules_accepted: m.rules_accepted,
        })
        .collect())
}

/// A case contacted late, or not yet contacted past its due date, for the funder's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    pub application_id: Uuid,
    pub reference: String,
    pub company_name: String,
    pub received_at: DateTime<Utc>,
    pub contact_due: NaiveDate,
    /// The first contact's day in Tokyo, or `None` while still uncontacted.
    pub contacted_on: Option<NaiveDate>,
    /// Business days past the due date (to the contact, or to `today` while uncontacted).
    pub business_days_late: i64,
}

/// Every case of the programme year whose first contact came after its due date (or has not
/// come and the due date has passed), with how many business days late.
pub async fn breaches(
    db: &Db,
    programme_id: Uuid,
    calendar: &BusinessCalendar,
    today: NaiveDate,
) -> Result<Vec<Breach>> {
    let models = application::Entity::find()
        .filter(application::Column::ProgrammeId.eq(programme_id))
        .filter(application::Column::Status.ne(CaseState::Waitlisted.code()))
        .order_by_asc(application::Column::ReceivedAt)
        .all(db.conn())
        .await?;
    let mut out = Vec::new();
    for model in models {
        let contacted_on = model.first_contact_at.map(|at| at.with_timezone(&tokyo()).date_naive());
        let until = contacted_on.unwrap_or(today);
        let late = calendar.business_days_between(model.contact_due, until);
        let uncontacted_and_closed = contacted_on.is_none() && state_of(&model)?.is_closed();
        if late > 0 && !uncontacted_and_closed {
            out.push(Breach {
                application_id: model.id,
                reference: model.reference,
                company_name: model.company_name,
                received_at: model.received_at,
                contact_due: model.contact_due,
                contacted_on,
                business_days_late: late,
            });
        }
    }
    Ok(out)
}

fn tokyo() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(9 * 3600).expect("JST")
}

async fn lock_application(tx: &DatabaseTransaction, id: Uuid) -> Result<application::Model> {
    application::Entity::find_by_id(id).lock_exclusive().one(tx).await?.ok_or(StoreError::NotFound)
}

async fn course_code(tx: &DatabaseTransaction, course_id: Uuid) -> Result<CourseCode> {
    let model = course::Entity::find_by_id(course_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    CourseCode::from_code(&model.code).ok_or_else(|| StoreError::Corrupt(format!("course code {}", model.code)))
}

pub(crate) fn state_of(model: &application::Model) -> Result<CaseState> {
    CaseState::from_code(&model.status).ok_or_else(|| StoreError::Corrupt(format!("status {}", model.status)))
}

fn actor_parts(actor: &Actor) -> (Option<Uuid>, String) {
    match actor {
        Actor::Applicant => (None, "applicant".into()),
        Actor::User { id, label } => (Some(*id), label.clone()),
        Actor::System(what) => (None, format!("system:{what}")),
    }
}

async fn log_event(
    conn: &impl ConnectionTrait,
    act: &Act,
    event: &str,
    from: CaseState,
    to: CaseState,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    insert_case_event(conn, act, event, from, to, &detail, now).await?;
    if let Some(email) = &act.email {
        crate::outbox::enqueue_in(conn, email, now).await?;
    }
    audit::record_in(
        conn,
        NewAuditEntry {
            actor: act.actor.clone(),
            action: "case.transition",
            subject_type: "application",
            subject_id: Some(act.application_id.to_string()),
            ip: act.ip.clone(),
            detail: serde_json::json!({"event": event, "from": from.code(), "to": to.code()}),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The timeline row alone (the submission writes its own audit entry).
pub(crate) async fn insert_case_event(
    conn: &impl ConnectionTrait,
    act: &Act,
    event: &str,
    from: CaseState,
    to: CaseState,
    detail: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    case_event_model(act, event, from, to, detail, now).insert(conn).await?;
    Ok(())
}

/// The timeline row for one event, stamped now (the group commit inserts many at once).
pub(crate) fn case_event_model(
    act: &Act,
    event: &str,
    from: CaseState,
    to: CaseState,
    detail: &serde_json::Value,
    now: DateTime<Utc>,
) -> case_event::ActiveModel {
    let (actor_user_id, actor_label) = actor_parts(&act.actor);
    case_event::ActiveModel {
        application_id: Set(act.application_id),
        at: Set(now),
        actor_user_id: Set(actor_user_id),
        actor_label: Set(actor_label),
        event: Set(event.to_string()),
        from_state: Set(from.code().to_string()),
        to_state: Set(to.code().to_string()),
        reason: Set(act.reason.clone()),
        detail: Set(detail.to_string()),
        ..Default::default()
    }
}

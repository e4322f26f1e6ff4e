//! The case in the back office (STEP2–5): record a contact, the security-status check, the
//! course decision, Tokyo's approval or return (one case or a batch), the state-only events and
//! exits, assignment, and messages to the company's portal.
//!
//! Each use case opens one transaction for the change, its timeline and audit rows and its
//! e-mails: the notice to the company when Tokyo approves, and to every company promoted from the
//! waitlist when a place frees up.

use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::case::{CaseEvent, ContactNote, StatusCheck};
use domain::programme::CourseCode;
use store::cases::{Act, Outcome};
use store::outbox::OutgoingEmail;
use uuid::Uuid;

use crate::mail::{self, subject};
use crate::{Actor, AppError, Invalid, Result, Services};

/// The longest portal message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// The longest reason staff type (exits, returns, overriding the proposed course), in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A reason typed by staff (exits, returns, overriding the proposed course) or by a company
/// declining: kept as typed, empty when nothing was typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reason(Option<String>);

impl Reason {
    /// A staff reason: at most [`MAX_REASON_CHARS`] characters, without control characters
    /// (tab and line breaks aside). Kept as typed (a full-width colon stays full-width); only the
    /// white space around it goes.
    pub fn parse(text: &str) -> Result<Reason, Invalid> {
        Reason::parse_at_most(text, MAX_REASON_CHARS)
    }

    /// [`Reason::parse`] with another limit (a company's reason for declining has more room).
    pub fn parse_at_most(text: &str, max_chars: usize) -> Result<Reason, Invalid> {
        if domain::text::has_control(text) {
            return Err(Invalid::ControlCharacter);
        }
        if domain::text::too_long(text, max_chars) {
            return Err(Invalid::ReasonTooLong(max_chars));
        }
        let text = text.trim();
        Ok(Reason((!text.is_empty()).then(|| text.to_owned())))
    }

    pub fn none() -> Reason {
        Reason(None)
    }
}

/// A message to the company's portal page: 1 to [`MAX_MESSAGE_CHARS`] characters, line breaks kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(text: &str) -> Result<MessageText, Invalid> {
        if domain::text::has_control(text) {
            return Err(Invalid::MessageControlCharacter);
        }
        let kept = multi_line(text);
        // The length counts the characters as typed.
        if kept.is_empty() || domain::text::too_long(text, MAX_MESSAGE_CHARS) {
            return Err(Invalid::MessageLength);
        }
        Ok(MessageText(kept))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Multi-line text as kept: trimmed, every line break (`\r\n`, `\r`) as `\n`.
pub fn multi_line(text: &str) -> String {
    text.trim().replace("\r\n", "\n").replace('\r', "\n")
}

/// Records a contact with the applicant; with the rules accepted it completes the application.
pub async fn record_contact(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    note: ContactNote,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    actor.require(Action::HandleCase)?;
    let tx = services.db.begin().await?;
    let outcome = store::cases::record_contact(&tx, &act(actor, case, Reason::none()), &note, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Records the security-status check and returns Kojo's course proposal with the outcome.
pub async fn record_status_check(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    check: StatusCheck,
    now: DateTime<Utc>,
) -> Result<(Outcome, CourseCode)> {
    actor.require(Action::WorkCase(CaseEvent::RecordStatusCheck))?;
    let tx = services.db.begin().await?;
    let result = store::cases::record_status_check(&tx, &act(actor, case, Reason::none()), &check, now).await?;
    tx.commit().await?;
    Ok(result)
}

/// Decides the course (moving the place, or waitlisting on a full course); overriding Kojo's
/// proposal needs a reason.
/// Opens a case for a staff user, the read of its personal data audited: those who work cases
/// read every case, Tokyo only the cases awaiting its approval (read-only), anyone else none.
/// The one rule of the case page and `GET /api/v1/cases/{id}`.
pub async fn read(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    now: DateTime<Utc>,
) -> Result<store::applications::ApplicationRecord> {
    if !actor.may(Action::ReadCases) && !actor.may(Action::ReadApprovals) {
        return Err(AppError::Forbidden);
    }
    let record = store::applications::get(&services.db, case).await?;
    if !actor.role().is_some_and(|role| role.may_read_case(record.status)) {
        return Err(AppError::Forbidden);
    }
    let tx = services.db.begin().await?;
    let detail = serde_json::json!({"reference": record.reference});
    actor.record(&tx, "application.view", ("application", case), detail, now).await?;
    tx.commit().await?;
    Ok(record)
}

pub async fn decide_course(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    course: CourseCode,
    reason: Reason,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    actor.require(Action::WorkCase(CaseEvent::DecideCourse))?;
    let tx = services.db.begin().await?;
    let outcome = store::cases::decide_course(&tx, &services.calendar, &act(actor, case, reason), course, now).await?;
    notify_promoted(services, &tx, &outcome, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Applies a state-only event: Tokyo's approval (which asks the company to confirm its intent)
/// or return, the company's intent, not installable, and the exits (which free the place and
/// promote the next waitlisted company).
pub async fn apply_event(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    event: CaseEvent,
    reason: Reason,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    actor.require(Action::WorkCase(event))?;
    let tx = services.db.begin().await?;
    let outcome = store::cases::apply(&tx, &services.calendar, &act(actor, case, reason), event, now).await?;
    if event == CaseEvent::Approve {
        let record = store::applications::get(&services.db, case).await?;
        store::outbox::add(
            &tx,
            &notice(services, &record, &subject::APPROVED, domain::portal::PortalTask::Intent).await?,
            now,
        )
        .await?;
    }
    notify_promoted(services, &tx, &outcome, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// What a batch of approvals or returns did.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub done: Vec<Uuid>,
    /// Cases refused, each with its reason; the others went through.
    pub refused: Vec<(Uuid, AppError)>,
}

/// Tokyo approves (or returns) several decided cases at once: each case is its own use case, so a
/// case that cannot move is reported and does not hold back the others.
pub async fn decide_batch(
    services: &Services,
    actor: &Actor,
    cases: &[Uuid],
    event: CaseEvent,
    reason: Reason,
    now: DateTime<Utc>,
) -> Result<BatchOutcome> {
    if !matches!(event, CaseEvent::Approve | CaseEvent::ReturnToSecretariat) {
        return Err(Invalid::UnknownEvent(event.code().to_string()).into());
    }
    actor.require(Action::WorkCase(event))?;
    if cases.is_empty() {
        return Err(Invalid::NothingSelected.into());
    }
    let mut outcome = BatchOutcome::default();
    for case in cases {
        match apply_event(services, actor, *case, event, reason.clone(), now).await {
            Ok(_) => outcome.done.push(*case),
            Err(error @ (AppError::Refused(_) | AppError::NotFound)) => outcome.refused.push((*case, error)),
            Err(other) => return Err(other),
        }
    }
    Ok(outcome)
}

/// Sets (or clears) the staff member responsible for the case; only someone who works cases.
pub async fn assign(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    assignee: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::HandleCase)?;
    if let Some(user) = assignee {
        let user = match store::accounts::get_user(&services.db, user).await {
            Ok(user) => user,
            Err(store::StoreError::NotFound) => return Err(Invalid::UnknownAssignee.into()),
            Err(other) => return Err(other.into()),
        };
        if !user.is_active || !user.role.may(Action::HandleCase) {
            return Err(domain::refusal::Refusal::AssigneeCannotWorkCases.into());
        }
    }
    let tx = services.db.begin().await?;
    store::cases::assign(&tx, &act(actor, case, Reason::none()), assignee, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Posts a message to the company's portal page and e-mails it a notice (the text stays in the
/// portal).
pub async fn post_message(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    text: MessageText,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::HandleCase)?;
    let record = store::applications::get(&services.db, case).await?;
    let tx = services.db.begin().await?;
    store::portal::post_message(&tx, case, actor.user_id(), "運営事務局", false, text.as_str(), now).await?;
    store::outbox::add(
        &tx,
        &notice(services, &record, &subject::MESSAGE, domain::portal::PortalTask::Messages).await?,
        now,
    )
    .await?;
    store::audit::add(
        &tx,
        store::audit::NewAuditEntry {
            actor: actor.audit(),
            action: "case.message",
            subject_type: "application",
            subject_id: Some(case.to_string()),
            ip: actor.ip(),
            detail: serde_json::json!({"chars": text.as_str().chars().count()}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The company confirms its intent to participate from its portal (STEP3, after approval).
pub async fn confirm_own_intent(services: &Services, actor: &Actor, now: DateTime<Utc>) -> Result<Outcome> {
    let case = actor.own_case()?;
    let tx = services.db.begin().await?;
    let outcome =
        store::cases::apply(&tx, &services.calendar, &act(actor, case, Reason::none()), CaseEvent::ConfirmIntent, now)
            .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The longest reason a company gives for declining, in characters.
pub const MAX_DECLINE_REASON_CHARS: usize = 1000;

/// The company declines to take part from its portal, at the same step where it could confirm
/// its intent (STEP3, after Tokyo's approval): 辞退, with its reason. A place freed this way goes
/// to the first company of the waitlist, which is told, in the same transaction.
pub async fn decline_own(services: &Services, actor: &Actor, reason: &str, now: DateTime<Utc>) -> Result<Outcome> {
    let case = actor.own_case()?;
    let reason = Reason::parse_at_most(reason, MAX_DECLINE_REASON_CHARS)?;
    if reason.0.is_none() {
        return Err(domain::refusal::Refusal::ReasonRequired(CaseEvent::Withdraw).into());
    }
    let record = store::applications::get(&services.db, case).await?;
    if domain::case::transition(record.status, CaseEvent::ConfirmIntent).is_err() {
        return Err(domain::refusal::Refusal::Transition { from: record.status, event: CaseEvent::Withdraw }.into());
    }
    let tx = services.db.begin().await?;
    let outcome =
        store::cases::apply(&tx, &services.calendar, &act(actor, case, reason), CaseEvent::Withdraw, now).await?;
    notify_promoted(services, &tx, &outcome, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The company writes to the secretariat from its portal.
pub async fn post_own_message(
    services: &Services,
    actor: &Actor,
    author_name: &str,
    text: MessageText,
    now: DateTime<Utc>,
) -> Result<()> {
    let case = actor.own_case()?;
    let tx = services.db.begin().await?;
    store::portal::post_message(&tx, case, actor.user_id(), author_name, true, text.as_str(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The notice e-mail to a case's contact, pointing to the task in the portal, from the
/// secretariat of its programme year and in its language.
pub async fn notice(
    services: &Services,
    record: &store::applications::ApplicationRecord,
    subject: &mail::Subject,
    task: domain::portal::PortalTask,
) -> Result<OutgoingEmail> {
    let letter = mail::letter(&services.mail, &services.db, record).await?;
    Ok(mail::message_notice(&letter, record, subject, task))
}

/// E-mails every company the outcome promoted from the waitlist, in the same transaction.
async fn notify_promoted(services: &Services, tx: &store::Tx, outcome: &Outcome, now: DateTime<Utc>) -> Result<()> {
    for promoted in &outcome.promoted {
        let record = store::applications::get(&services.db, *promoted).await?;
        store::outbox::add(
            tx,
            &notice(services, &record, &subject::PROMOTED, domain::portal::PortalTask::Home).await?,
            now,
        )
        .await?;
    }
    Ok(())
}

fn act(actor: &Actor, case: Uuid, reason: Reason) -> Act {
    Act { application_id: case, actor: actor.audit(), ip: actor.ip(), reason: reason.0, email: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_keeps_its_lines_and_is_refused_when_empty_long_or_with_control_characters() {
        assert_eq!(MessageText::parse(" 一行目\r\n二行目 ").unwrap().as_str(), "一行目\n二行目");
        assert_eq!(MessageText::parse(" \n "), Err(Invalid::MessageLength));
        assert_eq!(MessageText::parse(&"あ".repeat(MAX_MESSAGE_CHARS + 1)), Err(Invalid::MessageLength));
        assert!(MessageText::parse(&"あ".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(MessageText::parse("a\u{0}b"), Err(Invalid::MessageControlCharacter));
    }

    #[test]
    fn a_reason_is_kept_as_typed_and_blank_is_none() {
        assert_eq!(Reason::parse("  ＡＢＣ：理由  "), Ok(Reason(Some("ＡＢＣ：理由".into()))), "kept as typed");
        assert_eq!(Reason::parse("　"), Ok(Reason::none()));
        assert_eq!(Reason::parse("一行目\n二行目"), Ok(Reason(Some("一行目\n二行目".into()))));
        assert_eq!(Reason::parse("a\u{0}b"), Err(Invalid::ControlCharacter));
        assert_eq!(Reason::parse(&"あ".repeat(MAX_REASON_CHARS + 1)), Err(Invalid::ReasonTooLong(MAX_REASON_CHARS)));
        assert!(Reason::parse(&"あ".repeat(MAX_REASON_CHARS)).is_ok());
        assert!(Reason::parse_at_most(&"あ".repeat(MAX_DECLINE_REASON_CHARS), MAX_DECLINE_REASON_CHARS).is_ok());
    }
}

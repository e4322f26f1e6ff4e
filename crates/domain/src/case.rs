//! The application as a case: its states from receipt to confirmed participation (募集要項 6.
//! STEP1–5) and the exits, and which transitions are allowed.
//!
//! `transition` is the only place that decides whether a case may move; the store applies the
//! result together with its side effects (places, waitlist, audit) in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::application::{FreeHubPort, PolicyStatus};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// STEP1 done: the form was received and holds a place; the secretariat must contact it.
    Received,
    /// The course was full: キャンセル待ち. Holds no place.
    Waitlisted,
    /// STEP2: contacted, the rules explained and accepted — 申込完了.
    Contacted,
    /// STEP2: the security status was checked.
    StatusChecked,
    /// STEP3: the course (① or ②) is decided, awaiting Tokyo's approval.
    CourseDecided,
    /// STEP3: approved by Tokyo (承認).
    Approved,
    /// STEP3: the company confirmed its intent to participate.
    IntentConfirmed,
    /// STEP4: the participation agreement (参加同意書) was sent.
    AgreementSent,
    /// STEP5: the signed agreement was received — 参加確定.
    Confirmed,
    /// The site survey found the UTM cannot be installed; the case may move to course ②.
    NotInstallable,
    /// Does not meet the requirements (募集要項 2.).
    Ineligible,
    /// 辞退.
    Withdrawn,
    /// A false declaration or a breach (募集要項 10.(1)).
    Disqualified,
}

/// What someone does to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseEvent {
    /// Contact recorded with the rules explained and accepted (申込完了).
    CompleteApplication,
    /// The security-status check form was filled in.
    RecordStatusCheck,
    /// The secretariat decided the course (it may differ from the one applied for).
    DecideCourse,
    /// Tokyo approves the decided case.
    Approve,
    /// Tokyo returns the case to the secretariat (with a reason).
    ReturnToSecretariat,
    /// The company confirmed its intent (portal button or recorded after a call).
    ConfirmIntent,
    /// The agreement was sent.
    SendAgreement,
    /// The signed agreement (electronic or stamped scan) was received and checked.
    ConfirmAgreement,
    /// The site survey failed: no UTM can be installed.
    MarkNotInstallable,
    /// A place freed up on the course: the first waitlisted case takes it.
    Promote,
    MarkIneligible,
    Withdraw,
    Disqualify,
}

impl CaseState {
    pub const ALL: [CaseState; 13] = [
        CaseState::Received,
        CaseState::Waitlisted,
        CaseState::Contacted,
        CaseState::StatusChecked,
        CaseState::CourseDecided,
        CaseState::Approved,
        CaseState::IntentConfirmed,
        CaseState::AgreementSent,
        CaseState::Confirmed,
        CaseState::NotInstallable,
        CaseState::Ineligible,
        CaseState::Withdrawn,
        CaseState::Disqualified,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseState::Received => "received",
            CaseState::Waitlisted => "waitlisted",
            CaseState::Contacted => "contacted",
            CaseState::StatusChecked => "status_checked",
            CaseState::CourseDecided => "course_decided",
            CaseState::Approved => "approved",
            CaseState::IntentConfirmed => "intent_confirmed",
            CaseState::AgreementSent => "agreement_sent",
            CaseState::Confirmed => "confirmed",
            CaseState::NotInstallable => "not_installable",
            CaseState::Ineligible => "ineligible",
            CaseState::Withdrawn => "withdrawn",
            CaseState::Disqualified => "disqualified",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            CaseState::Received => "受付済（連絡待ち）",
            CaseState::Waitlisted => "キャンセル待ち",
            CaseState::Contacted => "申込完了（連絡済）",
            CaseState::StatusChecked => "セキュリティ状況確認済",
            CaseState::CourseDecided => "コース決定（都承認待ち）",
            CaseState::Approved => "東京都承認済",
            CaseState::IntentConfirmed => "参加意思確認済",
            CaseState::AgreementSent => "参加同意書送付済",
            CaseState::Confirmed => "参加確定",
            CaseState::NotInstallable => "UTM設置不可",
            CaseState::Ineligible => "対象外",
            CaseState::Withdrawn => "辞退",
            CaseState::Disqualified => "取消（虚偽申告等）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CaseState::Received => "Received (awaiting contact)",
            CaseState::Waitlisted => "Waitlisted",
            CaseState::Contacted => "Application complete (contacted)",
            CaseState::StatusChecked => "Security status checked",
            CaseState::CourseDecided => "Course decided (awaiting Tokyo)",
            CaseState::Approved => "Approved by Tokyo",
            CaseState::IntentConfirmed => "Intent confirmed",
            CaseState::AgreementSent => "Agreement sent",
            CaseState::Confirmed => "Participation confirmed",
            CaseState::NotInstallable => "UTM not installable",
            CaseState::Ineligible => "Ineligible",
            CaseState::Withdrawn => "Withdrawn",
            CaseState::Disqualified => "Disqualified",
        }
    }

    /// Whether a case in this state holds a place on its course.
    pub fn holds_place(self) -> bool {
        !matches!(
            self,
            CaseState::Waitlisted
                | CaseState::NotInstallable
                | CaseState::Ineligible
                | CaseState::Withdrawn
                | CaseState::Disqualified
        )
    }

    /// Ended: nothing more happens to the case.
    pub fn is_closed(self) -> bool {
        matches!(self, CaseState::Ineligible | CaseState::Withdrawn | CaseState::Disqualified)
    }
}

impl CaseEvent {
    pub const ALL: [CaseEvent; 13] = [
        CaseEvent::CompleteApplication,
        CaseEvent::RecordStatusCheck,
        CaseEvent::DecideCourse,
        CaseEvent::Approve,
        CaseEvent::ReturnToSecretariat,
        CaseEvent::ConfirmIntent,
        CaseEvent::SendAgreement,
        CaseEvent::ConfirmAgreement,
        CaseEvent::MarkNotInstallable,
        CaseEvent::Promote,
        CaseEvent::MarkIneligible,
        CaseEvent::Withdraw,
        CaseEvent::Disqualify,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseEvent::CompleteApplication => "complete_application",
            CaseEvent::RecordStatusCheck => "record_status_check",
            CaseEvent::DecideCourse => "decide_course",
            CaseEvent::Approve => "approve",
            CaseEvent::ReturnToSecretariat => "return_to_secretariat",
            CaseEvent::ConfirmIntent => "confirm_intent",
            CaseEvent::SendAgreement => "send_agreement",
            CaseEvent::ConfirmAgreement => "confirm_agreement",
            CaseEvent::MarkNotInstallable => "mark_not_installable",
            CaseEvent::Promote => "promote",
            CaseEvent::MarkIneligible => "mark_ineligible",
            CaseEvent::Withdraw => "withdraw",
            CaseEvent::Disqualify => "disqualify",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseEvent> {
        CaseEvent::ALL.into_iter().find(|e| e.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            CaseEvent::CompleteApplication => "連絡・規定説明の了承（申込完了）",
            CaseEvent::RecordStatusCheck => "セキュリティ状況の確認",
            CaseEvent::DecideCourse => "コース決定",
            CaseEvent::Approve => "東京都承認",
            CaseEvent::ReturnToSecretariat => "東京都差戻し",
            CaseEvent::ConfirmIntent => "参加意思の確認",
            CaseEvent::SendAgreement => "参加同意書の送付",
            CaseEvent::ConfirmAgreement => "参加同意書の受領（参加確定）",
            CaseEvent::MarkNotInstallable => "UTM設置不可",
            CaseEvent::Promote => "キャンセル待ちからの繰上げ",
            CaseEvent::MarkIneligible => "対象外",
            CaseEvent::Withdraw => "辞退",
            CaseEvent::Disqualify => "取消",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CaseEvent::CompleteApplication => "Contacted; rules accepted (application complete)",
            CaseEvent::RecordStatusCheck => "Security status check",
            CaseEvent::DecideCourse => "Course decided",
            CaseEvent::Approve => "Approved by Tokyo",
            CaseEvent::ReturnToSecretariat => "Returned by Tokyo",
            CaseEvent::ConfirmIntent => "Intent confirmed",
            CaseEvent::SendAgreement => "Agreement sent",
            CaseEvent::ConfirmAgreement => "Agreement received (participation confirmed)",
            CaseEvent::MarkNotInstallable => "UTM cannot be installed",
            CaseEvent::Promote => "Promoted from the waitlist",
            CaseEvent::MarkIneligible => "Ineligible",
            CaseEvent::Withdraw => "Withdrawn",
            CaseEvent::Disqualify => "Cancelled",
        }
    }

    /// Whether the event needs a written reason (exits and returns must say why).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            CaseEvent::ReturnToSecretariat
                | CaseEvent::MarkNotInstallable
                | CaseEvent::MarkIneligible
                | CaseEvent::Withdraw
                | CaseEvent::Disqualify
        )
    }
}

/// A refused transition, with a message staff can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{}」の案件に「{}」はできません", from.label_ja(), event.label_ja())]
pub struct TransitionError {
    pub from: CaseState,
    pub event: CaseEvent,
}

/// The state a case moves to when `event` happens in state `from`, or why it cannot.
///
/// Course decisions that land on a full course, and promotions, are decided by the store
/// (they depend on places); this function gives the state when a place is available.
pub fn transition(from: CaseState, event: CaseEvent) -> Result<CaseState, TransitionError> {
    use CaseEvent as E;
    use CaseState as S;
    let to = match (from, event) {
        (S::Received, E::CompleteApplication) => S::Contacted,
        (S::Contacted | S::StatusChecked, E::RecordStatusCheck) => S::StatusChecked,
        (S::StatusChecked | S::NotInstallable | S::CourseDecided, E::DecideCourse) => S::CourseDecided,
        (S::CourseDecided, E::Approve) => S::Approved,
        (S::CourseDecided, E::ReturnToSecretariat) => S::StatusChecked,
        (S::Approved, E::ConfirmIntent) => S::IntentConfirmed,
        (S::IntentConfirmed, E::SendAgreement) => S::AgreementSent,
        // Re-sending (e.g. a corrected agreement) keeps the state.
        (S::AgreementSent, E::SendAgreement) => S::AgreementSent,
        (S::AgreementSent, E::ConfirmAgreement) => S::Confirmed,
        (
            S::CourseDecided | S::Approved | S::IntentConfirmed | S::AgreementSent | S::Confirmed,
            E::MarkNotInstallable,
        ) => S::NotInstallable,
        (S::Waitlisted, E::Promote) => S::Received,
        (S::Received | S::Waitlisted | S::Contacted | S::StatusChecked | S::CourseDecided, E::MarkIneligible) => {
            S::Ineligible
        }
        (state, E::Withdraw) if !state.is_closed() => S::Withdrawn,
        (state, E::Disqualify) if !state.is_closed() => S::Disqualified,
        _ => return Err(TransitionError { from, event }),
    };
    Ok(to)
}

/// What the security-status check found (STEP2 確認事項). Built by [`StatusCheck::parse`];
/// the enums keep the codes stored before they were typed (`yes`/`no`/`unknown`,
/// `none`/`drafting`/`in_place`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCheck {
    pub connection_layout: String,
    pub free_hub_port: FreeHubPort,
    pub existing_utm: bool,
    pub existing_utm_vendor: Option<String>,
    pub policy_status: PolicyStatus,
    pub notes: Option<String>,
}

/// Why a status check was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCheckProblem {
    LayoutMissing,
    LayoutTooLong,
    FreeHubPortMissing,
    PolicyStatusMissing,
    TextTooLong,
    ControlCharacter,
}

impl StatusCheck {
    pub const MAX_LAYOUT_CHARS: usize = 1000;
    pub const MAX_TEXT_CHARS: usize = 2000;

    /// Normalises (NFKC, white space) and checks what staff entered.
    pub fn parse(
        connection_layout: &str,
        free_hub_port: &str,
        existing_utm: bool,
        existing_utm_vendor: &str,
        policy_status: &str,
        notes: &str,
    ) -> Result<StatusCheck, StatusCheckProblem> {
        use crate::text::{has_control, normalize, too_long};
        if [connection_layout, existing_utm_vendor, notes].into_iter().any(has_control) {
            return Err(StatusCheckProblem::ControlCharacter);
        }
        // Lengths count the characters as typed.
        if too_long(connection_layout, Self::MAX_LAYOUT_CHARS) {
            return Err(StatusCheckProblem::LayoutTooLong);
        }
        if too_long(existing_utm_vendor, Self::MAX_TEXT_CHARS) || too_long(notes, Self::MAX_TEXT_CHARS) {
            return Err(StatusCheckProblem::TextTooLong);
        }
        let (layout, vendor, notes) = (normalize(connection_layout), normalize(existing_utm_vendor), normalize(notes));
        if layout.is_empty() {
            return Err(StatusCheckProblem::LayoutMissing);
        }
        let free_hub_port = FreeHubPort::from_code(free_hub_port).ok_or(StatusCheckProblem::FreeHubPortMissing)?;
        let policy_status = PolicyStatus::from_code(policy_status).ok_or(StatusCheckProblem::PolicyStatusMissing)?;
        Ok(StatusCheck {
            connection_layout: layout,
            free_hub_port,
            existing_utm,
            existing_utm_vendor: (!vendor.is_empty()).then_some(vendor),
            policy_status,
            notes: (!notes.is_empty()).then_some(notes),
        })
    }
}

/// How the secretariat reached the applicant (STEP2: 電話またはメール).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    Phone,
    Email,
}

impl ContactChannel {
    pub fn code(self) -> &'static str {
        match self {
            ContactChannel::Phone => "phone",
            ContactChannel::Email => "email",
        }
    }

    pub fn from_code(code: &str) -> Option<ContactChannel> {
        [ContactChannel::Phone, ContactChannel::Email].into_iter().find(|c| c.code() == code)
    }
}

/// A contact with the applicant, checked: when (not in the future), how, what was said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactNote {
    contacted_at: DateTime<Utc>,
    channel: ContactChannel,
    summary: String,
    rules_accepted: bool,
}

/// Why a contact note was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactProblem {
    /// The time could not be read.
    TimeUnreadable,
    /// More than [`ContactNote::CLOCK_SKEW_MINUTES`] in the future.
    InFuture,
    ChannelMissing,
    SummaryMissing,
    SummaryTooLong,
    ControlCharacter,
}

impl ContactNote {
    pub const MAX_SUMMARY_CHARS: usize = 2000;
    /// A contact a few minutes "in the future" is a clock difference, not a mistake.
    pub const CLOCK_SKEW_MINUTES: i64 = 5;

    pub fn parse(
        contacted_at: Option<DateTime<Utc>>,
        channel: &str,
        summary: &str,
        rules_accepted: bool,
        now: DateTime<Utc>,
    ) -> Result<ContactNote, ContactProblem> {
        let contacted_at = contacted_at.ok_or(ContactProblem::TimeUnreadable)?;
        if contacted_at > now + chrono::Duration::minutes(Self::CLOCK_SKEW_MINUTES) {
            return Err(ContactProblem::InFuture);
        }
        let channel = ContactChannel::from_code(channel).ok_or(ContactProblem::ChannelMissing)?;
        if crate::text::has_control(summary) {
            return Err(ContactProblem::ControlCharacter);
        }
        if crate::text::too_long(summary, Self::MAX_SUMMARY_CHARS) {
            return Err(ContactProblem::SummaryTooLong);
        }
        let summary = crate::text::normalize(summary);
        if summary.is_empty() {
            return Err(ContactProblem::SummaryMissing);
        }
        Ok(ContactNote { contacted_at, channel, summary, rules_accepted })
    }

    pub fn contacted_at(&self) -> DateTime<Utc> {
        self.contacted_at
    }

    pub fn channel(&self) -> ContactChannel {
        self.channel
    }

    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The rules were explained and accepted: this completes the application (申込完了).
    pub fn rules_accepted(&self) -> bool {
        self.rules_accepted
    }
}

/// Reads a minute in Tokyo time as typed in a form (`2026-11-25T10:30`, the `datetime-local`
/// input's format).
pub fn parse_tokyo_minute(text: &str) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let local = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M").ok()?;
    chrono_tz::Asia::Tokyo.from_local_datetime(&local).single().map(|at| at.with_timezone(&Utc))
}

/// Whether a case's first contact is overdue on `today`: still uncontacted, still received, and
/// its 3-business-day due date has passed (募集要項 6. STEP2). The one definition the board, the
/// list and the reports use.
pub fn contact_overdue(
    state: CaseState,
    first_contact_at: Option<DateTime<Utc>>,
    contact_due: NaiveDate,
    today: NaiveDate,
) -> bool {
    contact_pending(state, first_contact_at) && contact_due < today
}

/// Whether a case still waits for its first contact.
pub fn contact_pending(state: CaseState, first_contact_at: Option<DateTime<Utc>>) -> bool {
    state == CaseState::Received && first_contact_at.is_none()
}

/// The course Kojo proposes from a status check, and why (staff accept or override it).
///
/// Rule: a UTM needs a free hub port and must not duplicate one already installed, so an existing
/// UTM, or no free port, proposes course ② (risk assessment); otherwise course ① (UTM), which
/// also brings the management guidance towards a basic security policy.
pub fn propose_course(check: &StatusCheck) -> (crate::programme::CourseCode, &'static str) {
    use crate::programme::CourseCode;
    if check.existing_utm {
        (CourseCode::RiskAssessment, "既にUTMが設置されているため、②リスクアセスメントを提案します")
    } else if check.free_hub_port == FreeHubPort::No {
        (CourseCode::RiskAssessment, "HUBに空きポートがなくUTMを設置できないため、②リスクアセスメントを提案します")
    } else {
        (CourseCode::Utm, "UTMを設置できる見込みのため、①UTM機器設置コースを提案します")
    }
}

/// [`propose_course`]'s reason in English.
pub fn proposal_reason_en(check: &StatusCheck) -> &'static str {
    if check.existing_utm {
        "a UTM is already installed, so course 2 (risk assessment) is proposed"
    } else if check.free_hub_port == FreeHubPort::No {
        "the hub has no free port for a UTM, so course 2 (risk assessment) is proposed"
    } else {
        "a UTM can likely be installed, so course 1 (UTM installation) is proposed"
    }
}

/// The steps of the programme a case goes through, in order (the results report's funnel):
/// applied → contacted → course decided → approved by Tokyo → participation confirmed → support
/// completed. A case is counted once, at the furthest step it reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Applied,
    Contacted,
    CourseDecided,
    Approved,
    Confirmed,
    /// The support ended: the UTM's trial (removed or continued) or the risk report released.
    Completed,
}

impl Step {
    pub const ALL: [Step; 6] =
        [Step::Applied, Step::Contacted, Step::CourseDecided, Step::Approved, Step::Confirmed, Step::Completed];

    /// The step a case reached by entering `state` (`None`: an exit, which reaches nothing).
    pub fn of(state: CaseState) -> Option<Step> {
        match state {
            CaseState::Received | CaseState::Waitlisted => Some(Step::Applied),
            CaseState::Contacted | CaseState::StatusChecked => Some(Step::Contacted),
            CaseState::CourseDecided => Some(Step::CourseDecided),
            CaseState::Approved | CaseState::IntentConfirmed | CaseState::AgreementSent => Some(Step::Approved),
            CaseState::Confirmed => Some(Step::Confirmed),
            CaseState::NotInstallable | CaseState::Ineligible | CaseState::Withdrawn | CaseState::Disqualified => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Step::Applied => "申込み",
            Step::Contacted => "申込完了（連絡済）",
            Step::CourseDecided => "コース決定",
            Step::Approved => "東京都承認",
            Step::Confirmed => "参加確定",
            Step::Completed => "支援完了",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Step::Applied => "Applied",
            Step::Contacted => "Contacted",
            Step::CourseDecided => "Course decided",
            Step::Approved => "Approved by Tokyo",
            Step::Confirmed => "Participation confirmed",
            Step::Completed => "Support completed",
        }
    }
}

/// Where a case stands, for the funnel's columns: taking part, still in the steps (the waiting
/// list and a UTM found not installable included), or which exit it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    TakingPart,
    InProgress,
    Withdrawn,
    Ineligible,
    Disqualified,
}

impl Standing {
    pub const ALL: [Standing; 5] =
        [Standing::TakingPart, Standing::InProgress, Standing::Withdrawn, Standing::Ineligible, Standing::Disqualified];

    pub fn of(state: CaseState) -> Standing {
        match state {
            CaseState::Confirmed => Standing::TakingPart,
            CaseState::Withdrawn => Standing::Withdrawn,
            CaseState::Ineligible => Standing::Ineligible,
            CaseState::Disqualified => Standing::Disqualified,
            _ => Standing::InProgress,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Standing::TakingPart => "参加中",
            Standing::InProgress => "手続中",
            Standing::Withdrawn => "辞退",
            Standing::Ineligible => "対象外",
            Standing::Disqualified => "取消",
        }
    }
}

/// A case's history folded up to a moment: the state it was in and the furthest step it had
/// reached. Built from its timeline's states, oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub state: Option<CaseState>,
    pub furthest: Option<Step>,
}

impl Progress {
    /// The case entered `state`.
    pub fn enter(&mut self, state: CaseState) {
        self.state = Some(state);
        if let Some(step) = Step::of(state) {
            self.furthest = self.furthest.max(Some(step));
        }
    }

    /// The funnel's row: the furthest step, `Completed` when it had been confirmed and its
    /// support had ended.
    pub fn step(&self, support_ended: bool) -> Step {
        match self.furthest.unwrap_or(Step::Applied) {
            Step::Confirmed if support_ended => Step::Completed,
            step => step,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseEvent as E;
    use CaseState as S;

    /// Every allowed transition; everything else must be refused.
    const ALLOWED: &[(CaseState, CaseEvent, CaseState)] = &[
        (S::Received, E::CompleteApplication, S::Contacted),
        (S::Contacted, E::RecordStatusCheck, S::StatusChecked),
        (S::StatusChecked, E::RecordStatusCheck, S::StatusChecked),
        (S::StatusChecked, E::DecideCourse, S::CourseDecided),
        (S::NotInstallable, E::DecideCourse, S::CourseDecided),
        (S::CourseDecided, E::DecideCourse, S::CourseDecided),
        (S::CourseDecided, E::Approve, S::Approved),
        (S::CourseDecided, E::ReturnToSecretariat, S::StatusChecked),
        (S::Approved, E::ConfirmIntent, S::IntentConfirmed),
        (S::IntentConfirmed, E::SendAgreement, S::AgreementSent),
        (S::AgreementSent, E::SendAgreement, S::AgreementSent),
        (S::AgreementSent, E::ConfirmAgreement, S::Confirmed),
        (S::CourseDecided, E::MarkNotInstallable, S::NotInstallable),
        (S::Approved, E::MarkNotInstallable, S::NotInstallable),
        (S::IntentConfirmed, E::MarkNotInstallable, S::NotInstallable),
        (S::AgreementSent, E::MarkNotInstallable, S::NotInstallable),
        (S::Confirmed, E::MarkNotInstallable, S::NotInstallable),
        (S::Waitlisted, E::Promote, S::Received),
        (S::Received, E::MarkIneligible, S::Ineligible),
        (S::Waitlisted, E::MarkIneligible, S::Ineligible),
        (S::Contacted, E::MarkIneligible, S::Ineligible),
        (S::StatusChecked, E::MarkIneligible, S::Ineligible),
        (S::CourseDecided, E::MarkIneligible, S::Ineligible),
    ];

    #[test]
    fn every_pair_of_state_and_event_is_allowed_or_refused_as_listed() {
        for from in CaseState::ALL {
            for event in CaseEvent::ALL {
                let listed = ALLOWED.iter().find(|(f, e, _)| *f == from && *e == event).map(|(_, _, to)| *to);
                let expected = match (listed, event) {
                    (Some(to), _) => Some(to),
                    (None, E::Withdraw) if !from.is_closed() => Some(S::Withdrawn),
                    (None, E::Disqualify) if !from.is_closed() => Some(S::Disqualified),
                    _ => None,
                };
                match (transition(from, event), expected) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected, "{from:?} + {event:?}"),
                    (Err(error), None) => {
                        assert_eq!(error, TransitionError { from, event });
                        assert!(error.to_string().contains(from.label_ja()));
                    }
                    (got, expected) => panic!("{from:?} + {event:?}: got {got:?}, expected {expected:?}"),
                }
            }
        }
    }

    #[test]
    fn closed_cases_accept_nothing() {
        for from in [S::Ineligible, S::Withdrawn, S::Disqualified] {
            assert!(CaseEvent::ALL.iter().all(|e| transition(from, *e).is_err()), "{from:?}");
        }
    }

    #[test]
    fn only_live_cases_with_a_course_hold_places() {
        let holding: Vec<CaseState> = CaseState::ALL.into_iter().filter(|s| s.holds_place()).collect();
        assert_eq!(
            holding,
            [
                S::Received,
                S::Contacted,
                S::StatusChecked,
                S::CourseDecided,
                S::Approved,
                S::IntentConfirmed,
                S::AgreementSent,
                S::Confirmed
            ]
        );
    }

    #[test]
    fn codes_round_trip() {
        for state in CaseState::ALL {
            assert_eq!(CaseState::from_code(state.code()), Some(state));
        }
        for event in CaseEvent::ALL {
            assert_eq!(CaseEvent::from_code(event.code()), Some(event));
        }
    }

    #[test]
    fn the_proposal_follows_the_documented_rule() {
        use crate::programme::CourseCode;
        let mut check = StatusCheck::parse("光回線→ルーター→HUB", "yes", false, "", "none", "").unwrap();
        assert_eq!(propose_course(&check).0, CourseCode::Utm);
        check.free_hub_port = FreeHubPort::Unknown;
        assert_eq!(propose_course(&check).0, CourseCode::Utm, "unknown is settled by the site survey");
        check.free_hub_port = FreeHubPort::No;
        assert_eq!(propose_course(&check).0, CourseCode::RiskAssessment);
        check.free_hub_port = FreeHubPort::Yes;
        check.existing_utm = true;
        assert_eq!(propose_course(&check).0, CourseCode::RiskAssessment);
    }

    #[test]
    fn a_status_check_is_parsed_or_refused_with_its_reason() {
        let parsed = StatusCheck::parse(" ＮＴＴ光 → ルーター ", "no", true, "", "in_place", "").unwrap();
        assert_eq!(parsed.connection_layout, "NTT光 → ルーター");
        assert_eq!((parsed.free_hub_port, parsed.policy_status), (FreeHubPort::No, PolicyStatus::InPlace));
        assert_eq!(parsed.existing_utm_vendor, None);
        let problem = |layout: &str, port: &str, policy: &str, notes: &str| {
            StatusCheck::parse(layout, port, false, "", policy, notes).unwrap_err()
        };
        assert_eq!(problem("  ", "yes", "none", ""), StatusCheckProblem::LayoutMissing);
        assert_eq!(problem(&"あ".repeat(1001), "yes", "none", ""), StatusCheckProblem::LayoutTooLong);
        assert_eq!(problem("x", "maybe", "none", ""), StatusCheckProblem::FreeHubPortMissing);
        assert_eq!(problem("x", "yes", "", ""), StatusCheckProblem::PolicyStatusMissing);
        assert_eq!(problem("x", "yes", "none", &"い".repeat(2001)), StatusCheckProblem::TextTooLong);
        assert_eq!(problem("x\u{0}y", "yes", "none", ""), StatusCheckProblem::ControlCharacter);
    }

    #[test]
    fn stored_status_checks_keep_their_codes() {
        let check = StatusCheck::parse("x", "unknown", false, "", "drafting", "").unwrap();
        let json = serde_json::to_value(&check).unwrap();
        assert_eq!(
            (json["free_hub_port"].as_str(), json["policy_status"].as_str()),
            (Some("unknown"), Some("drafting"))
        );
        let back: StatusCheck = serde_json::from_value(json).unwrap();
        assert_eq!(back, check);
    }

    #[test]
    fn a_contact_note_is_parsed_or_refused_with_its_reason() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let note = ContactNote::parse(Some(now), "phone", " 規定を説明し、了承を得た ", true, now).unwrap();
        assert_eq!(
            (note.channel(), note.summary(), note.rules_accepted()),
            (ContactChannel::Phone, "規定を説明し、了承を得た", true)
        );
        let problem = |at: Option<DateTime<Utc>>, channel: &str, summary: &str| {
            ContactNote::parse(at, channel, summary, false, now).unwrap_err()
        };
        assert_eq!(problem(None, "phone", "x"), ContactProblem::TimeUnreadable);
        assert_eq!(problem(Some(now + chrono::Duration::minutes(6)), "phone", "x"), ContactProblem::InFuture);
        assert!(ContactNote::parse(Some(now + chrono::Duration::minutes(4)), "email", "x", false, now).is_ok());
        assert_eq!(problem(Some(now), "fax", "x"), ContactProblem::ChannelMissing);
        assert_eq!(problem(Some(now), "phone", "　"), ContactProblem::SummaryMissing);
        assert_eq!(problem(Some(now), "phone", &"う".repeat(2001)), ContactProblem::SummaryTooLong);
        assert_eq!(problem(Some(now), "phone", "a\u{7}b"), ContactProblem::ControlCharacter);
    }

    #[test]
    fn a_form_minute_is_read_in_tokyo_time() {
        use chrono::TimeZone;
        assert_eq!(parse_tokyo_minute("2026-12-03T10:30"), Some(Utc.with_ymd_and_hms(2026, 12, 3, 1, 30, 0).unwrap()));
        assert_eq!(parse_tokyo_minute("2026-12-03 10:30"), None);
        assert_eq!(parse_tokyo_minute(""), None);
    }

    #[test]
    fn overdue_means_uncontacted_received_and_past_the_due_date() {
        use chrono::TimeZone;
        let due = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let next = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert!(!contact_overdue(S::Received, None, due, due), "due today is not overdue yet");
        assert!(contact_overdue(S::Received, None, due, next));
        let contacted = Some(Utc.with_ymd_and_hms(2026, 12, 4, 1, 0, 0).unwrap());
        assert!(!contact_overdue(S::Received, contacted, due, next));
        assert!(!contact_overdue(S::Withdrawn, None, due, next));
        assert!(!contact_overdue(S::Waitlisted, None, due, next));
    }

    #[test]
    fn a_case_counts_at_the_furthest_step_it_reached() {
        let mut progress = Progress::default();
        for state in [CaseState::Received, CaseState::Contacted, CaseState::StatusChecked, CaseState::CourseDecided] {
            progress.enter(state);
        }
        assert_eq!(progress.step(false), Step::CourseDecided);
        // Tokyo returned it: it goes back a state but keeps the step it reached.
        progress.enter(CaseState::StatusChecked);
        assert_eq!(progress.step(false), Step::CourseDecided);
        assert_eq!(Standing::of(progress.state.unwrap()), Standing::InProgress);
        progress.enter(CaseState::Withdrawn);
        assert_eq!(progress.step(true), Step::CourseDecided, "support ending counts only after confirmation");
        assert_eq!(Standing::of(progress.state.unwrap()), Standing::Withdrawn);

        let mut confirmed = Progress::default();
        for state in [CaseState::Waitlisted, CaseState::Received, CaseState::Contacted, CaseState::StatusChecked] {
            confirmed.enter(state);
        }
        assert_eq!(confirmed.step(false), Step::Contacted);
        for state in [
            CaseState::CourseDecided,
            CaseState::Approved,
            CaseState::IntentConfirmed,
            CaseState::AgreementSent,
            CaseState::Confirmed,
        ] {
            confirmed.enter(state);
        }
        assert_eq!(confirmed.step(false), Step::Confirmed);
        assert_eq!(confirmed.step(true), Step::Completed);
        // The UTM could not be installed after confirmation: still in the steps, not an exit.
        confirmed.enter(CaseState::NotInstallable);
        assert_eq!(confirmed.step(false), Step::Confirmed);
        assert_eq!(Standing::of(CaseState::NotInstallable), Standing::InProgress);
        assert_eq!(Progress::default().step(false), Step::Applied);
        // Every state is placed: exits reach no step, every other state one.
        for state in CaseState::ALL {
            assert_eq!(Step::of(state).is_none(), state.is_closed() || state == CaseState::NotInstallable);
        }
    }
}

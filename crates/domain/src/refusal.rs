//! Why Kojo refused an action that was well-formed but not allowed by the programme's rules or
//! the case's state. Typed, so that the store and the application layer say *what* happened
//! and the web layer's message catalogue says it in Japanese and English.

use crate::case::{CaseEvent, CaseState};
use crate::programme::CourseCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The case's state does not allow the event (`case::transition`).
    #[error("a case in state {from:?} cannot take event {event:?}")]
    Transition { from: CaseState, event: CaseEvent },
    /// The event needs a written reason (exits and returns).
    #[error("event {0:?} needs a reason")]
    ReasonRequired(CaseEvent),
    /// The event has its own use case (contact, status check, course, agreement …).
    #[error("event {0:?} has its own action")]
    DedicatedAction(CaseEvent),
    #[error("no contact can be recorded on a case in state {0:?}")]
    ContactOnClosedCase(CaseState),
    #[error("the programme year has no course {0:?}")]
    CourseNotInProgramme(CourseCode),
    /// Deciding another course than Kojo proposed needs a reason.
    #[error("overriding the proposed course needs a reason")]
    OverrideNeedsReason,
    /// 'Not installable' applies to course ① cases only.
    #[error("not installable applies to course ① only")]
    NotInstallableOutsideUtm,
    /// The assignee must be a user who works cases.
    #[error("this user cannot be assigned cases")]
    AssigneeCannotWorkCases,
    #[error("a user with this e-mail address exists")]
    UserEmailTaken,
    #[error("API tokens are for staff users")]
    ApiTokenForStaffOnly,
    #[error("the agreement has not been sent")]
    AgreementNotSent,
    #[error("the agreement was already submitted")]
    AgreementAlreadySubmitted,
    #[error("the agreement was already confirmed")]
    AgreementAlreadyConfirmed,
    #[error("no signed agreement has been submitted")]
    AgreementNotSubmitted,
    #[error("devices are for course ① companies only")]
    DeviceOutsideUtm,
    #[error("the company already has a device that was not removed")]
    DeviceAlreadyRegistered,
    #[error("serial {0} is already registered")]
    SerialTaken(String),
    /// A device change that its stage does not allow (e.g. removing before installing).
    #[error("device change refused: {0}")]
    DeviceChange(DeviceRefusal),
    #[error("the report for {0} was released and cannot be regenerated")]
    ReportReleasedCannotRegenerate(String),
    #[error("a released report cannot be changed")]
    ReportReleased,
    #[error("the report was already released")]
    ReportAlreadyReleased,
    /// A document (PDF) could not be produced: no Japanese font, a character no font can draw …
    #[error("document unavailable: {0}")]
    DocumentUnavailable(String),
    #[error("programme rule: {0}")]
    Programme(ProgrammeRefusal),
    /// The current password given to change it is not the account's.
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("an administrator cannot disable their own account")]
    CannotDisableSelf,
    #[error("the last active administrator cannot be disabled")]
    LastAdministrator,
    #[error("the account is already disabled")]
    AlreadyDisabled,
    /// Too many agreement uploads for the case (in total, or within the hour).
    #[error("upload limit: {0:?}")]
    UploadLimit(UploadLimit),
    /// A closed inquiry takes no reply or status change until it is reopened.
    #[error("the inquiry is closed")]
    InquiryClosed,
    #[error("seminar: {0:?}")]
    Seminar(SeminarRefusal),
    #[error("incident desk: {0:?}")]
    Incident(IncidentRefusal),
    #[error("guidance: {0:?}")]
    Guidance(GuidanceRefusal),
    #[error("risk assessment: {0:?}")]
    Risk(RiskRefusal),
}

/// Why management guidance refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuidanceRefusal {
    /// The company has had (or planned) its four visits.
    VisitLimit,
    /// A cancelled visit takes no report.
    VisitCancelled,
    /// Guidance is for confirmed participants of course ①.
    NotParticipant,
    /// The user chosen is not an active expert.
    NotExpert,
    /// A policy is published with its enactment date and representative.
    PolicyIncomplete,
    /// There is no draft to publish.
    NoDraft,
    /// Only a planned visit is moved or cancelled.
    VisitNotPlanned,
    /// A visit holds at most this many files.
    TooManyFiles(u32),
}

/// Why course ② risk assessment refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskRefusal {
    /// The register holds at most this many assets.
    TooManyAssets(usize),
    /// A report is drafted from an evaluated register: at least one asset with its risk value.
    NothingEvaluated,
    /// Only a draft report is released (or replaced by a new draft).
    ReportNotDraft,
}

/// Why the incident desk refused a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentRefusal {
    /// The ticket's state does not allow the event (`incident::transition`).
    Transition { from: crate::incident::TicketStatus, event: crate::incident::TicketEvent },
    /// Tickets are for participant companies of course ① (confirmed, not withdrawn).
    NotParticipant,
    /// A closed ticket takes no message: the company opens a new one.
    Closed,
    /// The slot is outside weekdays 9–17, on a closure day or overlaps; the next free slot.
    Slot { problem: crate::incident::SlotProblem, next: Option<chrono::DateTime<chrono::Utc>> },
    /// The engineer or assignee must be an active UTM-operator (or administrator) user.
    NotDeskStaff,
    /// The visit was already signed off, or the dispatch cancelled.
    DispatchFinished,
    /// Departure before arrival, or a visit record without what was done.
    VisitIncomplete,
    /// At most this many files per ticket.
    TooManyFiles(u32),
    /// Removal needs an installed device that was neither removed nor continued.
    NoDeviceToRemove,
}

/// Why a seminar registration, change or check-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeminarRefusal {
    /// Registration has closed (the deadline passed).
    Closed,
    /// The address already holds a live registration for this seminar. (Which one is not said:
    /// anyone may type an address; its owner has the e-mail with the link.)
    Duplicate,
    /// The registration was cancelled.
    Cancelled,
    /// The other mode has no free seat to switch to.
    NoSeatToSwitch(crate::seminar::Mode),
    /// The registration already is in that mode.
    SameMode,
    /// A seminar's seats of a mode below the seats already held.
    SeatsBelowHeld { mode: crate::seminar::Mode, capacity: u32, held: u32 },
    /// Only a registration holding a seat can be checked in.
    NotHeld,
    /// The seminar has ended; its registrations can no longer change.
    Over,
}

/// The caps on agreement uploads (each new upload supersedes the last; its digest stays in the audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadLimit {
    /// At most this many uploads per case within one hour.
    PerHour(u32),
    /// At most this many uploads per case in all.
    PerCase(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRefusal {
    /// The survey result of an installed device cannot change.
    SurveyAfterInstallation,
    /// Installation needs a survey that found the site installable.
    InstallWithoutInstallableSurvey,
    /// The device was removed.
    AlreadyRemoved,
    /// Removal or continuation needs an installation first.
    NotInstalled,
    /// A date before the installation date.
    DateBeforeInstallation,
    /// Removal or continuation was already recorded.
    AlreadyEnded,
}

impl std::fmt::Display for DeviceRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgrammeRefusal {
    /// A programme year with this fiscal year exists already.
    FiscalYearExists(i32),
    /// The window is not a valid range.
    InvalidWindow(String),
    /// Capacity below the places already taken.
    CapacityBelowTaken { capacity: u32, taken: u32 },
}

impl std::fmt::Display for ProgrammeRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProgrammeRefusal::FiscalYearExists(year) => write!(f, "fiscal year {year} exists already"),
            ProgrammeRefusal::InvalidWindow(why) => write!(f, "invalid window: {why}"),
            ProgrammeRefusal::CapacityBelowTaken { capacity, taken } => {
                write!(f, "capacity {capacity} is below the {taken} places already taken")
            }
        }
    }
}

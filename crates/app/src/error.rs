//! What a use case answers when it does not do what was asked. Typed: the web layer's message
//! catalogue words it for pages (Japanese first) and the JSON API.

use domain::case::{ContactProblem, StatusCheckProblem};
use domain::password::PasswordProblem;
use domain::refusal::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The permission table does not allow it, or the object is outside the actor's scope.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Well-formed, but the rules or the record's state do not allow it.
    #[error("refused: {0}")]
    Refused(Refusal),
    /// The input does not make a valid command.
    #[error("invalid: {0:?}")]
    Invalid(Invalid),
    /// The database failed; nothing of the use case was kept.
    #[error("store: {0}")]
    Store(store::StoreError),
}

/// Why input did not parse into a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Contact(ContactProblem),
    StatusCheck(StatusCheckProblem),
    /// A portal message must have 1 to [`crate::cases::MAX_MESSAGE_CHARS`] characters.
    MessageLength,
    /// Message text with control characters.
    MessageControlCharacter,
    UnknownCourse(String),
    UnknownEvent(String),
    UnknownAssignee,
    /// The batch names no case.
    NothingSelected,
    /// Text with control characters.
    ControlCharacter,
    DeviceCompanyMissing,
    DeviceFieldsMissing,
    /// Vendor, model or serial longer than [`crate::devices::MAX_FIELD_CHARS`].
    DeviceFieldTooLong,
    DeviceSenderAddress,
    /// A device change without a readable date or survey result.
    DeviceChangeUnreadable,
    DateInFuture,
    /// Survey notes longer than [`crate::devices::MAX_NOTES_CHARS`].
    NotesTooLong,
    /// A course window without `YYYY-MM-DD` dates or a capacity that is not a whole number.
    CourseChangeUnreadable,
    /// A capacity above [`domain::programme::MAX_CAPACITY`].
    CapacityTooLarge,
    /// A month that is not `YYYY-MM`.
    MonthUnreadable,
    /// A report comment longer than [`crate::reports::MAX_COMMENT_CHARS`].
    CommentTooLong,
    /// A new password that does not meet the rule (`domain::password`).
    Password(PasswordProblem),
    /// The new password and its confirmation differ.
    PasswordMismatch,
    /// The new password is the current one.
    PasswordUnchanged,
    /// A signature without the representative's or the participant's name.
    SignerNameMissing,
    /// A signer's name longer than [`crate::agreements::MAX_SIGNER_CHARS`].
    SignerNameTooLong,
    /// A signature that does not agree to every clause of the agreement.
    ClausesNotAgreed,
    /// A reason longer than its limit ([`crate::cases::MAX_REASON_CHARS`] for staff,
    /// [`crate::cases::MAX_DECLINE_REASON_CHARS`] for a company declining).
    ReasonTooLong(usize),
    /// An action that ends a case, posted without its confirmation ticked.
    NotConfirmed,
    /// A secretariat contact detail that is not valid.
    Secretariat(domain::secretariat::SecretariatError),
    /// A Zoom participant report that could not be read (why, in Japanese).
    AttendanceReport(String),
    /// A dispatch without a readable start (`YYYY-MM-DDTHH:MM`, Tokyo) or a length of 1–480 minutes.
    DispatchUnreadable,
    /// A choice that is not one of the listed codes (category, severity, action, status).
    UnknownChoice,
    /// A SECURITY ACTION 自己宣言ID that is not digits.
    DeclarationId,
    /// A field of a staff form that does not pass its check, with why (Japanese, English).
    Field {
        field: &'static str,
        ja: String,
        en: String,
    },
}

impl From<store::StoreError> for AppError {
    fn from(error: store::StoreError) -> Self {
        match error {
            store::StoreError::NotFound => AppError::NotFound,
            store::StoreError::Refused(refusal) => AppError::Refused(refusal),
            other => AppError::Store(other),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        AppError::Refused(refusal)
    }
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        AppError::Invalid(invalid)
    }
}

//! Kojo's application layer: one function per use case (record a contact, decide the course,
//! approve, post a message …), each taking the actor, a parsed command and `now`. It checks the
//! permission table once, then writes the change, its audit rows and its e-mails in one
//! transaction. Pages, the JSON API, the worker and the command line call these and hold no
//! business rules, so no two doors can behave differently.
//!
//! Must not: know HTTP, render HTML, word messages for people (that is the web layer's
//! catalogue), or read the system clock outside [`clock`].

pub mod accounts;
pub mod actor;
pub mod agreements;
pub mod case_studies;
pub mod cases;
pub mod clock;
pub mod devices;
pub mod error;
pub mod guidance;
pub mod incidents;
pub mod inquiries;
pub mod intake;
pub mod mail;
pub mod programmes;
pub mod reports;
pub mod results;
pub mod retention;
pub mod risk;
pub mod seminars;
pub mod stats;
pub mod surveys;

use std::sync::Arc;

use domain::calendar::BusinessCalendar;
use store::Db;

pub use actor::{Actor, Via};
pub use clock::Clock;
pub use error::{AppError, Invalid};
pub use mail::MailSettings;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What every use case works with: the database, the business-day calendar, the e-mail
/// settings. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub calendar: Arc<BusinessCalendar>,
    pub mail: Arc<MailSettings>,
}

//! Submitting an application (STEP1): validate → eligibility → the course's window → a place or
//! the waitlist, committed with its audit row and the acknowledgement e-mail. The one path of
//! the application form and `POST /api/v1/applications`; `review` runs the same checks for the
//! form's review step (確認) and stores nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::application::{self, ApplicationInput, FieldIssues, NewApplication};
use domain::eligibility::{self, Eligibility};
use domain::programme::WindowState;
use store::applications::{Submission, SubmittedFacts};
use store::intake::SubmissionQueue;
use store::programmes::{CourseRecord, ProgrammeRecord};

use crate::Services;

/// Why a submission was not taken.
#[derive(Debug)]
pub enum SubmitError {
    /// The door's per-address limit refused it before anything was read.
    RateLimited,
    Invalid(FieldIssues),
    Ineligible(Eligibility),
    NoProgramme,
    CourseNotOffered,
    NotYetOpen(CourseRecord),
    Closed(CourseRecord),
    /// The company has already applied this programme year.
    Duplicate,
    Store(store::StoreError),
}

/// An application that passed every check `submit` makes before it queues: valid, eligible,
/// for a course of the programme whose window is open. Nothing is stored.
#[derive(Debug)]
pub struct Reviewed {
    pub application: NewApplication,
    pub course: CourseRecord,
    pub verdict: Eligibility,
}

/// The checks of `submit` without storing anything: what the form's review step (確認) shows.
/// Whatever it answers, `submit` checks the same input again; a place is decided only there.
pub fn review(
    programme: Option<&ProgrammeRecord>,
    input: &ApplicationInput,
    now: DateTime<Utc>,
) -> Result<Reviewed, SubmitError> {
    let application = application::validate(input).map_err(SubmitError::Invalid)?;
    let verdict = eligibility::evaluate(&application.profile());
    if !verdict.eligible {
        return Err(SubmitError::Ineligible(verdict));
    }
    let programme = programme.ok_or(SubmitError::NoProgramme)?;
    let course = programme.course(application.course).cloned().ok_or(SubmitError::CourseNotOffered)?;
    match course.window.state_at(now) {
        WindowState::Open => Ok(Reviewed { application, course, verdict }),
        WindowState::NotYetOpen => Err(SubmitError::NotYetOpen(course)),
        WindowState::Closed => Err(SubmitError::Closed(course)),
    }
}

/// Submits `input` to the current `programme` at `now` from address `source_ip`, through the
/// group-commit `queue`. Anyone may submit (the public form); the door applies its rate limit
/// first.
pub async fn submit(
    services: &Services,
    queue: &SubmissionQueue,
    programme: Option<Arc<ProgrammeRecord>>,
    input: &ApplicationInput,
    source_ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<SubmittedFacts, SubmitError> {
    let Reviewed { application, course, verdict } = review(programme.as_deref(), input, now)?;
    let programme = programme.ok_or(SubmitError::NoProgramme)?;
    let submission = Submission {
        course_id: course.id,
        application,
        flags: verdict.flags.iter().map(|f| f.code()).collect(),
        source_ip,
        reference_prefix: reference_prefix(&programme),
    };
    let mail = services.mail.clone();
    let compose = Arc::new(move |new: &NewApplication, facts: &SubmittedFacts| {
        crate::mail::acknowledgement(&mail, &programme, &course, new, facts)
    });
    queue.submit(submission, compose).await.map_err(|error| match error {
        store::StoreError::Duplicate => SubmitError::Duplicate,
        other => SubmitError::Store(other),
    })
}

/// `R5` for 令和5年度: the era's initial and year, so staff read the year off the number.
pub fn reference_prefix(programme: &ProgrammeRecord) -> String {
    let year = programme.fiscal_year - 2018;
    if year >= 1 { format!("R{year}") } else { format!("Y{}", programme.fiscal_year) }
}

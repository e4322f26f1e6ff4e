//! The one submission path shared by the web form and `POST /api/v1/applications`:
//! validate → eligibility → window → hold a place or waitlist (one transaction, with the
//! audit entry and the acknowledgement e-mail).

use std::sync::Arc;

use domain::application::{self, ApplicationInput, FieldIssues, NewApplication};
use domain::eligibility::{self, Eligibility};
use domain::programme::WindowState;
use store::applications::{Submission, SubmittedFacts};
use store::programmes::{CourseRecord, ProgrammeRecord};

use crate::AppState;
use crate::client::ClientIp;

#[derive(Debug)]
pub enum SubmitError {
    RateLimited,
    Invalid(FieldIssues),
    Ineligible(Eligibility),
    NoProgramme,
    CourseNotOffered,
    NotYetOpen(CourseRecord),
    Closed(CourseRecord),
    Duplicate,
    Store(store::StoreError),
}

pub async fn submit(state: &AppState, input: &ApplicationInput, ip: ClientIp) -> Result<SubmittedFacts, SubmitError> {
    if !state.submit_limiter.allow(ip.0) {
        return Err(SubmitError::RateLimited);
    }
    let new = application::validate(input).map_err(SubmitError::Invalid)?;
    let verdict = eligibility::evaluate(&new.profile());
    if !verdict.eligible {
        return Err(SubmitError::Ineligible(verdict));
    }
    let programme = state.current_programme().await.map_err(SubmitError::Store)?.ok_or(SubmitError::NoProgramme)?;
    let course = programme.course(new.course).cloned().ok_or(SubmitError::CourseNotOffered)?;
    match course.window.state_at(state.clock.now()) {
        WindowState::Open => {}
        WindowState::NotYetOpen => return Err(SubmitError::NotYetOpen(course)),
        WindowState::Closed => return Err(SubmitError::Closed(course)),
    }
    let submission = Submission {
        course_id: course.id,
        application: new,
        flags: verdict.flags.iter().map(|f| f.code()).collect(),
        source_ip: ip.to_db(),
        reference_prefix: reference_prefix(&programme),
    };
    let mail = state.services.mail.clone();
    let compose = Arc::new(move |new: &NewApplication, facts: &SubmittedFacts| {
        app::mail::acknowledgement(&mail, &programme, &course, new, facts)
    });
    state.submissions.submit(submission, compose).await.map_err(|error| match error {
        store::StoreError::Duplicate => SubmitError::Duplicate,
        other => SubmitError::Store(other),
    })
}

/// `R5` for 令和5年度: the era's initial and year, so staff read the year off the number.
fn reference_prefix(programme: &ProgrammeRecord) -> String {
    let year = programme.fiscal_year - 2018;
    if year >= 1 { format!("R{year}") } else { format!("Y{}", programme.fiscal_year) }
}

//! The JSON API under `/api/v1`, described by `openapi.json` (served at `/api/v1/openapi.json`).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use domain::application::{self, ApplicationInput};
use domain::eligibility;
use domain::programme::WindowState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::applications::ApplicationStatus;

use crate::AppState;
use crate::api_auth::{ApiJson, ApiPath, ApiQuery, JsonBody};
use crate::client::ClientIp;
use crate::error::ApiError;
use crate::intake::{self, SubmitError};
use crate::messages::api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/programme", get(get_programme))
        .route("/eligibility", post(check_eligibility))
        .route("/applications", post(create_application))
        .route("/applications/{reference}", get(get_application_status))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("../openapi.json")).into_response()
}

impl JsonBody for ApplicationInput {
    const OBJECTS: &'static [&'static str] = &["company", "contact", "environment", "declarations"];
}

#[derive(Serialize)]
struct ProgrammeBody {
    fiscal_year: i32,
    name: String,
    name_en: String,
    courses: Vec<CourseBody>,
}

#[derive(Serialize)]
struct CourseBody {
    code: &'static str,
    name: String,
    name_en: String,
    window_start: NaiveDate,
    window_end: NaiveDate,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    capacity: u32,
    places_remaining: u32,
    waitlisted: u32,
    state: WindowState,
    open: bool,
}

async fn get_programme(State(state): State<AppState>) -> Result<Json<ProgrammeBody>, ApiError> {
    let programme = store::programmes::current(&state.db).await?.ok_or(ApiError::NotFound)?;
    let now = state.clock.now();
    Ok(Json(ProgrammeBody {
        fiscal_year: programme.fiscal_year,
        name: programme.name_ja,
        name_en: programme.name_en,
        courses: programme
            .courses
            .into_iter()
            .map(|course| {
                let state = course.window.state_at(now);
                CourseBody {
                    code: course.code.code(),
                    places_remaining: course.places_remaining(),
                    name: course.name_ja,
                    name_en: course.name_en,
                    window_start: course.window.start(),
                    window_end: course.window.end(),
                    opens_at: course.window.opens_at(),
                    closes_at: course.window.closes_at(),
                    capacity: course.capacity,
                    waitlisted: course.waitlisted,
                    open: state == WindowState::Open,
                    state,
                }
            })
            .collect(),
    }))
}

async fn check_eligibility(ApiJson(input): ApiJson<ApplicationInput>) -> Response {
    match application::validate_profile(&input) {
        Ok(profile) => Json(eligibility::evaluate(&profile)).into_response(),
        Err(issues) => invalid_fields(issues).into_response(),
    }
}

/// 422 naming every field that did not validate.
fn invalid_fields(issues: application::FieldIssues) -> ApiError {
    let m = api::invalid_fields();
    ApiError::Unprocessable(json!({"error": m.code, "message": m.ja, "message_en": m.en, "fields": issues}))
}

#[derive(Serialize)]
struct CreatedBody {
    reference: String,
    status: ApplicationStatus,
    waitlist_position: Option<u32>,
    received_at: DateTime<Utc>,
    contact_due: NaiveDate,
}

async fn create_application(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> Response {
    match intake::submit(&state, &input, ip).await {
        Ok(facts) => (
            StatusCode::CREATED,
            Json(CreatedBody {
                reference: facts.reference,
                status: facts.status,
                waitlist_position: facts.waitlist_position,
                received_at: facts.received_at,
                contact_due: facts.contact_due,
            }),
        )
            .into_response(),
        Err(error) => submit_error(error).into_response(),
    }
}

fn submit_error(error: SubmitError) -> ApiError {
    match error {
        SubmitError::RateLimited => ApiError::TooManyRequests,
        SubmitError::Invalid(issues) => invalid_fields(issues),
        SubmitError::Ineligible(verdict) => {
            let m = api::ineligible();
            ApiError::Unprocessable(json!({
                "error": m.code, "message": m.ja, "message_en": m.en, "reasons": verdict.reasons, "flags": verdict.flags,
            }))
        }
        SubmitError::Duplicate => ApiError::Conflict {
            code: "duplicate",
            ja: "この会社は今年度すでに申し込んでいます".into(),
            en: "This company has already applied in this programme year".into(),
        },
        SubmitError::NoProgramme | SubmitError::CourseNotOffered => ApiError::Closed {
            code: "not_accepting",
            ja: "現在、このコースの申込みは受け付けていません".into(),
            en: "This course is not accepting applications".into(),
        },
        SubmitError::NotYetOpen(course) => ApiError::Closed {
            code: "window_not_open",
            ja: format!("{}の受付は{}からです", course.name_ja, domain::wareki::format_date(course.window.start())),
            en: format!("{} opens on {}", course.name_en, course.window.start()),
        },
        SubmitError::Closed(course) => ApiError::Closed {
            code: "window_closed",
            ja: format!("{}の受付は{}で終了しました", course.name_ja, domain::wareki::format_date(course.window.end())),
            en: format!("{} closed on {}", course.name_en, course.window.end()),
        },
        SubmitError::Store(error) => error.into(),
    }
}

#[derive(Deserialize)]
struct StatusQuery {
    email: Option<String>,
}

#[derive(Serialize)]
struct StatusBody {
    reference: String,
    course: &'static str,
    status: ApplicationStatus,
    waitlist_position: Option<u32>,
    received_at: DateTime<Utc>,
    contact_due: NaiveDate,
}

async fn get_application_status(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiPath(reference): ApiPath<String>,
    ApiQuery(query): ApiQuery<StatusQuery>,
) -> Result<Json<StatusBody>, ApiError> {
    let email = query.email.unwrap_or_default();
    if !state.submit_limiter.allow(ip.0) {
        return Err(ApiError::TooManyRequests);
    }
    let record = store::applications::find_for_applicant(&state.db, &reference, &domain::text::normalize(&email))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(StatusBody {
        reference: record.reference,
        course: record.course_code.code(),
        status: record.status,
        waitlist_position: record.waitlist_position,
        received_at: record.received_at,
        contact_due: record.contact_due,
    }))
}

//! The staff JSON API for cases under `/api/v1/cases`, authenticated by staff API tokens
//! (`Authorization: Bearer kojo_…`, created with `kojo token create`). Every action the case page
//! offers is here too, with the same role checks and the same store transactions.

use app::cases::{MessageText, Reason};
use app::{AppError, Invalid};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use domain::access::Role;
use domain::case::{CaseEvent, CaseState, ContactNote, StatusCheck};
use domain::programme::CourseCode;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::api_auth::{ApiJson, ApiPath, ApiQuery, ApiStaff, JsonBody, audit};
use crate::client::ClientIp;
use crate::error::ApiError;
use crate::messages::api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_cases))
        .route("/cases/{id}", get(get_case))
        .route("/cases/{id}/contacts", post(record_contact))
        .route("/cases/{id}/status-check", post(record_status_check))
        .route("/cases/{id}/course", post(decide_course))
        .route("/cases/{id}/events", post(apply_event))
        .route("/cases/{id}/agreement/send", post(send_agreement))
        .route("/cases/{id}/agreement/confirm", post(confirm_agreement))
        .route("/cases/{id}/assign", post(assign))
        .route("/cases/{id}/messages", post(post_message))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: Option<String>,
    course: Option<String>,
}

async fn list_cases(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    staff.require(|r| r.can_read_all_applications() || r.can_approve())?;
    let programme = store::programmes::current(&state.db).await?.ok_or(ApiError::NotFound)?;
    let status = match query.status.as_deref() {
        Some(code) => {
            Some(CaseState::from_code(code).ok_or_else(|| ApiError::Invalid(api::unknown_value("status", code)))?)
        }
        None => None,
    };
    // Tokyo officials see the cases that reached a course decision, as on their page.
    let status = if staff.0.role.can_approve() && !staff.0.role.can_read_all_applications() {
        match status {
            None | Some(CaseState::CourseDecided) => Some(CaseState::CourseDecided),
            Some(_) => return Err(ApiError::Forbidden),
        }
    } else {
        status
    };
    let course_id = match query.course.as_deref() {
        Some(code) => {
            let code =
                CourseCode::from_code(code).ok_or_else(|| ApiError::Invalid(api::unknown_value("course", code)))?;
            programme.course(code).map(|c| c.id)
        }
        None => None,
    };
    let filter = store::applications::ApplicationFilter {
        programme_id: Some(programme.id),
        course_id,
        status,
        ..Default::default()
    };
    let records = store::applications::list_all(&state.db, &filter).await?;
    audit(&state, &staff, ip, "application.list", None, json!({})).await?;
    let items: Vec<_> = records
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "reference": r.reference, "company_name": r.company_name, "course": r.course_code,
                "status": r.status, "waitlist_position": r.waitlist_position, "received_at": r.received_at,
                "contact_due": r.contact_due, "first_contact_at": r.first_contact_at, "assignee_user_id": r.assignee_user_id,
            })
        })
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})).into_response())
}

async fn get_case(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let record = app::cases::read(&state.services, &staff.actor(ip), id, state.clock.now()).await?;
    let timeline = store::cases::timeline(&state.db, id).await?;
    let contacts = store::cases::contacts(&state.db, id).await?;
    Ok(Json(json!({"case": record, "timeline": timeline, "contacts": contacts})).into_response())
}

fn outcome(outcome: store::cases::Outcome) -> Response {
    (StatusCode::OK, Json(json!({"status": outcome.state, "promoted": outcome.promoted}))).into_response()
}

#[derive(Deserialize)]
struct ContactBody {
    contacted_at: DateTime<Utc>,
    channel: String,
    summary: String,
    #[serde(default)]
    rules_accepted: bool,
}

impl JsonBody for ContactBody {}

async fn record_contact(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(contact): ApiJson<ContactBody>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let note =
        ContactNote::parse(Some(contact.contacted_at), &contact.channel, &contact.summary, contact.rules_accepted, now)
            .map_err(|problem| AppError::from(Invalid::Contact(problem)))?;
    Ok(outcome(app::cases::record_contact(&state.services, &staff.actor(ip), id, note, now).await?))
}

#[derive(Deserialize)]
struct StatusCheckBody {
    connection_layout: String,
    free_hub_port: String,
    #[serde(default)]
    existing_utm: bool,
    #[serde(default)]
    existing_utm_vendor: Option<String>,
    policy_status: String,
    #[serde(default)]
    notes: Option<String>,
}

impl JsonBody for StatusCheckBody {}

async fn record_status_check(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(check): ApiJson<StatusCheckBody>,
) -> Result<Response, ApiError> {
    let check = StatusCheck::parse(
        &check.connection_layout,
        &check.free_hub_port,
        check.existing_utm,
        check.existing_utm_vendor.as_deref().unwrap_or(""),
        &check.policy_status,
        check.notes.as_deref().unwrap_or(""),
    )
    .map_err(|problem| AppError::from(Invalid::StatusCheck(problem)))?;
    let (result, proposal) =
        app::cases::record_status_check(&state.services, &staff.actor(ip), id, check, state.clock.now()).await?;
    Ok(Json(json!({"status": result.state, "proposed_course": proposal})).into_response())
}

#[derive(Deserialize)]
struct CourseBody {
    course: String,
    reason: Option<String>,
}

impl JsonBody for CourseBody {}

async fn decide_course(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(decision): ApiJson<CourseBody>,
) -> Result<Response, ApiError> {
    let course = CourseCode::from_code(&decision.course)
        .ok_or_else(|| AppError::from(Invalid::UnknownCourse(decision.course.clone())))?;
    let reason = Reason::parse(decision.reason.as_deref().unwrap_or("")).map_err(AppError::from)?;
    Ok(outcome(
        app::cases::decide_course(&state.services, &staff.actor(ip), id, course, reason, state.clock.now()).await?,
    ))
}

#[derive(Deserialize)]
struct EventBody {
    event: String,
    reason: Option<String>,
}

impl JsonBody for EventBody {}

async fn apply_event(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<EventBody>,
) -> Result<Response, ApiError> {
    let event = CaseEvent::from_code(&request.event)
        .ok_or_else(|| AppError::from(Invalid::UnknownEvent(request.event.clone())))?;
    let reason = Reason::parse(request.reason.as_deref().unwrap_or("")).map_err(AppError::from)?;
    Ok(outcome(app::cases::apply_event(&state.services, &staff.actor(ip), id, event, reason, state.clock.now()).await?))
}

/// Renders, stores and sends the participation agreement (as the case page's send button).
async fn send_agreement(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    let fonts =
        state.fonts().await.map_err(|why| AppError::Refused(domain::refusal::Refusal::DocumentUnavailable(why)))?;
    app::agreements::send(&state.services, &staff.actor(ip), fonts, id, state.clock.now()).await?;
    Ok(Json(json!({"status": CaseState::AgreementSent.code()})).into_response())
}

/// Confirms receipt of the signed or uploaded agreement: 参加確定.
async fn confirm_agreement(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    app::agreements::confirm(&state.services, &staff.actor(ip), id, state.clock.now()).await?;
    Ok(Json(json!({"status": CaseState::Confirmed.code()})).into_response())
}

#[derive(Deserialize)]
struct AssignBody {
    assignee_user_id: Option<Uuid>,
}

impl JsonBody for AssignBody {}

async fn assign(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(assign): ApiJson<AssignBody>,
) -> Result<Response, ApiError> {
    app::cases::assign(&state.services, &staff.actor(ip), id, assign.assignee_user_id, state.clock.now()).await?;
    Ok(Json(json!({"assignee_user_id": assign.assignee_user_id})).into_response())
}

#[derive(Deserialize)]
struct MessageBody {
    body: String,
}

impl JsonBody for MessageBody {}

/// Posts a message to the company's portal and e-mails it a notice.
async fn post_message(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(message): ApiJson<MessageBody>,
) -> Result<Response, ApiError> {
    let text = MessageText::parse(&message.body).map_err(AppError::from)?;
    app::cases::post_message(&state.services, &staff.actor(ip), id, text, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({"posted": true}))).into_response())
}

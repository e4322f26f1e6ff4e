//! The staff JSON API for cases under `/api/v1/cases`, authenticated by staff API tokens
//! (`Authorization: Bearer kojo_…`, created with `kojo token create`). Every action the case page
//! offers is here too, with the same role checks and the same store transactions.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use domain::access::Role;
use domain::case::{CaseEvent, CaseState, StatusCheck};
use domain::programme::CourseCode;
use serde::Deserialize;
use serde_json::json;
use store::accounts::UserRecord;
use store::audit::{Actor, NewAuditEntry};
use uuid::Uuid;

use crate::AppState;
use crate::client::ClientIp;
use crate::error::ApiError;

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

/// A staff user authenticated by an API token.
pub struct ApiStaff(pub UserRecord);

impl ApiStaff {
    fn actor(&self) -> Actor {
        Actor::User { id: self.0.id, label: format!("{} <{}> (API)", self.0.display_name, self.0.email) }
    }

    fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), ApiError> {
        if allowed(self.0.role) { Ok(()) } else { Err(ApiError::Forbidden) }
    }
}

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        let user = store::accounts::api_token_user(&state.db, token.trim(), state.clock.now())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(ApiStaff(user))
    }
}

fn act(staff: &ApiStaff, id: Uuid, ip: ClientIp, reason: Option<String>) -> store::cases::Act {
    let reason = reason.map(|r| domain::text::normalize(&r)).filter(|r| !r.is_empty());
    store::cases::Act { application_id: id, actor: staff.actor(), ip: ip.to_db(), reason, email: None }
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(value)| value).map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
}

async fn audit(
    state: &AppState,
    staff: &ApiStaff,
    ip: ClientIp,
    action: &'static str,
    id: Option<Uuid>,
) -> Result<(), ApiError> {
    store::audit::record(
        &state.db,
        NewAuditEntry {
            actor: staff.actor(),
            action,
            subject_type: "application",
            subject_id: id.map(|id| id.to_string()),
            ip: ip.to_db(),
            detail: json!({}),
        },
        state.clock.now(),
    )
    .await?;
    Ok(())
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
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    staff.require(|r| r.can_read_all_applications() || r.can_approve())?;
    let programme = store::programmes::current(&state.db).await?.ok_or(ApiError::NotFound)?;
    let status = match query.status.as_deref() {
        Some(code) => {
            Some(CaseState::from_code(code).ok_or_else(|| ApiError::BadRequest(format!("unknown status {code}")))?)
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
                CourseCode::from_code(code).ok_or_else(|| ApiError::BadRequest(format!("unknown course {code}")))?;
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
    audit(&state, &staff, ip, "application.list", None).await?;
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
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_read_all_applications)?;
    let record = store::applications::get(&state.db, id).await?;
    let timeline = store::cases::timeline(&state.db, id).await?;
    let contacts = store::cases::contacts(&state.db, id).await?;
    audit(&state, &staff, ip, "application.view", Some(id)).await?;
    Ok(Json(json!({"case": record, "timeline": timeline, "contacts": contacts})).into_response())
}

fn outcome(result: Result<store::cases::Outcome, store::StoreError>) -> Result<Response, ApiError> {
    let outcome = result?;
    Ok((StatusCode::OK, Json(json!({"status": outcome.state, "promoted": outcome.promoted}))).into_response())
}

#[derive(Deserialize)]
struct ContactBody {
    contacted_at: DateTime<Utc>,
    channel: String,
    summary: String,
    #[serde(default)]
    rules_accepted: bool,
}

async fn record_contact(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    json: Result<Json<ContactBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    let contact = body(json)?;
    let summary = domain::text::normalize(&contact.summary);
    if !matches!(contact.channel.as_str(), "phone" | "email") {
        return Err(ApiError::BadRequest("channel は phone か email です".into()));
    }
    if summary.is_empty() || summary.chars().count() > 2000 {
        return Err(ApiError::BadRequest("summary は1〜2000文字です".into()));
    }
    if contact.contacted_at > state.clock.now() + chrono::Duration::minutes(5) {
        return Err(ApiError::BadRequest("contacted_at が未来です".into()));
    }
    let new = store::cases::NewContact {
        contacted_at: contact.contacted_at,
        channel: contact.channel,
        summary,
        rules_accepted: contact.rules_accepted,
    };
    outcome(store::cases::record_contact(&state.db, act(&staff, id, ip, None), new, state.clock.now()).await)
}

async fn record_status_check(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    json: Result<Json<StatusCheck>, JsonRejection>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    let check = body(json)?;
    if !matches!(check.free_hub_port.as_str(), "yes" | "no" | "unknown")
        || !matches!(check.policy_status.as_str(), "none" | "drafting" | "in_place")
        || check.connection_layout.trim().is_empty()
        || check.connection_layout.chars().count() > 1000
    {
        return Err(ApiError::BadRequest(
            "connection_layout（1〜1000文字）、free_hub_port（yes/no/unknown）、policy_status（none/drafting/in_place）を確認してください".into(),
        ));
    }
    let (result, proposal) =
        store::cases::record_status_check(&state.db, act(&staff, id, ip, None), &check, state.clock.now()).await?;
    Ok(Json(json!({"status": result.state, "proposed_course": proposal})).into_response())
}

#[derive(Deserialize)]
struct CourseBody {
    course: CourseCode,
    reason: Option<String>,
}

async fn decide_course(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    json: Result<Json<CourseBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    let decision = body(json)?;
    outcome(
        store::cases::decide_course(
            &state.db,
            &state.calendar,
            act(&staff, id, ip, decision.reason),
            decision.course,
            state.clock.now(),
        )
        .await,
    )
}

#[derive(Deserialize)]
struct EventBody {
    event: String,
    reason: Option<String>,
}

async fn apply_event(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    json: Result<Json<EventBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let request = body(json)?;
    let event = CaseEvent::from_code(&request.event)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown event {}", request.event)))?;
    if matches!(event, CaseEvent::Approve | CaseEvent::ReturnToSecretariat) {
        staff.require(Role::can_approve)?;
    } else {
        staff.require(Role::can_work_cases)?;
    }
    outcome(
        store::cases::apply(&state.db, &state.calendar, act(&staff, id, ip, request.reason), event, state.clock.now())
            .await,
    )
}

fn done(result: Result<(), store::StoreError>, state: &'static str) -> Result<Response, ApiError> {
    result?;
    Ok(Json(json!({"status": state})).into_response())
}

/// Renders, stores and sends the participation agreement (as the case page's send button).
async fn send_agreement(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    done(crate::agreement::send_agreement(&state, staff.actor(), ip, id).await, CaseState::AgreementSent.code())
}

/// Confirms receipt of the signed or uploaded agreement: 参加確定.
async fn confirm_agreement(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    done(crate::agreement::confirm_agreement(&state, staff.actor(), ip, id).await, CaseState::Confirmed.code())
}

#[derive(Deserialize)]
struct AssignBody {
    assignee_user_id: Option<Uuid>,
}

async fn assign(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    json: Result<Json<AssignBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    let assign = body(json)?;
    if let Some(user_id) = assign.assignee_user_id
        && !store::accounts::get_user(&state.db, user_id).await?.role.can_work_cases()
    {
        return Err(ApiError::BadRequest("この利用者には案件を担当させられません".into()));
    }
    store::cases::assign(&state.db, act(&staff, id, ip, None), assign.assignee_user_id, state.clock.now()).await?;
    Ok(Json(json!({"assignee_user_id": assign.assignee_user_id})).into_response())
}

#[derive(Deserialize)]
struct MessageBody {
    body: String,
}

/// Posts a message to the company's portal and e-mails it a notice.
async fn post_message(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    json: Result<Json<MessageBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_work_cases)?;
    let message = body(json)?.body.trim().to_string();
    if message.is_empty() || message.chars().count() > 4000 {
        return Err(ApiError::BadRequest("body は1〜4000文字です".into()));
    }
    let record = store::applications::get(&state.db, id).await?;
    store::portal::post_message(&state.db, id, Some(staff.0.id), "運営事務局", false, &message, state.clock.now())
        .await?;
    let notice = crate::mail::message_notice(
        &state.config,
        &record.contact_email,
        &record.company_name,
        "メッセージが届いています",
    );
    store::outbox::enqueue(&state.db, &notice, state.clock.now()).await?;
    audit(&state, &staff, ip, "case.message", Some(id)).await?;
    Ok((StatusCode::CREATED, Json(json!({"posted": true}))).into_response())
}

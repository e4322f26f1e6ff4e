//! Inquiries and the FAQ in the JSON API: `POST /api/v1/inquiries` (the public form's door and
//! use case, `inquiries::submit`), `GET /api/v1/faq` (the published entries that match), and the
//! secretariat's inbox for staff tokens: the list, one inquiry with its thread, and each action
//! of the inquiry page (reply, call, note, start/close/reopen, assignee, category, case link)
//! through the same `app::inquiries::act`; a file of the thread is downloaded as the page does
//! (`app::inquiries::attachment`, audited). Files go with replies on the page only (a JSON body
//! is limited to 64 KiB).

use app::inquiries::Command;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::inquiry::{Category, Channel, Clock, InquiryInput, Status};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::api_auth::{ApiJson, ApiPath, ApiQuery, ApiStaff, JsonBody};
use crate::client::ClientIp;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::inquiries::{Refused, submit};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inquiries", post(api_submit).get(api_inbox))
        .route("/inquiries/{id}", get(api_inquiry))
        .route("/inquiries/{id}/files/{file}", get(api_file))
        .route("/inquiries/{id}/replies", post(api_reply))
        .route("/inquiries/{id}/calls", post(api_call))
        .route("/inquiries/{id}/notes", post(api_note))
        .route("/inquiries/{id}/events", post(api_event))
        .route("/inquiries/{id}/assign", post(api_assign))
        .route("/inquiries/{id}/category", post(api_category))
        .route("/inquiries/{id}/link", post(api_link))
        .route("/faq", get(api_faq))
}

impl crate::api_auth::JsonBody for InquiryInput {}

#[derive(Serialize)]
struct ApiSubmitted {
    reference: String,
    /// When the first answer is due (business hours, Tokyo).
    answer_due: chrono::DateTime<chrono::Utc>,
}

async fn api_submit(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    ApiJson(input): ApiJson<InquiryInput>,
) -> Result<Response, ApiError> {
    match submit(&state, &input, lang.t, ip).await {
        Ok(submitted) => Ok((
            StatusCode::CREATED,
            Json(ApiSubmitted { reference: submitted.inquiry.reference, answer_due: submitted.due }),
        )
            .into_response()),
        Err(Refused::RateLimited) => Err(ApiError::TooManyRequests),
        Err(Refused::Invalid(issues)) => {
            let m = crate::messages::api::invalid_fields();
            Err(ApiError::Unprocessable(
                json!({"error": m.code, "message": m.ja, "message_en": m.en, "fields": issues}),
            ))
        }
        Err(Refused::App(error)) => Err(error.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FaqQuery {
    q: String,
    category: String,
}

#[derive(Serialize)]
struct ApiFaq {
    id: Uuid,
    category: &'static str,
    question: String,
    answer: String,
    question_en: Option<String>,
    answer_en: Option<String>,
    url: String,
}

/// The published entries matching every word of `q` (substring search, so two-character words
/// such as 日程 are found), in the FAQ's order; at most 50.
async fn api_faq(State(state): State<AppState>, ApiQuery(query): ApiQuery<FaqQuery>) -> Result<Response, ApiError> {
    let category = match query.category.as_str() {
        "" => None,
        code => Some(Category::from_code(code).ok_or_else(|| {
            ApiError::Unprocessable(
                json!({"error": "invalid", "message": "種別の値が正しくありません", "message_en": "Unknown category"}),
            )
        })?),
    };
    let q: String = query.q.chars().take(200).collect();
    let entries = app::inquiries::public_faq(&state.services, category, &q).await?;
    let base = state.config.public_url.trim_end_matches('/');
    let body: Vec<ApiFaq> = entries
        .into_iter()
        .take(50)
        .map(|e| ApiFaq {
            id: e.id,
            category: e.category.code(),
            url: format!("{base}/faq/{}", e.id),
            question: e.question_ja,
            answer: e.answer_ja,
            question_en: e.question_en,
            answer_en: e.answer_en,
        })
        .collect();
    Ok(Json(body).into_response())
}

// ---------------------------------------------------------------------------------------------
// The secretariat's inbox (staff tokens).

fn unknown(field: &str, value: &str) -> ApiError {
    ApiError::Invalid(crate::messages::api::unknown_value(field, value))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InboxQuery {
    /// A status, `all` (closed ones too), or `open` / nothing (the open ones), as on the page.
    status: String,
    category: String,
    channel: String,
    q: String,
    /// `mine`: assigned to the token's user, as on the page.
    assignee: String,
}

/// Where an inquiry's first-answer clock stands, as JSON.
fn clock_json(clock: Option<Clock>) -> serde_json::Value {
    match clock {
        Some(Clock::Due(due)) => json!({"state": "due", "due": due}),
        Some(Clock::Late(due)) => json!({"state": "late", "due": due}),
        Some(Clock::Paused) => json!({"state": "paused", "due": null}),
        None => json!({"state": "answered_or_closed", "due": null}),
    }
}

/// The inbox as the page lists it: the unanswered first by due time.
async fn api_inbox(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> Result<Response, ApiError> {
    let status = match query.status.as_str() {
        "" | "open" | "all" => None,
        code => Some(Status::from_code(code).ok_or_else(|| unknown("status", code))?),
    };
    let category = match query.category.as_str() {
        "" => None,
        code => Some(Category::from_code(code).ok_or_else(|| unknown("category", code))?),
    };
    let channel = match query.channel.as_str() {
        "" => None,
        code => Some(Channel::from_code(code).ok_or_else(|| unknown("channel", code))?),
    };
    if query.q.chars().count() > 100 || query.q.chars().any(char::is_control) {
        return Err(unknown("q", "(over 100 characters or a control character)"));
    }
    let assignee = match query.assignee.as_str() {
        "" => None,
        "mine" => Some(staff.0.id),
        other => return Err(unknown("assignee", other)),
    };
    let filter = store::inquiries::Filter {
        status,
        all: query.status == "all",
        category,
        channel,
        assignee,
        text: Some(query.q.trim().to_string()).filter(|q| !q.is_empty()),
        ..Default::default()
    };
    let rows = app::inquiries::inbox(&state.services, &staff.actor(ip), &filter, state.clock.now()).await?;
    let items: Vec<_> = rows
        .iter()
        .map(|row| {
            let r = &row.inquiry;
            json!({
                "id": r.id, "reference": r.reference, "channel": r.channel.code(), "category": r.category.code(),
                "status": r.status.code(), "subject": r.subject, "name": r.name, "company_name": r.company_name,
                "received_at": r.received_at, "first_answered_at": r.first_answered_at,
                "assignee_user_id": r.assignee_user_id, "application_id": r.application_id,
                "clock": clock_json(row.clock),
            })
        })
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})).into_response())
}

/// One inquiry with its thread and files (the read is audited).
async fn api_inquiry(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let opened = app::inquiries::open(&state.services, &staff.actor(ip), id, state.clock.now()).await?;
    let thread: Vec<_> = opened
        .thread
        .iter()
        .map(|m| {
            let files: Vec<_> = opened
                .files
                .iter()
                .filter(|f| f.message_id == m.id)
                .map(|f| json!({"id": f.id, "filename": f.filename, "content_type": f.content_type, "size": f.size}))
                .collect();
            json!({"id": m.id, "kind": m.kind.code(), "author_user_id": m.author_user_id, "body": m.body,
                "created_at": m.created_at, "files": files})
        })
        .collect();
    Ok(Json(json!({"inquiry": opened.inquiry, "clock": clock_json(opened.clock), "thread": thread})).into_response())
}

/// A file of inquiry `id`'s thread, as sent or received (the read is audited).
async fn api_file(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath((id, file)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let (record, bytes) =
        app::inquiries::attachment(&state.services, &staff.actor(ip), id, file, state.clock.now()).await?;
    Ok(crate::incidents::download(&record.filename, &record.content_type, bytes))
}

/// Applies `command` to inquiry `id`; the inquiry's status afterwards.
async fn act(
    state: &AppState,
    staff: &ApiStaff,
    ip: ClientIp,
    id: Uuid,
    command: Command,
    created: bool,
) -> Result<Response, ApiError> {
    let updated = app::inquiries::act(&state.services, &staff.actor(ip), id, command, state.clock.now()).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({"status": updated.status.code()}))).into_response())
}

#[derive(Deserialize)]
struct ReplyBody {
    body: String,
    /// The reply asks the asker something: waiting for them, the clock stands.
    #[serde(default)]
    ask: bool,
}

impl JsonBody for ReplyBody {}

async fn api_reply(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(reply): ApiJson<ReplyBody>,
) -> Result<Response, ApiError> {
    act(&state, &staff, ip, id, Command::Reply { body: reply.body, ask: reply.ask, files: Vec::new() }, true).await
}

#[derive(Deserialize)]
struct CallBody {
    summary: String,
    /// The call answered the question.
    #[serde(default)]
    answered: bool,
}

impl JsonBody for CallBody {}

async fn api_call(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(call): ApiJson<CallBody>,
) -> Result<Response, ApiError> {
    act(&state, &staff, ip, id, Command::Call { summary: call.summary, answered: call.answered }, true).await
}

#[derive(Deserialize)]
struct NoteBody {
    body: String,
}

impl JsonBody for NoteBody {}

async fn api_note(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(note): ApiJson<NoteBody>,
) -> Result<Response, ApiError> {
    act(&state, &staff, ip, id, Command::Note { body: note.body }, true).await
}

#[derive(Deserialize)]
struct EventBody {
    event: String,
}

impl JsonBody for EventBody {}

async fn api_event(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(event): ApiJson<EventBody>,
) -> Result<Response, ApiError> {
    let command = match event.event.as_str() {
        "start" => Command::Start,
        "close" => Command::Close,
        "reopen" => Command::Reopen,
        other => return Err(unknown("event", other)),
    };
    act(&state, &staff, ip, id, command, false).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignBody {
    assignee_user_id: Option<Uuid>,
}

impl JsonBody for AssignBody {}

async fn api_assign(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(assign): ApiJson<AssignBody>,
) -> Result<Response, ApiError> {
    act(&state, &staff, ip, id, Command::Assign(assign.assignee_user_id), false).await
}

#[derive(Deserialize)]
struct CategoryBody {
    category: String,
}

impl JsonBody for CategoryBody {}

async fn api_category(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CategoryBody>,
) -> Result<Response, ApiError> {
    let category = Category::from_code(&body.category).ok_or_else(|| unknown("category", &body.category))?;
    act(&state, &staff, ip, id, Command::Recategorise(category), false).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LinkBody {
    /// The application's reference; null or missing: unlink.
    reference: Option<String>,
}

impl JsonBody for LinkBody {}

async fn api_link(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<LinkBody>,
) -> Result<Response, ApiError> {
    act(&state, &staff, ip, id, Command::Link(body.reference), false).await
}

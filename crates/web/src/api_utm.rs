//! The staff JSON API for course ① under `/api/v1/devices` and `/api/v1/reports/monthly`: the
//! UTM registry and a device's life, and the monthly reports' generation, comment and release.
//! Each action calls the same use case as the office page, so both doors behave alike.

use app::AppError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::access::Role;
use domain::refusal::Refusal;
use serde::Deserialize;
use serde_json::{Value, json};
use store::devices::DeviceRecord;
use store::reports::ReportRecord;
use uuid::Uuid;

use crate::AppState;
use crate::api_auth::{ApiJson, ApiPath, ApiQuery, ApiStaff, JsonBody, audit};
use crate::client::ClientIp;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list_devices).post(register_device))
        .route("/devices/{id}", get(get_device))
        .route("/devices/{id}/changes", post(change_device))
        .route("/reports/monthly", get(list_reports).post(generate_reports))
        .route("/reports/monthly/{id}", get(get_report))
        .route("/reports/monthly/{id}/comment", post(comment_report))
        .route("/reports/monthly/{id}/release", post(release_report))
}

/// A device as the API shows it: the record, its stage today and the trial's last day.
fn device_json(record: &DeviceRecord, today: chrono::NaiveDate) -> Value {
    json!({
        "id": record.id,
        "application_id": record.application_id,
        "vendor": record.vendor,
        "model": record.model,
        "serial": record.serial,
        "sender_address": record.sender_address,
        "survey_result": record.survey.code(),
        "survey_notes": record.survey_notes,
        "installed_on": record.installed_on,
        "trial_last_day": record.trial_last_day(),
        "removed_on": record.removed_on,
        "continued_on": record.continued_on,
        "stage": record.stage(today).code(),
    })
}

async fn list_devices(State(state): State<AppState>, staff: ApiStaff, ip: ClientIp) -> Result<Response, ApiError> {
    staff.require(Role::can_manage_devices)?;
    let today = state.clock.today();
    let items: Vec<Value> =
        store::devices::list(&state.db).await?.iter().map(|record| device_json(record, today)).collect();
    audit(&state, &staff, ip, "device.list", None, json!({"devices": items.len()})).await?;
    Ok(Json(json!({"total": items.len(), "items": items})).into_response())
}

#[derive(Deserialize)]
struct RegisterBody {
    application_id: String,
    vendor: String,
    model: String,
    serial: String,
    #[serde(default)]
    sender_address: Option<String>,
}

impl JsonBody for RegisterBody {}

async fn register_device(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiJson(new): ApiJson<RegisterBody>,
) -> Result<Response, ApiError> {
    let registration = app::devices::Registration::parse(
        &new.application_id,
        &new.vendor,
        &new.model,
        &new.serial,
        new.sender_address.as_deref().unwrap_or(""),
    )
    .map_err(AppError::from)?;
    let id = app::devices::register(&state.services, &staff.actor(ip), registration, state.clock.now()).await?;
    let record = store::devices::get(&state.db, id).await?;
    Ok((StatusCode::CREATED, Json(device_json(&record, state.clock.today()))).into_response())
}

async fn get_device(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_manage_devices)?;
    let record = store::devices::get(&state.db, id).await?;
    audit(&state, &staff, ip, "device.view", Some(record.application_id), json!({"device": id})).await?;
    Ok(Json(device_json(&record, state.clock.today())).into_response())
}

#[derive(Deserialize)]
struct ChangeBody {
    change: String,
    #[serde(default)]
    survey_result: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    sender_address: Option<String>,
}

impl JsonBody for ChangeBody {}

async fn change_device(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ChangeBody>,
) -> Result<Response, ApiError> {
    let change = app::devices::parse_change(
        &request.change,
        request.survey_result.as_deref().unwrap_or(""),
        request.notes.as_deref().unwrap_or(""),
        request.date.as_deref().unwrap_or(""),
        request.sender_address.as_deref().unwrap_or(""),
    )
    .map_err(AppError::from)?;
    let record = app::devices::change(&state.services, &staff.actor(ip), id, change, state.clock.now()).await?;
    Ok(Json(device_json(&record, state.clock.today())).into_response())
}

/// A report as the API lists it; `data` (the figures the PDF shows) only when asked for one.
fn report_json(record: &ReportRecord, with_data: bool) -> Value {
    let mut value = json!({
        "id": record.id,
        "device_id": record.device_id,
        "application_id": record.application_id,
        "month": record.month,
        "status": record.status,
        "comment": record.comment,
        "pdf_sha256": record.pdf_sha256,
        "generated_at": record.generated_at,
        "released_at": record.released_at,
    });
    if with_data {
        value["data"] = record.data.clone();
    }
    value
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MonthQuery {
    month: Option<String>,
}

async fn list_reports(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(query): ApiQuery<MonthQuery>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_manage_devices)?;
    let month = match query.month.as_deref() {
        Some(text) => app::reports::Month::parse(text).map_err(AppError::from)?,
        None => app::reports::Month::before(state.clock.today()),
    };
    let items: Vec<Value> =
        store::reports::for_month(&state.db, month.as_str()).await?.iter().map(|r| report_json(r, false)).collect();
    Ok(Json(json!({"month": month.as_str(), "total": items.len(), "items": items})).into_response())
}

#[derive(Deserialize)]
struct GenerateBody {
    month: String,
}

impl JsonBody for GenerateBody {}

async fn generate_reports(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiJson(request): ApiJson<GenerateBody>,
) -> Result<Response, ApiError> {
    let month = app::reports::Month::parse(&request.month).map_err(AppError::from)?;
    staff.require(Role::can_manage_devices)?;
    let fonts = state.fonts().await.map_err(|why| AppError::Refused(Refusal::DocumentUnavailable(why)))?;
    let outcome = app::reports::generate(&state.services, &staff.actor(ip), fonts, &month, state.clock.now()).await?;
    let failed: Vec<Value> =
        outcome.failed.iter().map(|(serial, why)| json!({"serial": serial, "reason": why})).collect();
    Ok(Json(json!({"month": month.as_str(), "made": outcome.made, "failed": failed})).into_response())
}

async fn get_report(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    staff.require(Role::can_manage_devices)?;
    let record = store::reports::get(&state.db, id).await?;
    audit(&state, &staff, ip, "report.view", Some(record.application_id), json!({"report": id})).await?;
    Ok(Json(report_json(&record, true)).into_response())
}

#[derive(Deserialize)]
struct CommentBody {
    comment: String,
}

impl JsonBody for CommentBody {}

async fn comment_report(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CommentBody>,
) -> Result<Response, ApiError> {
    let text = request.comment;
    staff.require(Role::can_manage_devices)?;
    let fonts = state.fonts().await.map_err(|why| AppError::Refused(Refusal::DocumentUnavailable(why)))?;
    app::reports::comment(&state.services, &staff.actor(ip), fonts, id, &text, state.clock.now()).await?;
    Ok(Json(report_json(&store::reports::get(&state.db, id).await?, false)).into_response())
}

async fn release_report(
    State(state): State<AppState>,
    staff: ApiStaff,
    ip: ClientIp,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    app::reports::release(&state.services, &staff.actor(ip), id, state.clock.now()).await?;
    Ok(Json(report_json(&store::reports::get(&state.db, id).await?, false)).into_response())
}

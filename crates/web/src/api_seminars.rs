//! The seminars' JSON API: the current year's seminars with live seats, and registering —
//! the same door and use case as the public form (`seminars::register`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::seminar::{Mode, RegistrationInput, RegistrationStatus};
use serde::Serialize;
use serde_json::json;
use store::seminars::SeminarRecord;
use uuid::Uuid;

use crate::AppState;
use crate::api_auth::{ApiJson, ApiPath};
use crate::client::ClientIp;
use crate::error::ApiError;
use crate::seminars::{Refused, register};

pub fn router() -> Router<AppState> {
    Router::new().route("/seminars", get(api_list)).route("/seminars/{id}/registrations", post(api_register))
}

#[derive(Serialize)]
struct ApiSeats {
    capacity: u32,
    remaining: u32,
    state: &'static str,
}

#[derive(Serialize)]
struct ApiSeminar {
    id: Uuid,
    code: String,
    title: String,
    title_en: String,
    starts_at: chrono::DateTime<chrono::Utc>,
    ends_at: chrono::DateTime<chrono::Utc>,
    registration_deadline: chrono::DateTime<chrono::Utc>,
    venue_name: String,
    venue_address: String,
    max_attendees: u32,
    venue: ApiSeats,
    online: ApiSeats,
}

fn api_seats(seminar: &SeminarRecord, mode: Mode, now: chrono::DateTime<chrono::Utc>) -> ApiSeats {
    let places = seminar.places(mode);
    ApiSeats {
        capacity: places.capacity.max(0) as u32,
        remaining: (places.capacity - places.taken).max(0) as u32,
        state: seminar.availability(mode, now).code(),
    }
}

async fn api_list(State(state): State<AppState>) -> Result<Json<Vec<ApiSeminar>>, ApiError> {
    let now = state.clock.now();
    let seminars = app::seminars::current(&state.services).await?;
    Ok(Json(
        seminars
            .iter()
            .map(|s| ApiSeminar {
                id: s.id,
                code: s.code.clone(),
                title: s.title_ja.clone(),
                title_en: s.title_en.clone(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                registration_deadline: s.deadline,
                venue_name: s.venue_name.clone(),
                venue_address: s.venue_address.clone(),
                max_attendees: s.max_attendees,
                venue: api_seats(s, Mode::Venue, now),
                online: api_seats(s, Mode::Online, now),
            })
            .collect(),
    ))
}

#[derive(Serialize)]
struct ApiRegistered {
    reference: String,
    mode: Mode,
    status: RegistrationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<u32>,
}

impl crate::api_auth::JsonBody for RegistrationInput {}

async fn api_register(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<RegistrationInput>,
) -> Result<Response, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    match register(&state, id, &input, ip).await {
        Ok(registered) => Ok((
            StatusCode::CREATED,
            Json(ApiRegistered {
                reference: registered.registration.reference,
                mode: registered.registration.mode,
                status: registered.registration.status,
                position: registered.queue_position,
            }),
        )
            .into_response()),
        Err(Refused::RateLimited) => Err(ApiError::TooManyRequests),
        Err(Refused::Register(app::seminars::RegisterError::Invalid(issues))) => {
            let m = crate::messages::api::invalid_fields();
            Err(ApiError::Unprocessable(
                json!({"error": m.code, "message": m.ja, "message_en": m.en, "fields": issues}),
            ))
        }
        Err(Refused::Register(app::seminars::RegisterError::App(app::AppError::Refused(
            domain::refusal::Refusal::Seminar(domain::refusal::SeminarRefusal::Closed),
        )))) => {
            let m =
                crate::messages::refusal(&domain::refusal::Refusal::Seminar(domain::refusal::SeminarRefusal::Closed));
            Ok((StatusCode::GONE, Json(json!({"error": m.code, "message": m.ja, "message_en": m.en}))).into_response())
        }
        Err(Refused::Register(app::seminars::RegisterError::App(error))) => Err(error.into()),
    }
}

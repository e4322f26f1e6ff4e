//! Inquiries and the FAQ in the JSON API: `POST /api/v1/inquiries` (the public form's door and
//! use case, `inquiries::submit`) and `GET /api/v1/faq` (the published entries that match).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::inquiry::{Category, InquiryInput};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::api_auth::{ApiJson, ApiQuery};
use crate::client::ClientIp;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::inquiries::{Refused, submit};

pub fn router() -> Router<AppState> {
    Router::new().route("/inquiries", post(api_submit)).route("/faq", get(api_faq))
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

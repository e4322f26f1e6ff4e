//! The two error types handlers return: `PageError` renders an HTML page, `ApiError` a JSON body.
//!
//! User errors carry a safe message. Internal errors become a generic message; the cause is
//! stored in the response's extensions and logged once by `log_internal_errors`.

use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

/// The cause of a 500, for the logging middleware.
#[derive(Clone, Debug)]
pub struct InternalCause(pub String);

#[derive(Debug)]
pub enum PageError {
    NotFound,
    Forbidden,
    /// Not signed in: go to the staff sign-in page.
    SignIn,
    /// Not signed in: go to the company portal's sign-in page.
    PortalSignIn,
    BadRequest(String),
    Internal(String),
}

impl From<store::StoreError> for PageError {
    fn from(error: store::StoreError) -> Self {
        match error {
            store::StoreError::NotFound => PageError::NotFound,
            store::StoreError::Refused(refusal) => PageError::BadRequest(crate::messages::refusal(&refusal).ja),
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<app::AppError> for PageError {
    fn from(error: app::AppError) -> Self {
        match error {
            app::AppError::Forbidden => PageError::Forbidden,
            app::AppError::NotFound => PageError::NotFound,
            app::AppError::Store(error) => error.into(),
            other => PageError::BadRequest(crate::messages::for_error(&other).map(|m| m.ja).unwrap_or_default()),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        PageError::Internal(format!("template: {error}"))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PageError::SignIn => return Redirect::to("/office/login").into_response(),
            PageError::PortalSignIn => return Redirect::to("/portal/login").into_response(),
            PageError::NotFound => (StatusCode::NOT_FOUND, "ページが見つかりません / Not found".to_string()),
            PageError::Forbidden => (StatusCode::FORBIDDEN, "この操作の権限がありません / Forbidden".to_string()),
            PageError::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            PageError::Internal(cause) => {
                let mut response = crate::render::error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "システムエラーが発生しました。時間をおいて再度お試しください / An internal error occurred",
                );
                response.extensions_mut().insert(InternalCause(cause));
                return response;
            }
        };
        crate::render::error_page(status, &message)
    }
}

#[derive(Debug)]
pub enum ApiError {
    NotFound,
    Unauthorized,
    Forbidden,
    BadRequest(String),
    Conflict { code: &'static str, ja: String, en: String },
    Unprocessable(serde_json::Value),
    Closed { code: &'static str, ja: String, en: String },
    TooManyRequests,
    Internal(String),
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> Self {
        match error {
            store::StoreError::NotFound => ApiError::NotFound,
            store::StoreError::Refused(refusal) => {
                let message = crate::messages::refusal(&refusal);
                ApiError::Conflict { code: message.code, ja: message.ja, en: message.en }
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<app::AppError> for ApiError {
    fn from(error: app::AppError) -> Self {
        match error {
            app::AppError::Forbidden => ApiError::Forbidden,
            app::AppError::NotFound => ApiError::NotFound,
            app::AppError::Refused(refusal) => store::StoreError::Refused(refusal).into(),
            app::AppError::Invalid(invalid) => {
                let message = crate::messages::invalid(&invalid);
                ApiError::Unprocessable(
                    serde_json::json!({"error": "invalid", "message": message.ja, "message_en": message.en}),
                )
            }
            app::AppError::Store(error) => error.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::NotFound => {
                (StatusCode::NOT_FOUND, json!({"error": "not_found", "message": "見つかりません / Not found"}))
            }
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                json!({"error": "unauthorized", "message": "APIトークンが必要です（Authorization: Bearer …）"}),
            ),
            ApiError::Forbidden => {
                (StatusCode::FORBIDDEN, json!({"error": "forbidden", "message": "この操作の権限がありません"}))
            }
            ApiError::BadRequest(message) => {
                (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "invalid", "message": message}))
            }
            ApiError::Conflict { code, ja, en } => {
                (StatusCode::CONFLICT, json!({"error": code, "message": ja, "message_en": en}))
            }
            ApiError::Unprocessable(body) => (StatusCode::UNPROCESSABLE_ENTITY, body),
            ApiError::Closed { code, ja, en } => {
                (StatusCode::FORBIDDEN, json!({"error": code, "message": ja, "message_en": en}))
            }
            ApiError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": "rate_limited", "message": "送信回数の上限を超えました。1分ほど待ってから再度お試しください", "message_en": "Too many submissions; wait a minute"}),
            ),
            ApiError::Internal(cause) => {
                let mut response = (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({"error": "internal", "message": "システムエラーが発生しました"})),
                )
                    .into_response();
                response.extensions_mut().insert(InternalCause(cause));
                return response;
            }
        };
        (status, Json(body)).into_response()
    }
}

/// Logs the cause of every internal error, once, without personal data in the message.
pub async fn log_internal_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        tracing::error!(%path, %cause, "request failed");
    }
    response
}

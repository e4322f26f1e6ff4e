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
    /// Signed in with a one-time password: choose a new one first.
    ChangePassword,
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
            PageError::ChangePassword => return Redirect::to("/office/password").into_response(),
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
    Conflict {
        code: &'static str,
        ja: String,
        en: String,
    },
    Unprocessable(serde_json::Value),
    Closed {
        code: &'static str,
        ja: String,
        en: String,
    },
    TooManyRequests,
    /// A body the JSON extractor refused, with the status it gave (400, 413, 415 or 422).
    Body {
        status: StatusCode,
        code: &'static str,
        ja: &'static str,
        en: &'static str,
    },
    Internal(String),
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    /// Each way a JSON body can fail, with its own status and words: too large (413) says so,
    /// a missing `Content-Type` (415) asks for JSON, unreadable JSON (400/422) says that.
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as R;
        let status = rejection.status();
        let (code, ja, en) = match &rejection {
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "送信された内容が大きすぎます（64KBまで）",
                "The request body is too large (64 KB at most)",
            ),
            R::MissingJsonContentType(_) => (
                "unsupported_media_type",
                "Content-Type: application/json のJSONを送ってください",
                "Send JSON with Content-Type: application/json",
            ),
            R::JsonSyntaxError(_) => ("bad_request", "JSONとして読み取れません", "The body is not valid JSON"),
            R::JsonDataError(_) => (
                "invalid",
                "JSONの項目または値の型が正しくありません",
                "The JSON does not have the expected fields or types",
            ),
            _ => ("bad_request", "リクエストの本文を読み取れません", "The request body could not be read"),
        };
        ApiError::Body { status, code, ja, en }
    }
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
            ApiError::Body { status, code, ja, en } => {
                (status, json!({"error": code, "message": ja, "message_en": en}))
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

/// Error pages keep the way out: when whoever asked is signed in (staff of any role, or a
/// company user), the error page is rendered again with a sign-out form carrying their
/// session's form token. An expert, whom every office page refuses, can so still sign out.
pub async fn error_pages_keep_sign_out(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let session = crate::i18n::cookie_from_headers(request.headers(), crate::auth::SESSION_COOKIE);
    let response = next.run(request).await;
    let (Some(token), Some(crate::render::ErrorMessage(message))) =
        (session, response.extensions().get::<crate::render::ErrorMessage>().cloned())
    else {
        return response;
    };
    let Ok(Some((user, csrf))) = store::accounts::session_user(&state.db, &token, state.clock.now()).await else {
        return response;
    };
    let sign_out = if user.role.is_staff() {
        crate::render::SignOut { action: "/office/logout", home: "/office", csrf, name: user.display_name }
    } else {
        crate::render::SignOut { action: "/portal/logout", home: "/portal", csrf, name: user.display_name }
    };
    let page = crate::render::error_body(response.status(), &message, Some(sign_out));
    let (mut parts, _) = response.into_parts();
    let (page_parts, body) = page.into_parts();
    parts.headers = page_parts.headers;
    Response::from_parts(parts, body)
}

/// Any path no route serves: the JSON API answers in JSON, everything else with the error page.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::NotFound.into_response()
    } else {
        PageError::NotFound.into_response()
    }
}

/// A request whose declared length is more than its route accepts is answered 413 at once —
/// before the form-token check, which could not read such a body and would call the page
/// expired: in JSON on the API, with the error page elsewhere. (Bodies without a declared
/// length are cut at the same limits while they are read.)
pub async fn reject_oversized(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let limit = if path == "/portal/agreement/upload" {
        crate::agreement::MAX_UPLOAD_BYTES + 64 * 1024
    } else {
        crate::MAX_BODY_BYTES
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_none_or(|length| length <= limit as u64) {
        return next.run(request).await;
    }
    if path.starts_with("/api/") {
        return ApiError::Body {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload_too_large",
            ja: "送信された内容が大きすぎます（64KBまで）",
            en: "The request body is too large (64 KB at most)",
        }
        .into_response();
    }
    let message = if limit > crate::MAX_BODY_BYTES {
        "ファイルが大きすぎます（10MBまで） / The file is too large (10 MB at most)"
    } else {
        "送信された内容が大きすぎます / The request is too large"
    };
    crate::render::error_page(StatusCode::PAYLOAD_TOO_LARGE, message)
}

//! The two error types handlers return: `PageError` renders an HTML page, `ApiError` a JSON body.
//!
//! User errors carry a safe message. Internal errors become a generic message; the cause is
//! stored in the response's extensions and logged once by `log_internal_errors`.

use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use crate::messages::Message;

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
    BadRequest(Message),
    Internal(String),
}

impl PageError {
    /// A 400 page saying `ja` (Japanese) or `en` (English) as the asker reads.
    pub fn bad_request(ja: &str, en: &str) -> PageError {
        PageError::BadRequest(Message { code: "bad_request", ja: ja.to_string(), en: en.to_string() })
    }
}

impl From<store::StoreError> for PageError {
    fn from(error: store::StoreError) -> Self {
        match error {
            store::StoreError::NotFound => PageError::NotFound,
            store::StoreError::Refused(refusal) => PageError::BadRequest(crate::messages::refusal(&refusal)),
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
            other => PageError::BadRequest(crate::messages::for_error(&other).unwrap_or_else(|| Message {
                code: "bad_request",
                ja: "この操作はできません".into(),
                en: "This cannot be done".into(),
            })),
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
        let (status, ja, en) = match self {
            PageError::SignIn => return Redirect::to("/office/login").into_response(),
            PageError::PortalSignIn => return Redirect::to("/portal/login").into_response(),
            PageError::ChangePassword => return Redirect::to("/office/password").into_response(),
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "ページが見つかりません。アドレスをお確かめください。".to_string(),
                "Page not found. Please check the address.".to_string(),
            ),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "この操作の権限がありません。".to_string(),
                "You do not have permission for this.".to_string(),
            ),
            PageError::BadRequest(message) => (StatusCode::BAD_REQUEST, message.ja, message.en),
            PageError::Internal(cause) => {
                let mut response = crate::render::error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "システムエラーが発生しました。時間をおいて再度お試しください。",
                    "An internal error occurred. Please try again later.",
                );
                response.extensions_mut().insert(InternalCause(cause));
                return response;
            }
        };
        crate::render::error_page(status, &ja, &en)
    }
}

/// An error of the JSON API. Every body is `{"error": code, "message": 日本語, "message_en": English}`
/// (the public API's 422 adds `fields`, or `reasons` and `flags`), as `openapi.json` documents.
#[derive(Debug)]
pub enum ApiError {
    NotFound,
    Unauthorized,
    Forbidden,
    /// A request that could not be read before any use case ran (a body that is not JSON, the
    /// wrong content type, too large a body, JSON of the wrong shape, an unreadable query), with
    /// its status (400, 413, 415 or 422).
    Unreadable(StatusCode, Message),
    /// A value outside the set the document lists (an unknown status or course in a query).
    Invalid(Message),
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
            app::AppError::Invalid(invalid) => ApiError::Invalid(crate::messages::invalid(&invalid)),
            app::AppError::Store(error) => error.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let (status, message) = crate::messages::api::unreadable_body(rejection.status(), &rejection.body_text());
        ApiError::Unreadable(status, message)
    }
}

fn body(message: Message) -> serde_json::Value {
    json!({"error": message.code, "message": message.ja, "message_en": message.en})
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        use crate::messages::api as m;
        let (status, body) = match self {
            ApiError::NotFound => (StatusCode::NOT_FOUND, body(m::not_found())),
            ApiError::Unauthorized => {
                let mut response = (StatusCode::UNAUTHORIZED, Json(body(m::unauthorized()))).into_response();
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return response;
            }
            ApiError::Forbidden => (StatusCode::FORBIDDEN, body(m::forbidden())),
            ApiError::Unreadable(status, message) => (status, body(message)),
            ApiError::Invalid(message) => (StatusCode::UNPROCESSABLE_ENTITY, body(message)),
            ApiError::Conflict { code, ja, en } => (StatusCode::CONFLICT, body(Message { code, ja, en })),
            ApiError::Unprocessable(body) => (StatusCode::UNPROCESSABLE_ENTITY, body),
            ApiError::Closed { code, ja, en } => (StatusCode::FORBIDDEN, body(Message { code, ja, en })),
            ApiError::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, body(m::too_many_requests())),
            ApiError::Internal(cause) => {
                let mut response = (StatusCode::INTERNAL_SERVER_ERROR, Json(body(m::internal()))).into_response();
                response.extensions_mut().insert(InternalCause(cause));
                return response;
            }
        };
        (status, Json(body)).into_response()
    }
}

/// Logs the cause of every internal error, once, without personal data in the message.
pub async fn log_internal_errors(request: Request, next: Next) -> Response {
    let path = without_link_secret(request.uri().path());
    let response = next.run(request).await;
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        let cause = domain::text::redact_personal(cause);
        tracing::error!(%path, %cause, "request failed");
    }
    response
}

/// A path as it may be logged: the secret of a link (a survey's, a seminar registration's, a
/// portal sign-in's) is left out, since whoever reads the log could otherwise use it.
fn without_link_secret(path: &str) -> String {
    for prefix in ["/survey/", "/seminars/manage/", "/portal/auth/"] {
        if path.starts_with(prefix) {
            return format!("{prefix}…");
        }
    }
    path.to_string()
}

/// Error pages speak to whoever asked: every error page is rendered again in the asker's
/// language (`?lang=` or the language cookie), with the current programme year's secretariat to
/// contact. When the asker is signed in it keeps the way out: staff see the office layout of
/// their role — its menu (from the permission table), their name and the sign-out form — and,
/// on a refusal (403), what their role can do instead with a link to their home; a company user
/// gets the portal's sign-out form. The status stays. An expert, whom most office pages refuse,
/// can so still find the way home and out.
pub async fn error_pages_in_context(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let session = crate::i18n::cookie_from_headers(request.headers(), crate::auth::SESSION_COOKIE);
    let from_query = request.uri().query().and_then(|query| {
        query.split('&').find_map(|pair| match pair {
            "lang=en" => Some(true),
            "lang=ja" => Some(false),
            _ => None,
        })
    });
    let en = from_query.unwrap_or_else(|| {
        crate::i18n::cookie_from_headers(request.headers(), crate::i18n::LANG_COOKIE).is_some_and(|v| v == "en")
    });
    let response = next.run(request).await;
    let Some(crate::render::ErrorMessage { ja, en: english }) =
        response.extensions().get::<crate::render::ErrorMessage>().cloned()
    else {
        return response;
    };
    let viewer = match session {
        Some(token) => match store::accounts::session_user(&state.db, &token, state.clock.now()).await {
            Ok(Some((user, csrf))) if user.role.is_staff() => Some(crate::render::Viewer::Staff {
                menu: crate::menu::Menu::of(user.role),
                name: user.display_name,
                csrf,
            }),
            Ok(Some((user, csrf))) => Some(crate::render::Viewer::Company(crate::render::SignOut {
                action: "/portal/logout",
                home: "/portal",
                csrf,
                name: user.display_name,
            })),
            _ => None,
        },
        None => None,
    };
    let t = crate::i18n::T::new(en, crate::i18n::current_contact(&state).await);
    let message = if en { english } else { ja };
    let page = crate::render::error_body(response.status(), &message, t, viewer);
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
    let pattern = request.extensions().get::<axum::extract::MatchedPath>().map(|matched| matched.as_str().to_owned());
    let file_limit = pattern.as_deref().and_then(crate::upload_file_limit);
    let limit = pattern.as_deref().map_or(crate::MAX_BODY_BYTES, crate::body_limit);
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_none_or(|length| length <= limit as u64) {
        return next.run(request).await;
    }
    if path.starts_with("/api/") {
        let (status, message) = crate::messages::api::unreadable_body(StatusCode::PAYLOAD_TOO_LARGE, "");
        return ApiError::Unreadable(status, message).into_response();
    }
    match file_limit {
        Some(file) => {
            let megabytes = file / (1024 * 1024);
            let ja = format!("ファイルが大きすぎます（{megabytes}MBまで）。");
            let en = format!("The file is too large ({megabytes} MB at most).");
            crate::render::error_page(StatusCode::PAYLOAD_TOO_LARGE, &ja, &en)
        }
        None => crate::render::error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "送信された内容が大きすぎます。",
            "The request is too large.",
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_secrets_stay_out_of_the_log() {
        assert_eq!(super::without_link_secret("/survey/0a1b2c"), "/survey/…");
        assert_eq!(super::without_link_secret("/seminars/manage/ff00"), "/seminars/manage/…");
        assert_eq!(super::without_link_secret("/office/surveys/1"), "/office/surveys/1");
    }
}

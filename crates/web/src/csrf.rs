//! Cross-site request forgery defences, in two layers:
//!
//! 1. Every unsafe request (not GET/HEAD/OPTIONS) from another site is refused, judged by the
//!    browser's `Sec-Fetch-Site` header, or by `Origin` against `Host` where the former is absent.
//! 2. Every HTML form carries a token: the session's token for signed-in users, or for the public
//!    forms a random token also set as a `SameSite=Strict` cookie (double submit).
//!
//! The JSON API accepts only `application/json` bodies, which a cross-site form cannot send.

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const PUBLIC_CSRF_COOKIE: &str = "kojo_csrf";

pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if is_safe_method(request.method()) || same_site(&request) {
        return next.run(request).await;
    }
    (StatusCode::FORBIDDEN, "他のサイトからの送信は受け付けられません / Cross-site request refused").into_response()
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn same_site(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), headers.get(header::HOST)) {
        (Some("null"), _) => false,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            host.to_str().map(|h| h.eq_ignore_ascii_case(origin_host)).unwrap_or(false)
        }
        // No Origin: not a browser cross-site request (browsers send Origin on cross-site POST).
        (None, _) => true,
        (Some(_), None) => false,
    }
}

/// Compares a submitted token with the expected one in constant time.
pub fn tokens_match(expected: &str, submitted: &str) -> bool {
    use sha2::Digest;
    !expected.is_empty() && sha2::Sha256::digest(expected.as_bytes()) == sha2::Sha256::digest(submitted.as_bytes())
}

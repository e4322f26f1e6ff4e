//! Cross-site request forgery defences, in two layers:
//!
//! 1. Every unsafe request (not GET/HEAD/OPTIONS) from another site is refused, judged by the
//!    browser's `Sec-Fetch-Site` header, or where that is absent by `Origin`, whose scheme, host
//!    and port must all be this site's (the configured public URL, or `Host` with the scheme
//!    Kojo is served over).
//! 2. Every HTML form carries a token: the session's token for signed-in users, or for the public
//!    forms a random token also set as a `SameSite=Strict` cookie (double submit).
//!
//! The JSON API accepts only `application/json` bodies, which a cross-site form cannot send.

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const PUBLIC_CSRF_COOKIE: &str = "kojo_csrf";

pub async fn reject_cross_site(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe_method(request.method()) || same_site(&request, &state.config) {
        return next.run(request).await;
    }
    crate::render::error_page(
        StatusCode::FORBIDDEN,
        "他のサイトからの送信は受け付けられません。",
        "A request sent from another site was refused.",
    )
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn same_site(request: &Request, config: &crate::WebConfig) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        // No Origin: not a browser cross-site request (browsers send Origin on cross-site POST).
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(Origin::parse) else {
        // `null` (a sandboxed frame, a redirect chain) or anything unreadable.
        return false;
    };
    // This site is the configured public address, or the Host the request names with the
    // scheme Kojo is served over (HTTPS exactly when cookies are marked Secure).
    let public = Origin::parse(&config.public_url);
    let scheme = if config.secure_cookies { "https" } else { "http" };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|host| Origin::parse(&format!("{scheme}://{host}")));
    public.as_ref() == Some(&origin) || host.as_ref() == Some(&origin)
}

/// A web origin: scheme, host and port (the scheme's default port filled in), compared whole.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: &'static str,
    host: String,
    port: u16,
}

impl Origin {
    /// Reads `scheme://host[:port]`, ignoring a path after it (for the configured public URL).
    fn parse(text: &str) -> Option<Origin> {
        let (scheme, rest) = text.trim().split_once("://")?;
        let (scheme, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "http" => ("http", 80),
            "https" => ("https", 443),
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next()?;
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let (host, port) = match authority.rsplit_once(':') {
            // An IPv6 literal without a port: `[::1]`.
            Some((_, tail)) if authority.ends_with(']') || tail.contains(']') => (authority, None),
            Some((host, port)) => (host, Some(port.parse::<u16>().ok()?)),
            None => (authority, None),
        };
        if host.is_empty() {
            return None;
        }
        Some(Origin { scheme, host: host.to_ascii_lowercase(), port: port.unwrap_or(default_port) })
    }
}

/// Compares a submitted token with the expected one in constant time.
pub fn tokens_match(expected: &str, submitted: &str) -> bool {
    use sha2::Digest;
    !expected.is_empty() && sha2::Sha256::digest(expected.as_bytes()) == sha2::Sha256::digest(submitted.as_bytes())
}

/// The form token of this browser for the public forms (double submit): the `kojo_csrf` cookie's
/// value, set by [`issue_public_token`] on the first page a browser loads.
#[derive(Debug, Clone)]
pub struct FormToken(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for FormToken {
    type Rejection = crate::error::PageError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<FormToken>()
            .cloned()
            .ok_or_else(|| crate::error::PageError::Internal("the form token layer is missing".into()))
    }
}

/// Gives every browser a public form token on its first safe request (a `SameSite=Strict`,
/// `HttpOnly` cookie) and hands it to handlers as [`FormToken`].
pub async fn issue_public_token(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // The JSON API and the stylesheet never carry forms: no cookie, no random token to make.
    let path = request.uri().path();
    if path.starts_with("/api/") || path.starts_with("/static/") {
        return next.run(request).await;
    }
    let existing = crate::i18n::cookie_from_headers(request.headers(), PUBLIC_CSRF_COOKIE)
        .filter(|token| !token.is_empty() && token.len() <= 128);
    let token = existing.clone().unwrap_or_else(|| store::random_token(16));
    request.extensions_mut().insert(FormToken(token.clone()));
    let mut response = next.run(request).await;
    if existing.is_none() {
        let cookie = crate::i18n::set_cookie(PUBLIC_CSRF_COOKIE, &token, None, true, state.config.secure_cookies);
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Every state-changing request from a browser (any unsafe method outside `/api/`, which is
/// token-authenticated JSON) must carry this browser's form token: the signed-in session's
/// token, or the public double-submit token. Read from the form body (`csrf`), or for multipart
/// uploads from the query string or the `X-CSRF-Token` header. Enforced here for every route, so
/// no handler can forget it.
pub async fn require_form_token(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe_method(request.method()) || request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let headers = request.headers();
    let mut expected = Vec::with_capacity(2);
    let mut signed_in = false;
    if let Some(session) = crate::i18n::cookie_from_headers(headers, crate::auth::SESSION_COOKIE) {
        match store::accounts::session_user(&state.db, &session, state.clock.now()).await {
            Ok(Some((_, csrf))) => {
                signed_in = true;
                expected.push(csrf);
            }
            Ok(None) => {}
            Err(error) => return crate::error::PageError::from(error).into_response(),
        }
    }
    if let Some(public) = crate::i18n::cookie_from_headers(headers, PUBLIC_CSRF_COOKIE) {
        expected.push(public);
    }
    let from_query = request.uri().query().and_then(|query| field(query.as_bytes(), "csrf"));
    let from_header = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (request, from_body) = if is_form {
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return crate::render::error_page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "送信された内容が大きすぎます。",
                    "The request is too large.",
                );
            }
        };
        let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes)
            // A password is never written back into a page: the person types it again.
            .filter(|(key, _)| key != "csrf" && !key.contains("password"))
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        let token = field(&bytes, "csrf").unwrap_or_default();
        (Request::from_parts(parts, axum::body::Body::from(bytes)), Some((token, fields)))
    } else {
        (request, None)
    };
    let submitted =
        from_body.as_ref().map(|(token, _)| token.clone()).or(from_query).or(from_header).unwrap_or_default();
    if expected.iter().any(|token| tokens_match(token, &submitted)) {
        return next.run(request).await;
    }
    // A public form (no session) loses nothing: the page offers to send what was typed again,
    // with this browser's token. A signed-in form is refused outright, so that a forged post
    // can never become a one-click confirmation of someone's session.
    let public_token = request.extensions().get::<FormToken>().map(|token| token.0.clone());
    match (signed_in, from_body, public_token) {
        (false, Some((_, fields)), Some(csrf)) => {
            let en = crate::i18n::cookie_from_headers(request.headers(), crate::i18n::LANG_COOKIE)
                .is_some_and(|v| v == "en");
            let contact =
                request.extensions().get::<crate::i18n::SiteContact>().map_or_else(crate::i18n::unnamed, |c| c.0);
            let page = ResendPage {
                t: crate::i18n::T::new(en, contact),
                signed_in: false,
                action: request.uri().path().to_string(),
                fields,
                csrf,
            };
            crate::render::html(StatusCode::FORBIDDEN, &page).unwrap_or_else(|error| error.into_response())
        }
        _ => crate::render::error_page(
            StatusCode::FORBIDDEN,
            "ページの有効期限が切れました。再読み込みしてからもう一度操作してください。",
            "The page has expired. Please reload it and try again.",
        ),
    }
}

#[derive(askama::Template)]
#[template(path = "resend.html")]
struct ResendPage {
    t: crate::i18n::T,
    signed_in: bool,
    action: String,
    fields: Vec<(String, String)>,
    csrf: String,
}

fn field(encoded: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(encoded).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let origin = |text| Origin::parse(text);
        assert_eq!(origin("http://Example.jp"), origin("http://example.jp:80"));
        assert_eq!(origin("HTTPS://example.jp"), origin("https://example.jp:443/apply"));
        assert_ne!(origin("https://example.jp:8080"), origin("http://example.jp:8080"));
        assert_ne!(origin("http://example.jp:8080"), origin("http://example.jp:8081"));
        assert_eq!(origin("http://[::1]:8080").unwrap().port, 8080);
        assert_eq!(origin("http://[::1]").unwrap().port, 80);
        for hostile in
            ["null", "example.jp", "ftp://example.jp", "http://", "http://a@example.jp", "http://example.jp:80x"]
        {
            assert_eq!(origin(hostile), None, "{hostile}");
        }
    }
}

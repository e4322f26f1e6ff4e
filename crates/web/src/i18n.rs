//! Japanese first, English switchable: the language comes from `?lang=` (remembered in a
//! cookie) or the cookie alone; Japanese otherwise.
//!
//! Templates carry both texts side by side (`t.s("申込", "Apply")`): the Japanese stays the
//! primary text where a reviewer reads it, and no key table drifts out of date.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

pub const LANG_COOKIE: &str = "kojo_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T {
    pub en: bool,
}

impl T {
    pub fn s(&self, ja: &'static str, en: &'static str) -> &'static str {
        if self.en { en } else { ja }
    }

    /// Picks between two owned or borrowed strings.
    pub fn pick<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { ja }
    }

    pub fn code(&self) -> &'static str {
        if self.en { "en" } else { "ja" }
    }

    /// A date as Japanese forms expect it (和暦), or ISO in English.
    pub fn date(&self, date: &chrono::NaiveDate) -> String {
        if self.en { date.format("%Y-%m-%d (%a)").to_string() } else { domain::wareki::format_date_with_weekday(*date) }
    }

    /// An instant in Tokyo time.
    pub fn datetime(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        let local = at.with_timezone(&chrono_tz::Asia::Tokyo);
        if self.en {
            local.format("%Y-%m-%d %H:%M JST").to_string()
        } else {
            format!("{} {}", domain::wareki::format_date(local.date_naive()), local.format("%H:%M"))
        }
    }
}

/// The language chosen for this request, and whether `?lang=` changed it (so the cookie is set).
#[derive(Debug, Clone, Copy)]
pub struct Lang {
    pub t: T,
    pub changed: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let from_query = parts.uri.query().and_then(|q| {
            q.split('&').find_map(|pair| match pair {
                "lang=en" => Some(true),
                "lang=ja" => Some(false),
                _ => None,
            })
        });
        let from_cookie = cookie(parts, LANG_COOKIE).map(|v| v == "en");
        let en = from_query.or(from_cookie).unwrap_or(false);
        Ok(Lang { t: T { en }, changed: from_query.is_some() && from_query != from_cookie })
    }
}

/// A cookie's value from the request.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    cookie_from_headers(&parts.headers, name)
}

pub fn cookie_from_headers(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite as given, Secure when configured, path `/`.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_seconds: Option<i64>,
    same_site_strict: bool,
    secure: bool,
) -> String {
    let mut builder = cookie::Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(if same_site_strict { cookie::SameSite::Strict } else { cookie::SameSite::Lax });
    if let Some(seconds) = max_age_seconds {
        builder = builder.max_age(cookie::time::Duration::seconds(seconds));
    }
    builder.build().to_string()
}

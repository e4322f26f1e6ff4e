//! Japanese first, English switchable: the language comes from `?lang=` (remembered in a
//! cookie) or the cookie alone; Japanese otherwise.
//!
//! Templates carry both texts side by side (`t.s("申込", "Apply")`): the Japanese stays the
//! primary text where a reviewer reads it, and no key table drifts out of date.

use std::sync::{Mutex, OnceLock};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use domain::secretariat::{Language, Secretariat};

pub const LANG_COOKIE: &str = "kojo_lang";

/// The page's language, and whom the page tells people to contact (the current programme year's
/// secretariat, shown in every page's footer and on error pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T {
    pub en: bool,
    pub contact: &'static Secretariat,
}

impl T {
    /// The language `en`, with the contact details the request carries (see [`site_contact`]).
    pub fn new(en: bool, contact: &'static Secretariat) -> T {
        T { en, contact }
    }

    /// The language `en` with the unnamed secretariat (before any programme year is set up).
    pub fn plain(en: bool) -> T {
        T { en, contact: unnamed() }
    }

    pub fn language(&self) -> Language {
        if self.en { Language::En } else { Language::Ja }
    }

    /// The secretariat's name in this page's language.
    pub fn contact_name(&self) -> &'static str {
        self.contact.name(self.language())
    }

    pub fn contact_hours(&self) -> &'static str {
        self.contact.hours(self.language())
    }

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
        let contact = parts.extensions.get::<SiteContact>().map_or_else(unnamed, |found| found.0);
        Ok(Lang { t: T::new(en, contact), changed: from_query.is_some() && from_query != from_cookie })
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

/// The current programme year's secretariat, put on each page request by [`site_contact`].
#[derive(Debug, Clone, Copy)]
pub struct SiteContact(pub &'static Secretariat);

/// Puts the current programme year's secretariat on every request but the JSON API's and the
/// stylesheet's, for the footer and error pages (read through the programme cache, so at most
/// once a second from the database).
pub async fn site_contact(State(state): State<crate::AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") && !path.starts_with("/static/") {
        request.extensions_mut().insert(SiteContact(current_contact(&state).await));
    }
    next.run(request).await
}

/// The current programme year's secretariat (the unnamed one before any year is set up, or
/// when the database cannot be read: a page that reports an error still names whom to call).
pub async fn current_contact(state: &crate::AppState) -> &'static Secretariat {
    match state.current_programme().await {
        Ok(Some(programme)) => match &programme.secretariat {
            Some(secretariat) => intern(secretariat),
            None => unnamed(),
        },
        _ => unnamed(),
    }
}

/// The unnamed secretariat (`Secretariat::unnamed`), made once.
pub fn unnamed() -> &'static Secretariat {
    static UNNAMED: OnceLock<Secretariat> = OnceLock::new();
    UNNAMED.get_or_init(Secretariat::unnamed)
}

/// One shared copy per distinct contact details, so that [`T`] stays `Copy`: a programme year's
/// details change a few times a year, and each distinct value is kept once for the process's life.
fn intern(secretariat: &Secretariat) -> &'static Secretariat {
    static SEEN: Mutex<Vec<&'static Secretariat>> = Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = seen.iter().find(|known| **known == secretariat) {
        return found;
    }
    let kept: &'static Secretariat = Box::leak(Box::new(secretariat.clone()));
    seen.push(kept);
    kept
}

//! The privacy policy (`/privacy`) and the site policy (`/site-policy`): the version in force,
//! and each earlier version at its own address (`/privacy/2026-04-01`), so that what a record
//! says was agreed to can always be read again (`domain::policy`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use domain::policy::{self, Version};

use crate::AppState;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/privacy", get(privacy_in_force))
        .route("/privacy/{version}", get(privacy_version))
        .route("/site-policy", get(site_policy_in_force))
        .route("/site-policy/{version}", get(site_policy_version))
}

#[derive(Template)]
#[template(path = "public/policy_page.html")]
struct PolicyPage {
    t: T,
    signed_in: bool,
    /// `privacy` or `site-policy`.
    kind: &'static str,
    version: Version,
    in_force: Version,
    /// Every version, newest first: (code, in force from, as a date to show).
    versions: Vec<(&'static str, String)>,
}

fn page(
    t: T,
    kind: &'static str,
    list: &'static [Version],
    version: Version,
    in_force: Version,
) -> Result<Response, PageError> {
    let versions = list
        .iter()
        .map(|v| {
            (
                v.code,
                if t.en {
                    v.in_force_from.format("%-d %B %Y").to_string()
                } else {
                    domain::wareki::format_date(v.in_force_from)
                },
            )
        })
        .collect();
    html(StatusCode::OK, &PolicyPage { t, signed_in: false, kind, version, in_force, versions })
}

async fn privacy_in_force(State(state): State<AppState>, lang: Lang) -> Result<Response, PageError> {
    let now = policy::in_force(policy::PRIVACY, state.clock.today());
    page(lang.t, "privacy", policy::PRIVACY, now, now)
}

async fn privacy_version(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let version = policy::find(policy::PRIVACY, &code).ok_or(PageError::NotFound)?;
    page(lang.t, "privacy", policy::PRIVACY, version, policy::in_force(policy::PRIVACY, state.clock.today()))
}

async fn site_policy_in_force(State(state): State<AppState>, lang: Lang) -> Result<Response, PageError> {
    let now = policy::in_force(policy::SITE_POLICY, state.clock.today());
    page(lang.t, "site-policy", policy::SITE_POLICY, now, now)
}

async fn site_policy_version(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let version = policy::find(policy::SITE_POLICY, &code).ok_or(PageError::NotFound)?;
    page(
        lang.t,
        "site-policy",
        policy::SITE_POLICY,
        version,
        policy::in_force(policy::SITE_POLICY, state.clock.today()),
    )
}

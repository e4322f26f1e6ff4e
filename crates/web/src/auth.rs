//! Staff sign-in: argon2id password hashes, server-side sessions in the database, login
//! throttling, and the `Staff` extractor every office handler takes.
//!
//! Throttling: 5 failed attempts for one e-mail, or 20 from one address, within 15 minutes
//! refuse further attempts until the window passes (counted in the database, so it holds
//! across processes and restarts).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use askama::Template;
use axum::extract::{Form, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use domain::access::Role;
use serde::Deserialize;
use store::accounts::UserRecord;
use store::audit::{Actor, NewAuditEntry};
use uuid::Uuid;

use crate::AppState;
use crate::client::ClientIp;
use crate::csrf::{PUBLIC_CSRF_COOKIE, tokens_match};
use crate::error::PageError;
use crate::i18n::{Lang, T, cookie, cookie_from_headers, set_cookie};
use crate::render::{html, with_cookie};

pub const SESSION_COOKIE: &str = "kojo_session";
const SESSION_LIFETIME_HOURS: i64 = 12;
const THROTTLE_WINDOW_MINUTES: i64 = 15;
const MAX_FAILURES_PER_EMAIL: u64 = 5;
const MAX_FAILURES_PER_IP: u64 = 20;

/// Hashes a password with argon2id (the crate's default: m=19 MiB, t=2, p=1).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default parameters").to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A signed-in staff member, with the session's CSRF token for the forms they post.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: UserRecord,
    pub csrf: String,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::User { id: self.user.id, label: format!("{} <{}>", self.user.display_name, self.user.email) }
    }

    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), PageError> {
        if allowed(self.user.role) { Ok(()) } else { Err(PageError::Forbidden) }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie(parts, SESSION_COOKIE).ok_or(PageError::SignIn)?;
        let (user, csrf) =
            store::accounts::session_user(&state.db, &token, state.clock.now()).await?.ok_or(PageError::SignIn)?;
        if !user.role.is_staff() {
            return Err(PageError::Forbidden);
        }
        Ok(Staff { user, csrf })
    }
}

#[derive(Template)]
#[template(path = "office/login.html")]
struct LoginPage {
    t: T,
    signed_in: bool,
    email: String,
    error: Option<&'static str>,
    csrf: String,
}

pub async fn show_login(lang: Lang, csrf: crate::csrf::FormToken) -> Result<Response, PageError> {
    let csrf = csrf.0;
    let page = LoginPage { t: lang.t, signed_in: false, email: String::new(), error: None, csrf: csrf.clone() };
    let response = html(StatusCode::OK, &page)?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
}

pub async fn log_in(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let email = domain::text::normalize(&form.email).to_lowercase();
    let cookie_csrf = cookie_from_headers(&headers, PUBLIC_CSRF_COOKIE).unwrap_or_default();
    let refuse = |status: StatusCode, error: &'static str| {
        let page =
            LoginPage { t, signed_in: false, email: email.clone(), error: Some(error), csrf: cookie_csrf.clone() };
        html(status, &page)
    };
    if !tokens_match(&cookie_csrf, &form.csrf) {
        return refuse(
            StatusCode::FORBIDDEN,
            t.s("ページの有効期限が切れました。もう一度サインインしてください。", "The page expired; sign in again."),
        );
    }
    let since = state.clock.now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let ip_text = ip.to_db();
    let (by_email, by_ip) = store::accounts::recent_failures(&state.db, &email, ip_text.as_deref(), since).await?;
    if by_email >= MAX_FAILURES_PER_EMAIL || by_ip >= MAX_FAILURES_PER_IP {
        store::accounts::record_login_attempt(&state.db, &email, ip_text, false, state.clock.now()).await?;
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            t.s(
                "サインインの失敗が続いたため、一時的に制限しています。15分ほど待ってから再度お試しください。",
                "Too many failed sign-ins; wait 15 minutes and try again.",
            ),
        );
    }
    let user = store::accounts::find_user_by_email(&state.db, &email).await?;
    let verified = match &user {
        Some(user) if user.is_active && user.role.is_staff() => {
            user.password_hash.as_deref().is_some_and(|hash| verify_password(hash, &form.password))
        }
        // Hash anyway, so a wrong e-mail takes as long as a wrong password.
        _ => {
            let _ = hash_password(&form.password);
            false
        }
    };
    store::accounts::record_login_attempt(&state.db, &email, ip_text.clone(), verified, state.clock.now()).await?;
    let (Some(user), true) = (user, verified) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            t.s("メールアドレスまたはパスワードが正しくありません。", "Wrong e-mail address or password."),
        );
    };
    let session = store::accounts::create_session(
        &state.db,
        user.id,
        ip_text.clone(),
        Duration::hours(SESSION_LIFETIME_HOURS),
        state.clock.now(),
    )
    .await?;
    store::accounts::touch_login(&state.db, user.id, state.clock.now()).await?;
    store::audit::record(
        &state.db,
        store::audit::NewAuditEntry {
            actor: Actor::User { id: user.id, label: format!("{} <{}>", user.display_name, user.email) },
            action: "session.sign_in",
            subject_type: "user",
            subject_id: Some(user.id.to_string()),
            ip: ip_text,
            detail: serde_json::json!({}),
        },
        state.clock.now(),
    )
    .await?;
    let cookie = set_cookie(
        SESSION_COOKIE,
        &session.token,
        Some(SESSION_LIFETIME_HOURS * 3600),
        false,
        state.config.secure_cookies,
    );
    Ok(with_cookie(Redirect::to("/office/applications").into_response(), cookie))
}

/// Signs out whoever holds the session, staff of any role (the form-token layer has checked the
/// request), and goes to the sign-in page.
pub async fn log_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(token) = cookie_from_headers(&headers, SESSION_COOKIE) {
        store::accounts::delete_session(&state.db, &token).await?;
    }
    let cookie = set_cookie(SESSION_COOKIE, "", Some(0), false, state.config.secure_cookies);
    Ok(with_cookie(Redirect::to("/office/login").into_response(), cookie))
}

/// Records that a staff member read or exported personal data (the audit log of reads).
pub(crate) async fn audit(
    state: &AppState,
    staff: &Staff,
    ip: ClientIp,
    action: &'static str,
    subject_id: Option<String>,
    detail: serde_json::Value,
) -> Result<(), PageError> {
    store::audit::record(
        &state.db,
        NewAuditEntry { actor: staff.actor(), action, subject_type: "application", subject_id, ip: ip.to_db(), detail },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// A signed-in company user and the one application it may see.
pub struct CompanyUser {
    pub user: store::accounts::UserRecord,
    pub application_id: Uuid,
    pub csrf: String,
}

impl CompanyUser {
    pub fn actor(&self) -> Actor {
        Actor::User { id: self.user.id, label: format!("company:{}", self.user.email) }
    }
}

impl FromRequestParts<AppState> for CompanyUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie(parts, SESSION_COOKIE).ok_or(PageError::PortalSignIn)?;
        let (user, csrf) = store::accounts::session_user(&state.db, &token, state.clock.now())
            .await?
            .ok_or(PageError::PortalSignIn)?;
        match (user.role, user.company_application_id) {
            (Role::Company, Some(application_id)) => Ok(CompanyUser { user, application_id, csrf }),
            _ => Err(PageError::Forbidden),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("correct horse battery staple");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery staple"));
        assert!(!verify_password(&hash, "Correct horse battery staple"));
        assert!(!verify_password("not a hash", "x"));
    }
}

//! Staff sign-in: argon2id password hashes, server-side sessions in the database, the sign-in
//! throttle (`domain::sign_in`, applied by `app::accounts::sign_in`), the forced change of a
//! printed one-time password, and the `Staff` extractor every office handler takes.
//!
//! A browser that signed in gets a device cookie (`kojo_device`, the user's id signed with
//! `KOJO_SECRET_KEY`, 90 days): it exempts that browser from the account-wide delay that
//! guessing from many addresses causes, so the real user is never locked out.

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

pub use app::accounts::{hash_password, verify_password};

pub const SESSION_COOKIE: &str = "kojo_session";
/// Marks a browser that signed in to an account before (see the module documentation).
pub const DEVICE_COOKIE: &str = "kojo_device";
const SESSION_LIFETIME_HOURS: i64 = 12;
const DEVICE_LIFETIME_DAYS: i64 = 90;

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

    /// Refuses (403) unless the permission table lets this user's role do `action`.
    pub fn require_may(&self, action: domain::access::Action) -> Result<(), PageError> {
        self.require(|role| role.may(action))
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = PageError;

    /// A signed-in staff member who has no one-time password left to replace (else: to the
    /// password page).
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let StaffAccount(staff) = StaffAccount::from_request_parts(parts, state).await?;
        if staff.user.must_change_password {
            return Err(PageError::ChangePassword);
        }
        Ok(staff)
    }
}

/// Any signed-in staff member, including one who must still replace a one-time password: for
/// the password page only.
pub struct StaffAccount(pub Staff);

impl FromRequestParts<AppState> for StaffAccount {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie(parts, SESSION_COOKIE).ok_or(PageError::SignIn)?;
        let (user, csrf) =
            store::accounts::session_user(&state.db, &token, state.clock.now()).await?.ok_or(PageError::SignIn)?;
        if !user.role.is_staff() {
            return Err(PageError::Forbidden);
        }
        Ok(StaffAccount(Staff { user, csrf }))
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
    let now = state.clock.now();
    let device_of = cookie_from_headers(&headers, DEVICE_COOKIE)
        .and_then(|value| state.config.signing_key.verify(&value, now))
        .and_then(|id| id.parse::<Uuid>().ok());
    let credentials =
        app::accounts::Credentials { email: email.clone(), password: form.password, ip: ip.to_db(), device_of };
    let lifetime = Duration::hours(SESSION_LIFETIME_HOURS);
    match app::accounts::sign_in(&state.services, credentials, lifetime, now).await? {
        app::accounts::SignIn::Throttled(throttled) => {
            let wait = (throttled.until() - now).num_seconds().max(1);
            let mut response = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                match throttled {
                    domain::sign_in::Throttled::Address { .. } => t.s(
                        "この接続元からのサインインの失敗が続いたため、一時的に制限しています。15分ほど待ってから再度お試しください。",
                        "Too many failed sign-ins from this address; wait 15 minutes and try again.",
                    ),
                    domain::sign_in::Throttled::Account { .. } => t.s(
                        "このアカウントへのサインインの失敗が続いたため、試行の間隔を空けています。少し待ってから再度お試しください。",
                        "Too many failed sign-ins to this account; wait a little and try again.",
                    ),
                },
            )?;
            if let Ok(value) = axum::http::HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        app::accounts::SignIn::Wrong => refuse(
            StatusCode::UNAUTHORIZED,
            t.s("メールアドレスまたはパスワードが正しくありません。", "Wrong e-mail address or password."),
        ),
        app::accounts::SignIn::SignedIn { user, session } => {
            let secure = state.config.secure_cookies;
            let session_cookie =
                set_cookie(SESSION_COOKIE, &session.token, Some(SESSION_LIFETIME_HOURS * 3600), false, secure);
            let device =
                state.config.signing_key.sign(&user.id.to_string(), now + Duration::days(DEVICE_LIFETIME_DAYS));
            let device_cookie = set_cookie(DEVICE_COOKIE, &device, Some(DEVICE_LIFETIME_DAYS * 86_400), true, secure);
            let next = if user.must_change_password { "/office/password" } else { crate::menu::home(user.role) };
            Ok(with_cookie(with_cookie(Redirect::to(next).into_response(), session_cookie), device_cookie))
        }
    }
}

#[derive(Template)]
#[template(path = "office/password.html")]
struct PasswordPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    forced: bool,
    problem: Option<String>,
    min_chars: usize,
}

/// The page to choose a new password (where a printed one-time password leads first).
pub async fn show_password(lang: Lang, StaffAccount(staff): StaffAccount) -> Result<Response, PageError> {
    password_page(lang.t, &staff, None, StatusCode::OK)
}

fn password_page(t: T, staff: &Staff, problem: Option<String>, status: StatusCode) -> Result<Response, PageError> {
    let page = PasswordPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        forced: staff.user.must_change_password,
        problem,
        min_chars: domain::password::MIN_CHARS,
    };
    html(status, &page)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    StaffAccount(staff): StaffAccount,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let problem = |error: &app::AppError| {
        crate::messages::for_error(error).map(|m| t.pick(&m.ja, &m.en).to_string()).unwrap_or_default()
    };
    let change = match app::accounts::PasswordChange::parse(
        &form.current_password,
        &form.new_password,
        &form.confirm_password,
        &staff.user.email,
    ) {
        Ok(change) => change,
        Err(invalid) => {
            return password_page(t, &staff, Some(problem(&invalid.into())), StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let now = state.clock.now();
    match app::accounts::change_own_password(&state.services, &actor, change, now).await {
        Ok(()) => {}
        Err(error @ (app::AppError::Refused(_) | app::AppError::Invalid(_))) => {
            return password_page(t, &staff, Some(problem(&error)), StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(other) => return Err(other.into()),
    }
    // Every session of the account ended with the change; this browser gets a fresh one.
    let lifetime = Duration::hours(SESSION_LIFETIME_HOURS);
    let session = store::accounts::create_session(&state.db, staff.user.id, ip.to_db(), lifetime, now).await?;
    let cookie = set_cookie(
        SESSION_COOKIE,
        &session.token,
        Some(SESSION_LIFETIME_HOURS * 3600),
        false,
        state.config.secure_cookies,
    );
    Ok(with_cookie(Redirect::to("/office/password/changed").into_response(), cookie))
}

#[derive(Template)]
#[template(path = "office/password_changed.html")]
struct PasswordChangedPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
}

pub async fn password_changed(lang: Lang, staff: Staff) -> Result<Response, PageError> {
    let page = PasswordChangedPage {
        t: lang.t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
    };
    html(StatusCode::OK, &page)
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

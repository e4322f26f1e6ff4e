//! Accounts as use cases: staff sign-in (throttled by `domain::sign_in`), choosing a new
//! password (forced after a printed one-time password), an administrator's password reset and
//! deactivation, and the company portal's one-time sign-in links.
//!
//! Passwords are hashed with argon2id (the crate's defaults: m=19 MiB, t=2, p=1) on a blocking
//! thread, never on the async runtime.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use chrono::{DateTime, Duration, Utc};
use domain::access::{Action, Role};
use domain::password::NewPassword;
use domain::refusal::Refusal;
use domain::sign_in::Throttled;
use store::accounts::{NewSession, UserRecord};
use uuid::Uuid;

use crate::{Actor, AppError, Invalid, Result, Services};

/// Hashes a password with argon2id.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default parameters").to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

async fn hash_blocking(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Store(store::StoreError::Unavailable(leak_join_error(e))))
}

/// Verifies against `hash`, or when there is none hashes anyway, so that an unknown account
/// takes as long as a wrong password.
async fn verify_blocking(hash: Option<String>, password: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_password(&hash, &password),
        None => {
            let _ = hash_password(&password);
            false
        }
    })
    .await
    .map_err(|e| AppError::Store(store::StoreError::Unavailable(leak_join_error(e))))
}

fn leak_join_error(error: tokio::task::JoinError) -> &'static str {
    if error.is_panic() { "password hashing panicked" } else { "password hashing was cancelled" }
}

/// A printed one-time password: 16 characters from an alphabet without look-alikes (no 0/O,
/// 1/l/I), about 92 bits. The next sign-in must replace it.
pub fn one_time_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// What a staff member typed on the sign-in page, and where from.
pub struct Credentials {
    pub email: String,
    pub password: String,
    pub ip: Option<String>,
    /// The account whose valid device cookie the browser carries (it signed in there before).
    pub device_of: Option<Uuid>,
}

pub enum SignIn {
    SignedIn {
        user: UserRecord,
        session: NewSession,
    },
    /// Wrong e-mail or password (the same answer for both), or a disabled account.
    Wrong,
    /// Refused before the password was looked at; not counted as a failure.
    Throttled(Throttled),
}

/// Signs a staff member in: the throttle first, then the password; records the attempt, and on
/// success opens a session of `lifetime` and writes the audit row.
pub async fn sign_in(
    services: &Services,
    credentials: Credentials,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<SignIn> {
    let db = &services.db;
    let email = domain::text::normalize(&credentials.email).to_lowercase();
    let since = now - Duration::minutes(domain::sign_in::WINDOW_MINUTES);
    let failures = store::accounts::recent_failures(db, &email, credentials.ip.as_deref(), since).await?;
    let user = store::accounts::find_user_by_email(db, &email).await?;
    let trusted_device = user.as_ref().is_some_and(|user| credentials.device_of == Some(user.id));
    if let Err(throttled) = domain::sign_in::check(failures, trusted_device, now) {
        tracing::info!(ip = ?credentials.ip, until = %throttled.until(), "sign-in throttled");
        return Ok(SignIn::Throttled(throttled));
    }
    let hash =
        user.as_ref().filter(|user| user.is_active && user.role.is_staff()).and_then(|u| u.password_hash.clone());
    let verified = verify_blocking(hash, credentials.password).await?;
    store::accounts::record_login_attempt(db, &email, credentials.ip.clone(), verified, now).await?;
    let (Some(user), true) = (user, verified) else {
        return Ok(SignIn::Wrong);
    };
    let session = store::accounts::create_session(db, user.id, credentials.ip.clone(), lifetime, now).await?;
    store::accounts::touch_login(db, user.id, now).await?;
    let actor = Actor::user(&user, crate::Via::Page, credentials.ip);
    store::audit::record(db, entry(&actor, "session.sign_in", user.id, serde_json::json!({})), now).await?;
    Ok(SignIn::SignedIn { user, session })
}

/// A password change as typed: the current password, the new one (checked against the rule)
/// and its confirmation. Its `Debug` shows no password.
pub struct PasswordChange {
    current: String,
    new: NewPassword,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange(…)")
    }
}

impl PasswordChange {
    pub fn parse(current: &str, new: &str, confirm: &str, email: &str) -> Result<PasswordChange, Invalid> {
        if new != confirm {
            return Err(Invalid::PasswordMismatch);
        }
        let new = NewPassword::parse(new, email).map_err(Invalid::Password)?;
        if new.expose() == current {
            return Err(Invalid::PasswordUnchanged);
        }
        Ok(PasswordChange { current: current.to_string(), new })
    }
}

/// A staff member replaces their own password (after a one-time password this is the first
/// thing they must do). Every session of the account ends, this one included: the caller
/// opens a fresh one. Audited in the same transaction.
pub async fn change_own_password(
    services: &Services,
    actor: &Actor,
    change: PasswordChange,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::ChangeOwnPassword)?;
    let user_id = actor.user_id().ok_or(AppError::Forbidden)?;
    let user = store::accounts::get_user(&services.db, user_id).await?;
    if !verify_blocking(user.password_hash.clone(), change.current.clone()).await? {
        return Err(Refusal::WrongPassword.into());
    }
    let hash = hash_blocking(change.new.expose().to_string()).await?;
    let tx = services.db.begin().await?;
    store::accounts::set_password_in(&tx, user_id, hash, false, now).await?;
    let ended = store::accounts::end_sessions_in(&tx, user_id).await?;
    store::audit::add(
        &tx,
        entry(actor, "user.password_changed", user_id, serde_json::json!({"sessions_ended": ended})),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator (or the operator at the command line) gives a staff user a new one-time
/// password, returned to be handed over; the user must replace it at the next sign-in, and
/// every session of the account ends.
pub async fn reset_password(services: &Services, actor: &Actor, user_id: Uuid, now: DateTime<Utc>) -> Result<String> {
    actor.require(Action::Administer)?;
    let user = store::accounts::get_user(&services.db, user_id).await?;
    if !user.role.is_staff() {
        return Err(AppError::Forbidden);
    }
    let password = one_time_password();
    let hash = hash_blocking(password.clone()).await?;
    let tx = services.db.begin().await?;
    store::accounts::set_password_in(&tx, user_id, hash, true, now).await?;
    let ended = store::accounts::end_sessions_in(&tx, user_id).await?;
    store::audit::add(
        &tx,
        entry(actor, "user.password_reset", user_id, serde_json::json!({"sessions_ended": ended})),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// An administrator disables an account: it can no longer sign in, and its sessions and API
/// tokens stop working at once. Nobody can disable themselves or the last active administrator.
pub async fn disable_user(services: &Services, actor: &Actor, user_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::Administer)?;
    if actor.user_id() == Some(user_id) {
        return Err(Refusal::CannotDisableSelf.into());
    }
    let tx = services.db.begin().await?;
    let user = store::accounts::get_user_in(&tx, user_id).await?;
    if !user.is_active {
        return Err(Refusal::AlreadyDisabled.into());
    }
    if user.role == Role::Administrator && store::accounts::count_active_administrators_in(&tx).await? <= 1 {
        return Err(Refusal::LastAdministrator.into());
    }
    store::accounts::disable_in(&tx, user_id, now).await?;
    let detail = serde_json::json!({"email": user.email, "role": user.role.code()});
    store::audit::add(&tx, entry(actor, "user.disable", user_id, detail), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a one-time portal sign-in link to every company user whose contact address is
/// `address` (none when it is unknown), each e-mail queued in the outbox with its audit row.
/// Called off the request path (`web::portal` answers before this runs), so a known and an
/// unknown address take the same time to answer.
pub async fn send_portal_links(
    services: &Services,
    address: &domain::text::EmailAddress,
    task: domain::portal::PortalTask,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<usize> {
    let db = &services.db;
    let links = store::portal::issue_links(db, address.as_str(), now).await?;
    for (token, user) in &links {
        let Some(application_id) = user.company_application_id else { continue };
        let application = store::applications::get(db, application_id).await?;
        let letter = crate::mail::letter(&services.mail, db, &application).await?;
        let email = crate::mail::portal_link(&letter, address.as_str(), &application.reference, token, task);
        let tx = db.begin().await?;
        store::outbox::add(&tx, &email, now).await?;
        let entry = store::audit::NewAuditEntry {
            actor: store::audit::Actor::Applicant,
            action: "portal.link_sent",
            subject_type: "application",
            subject_id: Some(application_id.to_string()),
            ip: ip.clone(),
            detail: serde_json::json!({}),
        };
        store::audit::add(&tx, entry, now).await?;
        tx.commit().await?;
    }
    Ok(links.len())
}

fn entry(actor: &Actor, action: &'static str, user_id: Uuid, detail: serde_json::Value) -> store::audit::NewAuditEntry {
    store::audit::NewAuditEntry {
        actor: actor.audit(),
        action,
        subject_type: "user",
        subject_id: Some(user_id.to_string()),
        ip: actor.ip(),
        detail,
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

    #[test]
    fn a_change_needs_a_matching_new_password_that_meets_the_rule_and_differs() {
        let parse = |current, new, confirm| PasswordChange::parse(current, new, confirm, "staff@example.jp");
        assert!(parse("old-one-time-pw", "kojo-Umbrella-47-Tide", "kojo-Umbrella-47-Tide").is_ok());
        assert_eq!(
            parse("x", "kojo-Umbrella-47-Tide", "kojo-Umbrella-47-tide").unwrap_err(),
            Invalid::PasswordMismatch
        );
        assert_eq!(
            parse("x", "password1234", "password1234").unwrap_err(),
            Invalid::Password(domain::password::PasswordProblem::Common)
        );
        assert_eq!(
            parse("kojo-Umbrella-47-Tide", "kojo-Umbrella-47-Tide", "kojo-Umbrella-47-Tide").unwrap_err(),
            Invalid::PasswordUnchanged
        );
        assert_eq!(
            format!("{:?}", parse("a", "kojo-Umbrella-47-Tide", "kojo-Umbrella-47-Tide").unwrap()),
            "PasswordChange(…)"
        );
    }

    #[test]
    fn one_time_passwords_are_long_and_unambiguous() {
        let password = one_time_password();
        assert_eq!(password.len(), 16);
        assert!(!password.contains(['0', 'O', '1', 'l', 'I']));
    }
}

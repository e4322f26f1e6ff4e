//! Users, server-side sessions and login attempts (for throttling).
//!
//! Session tokens and one-time secrets are stored only as SHA-256 digests: a copy of the
//! database does not let anyone sign in.

use chrono::{DateTime, Duration, Utc};
use domain::access::Role;
use domain::refusal::Refusal;
use domain::sign_in::Failures;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::{api_token, login_attempt, session, user};
use crate::{Db, Result, StoreError, random_token, sha256_hex};

#[derive(Clone, PartialEq)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub is_active: bool,
    pub company_application_id: Option<Uuid>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// A printed one-time password: the next sign-in must choose a new one first.
    pub must_change_password: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// When an administrator disabled the account (`is_active` is then false).
    pub disabled_at: Option<DateTime<Utc>>,
}

// The password hash stays out of logs.
impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord").field("id", &self.id).field("role", &self.role).finish_non_exhaustive()
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: Option<String>,
    pub company_application_id: Option<Uuid>,
    /// The password is a printed one-time password: the first sign-in must replace it.
    pub must_change_password: bool,
}

pub async fn create_user(db: &Db, new: NewUser<'_>, now: DateTime<Utc>) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let result = user::ActiveModel {
        id: Set(id),
        email: Set(new.email.trim().to_lowercase()),
        display_name: Set(new.display_name.to_string()),
        role: Set(new.role.code().to_string()),
        password_hash: Set(new.password_hash),
        is_active: Set(true),
        company_application_id: Set(new.company_application_id),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        must_change_password: Set(new.must_change_password),
        password_changed_at: Set(None),
        disabled_at: Set(None),
    }
    .insert(db.conn())
    .await;
    match result {
        Ok(_) => Ok(id),
        Err(error) if crate::is_unique_violation(&error, "users_email", "users.email") => {
            Err(StoreError::Refused(Refusal::UserEmailTaken))
        }
        Err(error) => Err(error.into()),
    }
}

/// Sets a user's password hash inside the caller's transaction. `one_time` marks a printed
/// password that the next sign-in must replace; a password the user chose records when.
pub async fn set_password_in(
    tx: &crate::Tx,
    user_id: Uuid,
    password_hash: String,
    one_time: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(user::Column::MustChangePassword, Expr::value(one_time))
        .col_expr(user::Column::PasswordChangedAt, Expr::value((!one_time).then_some(now)))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(tx.conn())
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Disables a user inside the caller's transaction: the account can no longer sign in, its
/// sessions end and its API tokens are revoked, at once. Returns false when it was already disabled.
pub async fn disable_in(tx: &crate::Tx, user_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::IsActive, Expr::value(false))
        .col_expr(user::Column::DisabledAt, Expr::value(now))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::IsActive.eq(true))
        .exec(tx.conn())
        .await?;
    end_sessions_in(tx, user_id).await?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(tx.conn())
        .await?;
    Ok(result.rows_affected == 1)
}

/// Ends every session of a user (after a password change or reset, or when it is disabled).
pub async fn end_sessions_in(tx: &crate::Tx, user_id: Uuid) -> Result<u64> {
    let result = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(tx.conn()).await?;
    Ok(result.rows_affected)
}

/// Active administrators, for the rule that the last one cannot be disabled.
pub async fn count_active_administrators_in(tx: &crate::Tx) -> Result<u64> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Administrator.code()))
        .filter(user::Column::IsActive.eq(true))
        .count(tx.conn())
        .await?)
}

/// A user read inside the caller's transaction.
pub async fn get_user_in(tx: &crate::Tx, id: Uuid) -> Result<UserRecord> {
    let model = user::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    user_record(model)
}

pub async fn find_user_by_email(db: &Db, email: &str) -> Result<Option<UserRecord>> {
    let model = user::Entity::find().filter(user::Column::Email.eq(email.trim().to_lowercase())).one(db.conn()).await?;
    model.map(user_record).transpose()
}

pub async fn get_user(db: &Db, id: Uuid) -> Result<UserRecord> {
    let model = user::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    user_record(model)
}

pub async fn count_users(db: &Db) -> Result<u64> {
    Ok(user::Entity::find().count(db.conn()).await?)
}

pub async fn list_users(db: &Db) -> Result<Vec<UserRecord>> {
    let models = user::Entity::find().order_by_asc(user::Column::Email).all(db.conn()).await?;
    models.into_iter().map(user_record).collect()
}

pub async fn touch_login(db: &Db, user_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(db.conn())
        .await?;
    Ok(())
}

fn user_record(model: user::Model) -> Result<UserRecord> {
    let role = Role::from_code(&model.role).ok_or_else(|| StoreError::Corrupt(format!("role {}", model.role)))?;
    Ok(UserRecord {
        id: model.id,
        email: model.email,
        display_name: model.display_name,
        role,
        password_hash: model.password_hash,
        is_active: model.is_active,
        company_application_id: model.company_application_id,
        last_login_at: model.last_login_at,
        must_change_password: model.must_change_password,
        password_changed_at: model.password_changed_at,
        disabled_at: model.disabled_at,
    })
}

/// A new session: the token goes into the cookie, the CSRF token into every form.
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

pub async fn create_session(
    db: &Db,
    user_id: Uuid,
    ip: Option<String>,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<NewSession> {
    let token = random_token(32);
    let csrf_token = random_token(32);
    session::ActiveModel {
        id: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token.clone()),
        ip: Set(ip),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
    }
    .insert(db.conn())
    .await?;
    Ok(NewSession { token, csrf_token })
}

/// The signed-in user behind a session token, if the session is live and the user active.
pub async fn session_user(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<(UserRecord, String)>> {
    let Some(session) = session::Entity::find_by_id(sha256_hex(token)).one(db.conn()).await? else {
        return Ok(None);
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    let user = get_user(db, session.user_id).await?;
    if !user.is_active {
        return Ok(None);
    }
    Ok(Some((user, session.csrf_token)))
}

pub async fn delete_session(db: &Db, token: &str) -> Result<()> {
    session::Entity::delete_by_id(sha256_hex(token)).exec(db.conn()).await?;
    Ok(())
}

pub async fn record_login_attempt(
    db: &Db,
    email: &str,
    ip: Option<String>,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    login_attempt::ActiveModel {
        email: Set(email.trim().to_lowercase()),
        ip: Set(ip),
        succeeded: Set(succeeded),
        attempted_at: Set(now),
        ..Default::default()
    }
    .insert(db.conn())
    .await?;
    Ok(())
}

/// Failed attempts since `since`: for this e-mail, from this address, and both.
pub async fn recent_failures(db: &Db, email: &str, ip: Option<&str>, since: DateTime<Utc>) -> Result<Failures> {
    let email = email.trim().to_lowercase();
    let failures = || {
        login_attempt::Entity::find()
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::AttemptedAt.gte(since))
    };
    let account = failures().filter(login_attempt::Column::Email.eq(email.as_str())).count(db.conn()).await?;
    let last_account_failure = failures()
        .filter(login_attempt::Column::Email.eq(email.as_str()))
        .order_by_desc(login_attempt::Column::AttemptedAt)
        .one(db.conn())
        .await?
        .map(|attempt| attempt.attempted_at);
    let (address, account_from_address) = match ip {
        Some(ip) => (
            failures().filter(login_attempt::Column::Ip.eq(ip)).count(db.conn()).await?,
            failures()
                .filter(login_attempt::Column::Ip.eq(ip))
                .filter(login_attempt::Column::Email.eq(email.as_str()))
                .count(db.conn())
                .await?,
        ),
        None => (0, 0),
    };
    Ok(Failures { account, address, account_from_address, last_account_failure })
}

/// Creates an API token for a staff user; the token is returned once, only its digest is kept.
pub async fn create_api_token(db: &Db, user_id: Uuid, name: &str, now: DateTime<Utc>) -> Result<String> {
    let user = get_user(db, user_id).await?;
    if !user.role.is_staff() {
        return Err(StoreError::Refused(Refusal::ApiTokenForStaffOnly));
    }
    let token = format!("kojo_{}", random_token(32));
    api_token::ActiveModel {
        id: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        name: Set(name.to_string()),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db.conn())
    .await?;
    Ok(token)
}

/// The active staff user behind an API token (and notes its use).
pub async fn api_token_user(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<UserRecord>> {
    let Some(model) = api_token::Entity::find_by_id(sha256_hex(token)).one(db.conn()).await? else {
        return Ok(None);
    };
    if model.revoked_at.is_some() {
        return Ok(None);
    }
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(model.id))
        .exec(db.conn())
        .await?;
    let user = get_user(db, model.user_id).await?;
    Ok((user.is_active && user.role.is_staff()).then_some(user))
}

/// Revokes every token of a user with this name.
pub async fn revoke_api_tokens(db: &Db, user_id: Uuid, name: &str, now: DateTime<Utc>) -> Result<u64> {
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::Name.eq(name))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected)
}

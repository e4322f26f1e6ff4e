//! The company portal's accounts: one company user per application (the contact's e-mail),
//! one-time sign-in links, and messages between the secretariat and the company.
//!
//! A link's token is stored only as its SHA-256, is valid for 30 minutes and works once.

use chrono::{DateTime, Duration, Utc};
use domain::access::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::accounts::{NewUser, UserRecord};
use crate::entities::{application, login_token, message, user};
use crate::{Db, Result, StoreError, random_token, sha256_hex};

pub const LINK_LIFETIME_MINUTES: i64 = 30;

/// The company user of an application, created on first need (the contact's e-mail).
pub async fn company_user(db: &Db, application_id: Uuid, now: DateTime<Utc>) -> Result<UserRecord> {
    if let Some(model) =
        user::Entity::find().filter(user::Column::CompanyApplicationId.eq(application_id)).one(db.conn()).await?
    {
        return crate::accounts::get_user(db, model.id).await;
    }
    let app = application::Entity::find_by_id(application_id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    // The contact's address may already belong to another company's user (one person helping two
    // companies): the portal account is per company, so its login e-mail is made unique.
    let email = if crate::accounts::find_user_by_email(db, &app.contact_email).await?.is_some() {
        format!("{}+{}", app.contact_email, app.reference.to_lowercase())
    } else {
        app.contact_email.clone()
    };
    let id = crate::accounts::create_user(
        db,
        NewUser {
            email: &email,
            display_name: &app.company_name,
            role: Role::Company,
            password_hash: None,
            company_application_id: Some(application_id),
            must_change_password: false,
        },
        now,
    )
    .await?;
    crate::accounts::get_user(db, id).await
}

/// Issues a one-time sign-in token for the company users whose contact e-mail is `email`.
/// Returns (token, user) pairs; empty when no application has that e-mail (the caller says the
/// same thing either way, so the page reveals nothing).
pub async fn issue_links(db: &Db, email: &str, now: DateTime<Utc>) -> Result<Vec<(String, UserRecord)>> {
    // Addresses are compared without regard to case: the applicant may have typed
    // `Sato@Example.jp` on the form and `sato@example.jp` here.
    let email = email.trim().to_lowercase();
    let applications = application::Entity::find()
        .filter(sea_orm::sea_query::ExprTrait::eq(
            sea_orm::sea_query::Func::lower(sea_orm::sea_query::Expr::col((
                application::Entity,
                application::Column::ContactEmail,
            ))),
            email.as_str(),
        ))
        .order_by_asc(application::Column::ReceivedAt)
        .all(db.conn())
        .await?;
    let mut out = Vec::new();
    for app in applications {
        let user = company_user(db, app.id, now).await?;
        out.push((issue_link(db, user.id, now).await?, user));
    }
    Ok(out)
}

/// A new one-time link for the user; the user's older unused links stop working.
pub async fn issue_link(db: &Db, user_id: Uuid, now: DateTime<Utc>) -> Result<String> {
    revoke_links(db, user_id, now).await?;
    let token = random_token(32);
    login_token::ActiveModel {
        id: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(LINK_LIFETIME_MINUTES)),
        used_at: Set(None),
    }
    .insert(db.conn())
    .await?;
    Ok(token)
}

/// Uses a sign-in link: the user, if the token is known, unexpired and unused (now used).
pub async fn redeem_link(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<UserRecord>> {
    let id = sha256_hex(token);
    // One conditional update: two clicks racing cannot both win.
    let result = login_token::Entity::update_many()
        .col_expr(login_token::Column::UsedAt, Expr::value(now))
        .filter(login_token::Column::Id.eq(id.as_str()))
        .filter(login_token::Column::UsedAt.is_null())
        .filter(login_token::Column::ExpiresAt.gt(now))
        .exec(db.conn())
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    let model = login_token::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    // Using a link retires every other link of that user.
    revoke_links(db, model.user_id, now).await?;
    let user = crate::accounts::get_user(db, model.user_id).await?;
    Ok(user.is_active.then_some(user))
}

/// Marks every unused link of the user as used.
async fn revoke_links(db: &Db, user_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    login_token::Entity::update_many()
        .col_expr(login_token::Column::UsedAt, Expr::value(now))
        .filter(login_token::Column::UserId.eq(user_id))
        .filter(login_token::Column::UsedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRecord {
    pub id: i64,
    pub author_label: String,
    pub from_company: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Posts a message on the case's portal page, inside the caller's transaction (with its audit
/// row and notice e-mail).
pub async fn post_message(
    tx: &crate::Tx,
    application_id: Uuid,
    author: Option<Uuid>,
    author_label: &str,
    from_company: bool,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    message::ActiveModel {
        application_id: Set(application_id),
        author_user_id: Set(author),
        author_label: Set(author_label.to_string()),
        from_company: Set(from_company),
        body: Set(body.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx.conn())
    .await?;
    Ok(())
}

pub async fn messages(db: &Db, application_id: Uuid) -> Result<Vec<MessageRecord>> {
    let models = message::Entity::find()
        .filter(message::Column::ApplicationId.eq(application_id))
        .order_by_asc(message::Column::Id)
        .all(db.conn())
        .await?;
    Ok(models
        .into_iter()
        .map(|m| MessageRecord {
            id: m.id,
            author_label: m.author_label,
            from_company: m.from_company,
            body: m.body,
            created_at: m.created_at,
        })
        .collect())
}

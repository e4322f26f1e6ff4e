//! The e-mail outbox: messages are written in the same transaction as the change they report,
//! and a worker delivers them later, so nothing is lost when the process dies.
//!
//! A claimed message is leased (its next attempt pushed into the future) rather than locked,
//! so a worker that dies mid-send leaves it to be retried when the lease runs out.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::outbox_message;
use crate::{Db, Result};

/// How long a claimed message stays with its worker before another may retry it.
const LEASE: Duration = Duration::minutes(5);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn enqueue(db: &Db, email: &OutgoingEmail) -> Result<Uuid> {
    enqueue_in(db.conn(), email).await
}

pub(crate) async fn enqueue_in(conn: &impl ConnectionTrait, email: &OutgoingEmail) -> Result<Uuid> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    outbox_message::ActiveModel {
        id: Set(id),
        to_address: Set(email.to.clone()),
        subject: Set(email.subject.clone()),
        body: Set(email.body.clone()),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Claims up to `limit` messages due at `now`, leasing each to the caller.
pub async fn claim_due(db: &Db, now: DateTime<Utc>, limit: u64) -> Result<Vec<OutboxMessage>> {
    let candidates = outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq("pending"))
        .filter(outbox_message::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox_message::Column::NextAttemptAt)
        .limit(limit)
        .all(db.conn())
        .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for model in candidates {
        // Only one worker wins the conditional update.
        let result = outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::NextAttemptAt, Expr::value(now + LEASE))
            .col_expr(outbox_message::Column::Attempts, Expr::value(model.attempts + 1))
            .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
            .filter(outbox_message::Column::Id.eq(model.id))
            .filter(outbox_message::Column::NextAttemptAt.eq(model.next_attempt_at))
            .filter(outbox_message::Column::Status.eq("pending"))
            .exec(db.conn())
            .await?;
        if result.rows_affected == 1 {
            let mut message = outbox_record(model);
            message.attempts += 1;
            claimed.push(message);
        }
    }
    Ok(claimed)
}

pub async fn mark_sent(db: &Db, id: Uuid) -> Result<()> {
    let now = Utc::now();
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Status, Expr::value("sent"))
        .col_expr(outbox_message::Column::SentAt, Expr::value(now))
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_message::Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up (`failed`) when `None`.
pub async fn mark_failed(db: &Db, id: Uuid, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
    let now = Utc::now();
    let mut update = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::LastError, Expr::value(error.chars().take(2000).collect::<String>()))
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now));
    update = match retry_at {
        Some(at) => update.col_expr(outbox_message::Column::NextAttemptAt, Expr::value(at)),
        None => update.col_expr(outbox_message::Column::Status, Expr::value("failed")),
    };
    update.filter(outbox_message::Column::Id.eq(id)).exec(db.conn()).await?;
    Ok(())
}

/// The newest messages, newest first (for staff and tests).
pub async fn recent(db: &Db, limit: u64) -> Result<Vec<OutboxMessage>> {
    let models = outbox_message::Entity::find()
        .order_by_desc(outbox_message::Column::CreatedAt)
        .limit(limit)
        .all(db.conn())
        .await?;
    Ok(models.into_iter().map(outbox_record).collect())
}

fn outbox_record(model: outbox_message::Model) -> OutboxMessage {
    OutboxMessage {
        id: model.id,
        to: model.to_address,
        subject: model.subject,
        body: model.body,
        status: model.status,
        attempts: model.attempts.max(0) as u32,
        last_error: model.last_error,
        created_at: model.created_at,
        sent_at: model.sent_at,
    }
}

//! The e-mail outbox: messages are written in the same transaction as the change they report,
//! and a worker delivers them later, so nothing is lost when the process dies.
//!
//! A claimed message is leased (its next attempt pushed into the future) rather than locked,
//! so a worker that dies mid-send leaves it to be retried when the lease runs out.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
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
    /// Files sent with the text (a calendar invitation, a QR code).
    pub attachments: Vec<Attachment>,
}

/// A file attached to an e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    /// The MIME type with its parameters, e.g. `text/calendar; charset=utf-8; method=REQUEST`.
    pub content_type: String,
    #[serde(with = "base64_bytes")]
    pub content: Vec<u8>,
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text.as_bytes()).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn enqueue(db: &Db, email: &OutgoingEmail, now: DateTime<Utc>) -> Result<Uuid> {
    enqueue_in(db.conn(), email, now).await
}

/// Queues `email` inside the caller's transaction: it is sent only if the change commits.
pub async fn add(tx: &crate::Tx, email: &OutgoingEmail, now: DateTime<Utc>) -> Result<Uuid> {
    enqueue_in(tx.conn(), email, now).await
}

pub(crate) async fn enqueue_in(conn: &impl ConnectionTrait, email: &OutgoingEmail, now: DateTime<Utc>) -> Result<Uuid> {
    let (id, model) = message_model(email, now);
    model.insert(conn).await?;
    Ok(id)
}

/// A pending message for `email`, due now, with its new id.
pub(crate) fn message_model(email: &OutgoingEmail, now: DateTime<Utc>) -> (Uuid, outbox_message::ActiveModel) {
    let id = Uuid::now_v7();
    let model = outbox_message::ActiveModel {
        id: Set(id),
        to_address: Set(email.to.clone()),
        subject: Set(email.subject.clone()),
        body: Set(email.body.clone()),
        attachments: Set((!email.attachments.is_empty())
            .then(|| serde_json::to_string(&email.attachments).expect("plain data serialises"))),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    (id, model)
}

/// Claims up to `limit` messages due at `now`, leasing each to the caller, in one write
/// transaction (PostgreSQL skips rows another worker is claiming at the same moment).
pub async fn claim_due(db: &Db, now: DateTime<Utc>, limit: u64) -> Result<Vec<OutboxMessage>> {
    let due = outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq("pending"))
        .filter(outbox_message::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox_message::Column::NextAttemptAt)
        .limit(limit);
    // Most polls find nothing: a plain read first keeps them off the write lock.
    if due.clone().one(db.conn()).await?.is_none() {
        return Ok(Vec::new());
    }
    let tx = db.begin_write().await?;
    let due = if db.is_sqlite() { due } else { due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked) };
    let candidates = due.all(&tx).await?;
    let ids: Vec<Uuid> = candidates.iter().map(|model| model.id).collect();
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::NextAttemptAt, Expr::value(now + LEASE))
        .col_expr(
            outbox_message::Column::Attempts,
            sea_orm::sea_query::ExprTrait::add(Expr::col(outbox_message::Column::Attempts), 1),
        )
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_message::Column::Id.is_in(ids))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(candidates
        .into_iter()
        .map(|model| {
            let mut message = outbox_record(model);
            message.attempts += 1;
            message
        })
        .collect())
}

/// Marks messages delivered, in one statement (the mailer calls it for each message right after
/// its delivery, so a crash re-sends at most the one in flight).
pub async fn mark_sent(db: &Db, ids: &[Uuid], now: DateTime<Utc>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Status, Expr::value("sent"))
        .col_expr(outbox_message::Column::SentAt, Expr::value(now))
        .col_expr(outbox_message::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_message::Column::Id.is_in(ids.iter().copied()))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up (`failed`) when `None`.
pub async fn mark_failed(
    db: &Db,
    id: Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
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

/// Messages waiting to be sent (pending, whether due or retrying later) and the time the oldest
/// of them was written, for the operator's metrics.
pub async fn backlog(db: &Db) -> Result<Backlog> {
    let pending = outbox_message::Entity::find().filter(outbox_message::Column::Status.eq("pending"));
    let count = pending.clone().count(db.conn()).await?;
    let oldest = pending.order_by_asc(outbox_message::Column::CreatedAt).one(db.conn()).await?.map(|m| m.created_at);
    let failed =
        outbox_message::Entity::find().filter(outbox_message::Column::Status.eq("failed")).count(db.conn()).await?;
    Ok(Backlog { pending: count, oldest_pending: oldest, failed })
}

/// The outbox as the metrics show it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backlog {
    pub pending: u64,
    pub oldest_pending: Option<DateTime<Utc>>,
    /// Given up after every attempt failed.
    pub failed: u64,
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
        // Written by `message_model`; unreadable only if edited by hand, then sent without.
        attachments: model.attachments.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default(),
        status: model.status,
        attempts: model.attempts.max(0) as u32,
        last_error: model.last_error,
        created_at: model.created_at,
        sent_at: model.sent_at,
    }
}

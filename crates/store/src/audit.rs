//! The append-only audit log: who read or changed which personal data, when, from where.
//!
//! There is no update or delete here, by design.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::audit_entry;
use crate::{Db, Result};

/// Who did it.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    /// Someone on the public site, not signed in.
    Applicant,
    /// A signed-in user, with a label kept as it was at the time.
    User { id: Uuid, label: String },
    /// Kojo itself (the worker, a command).
    System(&'static str),
}

#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub actor: Actor,
    pub action: &'static str,
    pub subject_type: &'static str,
    pub subject_id: Option<String>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<String>,
    pub ip: Option<String>,
    pub detail: String,
}

pub async fn record(db: &Db, entry: NewAuditEntry, now: DateTime<Utc>) -> Result<()> {
    record_in(db.conn(), entry, now).await
}

/// Records `entry` inside the caller's transaction: it commits with the change it describes, or
/// not at all.
pub async fn add(tx: &crate::Tx, entry: NewAuditEntry, now: DateTime<Utc>) -> Result<()> {
    record_in(tx.conn(), entry, now).await
}

pub(crate) async fn record_in(conn: &impl ConnectionTrait, entry: NewAuditEntry, now: DateTime<Utc>) -> Result<()> {
    entry_model(entry, now).insert(conn).await?;
    Ok(())
}

/// The row for `entry`, stamped now (the group commit inserts many at once).
pub(crate) fn entry_model(entry: NewAuditEntry, now: DateTime<Utc>) -> audit_entry::ActiveModel {
    let (actor_user_id, actor_label) = match entry.actor {
        Actor::Applicant => (None, "applicant".to_string()),
        Actor::User { id, label } => (Some(id), label),
        Actor::System(what) => (None, format!("system:{what}")),
    };
    audit_entry::ActiveModel {
        at: Set(now),
        actor_user_id: Set(actor_user_id),
        actor_label: Set(actor_label),
        action: Set(entry.action.to_string()),
        subject_type: Set(entry.subject_type.to_string()),
        subject_id: Set(entry.subject_id),
        ip: Set(entry.ip),
        detail: Set(entry.detail.to_string()),
        ..Default::default()
    }
}

/// Every entry about one subject, oldest first.
pub async fn for_subject(db: &Db, subject_type: &str, subject_id: &str) -> Result<Vec<AuditRecord>> {
    let models = audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectType.eq(subject_type))
        .filter(audit_entry::Column::SubjectId.eq(subject_id))
        .order_by_asc(audit_entry::Column::Id)
        .all(db.conn())
        .await?;
    Ok(models.into_iter().map(audit_record).collect())
}

/// The newest entries, newest first.
pub async fn recent(db: &Db, limit: u64) -> Result<Vec<AuditRecord>> {
    let models = audit_entry::Entity::find().order_by_desc(audit_entry::Column::Id).limit(limit).all(db.conn()).await?;
    Ok(models.into_iter().map(audit_record).collect())
}

fn audit_record(model: audit_entry::Model) -> AuditRecord {
    AuditRecord {
        id: model.id,
        at: model.at,
        actor_user_id: model.actor_user_id,
        actor_label: model.actor_label,
        action: model.action,
        subject_type: model.subject_type,
        subject_id: model.subject_id,
        ip: model.ip,
        detail: model.detail,
    }
}

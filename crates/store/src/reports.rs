//! Monthly UTM reports: generated as drafts (data snapshot + PDF), reviewed by staff (who may add
//! a comment, which re-renders it), then released to the company with an e-mail. A released
//! report never changes.

use chrono::{DateTime, Utc};
use domain::refusal::Refusal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, Actor, NewAuditEntry};
use crate::entities::monthly_report;
use crate::outbox::{self, OutgoingEmail};
use crate::{Db, Result, StoreError, sha256_hex_bytes};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRecord {
    pub id: Uuid,
    pub device_id: Uuid,
    pub application_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    pub data: serde_json::Value,
    pub pdf_sha256: String,
    /// `draft` or `released`.
    pub status: String,
    pub comment: Option<String>,
    pub generated_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
    pub released_by: Option<String>,
}

/// Stores (or replaces) the draft of a device's month. A released report is not replaced.
pub async fn save_draft(
    tx: &crate::Tx,
    device_id: Uuid,
    application_id: Uuid,
    month: &str,
    data: &serde_json::Value,
    pdf: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let tx = tx.conn();
    let existing = monthly_report::Entity::find()
        .filter(monthly_report::Column::DeviceId.eq(device_id))
        .filter(monthly_report::Column::Month.eq(month))
        .lock_exclusive()
        .one(tx)
        .await?;
    let id = match existing {
        Some(model) if model.status == "released" => {
            return Err(StoreError::Refused(Refusal::ReportReleasedCannotRegenerate(month.to_string())));
        }
        Some(model) => {
            let id = model.id;
            let mut update: monthly_report::ActiveModel = model.into();
            update.data = Set(data.to_string());
            update.pdf_sha256 = Set(sha256_hex_bytes(&pdf));
            update.pdf = Set(pdf);
            update.generated_at = Set(now);
            update.update(tx).await?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            monthly_report::ActiveModel {
                id: Set(id),
                device_id: Set(device_id),
                application_id: Set(application_id),
                month: Set(month.to_string()),
                data: Set(data.to_string()),
                pdf_sha256: Set(sha256_hex_bytes(&pdf)),
                pdf: Set(pdf),
                status: Set("draft".into()),
                comment: Set(None),
                generated_at: Set(now),
                released_at: Set(None),
                released_by: Set(None),
            }
            .insert(tx)
            .await?;
            id
        }
    };
    Ok(id)
}

/// Sets a draft's staff comment together with its re-rendered data and PDF.
pub async fn comment(
    tx: &crate::Tx,
    id: Uuid,
    comment: Option<String>,
    data: &serde_json::Value,
    pdf: Vec<u8>,
) -> Result<()> {
    let tx = tx.conn();
    let model = monthly_report::Entity::find_by_id(id).lock_exclusive().one(tx).await?.ok_or(StoreError::NotFound)?;
    if model.status == "released" {
        return Err(StoreError::Refused(Refusal::ReportReleased));
    }
    let mut update: monthly_report::ActiveModel = model.into();
    update.comment = Set(comment);
    update.data = Set(data.to_string());
    update.pdf_sha256 = Set(sha256_hex_bytes(&pdf));
    update.pdf = Set(pdf);
    update.update(tx).await?;
    Ok(())
}

/// Releases a draft to the company: visible in its portal, announced by `email` (same transaction).
pub async fn release(
    tx: &crate::Tx,
    id: Uuid,
    actor: Actor,
    ip: Option<String>,
    email: &OutgoingEmail,
    now: DateTime<Utc>,
) -> Result<()> {
    let tx = tx.conn();
    let model = monthly_report::Entity::find_by_id(id).lock_exclusive().one(tx).await?.ok_or(StoreError::NotFound)?;
    if model.status == "released" {
        return Err(StoreError::Refused(Refusal::ReportAlreadyReleased));
    }
    let application_id = model.application_id;
    let month = model.month.clone();
    let label = match &actor {
        Actor::User { label, .. } => label.clone(),
        Actor::System(what) => format!("system:{what}"),
        Actor::Applicant => "applicant".into(),
    };
    let mut update: monthly_report::ActiveModel = model.into();
    update.status = Set("released".into());
    update.released_at = Set(Some(now));
    update.released_by = Set(Some(label));
    update.update(tx).await?;
    outbox::enqueue_in(tx, email, now).await?;
    audit::record_in(
        tx,
        NewAuditEntry {
            actor,
            action: "report.release",
            subject_type: "application",
            subject_id: Some(application_id.to_string()),
            ip,
            detail: serde_json::json!({"report": id, "month": month}),
        },
        now,
    )
    .await?;
    Ok(())
}

pub async fn get(db: &Db, id: Uuid) -> Result<ReportRecord> {
    record(monthly_report::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?)
}

pub async fn pdf(db: &Db, id: Uuid) -> Result<(ReportRecord, Vec<u8>)> {
    let model = monthly_report::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    let bytes = model.pdf.clone();
    Ok((record(model)?, bytes))
}

/// Every report of a month (drafts and released), for staff review.
pub async fn for_month(db: &Db, month: &str) -> Result<Vec<ReportRecord>> {
    monthly_report::Entity::find()
        .filter(monthly_report::Column::Month.eq(month))
        .order_by_asc(monthly_report::Column::GeneratedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(record)
        .collect()
}

/// A company's released reports, newest month first.
pub async fn released_for_application(db: &Db, application_id: Uuid) -> Result<Vec<ReportRecord>> {
    monthly_report::Entity::find()
        .filter(monthly_report::Column::ApplicationId.eq(application_id))
        .filter(monthly_report::Column::Status.eq("released"))
        .order_by_desc(monthly_report::Column::Month)
        .all(db.conn())
        .await?
        .into_iter()
        .map(record)
        .collect()
}

fn record(model: monthly_report::Model) -> Result<ReportRecord> {
    Ok(ReportRecord {
        id: model.id,
        device_id: model.device_id,
        application_id: model.application_id,
        month: model.month,
        data: serde_json::from_str(&model.data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        pdf_sha256: model.pdf_sha256,
        status: model.status,
        comment: model.comment,
        generated_at: model.generated_at,
        released_at: model.released_at,
        released_by: model.released_by,
    })
}

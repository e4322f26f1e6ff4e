//! The participation agreement (参加同意書, STEP4–5): the wording per programme year (versioned),
//! each issued agreement with the exact data and PDF the company received, the electronically
//! signed re-issue, uploaded stamped scans, and the secretariat's confirmation.
//!
//! Invariant: an issued agreement keeps its own data snapshot and PDF bytes (with SHA-256); a
//! later change of wording adds a new version and never alters what was sent or signed.

use chrono::{DateTime, Duration, Utc};
use domain::calendar::BusinessCalendar;
use domain::case::CaseEvent;
use domain::refusal::{Refusal, UploadLimit};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::cases::{Act, Outcome};
use crate::entities::{agreement, agreement_text, agreement_upload};
use crate::{Db, Result, StoreError, sha256_hex_bytes};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wording {
    pub id: Uuid,
    pub version: i32,
    /// The wording as the documents crate serialises it.
    pub wording: serde_json::Value,
}

/// The newest wording of a programme year, if any was saved.
pub async fn wording(db: &Db, programme_id: Uuid) -> Result<Option<Wording>> {
    let model = agreement_text::Entity::find()
        .filter(agreement_text::Column::ProgrammeId.eq(programme_id))
        .order_by_desc(agreement_text::Column::Version)
        .one(db.conn())
        .await?;
    model
        .map(|m| {
            let wording = serde_json::from_str(&m.clauses).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(Wording { id: m.id, version: m.version, wording })
        })
        .transpose()
}

/// Saves a new version of a programme year's wording.
pub async fn save_wording(
    db: &Db,
    programme_id: Uuid,
    wording: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Wording> {
    let tx = db.begin().await?;
    let saved = save_wording_in(&tx, programme_id, wording, now).await?;
    tx.commit().await?;
    Ok(saved)
}

/// [`save_wording`] inside the caller's transaction.
pub async fn save_wording_in(
    tx: &crate::Tx,
    programme_id: Uuid,
    wording: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Wording> {
    let tx = tx.conn();
    let latest = agreement_text::Entity::find()
        .filter(agreement_text::Column::ProgrammeId.eq(programme_id))
        .order_by_desc(agreement_text::Column::Version)
        .lock_exclusive()
        .one(tx)
        .await?;
    let version = latest.map(|m| m.version + 1).unwrap_or(1);
    let id = Uuid::now_v7();
    agreement_text::ActiveModel {
        id: Set(id),
        programme_id: Set(programme_id),
        version: Set(version),
        clauses: Set(wording.to_string()),
        created_at: Set(now),
    }
    .insert(tx)
    .await?;
    Ok(Wording { id, version, wording: wording.clone() })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UploadRecord {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// A later upload replaced it; its bytes are gone, its digest stays.
    pub superseded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub wording_version: i32,
    /// The exact data the PDF was rendered from.
    pub data: serde_json::Value,
    pub pdf_sha256: String,
    /// `sent`, `signed` (electronically), `uploaded` (stamped scan), `confirmed`.
    pub status: String,
    pub sent_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    pub signer_names: Option<String>,
    pub signer_ip: Option<String>,
    pub signed_pdf_sha256: Option<String>,
    pub uploads: Vec<UploadRecord>,
}

/// Issues an agreement: stores its data and PDF and moves the case to 参加同意書送付済 (and
/// queues the e-mail in `act`), all in one transaction.
pub async fn issue(
    db: &Db,
    calendar: &BusinessCalendar,
    act: Act,
    wording_id: Uuid,
    data: &serde_json::Value,
    pdf: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<(Uuid, Outcome)> {
    let tx = db.begin_write().await?;
    let outcome = crate::cases::apply_in(&tx, calendar, &act, CaseEvent::SendAgreement, now).await?;
    let id = Uuid::now_v7();
    agreement::ActiveModel {
        id: Set(id),
        application_id: Set(act.application_id),
        agreement_text_id: Set(wording_id),
        data: Set(data.to_string()),
        pdf_sha256: Set(sha256_hex_bytes(&pdf)),
        pdf: Set(pdf),
        status: Set("sent".into()),
        sent_at: Set(now),
        signed_at: Set(None),
        signer_names: Set(None),
        signer_ip: Set(None),
        signed_pdf: Set(None),
        signed_pdf_sha256: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    Ok((id, outcome))
}

/// The most recently issued agreement of an application.
pub async fn latest(db: &Db, application_id: Uuid) -> Result<Option<AgreementRecord>> {
    let model = agreement::Entity::find()
        .filter(agreement::Column::ApplicationId.eq(application_id))
        .order_by_desc(agreement::Column::SentAt)
        .one(db.conn())
        .await?;
    match model {
        Some(model) => Ok(Some(record(db, model).await?)),
        None => Ok(None),
    }
}

/// The PDF as issued, and the signed re-issue when there is one (not found once reduced under
/// the retention schedule: the files are gone, their SHA-256 stays).
pub async fn pdfs(db: &Db, agreement_id: Uuid) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
    let model = agreement::Entity::find_by_id(agreement_id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    if model.pdf.is_empty() {
        return Err(StoreError::NotFound);
    }
    Ok((model.pdf, model.signed_pdf))
}

/// Records the electronic signature: who (typed names), when, from where, and the re-issued PDF
/// with its signature block, inside the caller's transaction. Only an agreement still waiting
/// (`sent`) can be signed.
pub async fn sign_in(
    tx: &crate::Tx,
    agreement_id: Uuid,
    signer_names: &str,
    ip: Option<String>,
    signed_pdf: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<()> {
    let model = agreement::Entity::find_by_id(agreement_id)
        .lock_exclusive()
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    if model.status != "sent" {
        return Err(StoreError::Refused(Refusal::AgreementAlreadySubmitted));
    }
    let mut update: agreement::ActiveModel = model.into();
    update.status = Set("signed".into());
    update.signed_at = Set(Some(now));
    update.signer_names = Set(Some(signer_names.to_string()));
    update.signer_ip = Set(ip);
    update.signed_pdf_sha256 = Set(Some(sha256_hex_bytes(&signed_pdf)));
    update.signed_pdf = Set(Some(signed_pdf));
    update.updated_at = Set(now);
    update.update(tx.conn()).await?;
    Ok(())
}

/// A stamped scan to store (already checked by the caller: type by content, size).
pub struct NewUpload<'a> {
    pub filename: &'a str,
    pub content_type: &'a str,
    pub bytes: Vec<u8>,
    pub ip: Option<String>,
}

/// What storing an upload did: its id and digest, and the earlier uploads it superseded.
#[derive(Debug, Clone, PartialEq)]
pub struct Uploaded {
    pub id: Uuid,
    pub size: u64,
    pub sha256: String,
    pub superseded: Vec<UploadRecord>,
}

/// Stores a stamped scan for the latest agreement of `application_id`, inside the caller's
/// transaction, after the caps (counted under the agreement's lock, so parallel uploads cannot
/// pass them together): at most `per_hour` uploads of the case within the hour before `now`,
/// `per_case` in all. Earlier uploads of the agreement are superseded: their bytes are dropped,
/// their name, size and digest stay (and the caller's audit row names them).
pub async fn upload_in(
    tx: &crate::Tx,
    application_id: Uuid,
    new: NewUpload<'_>,
    (per_hour, per_case): (u32, u32),
    now: DateTime<Utc>,
) -> Result<Uploaded> {
    let model = agreement::Entity::find()
        .filter(agreement::Column::ApplicationId.eq(application_id))
        .order_by_desc(agreement::Column::SentAt)
        .lock_exclusive()
        .one(tx.conn())
        .await?
        .ok_or(StoreError::Refused(Refusal::AgreementNotSent))?;
    if model.status == "confirmed" {
        return Err(StoreError::Refused(Refusal::AgreementAlreadyConfirmed));
    }
    let agreement_ids: Vec<Uuid> = agreement::Entity::find()
        .filter(agreement::Column::ApplicationId.eq(application_id))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let of_case =
        || agreement_upload::Entity::find().filter(agreement_upload::Column::AgreementId.is_in(agreement_ids.clone()));
    if of_case().count(tx.conn()).await? >= u64::from(per_case) {
        return Err(StoreError::Refused(Refusal::UploadLimit(UploadLimit::PerCase(per_case))));
    }
    let last_hour =
        of_case().filter(agreement_upload::Column::UploadedAt.gt(now - Duration::hours(1))).count(tx.conn()).await?;
    if last_hour >= u64::from(per_hour) {
        return Err(StoreError::Refused(Refusal::UploadLimit(UploadLimit::PerHour(per_hour))));
    }
    let superseded: Vec<UploadRecord> = of_case()
        .filter(agreement_upload::Column::SupersededAt.is_null())
        .order_by_asc(agreement_upload::Column::UploadedAt)
        .all(tx.conn())
        .await?
        .iter()
        .map(upload_record)
        .collect();
    if !superseded.is_empty() {
        agreement_upload::Entity::update_many()
            .col_expr(agreement_upload::Column::SupersededAt, Expr::value(now))
            .col_expr(agreement_upload::Column::Bytes, Expr::value(Vec::<u8>::new()))
            .filter(agreement_upload::Column::Id.is_in(superseded.iter().map(|u| u.id)))
            .exec(tx.conn())
            .await?;
    }
    let id = Uuid::now_v7();
    let size = new.bytes.len() as u64;
    let sha256 = sha256_hex_bytes(&new.bytes);
    agreement_upload::ActiveModel {
        id: Set(id),
        agreement_id: Set(model.id),
        filename: Set(new.filename.chars().take(200).collect()),
        content_type: Set(new.content_type.to_string()),
        size: Set(size as i64),
        sha256: Set(sha256.clone()),
        bytes: Set(new.bytes),
        uploaded_at: Set(now),
        uploaded_ip: Set(new.ip),
        superseded_at: Set(None),
    }
    .insert(tx.conn())
    .await?;
    if model.status == "sent" {
        let mut update: agreement::ActiveModel = model.into();
        update.status = Set("uploaded".into());
        update.updated_at = Set(now);
        update.update(tx.conn()).await?;
    }
    Ok(Uploaded { id, size, sha256, superseded })
}

/// An upload's bytes, with its agreement (for the caller's access check).
pub async fn upload_bytes(db: &Db, upload_id: Uuid) -> Result<(Uuid, UploadRecord, Vec<u8>)> {
    let model = agreement_upload::Entity::find_by_id(upload_id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    // Reduced under the retention schedule (a superseded scan's bytes are gone too, and it
    // answers as superseded).
    if model.bytes.is_empty() && model.superseded_at.is_none() {
        return Err(StoreError::NotFound);
    }
    let record = upload_record(&model);
    Ok((model.agreement_id, record, model.bytes))
}

/// The secretariat confirms receipt of a signed or uploaded agreement: 参加確定.
pub async fn confirm(
    db: &Db,
    calendar: &BusinessCalendar,
    act: Act,
    agreement_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let tx = db.begin_write().await?;
    let model =
        agreement::Entity::find_by_id(agreement_id).lock_exclusive().one(&tx).await?.ok_or(StoreError::NotFound)?;
    if model.application_id != act.application_id {
        return Err(StoreError::NotFound);
    }
    if !matches!(model.status.as_str(), "signed" | "uploaded") {
        return Err(StoreError::Refused(Refusal::AgreementNotSubmitted));
    }
    let outcome = crate::cases::apply_in(&tx, calendar, &act, CaseEvent::ConfirmAgreement, now).await?;
    let mut update: agreement::ActiveModel = model.into();
    update.status = Set("confirmed".into());
    update.updated_at = Set(now);
    update.update(&tx).await?;
    tx.commit().await?;
    Ok(outcome)
}

async fn record(db: &Db, model: agreement::Model) -> Result<AgreementRecord> {
    let version = agreement_text::Entity::find_by_id(model.agreement_text_id)
        .one(db.conn())
        .await?
        .map(|t| t.version)
        .unwrap_or(0);
    let uploads = agreement_upload::Entity::find()
        .filter(agreement_upload::Column::AgreementId.eq(model.id))
        .order_by_asc(agreement_upload::Column::UploadedAt)
        .all(db.conn())
        .await?;
    Ok(AgreementRecord {
        id: model.id,
        application_id: model.application_id,
        wording_version: version,
        data: serde_json::from_str(&model.data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        pdf_sha256: model.pdf_sha256,
        status: model.status,
        sent_at: model.sent_at,
        signed_at: model.signed_at,
        signer_names: model.signer_names,
        signer_ip: model.signer_ip,
        signed_pdf_sha256: model.signed_pdf_sha256,
        uploads: uploads.iter().map(upload_record).collect(),
    })
}

fn upload_record(model: &agreement_upload::Model) -> UploadRecord {
    UploadRecord {
        id: model.id,
        filename: model.filename.clone(),
        content_type: model.content_type.clone(),
        size: model.size.max(0) as u64,
        sha256: model.sha256.clone(),
        uploaded_at: model.uploaded_at,
        superseded_at: model.superseded_at,
    }
}

//! Course ② risk assessment: a company's asset register (each row's cells kept as JSON of
//! `domain::risk::Asset`, in the register's order), its measure check, and its report versions.
//! Rules (limits, evaluation, priorities) are in `domain::risk`; who may change what is
//! `app::risk`'s.

use chrono::{DateTime, Utc};
use domain::refusal::{Refusal, RiskRefusal};
use domain::risk::{Asset, CheckAnswer};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{risk_asset, risk_check, risk_report};
use crate::{Db, Result, StoreError, Tx};

/// One register row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub position: u32,
    pub asset: Asset,
    pub updated_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn asset(m: risk_asset::Model) -> Result<AssetRecord> {
    Ok(AssetRecord {
        asset: serde_json::from_str(&m.cells).map_err(|e| StoreError::Corrupt(format!("risk asset: {e}")))?,
        id: m.id,
        application_id: m.application_id,
        position: m.position.max(0) as u32,
        updated_by: m.updated_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn cells(asset: &Asset) -> String {
    serde_json::to_string(asset).expect("an asset serialises")
}

/// The company's register, in its order.
pub async fn assets(db: &Db, application_id: Uuid) -> Result<Vec<AssetRecord>> {
    risk_asset::Entity::find()
        .filter(risk_asset::Column::ApplicationId.eq(application_id))
        .order_by_asc(risk_asset::Column::Position)
        .all(db.conn())
        .await?
        .into_iter()
        .map(asset)
        .collect()
}

/// Every register of the programme, for the figures (no company's name travels with it).
pub async fn all_assets(db: &Db) -> Result<Vec<AssetRecord>> {
    risk_asset::Entity::find().all(db.conn()).await?.into_iter().map(asset).collect()
}

async fn lock_company(tx: &Tx, application_id: Uuid) -> Result<()> {
    crate::entities::application::Entity::find_by_id(application_id)
        .lock_exclusive()
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(())
}

/// Adds a row at the end of the register (at most `domain::risk::MAX_ASSETS`).
pub async fn add_asset(
    tx: &Tx,
    application_id: Uuid,
    row: &Asset,
    by: &str,
    now: DateTime<Utc>,
) -> Result<AssetRecord> {
    lock_company(tx, application_id).await?;
    let positions: Vec<i32> = risk_asset::Entity::find()
        .select_only()
        .column(risk_asset::Column::Position)
        .filter(risk_asset::Column::ApplicationId.eq(application_id))
        .into_tuple()
        .all(tx.conn())
        .await?;
    if positions.len() >= domain::risk::MAX_ASSETS {
        return Err(StoreError::Refused(Refusal::Risk(RiskRefusal::TooManyAssets(domain::risk::MAX_ASSETS))));
    }
    let model = risk_asset::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(application_id),
        position: Set(positions.iter().max().map_or(1, |p| p + 1)),
        cells: Set(cells(row)),
        updated_by: Set(by.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    asset(model)
}

async fn own_row(tx: &Tx, application_id: Uuid, id: Uuid) -> Result<risk_asset::Model> {
    risk_asset::Entity::find_by_id(id)
        .filter(risk_asset::Column::ApplicationId.eq(application_id))
        .lock_exclusive()
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)
}

/// Changes a row of the company's register; returns the row before and after.
pub async fn update_asset(
    tx: &Tx,
    application_id: Uuid,
    id: Uuid,
    row: &Asset,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(Asset, AssetRecord)> {
    let model = own_row(tx, application_id, id).await?;
    let before = asset(model.clone())?.asset;
    let mut active: risk_asset::ActiveModel = model.into();
    active.cells = Set(cells(row));
    active.updated_by = Set(by.to_string());
    active.updated_at = Set(now);
    Ok((before, asset(active.update(tx.conn()).await?)?))
}

/// Removes a row of the company's register; returns it.
pub async fn delete_asset(tx: &Tx, application_id: Uuid, id: Uuid) -> Result<Asset> {
    let model = own_row(tx, application_id, id).await?;
    let before = asset(model.clone())?.asset;
    risk_asset::Entity::delete_by_id(id).exec(tx.conn()).await?;
    Ok(before)
}

/// Replaces the whole register (an imported workbook), in the order given.
pub async fn replace_register(
    tx: &Tx,
    application_id: Uuid,
    rows: &[Asset],
    by: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    if rows.len() > domain::risk::MAX_ASSETS {
        return Err(StoreError::Refused(Refusal::Risk(RiskRefusal::TooManyAssets(domain::risk::MAX_ASSETS))));
    }
    lock_company(tx, application_id).await?;
    let removed = risk_asset::Entity::delete_many()
        .filter(risk_asset::Column::ApplicationId.eq(application_id))
        .exec(tx.conn())
        .await?
        .rows_affected;
    for (index, row) in rows.iter().enumerate() {
        risk_asset::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(application_id),
            position: Set(index as i32 + 1),
            cells: Set(cells(row)),
            updated_by: Set(by.to_string()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(tx.conn())
        .await?;
    }
    Ok(removed as usize)
}

/// The company's measure check, when answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRecord {
    pub check_set: String,
    pub answers: Vec<(u8, CheckAnswer)>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

pub async fn check(db: &Db, application_id: Uuid) -> Result<Option<CheckRecord>> {
    risk_check::Entity::find_by_id(application_id)
        .one(db.conn())
        .await?
        .map(|m| {
            Ok(CheckRecord {
                answers: serde_json::from_str(&m.answers)
                    .map_err(|e| StoreError::Corrupt(format!("risk check: {e}")))?,
                check_set: m.check_set,
                updated_by: m.updated_by,
                updated_at: m.updated_at,
            })
        })
        .transpose()
}

/// Saves the measure check's answers (replacing the earlier ones).
pub async fn save_check(
    tx: &Tx,
    application_id: Uuid,
    answers: &[(u8, CheckAnswer)],
    by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let model = risk_check::ActiveModel {
        application_id: Set(application_id),
        check_set: Set(domain::risk::CHECK_SET_VERSION.to_string()),
        answers: Set(serde_json::to_string(answers).expect("answers serialise")),
        updated_by: Set(by.to_string()),
        updated_at: Set(now),
    };
    risk_check::Entity::insert(model)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(risk_check::Column::ApplicationId)
                .update_columns([
                    risk_check::Column::CheckSet,
                    risk_check::Column::Answers,
                    risk_check::Column::UpdatedBy,
                    risk_check::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(tx.conn())
        .await?;
    Ok(())
}

/// A report version, without its PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub version: u32,
    /// `draft` or `released`.
    pub status: String,
    pub data: serde_json::Value,
    pub pdf_sha256: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub released_by: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

type ReportRow = (
    Uuid,
    Uuid,
    i32,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn report(
    (
        id,
        application_id,
        version,
        status,
        data,
        pdf_sha256,
        created_by,
        created_at,
        released_by,
        released_at,
        acknowledged_at,
    ): ReportRow,
) -> Result<ReportRecord> {
    Ok(ReportRecord {
        data: serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("risk report: {e}")))?,
        id,
        application_id,
        version: version.max(0) as u32,
        status,
        pdf_sha256,
        created_by,
        created_at,
        released_by,
        released_at,
        acknowledged_at,
    })
}

fn report_columns() -> [risk_report::Column; 11] {
    use risk_report::Column as C;
    [
        C::Id,
        C::ApplicationId,
        C::Version,
        C::Status,
        C::Data,
        C::PdfSha256,
        C::CreatedBy,
        C::CreatedAt,
        C::ReleasedBy,
        C::ReleasedAt,
        C::AcknowledgedAt,
    ]
}

/// The company's report versions, oldest first.
pub async fn reports(db: &Db, application_id: Uuid) -> Result<Vec<ReportRecord>> {
    risk_report::Entity::find()
        .select_only()
        .columns(report_columns())
        .filter(risk_report::Column::ApplicationId.eq(application_id))
        .order_by_asc(risk_report::Column::Version)
        .into_tuple::<ReportRow>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(report)
        .collect()
}

/// Every report version of the programme (without PDFs), for the board and the figures.
pub async fn all_reports(db: &Db) -> Result<Vec<ReportRecord>> {
    risk_report::Entity::find()
        .select_only()
        .columns(report_columns())
        .order_by_asc(risk_report::Column::Version)
        .into_tuple::<ReportRow>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(report)
        .collect()
}

/// A report's record and PDF.
pub async fn report_pdf(db: &Db, id: Uuid) -> Result<(ReportRecord, Vec<u8>)> {
    let m = risk_report::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    let pdf = m.pdf.clone();
    let record = report((
        m.id,
        m.application_id,
        m.version,
        m.status,
        m.data,
        m.pdf_sha256,
        m.created_by,
        m.created_at,
        m.released_by,
        m.released_at,
        m.acknowledged_at,
    ))?;
    Ok((record, pdf))
}

/// Saves a draft report: it replaces the open draft, or becomes the next version after the last
/// released one (released versions are never changed).
pub async fn save_draft(
    tx: &Tx,
    application_id: Uuid,
    data: &serde_json::Value,
    pdf: Vec<u8>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<ReportRecord> {
    lock_company(tx, application_id).await?;
    let latest = risk_report::Entity::find()
        .filter(risk_report::Column::ApplicationId.eq(application_id))
        .order_by_desc(risk_report::Column::Version)
        .one(tx.conn())
        .await?;
    let sha = crate::sha256_hex_bytes(&pdf);
    let id = match latest {
        Some(draft) if draft.status == "draft" => {
            let id = draft.id;
            let mut active: risk_report::ActiveModel = draft.into();
            active.data = Set(data.to_string());
            active.pdf = Set(pdf);
            active.pdf_sha256 = Set(sha);
            // The version keeps when it was first drafted (the results report counts a draft
            // from then); who drafted it last is recorded.
            active.created_by = Set(by.to_string());
            active.update(tx.conn()).await?;
            id
        }
        previous => {
            let id = Uuid::now_v7();
            risk_report::ActiveModel {
                id: Set(id),
                application_id: Set(application_id),
                version: Set(previous.map_or(1, |p| p.version + 1)),
                status: Set("draft".into()),
                data: Set(data.to_string()),
                pdf: Set(pdf),
                pdf_sha256: Set(sha),
                created_by: Set(by.to_string()),
                created_at: Set(now),
                released_by: Set(None),
                released_at: Set(None),
                acknowledged_at: Set(None),
            }
            .insert(tx.conn())
            .await?;
            id
        }
    };
    let m = risk_report::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    report((
        m.id,
        m.application_id,
        m.version,
        m.status,
        m.data,
        m.pdf_sha256,
        m.created_by,
        m.created_at,
        m.released_by,
        m.released_at,
        m.acknowledged_at,
    ))
}

/// Releases the company's draft report `id` to the company.
pub async fn release(tx: &Tx, application_id: Uuid, id: Uuid, by: &str, now: DateTime<Utc>) -> Result<u32> {
    let m = risk_report::Entity::find_by_id(id)
        .filter(risk_report::Column::ApplicationId.eq(application_id))
        .lock_exclusive()
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    if m.status != "draft" {
        return Err(StoreError::Refused(Refusal::Risk(RiskRefusal::ReportNotDraft)));
    }
    let version = m.version.max(0) as u32;
    let mut active: risk_report::ActiveModel = m.into();
    active.status = Set("released".into());
    active.released_by = Set(Some(by.to_string()));
    active.released_at = Set(Some(now));
    active.update(tx.conn()).await?;
    Ok(version)
}

/// The company acknowledges a released report of its own (once).
pub async fn acknowledge(tx: &Tx, application_id: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let done = risk_report::Entity::update_many()
        .col_expr(risk_report::Column::AcknowledgedAt, sea_orm::sea_query::Expr::value(now))
        .filter(risk_report::Column::Id.eq(id))
        .filter(risk_report::Column::ApplicationId.eq(application_id))
        .filter(risk_report::Column::Status.eq("released"))
        .filter(risk_report::Column::AcknowledgedAt.is_null())
        .exec(tx.conn())
        .await?;
    Ok(done.rows_affected == 1)
}

//! Reducing personal data when its time is up (`domain::retention`): the records not yet
//! reduced, and the reduction of one record with everything that repeats its personal data (the
//! survey invitations sent to it, the company's portal sign-in).
//!
//! Invariants: a reduced record keeps its id, reference, course, status, dates, industry, size
//! and ward or city, so the programme's figures do not change; reducing twice changes nothing.
//!
//! Must not: decide what is due (`domain::retention`, `app::retention`).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entities::{
    agreement, agreement_upload, application, case_event, programme, seminar, seminar_registration, user,
};
use crate::{Db, Result, StoreError, Tx};

/// What a reduced company name reads.
pub const REDUCED_NAME: &str = "（保存期間経過により削除）";

/// A record that still holds personal data: its id, its programme year, and for an application
/// whether the company took part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub id: Uuid,
    pub fiscal_year: i32,
    pub participant: bool,
}

async fn years(db: &Db) -> Result<std::collections::HashMap<Uuid, i32>> {
    Ok(programme::Entity::find().all(db.conn()).await?.into_iter().map(|p| (p.id, p.fiscal_year)).collect())
}

/// Applications not yet reduced. A company that was ever confirmed counts as a participant, also
/// when it later withdrew or was disqualified (its agreement and support records remain).
pub async fn applications(db: &Db) -> Result<Vec<Held>> {
    let years = years(db).await?;
    let confirmed = domain::case::CaseState::Confirmed.code();
    let ever_confirmed: std::collections::HashSet<Uuid> = case_event::Entity::find()
        .filter(case_event::Column::ToState.eq(confirmed))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|e| e.application_id)
        .collect();
    let rows =
        application::Entity::find().filter(application::Column::CompanyName.ne(REDUCED_NAME)).all(db.conn()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|a| {
            Some(Held {
                id: a.id,
                fiscal_year: *years.get(&a.programme_id)?,
                participant: a.status == confirmed || ever_confirmed.contains(&a.id),
            })
        })
        .collect())
}

/// Seminar registrations not yet reduced.
pub async fn registrations(db: &Db) -> Result<Vec<Held>> {
    let years = years(db).await?;
    let seminars: std::collections::HashMap<Uuid, Uuid> =
        seminar::Entity::find().all(db.conn()).await?.into_iter().map(|s| (s.id, s.programme_id)).collect();
    let rows = seminar_registration::Entity::find()
        .filter(seminar_registration::Column::CompanyName.ne(REDUCED_NAME))
        .all(db.conn())
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let programme = seminars.get(&r.seminar_id)?;
            Some(Held { id: r.id, fiscal_year: *years.get(programme)?, participant: false })
        })
        .collect())
}

/// Reduces application `id`: names, contact details, address below the ward or city, 法人番号,
/// the sender's address; its survey invitations' names and addresses; its participation
/// agreement's PDFs, signers and uploaded scans; its portal user can no longer sign in. Returns
/// whether anything was left to reduce.
pub async fn reduce_application(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let row = application::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if row.company_name == REDUCED_NAME {
        return Ok(false);
    }
    let address = domain::retention::reduced_address(&row.address);
    let mut active: application::ActiveModel = row.into();
    active.company_name = Set(REDUCED_NAME.into());
    active.company_name_kana = Set(String::new());
    active.corporate_number = Set(None);
    active.duplicate_key = Set(format!("reduced:{id}"));
    active.postal_code = Set(String::new());
    active.address = Set(address);
    active.representative_name = Set(String::new());
    active.representative_title = Set(None);
    active.contact_name = Set(String::new());
    active.contact_name_kana = Set(String::new());
    active.contact_department = Set(None);
    active.contact_email = Set(String::new());
    active.contact_phone = Set(String::new());
    active.source_ip = Set(None);
    active.updated_at = Set(now);
    active.update(tx.conn()).await?;
    crate::surveys::reduce_invitations(tx, Some(id), None).await?;
    // The participation agreement: the PDFs (they carry the names and the seals) and the
    // uploaded scans go; what was agreed when, and each file's SHA-256, stay.
    for row in agreement::Entity::find().filter(agreement::Column::ApplicationId.eq(id)).all(tx.conn()).await? {
        let agreement_id = row.id;
        let mut active: agreement::ActiveModel = row.into();
        active.data = Set("{}".into());
        active.pdf = Set(Vec::new());
        active.signed_pdf = Set(None);
        active.signer_names = Set(None);
        active.signer_ip = Set(None);
        active.updated_at = Set(now);
        active.update(tx.conn()).await?;
        let uploads = agreement_upload::Entity::find()
            .filter(agreement_upload::Column::AgreementId.eq(agreement_id))
            .all(tx.conn())
            .await?;
        for upload in uploads {
            let mut active: agreement_upload::ActiveModel = upload.into();
            active.bytes = Set(Vec::new());
            active.filename = Set("（削除済み）".into());
            active.uploaded_ip = Set(None);
            active.update(tx.conn()).await?;
        }
    }
    for user in user::Entity::find().filter(user::Column::CompanyApplicationId.eq(id)).all(tx.conn()).await? {
        let user_id = user.id;
        let mut active: user::ActiveModel = user.into();
        active.email = Set(format!("reduced-{user_id}@invalid"));
        active.display_name = Set(String::new());
        active.is_active = Set(false);
        active.disabled_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(tx.conn()).await?;
    }
    Ok(true)
}

/// Reduces seminar registration `id`: the person's and company's names, contact details, the
/// questions they wrote, the sender's address; and its survey invitations'.
pub async fn reduce_registration(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let row = seminar_registration::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if row.company_name == REDUCED_NAME {
        return Ok(false);
    }
    let mut active: seminar_registration::ActiveModel = row.into();
    active.company_name = Set(REDUCED_NAME.into());
    active.company_name_kana = Set(String::new());
    active.corporate_number = Set(None);
    active.person_name = Set(String::new());
    active.email = Set(String::new());
    active.phone = Set(String::new());
    active.questions = Set(None);
    active.source_ip = Set(None);
    // The management link stops working.
    active.manage_token_hash = Set(format!("reduced:{id}"));
    active.updated_at = Set(now);
    active.update(tx.conn()).await?;
    crate::surveys::reduce_invitations(tx, None, Some(id)).await?;
    Ok(true)
}

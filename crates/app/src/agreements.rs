//! The participation agreement (STEP4–5) as use cases: the year's wording (seeded on first use),
//! the document rendered from it, sending it (PDF stored, case moved, e-mail queued together) and
//! confirming receipt of the signed copy (参加確定).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use documents::agreement::{AgreementData, AgreementWording, ElectronicSignature};
use domain::access::Action;
use domain::case::CaseEvent;
use domain::refusal::Refusal;
use store::applications::ApplicationRecord;
use uuid::Uuid;

use crate::{Actor, AppError, Result, Services};

/// The programme year's wording, saving the seed's 令和5年度 text as version 1 on first use.
pub async fn wording(
    db: &store::Db,
    programme_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Uuid, AgreementWording)> {
    if let Some(saved) = store::agreements::wording(db, programme_id).await? {
        let wording = serde_json::from_value(saved.wording)
            .map_err(|e| AppError::Store(store::StoreError::Corrupt(format!("agreement wording: {e}"))))?;
        return Ok((saved.id, wording));
    }
    let programme = store::programmes::get(db, programme_id).await?;
    let mut seed = AgreementWording::seed_r5();
    let year = domain::wareki::format_fiscal_year(programme.fiscal_year);
    // The seed names its own year in the preamble too; other years start from it with their
    // year in both places (the rest is edited with `kojo agreement wording import`).
    seed.preamble = seed.preamble.replace("令和５年度", &year).into();
    seed.fiscal_year = year.into();
    let value = serde_json::to_value(&seed).expect("plain data");
    let saved = store::agreements::save_wording(db, programme_id, &value, now).await?;
    Ok((saved.id, seed))
}

/// The agreement PDF of the case with `reference` as the company has it: the signed re-issue
/// once signed, the PDF as sent otherwise, or (before sending) a fresh render of the current
/// wording. Used by `kojo agreement render` so support staff see exactly what the company saw.
pub async fn pdf_for_reference(
    db: &store::Db,
    font_dirs: &[std::path::PathBuf],
    reference: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    let record = store::applications::find_by_reference(db, reference)
        .await?
        .with_context(|| format!("no application {reference}"))?;
    if let Some(agreement) = store::agreements::latest(db, record.id).await? {
        let (original, signed) = store::agreements::pdfs(db, agreement.id).await?;
        return Ok(signed.unwrap_or(original));
    }
    let (_, wording) = wording(db, record.programme_id, now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let fonts = documents::pdf::Fonts::discover(font_dirs)?;
    Ok(documents::agreement::render_agreement(&fonts, &agreement_data(wording, &record, None, now))?)
}

pub fn agreement_data(
    wording: AgreementWording,
    record: &ApplicationRecord,
    signature: Option<ElectronicSignature>,
    now: chrono::DateTime<chrono::Utc>,
) -> AgreementData {
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    AgreementData {
        wording,
        reference: Some(record.reference.clone()),
        date: domain::wareki::format_date(today),
        company_name: record.company_name.clone(),
        company_address: format!("〒{} {}{}", record.postal_code, record.prefecture, record.address),
        representative_title: record.representative_title.clone().unwrap_or_default(),
        representative_name: record.representative_name.clone(),
        participant_name: record.contact_name.clone(),
        signature,
    }
}

/// Renders the agreement PDF off the async runtime (typst is CPU-bound).
pub async fn render(fonts: Arc<documents::pdf::Fonts>, data: AgreementData) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || documents::agreement::render_agreement(&fonts, &data))
        .await
        .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?
        .map_err(|e| Refusal::DocumentUnavailable(e.to_string()).into())
}

/// Sends the agreement of `case`: renders it from the year's wording, stores it, moves the case
/// to 参加同意書送付 and queues the e-mail, all or nothing.
pub async fn send(
    services: &Services,
    actor: &Actor,
    fonts: Arc<documents::pdf::Fonts>,
    case: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::WorkCase(CaseEvent::SendAgreement))?;
    let record = store::applications::get(&services.db, case).await?;
    let (wording_id, wording) = wording(&services.db, record.programme_id, now).await?;
    let data = agreement_data(wording, &record, None, now);
    let pdf = render(fonts, data.clone()).await?;
    let value = serde_json::to_value(&data).expect("plain data");
    let act = store::cases::Act {
        application_id: case,
        actor: actor.audit(),
        ip: actor.ip(),
        reason: None,
        email: Some(crate::mail::agreement_sent(&services.mail, &record)),
    };
    store::agreements::issue(&services.db, &services.calendar, act, wording_id, &value, pdf, now).await?;
    Ok(())
}

/// Confirms receipt of the latest signed or uploaded agreement of `case`: 参加確定, and the
/// company is told.
pub async fn confirm(services: &Services, actor: &Actor, case: Uuid, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::WorkCase(CaseEvent::ConfirmAgreement))?;
    let record = store::applications::get(&services.db, case).await?;
    let latest = store::agreements::latest(&services.db, case).await?.ok_or(Refusal::AgreementNotSent)?;
    let email = crate::mail::participation_confirmed(&services.mail, &record);
    let act = store::cases::Act {
        application_id: case,
        actor: actor.audit(),
        ip: actor.ip(),
        reason: None,
        email: Some(email),
    };
    store::agreements::confirm(&services.db, &services.calendar, act, latest.id, now).await?;
    Ok(())
}

/// At most this many stamped-scan uploads per case within an hour.
pub const MAX_UPLOADS_PER_HOUR: u32 = 3;
/// At most this many stamped-scan uploads per case in all.
pub const MAX_UPLOADS_PER_CASE: u32 = 10;

/// A stamped scan as the company sends it (type judged by content and size checked by the caller).
pub struct Upload {
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The company uploads the stamped scan of its own agreement. Capped per case and per hour; each
/// upload supersedes the earlier ones (their bytes are dropped, and the audit row of this upload
/// names them with their digests), so a case holds one scan however often it uploads.
pub async fn upload_own(services: &Services, actor: &Actor, upload: Upload, now: DateTime<Utc>) -> Result<Uuid> {
    let case = actor.own_case()?;
    let tx = services.db.begin().await?;
    let new = store::agreements::NewUpload {
        filename: &upload.filename,
        content_type: upload.content_type,
        bytes: upload.bytes,
        ip: actor.ip(),
    };
    let limits = (MAX_UPLOADS_PER_HOUR, MAX_UPLOADS_PER_CASE);
    let stored = store::agreements::upload_in(&tx, case, new, limits, now).await?;
    let superseded: Vec<serde_json::Value> = stored
        .superseded
        .iter()
        .map(|old| {
            serde_json::json!({"upload": old.id, "filename": old.filename, "size": old.size, "sha256": old.sha256,
                "uploaded_at": old.uploaded_at})
        })
        .collect();
    let entry = store::audit::NewAuditEntry {
        actor: actor.audit(),
        action: "agreement.upload",
        subject_type: "application",
        subject_id: Some(case.to_string()),
        ip: actor.ip(),
        detail: serde_json::json!({"upload": stored.id, "filename": upload.filename, "size": stored.size,
            "sha256": stored.sha256, "superseded": superseded}),
    };
    store::audit::add(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(stored.id)
}

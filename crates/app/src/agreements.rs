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
        email: Some(crate::mail::agreement_sent(
            &crate::mail::letter(&services.mail, &services.db, &record).await?,
            &record,
        )),
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
    let letter = crate::mail::letter(&services.mail, &services.db, &record).await?;
    let email = crate::mail::participation_confirmed(&letter, &record);
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

/// The longest signer name, in characters.
pub const MAX_SIGNER_CHARS: usize = 50;

/// The company's electronic signature as typed on the portal: the representative's and the
/// participant's names, and which clauses (by position in the wording) were ticked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing {
    representative: String,
    participant: String,
    agreed: std::collections::BTreeSet<usize>,
}

impl Signing {
    /// Reads the names (1 to [`MAX_SIGNER_CHARS`] characters each, as typed, without control
    /// characters) and the ticked clauses. Whether every clause is ticked is checked against the
    /// wording of the agreement being signed, in [`sign_own`].
    pub fn parse(
        representative: &str,
        participant: &str,
        agreed: impl IntoIterator<Item = usize>,
    ) -> std::result::Result<Signing, crate::Invalid> {
        use domain::text::{has_control, normalize, too_long};
        if [representative, participant].into_iter().any(has_control) {
            return Err(crate::Invalid::ControlCharacter);
        }
        if [representative, participant].into_iter().any(|name| too_long(name, MAX_SIGNER_CHARS)) {
            return Err(crate::Invalid::SignerNameTooLong);
        }
        let (representative, participant) = (normalize(representative), normalize(participant));
        if representative.is_empty() || participant.is_empty() {
            return Err(crate::Invalid::SignerNameMissing);
        }
        Ok(Signing { representative, participant, agreed: agreed.into_iter().collect() })
    }

    /// The names as stored with the signature.
    pub fn signer_names(&self) -> String {
        format!("代表者 {} / 参加者 {}", self.representative, self.participant)
    }
}

/// The company signs its own agreement electronically: every clause agreed, the agreement
/// re-issued with its signature block (names, Tokyo time in 和暦, address) on a blocking thread,
/// then the signature and its audit row written together. Only an agreement waiting for the
/// company (the case at 参加同意書送付, the agreement `sent`) can be signed.
pub async fn sign_own(
    services: &Services,
    actor: &Actor,
    fonts: Arc<documents::pdf::Fonts>,
    signing: Signing,
    now: DateTime<Utc>,
) -> Result<()> {
    let case = actor.own_case()?;
    let agreement = store::agreements::latest(&services.db, case).await?.ok_or(Refusal::AgreementNotSent)?;
    let record = store::applications::get(&services.db, case).await?;
    if record.status != domain::case::CaseState::AgreementSent || agreement.status != "sent" {
        return Err(Refusal::AgreementAlreadySubmitted.into());
    }
    let mut data: AgreementData = serde_json::from_value(agreement.data.clone())
        .map_err(|e| AppError::Store(store::StoreError::Corrupt(format!("agreement data: {e}"))))?;
    let clauses = data.wording.clauses.len();
    if (0..clauses).any(|i| !signing.agreed.contains(&i)) {
        return Err(crate::Invalid::ClausesNotAgreed.into());
    }
    let local = now.with_timezone(&chrono_tz::Asia::Tokyo);
    data.signature = Some(ElectronicSignature {
        signers: vec![
            documents::agreement::Signer { role: "代表者".into(), name: signing.representative.clone() },
            documents::agreement::Signer { role: "参加者".into(), name: signing.participant.clone() },
        ],
        signed_at: format!(
            "{} {}（日本時間）",
            domain::wareki::format_date(local.date_naive()),
            local.format("%H時%M分%S秒")
        ),
        ip_address: actor.ip().unwrap_or_else(|| "不明".into()),
        agreed_clauses: data.wording.clauses.iter().map(|clause| clause.heading.to_string()).collect(),
    });
    let signed_pdf = render(fonts, data).await?;
    let sha256 = store::sha256_hex_bytes(&signed_pdf);
    let signers = signing.signer_names();
    let tx = services.db.begin().await?;
    store::agreements::sign_in(&tx, agreement.id, &signers, actor.ip(), signed_pdf, now).await?;
    let detail = serde_json::json!({"agreement": agreement.id, "signers": signers, "signed_pdf_sha256": sha256,
        "clauses": clauses});
    actor.record(&tx, "agreement.sign", ("application", case), detail, now).await?;
    tx.commit().await?;
    Ok(())
}

/// At most this many stamped-scan uploads per case within an hour.
pub const MAX_UPLOADS_PER_HOUR: u32 = 3;
/// At most this many stamped-scan uploads per case in all.
pub const MAX_UPLOADS_PER_CASE: u32 = 10;

/// A file as `domain::upload::Upload::checked` took it.
pub use domain::upload::Upload;

/// The company uploads the stamped scan of its own agreement. Capped per case and per hour; each
/// upload supersedes the earlier ones (their bytes are dropped, and the audit row of this upload
/// names them with their digests), so a case holds one scan however often it uploads.
pub async fn upload_own(services: &Services, actor: &Actor, upload: Upload, now: DateTime<Utc>) -> Result<Uuid> {
    let case = actor.own_case()?;
    let filename = upload.filename().to_string();
    let tx = services.db.begin().await?;
    let new = store::agreements::NewUpload {
        filename: &filename,
        content_type: upload.content_type(),
        bytes: upload.into_bytes(),
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
    let detail = serde_json::json!({"upload": stored.id, "filename": filename, "size": stored.size,
        "sha256": stored.sha256, "superseded": superseded});
    actor.record(&tx, "agreement.upload", ("application", case), detail, now).await?;
    tx.commit().await?;
    Ok(stored.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Invalid;

    #[test]
    fn a_signature_needs_both_names_within_the_limit() {
        let signing = Signing::parse(" 山田　太郎 ", "佐藤 花子", [0, 1]).unwrap();
        assert_eq!(signing.signer_names(), "代表者 山田 太郎 / 参加者 佐藤 花子");
        assert_eq!(Signing::parse("", "佐藤", [0]), Err(Invalid::SignerNameMissing));
        assert_eq!(Signing::parse("山田", "　", [0]), Err(Invalid::SignerNameMissing));
        let long = "あ".repeat(MAX_SIGNER_CHARS + 1);
        assert_eq!(Signing::parse(&long, "佐藤", [0]), Err(Invalid::SignerNameTooLong));
        assert!(Signing::parse(&"あ".repeat(MAX_SIGNER_CHARS), "佐藤", [0]).is_ok());
        assert_eq!(Signing::parse("山田\u{0}", "佐藤", [0]), Err(Invalid::ControlCharacter));
    }
}

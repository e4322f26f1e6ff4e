//! Reducing personal data when its time is up (`domain::retention`): the records not yet
//! reduced, and the reduction of one record with everything that repeats its personal data (the
//! survey invitations sent to it, the company's portal sign-in).
//!
//! Invariants: a reduced record keeps its id, reference, course, status, dates, industry, size
//! and ward or city, so the programme's figures do not change; reducing twice changes nothing.
//!
//! Must not: decide what is due (`domain::retention`, `app::retention`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entities::{
    agreement, agreement_upload, application, case_event, contact, guidance_visit, guidance_visit_file,
    incident_attachment, incident_dispatch, incident_event, incident_ticket, login_attempt, login_token, message,
    outbox_message, programme, seminar, seminar_registration, session, user,
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
    reduce_support_records(tx, id, now).await?;
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

/// What a reduced free text reads.
pub const REDUCED_TEXT: &str = "（保存期間経過により削除）";

/// `notes` of a status check (stored as JSON) emptied; the rest of the check stays.
fn without_notes(check: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(check).ok()?;
    let object = value.as_object_mut()?;
    if object.get("notes").is_none_or(serde_json::Value::is_null) {
        return None;
    }
    object.insert("notes".into(), serde_json::Value::Null);
    Some(value.to_string())
}

/// The free texts and files of application `id`'s support that may name people: the portal's
/// messages and their company authors, contact notes, the timeline's reasons and the status
/// check's notes, the decision's reason, the incident desk's descriptions, threads, files,
/// company authors and visit reports, the guidance visits' attendees, notes and files, the case
/// studies (see `case_studies::reduce`), and the inquiries linked to it. What happened when
/// stays. Returns the rows changed: 0 when it was done before (it may be run again).
pub async fn reduce_support_records(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<u64> {
    let conn = tx.conn();
    let gone = "（削除済み）";
    let mut changed = 0;
    changed += message::Entity::update_many()
        .col_expr(message::Column::Body, Expr::value(REDUCED_TEXT))
        .filter(message::Column::ApplicationId.eq(id))
        .filter(message::Column::Body.ne(REDUCED_TEXT))
        .exec(conn)
        .await?
        .rows_affected;
    changed += message::Entity::update_many()
        .col_expr(message::Column::AuthorLabel, Expr::value(REDUCED_TEXT))
        .filter(message::Column::ApplicationId.eq(id))
        .filter(message::Column::FromCompany.eq(true))
        .filter(message::Column::AuthorLabel.ne(REDUCED_TEXT))
        .exec(conn)
        .await?
        .rows_affected;
    changed += contact::Entity::update_many()
        .col_expr(contact::Column::Summary, Expr::value(REDUCED_TEXT))
        .filter(contact::Column::ApplicationId.eq(id))
        .filter(contact::Column::Summary.ne(REDUCED_TEXT))
        .exec(conn)
        .await?
        .rows_affected;
    for event in case_event::Entity::find().filter(case_event::Column::ApplicationId.eq(id)).all(conn).await? {
        let detail = serde_json::from_str::<serde_json::Value>(&event.detail).ok().and_then(|mut detail| {
            let check = detail.get("check")?.to_string();
            detail["check"] = serde_json::from_str(&without_notes(&check)?).ok()?;
            Some(detail.to_string())
        });
        if event.reason.is_none() && detail.is_none() {
            continue;
        }
        let mut active: case_event::ActiveModel = event.into();
        active.reason = Set(None);
        if let Some(detail) = detail {
            active.detail = Set(detail);
        }
        active.update(conn).await?;
        changed += 1;
    }
    let row = application::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    let check = row.status_check.as_deref().and_then(without_notes);
    if check.is_some() || row.decision_reason.is_some() {
        let mut active: application::ActiveModel = row.into();
        if let Some(check) = check {
            active.status_check = Set(Some(check));
        }
        active.decision_reason = Set(None);
        active.update(conn).await?;
        changed += 1;
    }
    let tickets: Vec<Uuid> = incident_ticket::Entity::find()
        .filter(incident_ticket::Column::ApplicationId.eq(id))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if !tickets.is_empty() {
        changed += incident_ticket::Entity::update_many()
            .col_expr(incident_ticket::Column::Description, Expr::value(REDUCED_TEXT))
            .col_expr(incident_ticket::Column::OpenedByLabel, Expr::value(REDUCED_TEXT))
            .filter(incident_ticket::Column::Id.is_in(tickets.clone()))
            .filter(
                sea_orm::Condition::any()
                    .add(incident_ticket::Column::Description.ne(REDUCED_TEXT))
                    .add(incident_ticket::Column::OpenedByLabel.ne(REDUCED_TEXT)),
            )
            .exec(conn)
            .await?
            .rows_affected;
        changed += incident_event::Entity::update_many()
            .col_expr(incident_event::Column::Body, Expr::value(REDUCED_TEXT))
            .filter(incident_event::Column::TicketId.is_in(tickets.clone()))
            .filter(incident_event::Column::Body.ne(""))
            .filter(incident_event::Column::Body.ne(REDUCED_TEXT))
            .exec(conn)
            .await?
            .rows_affected;
        changed += incident_event::Entity::update_many()
            .col_expr(incident_event::Column::AuthorLabel, Expr::value(REDUCED_TEXT))
            .filter(incident_event::Column::TicketId.is_in(tickets.clone()))
            .filter(incident_event::Column::AuthorIsCompany.eq(true))
            .filter(incident_event::Column::AuthorLabel.ne(REDUCED_TEXT))
            .exec(conn)
            .await?
            .rows_affected;
        changed += incident_attachment::Entity::update_many()
            .col_expr(incident_attachment::Column::Bytes, Expr::value(Vec::<u8>::new()))
            .col_expr(incident_attachment::Column::Filename, Expr::value(gone))
            .col_expr(incident_attachment::Column::UploadedByLabel, Expr::value(REDUCED_TEXT))
            .filter(incident_attachment::Column::TicketId.is_in(tickets))
            .filter(
                sea_orm::Condition::any()
                    .add(incident_attachment::Column::Filename.ne(gone))
                    .add(incident_attachment::Column::UploadedByLabel.ne(REDUCED_TEXT)),
            )
            .exec(conn)
            .await?
            .rows_affected;
    }
    changed += incident_dispatch::Entity::update_many()
        .col_expr(incident_dispatch::Column::SignedOffBy, Expr::value(Option::<String>::None))
        .col_expr(incident_dispatch::Column::WorkDone, Expr::value(Option::<String>::None))
        .col_expr(incident_dispatch::Column::Outcome, Expr::value(Option::<String>::None))
        .filter(incident_dispatch::Column::ApplicationId.eq(id))
        .filter(
            sea_orm::Condition::any()
                .add(incident_dispatch::Column::SignedOffBy.is_not_null())
                .add(incident_dispatch::Column::WorkDone.is_not_null())
                .add(incident_dispatch::Column::Outcome.is_not_null()),
        )
        .exec(conn)
        .await?
        .rows_affected;
    changed += guidance_visit::Entity::update_many()
        .col_expr(guidance_visit::Column::Attendees, Expr::value(Option::<String>::None))
        .col_expr(guidance_visit::Column::Topics, Expr::value(Option::<String>::None))
        .col_expr(guidance_visit::Column::Findings, Expr::value(Option::<String>::None))
        .col_expr(guidance_visit::Column::NextSteps, Expr::value(Option::<String>::None))
        .filter(guidance_visit::Column::ApplicationId.eq(id))
        .filter(
            sea_orm::Condition::any()
                .add(guidance_visit::Column::Attendees.is_not_null())
                .add(guidance_visit::Column::Topics.is_not_null())
                .add(guidance_visit::Column::Findings.is_not_null())
                .add(guidance_visit::Column::NextSteps.is_not_null()),
        )
        .exec(conn)
        .await?
        .rows_affected;
    changed += guidance_visit_file::Entity::update_many()
        .col_expr(guidance_visit_file::Column::Bytes, Expr::value(Vec::<u8>::new()))
        .col_expr(guidance_visit_file::Column::Filename, Expr::value(gone))
        .col_expr(guidance_visit_file::Column::UploadedByLabel, Expr::value(REDUCED_TEXT))
        .filter(guidance_visit_file::Column::ApplicationId.eq(id))
        .filter(
            sea_orm::Condition::any()
                .add(guidance_visit_file::Column::Filename.ne(gone))
                .add(guidance_visit_file::Column::UploadedByLabel.ne(REDUCED_TEXT)),
        )
        .exec(conn)
        .await?
        .rows_affected;
    changed += crate::case_studies::reduce(tx, id, now).await?;
    for inquiry in crate::inquiries::linked_to(tx, id).await? {
        changed += u64::from(crate::inquiries::reduce(tx, inquiry, now).await?);
    }
    Ok(changed)
}

/// Applications reduced already (by an earlier version, before their support records were
/// covered): `reduce_support_records` finishes them.
pub async fn reduced_applications(db: &Db) -> Result<Vec<Uuid>> {
    use sea_orm::QuerySelect;
    Ok(application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .filter(application::Column::CompanyName.eq(REDUCED_NAME))
        .into_tuple()
        .all(db.conn())
        .await?)
}

/// Sign-in records older than `before`: attempts (e-mail and IP addresses), and sessions and
/// one-time links that expired before it. Returns how many rows.
pub async fn sign_ins_before(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    Ok(login_attempt::Entity::find().filter(login_attempt::Column::AttemptedAt.lt(before)).count(db.conn()).await?
        + session::Entity::find().filter(session::Column::ExpiresAt.lt(before)).count(db.conn()).await?
        + login_token::Entity::find().filter(login_token::Column::ExpiresAt.lt(before)).count(db.conn()).await?)
}

/// Deletes what [`sign_ins_before`] counts.
pub async fn delete_sign_ins(tx: &Tx, before: DateTime<Utc>) -> Result<u64> {
    let conn = tx.conn();
    let attempts =
        login_attempt::Entity::delete_many().filter(login_attempt::Column::AttemptedAt.lt(before)).exec(conn).await?;
    let sessions = session::Entity::delete_many().filter(session::Column::ExpiresAt.lt(before)).exec(conn).await?;
    let links = login_token::Entity::delete_many().filter(login_token::Column::ExpiresAt.lt(before)).exec(conn).await?;
    Ok(attempts.rows_affected + sessions.rows_affected + links.rows_affected)
}

fn old_mail(before: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(outbox_message::Column::CreatedAt.lt(before))
        .add(outbox_message::Column::Status.ne("pending"))
        .add(
            sea_orm::Condition::any()
                .add(outbox_message::Column::Body.ne(REDUCED_TEXT))
                .add(outbox_message::Column::Subject.ne(REDUCED_TEXT))
                .add(outbox_message::Column::LastError.is_not_null()),
        )
}

/// E-mails sent (or given up) and written before `before` whose text is still kept.
pub async fn mail_before(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    Ok(outbox_message::Entity::find().filter(old_mail(before)).count(db.conn()).await?)
}

/// Reduces what [`mail_before`] counts: the address, the subject (it may name the company), the
/// text, the attachments and the last error (it may quote the address) go; status and dates stay.
pub async fn reduce_mail(tx: &Tx, before: DateTime<Utc>) -> Result<u64> {
    let done = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::ToAddress, Expr::value("reduced@invalid"))
        .col_expr(outbox_message::Column::Subject, Expr::value(REDUCED_TEXT))
        .col_expr(outbox_message::Column::Body, Expr::value(REDUCED_TEXT))
        .col_expr(outbox_message::Column::Attachments, Expr::value(Option::<String>::None))
        .col_expr(outbox_message::Column::LastError, Expr::value(Option::<String>::None))
        .filter(old_mail(before))
        .exec(tx.conn())
        .await?;
    Ok(done.rows_affected)
}

/// Inquiries not yet reduced that no application holds (those linked to one go with it).
pub async fn inquiries(db: &Db) -> Result<Vec<Held>> {
    crate::inquiries::unreduced_unlinked(db).await
}

/// Reduces inquiry `id` (see `inquiries::reduce`).
pub async fn reduce_inquiry(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    crate::inquiries::reduce(tx, id, now).await
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

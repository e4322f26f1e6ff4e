//! Surveys: the survey with its status, every version of its definition (the TOML text as
//! written), the invitations (one per survey and respondent, holding the answers saved so far
//! and when they were submitted) and the links e-mailed for them, kept as SHA-256 hashes.
//!
//! Invariants: a version that was sent (`sent_at`) never changes — a later edit writes the next
//! version —; an invitation keeps the version it was sent with; one invitation per survey and
//! recipient (`ux_survey_invitations_recipient`).
//!
//! Must not: check a definition or answers (`domain::survey`), or decide who is invited (`app`).

use chrono::{DateTime, Utc};
use domain::survey::{Moment, Status};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::{Db, Result, StoreError, Tx};

pub(crate) mod survey {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "surveys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub fiscal_year: i32,
        pub moment: String,
        pub title_ja: String,
        pub title_en: String,
        pub status: String,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub opened_at: Option<DateTimeUtc>,
        pub closed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "survey_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub survey_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub source: String,
        pub saved_by: Option<Uuid>,
        pub saved_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod invitation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "survey_invitations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub survey_id: Uuid,
        pub version: i32,
        pub recipient: String,
        pub application_id: Option<Uuid>,
        pub registration_id: Option<Uuid>,
        pub email: String,
        pub name: String,
        pub company_name: String,
        pub english: bool,
        pub invited_at: DateTimeUtc,
        pub reminders: i32,
        pub reminded_at: Option<DateTimeUtc>,
        pub nudged_at: Option<DateTimeUtc>,
        pub answers: String,
        pub started_at: Option<DateTimeUtc>,
        pub submitted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod link {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "survey_links")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub invitation_id: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A survey as its pages show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyRecord {
    pub id: Uuid,
    pub fiscal_year: i32,
    pub moment: Moment,
    pub title_ja: String,
    pub title_en: String,
    pub status: Status,
    /// The newest version of its definition.
    pub version: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

fn to_u32(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn record(m: survey::Model) -> Result<SurveyRecord> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("survey {}: {what}", m.id));
    Ok(SurveyRecord {
        moment: Moment::from_code(&m.moment).ok_or_else(|| corrupt("moment"))?,
        status: Status::from_code(&m.status).ok_or_else(|| corrupt("status"))?,
        id: m.id,
        fiscal_year: m.fiscal_year,
        title_ja: m.title_ja,
        title_en: m.title_en,
        version: to_u32(m.version),
        created_at: m.created_at,
        updated_at: m.updated_at,
        opened_at: m.opened_at,
        closed_at: m.closed_at,
    })
}

/// One version of a survey's definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionRecord {
    pub version: u32,
    pub source: String,
    pub saved_by: Option<Uuid>,
    pub saved_at: DateTime<Utc>,
    /// When invitations first went out with it; from then on it never changes.
    pub sent_at: Option<DateTime<Utc>>,
}

/// One respondent's invitation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvitationRecord {
    pub id: Uuid,
    pub survey_id: Uuid,
    /// The definition's version it was sent with (and is answered against).
    pub version: u32,
    /// `application:ID` or `registration:ID`: who it is for, once per survey.
    pub recipient: String,
    pub application_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    pub email: String,
    pub name: String,
    pub company_name: String,
    pub english: bool,
    pub invited_at: DateTime<Utc>,
    /// Scheduled reminders sent (`domain::survey::REMINDER_DAYS`).
    pub reminders: u32,
    pub reminded_at: Option<DateTime<Utc>>,
    pub nudged_at: Option<DateTime<Utc>>,
    /// The answers saved so far (JSON by question key).
    pub answers: serde_json::Value,
    pub started_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}

fn invitation_record(m: invitation::Model) -> InvitationRecord {
    InvitationRecord {
        answers: serde_json::from_str(&m.answers).unwrap_or(serde_json::Value::Null),
        id: m.id,
        survey_id: m.survey_id,
        version: to_u32(m.version),
        recipient: m.recipient,
        application_id: m.application_id,
        registration_id: m.registration_id,
        email: m.email,
        name: m.name,
        company_name: m.company_name,
        english: m.english,
        invited_at: m.invited_at,
        reminders: to_u32(m.reminders),
        reminded_at: m.reminded_at,
        nudged_at: m.nudged_at,
        started_at: m.started_at,
        submitted_at: m.submitted_at,
    }
}

/// A new survey with its first version.
#[derive(Debug, Clone)]
pub struct NewSurvey<'a> {
    pub fiscal_year: i32,
    pub moment: Moment,
    pub title_ja: &'a str,
    pub title_en: &'a str,
    pub source: &'a str,
}

pub async fn create(tx: &Tx, new: &NewSurvey<'_>, by: Option<Uuid>, now: DateTime<Utc>) -> Result<SurveyRecord> {
    let id = Uuid::now_v7();
    let model = survey::ActiveModel {
        id: Set(id),
        fiscal_year: Set(new.fiscal_year),
        moment: Set(new.moment.code().into()),
        title_ja: Set(new.title_ja.into()),
        title_en: Set(new.title_en.into()),
        status: Set(Status::Draft.code().into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        opened_at: Set(None),
        closed_at: Set(None),
    }
    .insert(tx.conn())
    .await?;
    version::ActiveModel {
        survey_id: Set(id),
        version: Set(1),
        source: Set(new.source.into()),
        saved_by: Set(by),
        saved_at: Set(now),
        sent_at: Set(None),
    }
    .insert(tx.conn())
    .await?;
    record(model)
}

pub async fn get(db: &Db, id: Uuid) -> Result<SurveyRecord> {
    record(survey::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?)
}

/// Survey `id`, its row locked for the rest of `tx`.
pub async fn lock(tx: &Tx, id: Uuid) -> Result<SurveyRecord> {
    record(survey::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?)
}

/// The surveys of `fiscal_year` (every year when `None`), newest first.
pub async fn list(db: &Db, fiscal_year: Option<i32>) -> Result<Vec<SurveyRecord>> {
    let mut query = survey::Entity::find().order_by_desc(survey::Column::CreatedAt).order_by_desc(survey::Column::Id);
    if let Some(year) = fiscal_year {
        query = query.filter(survey::Column::FiscalYear.eq(year));
    }
    query.all(db.conn()).await?.into_iter().map(record).collect()
}

/// The open surveys, oldest first.
pub async fn open_surveys(db: &Db) -> Result<Vec<SurveyRecord>> {
    survey::Entity::find()
        .filter(survey::Column::Status.eq(Status::Open.code()))
        .order_by_asc(survey::Column::CreatedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(record)
        .collect()
}

/// Saves a definition's text and titles: over the newest version while it was never sent,
/// else as the next version. Returns the version written.
pub async fn save_definition(
    tx: &Tx,
    id: Uuid,
    titles: (&str, &str),
    source: &str,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u32> {
    let current = survey::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let newest =
        version::Entity::find_by_id((id, current.version)).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let number = if newest.sent_at.is_none() {
        let mut row: version::ActiveModel = newest.into();
        row.source = Set(source.into());
        row.saved_by = Set(by);
        row.saved_at = Set(now);
        row.update(tx.conn()).await?;
        current.version
    } else {
        let next = current.version + 1;
        version::ActiveModel {
            survey_id: Set(id),
            version: Set(next),
            source: Set(source.into()),
            saved_by: Set(by),
            saved_at: Set(now),
            sent_at: Set(None),
        }
        .insert(tx.conn())
        .await?;
        next
    };
    let mut row: survey::ActiveModel = current.into();
    row.version = Set(number);
    row.title_ja = Set(titles.0.into());
    row.title_en = Set(titles.1.into());
    row.updated_at = Set(now);
    row.update(tx.conn()).await?;
    Ok(to_u32(number))
}

/// Marks version `number` as sent (from now on it never changes).
pub async fn mark_sent(tx: &Tx, id: Uuid, number: u32, now: DateTime<Utc>) -> Result<()> {
    let row = version::Entity::find_by_id((id, to_i32(number))).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if row.sent_at.is_none() {
        let mut row: version::ActiveModel = row.into();
        row.sent_at = Set(Some(now));
        row.update(tx.conn()).await?;
    }
    Ok(())
}

/// Writes a survey's status (decided by the caller), stamping when it opened or closed.
pub async fn set_status(tx: &Tx, id: Uuid, status: Status, now: DateTime<Utc>) -> Result<()> {
    let current = survey::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let mut row: survey::ActiveModel = current.clone().into();
    row.status = Set(status.code().into());
    match status {
        Status::Open if current.opened_at.is_none() => row.opened_at = Set(Some(now)),
        Status::Open => row.closed_at = Set(None),
        Status::Closed => row.closed_at = Set(Some(now)),
        Status::Draft => {}
    }
    row.updated_at = Set(now);
    row.update(tx.conn()).await?;
    Ok(())
}

/// Every version, oldest first.
pub async fn versions(db: &Db, id: Uuid) -> Result<Vec<VersionRecord>> {
    Ok(version::Entity::find()
        .filter(version::Column::SurveyId.eq(id))
        .order_by_asc(version::Column::Version)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| VersionRecord {
            version: to_u32(m.version),
            source: m.source,
            saved_by: m.saved_by,
            saved_at: m.saved_at,
            sent_at: m.sent_at,
        })
        .collect())
}

/// The text of version `number`.
pub async fn source(db: &Db, id: Uuid, number: u32) -> Result<String> {
    Ok(version::Entity::find_by_id((id, to_i32(number))).one(db.conn()).await?.ok_or(StoreError::NotFound)?.source)
}

/// Who a new invitation is for.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub recipient: &'a str,
    pub application_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    pub email: &'a str,
    pub name: &'a str,
    pub company_name: &'a str,
    pub english: bool,
}

/// The recipients of survey `id` already invited.
pub async fn recipients(db: &Db, id: Uuid) -> Result<std::collections::BTreeSet<String>> {
    let rows: Vec<String> = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::Recipient)
        .filter(invitation::Column::SurveyId.eq(id))
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows.into_iter().collect())
}

/// Invites one respondent with version `number` and its first link; `None` when this survey
/// already invited that recipient (the caller holds the survey's row lock).
pub async fn invite(
    tx: &Tx,
    survey_id: Uuid,
    number: u32,
    new: &NewInvitation<'_>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<InvitationRecord>> {
    let exists = invitation::Entity::find()
        .filter(invitation::Column::SurveyId.eq(survey_id))
        .filter(invitation::Column::Recipient.eq(new.recipient))
        .one(tx.conn())
        .await?;
    if exists.is_some() {
        return Ok(None);
    }
    let model = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        survey_id: Set(survey_id),
        version: Set(to_i32(number)),
        recipient: Set(new.recipient.into()),
        application_id: Set(new.application_id),
        registration_id: Set(new.registration_id),
        email: Set(new.email.into()),
        name: Set(new.name.into()),
        company_name: Set(new.company_name.into()),
        english: Set(new.english),
        invited_at: Set(now),
        reminders: Set(0),
        reminded_at: Set(None),
        nudged_at: Set(None),
        answers: Set("{}".into()),
        started_at: Set(None),
        submitted_at: Set(None),
    }
    .insert(tx.conn())
    .await?;
    add_link(tx, model.id, token_hash, now).await?;
    Ok(Some(invitation_record(model)))
}

/// Another link for an invitation (each e-mail carries its own; all work until it is submitted).
pub async fn add_link(tx: &Tx, invitation_id: Uuid, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
    link::ActiveModel { token_hash: Set(token_hash.into()), invitation_id: Set(invitation_id), created_at: Set(now) }
        .insert(tx.conn())
        .await?;
    Ok(())
}

/// The invitation a link's hash opens.
pub async fn by_token_hash(db: &Db, token_hash: &str) -> Result<InvitationRecord> {
    let link = link::Entity::find_by_id(token_hash.to_string()).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    invitation(db, link.invitation_id).await
}

pub async fn invitation(db: &Db, id: Uuid) -> Result<InvitationRecord> {
    Ok(invitation_record(invitation::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?))
}

/// Invitation `id`, its row locked for the rest of `tx`.
pub async fn lock_invitation(tx: &Tx, id: Uuid) -> Result<InvitationRecord> {
    Ok(invitation_record(
        invitation::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?,
    ))
}

/// The invitations of survey `id`, in the order they were sent.
pub async fn invitations(db: &Db, id: Uuid) -> Result<Vec<InvitationRecord>> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::SurveyId.eq(id))
        .order_by_asc(invitation::Column::InvitedAt)
        .order_by_asc(invitation::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(invitation_record)
        .collect())
}

/// The invitations of one company (its application), newest first.
pub async fn invitations_of(db: &Db, application_id: Uuid) -> Result<Vec<InvitationRecord>> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::ApplicationId.eq(application_id))
        .order_by_desc(invitation::Column::InvitedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(invitation_record)
        .collect())
}

/// Saves answers; `submitted` closes the invitation for good.
pub async fn save_answers(
    tx: &Tx,
    id: Uuid,
    answers: &serde_json::Value,
    submitted: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let current = invitation::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let mut row: invitation::ActiveModel = current.clone().into();
    row.answers = Set(answers.to_string());
    if current.started_at.is_none() {
        row.started_at = Set(Some(now));
    }
    if submitted {
        row.submitted_at = Set(Some(now));
    }
    row.update(tx.conn()).await?;
    Ok(())
}

/// Records a reminder: `scheduled` ones count towards `REMINDER_DAYS` (set to `count`), a
/// nudge from the board does not.
pub async fn mark_reminded(tx: &Tx, id: Uuid, scheduled: Option<u32>, now: DateTime<Utc>) -> Result<()> {
    let current = invitation::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let mut row: invitation::ActiveModel = current.into();
    match scheduled {
        Some(count) => {
            row.reminders = Set(to_i32(count));
            row.reminded_at = Set(Some(now));
        }
        None => row.nudged_at = Set(Some(now)),
    }
    row.update(tx.conn()).await?;
    Ok(())
}

/// Reduces the invitations of one application or registration (`store::retention`): who they
/// were sent to, and the free-text answers (which may name people); the choices and scales stay
/// for the figures. The links stop working.
pub(crate) async fn reduce_invitations(
    tx: &Tx,
    application_id: Option<Uuid>,
    registration_id: Option<Uuid>,
) -> Result<()> {
    let mut query = invitation::Entity::find();
    query = match (application_id, registration_id) {
        (Some(id), _) => query.filter(invitation::Column::ApplicationId.eq(id)),
        (None, Some(id)) => query.filter(invitation::Column::RegistrationId.eq(id)),
        (None, None) => return Ok(()),
    };
    for row in query.all(tx.conn()).await? {
        let source = version::Entity::find_by_id((row.survey_id, row.version))
            .one(tx.conn())
            .await?
            .map(|v| v.source)
            .unwrap_or_default();
        let mut answers: serde_json::Value = serde_json::from_str(&row.answers).unwrap_or(serde_json::Value::Null);
        if let (Ok(definition), Some(map)) = (domain::survey::Definition::parse(&source), answers.as_object_mut()) {
            map.retain(|key, _| definition.question(key).is_some_and(|q| q.kind != domain::survey::Kind::Text));
        }
        link::Entity::delete_many().filter(link::Column::InvitationId.eq(row.id)).exec(tx.conn()).await?;
        let mut active: invitation::ActiveModel = row.into();
        active.email = Set(String::new());
        active.name = Set(String::new());
        active.company_name = Set(String::new());
        active.answers = Set(answers.to_string());
        active.update(tx.conn()).await?;
    }
    Ok(())
}

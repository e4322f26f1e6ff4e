//! Case studies (事例): the study with its state, every version written, and its events (sent,
//! comments on paragraphs, changes requested, approved, withdrawn, published, unpublished).
//!
//! Invariants: versions are numbered 1, 2, … per study and never change once written; the
//! state columns are written only with what `domain::case_study::State::after` decided.
//!
//! Must not: decide what may happen next (`domain::case_study`).

use chrono::{DateTime, NaiveDate, Utc};
use domain::case_study::{Anonymity, PhotoShows, Shown, State, Status};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::{Db, Result, StoreError, Tx};

pub(crate) mod study {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_studies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub fiscal_year: i32,
        pub status: String,
        pub anonymity: String,
        pub show_faces: bool,
        pub round_numbers: bool,
        pub interview_notes: String,
        pub newest: i32,
        pub sent_version: Option<i32>,
        pub approved_version: Option<i32>,
        pub published: bool,
        pub published_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_study_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_study_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub title: String,
        pub body: String,
        pub saved_by: Option<Uuid>,
        pub saved_at: DateTimeUtc,
        pub anonymity: String,
        pub show_faces: bool,
        pub round_numbers: bool,
        /// The photos of the version, as a JSON list of ids.
        pub photos: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_study_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub case_study_id: Uuid,
        pub kind: String,
        pub version: Option<i32>,
        pub paragraph: Option<i32>,
        pub body: String,
        pub by_company: bool,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod photo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_study_photos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub case_study_id: Uuid,
        pub filename: String,
        pub content_type: String,
        pub bytes: Vec<u8>,
        pub sha256: String,
        pub caption: String,
        pub shows_faces: bool,
        pub shows_logo: bool,
        pub consent_by: String,
        pub consent_on: Date,
        pub uploaded_by: Option<Uuid>,
        pub uploaded_at: DateTimeUtc,
        pub removed_at: Option<DateTimeUtc>,
        pub removed_reason: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A case study as its pages show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub fiscal_year: i32,
    #[serde(skip)]
    pub state: State,
    pub anonymity: Anonymity,
    pub show_faces: bool,
    pub round_numbers: bool,
    pub interview_notes: String,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

fn version_number(value: Option<i32>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}

fn record(m: study::Model) -> Result<StudyRecord> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("case study {}: {what}", m.id));
    Ok(StudyRecord {
        state: State {
            status: Status::from_code(&m.status).ok_or_else(|| corrupt("status"))?,
            newest: u32::try_from(m.newest).map_err(|_| corrupt("newest"))?,
            sent: version_number(m.sent_version),
            approved: version_number(m.approved_version),
            published: m.published,
        },
        anonymity: Anonymity::from_code(&m.anonymity).ok_or_else(|| corrupt("anonymity"))?,
        id: m.id,
        application_id: m.application_id,
        fiscal_year: m.fiscal_year,
        show_faces: m.show_faces,
        round_numbers: m.round_numbers,
        interview_notes: m.interview_notes,
        published_at: m.published_at,
        updated_at: m.updated_at,
    })
}

/// A version: its text, the options it was written with and its photos — what the company
/// approves is all of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionRecord {
    pub version: u32,
    pub title: String,
    pub body: String,
    pub saved_by: Option<Uuid>,
    pub saved_at: DateTime<Utc>,
    #[serde(skip)]
    pub shown: Shown,
    pub photos: Vec<Uuid>,
}

/// An interview photo, without its bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoRecord {
    pub id: Uuid,
    pub case_study_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: usize,
    pub sha256: String,
    pub caption: String,
    #[serde(skip)]
    pub shows: PhotoShows,
    pub consent_by: String,
    pub consent_on: NaiveDate,
    pub uploaded_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
    pub removed_reason: Option<String>,
}

/// A photo to keep.
#[derive(Debug, Clone)]
pub struct NewPhoto<'a> {
    pub filename: &'a str,
    pub content_type: &'a str,
    pub bytes: Vec<u8>,
    pub caption: &'a str,
    pub shows: PhotoShows,
    pub consent_by: &'a str,
    pub consent_on: NaiveDate,
    pub uploaded_by: Option<Uuid>,
}

fn photo_record(m: photo::Model) -> PhotoRecord {
    PhotoRecord {
        id: m.id,
        case_study_id: m.case_study_id,
        filename: m.filename,
        content_type: m.content_type,
        size: m.bytes.len(),
        sha256: m.sha256,
        caption: m.caption,
        shows: PhotoShows { faces: m.shows_faces, logo: m.shows_logo },
        consent_by: m.consent_by,
        consent_on: m.consent_on,
        uploaded_at: m.uploaded_at,
        removed_at: m.removed_at,
        removed_reason: m.removed_reason,
    }
}

/// Keeps a photo of study `id`.
pub async fn add_photo(tx: &Tx, id: Uuid, new: NewPhoto<'_>, now: DateTime<Utc>) -> Result<PhotoRecord> {
    use sha2::Digest;
    let sha256 = hex::encode(sha2::Sha256::digest(&new.bytes));
    let model = photo::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_study_id: Set(id),
        filename: Set(new.filename.into()),
        content_type: Set(new.content_type.into()),
        bytes: Set(new.bytes),
        sha256: Set(sha256),
        caption: Set(new.caption.into()),
        shows_faces: Set(new.shows.faces),
        shows_logo: Set(new.shows.logo),
        consent_by: Set(new.consent_by.into()),
        consent_on: Set(new.consent_on),
        uploaded_by: Set(new.uploaded_by),
        uploaded_at: Set(now),
        removed_at: Set(None),
        removed_reason: Set(None),
    }
    .insert(tx.conn())
    .await?;
    Ok(photo_record(model))
}

/// The photos of study `id` (removed ones too), oldest first, without their bytes.
pub async fn photos(db: &Db, id: Uuid) -> Result<Vec<PhotoRecord>> {
    use photo::Column as C;
    let rows: Vec<photo::Model> = photo::Entity::find()
        .filter(C::CaseStudyId.eq(id))
        .order_by_asc(C::UploadedAt)
        .order_by_asc(C::Id)
        .all(db.conn())
        .await?;
    Ok(rows.into_iter().map(photo_record).collect())
}

/// The ids of the photos of study `id` still kept, oldest first, read in `tx` (after its lock).
pub async fn photo_ids_kept(tx: &Tx, id: Uuid) -> Result<Vec<Uuid>> {
    use photo::Column as C;
    Ok(photo::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(C::CaseStudyId.eq(id))
        .filter(C::RemovedAt.is_null())
        .order_by_asc(C::UploadedAt)
        .order_by_asc(C::Id)
        .into_tuple()
        .all(tx.conn())
        .await?)
}

/// How many photos of study `id` are kept, read in `tx` (after its lock).
pub async fn photos_kept(tx: &Tx, id: Uuid) -> Result<usize> {
    Ok(photo_ids_kept(tx, id).await?.len())
}

/// Photo `photo` of study `id` with its bytes (a removed one: not found).
pub async fn photo_bytes(db: &Db, id: Uuid, photo: Uuid) -> Result<(PhotoRecord, Vec<u8>)> {
    let model = photo::Entity::find_by_id(photo)
        .filter(photo::Column::CaseStudyId.eq(id))
        .filter(photo::Column::RemovedAt.is_null())
        .one(db.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let bytes = model.bytes.clone();
    Ok((photo_record(model), bytes))
}

/// Removes photo `photo` of study `id` at once (consent withdrawn, a mistake): its bytes are
/// cleared and it is shown nowhere again; the row stays with the reason. `false` when it was
/// removed already.
pub async fn remove_photo(tx: &Tx, id: Uuid, photo: Uuid, reason: &str, now: DateTime<Utc>) -> Result<bool> {
    let model = photo::Entity::find_by_id(photo)
        .filter(photo::Column::CaseStudyId.eq(id))
        .lock_exclusive()
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    if model.removed_at.is_some() {
        return Ok(false);
    }
    let mut row: photo::ActiveModel = model.into();
    row.bytes = Set(Vec::new());
    row.removed_at = Set(Some(now));
    row.removed_reason = Set(Some(reason.into()));
    row.update(tx.conn()).await?;
    Ok(true)
}

/// Something that happened to a case study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    pub kind: String,
    pub version: Option<u32>,
    pub paragraph: Option<u32>,
    pub body: String,
    pub by_company: bool,
    pub at: DateTime<Utc>,
}

/// The options staff choose for a study.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options<'a> {
    pub anonymity: Anonymity,
    pub show_faces: bool,
    pub round_numbers: bool,
    pub interview_notes: &'a str,
}

pub async fn create(
    tx: &Tx,
    application_id: Uuid,
    fiscal_year: i32,
    options: &Options<'_>,
    now: DateTime<Utc>,
) -> Result<StudyRecord> {
    let model = study::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(application_id),
        fiscal_year: Set(fiscal_year),
        status: Set(Status::Draft.code().into()),
        anonymity: Set(options.anonymity.code().into()),
        show_faces: Set(options.show_faces),
        round_numbers: Set(options.round_numbers),
        interview_notes: Set(options.interview_notes.into()),
        newest: Set(0),
        sent_version: Set(None),
        approved_version: Set(None),
        published: Set(false),
        published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    record(model)
}

/// Study `id`, its row locked for the rest of `tx`.
pub async fn lock(tx: &Tx, id: Uuid) -> Result<StudyRecord> {
    record(study::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?)
}

pub async fn get(db: &Db, id: Uuid) -> Result<StudyRecord> {
    record(study::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?)
}

/// Every study, newest first; or those of one application.
pub async fn list(db: &Db, application_id: Option<Uuid>) -> Result<Vec<StudyRecord>> {
    let mut query = study::Entity::find().order_by_desc(study::Column::CreatedAt);
    if let Some(application) = application_id {
        query = query.filter(study::Column::ApplicationId.eq(application));
    }
    query.all(db.conn()).await?.into_iter().map(record).collect()
}

/// The published studies, newest publication first; of one fiscal year when given.
pub async fn published(db: &Db, fiscal_year: Option<i32>) -> Result<Vec<StudyRecord>> {
    let mut query =
        study::Entity::find().filter(study::Column::Published.eq(true)).order_by_desc(study::Column::PublishedAt);
    if let Some(year) = fiscal_year {
        query = query.filter(study::Column::FiscalYear.eq(year));
    }
    query.all(db.conn()).await?.into_iter().map(record).collect()
}

/// The fiscal years with a published study, newest first.
pub async fn published_years(db: &Db) -> Result<Vec<i32>> {
    let mut years: Vec<i32> = study::Entity::find()
        .select_only()
        .column(study::Column::FiscalYear)
        .filter(study::Column::Published.eq(true))
        .distinct()
        .into_tuple()
        .all(db.conn())
        .await?;
    years.sort_unstable_by(|a, b| b.cmp(a));
    Ok(years)
}

/// Writes `state` (decided by `domain::case_study`), and the options when given.
pub async fn save_state(
    tx: &Tx,
    id: Uuid,
    state: State,
    options: Option<&Options<'_>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let current = study::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let was_published = current.published;
    let mut row: study::ActiveModel = current.into();
    row.status = Set(state.status.code().into());
    row.newest = Set(i32::try_from(state.newest).unwrap_or(i32::MAX));
    row.sent_version = Set(state.sent.and_then(|v| i32::try_from(v).ok()));
    row.approved_version = Set(state.approved.and_then(|v| i32::try_from(v).ok()));
    row.published = Set(state.published);
    if state.published && !was_published {
        row.published_at = Set(Some(now));
    }
    if let Some(options) = options {
        row.anonymity = Set(options.anonymity.code().into());
        row.show_faces = Set(options.show_faces);
        row.round_numbers = Set(options.round_numbers);
        row.interview_notes = Set(options.interview_notes.into());
    }
    row.updated_at = Set(now);
    row.update(tx.conn()).await?;
    Ok(())
}

/// A version to write.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub number: u32,
    pub title: &'a str,
    pub body: &'a str,
    pub shown: Shown,
    pub photos: &'a [Uuid],
    pub by: Option<Uuid>,
}

pub async fn add_version(tx: &Tx, id: Uuid, new: &NewVersion<'_>, now: DateTime<Utc>) -> Result<()> {
    version::ActiveModel {
        case_study_id: Set(id),
        version: Set(i32::try_from(new.number).unwrap_or(i32::MAX)),
        title: Set(new.title.into()),
        body: Set(new.body.into()),
        saved_by: Set(new.by),
        saved_at: Set(now),
        anonymity: Set(new.shown.anonymity.code().into()),
        show_faces: Set(new.shown.show_faces),
        round_numbers: Set(new.shown.round_numbers),
        photos: Set(serde_json::to_string(new.photos).map_err(|e| StoreError::Corrupt(e.to_string()))?),
    }
    .insert(tx.conn())
    .await?;
    Ok(())
}

/// Every version, oldest first.
pub async fn versions(db: &Db, id: Uuid) -> Result<Vec<VersionRecord>> {
    version::Entity::find()
        .filter(version::Column::CaseStudyId.eq(id))
        .order_by_asc(version::Column::Version)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| {
            let corrupt =
                |what: &str| StoreError::Corrupt(format!("case study {} v{}: {what}", m.case_study_id, m.version));
            Ok(VersionRecord {
                version: u32::try_from(m.version).unwrap_or(0),
                shown: Shown {
                    anonymity: Anonymity::from_code(&m.anonymity).ok_or_else(|| corrupt("anonymity"))?,
                    show_faces: m.show_faces,
                    round_numbers: m.round_numbers,
                },
                photos: serde_json::from_str(&m.photos).map_err(|_| corrupt("photos"))?,
                title: m.title,
                body: m.body,
                saved_by: m.saved_by,
                saved_at: m.saved_at,
            })
        })
        .collect()
}

/// One version of a study.
pub async fn version_of(db: &Db, id: Uuid, number: u32) -> Result<VersionRecord> {
    versions(db, id).await?.into_iter().find(|v| v.version == number).ok_or(StoreError::NotFound)
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub version: Option<u32>,
    pub paragraph: Option<u32>,
    pub body: &'a str,
    pub by_company: bool,
}

pub async fn add_event(tx: &Tx, id: Uuid, event: &NewEvent<'_>, now: DateTime<Utc>) -> Result<()> {
    event::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_study_id: Set(id),
        kind: Set(event.kind.into()),
        version: Set(event.version.and_then(|v| i32::try_from(v).ok())),
        paragraph: Set(event.paragraph.and_then(|v| i32::try_from(v).ok())),
        body: Set(event.body.into()),
        by_company: Set(event.by_company),
        at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    Ok(())
}

/// Every event, oldest first.
pub async fn events(db: &Db, id: Uuid) -> Result<Vec<EventRecord>> {
    Ok(event::Entity::find()
        .filter(event::Column::CaseStudyId.eq(id))
        .order_by_asc(event::Column::At)
        .order_by_asc(event::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| EventRecord {
            kind: m.kind,
            version: version_number(m.version),
            paragraph: version_number(m.paragraph),
            body: m.body,
            by_company: m.by_company,
            at: m.at,
        })
        .collect())
}

/// Retention (`retention::reduce_application`): the studies of application `id` lose their
/// interview notes, their versions' text, the comments and the photos (with who consented), and
/// are withdrawn with nothing approved, so none can be published again; what happened when
/// stays. Returns the rows changed (0 when done before).
pub(crate) async fn reduce(tx: &Tx, application_id: Uuid, now: DateTime<Utc>) -> Result<u64> {
    use sea_orm::sea_query::Expr;
    let studies: Vec<Uuid> = study::Entity::find()
        .filter(study::Column::ApplicationId.eq(application_id))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if studies.is_empty() {
        return Ok(0);
    }
    let reduced = crate::retention::REDUCED_TEXT;
    // Withdrawn with nothing approved: it cannot be published again.
    let mut changed = study::Entity::update_many()
        .col_expr(study::Column::InterviewNotes, Expr::value(""))
        .col_expr(study::Column::Published, Expr::value(false))
        .col_expr(study::Column::Status, Expr::value(Status::Withdrawn.code()))
        .col_expr(study::Column::ApprovedVersion, Expr::value(Option::<i32>::None))
        .col_expr(study::Column::SentVersion, Expr::value(Option::<i32>::None))
        .col_expr(study::Column::UpdatedAt, Expr::value(now))
        .filter(study::Column::Id.is_in(studies.clone()))
        .filter(
            sea_orm::Condition::any()
                .add(study::Column::InterviewNotes.ne(""))
                .add(study::Column::Published.eq(true))
                .add(study::Column::ApprovedVersion.is_not_null())
                .add(study::Column::SentVersion.is_not_null()),
        )
        .exec(tx.conn())
        .await?
        .rows_affected;
    changed += version::Entity::update_many()
        .col_expr(version::Column::Title, Expr::value(reduced))
        .col_expr(version::Column::Body, Expr::value(reduced))
        .filter(version::Column::CaseStudyId.is_in(studies.clone()))
        .filter(version::Column::Body.ne(reduced))
        .exec(tx.conn())
        .await?
        .rows_affected;
    changed += event::Entity::update_many()
        .col_expr(event::Column::Body, Expr::value(""))
        .filter(event::Column::CaseStudyId.is_in(studies.clone()))
        .filter(event::Column::Body.ne(""))
        .exec(tx.conn())
        .await?
        .rows_affected;
    // A photo still kept is removed now; one removed before keeps when and why.
    changed += photo::Entity::update_many()
        .col_expr(photo::Column::Bytes, Expr::value(Vec::<u8>::new()))
        .col_expr(photo::Column::RemovedAt, Expr::value(Some(now)))
        .col_expr(photo::Column::RemovedReason, Expr::value(Some(reduced.to_string())))
        .filter(photo::Column::CaseStudyId.is_in(studies.clone()))
        .filter(photo::Column::RemovedAt.is_null())
        .exec(tx.conn())
        .await?
        .rows_affected;
    changed += photo::Entity::update_many()
        .col_expr(photo::Column::Caption, Expr::value(reduced))
        .col_expr(photo::Column::ConsentBy, Expr::value(reduced))
        .filter(photo::Column::CaseStudyId.is_in(studies))
        .filter(photo::Column::ConsentBy.ne(reduced))
        .exec(tx.conn())
        .await?
        .rows_affected;
    Ok(changed)
}

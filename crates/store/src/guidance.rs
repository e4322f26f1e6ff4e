//! Course ① management guidance: which expert a company is assigned to (one per company; a
//! reassignment replaces it), the guidance visits with their reports, and the self-diagnosis
//! rounds (answers kept with the item set's version).

use chrono::{DateTime, Utc};
use domain::guidance::Answer;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{diagnosis_round, expert_assignment, guidance_visit};
use crate::{Db, Result, StoreError, Tx};

/// Assigns (or reassigns) the company's expert; `assigned_at` stays the first assignment's, when
/// the company first had an expert (the results report counts it as of a day).
pub async fn assign(tx: &Tx, application_id: Uuid, expert: Uuid, now: DateTime<Utc>) -> Result<Option<Uuid>> {
    let before = expert_assignment::Entity::find_by_id(application_id).one(tx.conn()).await?.map(|m| m.expert_user_id);
    expert_assignment::Entity::insert(expert_assignment::ActiveModel {
        application_id: Set(application_id),
        expert_user_id: Set(expert),
        assigned_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(expert_assignment::Column::ApplicationId)
            .update_columns([expert_assignment::Column::ExpertUserId])
            .to_owned(),
    )
    .exec(tx.conn())
    .await?;
    Ok(before)
}

/// The company's expert, if assigned.
pub async fn expert_of(db: &Db, application_id: Uuid) -> Result<Option<Uuid>> {
    Ok(expert_assignment::Entity::find_by_id(application_id).one(db.conn()).await?.map(|m| m.expert_user_id))
}

/// Every assignment: (company, expert).
pub async fn assignments(db: &Db) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(assignments_since(db).await?.into_iter().map(|(case, expert, _)| (case, expert)).collect())
}

/// Every assignment with when the company first had an expert (a reassignment keeps it).
pub async fn assignments_since(db: &Db) -> Result<Vec<(Uuid, Uuid, DateTime<Utc>)>> {
    Ok(expert_assignment::Entity::find()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| (m.application_id, m.expert_user_id, m.assigned_at))
        .collect())
}

/// Where a visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    Planned,
    /// The expert recorded its report.
    Done,
    Cancelled,
}

impl VisitStatus {
    pub fn code(self) -> &'static str {
        match self {
            VisitStatus::Planned => "planned",
            VisitStatus::Done => "done",
            VisitStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<VisitStatus> {
        [VisitStatus::Planned, VisitStatus::Done, VisitStatus::Cancelled].into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            VisitStatus::Planned => "予定",
            VisitStatus::Done => "実施済",
            VisitStatus::Cancelled => "取消",
        }
    }
}

/// An agreed next step (宿題) with its due day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStep {
    pub text: String,
    pub due: Option<chrono::NaiveDate>,
    /// The day the company (or its expert) marked it done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub number: u32,
    pub status: VisitStatus,
    /// `onsite` or `online`.
    pub mode: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub expert_user_id: Uuid,
    pub attendees: Option<String>,
    pub topics: Option<String>,
    pub findings: Option<String>,
    pub next_steps: Vec<NextStep>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// The calendar invitation's sequence: raised by each move or cancellation.
    pub sequence: u32,
}

fn visit(m: guidance_visit::Model) -> Result<VisitRecord> {
    Ok(VisitRecord {
        status: VisitStatus::from_code(&m.status)
            .ok_or_else(|| StoreError::Corrupt(format!("visit status {}", m.status)))?,
        next_steps: match &m.next_steps {
            Some(json) => serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("next steps: {e}")))?,
            None => Vec::new(),
        },
        id: m.id,
        application_id: m.application_id,
        number: m.number.max(0) as u32,
        mode: m.mode,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        expert_user_id: m.expert_user_id,
        attendees: m.attendees,
        topics: m.topics,
        findings: m.findings,
        recorded_at: m.recorded_at,
        acknowledged_at: m.acknowledged_at,
        sequence: m.sequence.max(0) as u32,
    })
}

/// A visit to plan.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub application_id: Uuid,
    pub mode: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub expert_user_id: Uuid,
}

/// Plans a visit under the four-visit limit, counted inside the transaction (the company's visits
/// not cancelled); the fifth is refused.
pub async fn plan(tx: &Tx, new: &NewVisit, now: DateTime<Utc>) -> Result<VisitRecord> {
    // Lock the company's row so that two plans cannot both take the fourth number.
    crate::entities::application::Entity::find_by_id(new.application_id)
        .lock_exclusive()
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let held = guidance_visit::Entity::find()
        .filter(guidance_visit::Column::ApplicationId.eq(new.application_id))
        .filter(guidance_visit::Column::Status.ne(VisitStatus::Cancelled.code()))
        .count(tx.conn())
        .await?;
    let number = domain::guidance::next_visit_number(held as u32).map_err(|_| {
        StoreError::Refused(domain::refusal::Refusal::Guidance(domain::refusal::GuidanceRefusal::VisitLimit))
    })?;
    let model = guidance_visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(new.application_id),
        number: Set(number as i32),
        status: Set(VisitStatus::Planned.code().into()),
        mode: Set(new.mode.clone()),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
        expert_user_id: Set(new.expert_user_id),
        attendees: Set(None),
        topics: Set(None),
        findings: Set(None),
        next_steps: Set(None),
        recorded_at: Set(None),
        acknowledged_at: Set(None),
        reminded_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        sequence: Set(0),
    }
    .insert(tx.conn())
    .await?;
    visit(model)
}

fn not_planned() -> StoreError {
    StoreError::Refused(domain::refusal::Refusal::Guidance(domain::refusal::GuidanceRefusal::VisitNotPlanned))
}

/// Moves a planned visit (mode, start, end); its reminder is due again for the new time.
pub async fn reschedule(tx: &Tx, id: Uuid, new: &NewVisit, now: DateTime<Utc>) -> Result<VisitRecord> {
    let model =
        guidance_visit::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if model.status != VisitStatus::Planned.code() {
        return Err(not_planned());
    }
    let sequence = model.sequence + 1;
    let mut active: guidance_visit::ActiveModel = model.into();
    active.mode = Set(new.mode.clone());
    active.starts_at = Set(new.starts_at);
    active.ends_at = Set(new.ends_at);
    active.reminded_at = Set(None);
    active.sequence = Set(sequence);
    active.updated_at = Set(now);
    visit(active.update(tx.conn()).await?)
}

/// Cancels a planned visit: it no longer counts towards the four.
pub async fn cancel(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<VisitRecord> {
    let model =
        guidance_visit::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if model.status != VisitStatus::Planned.code() {
        return Err(not_planned());
    }
    let sequence = model.sequence + 1;
    let mut active: guidance_visit::ActiveModel = model.into();
    active.status = Set(VisitStatus::Cancelled.code().into());
    active.sequence = Set(sequence);
    active.updated_at = Set(now);
    visit(active.update(tx.conn()).await?)
}

/// A visit's file, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitFileRecord {
    pub id: Uuid,
    pub visit_id: Uuid,
    pub application_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_by_label: String,
    pub from_company: bool,
    pub uploaded_at: DateTime<Utc>,
}

/// A file to keep with a visit (its type judged and its size checked by the caller).
pub struct NewVisitFile<'a> {
    pub filename: &'a str,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub uploader: &'a str,
    pub from_company: bool,
}

/// Keeps a file with a visit, at most `max_files` per visit.
pub async fn attach_file(
    tx: &Tx,
    visit: &VisitRecord,
    file: NewVisitFile<'_>,
    max_files: u32,
    now: DateTime<Utc>,
) -> Result<VisitFileRecord> {
    use crate::entities::guidance_visit_file;
    let NewVisitFile { filename, content_type, bytes, uploader, from_company } = file;
    let held = guidance_visit_file::Entity::find()
        .filter(guidance_visit_file::Column::VisitId.eq(visit.id))
        .count(tx.conn())
        .await?;
    if held >= u64::from(max_files) {
        return Err(StoreError::Refused(domain::refusal::Refusal::Guidance(
            domain::refusal::GuidanceRefusal::TooManyFiles(max_files),
        )));
    }
    let record = VisitFileRecord {
        id: Uuid::now_v7(),
        visit_id: visit.id,
        application_id: visit.application_id,
        filename: filename.to_string(),
        content_type: content_type.to_string(),
        size: bytes.len() as u64,
        sha256: crate::sha256_hex_bytes(&bytes),
        uploaded_by_label: uploader.to_string(),
        from_company,
        uploaded_at: now,
    };
    guidance_visit_file::ActiveModel {
        id: Set(record.id),
        visit_id: Set(record.visit_id),
        application_id: Set(record.application_id),
        filename: Set(record.filename.clone()),
        content_type: Set(record.content_type.clone()),
        size: Set(record.size as i64),
        sha256: Set(record.sha256.clone()),
        bytes: Set(bytes),
        uploaded_by_label: Set(record.uploaded_by_label.clone()),
        from_company: Set(from_company),
        uploaded_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    Ok(record)
}

/// The company's visit files (without bytes), oldest first.
pub async fn visit_files(db: &Db, application_id: Uuid) -> Result<Vec<VisitFileRecord>> {
    use crate::entities::guidance_visit_file::{Column, Entity};
    Ok(Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::VisitId,
            Column::ApplicationId,
            Column::Filename,
            Column::ContentType,
            Column::Size,
            Column::Sha256,
            Column::UploadedByLabel,
            Column::FromCompany,
            Column::UploadedAt,
        ])
        .filter(Column::ApplicationId.eq(application_id))
        .order_by_asc(Column::UploadedAt)
        .into_tuple::<(Uuid, Uuid, Uuid, String, String, i64, String, String, bool, DateTime<Utc>)>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(
            |(
                id,
                visit_id,
                application_id,
                filename,
                content_type,
                size,
                sha256,
                uploaded_by_label,
                from_company,
                uploaded_at,
            )| {
                VisitFileRecord {
                    id,
                    visit_id,
                    application_id,
                    filename,
                    content_type,
                    size: size.max(0) as u64,
                    sha256,
                    uploaded_by_label,
                    from_company,
                    uploaded_at,
                }
            },
        )
        .collect())
}

/// A visit file with its bytes.
pub async fn visit_file(db: &Db, id: Uuid) -> Result<(VisitFileRecord, Vec<u8>)> {
    use crate::entities::guidance_visit_file::Entity;
    let m = Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    let record = VisitFileRecord {
        id: m.id,
        visit_id: m.visit_id,
        application_id: m.application_id,
        filename: m.filename,
        content_type: m.content_type,
        size: m.size.max(0) as u64,
        sha256: m.sha256,
        uploaded_by_label: m.uploaded_by_label,
        from_company: m.from_company,
        uploaded_at: m.uploaded_at,
    };
    Ok((record, m.bytes))
}

/// The company's visits, by number.
pub async fn visits(db: &Db, application_id: Uuid) -> Result<Vec<VisitRecord>> {
    guidance_visit::Entity::find()
        .filter(guidance_visit::Column::ApplicationId.eq(application_id))
        .order_by_asc(guidance_visit::Column::StartsAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(visit)
        .collect()
}

pub async fn get_visit(db: &Db, id: Uuid) -> Result<VisitRecord> {
    visit(guidance_visit::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?)
}

/// Planned visits that have not started, for the reminders.
pub async fn upcoming_visits(db: &Db, now: DateTime<Utc>) -> Result<Vec<VisitRecord>> {
    guidance_visit::Entity::find()
        .filter(guidance_visit::Column::Status.eq(VisitStatus::Planned.code()))
        .filter(guidance_visit::Column::StartsAt.gt(now))
        .all(db.conn())
        .await?
        .into_iter()
        .map(visit)
        .collect()
}

/// Marks a planned visit reminded (once); `false` when it was reminded before or is no longer planned.
pub async fn mark_reminded(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let done = guidance_visit::Entity::update_many()
        .col_expr(guidance_visit::Column::RemindedAt, sea_orm::sea_query::Expr::value(now))
        .filter(guidance_visit::Column::Id.eq(id))
        .filter(guidance_visit::Column::Status.eq(VisitStatus::Planned.code()))
        .filter(guidance_visit::Column::RemindedAt.is_null())
        .exec(tx.conn())
        .await?;
    Ok(done.rows_affected == 1)
}

/// What the expert records after a visit.
#[derive(Debug, Clone)]
pub struct Report {
    pub attendees: String,
    pub topics: String,
    pub findings: String,
    pub next_steps: Vec<NextStep>,
}

/// Records a planned visit's report (it becomes done); a cancelled visit takes none.
pub async fn record(tx: &Tx, id: Uuid, report: &Report, now: DateTime<Utc>) -> Result<VisitRecord> {
    let model =
        guidance_visit::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if model.status == VisitStatus::Cancelled.code() {
        return Err(StoreError::Refused(domain::refusal::Refusal::Guidance(
            domain::refusal::GuidanceRefusal::VisitCancelled,
        )));
    }
    let model_recorded_at = model.recorded_at;
    let mut active: guidance_visit::ActiveModel = model.into();
    active.status = Set(VisitStatus::Done.code().into());
    active.attendees = Set(Some(report.attendees.clone()));
    active.topics = Set(Some(report.topics.clone()));
    active.findings = Set(Some(report.findings.clone()));
    active.next_steps = Set(Some(serde_json::to_string(&report.next_steps).expect("steps serialise")));
    // A corrected report keeps when the visit was first reported (the results report counts the
    // visit done from then).
    if model_recorded_at.is_none() {
        active.recorded_at = Set(Some(now));
    }
    active.acknowledged_at = Set(None);
    active.updated_at = Set(now);
    visit(active.update(tx.conn()).await?)
}

/// Marks next step `index` of a recorded visit done on `day` (or open again with `None`);
/// `false` when the visit has no such step.
pub async fn mark_step(
    tx: &Tx,
    id: Uuid,
    index: usize,
    day: Option<chrono::NaiveDate>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let model =
        guidance_visit::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let mut record = visit(model.clone())?;
    let Some(step) = record.next_steps.get_mut(index) else { return Ok(false) };
    step.done_on = day;
    let mut active: guidance_visit::ActiveModel = model.into();
    active.next_steps = Set(Some(serde_json::to_string(&record.next_steps).expect("steps serialise")));
    active.updated_at = Set(now);
    active.update(tx.conn()).await?;
    Ok(true)
}

/// The company acknowledges a recorded report (once).
pub async fn acknowledge(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let done = guidance_visit::Entity::update_many()
        .col_expr(guidance_visit::Column::AcknowledgedAt, sea_orm::sea_query::Expr::value(now))
        .filter(guidance_visit::Column::Id.eq(id))
        .filter(guidance_visit::Column::Status.eq(VisitStatus::Done.code()))
        .filter(guidance_visit::Column::AcknowledgedAt.is_null())
        .exec(tx.conn())
        .await?;
    Ok(done.rows_affected == 1)
}

/// A self-diagnosis round as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub item_set: String,
    pub answers: Vec<(u8, Answer)>,
    pub total: i32,
    pub complete: bool,
    pub entered_by: String,
    pub created_at: DateTime<Utc>,
}

/// Stores a round (its score computed by the caller from the same answers).
pub async fn save_round(
    tx: &Tx,
    application_id: Uuid,
    answers: &[(u8, Answer)],
    score: &domain::guidance::Score,
    entered_by: &str,
    now: DateTime<Utc>,
) -> Result<RoundRecord> {
    let coded: Vec<(u8, &str)> = answers.iter().map(|(n, a)| (*n, a.code())).collect();
    let model = diagnosis_round::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(application_id),
        item_set: Set(domain::guidance::ITEM_SET_VERSION.into()),
        answers: Set(serde_json::to_string(&coded).expect("answers serialise")),
        total: Set(score.total),
        complete: Set(score.complete()),
        entered_by: Set(entered_by.to_string()),
        created_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    round(model)
}

fn round(m: diagnosis_round::Model) -> Result<RoundRecord> {
    let coded: Vec<(u8, String)> =
        serde_json::from_str(&m.answers).map_err(|e| StoreError::Corrupt(format!("diagnosis answers: {e}")))?;
    let answers = coded
        .into_iter()
        .map(|(n, code)| {
            Answer::from_code(&code).map(|a| (n, a)).ok_or_else(|| StoreError::Corrupt(format!("answer {code}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RoundRecord {
        id: m.id,
        application_id: m.application_id,
        item_set: m.item_set,
        answers,
        total: m.total,
        complete: m.complete,
        entered_by: m.entered_by,
        created_at: m.created_at,
    })
}

/// The company's rounds, oldest first.
pub async fn rounds(db: &Db, application_id: Uuid) -> Result<Vec<RoundRecord>> {
    diagnosis_round::Entity::find()
        .filter(diagnosis_round::Column::ApplicationId.eq(application_id))
        .order_by_asc(diagnosis_round::Column::CreatedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(round)
        .collect()
}

/// Where a policy version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    /// Being written; editable.
    Draft,
    /// On the public page; never changes again.
    Published,
    /// Was published, taken down.
    Withdrawn,
}

impl PolicyStatus {
    pub fn code(self) -> &'static str {
        match self {
            PolicyStatus::Draft => "draft",
            PolicyStatus::Published => "published",
            PolicyStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<PolicyStatus> {
        [PolicyStatus::Draft, PolicyStatus::Published, PolicyStatus::Withdrawn].into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            PolicyStatus::Draft => "作成中",
            PolicyStatus::Published => "公開中",
            PolicyStatus::Withdrawn => "公開停止",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub version: u32,
    /// The public page's address part, the same for every version of the company.
    pub slug: String,
    pub sections: Vec<domain::guidance::PolicySection>,
    pub enacted_on: Option<chrono::NaiveDate>,
    pub representative: Option<String>,
    pub status: PolicyStatus,
    pub published_at: Option<DateTime<Utc>>,
    /// When a published version was taken down (by the company or by the next version).
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl PolicyRecord {
    /// Whether this version was on the public page when `at` came.
    pub fn public_at(&self, at: DateTime<Utc>) -> bool {
        self.published_at.is_some_and(|p| p < at) && self.withdrawn_at.is_none_or(|w| w >= at)
    }
}

fn policy(m: crate::entities::security_policy::Model) -> Result<PolicyRecord> {
    Ok(PolicyRecord {
        sections: serde_json::from_str(&m.sections).map_err(|e| StoreError::Corrupt(format!("policy: {e}")))?,
        status: PolicyStatus::from_code(&m.status)
            .ok_or_else(|| StoreError::Corrupt(format!("policy status {}", m.status)))?,
        id: m.id,
        application_id: m.application_id,
        version: m.version.max(0) as u32,
        slug: m.slug,
        enacted_on: m.enacted_on,
        representative: m.representative,
        published_at: m.published_at,
        withdrawn_at: m.withdrawn_at,
    })
}

/// Every version of the company's policy, oldest first.
pub async fn policies(db: &Db, application_id: Uuid) -> Result<Vec<PolicyRecord>> {
    use crate::entities::security_policy;
    security_policy::Entity::find()
        .filter(security_policy::Column::ApplicationId.eq(application_id))
        .order_by_asc(security_policy::Column::Version)
        .all(db.conn())
        .await?
        .into_iter()
        .map(policy)
        .collect()
}

/// The published version behind a public address, if any.
pub async fn published_policy(db: &Db, slug: &str) -> Result<Option<PolicyRecord>> {
    use crate::entities::security_policy;
    security_policy::Entity::find()
        .filter(security_policy::Column::Slug.eq(slug))
        .filter(security_policy::Column::Status.eq(PolicyStatus::Published.code()))
        .one(db.conn())
        .await?
        .map(policy)
        .transpose()
}

/// What a draft holds.
#[derive(Debug, Clone)]
pub struct PolicyDraft {
    pub sections: Vec<domain::guidance::PolicySection>,
    pub enacted_on: Option<chrono::NaiveDate>,
    pub representative: Option<String>,
}

/// Saves the company's draft: the open draft is changed; with none open, a new version starts
/// (a published version is never changed). `slug` is used for the company's first version.
pub async fn save_draft(
    tx: &Tx,
    application_id: Uuid,
    draft: &PolicyDraft,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<PolicyRecord> {
    use crate::entities::security_policy;
    crate::entities::application::Entity::find_by_id(application_id)
        .lock_exclusive()
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let versions = security_policy::Entity::find()
        .filter(security_policy::Column::ApplicationId.eq(application_id))
        .order_by_desc(security_policy::Column::Version)
        .all(tx.conn())
        .await?;
    let sections = serde_json::to_string(&draft.sections).expect("sections serialise");
    if let Some(open) = versions.iter().find(|m| m.status == PolicyStatus::Draft.code()) {
        let mut active: security_policy::ActiveModel = open.clone().into();
        active.sections = Set(sections);
        active.enacted_on = Set(draft.enacted_on);
        active.representative = Set(draft.representative.clone());
        active.updated_at = Set(now);
        return policy(active.update(tx.conn()).await?);
    }
    let version = versions.first().map_or(1, |m| m.version + 1);
    let slug = versions.first().map_or_else(|| slug.to_string(), |m| m.slug.clone());
    let model = security_policy::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(application_id),
        version: Set(version),
        slug: Set(slug),
        sections: Set(sections),
        enacted_on: Set(draft.enacted_on),
        representative: Set(draft.representative.clone()),
        status: Set(PolicyStatus::Draft.code().into()),
        published_at: Set(None),
        withdrawn_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    policy(model)
}

/// Publishes the open draft (the version published before is withdrawn); `None` when there is
/// no draft to publish.
pub async fn publish(tx: &Tx, application_id: Uuid, now: DateTime<Utc>) -> Result<Option<PolicyRecord>> {
    use crate::entities::security_policy;
    let draft = security_policy::Entity::find()
        .filter(security_policy::Column::ApplicationId.eq(application_id))
        .filter(security_policy::Column::Status.eq(PolicyStatus::Draft.code()))
        .lock_exclusive()
        .one(tx.conn())
        .await?;
    let Some(draft) = draft else { return Ok(None) };
    withdraw(tx, application_id, now).await?;
    let mut active: security_policy::ActiveModel = draft.into();
    active.status = Set(PolicyStatus::Published.code().into());
    active.published_at = Set(Some(now));
    active.updated_at = Set(now);
    Ok(Some(policy(active.update(tx.conn()).await?)?))
}

/// Takes the published version down; `false` when none was published.
pub async fn withdraw(tx: &Tx, application_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    use crate::entities::security_policy;
    let done = security_policy::Entity::update_many()
        .col_expr(security_policy::Column::Status, sea_orm::sea_query::Expr::value(PolicyStatus::Withdrawn.code()))
        .col_expr(security_policy::Column::WithdrawnAt, sea_orm::sea_query::Expr::value(now))
        .filter(security_policy::Column::ApplicationId.eq(application_id))
        .filter(security_policy::Column::Status.eq(PolicyStatus::Published.code()))
        .exec(tx.conn())
        .await?;
    Ok(done.rows_affected > 0)
}

/// A measure of the implementation plan (対策実施計画).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub item_number: Option<u8>,
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<chrono::NaiveDate>,
    /// `todo`, `doing` or `done`.
    pub status: String,
    pub updated_by: String,
}

fn measure(m: crate::entities::plan_measure::Model) -> MeasureRecord {
    MeasureRecord {
        id: m.id,
        application_id: m.application_id,
        item_number: m.item_number.and_then(|n| u8::try_from(n).ok()),
        title: m.title,
        owner: m.owner,
        due: m.due,
        status: m.status,
        updated_by: m.updated_by,
    }
}

pub async fn measures(db: &Db, application_id: Uuid) -> Result<Vec<MeasureRecord>> {
    use crate::entities::plan_measure;
    Ok(plan_measure::Entity::find()
        .filter(plan_measure::Column::ApplicationId.eq(application_id))
        .order_by_asc(plan_measure::Column::ItemNumber)
        .order_by_asc(plan_measure::Column::CreatedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(measure)
        .collect())
}

/// Seeds the plan with one measure per item, unless the company has measures already; returns
/// how many were added.
pub async fn seed_measures(
    tx: &Tx,
    application_id: Uuid,
    items: &[domain::guidance::Item],
    by: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    use crate::entities::plan_measure;
    let held = plan_measure::Entity::find()
        .filter(plan_measure::Column::ApplicationId.eq(application_id))
        .count(tx.conn())
        .await?;
    if held > 0 || items.is_empty() {
        return Ok(0);
    }
    let rows = items.iter().map(|item| plan_measure::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(application_id),
        item_number: Set(Some(i32::from(item.number))),
        title: Set(item.advice_ja.to_string()),
        owner: Set(None),
        due: Set(None),
        status: Set("todo".into()),
        updated_by: Set(by.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    });
    plan_measure::Entity::insert_many(rows).exec(tx.conn()).await?;
    Ok(items.len())
}

/// Updates a measure's owner, due day and status (of `application_id` only).
pub async fn update_measure(
    tx: &Tx,
    application_id: Uuid,
    id: Uuid,
    (owner, due, status): (Option<String>, Option<chrono::NaiveDate>, &str),
    by: &str,
    now: DateTime<Utc>,
) -> Result<MeasureRecord> {
    use crate::entities::plan_measure;
    let model = plan_measure::Entity::find_by_id(id)
        .filter(plan_measure::Column::ApplicationId.eq(application_id))
        .one(tx.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut active: plan_measure::ActiveModel = model.into();
    active.owner = Set(owner);
    active.due = Set(due);
    active.status = Set(status.to_string());
    active.updated_by = Set(by.to_string());
    active.updated_at = Set(now);
    Ok(measure(active.update(tx.conn()).await?))
}

/// A company's ★★ declaration as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarationRecord {
    /// The 自己宣言ID.
    pub declaration_id: String,
    /// The day the company declared, when it gave one.
    pub declared_on: Option<chrono::NaiveDate>,
    pub recorded_at: DateTime<Utc>,
}

impl DeclarationRecord {
    /// Whether the company had declared before `day` began (at `day_starts`): by its day, or
    /// without one by when it was recorded.
    pub fn declared_before(&self, day: chrono::NaiveDate, day_starts: DateTime<Utc>) -> bool {
        match self.declared_on {
            Some(on) => on < day,
            None => self.recorded_at < day_starts,
        }
    }
}

/// The company's ★★ declaration as recorded.
pub async fn declaration(db: &Db, application_id: Uuid) -> Result<Option<DeclarationRecord>> {
    use crate::entities::two_star_declaration;
    Ok(two_star_declaration::Entity::find_by_id(application_id).one(db.conn()).await?.map(|m| DeclarationRecord {
        declaration_id: m.declaration_id,
        declared_on: m.declared_on,
        recorded_at: m.recorded_at,
    }))
}

pub async fn record_declaration(
    tx: &Tx,
    application_id: Uuid,
    id: &domain::guidance::DeclarationId,
    declared_on: Option<chrono::NaiveDate>,
    now: DateTime<Utc>,
) -> Result<()> {
    use crate::entities::two_star_declaration;
    two_star_declaration::Entity::insert(two_star_declaration::ActiveModel {
        application_id: Set(application_id),
        declaration_id: Set(id.as_str().to_string()),
        declared_on: Set(declared_on),
        recorded_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(two_star_declaration::Column::ApplicationId)
            // A correction keeps when the declaration was first recorded.
            .update_columns([two_star_declaration::Column::DeclarationId, two_star_declaration::Column::DeclaredOn])
            .to_owned(),
    )
    .exec(tx.conn())
    .await?;
    Ok(())
}

//! Applications (申込): the first-come-first-served submission, the secretariat's list, and the
//! applicant's status look-up.
//!
//! Invariant: a course's places held never exceed its capacity, whatever the concurrency.
//! `submit` decides place-or-waitlist inside one write transaction that first locks the course
//! row (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `SELECT … FOR UPDATE`), so arrival order at the
//! lock is the order places are given, and the application, its audit entry and its
//! acknowledgement e-mail are committed together or not at all.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::application::{Environment, NewApplication};
use domain::calendar::BusinessCalendar;
use domain::eligibility::Declarations;
use domain::programme::CourseCode;
use domain::programme::tokyo_day_start;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, Actor, NewAuditEntry};
use crate::entities::{application, course};
use crate::outbox::{self, OutgoingEmail};
use crate::{Db, Result, StoreError};

pub use domain::case::CaseState as ApplicationStatus;

/// What the applicant is told once the submission is committed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmittedFacts {
    pub id: Uuid,
    pub reference: String,
    pub status: ApplicationStatus,
    pub waitlist_position: Option<u32>,
    pub received_at: DateTime<Utc>,
    pub contact_due: NaiveDate,
}

pub struct Submission {
    pub course_id: Uuid,
    pub application: NewApplication,
    /// Eligibility flags for the secretariat's judgement (e.g. `previous_participant`).
    pub flags: Vec<&'static str>,
    pub source_ip: Option<String>,
    /// The reference prefix, e.g. `R5` for 令和5年度.
    pub reference_prefix: String,
}

/// Writes the acknowledgement e-mail from the committed facts.
pub type Compose = dyn Fn(&NewApplication, &SubmittedFacts) -> OutgoingEmail + Send + Sync;

/// Submits an application: holds a place if one is free, otherwise waitlists it.
/// `compose` writes the acknowledgement e-mail from the committed facts.
///
/// One transaction per call; [`crate::intake::SubmissionQueue`] commits many together and falls
/// back to this when a batch fails.
pub async fn submit(
    db: &Db,
    calendar: &BusinessCalendar,
    submission: &Submission,
    compose: &Compose,
    now: DateTime<Utc>,
) -> Result<SubmittedFacts> {
    // A reference collision (1 in 10^8 per pair) is retried with a fresh number.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let reference = new_reference(&submission.reference_prefix);
        match try_submit(db, calendar, submission, reference, compose, now).await {
            Err(StoreError::ReferenceTaken) if attempts < 5 => continue,
            other => return other,
        }
    }
}

async fn try_submit(
    db: &Db,
    calendar: &BusinessCalendar,
    submission: &Submission,
    reference: String,
    compose: &Compose,
    now: DateTime<Utc>,
) -> Result<SubmittedFacts> {
    let tx = db.begin_write().await?;
    let course = course::Entity::find_by_id(submission.course_id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut places = crate::cases::places_of(&course);
    let (status, waitlist_position) = placement(places.take());
    // Taken after the lock, so received_at orders applications as the lock did.
    let received_at = now;
    let contact_due = calendar.contact_due(received_at);
    let programme_id = course.programme_id;
    let mut course_update: course::ActiveModel = course.clone().into();
    course_update.places_taken = Set(places.taken);
    course_update.waitlist_seq = Set(places.waitlist_seq);
    course_update.updated_at = Set(received_at);
    course_update.update(&tx).await?;

    let id = Uuid::now_v7();
    let placed = Placement { status, waitlist_position, received_at, contact_due };
    let model = application_model(id, &reference, programme_id, submission, &placed);
    if let Err(error) = model.insert(&tx).await {
        return Err(classify_insert_error(error));
    }
    let facts = SubmittedFacts {
        id,
        reference,
        status,
        waitlist_position: waitlist_position.map(|p| p as u32),
        received_at,
        contact_due,
    };
    audit::record_in(&tx, created_audit_entry(submission, &facts), now).await?;
    let act = created_act(submission, &facts);
    crate::cases::insert_case_event(&tx, &act, "submit", status, status, &created_detail(&facts), now).await?;
    outbox::enqueue_in(&tx, &compose(&submission.application, &facts), now).await?;
    tx.commit().await?;
    Ok(facts)
}

/// What a place or a waitlist position makes of a new application.
pub(crate) fn placement(placed: domain::programme::Placed) -> (ApplicationStatus, Option<i32>) {
    match placed {
        domain::programme::Placed::Place => (ApplicationStatus::Received, None),
        domain::programme::Placed::Waitlist { position } => (ApplicationStatus::Waitlisted, Some(position)),
    }
}

/// Where a submission landed, decided under the course lock.
pub(crate) struct Placement {
    pub status: ApplicationStatus,
    pub waitlist_position: Option<i32>,
    pub received_at: DateTime<Utc>,
    pub contact_due: NaiveDate,
}

pub(crate) fn application_model(
    id: Uuid,
    reference: &str,
    programme_id: Uuid,
    submission: &Submission,
    placed: &Placement,
) -> application::ActiveModel {
    let app = &submission.application;
    application::ActiveModel {
        id: Set(id),
        reference: Set(reference.to_string()),
        programme_id: Set(programme_id),
        course_id: Set(submission.course_id),
        status: Set(placed.status.code().to_string()),
        holds_place: Set(placed.status == ApplicationStatus::Received),
        waitlist_position: Set(placed.waitlist_position),
        duplicate_key: Set(app.duplicate_key()),
        company_name: Set(app.company.name.clone()),
        company_name_kana: Set(app.company.name_kana.as_str().to_string()),
        corporate_number: Set(app.company.corporate_number.as_ref().map(|n| n.as_str().to_string())),
        sole_proprietor: Set(app.company.sole_proprietor),
        postal_code: Set(app.company.postal_code.as_str().to_string()),
        prefecture: Set(app.company.prefecture.clone()),
        address: Set(app.company.address.clone()),
        industry: Set(app.company.industry.code().to_string()),
        capital_yen: Set(app.company.capital_yen.map(|v| v as i64)),
        employees: Set(app.company.employees as i32),
        representative_name: Set(app.company.representative_name.clone()),
        representative_title: Set(app.company.representative_title.clone()),
        contact_name: Set(app.contact.name.clone()),
        contact_name_kana: Set(app.contact.name_kana.as_str().to_string()),
        contact_department: Set(app.contact.department.clone()),
        contact_email: Set(app.contact.email.as_str().to_string()),
        contact_phone: Set(app.contact.phone.as_str().to_string()),
        environment: Set(to_json(&app.environment)),
        previous_participant: Set(app.previous_participant),
        uses_equivalent_tokyo_subsidy: Set(app.uses_equivalent_tokyo_subsidy),
        declarations: Set(to_json(&app.declarations)),
        flags: Set(to_json(&submission.flags)),
        received_at: Set(placed.received_at),
        contact_due: Set(placed.contact_due),
        source_ip: Set(submission.source_ip.clone()),
        created_at: Set(placed.received_at),
        updated_at: Set(placed.received_at),
        status_check: Set(None),
        proposed_course: Set(None),
        decision_reason: Set(None),
        assignee_user_id: Set(None),
        first_contact_at: Set(None),
        completed_at: Set(None),
        language: Set(app.language.code().to_string()),
        privacy_version: Set(Some(privacy_version_at(placed.received_at).to_string())),
    }
}

/// The privacy policy version in force (Tokyo's date) at `at`: what a consent given then agreed to.
pub(crate) fn privacy_version_at(at: DateTime<Utc>) -> &'static str {
    let today = at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    domain::policy::in_force(domain::policy::PRIVACY, today).code
}

/// A duplicate company or a reference collision, told apart from other database errors.
pub(crate) fn classify_insert_error(error: sea_orm::DbErr) -> StoreError {
    if crate::is_unique_violation(&error, "ux_applications_duplicate_key", "duplicate_key") {
        StoreError::Duplicate
    } else if crate::is_unique_violation(&error, "applications_reference", "applications.reference") {
        StoreError::ReferenceTaken
    } else {
        error.into()
    }
}

pub(crate) fn created_audit_entry(submission: &Submission, facts: &SubmittedFacts) -> NewAuditEntry {
    NewAuditEntry {
        actor: Actor::Applicant,
        action: "application.create",
        subject_type: "application",
        subject_id: Some(facts.id.to_string()),
        ip: submission.source_ip.clone(),
        detail: serde_json::json!({ "reference": facts.reference, "status": facts.status.code() }),
    }
}

pub(crate) fn created_act(submission: &Submission, facts: &SubmittedFacts) -> crate::cases::Act {
    crate::cases::Act {
        application_id: facts.id,
        actor: Actor::Applicant,
        ip: submission.source_ip.clone(),
        reason: None,
        email: None,
    }
}

pub(crate) fn created_detail(facts: &SubmittedFacts) -> serde_json::Value {
    serde_json::json!({"waitlist_position": facts.waitlist_position, "contact_due": facts.contact_due})
}

pub(crate) fn new_reference(prefix: &str) -> String {
    use rand::Rng;
    let number: u32 = rand::thread_rng().gen_range(0..100_000_000);
    format!("{prefix}-{:04}-{:04}", number / 10_000, number % 10_000)
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

/// One application, everything the secretariat sees on its detail page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationRecord {
    pub id: Uuid,
    pub reference: String,
    pub programme_id: Uuid,
    pub course_id: Uuid,
    pub course_code: CourseCode,
    pub status: ApplicationStatus,
    pub waitlist_position: Option<u32>,
    pub company_name: String,
    pub company_name_kana: String,
    pub corporate_number: Option<String>,
    pub sole_proprietor: bool,
    pub postal_code: String,
    pub prefecture: String,
    pub address: String,
    pub industry: String,
    pub capital_yen: Option<i64>,
    pub employees: i32,
    pub representative_name: String,
    pub representative_title: Option<String>,
    pub contact_name: String,
    pub contact_name_kana: String,
    pub contact_department: Option<String>,
    pub contact_email: String,
    pub contact_phone: String,
    pub environment: Environment,
    pub previous_participant: bool,
    pub uses_equivalent_tokyo_subsidy: bool,
    pub declarations: Declarations,
    pub flags: Vec<String>,
    pub received_at: DateTime<Utc>,
    pub contact_due: NaiveDate,
    pub holds_place: bool,
    pub status_check: Option<domain::case::StatusCheck>,
    pub proposed_course: Option<CourseCode>,
    pub decision_reason: Option<String>,
    pub assignee_user_id: Option<Uuid>,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The language the company chose on the form; its e-mails are written in it.
    pub language: domain::application::Language,
    /// The privacy policy version the applicant agreed to (none for records before it was kept).
    pub privacy_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    ReceivedAt,
    Reference,
    CompanyKana,
    ContactDue,
    Status,
    Course,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::ReceivedAt,
        SortKey::Reference,
        SortKey::CompanyKana,
        SortKey::ContactDue,
        SortKey::Status,
        SortKey::Course,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SortKey::ReceivedAt => "received_at",
            SortKey::Reference => "reference",
            SortKey::CompanyKana => "company_kana",
            SortKey::ContactDue => "contact_due",
            SortKey::Status => "status",
            SortKey::Course => "course",
        }
    }

    pub fn from_code(code: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.code() == code)
    }

    fn column(self) -> application::Column {
        match self {
            SortKey::ReceivedAt => application::Column::ReceivedAt,
            SortKey::Reference => application::Column::Reference,
            SortKey::CompanyKana => application::Column::CompanyNameKana,
            SortKey::ContactDue => application::Column::ContactDue,
            SortKey::Status => application::Column::Status,
            SortKey::Course => application::Column::CourseId,
        }
    }
}

/// The secretariat's list filter. Dates are whole days in Asia/Tokyo.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicationFilter {
    pub programme_id: Option<Uuid>,
    pub course_id: Option<Uuid>,
    pub status: Option<ApplicationStatus>,
    pub received_from: Option<NaiveDate>,
    pub received_to: Option<NaiveDate>,
    pub flag: Option<String>,
    /// Only companies with a briefing seminar registration of the year (STEP0), or only those
    /// seen attending (`store::seminars::of_company` is the same match, for one case).
    pub seminar: Option<SeminarFilter>,
    /// Matches company name, its kana or the 法人番号 (normalised by the caller).
    pub search: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
}

/// Which STEP0 link the list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeminarFilter {
    Registered,
    Attended,
}

impl SeminarFilter {
    pub fn from_code(code: &str) -> Option<SeminarFilter> {
        match code {
            "registered" => Some(SeminarFilter::Registered),
            "attended" => Some(SeminarFilter::Attended),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

/// One page of the list (`page` counts from 1).
pub async fn list(db: &Db, filter: &ApplicationFilter, page: u64, per_page: u64) -> Result<Page<ApplicationRecord>> {
    let per_page = per_page.clamp(1, 500);
    let page = page.max(1);
    let query = filtered(filter);
    let total = query.clone().count(db.conn()).await?;
    let models = query.offset((page - 1) * per_page).limit(per_page).all(db.conn()).await?;
    let codes = course_codes(db).await?;
    let items = models.into_iter().map(|m| record(m, &codes)).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, total, page, per_page })
}

/// Every application matching the filter, for export.
pub async fn list_all(db: &Db, filter: &ApplicationFilter) -> Result<Vec<ApplicationRecord>> {
    let models = filtered(filter).all(db.conn()).await?;
    let codes = course_codes(db).await?;
    models.into_iter().map(|m| record(m, &codes)).collect()
}

fn filtered(filter: &ApplicationFilter) -> sea_orm::Select<application::Entity> {
    let mut query = application::Entity::find();
    if let Some(programme_id) = filter.programme_id {
        query = query.filter(application::Column::ProgrammeId.eq(programme_id));
    }
    if let Some(course_id) = filter.course_id {
        query = query.filter(application::Column::CourseId.eq(course_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(application::Column::Status.eq(status.code()));
    }
    if let Some(from) = filter.received_from {
        query = query.filter(application::Column::ReceivedAt.gte(tokyo_day_start(from)));
    }
    if let Some(to) = filter.received_to.and_then(|d| d.succ_opt()) {
        query = query.filter(application::Column::ReceivedAt.lt(tokyo_day_start(to)));
    }
    if let Some(flag) = filter.flag.as_deref().filter(|f| !f.is_empty()) {
        query = query.filter(application::Column::Flags.contains(format!("\"{flag}\"")));
    }
    if let Some(seminar) = filter.seminar {
        // The company's registration: the same 法人番号 when both have one, else the same e-mail
        // address or company name (spaces and case ignored), as `seminars::of_company` matches.
        let attended = if seminar == SeminarFilter::Attended { " AND r.attended_at IS NOT NULL" } else { "" };
        query = query.filter(Expr::cust(format!(
            "EXISTS (SELECT 1 FROM seminar_registrations r JOIN seminars s ON s.id = r.seminar_id \
             WHERE s.programme_id = applications.programme_id AND r.status <> 'cancelled'{attended} AND \
             (CASE WHEN applications.corporate_number IS NOT NULL AND r.corporate_number IS NOT NULL \
             THEN applications.corporate_number = r.corporate_number \
             ELSE ((r.email <> '' AND LOWER(r.email) = LOWER(applications.contact_email)) \
             OR (r.company_name <> '{reduced}' AND \
             REPLACE(LOWER(r.company_name), ' ', '') = REPLACE(LOWER(applications.company_name), ' ', ''))) END))",
            reduced = crate::retention::REDUCED_NAME,
        )));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let kana = domain::text::to_katakana(search);
        let digits: String = search.chars().filter(|c| c.is_ascii_digit()).collect();
        let mut any = Condition::any()
            .add(application::Column::CompanyName.contains(search))
            .add(application::Column::CompanyNameKana.contains(kana.as_str()))
            .add(application::Column::Reference.contains(search));
        if digits.len() >= 4 {
            any = any.add(application::Column::CorporateNumber.contains(digits.as_str()));
        }
        query = query.filter(any);
    }
    let column = filter.sort.column();
    let query = if filter.descending { query.order_by_desc(column) } else { query.order_by_asc(column) };
    // A stable tie-break keeps pages from overlapping.
    query.order_by_asc(application::Column::ReceivedAt).order_by_asc(application::Column::Id)
}

/// One application by id.
pub async fn get(db: &Db, id: Uuid) -> Result<ApplicationRecord> {
    let model = application::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    let codes = course_codes(db).await?;
    record(model, &codes)
}

/// The newest application whose contact e-mail is `email` (any case of its letters): what an
/// inquiry from that address is about, most likely.
pub async fn newest_by_contact_email(db: &Db, email: &str) -> Result<Option<Uuid>> {
    let email = email.trim().to_lowercase();
    let found = application::Entity::find()
        .filter(sea_orm::sea_query::ExprTrait::eq(
            sea_orm::sea_query::Func::lower(Expr::col((application::Entity, application::Column::ContactEmail))),
            email.as_str(),
        ))
        .order_by_desc(application::Column::ReceivedAt)
        .one(db.conn())
        .await?;
    Ok(found.map(|model| model.id))
}

/// The applicant's own look-up: reference and e-mail must both match.
pub async fn find_for_applicant(db: &Db, reference: &str, email: &str) -> Result<Option<ApplicationRecord>> {
    let model =
        application::Entity::find().filter(application::Column::Reference.eq(reference.trim())).one(db.conn()).await?;
    let Some(model) = model else { return Ok(None) };
    if !model.contact_email.eq_ignore_ascii_case(email.trim()) {
        return Ok(None);
    }
    let codes = course_codes(db).await?;
    record(model, &codes).map(Some)
}

async fn course_codes(db: &Db) -> Result<HashMap<Uuid, CourseCode>> {
    let courses = course::Entity::find()
        .select_only()
        .column(course::Column::Id)
        .column(course::Column::Code)
        .into_tuple::<(Uuid, String)>()
        .all(db.conn())
        .await?;
    Ok(courses.into_iter().filter_map(|(id, code)| CourseCode::from_code(&code).map(|c| (id, c))).collect())
}

fn record(model: application::Model, codes: &HashMap<Uuid, CourseCode>) -> Result<ApplicationRecord> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("application {}: {what}", model.id));
    let status = ApplicationStatus::from_code(&model.status).ok_or_else(|| corrupt("status"))?;
    let course_code = *codes.get(&model.course_id).ok_or_else(|| corrupt("course"))?;
    let environment = serde_json::from_str(&model.environment).map_err(|_| corrupt("environment"))?;
    let declarations = serde_json::from_str(&model.declarations).map_err(|_| corrupt("declarations"))?;
    let flags = serde_json::from_str(&model.flags).map_err(|_| corrupt("flags"))?;
    let status_check = match &model.status_check {
        Some(text) => Some(serde_json::from_str(text).map_err(|_| corrupt("status_check"))?),
        None => None,
    };
    Ok(ApplicationRecord {
        id: model.id,
        reference: model.reference,
        programme_id: model.programme_id,
        course_id: model.course_id,
        course_code,
        status,
        waitlist_position: model.waitlist_position.map(|p| p.max(0) as u32),
        company_name: model.company_name,
        company_name_kana: model.company_name_kana,
        corporate_number: model.corporate_number,
        sole_proprietor: model.sole_proprietor,
        postal_code: model.postal_code,
        prefecture: model.prefecture,
        address: model.address,
        industry: model.industry,
        capital_yen: model.capital_yen,
        employees: model.employees,
        representative_name: model.representative_name,
        representative_title: model.representative_title,
        contact_name: model.contact_name,
        contact_name_kana: model.contact_name_kana,
        contact_department: model.contact_department,
        contact_email: model.contact_email,
        contact_phone: model.contact_phone,
        environment,
        previous_participant: model.previous_participant,
        uses_equivalent_tokyo_subsidy: model.uses_equivalent_tokyo_subsidy,
        declarations,
        flags,
        received_at: model.received_at,
        contact_due: model.contact_due,
        holds_place: model.holds_place,
        status_check,
        proposed_course: model.proposed_course.as_deref().and_then(CourseCode::from_code),
        decision_reason: model.decision_reason,
        assignee_user_id: model.assignee_user_id,
        first_contact_at: model.first_contact_at,
        completed_at: model.completed_at,
        language: domain::application::Language::from_code(&model.language).unwrap_or_default(),
        privacy_version: model.privacy_version,
    })
}

/// One application by its reference, for the confirmation page the submitter's own browser
/// reaches (the reference comes from a cookie set on submission).
pub async fn find_by_reference(db: &Db, reference: &str) -> Result<Option<ApplicationRecord>> {
    let model =
        application::Entity::find().filter(application::Column::Reference.eq(reference.trim())).one(db.conn()).await?;
    let Some(model) = model else { return Ok(None) };
    let codes = course_codes(db).await?;
    record(model, &codes).map(Some)
}

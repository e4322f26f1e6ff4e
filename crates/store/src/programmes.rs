//! Programme years and their courses: import, the current year, editing windows and capacities.

use chrono::{DateTime, Utc};
use domain::programme::{CourseCode, CourseWindow, ValidProgramme};
use domain::refusal::{ProgrammeRefusal, Refusal};
use domain::secretariat::Secretariat;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::{course, programme};
use crate::{Db, Result, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeRecord {
    pub id: Uuid,
    pub fiscal_year: i32,
    pub name_ja: String,
    pub name_en: String,
    pub is_current: bool,
    pub courses: Vec<CourseRecord>,
    /// The contact details entered for this year, `None` until entered (see [`Self::contact`]).
    pub secretariat: Option<Secretariat>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CourseRecord {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub code: CourseCode,
    pub name_ja: String,
    pub name_en: String,
    pub window: CourseWindow,
    pub capacity: u32,
    pub places_taken: u32,
    pub waitlisted: u32,
}

impl CourseRecord {
    pub fn places_remaining(&self) -> u32 {
        self.capacity.saturating_sub(self.places_taken)
    }
}

impl ProgrammeRecord {
    pub fn course(&self, code: CourseCode) -> Option<&CourseRecord> {
        self.courses.iter().find(|c| c.code == code)
    }

    /// Whom this year's companies contact: the details entered, or the unnamed default.
    pub fn contact(&self) -> Secretariat {
        self.secretariat.clone().unwrap_or_else(Secretariat::unnamed)
    }
}

/// Loads a programme year, creating it or updating the one with the same fiscal year.
/// Places already taken are kept; a capacity below them is refused.
pub async fn import(db: &Db, programme: &ValidProgramme, make_current: bool, now: DateTime<Utc>) -> Result<Uuid> {
    let tx = db.begin().await?;
    let id = import_in(&tx, programme, make_current, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`import`] inside the caller's transaction.
pub async fn import_in(
    tx: &crate::Tx,
    programme: &ValidProgramme,
    make_current: bool,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let tx = tx.conn();
    let existing =
        programme::Entity::find().filter(programme::Column::FiscalYear.eq(programme.fiscal_year)).one(tx).await?;
    let programme_id = match existing {
        Some(model) => {
            let id = model.id;
            let mut active: programme::ActiveModel = model.into();
            active.name_ja = Set(programme.name_ja.clone());
            active.name_en = Set(programme.name_en.clone());
            // A file without `[secretariat]` keeps the details entered in the office.
            if let Some(secretariat) = &programme.secretariat {
                active.secretariat = Set(Some(secretariat_json(secretariat)));
            }
            // Likewise a file without `[incident_desk]` keeps the stored desk settings.
            if let Some(desk) = &programme.incident_desk {
                active.incident_desk = Set(Some(desk_json(desk)));
            }
            // And one without `[inquiries]` the stored first-answer target.
            if let Some(target) = programme.inquiry_target {
                active.inquiry_target = Set(Some(target.code()));
            }
            active.updated_at = Set(now);
            active.update(tx).await?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            programme::ActiveModel {
                id: Set(id),
                fiscal_year: Set(programme.fiscal_year),
                name_ja: Set(programme.name_ja.clone()),
                name_en: Set(programme.name_en.clone()),
                is_current: Set(false),
                secretariat: Set(programme.secretariat.as_ref().map(secretariat_json)),
                incident_desk: Set(programme.incident_desk.as_ref().map(desk_json)),
                inquiry_target: Set(programme.inquiry_target.map(|target| target.code())),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(tx)
            .await?;
            id
        }
    };
    for spec in &programme.courses {
        let existing = course::Entity::find()
            .filter(course::Column::ProgrammeId.eq(programme_id))
            .filter(course::Column::Code.eq(spec.code.code()))
            .one(tx)
            .await?;
        match existing {
            Some(model) => {
                if (spec.capacity as i32) < model.places_taken {
                    return Err(StoreError::Refused(Refusal::Programme(ProgrammeRefusal::CapacityBelowTaken {
                        capacity: spec.capacity,
                        taken: model.places_taken.max(0) as u32,
                    })));
                }
                let mut active: course::ActiveModel = model.into();
                active.name_ja = Set(spec.name_ja.clone());
                active.name_en = Set(spec.name_en.clone());
                active.window_start = Set(spec.window.start());
                active.window_end = Set(spec.window.end());
                active.capacity = Set(spec.capacity as i32);
                active.updated_at = Set(now);
                active.update(tx).await?;
            }
            None => {
                course::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    programme_id: Set(programme_id),
                    code: Set(spec.code.code().to_string()),
                    name_ja: Set(spec.name_ja.clone()),
                    name_en: Set(spec.name_en.clone()),
                    window_start: Set(spec.window.start()),
                    window_end: Set(spec.window.end()),
                    capacity: Set(spec.capacity as i32),
                    places_taken: Set(0),
                    waitlist_seq: Set(0),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(tx)
                .await?;
            }
        }
    }
    for seminar in &programme.seminars {
        crate::seminars::upsert_in(tx, programme_id, seminar, now).await?;
    }
    if make_current {
        set_current_in(tx, programme_id, now).await?;
    }
    Ok(programme_id)
}

/// Makes one programme year the current one (and no other), in the caller's transaction.
pub async fn set_current(tx: &crate::Tx, programme_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    let tx = tx.conn();
    programme::Entity::find_by_id(programme_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    set_current_in(tx, programme_id, now).await
}

async fn set_current_in(tx: &sea_orm::DatabaseTransaction, programme_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    use sea_orm::sea_query::Expr;
    programme::Entity::update_many().col_expr(programme::Column::IsCurrent, Expr::value(false)).exec(tx).await?;
    programme::Entity::update_many()
        .col_expr(programme::Column::IsCurrent, Expr::value(true))
        .col_expr(programme::Column::UpdatedAt, Expr::value(now))
        .filter(programme::Column::Id.eq(programme_id))
        .exec(tx)
        .await?;
    Ok(())
}

/// The current programme year with its courses, or `None` before any is imported.
pub async fn current(db: &Db) -> Result<Option<ProgrammeRecord>> {
    let found = programme::Entity::find().filter(programme::Column::IsCurrent.eq(true)).one(db.conn()).await?;
    match found {
        Some(model) => Ok(Some(with_courses(db, model).await?)),
        None => Ok(None),
    }
}

pub async fn get(db: &Db, programme_id: Uuid) -> Result<ProgrammeRecord> {
    let model = programme::Entity::find_by_id(programme_id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    with_courses(db, model).await
}

/// Every programme year, newest first.
pub async fn list(db: &Db) -> Result<Vec<ProgrammeRecord>> {
    let models = programme::Entity::find().order_by_desc(programme::Column::FiscalYear).all(db.conn()).await?;
    let mut records = Vec::with_capacity(models.len());
    for model in models {
        records.push(with_courses(db, model).await?);
    }
    Ok(records)
}

/// Changes a course's window and capacity (the administrator's edit), in the caller's
/// transaction; a capacity below the places already held is refused.
pub async fn update_course(
    tx: &crate::Tx,
    course_id: Uuid,
    window: CourseWindow,
    capacity: u32,
    now: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::QuerySelect;
    let tx = tx.conn();
    let model = course::Entity::find_by_id(course_id).lock_exclusive().one(tx).await?.ok_or(StoreError::NotFound)?;
    if (capacity as i32) < model.places_taken {
        return Err(StoreError::Refused(Refusal::Programme(ProgrammeRefusal::CapacityBelowTaken {
            capacity,
            taken: model.places_taken.max(0) as u32,
        })));
    }
    let mut active: course::ActiveModel = model.into();
    active.window_start = Set(window.start());
    active.window_end = Set(window.end());
    active.capacity = Set(capacity as i32);
    active.updated_at = Set(now);
    active.update(tx).await?;
    Ok(())
}

/// Saves a programme year's secretariat contact details, in the caller's transaction.
pub async fn save_secretariat_in(
    tx: &crate::Tx,
    programme_id: Uuid,
    secretariat: &Secretariat,
    now: DateTime<Utc>,
) -> Result<()> {
    let tx = tx.conn();
    let model = programme::Entity::find_by_id(programme_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    let mut active: programme::ActiveModel = model.into();
    active.secretariat = Set(Some(secretariat_json(secretariat)));
    active.updated_at = Set(now);
    active.update(tx).await?;
    Ok(())
}

/// Whom the companies of a programme year contact (the unnamed default until entered).
pub async fn contact(db: &Db, programme_id: Uuid) -> Result<Secretariat> {
    let model = programme::Entity::find_by_id(programme_id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    Ok(secretariat_of(&model)?.unwrap_or_else(Secretariat::unnamed))
}

/// Whom companies contact now: the current programme year's secretariat, or the unnamed default
/// before any year is current.
pub async fn current_contact(db: &Db) -> Result<Secretariat> {
    let found = programme::Entity::find().filter(programme::Column::IsCurrent.eq(true)).one(db.conn()).await?;
    Ok(match found {
        Some(model) => secretariat_of(&model)?,
        None => None,
    }
    .unwrap_or_else(Secretariat::unnamed))
}

fn secretariat_json(secretariat: &Secretariat) -> String {
    serde_json::to_string(secretariat).expect("contact details serialise")
}

fn secretariat_of(model: &programme::Model) -> Result<Option<Secretariat>> {
    model
        .secretariat
        .as_deref()
        .map(|text| {
            serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("programme {} secretariat: {e}", model.id)))
        })
        .transpose()
}

async fn with_courses(db: &Db, model: programme::Model) -> Result<ProgrammeRecord> {
    let courses = course::Entity::find()
        .filter(course::Column::ProgrammeId.eq(model.id))
        .order_by_asc(course::Column::Code)
        .all(db.conn())
        .await?;
    let mut records = courses.into_iter().map(course_record).collect::<Result<Vec<_>>>()?;
    // ① before ②, whatever the codes sort as.
    records.sort_by_key(|c| CourseCode::ALL.iter().position(|code| *code == c.code));
    let secretariat = secretariat_of(&model)?;
    Ok(ProgrammeRecord {
        secretariat,
        id: model.id,
        fiscal_year: model.fiscal_year,
        name_ja: model.name_ja,
        name_en: model.name_en,
        is_current: model.is_current,
        courses: records,
    })
}

pub(crate) fn course_record(model: course::Model) -> Result<CourseRecord> {
    let code =
        CourseCode::from_code(&model.code).ok_or_else(|| StoreError::Corrupt(format!("course code {}", model.code)))?;
    let window =
        CourseWindow::new(model.window_start, model.window_end).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(CourseRecord {
        id: model.id,
        programme_id: model.programme_id,
        code,
        name_ja: model.name_ja,
        name_en: model.name_en,
        window,
        capacity: model.capacity.max(0) as u32,
        places_taken: model.places_taken.max(0) as u32,
        waitlisted: model.waitlist_seq.max(0) as u32,
    })
}

fn desk_json(desk: &domain::incident::DeskSpec) -> String {
    serde_json::to_string(desk).expect("desk settings serialise")
}

/// A programme year's first-answer target for inquiries, when its file set one.
pub async fn inquiry_target(db: &Db, programme_id: Uuid) -> Result<Option<domain::inquiry::Target>> {
    let model = programme::Entity::find_by_id(programme_id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    match model.inquiry_target {
        None => Ok(None),
        Some(code) => domain::inquiry::Target::from_code(&code)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("programme {} inquiry target {code:?}", model.id))),
    }
}

/// A programme year's incident desk as stored (its file's `[incident_desk]`), defaults when none.
pub async fn desk_spec(db: &Db, programme_id: Uuid) -> Result<domain::incident::DeskSpec> {
    let model = programme::Entity::find_by_id(programme_id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    match &model.incident_desk {
        None => Ok(domain::incident::DeskSpec::default()),
        Some(json) => serde_json::from_str(json)
            .map_err(|e| StoreError::Corrupt(format!("programme {} incident desk: {e}", model.id))),
    }
}

/// A programme year's incident desk, checked: the lead's address and the SLA targets.
pub async fn desk(db: &Db, programme_id: Uuid) -> Result<domain::incident::DeskSettings> {
    desk_spec(db, programme_id)
        .await?
        .validate()
        .map_err(|e| StoreError::Corrupt(format!("programme {programme_id} incident desk: {e}")))
}

//! Briefing seminars (説明会) and their registrations.
//!
//! Invariant: a mode's seats held never exceed its capacity, whatever the concurrency. Every
//! change of seats (register, cancel, switch) runs in the caller's write transaction after
//! locking the seminar row (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `SELECT … FOR UPDATE`), so
//! arrival order at the lock is the order seats are given. A freed seat goes to the first
//! registrant waiting in that mode while registration is open.

use chrono::{DateTime, Utc};
use domain::programme::{Placed, Places};
use domain::refusal::{Refusal, SeminarRefusal};
use domain::seminar::{Availability, HeardFrom, Language, Mode, NewRegistration, RegistrationStatus, ValidSeminar};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{seminar, seminar_registration as registration};
use crate::{Db, Result, StoreError};

/// A seminar with its seats as its row holds them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeminarRecord {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
    pub description_ja: String,
    pub description_en: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_name: String,
    pub venue_address: String,
    pub venue_map_url: Option<String>,
    /// Never shown publicly: only online registrants are sent it.
    #[serde(skip)]
    pub online_url: Option<String>,
    pub venue: Places,
    pub online: Places,
    pub deadline: DateTime<Utc>,
    pub max_attendees: u32,
}

impl SeminarRecord {
    pub fn places(&self, mode: Mode) -> Places {
        match mode {
            Mode::Venue => self.venue,
            Mode::Online => self.online,
        }
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        domain::seminar::registration_open(self.deadline, now)
    }

    /// What the public page says of `mode` at `now`.
    pub fn availability(&self, mode: Mode, now: DateTime<Utc>) -> Availability {
        let places = self.places(mode);
        Availability::of(places.capacity.max(0) as u32, places.taken.max(0) as u32, self.is_open(now))
    }

    pub fn title(&self, en: bool) -> &str {
        if en { &self.title_en } else { &self.title_ja }
    }
}

/// One registration, as the roster and the management page show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistrationRecord {
    pub id: Uuid,
    pub seminar_id: Uuid,
    pub reference: String,
    pub mode: Mode,
    pub status: RegistrationStatus,
    /// The place in its mode's queue when registered (never reused); see [`queue_position`].
    pub waitlist_position: Option<i32>,
    pub company_name: String,
    pub company_name_kana: String,
    pub corporate_number: Option<String>,
    pub person_name: String,
    pub email: String,
    pub phone: String,
    pub attendees: u32,
    pub questions: Option<String>,
    pub heard_from: Option<HeardFrom>,
    pub language: Language,
    /// The privacy policy version the registrant agreed to (none before it was kept).
    pub privacy_version: Option<String>,
    /// The calendar invitation's SEQUENCE: bumped by every change the registrant is sent.
    pub sequence: u32,
    pub attended_at: Option<DateTime<Utc>>,
    pub attendance_source: Option<String>,
    pub attended_minutes: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// What a registration, a cancellation or a switch changed: the registration itself, and the
/// registrants promoted from the waitlist into the seats it freed, in queue order.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub registration: RegistrationRecord,
    pub promoted: Vec<RegistrationRecord>,
    /// For a waitlisted registration: how many wait before it, itself included.
    pub queue_position: Option<u32>,
}

/// Adds `seminar` to the programme year, or updates the one with its code (never below the
/// seats already held).
pub(crate) async fn upsert_in(
    tx: &DatabaseTransaction,
    programme_id: Uuid,
    spec: &ValidSeminar,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let existing = seminar::Entity::find()
        .filter(seminar::Column::ProgrammeId.eq(programme_id))
        .filter(seminar::Column::Code.eq(spec.code.as_str()))
        .lock_exclusive()
        .one(tx)
        .await?;
    match existing {
        Some(model) => {
            let id = model.id;
            for (mode, capacity, held) in [
                (Mode::Venue, spec.venue_capacity, model.venue_taken),
                (Mode::Online, spec.online_capacity, model.online_taken),
            ] {
                if (capacity as i32) < held {
                    return Err(StoreError::Refused(Refusal::Seminar(SeminarRefusal::SeatsBelowHeld {
                        mode,
                        capacity,
                        held: held.max(0) as u32,
                    })));
                }
            }
            let mut active: seminar::ActiveModel = model.into();
            fill(&mut active, spec, now);
            active.update(tx).await?;
            Ok(id)
        }
        None => {
            let id = Uuid::now_v7();
            let mut active = seminar::ActiveModel {
                id: Set(id),
                programme_id: Set(programme_id),
                code: Set(spec.code.clone()),
                venue_taken: Set(0),
                online_taken: Set(0),
                venue_waitlist_seq: Set(0),
                online_waitlist_seq: Set(0),
                created_at: Set(now),
                ..Default::default()
            };
            fill(&mut active, spec, now);
            active.insert(tx).await?;
            Ok(id)
        }
    }
}

fn fill(active: &mut seminar::ActiveModel, spec: &ValidSeminar, now: DateTime<Utc>) {
    active.title_ja = Set(spec.title_ja.clone());
    active.title_en = Set(spec.title_en.clone());
    active.description_ja = Set(spec.description_ja.clone());
    active.description_en = Set(spec.description_en.clone());
    active.starts_at = Set(spec.starts_at);
    active.ends_at = Set(spec.ends_at);
    active.venue_name = Set(spec.venue_name.clone());
    active.venue_address = Set(spec.venue_address.clone());
    active.venue_map_url = Set(spec.venue_map_url.clone());
    active.online_url = Set(spec.online_url.clone());
    active.venue_capacity = Set(spec.venue_capacity as i32);
    active.online_capacity = Set(spec.online_capacity as i32);
    active.deadline = Set(spec.deadline);
    active.max_attendees = Set(spec.max_attendees as i32);
    active.updated_at = Set(now);
}

/// Adds or updates a seminar of `programme_id` (the administrator's form).
pub async fn save(tx: &crate::Tx, programme_id: Uuid, spec: &ValidSeminar, now: DateTime<Utc>) -> Result<Uuid> {
    upsert_in(tx.conn(), programme_id, spec, now).await
}

/// The seminars of a programme year, earliest first.
pub async fn list(db: &Db, programme_id: Uuid) -> Result<Vec<SeminarRecord>> {
    let models = seminar::Entity::find()
        .filter(seminar::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(seminar::Column::StartsAt)
        .order_by_asc(seminar::Column::Code)
        .all(db.conn())
        .await?;
    Ok(models.into_iter().map(seminar_record).collect())
}

pub async fn get(db: &Db, id: Uuid) -> Result<SeminarRecord> {
    seminar::Entity::find_by_id(id).one(db.conn()).await?.map(seminar_record).ok_or(StoreError::NotFound)
}

fn seminar_record(model: seminar::Model) -> SeminarRecord {
    SeminarRecord {
        id: model.id,
        programme_id: model.programme_id,
        code: model.code,
        title_ja: model.title_ja,
        title_en: model.title_en,
        description_ja: model.description_ja,
        description_en: model.description_en,
        starts_at: model.starts_at,
        ends_at: model.ends_at,
        venue_name: model.venue_name,
        venue_address: model.venue_address,
        venue_map_url: model.venue_map_url,
        online_url: model.online_url,
        venue: Places {
            capacity: model.venue_capacity,
            taken: model.venue_taken,
            waitlist_seq: model.venue_waitlist_seq,
        },
        online: Places {
            capacity: model.online_capacity,
            taken: model.online_taken,
            waitlist_seq: model.online_waitlist_seq,
        },
        deadline: model.deadline,
        max_attendees: model.max_attendees.max(1) as u32,
    }
}

/// The seminar row, locked for the rest of the transaction.
async fn lock_seminar(tx: &DatabaseTransaction, id: Uuid) -> Result<seminar::Model> {
    seminar::Entity::find_by_id(id).lock_exclusive().one(tx).await?.ok_or(StoreError::NotFound)
}

async fn save_places(
    tx: &DatabaseTransaction,
    model: seminar::Model,
    mode: Mode,
    places: Places,
    now: DateTime<Utc>,
) -> Result<seminar::Model> {
    let mut active: seminar::ActiveModel = model.into();
    match mode {
        Mode::Venue => {
            active.venue_taken = Set(places.taken);
            active.venue_waitlist_seq = Set(places.waitlist_seq);
        }
        Mode::Online => {
            active.online_taken = Set(places.taken);
            active.online_waitlist_seq = Set(places.waitlist_seq);
        }
    }
    active.updated_at = Set(now);
    Ok(active.update(tx).await?)
}

/// Seats are people: a registration of `attendees` takes that many seats if they are all free,
/// else the next waitlist position of its mode.
fn take(places: &mut Places, attendees: u32) -> Placed {
    let people = attendees.max(1) as i32;
    if places.taken + people <= places.capacity {
        places.taken += people;
        Placed::Place
    } else {
        places.waitlist_seq += 1;
        Placed::Waitlist { position: places.waitlist_seq }
    }
}

fn places_of(model: &seminar::Model, mode: Mode) -> Places {
    match mode {
        Mode::Venue => {
            Places { capacity: model.venue_capacity, taken: model.venue_taken, waitlist_seq: model.venue_waitlist_seq }
        }
        Mode::Online => Places {
            capacity: model.online_capacity,
            taken: model.online_taken,
            waitlist_seq: model.online_waitlist_seq,
        },
    }
}

/// What a new registration carries besides the checked form.
pub struct Registering<'a> {
    pub seminar_id: Uuid,
    pub registration: &'a NewRegistration,
    /// SHA-256 of the management link's secret.
    pub token_hash: String,
    pub reference: String,
    pub source_ip: Option<String>,
}

/// Registers for a seminar: a seat in the chosen mode if one is free, otherwise that mode's
/// waitlist. Refused after the deadline, and for an address that already holds a live
/// registration for the seminar.
pub async fn register(tx: &crate::Tx, new: &Registering<'_>, now: DateTime<Utc>) -> Result<Change> {
    let tx = tx.conn();
    let model = lock_seminar(tx, new.seminar_id).await?;
    if !domain::seminar::registration_open(model.deadline, now) {
        return Err(refused(SeminarRefusal::Closed));
    }
    let email = new.registration.email.as_str();
    let existing = registration::Entity::find()
        .filter(registration::Column::SeminarId.eq(new.seminar_id))
        .filter(registration::Column::Email.eq(email))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled.code()))
        .one(tx)
        .await?;
    if existing.is_some() {
        return Err(refused(SeminarRefusal::Duplicate));
    }
    let mode = new.registration.mode;
    let mut places = places_of(&model, mode);
    let (status, waitlist_position) = match take(&mut places, new.registration.attendees) {
        Placed::Place => (RegistrationStatus::Held, None),
        Placed::Waitlist { position } => (RegistrationStatus::Waitlisted, Some(position)),
    };
    save_places(tx, model, mode, places, now).await?;
    let r = new.registration;
    let row = registration::ActiveModel {
        id: Set(Uuid::now_v7()),
        seminar_id: Set(new.seminar_id),
        reference: Set(new.reference.clone()),
        mode: Set(mode.code().to_string()),
        status: Set(status.code().to_string()),
        waitlist_position: Set(waitlist_position),
        company_name: Set(r.company_name.clone()),
        company_name_kana: Set(r.company_name_kana.as_str().to_string()),
        corporate_number: Set(r.corporate_number.as_ref().map(|n| n.as_str().to_string())),
        person_name: Set(r.person_name.clone()),
        email: Set(email.to_string()),
        phone: Set(r.phone.as_str().to_string()),
        attendees: Set(r.attendees as i32),
        questions: Set(r.questions.clone()),
        heard_from: Set(r.heard_from.map(|h| h.code().to_string())),
        language: Set(r.language.code().to_string()),
        manage_token_hash: Set(new.token_hash.clone()),
        sequence: Set(0),
        attended_at: Set(None),
        attendance_source: Set(None),
        attended_minutes: Set(None),
        reminded_at: Set(None),
        soon_reminded_at: Set(None),
        source_ip: Set(new.source_ip.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        cancelled_at: Set(None),
        privacy_version: Set(Some(crate::applications::privacy_version_at(now).to_string())),
    };
    let inserted = match row.insert(tx).await {
        Ok(model) => model,
        Err(error) if crate::is_unique_violation(&error, "reference", "seminar_registrations.reference") => {
            return Err(StoreError::ReferenceTaken);
        }
        Err(error)
            if crate::is_unique_violation(&error, "ux_seminar_registrations_email", "seminar_registrations.email") =>
        {
            return Err(refused(SeminarRefusal::Duplicate));
        }
        Err(error) => return Err(error.into()),
    };
    let registration = registration_record(inserted)?;
    let queue_position = queue_position_in(tx, &registration).await?;
    Ok(Change { registration, promoted: Vec::new(), queue_position })
}

/// How many registrations of its mode wait before `registration`, itself included.
async fn queue_position_in(tx: &impl ConnectionTrait, registration: &RegistrationRecord) -> Result<Option<u32>> {
    let Some(position) =
        registration.waitlist_position.filter(|_| registration.status == RegistrationStatus::Waitlisted)
    else {
        return Ok(None);
    };
    let ahead = registration::Entity::find()
        .filter(registration::Column::SeminarId.eq(registration.seminar_id))
        .filter(registration::Column::Mode.eq(registration.mode.code()))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted.code()))
        .filter(registration::Column::WaitlistPosition.lte(position))
        .count(tx)
        .await?;
    Ok(Some(ahead as u32))
}

/// The current queue position of a waitlisted registration (for its management page).
pub async fn queue_position(db: &Db, registration: &RegistrationRecord) -> Result<Option<u32>> {
    queue_position_in(db.conn(), registration).await
}

/// The registration a management link's secret (its SHA-256) opens.
pub async fn by_token_hash(db: &Db, token_hash: &str) -> Result<RegistrationRecord> {
    let model = registration::Entity::find()
        .filter(registration::Column::ManageTokenHash.eq(token_hash))
        .one(db.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    registration_record(model)
}

/// A registration of `seminar_id` by its reference (check-in), as typed or scanned.
pub async fn by_reference(db: &Db, seminar_id: Uuid, reference: &str) -> Result<RegistrationRecord> {
    let model = registration::Entity::find()
        .filter(registration::Column::SeminarId.eq(seminar_id))
        .filter(registration::Column::Reference.eq(reference))
        .one(db.conn())
        .await?
        .ok_or(StoreError::NotFound)?;
    registration_record(model)
}

pub async fn registration(db: &Db, id: Uuid) -> Result<RegistrationRecord> {
    registration::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound).and_then(registration_record)
}

/// Every registration of a seminar, in arrival order.
pub async fn roster(db: &Db, seminar_id: Uuid) -> Result<Vec<RegistrationRecord>> {
    registration::Entity::find()
        .filter(registration::Column::SeminarId.eq(seminar_id))
        .order_by_asc(registration::Column::CreatedAt)
        .order_by_asc(registration::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(registration_record)
        .collect()
}

/// Cancels a registration. The seats it held go to the registrants waiting in its mode, in
/// queue order, each whose party fits, while registration is open (the i-th promoted gets the
/// management link `promoted_token_hashes[i]`, sent in its promotion e-mail); after the deadline
/// the seats are only freed for the record.
pub async fn cancel(
    tx: &crate::Tx,
    registration_id: Uuid,
    promoted_token_hashes: Vec<String>,
    now: DateTime<Utc>,
) -> Result<Change> {
    let tx = tx.conn();
    let peek = registration::Entity::find_by_id(registration_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    let seminar = lock_seminar(tx, peek.seminar_id).await?;
    let current = registration::Entity::find_by_id(registration_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    let record = registration_record(current.clone())?;
    if now >= seminar.ends_at {
        return Err(refused(SeminarRefusal::Over));
    }
    if record.status == RegistrationStatus::Cancelled {
        return Err(refused(SeminarRefusal::Cancelled));
    }
    let held = record.status == RegistrationStatus::Held;
    let mut active: registration::ActiveModel = current.into();
    active.status = Set(RegistrationStatus::Cancelled.code().to_string());
    active.cancelled_at = Set(Some(now));
    active.sequence = Set(record.sequence as i32 + 1);
    active.updated_at = Set(now);
    let registration = registration_record(active.update(tx).await?)?;
    let promoted = if held {
        release_seats(tx, seminar, record.mode, record.attendees, promoted_token_hashes, now).await?
    } else {
        Vec::new()
    };
    Ok(Change { registration, promoted, queue_position: None })
}

/// The management links' secrets (SHA-256) a change hands out: each e-mail carries a fresh
/// link, and the one before it stops working.
pub struct NewLinks {
    pub own: String,
    /// One for each registrant that may be promoted (as many as the seats freed).
    pub promoted: Vec<String>,
}

/// Moves a live registration to the other mode, which must have a free seat (before the
/// deadline). A seat it held goes to the first registrant waiting in its old mode.
pub async fn switch_mode(
    tx: &crate::Tx,
    registration_id: Uuid,
    to: Mode,
    links: NewLinks,
    now: DateTime<Utc>,
) -> Result<Change> {
    let tx = tx.conn();
    let peek = registration::Entity::find_by_id(registration_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    let seminar = lock_seminar(tx, peek.seminar_id).await?;
    let current = registration::Entity::find_by_id(registration_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    let record = registration_record(current.clone())?;
    if record.status == RegistrationStatus::Cancelled {
        return Err(refused(SeminarRefusal::Cancelled));
    }
    if !domain::seminar::registration_open(seminar.deadline, now) {
        return Err(refused(SeminarRefusal::Closed));
    }
    if record.mode == to {
        return Err(refused(SeminarRefusal::SameMode));
    }
    let mut target = places_of(&seminar, to);
    let people = record.attendees.max(1) as i32;
    if target.taken + people > target.capacity {
        return Err(refused(SeminarRefusal::NoSeatToSwitch(to)));
    }
    target.taken += people;
    let seminar = save_places(tx, seminar, to, target, now).await?;
    let held = record.status == RegistrationStatus::Held;
    let mut active: registration::ActiveModel = current.into();
    active.mode = Set(to.code().to_string());
    active.status = Set(RegistrationStatus::Held.code().to_string());
    active.waitlist_position = Set(None);
    active.manage_token_hash = Set(links.own);
    active.sequence = Set(record.sequence as i32 + 1);
    active.updated_at = Set(now);
    let registration = registration_record(active.update(tx).await?)?;
    let promoted = if held {
        release_seats(tx, seminar, record.mode, record.attendees, links.promoted, now).await?
    } else {
        Vec::new()
    };
    Ok(Change { registration, promoted, queue_position: None })
}

/// Gives back `people` seats of `mode`; while registration is open the registrants waiting in
/// that mode take them at once, in queue order, each whose party fits (and are returned, to be
/// told, each with the next of `token_hashes` as its new management link).
async fn release_seats(
    tx: &DatabaseTransaction,
    seminar: seminar::Model,
    mode: Mode,
    people: u32,
    token_hashes: Vec<String>,
    now: DateTime<Utc>,
) -> Result<Vec<RegistrationRecord>> {
    let mut places = places_of(&seminar, mode);
    places.taken = (places.taken - people.max(1) as i32).max(0);
    let mut promoted = Vec::new();
    if domain::seminar::registration_open(seminar.deadline, now) && places.taken < places.capacity {
        let waiting = registration::Entity::find()
            .filter(registration::Column::SeminarId.eq(seminar.id))
            .filter(registration::Column::Mode.eq(mode.code()))
            .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted.code()))
            .order_by_asc(registration::Column::WaitlistPosition)
            .all(tx)
            .await?;
        let mut hashes = token_hashes.into_iter();
        for model in waiting {
            let party = model.attendees.max(1);
            if places.taken + party > places.capacity {
                continue;
            }
            let Some(hash) = hashes.next() else { break };
            places.taken += party;
            let sequence = model.sequence;
            let mut active: registration::ActiveModel = model.into();
            active.status = Set(RegistrationStatus::Held.code().to_string());
            active.waitlist_position = Set(None);
            active.manage_token_hash = Set(hash);
            active.sequence = Set(sequence + 1);
            active.updated_at = Set(now);
            promoted.push(registration_record(active.update(tx).await?)?);
            if places.taken >= places.capacity {
                break;
            }
        }
    }
    save_places(tx, seminar, mode, places, now).await?;
    Ok(promoted)
}

/// Whether a check-in found its registrant already marked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    pub registration: RegistrationRecord,
    pub already: bool,
}

/// Marks a registration holding a seat as attended at `now` (`source`: `checkin`, `zoom`,
/// `manual`); a second check-in keeps the first time.
pub async fn mark_attended(
    tx: &crate::Tx,
    registration_id: Uuid,
    source: &'static str,
    minutes: Option<u32>,
    now: DateTime<Utc>,
) -> Result<CheckIn> {
    let tx = tx.conn();
    let model = registration::Entity::find_by_id(registration_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    let record = registration_record(model.clone())?;
    if record.status != RegistrationStatus::Held {
        return Err(refused(SeminarRefusal::NotHeld));
    }
    if record.attended_at.is_some() && minutes.is_none() {
        return Ok(CheckIn { registration: record, already: true });
    }
    let already = record.attended_at.is_some();
    let mut active: registration::ActiveModel = model.into();
    if !already {
        active.attended_at = Set(Some(now));
        active.attendance_source = Set(Some(source.to_string()));
    }
    if let Some(minutes) = minutes {
        active.attended_minutes = Set(Some(minutes.min(i32::MAX as u32) as i32));
    }
    active.updated_at = Set(now);
    Ok(CheckIn { registration: registration_record(active.update(tx).await?)?, already })
}

fn refused(why: SeminarRefusal) -> StoreError {
    StoreError::Refused(Refusal::Seminar(why))
}

fn registration_record(model: registration::Model) -> Result<RegistrationRecord> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("seminar registration {}: {what}", model.id));
    Ok(RegistrationRecord {
        mode: Mode::from_code(&model.mode).ok_or_else(|| corrupt("mode"))?,
        status: RegistrationStatus::from_code(&model.status).ok_or_else(|| corrupt("status"))?,
        heard_from: model.heard_from.as_deref().and_then(HeardFrom::from_code),
        language: Language::from_code(&model.language).unwrap_or_default(),
        privacy_version: model.privacy_version.clone(),
        id: model.id,
        seminar_id: model.seminar_id,
        reference: model.reference,
        waitlist_position: model.waitlist_position,
        company_name: model.company_name,
        company_name_kana: model.company_name_kana,
        corporate_number: model.corporate_number,
        person_name: model.person_name,
        email: model.email,
        phone: model.phone,
        attendees: model.attendees.max(0) as u32,
        questions: model.questions,
        sequence: model.sequence.max(0) as u32,
        attended_at: model.attended_at,
        attendance_source: model.attendance_source,
        attended_minutes: model.attended_minutes.map(|m| m.max(0) as u32),
        created_at: model.created_at,
        cancelled_at: model.cancelled_at,
    })
}

/// Which reminder: the day before (everyone holding a seat), or an hour before (online only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    DayBefore,
    HourBefore,
}

/// The registrations holding a seat that `reminder` has not reached yet.
pub async fn due_reminders(db: &Db, seminar_id: Uuid, reminder: Reminder) -> Result<Vec<RegistrationRecord>> {
    let mut query = registration::Entity::find()
        .filter(registration::Column::SeminarId.eq(seminar_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Held.code()));
    query = match reminder {
        Reminder::DayBefore => query.filter(registration::Column::RemindedAt.is_null()),
        Reminder::HourBefore => query
            .filter(registration::Column::Mode.eq(Mode::Online.code()))
            .filter(registration::Column::SoonRemindedAt.is_null()),
    };
    query
        .order_by_asc(registration::Column::CreatedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(registration_record)
        .collect()
}

/// Records that `reminder` was queued for a registration, in the transaction that queues it;
/// false when another run got there first (the e-mail must then not be sent).
pub async fn mark_reminded(
    tx: &crate::Tx,
    registration_id: Uuid,
    reminder: Reminder,
    now: DateTime<Utc>,
) -> Result<bool> {
    use sea_orm::sea_query::Expr;
    let column = match reminder {
        Reminder::DayBefore => registration::Column::RemindedAt,
        Reminder::HourBefore => registration::Column::SoonRemindedAt,
    };
    let updated = registration::Entity::update_many()
        .col_expr(column, Expr::value(now))
        .filter(registration::Column::Id.eq(registration_id))
        .filter(column.is_null())
        .filter(registration::Column::Status.eq(RegistrationStatus::Held.code()))
        .exec(tx.conn())
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Every seminar of every year that has not started by `now` (reminders are planned for them).
pub async fn upcoming(db: &Db, now: DateTime<Utc>) -> Result<Vec<SeminarRecord>> {
    let models = seminar::Entity::find()
        .filter(seminar::Column::StartsAt.gt(now))
        .order_by_asc(seminar::Column::StartsAt)
        .all(db.conn())
        .await?;
    Ok(models.into_iter().map(seminar_record).collect())
}

/// A company name compared loosely: NFKC (already applied on input), no spaces, lower case.
pub fn company_key(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// The seminar registrations (not cancelled) of the company that applied with this 法人番号,
/// e-mail address or company name (STEP0 before STEP1), seminars of the programme year only,
/// earliest seminar first. The 法人番号 decides when both have one.
pub async fn of_company(
    db: &Db,
    programme_id: Uuid,
    corporate_number: Option<&str>,
    email: &str,
    company_name: &str,
) -> Result<Vec<(SeminarRecord, RegistrationRecord)>> {
    let seminars = list(db, programme_id).await?;
    let ids: Vec<Uuid> = seminars.iter().map(|s| s.id).collect();
    let rows = registration::Entity::find()
        .filter(registration::Column::SeminarId.is_in(ids))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled.code()))
        .order_by_asc(registration::Column::CreatedAt)
        .all(db.conn())
        .await?;
    let name = company_key(company_name);
    let mut found = Vec::new();
    for row in rows {
        // A record reduced under the retention schedule matches nothing (its e-mail is empty and
        // its name a placeholder that every reduced record shares).
        if row.company_name == crate::retention::REDUCED_NAME || company_name == crate::retention::REDUCED_NAME {
            continue;
        }
        let same = match (corporate_number, row.corporate_number.as_deref()) {
            (Some(a), Some(b)) => a == b,
            _ => (!email.is_empty() && row.email.eq_ignore_ascii_case(email)) || company_key(&row.company_name) == name,
        };
        if same {
            let record = registration_record(row)?;
            if let Some(seminar) = seminars.iter().find(|s| s.id == record.seminar_id) {
                found.push((seminar.clone(), record));
            }
        }
    }
    found.sort_by_key(|(seminar, _)| seminar.starts_at);
    Ok(found)
}

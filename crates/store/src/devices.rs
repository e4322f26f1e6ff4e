//! Course ① devices: the registry (one active UTM per company), the site survey, installation,
//! removal or continuation.

use chrono::{DateTime, NaiveDate, Utc};
use domain::device::{DeviceStage, SurveyResult};
use domain::programme::CourseCode;
use domain::refusal::{DeviceRefusal, Refusal};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{application, course, device};
use crate::{Db, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub vendor: String,
    pub model: String,
    pub serial: String,
    pub sender_address: Option<String>,
    pub survey: SurveyResult,
    pub survey_notes: Option<String>,
    pub installed_on: Option<NaiveDate>,
    pub removed_on: Option<NaiveDate>,
    pub continued_on: Option<NaiveDate>,
    /// What the company chose for after the trial, and when.
    pub trial_choice: Option<domain::device::TrialChoice>,
    pub trial_choice_at: Option<DateTime<Utc>>,
    /// The UTM operator's contract reference of a continuation.
    pub operator_reference: Option<String>,
    /// When it was registered in Kojo.
    pub registered_at: DateTime<Utc>,
}

impl DeviceRecord {
    /// Whether the company is asked to choose continuation or removal on `today`.
    pub fn choice_open(&self, today: NaiveDate) -> bool {
        domain::device::choice_open(self.installed_on, self.removed_on, self.continued_on, today)
    }

    /// Whether the programme no longer watches it (removed, or continued past the trial).
    pub fn out_of_programme(&self, today: NaiveDate) -> bool {
        domain::device::out_of_programme(self.installed_on, self.removed_on, self.continued_on, today)
    }

    /// The last day the programme watches it, once that is known.
    pub fn monitored_until(&self) -> Option<NaiveDate> {
        domain::device::monitored_until(self.installed_on, self.removed_on, self.continued_on)
    }

    pub fn stage(&self, today: NaiveDate) -> DeviceStage {
        domain::device::stage(self.installed_on, self.removed_on, self.continued_on, today)
    }

    pub fn trial_last_day(&self) -> Option<NaiveDate> {
        self.installed_on.map(domain::device::trial_last_day)
    }
}

pub struct NewDevice<'a> {
    pub application_id: Uuid,
    pub vendor: &'a str,
    pub model: &'a str,
    pub serial: &'a str,
    /// The address its syslog comes from: the listener accepts its messages only from there
    /// (until it is recorded, they are listed as unknown senders).
    pub sender_address: Option<&'a str>,
}

/// Registers a device for a company on course ①. A company has at most one device not yet
/// removed; the serial is unique.
pub async fn register(db: &Db, new: NewDevice<'_>, now: DateTime<Utc>) -> Result<Uuid> {
    let tx = db.begin().await?;
    let id = register_in(&tx, new, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`register`] inside the caller's transaction (with its audit row).
pub async fn register_in(tx: &Tx, new: NewDevice<'_>, now: DateTime<Utc>) -> Result<Uuid> {
    let tx = tx.conn();
    let app = application::Entity::find_by_id(new.application_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let course = course::Entity::find_by_id(app.course_id).one(tx).await?.ok_or(StoreError::NotFound)?;
    if course.code != CourseCode::Utm.code() {
        return Err(StoreError::Refused(Refusal::DeviceOutsideUtm));
    }
    let active = device::Entity::find()
        .filter(device::Column::ApplicationId.eq(app.id))
        .filter(device::Column::RemovedOn.is_null())
        .one(tx)
        .await?;
    if active.is_some() {
        return Err(StoreError::Refused(Refusal::DeviceAlreadyRegistered));
    }
    let id = Uuid::now_v7();
    let result = device::ActiveModel {
        id: Set(id),
        application_id: Set(app.id),
        vendor: Set(new.vendor.to_string()),
        model: Set(new.model.to_string()),
        serial: Set(new.serial.to_string()),
        sender_address: Set(new.sender_address.map(str::to_string)),
        survey_result: Set(SurveyResult::Pending.code().to_string()),
        survey_notes: Set(None),
        installed_on: Set(None),
        removed_on: Set(None),
        continued_on: Set(None),
        trial_choice: Set(None),
        trial_choice_at: Set(None),
        operator_reference: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await;
    match result {
        Ok(_) => {}
        Err(error) if crate::is_unique_violation(&error, "devices_serial", "devices.serial") => {
            return Err(StoreError::Refused(Refusal::SerialTaken(new.serial.to_string())));
        }
        Err(error) => return Err(error.into()),
    }
    Ok(id)
}

/// A change to a device's life: survey result, installation, removal, continuation.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceChange {
    Survey {
        result: SurveyResult,
        notes: Option<String>,
    },
    Installed(NaiveDate),
    Removed(NaiveDate),
    /// Continued under a contract with the UTM operator from this day, with its reference.
    Continued(NaiveDate, Option<String>),
    /// The address its syslog comes from (`None` forgets it); the listener accepts a device's
    /// messages only from this address.
    SenderAddress(Option<String>),
}

pub async fn change(db: &Db, id: Uuid, change: DeviceChange, now: DateTime<Utc>) -> Result<DeviceRecord> {
    let tx = db.begin().await?;
    let record = change_in(&tx, id, change, now).await?;
    tx.commit().await?;
    Ok(record)
}

/// [`change`] inside the caller's transaction (with its audit row).
pub async fn change_in(tx: &Tx, id: Uuid, change: DeviceChange, now: DateTime<Utc>) -> Result<DeviceRecord> {
    let tx = tx.conn();
    let model = device::Entity::find_by_id(id).lock_exclusive().one(tx).await?.ok_or(StoreError::NotFound)?;
    let current = record(model.clone())?;
    let conflict = |why: DeviceRefusal| Err(StoreError::Refused(Refusal::DeviceChange(why)));
    let mut update: device::ActiveModel = model.into();
    match &change {
        DeviceChange::Survey { result, notes } => {
            if current.installed_on.is_some() {
                return conflict(DeviceRefusal::SurveyAfterInstallation);
            }
            update.survey_result = Set(result.code().to_string());
            update.survey_notes = Set(notes.clone());
        }
        DeviceChange::Installed(on) => {
            if current.survey != SurveyResult::Installable {
                return conflict(DeviceRefusal::InstallWithoutInstallableSurvey);
            }
            if current.removed_on.is_some() {
                return conflict(DeviceRefusal::AlreadyRemoved);
            }
            update.installed_on = Set(Some(*on));
        }
        DeviceChange::SenderAddress(address) => {
            update.sender_address = Set(address.clone());
        }
        DeviceChange::Removed(on) | DeviceChange::Continued(on, _) => {
            let Some(installed) = current.installed_on else {
                return conflict(DeviceRefusal::NotInstalled);
            };
            if *on < installed {
                return conflict(DeviceRefusal::DateBeforeInstallation);
            }
            if current.removed_on.is_some() || current.continued_on.is_some() {
                return conflict(DeviceRefusal::AlreadyEnded);
            }
            match &change {
                DeviceChange::Continued(_, reference) => {
                    update.continued_on = Set(Some(*on));
                    update.operator_reference = Set(reference.clone());
                }
                _ => update.removed_on = Set(Some(*on)),
            }
        }
    }
    update.updated_at = Set(now);
    let saved = update.update(tx).await?;
    record(saved)
}

pub async fn get(db: &Db, id: Uuid) -> Result<DeviceRecord> {
    record(device::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?)
}

pub async fn list(db: &Db) -> Result<Vec<DeviceRecord>> {
    device::Entity::find()
        .order_by_asc(device::Column::CreatedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(record)
        .collect()
}

pub async fn for_application(db: &Db, application_id: Uuid) -> Result<Vec<DeviceRecord>> {
    device::Entity::find()
        .filter(device::Column::ApplicationId.eq(application_id))
        .order_by_asc(device::Column::CreatedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(record)
        .collect()
}

pub async fn find_by_serial(db: &Db, serial: &str) -> Result<Option<DeviceRecord>> {
    device::Entity::find().filter(device::Column::Serial.eq(serial)).one(db.conn()).await?.map(record).transpose()
}

/// The device (not removed) whose syslog comes from `address`.
pub async fn find_by_sender(db: &Db, address: &str) -> Result<Option<DeviceRecord>> {
    device::Entity::find()
        .filter(device::Column::SenderAddress.eq(address))
        .filter(device::Column::RemovedOn.is_null())
        .one(db.conn())
        .await?
        .map(record)
        .transpose()
}

fn record(model: device::Model) -> Result<DeviceRecord> {
    let survey = SurveyResult::from_code(&model.survey_result)
        .ok_or_else(|| StoreError::Corrupt(format!("survey result {}", model.survey_result)))?;
    Ok(DeviceRecord {
        id: model.id,
        application_id: model.application_id,
        vendor: model.vendor,
        model: model.model,
        serial: model.serial,
        sender_address: model.sender_address,
        survey,
        survey_notes: model.survey_notes,
        installed_on: model.installed_on,
        removed_on: model.removed_on,
        continued_on: model.continued_on,
        trial_choice: match model.trial_choice.as_deref() {
            Some(code) => Some(
                domain::device::TrialChoice::from_code(code)
                    .ok_or_else(|| StoreError::Corrupt(format!("trial choice {code}")))?,
            ),
            None => None,
        },
        trial_choice_at: model.trial_choice_at,
        registered_at: model.created_at,
        operator_reference: model.operator_reference,
    })
}

/// Records the company's choice for after the trial (it may change its mind until staff record
/// the removal or the continuation).
pub async fn choose(
    tx: &Tx,
    id: Uuid,
    choice: domain::device::TrialChoice,
    now: DateTime<Utc>,
) -> Result<DeviceRecord> {
    let model = device::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if model.removed_on.is_some() || model.continued_on.is_some() {
        return Err(StoreError::Refused(Refusal::DeviceChange(DeviceRefusal::AlreadyEnded)));
    }
    if model.installed_on.is_none() {
        return Err(StoreError::Refused(Refusal::DeviceChange(DeviceRefusal::NotInstalled)));
    }
    let mut update: device::ActiveModel = model.into();
    update.trial_choice = Set(Some(choice.code().to_string()));
    update.trial_choice_at = Set(Some(now));
    update.updated_at = Set(now);
    record(update.update(tx.conn()).await?)
}

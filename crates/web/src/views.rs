//! View models shared by several pages: a case as a list row, a device with its stage.

use chrono::NaiveDate;
use domain::programme::CourseCode;
use store::applications::ApplicationRecord;
use store::devices::DeviceRecord;
use uuid::Uuid;

use crate::AppState;
use crate::error::PageError;
use crate::i18n::T;

/// One row of the list, formatted for display.
pub(crate) struct Row {
    pub(crate) id: Uuid,
    pub(crate) reference: String,
    pub(crate) course: &'static str,
    pub(crate) status_code: &'static str,
    pub(crate) status: &'static str,
    pub(crate) waitlist_position: Option<u32>,
    pub(crate) company_name: String,
    pub(crate) company_name_kana: String,
    pub(crate) corporate_number: String,
    pub(crate) received_at: String,
    pub(crate) contact_due: String,
    pub(crate) overdue: bool,
    pub(crate) flagged: bool,
}

pub(crate) fn course_label(t: T, code: CourseCode) -> &'static str {
    match code {
        CourseCode::Utm => t.s("① UTM", "1 UTM"),
        CourseCode::RiskAssessment => t.s("② リスクアセスメント", "2 Risk assessment"),
    }
}

pub(crate) fn row(t: T, record: &ApplicationRecord, today: NaiveDate) -> Row {
    Row {
        id: record.id,
        reference: record.reference.clone(),
        course: course_label(t, record.course_code),
        status_code: record.status.code(),
        status: t.pick(record.status.label_ja(), record.status.label_en()),
        waitlist_position: record.waitlist_position,
        company_name: record.company_name.clone(),
        company_name_kana: record.company_name_kana.clone(),
        corporate_number: record
            .corporate_number
            .clone()
            .unwrap_or_else(|| t.s("（個人事業主）", "(sole proprietor)").into()),
        received_at: t.datetime(&record.received_at),
        contact_due: t.date(&record.contact_due),
        overdue: domain::case::contact_overdue(record.status, record.first_contact_at, record.contact_due, today),
        flagged: !record.flags.is_empty(),
    }
}

/// A device as the pages show it.
pub struct DeviceView {
    pub record: DeviceRecord,
    pub company_name: String,
    pub reference: String,
    pub stage_code: &'static str,
    pub stage: &'static str,
    pub trial_last_day: String,
    pub days_left: Option<i64>,
    /// The company is asked to choose continuation or removal now.
    pub choice_open: bool,
}

pub async fn device_view(state: &AppState, t: T, record: DeviceRecord) -> Result<DeviceView, PageError> {
    let application = store::applications::get(&state.db, record.application_id).await?;
    let stage = record.stage(state.clock.today());
    Ok(DeviceView {
        company_name: application.company_name,
        reference: application.reference,
        stage_code: stage.code(),
        stage: t.pick(stage.label_ja(), stage.label_en()),
        trial_last_day: record.trial_last_day().map(|d| t.date(&d)).unwrap_or_default(),
        days_left: record
            .installed_on
            .filter(|_| stage == domain::device::DeviceStage::InTrial)
            .map(|on| domain::device::trial_days_left(on, state.clock.today())),
        choice_open: record.choice_open(state.clock.today()),
        record,
    })
}

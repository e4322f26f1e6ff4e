//! Course ① devices as use cases: registering a company's UTM, and its life — the site survey,
//! installation, removal or continuation — each with its audit row in the same transaction.

use chrono::{DateTime, Utc};
use domain::access::Action;
use store::devices::{DeviceChange, DeviceRecord, NewDevice};
use uuid::Uuid;

use crate::{Actor, Invalid, Result, Services};

/// The longest vendor, model or serial, in characters.
pub const MAX_FIELD_CHARS: usize = 100;

/// A device to register, checked: the company, vendor, model and serial (1–100 characters each),
/// and the syslog sender's address when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    application_id: Uuid,
    vendor: String,
    model: String,
    serial: String,
    sender_address: Option<String>,
}

impl Registration {
    pub fn parse(
        application: &str,
        vendor: &str,
        model: &str,
        serial: &str,
        sender: &str,
    ) -> Result<Registration, Invalid> {
        let application_id = application.parse::<Uuid>().map_err(|_| Invalid::DeviceCompanyMissing)?;
        use domain::text::{has_control, normalize, too_long};
        if [vendor, model, serial, sender].into_iter().any(has_control) {
            return Err(Invalid::ControlCharacter);
        }
        // Lengths count the characters as typed.
        if [vendor, model, serial].into_iter().any(|s| too_long(s, MAX_FIELD_CHARS)) {
            return Err(Invalid::DeviceFieldTooLong);
        }
        let (vendor, model, serial, sender) =
            (normalize(vendor), normalize(model), normalize(serial), normalize(sender));
        if vendor.is_empty() || model.is_empty() || serial.is_empty() {
            return Err(Invalid::DeviceFieldsMissing);
        }
        let sender_address = parse_sender_address(&sender)?;
        Ok(Registration { application_id, vendor, model, serial, sender_address })
    }

    pub fn application_id(&self) -> Uuid {
        self.application_id
    }
}

/// The longest contract reference of a continuation, in characters.
pub const MAX_REFERENCE_CHARS: usize = 100;

/// The longest survey note, in characters (longer notes are refused, not cut).
pub const MAX_NOTES_CHARS: usize = 2000;

/// A step of a device's life as typed on the device page or sent to the API: `change` is
/// `survey` (with `survey_result` and optional `notes`), `installed`, `removed` or `continued`
/// (each with `date`, `YYYY-MM-DD`, a day in Tokyo; for `continued`, `notes` is the UTM operator's
/// contract reference, optional), or `sender_address` (the syslog sender's IP address; empty
/// clears it).
pub fn parse_change(
    change: &str,
    survey_result: &str,
    notes: &str,
    date: &str,
    sender_address: &str,
) -> Result<DeviceChange, Invalid> {
    if domain::text::has_control(notes) {
        return Err(Invalid::ControlCharacter);
    }
    if domain::text::too_long(notes, MAX_NOTES_CHARS) {
        return Err(Invalid::NotesTooLong);
    }
    let notes = domain::text::normalize(notes);
    // Exactly `YYYY-MM-DD` (the form's date input, the API's pattern).
    let shaped = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let date = shaped.then(|| chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()).flatten();
    match (change, date) {
        ("survey", _) => domain::device::SurveyResult::from_code(survey_result)
            .map(|result| DeviceChange::Survey { result, notes: (!notes.is_empty()).then_some(notes) })
            .ok_or(Invalid::DeviceChangeUnreadable),
        ("installed", Some(on)) => Ok(DeviceChange::Installed(on)),
        ("removed", Some(on)) => Ok(DeviceChange::Removed(on)),
        ("continued", Some(on)) => {
            if notes.chars().count() > MAX_REFERENCE_CHARS {
                return Err(Invalid::NotesTooLong);
            }
            Ok(DeviceChange::Continued(on, (!notes.is_empty()).then_some(notes)))
        }
        ("sender_address", _) => Ok(DeviceChange::SenderAddress(parse_sender_address(sender_address)?)),
        _ => Err(Invalid::DeviceChangeUnreadable),
    }
}

/// A syslog sender's address as typed: an IP address (an IPv4 address written IPv6-mapped is
/// kept as IPv4, as the listener sees it), or nothing.
pub fn parse_sender_address(text: &str) -> Result<Option<String>, Invalid> {
    let text = domain::text::normalize(text);
    if text.is_empty() {
        return Ok(None);
    }
    let address = text.parse::<std::net::IpAddr>().map_err(|_| Invalid::DeviceSenderAddress)?;
    Ok(Some(address.to_canonical().to_string()))
}

/// Registers a company's UTM (course ① only, one not removed per company, serials unique).
pub async fn register(services: &Services, actor: &Actor, new: Registration, now: DateTime<Utc>) -> Result<Uuid> {
    actor.require(Action::ManageDevices)?;
    let tx = services.db.begin().await?;
    let device = NewDevice {
        application_id: new.application_id,
        vendor: &new.vendor,
        model: &new.model,
        serial: &new.serial,
        sender_address: new.sender_address.as_deref(),
    };
    let id = store::devices::register_in(&tx, device, now).await?;
    actor
        .record(
            &tx,
            "device.register",
            ("application", new.application_id),
            serde_json::json!({"device": id, "serial": new.serial}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a step of the device's life. Dates are days in Tokyo and cannot be in the future.
pub async fn change(
    services: &Services,
    actor: &Actor,
    device: Uuid,
    change: DeviceChange,
    now: DateTime<Utc>,
) -> Result<DeviceRecord> {
    actor.require(Action::ManageDevices)?;
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    if let DeviceChange::Installed(on) | DeviceChange::Removed(on) | DeviceChange::Continued(on, _) = &change
        && *on > today
    {
        return Err(Invalid::DateInFuture.into());
    }
    let change = match change {
        DeviceChange::SenderAddress(Some(address)) => DeviceChange::SenderAddress(parse_sender_address(&address)?),
        other => other,
    };
    let code = match &change {
        DeviceChange::Survey { .. } => "survey",
        DeviceChange::Installed(_) => "installed",
        DeviceChange::Removed(_) => "removed",
        DeviceChange::Continued(..) => "continued",
        DeviceChange::SenderAddress(_) => "sender_address",
    };
    let mut detail = serde_json::json!({"device": device, "change": code});
    if let DeviceChange::SenderAddress(address) = &change {
        detail["sender_address"] = serde_json::json!(address);
    }
    if let DeviceChange::Continued(_, reference) = &change {
        detail["operator_reference"] = serde_json::json!(reference);
    }
    let tx = services.db.begin().await?;
    let record = store::devices::change_in(&tx, device, change, now).await?;
    actor.record(&tx, "device.change", ("application", record.application_id), detail, now).await?;
    tx.commit().await?;
    Ok(record)
}

/// The trial-end notices: 30, 14 and 7 days before the trial's last day (the company is asked
/// to choose continuation or removal; each notice reminds it again).
pub const TRIAL_NOTICE_DAYS: [i64; 3] = [30, 14, 7];

/// When the trial-end notice `days` before the last day of a device installed on `installed`
/// falls due: 00:00 in Tokyo that day.
pub fn trial_notice_due(installed: chrono::NaiveDate, days: i64) -> DateTime<Utc> {
    let day = domain::device::trial_last_day(installed) - chrono::Duration::days(days);
    domain::programme::tokyo_day_start(day)
}

/// Whether the notice `days` before is overtaken at `now` by a later one already due (after
/// downtime, or for a device recorded late): only the latest due notice is sent.
pub fn trial_notice_overtaken(installed: chrono::NaiveDate, days: i64, now: DateTime<Utc>) -> bool {
    TRIAL_NOTICE_DAYS.iter().any(|&later| later < days && trial_notice_due(installed, later) <= now)
}

/// Kojo itself tells the company that its trial ends soon (the scheduled `trial_end_notice`
/// job): the e-mail and its audit row in one transaction. Nothing is sent when the device has
/// been removed or continued meanwhile, when its installation date has changed since the job
/// was planned, when the trial has already ended, or when a later notice is already due (see
/// [`trial_notice_overtaken`]). Returns whether a notice was sent.
pub async fn notify_trial_ending(
    services: &Services,
    actor: &Actor,
    device: Uuid,
    installed: chrono::NaiveDate,
    days: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let record = store::devices::get(&services.db, device).await?;
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    if record.installed_on != Some(installed)
        || record.stage(today) != domain::device::DeviceStage::InTrial
        || trial_notice_overtaken(installed, days, now)
    {
        return Ok(false);
    }
    let last_day = domain::device::trial_last_day(installed);
    let application = store::applications::get(&services.db, record.application_id).await?;
    let letter = crate::mail::letter(&services.mail, &services.db, &application).await?;
    let email = crate::mail::trial_ending(&letter, &application, &record.model, last_day);
    let tx = services.db.begin().await?;
    store::outbox::add(&tx, &email, now).await?;
    actor
        .record(
            &tx,
            "device.trial_notice",
            ("application", record.application_id),
            serde_json::json!({"device": device, "trial_last_day": last_day, "days_before": days}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_is_parsed_or_refused_with_its_reason() {
        let company = Uuid::now_v7().to_string();
        let parsed = Registration::parse(&company, " Fortinet ", "ＦＧ-60F", "FGT60F0001", "203.0.113.10").unwrap();
        assert_eq!((parsed.model.as_str(), parsed.sender_address.as_deref()), ("FG-60F", Some("203.0.113.10")));
        let problem = |application: &str, serial: &str, sender: &str| {
            Registration::parse(application, "Fortinet", "FG-60F", serial, sender).unwrap_err()
        };
        assert_eq!(problem("", "S1", ""), Invalid::DeviceCompanyMissing);
        assert_eq!(problem(&company, " ", ""), Invalid::DeviceFieldsMissing);
        assert_eq!(problem(&company, &"S".repeat(101), ""), Invalid::DeviceFieldTooLong);
        assert_eq!(problem(&company, "S1", "syslog.example"), Invalid::DeviceSenderAddress);
        assert_eq!(problem(&company, "S\u{0}1", ""), Invalid::ControlCharacter);
        assert!(Registration::parse(&company, "a", "b", "c", "").unwrap().sender_address.is_none());
        assert_eq!(parse_sender_address(" ::ffff:203.0.113.10 "), Ok(Some("203.0.113.10".into())));
        assert_eq!(parse_sender_address("2001:db8::1"), Ok(Some("2001:db8::1".into())));
    }

    #[test]
    fn a_device_change_is_parsed_or_refused_with_its_reason() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert_eq!(parse_change("installed", "", "", "2026-11-02", ""), Ok(DeviceChange::Installed(day)));
        // Exactly YYYY-MM-DD, as the API documents it.
        for date in [" 2026-11-02 ", "2026-11-2", "+2026-11-02", "2026-02-30"] {
            assert_eq!(parse_change("installed", "", "", date, ""), Err(Invalid::DeviceChangeUnreadable), "{date}");
        }
        assert_eq!(parse_change("removed", "", "", "2026-11-02", ""), Ok(DeviceChange::Removed(day)));
        assert_eq!(
            parse_change("survey", "installable", " 電源  あり ", "", ""),
            Ok(DeviceChange::Survey {
                result: domain::device::SurveyResult::Installable,
                notes: Some("電源 あり".into())
            })
        );
        assert_eq!(
            parse_change("survey", "pending", "", "", ""),
            Ok(DeviceChange::Survey { result: domain::device::SurveyResult::Pending, notes: None })
        );
        assert_eq!(parse_change("installed", "", "", "2026/11/02", ""), Err(Invalid::DeviceChangeUnreadable));
        assert_eq!(parse_change("survey", "maybe", "", "", ""), Err(Invalid::DeviceChangeUnreadable));
        assert_eq!(parse_change("explode", "", "", "2026-11-02", ""), Err(Invalid::DeviceChangeUnreadable));
        assert_eq!(parse_change("survey", "pending", &"あ".repeat(2001), "", ""), Err(Invalid::NotesTooLong));
        assert_eq!(parse_change("survey", "pending", "a\u{7}b", "", ""), Err(Invalid::ControlCharacter));
    }
}

/// The company chooses, in its portal, what happens to its UTM after the trial: continuation
/// under a contract with the UTM operator, or removal. It may change its mind until staff record
/// the outcome. The UTM operator's desk is e-mailed.
pub async fn choose_own(
    services: &Services,
    actor: &Actor,
    choice: domain::device::TrialChoice,
    now: DateTime<Utc>,
) -> Result<DeviceRecord> {
    let case = actor.own_case()?;
    let devices = store::devices::for_application(&services.db, case).await?;
    let device = devices
        .into_iter()
        .find(|d| d.installed_on.is_some() && d.removed_on.is_none() && d.continued_on.is_none())
        .ok_or(crate::AppError::NotFound)?;
    let application = store::applications::get(&services.db, case).await?;
    let desk = store::accounts::list_users(&services.db).await?;
    let tx = services.db.begin().await?;
    let record = store::devices::choose(&tx, device.id, choice, now).await?;
    actor
        .record(
            &tx,
            "device.trial_choice",
            ("application", case),
            serde_json::json!({"device": device.id, "choice": choice.code(), "before": device.trial_choice.map(|c| c.code())}),
            now,
        )
        .await?;
    for user in desk.iter().filter(|u| u.is_active && u.role == domain::access::Role::UtmOperator) {
        let email = crate::mail::trial_choice_notice(&services.mail, &user.email, &application, &record, choice);
        store::outbox::add(&tx, &email, now).await?;
    }
    tx.commit().await?;
    Ok(record)
}

/// A device on the trial-end board.
#[derive(Debug, Clone)]
pub struct TrialEnd {
    pub device: DeviceRecord,
    pub company_name: String,
    pub reference: String,
    pub last_day: chrono::NaiveDate,
    /// Days left counting today (0 on and after the last day).
    pub days_left: i64,
    /// The removal visit scheduled or done (the latest not cancelled).
    pub removal: Option<store::incidents::DispatchRecord>,
    /// The last day has come and nothing is decided: no choice from the company, no outcome
    /// recorded, no removal scheduled.
    pub undecided: bool,
}

/// The trial ends for the board: every installed device whose trial has not been settled, and
/// those settled within the last 60 days, by last day.
pub async fn trial_ends(services: &Services, actor: &Actor, today: chrono::NaiveDate) -> Result<Vec<TrialEnd>> {
    actor.require(Action::ManageDevices)?;
    let mut rows = Vec::new();
    for device in store::devices::list(&services.db).await? {
        let Some(last_day) = device.trial_last_day() else { continue };
        let settled = device.removed_on.or(device.continued_on);
        if settled.is_some_and(|on| (today - on).num_days() > 60) {
            continue;
        }
        let application = store::applications::get(&services.db, device.application_id).await?;
        let removal = store::incidents::dispatches(&services.db, Some(device.application_id), None)
            .await?
            .into_iter()
            .rfind(|d| {
                d.kind == store::incidents::DispatchKind::Removal
                    && d.device_id == Some(device.id)
                    && d.status != store::incidents::DispatchStatus::Cancelled
            });
        let undecided = today >= last_day && settled.is_none() && removal.is_none() && device.trial_choice.is_none();
        rows.push(TrialEnd {
            company_name: application.company_name,
            reference: application.reference,
            last_day,
            days_left: ((last_day - today).num_days() + 1).max(0),
            removal,
            undecided,
            device,
        });
    }
    rows.sort_by_key(|row| (row.last_day, row.company_name.clone()));
    Ok(rows)
}

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
        let application_id = application.trim().parse::<Uuid>().map_err(|_| Invalid::DeviceCompanyMissing)?;
        let clean = |text: &str| domain::text::normalize(text);
        let (vendor, model, serial, sender) = (clean(vendor), clean(model), clean(serial), clean(sender));
        if [&vendor, &model, &serial, &sender].iter().any(|s| s.chars().any(char::is_control)) {
            return Err(Invalid::ControlCharacter);
        }
        if vendor.is_empty() || model.is_empty() || serial.is_empty() {
            return Err(Invalid::DeviceFieldsMissing);
        }
        if [&vendor, &model, &serial].iter().any(|s| s.chars().count() > MAX_FIELD_CHARS) {
            return Err(Invalid::DeviceFieldTooLong);
        }
        let sender_address = parse_sender_address(&sender)?;
        Ok(Registration { application_id, vendor, model, serial, sender_address })
    }

    pub fn application_id(&self) -> Uuid {
        self.application_id
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
    audit(
        &tx,
        actor,
        "device.register",
        new.application_id,
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
    if let DeviceChange::Installed(on) | DeviceChange::Removed(on) | DeviceChange::Continued(on) = &change
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
        DeviceChange::Continued(_) => "continued",
        DeviceChange::SenderAddress(_) => "sender_address",
    };
    let mut detail = serde_json::json!({"device": device, "change": code});
    if let DeviceChange::SenderAddress(address) = &change {
        detail["sender_address"] = serde_json::json!(address);
    }
    let tx = services.db.begin().await?;
    let record = store::devices::change_in(&tx, device, change, now).await?;
    audit(&tx, actor, "device.change", record.application_id, detail, now).await?;
    tx.commit().await?;
    Ok(record)
}

async fn audit(
    tx: &store::Tx,
    actor: &Actor,
    action: &'static str,
    application_id: Uuid,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let entry = store::audit::NewAuditEntry {
        actor: actor.audit(),
        action,
        subject_type: "application",
        subject_id: Some(application_id.to_string()),
        ip: actor.ip(),
        detail,
    };
    store::audit::add(tx, entry, now).await?;
    Ok(())
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
}

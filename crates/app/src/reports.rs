//! Monthly UTM reports: a device's report data assembled from the stored roll-ups, and the
//! month's drafts generated for staff review. Called by the office page, the scheduled job and
//! `kojo report monthly`.
//!
//! The programme-wide median is shown only when at least `MIN_COMPANIES_FOR_MEDIAN` companies
//! had a device that month, so it never reveals one company's figure.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Utc};
use documents::report::{
    self, CategoryCount, DailyCount, MonthlyReportData, ProgrammeComparison, TargetedPort, TopThreat, TrafficTotals,
};
use store::Db;
use store::devices::DeviceRecord;
use store::reports::ReportRecord;
use uuid::Uuid;

use crate::{Actor, Invalid, Services};
use domain::access::Action;

pub const MIN_COMPANIES_FOR_MEDIAN: usize = 5;

/// A report month, parsed from `YYYY-MM` (four-digit year, two-digit month).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    text: String,
    first: NaiveDate,
    last: NaiveDate,
}

impl Month {
    /// Exactly `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Month, Invalid> {
        let shaped = text.len() == 7
            && text.as_bytes()[4] == b'-'
            && text.bytes().enumerate().all(|(i, b)| i == 4 || b.is_ascii_digit());
        let (first, last) = shaped.then(|| month_bounds(text)).flatten().ok_or(Invalid::MonthUnreadable)?;
        Ok(Month { text: text.to_string(), first, last })
    }

    /// The month before the one holding `today` (the month the scheduled drafts cover).
    pub fn before(today: NaiveDate) -> Month {
        Month::parse(&previous_month(today)).expect("a formatted month parses")
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn first_day(&self) -> NaiveDate {
        self.first
    }

    pub fn last_day(&self) -> NaiveDate {
        self.last
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `2026-11` → (first day, last day).
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Some((first, next.pred_opt()?))
}

fn tokyo_start(day: NaiveDate) -> chrono::DateTime<Utc> {
    domain::programme::tokyo_day_start(day)
}

/// Whether the programme watched the device in `[first, last]`: installed by then, and not
/// removed (or continued past its trial) before it.
fn active_in(device: &DeviceRecord, first: NaiveDate, last: NaiveDate) -> bool {
    device.installed_on.is_some_and(|on| on <= last) && device.monitored_until().is_none_or(|until| until >= first)
}

/// A threat as the top-threats table groups it: signature, category, action.
type ThreatKey = (String, report::Category, report::Action);

/// Builds a device's report data for `month` from the roll-ups.
pub async fn report_data(
    db: &Db,
    device: &DeviceRecord,
    month: &str,
    comment: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<MonthlyReportData> {
    let (first, last) = month_bounds(month).ok_or_else(|| anyhow::anyhow!("month must look like 2026-11"))?;
    let from = device.installed_on.map_or(first, |on| on.max(first));
    let to = device.monitored_until().map_or(last, |until| until.min(last));
    let application = store::applications::get(db, device.application_id).await?;
    let threats = store::logs::threat_counts(db, device.id, from, to).await?;
    let traffic = store::logs::traffic_counts(db, device.id, from, to).await?;

    let mut categories: BTreeMap<report::Category, CategoryCount> = BTreeMap::new();
    let mut daily: BTreeMap<NaiveDate, DailyCount> = BTreeMap::new();
    let mut top: BTreeMap<ThreatKey, (u64, Option<chrono::DateTime<Utc>>)> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        daily.insert(day, DailyCount { day: day.day() as u8, blocked: 0, detected: 0 });
        day = day.succ_opt().expect("dates go on");
    }
    for row in &threats {
        let category = report::Category::from_code(&row.category).unwrap_or(report::Category::Other);
        let entry =
            categories.entry(category).or_insert(CategoryCount { category, blocked: 0, detected: 0, allowed: 0 });
        let action = match row.action.as_str() {
            "blocked" => {
                entry.blocked += row.count;
                report::Action::Blocked
            }
            "detected" => {
                entry.detected += row.count;
                report::Action::Detected
            }
            _ => {
                entry.allowed += row.count;
                report::Action::Allowed
            }
        };
        if let Some(count) = daily.get_mut(&row.day) {
            match action {
                report::Action::Blocked => count.blocked += row.count,
                report::Action::Detected => count.detected += row.count,
                report::Action::Allowed => {}
            }
        }
        if action != report::Action::Allowed && !row.signature.is_empty() {
            let seen = top.entry((row.signature.clone(), category, action)).or_insert((0, None));
            seen.0 += row.count;
            seen.1 = seen.1.max(row.last_seen);
        }
    }
    let mut top_threats: Vec<TopThreat> = top
        .into_iter()
        .map(|((signature, category, action), (count, last))| TopThreat {
            signature,
            category,
            action,
            count,
            last_seen: last
                .map(|at| at.with_timezone(&chrono_tz::Asia::Tokyo).format("%-m月%-d日 %H:%M").to_string())
                .unwrap_or_default(),
            last_seen_at: last.map(|at| at.with_timezone(&chrono_tz::Asia::Tokyo).naive_local()),
        })
        .collect();
    top_threats.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.signature.cmp(&b.signature)));
    top_threats.truncate(report::MAX_TOP_THREATS);
    let ports = store::logs::top_destination_ports(
        db,
        device.id,
        tokyo_start(from),
        tokyo_start(to.succ_opt().unwrap_or(to)),
        report::MAX_TARGETED_PORTS as u64,
    )
    .await?;
    let sessions = |action: &str| traffic.iter().filter(|t| t.action == action).map(|t| t.count).sum::<u64>();

    // The programme-wide median over every device active this month (a device with no threat
    // rows counts as zero).
    let mut totals: BTreeMap<Uuid, u64> =
        store::devices::list(db).await?.into_iter().filter(|d| active_in(d, first, last)).map(|d| (d.id, 0)).collect();
    for (id, total) in store::logs::threat_totals_by_device(db, first, last).await? {
        if let Some(slot) = totals.get_mut(&id) {
            *slot = total;
        }
    }
    let comparison = (totals.len() >= MIN_COMPANIES_FOR_MEDIAN).then(|| {
        let mut values: Vec<u64> = totals.values().copied().collect();
        values.sort_unstable();
        let middle = values.len() / 2;
        let median =
            if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2 } else { values[middle] };
        ProgrammeComparison { median_threats: median, companies: values.len() as u32 }
    });
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let era_month = domain::wareki::format_date(first);
    let month_label = era_month.split('月').next().map(|s| format!("{s}月")).unwrap_or(era_month.clone());
    Ok(MonthlyReportData {
        company_name: application.company_name,
        reference: Some(application.reference),
        device: report::Device {
            vendor: device.vendor.clone(),
            model: device.model.clone(),
            serial: device.serial.clone(),
        },
        month: month.to_string(),
        month_label,
        period: format!("{}～{}", domain::wareki::format_date(from), to.format("%-m月%-d日")),
        issued_on: domain::wareki::format_date(today),
        trial_last_day: device.trial_last_day().filter(|d| *d >= first).map(domain::wareki::format_date),
        trial_last_date: device.trial_last_day().filter(|d| *d >= first),
        categories: categories.into_values().collect(),
        daily: daily.into_values().collect(),
        top_threats,
        targeted_ports: ports.into_iter().map(|(port, count)| TargetedPort { port, service: None, count }).collect(),
        traffic: TrafficTotals { sessions_allowed: sessions("allowed"), sessions_blocked: sessions("blocked") },
        comparison,
        staff_comment: comment,
    })
}

/// What generating a month's drafts did.
#[derive(Debug, Default)]
pub struct Generated {
    pub made: usize,
    /// Devices whose report could not be made, by serial, with the reason; the others were made.
    pub failed: Vec<(String, String)>,
}

/// Generates (or regenerates) the month's drafts at a staff member's request (page, API): the
/// permission check, then [`generate_month`].
pub async fn generate(
    services: &Services,
    actor: &Actor,
    fonts: Arc<documents::pdf::Fonts>,
    month: &Month,
    now: chrono::DateTime<Utc>,
) -> crate::Result<Generated> {
    actor.require(Action::ManageDevices)?;
    generate_month(services, actor, fonts, month, now).await
}

/// Generates (or regenerates) the drafts of every device active in `month`, each on its own: a
/// device whose report cannot be made (e.g. a character no font can draw) is recorded in
/// `failed` and the next device goes on. Each draft is saved with its audit row (`report.draft`)
/// in one transaction. PDFs are rendered off the async runtime. Called directly by Kojo itself
/// (the scheduled job, `kojo report monthly`); people go through [`generate`].
pub async fn generate_month(
    services: &Services,
    actor: &Actor,
    fonts: Arc<documents::pdf::Fonts>,
    month: &Month,
    now: chrono::DateTime<Utc>,
) -> crate::Result<Generated> {
    let db = &services.db;
    let (first, last) = (month.first_day(), month.last_day());
    let devices: Vec<DeviceRecord> =
        store::devices::list(db).await?.into_iter().filter(|d| active_in(d, first, last)).collect();
    let existing: BTreeMap<Uuid, ReportRecord> =
        store::reports::for_month(db, month.as_str()).await?.into_iter().map(|r| (r.device_id, r)).collect();
    let mut outcome = Generated::default();
    for device in devices {
        let previous = existing.get(&device.id);
        if previous.is_some_and(|r| r.status == "released") {
            continue;
        }
        let data = report_data(db, &device, month.as_str(), previous.and_then(|r| r.comment.clone()), now)
            .await
            .map_err(|e| store::StoreError::Corrupt(format!("report data of {}: {e:#}", device.serial)))?;
        let pdf = match render(fonts.clone(), data.clone()).await {
            Ok(pdf) => pdf,
            Err(why) => {
                tracing::warn!(serial = %device.serial, %month, "monthly report not made: {why}");
                outcome.failed.push((device.serial.clone(), why));
                continue;
            }
        };
        let value = serde_json::to_value(&data).expect("plain data");
        let tx = db.begin().await?;
        let id =
            store::reports::save_draft(&tx, device.id, device.application_id, month.as_str(), &value, pdf, now).await?;
        let entry = store::audit::NewAuditEntry {
            actor: actor.audit(),
            action: "report.draft",
            subject_type: "application",
            subject_id: Some(device.application_id.to_string()),
            ip: actor.ip(),
            detail: serde_json::json!({"report": id, "device": device.id, "month": month.as_str()}),
        };
        store::audit::add(&tx, entry, now).await?;
        tx.commit().await?;
        outcome.made += 1;
    }
    Ok(outcome)
}

/// Renders a monthly report PDF on a blocking thread (typst is CPU-bound).
pub async fn render(fonts: Arc<documents::pdf::Fonts>, data: MonthlyReportData) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || report::render_monthly_report(&fonts, &data).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())?
}

/// The previous month of `today` as `YYYY-MM` (the worker generates it on the 1st).
pub fn previous_month(today: NaiveDate) -> String {
    let first = today.with_day(1).expect("day 1 exists");
    first.pred_opt().expect("a day before").format("%Y-%m").to_string()
}

/// `2026-11` → 令和8年11月, as e-mails and pages name the month.
pub fn month_label(month: &str) -> String {
    month_bounds(month)
        .map(|(first, _)| domain::wareki::format_date(first))
        .map(|d| d.split('月').next().map(|s| format!("{s}月")).unwrap_or(d))
        .unwrap_or_default()
}

/// The longest staff comment on a report, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Sets (or clears) the staff comment of a draft and renders its PDF again (off the runtime).
pub async fn comment(
    services: &Services,
    actor: &Actor,
    fonts: Arc<documents::pdf::Fonts>,
    report: Uuid,
    text: &str,
    now: chrono::DateTime<Utc>,
) -> crate::Result<()> {
    actor.require(Action::ManageDevices)?;
    if domain::text::has_control(text) {
        return Err(Invalid::ControlCharacter.into());
    }
    // The length counts the characters as typed.
    if domain::text::too_long(text, MAX_COMMENT_CHARS) {
        return Err(Invalid::CommentTooLong.into());
    }
    let text = crate::cases::multi_line(text);
    let record = store::reports::get(&services.db, report).await?;
    let mut data: MonthlyReportData = serde_json::from_value(record.data.clone())
        .map_err(|e| store::StoreError::Corrupt(format!("report data: {e}")))?;
    data.staff_comment = (!text.is_empty()).then_some(text);
    let pdf = render(fonts, data.clone()).await.map_err(domain::refusal::Refusal::DocumentUnavailable)?;
    let value = serde_json::to_value(&data).expect("plain data");
    let tx = services.db.begin().await?;
    store::reports::comment(&tx, report, data.staff_comment.clone(), &value, pdf).await?;
    let entry = store::audit::NewAuditEntry {
        actor: actor.audit(),
        action: "report.comment",
        subject_type: "application",
        subject_id: Some(record.application_id.to_string()),
        ip: actor.ip(),
        detail: serde_json::json!({"report": report, "month": record.month, "chars": data.staff_comment.as_deref().map_or(0, |c| c.chars().count())}),
    };
    store::audit::add(&tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Releases a draft to the company: visible in its portal and announced by e-mail, with the
/// audit row, in one transaction.
pub async fn release(
    services: &Services,
    actor: &Actor,
    report: Uuid,
    now: chrono::DateTime<Utc>,
) -> crate::Result<()> {
    actor.require(Action::ManageDevices)?;
    let record = store::reports::get(&services.db, report).await?;
    let application = store::applications::get(&services.db, record.application_id).await?;
    let subject = crate::mail::subject::report_released(&record.month);
    let email = crate::cases::notice(services, &application, &subject, domain::portal::PortalTask::Reports).await?;
    let tx = services.db.begin().await?;
    store::reports::release(&tx, report, actor.audit(), actor.ip(), &email, now).await?;
    tx.commit().await?;
    Ok(())
}

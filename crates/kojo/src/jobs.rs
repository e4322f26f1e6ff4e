//! The scheduled-work runner: plans the recurring jobs from the clock, claims the due ones from
//! `store::jobs` and runs each kind's handler (`crate::maintenance`), recording success or the
//! error with a retry time. Jobs live in the database, so work missed while no Kojo ran is
//! caught up on the next start, and any number of processes on one database run each job once.
//!
//! Recurring jobs:
//! - `report_drafts` / `YYYY-MM`: the month's UTM report drafts, due at 00:00 (Asia/Tokyo) on
//!   the 1st of the next month, planned for every month from the first device installation up
//!   to last month;
//! - `purge_threat_events` / `YYYY-MM-DD`: the retention purge, once per Tokyo day;
//! - `trial_end_notice` / `DEVICE-ID/INSTALLED-ON[/DAYSd]`: the e-mail asking the company to
//!   choose continuation or removal, due 30, 14 and 7 days before the UTM trial's last day
//!   (the 14-day key has no suffix), planned for every installed device in its trial (a
//!   corrected installation date plans new ones; only the latest due notice is sent);
//! - `seminar_reminder` / `SEMINAR-ID/day-before` and `SEMINAR-ID/hour-before`: the reminder
//!   e-mails of a briefing seminar, due at 10:00 JST the day before and an hour before its
//!   start, planned for every seminar not yet started (a moved seminar plans new keys with its
//!   start in them, so the old ones find nothing to do once it has passed).
//! - `incident_sla` / `TICKET-ID/first_response|resolution/DUE`: the check of an incident
//!   ticket's SLA clock at the instant it would pass its target, planned for every ticket whose
//!   clock runs (a pause moves the due time, which plans a new key; the check finds nothing
//!   to do at the old one), and at once for a clock found past its target.
//! - `guidance_reminder` / `VISIT-ID/START`: the reminder of a management-guidance visit, due at
//!   10:00 JST on the business day before it (a moved visit plans a new key).
//! - `surveys` / `YYYY-MM-DD`: the open surveys' daily run at 10:00 JST — invitations to those
//!   who became due (a seminar attended, a second guidance visit, a risk report) and the
//!   reminders 3 and 7 business days after an unanswered invitation.
//! - `mailbox` / `SLOT`: a read of the secretariat's mailbox (`KOJO_IMAP_URL`), one per
//!   interval (the slot's start, RFC 3339); only the current slot is planned, so a long stop
//!   catches up with one read. Done slots are forgotten after a day.
//!
//! Must not: hold the rules of what a job does (they are in `maintenance`) or sleep in tests
//! (`run_due_jobs` runs one pass and returns).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};
use store::Db;
use store::jobs::ClaimedJob;
use tokio::sync::watch;

use crate::maintenance::{self, Settings};

pub const REPORT_DRAFTS: &str = "report_drafts";
pub const PURGE_THREAT_EVENTS: &str = "purge_threat_events";
pub const TRIAL_END_NOTICE: &str = "trial_end_notice";
pub const SEMINAR_REMINDER: &str = "seminar_reminder";
pub const INCIDENT_SLA: &str = "incident_sla";
pub const GUIDANCE_REMINDER: &str = "guidance_reminder";
pub const NIGHTLY_BACKUP: &str = "backup";
pub const MAILBOX: &str = "mailbox";
pub const PUBLIC_STATS: &str = "public_stats";
pub const SURVEYS: &str = "surveys";

/// How long a claimed job is its worker's. A job running longer may be claimed again by another
/// worker (its handler is safe to repeat), so this is far above any job's expected run.
const LEASE: Duration = Duration::minutes(30);
/// How often the worker looks for due work.
const EVERY: StdDuration = StdDuration::from_secs(60);

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Jobs newly planned.
    pub planned: usize,
    /// Jobs run to completion.
    pub done: usize,
    /// Jobs that failed and wait for their retry.
    pub failed: usize,
}

/// Plans the recurring jobs due by now; returns how many were new.
pub async fn plan(db: &Db, settings: &Settings, clock: &app::Clock) -> anyhow::Result<usize> {
    let now = clock.now();
    let today = clock.today();
    let mut planned = 0;
    if store::jobs::plan(db, PURGE_THREAT_EVENTS, &today.to_string(), now, now).await? {
        planned += 1;
    }
    // The public statistics, once a month just after midnight on the 1st (this month's, if missed).
    let month = first_of_month(today);
    let key = month.format("%Y-%m").to_string();
    if store::jobs::plan(db, PUBLIC_STATS, &key, tokyo_midnight(month) + Duration::minutes(5), now).await? {
        planned += 1;
    }
    if store::jobs::plan(db, SURVEYS, &today.to_string(), app::surveys::run_due_at(today), now).await? {
        planned += 1;
    }
    if let Some(mailbox) = &settings.mailbox {
        let every = mailbox.interval.as_secs().max(1) as i64;
        let slot = DateTime::from_timestamp(now.timestamp() - now.timestamp().rem_euclid(every), 0).unwrap_or(now);
        if store::jobs::plan(db, MAILBOX, &slot.to_rfc3339(), slot, now).await? {
            planned += 1;
        }
    }
    if settings.backup.is_some() {
        let due = tokyo_midnight(today) + Duration::hours(2);
        if store::jobs::plan(db, NIGHTLY_BACKUP, &today.to_string(), due, now).await? {
            planned += 1;
        }
    }
    let devices = store::devices::list(db).await?;
    let notices = store::jobs::planned_keys(db, TRIAL_END_NOTICE).await?;
    for device in devices.iter().filter(|d| d.removed_on.is_none() && d.continued_on.is_none()) {
        let Some(installed) = device.installed_on else { continue };
        for days in app::devices::TRIAL_NOTICE_DAYS {
            let key = trial_notice_key(device.id, installed, days);
            let due = app::devices::trial_notice_due(installed, days);
            if !notices.contains(&key) && store::jobs::plan(db, TRIAL_END_NOTICE, &key, due, now).await? {
                planned += 1;
            }
        }
    }
    let reminders = store::jobs::planned_keys(db, SEMINAR_REMINDER).await?;
    for seminar in store::seminars::upcoming(db, now).await? {
        for (which, reminder) in [
            ("day-before", store::seminars::Reminder::DayBefore),
            ("hour-before", store::seminars::Reminder::HourBefore),
        ] {
            let key = format!("{}/{which}/{}", seminar.id, seminar.starts_at.timestamp());
            let due = app::seminars::reminder_due(&seminar, reminder);
            if !reminders.contains(&key) && store::jobs::plan(db, SEMINAR_REMINDER, &key, due, now).await? {
                planned += 1;
            }
        }
    }
    let reminders_planned = store::jobs::planned_keys(db, GUIDANCE_REMINDER).await?;
    let calendar = crate::setup::calendar(db).await?;
    for visit in store::guidance::upcoming_visits(db, now).await? {
        let key = format!("{}/{}", visit.id, visit.starts_at.timestamp());
        let due = app::guidance::reminder_due(&calendar, visit.starts_at);
        if !reminders_planned.contains(&key) && store::jobs::plan(db, GUIDANCE_REMINDER, &key, due, now).await? {
            planned += 1;
        }
    }
    let checks = store::jobs::planned_keys(db, INCIDENT_SLA).await?;
    for (ticket, breach, due) in app::incidents::breach_checks(db, now).await? {
        let which = match breach {
            store::incidents::Breach::FirstResponse => "first_response",
            store::incidents::Breach::Resolution => "resolution",
        };
        let key = format!("{ticket}/{which}/{}", due.timestamp());
        if !checks.contains(&key) && store::jobs::plan(db, INCIDENT_SLA, &key, due, now).await? {
            planned += 1;
        }
    }
    // Catch-up: every month since the first installation up to last month, not just last month.
    let first_installed = devices.iter().filter_map(|device| device.installed_on).min();
    if let Some(first) = first_installed {
        let known = store::jobs::planned_keys(db, REPORT_DRAFTS).await?;
        let this_month = first_of_month(today);
        let mut month = first_of_month(first);
        while month < this_month {
            let key = month.format("%Y-%m").to_string();
            let next = month + Months::new(1);
            if !known.contains(&key) && store::jobs::plan(db, REPORT_DRAFTS, &key, tokyo_midnight(next), now).await? {
                planned += 1;
            }
            month = next;
        }
    }
    Ok(planned)
}

/// `DEVICE/INSTALLED-ON` for the notice 14 days before (the key it always had), else
/// `DEVICE/INSTALLED-ON/DAYSd`.
pub fn trial_notice_key(device: uuid::Uuid, installed: NaiveDate, days: i64) -> String {
    if days == 14 { format!("{device}/{installed}") } else { format!("{device}/{installed}/{days}d") }
}

/// One pass: plans, then runs every job due now, one claim at a time (so that several workers
/// share the work), until none is left. Tests call this instead of waiting for the worker.
pub async fn run_due_jobs(services: &app::Services, settings: &Settings, clock: &app::Clock) -> anyhow::Result<Pass> {
    run_pass(services, settings, clock, || false).await
}

/// A pass that takes no further job once `stopping` says so (the job running is finished first).
async fn run_pass(
    services: &app::Services,
    settings: &Settings,
    clock: &app::Clock,
    stopping: impl Fn() -> bool,
) -> anyhow::Result<Pass> {
    let db = &services.db;
    let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let mut pass = Pass { planned: plan(db, settings, clock).await?, ..Pass::default() };
    loop {
        if stopping() {
            return Ok(pass);
        }
        // A process without a backup folder or mailbox leaves those jobs to one that has them.
        let mut unable = Vec::new();
        if settings.backup.is_none() {
            unable.push(NIGHTLY_BACKUP);
        }
        if settings.mailbox.is_none() {
            unable.push(MAILBOX);
        }
        let Some(job) = store::jobs::claim_due(db, &owner, clock.now(), LEASE, 1, &unable).await?.pop() else {
            return Ok(pass);
        };
        match run_one(services, settings, &job, clock).await {
            Ok(()) => {
                if !store::jobs::finish(db, job.id, &owner, clock.now()).await? {
                    tracing::warn!(kind = %job.kind, key = %job.key, "job finished after its lease ran out");
                }
                pass.done += 1;
            }
            Err(error) => {
                let retry_at = clock.now() + backoff(job.attempts);
                let why = format!("{error:#}");
                let why = domain::text::redact_personal(&why);
                tracing::warn!(kind = %job.kind, key = %job.key, attempts = job.attempts, %retry_at, "job failed: {why}");
                store::jobs::fail(db, job.id, &owner, &format!("{error:#}"), retry_at, clock.now()).await?;
                pass.failed += 1;
            }
        }
    }
}

/// The jobs loop is stalled when it has not started a job or a pass for this long: a job runs
/// under a lease of `LEASE`, and a pass starts every minute.
pub const STALLED_AFTER: std::time::Duration = std::time::Duration::from_secs(35 * 60);

/// The worker loop: a pass at start (catching up what was missed while stopped), then every
/// minute, until shutdown (which waits for the job running, not for the rest of the pass).
pub async fn run(
    services: app::Services,
    settings: Settings,
    clock: app::Clock,
    beat: std::sync::Arc<web::ops::Beat>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        beat.beat();
        let stopping = || {
            beat.beat();
            *shutdown.borrow()
        };
        if let Err(error) = run_pass(&services, &settings, &clock, stopping).await {
            tracing::error!("scheduled jobs: {}", domain::text::redact_personal(&format!("{error:#}")));
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

/// The wait before the next attempt after `attempts` failed ones: 1, 2, 4 … minutes, at most
/// 6 hours. A job is never given up: the next attempt may find the cause fixed (a font installed).
pub fn backoff(attempts: u32) -> Duration {
    let minutes = 1i64 << attempts.saturating_sub(1).min(9);
    Duration::minutes(minutes.min(360))
}

async fn run_one(
    services: &app::Services,
    settings: &Settings,
    job: &ClaimedJob,
    clock: &app::Clock,
) -> anyhow::Result<()> {
    match job.kind.as_str() {
        REPORT_DRAFTS => {
            maintenance::report_drafts(services, settings, &job.key, job.attempts == 1, clock).await?;
        }
        PURGE_THREAT_EVENTS => {
            maintenance::purge_threat_events(&services.db, settings, clock).await?;
        }
        TRIAL_END_NOTICE => {
            maintenance::trial_end_notice(services, &job.key, clock).await?;
        }
        SEMINAR_REMINDER => {
            maintenance::seminar_reminder(services, &job.key, clock).await?;
        }
        INCIDENT_SLA => {
            maintenance::incident_sla(services, &job.key, clock).await?;
        }
        GUIDANCE_REMINDER => {
            let (visit, start) = job.key.split_once('/').unwrap_or((&job.key, ""));
            let visit: uuid::Uuid = visit.parse()?;
            let start = start.parse::<i64>().ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0));
            let sent = app::guidance::send_visit_reminder(services, visit, start, clock.now()).await?;
            tracing::info!(%visit, sent, "guidance visit reminder");
        }
        NIGHTLY_BACKUP => {
            maintenance::nightly_backup(&services.db, settings, clock).await?;
        }
        MAILBOX => {
            maintenance::read_mailbox(services, settings, clock).await?;
        }
        PUBLIC_STATS => {
            let published = app::stats::publish(services, clock.now()).await?;
            tracing::info!(published = published.is_some(), "public statistics");
        }
        SURVEYS => {
            let run = app::surveys::run_due(services, clock.now()).await?;
            tracing::info!(invited = run.invited, reminded = run.reminded, "surveys");
        }
        other => anyhow::bail!("unknown job kind {other} (written by a newer Kojo?)"),
    }
    Ok(())
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("day 1 exists")
}

fn tokyo_midnight(date: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo
        .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .single()
        .expect("Tokyo has no daylight saving time")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_six_hours() {
        let minutes: Vec<i64> = [1, 2, 3, 4, 9, 10, 30].into_iter().map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 256, 360, 360]);
    }

    #[test]
    fn a_months_drafts_are_due_at_tokyo_midnight_on_the_first() {
        let due = tokyo_midnight(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(due.to_rfc3339(), "2026-11-30T15:00:00+00:00");
    }
}

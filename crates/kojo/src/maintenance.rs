//! What the scheduled jobs do (`crate::jobs` plans, claims and records them): the monthly UTM
//! report drafts of a month, and the daily purge of threat events past the retention period
//! (roll-ups are kept). Each handler may run again after a crash and must stay correct.

use store::Db;

/// What the handlers need from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub font_dirs: Vec<std::path::PathBuf>,
    pub threat_retention_days: u32,
    /// The nightly backup, when `KOJO_BACKUP_DIR` is set.
    pub backup: Option<NightlyBackup>,
    /// The secretariat's mailbox, when `KOJO_IMAP_URL` is set (checked at start).
    pub mailbox: Option<crate::mailbox::MailboxSettings>,
}

/// Where the nightly backup goes and how many are kept.
#[derive(Clone)]
pub struct NightlyBackup {
    pub dir: std::path::PathBuf,
    pub keep: u32,
    /// For `pg_dump` (holds the password, so not in `Debug`).
    pub database_url: String,
}

impl std::fmt::Debug for NightlyBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NightlyBackup").field("dir", &self.dir).field("keep", &self.keep).finish_non_exhaustive()
    }
}

impl Settings {
    pub fn from_config(config: &crate::Config) -> Settings {
        Settings {
            font_dirs: config.font_dirs(),
            threat_retention_days: config.threat_retention_days,
            backup: config.backup_dir.as_ref().map(|dir| NightlyBackup {
                dir: dir.clone(),
                keep: config.backup_keep,
                database_url: config.database_url(),
            }),
            mailbox: crate::mailbox::MailboxSettings::from_config(config).ok().flatten(),
        }
    }
}

/// The nightly backup (job `backup`, due 02:00 Tokyo time): a copy into the backup folder, the
/// oldest beyond the kept count deleted.
pub async fn nightly_backup(db: &Db, settings: &Settings, clock: &app::Clock) -> anyhow::Result<()> {
    let Some(backup) = &settings.backup else { anyhow::bail!("this process has no KOJO_BACKUP_DIR") };
    let (written, deleted) =
        crate::backup::nightly(db, &backup.database_url, &backup.dir, backup.keep, clock.now()).await?;
    tracing::info!(file = %written.path.display(), bytes = written.bytes, deleted = deleted.len(), "nightly backup written");
    Ok(())
}

/// Reads the secretariat's mailbox (job `mailbox`, one per interval slot) and forgets the
/// slots done more than a day ago.
pub async fn read_mailbox(services: &app::Services, settings: &Settings, clock: &app::Clock) -> anyhow::Result<()> {
    let Some(mailbox) = &settings.mailbox else { anyhow::bail!("this process has no KOJO_IMAP_URL") };
    // A failed read is not retried as a job: the next slot reads again anyway, and retried slots
    // would pile up (one a minute) while the server is away.
    let fetched = match crate::mailbox::fetch_once(services, mailbox, clock).await {
        Ok(fetched) => fetched,
        Err(error) => {
            let why = format!("{error:#}");
            tracing::error!("the mailbox was not read: {}", domain::text::redact_personal(&why));
            metrics::counter!("kojo_mailbox_reads_total", "outcome" => "failed").increment(1);
            store::jobs::forget_done(&services.db, crate::jobs::MAILBOX, clock.now() - chrono::Duration::days(1))
                .await?;
            return Ok(());
        }
    };
    metrics::counter!("kojo_mailbox_reads_total", "outcome" => "read").increment(1);
    metrics::counter!("kojo_mailbox_messages_total", "outcome" => "unreadable").increment(fetched.unreadable as u64);
    if fetched.unseen > 0 {
        tracing::info!(
            unseen = fetched.unseen,
            new = fetched.new,
            threaded = fetched.threaded,
            duplicate = fetched.duplicate,
            unreadable = fetched.unreadable,
            "mailbox read"
        );
    }
    store::jobs::forget_done(&services.db, crate::jobs::MAILBOX, clock.now() - chrono::Duration::days(1)).await?;
    Ok(())
}

/// Generates the drafts of `month` (`YYYY-MM`) for every device active in it; returns how many.
///
/// A month whose reports already exist when its job first runs (made by staff, or on the 1st by
/// a Kojo from before the job table) is left as it is. A retried job regenerates the drafts
/// (released reports are never touched), so a run cut short is completed.
pub async fn report_drafts(
    services: &app::Services,
    settings: &Settings,
    month: &str,
    first_attempt: bool,
    clock: &app::Clock,
) -> anyhow::Result<usize> {
    let month = app::reports::Month::parse(month).map_err(|_| anyhow::anyhow!("job key {month} is not a month"))?;
    if first_attempt && !store::reports::for_month(&services.db, month.as_str()).await?.is_empty() {
        tracing::info!(%month, "monthly UTM reports already exist; none generated");
        return Ok(0);
    }
    let dirs = settings.font_dirs.clone();
    let fonts = tokio::task::spawn_blocking(move || documents::pdf::Fonts::discover(&dirs)).await??;
    let actor = app::Actor::system("report_drafts");
    let outcome =
        app::reports::generate_month(services, &actor, std::sync::Arc::new(fonts), &month, clock.now()).await?;
    tracing::info!(%month, made = outcome.made, failed = outcome.failed.len(), "monthly UTM report drafts generated for review");
    if !outcome.failed.is_empty() {
        // The others are saved; the retry regenerates the drafts (released ones are kept).
        let failed: Vec<String> = outcome.failed.iter().map(|(serial, why)| format!("{serial}: {why}")).collect();
        anyhow::bail!("{} of the month's reports could not be made: {}", failed.len(), failed.join("; "));
    }
    Ok(outcome.made)
}

/// Sends the trial-end notice of the device named in `key` (`DEVICE-ID/INSTALLED-ON`), unless
/// the device has left its trial meanwhile. Safe to repeat: a retried job after a crash may send
/// the notice again only if the first transaction did not commit.
pub async fn trial_end_notice(services: &app::Services, key: &str, clock: &app::Clock) -> anyhow::Result<bool> {
    let mut parts = key.split('/');
    let (Some(device), Some(installed)) = (parts.next(), parts.next()) else {
        anyhow::bail!("job key {key} is not DEVICE/DATE[/DAYSd]");
    };
    let device: uuid::Uuid = device.parse()?;
    let installed: chrono::NaiveDate = installed.parse()?;
    let days: i64 = match parts.next() {
        None => 14,
        Some(days) => days.trim_end_matches('d').parse()?,
    };
    let actor = app::Actor::system("trial_end_notice");
    let sent = app::devices::notify_trial_ending(services, &actor, device, installed, days, clock.now()).await?;
    tracing::info!(%device, sent, "trial-end notice");
    Ok(sent)
}

/// Sends a seminar's reminder e-mails (`SEMINAR-ID/day-before|hour-before/START`); returns how many.
pub async fn seminar_reminder(services: &app::Services, key: &str, clock: &app::Clock) -> anyhow::Result<usize> {
    let mut parts = key.split('/');
    let (Some(seminar), Some(which)) = (parts.next(), parts.next()) else {
        anyhow::bail!("job key {key} is not SEMINAR/WHICH/START");
    };
    let seminar: uuid::Uuid = seminar.parse()?;
    let reminder = match which {
        "day-before" => store::seminars::Reminder::DayBefore,
        "hour-before" => store::seminars::Reminder::HourBefore,
        other => anyhow::bail!("unknown seminar reminder {other}"),
    };
    let sent = app::seminars::send_reminders(services, seminar, reminder, clock.now()).await?;
    tracing::info!(%seminar, which, sent, "seminar reminders");
    Ok(sent)
}

/// Checks an incident ticket's SLA clock (`TICKET/first_response|resolution/DUE`) and records
/// a breach when it has passed its target; returns whether one was recorded.
pub async fn incident_sla(services: &app::Services, key: &str, clock: &app::Clock) -> anyhow::Result<bool> {
    let mut parts = key.split('/');
    let (Some(ticket), Some(which)) = (parts.next(), parts.next()) else {
        anyhow::bail!("job key {key} is not TICKET/CLOCK/DUE");
    };
    let ticket: uuid::Uuid = ticket.parse()?;
    let breach = match which {
        "first_response" => store::incidents::Breach::FirstResponse,
        "resolution" => store::incidents::Breach::Resolution,
        other => anyhow::bail!("unknown SLA clock {other}"),
    };
    let recorded = app::incidents::check_breach(services, ticket, breach, clock.now()).await?;
    if recorded {
        tracing::warn!(%ticket, which, "incident SLA breached");
    }
    Ok(recorded)
}

/// Deletes threat events older than the retention period; returns how many.
pub async fn purge_threat_events(db: &Db, settings: &Settings, clock: &app::Clock) -> anyhow::Result<u64> {
    let before = clock.now() - chrono::Duration::days(i64::from(settings.threat_retention_days));
    let purged = store::logs::purge_threat_events(db, before).await?;
    if purged > 0 {
        tracing::info!(purged, "threat events past the retention period deleted");
    }
    Ok(purged)
}

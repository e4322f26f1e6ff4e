//! Scheduled work beside the outbox: on the 1st of each month (Asia/Tokyo) the previous month's
//! UTM report drafts are generated for staff review, and threat events past the retention period
//! are deleted (roll-ups are kept). Checked hourly; each step is idempotent.

use std::time::Duration;

use store::Db;
use tokio::sync::watch;

const CHECK_EVERY: Duration = Duration::from_secs(3600);

pub struct Settings {
    pub font_dirs: Vec<std::path::PathBuf>,
    pub threat_retention_days: u32,
}

/// One pass: generate last month's drafts on the 1st if none exist yet, then purge old events.
pub async fn run_once(db: &Db, settings: &Settings, clock: &app::Clock) -> anyhow::Result<()> {
    let today = clock.today();
    if chrono::Datelike::day(&today) == 1 {
        let month = web::reports::previous_month(today);
        if store::reports::for_month(db, &month).await?.is_empty() {
            let dirs = settings.font_dirs.clone();
            let fonts = tokio::task::spawn_blocking(move || documents::pdf::Fonts::discover(&dirs)).await??;
            let made = web::reports::generate_month(db, &fonts, &month, clock.now()).await?;
            tracing::info!(%month, made, "monthly UTM report drafts generated for review");
        }
    }
    let before = clock.now() - chrono::Duration::days(i64::from(settings.threat_retention_days));
    let purged = store::logs::purge_threat_events(db, before).await?;
    if purged > 0 {
        tracing::info!(purged, "threat events past the retention period deleted");
    }
    Ok(())
}

pub async fn run(db: Db, settings: Settings, clock: app::Clock, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(error) = run_once(&db, &settings, &clock).await {
            tracing::error!("scheduled maintenance: {error:#}");
        }
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

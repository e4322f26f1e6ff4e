//! Opening the database and what the first start does: migrate, load the bundled programme
//! year when there is none, and create the first administrator with a one-time password.

use anyhow::Context;
use domain::access::Role;
use domain::calendar::{BusinessCalendar, ClosureDays};
use domain::programme::ProgrammeSpec;
use store::Db;

use crate::Config;

/// The 令和5年度 programme as published, loaded on the first start.
pub const BUNDLED_PROGRAMME: &str = include_str!("../../../programmes/r5.toml");

pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("failed to create the data folder {}", config.data_dir.display()))?;
    }
    let db = Db::connect(&config.database_url()).await.context("failed to open the database")?;
    // One process at a time: others starting together wait, then find nothing to migrate.
    let turn = db.startup_lock().await.context("failed to take the start-up lock")?;
    let migrated = db.migrate().await.context("failed to migrate the database");
    turn.release().await;
    migrated?;
    Ok(db)
}

/// The business-day calendar: the compiled-in holidays with imported ones merged over them,
/// and the year-end closure (12/29–1/3).
pub async fn calendar(db: &Db) -> anyhow::Result<BusinessCalendar> {
    let holidays = store::holidays::effective_table(db).await?;
    Ok(BusinessCalendar::new(std::sync::Arc::new(holidays), ClosureDays::year_end_default()))
}

/// What the use cases work with, from the configuration: the database, the business-day
/// calendar (holidays as stored), the e-mail settings.
pub async fn services(db: &Db, config: &crate::Config) -> anyhow::Result<app::Services> {
    let web = config.web_config();
    Ok(app::Services {
        db: db.clone(),
        calendar: std::sync::Arc::new(calendar(db).await?),
        mail: std::sync::Arc::new(app::MailSettings { public_url: web.public_url }),
    })
}

/// Logs a warning when the holiday table does not cover the next 12 months from `today`.
pub async fn warn_when_holidays_run_out(db: &Db, today: chrono::NaiveDate) -> anyhow::Result<()> {
    let covered = store::holidays::covered_until(db).await?;
    if let Some(warning) = holiday_coverage_warning(covered, today) {
        tracing::warn!("{warning}");
    }
    Ok(())
}

/// The warning to give when the holiday table (covering up to `covered_until`) ends within 12
/// months of `today`: business-day deadlines after its end would miss holidays.
pub fn holiday_coverage_warning(covered_until: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> Option<String> {
    if !domain::calendar::holiday_table_runs_out(covered_until, today) {
        return None;
    }
    match covered_until {
        Some(until) => Some(format!(
            "the holiday table covers only up to {until}; business-day deadlines after it ignore holidays. \
             Load the Cabinet Office's file: kojo holidays import syukujitsu.csv"
        )),
        None => Some(
            "the holiday table is empty; business-day deadlines ignore holidays. \
             Load the Cabinet Office's file: kojo holidays import syukujitsu.csv"
                .to_string(),
        ),
    }
}

/// Parses and checks a programme file.
pub fn parse_programme(text: &str) -> anyhow::Result<domain::programme::ValidProgramme> {
    let mut value: toml::Table = toml::from_str(text).context("the programme file is not valid TOML")?;
    // TOML has a date type of its own; the domain takes ISO dates as text, so both
    // `window_start = 2023-08-25` and `window_start = "2023-08-25"` are accepted.
    // Seminar times (`starts_at = 2023-09-06T14:00:00+09:00`) likewise, as RFC 3339 text.
    for list in ["courses", "seminars"] {
        let Some(toml::Value::Array(rows)) = value.get_mut(list) else { continue };
        for course in rows.iter_mut().filter_map(toml::Value::as_table_mut) {
            for (_, field) in course.iter_mut() {
                if let toml::Value::Datetime(date) = field {
                    *field = toml::Value::String(date.to_string());
                }
            }
        }
    }
    let spec: ProgrammeSpec = value.try_into().context("the programme file does not have the expected fields")?;
    Ok(spec.validate()?)
}

pub struct FirstAdmin {
    pub email: String,
    pub password: String,
}

impl FirstAdmin {
    pub fn print(&self, public_url: &str) {
        println!();
        println!("初回起動：管理者アカウントを作成しました / First start: an administrator was created");
        println!("  サインイン / Sign in:   {public_url}/office/login");
        println!("  メール / E-mail:        {}", self.email);
        println!("  パスワード / Password:   {}", self.password);
        println!("  このパスワードは一度だけ表示されます / This password is shown only once.");
        println!("  最初のサインインで新しいパスワードを設定します / The first sign-in sets a new password.");
        println!();
    }
}

/// On an empty database: loads the bundled programme year and creates an administrator.
pub async fn first_start(db: &Db, _config: &Config) -> anyhow::Result<Option<FirstAdmin>> {
    if store::programmes::list(db).await?.is_empty() {
        let programme = parse_programme(BUNDLED_PROGRAMME)?;
        store::programmes::import(db, &programme, true, app::Clock::system().now()).await?;
    }
    if store::accounts::count_users(db).await? > 0 {
        return Ok(None);
    }
    let email = "admin@kojo.local".to_string();
    let password = one_time_password();
    store::accounts::create_user(
        db,
        store::accounts::NewUser {
            email: &email,
            display_name: "管理者",
            role: Role::Administrator,
            password_hash: Some(app::accounts::hash_password(&password)),
            company_application_id: None,
            must_change_password: true,
        },
        app::Clock::system().now(),
    )
    .await?;
    Ok(Some(FirstAdmin { email, password }))
}

/// A printed one-time password (see `app::accounts::one_time_password`): the next sign-in
/// must replace it.
pub fn one_time_password() -> String {
    app::accounts::one_time_password()
}

//! `kojo`: runs the programme's system. Argument parsing only; the work is in the library.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use domain::access::Role;
use kojo::{Config, setup};

#[derive(Parser)]
#[command(name = "kojo", version, about = "Kojo — 中小企業サイバーセキュリティ向上支援事業の運営システム")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and run the background worker.
    Serve {
        /// On an empty database, load a sample programme year (open today), sample staff for
        /// every role (passwords printed once) and sample cases at different steps.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Programme years.
    #[command(subcommand)]
    Programme(ProgrammeCommand),
    /// Japanese public holidays.
    #[command(subcommand)]
    Holidays(HolidaysCommand),
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The participation agreement (参加同意書).
    #[command(subcommand)]
    Agreement(AgreementCommand),
    /// Monthly UTM reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Scheduled work (monthly report drafts, retention).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Staff API tokens for /api/v1/cases.
    #[command(subcommand)]
    Token(TokenCommand),
    /// UTM logs (course ①).
    #[command(subcommand)]
    Utm(UtmCommand),
    /// Write a consistent copy of the database while Kojo runs (SQLite: a copy of the file;
    /// PostgreSQL: pg_dump's custom format).
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into an empty database (the data folder's, or KOJO_DATABASE_URL's).
    Restore {
        /// A file written by `kojo backup`.
        file: PathBuf,
    },
    /// Personal data past its retention period (docs/retention.md): shows what is due and what
    /// waits; `--apply` reduces what is due, each record audited.
    Retention {
        /// Reduce what is due now (without it nothing changes).
        #[arg(long)]
        apply: bool,
        /// Show what would be due on this day instead of today (YYYY-MM-DD; not with --apply).
        #[arg(long, conflicts_with = "apply")]
        on: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum AgreementCommand {
    /// Write the agreement PDF of a case exactly as the company received it (the signed
    /// re-issue once signed); before one is sent, render it fresh from the current wording.
    Render {
        reference: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a programme year's agreement wording (JSON) to edit.
    WordingExport {
        #[arg(long)]
        fiscal_year: i32,
    },
    /// Save edited wording (JSON) as the programme year's next version; issued agreements keep theirs.
    WordingImport {
        #[arg(long)]
        fiscal_year: i32,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Generate (or regenerate) the drafts of every active device for a month, for staff review.
    Monthly {
        /// The month, e.g. 2023-11.
        #[arg(long)]
        month: String,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List the most recent jobs: due, done or failing with their last error.
    List {
        #[arg(long, default_value_t = 30)]
        limit: u64,
    },
    /// Run the jobs due now once, as the worker of `kojo serve` does, and exit.
    Run,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a staff user (printed once).
    Create {
        #[arg(long)]
        email: String,
        /// What the token is for, e.g. "nightly export".
        #[arg(long)]
        name: String,
    },
    /// Revoke a user's tokens with this name.
    Revoke {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum UtmCommand {
    /// Parse log files (plain or .gz): one JSON event per line on stdout, a summary on stderr.
    Parse {
        /// auto, fortigate, sophos, paloalto, checkpoint, cisco, sonicwall, watchguard, juniper, pfsense, suricata, cef or leef.
        #[arg(long, default_value = "auto")]
        vendor: String,
        /// json (Kojo's record) or ecs (Elastic Common Schema, docs/utm-ecs.md).
        #[arg(long, default_value = "json")]
        format: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Import log files (plain or .gz) for a registered device: events, roll-ups, unparsed lines.
    Import {
        /// The device's serial number as registered.
        #[arg(long)]
        device: String,
        /// Open no incident tickets for what the desk's rules pick (back-filling old logs whose
        /// detections the desk has long dealt with).
        #[arg(long)]
        no_tickets: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Receive syslog from UTM devices and store it (also runs inside `serve` when configured).
    Listen {
        /// UDP address, e.g. 0.0.0.0:514 (default: KOJO_SYSLOG_UDP).
        #[arg(long)]
        udp: Option<String>,
        /// TCP address, e.g. 0.0.0.0:514 (default: KOJO_SYSLOG_TCP).
        #[arg(long)]
        tcp: Option<String>,
    },
    /// Store what listeners published to JetStream (KOJO_NATS_URL): one or more processes share
    /// the durable consumer; each message's effect is committed once.
    Consume {
        /// Stop when the stream has nothing more to give (a catch-up run) instead of waiting.
        #[arg(long)]
        until_idle: bool,
    },
}

#[derive(Subcommand)]
enum ProgrammeCommand {
    /// Load a programme year from TOML (creates it, or updates the same fiscal year).
    Import {
        file: PathBuf,
        /// Make it the current programme year.
        #[arg(long)]
        current: bool,
    },
    /// List programme years.
    List,
}

#[derive(Subcommand)]
enum HolidaysCommand {
    /// Load the Cabinet Office syukujitsu.csv (Shift_JIS or UTF-8) over the built-in table.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff user; prints a one-time password.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// administrator, secretariat, expert, utm_operator or tokyo_official.
        #[arg(long)]
        role: String,
    },
    /// Reset a staff user's password: prints a new one-time password, which the next sign-in
    /// must replace; the user's sessions end.
    Passwd {
        #[arg(long)]
        email: String,
    },
    /// Disable a user: no more sign-in; sessions and API tokens stop working at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

/// Ctrl+C, or SIGTERM (what systemd and container runtimes send to stop a service).
async fn stop_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("failed to listen for SIGTERM")?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted.context("failed to wait for Ctrl+C")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}

async fn programme_by_year(db: &store::Db, fiscal_year: i32) -> anyhow::Result<store::programmes::ProgrammeRecord> {
    store::programmes::list(db)
        .await?
        .into_iter()
        .find(|p| p.fiscal_year == fiscal_year)
        .with_context(|| format!("no programme year {fiscal_year}"))
}

/// The use cases' context for a command-line action.
async fn cli_services(db: &store::Db, config: &kojo::Config) -> anyhow::Result<app::Services> {
    let web = config.web_config();
    Ok(app::Services {
        db: db.clone(),
        calendar: std::sync::Arc::new(setup::calendar(db).await?),
        mail: std::sync::Arc::new(app::MailSettings { public_url: web.public_url }),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut config = cli.config;
    kojo::telemetry::init_logging(config.log_format);
    match cli.command {
        Command::Serve { demo } => {
            config.demo = demo;
            let running = kojo::start(&config).await?;
            println!("Kojo: {} （Ctrl+C で停止 / Ctrl+C to stop）", running.url());
            stop_signal().await?;
            tracing::info!("stopping: finishing requests and the job in progress");
            running.stop().await?;
        }
        Command::Backup { out } => {
            // Connects only: a backup copies the database as it is, it never migrates it.
            let db = store::Db::connect(&config.database_url()).await?;
            let written = kojo::backup::backup(&db, &config.database_url(), &out, app::Clock::system().now()).await?;
            println!("{} ({} bytes, {})", written.path.display(), written.bytes, written.format);
        }
        Command::Restore { file } => {
            let db = kojo::backup::restore(&config, &file, app::Clock::system().now()).await?;
            let programmes = store::programmes::list(&db).await?;
            println!("restored {} ({} programme year(s))", file.display(), programmes.len());
        }
        Command::Retention { apply, on } => {
            let db = setup::open_database(&config).await?;
            let services = setup::services(&db, &config).await?;
            let clock = app::Clock::system();
            let actor = app::Actor::command_line();
            let day = on.unwrap_or_else(|| clock.today());
            let plan = app::retention::plan(&services, &actor, day).await?;
            let line = |g: &app::retention::Group| {
                format!(
                    "  {} {} ({}, FY{}): {} record(s), due {}",
                    g.category.label_ja(),
                    domain::wareki::format_fiscal_year(g.fiscal_year),
                    g.category.label_en(),
                    g.fiscal_year,
                    g.records,
                    g.due_on
                )
            };
            println!("due on {day}: {} record(s)", plan.due_records());
            plan.due.iter().for_each(|g| println!("{}", line(g)));
            println!("not yet due:");
            plan.later.iter().for_each(|g| println!("{}", line(g)));
            println!(
                "  ログイン記録 (sign-in records older than {} days): {}",
                domain::retention::SIGN_IN_DAYS,
                plan.sign_ins
            );
            println!(
                "  送信済みメールの本文 (e-mail texts older than {} days): {}",
                domain::retention::MAIL_DAYS,
                plan.mail
            );
            if apply {
                let done = app::retention::apply(&services, &actor, day, clock.now()).await?;
                let total: usize = done.groups.iter().map(|g| g.records).sum();
                println!("reduced {total} record(s) (audited as retention.reduce)");
                println!(
                    "deleted {} sign-in record(s), reduced {} e-mail(s) (audited as retention.purge)",
                    done.sign_ins, done.mail
                );
            } else if plan.due_records() > 0 || plan.sign_ins + plan.mail > 0 {
                println!("nothing was changed; run `kojo retention --apply` to reduce what is due");
            }
        }
        Command::Migrate => {
            setup::open_database(&config).await?;
            println!("migrated");
        }
        Command::Programme(ProgrammeCommand::Import { file, current }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("failed to read {}", file.display()))?;
            let programme = setup::parse_programme(&text).with_context(|| format!("in {}", file.display()))?;
            let db = setup::open_database(&config).await?;
            store::programmes::import(&db, &programme, current, app::Clock::system().now()).await?;
            println!(
                "{} ({}): {} course(s) loaded{}",
                programme.name_ja,
                programme.fiscal_year,
                programme.courses.len(),
                if current { ", now the current year" } else { "" }
            );
        }
        Command::Programme(ProgrammeCommand::List) => {
            let db = setup::open_database(&config).await?;
            for programme in store::programmes::list(&db).await? {
                println!(
                    "{}{} {}",
                    if programme.is_current { "* " } else { "  " },
                    programme.fiscal_year,
                    programme.name_ja
                );
                for course in programme.courses {
                    println!(
                        "    {:<16} {} – {}  capacity {:>5}  taken {:>5}  waitlisted {:>5}",
                        course.code.code(),
                        course.window.start(),
                        course.window.end(),
                        course.capacity,
                        course.places_taken,
                        course.waitlisted
                    );
                }
            }
        }
        Command::Holidays(HolidaysCommand::Import { file }) => {
            let bytes = std::fs::read(&file).with_context(|| format!("failed to read {}", file.display()))?;
            let table =
                domain::calendar::HolidayTable::parse_csv(&bytes).with_context(|| format!("in {}", file.display()))?;
            let db = setup::open_database(&config).await?;
            let count = store::holidays::import(&db, &table, app::Clock::system().now()).await?;
            println!(
                "{count} holidays loaded (last: {})",
                table.last_date().map(|d| d.to_string()).unwrap_or_default()
            );
        }
        Command::User(UserCommand::Add { email, name, role }) => {
            let role = Role::from_code(&role)
                .filter(|r| r.is_staff())
                .with_context(|| format!("unknown staff role {role:?}"))?;
            let email = domain::text::EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!(e.message_en()))?;
            let db = setup::open_database(&config).await?;
            let password = setup::one_time_password();
            store::accounts::create_user(
                &db,
                store::accounts::NewUser {
                    email: email.as_str(),
                    display_name: &name,
                    role,
                    password_hash: Some(app::accounts::hash_password(&password)),
                    company_application_id: None,
                    must_change_password: true,
                },
                app::Clock::system().now(),
            )
            .await?;
            println!(
                "created {} ({}); one-time password: {password} (to be replaced at the first sign-in)",
                email.as_str(),
                role.code()
            );
        }
        Command::User(UserCommand::Passwd { email }) => {
            let db = setup::open_database(&config).await?;
            let services = cli_services(&db, &config).await?;
            let user =
                store::accounts::find_user_by_email(&db, &email).await?.with_context(|| format!("no user {email}"))?;
            anyhow::ensure!(user.role.is_staff(), "{email} is a company user: they sign in by e-mailed link");
            let password = app::accounts::reset_password(
                &services,
                &app::Actor::command_line(),
                user.id,
                app::Clock::system().now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}: one-time password: {password} (to be replaced at the next sign-in)", user.email);
        }
        Command::User(UserCommand::Disable { email }) => {
            let db = setup::open_database(&config).await?;
            let services = cli_services(&db, &config).await?;
            let user =
                store::accounts::find_user_by_email(&db, &email).await?.with_context(|| format!("no user {email}"))?;
            app::accounts::disable_user(&services, &app::Actor::command_line(), user.id, app::Clock::system().now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{} disabled: sessions ended, API tokens revoked", user.email);
        }
        Command::Agreement(AgreementCommand::Render { reference, out }) => {
            let db = setup::open_database(&config).await?;
            let bytes = kojo::agreement_pdf(&db, &config, reference.trim()).await?;
            std::fs::write(&out, &bytes).with_context(|| format!("failed to write {}", out.display()))?;
            println!("{} ({} bytes)", out.display(), bytes.len());
        }
        Command::Agreement(AgreementCommand::WordingExport { fiscal_year }) => {
            let db = setup::open_database(&config).await?;
            let programme = programme_by_year(&db, fiscal_year).await?;
            let (_, wording) = app::agreements::wording(&db, programme.id, app::Clock::system().now())
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!("{}", serde_json::to_string_pretty(&wording)?);
        }
        Command::Agreement(AgreementCommand::WordingImport { fiscal_year, file }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("failed to read {}", file.display()))?;
            let wording: documents::agreement::AgreementWording = serde_json::from_str(&text)
                .with_context(|| format!("{} is not agreement wording JSON", file.display()))?;
            anyhow::ensure!(!wording.clauses.is_empty(), "the wording has no clauses");
            let db = setup::open_database(&config).await?;
            let programme = programme_by_year(&db, fiscal_year).await?;
            let saved = store::agreements::save_wording(
                &db,
                programme.id,
                &serde_json::to_value(&wording)?,
                app::Clock::system().now(),
            )
            .await?;
            println!("{} wording version {} saved", programme.name_ja, saved.version);
        }
        Command::Report(ReportCommand::Monthly { month }) => {
            let db = setup::open_database(&config).await?;
            let month = app::reports::Month::parse(&month)
                .map_err(|_| anyhow::anyhow!("月は「2026-11」の形式で指定してください / give the month as YYYY-MM"))?;
            let services = setup::services(&db, &config).await?;
            let fonts = documents::pdf::Fonts::discover(&config.font_dirs())?;
            let started = std::time::Instant::now();
            let actor = app::Actor::system("kojo report monthly");
            let outcome = app::reports::generate_month(
                &services,
                &actor,
                std::sync::Arc::new(fonts),
                &month,
                app::Clock::system().now(),
            )
            .await?;
            for (serial, why) in &outcome.failed {
                eprintln!("{serial}: no report: {why}");
            }
            let made = outcome.made;
            println!(
                "{made} report draft(s) for {month} in {:.1} s; review and release them at /office/reports/monthly",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Jobs(JobsCommand::List { limit }) => {
            let db = setup::open_database(&config).await?;
            let now = app::Clock::system().now();
            for job in store::jobs::recent(&db, limit).await? {
                let state = match (job.done_at, job.locked_until) {
                    (Some(done), _) => format!("done {}", done.to_rfc3339()),
                    (None, Some(until)) if until > now => format!("running (lease until {})", until.to_rfc3339()),
                    (None, Some(until)) => format!("lease ran out at {} (claimed again when due)", until.to_rfc3339()),
                    (None, None) => format!("due {}", job.due_at.to_rfc3339()),
                };
                let error = job.last_error.map(|e| format!("  last error: {e}")).unwrap_or_default();
                println!("{:<20} {:<10} attempts {:<3} {state}{error}", job.kind, job.key, job.attempts);
            }
        }
        Command::Jobs(JobsCommand::Run) => {
            let db = setup::open_database(&config).await?;
            let settings = kojo::maintenance::Settings::from_config(&config);
            let services = setup::services(&db, &config).await?;
            let pass = kojo::jobs::run_due_jobs(&services, &settings, &app::Clock::system()).await?;
            println!("{} planned, {} done, {} failed (see kojo jobs list)", pass.planned, pass.done, pass.failed);
        }
        Command::Token(TokenCommand::Create { email, name }) => {
            let db = setup::open_database(&config).await?;
            let user =
                store::accounts::find_user_by_email(&db, &email).await?.with_context(|| format!("no user {email}"))?;
            let token = store::accounts::create_api_token(&db, user.id, &name, app::Clock::system().now()).await?;
            println!("{token}");
            eprintln!(
                "token for {} ({}); shown once — use it as: Authorization: Bearer <token>",
                user.email,
                user.role.code()
            );
        }
        Command::Token(TokenCommand::Revoke { email, name }) => {
            let db = setup::open_database(&config).await?;
            let user =
                store::accounts::find_user_by_email(&db, &email).await?.with_context(|| format!("no user {email}"))?;
            let count = store::accounts::revoke_api_tokens(&db, user.id, &name, app::Clock::system().now()).await?;
            println!("{count} token(s) revoked");
        }
        Command::Utm(UtmCommand::Parse { vendor, format, files }) => {
            let vendor = match vendor.as_str() {
                "auto" => None,
                code => Some(utm::Vendor::from_code(code).with_context(|| format!("unknown vendor {code:?}"))?),
            };
            let format =
                utm::Format::from_code(&format).with_context(|| format!("unknown format {format:?}: json or ecs"))?;
            let stdout = std::io::stdout();
            let stderr = std::io::stderr();
            utm::run_parse_with(utm::ParseOptions { vendor, format }, &files, &mut stdout.lock(), &mut stderr.lock())?;
        }
        Command::Utm(UtmCommand::Import { device, no_tickets, files }) => {
            let db = setup::open_database(&config).await?;
            let device = store::devices::find_by_serial(&db, &device).await?.with_context(|| {
                format!("no device with serial {device:?}: register it on the office's device page first")
            })?;
            let started = std::time::Instant::now();
            let services = setup::services(&db, &config).await?;
            let tickets = if no_tickets { kojo::ingest::Tickets::None } else { kojo::ingest::Tickets::Open };
            let clock = app::Clock::system();
            let summary =
                kojo::ingest::import_files_with(&services, device.id, &files, tickets, &clock, |path, so_far| {
                    let seconds = started.elapsed().as_secs_f64();
                    eprintln!("{}: {} 行 / lines ({seconds:.1} 秒 / s)", path.display(), so_far.lines);
                })
                .await?;
            summary.print(&mut std::io::stdout())?;
        }
        Command::Utm(UtmCommand::Listen { udp, tcp }) => {
            let udp = udp.or(config.syslog_udp.clone());
            let tcp = tcp.or(config.syslog_tcp.clone());
            let settings = kojo::listener::Settings::configured(&config, udp, tcp)?;
            if settings.udp.is_none() && settings.tcp.is_none() && settings.tls.is_none() {
                anyhow::bail!(
                    "nothing to listen on: give --udp and/or --tcp (or KOJO_SYSLOG_UDP / KOJO_SYSLOG_TCP / KOJO_SYSLOG_TLS)"
                );
            }
            let db = setup::open_database(&config).await?;
            let (shutdown, watcher) = tokio::sync::watch::channel(false);
            let services = setup::services(&db, &config).await?;
            let clock = settings.clock.clone();
            let listener = kojo::listener::start(services, settings, watcher.clone()).await?;
            let metrics = match &config.metrics_addr {
                Some(addr) => {
                    let scrape =
                        kojo::telemetry::Scrape { db: db.clone(), clock, web: None, listener: Some(listener.stats()) };
                    Some(kojo::telemetry::serve(addr, scrape, watcher).await?.1)
                }
                None => None,
            };
            for (protocol, address) in
                [("UDP", listener.udp_addr()), ("TCP", listener.tcp_addr()), ("TLS", listener.tls_addr())]
            {
                if let Some(address) = address {
                    println!("syslog {protocol} {address} （Ctrl+C で停止 / Ctrl+C to stop）");
                }
            }
            stop_signal().await?;
            let _ = shutdown.send(true);
            listener.wait().await?;
            if let Some(metrics) = metrics {
                let _ = metrics.await;
            }
        }
        Command::Utm(UtmCommand::Consume { until_idle }) => {
            let stream = kojo::listener::stream::StreamSettings::from_config(&config)?
                .context("kojo utm consume needs KOJO_NATS_URL (e.g. nats://127.0.0.1:4222)")?;
            let db = setup::open_database(&config).await?;
            let services = setup::services(&db, &config).await?;
            let (shutdown, watcher) = tokio::sync::watch::channel(false);
            let listener = kojo::listener::Settings::configured(&config, None, None)?;
            println!("JetStream {} / {} （Ctrl+C で停止 / Ctrl+C to stop）", stream.stream, stream.consumer);
            let metrics = match &config.metrics_addr {
                Some(addr) => {
                    let scrape = kojo::telemetry::Scrape {
                        db: db.clone(),
                        clock: listener.clock.clone(),
                        web: None,
                        listener: None,
                    };
                    Some(kojo::telemetry::serve(addr, scrape, watcher.clone()).await?.1)
                }
                None => None,
            };
            let mut consumer =
                tokio::spawn(kojo::listener::stream::consume(services, stream, listener, watcher, until_idle));
            let finished = tokio::select! {
                finished = &mut consumer => finished,
                stopped = stop_signal() => {
                    stopped?;
                    let _ = shutdown.send(true);
                    consumer.await
                }
            };
            let _ = shutdown.send(true);
            if let Some(metrics) = metrics {
                let _ = metrics.await;
            }
            let (consumed, _) = finished??;
            println!(
                "applied {} stream message(s), skipped {} already applied, {} not Kojo's, {} set aside",
                consumed.applied, consumed.skipped, consumed.malformed, consumed.refused
            );
        }
    }
    Ok(())
}

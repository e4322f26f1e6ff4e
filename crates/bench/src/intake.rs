//! `kojo-bench intake`: `POST /api/v1/applications` on loopback with concurrent clients, on
//! SQLite and on PostgreSQL, against the real server started in this process (the same start-up
//! as `kojo serve`). Then, on the same PostgreSQL database, pgbench runs a script with the same
//! transaction shape as a submission, as the yardstick for what the database alone can do.
//!
//! Every request is a distinct, eligible company, so every request should be accepted (201):
//! the first `--capacity` hold a place, the rest are waitlisted. Afterwards the course is read
//! back to check that no place was given beyond capacity.
//!
//! `--direct` adds a row per backend that calls the same submission steps as the HTTP handler
//! (validate, eligibility, current programme, `store::applications::submit`) without HTTP, to
//! split the cost between the web layer and the database layer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};
use store::Db;
use tokio::sync::watch;

use kojo::{Config, setup};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Measured requests per backend (after the warm-up).
    #[arg(long, default_value_t = 20_000)]
    pub requests: usize,

    /// Concurrent clients (each keeps its own keep-alive connection).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,

    /// Unmeasured requests sent first (connections opened, caches filled). They count towards
    /// the capacity check.
    #[arg(long, default_value_t = 640)]
    pub warmup: usize,

    /// Capacity of the course applied to: the first C applications hold a place, the rest are
    /// waitlisted.
    #[arg(long, default_value_t = 5_000)]
    pub capacity: u32,

    /// PostgreSQL URL of an existing database; a scratch database is created beside it and
    /// dropped afterwards.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres_url: String,

    /// Measure SQLite only.
    #[arg(long)]
    pub skip_postgres: bool,

    /// Measure PostgreSQL only.
    #[arg(long)]
    pub skip_sqlite: bool,

    /// Folder for the SQLite database and e-mail files (a fresh temporary folder by default;
    /// removed afterwards unless given).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,

    /// Duration of the pgbench run, in seconds.
    #[arg(long, default_value_t = 15)]
    pub pgbench_seconds: u32,

    /// The pgbench program.
    #[arg(long, default_value = "pgbench")]
    pub pgbench: String,

    /// Also measure the submission without HTTP (same steps as the handler), one row per backend.
    #[arg(long)]
    pub direct: bool,

    /// Serve without the background e-mail worker (which otherwise delivers the acknowledgement
    /// e-mails while the load runs, as in production).
    #[arg(long)]
    pub no_worker: bool,

    /// Also post the same bodies to `POST /api/v1/eligibility` (parse, validate, no database):
    /// the cost of HTTP, JSON and the load generator alone, one row per backend.
    #[arg(long)]
    pub http_floor: bool,

    /// Print the results as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Mode {
    Http,
    Direct,
    /// `POST /api/v1/eligibility`: HTTP and JSON without the database.
    Floor,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Http => "http",
            Mode::Direct => "direct",
            Mode::Floor => "http floor (eligibility)",
        }
    }
}

/// One measured row.
#[derive(Debug, Clone, Serialize)]
struct Row {
    backend: Backend,
    mode: Mode,
    worker: bool,
    requests: usize,
    concurrency: usize,
    seconds: f64,
    accepted: usize,
    accepted_per_second: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// Non-201 outcomes by status code (or `error` for transport failures).
    errors: BTreeMap<String, usize>,
    capacity: u32,
    /// Read back from the database after the run (warm-up included).
    places_taken: u32,
    received_rows: usize,
    waitlisted: u32,
    over_capacity: u32,
    /// CPU time of this process (server and load generator) per measured request.
    process_cpu_us_per_request: f64,
    /// Share of the machine's CPU time that was busy during the measurement (every process).
    machine_busy_percent: f64,
    /// The 1-minute load average when the measurement ended.
    load_average: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
struct Pgbench {
    clients: usize,
    threads: usize,
    seconds: u32,
    tps: f64,
    latency_average_ms: Option<f64>,
    transactions: Option<u64>,
    failed: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
struct Machine {
    cpus: usize,
    cpu_model: String,
    memory: Option<String>,
    kernel: Option<String>,
    postgres: Option<String>,
    /// The 1-minute load average when the command started (other work on the machine).
    load_average_at_start: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Report {
    date: String,
    machine: Machine,
    rows: Vec<Row>,
    pgbench: Option<Pgbench>,
    /// PostgreSQL HTTP accepted/s divided by the pgbench tps.
    postgres_to_pgbench: Option<f64>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.requests == 0 {
        bail!("--requests and --concurrency must be positive");
    }
    let machine = machine_info(&args).await;
    eprintln!(
        "kojo-bench intake: {} requests (+{} warm-up) per backend, {} clients, capacity {}, {} CPU(s) {}",
        args.requests, args.warmup, args.concurrency, args.capacity, machine.cpus, machine.cpu_model
    );

    let (data_root, remove_data_root) = match &args.data_dir {
        Some(dir) => (dir.clone(), false),
        None => (
            std::env::temp_dir().join(format!(
                "kojo-bench-intake-{}-{}",
                std::process::id(),
                app::Clock::system().now().timestamp()
            )),
            true,
        ),
    };
    std::fs::create_dir_all(&data_root).with_context(|| format!("failed to create {}", data_root.display()))?;

    let result = run_all(&args, &data_root).await;
    if remove_data_root {
        eprintln!("removing {} (the e-mail files take a while)", data_root.display());
        std::fs::remove_dir_all(&data_root).ok();
    }
    let (rows, pgbench) = result?;

    let postgres_http = rows.iter().find(|r| r.backend == Backend::Postgres && r.mode == Mode::Http);
    let postgres_to_pgbench = match (postgres_http, &pgbench) {
        (Some(row), Some(pg)) if pg.tps > 0.0 => Some(row.accepted_per_second / pg.tps),
        _ => None,
    };
    let report = Report {
        date: app::Clock::system().now().format("%Y-%m-%d %H:%M UTC").to_string(),
        machine,
        rows,
        pgbench,
        postgres_to_pgbench,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if report.rows.iter().any(|r| r.over_capacity > 0 || r.received_rows as u32 != r.places_taken) {
        bail!("capacity invariant violated: see the over-capacity column");
    }
    Ok(())
}

async fn run_all(args: &Args, data_root: &Path) -> anyhow::Result<(Vec<Row>, Option<Pgbench>)> {
    let mut rows = Vec::new();
    let mut pgbench = None;
    let mut modes = vec![Mode::Http];
    if args.direct {
        modes.push(Mode::Direct);
    }
    if args.http_floor {
        modes.push(Mode::Floor);
    }
    if !args.skip_sqlite {
        for &mode in &modes {
            let dir = data_root.join(format!("sqlite-{mode:?}").to_lowercase());
            let config = Config::for_data_dir(&dir);
            rows.push(measure(args, Backend::Sqlite, mode, config, None).await?);
        }
    }
    if !args.skip_postgres {
        for &mode in &modes {
            let name = format!("kojo_bench_intake_{}_{}", std::process::id(), format!("{mode:?}").to_lowercase());
            let url = store::scratch::create_postgres_database(&args.postgres_url, &name).await.with_context(|| {
                format!("PostgreSQL at {} is required (or pass --skip-postgres)", args.postgres_url)
            })?;
            let dir = data_root.join(format!("postgres-{mode:?}").to_lowercase());
            let mut config = Config::for_data_dir(&dir);
            config.database_url = Some(url.clone());
            let mut shape = None;
            let measured = measure(args, Backend::Postgres, mode, config, Some(&mut shape)).await;
            // pgbench runs once, on the database the HTTP run wrote to, after Kojo has stopped.
            let bench = match (&measured, mode, shape) {
                (Ok(_), Mode::Http, Some(shape)) => Some(run_pgbench(args, &url, &shape, data_root).await),
                _ => None,
            };
            store::scratch::drop_postgres_database(&args.postgres_url, &name).await.ok();
            rows.push(measured?);
            if let Some(bench) = bench {
                pgbench = Some(bench?);
            }
        }
    }
    Ok((rows, pgbench))
}

/// What the pgbench script needs to know about the database the HTTP run used.
struct Shape {
    programme_id: uuid::Uuid,
    course_id: uuid::Uuid,
    email_subject: String,
    email_body: String,
}

/// The server (with or without the worker) for one measured row.
enum Served {
    Full(Box<kojo::Running>),
    WithoutWorker {
        url: String,
        db: Db,
        shutdown: watch::Sender<bool>,
        server: tokio::task::JoinHandle<std::io::Result<()>>,
    },
}

impl Served {
    async fn start(config: &Config, worker: bool) -> anyhow::Result<Served> {
        // An account exists before the first start, so no administrator password is printed.
        let db = setup::open_database(config).await?;
        store::accounts::create_user(
            &db,
            store::accounts::NewUser {
                email: "bench@kojo.invalid",
                display_name: "bench",
                role: domain::access::Role::Secretariat,
                password_hash: None,
                company_application_id: None,
                must_change_password: false,
            },
            app::Clock::system().now(),
        )
        .await?;
        db.close().await.ok();
        if worker {
            return Ok(Served::Full(Box::new(kojo::start(config).await?)));
        }
        // The same start-up as `kojo::start`, minus the e-mail worker.
        let db = setup::open_database(config).await?;
        setup::first_start(&db, config).await?;
        let calendar = setup::calendar(&db).await?;
        let state = web::AppState::new(db.clone(), config.web_config(), calendar, app::Clock::system());
        let server = web::Server::bind(&config.addr, state).await?;
        let url = format!("http://{}", server.local_addr()?);
        let (shutdown, mut watcher) = watch::channel(false);
        let server = tokio::spawn(server.run(async move {
            let _ = watcher.wait_for(|stop| *stop).await;
        }));
        Ok(Served::WithoutWorker { url, db, shutdown, server })
    }

    fn url(&self) -> String {
        match self {
            Served::Full(running) => running.url(),
            Served::WithoutWorker { url, .. } => url.clone(),
        }
    }

    fn db(&self) -> &Db {
        match self {
            Served::Full(running) => &running.db,
            Served::WithoutWorker { db, .. } => db,
        }
    }

    async fn stop(self) -> anyhow::Result<()> {
        let db = self.db().clone();
        match self {
            Served::Full(running) => running.stop().await?,
            Served::WithoutWorker { shutdown, server, .. } => {
                let _ = shutdown.send(true);
                server.await??;
            }
        }
        db.close().await.ok();
        Ok(())
    }
}

async fn measure(
    args: &Args,
    backend: Backend,
    mode: Mode,
    config: Config,
    shape: Option<&mut Option<Shape>>,
) -> anyhow::Result<Row> {
    let label = format!("{} {}", backend.name(), mode.name());
    let served = Served::start(&config, !args.no_worker).await?;
    let programme = setup::parse_programme(&programme_toml(args.capacity))?;
    store::programmes::import(served.db(), &programme, true, app::Clock::system().now()).await?;

    let total = args.warmup + args.requests;
    let bodies: Arc<Vec<String>> = Arc::new((0..total).map(|n| application(n as u32, "utm").to_string()).collect());
    let load = Load { bodies, concurrency: args.concurrency };
    let target = match mode {
        Mode::Http => Target::Http {
            url: format!("{}/api/v1/applications", served.url()),
            client: http_client(args)?,
            expected: reqwest::StatusCode::CREATED,
        },
        Mode::Floor => Target::Http {
            url: format!("{}/api/v1/eligibility", served.url()),
            client: http_client(args)?,
            expected: reqwest::StatusCode::OK,
        },
        Mode::Direct => Target::Direct {
            state: web::AppState::new(
                served.db().clone(),
                config.web_config(),
                setup::calendar(served.db()).await?,
                app::Clock::system(),
            ),
        },
    };

    if args.warmup > 0 {
        eprintln!("[{label}] warm-up: {} requests", args.warmup);
        load.drive(&target, 0..args.warmup, &format!("{label} warm-up")).await;
    }
    eprintln!("[{label}] measuring: {} requests, {} clients", args.requests, args.concurrency);
    let (process_before, machine_before) = (process_cpu_seconds(), machine_cpu_ticks());
    let outcome = load.drive(&target, args.warmup..total, &label).await;
    let (process_after, machine_after) = (process_cpu_seconds(), machine_cpu_ticks());

    // Read back: places held never beyond capacity, and every held place is one application.
    let current = store::programmes::current(served.db()).await?.context("no current programme")?;
    let course = current.course(domain::programme::CourseCode::Utm).context("no utm course")?.clone();
    let received = store::applications::list_all(
        served.db(),
        &store::applications::ApplicationFilter {
            course_id: Some(course.id),
            status: Some(store::applications::ApplicationStatus::Received),
            ..Default::default()
        },
    )
    .await?;
    if let Some(shape) = shape {
        let sample = store::outbox::recent(served.db(), 1).await?.into_iter().next();
        *shape = Some(Shape {
            programme_id: current.id,
            course_id: course.id,
            email_subject: sample.as_ref().map(|m| m.subject.clone()).unwrap_or_else(|| "受付完了".into()),
            email_body: sample.map(|m| m.body).unwrap_or_else(|| "本文".repeat(400)),
        });
    }
    served.stop().await?;

    let mut latencies = outcome.latencies_us;
    latencies.sort_unstable();
    let percentile = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let index = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        latencies[index.clamp(1, latencies.len()) - 1] as f64 / 1000.0
    };
    let seconds = outcome.elapsed.as_secs_f64();
    let received_rows = received.len();
    let over_capacity =
        course.places_taken.saturating_sub(course.capacity).max((received_rows as u32).saturating_sub(course.capacity));
    let row = Row {
        backend,
        mode,
        worker: !args.no_worker,
        requests: args.requests,
        concurrency: args.concurrency,
        seconds,
        accepted: outcome.accepted,
        accepted_per_second: outcome.accepted as f64 / seconds,
        p50_ms: percentile(50.0),
        p90_ms: percentile(90.0),
        p99_ms: percentile(99.0),
        max_ms: latencies.last().map(|&v| v as f64 / 1000.0).unwrap_or(0.0),
        errors: outcome.errors,
        capacity: course.capacity,
        places_taken: course.places_taken,
        received_rows,
        waitlisted: course.waitlisted,
        over_capacity,
        process_cpu_us_per_request: (process_after - process_before) * 1e6 / args.requests as f64,
        machine_busy_percent: match (machine_before, machine_after) {
            (Some((busy0, total0)), Some((busy1, total1))) if total1 > total0 => {
                100.0 * (busy1 - busy0) as f64 / (total1 - total0) as f64
            }
            _ => 0.0,
        },
        load_average: load_average(),
    };
    eprintln!(
        "[{label}] {:.0} accepted/s, p50 {:.1} ms, p99 {:.1} ms, held {} / waitlisted {}, {:.0} µs CPU/request in-process, machine {:.0}% busy",
        row.accepted_per_second,
        row.p50_ms,
        row.p99_ms,
        row.places_taken,
        row.waitlisted,
        row.process_cpu_us_per_request,
        row.machine_busy_percent
    );
    if !row.errors.is_empty() {
        eprintln!("[{label}] non-201 outcomes: {:?}", row.errors);
    }
    Ok(row)
}

fn http_client(args: &Args) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .pool_idle_timeout(None)
        .tcp_nodelay(true)
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?)
}

enum Target {
    Http { url: String, client: reqwest::Client, expected: reqwest::StatusCode },
    Direct { state: web::AppState },
}

struct Load {
    bodies: Arc<Vec<String>>,
    concurrency: usize,
}

struct Outcome {
    elapsed: Duration,
    accepted: usize,
    latencies_us: Vec<u32>,
    errors: BTreeMap<String, usize>,
}

/// What one request ended in.
enum Sent {
    Accepted,
    Refused(String, String),
}

impl Load {
    /// Sends `range` of the prepared bodies with `concurrency` clients, each taking the next
    /// unsent body until none is left; prints progress every few seconds.
    async fn drive(&self, target: &Target, range: std::ops::Range<usize>, label: &str) -> Outcome {
        let next = Arc::new(AtomicUsize::new(range.start));
        let done = Arc::new(AtomicU64::new(0));
        let end = range.end;
        let count = range.len();
        let started = Instant::now();
        let (stop_progress, mut progress_stopped) = watch::channel(false);
        let progress = {
            let done = done.clone();
            let label = label.to_string();
            tokio::spawn(async move {
                let mut last = (Instant::now(), 0u64);
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(3)) => {}
                        _ = progress_stopped.wait_for(|s| *s) => return,
                    }
                    let now = (Instant::now(), done.load(Ordering::Relaxed));
                    let rate = (now.1 - last.1) as f64 / (now.0 - last.0).as_secs_f64();
                    eprintln!("[{label}] {}/{count} done, {rate:.0}/s over the last 3 s", now.1);
                    last = now;
                }
            })
        };
        let mut tasks = Vec::with_capacity(self.concurrency);
        for _ in 0..self.concurrency {
            let next = next.clone();
            let done = done.clone();
            let bodies = self.bodies.clone();
            let target = target.clone_handle();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(count / 32 + 16);
                let mut errors: BTreeMap<String, usize> = BTreeMap::new();
                let mut samples = Vec::new();
                let mut accepted = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        break;
                    }
                    let t0 = Instant::now();
                    let sent = target.send(&bodies[i]).await;
                    let elapsed = t0.elapsed();
                    latencies.push(elapsed.as_micros().min(u32::MAX as u128) as u32);
                    match sent {
                        Sent::Accepted => accepted += 1,
                        Sent::Refused(kind, detail) => {
                            if samples.len() < 3 {
                                samples.push(format!("{kind}: {detail}"));
                            }
                            *errors.entry(kind).or_default() += 1;
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                (latencies, errors, samples, accepted)
            }));
        }
        let mut outcome = Outcome {
            elapsed: Duration::ZERO,
            accepted: 0,
            latencies_us: Vec::with_capacity(count),
            errors: BTreeMap::new(),
        };
        let mut samples = Vec::new();
        for task in tasks {
            let (latencies, errors, more_samples, accepted) = task.await.expect("load task");
            outcome.latencies_us.extend(latencies);
            for (kind, n) in errors {
                *outcome.errors.entry(kind).or_default() += n;
            }
            samples.extend(more_samples);
            outcome.accepted += accepted;
        }
        outcome.elapsed = started.elapsed();
        let _ = stop_progress.send(true);
        let _ = progress.await;
        for sample in samples.iter().take(5) {
            eprintln!("[{label}] refused: {sample}");
        }
        outcome
    }
}

impl Target {
    fn clone_handle(&self) -> Target {
        match self {
            Target::Http { url, client, expected } => {
                Target::Http { url: url.clone(), client: client.clone(), expected: *expected }
            }
            Target::Direct { state } => Target::Direct { state: state.clone() },
        }
    }

    async fn send(&self, body: &str) -> Sent {
        match self {
            Target::Http { url, client, expected } => {
                let response = client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string())
                    .send()
                    .await;
                match response {
                    Ok(response) => {
                        let status = response.status();
                        let text = response.text().await.unwrap_or_default();
                        if status == *expected {
                            Sent::Accepted
                        } else {
                            Sent::Refused(status.as_u16().to_string(), text.chars().take(300).collect())
                        }
                    }
                    Err(error) => Sent::Refused("error".into(), error.to_string()),
                }
            }
            Target::Direct { state } => match submit_direct(state, body).await {
                Ok(()) => Sent::Accepted,
                Err(error) => Sent::Refused("direct".into(), format!("{error:#}")),
            },
        }
    }
}

/// The steps of the HTTP handler without HTTP: parse, then `web::submit_direct` (validate,
/// eligibility, current programme, the submission queue).
async fn submit_direct(state: &web::AppState, body: &str) -> anyhow::Result<()> {
    let input: domain::application::ApplicationInput = serde_json::from_str(body)?;
    web::submit_direct(state, &input).await.map_err(|error| anyhow::anyhow!(error))?;
    Ok(())
}

// --- pgbench ---------------------------------------------------------------------------------

async fn run_pgbench(args: &Args, url: &str, shape: &Shape, data_root: &Path) -> anyhow::Result<Pgbench> {
    let script_path = data_root.join("intake-pgbench.sql");
    std::fs::write(&script_path, pgbench_script(shape))?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).min(args.concurrency);
    eprintln!(
        "[pgbench] {} clients, {} threads, {} s, script {}",
        args.concurrency,
        threads,
        args.pgbench_seconds,
        script_path.display()
    );
    let mut command = tokio::process::Command::new(&args.pgbench);
    command
        .arg("-n")
        .arg("-M")
        .arg("prepared")
        .arg("-c")
        .arg(args.concurrency.to_string())
        .arg("-j")
        .arg(threads.to_string())
        .arg("-T")
        .arg(args.pgbench_seconds.to_string())
        .arg("-P")
        .arg("5")
        .arg("-f")
        .arg(&script_path)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    let output = command.output().await.with_context(|| format!("failed to run {}", args.pgbench))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("pgbench failed ({}):\n{stdout}", output.status);
    }
    parse_pgbench(&stdout, args.concurrency, threads, args.pgbench_seconds)
        .with_context(|| format!("unexpected pgbench output:\n{stdout}"))
}

fn parse_pgbench(stdout: &str, clients: usize, threads: usize, seconds: u32) -> anyhow::Result<Pgbench> {
    let number_after = |prefix: &str| -> Option<f64> {
        stdout.lines().find_map(|line| {
            let rest = line.trim().strip_prefix(prefix)?;
            rest.split_whitespace().next()?.parse().ok()
        })
    };
    let tps = stdout
        .lines()
        .find(|line| line.starts_with("tps = ") && line.contains("without initial connection time"))
        .and_then(|line| line["tps = ".len()..].split_whitespace().next()?.parse().ok())
        .context("no `tps = … (without initial connection time)` line")?;
    Ok(Pgbench {
        clients,
        threads,
        seconds,
        tps,
        latency_average_ms: number_after("latency average = "),
        transactions: number_after("number of transactions actually processed: ").map(|v| v as u64),
        failed: number_after("number of failed transactions: ").map(|v| v as u64),
    })
}

/// A script with the submission's transaction shape (see `store::applications::try_submit`):
/// lock the course row, hold a place or take a waitlist number, insert the application (35
/// columns), its audit entry and its acknowledgement e-mail, commit. Like SeaORM on
/// PostgreSQL, the update and the inserts return the written row.
///
/// pgbench substitutes `:name` everywhere, so the literal texts below avoid ASCII colons
/// followed by a letter or digit.
fn pgbench_script(shape: &Shape) -> String {
    let course = shape.course_id;
    let programme = shape.programme_id;
    let safe = |text: &str| text.replace(':', "：").replace("$body$", "");
    let subject = safe(&shape.email_subject).replace('\'', "''");
    let body = safe(&shape.email_body);
    format!(
        r#"\set r random(1, 999999999999999)
BEGIN;
SELECT id, programme_id, code, name_ja, name_en, window_start, window_end, capacity, places_taken, waitlist_seq, created_at, updated_at FROM courses WHERE id = '{course}' FOR UPDATE \gset c_
\if :c_places_taken < :c_capacity
\set received 1
\set taken :c_places_taken + 1
\set wpos 0
UPDATE courses SET places_taken = :taken, updated_at = now() WHERE id = '{course}' RETURNING id, programme_id, code, name_ja, name_en, window_start, window_end, capacity, places_taken, waitlist_seq, created_at, updated_at;
\else
\set received 0
\set wpos :c_waitlist_seq + 1
UPDATE courses SET waitlist_seq = :wpos, updated_at = now() WHERE id = '{course}' RETURNING id, programme_id, code, name_ja, name_en, window_start, window_end, capacity, places_taken, waitlist_seq, created_at, updated_at;
\endif
INSERT INTO applications (id, reference, programme_id, course_id, status, holds_place, waitlist_position, duplicate_key, company_name, company_name_kana, corporate_number, sole_proprietor, postal_code, prefecture, address, industry, capital_yen, employees, representative_name, representative_title, contact_name, contact_name_kana, contact_department, contact_email, contact_phone, environment, previous_participant, uses_equivalent_tokyo_subsidy, declarations, flags, received_at, contact_due, source_ip, created_at, updated_at)
VALUES (gen_random_uuid(), 'PB-' || :client_id || '-' || :r, '{programme}', '{course}', CASE WHEN :received = 1 THEN 'received' ELSE 'waitlisted' END, :received = 1, NULLIF(:wpos, 0), 'pgbench-' || :client_id || '-' || :r, '株式会社ベンチマーク', 'カブシキガイシャベンチマーク', '1100000000001', false, '163-8001', '東京都', '新宿区西新宿2-8-1', 'manufacturing', 10000000, 25, '山田 太郎', '代表取締役', '佐藤 花子', 'サトウ ハナコ', '総務部', 'contact' || :r || '@example.jp', '03-1234-5678', '{{"connection_layout": "光回線→ルーター→スイッチングハブ", "free_hub_port": "yes", "existing_utm": false, "existing_utm_vendor": null, "policy_status": "none"}}', false, false, '{{"a": true, "b": true, "c": true, "d": true, "e": true, "f": true, "g": true}}', '[]', now(), current_date + 3, '127.0.0.1', now(), now())
RETURNING * \gset a_
INSERT INTO audit_log (at, actor_user_id, actor_label, action, subject_type, subject_id, ip, detail) VALUES (now(), NULL, 'applicant', 'application.create', 'application', :a_id, '127.0.0.1', '{{"reference": "' || :a_reference || '", "status": "' || :a_status || '"}}') RETURNING *;
INSERT INTO case_events (application_id, at, actor_user_id, actor_label, event, from_state, to_state, reason, detail) VALUES (:a_id, now(), NULL, 'applicant', 'submit', :a_status, :a_status, NULL, '{{"waitlist_position": ' || COALESCE(NULLIF(:wpos, 0)::text, 'null') || ', "contact_due": "' || (current_date + 3) || '"}}');
INSERT INTO outbox (id, to_address, subject, body, status, attempts, next_attempt_at, last_error, sent_at, created_at, updated_at) VALUES (gen_random_uuid(), :a_contact_email, '{subject}', $body${body}$body$, 'pending', 0, now(), NULL, NULL, now(), now()) RETURNING *;
COMMIT;
"#
    )
}

// --- set-up data -------------------------------------------------------------------------------

pub(crate) fn programme_toml(capacity: u32) -> String {
    let today = app::Clock::system().now().date_naive();
    let start = today - chrono::Duration::days(30);
    let end = today + chrono::Duration::days(60);
    format!(
        r#"fiscal_year = 2026
name = "令和8年度 中小企業サイバーセキュリティ向上支援事業"
name_en = "FY2026 SME Cybersecurity Improvement Support Programme"
[[courses]]
code = "utm"
window_start = {start}
window_end = {end}
capacity = {capacity}
[[courses]]
code = "risk_assessment"
window_start = {start}
window_end = {end}
capacity = 100
"#
    )
}

/// A valid 13-digit corporate number made from `n`.
fn corporate_number(n: u32) -> String {
    let base = format!("{:012}", 100_000_000_000u64 + n as u64);
    let check = domain::corporate_number::check_digit(&base).expect("12 digits");
    format!("{check}{base}")
}

/// A complete, eligible application for company number `n`.
pub(crate) fn application(n: u32, course: &str) -> Value {
    json!({
        "course": course,
        "company": {
            "name": format!("株式会社テスト{n}"), "name_kana": "カブシキガイシャテスト",
            "corporate_number": corporate_number(n), "sole_proprietor": false,
            "postal_code": "163-8001", "prefecture": "東京都", "address": format!("新宿区西新宿2-8-{n}"),
            "industry": "manufacturing", "capital_yen": 10_000_000, "employees": 25,
            "representative_name": "山田 太郎", "representative_title": "代表取締役"
        },
        "contact": {
            "name": "佐藤 花子", "name_kana": "サトウ ハナコ", "department": "総務部",
            "email": format!("contact{n}@example.jp"), "phone": "03-1234-5678"
        },
        "environment": {
            "connection_layout": "光回線→ルーター→スイッチングハブ", "free_hub_port": "yes",
            "existing_utm": false, "existing_utm_vendor": null, "policy_status": "none"
        },
        "previous_participant": false, "uses_equivalent_tokyo_subsidy": false,
        "declarations": {"a": true, "b": true, "c": true, "d": true, "e": true, "f": true, "g": true},
        "privacy_policy_accepted": true
    })
}

// --- machine and output ------------------------------------------------------------------------

async fn machine_info(args: &Args) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name").and_then(|rest| rest.split_once(':')).map(|(_, v)| v.trim()))
        .unwrap_or("unknown")
        .to_string();
    let memory = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let kb: u64 =
            text.lines().find_map(|l| l.strip_prefix("MemTotal:"))?.split_whitespace().next()?.parse().ok()?;
        Some(format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
    });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|s| format!("Linux {}", s.trim()));
    let postgres = if args.skip_postgres {
        None
    } else {
        tokio::process::Command::new("psql")
            .args(["-Atc", "SHOW server_version", &args.postgres_url])
            .output()
            .await
            .ok()
            .filter(|o| o.status.success())
            .map(|o| format!("PostgreSQL {}", String::from_utf8_lossy(&o.stdout).trim()))
    };
    Machine {
        cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        cpu_model,
        memory,
        kernel,
        postgres,
        load_average_at_start: load_average(),
    }
}

fn print_report(report: &Report) {
    let m = &report.machine;
    println!("kojo-bench intake — {}", report.date);
    println!(
        "machine: {} CPU(s), {}{}{}{}",
        m.cpus,
        m.cpu_model,
        m.memory.as_deref().map(|s| format!(", {s} RAM")).unwrap_or_default(),
        m.kernel.as_deref().map(|s| format!(", {s}")).unwrap_or_default(),
        m.postgres.as_deref().map(|s| format!(", {s}")).unwrap_or_default(),
    );
    if let Some(load) = m.load_average_at_start {
        println!("load average at start: {load:.1}");
    }
    println!();
    println!(
        "| backend | mode | requests | clients | accepted/s | p50 ms | p90 ms | p99 ms | max ms | held | waitlisted | over capacity | errors | CPU µs/req | machine busy | load |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|");
    for r in &report.rows {
        let errors = if r.errors.is_empty() {
            "0".to_string()
        } else {
            r.errors.iter().map(|(k, v)| format!("{k}×{v}")).collect::<Vec<_>>().join(" ")
        };
        println!(
            "| {} | {}{} | {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} | {:.0} | {:.0}% | {} |",
            r.backend.name(),
            r.mode.name(),
            if r.worker { "" } else { ", no worker" },
            r.requests,
            r.concurrency,
            r.accepted_per_second,
            r.p50_ms,
            r.p90_ms,
            r.p99_ms,
            r.max_ms,
            r.places_taken,
            r.waitlisted,
            r.over_capacity,
            errors,
            r.process_cpu_us_per_request,
            r.machine_busy_percent,
            r.load_average.map(|l| format!("{l:.1}")).unwrap_or_default(),
        );
    }
    if let Some(pg) = &report.pgbench {
        println!();
        println!(
            "pgbench (same transaction shape, same database): {:.0} tps, {} clients, {} threads, {} s{}",
            pg.tps,
            pg.clients,
            pg.threads,
            pg.seconds,
            pg.latency_average_ms.map(|l| format!(", latency average {l:.1} ms")).unwrap_or_default()
        );
    }
    if let Some(ratio) = report.postgres_to_pgbench {
        println!("PostgreSQL over HTTP / pgbench: {ratio:.2}");
    }
    println!();
    println!("targets:");
    for r in report.rows.iter().filter(|r| r.mode == Mode::Http) {
        if r.backend == Backend::Sqlite {
            println!(
                "  sqlite ≥ 2000 accepted/s: {:.0} — {}",
                r.accepted_per_second,
                met(r.accepted_per_second >= 2000.0)
            );
        }
        println!("  {} p99 ≤ 50 ms: {:.1} ms — {}", r.backend.name(), r.p99_ms, met(r.p99_ms <= 50.0));
        println!("  {} zero over-capacity: {} — {}", r.backend.name(), r.over_capacity, met(r.over_capacity == 0));
    }
    if let Some(ratio) = report.postgres_to_pgbench {
        println!("  postgresql ≥ 0.5 × pgbench: {ratio:.2} — {}", met(ratio >= 0.5));
    }
}

/// User plus system CPU time of this process, in seconds.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which may contain spaces) start at field 3.
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

fn clock_ticks_per_second() -> f64 {
    100.0
}

/// (busy, total) jiffies of all CPUs since boot.
fn machine_cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let values: Vec<u64> = stat.lines().next()?.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

//! `kojo-bench utm --jetstream`: syslog messages per second from the listener's TCP socket to
//! committed roll-ups on PostgreSQL, three ways on the same generated lines: the listener
//! writing itself (the direct path), and the listener publishing to NATS JetStream with one and
//! with two `consume` tasks writing. Everything runs in this process on loopback (one machine:
//! the consumers compete with the listener for the same cores). Prints figures; asserts only
//! that every line arrived.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::AsyncWriteExt;

/// One way through, measured.
struct Row {
    name: String,
    lines: u64,
    wall: f64,
    cpu: Option<f64>,
}

pub async fn run(lines: u64, seed: u64, postgres_url: &str, nats_url: &str) -> anyhow::Result<()> {
    let payload = generate(lines, seed);
    eprintln!("{lines} FortiGate lines ({} MB) over TCP to the listener, PostgreSQL", payload.len() / 1_000_000);
    let mut rows = Vec::new();
    for consumers in [0usize, 1, 2] {
        rows.push(measure(&payload, lines, consumers, postgres_url, nats_url).await?);
    }
    println!();
    println!("| path | lines | wall s | lines/s | CPU s (this process) |");
    println!("|------|------:|-------:|--------:|---------------------:|");
    for row in &rows {
        println!(
            "| {} | {} | {:.2} | {:.0} | {} |",
            row.name,
            row.lines,
            row.wall,
            row.lines as f64 / row.wall,
            row.cpu.map(|c| format!("{c:.2}")).unwrap_or_else(|| "–".into())
        );
    }
    Ok(())
}

fn generate(lines: u64, seed: u64) -> Vec<u8> {
    let mut generator = utm::generate::Generator::new(seed);
    let mut payload = Vec::new();
    let mut line = Vec::new();
    for _ in 0..lines {
        line.clear();
        generator.next_line(&mut line);
        payload.extend_from_slice(b"<189>");
        payload.extend_from_slice(line.strip_suffix(b"\n").unwrap_or(&line));
        payload.push(b'\n');
    }
    payload
}

async fn measure(
    payload: &[u8],
    lines: u64,
    consumers: usize,
    postgres_url: &str,
    nats_url: &str,
) -> anyhow::Result<Row> {
    let id = format!("{}_{}", std::process::id(), app::Clock::system().now().timestamp_subsec_nanos());
    let database = format!("kojo_bench_stream_{id}");
    let url = store::scratch::create_postgres_database(postgres_url, &database)
        .await
        .with_context(|| format!("PostgreSQL at {postgres_url}"))?;
    let dir = std::env::temp_dir().join(format!("kojo-bench-stream-{id}"));
    let mut config = kojo::Config::for_data_dir(&dir);
    config.database_url = Some(url);
    config.worker = false;
    config.syslog_tcp = Some("127.0.0.1:0".into());
    let stream_name = format!("KOJO_BENCH_{id}");
    if consumers > 0 {
        config.nats_url = Some(nats_url.to_string());
        config.nats_stream = stream_name.clone();
        config.nats_subject = format!("kojo.bench{}", id.replace('_', "x"));
    }
    let running = kojo::start(&config).await?;
    let db = running.db.clone();
    let now = app::Clock::system().now();
    let programme = kojo::setup::parse_programme(&crate::intake::programme_toml(10))?;
    store::programmes::import(&db, &programme, true, now).await?;
    let input = serde_json::from_value(crate::intake::application(1, "utm"))?;
    let state =
        web::AppState::new(db.clone(), config.web_config(), kojo::setup::calendar(&db).await?, app::Clock::system());
    let company = web::submit_direct(&state, &input).await.map_err(|error| anyhow::anyhow!(error))?;
    store::devices::register(
        &db,
        store::devices::NewDevice {
            application_id: company.id,
            vendor: "Fortinet",
            model: "FortiGate 60F",
            serial: "FGT60FTK-BENCH-STREAM",
            sender_address: Some("127.0.0.1"),
        },
        now,
    )
    .await?;
    let (stop, watcher) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    if consumers > 0 {
        let settings = kojo::listener::stream::StreamSettings::from_config(&config)?.context("NATS configured")?;
        let listener = kojo::listener::Settings::configured(&config, None, None)?;
        for _ in 0..consumers {
            tasks.push(tokio::spawn(kojo::listener::stream::consume(
                running.services.clone(),
                settings.clone(),
                listener.clone(),
                watcher.clone(),
                false,
            )));
        }
    }
    let stats = running.syslog_stats().context("the listener runs")?;
    let target = running.syslog_tcp_addr().context("TCP listener")?;
    let cpu_start = process_cpu_seconds();
    let start = Instant::now();
    let mut connection = tokio::net::TcpStream::connect(target).await?;
    connection.write_all(payload).await?;
    connection.shutdown().await?;
    let deadline = Instant::now() + Duration::from_secs(1800);
    let name = if consumers == 0 {
        while stats.snapshot().pending() > 0 || stats.snapshot().received < lines {
            anyhow::ensure!(Instant::now() < deadline, "the listener did not store everything");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        "listener writes PostgreSQL (direct)".to_string()
    } else {
        while stats.snapshot().published < lines {
            anyhow::ensure!(Instant::now() < deadline, "the listener did not publish everything");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let client = async_nats::connect(nats_url).await?;
        let context = async_nats::jetstream::new(client);
        let messages = context.get_stream(&stream_name).await?.info().await?.state.messages;
        while store::stream::count(&db, &stream_name).await? < messages {
            anyhow::ensure!(Instant::now() < deadline, "the consumers did not apply everything");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        format!("listener → JetStream → {consumers} consumer(s) → PostgreSQL")
    };
    let wall = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    let _ = stop.send(true);
    let mut stored = stats.snapshot().stored + stats.snapshot().unparsed;
    for task in tasks {
        let (_, consumer_stats) = task.await??;
        stored += consumer_stats.snapshot().stored + consumer_stats.snapshot().unparsed;
    }
    if stored != lines {
        bail!("{name}: {stored} lines stored of {lines}");
    }
    eprintln!("  {name}: {lines} lines in {wall:.2} s");
    running.stop().await?;
    db.close().await.ok();
    store::scratch::drop_postgres_database(postgres_url, &database).await.ok();
    std::fs::remove_dir_all(&dir).ok();
    if consumers > 0 {
        let client = async_nats::connect(nats_url).await?;
        let _ = async_nats::jetstream::new(client).delete_stream(&stream_name).await;
    }
    Ok(Row { name, lines, wall, cpu })
}

/// This process's CPU time (user + system), from `/proc/self/stat`.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

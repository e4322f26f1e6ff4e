//! `kojo-bench …`: measurements whose figures go into `docs/benchmarks.md`. Never timed
//! assertions: these print figures, tests assert behaviour. A separate binary so that the
//! shipping `kojo` does not carry the benchmarks' HTTP client and load generators.
//!
//! Run as `cargo run --release -p bench -- intake …` or `… -- utm …`.

mod intake;
mod stream;
mod utm;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "kojo-bench", version, about = "Kojo benchmarks (figures for docs/benchmarks.md)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// POST /api/v1/applications on loopback with concurrent clients, on SQLite and PostgreSQL.
    Intake(intake::Args),
    /// Parse, classify and roll up a large FortiGate log; compare with wc -l and syslog-ng.
    Utm(utm::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KOJO_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Intake(args) => intake::run(args).await,
        Command::Utm(args) => utm::run(args).await,
    }
}

//! What Kojo tells its operator: log lines (plain text, or one JSON object a line with
//! `KOJO_LOG_FORMAT=json`) and `/metrics` in the Prometheus text format, served on its own address
//! (`KOJO_METRICS_ADDR`, e.g. `127.0.0.1:9464`) so that it is never reachable where the site is.
//!
//! Metrics are recorded through the `metrics` facade (the web tier counts requests by route
//! pattern, the submission writer its group sizes); the figures the database holds (outbox,
//! scheduled jobs) and the listener's counters are read when scraped, so every process reports
//! the same database figures and its own counters.
//!
//! Must not: put personal data in a log line or a label. Labels are route patterns, methods,
//! statuses, job kinds and counter names only.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Sends log lines to standard error in `format`, filtered by `KOJO_LOG` (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KOJO_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).init(),
    }
}

/// The process's one recorder, installed on first use (a process has one global recorder; tests
/// that start several Kojos in one process share it).
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
        let sizes = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &seconds)
            .and_then(|builder| {
                builder.set_buckets_for_metric(Matcher::Full("kojo_submission_group_size".into()), &sizes)
            })
            .expect("bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!(
                "another metrics recorder was installed first; /metrics shows only the figures read at scrape time"
            );
        }
        handle
    })
}

/// What a scrape reads besides the recorded counters.
#[derive(Clone)]
pub struct Scrape {
    pub db: store::Db,
    pub clock: app::Clock,
    /// The web tier's queue and workers, when this process serves the site.
    pub web: Option<web::AppState>,
    pub listener: Option<Arc<crate::listener::ListenerStats>>,
}

/// Serves `GET /metrics` on `address` until `shutdown`; returns the bound address.
pub async fn serve(
    address: &str,
    scrape: Scrape,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    recorder();
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("failed to listen for metrics on {address}"))?;
    let bound = listener.local_addr()?;
    let app = axum::Router::new().route("/metrics", axum::routing::get(metrics)).with_state(scrape);
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        };
        if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
            tracing::error!(%error, "the metrics server failed");
        }
    });
    Ok((bound, task))
}

async fn metrics(State(scrape): State<Scrape>) -> Response {
    match refresh(&scrape).await {
        Ok(()) => {
            let handle = recorder();
            handle.run_upkeep();
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
        }
        Err(error) => {
            tracing::warn!("metrics not read: {error:#}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Sets the gauges read at scrape time.
async fn refresh(scrape: &Scrape) -> anyhow::Result<()> {
    let now = scrape.clock.now();
    metrics::gauge!("kojo_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    if let Some(state) = &scrape.web {
        metrics::gauge!("kojo_submission_queue_depth").set(state.submissions.queued() as f64);
        for (name, alive) in state.beats.states() {
            metrics::gauge!("kojo_worker_up", "loop" => name).set(if alive { 1.0 } else { 0.0 });
        }
    }
    let backlog = store::outbox::backlog(&scrape.db).await?;
    metrics::gauge!("kojo_outbox_pending").set(backlog.pending as f64);
    metrics::gauge!("kojo_outbox_failed").set(backlog.failed as f64);
    let oldest = backlog.oldest_pending.map(|at| (now - at).num_milliseconds().max(0) as f64 / 1000.0).unwrap_or(0.0);
    metrics::gauge!("kojo_outbox_oldest_pending_age_seconds").set(oldest);
    for kind in store::jobs::last_runs(&scrape.db, now).await? {
        // A kind none of whose jobs has finished yet has no time (not the epoch).
        if let Some(last) = kind.last_done {
            metrics::gauge!("kojo_job_last_done_timestamp_seconds", "kind" => kind.kind.clone())
                .set(last.timestamp() as f64);
        }
        metrics::gauge!("kojo_jobs_due", "kind" => kind.kind).set(kind.due as f64);
    }
    if let Some(listener) = &scrape.listener {
        let stats = listener.snapshot();
        for (outcome, value) in [
            ("received", stats.received),
            ("stored", stats.stored),
            ("unparsed", stats.unparsed),
            ("unknown_sender", stats.unknown),
            ("removed_device", stats.removed_device),
            ("dropped", stats.dropped),
            ("failed", stats.failed),
            ("published", stats.published),
        ] {
            metrics::counter!("kojo_syslog_messages_total", "outcome" => outcome).absolute(value);
        }
        metrics::gauge!("kojo_syslog_pending_messages").set(stats.pending() as f64);
        metrics::gauge!("kojo_syslog_open_connections").set(stats.open_connections as f64);
        metrics::gauge!("kojo_syslog_buffered_bytes").set(stats.buffered_bytes as f64);
    }
    Ok(())
}

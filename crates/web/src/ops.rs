//! What the operator's tools ask: `/healthz` (the process answers), `/readyz` (it can do its
//! work: the database answers, its schema is this build's, the background workers run), and the
//! request counters behind `/metrics` (served by `kojo` on its own address, never here).
//!
//! Must not: show data. Both answers name checks and their state, nothing else, since anyone
//! who can reach the site can ask.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(|| async { "ok" })).route("/readyz", get(readiness))
}

/// The background loops' signs of life. A loop registers once and beats on every turn; it is
/// alive while its last beat is younger than the age it registered with.
#[derive(Default)]
pub struct Beats {
    started: std::sync::OnceLock<Instant>,
    loops: std::sync::Mutex<Vec<Arc<Beat>>>,
}

/// One loop's last sign of life.
pub struct Beat {
    name: &'static str,
    max_age: Duration,
    /// Milliseconds after `Beats::started`, plus one (0: never beaten).
    last: AtomicU64,
    origin: Instant,
}

impl Beat {
    pub fn beat(&self) {
        let elapsed = self.origin.elapsed().as_millis() as u64;
        self.last.store(elapsed + 1, Ordering::Relaxed);
    }

    fn alive(&self) -> bool {
        match self.last.load(Ordering::Relaxed) {
            0 => false,
            last => self.origin.elapsed().saturating_sub(Duration::from_millis(last - 1)) <= self.max_age,
        }
    }
}

impl Beats {
    /// Registers a loop that beats at least every `max_age` while it is healthy; alive from now.
    pub fn register(&self, name: &'static str, max_age: Duration) -> Arc<Beat> {
        let origin = *self.started.get_or_init(Instant::now);
        let beat = Arc::new(Beat { name, max_age, last: AtomicU64::new(0), origin });
        beat.beat();
        self.loops.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(beat.clone());
        beat
    }

    /// Each registered loop with whether it is alive; empty when no worker runs here.
    pub fn states(&self) -> Vec<(&'static str, bool)> {
        let loops = self.loops.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loops.iter().map(|beat| (beat.name, beat.alive())).collect()
    }
}

/// 200 when every check passes, 503 otherwise; the body names each check's state.
async fn readiness(State(state): State<AppState>) -> Response {
    let database = tokio::time::timeout(Duration::from_secs(5), state.db.ping()).await;
    let database_ok = matches!(database, Ok(Ok(())));
    let migrations = if database_ok {
        match tokio::time::timeout(Duration::from_secs(5), state.db.pending_migrations()).await {
            Ok(Ok(0)) => "current",
            Ok(Ok(_)) => "pending",
            _ => "unknown",
        }
    } else {
        "unknown"
    };
    let loops = state.beats.states();
    let workers_ok = loops.iter().all(|(_, alive)| *alive);
    let workers: serde_json::Map<String, serde_json::Value> =
        loops.iter().map(|(name, alive)| (name.to_string(), json!(if *alive { "ok" } else { "stalled" }))).collect();
    let ready = database_ok && migrations == "current" && workers_ok;
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": if database_ok { "ok" } else { "unreachable" },
        "migrations": migrations,
        "workers": if loops.is_empty() { json!("off") } else { json!(workers) },
    });
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// Counts every request by route pattern (never the path itself, which can carry references)
/// and status, with its duration. Recorded through the `metrics` facade: nothing is kept unless
/// `kojo` installed the exporter.
pub async fn record_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    // A fixed set: a client inventing methods must not grow the metrics without bound.
    let method = match *request.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("kojo_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("kojo_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

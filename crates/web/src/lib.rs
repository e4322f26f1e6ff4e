//! Kojo's HTTP face: one `router()` per feature (`public`, `office`, `api`), merged once, with
//! sessions, CSRF protection, rate limiting and security headers around them.
//!
//! Handlers extract, call `domain`/`store`, map errors and render. They hold no business rules.

pub mod agreement;
mod api;
mod api_auth;
mod api_cases;
mod api_inquiries;
mod api_seminars;
mod api_utm;
pub mod auth;
mod case_studies;
mod cases;
mod client;
mod csrf;
mod devices;
mod error;
mod form_fields;
mod guidance;
mod i18n;
mod incidents;
mod inquiries;
mod intake;
mod menu;
mod messages;
mod office;
pub mod ops;
mod policies;
mod portal;
mod public;
mod rate_limit;
mod render;
pub mod reports;
mod results;
mod risk;
mod seminars;
pub mod signed;
mod stats;
mod surveys;
mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use domain::calendar::BusinessCalendar;
use store::Db;
use store::programmes::ProgrammeRecord;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

pub use client::ClientIpSource;

/// Everything a handler may need, shared by every request: one reference-counted pointer, so
/// that the layers and extractors that take it per request copy one pointer, not every field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] points to.
pub struct Shared {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub calendar: Arc<BusinessCalendar>,
    /// Where `now` comes from (the system clock, or a test's).
    pub clock: app::Clock,
    /// The use cases' context (database, calendar, e-mail settings).
    pub services: app::Services,
    submit_limiter: Arc<rate_limit::RateLimiter>,
    /// Submissions are committed in groups by one writer task (see `store::intake`).
    pub submissions: store::intake::SubmissionQueue,
    /// The current programme for the submission path, re-read at most once a second.
    programme: Arc<ProgrammeCache>,
    /// Portal sign-in link requests, worked off the request path.
    portal_links: portal::LinkQueue,
    /// The background loops' signs of life, for `/readyz` (`kojo` registers its workers).
    pub beats: ops::Beats,
    /// Fonts for PDFs, found on first use (the search is slow and most requests need none).
    fonts: Arc<tokio::sync::OnceCell<Result<Arc<documents::pdf::Fonts>, String>>>,
}

/// The web tier's settings (the binary fills them from `KOJO_*`).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Submissions accepted per client address per minute; 0 disables the limit.
    pub submit_rate_limit_per_minute: u32,
    /// Where the client address comes from (the socket, or a trusted proxy's header).
    pub client_ip: ClientIpSource,
    /// Set `Secure` on cookies (when served over HTTPS).
    pub secure_cookies: bool,
    /// The address people reach Kojo at, for links in e-mails.
    pub public_url: String,
    /// Extra folders searched for Japanese fonts (`KOJO_FONT_DIR`), before the system's.
    pub font_dirs: Vec<std::path::PathBuf>,
    /// Signs the short-lived cookies the server must trust (`KOJO_SECRET_KEY`, or random).
    pub signing_key: signed::SigningKey,
    /// How long a client may take to send a request's headers, and how long a kept-alive
    /// connection may wait for its next request, before the connection is closed.
    pub header_read_timeout: std::time::Duration,
    /// Connections served at once; further ones wait in the kernel's accept queue.
    pub max_connections: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            submit_rate_limit_per_minute: 20,
            client_ip: ClientIpSource::Socket,
            secure_cookies: false,
            public_url: "http://127.0.0.1:8080".into(),
            font_dirs: Vec::new(),
            signing_key: signed::SigningKey::new(None).expect("a random key"),
            header_read_timeout: std::time::Duration::from_secs(10),
            max_connections: 512,
        }
    }
}

/// The largest request body accepted: forms and JSON are small.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// The routes that take a file, with the largest file each accepts. The one table both the
/// early check of a declared length (`error::reject_oversized`) and each route's body limit
/// ([`upload_limit`]) read, so that the two cannot disagree.
pub(crate) const UPLOADS: &[(&str, usize)] = &[
    ("/portal/agreement/upload", agreement::MAX_UPLOAD_BYTES),
    ("/office/guidance/{case}/visits/{visit}/files", agreement::MAX_UPLOAD_BYTES),
    ("/portal/guidance/visits/{visit}/files", agreement::MAX_UPLOAD_BYTES),
    ("/office/incidents/{id}/files", incidents::MAX_FILE_BYTES),
    ("/portal/incidents/{id}/files", incidents::MAX_FILE_BYTES),
    ("/office/risk/{case}/import", risk::MAX_WORKBOOK_BYTES),
    ("/portal/risk/import", risk::MAX_WORKBOOK_BYTES),
    ("/office/seminars/{id}/attendance", seminars::MAX_REPORT_BYTES),
    ("/office/inquiries/{id}/reply", app::inquiries::MAX_REPLY_BYTES),
    ("/office/case-studies/{id}/photos", domain::upload::MAX_FILE_BYTES),
];

/// The upload routes and the largest body each takes (file and form), for the operator's proxy
/// settings and the tests that send each one a large file.
pub fn upload_routes() -> impl Iterator<Item = (&'static str, usize)> {
    UPLOADS.iter().map(|(route, _)| (*route, body_limit(route)))
}

/// The largest file the route `pattern` takes (none: it takes no file).
pub(crate) fn upload_file_limit(pattern: &str) -> Option<usize> {
    UPLOADS.iter().find(|(route, _)| *route == pattern).map(|(_, limit)| *limit)
}

/// The largest body of a request to the route `pattern`: its file and the form's other fields,
/// or a plain form's 64 KiB.
pub(crate) fn body_limit(pattern: &str) -> usize {
    upload_file_limit(pattern).map_or(MAX_BODY_BYTES, |file| file + MAX_BODY_BYTES)
}

/// The body limit layer of an upload route (`pattern` must be in [`UPLOADS`]).
pub(crate) fn upload_limit(pattern: &str) -> DefaultBodyLimit {
    debug_assert!(upload_file_limit(pattern).is_some(), "{pattern} is not in UPLOADS");
    DefaultBodyLimit::max(body_limit(pattern))
}

impl AppState {
    pub fn new(db: Db, config: WebConfig, calendar: BusinessCalendar, clock: app::Clock) -> AppState {
        let submit_limiter = Arc::new(rate_limit::RateLimiter::per_minute(config.submit_rate_limit_per_minute));
        let calendar = Arc::new(calendar);
        let mail_settings = Arc::new(app::MailSettings { public_url: config.public_url.clone() });
        let services = app::Services { db: db.clone(), calendar: calendar.clone(), mail: mail_settings };
        AppState(Arc::new(Shared {
            db: db.clone(),
            config: Arc::new(config),
            calendar: calendar.clone(),
            clock: clock.clone(),
            portal_links: portal::LinkQueue::start(services.clone(), clock.clone()),
            services,
            submit_limiter,
            submissions: store::intake::SubmissionQueue::start(
                db.clone(),
                calendar.clone(),
                Arc::new(move || clock.now()),
            ),
            programme: Arc::new(ProgrammeCache::default()),
            fonts: Arc::new(tokio::sync::OnceCell::new()),
            beats: ops::Beats::default(),
        }))
    }

    /// The current programme year as the submission path sees it: read from the database at
    /// most once a second (every submission needs its windows; they change a few times a year).
    /// Pages that show remaining places read the database instead.
    pub async fn current_programme(&self) -> Result<Option<Arc<ProgrammeRecord>>, store::StoreError> {
        if let Some(cached) = self.programme.fresh() {
            return Ok(Some(cached));
        }
        let found = store::programmes::current(&self.db).await?.map(Arc::new);
        if let Some(programme) = &found {
            self.programme.store(programme.clone());
        }
        Ok(found)
    }

    /// Forgets the cached programme (after an administrator changes programmes).
    pub fn programme_changed(&self) {
        self.programme.clear();
    }

    /// The fonts for PDFs, or why there are none (no Japanese font: the message names the fix).
    pub async fn fonts(&self) -> Result<Arc<documents::pdf::Fonts>, String> {
        let dirs = self.config.font_dirs.clone();
        self.fonts
            .get_or_init(|| async move {
                tokio::task::spawn_blocking(move || documents::pdf::Fonts::discover(&dirs))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|found| found.map(Arc::new).map_err(|e| e.to_string()))
            })
            .await
            .clone()
    }
}

/// The submission path of `POST /api/v1/applications` without HTTP (validate, eligibility,
/// window, the submission queue), for `kojo-bench intake --direct`. Errors are described, not typed.
pub async fn submit_direct(
    state: &AppState,
    input: &domain::application::ApplicationInput,
) -> Result<store::applications::SubmittedFacts, String> {
    let loopback = client::ClientIp(Some(std::net::IpAddr::from([127, 0, 0, 1])));
    intake::submit(state, input, loopback).await.map_err(|error| format!("{error:?}"))
}

/// The current programme with the time it was read.
#[derive(Default)]
struct ProgrammeCache {
    entry: std::sync::Mutex<Option<(std::time::Instant, Arc<ProgrammeRecord>)>>,
}

impl ProgrammeCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(1);

    fn fresh(&self) -> Option<Arc<ProgrammeRecord>> {
        let entry = self.entry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entry.as_ref().filter(|(at, _)| at.elapsed() < Self::TTL).map(|(_, programme)| programme.clone())
    }

    fn store(&self, programme: Arc<ProgrammeRecord>) {
        *self.entry.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((std::time::Instant::now(), programme));
    }

    fn clear(&self) {
        *self.entry.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    let with_state = state.clone();
    Router::new()
        .merge(public::router())
        .merge(office::router())
        .merge(cases::router())
        .merge(portal::router())
        .merge(devices::router())
        .merge(agreement::router())
        .merge(reports::router())
        .merge(seminars::router())
        .merge(inquiries::router())
        .merge(policies::router())
        .merge(stats::router())
        .merge(case_studies::router())
        .merge(surveys::router())
        .merge(results::router())
        .merge(incidents::router())
        .merge(guidance::router())
        .merge(risk::router())
        .merge(ops::router())
        .nest(
            "/api/v1",
            api::router()
                .merge(api_cases::router())
                .merge(api_utm::router())
                .merge(api_seminars::router())
                .merge(api_inquiries::router()),
        )
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(with_state.clone(), csrf::require_form_token))
        .layer(axum::middleware::from_fn_with_state(with_state.clone(), csrf::issue_public_token))
        .layer(axum::middleware::from_fn_with_state(with_state.clone(), csrf::reject_cross_site))
        .layer(axum::middleware::from_fn(error::reject_oversized))
        .layer(axum::middleware::from_fn_with_state(with_state.clone(), i18n::site_contact))
        .layer(axum::middleware::from_fn_with_state(with_state, error::error_pages_in_context))
        .layer(axum::middleware::from_fn(error::log_internal_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        // Pages and downloads carry personal data: no browser or proxy keeps a copy (the
        // stylesheet sets its own caching).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(axum::middleware::from_fn(ops::record_request))
        .with_state(state)
}

/// A bound, not yet serving, Kojo web server: tests bind port 0 and read the port back.
///
/// Served by hyper directly rather than `axum::serve`, which has no timeouts: a client that
/// sends an unfinished header, or nothing, is disconnected after `header_read_timeout` (and a
/// kept-alive connection after as long without a new request), and at most `max_connections`
/// are served at once; further connections wait in the kernel's accept queue until one closes.
/// These hold for the proxy-less default; behind a reverse proxy, the proxy's own limits
/// apply first.
pub struct Server {
    listener: TcpListener,
    state: AppState,
}

impl Server {
    pub async fn bind(address: &str, state: AppState) -> std::io::Result<Server> {
        let listener = TcpListener::bind(address).await?;
        Ok(Server { listener, state })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then stops accepting, lets open connections finish
    /// their requests, and returns.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let header_read_timeout = self.state.config.header_read_timeout;
        let permits = Arc::new(tokio::sync::Semaphore::new(self.state.config.max_connections.max(1)));
        let app = router(self.state);
        let (closing, closing_watch) = tokio::sync::watch::channel(false);
        let mut connections = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            // A place first, then a connection: over the limit, connections wait in the kernel.
            let permit = tokio::select! {
                _ = &mut shutdown => break,
                permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            };
            let (stream, remote) = tokio::select! {
                _ = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Usually out of file descriptors: wait rather than spin.
                        tracing::warn!(%error, "HTTP accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let connection = serve_connection(stream, remote, app.clone(), header_read_timeout, closing_watch.clone());
            connections.spawn(async move {
                connection.await;
                drop(permit);
            });
            while connections.try_join_next().is_some() {}
        }
        drop(self.listener);
        let _ = closing.send(true);
        while connections.join_next().await.is_some() {}
        Ok(())
    }
}

/// Serves one HTTP/1.1 connection until it closes, or until `closing` turns true (then it
/// finishes the request in progress and closes).
async fn serve_connection(
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
    app: Router,
    header_read_timeout: std::time::Duration,
    mut closing: tokio::sync::watch::Receiver<bool>,
) {
    use tower::ServiceExt;
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
        // What `into_make_service_with_connect_info` gave handlers: the client's socket address.
        request.extensions_mut().insert(axum::extract::ConnectInfo(remote));
        app.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_read_timeout);
    let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, %remote, "HTTP connection ended with an error");
            }
        }
        _ = async { drop(closing.wait_for(|closing| *closing).await) } => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

//! The public site: the programme page with live places, the application form, the
//! confirmation page and the applicant's status look-up.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::application::FieldIssues;
use domain::eligibility::{Declarations, Industry};
use domain::programme::WindowState;
use serde::Deserialize;
use store::applications::{ApplicationRecord, ApplicationStatus};
use store::programmes::{CourseRecord, ProgrammeRecord};

use crate::AppState;
use crate::client::ClientIp;
use crate::csrf::{FormToken, PUBLIC_CSRF_COOKIE, tokens_match};
use crate::error::PageError;
use crate::form_fields;
use crate::i18n::{LANG_COOKIE, Lang, T, cookie_from_headers, set_cookie};
use crate::intake::{self, SubmitError};
use crate::render::{html, with_cookie};

const DONE_COOKIE: &str = "kojo_done";
/// How long the browser that applied may see its confirmation page.
const DONE_LIFETIME: chrono::Duration = chrono::Duration::minutes(30);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(show_home))
        .route("/apply", get(show_apply_form).post(submit_application))
        .route("/apply/done", get(show_done))
        .route("/status", get(show_status_form).post(look_up_status))
        .route("/eligibility", get(show_eligibility_form).post(check_eligibility))
        .route("/static/kojo.css", get(stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .route("/lang/{code}", get(switch_language))
}

/// Switches the language and returns to the page the link was on, query included (filters,
/// search), judged by the same-origin `Referer`; the top page otherwise.
async fn switch_language(State(state): State<AppState>, Path(code): Path<String>, headers: HeaderMap) -> Response {
    let code = if code == "en" { "en" } else { "ja" };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| referer.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.strip_prefix(host))
        .filter(|_| !host.is_empty())
        .filter(|path| is_local_path(path))
        .map(strip_lang_param)
        .unwrap_or_else(|| "/".to_string());
    let cookie = set_cookie(LANG_COOKIE, code, Some(365 * 24 * 3600), false, state.config.secure_cookies);
    with_cookie(Redirect::to(&back).into_response(), cookie)
}

/// Whether `path` is a path on this site and nothing else: it parses as a request path, starts
/// with one `/`, and has no backslash (which browsers read as `/`, so `/\\evil.example` would
/// leave the site) and no control character.
fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.parse::<axum::http::uri::PathAndQuery>().is_ok()
}

/// A path without any `lang=` parameter, which would otherwise override the new choice.
fn strip_lang_param(path: &str) -> String {
    let Some((base, query)) = path.split_once('?') else { return path.to_string() };
    let kept: Vec<&str> = query.split('&').filter(|pair| !pair.starts_with("lang=")).collect();
    if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/kojo.css"),
    )
}

/// A course as the public pages show it.
pub struct CourseView {
    pub code: &'static str,
    pub name: String,
    pub window: String,
    pub capacity: u32,
    pub remaining: u32,
    pub waitlisted: u32,
    /// `open`, `full` (open, waitlist only), `not_yet` or `closed`.
    pub state: &'static str,
    pub state_label: &'static str,
}

fn course_views(t: T, programme: &ProgrammeRecord, now: chrono::DateTime<chrono::Utc>) -> Vec<CourseView> {
    programme
        .courses
        .iter()
        .map(|course| {
            let (state, state_label) = match course.window.state_at(now) {
                WindowState::NotYetOpen => ("not_yet", t.s("受付開始前", "Not yet open")),
                WindowState::Closed => ("closed", t.s("受付終了", "Closed")),
                WindowState::Open if course.places_remaining() == 0 => {
                    ("full", t.s("定員到達（キャンセル待ちで受付中）", "Full (waitlist open)"))
                }
                WindowState::Open => ("open", t.s("受付中", "Open")),
            };
            CourseView {
                code: course.code.code(),
                name: t.pick(&course.name_ja, &course.name_en).to_string(),
                window: format!("{} 〜 {}", t.date(&course.window.start()), t.date(&course.window.end())),
                capacity: course.capacity,
                remaining: course.places_remaining(),
                waitlisted: course.waitlisted,
                state,
                state_label,
            }
        })
        .collect()
}

fn remember_language(response: Response, lang: Lang, state: &AppState) -> Response {
    if lang.changed {
        let value = set_cookie(LANG_COOKIE, lang.t.code(), Some(365 * 24 * 3600), false, state.config.secure_cookies);
        with_cookie(response, value)
    } else {
        response
    }
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    t: T,
    signed_in: bool,
    programme_name: Option<String>,
    courses: Vec<CourseView>,
    any_open: bool,
}

async fn show_home(State(state): State<AppState>, lang: Lang) -> Result<Response, PageError> {
    let t = lang.t;
    let programme = store::programmes::current(&state.db).await?;
    let courses = programme.as_ref().map(|p| course_views(t, p, state.clock.now())).unwrap_or_default();
    let page = HomePage {
        t,
        signed_in: false,
        programme_name: programme.as_ref().map(|p| t.pick(&p.name_ja, &p.name_en).to_string()),
        any_open: courses.iter().any(|c| matches!(c.state, "open" | "full")),
        courses,
    };
    Ok(remember_language(html(StatusCode::OK, &page)?, lang, &state))
}

#[derive(Template)]
#[template(path = "public/apply.html")]
struct ApplyPage {
    t: T,
    signed_in: bool,
    programme_name: String,
    courses: Vec<CourseView>,
    any_open: bool,
    values: HashMap<&'static str, String>,
    issues: FieldIssues,
    /// Failed eligibility rules, or a whole-form problem (duplicate, closed, rate limit).
    problems: Vec<String>,
    csrf: String,
    industries: Vec<(&'static str, &'static str)>,
    prefectures: &'static [(&'static str, &'static str)],
    declarations: Vec<(&'static str, &'static str, &'static str)>,
}

impl ApplyPage {
    fn v(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    fn is(&self, field: &str, value: &str) -> bool {
        self.v(field) == value
    }

    fn err(&self, field: &str) -> Option<&str> {
        self.issues.get(field).map(|issue| self.t.pick(&issue.ja, &issue.en))
    }

    fn v_decl(&self, key: &str) -> bool {
        self.values.get(format!("declarations.{key}").as_str()).is_some_and(|v| v == "yes")
    }

    fn invalid(&self, field: &str) -> &'static str {
        if self.issues.get(field).is_some() { "true" } else { "false" }
    }
}

#[derive(Deserialize)]
struct ApplyQuery {
    course: Option<String>,
}

async fn show_apply_form(
    State(state): State<AppState>,
    lang: Lang,
    csrf: FormToken,
    Query(query): Query<ApplyQuery>,
) -> Result<Response, PageError> {
    let mut values = form_fields::flatten(&Default::default());
    values.insert("company.prefecture", "東京都".into());
    if let Some(course) = query.course {
        values.insert("course", course);
    }
    let response =
        apply_page(&state, lang.t, values, FieldIssues::default(), Vec::new(), csrf.0, StatusCode::OK).await?;
    Ok(remember_language(response, lang, &state))
}

async fn apply_page(
    state: &AppState,
    t: T,
    values: HashMap<&'static str, String>,
    issues: FieldIssues,
    problems: Vec<String>,
    csrf: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let programme = store::programmes::current(&state.db).await?;
    let courses = programme.as_ref().map(|p| course_views(t, p, state.clock.now())).unwrap_or_default();
    let page = ApplyPage {
        t,
        signed_in: false,
        programme_name: programme.as_ref().map(|p| t.pick(&p.name_ja, &p.name_en).to_string()).unwrap_or_default(),
        any_open: courses.iter().any(|c| matches!(c.state, "open" | "full")),
        courses,
        values,
        issues,
        problems,
        csrf,
        industries: Industry::ALL.iter().map(|i| (i.code(), t.pick(i.label_ja(), i.label_en()))).collect(),
        prefectures: &domain::application::PREFECTURES,
        declarations: declaration_labels(t),
    };
    html(status, &page)
}

/// The declarations ア–キ as (form key, marker, text) in the page's language.
fn declaration_labels(t: T) -> Vec<(&'static str, &'static str, &'static str)> {
    Declarations::LABELS_JA
        .iter()
        .zip(Declarations::LABELS_EN.iter())
        .map(|((key, kana, ja), (_, en))| (key_str(*key), t.pick(kana, key_letter(*key)), t.pick(ja, en)))
        .collect()
}

fn key_letter(key: char) -> &'static str {
    match key {
        'a' => "(a)",
        'b' => "(b)",
        'c' => "(c)",
        'd' => "(d)",
        'e' => "(e)",
        'f' => "(f)",
        _ => "(g)",
    }
}

fn key_str(key: char) -> &'static str {
    match key {
        'a' => "a",
        'b' => "b",
        'c' => "c",
        'd' => "d",
        'e' => "e",
        'f' => "f",
        _ => "g",
    }
}

async fn submit_application(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let submitted_csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    let cookie_csrf = cookie_from_headers(&headers, PUBLIC_CSRF_COOKIE).unwrap_or_default();
    let input = form_fields::parse(&pairs);
    let values = form_fields::flatten(&input);
    if !tokens_match(&cookie_csrf, submitted_csrf) {
        let csrf = store::random_token(16);
        let problem = t.s(
            "ページの有効期限が切れたため送信できませんでした。入力内容はそのままです。もう一度「申し込む」を押してください。",
            "The page expired. Your entries are kept; please press Apply again.",
        );
        let response = apply_page(
            &state,
            t,
            values,
            FieldIssues::default(),
            vec![problem.into()],
            csrf.clone(),
            StatusCode::FORBIDDEN,
        )
        .await?;
        return Ok(with_cookie(
            response,
            set_cookie(PUBLIC_CSRF_COOKIE, &csrf, None, true, state.config.secure_cookies),
        ));
    }
    let (status, issues, problems) = match intake::submit(&state, &input, ip).await {
        Ok(facts) => {
            let response = Redirect::to("/apply/done").into_response();
            // Only this browser, for a short while: a signed value, not a reference anyone could set.
            let token = state.config.signing_key.sign(&facts.reference, state.clock.now() + DONE_LIFETIME);
            let done = set_cookie(DONE_COOKIE, &token, Some(DONE_LIFETIME.num_seconds()), true, state.config.secure_cookies);
            return Ok(with_cookie(response, done));
        }
        Err(SubmitError::Invalid(issues)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            issues,
            vec![t.s("入力内容に誤りがあります。赤字の項目をご確認ください。", "Some entries need correcting (marked in red).").to_string()],
        ),
        Err(SubmitError::Ineligible(verdict)) => {
            let mut problems = vec![t
                .s("申込要件を満たしていないため、お申込みいただけません。", "You do not meet the requirements:")
                .to_string()];
            problems.extend(verdict.reasons.iter().map(|r| t.pick(&r.ja, &r.en).to_string()));
            (StatusCode::UNPROCESSABLE_ENTITY, FieldIssues::default(), problems)
        }
        Err(SubmitError::Duplicate) => (
            StatusCode::CONFLICT,
            FieldIssues::default(),
            vec![t
                .s(
                    "この法人番号（個人事業主の方は屋号・所在地）では、今年度すでにお申込みを受け付けています。状況は「申込状況の確認」ページでご確認ください。",
                    "This company has already applied this year. Check its status on the status page.",
                )
                .to_string()],
        ),
        Err(SubmitError::Closed(course)) => (
            StatusCode::FORBIDDEN,
            FieldIssues::default(),
            vec![closed_message(t, &course, "closed")],
        ),
        Err(SubmitError::NotYetOpen(course)) => (
            StatusCode::FORBIDDEN,
            FieldIssues::default(),
            vec![closed_message(t, &course, "not_yet")],
        ),
        Err(SubmitError::NoProgramme | SubmitError::CourseNotOffered) => (
            StatusCode::FORBIDDEN,
            FieldIssues::default(),
            vec![t.s("現在、お申込みを受け付けていません。", "Applications are not being accepted now.").to_string()],
        ),
        Err(SubmitError::RateLimited) => (
            StatusCode::TOO_MANY_REQUESTS,
            FieldIssues::default(),
            vec![t
                .s("短時間に送信が集中しています。1分ほど待ってから、もう一度送信してください。入力内容はそのままです。", "Too many submissions; wait a minute and send again.")
                .to_string()],
        ),
        Err(SubmitError::Store(error)) => return Err(error.into()),
    };
    apply_page(&state, t, values, issues, problems, cookie_csrf, status).await
}

fn closed_message(t: T, course: &CourseRecord, state: &str) -> String {
    let name = t.pick(&course.name_ja, &course.name_en);
    if state == "closed" {
        if t.en {
            format!("{name}: the application period ended on {}.", t.date(&course.window.end()))
        } else {
            format!("{name}の受付は{}で終了しました。", t.date(&course.window.end()))
        }
    } else if t.en {
        format!("{name}: applications open on {}.", t.date(&course.window.start()))
    } else {
        format!("{name}の受付は{}からです。", t.date(&course.window.start()))
    }
}

/// The applicant-facing summary of an application (no personal data beyond the company name).
struct StatusView {
    reference: String,
    company_name: String,
    course_name: String,
    status_label: &'static str,
    waitlist_position: Option<u32>,
    received_at: String,
    contact_due: String,
}

async fn status_view(state: &AppState, t: T, record: &ApplicationRecord) -> Result<StatusView, PageError> {
    let programme = store::programmes::get(&state.db, record.programme_id).await?;
    let course_name =
        programme.course(record.course_code).map(|c| t.pick(&c.name_ja, &c.name_en).to_string()).unwrap_or_default();
    Ok(StatusView {
        reference: record.reference.clone(),
        company_name: record.company_name.clone(),
        course_name,
        status_label: t.pick(record.status.label_ja(), record.status.label_en()),
        waitlist_position: (record.status == ApplicationStatus::Waitlisted)
            .then_some(record.waitlist_position)
            .flatten(),
        received_at: t.datetime(&record.received_at),
        contact_due: t.date(&record.contact_due),
    })
}

#[derive(Template)]
#[template(path = "public/done.html")]
struct DonePage {
    t: T,
    signed_in: bool,
    view: StatusView,
    email: String,
}

async fn show_done(State(state): State<AppState>, lang: Lang, headers: HeaderMap) -> Result<Response, PageError> {
    let Some(reference) = cookie_from_headers(&headers, DONE_COOKIE)
        .and_then(|token| state.config.signing_key.verify(&token, state.clock.now()))
    else {
        return Ok(Redirect::to("/status").into_response());
    };
    let Some(record) = store::applications::find_by_reference(&state.db, &reference).await? else {
        return Ok(Redirect::to("/status").into_response());
    };
    let view = status_view(&state, lang.t, &record).await?;
    let page = DonePage { t: lang.t, signed_in: false, view, email: record.contact_email.clone() };
    Ok(remember_language(html(StatusCode::OK, &page)?, lang, &state))
}

#[derive(Template)]
#[template(path = "public/status.html")]
struct StatusPage {
    csrf: String,
    t: T,
    signed_in: bool,
    reference: String,
    email: String,
    result: Option<StatusView>,
    not_found: bool,
}

async fn show_status_form(State(state): State<AppState>, lang: Lang, csrf: FormToken) -> Result<Response, PageError> {
    let page = StatusPage {
        csrf: csrf.0,
        t: lang.t,
        signed_in: false,
        reference: String::new(),
        email: String::new(),
        result: None,
        not_found: false,
    };
    Ok(remember_language(html(StatusCode::OK, &page)?, lang, &state))
}

#[derive(Deserialize)]
struct StatusForm {
    reference: String,
    email: String,
}

async fn look_up_status(
    State(state): State<AppState>,
    lang: Lang,
    csrf: FormToken,
    ip: ClientIp,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let reference = domain::text::normalize(&form.reference).to_uppercase();
    let email = domain::text::normalize(&form.email);
    // Guessing references is throttled like submissions.
    let found = if state.submit_limiter.allow(ip.0) {
        store::applications::find_for_applicant(&state.db, &reference, &email).await?
    } else {
        None
    };
    let result = match &found {
        Some(record) => Some(status_view(&state, t, record).await?),
        None => None,
    };
    let page = StatusPage { csrf: csrf.0, t, signed_in: false, not_found: result.is_none(), reference, email, result };
    let status = if page.not_found { StatusCode::NOT_FOUND } else { StatusCode::OK };
    html(status, &page)
}

#[derive(Template)]
#[template(path = "public/eligibility.html")]
struct EligibilityPage {
    csrf: String,
    t: T,
    signed_in: bool,
    values: HashMap<&'static str, String>,
    issues: FieldIssues,
    /// `None` before checking; the verdict's reasons (empty when eligible) after.
    verdict: Option<Vec<String>>,
    flagged: bool,
    industries: Vec<(&'static str, &'static str)>,
    prefectures: &'static [(&'static str, &'static str)],
    declarations: Vec<(&'static str, &'static str, &'static str)>,
}

impl EligibilityPage {
    fn v(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    fn is(&self, field: &str, value: &str) -> bool {
        self.v(field) == value
    }

    fn v_decl(&self, key: &str) -> bool {
        self.values.get(format!("declarations.{key}").as_str()).is_some_and(|v| v == "yes")
    }

    fn err(&self, field: &str) -> Option<&str> {
        self.issues.get(field).map(|issue| self.t.pick(&issue.ja, &issue.en))
    }
}

fn eligibility_page(t: T, csrf: String, values: HashMap<&'static str, String>) -> EligibilityPage {
    EligibilityPage {
        csrf,
        t,
        signed_in: false,
        values,
        issues: FieldIssues::default(),
        verdict: None,
        flagged: false,
        industries: Industry::ALL.iter().map(|i| (i.code(), t.pick(i.label_ja(), i.label_en()))).collect(),
        prefectures: &domain::application::PREFECTURES,
        declarations: declaration_labels(t),
    }
}

async fn show_eligibility_form(
    State(state): State<AppState>,
    lang: Lang,
    csrf: FormToken,
) -> Result<Response, PageError> {
    let mut values = form_fields::flatten(&Default::default());
    values.insert("company.prefecture", "東京都".into());
    let page = eligibility_page(lang.t, csrf.0, values);
    Ok(remember_language(html(StatusCode::OK, &page)?, lang, &state))
}

/// The self-check: same rules as the application, nothing stored.
async fn check_eligibility(
    lang: Lang,
    csrf: FormToken,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let input = form_fields::parse(&pairs);
    let mut page = eligibility_page(t, csrf.0, form_fields::flatten(&input));
    match domain::application::validate_profile(&input) {
        Ok(profile) => {
            let verdict = domain::eligibility::evaluate(&profile);
            page.flagged = !verdict.flags.is_empty();
            page.verdict = Some(verdict.reasons.iter().map(|r| t.pick(&r.ja, &r.en).to_string()).collect());
            html(StatusCode::OK, &page)
        }
        Err(issues) => {
            page.issues = issues;
            html(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

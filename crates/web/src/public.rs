//! The public site: the programme page with live places, the application form, the
//! confirmation page and the applicant's status look-up.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::application::{FieldIssues, Requirement, requirement};
use domain::eligibility::{Declarations, Industry};
use domain::programme::WindowState;
use serde::Deserialize;
use store::applications::{ApplicationRecord, ApplicationStatus};
use store::programmes::{CourseRecord, ProgrammeRecord};

use crate::AppState;
use crate::client::ClientIp;
use crate::csrf::FormToken;
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
        .route("/apply", get(show_apply_form).post(post_application))
        .route("/apply/done", get(show_done))
        .route("/status", get(show_status_form).post(look_up_status))
        .route("/eligibility", get(show_eligibility_form).post(check_eligibility))
        .route("/static/kojo.css", get(stylesheet))
        .route("/static/forms.js", get(forms_script))
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

/// Sends a form once (`data-send-once`): see the script's comment.
async fn forms_script() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/forms.js"),
    )
        .into_response()
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
                window: format!(
                    "{}{}{}",
                    t.date(&course.window.start()),
                    t.s(" 〜 ", " – "),
                    t.date(&course.window.end())
                ),
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
    /// Each field's problem for the summary at the top: the input's id and the sentence.
    summary: Vec<(String, String)>,
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

    fn label<'a>(&self, field: &'a str) -> &'a str {
        let (ja, en) = form_fields::label(field);
        self.t.pick(ja, en)
    }

    fn id(&self, field: &str) -> String {
        form_fields::id(field)
    }

    /// The 必須/任意 marker of a field (class, text), from `FIELD_REQUIREMENTS`.
    fn marker(&self, field: &str) -> (&'static str, &'static str) {
        match requirement(field) {
            Some(Requirement::Required) => ("req", self.t.s("必須", "Required")),
            Some(Requirement::RequiredForCompanies) => ("req", self.t.s("法人は必須", "Required for companies")),
            Some(Requirement::Optional) | None => ("opt", self.t.s("任意", "Optional")),
        }
    }

    /// Whether the input carries `required` (always required; a requirement that depends on
    /// another answer is stated in words only).
    fn required(&self, field: &str) -> bool {
        requirement(field) == Some(Requirement::Required)
    }

    /// The ids of the field's hint (when it has one) and of its error (when shown).
    fn described_by(&self, field: &str, hint: &bool) -> String {
        let id = form_fields::id(field);
        let mut ids = Vec::new();
        if *hint {
            ids.push(format!("{id}-hint"));
        }
        if self.issues.get(field).is_some() {
            ids.push(format!("{id}-error"));
        }
        ids.join(" ")
    }
}

/// The summary's sentence for a field's problem, naming the field: 「会社名（屋号）を入力してください」.
/// Most messages name their field already (「業種を選択してください」); the few generic ones
/// (empty, too long, control characters) get the field's label.
fn summary_line(t: T, issue: &domain::application::FieldIssue) -> String {
    summary_line_labelled(t, issue, form_fields::label(issue.field))
}

/// [`summary_line`] for a form whose field has the label `(label_ja, label_en)`.
pub(crate) fn summary_line_labelled(
    t: T,
    issue: &domain::application::FieldIssue,
    (label_ja, label_en): (&str, &str),
) -> String {
    use domain::text::FieldError;
    if t.en {
        format!("{label_en}: {}", issue.en)
    } else if issue.ja == FieldError::Required.message_ja() {
        format!("{label_ja}を入力してください")
    } else if issue.ja == FieldError::ControlCharacter.message_ja() || issue.ja.ends_with("文字以内で入力してください")
    {
        format!("{label_ja}：{}", issue.ja)
    } else {
        issue.ja.clone()
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
    let summary = issues.0.iter().map(|issue| (form_fields::id(issue.field), summary_line(t, issue))).collect();
    let page = ApplyPage {
        t,
        signed_in: false,
        programme_name: programme.as_ref().map(|p| t.pick(&p.name_ja, &p.name_en).to_string()).unwrap_or_default(),
        any_open: courses.iter().any(|c| matches!(c.state, "open" | "full")),
        courses,
        values,
        issues,
        problems,
        summary,
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

/// The form's one address for its three steps (入力 → 確認 → 完了), told apart by the button
/// pressed (`step`): from the form, the review page (確認) of what will be sent, or the form again
/// with each problem; from the review page, `back` to the form with everything kept, or `send`
/// to submit. The review page carries what was typed in hidden fields, which are parsed and
/// checked again when sent, like any post. Only `send` submits, through the same door as the API.
async fn post_application(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    csrf: FormToken,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let step = pairs.iter().find(|(k, _)| k == "step").map(|(_, v)| v.as_str()).unwrap_or("review");
    let mut input = form_fields::parse(&pairs);
    // The company is written to in the language it filled in the form.
    input.language = Some(t.language());
    let values = form_fields::flatten(&input);
    let refused = match step {
        "back" => {
            return apply_page(&state, t, values, FieldIssues::default(), Vec::new(), csrf.0, StatusCode::OK).await;
        }
        "send" => match intake::submit(&state, &input, ip).await {
            Ok(facts) => {
                let response = Redirect::to("/apply/done").into_response();
                // Only this browser, for a short while: a signed value, not a reference anyone could set.
                let token = state.config.signing_key.sign(&facts.reference, state.clock.now() + DONE_LIFETIME);
                let done = set_cookie(
                    DONE_COOKIE,
                    &token,
                    Some(DONE_LIFETIME.num_seconds()),
                    true,
                    state.config.secure_cookies,
                );
                return Ok(with_cookie(response, done));
            }
            Err(error) => error,
        },
        _ => {
            let programme = state.current_programme().await?;
            match app::intake::review(programme.as_deref(), &input, state.clock.now()) {
                Ok(reviewed) => {
                    let page = ReviewPage {
                        t,
                        signed_in: false,
                        csrf: csrf.0,
                        hidden: form_fields::hidden(&input),
                        waitlisted: reviewed.course.places_remaining() == 0,
                        sections: review_sections(t, &reviewed),
                    };
                    return html(StatusCode::OK, &page);
                }
                Err(error) => error,
            }
        }
    };
    let (status, issues, problems) = match refused {
        SubmitError::Invalid(issues) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            issues,
            vec![t.s("入力内容に誤りがあります。次の項目をご確認ください。", "Some entries need correcting:").to_string()],
        ),
        SubmitError::Ineligible(verdict) => {
            let mut problems = vec![t
                .s("申込要件を満たしていないため、お申込みいただけません。", "You do not meet the requirements:")
                .to_string()];
            problems.extend(verdict.reasons.iter().map(|r| t.pick(&r.ja, &r.en).to_string()));
            (StatusCode::UNPROCESSABLE_ENTITY, FieldIssues::default(), problems)
        }
        SubmitError::Duplicate => (
            StatusCode::CONFLICT,
            FieldIssues::default(),
            vec![t
                .s(
                    "この法人番号（個人事業主の方は屋号・所在地）では、今年度すでにお申込みを受け付けています。状況は「申込状況の確認」ページでご確認ください。",
                    "This company has already applied this year. Check its status on the status page.",
                )
                .to_string()],
        ),
        SubmitError::Closed(course) => {
            (StatusCode::FORBIDDEN, FieldIssues::default(), vec![closed_message(t, &course, "closed")])
        }
        SubmitError::NotYetOpen(course) => {
            (StatusCode::FORBIDDEN, FieldIssues::default(), vec![closed_message(t, &course, "not_yet")])
        }
        SubmitError::NoProgramme | SubmitError::CourseNotOffered => (
            StatusCode::FORBIDDEN,
            FieldIssues::default(),
            vec![t.s("現在、お申込みを受け付けていません。", "Applications are not being accepted now.").to_string()],
        ),
        SubmitError::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            FieldIssues::default(),
            vec![t
                .s("短時間に送信が集中しています。1分ほど待ってから、もう一度送信してください。入力内容はそのままです。", "Too many submissions; wait a minute and send again.")
                .to_string()],
        ),
        SubmitError::Store(error) => return Err(error.into()),
    };
    apply_page(&state, t, values, issues, problems, csrf.0, status).await
}

/// 1,234,567: a number grouped by thousands.
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn hub_port_label(t: T, value: domain::application::FreeHubPort) -> &'static str {
    use domain::application::FreeHubPort;
    match value {
        FreeHubPort::Yes => t.s("あり", "Yes"),
        FreeHubPort::No => t.s("なし", "No"),
        FreeHubPort::Unknown => t.s("分からない", "Don't know"),
    }
}

fn policy_label(t: T, value: domain::application::PolicyStatus) -> &'static str {
    use domain::application::PolicyStatus;
    match value {
        PolicyStatus::None => t.s("未整備", "None"),
        PolicyStatus::Drafting => t.s("整備中", "Being drafted"),
        PolicyStatus::InPlace => t.s("整備済み", "In place"),
    }
}

/// The review page (確認): what will be sent, read-only, and what was typed in hidden fields.
#[derive(Template)]
#[template(path = "public/review.html")]
struct ReviewPage {
    t: T,
    signed_in: bool,
    csrf: String,
    hidden: Vec<(&'static str, String)>,
    /// The course is full: sending puts the company on its waitlist.
    waitlisted: bool,
    /// Headings and their (label, value) rows.
    sections: Vec<(&'static str, Vec<(&'static str, String)>)>,
}

/// What the review page shows: the answers as they will be stored (normalised: katakana,
/// postal code, half-width digits), each under the form's label.
fn review_sections(t: T, reviewed: &app::intake::Reviewed) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let a = &reviewed.application;
    let (c, p, e) = (&a.company, &a.contact, &a.environment);
    let l = |field: &'static str| -> &'static str {
        let (ja, en) = form_fields::label(field);
        t.pick(ja, en)
    };
    let yes_no = |yes: bool| if yes { t.s("はい", "Yes") } else { t.s("いいえ", "No") }.to_string();
    let none = || t.s("（なし）", "(none)").to_string();
    let text = |value: &Option<String>| value.clone().unwrap_or_else(none);
    let course = &reviewed.course;
    vec![
        (t.s("希望コース", "Course"), vec![(l("course"), t.pick(&course.name_ja, &course.name_en).to_string())]),
        (
            t.s("会社情報", "Company"),
            vec![
                (l("company.name"), c.name.clone()),
                (l("company.name_kana"), c.name_kana.as_str().to_string()),
                (l("company.sole_proprietor"), yes_no(c.sole_proprietor)),
                (
                    l("company.corporate_number"),
                    c.corporate_number.as_ref().map_or_else(none, |n| n.as_str().to_string()),
                ),
                (l("company.postal_code"), c.postal_code.as_str().to_string()),
                (
                    l("company.prefecture"),
                    t.pick(&c.prefecture, domain::application::prefecture_en(&c.prefecture)).to_string(),
                ),
                (l("company.address"), c.address.clone()),
                (l("company.industry"), t.pick(c.industry.label_ja(), c.industry.label_en()).to_string()),
                (
                    l("company.capital_yen"),
                    c.capital_yen.map_or_else(none, |yen| format!("{}{}", grouped(yen), t.s("円", " yen"))),
                ),
                (l("company.employees"), format!("{}{}", grouped(u64::from(c.employees)), t.s("人", ""))),
                (l("company.representative_name"), c.representative_name.clone()),
                (l("company.representative_title"), text(&c.representative_title)),
            ],
        ),
        (
            t.s("ご担当者", "Contact person"),
            vec![
                (l("contact.name"), p.name.clone()),
                (l("contact.name_kana"), p.name_kana.as_str().to_string()),
                (l("contact.department"), text(&p.department)),
                (l("contact.email"), p.email.as_str().to_string()),
                (l("contact.phone"), p.phone.as_str().to_string()),
            ],
        ),
        (
            t.s("セキュリティ環境", "Your environment"),
            vec![
                (l("environment.connection_layout"), text(&e.connection_layout)),
                (l("environment.free_hub_port"), hub_port_label(t, e.free_hub_port).to_string()),
                (
                    l("environment.existing_utm"),
                    if e.existing_utm { t.s("設置している", "Yes") } else { t.s("設置していない", "No") }.to_string(),
                ),
                (l("environment.existing_utm_vendor"), text(&e.existing_utm_vendor)),
                (l("environment.policy_status"), policy_label(t, e.policy_status).to_string()),
            ],
        ),
        (
            t.s("申込要件の確認", "Requirements"),
            vec![
                (l("previous_participant"), yes_no(a.previous_participant)),
                (l("uses_equivalent_tokyo_subsidy"), yes_no(a.uses_equivalent_tokyo_subsidy)),
                (l("declarations"), t.s("ア〜キのすべてに該当します", "All of a–g apply").to_string()),
                (l("privacy_policy_accepted"), t.s("同意します", "I agree").to_string()),
            ],
        ),
    ]
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

//! Briefing seminars (説明会): the public list with live seats, the registration form, its
//! confirmation, the registrant's management page (link from the e-mail), the JSON API, and
//! the secretariat's list, roster (filter, search, sort, export) and venue check-in. Every
//! change goes through `app::seminars`; this module parses and renders.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::application::{FieldIssues, LooseNumber};
use domain::seminar::{Availability, HeardFrom, Mode, RegistrationInput, RegistrationStatus};
use serde::Deserialize;
use store::seminars::{RegistrationRecord, SeminarRecord};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Staff;
use crate::client::ClientIp;
use crate::csrf::FormToken;
use crate::error::PageError;
use crate::i18n::{Lang, T, cookie_from_headers, set_cookie};
use crate::render::{html, with_cookie};

const DONE_COOKIE: &str = "kojo_seminar_done";
/// How long the browser that registered may see its confirmation page.
const DONE_LIFETIME: chrono::Duration = chrono::Duration::minutes(30);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/seminars", get(list_page))
        .route("/seminars/done", get(done_page))
        .route("/seminars/{id}", get(form_page).post(post_registration))
        .route("/seminars/manage/{token}", get(manage_page).post(post_manage))
        .route("/office/seminars", get(office_list).post(create_seminar))
        .route("/office/seminars/new", get(new_seminar_page))
        .route("/office/seminars/{id}/edit", get(edit_seminar_page).post(update_seminar))
        .route("/office/seminars/{id}", get(office_roster))
        .route("/office/seminars/{id}/export", get(office_export))
        .route("/office/seminars/{id}/checkin", get(checkin_page).post(post_checkin))
        .route(
            "/office/seminars/{id}/attendance",
            post(post_attendance).layer(crate::upload_limit("/office/seminars/{id}/attendance")),
        )
        .route("/office/seminars/{id}/attendance/manual", post(post_manual_attendance))
}

fn parse_id(raw: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| PageError::NotFound)
}

/// One mode's seats as the public page shows them.
struct ModeView {
    mode: Mode,
    label: &'static str,
    state: &'static str,
    text: String,
}

fn mode_view(t: T, seminar: &SeminarRecord, mode: Mode, now: chrono::DateTime<chrono::Utc>) -> ModeView {
    let availability = seminar.availability(mode, now);
    let text = match availability {
        Availability::Open { remaining } => {
            if t.en {
                format!("{remaining} seats left")
            } else {
                format!("残り{remaining}席")
            }
        }
        Availability::Waitlist => t.s("満席（キャンセル待ち受付中）", "Full (waiting list open)").to_string(),
        Availability::Closed if seminar.places(mode).capacity == 0 => t.s("なし", "None").to_string(),
        Availability::Closed => t.s("受付終了", "Registration closed").to_string(),
    };
    ModeView { mode, label: t.pick(mode.label_ja(), mode.label_en()), state: availability.code(), text }
}

/// A seminar as the public pages show it.
struct SeminarView {
    id: Uuid,
    title: String,
    description: String,
    when: String,
    venue_name: String,
    venue_address: String,
    deadline: String,
    open: bool,
    modes: Vec<ModeView>,
    max_attendees: u32,
}

/// 令和5年9月6日（水）14:00～16:00（2023年9月6日）: 和暦 first, 西暦 after.
fn when(t: T, seminar: &SeminarRecord) -> String {
    let text = app::mail::seminar_time(t.en, seminar.starts_at, seminar.ends_at);
    if t.en {
        text
    } else {
        let date = seminar.starts_at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
        format!("{text}（{}）", date.format("%Y年%-m月%-d日"))
    }
}

fn seminar_view(t: T, seminar: &SeminarRecord, now: chrono::DateTime<chrono::Utc>) -> SeminarView {
    SeminarView {
        id: seminar.id,
        title: seminar.title(t.en).to_string(),
        description: t.pick(&seminar.description_ja, &seminar.description_en).to_string(),
        when: when(t, seminar),
        venue_name: seminar.venue_name.clone(),
        venue_address: seminar.venue_address.clone(),
        deadline: app::mail::tokyo_instant(t.en, seminar.deadline),
        open: seminar.is_open(now),
        modes: Mode::ALL.into_iter().map(|mode| mode_view(t, seminar, mode, now)).collect(),
        max_attendees: seminar.max_attendees,
    }
}

#[derive(Template)]
#[template(path = "public/seminars.html")]
struct ListPage {
    t: T,
    signed_in: bool,
    seminars: Vec<SeminarView>,
}

async fn list_page(State(state): State<AppState>, lang: Lang) -> Result<Response, PageError> {
    let now = state.clock.now();
    let seminars = app::seminars::current(&state.services).await?;
    let page = ListPage {
        t: lang.t,
        signed_in: false,
        seminars: seminars.iter().map(|seminar| seminar_view(lang.t, seminar, now)).collect(),
    };
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "public/seminar_form.html")]
struct FormPage {
    t: T,
    signed_in: bool,
    seminar: SeminarView,
    values: HashMap<&'static str, String>,
    issues: FieldIssues,
    problem: Option<String>,
    summary: Vec<(String, String)>,
    csrf: String,
    heard_from: Vec<(&'static str, &'static str)>,
}

impl FormPage {
    fn v(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    fn err(&self, field: &str) -> Option<&str> {
        self.issues.get(field).map(|issue| self.t.pick(&issue.ja, &issue.en))
    }

    fn invalid(&self, field: &str) -> &'static str {
        if self.issues.get(field).is_some() { "true" } else { "false" }
    }

    fn label(&self, field: &str) -> &'static str {
        let (ja, en) = label(field);
        self.t.pick(ja, en)
    }

    fn required(&self, field: &str) -> bool {
        domain::seminar::FIELDS.iter().any(|(name, required)| *name == field && *required)
    }

    /// The ids of the field's error, when shown.
    fn described_by(&self, field: &str) -> String {
        if self.issues.get(field).is_some() { format!("f-{field}-error") } else { String::new() }
    }
}

/// Each field's label in Japanese and English.
fn label(field: &str) -> (&'static str, &'static str) {
    match field {
        "company_name" => ("会社名（屋号）", "Company name"),
        "company_name_kana" => ("会社名（フリガナ）", "Company name (katakana)"),
        "corporate_number" => ("法人番号（13桁）", "Corporate number (13 digits)"),
        "person_name" => ("参加者氏名（代表者）", "Name of the person attending"),
        "email" => ("メールアドレス", "E-mail address"),
        "phone" => ("電話番号", "Phone number"),
        "mode" => ("参加方法", "How you attend"),
        "attendees" => ("参加人数", "Number of attendees"),
        "questions" => ("講師への質問", "Questions for the speaker"),
        "heard_from" => ("本説明会を知ったきっかけ", "How you heard of this seminar"),
        "privacy_policy_accepted" => ("個人情報の取扱いへの同意", "Consent to the handling of personal data"),
        _ => ("", ""),
    }
}

fn values_of(input: &RegistrationInput) -> HashMap<&'static str, String> {
    let attendees = match &input.attendees {
        Some(LooseNumber::Int(n)) => n.to_string(),
        Some(LooseNumber::Text(text)) => text.clone(),
        None => String::new(),
    };
    HashMap::from([
        ("company_name", input.company_name.clone()),
        ("company_name_kana", input.company_name_kana.clone()),
        ("corporate_number", input.corporate_number.clone().unwrap_or_default()),
        ("person_name", input.person_name.clone()),
        ("email", input.email.clone()),
        ("phone", input.phone.clone()),
        ("mode", input.mode.clone().unwrap_or_default()),
        ("attendees", attendees),
        ("questions", input.questions.clone().unwrap_or_default()),
        ("heard_from", input.heard_from.clone().unwrap_or_default()),
        ("privacy_policy_accepted", if input.privacy_policy_accepted { "yes".into() } else { String::new() }),
    ])
}

fn input_of(pairs: &[(String, String)]) -> RegistrationInput {
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    RegistrationInput {
        company_name: get("company_name").unwrap_or_default(),
        company_name_kana: get("company_name_kana").unwrap_or_default(),
        corporate_number: get("corporate_number"),
        person_name: get("person_name").unwrap_or_default(),
        email: get("email").unwrap_or_default(),
        phone: get("phone").unwrap_or_default(),
        mode: get("mode"),
        attendees: get("attendees").map(LooseNumber::Text),
        questions: get("questions"),
        heard_from: get("heard_from"),
        privacy_policy_accepted: get("privacy_policy_accepted").is_some_and(|v| v == "yes"),
        language: None,
    }
}

#[allow(clippy::too_many_arguments)]
async fn form(
    state: &AppState,
    t: T,
    seminar: &SeminarRecord,
    values: HashMap<&'static str, String>,
    issues: FieldIssues,
    problem: Option<String>,
    csrf: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let summary = issues
        .0
        .iter()
        .map(|issue| (format!("f-{}", issue.field), crate::public::summary_line_labelled(t, issue, label(issue.field))))
        .collect();
    let page = FormPage {
        t,
        signed_in: false,
        seminar: seminar_view(t, seminar, state.clock.now()),
        values,
        issues,
        problem,
        summary,
        csrf,
        heard_from: HeardFrom::ALL.iter().map(|h| (h.code(), t.pick(h.label_ja(), h.label_en()))).collect(),
    };
    html(status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FormQuery {
    mode: Option<String>,
}

async fn form_page(
    State(state): State<AppState>,
    lang: Lang,
    csrf: FormToken,
    Path(id): Path<String>,
    Query(query): Query<FormQuery>,
) -> Result<Response, PageError> {
    let seminar = app::seminars::public_seminar(&state.services, parse_id(&id)?).await?;
    let mut values = values_of(&RegistrationInput::default());
    values.insert("attendees", "1".into());
    if let Some(mode) = query.mode.filter(|m| Mode::from_code(m).is_some()) {
        values.insert("mode", mode);
    }
    form(&state, lang.t, &seminar, values, FieldIssues::default(), None, csrf.0, StatusCode::OK).await
}

async fn post_registration(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    csrf: FormToken,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let mut input = input_of(&pairs);
    input.language = Some(t.language());
    let values = values_of(&input);
    let outcome = register(&state, id, &input, ip).await;
    let (status, issues, problem) = match outcome {
        Ok(registered) => {
            let token = state.config.signing_key.sign(
                &registered.registration.id.to_string(),
                state.clock.now() + DONE_LIFETIME,
            );
            let cookie =
                set_cookie(DONE_COOKIE, &token, Some(DONE_LIFETIME.num_seconds()), true, state.config.secure_cookies);
            return Ok(with_cookie(Redirect::to("/seminars/done").into_response(), cookie));
        }
        Err(Refused::RateLimited) => (
            StatusCode::TOO_MANY_REQUESTS,
            FieldIssues::default(),
            Some(t.s("短時間に送信が集中しています。1分ほど待ってから、もう一度送信してください。入力内容はそのままです。", "Too many submissions; wait a minute and send again.").to_string()),
        ),
        Err(Refused::Register(app::seminars::RegisterError::Invalid(issues))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            issues,
            Some(t.s("入力内容に誤りがあります。次の項目をご確認ください。", "Some entries need correcting:").to_string()),
        ),
        Err(Refused::Register(app::seminars::RegisterError::App(app::AppError::Refused(refusal)))) => {
            let message = crate::messages::refusal(&refusal);
            let status = match refusal {
                domain::refusal::Refusal::Seminar(domain::refusal::SeminarRefusal::Duplicate) => {
                    StatusCode::CONFLICT
                }
                _ => StatusCode::GONE,
            };
            (status, FieldIssues::default(), Some(t.pick(&message.ja, &message.en).to_string()))
        }
        Err(Refused::Register(app::seminars::RegisterError::App(error))) => return Err(error.into()),
    };
    let seminar = app::seminars::public_seminar(&state.services, id).await?;
    form(&state, t, &seminar, values, issues, problem, csrf.0, status).await
}

/// Why the door did not register.
pub(crate) enum Refused {
    RateLimited,
    Register(app::seminars::RegisterError),
}

/// The registration door shared by the form and the API: the per-address rate limit of the
/// application form, then the one use case.
pub(crate) async fn register(
    state: &AppState,
    id: Uuid,
    input: &RegistrationInput,
    ip: ClientIp,
) -> Result<app::seminars::Registered, Refused> {
    if !state.submit_limiter.allow(ip.0) {
        return Err(Refused::RateLimited);
    }
    let actor = app::Actor::public(ip.to_db());
    app::seminars::register(&state.services, &actor, id, input, state.clock.now()).await.map_err(Refused::Register)
}

/// A registration as the confirmation and management pages show it.
struct RegistrationView {
    reference: String,
    status: RegistrationStatus,
    status_label: &'static str,
    mode_label: &'static str,
    attendees: u32,
    queue_position: Option<u32>,
    qr: Option<String>,
}

fn registration_view(t: T, registration: &RegistrationRecord, queue_position: Option<u32>) -> RegistrationView {
    let qr = (registration.status == RegistrationStatus::Held && registration.mode == Mode::Venue)
        .then(|| documents::qr::svg(&registration.reference).ok())
        .flatten();
    RegistrationView {
        reference: registration.reference.clone(),
        status: registration.status,
        status_label: t.pick(registration.status.label_ja(), registration.status.label_en()),
        mode_label: t.pick(registration.mode.label_ja(), registration.mode.label_en()),
        attendees: registration.attendees,
        queue_position,
        qr,
    }
}

#[derive(Template)]
#[template(path = "public/seminar_done.html")]
struct DonePage {
    t: T,
    signed_in: bool,
    seminar: SeminarView,
    registration: RegistrationView,
}

async fn done_page(State(state): State<AppState>, lang: Lang, headers: HeaderMap) -> Result<Response, PageError> {
    let now = state.clock.now();
    let id = cookie_from_headers(&headers, DONE_COOKIE)
        .and_then(|token| state.config.signing_key.verify(&token, now))
        .and_then(|id| Uuid::parse_str(&id).ok());
    let Some(id) = id else {
        return Ok(Redirect::to("/seminars").into_response());
    };
    let registration = store::seminars::registration(&state.db, id).await?;
    let seminar = store::seminars::get(&state.db, registration.seminar_id).await?;
    let queue_position = store::seminars::queue_position(&state.db, &registration).await?;
    let page = DonePage {
        t: lang.t,
        signed_in: false,
        seminar: seminar_view(lang.t, &seminar, now),
        registration: registration_view(lang.t, &registration, queue_position),
    };
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "public/seminar_manage.html")]
struct ManagePage {
    t: T,
    signed_in: bool,
    csrf: String,
    token: String,
    seminar: SeminarView,
    registration: RegistrationView,
    /// The mode it could switch to now, with its label.
    switch_to: Option<(&'static str, &'static str)>,
    can_cancel: bool,
    notice: Option<String>,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ManageQuery {
    done: Option<String>,
}

async fn manage_page(
    State(state): State<AppState>,
    lang: Lang,
    csrf: FormToken,
    Path(token): Path<String>,
    Query(query): Query<ManageQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let notice = match query.done.as_deref() {
        Some("cancel") => Some(t.s(
            "キャンセルしました。確認のメールをお送りしました。",
            "Cancelled. We have sent you a confirmation e-mail.",
        )),
        Some("switch") => Some(t.s(
            "参加方法を変更しました。確認のメールと新しいリンクをお送りしました。",
            "Changed. We have sent you a confirmation e-mail with a new link.",
        )),
        _ => None,
    };
    manage(&state, t, csrf.0, &token, notice.map(str::to_string), None, StatusCode::OK).await
}

async fn manage(
    state: &AppState,
    t: T,
    csrf: String,
    token: &str,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let managed = app::seminars::managed(&state.services, token).await?;
    let registration = &managed.registration;
    let live = registration.status != RegistrationStatus::Cancelled;
    let other = registration.mode.other();
    let switch_to = (live
        && managed.seminar.is_open(now)
        && matches!(managed.seminar.availability(other, now), Availability::Open { .. }))
    .then(|| (other.code(), t.pick(other.label_ja(), other.label_en())));
    let page = ManagePage {
        t,
        signed_in: false,
        csrf,
        token: token.to_string(),
        seminar: seminar_view(t, &managed.seminar, now),
        registration: registration_view(t, registration, managed.queue_position),
        switch_to,
        can_cancel: live && now < managed.seminar.ends_at,
        notice,
        problem,
    };
    html(status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ManageForm {
    action: String,
    mode: String,
    confirm: String,
}

async fn post_manage(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    csrf: FormToken,
    Path(token): Path<String>,
    Form(form): Form<ManageForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::public(ip.to_db());
    let now = state.clock.now();
    let result = match (form.action.as_str(), Mode::from_code(&form.mode)) {
        ("cancel", _) if form.confirm != "yes" => {
            let problem = t.s(
                "キャンセルする場合は、確認のチェックを入れてください。",
                "Tick the box to confirm the cancellation.",
            );
            return manage(&state, t, csrf.0, &token, None, Some(problem.into()), StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        ("cancel", _) => app::seminars::cancel(&state.services, &actor, &token, now).await,
        ("switch", Some(mode)) => app::seminars::switch_mode(&state.services, &actor, &token, mode, now).await,
        _ => return Err(PageError::bad_request("不明な操作です。", "Unknown action.")),
    };
    match result {
        Ok(changed) => {
            let (target, done) = match &changed.token {
                Some(new) => (new.as_str(), "switch"),
                None => (token.as_str(), "cancel"),
            };
            Ok(Redirect::to(&format!("/seminars/manage/{target}?done={done}")).into_response())
        }
        Err(app::AppError::Refused(refusal)) => {
            let message = crate::messages::refusal(&refusal);
            let problem = t.pick(&message.ja, &message.en).to_string();
            manage(&state, t, csrf.0, &token, None, Some(problem), StatusCode::CONFLICT).await
        }
        Err(error) => Err(error.into()),
    }
}

// ---- Office ----

struct OfficeRow {
    id: Uuid,
    title: String,
    when: String,
    deadline: String,
    venue: (i32, i32, usize),
    online: (i32, i32, usize),
    attended: usize,
}

#[derive(Template)]
#[template(path = "office/seminars.html")]
struct OfficeListPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    rows: Vec<OfficeRow>,
    /// The year's totals: seats held / seats and waiting per mode, attended.
    total: OfficeRow,
}

async fn office_list(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let programme = store::programmes::current(&state.db).await?;
    let seminars = match &programme {
        Some(programme) => app::seminars::of_programme(&state.services, &actor, programme.id).await?,
        None => {
            staff.require_may(domain::access::Action::RunSeminars)?;
            Vec::new()
        }
    };
    let mut rows = Vec::new();
    for seminar in &seminars {
        let roster = store::seminars::roster(&state.db, seminar.id).await?;
        let waiting =
            |mode: Mode| roster.iter().filter(|r| r.mode == mode && r.status == RegistrationStatus::Waitlisted).count();
        rows.push(OfficeRow {
            id: seminar.id,
            title: seminar.title(t.en).to_string(),
            when: when(t, seminar),
            deadline: app::mail::tokyo_instant(t.en, seminar.deadline),
            venue: (seminar.venue.taken, seminar.venue.capacity, waiting(Mode::Venue)),
            online: (seminar.online.taken, seminar.online.capacity, waiting(Mode::Online)),
            attended: roster.iter().filter(|r| r.attended_at.is_some()).count(),
        });
    }
    let sum = |pick: fn(&OfficeRow) -> (i32, i32, usize)| {
        rows.iter().map(pick).fold((0, 0, 0), |(a, b, c), (x, y, z)| (a + x, b + y, c + z))
    };
    let total = OfficeRow {
        id: Uuid::nil(),
        title: t.s("年度合計", "Year total").to_string(),
        when: String::new(),
        deadline: String::new(),
        venue: sum(|r| r.venue),
        online: sum(|r| r.online),
        attended: rows.iter().map(|r| r.attended).sum(),
    };
    let page = OfficeListPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        rows,
        total,
    };
    html(StatusCode::OK, &page)
}

/// The roster's query: filters, search and order, kept in links and the export.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct RosterQuery {
    mode: String,
    status: String,
    q: String,
    sort: String,
    format: String,
}

impl RosterQuery {
    fn keep(&self, row: &RegistrationRecord) -> bool {
        let mode_ok = Mode::from_code(&self.mode).is_none_or(|mode| row.mode == mode);
        let status_ok = match self.status.as_str() {
            "attended" => row.attended_at.is_some(),
            "no_show" => row.status == RegistrationStatus::Held && row.attended_at.is_none(),
            code => RegistrationStatus::from_code(code).is_none_or(|status| row.status == status),
        };
        let needle = domain::text::normalize(&self.q).to_lowercase();
        let text_ok = needle.is_empty()
            || [&row.reference, &row.company_name, &row.company_name_kana, &row.person_name, &row.email, &row.phone]
                .iter()
                .any(|field| domain::text::normalize(field).to_lowercase().contains(&needle));
        mode_ok && status_ok && text_ok
    }

    fn apply(&self, mut rows: Vec<RegistrationRecord>) -> Vec<RegistrationRecord> {
        rows.retain(|row| self.keep(row));
        match self.sort.as_str() {
            "company" => rows.sort_by(|a, b| a.company_name_kana.cmp(&b.company_name_kana)),
            "status" => rows.sort_by_key(|r| (r.mode.code(), r.status.code(), r.waitlist_position)),
            "newest" => rows.reverse(),
            _ => {}
        }
        rows
    }

    fn query_string(&self) -> String {
        let pairs = [("mode", &self.mode), ("status", &self.status), ("q", &self.q), ("sort", &self.sort)];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::office::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

struct RosterRow {
    record: RegistrationRecord,
    status_label: &'static str,
    mode_label: &'static str,
    registered: String,
    attended: String,
}

#[derive(Template)]
#[template(path = "office/seminar.html")]
struct RosterPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    seminar: SeminarView,
    id: Uuid,
    rows: Vec<RosterRow>,
    total: usize,
    query: RosterQuery,
    query_string: String,
    stats: Vec<Stats>,
    outcome: Outcome,
    /// Online registrations holding a seat not yet marked attended: (reference, who).
    unattended_online: Vec<(String, String)>,
}

fn tokyo_short(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%d %H:%M").to_string()
}

async fn office_roster(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<RosterQuery>,
) -> Result<Response, PageError> {
    roster_page(&state, lang.t, &staff, ip, parse_id(&id)?, query, Outcome::default(), StatusCode::OK).await
}

/// What a post on the roster page did, shown above it.
#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    problem: Option<String>,
    unmatched: Vec<app::seminars::Participant>,
}

/// Counts per mode: seats held, waiting, cancelled, attended, no-show (held, not attended).
struct Stats {
    label: &'static str,
    held: usize,
    waitlisted: usize,
    cancelled: usize,
    attended: usize,
    no_show: usize,
    attendees: u32,
}

fn stats(t: T, label: Option<Mode>, rows: &[RegistrationRecord]) -> Stats {
    let of: Vec<&RegistrationRecord> = rows.iter().filter(|r| label.is_none_or(|m| r.mode == m)).collect();
    let held: Vec<&&RegistrationRecord> = of.iter().filter(|r| r.status == RegistrationStatus::Held).collect();
    Stats {
        label: match label {
            Some(mode) => t.pick(mode.label_ja(), mode.label_en()),
            None => t.s("合計", "Total"),
        },
        held: held.len(),
        waitlisted: of.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).count(),
        cancelled: of.iter().filter(|r| r.status == RegistrationStatus::Cancelled).count(),
        attended: held.iter().filter(|r| r.attended_at.is_some()).count(),
        no_show: held.iter().filter(|r| r.attended_at.is_none()).count(),
        attendees: held.iter().map(|r| r.attendees).sum(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn roster_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: ClientIp,
    id: Uuid,
    query: RosterQuery,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let (seminar, registrations) =
        app::seminars::roster(&state.services, &actor, id, "seminar.roster.read", state.clock.now()).await?;
    let total = registrations.len();
    let stats = vec![
        stats(t, Some(Mode::Venue), &registrations),
        stats(t, Some(Mode::Online), &registrations),
        stats(t, None, &registrations),
    ];
    let unattended_online: Vec<(String, String)> = registrations
        .iter()
        .filter(|r| r.mode == Mode::Online && r.status == RegistrationStatus::Held && r.attended_at.is_none())
        .map(|r| (r.reference.clone(), format!("{} — {}", r.person_name, r.company_name)))
        .collect();
    let rows = query
        .apply(registrations)
        .into_iter()
        .map(|record| RosterRow {
            status_label: t.pick(record.status.label_ja(), record.status.label_en()),
            mode_label: t.pick(record.mode.label_ja(), record.mode.label_en()),
            registered: tokyo_short(record.created_at),
            attended: record
                .attended_at
                .map(|at| match record.attended_minutes {
                    Some(minutes) => format!("{} ({minutes}{})", tokyo_short(at), t.s("分", " min")),
                    None => tokyo_short(at),
                })
                .unwrap_or_default(),
            record,
        })
        .collect();
    let page = RosterPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        seminar: seminar_view(t, &seminar, state.clock.now()),
        id: seminar.id,
        rows,
        total,
        query_string: query.query_string(),
        query,
        stats,
        outcome,
        unattended_online,
    };
    html(status, &page)
}

/// The largest participant report accepted (a report of thousands of rows is well under).
pub(crate) const MAX_REPORT_BYTES: usize = 5 * 1024 * 1024;

async fn post_attendance(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    staff.require_may(domain::access::Action::RunSeminars)?;
    let mut report: Option<Vec<u8>> = None;
    let mut too_large = false;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("report") {
            continue;
        }
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_REPORT_BYTES => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                _ => {
                    too_large = true;
                    break;
                }
            }
        }
        report = Some(bytes);
    }
    let fail = |problem: &str, status| {
        let outcome = Outcome { problem: Some(problem.to_string()), ..Outcome::default() };
        (outcome, status)
    };
    let (outcome, status) = if too_large {
        fail(
            t.s("ファイルが大きすぎます（5MBまで）。", "The file is too large (5 MB at most)."),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
    } else {
        match report.filter(|bytes| !bytes.is_empty()) {
            None => fail(
                t.s("参加者レポート（CSV）を選んでください。", "Choose the participant report (CSV)."),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Some(bytes) => {
                let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
                match app::seminars::import_attendance(&state.services, &actor, id, &bytes, state.clock.now()).await {
                    Ok(done) => {
                        let notice = if t.en {
                            format!(
                                "{} rows read: {} newly attended, {} already marked, {} not matched.",
                                done.rows,
                                done.matched,
                                done.already,
                                done.unmatched.len()
                            )
                        } else {
                            format!(
                                "{}行を読み取りました。出席 {}件（新規）・{}件（記録済み）、照合できなかった参加者 {}人。",
                                done.rows,
                                done.matched,
                                done.already,
                                done.unmatched.len()
                            )
                        };
                        (Outcome { notice: Some(notice), problem: None, unmatched: done.unmatched }, StatusCode::OK)
                    }
                    Err(app::AppError::Invalid(invalid)) => {
                        let m = crate::messages::invalid(&invalid);
                        fail(t.pick(&m.ja, &m.en), StatusCode::UNPROCESSABLE_ENTITY)
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        }
    };
    roster_page(&state, t, &staff, ip, id, RosterQuery::default(), outcome, status).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ManualForm {
    reference: String,
    minutes: String,
}

async fn post_manual_attendance(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<ManualForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let minutes = domain::text::normalize(&form.minutes).parse::<u32>().ok().filter(|m| *m <= 24 * 60);
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let (outcome, status) = match minutes {
        None => (
            Outcome {
                problem: Some(t.s("視聴時間（分）を数字で入力してください。", "Enter the minutes as a number.").into()),
                ..Outcome::default()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Some(minutes) => {
            match app::seminars::mark_attended_by_hand(
                &state.services,
                &actor,
                id,
                &form.reference,
                minutes,
                state.clock.now(),
            )
            .await
            {
                Ok(r) => {
                    let notice = format!(
                        "{}{} — {}",
                        t.s("出席を記録しました：", "Attendance recorded: "),
                        r.reference,
                        r.person_name
                    );
                    (Outcome { notice: Some(notice), ..Outcome::default() }, StatusCode::OK)
                }
                Err(app::AppError::NotFound) => (
                    Outcome {
                        problem: Some(t.s("該当するお申込みがありません。", "No such registration.").into()),
                        ..Outcome::default()
                    },
                    StatusCode::NOT_FOUND,
                ),
                Err(app::AppError::Refused(refusal)) => {
                    let m = crate::messages::refusal(&refusal);
                    (Outcome { problem: Some(t.pick(&m.ja, &m.en).into()), ..Outcome::default() }, StatusCode::CONFLICT)
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    roster_page(&state, t, &staff, ip, id, RosterQuery::default(), outcome, status).await
}

const EXPORT_HEADERS: [&str; 18] = [
    "受付番号",
    "参加方法",
    "状況",
    "キャンセル待ち順",
    "申込日時",
    "会社名",
    "会社名（フリガナ）",
    "法人番号",
    "氏名",
    "メールアドレス",
    "電話番号",
    "参加人数",
    "講師への質問",
    "知ったきっかけ",
    "出席",
    "出席確認",
    "視聴時間（分）",
    "キャンセル日時",
];

async fn office_export(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<RosterQuery>,
) -> Result<Response, PageError> {
    let format = if query.format.is_empty() { "csv".to_string() } else { query.format.clone() };
    if !matches!(format.as_str(), "csv" | "csv_sjis" | "xlsx") {
        return Err(PageError::bad_request(
            "不明な出力形式です（csv / csv_sjis / xlsx）。",
            "Unknown format (csv / csv_sjis / xlsx).",
        ));
    }
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let (seminar, registrations) =
        app::seminars::roster(&state.services, &actor, parse_id(&id)?, "seminar.roster.export", state.clock.now())
            .await?;
    use documents::Cell;
    let mut table = documents::Table::new(EXPORT_HEADERS);
    for r in query.apply(registrations) {
        table.push(vec![
            Cell::from(r.reference.as_str()),
            Cell::from(r.mode.label_ja()),
            Cell::from(r.status.label_ja()),
            Cell::from(r.waitlist_position.filter(|_| r.status == RegistrationStatus::Waitlisted).map(i64::from)),
            crate::render::tokyo_cell(Some(r.created_at)),
            Cell::from(r.company_name.as_str()),
            Cell::from(r.company_name_kana.as_str()),
            Cell::from(r.corporate_number.clone()),
            Cell::from(r.person_name.as_str()),
            Cell::from(r.email.as_str()),
            Cell::from(r.phone.as_str()),
            Cell::from(i64::from(r.attendees)),
            Cell::from(r.questions.clone()),
            Cell::from(r.heard_from.map(|h| h.label_ja())),
            Cell::from(if r.attended_at.is_some() { "出席" } else { "" }),
            crate::render::tokyo_cell(r.attended_at),
            Cell::from(r.attended_minutes.map(i64::from)),
            crate::render::tokyo_cell(r.cancelled_at),
        ]);
    }
    crate::render::export(table, &format, "説明会参加者", &format!("seminar-{}", seminar.code), state.clock.today())
}

#[derive(Template)]
#[template(path = "office/seminar_checkin.html")]
struct CheckinPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    id: Uuid,
    seminar: SeminarView,
    notice: Option<String>,
    problem: Option<String>,
    q: String,
    matches: Vec<RegistrationRecord>,
    attended: usize,
    held: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CheckinQuery {
    q: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CheckinForm {
    reference: String,
}

async fn checkin_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<CheckinQuery>,
) -> Result<Response, PageError> {
    checkin(&state, lang.t, &staff, ip, parse_id(&id)?, query.q, None, None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn checkin(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: ClientIp,
    id: Uuid,
    q: String,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let purpose = if q.trim().is_empty() { "seminar.checkin.read" } else { "seminar.checkin.search" };
    let (seminar, registrations) =
        app::seminars::roster(&state.services, &actor, id, purpose, state.clock.now()).await?;
    let held: Vec<&RegistrationRecord> =
        registrations.iter().filter(|r| r.status == RegistrationStatus::Held && r.mode == Mode::Venue).collect();
    let query = RosterQuery { q: q.clone(), status: "held".into(), mode: "venue".into(), ..Default::default() };
    let matches = if q.trim().is_empty() { Vec::new() } else { query.apply(registrations.clone()) };
    let page = CheckinPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        id,
        seminar: seminar_view(t, &seminar, state.clock.now()),
        notice,
        problem,
        q,
        matches,
        attended: held.iter().filter(|r| r.attended_at.is_some()).count(),
        held: held.len(),
    };
    html(status, &page)
}

async fn post_checkin(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<CheckinForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    match app::seminars::check_in(&state.services, &actor, id, &form.reference, state.clock.now()).await {
        Ok(done) => {
            let r = &done.registration;
            let notice = if done.already {
                if t.en {
                    format!("Already checked in: {} — {} ({})", r.reference, r.company_name, r.person_name)
                } else {
                    format!("受付済みです：{} — {}（{}）", r.reference, r.company_name, r.person_name)
                }
            } else if t.en {
                format!(
                    "Checked in: {} — {} ({}), {} attending",
                    r.reference, r.company_name, r.person_name, r.attendees
                )
            } else {
                format!("受付しました：{} — {}（{}）{}名", r.reference, r.company_name, r.person_name, r.attendees)
            };
            checkin(&state, t, &staff, ip, id, String::new(), Some(notice), None, StatusCode::OK).await
        }
        Err(app::AppError::NotFound) => {
            let problem = if t.en {
                format!("No registration of this seminar has the reference “{}”.", form.reference.trim())
            } else {
                format!("受付番号「{}」のお申込みはこの説明会にありません。", form.reference.trim())
            };
            checkin(&state, t, &staff, ip, id, String::new(), None, Some(problem), StatusCode::NOT_FOUND).await
        }
        Err(app::AppError::Refused(refusal)) => {
            let message = crate::messages::refusal(&refusal);
            let problem = t.pick(&message.ja, &message.en).to_string();
            checkin(&state, t, &staff, ip, id, String::new(), None, Some(problem), StatusCode::CONFLICT).await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "office/seminar_edit.html")]
struct EditPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    /// `None` for a new seminar.
    id: Option<Uuid>,
    form: app::seminars::SeminarForm,
    problem: Option<String>,
    /// Seats held now (a capacity cannot go below them).
    held: (i32, i32),
}

impl EditPage {
    /// The form's value of field `name`, for the template's inputs.
    fn value(&self, name: &str) -> &str {
        let f = &self.form;
        match name {
            "code" => &f.code,
            "title" => &f.title,
            "title_en" => &f.title_en,
            "date" => &f.date,
            "starts" => &f.starts,
            "ends" => &f.ends,
            "venue_name" => &f.venue_name,
            "venue_address" => &f.venue_address,
            "venue_map_url" => &f.venue_map_url,
            "online_url" => &f.online_url,
            "venue_capacity" => &f.venue_capacity,
            "online_capacity" => &f.online_capacity,
            "deadline" => &f.deadline,
            "max_attendees" => &f.max_attendees,
            _ => "",
        }
    }
}

fn edit_page(
    t: T,
    staff: &Staff,
    id: Option<Uuid>,
    form: app::seminars::SeminarForm,
    problem: Option<String>,
    held: (i32, i32),
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = EditPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        id,
        form,
        problem,
        held,
    };
    html(status, &page)
}

async fn new_seminar_page(lang: Lang, staff: Staff) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::RunSeminars)?;
    let form = app::seminars::SeminarForm {
        starts: "14:00".into(),
        ends: "15:30".into(),
        venue_capacity: "30".into(),
        online_capacity: "100".into(),
        max_attendees: domain::seminar::DEFAULT_MAX_ATTENDEES.to_string(),
        ..Default::default()
    };
    edit_page(lang.t, &staff, None, form, None, (0, 0), StatusCode::OK)
}

async fn edit_seminar_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::RunSeminars)?;
    let seminar = store::seminars::get(&state.db, parse_id(&id)?).await?;
    let form = app::seminars::SeminarForm::of(&seminar);
    edit_page(lang.t, &staff, Some(seminar.id), form, None, (seminar.venue.taken, seminar.online.taken), StatusCode::OK)
}

async fn create_seminar(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<app::seminars::SeminarForm>,
) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::RunSeminars)?;
    let t = lang.t;
    let Some(programme) = store::programmes::current(&state.db).await? else {
        return Err(PageError::bad_request("現在の年度がありません。", "There is no current programme year."));
    };
    let taken = store::seminars::list(&state.db, programme.id).await?.iter().any(|s| s.code == form.code.trim());
    if taken {
        let problem = t.s(
            "このコードの説明会は既にあります。別のコードにしてください。",
            "A seminar with this code exists; choose another.",
        );
        return edit_page(t, &staff, None, form, Some(problem.into()), (0, 0), StatusCode::CONFLICT);
    }
    save_seminar(&state, t, &staff, ip, programme.id, None, form, (0, 0)).await
}

async fn update_seminar(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(mut form): Form<app::seminars::SeminarForm>,
) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::RunSeminars)?;
    let seminar = store::seminars::get(&state.db, parse_id(&id)?).await?;
    // The code names the seminar within its year: it does not change.
    form.code = seminar.code.clone();
    let held = (seminar.venue.taken, seminar.online.taken);
    save_seminar(&state, lang.t, &staff, ip, seminar.programme_id, Some(seminar.id), form, held).await
}

#[allow(clippy::too_many_arguments)]
async fn save_seminar(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: ClientIp,
    programme: Uuid,
    id: Option<Uuid>,
    form: app::seminars::SeminarForm,
    held: (i32, i32),
) -> Result<Response, PageError> {
    let parsed = match form.parse() {
        Ok(parsed) => parsed,
        Err(problem) => return edit_page(t, staff, id, form, Some(problem), held, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    match app::seminars::save(&state.services, &actor, programme, &parsed, state.clock.now()).await {
        Ok(saved) => Ok(Redirect::to(&format!("/office/seminars/{saved}")).into_response()),
        Err(app::AppError::Refused(refusal)) => {
            let m = crate::messages::refusal(&refusal);
            edit_page(t, staff, id, form, Some(t.pick(&m.ja, &m.en).to_string()), held, StatusCode::CONFLICT)
        }
        Err(error) => Err(error.into()),
    }
}

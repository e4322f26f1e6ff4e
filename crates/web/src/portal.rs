//! The company portal: sign-in by a one-time link sent to the contact's address (no password to
//! forget), the company's own case — status, tasks, submitted data, messages — and its actions
//! (confirm intent, reply).
//!
//! A company user reaches only its own application: every handler takes `CompanyUser`, whose
//! application id comes from the session's user record, never from the request.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Duration;
use domain::case::{CaseEvent, CaseState};
use domain::portal::PortalTask;
use serde::Deserialize;
use store::applications::ApplicationRecord;
use store::audit::{Actor, NewAuditEntry};
use store::portal::MessageRecord;

use crate::AppState;
use crate::auth::CompanyUser;
use crate::auth::SESSION_COOKIE;
use crate::client::ClientIp;
use crate::csrf::{PUBLIC_CSRF_COOKIE, tokens_match};
use crate::error::PageError;
use crate::i18n::{Lang, T, cookie_from_headers, set_cookie};
use crate::render::{html, with_cookie};

const SESSION_LIFETIME_HOURS: i64 = 8;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(show_portal))
        .route("/portal/login", get(show_login).post(send_link))
        .route("/portal/auth/{token}", get(redeem))
        .route("/portal/intent", post(confirm_intent))
        .route("/portal/decline", post(decline))
        .route("/portal/messages", post(post_message))
        .route("/portal/trial-choice", post(post_trial_choice))
        .route("/portal/logout", post(log_out))
}

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    t: T,
    signed_in: bool,
    csrf: String,
    sent: bool,
    expired: bool,
    email: String,
    problem: Option<&'static str>,
    /// The task's word, carried through the form.
    task: &'static str,
}

async fn show_login(
    lang: Lang,
    csrf: crate::csrf::FormToken,
    Query(query): Query<TaskQuery>,
) -> Result<Response, PageError> {
    let csrf = csrf.0;
    let task = PortalTask::from_code(&query.task);
    let page = LoginPage {
        t: lang.t,
        signed_in: false,
        csrf: csrf.clone(),
        sent: false,
        expired: false,
        email: String::new(),
        problem: None,
        task: task.code(),
    };
    let response = html(StatusCode::OK, &page)?;
    Ok(response)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    csrf: String,
    /// Where the company lands after signing in (`domain::portal::PortalTask`).
    #[serde(default)]
    task: String,
}

#[derive(Deserialize, Default)]
struct TaskQuery {
    #[serde(default)]
    task: String,
}

async fn send_link(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let csrf = cookie_from_headers(&headers, PUBLIC_CSRF_COOKIE).unwrap_or_default();
    let email = domain::text::normalize(&form.email);
    let mut page = LoginPage {
        t,
        signed_in: false,
        csrf: csrf.clone(),
        sent: false,
        expired: false,
        email: email.clone(),
        problem: None,
        task: PortalTask::from_code(&form.task).code(),
    };
    if !tokens_match(&csrf, &form.csrf) {
        page.problem =
            Some(t.s("ページの有効期限が切れました。もう一度送信してください。", "The page expired; send again."));
        return html(StatusCode::FORBIDDEN, &page);
    }
    let Ok(address) = domain::text::EmailAddress::parse(&email) else {
        page.problem = Some(t.s("メールアドレスの形式が正しくありません。", "That is not a valid e-mail address."));
        return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    if !state.submit_limiter.allow(ip.0) {
        page.problem = Some(t.s(
            "短時間に送信が集中しています。1分ほど待ってから再度お試しください。",
            "Too many requests; wait a minute.",
        ));
        return html(StatusCode::TOO_MANY_REQUESTS, &page);
    }
    // Looking the address up, issuing the link and queueing the e-mail happen after the answer,
    // off the request: a known and an unknown address answer alike and equally fast.
    state.portal_links.request(address, PortalTask::from_code(&form.task), ip.to_db());
    // The same answer whether or not the address is known.
    page.sent = true;
    html(StatusCode::OK, &page)
}

async fn redeem(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    csrf: crate::csrf::FormToken,
    Path(token): Path<String>,
    Query(query): Query<TaskQuery>,
) -> Result<Response, PageError> {
    let task = PortalTask::from_code(&query.task);
    let Some(user) = store::portal::redeem_link(&state.db, &token, state.clock.now()).await? else {
        let page = LoginPage {
            t: lang.t,
            signed_in: false,
            csrf: csrf.0,
            sent: false,
            expired: true,
            email: String::new(),
            problem: None,
            task: task.code(),
        };
        return html(StatusCode::GONE, &page);
    };
    let session = store::accounts::create_session(
        &state.db,
        user.id,
        ip.to_db(),
        Duration::hours(SESSION_LIFETIME_HOURS),
        state.clock.now(),
    )
    .await?;
    store::accounts::touch_login(&state.db, user.id, state.clock.now()).await?;
    store::audit::record(
        &state.db,
        NewAuditEntry {
            actor: Actor::User { id: user.id, label: format!("company:{}", user.email) },
            action: "portal.sign_in",
            subject_type: "application",
            subject_id: user.company_application_id.map(|id| id.to_string()),
            ip: ip.to_db(),
            detail: serde_json::json!({}),
        },
        state.clock.now(),
    )
    .await?;
    let cookie = set_cookie(
        SESSION_COOKIE,
        &session.token,
        Some(SESSION_LIFETIME_HOURS * 3600),
        false,
        state.config.secure_cookies,
    );
    Ok(with_cookie(Redirect::to(task.path()).into_response(), cookie))
}

/// A step of the programme as the company sees it.
struct Step {
    label: &'static str,
    done: bool,
    current: bool,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct PortalPage {
    t: T,
    csrf: String,
    /// Surveys waiting for an answer: (invitation, title).
    surveys_to_answer: Vec<(uuid::Uuid, String)>,
    record: ApplicationRecord,
    state_label: &'static str,
    course_name: String,
    steps: Vec<Step>,
    can_confirm_intent: bool,
    awaiting_agreement: bool,
    messages: Vec<(String, MessageRecord)>,
    devices: Vec<crate::views::DeviceView>,
    /// A device's trial ends soon: the company is asked to choose continuation or removal.
    trial_choice_task: bool,
    /// Management guidance: reports to read, open next steps, the next visit (course ① participants).
    guidance: Option<GuidanceTasks>,
    notice: Option<String>,
    problem: Option<String>,
    draft: String,
    decline_reason: String,
}

/// The guidance part of the company's tasks, as the home page words it.
struct GuidanceTasks {
    reports_to_read: Vec<u32>,
    /// Visit number, text, due day (empty when none).
    next_steps: Vec<(u32, String, String)>,
    next_visit: Option<String>,
}

impl PortalPage {
    fn has_guidance_tasks(&self) -> bool {
        self.guidance.as_ref().is_some_and(|g| !g.is_empty())
    }
}

impl GuidanceTasks {
    fn is_empty(&self) -> bool {
        self.reports_to_read.is_empty() && self.next_steps.is_empty() && self.next_visit.is_none()
    }
}

const STEPS: [(CaseState, &str, &str); 7] = [
    (CaseState::Received, "お申込み受付", "Application received"),
    (CaseState::Contacted, "事務局からの連絡・申込完了", "Contact from the secretariat; application complete"),
    (CaseState::StatusChecked, "セキュリティ状況の確認", "Security status check"),
    (CaseState::CourseDecided, "支援コースの決定", "Support course decided"),
    (CaseState::Approved, "参加意思の確認", "Your intent to take part"),
    (CaseState::AgreementSent, "参加同意書の提出", "Returning the participation agreement"),
    (CaseState::Confirmed, "参加確定", "Participation confirmed"),
];

fn steps(t: T, state: CaseState) -> Vec<Step> {
    let order = |s: CaseState| match s {
        CaseState::Waitlisted | CaseState::Received => 0,
        CaseState::Contacted => 1,
        CaseState::StatusChecked | CaseState::NotInstallable => 2,
        CaseState::CourseDecided => 3,
        CaseState::Approved => 4,
        CaseState::IntentConfirmed | CaseState::AgreementSent => 5,
        CaseState::Confirmed => 7,
        CaseState::Ineligible | CaseState::Withdrawn | CaseState::Disqualified => 0,
    };
    let at = order(state);
    STEPS
        .iter()
        .enumerate()
        .map(|(i, (_, ja, en))| Step { label: t.s(ja, en), done: i < at, current: i == at })
        .collect()
}

async fn portal_page(
    state: &AppState,
    t: T,
    company: &CompanyUser,
    notice: Option<&str>,
    problem: Option<&str>,
    draft: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    portal_page_with(state, t, company, notice, problem, (draft, String::new()), status).await
}

/// The portal page with what the company had typed: its message draft and its reason for
/// declining (kept when either comes back with an error).
async fn portal_page_with(
    state: &AppState,
    t: T,
    company: &CompanyUser,
    notice: Option<&str>,
    problem: Option<&str>,
    (draft, decline_reason): (String, String),
    status: StatusCode,
) -> Result<Response, PageError> {
    let record = store::applications::get(&state.db, company.application_id).await?;
    let programme = store::programmes::get(&state.db, record.programme_id).await?;
    let course_name =
        programme.course(record.course_code).map(|c| t.pick(&c.name_ja, &c.name_en).to_string()).unwrap_or_default();
    let messages = store::portal::messages(&state.db, record.id).await?;
    let mut devices = Vec::new();
    for device in store::devices::for_application(&state.db, record.id).await? {
        devices.push(crate::views::device_view(state, t, device).await?);
    }
    let guidance = if record.status == CaseState::Confirmed && record.course_code == domain::programme::CourseCode::Utm
    {
        let actor = app::Actor::user(&company.user, app::Via::Page, None);
        let tasks = app::guidance::tasks_own(&state.services, &actor, state.clock.now()).await?;
        Some(GuidanceTasks {
            reports_to_read: tasks.reports_to_read,
            next_steps: tasks
                .next_steps
                .into_iter()
                .map(|(number, text, due)| (number, text, due.map(|d| t.date(&d)).unwrap_or_default()))
                .collect(),
            next_visit: tasks.next_visit.map(|v| app::mail::seminar_time(t.en, v.starts_at, v.ends_at)),
        })
    } else {
        None
    };
    let actor = app::Actor::user(&company.user, app::Via::Page, None);
    let surveys_to_answer = app::surveys::own(&state.services, &actor)
        .await?
        .into_iter()
        .filter(|(survey, invitation)| {
            invitation.submitted_at.is_none() && survey.status == domain::survey::Status::Open
        })
        .map(|(survey, invitation)| (invitation.id, t.pick(&survey.title_ja, &survey.title_en).to_string()))
        .collect();
    let page = PortalPage {
        t,
        csrf: company.csrf.clone(),
        surveys_to_answer,
        guidance,
        state_label: t.pick(record.status.label_ja(), record.status.label_en()),
        course_name,
        steps: steps(t, record.status),
        can_confirm_intent: domain::case::transition(record.status, CaseEvent::ConfirmIntent).is_ok(),
        awaiting_agreement: record.status == CaseState::AgreementSent,
        messages: messages.into_iter().map(|m| (t.datetime(&m.created_at), m)).collect(),
        trial_choice_task: devices.iter().any(|d| d.choice_open),
        devices,
        notice: notice.map(str::to_owned),
        problem: problem.map(str::to_owned),
        draft,
        decline_reason,
        record,
    };
    html(status, &page)
}

async fn show_portal(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
) -> Result<Response, PageError> {
    store::audit::record(
        &state.db,
        NewAuditEntry {
            actor: company.actor(),
            action: "portal.view",
            subject_type: "application",
            subject_id: Some(company.application_id.to_string()),
            ip: ip.to_db(),
            detail: serde_json::json!({}),
        },
        state.clock.now(),
    )
    .await?;
    portal_page(&state, lang.t, &company, None, None, String::new(), StatusCode::OK).await
}

async fn confirm_intent(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    match app::cases::confirm_own_intent(&state.services, &actor, state.clock.now()).await {
        Ok(_) => {
            portal_page(
                &state,
                lang.t,
                &company,
                Some(lang.t.s(
                    "参加の意思を確認しました。運営事務局から参加同意書をお送りします。",
                    "Thank you: your intent to take part is recorded. The secretariat will send the participation agreement.",
                )),
                None,
                String::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(app::AppError::Refused(_)) => {
            portal_page(
                &state,
                lang.t,
                &company,
                None,
                Some(lang.t.s(
                    "現在は参加意思の確認を受け付けていません。",
                    "Your intent cannot be confirmed at this step.",
                )),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct DeclineForm {
    #[serde(default)]
    reason: String,
}

/// 辞退します: the company declines at the intent step, with its reason.
async fn decline(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Form(form): Form<DeclineForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    match app::cases::decline_own(&state.services, &actor, &form.reason, state.clock.now()).await {
        Ok(_) => {
            let notice = t.s(
                "辞退を受け付けました。ご検討いただきありがとうございました。",
                "Your decision not to take part is recorded. Thank you for considering the programme.",
            );
            portal_page(&state, t, &company, Some(notice), None, String::new(), StatusCode::OK).await
        }
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            let typed = (String::new(), form.reason);
            portal_page_with(&state, t, &company, None, message.as_deref(), typed, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct MessageForm {
    body: String,
}

async fn post_message(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Form(form): Form<MessageForm>,
) -> Result<Response, PageError> {
    let text = match app::cases::MessageText::parse(&form.body) {
        Ok(text) => text,
        Err(_) => {
            let problem = Some("メッセージは1〜4000文字で入力してください。");
            return portal_page(&state, lang.t, &company, None, problem, form.body, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    app::cases::post_own_message(&state.services, &actor, &company.user.display_name, text, state.clock.now()).await?;
    portal_page(&state, lang.t, &company, Some("メッセージを送信しました。"), None, String::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
struct TrialChoiceForm {
    #[serde(default)]
    choice: String,
}

/// The company chooses continuation or removal for after its UTM trial.
async fn post_trial_choice(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Form(form): Form<TrialChoiceForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let Some(choice) = domain::device::TrialChoice::from_code(&form.choice) else {
        let problem = t.s("継続か撤去かを選んでください。", "Choose to continue or to remove.");
        return portal_page(&state, t, &company, None, Some(problem), String::new(), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    match app::devices::choose_own(&state.services, &actor, choice, state.clock.now()).await {
        Ok(_) => {
            let notice = match choice {
                domain::device::TrialChoice::Continue => t.s(
                    "「継続」のご希望を受け付けました。UTM事業者から契約のご案内をいたします。",
                    "We have your choice to continue. The UTM provider will contact you about the contract.",
                ),
                domain::device::TrialChoice::Remove => t.s(
                    "「撤去」のご希望を受け付けました。撤去の日時（平日）をご相談のうえ決めます。",
                    "We have your choice to remove the UTM. We will agree a weekday for the removal with you.",
                ),
            };
            portal_page(&state, t, &company, Some(notice), None, String::new(), StatusCode::OK).await
        }
        Err(error @ (app::AppError::Refused(_) | app::AppError::NotFound)) => {
            let problem = crate::messages::for_error(&error)
                .map(|m| t.pick(&m.ja, &m.en).to_string())
                .unwrap_or_else(|| t.s("選択できるUTMがありません。", "There is no UTM to choose for.").to_string());
            portal_page(&state, t, &company, None, Some(&problem), String::new(), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Signs the company user out (the form-token layer has checked the request).
async fn log_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(token) = cookie_from_headers(&headers, SESSION_COOKIE) {
        store::accounts::delete_session(&state.db, &token).await?;
    }
    let cookie = set_cookie(SESSION_COOKIE, "", Some(0), false, state.config.secure_cookies);
    Ok(with_cookie(Redirect::to("/portal/login").into_response(), cookie))
}

/// The queue of sign-in link requests, worked by one task: the page answers at once, the task
/// looks the address up and queues the e-mail in the outbox (`app::accounts::send_portal_links`).
/// A request lost in a crash costs the company one more click; the queue holds 1,024 at most
/// (the per-address rate limit keeps it short) and refuses more, with a warning.
#[derive(Clone)]
pub(crate) struct LinkQueue {
    sender: tokio::sync::mpsc::Sender<LinkRequest>,
}

type LinkRequest = (domain::text::EmailAddress, PortalTask, Option<String>);

impl LinkQueue {
    pub(crate) fn start(services: app::Services, clock: app::Clock) -> LinkQueue {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<LinkRequest>(1024);
        tokio::spawn(async move {
            while let Some((address, task, ip)) = receiver.recv().await {
                if let Err(error) = app::accounts::send_portal_links(&services, &address, task, ip, clock.now()).await {
                    tracing::error!(error = %domain::text::redact_personal(&error.to_string()), "portal sign-in link not sent");
                }
            }
        });
        LinkQueue { sender }
    }

    fn request(&self, address: domain::text::EmailAddress, task: PortalTask, ip: Option<String>) {
        if self.sender.try_send((address, task, ip)).is_err() {
            tracing::warn!("portal sign-in link queue full: request dropped");
        }
    }
}

//! The case in the back office (STEP2–5): the case page with its timeline, contact log, status
//! check, course decision and the allowed actions; the staff work board; Tokyo's approvals; the
//! contact-deadline breach report.
//!
//! Every action is a form post (its token checked by the `csrf` layer) parsed into a command for
//! an `app::cases` use case; a refused action re-renders the page with the reason and what was typed.

use app::cases::{MessageText, Reason};
use app::{Actor, AppError, Invalid, Via};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::access::{Action, Role};
use domain::case::{CaseEvent, CaseState, ContactNote, StatusCheck};
use domain::eligibility::Industry;
use domain::programme::CourseCode;
use serde::Deserialize;
use store::applications::ApplicationRecord;
use store::audit::AuditRecord;
use store::cases::{CaseEventRecord, ContactRecord};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Staff;
use crate::auth::audit;
use crate::client::ClientIp;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::messages;
use crate::render::html;
use crate::views::{Row, course_label, row};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/applications/{id}", get(show_case))
        .route("/office/applications/{id}/contact", post(record_contact))
        .route("/office/applications/{id}/status-check", post(record_status_check))
        .route("/office/applications/{id}/course", post(decide_course))
        .route("/office/applications/{id}/event", post(apply_event))
        .route("/office/applications/{id}/assign", post(assign))
        .route("/office/applications/{id}/message", post(send_message))
        .route("/office/applications/{id}/emails", get(preview_emails))
        .route("/office/board", get(show_board))
        .route("/office/approvals", get(show_approvals).post(approve_or_return))
        .route("/office/approvals/confirm", post(confirm_approvals))
        .route("/static/approvals.js", get(approvals_script))
        .route("/office/reports/contact-breaches", get(contact_breaches))
        .route("/office/reports/timeline", get(timeline_export))
}

/// What the staff typed into the case page's forms, kept when an action is refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Draft {
    csrf: String,
    // contact
    contacted_at: String,
    channel: String,
    summary: String,
    rules_accepted: Option<String>,
    // status check
    connection_layout: String,
    free_hub_port: String,
    existing_utm: Option<String>,
    existing_utm_vendor: String,
    policy_status: String,
    notes: String,
    message: String,
    /// The ticked confirmation of an action that ends the case (`yes`).
    confirm: Option<String>,
    // course and events
    course: String,
    event: String,
    reason: String,
    assignee: String,
}

#[derive(Template)]
#[template(path = "office/application.html")]
struct CasePage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    row: Row,
    record: ApplicationRecord,
    state: CaseState,
    industry: &'static str,
    declarations: Vec<(&'static str, bool)>,
    audit: Vec<(String, AuditRecord)>,
    /// (when, event, action label, from-state label, to-state label, who)
    timeline: Vec<(String, CaseEventRecord, &'static str, &'static str, &'static str, String)>,
    contacts: Vec<(String, ContactRecord)>,
    messages: Vec<(String, store::portal::MessageRecord)>,
    /// Everyday events offered as buttons: (code, label, needs a reason).
    actions: Vec<(&'static str, &'static str, bool)>,
    /// Events that end the case or give up its place, set apart: (code, label, consequence).
    closing_actions: Vec<(&'static str, &'static str, &'static str)>,
    can_work: bool,
    can_check: bool,
    can_decide: bool,
    proposal: Option<(&'static str, &'static str)>,
    staff_users: Vec<(Uuid, String)>,
    draft: Draft,
    notice: Option<String>,
    problem: Option<String>,
    /// STEP0: the briefing seminars this company registered for, as lines to show.
    seminars: Vec<String>,
    /// Inquiries linked to the case: (id, reference, subject, status).
    inquiries: Vec<(Uuid, String, String, &'static str)>,
}

impl CasePage {
    fn checked(&self, value: &Option<String>) -> bool {
        value.is_some()
    }

    fn is_assignee(&self, id: &Uuid) -> bool {
        self.record.assignee_user_id == Some(*id)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CaseQuery {
    done: Option<String>,
}

async fn show_case(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Query(query): Query<CaseQuery>,
) -> Result<Response, PageError> {
    // Case readers open every case; Tokyo only those awaiting its approval, read-only.
    let record = app::cases::read(&state.services, &actor(&staff, ip), id, state.clock.now()).await?;
    let t = lang.t;
    let notice = query.done.as_deref().and_then(CaseEvent::from_code).map(|e| match t.en {
        true => format!("Recorded: {}.", e.label_en()),
        false => format!("「{}」を記録しました。", e.label_ja()),
    });
    let notice = notice.or_else(|| match query.done.as_deref() {
        Some("record_contact") => Some(t.s("連絡を記録しました。", "The contact is recorded.").into()),
        Some("assign") => Some(t.s("担当者を変更しました。", "The assignee is changed.").into()),
        Some("message") => Some(
            t.s(
                "メッセージを送信し、企業へ通知メールを送りました。",
                "The message is posted and the company is notified by e-mail.",
            )
            .into(),
        ),
        _ => None,
    });
    case_page(&state, lang.t, &staff, record, Draft::default(), notice, None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn case_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    record: ApplicationRecord,
    mut draft: Draft,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let id = record.id;
    let case_state = record.status;
    let trail = store::audit::for_subject(&state.db, "application", &id.to_string()).await?;
    let timeline = store::cases::timeline(&state.db, id).await?;
    let contacts = store::cases::contacts(&state.db, id).await?;
    let messages = store::portal::messages(&state.db, id).await?;
    let can_work = staff.user.role.can_work_cases();
    let offered: Vec<CaseEvent> = [
        CaseEvent::ConfirmIntent,
        CaseEvent::MarkNotInstallable,
        CaseEvent::MarkIneligible,
        CaseEvent::Withdraw,
        CaseEvent::Disqualify,
    ]
    .into_iter()
    .filter(|e| staff.user.role.may(Action::WorkCase(*e)))
    .filter(|e| domain::case::transition(case_state, *e).is_ok())
    .filter(|e| *e != CaseEvent::MarkNotInstallable || record.course_code == CourseCode::Utm)
    .collect();
    let actions = offered
        .iter()
        .filter(|e| closing_button(t, **e).is_none())
        .map(|e| (e.code(), t.pick(e.label_ja(), e.label_en()), e.needs_reason()))
        .collect();
    let closing_actions = offered
        .iter()
        .filter_map(|e| closing_button(t, *e).map(|(label, consequence)| (e.code(), label, consequence)))
        .collect();
    let staff_users = store::accounts::list_users(&state.db)
        .await?
        .into_iter()
        .filter(|u| u.is_active && u.role.can_work_cases())
        .map(|u| (u.id, u.display_name))
        .collect();
    if draft.contacted_at.is_empty() {
        draft.contacted_at =
            state.clock.now().with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%dT%H:%M").to_string();
    }
    if draft.course.is_empty() {
        draft.course = record.proposed_course.unwrap_or(record.course_code).code().to_string();
    }
    if let (Some(check), true) = (&record.status_check, draft.free_hub_port.is_empty()) {
        draft.connection_layout = check.connection_layout.clone();
        draft.free_hub_port = check.free_hub_port.code().to_string();
        draft.existing_utm = check.existing_utm.then(|| "yes".into());
        draft.existing_utm_vendor = check.existing_utm_vendor.clone().unwrap_or_default();
        draft.policy_status = check.policy_status.code().to_string();
        draft.notes = check.notes.clone().unwrap_or_default();
    } else if draft.free_hub_port.is_empty() {
        // Start from what the applicant stated on the form.
        let env = &record.environment;
        draft.connection_layout = env.connection_layout.clone().unwrap_or_default();
        draft.free_hub_port = env.free_hub_port.code().into();
        draft.existing_utm = env.existing_utm.then(|| "yes".into());
        draft.existing_utm_vendor = env.existing_utm_vendor.clone().unwrap_or_default();
        draft.policy_status = env.policy_status.code().into();
    }
    let proposal = record.status_check.as_ref().map(|check| {
        let (course, why) = domain::case::propose_course(check);
        (course_label(t, course), t.pick(why, domain::case::proposal_reason_en(check)))
    });
    let seminars = store::seminars::of_company(
        &state.db,
        record.programme_id,
        record.corporate_number.as_deref(),
        &record.contact_email,
        &record.company_name,
    )
    .await?
    .iter()
    .map(|(seminar, registration)| seminar_line(t, seminar, registration))
    .collect();
    let inquiry_filter = store::inquiries::Filter { application: Some(record.id), all: true, ..Default::default() };
    let inquiries = store::inquiries::list(&state.db, &inquiry_filter, 50)
        .await?
        .into_iter()
        .map(|i| (i.id, i.reference, i.subject, t.pick(i.status.label_ja(), i.status.label_en())))
        .collect();
    let d = &record.declarations;
    let page = CasePage {
        seminars,
        inquiries,
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        row: row(t, &record, state.clock.today()),
        state: case_state,
        industry: Industry::from_code(&record.industry).map(|i| t.pick(i.label_ja(), i.label_en())).unwrap_or(""),
        declarations: vec![
            (t.s("ア", "a"), d.a),
            (t.s("イ", "b"), d.b),
            (t.s("ウ", "c"), d.c),
            (t.s("エ", "d"), d.d),
            (t.s("オ", "e"), d.e),
            (t.s("カ", "f"), d.f),
            (t.s("キ", "g"), d.g),
        ],
        audit: trail
            .into_iter()
            .map(|mut a| {
                a.actor_label = actor_label(t, &a.actor_label);
                (t.datetime(&a.at), a)
            })
            .collect(),
        timeline: timeline
            .into_iter()
            .map(|e| {
                let label = CaseEvent::from_code(&e.event).map(|c| t.pick(c.label_ja(), c.label_en())).unwrap_or(
                    match e.event.as_str() {
                        "submit" => t.s("申込受付", "Application received"),
                        "record_contact" => t.s("連絡記録", "Contact recorded"),
                        "assign" => t.s("担当者変更", "Assignee changed"),
                        _ => "—",
                    },
                );
                let state_label =
                    |code: &str| CaseState::from_code(code).map(|s| t.pick(s.label_ja(), s.label_en())).unwrap_or("—");
                let (from, to) = (state_label(&e.from_state), state_label(&e.to_state));
                let who = actor_label(t, &e.actor_label);
                (t.datetime(&e.at), e, label, from, to, who)
            })
            .collect(),
        contacts: contacts.into_iter().map(|c| (t.datetime(&c.contacted_at), c)).collect(),
        messages: messages.into_iter().map(|m| (t.datetime(&m.created_at), m)).collect(),
        actions,
        closing_actions,
        can_work,
        can_check: can_work && domain::case::transition(case_state, CaseEvent::RecordStatusCheck).is_ok(),
        can_decide: can_work && domain::case::transition(case_state, CaseEvent::DecideCourse).is_ok(),
        proposal,
        staff_users,
        draft,
        notice,
        problem,
        record,
    };
    html(status, &page)
}

/// The button and the consequence of an event that ends the case or gives up its place: worded
/// so that none can be mistaken for another or for an everyday step.
fn closing_button(t: T, event: CaseEvent) -> Option<(&'static str, &'static str)> {
    let ends = t.s(
        "案件を終了し、確保していた枠を解放します（キャンセル待ちの企業が繰り上がります）。元に戻せません。",
        "ends the case and frees its place (the first waitlisted company moves up). It cannot be undone.",
    );
    Some(match event {
        CaseEvent::MarkNotInstallable => (
            t.s("UTM設置不可とする（機器を設置できない）", "Mark as UTM not installable"),
            t.s(
                "UTM設置不可とし、UTMコースの枠を解放します（キャンセル待ちの企業が繰り上がります）。",
                "marks the UTM as not installable and frees the UTM course place (the first waitlisted company moves up).",
            ),
        ),
        CaseEvent::MarkIneligible => (t.s("対象外とする（参加要件を満たさない）", "Mark as ineligible"), ends),
        CaseEvent::Withdraw => (t.s("辞退を記録する（企業からの申出）", "Record the company's withdrawal"), ends),
        CaseEvent::Disqualify => (t.s("参加取消（虚偽申告等）", "Disqualify (false statements etc.)"), ends),
        _ => return None,
    })
}

/// Ends an action: back to the case page with a notice, or the page again with the reason and
/// what was typed when the use case refused.
async fn finish(
    state: &AppState,
    t: T,
    staff: &Staff,
    id: Uuid,
    draft: Draft,
    done: &str,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/office/applications/{id}?done={done}")).into_response()),
        Err(AppError::Forbidden) => Err(PageError::Forbidden),
        Err(AppError::NotFound) => Err(PageError::NotFound),
        Err(error @ (AppError::Refused(_) | AppError::Invalid(_))) => {
            let message = messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            let record = store::applications::get(&state.db, id).await?;
            case_page(state, t, staff, record, draft, None, message, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Store(error)) => Err(error.into()),
    }
}

fn actor(staff: &Staff, ip: ClientIp) -> Actor {
    Actor::user(&staff.user, Via::Page, ip.to_db())
}

async fn record_contact(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(draft): Form<Draft>,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let note = ContactNote::parse(
        domain::case::parse_tokyo_minute(&draft.contacted_at),
        &draft.channel,
        &draft.summary,
        draft.rules_accepted.is_some(),
        now,
    );
    let result = match note {
        Ok(note) => app::cases::record_contact(&state.services, &actor(&staff, ip), id, note, now).await.map(|_| ()),
        Err(problem) => Err(Invalid::Contact(problem).into()),
    };
    let done = if draft.rules_accepted.is_some() { CaseEvent::CompleteApplication.code() } else { "record_contact" };
    finish(&state, lang.t, &staff, id, draft, done, result).await
}

async fn record_status_check(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(draft): Form<Draft>,
) -> Result<Response, PageError> {
    let check = StatusCheck::parse(
        &draft.connection_layout,
        &draft.free_hub_port,
        draft.existing_utm.is_some(),
        &draft.existing_utm_vendor,
        &draft.policy_status,
        &draft.notes,
    );
    let result = match check {
        Ok(check) => app::cases::record_status_check(&state.services, &actor(&staff, ip), id, check, state.clock.now())
            .await
            .map(|_| ()),
        Err(problem) => Err(Invalid::StatusCheck(problem).into()),
    };
    finish(&state, lang.t, &staff, id, draft, CaseEvent::RecordStatusCheck.code(), result).await
}

async fn decide_course(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(draft): Form<Draft>,
) -> Result<Response, PageError> {
    let result = match CourseCode::from_code(&draft.course) {
        None => Err(Invalid::UnknownCourse(draft.course.clone()).into()),
        Some(course) => match Reason::parse(&draft.reason) {
            Ok(reason) => {
                app::cases::decide_course(&state.services, &actor(&staff, ip), id, course, reason, state.clock.now())
                    .await
                    .map(|_| ())
            }
            Err(invalid) => Err(invalid.into()),
        },
    };
    finish(&state, lang.t, &staff, id, draft, CaseEvent::DecideCourse.code(), result).await
}

async fn apply_event(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(draft): Form<Draft>,
) -> Result<Response, PageError> {
    let event = CaseEvent::from_code(&draft.event)
        .ok_or_else(|| PageError::bad_request("不明な操作です。", "Unknown action."))?;
    let actor = actor(&staff, ip);
    // An action that ends the case goes ahead only with its confirmation ticked (the page's
    // checkbox is `required`; a post without it is refused here too), after the permission check.
    let unconfirmed = closing_button(lang.t, event).is_some() && draft.confirm.as_deref() != Some("yes");
    let result = match Reason::parse(&draft.reason) {
        _ if unconfirmed => actor.require(Action::WorkCase(event)).and(Err(Invalid::NotConfirmed.into())),
        Ok(reason) => {
            app::cases::apply_event(&state.services, &actor, id, event, reason, state.clock.now()).await.map(|_| ())
        }
        Err(invalid) => Err(invalid.into()),
    };
    finish(&state, lang.t, &staff, id, draft, event.code(), result).await
}

async fn assign(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(draft): Form<Draft>,
) -> Result<Response, PageError> {
    let result = match draft.assignee.as_str() {
        "" => Ok(None),
        value => value.parse::<Uuid>().map(Some).map_err(|_| AppError::from(Invalid::UnknownAssignee)),
    };
    let result = match result {
        Ok(assignee) => app::cases::assign(&state.services, &actor(&staff, ip), id, assignee, state.clock.now()).await,
        Err(error) => Err(error),
    };
    finish(&state, lang.t, &staff, id, draft, "assign", result).await
}

async fn send_message(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(draft): Form<Draft>,
) -> Result<Response, PageError> {
    let result = match MessageText::parse(&draft.message) {
        Ok(text) => app::cases::post_message(&state.services, &actor(&staff, ip), id, text, state.clock.now()).await,
        Err(invalid) => Err(invalid.into()),
    };
    finish(&state, lang.t, &staff, id, draft, "message", result).await
}

#[derive(Template)]
#[template(path = "office/emails.html")]
struct EmailsPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    record: ApplicationRecord,
    /// (when it is sent in Japanese and English, the e-mail as this company would receive it)
    emails: Vec<((&'static str, &'static str), store::outbox::OutgoingEmail)>,
}

/// Every e-mail a step sends, rendered for this case, so staff see the words before acting.
async fn preview_emails(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    staff.require(Role::can_work_cases)?;
    let record = store::applications::get(&state.db, id).await?;
    audit(&state, &staff, ip, "email.preview", Some(id.to_string()), serde_json::json!({})).await?;
    let letter = app::mail::letter(&state.services.mail, &state.db, &record).await?;
    let notice = |subject: &app::mail::Subject, task| app::mail::message_notice(&letter, &record, subject, task);
    use app::mail::subject;
    use domain::portal::PortalTask;
    let (to, reference) = (record.contact_email.as_str(), record.reference.as_str());
    let month = state.clock.now().with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m").to_string();
    let emails = vec![
        (
            ("企業ページへのログインを求められたとき", "When the company asks for a sign-in link"),
            app::mail::portal_link(&letter, to, reference, "(token)", PortalTask::Home),
        ),
        (
            ("事務局がメッセージを送ったとき", "When the secretariat posts a message"),
            notice(&subject::MESSAGE, PortalTask::Messages),
        ),
        (("東京都が承認したとき", "When Tokyo approves"), notice(&subject::APPROVED, PortalTask::Intent)),
        (
            ("キャンセル待ちから繰り上がったとき", "When a place frees up for a waitlisted application"),
            notice(&subject::PROMOTED, PortalTask::Home),
        ),
        (
            ("参加同意書を送付するとき（STEP4）", "When the agreement is sent (STEP 4)"),
            app::mail::agreement_sent(&letter, &record),
        ),
        (
            (
                "参加同意書の受領を確認したとき（STEP5・参加確定）",
                "When the agreement is confirmed (STEP 5, participation confirmed)",
            ),
            app::mail::participation_confirmed(&letter, &record),
        ),
        (
            ("UTM月次レポートを公開したとき", "When a UTM monthly report is released"),
            notice(&subject::report_released(&month), PortalTask::Reports),
        ),
    ];
    let page = EmailsPage {
        t: lang.t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        record,
        emails,
    };
    html(StatusCode::OK, &page)
}

/// A case on the work board.
struct BoardItem {
    row: Row,
    assignee: String,
    state_label: &'static str,
}

#[derive(Template)]
#[template(path = "office/board.html")]
struct BoardPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    overdue: Vec<BoardItem>,
    due_today: Vec<BoardItem>,
    awaiting_contact: Vec<BoardItem>,
    awaiting_tokyo: Vec<BoardItem>,
    in_progress: Vec<BoardItem>,
    by_assignee: Vec<(String, usize, usize)>,
    /// The last day the holiday table covers, when it ends within 12 months.
    holidays_run_out: Option<String>,
}

async fn show_board(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
) -> Result<Response, PageError> {
    staff.require_may(Action::ReadCases)?;
    let t = lang.t;
    let Some(programme) = store::programmes::current(&state.db).await? else {
        return Err(PageError::bad_request("現在の年度が設定されていません。", "No programme year is current."));
    };
    let filter = store::applications::ApplicationFilter {
        programme_id: Some(programme.id),
        sort: store::applications::SortKey::ContactDue,
        ..Default::default()
    };
    let records = store::applications::list_all(&state.db, &filter).await?;
    audit(&state, &staff, ip, "application.board", None, serde_json::json!({"cases": records.len()})).await?;
    let users: std::collections::HashMap<Uuid, String> =
        store::accounts::list_users(&state.db).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let today = state.clock.today();
    let covered = store::holidays::covered_until(&state.db).await?;
    let holidays_run_out = domain::calendar::holiday_table_runs_out(covered, today)
        .then(|| covered.map(|day| t.date(&day)).unwrap_or_else(|| "—".into()));
    let item = |r: &ApplicationRecord| BoardItem {
        row: row(t, r, today),
        assignee: r
            .assignee_user_id
            .and_then(|id| users.get(&id).cloned())
            .unwrap_or_else(|| t.s("未割当", "Unassigned").into()),
        state_label: t.pick(r.status.label_ja(), r.status.label_en()),
    };
    let uncontacted = |r: &&ApplicationRecord| domain::case::contact_pending(r.status, r.first_contact_at);
    let overdue =
        |r: &&ApplicationRecord| domain::case::contact_overdue(r.status, r.first_contact_at, r.contact_due, today);
    let mut by_assignee: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for r in records.iter().filter(|r| !r.status.is_closed() && r.status != CaseState::Confirmed) {
        let name = r
            .assignee_user_id
            .and_then(|id| users.get(&id).cloned())
            .unwrap_or_else(|| t.s("未割当", "Unassigned").into());
        let entry = by_assignee.entry(name).or_default();
        entry.0 += 1;
        if overdue(&r) {
            entry.1 += 1;
        }
    }
    let page = BoardPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        overdue: records.iter().filter(overdue).map(item).collect(),
        due_today: records.iter().filter(uncontacted).filter(|r| r.contact_due == today).map(item).collect(),
        awaiting_contact: records.iter().filter(uncontacted).filter(|r| r.contact_due > today).map(item).collect(),
        awaiting_tokyo: records.iter().filter(|r| r.status == CaseState::CourseDecided).map(item).collect(),
        in_progress: records
            .iter()
            .filter(|r| {
                matches!(
                    r.status,
                    CaseState::Contacted
                        | CaseState::StatusChecked
                        | CaseState::Approved
                        | CaseState::IntentConfirmed
                        | CaseState::AgreementSent
                ) || (r.status == CaseState::Received && r.first_contact_at.is_some())
            })
            .map(item)
            .collect(),
        by_assignee: by_assignee.into_iter().map(|(name, (open, overdue))| (name, open, overdue)).collect(),
        holidays_run_out,
    };
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "office/approvals.html")]
struct ApprovalsPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    cases: Vec<(Row, String, i32, &'static str)>,
    notice: Option<String>,
    problem: Option<String>,
    /// Whether this role approves and returns (else the list is read-only).
    can_decide: bool,
    /// The cases ticked, kept when the form comes back (an error, or back from the confirmation).
    selected: Vec<Uuid>,
    reason: String,
}

impl ApprovalsPage {
    fn is_selected(&self, id: &Uuid) -> bool {
        self.selected.contains(id)
    }
}

/// What the approvals form sends: the ticked cases, the action and the reason for returning.
struct ApprovalsForm {
    event: Option<CaseEvent>,
    cases: Vec<Uuid>,
    reason: String,
}

impl ApprovalsForm {
    fn parse(pairs: &[(String, String)]) -> ApprovalsForm {
        let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("");
        let event = match value("action") {
            "approve" => Some(CaseEvent::Approve),
            "return" => Some(CaseEvent::ReturnToSecretariat),
            _ => None,
        };
        let mut cases: Vec<Uuid> = Vec::new();
        for id in pairs.iter().filter(|(k, _)| k == "case").filter_map(|(_, v)| v.parse().ok()) {
            if !cases.contains(&id) {
                cases.push(id);
            }
        }
        ApprovalsForm { event, cases, reason: value("reason").to_string() }
    }
}

#[allow(clippy::too_many_arguments)]
async fn approvals_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    notice: Option<String>,
    problem: Option<String>,
    selected: Vec<Uuid>,
    reason: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let programme = store::programmes::current(&state.db).await?;
    let filter = store::applications::ApplicationFilter {
        programme_id: programme.map(|p| p.id),
        status: Some(CaseState::CourseDecided),
        ..Default::default()
    };
    let records = store::applications::list_all(&state.db, &filter).await?;
    let today = state.clock.today();
    let page = ApprovalsPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        cases: records
            .iter()
            .map(|r| {
                let industry =
                    Industry::from_code(&r.industry).map(|i| t.pick(i.label_ja(), i.label_en())).unwrap_or("");
                (row(t, r, today), industry.to_string(), r.employees, course_label(t, r.course_code))
            })
            .collect(),
        notice,
        problem,
        can_decide: staff.user.role.may(Action::WorkCase(CaseEvent::Approve)),
        selected,
        reason,
    };
    html(status, &page)
}

/// Tokyo's list; `?case=…` ticks those cases (the way back from the confirmation).
async fn show_approvals(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    staff.require_may(Action::ReadApprovals)?;
    audit(&state, &staff, ip, "application.approvals_view", None, serde_json::json!({})).await?;
    let selected = ApprovalsForm::parse(&pairs).cases;
    approvals_page(&state, lang.t, &staff, None, None, selected, String::new(), StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "office/approvals_confirm.html")]
struct ApprovalsConfirmPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    approve: bool,
    /// (case id, reference, company, course, awaiting approval)
    cases: Vec<(Uuid, String, String, &'static str, bool)>,
    reason: String,
    back: String,
}

/// The step between ticking and deciding: lists the cases and what will happen to them, and
/// carries them to the approval (or return) itself. Nothing changes here.
async fn confirm_approvals(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let form = ApprovalsForm::parse(&pairs);
    let Some(event) = form.event else {
        return Err(PageError::bad_request("不明な操作です。", "Unknown action."));
    };
    staff.require_may(Action::WorkCase(event))?;
    let problem = if form.cases.is_empty() {
        messages::for_error(&AppError::Invalid(Invalid::NothingSelected))
    } else if event.needs_reason() && domain::text::normalize(&form.reason).is_empty() {
        Some(messages::refusal(&domain::refusal::Refusal::ReasonRequired(event)))
    } else {
        None
    };
    if let Some(problem) = problem {
        let problem = Some(t.pick(&problem.ja, &problem.en).to_string());
        return approvals_page(
            &state,
            t,
            &staff,
            None,
            problem,
            form.cases,
            form.reason,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let mut cases = Vec::new();
    for id in &form.cases {
        match store::applications::get(&state.db, *id).await {
            Ok(r) => cases.push((
                r.id,
                r.reference.clone(),
                r.company_name.clone(),
                course_label(t, r.course_code),
                r.status == CaseState::CourseDecided,
            )),
            Err(store::StoreError::NotFound) => {}
            Err(other) => return Err(other.into()),
        }
    }
    audit(
        &state,
        &staff,
        ip,
        "application.approvals_confirm",
        None,
        serde_json::json!({"action": event.code(), "cases": cases.iter().map(|c| c.1.clone()).collect::<Vec<_>>()}),
    )
    .await?;
    let back =
        format!("/office/approvals?{}", cases.iter().map(|c| format!("case={}", c.0)).collect::<Vec<_>>().join("&"));
    let page = ApprovalsConfirmPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        approve: event == CaseEvent::Approve,
        cases,
        reason: form.reason,
        back,
    };
    html(StatusCode::OK, &page)
}

/// The select-all box of the approvals list: shown and wired only when scripts run; the list
/// works without it.
async fn approvals_script() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/approvals.js"),
    )
        .into_response()
}

async fn approve_or_return(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = ApprovalsForm::parse(&pairs);
    let Some(event) = form.event else {
        return Err(PageError::bad_request("不明な操作です。", "Unknown action."));
    };
    let ids = form.cases;
    let t = lang.t;
    let outcome = match Reason::parse(&form.reason) {
        Ok(reason) => {
            app::cases::decide_batch(&state.services, &actor(&staff, ip), &ids, event, reason, state.clock.now()).await
        }
        Err(invalid) => Err(invalid.into()),
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(AppError::Forbidden) => return Err(PageError::Forbidden),
        Err(error @ (AppError::Invalid(_) | AppError::Refused(_) | AppError::NotFound)) => {
            let problem = messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            return approvals_page(
                &state,
                t,
                &staff,
                None,
                problem,
                ids,
                form.reason,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(AppError::Store(error)) => return Err(error.into()),
    };
    let verb = if event == CaseEvent::Approve { t.s("承認", "approved") } else { t.s("差戻し", "returned") };
    let done = outcome.done.len();
    let notice = (done > 0)
        .then(|| t.pick(&format!("{done}件を{verb}しました。"), &format!("{done} case(s) {verb}.")).to_string());
    let mut problems: Vec<String> = outcome
        .refused
        .iter()
        .filter_map(|(_, error)| messages::for_error(error))
        .map(|m| t.pick(&m.ja, &m.en).to_string())
        .collect();
    problems.dedup();
    let problem = (!problems.is_empty()).then(|| problems.join(" / "));
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    // The cases refused stay ticked, with the reason typed, to be dealt with again.
    let (selected, reason) = if problem.is_some() {
        (outcome.refused.iter().map(|(id, _)| *id).collect(), form.reason)
    } else {
        (Vec::new(), String::new())
    };
    approvals_page(&state, t, &staff, notice, problem, selected, reason, status).await
}

/// Every timeline event of the current programme year's cases, for audits and the funder.
async fn timeline_export(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    staff.require_may(Action::ReadCases)?;
    let Some(programme) = store::programmes::current(&state.db).await? else {
        return Err(PageError::bad_request("現在の年度が設定されていません。", "No programme year is current."));
    };
    let filter = store::applications::ApplicationFilter { programme_id: Some(programme.id), ..Default::default() };
    let records = store::applications::list_all(&state.db, &filter).await?;
    let mut table = documents::Table::new(["申込番号", "会社名", "日時", "操作", "変更前", "変更後", "操作者", "理由"]);
    for record in &records {
        for event in store::cases::timeline(&state.db, record.id).await? {
            let label =
                CaseEvent::from_code(&event.event).map(|e| e.label_ja()).unwrap_or(event.event.as_str()).to_string();
            let state_label = |code: &str| CaseState::from_code(code).map(|s| s.label_ja()).unwrap_or("").to_string();
            table.push([
                documents::Cell::from(record.reference.as_str()),
                documents::Cell::from(record.company_name.as_str()),
                crate::render::tokyo_cell(Some(event.at)),
                documents::Cell::from(label),
                documents::Cell::from(state_label(&event.from_state)),
                documents::Cell::from(state_label(&event.to_state)),
                documents::Cell::from(event.actor_label.as_str()),
                documents::Cell::from(event.reason.clone()),
            ]);
        }
    }
    audit(&state, &staff, ip, "report.timeline", None, serde_json::json!({"rows": table.rows.len()})).await?;
    crate::render::export(table, query.format.as_deref().unwrap_or("csv"), "経過", "case-timeline", state.clock.today())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReportQuery {
    format: Option<String>,
}

/// Cases contacted later than 3 business days (or still uncontacted past the due date),
/// exportable for the funder.
async fn contact_breaches(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    staff.require_may(Action::ReadApprovals)?;
    let Some(programme) = store::programmes::current(&state.db).await? else {
        return Err(PageError::bad_request("現在の年度が設定されていません。", "No programme year is current."));
    };
    let breaches = store::cases::breaches(&state.db, programme.id, &state.calendar, state.clock.today()).await?;
    let mut table = documents::Table::new(["申込番号", "会社名", "受付日時", "連絡期限", "初回連絡日", "超過営業日数"]);
    for b in &breaches {
        table.push([
            documents::Cell::from(b.reference.as_str()),
            documents::Cell::from(b.company_name.as_str()),
            crate::render::tokyo_cell(Some(b.received_at)),
            documents::Cell::from(b.contact_due),
            b.contacted_on.map_or(documents::Cell::from("未連絡"), documents::Cell::from),
            documents::Cell::from(b.business_days_late),
        ]);
    }
    audit(&state, &staff, ip, "report.contact_breaches", None, serde_json::json!({"rows": breaches.len()})).await?;
    crate::render::export(
        table,
        query.format.as_deref().unwrap_or("csv"),
        "連絡期限超過",
        "contact-breaches",
        state.clock.today(),
    )
}

/// Who did something, as the timeline and the audit trail show it: Kojo's own actors in words,
/// people by the name and address recorded.
fn actor_label(t: T, label: &str) -> String {
    match label {
        "applicant" => t.s("申込者（Webフォーム）", "Applicant (web form)").to_string(),
        "system:waitlist" => t.s("システム（繰上げ）", "System (waitlist)").to_string(),
        other => other.to_string(),
    }
}

/// 「説明会参加：令和5年9月6日（水）（会場）」, or registered but not (yet) seen attending.
fn seminar_line(
    t: T,
    seminar: &store::seminars::SeminarRecord,
    registration: &store::seminars::RegistrationRecord,
) -> String {
    let date = seminar.starts_at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let date = if t.en { date.format("%-d %B %Y").to_string() } else { domain::wareki::format_date_with_weekday(date) };
    let mode = t.pick(registration.mode.label_ja(), registration.mode.label_en());
    let what = match (registration.attended_at.is_some(), registration.status) {
        (true, _) => t.s("説明会参加", "Attended the seminar"),
        (false, domain::seminar::RegistrationStatus::Held) => {
            t.s("説明会申込（出席未確認）", "Registered (attendance not recorded)")
        }
        (false, _) => t.s("説明会キャンセル待ち", "Seminar waiting list"),
    };
    format!("{what}{}{date}{}{mode}{}", t.s("：", ": "), t.s("（", " ("), t.s("）", ")"))
}

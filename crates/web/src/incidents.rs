//! The course ① incident desk's pages: the desk's board (what breaches next first; filter,
//! search, export), a ticket with its timeline and the desk's actions, opening a ticket for a
//! call or an e-mail, dispatch scheduling and the visit record, the month's figures (no company
//! named: Tokyo reads them too); and the company's own tickets in the portal. Every change goes
//! through `app::incidents`; this module parses and renders.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Duration;
use domain::access::Action;
use domain::incident::{
    Category, Channel, ClockReading, RemoteAction, Severity, TicketEvent, TicketInput, TicketStatus,
};
use serde::Deserialize;
use store::incidents::{AttachmentRecord, DetectionRecord, DispatchKind, DispatchRecord, EventKind, TicketRecord};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CompanyUser, Staff};
use crate::client::ClientIp;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;

/// Largest file a ticket takes (as the agreement's scan).
pub(crate) const MAX_FILE_BYTES: usize = crate::agreement::MAX_UPLOAD_BYTES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/incidents", get(board_page).post(open_for_company))
        .route("/office/incidents/new", get(new_page))
        .route("/office/incidents/figures", get(figures_page))
        .route("/office/incidents/{id}", get(office_ticket).post(office_action))
        .route(
            "/office/incidents/{id}/files",
            post(office_upload).layer(crate::upload_limit("/office/incidents/{id}/files")),
        )
        .route("/office/incidents/{id}/files/{file}", get(office_file))
        .route("/office/dispatches/{id}", post(dispatch_action))
        .route("/office/trial-ends", get(trial_ends_page).post(schedule_removal))
        .route("/portal/incidents", get(portal_list).post(portal_open))
        .route("/portal/incidents/{id}", get(portal_ticket).post(portal_reply))
        .route(
            "/portal/incidents/{id}/files",
            post(portal_upload).layer(crate::upload_limit("/portal/incidents/{id}/files")),
        )
        .route("/portal/incidents/{id}/files/{file}", get(portal_file))
}

fn parse_id(raw: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| PageError::NotFound)
}

fn staff_actor(staff: &Staff, ip: &ClientIp) -> app::Actor {
    app::Actor::user(&staff.user, app::Via::Page, ip.to_db())
}

fn company_actor(company: &CompanyUser, ip: &ClientIp) -> app::Actor {
    app::Actor::user(&company.user, app::Via::Page, ip.to_db())
}

/// "2時間10分" / "2 h 10 min".
fn span(t: T, duration: Duration) -> String {
    let minutes = duration.num_minutes().max(0);
    let (days, hours, mins) = (minutes / (24 * 60), (minutes / 60) % 24, minutes % 60);
    if t.en {
        match (days, hours) {
            (0, 0) => format!("{mins} min"),
            (0, _) => format!("{hours} h {mins} min"),
            _ => format!("{days} d {hours} h"),
        }
    } else {
        match (days, hours) {
            (0, 0) => format!("{mins}分"),
            (0, _) => format!("{hours}時間{mins}分"),
            _ => format!("{days}日{hours}時間"),
        }
    }
}

/// One SLA clock as the pages show it: a word for the state and a class for its colour.
struct ClockView {
    text: String,
    class: &'static str,
}

fn clock_view(t: T, reading: ClockReading) -> ClockView {
    match reading {
        ClockReading::Running { left, due } => ClockView {
            text: format!(
                "{}{}{}",
                t.s("残り", ""),
                span(t, left),
                if t.en {
                    format!(" left (due {})", t.datetime(&due))
                } else {
                    format!("（期限 {}）", t.datetime(&due))
                }
            ),
            class: if left < Duration::minutes(30) { "badge-flag" } else { "badge-ok" },
        },
        ClockReading::Paused { left } => ClockView {
            text: format!(
                "{}{}",
                t.s("一時停止（お客様の回答待ち）・残り", "Paused (waiting for the company), left: "),
                span(t, left)
            ),
            class: "badge-waitlist",
        },
        ClockReading::Met { at } => {
            ClockView { text: format!("{}{}", t.s("達成 ", "Met "), t.datetime(&at)), class: "badge-ok" }
        }
        ClockReading::Breached { by } => {
            ClockView { text: format!("{}{}", t.s("超過 ", "Breached by "), span(t, by)), class: "badge-danger" }
        }
    }
}

fn severity_label(t: T, severity: Severity) -> &'static str {
    if t.en { severity.code() } else { severity.label_ja() }
}

fn status_label(t: T, status: TicketStatus) -> &'static str {
    if t.en { status.code() } else { status.label_ja() }
}

// ---------------------------------------------------------------------------------------------
// The desk's board.

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct BoardQuery {
    /// `open` (default), `all`, or a status code.
    status: String,
    severity: String,
    category: String,
    q: String,
    format: String,
}

impl BoardQuery {
    fn keep(&self, ticket: &TicketRecord) -> bool {
        let status_ok = match self.status.as_str() {
            "" | "open" => ticket.is_open(),
            "all" => true,
            code => TicketStatus::from_code(code).is_none_or(|s| ticket.status == s),
        };
        let severity_ok = Severity::from_code(&self.severity).is_none_or(|s| ticket.severity == s);
        let category_ok = Category::from_code(&self.category).is_none_or(|c| ticket.category == c);
        let needle = domain::text::normalize(&self.q).to_lowercase();
        let text_ok = needle.is_empty()
            || [&ticket.reference, &ticket.company_name, &ticket.subject]
                .iter()
                .any(|field| domain::text::normalize(field).to_lowercase().contains(&needle));
        status_ok && severity_ok && category_ok && text_ok
    }

    fn query_string(&self) -> String {
        let pairs =
            [("status", &self.status), ("severity", &self.severity), ("category", &self.category), ("q", &self.q)];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::office::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

struct BoardRowView {
    ticket: TicketRecord,
    category: &'static str,
    severity: &'static str,
    status: &'static str,
    channel: &'static str,
    opened: String,
    response: ClockView,
    resolution: ClockView,
    assignee: String,
}

#[derive(Template)]
#[template(path = "office/incidents.html")]
struct BoardPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    rows: Vec<BoardRowView>,
    total: usize,
    query: BoardQuery,
    query_string: String,
    can_work: bool,
    statuses: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
}

fn choices<X: Copy>(
    items: &[X],
    code: fn(X) -> &'static str,
    label: impl Fn(X) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    items.iter().map(|&x| (code(x), label(x))).collect()
}

async fn board_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = staff_actor(&staff, &ip);
    let now = state.clock.now();
    let rows = app::incidents::board(&state.services, &actor, now).await?;
    let members = app::incidents::desk_members(&state.services, &actor).await?;
    let name_of = |id: Option<Uuid>| {
        id.and_then(|id| members.iter().find(|m| m.id == id)).map(|m| m.display_name.clone()).unwrap_or_default()
    };
    let total = rows.len();
    let kept: Vec<_> = rows.into_iter().filter(|row| query.keep(&row.ticket)).collect();
    if !query.format.is_empty() {
        return export(&state, &actor, &query.format, kept, &name_of).await;
    }
    let views = kept
        .into_iter()
        .map(|row| BoardRowView {
            category: t.pick(row.ticket.category.label_ja(), row.ticket.category.label_en()),
            severity: severity_label(t, row.ticket.severity),
            status: status_label(t, row.ticket.status),
            channel: t.pick(row.ticket.channel.label_ja(), row.ticket.channel.label_en()),
            opened: t.datetime(&row.ticket.opened_at),
            response: clock_view(t, row.clocks.first_response),
            resolution: clock_view(t, row.clocks.resolution),
            assignee: name_of(row.ticket.assignee_id),
            ticket: row.ticket,
        })
        .collect();
    let page = BoardPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        rows: views,
        total,
        query_string: query.query_string(),
        query,
        can_work: staff.user.role.may(Action::WorkIncidents),
        statuses: choices(&TicketStatus::ALL, TicketStatus::code, |s| t.pick(s.label_ja(), s.code())),
        severities: choices(&Severity::ALL, Severity::code, |s| t.pick(s.label_ja(), s.code())),
        categories: choices(&Category::ALL, Category::code, |c| t.pick(c.label_ja(), c.label_en())),
    };
    html(StatusCode::OK, &page)
}

const EXPORT_HEADERS: [&str; 15] = [
    "受付番号",
    "企業名",
    "受付経路",
    "種類",
    "緊急度",
    "状態",
    "件名",
    "担当者",
    "受付日時",
    "初動日時",
    "解決日時",
    "完了日時",
    "初動SLA超過",
    "解決SLA超過",
    "検知件数",
];

async fn export(
    state: &AppState,
    actor: &app::Actor,
    format: &str,
    rows: Vec<app::incidents::BoardRow>,
    name_of: &impl Fn(Option<Uuid>) -> String,
) -> Result<Response, PageError> {
    use documents::Cell;
    let mut table = documents::Table::new(EXPORT_HEADERS);
    for row in &rows {
        let t = &row.ticket;
        table.push(vec![
            Cell::from(t.reference.as_str()),
            Cell::from(t.company_name.as_str()),
            Cell::from(t.channel.label_ja()),
            Cell::from(t.category.label_ja()),
            Cell::from(t.severity.label_ja()),
            Cell::from(t.status.label_ja()),
            Cell::from(t.subject.as_str()),
            Cell::from(name_of(t.assignee_id)),
            crate::render::tokyo_cell(Some(t.opened_at)),
            crate::render::tokyo_cell(t.first_response_at),
            crate::render::tokyo_cell(t.resolved_at),
            crate::render::tokyo_cell(t.closed_at),
            Cell::from(if t.response_breached_at.is_some() { "超過" } else { "" }),
            Cell::from(if t.resolution_breached_at.is_some() { "超過" } else { "" }),
            Cell::from(t.detection_count as i64),
        ]);
    }
    // Built first (an unknown format is refused by `export`), audited once it exists.
    let response = crate::render::export(table, format, "インシデント", "incidents", state.clock.today())?;
    store::audit::record(
        &state.db,
        store::audit::NewAuditEntry {
            actor: actor.audit(),
            action: "incident.export",
            subject_type: "incident_ticket",
            subject_id: None,
            ip: actor.ip(),
            detail: serde_json::json!({"rows": rows.len(), "format": format}),
        },
        state.clock.now(),
    )
    .await?;
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Opening a ticket for a call or an e-mail.

#[derive(Template)]
#[template(path = "office/incident_new.html")]
struct NewPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    companies: Vec<(Uuid, String)>,
    form: OpenForm,
    issues: domain::application::FieldIssues,
    problem: Option<String>,
    severities: Vec<(&'static str, &'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct OpenForm {
    application: String,
    channel: String,
    category: String,
    severity: String,
    subject: String,
    description: String,
}

impl OpenForm {
    fn input(&self) -> TicketInput {
        TicketInput {
            category: self.category.clone(),
            severity: self.severity.clone(),
            subject: self.subject.clone(),
            description: self.description.clone(),
        }
    }
}

fn issue<'a>(issues: &'a domain::application::FieldIssues, t: T, field: &str) -> Option<&'a str> {
    issues.get(field).map(|i| if t.en { i.en.as_str() } else { i.ja.as_str() })
}

fn severity_choices(t: T) -> Vec<(&'static str, &'static str, &'static str)> {
    Severity::ALL
        .into_iter()
        .map(|s| (s.code(), t.pick(s.label_ja(), s.code()), t.pick(s.meaning_ja(), s.meaning_en())))
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_new(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: &ClientIp,
    form: OpenForm,
    issues: domain::application::FieldIssues,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = staff_actor(staff, ip);
    let companies = app::incidents::participants(&state.services, &actor)
        .await?
        .into_iter()
        .map(|case| (case.id, format!("{}（{}）", case.company_name, case.reference)))
        .collect();
    let page = NewPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        companies,
        form,
        issues,
        problem,
        severities: severity_choices(t),
        categories: choices(&Category::ALL, Category::code, |c| t.pick(c.label_ja(), c.label_en())),
    };
    html(status, &page)
}

async fn new_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
) -> Result<Response, PageError> {
    let form = OpenForm { channel: "phone".into(), severity: "medium".into(), ..Default::default() };
    render_new(&state, lang.t, &staff, &ip, form, Default::default(), None, StatusCode::OK).await
}

async fn open_for_company(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<OpenForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = staff_actor(&staff, &ip);
    let Ok(application) = Uuid::parse_str(form.application.trim()) else {
        let mut issues = domain::application::FieldIssues::default();
        issues.0.push(domain::application::FieldIssue {
            field: "application",
            ja: "企業を選択してください".into(),
            en: "Choose the company".into(),
        });
        return render_new(&state, t, &staff, &ip, form, issues, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let channel = Channel::from_code(&form.channel).unwrap_or(Channel::Phone);
    match app::incidents::open_for(&state.services, &actor, application, channel, &form.input(), state.clock.now())
        .await
    {
        Ok(ticket) => Ok(Redirect::to(&format!("/office/incidents/{}", ticket.id)).into_response()),
        Err(app::incidents::OpenError::Invalid(issues)) => {
            render_new(&state, t, &staff, &ip, form, issues, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(app::incidents::OpenError::App(error @ (app::AppError::Refused(_) | app::AppError::NotFound))) => {
            let message = crate::messages::for_error(&error)
                .map(|m| t.pick(&m.ja, &m.en).to_string())
                .unwrap_or_else(|| t.s("この企業は選べません", "This company cannot be chosen").to_string());
            render_new(
                &state,
                t,
                &staff,
                &ip,
                form,
                Default::default(),
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(app::incidents::OpenError::App(other)) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A ticket.

struct EventView {
    at: String,
    who: String,
    from_company: bool,
    kind: &'static str,
    what: String,
    body: String,
    internal: bool,
    attachment: Option<Uuid>,
}

fn event_view(t: T, event: &store::incidents::EventRecord) -> EventView {
    let what = match event.kind {
        EventKind::Opened => t.s("受付", "Opened").to_string(),
        EventKind::Status => match event.status_to {
            Some(status) => format!("{}{}", t.s("状態：", "Status: "), status_label(t, status)),
            None => t.s("状態の変更", "Status changed").to_string(),
        },
        EventKind::Message => t.s("メッセージ", "Message").to_string(),
        EventKind::Note => t.s("内部メモ", "Internal note").to_string(),
        EventKind::RemoteAction => match event.action {
            Some(action) => {
                format!("{}{}", t.s("遠隔対応：", "Remote action: "), t.pick(action.label_ja(), action.label_en()))
            }
            None => t.s("遠隔対応", "Remote action").to_string(),
        },
        EventKind::Assigned => t.s("担当者の変更", "Assigned").to_string(),
        EventKind::Severity => t.s("種類・緊急度の変更", "Category / severity changed").to_string(),
        EventKind::Detections => t.s("同じ検知の追加", "More of the same detection").to_string(),
        EventKind::Dispatch => t.s("訪問", "Visit").to_string(),
        EventKind::Breach => t.s("SLA超過", "SLA breach").to_string(),
        EventKind::Attachment => t.s("ファイル", "File").to_string(),
    };
    let body = match event.kind {
        EventKind::Detections => {
            if t.en {
                format!("{} more detections", event.body)
            } else {
                format!("{}件の検知を追加しました", event.body)
            }
        }
        EventKind::Breach => match event.body.as_str() {
            "first_response" => t.s("初動の目標時間を超過しました", "First-response target passed").to_string(),
            _ => t.s("解決の目標時間を超過しました", "Resolution target passed").to_string(),
        },
        EventKind::Severity => event
            .body
            .split_once(" / ")
            .and_then(|(c, s)| Some((Category::from_code(c)?, Severity::from_code(s)?)))
            .map(|(c, s)| format!("{} / {}", t.pick(c.label_ja(), c.label_en()), severity_label(t, s)))
            .unwrap_or_else(|| event.body.clone()),
        _ => event.body.clone(),
    };
    EventView {
        at: t.datetime(&event.at),
        who: event.author_label.clone(),
        from_company: event.author_is_company,
        kind: event.kind.code(),
        what,
        body,
        internal: !event.for_company,
        attachment: event.attachment_id,
    }
}

struct DispatchView {
    record: DispatchRecord,
    kind: &'static str,
    when: String,
    status: &'static str,
    engineer: String,
    arrived: String,
    departed: String,
}

async fn dispatch_views(
    state: &AppState,
    t: T,
    dispatches: Vec<DispatchRecord>,
) -> Result<Vec<DispatchView>, PageError> {
    let mut views = Vec::with_capacity(dispatches.len());
    for record in dispatches {
        let engineer =
            store::accounts::get_user(&state.db, record.engineer_id).await.map(|u| u.display_name).unwrap_or_default();
        views.push(DispatchView {
            kind: t.pick(record.kind.label_ja(), record.kind.label_en()),
            when: app::mail::seminar_time(t.en, record.starts_at, record.ends_at),
            status: t.pick(record.status.label_ja(), record.status.code()),
            engineer,
            arrived: record.arrived_at.map(|at| t.datetime(&at)).unwrap_or_default(),
            departed: record.departed_at.map(|at| t.datetime(&at)).unwrap_or_default(),
            record,
        });
    }
    Ok(views)
}

struct DetectionView {
    at: String,
    record: DetectionRecord,
}

#[derive(Template)]
#[template(path = "office/incident.html")]
struct TicketPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    ticket: TicketRecord,
    category: &'static str,
    severity: &'static str,
    severity_meaning: &'static str,
    status: &'static str,
    channel: &'static str,
    opened: String,
    response: ClockView,
    resolution: ClockView,
    assignee: String,
    events: Vec<EventView>,
    detections: Vec<DetectionView>,
    attachments: Vec<AttachmentRecord>,
    dispatches: Vec<DispatchView>,
    can_work: bool,
    members: Vec<(Uuid, String)>,
    moves: Vec<(&'static str, &'static str)>,
    actions: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    problem: Option<String>,
    draft: String,
    proposed_start: String,
    device_id: Option<Uuid>,
}

impl TicketPage {
    fn assignee_is(&self, id: String) -> bool {
        self.ticket.assignee_id.is_some_and(|assignee| assignee.to_string() == id)
    }
}

/// The status moves the desk's buttons offer from `status` (asking the company is a reply).
fn moves(t: T, status: TicketStatus) -> Vec<(&'static str, &'static str)> {
    let all = [
        (TicketEvent::Triage, "triage", "受付済みにする", "Triage"),
        (TicketEvent::Start, "start", "対応を始める", "Start work"),
        (TicketEvent::Resolve, "resolve", "解決にする", "Resolve"),
        (TicketEvent::Close, "close", "完了にする", "Close"),
        (TicketEvent::Reopen, "reopen", "再開する", "Reopen"),
    ];
    all.into_iter()
        .filter(|(event, ..)| domain::incident::transition(status, *event).is_ok())
        .map(|(_, code, ja, en)| (code, t.pick(ja, en)))
        .collect()
}

fn event_of(code: &str) -> Option<TicketEvent> {
    Some(match code {
        "triage" => TicketEvent::Triage,
        "start" => TicketEvent::Start,
        "resolve" => TicketEvent::Resolve,
        "close" => TicketEvent::Close,
        "reopen" => TicketEvent::Reopen,
        _ => return None,
    })
}

/// The next slot a dispatch could take from now (an hour's visit with any engineer free), as a
/// `datetime-local` value, to start the form with.
fn proposed_start(state: &AppState) -> String {
    let now = state.clock.now();
    domain::incident::next_slot(&state.services.calendar, now + Duration::hours(1), Duration::hours(1), &[])
        .map(|at| at.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn render_ticket(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: &ClientIp,
    id: Uuid,
    notice: Option<String>,
    problem: Option<String>,
    draft: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = staff_actor(staff, ip);
    let view = app::incidents::view(&state.services, &actor, id, state.clock.now()).await?;
    let members = app::incidents::desk_members(&state.services, &actor)
        .await?
        .into_iter()
        .map(|m| (m.id, m.display_name))
        .collect();
    let ticket = view.ticket;
    let page = TicketPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        category: t.pick(ticket.category.label_ja(), ticket.category.label_en()),
        severity: severity_label(t, ticket.severity),
        severity_meaning: t.pick(ticket.severity.meaning_ja(), ticket.severity.meaning_en()),
        status: status_label(t, ticket.status),
        channel: t.pick(ticket.channel.label_ja(), ticket.channel.label_en()),
        opened: t.datetime(&ticket.opened_at),
        response: clock_view(t, view.clocks.first_response),
        resolution: clock_view(t, view.clocks.resolution),
        assignee: view.assignee.unwrap_or_default(),
        events: view.events.iter().map(|e| event_view(t, e)).collect(),
        detections: view
            .detections
            .into_iter()
            .map(|record| DetectionView { at: t.datetime(&record.occurred_at), record })
            .collect(),
        attachments: view.attachments,
        dispatches: dispatch_views(state, t, view.dispatches).await?,
        can_work: staff.user.role.may(Action::WorkIncidents),
        members,
        moves: moves(t, ticket.status),
        actions: RemoteAction::ALL.into_iter().map(|a| (a.code(), t.pick(a.label_ja(), a.label_en()))).collect(),
        severities: severity_choices(t),
        categories: choices(&Category::ALL, Category::code, |c| t.pick(c.label_ja(), c.label_en())),
        notice,
        problem,
        draft,
        proposed_start: proposed_start(state),
        device_id: ticket.device_id,
        ticket,
    };
    html(status, &page)
}

async fn office_ticket(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    render_ticket(&state, lang.t, &staff, &ip, parse_id(&id)?, None, None, String::new(), StatusCode::OK).await
}

/// Every form of the ticket page posts here with `do` naming the action.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    #[serde(rename = "do")]
    action: String,
    body: String,
    ask_company: String,
    event: String,
    remote_action: String,
    assignee: String,
    category: String,
    severity: String,
    engineer: String,
    starts_at: String,
    minutes: String,
}

async fn office_action(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    staff.require_may(Action::WorkIncidents)?;
    let actor = staff_actor(&staff, &ip);
    let services = &state.services;
    let now = state.clock.now();
    let text = || app::cases::MessageText::parse(&form.body).map_err(app::AppError::Invalid);
    let result: Result<&'static str, app::AppError> = match form.action.as_str() {
        "reply" => match text() {
            Ok(text) => app::incidents::reply(services, &actor, id, &text, form.ask_company == "yes", now)
                .await
                .map(|()| t.s("お客様に送信しました。", "Sent to the company.")),
            Err(e) => Err(e),
        },
        "note" => match text() {
            Ok(text) => app::incidents::note(services, &actor, id, &text, now)
                .await
                .map(|()| t.s("内部メモを記録しました。", "Note recorded.")),
            Err(e) => Err(e),
        },
        "remote_action" => match (RemoteAction::from_code(&form.remote_action), text()) {
            (Some(action), Ok(text)) => app::incidents::remote_action(services, &actor, id, action, &text, now)
                .await
                .map(|()| t.s("遠隔対応を記録しました。", "Remote action recorded.")),
            (None, _) => Err(app::AppError::Invalid(app::Invalid::UnknownChoice)),
            (_, Err(e)) => Err(e),
        },
        "status" => match event_of(&form.event) {
            Some(event) => app::incidents::change_status(services, &actor, id, event, now)
                .await
                .map(|_| t.s("状態を変更しました。", "Status changed.")),
            None => Err(app::AppError::Invalid(app::Invalid::UnknownChoice)),
        },
        "assign" => {
            let assignee = match form.assignee.trim() {
                "" => Ok(None),
                raw => {
                    Uuid::parse_str(raw).map(Some).map_err(|_| app::AppError::Invalid(app::Invalid::UnknownAssignee))
                }
            };
            match assignee {
                Ok(assignee) => app::incidents::assign(services, &actor, id, assignee, now)
                    .await
                    .map(|()| t.s("担当者を変更しました。", "Assignee changed.")),
                Err(e) => Err(e),
            }
        }
        "classify" => match (Category::from_code(&form.category), Severity::from_code(&form.severity)) {
            (Some(category), Some(severity)) => app::incidents::classify(services, &actor, id, category, severity, now)
                .await
                .map(|()| t.s("種類・緊急度を変更しました。", "Category and severity changed.")),
            _ => Err(app::AppError::Invalid(app::Invalid::UnknownChoice)),
        },
        "dispatch" => match app::incidents::DispatchRequest::parse(&form.engineer, &form.starts_at, &form.minutes) {
            Ok(request) => {
                app::incidents::schedule_dispatch(services, &actor, DispatchKind::Onsite, id, &request, now).await.map(
                    |_| t.s("訪問を予定し、お客様に日時をお知らせしました。", "Visit scheduled; the company was told."),
                )
            }
            Err(invalid) => Err(app::AppError::Invalid(invalid)),
        },
        _ => Err(app::AppError::Invalid(app::Invalid::UnknownChoice)),
    };
    match result {
        Ok(notice) => {
            render_ticket(&state, t, &staff, &ip, id, Some(notice.to_string()), None, String::new(), StatusCode::OK)
                .await
        }
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            render_ticket(&state, t, &staff, &ip, id, None, message, form.body, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A dispatch's forms: record the visit, or cancel it.
#[derive(Deserialize, Default)]
#[serde(default)]
struct DispatchForm {
    #[serde(rename = "do")]
    action: String,
    arrived_at: String,
    departed_at: String,
    work_done: String,
    outcome: String,
}

async fn dispatch_action(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<DispatchForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    staff.require_may(Action::WorkIncidents)?;
    let id = parse_id(&id)?;
    let actor = staff_actor(&staff, &ip);
    let dispatch = store::incidents::dispatch(&state.db, id).await?;
    let now = state.clock.now();
    let result = match form.action.as_str() {
        "visit" => {
            let input = app::incidents::VisitInput {
                arrived_at: form.arrived_at.clone(),
                departed_at: form.departed_at.clone(),
                work_done: form.work_done.clone(),
                outcome: form.outcome.clone(),
            };
            app::incidents::sign_off_visit(&state.services, &actor, id, &input, now)
                .await
                .map(|_| t.s("訪問記録を登録しました。", "Visit recorded."))
        }
        "cancel" => app::incidents::cancel_dispatch(&state.services, &actor, id, now)
            .await
            .map(|_| t.s("訪問を取り消し、お客様にお知らせしました。", "Visit cancelled; the company was told.")),
        _ => Err(app::AppError::Invalid(app::Invalid::UnknownChoice)),
    };
    let (notice, problem, status) = match result {
        Ok(notice) => (Some(notice.to_string()), None, StatusCode::OK),
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            (None, message, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => return Err(other.into()),
    };
    match dispatch.ticket_id {
        Some(ticket) => render_ticket(&state, t, &staff, &ip, ticket, notice, problem, String::new(), status).await,
        None => render_trial_ends(&state, t, &staff, &ip, TrialEndsQuery::default(), notice, problem, status).await,
    }
}

/// Reads the one `file` field of an upload within the size limit.
pub(crate) async fn read_file(
    multipart: &mut Multipart,
) -> Result<(String, Vec<u8>), (StatusCode, &'static str, &'static str)> {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("upload").to_string();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_FILE_BYTES => bytes.extend_from_slice(&chunk),
                Ok(Some(_)) | Err(_) => {
                    return Err((
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "ファイルが大きすぎます（10MBまで）。",
                        "The file is too large (10 MB at most).",
                    ));
                }
                Ok(None) => break,
            }
        }
        if bytes.is_empty() {
            break;
        }
        return Ok((name, bytes));
    }
    Err((StatusCode::UNPROCESSABLE_ENTITY, "ファイルを選んでください。", "Choose a file."))
}

/// A file that was not taken, as (notice, problem, status) for the page.
pub(crate) fn upload_problem(
    t: T,
    problem: domain::upload::UploadProblem,
) -> (Option<String>, Option<String>, StatusCode) {
    let status = StatusCode::from_u16(problem.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    (None, Some(t.pick(problem.message_ja(), problem.message_en()).to_string()), status)
}

/// Checks and attaches an uploaded file; the outcome as (notice, problem, status).
async fn upload(
    state: &AppState,
    t: T,
    actor: &app::Actor,
    id: Uuid,
    multipart: &mut Multipart,
) -> Result<(Option<String>, Option<String>, StatusCode), PageError> {
    let (name, bytes) = match read_file(multipart).await {
        Ok(file) => file,
        Err((status, ja, en)) => return Ok((None, Some(t.pick(ja, en).to_string()), status)),
    };
    let upload = match domain::upload::Upload::checked(&name, bytes) {
        Ok(upload) => upload,
        Err(problem) => return Ok(upload_problem(t, problem)),
    };
    match app::incidents::attach(&state.services, actor, id, upload, state.clock.now()).await {
        Ok(_) => Ok((Some(t.s("ファイルを添付しました。", "File attached.").to_string()), None, StatusCode::OK)),
        Err(error @ app::AppError::Refused(_)) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            Ok((None, message, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other.into()),
    }
}

async fn office_upload(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    staff.require_may(Action::WorkIncidents)?;
    let actor = staff_actor(&staff, &ip);
    let (notice, problem, status) = upload(&state, lang.t, &actor, id, &mut multipart).await?;
    render_ticket(&state, lang.t, &staff, &ip, id, notice, problem, String::new(), status).await
}

fn file_response(record: AttachmentRecord, bytes: Vec<u8>) -> Response {
    download(&record.filename, &record.content_type, bytes)
}

/// A stored file as a download under its own name (never shown inline, never sniffed).
pub(crate) fn download(filename: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let ascii: String =
        filename.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    let encoded = crate::office::urlencode(filename);
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}

async fn office_file(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = staff_actor(&staff, &ip);
    let (record, bytes) =
        app::incidents::attachment(&state.services, &actor, parse_id(&id)?, parse_id(&file)?, state.clock.now())
            .await?;
    Ok(file_response(record, bytes))
}

// ---------------------------------------------------------------------------------------------
// The month's figures.

#[derive(Deserialize, Default)]
#[serde(default)]
struct FiguresQuery {
    month: String,
    format: String,
}

#[derive(Template)]
#[template(path = "office/incident_figures.html")]
struct FiguresPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    month: String,
    month_label: String,
    figures: app::incidents::MonthFigures,
    categories: Vec<(&'static str, domain::disclosure::Cell)>,
    severities: Vec<(&'static str, domain::disclosure::Cell)>,
    mtta: String,
    mttr: String,
    /// Something is shown as "<5" or withheld (Tokyo's view): the note says why.
    hidden: bool,
}

fn minutes_text(t: T, minutes: Option<f64>) -> String {
    match minutes {
        None => "—".to_string(),
        Some(m) => span(t, Duration::minutes(m.round() as i64)),
    }
}

async fn figures_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<FiguresQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    staff.require_may(Action::ReadIncidentFigures)?;
    let actor = staff_actor(&staff, &ip);
    let month = match query.month.trim() {
        "" => app::reports::Month::parse(&state.clock.today().format("%Y-%m").to_string()),
        text => app::reports::Month::parse(text),
    }
    .map_err(app::AppError::Invalid)?;
    let figures = app::incidents::month_figures(&state.services, &actor, month.clone()).await?;
    if !query.format.is_empty() {
        use documents::Cell;
        let mut table = documents::Table::new(["月", "区分", "項目", "値"]);
        let m = month.as_str();
        let mut push = |group: &str, item: &str, value: Cell| {
            table.push(vec![Cell::from(m), Cell::from(group), Cell::from(item), value]);
        };
        let figure = crate::render::figure_cell;
        push("件数", "受付件数", figure(figures.opened));
        for (category, count) in &figures.by_category {
            push("種類別", category.label_ja(), figure(*count));
        }
        for (severity, count) in &figures.by_severity {
            push("緊急度別", severity.label_ja(), figure(*count));
        }
        push("初動", "初動済み件数", figure(figures.responded));
        push("初動", "平均初動時間（分）", Cell::from(figures.mean_first_response_minutes.map(|m| m.round() as i64)));
        push("初動", "SLA超過件数", figure(figures.response_breaches));
        push("解決", "解決済み件数", figure(figures.resolved));
        push("解決", "平均解決時間（分）", Cell::from(figures.mean_resolution_minutes.map(|m| m.round() as i64)));
        push("解決", "SLA超過件数", figure(figures.resolution_breaches));
        return crate::render::export(
            table,
            &query.format,
            "インシデント月次",
            &format!("incidents-{m}"),
            state.clock.today(),
        );
    }
    let page = FiguresPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        month: month.as_str().to_string(),
        month_label: if t.en { month.as_str().to_string() } else { app::reports::month_label(month.as_str()) },
        categories: figures.by_category.iter().map(|(c, n)| (t.pick(c.label_ja(), c.label_en()), *n)).collect(),
        severities: figures.by_severity.iter().map(|(s, n)| (severity_label(t, *s), *n)).collect(),
        hidden: [figures.opened, figures.responded, figures.resolved, figures.response_breaches]
            .iter()
            .chain(&[figures.resolution_breaches])
            .chain(figures.by_category.iter().map(|(_, n)| n))
            .chain(figures.by_severity.iter().map(|(_, n)| n))
            .any(|cell| cell.is_hidden())
            || (figures.mean_first_response_minutes.is_none() && figures.responded.count() != Some(0))
            || (figures.mean_resolution_minutes.is_none() && figures.resolved.count() != Some(0)),
        mtta: minutes_text(t, figures.mean_first_response_minutes),
        mttr: minutes_text(t, figures.mean_resolution_minutes),
        figures,
    };
    html(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------------
// The company's portal.

struct PortalRow {
    ticket: TicketRecord,
    status: &'static str,
    category: &'static str,
    opened: String,
}

#[derive(Template)]
#[template(path = "portal/incidents.html")]
struct PortalListPage {
    t: T,
    csrf: String,
    company_name: String,
    rows: Vec<PortalRow>,
    dispatches: Vec<DispatchView>,
    form: OpenForm,
    issues: domain::application::FieldIssues,
    problem: Option<String>,
    severities: Vec<(&'static str, &'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
}

impl PortalListPage {
    fn err(&self, field: &str) -> Option<&str> {
        issue(&self.issues, self.t, field)
    }
}

impl NewPage {
    fn err(&self, field: &str) -> Option<&str> {
        issue(&self.issues, self.t, field)
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_portal_list(
    state: &AppState,
    t: T,
    company: &CompanyUser,
    ip: &ClientIp,
    form: OpenForm,
    issues: domain::application::FieldIssues,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = company_actor(company, ip);
    let tickets = app::incidents::own_tickets(&state.services, &actor).await?;
    let dispatches = app::incidents::dispatches(&state.services, &actor).await?;
    let record = store::applications::get(&state.db, company.application_id).await?;
    let page = PortalListPage {
        t,
        csrf: company.csrf.clone(),
        company_name: record.company_name,
        rows: tickets
            .into_iter()
            .map(|ticket| PortalRow {
                status: status_label(t, ticket.status),
                category: t.pick(ticket.category.label_ja(), ticket.category.label_en()),
                opened: t.datetime(&ticket.opened_at),
                ticket,
            })
            .collect(),
        dispatches: dispatch_views(
            state,
            t,
            dispatches.into_iter().filter(|d| d.starts_at > state.clock.now() - Duration::days(30)).collect(),
        )
        .await?,
        form,
        issues,
        problem,
        severities: severity_choices(t),
        categories: Category::ALL.into_iter().map(|c| (c.code(), t.pick(c.label_ja(), c.label_en()))).collect(),
    };
    html(status, &page)
}

async fn portal_list(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
) -> Result<Response, PageError> {
    let form = OpenForm { severity: "medium".into(), ..Default::default() };
    render_portal_list(&state, lang.t, &company, &ip, form, Default::default(), None, StatusCode::OK).await
}

async fn portal_open(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Form(form): Form<OpenForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = company_actor(&company, &ip);
    match app::incidents::open_own(&state.services, &actor, &form.input(), state.clock.now()).await {
        Ok(ticket) => Ok(Redirect::to(&format!("/portal/incidents/{}?opened=1", ticket.id)).into_response()),
        Err(app::incidents::OpenError::Invalid(issues)) => {
            render_portal_list(&state, t, &company, &ip, form, issues, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(app::incidents::OpenError::App(error @ app::AppError::Refused(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            render_portal_list(
                &state,
                t,
                &company,
                &ip,
                form,
                Default::default(),
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(app::incidents::OpenError::App(other)) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/incident.html")]
struct PortalTicketPage {
    t: T,
    csrf: String,
    ticket: TicketRecord,
    status: &'static str,
    category: &'static str,
    severity: &'static str,
    severity_meaning: &'static str,
    opened: String,
    waiting_for_us: bool,
    events: Vec<EventView>,
    attachments: Vec<AttachmentRecord>,
    dispatches: Vec<DispatchView>,
    notice: Option<String>,
    problem: Option<String>,
    draft: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PortalTicketQuery {
    opened: String,
}

#[allow(clippy::too_many_arguments)]
async fn render_portal_ticket(
    state: &AppState,
    t: T,
    company: &CompanyUser,
    ip: &ClientIp,
    id: Uuid,
    notice: Option<String>,
    problem: Option<String>,
    draft: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = company_actor(company, ip);
    let view = app::incidents::view(&state.services, &actor, id, state.clock.now()).await?;
    let ticket = view.ticket;
    let page = PortalTicketPage {
        t,
        csrf: company.csrf.clone(),
        status: status_label(t, ticket.status),
        category: t.pick(ticket.category.label_ja(), ticket.category.label_en()),
        severity: severity_label(t, ticket.severity),
        severity_meaning: t.pick(ticket.severity.meaning_ja(), ticket.severity.meaning_en()),
        opened: t.datetime(&ticket.opened_at),
        waiting_for_us: ticket.status == TicketStatus::WaitingForCompany,
        events: view.events.iter().map(|e| event_view(t, e)).collect(),
        // Every file on a ticket is shared with the company (the desk attaches what it sends).
        attachments: view.attachments,
        dispatches: dispatch_views(state, t, view.dispatches).await?,
        notice,
        problem,
        draft,
        ticket,
    };
    html(status, &page)
}

async fn portal_ticket(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<PortalTicketQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let notice = (query.opened == "1").then(|| {
        t.s(
            "ご相談を受け付けました。担当者が確認してご連絡します（24時間365日受付）。",
            "Your request was received. The desk will look into it and reply (open 24/365).",
        )
        .to_string()
    });
    render_portal_ticket(&state, t, &company, &ip, parse_id(&id)?, notice, None, String::new(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyForm {
    body: String,
}

async fn portal_reply(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let actor = company_actor(&company, &ip);
    let result = match app::cases::MessageText::parse(&form.body) {
        Ok(text) => app::incidents::reply_own(&state.services, &actor, id, &text, state.clock.now()).await,
        Err(invalid) => Err(app::AppError::Invalid(invalid)),
    };
    match result {
        Ok(()) => {
            let notice = t.s("返信を送信しました。", "Your reply was sent.").to_string();
            render_portal_ticket(&state, t, &company, &ip, id, Some(notice), None, String::new(), StatusCode::OK).await
        }
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            render_portal_ticket(
                &state,
                t,
                &company,
                &ip,
                id,
                None,
                message,
                form.body,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn portal_upload(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = company_actor(&company, &ip);
    let (notice, problem, status) = upload(&state, lang.t, &actor, id, &mut multipart).await?;
    render_portal_ticket(&state, lang.t, &company, &ip, id, notice, problem, String::new(), status).await
}

async fn portal_file(
    State(state): State<AppState>,
    company: CompanyUser,
    ip: ClientIp,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = company_actor(&company, &ip);
    let (record, bytes) =
        app::incidents::attachment(&state.services, &actor, parse_id(&id)?, parse_id(&file)?, state.clock.now())
            .await?;
    Ok(file_response(record, bytes))
}

// ---------------------------------------------------------------------------------------------
// The end of the UTM trial: the board by week, removal visits.

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TrialEndsQuery {
    /// `open` (default: not yet settled) or `all`.
    show: String,
    format: String,
}

struct TrialEndView {
    row: app::devices::TrialEnd,
    last_day: String,
    choice: &'static str,
    outcome: String,
    removal: Option<DispatchView>,
    flag: &'static str,
}

struct WeekView {
    label: String,
    rows: Vec<TrialEndView>,
}

#[derive(Template)]
#[template(path = "office/trial_ends.html")]
struct TrialEndsPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    weeks: Vec<WeekView>,
    query: TrialEndsQuery,
    can_work: bool,
    members: Vec<(Uuid, String)>,
    proposed_start: String,
    notice: Option<String>,
    problem: Option<String>,
}

/// The Monday of `day`'s week.
fn week_of(day: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

fn outcome_text(t: T, row: &app::devices::TrialEnd) -> String {
    match (row.device.removed_on, row.device.continued_on) {
        (Some(on), _) => format!("{}{}", t.s("撤去済 ", "Removed "), t.date(&on)),
        (None, Some(on)) => {
            let reference = row.device.operator_reference.as_deref().map(|r| format!("（{r}）")).unwrap_or_default();
            format!("{}{}{reference}", t.s("継続契約 ", "Continued "), t.date(&on))
        }
        (None, None) => String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_trial_ends(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: &ClientIp,
    query: TrialEndsQuery,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = staff_actor(staff, ip);
    let today = state.clock.today();
    let rows = app::devices::trial_ends(&state.services, &actor, today).await?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|row| query.show == "all" || (row.device.removed_on.is_none() && row.device.continued_on.is_none()))
        .collect();
    if !query.format.is_empty() {
        return export_trial_ends(state, &actor, &query.format, &rows).await;
    }
    let can_work = staff.user.role.may(Action::WorkIncidents);
    let members = if can_work {
        app::incidents::desk_members(&state.services, &actor)
            .await?
            .into_iter()
            .map(|m| (m.id, m.display_name))
            .collect()
    } else {
        Vec::new()
    };
    let mut weeks: Vec<WeekView> = Vec::new();
    for row in rows {
        let monday = week_of(row.last_day);
        let label = if t.en { format!("Week of {}", t.date(&monday)) } else { format!("{} の週", t.date(&monday)) };
        let flag = if row.undecided {
            "undecided"
        } else if row.last_day <= today && row.device.removed_on.is_none() && row.device.continued_on.is_none() {
            "pending"
        } else {
            ""
        };
        let view = TrialEndView {
            last_day: t.date(&row.last_day),
            choice: row
                .device
                .trial_choice
                .map(|c| t.pick(c.label_ja(), c.label_en()))
                .unwrap_or(t.s("未回答", "Not yet")),
            outcome: outcome_text(t, &row),
            removal: match row.removal.clone() {
                Some(dispatch) => dispatch_views(state, t, vec![dispatch]).await?.pop(),
                None => None,
            },
            flag,
            row,
        };
        match weeks.last_mut() {
            Some(week) if week.label == label => week.rows.push(view),
            _ => weeks.push(WeekView { label, rows: vec![view] }),
        }
    }
    let page = TrialEndsPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        weeks,
        query,
        can_work,
        members,
        proposed_start: proposed_start(state),
        notice,
        problem,
    };
    html(status, &page)
}

async fn trial_ends_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<TrialEndsQuery>,
) -> Result<Response, PageError> {
    render_trial_ends(&state, lang.t, &staff, &ip, query, None, None, StatusCode::OK).await
}

async fn export_trial_ends(
    state: &AppState,
    actor: &app::Actor,
    format: &str,
    rows: &[app::devices::TrialEnd],
) -> Result<Response, PageError> {
    use documents::Cell;
    let mut table = documents::Table::new([
        "体験最終日",
        "残り日数",
        "企業名",
        "申込番号",
        "機器",
        "シリアル",
        "企業の希望",
        "撤去日",
        "継続契約日",
        "契約番号",
        "撤去予定",
        "未決定",
    ]);
    for row in rows {
        let d = &row.device;
        table.push(vec![
            Cell::from(row.last_day.to_string()),
            Cell::from(row.days_left),
            Cell::from(row.company_name.as_str()),
            Cell::from(row.reference.as_str()),
            Cell::from(format!("{} {}", d.vendor, d.model)),
            Cell::from(d.serial.as_str()),
            Cell::from(d.trial_choice.map(|c| c.label_ja())),
            Cell::from(d.removed_on.map(|on| on.to_string())),
            Cell::from(d.continued_on.map(|on| on.to_string())),
            Cell::from(d.operator_reference.clone()),
            crate::render::tokyo_cell(row.removal.as_ref().map(|r| r.starts_at)),
            Cell::from(if row.undecided { "未決定" } else { "" }),
        ]);
    }
    let response = crate::render::export(table, format, "UTM体験終了", "trial-ends", state.clock.today())?;
    store::audit::record(
        &state.db,
        store::audit::NewAuditEntry {
            actor: actor.audit(),
            action: "device.trial_ends.export",
            subject_type: "device",
            subject_id: None,
            ip: actor.ip(),
            detail: serde_json::json!({"rows": rows.len(), "format": format}),
        },
        state.clock.now(),
    )
    .await?;
    Ok(response)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RemovalForm {
    device: String,
    engineer: String,
    starts_at: String,
    minutes: String,
}

/// Schedules the removal of a device whose trial ends, as a visit (weekdays 9–17).
async fn schedule_removal(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<RemovalForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    staff.require_may(Action::WorkIncidents)?;
    let actor = staff_actor(&staff, &ip);
    let device = parse_id(&form.device)?;
    let result = match app::incidents::DispatchRequest::parse(&form.engineer, &form.starts_at, &form.minutes) {
        Ok(request) => {
            app::incidents::schedule_dispatch(
                &state.services,
                &actor,
                DispatchKind::Removal,
                device,
                &request,
                state.clock.now(),
            )
            .await
        }
        Err(invalid) => Err(app::AppError::Invalid(invalid)),
    };
    let query = TrialEndsQuery::default();
    match result {
        Ok(_) => {
            let notice =
                t.s("撤去の訪問を予定し、企業に日時をお知らせしました。", "Removal scheduled; the company was told.");
            render_trial_ends(&state, t, &staff, &ip, query, Some(notice.to_string()), None, StatusCode::OK).await
        }
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            render_trial_ends(&state, t, &staff, &ip, query, None, message, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

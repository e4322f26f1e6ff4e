//! Course ① devices in the back office: the registry (one active UTM per company), the site
//! survey, installation with the trial countdown, removal or continuation; each device's recent
//! threats, what its logs held (events, unknown message types and unparsed lines per vendor)
//! and its unparsed lines; senders that no device claims. For staff and the UTM operator.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::access::Action;
use serde::Deserialize;
use store::devices::DeviceRecord;
use store::logs::{
    ListenerStatus, StoredThreat, StoredUnknownIdentifier, StoredVendorIntake, UnknownReason, UnknownSender,
};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Staff;
use crate::auth::audit;
use crate::client::ClientIp;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;
use crate::views::{DeviceView, device_view};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/devices", get(list_devices).post(register_device))
        .route("/office/devices/{id}", get(show_device).post(change_device))
}

#[derive(Template)]
#[template(path = "office/devices.html")]
struct DevicesPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    devices: Vec<DeviceView>,
    unknown: Vec<UnknownRow>,
    /// Listed pairs, the page shown (from 1) and the number of pages.
    unknown_total: u64,
    unknown_page: u64,
    unknown_pages: u64,
    /// Messages of pairs beyond the list's cap: (last seen, messages).
    unknown_overflow: Option<(String, u64)>,
    unknown_kept: u64,
    listeners: Vec<ListenerView>,
    /// Course ① companies without an active device: (application id, reference, company).
    candidates: Vec<(Uuid, String, String)>,
    form: RegisterForm,
    problem: Option<String>,
}

struct ListenerView {
    status: ListenerStatus,
    updated: String,
    /// Running, but has not written its counters for a while (the process has died).
    stale: bool,
}

/// A row of the unknown senders list.
struct UnknownRow {
    last_seen: String,
    sender: UnknownSender,
    reason: &'static str,
    /// The registered device the serial names, when it does (to record its sender address).
    device: Option<Uuid>,
}

/// Unknown senders shown per page.
const UNKNOWN_PER_PAGE: u64 = 50;

fn unknown_reason(t: T, reason: UnknownReason) -> &'static str {
    match reason {
        UnknownReason::NoDevice => t.s("未登録の機器", "No such device"),
        UnknownReason::SenderMismatch => t.s("登録と異なる送信元", "Not the registered sender"),
        UnknownReason::NoSenderAddress => t.s("送信元アドレス未登録", "Sender address not recorded"),
        UnknownReason::Overflow => t.s("その他", "Other"),
    }
}

/// A running listener writes its counters every few seconds; silence this long means it died.
const LISTENER_SILENCE: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct RegisterForm {
    csrf: String,
    application: String,
    vendor: String,
    model: String,
    serial: String,
    sender_address: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    application: Option<String>,
    /// The page of the unknown senders list, from 1.
    unknown_page: Option<u64>,
}

async fn list_devices(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    staff.require_may(Action::ManageDevices)?;
    audit(&state, &staff, ip, "device.list", None, serde_json::json!({})).await?;
    let form = RegisterForm {
        application: query.application.unwrap_or_default(),
        vendor: "Fortinet".into(),
        ..Default::default()
    };
    let unknown_page = query.unknown_page.unwrap_or(1);
    devices_page(&state, lang.t, &staff, form, unknown_page, None, StatusCode::OK).await
}

async fn devices_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    form: RegisterForm,
    unknown_page: u64,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let records = store::devices::list(&state.db).await?;
    let by_serial: std::collections::HashMap<String, Uuid> =
        records.iter().filter(|r| r.removed_on.is_none()).map(|r| (r.serial.clone(), r.id)).collect();
    let mut devices = Vec::with_capacity(records.len());
    for record in records {
        devices.push(device_view(state, t, record).await?);
    }
    let active: std::collections::HashSet<Uuid> =
        devices.iter().filter(|d| d.record.removed_on.is_none()).map(|d| d.record.application_id).collect();
    let programme = store::programmes::current(&state.db).await?;
    let course_id = programme.as_ref().and_then(|p| p.course(domain::programme::CourseCode::Utm)).map(|c| c.id);
    let candidates = match (programme, course_id) {
        (Some(programme), Some(course_id)) => {
            let filter = store::applications::ApplicationFilter {
                programme_id: Some(programme.id),
                course_id: Some(course_id),
                ..Default::default()
            };
            store::applications::list_all(&state.db, &filter)
                .await?
                .into_iter()
                .filter(|r| r.holds_place && !active.contains(&r.id))
                .map(|r| (r.id, r.reference, r.company_name))
                .collect()
        }
        _ => Vec::new(),
    };
    let unknown_page = unknown_page.max(1);
    let unknown = store::logs::unknown_senders_page(&state.db, unknown_page - 1, UNKNOWN_PER_PAGE).await?;
    let unknown_pages = unknown.total.div_ceil(UNKNOWN_PER_PAGE).max(1);
    let unknown_overflow = unknown.overflow.map(|o| (t.datetime(&o.last_seen), o.messages));
    let unknown_total = unknown.total;
    let unknown = unknown
        .senders
        .into_iter()
        .map(|sender| UnknownRow {
            last_seen: t.datetime(&sender.last_seen),
            reason: unknown_reason(t, sender.reason),
            device: sender.serial.as_ref().and_then(|serial| by_serial.get(serial)).copied(),
            sender,
        })
        .collect();
    let now = state.clock.now();
    let listeners = store::logs::listener_statuses(&state.db)
        .await?
        .into_iter()
        .map(|status| ListenerView {
            updated: t.datetime(&status.updated_at),
            stale: status.running && now - status.updated_at > LISTENER_SILENCE,
            status,
        })
        .collect();
    let page = DevicesPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        devices,
        unknown,
        unknown_total,
        unknown_page,
        unknown_pages,
        unknown_overflow,
        unknown_kept: store::logs::UNKNOWN_SENDERS_KEPT,
        listeners,
        candidates,
        form,
        problem,
    };
    html(status, &page)
}

async fn register_device(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<RegisterForm>,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let result = match app::devices::Registration::parse(
        &form.application,
        &form.vendor,
        &form.model,
        &form.serial,
        &form.sender_address,
    ) {
        Ok(new) => app::devices::register(&state.services, &actor, new, state.clock.now()).await,
        Err(invalid) => Err(invalid.into()),
    };
    let problem = match result {
        Ok(id) => return Ok(Redirect::to(&format!("/office/devices/{id}")).into_response()),
        Err(app::AppError::Forbidden) => return Err(PageError::Forbidden),
        Err(app::AppError::Store(error)) => return Err(error.into()),
        Err(error) => crate::messages::for_error(&error).map(|m| lang.t.pick(&m.ja, &m.en).to_string()),
    };
    devices_page(&state, lang.t, &staff, form, 1, problem, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Template)]
#[template(path = "office/device.html")]
struct DevicePage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    device: DeviceView,
    threats: Vec<(String, StoredThreat)>,
    unparsed: Vec<(String, String)>,
    /// Stored intake counts per vendor, each with the last time its lines came in.
    intake_vendors: Vec<(StoredVendorIntake, String)>,
    unknown_identifiers: Vec<StoredUnknownIdentifier>,
    notice: Option<String>,
    problem: Option<String>,
    today: String,
    /// What the sender address field shows: the address offered by the unknown senders list,
    /// else the one recorded.
    sender_address: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeviceQuery {
    done: Option<String>,
    /// An address to offer in the sender address field (from the unknown senders list).
    sender_address: Option<String>,
}

async fn show_device(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Query(query): Query<DeviceQuery>,
) -> Result<Response, PageError> {
    staff.require_may(Action::ManageDevices)?;
    let record = store::devices::get(&state.db, id).await?;
    audit(
        &state,
        &staff,
        ip,
        "device.view",
        Some(record.application_id.to_string()),
        serde_json::json!({"device": id}),
    )
    .await?;
    let notice = query.done.map(|_| lang.t.s("記録しました。", "Recorded.").to_string());
    let offered = query.sender_address.map(|address| address.chars().take(45).collect());
    device_page(&state, lang.t, &staff, record, notice, None, offered, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn device_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    record: DeviceRecord,
    notice: Option<String>,
    problem: Option<String>,
    offered_sender: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let sender_address = offered_sender.or_else(|| record.sender_address.clone()).unwrap_or_default();
    let threats = store::logs::recent_threats(&state.db, record.id, 50).await?;
    let unparsed = store::logs::unparsed(&state.db, record.id).await?;
    let intake = store::logs::device_intake(&state.db, record.id).await?;
    let intake_vendors = intake.vendors.into_iter().map(|row| (row.clone(), t.datetime(&row.last_at))).collect();
    let page = DevicePage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        threats: threats.into_iter().map(|e| (t.datetime(&e.occurred_at), e)).collect(),
        unparsed,
        intake_vendors,
        unknown_identifiers: intake.unknown_identifiers,
        notice,
        problem,
        today: state.clock.today().to_string(),
        sender_address,
        device: device_view(state, t, record).await?,
    };
    html(status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeForm {
    csrf: String,
    change: String,
    survey_result: String,
    notes: String,
    date: String,
    sender_address: String,
}

async fn change_device(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let result = match app::devices::parse_change(
        &form.change,
        &form.survey_result,
        &form.notes,
        &form.date,
        &form.sender_address,
    ) {
        Ok(change) => app::devices::change(&state.services, &actor, id, change, state.clock.now()).await,
        Err(invalid) => Err(invalid.into()),
    };
    let result = match result {
        Ok(record) => Ok(record),
        Err(app::AppError::Forbidden) => return Err(PageError::Forbidden),
        Err(app::AppError::NotFound) => return Err(PageError::NotFound),
        Err(app::AppError::Store(error)) => return Err(error.into()),
        Err(error) => {
            Err(crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string()).unwrap_or_default())
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/office/devices/{id}?done={}", form.change)).into_response()),
        Err(message) => {
            let record = store::devices::get(&state.db, id).await?;
            let typed = (form.change == "sender_address").then(|| form.sender_address.chars().take(45).collect());
            device_page(&state, lang.t, &staff, record, None, Some(message), typed, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

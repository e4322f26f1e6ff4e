//! Course ① devices in the back office: the registry (one active UTM per company), the site
//! survey, installation with the trial countdown, removal or continuation; each device's recent
//! threats and unparsed lines; senders that no device claims. For staff and the UTM operator.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use domain::access::Role;
use domain::device::SurveyResult;
use serde::Deserialize;
use store::devices::{DeviceChange, DeviceRecord, NewDevice};
use store::logs::{ListenerStatus, StoredThreat, UnknownSender};
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
    is_admin: bool,
    csrf: String,
    devices: Vec<DeviceView>,
    unknown: Vec<(String, UnknownSender)>,
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
}

async fn list_devices(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    staff.require(Role::can_manage_devices)?;
    audit(&state, &staff, ip, "device.list", None, serde_json::json!({})).await?;
    let form = RegisterForm {
        application: query.application.unwrap_or_default(),
        vendor: "Fortinet".into(),
        ..Default::default()
    };
    devices_page(&state, lang.t, &staff, form, None, StatusCode::OK).await
}

async fn devices_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    form: RegisterForm,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let records = store::devices::list(&state.db).await?;
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
    let unknown =
        store::logs::unknown_senders(&state.db).await?.into_iter().map(|u| (t.datetime(&u.last_seen), u)).collect();
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
        is_admin: staff.user.role.can_administer(),
        csrf: staff.csrf.clone(),
        devices,
        unknown,
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
    staff.require(Role::can_manage_devices)?;
    staff.check_csrf(&form.csrf)?;
    let clean = |s: &str| domain::text::normalize(s);
    let (vendor, model, serial, sender) =
        (clean(&form.vendor), clean(&form.model), clean(&form.serial), clean(&form.sender_address));
    let problem = match form.application.parse::<Uuid>() {
        Err(_) => Some("企業を選んでください".to_string()),
        Ok(_) if vendor.is_empty() || model.is_empty() || serial.is_empty() => {
            Some("メーカー・機種・シリアル番号を入力してください".into())
        }
        Ok(_) if [&vendor, &model, &serial].iter().any(|s| s.chars().count() > 100) => {
            Some("各項目は100文字以内で入力してください".into())
        }
        Ok(_) if !sender.is_empty() && sender.parse::<std::net::IpAddr>().is_err() => {
            Some("送信元アドレスはIPアドレス（例：203.0.113.10）で入力してください".into())
        }
        Ok(application_id) => {
            let new = NewDevice {
                application_id,
                vendor: &vendor,
                model: &model,
                serial: &serial,
                sender_address: (!sender.is_empty()).then_some(sender.as_str()),
            };
            match store::devices::register(&state.db, new, state.clock.now()).await {
                Ok(id) => {
                    audit(
                        &state,
                        &staff,
                        ip,
                        "device.register",
                        Some(application_id.to_string()),
                        serde_json::json!({"device": id, "serial": serial}),
                    )
                    .await?;
                    return Ok(Redirect::to(&format!("/office/devices/{id}")).into_response());
                }
                Err(error @ store::StoreError::Refused(_)) => Some(crate::messages::store_problem(&error, lang.t)),
                Err(other) => return Err(other.into()),
            }
        }
    };
    devices_page(&state, lang.t, &staff, form, problem, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Template)]
#[template(path = "office/device.html")]
struct DevicePage {
    t: T,
    signed_in: bool,
    staff_name: String,
    is_admin: bool,
    csrf: String,
    device: DeviceView,
    threats: Vec<(String, StoredThreat)>,
    unparsed: Vec<(String, String)>,
    notice: Option<String>,
    problem: Option<String>,
    today: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeviceQuery {
    done: Option<String>,
}

async fn show_device(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Query(query): Query<DeviceQuery>,
) -> Result<Response, PageError> {
    staff.require(Role::can_manage_devices)?;
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
    let notice = query.done.map(|_| "記録しました。".to_string());
    device_page(&state, lang.t, &staff, record, notice, None, StatusCode::OK).await
}

async fn device_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    record: DeviceRecord,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let threats = store::logs::recent_threats(&state.db, record.id, 50).await?;
    let unparsed = store::logs::unparsed(&state.db, record.id).await?;
    let page = DevicePage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        is_admin: staff.user.role.can_administer(),
        csrf: staff.csrf.clone(),
        threats: threats.into_iter().map(|e| (t.datetime(&e.occurred_at), e)).collect(),
        unparsed,
        notice,
        problem,
        today: state.clock.today().to_string(),
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
}

async fn change_device(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, PageError> {
    staff.require(Role::can_manage_devices)?;
    staff.check_csrf(&form.csrf)?;
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").ok();
    let notes = domain::text::normalize(&form.notes);
    let change = match (form.change.as_str(), date) {
        ("survey", _) => SurveyResult::from_code(&form.survey_result).map(|result| DeviceChange::Survey {
            result,
            notes: (!notes.is_empty()).then(|| notes.chars().take(2000).collect()),
        }),
        ("installed", Some(on)) => Some(DeviceChange::Installed(on)),
        ("removed", Some(on)) => Some(DeviceChange::Removed(on)),
        ("continued", Some(on)) => Some(DeviceChange::Continued(on)),
        _ => None,
    };
    let t = lang.t;
    let result: Result<_, String> = match change {
        None => Err(t
            .s(
                "日付（YYYY-MM-DD）または調査結果を正しく入力してください",
                "Enter the date (YYYY-MM-DD) or the survey result",
            )
            .into()),
        Some(DeviceChange::Installed(on) | DeviceChange::Removed(on) | DeviceChange::Continued(on))
            if on > state.clock.today() =>
        {
            Err(t.s("未来の日付は記録できません", "A future date cannot be recorded").into())
        }
        Some(change) => match store::devices::change(&state.db, id, change, state.clock.now()).await {
            Ok(record) => Ok(record),
            Err(error @ store::StoreError::Refused(_)) => Err(crate::messages::store_problem(&error, t)),
            Err(other) => return Err(other.into()),
        },
    };
    match result {
        Ok(record) => {
            audit(
                &state,
                &staff,
                ip,
                "device.change",
                Some(record.application_id.to_string()),
                serde_json::json!({"device": id, "change": form.change}),
            )
            .await?;
            Ok(Redirect::to(&format!("/office/devices/{id}?done={}", form.change)).into_response())
        }
        Err(message) => {
            let record = store::devices::get(&state.db, id).await?;
            device_page(&state, lang.t, &staff, record, None, Some(message), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

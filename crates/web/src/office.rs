//! The secretariat's back office: the application list (filter, search, sort, page, export),
//! the application detail with its audit trail, and programme-year administration.
//!
//! Every page that shows personal data writes an audit entry naming who saw what.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use documents::Cell;
use domain::access::Role;
use domain::eligibility::Industry;
use domain::programme::CourseCode;
use serde::Deserialize;
use store::applications::{ApplicationFilter, ApplicationRecord, ApplicationStatus, SortKey};
use store::programmes::ProgrammeRecord;
use uuid::Uuid;

use crate::AppState;
use crate::auth::audit;
use crate::auth::{self, Staff};
use crate::client::ClientIp;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;
use crate::views::{Row, course_label, row};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office", get(|staff: Staff| async move { Redirect::to(crate::menu::home(staff.user.role)) }))
        .route(crate::menu::OWN_HOME, get(own_home))
        .route("/office/login", get(auth::show_login).post(auth::log_in))
        .route("/office/logout", post(auth::log_out))
        .route("/office/password", get(auth::show_password).post(auth::change_password))
        .route("/office/password/changed", get(auth::password_changed))
        .route("/office/users", get(list_users))
        .route("/office/users/{id}/disable", post(disable_user))
        .route("/office/applications", get(list_applications))
        .route("/office/applications/export", get(export_applications))
        .route("/office/programmes", get(list_programmes))
        .route("/office/programmes/{id}/current", post(make_current))
        .route("/office/programmes/{id}/next", post(start_next_year))
        .route("/office/programmes/{id}/secretariat", post(set_secretariat))
        .route("/office/courses/{id}", post(update_course))
}

#[derive(Template)]
#[template(path = "office/home.html")]
struct HomePage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
}

/// The home of a staff user whom the menu offers no page (an expert, until experts are given
/// their assigned companies): what the account can do, the menu and the way out. Any staff user
/// may open it.
async fn own_home(lang: Lang, staff: Staff) -> Result<Response, PageError> {
    let page = HomePage {
        t: lang.t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
    };
    html(StatusCode::OK, &page)
}

/// The list's query string: every filter is optional and kept in links (sort, pages, export).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    programme: Option<String>,
    course: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    flag: Option<String>,
    seminar: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<u64>,
    format: Option<String>,
}

impl ListQuery {
    /// The query string without sort and page, for building links.
    fn base(&self) -> String {
        let pairs = [
            ("programme", &self.programme),
            ("course", &self.course),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("flag", &self.flag),
            ("seminar", &self.seminar),
            ("q", &self.q),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", urlencode(v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub(crate) fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn parse_date(value: &Option<String>) -> Option<NaiveDate> {
    value.as_deref().and_then(|v| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok())
}

/// Turns the query into a store filter, resolving the programme (current by default) and course.
async fn filter_from(
    state: &AppState,
    query: &ListQuery,
) -> Result<(ApplicationFilter, Option<ProgrammeRecord>), PageError> {
    let programme = match query.programme.as_deref().and_then(|p| p.parse::<Uuid>().ok()) {
        Some(id) => Some(store::programmes::get(&state.db, id).await?),
        None => store::programmes::current(&state.db).await?,
    };
    let course_id = query
        .course
        .as_deref()
        .and_then(CourseCode::from_code)
        .and_then(|code| programme.as_ref().and_then(|p| p.course(code)).map(|c| c.id));
    let filter = ApplicationFilter {
        programme_id: programme.as_ref().map(|p| p.id),
        course_id,
        status: query.status.as_deref().and_then(ApplicationStatus::from_code),
        received_from: parse_date(&query.from),
        received_to: parse_date(&query.to),
        flag: query.flag.clone().filter(|f| !f.is_empty()),
        seminar: query.seminar.as_deref().and_then(store::applications::SeminarFilter::from_code),
        search: query.q.as_deref().map(domain::text::normalize).filter(|q| !q.is_empty()),
        sort: query.sort.as_deref().and_then(SortKey::from_code).unwrap_or_default(),
        descending: query.dir.as_deref() == Some("desc"),
    };
    Ok((filter, programme))
}

#[derive(Template)]
#[template(path = "office/applications.html")]
struct ListPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    programme_name: String,
    rows: Vec<Row>,
    total: u64,
    page: u64,
    page_count: u64,
    query: ListQuery,
    base: String,
    sort: &'static str,
    descending: bool,
    statuses: Vec<(&'static str, &'static str)>,
    courses: Vec<(&'static str, &'static str)>,
}

impl ListPage {
    fn q(&self, value: &Option<String>) -> String {
        value.clone().unwrap_or_default()
    }

    /// A column-header link: sorts by `key`, flipping the direction when already sorted by it.
    fn sort_link(&self, key: &str) -> String {
        let dir = if self.sort == key && !self.descending { "desc" } else { "asc" };
        let base = if self.base.is_empty() { String::new() } else { format!("{}&", self.base) };
        format!("?{base}sort={key}&dir={dir}")
    }

    fn sort_mark(&self, key: &str) -> &'static str {
        match (self.sort == key, self.descending) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        }
    }

    fn page_link(&self, page: u64) -> String {
        let base = if self.base.is_empty() { String::new() } else { format!("{}&", self.base) };
        format!("?{base}sort={}&dir={}&page={page}", self.sort, if self.descending { "desc" } else { "asc" })
    }

    fn export_link(&self, format: &str) -> String {
        let base = if self.base.is_empty() { String::new() } else { format!("{}&", self.base) };
        format!(
            "/office/applications/export?{base}sort={}&dir={}&format={format}",
            self.sort,
            if self.descending { "desc" } else { "asc" }
        )
    }
}

const PER_PAGE: u64 = 50;

async fn list_applications(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::ReadCases)?;
    let t = lang.t;
    let (filter, programme) = filter_from(&state, &query).await?;
    let page = store::applications::list(&state.db, &filter, query.page.unwrap_or(1), PER_PAGE).await?;
    audit(
        &state,
        &staff,
        ip,
        "application.list",
        None,
        serde_json::json!({"query": query.base(), "shown": page.items.len()}),
    )
    .await?;
    let today = state.clock.today();
    let list = ListPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        programme_name: programme.as_ref().map(|p| t.pick(&p.name_ja, &p.name_en).to_string()).unwrap_or_default(),
        rows: page.items.iter().map(|r| row(t, r, today)).collect(),
        total: page.total,
        page: page.page,
        page_count: page.page_count(),
        base: query.base(),
        sort: filter.sort.code(),
        descending: filter.descending,
        query,
        statuses: ApplicationStatus::ALL.iter().map(|s| (s.code(), t.pick(s.label_ja(), s.label_en()))).collect(),
        courses: CourseCode::ALL.iter().map(|c| (c.code(), course_label(t, *c))).collect(),
    };
    html(StatusCode::OK, &list)
}

const EXPORT_HEADERS: [&str; 30] = [
    "申込番号",
    "希望コース",
    "状況",
    "キャンセル待ち順位",
    "受付日時",
    "連絡期限",
    "会社名",
    "会社名フリガナ",
    "法人番号",
    "個人事業主",
    "郵便番号",
    "都道府県",
    "所在地",
    "業種",
    "資本金（円）",
    "従業員数",
    "代表者役職",
    "代表者氏名",
    "担当者氏名",
    "担当者フリガナ",
    "部署",
    "メールアドレス",
    "電話番号",
    "HUB空きポート",
    "既存UTM",
    "基本方針・規程",
    "要確認フラグ",
    "初回連絡日時",
    "申込完了日時",
    "提案コース",
];

async fn export_applications(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::ReadCases)?;
    let format = query.format.clone().unwrap_or_else(|| "csv".into());
    if !matches!(format.as_str(), "csv" | "csv_sjis" | "xlsx") {
        return Err(PageError::bad_request(
            "不明な出力形式です（csv / csv_sjis / xlsx）。",
            "Unknown format (csv / csv_sjis / xlsx).",
        ));
    }
    let (filter, _) = filter_from(&state, &query).await?;
    let records = store::applications::list_all(&state.db, &filter).await?;
    let mut table = documents::Table::new(EXPORT_HEADERS);
    for record in &records {
        table.push(export_row(record));
    }
    audit(
        &state,
        &staff,
        ip,
        "application.export",
        None,
        serde_json::json!({"format": format, "rows": records.len(), "query": query.base()}),
    )
    .await?;
    crate::render::export(table, &format, "申込一覧", "applications", state.clock.today())
}

fn export_row(record: &ApplicationRecord) -> Vec<Cell> {
    let env = &record.environment;
    let flags: Vec<&str> = record
        .flags
        .iter()
        .map(|flag| if flag == "previous_participant" { "過去参加企業（事務局判断）" } else { flag.as_str() })
        .collect();
    vec![
        Cell::from(record.reference.as_str()),
        Cell::from(record.course_code.default_name_ja()),
        Cell::from(record.status.label_ja()),
        Cell::from(record.waitlist_position),
        crate::render::tokyo_cell(Some(record.received_at)),
        Cell::from(record.contact_due),
        Cell::from(record.company_name.as_str()),
        Cell::from(record.company_name_kana.as_str()),
        Cell::from(record.corporate_number.clone()),
        Cell::from(if record.sole_proprietor { "はい" } else { "いいえ" }),
        Cell::from(record.postal_code.as_str()),
        Cell::from(record.prefecture.as_str()),
        Cell::from(record.address.as_str()),
        Cell::from(Industry::from_code(&record.industry).map(|i| i.label_ja())),
        Cell::from(record.capital_yen),
        Cell::from(i64::from(record.employees)),
        Cell::from(record.representative_title.clone()),
        Cell::from(record.representative_name.as_str()),
        Cell::from(record.contact_name.as_str()),
        Cell::from(record.contact_name_kana.as_str()),
        Cell::from(record.contact_department.clone()),
        Cell::from(record.contact_email.as_str()),
        Cell::from(record.contact_phone.as_str()),
        Cell::from(env.free_hub_port.label_ja()),
        Cell::from(if env.existing_utm {
            env.existing_utm_vendor.clone().unwrap_or_else(|| "あり".into())
        } else {
            "なし".into()
        }),
        Cell::from(env.policy_status.label_ja()),
        Cell::from(flags.join(" ")),
        crate::render::tokyo_cell(record.first_contact_at),
        crate::render::tokyo_cell(record.completed_at),
        Cell::from(record.proposed_course.map(|c| c.default_name_ja())),
    ]
}

#[derive(Template)]
#[template(path = "office/programmes.html")]
struct ProgrammesPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    /// Each year with the values of its secretariat form (as typed when it came back with an error).
    programmes: Vec<(ProgrammeRecord, domain::secretariat::SecretariatSpec)>,
    message: Option<String>,
}

async fn list_programmes(State(state): State<AppState>, lang: Lang, staff: Staff) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::Administer)?;
    programmes_page(&state, lang.t, &staff, None, StatusCode::OK).await
}

async fn programmes_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    message: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    programmes_page_typed(state, t, staff, message, None, status).await
}

async fn programmes_page_typed(
    state: &AppState,
    t: T,
    staff: &Staff,
    message: Option<String>,
    typed: Option<(Uuid, domain::secretariat::SecretariatSpec)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let programmes = store::programmes::list(&state.db)
        .await?
        .into_iter()
        .map(|programme| {
            let form = match &typed {
                Some((id, spec)) if *id == programme.id => spec.clone(),
                _ => programme.secretariat.as_ref().map(|s| s.spec()).unwrap_or_default(),
            };
            (programme, form)
        })
        .collect();
    let page = ProgrammesPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        programmes,
        message,
    };
    html(status, &page)
}

async fn make_current(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    app::programmes::set_current(&state.services, &actor, id, state.clock.now()).await?;
    state.programme_changed();
    Ok(Redirect::to("/office/programmes").into_response())
}

/// 次年度を作成: the next year from this one, then back to the list to adjust it.
async fn start_next_year(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    staff.require(Role::can_administer)?;
    let t = lang.t;
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    match app::programmes::start_next_year(&state.services, &actor, id, state.clock.now()).await {
        Ok(_) => Ok(Redirect::to("/office/programmes").into_response()),
        Err(error @ app::AppError::Refused(_)) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            programmes_page(&state, t, &staff, message, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The secretariat's contact details as the form sends them.
#[derive(Deserialize)]
struct SecretariatForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    hours_en: String,
}

/// 問い合わせ先 of a programme year: saved, or the page again with the problem and what was typed.
async fn set_secretariat(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<SecretariatForm>,
) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::Administer)?;
    let t = lang.t;
    let spec = domain::secretariat::SecretariatSpec {
        name: form.name,
        name_en: Some(form.name_en),
        phone: Some(form.phone),
        email: Some(form.email),
        hours: Some(form.hours),
        hours_en: Some(form.hours_en),
    };
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    match app::programmes::set_secretariat(&state.services, &actor, id, &spec, state.clock.now()).await {
        Ok(()) => {
            state.programme_changed();
            Ok(Redirect::to("/office/programmes").into_response())
        }
        Err(error @ app::AppError::Invalid(_)) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            programmes_page_typed(&state, t, &staff, message, Some((id, spec)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct CourseForm {
    window_start: String,
    window_end: String,
    capacity: String,
}

async fn update_course(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<CourseForm>,
) -> Result<Response, PageError> {
    // The page shown again with a problem is the administrators' page.
    staff.require_may(domain::access::Action::Administer)?;
    let t = lang.t;
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let result = match app::programmes::CourseChange::parse(&form.window_start, &form.window_end, &form.capacity) {
        Ok(change) => app::programmes::update_course(&state.services, &actor, id, change, state.clock.now()).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => {
            state.programme_changed();
            Ok(Redirect::to("/office/programmes").into_response())
        }
        Err(error @ (app::AppError::Refused(_) | app::AppError::Invalid(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            programmes_page(&state, t, &staff, message, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A staff user as the administrator's list shows it.
struct UserRow {
    id: Uuid,
    name: String,
    email: String,
    role: &'static str,
    last_login: String,
    active: bool,
    must_change: bool,
    disabled_at: String,
    is_self: bool,
}

#[derive(Template)]
#[template(path = "office/users.html")]
struct UsersPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    users: Vec<UserRow>,
    notice: Option<String>,
    problem: Option<String>,
}

async fn users_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let users = store::accounts::list_users(&state.db)
        .await?
        .into_iter()
        .filter(|user| user.role.is_staff())
        .map(|user| UserRow {
            id: user.id,
            role: t.pick(user.role.label_ja(), user.role.label_en()),
            last_login: user.last_login_at.map(|at| t.datetime(&at)).unwrap_or_default(),
            active: user.is_active,
            must_change: user.must_change_password,
            disabled_at: user.disabled_at.map(|at| t.datetime(&at)).unwrap_or_default(),
            is_self: user.id == staff.user.id,
            name: user.display_name,
            email: user.email,
        })
        .collect();
    let page = UsersPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        users,
        notice,
        problem,
    };
    html(status, &page)
}

async fn list_users(State(state): State<AppState>, lang: Lang, staff: Staff) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::Administer)?;
    users_page(&state, lang.t, &staff, None, None, StatusCode::OK).await
}

async fn disable_user(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    match app::accounts::disable_user(&state.services, &actor, id, state.clock.now()).await {
        Ok(()) => {
            let notice = t.s("アカウントを無効にしました。", "The account was disabled.").to_string();
            users_page(&state, t, &staff, Some(notice), None, StatusCode::OK).await
        }
        Err(error @ app::AppError::Refused(_)) => {
            let problem = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            users_page(&state, t, &staff, None, problem, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}

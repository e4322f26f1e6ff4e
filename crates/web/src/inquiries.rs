//! Inquiries and the FAQ on the web: the public form `/contact` (入力 → 確認 → 完了, with the
//! FAQ entries like the question offered on the way), `/faq` with its search and one page per
//! entry, and the secretariat's inbox (`/office/inquiries`: the list with its clocks and export,
//! one inquiry's thread with reply, call, note, status, assignee, category and case link, a
//! telephone inquiry) and FAQ editing (`/office/faq`). Every change goes through
//! `app::inquiries`; the API (`api_inquiries`) uses the same door for submitting.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::application::FieldIssues;
use domain::inquiry::{Category, Channel, InquiryInput, Status};
use serde::Deserialize;
use store::inquiries::{AttachmentRecord, FaqRecord, InquiryRecord, MessageKind};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CompanyUser, Staff};
use crate::client::ClientIp;
use crate::csrf::FormToken;
use crate::error::PageError;
use crate::guidance::parse_id;
use crate::i18n::{Lang, T, cookie_from_headers, set_cookie};
use crate::render::{html, with_cookie};

/// How long the browser that sent an inquiry may see its acknowledgement page.
const DONE_LIFETIME: chrono::Duration = chrono::Duration::minutes(30);
const DONE_COOKIE: &str = "kojo_inquiry_done";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contact", get(contact_page).post(post_contact))
        .route("/contact/done", get(done_page))
        .route("/faq", get(faq_page))
        .route("/faq/{id}", get(faq_entry_page))
        .route("/office/inquiries", get(inbox_page))
        .route("/office/inquiries/export", get(inbox_export))
        .route("/office/inquiries/figures", get(figures_page))
        .route("/office/inquiries/call", get(call_page).post(post_call))
        .route("/office/inquiries/templates", get(templates_page).post(post_new_template))
        .route("/office/inquiries/templates/{id}", post(post_template))
        .route("/office/inquiries/{id}", get(inquiry_page).post(post_inquiry))
        .route(
            "/office/inquiries/{id}/reply",
            post(post_reply).layer(crate::upload_limit("/office/inquiries/{id}/reply")),
        )
        .route("/office/inquiries/{id}/files/{file}", get(office_file))
        .route("/portal/inquiries", get(portal_page))
        .route("/portal/inquiries/{id}/files/{file}", get(portal_file))
        .route("/office/faq", get(office_faq_page))
        .route("/office/faq/new", get(new_faq_page).post(post_new_faq))
        .route("/office/faq/{id}", get(edit_faq_page).post(post_edit_faq))
        .route("/office/faq/{id}/publish", post(post_publish_faq))
}

// ---------------------------------------------------------------------------------------------
// The public form.

/// Each field's label in Japanese and English.
fn label(field: &str) -> (&'static str, &'static str) {
    match field {
        "name" => ("お名前", "Your name"),
        "company_name" => ("会社名（屋号）", "Company name"),
        "email" => ("メールアドレス", "E-mail address"),
        "phone" => ("電話番号", "Phone number"),
        "category" => ("お問い合わせの種別", "What it is about"),
        "subject" => ("件名", "Subject"),
        "message" => ("お問い合わせ内容", "Your question"),
        "privacy_policy_accepted" => ("個人情報の取扱いへの同意", "Consent to the handling of personal data"),
        _ => ("", ""),
    }
}

const FIELDS: [(&str, bool); 8] = [
    ("name", true),
    ("company_name", false),
    ("email", true),
    ("phone", false),
    ("category", true),
    ("subject", true),
    ("message", true),
    ("privacy_policy_accepted", true),
];

fn values_of(input: &InquiryInput) -> HashMap<&'static str, String> {
    HashMap::from([
        ("name", input.name.clone()),
        ("company_name", input.company_name.clone().unwrap_or_default()),
        ("email", input.email.clone()),
        ("phone", input.phone.clone().unwrap_or_default()),
        ("category", input.category.clone().unwrap_or_default()),
        ("subject", input.subject.clone()),
        ("message", input.message.clone()),
        ("privacy_policy_accepted", if input.privacy_policy_accepted { "yes".into() } else { String::new() }),
    ])
}

fn input_of(pairs: &[(String, String)]) -> InquiryInput {
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    InquiryInput {
        name: get("name").unwrap_or_default(),
        company_name: get("company_name"),
        email: get("email").unwrap_or_default(),
        phone: get("phone"),
        category: get("category"),
        subject: get("subject").unwrap_or_default(),
        message: get("message").unwrap_or_default(),
        privacy_policy_accepted: get("privacy_policy_accepted").is_some_and(|v| !v.is_empty()),
    }
}

/// An FAQ entry as a list shows it: in the reader's language where it has one.
pub(crate) struct FaqView {
    id: Uuid,
    category: &'static str,
    question: String,
    answer: String,
}

fn faq_view(t: T, entry: &FaqRecord) -> FaqView {
    let (question, answer) = match (t.en, &entry.question_en, &entry.answer_en) {
        (true, Some(question), Some(answer)) => (question.clone(), answer.clone()),
        _ => (entry.question_ja.clone(), entry.answer_ja.clone()),
    };
    FaqView { id: entry.id, category: t.pick(entry.category.label_ja(), entry.category.label_en()), question, answer }
}

/// Published FAQ entries like `subject` (its words, then its longest word alone): at most 5.
async fn similar(state: &AppState, subject: &str) -> Vec<FaqRecord> {
    if subject.trim().is_empty() {
        return Vec::new();
    }
    let mut found = app::inquiries::public_faq(&state.services, None, subject).await.unwrap_or_default();
    if found.is_empty()
        && let Some(longest) = subject.split_whitespace().max_by_key(|w| w.chars().count())
    {
        found = app::inquiries::public_faq(&state.services, None, longest).await.unwrap_or_default();
    }
    found.truncate(5);
    found
}

#[derive(Template)]
#[template(path = "public/contact_form.html")]
struct ContactPage {
    t: T,
    signed_in: bool,
    csrf: String,
    values: HashMap<&'static str, String>,
    issues: FieldIssues,
    problem: Option<String>,
    summary: Vec<(String, String)>,
    categories: Vec<(&'static str, &'static str)>,
}

impl ContactPage {
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
        FIELDS.iter().any(|(name, required)| *name == field && *required)
    }

    fn described_by(&self, field: &str) -> String {
        if self.issues.get(field).is_some() { format!("f-{field}-error") } else { String::new() }
    }
}

fn categories(t: T) -> Vec<(&'static str, &'static str)> {
    Category::ALL.iter().map(|c| (c.code(), t.pick(c.label_ja(), c.label_en()))).collect()
}

fn contact_form(
    t: T,
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
    let page = ContactPage { t, signed_in: false, csrf, values, issues, problem, summary, categories: categories(t) };
    html(status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContactQuery {
    category: String,
}

async fn contact_page(lang: Lang, csrf: FormToken, Query(query): Query<ContactQuery>) -> Result<Response, PageError> {
    let mut values = values_of(&InquiryInput::default());
    if Category::from_code(&query.category).is_some() {
        values.insert("category", query.category);
    }
    contact_form(lang.t, values, FieldIssues::default(), None, csrf.0, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "public/contact_review.html")]
struct ReviewPage {
    t: T,
    signed_in: bool,
    csrf: String,
    hidden: Vec<(&'static str, String)>,
    rows: Vec<(&'static str, String)>,
    message: String,
    similar: Vec<FaqView>,
}

/// The form's one address for its three steps, told apart by the button pressed (`step`), as
/// the application form's: `review` (確認, with similar FAQ entries), `back`, `send`.
async fn post_contact(
    State(state): State<AppState>,
    lang: Lang,
    ip: ClientIp,
    csrf: FormToken,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let step = pairs.iter().find(|(k, _)| k == "step").map(|(_, v)| v.as_str()).unwrap_or("review");
    let input = input_of(&pairs);
    let values = values_of(&input);
    let refused = match step {
        "back" => return contact_form(t, values, FieldIssues::default(), None, csrf.0, StatusCode::OK),
        "send" => match submit(&state, &input, t, ip).await {
            Ok(submitted) => {
                let token =
                    state.config.signing_key.sign(&submitted.inquiry.id.to_string(), state.clock.now() + DONE_LIFETIME);
                let cookie = set_cookie(
                    DONE_COOKIE,
                    &token,
                    Some(DONE_LIFETIME.num_seconds()),
                    true,
                    state.config.secure_cookies,
                );
                return Ok(with_cookie(Redirect::to("/contact/done").into_response(), cookie));
            }
            Err(error) => error,
        },
        _ => match domain::inquiry::validate(&input) {
            Ok(valid) => {
                let hidden = values.iter().map(|(k, v)| (*k, v.clone())).filter(|(_, v)| !v.is_empty()).collect();
                let rows = vec![
                    (t.s("お名前", "Your name"), valid.name.clone()),
                    (t.s("会社名（屋号）", "Company name"), valid.company_name.clone().unwrap_or_else(|| "—".into())),
                    (t.s("メールアドレス", "E-mail address"), valid.email.as_str().to_string()),
                    (
                        t.s("電話番号", "Phone number"),
                        valid.phone.as_ref().map_or("—".into(), |p| p.as_str().to_string()),
                    ),
                    (
                        t.s("お問い合わせの種別", "What it is about"),
                        t.pick(valid.category.label_ja(), valid.category.label_en()).to_string(),
                    ),
                    (t.s("件名", "Subject"), valid.subject.clone()),
                ];
                let similar = similar(&state, &valid.subject).await.iter().map(|e| faq_view(t, e)).collect();
                let page =
                    ReviewPage { t, signed_in: false, csrf: csrf.0, hidden, rows, message: valid.message, similar };
                return html(StatusCode::OK, &page);
            }
            Err(issues) => Refused::Invalid(issues),
        },
    };
    let (status, issues, problem) = match refused {
        Refused::Invalid(issues) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            issues,
            Some(t.s("入力内容に誤りがあります。次の項目をご確認ください。", "Some entries need correcting:").to_string()),
        ),
        Refused::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            FieldIssues::default(),
            Some(t.s("短時間に送信が集中しています。1分ほど待ってから、もう一度送信してください。入力内容はそのままです。", "Too many submissions; wait a minute and send again.").to_string()),
        ),
        Refused::App(error) => return Err(error.into()),
    };
    contact_form(t, values, issues, problem, csrf.0, status)
}

/// Why the door did not take an inquiry.
pub(crate) enum Refused {
    RateLimited,
    Invalid(FieldIssues),
    App(app::AppError),
}

/// The door shared by the form and `POST /api/v1/inquiries`: the per-address rate limit of the
/// other public forms, then the one use case.
pub(crate) async fn submit(
    state: &AppState,
    input: &InquiryInput,
    t: T,
    ip: ClientIp,
) -> Result<app::inquiries::Submitted, Refused> {
    if !state.submit_limiter.allow(ip.0) {
        return Err(Refused::RateLimited);
    }
    let actor = app::Actor::public(ip.to_db());
    app::inquiries::submit(&state.services, &actor, input, t.language(), state.clock.now()).await.map_err(|error| {
        match error {
            app::inquiries::SubmitError::Invalid(issues) => Refused::Invalid(issues),
            app::inquiries::SubmitError::App(error) => Refused::App(error),
        }
    })
}

#[derive(Template)]
#[template(path = "public/contact_done.html")]
struct DonePage {
    t: T,
    signed_in: bool,
    reference: String,
    due: String,
    email: String,
}

async fn done_page(State(state): State<AppState>, lang: Lang, headers: HeaderMap) -> Result<Response, PageError> {
    let now = state.clock.now();
    let id = cookie_from_headers(&headers, DONE_COOKIE)
        .and_then(|token| state.config.signing_key.verify(&token, now))
        .and_then(|id| Uuid::parse_str(&id).ok());
    let Some(id) = id else {
        return Ok(Redirect::to("/contact").into_response());
    };
    let record = store::inquiries::get(&state.db, id).await?;
    let target = app::inquiries::target_of(&state.services, record.programme_id).await?;
    let due = domain::inquiry::first_answer_due(&state.calendar, record.received_at, target);
    let page = DonePage {
        t: lang.t,
        signed_in: false,
        reference: record.reference,
        due: app::mail::tokyo_instant(lang.t.en, due),
        email: record.email.unwrap_or_default(),
    };
    html(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------------
// The public FAQ.

#[derive(Deserialize, Default)]
#[serde(default)]
struct FaqQuery {
    q: String,
    category: String,
}

#[derive(Template)]
#[template(path = "public/faq.html")]
struct FaqPage {
    t: T,
    signed_in: bool,
    q: String,
    category: String,
    categories: Vec<(&'static str, &'static str)>,
    groups: Vec<(&'static str, Vec<FaqView>)>,
    total: usize,
}

async fn faq_page(
    State(state): State<AppState>,
    lang: Lang,
    Query(query): Query<FaqQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let category = Category::from_code(&query.category);
    if category.is_none() && !query.category.trim().is_empty() {
        return Err(PageError::bad_request(
            "その分類はありません。分類を選び直してください。",
            "There is no such category. Choose one from the list.",
        ));
    }
    let q: String = query.q.chars().take(200).collect();
    let entries = app::inquiries::public_faq(&state.services, category, &q).await?;
    let mut groups: Vec<(&'static str, Vec<FaqView>)> = Vec::new();
    for c in Category::ALL {
        let views: Vec<FaqView> = entries.iter().filter(|e| e.category == c).map(|e| faq_view(t, e)).collect();
        if !views.is_empty() {
            groups.push((t.pick(c.label_ja(), c.label_en()), views));
        }
    }
    let page = FaqPage {
        t,
        signed_in: false,
        q,
        category: category.map(|c| c.code().to_string()).unwrap_or_default(),
        categories: categories(t),
        total: entries.len(),
        groups,
    };
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "public/faq_entry.html")]
struct FaqEntryPage {
    t: T,
    signed_in: bool,
    entry: FaqView,
}

async fn faq_entry_page(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let entry = app::inquiries::public_faq_entry(&state.services, parse_id(&id)?).await?;
    html(StatusCode::OK, &FaqEntryPage { t: lang.t, signed_in: false, entry: faq_view(lang.t, &entry) })
}

// ---------------------------------------------------------------------------------------------
// The secretariat's inbox.

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct InboxQuery {
    /// `open` (default), `all`, or a status code.
    status: String,
    category: String,
    channel: String,
    q: String,
    /// `mine`: assigned to the signed-in user.
    assignee: String,
    format: String,
}

impl InboxQuery {
    fn filter(&self, me: Uuid) -> store::inquiries::Filter {
        store::inquiries::Filter {
            status: Status::from_code(&self.status),
            all: self.status == "all",
            category: Category::from_code(&self.category),
            channel: Channel::from_code(&self.channel),
            assignee: (self.assignee == "mine").then_some(me),
            application: None,
            confirmed_links_only: false,
            text: Some(self.q.chars().filter(|c| !c.is_control()).take(100).collect::<String>())
                .filter(|q| !q.trim().is_empty()),
        }
    }
}

fn channel_label(t: T, channel: Channel) -> &'static str {
    match channel {
        Channel::Web => t.s("Web", "Web"),
        Channel::Email => t.s("メール", "E-mail"),
        Channel::Phone => t.s("電話", "Phone"),
    }
}

fn status_label(t: T, status: Status) -> &'static str {
    t.pick(status.label_ja(), status.label_en())
}

/// The clock as a short text and its state (`late`, `due`, `paused`, or empty).
fn clock_text(t: T, clock: Option<domain::inquiry::Clock>) -> (String, &'static str) {
    match clock {
        Some(domain::inquiry::Clock::Late(due)) => {
            (format!("{}{}", t.s("期限超過：", "Late: "), app::mail::tokyo_instant(t.en, due)), "late")
        }
        Some(domain::inquiry::Clock::Due(due)) => {
            (format!("{}{}", t.s("回答期限：", "Due: "), app::mail::tokyo_instant(t.en, due)), "due")
        }
        Some(domain::inquiry::Clock::Paused) => {
            (t.s("停止中（問い合わせ者の返信待ち）", "Stopped (waiting for the asker)").into(), "paused")
        }
        None => (String::new(), ""),
    }
}

struct InboxRowView {
    id: Uuid,
    reference: String,
    received: String,
    channel: &'static str,
    category: &'static str,
    subject: String,
    asker: String,
    status: &'static str,
    clock: String,
    clock_state: &'static str,
    assignee: String,
}

#[derive(Template)]
#[template(path = "office/inquiries.html")]
struct InboxPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    query: InboxQuery,
    export_query: String,
    categories: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<InboxRowView>,
    late: usize,
}

fn actor_of(staff: &Staff, ip: &ClientIp) -> app::Actor {
    app::Actor::user(&staff.user, app::Via::Page, ip.to_db())
}

async fn staff_names(state: &AppState) -> Result<HashMap<Uuid, String>, PageError> {
    Ok(store::accounts::list_users(&state.db).await?.into_iter().map(|u| (u.id, u.display_name)).collect())
}

async fn inbox_rows(
    state: &AppState,
    staff: &Staff,
    ip: &ClientIp,
    query: &InboxQuery,
) -> Result<Vec<app::inquiries::InboxRow>, PageError> {
    let actor = actor_of(staff, ip);
    Ok(app::inquiries::inbox(&state.services, &actor, &query.filter(staff.user.id), state.clock.now()).await?)
}

async fn inbox_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let rows = inbox_rows(&state, &staff, &ip, &query).await?;
    let names = staff_names(&state).await?;
    let late = rows.iter().filter(|r| matches!(r.clock, Some(domain::inquiry::Clock::Late(_)))).count();
    let rows = rows
        .iter()
        .map(|row| {
            let r = &row.inquiry;
            let (clock, clock_state) = clock_text(t, row.clock);
            InboxRowView {
                id: r.id,
                reference: r.reference.clone(),
                received: app::mail::tokyo_instant(t.en, r.received_at),
                channel: channel_label(t, r.channel),
                category: t.pick(r.category.label_ja(), r.category.label_en()),
                subject: r.subject.clone(),
                asker: match &r.company_name {
                    Some(company) => format!("{}（{company}）", r.name),
                    None => r.name.clone(),
                },
                status: status_label(t, r.status),
                clock,
                clock_state,
                assignee: r.assignee_user_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
            }
        })
        .collect();
    let export_query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("status", query.status.as_str()),
            ("category", query.category.as_str()),
            ("channel", query.channel.as_str()),
            ("q", query.q.as_str()),
            ("assignee", query.assignee.as_str()),
        ])
        .finish();
    let page = InboxPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        query,
        export_query,
        categories: categories(t),
        statuses: [Status::New, Status::InProgress, Status::WaitingForAsker, Status::Answered, Status::Closed]
            .into_iter()
            .map(|s| (s.code(), status_label(t, s)))
            .collect(),
        rows,
        late,
    };
    html(StatusCode::OK, &page)
}

const EXPORT_HEADERS: [&str; 14] = [
    "問い合わせ番号",
    "受付日時",
    "経路",
    "種別",
    "状態",
    "件名",
    "氏名",
    "会社名",
    "メールアドレス",
    "電話番号",
    "初回回答日時",
    "回答期限",
    "期限超過",
    "担当",
];

/// The inbox as selected, as CSV (UTF-8 with BOM, or Shift_JIS) or xlsx; the export is audited
/// (it holds personal data).
async fn inbox_export(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let format = if query.format.is_empty() { "csv".to_string() } else { query.format.clone() };
    if !matches!(format.as_str(), "csv" | "csv_sjis" | "xlsx") {
        return Err(PageError::bad_request(
            "不明な出力形式です（csv / csv_sjis / xlsx）。",
            "Unknown format (csv / csv_sjis / xlsx).",
        ));
    }
    let rows = inbox_rows(&state, &staff, &ip, &query).await?;
    let names = staff_names(&state).await?;
    let now = state.clock.now();
    let tx = state.db.begin().await?;
    store::audit::add(
        &tx,
        store::audit::NewAuditEntry {
            actor: staff.actor(),
            action: "inquiry.export",
            subject_type: "inquiry",
            subject_id: None,
            ip: ip.to_db(),
            detail: serde_json::json!({"rows": rows.len(), "format": format}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    use documents::Cell;
    let mut table = documents::Table::new(EXPORT_HEADERS);
    for row in &rows {
        let r = &row.inquiry;
        let (due, late) = match row.clock {
            Some(domain::inquiry::Clock::Late(due)) => (Some(due), "超過"),
            Some(domain::inquiry::Clock::Due(due)) => (Some(due), ""),
            _ => (None, ""),
        };
        table.push(vec![
            Cell::from(r.reference.as_str()),
            crate::render::tokyo_cell(Some(r.received_at)),
            Cell::from(match r.channel {
                Channel::Web => "Web",
                Channel::Email => "メール",
                Channel::Phone => "電話",
            }),
            Cell::from(r.category.label_ja()),
            Cell::from(r.status.label_ja()),
            Cell::from(r.subject.as_str()),
            Cell::from(r.name.as_str()),
            Cell::from(r.company_name.clone()),
            Cell::from(r.email.clone()),
            Cell::from(r.phone.clone()),
            crate::render::tokyo_cell(r.first_answered_at),
            crate::render::tokyo_cell(due),
            Cell::from(late),
            Cell::from(r.assignee_user_id.and_then(|id| names.get(&id).cloned())),
        ]);
    }
    crate::render::export(table, &format, "問い合わせ", "inquiries", state.clock.today())
}

struct MessageView {
    kind: &'static str,
    kind_code: &'static str,
    author: String,
    at: String,
    body: String,
    /// Its files: (download path, name, size as shown).
    files: Vec<(String, String, String)>,
}

/// The files of message `message` as links under `base` (`/office/inquiries/{id}` or the
/// portal's).
fn files_of(files: &[AttachmentRecord], message: Uuid, base: &str) -> Vec<(String, String, String)> {
    files
        .iter()
        .filter(|f| f.message_id == message)
        .map(|f| (format!("{base}/files/{}", f.id), f.filename.clone(), format!("{} KB", f.size.div_ceil(1024))))
        .collect()
}

#[derive(Template)]
#[template(path = "office/inquiry.html")]
struct InquiryPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    inquiry: InquiryRecord,
    channel: &'static str,
    category: &'static str,
    status: &'static str,
    received: String,
    clock: String,
    clock_state: &'static str,
    application: Option<(Uuid, String, String)>,
    thread: Vec<MessageView>,
    staff: Vec<(Uuid, String)>,
    categories: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    problem: Option<String>,
    /// What was typed in the form that failed (action, text), kept.
    typed: (String, String),
    /// Answer templates: (id, title).
    templates: Vec<(Uuid, String)>,
}

impl InquiryPage {
    fn closed(&self) -> bool {
        self.inquiry.status == Status::Closed
    }

    fn typed_for(&self, action: &str) -> &str {
        if self.typed.0 == action { &self.typed.1 } else { "" }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
    /// An answer template to start the reply from.
    template: String,
}

fn notice_for(t: T, done: &str) -> Option<&'static str> {
    Some(match done {
        "reply" => {
            t.s("返信を送信しました（メール送信キューに入りました）。", "The reply was sent (queued for e-mail).")
        }
        "call" => t.s("電話の記録を保存しました。", "The call was logged."),
        "note" => t.s("メモを保存しました。", "The note was saved."),
        "status" => t.s("状態を変更しました。", "The status was changed."),
        "assign" => t.s("担当者を変更しました。", "The assignee was changed."),
        "category" => t.s("種別を変更しました。", "The category was changed."),
        "link" => t.s("申込みとの紐付けを変更しました。", "The link to an application was changed."),
        "created" => t.s("電話の問い合わせを登録しました。", "The telephone inquiry was recorded."),
        _ => return None,
    })
}

/// What the inquiry page shows besides the inquiry: a notice after a change, or the problem of
/// a form that failed with what was typed in it.
#[derive(Default)]
struct Shown {
    notice: Option<&'static str>,
    problem: Option<String>,
    typed: (String, String),
}

async fn render_inquiry(
    state: &AppState,
    (t, staff, ip): (T, &Staff, &ClientIp),
    id: Uuid,
    Shown { notice, problem, typed }: Shown,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = actor_of(staff, ip);
    let opened = app::inquiries::open(&state.services, &actor, id, state.clock.now()).await?;
    let users = store::accounts::list_users(&state.db).await?;
    let names: HashMap<Uuid, String> = users.iter().map(|u| (u.id, u.display_name.clone())).collect();
    let templates = app::inquiries::answer_templates(&state.services, &actor)
        .await?
        .into_iter()
        .map(|template| (template.id, template.title))
        .collect();
    let r = &opened.inquiry;
    let (clock, clock_state) = clock_text(t, opened.clock);
    let thread = opened
        .thread
        .iter()
        .map(|m| MessageView {
            kind: match m.kind {
                MessageKind::Incoming => t.s("問い合わせ者から", "From the asker"),
                MessageKind::Reply => t.s("返信（メール送信）", "Reply (e-mailed)"),
                MessageKind::Call => t.s("電話", "Telephone call"),
                MessageKind::Note => t.s("内部メモ", "Internal note"),
            },
            kind_code: m.kind.code(),
            author: m.author_user_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
            at: app::mail::tokyo_instant(t.en, m.created_at),
            body: m.body.clone(),
            files: files_of(&opened.files, m.id, &format!("/office/inquiries/{id}")),
        })
        .collect();
    let page = InquiryPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        channel: channel_label(t, r.channel),
        category: t.pick(r.category.label_ja(), r.category.label_en()),
        status: status_label(t, r.status),
        received: app::mail::tokyo_instant(t.en, r.received_at),
        clock,
        clock_state,
        application: opened.application.clone(),
        thread,
        staff: users
            .iter()
            .filter(|u| u.is_active && u.role.may(domain::access::Action::AnswerInquiries))
            .map(|u| (u.id, u.display_name.clone()))
            .collect(),
        categories: categories(t),
        notice,
        problem,
        typed,
        templates,
        inquiry: opened.inquiry,
    };
    html(status, &page)
}

async fn inquiry_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let notice = notice_for(lang.t, &query.done);
    // A reply started from an answer template.
    let typed = match query.template.as_str() {
        "" => Default::default(),
        raw => {
            staff.require_may(domain::access::Action::AnswerInquiries)?;
            let template = store::inquiries::answer_template_by_id(&state.db, parse_id(raw)?).await?;
            ("reply".to_string(), template.body)
        }
    };
    let shown = Shown { notice, typed, ..Shown::default() };
    render_inquiry(&state, (lang.t, &staff, &ip), parse_id(&id)?, shown, StatusCode::OK).await
}

/// The inquiry page's forms, told apart by `action`.
async fn post_inquiry(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    let action = get("action");
    let (command, done) = match action.as_str() {
        "reply" => {
            (app::inquiries::Command::Reply { body: get("body"), ask: get("ask") == "yes", files: Vec::new() }, "reply")
        }
        "call" => (app::inquiries::Command::Call { summary: get("body"), answered: get("answered") == "yes" }, "call"),
        "note" => (app::inquiries::Command::Note { body: get("body") }, "note"),
        "start" => (app::inquiries::Command::Start, "status"),
        "close" => (app::inquiries::Command::Close, "status"),
        "reopen" => (app::inquiries::Command::Reopen, "status"),
        "assign" => {
            let user = match get("assignee").as_str() {
                "" => None,
                raw => Some(
                    Uuid::parse_str(raw)
                        .map_err(|_| PageError::bad_request("担当者の値が正しくありません", "Unknown assignee"))?,
                ),
            };
            (app::inquiries::Command::Assign(user), "assign")
        }
        "category" => {
            let category = Category::from_code(&get("category"))
                .ok_or_else(|| PageError::bad_request("種別の値が正しくありません", "Unknown category"))?;
            (app::inquiries::Command::Recategorise(category), "category")
        }
        "link" => (app::inquiries::Command::Link(Some(get("reference"))), "link"),
        _ => return Err(PageError::bad_request("不明な操作です", "Unknown action")),
    };
    act_and_show(&state, (t, &staff, &ip), id, command, (&action, get("body")), done).await
}

/// The reply form (multipart, for its files): the text, "asks the asker", and up to three
/// files. A problem shows the page again with the text kept (files must be chosen again: a
/// browser cannot be given them back).
async fn post_reply(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let mut body = String::new();
    let mut ask = false;
    let mut files = Vec::new();
    let mut problem: Option<(StatusCode, String)> = None;
    let mut total = 0usize;
    // A request cut short or malformed is refused whole: nothing is sent with half its parts.
    let broken = || {
        PageError::bad_request(
            "送信内容を読み取れませんでした。もう一度お試しください。",
            "The form could not be read; try again.",
        )
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                problem = Some((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    t.s("添付ファイルは合計7MBまでです。", "The attached files may take 7 MB together at most.")
                        .to_string(),
                ));
                break;
            }
            Err(_) => return Err(broken()),
        };
        match field.name().unwrap_or("") {
            "body" => body = field.text().await.map_err(|_| broken())?,
            "ask" => ask = field.text().await.map_err(|_| broken())? == "yes",
            "files" => {
                let name = field.file_name().unwrap_or("").to_string();
                let mut bytes = Vec::new();
                let mut too_large = false;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) if total + chunk.len() <= app::inquiries::MAX_REPLY_BYTES => {
                            total += chunk.len();
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(Some(_)) => {
                            too_large = true;
                            break;
                        }
                        Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            too_large = true;
                            break;
                        }
                        Err(_) => return Err(broken()),
                        Ok(None) => break,
                    }
                }
                if too_large {
                    problem = Some((
                        StatusCode::PAYLOAD_TOO_LARGE,
                        t.s("添付ファイルは合計7MBまでです。", "The attached files may take 7 MB together at most.")
                            .to_string(),
                    ));
                    break;
                }
                // A file input left empty sends a part with no name and no bytes.
                if name.is_empty() && bytes.is_empty() {
                    continue;
                }
                match domain::upload::Upload::checked(&name, bytes) {
                    Ok(upload) => files.push(upload),
                    Err(refused) => {
                        let status =
                            StatusCode::from_u16(refused.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                        let what = t.pick(refused.message_ja(), refused.message_en());
                        problem = Some((status, format!("{}: {what}", domain::upload::clean_filename(&name))));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((status, message)) = problem {
        let shown = Shown { notice: None, problem: Some(message), typed: ("reply".into(), body) };
        return render_inquiry(&state, (t, &staff, &ip), id, shown, status).await;
    }
    let command = app::inquiries::Command::Reply { body: body.clone(), ask, files };
    act_and_show(&state, (t, &staff, &ip), id, command, ("reply", body), "reply").await
}

/// Applies `command` and goes back to the inquiry with a notice, or shows the page again with
/// the problem and what was typed (`typed`: the form's action and text).
async fn act_and_show(
    state: &AppState,
    (t, staff, ip): (T, &Staff, &ClientIp),
    id: Uuid,
    command: app::inquiries::Command,
    typed: (&str, String),
    done: &str,
) -> Result<Response, PageError> {
    let actor = actor_of(staff, ip);
    match app::inquiries::act(&state.services, &actor, id, command, state.clock.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/office/inquiries/{id}?done={done}")).into_response()),
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let message = crate::messages::for_error(&error)
                .map(|m| t.pick(&m.ja, &m.en).to_string())
                .unwrap_or_else(|| t.s("この操作はできません", "This cannot be done").to_string());
            let status = if matches!(error, app::AppError::Refused(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let shown = Shown { notice: None, problem: Some(message), typed: (typed.0.to_string(), typed.1) };
            render_inquiry(state, (t, staff, ip), id, shown, status).await
        }
        Err(error) => Err(error.into()),
    }
}

/// A file of the thread, for staff (audited).
async fn office_file(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = actor_of(&staff, &ip);
    let (record, bytes) =
        app::inquiries::attachment(&state.services, &actor, parse_id(&id)?, parse_id(&file)?, state.clock.now())
            .await?;
    Ok(crate::incidents::download(&record.filename, &record.content_type, bytes))
}

/// A file of the company's own inquiry (audited).
async fn portal_file(
    State(state): State<AppState>,
    company: CompanyUser,
    ip: ClientIp,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let (record, bytes) =
        app::inquiries::attachment(&state.services, &actor, parse_id(&id)?, parse_id(&file)?, state.clock.now())
            .await?;
    Ok(crate::incidents::download(&record.filename, &record.content_type, bytes))
}

#[derive(Template)]
#[template(path = "office/inquiry_call.html")]
struct CallPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    categories: Vec<(&'static str, &'static str)>,
    values: HashMap<String, String>,
    problem: Option<String>,
}

impl CallPage {
    fn v(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
}

fn call_form(
    t: T,
    staff: &Staff,
    values: HashMap<String, String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = CallPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        categories: categories(t),
        values,
        problem,
    };
    html(status, &page)
}

async fn call_page(lang: Lang, staff: Staff) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::AnswerInquiries)?;
    call_form(lang.t, &staff, HashMap::new(), None, StatusCode::OK)
}

async fn post_call(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    let input = app::inquiries::CallInput {
        name: get("name"),
        company_name: get("company_name"),
        phone: get("phone"),
        email: get("email"),
        category: get("category"),
        subject: get("subject"),
        summary: get("summary"),
        answered: get("answered") == "yes",
    };
    let actor = actor_of(&staff, &ip);
    match app::inquiries::log_call(&state.services, &actor, &input, state.clock.now()).await {
        Ok(record) => Ok(Redirect::to(&format!("/office/inquiries/{}?done=created", record.id)).into_response()),
        Err(error @ app::AppError::Invalid(_)) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            call_form(t, &staff, form, message, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => Err(error.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// FAQ editing.

struct OfficeFaqRow {
    id: Uuid,
    category: &'static str,
    question: String,
    published: bool,
    version: i32,
    updated: String,
}

#[derive(Template)]
#[template(path = "office/faq.html")]
struct OfficeFaqPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    q: String,
    rows: Vec<OfficeFaqRow>,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OfficeFaqQuery {
    q: String,
    done: String,
}

async fn office_faq_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<OfficeFaqQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = actor_of(&staff, &ip);
    let q: String = query.q.chars().take(200).collect();
    let entries = app::inquiries::faq_for_staff(&state.services, &actor, &q).await?;
    let rows = entries
        .iter()
        .map(|e| OfficeFaqRow {
            id: e.id,
            category: t.pick(e.category.label_ja(), e.category.label_en()),
            question: e.question_ja.clone(),
            published: e.published,
            version: e.version,
            updated: app::mail::tokyo_instant(t.en, e.updated_at),
        })
        .collect();
    let notice = match query.done.as_str() {
        "saved" => Some(t.s("保存しました。", "Saved.")),
        "published" => Some(t.s("公開しました。", "Published.")),
        "unpublished" => Some(t.s("非公開にしました。", "Unpublished.")),
        _ => None,
    };
    let page = OfficeFaqPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        q,
        rows,
        notice,
    };
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "office/faq_edit.html")]
struct FaqEditPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    /// `None`: a new entry.
    id: Option<Uuid>,
    from: Option<Uuid>,
    input: app::inquiries::FaqInput,
    categories: Vec<(&'static str, &'static str)>,
    published: bool,
    versions: Vec<(i32, String)>,
    notice: Option<&'static str>,
    problem: Option<String>,
}

/// What the FAQ form shows besides the entry.
struct FaqFormState {
    published: bool,
    versions: Vec<(i32, String)>,
    notice: Option<&'static str>,
    problem: Option<String>,
}

fn faq_form(
    t: T,
    staff: &Staff,
    (id, from): (Option<Uuid>, Option<Uuid>),
    input: app::inquiries::FaqInput,
    FaqFormState { published, versions, notice, problem }: FaqFormState,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = FaqEditPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        id,
        from,
        input,
        categories: categories(t),
        published,
        versions,
        notice,
        problem,
    };
    html(status, &page)
}

fn fresh(problem: Option<String>) -> FaqFormState {
    FaqFormState { published: false, versions: Vec::new(), notice: None, problem }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewFaqQuery {
    from: String,
}

/// A new entry; from an inquiry (`?from=ID`), its draft with the personal details removed.
async fn new_faq_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<NewFaqQuery>,
) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::AnswerInquiries)?;
    let (from, input) = match query.from.as_str() {
        "" => (None, app::inquiries::FaqInput { category: Category::Other.code().into(), ..Default::default() }),
        raw => {
            let id = parse_id(raw)?;
            (Some(id), app::inquiries::draft_faq(&state.services, &actor_of(&staff, &ip), id).await?)
        }
    };
    faq_form(lang.t, &staff, (None, from), input, fresh(None), StatusCode::OK)
}

fn faq_input_of(form: &HashMap<String, String>) -> app::inquiries::FaqInput {
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    app::inquiries::FaqInput {
        category: get("category"),
        question_ja: get("question_ja"),
        answer_ja: get("answer_ja"),
        question_en: get("question_en"),
        answer_en: get("answer_en"),
    }
}

async fn post_new_faq(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let input = faq_input_of(&form);
    let from = form.get("from").and_then(|raw| Uuid::parse_str(raw).ok());
    let actor = actor_of(&staff, &ip);
    match app::inquiries::save_faq(&state.services, &actor, None, &input, from, state.clock.now()).await {
        Ok(saved) => Ok(Redirect::to(&format!("/office/faq/{}?done=saved", saved.id)).into_response()),
        Err(error @ app::AppError::Invalid(_)) => {
            let message = crate::messages::for_error(&error).map(|m| lang.t.pick(&m.ja, &m.en).to_string());
            faq_form(lang.t, &staff, (None, from), input, fresh(message), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => Err(error.into()),
    }
}

async fn faq_versions(state: &AppState, t: T, id: Uuid) -> Result<Vec<(i32, String)>, PageError> {
    let names = staff_names(state).await?;
    Ok(store::inquiries::faq_versions(&state.db, id)
        .await?
        .into_iter()
        .map(|(version, at, by)| {
            let who = by.and_then(|id| names.get(&id).cloned()).unwrap_or_default();
            (version, format!("{} {who}", app::mail::tokyo_instant(t.en, at)))
        })
        .collect())
}

async fn edit_faq_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<OfficeFaqQuery>,
) -> Result<Response, PageError> {
    staff.require_may(domain::access::Action::AnswerInquiries)?;
    let id = parse_id(&id)?;
    let entry = store::inquiries::faq(&state.db, id).await?;
    let input = app::inquiries::FaqInput {
        category: entry.category.code().into(),
        question_ja: entry.question_ja.clone(),
        answer_ja: entry.answer_ja.clone(),
        question_en: entry.question_en.clone().unwrap_or_default(),
        answer_en: entry.answer_en.clone().unwrap_or_default(),
    };
    let versions = faq_versions(&state, lang.t, id).await?;
    let notice = (query.done == "saved").then(|| lang.t.s("保存しました。", "Saved."));
    let form = FaqFormState { published: entry.published, versions, notice, problem: None };
    faq_form(lang.t, &staff, (Some(id), entry.source_inquiry_id), input, form, StatusCode::OK)
}

async fn post_edit_faq(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let input = faq_input_of(&form);
    let actor = actor_of(&staff, &ip);
    match app::inquiries::save_faq(&state.services, &actor, Some(id), &input, None, state.clock.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/office/faq/{id}?done=saved")).into_response()),
        Err(error @ app::AppError::Invalid(_)) => {
            let message = crate::messages::for_error(&error).map(|m| lang.t.pick(&m.ja, &m.en).to_string());
            let entry = store::inquiries::faq(&state.db, id).await?;
            let versions = faq_versions(&state, lang.t, id).await?;
            let form = FaqFormState { published: entry.published, versions, notice: None, problem: message };
            faq_form(lang.t, &staff, (Some(id), entry.source_inquiry_id), input, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => Err(error.into()),
    }
}

async fn post_publish_faq(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let published = form.get("published").is_some_and(|v| v == "yes");
    let actor = actor_of(&staff, &ip);
    app::inquiries::publish_faq(&state.services, &actor, id, published, state.clock.now()).await?;
    let done = if published { "published" } else { "unpublished" };
    Ok(Redirect::to(&format!("/office/faq?done={done}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// The month's figures (the results report's inquiry table).

#[derive(Deserialize, Default)]
#[serde(default)]
struct FiguresQuery {
    month: String,
    format: String,
}

#[derive(Template)]
#[template(path = "office/inquiry_figures.html")]
struct FiguresPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    month: String,
    month_label: String,
    figures: domain::inquiry::MonthFigures,
    channels: Vec<(&'static str, u32)>,
    categories: Vec<(&'static str, u32)>,
    median: String,
    p90: String,
}

/// Business minutes as hours and minutes.
fn business_minutes(t: T, minutes: Option<i64>) -> String {
    match minutes {
        None => "—".into(),
        Some(m) if t.en => format!("{} h {:02} min (business time)", m / 60, m % 60),
        Some(m) => format!("{}時間{:02}分（営業時間）", m / 60, m % 60),
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
    let month = match query.month.trim() {
        "" => app::reports::Month::parse(&state.clock.today().format("%Y-%m").to_string()),
        text => app::reports::Month::parse(text),
    }
    .map_err(app::AppError::Invalid)?;
    let actor = actor_of(&staff, &ip);
    let figures = app::inquiries::month_figures(&state.services, &actor, month.clone(), state.clock.now()).await?;
    if !query.format.is_empty() {
        use documents::Cell;
        let mut table = documents::Table::new(["月", "区分", "項目", "値"]);
        let m = month.as_str();
        let mut push = |group: &str, item: &str, value: Cell| {
            table.push(vec![Cell::from(m), Cell::from(group), Cell::from(item), value]);
        };
        push("件数", "受付件数", Cell::from(i64::from(figures.received)));
        for (channel, count) in &figures.by_channel {
            let label = match channel {
                Channel::Web => "Web",
                Channel::Email => "メール",
                Channel::Phone => "電話",
            };
            push("経路別", label, Cell::from(i64::from(*count)));
        }
        for (category, count) in &figures.by_category {
            push("種別", category.label_ja(), Cell::from(i64::from(*count)));
        }
        push("初回回答", "回答済み件数", Cell::from(i64::from(figures.answered)));
        push("初回回答", "初回回答までの時間 中央値（営業時間・分）", Cell::from(figures.median_minutes));
        push("初回回答", "初回回答までの時間 90パーセンタイル（営業時間・分）", Cell::from(figures.p90_minutes));
        push("初回回答", "期限内に回答した件数", Cell::from(i64::from(figures.within_target)));
        push("初回回答", "期限を過ぎて未回答の件数", Cell::from(i64::from(figures.late_unanswered)));
        return crate::render::export(
            table,
            &query.format,
            "問い合わせ月次",
            &format!("inquiries-{m}"),
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
        channels: figures.by_channel.iter().map(|(c, n)| (channel_label(t, *c), *n)).collect(),
        categories: figures.by_category.iter().map(|(c, n)| (t.pick(c.label_ja(), c.label_en()), *n)).collect(),
        median: business_minutes(t, figures.median_minutes),
        p90: business_minutes(t, figures.p90_minutes),
        figures,
    };
    html(StatusCode::OK, &page)
}

// ---------------------------------------------------------------------------------------------
// The company's own inquiries in the portal.

struct PortalInquiry {
    reference: String,
    subject: String,
    status: &'static str,
    received: String,
    thread: Vec<MessageView>,
}

#[derive(Template)]
#[template(path = "portal/inquiries.html")]
struct PortalPage {
    t: T,
    csrf: String,
    inquiries: Vec<PortalInquiry>,
}

async fn portal_page(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let inquiries = app::inquiries::own(&state.services, &actor)
        .await?
        .into_iter()
        .map(|app::inquiries::OwnInquiry { inquiry: record, thread, files }| PortalInquiry {
            status: status_label(t, record.status),
            received: app::mail::tokyo_instant(t.en, record.received_at),
            thread: thread
                .into_iter()
                .map(|m| MessageView {
                    files: files_of(&files, m.id, &format!("/portal/inquiries/{}", record.id)),
                    kind: match m.kind {
                        MessageKind::Reply => t.s("運営事務局からの回答", "The secretariat's answer"),
                        MessageKind::Call => t.s("お電話", "Telephone call"),
                        _ => t.s("お問い合わせ", "Your question"),
                    },
                    kind_code: m.kind.code(),
                    author: String::new(),
                    at: app::mail::tokyo_instant(t.en, m.created_at),
                    body: m.body,
                })
                .collect(),
            reference: record.reference,
            subject: record.subject,
        })
        .collect();
    html(StatusCode::OK, &PortalPage { t, csrf: company.csrf.clone(), inquiries })
}

// ---------------------------------------------------------------------------------------------
// Answer templates.

#[derive(Template)]
#[template(path = "office/answer_templates.html")]
struct TemplatesPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    templates: Vec<store::inquiries::AnswerTemplate>,
    notice: Option<&'static str>,
    problem: Option<String>,
    /// What was typed in the form that failed: (template id or empty, title, body).
    typed: (String, String, String),
}

impl TemplatesPage {
    fn typed_for(&self, id: &str) -> Option<(&str, &str)> {
        (self.typed.0 == id).then_some((self.typed.1.as_str(), self.typed.2.as_str()))
    }
}

async fn render_templates(
    state: &AppState,
    (t, staff, ip): (T, &Staff, &ClientIp),
    notice: Option<&'static str>,
    problem: Option<String>,
    typed: (String, String, String),
    status: StatusCode,
) -> Result<Response, PageError> {
    let templates = app::inquiries::answer_templates(&state.services, &actor_of(staff, ip)).await?;
    let page = TemplatesPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        templates,
        notice,
        problem,
        typed,
    };
    html(status, &page)
}

async fn templates_page(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let notice = match query.done.as_str() {
        "saved" => Some(lang.t.s("保存しました。", "Saved.")),
        "deleted" => Some(lang.t.s("削除しました。", "Deleted.")),
        _ => None,
    };
    render_templates(&state, (lang.t, &staff, &ip), notice, None, Default::default(), StatusCode::OK).await
}

async fn save_template(
    state: &AppState,
    (t, staff, ip): (T, &Staff, &ClientIp),
    id: Option<Uuid>,
    form: &HashMap<String, String>,
) -> Result<Response, PageError> {
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    let delete = get("action") == "delete";
    let actor = actor_of(staff, ip);
    let saved = app::inquiries::save_answer_template(
        &state.services,
        &actor,
        id,
        &get("title"),
        &get("body"),
        delete,
        state.clock.now(),
    )
    .await;
    match saved {
        Ok(None) => Ok(Redirect::to("/office/inquiries/templates?done=deleted").into_response()),
        Ok(Some(_)) => Ok(Redirect::to("/office/inquiries/templates?done=saved").into_response()),
        Err(error @ app::AppError::Invalid(_)) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            let typed = (id.map(|id| id.to_string()).unwrap_or_default(), get("title"), get("body"));
            render_templates(state, (t, staff, ip), None, message, typed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error.into()),
    }
}

async fn post_new_template(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    save_template(&state, (lang.t, &staff, &ip), None, &form).await
}

async fn post_template(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    save_template(&state, (lang.t, &staff, &ip), Some(id), &form).await
}

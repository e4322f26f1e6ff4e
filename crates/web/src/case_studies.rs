//! Case studies (事例) on the web: the secretariat's list and editor (`/office/case-studies`),
//! the company's review in its portal (`/portal/case-studies`: comment on a paragraph, ask for
//! changes, approve, withdraw), and the public `/cases` with its year filter. Every step goes
//! through `app::case_studies`.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::case_study::{Anonymity, Status};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CompanyUser, Staff};
use crate::client::ClientIp;
use crate::error::PageError;
use crate::guidance::{parse_id, staff_actor};
use crate::i18n::{Lang, T};
use crate::render::html;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/case-studies", get(office_list).post(post_create))
        .route("/office/case-studies/{id}", get(office_study).post(post_study))
        .route(
            "/office/case-studies/{id}/photos",
            axum::routing::post(post_photo).layer(crate::upload_limit("/office/case-studies/{id}/photos")),
        )
        .route("/office/case-studies/{id}/photos/{photo}", get(office_photo).post(post_remove_photo))
        .route("/portal/case-studies", get(portal_page))
        .route("/portal/case-studies/{id}", axum::routing::post(post_answer))
        .route("/portal/case-studies/{id}/photos/{photo}", get(portal_photo))
        .route("/cases", get(public_list))
        .route("/cases/{id}", get(public_one))
        .route("/cases/{id}/photos/{photo}", get(public_photo))
}

fn status_label(t: T, status: Status) -> &'static str {
    t.pick(status.label_ja(), status.label_en())
}

/// The message of a refused or invalid step.
fn problem_of(t: T, error: &app::AppError) -> String {
    crate::messages::for_error(error)
        .map(|m| t.pick(&m.ja, &m.en).to_string())
        .unwrap_or_else(|| t.s("この操作はできません", "This cannot be done").to_string())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

fn notice_for(t: T, done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => t.s("事例を作成しました。原稿を書いてください。", "The case study was created; write the draft."),
        "saved" => t.s("新しい版を保存しました。", "A new version was saved."),
        "sent" => {
            t.s("企業に確認を依頼しました（メールでお知らせしました）。", "Sent to the company for review (e-mailed).")
        }
        "published" => t.s("公開しました。", "Published."),
        "unpublished" => t.s("公開を取りやめました。", "Taken down."),
        "answered" => t.s("送信しました。", "Sent."),
        "photo" => t.s(
            "写真を追加しました。次に保存する版に含まれ、企業の承認を経て公開されます。",
            "The photo was added; it is in the next version saved and published once the company approves it.",
        ),
        "photo_removed" => t.s(
            "写真を削除しました（公開ページからも直ちに消えます）。",
            "The photo was removed (from the public page too, at once).",
        ),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// The secretariat.

#[derive(Template)]
#[template(path = "office/case_studies.html")]
struct ListPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    /// (id, reference, company, title, status, published)
    rows: Vec<(Uuid, String, String, String, &'static str, bool)>,
    problem: Option<String>,
    reference: String,
}

async fn render_list(
    state: &AppState,
    t: T,
    staff: &Staff,
    ip: &ClientIp,
    problem: Option<String>,
    reference: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let listed = app::case_studies::list(&state.services, &staff_actor(staff, ip)).await?;
    let rows = listed
        .into_iter()
        .map(|l| {
            (
                l.study.id,
                l.reference,
                l.company_name,
                l.title,
                status_label(t, l.study.state.status),
                l.study.state.published,
            )
        })
        .collect();
    let page = ListPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        rows,
        problem,
        reference,
    };
    html(status, &page)
}

async fn office_list(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
) -> Result<Response, PageError> {
    render_list(&state, lang.t, &staff, &ip, None, String::new(), StatusCode::OK).await
}

async fn post_create(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let reference = form.get("reference").cloned().unwrap_or_default();
    match app::case_studies::create(&state.services, &staff_actor(&staff, &ip), &reference, state.clock.now()).await {
        Ok(id) => Ok(Redirect::to(&format!("/office/case-studies/{id}?done=created")).into_response()),
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let problem = Some(problem_of(lang.t, &error));
            render_list(&state, lang.t, &staff, &ip, problem, reference, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "office/case_study.html")]
struct StudyPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    id: Uuid,
    company: String,
    reference: String,
    status: &'static str,
    state: domain::case_study::State,
    anonymity: Vec<(&'static str, &'static str, bool)>,
    show_faces: bool,
    round_numbers: bool,
    notes: String,
    title: String,
    body: String,
    /// (version, title, saved at)
    versions: Vec<(u32, String, String)>,
    events: Vec<EventView>,
    photos: Vec<PhotoView>,
    /// The consent day typed (kept when the upload is refused).
    today: String,
    notice: Option<&'static str>,
    problem: Option<String>,
}

/// A photo as the office and the portal list it.
struct PhotoView {
    id: Uuid,
    caption: String,
    faces: bool,
    logo: bool,
    consent: String,
    /// In the newest version (office) — a photo added since goes into the next one.
    in_newest: bool,
    /// Why the public page leaves it out under the options shown, if it does.
    withheld: Option<&'static str>,
    removed: Option<String>,
}

struct EventView {
    at: String,
    who: &'static str,
    what: String,
    body: String,
}

fn event_view(t: T, e: &store::case_studies::EventRecord) -> EventView {
    let version = e.version.map(|v| format!(" {}{v}{}", t.s("第", "v"), t.s("版", ""))).unwrap_or_default();
    let what = match e.kind.as_str() {
        "edited" => t.s("原稿を保存", "Draft saved"),
        "sent" => t.s("企業に確認を依頼", "Sent for review"),
        "comment" => t.s("コメント", "Comment"),
        "changes_requested" => t.s("修正の依頼", "Changes requested"),
        "approved" => t.s("承認", "Approved"),
        "withdrawn" => t.s("承認の撤回（公開停止）", "Approval withdrawn (taken down)"),
        "published" => t.s("公開", "Published"),
        "unpublished" => t.s("公開の取りやめ", "Taken down"),
        "photo_added" => t.s("写真を追加", "Photo added"),
        "photo_removed" => t.s("写真を削除", "Photo removed"),
        _ => "",
    };
    let paragraph = e.paragraph.map(|p| format!(" {}{p}{}", t.s("第", "¶"), t.s("段落", ""))).unwrap_or_default();
    EventView {
        at: app::mail::tokyo_instant(t.en, e.at),
        who: if e.by_company { t.s("企業", "Company") } else { t.s("事務局", "Secretariat") },
        what: format!("{what}{version}{paragraph}"),
        body: e.body.clone(),
    }
}

async fn render_study(
    state: &AppState,
    (t, staff, ip): (T, &Staff, &ClientIp),
    id: Uuid,
    notice: Option<&'static str>,
    problem: Option<String>,
    typed: Option<app::case_studies::Draft>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let opened = app::case_studies::open(&state.services, &staff_actor(staff, ip), id).await?;
    let newest = opened.versions.last();
    let draft = typed.unwrap_or_else(|| app::case_studies::Draft {
        title: newest.map(|v| v.title.clone()).unwrap_or_default(),
        body: newest.map(|v| v.body.clone()).unwrap_or_default(),
        anonymity: opened.study.anonymity.code().into(),
        show_faces: opened.study.show_faces,
        round_numbers: opened.study.round_numbers,
        interview_notes: opened.study.interview_notes.clone(),
    });
    let page = StudyPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        id,
        company: opened.company_name,
        reference: opened.reference,
        status: status_label(t, opened.study.state.status),
        state: opened.study.state,
        anonymity: Anonymity::ALL
            .iter()
            .map(|a| (a.code(), t.pick(a.label_ja(), a.label_en()), a.code() == draft.anonymity))
            .collect(),
        show_faces: draft.show_faces,
        round_numbers: draft.round_numbers,
        notes: draft.interview_notes,
        title: draft.title,
        body: draft.body,
        versions: opened
            .versions
            .iter()
            .rev()
            .map(|v| (v.version, v.title.clone(), app::mail::tokyo_instant(t.en, v.saved_at)))
            .collect(),
        events: opened.events.iter().rev().map(|e| event_view(t, e)).collect(),
        photos: opened
            .photos
            .iter()
            .map(|p| {
                let shown = domain::case_study::Shown {
                    anonymity: opened.study.anonymity,
                    show_faces: opened.study.show_faces,
                    round_numbers: opened.study.round_numbers,
                };
                PhotoView {
                    in_newest: newest.is_some_and(|v| v.photos.contains(&p.id)),
                    withheld: domain::case_study::photo_allowed(p.shows, shown)
                        .err()
                        .map(|why| t.pick(why.message_ja(), why.message_en())),
                    ..photo_view(t, p)
                }
            })
            .collect(),
        today: state.clock.today().to_string(),
        notice,
        problem,
    };
    html(status, &page)
}

fn photo_view(t: T, p: &store::case_studies::PhotoRecord) -> PhotoView {
    PhotoView {
        id: p.id,
        caption: p.caption.clone(),
        faces: p.shows.faces,
        logo: p.shows.logo,
        consent: format!(
            "{} {}",
            p.consent_by,
            if t.en { p.consent_on.to_string() } else { domain::wareki::format_date(p.consent_on) }
        ),
        in_newest: true,
        withheld: None,
        removed: p.removed_at.map(|at| {
            format!("{} {}", app::mail::tokyo_instant(t.en, at), p.removed_reason.clone().unwrap_or_default())
        }),
    }
}

/// Reads the photo form: its file and its fields (each field at most 4 KiB).
async fn read_photo(
    multipart: &mut axum::extract::Multipart,
) -> Result<app::case_studies::PhotoUpload, (StatusCode, &'static str, &'static str)> {
    const FIELD_MAX: usize = 4 * 1024;
    let mut upload = app::case_studies::PhotoUpload::default();
    let too_large = (
        StatusCode::PAYLOAD_TOO_LARGE,
        "ファイルが大きすぎます（10MBまで）。",
        "The file is too large (10 MB at most).",
    );
    let unreadable = (StatusCode::BAD_REQUEST, "送信された内容を読み取れませんでした。", "The form could not be read.");
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(unreadable),
        };
        let name = field.name().unwrap_or_default().to_string();
        let limit = if name == "file" { domain::upload::MAX_FILE_BYTES } else { FIELD_MAX };
        if name == "file" {
            upload.filename = field.file_name().unwrap_or("photo").to_string();
        }
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() <= limit => bytes.extend_from_slice(&chunk),
                Ok(Some(_)) => return Err(too_large),
                Err(_) => return Err(unreadable),
                Ok(None) => break,
            }
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "file" => upload.bytes = bytes,
            "caption" => upload.caption = text(),
            "consent_by" => upload.consent_by = text(),
            "consent_on" => upload.consent_on = text(),
            "faces" => upload.faces = text() == "yes",
            "logo" => upload.logo = text() == "yes",
            "consent" => upload.consent_confirmed = text() == "yes",
            _ => {}
        }
    }
    Ok(upload)
}

async fn post_photo(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let upload = match read_photo(&mut multipart).await {
        Ok(upload) => upload,
        Err((status, ja, en)) => {
            let problem = Some(t.pick(ja, en).to_string());
            return render_study(&state, (t, &staff, &ip), id, None, problem, None, status).await;
        }
    };
    let actor = staff_actor(&staff, &ip);
    match app::case_studies::add_photo(&state.services, &actor, id, upload, state.clock.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/office/case-studies/{id}?done=photo#photos")).into_response()),
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let problem = Some(problem_of(t, &error));
            render_study(&state, (t, &staff, &ip), id, None, problem, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error.into()),
    }
}

async fn post_remove_photo(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path((id, photo)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let (id, photo) = (parse_id(&id)?, parse_id(&photo)?);
    let reason = form.get("reason").cloned().unwrap_or_default();
    let actor = staff_actor(&staff, &ip);
    match app::case_studies::remove_photo(&state.services, &actor, id, photo, &reason, state.clock.now()).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/case-studies/{id}?done=photo_removed#photos")).into_response()),
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let problem = Some(problem_of(t, &error));
            render_study(&state, (t, &staff, &ip), id, None, problem, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error.into()),
    }
}

/// A photo shown in the page (inline), never kept by a cache: a removed photo (consent
/// withdrawn) must be gone at once, also from the public page.
fn image(record: &store::case_studies::PhotoRecord, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, record.content_type.clone()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

async fn office_photo(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = staff_actor(&staff, &ip);
    let (record, bytes) =
        app::case_studies::photo(&state.services, &actor, parse_id(&id)?, parse_id(&photo)?, state.clock.now()).await?;
    Ok(image(&record, bytes))
}

async fn portal_photo(
    State(state): State<AppState>,
    company: CompanyUser,
    ip: ClientIp,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let (record, bytes) =
        app::case_studies::own_photo(&state.services, &actor, parse_id(&id)?, parse_id(&photo)?, state.clock.now())
            .await?;
    Ok(image(&record, bytes))
}

async fn public_photo(
    State(state): State<AppState>,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let photo = Uuid::parse_str(&photo).map_err(|_| PageError::NotFound)?;
    let (record, bytes) = app::case_studies::published_photo(&state.services, id, photo).await?;
    Ok(image(&record, bytes))
}

async fn office_study(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let notice = notice_for(lang.t, &query.done);
    render_study(&state, (lang.t, &staff, &ip), parse_id(&id)?, notice, None, None, StatusCode::OK).await
}

async fn post_study(
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
    let actor = staff_actor(&staff, &ip);
    let now = state.clock.now();
    let draft = app::case_studies::Draft {
        title: get("title"),
        body: get("body"),
        anonymity: get("anonymity"),
        show_faces: get("show_faces") == "yes",
        round_numbers: get("round_numbers") == "yes",
        interview_notes: get("interview_notes"),
    };
    let (result, done) = match get("action").as_str() {
        "save" => (app::case_studies::save(&state.services, &actor, id, &draft, now).await.map(|_| ()), "saved"),
        "send" => (app::case_studies::send(&state.services, &actor, id, now).await, "sent"),
        "publish" => (app::case_studies::publish(&state.services, &actor, id, true, now).await, "published"),
        "unpublish" => (app::case_studies::publish(&state.services, &actor, id, false, now).await, "unpublished"),
        _ => return Err(PageError::bad_request("不明な操作です", "Unknown action")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/office/case-studies/{id}?done={done}")).into_response()),
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let problem = Some(problem_of(t, &error));
            let typed = (done == "saved").then_some(draft);
            render_study(&state, (t, &staff, &ip), id, None, problem, typed, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The company's review.

struct ReviewView {
    id: Uuid,
    status: &'static str,
    /// The version asked about while it is with the company.
    open_version: Option<u32>,
    approved: Option<u32>,
    published: bool,
    title: String,
    /// (number, text)
    paragraphs: Vec<(u32, String)>,
    anonymity: &'static str,
    show_faces: bool,
    events: Vec<EventView>,
    photos: Vec<PhotoView>,
}

#[derive(Template)]
#[template(path = "portal/case_studies.html")]
struct PortalPage {
    t: T,
    csrf: String,
    studies: Vec<ReviewView>,
    notice: Option<&'static str>,
    problem: Option<String>,
}

async fn render_portal(
    state: &AppState,
    t: T,
    company: &CompanyUser,
    ip: &ClientIp,
    notice: Option<&'static str>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let studies = app::case_studies::own(&state.services, &actor)
        .await?
        .into_iter()
        .map(|review| {
            let state = review.study.state;
            ReviewView {
                id: review.study.id,
                status: status_label(t, state.status),
                open_version: (state.status == Status::InReview).then_some(state.sent).flatten(),
                approved: state.approved,
                published: state.published,
                title: review.version.as_ref().map(|v| v.title.clone()).unwrap_or_default(),
                paragraphs: review
                    .version
                    .as_ref()
                    .map(|v| domain::case_study::paragraphs(&v.body))
                    .unwrap_or_default()
                    .into_iter()
                    .zip(1..)
                    .map(|(text, n)| (n, text))
                    .collect(),
                // What this version says: what the company approves.
                anonymity: review
                    .version
                    .as_ref()
                    .map(|v| t.pick(v.shown.anonymity.label_ja(), v.shown.anonymity.label_en()))
                    .unwrap_or_default(),
                show_faces: review.version.as_ref().is_some_and(|v| v.shown.show_faces),
                events: review.events.iter().rev().map(|e| event_view(t, e)).collect(),
                photos: review
                    .photos
                    .iter()
                    .map(|(p, withheld)| PhotoView {
                        withheld: withheld.map(|why| t.pick(why.message_ja(), why.message_en())),
                        ..photo_view(t, p)
                    })
                    .collect(),
            }
        })
        .collect();
    html(status, &PortalPage { t, csrf: company.csrf.clone(), studies, notice, problem })
}

async fn portal_page(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let notice = notice_for(lang.t, &query.done);
    render_portal(&state, lang.t, &company, &ip, notice, None, StatusCode::OK).await
}

async fn post_answer(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    let number = |key: &str| get(key).trim().parse::<u32>().unwrap_or(0);
    let answer = match get("action").as_str() {
        "comment" => app::case_studies::Answer::Comment {
            version: number("version"),
            paragraph: number("paragraph"),
            text: get("text"),
        },
        "changes" => app::case_studies::Answer::RequestChanges { version: number("version"), text: get("text") },
        "approve" => app::case_studies::Answer::Approve { version: number("version") },
        "withdraw" => app::case_studies::Answer::Withdraw,
        _ => return Err(PageError::bad_request("不明な操作です", "Unknown action")),
    };
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    match app::case_studies::answer(&state.services, &actor, id, answer, state.clock.now()).await {
        Ok(()) => Ok(Redirect::to("/portal/case-studies?done=answered").into_response()),
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let problem = Some(problem_of(t, &error));
            render_portal(&state, t, &company, &ip, None, problem, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The public pages.

struct PublicView {
    id: Uuid,
    year: String,
    title: String,
    company: String,
    paragraphs: Vec<String>,
    /// (id, caption)
    photos: Vec<(Uuid, String)>,
}

fn public_view(t: T, study: app::case_studies::Public) -> PublicView {
    PublicView {
        photos: study.photos.clone(),
        id: study.id,
        year: if t.en {
            format!("FY{}", study.fiscal_year)
        } else {
            domain::wareki::format_fiscal_year(study.fiscal_year)
        },
        company: t.pick(&study.company_ja, &study.company_en).to_string(),
        paragraphs: domain::case_study::paragraphs(&study.body),
        title: study.title,
    }
}

#[derive(Template)]
#[template(path = "public/cases.html")]
struct CasesPage {
    t: T,
    signed_in: bool,
    /// (fiscal year, label, chosen)
    years: Vec<(i32, String, bool)>,
    studies: Vec<PublicView>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    year: String,
}

async fn public_list(
    State(state): State<AppState>,
    lang: Lang,
    Query(query): Query<YearQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let year = match query.year.trim() {
        "" => None,
        raw => {
            Some(raw.parse::<i32>().map_err(|_| PageError::bad_request("年度の値が正しくありません", "Unknown year"))?)
        }
    };
    let studies = app::case_studies::published(&state.services, year).await?;
    let years = app::case_studies::published_years(&state.services)
        .await?
        .into_iter()
        .map(|y| {
            let label = if t.en { format!("FY{y}") } else { domain::wareki::format_fiscal_year(y) };
            (y, label, Some(y) == year)
        })
        .collect();
    let studies = studies.into_iter().map(|s| public_view(t, s)).collect();
    html(StatusCode::OK, &CasesPage { t, signed_in: false, years, studies })
}

#[derive(Template)]
#[template(path = "public/case.html")]
struct CasePage {
    t: T,
    signed_in: bool,
    study: PublicView,
}

async fn public_one(State(state): State<AppState>, lang: Lang, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    let study = app::case_studies::published_one(&state.services, id).await?;
    html(StatusCode::OK, &CasePage { t: lang.t, signed_in: false, study: public_view(lang.t, study) })
}

//! The participation agreement (STEP4–5) on both sides: the secretariat previews the e-mail and
//! the PDF, sends it, downloads what came back and confirms receipt; the company reads it in the
//! portal and either signs electronically (typed names, each section agreed, time and address
//! recorded, the PDF re-issued with a signature block) or uploads the stamped scan.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use documents::agreement::AgreementData;
use domain::access::Role;
use domain::case::CaseState;
use store::agreements::AgreementRecord;
use store::applications::ApplicationRecord;
use store::outbox::OutgoingEmail;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CompanyUser;
use crate::auth::Staff;
use crate::auth::audit;
use crate::client::ClientIp;
use crate::error::PageError;
use crate::i18n::{Lang, T};
use crate::render::html;

/// The largest upload: a stamped scan of a few pages (募集要項 asks for the signed form back).
pub const MAX_UPLOAD_BYTES: usize = domain::upload::MAX_FILE_BYTES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office/applications/{id}/agreement", get(show_preview).post(send))
        .route("/office/applications/{id}/agreement/preview.pdf", get(preview_pdf))
        .route("/office/applications/{id}/agreement/confirm", post(confirm))
        .route("/office/agreements/{id}/pdf", get(staff_pdf))
        .route("/office/agreements/{id}/signed.pdf", get(staff_signed_pdf))
        .route("/office/agreement-uploads/{id}", get(staff_upload))
        .route("/portal/agreement", get(show_portal_agreement))
        .route("/portal/agreement/pdf", get(portal_pdf))
        .route("/portal/agreement/signed.pdf", get(portal_signed_pdf))
        .route("/portal/agreement/sign", post(sign))
        .route("/portal/agreement/upload", post(upload).layer(crate::upload_limit("/portal/agreement/upload")))
}

async fn render(state: &AppState, data: &AgreementData) -> Result<Vec<u8>, String> {
    let fonts = state.fonts().await?;
    app::agreements::render(fonts, data.clone()).await.map_err(|e| e.to_string())
}

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "office/agreement.html")]
struct PreviewPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    record: ApplicationRecord,
    email: OutgoingEmail,
    can_send: bool,
    latest: Option<AgreementRecord>,
    problem: Option<String>,
}

async fn show_preview(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    staff.require(Role::can_work_cases)?;
    let record = store::applications::get(&state.db, id).await?;
    audit(&state, &staff, ip, "agreement.preview", Some(id.to_string()), serde_json::json!({})).await?;
    preview_page(&state, lang.t, &staff, record, None, StatusCode::OK).await
}

async fn preview_page(
    state: &AppState,
    t: T,
    staff: &Staff,
    record: ApplicationRecord,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let latest = store::agreements::latest(&state.db, record.id).await?;
    let letter = app::mail::letter(&state.services.mail, &state.db, &record).await?;
    let page = PreviewPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        email: app::mail::agreement_sent(&letter, &record),
        can_send: matches!(record.status, CaseState::IntentConfirmed | CaseState::AgreementSent),
        latest,
        problem,
        record,
    };
    html(status, &page)
}

async fn preview_pdf(State(state): State<AppState>, staff: Staff, Path(id): Path<Uuid>) -> Result<Response, PageError> {
    staff.require(Role::can_work_cases)?;
    let record = store::applications::get(&state.db, id).await?;
    let (_, wording) = app::agreements::wording(&state.db, record.programme_id, state.clock.now()).await?;
    let bytes = render(&state, &app::agreements::agreement_data(wording, &record, None, state.clock.now()))
        .await
        .map_err(|problem| PageError::bad_request(&problem, &problem))?;
    Ok(pdf_response(bytes, &format!("agreement-preview-{}.pdf", record.reference)))
}

async fn send(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let result = match state.fonts().await {
        Ok(fonts) => app::agreements::send(&state.services, &actor, fonts, id, state.clock.now()).await,
        Err(why) => Err(app::AppError::Refused(domain::refusal::Refusal::DocumentUnavailable(why))),
    };
    after_action(&state, lang.t, &staff, id, "send_agreement", result).await
}

async fn confirm(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let actor = app::Actor::user(&staff.user, app::Via::Page, ip.to_db());
    let result = app::agreements::confirm(&state.services, &actor, id, state.clock.now()).await;
    after_action(&state, lang.t, &staff, id, "confirm_agreement", result).await
}

/// Back to the case page when the action succeeded; the agreement page with the reason when refused.
async fn after_action(
    state: &AppState,
    t: T,
    staff: &Staff,
    id: Uuid,
    done: &str,
    result: Result<(), app::AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/office/applications/{id}?done={done}")).into_response()),
        Err(error @ (app::AppError::Refused(_) | app::AppError::Invalid(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            let record = store::applications::get(&state.db, id).await?;
            preview_page(state, t, staff, record, message, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn staff_document(
    state: &AppState,
    staff: &Staff,
    ip: ClientIp,
    agreement_id: Uuid,
    signed: bool,
) -> Result<Response, PageError> {
    staff.require(Role::can_work_cases)?;
    let (original, signed_pdf) = store::agreements::pdfs(&state.db, agreement_id).await?;
    audit(
        state,
        staff,
        ip,
        "agreement.download",
        None,
        serde_json::json!({"agreement": agreement_id, "signed": signed}),
    )
    .await?;
    match (signed, signed_pdf) {
        (false, _) => Ok(pdf_response(original, "agreement.pdf")),
        (true, Some(bytes)) => Ok(pdf_response(bytes, "agreement-signed.pdf")),
        (true, None) => Err(PageError::NotFound),
    }
}

async fn staff_pdf(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    staff_document(&state, &staff, ip, id, false).await
}

async fn staff_signed_pdf(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    staff_document(&state, &staff, ip, id, true).await
}

async fn staff_upload(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    staff.require(Role::can_work_cases)?;
    let (agreement_id, upload, bytes) = store::agreements::upload_bytes(&state.db, id).await?;
    if upload.superseded_at.is_some() {
        return Ok(crate::render::error_page(
            StatusCode::GONE,
            "このファイルは後の提出で差し替えられたため保存されていません（監査ログに記録があります）。",
            "This file was superseded by a later upload and is not kept; only its record is (see the audit log).",
        ));
    }
    audit(
        &state,
        &staff,
        ip,
        "agreement.upload_download",
        None,
        serde_json::json!({"agreement": agreement_id, "upload": id}),
    )
    .await?;
    let extension = match upload.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    Ok((
        [
            (header::CONTENT_TYPE, upload.content_type.clone()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"agreement-scan.{extension}\"")),
        ],
        bytes,
    )
        .into_response())
}

// ---- the company's side ----

#[derive(Template)]
#[template(path = "portal/agreement.html")]
struct PortalAgreementPage {
    t: T,
    csrf: String,
    record: ApplicationRecord,
    agreement: Option<AgreementRecord>,
    clauses: Vec<(usize, String)>,
    can_submit: bool,
    notice: Option<&'static str>,
    problem: Option<String>,
    representative_name: String,
    participant_name: String,
}

async fn portal_agreement_page(
    state: &AppState,
    t: T,
    company: &CompanyUser,
    notice: Option<&'static str>,
    problem: Option<String>,
    names: (String, String),
    status: StatusCode,
) -> Result<Response, PageError> {
    let record = store::applications::get(&state.db, company.application_id).await?;
    let agreement = store::agreements::latest(&state.db, record.id).await?;
    let clauses = agreement
        .as_ref()
        .and_then(|a| serde_json::from_value::<AgreementData>(a.data.clone()).ok())
        .map(|data| data.wording.clauses.iter().map(|c| c.heading.to_string()).enumerate().collect())
        .unwrap_or_default();
    let can_submit = record.status == CaseState::AgreementSent
        && agreement.as_ref().is_some_and(|a| a.status == "sent" || a.status == "uploaded");
    let (representative_name, participant_name) = if names.0.is_empty() && names.1.is_empty() {
        (record.representative_name.clone(), record.contact_name.clone())
    } else {
        names
    };
    let page = PortalAgreementPage {
        t,
        csrf: company.csrf.clone(),
        record,
        agreement,
        clauses,
        can_submit,
        notice,
        problem,
        representative_name,
        participant_name,
    };
    html(status, &page)
}

async fn show_portal_agreement(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
) -> Result<Response, PageError> {
    portal_agreement_page(&state, lang.t, &company, None, None, (String::new(), String::new()), StatusCode::OK).await
}

async fn own_agreement(state: &AppState, company: &CompanyUser) -> Result<AgreementRecord, PageError> {
    store::agreements::latest(&state.db, company.application_id).await?.ok_or(PageError::NotFound)
}

async fn portal_pdf(State(state): State<AppState>, company: CompanyUser) -> Result<Response, PageError> {
    let agreement = own_agreement(&state, &company).await?;
    let (original, _) = store::agreements::pdfs(&state.db, agreement.id).await?;
    Ok(pdf_response(original, "sanka-doisho.pdf"))
}

async fn portal_signed_pdf(State(state): State<AppState>, company: CompanyUser) -> Result<Response, PageError> {
    let agreement = own_agreement(&state, &company).await?;
    let (_, signed) = store::agreements::pdfs(&state.db, agreement.id).await?;
    signed.map(|bytes| pdf_response(bytes, "sanka-doisho-signed.pdf")).ok_or(PageError::NotFound)
}

async fn sign(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("");
    let t = lang.t;
    let names =
        (domain::text::normalize(value("representative_name")), domain::text::normalize(value("participant_name")));
    // Ticked clauses arrive as `clause_<position>=yes`.
    let agreed = pairs
        .iter()
        .filter(|(_, v)| v == "yes")
        .filter_map(|(k, _)| k.strip_prefix("clause_").and_then(|i| i.parse::<usize>().ok()));
    let result = match app::agreements::Signing::parse(value("representative_name"), value("participant_name"), agreed)
    {
        Err(invalid) => Err(app::AppError::Invalid(invalid)),
        Ok(signing) => match state.fonts().await {
            Ok(fonts) => {
                let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
                app::agreements::sign_own(&state.services, &actor, fonts, signing, state.clock.now()).await
            }
            Err(why) => Err(app::AppError::Refused(domain::refusal::Refusal::DocumentUnavailable(why))),
        },
    };
    match result {
        Ok(()) => {
            portal_agreement_page(
                &state,
                t,
                &company,
                Some("電子署名を受け付けました。運営事務局が確認後、参加確定となります。"),
                None,
                names,
                StatusCode::OK,
            )
            .await
        }
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            portal_agreement_page(&state, t, &company, None, message, names, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let t = lang.t;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut too_large = false;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            {
                let name = field.file_name().unwrap_or("upload").to_string();
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                                too_large = true;
                                break;
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(_) => {
                            too_large = true;
                            break;
                        }
                    }
                }
                file = Some((name, bytes));
            }
        }
        if too_large {
            break;
        }
    }
    let empty = (String::new(), String::new());
    if too_large {
        let problem = Some("ファイルが大きすぎます（10MBまで）。".to_string());
        return portal_agreement_page(&state, t, &company, None, problem, empty, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let problem = Some("ファイルを選んでください。".to_string());
        return portal_agreement_page(&state, t, &company, None, problem, empty, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let upload = match domain::upload::Upload::checked(&name, bytes) {
        Ok(upload) => upload,
        Err(problem) => {
            let status = StatusCode::from_u16(problem.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let problem = Some(problem.message_ja().to_string());
            return portal_agreement_page(&state, t, &company, None, problem, empty, status).await;
        }
    };
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    match app::agreements::upload_own(&state.services, &actor, upload, state.clock.now()).await {
        Ok(_) => {}
        Err(error @ app::AppError::Refused(_)) => {
            let status = match &error {
                app::AppError::Refused(domain::refusal::Refusal::UploadLimit(
                    domain::refusal::UploadLimit::PerHour(_),
                )) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let message = crate::messages::for_error(&error).map(|m| t.pick(&m.ja, &m.en).to_string());
            return portal_agreement_page(&state, t, &company, None, message, empty, status).await;
        }
        Err(other) => return Err(other.into()),
    }
    portal_agreement_page(
        &state,
        t,
        &company,
        Some("押印済みの参加同意書を受け付けました。運営事務局が確認後、参加確定となります。"),
        None,
        empty,
        StatusCode::OK,
    )
    .await
}

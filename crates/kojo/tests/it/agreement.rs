//! The participation agreement over real HTTP on both backends: preview, send, the company's
//! electronic signature (PDF re-issued with a signature block), the stamped-scan upload with its
//! checks, the secretariat's confirmation, and who may fetch which file.

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use domain::case::CaseState;
use serde_json::Value;
use uuid::Uuid;

on_both_backends!(
    a_company_signs_the_agreement_and_participation_is_confirmed,
    stamped_scans_are_checked_and_kept_apart
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Text of a PDF via poppler's pdftotext; `None` when it is not installed (outside CI).
/// pdftotext puts spaces between runs of glyphs; comparisons ignore all white space.
pub(crate) fn pdf_text(bytes: &[u8]) -> Option<String> {
    pdf_text_raw(bytes).map(|text| text.chars().filter(|c| !c.is_whitespace()).collect())
}

fn pdf_text_raw(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    match std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output() {
        Ok(output) if output.status.success() => Some(String::from_utf8_lossy(&output.stdout).into_owned()),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!("pdftotext (poppler-utils) is required in CI"),
        _ => {
            eprintln!("pdftotext not installed: PDF text checks skipped");
            None
        }
    }
}

/// A case brought to 参加意思確認済 (intent confirmed), ready for its agreement.
pub(crate) async fn ready_case(app: &TestApp, n: u32) -> Uuid {
    ready_case_for(app, n, domain::programme::CourseCode::Utm).await
}

/// Like `ready_case`, for `course`.
pub(crate) async fn ready_case_for(app: &TestApp, n: u32, course: domain::programme::CourseCode) -> Uuid {
    ready_case_from(app, &application(n, course.code()), course).await
}

/// Like `ready_case_for`, for the application `form` (its course `course`).
pub(crate) async fn ready_case_from(app: &TestApp, form: &Value, course: domain::programme::CourseCode) -> Uuid {
    let body: Value = app.apply(form).await.json().await.unwrap();
    let id = store::applications::find_by_reference(&app.running.db, body["reference"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    common::decide_case_for(app, id, course).await;
    let db = &app.running.db;
    let calendar = domain::calendar::BusinessCalendar::japan();
    let act = || store::cases::Act {
        application_id: id,
        actor: store::audit::Actor::System("test"),
        ip: None,
        reason: None,
        email: None,
    };
    let tx = db.begin().await.unwrap();
    for event in [domain::case::CaseEvent::Approve, domain::case::CaseEvent::ConfirmIntent] {
        store::cases::apply(&tx, &calendar, &act(), event, app::Clock::system().now()).await.unwrap();
    }
    tx.commit().await.unwrap();
    id
}

pub(crate) async fn send_agreement(app: &TestApp, staff: &reqwest::Client, id: Uuid) {
    let page =
        staff.get(app.at(&format!("/office/applications/{id}/agreement"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("参加同意書のご提出のお願い"), "the e-mail is previewed");
    let csrf = common::hidden_value(&page, "csrf");
    let response = staff
        .post(app.at(&format!("/office/applications/{id}/agreement")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap_or_default());
}

pub(crate) async fn company_session(app: &TestApp, id: Uuid) -> reqwest::Client {
    let user = store::portal::company_user(&app.running.db, id, app::Clock::system().now()).await.unwrap();
    let token = store::portal::issue_link(&app.running.db, user.id, app::Clock::system().now()).await.unwrap();
    let company = client();
    assert_eq!(company.get(app.at(&format!("/portal/auth/{token}"))).send().await.unwrap().status(), 303);
    company
}

async fn a_company_signs_the_agreement_and_participation_is_confirmed(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = ready_case(&app, 1).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;

    let preview = staff.get(app.at(&format!("/office/applications/{id}/agreement/preview.pdf"))).send().await.unwrap();
    assert_eq!(preview.headers()["content-type"], "application/pdf");
    let bytes = preview.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    if let Some(text) = pdf_text(&bytes) {
        assert!(text.contains("株式会社テスト1"), "{text}");
        assert!(text.contains("参加同意書"));
        assert!(text.contains("令和8年度"));
        assert!(text.contains("第１") && text.contains("第５"));
        assert!(text.contains("社印") && text.contains("本人印"));
        let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
        assert!(text.contains(&domain::wareki::format_date(today)), "the date in 和暦");
    }
    send_agreement(&app, &staff, id).await;
    assert_eq!(store::applications::get(&app.running.db, id).await.unwrap().status, CaseState::AgreementSent);
    let outbox = store::outbox::recent(&app.running.db, 20).await.unwrap();
    assert!(outbox.iter().any(|m| m.to == "contact1@example.jp" && m.subject.contains("参加同意書")));

    let company = company_session(&app, id).await;
    let page = company.get(app.at("/portal/agreement")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("同意して電子署名する"));
    let sent = company.get(app.at("/portal/agreement/pdf")).send().await.unwrap().bytes().await.unwrap();
    let issued = store::agreements::latest(&app.running.db, id).await.unwrap().unwrap();
    assert_eq!(store::sha256_hex_bytes(&sent), issued.pdf_sha256, "the company gets exactly what was issued");
    let csrf = common::hidden_value(&page, "csrf");
    let clauses = page.matches("name=\"clause_").count();
    assert_eq!(clauses, 5);
    // Missing one section: refused, names kept.
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("representative_name".into(), "山田 太郎".into()),
        ("participant_name".into(), "佐藤 花子".into()),
    ];
    for i in 0..clauses - 1 {
        form.push((format!("clause_{i}"), "yes".into()));
    }
    let refused = company.post(app.at("/portal/agreement/sign")).form(&form).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("すべての項目"));
    form.push((format!("clause_{}", clauses - 1), "yes".into()));
    let page = company.post(app.at("/portal/agreement/sign")).form(&form).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("電子署名を受け付けました"), "{page}");
    let signed = store::agreements::latest(&app.running.db, id).await.unwrap().unwrap();
    assert_eq!(signed.status, "signed");
    assert_eq!(signed.signer_names.as_deref(), Some("代表者 山田 太郎 / 参加者 佐藤 花子"));
    assert_eq!(signed.signer_ip.as_deref(), Some("127.0.0.1"));
    // The signature's audit row was written with it, naming the signed PDF.
    let audit = store::audit::for_subject(&app.running.db, "application", &id.to_string()).await.unwrap();
    let row = audit.iter().find(|row| row.action == "agreement.sign").expect("agreement.sign audited");
    let detail: serde_json::Value = serde_json::from_str(&row.detail).unwrap();
    assert_eq!(detail["signed_pdf_sha256"], serde_json::json!(signed.signed_pdf_sha256));
    assert_eq!(detail["signers"], "代表者 山田 太郎 / 参加者 佐藤 花子");
    let signed_pdf = company.get(app.at("/portal/agreement/signed.pdf")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(Some(store::sha256_hex_bytes(&signed_pdf)), signed.signed_pdf_sha256);
    if let Some(text) = pdf_text(&signed_pdf) {
        assert!(text.contains("電子署名"), "{text}");
        assert!(text.contains("山田太郎") && text.contains("127.0.0.1"));
    }
    // Signing twice is refused.
    let again = company.post(app.at("/portal/agreement/sign")).form(&form).send().await.unwrap();
    assert_eq!(again.status(), 422);

    // The secretariat confirms receipt: 参加確定, and the company is told.
    let page =
        staff.get(app.at(&format!("/office/applications/{id}/agreement"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("電子署名済"));
    let csrf = common::hidden_value(&page, "csrf");
    let response = staff
        .post(app.at(&format!("/office/applications/{id}/agreement/confirm")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(store::applications::get(&app.running.db, id).await.unwrap().status, CaseState::Confirmed);
    let outbox = store::outbox::recent(&app.running.db, 20).await.unwrap();
    assert!(outbox.iter().any(|m| m.to == "contact1@example.jp" && m.subject.contains("参加が確定しました")));

    // Changing the wording later leaves what was signed untouched.
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    let mut wording = store::agreements::wording(&app.running.db, programme.id).await.unwrap().unwrap().wording;
    wording["preamble"] = "新しい前文".into();
    let saved = store::agreements::save_wording(&app.running.db, programme.id, &wording, app::Clock::system().now())
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    let kept = store::agreements::latest(&app.running.db, id).await.unwrap().unwrap();
    assert_eq!(kept.wording_version, 1);
    assert_eq!(kept.signed_pdf_sha256, signed.signed_pdf_sha256);
    assert_ne!(kept.data["wording"]["preamble"], "新しい前文");
    // Support staff reproduce it from the command line's library function.
    let reproduced = kojo::agreement_pdf(
        &app.running.db,
        &app.config,
        &store::applications::get(&app.running.db, id).await.unwrap().reference,
    )
    .await
    .unwrap();
    assert_eq!(store::sha256_hex_bytes(&reproduced), signed.signed_pdf_sha256.unwrap());
    app.stop().await;
}

pub(crate) fn multipart(csrf: &str, name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()))
}

async fn stamped_scans_are_checked_and_kept_apart(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = ready_case(&app, 2).await;
    let other = ready_case(&app, 3).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    send_agreement(&app, &staff, id).await;
    send_agreement(&app, &staff, other).await;
    let company = company_session(&app, id).await;
    let page = company.get(app.at("/portal/agreement")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let request = company
            .post(app.at(&format!("/portal/agreement/upload?csrf={csrf}")))
            .multipart(multipart(&csrf, name, bytes));
        async move { request.send().await.unwrap() }
    };
    // A Windows program renamed to .pdf is refused by its content.
    let exe =
        upload("agreement.pdf", b"MZ\x90\x00\x03\x00\x00\x00this program cannot be run in DOS mode".to_vec()).await;
    assert_eq!(exe.status(), 415);
    assert!(exe.text().await.unwrap().contains("PDF・JPEG・PNG"));
    // Over 10 MB is refused.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'0');
    let too_big = upload("big.pdf", big).await;
    assert_eq!(too_big.status(), 413);
    assert_eq!(store::agreements::latest(&app.running.db, id).await.unwrap().unwrap().status, "sent");
    // A PNG scan is kept with its fingerprint.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRstamped".to_vec();
    let ok = upload("scan.png", png.clone()).await;
    assert_eq!(ok.status(), 200);
    let agreement = store::agreements::latest(&app.running.db, id).await.unwrap().unwrap();
    assert_eq!(agreement.status, "uploaded");
    assert_eq!(agreement.uploads.len(), 1);
    assert_eq!(agreement.uploads[0].sha256, store::sha256_hex_bytes(&png));
    let fetched =
        staff.get(app.at(&format!("/office/agreement-uploads/{}", agreement.uploads[0].id))).send().await.unwrap();
    assert_eq!(fetched.headers()["content-type"], "image/png");
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), png);

    // The company cannot reach the other company's agreement by any id.
    let theirs = store::agreements::latest(&app.running.db, other).await.unwrap().unwrap();
    for path in [
        format!("/office/agreements/{}/pdf", theirs.id),
        format!("/office/agreement-uploads/{}", agreement.uploads[0].id),
        format!("/office/applications/{other}/agreement"),
        format!("/office/applications/{other}/agreement/preview.pdf"),
    ] {
        assert_eq!(company.get(app.at(&path)).send().await.unwrap().status(), 403, "{path}");
    }
    let own = company.get(app.at("/portal/agreement/pdf")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(store::sha256_hex_bytes(&own), agreement.pdf_sha256);
    assert_ne!(agreement.pdf_sha256, theirs.pdf_sha256);
    // A Tokyo official cannot send or confirm.
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    assert_eq!(tokyo.get(app.at(&format!("/office/applications/{id}/agreement"))).send().await.unwrap().status(), 403);
    app.stop().await;
}

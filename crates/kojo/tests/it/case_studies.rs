//! Case studies (事例) over HTTP on both backends: the secretariat writes and sends a draft; the
//! company comments on a paragraph, asks for changes, approves the newest version; only the
//! approved version is published on `/cases` (industry and size only, as chosen); an edit after
//! approval needs approval again while the public page keeps the approved text; withdrawing the
//! approval takes the page down at once; another company, Tokyo and the public see nothing more.

use domain::access::Role;
use domain::programme::CourseCode;
use serde_json::Value;

use crate::common::{Backend, Setup, TestApp, hidden_value, spawn_app};

on_both_backends!(a_case_study_is_published_only_as_the_company_approved_it);
on_both_backends!(photos_are_published_only_with_consent_and_as_the_approved_version_says);

/// A real 1×1 PNG (a browser draws it).
pub(crate) const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\xda\x63\x64\x60\xf8\x5f\x0f\x00\x02\x87\x01\x80\xeb\x47\xba\x92\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn post(client: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    // The form token from the list page of the side posting.
    let list = if path.starts_with("/portal") { "/portal/case-studies" } else { "/office/case-studies" };
    let page = client.get(app.at(list)).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let mut fields = form.to_vec();
    fields.push(("csrf", &csrf));
    client.post(app.at(path)).form(&fields).send().await.unwrap()
}

async fn status_of(app: &TestApp, id: uuid::Uuid) -> domain::case_study::State {
    store::case_studies::get(&app.running.db, id).await.unwrap().state
}

/// A participant (a retailer of 12 people) and another, the first one's reference, and the
/// secretariat signed in.
async fn retailer_and_secretariat(app: &TestApp) -> (uuid::Uuid, uuid::Uuid, String, reqwest::Client) {
    let mut form = crate::common::application(1, "utm");
    form["company"]["industry"] = "retail".into();
    form["company"]["employees"] = 12.into();
    let case = crate::incidents::participant_from(app, &form, CourseCode::Utm).await;
    let other_case = crate::incidents::participant_in(app, 2, CourseCode::Utm).await;
    let reference = store::applications::get(&app.running.db, case).await.unwrap().reference;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    (case, other_case, reference, staff)
}

async fn a_case_study_is_published_only_as_the_company_approved_it(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (case, other_case, reference, staff) = retailer_and_secretariat(&app).await;

    // A study of an application that is not a participant is refused; of the participant, made.
    let waiting: Value = app.apply(&crate::common::application(3, "utm")).await.json().await.unwrap();
    let refused =
        post(&staff, &app, "/office/case-studies", &[("reference", waiting["reference"].as_str().unwrap())]).await;
    assert_eq!(refused.status(), 422);
    let created = post(&staff, &app, "/office/case-studies", &[("reference", &reference)]).await;
    assert_eq!(created.status(), 303);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let path = location.split('?').next().unwrap().to_string();
    let id: uuid::Uuid = path.rsplit('/').next().unwrap().parse().unwrap();
    let body_v1 = "導入の経緯。社内のパソコンが増えていた。\n\n導入の効果。不審な通信を月に約30件遮断した。";
    let draft = |title: &'static str, body: &'static str| {
        vec![
            ("action", "save"),
            ("title", title),
            ("body", body),
            ("anonymity", "industry_and_size"),
            ("round_numbers", "yes"),
            ("interview_notes", "社長の話：最初は不安だった（社内メモ）"),
        ]
    };
    assert_eq!(post(&staff, &app, &path, &draft("小売店の取組み", body_v1)).await.status(), 303);
    assert_eq!(post(&staff, &app, &path, &[("action", "publish")]).await.status(), 422, "nothing approved yet");
    assert_eq!(post(&staff, &app, &path, &[("action", "send")]).await.status(), 303);
    let mail = store::outbox::recent(&app.running.db, 50).await.unwrap();
    assert!(mail.iter().any(|m| m.to == "contact1@example.jp" && m.subject.contains("事例原稿のご確認")), "e-mailed");

    // The company reads version 1 by paragraphs (no interview notes), comments, asks for changes.
    let company = crate::agreement::company_session(&app, case).await;
    let portal = company.get(app.at("/portal/case-studies")).send().await.unwrap().text().await.unwrap();
    assert!(portal.contains("導入の経緯。") && portal.contains(&format!("p-{id}-2")), "{portal}");
    assert!(!portal.contains("社内メモ"), "interview notes stay with the secretariat");
    let answer = format!("/portal/case-studies/{id}");
    let comment = [("action", "comment"), ("version", "1"), ("paragraph", "2"), ("text", "件数は概数にしてください")];
    assert_eq!(post(&company, &app, &answer, &comment).await.status(), 303);
    let bad = [("action", "comment"), ("version", "1"), ("paragraph", "9"), ("text", "x")];
    assert_eq!(post(&company, &app, &answer, &bad).await.status(), 422, "no such paragraph");
    let changes = [("action", "changes"), ("version", "1"), ("text", "社名は出さないでください")];
    assert_eq!(post(&company, &app, &answer, &changes).await.status(), 303);
    assert_eq!(status_of(&app, id).await.status, domain::case_study::Status::ChangesRequested);
    assert_eq!(post(&company, &app, &answer, &[("action", "approve"), ("version", "1")]).await.status(), 422);

    // Version 2, sent and approved; published as industry and size only.
    let body_v2 = "導入の経緯。社内のパソコンが増えていた。\n\n導入の効果。不審な通信を月に数十件遮断した。";
    assert_eq!(post(&staff, &app, &path, &draft("小売店の取組み", body_v2)).await.status(), 303);
    assert_eq!(post(&staff, &app, &path, &[("action", "send")]).await.status(), 303);
    assert_eq!(post(&company, &app, &answer, &[("action", "approve"), ("version", "2")]).await.status(), 303);
    assert_eq!(post(&staff, &app, &path, &[("action", "publish")]).await.status(), 303);
    let public = app.client.get(app.at(&format!("/cases/{id}"))).send().await.unwrap();
    assert_eq!(public.status(), 200);
    let public = public.text().await.unwrap();
    assert!(public.contains("月に数十件") && public.contains("小売業・従業員6〜20人"), "{public}");
    assert!(!public.contains("株式会社テスト1") && !public.contains("社内メモ"));
    let list = app.client.get(app.at("/cases")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&format!("/cases/{id}")), "{list}");

    // An edit after approval: the page keeps version 2 until version 3 is approved.
    let body_v3 = "導入の経緯。社内のパソコンが増えていた。\n\n導入の効果。不審な通信を遮断した。";
    assert_eq!(post(&staff, &app, &path, &draft("小売店の取組み（改訂）", body_v3)).await.status(), 303);
    let public = app.client.get(app.at(&format!("/cases/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(public.contains("月に数十件") && !public.contains("（改訂）"), "the approved text stays: {public}");
    assert_eq!(post(&staff, &app, &path, &[("action", "send")]).await.status(), 303);
    assert_eq!(post(&company, &app, &answer, &[("action", "approve"), ("version", "2")]).await.status(), 422, "old");
    assert_eq!(post(&company, &app, &answer, &[("action", "approve"), ("version", "3")]).await.status(), 303);
    let public = app.client.get(app.at(&format!("/cases/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(public.contains("（改訂）"), "now the re-approved version: {public}");

    // Another company, Tokyo and the public cannot act on it.
    let other = crate::agreement::company_session(&app, other_case).await;
    let page = other.get(app.at("/portal/case-studies")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("小売店の取組み"));
    assert_eq!(post(&other, &app, &answer, &[("action", "withdraw")]).await.status(), 404);
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    assert_eq!(tokyo.get(app.at(&path)).send().await.unwrap().status(), 403);
    assert_eq!(company.get(app.at(&path)).send().await.unwrap().status(), 403);

    // The company withdraws: the page is gone at once.
    assert_eq!(post(&company, &app, &answer, &[("action", "withdraw")]).await.status(), 303);
    assert_eq!(app.client.get(app.at(&format!("/cases/{id}"))).send().await.unwrap().status(), 404);
    let list = app.client.get(app.at("/cases")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains(&format!("/cases/{id}")));
    assert_eq!(post(&staff, &app, &path, &[("action", "publish")]).await.status(), 422, "approval is gone");
    let audit = store::audit::for_subject(&app.running.db, "case_study", &id.to_string()).await.unwrap();
    for action in [
        "case_study.edit",
        "case_study.send",
        "case_study.comment",
        "case_study.request_changes",
        "case_study.approve",
        "case_study.publish",
        "case_study.withdraw",
    ] {
        assert!(audit.iter().any(|entry| entry.action == action), "{action} audited");
    }
    app.stop().await;
}

/// Posts the photo form of study `id` as staff; the response.
pub(crate) async fn upload_photo(
    staff: &reqwest::Client,
    app: &TestApp,
    id: uuid::Uuid,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = staff.get(app.at(&format!("/office/case-studies/{id}"))).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let mut form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("photo.png").mime_str("image/png").unwrap());
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    staff.post(app.at(&format!("/office/case-studies/{id}/photos?csrf={csrf}"))).multipart(form).send().await.unwrap()
}

async fn photos_are_published_only_with_consent_and_as_the_approved_version_says(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (case, other_case, reference, staff) = retailer_and_secretariat(&app).await;
    let created = post(&staff, &app, "/office/case-studies", &[("reference", &reference)]).await;
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let path = location.split('?').next().unwrap().to_string();
    let id: uuid::Uuid = path.rsplit('/').next().unwrap().parse().unwrap();
    let today = app.running.clock.today().to_string();
    let consent = |faces: &'static str, logo: &'static str, caption: &'static str| {
        vec![
            ("caption", caption),
            ("faces", faces),
            ("logo", logo),
            ("consent_by", "代表取締役 山田太郎"),
            ("consent_on", "CONSENT_ON"),
            ("consent", "yes"),
        ]
    };
    let with_day = |fields: Vec<(&'static str, &'static str)>| -> Vec<(String, String)> {
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), if v == "CONSENT_ON" { today.clone() } else { v.to_string() }))
            .collect()
    };
    let send_photo = |bytes: Vec<u8>, fields: Vec<(String, String)>| {
        let (staff, app) = (&staff, &app);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            upload_photo(staff, app, id, bytes, &fields).await
        }
    };

    // Refused, each with its reason in Japanese and nothing kept: no consent, a PDF, a consent
    // day in the future.
    let mut no_consent = with_day(consent("", "", "店内の様子"));
    no_consent.retain(|(k, _)| k != "consent");
    let refused = send_photo(PNG.to_vec(), no_consent).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("同意を得たことを確認してください"));
    let pdf = send_photo(b"%PDF-1.7 not a photo".to_vec(), with_day(consent("", "", "PDF"))).await;
    assert_eq!(pdf.status(), 422);
    assert!(pdf.text().await.unwrap().contains("JPEGかPNG"));
    let mut tomorrow = with_day(consent("", "", "明日"));
    let next_day = (app.running.clock.today() + chrono::Duration::days(1)).to_string();
    tomorrow.iter_mut().filter(|(k, _)| k == "consent_on").for_each(|(_, v)| *v = next_day.clone());
    assert_eq!(send_photo(PNG.to_vec(), tomorrow).await.status(), 422);
    assert!(store::case_studies::photos(&app.running.db, id).await.unwrap().is_empty(), "nothing kept");

    // Three photos with consent: the shop, a face, the sign.
    for fields in [consent("", "", "店内の様子"), consent("yes", "", "社長の写真"), consent("", "yes", "店の看板")]
    {
        let added = send_photo(PNG.to_vec(), with_day(fields)).await;
        assert_eq!(added.status(), 303);
    }
    let photos = store::case_studies::photos(&app.running.db, id).await.unwrap();
    let (shop, face, sign) = (photos[0].id, photos[1].id, photos[2].id);
    assert_eq!(photos[1].consent_by, "代表取締役 山田太郎");

    // "Round the numbers": a version with an exact figure is refused, naming it, the text kept.
    let draft = |body: &'static str, anonymity: &'static str, faces: &'static str| {
        vec![
            ("action", "save"),
            ("title", "小売店の取組み"),
            ("body", body),
            ("anonymity", anonymity),
            ("show_faces", faces),
            ("round_numbers", "yes"),
        ]
    };
    let exact =
        post(&staff, &app, &path, &draft("従業員23名の店。\n\n月に約30件を遮断。", "industry_and_size", "")).await;
    assert_eq!(exact.status(), 422);
    let page = exact.text().await.unwrap();
    assert!(page.contains("次の数値を丸めてください") && page.contains("23名"), "{page}");
    assert!(page.contains("従業員23名の店。"), "what was typed is kept");

    // Version 1 (industry and size, no faces) holds the three photos; sent, the company sees
    // them with what the public page will leave out.
    let body = "従業員約20名の店。\n\n月に約30件を遮断。";
    assert_eq!(post(&staff, &app, &path, &draft(body, "industry_and_size", "")).await.status(), 303);
    assert_eq!(post(&staff, &app, &path, &[("action", "send")]).await.status(), 303);
    let company = crate::agreement::company_session(&app, case).await;
    let portal = company.get(app.at("/portal/case-studies")).send().await.unwrap().text().await.unwrap();
    for photo in [shop, face, sign] {
        assert!(portal.contains(&format!("/portal/case-studies/{id}/photos/{photo}")), "{portal}");
    }
    assert!(portal.contains("顔が写っているため") && portal.contains("ロゴ・社名が写っているため"), "{portal}");
    let image = company.get(app.at(&format!("/portal/case-studies/{id}/photos/{face}"))).send().await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(image.bytes().await.unwrap().as_ref(), PNG);
    let other = crate::agreement::company_session(&app, other_case).await;
    let stranger = other.get(app.at(&format!("/portal/case-studies/{id}/photos/{face}"))).send().await.unwrap();
    assert_eq!(stranger.status(), 404, "another company's photo");
    let answer = format!("/portal/case-studies/{id}");
    assert_eq!(post(&company, &app, &answer, &[("action", "approve"), ("version", "1")]).await.status(), 303);
    assert_eq!(post(&staff, &app, &path, &[("action", "publish")]).await.status(), 303);

    // The public page: the shop only (no faces chosen; a sign would name the company).
    let public_photo = |photo: uuid::Uuid| {
        let app = &app;
        async move { app.client.get(app.at(&format!("/cases/{id}/photos/{photo}"))).send().await.unwrap().status() }
    };
    let page = app.client.get(app.at(&format!("/cases/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/cases/{id}/photos/{shop}")) && page.contains("店内の様子"), "{page}");
    assert!(!page.contains(&face.to_string()) && !page.contains(&sign.to_string()));
    assert_eq!(public_photo(shop).await, 200);
    assert_eq!(public_photo(face).await, 404);
    assert_eq!(public_photo(sign).await, 404);

    // Version 2 names the company and shows faces: until the company approves it, the page keeps
    // version 1's options — no name, no face.
    assert_eq!(post(&staff, &app, &path, &draft(body, "named", "yes")).await.status(), 303);
    let page = app.client.get(app.at(&format!("/cases/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("小売業・従業員6〜20人") && !page.contains("株式会社テスト1"), "{page}");
    assert_eq!(public_photo(face).await, 404);
    assert_eq!(post(&staff, &app, &path, &[("action", "send")]).await.status(), 303);
    assert_eq!(post(&company, &app, &answer, &[("action", "approve"), ("version", "2")]).await.status(), 303);
    let page = app.client.get(app.at(&format!("/cases/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("株式会社テスト1"), "named once approved: {page}");
    assert_eq!(public_photo(face).await, 200);
    assert_eq!(public_photo(sign).await, 200);

    // A photo added after the approval waits for the next version; a removed one is gone at once.
    let later = send_photo(PNG.to_vec(), with_day(consent("", "", "後から追加"))).await;
    assert_eq!(later.status(), 303);
    let later = store::case_studies::photos(&app.running.db, id).await.unwrap()[3].id;
    assert_eq!(public_photo(later).await, 404, "not in the approved version");
    let remove = format!("{path}/photos/{face}");
    assert_eq!(post(&staff, &app, &remove, &[("reason", "")]).await.status(), 422, "a reason is needed");
    assert_eq!(post(&staff, &app, &remove, &[("reason", "ご本人が掲載の同意を撤回")]).await.status(), 303);
    assert_eq!(public_photo(face).await, 404, "consent withdrawn: gone at once");
    let page = app.client.get(app.at(&format!("/cases/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(&face.to_string()));
    assert_eq!(staff.get(app.at(&format!("{path}/photos/{face}"))).send().await.unwrap().status(), 404);
    assert_eq!(post(&staff, &app, &remove, &[("reason", "二度目")]).await.status(), 404, "removed already");

    // Tokyo and another company never read the secretariat's copy.
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    assert_eq!(tokyo.get(app.at(&format!("{path}/photos/{shop}"))).send().await.unwrap().status(), 403);
    assert_eq!(other.get(app.at(&format!("{path}/photos/{shop}"))).send().await.unwrap().status(), 403);

    let audit = store::audit::for_subject(&app.running.db, "case_study", &id.to_string()).await.unwrap();
    for action in ["case_study.photo_add", "case_study.photo_remove", "case_study.photo_read"] {
        assert!(audit.iter().any(|entry| entry.action == action), "{action} audited");
    }
    app.stop().await;
}

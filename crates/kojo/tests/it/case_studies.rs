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

async fn a_case_study_is_published_only_as_the_company_approved_it(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut form = crate::common::application(1, "utm");
    form["company"]["industry"] = "retail".into();
    form["company"]["employees"] = 12.into();
    let case = crate::incidents::participant_from(&app, &form, CourseCode::Utm).await;
    let other_case = crate::incidents::participant_in(&app, 2, CourseCode::Utm).await;
    let reference = store::applications::get(&app.running.db, case).await.unwrap().reference;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;

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

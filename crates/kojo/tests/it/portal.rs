//! The company portal over real HTTP on both backends: one-time sign-in links, the company's
//! own case and nothing else, confirming intent, messages both ways.

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use domain::case::{CaseEvent, CaseState};
use serde_json::Value;
use uuid::Uuid;

on_both_backends!(
    a_company_signs_in_with_a_one_time_link,
    a_company_sees_only_its_own_case,
    a_company_confirms_its_intent_after_approval,
    a_company_can_decline_at_the_intent_step,
    an_email_that_asks_to_act_lands_on_its_task_after_sign_in,
    messages_go_both_ways,
    addresses_match_in_any_case_and_a_new_link_retires_the_old,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn submit(app: &TestApp, n: u32) -> Uuid {
    let body: Value = app.apply(&application(n, "utm")).await.json().await.unwrap();
    store::applications::find_by_reference(&app.running.db, body["reference"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Asks for a link as the company would and returns the link's path from the e-mail. The page
/// answers before the link is made (the same for every address), so this waits for the e-mail.
async fn request_link(app: &TestApp, company: &reqwest::Client, email: &str) -> Option<String> {
    request_link_from(app, company, email, "/portal/login").await
}

/// Asks for a sign-in link on the sign-in page at `login` (which may name a task), sending the
/// task the page carries; returns the link from the e-mail.
async fn request_link_from(app: &TestApp, company: &reqwest::Client, email: &str, login: &str) -> Option<String> {
    let links = || async {
        let outbox = store::outbox::recent(&app.running.db, 200).await.unwrap();
        outbox
            .iter()
            .filter(|m| m.to.eq_ignore_ascii_case(email) && m.subject.contains("ログインリンク"))
            .filter_map(|m| m.body.find("/portal/auth/").map(|start| &m.body[start..]))
            .map(|link| link.split_whitespace().next().unwrap().to_string())
            .collect::<Vec<String>>()
    };
    let before = links().await;
    let page = company.get(app.at(login)).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let task = common::hidden_value(&page, "task");
    let page = company
        .post(app.at("/portal/login"))
        .form(&[("email", email), ("csrf", csrf.as_str()), ("task", task.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("ログイン用のリンクをお送りしました"), "{page}");
    for _ in 0..50 {
        if let Some(link) = links().await.into_iter().find(|link| !before.contains(link)) {
            return Some(link);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

/// Moves a received case to 東京都承認済: the course decided, then approved by a Tokyo official
/// through the approvals page.
async fn approve_as_tokyo(app: &TestApp, id: Uuid) {
    common::decide_case(app, id).await;
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    let approvals = tokyo.get(app.at("/office/approvals")).send().await.unwrap().text().await.unwrap();
    let token = common::hidden_value(&approvals, "csrf");
    let approve = [("csrf", token.as_str()), ("action", "approve"), ("case", &id.to_string())];
    assert_eq!(tokyo.post(app.at("/office/approvals")).form(&approve).send().await.unwrap().status(), 200);
}

async fn sign_in_company(app: &TestApp, n: u32) -> reqwest::Client {
    let company = client();
    let link = request_link(app, &company, &format!("contact{n}@example.jp")).await.expect("a link is sent");
    let response = company.get(app.at(&link)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    company
}

async fn a_company_signs_in_with_a_one_time_link(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    submit(&app, 1).await;
    let company = client();
    let link = request_link(&app, &company, "contact1@example.jp").await.expect("a link is sent");
    let response = company.get(app.at(&link)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/portal");
    let page = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("株式会社テスト1"));
    assert!(page.contains("受付済（連絡待ち）"));
    // The header leads the company back to its own page, not to the staff's.
    assert!(page.contains(r#"<a href="/portal">参加企業ページ</a>"#), "{page}");
    assert!(!page.contains(r#"href="/office""#), "no staff link on a company's page");
    // The link works once.
    let again = client().get(app.at(&link)).send().await.unwrap();
    assert_eq!(again.status(), 410);
    assert!(again.text().await.unwrap().contains("既に使用されています"));
    // An unknown address gets the same answer and no e-mail: once a later request for a known
    // address has its e-mail, the unknown one (worked before it, in order) has been handled.
    let before = store::outbox::recent(&app.running.db, 100).await.unwrap().len();
    let stranger = client();
    let page = stranger.get(app.at("/portal/login")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let answer = stranger
        .post(app.at("/portal/login"))
        .form(&[("email", "nobody@example.jp"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().contains("ログイン用のリンクをお送りしました"));
    assert!(request_link(&app, &client(), "contact1@example.jp").await.is_some());
    let outbox = store::outbox::recent(&app.running.db, 100).await.unwrap();
    assert_eq!(outbox.len(), before + 1, "only the known address's e-mail");
    assert!(!outbox.iter().any(|m| m.to == "nobody@example.jp"));
    // Without a session the portal sends you to sign in.
    let anonymous = client().get(app.at("/portal")).send().await.unwrap();
    assert_eq!(anonymous.headers()["location"], "/portal/login");
    app.stop().await;
}

async fn a_company_sees_only_its_own_case(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    submit(&app, 2).await;
    let other = submit(&app, 3).await;
    let company = sign_in_company(&app, 2).await;
    let page = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("株式会社テスト2"));
    assert!(!page.contains("株式会社テスト3"));
    // Guessing the other company's id or reference in any staff or API route gets nothing.
    let other_record = store::applications::get(&app.running.db, other).await.unwrap();
    for path in [
        format!("/office/applications/{other}"),
        "/office/applications".to_string(),
        "/office/applications/export?format=csv".to_string(),
        "/office/board".to_string(),
    ] {
        assert_eq!(company.get(app.at(&path)).send().await.unwrap().status(), 403, "{path}");
    }
    let api = company
        .get(app.at(&format!("/api/v1/applications/{}?email=contact2@example.jp", other_record.reference)))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    let page = company.get(app.at("/office/approvals")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    app.stop().await;
}

/// Issue 19: at the intent step the portal offers 辞退します as well, with a reason; the case is
/// withdrawn by the company itself (timeline and audit name it), and a missing reason is refused
/// with the reason field kept.
async fn a_company_can_decline_at_the_intent_step(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = submit(&app, 5).await;
    let db = &app.running.db;
    let company = sign_in_company(&app, 5).await;
    let page = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("辞退します"), "nothing to decline before Tokyo approves");
    let csrf = common::hidden_value(&page, "csrf");
    let early = company.post(app.at("/portal/decline")).form(&[("csrf", csrf.as_str()), ("reason", "社内事情")]).send();
    assert_eq!(early.await.unwrap().status(), 422, "not before the intent step");
    assert_eq!(store::applications::get(db, id).await.unwrap().status, CaseState::Received);

    approve_as_tokyo(&app, id).await;

    let page = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("参加します") && page.contains("辞退します"));
    // Without a reason: refused, nothing changes.
    let refused = company.post(app.at("/portal/decline")).form(&[("csrf", csrf.as_str()), ("reason", "  ")]).send();
    let refused = refused.await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("理由"));
    assert_eq!(store::applications::get(db, id).await.unwrap().status, CaseState::Approved);
    // Too long: refused, and what was typed comes back.
    let long = "あ".repeat(app::cases::MAX_DECLINE_REASON_CHARS + 1);
    let page = company.post(app.at("/portal/decline")).form(&[("csrf", csrf.as_str()), ("reason", long.as_str())]);
    let page = page.send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&long), "the reason typed is kept");
    // With a reason: withdrawn by the company.
    let reason = "社内の体制が整わないため：来年度に再検討します";
    let page = company.post(app.at("/portal/decline")).form(&[("csrf", csrf.as_str()), ("reason", reason)]);
    let page = page.send().await.unwrap().text().await.unwrap();
    assert!(page.contains("辞退を受け付けました"), "{page}");
    assert_eq!(store::applications::get(db, id).await.unwrap().status, CaseState::Withdrawn);
    let last = store::cases::timeline(db, id).await.unwrap().pop().unwrap();
    assert_eq!(last.event, CaseEvent::Withdraw.code());
    assert!(last.actor_label.starts_with("company:"));
    assert_eq!(last.reason.as_deref(), Some(reason));
    // Once withdrawn, neither button is offered and declining again is refused.
    assert!(!page.contains("辞退します"));
    let again = company.post(app.at("/portal/decline")).form(&[("csrf", csrf.as_str()), ("reason", reason)]).send();
    assert_eq!(again.await.unwrap().status(), 422);
    app.stop().await;
}

async fn a_company_confirms_its_intent_after_approval(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = submit(&app, 4).await;
    let db = &app.running.db;
    common::decide_case(&app, id).await;

    let company = sign_in_company(&app, 4).await;
    let page = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("参加します"), "nothing to confirm before Tokyo approves");

    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    let approvals = tokyo.get(app.at("/office/approvals")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&approvals, "csrf");
    let response = tokyo
        .post(app.at("/office/approvals"))
        .form(&[("csrf", csrf.as_str()), ("action", "approve"), ("case", &id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let outbox = store::outbox::recent(db, 20).await.unwrap();
    assert!(outbox.iter().any(|m| m.to == "contact4@example.jp" && m.subject.contains("参加意思の確認のお願い")));

    let page = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("参加します"));
    let csrf = common::hidden_value(&page, "csrf");
    let page = company
        .post(app.at("/portal/intent"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("参加の意思を確認しました"));
    assert_eq!(store::applications::get(db, id).await.unwrap().status, CaseState::IntentConfirmed);
    let timeline = store::cases::timeline(db, id).await.unwrap();
    let last = timeline.last().unwrap();
    assert_eq!(last.event, CaseEvent::ConfirmIntent.code());
    assert!(last.actor_label.starts_with("company:"));
    // Twice is refused politely.
    let again = company.post(app.at("/portal/intent")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(again.status(), 422);
    // A forged token changes nothing.
    let forged = company.post(app.at("/portal/intent")).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    app.stop().await;
}

async fn messages_go_both_ways(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = submit(&app, 5).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let page = staff.get(app.at(&format!("/office/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let response = staff
        .post(app.at(&format!("/office/applications/{id}/message")))
        .form(&[("csrf", csrf.as_str()), ("message", "現地調査の日程をご相談させてください。")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let outbox = store::outbox::recent(&app.running.db, 20).await.unwrap();
    let notice = outbox.iter().find(|m| m.to == "contact5@example.jp" && m.subject.contains("メッセージ")).unwrap();
    assert!(!notice.body.contains("現地調査"), "the e-mail only points to the portal");

    let company = sign_in_company(&app, 5).await;
    let page = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("現地調査の日程をご相談させてください。"));
    let csrf = common::hidden_value(&page, "csrf");
    let page = company
        .post(app.at("/portal/messages"))
        .form(&[("csrf", csrf.as_str()), ("body", "来週火曜の午後でお願いします。")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("メッセージを送信しました"));
    let page = staff.get(app.at(&format!("/office/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("来週火曜の午後でお願いします。"));
    // Every step's e-mail can be read, filled in for this company, before it is sent.
    let emails =
        staff.get(app.at(&format!("/office/applications/{id}/emails"))).send().await.unwrap().text().await.unwrap();
    for expected in [
        "株式会社テスト5",
        "参加同意書のご提出のお願い",
        "参加が確定しました",
        "参加意思の確認のお願い",
        "ログインリンク",
    ] {
        assert!(emails.contains(expected), "{expected}");
    }
    app.stop().await;
}

async fn addresses_match_in_any_case_and_a_new_link_retires_the_old(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut body = application(5, "utm");
    body["contact"]["email"] = "Sato.Hanako@Example.jp".into();
    assert_eq!(app.apply(&body).await.status(), 201);
    let company = client();
    let first = request_link(&app, &company, "sato.hanako@example.jp").await.expect("a link although the case differs");
    let second = request_link(&app, &company, "SATO.HANAKO@EXAMPLE.JP").await.expect("a link in capitals too");
    assert_ne!(first, second);
    assert_eq!(company.get(app.at(&first)).send().await.unwrap().status(), 410, "the newer link retired the older");
    assert_eq!(company.get(app.at(&second)).send().await.unwrap().status(), 303);
    assert_eq!(company.get(app.at(&second)).send().await.unwrap().status(), 410, "a link works once");
    app.stop().await;
}

/// Issue 19: an e-mail that asks the company to act states the reference and what to do, and
/// its link lands on that task after sign-in; a task word that is not one of the portal's goes
/// home; the page that says the link was sent can send it again.
async fn an_email_that_asks_to_act_lands_on_its_task_after_sign_in(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let id = submit(&app, 6).await;
    let db = &app.running.db;
    approve_as_tokyo(&app, id).await;

    let reference = store::applications::get(db, id).await.unwrap().reference;
    let outbox = store::outbox::recent(db, 50).await.unwrap();
    let mail = outbox.iter().find(|m| m.to == "contact6@example.jp" && m.subject.contains("参加意思")).unwrap();
    assert!(mail.body.contains(&reference), "{}", mail.body);
    assert!(mail.body.contains("「参加します」または「辞退します」"), "{}", mail.body);
    let start = mail.body.find("/portal/login?task=").expect("the link names the task");
    let login = mail.body[start..].split_whitespace().next().unwrap().to_string();
    assert_eq!(login, "/portal/login?task=intent");

    let company = client();
    let link = request_link_from(&app, &company, "contact6@example.jp", &login).await.expect("a link is sent");
    assert!(link.ends_with("?task=intent"), "{link}");
    let response = company.get(app.at(&link)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/portal#task-intent");

    // The page that says the link was sent offers to send it again, keeping the task.
    let page = client().get(app.at("/portal/login?task=agreement")).send().await.unwrap().text().await.unwrap();
    assert_eq!(common::hidden_value(&page, "task"), "agreement");
    let browser = client();
    let page = browser.get(app.at("/portal/login?task=agreement")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let sent = browser
        .post(app.at("/portal/login"))
        .form(&[("email", "contact6@example.jp"), ("csrf", csrf.as_str()), ("task", "agreement")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sent.contains("リンクをもう一度送る"), "{sent}");
    assert_eq!(common::hidden_value(&sent, "task"), "agreement");
    assert_eq!(common::hidden_value(&sent, "email"), "contact6@example.jp");
    // Its link (sent off the request) names the task; wait for it before asking again, since a
    // new link retires the older ones.
    let mut agreement_link = false;
    for _ in 0..100 {
        let outbox = store::outbox::recent(db, 200).await.unwrap();
        agreement_link = outbox.iter().any(|m| m.to == "contact6@example.jp" && m.body.contains("?task=agreement"));
        if agreement_link {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(agreement_link, "the link sent again names its task");

    // A word that names no task lands at home, never elsewhere.
    let link = request_link(&app, &client(), "contact6@example.jp").await.expect("a link is sent");
    let forged = client().get(app.at(&format!("{link}?task=//evil.example"))).send().await.unwrap();
    assert_eq!(forged.status(), 303);
    assert_eq!(forged.headers()["location"], "/portal");
    app.stop().await;
}

//! Inquiries and the FAQ over HTTP, on SQLite and PostgreSQL: the public form's three steps
//! with the FAQ offered on the way, the acknowledgement; the secretariat's inbox, a reply by
//! e-mail, the asker's e-mail reply threading into the same inquiry (once however often it is
//! fetched), a telephone inquiry, the link to an application; an FAQ entry drafted from the
//! answer without the personal details, published and found by a two-character word; the API;
//! and who may see what.

use domain::access::Role;
use serde_json::{Value, json};

use crate::common::{Backend, Setup, TestApp, application, hidden_value, spawn_app, spawn_app_configured};

on_both_backends!(
    a_question_is_asked_answered_threaded_and_made_an_faq_entry,
    telephone_inquiries_and_the_inbox_s_filters_and_export,
    the_api_takes_inquiries_and_searches_the_faq,
    only_the_secretariat_opens_the_inbox,
    the_secretariat_s_mailbox_is_read_over_imap,
    the_policies_in_force_are_linked_from_every_consent,
    answer_templates_start_a_reply,
    replies_carry_files_that_the_company_downloads,
    the_inbox_is_worked_through_the_api,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn outbox_to(app: &TestApp, to: &str) -> Vec<store::outbox::OutboxMessage> {
    let mut found: Vec<_> =
        store::outbox::recent(&app.running.db, 500).await.unwrap().into_iter().filter(|m| m.to == to).collect();
    found.sort_by_key(|m| m.created_at);
    found
}

/// A published FAQ entry, saved through the use case as staff would.
async fn published_entry(app: &TestApp, question: &str, answer: &str) -> uuid::Uuid {
    let admin = app::Actor::command_line();
    let input = app::inquiries::FaqInput {
        category: "seminars".into(),
        question_ja: question.into(),
        answer_ja: answer.into(),
        ..Default::default()
    };
    let now = app.running.clock.now();
    let saved = app::inquiries::save_faq(&app.running.services, &admin, None, &input, None, now).await.unwrap();
    app::inquiries::publish_faq(&app.running.services, &admin, saved.id, true, now).await.unwrap();
    saved.id
}

fn form(csrf: &str, step: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = vec![("csrf".to_string(), csrf.to_string()), ("step".to_string(), step.to_string())];
    out.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    out
}

async fn a_question_is_asked_answered_threaded_and_made_an_faq_entry(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    // An application from the address the question will come from: the inquiry links to it.
    let applied: Value = app.apply(&application(7, "utm")).await.json().await.unwrap();
    let application_reference = applied["reference"].as_str().unwrap().to_string();
    published_entry(&app, "説明会の日程はどこで確認できますか？", "説明会の一覧ページに日程を掲載しています。").await;

    // 入力: mistakes come back in Japanese with everything typed kept.
    let asker = client();
    let page = asker.get(app.at("/contact")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let typed = [
        ("name", "山田 太郎"),
        ("company_name", "株式会社テスト7"),
        ("email", "not-an-address"),
        ("phone", "03-1234-5678"),
        ("category", "seminars"),
        ("subject", "説明会の日程"),
        ("message", "説明会の日程を教えてください。\n山田太郎（03-1234-5678）"),
        ("privacy_policy_accepted", "yes"),
    ];
    let response = asker.post(app.at("/contact")).form(&form(&csrf, "review", &typed)).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("メールアドレス") && page.contains("説明会の日程を教えてください。"), "{page}");
    assert!(page.contains("value=\"株式会社テスト7\""), "typed values kept");

    // 確認: nothing sent yet, and the FAQ entry like the subject is offered.
    let mut fields = typed.to_vec();
    fields[2] = ("email", "contact7@example.jp");
    let response = asker.post(app.at("/contact")).form(&form(&csrf, "review", &fields)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("まだ送信されていません"), "{page}");
    assert!(
        page.contains("この質問と似たよくある質問") && page.contains("説明会の日程はどこで確認できますか"),
        "{page}"
    );
    assert!(store::inquiries::list(&app.running.db, &Default::default(), 10).await.unwrap().is_empty());

    // 完了: the reference, the answer time, the acknowledgement by e-mail.
    let response = asker.post(app.at("/contact")).form(&form(&csrf, "send", &fields)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/contact/done");
    let done = asker.get(app.at("/contact/done")).send().await.unwrap().text().await.unwrap();
    let fiscal = domain::inquiry::fiscal_year_of(app.running.clock.now());
    let reference = domain::inquiry::reference(fiscal, 1);
    assert!(done.contains(&reference) && done.contains("回答予定"), "{done}");
    let record = store::inquiries::by_reference(&app.running.db, &reference).await.unwrap().unwrap();
    assert_eq!((record.channel, record.status), (domain::inquiry::Channel::Web, domain::inquiry::Status::New));
    let today = app.running.clock.today();
    let privacy = domain::policy::in_force(domain::policy::PRIVACY, today).code;
    assert_eq!(record.privacy_version.as_deref(), Some(privacy), "the consent's version is kept");
    let case = store::applications::find_by_reference(&app.running.db, &application_reference).await.unwrap().unwrap();
    assert_eq!(case.privacy_version.as_deref(), Some(privacy), "the application's too");
    let linked =
        store::applications::find_by_reference(&app.running.db, &application_reference).await.unwrap().unwrap();
    assert_eq!(record.application_id, Some(linked.id), "linked to the application from the same address");
    let acknowledgement = outbox_to(&app, "contact7@example.jp").await;
    let acknowledgement = acknowledgement.iter().find(|m| m.subject.contains(&reference)).expect("acknowledged");
    assert!(acknowledgement.body.contains("回答予定"));
    assert!(!acknowledgement.body.contains("説明会の日程を教えてください"), "nothing typed is echoed to the address");

    // The secretariat: the inbox lists it with its clock; its page is audited; a reply is e-mailed.
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let inbox = staff.get(app.at("/office/inquiries")).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains(&reference) && inbox.contains("回答期限"), "{inbox}");
    let url = app.at(&format!("/office/inquiries/{}", record.id));
    let page = staff.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("説明会の日程を教えてください。") && page.contains(&application_reference), "{page}");
    let audit = store::audit::for_subject(&app.running.db, "inquiry", &record.id.to_string()).await.unwrap();
    assert!(audit.iter().any(|entry| entry.action == "inquiry.read"), "the read is audited");
    let csrf = hidden_value(&page, "csrf");
    let empty =
        staff.post(&url).form(&[("csrf", csrf.as_str()), ("action", "reply"), ("body", "  ")]).send().await.unwrap();
    assert_eq!(empty.status(), 422, "an empty reply is refused, not sent");
    let reply = "日程は説明会の一覧ページでご確認いただけます。\nご不明点は 03-5555-0000 までお電話ください。";
    let response =
        staff.post(&url).form(&[("csrf", csrf.as_str()), ("action", "reply"), ("body", reply)]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let mails = outbox_to(&app, "contact7@example.jp").await;
    let sent = mails.iter().find(|m| m.subject.contains("Re:")).expect("the reply in the outbox");
    assert!(sent.subject.contains(&reference) && sent.body.contains("山田 太郎 様") && sent.body.contains(reply));
    let answered = store::inquiries::get(&app.running.db, record.id).await.unwrap();
    assert_eq!(answered.status, domain::inquiry::Status::Answered);
    assert!(answered.first_answered_at.is_some());

    // The asker answers the e-mail: threaded by the reference in the subject, opened again; the
    // same e-mail fetched twice is stored once; a stranger quoting the reference starts anew.
    let incoming = app::inquiries::IncomingEmail {
        message_id: "reply-1@mail.example.jp".into(),
        references: vec!["unknown@elsewhere".into()],
        from_address: "contact7@example.jp".into(),
        from_name: Some("山田 太郎".into()),
        subject: format!("Re: {}", sent.subject),
        text: "ありがとうございます。オンライン参加もできますか？".into(),
        attachments: Vec::new(),
    };
    let now = app.running.clock.now();
    let first = app::inquiries::receive_email(&app.running.services, &incoming, now).await.unwrap();
    assert_eq!(first, app::inquiries::Received::Threaded(record.id));
    let again = app::inquiries::receive_email(&app.running.services, &incoming, now).await.unwrap();
    assert_eq!(again, app::inquiries::Received::Duplicate);
    let thread = store::inquiries::messages(&app.running.db, record.id).await.unwrap();
    assert_eq!(thread.len(), 3, "question, reply, the asker's answer once");
    let reopened = store::inquiries::get(&app.running.db, record.id).await.unwrap();
    assert_eq!(reopened.status, domain::inquiry::Status::InProgress);
    // A reply to that e-mail threads by its Message-ID, whatever its subject.
    let follow_up = app::inquiries::IncomingEmail {
        message_id: "reply-2@mail.example.jp".into(),
        references: vec!["reply-1@mail.example.jp".into()],
        from_address: "contact7@example.jp".into(),
        subject: "追加の質問".into(),
        text: "もう一点あります。".into(),
        ..Default::default()
    };
    let threaded = app::inquiries::receive_email(&app.running.services, &follow_up, now).await.unwrap();
    assert_eq!(threaded, app::inquiries::Received::Threaded(record.id));
    let stranger = app::inquiries::IncomingEmail {
        message_id: "x@spoof.example".into(),
        from_address: "someone@spoof.example".into(),
        subject: format!("Re: {reference}"),
        text: "教えてください".into(),
        ..Default::default()
    };
    let separate = app::inquiries::receive_email(&app.running.services, &stranger, now).await.unwrap();
    assert!(matches!(separate, app::inquiries::Received::New(id) if id != record.id), "{separate:?}");

    // "FAQ にする": the draft has none of the asker's details; published, it is found by a
    // two-character word on the public page and the API.
    let draft =
        staff.get(app.at(&format!("/office/faq/new?from={}", record.id))).send().await.unwrap().text().await.unwrap();
    for personal in ["山田", "太郎", "株式会社テスト7", "contact7@", "03-1234-5678", "03-5555-0000", reference.as_str()]
    {
        assert!(!draft.contains(personal), "{personal} left in the draft: {draft}");
    }
    assert!(draft.contains("日程は説明会の一覧ページでご確認いただけます。"));
    let question = hidden_textarea(&draft, "question_ja");
    let answer = hidden_textarea(&draft, "answer_ja");
    let response = staff
        .post(app.at("/office/faq/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("from", record.id.to_string().as_str()),
            ("category", "seminars"),
            ("question_ja", "オンラインでも参加できますか？費用はかかりますか？"),
            ("answer_ja", &format!("{answer}\n参加費用は無料です。")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{question}");
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let id = location.trim_start_matches("/office/faq/").split('?').next().unwrap().to_string();
    let public = reqwest::get(app.at("/faq?q=費用")).await.unwrap().text().await.unwrap();
    assert!(!public.contains("費用はかかりますか"), "a draft is not public");
    let response = staff
        .post(app.at(&format!("/office/faq/{id}/publish")))
        .form(&[("csrf", csrf.as_str()), ("published", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let public = reqwest::get(app.at("/faq?q=費用")).await.unwrap().text().await.unwrap();
    assert!(public.contains("費用はかかりますか") && !public.contains("日程はどこで"), "{public}");
    // A category that does not exist is said so, as the API refuses it.
    let unknown = reqwest::get(app.at("/faq?category=billing")).await.unwrap();
    assert_eq!(unknown.status(), 400);
    assert!(unknown.text().await.unwrap().contains("その分類はありません"));
    let found: Vec<Value> = reqwest::get(app.at("/api/v1/faq?q=日程")).await.unwrap().json().await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    let entry = reqwest::get(app.at(&format!("/faq/{id}"))).await.unwrap();
    assert_eq!(entry.status(), 200);
    // An edit is a new version; unpublished, the entry's page is gone.
    let response = staff
        .post(app.at(&format!("/office/faq/{id}")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("category", "seminars"),
            ("question_ja", "オンラインでも参加できますか？"),
            ("answer_ja", "できます。参加費用は無料です。"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let versions = store::inquiries::faq_versions(&app.running.db, id.parse().unwrap()).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.0).collect::<Vec<_>>(), [2, 1]);
    staff
        .post(app.at(&format!("/office/faq/{id}/publish")))
        .form(&[("csrf", csrf.as_str()), ("published", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(reqwest::get(app.at(&format!("/faq/{id}"))).await.unwrap().status(), 404);
    app.stop().await;
}

/// The text of `<textarea … name="NAME" …>TEXT</textarea>`, unescaped enough for the test's text.
fn hidden_textarea(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no textarea {name}"));
    let after = &page[start..];
    let open = after.find('>').unwrap() + 1;
    let close = after.find("</textarea>").unwrap();
    after[open..close].replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&")
}

async fn telephone_inquiries_and_the_inbox_s_filters_and_export(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let page = staff.get(app.at("/office/inquiries/call")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let call = |subject: &'static str, answered: &'static str| {
        let staff = staff.clone();
        let csrf = csrf.clone();
        let url = app.at("/office/inquiries/call");
        async move {
            staff
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("name", "佐藤 花子"),
                    ("phone", "03-9876-5432"),
                    ("category", "utm"),
                    ("subject", subject),
                    ("summary", "UTMの設置場所について質問。"),
                    ("answered", answered),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let missing = staff
        .post(app.at("/office/inquiries/call"))
        .form(&[("csrf", csrf.as_str()), ("name", ""), ("category", "utm"), ("subject", "x"), ("summary", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);
    assert!(missing.text().await.unwrap().contains("お名前"), "the problem is named");
    assert_eq!(call("設置場所", "yes").await.status(), 303);
    assert_eq!(call("電源の要否", "").await.status(), 303);
    let all = store::inquiries::list(&app.running.db, &Default::default(), 10).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|r| r.channel == domain::inquiry::Channel::Phone));
    let answered = all.iter().find(|r| r.subject == "設置場所").unwrap();
    assert_eq!(answered.status, domain::inquiry::Status::Answered);
    // Filters: answered ones only, a word; closed ones leave the default list.
    let list = staff.get(app.at("/office/inquiries?status=answered")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("設置場所") && !list.contains("電源の要否"), "{list}");
    let list = staff.get(app.at("/office/inquiries?q=電源")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("電源の要否") && !list.contains("設置場所"));
    let url = app.at(&format!("/office/inquiries/{}", answered.id));
    let response = staff.post(&url).form(&[("csrf", csrf.as_str()), ("action", "close")]).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let list = staff.get(app.at("/office/inquiries")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("設置場所"), "closed ones leave the open list");
    // A closed inquiry takes no reply until reopened.
    let refused =
        staff.post(&url).form(&[("csrf", csrf.as_str()), ("action", "note"), ("body", "メモ")]).send().await.unwrap();
    assert_eq!(refused.status(), 303, "a note is always possible");
    let refused = staff.post(&url).form(&[("csrf", csrf.as_str()), ("action", "start")]).send().await.unwrap();
    assert_eq!(refused.status(), 409);
    // The export opens in Excel: UTF-8 with a BOM, the Japanese headers, both inquiries.
    let csv = staff.get(app.at("/office/inquiries/export?status=all&format=csv")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("問い合わせ番号") && text.contains("設置場所") && text.contains("電源の要否"), "{text}");
    app.stop().await;
}

async fn the_api_takes_inquiries_and_searches_the_faq(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let good = json!({
        "name": "鈴木 一郎", "company_name": null, "email": "ichiro@example.jp", "phone": null,
        "category": "application", "subject": "申込みの費用", "message": "費用はかかりますか？",
        "privacy_policy_accepted": true,
    });
    let response = app.client.post(app.at("/api/v1/inquiries")).json(&good).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap();
    assert!(reference.starts_with("Q-R") && body["answer_due"].is_string(), "{body}");
    let mut bad = good.clone();
    bad["email"] = json!("nope");
    bad["category"] = json!("billing");
    let response = app.client.post(app.at("/api/v1/inquiries")).json(&bad).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "category"], "{body}");
    // The year's file sets a first-answer target: within 2 business hours.
    let text =
        format!("{}\n[inquiries]\nfirst_answer = \"hours:2\"\n", crate::common::programme_toml(Setup::default()));
    let programme = kojo::setup::parse_programme(&text).expect("programme with [inquiries]");
    store::programmes::import(&app.running.db, &programme, true, chrono::Utc::now()).await.unwrap();
    let mut later = good.clone();
    later["email"] = json!("hanako@example.jp");
    let response = app.client.post(app.at("/api/v1/inquiries")).json(&later).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let record =
        store::inquiries::by_reference(&app.running.db, body["reference"].as_str().unwrap()).await.unwrap().unwrap();
    let due = domain::inquiry::first_answer_due(
        &domain::calendar::BusinessCalendar::japan(),
        record.received_at,
        domain::inquiry::Target::BusinessHours(2),
    );
    assert_eq!(body["answer_due"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap(), due);
    published_entry(&app, "参加に費用はかかりますか？", "無料です。").await;
    published_entry(&app, "説明会の日程は？", "一覧ページをご覧ください。").await;
    let found: Vec<Value> = reqwest::get(app.at("/api/v1/faq?q=費用")).await.unwrap().json().await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["answer"], "無料です。");
    assert!(found[0]["url"].as_str().unwrap().ends_with(&format!("/faq/{}", found[0]["id"].as_str().unwrap())));
    let all: Vec<Value> = reqwest::get(app.at("/api/v1/faq")).await.unwrap().json().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(reqwest::get(app.at("/api/v1/faq?category=billing")).await.unwrap().status(), 422);
    app.stop().await;
}

/// A web question from `email`, filed through the use case.
async fn ask(app: &TestApp, name: &str, email: &str, subject: &str) -> store::inquiries::InquiryRecord {
    app::inquiries::submit(
        &app.running.services,
        &app::Actor::public(None),
        &domain::inquiry::InquiryInput {
            name: name.into(),
            email: email.into(),
            category: Some("other".into()),
            subject: subject.into(),
            message: "内容".into(),
            privacy_policy_accepted: true,
            ..Default::default()
        },
        domain::secretariat::Language::Ja,
        app.running.clock.now(),
    )
    .await
    .unwrap()
    .inquiry
}

/// A signed-in portal session of the company user of application `reference`.
async fn company_session(app: &TestApp, reference: &str, email: &str) -> reqwest::Client {
    let case = store::applications::find_by_reference(&app.running.db, reference).await.unwrap().unwrap();
    let now = app.running.clock.now();
    let user = store::accounts::create_user(
        &app.running.db,
        store::accounts::NewUser {
            email,
            display_name: "会社",
            role: Role::Company,
            password_hash: None,
            company_application_id: Some(case.id),
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    let session =
        store::accounts::create_session(&app.running.db, user, None, chrono::Duration::hours(1), now).await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", format!("kojo_session={}", session.token).parse().unwrap());
    reqwest::Client::builder().default_headers(headers).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn only_the_secretariat_opens_the_inbox(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let first: Value = app.apply(&application(1, "utm")).await.json().await.unwrap();
    let second: Value = app.apply(&application(2, "utm")).await.json().await.unwrap();
    let (first, second) = (first["reference"].as_str().unwrap(), second["reference"].as_str().unwrap());
    let mine = ask(&app, "高橋 次郎", "contact1@example.jp", "弊社の質問").await;
    let theirs = ask(&app, "伊藤 四郎", "contact2@example.jp", "他社の質問").await;
    let id = mine.id;
    let paths = [
        "/office/inquiries".to_string(),
        format!("/office/inquiries/{id}"),
        "/office/inquiries/export".to_string(),
        "/office/inquiries/call".to_string(),
        "/office/faq".to_string(),
        format!("/office/faq/new?from={id}"),
    ];
    for role in [Role::TokyoOfficial, Role::Expert, Role::UtmOperator] {
        let user = client();
        app.sign_in(&user, &format!("{}@example.jp", role.code()), role).await;
        for path in &paths {
            let response = user.get(app.at(path)).send().await.unwrap();
            assert_eq!(response.status(), 403, "{role:?} {path}");
        }
        // The month's figures: Tokyo reads them (nobody named), the others not.
        let figures = user.get(app.at("/office/inquiries/figures")).send().await.unwrap();
        if role == Role::TokyoOfficial {
            assert_eq!(figures.status(), 200);
            let page = figures.text().await.unwrap();
            assert!(page.contains("id=\"received\">2<"), "{page}");
            assert!(!page.contains("高橋") && !page.contains("contact1@"), "no personal data in the figures");
            let csv = user.get(app.at("/office/inquiries/figures?format=csv")).send().await.unwrap();
            let csv = String::from_utf8_lossy(&csv.bytes().await.unwrap()).into_owned();
            assert!(csv.contains("受付件数") && csv.contains("初回回答までの時間 中央値"), "{csv}");
        } else {
            assert_eq!(figures.status(), 403, "{role:?}");
        }
    }
    // Every state-changing route refuses them too (with a valid form token).
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo2@example.jp", Role::TokyoOfficial).await;
    let page = tokyo.get(app.at("/office/inquiries/figures")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let faq = uuid::Uuid::new_v4();
    for (path, form) in [
        (format!("/office/inquiries/{id}"), vec![("action", "note"), ("body", "x")]),
        (format!("/office/inquiries/{id}"), vec![("action", "close")]),
        (
            "/office/inquiries/call".to_string(),
            vec![("name", "x"), ("category", "other"), ("subject", "x"), ("summary", "x")],
        ),
        ("/office/faq/new".to_string(), vec![("category", "other"), ("question_ja", "q"), ("answer_ja", "a")]),
        (format!("/office/faq/{faq}"), vec![("category", "other"), ("question_ja", "q"), ("answer_ja", "a")]),
        (format!("/office/faq/{faq}/publish"), vec![("published", "yes")]),
        ("/office/inquiries/templates".to_string(), vec![("title", "t"), ("body", "b")]),
    ] {
        let mut form = form;
        form.push(("csrf", csrf.as_str()));
        let response = tokyo.post(app.at(&path)).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 403, "Tokyo POST {path}");
    }
    let stranger = client();
    for path in &paths {
        let response = stranger.get(app.at(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "not signed in: {path}");
    }
    let admin = client();
    app.sign_in(&admin, "admin@example.jp", Role::Administrator).await;
    for path in &paths {
        assert_eq!(admin.get(app.at(path)).send().await.unwrap().status(), 200, "{path}");
    }
    // The case's page lists the inquiries linked to it.
    let case = store::applications::find_by_reference(&app.running.db, first).await.unwrap().unwrap();
    let page =
        admin.get(app.at(&format!("/office/applications/{}", case.id))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&mine.reference) && !page.contains(&theirs.reference), "the case shows its own inquiry");
    // In the portal a company sees its own inquiries only, once staff confirmed the automatic
    // link (an address typed into a form proves nothing); staff pages stay closed to it.
    let company = company_session(&app, first, "portal1@example.jp").await;
    let page = company.get(app.at("/portal/inquiries")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(&mine.reference), "an unconfirmed link is not shown to the company");
    let staff = app::Actor::command_line();
    for (inquiry, reference) in [(&mine, first), (&theirs, second)] {
        let link = app::inquiries::Command::Link(Some(reference.to_string()));
        app::inquiries::act(&app.running.services, &staff, inquiry.id, link, app.running.clock.now()).await.unwrap();
    }
    let page = company.get(app.at("/portal/inquiries")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&mine.reference) && page.contains("弊社の質問"), "{page}");
    assert!(!page.contains(&theirs.reference) && !page.contains("他社の質問"));
    let other = company_session(&app, second, "portal2@example.jp").await;
    let page = other.get(app.at("/portal/inquiries")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&theirs.reference) && !page.contains(&mine.reference));
    assert_eq!(company.get(app.at(&format!("/office/inquiries/{id}"))).send().await.unwrap().status(), 403);
    app.stop().await;
}

/// A raw e-mail as a mail client would send it.
fn raw_email(from: &str, subject: &str, message_id: &str, in_reply_to: Option<&str>, text: &str) -> Vec<u8> {
    raw_email_with_files(from, subject, message_id, in_reply_to, text, &[])
}

/// A raw e-mail with attached files (name, MIME type, bytes), as multipart/mixed.
fn raw_email_with_files(
    from: &str,
    subject: &str,
    message_id: &str,
    in_reply_to: Option<&str>,
    text: &str,
    files: &[(&str, &str, &[u8])],
) -> Vec<u8> {
    use base64::Engine;
    let encoded = |text: &str| format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(text));
    let mut raw = format!(
        "From: {from}\r\nTo: info@example.jp\r\nSubject: {}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Fri, 4 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n",
        encoded(subject)
    );
    if let Some(parent) = in_reply_to {
        raw.push_str(&format!("In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n"));
    }
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    if !files.is_empty() {
        raw.push_str("Content-Type: multipart/mixed; boundary=\"kojo-part\"\r\n\r\n--kojo-part\r\n");
    }
    raw.push_str("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    raw.push_str(&b64(text.as_bytes()));
    raw.push_str("\r\n");
    for (name, kind, bytes) in files {
        raw.push_str(&format!(
            "--kojo-part\r\nContent-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            encoded(name),
            b64(bytes)
        ));
    }
    if !files.is_empty() {
        raw.push_str("--kojo-part--\r\n");
    }
    raw.into_bytes()
}

/// Through a real IMAP server (Dovecot): the asker's reply to Kojo's answer threads into its
/// inquiry by the reference in the subject, its own reply by `In-Reply-To`; a new sender's
/// question becomes a new inquiry linked to its application; the same e-mail delivered again is
/// stored once; the mailbox's messages end up seen.
async fn the_secretariat_s_mailbox_is_read_over_imap(backend: Backend) {
    let dovecot = crate::imap_server::Dovecot::start();
    let url = format!("imap://{}:{}@{}:{}/INBOX", dovecot.user(), dovecot.password(), dovecot.host(), dovecot.port());
    let app = spawn_app_configured(backend, Setup::default(), |config| {
        config.imap_url = Some(url.clone());
        config.worker = false;
    })
    .await;
    let applied: Value = app.apply(&application(3, "risk_assessment")).await.json().await.unwrap();
    let settings = kojo::maintenance::Settings::from_config(&app.config);
    assert!(settings.mailbox.is_some(), "the mailbox is configured");
    let read = || kojo::jobs::run_due_jobs(&app.running.services, &settings, &app.running.clock);

    // A web question, answered by e-mail.
    let asked = app::inquiries::submit(
        &app.running.services,
        &app::Actor::public(None),
        &domain::inquiry::InquiryInput {
            name: "中村 三郎".into(),
            email: "saburo@example.jp".into(),
            category: Some("utm".into()),
            subject: "UTMの設置".into(),
            message: "設置に何日かかりますか？".into(),
            privacy_policy_accepted: true,
            ..Default::default()
        },
        domain::secretariat::Language::Ja,
        app.running.clock.now(),
    )
    .await
    .unwrap();
    let id = asked.inquiry.id;
    let staff = app::Actor::command_line();
    let reply = app::inquiries::Command::Reply { body: "半日ほどです。".into(), ask: false, files: Vec::new() };
    app::inquiries::act(&app.running.services, &staff, id, reply, app.running.clock.now()).await.unwrap();
    let sent = outbox_to(&app, "saburo@example.jp").await;
    let answer = sent.iter().find(|m| m.subject.contains("Re:")).expect("the answer was queued");

    dovecot.deliver(&raw_email(
        "中村 三郎 <saburo@example.jp>",
        &format!("Re: {}", answer.subject),
        "m1@mail.example.jp",
        None,
        "ありがとうございます。電源は必要ですか？\n\n2026年12月4日 事務局 <info@example.jp>:\n> 半日ほどです。",
    ));
    // With a photo of the server room (kept) and a Word file (not kept; said so in the thread).
    let photo: &[u8] = b"\x89PNG\r\n\x1a\n server room";
    dovecot.deliver(&raw_email_with_files(
        "中村 三郎 <saburo@example.jp>",
        "追伸",
        "m2@mail.example.jp",
        Some("m1@mail.example.jp"),
        "もう一点、土曜日の設置は可能ですか？",
        &[("サーバー室.png", "image/png", photo), ("間取り.docx", "application/octet-stream", b"PK\x03\x04 word")],
    ));
    dovecot.deliver(&raw_email(
        "テスト3 担当 <contact3@example.jp>",
        "申込後の流れ",
        "m3@mail.example.jp",
        None,
        "申込みの後、いつ連絡がありますか？",
    ));
    let pass = read().await.unwrap();
    assert!(pass.done >= 1 && pass.failed == 0, "the mailbox read: {pass:?}");
    assert_eq!(dovecot.unseen_len(), 0, "every message read is flagged seen");

    let thread = store::inquiries::messages(&app.running.db, id).await.unwrap();
    let bodies: Vec<&str> = thread.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "設置に何日かかりますか？",
            "半日ほどです。",
            "ありがとうございます。電源は必要ですか？",
            "もう一点、土曜日の設置は可能ですか？\n\n［Kojo］保存しなかった添付ファイル：間取り.docx（PDF・JPEG・PNG以外の形式）。\
             元のメールはメールボックスにあります。"
        ],
        "threaded, the quoted history cut off, the file not kept named"
    );
    let files = store::inquiries::attachments(&app.running.db, id).await.unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!((files[0].filename.as_str(), files[0].content_type.as_str()), ("サーバー室.png", "image/png"));
    assert_eq!(files[0].message_id, thread[3].id, "kept with its message");
    let (_, bytes) = store::inquiries::attachment(&app.running.db, files[0].id).await.unwrap();
    assert_eq!(bytes, photo);
    let reopened = store::inquiries::get(&app.running.db, id).await.unwrap();
    assert_eq!(reopened.status, domain::inquiry::Status::InProgress);
    let all = store::inquiries::list(&app.running.db, &Default::default(), 10).await.unwrap();
    assert_eq!(all.len(), 2);
    let new = all.iter().find(|r| r.id != id).unwrap();
    assert_eq!((new.channel, new.subject.as_str()), (domain::inquiry::Channel::Email, "申込後の流れ"));
    assert_eq!(new.email.as_deref(), Some("contact3@example.jp"));
    let linked = store::applications::find_by_reference(&app.running.db, applied["reference"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.application_id, Some(linked.id), "linked to the application from the same address");

    // The same e-mail again (a second copy in the mailbox): stored once. The next slot reads it.
    dovecot.deliver(&raw_email_with_files(
        "中村 三郎 <saburo@example.jp>",
        "追伸",
        "m2@mail.example.jp",
        Some("m1@mail.example.jp"),
        "もう一点、土曜日の設置は可能ですか？",
        &[("サーバー室.png", "image/png", photo)],
    ));
    assert_eq!(dovecot.inbox_len(), 4);
    app.running.clock.advance(chrono::Duration::seconds(61));
    let pass = read().await.unwrap();
    assert_eq!((pass.done, pass.failed), (1, 0), "the next slot's read");
    assert_eq!(store::inquiries::messages(&app.running.db, id).await.unwrap().len(), 4, "not stored twice");
    assert_eq!(store::inquiries::attachments(&app.running.db, id).await.unwrap().len(), 1, "nor its file");
    assert_eq!(store::inquiries::list(&app.running.db, &Default::default(), 10).await.unwrap().len(), 2);
    assert_eq!(dovecot.unseen_len(), 0, "the second copy is flagged seen too");
    // Nothing unseen is left: a third read finds nothing.
    app.running.clock.advance(chrono::Duration::seconds(61));
    read().await.unwrap();
    assert_eq!(store::inquiries::messages(&app.running.db, id).await.unwrap().len(), 4);
    drop(dovecot);
    app.stop().await;
}

/// `/privacy` and `/site-policy` show the version in force and keep each version at its own
/// address; every consent checkbox links to the policy in force.
async fn the_policies_in_force_are_linked_from_every_consent(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let in_force = domain::policy::in_force(domain::policy::PRIVACY, app.running.clock.today()).code;
    for path in ["/privacy", "/site-policy"] {
        let page = reqwest::get(app.at(path)).await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"policy-text\"") && page.contains("現行版"), "{path}: {page}");
        let versioned = reqwest::get(app.at(&format!("{path}/{in_force}"))).await.unwrap();
        assert_eq!(versioned.status(), 200, "{path}/{in_force}");
        assert_eq!(reqwest::get(app.at(&format!("{path}/1999-01-01"))).await.unwrap().status(), 404);
    }
    let page = reqwest::get(app.at("/privacy")).await.unwrap().text().await.unwrap();
    assert!(page.contains(in_force));
    for form in ["/contact", "/apply"] {
        let page = reqwest::get(app.at(form)).await.unwrap().text().await.unwrap();
        assert!(page.contains("name=\"privacy_policy_accepted\"") && page.contains("href=\"/privacy\""), "{form}");
    }
    app.stop().await;
}

/// A template is saved once and starts a reply; an empty one is refused with what was typed kept.
async fn answer_templates_start_a_reply(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let inquiry = ask(&app, "渡辺 五郎", "goro@example.jp", "申込みの締切").await;
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let page = staff.get(app.at("/office/inquiries/templates")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let refused = staff
        .post(app.at("/office/inquiries/templates"))
        .form(&[("csrf", csrf.as_str()), ("title", " "), ("body", "締切は募集ページのとおりです。")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("締切は募集ページのとおりです。"), "the text typed is kept");
    let body = "お申込みの締切は、各コースの募集ページに記載のとおりです。";
    let saved = staff
        .post(app.at("/office/inquiries/templates"))
        .form(&[("csrf", csrf.as_str()), ("title", "締切の案内"), ("body", body)])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let templates = store::inquiries::answer_templates(&app.running.db).await.unwrap();
    assert_eq!(templates.len(), 1);
    let url = app.at(&format!("/office/inquiries/{}?template={}", inquiry.id, templates[0].id));
    let page = staff.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(&format!("name=\"body\" rows=\"10\" maxlength=\"8000\" required>{body}</textarea>")),
        "{page}"
    );
    let deleted = staff
        .post(app.at(&format!("/office/inquiries/templates/{}", templates[0].id)))
        .form(&[("csrf", csrf.as_str()), ("action", "delete")])
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 303);
    assert!(store::inquiries::answer_templates(&app.running.db).await.unwrap().is_empty());
    let audit =
        store::audit::for_subject(&app.running.db, "answer_template", &templates[0].id.to_string()).await.unwrap();
    assert_eq!(audit.len(), 2, "saved and deleted, each audited");
    app.stop().await;
}

/// A multipart reply form as the inquiry page sends it.
fn reply_form(body: &str, files: &[(&str, &[u8])]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("body", body.to_string());
    for (name, bytes) in files {
        form = form.part("files", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()));
    }
    form
}

/// A reply carries files: checked by content (an executable named .pdf refused, the text kept),
/// at most three; they go with the e-mail and into the thread; the company whose inquiry it is
/// downloads them from its portal (audited), another company and Tokyo do not.
async fn replies_carry_files_that_the_company_downloads(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let first: Value = app.apply(&application(1, "utm")).await.json().await.unwrap();
    let second: Value = app.apply(&application(2, "utm")).await.json().await.unwrap();
    let (first, second) = (first["reference"].as_str().unwrap(), second["reference"].as_str().unwrap());
    let mine = ask(&app, "高橋 次郎", "contact1@example.jp", "見積書について").await;
    let link = app::inquiries::Command::Link(Some(first.to_string()));
    app::inquiries::act(&app.running.services, &app::Actor::command_line(), mine.id, link, app.running.clock.now())
        .await
        .unwrap();
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let page_url = app.at(&format!("/office/inquiries/{}", mine.id));
    let page = staff.get(&page_url).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let reply_url = app.at(&format!("/office/inquiries/{}/reply?csrf={csrf}", mine.id));
    let pdf: &[u8] = b"%PDF-1.4\n% estimate\n";
    let text = "見積書を添付します。ご確認ください。";

    let renamed = staff
        .post(&reply_url)
        .multipart(reply_form(text, &[("見積書.pdf", b"MZ\x90\0 not a pdf")]))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 415);
    let shown = renamed.text().await.unwrap();
    assert!(shown.contains("PDF・JPEG・PNG") && shown.contains(text), "the problem shown, the text kept: {shown}");
    let four = staff
        .post(&reply_url)
        .multipart(reply_form(text, &[("1.pdf", pdf), ("2.pdf", pdf), ("3.pdf", pdf), ("4.pdf", pdf)]))
        .send()
        .await
        .unwrap();
    assert_eq!(four.status(), 422);
    assert!(four.text().await.unwrap().contains("3件まで"));
    assert!(outbox_to(&app, "contact1@example.jp").await.iter().all(|m| !m.subject.contains("Re:")), "nothing sent");
    let no_token = staff
        .post(app.at(&format!("/office/inquiries/{}/reply", mine.id)))
        .multipart(reply_form(text, &[("見積書.pdf", pdf)]))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 403, "the form token is required");

    let sent = staff.post(&reply_url).multipart(reply_form(text, &[("見積書.pdf", pdf)])).send().await.unwrap();
    assert_eq!(sent.status(), 303);
    let mails = outbox_to(&app, "contact1@example.jp").await;
    let mail = mails.iter().find(|m| m.subject.contains("Re:")).expect("the reply is queued");
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!((mail.attachments[0].filename.as_str(), mail.attachments[0].content.as_slice()), ("見積書.pdf", pdf));
    let files = store::inquiries::attachments(&app.running.db, mine.id).await.unwrap();
    assert_eq!(files.len(), 1);
    let office_file = format!("/office/inquiries/{}/files/{}", mine.id, files[0].id);
    let page = staff.get(&page_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&office_file) && page.contains("見積書.pdf"), "listed with the reply");
    let download = staff.get(app.at(&office_file)).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf);

    // The company's portal lists and serves it; the read is audited.
    let company = company_session(&app, first, "portal1@example.jp").await;
    let portal_file = format!("/portal/inquiries/{}/files/{}", mine.id, files[0].id);
    let page = company.get(app.at("/portal/inquiries")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&portal_file), "{page}");
    let download = company.get(app.at(&portal_file)).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf);
    let audit = store::audit::for_subject(&app.running.db, "inquiry", &mine.id.to_string()).await.unwrap();
    assert!(audit.iter().filter(|entry| entry.action == "inquiry.file_read").count() >= 2, "staff's and the company's");
    assert!(audit.iter().any(|entry| entry.action == "inquiry.reply"));
    // Another company, Tokyo, a made-up file, and the office route for the company: no.
    let other = company_session(&app, second, "portal2@example.jp").await;
    assert_eq!(other.get(app.at(&portal_file)).send().await.unwrap().status(), 404);
    assert_eq!(company.get(app.at(&office_file)).send().await.unwrap().status(), 403);
    let made_up = format!("/portal/inquiries/{}/files/{}", mine.id, uuid::Uuid::new_v4());
    assert_eq!(company.get(app.at(&made_up)).send().await.unwrap().status(), 404);
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    assert_eq!(tokyo.get(app.at(&office_file)).send().await.unwrap().status(), 403);
    // The JSON API lists the file in the thread and downloads it through the same use case.
    let api_file = format!("/api/v1/inquiries/{}/files/{}", mine.id, files[0].id);
    let bearer = |token: &str| format!("Bearer {token}");
    let token = staff_token(&app, "api-files@example.jp", Role::Secretariat).await;
    let detail: serde_json::Value = app
        .client
        .get(app.at(&format!("/api/v1/inquiries/{}", mine.id)))
        .header("authorization", bearer(&token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = detail["thread"].as_array().unwrap().iter().flat_map(|m| m["files"].as_array().unwrap().clone());
    assert!(listed.into_iter().any(|f| f["id"] == files[0].id.to_string()), "{detail}");
    let download = app.client.get(app.at(&api_file)).header("authorization", bearer(&token)).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert!(download.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf);
    let reads = store::audit::for_subject(&app.running.db, "inquiry", &mine.id.to_string()).await.unwrap();
    assert_eq!(reads.iter().filter(|entry| entry.action == "inquiry.file_read").count(), 3, "the API's read too");
    let made_up = format!("/api/v1/inquiries/{}/files/{}", mine.id, uuid::Uuid::new_v4());
    let running = &app;
    let status = |path: String, token: String| async move {
        running.client.get(running.at(&path)).header("authorization", bearer(&token)).send().await.unwrap().status()
    };
    assert_eq!(status(made_up, token.clone()).await, 404);
    let another = format!("/api/v1/inquiries/{}/files/{}", uuid::Uuid::new_v4(), files[0].id);
    assert_eq!(status(another, token.clone()).await, 404, "the file of another inquiry");
    let operator = staff_token(&app, "api-operator@example.jp", Role::UtmOperator).await;
    assert_eq!(status(api_file.clone(), operator).await, 403);
    assert_eq!(app.client.get(app.at(&api_file)).send().await.unwrap().status(), 401, "no token");
    app.stop().await;
}

async fn staff_token(app: &TestApp, email: &str, role: Role) -> String {
    let now = app.running.clock.now();
    let user = store::accounts::NewUser {
        email,
        display_name: "API",
        role,
        password_hash: None,
        company_application_id: None,
        must_change_password: false,
    };
    let id = store::accounts::create_user(&app.running.db, user, now).await.unwrap();
    store::accounts::create_api_token(&app.running.db, id, "test", now).await.unwrap()
}

async fn call(app: &TestApp, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.client.request(method, app.at(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// The staff API works the inbox as the page does: the same use case, the same refusals, the
/// same audit rows; Tokyo's and an expert's tokens are refused.
async fn the_inbox_is_worked_through_the_api(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let applied: Value = app.apply(&application(4, "utm")).await.json().await.unwrap();
    let reference = applied["reference"].as_str().unwrap();
    let asked = ask(&app, "小林 五郎", "someone@example.jp", "説明会の会場").await;
    let _other = ask(&app, "加藤 六郎", "other@example.jp", "費用について").await;
    let token = staff_token(&app, "api-secretariat@example.jp", Role::Secretariat).await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;

    let (status, inbox) = call(&app, &token, get.clone(), "/api/v1/inquiries", None).await;
    assert_eq!(status, 200, "{inbox}");
    assert_eq!(inbox["total"], 2);
    assert_eq!(inbox["items"][0]["clock"]["state"], "due", "unanswered, due first: {inbox}");
    let (_, found) = call(&app, &token, get.clone(), "/api/v1/inquiries?q=%E4%BC%9A%E5%A0%B4", None).await;
    assert_eq!(found["total"], 1, "q=会場: {found}");
    assert_eq!(found["items"][0]["reference"], asked.reference.as_str());
    let (status, _) = call(&app, &token, get.clone(), "/api/v1/inquiries?status=nonsense", None).await;
    assert_eq!(status, 422);
    let (_, open) = call(&app, &token, get.clone(), "/api/v1/inquiries?status=open", None).await;
    assert_eq!(open["total"], 2, "open, as on the page");
    let (_, mine) = call(&app, &token, get.clone(), "/api/v1/inquiries?assignee=mine", None).await;
    assert_eq!(mine["total"], 0, "nothing assigned to the token's user yet");

    let path = format!("/api/v1/inquiries/{}", asked.id);
    let (status, detail) = call(&app, &token, get.clone(), &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(detail["thread"][0]["kind"], "in");
    assert_eq!(detail["thread"][0]["body"], "内容");
    let (status, note) =
        call(&app, &token, post.clone(), &format!("{path}/notes"), Some(json!({"body": "会場を確認中"}))).await;
    assert_eq!((status, note["status"].as_str()), (201, Some("new")), "a note leaves the status");
    let (status, blank) =
        call(&app, &token, post.clone(), &format!("{path}/replies"), Some(json!({"body": "　"}))).await;
    assert_eq!(status, 422, "{blank}");
    let body = json!({"body": "会場は都庁第一本庁舎です。", "ask": false});
    let (status, replied) = call(&app, &token, post.clone(), &format!("{path}/replies"), Some(body)).await;
    assert_eq!((status, replied["status"].as_str()), (201, Some("answered")));
    let sent = outbox_to(&app, "someone@example.jp").await;
    assert!(sent.iter().any(|m| m.subject.contains("Re:") && m.body.contains("都庁第一本庁舎")), "e-mailed");
    let (status, linked) =
        call(&app, &token, post.clone(), &format!("{path}/link"), Some(json!({"reference": reference}))).await;
    assert_eq!(status, 200, "{linked}");
    let record = store::inquiries::get(&app.running.db, asked.id).await.unwrap();
    assert!(record.application_id.is_some() && record.link_confirmed, "linked and confirmed");
    let (status, _) =
        call(&app, &token, post.clone(), &format!("{path}/link"), Some(json!({"reference": "R8-NOPE"}))).await;
    assert_eq!(status, 422, "an unknown reference");
    let (status, _) =
        call(&app, &token, post.clone(), &format!("{path}/category"), Some(json!({"category": "seminars"}))).await;
    assert_eq!(status, 200);
    let (status, closed) =
        call(&app, &token, post.clone(), &format!("{path}/events"), Some(json!({"event": "close"}))).await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
    let (status, refused) =
        call(&app, &token, post.clone(), &format!("{path}/replies"), Some(json!({"body": "追記"}))).await;
    assert_eq!(status, 409, "a closed inquiry takes no reply: {refused}");
    let (status, _) =
        call(&app, &token, post.clone(), &format!("{path}/events"), Some(json!({"event": "reopen"}))).await;
    assert_eq!(status, 200);
    let audit = store::audit::for_subject(&app.running.db, "inquiry", &asked.id.to_string()).await.unwrap();
    for action in ["inquiry.read", "inquiry.note", "inquiry.reply", "inquiry.link", "inquiry.close", "inquiry.reopen"] {
        assert!(audit.iter().any(|entry| entry.action == action), "{action} audited");
    }
    for role in [Role::TokyoOfficial, Role::Expert] {
        let other = staff_token(&app, &format!("api-{}@example.jp", role.code()), role).await;
        assert_eq!(call(&app, &other, get.clone(), "/api/v1/inquiries", None).await.0, 403, "{role:?}");
        assert_eq!(call(&app, &other, get.clone(), &path, None).await.0, 403, "{role:?}");
        let note = Some(json!({"body": "x"}));
        assert_eq!(call(&app, &other, post.clone(), &format!("{path}/notes"), note).await.0, 403, "{role:?}");
    }
    assert_eq!(app.client.get(app.at("/api/v1/inquiries")).send().await.unwrap().status(), 401, "no token");
    app.stop().await;
}

//! Course ① management guidance on both backends: the secretariat assigns and reassigns experts;
//! an expert reaches only its assigned companies (every guidance route, by id); four visits and no
//! fifth; the company reads and acknowledges a report and diagnoses itself in the portal.

use crate::common;

use chrono::{Duration, Utc};
use common::{Backend, Setup, TestApp, spawn_app, spawn_app_with_clock};
use domain::access::Role;
use uuid::Uuid;

on_both_backends!(
    an_expert_reaches_only_the_companies_assigned_to_it,
    the_company_reads_its_report_and_diagnoses_itself,
    the_company_publishes_its_policy_and_gets_ready_for_two_stars,
    a_visit_is_reminded_on_the_business_day_before,
    a_visit_moves_is_cancelled_and_keeps_its_files,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn post(client: &reqwest::Client, url: String, page: String, fields: &[(&str, &str)]) -> reqwest::Response {
    let html = client.get(page).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&html, "csrf");
    let mut body: Vec<(&str, &str)> = fields.to_vec();
    body.push(("csrf", csrf.as_str()));
    client.post(url).form(&body).send().await.unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    store::accounts::find_user_by_email(&app.running.db, email).await.unwrap().unwrap().id.to_string()
}

fn tomorrow_at(hour: u32) -> String {
    let day = (Utc::now() + Duration::days(1)).with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    format!("{day}T{hour:02}:00")
}

/// The secretariat assigns `expert` to `case` through the list page.
async fn assign(app: &TestApp, secretariat: &reqwest::Client, case: Uuid, expert: &str) -> reqwest::Response {
    let expert = user_id(app, expert).await;
    let list = app.at("/office/guidance");
    post(secretariat, list.clone(), list, &[("case", &case.to_string()), ("expert", &expert)]).await
}

async fn an_expert_reaches_only_the_companies_assigned_to_it(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mine = crate::incidents::participant(&app, 1).await;
    let theirs = crate::incidents::participant(&app, 2).await;
    let (expert_a, expert_b, secretariat) = (client(), client(), client());
    app.sign_in(&expert_a, "expert-a@example.jp", Role::Expert).await;
    app.sign_in(&expert_b, "expert-b@example.jp", Role::Expert).await;
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    assert_eq!(assign(&app, &secretariat, mine, "expert-a@example.jp").await.status(), 200);
    assert_eq!(assign(&app, &secretariat, theirs, "expert-b@example.jp").await.status(), 200);
    assert!(
        store::outbox::recent(&app.running.db, 50).await.unwrap().iter().any(|m| m.to == "expert-a@example.jp"),
        "the expert is told"
    );
    // Only an expert can be assigned; only the secretariat assigns.
    let not_expert = assign(&app, &secretariat, mine, "jimukyoku@example.jp").await;
    assert_eq!(not_expert.status(), 422);
    let list = app.at("/office/guidance");
    let self_assign = post(
        &expert_a,
        list.clone(),
        list.clone(),
        &[("case", &theirs.to_string()), ("expert", &user_id(&app, "expert-a@example.jp").await)],
    )
    .await;
    assert_eq!(self_assign.status(), 403);

    // A's list holds its company only; B's company is not found on every route.
    let page = expert_a.get(list.clone()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("株式会社テスト1") && !page.contains("株式会社テスト2"), "{page}");
    let their_page = app.at(&format!("/office/guidance/{theirs}"));
    assert_eq!(expert_a.get(their_page.clone()).send().await.unwrap().status(), 404);
    let own_page = app.at(&format!("/office/guidance/{mine}"));
    for fields in
        [vec![("do", "plan"), ("mode", "onsite"), ("minutes", "60")], vec![("do", "diagnosis"), ("item_1", "done")]]
    {
        let mut fields = fields.clone();
        let start = tomorrow_at(10);
        fields.push(("starts_at", &start));
        assert_eq!(post(&expert_a, their_page.clone(), own_page.clone(), &fields).await.status(), 404, "{fields:?}");
    }
    // Nor does an expert open the secretariat's case pages or lists.
    assert_eq!(expert_a.get(app.at(&format!("/office/applications/{theirs}"))).send().await.unwrap().status(), 403);
    assert_eq!(expert_a.get(app.at("/office/applications")).send().await.unwrap().status(), 403);
    assert_eq!(expert_a.get(app.at("/office/applications/export?format=csv")).send().await.unwrap().status(), 403);

    // Four visits, and no fifth.
    for hour in [9, 11, 13, 15] {
        let start = tomorrow_at(hour);
        let planned = post(
            &expert_a,
            own_page.clone(),
            own_page.clone(),
            &[("do", "plan"), ("mode", "onsite"), ("starts_at", &start), ("minutes", "90")],
        )
        .await;
        assert_eq!(planned.status(), 200, "{}", planned.text().await.unwrap());
    }
    let start = tomorrow_at(17);
    let fifth = post(
        &expert_a,
        own_page.clone(),
        own_page.clone(),
        &[("do", "plan"), ("mode", "online"), ("starts_at", &start), ("minutes", "60")],
    )
    .await;
    assert_eq!(fifth.status(), 422);
    assert!(fifth.text().await.unwrap().contains("1社につき4回まで"));
    let invitation = store::outbox::recent(&app.running.db, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.subject.contains("経営指導（第1回）"))
        .expect("the company is told of the visit");
    assert!(invitation.attachments.iter().any(|a| a.filename == "guidance.ics"));
    // B's visits cannot be recorded by A (by visit id through A's own page).
    let start = tomorrow_at(10);
    post(
        &expert_b,
        their_page.clone(),
        their_page.clone(),
        &[("do", "plan"), ("mode", "onsite"), ("starts_at", &start), ("minutes", "60")],
    )
    .await;
    let b_visit = store::guidance::visits(&app.running.db, theirs).await.unwrap().remove(0);
    let stolen = post(
        &expert_a,
        own_page.clone(),
        own_page.clone(),
        &[("do", "record"), ("visit", &b_visit.id.to_string()), ("attendees", "x"), ("topics", "x"), ("findings", "x")],
    )
    .await;
    assert_eq!(stolen.status(), 404);
    for action in ["cancel", "move"] {
        let start = tomorrow_at(12);
        let fields = [
            ("do", action),
            ("visit", &b_visit.id.to_string()),
            ("mode", "online"),
            ("starts_at", &start),
            ("minutes", "60"),
        ];
        assert_eq!(post(&expert_a, own_page.clone(), own_page.clone(), &fields).await.status(), 404, "{action}");
    }
    let html = expert_a.get(own_page.clone()).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&html, "csrf");
    let upload = expert_a
        .post(app.at(&format!("/office/guidance/{mine}/visits/{}/files?csrf={csrf}", b_visit.id)))
        .multipart(crate::agreement::multipart(&csrf, "x.png", b"\x89PNG\r\n\x1a\nx".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 404, "a file onto another company's visit");
    // Nor B's company's documents: a diagnosis round, the policy, a monthly report.
    let b_company = crate::agreement::company_session(&app, theirs).await;
    let b_portal = app.at("/portal/guidance");
    post(&b_company, b_portal.clone(), b_portal.clone(), &[("do", "diagnosis"), ("item_1", "done")]).await;
    let b_round = store::guidance::rounds(&app.running.db, theirs).await.unwrap().remove(0);
    for path in [
        format!("/office/guidance/{theirs}/rounds/{}/pdf", b_round.id),
        format!("/office/guidance/{theirs}/policy/pdf"),
        format!("/office/guidance/{theirs}/reports/{}/pdf", Uuid::now_v7()),
        // A's own company with B's round id is not found either.
        format!("/office/guidance/{mine}/rounds/{}/pdf", b_round.id),
    ] {
        assert_eq!(expert_a.get(app.at(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    // A company reads its own round, never another's by id.
    let a_company = crate::agreement::company_session(&app, mine).await;
    let other = a_company.get(app.at(&format!("/portal/guidance/rounds/{}/pdf", b_round.id))).send().await.unwrap();
    assert_eq!(other.status(), 404);
    // A step of B's visit cannot be ticked off by A's company.
    let ticked = post(
        &a_company,
        app.at("/portal/guidance"),
        app.at("/portal/guidance"),
        &[("do", "step"), ("visit", &b_visit.id.to_string()), ("step", "0"), ("done", "1")],
    )
    .await;
    assert_eq!(ticked.status(), 404);

    // Reassigned to B, the company leaves A's reach.
    assert_eq!(assign(&app, &secretariat, mine, "expert-b@example.jp").await.status(), 200);
    assert_eq!(expert_a.get(own_page.clone()).send().await.unwrap().status(), 404);
    assert_eq!(expert_b.get(own_page.clone()).send().await.unwrap().status(), 200);
    // Tokyo has no guidance pages.
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    assert_eq!(tokyo.get(list).send().await.unwrap().status(), 403);
    assert_eq!(tokyo.get(own_page).send().await.unwrap().status(), 403);
    app.stop().await;
}

async fn the_company_reads_its_report_and_diagnoses_itself(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let case = crate::incidents::participant(&app, 1).await;
    let (expert, secretariat) = (client(), client());
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    assign(&app, &secretariat, case, "expert@example.jp").await;
    let page = app.at(&format!("/office/guidance/{case}"));
    let start = tomorrow_at(10);
    post(
        &expert,
        page.clone(),
        page.clone(),
        &[("do", "plan"), ("mode", "onsite"), ("starts_at", &start), ("minutes", "90")],
    )
    .await;
    let visit = store::guidance::visits(&app.running.db, case).await.unwrap().remove(0);
    let recorded = post(
        &expert,
        page.clone(),
        page.clone(),
        &[
            ("do", "record"),
            ("visit", &visit.id.to_string()),
            ("attendees", "代表 見本太郎、総務 見本花子"),
            ("topics", "自社診断の振り返り"),
            ("findings", "バックアップを取っていない"),
            ("next_steps", "NASへの自動バックアップを設定する 2026-12-25\n基本方針の案を読む"),
        ],
    )
    .await;
    assert_eq!(recorded.status(), 200, "{}", recorded.text().await.unwrap());

    let company = crate::agreement::company_session(&app, case).await;
    // The portal's home asks the company to read the report and lists its next steps.
    let home = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(
        home.contains("id=\"task-guidance\"")
            && home.contains("1回の訪問報告をご確認ください")
            && home.contains("NASへの自動バックアップを設定する（期限 ")
            && home.contains("基本方針の案を読む"),
        "{home}"
    );
    let portal = app.at("/portal/guidance");
    let html = company.get(portal.clone()).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("バックアップを取っていない") && html.contains("NASへの自動バックアップを設定する"),
        "{html}"
    );
    // The company ticks the first step off; the home no longer lists it.
    let ticked = post(
        &company,
        portal.clone(),
        portal.clone(),
        &[("do", "step"), ("visit", &visit.id.to_string()), ("step", "0"), ("done", "1")],
    )
    .await;
    assert_eq!(ticked.status(), 200);
    let steps = store::guidance::get_visit(&app.running.db, visit.id).await.unwrap().next_steps;
    assert!(steps[0].done_on.is_some() && steps[1].done_on.is_none());
    let home = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains("NASへの自動バックアップを設定する") && home.contains("基本方針の案を読む"), "{home}");
    let missing = post(
        &company,
        portal.clone(),
        portal.clone(),
        &[("do", "step"), ("visit", &visit.id.to_string()), ("step", "9"), ("done", "1")],
    )
    .await;
    assert_eq!(missing.status(), 404);
    let ack =
        post(&company, portal.clone(), portal.clone(), &[("do", "acknowledge"), ("visit", &visit.id.to_string())])
            .await;
    assert_eq!(ack.status(), 200);
    assert!(store::guidance::get_visit(&app.running.db, visit.id).await.unwrap().acknowledged_at.is_some());

    // The first round: everything done but backups (not done) and incidents (don't know).
    let mut answers: Vec<(String, String)> = (1..=25).map(|n| (format!("item_{n}"), "done".to_string())).collect();
    answers[10].1 = "not_done".into();
    answers[23].1 = "dont_know".into();
    let fields: Vec<(&str, &str)> =
        [("do", "diagnosis")].into_iter().chain(answers.iter().map(|(k, v)| (k.as_str(), v.as_str()))).collect();
    let first = post(&company, portal.clone(), portal.clone(), &fields).await;
    assert_eq!(first.status(), 200);
    let html = first.text().await.unwrap();
    assert!(html.contains("id=\"diagnosis-total\">91<"), "23 × 4 + 0 − 1: {html}");
    assert!(html.contains("11. 大切な情報は、定期的にバックアップを取っていますか。"), "the weakest items are advised");
    // A later round shows the change.
    answers[10].1 = "done".into();
    let fields: Vec<(&str, &str)> =
        [("do", "diagnosis")].into_iter().chain(answers.iter().map(|(k, v)| (k.as_str(), v.as_str()))).collect();
    let second = post(&company, portal.clone(), portal.clone(), &fields).await.text().await.unwrap();
    assert!(second.contains("id=\"diagnosis-total\">95<") && second.contains("+4"), "{second}");
    // A forged answer is refused, nothing stored.
    let forged = post(&company, portal.clone(), portal.clone(), &[("do", "diagnosis"), ("item_26", "done")]).await;
    assert_eq!(forged.status(), 422);
    assert_eq!(store::guidance::rounds(&app.running.db, case).await.unwrap().len(), 2);
    // The change chart appears from the second round on.
    assert!(second.contains("id=\"diagnosis-chart\"><svg") && second.contains("95点"), "{second}");
    // The expert sees the rounds, and both read the latest as a PDF.
    let html = expert.get(page.clone()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"diagnosis-total\">95<"), "{html}");
    let rounds = store::guidance::rounds(&app.running.db, case).await.unwrap();
    for (client, url) in [
        (&company, app.at(&format!("/portal/guidance/rounds/{}/pdf", rounds[1].id))),
        (&expert, app.at(&format!("/office/guidance/{case}/rounds/{}/pdf", rounds[1].id))),
    ] {
        let response = client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let Some(text) = crate::agreement::pdf_text(&response.bytes().await.unwrap()) else { continue };
        for expected in
            ["情報セキュリティ自社診断結果", "株式会社テスト1", "95/100点", "から4点上がりました", "これまでの推移"]
        {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
    }
    // The expert updates the plan with the company from the office page.
    let measure = store::guidance::measures(&app.running.db, case).await.unwrap().remove(0);
    let updated = post(
        &expert,
        page.clone(),
        page.clone(),
        &[("do", "measure"), ("measure", &measure.id.to_string()), ("owner", "総務"), ("due", ""), ("status", "done")],
    )
    .await;
    assert_eq!(updated.status(), 200, "{}", updated.text().await.unwrap());
    assert_eq!(store::guidance::measures(&app.running.db, case).await.unwrap()[0].status, "done");
    // The secretariat reads the programme's exact figures; Tokyo reads them under the
    // small-cell rule (one company diagnosed: "<5", its averages withheld), no company in them;
    // the expert may not.
    let office = client();
    app.sign_in(&office, "figures@example.jp", Role::Secretariat).await;
    let figures = office.get(app.at("/office/guidance/figures")).send().await.unwrap().text().await.unwrap();
    assert!(figures.contains("id=\"diagnosed\">1<") && figures.contains("91.0 → 95.0"), "{figures}");
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    let figures = tokyo.get(app.at("/office/guidance/figures")).send().await.unwrap().text().await.unwrap();
    assert!(figures.contains("id=\"diagnosed\">&#60;5<") && figures.contains("— → —"), "{figures}");
    assert!(figures.contains("5社未満"), "the note says why");
    assert!(!figures.contains("91.0") && !figures.contains("株式会社テスト1"));
    let csv = tokyo.get(app.at("/office/guidance/figures?format=csv")).send().await.unwrap();
    let csv = String::from_utf8(csv.bytes().await.unwrap().to_vec()).unwrap();
    assert!(csv.contains("自社診断 実施企業,<5") && csv.contains("参加確定企業（支援①）,<5"), "{csv}");
    assert_eq!(expert.get(app.at("/office/guidance/figures")).send().await.unwrap().status(), 403);
    app.stop().await;
}

fn as_refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn the_company_publishes_its_policy_and_gets_ready_for_two_stars(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let case = crate::incidents::participant(&app, 1).await;
    let company = crate::agreement::company_session(&app, case).await;
    let portal = app.at("/portal/guidance");
    let html = company.get(portal.clone()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("★★ まであと：自社診断（25項目すべて）、基本方針の公開"), "{html}");
    assert!(html.contains("株式会社テスト1は、経営者が主導して"), "the template names the company");

    // A complete round seeds the plan with its gaps (items 11 and 24).
    let mut answers: Vec<(String, String)> = (1..=25).map(|n| (format!("item_{n}"), "done".to_string())).collect();
    answers[10].1 = "not_done".into();
    answers[23].1 = "dont_know".into();
    let fields: Vec<(&str, &str)> =
        [("do", "diagnosis")].into_iter().chain(answers.iter().map(|(k, v)| (k.as_str(), v.as_str()))).collect();
    assert_eq!(post(&company, portal.clone(), portal.clone(), &fields).await.status(), 200);
    let measures = store::guidance::measures(&app.running.db, case).await.unwrap();
    assert_eq!(measures.iter().map(|m| m.item_number).collect::<Vec<_>>(), [Some(11), Some(24)]);
    let id = measures[0].id.to_string();
    let updated = post(
        &company,
        portal.clone(),
        portal.clone(),
        &[("do", "measure"), ("measure", &id), ("owner", "総務 見本花子"), ("due", "2026-12-25"), ("status", "doing")],
    )
    .await;
    assert_eq!(updated.status(), 200);
    let measure = store::guidance::measures(&app.running.db, case).await.unwrap().remove(0);
    assert_eq!((measure.owner.as_deref(), measure.status.as_str()), (Some("総務 見本花子"), "doing"));

    // The policy: saved, refused for publication without its date, then published.
    let sections: Vec<(String, String)> = domain::guidance::policy_template("株式会社テスト1")
        .into_iter()
        .enumerate()
        .flat_map(|(i, s)| [(format!("title_{i}"), s.title), (format!("body_{i}"), s.body)])
        .collect();
    let save = |date: &'static str, extra: &'static str| {
        let mut fields: Vec<(String, String)> = sections.clone();
        fields[1].1.push_str(extra);
        fields.extend([
            ("do".into(), "policy_save".into()),
            ("enacted_on".into(), date.into()),
            ("representative".into(), "代表取締役 見本太郎".into()),
        ]);
        fields
    };

    // The expert writes the first draft with the company; only the company publishes.
    let (expert, secretariat) = (client(), client());
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    assign(&app, &secretariat, case, "expert@example.jp").await;
    let office = app.at(&format!("/office/guidance/{case}"));
    let draft = save("", "（専門家と作成）");
    assert_eq!(post(&expert, office.clone(), office.clone(), &as_refs(&draft)).await.status(), 200);
    let html = company.get(portal.clone()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("（専門家と作成）"), "{html}");
    let pdf = company.get(app.at("/portal/guidance/policy/pdf")).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    if let Some(text) = crate::agreement::pdf_text(&pdf.bytes().await.unwrap()) {
        assert!(text.contains("下書き（未公開）") && text.contains("（専門家と作成）"), "{text}");
    }
    let draft = save("", "");
    assert_eq!(post(&company, portal.clone(), portal.clone(), &as_refs(&draft)).await.status(), 200);
    let early = post(&company, portal.clone(), portal.clone(), &[("do", "policy_publish")]).await;
    assert_eq!(early.status(), 422);
    assert!(early.text().await.unwrap().contains("制定日と代表者名"));
    let dated = save("2026-12-01", "");
    assert_eq!(post(&company, portal.clone(), portal.clone(), &as_refs(&dated)).await.status(), 200);
    assert_eq!(post(&company, portal.clone(), portal.clone(), &[("do", "policy_publish")]).await.status(), 200);
    let published = store::guidance::policies(&app.running.db, case).await.unwrap().remove(0);
    let public = app.at(&format!("/policy/{}", published.slug));
    let page = client().get(public.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200, "anyone reads it without signing in");
    let page = page.text().await.unwrap();
    assert!(
        page.contains("株式会社テスト1") && page.contains("経営者の責任") && page.contains("令和8年12月1日"),
        "{page}"
    );
    let pdf = client().get(app.at(&format!("/policy/{}/pdf", published.slug))).send().await.unwrap();
    assert_eq!(pdf.status(), 200, "the published policy as PDF, for anyone");
    if let Some(text) = crate::agreement::pdf_text(&pdf.bytes().await.unwrap()) {
        for expected in
            ["情報セキュリティ基本方針", "経営者の責任", "制定日：令和8年12月1日", "代表者代表取締役見本太郎", "第1版"]
        {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
        assert!(!text.contains("下書き"), "{text}");
    }
    let html = company.get(portal.clone()).send().await.unwrap().text().await.unwrap();
    let address = format!("/policy/{}\"", published.slug);
    assert!(html.contains("★★ 宣言の準備ができています") && html.contains(&address), "{html}");

    // Editing after publication starts version 2; the public page keeps version 1.
    let edited = save("2026-12-01", "（改定）");
    assert_eq!(post(&company, portal.clone(), portal.clone(), &as_refs(&edited)).await.status(), 200);
    let versions = store::guidance::policies(&app.running.db, case).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert!(!client().get(public.clone()).send().await.unwrap().text().await.unwrap().contains("（改定）"));

    // The declaration ID is digits; then ★★ is recorded.
    let bad = post(&company, portal.clone(), portal.clone(), &[("do", "declare"), ("declaration_id", "SA-12")]).await;
    assert_eq!(bad.status(), 422);
    let good = post(
        &company,
        portal.clone(),
        portal.clone(),
        &[("do", "declare"), ("declaration_id", "１２３４５６７"), ("declared_on", "2026-12-03")],
    )
    .await;
    assert!(good.text().await.unwrap().contains("★★ 宣言済み（自己宣言ID 1234567）"));

    // Unpublished, the public page is gone.
    assert_eq!(post(&company, portal.clone(), portal.clone(), &[("do", "policy_withdraw")]).await.status(), 200);
    assert_eq!(client().get(public.clone()).send().await.unwrap().status(), 404);
    assert_eq!(client().get(format!("{public}/pdf")).send().await.unwrap().status(), 404);
    assert_eq!(client().get(app.at("/policy/not-a-slug!")).send().await.unwrap().status(), 404);
    app.stop().await;
}

async fn a_visit_is_reminded_on_the_business_day_before(backend: Backend) {
    let clock = app::Clock::fixed(Utc::now());
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let settings =
        kojo::maintenance::Settings { font_dirs: Vec::new(), threat_retention_days: 400, backup: None, mailbox: None };
    let case = crate::incidents::participant(&app, 1).await;
    let (expert, secretariat) = (client(), client());
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    assign(&app, &secretariat, case, "expert@example.jp").await;
    // A visit on the Monday at least a week ahead, at 14:00.
    let mut day = (Utc::now() + Duration::days(7)).with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Mon {
        day += Duration::days(1);
    }
    let page = app.at(&format!("/office/guidance/{case}"));
    let start = format!("{day}T14:00");
    let planned = post(
        &expert,
        page.clone(),
        page,
        &[("do", "plan"), ("mode", "online"), ("starts_at", &start), ("minutes", "60")],
    )
    .await;
    assert_eq!(planned.status(), 200);
    let visit = store::guidance::visits(&app.running.db, case).await.unwrap().remove(0);
    let due = app::guidance::reminder_due(&app.running.services.calendar, visit.starts_at);
    let reminders = || async {
        store::outbox::recent(&app.running.db, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.subject.contains("前日のお知らせ"))
            .count()
    };
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert_eq!(reminders().await, 0, "not before it is due");
    clock.set(due);
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert_eq!(reminders().await, 1, "once, at 10:00 on the business day before");
    assert!(store::guidance::get_visit(&app.running.db, visit.id).await.unwrap().starts_at > due);
    app.stop().await;
}

async fn a_visit_moves_is_cancelled_and_keeps_its_files(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let case = crate::incidents::participant(&app, 1).await;
    let other = crate::incidents::participant(&app, 2).await;
    let (expert, secretariat) = (client(), client());
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    assign(&app, &secretariat, case, "expert@example.jp").await;
    let page = app.at(&format!("/office/guidance/{case}"));
    let start = tomorrow_at(10);
    post(
        &expert,
        page.clone(),
        page.clone(),
        &[("do", "plan"), ("mode", "onsite"), ("starts_at", &start), ("minutes", "90")],
    )
    .await;
    let planned = store::guidance::visits(&app.running.db, case).await.unwrap().remove(0);
    let db = &app.running.db;
    let mail = |needle: &'static str| async move {
        store::outbox::recent(db, 100).await.unwrap().into_iter().find(|m| m.subject.contains(needle))
    };

    // Moved to 14:00 online: the company gets an invitation that replaces the first.
    let later = tomorrow_at(14);
    let id = planned.id.to_string();
    let moved = post(
        &expert,
        page.clone(),
        page.clone(),
        &[("do", "move"), ("visit", &id), ("mode", "online"), ("starts_at", &later), ("minutes", "60")],
    )
    .await;
    assert_eq!(moved.status(), 200, "{}", moved.text().await.unwrap());
    let visit = store::guidance::get_visit(&app.running.db, planned.id).await.unwrap();
    assert_eq!((visit.mode.as_str(), visit.sequence), ("online", 1));
    assert_eq!(visit.starts_at - planned.starts_at, Duration::hours(4));
    let notice = mail("日程変更のお知らせ").await.expect("the company is told of the move");
    let ics = String::from_utf8(notice.attachments[0].content.clone()).unwrap();
    assert!(ics.contains("METHOD:REQUEST") && ics.contains("SEQUENCE:1"), "{ics}");
    // The reminder planned for the old start finds nothing to do; the new one sends.
    let services = &app.running.services;
    let now = Utc::now();
    assert!(!app::guidance::send_visit_reminder(services, planned.id, Some(planned.starts_at), now).await.unwrap());
    assert!(app::guidance::send_visit_reminder(services, planned.id, Some(visit.starts_at), now).await.unwrap());

    // Files: the expert attaches a photo, the company downloads it; other types are refused.
    let html = expert.get(page.clone()).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&html, "csrf");
    let upload = |client: &reqwest::Client, url: String, name: &'static str, bytes: Vec<u8>| {
        let request = client.post(url).multipart(crate::agreement::multipart(&csrf, name, bytes));
        async move { request.send().await.unwrap() }
    };
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRwhiteboard".to_vec();
    let files_url = app.at(&format!("/office/guidance/{case}/visits/{id}/files?csrf={csrf}"));
    let attached = upload(&expert, files_url.clone(), "ホワイトボード.png", png.clone()).await;
    assert_eq!(attached.status(), 200);
    assert!(attached.text().await.unwrap().contains("ホワイトボード.png"));
    assert_eq!(upload(&expert, files_url.clone(), "notes.txt", b"plain text".to_vec()).await.status(), 415);
    // A photo as a browser sends it (its length declared) well past the forms' 64 KiB is taken.
    let mut photo = png.clone();
    photo.resize(300 * 1024, 0);
    let large = upload(&expert, files_url.clone(), "現場写真.png", photo).await;
    assert_eq!(large.status(), 200, "a 300 KB photo is within the 10 MB limit");
    let file = store::guidance::visit_files(&app.running.db, case).await.unwrap().remove(0);
    let company = crate::agreement::company_session(&app, case).await;
    let download = company.get(app.at(&format!("/portal/guidance/files/{}", file.id))).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(download.bytes().await.unwrap().to_vec(), png);
    // Another company, and its file by id, are out of reach.
    let stranger = crate::agreement::company_session(&app, other).await;
    let theirs = stranger.get(app.at(&format!("/portal/guidance/files/{}", file.id))).send().await.unwrap();
    assert_eq!(theirs.status(), 404);
    let wrong_case = expert.get(app.at(&format!("/office/guidance/{other}/files/{}", file.id))).send().await.unwrap();
    assert_eq!(wrong_case.status(), 404);

    // Cancelled: the calendar entry is withdrawn, the visit no longer counts, and it cannot be
    // moved or cancelled again.
    let cancelled = post(&expert, page.clone(), page.clone(), &[("do", "cancel"), ("visit", &id)]).await;
    assert_eq!(cancelled.status(), 200);
    let notice = mail("取消しのお知らせ").await.expect("the company is told of the cancellation");
    let ics = String::from_utf8(notice.attachments[0].content.clone()).unwrap();
    assert!(ics.contains("METHOD:CANCEL") && ics.contains("SEQUENCE:2"), "{ics}");
    let again = post(&expert, page.clone(), page.clone(), &[("do", "cancel"), ("visit", &id)]).await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("予定中の訪問だけ"));
    for hour in [9, 11, 13, 15] {
        let start = tomorrow_at(hour);
        let planned = post(
            &expert,
            page.clone(),
            page.clone(),
            &[("do", "plan"), ("mode", "onsite"), ("starts_at", &start), ("minutes", "60")],
        )
        .await;
        assert_eq!(planned.status(), 200, "a cancelled visit leaves its place to another");
    }
    // The company cannot move its visits itself.
    let portal = app.at("/portal/guidance");
    let forged = post(&company, portal.clone(), portal, &[("do", "cancel"), ("visit", &id)]).await;
    assert_eq!(forged.status(), 422, "the portal has no such action");
    app.stop().await;
}

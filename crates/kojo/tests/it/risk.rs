//! Course ② risk assessment on both backends: the secretariat assigns an expert; the expert builds
//! the asset register on the page and through the workbook (exported, imported back the same,
//! refused whole with every bad cell named), rates the assets, answers the measure check, drafts
//! and releases the report; the company reads and acknowledges it. An expert reaches only its
//! companies, a company itself, Tokyo the figures only.

use crate::common;

use common::{Backend, Setup, TestApp, spawn_app};
use domain::access::Role;
use domain::programme::CourseCode;
use uuid::Uuid;

on_both_backends!(
    an_expert_builds_the_register_and_releases_the_report,
    the_workbook_comes_back_whole_or_not_at_all,
    experts_companies_and_tokyo_reach_only_their_own,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn post(client: &reqwest::Client, url: String, fields: &[(&str, &str)]) -> reqwest::Response {
    let html = client.get(url.clone()).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&html, "csrf");
    let mut body: Vec<(&str, &str)> = fields.to_vec();
    body.push(("csrf", csrf.as_str()));
    client.post(url).form(&body).send().await.unwrap()
}

async fn assign(app: &TestApp, secretariat: &reqwest::Client, case: Uuid, expert: &str) -> reqwest::Response {
    let expert = store::accounts::find_user_by_email(&app.running.db, expert).await.unwrap().unwrap().id.to_string();
    post(secretariat, app.at("/office/risk"), &[("case", &case.to_string()), ("expert", &expert)]).await
}

/// A register row's fields as the form sends them.
fn row<'a>(name: &'a str, c: &'a str, threat: &'a str, vulnerability: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("do", "asset_add"),
        ("business", "営業"),
        ("name", name),
        ("media", "クラウド"),
        ("personal", "個人情報"),
        ("confidentiality", c),
        ("integrity", "2"),
        ("availability", "1"),
        ("threat", threat),
        ("vulnerability", vulnerability),
        ("threat_note", "不正ログインによる漏えい"),
        ("treatment", "低減"),
        ("measures", "多要素認証を有効にする"),
    ]
}

/// A course-② participant with `expert@example.jp` assigned, the expert signed in.
async fn assessed(app: &TestApp, n: u32) -> (Uuid, reqwest::Client) {
    let case = crate::incidents::participant_in(app, n, CourseCode::RiskAssessment).await;
    let (expert, secretariat) = (client(), client());
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    assert_eq!(assign(app, &secretariat, case, "expert@example.jp").await.status(), 200);
    (case, expert)
}

async fn an_expert_builds_the_register_and_releases_the_report(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (case, expert) = assessed(&app, 1).await;
    assert!(
        store::outbox::recent(&app.running.db, 20)
            .await
            .unwrap()
            .iter()
            .any(|m| m.to == "expert@example.jp" && m.subject.contains("【リスクアセスメント】")),
        "the expert is told"
    );
    let page = app.at(&format!("/office/risk/{case}"));
    let board = expert.get(app.at("/office/risk")).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("株式会社テスト1") && board.contains("未着手"), "{board}");

    // A row with mistakes comes back with each named and nothing typed lost.
    let mut bad = row("", "4", "3", "");
    bad.retain(|(k, _)| *k != "name");
    bad.push(("name", ""));
    let refused = post(&expert, page.clone(), &bad).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("入力してください") && html.contains("1・2・3のいずれか"), "{html}");
    assert!(html.contains("脅威の起こりやすさと脆弱性は両方とも"), "{html}");
    assert!(html.contains("value=\"不正ログインによる漏えい\""), "what was typed stays");
    assert!(store::risk::assets(&app.running.db, case).await.unwrap().is_empty());

    // Three rows: rated high, medium and not yet rated.
    for fields in [row("顧客名簿", "3", "3", "2"), row("見積書", "2", "2", "3"), row("社内報", "1", "", "")] {
        let added = post(&expert, page.clone(), &fields).await;
        assert_eq!(added.status(), 200, "{}", added.text().await.unwrap());
    }
    let assets = store::risk::assets(&app.running.db, case).await.unwrap();
    let risks: Vec<Option<u8>> = assets.iter().map(|a| a.asset.risk().map(|r| r.get())).collect();
    assert_eq!(risks, [Some(6), Some(4), None]);
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    assert!(assets.iter().all(|a| a.asset.registered_on == Some(today)), "登録日 is the day of registration");
    // The company adds a row from the portal; the expert changes and removes rows.
    let company = crate::agreement::company_session(&app, case).await;
    let added = post(&company, app.at("/portal/risk"), &row("従業員名簿", "3", "2", "2")).await;
    assert_eq!(added.status(), 200);
    let last = store::risk::assets(&app.running.db, case).await.unwrap().pop().unwrap();
    assert_eq!(last.updated_by, "株式会社テスト1", "who changed a row is on it");
    let mut change = row("社内報", "1", "1", "1");
    change[0] = ("do", "asset_update");
    let id = assets[2].id.to_string();
    change.push(("asset", &id));
    assert_eq!(post(&expert, page.clone(), &change).await.status(), 200);
    let changed = store::risk::assets(&app.running.db, case).await.unwrap().remove(2);
    assert_eq!((changed.asset.risk().map(|r| r.get()), changed.asset.registered_on), (Some(2), Some(today)));
    assert_eq!(
        post(&expert, page.clone(), &[("do", "asset_delete"), ("asset", &last.id.to_string())]).await.status(),
        200
    );
    let html = expert.get(page.clone()).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<td class=\"heat-high\">1</td>"), "顧客名簿 at importance 3 × likelihood 2: {html}");
    let top = &html[html.find("id=\"top-risks\"").expect("the priorities")..];
    assert!(top.find("顧客名簿").unwrap() < top.find("見積書").unwrap(), "the larger risk first");
    // The register filtered to the large risks, then to a medium nobody uses.
    let high = expert.get(format!("{page}?band=high")).send().await.unwrap().text().await.unwrap();
    let register = &high[high.find("id=\"register\"").unwrap()..high.find("id=\"add-asset\"").unwrap()];
    assert!(register.contains("顧客名簿") && !register.contains("見積書"), "{register}");
    assert!(high.contains("id=\"register-count\">1 / 3件"), "{high}");
    let paper = expert.get(format!("{page}?media=paper")).send().await.unwrap().text().await.unwrap();
    assert!(paper.contains("id=\"register-count\">0 / 3件"));
    let audit = store::audit::recent(&app.running.db, 50).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "risk.asset_change" && a.detail.contains("\"before\"")));

    // The measure check, by chapter.
    let checked = post(
        &expert,
        page.clone(),
        &[("do", "check"), ("check_1", "done"), ("check_2", "partly"), ("check_3", "not_done")],
    )
    .await;
    assert_eq!(checked.status(), 200);
    let html = checked.text().await.unwrap();
    assert!(html.contains("50%"), "組織的対策: 3 of 6 points");
    assert!(html.contains("id=\"chapter-chart\"><svg"), "the chapters as a chart");
    let forged = post(&expert, page.clone(), &[("do", "check"), ("check_31", "done")]).await;
    assert_eq!(forged.status(), 422);

    // The report: drafted (not yet the company's), released, read, acknowledged.
    assert_eq!(post(&expert, page.clone(), &[("do", "report_draft")]).await.status(), 200);
    let draft = store::risk::reports(&app.running.db, case).await.unwrap().remove(0);
    assert_eq!((draft.version, draft.status.as_str()), (1, "draft"));
    let portal_pdf = app.at(&format!("/portal/risk/reports/{}/pdf", draft.id));
    assert_eq!(company.get(portal_pdf.clone()).send().await.unwrap().status(), 404, "a draft stays with the expert");
    assert!(!company.get(app.at("/portal/risk")).send().await.unwrap().text().await.unwrap().contains("報告書を読む"));
    let released = post(&expert, page.clone(), &[("do", "report_release"), ("report", &draft.id.to_string())]).await;
    assert_eq!(released.status(), 200);
    assert!(
        store::outbox::recent(&app.running.db, 20)
            .await
            .unwrap()
            .iter()
            .any(|m| m.subject.contains("リスクアセスメント報告書をお送りしました")),
        "the company is told"
    );
    let again = post(&expert, page.clone(), &[("do", "report_release"), ("report", &draft.id.to_string())]).await;
    assert_eq!(again.status(), 422, "a released report is released once");
    let pdf = company.get(portal_pdf).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    if let Some(text) = crate::agreement::pdf_text(&pdf.bytes().await.unwrap()) {
        for expected in [
            "リスクアセスメント報告書",
            "株式会社テスト1",
            "顧客名簿",
            "6（大）",
            "多要素認証を有効にする",
            "令和",
            "今すぐ",
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
    }
    let ack = post(&company, app.at("/portal/risk"), &[("do", "acknowledge"), ("report", &draft.id.to_string())]).await;
    assert_eq!(ack.status(), 200);
    let board = expert.get(app.at("/office/risk")).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("企業確認済み"), "{board}");
    // A later draft is version 2; version 1 stays as released.
    assert_eq!(post(&expert, page.clone(), &[("do", "report_draft")]).await.status(), 200);
    let reports = store::risk::reports(&app.running.db, case).await.unwrap();
    assert_eq!(
        reports.iter().map(|r| (r.version, r.status.as_str())).collect::<Vec<_>>(),
        [(1, "released"), (2, "draft")]
    );
    // Drafting again replaces version 2's content; it keeps when it was first drafted, and the
    // list says which time it shows.
    assert_eq!(post(&expert, page.clone(), &[("do", "report_draft")]).await.status(), 200);
    let again = store::risk::reports(&app.running.db, case).await.unwrap();
    assert_eq!((again.len(), again[1].created_at), (2, reports[1].created_at), "the same version, its first time");
    let shown = expert.get(page.clone()).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("作成中・初回作成 "), "{shown}");
    let released_at = app::clock::tokyo_date(reports[0].released_at.unwrap());
    let released = format!("提出済み・企業確認済み・{}", domain::wareki::format_date(released_at));
    assert!(shown.contains(&released), "the released version shows when it was released: {shown}");
    app.stop().await;
}

async fn import(client: &reqwest::Client, page: String, url: String, bytes: Vec<u8>) -> reqwest::Response {
    let html = client.get(page).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&html, "csrf");
    client
        .post(format!("{url}?csrf={csrf}"))
        .multipart(crate::agreement::multipart(&csrf, "台帳.xlsx", bytes))
        .send()
        .await
        .unwrap()
}

async fn the_workbook_comes_back_whole_or_not_at_all(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (case, expert) = assessed(&app, 1).await;
    let page = app.at(&format!("/office/risk/{case}"));
    for fields in [row("顧客名簿", "3", "3", "2"), row("見積書", "2", "", "")] {
        assert_eq!(post(&expert, page.clone(), &fields).await.status(), 200);
    }
    let before: Vec<domain::risk::Asset> =
        store::risk::assets(&app.running.db, case).await.unwrap().into_iter().map(|a| a.asset).collect();

    // Exported laid out like the familiar sheet, with the computed columns.
    let export = expert.get(format!("{page}/register.xlsx")).send().await.unwrap();
    assert_eq!(export.status(), 200);
    assert_eq!(export.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let bytes = export.bytes().await.unwrap().to_vec();
    let rows = documents::sheet::read_xlsx(
        &bytes,
        "情報資産管理台帳",
        &["情報資産名称", "重要度", "リスク値", "リスクの大きさ"],
        300,
    )
    .unwrap();
    let dates = documents::sheet::read_xlsx(&bytes, "情報資産管理台帳", &["登録日"], 300).unwrap();
    assert_eq!(dates[0].cells[0], chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive().to_string());
    assert_eq!(rows[0].cells, ["顧客名簿", "3", "6", "大"]);
    assert_eq!(rows[1].cells, ["見積書", "2", "", ""]);

    // Imported back unchanged: the same register.
    let url = format!("{page}/import");
    let imported = import(&expert, page.clone(), url.clone(), bytes).await;
    assert_eq!(imported.status(), 200);
    assert!(imported.text().await.unwrap().contains("台帳を取り込みました（2件）"));
    let after: Vec<domain::risk::Asset> =
        store::risk::assets(&app.running.db, case).await.unwrap().into_iter().map(|a| a.asset).collect();
    assert_eq!(after, before);

    // A sheet filled by hand with mistakes: every bad cell named, nothing taken.
    let headers: Vec<&str> = domain::risk::Field::ALL.iter().map(|f| f.header_ja()).collect();
    let sheet = |name: &str, headers: &[&str], rows: Vec<Vec<&str>>| documents::sheet::Sheet {
        name: name.into(),
        columns: headers.iter().map(|h| documents::sheet::Column::text(h, 10.0)).collect(),
        rows: rows.into_iter().map(|r| r.into_iter().map(String::from).collect()).collect(),
        spare_rows: 0,
    };
    let good =
        vec!["総務", "給与台帳", "", "", "", "パソコン", "個人情報", "3", "3", "2", "", "", "", "", "", "", "", "", ""];
    let mut wrong = good.clone();
    wrong[1] = "";
    wrong[7] = "5";
    wrong[5] = "金庫";
    let hand_made =
        documents::sheet::to_xlsx(&[sheet("情報資産管理台帳", &headers, vec![good.clone(), wrong])]).unwrap();
    let refused = import(&expert, page.clone(), url.clone(), hand_made).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    let problems = &html[html.find("id=\"import-problems\"").expect("the problems are listed")..];
    for expected in [
        "<td>3</td><td>情報資産名称</td><td>入力してください</td>",
        "<td>3</td><td>媒体・保存先</td><td>選択肢の中から選んでください</td>",
        "<td>3</td><td>機密性</td><td>1・2・3のいずれかを入力してください</td>",
    ] {
        assert!(problems.contains(expected), "{expected} not in {problems}");
    }
    // A missing column, the wrong sheet, too many rows, not a workbook.
    let without_media: Vec<&str> = headers.iter().copied().filter(|h| *h != "媒体・保存先").collect();
    for (bytes, message) in [
        (
            documents::sheet::to_xlsx(&[sheet("情報資産管理台帳", &without_media, vec![])]).unwrap(),
            "次の列がありません：媒体・保存先",
        ),
        (
            documents::sheet::to_xlsx(&[sheet("Sheet1", &headers, vec![good.clone()])]).unwrap(),
            "シート「情報資産管理台帳」がありません",
        ),
        (
            documents::sheet::to_xlsx(&[sheet("情報資産管理台帳", &headers, vec![good.clone(); 301])]).unwrap(),
            "行が多すぎます（300行まで）",
        ),
        (b"PK\x03\x04 not really".to_vec(), "Excelのファイル（.xlsx）として読めません"),
    ] {
        let refused = import(&expert, page.clone(), url.clone(), bytes).await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains(message), "{message} not in {html}");
    }
    let unchanged: Vec<domain::risk::Asset> =
        store::risk::assets(&app.running.db, case).await.unwrap().into_iter().map(|a| a.asset).collect();
    assert_eq!(unchanged, before, "nothing half-imported");
    app.stop().await;
}

async fn experts_companies_and_tokyo_reach_only_their_own(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mine = crate::incidents::participant_in(&app, 1, CourseCode::RiskAssessment).await;
    let theirs = crate::incidents::participant_in(&app, 2, CourseCode::RiskAssessment).await;
    let utm = crate::incidents::participant(&app, 3).await;
    let (expert_a, expert_b, secretariat) = (client(), client(), client());
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    app.sign_in(&expert_a, "expert-a@example.jp", Role::Expert).await;
    app.sign_in(&expert_b, "expert-b@example.jp", Role::Expert).await;
    assert_eq!(assign(&app, &secretariat, mine, "expert-a@example.jp").await.status(), 200);
    assert_eq!(assign(&app, &secretariat, theirs, "expert-b@example.jp").await.status(), 200);
    // B's company has a row and a released report.
    let their_page = app.at(&format!("/office/risk/{theirs}"));
    assert_eq!(post(&expert_b, their_page.clone(), &row("顧客名簿", "3", "3", "3")).await.status(), 200);
    let drafted = post(&expert_b, their_page.clone(), &[("do", "report_draft")]).await;
    assert_eq!(drafted.status(), 200, "{}", drafted.text().await.unwrap());
    let report = store::risk::reports(&app.running.db, theirs).await.unwrap().remove(0);
    post(&expert_b, their_page.clone(), &[("do", "report_release"), ("report", &report.id.to_string())]).await;
    let their_asset = store::risk::assets(&app.running.db, theirs).await.unwrap().remove(0);

    // A's list holds its company only; every route of B's company is not found for A.
    let list = expert_a.get(app.at("/office/risk")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("株式会社テスト1") && !list.contains("株式会社テスト2"), "{list}");
    for path in [
        format!("/office/risk/{theirs}"),
        format!("/office/risk/{theirs}/register.xlsx"),
        format!("/office/risk/{theirs}/reports/{}/pdf", report.id),
        // A's own company with B's report id.
        format!("/office/risk/{mine}/reports/{}/pdf", report.id),
        // A course-① company is not in course ②, even for the secretariat.
        format!("/office/risk/{utm}"),
    ] {
        assert_eq!(expert_a.get(app.at(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    assert_eq!(secretariat.get(app.at(&format!("/office/risk/{utm}"))).send().await.unwrap().status(), 404);
    let own_page = app.at(&format!("/office/risk/{mine}"));
    let html = expert_a.get(own_page.clone()).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&html, "csrf");
    for fields in [row("盗み", "1", "", ""), vec![("do", "check"), ("check_1", "done")], vec![("do", "report_draft")]]
    {
        let mut body = fields.clone();
        body.push(("csrf", &csrf));
        let response = expert_a.post(their_page.clone()).form(&body).send().await.unwrap();
        assert_eq!(response.status(), 404, "{fields:?}");
    }
    // Through A's own page, B's row and report by id are not found either.
    let asset = their_asset.id.to_string();
    let report_id = report.id.to_string();
    for fields in [
        vec![("do", "asset_delete"), ("asset", asset.as_str())],
        vec![("do", "report_release"), ("report", report_id.as_str())],
    ] {
        assert_eq!(post(&expert_a, own_page.clone(), &fields).await.status(), 404, "{fields:?}");
    }
    let upload = expert_a
        .post(format!("{their_page}/import?csrf={csrf}"))
        .multipart(crate::agreement::multipart(&csrf, "x.xlsx", b"PK".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 404);
    assert_eq!(store::risk::assets(&app.running.db, theirs).await.unwrap().len(), 1, "B's register untouched");

    // A company reads only its own reports.
    let company = crate::agreement::company_session(&app, mine).await;
    let other = company.get(app.at(&format!("/portal/risk/reports/{}/pdf", report.id))).send().await.unwrap();
    assert_eq!(other.status(), 404);
    let deleted = post(&company, app.at("/portal/risk"), &[("do", "asset_delete"), ("asset", &asset)]).await;
    assert_eq!(deleted.status(), 404);
    // A course-① company has no risk page.
    let utm_company = crate::agreement::company_session(&app, utm).await;
    assert_eq!(utm_company.get(app.at("/portal/risk")).send().await.unwrap().status(), 404);

    // Tokyo reads the figures, with no company named, and nothing else; the UTM operator nothing.
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    assert_eq!(tokyo.get(app.at("/office/risk")).send().await.unwrap().status(), 403);
    assert_eq!(tokyo.get(own_page.clone()).send().await.unwrap().status(), 403);
    // Two participants: "<5" for Tokyo, and the one asset of B rated 3 × 3 withheld (one
    // company holds it); the secretariat reads the exact figures.
    let figures = tokyo.get(app.at("/office/risk/figures")).send().await.unwrap().text().await.unwrap();
    assert!(figures.contains("id=\"participants\">&#60;5<") && !figures.contains("株式会社テスト"), "{figures}");
    assert!(figures.contains("<th scope=\"row\">9</th><td>&#60;5</td>"), "B's 3 × 3 withheld: {figures}");
    assert!(figures.contains("5社未満"), "the note says why");
    let office = client();
    app.sign_in(&office, "risk-figures@example.jp", Role::Secretariat).await;
    let figures = office.get(app.at("/office/risk/figures")).send().await.unwrap().text().await.unwrap();
    assert!(figures.contains("id=\"participants\">2<"), "{figures}");
    assert!(figures.contains("<th scope=\"row\">9</th><td>1</td>"), "B's 3 × 3: {figures}");
    let operator = client();
    app.sign_in(&operator, "utm@example.jp", Role::UtmOperator).await;
    assert_eq!(operator.get(app.at("/office/risk")).send().await.unwrap().status(), 403);
    assert_eq!(expert_a.get(app.at("/office/risk/figures")).send().await.unwrap().status(), 403);
    app.stop().await;
}

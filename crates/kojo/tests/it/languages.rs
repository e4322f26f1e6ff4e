//! Issue 19, "English mode is complete": every page a role opens, rendered in English, shows no
//! Japanese outside what people typed (company and person names, addresses, notes) and the
//! link back to 日本語; rendered in Japanese, it shows none of Kojo's internal codes.

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use serde_json::Value;

on_both_backends!(pages_in_english_show_no_japanese_but_typed_data, pages_in_japanese_show_no_internal_codes,);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Every string of a JSON value (what an applicant typed).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(map) => map.values().for_each(|item| strings(item, out)),
        _ => {}
    }
}

/// The visible text of a page: tags, scripts and styles removed, entities decoded.
fn visible_text(page: &str) -> String {
    let mut text = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        text.push(' ');
        let tail = &rest[start..];
        let end_tag = if tail.starts_with("<script") {
            "</script>"
        } else if tail.starts_with("<style") {
            "</style>"
        } else {
            ">"
        };
        rest = tail.find(end_tag).map_or("", |end| &tail[end + end_tag.len()..]);
    }
    text.push_str(rest);
    text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
}

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ff01}'..='\u{ff5e}' | '\u{3000}'..='\u{303f}')
}

/// The page without the spans it marks as Japanese (`<span lang="ja">`: the agreement's binding
/// Japanese wording, named in English pages as the document names it).
fn without_marked_japanese(page: &str) -> String {
    let mut kept = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(start) = rest.find("<span lang=\"ja\">") {
        kept.push_str(&rest[..start]);
        rest = rest[start..].find("</span>").map_or("", |end| &rest[start + end + "</span>".len()..]);
    }
    kept.push_str(rest);
    kept
}

/// Runs of Japanese characters left on the page once typed data is taken out.
fn japanese_runs(page: &str, typed: &[String]) -> Vec<String> {
    let mut text = visible_text(&without_marked_japanese(page));
    for data in typed {
        text = text.replace(data.as_str(), " ");
    }
    text = text.replace("日本語", " ");
    let mut runs: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if is_japanese(c) {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs.sort();
    runs.dedup();
    runs
}

/// Two cases (one received, one awaiting Tokyo), a signed-in secretariat, administrator, Tokyo
/// official and UTM operator, and the pages each of them opens.
async fn pages(app: &TestApp, english: bool) -> (Vec<(String, String)>, Vec<String>) {
    let mut typed = Vec::new();
    let mut ids = Vec::new();
    for n in 1..=2 {
        let mut body = application(n, "utm");
        if english {
            // Filled in on the English form: the company's e-mails are written in English.
            body["language"] = Value::from("en");
        }
        strings(&body, &mut typed);
        let response = app.apply(&body).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        let reference = created["reference"].as_str().unwrap();
        let record = store::applications::find_by_reference(&app.running.db, reference).await.unwrap().unwrap();
        ids.push(record.id);
    }
    common::decide_case(app, ids[1]).await;
    // What the store keeps of the typed data in its normal form, and the test's own notes.
    for record in store::applications::list_all(&app.running.db, &Default::default()).await.unwrap() {
        typed.extend([record.company_name, record.company_name_kana, record.address, record.contact_name]);
        typed.extend([record.contact_name_kana, record.representative_name, record.prefecture]);
    }
    // Display names (the first administrator is 管理者 until renamed), the test's notes.
    typed.extend(
        ["テスト職員", "管理者", "了承", "光回線", "令和8年度 中小企業サイバーセキュリティ向上支援事業"]
            .map(String::from),
    );
    // Longest first, so that a name is taken out whole before a part of it.
    typed.sort_by_key(|text| std::cmp::Reverse(text.chars().count()));

    let language = if english { "/lang/en" } else { "/lang/ja" };
    let mut seen = Vec::new();
    let fetch = |client: reqwest::Client, paths: Vec<String>| {
        let app_url = |path: &str| app.at(path);
        let requests: Vec<_> = paths.into_iter().map(|path| (path.clone(), client.get(app_url(&path)))).collect();
        async move {
            let mut pages = Vec::new();
            for (path, request) in requests {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), 200, "{path}");
                pages.push((path, response.text().await.unwrap()));
            }
            pages
        }
    };
    let public = client();
    public.get(app.at(language)).send().await.unwrap();
    let paths = ["/", "/eligibility", "/apply", "/status", "/portal/login", "/office/login"];
    seen.extend(fetch(public, paths.map(String::from).to_vec()).await);
    for (role, email) in [
        (Role::Secretariat, "jimukyoku@example.jp"),
        (Role::Administrator, "kanri@example.jp"),
        (Role::TokyoOfficial, "tokyo@example.jp"),
        (Role::UtmOperator, "utm@example.jp"),
    ] {
        let staff = client();
        staff.get(app.at(language)).send().await.unwrap();
        app.sign_in(&staff, email, role).await;
        let mut paths: Vec<String> = ["/office/board", "/office/applications", "/office/approvals", "/office/devices"]
            .into_iter()
            .chain(["/office/reports/monthly", "/office/programmes", "/office/users", "/office/password"])
            .filter(|path| {
                let action = match *path {
                    "/office/board" | "/office/applications" => domain::access::Action::ReadCases,
                    "/office/approvals" => domain::access::Action::ReadApprovals,
                    "/office/devices" | "/office/reports/monthly" => domain::access::Action::ManageDevices,
                    "/office/password" => domain::access::Action::ChangeOwnPassword,
                    _ => domain::access::Action::Administer,
                };
                role.may(action)
            })
            .map(String::from)
            .collect();
        if role.may(domain::access::Action::ReadCases) {
            paths.extend(ids.iter().map(|id| format!("/office/applications/{id}")));
        }
        if role == Role::TokyoOfficial {
            paths.push(format!("/office/applications/{}", ids[1]));
        }
        seen.extend(fetch(staff, paths).await);
    }
    // The company portal, signed in with the link from the outbox.
    let company = client();
    company.get(app.at(language)).send().await.unwrap();
    let login = company.get(app.at("/portal/login")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&login, "csrf");
    let form = [("email", "contact1@example.jp"), ("csrf", csrf.as_str())];
    assert_eq!(company.post(app.at("/portal/login")).form(&form).send().await.unwrap().status(), 200);
    let mut link = None;
    for _ in 0..100 {
        let outbox = store::outbox::recent(&app.running.db, 50).await.unwrap();
        link = outbox.iter().filter(|m| m.to == "contact1@example.jp").find_map(|m| {
            m.body.find("/portal/auth/").map(|at| m.body[at..].split_whitespace().next().unwrap().to_string())
        });
        if link.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let signed_in = company.get(app.at(&link.expect("a sign-in link"))).send().await.unwrap();
    assert_eq!(signed_in.status(), 303);
    seen.extend(fetch(company, vec!["/portal".into(), "/portal/reports".into()]).await);

    // The agreement step of the portal, for a third case whose agreement was sent.
    let third = crate::agreement::ready_case(app, 3).await;
    for record in store::applications::list_all(&app.running.db, &Default::default()).await.unwrap() {
        typed.extend([record.company_name, record.contact_name, record.representative_name]);
    }
    let staff = client();
    app.sign_in(&staff, "jimukyoku2@example.jp", Role::Secretariat).await;
    crate::agreement::send_agreement(app, &staff, third).await;
    let signer = crate::agreement::company_session(app, third).await;
    signer.get(app.at(language)).send().await.unwrap();
    seen.extend(fetch(signer, vec!["/portal/agreement".into()]).await);

    // A UTM month: the device page and the report in the office, the report in the portal.
    let (utm_company, device) = crate::reports::installed_device(app, 4, "FGT-LANG-01").await;
    let log: String = (1..=5u32)
        .flat_map(|day| {
            [
                crate::reports::fortigate("FGT-LANG-01", day, 9, true),
                crate::reports::fortigate("FGT-LANG-01", day, 10, false),
            ]
        })
        .map(|line| line + "\n")
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lang.log"), log).unwrap();
    kojo::ingest::import_files(
        &app.running.services,
        device,
        &[dir.path().join("lang.log")],
        &app::Clock::system(),
        |_, _| {},
    )
    .await
    .unwrap();
    let fonts = std::sync::Arc::new(documents::pdf::Fonts::discover(&[]).expect("a Japanese font is installed"));
    let services = crate::reports::services(app).await;
    let system = app::Actor::system("test");
    let now = app::Clock::system().now();
    app::reports::generate_month(&services, &system, fonts, &crate::reports::november(), now).await.unwrap();
    let report = store::reports::for_month(&app.running.db, "2026-11")
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.device_id == device)
        .unwrap();
    let operator = client();
    operator.get(app.at(language)).send().await.unwrap();
    app.sign_in(&operator, "utm2@example.jp", Role::UtmOperator).await;
    let operator_actor = {
        let users = store::accounts::list_users(&app.running.db).await.unwrap();
        let user = users.into_iter().find(|u| u.email == "utm2@example.jp").unwrap();
        app::Actor::user(&user, app::Via::Page, None)
    };
    app::reports::release(&services, &operator_actor, report.id, now).await.unwrap();
    for record in store::applications::list_all(&app.running.db, &Default::default()).await.unwrap() {
        typed.extend([record.company_name, record.contact_name, record.representative_name]);
    }
    seen.extend(
        fetch(operator, vec![format!("/office/devices/{device}"), format!("/office/reports/monthly/{}", report.id)])
            .await,
    );
    let reader = crate::agreement::company_session(app, utm_company).await;
    reader.get(app.at(language)).send().await.unwrap();
    seen.extend(fetch(reader, vec!["/portal/reports".into(), format!("/portal/reports/{}", report.id)]).await);

    // Error pages: a missing page, a page the role may not open, an expired form.
    let mut errors = Vec::new();
    let visitor = client();
    visitor.get(app.at(language)).send().await.unwrap();
    let missing = visitor.get(app.at("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    errors.push(("/no-such-page (404)".to_string(), missing.text().await.unwrap()));
    let expired = visitor.post(app.at("/status")).form(&[("reference", "R8-0000-0000")]).send().await.unwrap();
    assert_eq!(expired.status(), 403);
    errors.push(("/status without a form token (403)".to_string(), expired.text().await.unwrap()));
    let tokyo = client();
    tokyo.get(app.at(language)).send().await.unwrap();
    app.sign_in(&tokyo, "tokyo2@example.jp", Role::TokyoOfficial).await;
    let forbidden = tokyo.get(app.at("/office/devices")).send().await.unwrap();
    assert_eq!(forbidden.status(), 403);
    errors.push(("/office/devices as Tokyo (403)".to_string(), forbidden.text().await.unwrap()));
    seen.extend(errors);
    typed.sort_by_key(|text| std::cmp::Reverse(text.chars().count()));
    (seen, typed)
}

/// The e-mails Kojo wrote to the two companies that applied in the page's language.
async fn mails(app: &TestApp) -> Vec<(String, String)> {
    let outbox = store::outbox::recent(&app.running.db, 500).await.unwrap();
    outbox
        .into_iter()
        .filter(|m| m.to == "contact1@example.jp" || m.to == "contact2@example.jp")
        .map(|m| (format!("e-mail to {}: {}", m.to, m.subject), format!("{}\n{}", m.subject, m.body)))
        .collect()
}

async fn pages_in_english_show_no_japanese_but_typed_data(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (pages, typed) = pages(&app, true).await;
    let mut leaks: Vec<String> = pages
        .iter()
        .filter_map(|(path, page)| {
            assert!(page.contains("<html lang=\"en\""), "{path} says it is English");
            let runs = japanese_runs(page, &typed);
            (!runs.is_empty()).then(|| format!("{path}: {}", runs.join(" | ")))
        })
        .collect();
    let mails = mails(&app).await;
    assert!(mails.len() >= 3, "acknowledgements, the approval notice and a sign-in link: {mails:?}");
    leaks.extend(mails.iter().filter_map(|(what, text)| {
        let runs = japanese_runs(text, &typed);
        (!runs.is_empty()).then(|| format!("{what}: {}", runs.join(" | ")))
    }));
    assert!(leaks.is_empty(), "Japanese on English pages:\n{}", leaks.join("\n"));
    app.stop().await;
}

async fn pages_in_japanese_show_no_internal_codes(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (pages, _) = pages(&app, false).await;
    let codes = ["unknown", "none", "record_contact", "applicant", "botnet", "detected", "course_decided"];
    let codes = codes.into_iter().chain(["received", "utm_operator", "tokyo_official", "manufacturing", "in_trial"]);
    let codes: Vec<&str> = codes.collect();
    let mut leaks = Vec::new();
    for (path, page) in &pages {
        let text = visible_text(page);
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if codes.contains(&word) {
                leaks.push(format!("{path}: {word}"));
            }
        }
    }
    leaks.dedup();
    assert!(leaks.is_empty(), "internal codes on Japanese pages:\n{}", leaks.join("\n"));
    app.stop().await;
}

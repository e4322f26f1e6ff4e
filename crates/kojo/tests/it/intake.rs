//! Intake over real HTTP, on SQLite and on PostgreSQL: applying, the waitlist, duplicates,
//! closed windows, the applicant's status look-up, the audit log and the e-mail outbox; the web
//! form's steps (入力 → 確認 → 完了), its 必須/任意 markers and its error summary.

use crate::common;

use common::{Backend, Setup, TestApp, application, corporate_number, spawn_app};
use domain::application::{FIELD_REQUIREMENTS, Requirement};
use serde_json::Value;

on_both_backends!(
    applying_holds_a_place_and_promises_contact,
    a_full_course_waitlists_in_order,
    the_same_company_cannot_apply_twice,
    a_closed_window_refuses_with_a_clear_error,
    applicants_look_up_status_with_reference_and_email,
    invalid_and_ineligible_input_name_every_problem,
    eligibility_is_evaluated_without_applying,
    the_form_shows_a_review_before_anything_is_sent,
    every_marker_says_what_the_server_enforces,
);

async fn applying_holds_a_place_and_promises_contact(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let response = app.apply(&application(1, "utm")).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "received");
    assert!(body["waitlist_position"].is_null());
    let reference = body["reference"].as_str().unwrap();
    assert!(reference.starts_with("R8-"), "{reference}");
    // The promised contact date is three business days after the (effective) receipt day.
    let received: chrono::DateTime<chrono::Utc> = body["received_at"].as_str().unwrap().parse().unwrap();
    let due: chrono::NaiveDate = body["contact_due"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, domain::calendar::BusinessCalendar::japan().contact_due(received));

    let programme: Value = app.client.get(app.at("/api/v1/programme")).send().await.unwrap().json().await.unwrap();
    let utm = &programme["courses"][0];
    assert_eq!(utm["code"], "utm");
    assert_eq!(utm["places_remaining"], 149);
    assert_eq!(utm["open"], true);

    // The application, its audit entry and its acknowledgement were committed together.
    let audit = store::audit::recent(&app.running.db, 10).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "application.create" && a.actor_label == "applicant"));
    let outbox = store::outbox::recent(&app.running.db, 10).await.unwrap();
    let mail = outbox.iter().find(|m| m.to == "contact1@example.jp").expect("acknowledgement queued");
    assert!(mail.subject.contains(reference));
    assert!(mail.body.contains(&domain::wareki::format_date_with_weekday(due)), "{}", mail.body);

    // The worker delivers it as an .eml file (no SMTP configured).
    let mail_dir = app.config.mail_dir();
    let mut delivered = false;
    for _ in 0..50 {
        if std::fs::read_dir(&mail_dir).unwrap().count() > 0 {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(delivered, "an .eml file appears in {}", mail_dir.display());
    app.stop().await;
}

async fn a_full_course_waitlists_in_order(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 2, ..Setup::default() }).await;
    let mut statuses = Vec::new();
    for n in 1..=5 {
        let body: Value = app.apply(&application(n, "utm")).await.json().await.unwrap();
        statuses.push((body["status"].as_str().unwrap().to_string(), body["waitlist_position"].as_u64()));
    }
    assert_eq!(
        statuses,
        [
            ("received".to_string(), None),
            ("received".to_string(), None),
            ("waitlisted".to_string(), Some(1)),
            ("waitlisted".to_string(), Some(2)),
            ("waitlisted".to_string(), Some(3)),
        ]
    );
    // The other course is unaffected.
    let body: Value = app.apply(&application(6, "risk_assessment")).await.json().await.unwrap();
    assert_eq!(body["status"], "received");
    // The public page says the course is full and still takes the waitlist.
    let page = app.client.get(app.at("/apply")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("定員に達しています（キャンセル待ちで受付）"));
    app.stop().await;
}

async fn the_same_company_cannot_apply_twice(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    assert_eq!(app.apply(&application(7, "utm")).await.status(), 201);
    // Same 法人番号, other course, other contact: still the same company.
    let mut again = application(7, "risk_assessment");
    again["contact"]["email"] = "other@example.jp".into();
    let response = app.apply(&again).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "duplicate");
    // The refused attempt took no place.
    let programme: Value = app.client.get(app.at("/api/v1/programme")).send().await.unwrap().json().await.unwrap();
    assert_eq!(programme["courses"][1]["places_remaining"], 100);

    // A sole proprietor is the same company by name and address (white space aside).
    let mut sole = application(8, "utm");
    sole["company"]["sole_proprietor"] = true.into();
    sole["company"]["corporate_number"] = Value::Null;
    sole["company"]["capital_yen"] = Value::Null;
    assert_eq!(app.apply(&sole).await.status(), 201);
    sole["company"]["name"] = "株式会社　テスト8".into();
    sole["contact"]["email"] = "another@example.jp".into();
    assert_eq!(app.apply(&sole).await.status(), 409);
    app.stop().await;
}

async fn a_closed_window_refuses_with_a_clear_error(backend: Backend) {
    let app = spawn_app(backend, Setup { windows_open: false, ..Setup::default() }).await;
    let response = app.apply(&application(9, "utm")).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "window_closed");
    assert!(body["message"].as_str().unwrap().contains("終了しました"));
    let page = app.client.get(app.at("/apply")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("現在、お申込みを受け付けていません"));
    app.stop().await;
}

async fn applicants_look_up_status_with_reference_and_email(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: 1, ..Setup::default() }).await;
    app.apply(&application(10, "utm")).await;
    let body: Value = app.apply(&application(11, "utm")).await.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap();
    let url = app.at(&format!("/api/v1/applications/{reference}?email=contact11@example.jp"));
    let status: Value = app.client.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["status"], "waitlisted");
    assert_eq!(status["waitlist_position"], 1);
    assert_eq!(status["course"], "utm");
    // Someone else's e-mail finds nothing.
    let url = app.at(&format!("/api/v1/applications/{reference}?email=contact10@example.jp"));
    assert_eq!(app.client.get(url).send().await.unwrap().status(), 404);
    // The status page works the same way, in Japanese.
    let form = app.client.get(app.at("/status")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&form, "csrf");
    let page = app
        .client
        .post(app.at("/status"))
        .form(&[("reference", reference), ("email", "CONTACT11@example.jp"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("キャンセル待ち"), "{page}");
    app.stop().await;
}

async fn invalid_and_ineligible_input_name_every_problem(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut bad = application(12, "utm");
    bad["company"]["corporate_number"] = "1234567890123".into();
    bad["company"]["postal_code"] = "16380".into();
    bad["contact"]["email"] = "not-an-address".into();
    let response = app.apply(&bad).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["company.corporate_number", "company.postal_code", "contact.email"]);
    assert!(body["fields"][0]["ja"].as_str().unwrap().contains("法人番号"));

    let mut ineligible = application(13, "utm");
    ineligible["company"]["prefecture"] = "大阪府".into();
    ineligible["company"]["industry"] = "retail".into();
    ineligible["company"]["capital_yen"] = 50_000_001.into();
    ineligible["company"]["employees"] = 51.into();
    ineligible["declarations"]["c"] = false.into();
    let response = app.apply(&ineligible).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "ineligible");
    let rules: Vec<&str> = body["reasons"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["main_office_outside_tokyo", "not_sme", "declaration_c"]);
    // Nothing was stored for either.
    let all = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert!(all.is_empty());
    app.stop().await;
}

async fn eligibility_is_evaluated_without_applying(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut profile = application(14, "utm");
    profile["previous_participant"] = true.into();
    let body: Value =
        app.client.post(app.at("/api/v1/eligibility")).json(&profile).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["eligible"], true);
    assert_eq!(body["flags"], serde_json::json!(["previous_participant"]));
    assert_eq!(body["reasons"], serde_json::json!([]));
    let all = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert!(all.is_empty());
    app.stop().await;
}

/// A complete application as the web form posts it (typed values, ticked boxes as `yes`).
pub(crate) fn form_pairs(n: u32) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = [
        ("course", "utm".to_string()),
        ("company.name", format!("株式会社フォーム{n}")),
        ("company.name_kana", "かぶしきがいしゃふぉーむ".into()),
        ("company.corporate_number", corporate_number(n)),
        ("company.postal_code", "１６３８００１".into()),
        ("company.prefecture", "東京都".into()),
        ("company.address", format!("新宿区西新宿2-8-{n}")),
        ("company.industry", "manufacturing".into()),
        ("company.capital_yen", "１０，０００，０００".into()),
        ("company.employees", "25".into()),
        ("company.representative_name", "山田 太郎".into()),
        ("company.representative_title", "代表取締役".into()),
        ("contact.name", "佐藤 花子".into()),
        ("contact.name_kana", "さとう はなこ".into()),
        ("contact.department", "総務部".into()),
        ("contact.email", format!("form{n}@example.jp")),
        ("contact.phone", "03-1234-5678".into()),
        ("environment.connection_layout", "光回線→ルーター".into()),
        ("environment.free_hub_port", "yes".into()),
        ("environment.existing_utm", "yes".into()),
        ("environment.existing_utm_vendor", "FortiGate".into()),
        ("environment.policy_status", "drafting".into()),
        ("privacy_policy_accepted", "yes".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    pairs.extend("abcdefg".chars().map(|key| (format!("declarations.{key}"), "yes".to_string())));
    pairs
}

/// The page's form token, read from the form after loading it (which sets the cookie).
pub(crate) async fn form_token(app: &TestApp) -> String {
    let page = app.client.get(app.at("/apply")).send().await.unwrap().text().await.unwrap();
    common::hidden_value(&page, "csrf")
}

pub(crate) async fn post_form(
    app: &TestApp,
    csrf: &str,
    pairs: &[(String, String)],
    step: Option<&str>,
) -> reqwest::Response {
    let mut form = pairs.to_vec();
    form.push(("csrf".into(), csrf.into()));
    if let Some(step) = step {
        form.push(("step".into(), step.into()));
    }
    app.client.post(app.at("/apply")).form(&form).send().await.unwrap()
}

/// Undoes askama's escaping (named and numeric character references).
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(';').expect("a terminated reference");
        let reference = &tail[1..end];
        let decoded = match reference {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            numeric => char::from_u32(numeric.trim_start_matches('#').parse().expect("a decimal reference")).unwrap(),
        };
        out.push(decoded);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The hidden fields of the review page (without the token), unescaped.
fn hidden_fields(page: &str) -> Vec<(String, String)> {
    page.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest.split("value=\"").nth(1).unwrap().split('"').next().unwrap();
            (name.to_string(), unescape(value))
        })
        .filter(|(name, _)| name != "csrf")
        .collect()
}

/// 入力 → 確認 (nothing stored; the answers shown as they will be stored) → 戻る (everything as
/// typed) → 送信 with a tampered hidden field (checked again, refused) → 送信 → 完了.
async fn the_form_shows_a_review_before_anything_is_sent(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let csrf = form_token(&app).await;
    let mut typed = form_pairs(21);
    typed[1].1 = "株式会社<確認>\"テスト\"".into();
    let stored = || async { store::applications::list_all(&app.running.db, &Default::default()).await.unwrap() };

    let response = post_form(&app, &csrf, &typed, None).await;
    assert_eq!(response.status(), 200);
    let review = response.text().await.unwrap();
    assert!(review.contains("入力内容の確認") && review.contains("まだ送信されていません"), "{review}");
    for shown in
        ["カブシキガイシャフォーム", "サトウ ハナコ", "163-8001", "10,000,000円", "25人", "FortiGate", "整備中"]
    {
        assert!(review.contains(shown), "the review shows {shown} as it will be stored");
    }
    assert!(review.contains("株式会社&#60;確認&#62;&#34;テスト&#34;"), "typed markup is text");
    assert!(review.contains("name=\"step\" value=\"back\"") && review.contains("name=\"step\" value=\"send\""));
    let mut hidden = hidden_fields(&review);
    hidden.sort();
    let mut expected = typed.clone();
    expected.sort();
    assert_eq!(hidden, expected, "the review carries back exactly what was typed");
    assert!(stored().await.is_empty(), "the review stores nothing");
    assert!(store::outbox::recent(&app.running.db, 10).await.unwrap().is_empty(), "and sends nothing");

    let response = post_form(&app, &csrf, &hidden, Some("back")).await;
    assert_eq!(response.status(), 200);
    let form = response.text().await.unwrap();
    assert!(form.contains("参加申込フォーム") && !form.contains("form-problems"), "back to the form, no errors");
    for kept in [
        "value=\"株式会社&#60;確認&#62;&#34;テスト&#34;\"",
        "value=\"さとう はなこ\"",
        "value=\"１０，０００，０００\"",
    ] {
        assert!(form.contains(kept), "the form keeps {kept}");
    }
    assert!(form.contains("name=\"environment.policy_status\" value=\"drafting\" checked"));
    assert!(stored().await.is_empty());

    // An expired page at the review sends nothing and loses nothing: the "send again" page
    // carries every value and the step, with a fresh token.
    let response = post_form(&app, "stale", &hidden, Some("send")).await;
    assert_eq!(response.status(), 403);
    let again = response.text().await.unwrap();
    assert!(again.contains("ページの有効期限が切れました"), "{again}");
    assert!(again.contains("name=\"step\" value=\"send\"") && again.contains("value=\"さとう はなこ\""));
    assert_eq!(common::hidden_value(&again, "csrf"), csrf, "this browser's token, to send again");
    assert!(stored().await.is_empty(), "an expired page stores nothing");

    // The hidden fields are input like any other: checked again when sent.
    let mut tampered = hidden.clone();
    tampered.iter_mut().find(|(k, _)| k == "contact.email").unwrap().1 = "not-an-address".into();
    let response = post_form(&app, &csrf, &tampered, Some("send")).await;
    assert_eq!(response.status(), 422);
    let form = response.text().await.unwrap();
    assert!(form.contains("id=\"contact-email-error\"") && form.contains("value=\"not-an-address\""));
    assert!(stored().await.is_empty(), "a refused send stores nothing");

    let response = post_form(&app, &csrf, &hidden, Some("send")).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/apply/done");
    let all = stored().await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].company_name, "株式会社<確認>\"テスト\"");
    let done = app.client.get(app.at("/apply/done")).send().await.unwrap().text().await.unwrap();
    for shown in
        [all[0].reference.as_str(), "株式会社&#60;確認&#62;&#34;テスト&#34;", "id=\"received-at\"", "form21@example.jp"]
    {
        assert!(done.contains(shown), "the done page shows {shown}");
    }
    // The acknowledgement repeats what Kojo made and what was chosen from a list, not typed text.
    let mails = store::outbox::recent(&app.running.db, 10).await.unwrap();
    let mail = mails.iter().find(|m| m.to == "form21@example.jp").expect("acknowledgement queued");
    assert!(mail.body.contains(&all[0].reference) && !mail.body.contains("確認>"), "{}", mail.body);
    app.stop().await;
}

/// Each answer's 必須/任意 marker on the page is what the server does without it: the review
/// step refuses the form (422) exactly for the required ones; 法人番号 and 資本金 only for a
/// company. Every input of the form is an answer listed in `FIELD_REQUIREMENTS` or one of the
/// three tick boxes that state a fact. An empty form names each problem in a summary that links
/// to its input and takes the focus, and each input is described by its hint and error.
async fn every_marker_says_what_the_server_enforces(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let page = app.client.get(app.at("/apply")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let form = page.split("<form method=\"post\" action=\"/apply\"").nth(1).unwrap().split("</form>").next().unwrap();
    for name in form.split(" name=\"").skip(1).map(|rest| rest.split('"').next().unwrap()) {
        let answer =
            name.split_once('.').filter(|(group, _)| *group == "declarations").map_or(name, |(group, _)| group);
        assert!(
            FIELD_REQUIREMENTS.iter().any(|(field, _)| *field == answer)
                || ["csrf", "company.sole_proprietor", "previous_participant", "uses_equivalent_tokyo_subsidy"]
                    .contains(&answer),
            "the form's input {name} is not in FIELD_REQUIREMENTS"
        );
    }
    let without = |mut pairs: Vec<(String, String)>, field: &str| {
        pairs.retain(|(name, _)| name != field && !name.starts_with(&format!("{field}.")));
        pairs
    };
    let mut sole_proprietor = form_pairs(22);
    sole_proprietor.push(("company.sole_proprietor".into(), "yes".into()));
    for (field, requirement) in FIELD_REQUIREMENTS {
        let (class, text, expected) = match requirement {
            Requirement::Required => ("req", "必須", (422, 422)),
            Requirement::RequiredForCompanies => ("req", "法人は必須", (422, 200)),
            Requirement::Optional => ("opt", "任意", (200, 200)),
        };
        let marker = format!("<span class=\"{class}\" data-for=\"{field}\">{text}</span>");
        assert!(form.contains(&marker), "{field} is marked {text} on the page");
        let company = post_form(&app, &csrf, &without(form_pairs(22), field), None).await.status().as_u16();
        let sole = post_form(&app, &csrf, &without(sole_proprietor.clone(), field), None).await.status().as_u16();
        assert_eq!((company, sole), expected, "without {field}, marked {text}, the server answers");
    }

    let response = post_form(&app, &csrf, &[], None).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    let summary = page.split("id=\"form-problems\"").nth(1).expect("a summary").split("</div>").next().unwrap();
    assert!(page.contains("tabindex=\"-1\" autofocus"), "the summary takes the focus");
    for (anchor, line) in [
        ("course", "希望コースを選択してください"),
        ("company-name", "会社名（屋号）を入力してください"),
        ("contact-email", "メールアドレスを入力してください"),
        ("privacy_policy_accepted", "個人情報の取扱いに同意してください"),
    ] {
        assert!(summary.contains(&format!("<a href=\"#{anchor}\">")), "the summary links to #{anchor}: {summary}");
        assert!(summary.contains(line), "the summary says {line}: {summary}");
        assert!(page.contains(&format!("id=\"{anchor}\"")), "#{anchor} exists");
    }
    assert!(page.contains("aria-describedby=\"company-name-error\" aria-invalid=\"true\""));
    assert!(page.contains("aria-describedby=\"company-postal_code-hint company-postal_code-error\""));
    app.stop().await;
}

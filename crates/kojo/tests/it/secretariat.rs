//! Issue 19, "a reachable secretariat": each programme year's contact details, entered in the
//! office, appear in every page's footer, on error pages (in the asker's language) and at the
//! foot of every e-mail, which is written in the language the company applied in.

use crate::common;

use common::{Backend, Setup, TestApp, application, spawn_app};
use domain::access::Role;
use serde_json::Value;

on_both_backends!(
    the_office_sets_the_contact_and_every_page_and_error_page_shows_it,
    e_mails_are_signed_by_the_years_secretariat_in_the_companys_language,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn current_programme_id(app: &TestApp) -> uuid::Uuid {
    store::programmes::current(&app.running.db).await.unwrap().unwrap().id
}

/// Posts the contact form of the current year as the administrator; returns the response.
async fn post_contact(app: &TestApp, admin: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = admin.get(app.at("/office/programmes")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", csrf.as_str()));
    let id = current_programme_id(app).await;
    admin.post(app.at(&format!("/office/programmes/{id}/secretariat"))).form(&form).send().await.unwrap()
}

const CONTACT: [(&str, &str); 6] = [
    ("name", "令和8年度 運営事務局"),
    ("name_en", "FY2026 programme secretariat"),
    ("phone", "０５０-１２３４-５６７８"),
    ("email", "help@example.jp"),
    ("hours", "平日 9:00～17:00（祝日を除く）"),
    ("hours_en", "Weekdays 9:00-17:00 JST"),
];

async fn the_office_sets_the_contact_and_every_page_and_error_page_shows_it(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    // Before anything is entered, pages name the programme's secretariat and the guidelines'
    // hours, and invent no phone number.
    let home = client().get(app.at("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("中小企業サイバーセキュリティ向上支援事業 運営事務局"), "{home}");
    assert!(home.contains("平日 9:00～17:00（祝日を除く）"));
    assert!(!home.contains("tel:"));

    let admin = client();
    app.sign_in(&admin, "kanri@example.jp", Role::Administrator).await;
    let page = admin.get(app.at("/office/programmes")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("未設定"), "the year says its contact is not set");

    // A wrong phone number: the page comes back with the problem and everything typed.
    let mut wrong = CONTACT.to_vec();
    wrong[2] = ("phone", "12-34");
    let refused = post_contact(&app, &admin, &wrong).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("電話番号：電話番号は「03-1234-5678」のように"), "{page}");
    assert!(page.contains("value=\"12-34\"") && page.contains("value=\"help@example.jp\""), "nothing typed is lost");
    assert!(page.contains("value=\"平日 9:00～17:00（祝日を除く）\""));
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    assert_eq!(programme.secretariat, None, "nothing was saved");

    let saved = post_contact(&app, &admin, &CONTACT).await;
    assert_eq!(saved.status(), 303);
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    let secretariat = programme.secretariat.expect("saved");
    assert_eq!(secretariat.phone(), Some("050-1234-5678"), "full-width digits are read");
    assert_eq!(secretariat.hours(domain::application::Language::Ja), "平日 9:00～17:00（祝日を除く）", "kept as typed");
    let audit = store::audit::recent(&app.running.db, 20).await.unwrap();
    assert!(audit.iter().any(|entry| entry.action == "programme.secretariat"), "the change is audited");

    // The footer of a public page, of the portal's sign-in and of an office page.
    for path in ["/", "/apply", "/portal/login", "/office/board"] {
        let page = admin.get(app.at(path)).send().await.unwrap().text().await.unwrap();
        let footer = &page[page.find("site-footer").unwrap_or_else(|| panic!("{path} has a footer"))..];
        assert!(footer.contains("令和8年度 運営事務局"), "{path}: {footer}");
        assert!(footer.contains("href=\"tel:05012345678\"") && footer.contains("050-1234-5678"), "{path}");
        assert!(footer.contains("href=\"mailto:help@example.jp\""), "{path}");
    }

    // Error pages: in the asker's language, with whom to contact.
    let english = client();
    english.get(app.at("/lang/en")).send().await.unwrap();
    let missing = english.get(app.at("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let page = missing.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\""), "{page}");
    assert!(page.contains("Page not found") && !page.contains("ページが見つかりません"), "{page}");
    assert!(page.contains("If this does not help") && page.contains("FY2026 programme secretariat"));
    assert!(page.contains("Weekdays 9:00-17:00 JST"));
    let japanese = client().get(app.at("/no-such-page")).send().await.unwrap().text().await.unwrap();
    assert!(japanese.contains("<html lang=\"ja\"") && japanese.contains("ページが見つかりません"));
    assert!(!japanese.contains("Page not found"), "one language per page");
    assert!(japanese.contains("解決しない場合は") && japanese.contains("050-1234-5678"));
    // A refused form post (no token) and a forbidden office page keep the same help.
    let expired = english.post(app.at("/portal/login")).form(&[("email", "a@example.jp")]).send().await.unwrap();
    assert_eq!(expired.status(), 403);
    assert!(expired.text().await.unwrap().contains("FY2026 programme secretariat"));
    let tokyo = client();
    tokyo.get(app.at("/lang/en")).send().await.unwrap();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    let forbidden = tokyo.get(app.at("/office/devices")).send().await.unwrap();
    assert_eq!(forbidden.status(), 403);
    let page = forbidden.text().await.unwrap();
    assert!(page.contains("You do not have permission") && page.contains("050-1234-5678"), "{page}");
    assert!(page.contains("Sign out"), "the office layout stays");
    app.stop().await;
}

/// The e-mails in the outbox to `to`, waiting up to 5 s for `count` of them.
async fn mails_to(app: &TestApp, to: &str, count: usize) -> Vec<store::outbox::OutgoingEmail> {
    for _ in 0..100 {
        let outbox = store::outbox::recent(&app.running.db, 200).await.unwrap();
        let found: Vec<_> = outbox
            .into_iter()
            .filter(|m| m.to == to)
            .map(|m| store::outbox::OutgoingEmail {
                to: m.to,
                subject: m.subject,
                body: m.body,
                attachments: Vec::new(),
            })
            .collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} e-mails to {to}");
}

async fn e_mails_are_signed_by_the_years_secretariat_in_the_companys_language(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let admin = client();
    app.sign_in(&admin, "kanri@example.jp", Role::Administrator).await;
    assert_eq!(post_contact(&app, &admin, &CONTACT).await.status(), 303);

    // One company applies through the English form's language, one in Japanese (the API
    // without a language is Japanese).
    let mut english = application(1, "utm");
    english["language"] = Value::from("en");
    assert_eq!(app.apply(&english).await.status(), 201);
    assert_eq!(app.apply(&application(2, "utm")).await.status(), 201);
    let unknown = {
        let mut body = application(3, "utm");
        body["language"] = Value::from("fr");
        app.apply(&body).await
    };
    assert_eq!(unknown.status(), 422, "only ja and en are languages");

    let acknowledgement = &mails_to(&app, "contact1@example.jp", 1).await[0];
    assert!(acknowledgement.subject.starts_with("[FY2026 SME Cybersecurity"), "{}", acknowledgement.subject);
    assert!(acknowledgement.subject.contains("Application received"));
    let body = &acknowledgement.body;
    assert!(body.contains("Thank you for applying") && body.contains("Course 1: UTM installation"), "{body}");
    assert!(body.ends_with("FY2026 programme secretariat\nPhone: 050-1234-5678\nE-mail: help@example.jp\nHours: Weekdays 9:00-17:00 JST\n"), "{body:?}");
    assert!(!body.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)), "no Japanese kana in English: {body}");
    let japanese = &mails_to(&app, "contact2@example.jp", 1).await[0];
    assert!(japanese.subject.starts_with("【令和8年度"));
    assert!(japanese.body.contains("お申込みを受け付けました") || japanese.body.contains("受け付けました"));
    assert!(japanese.body.ends_with("令和8年度 運営事務局\n電話：050-1234-5678\nメール：help@example.jp\n受付時間：平日 9:00～17:00（祝日を除く）\n"), "{:?}", japanese.body);

    // The web form filled in English writes in English too.
    app.client.get(app.at("/lang/en")).send().await.unwrap();
    let csrf = crate::intake::form_token(&app).await;
    let sent = crate::intake::post_form(&app, &csrf, &crate::intake::form_pairs(4), Some("send")).await;
    assert_eq!(sent.status(), 303, "{}", sent.text().await.unwrap_or_default());
    let form_company = store::applications::list_all(&app.running.db, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.company_name == "株式会社フォーム4")
        .expect("the form's application");
    assert_eq!(form_company.language, domain::application::Language::En);
    let acknowledgement = &mails_to(&app, &form_company.contact_email, 1).await[0];
    assert!(acknowledgement.body.contains("Thank you for applying"), "{}", acknowledgement.body);

    // A later e-mail about the English company (the portal's sign-in link) is English too.
    let record = store::applications::list_all(&app.running.db, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.contact_email == "contact1@example.jp")
        .unwrap();
    assert_eq!(record.language, domain::application::Language::En);
    let visitor = client();
    let login = visitor.get(app.at("/portal/login")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&login, "csrf");
    let form = [("email", "contact1@example.jp"), ("csrf", csrf.as_str())];
    assert_eq!(visitor.post(app.at("/portal/login")).form(&form).send().await.unwrap().status(), 200);
    let mails = mails_to(&app, "contact1@example.jp", 2).await;
    let link = mails.iter().find(|m| m.body.contains("/portal/auth/")).expect("the sign-in link");
    assert_eq!(link.subject, "[FY2026 programme secretariat] Your sign-in link to the participants' portal");
    assert!(link.body.contains("Here is your sign-in link") && link.body.contains("Phone: 050-1234-5678"));

    // The office's e-mail preview says which language the company reads.
    let secretariat = client();
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    let preview = secretariat
        .get(app.at(&format!("/office/applications/{}/emails", record.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(preview.contains("この企業は英語でメールを受け取ります"), "{preview}");
    assert!(preview.contains("Please confirm your participation"), "the previews are in the company's language");
    app.stop().await;
}

//! Surveys over HTTP on both backends: the secretariat writes a survey (a broken definition is
//! refused with its line, the text kept), sends it to the year's participants (one e-mail each
//! with a personal link); a respondent saves, is told what is missing, submits once; the daily
//! job reminds only those who have not answered, 3 and 7 business days later, and stops once
//! they answer; the company also finds it in its portal and nobody else's; a version once sent
//! never changes; results show the change per company, suppressed for Tokyo; closing stops
//! answers; raw answers are the secretariat's alone.

use domain::access::Role;
use domain::programme::CourseCode;
use domain::survey::Moment;

use crate::common::{Backend, Setup, TestApp, hidden_value, spawn_app_with_clock};

on_both_backends!(
    a_survey_is_sent_answered_once_reminded_and_read,
    seminar_attendees_are_invited_as_they_attend,
    during_support_follows_the_second_guidance_visit,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Posts `form` to `path` with the form token of the page at `page`.
async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    page: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let page = client.get(app.at(page)).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let mut fields = form.to_vec();
    fields.push(("csrf", &csrf));
    client.post(app.at(path)).form(&fields).send().await.unwrap()
}

const DEFINITION: &str = r#"
[[section]]
ja = "利用状況"

[[section.question]]
key = "incident"
kind = "single"
ja = "この半年でインシデントはありましたか"
required = true
choices = [ { code = "yes", ja = "あった" }, { code = "no", ja = "なかった" } ]

[[section.question]]
key = "incident_kind"
kind = "multiple"
ja = "どのようなものでしたか"
required = true
show_when = { question = "incident", answer = "yes" }
choices = [ { code = "malware", ja = "マルウェア" }, { code = "phishing", ja = "フィッシング" } ]

[[section.question]]
key = "awareness_importance"
kind = "scale5"
ja = "対策は重要だと思う"
required = true
repeat = true

[[section.question]]
key = "comments"
kind = "text"
ja = "ご意見"
"#;

/// The survey links e-mailed to `to`, oldest first.
async fn links_to(app: &TestApp, to: &str) -> Vec<String> {
    let mut mail = store::outbox::recent(&app.running.db, 500).await.unwrap();
    mail.reverse();
    mail.iter()
        .filter(|m| m.to == to && m.body.contains("/survey/"))
        .map(|m| {
            let start = m.body.find("/survey/").expect("a survey link") + "/survey/".len();
            let token: String = m.body[start..].chars().take_while(char::is_ascii_hexdigit).collect();
            format!("/survey/{token}")
        })
        .collect()
}

/// A signed-in portal session of application `id`, at the test's clock.
async fn company_session(app: &TestApp, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> reqwest::Client {
    let user = store::portal::company_user(&app.running.db, id, now).await.unwrap();
    let token = store::portal::issue_link(&app.running.db, user.id, now).await.unwrap();
    let company = client();
    assert_eq!(company.get(app.at(&format!("/portal/auth/{token}"))).send().await.unwrap().status(), 303);
    company
}

async fn new_survey(app: &TestApp, staff: &reqwest::Client) -> (String, uuid::Uuid) {
    let created = post(staff, app, "/office/surveys", "/office/surveys", &[("moment", "after_support")]).await;
    assert_eq!(created.status(), 303);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let path = location.split('?').next().unwrap().to_string();
    let id = path.rsplit('/').next().unwrap().parse().unwrap();
    (path, id)
}

async fn a_survey_is_sent_answered_once_reminded_and_read(backend: Backend) {
    // A fixed clock at 09:00 Tokyo on a business day close to today (the test programme's
    // windows follow the real date).
    let calendar = domain::calendar::BusinessCalendar::japan();
    let mut day = app::clock::tokyo_date(chrono::Utc::now());
    while !calendar.is_business_day(day) {
        day += chrono::Duration::days(1);
    }
    let at = |day: chrono::NaiveDate, hour: i64, minute: i64| {
        app::clock::tokyo_midnight(day) + chrono::Duration::hours(hour) + chrono::Duration::minutes(minute)
    };
    let clock = app::Clock::fixed(at(day, 9, 0));
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let settings = kojo::maintenance::Settings::from_config(&app.config);
    let a = crate::incidents::participant_in(&app, 1, CourseCode::Utm).await;
    let b = crate::incidents::participant_in(&app, 2, CourseCode::RiskAssessment).await;
    let c = crate::incidents::participant_in(&app, 3, CourseCode::Utm).await;
    assert_eq!(app.apply(&crate::common::application(4, "utm")).await.status(), 201, "not a participant");
    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;

    // Created from the standard questions; a broken definition is refused with its line, kept.
    let (path, id) = new_survey(&app, &staff).await;
    let page = staff.get(app.at(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("awareness_importance") && page.contains("id=\"preview\""), "the standard definition");
    let broken = "[[section]]\nja = \"a\"\n\n[[section.question]]\nkey = \"a\"\nkind = \"essay\"\nja = \"x\"\n";
    let refused =
        post(&staff, &app, &path, &path, &[("action", "save"), ("title_ja", "満足度調査"), ("source", broken)]).await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("6行目"), "the line is named");
    assert!(refused.contains("kind = &quot;essay&quot;") || refused.contains("kind = &#34;essay&#34;"), "kept");
    let saved = post(
        &staff,
        &app,
        &path,
        &path,
        &[
            ("action", "save"),
            ("title_ja", "支援終了後アンケート"),
            ("title_en", "After support"),
            ("source", DEFINITION),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(store::surveys::versions(&app.running.db, id).await.unwrap().len(), 1, "a draft is overwritten");

    // Tokyo sees the board without the draft, and cannot edit or send.
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    let board = tokyo.get(app.at("/office/surveys")).send().await.unwrap().text().await.unwrap();
    assert!(!board.contains("支援終了後アンケート") && !board.contains("new-survey"), "{board}");
    assert_eq!(tokyo.get(app.at(&path)).send().await.unwrap().status(), 403);

    // Sent: one e-mail with a link to each of the three participants, none to the applicant.
    let sent = post(&staff, &app, &path, &path, &[("action", "send")]).await;
    assert_eq!(sent.status(), 303);
    assert!(sent.headers()["location"].to_str().unwrap().ends_with("count=3"));
    let [link_a] = <[String; 1]>::try_from(links_to(&app, "contact1@example.jp").await).expect("one e-mail to A");
    let [link_b] = <[String; 1]>::try_from(links_to(&app, "contact2@example.jp").await).expect("one e-mail to B");
    assert!(links_to(&app, "contact4@example.jp").await.is_empty());
    let again = post(&staff, &app, &path, &path, &[("action", "send")]).await;
    assert!(again.headers()["location"].to_str().unwrap().ends_with("count=0"), "nobody invited twice");

    // A, by its link (no sign-in): saves part, is told what is missing, submits once.
    let respondent = client();
    let form = respondent.get(app.at(&link_a)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let form = form.text().await.unwrap();
    assert!(form.contains("この半年でインシデントはありましたか") && form.contains("data-show-when=\"incident:yes\""));
    let saved = post(&respondent, &app, &link_a, &link_a, &[("action", "save"), ("q.incident", "yes")]).await;
    assert_eq!(saved.status(), 303);
    let form = respondent.get(app.at(&link_a)).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("value=\"yes\" checked"), "the saved answer comes back");
    let missing = post(
        &respondent,
        &app,
        &link_a,
        &link_a,
        &[("action", "submit"), ("q.incident", "yes"), ("q.awareness_importance", "2"), ("q.comments", "助かりました")],
    )
    .await;
    assert_eq!(missing.status(), 422);
    let missing = missing.text().await.unwrap();
    assert!(missing.contains("id=\"q-incident_kind-error\"") && missing.contains("回答してください"), "{missing}");
    assert!(missing.contains("助かりました"), "what was typed stays");
    let forged = post(&respondent, &app, &link_a, &link_a, &[("action", "submit"), ("q.incident", "maybe")]).await;
    assert_eq!(forged.status(), 422);
    assert!(forged.text().await.unwrap().contains("選択肢から選んでください"));
    let answers = [
        ("action", "submit"),
        ("q.incident", "yes"),
        ("q.incident_kind", "phishing"),
        ("q.awareness_importance", "2"),
        ("q.comments", "助かりました"),
    ];
    assert_eq!(post(&respondent, &app, &link_a, &link_a, &answers).await.status(), 303);
    let done = respondent.get(app.at(&link_a)).send().await.unwrap().text().await.unwrap();
    assert!(done.contains("回答は送信済みです") && !done.contains("survey-form"));
    // (The form token from B's page, which still has a form.)
    let twice = post(
        &respondent,
        &app,
        &link_b,
        &link_a,
        &[("action", "submit"), ("q.incident", "no"), ("q.awareness_importance", "5")],
    )
    .await;
    assert_eq!(twice.status(), 409, "answered once");
    assert_eq!(client().get(app.at("/survey/00ff")).send().await.unwrap().status(), 404);

    // B finds it in its portal (A's invitation is not B's), saves part, does not submit.
    let invitations = store::surveys::invitations(&app.running.db, id).await.unwrap();
    let of = |case: uuid::Uuid| invitations.iter().find(|i| i.application_id == Some(case)).unwrap().id;
    let company = company_session(&app, b, clock.now()).await;
    let home = company.get(app.at("/portal")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("id=\"task-surveys\"") && home.contains(&format!("/portal/surveys/{}", of(b))), "a task");
    let portal_form = format!("/portal/surveys/{}", of(b));
    let form_page = company.get(app.at(&portal_form)).send().await.unwrap();
    assert_eq!(form_page.status(), 200);
    let form_page = form_page.text().await.unwrap();
    assert!(form_page.contains(r#"<a href="/portal">参加企業ページ</a>"#), "back to the company's page");
    assert!(!form_page.contains(r#"href="/office""#), "no staff link on a company's page");
    assert_eq!(company.get(app.at(&format!("/portal/surveys/{}", of(a)))).send().await.unwrap().status(), 404);
    let saved = post(&company, &app, &portal_form, &portal_form, &[("action", "save"), ("q.incident", "no")]).await;
    assert_eq!(saved.status(), 303);

    // A version once sent never changes: a later edit is version 2, B and C keep version 1.
    let edited = DEFINITION.replace("ご意見", "ご意見・ご要望");
    let saved = post(
        &staff,
        &app,
        &path,
        &path,
        &[("action", "save"), ("title_ja", "支援終了後アンケート"), ("source", &edited)],
    )
    .await;
    assert_eq!(saved.status(), 303);
    let versions = store::surveys::versions(&app.running.db, id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[0].source.contains("key = \"comments\"\nkind = \"text\"\nja = \"ご意見\""), "v1 unchanged");
    let b_form = respondent.get(app.at(&link_b)).send().await.unwrap().text().await.unwrap();
    assert!(b_form.contains("ご意見") && !b_form.contains("ご意見・ご要望"), "B answers the version it was sent");

    // Reminders: 3 business days later to B and C (A answered), once; 7 days later again; then
    // B answers through the reminder's link and hears no more.
    let third = calendar.add_business_days(day, 3);
    clock.set(at(third, 9, 59));
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert_eq!(links_to(&app, "contact2@example.jp").await.len(), 1, "not before 10:00");
    clock.set(at(third, 10, 1));
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    let again = app::surveys::run_due(&app.running.services, clock.now()).await.unwrap();
    assert_eq!(again, app::surveys::Run { invited: 0, reminded: 0 }, "a second run the same day sends nothing");
    assert_eq!(links_to(&app, "contact1@example.jp").await.len(), 1, "A answered: no reminder");
    assert_eq!(links_to(&app, "contact2@example.jp").await.len(), 2, "B reminded once");
    assert_eq!(links_to(&app, "contact3@example.jp").await.len(), 2, "C reminded once");
    let seventh = calendar.add_business_days(day, 7);
    clock.set(at(seventh, 10, 1));
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    let links_b = links_to(&app, "contact2@example.jp").await;
    assert_eq!(links_b.len(), 3, "B reminded again");
    let mail = store::outbox::recent(&app.running.db, 500).await.unwrap();
    assert!(mail.iter().any(|m| m.to == "contact2@example.jp" && m.subject.contains("【再送】")));
    let saved_before = respondent.get(app.at(&links_b[0])).send().await.unwrap().text().await.unwrap();
    assert!(saved_before.contains("value=\"no\" checked"), "the first link still works, with B's saved answer");
    let b_answers = [("action", "submit"), ("q.incident", "no"), ("q.awareness_importance", "4")];
    assert_eq!(post(&respondent, &app, &links_b[2], &links_b[2], &b_answers).await.status(), 303);
    clock.set(at(calendar.add_business_days(day, 12), 10, 1));
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert_eq!(links_to(&app, "contact2@example.jp").await.len(), 3, "answered: no more reminders");
    assert_eq!(links_to(&app, "contact3@example.jp").await.len(), 3, "C: the two reminders only");

    // A second survey at the same moment: A answers awareness 5, its change from 2 is +3.
    // (Days went by and the sessions ended: two more staff users sign in.)
    let staff = client();
    app.sign_in(&staff, "jimukyoku2@example.jp", Role::Secretariat).await;
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo2@example.jp", Role::TokyoOfficial).await;
    let (path2, id2) = new_survey(&app, &staff).await;
    post(&staff, &app, &path2, &path2, &[("action", "save"), ("title_ja", "追跡アンケート"), ("source", DEFINITION)])
        .await;
    assert_eq!(post(&staff, &app, &path2, &path2, &[("action", "send")]).await.status(), 303);
    let link_a2 = links_to(&app, "contact1@example.jp").await.pop().unwrap();
    let a2 = [("action", "submit"), ("q.incident", "no"), ("q.awareness_importance", "5")];
    assert_eq!(post(&respondent, &app, &link_a2, &link_a2, &a2).await.status(), 303);
    let results = staff.get(app.at(&format!("{path2}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains("id=\"company-changes\"") && results.contains("株式会社テスト1"), "{results}");
    assert!(results.contains("<td class=\"num\">2</td><td class=\"num\">5</td><td class=\"num\">+3</td>"), "{results}");

    // The first survey's results: staff exact with the free text.
    let results = staff.get(app.at(&format!("{path}/results"))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains("助かりました") && results.contains("<span id=\"submitted\">2</span>"), "{results}");
    // Tokyo reads no results while the survey is open (each new answer would show between reads).
    assert_eq!(tokyo.get(app.at(&format!("{path}/results"))).send().await.unwrap().status(), 400);
    assert_eq!(tokyo.get(app.at(&format!("{path}/answers?format=csv"))).send().await.unwrap().status(), 403);
    let raw = staff.get(app.at(&format!("{path}/answers?format=csv"))).send().await.unwrap();
    assert_eq!(raw.status(), 200);
    let raw = raw.text().await.unwrap();
    assert!(
        raw.contains("株式会社テスト1") && raw.contains("フィッシング") && raw.contains("株式会社テスト2"),
        "{raw}"
    );
    assert!(!raw.contains("株式会社テスト3"), "C never answered");
    assert_eq!(company.get(app.at(&format!("{path}/results"))).send().await.unwrap().status(), 303, "not staff");

    // Closed: the link says so and takes nothing; a nudge is refused.
    assert_eq!(post(&staff, &app, &path, &path, &[("action", "close")]).await.status(), 303);
    let links_c = links_to(&app, "contact3@example.jp").await;
    let closed = respondent.get(app.at(&links_c[0])).send().await.unwrap().text().await.unwrap();
    assert!(closed.contains("このアンケートは締め切りました"));
    let late = [("action", "submit"), ("q.incident", "no"), ("q.awareness_importance", "3")];
    assert_eq!(post(&respondent, &app, "/contact", &links_c[0], &late).await.status(), 409);
    assert_eq!(post(&staff, &app, &path, &path, &[("action", "nudge")]).await.status(), 422);
    let c_invitation = store::surveys::invitation(&app.running.db, of(c)).await.unwrap();
    assert!(c_invitation.submitted_at.is_none());

    // Closed, Tokyo reads it: "<5", no text, no names, no average.
    let seen = tokyo.get(app.at(&format!("{path}/results"))).send().await.unwrap();
    assert_eq!(seen.status(), 200);
    let seen = seen.text().await.unwrap();
    assert!(
        seen.contains("<span id=\"submitted\">&#60;5</span>") && seen.contains("id=\"suppression-note\""),
        "{seen}"
    );
    assert!(!seen.contains("助かりました") && !seen.contains("株式会社テスト"), "nobody named, no text: {seen}");
    assert!(!seen.contains("class=\"mean\""), "no average under 5 answers");
    let csv = tokyo.get(app.at(&format!("{path}/results?format=csv"))).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(csv.contains(",x,") && !csv.contains("テスト"), "fewer than 5 answers: withheld ({csv})");

    let audit = store::audit::for_subject(&app.running.db, "survey", &id.to_string()).await.unwrap();
    for action in ["survey.create", "survey.edit", "survey.open", "survey.invite", "survey.close", "survey.export"] {
        assert!(audit.iter().any(|entry| entry.action == action), "{action} audited");
    }
    let answered = store::audit::for_subject(&app.running.db, "survey_invitation", &of(a).to_string()).await.unwrap();
    assert!(answered.iter().any(|e| e.action == "survey.submit"));
    let reminded = store::audit::for_subject(&app.running.db, "survey_invitation", &of(b).to_string()).await.unwrap();
    assert_eq!(reminded.iter().filter(|e| e.action == "survey.remind").count(), 2);
    let _ = id2;
    app.stop().await;
}

/// After a seminar: only those who attended are invited, and one who attends later is invited
/// by the next daily run, once, in the language they registered in.
async fn seminar_attendees_are_invited_as_they_attend(backend: Backend) {
    // 10:30 Tokyo today: after the daily run's time, so each pass below runs it.
    let today = app::clock::tokyo_date(chrono::Utc::now());
    let clock = app::Clock::fixed(app::clock::tokyo_midnight(today) + chrono::Duration::minutes(630));
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let settings = kojo::maintenance::Settings::from_config(&app.config);
    let seminar = crate::seminars::add_seminar(&app, "s1", &crate::seminars::in_three_weeks(), 10, 10).await;
    let mut registrations: Vec<uuid::Uuid> = Vec::new();
    for (n, language) in [(1, "ja"), (2, "en"), (3, "ja")] {
        let body = serde_json::json!({
            "company_name": format!("株式会社説明会{n}"),
            "company_name_kana": "せつめいかい",
            "person_name": format!("参加 花子{n}"),
            "email": format!("attendee{n}@example.jp"),
            "phone": "03-1234-5678",
            "mode": "venue",
            "attendees": 1,
            "language": language,
            "privacy_policy_accepted": true,
        });
        let url = app.at(&format!("/api/v1/seminars/{}/registrations", seminar.id));
        let response = app.client.post(url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }
    for registration in store::seminars::roster(&app.running.db, seminar.id).await.unwrap() {
        registrations.push(registration.id);
    }
    let attend = |id: uuid::Uuid| {
        let db = app.running.db.clone();
        let now = clock.now();
        async move {
            let tx = db.begin().await.unwrap();
            store::seminars::mark_attended(&tx, id, "venue", None, now).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    attend(registrations[0]).await;

    let staff = client();
    app.sign_in(&staff, "jimukyoku@example.jp", Role::Secretariat).await;
    let created = post(&staff, &app, "/office/surveys", "/office/surveys", &[("moment", "after_seminar")]).await;
    let path = created.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let sent = post(&staff, &app, &path, &path, &[("action", "send")]).await;
    assert!(sent.headers()["location"].to_str().unwrap().ends_with("count=1"), "only who attended");
    assert_eq!(links_to(&app, "attendee1@example.jp").await.len(), 1);
    assert!(links_to(&app, "attendee2@example.jp").await.is_empty());

    // The English registrant attends (a later session's check-in): invited by the next daily
    // run, in English, with the link opening the English page; not again on the run after.
    attend(registrations[1]).await;
    let pass = kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert_eq!(pass.failed, 0);
    assert_eq!(links_to(&app, "attendee2@example.jp").await.len(), 1, "invited by today's run");
    clock.advance(chrono::Duration::days(1));
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    let mail = store::outbox::recent(&app.running.db, 100).await.unwrap();
    let english: Vec<_> =
        mail.iter().filter(|m| m.to == "attendee2@example.jp" && m.body.contains("/survey/")).collect();
    assert_eq!(english.len(), 1, "invited once");
    assert!(english[0].subject.contains("Please answer our survey") && english[0].body.contains("?lang=en"));
    let link = english[0].body.split_whitespace().find(|w| w.contains("/survey/")).unwrap();
    let path = &link[link.find("/survey/").unwrap()..];
    let page = client().get(app.at(path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Send my answers") && page.contains("How you attended"), "the English page");
    assert!(links_to(&app, "attendee3@example.jp").await.is_empty(), "did not attend");
    app.stop().await;
}

/// During support: a participant is invited once its second guidance visit is done, by the next
/// daily run; one with a single visit is not.
async fn during_support_follows_the_second_guidance_visit(backend: Backend) {
    let today = app::clock::tokyo_date(chrono::Utc::now());
    let clock = app::Clock::fixed(app::clock::tokyo_midnight(today) + chrono::Duration::minutes(630));
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let settings = kojo::maintenance::Settings::from_config(&app.config);
    let two = crate::incidents::participant_in(&app, 1, CourseCode::Utm).await;
    let one = crate::incidents::participant_in(&app, 2, CourseCode::Utm).await;
    let expert = store::accounts::create_user(
        &app.running.db,
        store::accounts::NewUser {
            email: "expert@example.jp",
            display_name: "専門家",
            role: Role::Expert,
            password_hash: None,
            company_application_id: None,
            must_change_password: false,
        },
        clock.now(),
    )
    .await
    .unwrap();
    let visit = |case: uuid::Uuid, days_ago: i64| {
        let db = app.running.db.clone();
        let now = clock.now();
        async move {
            let starts_at = now - chrono::Duration::days(days_ago);
            let new = store::guidance::NewVisit {
                application_id: case,
                mode: "onsite".into(),
                starts_at,
                ends_at: starts_at + chrono::Duration::hours(2),
                expert_user_id: expert,
            };
            let tx = db.begin().await.unwrap();
            let planned = store::guidance::plan(&tx, &new, now).await.unwrap();
            let report = store::guidance::Report {
                attendees: "社長".into(),
                topics: "方針".into(),
                findings: "バックアップなし".into(),
                next_steps: Vec::new(),
            };
            store::guidance::record(&tx, planned.id, &report, now).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    visit(two, 20).await;
    visit(one, 20).await;

    let operator = app::Actor::command_line();
    let survey =
        app::surveys::create(&app.running.services, &operator, Moment::DuringSupport, clock.now()).await.unwrap();
    assert_eq!(
        app::surveys::send(&app.running.services, &operator, survey, clock.now()).await.unwrap(),
        0,
        "nobody yet"
    );
    visit(two, 5).await;
    let pass = kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert_eq!(pass.failed, 0);
    assert_eq!(links_to(&app, "contact1@example.jp").await.len(), 1, "invited after its second visit");
    assert!(links_to(&app, "contact2@example.jp").await.is_empty(), "one visit: not yet");
    let invitations = store::surveys::invitations(&app.running.db, survey).await.unwrap();
    assert_eq!(invitations.iter().map(|i| i.application_id).collect::<Vec<_>>(), [Some(two)]);
    let _ = one;
    app.stop().await;
}

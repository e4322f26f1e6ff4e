//! Personal-data retention on both backends: `kojo retention` shows what is due and changes
//! nothing; on its day each category is reduced — names, contact details, the address below the
//! ward or city, survey invitations' addresses and free text, the portal sign-in, the support's
//! free texts and files (portal messages, contact notes, timeline reasons, inquiries, case-study
//! notes and photos), old sign-in records and e-mail texts — while the
//! programme's figures stay the same; each record is audited; a second run finds nothing; only
//! the administrator may run it.

use chrono::NaiveDate;
use domain::access::Role;
use domain::programme::CourseCode;

use crate::common::{Backend, Setup, spawn_app};

on_both_backends!(personal_data_is_reduced_on_its_day_and_the_figures_stay);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn personal_data_is_reduced_on_its_day_and_the_figures_stay(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let services = &app.running.services;
    let participant = crate::incidents::participant_in(&app, 1, CourseCode::Utm).await;
    assert_eq!(app.apply(&crate::common::application(2, "utm")).await.status(), 201);
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    let fiscal_year = programme.fiscal_year;
    let filter = store::applications::ApplicationFilter { programme_id: Some(programme.id), ..Default::default() };
    let applied = store::applications::list_all(&app.running.db, &filter).await.unwrap();
    let other = applied.iter().find(|a| a.id != participant).unwrap().id;
    let seminar = crate::seminars::add_seminar(&app, "s1", &crate::seminars::in_three_weeks(), 10, 10).await;
    let body = serde_json::json!({
        "company_name": "株式会社説明会", "company_name_kana": "せつめいかい", "person_name": "参加 花子",
        "email": "hanako@example.jp", "phone": "03-1234-5678", "mode": "venue", "attendees": 1,
        "questions": "費用について", "privacy_policy_accepted": true,
    });
    let url = app.at(&format!("/api/v1/seminars/{}/registrations", seminar.id));
    assert_eq!(app.client.post(url).json(&body).send().await.unwrap().status(), 201);
    let registration = store::seminars::roster(&app.running.db, seminar.id).await.unwrap()[0].id;

    // The participant answered a survey, with a free text.
    let operator = app::Actor::command_line();
    let now = app.running.clock.now();
    let survey = app::surveys::create(services, &operator, domain::survey::Moment::AfterSupport, now).await.unwrap();
    assert_eq!(app::surveys::send(services, &operator, survey, now).await.unwrap(), 1);
    let invitation = store::surveys::invitations_of(&app.running.db, participant).await.unwrap()[0].clone();
    let portal = app::Actor::user(
        &store::portal::company_user(&app.running.db, participant, now).await.unwrap(),
        app::Via::Page,
        None,
    );
    let fields: Vec<(String, String)> = [
        ("awareness_importance", "4"),
        ("awareness_knowledge", "3"),
        ("awareness_management", "3"),
        ("awareness_staff", "3"),
        ("incident", "no"),
        ("satisfaction", "5"),
        ("recommend", "9"),
        ("comments", "営業部の山田さんが詳しい"),
    ]
    .iter()
    .map(|(k, v)| (format!("q.{k}"), v.to_string()))
    .collect();
    let respondent = app::surveys::Respondent::Portal(&portal, invitation.id);
    let answered = app::surveys::answer(services, respondent, &fields, true, now).await.unwrap();
    assert_eq!(answered, app::surveys::Answered::Submitted);
    let agreement = store::agreements::latest(&app.running.db, participant).await.unwrap().expect("an agreement");
    assert!(!store::agreements::pdfs(&app.running.db, agreement.id).await.unwrap().0.is_empty());
    assert!(!agreement.uploads.is_empty(), "the participant returned a stamped scan");
    let stats_before = app::stats::compute_for(services, &programme, day(fiscal_year + 3, 1, 1)).await.unwrap();

    // Free texts and files of the support that may name people: a portal message, the reason the
    // other company withdrew, an inquiry from the participant's contact (linked to it) and one
    // from a stranger, a published case study with an interview photo; an old sign-in attempt
    // and the e-mails sent.
    let db = &app.running.db;
    let tx = db.begin().await.unwrap();
    store::portal::post_message(&tx, participant, None, "担当 一郎", true, "経理の佐藤が窓口です", now).await.unwrap();
    tx.commit().await.unwrap();
    let act = store::cases::Act {
        application_id: other,
        actor: store::audit::Actor::System("test"),
        ip: None,
        reason: Some("社長の佐藤が入院したため".into()),
        email: None,
    };
    let tx = db.begin().await.unwrap();
    let calendar = domain::calendar::BusinessCalendar::japan();
    store::cases::apply(&tx, &calendar, &act, domain::case::CaseEvent::Withdraw, now).await.unwrap();
    tx.commit().await.unwrap();
    let ask = |name: &'static str, email: &'static str| async move {
        let input = domain::inquiry::InquiryInput {
            name: name.into(),
            email: email.into(),
            category: Some("other".into()),
            subject: "個人的な相談".into(),
            message: "携帯 090-0000-0000 にお電話ください".into(),
            privacy_policy_accepted: true,
            ..Default::default()
        };
        let public = app::Actor::public(None);
        app::inquiries::submit(services, &public, &input, domain::secretariat::Language::Ja, now).await.unwrap().inquiry
    };
    let linked = ask("担当 一郎", "contact1@example.jp").await;
    assert_eq!(linked.application_id, Some(participant), "the participant's contact: linked");
    let stranger = ask("通りすがり 次郎", "jiro@example.jp").await;
    assert_eq!(stranger.application_id, None);
    let study = app::case_studies::create(services, &operator, &kept_reference(&app, participant).await, now).await;
    let study = study.unwrap();
    let photo = app::case_studies::PhotoUpload {
        filename: "shop.png".into(),
        bytes: crate::case_studies::PNG.to_vec(),
        caption: "店内".into(),
        consent_by: "代表 山田".into(),
        consent_on: app.running.clock.today().to_string(),
        consent_confirmed: true,
        ..Default::default()
    };
    let photo = app::case_studies::add_photo(services, &operator, study, photo, now).await.unwrap();
    let draft = app::case_studies::Draft {
        title: "事例".into(),
        body: "本文".into(),
        anonymity: "named".into(),
        interview_notes: "社長の話：家族の事情".into(),
        ..Default::default()
    };
    app::case_studies::save(services, &operator, study, &draft, now).await.unwrap();
    app::case_studies::send(services, &operator, study, now).await.unwrap();
    let answer = app::case_studies::Answer::Approve { version: 1 };
    app::case_studies::answer(services, &portal, study, answer, now).await.unwrap();
    app::case_studies::publish(services, &operator, study, true, now).await.unwrap();
    assert!(app::case_studies::published_photo(services, study, photo.id).await.is_ok());
    store::accounts::record_login_attempt(db, "someone@example.jp", Some("198.51.100.7".into()), false, now)
        .await
        .unwrap();
    let sent: Vec<uuid::Uuid> = store::outbox::recent(db, 100).await.unwrap().iter().map(|m| m.id).collect();
    store::outbox::mark_sent(db, &sent, now).await.unwrap();

    // Only the administrator runs it.
    let secretariat = store::accounts::create_user(
        &app.running.db,
        store::accounts::NewUser {
            email: "jimu@example.jp",
            display_name: "事務局",
            role: Role::Secretariat,
            password_hash: None,
            company_application_id: None,
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    let secretariat = store::accounts::get_user(&app.running.db, secretariat).await.unwrap();
    let staff = app::Actor::user(&secretariat, app::Via::Page, None);
    assert!(matches!(app::retention::plan(services, &staff, day(2030, 1, 1)).await, Err(app::AppError::Forbidden)));

    // Today nothing is due; the dry run of the command line says when each group will be.
    let plan = app::retention::plan(services, &operator, app.running.clock.today()).await.unwrap();
    assert_eq!(plan.due_records(), 0);
    assert_eq!(plan.later.iter().map(|g| g.records).sum::<usize>(), 4, "three records and the stranger's inquiry");
    assert_eq!((plan.sign_ins, plan.mail), (0, 0), "nothing is 90 days old yet");
    let data_dir = app.data_dir.path().to_str().unwrap().to_owned();
    let mut args = vec!["--data-dir", data_dir.as_str()];
    if let Some(url) = app.config.database_url.as_deref() {
        args.extend(["--database-url", url]);
    }
    let on = format!("{}", domain::retention::Category::NonParticipant.due_on(fiscal_year));
    args.extend(["retention", "--on", on.as_str()]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kojo"))
        .args(&args)
        .env("KOJO_LOG", "error")
        .output()
        .expect("kojo runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains(&format!("due on {on}: 3 record(s)")), "{printed}");
    assert!(printed.contains("ログイン記録 (sign-in records older than 90 days): 1"), "{printed}");
    assert!(printed.contains("nothing was changed"), "{printed}");
    let still = store::applications::get(&app.running.db, other).await.unwrap();
    assert_eq!(still.contact_email, "contact2@example.jp", "a dry run changes nothing");

    // The day before: nothing.
    let six_months = domain::retention::Category::NonParticipant.due_on(fiscal_year);
    let eve = six_months - chrono::Duration::days(1);
    // The day before: no record, but the sign-in records and e-mail texts older than 90 days.
    let done = app::retention::apply(services, &operator, eve, now).await.unwrap();
    assert!(done.groups.is_empty(), "not before its day: {done:?}");
    assert!(done.sign_ins >= 1 && done.mail >= 1, "{done:?}");
    let sign_in_cutoff = app::clock::tokyo_midnight(eve) - chrono::Duration::days(domain::retention::SIGN_IN_DAYS);
    assert_eq!(store::retention::sign_ins_before(db, sign_in_cutoff).await.unwrap(), 0);
    for mail in store::outbox::recent(db, 100).await.unwrap().iter().filter(|m| sent.contains(&m.id)) {
        assert_eq!((mail.body.as_str(), mail.to.as_str()), (store::retention::REDUCED_TEXT, "reduced@invalid"));
    }

    // Six months after the year: the non-participant, the seminar registration, the stranger's
    // inquiry.
    let done = app::retention::apply(services, &operator, six_months, now).await.unwrap();
    assert_eq!(done.groups.iter().map(|g| g.records).sum::<usize>(), 3, "{done:?}");
    let timeline = store::cases::timeline(db, other).await.unwrap();
    assert!(timeline.iter().all(|e| e.reason.is_none()), "the reason named a person");
    assert!(timeline.iter().any(|e| e.to_state == "withdrawn"), "what happened stays");
    let asked = store::inquiries::get(db, stranger.id).await.unwrap();
    assert_eq!((asked.name.as_str(), asked.email.as_deref()), (store::retention::REDUCED_NAME, None));
    let thread = store::inquiries::messages(db, stranger.id).await.unwrap();
    assert!(thread.iter().all(|m| m.body == store::retention::REDUCED_TEXT), "{thread:?}");
    let linked_now = store::inquiries::get(db, linked.id).await.unwrap();
    assert_eq!(linked_now.name, "担当 一郎", "a participant's inquiry waits for the participant");
    let reduced = store::applications::get(&app.running.db, other).await.unwrap();
    assert_eq!(reduced.company_name, store::retention::REDUCED_NAME);
    assert_eq!((reduced.contact_email.as_str(), reduced.contact_phone.as_str()), ("", ""));
    assert_eq!((reduced.contact_name.as_str(), reduced.representative_name.as_str()), ("", ""));
    assert!(reduced.corporate_number.is_none());
    assert_eq!(
        reduced.address,
        domain::retention::reduced_address(&applied.iter().find(|a| a.id == other).unwrap().address)
    );
    assert!(!reduced.address.is_empty(), "the ward or city stays for the figures");
    assert_eq!((reduced.industry.as_str(), reduced.employees), (still.industry.as_str(), still.employees));
    let seat = store::seminars::registration(&app.running.db, registration).await.unwrap();
    assert_eq!((seat.person_name.as_str(), seat.email.as_str(), seat.questions.as_deref()), ("", "", None));
    let kept = store::applications::get(&app.running.db, participant).await.unwrap();
    assert_eq!(kept.contact_email, "contact1@example.jp", "a participant is kept a year longer");

    // A year after the year: the participant, its survey invitation and its portal sign-in.
    let a_year = domain::retention::Category::Participant.due_on(fiscal_year);
    let done = app::retention::apply(services, &operator, a_year, now).await.unwrap();
    assert_eq!(done.groups.iter().map(|g| g.records).sum::<usize>(), 1);
    let messages = store::portal::messages(db, participant).await.unwrap();
    assert!(messages.iter().all(|m| m.body == store::retention::REDUCED_TEXT), "portal messages");
    assert!(messages.iter().filter(|m| m.from_company).all(|m| m.author_label == store::retention::REDUCED_TEXT));
    let contacts = store::cases::contacts(db, participant).await.unwrap();
    assert!(!contacts.is_empty() && contacts.iter().all(|c| c.summary == store::retention::REDUCED_TEXT));
    let linked_now = store::inquiries::get(db, linked.id).await.unwrap();
    assert_eq!(linked_now.name, store::retention::REDUCED_NAME, "the linked inquiry goes with the participant");
    let study_now = store::case_studies::get(db, study).await.unwrap();
    assert!(!study_now.state.published && study_now.interview_notes.is_empty(), "taken down, notes gone");
    assert!(matches!(
        app::case_studies::published_photo(services, study, photo.id).await,
        Err(app::AppError::NotFound)
    ));
    let kept = store::case_studies::photos(db, study).await.unwrap();
    assert_eq!(kept[0].size, 0, "the photo's bytes are gone");
    assert_eq!(kept[0].consent_by, store::retention::REDUCED_TEXT, "and who consented");
    assert!(
        matches!(
            app::case_studies::publish(services, &operator, study, true, now).await,
            Err(app::AppError::Invalid(_))
        ),
        "a reduced study cannot be published again"
    );
    let reduced = store::applications::get(&app.running.db, participant).await.unwrap();
    assert_eq!(reduced.contact_email, "");
    let invitation = store::surveys::invitation(&app.running.db, invitation.id).await.unwrap();
    assert_eq!((invitation.email.as_str(), invitation.name.as_str()), ("", ""));
    assert_eq!(invitation.answers["awareness_importance"], 4, "choices and scales stay");
    assert!(invitation.answers.get("comments").is_none(), "free text goes: it may name people");
    assert!(cannot_sign_in(store::portal::company_user(&app.running.db, participant, now).await));
    let reduced_agreement = store::agreements::latest(&app.running.db, participant).await.unwrap().unwrap();
    assert!(matches!(store::agreements::pdfs(&app.running.db, agreement.id).await, Err(store::StoreError::NotFound)));
    assert_eq!((reduced_agreement.signer_names, reduced_agreement.signer_ip), (None, None));
    assert_eq!(reduced_agreement.data, serde_json::json!({}));
    assert_eq!(reduced_agreement.pdf_sha256, agreement.pdf_sha256, "what was agreed stays provable");
    assert_eq!(reduced_agreement.uploads.len(), agreement.uploads.len(), "the records of the scans stay");
    for upload in &reduced_agreement.uploads {
        assert!(store::agreements::upload_bytes(&app.running.db, upload.id).await.is_err(), "scans go");
    }
    let stats_after = app::stats::compute_for(services, &programme, day(fiscal_year + 3, 1, 1)).await.unwrap();
    assert_eq!(stats_after.tables, stats_before.tables, "the figures do not change");

    // Each record audited; a second run finds nothing.
    for (subject, id) in [("application", other), ("application", participant), ("seminar_registration", registration)]
    {
        let audit = store::audit::for_subject(&app.running.db, subject, &id.to_string()).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "retention.reduce"), "{subject} {id}");
    }
    for (subject, id) in [("inquiry", stranger.id)] {
        let audit = store::audit::for_subject(db, subject, &id.to_string()).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "retention.reduce"), "{subject} {id}");
    }
    // A record reduced by an earlier version, its support records left: the next run finishes
    // it (a message written before is reduced with its company author), audited.
    let tx = db.begin().await.unwrap();
    store::portal::post_message(&tx, participant, None, "担当 一郎", true, "残っていた連絡", now).await.unwrap();
    tx.commit().await.unwrap();
    let audited = |id: uuid::Uuid| async move {
        let audit = store::audit::for_subject(db, "application", &id.to_string()).await.unwrap();
        audit.iter().filter(|e| e.action == "retention.reduce").count()
    };
    let before = audited(participant).await;
    let again = app::retention::apply(services, &operator, day(2040, 1, 1), now).await.unwrap();
    assert!(again.groups.is_empty() && again.mail == 0, "{again:?}");
    let messages = store::portal::messages(db, participant).await.unwrap();
    assert!(
        messages
            .iter()
            .all(|m| m.body == store::retention::REDUCED_TEXT && m.author_label == store::retention::REDUCED_TEXT)
    );
    assert_eq!(audited(participant).await, before + 1, "finishing it is audited");
    app::retention::apply(services, &operator, day(2040, 1, 1), now).await.unwrap();
    assert_eq!(audited(participant).await, before + 1, "and a run with nothing to do writes nothing");
    app.stop().await;
}

async fn kept_reference(app: &crate::common::TestApp, id: uuid::Uuid) -> String {
    store::applications::get(&app.running.db, id).await.unwrap().reference
}

/// The company's portal user after reduction: it cannot sign in.
fn cannot_sign_in(user: store::Result<store::accounts::UserRecord>) -> bool {
    match user {
        Err(_) => true,
        Ok(user) => !user.is_active || user.email.ends_with("@invalid"),
    }
}

//! Personal-data retention on both backends: `kojo retention` shows what is due and changes
//! nothing; on its day each category is reduced — names, contact details, the address below the
//! ward or city, survey invitations' addresses and free text, the portal sign-in — while the
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
    assert_eq!(plan.later.iter().map(|g| g.records).sum::<usize>(), 3);
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
    assert!(printed.contains(&format!("due on {on}: 2 record(s)")), "{printed}");
    assert!(printed.contains("nothing was changed"), "{printed}");
    let still = store::applications::get(&app.running.db, other).await.unwrap();
    assert_eq!(still.contact_email, "contact2@example.jp", "a dry run changes nothing");

    // The day before: nothing.
    let six_months = domain::retention::Category::NonParticipant.due_on(fiscal_year);
    let eve = six_months - chrono::Duration::days(1);
    assert!(app::retention::apply(services, &operator, eve, now).await.unwrap().is_empty(), "not before its day");

    // Six months after the year: the non-participant and the seminar registration.
    let done = app::retention::apply(services, &operator, six_months, now).await.unwrap();
    assert_eq!(done.iter().map(|g| g.records).sum::<usize>(), 2, "{done:?}");
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
    assert_eq!(done.iter().map(|g| g.records).sum::<usize>(), 1);
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
    assert!(app::retention::apply(services, &operator, day(2040, 1, 1), now).await.unwrap().is_empty());
    app.stop().await;
}

/// The company's portal user after reduction: it cannot sign in.
fn cannot_sign_in(user: store::Result<store::accounts::UserRecord>) -> bool {
    match user {
        Err(_) => true,
        Ok(user) => !user.is_active || user.email.ends_with("@invalid"),
    }
}

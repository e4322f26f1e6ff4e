//! Scheduled work on both backends: monthly report drafts missed while Kojo was stopped are
//! made once on the next start (and never again, across passes and restarts); two workers on
//! one database run each job exactly once; a failing job keeps its error and is retried after
//! its backoff; the outbox marks each message sent right after its own delivery; the holiday
//! table's coverage.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use common::{Backend, Setup, TestApp, application, spawn_app_with_clock};
use kojo::jobs::{PURGE_THREAT_EVENTS, REPORT_DRAFTS, TRIAL_END_NOTICE};
use kojo::maintenance::Settings;
use serde_json::Value;
use store::devices::{DeviceChange, NewDevice};
use store::outbox::{OutboxMessage, OutgoingEmail};
use uuid::Uuid;

on_both_backends!(
    missed_report_drafts_are_made_once_on_the_next_start,
    two_workers_run_each_job_exactly_once,
    concurrent_claims_never_share_a_job_and_a_lost_lease_is_claimed_again,
    a_failing_job_keeps_its_error_and_is_retried_after_its_backoff,
    each_e_mail_is_marked_sent_right_after_its_own_delivery,
    the_holiday_table_tells_how_far_it_covers,
    the_trial_end_notice_is_sent_once_when_due_and_not_after_removal,
);

fn tokyo(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo
        .from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// 10:00 in Tokyo on the 3rd of the current month: the 1st was missed. (Near the real date, so
/// that the test programme's application window is open.)
fn the_third() -> DateTime<Utc> {
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    tokyo(today.with_day(3).unwrap(), 10)
}

/// The first day of the month `back` months before the month of `at` (Tokyo).
fn month_start(at: DateTime<Utc>, back: u32) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive().with_day(1).unwrap() - Months::new(back)
}

fn key(month: NaiveDate) -> String {
    month.format("%Y-%m").to_string()
}

fn settings() -> Settings {
    Settings { font_dirs: Vec::new(), threat_retention_days: 400, backup: None, mailbox: None }
}

/// A company on course ① with a FortiGate installed on `installed_on`.
async fn installed_device(app: &TestApp, n: u32, serial: &str, installed_on: NaiveDate) -> Uuid {
    let body: Value = app.apply(&application(n, "utm")).await.json().await.unwrap();
    let db = &app.running.db;
    let company = store::applications::find_by_reference(db, body["reference"].as_str().expect("applied"))
        .await
        .unwrap()
        .unwrap()
        .id;
    let now = app.running.clock.now();
    let new =
        NewDevice { application_id: company, vendor: "Fortinet", model: "FortiGate 60F", serial, sender_address: None };
    let id = store::devices::register(db, new, now).await.unwrap();
    let survey = DeviceChange::Survey { result: domain::device::SurveyResult::Installable, notes: None };
    store::devices::change(db, id, survey, now).await.unwrap();
    store::devices::change(db, id, DeviceChange::Installed(installed_on), now).await.unwrap();
    id
}

/// Imports `count` blocked viruses on the first days of `month` for the device with `serial`.
async fn import_threats(app: &TestApp, device: Uuid, serial: &str, month: NaiveDate, count: u32) {
    let mut log = String::new();
    for i in 0..count {
        let at = tokyo(month.with_day(1 + i % 20).unwrap(), 9 + i % 10);
        let local = at.with_timezone(&chrono_tz::Asia::Tokyo);
        log.push_str(&format!(
            "date={} time={} devname=\"FGT60F\" devid=\"{serial}\" eventtime={} tz=\"+0900\" logid=\"0211008192\" type=\"utm\" subtype=\"virus\" eventtype=\"infected\" level=\"warning\" srcip=198.51.100.7 srcport=80 dstip=192.168.1.10 dstport=51000 service=\"HTTP\" action=\"blocked\" virus=\"EICAR_TEST_FILE\"\n",
            local.format("%Y-%m-%d"),
            local.format("%H:%M:%S"),
            at.timestamp() * 1_000_000_000,
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threats.log");
    std::fs::write(&path, log).unwrap();
    kojo::ingest::import_files(&app.running.services, device, &[path], &app.running.clock, |_, _| {}).await.unwrap();
}

/// Waits until the worker has finished job `kind`/`key` (the worker runs its first pass at start).
async fn wait_until_done(db: &store::Db, kind: &str, key: &str) -> store::jobs::JobRecord {
    for _ in 0..1200 {
        if let Some(job) = store::jobs::find(db, kind, key).await.unwrap().filter(|job| job.done_at.is_some()) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {kind}/{key} was not done within two minutes");
}

async fn missed_report_drafts_are_made_once_on_the_next_start(backend: Backend) {
    let clock = app::Clock::fixed(the_third());
    let last_month = month_start(clock.now(), 1);
    let installed_month = month_start(clock.now(), 2);
    // Devices and logs are set up with no worker running: Kojo was off on the 1st.
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let device = installed_device(&app, 1, "FGT-CATCHUP-01", installed_month.with_day(20).unwrap()).await;
    import_threats(&app, device, "FGT-CATCHUP-01", last_month, 7).await;
    assert!(store::jobs::recent(&app.running.db, 10).await.unwrap().is_empty());

    // Started on the 3rd, its worker catches up both months since the installation.
    let app = app.restart(clock.clone(), |config| config.worker = true).await;
    let db = app.running.db.clone();
    for month in [installed_month, last_month] {
        let job = wait_until_done(&db, REPORT_DRAFTS, &key(month)).await;
        assert_eq!((job.attempts, job.last_error.as_deref()), (1, None));
    }
    wait_until_done(&db, PURGE_THREAT_EVENTS, &clock.today().to_string()).await;
    let reports = store::reports::for_month(&db, &key(last_month)).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!((reports[0].device_id, reports[0].status.as_str()), (device, "draft"));
    let blocked: u64 =
        reports[0].data["daily"].as_array().unwrap().iter().map(|d| d["blocked"].as_u64().unwrap()).sum();
    assert_eq!(blocked, 7, "the draft counts what was imported");
    assert_eq!(store::reports::for_month(&db, &key(installed_month)).await.unwrap().len(), 1);
    let generated_at = reports[0].generated_at;

    // Another pass finds nothing to do.
    let pass = kojo::jobs::run_due_jobs(&kojo::setup::services(&db, &app.config).await.unwrap(), &settings(), &clock)
        .await
        .unwrap();
    assert_eq!(pass, kojo::jobs::Pass::default());

    // Nor does a restart the next day, beyond that day's purge and survey run.
    clock.advance(chrono::Duration::days(1));
    let app = app.restart(clock.clone(), |config| config.worker = false).await;
    let db = app.running.db.clone();
    let pass = kojo::jobs::run_due_jobs(&kojo::setup::services(&db, &app.config).await.unwrap(), &settings(), &clock)
        .await
        .unwrap();
    assert_eq!(pass, kojo::jobs::Pass { planned: 2, done: 2, failed: 0 });
    let reports = store::reports::for_month(&db, &key(last_month)).await.unwrap();
    assert_eq!((reports.len(), reports[0].generated_at), (1, generated_at), "the drafts are not made again");
    let job = store::jobs::find(&db, REPORT_DRAFTS, &key(last_month)).await.unwrap().unwrap();
    assert_eq!(job.attempts, 1);
    app.stop().await;
}

async fn two_workers_run_each_job_exactly_once(backend: Backend) {
    let clock = app::Clock::fixed(the_third());
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    // Installed four months ago: four months of drafts, plus today's purge.
    installed_device(&app, 1, "FGT-TWO-01", month_start(clock.now(), 4).with_day(10).unwrap()).await;
    // Two processes' worth of workers: separate connection pools on the one database.
    let mut handles = Vec::new();
    for _ in 0..2 {
        handles.push(store::Db::connect(&app.config.database_url()).await.unwrap());
    }
    handles.push(app.running.db.clone());
    let mut services = Vec::new();
    for db in &handles {
        services.push(kojo::setup::services(db, &app.config).await.unwrap());
    }
    let passes = futures::future::join_all(services.iter().flat_map(|services| {
        let clock = clock.clone();
        (0..2).map(move |_| {
            let (services, clock) = (services.clone(), clock.clone());
            tokio::spawn(async move { kojo::jobs::run_due_jobs(&services, &settings(), &clock).await.unwrap() })
        })
    }))
    .await;
    let passes: Vec<kojo::jobs::Pass> = passes.into_iter().map(Result::unwrap).collect();
    let jobs = store::jobs::recent(&app.running.db, 100).await.unwrap();
    // Four months of drafts, today's purge, survey run and public statistics, and the three
    // trial-end notices (due, the trial is over: no e-mail).
    assert_eq!(jobs.len(), 10, "{jobs:?}");
    assert_eq!(passes.iter().map(|p| p.planned).sum::<usize>(), 10, "each job planned once: {passes:?}");
    assert_eq!(passes.iter().map(|p| p.done).sum::<usize>(), 10, "each job run once: {passes:?}");
    assert_eq!(passes.iter().map(|p| p.failed).sum::<usize>(), 0);
    for job in &jobs {
        assert!(job.done_at.is_some(), "{job:?}");
        assert_eq!(job.attempts, 1, "claimed once: {job:?}");
    }
    for back in 1..=4 {
        assert_eq!(
            store::reports::for_month(&app.running.db, &key(month_start(clock.now(), back))).await.unwrap().len(),
            1
        );
    }
    for db in handles.into_iter().take(2) {
        db.close().await.unwrap();
    }
    app.stop().await;
}

async fn concurrent_claims_never_share_a_job_and_a_lost_lease_is_claimed_again(backend: Backend) {
    let clock = app::Clock::fixed(the_third());
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let now = clock.now();
    for n in 0..40 {
        assert!(store::jobs::plan(&app.running.db, "probe", &n.to_string(), now, now).await.unwrap());
        assert!(!store::jobs::plan(&app.running.db, "probe", &n.to_string(), now, now).await.unwrap());
    }
    let mut handles = vec![app.running.db.clone()];
    for _ in 0..2 {
        handles.push(store::Db::connect(&app.config.database_url()).await.unwrap());
    }
    let lease = chrono::Duration::minutes(30);
    let claimers = (0..9).map(|n| {
        let db = handles[n % handles.len()].clone();
        tokio::spawn(async move {
            let owner = format!("claimer-{n}");
            let mut taken = Vec::new();
            loop {
                let batch = store::jobs::claim_due(&db, &owner, now, lease, 3, &[]).await.unwrap();
                if batch.is_empty() {
                    return taken;
                }
                for job in batch {
                    assert!(store::jobs::finish(&db, job.id, &owner, now).await.unwrap());
                    taken.push(job.key);
                }
            }
        })
    });
    let mut keys: Vec<String> =
        futures::future::join_all(claimers).await.into_iter().flat_map(Result::unwrap).collect();
    keys.sort_by_key(|k| k.parse::<u32>().unwrap());
    assert_eq!(keys, (0..40).map(|n| n.to_string()).collect::<Vec<_>>(), "each job claimed by exactly one worker");

    // A worker that dies keeps its job until the lease runs out; then another takes it.
    let db = &app.running.db;
    store::jobs::plan(db, "probe", "orphan", now, now).await.unwrap();
    let first = store::jobs::claim_due(db, "dead", now, lease, 10, &[]).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        store::jobs::claim_due(db, "alive", now + chrono::Duration::minutes(29), lease, 10, &[])
            .await
            .unwrap()
            .is_empty()
    );
    let later = now + lease;
    let second = store::jobs::claim_due(db, "alive", later, lease, 10, &[]).await.unwrap();
    assert_eq!((second.len(), second[0].attempts), (1, 2));
    assert!(!store::jobs::finish(db, first[0].id, "dead", later).await.unwrap(), "the old owner no longer holds it");
    assert!(store::jobs::finish(db, second[0].id, "alive", later).await.unwrap());
    for db in handles.into_iter().skip(1) {
        db.close().await.unwrap();
    }
    app.stop().await;
}

async fn a_failing_job_keeps_its_error_and_is_retried_after_its_backoff(backend: Backend) {
    let clock = app::Clock::fixed(the_third());
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let db = app.running.db.clone();
    let last_month = month_start(clock.now(), 1);
    installed_device(&app, 1, "FGT-FAIL-01", last_month.with_day(5).unwrap()).await;
    // A configured font folder that does not exist: rendering the drafts fails.
    let missing = app.data_dir.path().join("no-such-fonts");
    let broken = Settings { font_dirs: vec![missing.clone()], threat_retention_days: 400, backup: None, mailbox: None };
    let pass = kojo::jobs::run_due_jobs(&kojo::setup::services(&db, &app.config).await.unwrap(), &broken, &clock)
        .await
        .unwrap();
    // Planned: the purge, the day's survey run and the month's public statistics (done), last
    // month's drafts (failed) and the three trial-end notices (not due).
    assert_eq!(pass, kojo::jobs::Pass { planned: 7, done: 3, failed: 1 });
    let job = store::jobs::find(&db, REPORT_DRAFTS, &key(last_month)).await.unwrap().unwrap();
    assert_eq!((job.attempts, job.done_at), (1, None));
    assert!(job.last_error.as_deref().unwrap().contains("no-such-fonts"), "{job:?}");
    assert_eq!(job.due_at, clock.now() + kojo::jobs::backoff(1));

    // Not retried before its time, even with the fonts fixed.
    let pass = kojo::jobs::run_due_jobs(&kojo::setup::services(&db, &app.config).await.unwrap(), &settings(), &clock)
        .await
        .unwrap();
    assert_eq!(pass, kojo::jobs::Pass::default());
    // Failing again doubles the wait.
    clock.advance(kojo::jobs::backoff(1));
    let pass = kojo::jobs::run_due_jobs(&kojo::setup::services(&db, &app.config).await.unwrap(), &broken, &clock)
        .await
        .unwrap();
    assert_eq!(pass.failed, 1);
    let job = store::jobs::find(&db, REPORT_DRAFTS, &key(last_month)).await.unwrap().unwrap();
    assert_eq!((job.attempts, job.due_at), (2, clock.now() + kojo::jobs::backoff(2)));

    clock.advance(kojo::jobs::backoff(2));
    let pass = kojo::jobs::run_due_jobs(&kojo::setup::services(&db, &app.config).await.unwrap(), &settings(), &clock)
        .await
        .unwrap();
    assert_eq!((pass.done, pass.failed), (1, 0));
    let job = store::jobs::find(&db, REPORT_DRAFTS, &key(last_month)).await.unwrap().unwrap();
    assert_eq!((job.attempts, job.done_at), (3, Some(clock.now())));
    assert!(job.last_error.is_some(), "the last error stays for staff");
    assert_eq!(store::reports::for_month(&db, &key(last_month)).await.unwrap().len(), 1);
    app.stop().await;
}

/// A transport that records what it delivers and, when told to, hangs on the nth message as a
/// process that dies mid-send would.
#[derive(Default)]
struct Recorder {
    delivered: std::sync::Mutex<Vec<String>>,
    calls: AtomicUsize,
    hang_on: Option<usize>,
    reached: tokio::sync::Notify,
}

impl kojo::mailer::Deliver for Recorder {
    async fn deliver(&self, message: &OutboxMessage) -> anyhow::Result<()> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if Some(call) == self.hang_on {
            self.reached.notify_one();
            std::future::pending::<()>().await;
        }
        self.delivered.lock().unwrap().push(message.subject.clone());
        Ok(())
    }
}

async fn each_e_mail_is_marked_sent_right_after_its_own_delivery(backend: Backend) {
    let clock = app::Clock::fixed(the_third());
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let db = app.running.db.clone();
    for n in 1..=3 {
        let email = OutgoingEmail {
            to: format!("c{n}@example.jp"),
            subject: format!("件名{n}"),
            body: "本文".into(),
            attachments: Vec::new(),
        };
        store::outbox::enqueue(&db, &email, clock.now() + chrono::Duration::seconds(n)).await.unwrap();
    }
    clock.advance(chrono::Duration::seconds(5));

    // The process dies while sending the 2nd message of the batch.
    let dying = Arc::new(Recorder { hang_on: Some(2), ..Recorder::default() });
    let worker = tokio::spawn({
        let (db, dying, clock) = (db.clone(), dying.clone(), clock.clone());
        async move { kojo::mailer::deliver_due(&db, dying.as_ref(), &clock).await }
    });
    dying.reached.notified().await;
    worker.abort();
    let _ = worker.await;
    let status = |messages: Vec<OutboxMessage>| {
        let mut rows: Vec<(String, String)> = messages.into_iter().map(|m| (m.subject, m.status)).collect();
        rows.sort();
        rows
    };
    let rows = status(store::outbox::recent(&db, 10).await.unwrap());
    assert_eq!(
        rows,
        [("件名1".into(), "sent".into()), ("件名2".into(), "pending".into()), ("件名3".into(), "pending".into())]
    );

    // After the lease, the next worker sends the two left and not the first again.
    clock.advance(chrono::Duration::minutes(6));
    let next = Recorder::default();
    assert_eq!(kojo::mailer::deliver_due(&db, &next, &clock).await.unwrap(), 2);
    assert_eq!(*next.delivered.lock().unwrap(), ["件名2", "件名3"]);
    assert!(status(store::outbox::recent(&db, 10).await.unwrap()).iter().all(|(_, s)| s == "sent"));
    app.stop().await;
}

async fn the_holiday_table_tells_how_far_it_covers(backend: Backend) {
    let app =
        spawn_app_with_clock(backend, Setup::default(), app::Clock::system(), |config| config.worker = false).await;
    let db = &app.running.db;
    let builtin_end = domain::calendar::HolidayTable::builtin().last_date().unwrap();
    let covered = store::holidays::covered_until(db).await.unwrap().unwrap();
    assert_eq!(covered, NaiveDate::from_ymd_opt(builtin_end.year(), 12, 31).unwrap());

    // A year's file from the Cabinet Office extends it.
    let next_year = builtin_end.year() + 1;
    let csv =
        format!("国民の祝日・休日月日,国民の祝日・休日名称\n{next_year}/1/1,元日\n{next_year}/11/23,勤労感謝の日\n");
    let table = domain::calendar::HolidayTable::parse_csv(csv.as_bytes()).unwrap();
    store::holidays::import(db, &table, Utc::now()).await.unwrap();
    let covered = store::holidays::covered_until(db).await.unwrap().unwrap();
    assert_eq!(covered, NaiveDate::from_ymd_opt(next_year, 12, 31).unwrap());

    // The start-up warning: given when the next 12 months are not covered, naming the fix.
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(kojo::setup::holiday_coverage_warning(Some(day(2027, 12, 31)), day(2026, 12, 31)), None);
    let warning = kojo::setup::holiday_coverage_warning(Some(day(2027, 12, 31)), day(2027, 1, 1)).unwrap();
    assert!(warning.contains("2027-12-31") && warning.contains("kojo holidays import syukujitsu.csv"), "{warning}");
    assert!(kojo::setup::holiday_coverage_warning(None, day(2027, 1, 1)).is_some());
    app.stop().await;
}

async fn the_trial_end_notice_is_sent_once_when_due_and_not_after_removal(backend: Backend) {
    let clock = app::Clock::fixed(the_third());
    let app = spawn_app_with_clock(backend, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let db = app.running.db.clone();
    let services = kojo::setup::services(&db, &app.config).await.unwrap();
    // Installed today: the trial ends in three months; the notice is due 14 days before that.
    let today = clock.today();
    let kept = installed_device(&app, 1, "FGT-TRIAL-01", today).await;
    let removed = installed_device(&app, 2, "FGT-TRIAL-02", today).await;
    let last_day = domain::device::trial_last_day(today);
    let due = app::devices::trial_notice_due(today, 14);
    assert_eq!(due.with_timezone(&chrono_tz::Asia::Tokyo).date_naive(), last_day - chrono::Duration::days(14));
    let notices = |db: store::Db| async move {
        store::outbox::recent(&db, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.subject.contains(&*app::mail::subject::TRIAL_ENDING.ja))
            .collect::<Vec<_>>()
    };

    // Planned now, not run before it is due.
    kojo::jobs::run_due_jobs(&services, &settings(), &clock).await.unwrap();
    for device in [kept, removed] {
        let job = store::jobs::find(&db, TRIAL_END_NOTICE, &format!("{device}/{today}")).await.unwrap().unwrap();
        assert_eq!((job.due_at, job.done_at), (due, None));
    }
    assert!(notices(db.clone()).await.is_empty());

    // One company removes its UTM early; then Kojo is off on the due day and started two days later.
    store::devices::change(&db, removed, DeviceChange::Removed(today), clock.now()).await.unwrap();
    clock.set(due + chrono::Duration::days(2));
    let pass = kojo::jobs::run_due_jobs(&services, &settings(), &clock).await.unwrap();
    assert_eq!(pass.failed, 0, "{pass:?}");
    let sent = notices(db.clone()).await;
    assert_eq!(sent.len(), 1, "only the device still in its trial: {sent:?}");
    assert_eq!(sent[0].to, "contact1@example.jp");
    assert!(sent[0].body.contains(&domain::wareki::format_date(last_day)), "{}", sent[0].body);
    let audit = store::audit::for_subject(
        &db,
        "application",
        &store::devices::get(&db, kept).await.unwrap().application_id.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(audit.iter().filter(|a| a.action == "device.trial_notice").count(), 1);
    // The 30-day notice, overtaken while Kojo was off, was not sent on top of it.
    let thirty = store::jobs::find(&db, TRIAL_END_NOTICE, &format!("{kept}/{today}/30d")).await.unwrap().unwrap();
    assert!(thirty.done_at.is_some(), "run, and sent nothing");
    // Never again: later passes send nothing more …
    clock.advance(chrono::Duration::days(1));
    kojo::jobs::run_due_jobs(&services, &settings(), &clock).await.unwrap();
    assert_eq!(notices(db.clone()).await.len(), 1);
    // … until the reminder 7 days before the last day.
    clock.set(app::devices::trial_notice_due(today, 7));
    kojo::jobs::run_due_jobs(&services, &settings(), &clock).await.unwrap();
    assert_eq!(notices(db.clone()).await.len(), 2, "the 7-day reminder");
    clock.advance(chrono::Duration::days(1));
    kojo::jobs::run_due_jobs(&services, &settings(), &clock).await.unwrap();
    assert_eq!(notices(db.clone()).await.len(), 2);
    app.stop().await;
}

#[test]
fn trial_end_notices_fall_30_14_and_7_days_before_the_last_day() {
    let installed = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let last_day = domain::device::trial_last_day(installed);
    for days in [30, 14, 7] {
        let due = app::devices::trial_notice_due(installed, days);
        assert_eq!(due.with_timezone(&chrono_tz::Asia::Tokyo).date_naive(), last_day - chrono::Duration::days(days));
        assert_eq!(due.with_timezone(&chrono_tz::Asia::Tokyo).format("%H:%M").to_string(), "00:00");
        assert!(!app::devices::trial_notice_overtaken(installed, days, due), "{days}: its own due time sends it");
    }
    let at_14 = app::devices::trial_notice_due(installed, 14);
    assert!(
        app::devices::trial_notice_overtaken(installed, 30, at_14),
        "the 30-day notice gives way to the 14-day one"
    );
    assert!(!app::devices::trial_notice_overtaken(installed, 14, at_14));
    assert!(!app::devices::trial_notice_overtaken(installed, 7, at_14));
    let device = uuid::Uuid::nil();
    assert_eq!(kojo::jobs::trial_notice_key(device, installed, 14), format!("{device}/2026-09-01"));
    assert_eq!(kojo::jobs::trial_notice_key(device, installed, 30), format!("{device}/2026-09-01/30d"));
}

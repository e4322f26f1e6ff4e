//! Backups: a copy made while submissions continue holds every application acknowledged before
//! it began; it restores only into an empty database; the nightly copy keeps its count.

use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone};
use serde_json::Value;

use crate::common;

use common::{Backend, Setup, application, spawn_app, spawn_app_with_clock};

async fn a_backup_taken_during_submissions_restores_every_acknowledged_application(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    // Submissions from four clients until told to stop; each acknowledged reference is kept.
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..4u32 {
        let (url, acknowledged, stop) = (app.url.clone(), acknowledged.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut n = client * 10_000 + 1;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let response =
                    http.post(format!("{url}/api/v1/applications")).json(&application(n, "utm")).send().await.unwrap();
                assert_eq!(response.status(), 201);
                let body: Value = response.json().await.unwrap();
                acknowledged.lock().unwrap().push(body["reference"].as_str().unwrap().to_string());
                n += 1;
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let out = app.data_dir.path().join("copies").join("kojo.backup");
    let written = kojo::backup::backup(&app.running.db, &app.config.database_url(), &out, app.running.clock.now())
        .await
        .expect("backup while submissions run");
    // Submissions went on during the copy.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let total = acknowledged.lock().unwrap().len();
    assert!(total > before.len(), "submissions continued: {total} vs {}", before.len());
    assert!(written.bytes > 0 && out.exists());
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup holds personal data: its owner's only");
    }
    assert_eq!(written.format, if backend == Backend::Sqlite { "sqlite" } else { "pg_dump" });
    assert!(std::fs::read_dir(out.parent().unwrap()).unwrap().count() == 1, "no partial file left");
    let audit = store::audit::recent(&app.running.db, 200).await.unwrap();
    assert!(audit.iter().any(|entry| entry.action == "database.backup"));
    // A second backup to the same name is refused, the first kept.
    let again = kojo::backup::backup(&app.running.db, &app.config.database_url(), &out, app.running.clock.now()).await;
    assert!(again.unwrap_err().to_string().contains("already exists"));

    // Into a fresh, empty database.
    let fresh_dir = tempfile::tempdir().unwrap();
    let mut fresh = kojo::Config::for_data_dir(fresh_dir.path());
    let scratch = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let admin = common::postgres_admin_url();
            let name = format!("kojo_restore_{}_{}", std::process::id(), chrono::Utc::now().timestamp_subsec_nanos());
            fresh.database_url = Some(store::scratch::create_postgres_database(&admin, &name).await.unwrap());
            Some((admin, name))
        }
    };
    let restored = kojo::backup::restore(&fresh, &out, app.running.clock.now()).await.expect("restored");
    for reference in &before {
        assert!(
            store::applications::find_by_reference(&restored, reference).await.unwrap().is_some(),
            "{reference} was acknowledged before the backup began"
        );
    }
    let filter = store::applications::ApplicationFilter::default();
    let kept = store::applications::list_all(&restored, &filter).await.unwrap().len();
    assert!(kept >= before.len() && kept <= total, "{kept} between {} and {total}", before.len());
    let audit = store::audit::recent(&restored, 200).await.unwrap();
    assert!(audit.iter().any(|entry| entry.action == "database.restore"));
    restored.close().await.unwrap();
    // Never over data.
    let over = kojo::backup::restore(&fresh, &out, app.running.clock.now()).await;
    assert!(over.unwrap_err().to_string().contains("only into an empty database"));
    // A file of the other kind is refused before anything is touched.
    let wrong = fresh_dir.path().join("not-a-backup");
    std::fs::write(&wrong, "hello").unwrap();
    assert!(kojo::backup::restore(&fresh, &wrong, app.running.clock.now()).await.is_err());
    if let Some((admin, name)) = scratch {
        store::scratch::drop_postgres_database(&admin, &name).await.ok();
    }
    app.stop().await;
}

on_both_backends!(a_backup_taken_during_submissions_restores_every_acknowledged_application);

#[tokio::test]
async fn the_nightly_backup_runs_once_a_day_at_two_and_keeps_its_count() {
    let tokyo = chrono_tz::Asia::Tokyo;
    let at =
        |day: u32, hour: u32| tokyo.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap().with_timezone(&chrono::Utc);
    let clock = app::Clock::fixed(at(7, 1));
    let app =
        spawn_app_with_clock(Backend::Sqlite, Setup::default(), clock.clone(), |config| config.worker = false).await;
    let dir = app.data_dir.path().join("nightly");
    let mut settings = kojo::maintenance::Settings::from_config(&app.config);
    settings.backup =
        Some(kojo::maintenance::NightlyBackup { dir: dir.clone(), keep: 2, database_url: app.config.database_url() });
    let copies = || {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    // 01:00: planned for 02:00, not yet due.
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert!(copies().is_empty());
    clock.set(at(7, 2) + Duration::minutes(1));
    // A process without a backup folder (a second web process) leaves the job to one with it.
    let without = kojo::maintenance::Settings { backup: None, ..settings.clone() };
    let pass = kojo::jobs::run_due_jobs(&app.running.services, &without, &clock).await.unwrap();
    assert_eq!((pass.done, pass.failed), (0, 0), "not claimed: {pass:?}");
    assert!(copies().is_empty());
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert_eq!(copies(), ["kojo-20261207-020100.sqlite3"]);
    // Once a day, however many passes.
    clock.advance(Duration::hours(3));
    kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    assert_eq!(copies().len(), 1);
    for day in [8, 9] {
        clock.set(at(day, 2) + Duration::minutes(5));
        kojo::jobs::run_due_jobs(&app.running.services, &settings, &clock).await.unwrap();
    }
    assert_eq!(copies(), ["kojo-20261208-020500.sqlite3", "kojo-20261209-020500.sqlite3"], "the oldest deleted");
    app.stop().await;
}

//! First come, first served under burst: 200 simultaneous submissions against a course of
//! capacity 50 give exactly 50 places and 150 waitlisted in arrival order, none lost — on
//! SQLite and on PostgreSQL.

use crate::common;

use common::{Backend, Setup, application, spawn_app};
use serde_json::Value;

const SUBMISSIONS: u32 = 200;
const CAPACITY: u32 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn burst_on_sqlite() {
    burst(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn burst_on_postgres() {
    burst(Backend::Postgres).await;
}

async fn burst(backend: Backend) {
    let app = spawn_app(backend, Setup { utm_capacity: CAPACITY, ..Setup::default() }).await;
    // Separate clients (own connections), all released at once.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(SUBMISSIONS as usize));
    let mut tasks = Vec::new();
    for n in 1..=SUBMISSIONS {
        let url = app.at("/api/v1/applications");
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let body = application(n, "utm");
            barrier.wait().await;
            let response = client.post(url).json(&body).send().await.expect("request");
            assert_eq!(response.status(), 201, "every submission is acknowledged");
            response.json::<Value>().await.unwrap()
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.push(task.await.unwrap());
    }
    let held = acknowledged.iter().filter(|b| b["status"] == "received").count();
    let waitlisted: Vec<u64> = acknowledged
        .iter()
        .filter(|b| b["status"] == "waitlisted")
        .map(|b| b["waitlist_position"].as_u64().unwrap())
        .collect();
    assert_eq!(held, CAPACITY as usize);
    let mut positions = waitlisted.clone();
    positions.sort_unstable();
    assert_eq!(positions, (1..=(SUBMISSIONS - CAPACITY) as u64).collect::<Vec<_>>());

    // Stored: every acknowledged application, in arrival order (places first, then the
    // waitlist by position), and the course counter agrees.
    let mut stored = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert_eq!(stored.len(), SUBMISSIONS as usize, "none lost");
    stored.sort_by_key(|r| r.received_at);
    let (first, rest) = stored.split_at(CAPACITY as usize);
    assert!(first.iter().all(|r| r.status == store::applications::ApplicationStatus::Received));
    let order: Vec<u32> = rest.iter().map(|r| r.waitlist_position.unwrap()).collect();
    assert_eq!(order, (1..=SUBMISSIONS - CAPACITY).collect::<Vec<_>>(), "arrival order decides");
    let references: std::collections::HashSet<&str> =
        acknowledged.iter().map(|b| b["reference"].as_str().unwrap()).collect();
    assert!(stored.iter().all(|r| references.contains(r.reference.as_str())));
    let course = store::programmes::current(&app.running.db).await.unwrap().unwrap().courses[0].clone();
    assert_eq!(course.places_taken, CAPACITY);
    assert_eq!(course.waitlisted, SUBMISSIONS - CAPACITY);
    let outbox = store::outbox::recent(&app.running.db, 1000).await.unwrap();
    assert_eq!(outbox.len(), SUBMISSIONS as usize, "one acknowledgement each");
    app.stop().await;
}

/// The same company submitting many times at once (a double-clicked button, a retrying
/// client) gets exactly one application; every other attempt is told it is a duplicate, even
/// when the attempts are committed in one group.
async fn one_company_many_attempts_at_once(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let url = app.at("/api/v1/applications");
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            barrier.wait().await;
            client.post(url).json(&application(7, "utm")).send().await.expect("request").status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [vec![201], vec![409; 19]].concat());
    let stored = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert_eq!(stored.len(), 1);
    let course = store::programmes::current(&app.running.db).await.unwrap().unwrap().courses[0].clone();
    assert_eq!(course.places_taken, 1, "a refused duplicate holds no place");
    app.stop().await;
}

/// Two Kojo processes on one database (modelled as a second server with its own connection
/// pool and submission writer): the same companies apply through both at once, to different
/// courses, so the two writers lock different course rows and race to the unique index. Each
/// company ends with exactly one application and the loser is told it is a duplicate; a group
/// that fails on the index is retried one by one without losing the others.
async fn two_processes_race_for_the_same_companies(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let second_db = kojo::setup::open_database(&app.config).await.unwrap();
    let calendar = kojo::setup::calendar(&second_db).await.unwrap();
    let state = web::AppState::new(second_db.clone(), app.config.web_config(), calendar, app::Clock::system());
    let server = web::Server::bind("127.0.0.1:0", state).await.unwrap();
    let second_url = format!("http://{}", server.local_addr().unwrap());
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let second = tokio::spawn(server.run(async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    }));

    const COMPANIES: u32 = 40;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2 * COMPANIES as usize));
    let mut tasks = Vec::new();
    for n in 1..=COMPANIES {
        for (base, course) in [(app.url.clone(), "utm"), (second_url.clone(), "risk_assessment")] {
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                barrier.wait().await;
                let response = client
                    .post(format!("{base}/api/v1/applications"))
                    .json(&application(n, course))
                    .send()
                    .await
                    .expect("request");
                (n, response.status().as_u16())
            }));
        }
    }
    let mut outcomes = std::collections::BTreeMap::<u32, Vec<u16>>::new();
    for task in tasks {
        let (n, status) = task.await.unwrap();
        outcomes.entry(n).or_default().push(status);
    }
    for (n, mut statuses) in outcomes {
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "company {n}: one application, one duplicate");
    }
    let stored = store::applications::list_all(&app.running.db, &Default::default()).await.unwrap();
    assert_eq!(stored.len(), COMPANIES as usize);
    let programme = store::programmes::current(&app.running.db).await.unwrap().unwrap();
    let held: u32 = programme.courses.iter().map(|c| c.places_taken).sum();
    assert_eq!(held, COMPANIES, "the course counters agree with the rows");

    let _ = stop.send(true);
    second.await.unwrap().unwrap();
    second_db.close().await.unwrap();
    app.stop().await;
}

on_both_backends!(one_company_many_attempts_at_once, two_processes_race_for_the_same_companies);

/// Several `kojo serve` started together on one empty PostgreSQL database (a cluster's first
/// start, or every process restarted after an upgrade with migrations): each waits its turn to
/// migrate and to make the first programme and administrator, so all start, and there is one
/// programme year and one administrator.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_starting_together_on_an_empty_database_all_start() {
    let admin = common::postgres_admin_url();
    let name = format!("kojo_together_{}_{}", std::process::id(), chrono::Utc::now().timestamp_subsec_nanos());
    let url = store::scratch::create_postgres_database(&admin, &name)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is required for this test: {e}"));
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let starts = dirs.iter().map(|dir| {
        let mut config = kojo::Config::for_data_dir(dir.path());
        config.database_url = Some(url.clone());
        config.worker = false;
        async move { kojo::start(&config).await }
    });
    let started = futures::future::join_all(starts).await;
    let mut running = Vec::new();
    for result in started {
        running.push(result.unwrap_or_else(|error| panic!("a process did not start: {error:#}")));
    }
    let db = running[0].db.clone();
    assert_eq!(store::programmes::list(&db).await.unwrap().len(), 1, "one first programme year");
    assert_eq!(store::accounts::count_users(&db).await.unwrap(), 1, "one first administrator");
    assert_eq!(db.pending_migrations().await.unwrap(), 0);
    for process in running {
        process.stop().await.unwrap();
    }
    db.close().await.ok();
    store::scratch::drop_postgres_database(&admin, &name).await.ok();
}

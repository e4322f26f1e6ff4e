//! First come, first served under burst: 200 simultaneous submissions against a course of
//! capacity 50 give exactly 50 places and 150 waitlisted in arrival order, none lost — on
//! SQLite and on PostgreSQL.

mod common;

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

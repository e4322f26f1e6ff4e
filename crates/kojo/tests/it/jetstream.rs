//! UTM syslog through NATS JetStream (a real server: `KOJO_TEST_NATS_URL`, default
//! nats://127.0.0.1:4222): the listener publishes instead of writing; consumers store what was
//! sent exactly once — after a redelivery of everything, after `kill -9` mid-stream, and with
//! two consumers sharing the work.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::common::Backend;
use crate::listener::{Expected, ListenerApp, drop_database};

/// The test server's URL; a test fails at once, naming it, when it is unreachable.
fn nats_url() -> String {
    let url = std::env::var("KOJO_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let address = url.trim_start_matches("nats://");
    if std::net::TcpStream::connect(address).is_err() {
        panic!("NATS with JetStream is required for this test and unreachable at {url} (KOJO_TEST_NATS_URL)");
    }
    url
}

/// A stream and subject of this test's own, so that tests never see each other's messages.
fn unique(prefix: &str) -> (String, String) {
    let id = format!("{}_{}", std::process::id(), chrono::Utc::now().timestamp_subsec_nanos());
    (format!("{prefix}_{id}"), format!("kojo.test{}", id.replace('_', "x")))
}

fn day(year: i32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap()
}

async fn delete_stream(name: &str) {
    let client = async_nats::connect(nats_url()).await.unwrap();
    let _ = async_nats::jetstream::new(client).delete_stream(name).await;
}

/// Starts a listener publishing to a fresh stream, sends `expected` over TCP (newline framing)
/// from 127.0.0.1, and waits until the stream has acknowledged every line.
async fn publish(backend: Backend, serial: &str, expected: &Expected) -> (ListenerApp, uuid::Uuid, String) {
    let (stream, subject) = unique("KOJO_T");
    let nats = nats_url();
    let app = ListenerApp::start_configured(backend, |config| {
        config.syslog_tcp = Some("127.0.0.1:0".into());
        config.nats_url = Some(nats.clone());
        config.nats_stream = stream.clone();
        config.nats_subject = subject.clone();
        config.listener_id = "test-listener".into();
    })
    .await;
    let device = app.register(1, serial, Some("127.0.0.1")).await;
    let target = app.running.syslog_tcp_addr().expect("TCP listener");
    let mut connection = TcpStream::connect(target).await.unwrap();
    let bytes: String = expected.lines.iter().map(|line| format!("<189>{line}\n")).collect();
    connection.write_all(bytes.as_bytes()).await.unwrap();
    connection.shutdown().await.unwrap();
    let stats = app.running.syslog_stats().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while stats.snapshot().published < expected.lines.len() as u64 {
        assert!(Instant::now() < deadline, "not all published: {:?}", stats.snapshot());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let snapshot = stats.snapshot();
    assert_eq!(
        (snapshot.received, snapshot.published, snapshot.stored),
        (expected.lines.len() as u64, expected.lines.len() as u64, 0)
    );
    // The listener itself wrote nothing: its consumers will.
    assert!(store::logs::threat_counts(&app.running.db, device, day(2000), day(2100)).await.unwrap().is_empty());
    (app, device, stream)
}

async fn through_jetstream_every_line_is_stored_once(backend: Backend) {
    let serial = "FGT60FTK0000401";
    let expected = Expected::mix(serial, 3_000, 4);
    let (app, device, stream) = publish(backend, serial, &expected).await;
    let settings = kojo::listener::stream::StreamSettings::from_config(&app.config).unwrap().expect("NATS configured");
    let listener = kojo::listener::Settings::configured(&app.config, None, None).unwrap();
    let services = app.running.services.clone();
    let (_stop, never) = tokio::sync::watch::channel(false);
    let metrics = kojo::telemetry::recorder();
    let (first, stats) =
        kojo::listener::stream::consume(services.clone(), settings.clone(), listener.clone(), never.clone(), true)
            .await
            .expect("consumed");
    assert!(first.applied > 0 && first.skipped == 0 && first.malformed == 0, "{first:?}");
    assert_eq!(stats.snapshot().stored, 3_000);
    expected.assert_stored(&app.running.db, device, "after the first consumer").await;
    assert_eq!(store::stream::count(&app.running.db, &stream).await.unwrap(), first.applied);
    let text = metrics.render();
    assert!(text.contains(r#"kojo_jetstream_messages_total{outcome="applied"}"#), "{text}");
    assert!(text.contains("kojo_jetstream_pending_messages "), "the consumer's lag");

    // Everything delivered again (a new durable consumer starts at the stream's beginning, as a
    // redelivery after a lost acknowledgement would): nothing counted twice.
    let again = kojo::listener::stream::StreamSettings { consumer: "again".into(), ..settings };
    let (second, _) = kojo::listener::stream::consume(services, again, listener, never, true).await.unwrap();
    assert_eq!((second.applied, second.skipped), (0, first.applied), "{second:?}");
    expected.assert_stored(&app.running.db, device, "after every message came again").await;

    let (db, stopped) = app.stop().await;
    drop_database(db, stopped).await;
    delete_stream(&stream).await;
}

on_both_backends!(through_jetstream_every_line_is_stored_once);

/// `kojo utm consume` processes on PostgreSQL: one killed with SIGKILL after its first commits,
/// then two sharing the rest; the stored counts equal exactly what was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn consumers_killed_mid_stream_or_sharing_the_work_store_exactly_what_was_sent() {
    let serial = "FGT60FTK0000402";
    let expected = Expected::mix(serial, 20_000, 7);
    let (app, device, stream) = publish(Backend::Postgres, serial, &expected).await;
    let kojo = env!("CARGO_BIN_EXE_kojo");
    let data = tempfile::tempdir().unwrap();
    let consumer = |until_idle: bool| {
        let mut command = Command::new(kojo);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("KOJO_DATA_DIR", data.path())
            .env("KOJO_DATABASE_URL", app.config.database_url())
            .env("KOJO_NATS_URL", nats_url())
            .env("KOJO_NATS_STREAM", &app.config.nats_stream)
            .env("KOJO_NATS_SUBJECT", &app.config.nats_subject)
            .env("KOJO_NATS_BATCH", "1")
            // What the killed consumer held comes back to the others after this.
            .env("KOJO_NATS_ACK_WAIT_SECONDS", "2")
            .env("KOJO_LOG", "warn")
            .args(["utm", "consume"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if until_idle {
            command.arg("--until-idle");
        }
        command.spawn().expect("kojo utm consume starts")
    };
    let db = app.running.db.clone();
    let stream_messages = {
        let client = async_nats::connect(nats_url()).await.unwrap();
        let mut handle = async_nats::jetstream::new(client).get_stream(&stream).await.unwrap();
        handle.info().await.unwrap().state.messages
    };
    assert!(stream_messages >= 20, "enough stream messages to stop halfway: {stream_messages}");

    // One consumer, killed with SIGKILL once it has committed some but not all.
    let mut first = consumer(false);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let applied = store::stream::count(&db, &stream).await.unwrap();
        if applied >= 3 {
            assert!(applied < stream_messages, "killed before the end ({applied} of {stream_messages})");
            break;
        }
        assert!(Instant::now() < deadline, "the consumer commits nothing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let after_kill = store::stream::count(&db, &stream).await.unwrap();

    // Two consumers share what is left (and whatever the killed one had not acknowledged).
    let (a, b) = (consumer(true), consumer(true));
    for child in [a, b] {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    assert_eq!(store::stream::count(&db, &stream).await.unwrap(), stream_messages, "every stream message applied once");
    assert!(after_kill < stream_messages);
    expected.assert_stored(&db, device, "after a SIGKILL and two consumers").await;

    let (db, stopped) = app.stop().await;
    drop_database(db, stopped).await;
    delete_stream(&stream).await;
}

#[tokio::test]
async fn chunks_published_by_others_are_skipped_and_counted() {
    // A message on the stream's subjects that is not a Kojo chunk is acknowledged, counted as
    // malformed and changes nothing.
    let (stream, subject) = unique("KOJO_M");
    let app = ListenerApp::start_configured(Backend::Sqlite, |config| {
        config.nats_url = Some(nats_url());
        config.nats_stream = stream.clone();
        config.nats_subject = subject.clone();
    })
    .await;
    let settings = kojo::listener::stream::StreamSettings::from_config(&app.config).unwrap().unwrap();
    let (context, _) = kojo::listener::stream::open_stream(&settings).await.unwrap();
    context.publish(format!("{subject}.someone"), "hello".into()).await.unwrap().await.unwrap();
    let listener = kojo::listener::Settings::configured(&app.config, None, None).unwrap();
    let (_stop, never) = tokio::sync::watch::channel(false);
    let (consumed, _) =
        kojo::listener::stream::consume(app.running.services.clone(), settings, listener, never, true).await.unwrap();
    assert_eq!((consumed.applied, consumed.malformed), (0, 1));
    let (db, stopped) = app.stop().await;
    drop_database(db, stopped).await;
    delete_stream(&stream).await;
}

/// A chunk as the listener publishes it (`KJS1`, then per line: `4`, the IPv4 sender, the
/// length as u32 little-endian, the bytes), written out here so the test checks the format too.
fn chunk_from(sender: [u8; 4], lines: &[String]) -> bytes::Bytes {
    let mut out = b"KJS1".to_vec();
    for line in lines {
        let line = format!("<189>{line}");
        out.push(4);
        out.extend_from_slice(&sender);
        out.extend_from_slice(&(line.len() as u32).to_le_bytes());
        out.extend_from_slice(line.as_bytes());
    }
    out.into()
}

/// The stream made by the test (a short duplicate window, a retention of its own) and a Kojo
/// configured for it, with one device at 127.0.0.1.
async fn stream_and_app(backend: Backend, serial: &str, prefix: &str) -> (ListenerApp, uuid::Uuid, String, String) {
    let (stream, subject) = unique(prefix);
    let client = async_nats::connect(nats_url()).await.unwrap();
    async_nats::jetstream::new(client)
        .create_stream(async_nats::jetstream::stream::Config {
            name: stream.clone(),
            subjects: vec![format!("{subject}.>")],
            max_age: Duration::from_secs(3600),
            duplicate_window: Duration::from_millis(200),
            ..Default::default()
        })
        .await
        .unwrap();
    let nats = nats_url();
    let app = ListenerApp::start_configured(backend, |config| {
        config.nats_url = Some(nats.clone());
        config.nats_stream = stream.clone();
        config.nats_subject = subject.clone();
        config.nats_batch = 10;
    })
    .await;
    let device = app.register(1, serial, Some("127.0.0.1")).await;
    (app, device, stream, subject)
}

async fn publish_with_id(subject: &str, id: &str, payload: bytes::Bytes) {
    let client = async_nats::connect(nats_url()).await.unwrap();
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(async_nats::header::NATS_MESSAGE_ID, id);
    async_nats::jetstream::new(client)
        .publish_with_headers(format!("{subject}.test-listener"), headers, payload)
        .await
        .unwrap()
        .await
        .unwrap();
}

/// A listener that could not reach NATS for longer than the duplicate window publishes its
/// chunk again under the same id; the stream keeps both copies, the consumers apply it once.
async fn a_chunk_published_again_after_the_duplicate_window_counts_once(backend: Backend) {
    let serial = "FGT60FTK0000403";
    let (app, device, stream, subject) = stream_and_app(backend, serial, "KOJO_D").await;
    let expected = Expected::mix(serial, 40, 2);
    let payload = chunk_from([127, 0, 0, 1], &expected.lines);
    publish_with_id(&subject, "test-listener-run1-1", payload.clone()).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    publish_with_id(&subject, "test-listener-run1-1", payload).await;
    let client = async_nats::connect(nats_url()).await.unwrap();
    let mut handle = async_nats::jetstream::new(client).get_stream(&stream).await.unwrap();
    assert_eq!(handle.info().await.unwrap().state.messages, 2, "past the window the stream keeps both");

    let settings = kojo::listener::stream::StreamSettings::from_config(&app.config).unwrap().unwrap();
    let listener = kojo::listener::Settings::configured(&app.config, None, None).unwrap();
    let (_stop, never) = tokio::sync::watch::channel(false);
    let (consumed, _) =
        kojo::listener::stream::consume(app.running.services.clone(), settings, listener, never, true).await.unwrap();
    assert_eq!((consumed.applied, consumed.skipped), (1, 1), "{consumed:?}");
    expected.assert_stored(&app.running.db, device, "a chunk published twice").await;
    let (db, stopped) = app.stop().await;
    drop_database(db, stopped).await;
    delete_stream(&stream).await;
}

/// A message that fails on its own every time while the database answers (here: a trigger
/// refusing one signature) is set aside after five deliveries; the messages around it are
/// stored, and the stream is not blocked.
async fn a_message_that_always_fails_is_set_aside_and_the_rest_stored(backend: Backend) {
    let serial = "FGT60FTK0000404";
    let (app, device, stream, subject) = stream_and_app(backend, serial, "KOJO_P").await;
    let poison_sql = match backend {
        Backend::Sqlite => {
            "CREATE TRIGGER kojo_test_poison BEFORE INSERT ON threat_rollups \
             WHEN NEW.signature = 'Kojo.Poison.Test' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
        }
        Backend::Postgres => {
            "CREATE FUNCTION kojo_test_poison() RETURNS trigger AS $$ BEGIN \
             IF NEW.signature = 'Kojo.Poison.Test' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$ \
             LANGUAGE plpgsql; \
             CREATE TRIGGER kojo_test_poison BEFORE INSERT ON threat_rollups \
             FOR EACH ROW EXECUTE FUNCTION kojo_test_poison()"
        }
    };
    store::scratch::execute(&app.running.db, poison_sql).await.unwrap();
    let before = Expected::mix(serial, 30, 1);
    let after = Expected::mix(serial, 30, 4);
    let poison = crate::listener::line(serial, crate::listener::date(3), 5, "ips", 1)
        .replace("MS.SMB.Server.Trans.Peeking.Data.Information.Disclosure", "Kojo.Poison.Test");
    publish_with_id(&subject, "p-1", chunk_from([127, 0, 0, 1], &before.lines)).await;
    publish_with_id(&subject, "p-2", chunk_from([127, 0, 0, 1], &[poison])).await;
    publish_with_id(&subject, "p-3", chunk_from([127, 0, 0, 1], &after.lines)).await;

    let settings = kojo::listener::stream::StreamSettings::from_config(&app.config).unwrap().unwrap();
    let listener = kojo::listener::Settings::configured(&app.config, None, None).unwrap();
    let (_stop, never) = tokio::sync::watch::channel(false);
    let consuming = kojo::listener::stream::consume(app.running.services.clone(), settings, listener, never, true);
    let (consumed, _) = tokio::time::timeout(Duration::from_secs(60), consuming).await.expect("not blocked").unwrap();
    assert_eq!((consumed.applied, consumed.refused), (2, 1), "{consumed:?}");
    let mut both = Expected::default();
    for expected in [&before, &after] {
        for (key, count) in &expected.threats {
            *both.threats.entry(key.clone()).or_default() += count;
        }
        for (key, count) in &expected.traffic {
            *both.traffic.entry(*key).or_default() += count;
        }
    }
    both.assert_stored(&app.running.db, device, "around the poison message").await;
    assert_eq!(store::stream::count(&app.running.db, &stream).await.unwrap(), 2, "the poison message not applied");
    let (db, stopped) = app.stop().await;
    drop_database(db, stopped).await;
    delete_stream(&stream).await;
}

on_both_backends!(
    a_chunk_published_again_after_the_duplicate_window_counts_once,
    a_message_that_always_fails_is_set_aside_and_the_rest_stored,
);

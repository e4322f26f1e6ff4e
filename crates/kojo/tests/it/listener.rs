//! The syslog listener on loopback, on both backends: FortiGate lines over UDP and TCP (octet
//! counting and newline framing) mapped by serial and by sender address, unknown senders listed,
//! a removed device's lines ignored, and everything sent before a graceful stop stored.
//!
//! `syslog_udp_load` (ignored) is the benchmark behind docs/benchmarks.md, "Syslog":
//! `cargo test --release -p kojo --test it -- --ignored --nocapture listener::syslog_udp_load`.

use crate::common;

use std::collections::BTreeMap;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone};
use common::{Backend, Setup};
use kojo::{Config, Running};
use serde_json::Value;
use store::devices::{DeviceChange, NewDevice};
use store::logs::{UnknownMessages, UnknownReason};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use uuid::Uuid;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() { super::$name(Backend::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() { super::$name(Backend::Postgres).await }
        })*
    };
}

on_both_backends!(
    syslog_messages_are_mapped_counted_and_stored,
    a_device_s_logs_are_accepted_only_from_its_sender_address,
    unknown_senders_are_counted_per_sender_and_serial_within_a_cap,
    tcp_connections_and_their_buffers_are_capped,
    silent_tcp_connections_are_closed,
    both_units_of_an_ha_pair_count_on_their_device,
    lines_with_nul_bytes_are_stored_not_lost,
);

/// A NUL byte inside a message (a broken relay, a binary field) is kept out of the database's
/// text, which PostgreSQL refuses; the batch around it is stored, not lost.
async fn lines_with_nul_bytes_are_stored_not_lost(backend: Backend) {
    let app = ListenerApp::start(backend).await;
    let device = app.register(1, "FGT60FTK0000503", Some("127.0.0.1")).await;
    let tcp_target = app.running.syslog_tcp_addr().expect("TCP listener");
    let expected = Expected::mix("FGT60FTK0000503", 50, 3);
    let mut bytes: Vec<u8> = Vec::new();
    for line in &expected.lines {
        // An extra field holding a NUL: the parser ignores the field, the line counts as usual.
        bytes.extend_from_slice(format!("<189>{line} note=\"a\0b\"\n").as_bytes());
    }
    bytes.extend_from_slice(b"<13>not a log line \0 with a NUL\n");
    let mut stream = TcpStream::connect(tcp_target).await.unwrap();
    stream.write_all(&bytes).await.unwrap();
    stream.shutdown().await.unwrap();
    let stats = app.running.syslog_stats().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while stats.snapshot().received < 51 || stats.snapshot().pending() > 0 {
        assert!(Instant::now() < deadline, "{:?}", stats.snapshot());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (db, stopped) = app.stop().await;
    let snapshot = stats.snapshot();
    assert_eq!((snapshot.failed, snapshot.stored, snapshot.unparsed), (0, 50, 1), "{snapshot:?}");
    expected.assert_stored(&db, device, "lines with NUL bytes").await;
    drop_database(db, stopped).await;
}

/// A FortiGate HA pair logs under two serials from one address: the registered unit's lines
/// map by serial, the other unit's by sender, and both roll up on the one device — in one
/// batch, whose roll-up rows then meet the same key twice (PostgreSQL refused such an upsert
/// until the rows were merged before writing).
async fn both_units_of_an_ha_pair_count_on_their_device(backend: Backend) {
    let app = ListenerApp::start(backend).await;
    let device = app.register(1, "FGT60FTK0000501", Some("127.0.0.1")).await;
    let tcp_target = app.running.syslog_tcp_addr().expect("TCP listener");
    let primary = Expected::mix("FGT60FTK0000501", 200, 5);
    let secondary = Expected::mix("FGT60FTK0000502", 200, 5);
    let mut stream = TcpStream::connect(tcp_target).await.unwrap();
    let bytes: String =
        primary.lines.iter().zip(&secondary.lines).map(|(a, b)| format!("<189>{a}\n<189>{b}\n")).collect();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let stats = app.running.syslog_stats().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while stats.snapshot().received < 400 || stats.snapshot().pending() > 0 {
        assert!(Instant::now() < deadline, "{:?}", stats.snapshot());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (db, stopped) = app.stop().await;
    let mut both = Expected::default();
    for expected in [&primary, &secondary] {
        for (key, count) in &expected.threats {
            *both.threats.entry(key.clone()).or_default() += count;
        }
        for (key, count) in &expected.traffic {
            *both.traffic.entry(*key).or_default() += count;
        }
    }
    assert_eq!(stats.snapshot().failed, 0, "no batch lost");
    both.assert_stored(&db, device, "both units").await;
    drop_database(db, stopped).await;
}

/// Kojo with the listener on loopback. Unlike `common::TestApp` it stops in two steps, so the
/// database can be read after the graceful stop.
pub(crate) struct ListenerApp {
    pub(crate) running: Running,
    /// The configuration it started with (its database URL included).
    pub(crate) config: Config,
    client: reqwest::Client,
    _data_dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl ListenerApp {
    /// Starts with UDP and TCP listeners on loopback ports chosen by the system.
    async fn start(backend: Backend) -> ListenerApp {
        ListenerApp::start_with(backend, Some("127.0.0.1:0"), Some("127.0.0.1:0")).await
    }

    async fn start_with(backend: Backend, udp: Option<&str>, tcp: Option<&str>) -> ListenerApp {
        ListenerApp::start_configured(backend, |config| {
            config.syslog_udp = udp.map(str::to_string);
            config.syslog_tcp = tcp.map(str::to_string);
        })
        .await
    }

    pub(crate) async fn start_configured(backend: Backend, configure: impl FnOnce(&mut Config)) -> ListenerApp {
        let data_dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(data_dir.path());
        configure(&mut config);
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let admin = common::postgres_admin_url();
                let name =
                    format!("kojo_syslog_{}_{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap());
                let url = store::scratch::create_postgres_database(&admin, &name)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is required for this test: {e}"));
                config.database_url = Some(url);
                Some((admin, name))
            }
        };
        let running = kojo::start(&config).await.expect("kojo starts");
        let programme = kojo::setup::parse_programme(&common::programme_toml(Setup::default())).unwrap();
        store::programmes::import(&running.db, &programme, true, chrono::Utc::now()).await.unwrap();
        ListenerApp { running, config, client: reqwest::Client::new(), _data_dir: data_dir, postgres }
    }

    /// Registers a FortiGate for company `n` on course ①.
    pub(crate) async fn register(&self, n: u32, serial: &str, sender_address: Option<&str>) -> Uuid {
        let response = self
            .client
            .post(format!("{}/api/v1/applications", self.running.url()))
            .json(&common::application(n, "utm"))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        let reference = body["reference"].as_str().expect("an application reference");
        let db = &self.running.db;
        let application = store::applications::find_by_reference(db, reference).await.unwrap().unwrap();
        let device = NewDevice {
            application_id: application.id,
            vendor: "Fortinet",
            model: "FortiGate 60F",
            serial,
            sender_address,
        };
        store::devices::register(db, device, chrono::Utc::now()).await.unwrap()
    }

    /// Stops gracefully; returns the database, still open, and what `drop_database` needs to
    /// remove it (the data folder must outlive the database: a new SQLite connection opens the file).
    pub(crate) async fn stop(self) -> (store::Db, Stopped) {
        let db = self.running.db.clone();
        self.running.stop().await.expect("kojo stops");
        (db, Stopped { postgres: self.postgres, _data_dir: self._data_dir })
    }
}

/// What is left of a stopped app until its database is dropped.
pub(crate) struct Stopped {
    postgres: Option<(String, String)>,
    _data_dir: tempfile::TempDir,
}

pub(crate) async fn drop_database(db: store::Db, stopped: Stopped) {
    let postgres = stopped.postgres;
    db.close().await.ok();
    if let Some((admin, name)) = postgres {
        store::scratch::drop_postgres_database(&admin, &name).await.ok();
    }
}

pub(crate) fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

/// One FortiGate log line at `day` (JST) `hour`:00 (as in `devices.rs`).
pub(crate) fn line(serial: &str, day: NaiveDate, hour: u32, kind: &str, n: u32) -> String {
    let local = chrono::FixedOffset::east_opt(9 * 3600)
        .unwrap()
        .from_local_datetime(&day.and_hms_opt(hour, 0, n % 60).unwrap())
        .unwrap();
    let nanos = local.timestamp() * 1_000_000_000;
    let head = format!(
        "date={} time={} devname=\"FGT60F\" devid=\"{serial}\" eventtime={nanos} tz=\"+0900\"",
        day,
        local.format("%H:%M:%S")
    );
    match kind {
        "virus" => format!(
            "{head} logid=\"0211008192\" type=\"utm\" subtype=\"virus\" eventtype=\"infected\" level=\"warning\" srcip=198.51.100.7 srcport=80 dstip=192.168.1.{} dstport=51000 proto=6 service=\"HTTP\" action=\"blocked\" virus=\"EICAR_TEST_FILE\" url=\"http://malware.example/eicar.com\"",
            10 + n % 5
        ),
        "ips" => format!(
            "{head} logid=\"0419016384\" type=\"utm\" subtype=\"ips\" eventtype=\"signature\" level=\"alert\" severity=\"high\" srcip=203.0.113.{} srcport=4444 dstip=192.168.1.20 dstport=445 proto=6 service=\"SMB\" attack=\"MS.SMB.Server.Trans.Peeking.Data.Information.Disclosure\" action=\"detected\"",
            n % 200
        ),
        _ => format!(
            "{head} logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" srcip=192.168.1.{} srcport={} dstip=93.184.216.34 dstport=443 proto=6 action=\"close\" policyid=1 service=\"HTTPS\" sentbyte=1200 rcvdbyte=5400",
            10 + n % 5,
            40000 + n
        ),
    }
}

/// Lines for one device and what they should roll up to.
#[derive(Default)]
pub(crate) struct Expected {
    pub(crate) lines: Vec<String>,
    pub(crate) threats: BTreeMap<(NaiveDate, String, String), u64>,
    pub(crate) traffic: BTreeMap<NaiveDate, u64>,
}

impl Expected {
    fn add(&mut self, serial: &str, day: NaiveDate, kind: &str) {
        let n = self.lines.len() as u32;
        self.lines.push(line(serial, day, 1 + n % 22, kind, n));
        match kind {
            "virus" => *self.threats.entry((day, "malware".into(), "blocked".into())).or_default() += 1,
            "ips" => *self.threats.entry((day, "intrusion".into(), "detected".into())).or_default() += 1,
            _ => *self.traffic.entry(day).or_default() += 1,
        }
    }

    /// A mix over a few days, different for every seed.
    pub(crate) fn mix(serial: &str, count: u32, seed: u32) -> Expected {
        let mut expected = Expected::default();
        for n in 0..count {
            let kind = ["virus", "ips", "traffic", "traffic", "ips"][((n + seed) % 5) as usize];
            expected.add(serial, date(1 + (n * 7 + seed) % 5), kind);
        }
        expected
    }

    pub(crate) async fn assert_stored(&self, db: &store::Db, device: Uuid, what: &str) {
        let mut threats = BTreeMap::new();
        for row in store::logs::threat_counts(db, device, date(1), date(30)).await.unwrap() {
            *threats.entry((row.day, row.category, row.action)).or_default() += row.count;
        }
        let mut traffic = BTreeMap::new();
        for row in store::logs::traffic_counts(db, device, date(1), date(30)).await.unwrap() {
            *traffic.entry(row.day).or_default() += row.count;
        }
        assert_eq!(threats, self.threats, "{what}: threat roll-ups equal the lines sent");
        assert_eq!(traffic, self.traffic, "{what}: traffic roll-ups equal the lines sent");
    }
}

fn octet_counted(message: &str) -> String {
    format!("{} {message}", message.len())
}

/// Syslog over TLS (RFC 5425): a sender that trusts Kojo's certificate delivers octet-counted
/// messages that land on its device; a sender speaking plain TCP to the TLS port delivers
/// nothing (its handshake fails) and the listener keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn syslog_over_tls_is_received_and_plain_text_is_refused() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let pem_dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (pem_dir.path().join("syslog.crt"), pem_dir.path().join("syslog.key"));
    std::fs::write(&cert_path, certified.cert.pem()).unwrap();
    std::fs::write(&key_path, certified.key_pair.serialize_pem()).unwrap();
    let app = ListenerApp::start_configured(Backend::Sqlite, |config| {
        config.syslog_tls = Some("127.0.0.1:0".into());
        config.syslog_tls_cert = Some(cert_path.clone());
        config.syslog_tls_key = Some(key_path.clone());
    })
    .await;
    let device = app.register(1, "FGT60FTK0000201", Some("127.0.0.1")).await;
    let target = app.running.syslog_tls_addr().expect("TLS listener");
    assert!(app.running.syslog_tcp_addr().is_none() && app.running.syslog_udp_addr().is_none());

    // Plain text to the TLS port: refused at the handshake, nothing counted.
    let mut plain = TcpStream::connect(target).await.unwrap();
    let stray = Expected::mix("FGT60FTK0000201", 5, 9);
    let bytes: String = stray.lines.iter().map(|m| octet_counted(&format!("<189>{m}"))).collect();
    let _ = plain.write_all(bytes.as_bytes()).await;
    let _ = plain.shutdown().await;

    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let client =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client));
    let expected = Expected::mix("FGT60FTK0000201", 400, 6);
    for part in expected.lines.chunks(200) {
        let stream = TcpStream::connect(target).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, stream).await.expect("TLS handshake with Kojo's certificate");
        let bytes: String = part.iter().map(|m| octet_counted(&format!("<189>{m}"))).collect();
        for piece in bytes.as_bytes().chunks(1500) {
            tls.write_all(piece).await.unwrap();
        }
        tls.shutdown().await.unwrap();
    }

    let stats = app.running.syslog_stats().expect("listener stats");
    // The connections are closed on our side; let the listener read what is still in flight
    // before stopping it (on a loaded machine TLS reads can trail the client's close).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while stats.snapshot().received < 400 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (db, stopped) = app.stop().await;
    expected.assert_stored(&db, device, "over TLS").await;
    let counts = stats.snapshot();
    assert_eq!((counts.received, counts.stored), (400, 400), "the plain-text bytes were never read as messages");
    let listeners = store::logs::listener_statuses(&db).await.unwrap();
    assert!(listeners[0].name.starts_with("tls 127.0.0.1:"), "{}", listeners[0].name);
    drop_database(db, stopped).await;
}

/// A TLS address without its certificate is refused at start, not served as plain text.
#[tokio::test]
async fn a_tls_address_without_a_certificate_is_refused() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(data_dir.path());
    config.syslog_tls = Some("127.0.0.1:0".into());
    let error = kojo::start(&config).await.err().expect("start refuses");
    assert!(format!("{error:#}").contains("KOJO_SYSLOG_TLS_CERT"), "{error:#}");
}

/// A TCP connection to `target` from the loopback address `local` (127.0.0.0/8 is all loopback,
/// so a test can play several senders).
async fn connect_from(local: &str, target: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    socket.connect(target).await.unwrap()
}

async fn syslog_messages_are_mapped_counted_and_stored(backend: Backend) {
    let app = ListenerApp::start(backend).await;
    // Its lines carry its serial and come from its registered address, 127.0.0.3.
    let by_serial = app.register(1, "FGT60FTK0000101", Some("127.0.0.3")).await;
    let by_sender = app.register(2, "FGT60FTK0000102", Some("127.0.0.1")).await;
    let removed = app.register(3, "FGT60FTK0000103", None).await;
    let db = app.running.db.clone();
    let survey = DeviceChange::Survey { result: domain::device::SurveyResult::Installable, notes: None };
    store::devices::change(&db, removed, survey, chrono::Utc::now()).await.unwrap();
    store::devices::change(&db, removed, DeviceChange::Installed(date(1)), chrono::Utc::now()).await.unwrap();
    store::devices::change(&db, removed, DeviceChange::Removed(date(2)), chrono::Utc::now()).await.unwrap();
    let udp_target = app.running.syslog_udp_addr().expect("UDP listener");
    let tcp_target = app.running.syslog_tcp_addr().expect("TCP listener");

    // The serial-mapped device over UDP: one line per datagram (with and without <PRI>), and
    // datagrams holding several lines.
    let serial_udp = Expected::mix("FGT60FTK0000101", 300, 1);
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let serial_sender = UdpSocket::bind("127.0.0.3:0").unwrap();
    for (n, message) in serial_udp.lines[..240].iter().enumerate() {
        let datagram = if n % 2 == 0 { format!("<189>{message}") } else { message.clone() };
        serial_sender.send_to(datagram.as_bytes(), udp_target).unwrap();
    }
    for group in serial_udp.lines[240..].chunks(6) {
        serial_sender.send_to(group.join("\n").as_bytes(), udp_target).unwrap();
    }

    // The same device over TCP: two octet-counted connections and a newline-framed one, written
    // in pieces that cut through frames. The newline connection stays open through the stop.
    let serial_tcp = Expected::mix("FGT60FTK0000101", 900, 2);
    let mut octet_streams = Vec::new();
    for part in serial_tcp.lines[..600].chunks(300) {
        let mut stream = connect_from("127.0.0.3", tcp_target).await;
        let bytes: String = part.iter().map(|m| octet_counted(&format!("<189>{m}"))).collect();
        for piece in bytes.as_bytes().chunks(1000) {
            stream.write_all(piece).await.unwrap();
        }
        octet_streams.push(stream);
    }
    let mut newline_stream = connect_from("127.0.0.3", tcp_target).await;
    let bytes: String = serial_tcp.lines[600..].iter().map(|m| format!("<189>{m}\n")).collect();
    for piece in bytes.as_bytes().chunks(777) {
        newline_stream.write_all(piece).await.unwrap();
    }
    for mut stream in octet_streams {
        stream.shutdown().await.unwrap();
    }

    // A serial no device has, from the registered sender address: mapped by sender. A line no
    // parser understands from that sender is kept as unparsed for the same device.
    let sender_lines = Expected::mix("FGT60FTK9999998", 50, 3);
    for message in &sender_lines.lines {
        udp.send_to(message.as_bytes(), udp_target).unwrap();
    }
    udp.send_to(b"<13>this line is not a log", udp_target).unwrap();

    // An unknown serial from an address no device has (127.0.0.2 is loopback too): counted and
    // listed for staff. Lines of the removed device: ignored.
    let stranger = UdpSocket::bind("127.0.0.2:0").unwrap();
    for message in &Expected::mix("FGT60FTK9999999", 40, 4).lines {
        stranger.send_to(message.as_bytes(), udp_target).unwrap();
    }
    for message in &Expected::mix("FGT60FTK0000103", 25, 5).lines {
        udp.send_to(message.as_bytes(), udp_target).unwrap();
    }

    let stats = app.running.syslog_stats().expect("listener stats");
    let (db, stopped) = app.stop().await;
    drop(newline_stream);

    serial_udp.merged(&serial_tcp).assert_stored(&db, by_serial, "serial over UDP and TCP").await;
    sender_lines.assert_stored(&db, by_sender, "mapped by sender").await;
    let unparsed = store::logs::unparsed(&db, by_sender).await.unwrap();
    assert_eq!(unparsed.len(), 1, "the unparsed line is kept for the sender's device");
    assert!(store::logs::threat_counts(&db, removed, date(1), date(30)).await.unwrap().is_empty());
    assert!(store::logs::traffic_counts(&db, removed, date(1), date(30)).await.unwrap().is_empty());

    let unknown = store::logs::unknown_senders(&db).await.unwrap();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!((unknown[0].sender.as_str(), unknown[0].serial.as_deref()), ("127.0.0.2", Some("FGT60FTK9999999")));
    assert_eq!(unknown[0].reason, UnknownReason::NoDevice);
    assert_eq!(unknown[0].messages, 40);
    assert!(unknown[0].sample.contains("devid=\"FGT60FTK9999999\""));
    // Later reports add to the count.
    let later = UnknownMessages {
        sender: "127.0.0.2",
        serial: Some("FGT60FTK9999999"),
        reason: UnknownReason::NoDevice,
        sample: "later",
        messages: 2,
    };
    store::logs::note_unknown_messages(&db, later, chrono::Utc::now()).await.unwrap();
    assert_eq!(store::logs::unknown_senders(&db).await.unwrap()[0].messages, 42);

    let counts = stats.snapshot();
    assert_eq!(counts.received, 300 + 900 + 50 + 1 + 40 + 25);
    assert_eq!(counts.stored, 300 + 900 + 50);
    assert_eq!(counts.unparsed, 1);
    assert_eq!(counts.unknown, 40);
    assert_eq!(counts.removed_device, 25);
    assert_eq!((counts.dropped, counts.failed, counts.pending()), (0, 0, 0));
    // Per vendor: the lines of registered devices, as parsed (the removed device's are not counted).
    let vendors = stats.vendor_counts();
    let count = |vendor: &str| vendors.vendors.iter().find(|v| v.vendor == vendor).cloned().unwrap_or_default();
    assert_eq!((count("fortigate").events, count("fortigate").unparsed), (300 + 900 + 50, 0), "{vendors:?}");
    assert_eq!(count("unknown").unparsed, 1, "{vendors:?}");

    // The same counters are in the database for the office's devices page, marked stopped.
    let listeners = store::logs::listener_statuses(&db).await.unwrap();
    assert_eq!(listeners.len(), 1, "{listeners:?}");
    let status = &listeners[0];
    assert!(!status.running);
    assert!(status.name.starts_with("udp 127.0.0.1:") && status.name.contains(", tcp 127.0.0.1:"), "{}", status.name);
    let written = (status.received, status.stored, status.unparsed, status.unknown, status.removed_device);
    assert_eq!(written, (counts.received, counts.stored, 1, 40, 25));
    assert_eq!(status.vendors, vendors, "the per-vendor counts are in the status row too");
    drop_database(db, stopped).await;
}

impl Expected {
    fn merged(&self, other: &Expected) -> Expected {
        let mut merged = Expected { lines: Vec::new(), threats: self.threats.clone(), traffic: self.traffic.clone() };
        for (key, count) in &other.threats {
            *merged.threats.entry(key.clone()).or_default() += count;
        }
        for (day, count) in &other.traffic {
            *merged.traffic.entry(*day).or_default() += count;
        }
        merged
    }
}

/// Sends generated FortiGate logs over UDP at increasing rates and prints, for each, what was
/// received, dropped and stored. Rates and count: `KOJO_SYSLOG_RATES` (messages per second,
/// comma-separated), `KOJO_SYSLOG_COUNT` (messages per rate). SQLite, one process: the sender
/// shares the machine's cores with Kojo.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
async fn syslog_udp_load() {
    let rates: Vec<u64> = std::env::var("KOJO_SYSLOG_RATES")
        .unwrap_or_else(|_| "25000,50000,100000,150000,200000".into())
        .split(',')
        .map(|rate| rate.trim().parse().expect("a rate"))
        .collect();
    let count: u64 = std::env::var("KOJO_SYSLOG_COUNT").map_or(500_000, |count| count.parse().expect("a count"));
    let app = ListenerApp::start_with(Backend::Sqlite, Some("127.0.0.1:0"), None).await;
    // The generator's serials are registered nowhere: every line is mapped by its sender.
    let device = app.register(1, "FGT60FTK0000001", Some("127.0.0.1")).await;
    let target: SocketAddr = app.running.syslog_udp_addr().unwrap();
    let stats = app.running.syslog_stats().unwrap();
    let mut generator = utm::generate::Generator::new(7);
    let mut threats_sent = 0u64;

    println!(
        "| target msg/s | sent | sent msg/s | received | lost | kernel drops | received msg/s | all written s after | CPU µs/msg (both sides) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for rate in rates {
        let before = stats.snapshot();
        let cpu_before = process_cpu_seconds();
        let started = Instant::now();
        let (report, threats) = tokio::task::spawn_blocking({
            let mut generator = generator.clone();
            move || {
                let mut threats = 0u64;
                let report = kojo::listener::send_udp_load(target, count, rate, |out| {
                    let intent = generator.next_line(out);
                    threats += u64::from(intent.kind == utm::Kind::Threat);
                })
                .unwrap();
                (report, threats)
            }
        })
        .await
        .unwrap();
        // Advance the shared generator past the lines just sent, so every run sends new lines.
        let mut scratch = Vec::new();
        for _ in 0..report.sent {
            scratch.clear();
            generator.next_line(&mut scratch);
        }
        threats_sent += threats;
        // Wait until everything that arrived is written, or nothing has moved for two seconds
        // (messages were lost). The rate is over the time until the last message was read.
        let sent_at = Instant::now();
        let (mut last, mut last_received, mut last_change) = (stats.snapshot(), Instant::now(), Instant::now());
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let now = stats.snapshot();
            if now.received != last.received {
                last_received = Instant::now();
            }
            if (now.received, now.stored, now.unparsed) != (last.received, last.stored, last.unparsed) {
                (last, last_change) = (now, Instant::now());
            }
            let all_written = now.received - before.received == report.sent && now.pending() == 0;
            if all_written || last_change.elapsed() > Duration::from_secs(2) {
                break;
            }
        }
        let after = stats.snapshot();
        let received = after.received - before.received;
        let cpu = process_cpu_seconds() - cpu_before;
        println!(
            "| {rate} | {} | {:.0} | {received} | {} | {} | {:.0} | {:.2} | {:.1} |",
            report.sent,
            report.sent as f64 / report.seconds,
            report.sent - received,
            after.udp_kernel_drops.unwrap_or(0) - before.udp_kernel_drops.unwrap_or(0),
            received as f64 / (last_received.max(sent_at) - started).as_secs_f64(),
            (last_change.max(sent_at) - sent_at).as_secs_f64(),
            cpu / report.sent as f64 * 1e6,
        );
    }
    let (db, stopped) = app.stop().await;
    let (from, to) = (NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2100, 1, 1).unwrap());
    let threats_stored: u64 =
        store::logs::threat_counts(&db, device, from, to).await.unwrap().iter().map(|row| row.count).sum();
    println!("threats sent {threats_sent}, in the roll-ups {threats_stored}; {:?}", stats.snapshot());
    drop_database(db, stopped).await;
}

/// User + system CPU time of this process (sender and listener together), from /proc.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |t| t.iter().filter_map(|v| v.parse::<f64>().ok()).sum());
    ticks / 100.0
}

/// Waits (polling, at most 30 s) until `done` holds; panics naming `what` otherwise.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Issue 18, row 3: a line naming a registered serial lands on that device only when it comes
/// from the device's registered address. From any other address, or while the device has no
/// address recorded, it is listed as an unknown sender with the reason and counted.
async fn a_device_s_logs_are_accepted_only_from_its_sender_address(backend: Backend) {
    let app = ListenerApp::start(backend).await;
    let bound = app.register(1, "FGT60FTK0000301", Some("127.0.0.1")).await;
    let unbound = app.register(2, "FGT60FTK0000302", None).await;
    let udp_target = app.running.syslog_udp_addr().unwrap();
    let tcp_target = app.running.syslog_tcp_addr().unwrap();

    // From the registered address: stored.
    let genuine = Expected::mix("FGT60FTK0000301", 60, 1);
    let own = UdpSocket::bind("127.0.0.1:0").unwrap();
    for message in &genuine.lines {
        own.send_to(message.as_bytes(), udp_target).unwrap();
    }
    // Someone else who knows the serial, over UDP and TCP: refused.
    let forged = Expected::mix("FGT60FTK0000301", 40, 2);
    let intruder = UdpSocket::bind("127.0.0.2:0").unwrap();
    for message in &forged.lines[..20] {
        intruder.send_to(message.as_bytes(), udp_target).unwrap();
    }
    let mut stream = connect_from("127.0.0.2", tcp_target).await;
    let bytes: String = forged.lines[20..].iter().map(|m| format!("<189>{m}\n")).collect();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    // A device without a recorded address: its lines wait in the unknown senders list.
    let waiting = Expected::mix("FGT60FTK0000302", 15, 3);
    for message in &waiting.lines {
        own.send_to(message.as_bytes(), udp_target).unwrap();
    }

    let stats = app.running.syslog_stats().unwrap();
    let (db, stopped) = app.stop().await;
    genuine.assert_stored(&db, bound, "from the registered address").await;
    assert!(store::logs::threat_counts(&db, unbound, date(1), date(30)).await.unwrap().is_empty());
    assert!(store::logs::traffic_counts(&db, unbound, date(1), date(30)).await.unwrap().is_empty());
    let mut unknown: Vec<_> = store::logs::unknown_senders(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.sender, u.serial.unwrap_or_default(), u.reason, u.messages))
        .collect();
    unknown.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(
        unknown,
        [
            ("127.0.0.1".to_string(), "FGT60FTK0000302".to_string(), UnknownReason::NoSenderAddress, 15),
            ("127.0.0.2".to_string(), "FGT60FTK0000301".to_string(), UnknownReason::SenderMismatch, 40),
        ]
    );
    let counts = stats.snapshot();
    assert_eq!((counts.stored, counts.unknown, counts.refused_sender), (60, 55, 55));
    assert_eq!((counts.dropped, counts.failed, counts.pending()), (0, 0, 0));
    let status = &store::logs::listener_statuses(&db).await.unwrap()[0];
    assert_eq!((status.unknown, status.refused_sender), (55, 55));
    drop_database(db, stopped).await;
}

/// Issue 18, row 6: 1,500 lines with as many invented serials make at most
/// `UNKNOWN_SENDERS_KEPT` rows plus one overflow row, every message counted; the devices page
/// shows them a page at a time.
async fn unknown_senders_are_counted_per_sender_and_serial_within_a_cap(backend: Backend) {
    let app = ListenerApp::start(backend).await;
    let tcp_target = app.running.syslog_tcp_addr().unwrap();
    let sent = 1_500u64;
    let mut stream = connect_from("127.0.0.2", tcp_target).await;
    let bytes: String =
        (0..sent).map(|n| format!("<189>{}\n", line(&format!("FAKE{n:06}"), date(3), 5, "ips", 1))).collect();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    // The same sender and serial again: one row, counted twice.
    let mut again = connect_from("127.0.0.2", tcp_target).await;
    again.write_all(format!("<189>{}\n", line("FAKE000000", date(3), 6, "ips", 2)).as_bytes()).await.unwrap();
    again.shutdown().await.unwrap();

    let stats = app.running.syslog_stats().unwrap();
    let db = app.running.db.clone();
    let kept = store::logs::UNKNOWN_SENDERS_KEPT;
    eventually("every unknown message is written", || {
        let db = db.clone();
        async move {
            let page = store::logs::unknown_senders_page(&db, 0, 1).await.unwrap();
            let listed: u64 = store::logs::unknown_senders(&db).await.unwrap().iter().map(|u| u.messages).sum::<u64>();
            listed + page.overflow.map_or(0, |o| o.messages) == sent + 1
        }
    })
    .await;
    let page = store::logs::unknown_senders_page(&db, 0, 50).await.unwrap();
    assert_eq!(page.total, kept, "the list is capped");
    assert_eq!(page.senders.len(), 50);
    let overflow = page.overflow.expect("an overflow row");
    assert_eq!(overflow.reason, UnknownReason::Overflow);
    assert_eq!(overflow.messages, sent - kept);
    let first = store::logs::unknown_senders(&db).await.unwrap();
    let twice = first.iter().find(|u| u.serial.as_deref() == Some("FAKE000000")).expect("the repeated pair");
    assert_eq!(twice.messages, 2);

    // The office page shows 50 at a time, with the overflow and a pager.
    let staff =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    common::sign_in(&app.running, &staff, "operator@example.jp", domain::access::Role::UtmOperator).await;
    let url = format!("{}/office/devices?unknown_page=2", app.running.url());
    let html = staff.get(url).send().await.unwrap().text().await.unwrap();
    let table = &html[html.find("id=\"unknown-senders\"").unwrap()..];
    assert_eq!(table.matches("<td>127.0.0.2</td>").count(), 50, "one page of rows");
    assert!(table.contains("id=\"unknown-overflow\""), "the overflow row is shown");
    assert!(html.contains("2 / 20"), "page 2 of 20");
    assert!(html.len() < 200_000, "the page stays small: {} bytes", html.len());
    assert_eq!(stats.snapshot().unknown, sent + 1);
    let (db, stopped) = app.stop().await;
    drop_database(db, stopped).await;
}

/// A stream that the listener has closed: reading ends (end of stream or a reset) in time.
async fn closed_by_listener(stream: &mut TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 64];
    matches!(tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buffer)).await, Ok(Ok(0) | Err(_)))
}

/// Issue 18, row 4: connections beyond the limit are closed on arrival; a connection whose
/// unfinished message would pass the buffer budget is closed; the bytes held are counted and
/// never pass the budget, and are given back when connections close.
async fn tcp_connections_and_their_buffers_are_capped(backend: Backend) {
    const BUDGET: u64 = 256 << 10;
    let app = ListenerApp::start_configured(backend, |config| {
        config.syslog_tcp = Some("127.0.0.1:0".into());
        config.syslog_max_connections = 3;
        config.syslog_max_buffered_bytes = BUDGET;
    })
    .await;
    let device = app.register(1, "FGT60FTK0000401", Some("127.0.0.1")).await;
    let target = app.running.syslog_tcp_addr().unwrap();
    let stats = app.running.syslog_stats().unwrap();
    let now = || {
        let snapshot = stats.snapshot();
        async move { snapshot }
    };

    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(target).await.unwrap());
    }
    eventually("three connections are open", || async { now().await.open_connections == 3 }).await;
    let mut extra = TcpStream::connect(target).await.unwrap();
    assert!(closed_by_listener(&mut extra).await, "the fourth connection is closed at once");
    assert_eq!(now().await.connections_refused, 1);

    // Each held connection starts a long octet-counted message and stops after 100 KiB.
    let partial = format!("300000 <13>{}", "x".repeat(100 << 10));
    for (n, stream) in held.iter_mut().take(2).enumerate() {
        stream.write_all(partial.as_bytes()).await.unwrap();
        let expected = (n as u64 + 1) * partial.len() as u64;
        eventually("the unfinished message is held", || async { now().await.buffered_bytes == expected }).await;
    }
    held[2].write_all(partial.as_bytes()).await.unwrap();
    assert!(closed_by_listener(&mut held[2]).await, "the third would pass the budget: closed");
    let counts = now().await;
    assert_eq!(counts.connections_over_budget, 1);
    assert_eq!(counts.buffered_bytes, 2 * partial.len() as u64);
    assert!(counts.buffered_peak <= BUDGET, "never above the budget: {}", counts.buffered_peak);

    // Closing the connections gives their bytes back; the listener keeps serving.
    held.clear();
    eventually("the buffers are released", || async {
        let counts = now().await;
        counts.buffered_bytes == 0 && counts.open_connections == 0
    })
    .await;
    let expected = Expected::mix("FGT60FTK0000401", 20, 1);
    let mut stream = TcpStream::connect(target).await.unwrap();
    let bytes: String = expected.lines.iter().map(|m| octet_counted(&format!("<189>{m}"))).collect();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();

    let (db, stopped) = app.stop().await;
    expected.assert_stored(&db, device, "after the capped connections").await;
    let counts = stats.snapshot();
    // The two unfinished messages cut off by their close, and the one over the budget.
    assert_eq!((counts.stored, counts.dropped, counts.connections_refused), (20, 3, 1));
    let status = &store::logs::listener_statuses(&db).await.unwrap()[0];
    assert_eq!((status.connections_refused, status.connections_over_budget), (1, 1));
    drop_database(db, stopped).await;
}

/// Issue 18, row 4: a connection silent for the idle timeout (here one second) is closed,
/// whether it sent nothing or stopped in the middle of a line.
async fn silent_tcp_connections_are_closed(backend: Backend) {
    let app = ListenerApp::start_configured(backend, |config| {
        config.syslog_tcp = Some("127.0.0.1:0".into());
        config.syslog_idle_seconds = 1;
    })
    .await;
    let target = app.running.syslog_tcp_addr().unwrap();
    let mut silent = TcpStream::connect(target).await.unwrap();
    let mut stalled = TcpStream::connect(target).await.unwrap();
    stalled.write_all(b"<13>an unfinished li").await.unwrap();
    assert!(closed_by_listener(&mut silent).await, "a connection that sends nothing is closed");
    assert!(closed_by_listener(&mut stalled).await, "a connection stalled in a line is closed");
    let stats = app.running.syslog_stats().unwrap();
    eventually("both are counted", || async { stats.snapshot().connections_timed_out == 2 }).await;
    let (db, stopped) = app.stop().await;
    assert_eq!(store::logs::listener_statuses(&db).await.unwrap()[0].connections_timed_out, 2);
    drop_database(db, stopped).await;
}

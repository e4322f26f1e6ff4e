//! UTM syslog through NATS JetStream: the listener publishes what it receives instead of
//! writing it (`KOJO_NATS_URL`), and `kojo utm consume` processes write it, one or several,
//! sharing one durable pull consumer.
//!
//! **Publish** (at least once into the stream, deduplicated): each chunk of received messages
//! (up to 512, with each one's sender address) is one stream message on
//! `SUBJECT.LISTENER_ID`, with its receive time and a `Nats-Msg-Id` unique to this run of the
//! listener, so a chunk published again after a lost acknowledgement is dropped by the
//! stream's duplicate window (and, past the window, skipped by the consumers, which key what
//! they applied by that id). A chunk larger than the server's `max_payload` is split; a single
//! message larger than it is dropped and counted as failed. A chunk counts as published when
//! the stream acknowledged it; a failed publish is retried (the readers wait meanwhile: TCP
//! senders are slowed, UDP bursts fill the kernel buffer as with a slow database).
//!
//! **Consume** (exactly-once effect): a batch of stream messages goes through the listener's
//! own writer (device mapping, parsing, roll-ups), and everything it produced — every device's
//! roll-ups and events, the unknown senders, and the stream sequence of each message — is
//! committed in one transaction. The ids' primary key refuses a message applied before, so a
//! message redelivered after a crash, given to two consumers, or published twice, is counted
//! once: the consumer skips ids already recorded and a race between two ends with one commit
//! failing, its messages redelivered and skipped. Messages are acknowledged only after the
//! commit. A batch holding a message whose device could not be looked up is not committed (it
//! comes again). A batch that fails while the database takes writes is retried message by
//! message, and a message that fails on its own [`POISON_AFTER`] times while the database took
//! writes (counted by this consumer, not from the delivery count, which outages inflate) is set
//! aside — terminated: no longer delivered, kept in the stream until its retention for a person to
//! read (its sequence is logged), counted as `refused` — instead of blocking the stream. Incident tickets
//! are settled after the commit, as the listener does (a crash in between loses those tickets,
//! not the counts). The consumer's process counters (received, per vendor) count deliveries;
//! the database's counts are the exact ones.
//!
//! Must not: parse vendor fields (the writer and the `utm` crate do).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use async_nats::jetstream::{self, consumer, stream};
use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};

use super::writer::{Job, Writer};
use super::{Chunk, ListenerStats, Settings, StatusReporter, log_stats};

/// Where the stream is and what it is called.
#[derive(Clone, Debug)]
pub struct StreamSettings {
    /// `nats://127.0.0.1:4222` (`KOJO_NATS_URL`).
    pub url: String,
    /// The stream's name (`KOJO_NATS_STREAM`, default `KOJO_SYSLOG`).
    pub stream: String,
    /// Subjects are `SUBJECT.LISTENER_ID` (`KOJO_NATS_SUBJECT`, default `kojo.syslog`).
    pub subject: String,
    /// This listener's name in the subject (`KOJO_LISTENER_ID`, default `default`).
    pub listener_id: String,
    /// How long the stream keeps messages (file storage; created with this when missing).
    pub max_age: Duration,
    /// The durable consumer's name shared by every `kojo utm consume` (`KOJO_NATS_CONSUMER`).
    pub consumer: String,
    /// Stream messages taken per transaction.
    pub batch: usize,
    /// How long a consumer may hold a message before the stream gives it to another.
    pub ack_wait: Duration,
}

impl StreamSettings {
    pub fn from_config(config: &crate::Config) -> anyhow::Result<Option<StreamSettings>> {
        let Some(url) = &config.nats_url else { return Ok(None) };
        for (name, value) in [
            ("KOJO_NATS_STREAM", &config.nats_stream),
            ("KOJO_LISTENER_ID", &config.listener_id),
            ("KOJO_NATS_CONSUMER", &config.nats_consumer),
        ] {
            if !is_token(value) {
                bail!("{name} must be letters, digits, '-' or '_' (it is part of a NATS name): {value:?}");
            }
        }
        if !config.nats_subject.split('.').all(is_token) {
            bail!("KOJO_NATS_SUBJECT must be dot-separated tokens of letters, digits, '-' or '_'");
        }
        Ok(Some(StreamSettings {
            url: url.clone(),
            stream: config.nats_stream.clone(),
            subject: config.nats_subject.clone(),
            listener_id: config.listener_id.clone(),
            max_age: Duration::from_secs(u64::from(config.nats_max_age_hours) * 3600),
            consumer: config.nats_consumer.clone(),
            batch: config.nats_batch as usize,
            ack_wait: Duration::from_secs(u64::from(config.nats_ack_wait_seconds)),
        }))
    }
}

fn is_token(value: &str) -> bool {
    !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Connects and makes sure the stream exists (file storage, `max_age`, a two-minute duplicate
/// window for re-published chunks). An existing stream keeps its own settings: read them from
/// the returned stream's `cached_info()`.
pub async fn open_stream(settings: &StreamSettings) -> anyhow::Result<(jetstream::Context, stream::Stream)> {
    let client =
        async_nats::connect(&settings.url).await.with_context(|| format!("NATS is unreachable at {}", settings.url))?;
    let context = jetstream::new(client);
    let stream = context
        .get_or_create_stream(stream::Config {
            name: settings.stream.clone(),
            subjects: vec![format!("{}.>", settings.subject)],
            storage: stream::StorageType::File,
            max_age: settings.max_age,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .with_context(|| format!("JetStream stream {} could not be opened or created", settings.stream))?;
    Ok((context, stream))
}

const MAGIC: &[u8] = b"KJS1";

/// Room kept below the server's `max_payload` for the headers (they count towards it).
const HEADER_ROOM: usize = 1024;

/// A chunk as a stream message: `KJS1`, then per message its sender (`4` + 4 bytes or `6` + 16
/// bytes), its length (u32, little-endian) and its bytes.
#[cfg(test)]
pub(super) fn encode(chunk: &Chunk) -> Bytes {
    let (mut parts, _) = encode_within(chunk, usize::MAX);
    parts.pop().map(|(payload, _)| payload).unwrap_or_else(|| Bytes::from_static(MAGIC))
}

/// A chunk as stream messages of at most `limit` bytes each, with the number of syslog
/// messages in each; and how many syslog messages were too large for any (dropped).
pub(super) fn encode_within(chunk: &Chunk, limit: usize) -> (Vec<(Bytes, u64)>, u64) {
    let mut parts = Vec::new();
    let mut dropped = 0;
    let mut out = BytesMut::new();
    let mut count = 0;
    for &(sender, start, end) in &chunk.messages {
        // 21 bytes is the largest sender and length.
        let size = 21 + (end - start);
        if MAGIC.len() + size > limit {
            dropped += 1;
            continue;
        }
        if count > 0 && out.len() + size > limit {
            parts.push((out.split().freeze(), count));
            count = 0;
        }
        if count == 0 {
            out.put_slice(MAGIC);
        }
        match sender.to_canonical() {
            IpAddr::V4(v4) => {
                out.put_u8(4);
                out.put_slice(&v4.octets());
            }
            IpAddr::V6(v6) => {
                out.put_u8(6);
                out.put_slice(&v6.octets());
            }
        }
        out.put_u32_le((end - start) as u32);
        out.put_slice(&chunk.bytes[start..end]);
        count += 1;
    }
    if count > 0 {
        parts.push((out.freeze(), count));
    }
    (parts, dropped)
}

/// The chunk of a stream message; an error for anything [`encode`] did not write.
pub(super) fn decode(payload: &[u8]) -> anyhow::Result<Chunk> {
    let Some(mut rest) = payload.strip_prefix(MAGIC) else { bail!("not a Kojo syslog chunk") };
    let mut chunk = Chunk::default();
    while !rest.is_empty() {
        let (sender, after): (IpAddr, &[u8]) = match rest {
            [4, a, b, c, d, after @ ..] => (IpAddr::from([*a, *b, *c, *d]), after),
            [6, after @ ..] if after.len() >= 16 => {
                let octets: [u8; 16] = after[..16].try_into().expect("16 bytes");
                (IpAddr::from(octets), &after[16..])
            }
            _ => bail!("a message without its sender"),
        };
        let [a, b, c, d, after @ ..] = after else { bail!("a message without its length") };
        let length = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
        if after.len() < length {
            bail!("a message cut short");
        }
        chunk.push(sender, &after[..length]);
        rest = &after[length..];
    }
    Ok(chunk)
}

/// Chunks waiting for the stream's acknowledgement at most (their publishes are pipelined).
const IN_FLIGHT: usize = 64;

type AckFuture = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<jetstream::publish::PublishAck, jetstream::context::PublishError>>
            + Send,
    >,
>;

/// The publishing task: takes the readers' chunks and publishes them, confirming each as the
/// stream acknowledges it, until the readers stop; then waits for every acknowledgement.
pub(super) async fn publish(
    context: jetstream::Context,
    settings: StreamSettings,
    mut inbox: mpsc::Receiver<Chunk>,
    stats: Arc<ListenerStats>,
    clock: app::Clock,
) {
    let subject = format!("{}.{}", settings.subject, settings.listener_id);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let limit = context.client().server_info().max_payload.saturating_sub(HEADER_ROOM).max(4096);
    let mut next_id: u64 = 0;
    let mut in_flight: std::collections::VecDeque<(Outgoing, AckFuture)> = std::collections::VecDeque::new();
    let mut open = true;
    while open || !in_flight.is_empty() {
        tokio::select! {
            chunk = inbox.recv(), if open && in_flight.len() < IN_FLIGHT => match chunk {
                Some(chunk) => {
                    ListenerStats::add(&stats.received, chunk.messages.len() as u64);
                    let (parts, dropped) = encode_within(&chunk, limit);
                    if dropped > 0 {
                        ListenerStats::add(&stats.failed, dropped);
                        tracing::error!(dropped, limit, "syslog messages larger than the stream takes were dropped");
                    }
                    let received_at = clock.now().to_rfc3339();
                    for (payload, messages) in parts {
                        next_id += 1;
                        let message = Outgoing {
                            id: format!("{}-{run}-{next_id}", settings.listener_id),
                            received_at: received_at.clone(),
                            payload,
                            messages,
                        };
                        match send(&context, &subject, &message).await {
                            Some(ack) => in_flight.push_back((message, ack)),
                            None => ListenerStats::add(&stats.failed, message.messages),
                        }
                    }
                }
                None => open = false,
            },
            acknowledged = first_ack(&mut in_flight) => {
                let (message, _) = in_flight.pop_front().expect("the acknowledged chunk");
                match acknowledged {
                    Ok(_) => ListenerStats::add(&stats.published, message.messages),
                    Err(error) => {
                        // Published again under the same id: the stream drops it if the first
                        // one did arrive.
                        tracing::warn!(%error, "JetStream did not acknowledge a chunk; publishing it again");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        match send(&context, &subject, &message).await {
                            Some(ack) => in_flight.push_front((message, ack)),
                            None => ListenerStats::add(&stats.failed, message.messages),
                        }
                    }
                }
            }
        }
    }
}

/// The acknowledgement of the oldest chunk in flight (never, when none is).
async fn first_ack(
    in_flight: &mut std::collections::VecDeque<(Outgoing, AckFuture)>,
) -> Result<jetstream::publish::PublishAck, jetstream::context::PublishError> {
    match in_flight.front_mut() {
        Some((_, ack)) => ack.await,
        None => std::future::pending().await,
    }
}

struct Outgoing {
    id: String,
    received_at: String,
    payload: Bytes,
    messages: u64,
}

/// Publishes `message`, retrying every second until the server takes it; `None` when it never
/// can (larger than the server's `max_payload`, which a smaller server limit than the one the
/// chunk was split for can cause).
async fn send(context: &jetstream::Context, subject: &str, message: &Outgoing) -> Option<AckFuture> {
    loop {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, message.id.as_str());
        headers.insert("Kojo-Received-At", message.received_at.as_str());
        match context.publish_with_headers(subject.to_string(), headers, message.payload.clone()).await {
            Ok(ack) => return Some(Box::pin(ack.into_future())),
            Err(error) if error.kind() == jetstream::context::PublishErrorKind::MaxPayloadExceeded => {
                tracing::error!(%error, messages = message.messages, "a chunk larger than the stream takes was dropped");
                return None;
            }
            Err(error) => {
                tracing::warn!(%error, "JetStream publish failed; retrying in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// What a consumer did so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Consumed {
    /// Stream messages whose effects this consumer committed.
    pub applied: u64,
    /// Stream messages skipped because their effects were already committed.
    pub skipped: u64,
    /// Stream messages that were not Kojo chunks (acknowledged and counted, nothing written).
    pub malformed: u64,
    /// Stream messages set aside after failing alone [`POISON_AFTER`] times while the database
    /// answered (terminated in the stream, logged).
    pub refused: u64,
}

impl Consumed {
    fn add(&mut self, done: Consumed) {
        metrics::counter!("kojo_jetstream_messages_total", "outcome" => "applied").increment(done.applied);
        metrics::counter!("kojo_jetstream_messages_total", "outcome" => "skipped").increment(done.skipped);
        metrics::counter!("kojo_jetstream_messages_total", "outcome" => "malformed").increment(done.malformed);
        metrics::counter!("kojo_jetstream_messages_total", "outcome" => "refused").increment(done.refused);
        self.applied += done.applied;
        self.skipped += done.skipped;
        self.malformed += done.malformed;
        self.refused += done.refused;
    }
}

/// Failures on its own, while the database took writes, after which a message is set aside
/// rather than delivered again and again.
pub const POISON_AFTER: u32 = 5;

/// `kojo utm consume`: applies the stream through the durable consumer until `shutdown`, or,
/// with `until_idle`, until a fetch finds nothing (tests and catch-up runs).
pub async fn consume(
    services: app::Services,
    settings: StreamSettings,
    listener: Settings,
    mut shutdown: watch::Receiver<bool>,
    until_idle: bool,
) -> anyhow::Result<(Consumed, Arc<ListenerStats>)> {
    let (_, stream) = open_stream(&settings).await?;
    // The stream's own retention (it may have been created with other settings than ours).
    let max_age = match stream.cached_info().config.max_age {
        age if age.is_zero() => settings.max_age,
        age => age,
    };
    let mut consumer: consumer::PullConsumer = stream
        .get_or_create_consumer(
            &settings.consumer,
            consumer::pull::Config {
                durable_name: Some(settings.consumer.clone()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: settings.ack_wait,
                max_ack_pending: 10_000,
                ..Default::default()
            },
        )
        .await
        .with_context(|| format!("JetStream consumer {} could not be opened or created", settings.consumer))?;
    let stats = Arc::new(ListenerStats::new(None));
    let status = StatusReporter::named(
        services.db.clone(),
        format!("JetStream {} / {}", settings.stream, settings.consumer),
        stats.clone(),
        listener.clock.clone(),
    );
    status.write(true).await;
    let status_task = tokio::spawn(status.clone().run(listener.status_interval));
    // Every batch is written by this task, in one transaction: nothing is flushed on size.
    let listener = Settings { batch_lines: u64::MAX, ..listener };
    let (jobs, mut produced) = mpsc::channel::<Job>(1 << 16);
    let mut writer = Writer::new(services.db.clone(), &listener, stats.clone(), jobs);
    let mut consumed = Consumed::default();
    // Per message id: how often it failed on its own while the database took writes.
    let mut failed_alone: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut forgotten_at: Option<std::time::Instant> = None;
    let mut lag_read_at: Option<std::time::Instant> = None;
    let result = loop {
        if *shutdown.borrow() {
            break Ok(());
        }
        if forgotten_at.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
            match forget_old_positions(&services.db, max_age, listener.clock.now()).await {
                Ok(forgotten) if forgotten > 0 => tracing::info!(forgotten, "old JetStream positions forgotten"),
                Ok(_) => {}
                Err(error) => tracing::warn!("old JetStream positions not forgotten: {error:#}"),
            }
            forgotten_at = Some(std::time::Instant::now());
        }
        let batch = tokio::select! {
            batch = fetch(&consumer, settings.batch) => batch,
            _ = shutdown.wait_for(|stop| *stop) => break Ok(()),
        };
        if lag_read_at.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
            if let Ok(info) = consumer.info().await {
                metrics::gauge!("kojo_jetstream_pending_messages").set(info.num_pending as f64);
                metrics::gauge!("kojo_jetstream_unacknowledged_messages").set(info.num_ack_pending as f64);
            }
            lag_read_at = Some(std::time::Instant::now());
        }
        let messages = match batch {
            Ok(messages) => messages,
            Err(error) => {
                tracing::warn!("JetStream fetch failed: {error:#}; retrying in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            // Idle: nothing left to deliver and nothing held unacknowledged (by this consumer
            // or another, or by one that died: that comes back after `ack_wait`).
            if until_idle {
                match consumer.info().await {
                    Ok(info) if info.num_pending == 0 && info.num_ack_pending == 0 => break Ok(()),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "JetStream consumer info not read"),
                }
            }
            continue;
        }
        let mut batch = Batch {
            services: &services,
            settings: &settings,
            listener: &listener,
            writer: &mut writer,
            produced: &mut produced,
            stats: &stats,
        };
        match batch.apply(&messages).await {
            Ok(done) => {
                consumed.add(done);
                acknowledge(&messages).await;
            }
            Err(error)
                if store::stream::writable(&services.db, &settings.stream, listener.clock.now()).await.is_err() =>
            {
                tracing::error!(
                    "a JetStream batch was not stored (the database does not answer; it comes again): {error:#}"
                );
                for message in &messages {
                    let _ = message.ack_with(jetstream::AckKind::Nak(Some(Duration::from_secs(1)))).await;
                }
            }
            Err(error) => {
                // The database answers: find the message that fails, let the others through.
                tracing::warn!("a JetStream batch was not stored; applying its messages one by one: {error:#}");
                for message in &messages {
                    let one = std::slice::from_ref(message);
                    match batch.apply(one).await {
                        Ok(done) => {
                            consumed.add(done);
                            acknowledge(one).await;
                        }
                        Err(error) => {
                            let key = identity(message).unwrap_or_default();
                            let writable =
                                store::stream::writable(&services.db, &settings.stream, listener.clock.now())
                                    .await
                                    .is_ok();
                            let failures = if writable {
                                if failed_alone.len() > 10_000 {
                                    failed_alone.clear();
                                }
                                let count = failed_alone.entry(key.clone()).or_insert(0);
                                *count += 1;
                                *count
                            } else {
                                0
                            };
                            let sequence = message.info().map(|info| info.stream_sequence).unwrap_or(0);
                            if failures >= POISON_AFTER {
                                failed_alone.remove(&key);
                                tracing::error!(
                                    failures,
                                    sequence,
                                    subject = %message.subject,
                                    "a JetStream message was set aside (kept in the stream, no longer delivered): it failed on its own every time while the database took writes: {error:#}"
                                );
                                consumed.add(Consumed { refused: 1, ..Consumed::default() });
                                let _ = message.ack_with(jetstream::AckKind::Term).await;
                            } else {
                                tracing::warn!(
                                    failures,
                                    sequence,
                                    "a JetStream message was not stored (it comes again): {error:#}"
                                );
                                let _ = message.ack_with(jetstream::AckKind::Nak(Some(Duration::from_secs(1)))).await;
                            }
                        }
                    }
                }
            }
        }
    };
    status_task.abort();
    status.write(false).await;
    log_stats(&stats.snapshot(), "JetStream consumer stopped");
    result.map(|()| (consumed, stats))
}

async fn acknowledge(messages: &[jetstream::Message]) {
    for message in messages {
        if let Err(error) = message.ack().await {
            tracing::warn!(%error, "JetStream acknowledgement failed (the message will be skipped when redelivered)");
        }
    }
}

/// A message's identity: the publisher's `Nats-Msg-Id` (the same when it published the chunk
/// again), else its stream sequence (a message Kojo did not publish).
fn identity(message: &jetstream::Message) -> anyhow::Result<String> {
    let id = message
        .headers
        .as_ref()
        .and_then(|headers| headers.get(async_nats::header::NATS_MESSAGE_ID))
        .map(|value| value.as_str())
        .filter(|id| !id.is_empty() && id.len() <= store::stream::MESSAGE_ID_MAX - 4);
    Ok(match id {
        Some(id) => format!("id:{id}"),
        None => format!("seq:{}", message.info().map_err(|e| anyhow::anyhow!("{e}"))?.stream_sequence),
    })
}

async fn fetch(consumer: &consumer::PullConsumer, batch: usize) -> anyhow::Result<Vec<jetstream::Message>> {
    let mut messages = consumer.fetch().max_messages(batch).expires(Duration::from_secs(1)).messages().await?;
    let mut taken = Vec::with_capacity(batch);
    while let Some(message) = messages.next().await {
        taken.push(message.map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    Ok(taken)
}

/// What applying a batch needs.
struct Batch<'a> {
    services: &'a app::Services,
    settings: &'a StreamSettings,
    listener: &'a Settings,
    writer: &'a mut Writer,
    produced: &'a mut mpsc::Receiver<Job>,
    stats: &'a ListenerStats,
}

impl Batch<'_> {
    /// Writes the effects of `messages` not applied before, with their ids, in one transaction.
    /// Fails, writing nothing, when a message's device could not be looked up.
    async fn apply(&mut self, messages: &[jetstream::Message]) -> anyhow::Result<Consumed> {
        let db = &self.services.db;
        let mut ids = Vec::with_capacity(messages.len());
        for message in messages {
            ids.push(identity(message)?);
        }
        let done = store::stream::applied(db, &self.settings.stream, &ids).await?;
        let mut outcome = Consumed::default();
        let mut fresh = Vec::with_capacity(messages.len());
        let mut lost = 0;
        for (message, id) in messages.iter().zip(ids) {
            // Applied before, or met earlier in this batch (published twice).
            if done.contains(&id) || fresh.contains(&id) {
                outcome.skipped += 1;
                continue;
            }
            match decode(&message.payload) {
                Ok(chunk) => lost += self.writer.take(chunk).await,
                Err(error) => {
                    tracing::warn!(id, "JetStream message skipped: {error}");
                    outcome.malformed += 1;
                }
            }
            fresh.push(id);
        }
        self.writer.flush_all().await;
        self.writer.report_unknown().await;
        self.writer.publish_counts();
        let mut jobs = Vec::new();
        while let Ok(job) = self.produced.try_recv() {
            jobs.push(job);
        }
        if lost > 0 {
            bail!("{lost} syslog messages could not be mapped to a device (the database did not answer)");
        }
        let now = self.listener.clock.now();
        let tx = db.begin().await?;
        let mut settled = Vec::new();
        let mut batches = Vec::new();
        let (mut stored, mut unparsed) = (0, 0);
        for job in jobs {
            match job {
                Job::Batch(mut accumulator) => {
                    let (batch, summary) = accumulator.take_batch();
                    stored += summary.lines - summary.unparsed;
                    unparsed += summary.unparsed;
                    batches.push(batch);
                    settled.push(accumulator);
                }
                Job::Unknown { sender, serial, pending } => {
                    let address = sender.to_string();
                    store::logs::note_unknown_messages_in(&tx, pending.as_store(&address, serial.as_deref()), now)
                        .await?;
                }
            }
        }
        // Devices in one order in every consumer, so two never wait on each other's rows.
        batches.sort_by_key(|batch| batch.device_id);
        for batch in &batches {
            store::logs::ingest_in(&tx, batch, now).await?;
        }
        store::stream::mark_applied(&tx, &self.settings.stream, &fresh, now).await?;
        tx.commit().await?;
        ListenerStats::add(&self.stats.stored, stored);
        ListenerStats::add(&self.stats.unparsed, unparsed);
        for mut accumulator in settled {
            accumulator.settle_tickets(self.services, self.listener.clock.now()).await;
        }
        outcome.applied = fresh.len() as u64 - outcome.malformed;
        Ok(outcome)
    }
}

/// Forgets applied positions older than the stream can redeliver: its retention `max_age` and
/// a day.
pub async fn forget_old_positions(
    db: &store::Db,
    max_age: Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<u64> {
    let keep = chrono::Duration::from_std(max_age + Duration::from_secs(24 * 3600))?;
    Ok(store::stream::forget_before(db, now - keep).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_survive_the_stream() {
        let mut chunk = Chunk::default();
        chunk.push("192.0.2.7".parse().unwrap(), b"<134>date=2026-12-04 devid=FGT60F logid=0419016384 msg=\"a b\"");
        chunk.push("2001:db8::5".parse().unwrap(), b"<13>\xff binary \x00 kept");
        chunk.push("::ffff:198.51.100.1".parse().unwrap(), b"x");
        let back = decode(&encode(&chunk)).unwrap();
        let lines: Vec<(IpAddr, &[u8])> =
            back.messages.iter().map(|&(sender, start, end)| (sender, &back.bytes[start..end])).collect();
        assert_eq!(lines[0], ("192.0.2.7".parse().unwrap(), chunk.bytes[..chunk.messages[0].2].as_ref()));
        assert_eq!(lines[1].0, "2001:db8::5".parse::<IpAddr>().unwrap());
        assert_eq!(lines[1].1, b"<13>\xff binary   kept", "NUL made a space as it arrived");
        assert_eq!(lines[2], ("198.51.100.1".parse().unwrap(), b"x".as_ref()), "mapped IPv4 sent as IPv4");
        for bad in [&b""[..], b"KJS2", b"KJS1\x04\x01\x02", b"KJS1\x04\x01\x02\x03\x04\x09\x00\x00\x00ab", b"KJS1\x05"]
        {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
        assert!(decode(b"KJS1").unwrap().messages.is_empty());
    }

    #[test]
    fn chunks_are_split_under_the_server_limit_and_oversized_messages_dropped() {
        let mut chunk = Chunk::default();
        let sender: IpAddr = "192.0.2.9".parse().unwrap();
        let lines: Vec<Vec<u8>> = (0..40).map(|n| format!("<13>line {n} {}", "x".repeat(n * 7)).into_bytes()).collect();
        for line in &lines {
            chunk.push(sender, line);
        }
        chunk.push(sender, &vec![b'y'; 2_000]);
        let limit = 600;
        let (parts, dropped) = encode_within(&chunk, limit);
        assert_eq!(dropped, 1, "the 2,000-byte message fits no part");
        assert!(parts.len() > 1);
        let mut back = Vec::new();
        for (payload, count) in &parts {
            assert!(payload.len() <= limit, "{} > {limit}", payload.len());
            let part = decode(payload).unwrap();
            assert_eq!(part.messages.len() as u64, *count);
            back.extend(part.messages.iter().map(|&(_, start, end)| part.bytes[start..end].to_vec()));
        }
        assert_eq!(back, lines, "every other message, once, in order");
    }
}

//! Delivering the outbox: SMTP when configured, otherwise `.eml` files in `KOJO_DATA_DIR/mail`.
//!
//! A failed message is retried with exponential backoff (1, 2, 4 … minutes, at most 6 hours)
//! and given up after 10 attempts, its last error kept for staff. Messages are claimed 50 at a
//! time under a lease and each is marked sent as soon as it is delivered, so a crash re-sends at
//! most the one message in flight.

use std::time::Duration;

use anyhow::Context;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use store::Db;
use store::outbox::OutboxMessage;
use tokio::sync::watch;

use crate::Config;

const MAX_ATTEMPTS: u32 = 10;
const POLL_INTERVAL: Duration = Duration::from_millis(500);

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox = config.mail_from.parse().context("KOJO_MAIL_FROM is not a valid address")?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("KOJO_SMTP_URL is not a valid SMTP URL")?
                    .build(),
            ),
            None => {
                let dir = config.mail_dir();
                std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
                Transport::Files(AsyncFileTransport::new(dir))
            }
        };
        Ok(Mailer { from, transport })
    }
}

/// Hands one message to the mail system: the configured [`Mailer`], or a stand-in in tests.
pub trait Deliver: Send + Sync {
    fn deliver(&self, message: &OutboxMessage) -> impl std::future::Future<Output = anyhow::Result<()>> + Send;
}

impl Deliver for Mailer {
    async fn deliver(&self, message: &OutboxMessage) -> anyhow::Result<()> {
        self.send(message).await
    }
}

impl Mailer {
    async fn send(&self, message: &OutboxMessage) -> anyhow::Result<()> {
        let builder = Message::builder()
            .from(self.from.clone())
            .to(message.to.parse().context("invalid recipient")?)
            .subject(&message.subject);
        let email = if message.attachments.is_empty() {
            builder.header(ContentType::TEXT_PLAIN).body(message.body.clone())?
        } else {
            // The text first, then each file (a calendar invitation, a QR code).
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(message.body.clone()));
            for file in &message.attachments {
                let content_type =
                    ContentType::parse(&file.content_type).context("an attachment's content type is not valid")?;
                parts =
                    parts.singlepart(Attachment::new(file.filename.clone()).body(file.content.clone(), content_type));
            }
            builder.multipart(parts)?
        };
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(email).await?;
            }
            Transport::Files(files) => {
                files.send(email).await?;
            }
        }
        Ok(())
    }
}

/// Sends every message due now; returns how many were sent. Tests call this to drain the queue.
pub async fn deliver_due(db: &Db, mailer: &impl Deliver, clock: &app::Clock) -> anyhow::Result<usize> {
    deliver_beating(db, mailer, clock, &|| {}).await
}

/// [`deliver_due`], calling `beat` before each message: a long queue of slow deliveries is
/// progress, not a stalled loop.
async fn deliver_beating(
    db: &Db,
    mailer: &impl Deliver,
    clock: &app::Clock,
    beat: &(dyn Fn() + Sync),
) -> anyhow::Result<usize> {
    let mut sent = 0;
    loop {
        let batch = store::outbox::claim_due(db, clock.now(), 50).await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        for message in batch {
            beat();
            match mailer.deliver(&message).await {
                Ok(()) => {
                    // Marked at once: a crash later in the batch must not send this one again.
                    store::outbox::mark_sent(db, &[message.id], clock.now()).await?;
                    sent += 1;
                }
                Err(error) => {
                    let retry_at = (message.attempts < MAX_ATTEMPTS).then(|| {
                        let minutes = 1i64 << message.attempts.saturating_sub(1).min(9);
                        clock.now() + chrono::Duration::minutes(minutes.min(360))
                    });
                    let why = format!("{error:#}");
                    let why = domain::text::redact_personal(&why);
                    tracing::warn!(id = %message.id, attempts = message.attempts, "e-mail delivery failed: {why}");
                    store::outbox::mark_failed(db, message.id, &format!("{error:#}"), retry_at, clock.now()).await?;
                }
            }
        }
    }
}

/// The e-mail loop is stalled when it has not polled for this long (a batch of slow SMTP
/// deliveries may take minutes; a poll is due every few seconds).
pub const STALLED_AFTER: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The worker loop: delivers the outbox until shutdown.
pub async fn run_worker(
    db: Db,
    mailer: Mailer,
    clock: app::Clock,
    beat: std::sync::Arc<web::ops::Beat>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        beat.beat();
        if let Err(error) = deliver_beating(&db, &mailer, &clock, &|| beat.beat()).await {
            tracing::error!("outbox delivery: {}", domain::text::redact_personal(&format!("{error:#}")));
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

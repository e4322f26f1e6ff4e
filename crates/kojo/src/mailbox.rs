//! The secretariat's mailbox, read over IMAP for inquiries (`KOJO_IMAP_URL`): every unseen
//! message is parsed (`mail-parser`) and filed by `app::inquiries::receive_email` — into the
//! thread it answers, or as a new inquiry — and then flagged `\Seen`. A crash between filing and
//! flagging leaves the message unseen; the next read files it again, which its `Message-ID`
//! (unique in the store) turns into nothing: at least once from the mailbox, once in Kojo.
//!
//! Read by the scheduled job `mailbox` (one slot per interval, so one process reads at a time
//! however many run; a process without the setting leaves the job to one with it).
//!
//! Must not: decide where a message goes (`app::inquiries` does).

use std::sync::Arc;

use anyhow::{Context, bail};
use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};

/// Where the mailbox is.
#[derive(Clone)]
pub struct MailboxSettings {
    pub host: String,
    pub port: u16,
    /// `imaps://` (TLS from the start); `imap://` only to a loopback address.
    pub tls: bool,
    pub user: String,
    password: String,
    pub mailbox: String,
    pub interval: std::time::Duration,
}

impl std::fmt::Debug for MailboxSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

impl MailboxSettings {
    pub fn from_config(config: &crate::Config) -> anyhow::Result<Option<MailboxSettings>> {
        let Some(raw) = &config.imap_url else { return Ok(None) };
        let url = url::Url::parse(raw).context("KOJO_IMAP_URL is not a URL (imaps://USER:PASSWORD@HOST/INBOX)")?;
        let tls = match url.scheme() {
            "imaps" => true,
            "imap" => false,
            other => bail!("KOJO_IMAP_URL must start imaps:// (or imap:// to a loopback address), not {other}://"),
        };
        let host = url.host_str().context("KOJO_IMAP_URL names no host")?.trim_matches(['[', ']']).to_string();
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if !tls && !loopback {
            bail!("KOJO_IMAP_URL: imap:// sends the password unencrypted; use imaps:// for {host}");
        }
        let decode = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8().map(|t| t.into_owned());
        let user = decode(url.username()).context("KOJO_IMAP_URL: the user is not UTF-8")?;
        let password = decode(url.password().unwrap_or("")).context("KOJO_IMAP_URL: the password is not UTF-8")?;
        if user.is_empty() || password.is_empty() {
            bail!("KOJO_IMAP_URL needs the mailbox's user and password (imaps://USER:PASSWORD@HOST/INBOX)");
        }
        let mailbox = decode(url.path().trim_start_matches('/')).context("KOJO_IMAP_URL: the mailbox is not UTF-8")?;
        Ok(Some(MailboxSettings {
            port: url.port().unwrap_or(if tls { 993 } else { 143 }),
            host,
            tls,
            user,
            password,
            mailbox: if mailbox.is_empty() { "INBOX".into() } else { mailbox },
            interval: std::time::Duration::from_secs(u64::from(config.imap_interval_seconds)),
        }))
    }
}

/// What one read did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fetched {
    /// Unseen messages found.
    pub unseen: usize,
    pub new: usize,
    pub threaded: usize,
    /// Filed before (a read cut short after filing): flagged seen, nothing added.
    pub duplicate: usize,
    /// Not an e-mail Kojo could read, larger than [`MAX_MESSAGE_BYTES`], or one that could not be
    /// filed (left unseen for a person to look at, and tried again next time).
    pub unreadable: usize,
}

/// The largest e-mail read (larger ones are left in the mailbox for a person).
pub const MAX_MESSAGE_BYTES: u32 = 10 << 20;

/// How long one read of the mailbox may take in all before it is given up (the next slot tries
/// again): a server that stops answering must not hold the jobs loop.
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// References kept from an e-mail's `In-Reply-To` and `References` (the newest).
const MAX_REFERENCES: usize = 20;

/// Reads the unseen messages of the mailbox once.
pub async fn fetch_once(
    services: &app::Services,
    settings: &MailboxSettings,
    clock: &app::Clock,
) -> anyhow::Result<Fetched> {
    let address = (settings.host.as_str(), settings.port);
    let tcp = tokio::time::timeout(std::time::Duration::from_secs(30), tokio::net::TcpStream::connect(address))
        .await
        .context("the IMAP server did not answer in 30 seconds")?
        .with_context(|| format!("cannot reach the IMAP server {}:{}", settings.host, settings.port))?;
    if settings.tls {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(settings.host.clone())
            .context("the IMAP host is not a valid TLS server name")?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .context("TLS with the IMAP server failed")?;
        timed(read(stream, services, settings, clock)).await
    } else {
        timed(read(tcp, services, settings, clock)).await
    }
}

async fn timed(read: impl std::future::Future<Output = anyhow::Result<Fetched>>) -> anyhow::Result<Fetched> {
    tokio::time::timeout(READ_TIMEOUT, read).await.context("the mailbox read took over 5 minutes and was given up")?
}

async fn read<T>(
    stream: T,
    services: &app::Services,
    settings: &MailboxSettings,
    clock: &app::Clock,
) -> anyhow::Result<Fetched>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut client = async_imap::Client::new(stream);
    client.read_response().await?.context("the IMAP server closed the connection before its greeting")?;
    let mut session = client
        .login(&settings.user, &settings.password)
        .await
        .map_err(|(error, _)| anyhow::anyhow!("IMAP login refused: {error}"))?;
    let mailbox =
        session.select(&settings.mailbox).await.with_context(|| format!("no mailbox {}", settings.mailbox))?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let mut uids: Vec<u32> = session.uid_search("UNSEEN").await?.into_iter().collect();
    uids.sort_unstable();
    let mut fetched = Fetched { unseen: uids.len(), ..Fetched::default() };
    for uid in uids {
        let size = {
            let mut sizes = session.uid_fetch(uid.to_string(), "(UID RFC822.SIZE)").await?;
            let mut size = None;
            while let Some(message) = sizes.next().await {
                let message = message?;
                if message.uid == Some(uid) {
                    size = message.size;
                }
            }
            size
        };
        if size.is_some_and(|size| size > MAX_MESSAGE_BYTES) {
            tracing::warn!(uid, size, "an e-mail over 10 MB was left in the mailbox unread");
            fetched.unreadable += 1;
            continue;
        }
        let raw = {
            let mut messages = session.uid_fetch(uid.to_string(), "(UID BODY.PEEK[])").await?;
            let mut body = None;
            while let Some(message) = messages.next().await {
                let message = message?;
                if message.uid == Some(uid) {
                    body = message.body().map(<[u8]>::to_vec);
                }
            }
            body
        };
        let fallback = format!("{validity}.{uid}.{}@{}", settings.user, settings.host);
        let Some(email) = raw.as_deref().and_then(|raw| incoming(raw, &fallback)) else {
            tracing::warn!(uid, "a message in the mailbox could not be read as an e-mail; left unseen");
            fetched.unreadable += 1;
            continue;
        };
        // One e-mail that cannot be filed must not stop the others (it stays unseen and is
        // tried again next time).
        match app::inquiries::receive_email(services, &email, clock.now()).await {
            Ok(app::inquiries::Received::New(_)) => fetched.new += 1,
            Ok(app::inquiries::Received::Threaded(_)) => fetched.threaded += 1,
            Ok(app::inquiries::Received::Duplicate) => fetched.duplicate += 1,
            Err(error) => {
                let why = format!("{error:#}");
                tracing::error!(
                    uid,
                    "an e-mail could not be filed; left unseen: {}",
                    domain::text::redact_personal(&why)
                );
                fetched.unreadable += 1;
                continue;
            }
        }
        // Drained before the next command, as the protocol needs.
        let mut flagged = session.uid_store(uid.to_string(), "+FLAGS (\\Seen)").await?;
        while let Some(result) = flagged.next().await {
            result?;
        }
    }
    session.logout().await?;
    Ok(fetched)
}

/// The e-mail in `raw` as an inquiry message; `fallback_id` when it has no `Message-ID`.
pub fn incoming(raw: &[u8], fallback_id: &str) -> Option<app::inquiries::IncomingEmail> {
    let message = mail_parser::MessageParser::default().parse(raw)?;
    let from = message.from().and_then(|from| from.first())?;
    let from_address = from.address()?.trim().to_string();
    let ids = |value: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        match (value.as_text_list(), value.as_text()) {
            (Some(list), _) => list.iter().map(|id| id.trim_matches(['<', '>']).to_string()).collect(),
            (None, Some(one)) => vec![one.trim_matches(['<', '>']).to_string()],
            _ => Vec::new(),
        }
    };
    let mut references = ids(message.in_reply_to());
    // The newest of `References` (a long thread, or a header made to be huge).
    let all = ids(message.references());
    references.extend(all.iter().rev().take(MAX_REFERENCES).cloned());
    references.retain(|id| !id.is_empty() && id.len() <= 250 && !id.chars().any(char::is_control));
    let message_id = message
        .message_id()
        .map(|id| id.trim_matches(['<', '>']).to_string())
        .filter(|id| !id.is_empty() && id.len() <= 250 && !id.chars().any(char::is_control))
        .unwrap_or_else(|| fallback_id.chars().take(250).collect());
    let text = message.body_text(0).map(|text| without_quoted_history(&text)).unwrap_or_default();
    // A forwarded e-mail (message/rfc822) comes as its raw bytes: not a kind Kojo keeps, so it is
    // named in the thread like any other file not kept.
    let attachments = message
        .attachments()
        .map(|part| {
            let name = mail_parser::MimeHeaders::attachment_name(part);
            if part.is_message() {
                let (start, end) = (part.raw_body_offset() as usize, part.raw_end_offset() as usize);
                app::inquiries::IncomingFile {
                    filename: name.unwrap_or("転送されたメール.eml").to_string(),
                    bytes: raw.get(start..end).unwrap_or_default().to_vec(),
                }
            } else {
                app::inquiries::IncomingFile {
                    filename: name.unwrap_or("attachment").to_string(),
                    bytes: part.contents().to_vec(),
                }
            }
        })
        .collect();
    Some(app::inquiries::IncomingEmail {
        message_id,
        references,
        from_address,
        from_name: from.name().map(|name| name.chars().filter(|c| !c.is_control()).collect()),
        subject: message.subject().unwrap_or("").to_string(),
        text,
        attachments,
    })
}

/// The new part of a reply: the text before the quoted message ("-----Original Message-----",
/// "On … wrote:", 「…のメッセージ:」「…書きました:」, or the `>` lines that end it with the line
/// ending in a colon that introduces them).
pub fn without_quoted_history(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        let header = line.starts_with("-----Original Message-----")
            || line.starts_with("-----元のメッセージ-----")
            || (line.starts_with("On ") && line.ends_with("wrote:"))
            || line.ends_with("書きました:")
            || line.ends_with("書きました：")
            || line.ends_with("のメッセージ:");
        if header {
            end = i;
            break;
        }
    }
    // Trailing quoted lines (and the blank ones between them), and the line introducing them
    // (「2026年12月4日(金) 10:00 運営事務局 <info@example.jp>:」).
    let before = end;
    while end > 0 && (lines[end - 1].trim_start().starts_with('>') || lines[end - 1].trim().is_empty()) {
        end -= 1;
    }
    if end < before && end > 0 && lines[end - 1].trim_end().ends_with([':', '：']) {
        end -= 1;
        while end > 0 && lines[end - 1].trim().is_empty() {
            end -= 1;
        }
    }
    let kept = lines[..end].join("\n").trim().to_string();
    if kept.is_empty() { text.trim().to_string() } else { kept }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_lose_their_quoted_history() {
        let jp = "オンライン参加もできますか？\n\n2026年12月4日(金) 10:00 運営事務局 <info@example.jp>:\n> 日程は…\n> ご確認ください";
        assert_eq!(without_quoted_history(jp), "オンライン参加もできますか？");
        let en = "Yes, thanks.\n\nOn Fri, 4 Dec 2026 at 10:00, Secretariat <info@example.jp> wrote:\n> Dates are…";
        assert_eq!(without_quoted_history(en), "Yes, thanks.");
        let outlook = "了解です。\n-----Original Message-----\nFrom: 事務局";
        assert_eq!(without_quoted_history(outlook), "了解です。");
        assert_eq!(without_quoted_history("> only a quote"), "> only a quote", "never empty");
    }

    #[test]
    fn e_mails_become_inquiry_messages() {
        let raw = "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <Taro@Example.jp>\r\n\
                   To: info@example.jp\r\n\
                   Subject: =?UTF-8?B?UmU6IOiqrOaYjuS8muOBruaXpeeoiw==?= (Q-R8-000001)\r\n\
                   Message-ID: <abc@mail.example.jp>\r\n\
                   In-Reply-To: <def@kojo>\r\n\
                   References: <ghi@kojo> <def@kojo>\r\n\
                   Content-Type: text/plain; charset=UTF-8\r\n\r\n\
                   ありがとうございます。\r\n";
        let email = incoming(raw.as_bytes(), "fallback").unwrap();
        assert_eq!(email.message_id, "abc@mail.example.jp");
        assert_eq!(email.from_address, "Taro@Example.jp");
        assert_eq!(email.from_name.as_deref(), Some("山田 太郎"));
        assert_eq!(email.subject, "Re: 説明会の日程 (Q-R8-000001)");
        assert_eq!(email.references, ["def@kojo", "def@kojo", "ghi@kojo"], "In-Reply-To, then the newest first");
        assert_eq!(email.text, "ありがとうございます。");
        let bare = incoming(b"From: a@example.jp\r\nSubject: x\r\n\r\nbody\r\n", "7.3.box@host").unwrap();
        assert_eq!(bare.message_id, "7.3.box@host");
        assert!(incoming(b"Subject: no sender\r\n\r\nbody", "x").is_none());
    }

    #[test]
    fn attachments_come_with_their_names() {
        let raw = "From: a@example.jp\r\n\
                   Subject: =?UTF-8?B?6KaL56mN5pu4?=\r\n\
                   MIME-Version: 1.0\r\n\
                   Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
                   --b1\r\n\
                   Content-Type: text/plain; charset=UTF-8\r\n\r\n\
                   添付します。\r\n\
                   --b1\r\n\
                   Content-Type: application/pdf\r\n\
                   Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf\r\n\
                   Content-Transfer-Encoding: base64\r\n\r\n\
                   JVBERi0xLjQKJeLjz9MK\r\n\
                   --b1--\r\n";
        let email = incoming(raw.as_bytes(), "x").unwrap();
        assert_eq!(email.text, "添付します。");
        assert_eq!(email.attachments.len(), 1);
        assert_eq!(email.attachments[0].filename, "見積.pdf");
        assert!(email.attachments[0].bytes.starts_with(b"%PDF-1.4"));
    }

    #[test]
    fn a_forwarded_e_mail_is_an_attachment_too() {
        let raw = "From: a@example.jp\r\n\
                   Subject: fwd\r\n\
                   MIME-Version: 1.0\r\n\
                   Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
                   --b1\r\n\
                   Content-Type: text/plain; charset=UTF-8\r\n\r\n\
                   転送します。\r\n\
                   --b1\r\n\
                   Content-Type: message/rfc822\r\n\r\n\
                   From: b@example.jp\r\n\
                   Subject: original\r\n\r\n\
                   the original text\r\n\
                   --b1--\r\n";
        let email = incoming(raw.as_bytes(), "x").unwrap();
        assert_eq!(
            email.attachments.len(),
            1,
            "{:?}",
            email.attachments.iter().map(|a| &a.filename).collect::<Vec<_>>()
        );
        assert_eq!(email.attachments[0].filename, "転送されたメール.eml");
        assert!(String::from_utf8_lossy(&email.attachments[0].bytes).contains("the original text"));
    }
}

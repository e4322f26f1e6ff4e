//! One typed configuration, from command-line flags or `KOJO_*` environment variables, with
//! defaults that run everything on an embedded SQLite file. Secrets are never printed.

use std::path::PathBuf;

use clap::Args;

#[derive(Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "KOJO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,

    /// Folder for the SQLite database and the e-mail files.
    #[arg(long, env = "KOJO_DATA_DIR", default_value = "./kojo-data")]
    pub data_dir: PathBuf,

    /// PostgreSQL URL (postgres://…); the SQLite file under the data folder when absent.
    #[arg(long, env = "KOJO_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Submissions accepted per client address per minute (0 disables the limit).
    #[arg(long, env = "KOJO_SUBMIT_RATE_LIMIT", default_value_t = 20)]
    pub submit_rate_limit: u32,

    /// Header carrying the client address when behind a trusted reverse proxy (e.g. X-Forwarded-For).
    #[arg(long, env = "KOJO_TRUSTED_CLIENT_IP_HEADER")]
    pub trusted_client_ip_header: Option<String>,

    /// The address people reach Kojo at (links in e-mails); defaults to http://ADDR.
    #[arg(long, env = "KOJO_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Mark cookies Secure (set when served over HTTPS).
    #[arg(long, env = "KOJO_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Key (≥ 32 characters) signing the short-lived cookies the server trusts; several
    /// processes behind one proxy must share it. Random per process when unset.
    #[arg(long, env = "KOJO_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// SMTP server URL (smtp://, smtps:// with credentials); without it e-mails are written as .eml files.
    #[arg(long, env = "KOJO_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// Days stored threat events are kept (daily roll-ups are kept for good).
    #[arg(long, env = "KOJO_THREAT_RETENTION_DAYS", default_value_t = 400)]
    pub threat_retention_days: u32,

    /// Run the background worker (outbox delivery, scheduled jobs) in this process. Any number of
    /// processes may run it on one database; turn it off for a web-only process.
    #[arg(long, env = "KOJO_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub worker: bool,

    /// Load the sample programme year, staff and cases on an empty database (`kojo serve --demo`).
    #[arg(skip)]
    pub demo: bool,

    /// A folder with a Japanese font for PDFs (searched before the system's fonts).
    #[arg(long, env = "KOJO_FONT_DIR")]
    pub font_dir: Option<PathBuf>,

    /// The From address of e-mails.
    #[arg(
        long,
        env = "KOJO_MAIL_FROM",
        default_value = "中小企業サイバーセキュリティ向上支援事業 運営事務局 <noreply@kojo.invalid>"
    )]
    pub mail_from: String,

    /// Syslog over UDP for UTM logs (e.g. 0.0.0.0:514); off when absent.
    #[arg(long, env = "KOJO_SYSLOG_UDP")]
    pub syslog_udp: Option<String>,

    /// Syslog over TCP (RFC 6587 octet counting or newline framing, no TLS); off when absent.
    #[arg(long, env = "KOJO_SYSLOG_TCP")]
    pub syslog_tcp: Option<String>,

    /// Syslog over TLS (RFC 5425, e.g. 0.0.0.0:6514); needs the certificate and key below.
    #[arg(long, env = "KOJO_SYSLOG_TLS")]
    pub syslog_tls: Option<String>,

    /// PEM file with the TLS listener's certificate chain (server certificate first).
    #[arg(long, env = "KOJO_SYSLOG_TLS_CERT")]
    pub syslog_tls_cert: Option<PathBuf>,

    /// PEM file with the TLS listener's private key.
    #[arg(long, env = "KOJO_SYSLOG_TLS_KEY")]
    pub syslog_tls_key: Option<PathBuf>,

    /// Open syslog TCP and TLS connections allowed together; further ones are closed on arrival.
    #[arg(long, env = "KOJO_SYSLOG_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub syslog_max_connections: u32,

    /// Bytes of unfinished syslog messages held over all TCP/TLS connections; a connection that
    /// would pass it is closed.
    #[arg(long, env = "KOJO_SYSLOG_MAX_BUFFERED_BYTES", default_value_t = 32 << 20,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub syslog_max_buffered_bytes: u64,

    /// Seconds a syslog TCP/TLS connection may stay silent before it is closed.
    #[arg(long, env = "KOJO_SYSLOG_IDLE_SECONDS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub syslog_idle_seconds: u64,

    /// Seconds a client may take to send a request's headers (and a kept-alive connection may
    /// stay without a new request) before the connection is closed.
    #[arg(long, env = "KOJO_HTTP_HEADER_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub http_header_timeout_seconds: u64,

    /// Open HTTP connections served at once; further ones wait in the kernel's queue.
    #[arg(long, env = "KOJO_HTTP_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub http_max_connections: u32,

    /// Address serving `GET /metrics` (Prometheus text format), e.g. 127.0.0.1:9464; off when
    /// unset. Bind it where only the monitoring system reaches: it is not behind sign-in.
    #[arg(long, env = "KOJO_METRICS_ADDR")]
    pub metrics_addr: Option<String>,

    /// Log lines as plain text or as one JSON object a line.
    #[arg(long, env = "KOJO_LOG_FORMAT", value_enum, default_value_t = crate::telemetry::LogFormat::Text)]
    pub log_format: crate::telemetry::LogFormat,

    /// Folder for the nightly backup (SQLite: a consistent copy; PostgreSQL: pg_dump; at 02:00
    /// Tokyo time); off when unset.
    #[arg(long, env = "KOJO_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,

    /// Nightly backups kept in `KOJO_BACKUP_DIR`; older ones are deleted.
    #[arg(long, env = "KOJO_BACKUP_KEEP", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub backup_keep: u32,

    /// NATS with JetStream, e.g. nats://127.0.0.1:4222: the syslog listener publishes what it
    /// receives to the stream instead of writing the database, and `kojo utm consume` writes it.
    #[arg(long, env = "KOJO_NATS_URL")]
    pub nats_url: Option<String>,

    /// The JetStream stream (created when missing, file storage).
    #[arg(long, env = "KOJO_NATS_STREAM", default_value = "KOJO_SYSLOG")]
    pub nats_stream: String,

    /// The stream's subjects are SUBJECT.LISTENER_ID.
    #[arg(long, env = "KOJO_NATS_SUBJECT", default_value = "kojo.syslog")]
    pub nats_subject: String,

    /// Hours the stream keeps a message (consumers must catch up within this time).
    #[arg(long, env = "KOJO_NATS_MAX_AGE_HOURS", default_value_t = 72,
          value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub nats_max_age_hours: u32,

    /// The durable consumer all `kojo utm consume` processes share.
    #[arg(long, env = "KOJO_NATS_CONSUMER", default_value = "kojo-consume")]
    pub nats_consumer: String,

    /// Stream messages (each up to 512 syslog messages) a consumer commits in one transaction.
    #[arg(long, env = "KOJO_NATS_BATCH", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub nats_batch: u32,

    /// Seconds a consumer may hold a stream message unacknowledged before another gets it
    /// (longer than a batch takes to commit).
    #[arg(long, env = "KOJO_NATS_ACK_WAIT_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub nats_ack_wait_seconds: u32,

    /// This listener's name in the stream's subject (one per listening machine).
    #[arg(long, env = "KOJO_LISTENER_ID", default_value = "default")]
    pub listener_id: String,

    /// The secretariat's mailbox, read for inquiries: `imaps://USER:PASSWORD@HOST[:993]/INBOX`
    /// (`imap://` without TLS only to a loopback address). Off when unset.
    #[arg(long, env = "KOJO_IMAP_URL", hide_env_values = true)]
    pub imap_url: Option<String>,

    /// Seconds between two reads of the mailbox.
    #[arg(long, env = "KOJO_IMAP_INTERVAL_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(10..=3600))]
    pub imap_interval_seconds: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("database", &if self.database_url.is_some() { "postgres (redacted)" } else { "sqlite" })
            .field("smtp", &self.smtp_url.as_ref().map(|_| "(redacted)"))
            .field("imap", &self.imap_url.as_ref().map(|_| "(redacted)"))
            .field("secret_key", &self.secret_key.as_ref().map(|_| "(redacted)"))
            .field("syslog_udp", &self.syslog_udp)
            .field("syslog_tcp", &self.syslog_tcp)
            .field("syslog_tls", &self.syslog_tls)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults for a data folder (tests and benchmarks build on this).
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            addr: "127.0.0.1:0".into(),
            data_dir: data_dir.into(),
            database_url: None,
            submit_rate_limit: 0,
            trusted_client_ip_header: None,
            public_url: None,
            secure_cookies: false,
            secret_key: None,
            smtp_url: None,
            font_dir: None,
            threat_retention_days: 400,
            worker: true,
            demo: false,
            mail_from: "Kojo <noreply@kojo.invalid>".into(),
            syslog_udp: None,
            syslog_tcp: None,
            syslog_tls: None,
            syslog_tls_cert: None,
            syslog_tls_key: None,
            syslog_max_connections: 512,
            syslog_max_buffered_bytes: 32 << 20,
            syslog_idle_seconds: 600,
            http_header_timeout_seconds: 10,
            http_max_connections: 512,
            metrics_addr: None,
            log_format: crate::telemetry::LogFormat::Text,
            backup_dir: None,
            backup_keep: 7,
            nats_url: None,
            nats_stream: "KOJO_SYSLOG".into(),
            nats_subject: "kojo.syslog".into(),
            nats_max_age_hours: 72,
            nats_consumer: "kojo-consume".into(),
            nats_batch: 64,
            nats_ack_wait_seconds: 30,
            listener_id: "default".into(),
            imap_url: None,
            imap_interval_seconds: 60,
        }
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("kojo.sqlite3").display()),
        }
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    pub fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.addr))
    }

    pub fn font_dirs(&self) -> Vec<PathBuf> {
        self.font_dir.iter().cloned().collect()
    }

    /// The key signing trusted cookies; an error when `KOJO_SECRET_KEY` is too short.
    pub fn signing_key(&self) -> anyhow::Result<web::signed::SigningKey> {
        web::signed::SigningKey::new(self.secret_key.as_deref()).map_err(anyhow::Error::msg)
    }

    pub fn web_config(&self) -> web::WebConfig {
        web::WebConfig {
            submit_rate_limit_per_minute: self.submit_rate_limit,
            client_ip: match &self.trusted_client_ip_header {
                Some(header) => web::ClientIpSource::Header(header.to_ascii_lowercase()),
                None => web::ClientIpSource::Socket,
            },
            secure_cookies: self.secure_cookies,
            public_url: self.public_url(),
            font_dirs: self.font_dirs(),
            signing_key: self.signing_key().unwrap_or_else(|_| web::signed::SigningKey::new(None).expect("random")),
            header_read_timeout: std::time::Duration::from_secs(self.http_header_timeout_seconds),
            max_connections: self.http_max_connections as usize,
        }
    }
}

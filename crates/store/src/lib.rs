//! Kojo's database: the one migration tree for SQLite and PostgreSQL, and plain async
//! repository functions that take a [`Db`] (or a transaction) and speak in `domain` types or
//! the small record types defined here.
//!
//! Must not: let SeaORM types out of the crate, know about HTTP, or hold business rules beyond
//! the invariants the database itself must guard (capacity, uniqueness).

mod entities;
mod migration;
mod migration_case_studies;
mod migration_cases;
mod migration_guidance;
mod migration_incidents;
mod migration_inquiries;
mod migration_jobs;
mod migration_portal;
mod migration_risk;
mod migration_secretariat;
mod migration_security;
mod migration_seminars;
mod migration_stats;
mod migration_stream;
mod migration_surveys;
mod migration_syslog;
mod migration_utm;

pub mod accounts;
pub mod agreements;
pub mod applications;
pub mod audit;
pub mod case_studies;
pub mod cases;
pub mod devices;
pub mod guidance;
pub mod holidays;
pub mod incidents;
pub mod inquiries;
pub mod intake;
pub mod jobs;
pub mod logs;
pub mod outbox;
pub mod portal;
pub mod programmes;
pub mod reports;
pub mod retention;
pub mod risk;
pub mod seminars;
pub mod stats;
pub mod stream;
pub mod surveys;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

pub use migration::Migrator;

/// The advisory lock key of [`Db::startup_lock`] ("kojo" in ASCII, then 1).
const STARTUP_LOCK_KEY: i64 = 0x6b6f_6a6f_0000_0001;

/// A turn at start-up work, from [`Db::startup_lock`].
pub struct StartupLock(Option<sea_orm::sqlx::PgConnection>);

impl StartupLock {
    /// Ends the turn (closing the connection frees the lock).
    pub async fn release(self) {
        if let Some(connection) = self.0 {
            let _ = sea_orm::sqlx::Connection::close(connection).await;
        }
    }
}

/// A handle on the database, cheap to clone (it wraps a pool).
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("not found")]
    NotFound,
    #[error("this company has already applied in this programme year")]
    Duplicate,
    /// Well-formed, but the programme's rules or the record's state do not allow it.
    #[error("refused: {0}")]
    Refused(#[from] domain::refusal::Refusal),
    /// A generated reference number was taken (retried with a fresh one).
    #[error("reference number taken")]
    ReferenceTaken,
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// A document (PDF) could not be produced; the message names the cause and its fix.
    #[error("document: {0}")]
    Document(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// The current time, as the application's clock tells it (for long-lived tasks such as the
/// submission writer, which stamp rows after taking their locks).
pub type Now = std::sync::Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl Db {
    /// Connects to `sqlite://PATH` (created if missing; WAL mode) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        let mut options = ConnectOptions::new(url.to_string());
        options.sqlx_logging(false).acquire_timeout(Duration::from_secs(30));
        if url.starts_with("sqlite:") {
            // One writer at a time is SQLite's rule: writers queue on the busy timeout
            // (BEGIN IMMEDIATE), readers proceed in parallel under WAL.
            options.max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|opts: SqliteConnectOptions| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true)
            });
        } else {
            options.max_connections(32).min_connections(1);
        }
        let conn = Database::connect(options).await?;
        Ok(Db { conn })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    pub fn is_sqlite(&self) -> bool {
        self.conn.get_database_backend() == DbBackend::Sqlite
    }

    pub fn backend_name(&self) -> &'static str {
        match self.conn.get_database_backend() {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgresql",
            _ => "other",
        }
    }

    /// Checks the connection works (for readiness).
    pub async fn ping(&self) -> Result<()> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// Waits until no other process is migrating or preparing its first start on this database,
    /// and holds that turn until [`StartupLock::release`] (or the lock is dropped): several
    /// `kojo serve` starting together on one PostgreSQL database would otherwise create the same
    /// tables, or the same first programme and administrator, at once. A session advisory lock
    /// on a connection of its own, outside the pool, so that closing it always frees the lock.
    /// SQLite (one process on one file): nothing to hold.
    pub async fn startup_lock(&self) -> Result<StartupLock> {
        use sea_orm::sqlx;
        if self.is_sqlite() {
            return Ok(StartupLock(None));
        }
        let unavailable = |error: sqlx::Error| StoreError::Database(DbErr::Custom(format!("startup lock: {error}")));
        let pool = self.conn.get_postgres_connection_pool();
        let mut connection = pool.acquire().await.map_err(unavailable)?.detach();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(STARTUP_LOCK_KEY)
            .execute(&mut connection)
            .await
            .map_err(unavailable)?;
        Ok(StartupLock(Some(connection)))
    }

    /// Migrations this Kojo knows that the database has not applied (for readiness: a process
    /// of an older or newer build than the database's schema is not ready).
    /// Reads only (no migration table is created, no lock taken): readiness probes run often.
    pub async fn pending_migrations(&self) -> Result<usize> {
        let rows = self
            .conn
            .query_all_raw(sea_orm::Statement::from_string(
                self.conn.get_database_backend(),
                "SELECT version FROM seaql_migrations",
            ))
            .await?;
        let applied: std::collections::HashSet<String> =
            rows.iter().filter_map(|row| row.try_get::<String>("", "version").ok()).collect();
        Ok(Migrator::migrations().iter().filter(|m| !applied.contains(m.name())).count())
    }

    /// Writes a consistent copy of an SQLite database to `path` (`VACUUM INTO`: one read
    /// transaction, so writers carry on and the copy is the database at one moment). `path` must
    /// not exist. An error on PostgreSQL, whose copies are `pg_dump`'s.
    pub async fn snapshot_into(&self, path: &std::path::Path) -> Result<()> {
        if !self.is_sqlite() {
            return Err(StoreError::Unavailable("a snapshot copy is for SQLite; PostgreSQL is copied with pg_dump"));
        }
        let path = path.to_str().ok_or(StoreError::Unavailable("the backup path is not valid UTF-8"))?;
        let statement = sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [sea_orm::Value::from(path.to_string())],
        );
        self.conn.execute_raw(statement).await?;
        Ok(())
    }

    /// SQLite's own check of every page and index (`PRAGMA integrity_check` answers `ok`).
    pub async fn integrity_ok(&self) -> Result<bool> {
        let row = self
            .conn
            .query_one_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check"))
            .await?
            .ok_or(StoreError::NotFound)?;
        let answer: String = row.try_get_by_index(0)?;
        Ok(answer == "ok")
    }

    /// Whether the database holds no tables at all (a restore goes only into an empty one).
    pub async fn is_empty(&self) -> Result<bool> {
        let sql = if self.is_sqlite() {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        } else {
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()"
        };
        let row = self
            .conn
            .query_one_raw(sea_orm::Statement::from_string(self.conn.get_database_backend(), sql))
            .await?
            .ok_or(StoreError::NotFound)?;
        let tables: i64 = row.try_get("", "n")?;
        Ok(tables == 0)
    }

    pub async fn close(self) -> Result<()> {
        self.conn.close().await?;
        Ok(())
    }

    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Starts a write transaction: `BEGIN IMMEDIATE` on SQLite so that a read-then-write
    /// transaction holds the write lock from its start; plain `BEGIN` on PostgreSQL, where the
    /// guarded rows are locked with `SELECT … FOR UPDATE`.
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let options = TransactionOptions {
            sqlite_transaction_mode: self.is_sqlite().then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.conn.begin_with_options(options).await?)
    }
}

/// A write transaction opened by an application service: the change, its audit rows and its
/// e-mails are written through it and become visible together at `commit`, or not at all
/// (dropping it uncommitted rolls everything back).
pub struct Tx {
    inner: sea_orm::DatabaseTransaction,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await?;
        Ok(())
    }

    pub(crate) fn conn(&self) -> &sea_orm::DatabaseTransaction {
        &self.inner
    }
}

impl Db {
    /// Opens a write transaction (see [`Tx`]); guarded rows are locked by the functions that use them.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx { inner: self.begin_write().await? })
    }
}

/// Whether a database error is the violation of the unique index or constraint `name`.
/// PostgreSQL names the constraint; SQLite names the columns, so callers pass a column too.
pub(crate) fn is_unique_violation(error: &DbErr, name: &str, sqlite_columns: &str) -> bool {
    match error.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) => {
            message.contains(name) || message.contains(sqlite_columns)
        }
        _ => false,
    }
}

/// A random token of `bytes` bytes, hex-encoded: session ids, CSRF tokens, one-time passwords.
pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// SHA-256 of a secret, hex-encoded: what the database keeps instead of the secret itself.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Support for tests and benchmarks that need a database of their own on a shared server.
pub mod scratch {
    use sea_orm::{ConnectionTrait, Database};

    use crate::Result;

    /// Creates database `name` through `admin_url` (a PostgreSQL URL to an existing database)
    /// and returns the URL of the new one.
    pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String> {
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "plain database names only");
        let admin = Database::connect(admin_url).await?;
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await?;
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
        admin.close().await?;
        let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(admin_url);
        Ok(format!("{base}/{name}"))
    }

    /// Runs SQL as it is, for tests that install a fault (a trigger that fails a write).
    pub async fn execute(db: &crate::Db, sql: &str) -> Result<()> {
        db.conn().execute_unprepared(sql).await?;
        Ok(())
    }

    /// Drops database `name` (closing other sessions on it first).
    pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<()> {
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "plain database names only");
        let admin = Database::connect(admin_url).await?;
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        admin.close().await?;
        Ok(())
    }
}

/// SHA-256 of bytes, hex-encoded: the fingerprint kept with every stored document.
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

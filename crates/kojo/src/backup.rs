//! Backups: `kojo backup --out FILE`, `kojo restore FILE` and the nightly copy
//! (`KOJO_BACKUP_DIR`, keeping `KOJO_BACKUP_KEEP`).
//!
//! SQLite (the embedded default) is copied online with `VACUUM INTO`: one read transaction, so
//! submissions carry on and the copy is the database at one moment, with every transaction
//! committed before it began. PostgreSQL is copied by `pg_dump --format=custom` (also one
//! snapshot) and restored by `pg_restore`; both must be on the `PATH`.
//!
//! A restore goes only into an empty database, so a mistyped command never overwrites live
//! data; it applies the migrations a newer Kojo added since the copy was made.
//!
//! A backup holds every company's personal data: it is written readable by its owner only
//! (0600), and a PostgreSQL password is handed to `pg_dump`/`pg_restore` in `PGPASSWORD`, never
//! on their command line (which every user of the machine can read).

use std::path::{Path, PathBuf};

use tokio::process::Command;

use anyhow::{Context, bail};
use store::Db;

use crate::Config;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    /// `sqlite` or `pg_dump`.
    pub format: &'static str,
}

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

/// Copies the database of `db` (opened from `database_url`) to `out`, which must not exist.
pub async fn backup(
    db: &Db,
    database_url: &str,
    out: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Written> {
    if out.exists() {
        bail!("{} already exists; a backup never overwrites a file", out.display());
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("failed to create {}", parent.display()))?;
    }
    // Written beside its final name and renamed when complete: a half-written copy never
    // carries the name of a backup.
    let partial = partial_path(out);
    let _ = std::fs::remove_file(&partial);
    // Created empty and private first: both VACUUM INTO and pg_dump write into it keeping its mode.
    private_file(&partial)?;
    let format = if db.is_sqlite() {
        if let Err(error) = db.snapshot_into(&partial).await {
            let _ = std::fs::remove_file(&partial);
            return Err(anyhow::Error::new(error).context("SQLite backup (VACUUM INTO) failed"));
        }
        "sqlite"
    } else {
        let status = postgres_tool("pg_dump", database_url)?
            .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
            .arg(&partial)
            .status()
            .await
            .context("pg_dump is not on the PATH (Debian: apt-get install postgresql-client)")?;
        if !status.success() {
            let _ = std::fs::remove_file(&partial);
            bail!("pg_dump failed ({status})");
        }
        "pg_dump"
    };
    std::fs::rename(&partial, out).with_context(|| format!("failed to name the backup {}", out.display()))?;
    let bytes = std::fs::metadata(out)?.len();
    store::audit::record(
        db,
        store::audit::NewAuditEntry {
            actor: store::audit::Actor::System("backup"),
            action: "database.backup",
            subject_type: "database",
            subject_id: None,
            ip: None,
            detail: serde_json::json!({ "file": out.file_name().map(|n| n.to_string_lossy()), "bytes": bytes, "format": format }),
        },
        now,
    )
    .await?;
    Ok(Written { path: out.to_path_buf(), bytes, format })
}

/// Restores `file` (made by [`backup`]) into the empty database `config` names, then migrates.
pub async fn restore(config: &Config, file: &Path, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Db> {
    let mut head = [0u8; 16];
    let read = std::io::Read::read(
        &mut std::fs::File::open(file).with_context(|| format!("failed to open {}", file.display()))?,
        &mut head,
    )?;
    let head = &head[..read];
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        if !head.starts_with(SQLITE_MAGIC) {
            bail!("{} is not an SQLite backup, and this Kojo's database is SQLite", file.display());
        }
        let target = sqlite_path(&url).context("the SQLite database URL names no file")?;
        if target.exists() {
            let db = Db::connect(&url).await?;
            let empty = db.is_empty().await?;
            db.close().await?;
            if !empty {
                bail!("{} holds data; a restore goes only into an empty database", target.display());
            }
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
            }
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let partial = partial_path(&target);
        let _ = std::fs::remove_file(&partial);
        private_file(&partial)?;
        // Into the private file already made (a plain copy would take the backup's own mode).
        let (from, to) = (file.to_path_buf(), partial.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
            let mut source = std::fs::File::open(&from)?;
            let mut target = std::fs::OpenOptions::new().write(true).truncate(true).open(&to)?;
            std::io::copy(&mut source, &mut target)
        })
        .await?
        .with_context(|| format!("failed to copy {}", file.display()))?;
        let check = Db::connect(&format!("sqlite://{}", partial.display())).await?;
        let intact = check.integrity_ok().await;
        check.close().await?;
        // The check's journal files belong to the partial name, and any left by an earlier
        // database at the target's would be read as part of the restored one.
        for path in [&partial, &target] {
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if !intact.unwrap_or(false) {
            let _ = std::fs::remove_file(&partial);
            bail!("{} is damaged (SQLite's integrity check failed); nothing was restored", file.display());
        }
        std::fs::rename(&partial, &target)?;
    } else {
        if !head.starts_with(PG_DUMP_MAGIC) {
            bail!("{} is not a pg_dump (custom format) backup, and this Kojo's database is PostgreSQL", file.display());
        }
        let db = Db::connect(&url).await?;
        let empty = db.is_empty().await?;
        db.close().await?;
        if !empty {
            bail!("the PostgreSQL database holds tables; a restore goes only into an empty database");
        }
        let status = postgres_tool("pg_restore", &url)?
            .args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"])
            .arg(file)
            .status()
            .await
            .context("pg_restore is not on the PATH (Debian: apt-get install postgresql-client)")?;
        if !status.success() {
            bail!("pg_restore failed ({status}); the database was left as it was");
        }
    }
    let db = crate::setup::open_database(config).await?;
    store::audit::record(
        &db,
        store::audit::NewAuditEntry {
            actor: store::audit::Actor::System("restore"),
            action: "database.restore",
            subject_type: "database",
            subject_id: None,
            ip: None,
            detail: serde_json::json!({ "file": file.file_name().map(|n| n.to_string_lossy()) }),
        },
        now,
    )
    .await?;
    Ok(db)
}

/// The nightly copy into `dir`, named by its Tokyo time; keeps the newest `keep` and deletes
/// older ones. Returns the copy written and the files deleted.
pub async fn nightly(
    db: &Db,
    database_url: &str,
    dir: &Path,
    keep: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(Written, Vec<PathBuf>)> {
    let stamp = now.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y%m%d-%H%M%S");
    let extension = if db.is_sqlite() { "sqlite3" } else { "pgdump" };
    let written = backup(db, database_url, &dir.join(format!("kojo-{stamp}.{extension}")), now).await?;
    let mut copies: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            name.starts_with("kojo-") && (name.ends_with(".sqlite3") || name.ends_with(".pgdump"))
        })
        .collect();
    // The stamp sorts by time.
    copies.sort();
    let excess = copies.len().saturating_sub(keep.max(1) as usize);
    let deleted: Vec<PathBuf> = copies.into_iter().take(excess).collect();
    for path in &deleted {
        std::fs::remove_file(path).with_context(|| format!("failed to delete the old backup {}", path.display()))?;
    }
    Ok((written, deleted))
}

/// `program` (`pg_dump`, `pg_restore`) for the database at `url`: the URL without its password
/// as `--dbname`, the password in `PGPASSWORD`.
fn postgres_tool(program: &str, url: &str) -> anyhow::Result<Command> {
    let (url, password) = split_password(url)?;
    let mut command = Command::new(program);
    command.arg("--dbname").arg(url);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    Ok(command)
}

/// The URL without its password, and the password (percent-decoded).
fn split_password(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).context("the PostgreSQL URL is not a valid URL")?;
    let password = parsed
        .password()
        .map(|p| percent_encoding::percent_decode_str(p).decode_utf8().map(|p| p.into_owned()))
        .transpose()
        .context("the PostgreSQL password is not valid percent-encoded UTF-8")?;
    if password.is_some() {
        parsed.set_password(None).map_err(|()| anyhow::anyhow!("the PostgreSQL URL cannot carry a password"))?;
    }
    Ok((parsed.to_string(), password))
}

/// Creates `path` empty, readable and writable by its owner only.
fn private_file(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).with_context(|| format!("failed to create {}", path.display()))?;
    Ok(())
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// The file of an `sqlite://PATH?…` URL.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty()).then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///var/lib/kojo/kojo.sqlite3?mode=rwc"),
            Some("/var/lib/kojo/kojo.sqlite3".into())
        );
        assert_eq!(sqlite_path("sqlite://./kojo-data/kojo.sqlite3"), Some("./kojo-data/kojo.sqlite3".into()));
        assert_eq!(sqlite_path("sqlite://?mode=memory"), None);
    }

    #[test]
    fn postgres_passwords_leave_the_command_line() {
        let (url, password) =
            split_password("postgres://kojo:s%40cr%2Ft@db.example:5432/kojo?sslmode=require").unwrap();
        assert_eq!(url, "postgres://kojo@db.example:5432/kojo?sslmode=require");
        assert_eq!(password.as_deref(), Some("s@cr/t"));
        let (url, password) = split_password("postgres://postgres@127.0.0.1:5432/test").unwrap();
        assert_eq!((url.as_str(), password), ("postgres://postgres@127.0.0.1:5432/test", None));
    }
}

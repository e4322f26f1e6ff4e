//! M0009: syslog hardening. Unknown senders are kept per (sender address, serial) with the
//! reason their messages were not accepted, and capped (what does not fit is counted in one
//! overflow row); the listener's status gains the messages refused for their sender address,
//! the connections refused, timed out or closed for buffering too much, and per-vendor counts.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0009SyslogHardening;

impl MigrationName for M0009SyslogHardening {
    fn name(&self) -> &str {
        "m0009_syslog_hardening"
    }
}

#[derive(DeriveIden)]
enum UnknownSenders {
    Table,
    Sender,
    Serial,
    Reason,
    FirstSeen,
    LastSeen,
    Messages,
    Sample,
}

#[derive(DeriveIden)]
enum ListenerStatus {
    Table,
    RefusedSender,
    ConnectionsRefused,
    ConnectionsTimedOut,
    ConnectionsOverBudget,
    Vendors,
}

/// The new table until the old one (M0005, keyed by "ADDRESS SERIAL") is dropped: created
/// under another name so that no constraint name collides (PostgreSQL's `…_pkey`).
const NEW: &str = "unknown_senders_m0009";

/// Rows copied from the old table (its newest); the rest are summed into the overflow row.
/// Equal to `logs::UNKNOWN_SENDERS_KEPT` when this migration was written.
const KEPT: u32 = 1_000;

#[async_trait::async_trait]
impl MigrationTrait for M0009SyslogHardening {
    /// On SQLite too: the table is rebuilt, which must happen whole or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(NEW))
                    .col(string_len(UnknownSenders::Sender, 64))
                    // Empty when the message carried none.
                    .col(string_len(UnknownSenders::Serial, 128))
                    .col(string_len(UnknownSenders::Reason, 32))
                    .col(timestamp_with_time_zone(UnknownSenders::FirstSeen))
                    .col(timestamp_with_time_zone(UnknownSenders::LastSeen))
                    .col(big_integer(UnknownSenders::Messages))
                    .col(text(UnknownSenders::Sample))
                    .primary_key(Index::create().col(UnknownSenders::Sender).col(UnknownSenders::Serial))
                    .to_owned(),
            )
            .await?;
        // The old key was "ADDRESS SERIAL" (or the address alone).
        let (address, serial, rest) = match manager.get_database_backend() {
            DbBackend::Postgres => (
                "split_part(sender, ' ', 1)",
                "CASE WHEN position(' ' in sender) > 0 THEN substr(sender, position(' ' in sender) + 1) ELSE '' END",
                format!("SELECT * FROM unknown_senders ORDER BY last_seen DESC OFFSET {KEPT}"),
            ),
            _ => (
                "CASE WHEN instr(sender, ' ') > 0 THEN substr(sender, 1, instr(sender, ' ') - 1) ELSE sender END",
                "CASE WHEN instr(sender, ' ') > 0 THEN substr(sender, instr(sender, ' ') + 1) ELSE '' END",
                format!("SELECT * FROM unknown_senders ORDER BY last_seen DESC LIMIT -1 OFFSET {KEPT}"),
            ),
        };
        let connection = manager.get_connection();
        connection
            .execute_unprepared(&format!(
                "INSERT INTO {NEW} (sender, serial, reason, first_seen, last_seen, messages, sample) \
                 SELECT {address}, {serial}, 'no_device', first_seen, last_seen, messages, sample \
                 FROM (SELECT * FROM unknown_senders ORDER BY last_seen DESC LIMIT {KEPT}) newest"
            ))
            .await?;
        connection
            .execute_unprepared(&format!(
                "INSERT INTO {NEW} (sender, serial, reason, first_seen, last_seen, messages, sample) \
                 SELECT '*', '*', 'overflow', MIN(first_seen), MAX(last_seen), CAST(SUM(messages) AS BIGINT), '' \
                 FROM ({rest}) older HAVING COUNT(*) > 0"
            ))
            .await?;
        manager.drop_table(Table::drop().table(UnknownSenders::Table).to_owned()).await?;
        manager.rename_table(Table::rename().table(Alias::new(NEW), UnknownSenders::Table).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_unknown_senders_last_seen")
                    .table(UnknownSenders::Table)
                    .col(UnknownSenders::LastSeen)
                    .to_owned(),
            )
            .await?;

        // SQLite adds one column per statement.
        for column in [
            ListenerStatus::RefusedSender,
            ListenerStatus::ConnectionsRefused,
            ListenerStatus::ConnectionsTimedOut,
            ListenerStatus::ConnectionsOverBudget,
        ] {
            manager
                .alter_table(
                    Table::alter().table(ListenerStatus::Table).add_column(big_integer(column).default(0)).to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ListenerStatus::Table)
                    .add_column(text(ListenerStatus::Vendors).default("{}"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

//! The messages of a stream (NATS JetStream) whose effects are committed: a consumer writes, in
//! the transaction that applies a stream message, that message's identity (its `Nats-Msg-Id`,
//! which stays the same when the publisher sends it again); the primary key makes a second
//! application of the same message fail, so a message redelivered after a crash, handed to two
//! consumers, or published twice, changes the data once.
//!
//! Must not: know the stream's message format (the `kojo` consumer does).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set};

use crate::{Db, Result, Tx};

pub(crate) mod applied {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "stream_messages_applied")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub stream: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: String,
        pub applied_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The longest message identity kept (the column's width).
pub const MESSAGE_ID_MAX: usize = 200;

/// Which of `ids` of `stream` are already applied.
pub async fn applied(db: &Db, stream: &str, ids: &[String]) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<String> = applied::Entity::find()
            .select_only()
            .column(applied::Column::MessageId)
            .filter(applied::Column::Stream.eq(stream))
            .filter(applied::Column::MessageId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db.conn())
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Records `ids` of `stream` as applied, in the transaction that applied them. Fails (and so
/// fails the transaction) when one is already recorded.
pub async fn mark_applied(tx: &Tx, stream: &str, ids: &[String], now: DateTime<Utc>) -> Result<()> {
    for chunk in ids.chunks(500) {
        let rows = chunk.iter().map(|id| applied::ActiveModel {
            stream: Set(stream.to_string()),
            message_id: Set(id.clone()),
            applied_at: Set(now),
        });
        applied::Entity::insert_many(rows).exec(tx.conn()).await?;
    }
    Ok(())
}

/// How many messages of `stream` are recorded as applied.
pub async fn count(db: &Db, stream: &str) -> Result<u64> {
    Ok(applied::Entity::find().filter(applied::Column::Stream.eq(stream)).count(db.conn()).await?)
}

/// Forgets positions applied before `before` (the stream itself keeps messages for a shorter
/// time, so none of them can be delivered again).
pub async fn forget_before(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    let result = applied::Entity::delete_many().filter(applied::Column::AppliedAt.lt(before)).exec(db.conn()).await?;
    Ok(result.rows_affected)
}

/// Whether the database takes writes now: a row inserted into the positions table and rolled
/// back. A consumer asks it before judging a message that fails on its own (a database that
/// answers reads but refuses writes — a full disk, a read-only standby — fails every message
/// alike, and none of them is to blame).
pub async fn writable(db: &Db, stream: &str, now: DateTime<Utc>) -> Result<()> {
    let tx = db.begin().await?;
    applied::ActiveModel {
        stream: Set(stream.to_string()),
        message_id: Set(format!("probe:{}", uuid::Uuid::new_v4().simple())),
        applied_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    // Dropped without commit: rolled back.
    drop(tx);
    Ok(())
}

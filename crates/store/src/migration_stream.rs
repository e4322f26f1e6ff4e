//! M0020: the JetStream positions whose effects are committed (`store::stream`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0020StreamPositions;

impl MigrationName for M0020StreamPositions {
    fn name(&self) -> &str {
        "m0020_stream_positions"
    }
}

#[derive(DeriveIden)]
enum StreamApplied {
    Table,
    Stream,
    Sequence,
    AppliedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0020StreamPositions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StreamApplied::Table)
                    .col(string_len(StreamApplied::Stream, 64))
                    .col(big_integer(StreamApplied::Sequence))
                    .col(timestamp_with_time_zone(StreamApplied::AppliedAt))
                    .primary_key(Index::create().col(StreamApplied::Stream).col(StreamApplied::Sequence))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_stream_applied_at")
                    .table(StreamApplied::Table)
                    .col(StreamApplied::AppliedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StreamApplied::Table).to_owned()).await
    }
}

/// M0021: positions are the chunk's own identity (`Nats-Msg-Id`), not the stream sequence: a
/// chunk the listener published again after the stream's duplicate window has passed (a long
/// NATS outage) gets a new sequence but keeps its id, and must still be applied once. The
/// sequence-keyed table is dropped; consumers are drained before upgrading (`docs/deploy.md`).
pub struct M0021StreamMessageIds;

impl MigrationName for M0021StreamMessageIds {
    fn name(&self) -> &str {
        "m0021_stream_message_ids"
    }
}

#[derive(DeriveIden)]
enum StreamMessagesApplied {
    Table,
    Stream,
    MessageId,
    AppliedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0021StreamMessageIds {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StreamMessagesApplied::Table)
                    .col(string_len(StreamMessagesApplied::Stream, 64))
                    .col(string_len(StreamMessagesApplied::MessageId, 200))
                    .col(timestamp_with_time_zone(StreamMessagesApplied::AppliedAt))
                    .primary_key(
                        Index::create().col(StreamMessagesApplied::Stream).col(StreamMessagesApplied::MessageId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_stream_messages_applied_at")
                    .table(StreamMessagesApplied::Table)
                    .col(StreamMessagesApplied::AppliedAt)
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(StreamApplied::Table).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StreamMessagesApplied::Table).to_owned()).await?;
        M0020StreamPositions.up(manager).await
    }
}

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

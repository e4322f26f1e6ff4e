//! M0027: the public statistics as published each day (`/stats`), kept per day so that a page
//! shows the same figures all day and a day's figures can be shown again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0027PublicStats;

impl MigrationName for M0027PublicStats {
    fn name(&self) -> &str {
        "m0027_public_stats"
    }
}

#[derive(DeriveIden)]
enum PublicStats {
    Table,
    Day,
    FiscalYear,
    Body,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0027PublicStats {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PublicStats::Table)
                    .col(string_len(PublicStats::Day, 10).primary_key())
                    .col(integer(PublicStats::FiscalYear))
                    .col(text(PublicStats::Body))
                    .col(timestamp_with_time_zone(PublicStats::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PublicStats::Table).to_owned()).await
    }
}

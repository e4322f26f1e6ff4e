//! M0008: scheduled work — one row per job (the monthly report drafts of a month, the retention
//! purge of a day), unique per kind and key so that planning the same job twice is a no-op, with
//! its attempts, last error and the lease of the worker running it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0008Jobs;

impl MigrationName for M0008Jobs {
    fn name(&self) -> &str {
        "m0008_jobs"
    }
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Key,
    DueAt,
    Attempts,
    LastError,
    DoneAt,
    LockedUntil,
    LockedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0008Jobs {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_uuid(Jobs::Id))
                    .col(string(Jobs::Kind))
                    .col(string(Jobs::Key))
                    .col(timestamp_with_time_zone(Jobs::DueAt))
                    .col(integer(Jobs::Attempts))
                    .col(text_null(Jobs::LastError))
                    .col(timestamp_with_time_zone_null(Jobs::DoneAt))
                    .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                    .col(string_null(Jobs::LockedBy))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_jobs_kind_key")
                    .table(Jobs::Table)
                    .col(Jobs::Kind)
                    .col(Jobs::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The claim's scan: jobs not done, by due time.
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_done_due")
                    .table(Jobs::Table)
                    .col(Jobs::DoneAt)
                    .col(Jobs::DueAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

//! M0002: applications become cases — the event timeline, the contact log, the status check,
//! the course proposal and decision, the assignee.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0002Cases;

impl MigrationName for M0002Cases {
    fn name(&self) -> &str {
        "m0002_cases"
    }
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    StatusCheck,
    ProposedCourse,
    DecisionReason,
    AssigneeUserId,
    FirstContactAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Id,
    ApplicationId,
    At,
    ActorUserId,
    ActorLabel,
    Event,
    FromState,
    ToState,
    Reason,
    Detail,
}

#[derive(DeriveIden)]
enum ContactLog {
    Table,
    Id,
    ApplicationId,
    ContactedAt,
    Channel,
    StaffUserId,
    StaffLabel,
    Summary,
    RulesAccepted,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0002Cases {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Nullable additions only: existing rows stay valid (SQLite adds one column per statement).
        for column in [
            text_null(Applications::StatusCheck),
            string_null(Applications::ProposedCourse),
            text_null(Applications::DecisionReason),
            uuid_null(Applications::AssigneeUserId),
            timestamp_with_time_zone_null(Applications::FirstContactAt),
            timestamp_with_time_zone_null(Applications::CompletedAt),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(Applications::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CaseEvents::Table)
                    .col(big_pk_auto(CaseEvents::Id))
                    .col(uuid(CaseEvents::ApplicationId))
                    .col(timestamp_with_time_zone(CaseEvents::At))
                    .col(uuid_null(CaseEvents::ActorUserId))
                    .col(string(CaseEvents::ActorLabel))
                    .col(string(CaseEvents::Event))
                    .col(string(CaseEvents::FromState))
                    .col(string(CaseEvents::ToState))
                    .col(text_null(CaseEvents::Reason))
                    .col(text(CaseEvents::Detail))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_events_application")
                            .from(CaseEvents::Table, CaseEvents::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_case_events_application")
                    .table(CaseEvents::Table)
                    .col(CaseEvents::ApplicationId)
                    .col(CaseEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContactLog::Table)
                    .col(big_pk_auto(ContactLog::Id))
                    .col(uuid(ContactLog::ApplicationId))
                    .col(timestamp_with_time_zone(ContactLog::ContactedAt))
                    .col(string(ContactLog::Channel))
                    .col(uuid_null(ContactLog::StaffUserId))
                    .col(string(ContactLog::StaffLabel))
                    .col(text(ContactLog::Summary))
                    .col(boolean(ContactLog::RulesAccepted))
                    .col(timestamp_with_time_zone(ContactLog::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contact_log_application")
                            .from(ContactLog::Table, ContactLog::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contact_log_application")
                    .table(ContactLog::Table)
                    .col(ContactLog::ApplicationId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

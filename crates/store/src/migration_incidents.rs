//! M0014: the course ① incident desk — tickets with their timeline, attached detections and
//! files, on-site dispatches and removal work orders — and each programme year's desk settings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0014IncidentDesk;

impl MigrationName for M0014IncidentDesk {
    fn name(&self) -> &str {
        "m0014_incident_desk"
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
    IncidentDesk,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum IncidentTickets {
    Table,
    Id,
    ProgrammeId,
    ApplicationId,
    DeviceId,
    Reference,
    Channel,
    Category,
    Severity,
    Status,
    Subject,
    Description,
    AssigneeId,
    OpenedByLabel,
    OpenedAt,
    ResponseTargetMinutes,
    ResolutionTargetMinutes,
    FirstResponseAt,
    ResolvedAt,
    ClosedAt,
    ResponseBreachedAt,
    ResolutionBreachedAt,
    AutoSignature,
    AutoSource,
    DetectionCount,
    LastDetectionAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IncidentEvents {
    Table,
    Id,
    TicketId,
    At,
    Kind,
    StatusTo,
    ForCompany,
    AuthorLabel,
    AuthorIsCompany,
    ActionKind,
    Body,
    AttachmentId,
}

#[derive(DeriveIden)]
enum IncidentDetections {
    Table,
    Id,
    TicketId,
    OccurredAt,
    Category,
    Action,
    Severity,
    Signature,
    SrcIp,
    DstIp,
    DstPort,
    Url,
    Source,
}

#[derive(DeriveIden)]
enum IncidentAttachments {
    Table,
    Id,
    TicketId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Bytes,
    UploadedByLabel,
    FromCompany,
    UploadedAt,
}

#[derive(DeriveIden)]
enum IncidentDispatches {
    Table,
    Id,
    Kind,
    TicketId,
    ApplicationId,
    DeviceId,
    EngineerId,
    StartsAt,
    EndsAt,
    Status,
    Sequence,
    ArrivedAt,
    DepartedAt,
    WorkDone,
    Outcome,
    SignedOffAt,
    SignedOffBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0014IncidentDesk {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Programmes::Table).add_column(text_null(Programmes::IncidentDesk)).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentTickets::Table)
                    .col(pk_uuid(IncidentTickets::Id))
                    .col(uuid(IncidentTickets::ProgrammeId))
                    .col(uuid(IncidentTickets::ApplicationId))
                    .col(uuid_null(IncidentTickets::DeviceId))
                    .col(string_uniq(IncidentTickets::Reference))
                    .col(string_len(IncidentTickets::Channel, 12))
                    .col(string_len(IncidentTickets::Category, 24))
                    .col(string_len(IncidentTickets::Severity, 10))
                    .col(string_len(IncidentTickets::Status, 24))
                    .col(string(IncidentTickets::Subject))
                    .col(text(IncidentTickets::Description))
                    .col(uuid_null(IncidentTickets::AssigneeId))
                    .col(string(IncidentTickets::OpenedByLabel))
                    .col(timestamp_with_time_zone(IncidentTickets::OpenedAt))
                    .col(integer(IncidentTickets::ResponseTargetMinutes))
                    .col(integer(IncidentTickets::ResolutionTargetMinutes))
                    .col(timestamp_with_time_zone_null(IncidentTickets::FirstResponseAt))
                    .col(timestamp_with_time_zone_null(IncidentTickets::ResolvedAt))
                    .col(timestamp_with_time_zone_null(IncidentTickets::ClosedAt))
                    .col(timestamp_with_time_zone_null(IncidentTickets::ResponseBreachedAt))
                    .col(timestamp_with_time_zone_null(IncidentTickets::ResolutionBreachedAt))
                    .col(text_null(IncidentTickets::AutoSignature))
                    .col(string_null(IncidentTickets::AutoSource))
                    .col(big_integer(IncidentTickets::DetectionCount))
                    .col(timestamp_with_time_zone_null(IncidentTickets::LastDetectionAt))
                    .col(timestamp_with_time_zone(IncidentTickets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_tickets_programme")
                            .from(IncidentTickets::Table, IncidentTickets::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_tickets_application")
                            .from(IncidentTickets::Table, IncidentTickets::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_incident_tickets_application", vec![IncidentTickets::ApplicationId, IncidentTickets::OpenedAt]),
            ("ix_incident_tickets_status", vec![IncidentTickets::Status, IncidentTickets::OpenedAt]),
            ("ix_incident_tickets_dedupe", vec![IncidentTickets::DeviceId, IncidentTickets::LastDetectionAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(IncidentTickets::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(IncidentAttachments::Table)
                    .col(pk_uuid(IncidentAttachments::Id))
                    .col(uuid(IncidentAttachments::TicketId))
                    .col(string(IncidentAttachments::Filename))
                    .col(string_len(IncidentAttachments::ContentType, 40))
                    .col(big_integer(IncidentAttachments::Size))
                    .col(string_len(IncidentAttachments::Sha256, 64))
                    .col(blob(IncidentAttachments::Bytes))
                    .col(string(IncidentAttachments::UploadedByLabel))
                    .col(boolean(IncidentAttachments::FromCompany))
                    .col(timestamp_with_time_zone(IncidentAttachments::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_attachments_ticket")
                            .from(IncidentAttachments::Table, IncidentAttachments::TicketId)
                            .to(IncidentTickets::Table, IncidentTickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentEvents::Table)
                    .col(pk_uuid(IncidentEvents::Id))
                    .col(uuid(IncidentEvents::TicketId))
                    .col(timestamp_with_time_zone(IncidentEvents::At))
                    .col(string_len(IncidentEvents::Kind, 24))
                    .col(string_len_null(IncidentEvents::StatusTo, 24))
                    .col(boolean(IncidentEvents::ForCompany))
                    .col(string(IncidentEvents::AuthorLabel))
                    .col(boolean(IncidentEvents::AuthorIsCompany))
                    .col(string_len_null(IncidentEvents::ActionKind, 24))
                    .col(text(IncidentEvents::Body))
                    .col(uuid_null(IncidentEvents::AttachmentId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_events_ticket")
                            .from(IncidentEvents::Table, IncidentEvents::TicketId)
                            .to(IncidentTickets::Table, IncidentTickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_incident_events_ticket")
                    .table(IncidentEvents::Table)
                    .col(IncidentEvents::TicketId)
                    .col(IncidentEvents::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentDetections::Table)
                    .col(big_pk_auto(IncidentDetections::Id))
                    .col(uuid(IncidentDetections::TicketId))
                    .col(timestamp_with_time_zone(IncidentDetections::OccurredAt))
                    .col(string_len(IncidentDetections::Category, 24))
                    .col(string_len(IncidentDetections::Action, 12))
                    .col(string_len_null(IncidentDetections::Severity, 12))
                    .col(text_null(IncidentDetections::Signature))
                    .col(string_null(IncidentDetections::SrcIp))
                    .col(string_null(IncidentDetections::DstIp))
                    .col(integer_null(IncidentDetections::DstPort))
                    .col(text_null(IncidentDetections::Url))
                    .col(string(IncidentDetections::Source))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_detections_ticket")
                            .from(IncidentDetections::Table, IncidentDetections::TicketId)
                            .to(IncidentTickets::Table, IncidentTickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_incident_detections_ticket")
                    .table(IncidentDetections::Table)
                    .col(IncidentDetections::TicketId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentDispatches::Table)
                    .col(pk_uuid(IncidentDispatches::Id))
                    .col(string_len(IncidentDispatches::Kind, 12))
                    .col(uuid_null(IncidentDispatches::TicketId))
                    .col(uuid(IncidentDispatches::ApplicationId))
                    .col(uuid_null(IncidentDispatches::DeviceId))
                    .col(uuid(IncidentDispatches::EngineerId))
                    .col(timestamp_with_time_zone(IncidentDispatches::StartsAt))
                    .col(timestamp_with_time_zone(IncidentDispatches::EndsAt))
                    .col(string_len(IncidentDispatches::Status, 12))
                    .col(integer(IncidentDispatches::Sequence))
                    .col(timestamp_with_time_zone_null(IncidentDispatches::ArrivedAt))
                    .col(timestamp_with_time_zone_null(IncidentDispatches::DepartedAt))
                    .col(text_null(IncidentDispatches::WorkDone))
                    .col(text_null(IncidentDispatches::Outcome))
                    .col(timestamp_with_time_zone_null(IncidentDispatches::SignedOffAt))
                    .col(string_null(IncidentDispatches::SignedOffBy))
                    .col(timestamp_with_time_zone(IncidentDispatches::CreatedAt))
                    .col(timestamp_with_time_zone(IncidentDispatches::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_incident_dispatches_application")
                            .from(IncidentDispatches::Table, IncidentDispatches::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_incident_dispatches_engineer")
                    .table(IncidentDispatches::Table)
                    .col(IncidentDispatches::EngineerId)
                    .col(IncidentDispatches::StartsAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// M0015: the end of the UTM trial — what the company chose (continue or remove) and when, and
/// the UTM operator's contract reference of a continuation.
pub struct M0015TrialEnd;

impl MigrationName for M0015TrialEnd {
    fn name(&self) -> &str {
        "m0015_trial_end"
    }
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    TrialChoice,
    TrialChoiceAt,
    OperatorReference,
}

#[async_trait::async_trait]
impl MigrationTrait for M0015TrialEnd {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            string_len_null(Devices::TrialChoice, 12),
            timestamp_with_time_zone_null(Devices::TrialChoiceAt),
            string_len_null(Devices::OperatorReference, 100),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(Devices::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }
}

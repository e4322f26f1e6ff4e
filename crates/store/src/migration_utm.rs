//! M0005: course ① devices and their logs — stored threat events (kept for a retention period),
//! daily roll-ups of threats and traffic (kept), unparsed lines for review, unknown senders.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0005Utm;

impl MigrationName for M0005Utm {
    fn name(&self) -> &str {
        "m0005_utm"
    }
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    ApplicationId,
    Vendor,
    Model,
    Serial,
    SenderAddress,
    SurveyResult,
    SurveyNotes,
    InstalledOn,
    RemovedOn,
    ContinuedOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ThreatEvents {
    Table,
    Id,
    DeviceId,
    OccurredAt,
    UtcOffsetSeconds,
    Vendor,
    Category,
    Action,
    Severity,
    Signature,
    SrcIp,
    SrcPort,
    DstIp,
    DstPort,
    Url,
    UserName,
    Source,
}

#[derive(DeriveIden)]
enum ThreatRollups {
    Table,
    DeviceId,
    Day,
    Category,
    Action,
    Signature,
    Count,
    FirstSeen,
    LastSeen,
}

#[derive(DeriveIden)]
enum TrafficRollups {
    Table,
    DeviceId,
    Day,
    Action,
    Count,
}

#[derive(DeriveIden)]
enum UnparsedLines {
    Table,
    Id,
    DeviceId,
    Sender,
    ReceivedAt,
    Reason,
    Line,
}

#[derive(DeriveIden)]
enum UnknownSenders {
    Table,
    Sender,
    FirstSeen,
    LastSeen,
    Messages,
    Sample,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for M0005Utm {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(pk_uuid(Devices::Id))
                    .col(uuid(Devices::ApplicationId))
                    .col(string(Devices::Vendor))
                    .col(string(Devices::Model))
                    .col(string_uniq(Devices::Serial))
                    .col(string_null(Devices::SenderAddress))
                    .col(string(Devices::SurveyResult))
                    .col(text_null(Devices::SurveyNotes))
                    .col(date_null(Devices::InstalledOn))
                    .col(date_null(Devices::RemovedOn))
                    .col(date_null(Devices::ContinuedOn))
                    .col(timestamp_with_time_zone(Devices::CreatedAt))
                    .col(timestamp_with_time_zone(Devices::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_devices_application")
                            .from(Devices::Table, Devices::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_devices_application")
                    .table(Devices::Table)
                    .col(Devices::ApplicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_devices_sender").table(Devices::Table).col(Devices::SenderAddress).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThreatEvents::Table)
                    .col(big_pk_auto(ThreatEvents::Id))
                    .col(uuid(ThreatEvents::DeviceId))
                    .col(timestamp_with_time_zone(ThreatEvents::OccurredAt))
                    .col(integer_null(ThreatEvents::UtcOffsetSeconds))
                    .col(string(ThreatEvents::Vendor))
                    .col(string(ThreatEvents::Category))
                    .col(string(ThreatEvents::Action))
                    .col(string_null(ThreatEvents::Severity))
                    .col(string_null(ThreatEvents::Signature))
                    .col(string_null(ThreatEvents::SrcIp))
                    .col(integer_null(ThreatEvents::SrcPort))
                    .col(string_null(ThreatEvents::DstIp))
                    .col(integer_null(ThreatEvents::DstPort))
                    .col(text_null(ThreatEvents::Url))
                    .col(string_null(ThreatEvents::UserName))
                    .col(string(ThreatEvents::Source))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_threat_events_device_time")
                    .table(ThreatEvents::Table)
                    .col(ThreatEvents::DeviceId)
                    .col(ThreatEvents::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThreatRollups::Table)
                    .col(uuid(ThreatRollups::DeviceId))
                    .col(date(ThreatRollups::Day))
                    .col(string(ThreatRollups::Category))
                    .col(string(ThreatRollups::Action))
                    .col(string(ThreatRollups::Signature))
                    .col(big_integer(ThreatRollups::Count))
                    .col(timestamp_with_time_zone_null(ThreatRollups::FirstSeen))
                    .col(timestamp_with_time_zone_null(ThreatRollups::LastSeen))
                    .primary_key(
                        Index::create()
                            .col(ThreatRollups::DeviceId)
                            .col(ThreatRollups::Day)
                            .col(ThreatRollups::Category)
                            .col(ThreatRollups::Action)
                            .col(ThreatRollups::Signature),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrafficRollups::Table)
                    .col(uuid(TrafficRollups::DeviceId))
                    .col(date(TrafficRollups::Day))
                    .col(string(TrafficRollups::Action))
                    .col(big_integer(TrafficRollups::Count))
                    .primary_key(
                        Index::create()
                            .col(TrafficRollups::DeviceId)
                            .col(TrafficRollups::Day)
                            .col(TrafficRollups::Action),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnparsedLines::Table)
                    .col(big_pk_auto(UnparsedLines::Id))
                    .col(uuid_null(UnparsedLines::DeviceId))
                    .col(string_null(UnparsedLines::Sender))
                    .col(timestamp_with_time_zone(UnparsedLines::ReceivedAt))
                    .col(string(UnparsedLines::Reason))
                    .col(text(UnparsedLines::Line))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_unparsed_device")
                    .table(UnparsedLines::Table)
                    .col(UnparsedLines::DeviceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnknownSenders::Table)
                    .col(string(UnknownSenders::Sender).primary_key())
                    .col(timestamp_with_time_zone(UnknownSenders::FirstSeen))
                    .col(timestamp_with_time_zone(UnknownSenders::LastSeen))
                    .col(big_integer(UnknownSenders::Messages))
                    .col(text(UnknownSenders::Sample))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// M0006: monthly UTM reports — generated as drafts, reviewed (a comment may be added), released.
pub struct M0006MonthlyReports;

impl MigrationName for M0006MonthlyReports {
    fn name(&self) -> &str {
        "m0006_monthly_reports"
    }
}

#[derive(DeriveIden)]
enum MonthlyReports {
    Table,
    Id,
    DeviceId,
    ApplicationId,
    Month,
    Data,
    Pdf,
    PdfSha256,
    Status,
    Comment,
    GeneratedAt,
    ReleasedAt,
    ReleasedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for M0006MonthlyReports {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MonthlyReports::Table)
                    .col(pk_uuid(MonthlyReports::Id))
                    .col(uuid(MonthlyReports::DeviceId))
                    .col(uuid(MonthlyReports::ApplicationId))
                    .col(string(MonthlyReports::Month))
                    .col(text(MonthlyReports::Data))
                    .col(blob(MonthlyReports::Pdf))
                    .col(string(MonthlyReports::PdfSha256))
                    .col(string(MonthlyReports::Status))
                    .col(text_null(MonthlyReports::Comment))
                    .col(timestamp_with_time_zone(MonthlyReports::GeneratedAt))
                    .col(timestamp_with_time_zone_null(MonthlyReports::ReleasedAt))
                    .col(string_null(MonthlyReports::ReleasedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_monthly_reports_device")
                            .from(MonthlyReports::Table, MonthlyReports::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_monthly_reports_device_month")
                    .table(MonthlyReports::Table)
                    .col(MonthlyReports::DeviceId)
                    .col(MonthlyReports::Month)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// M0007: the syslog listeners' counters, written by each listener every few seconds, so the
/// office sees them whether the listener runs inside `kojo serve` or as `kojo utm listen`.
pub struct M0007ListenerStatus;

impl MigrationName for M0007ListenerStatus {
    fn name(&self) -> &str {
        "m0007_listener_status"
    }
}

#[derive(DeriveIden)]
enum ListenerStatus {
    Table,
    Name,
    StartedAt,
    UpdatedAt,
    Running,
    Received,
    Stored,
    Unparsed,
    Unknown,
    RemovedDevice,
    Dropped,
    Failed,
}

#[async_trait::async_trait]
impl MigrationTrait for M0007ListenerStatus {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ListenerStatus::Table)
                    .col(string(ListenerStatus::Name).primary_key())
                    .col(timestamp_with_time_zone(ListenerStatus::StartedAt))
                    .col(timestamp_with_time_zone(ListenerStatus::UpdatedAt))
                    .col(boolean(ListenerStatus::Running))
                    .col(big_integer(ListenerStatus::Received))
                    .col(big_integer(ListenerStatus::Stored))
                    .col(big_integer(ListenerStatus::Unparsed))
                    .col(big_integer(ListenerStatus::Unknown))
                    .col(big_integer(ListenerStatus::RemovedDevice))
                    .col(big_integer(ListenerStatus::Dropped))
                    .col(big_integer(ListenerStatus::Failed))
                    .to_owned(),
            )
            .await
    }
}

/// M0011: what each device's logs held, per vendor — events, lines whose message identifier
/// the vendor's catalogue does not know (and those identifiers with their line counts), lines
/// that could not be parsed — so that no line vanishes without a count on the device page.
pub struct M0011IntakeCounts;

impl MigrationName for M0011IntakeCounts {
    fn name(&self) -> &str {
        "m0011_intake_counts"
    }
}

#[derive(DeriveIden)]
enum IntakeCounts {
    Table,
    DeviceId,
    Vendor,
    Events,
    UnknownIdentifiers,
    Unparsed,
    FirstAt,
    LastAt,
}

#[derive(DeriveIden)]
enum UnknownIdentifiers {
    Table,
    DeviceId,
    Vendor,
    Identifier,
    Lines,
    FirstAt,
    LastAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0011IntakeCounts {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IntakeCounts::Table)
                    .col(uuid(IntakeCounts::DeviceId))
                    .col(string(IntakeCounts::Vendor))
                    .col(big_integer(IntakeCounts::Events))
                    .col(big_integer(IntakeCounts::UnknownIdentifiers))
                    .col(big_integer(IntakeCounts::Unparsed))
                    .col(timestamp_with_time_zone(IntakeCounts::FirstAt))
                    .col(timestamp_with_time_zone(IntakeCounts::LastAt))
                    .primary_key(Index::create().col(IntakeCounts::DeviceId).col(IntakeCounts::Vendor))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_intake_counts_device")
                            .from(IntakeCounts::Table, IntakeCounts::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnknownIdentifiers::Table)
                    .col(uuid(UnknownIdentifiers::DeviceId))
                    .col(string(UnknownIdentifiers::Vendor))
                    .col(string(UnknownIdentifiers::Identifier))
                    .col(big_integer(UnknownIdentifiers::Lines))
                    .col(timestamp_with_time_zone(UnknownIdentifiers::FirstAt))
                    .col(timestamp_with_time_zone(UnknownIdentifiers::LastAt))
                    .primary_key(
                        Index::create()
                            .col(UnknownIdentifiers::DeviceId)
                            .col(UnknownIdentifiers::Vendor)
                            .col(UnknownIdentifiers::Identifier),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unknown_identifiers_device")
                            .from(UnknownIdentifiers::Table, UnknownIdentifiers::DeviceId)
                            .to(Devices::Table, Devices::Id),
                    )
                    .to_owned(),
            )
            .await
    }
}

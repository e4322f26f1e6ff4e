//! M0019: course ② risk assessment — a company's asset register (one row per asset, its cells as
//! JSON), its measure check, and the versions of its report (PDF kept as released).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0019RiskAssessment;

impl MigrationName for M0019RiskAssessment {
    fn name(&self) -> &str {
        "m0019_risk_assessment"
    }
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RiskAssets {
    Table,
    Id,
    ApplicationId,
    Position,
    Cells,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RiskChecks {
    Table,
    ApplicationId,
    CheckSet,
    Answers,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RiskReports {
    Table,
    Id,
    ApplicationId,
    Version,
    Status,
    Data,
    Pdf,
    PdfSha256,
    CreatedBy,
    CreatedAt,
    ReleasedBy,
    ReleasedAt,
    AcknowledgedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0019RiskAssessment {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RiskAssets::Table)
                    .col(pk_uuid(RiskAssets::Id))
                    .col(uuid(RiskAssets::ApplicationId))
                    .col(integer(RiskAssets::Position))
                    .col(text(RiskAssets::Cells))
                    .col(string(RiskAssets::UpdatedBy))
                    .col(timestamp_with_time_zone(RiskAssets::CreatedAt))
                    .col(timestamp_with_time_zone(RiskAssets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_risk_assets_application")
                            .from(RiskAssets::Table, RiskAssets::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_risk_assets_application")
                    .table(RiskAssets::Table)
                    .col(RiskAssets::ApplicationId)
                    .col(RiskAssets::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskChecks::Table)
                    .col(uuid(RiskChecks::ApplicationId).primary_key())
                    .col(string_len(RiskChecks::CheckSet, 30))
                    .col(text(RiskChecks::Answers))
                    .col(string(RiskChecks::UpdatedBy))
                    .col(timestamp_with_time_zone(RiskChecks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_risk_checks_application")
                            .from(RiskChecks::Table, RiskChecks::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskReports::Table)
                    .col(pk_uuid(RiskReports::Id))
                    .col(uuid(RiskReports::ApplicationId))
                    .col(integer(RiskReports::Version))
                    .col(string_len(RiskReports::Status, 12))
                    .col(text(RiskReports::Data))
                    .col(blob(RiskReports::Pdf))
                    .col(string_len(RiskReports::PdfSha256, 64))
                    .col(string(RiskReports::CreatedBy))
                    .col(timestamp_with_time_zone(RiskReports::CreatedAt))
                    .col(string_null(RiskReports::ReleasedBy))
                    .col(timestamp_with_time_zone_null(RiskReports::ReleasedAt))
                    .col(timestamp_with_time_zone_null(RiskReports::AcknowledgedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_risk_reports_application")
                            .from(RiskReports::Table, RiskReports::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_risk_reports_version")
                    .table(RiskReports::Table)
                    .col(RiskReports::ApplicationId)
                    .col(RiskReports::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

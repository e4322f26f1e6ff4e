//! M0016: course ① management guidance — the expert assigned to a company, the guidance visits
//! (at most four) with their reports, and the self-diagnosis rounds.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0016Guidance;

impl MigrationName for M0016Guidance {
    fn name(&self) -> &str {
        "m0016_guidance"
    }
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ExpertAssignments {
    Table,
    ApplicationId,
    ExpertUserId,
    AssignedAt,
}

#[derive(DeriveIden)]
enum GuidanceVisits {
    Table,
    Id,
    ApplicationId,
    Number,
    Status,
    Mode,
    StartsAt,
    EndsAt,
    ExpertUserId,
    Attendees,
    Topics,
    Findings,
    NextSteps,
    RecordedAt,
    AcknowledgedAt,
    RemindedAt,
    CreatedAt,
    UpdatedAt,
    Sequence,
}

#[derive(DeriveIden)]
enum DiagnosisRounds {
    Table,
    Id,
    ApplicationId,
    ItemSet,
    Answers,
    Total,
    Complete,
    EnteredBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0016Guidance {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExpertAssignments::Table)
                    .col(uuid(ExpertAssignments::ApplicationId).primary_key())
                    .col(uuid(ExpertAssignments::ExpertUserId))
                    .col(timestamp_with_time_zone(ExpertAssignments::AssignedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_expert_assignments_application")
                            .from(ExpertAssignments::Table, ExpertAssignments::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_expert_assignments_user")
                            .from(ExpertAssignments::Table, ExpertAssignments::ExpertUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_expert_assignments_expert")
                    .table(ExpertAssignments::Table)
                    .col(ExpertAssignments::ExpertUserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GuidanceVisits::Table)
                    .col(pk_uuid(GuidanceVisits::Id))
                    .col(uuid(GuidanceVisits::ApplicationId))
                    .col(integer(GuidanceVisits::Number))
                    .col(string_len(GuidanceVisits::Status, 12))
                    .col(string_len(GuidanceVisits::Mode, 12))
                    .col(timestamp_with_time_zone(GuidanceVisits::StartsAt))
                    .col(timestamp_with_time_zone(GuidanceVisits::EndsAt))
                    .col(uuid(GuidanceVisits::ExpertUserId))
                    .col(text_null(GuidanceVisits::Attendees))
                    .col(text_null(GuidanceVisits::Topics))
                    .col(text_null(GuidanceVisits::Findings))
                    .col(text_null(GuidanceVisits::NextSteps))
                    .col(timestamp_with_time_zone_null(GuidanceVisits::RecordedAt))
                    .col(timestamp_with_time_zone_null(GuidanceVisits::AcknowledgedAt))
                    .col(timestamp_with_time_zone_null(GuidanceVisits::RemindedAt))
                    .col(timestamp_with_time_zone(GuidanceVisits::CreatedAt))
                    .col(timestamp_with_time_zone(GuidanceVisits::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guidance_visits_application")
                            .from(GuidanceVisits::Table, GuidanceVisits::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_guidance_visits_application")
                    .table(GuidanceVisits::Table)
                    .col(GuidanceVisits::ApplicationId)
                    .col(GuidanceVisits::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DiagnosisRounds::Table)
                    .col(pk_uuid(DiagnosisRounds::Id))
                    .col(uuid(DiagnosisRounds::ApplicationId))
                    .col(string_len(DiagnosisRounds::ItemSet, 20))
                    .col(text(DiagnosisRounds::Answers))
                    .col(integer(DiagnosisRounds::Total))
                    .col(boolean(DiagnosisRounds::Complete))
                    .col(string(DiagnosisRounds::EnteredBy))
                    .col(timestamp_with_time_zone(DiagnosisRounds::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_diagnosis_rounds_application")
                            .from(DiagnosisRounds::Table, DiagnosisRounds::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_diagnosis_rounds_application")
                    .table(DiagnosisRounds::Table)
                    .col(DiagnosisRounds::ApplicationId)
                    .col(DiagnosisRounds::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// M0017: the basic security policy (versions; a published version never changes), the
/// implementation plan's measures, and the company's SECURITY ACTION ★★ declaration.
pub struct M0017PolicyAndPlan;

impl MigrationName for M0017PolicyAndPlan {
    fn name(&self) -> &str {
        "m0017_policy_and_plan"
    }
}

#[derive(DeriveIden)]
enum SecurityPolicies {
    Table,
    Id,
    ApplicationId,
    Version,
    Slug,
    Sections,
    EnactedOn,
    Representative,
    Status,
    PublishedAt,
    WithdrawnAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PlanMeasures {
    Table,
    Id,
    ApplicationId,
    ItemNumber,
    Title,
    Owner,
    Due,
    Status,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TwoStarDeclarations {
    Table,
    ApplicationId,
    DeclarationId,
    DeclaredOn,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0017PolicyAndPlan {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SecurityPolicies::Table)
                    .col(pk_uuid(SecurityPolicies::Id))
                    .col(uuid(SecurityPolicies::ApplicationId))
                    .col(integer(SecurityPolicies::Version))
                    .col(string_len(SecurityPolicies::Slug, 40))
                    .col(text(SecurityPolicies::Sections))
                    .col(date_null(SecurityPolicies::EnactedOn))
                    .col(string_null(SecurityPolicies::Representative))
                    .col(string_len(SecurityPolicies::Status, 12))
                    .col(timestamp_with_time_zone_null(SecurityPolicies::PublishedAt))
                    .col(timestamp_with_time_zone_null(SecurityPolicies::WithdrawnAt))
                    .col(timestamp_with_time_zone(SecurityPolicies::CreatedAt))
                    .col(timestamp_with_time_zone(SecurityPolicies::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_security_policies_application")
                            .from(SecurityPolicies::Table, SecurityPolicies::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_security_policies_version")
                    .table(SecurityPolicies::Table)
                    .col(SecurityPolicies::ApplicationId)
                    .col(SecurityPolicies::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_security_policies_slug")
                    .table(SecurityPolicies::Table)
                    .col(SecurityPolicies::Slug)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlanMeasures::Table)
                    .col(pk_uuid(PlanMeasures::Id))
                    .col(uuid(PlanMeasures::ApplicationId))
                    .col(integer_null(PlanMeasures::ItemNumber))
                    .col(text(PlanMeasures::Title))
                    .col(string_null(PlanMeasures::Owner))
                    .col(date_null(PlanMeasures::Due))
                    .col(string_len(PlanMeasures::Status, 12))
                    .col(string(PlanMeasures::UpdatedBy))
                    .col(timestamp_with_time_zone(PlanMeasures::CreatedAt))
                    .col(timestamp_with_time_zone(PlanMeasures::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_plan_measures_application")
                            .from(PlanMeasures::Table, PlanMeasures::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TwoStarDeclarations::Table)
                    .col(uuid(TwoStarDeclarations::ApplicationId).primary_key())
                    .col(string_len(TwoStarDeclarations::DeclarationId, 20))
                    .col(date_null(TwoStarDeclarations::DeclaredOn))
                    .col(timestamp_with_time_zone(TwoStarDeclarations::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_two_star_application")
                            .from(TwoStarDeclarations::Table, TwoStarDeclarations::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// M0018: a visit's files (slides, photos of the whiteboard, the company's draft rules) and the
/// sequence of its calendar invitation, raised each time the visit is moved or cancelled.
pub struct M0018VisitFiles;

impl MigrationName for M0018VisitFiles {
    fn name(&self) -> &str {
        "m0018_visit_files"
    }
}

#[derive(DeriveIden)]
enum GuidanceVisitFiles {
    Table,
    Id,
    VisitId,
    ApplicationId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Bytes,
    UploadedByLabel,
    FromCompany,
    UploadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0018VisitFiles {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut sequence = integer(GuidanceVisits::Sequence);
        sequence.default(0);
        manager.alter_table(Table::alter().table(GuidanceVisits::Table).add_column(&mut sequence).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(GuidanceVisitFiles::Table)
                    .col(pk_uuid(GuidanceVisitFiles::Id))
                    .col(uuid(GuidanceVisitFiles::VisitId))
                    .col(uuid(GuidanceVisitFiles::ApplicationId))
                    .col(string(GuidanceVisitFiles::Filename))
                    .col(string_len(GuidanceVisitFiles::ContentType, 40))
                    .col(big_integer(GuidanceVisitFiles::Size))
                    .col(string_len(GuidanceVisitFiles::Sha256, 64))
                    .col(blob(GuidanceVisitFiles::Bytes))
                    .col(string(GuidanceVisitFiles::UploadedByLabel))
                    .col(boolean(GuidanceVisitFiles::FromCompany))
                    .col(timestamp_with_time_zone(GuidanceVisitFiles::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_guidance_visit_files_visit")
                            .from(GuidanceVisitFiles::Table, GuidanceVisitFiles::VisitId)
                            .to(GuidanceVisits::Table, GuidanceVisits::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_guidance_visit_files_visit")
                    .table(GuidanceVisitFiles::Table)
                    .col(GuidanceVisitFiles::VisitId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

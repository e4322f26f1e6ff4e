//! The one migration tree, for SQLite and PostgreSQL alike (sea-query builds each dialect).
//!
//! Migrations are append-only: never edit one that has shipped; add a new `mNNNN_…` instead.
//! Each has an explicit name (the derived one comes from the file, so two in one file collide).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M0001Initial),
            Box::new(crate::migration_cases::M0002Cases),
            Box::new(crate::migration_portal::M0003Portal),
            Box::new(M0004ApiTokens),
            Box::new(crate::migration_utm::M0005Utm),
            Box::new(crate::migration_utm::M0006MonthlyReports),
            Box::new(crate::migration_utm::M0007ListenerStatus),
            Box::new(crate::migration_jobs::M0008Jobs),
            Box::new(crate::migration_syslog::M0009SyslogHardening),
            Box::new(crate::migration_security::M0010AccountSecurity),
            Box::new(crate::migration_utm::M0011IntakeCounts),
            Box::new(crate::migration_secretariat::M0012SecretariatAndLanguage),
            Box::new(crate::migration_seminars::M0013Seminars),
            Box::new(crate::migration_incidents::M0014IncidentDesk),
            Box::new(crate::migration_incidents::M0015TrialEnd),
            Box::new(crate::migration_guidance::M0016Guidance),
            Box::new(crate::migration_guidance::M0017PolicyAndPlan),
            Box::new(crate::migration_guidance::M0018VisitFiles),
            Box::new(crate::migration_risk::M0019RiskAssessment),
            Box::new(crate::migration_stream::M0020StreamPositions),
            Box::new(crate::migration_stream::M0021StreamMessageIds),
            Box::new(crate::migration_inquiries::M0022Inquiries),
            Box::new(crate::migration_inquiries::M0023PrivacyVersions),
            Box::new(crate::migration_inquiries::M0024InquiryTarget),
            Box::new(crate::migration_inquiries::M0025AnswerTemplates),
            Box::new(crate::migration_inquiries::M0026InquiryAttachments),
            Box::new(crate::migration_stats::M0027PublicStats),
            Box::new(crate::migration_case_studies::M0028CaseStudies),
            Box::new(crate::migration_surveys::M0029Surveys),
            Box::new(crate::migration_case_studies::M0030CaseStudyPhotos),
        ]
    }
}

struct M0001Initial;

impl MigrationName for M0001Initial {
    fn name(&self) -> &str {
        "m0001_initial"
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
    FiscalYear,
    NameJa,
    NameEn,
    IsCurrent,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    ProgrammeId,
    Code,
    NameJa,
    NameEn,
    WindowStart,
    WindowEnd,
    Capacity,
    PlacesTaken,
    WaitlistSeq,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    Reference,
    ProgrammeId,
    CourseId,
    Status,
    HoldsPlace,
    WaitlistPosition,
    DuplicateKey,
    CompanyName,
    CompanyNameKana,
    CorporateNumber,
    SoleProprietor,
    PostalCode,
    Prefecture,
    Address,
    Industry,
    CapitalYen,
    Employees,
    RepresentativeName,
    RepresentativeTitle,
    ContactName,
    ContactNameKana,
    ContactDepartment,
    ContactEmail,
    ContactPhone,
    Environment,
    PreviousParticipant,
    UsesEquivalentTokyoSubsidy,
    Declarations,
    Flags,
    ReceivedAt,
    ContactDue,
    SourceIp,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    Role,
    PasswordHash,
    IsActive,
    CompanyApplicationId,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CsrfToken,
    Ip,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Email,
    Ip,
    Succeeded,
    AttemptedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorUserId,
    ActorLabel,
    Action,
    SubjectType,
    SubjectId,
    Ip,
    Detail,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    ToAddress,
    Subject,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    SentAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Holidays {
    Table,
    Date,
    Name,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0001Initial {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Programmes::Table)
                    .col(pk_uuid(Programmes::Id))
                    .col(integer_uniq(Programmes::FiscalYear))
                    .col(string(Programmes::NameJa))
                    .col(string(Programmes::NameEn))
                    .col(boolean(Programmes::IsCurrent))
                    .col(timestamp_with_time_zone(Programmes::CreatedAt))
                    .col(timestamp_with_time_zone(Programmes::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .col(pk_uuid(Courses::Id))
                    .col(uuid(Courses::ProgrammeId))
                    .col(string(Courses::Code))
                    .col(string(Courses::NameJa))
                    .col(string(Courses::NameEn))
                    .col(date(Courses::WindowStart))
                    .col(date(Courses::WindowEnd))
                    .col(integer(Courses::Capacity))
                    .col(integer(Courses::PlacesTaken))
                    .col(integer(Courses::WaitlistSeq))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .col(timestamp_with_time_zone(Courses::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_courses_programme")
                            .from(Courses::Table, Courses::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_courses_programme_code")
                    .table(Courses::Table)
                    .col(Courses::ProgrammeId)
                    .col(Courses::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(pk_uuid(Applications::Id))
                    .col(string_uniq(Applications::Reference))
                    .col(uuid(Applications::ProgrammeId))
                    .col(uuid(Applications::CourseId))
                    .col(string(Applications::Status))
                    .col(boolean(Applications::HoldsPlace))
                    .col(integer_null(Applications::WaitlistPosition))
                    .col(string(Applications::DuplicateKey))
                    .col(string(Applications::CompanyName))
                    .col(string(Applications::CompanyNameKana))
                    .col(string_null(Applications::CorporateNumber))
                    .col(boolean(Applications::SoleProprietor))
                    .col(string(Applications::PostalCode))
                    .col(string(Applications::Prefecture))
                    .col(string(Applications::Address))
                    .col(string(Applications::Industry))
                    .col(big_integer_null(Applications::CapitalYen))
                    .col(integer(Applications::Employees))
                    .col(string(Applications::RepresentativeName))
                    .col(string_null(Applications::RepresentativeTitle))
                    .col(string(Applications::ContactName))
                    .col(string(Applications::ContactNameKana))
                    .col(string_null(Applications::ContactDepartment))
                    .col(string(Applications::ContactEmail))
                    .col(string(Applications::ContactPhone))
                    .col(text(Applications::Environment))
                    .col(boolean(Applications::PreviousParticipant))
                    .col(boolean(Applications::UsesEquivalentTokyoSubsidy))
                    .col(text(Applications::Declarations))
                    .col(text(Applications::Flags))
                    .col(timestamp_with_time_zone(Applications::ReceivedAt))
                    .col(date(Applications::ContactDue))
                    .col(string_null(Applications::SourceIp))
                    .col(timestamp_with_time_zone(Applications::CreatedAt))
                    .col(timestamp_with_time_zone(Applications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_applications_programme")
                            .from(Applications::Table, Applications::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_applications_course")
                            .from(Applications::Table, Applications::CourseId)
                            .to(Courses::Table, Courses::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The same company applying twice in one programme year is refused by this index,
        // not by a check-then-insert (STYLE: map violations by constraint name).
        manager
            .create_index(
                Index::create()
                    .name("ux_applications_duplicate_key")
                    .table(Applications::Table)
                    .col(Applications::ProgrammeId)
                    .col(Applications::DuplicateKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_applications_received_at", Applications::ReceivedAt),
            ("ix_applications_status", Applications::Status),
            ("ix_applications_course", Applications::CourseId),
        ] {
            manager.create_index(Index::create().name(name).table(Applications::Table).col(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::DisplayName))
                    .col(string(Users::Role))
                    .col(string_null(Users::PasswordHash))
                    .col(boolean(Users::IsActive))
                    .col(uuid_null(Users::CompanyApplicationId))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string(Sessions::Id).primary_key())
                    .col(uuid(Sessions::UserId))
                    .col(string(Sessions::CsrfToken))
                    .col(string_null(Sessions::Ip))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(big_pk_auto(LoginAttempts::Id))
                    .col(string(LoginAttempts::Email))
                    .col(string_null(LoginAttempts::Ip))
                    .col(boolean(LoginAttempts::Succeeded))
                    .col(timestamp_with_time_zone(LoginAttempts::AttemptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_attempts_email")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::Email)
                    .col(LoginAttempts::AttemptedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(uuid_null(AuditLog::ActorUserId))
                    .col(string(AuditLog::ActorLabel))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::SubjectType))
                    .col(string_null(AuditLog::SubjectId))
                    .col(string_null(AuditLog::Ip))
                    .col(text(AuditLog::Detail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_subject")
                    .table(AuditLog::Table)
                    .col(AuditLog::SubjectType)
                    .col(AuditLog::SubjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_uuid(Outbox::Id))
                    .col(string(Outbox::ToAddress))
                    .col(string(Outbox::Subject))
                    .col(text(Outbox::Body))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone(Outbox::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Holidays::Table)
                    .col(date(Holidays::Date).primary_key())
                    .col(string(Holidays::Name))
                    .col(timestamp_with_time_zone(Holidays::CreatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// M0004: staff API tokens for `/api/v1` (stored as SHA-256 digests).
struct M0004ApiTokens;

impl MigrationName for M0004ApiTokens {
    fn name(&self) -> &str {
        "m0004_api_tokens"
    }
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0004ApiTokens {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(string(ApiTokens::Id).primary_key())
                    .col(uuid(ApiTokens::UserId))
                    .col(string(ApiTokens::Name))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_user")
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

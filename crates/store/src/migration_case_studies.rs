//! M0028: case studies (事例) with every version written, and what happened to them (sent,
//! commented, changes requested, approved, withdrawn, published).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0028CaseStudies;

impl MigrationName for M0028CaseStudies {
    fn name(&self) -> &str {
        "m0028_case_studies"
    }
}

#[derive(DeriveIden)]
enum CaseStudies {
    Table,
    Id,
    ApplicationId,
    FiscalYear,
    Status,
    Anonymity,
    ShowFaces,
    RoundNumbers,
    InterviewNotes,
    Newest,
    SentVersion,
    ApprovedVersion,
    Published,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CaseStudyVersions {
    Table,
    CaseStudyId,
    Version,
    Title,
    Body,
    SavedBy,
    SavedAt,
}

#[derive(DeriveIden)]
enum CaseStudyEvents {
    Table,
    Id,
    CaseStudyId,
    Kind,
    Version,
    Paragraph,
    Body,
    ByCompany,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for M0028CaseStudies {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaseStudies::Table)
                    .col(pk_uuid(CaseStudies::Id))
                    .col(uuid(CaseStudies::ApplicationId))
                    .col(integer(CaseStudies::FiscalYear))
                    .col(string_len(CaseStudies::Status, 24))
                    .col(string_len(CaseStudies::Anonymity, 24))
                    .col(boolean(CaseStudies::ShowFaces))
                    .col(boolean(CaseStudies::RoundNumbers))
                    .col(text(CaseStudies::InterviewNotes))
                    .col(integer(CaseStudies::Newest))
                    .col(integer_null(CaseStudies::SentVersion))
                    .col(integer_null(CaseStudies::ApprovedVersion))
                    .col(boolean(CaseStudies::Published))
                    .col(timestamp_with_time_zone_null(CaseStudies::PublishedAt))
                    .col(timestamp_with_time_zone(CaseStudies::CreatedAt))
                    .col(timestamp_with_time_zone(CaseStudies::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_case_studies_application")
                    .table(CaseStudies::Table)
                    .col(CaseStudies::ApplicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseStudyVersions::Table)
                    .col(uuid(CaseStudyVersions::CaseStudyId))
                    .col(integer(CaseStudyVersions::Version))
                    .col(text(CaseStudyVersions::Title))
                    .col(text(CaseStudyVersions::Body))
                    .col(uuid_null(CaseStudyVersions::SavedBy))
                    .col(timestamp_with_time_zone(CaseStudyVersions::SavedAt))
                    .primary_key(Index::create().col(CaseStudyVersions::CaseStudyId).col(CaseStudyVersions::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_study_versions_study")
                            .from(CaseStudyVersions::Table, CaseStudyVersions::CaseStudyId)
                            .to(CaseStudies::Table, CaseStudies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseStudyEvents::Table)
                    .col(pk_uuid(CaseStudyEvents::Id))
                    .col(uuid(CaseStudyEvents::CaseStudyId))
                    .col(string_len(CaseStudyEvents::Kind, 24))
                    .col(integer_null(CaseStudyEvents::Version))
                    .col(integer_null(CaseStudyEvents::Paragraph))
                    .col(text(CaseStudyEvents::Body))
                    .col(boolean(CaseStudyEvents::ByCompany))
                    .col(timestamp_with_time_zone(CaseStudyEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_study_events_study")
                            .from(CaseStudyEvents::Table, CaseStudyEvents::CaseStudyId)
                            .to(CaseStudies::Table, CaseStudies::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CaseStudyEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(CaseStudyVersions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(CaseStudies::Table).to_owned()).await
    }
}

/// M0030: what a version was written with — the anonymity options and the interview photos — so
/// that what the company approved is what is published; the photos, each with its consent.
pub struct M0030CaseStudyPhotos;

impl MigrationName for M0030CaseStudyPhotos {
    fn name(&self) -> &str {
        "m0030_case_study_photos"
    }
}

#[derive(DeriveIden)]
enum VersionOptions {
    Anonymity,
    ShowFaces,
    RoundNumbers,
    Photos,
}

#[derive(DeriveIden)]
enum CaseStudyPhotos {
    Table,
    Id,
    CaseStudyId,
    Filename,
    ContentType,
    Bytes,
    Sha256,
    Caption,
    ShowsFaces,
    ShowsLogo,
    ConsentBy,
    ConsentOn,
    UploadedBy,
    UploadedAt,
    RemovedAt,
    RemovedReason,
}

#[async_trait::async_trait]
impl MigrationTrait for M0030CaseStudyPhotos {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            string_len(VersionOptions::Anonymity, 24).default("industry_and_size").to_owned(),
            boolean(VersionOptions::ShowFaces).default(false).to_owned(),
            boolean(VersionOptions::RoundNumbers).default(true).to_owned(),
            text(VersionOptions::Photos).default("[]").to_owned(),
        ] {
            let mut column = column;
            manager
                .alter_table(Table::alter().table(CaseStudyVersions::Table).add_column(&mut column).to_owned())
                .await?;
        }
        // The versions written before: the newest with its study's options (saved with it);
        // an older one (perhaps the approved one) keeps the defaults, the most private — its
        // own options were overwritten by later saves and are not known.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE case_study_versions SET \
                 anonymity = (SELECT anonymity FROM case_studies WHERE case_studies.id = case_study_versions.case_study_id), \
                 show_faces = (SELECT show_faces FROM case_studies WHERE case_studies.id = case_study_versions.case_study_id), \
                 round_numbers = (SELECT round_numbers FROM case_studies WHERE case_studies.id = case_study_versions.case_study_id) \
                 WHERE version = (SELECT newest FROM case_studies WHERE case_studies.id = case_study_versions.case_study_id)",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseStudyPhotos::Table)
                    .col(pk_uuid(CaseStudyPhotos::Id))
                    .col(uuid(CaseStudyPhotos::CaseStudyId))
                    .col(string_len(CaseStudyPhotos::Filename, 255))
                    .col(string_len(CaseStudyPhotos::ContentType, 40))
                    .col(blob(CaseStudyPhotos::Bytes))
                    .col(string_len(CaseStudyPhotos::Sha256, 64))
                    .col(text(CaseStudyPhotos::Caption))
                    .col(boolean(CaseStudyPhotos::ShowsFaces))
                    .col(boolean(CaseStudyPhotos::ShowsLogo))
                    .col(text(CaseStudyPhotos::ConsentBy))
                    .col(date(CaseStudyPhotos::ConsentOn))
                    .col(uuid_null(CaseStudyPhotos::UploadedBy))
                    .col(timestamp_with_time_zone(CaseStudyPhotos::UploadedAt))
                    .col(timestamp_with_time_zone_null(CaseStudyPhotos::RemovedAt))
                    .col(text_null(CaseStudyPhotos::RemovedReason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_case_study_photos_study")
                            .from(CaseStudyPhotos::Table, CaseStudyPhotos::CaseStudyId)
                            .to(CaseStudies::Table, CaseStudies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_case_study_photos_study")
                    .table(CaseStudyPhotos::Table)
                    .col(CaseStudyPhotos::CaseStudyId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CaseStudyPhotos::Table).to_owned()).await
    }
}

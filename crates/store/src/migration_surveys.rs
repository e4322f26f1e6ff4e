//! M0029: surveys with every version of their definition, the invitations sent (one per
//! respondent, with the answers saved so far and when they were submitted) and the links
//! e-mailed for them (only a hash of each is kept).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0029Surveys;

impl MigrationName for M0029Surveys {
    fn name(&self) -> &str {
        "m0029_surveys"
    }
}

#[derive(DeriveIden)]
enum Surveys {
    Table,
    Id,
    FiscalYear,
    Moment,
    TitleJa,
    TitleEn,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
    OpenedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum SurveyVersions {
    Table,
    SurveyId,
    Version,
    Source,
    SavedBy,
    SavedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum SurveyInvitations {
    Table,
    Id,
    SurveyId,
    Version,
    Recipient,
    ApplicationId,
    RegistrationId,
    Email,
    Name,
    CompanyName,
    English,
    InvitedAt,
    Reminders,
    RemindedAt,
    NudgedAt,
    Answers,
    StartedAt,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum SurveyLinks {
    Table,
    TokenHash,
    InvitationId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0029Surveys {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Surveys::Table)
                    .col(pk_uuid(Surveys::Id))
                    .col(integer(Surveys::FiscalYear))
                    .col(string_len(Surveys::Moment, 24))
                    .col(string_len(Surveys::TitleJa, 200))
                    .col(string_len(Surveys::TitleEn, 200))
                    .col(string_len(Surveys::Status, 16))
                    .col(integer(Surveys::Version))
                    .col(timestamp_with_time_zone(Surveys::CreatedAt))
                    .col(timestamp_with_time_zone(Surveys::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Surveys::OpenedAt))
                    .col(timestamp_with_time_zone_null(Surveys::ClosedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyVersions::Table)
                    .col(uuid(SurveyVersions::SurveyId))
                    .col(integer(SurveyVersions::Version))
                    .col(text(SurveyVersions::Source))
                    .col(uuid_null(SurveyVersions::SavedBy))
                    .col(timestamp_with_time_zone(SurveyVersions::SavedAt))
                    .col(timestamp_with_time_zone_null(SurveyVersions::SentAt))
                    .primary_key(Index::create().col(SurveyVersions::SurveyId).col(SurveyVersions::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_versions_survey")
                            .from(SurveyVersions::Table, SurveyVersions::SurveyId)
                            .to(Surveys::Table, Surveys::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyInvitations::Table)
                    .col(pk_uuid(SurveyInvitations::Id))
                    .col(uuid(SurveyInvitations::SurveyId))
                    .col(integer(SurveyInvitations::Version))
                    .col(string_len(SurveyInvitations::Recipient, 64))
                    .col(uuid_null(SurveyInvitations::ApplicationId))
                    .col(uuid_null(SurveyInvitations::RegistrationId))
                    .col(string_len(SurveyInvitations::Email, 254))
                    .col(string_len(SurveyInvitations::Name, 200))
                    .col(string_len(SurveyInvitations::CompanyName, 200))
                    .col(boolean(SurveyInvitations::English))
                    .col(timestamp_with_time_zone(SurveyInvitations::InvitedAt))
                    .col(integer(SurveyInvitations::Reminders))
                    .col(timestamp_with_time_zone_null(SurveyInvitations::RemindedAt))
                    .col(timestamp_with_time_zone_null(SurveyInvitations::NudgedAt))
                    .col(text(SurveyInvitations::Answers))
                    .col(timestamp_with_time_zone_null(SurveyInvitations::StartedAt))
                    .col(timestamp_with_time_zone_null(SurveyInvitations::SubmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_invitations_survey")
                            .from(SurveyInvitations::Table, SurveyInvitations::SurveyId)
                            .to(Surveys::Table, Surveys::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One invitation per survey and respondent, however often the survey is sent.
        manager
            .create_index(
                Index::create()
                    .name("ux_survey_invitations_recipient")
                    .table(SurveyInvitations::Table)
                    .col(SurveyInvitations::SurveyId)
                    .col(SurveyInvitations::Recipient)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_survey_invitations_application")
                    .table(SurveyInvitations::Table)
                    .col(SurveyInvitations::ApplicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyLinks::Table)
                    .col(string_len(SurveyLinks::TokenHash, 64).primary_key())
                    .col(uuid(SurveyLinks::InvitationId))
                    .col(timestamp_with_time_zone(SurveyLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_links_invitation")
                            .from(SurveyLinks::Table, SurveyLinks::InvitationId)
                            .to(SurveyInvitations::Table, SurveyInvitations::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SurveyLinks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SurveyInvitations::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SurveyVersions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Surveys::Table).to_owned()).await
    }
}

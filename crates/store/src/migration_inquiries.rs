//! M0022: inquiries to the secretariat (web form, e-mail, telephone), their threads and the
//! spans their response clock stood still, and the FAQ entries that grow from the answers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0022Inquiries;

impl MigrationName for M0022Inquiries {
    fn name(&self) -> &str {
        "m0022_inquiries"
    }
}

#[derive(DeriveIden)]
enum Inquiries {
    Table,
    Id,
    ProgrammeId,
    Reference,
    FiscalYear,
    Number,
    Channel,
    Category,
    Status,
    Name,
    CompanyName,
    Email,
    Phone,
    Subject,
    Language,
    PrivacyVersion,
    ApplicationId,
    LinkConfirmed,
    AssigneeUserId,
    ReceivedAt,
    FirstAnsweredAt,
    WaitingSince,
    SourceIp,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InquiryMessages {
    Table,
    Id,
    InquiryId,
    Kind,
    AuthorUserId,
    Body,
    EmailMessageId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InquiryPauses {
    Table,
    InquiryId,
    PausedAt,
    ResumedAt,
}

#[derive(DeriveIden)]
enum FaqEntries {
    Table,
    Id,
    Category,
    QuestionJa,
    AnswerJa,
    QuestionEn,
    AnswerEn,
    Position,
    Published,
    Version,
    SearchText,
    SourceInquiryId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FaqVersions {
    Table,
    FaqId,
    Version,
    QuestionJa,
    AnswerJa,
    QuestionEn,
    AnswerEn,
    SavedBy,
    SavedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0022Inquiries {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Inquiries::Table)
                    .col(pk_uuid(Inquiries::Id))
                    .col(uuid_null(Inquiries::ProgrammeId))
                    .col(string_len(Inquiries::Reference, 16))
                    .col(integer(Inquiries::FiscalYear))
                    .col(integer(Inquiries::Number))
                    .col(string_len(Inquiries::Channel, 8))
                    .col(string_len(Inquiries::Category, 24))
                    .col(string_len(Inquiries::Status, 16))
                    // Text, not a bounded column: the forms' limits are on what was typed, and
                    // NFKC can make it longer (㈱ → (株)).
                    .col(text(Inquiries::Name))
                    .col(text_null(Inquiries::CompanyName))
                    .col(string_len_null(Inquiries::Email, 254))
                    .col(string_len_null(Inquiries::Phone, 32))
                    .col(text(Inquiries::Subject))
                    .col(string_len(Inquiries::Language, 2))
                    .col(string_len_null(Inquiries::PrivacyVersion, 32))
                    .col(uuid_null(Inquiries::ApplicationId))
                    // An automatic link (the sender's address matched) until staff confirm it.
                    .col(boolean(Inquiries::LinkConfirmed).default(false))
                    .col(uuid_null(Inquiries::AssigneeUserId))
                    .col(timestamp_with_time_zone(Inquiries::ReceivedAt))
                    .col(timestamp_with_time_zone_null(Inquiries::FirstAnsweredAt))
                    .col(timestamp_with_time_zone_null(Inquiries::WaitingSince))
                    .col(string_len_null(Inquiries::SourceIp, 64))
                    .col(timestamp_with_time_zone(Inquiries::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("ux_inquiries_reference", vec![Inquiries::Reference], true),
            ("ux_inquiries_year_number", vec![Inquiries::FiscalYear, Inquiries::Number], true),
            ("ix_inquiries_status", vec![Inquiries::Status, Inquiries::ReceivedAt], false),
            ("ix_inquiries_email", vec![Inquiries::Email], false),
            ("ix_inquiries_application", vec![Inquiries::ApplicationId], false),
        ] {
            let mut index = Index::create();
            index.name(name).table(Inquiries::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(InquiryMessages::Table)
                    .col(pk_uuid(InquiryMessages::Id))
                    .col(uuid(InquiryMessages::InquiryId))
                    .col(string_len(InquiryMessages::Kind, 8))
                    .col(uuid_null(InquiryMessages::AuthorUserId))
                    .col(text(InquiryMessages::Body))
                    .col(string_len_null(InquiryMessages::EmailMessageId, 250))
                    .col(timestamp_with_time_zone(InquiryMessages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_inquiry_messages_inquiry")
                            .from(InquiryMessages::Table, InquiryMessages::InquiryId)
                            .to(Inquiries::Table, Inquiries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_inquiry_messages_inquiry")
                    .table(InquiryMessages::Table)
                    .col(InquiryMessages::InquiryId)
                    .col(InquiryMessages::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // One row per e-mail read from the mailbox, however often it is fetched.
        manager
            .create_index(
                Index::create()
                    .name("ux_inquiry_messages_email_id")
                    .table(InquiryMessages::Table)
                    .col(InquiryMessages::EmailMessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InquiryPauses::Table)
                    .col(uuid(InquiryPauses::InquiryId))
                    .col(timestamp_with_time_zone(InquiryPauses::PausedAt))
                    .col(timestamp_with_time_zone_null(InquiryPauses::ResumedAt))
                    .primary_key(Index::create().col(InquiryPauses::InquiryId).col(InquiryPauses::PausedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FaqEntries::Table)
                    .col(pk_uuid(FaqEntries::Id))
                    .col(string_len(FaqEntries::Category, 24))
                    .col(text(FaqEntries::QuestionJa))
                    .col(text(FaqEntries::AnswerJa))
                    .col(text_null(FaqEntries::QuestionEn))
                    .col(text_null(FaqEntries::AnswerEn))
                    .col(integer(FaqEntries::Position))
                    .col(boolean(FaqEntries::Published))
                    .col(integer(FaqEntries::Version))
                    .col(text(FaqEntries::SearchText))
                    .col(uuid_null(FaqEntries::SourceInquiryId))
                    .col(timestamp_with_time_zone(FaqEntries::CreatedAt))
                    .col(timestamp_with_time_zone(FaqEntries::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FaqVersions::Table)
                    .col(uuid(FaqVersions::FaqId))
                    .col(integer(FaqVersions::Version))
                    .col(text(FaqVersions::QuestionJa))
                    .col(text(FaqVersions::AnswerJa))
                    .col(text_null(FaqVersions::QuestionEn))
                    .col(text_null(FaqVersions::AnswerEn))
                    .col(uuid_null(FaqVersions::SavedBy))
                    .col(timestamp_with_time_zone(FaqVersions::SavedAt))
                    .primary_key(Index::create().col(FaqVersions::FaqId).col(FaqVersions::Version))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FaqVersions::Table.into_iden(),
            FaqEntries::Table.into_iden(),
            InquiryPauses::Table.into_iden(),
            InquiryMessages::Table.into_iden(),
            Inquiries::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// M0023: the version of the privacy policy each application and seminar registration agreed
/// to (`domain::policy`); earlier records have none.
pub struct M0023PrivacyVersions;

impl MigrationName for M0023PrivacyVersions {
    fn name(&self) -> &str {
        "m0023_privacy_versions"
    }
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    PrivacyVersion,
}

#[derive(DeriveIden)]
enum SeminarRegistrations {
    Table,
    PrivacyVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for M0023PrivacyVersions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    .add_column(string_len_null(Applications::PrivacyVersion, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SeminarRegistrations::Table)
                    .add_column(string_len_null(SeminarRegistrations::PrivacyVersion, 32))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Applications::Table).drop_column(Applications::PrivacyVersion).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SeminarRegistrations::Table)
                    .drop_column(SeminarRegistrations::PrivacyVersion)
                    .to_owned(),
            )
            .await
    }
}

/// M0024: a programme year's first-answer target for inquiries (`domain::inquiry::Target`'s
/// code; none: the default, by the end of the next business day).
pub struct M0024InquiryTarget;

impl MigrationName for M0024InquiryTarget {
    fn name(&self) -> &str {
        "m0024_inquiry_target"
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    InquiryTarget,
}

#[async_trait::async_trait]
impl MigrationTrait for M0024InquiryTarget {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Programmes::Table)
                    .add_column(string_len_null(Programmes::InquiryTarget, 16))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Programmes::Table).drop_column(Programmes::InquiryTarget).to_owned())
            .await
    }
}

/// M0025: the secretariat's reusable answer templates for inquiry replies.
pub struct M0025AnswerTemplates;

impl MigrationName for M0025AnswerTemplates {
    fn name(&self) -> &str {
        "m0025_answer_templates"
    }
}

#[derive(DeriveIden)]
enum AnswerTemplates {
    Table,
    Id,
    Title,
    Body,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0025AnswerTemplates {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnswerTemplates::Table)
                    .col(pk_uuid(AnswerTemplates::Id))
                    .col(text(AnswerTemplates::Title))
                    .col(text(AnswerTemplates::Body))
                    .col(uuid_null(AnswerTemplates::UpdatedBy))
                    .col(timestamp_with_time_zone(AnswerTemplates::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AnswerTemplates::Table).to_owned()).await
    }
}

/// M0026: files on an inquiry's messages (a reply's attachments, an e-mail's attachments).
pub struct M0026InquiryAttachments;

impl MigrationName for M0026InquiryAttachments {
    fn name(&self) -> &str {
        "m0026_inquiry_attachments"
    }
}

#[derive(DeriveIden)]
enum InquiryAttachments {
    Table,
    Id,
    InquiryId,
    MessageId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Bytes,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0026InquiryAttachments {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InquiryAttachments::Table)
                    .col(pk_uuid(InquiryAttachments::Id))
                    .col(uuid(InquiryAttachments::InquiryId))
                    .col(uuid(InquiryAttachments::MessageId))
                    .col(text(InquiryAttachments::Filename))
                    .col(string_len(InquiryAttachments::ContentType, 40))
                    .col(big_integer(InquiryAttachments::Size))
                    .col(string_len(InquiryAttachments::Sha256, 64))
                    .col(blob(InquiryAttachments::Bytes))
                    .col(timestamp_with_time_zone(InquiryAttachments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_inquiry_attachments_inquiry")
                            .from(InquiryAttachments::Table, InquiryAttachments::InquiryId)
                            .to(Inquiries::Table, Inquiries::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_inquiry_attachments_message")
                            .from(InquiryAttachments::Table, InquiryAttachments::MessageId)
                            .to(InquiryMessages::Table, InquiryMessages::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_inquiry_attachments_inquiry")
                    .table(InquiryAttachments::Table)
                    .col(InquiryAttachments::InquiryId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(InquiryAttachments::Table).to_owned()).await
    }
}

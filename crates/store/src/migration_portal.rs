//! M0003: the company portal (one-time sign-in links, messages) and the participation
//! agreement (the clause text per programme year, each issued agreement, signed re-issues and
//! uploaded scans).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0003Portal;

impl MigrationName for M0003Portal {
    fn name(&self) -> &str {
        "m0003_portal"
    }
}

#[derive(DeriveIden)]
enum LoginTokens {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ApplicationId,
    AuthorUserId,
    AuthorLabel,
    FromCompany,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AgreementTexts {
    Table,
    Id,
    ProgrammeId,
    Version,
    Clauses,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Agreements {
    Table,
    Id,
    ApplicationId,
    AgreementTextId,
    Data,
    Pdf,
    PdfSha256,
    Status,
    SentAt,
    SignedAt,
    SignerNames,
    SignerIp,
    SignedPdf,
    SignedPdfSha256,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgreementUploads {
    Table,
    Id,
    AgreementId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Bytes,
    UploadedAt,
    UploadedIp,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for M0003Portal {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginTokens::Table)
                    .col(string(LoginTokens::Id).primary_key())
                    .col(uuid(LoginTokens::UserId))
                    .col(timestamp_with_time_zone(LoginTokens::CreatedAt))
                    .col(timestamp_with_time_zone(LoginTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(LoginTokens::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_login_tokens_user")
                            .from(LoginTokens::Table, LoginTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(big_pk_auto(Messages::Id))
                    .col(uuid(Messages::ApplicationId))
                    .col(uuid_null(Messages::AuthorUserId))
                    .col(string(Messages::AuthorLabel))
                    .col(boolean(Messages::FromCompany))
                    .col(text(Messages::Body))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_messages_application")
                            .from(Messages::Table, Messages::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_application")
                    .table(Messages::Table)
                    .col(Messages::ApplicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AgreementTexts::Table)
                    .col(pk_uuid(AgreementTexts::Id))
                    .col(uuid(AgreementTexts::ProgrammeId))
                    .col(integer(AgreementTexts::Version))
                    .col(text(AgreementTexts::Clauses))
                    .col(timestamp_with_time_zone(AgreementTexts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agreement_texts_programme")
                            .from(AgreementTexts::Table, AgreementTexts::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_agreement_texts_version")
                    .table(AgreementTexts::Table)
                    .col(AgreementTexts::ProgrammeId)
                    .col(AgreementTexts::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Agreements::Table)
                    .col(pk_uuid(Agreements::Id))
                    .col(uuid(Agreements::ApplicationId))
                    .col(uuid(Agreements::AgreementTextId))
                    .col(text(Agreements::Data))
                    .col(blob(Agreements::Pdf))
                    .col(string(Agreements::PdfSha256))
                    .col(string(Agreements::Status))
                    .col(timestamp_with_time_zone(Agreements::SentAt))
                    .col(timestamp_with_time_zone_null(Agreements::SignedAt))
                    .col(text_null(Agreements::SignerNames))
                    .col(string_null(Agreements::SignerIp))
                    .col(blob_null(Agreements::SignedPdf))
                    .col(string_null(Agreements::SignedPdfSha256))
                    .col(timestamp_with_time_zone(Agreements::CreatedAt))
                    .col(timestamp_with_time_zone(Agreements::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agreements_application")
                            .from(Agreements::Table, Agreements::ApplicationId)
                            .to(Applications::Table, Applications::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agreements_text")
                            .from(Agreements::Table, Agreements::AgreementTextId)
                            .to(AgreementTexts::Table, AgreementTexts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_agreements_application")
                    .table(Agreements::Table)
                    .col(Agreements::ApplicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AgreementUploads::Table)
                    .col(pk_uuid(AgreementUploads::Id))
                    .col(uuid(AgreementUploads::AgreementId))
                    .col(string(AgreementUploads::Filename))
                    .col(string(AgreementUploads::ContentType))
                    .col(big_integer(AgreementUploads::Size))
                    .col(string(AgreementUploads::Sha256))
                    .col(blob(AgreementUploads::Bytes))
                    .col(timestamp_with_time_zone(AgreementUploads::UploadedAt))
                    .col(string_null(AgreementUploads::UploadedIp))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agreement_uploads_agreement")
                            .from(AgreementUploads::Table, AgreementUploads::AgreementId)
                            .to(Agreements::Table, Agreements::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

//! M0013: briefing seminars (説明会) with seats per mode, their registrations, and e-mail
//! attachments in the outbox (the seminar's calendar invitation).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0013Seminars;

impl MigrationName for M0013Seminars {
    fn name(&self) -> &str {
        "m0013_seminars"
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Seminars {
    Table,
    Id,
    ProgrammeId,
    Code,
    TitleJa,
    TitleEn,
    DescriptionJa,
    DescriptionEn,
    StartsAt,
    EndsAt,
    VenueName,
    VenueAddress,
    VenueMapUrl,
    OnlineUrl,
    VenueCapacity,
    OnlineCapacity,
    VenueTaken,
    OnlineTaken,
    VenueWaitlistSeq,
    OnlineWaitlistSeq,
    Deadline,
    MaxAttendees,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SeminarRegistrations {
    Table,
    Id,
    SeminarId,
    Reference,
    Mode,
    Status,
    WaitlistPosition,
    CompanyName,
    CompanyNameKana,
    CorporateNumber,
    PersonName,
    Email,
    Phone,
    Attendees,
    Questions,
    HeardFrom,
    Language,
    ManageTokenHash,
    Sequence,
    AttendedAt,
    AttendanceSource,
    AttendedMinutes,
    RemindedAt,
    SoonRemindedAt,
    SourceIp,
    CreatedAt,
    UpdatedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Attachments,
}

#[async_trait::async_trait]
impl MigrationTrait for M0013Seminars {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Seminars::Table)
                    .col(pk_uuid(Seminars::Id))
                    .col(uuid(Seminars::ProgrammeId))
                    .col(string(Seminars::Code))
                    .col(string(Seminars::TitleJa))
                    .col(string(Seminars::TitleEn))
                    .col(text(Seminars::DescriptionJa))
                    .col(text(Seminars::DescriptionEn))
                    .col(timestamp_with_time_zone(Seminars::StartsAt))
                    .col(timestamp_with_time_zone(Seminars::EndsAt))
                    .col(string(Seminars::VenueName))
                    .col(string(Seminars::VenueAddress))
                    .col(text_null(Seminars::VenueMapUrl))
                    .col(text_null(Seminars::OnlineUrl))
                    .col(integer(Seminars::VenueCapacity))
                    .col(integer(Seminars::OnlineCapacity))
                    .col(integer(Seminars::VenueTaken))
                    .col(integer(Seminars::OnlineTaken))
                    .col(integer(Seminars::VenueWaitlistSeq))
                    .col(integer(Seminars::OnlineWaitlistSeq))
                    .col(timestamp_with_time_zone(Seminars::Deadline))
                    .col(integer(Seminars::MaxAttendees))
                    .col(timestamp_with_time_zone(Seminars::CreatedAt))
                    .col(timestamp_with_time_zone(Seminars::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_seminars_programme")
                            .from(Seminars::Table, Seminars::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_seminars_programme_code")
                    .table(Seminars::Table)
                    .col(Seminars::ProgrammeId)
                    .col(Seminars::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SeminarRegistrations::Table)
                    .col(pk_uuid(SeminarRegistrations::Id))
                    .col(uuid(SeminarRegistrations::SeminarId))
                    .col(string_uniq(SeminarRegistrations::Reference))
                    .col(string_len(SeminarRegistrations::Mode, 10))
                    .col(string_len(SeminarRegistrations::Status, 12))
                    .col(integer_null(SeminarRegistrations::WaitlistPosition))
                    .col(string(SeminarRegistrations::CompanyName))
                    .col(string(SeminarRegistrations::CompanyNameKana))
                    .col(string_null(SeminarRegistrations::CorporateNumber))
                    .col(string(SeminarRegistrations::PersonName))
                    .col(string(SeminarRegistrations::Email))
                    .col(string(SeminarRegistrations::Phone))
                    .col(integer(SeminarRegistrations::Attendees))
                    .col(text_null(SeminarRegistrations::Questions))
                    .col(string_null(SeminarRegistrations::HeardFrom))
                    .col(string_len(SeminarRegistrations::Language, 2))
                    .col(string_uniq(SeminarRegistrations::ManageTokenHash))
                    .col(integer(SeminarRegistrations::Sequence))
                    .col(timestamp_with_time_zone_null(SeminarRegistrations::AttendedAt))
                    .col(string_null(SeminarRegistrations::AttendanceSource))
                    .col(integer_null(SeminarRegistrations::AttendedMinutes))
                    .col(timestamp_with_time_zone_null(SeminarRegistrations::RemindedAt))
                    .col(timestamp_with_time_zone_null(SeminarRegistrations::SoonRemindedAt))
                    .col(string_null(SeminarRegistrations::SourceIp))
                    .col(timestamp_with_time_zone(SeminarRegistrations::CreatedAt))
                    .col(timestamp_with_time_zone(SeminarRegistrations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(SeminarRegistrations::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_seminar_registrations_seminar")
                            .from(SeminarRegistrations::Table, SeminarRegistrations::SeminarId)
                            .to(Seminars::Table, Seminars::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_seminar_registrations_queue")
                    .table(SeminarRegistrations::Table)
                    .col(SeminarRegistrations::SeminarId)
                    .col(SeminarRegistrations::Mode)
                    .col(SeminarRegistrations::Status)
                    .col(SeminarRegistrations::WaitlistPosition)
                    .to_owned(),
            )
            .await?;
        // One live registration per address and seminar; a cancelled one does not count. Both
        // SQLite and PostgreSQL have partial indexes, which the schema builder does not write.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_seminar_registrations_email ON seminar_registrations \
                 (seminar_id, email) WHERE status <> 'cancelled'",
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Outbox::Table).add_column(text_null(Outbox::Attachments)).to_owned())
            .await?;
        Ok(())
    }
}

//! M0010: account and upload hardening — a staff user can be made to choose a new password at
//! the next sign-in (`must_change_password`, set for every printed one-time password), records
//! when it last changed and when an administrator disabled the account; an agreement upload
//! records when a later upload superseded it (its bytes are then dropped, its digest kept); and
//! sign-in attempts are indexed by address for the per-address throttle.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0010AccountSecurity;

impl MigrationName for M0010AccountSecurity {
    fn name(&self) -> &str {
        "m0010_account_security"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    MustChangePassword,
    PasswordChangedAt,
    DisabledAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Ip,
    AttemptedAt,
}

#[derive(DeriveIden)]
enum AgreementUploads {
    Table,
    SupersededAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M0010AccountSecurity {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Existing users keep the password they have (false); SQLite adds one column per statement.
        for column in [
            boolean(Users::MustChangePassword).default(false).to_owned(),
            timestamp_with_time_zone_null(Users::PasswordChangedAt),
            timestamp_with_time_zone_null(Users::DisabledAt),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(Users::Table).add_column(&mut column).to_owned()).await?;
        }
        // The sign-in throttle counts failures per address too.
        manager
            .create_index(
                Index::create()
                    .name("ix_login_attempts_ip")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::Ip)
                    .col(LoginAttempts::AttemptedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AgreementUploads::Table)
                    .add_column(timestamp_with_time_zone_null(AgreementUploads::SupersededAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

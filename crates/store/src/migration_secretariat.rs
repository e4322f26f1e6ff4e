//! M0012: each programme year names its secretariat's contact details (募集要項 11. 問い合わせ先,
//! a JSON object, `NULL` until entered), and each application records the language its company
//! chose on the form, so that e-mails are written in it (existing ones: Japanese).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M0012SecretariatAndLanguage;

impl MigrationName for M0012SecretariatAndLanguage {
    fn name(&self) -> &str {
        "m0012_secretariat_and_language"
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Secretariat,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Language,
}

#[async_trait::async_trait]
impl MigrationTrait for M0012SecretariatAndLanguage {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Programmes::Table).add_column(text_null(Programmes::Secretariat)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    .add_column(string_len(Applications::Language, 2).default("ja"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

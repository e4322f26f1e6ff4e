//! The public statistics as published each day: one row per Tokyo day, its figures as JSON
//! (already anonymised and suppressed by `app::stats`).
//!
//! Must not: compute or suppress figures (`app::stats`, `domain::disclosure`).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{EntityTrait, QueryOrder, Set, sea_query::OnConflict};

use crate::{Db, Result, StoreError};

pub(crate) mod public_stat {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "public_stats")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: String,
        pub fiscal_year: i32,
        pub body: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Keeps `body` as day `day`'s figures (replacing what that day had).
pub async fn save(db: &Db, day: NaiveDate, fiscal_year: i32, body: &str, now: DateTime<Utc>) -> Result<()> {
    public_stat::Entity::insert(public_stat::ActiveModel {
        day: Set(day.format("%Y-%m-%d").to_string()),
        fiscal_year: Set(fiscal_year),
        body: Set(body.to_string()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(public_stat::Column::Day)
            .update_columns([
                public_stat::Column::FiscalYear,
                public_stat::Column::Body,
                public_stat::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec(db.conn())
    .await?;
    Ok(())
}

/// The newest day's figures: (day, body).
pub async fn latest(db: &Db) -> Result<Option<(NaiveDate, String)>> {
    let Some(row) = public_stat::Entity::find().order_by_desc(public_stat::Column::Day).one(db.conn()).await? else {
        return Ok(None);
    };
    let day = NaiveDate::parse_from_str(&row.day, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("public_stats: day {:?}", row.day)))?;
    Ok(Some((day, row.body)))
}

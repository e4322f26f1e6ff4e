//! Holidays imported after release (`kojo holidays import`): the yearly Cabinet Office update,
//! merged over the table compiled into `domain`.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::calendar::HolidayTable;
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, QueryOrder, Set};

use crate::entities::holiday;
use crate::{Db, Result, StoreError};

/// Stores every day of `table` (replacing the name of a day already stored). Returns the count.
pub async fn import(db: &Db, table: &HolidayTable, now: DateTime<Utc>) -> Result<usize> {
    let tx = db.begin_write().await?;
    let mut count = 0;
    for (date, name) in table.iter() {
        holiday::Entity::insert(holiday::ActiveModel {
            date: Set(date),
            name: Set(name.to_string()),
            created_at: Set(now),
        })
        .on_conflict(OnConflict::column(holiday::Column::Date).update_column(holiday::Column::Name).to_owned())
        .exec(&tx)
        .await?;
        count += 1;
    }
    tx.commit().await?;
    Ok(count)
}

/// The compiled-in table with every imported day merged over it.
pub async fn effective_table(db: &Db) -> Result<HolidayTable> {
    let stored = holiday::Entity::find().order_by_asc(holiday::Column::Date).all(db.conn()).await?;
    let mut table = HolidayTable::builtin().clone();
    if !stored.is_empty() {
        let mut csv = String::from("国民の祝日・休日月日,国民の祝日・休日名称\n");
        for day in &stored {
            csv.push_str(&format!("{},{}\n", day.date.format("%Y/%-m/%-d"), day.name));
        }
        let imported = HolidayTable::parse_csv(csv.as_bytes()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        table.merge(&imported);
    }
    Ok(table)
}

/// The last day the effective holiday table covers: the end of the year of its last holiday
/// (the Cabinet Office publishes whole years), or `None` for an empty table. Business-day
/// deadlines after it may miss holidays; `kojo holidays import syukujitsu.csv` extends it.
pub async fn covered_until(db: &Db) -> Result<Option<NaiveDate>> {
    let table = effective_table(db).await?;
    Ok(table.last_date().and_then(|last| NaiveDate::from_ymd_opt(last.year(), 12, 31)))
}

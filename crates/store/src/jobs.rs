//! Scheduled work: one row per job, named by a kind and a key (`report_drafts` / `2026-11`,
//! `purge_threat_events` / `2026-12-03`). Planning inserts the row unless it exists, so a job is
//! planned once however many processes plan it; claiming leases due jobs to one worker inside a
//! write transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite `BEGIN IMMEDIATE`), so two
//! processes on one database never run the same job at once.
//!
//! Must not: know what a job does (the `kojo` worker owns the handlers) or read a clock.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{Db, Result, Tx};

mod job {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub key: String,
        pub due_at: DateTimeUtc,
        pub attempts: i32,
        pub last_error: Option<String>,
        pub done_at: Option<DateTimeUtc>,
        pub locked_until: Option<DateTimeUtc>,
        pub locked_by: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A job as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    pub id: Uuid,
    pub kind: String,
    pub key: String,
    pub due_at: DateTime<Utc>,
    /// How many times a worker has claimed it (a job done on its first try has 1).
    pub attempts: u32,
    pub last_error: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
    pub locked_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A job leased to the caller until `locked_until`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub key: String,
    /// Including this claim.
    pub attempts: u32,
    pub locked_until: DateTime<Utc>,
}

/// Plans job `kind`/`key`, due at `due_at`, unless it is already planned (done or not).
/// Returns whether a new job was planned.
pub async fn plan(db: &Db, kind: &str, key: &str, due_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool> {
    plan_on(db.conn(), kind, key, due_at, now).await
}

/// [`plan`] inside an application service's transaction: the job exists if and only if the
/// change that asked for it is committed.
pub async fn plan_in(tx: &Tx, kind: &str, key: &str, due_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool> {
    plan_on(tx.conn(), kind, key, due_at, now).await
}

async fn plan_on(
    conn: &impl ConnectionTrait,
    kind: &str,
    key: &str,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let inserted = job::Entity::insert(job::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.to_string()),
        key: Set(key.to_string()),
        due_at: Set(due_at),
        attempts: Set(0),
        last_error: Set(None),
        done_at: Set(None),
        locked_until: Set(None),
        locked_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(OnConflict::columns([job::Column::Kind, job::Column::Key]).do_nothing().to_owned())
    .exec_without_returning(conn)
    .await?;
    Ok(inserted > 0)
}

/// The keys of `kind` already planned (done or not), so that a planner need not plan them again.
pub async fn planned_keys(db: &Db, kind: &str) -> Result<Vec<String>> {
    Ok(job::Entity::find()
        .select_only()
        .column(job::Column::Key)
        .filter(job::Column::Kind.eq(kind))
        .into_tuple::<String>()
        .all(db.conn())
        .await?)
}

/// Claims up to `limit` jobs due at `now` that no live lease holds and whose kind is not in
/// `unable` (kinds this worker cannot run, e.g. the nightly backup without a backup folder),
/// leasing each to `owner` until `now + lease` and counting the attempt, in one write
/// transaction. A worker that dies leaves its jobs to be claimed again when the lease runs out.
pub async fn claim_due(
    db: &Db,
    owner: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
    unable: &[&str],
) -> Result<Vec<ClaimedJob>> {
    let due = job::Entity::find()
        .filter(job::Column::DoneAt.is_null())
        .filter(job::Column::Kind.is_not_in(unable.iter().copied()))
        .filter(job::Column::DueAt.lte(now))
        .filter(Condition::any().add(job::Column::LockedUntil.is_null()).add(job::Column::LockedUntil.lte(now)))
        .order_by_asc(job::Column::DueAt)
        .order_by_asc(job::Column::Id)
        .limit(limit);
    // Most passes find nothing: a plain read first keeps them off the write lock.
    if due.clone().one(db.conn()).await?.is_none() {
        return Ok(Vec::new());
    }
    let tx = db.begin_write().await?;
    let due = if db.is_sqlite() { due } else { due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked) };
    let candidates = due.all(&tx).await?;
    if candidates.is_empty() {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let locked_until = now + lease;
    job::Entity::update_many()
        .col_expr(job::Column::LockedUntil, Expr::value(locked_until))
        .col_expr(job::Column::LockedBy, Expr::value(owner))
        .col_expr(job::Column::Attempts, sea_orm::sea_query::ExprTrait::add(Expr::col(job::Column::Attempts), 1))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.is_in(candidates.iter().map(|model| model.id)))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(candidates
        .into_iter()
        .map(|model| ClaimedJob {
            id: model.id,
            kind: model.kind,
            key: model.key,
            attempts: model.attempts.max(0) as u32 + 1,
            locked_until,
        })
        .collect())
}

/// Marks a job done. Returns false when `owner` no longer held it (its lease ran out and another
/// worker claimed it): the caller's work may then have been done twice, which it should log.
pub async fn finish(db: &Db, id: Uuid, owner: &str, now: DateTime<Utc>) -> Result<bool> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::DoneAt, Expr::value(now))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(owner))
        .filter(job::Column::DoneAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records a failed attempt: the error is kept and the job is due again at `retry_at`.
pub async fn fail(
    db: &Db,
    id: Uuid,
    owner: &str,
    error: &str,
    retry_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::LastError, Expr::value(error.chars().take(2000).collect::<String>()))
        .col_expr(job::Column::DueAt, Expr::value(retry_at))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(owner))
        .filter(job::Column::DoneAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected == 1)
}

/// One job by kind and key.
/// Deletes the done jobs of `kind` finished before `before` (a frequent kind's old slots).
pub async fn forget_done(db: &Db, kind: &str, before: DateTime<Utc>) -> Result<u64> {
    let result = job::Entity::delete_many()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::DoneAt.lt(before))
        .exec(db.conn())
        .await?;
    Ok(result.rows_affected)
}

pub async fn find(db: &Db, kind: &str, key: &str) -> Result<Option<JobRecord>> {
    let model =
        job::Entity::find().filter(job::Column::Kind.eq(kind)).filter(job::Column::Key.eq(key)).one(db.conn()).await?;
    Ok(model.map(job_record))
}

/// The most recently changed jobs, newest first (for staff and tests).
pub async fn recent(db: &Db, limit: u64) -> Result<Vec<JobRecord>> {
    let models = job::Entity::find()
        .order_by_desc(job::Column::UpdatedAt)
        .order_by_desc(job::Column::Id)
        .limit(limit)
        .all(db.conn())
        .await?;
    Ok(models.into_iter().map(job_record).collect())
}

/// When each kind of job last finished, and how many of its jobs are due and not done (for
/// the operator's metrics), by kind.
pub async fn last_runs(db: &Db, now: DateTime<Utc>) -> Result<Vec<KindStatus>> {
    use sea_orm::FromQueryResult;
    use sea_orm::sea_query::Func;
    #[derive(FromQueryResult)]
    struct Row {
        kind: String,
        last_done: Option<DateTime<Utc>>,
    }
    let done: Vec<Row> = job::Entity::find()
        .select_only()
        .column(job::Column::Kind)
        .column_as(Expr::expr(Func::max(Expr::col(job::Column::DoneAt))), "last_done")
        .group_by(job::Column::Kind)
        .into_model::<Row>()
        .all(db.conn())
        .await?;
    let mut statuses = Vec::with_capacity(done.len());
    for row in done {
        let overdue = job::Entity::find()
            .filter(job::Column::Kind.eq(row.kind.as_str()))
            .filter(job::Column::DoneAt.is_null())
            .filter(job::Column::DueAt.lte(now))
            .count(db.conn())
            .await?;
        statuses.push(KindStatus { kind: row.kind, last_done: row.last_done, due: overdue });
    }
    Ok(statuses)
}

/// One kind of job as the metrics show it.
#[derive(Debug, Clone, PartialEq)]
pub struct KindStatus {
    pub kind: String,
    /// When a job of this kind last finished (none yet: `None`).
    pub last_done: Option<DateTime<Utc>>,
    /// Jobs of this kind due by now and not done.
    pub due: u64,
}

fn job_record(model: job::Model) -> JobRecord {
    JobRecord {
        id: model.id,
        kind: model.kind,
        key: model.key,
        due_at: model.due_at,
        attempts: model.attempts.max(0) as u32,
        last_error: model.last_error,
        done_at: model.done_at,
        locked_until: model.locked_until,
        locked_by: model.locked_by,
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

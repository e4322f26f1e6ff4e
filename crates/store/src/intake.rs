//! Group commit for submissions: one writer task takes every submission waiting in its queue
//! and commits them in one write transaction, in arrival order.
//!
//! Why: a submission's cost is almost all fixed per transaction (taking the write lock, reading
//! the course, the commit and, on PostgreSQL, its WAL flush), not per row. Under a burst the
//! queue fills while a batch commits, so the next batch is larger and the fixed cost is shared.
//! With one submission waiting the batch is just that one, so a quiet site sees no delay.
//!
//! Invariant kept: places are given in queue order under the course lock (SQLite `BEGIN
//! IMMEDIATE`; PostgreSQL `SELECT … FOR UPDATE` on every course in the batch, in id order), and
//! a submission is acknowledged only after the transaction holding it has committed. If a batch
//! fails for any reason (a reference number already taken, a duplicate that raced in from
//! another process, a lost connection), nothing of it is kept and each submission is retried on
//! its own with [`applications::submit`], which reports its own outcome.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use domain::calendar::BusinessCalendar;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::applications::{self, Compose, Placement, Submission, SubmittedFacts};
use crate::entities::{application, audit_entry, case_event, course, outbox_message};
use crate::{Db, Result, StoreError, audit, outbox};

/// Submissions committed together at most: enough to absorb a burst from hundreds of clients
/// while keeping one transaction (and the course lock) short; rows go in small statements (see
/// [`chunks`]).
const MAX_BATCH: usize = 256;

/// Submissions waiting at most; a full queue makes callers wait (backpressure), never drops.
const QUEUE_DEPTH: usize = 4096;

/// The handle callers submit through; cheap to clone. The writer task ends when the last
/// handle is dropped, after committing what was queued.
#[derive(Clone)]
pub struct SubmissionQueue {
    sender: mpsc::Sender<Job>,
}

struct Job {
    submission: Submission,
    compose: Arc<Compose>,
    reply: oneshot::Sender<Result<SubmittedFacts>>,
}

impl SubmissionQueue {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(db: Db, calendar: Arc<BusinessCalendar>, now: crate::Now) -> SubmissionQueue {
        let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run_writer(db, calendar, now, receiver));
        SubmissionQueue { sender }
    }

    /// Submissions waiting for the writer (for the operator's metrics).
    pub fn queued(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }

    /// Submits an application and waits until it is committed: holds a place if one is free,
    /// otherwise waitlists it. `compose` writes the acknowledgement e-mail from the facts.
    pub async fn submit(&self, submission: Submission, compose: Arc<Compose>) -> Result<SubmittedFacts> {
        let (reply, answer) = oneshot::channel();
        let job = Job { submission, compose, reply };
        self.sender.send(job).await.map_err(|_| StoreError::Unavailable("the submission writer has stopped"))?;
        answer.await.map_err(|_| StoreError::Unavailable("the submission writer has stopped"))?
    }
}

async fn run_writer(db: Db, calendar: Arc<BusinessCalendar>, now: crate::Now, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        commit(&db, &calendar, &now, std::mem::take(&mut jobs)).await;
    }
}

async fn commit(db: &Db, calendar: &BusinessCalendar, now: &crate::Now, jobs: Vec<Job>) {
    let started = std::time::Instant::now();
    metrics::histogram!("kojo_submission_group_size").record(jobs.len() as f64);
    match commit_batch(db, calendar, &jobs, now).await {
        Ok(outcomes) => {
            tracing::debug!(batch = jobs.len(), micros = started.elapsed().as_micros() as u64, "group committed");
            for (job, outcome) in jobs.into_iter().zip(outcomes) {
                // The caller may have gone (a closed connection); what committed stays committed.
                let _ = job.reply.send(outcome);
            }
        }
        Err(error) => {
            if jobs.len() > 1 {
                tracing::debug!(batch = jobs.len(), "group commit failed, retrying one by one: {error}");
            }
            for job in jobs {
                let outcome = applications::submit(db, calendar, &job.submission, job.compose.as_ref(), now()).await;
                let _ = job.reply.send(outcome);
            }
        }
    }
}

/// Commits `jobs` in one transaction. The outer error means nothing was committed; the inner
/// results are each submission's own outcome (a duplicate or an unknown course is refused
/// without failing the others).
async fn commit_batch(
    db: &Db,
    calendar: &BusinessCalendar,
    jobs: &[Job],
    now: &crate::Now,
) -> Result<Vec<Result<SubmittedFacts>>> {
    let tx = db.begin_write().await?;

    let mut course_ids: Vec<Uuid> = jobs.iter().map(|job| job.submission.course_id).collect();
    course_ids.sort_unstable();
    course_ids.dedup();
    let mut courses: HashMap<Uuid, course::Model> = course::Entity::find()
        .filter(course::Column::Id.is_in(course_ids))
        .order_by_asc(course::Column::Id)
        .lock_exclusive()
        .all(&tx)
        .await?
        .into_iter()
        .map(|model| (model.id, model))
        .collect();

    // Companies of this batch that have already applied in the same programme year.
    let programme_ids: HashSet<Uuid> = courses.values().map(|c| c.programme_id).collect();
    let keys: HashSet<String> = jobs.iter().map(|job| job.submission.application.duplicate_key()).collect();
    let mut applied: HashSet<(Uuid, String)> = application::Entity::find()
        .select_only()
        .column(application::Column::ProgrammeId)
        .column(application::Column::DuplicateKey)
        .filter(application::Column::ProgrammeId.is_in(programme_ids))
        .filter(application::Column::DuplicateKey.is_in(keys))
        .into_tuple::<(Uuid, String)>()
        .all(&tx)
        .await?
        .into_iter()
        .collect();

    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut rows = Rows::default();
    let mut references = HashSet::new();
    let mut last_received: Option<DateTime<Utc>> = None;
    for job in jobs {
        let submission = &job.submission;
        let Some(course) = courses.get_mut(&submission.course_id) else {
            outcomes.push(Err(StoreError::NotFound));
            continue;
        };
        if !applied.insert((course.programme_id, submission.application.duplicate_key())) {
            outcomes.push(Err(StoreError::Duplicate));
            continue;
        }
        let mut places = crate::cases::places_of(course);
        let (status, waitlist_position) = applications::placement(places.take());
        (course.places_taken, course.waitlist_seq) = (places.taken, places.waitlist_seq);
        // Strictly increasing within the batch, so received_at orders applications as the
        // queue did even when the clock does not move between two of them.
        let mut received_at = now();
        if let Some(last) = last_received.filter(|last| received_at <= *last) {
            received_at = last + Duration::microseconds(1);
        }
        last_received = Some(received_at);
        let reference = loop {
            let candidate = applications::new_reference(&submission.reference_prefix);
            if references.insert(candidate.clone()) {
                break candidate;
            }
        };
        let placed =
            Placement { status, waitlist_position, received_at, contact_due: calendar.contact_due(received_at) };
        let facts = SubmittedFacts {
            id: Uuid::now_v7(),
            reference,
            status,
            waitlist_position: waitlist_position.map(|p| p as u32),
            received_at,
            contact_due: placed.contact_due,
        };
        rows.push(course.programme_id, submission, &placed, &facts, job.compose.as_ref());
        outcomes.push(Ok(facts));
    }

    rows.insert(&tx).await?;
    let now = now();
    for course in courses.values() {
        course::Entity::update_many()
            .col_expr(course::Column::PlacesTaken, Expr::value(course.places_taken))
            .col_expr(course::Column::WaitlistSeq, Expr::value(course.waitlist_seq))
            .col_expr(course::Column::UpdatedAt, Expr::value(now))
            .filter(course::Column::Id.eq(course.id))
            .exec(&tx)
            .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// The rows one batch writes, inserted table by table.
#[derive(Default)]
struct Rows {
    applications: Vec<application::ActiveModel>,
    audit: Vec<audit_entry::ActiveModel>,
    events: Vec<case_event::ActiveModel>,
    emails: Vec<outbox_message::ActiveModel>,
}

impl Rows {
    fn push(
        &mut self,
        programme_id: Uuid,
        submission: &Submission,
        placed: &Placement,
        facts: &SubmittedFacts,
        compose: &Compose,
    ) {
        self.applications.push(applications::application_model(
            facts.id,
            &facts.reference,
            programme_id,
            submission,
            placed,
        ));
        self.audit.push(audit::entry_model(applications::created_audit_entry(submission, facts), facts.received_at));
        let act = applications::created_act(submission, facts);
        let detail = applications::created_detail(facts);
        self.events.push(crate::cases::case_event_model(
            &act,
            "submit",
            facts.status,
            facts.status,
            &detail,
            facts.received_at,
        ));
        self.emails.push(outbox::message_model(&compose(&submission.application, facts), facts.received_at).1);
    }

    async fn insert(self, tx: &sea_orm::DatabaseTransaction) -> Result<()> {
        for chunk in chunks(self.applications, 8) {
            application::Entity::insert_many(chunk)
                .exec_without_returning(tx)
                .await
                .map_err(applications::classify_insert_error)?;
        }
        for chunk in chunks(self.audit, 32) {
            audit_entry::Entity::insert_many(chunk).exec_without_returning(tx).await?;
        }
        for chunk in chunks(self.events, 32) {
            case_event::Entity::insert_many(chunk).exec_without_returning(tx).await?;
        }
        for chunk in chunks(self.emails, 4) {
            outbox_message::Entity::insert_many(chunk).exec_without_returning(tx).await?;
        }
        Ok(())
    }
}

/// Splits `rows` into statements of at most `size` rows, sized so that a statement's message
/// stays under about 12 KB (an acknowledgement e-mail is about 2 KB, an application row under
/// 1 KB). The PostgreSQL driver does not set `TCP_NODELAY`, so a message written in two pieces
/// (over TLS, a record is at most 16 KB) waits for the server's delayed ACK: 40 ms or more on
/// Linux, measured at 44 ms per statement here. Fixed sizes also keep the number of distinct
/// prepared statements small.
fn chunks<T>(rows: Vec<T>, size: usize) -> impl Iterator<Item = Vec<T>> {
    let mut rows = rows.into_iter().peekable();
    std::iter::from_fn(move || {
        rows.peek()?;
        Some(rows.by_ref().take(size).collect())
    })
}

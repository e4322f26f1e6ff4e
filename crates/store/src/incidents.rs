//! The course ① incident desk: tickets, their timeline (status changes, messages with the
//! company, internal notes, remote actions, breaches), the detections attached to automatic
//! tickets (copied, so the evidence outlives the threat events' retention), files, and the
//! on-site dispatches and removal work orders.
//!
//! A ticket's status moves only through [`apply`], which locks the row and asks
//! `domain::incident::transition`; every change writes its timeline row in the same transaction.

use chrono::{DateTime, Duration, Utc};
use domain::incident::{Category, Channel, RemoteAction, Severity, TicketEvent, TicketStatus};
use domain::refusal::{IncidentRefusal, Refusal};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{
    application, incident_attachment, incident_detection, incident_dispatch, incident_event, incident_ticket,
};
use crate::{Db, Result, StoreError, Tx};

/// Evidence rows kept per ticket; further detections only add to its count.
pub const DETECTIONS_KEPT_PER_TICKET: u64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketRecord {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub application_id: Uuid,
    pub company_name: String,
    pub device_id: Option<Uuid>,
    pub reference: String,
    #[serde(serialize_with = "code")]
    pub channel: Channel,
    #[serde(serialize_with = "code")]
    pub category: Category,
    #[serde(serialize_with = "code")]
    pub severity: Severity,
    #[serde(serialize_with = "code")]
    pub status: TicketStatus,
    pub subject: String,
    pub description: String,
    pub assignee_id: Option<Uuid>,
    pub opened_by_label: String,
    pub opened_at: DateTime<Utc>,
    #[serde(skip)]
    pub response_target: Duration,
    #[serde(skip)]
    pub resolution_target: Duration,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub response_breached_at: Option<DateTime<Utc>>,
    pub resolution_breached_at: Option<DateTime<Utc>>,
    pub auto_signature: Option<String>,
    pub auto_source: Option<String>,
    pub detection_count: u64,
    pub last_detection_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Anything with a stable code serialises as it.
trait Coded {
    fn as_code(&self) -> &'static str;
}

macro_rules! coded {
    ($($t:ty),*) => {$(impl Coded for $t { fn as_code(&self) -> &'static str { self.code() } })*};
}
coded!(Channel, Category, Severity, TicketStatus, DispatchKind, DispatchStatus);

fn code<S: serde::Serializer, T: Coded>(value: &T, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_code())
}

impl TicketRecord {
    /// Whether the desk still works on it (neither resolved nor closed).
    pub fn is_open(&self) -> bool {
        !matches!(self.status, TicketStatus::Resolved | TicketStatus::Closed)
    }
}

/// What a timeline row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Opened,
    Status,
    /// A message between the desk and the company (both see it).
    Message,
    /// The desk's internal note (the company never sees it).
    Note,
    RemoteAction,
    Assigned,
    Severity,
    /// More detections joined an automatic ticket.
    Detections,
    Dispatch,
    /// An SLA target passed.
    Breach,
    Attachment,
}

impl EventKind {
    const ALL: [EventKind; 11] = [
        EventKind::Opened,
        EventKind::Status,
        EventKind::Message,
        EventKind::Note,
        EventKind::RemoteAction,
        EventKind::Assigned,
        EventKind::Severity,
        EventKind::Detections,
        EventKind::Dispatch,
        EventKind::Breach,
        EventKind::Attachment,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventKind::Opened => "opened",
            EventKind::Status => "status",
            EventKind::Message => "message",
            EventKind::Note => "note",
            EventKind::RemoteAction => "remote_action",
            EventKind::Assigned => "assigned",
            EventKind::Severity => "severity",
            EventKind::Detections => "detections",
            EventKind::Dispatch => "dispatch",
            EventKind::Breach => "breach",
            EventKind::Attachment => "attachment",
        }
    }

    pub fn from_code(code: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub status_to: Option<TicketStatus>,
    pub for_company: bool,
    pub author_label: String,
    pub author_is_company: bool,
    pub action: Option<RemoteAction>,
    pub body: String,
    pub attachment_id: Option<Uuid>,
}

/// A timeline row to write.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    pub for_company: bool,
    pub author_label: String,
    pub author_is_company: bool,
    pub action: Option<RemoteAction>,
    pub body: String,
    pub attachment_id: Option<Uuid>,
}

impl NewEvent {
    /// A row by `author` (staff unless `company`), seen by the company when `for_company`.
    pub fn new(kind: EventKind, author: &str, company: bool, for_company: bool, body: impl Into<String>) -> NewEvent {
        NewEvent {
            kind,
            for_company,
            author_label: author.to_string(),
            author_is_company: company,
            action: None,
            body: body.into(),
            attachment_id: None,
        }
    }
}

/// A ticket to open.
#[derive(Debug, Clone)]
pub struct OpenTicket<'a> {
    pub programme_id: Uuid,
    pub application_id: Uuid,
    pub device_id: Option<Uuid>,
    pub reference: String,
    pub channel: Channel,
    pub ticket: &'a domain::incident::NewTicket,
    pub opened_by_label: String,
    pub opened_by_company: bool,
    pub targets: domain::incident::Targets,
    /// For an automatic ticket: the dedupe key's signature and source.
    pub auto_key: Option<(String, Option<String>)>,
}

/// Whether a ticket has this reference.
pub async fn reference_taken(tx: &Tx, reference: &str) -> Result<bool> {
    let found = incident_ticket::Entity::find()
        .filter(incident_ticket::Column::Reference.eq(reference))
        .count(tx.conn())
        .await?;
    Ok(found > 0)
}

/// Opens a ticket with its first timeline row (the description, seen by the company).
pub async fn open(tx: &Tx, new: &OpenTicket<'_>, now: DateTime<Utc>) -> Result<TicketRecord> {
    let id = Uuid::now_v7();
    let (signature, source) = match &new.auto_key {
        Some((signature, source)) => (Some(signature.clone()), source.clone()),
        None => (None, None),
    };
    incident_ticket::ActiveModel {
        id: Set(id),
        programme_id: Set(new.programme_id),
        application_id: Set(new.application_id),
        device_id: Set(new.device_id),
        reference: Set(new.reference.clone()),
        channel: Set(new.channel.code().into()),
        category: Set(new.ticket.category.code().into()),
        severity: Set(new.ticket.severity.code().into()),
        status: Set(TicketStatus::New.code().into()),
        subject: Set(new.ticket.subject.clone()),
        description: Set(new.ticket.description.clone()),
        assignee_id: Set(None),
        opened_by_label: Set(new.opened_by_label.clone()),
        opened_at: Set(now),
        response_target_minutes: Set(new.targets.first_response.num_minutes() as i32),
        resolution_target_minutes: Set(new.targets.resolution.num_minutes() as i32),
        first_response_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        response_breached_at: Set(None),
        resolution_breached_at: Set(None),
        auto_signature: Set(signature),
        auto_source: Set(source),
        detection_count: Set(0),
        last_detection_at: Set(None),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    let event = NewEvent::new(
        EventKind::Opened,
        &new.opened_by_label,
        new.opened_by_company,
        true,
        new.ticket.description.clone(),
    );
    add_event(tx, id, &event, now).await?;
    get_in(tx, id).await
}

async fn company_names(conn: &impl sea_orm::ConnectionTrait, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    let mut names = Vec::with_capacity(unique.len());
    for chunk in unique.chunks(500) {
        let rows = application::Entity::find()
            .select_only()
            .column(application::Column::Id)
            .column(application::Column::CompanyName)
            .filter(application::Column::Id.is_in(chunk.to_vec()))
            .into_tuple::<(Uuid, String)>()
            .all(conn)
            .await?;
        names.extend(rows);
    }
    Ok(names)
}

async fn records(
    conn: &impl sea_orm::ConnectionTrait,
    models: Vec<incident_ticket::Model>,
) -> Result<Vec<TicketRecord>> {
    let ids: Vec<Uuid> = models.iter().map(|m| m.application_id).collect();
    let names = company_names(conn, &ids).await?;
    models
        .into_iter()
        .map(|model| {
            let name = names.iter().find(|(id, _)| *id == model.application_id).map(|(_, n)| n.clone());
            record(model, name.unwrap_or_default())
        })
        .collect()
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("incident {what}: {value}"))
}

fn record(model: incident_ticket::Model, company_name: String) -> Result<TicketRecord> {
    Ok(TicketRecord {
        id: model.id,
        programme_id: model.programme_id,
        application_id: model.application_id,
        company_name,
        device_id: model.device_id,
        channel: Channel::from_code(&model.channel).ok_or_else(|| corrupt("channel", &model.channel))?,
        category: Category::from_code(&model.category).ok_or_else(|| corrupt("category", &model.category))?,
        severity: Severity::from_code(&model.severity).ok_or_else(|| corrupt("severity", &model.severity))?,
        status: TicketStatus::from_code(&model.status).ok_or_else(|| corrupt("status", &model.status))?,
        reference: model.reference,
        subject: model.subject,
        description: model.description,
        assignee_id: model.assignee_id,
        opened_by_label: model.opened_by_label,
        opened_at: model.opened_at,
        response_target: Duration::minutes(i64::from(model.response_target_minutes)),
        resolution_target: Duration::minutes(i64::from(model.resolution_target_minutes)),
        first_response_at: model.first_response_at,
        resolved_at: model.resolved_at,
        closed_at: model.closed_at,
        response_breached_at: model.response_breached_at,
        resolution_breached_at: model.resolution_breached_at,
        auto_signature: model.auto_signature,
        auto_source: model.auto_source,
        detection_count: model.detection_count.max(0) as u64,
        last_detection_at: model.last_detection_at,
        updated_at: model.updated_at,
    })
}

async fn get_in(tx: &Tx, id: Uuid) -> Result<TicketRecord> {
    let model = incident_ticket::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    Ok(records(tx.conn(), vec![model]).await?.remove(0))
}

pub async fn get(db: &Db, id: Uuid) -> Result<TicketRecord> {
    let model = incident_ticket::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    Ok(records(db.conn(), vec![model]).await?.remove(0))
}

/// Every ticket, newest first; of one company when `application_id` is given.
pub async fn list(db: &Db, application_id: Option<Uuid>) -> Result<Vec<TicketRecord>> {
    let mut query = incident_ticket::Entity::find().order_by_desc(incident_ticket::Column::OpenedAt);
    if let Some(id) = application_id {
        query = query.filter(incident_ticket::Column::ApplicationId.eq(id));
    }
    records(db.conn(), query.all(db.conn()).await?).await
}

/// Tickets opened within `[from, to)`, for the monthly figures.
pub async fn opened_between(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<TicketRecord>> {
    let models = incident_ticket::Entity::find()
        .filter(incident_ticket::Column::OpenedAt.gte(from))
        .filter(incident_ticket::Column::OpenedAt.lt(to))
        .order_by_asc(incident_ticket::Column::OpenedAt)
        .all(db.conn())
        .await?;
    records(db.conn(), models).await
}

/// Tickets whose clocks may still breach: not closed, and a breach not yet recorded.
pub async fn watched(db: &Db) -> Result<Vec<TicketRecord>> {
    let models = incident_ticket::Entity::find()
        .filter(incident_ticket::Column::Status.ne(TicketStatus::Closed.code()))
        .filter(
            sea_orm::Condition::any()
                .add(incident_ticket::Column::ResponseBreachedAt.is_null())
                .add(incident_ticket::Column::ResolutionBreachedAt.is_null()),
        )
        .all(db.conn())
        .await?;
    records(db.conn(), models).await
}

/// Writes one timeline row.
pub async fn add_event(tx: &Tx, ticket_id: Uuid, event: &NewEvent, now: DateTime<Utc>) -> Result<Uuid> {
    let id = Uuid::now_v7();
    incident_event::ActiveModel {
        id: Set(id),
        ticket_id: Set(ticket_id),
        at: Set(now),
        kind: Set(event.kind.code().into()),
        status_to: Set(None),
        for_company: Set(event.for_company),
        author_label: Set(event.author_label.clone()),
        author_is_company: Set(event.author_is_company),
        action_kind: Set(event.action.map(|a| a.code().to_string())),
        body: Set(event.body.clone()),
        attachment_id: Set(event.attachment_id),
    }
    .insert(tx.conn())
    .await?;
    touch(tx, ticket_id, now).await.map(|()| id)
}

async fn touch(tx: &Tx, ticket_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    incident_ticket::Entity::update_many()
        .col_expr(incident_ticket::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(incident_ticket::Column::Id.eq(ticket_id))
        .exec(tx.conn())
        .await?;
    Ok(())
}

/// The timeline, oldest first; only what the company sees when `company_view`.
pub async fn events(db: &Db, ticket_id: Uuid, company_view: bool) -> Result<Vec<EventRecord>> {
    let mut query = incident_event::Entity::find()
        .filter(incident_event::Column::TicketId.eq(ticket_id))
        .order_by_asc(incident_event::Column::At)
        .order_by_asc(incident_event::Column::Id);
    if company_view {
        query = query.filter(incident_event::Column::ForCompany.eq(true));
    }
    query
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| {
            Ok(EventRecord {
                id: m.id,
                at: m.at,
                kind: EventKind::from_code(&m.kind).ok_or_else(|| corrupt("event kind", &m.kind))?,
                status_to: match &m.status_to {
                    Some(code) => Some(TicketStatus::from_code(code).ok_or_else(|| corrupt("status", code))?),
                    None => None,
                },
                for_company: m.for_company,
                author_label: m.author_label,
                author_is_company: m.author_is_company,
                action: m.action_kind.as_deref().and_then(RemoteAction::from_code),
                body: m.body,
                attachment_id: m.attachment_id,
            })
        })
        .collect()
}

/// The status changes of a ticket (instant, new status), oldest first: what the SLA clock reads.
pub async fn status_changes(db: &Db, ticket_id: Uuid) -> Result<Vec<(DateTime<Utc>, TicketStatus)>> {
    let rows = incident_event::Entity::find()
        .filter(incident_event::Column::TicketId.eq(ticket_id))
        .filter(incident_event::Column::Kind.eq(EventKind::Status.code()))
        .order_by_asc(incident_event::Column::At)
        .order_by_asc(incident_event::Column::Id)
        .all(db.conn())
        .await?;
    rows.into_iter()
        .filter_map(|m| m.status_to.map(|code| (m.at, code)))
        .map(|(at, code)| Ok((at, TicketStatus::from_code(&code).ok_or_else(|| corrupt("status", &code))?)))
        .collect()
}

/// What a status change did.
#[derive(Debug, Clone)]
pub struct Applied {
    pub before: TicketRecord,
    pub after: TicketRecord,
}

/// Moves ticket `id` by `event` (the row locked first), with its timeline row `note` (may be
/// empty). Refused when the state machine does not allow it.
pub async fn apply(tx: &Tx, id: Uuid, event: TicketEvent, author: &NewEvent, now: DateTime<Utc>) -> Result<Applied> {
    let model =
        incident_ticket::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let before = records(tx.conn(), vec![model.clone()]).await?.remove(0);
    let to = domain::incident::transition(before.status, event)
        .map_err(|(from, event)| StoreError::Refused(Refusal::Incident(IncidentRefusal::Transition { from, event })))?;
    let mut active: incident_ticket::ActiveModel = model.into();
    active.status = Set(to.code().into());
    match to {
        TicketStatus::Resolved => active.resolved_at = Set(Some(now)),
        TicketStatus::Closed => active.closed_at = Set(Some(now)),
        _ if event == TicketEvent::Reopen => {
            active.resolved_at = Set(None);
            active.closed_at = Set(None);
        }
        _ => {}
    }
    active.updated_at = Set(now);
    active.update(tx.conn()).await?;
    incident_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(id),
        at: Set(now),
        kind: Set(EventKind::Status.code().into()),
        status_to: Set(Some(to.code().into())),
        for_company: Set(true),
        author_label: Set(author.author_label.clone()),
        author_is_company: Set(author.author_is_company),
        action_kind: Set(None),
        body: Set(author.body.clone()),
        attachment_id: Set(None),
    }
    .insert(tx.conn())
    .await?;
    Ok(Applied { before, after: get_in(tx, id).await? })
}

/// Stamps the desk's first answer (kept once).
pub async fn mark_first_response(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let done = incident_ticket::Entity::update_many()
        .col_expr(incident_ticket::Column::FirstResponseAt, sea_orm::sea_query::Expr::value(now))
        .filter(incident_ticket::Column::Id.eq(id))
        .filter(incident_ticket::Column::FirstResponseAt.is_null())
        .exec(tx.conn())
        .await?;
    Ok(done.rows_affected == 1)
}

/// Which SLA target passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breach {
    FirstResponse,
    Resolution,
}

/// Records a breach once; `false` when it was recorded before.
pub async fn mark_breach(tx: &Tx, id: Uuid, breach: Breach, now: DateTime<Utc>) -> Result<bool> {
    let column = match breach {
        Breach::FirstResponse => incident_ticket::Column::ResponseBreachedAt,
        Breach::Resolution => incident_ticket::Column::ResolutionBreachedAt,
    };
    let done = incident_ticket::Entity::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::value(now))
        .filter(incident_ticket::Column::Id.eq(id))
        .filter(column.is_null())
        .exec(tx.conn())
        .await?;
    Ok(done.rows_affected == 1)
}

/// Sets the assignee (`None` unassigns).
pub async fn assign(tx: &Tx, id: Uuid, assignee: Option<Uuid>, now: DateTime<Utc>) -> Result<()> {
    let model =
        incident_ticket::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let mut active: incident_ticket::ActiveModel = model.into();
    active.assignee_id = Set(assignee);
    active.updated_at = Set(now);
    active.update(tx.conn()).await?;
    Ok(())
}

/// Sets category and severity; the targets follow the new severity.
pub async fn classify(
    tx: &Tx,
    id: Uuid,
    category: Category,
    severity: Severity,
    targets: domain::incident::Targets,
    now: DateTime<Utc>,
) -> Result<()> {
    let model =
        incident_ticket::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let mut active: incident_ticket::ActiveModel = model.into();
    active.category = Set(category.code().into());
    active.severity = Set(severity.code().into());
    active.response_target_minutes = Set(targets.first_response.num_minutes() as i32);
    active.resolution_target_minutes = Set(targets.resolution.num_minutes() as i32);
    active.updated_at = Set(now);
    active.update(tx.conn()).await?;
    Ok(())
}

/// One detection as a ticket keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectionRecord {
    pub occurred_at: DateTime<Utc>,
    pub category: String,
    pub action: String,
    pub severity: Option<String>,
    pub signature: Option<String>,
    pub src_ip: Option<String>,
    pub dst_ip: Option<String>,
    pub dst_port: Option<u16>,
    pub url: Option<String>,
    /// Where the raw line is: `file:line` or `syslog:SENDER`.
    pub source: String,
}

/// Detections to add to an automatic ticket of one device: the dedupe key, how many lines
/// (more than the evidence kept), the time of the latest, and up to a few examples.
#[derive(Debug, Clone)]
pub struct DetectionBatch {
    pub device_id: Uuid,
    pub signature: String,
    pub source: Option<String>,
    pub count: u64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub evidence: Vec<DetectionRecord>,
}

/// The device's automatic tickets still open (neither resolved nor closed), locked for the
/// caller's transaction: what a batch of detections may join.
pub async fn open_automatic(tx: &Tx, device_id: Uuid) -> Result<Vec<TicketRecord>> {
    let models = incident_ticket::Entity::find()
        .filter(incident_ticket::Column::DeviceId.eq(device_id))
        .filter(incident_ticket::Column::Channel.eq(Channel::Automatic.code()))
        .filter(incident_ticket::Column::Status.is_not_in([TicketStatus::Resolved.code(), TicketStatus::Closed.code()]))
        .order_by_desc(incident_ticket::Column::LastDetectionAt)
        .lock_exclusive()
        .all(tx.conn())
        .await?;
    records(tx.conn(), models).await
}

/// Whether `batch` joins the open automatic ticket `open`: same signature and source, and its
/// detections within the dedupe window of the ticket's last one.
pub fn joins(open: &TicketRecord, batch: &DetectionBatch) -> bool {
    let key = |signature: &str, source: Option<&str>| domain::incident::DedupeKey {
        device: String::new(),
        signature: signature.to_string(),
        source: source.map(str::to_string),
    };
    let Some(signature) = open.auto_signature.as_deref() else { return false };
    let open_key = key(signature, open.auto_source.as_deref());
    let batch_key = key(&batch.signature, batch.source.as_deref());
    let last_seen = open.last_detection_at.unwrap_or(open.opened_at);
    domain::incident::joins(&open_key, last_seen, &batch_key, batch.first_at)
        || domain::incident::joins(&open_key, last_seen, &batch_key, batch.last_at)
}

/// Adds a batch's count and evidence to a ticket the caller holds (locked, read in this
/// transaction: it had `counted` detections, the last at `last_seen`): the count always, evidence
/// rows only while the ticket keeps fewer than [`DETECTIONS_KEPT_PER_TICKET`].
pub async fn add_detections(
    tx: &Tx,
    ticket_id: Uuid,
    (counted, last_seen): (u64, Option<DateTime<Utc>>),
    batch: &DetectionBatch,
    now: DateTime<Utc>,
) -> Result<()> {
    let last = last_seen.map_or(batch.last_at, |at| at.max(batch.last_at));
    incident_ticket::Entity::update_many()
        .col_expr(
            incident_ticket::Column::DetectionCount,
            sea_orm::sea_query::Expr::value((counted + batch.count) as i64),
        )
        .col_expr(incident_ticket::Column::LastDetectionAt, sea_orm::sea_query::Expr::value(last))
        .col_expr(incident_ticket::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(incident_ticket::Column::Id.eq(ticket_id))
        .exec(tx.conn())
        .await?;
    if counted >= DETECTIONS_KEPT_PER_TICKET {
        return Ok(());
    }
    let kept = incident_detection::Entity::find()
        .filter(incident_detection::Column::TicketId.eq(ticket_id))
        .count(tx.conn())
        .await?;
    let room = DETECTIONS_KEPT_PER_TICKET.saturating_sub(kept) as usize;
    let rows: Vec<_> = batch
        .evidence
        .iter()
        .take(room)
        .map(|d| incident_detection::ActiveModel {
            ticket_id: Set(ticket_id),
            occurred_at: Set(d.occurred_at),
            category: Set(d.category.clone()),
            action: Set(d.action.clone()),
            severity: Set(d.severity.clone()),
            signature: Set(d.signature.clone()),
            src_ip: Set(d.src_ip.clone()),
            dst_ip: Set(d.dst_ip.clone()),
            dst_port: Set(d.dst_port.map(i32::from)),
            url: Set(d.url.clone()),
            source: Set(d.source.clone()),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        incident_detection::Entity::insert_many(rows).exec(tx.conn()).await?;
    }
    Ok(())
}

pub async fn detections(db: &Db, ticket_id: Uuid) -> Result<Vec<DetectionRecord>> {
    Ok(incident_detection::Entity::find()
        .filter(incident_detection::Column::TicketId.eq(ticket_id))
        .order_by_asc(incident_detection::Column::OccurredAt)
        .order_by_asc(incident_detection::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| DetectionRecord {
            occurred_at: m.occurred_at,
            category: m.category,
            action: m.action,
            severity: m.severity,
            signature: m.signature,
            src_ip: m.src_ip,
            dst_ip: m.dst_ip,
            dst_port: m.dst_port.and_then(|p| u16::try_from(p).ok()),
            url: m.url,
            source: m.source,
        })
        .collect())
}

/// A file attached to a ticket (its bytes are read on their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentRecord {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_by_label: String,
    pub from_company: bool,
    pub uploaded_at: DateTime<Utc>,
}

/// A file to store on a ticket (type judged by content and size checked by the caller).
pub struct NewAttachment<'a> {
    pub filename: &'a str,
    pub content_type: &'a str,
    pub bytes: Vec<u8>,
    pub uploader: &'a str,
    pub from_company: bool,
}

/// Stores a file on a ticket, at most `max_files` per ticket.
pub async fn attach(
    tx: &Tx,
    ticket_id: Uuid,
    file: NewAttachment<'_>,
    max_files: u32,
    now: DateTime<Utc>,
) -> Result<AttachmentRecord> {
    let NewAttachment { filename, content_type, bytes, uploader, from_company } = file;
    let held = incident_attachment::Entity::find()
        .filter(incident_attachment::Column::TicketId.eq(ticket_id))
        .count(tx.conn())
        .await?;
    if held >= u64::from(max_files) {
        return Err(StoreError::Refused(Refusal::Incident(IncidentRefusal::TooManyFiles(max_files))));
    }
    let record = AttachmentRecord {
        id: Uuid::now_v7(),
        ticket_id,
        filename: filename.to_string(),
        content_type: content_type.to_string(),
        size: bytes.len() as u64,
        sha256: crate::sha256_hex_bytes(&bytes),
        uploaded_by_label: uploader.to_string(),
        from_company,
        uploaded_at: now,
    };
    incident_attachment::ActiveModel {
        id: Set(record.id),
        ticket_id: Set(ticket_id),
        filename: Set(record.filename.clone()),
        content_type: Set(record.content_type.clone()),
        size: Set(record.size as i64),
        sha256: Set(record.sha256.clone()),
        bytes: Set(bytes),
        uploaded_by_label: Set(record.uploaded_by_label.clone()),
        from_company: Set(from_company),
        uploaded_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    Ok(record)
}

pub async fn attachments(db: &Db, ticket_id: Uuid) -> Result<Vec<AttachmentRecord>> {
    Ok(incident_attachment::Entity::find()
        .select_only()
        .columns([
            incident_attachment::Column::Id,
            incident_attachment::Column::TicketId,
            incident_attachment::Column::Filename,
            incident_attachment::Column::ContentType,
            incident_attachment::Column::Size,
            incident_attachment::Column::Sha256,
            incident_attachment::Column::UploadedByLabel,
            incident_attachment::Column::FromCompany,
            incident_attachment::Column::UploadedAt,
        ])
        .filter(incident_attachment::Column::TicketId.eq(ticket_id))
        .order_by_asc(incident_attachment::Column::UploadedAt)
        .into_tuple::<(Uuid, Uuid, String, String, i64, String, String, bool, DateTime<Utc>)>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|(id, ticket_id, filename, content_type, size, sha256, uploaded_by_label, from_company, uploaded_at)| {
            AttachmentRecord {
                id,
                ticket_id,
                filename,
                content_type,
                size: size.max(0) as u64,
                sha256,
                uploaded_by_label,
                from_company,
                uploaded_at,
            }
        })
        .collect())
}

/// A file's record and bytes.
pub async fn attachment(db: &Db, id: Uuid) -> Result<(AttachmentRecord, Vec<u8>)> {
    let m = incident_attachment::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    let record = AttachmentRecord {
        id: m.id,
        ticket_id: m.ticket_id,
        filename: m.filename,
        content_type: m.content_type,
        size: m.size.max(0) as u64,
        sha256: m.sha256,
        uploaded_by_label: m.uploaded_by_label,
        from_company: m.from_company,
        uploaded_at: m.uploaded_at,
    };
    Ok((record, m.bytes))
}

/// An engineer's visit: on-site support for a ticket, or the removal of a UTM at the trial's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchKind {
    Onsite,
    Removal,
}

impl DispatchKind {
    pub fn code(self) -> &'static str {
        match self {
            DispatchKind::Onsite => "onsite",
            DispatchKind::Removal => "removal",
        }
    }

    pub fn from_code(code: &str) -> Option<DispatchKind> {
        [DispatchKind::Onsite, DispatchKind::Removal].into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            DispatchKind::Onsite => "駆け付け対応",
            DispatchKind::Removal => "UTM機器の撤去",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DispatchKind::Onsite => "On-site visit",
            DispatchKind::Removal => "UTM removal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchStatus {
    Scheduled,
    Done,
    Cancelled,
}

impl DispatchStatus {
    pub fn code(self) -> &'static str {
        match self {
            DispatchStatus::Scheduled => "scheduled",
            DispatchStatus::Done => "done",
            DispatchStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<DispatchStatus> {
        [DispatchStatus::Scheduled, DispatchStatus::Done, DispatchStatus::Cancelled]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            DispatchStatus::Scheduled => "予定",
            DispatchStatus::Done => "完了",
            DispatchStatus::Cancelled => "キャンセル",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispatchRecord {
    pub id: Uuid,
    #[serde(serialize_with = "code")]
    pub kind: DispatchKind,
    pub ticket_id: Option<Uuid>,
    pub application_id: Uuid,
    pub device_id: Option<Uuid>,
    pub engineer_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(serialize_with = "code")]
    pub status: DispatchStatus,
    pub sequence: u32,
    pub arrived_at: Option<DateTime<Utc>>,
    pub departed_at: Option<DateTime<Utc>>,
    pub work_done: Option<String>,
    pub outcome: Option<String>,
    pub signed_off_at: Option<DateTime<Utc>>,
    pub signed_off_by: Option<String>,
}

fn dispatch_record(m: incident_dispatch::Model) -> Result<DispatchRecord> {
    Ok(DispatchRecord {
        id: m.id,
        kind: DispatchKind::from_code(&m.kind).ok_or_else(|| corrupt("dispatch kind", &m.kind))?,
        ticket_id: m.ticket_id,
        application_id: m.application_id,
        device_id: m.device_id,
        engineer_id: m.engineer_id,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        status: DispatchStatus::from_code(&m.status).ok_or_else(|| corrupt("dispatch status", &m.status))?,
        sequence: m.sequence.max(0) as u32,
        arrived_at: m.arrived_at,
        departed_at: m.departed_at,
        work_done: m.work_done,
        outcome: m.outcome,
        signed_off_at: m.signed_off_at,
        signed_off_by: m.signed_off_by,
    })
}

/// The engineer's scheduled visits overlapping `[from, to)`, as (start, end).
pub async fn engineer_busy(
    tx: &Tx,
    engineer_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    Ok(incident_dispatch::Entity::find()
        .filter(incident_dispatch::Column::EngineerId.eq(engineer_id))
        .filter(incident_dispatch::Column::Status.eq(DispatchStatus::Scheduled.code()))
        .filter(incident_dispatch::Column::StartsAt.lt(to))
        .filter(incident_dispatch::Column::EndsAt.gt(from))
        .lock_exclusive()
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|m| (m.starts_at, m.ends_at))
        .collect())
}

/// A visit to schedule (the slot already checked).
#[derive(Debug, Clone)]
pub struct NewDispatch {
    pub kind: DispatchKind,
    pub ticket_id: Option<Uuid>,
    pub application_id: Uuid,
    pub device_id: Option<Uuid>,
    pub engineer_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

pub async fn schedule(tx: &Tx, new: &NewDispatch, now: DateTime<Utc>) -> Result<DispatchRecord> {
    let model = incident_dispatch::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(new.kind.code().into()),
        ticket_id: Set(new.ticket_id),
        application_id: Set(new.application_id),
        device_id: Set(new.device_id),
        engineer_id: Set(new.engineer_id),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
        status: Set(DispatchStatus::Scheduled.code().into()),
        sequence: Set(0),
        arrived_at: Set(None),
        departed_at: Set(None),
        work_done: Set(None),
        outcome: Set(None),
        signed_off_at: Set(None),
        signed_off_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    dispatch_record(model)
}

pub async fn dispatch(db: &Db, id: Uuid) -> Result<DispatchRecord> {
    dispatch_record(incident_dispatch::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?)
}

/// Visits of a ticket, or of a company when `ticket_id` is `None`, earliest first.
pub async fn dispatches(db: &Db, application_id: Option<Uuid>, ticket_id: Option<Uuid>) -> Result<Vec<DispatchRecord>> {
    let mut query = incident_dispatch::Entity::find().order_by_asc(incident_dispatch::Column::StartsAt);
    if let Some(id) = application_id {
        query = query.filter(incident_dispatch::Column::ApplicationId.eq(id));
    }
    if let Some(id) = ticket_id {
        query = query.filter(incident_dispatch::Column::TicketId.eq(id));
    }
    query.all(db.conn()).await?.into_iter().map(dispatch_record).collect()
}

/// What the engineer records after a visit.
#[derive(Debug, Clone)]
pub struct Visit {
    pub arrived_at: DateTime<Utc>,
    pub departed_at: DateTime<Utc>,
    pub work_done: String,
    pub outcome: Option<String>,
    pub signed_off_by: String,
}

/// Records the visit and signs it off (once).
pub async fn sign_off(tx: &Tx, id: Uuid, visit: &Visit, now: DateTime<Utc>) -> Result<DispatchRecord> {
    let model =
        incident_dispatch::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if model.status != DispatchStatus::Scheduled.code() {
        return Err(StoreError::Refused(Refusal::Incident(IncidentRefusal::DispatchFinished)));
    }
    let mut active: incident_dispatch::ActiveModel = model.into();
    active.status = Set(DispatchStatus::Done.code().into());
    active.arrived_at = Set(Some(visit.arrived_at));
    active.departed_at = Set(Some(visit.departed_at));
    active.work_done = Set(Some(visit.work_done.clone()));
    active.outcome = Set(visit.outcome.clone());
    active.signed_off_at = Set(Some(now));
    active.signed_off_by = Set(Some(visit.signed_off_by.clone()));
    active.updated_at = Set(now);
    dispatch_record(active.update(tx.conn()).await?)
}

/// Cancels a scheduled visit; its calendar sequence moves on for the cancellation.
pub async fn cancel_dispatch(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<DispatchRecord> {
    let model =
        incident_dispatch::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if model.status != DispatchStatus::Scheduled.code() {
        return Err(StoreError::Refused(Refusal::Incident(IncidentRefusal::DispatchFinished)));
    }
    let sequence = model.sequence + 1;
    let mut active: incident_dispatch::ActiveModel = model.into();
    active.status = Set(DispatchStatus::Cancelled.code().into());
    active.sequence = Set(sequence);
    active.updated_at = Set(now);
    dispatch_record(active.update(tx.conn()).await?)
}

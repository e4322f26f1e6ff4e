//! The course ① incident desk (募集要項 §8 ① 詳細2): tickets opened by the company in the portal,
//! by desk staff for a call or an e-mail, or by Kojo from the UTM's detections; the desk's
//! replies, notes and remote actions; the SLA clocks in 24/365 time with their breaches; on-site
//! dispatches on weekdays 9–17; and the month's figures for Tokyo.
//!
//! Scoping is [`ticket_for`]: desk readers see every ticket, a company user only its own case's,
//! anyone else nothing — a ticket outside the actor's scope is "not found", never "forbidden",
//! so its existence does not leak. Each change commits with its timeline row, its audit row and
//! its e-mails in one transaction.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use domain::access::{Action, Role};
use domain::application::FieldIssues;
use domain::disclosure::{Audience, Cell};
use domain::incident::{Category, Channel, ClockReading, NewTicket, RemoteAction, Severity, TicketEvent, TicketStatus};
use domain::refusal::{IncidentRefusal, Refusal};
use store::incidents::{
    AttachmentRecord, Breach, DetectionBatch, DetectionRecord, DispatchKind, DispatchRecord, EventKind, EventRecord,
    NewEvent, OpenTicket, TicketRecord,
};
use uuid::Uuid;

use crate::cases::MessageText;
use crate::mail::{self, DeskNotice, IncidentNotice};
use crate::{Actor, AppError, Invalid, Result, Services};

/// At most this many files per ticket.
pub const MAX_FILES_PER_TICKET: u32 = 20;
/// Longest visit report (work done, outcome), in characters as typed.
pub const MAX_VISIT_CHARS: usize = 4000;

/// The two SLA clocks of a ticket at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    pub first_response: ClockReading,
    pub resolution: ClockReading,
}

impl Clocks {
    /// The earliest instant a running clock is due, for ordering the board (a breached clock
    /// sorts first).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        [self.first_response, self.resolution]
            .into_iter()
            .filter_map(|reading| match reading {
                ClockReading::Breached { .. } => Some(DateTime::<Utc>::MIN_UTC),
                ClockReading::Running { due, .. } => Some(due),
                _ => None,
            })
            .min()
    }
}

/// Reads both clocks of `ticket` from its status changes.
pub fn clocks(ticket: &TicketRecord, changes: &[(DateTime<Utc>, TicketStatus)], now: DateTime<Utc>) -> Clocks {
    Clocks {
        first_response: domain::incident::first_response_clock(
            ticket.opened_at,
            ticket.response_target,
            ticket.first_response_at,
            now,
        ),
        resolution: domain::incident::resolution_clock(ticket.opened_at, ticket.resolution_target, changes, now),
    }
}

/// The ticket `id` if it is in the actor's scope: every ticket for the desk's readers, the
/// company's own for a company user. Anything else is not found.
pub async fn ticket_for(services: &Services, actor: &Actor, id: Uuid) -> Result<TicketRecord> {
    let ticket = store::incidents::get(&services.db, id).await?;
    if actor.may(Action::ReadIncidents) {
        return Ok(ticket);
    }
    match actor.own_case() {
        Ok(case) if case == ticket.application_id => Ok(ticket),
        _ => Err(AppError::NotFound),
    }
}

fn is_company(actor: &Actor) -> bool {
    actor.role() == Some(Role::Company)
}

/// The label the timeline shows for the actor: the company's own name for a company user, the
/// staff member's name otherwise (the e-mail address stays in the audit log).
async fn author(services: &Services, actor: &Actor) -> Result<String> {
    match actor.user_id() {
        Some(id) if !is_company(actor) => Ok(store::accounts::get_user(&services.db, id).await?.display_name),
        // The company's own name: the desk reads who wrote; the portal shows it as 貴社.
        Some(_) => Ok(store::applications::get(&services.db, actor.own_case()?).await?.company_name),
        None => Ok("Kojo".to_string()),
    }
}

/// Everything a ticket's page shows.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: TicketRecord,
    pub events: Vec<EventRecord>,
    pub detections: Vec<DetectionRecord>,
    pub attachments: Vec<AttachmentRecord>,
    pub dispatches: Vec<DispatchRecord>,
    pub clocks: Clocks,
    /// The assignee's name, when assigned.
    pub assignee: Option<String>,
}

/// Opens ticket `id` for reading (audited: it holds the company's personal data). The company
/// sees what is meant for it only: no internal notes, no breaches.
pub async fn view(services: &Services, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<TicketView> {
    let ticket = ticket_for(services, actor, id).await?;
    let company = is_company(actor);
    let events = store::incidents::events(&services.db, id, company).await?;
    let detections = store::incidents::detections(&services.db, id).await?;
    let attachments = store::incidents::attachments(&services.db, id).await?;
    let dispatches = store::incidents::dispatches(&services.db, None, Some(id)).await?;
    let changes = store::incidents::status_changes(&services.db, id).await?;
    let assignee = match ticket.assignee_id {
        Some(user) => Some(store::accounts::get_user(&services.db, user).await?.display_name),
        None => None,
    };
    let tx = services.db.begin().await?;
    actor
        .record(&tx, "incident.read", ("incident_ticket", id), serde_json::json!({"reference": ticket.reference}), now)
        .await?;
    tx.commit().await?;
    Ok(TicketView {
        clocks: clocks(&ticket, &changes, now),
        ticket,
        events,
        detections,
        attachments,
        dispatches,
        assignee,
    })
}

/// A ticket on the desk's board with its clocks.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub ticket: TicketRecord,
    pub clocks: Clocks,
}

/// Every ticket for the desk: open ones first, ordered by what breaches next (breached first),
/// then the resolved and closed ones, newest first.
pub async fn board(services: &Services, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<BoardRow>> {
    actor.require(Action::ReadIncidents)?;
    let mut rows = Vec::new();
    for ticket in store::incidents::list(&services.db, None).await? {
        let changes = store::incidents::status_changes(&services.db, ticket.id).await?;
        rows.push(BoardRow { clocks: clocks(&ticket, &changes, now), ticket });
    }
    rows.sort_by_key(|row| {
        let open = row.ticket.is_open();
        // Nothing due (met, paused) after everything that is.
        let due =
            if open { row.clocks.next_due().unwrap_or(DateTime::<Utc>::MAX_UTC) } else { DateTime::<Utc>::MAX_UTC };
        (!open, due, std::cmp::Reverse(row.ticket.opened_at))
    });
    Ok(rows)
}

/// The company's own tickets, newest first.
pub async fn own_tickets(services: &Services, actor: &Actor) -> Result<Vec<TicketRecord>> {
    let case = actor.own_case()?;
    Ok(store::incidents::list(&services.db, Some(case)).await?)
}

/// The company's confirmed course ① case, or the refusal: the desk serves participants only.
async fn participant(services: &Services, application_id: Uuid) -> Result<store::applications::ApplicationRecord> {
    let case = store::applications::get(&services.db, application_id).await?;
    let participant =
        case.status == domain::case::CaseState::Confirmed && case.course_code == domain::programme::CourseCode::Utm;
    if participant { Ok(case) } else { Err(Refusal::Incident(IncidentRefusal::NotParticipant).into()) }
}

/// The installed device of a company, if any (the ticket is about it).
async fn active_device(services: &Services, application_id: Uuid) -> Result<Option<Uuid>> {
    let devices = store::devices::for_application(&services.db, application_id).await?;
    Ok(devices.into_iter().find(|d| d.removed_on.is_none()).map(|d| d.id))
}

/// `INC-R8-1234-5678`: read out on the phone, typed in an e-mail subject.
fn new_reference(programme: &store::programmes::ProgrammeRecord) -> String {
    use rand::Rng;
    let number: u32 = rand::thread_rng().gen_range(0..100_000_000);
    format!("INC-{}-{:04}-{:04}", crate::intake::reference_prefix(programme), number / 10_000, number % 10_000)
}

/// Who a ticket opens for and how.
struct Opening<'a> {
    case: &'a store::applications::ApplicationRecord,
    device_id: Option<Uuid>,
    channel: Channel,
    ticket: &'a NewTicket,
    label: String,
    by_company: bool,
    auto_key: Option<(String, Option<String>)>,
}

/// The programme year a ticket opens in, with its desk settings.
struct Year {
    programme: store::programmes::ProgrammeRecord,
    desk: domain::incident::DeskSettings,
}

async fn year_of(services: &Services, case: &store::applications::ApplicationRecord) -> Result<Year> {
    let programme = store::programmes::get(&services.db, case.programme_id).await?;
    let desk = store::programmes::desk(&services.db, programme.id).await?;
    Ok(Year { programme, desk })
}

/// Opens a ticket with its audit row, in `tx`. The reference is drawn until it is free (a
/// collision is one in 10^8 per pair; checking first keeps the transaction usable on PostgreSQL).
async fn open_in(
    tx: &store::Tx,
    actor: &Actor,
    year: &Year,
    opening: Opening<'_>,
    now: DateTime<Utc>,
) -> Result<TicketRecord> {
    let mut reference = new_reference(&year.programme);
    while store::incidents::reference_taken(tx, &reference).await? {
        reference = new_reference(&year.programme);
    }
    let new = OpenTicket {
        programme_id: year.programme.id,
        application_id: opening.case.id,
        device_id: opening.device_id,
        reference,
        channel: opening.channel,
        ticket: opening.ticket,
        opened_by_label: opening.label.clone(),
        opened_by_company: opening.by_company,
        targets: year.desk.sla.targets(opening.ticket.severity),
        auto_key: opening.auto_key.clone(),
    };
    let ticket = store::incidents::open(tx, &new, now).await?;
    actor
        .record(
            tx,
            "incident.open",
            ("incident_ticket", ticket.id),
            serde_json::json!({
                "reference": ticket.reference, "application": opening.case.id, "channel": opening.channel.code(),
                "category": ticket.category.code(), "severity": ticket.severity.code(),
            }),
            now,
        )
        .await?;
    Ok(ticket)
}

/// Why a ticket was not opened.
#[derive(Debug)]
pub enum OpenError {
    Invalid(FieldIssues),
    App(AppError),
}

impl From<AppError> for OpenError {
    fn from(error: AppError) -> Self {
        OpenError::App(error)
    }
}

impl From<store::StoreError> for OpenError {
    fn from(error: store::StoreError) -> Self {
        OpenError::App(error.into())
    }
}

/// The company opens a ticket in its portal (its own case only). The desk is e-mailed; the
/// company gets the acknowledgement with the reference.
pub async fn open_own(
    services: &Services,
    actor: &Actor,
    input: &domain::incident::TicketInput,
    now: DateTime<Utc>,
) -> std::result::Result<TicketRecord, OpenError> {
    let case = actor.own_case()?;
    let ticket = domain::incident::parse_ticket(input).map_err(OpenError::Invalid)?;
    let case = participant(services, case).await?;
    let device_id = active_device(services, case.id).await?;
    let label = author(services, actor).await?;
    let year = year_of(services, &case).await?;
    let tx = services.db.begin().await?;
    let opening = Opening {
        case: &case,
        device_id,
        channel: Channel::Portal,
        ticket: &ticket,
        label,
        by_company: true,
        auto_key: None,
    };
    let record = open_in(&tx, actor, &year, opening, now).await?;
    notify_company(services, &tx, &case, &record, IncidentNotice::Opened, now).await?;
    notify_desk(services, &tx, &record, DeskNotice::Opened, now).await?;
    tx.commit().await?;
    Ok(record)
}

/// Desk staff open a ticket for a company that called or wrote (`channel` phone or e-mail).
pub async fn open_for(
    services: &Services,
    actor: &Actor,
    application_id: Uuid,
    channel: Channel,
    input: &domain::incident::TicketInput,
    now: DateTime<Utc>,
) -> std::result::Result<TicketRecord, OpenError> {
    actor.require(Action::WorkIncidents)?;
    let ticket = domain::incident::parse_ticket(input).map_err(OpenError::Invalid)?;
    let channel = match channel {
        Channel::Phone | Channel::Email => channel,
        _ => Channel::Phone,
    };
    let case = participant(services, application_id).await?;
    let device_id = active_device(services, case.id).await?;
    let label = author(services, actor).await?;
    let year = year_of(services, &case).await?;
    let tx = services.db.begin().await?;
    let opening =
        Opening { case: &case, device_id, channel, ticket: &ticket, label, by_company: false, auto_key: None };
    let record = open_in(&tx, actor, &year, opening, now).await?;
    notify_company(services, &tx, &case, &record, IncidentNotice::Opened, now).await?;
    tx.commit().await?;
    Ok(record)
}

/// What the UTM's detections did to the desk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoOutcome {
    /// References of the tickets opened.
    pub opened: Vec<String>,
    /// Detection batches that joined an open ticket instead.
    pub joined: usize,
    /// Batches of devices whose company is not a participant (nothing opened).
    pub skipped: usize,
}

/// A group of detections of one device that an automatic-ticket rule picked, keyed for dedupe.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub category: Category,
    pub severity: Severity,
    /// Why: `rule` (malware not blocked …) or `burst`.
    pub burst: bool,
    pub batch: DetectionBatch,
}

/// At most this many automatic tickets open per device from one batch of lines; further
/// groups join one overflow ticket, so a flood of distinct signatures cannot bury the desk (or
/// slow ingestion).
pub const MAX_NEW_TICKETS_PER_BATCH: usize = 20;
/// The signature of the overflow ticket.
pub const OVERFLOW_SIGNATURE: &str = "overflow";

/// Opens or adds to automatic tickets from detections (Kojo's own work, from `kojo utm import`
/// and the listener alike). A candidate joins the open ticket of its device with the same key
/// (signature; source for bursts) whose last detection is within 24 hours; else a ticket opens
/// and the desk is told. One transaction per device and call (a batch of lines), the device's
/// open automatic tickets read once.
pub async fn from_detections(services: &Services, candidates: &[Candidate], now: DateTime<Utc>) -> Result<AutoOutcome> {
    let mut outcome = AutoOutcome::default();
    let actor = Actor::system("incident_rules");
    let mut devices: Vec<Uuid> = candidates.iter().map(|c| c.batch.device_id).collect();
    devices.sort();
    devices.dedup();
    for device_id in devices {
        let group: Vec<&Candidate> = candidates.iter().filter(|c| c.batch.device_id == device_id).collect();
        let device = store::devices::get(&services.db, device_id).await?;
        let case = match participant(services, device.application_id).await {
            Ok(case) => case,
            Err(AppError::Refused(_)) => {
                outcome.skipped += group.len();
                continue;
            }
            Err(other) => return Err(other),
        };
        let year = year_of(services, &case).await?;
        let recipients = desk_recipients(services, &year.desk, None).await?;
        let tx = services.db.begin().await?;
        let mut open = store::incidents::open_automatic(&tx, device_id).await?;
        let mut overflow: Option<Candidate> = None;
        let mut opened_here = 0;
        for candidate in group.into_iter().cloned().map(Some).chain(std::iter::once(None)) {
            // The overflow group goes last, once every other group is placed.
            let candidate = match candidate {
                Some(candidate) => candidate,
                None => match overflow.take() {
                    Some(overflow) => overflow,
                    None => break,
                },
            };
            if let Some(ticket) = open.iter_mut().find(|t| store::incidents::joins(t, &candidate.batch)) {
                store::incidents::add_detections(
                    &tx,
                    ticket.id,
                    (ticket.detection_count, ticket.last_detection_at),
                    &candidate.batch,
                    now,
                )
                .await?;
                ticket.detection_count += candidate.batch.count;
                ticket.last_detection_at = Some(
                    ticket.last_detection_at.map_or(candidate.batch.last_at, |at| at.max(candidate.batch.last_at)),
                );
                outcome.joined += 1;
                continue;
            }
            if opened_here >= MAX_NEW_TICKETS_PER_BATCH && candidate.batch.signature != OVERFLOW_SIGNATURE {
                overflow = Some(merge_overflow(overflow, candidate));
                continue;
            }
            let ticket = auto_ticket_text(&candidate);
            let opening = Opening {
                case: &case,
                device_id: Some(device.id),
                channel: Channel::Automatic,
                ticket: &ticket,
                label: "Kojo".into(),
                by_company: false,
                auto_key: Some((candidate.batch.signature.clone(), candidate.batch.source.clone())),
            };
            let mut record = open_in(&tx, &actor, &year, opening, now).await?;
            store::incidents::add_detections(&tx, record.id, (0, None), &candidate.batch, now).await?;
            for to in &recipients {
                let email = mail::desk_notice(&services.mail, to, &record, DeskNotice::Opened);
                store::outbox::add(&tx, &email, now).await?;
            }
            record.detection_count = candidate.batch.count;
            record.last_detection_at = Some(candidate.batch.last_at);
            outcome.opened.push(record.reference.clone());
            open.push(record);
            opened_here += 1;
        }
        tx.commit().await?;
    }
    Ok(outcome)
}

/// Adds a group past the cap to the overflow group: counts summed, the worst severity, the first
/// examples kept.
fn merge_overflow(overflow: Option<Candidate>, candidate: Candidate) -> Candidate {
    match overflow {
        None => Candidate {
            category: domain::incident::Category::Other,
            severity: candidate.severity,
            burst: false,
            batch: DetectionBatch { signature: OVERFLOW_SIGNATURE.to_string(), source: None, ..candidate.batch },
        },
        Some(mut overflow) => {
            overflow.severity = overflow.severity.min(candidate.severity);
            overflow.batch.count += candidate.batch.count;
            overflow.batch.first_at = overflow.batch.first_at.min(candidate.batch.first_at);
            overflow.batch.last_at = overflow.batch.last_at.max(candidate.batch.last_at);
            let room = 10usize.saturating_sub(overflow.batch.evidence.len());
            overflow.batch.evidence.extend(candidate.batch.evidence.into_iter().take(room));
            overflow
        }
    }
}

/// The subject and description of an automatic ticket, in plain Japanese: what was detected,
/// from where, how often, and whether the UTM stopped it.
fn auto_ticket_text(candidate: &Candidate) -> NewTicket {
    let batch = &candidate.batch;
    let first = batch.evidence.first();
    let action = first.map(|d| d.action.as_str()).unwrap_or("detected");
    // `detected`: recognised and let through (monitor mode); `allowed`: nothing was stopped.
    let stopped = match action {
        "blocked" => "UTMが遮断しました",
        "detected" => "UTMは検知しましたが、通信は止めていません（記録のみ）",
        _ => "UTMは通信を止めていません",
    };
    let what = if candidate.burst {
        "短時間に大量の攻撃"
    } else if batch.signature == OVERFLOW_SIGNATURE {
        "多数の種類の検知"
    } else {
        candidate.category.label_ja()
    };
    let mut subject = format!("UTMの検知：{what}（{}）", batch.signature);
    if subject.chars().count() > domain::incident::SUBJECT_MAX {
        subject = subject.chars().take(domain::incident::SUBJECT_MAX - 1).collect::<String>() + "…";
    }
    let mut description = format!(
        "UTMの検知から自動で起票しました。\n検知内容：{}\n件数：{}件（{}～{}）\n{}",
        batch.signature,
        batch.count,
        mail::tokyo_instant(false, batch.first_at),
        mail::tokyo_instant(false, batch.last_at),
        stopped,
    );
    if let Some(source) = &batch.source {
        description.push_str(&format!("\n送信元：{source}"));
    }
    if let Some(host) = first.and_then(|d| d.dst_ip.as_deref()) {
        description.push_str(&format!("\n宛先：{host}"));
    }
    NewTicket { category: candidate.category, severity: candidate.severity, subject, description }
}

/// The desk answers the company (a message both see). The first answer stops the first-response
/// clock; `ask_company` also waits for the company (the resolution clock pauses).
pub async fn reply(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    text: &MessageText,
    ask_company: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::WorkIncidents)?;
    let ticket = ticket_for(services, actor, id).await?;
    if ticket.status == TicketStatus::Closed {
        return Err(Refusal::Incident(IncidentRefusal::Closed).into());
    }
    let label = author(services, actor).await?;
    let case = store::applications::get(&services.db, ticket.application_id).await?;
    let tx = services.db.begin().await?;
    let event = NewEvent::new(EventKind::Message, &label, false, true, text.as_str());
    store::incidents::add_event(&tx, id, &event, now).await?;
    store::incidents::mark_first_response(&tx, id, now).await?;
    let notice = if ask_company {
        let status = NewEvent::new(EventKind::Status, &label, false, true, "");
        // From new, the ticket is triaged first: asking the company is a response.
        if ticket.status == TicketStatus::New {
            store::incidents::apply(&tx, id, TicketEvent::Triage, &status, now).await?;
        }
        store::incidents::apply(&tx, id, TicketEvent::AskCompany, &status, now).await?;
        IncidentNotice::AskedCompany
    } else {
        IncidentNotice::Replied
    };
    actor
        .record(
            &tx,
            "incident.reply",
            ("incident_ticket", id),
            serde_json::json!({"reference": ticket.reference, "ask_company": ask_company, "chars": text.as_str().chars().count()}),
            now,
        )
        .await?;
    notify_company(services, &tx, &case, &ticket, notice, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The company writes on its own ticket. A ticket waiting for it goes back to the desk; a
/// resolved one reopens; a closed one takes no message.
pub async fn reply_own(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    text: &MessageText,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.own_case()?;
    let ticket = ticket_for(services, actor, id).await?;
    if ticket.status == TicketStatus::Closed {
        return Err(Refusal::Incident(IncidentRefusal::Closed).into());
    }
    let label = author(services, actor).await?;
    let tx = services.db.begin().await?;
    let event = NewEvent::new(EventKind::Message, &label, true, true, text.as_str());
    store::incidents::add_event(&tx, id, &event, now).await?;
    let status = NewEvent::new(EventKind::Status, &label, true, true, "");
    match ticket.status {
        TicketStatus::WaitingForCompany => {
            store::incidents::apply(&tx, id, TicketEvent::CompanyReplied, &status, now).await?;
        }
        TicketStatus::Resolved => {
            store::incidents::apply(&tx, id, TicketEvent::Reopen, &status, now).await?;
        }
        _ => {}
    }
    actor
        .record(
            &tx,
            "incident.company_reply",
            ("incident_ticket", id),
            serde_json::json!({"reference": ticket.reference}),
            now,
        )
        .await?;
    notify_desk(services, &tx, &ticket, DeskNotice::CompanyReplied, now).await?;
    tx.commit().await?;
    Ok(())
}

/// An internal note (the company never sees it).
pub async fn note(services: &Services, actor: &Actor, id: Uuid, text: &MessageText, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::WorkIncidents)?;
    let ticket = ticket_for(services, actor, id).await?;
    let label = author(services, actor).await?;
    let tx = services.db.begin().await?;
    let event = NewEvent::new(EventKind::Note, &label, false, false, text.as_str());
    store::incidents::add_event(&tx, id, &event, now).await?;
    actor
        .record(&tx, "incident.note", ("incident_ticket", id), serde_json::json!({"reference": ticket.reference}), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A remote action the desk took (isolation advice, malware removal, a UTM policy change …),
/// on the timeline with who, when and what; the company sees it and is e-mailed. It counts as
/// the first response.
pub async fn remote_action(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    action: RemoteAction,
    text: &MessageText,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::WorkIncidents)?;
    let ticket = ticket_for(services, actor, id).await?;
    if !ticket.is_open() {
        return Err(
            Refusal::Incident(IncidentRefusal::Transition { from: ticket.status, event: TicketEvent::Start }).into()
        );
    }
    let label = author(services, actor).await?;
    let case = store::applications::get(&services.db, ticket.application_id).await?;
    let tx = services.db.begin().await?;
    let mut event = NewEvent::new(EventKind::RemoteAction, &label, false, true, text.as_str());
    event.action = Some(action);
    store::incidents::add_event(&tx, id, &event, now).await?;
    store::incidents::mark_first_response(&tx, id, now).await?;
    if matches!(ticket.status, TicketStatus::New | TicketStatus::Triaged) {
        let status = NewEvent::new(EventKind::Status, &label, false, true, "");
        store::incidents::apply(&tx, id, TicketEvent::Start, &status, now).await?;
    }
    actor
        .record(
            &tx,
            "incident.remote_action",
            ("incident_ticket", id),
            serde_json::json!({"reference": ticket.reference, "action": action.code()}),
            now,
        )
        .await?;
    notify_company(services, &tx, &case, &ticket, IncidentNotice::RemoteAction(action), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The desk moves a ticket: triage, start, resolve, close, reopen (asking the company is a
/// reply). Triage and start count as the first response. Resolving e-mails the company.
pub async fn change_status(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    event: TicketEvent,
    now: DateTime<Utc>,
) -> Result<TicketRecord> {
    actor.require(Action::WorkIncidents)?;
    let ticket = ticket_for(services, actor, id).await?;
    if matches!(event, TicketEvent::AskCompany | TicketEvent::CompanyReplied) {
        return Err(Refusal::Incident(IncidentRefusal::Transition { from: ticket.status, event }).into());
    }
    let label = author(services, actor).await?;
    let case = store::applications::get(&services.db, ticket.application_id).await?;
    let tx = services.db.begin().await?;
    let status = NewEvent::new(EventKind::Status, &label, false, true, "");
    let applied = store::incidents::apply(&tx, id, event, &status, now).await?;
    if matches!(event, TicketEvent::Triage | TicketEvent::Start) {
        store::incidents::mark_first_response(&tx, id, now).await?;
    }
    actor
        .record(
            &tx,
            "incident.status",
            ("incident_ticket", id),
            serde_json::json!({"reference": ticket.reference, "from": applied.before.status.code(),
                "to": applied.after.status.code()}),
            now,
        )
        .await?;
    if event == TicketEvent::Resolve {
        notify_company(services, &tx, &case, &ticket, IncidentNotice::Resolved, now).await?;
    }
    tx.commit().await?;
    Ok(applied.after)
}

/// Assigns the ticket to a desk member (an active UTM-operator or administrator user), or
/// unassigns it.
pub async fn assign(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    assignee: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::WorkIncidents)?;
    let ticket = ticket_for(services, actor, id).await?;
    let name = match assignee {
        Some(user) => Some(desk_member(services, user).await?.display_name),
        None => None,
    };
    let label = author(services, actor).await?;
    let tx = services.db.begin().await?;
    store::incidents::assign(&tx, id, assignee, now).await?;
    let body = name.clone().unwrap_or_default();
    store::incidents::add_event(&tx, id, &NewEvent::new(EventKind::Assigned, &label, false, false, body), now).await?;
    actor
        .record(
            &tx,
            "incident.assign",
            ("incident_ticket", id),
            serde_json::json!({"reference": ticket.reference, "assignee": assignee}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// An active user who works the desk.
async fn desk_member(services: &Services, user: Uuid) -> Result<store::accounts::UserRecord> {
    let member = store::accounts::get_user(&services.db, user)
        .await
        .map_err(|_| Refusal::Incident(IncidentRefusal::NotDeskStaff))?;
    if member.is_active && member.role.may(Action::WorkIncidents) {
        Ok(member)
    } else {
        Err(Refusal::Incident(IncidentRefusal::NotDeskStaff).into())
    }
}

/// The desk's members, for the assignee and engineer choices.
pub async fn desk_members(services: &Services, actor: &Actor) -> Result<Vec<store::accounts::UserRecord>> {
    actor.require(Action::ReadIncidents)?;
    let users = store::accounts::list_users(&services.db).await?;
    Ok(users.into_iter().filter(|u| u.is_active && u.role.may(Action::WorkIncidents)).collect())
}

/// Sets category and severity (the SLA targets follow the severity of the year's policy).
pub async fn classify(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    category: Category,
    severity: Severity,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::WorkIncidents)?;
    let ticket = ticket_for(services, actor, id).await?;
    let desk = store::programmes::desk(&services.db, ticket.programme_id).await?;
    let label = author(services, actor).await?;
    let tx = services.db.begin().await?;
    store::incidents::classify(&tx, id, category, severity, desk.sla.targets(severity), now).await?;
    let body = format!("{} / {}", category.code(), severity.code());
    store::incidents::add_event(&tx, id, &NewEvent::new(EventKind::Severity, &label, false, false, body), now).await?;
    actor
        .record(
            &tx,
            "incident.classify",
            ("incident_ticket", id),
            serde_json::json!({"reference": ticket.reference, "from": [ticket.category.code(), ticket.severity.code()],
                "to": [category.code(), severity.code()]}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A file as `domain::upload::Upload::checked` took it.
pub use domain::upload::Upload;

/// Attaches a file (the company on its own ticket, or the desk); on the timeline for both.
pub async fn attach(services: &Services, actor: &Actor, id: Uuid, upload: Upload, now: DateTime<Utc>) -> Result<Uuid> {
    let company = is_company(actor);
    if !company {
        actor.require(Action::WorkIncidents)?;
    }
    let ticket = ticket_for(services, actor, id).await?;
    if ticket.status == TicketStatus::Closed {
        return Err(Refusal::Incident(IncidentRefusal::Closed).into());
    }
    let label = author(services, actor).await?;
    let filename = upload.filename().to_string();
    let tx = services.db.begin().await?;
    let file = store::incidents::NewAttachment {
        filename: &filename,
        content_type: upload.content_type(),
        bytes: upload.into_bytes(),
        uploader: &label,
        from_company: company,
    };
    let stored = store::incidents::attach(&tx, id, file, MAX_FILES_PER_TICKET, now).await?;
    let mut event = NewEvent::new(EventKind::Attachment, &label, company, true, filename.clone());
    event.attachment_id = Some(stored.id);
    store::incidents::add_event(&tx, id, &event, now).await?;
    actor
        .record(
            &tx,
            "incident.attach",
            ("incident_ticket", id),
            serde_json::json!({"reference": ticket.reference, "file": stored.id, "filename": filename,
                "size": stored.size, "sha256": stored.sha256}),
            now,
        )
        .await?;
    if company {
        notify_desk(services, &tx, &ticket, DeskNotice::CompanyReplied, now).await?;
    }
    tx.commit().await?;
    Ok(stored.id)
}

/// A ticket's file, for whoever may read the ticket (audited).
pub async fn attachment(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    file: Uuid,
    now: DateTime<Utc>,
) -> Result<(AttachmentRecord, Vec<u8>)> {
    let ticket = ticket_for(services, actor, id).await?;
    let (record, bytes) = store::incidents::attachment(&services.db, file).await?;
    if record.ticket_id != ticket.id {
        return Err(AppError::NotFound);
    }
    let tx = services.db.begin().await?;
    actor.record(&tx, "incident.file_read", ("incident_ticket", id), serde_json::json!({"file": file}), now).await?;
    tx.commit().await?;
    Ok((record, bytes))
}

/// A visit to schedule, as the desk's form or the API give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchRequest {
    pub engineer: Uuid,
    pub starts_at: DateTime<Utc>,
    pub length: Duration,
}

/// The longest a visit may take (the dispatch window, 9–17).
const MAX_VISIT_MINUTES: i64 = 8 * 60;

impl DispatchRequest {
    /// Reads `YYYY-MM-DDTHH:MM` (Tokyo time, as a `datetime-local` field sends it) and a length
    /// in minutes.
    pub fn parse(engineer: &str, starts_at: &str, minutes: &str) -> Result<DispatchRequest, Invalid> {
        let engineer = Uuid::parse_str(engineer.trim()).map_err(|_| Invalid::UnknownAssignee)?;
        let starts_at = tokyo_local(starts_at).ok_or(Invalid::DispatchUnreadable)?;
        let minutes: i64 = minutes.trim().parse().map_err(|_| Invalid::DispatchUnreadable)?;
        if !(1..=MAX_VISIT_MINUTES).contains(&minutes) {
            return Err(Invalid::DispatchUnreadable);
        }
        Ok(DispatchRequest { engineer, starts_at, length: Duration::minutes(minutes) })
    }
}

/// `YYYY-MM-DDTHH:MM[:SS]` in Tokyo time.
pub fn tokyo_local(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    chrono_tz::Asia::Tokyo.from_local_datetime(&local).single().map(|at| at.with_timezone(&Utc))
}

/// Schedules an engineer's visit for a ticket (on-site support) or a company's UTM removal:
/// refused outside weekdays 9:00–17:00 JST, on a holiday or closure day, in the past or when
/// the engineer is busy — with the next free slot. The company is e-mailed the visit with an
/// invitation (.ics).
pub async fn schedule_dispatch(
    services: &Services,
    actor: &Actor,
    kind: DispatchKind,
    subject: Uuid,
    request: &DispatchRequest,
    now: DateTime<Utc>,
) -> Result<DispatchRecord> {
    actor.require(Action::WorkIncidents)?;
    let (ticket, application_id, device_id) = match kind {
        DispatchKind::Onsite => {
            let ticket = ticket_for(services, actor, subject).await?;
            if !ticket.is_open() {
                return Err(Refusal::Incident(IncidentRefusal::Transition {
                    from: ticket.status,
                    event: TicketEvent::Start,
                })
                .into());
            }
            let (application, device) = (ticket.application_id, ticket.device_id);
            (Some(ticket), application, device)
        }
        DispatchKind::Removal => {
            let device = store::devices::get(&services.db, subject).await?;
            if device.installed_on.is_none() || device.removed_on.is_some() || device.continued_on.is_some() {
                return Err(Refusal::Incident(IncidentRefusal::NoDeviceToRemove).into());
            }
            (None, device.application_id, Some(device.id))
        }
    };
    let engineer = desk_member(services, request.engineer).await?;
    let case = store::applications::get(&services.db, application_id).await?;
    let label = author(services, actor).await?;
    let tx = services.db.begin().await?;
    let day = Duration::days(1);
    let busy = store::incidents::engineer_busy(&tx, engineer.id, request.starts_at - day, request.starts_at + day * 91)
        .await?;
    let earliest = request.starts_at.max(now);
    let slot = if request.starts_at < now {
        Err(domain::incident::SlotRefusal {
            reason: domain::incident::SlotProblem::OutsideHours,
            next: domain::incident::next_slot(&services.calendar, earliest, request.length, &busy),
        })
    } else {
        domain::incident::check_slot(&services.calendar, request.starts_at, request.length, &busy)
    };
    if let Err(refusal) = slot {
        return Err(Refusal::Incident(IncidentRefusal::Slot { problem: refusal.reason, next: refusal.next }).into());
    }
    let new = store::incidents::NewDispatch {
        kind,
        ticket_id: ticket.as_ref().map(|t| t.id),
        application_id,
        device_id,
        engineer_id: engineer.id,
        starts_at: request.starts_at,
        ends_at: request.starts_at + request.length,
    };
    let dispatch = store::incidents::schedule(&tx, &new, now).await?;
    let audit_subject = match &ticket {
        Some(ticket) => {
            let body = mail::seminar_time(false, dispatch.starts_at, dispatch.ends_at);
            let event = NewEvent::new(EventKind::Dispatch, &label, false, true, body);
            store::incidents::add_event(&tx, ticket.id, &event, now).await?;
            ("incident_ticket", ticket.id)
        }
        None => ("device", subject),
    };
    actor
        .record(
            &tx,
            "incident.dispatch",
            audit_subject,
            serde_json::json!({"dispatch": dispatch.id, "kind": kind.code(), "engineer": engineer.id,
                "starts_at": dispatch.starts_at, "ends_at": dispatch.ends_at}),
            now,
        )
        .await?;
    let notice = IncidentNotice::DispatchScheduled(kind);
    let letter = mail::letter(&services.mail, &services.db, &case).await?;
    let email = mail::dispatch_notice(&letter, &case, ticket.as_ref(), &dispatch, &engineer.display_name, notice, now);
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(dispatch)
}

/// Cancels a scheduled visit; the company's calendar entry is withdrawn (METHOD:CANCEL).
pub async fn cancel_dispatch(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<DispatchRecord> {
    actor.require(Action::WorkIncidents)?;
    let dispatch = store::incidents::dispatch(&services.db, id).await?;
    let case = store::applications::get(&services.db, dispatch.application_id).await?;
    let ticket = match dispatch.ticket_id {
        Some(ticket) => Some(store::incidents::get(&services.db, ticket).await?),
        None => None,
    };
    let engineer = store::accounts::get_user(&services.db, dispatch.engineer_id).await?;
    let tx = services.db.begin().await?;
    let cancelled = store::incidents::cancel_dispatch(&tx, id, now).await?;
    actor.record(&tx, "incident.dispatch_cancel", ("incident_dispatch", id), serde_json::json!({}), now).await?;
    let letter = mail::letter(&services.mail, &services.db, &case).await?;
    let email = mail::dispatch_notice(
        &letter,
        &case,
        ticket.as_ref(),
        &cancelled,
        &engineer.display_name,
        IncidentNotice::DispatchCancelled,
        now,
    );
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(cancelled)
}

/// The engineer's record of a visit, as typed.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    pub arrived_at: String,
    pub departed_at: String,
    pub work_done: String,
    pub outcome: String,
}

/// Records a visit (arrival, departure, work done, outcome) and signs it off in the engineer's
/// name; the company sees it on the ticket. A removal's sign-off records the device removed on
/// the day of the visit.
pub async fn sign_off_visit(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    input: &VisitInput,
    now: DateTime<Utc>,
) -> Result<DispatchRecord> {
    actor.require(Action::WorkIncidents)?;
    let arrived = tokyo_local(&input.arrived_at);
    let departed = tokyo_local(&input.departed_at);
    let work = domain::incident::multi_line(&input.work_done, MAX_VISIT_CHARS).ok();
    let outcome = match input.outcome.trim() {
        "" => Ok(None),
        text => domain::incident::multi_line(text, MAX_VISIT_CHARS).map(Some),
    };
    let (Some(arrived_at), Some(departed_at), Some(work_done), Ok(outcome)) = (arrived, departed, work, outcome) else {
        return Err(Refusal::Incident(IncidentRefusal::VisitIncomplete).into());
    };
    if departed_at <= arrived_at || arrived_at > now + Duration::minutes(5) {
        return Err(Refusal::Incident(IncidentRefusal::VisitIncomplete).into());
    }
    let dispatch = store::incidents::dispatch(&services.db, id).await?;
    let label = author(services, actor).await?;
    let visit = store::incidents::Visit { arrived_at, departed_at, work_done, outcome, signed_off_by: label.clone() };
    let case = store::applications::get(&services.db, dispatch.application_id).await?;
    let tx = services.db.begin().await?;
    let done = store::incidents::sign_off(&tx, id, &visit, now).await?;
    if let Some(ticket_id) = done.ticket_id {
        let body = visit.work_done.clone();
        store::incidents::add_event(
            &tx,
            ticket_id,
            &NewEvent::new(EventKind::Dispatch, &label, false, true, body),
            now,
        )
        .await?;
    }
    if done.kind == DispatchKind::Removal
        && let Some(device) = done.device_id
    {
        let day = arrived_at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
        store::devices::change_in(&tx, device, store::devices::DeviceChange::Removed(day), now).await?;
    }
    actor
        .record(
            &tx,
            "incident.visit",
            ("incident_dispatch", id),
            serde_json::json!({"kind": done.kind.code(), "arrived_at": arrived_at, "departed_at": departed_at}),
            now,
        )
        .await?;
    let ticket = match done.ticket_id {
        Some(ticket) => Some(store::incidents::get(&services.db, ticket).await?),
        None => None,
    };
    let letter = mail::letter(&services.mail, &services.db, &case).await?;
    let email =
        mail::dispatch_notice(&letter, &case, ticket.as_ref(), &done, &label, IncidentNotice::VisitRecorded, now);
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(done)
}

/// The visits of a company (its portal) or of every company (the desk), earliest first.
pub async fn dispatches(services: &Services, actor: &Actor) -> Result<Vec<DispatchRecord>> {
    if actor.may(Action::ReadIncidents) {
        Ok(store::incidents::dispatches(&services.db, None, None).await?)
    } else {
        let case = actor.own_case()?;
        Ok(store::incidents::dispatches(&services.db, Some(case), None).await?)
    }
}

/// When the clocks of the tickets that may still breach are due, for the job table: (ticket,
/// which clock, due). A clock already past its target is due now.
pub async fn breach_checks(db: &store::Db, now: DateTime<Utc>) -> Result<Vec<(Uuid, Breach, DateTime<Utc>)>> {
    let mut due = Vec::new();
    for ticket in store::incidents::watched(db).await? {
        let changes = store::incidents::status_changes(db, ticket.id).await?;
        let clocks = clocks(&ticket, &changes, now);
        for (breach, reading, recorded) in [
            (Breach::FirstResponse, clocks.first_response, ticket.response_breached_at),
            (Breach::Resolution, clocks.resolution, ticket.resolution_breached_at),
        ] {
            if recorded.is_some() {
                continue;
            }
            match reading {
                ClockReading::Running { due: at, .. } => due.push((ticket.id, breach, at)),
                ClockReading::Breached { .. } => due.push((ticket.id, breach, now)),
                _ => {}
            }
        }
    }
    Ok(due)
}

/// Records a breach of ticket `id`'s clock if it has passed its target now (once), on the
/// timeline and by e-mail to the desk lead. Kojo's own work (the job runner); safe to repeat.
pub async fn check_breach(services: &Services, id: Uuid, breach: Breach, now: DateTime<Utc>) -> Result<bool> {
    let ticket = store::incidents::get(&services.db, id).await?;
    let changes = store::incidents::status_changes(&services.db, id).await?;
    let clocks = clocks(&ticket, &changes, now);
    let reading = match breach {
        Breach::FirstResponse => clocks.first_response,
        Breach::Resolution => clocks.resolution,
    };
    if !matches!(reading, ClockReading::Breached { .. }) {
        return Ok(false);
    }
    let tx = services.db.begin().await?;
    if !store::incidents::mark_breach(&tx, id, breach, now).await? {
        return Ok(false);
    }
    let which = match breach {
        Breach::FirstResponse => "first_response",
        Breach::Resolution => "resolution",
    };
    store::incidents::add_event(&tx, id, &NewEvent::new(EventKind::Breach, "Kojo", false, false, which), now).await?;
    Actor::system("incident_sla")
        .record(&tx, "incident.breach", ("incident_ticket", id), serde_json::json!({"clock": which}), now)
        .await?;
    notify_desk(services, &tx, &ticket, DeskNotice::Breached(breach), now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The desk's figures of one month as `month_figures` gives them: exact for the secretariat and
/// the UTM operator; for Tokyo, a count of tickets that fewer than 5 companies opened is "<5",
/// and a mean time over fewer than 5 companies' tickets is withheld.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthFigures {
    pub opened: Cell,
    pub by_category: Vec<(domain::incident::Category, Cell)>,
    pub by_severity: Vec<(domain::incident::Severity, Cell)>,
    pub responded: Cell,
    pub mean_first_response_minutes: Option<f64>,
    pub resolved: Cell,
    pub mean_resolution_minutes: Option<f64>,
    pub response_breaches: Cell,
    pub resolution_breaches: Cell,
}

/// The desk's figures of the tickets opened in `month` (Tokyo time), with no company named:
/// for Tokyo, the secretariat and the results report.
pub async fn month_figures(services: &Services, actor: &Actor, month: crate::reports::Month) -> Result<MonthFigures> {
    actor.require(Action::ReadIncidentFigures)?;
    month_figures_for(services, Audience::of(actor.role()), month, crate::stats::Moment::Now(None)).await
}

/// The same figures for `audience` at `moment`: the desk's page counts every ticket as it stands;
/// the results report (always outside the secretariat) only its programme year's companies'
/// tickets, each as it stood when the report's day began (a ticket answered, resolved or late
/// after it was not yet then). Not a use case (no permission is checked): the pages call
/// [`month_figures`], the report its own.
pub async fn month_figures_for(
    services: &Services,
    audience: Audience,
    month: crate::reports::Month,
    moment: crate::stats::Moment,
) -> Result<MonthFigures> {
    let (from, to) = (
        crate::clock::tokyo_midnight(month.first_day()),
        crate::clock::tokyo_midnight(month.last_day() + Duration::days(1)),
    );
    let mut tickets = store::incidents::opened_between(&services.db, from, to).await?;
    if let crate::stats::Moment::Before(programme, _) = moment {
        let filter = store::applications::ApplicationFilter { programme_id: Some(programme), ..Default::default() };
        let ours: std::collections::HashSet<Uuid> =
            store::applications::list_all(&services.db, &filter).await?.iter().map(|a| a.id).collect();
        tickets.retain(|t| ours.contains(&t.application_id) && moment.has_seen(t.opened_at));
        let seen = |at: &mut Option<DateTime<Utc>>| *at = at.filter(|at| moment.has_seen(*at));
        for t in &mut tickets {
            seen(&mut t.first_response_at);
            seen(&mut t.response_breached_at);
            seen(&mut t.resolution_breached_at);
            // Resolved by then, read from the status changes as the ticket keeps it: a ticket
            // reopened after the day was still resolved on it.
            let mut resolved_at = None;
            for (at, status) in store::incidents::status_changes(&services.db, t.id).await? {
                if !moment.has_seen(at) {
                    break;
                }
                match status {
                    TicketStatus::Resolved => resolved_at = Some(at),
                    TicketStatus::Closed => {}
                    _ => resolved_at = None,
                }
            }
            t.resolved_at = resolved_at;
        }
    }
    let input = |t: &TicketRecord| domain::incident::FigureInput {
        category: t.category,
        severity: t.severity,
        opened_at: t.opened_at,
        first_response_at: t.first_response_at,
        resolved_at: t.resolved_at,
        response_breached: t.response_breached_at.is_some(),
        resolution_breached: t.resolution_breached_at.is_some(),
    };
    let inputs: Vec<_> = tickets.iter().map(input).collect();
    let raw = domain::incident::month_figures(&inputs);
    // How many companies the tickets that `keep` selects come from.
    let companies = |keep: &dyn Fn(&TicketRecord) -> bool| {
        tickets.iter().filter(|t| keep(t)).map(|t| t.application_id).collect::<std::collections::HashSet<_>>().len()
            as u64
    };
    let all = companies(&|_| true);
    let responded = companies(&|t| t.first_response_at.is_some());
    let resolved = companies(&|t| t.resolved_at.is_some());
    Ok(MonthFigures {
        opened: audience.held(u64::from(raw.opened), all),
        // Each breakdown adds up to `opened`: its parts are withheld together.
        by_category: raw
            .by_category
            .iter()
            .map(|(c, _)| *c)
            .zip(
                audience.held_parts(
                    &raw.by_category
                        .iter()
                        .map(|(c, n)| (u64::from(*n), companies(&|t| t.category == *c)))
                        .collect::<Vec<_>>(),
                ),
            )
            .collect(),
        by_severity: raw
            .by_severity
            .iter()
            .map(|(s, _)| *s)
            .zip(
                audience.held_parts(
                    &raw.by_severity
                        .iter()
                        .map(|(s, n)| (u64::from(*n), companies(&|t| t.severity == *s)))
                        .collect::<Vec<_>>(),
                ),
            )
            .collect(),
        responded: audience.held(u64::from(raw.responded), responded),
        mean_first_response_minutes: audience.derived(responded, raw.mean_first_response_minutes),
        resolved: audience.held(u64::from(raw.resolved), resolved),
        mean_resolution_minutes: audience.derived(resolved, raw.mean_resolution_minutes),
        response_breaches: audience
            .held(u64::from(raw.response_breaches), companies(&|t| t.response_breached_at.is_some())),
        resolution_breaches: audience
            .held(u64::from(raw.resolution_breaches), companies(&|t| t.resolution_breached_at.is_some())),
    })
}

/// E-mails the company what changed on its ticket (the text stays in the portal).
async fn notify_company(
    services: &Services,
    tx: &store::Tx,
    case: &store::applications::ApplicationRecord,
    ticket: &TicketRecord,
    notice: IncidentNotice,
    now: DateTime<Utc>,
) -> Result<()> {
    let letter = mail::letter(&services.mail, &services.db, case).await?;
    let email = mail::incident_notice(&letter, case, ticket, notice);
    store::outbox::add(tx, &email, now).await?;
    Ok(())
}

/// E-mails the desk: the assignee when there is one, else the year's desk lead, else every
/// active UTM-operator user. A breach goes to the lead (or everyone), not to the assignee alone.
async fn notify_desk(
    services: &Services,
    tx: &store::Tx,
    ticket: &TicketRecord,
    notice: DeskNotice,
    now: DateTime<Utc>,
) -> Result<()> {
    let desk = store::programmes::desk(&services.db, ticket.programme_id).await?;
    let assignee = if matches!(notice, DeskNotice::Breached(_)) { None } else { ticket.assignee_id };
    for to in desk_recipients(services, &desk, assignee).await? {
        let email = mail::desk_notice(&services.mail, &to, ticket, notice);
        store::outbox::add(tx, &email, now).await?;
    }
    Ok(())
}

/// Who the desk's e-mails go to (see [`notify_desk`]).
async fn desk_recipients(
    services: &Services,
    desk: &domain::incident::DeskSettings,
    assignee: Option<Uuid>,
) -> Result<Vec<String>> {
    if let Some(id) = assignee
        && let Ok(user) = store::accounts::get_user(&services.db, id).await
        && user.is_active
    {
        return Ok(vec![user.email]);
    }
    if let Some(lead) = &desk.lead_email {
        return Ok(vec![lead.as_str().to_string()]);
    }
    Ok(store::accounts::list_users(&services.db)
        .await?
        .into_iter()
        .filter(|u| u.is_active && u.role == Role::UtmOperator)
        .map(|u| u.email)
        .collect())
}

/// The companies a desk member can open a ticket for: confirmed participants of course ①,
/// by their kana.
pub async fn participants(services: &Services, actor: &Actor) -> Result<Vec<store::applications::ApplicationRecord>> {
    actor.require(Action::WorkIncidents)?;
    let filter = store::applications::ApplicationFilter {
        status: Some(domain::case::CaseState::Confirmed),
        sort: store::applications::SortKey::CompanyKana,
        ..Default::default()
    };
    let all = store::applications::list_all(&services.db, &filter).await?;
    Ok(all.into_iter().filter(|case| case.course_code == domain::programme::CourseCode::Utm).collect())
}

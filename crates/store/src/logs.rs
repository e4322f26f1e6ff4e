//! UTM log storage: threat events (kept for a retention period), daily roll-ups that reports
//! read (kept), unparsed lines kept for review (the first ones per device), per-device intake
//! counts (events, unknown message identifiers, unparsed lines, per vendor), unknown senders.
//!
//! A batch is written in one transaction; roll-ups add to what is stored (`ON CONFLICT … DO
//! UPDATE count = count + excluded.count`), so batches may arrive in any order and a restart that
//! re-sends an unacknowledged batch is the only way to double-count — which the listener avoids by
//! acknowledging after commit.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{
    intake_count, listener_status, threat_event, threat_rollup, traffic_rollup, unknown_identifier, unknown_sender,
    unparsed_line,
};
use crate::{Db, Result};

/// How many unparsed lines are kept per device for review.
pub const UNPARSED_KEPT_PER_DEVICE: u64 = 200;

/// A threat event to keep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredThreat {
    pub occurred_at: DateTime<Utc>,
    pub utc_offset_seconds: Option<i32>,
    pub vendor: String,
    pub category: String,
    pub action: String,
    pub severity: Option<String>,
    pub signature: Option<String>,
    pub src_ip: Option<String>,
    pub src_port: Option<u16>,
    pub dst_ip: Option<String>,
    pub dst_port: Option<u16>,
    pub url: Option<String>,
    pub user: Option<String>,
    /// Where the raw line is: `file:line`, or `syslog:SENDER`.
    pub source: String,
}

/// Threats per Tokyo day × category × action × signature (empty string when none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreatCount {
    pub day: NaiveDate,
    pub category: String,
    pub action: String,
    pub signature: String,
    pub count: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// Traffic sessions per Tokyo day × action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrafficCount {
    pub day: NaiveDate,
    pub action: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub device_id: Uuid,
    pub threats: Vec<ThreatCount>,
    pub traffic: Vec<TrafficCount>,
    pub events: Vec<StoredThreat>,
    /// (reason, line)
    pub unparsed: Vec<(String, String)>,
    /// What the batch's lines held, per vendor (added to the device's intake counts).
    pub intake: IntakeTally,
}

/// What some lines of one device held, per vendor: events, events whose message identifier the
/// vendor's catalogue does not know (and those identifiers), lines that could not be parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntakeTally {
    pub vendors: Vec<VendorIntake>,
    pub unknown_identifiers: Vec<UnknownIdentifierLines>,
}

impl IntakeTally {
    pub fn is_empty(&self) -> bool {
        self.vendors.is_empty() && self.unknown_identifiers.is_empty()
    }
}

/// One vendor's counts (`unknown` for lines of no recognised vendor).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VendorIntake {
    pub vendor: String,
    pub events: u64,
    pub unknown_identifiers: u64,
    pub unparsed: u64,
}

/// "N lines of unknown message type X" for one vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownIdentifierLines {
    pub vendor: String,
    pub identifier: String,
    pub lines: u64,
}

/// A device's stored intake counts, for the device page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceIntake {
    /// Per vendor, in vendor order.
    pub vendors: Vec<StoredVendorIntake>,
    /// Most lines first.
    pub unknown_identifiers: Vec<StoredUnknownIdentifier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredVendorIntake {
    pub counts: VendorIntake,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredUnknownIdentifier {
    pub lines: UnknownIdentifierLines,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// Longest identifier kept (CEF/LEEF identifiers are `vendor|product|id` and can be long).
const IDENTIFIER_MAX_CHARS: usize = 200;

const ROWS_PER_STATEMENT: usize = 500;

/// Writes one batch for one device in one transaction.
pub async fn ingest(db: &Db, batch: &Batch, now: DateTime<Utc>) -> Result<()> {
    let tx = db.begin().await?;
    ingest_in(&tx, batch, now).await?;
    tx.commit().await
}

/// [`ingest`] inside the caller's transaction (a stream consumer commits several devices'
/// batches with the stream positions they came from, or none of them).
pub async fn ingest_in(tx: &crate::Tx, batch: &Batch, now: DateTime<Utc>) -> Result<()> {
    let sqlite = sea_orm::ConnectionTrait::get_database_backend(tx.conn()) == sea_orm::DbBackend::Sqlite;
    let tx = tx.conn();
    // One row per key: PostgreSQL refuses an upsert that meets the same key twice in one
    // statement (two signatures alike in their first 500 characters, say).
    let threats = merged_threats(&batch.threats);
    let traffic = merged_traffic(&batch.traffic);
    for chunk in threats.chunks(ROWS_PER_STATEMENT) {
        let rows = chunk.iter().map(|t| threat_rollup::ActiveModel {
            device_id: Set(batch.device_id),
            day: Set(t.day),
            category: Set(t.category.clone()),
            action: Set(t.action.clone()),
            signature: Set(t.signature.clone()),
            count: Set(t.count as i64),
            first_seen: Set(t.first_seen),
            last_seen: Set(t.last_seen),
        });
        let (least, greatest) = if sqlite { ("min", "max") } else { ("LEAST", "GREATEST") };
        threat_rollup::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    threat_rollup::Column::DeviceId,
                    threat_rollup::Column::Day,
                    threat_rollup::Column::Category,
                    threat_rollup::Column::Action,
                    threat_rollup::Column::Signature,
                ])
                .value(threat_rollup::Column::Count, Expr::cust("threat_rollups.count + excluded.count"))
                .value(
                    threat_rollup::Column::FirstSeen,
                    Expr::cust(format!(
                        "{least}(COALESCE(threat_rollups.first_seen, excluded.first_seen), COALESCE(excluded.first_seen, threat_rollups.first_seen))"
                    )),
                )
                .value(
                    threat_rollup::Column::LastSeen,
                    Expr::cust(format!(
                        "{greatest}(COALESCE(threat_rollups.last_seen, excluded.last_seen), COALESCE(excluded.last_seen, threat_rollups.last_seen))"
                    )),
                )
                .to_owned(),
            )
            .exec(tx)
            .await?;
    }
    for chunk in traffic.chunks(ROWS_PER_STATEMENT) {
        let rows = chunk.iter().map(|t| traffic_rollup::ActiveModel {
            device_id: Set(batch.device_id),
            day: Set(t.day),
            action: Set(t.action.clone()),
            count: Set(t.count as i64),
        });
        traffic_rollup::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    traffic_rollup::Column::DeviceId,
                    traffic_rollup::Column::Day,
                    traffic_rollup::Column::Action,
                ])
                .value(traffic_rollup::Column::Count, Expr::cust("traffic_rollups.count + excluded.count"))
                .to_owned(),
            )
            .exec(tx)
            .await?;
    }
    for chunk in batch.events.chunks(ROWS_PER_STATEMENT) {
        let rows = chunk.iter().map(|e| threat_event::ActiveModel {
            device_id: Set(batch.device_id),
            occurred_at: Set(e.occurred_at),
            utc_offset_seconds: Set(e.utc_offset_seconds),
            vendor: Set(e.vendor.clone()),
            category: Set(e.category.clone()),
            action: Set(e.action.clone()),
            severity: Set(e.severity.clone()),
            signature: Set(e.signature.clone()),
            src_ip: Set(e.src_ip.clone()),
            src_port: Set(e.src_port.map(i32::from)),
            dst_ip: Set(e.dst_ip.clone()),
            dst_port: Set(e.dst_port.map(i32::from)),
            url: Set(e.url.clone()),
            user_name: Set(e.user.clone()),
            source: Set(e.source.clone()),
            ..Default::default()
        });
        threat_event::Entity::insert_many(rows).exec(tx).await?;
    }
    if !batch.unparsed.is_empty() {
        let kept =
            unparsed_line::Entity::find().filter(unparsed_line::Column::DeviceId.eq(batch.device_id)).count(tx).await?;
        let room = UNPARSED_KEPT_PER_DEVICE.saturating_sub(kept) as usize;
        let rows: Vec<_> = batch
            .unparsed
            .iter()
            .take(room)
            .map(|(reason, line)| unparsed_line::ActiveModel {
                device_id: Set(Some(batch.device_id)),
                sender: Set(None),
                received_at: Set(now),
                reason: Set(reason.clone()),
                line: Set(line.chars().take(4000).collect()),
                ..Default::default()
            })
            .collect();
        if !rows.is_empty() {
            unparsed_line::Entity::insert_many(rows).exec(tx).await?;
        }
    }
    add_intake(tx, batch.device_id, &batch.intake, now).await?;
    Ok(())
}

/// `threats` with the rows of one key (day, category, action, signature) added together.
fn merged_threats(threats: &[ThreatCount]) -> Vec<ThreatCount> {
    let mut merged: Vec<ThreatCount> = Vec::with_capacity(threats.len());
    let mut index: std::collections::HashMap<(NaiveDate, &str, &str, &str), usize> = std::collections::HashMap::new();
    for row in threats {
        let key = (row.day, row.category.as_str(), row.action.as_str(), row.signature.as_str());
        match index.get(&key) {
            Some(&at) => {
                let kept = &mut merged[at];
                kept.count += row.count;
                kept.first_seen = kept.first_seen.into_iter().chain(row.first_seen).min();
                kept.last_seen = kept.last_seen.into_iter().chain(row.last_seen).max();
            }
            None => {
                index.insert(key, merged.len());
                merged.push(row.clone());
            }
        }
    }
    // In key order: two writers upserting overlapping rows lock them in the same order (no
    // deadlock between stream consumers).
    merged.sort_by(|a, b| {
        (a.day, &a.category, &a.action, &a.signature).cmp(&(b.day, &b.category, &b.action, &b.signature))
    });
    merged
}

/// `traffic` with the rows of one key (day, action) added together.
fn merged_traffic(traffic: &[TrafficCount]) -> Vec<TrafficCount> {
    let mut merged: Vec<TrafficCount> = Vec::with_capacity(traffic.len());
    for row in traffic {
        match merged.iter_mut().find(|kept| kept.day == row.day && kept.action == row.action) {
            Some(kept) => kept.count += row.count,
            None => merged.push(row.clone()),
        }
    }
    merged.sort_by(|a, b| (a.day, &a.action).cmp(&(b.day, &b.action)));
    merged
}

/// Adds intake counts to a device's totals in their own transaction — for counts gathered
/// outside an [`ingest`] batch (a listener's own tallies). Lines given to `kojo::ingest`'s
/// accumulator are already counted by its batches: do not count them here again.
pub async fn record_intake(db: &Db, device_id: Uuid, tally: &IntakeTally, now: DateTime<Utc>) -> Result<()> {
    if tally.is_empty() {
        return Ok(());
    }
    let tx = db.begin_write().await?;
    add_intake(&tx, device_id, tally, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn add_intake<C: sea_orm::ConnectionTrait>(
    conn: &C,
    device_id: Uuid,
    tally: &IntakeTally,
    now: DateTime<Utc>,
) -> Result<()> {
    let count = |value: u64| Set(i64::try_from(value).unwrap_or(i64::MAX));
    if !tally.vendors.is_empty() {
        let rows = tally.vendors.iter().map(|v| intake_count::ActiveModel {
            device_id: Set(device_id),
            vendor: Set(v.vendor.clone()),
            events: count(v.events),
            unknown_identifiers: count(v.unknown_identifiers),
            unparsed: count(v.unparsed),
            first_at: Set(now),
            last_at: Set(now),
        });
        intake_count::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([intake_count::Column::DeviceId, intake_count::Column::Vendor])
                    .value(intake_count::Column::Events, Expr::cust("intake_counts.events + excluded.events"))
                    .value(
                        intake_count::Column::UnknownIdentifiers,
                        Expr::cust("intake_counts.unknown_identifiers + excluded.unknown_identifiers"),
                    )
                    .value(intake_count::Column::Unparsed, Expr::cust("intake_counts.unparsed + excluded.unparsed"))
                    .value(intake_count::Column::LastAt, Expr::cust("excluded.last_at"))
                    .to_owned(),
            )
            .exec(conn)
            .await?;
    }
    for chunk in tally.unknown_identifiers.chunks(ROWS_PER_STATEMENT) {
        let rows = chunk.iter().map(|u| unknown_identifier::ActiveModel {
            device_id: Set(device_id),
            vendor: Set(u.vendor.clone()),
            identifier: Set(u.identifier.chars().take(IDENTIFIER_MAX_CHARS).collect()),
            lines: count(u.lines),
            first_at: Set(now),
            last_at: Set(now),
        });
        unknown_identifier::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    unknown_identifier::Column::DeviceId,
                    unknown_identifier::Column::Vendor,
                    unknown_identifier::Column::Identifier,
                ])
                .value(unknown_identifier::Column::Lines, Expr::cust("unknown_identifiers.lines + excluded.lines"))
                .value(unknown_identifier::Column::LastAt, Expr::cust("excluded.last_at"))
                .to_owned(),
            )
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// A device's intake counts: per vendor, and its unknown message identifiers (most lines first).
pub async fn device_intake(db: &Db, device_id: Uuid) -> Result<DeviceIntake> {
    let count = |value: i64| u64::try_from(value).unwrap_or(0);
    let vendors = intake_count::Entity::find()
        .filter(intake_count::Column::DeviceId.eq(device_id))
        .order_by_asc(intake_count::Column::Vendor)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| StoredVendorIntake {
            counts: VendorIntake {
                vendor: m.vendor,
                events: count(m.events),
                unknown_identifiers: count(m.unknown_identifiers),
                unparsed: count(m.unparsed),
            },
            first_at: m.first_at,
            last_at: m.last_at,
        })
        .collect();
    let unknown_identifiers = unknown_identifier::Entity::find()
        .filter(unknown_identifier::Column::DeviceId.eq(device_id))
        .order_by_desc(unknown_identifier::Column::Lines)
        .order_by_asc(unknown_identifier::Column::Vendor)
        .order_by_asc(unknown_identifier::Column::Identifier)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| StoredUnknownIdentifier {
            lines: UnknownIdentifierLines { vendor: m.vendor, identifier: m.identifier, lines: count(m.lines) },
            first_at: m.first_at,
            last_at: m.last_at,
        })
        .collect();
    Ok(DeviceIntake { vendors, unknown_identifiers })
}

/// How many (sender address, serial) pairs the unknown senders list keeps; messages of further
/// pairs are added to one overflow row, so a sender inventing serials cannot grow the table.
pub const UNKNOWN_SENDERS_KEPT: u64 = 1_000;

/// The key of the overflow row (no address or serial looks like this).
const OVERFLOW: &str = "*";

/// Why the listener did not accept messages for any device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnknownReason {
    /// Neither the serial in the message nor the sender's address is registered.
    NoDevice,
    /// The serial is a registered device's, but the message came from another address.
    SenderMismatch,
    /// The serial is a registered device's that has no sender address yet: its messages wait
    /// until staff record the address (`docs/decisions.md`, "Syslog listener").
    NoSenderAddress,
    /// Counted in the overflow row.
    Overflow,
}

impl UnknownReason {
    pub fn code(self) -> &'static str {
        match self {
            UnknownReason::NoDevice => "no_device",
            UnknownReason::SenderMismatch => "sender_mismatch",
            UnknownReason::NoSenderAddress => "no_sender_address",
            UnknownReason::Overflow => "overflow",
        }
    }

    pub fn from_code(code: &str) -> Option<UnknownReason> {
        [
            UnknownReason::NoDevice,
            UnknownReason::SenderMismatch,
            UnknownReason::NoSenderAddress,
            UnknownReason::Overflow,
        ]
        .into_iter()
        .find(|reason| reason.code() == code)
    }
}

/// Messages from one sender address with one serial (or none) that no device accepted.
#[derive(Debug, Clone, Copy)]
pub struct UnknownMessages<'a> {
    pub sender: &'a str,
    pub serial: Option<&'a str>,
    pub reason: UnknownReason,
    /// One of the messages, for staff to recognise the sender.
    pub sample: &'a str,
    pub messages: u64,
}

/// Counts messages no device accepted, gathered by the listener for a few seconds (never once
/// per message). A known (sender, serial) pair adds to its row; a new pair gets a row while
/// fewer than [`UNKNOWN_SENDERS_KEPT`] exist, else its messages go to the overflow row.
pub async fn note_unknown_messages(db: &Db, unknown: UnknownMessages<'_>, now: DateTime<Utc>) -> Result<()> {
    let tx = db.begin().await?;
    note_unknown_messages_in(&tx, unknown, now).await?;
    tx.commit().await
}

/// [`note_unknown_messages`] inside the caller's transaction.
pub async fn note_unknown_messages_in(tx: &crate::Tx, unknown: UnknownMessages<'_>, now: DateTime<Utc>) -> Result<()> {
    let messages = i64::try_from(unknown.messages).unwrap_or(i64::MAX);
    let sender: String = unknown.sender.chars().take(64).collect();
    let serial: String = unknown.serial.unwrap_or("").chars().take(128).collect();
    let add = |reason: UnknownReason| {
        unknown_sender::Entity::update_many()
            // An integer we computed, not input: formatting it into the expression is safe.
            .col_expr(unknown_sender::Column::Messages, Expr::cust(format!("unknown_senders.messages + {messages}")))
            .col_expr(unknown_sender::Column::LastSeen, Expr::value(now))
            .col_expr(unknown_sender::Column::Reason, Expr::value(reason.code()))
    };
    // Messages the listener already counted as overflow go straight to the overflow row.
    let (sender, serial) = match unknown.reason {
        UnknownReason::Overflow => (OVERFLOW.to_string(), OVERFLOW.to_string()),
        _ => (sender, serial),
    };
    let tx = tx.conn();
    let updated = add(unknown.reason)
        .filter(unknown_sender::Column::Sender.eq(sender.as_str()))
        .filter(unknown_sender::Column::Serial.eq(serial.as_str()))
        .exec(tx)
        .await?;
    if updated.rows_affected == 0 {
        let kept = unknown_sender::Entity::find().filter(unknown_sender::Column::Sender.ne(OVERFLOW)).count(tx).await?;
        let (sender, serial, reason, sample) =
            if kept < UNKNOWN_SENDERS_KEPT && unknown.reason != UnknownReason::Overflow {
                (sender, serial, unknown.reason, unknown.sample.chars().take(1000).collect())
            } else {
                (OVERFLOW.to_string(), OVERFLOW.to_string(), UnknownReason::Overflow, String::new())
            };
        unknown_sender::Entity::insert(unknown_sender::ActiveModel {
            sender: Set(sender),
            serial: Set(serial),
            reason: Set(reason.code().to_string()),
            first_seen: Set(now),
            last_seen: Set(now),
            messages: Set(messages),
            sample: Set(sample),
        })
        .on_conflict(
            OnConflict::columns([unknown_sender::Column::Sender, unknown_sender::Column::Serial])
                .value(unknown_sender::Column::Messages, Expr::cust(format!("unknown_senders.messages + {messages}")))
                .value(unknown_sender::Column::LastSeen, Expr::value(now))
                .to_owned(),
        )
        .exec(tx)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownSender {
    pub sender: String,
    pub serial: Option<String>,
    pub reason: UnknownReason,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub messages: u64,
    pub sample: String,
}

fn unknown_sender(m: unknown_sender::Model) -> UnknownSender {
    UnknownSender {
        reason: UnknownReason::from_code(&m.reason).unwrap_or(UnknownReason::NoDevice),
        sender: m.sender,
        serial: Some(m.serial).filter(|serial| !serial.is_empty()),
        first_seen: m.first_seen,
        last_seen: m.last_seen,
        messages: m.messages.max(0) as u64,
        sample: m.sample,
    }
}

/// One page of the unknown senders list, the most recently seen first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownSendersPage {
    pub senders: Vec<UnknownSender>,
    /// Rows in the list (at most [`UNKNOWN_SENDERS_KEPT`]).
    pub total: u64,
    /// Messages of pairs that did not fit in the list, when there were any.
    pub overflow: Option<UnknownSender>,
}

/// Page `page` (from 0) of `per_page` unknown senders.
pub async fn unknown_senders_page(db: &Db, page: u64, per_page: u64) -> Result<UnknownSendersPage> {
    let listed = || unknown_sender::Entity::find().filter(unknown_sender::Column::Sender.ne(OVERFLOW));
    let total = listed().count(db.conn()).await?;
    let models = listed()
        .order_by_desc(unknown_sender::Column::LastSeen)
        .order_by_asc(unknown_sender::Column::Sender)
        .order_by_asc(unknown_sender::Column::Serial)
        .offset(page.saturating_mul(per_page))
        .limit(per_page)
        .all(db.conn())
        .await?;
    let overflow = unknown_sender::Entity::find()
        .filter(unknown_sender::Column::Sender.eq(OVERFLOW))
        .one(db.conn())
        .await?
        .map(unknown_sender);
    Ok(UnknownSendersPage { senders: models.into_iter().map(unknown_sender).collect(), total, overflow })
}

/// Every listed unknown sender (at most [`UNKNOWN_SENDERS_KEPT`]), the most recently seen first.
pub async fn unknown_senders(db: &Db) -> Result<Vec<UnknownSender>> {
    Ok(unknown_senders_page(db, 0, UNKNOWN_SENDERS_KEPT).await?.senders)
}

/// Threat roll-ups of a device for days `from..=to`.
pub async fn threat_counts(db: &Db, device_id: Uuid, from: NaiveDate, to: NaiveDate) -> Result<Vec<ThreatCount>> {
    let models = threat_rollup::Entity::find()
        .filter(threat_rollup::Column::DeviceId.eq(device_id))
        .filter(threat_rollup::Column::Day.between(from, to))
        .order_by_asc(threat_rollup::Column::Day)
        .order_by_asc(threat_rollup::Column::Category)
        .order_by_asc(threat_rollup::Column::Action)
        .order_by_asc(threat_rollup::Column::Signature)
        .all(db.conn())
        .await?;
    Ok(models
        .into_iter()
        .map(|m| ThreatCount {
            day: m.day,
            category: m.category,
            action: m.action,
            signature: m.signature,
            count: m.count.max(0) as u64,
            first_seen: m.first_seen,
            last_seen: m.last_seen,
        })
        .collect())
}

/// Traffic roll-ups of a device for days `from..=to`.
pub async fn traffic_counts(db: &Db, device_id: Uuid, from: NaiveDate, to: NaiveDate) -> Result<Vec<TrafficCount>> {
    let models = traffic_rollup::Entity::find()
        .filter(traffic_rollup::Column::DeviceId.eq(device_id))
        .filter(traffic_rollup::Column::Day.between(from, to))
        .order_by_asc(traffic_rollup::Column::Day)
        .order_by_asc(traffic_rollup::Column::Action)
        .all(db.conn())
        .await?;
    Ok(models
        .into_iter()
        .map(|m| TrafficCount { day: m.day, action: m.action, count: m.count.max(0) as u64 })
        .collect())
}

/// Total threats per device for days `from..=to`, over every device (for the programme-wide median).
pub async fn threat_totals_by_device(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<(Uuid, u64)>> {
    use sea_orm::sea_query::ExprTrait;
    let rows: Vec<(Uuid, i64)> = threat_rollup::Entity::find()
        .select_only()
        .column(threat_rollup::Column::DeviceId)
        .column_as(threat_rollup::Column::Count.sum().cast_as("BIGINT"), "total")
        .filter(threat_rollup::Column::Day.between(from, to))
        .group_by(threat_rollup::Column::DeviceId)
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows.into_iter().map(|(id, total)| (id, u64::try_from(total).unwrap_or(0))).collect())
}

/// Threats per device, category and action for days `from..=to`, over every device (the results
/// report's detections by category, blocked or only detected).
pub async fn threat_totals_by_category(
    db: &Db,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Uuid, String, String, u64)>> {
    use sea_orm::sea_query::ExprTrait;
    let rows: Vec<(Uuid, String, String, i64)> = threat_rollup::Entity::find()
        .select_only()
        .column(threat_rollup::Column::DeviceId)
        .column(threat_rollup::Column::Category)
        .column(threat_rollup::Column::Action)
        .column_as(threat_rollup::Column::Count.sum().cast_as("BIGINT"), "total")
        .filter(threat_rollup::Column::Day.between(from, to))
        .group_by(threat_rollup::Column::DeviceId)
        .group_by(threat_rollup::Column::Category)
        .group_by(threat_rollup::Column::Action)
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, category, action, total)| (id, category, action, u64::try_from(total).unwrap_or(0)))
        .collect())
}

/// Stored threat events of a device, newest first (for staff review).
pub async fn recent_threats(db: &Db, device_id: Uuid, limit: u64) -> Result<Vec<StoredThreat>> {
    let models = threat_event::Entity::find()
        .filter(threat_event::Column::DeviceId.eq(device_id))
        .order_by_desc(threat_event::Column::OccurredAt)
        .limit(limit)
        .all(db.conn())
        .await?;
    Ok(models
        .into_iter()
        .map(|m| StoredThreat {
            occurred_at: m.occurred_at,
            utc_offset_seconds: m.utc_offset_seconds,
            vendor: m.vendor,
            category: m.category,
            action: m.action,
            severity: m.severity,
            signature: m.signature,
            src_ip: m.src_ip,
            src_port: m.src_port.and_then(|p| u16::try_from(p).ok()),
            dst_ip: m.dst_ip,
            dst_port: m.dst_port.and_then(|p| u16::try_from(p).ok()),
            url: m.url,
            user: m.user_name,
            source: m.source,
        })
        .collect())
}

/// The unparsed lines kept for a device.
pub async fn unparsed(db: &Db, device_id: Uuid) -> Result<Vec<(String, String)>> {
    let models = unparsed_line::Entity::find()
        .filter(unparsed_line::Column::DeviceId.eq(device_id))
        .order_by_asc(unparsed_line::Column::Id)
        .all(db.conn())
        .await?;
    Ok(models.into_iter().map(|m| (m.reason, m.line)).collect())
}

/// Deletes threat events older than `before` (roll-ups stay). Returns how many.
pub async fn purge_threat_events(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    let result =
        threat_event::Entity::delete_many().filter(threat_event::Column::OccurredAt.lt(before)).exec(db.conn()).await?;
    Ok(result.rows_affected)
}

/// The most targeted destination ports of a device's stored threats in `from..to` (UTC instants).
pub async fn top_destination_ports(
    db: &Db,
    device_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(u16, u64)>> {
    use sea_orm::sea_query::ExprTrait;
    let rows: Vec<(Option<i32>, i64)> = threat_event::Entity::find()
        .select_only()
        .column(threat_event::Column::DstPort)
        .column_as(threat_event::Column::Id.count().cast_as("BIGINT"), "hits")
        .filter(threat_event::Column::DeviceId.eq(device_id))
        .filter(threat_event::Column::OccurredAt.gte(from))
        .filter(threat_event::Column::OccurredAt.lt(to))
        .filter(threat_event::Column::DstPort.is_not_null())
        .group_by(threat_event::Column::DstPort)
        .order_by_desc(sea_orm::sea_query::Expr::cust("hits"))
        .limit(limit)
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(port, hits)| Some((u16::try_from(port?).ok()?, u64::try_from(hits).unwrap_or(0))))
        .collect())
}

/// A syslog listener's counters since it started, as it last wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListenerStatus {
    /// What it listens on, e.g. `udp 0.0.0.0:514, tcp 0.0.0.0:601`.
    pub name: String,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// False once it has stopped cleanly.
    pub running: bool,
    pub received: u64,
    pub stored: u64,
    pub unparsed: u64,
    pub unknown: u64,
    pub removed_device: u64,
    pub dropped: u64,
    pub failed: u64,
    /// Messages naming a registered device's serial that came from another address, or whose
    /// device has no sender address yet (part of `unknown`).
    pub refused_sender: u64,
    /// TCP/TLS connections closed at once: the connection limit was reached.
    pub connections_refused: u64,
    /// Connections closed after being silent for the idle timeout.
    pub connections_timed_out: u64,
    /// Connections closed because their unfinished messages did not fit the buffer budget.
    pub connections_over_budget: u64,
    /// Per vendor: events, events of unknown identifiers, unparsed lines.
    pub vendors: VendorCounts,
}

/// What the listener parsed per vendor, for the office's devices page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct VendorCounts {
    pub vendors: Vec<VendorCount>,
    /// The most frequent unknown identifiers: (vendor, identifier, lines).
    pub unknown_identifiers: Vec<(String, String, u64)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct VendorCount {
    /// The vendor's code (`fortigate`, …); `unknown` for lines no parser claimed.
    pub vendor: String,
    pub events: u64,
    /// Events whose identifier (message type) is not in the vendor's catalogue.
    pub unknown_identifiers: u64,
    pub unparsed: u64,
}

/// Writes (or replaces) a listener's counters.
pub async fn record_listener_status(db: &Db, status: &ListenerStatus) -> Result<()> {
    let count = |value: u64| Set(i64::try_from(value).unwrap_or(i64::MAX));
    let model = listener_status::ActiveModel {
        name: Set(status.name.clone()),
        started_at: Set(status.started_at),
        updated_at: Set(status.updated_at),
        running: Set(status.running),
        received: count(status.received),
        stored: count(status.stored),
        unparsed: count(status.unparsed),
        unknown: count(status.unknown),
        removed_device: count(status.removed_device),
        dropped: count(status.dropped),
        failed: count(status.failed),
        refused_sender: count(status.refused_sender),
        connections_refused: count(status.connections_refused),
        connections_timed_out: count(status.connections_timed_out),
        connections_over_budget: count(status.connections_over_budget),
        vendors: Set(serde_json::to_string(&status.vendors).unwrap_or_else(|_| "{}".into())),
    };
    listener_status::Entity::insert(model)
        .on_conflict(
            OnConflict::column(listener_status::Column::Name)
                .update_columns([
                    listener_status::Column::StartedAt,
                    listener_status::Column::UpdatedAt,
                    listener_status::Column::Running,
                    listener_status::Column::Received,
                    listener_status::Column::Stored,
                    listener_status::Column::Unparsed,
                    listener_status::Column::Unknown,
                    listener_status::Column::RemovedDevice,
                    listener_status::Column::Dropped,
                    listener_status::Column::Failed,
                    listener_status::Column::RefusedSender,
                    listener_status::Column::ConnectionsRefused,
                    listener_status::Column::ConnectionsTimedOut,
                    listener_status::Column::ConnectionsOverBudget,
                    listener_status::Column::Vendors,
                ])
                .to_owned(),
        )
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Every listener that has reported, the most recently updated first.
pub async fn listener_statuses(db: &Db) -> Result<Vec<ListenerStatus>> {
    let models =
        listener_status::Entity::find().order_by_desc(listener_status::Column::UpdatedAt).all(db.conn()).await?;
    let count = |value: i64| u64::try_from(value).unwrap_or(0);
    Ok(models
        .into_iter()
        .map(|m| ListenerStatus {
            name: m.name,
            started_at: m.started_at,
            updated_at: m.updated_at,
            running: m.running,
            received: count(m.received),
            stored: count(m.stored),
            unparsed: count(m.unparsed),
            unknown: count(m.unknown),
            removed_device: count(m.removed_device),
            dropped: count(m.dropped),
            failed: count(m.failed),
            refused_sender: count(m.refused_sender),
            connections_refused: count(m.connections_refused),
            connections_timed_out: count(m.connections_timed_out),
            connections_over_budget: count(m.connections_over_budget),
            // Written by this module; an unreadable value (an older listener's `{}`) shows as none.
            vendors: serde_json::from_str(&m.vendors).unwrap_or_default(),
        })
        .collect())
}

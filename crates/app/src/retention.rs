//! Personal-data retention (§10, `domain::retention`): which records are due for reduction on a
//! day, and reducing them — each record in its own transaction with its audit row, so a stop
//! half-way leaves every record either untouched or reduced, and a second run finishes the rest.
//!
//! Run by the operator (`kojo retention`, a dry run unless `--apply`); an administrator's action.
//!
//! Must not: reduce anything before its day, or change the audit log.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Action;
use domain::retention::Category;
use uuid::Uuid;

use crate::{Actor, Result, Services};

/// Records of one category and programme year: how many, and the day they are (or were) due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub category: Category,
    pub fiscal_year: i32,
    pub records: usize,
    pub due_on: NaiveDate,
}

/// What `today` holds: the groups due now, and those waiting for their day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub due: Vec<Group>,
    pub later: Vec<Group>,
    /// Sign-in records older than `SIGN_IN_DAYS` (deleted).
    pub sign_ins: u64,
    /// E-mails older than `MAIL_DAYS` whose text is still kept (reduced).
    pub mail: u64,
    ids: Vec<(Category, i32, Uuid)>,
}

/// The instants before which sign-in records and e-mail texts go, on `today`.
fn cutoffs(today: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = crate::clock::tokyo_midnight(today);
    (
        midnight - chrono::Duration::days(domain::retention::SIGN_IN_DAYS),
        midnight - chrono::Duration::days(domain::retention::MAIL_DAYS),
    )
}

/// What `apply` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Done {
    pub groups: Vec<Group>,
    pub sign_ins: u64,
    pub mail: u64,
}

impl Plan {
    /// Records due now.
    pub fn due_records(&self) -> usize {
        self.due.iter().map(|g| g.records).sum()
    }
}

/// The records still holding personal data, grouped by category and year, due or not on `today`.
pub async fn plan(services: &Services, actor: &Actor, today: NaiveDate) -> Result<Plan> {
    actor.require(Action::Administer)?;
    let mut held: Vec<(Category, i32, Uuid)> = Vec::new();
    for record in store::retention::applications(&services.db).await? {
        let category = if record.participant { Category::Participant } else { Category::NonParticipant };
        held.push((category, record.fiscal_year, record.id));
    }
    for record in store::retention::registrations(&services.db).await? {
        held.push((Category::SeminarRegistration, record.fiscal_year, record.id));
    }
    for record in store::retention::inquiries(&services.db).await? {
        held.push((Category::Inquiry, record.fiscal_year, record.id));
    }
    let mut groups: BTreeMap<(Category, i32), usize> = BTreeMap::new();
    for (category, year, _) in &held {
        *groups.entry((*category, *year)).or_default() += 1;
    }
    let mut plan = Plan::default();
    for ((category, fiscal_year), records) in groups {
        let group = Group { category, fiscal_year, records, due_on: category.due_on(fiscal_year) };
        if category.is_due(fiscal_year, today) { plan.due.push(group) } else { plan.later.push(group) }
    }
    plan.ids = held.into_iter().filter(|(category, year, _)| category.is_due(*year, today)).collect();
    let (sign_ins, mail) = cutoffs(today);
    plan.sign_ins = store::retention::sign_ins_before(&services.db, sign_ins).await?;
    plan.mail = store::retention::mail_before(&services.db, mail).await?;
    Ok(plan)
}

/// Reduces every record due on `today`, deletes the sign-in records and reduces the e-mails past
/// their days; returns what was done (records counted as done).
pub async fn apply(services: &Services, actor: &Actor, today: NaiveDate, now: DateTime<Utc>) -> Result<Done> {
    let plan = plan(services, actor, today).await?;
    let (sign_ins_before, mail_before) = cutoffs(today);
    let tx = services.db.begin().await?;
    let sign_ins = store::retention::delete_sign_ins(&tx, sign_ins_before).await?;
    let mail = store::retention::reduce_mail(&tx, mail_before).await?;
    if sign_ins + mail > 0 {
        let detail = serde_json::json!({"sign_ins_deleted": sign_ins, "sign_ins_before": sign_ins_before,
            "emails_reduced": mail, "emails_before": mail_before});
        actor.record(&tx, "retention.purge", ("retention", Uuid::nil()), detail, now).await?;
    }
    tx.commit().await?;
    let mut done: BTreeMap<(Category, i32), usize> = BTreeMap::new();
    for (category, fiscal_year, id) in &plan.ids {
        let tx = services.db.begin().await?;
        let (reduced, subject) = match category {
            Category::SeminarRegistration => {
                (store::retention::reduce_registration(&tx, *id, now).await?, "seminar_registration")
            }
            Category::NonParticipant | Category::Participant => {
                (store::retention::reduce_application(&tx, *id, now).await?, "application")
            }
            Category::Inquiry => (store::retention::reduce_inquiry(&tx, *id, now).await?, "inquiry"),
        };
        if !reduced {
            continue;
        }
        let detail = serde_json::json!({"category": format!("{category:?}"), "fiscal_year": fiscal_year});
        actor.record(&tx, "retention.reduce", (subject, *id), detail, now).await?;
        tx.commit().await?;
        *done.entry((*category, *fiscal_year)).or_default() += 1;
    }
    // Records reduced by an earlier version, before their support records were covered.
    for id in store::retention::reduced_applications(&services.db).await? {
        let tx = services.db.begin().await?;
        if store::retention::reduce_support_records(&tx, id, now).await? == 0 {
            continue;
        }
        let detail = serde_json::json!({"support_records": true});
        actor.record(&tx, "retention.reduce", ("application", id), detail, now).await?;
        tx.commit().await?;
    }
    let groups = done
        .into_iter()
        .map(|((category, fiscal_year), records)| Group {
            category,
            fiscal_year,
            records,
            due_on: category.due_on(fiscal_year),
        })
        .collect();
    Ok(Done { groups, sign_ins, mail })
}

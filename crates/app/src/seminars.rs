//! Briefing seminars (説明会): registering (the public form and `POST /api/v1/seminars/{id}/
//! registrations` alike), the registrant's own cancel and switch through the link in the
//! e-mail, and the secretariat's roster and venue check-in. Each change commits with its audit
//! row and its e-mails (the registrant's, and a promoted registrant's) in one transaction.

use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::application::FieldIssues;
use domain::seminar::{Mode, RegistrationInput, validate_registration};
use store::seminars::{Change, NewLinks, Registering, RegistrationRecord, SeminarRecord};
use uuid::Uuid;

use crate::mail::{self, SeminarNotice};
use crate::{Actor, AppError, Result, Services};

/// What a registration tells the registrant.
#[derive(Debug, Clone)]
pub struct Registered {
    pub seminar: SeminarRecord,
    pub registration: RegistrationRecord,
    /// For the waiting list: how many wait before it, itself included.
    pub queue_position: Option<u32>,
}

/// Why a registration was not taken.
#[derive(Debug)]
pub enum RegisterError {
    Invalid(FieldIssues),
    App(AppError),
}

impl From<AppError> for RegisterError {
    fn from(error: AppError) -> Self {
        RegisterError::App(error)
    }
}

impl From<store::StoreError> for RegisterError {
    fn from(error: store::StoreError) -> Self {
        RegisterError::App(error.into())
    }
}

/// The seminars of the current programme year, earliest first (public).
pub async fn current(services: &Services) -> Result<Vec<SeminarRecord>> {
    match store::programmes::current(&services.db).await? {
        Some(programme) => Ok(store::seminars::list(&services.db, programme.id).await?),
        None => Ok(Vec::new()),
    }
}

/// A seminar of the current programme year (public); others are not found.
pub async fn public_seminar(services: &Services, id: Uuid) -> Result<SeminarRecord> {
    let seminar = store::seminars::get(&services.db, id).await?;
    let current = store::programmes::current(&services.db).await?;
    if current.is_some_and(|programme| programme.id == seminar.programme_id) {
        Ok(seminar)
    } else {
        Err(AppError::NotFound)
    }
}

/// Registers for seminar `id`: checks the input, then takes a seat in the chosen mode or its
/// waitlist, with the audit row and the e-mail (invitation attached when a seat is held).
/// Anyone may register (the door applies its rate limit first).
pub async fn register(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    input: &RegistrationInput,
    now: DateTime<Utc>,
) -> std::result::Result<Registered, RegisterError> {
    let seminar = public_seminar(services, id).await?;
    let registration = validate_registration(input, seminar.max_attendees).map_err(RegisterError::Invalid)?;
    let programme = store::programmes::get(&services.db, seminar.programme_id).await?;
    let prefix = format!("S{}", crate::intake::reference_prefix(&programme));
    let letter =
        mail::Letter { settings: &services.mail, secretariat: programme.contact(), language: registration.language };
    // A reference collision (1 in 10^8 per pair) is retried with a fresh number.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let token = store::random_token(24);
        let new = Registering {
            seminar_id: seminar.id,
            registration: &registration,
            token_hash: store::sha256_hex(&token),
            reference: new_reference(&prefix),
            source_ip: actor.ip(),
        };
        let tx = services.db.begin().await?;
        let change = match store::seminars::register(&tx, &new, now).await {
            Err(store::StoreError::ReferenceTaken) if attempts < 5 => continue,
            other => other?,
        };
        let Change { registration: record, queue_position, .. } = change;
        actor
            .record(
                &tx,
                "seminar.register",
                ("seminar_registration", record.id),
                serde_json::json!({
                    "seminar": seminar.id, "reference": record.reference, "mode": record.mode.code(),
                    "status": record.status.code(), "queue_position": queue_position,
                }),
                now,
            )
            .await?;
        let notice = match queue_position {
            Some(position) => SeminarNotice::Waitlisted { position },
            None => SeminarNotice::Held,
        };
        let email = mail::seminar_notice(&letter, &seminar, &record, notice, Some(&token), now);
        store::outbox::add(&tx, &email, now).await?;
        tx.commit().await?;
        return Ok(Registered { seminar, registration: record, queue_position });
    }
}

/// `SR5-1234-5678`: short enough to read out or type at the venue's reception.
fn new_reference(prefix: &str) -> String {
    use rand::Rng;
    let number: u32 = rand::thread_rng().gen_range(0..100_000_000);
    format!("{prefix}-{:04}-{:04}", number / 10_000, number % 10_000)
}

/// What the management link opens.
#[derive(Debug, Clone)]
pub struct Managed {
    pub seminar: SeminarRecord,
    pub registration: RegistrationRecord,
    pub queue_position: Option<u32>,
}

/// The registration the management link `token` opens (the link is the registrant's key).
pub async fn managed(services: &Services, token: &str) -> Result<Managed> {
    if token.is_empty() || token.len() > 128 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let registration = store::seminars::by_token_hash(&services.db, &store::sha256_hex(token)).await?;
    let seminar = store::seminars::get(&services.db, registration.seminar_id).await?;
    let queue_position = store::seminars::queue_position(&services.db, &registration).await?;
    Ok(Managed { seminar, registration, queue_position })
}

/// What the registrant changed through the link; `token` is the link that now works (a switch
/// sends a new one).
#[derive(Debug, Clone)]
pub struct Changed {
    pub registration: RegistrationRecord,
    pub token: Option<String>,
}

/// The registrant cancels through the link. A held seat goes to the first registrant waiting
/// in its mode (while registration is open), who is e-mailed.
pub async fn cancel(services: &Services, actor: &Actor, token: &str, now: DateTime<Utc>) -> Result<Changed> {
    let Managed { seminar, registration, .. } = managed(services, token).await?;
    let had_seat = registration.status == domain::seminar::RegistrationStatus::Held;
    let promoted_token = store::random_token(24);
    let tx = services.db.begin().await?;
    let change = store::seminars::cancel(&tx, registration.id, store::sha256_hex(&promoted_token), now).await?;
    actor
        .record(
            &tx,
            "seminar.cancel",
            ("seminar_registration", registration.id),
            serde_json::json!({"seminar": seminar.id, "reference": registration.reference, "had_seat": had_seat}),
            now,
        )
        .await?;
    let letter = letter(services, &seminar, &change.registration).await?;
    let email =
        mail::seminar_notice(&letter, &seminar, &change.registration, SeminarNotice::Cancelled { had_seat }, None, now);
    store::outbox::add(&tx, &email, now).await?;
    notify_promoted(services, &tx, &seminar, change.promoted.as_ref(), &promoted_token, now).await?;
    tx.commit().await?;
    Ok(Changed { registration: change.registration, token: None })
}

/// The registrant moves to the other mode through the link, when it has a free seat.
pub async fn switch_mode(
    services: &Services,
    actor: &Actor,
    token: &str,
    to: Mode,
    now: DateTime<Utc>,
) -> Result<Changed> {
    let Managed { seminar, registration, .. } = managed(services, token).await?;
    let own = store::random_token(24);
    let promoted_token = store::random_token(24);
    let tx = services.db.begin().await?;
    let links = NewLinks { own: store::sha256_hex(&own), promoted: store::sha256_hex(&promoted_token) };
    let change = store::seminars::switch_mode(&tx, registration.id, to, links, now).await?;
    actor
        .record(
            &tx,
            "seminar.switch",
            ("seminar_registration", registration.id),
            serde_json::json!({
                "seminar": seminar.id, "reference": registration.reference,
                "from": registration.mode.code(), "to": to.code(), "was": registration.status.code(),
            }),
            now,
        )
        .await?;
    let letter = letter(services, &seminar, &change.registration).await?;
    let email = mail::seminar_notice(&letter, &seminar, &change.registration, SeminarNotice::Switched, Some(&own), now);
    store::outbox::add(&tx, &email, now).await?;
    notify_promoted(services, &tx, &seminar, change.promoted.as_ref(), &promoted_token, now).await?;
    tx.commit().await?;
    Ok(Changed { registration: change.registration, token: Some(own) })
}

async fn letter<'a>(
    services: &'a Services,
    seminar: &SeminarRecord,
    registration: &RegistrationRecord,
) -> Result<mail::Letter<'a>> {
    let secretariat = store::programmes::contact(&services.db, seminar.programme_id).await?;
    Ok(mail::Letter { settings: &services.mail, secretariat, language: registration.language })
}

/// Audits the promotion (Kojo's own move) and e-mails the promoted registrant its new link.
async fn notify_promoted(
    services: &Services,
    tx: &store::Tx,
    seminar: &SeminarRecord,
    promoted: Option<&RegistrationRecord>,
    token: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(promoted) = promoted else { return Ok(()) };
    Actor::system("seminar_waitlist")
        .record(
            tx,
            "seminar.promote",
            ("seminar_registration", promoted.id),
            serde_json::json!({"seminar": seminar.id, "reference": promoted.reference, "mode": promoted.mode.code()}),
            now,
        )
        .await?;
    let letter = letter(services, seminar, promoted).await?;
    let email = mail::seminar_notice(&letter, seminar, promoted, SeminarNotice::Promoted, Some(token), now);
    store::outbox::add(tx, &email, now).await?;
    Ok(())
}

/// A seminar of any year with its registrations, for the secretariat (audited: personal data).
pub async fn roster(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    purpose: &'static str,
    now: DateTime<Utc>,
) -> Result<(SeminarRecord, Vec<RegistrationRecord>)> {
    actor.require(Action::RunSeminars)?;
    let seminar = store::seminars::get(&services.db, id).await?;
    let registrations = store::seminars::roster(&services.db, id).await?;
    let tx = services.db.begin().await?;
    actor.record(&tx, purpose, ("seminar", id), serde_json::json!({"registrations": registrations.len()}), now).await?;
    tx.commit().await?;
    Ok((seminar, registrations))
}

/// The seminars of a programme year, for the secretariat's list (no personal data).
pub async fn of_programme(services: &Services, actor: &Actor, programme: Uuid) -> Result<Vec<SeminarRecord>> {
    actor.require(Action::RunSeminars)?;
    Ok(store::seminars::list(&services.db, programme).await?)
}

/// A check-in at the venue's reception, by the reference typed or scanned from the QR code.
#[derive(Debug, Clone)]
pub struct CheckedIn {
    pub registration: RegistrationRecord,
    /// Already checked in before (the first time is kept).
    pub already: bool,
}

/// Marks the registration `reference` of seminar `id` as attended now. The reference is read
/// loosely: case, full-width characters and surrounding spaces do not matter.
pub async fn check_in(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<CheckedIn> {
    actor.require(Action::RunSeminars)?;
    let reference = domain::text::normalize(reference).to_ascii_uppercase();
    if reference.is_empty() || reference.len() > 40 {
        return Err(AppError::NotFound);
    }
    let registration = store::seminars::by_reference(&services.db, id, &reference).await?;
    let tx = services.db.begin().await?;
    let outcome = store::seminars::mark_attended(&tx, registration.id, "checkin", None, now).await?;
    if !outcome.already {
        actor
            .record(
                &tx,
                "seminar.check_in",
                ("seminar_registration", registration.id),
                serde_json::json!({"seminar": id, "reference": registration.reference}),
                now,
            )
            .await?;
    }
    tx.commit().await?;
    Ok(CheckedIn { registration: outcome.registration, already: outcome.already })
}

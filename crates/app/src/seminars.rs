//! Briefing seminars (説明会): registering (the public form and `POST /api/v1/seminars/{id}/
//! registrations` alike), the registrant's own cancel and switch through the link in the
//! e-mail, and the secretariat's roster and venue check-in. Each change commits with its audit
//! row and its e-mails (the registrant's, and a promoted registrant's) in one transaction.

use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::application::FieldIssues;
use domain::seminar::{Mode, RegistrationInput, validate_registration};
use store::seminars::{Change, NewLinks, Registering, RegistrationRecord, Reminder, SeminarRecord};
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
    let promoted_tokens = links_for(registration.attendees);
    let hashes = promoted_tokens.iter().map(|token| store::sha256_hex(token)).collect();
    let tx = services.db.begin().await?;
    let change = store::seminars::cancel(&tx, registration.id, hashes, now).await?;
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
    notify_promoted(services, &tx, &seminar, &change.promoted, &promoted_tokens, now).await?;
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
    let promoted_tokens = links_for(registration.attendees);
    let tx = services.db.begin().await?;
    let links = NewLinks {
        own: store::sha256_hex(&own),
        promoted: promoted_tokens.iter().map(|token| store::sha256_hex(token)).collect(),
    };
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
    notify_promoted(services, &tx, &seminar, &change.promoted, &promoted_tokens, now).await?;
    tx.commit().await?;
    Ok(Changed { registration: change.registration, token: Some(own) })
}

/// New management links for the registrants a freed party of `people` may promote (each
/// promoted party takes at least one seat, so at most one link per seat).
fn links_for(people: u32) -> Vec<String> {
    (0..people.max(1)).map(|_| store::random_token(24)).collect()
}

async fn letter<'a>(
    services: &'a Services,
    seminar: &SeminarRecord,
    registration: &RegistrationRecord,
) -> Result<mail::Letter<'a>> {
    let secretariat = store::programmes::contact(&services.db, seminar.programme_id).await?;
    Ok(mail::Letter { settings: &services.mail, secretariat, language: registration.language })
}

/// Audits each promotion (Kojo's own move) and e-mails each promoted registrant its new link
/// (the i-th promoted has the i-th token).
async fn notify_promoted(
    services: &Services,
    tx: &store::Tx,
    seminar: &SeminarRecord,
    promoted: &[RegistrationRecord],
    tokens: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    for (promoted, token) in promoted.iter().zip(tokens) {
        notify_one_promoted(services, tx, seminar, promoted, token, now).await?;
    }
    Ok(())
}

async fn notify_one_promoted(
    services: &Services,
    tx: &store::Tx,
    seminar: &SeminarRecord,
    promoted: &RegistrationRecord,
    token: &str,
    now: DateTime<Utc>,
) -> Result<()> {
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

/// When `reminder` of `seminar` is due: 10:00 JST the day before, or an hour before the start.
pub fn reminder_due(seminar: &SeminarRecord, reminder: Reminder) -> DateTime<Utc> {
    use chrono::TimeZone;
    match reminder {
        Reminder::DayBefore => {
            let day_before =
                seminar.starts_at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive() - chrono::Duration::days(1);
            let ten = day_before.and_hms_opt(10, 0, 0).expect("a valid time");
            chrono_tz::Asia::Tokyo
                .from_local_datetime(&ten)
                .single()
                .expect("Asia/Tokyo has no DST")
                .with_timezone(&Utc)
        }
        Reminder::HourBefore => seminar.starts_at - chrono::Duration::hours(1),
    }
}

/// Sends `reminder` of seminar `id` to every registrant holding a seat it has not reached
/// (online only for the hour before); nothing once the seminar has started. Each e-mail is
/// queued with its registration's mark in one transaction, so a second run sends none twice.
/// Kojo's own work (the job runner); returns how many were queued.
pub async fn send_reminders(services: &Services, id: Uuid, reminder: Reminder, now: DateTime<Utc>) -> Result<usize> {
    let seminar = store::seminars::get(&services.db, id).await?;
    if now >= seminar.starts_at {
        return Ok(0);
    }
    let notice = match reminder {
        Reminder::DayBefore => SeminarNotice::Reminder,
        Reminder::HourBefore => SeminarNotice::StartingSoon,
    };
    let mut sent = 0;
    for registration in store::seminars::due_reminders(&services.db, id, reminder).await? {
        let letter = letter(services, &seminar, &registration).await?;
        let tx = services.db.begin().await?;
        if store::seminars::mark_reminded(&tx, registration.id, reminder, now).await? {
            let email = mail::seminar_notice(&letter, &seminar, &registration, notice, None, now);
            store::outbox::add(&tx, &email, now).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// One person of a Zoom participant report, their connections added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub name: String,
    pub email: Option<String>,
    pub minutes: u32,
}

/// What an attendance import did.
#[derive(Debug, Clone, Default)]
pub struct AttendanceImport {
    /// Rows in the report (a person who rejoined has several).
    pub rows: usize,
    /// Online registrations newly marked attended, and those marked before (minutes updated).
    pub matched: usize,
    pub already: usize,
    /// People in the report no online registration matched: for the secretariat to match by hand.
    pub unmatched: Vec<Participant>,
}

/// Reads Zoom's participant report (Japanese or English headings, UTF-8 or Shift_JIS) for
/// seminar `id` and marks the online registrations holding a seat that attended: matched by
/// e-mail address, else by name (normalised; a renamed participant's original name too). Who
/// is not matched is returned for matching by hand; registrations nobody matched stay
/// unattended (no-show). Safe to repeat with the same or a later report.
pub async fn import_attendance(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    report: &[u8],
    now: DateTime<Utc>,
) -> Result<AttendanceImport> {
    use documents::zoom::{normalise_name, original_name, read_participants};
    actor.require(Action::RunSeminars)?;
    let rows = read_participants(report).map_err(|e| crate::Invalid::AttendanceReport(e.to_string()))?;
    let seminar = store::seminars::get(&services.db, id).await?;
    // One entry per person: by e-mail when Zoom has one, else by normalised name.
    let mut people: Vec<Participant> = Vec::new();
    for row in &rows {
        let email = row.email.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(str::to_lowercase);
        let found = people.iter_mut().find(|p| match (&email, &p.email) {
            (Some(a), Some(b)) => a == b,
            (None, None) => normalise_name(&p.name) == normalise_name(&row.name),
            _ => false,
        });
        match found {
            Some(person) => person.minutes = person.minutes.saturating_add(row.minutes),
            None => people.push(Participant { name: row.name.clone(), email, minutes: row.minutes }),
        }
    }
    let online: Vec<RegistrationRecord> = store::seminars::roster(&services.db, id)
        .await?
        .into_iter()
        .filter(|r| r.mode == Mode::Online && r.status == domain::seminar::RegistrationStatus::Held)
        .collect();
    let mut outcome = AttendanceImport { rows: rows.len(), ..AttendanceImport::default() };
    let mut taken: Vec<Uuid> = Vec::new();
    let tx = services.db.begin().await?;
    for person in people {
        let by_email = person
            .email
            .as_deref()
            .and_then(|email| online.iter().find(|r| !taken.contains(&r.id) && r.email.eq_ignore_ascii_case(email)));
        let names: Vec<String> = std::iter::once(normalise_name(&person.name))
            .chain(original_name(&person.name).map(|n| normalise_name(&n)))
            .collect();
        let by_name = || {
            online.iter().find(|r| {
                !taken.contains(&r.id) && names.iter().any(|n| !n.is_empty() && *n == normalise_name(&r.person_name))
            })
        };
        match by_email.or_else(by_name) {
            Some(registration) if person.minutes > 0 => {
                taken.push(registration.id);
                let marked =
                    store::seminars::mark_attended(&tx, registration.id, "zoom", Some(person.minutes), now).await?;
                if marked.already { outcome.already += 1 } else { outcome.matched += 1 }
            }
            _ => outcome.unmatched.push(person),
        }
    }
    actor
        .record(
            &tx,
            "seminar.attendance.import",
            ("seminar", seminar.id),
            serde_json::json!({"rows": outcome.rows, "matched": outcome.matched, "already": outcome.already, "unmatched": outcome.unmatched.len()}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Marks the online registration `reference` of seminar `id` as attended for `minutes`, matched
/// by hand to a person of the participant report.
pub async fn mark_attended_by_hand(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    reference: &str,
    minutes: u32,
    now: DateTime<Utc>,
) -> Result<RegistrationRecord> {
    actor.require(Action::RunSeminars)?;
    let registration = store::seminars::by_reference(&services.db, id, reference.trim()).await?;
    let tx = services.db.begin().await?;
    let marked = store::seminars::mark_attended(&tx, registration.id, "manual", Some(minutes), now).await?;
    actor
        .record(
            &tx,
            "seminar.attendance.manual",
            ("seminar_registration", registration.id),
            serde_json::json!({"seminar": id, "reference": registration.reference, "minutes": minutes}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(marked.registration)
}

/// A seminar as the office form sends it: dates and times as typed (JST), numbers as text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SeminarForm {
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub description: String,
    pub description_en: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// `HH:MM`, Tokyo time.
    pub starts: String,
    pub ends: String,
    pub venue_name: String,
    pub venue_address: String,
    pub venue_map_url: String,
    pub online_url: String,
    pub venue_capacity: String,
    pub online_capacity: String,
    /// `YYYY-MM-DDTHH:MM` (a `datetime-local` input), Tokyo time; blank for the default.
    pub deadline: String,
    pub max_attendees: String,
}

impl SeminarForm {
    /// The form of an existing seminar, for editing.
    pub fn of(seminar: &SeminarRecord) -> SeminarForm {
        let tokyo = |at: DateTime<Utc>| at.with_timezone(&chrono_tz::Asia::Tokyo);
        let default_deadline = domain::seminar::default_deadline(seminar.starts_at);
        SeminarForm {
            code: seminar.code.clone(),
            title: seminar.title_ja.clone(),
            title_en: if seminar.title_en == seminar.title_ja { String::new() } else { seminar.title_en.clone() },
            description: seminar.description_ja.clone(),
            description_en: if seminar.description_en == seminar.description_ja {
                String::new()
            } else {
                seminar.description_en.clone()
            },
            date: tokyo(seminar.starts_at).format("%Y-%m-%d").to_string(),
            starts: tokyo(seminar.starts_at).format("%H:%M").to_string(),
            ends: tokyo(seminar.ends_at).format("%H:%M").to_string(),
            venue_name: seminar.venue_name.clone(),
            venue_address: seminar.venue_address.clone(),
            venue_map_url: seminar.venue_map_url.clone().unwrap_or_default(),
            online_url: seminar.online_url.clone().unwrap_or_default(),
            venue_capacity: seminar.venue.capacity.to_string(),
            online_capacity: seminar.online.capacity.to_string(),
            deadline: if seminar.deadline == default_deadline {
                String::new()
            } else {
                tokyo(seminar.deadline).format("%Y-%m-%dT%H:%M:%S").to_string()
            },
            max_attendees: seminar.max_attendees.to_string(),
        }
    }

    /// Parses the form into a checked seminar, or says what is wrong (in Japanese).
    pub fn parse(&self) -> std::result::Result<domain::seminar::ValidSeminar, String> {
        use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
        let tokyo =
            |at: NaiveDateTime| chrono_tz::Asia::Tokyo.from_local_datetime(&at).single().map(|t| t.fixed_offset());
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .map_err(|_| "開催日を「2023-09-06」の形式で入力してください".to_string())?;
        let time = |text: &str| {
            NaiveTime::parse_from_str(text.trim(), "%H:%M")
                .map_err(|_| "開始・終了時刻を「14:00」の形式で入力してください".to_string())
        };
        let starts_at = tokyo(date.and_time(time(&self.starts)?)).ok_or("開始時刻が正しくありません")?;
        let ends_at = tokyo(date.and_time(time(&self.ends)?)).ok_or("終了時刻が正しくありません")?;
        let number = |text: &str, what: &str| {
            domain::text::normalize(text).parse::<u32>().map_err(|_| format!("{what}を0以上の整数で入力してください"))
        };
        let deadline = match self.deadline.trim() {
            "" => None,
            text => {
                let at = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                    .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
                    .map_err(|_| "申込締切を「2023-09-05T23:59」の形式で入力してください".to_string())?;
                Some(tokyo(at).ok_or("申込締切が正しくありません")?)
            }
        };
        let optional = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_string());
        let spec = domain::seminar::SeminarSpec {
            code: self.code.trim().to_string(),
            title: self.title.clone(),
            title_en: optional(&self.title_en),
            description: optional(&self.description),
            description_en: optional(&self.description_en),
            starts_at,
            ends_at,
            venue_name: self.venue_name.clone(),
            venue_address: self.venue_address.clone(),
            venue_map_url: optional(&self.venue_map_url),
            online_url: optional(&self.online_url),
            venue_capacity: number(&self.venue_capacity, "会場の定員")?,
            online_capacity: number(&self.online_capacity, "オンラインの定員")?,
            registration_deadline: deadline,
            max_attendees: match self.max_attendees.trim() {
                "" => None,
                text => Some(number(text, "1件あたりの参加人数の上限")?),
            },
        };
        spec.validate().map_err(|e| e.to_string())
    }
}

/// Adds a seminar to programme year `programme`, or changes the one with its code (never below
/// the seats held). The secretariat runs the seminars, so it may.
pub async fn save(
    services: &Services,
    actor: &Actor,
    programme: Uuid,
    seminar: &domain::seminar::ValidSeminar,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    actor.require(Action::RunSeminars)?;
    let tx = services.db.begin().await?;
    let id = store::seminars::save(&tx, programme, seminar, now).await?;
    actor
        .record(
            &tx,
            "seminar.save",
            ("seminar", id),
            serde_json::json!({
                "code": seminar.code, "starts_at": seminar.starts_at, "venue_capacity": seminar.venue_capacity,
                "online_capacity": seminar.online_capacity, "deadline": seminar.deadline,
            }),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(id)
}

//! Inquiries (問い合わせ) and the FAQ: the public form and `POST /api/v1/inquiries` alike
//! (`submit`), e-mail read from the secretariat's mailbox (`receive_email`), and the
//! secretariat's inbox — replies sent by e-mail, telephone calls, notes, status, assignee, the
//! link to a case — and the FAQ entries drafted from answers. Each change commits with its
//! audit row and its e-mails in one transaction; reading an inquiry (personal data) is audited.
//!
//! Must not: decide statuses or the response clock (`domain::inquiry`), or speak IMAP (the
//! `kojo` mailbox reader parses e-mail and calls [`receive_email`]).

use askama::Template;
use chrono::{DateTime, Utc};
use domain::access::Action;
use domain::application::FieldIssues;
use domain::inquiry::{self, Category, Channel, Event, InquiryInput, Status, Target};
use domain::secretariat::Language;
use store::inquiries::{
    AttachmentRecord, FaqRecord, FaqText, InquiryRecord, MessageKind, MessageRecord, NewInquiry, NewMessage,
};
use store::outbox::OutgoingEmail;
use uuid::Uuid;

use crate::error::Invalid;
use crate::mail::tokyo_instant;
use crate::{Actor, AppError, Result, Services};
pub use domain::upload::Upload;

/// The first-answer target when the programme year sets none: by the end of the next business day.
pub const DEFAULT_TARGET: Target = Target::EndOfNextBusinessDay;

/// The first-answer target of inquiries of `programme` (its file's `[inquiries] first_answer`).
pub async fn target_of(services: &Services, programme: Option<Uuid>) -> Result<Target> {
    Ok(match programme {
        Some(id) => store::programmes::inquiry_target(&services.db, id).await?.unwrap_or(DEFAULT_TARGET),
        None => DEFAULT_TARGET,
    })
}

/// The targets of several programme years, looked up once each.
async fn targets_of(
    services: &Services,
    records: &[InquiryRecord],
) -> Result<std::collections::HashMap<Option<Uuid>, Target>> {
    let mut targets = std::collections::HashMap::new();
    for record in records {
        if let std::collections::hash_map::Entry::Vacant(entry) = targets.entry(record.programme_id) {
            entry.insert(target_of(services, record.programme_id).await?);
        }
    }
    Ok(targets)
}

/// The longest reply, note or call summary staff write.
pub const MAX_REPLY_CHARS: usize = 8000;

/// What the asker is told after sending.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub inquiry: InquiryRecord,
    /// When the first answer is due (business hours).
    pub due: DateTime<Utc>,
}

/// Why an inquiry was not taken.
#[derive(Debug)]
pub enum SubmitError {
    Invalid(FieldIssues),
    App(AppError),
}

impl From<AppError> for SubmitError {
    fn from(error: AppError) -> Self {
        SubmitError::App(error)
    }
}

impl From<store::StoreError> for SubmitError {
    fn from(error: store::StoreError) -> Self {
        SubmitError::App(error.into())
    }
}

/// An inquiry from the public form or the API: filed under the year's next reference, its
/// message as the thread's first, linked to the newest application from the same address, and
/// acknowledged by e-mail (reference, due time, contact details — nothing the sender typed, so
/// the form cannot send chosen text to a stranger in the secretariat's name).
pub async fn submit(
    services: &Services,
    actor: &Actor,
    input: &InquiryInput,
    language: Language,
    now: DateTime<Utc>,
) -> std::result::Result<Submitted, SubmitError> {
    let valid = inquiry::validate(input).map_err(SubmitError::Invalid)?;
    let programme = store::programmes::current(&services.db).await?;
    let application = store::applications::newest_by_contact_email(&services.db, valid.email.as_str()).await?;
    let secretariat = match &programme {
        Some(programme) => programme.contact(),
        None => store::programmes::current_contact(&services.db).await?,
    };
    let phone = valid.phone.as_ref().map(|p| p.as_str().to_string());
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let privacy = domain::policy::in_force(domain::policy::PRIVACY, today);
    let new = NewInquiry {
        programme_id: programme.as_ref().map(|p| p.id),
        fiscal_year: inquiry::fiscal_year_of(now),
        channel: Channel::Web,
        category: valid.category,
        name: &valid.name,
        company_name: valid.company_name.as_deref(),
        email: Some(valid.email.as_str()),
        phone: phone.as_deref(),
        subject: &valid.subject,
        language: language.code(),
        privacy_version: Some(privacy.code),
        application_id: application,
        source_ip: actor.ip(),
    };
    let target = target_of(services, programme.as_ref().map(|p| p.id)).await?;
    let due = inquiry::first_answer_due(&services.calendar, now, target);
    let message =
        NewMessage { kind: MessageKind::Incoming, author_user_id: None, body: &valid.message, email_message_id: None };
    let (tx, record, _) = file(services, actor, &new, &message, now).await?.ok_or(AppError::NotFound)?;
    let email = received_email(&secretariat, language, &record, due, now);
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(Submitted { inquiry: record, due })
}

/// Files a new inquiry under the fiscal year's next reference (retried when a concurrent writer
/// took the number) with its first message and its audit row, in a transaction left open for
/// the caller's own writes; `None` when the message is an e-mail already stored.
async fn file(
    services: &Services,
    actor: &Actor,
    new: &NewInquiry<'_>,
    message: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<Option<(store::Tx, InquiryRecord, MessageRecord)>> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let tx = services.db.begin().await?;
        let record = match store::inquiries::create(&tx, new, now).await {
            Err(store::StoreError::ReferenceTaken) if attempts < 5 => continue,
            other => other?,
        };
        let Some(first) = store::inquiries::add_message(&tx, record.id, message, now).await? else {
            return Ok(None);
        };
        let detail = serde_json::json!({
            "reference": record.reference, "channel": record.channel.code(), "category": record.category.code(),
            "application": record.application_id,
        });
        actor.record(&tx, "inquiry.receive", ("inquiry", record.id), detail, now).await?;
        return Ok(Some((tx, record, first)));
    }
}

#[derive(Template)]
#[template(path = "mail/inquiry_received.txt")]
struct ReceivedMail<'a> {
    en: bool,
    reference: &'a str,
    received_at: String,
    due: String,
    signature: String,
}

fn received_email(
    secretariat: &domain::secretariat::Secretariat,
    language: Language,
    record: &InquiryRecord,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> OutgoingEmail {
    let en = language.is_en();
    let body = ReceivedMail {
        en,
        reference: &record.reference,
        received_at: tokyo_instant(en, now),
        due: tokyo_instant(en, due),
        signature: secretariat.signature(language),
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    let subject = if en {
        format!("[{}] We have received your question ({})", secretariat.name(Language::En), record.reference)
    } else {
        format!("【運営事務局】お問い合わせを受け付けました（{}）", record.reference)
    };
    OutgoingEmail { to: record.email.clone().unwrap_or_default(), subject, body, attachments: Vec::new() }
}

/// An inquiry with what its page shows.
#[derive(Debug, Clone)]
pub struct Opened {
    pub inquiry: InquiryRecord,
    pub thread: Vec<MessageRecord>,
    pub clock: Option<inquiry::Clock>,
    /// The application it is linked to: (id, reference, company name).
    pub application: Option<(Uuid, String, String)>,
    /// The files of the thread's messages.
    pub files: Vec<AttachmentRecord>,
}

/// Opens inquiry `id` for staff; the read of its personal data is audited.
pub async fn open(services: &Services, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<Opened> {
    actor.require(Action::AnswerInquiries)?;
    let record = store::inquiries::get(&services.db, id).await?;
    let thread = store::inquiries::messages(&services.db, id).await?;
    let pauses = store::inquiries::pauses(&services.db, id).await?;
    let target = target_of(services, record.programme_id).await?;
    let clock = clock_of(services, &record, target, &pauses, now);
    let application = match record.application_id {
        Some(app) => {
            let found = store::applications::get(&services.db, app).await?;
            Some((found.id, found.reference, found.company_name))
        }
        None => None,
    };
    let files = store::inquiries::attachments(&services.db, id).await?;
    let tx = services.db.begin().await?;
    actor.record(&tx, "inquiry.read", ("inquiry", id), serde_json::json!({"reference": record.reference}), now).await?;
    tx.commit().await?;
    Ok(Opened { inquiry: record, thread, clock, application, files })
}

/// The first-answer clock of `record` at `now`: `None` once first answered (a later message
/// from the asker does not make it late again: the target is for the first answer) or closed.
pub fn clock_of(
    services: &Services,
    record: &InquiryRecord,
    target: Target,
    pauses: &[inquiry::Pause],
    now: DateTime<Utc>,
) -> Option<inquiry::Clock> {
    if record.first_answered_at.is_some() || record.status == Status::Closed {
        return None;
    }
    Some(inquiry::clock(&services.calendar, record.received_at, target, pauses, now))
}

/// A row of the inbox: the inquiry and its clock.
#[derive(Debug, Clone)]
pub struct InboxRow {
    pub inquiry: InquiryRecord,
    pub clock: Option<inquiry::Clock>,
}

/// The inbox for staff: what `filter` selects, the unanswered first by due time, then the rest
/// newest first.
pub async fn inbox(
    services: &Services,
    actor: &Actor,
    filter: &store::inquiries::Filter,
    now: DateTime<Utc>,
) -> Result<Vec<InboxRow>> {
    actor.require(Action::AnswerInquiries)?;
    let records = store::inquiries::list(&services.db, filter, 1000).await?;
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    let pauses = store::inquiries::pauses_of(&services.db, &ids).await?;
    let targets = targets_of(services, &records).await?;
    let mut rows: Vec<InboxRow> = records
        .into_iter()
        .map(|inquiry| {
            let target = targets.get(&inquiry.programme_id).copied().unwrap_or(DEFAULT_TARGET);
            let clock =
                clock_of(services, &inquiry, target, pauses.get(&inquiry.id).map_or(&[][..], Vec::as_slice), now);
            InboxRow { inquiry, clock }
        })
        .collect();
    rows.sort_by_key(|row| match row.clock {
        Some(inquiry::Clock::Late(due) | inquiry::Clock::Due(due)) => (0, due.timestamp(), 0),
        Some(inquiry::Clock::Paused) => (1, 0, -row.inquiry.received_at.timestamp()),
        None => (2, 0, -row.inquiry.received_at.timestamp()),
    });
    Ok(rows)
}

/// What staff do to an inquiry.
#[derive(Debug, Clone)]
pub enum Command {
    /// A reply sent by e-mail; `ask` when it asks the asker something (the clock stops).
    Reply {
        body: String,
        ask: bool,
        /// Files sent with the reply (checked: PDF, JPEG, PNG), at most [`MAX_REPLY_FILES`]
        /// and [`MAX_REPLY_BYTES`] together.
        files: Vec<Upload>,
    },
    /// A telephone call with the asker, summarised.
    Call {
        summary: String,
        answered: bool,
    },
    /// An internal note.
    Note {
        body: String,
    },
    /// Take it up (in progress).
    Start,
    Close,
    /// The asker came back (by telephone, say): open again.
    Reopen,
    Assign(Option<Uuid>),
    Recategorise(Category),
    /// Link to the application with this reference (empty: unlink).
    Link(Option<String>),
}

/// The most files one reply sends.
pub const MAX_REPLY_FILES: usize = 3;

/// The most bytes one reply's files take together: base64 makes them a third larger on the
/// wire, and mail servers commonly refuse messages over 10 MB (Postfix's default).
pub const MAX_REPLY_BYTES: usize = 7 * 1024 * 1024;

/// The most files kept from one incoming e-mail.
pub const MAX_EMAIL_FILES: usize = 10;

/// Checks the files of a reply together.
fn reply_files(files: &[Upload]) -> Result<()> {
    let invalid = |ja: String, en: String| AppError::Invalid(Invalid::Field { field: "files", ja, en });
    if files.len() > MAX_REPLY_FILES {
        return Err(invalid(
            format!("添付ファイルは{MAX_REPLY_FILES}件までです"),
            format!("At most {MAX_REPLY_FILES} files can be attached"),
        ));
    }
    if files.iter().map(Upload::size).sum::<usize>() > MAX_REPLY_BYTES {
        return Err(invalid(
            "添付ファイルは合計7MBまでです（メールで送れる大きさ）".into(),
            "The attached files may take 7 MB together at most (what e-mail carries)".into(),
        ));
    }
    Ok(())
}

/// Checked text of a reply, note or call summary.
fn staff_text(field: &'static str, raw: &str) -> Result<String> {
    inquiry::message_text(raw, MAX_REPLY_CHARS).map_err(|error| {
        AppError::Invalid(Invalid::Field {
            field,
            ja: format!("本文：{}", error.message_ja()),
            en: format!("Text: {}", error.message_en()),
        })
    })
}

/// Applies `command` to inquiry `id` as `actor`.
pub async fn act(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    command: Command,
    now: DateTime<Utc>,
) -> Result<InquiryRecord> {
    actor.require(Action::AnswerInquiries)?;
    let refused = || AppError::Refused(domain::refusal::Refusal::InquiryClosed);
    let tx = services.db.begin().await?;
    // Read under the row's lock: the status is decided from what no other writer can change.
    let record = store::inquiries::lock(&tx, id).await?;
    let (action, detail, updated) = match command {
        Command::Reply { body, ask, files } => {
            let body = staff_text("body", &body)?;
            reply_files(&files)?;
            let to = record.email.clone().ok_or(AppError::Invalid(Invalid::Field {
                field: "body",
                ja: "この問い合わせにはメールアドレスがないため、メールで返信できません（電話の記録を使ってください）"
                    .into(),
                en: "This inquiry has no e-mail address to reply to; log a call instead".into(),
            }))?;
            let status =
                inquiry::next(record.status, if ask { Event::AskAsker } else { Event::Answer }).ok_or_else(refused)?;
            let message = NewMessage {
                kind: MessageKind::Reply,
                author_user_id: actor.user_id(),
                body: &body,
                email_message_id: None,
            };
            let stored = store::inquiries::add_message(&tx, id, &message, now).await?.ok_or_else(|| {
                store::StoreError::Corrupt("a reply without a Message-ID was taken for a duplicate".into())
            })?;
            let attachments = keep_files(&tx, id, stored.id, &files, now).await?;
            let updated = store::inquiries::set_status(&tx, id, status, now).await?;
            let secretariat = match record.programme_id {
                Some(programme) => store::programmes::contact(&services.db, programme).await?,
                None => store::programmes::current_contact(&services.db).await?,
            };
            let language = Language::from_code(&record.language).unwrap_or_default();
            let mut email = reply_email(&secretariat, language, &record, &to, &body);
            email.attachments = files
                .into_iter()
                .map(|file| store::outbox::Attachment {
                    filename: file.filename().to_string(),
                    content_type: file.content_type().to_string(),
                    content: file.into_bytes(),
                })
                .collect();
            store::outbox::add(&tx, &email, now).await?;
            ("inquiry.reply", serde_json::json!({"status": status.code(), "ask": ask, "files": attachments}), updated)
        }
        Command::Call { summary, answered } => {
            let summary = staff_text("summary", &summary)?;
            let event = if answered { Event::Answer } else { Event::Start };
            let status = inquiry::next(record.status, event)
                .or_else(|| inquiry::next(record.status, Event::AskerWrote))
                .ok_or_else(refused)?;
            let message = NewMessage {
                kind: MessageKind::Call,
                author_user_id: actor.user_id(),
                body: &summary,
                email_message_id: None,
            };
            store::inquiries::add_message(&tx, id, &message, now).await?;
            let updated = store::inquiries::set_status(&tx, id, status, now).await?;
            ("inquiry.call", serde_json::json!({"status": status.code()}), updated)
        }
        Command::Note { body } => {
            let body = staff_text("body", &body)?;
            let message = NewMessage {
                kind: MessageKind::Note,
                author_user_id: actor.user_id(),
                body: &body,
                email_message_id: None,
            };
            store::inquiries::add_message(&tx, id, &message, now).await?;
            ("inquiry.note", serde_json::json!({}), record.clone())
        }
        Command::Start | Command::Close | Command::Reopen => {
            let (event, action) = match command {
                Command::Start => (Event::Start, "inquiry.start"),
                Command::Close => (Event::Close, "inquiry.close"),
                _ => (Event::AskerWrote, "inquiry.reopen"),
            };
            let status = inquiry::next(record.status, event).ok_or_else(refused)?;
            let updated = store::inquiries::set_status(&tx, id, status, now).await?;
            (action, serde_json::json!({"from": record.status.code(), "to": status.code()}), updated)
        }
        Command::Assign(user) => {
            if let Some(user) = user {
                let found = store::accounts::get_user(&services.db, user)
                    .await
                    .map_err(|_| AppError::Invalid(Invalid::UnknownAssignee))?;
                if !found.role.may(Action::AnswerInquiries) || !found.is_active {
                    return Err(AppError::Invalid(Invalid::UnknownAssignee));
                }
            }
            store::inquiries::assign(&tx, id, user, now).await?;
            ("inquiry.assign", serde_json::json!({"assignee": user}), store::inquiries::get(&services.db, id).await?)
        }
        Command::Recategorise(category) => {
            store::inquiries::set_category(&tx, id, category, now).await?;
            (
                "inquiry.category",
                serde_json::json!({"from": record.category.code(), "to": category.code()}),
                record.clone(),
            )
        }
        Command::Link(reference) => {
            let reference = reference.as_deref().map(str::trim).filter(|r| !r.is_empty());
            if reference.is_some_and(|r| r.chars().count() > 40 || r.chars().any(char::is_control)) {
                return Err(AppError::Invalid(Invalid::Field {
                    field: "reference",
                    ja: "申込番号の形式が正しくありません".into(),
                    en: "That is not an application reference".into(),
                }));
            }
            let application = match reference {
                Some(reference) => Some(
                    store::applications::find_by_reference(&services.db, reference)
                        .await?
                        .ok_or(AppError::Invalid(Invalid::Field {
                            field: "reference",
                            ja: format!("申込番号 {reference} の申込みはありません"),
                            en: format!("No application has the reference {reference}"),
                        }))?
                        .id,
                ),
                None => None,
            };
            store::inquiries::link_application(&tx, id, application, now).await?;
            ("inquiry.link", serde_json::json!({"application": application}), record.clone())
        }
    };
    actor.record(&tx, action, ("inquiry", id), detail, now).await?;
    tx.commit().await?;
    if updated.updated_at == record.updated_at {
        return store::inquiries::get(&services.db, id).await.map_err(Into::into);
    }
    Ok(updated)
}

#[derive(Template)]
#[template(path = "mail/inquiry_reply.txt")]
struct ReplyMail<'a> {
    en: bool,
    name: &'a str,
    body: &'a str,
    reference: &'a str,
    signature: String,
}

/// The reply as an e-mail: the reference in the subject, so the asker's answer threads back.
fn reply_email(
    secretariat: &domain::secretariat::Secretariat,
    language: Language,
    record: &InquiryRecord,
    to: &str,
    body: &str,
) -> OutgoingEmail {
    let en = language.is_en();
    let text = ReplyMail {
        en,
        name: &record.name,
        body,
        reference: &record.reference,
        signature: secretariat.signature(language),
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    let subject = if en {
        format!("[{}] Re: {} ({})", secretariat.name(Language::En), record.subject, record.reference)
    } else {
        format!("【運営事務局】Re: {}（{}）", record.subject, record.reference)
    };
    OutgoingEmail { to: to.to_string(), subject, body: text, attachments: Vec::new() }
}

/// A telephone inquiry as staff log it.
#[derive(Debug, Clone, Default)]
pub struct CallInput {
    pub name: String,
    pub company_name: String,
    pub phone: String,
    pub email: String,
    pub category: String,
    pub subject: String,
    pub summary: String,
    pub answered: bool,
}

/// Logs a telephone inquiry as a new inquiry (channel: phone).
pub async fn log_call(
    services: &Services,
    actor: &Actor,
    input: &CallInput,
    now: DateTime<Utc>,
) -> Result<InquiryRecord> {
    actor.require(Action::AnswerInquiries)?;
    let field = |field: &'static str, ja: &str, en: &str| {
        AppError::Invalid(Invalid::Field { field, ja: ja.into(), en: en.into() })
    };
    let name = domain::text::required(&input.name, domain::application::PERSON_MAX).map_err(|_| {
        field("name", "お名前を入力してください（50文字以内）", "Enter the caller's name (at most 50 characters)")
    })?;
    let company = domain::text::optional(&input.company_name, domain::application::NAME_MAX).map_err(|_| {
        field("company_name", "会社名は100文字以内で入力してください", "A company name has at most 100 characters")
    })?;
    let phone = match input.phone.trim() {
        "" => None,
        raw => Some(
            domain::text::PhoneNumber::parse(raw)
                .map_err(|_| field("phone", "電話番号の形式が正しくありません", "Enter a valid telephone number"))?,
        ),
    };
    let email =
        match input.email.trim() {
            "" => None,
            raw => Some(domain::text::EmailAddress::parse(raw).map_err(|_| {
                field("email", "メールアドレスの形式が正しくありません", "Enter a valid e-mail address")
            })?),
        };
    let category = Category::from_code(&input.category)
        .ok_or_else(|| field("category", "種別を選択してください", "Choose a category"))?;
    let subject = domain::text::required(&input.subject, inquiry::SUBJECT_MAX).map_err(|_| {
        field("subject", "件名を入力してください（200文字以内）", "Enter a subject (at most 200 characters)")
    })?;
    let summary = staff_text("summary", &input.summary)?;
    let application = match &email {
        Some(email) => store::applications::newest_by_contact_email(&services.db, email.as_str()).await?,
        None => None,
    };
    let programme = store::programmes::current(&services.db).await?;
    let phone_text = phone.as_ref().map(|p| p.as_str().to_string());
    let new = NewInquiry {
        programme_id: programme.as_ref().map(|p| p.id),
        fiscal_year: inquiry::fiscal_year_of(now),
        channel: Channel::Phone,
        category,
        name: &name,
        company_name: company.as_deref(),
        email: email.as_ref().map(|e| e.as_str()),
        phone: phone_text.as_deref(),
        subject: &subject,
        language: "ja",
        privacy_version: None,
        application_id: application,
        source_ip: None,
    };
    let message =
        NewMessage { kind: MessageKind::Call, author_user_id: actor.user_id(), body: &summary, email_message_id: None };
    let (tx, record, _) = file(services, actor, &new, &message, now).await?.ok_or(AppError::NotFound)?;
    let status = if input.answered { Status::Answered } else { Status::InProgress };
    let record = store::inquiries::set_status(&tx, record.id, status, now).await?;
    tx.commit().await?;
    Ok(record)
}

/// An e-mail read from the secretariat's mailbox, already parsed.
#[derive(Debug, Clone, Default)]
pub struct IncomingEmail {
    /// `Message-ID` without angle brackets (the duplicate check); made up from the mailbox's
    /// UID when the e-mail has none.
    pub message_id: String,
    /// `In-Reply-To` and `References`, without angle brackets.
    pub references: Vec<String>,
    pub from_address: String,
    pub from_name: Option<String>,
    pub subject: String,
    /// The text, quoted history of replies cut off where recognisable.
    pub text: String,
    /// Its attached files as sent (checked when filed: PDF, JPEG and PNG up to 10 MB are kept).
    pub attachments: Vec<IncomingFile>,
}

/// A file attached to an e-mail, as sent.
#[derive(Debug, Clone, Default)]
pub struct IncomingFile {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The files of an e-mail that are kept, and a line for the thread naming those that are not
/// (they stay in the mailbox, where staff can open them).
fn incoming_files(files: &[IncomingFile]) -> (Vec<Upload>, Option<String>) {
    let mut kept = Vec::new();
    let mut left = Vec::new();
    for file in files {
        let name = domain::upload::clean_filename(&file.filename);
        match Upload::checked(&name, file.bytes.clone()) {
            Ok(upload) if kept.len() < MAX_EMAIL_FILES => kept.push(upload),
            Ok(_) => left.push(format!("{name}（{MAX_EMAIL_FILES}件を超えた分）")),
            Err(problem) => left.push(format!(
                "{name}（{}）",
                match problem {
                    domain::upload::UploadProblem::Empty => "空のファイル",
                    domain::upload::UploadProblem::TooLarge => "10MB超",
                    domain::upload::UploadProblem::Kind => "PDF・JPEG・PNG以外の形式",
                }
            )),
        }
    }
    let note = (!left.is_empty()).then(|| {
        format!("［Kojo］保存しなかった添付ファイル：{}。元のメールはメールボックスにあります。", left.join("、"))
    });
    (kept, note)
}

/// What became of an e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// A new inquiry.
    New(Uuid),
    /// Added to the thread of an inquiry (which opened again if it was answered or closed).
    Threaded(Uuid),
    /// Already stored (fetched again).
    Duplicate,
}

/// Files an e-mail: into the thread it answers (`In-Reply-To`/`References`, else a reference
/// `Q-R8-000123` in the subject whose inquiry has the same sender), else as a new inquiry.
pub async fn receive_email(services: &Services, email: &IncomingEmail, now: DateTime<Utc>) -> Result<Received> {
    if store::inquiries::has_email(&services.db, &email.message_id).await? {
        return Ok(Received::Duplicate);
    }
    let actor = Actor::system("mailbox");
    let mut thread = store::inquiries::by_email_message_ids(&services.db, &email.references).await?;
    if thread.is_none()
        && let Some(reference) = inquiry::find_reference(&email.subject)
    {
        thread = store::inquiries::by_reference(&services.db, &reference).await?.filter(|found| {
            found.email.as_deref().is_some_and(|known| known.eq_ignore_ascii_case(&email.from_address))
        });
    }
    // An e-mail is not typed into a form: control characters (a NUL, say) become spaces.
    let body: String = email
        .text
        .replace("\r\n", "\n")
        .chars()
        .map(|c| if c.is_control() && c != '\n' && c != '\t' { ' ' } else { c })
        .take(inquiry::MESSAGE_MAX * 4)
        .collect();
    let (files, left) = incoming_files(&email.attachments);
    let body = match (body.trim().is_empty(), left) {
        (true, None) => "（本文なし）".to_string(),
        (true, Some(left)) => left,
        (false, None) => body,
        (false, Some(left)) => format!("{}\n\n{left}", body.trim_end()),
    };
    let message = NewMessage {
        kind: MessageKind::Incoming,
        author_user_id: None,
        body: &body,
        email_message_id: Some(&email.message_id),
    };
    if let Some(found) = thread {
        let tx = services.db.begin().await?;
        let found = store::inquiries::lock(&tx, found.id).await?;
        let Some(stored) = store::inquiries::add_message(&tx, found.id, &message, now).await? else {
            return Ok(Received::Duplicate);
        };
        let kept = keep_files(&tx, found.id, stored.id, &files, now).await?;
        let status = inquiry::next(found.status, Event::AskerWrote).unwrap_or(found.status);
        store::inquiries::set_status(&tx, found.id, status, now).await?;
        actor
            .record(
                &tx,
                "inquiry.email",
                ("inquiry", found.id),
                serde_json::json!({"threaded": true, "files": kept}),
                now,
            )
            .await?;
        tx.commit().await?;
        return Ok(Received::Threaded(found.id));
    }
    let subject: String = domain::text::normalize(&email.subject)
        .chars()
        .filter(|c| !c.is_control())
        .take(inquiry::SUBJECT_MAX)
        .collect();
    let subject = if subject.is_empty() { "（件名なし）".to_string() } else { subject };
    let name: String = email
        .from_name
        .as_deref()
        .map(domain::text::normalize)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.from_address.clone())
        .chars()
        .take(domain::application::PERSON_MAX)
        .collect();
    let address = domain::text::EmailAddress::parse(&email.from_address).ok();
    let application = match &address {
        Some(address) => store::applications::newest_by_contact_email(&services.db, address.as_str()).await?,
        None => None,
    };
    let programme = store::programmes::current(&services.db).await?;
    let new = NewInquiry {
        programme_id: programme.as_ref().map(|p| p.id),
        fiscal_year: inquiry::fiscal_year_of(now),
        channel: Channel::Email,
        category: Category::Other,
        name: &name,
        company_name: None,
        email: address.as_ref().map(|a| a.as_str()),
        phone: None,
        subject: &subject,
        language: "ja",
        privacy_version: None,
        application_id: application,
        source_ip: None,
    };
    match file(services, &actor, &new, &message, now).await? {
        Some((tx, record, first)) => {
            let kept = keep_files(&tx, record.id, first.id, &files, now).await?;
            if !kept.is_empty() {
                actor
                    .record(&tx, "inquiry.email_files", ("inquiry", record.id), serde_json::json!({"files": kept}), now)
                    .await?;
            }
            tx.commit().await?;
            Ok(Received::New(record.id))
        }
        None => Ok(Received::Duplicate),
    }
}

/// Keeps `files` with message `message_id`; their audit detail.
async fn keep_files(
    tx: &store::Tx,
    inquiry_id: Uuid,
    message_id: Uuid,
    files: &[Upload],
    now: DateTime<Utc>,
) -> Result<Vec<serde_json::Value>> {
    let mut kept = Vec::new();
    for file in files {
        let stored = store::inquiries::add_attachment(tx, inquiry_id, message_id, file, now).await?;
        kept.push(serde_json::json!({"file": stored.id, "filename": stored.filename, "size": stored.size,
            "sha256": stored.sha256}));
    }
    Ok(kept)
}

/// The FAQ entry text as staff edit it.
#[derive(Debug, Clone, Default)]
pub struct FaqInput {
    pub category: String,
    pub question_ja: String,
    pub answer_ja: String,
    pub question_en: String,
    pub answer_en: String,
}

pub const FAQ_QUESTION_MAX: usize = 300;
pub const FAQ_ANSWER_MAX: usize = 8000;

/// A draft FAQ entry from answered inquiry `id`: its subject as the question, its last reply as
/// the answer, both with the personal details taken out (`domain::inquiry::faq_draft`). Not
/// saved: staff edit it first.
pub async fn draft_faq(services: &Services, actor: &Actor, id: Uuid) -> Result<FaqInput> {
    actor.require(Action::AnswerInquiries)?;
    let record = store::inquiries::get(&services.db, id).await?;
    let thread = store::inquiries::messages(&services.db, id).await?;
    let mut names: Vec<&str> = vec![record.name.as_str()];
    if let Some(company) = &record.company_name {
        names.push(company);
    }
    let question = thread.iter().find(|m| m.kind == MessageKind::Incoming).map(|m| m.body.as_str()).unwrap_or("");
    let answer = thread.iter().rev().find(|m| m.kind == MessageKind::Reply).map(|m| m.body.as_str()).unwrap_or("");
    let question = format!("{}\n\n{}", record.subject, question);
    Ok(FaqInput {
        category: record.category.code().into(),
        question_ja: inquiry::faq_draft(&question, &names).chars().take(FAQ_QUESTION_MAX).collect(),
        answer_ja: inquiry::faq_draft(answer, &names),
        question_en: String::new(),
        answer_en: String::new(),
    })
}

/// Saves an FAQ entry (a new one when `id` is `None`) as its next version.
pub async fn save_faq(
    services: &Services,
    actor: &Actor,
    id: Option<Uuid>,
    input: &FaqInput,
    source_inquiry: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<FaqRecord> {
    actor.require(Action::AnswerInquiries)?;
    let invalid = |field: &'static str, ja: String, en: String| AppError::Invalid(Invalid::Field { field, ja, en });
    let category = Category::from_code(&input.category)
        .ok_or_else(|| invalid("category", "種別を選択してください".into(), "Choose a category".into()))?;
    let question_ja = inquiry::message_text(&input.question_ja, FAQ_QUESTION_MAX).map_err(|e| {
        invalid("question_ja", format!("質問：{}", e.message_ja()), format!("Question: {}", e.message_en()))
    })?;
    let answer_ja = inquiry::message_text(&input.answer_ja, FAQ_ANSWER_MAX).map_err(|e| {
        invalid("answer_ja", format!("回答：{}", e.message_ja()), format!("Answer: {}", e.message_en()))
    })?;
    let optional = |raw: &str, max: usize, field: &'static str| match inquiry::message_text(raw, max) {
        Ok(text) => Ok(Some(text)),
        Err(domain::text::FieldError::Required) => Ok(None),
        Err(e) => Err(invalid(field, format!("英語：{}", e.message_ja()), format!("English: {}", e.message_en()))),
    };
    let question_en = optional(&input.question_en, FAQ_QUESTION_MAX, "question_en")?;
    let answer_en = optional(&input.answer_en, FAQ_ANSWER_MAX, "answer_en")?;
    let search = inquiry::search_text(&[
        &question_ja,
        &answer_ja,
        question_en.as_deref().unwrap_or(""),
        answer_en.as_deref().unwrap_or(""),
    ]);
    let text = FaqText {
        category,
        question_ja: &question_ja,
        answer_ja: &answer_ja,
        question_en: question_en.as_deref(),
        answer_en: answer_en.as_deref(),
        search_text: &search,
    };
    let tx = services.db.begin().await?;
    let saved = store::inquiries::save_faq(&tx, id, &text, source_inquiry, actor.user_id(), now).await?;
    actor
        .record(
            &tx,
            "faq.save",
            ("faq", saved.id),
            serde_json::json!({"version": saved.version, "source_inquiry": source_inquiry}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Publishes or unpublishes FAQ entry `id`.
pub async fn publish_faq(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    published: bool,
    now: DateTime<Utc>,
) -> Result<FaqRecord> {
    actor.require(Action::AnswerInquiries)?;
    let tx = services.db.begin().await?;
    let saved = store::inquiries::set_faq_published(&tx, id, published, now).await?;
    actor
        .record(
            &tx,
            if published { "faq.publish" } else { "faq.unpublish" },
            ("faq", id),
            serde_json::json!({"version": saved.version}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(saved)
}

/// The published FAQ entries that match `query` (every word), in their order; anyone may read.
pub async fn public_faq(services: &Services, category: Option<Category>, query: &str) -> Result<Vec<FaqRecord>> {
    Ok(store::inquiries::faq_entries(&services.db, false, category, &inquiry::search_terms(query)).await?)
}

/// One published FAQ entry (its stable page).
pub async fn public_faq_entry(services: &Services, id: Uuid) -> Result<FaqRecord> {
    let entry = store::inquiries::faq(&services.db, id).await?;
    if !entry.published {
        return Err(AppError::NotFound);
    }
    Ok(entry)
}

/// Every FAQ entry, drafts included, for staff.
pub async fn faq_for_staff(services: &Services, actor: &Actor, query: &str) -> Result<Vec<FaqRecord>> {
    actor.require(Action::AnswerInquiries)?;
    Ok(store::inquiries::faq_entries(&services.db, true, None, &inquiry::search_terms(query)).await?)
}

/// The month's inquiry figures (received in it, as they stand now): counts by channel and
/// category, business minutes to the first answer, answered within the target. Nobody named:
/// Tokyo officials read these too.
pub async fn month_figures(
    services: &Services,
    actor: &Actor,
    month: crate::reports::Month,
    now: DateTime<Utc>,
) -> Result<inquiry::MonthFigures> {
    actor.require(Action::ReadInquiryFigures)?;
    let midnight = |day: chrono::NaiveDate| {
        use chrono::TimeZone;
        chrono_tz::Asia::Tokyo
            .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .single()
            .expect("Asia/Tokyo has no DST")
            .with_timezone(&Utc)
    };
    let (from, to) = (midnight(month.first_day()), midnight(month.last_day() + chrono::Duration::days(1)));
    let records = store::inquiries::received_between(&services.db, from, to).await?;
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    let pauses = store::inquiries::pauses_of(&services.db, &ids).await?;
    let targets = targets_of(services, &records).await?;
    let inputs: Vec<inquiry::FigureInput> = records
        .iter()
        .map(|r| inquiry::FigureInput {
            channel: r.channel,
            category: r.category,
            received_at: r.received_at,
            first_answered_at: r.first_answered_at,
            due: inquiry::due_with_pauses(
                &services.calendar,
                r.received_at,
                targets.get(&r.programme_id).copied().unwrap_or(DEFAULT_TARGET),
                pauses.get(&r.id).map_or(&[][..], Vec::as_slice),
            ),
        })
        .collect();
    Ok(inquiry::month_figures(&services.calendar, &inputs, now))
}

/// One of the company's own inquiries as its portal shows it.
#[derive(Debug, Clone)]
pub struct OwnInquiry {
    pub inquiry: InquiryRecord,
    /// The thread without internal notes.
    pub thread: Vec<MessageRecord>,
    /// The files of those messages.
    pub files: Vec<AttachmentRecord>,
}

/// The company's own inquiries: those staff confirmed as linked to its case (an automatic link
/// by the sender's address is no proof of who wrote).
fn own_filter(case: Uuid) -> store::inquiries::Filter {
    store::inquiries::Filter { application: Some(case), confirmed_links_only: true, all: true, ..Default::default() }
}

/// The company's own inquiries with their threads, internal notes left out; nobody else's.
pub async fn own(services: &Services, actor: &Actor) -> Result<Vec<OwnInquiry>> {
    let case = actor.own_case()?;
    let mut out = Vec::new();
    for record in store::inquiries::list(&services.db, &own_filter(case), 200).await? {
        let thread: Vec<MessageRecord> = store::inquiries::messages(&services.db, record.id)
            .await?
            .into_iter()
            .filter(|m| m.kind != MessageKind::Note)
            .collect();
        let files = store::inquiries::attachments(&services.db, record.id)
            .await?
            .into_iter()
            .filter(|f| thread.iter().any(|m| m.id == f.message_id))
            .collect();
        out.push(OwnInquiry { inquiry: record, thread, files });
    }
    Ok(out)
}

/// File `file` of inquiry `id`: for staff who answer inquiries, or for the company whose own
/// (confirmed) inquiry it is, on a message it sees. The read is audited.
pub async fn attachment(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    file: Uuid,
    now: DateTime<Utc>,
) -> Result<(AttachmentRecord, Vec<u8>)> {
    let (record, bytes) = store::inquiries::attachment(&services.db, file).await?;
    if record.inquiry_id != id {
        return Err(AppError::NotFound);
    }
    if actor.role() == Some(domain::access::Role::Company) {
        let case = actor.own_case()?;
        let inquiry = store::inquiries::get(&services.db, id).await?;
        let message = store::inquiries::messages(&services.db, id)
            .await?
            .into_iter()
            .find(|m| m.id == record.message_id)
            .ok_or(AppError::NotFound)?;
        if inquiry.application_id != Some(case) || !inquiry.link_confirmed || message.kind == MessageKind::Note {
            return Err(AppError::NotFound);
        }
    } else {
        actor.require(Action::AnswerInquiries)?;
    }
    let tx = services.db.begin().await?;
    actor
        .record(
            &tx,
            "inquiry.file_read",
            ("inquiry", id),
            serde_json::json!({"file": file, "sha256": record.sha256}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok((record, bytes))
}

/// The longest answer template title.
pub const TEMPLATE_TITLE_MAX: usize = 100;

/// Every answer template, for staff.
pub async fn answer_templates(services: &Services, actor: &Actor) -> Result<Vec<store::inquiries::AnswerTemplate>> {
    actor.require(Action::AnswerInquiries)?;
    Ok(store::inquiries::answer_templates(&services.db).await?)
}

/// Saves an answer template (a new one when `id` is `None`), or deletes it (`delete`).
pub async fn save_answer_template(
    services: &Services,
    actor: &Actor,
    id: Option<Uuid>,
    title: &str,
    body: &str,
    delete: bool,
    now: DateTime<Utc>,
) -> Result<Option<store::inquiries::AnswerTemplate>> {
    actor.require(Action::AnswerInquiries)?;
    let tx = services.db.begin().await?;
    if delete {
        let id = id.ok_or(AppError::NotFound)?;
        store::inquiries::delete_answer_template(&tx, id).await?;
        actor.record(&tx, "inquiry.template.delete", ("answer_template", id), serde_json::json!({}), now).await?;
        tx.commit().await?;
        return Ok(None);
    }
    let title = domain::text::required(title, TEMPLATE_TITLE_MAX).map_err(|e| {
        AppError::Invalid(Invalid::Field {
            field: "title",
            ja: format!("名前：{}", e.message_ja()),
            en: format!("Name: {}", e.message_en()),
        })
    })?;
    let body = staff_text("body", body)?;
    let saved = store::inquiries::save_answer_template(&tx, id, &title, &body, actor.user_id(), now).await?;
    actor.record(&tx, "inquiry.template.save", ("answer_template", saved.id), serde_json::json!({}), now).await?;
    tx.commit().await?;
    Ok(Some(saved))
}

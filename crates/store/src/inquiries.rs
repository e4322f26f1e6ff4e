//! Inquiries to the secretariat (問い合わせ) with their threads, the spans their response clock
//! stood still, and the FAQ entries written from the answers.
//!
//! Invariants: a reference (`Q-R8-000123`) is unique and numbered per fiscal year without gaps
//! taken twice (the year's next number is read in the write transaction; two PostgreSQL writers
//! racing end with one refused by the unique index and retried by the caller); an e-mail read
//! from the mailbox is one message however often it is fetched (its `Message-ID` is unique); a
//! pause opens when an inquiry starts waiting for the asker and closes when it stops.
//!
//! Must not: decide which status follows which (`domain::inquiry::next` does), or send e-mail.

use chrono::{DateTime, Utc};
use domain::inquiry::{Category, Channel, Pause, Status};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use uuid::Uuid;

use crate::{Db, Result, StoreError, Tx};

pub(crate) mod inquiry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "inquiries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub programme_id: Option<Uuid>,
        pub reference: String,
        pub fiscal_year: i32,
        pub number: i32,
        pub channel: String,
        pub category: String,
        pub status: String,
        pub name: String,
        pub company_name: Option<String>,
        pub email: Option<String>,
        pub phone: Option<String>,
        pub subject: String,
        pub language: String,
        pub privacy_version: Option<String>,
        pub application_id: Option<Uuid>,
        pub link_confirmed: bool,
        pub assignee_user_id: Option<Uuid>,
        pub received_at: DateTimeUtc,
        pub first_answered_at: Option<DateTimeUtc>,
        pub waiting_since: Option<DateTimeUtc>,
        pub source_ip: Option<String>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "inquiry_messages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub inquiry_id: Uuid,
        pub kind: String,
        pub author_user_id: Option<Uuid>,
        pub body: String,
        pub email_message_id: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod pause {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "inquiry_pauses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub inquiry_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub paused_at: DateTimeUtc,
        pub resumed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod faq {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "faq_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub category: String,
        pub question_ja: String,
        pub answer_ja: String,
        pub question_en: Option<String>,
        pub answer_en: Option<String>,
        pub position: i32,
        pub published: bool,
        pub version: i32,
        pub search_text: String,
        pub source_inquiry_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod faq_version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "faq_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub faq_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub question_ja: String,
        pub answer_ja: String,
        pub question_en: Option<String>,
        pub answer_en: Option<String>,
        pub saved_by: Option<Uuid>,
        pub saved_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One inquiry as the inbox and its page show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InquiryRecord {
    pub id: Uuid,
    pub programme_id: Option<Uuid>,
    pub reference: String,
    #[serde(serialize_with = "code")]
    pub channel: Channel,
    #[serde(serialize_with = "code")]
    pub category: Category,
    #[serde(serialize_with = "code")]
    pub status: Status,
    pub name: String,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub subject: String,
    pub language: String,
    pub privacy_version: Option<String>,
    pub application_id: Option<Uuid>,
    /// Whether staff confirmed the link (an automatic one, by the sender's address, is not: the
    /// address is not proof of who wrote, so the company's portal shows confirmed links only).
    pub link_confirmed: bool,
    pub assignee_user_id: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    pub first_answered_at: Option<DateTime<Utc>>,
    pub waiting_since: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

fn code<S: serde::Serializer, T: Coded>(value: &T, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.as_code())
}

trait Coded {
    fn as_code(&self) -> String;
}

impl Coded for Channel {
    fn as_code(&self) -> String {
        self.code().into()
    }
}

impl Coded for Category {
    fn as_code(&self) -> String {
        self.code().into()
    }
}

impl Coded for Status {
    fn as_code(&self) -> String {
        self.code().into()
    }
}

impl TryFrom<inquiry::Model> for InquiryRecord {
    type Error = StoreError;

    fn try_from(m: inquiry::Model) -> Result<InquiryRecord> {
        let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("inquiry {}: {what} {value:?}", m.id));
        Ok(InquiryRecord {
            channel: Channel::from_code(&m.channel).ok_or_else(|| corrupt("channel", &m.channel))?,
            category: Category::from_code(&m.category).ok_or_else(|| corrupt("category", &m.category))?,
            status: Status::from_code(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
            id: m.id,
            programme_id: m.programme_id,
            reference: m.reference,
            name: m.name,
            company_name: m.company_name,
            email: m.email,
            phone: m.phone,
            subject: m.subject,
            language: m.language,
            privacy_version: m.privacy_version,
            application_id: m.application_id,
            link_confirmed: m.link_confirmed,
            assignee_user_id: m.assignee_user_id,
            received_at: m.received_at,
            first_answered_at: m.first_answered_at,
            waiting_since: m.waiting_since,
            updated_at: m.updated_at,
        })
    }
}

/// What a message in a thread is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// From the asker (the form, an e-mail).
    Incoming,
    /// The secretariat's reply, sent by e-mail.
    Reply,
    /// A telephone call, as staff summarised it.
    Call,
    /// An internal note (never sent).
    Note,
}

impl MessageKind {
    pub fn code(self) -> &'static str {
        match self {
            MessageKind::Incoming => "in",
            MessageKind::Reply => "reply",
            MessageKind::Call => "call",
            MessageKind::Note => "note",
        }
    }

    pub fn from_code(code: &str) -> Option<MessageKind> {
        [MessageKind::Incoming, MessageKind::Reply, MessageKind::Call, MessageKind::Note]
            .into_iter()
            .find(|kind| kind.code() == code)
    }
}

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRecord {
    pub id: Uuid,
    pub inquiry_id: Uuid,
    pub kind: MessageKind,
    pub author_user_id: Option<Uuid>,
    pub body: String,
    pub email_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn message_record(m: message::Model) -> Result<MessageRecord> {
    Ok(MessageRecord {
        kind: MessageKind::from_code(&m.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("inquiry message {}: kind {:?}", m.id, m.kind)))?,
        id: m.id,
        inquiry_id: m.inquiry_id,
        author_user_id: m.author_user_id,
        body: m.body,
        email_message_id: m.email_message_id,
        created_at: m.created_at,
    })
}

/// A new inquiry, already checked (`domain::inquiry::ValidInquiry` or a staff entry).
#[derive(Debug, Clone)]
pub struct NewInquiry<'a> {
    pub programme_id: Option<Uuid>,
    pub fiscal_year: i32,
    pub channel: Channel,
    pub category: Category,
    pub name: &'a str,
    pub company_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub subject: &'a str,
    pub language: &'a str,
    pub privacy_version: Option<&'a str>,
    pub application_id: Option<Uuid>,
    pub source_ip: Option<String>,
}

/// Files a new inquiry under the fiscal year's next number. `StoreError::ReferenceTaken` when a
/// concurrent writer took the number (retry).
pub async fn create(tx: &Tx, new: &NewInquiry<'_>, now: DateTime<Utc>) -> Result<InquiryRecord> {
    let last: Option<i32> = inquiry::Entity::find()
        .select_only()
        .column_as(inquiry::Column::Number.max(), "last")
        .filter(inquiry::Column::FiscalYear.eq(new.fiscal_year))
        .into_tuple::<Option<i32>>()
        .one(tx.conn())
        .await?
        .flatten();
    let number = last.unwrap_or(0) + 1;
    let row = inquiry::ActiveModel {
        id: Set(Uuid::new_v4()),
        programme_id: Set(new.programme_id),
        reference: Set(domain::inquiry::reference(new.fiscal_year, number as u32)),
        fiscal_year: Set(new.fiscal_year),
        number: Set(number),
        channel: Set(new.channel.code().into()),
        category: Set(new.category.code().into()),
        status: Set(Status::New.code().into()),
        name: Set(new.name.into()),
        company_name: Set(new.company_name.map(Into::into)),
        email: Set(new.email.map(Into::into)),
        phone: Set(new.phone.map(Into::into)),
        subject: Set(new.subject.into()),
        language: Set(new.language.into()),
        privacy_version: Set(new.privacy_version.map(Into::into)),
        application_id: Set(new.application_id),
        link_confirmed: Set(false),
        assignee_user_id: Set(None),
        received_at: Set(now),
        first_answered_at: Set(None),
        waiting_since: Set(None),
        source_ip: Set(new.source_ip.clone()),
        updated_at: Set(now),
    };
    match row.insert(tx.conn()).await {
        Ok(model) => model.try_into(),
        Err(error)
            if crate::is_unique_violation(&error, "ux_inquiries_year_number", "inquiries.fiscal_year")
                || crate::is_unique_violation(&error, "ux_inquiries_reference", "inquiries.reference") =>
        {
            Err(StoreError::ReferenceTaken)
        }
        Err(error) => Err(error.into()),
    }
}

/// A message added to a thread.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub kind: MessageKind,
    pub author_user_id: Option<Uuid>,
    pub body: &'a str,
    /// The e-mail's `Message-ID` (read from the mailbox), unique.
    pub email_message_id: Option<&'a str>,
}

/// Adds `message` to the thread of `inquiry_id`; `None` when an e-mail with its `Message-ID`
/// is already stored (fetched again).
pub async fn add_message(
    tx: &Tx,
    inquiry_id: Uuid,
    message: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<Option<MessageRecord>> {
    if let Some(id) = message.email_message_id
        && message::Entity::find().filter(message::Column::EmailMessageId.eq(id)).one(tx.conn()).await?.is_some()
    {
        return Ok(None);
    }
    let row = message::ActiveModel {
        id: Set(Uuid::new_v4()),
        inquiry_id: Set(inquiry_id),
        kind: Set(message.kind.code().into()),
        author_user_id: Set(message.author_user_id),
        body: Set(message.body.into()),
        email_message_id: Set(message.email_message_id.map(Into::into)),
        created_at: Set(now),
    };
    match row.insert(tx.conn()).await {
        Ok(model) => message_record(model).map(Some),
        Err(error) if crate::is_unique_violation(&error, "ux_inquiry_messages_email_id", "email_message_id") => {
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

/// Whether an e-mail with `message_id` is already stored.
pub async fn has_email(db: &Db, message_id: &str) -> Result<bool> {
    Ok(message::Entity::find().filter(message::Column::EmailMessageId.eq(message_id)).one(db.conn()).await?.is_some())
}

/// The inquiry whose thread holds one of `message_ids` (an e-mail's `In-Reply-To` and
/// `References`).
pub async fn by_email_message_ids(db: &Db, message_ids: &[String]) -> Result<Option<InquiryRecord>> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    let found = message::Entity::find()
        .filter(message::Column::EmailMessageId.is_in(message_ids.iter().cloned()))
        .order_by_desc(message::Column::CreatedAt)
        .one(db.conn())
        .await?;
    match found {
        Some(message) => get(db, message.inquiry_id).await.map(Some),
        None => Ok(None),
    }
}

/// Inquiry `id`, its row locked for the rest of `tx` (PostgreSQL `FOR UPDATE`; SQLite's write
/// transaction holds the database): a status decided from it cannot race another writer's.
pub async fn lock(tx: &Tx, id: Uuid) -> Result<InquiryRecord> {
    inquiry::Entity::find_by_id(id).lock_exclusive().one(tx.conn()).await?.ok_or(StoreError::NotFound)?.try_into()
}

pub async fn get(db: &Db, id: Uuid) -> Result<InquiryRecord> {
    get_in(db.conn(), id).await
}

async fn get_in(conn: &impl sea_orm::ConnectionTrait, id: Uuid) -> Result<InquiryRecord> {
    inquiry::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?.try_into()
}

pub async fn by_reference(db: &Db, reference: &str) -> Result<Option<InquiryRecord>> {
    inquiry::Entity::find()
        .filter(inquiry::Column::Reference.eq(reference))
        .one(db.conn())
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// The thread, oldest first.
pub async fn messages(db: &Db, id: Uuid) -> Result<Vec<MessageRecord>> {
    message::Entity::find()
        .filter(message::Column::InquiryId.eq(id))
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(message_record)
        .collect()
}

/// The spans the clock of `id` stood still.
pub async fn pauses(db: &Db, id: Uuid) -> Result<Vec<Pause>> {
    Ok(pause::Entity::find()
        .filter(pause::Column::InquiryId.eq(id))
        .order_by_asc(pause::Column::PausedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|p| Pause { from: p.paused_at, until: p.resumed_at })
        .collect())
}

/// The pauses of many inquiries at once (the inbox's clocks).
pub async fn pauses_of(db: &Db, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, Vec<Pause>>> {
    let mut out: std::collections::HashMap<Uuid, Vec<Pause>> = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for p in pause::Entity::find()
            .filter(pause::Column::InquiryId.is_in(chunk.iter().copied()))
            .order_by_asc(pause::Column::PausedAt)
            .all(db.conn())
            .await?
        {
            out.entry(p.inquiry_id).or_default().push(Pause { from: p.paused_at, until: p.resumed_at });
        }
    }
    Ok(out)
}

/// Sets the status of `id` (already decided by `domain::inquiry::next`), opening a pause when it
/// starts waiting for the asker, closing it when it stops, and noting the first answer.
pub async fn set_status(tx: &Tx, id: Uuid, status: Status, now: DateTime<Utc>) -> Result<InquiryRecord> {
    let current = get_in(tx.conn(), id).await?;
    let mut row: inquiry::ActiveModel = inquiry::ActiveModel { id: Set(id), ..Default::default() };
    let waiting = status == Status::WaitingForAsker;
    if waiting && current.waiting_since.is_none() {
        pause::ActiveModel { inquiry_id: Set(id), paused_at: Set(now), resumed_at: Set(None) }
            .insert(tx.conn())
            .await?;
        row.waiting_since = Set(Some(now));
    }
    if !waiting && let Some(since) = current.waiting_since {
        pause::Entity::update_many()
            .col_expr(pause::Column::ResumedAt, Expr::value(now))
            .filter(pause::Column::InquiryId.eq(id))
            .filter(pause::Column::PausedAt.eq(since))
            .exec(tx.conn())
            .await?;
        row.waiting_since = Set(None);
    }
    if matches!(status, Status::Answered | Status::WaitingForAsker) && current.first_answered_at.is_none() {
        // Asking the asker something is the first response too: the clock is met.
        row.first_answered_at = Set(Some(now));
    }
    row.status = Set(status.code().into());
    row.updated_at = Set(now);
    row.update(tx.conn()).await?.try_into()
}

/// Assigns `id` to `user` (or to nobody).
pub async fn assign(tx: &Tx, id: Uuid, user: Option<Uuid>, now: DateTime<Utc>) -> Result<()> {
    let row =
        inquiry::ActiveModel { id: Set(id), assignee_user_id: Set(user), updated_at: Set(now), ..Default::default() };
    row.update(tx.conn()).await?;
    Ok(())
}

/// Links `id` to an application (or unlinks it), as staff confirmed.
pub async fn link_application(tx: &Tx, id: Uuid, application: Option<Uuid>, now: DateTime<Utc>) -> Result<()> {
    let row = inquiry::ActiveModel {
        id: Set(id),
        application_id: Set(application),
        link_confirmed: Set(application.is_some()),
        updated_at: Set(now),
        ..Default::default()
    };
    row.update(tx.conn()).await?;
    Ok(())
}

/// Changes the category of `id`.
pub async fn set_category(tx: &Tx, id: Uuid, category: Category, now: DateTime<Utc>) -> Result<()> {
    let row = inquiry::ActiveModel {
        id: Set(id),
        category: Set(category.code().into()),
        updated_at: Set(now),
        ..Default::default()
    };
    row.update(tx.conn()).await?;
    Ok(())
}

/// Which inquiries the inbox lists.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `None`: every open one (not closed); `Some`: that status only.
    pub status: Option<Status>,
    pub all: bool,
    pub category: Option<Category>,
    pub channel: Option<Channel>,
    pub assignee: Option<Uuid>,
    pub application: Option<Uuid>,
    /// Only links staff confirmed (what a company's portal shows).
    pub confirmed_links_only: bool,
    /// Part of the reference, subject, name, company or e-mail.
    pub text: Option<String>,
}

/// The inquiries `filter` selects, newest first (at most `limit`).
pub async fn list(db: &Db, filter: &Filter, limit: u64) -> Result<Vec<InquiryRecord>> {
    let mut query = inquiry::Entity::find();
    match filter.status {
        Some(status) => query = query.filter(inquiry::Column::Status.eq(status.code())),
        None if !filter.all => query = query.filter(inquiry::Column::Status.ne(Status::Closed.code())),
        None => {}
    }
    if let Some(category) = filter.category {
        query = query.filter(inquiry::Column::Category.eq(category.code()));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(inquiry::Column::Channel.eq(channel.code()));
    }
    if let Some(user) = filter.assignee {
        query = query.filter(inquiry::Column::AssigneeUserId.eq(user));
    }
    if let Some(application) = filter.application {
        query = query.filter(inquiry::Column::ApplicationId.eq(application));
    }
    if filter.confirmed_links_only {
        query = query.filter(inquiry::Column::LinkConfirmed.eq(true));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = like_pattern(text);
        let mut any = Condition::any();
        for column in [
            inquiry::Column::Reference,
            inquiry::Column::Subject,
            inquiry::Column::Name,
            inquiry::Column::CompanyName,
            inquiry::Column::Email,
        ] {
            any = any.add(Expr::col(column).like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\')));
        }
        query = query.filter(any);
    }
    query
        .order_by_desc(inquiry::Column::ReceivedAt)
        .limit(limit)
        .all(db.conn())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Inquiries received in `[from, to)`, for the monthly figures.
pub async fn received_between(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<InquiryRecord>> {
    inquiry::Entity::find()
        .filter(inquiry::Column::ReceivedAt.gte(from))
        .filter(inquiry::Column::ReceivedAt.lt(to))
        .order_by_asc(inquiry::Column::ReceivedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// `%text%` for LIKE, with `%`, `_` and `\` escaped.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// An FAQ entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqRecord {
    pub id: Uuid,
    #[serde(serialize_with = "code")]
    pub category: Category,
    pub question_ja: String,
    pub answer_ja: String,
    pub question_en: Option<String>,
    pub answer_en: Option<String>,
    pub position: i32,
    pub published: bool,
    pub version: i32,
    pub source_inquiry_id: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<faq::Model> for FaqRecord {
    type Error = StoreError;

    fn try_from(m: faq::Model) -> Result<FaqRecord> {
        Ok(FaqRecord {
            category: Category::from_code(&m.category)
                .ok_or_else(|| StoreError::Corrupt(format!("faq {}: category {:?}", m.id, m.category)))?,
            id: m.id,
            question_ja: m.question_ja,
            answer_ja: m.answer_ja,
            question_en: m.question_en,
            answer_en: m.answer_en,
            position: m.position,
            published: m.published,
            version: m.version,
            source_inquiry_id: m.source_inquiry_id,
            updated_at: m.updated_at,
        })
    }
}

/// The text of an FAQ entry (a new one or a new version).
#[derive(Debug, Clone)]
pub struct FaqText<'a> {
    pub category: Category,
    pub question_ja: &'a str,
    pub answer_ja: &'a str,
    pub question_en: Option<&'a str>,
    pub answer_en: Option<&'a str>,
    /// What the search reads (`domain::inquiry::search_text` of the texts).
    pub search_text: &'a str,
}

/// Saves `text` as entry `id`'s next version (a new entry, unpublished, at the end of its
/// category, when `id` is `None`), keeping every version.
pub async fn save_faq(
    tx: &Tx,
    id: Option<Uuid>,
    text: &FaqText<'_>,
    source_inquiry: Option<Uuid>,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<FaqRecord> {
    let saved = match id {
        Some(id) => {
            let current = faq::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
            let row = faq::ActiveModel {
                id: Set(id),
                category: Set(text.category.code().into()),
                question_ja: Set(text.question_ja.into()),
                answer_ja: Set(text.answer_ja.into()),
                question_en: Set(text.question_en.map(Into::into)),
                answer_en: Set(text.answer_en.map(Into::into)),
                search_text: Set(text.search_text.into()),
                version: Set(current.version + 1),
                updated_at: Set(now),
                ..Default::default()
            };
            row.update(tx.conn()).await?
        }
        None => {
            let last: Option<i32> = faq::Entity::find()
                .select_only()
                .column_as(faq::Column::Position.max(), "last")
                .into_tuple::<Option<i32>>()
                .one(tx.conn())
                .await?
                .flatten();
            faq::ActiveModel {
                id: Set(Uuid::new_v4()),
                category: Set(text.category.code().into()),
                question_ja: Set(text.question_ja.into()),
                answer_ja: Set(text.answer_ja.into()),
                question_en: Set(text.question_en.map(Into::into)),
                answer_en: Set(text.answer_en.map(Into::into)),
                position: Set(last.unwrap_or(0) + 10),
                published: Set(false),
                version: Set(1),
                search_text: Set(text.search_text.into()),
                source_inquiry_id: Set(source_inquiry),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(tx.conn())
            .await?
        }
    };
    faq_version::ActiveModel {
        faq_id: Set(saved.id),
        version: Set(saved.version),
        question_ja: Set(saved.question_ja.clone()),
        answer_ja: Set(saved.answer_ja.clone()),
        question_en: Set(saved.question_en.clone()),
        answer_en: Set(saved.answer_en.clone()),
        saved_by: Set(by),
        saved_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    saved.try_into()
}

/// Publishes or unpublishes entry `id`.
pub async fn set_faq_published(tx: &Tx, id: Uuid, published: bool, now: DateTime<Utc>) -> Result<FaqRecord> {
    faq::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    let row = faq::ActiveModel { id: Set(id), published: Set(published), updated_at: Set(now), ..Default::default() };
    row.update(tx.conn()).await?.try_into()
}

/// Moves entry `id` to `position` (the list orders by it).
pub async fn set_faq_position(tx: &Tx, id: Uuid, position: i32, now: DateTime<Utc>) -> Result<()> {
    let row = faq::ActiveModel { id: Set(id), position: Set(position), updated_at: Set(now), ..Default::default() };
    row.update(tx.conn()).await?;
    Ok(())
}

pub async fn faq(db: &Db, id: Uuid) -> Result<FaqRecord> {
    faq::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?.try_into()
}

/// How many versions entry `id` has had, newest first: (version, saved at, saved by).
pub async fn faq_versions(db: &Db, id: Uuid) -> Result<Vec<(i32, DateTime<Utc>, Option<Uuid>)>> {
    Ok(faq_version::Entity::find()
        .filter(faq_version::Column::FaqId.eq(id))
        .order_by_desc(faq_version::Column::Version)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|v| (v.version, v.saved_at, v.saved_by))
        .collect())
}

/// FAQ entries in their order; only published ones unless `drafts`; those whose search text
/// holds every one of `terms` (already normalised by `domain::inquiry::search_terms`).
pub async fn faq_entries(
    db: &Db,
    drafts: bool,
    category: Option<Category>,
    terms: &[String],
) -> Result<Vec<FaqRecord>> {
    let mut query = faq::Entity::find();
    if !drafts {
        query = query.filter(faq::Column::Published.eq(true));
    }
    if let Some(category) = category {
        query = query.filter(faq::Column::Category.eq(category.code()));
    }
    for term in terms {
        query = query.filter(
            Expr::col(faq::Column::SearchText).like(sea_orm::sea_query::LikeExpr::new(like_pattern(term)).escape('\\')),
        );
    }
    query
        .order_by_asc(faq::Column::Position)
        .order_by_asc(faq::Column::CreatedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("日程"), "%日程%");
        assert_eq!(super::like_pattern("100%_\\"), "%100\\%\\_\\\\%");
    }
}

pub(crate) mod answer_template {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "answer_templates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub title: String,
        pub body: String,
        pub updated_by: Option<Uuid>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A reusable answer for replies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerTemplate {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub updated_at: DateTime<Utc>,
}

fn answer_template(m: answer_template::Model) -> AnswerTemplate {
    AnswerTemplate { id: m.id, title: m.title, body: m.body, updated_at: m.updated_at }
}

/// Every answer template, by title.
pub async fn answer_templates(db: &Db) -> Result<Vec<AnswerTemplate>> {
    Ok(answer_template::Entity::find()
        .order_by_asc(answer_template::Column::Title)
        .all(db.conn())
        .await?
        .into_iter()
        .map(answer_template)
        .collect())
}

pub async fn answer_template_by_id(db: &Db, id: Uuid) -> Result<AnswerTemplate> {
    answer_template::Entity::find_by_id(id).one(db.conn()).await?.map(answer_template).ok_or(StoreError::NotFound)
}

/// Saves template `id` (a new one when `None`).
pub async fn save_answer_template(
    tx: &Tx,
    id: Option<Uuid>,
    title: &str,
    body: &str,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<AnswerTemplate> {
    let model = match id {
        Some(id) => {
            answer_template::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
            answer_template::ActiveModel {
                id: Set(id),
                title: Set(title.into()),
                body: Set(body.into()),
                updated_by: Set(by),
                updated_at: Set(now),
            }
            .update(tx.conn())
            .await?
        }
        None => {
            answer_template::ActiveModel {
                id: Set(Uuid::new_v4()),
                title: Set(title.into()),
                body: Set(body.into()),
                updated_by: Set(by),
                updated_at: Set(now),
            }
            .insert(tx.conn())
            .await?
        }
    };
    Ok(answer_template(model))
}

/// Deletes template `id`.
pub async fn delete_answer_template(tx: &Tx, id: Uuid) -> Result<()> {
    let result = answer_template::Entity::delete_by_id(id).exec(tx.conn()).await?;
    if result.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) mod attachment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "inquiry_attachments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub inquiry_id: Uuid,
        pub message_id: Uuid,
        pub filename: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub bytes: Vec<u8>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A file on a message of a thread (without its bytes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttachmentRecord {
    pub id: Uuid,
    pub inquiry_id: Uuid,
    pub message_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// Keeps a file (already checked: `domain::upload::Upload`) with message `message_id`.
pub async fn add_attachment(
    tx: &Tx,
    inquiry_id: Uuid,
    message_id: Uuid,
    file: &domain::upload::Upload,
    now: DateTime<Utc>,
) -> Result<AttachmentRecord> {
    let record = AttachmentRecord {
        id: Uuid::now_v7(),
        inquiry_id,
        message_id,
        filename: file.filename().to_string(),
        content_type: file.content_type().to_string(),
        size: file.size() as u64,
        sha256: crate::sha256_hex_bytes(file.bytes()),
        created_at: now,
    };
    attachment::ActiveModel {
        id: Set(record.id),
        inquiry_id: Set(inquiry_id),
        message_id: Set(message_id),
        filename: Set(record.filename.clone()),
        content_type: Set(record.content_type.clone()),
        size: Set(record.size as i64),
        sha256: Set(record.sha256.clone()),
        bytes: Set(file.bytes().to_vec()),
        created_at: Set(now),
    }
    .insert(tx.conn())
    .await?;
    Ok(record)
}

/// The files of inquiry `inquiry_id`, oldest first (without their bytes).
pub async fn attachments(db: &Db, inquiry_id: Uuid) -> Result<Vec<AttachmentRecord>> {
    Ok(attachment::Entity::find()
        .select_only()
        .columns([
            attachment::Column::Id,
            attachment::Column::InquiryId,
            attachment::Column::MessageId,
            attachment::Column::Filename,
            attachment::Column::ContentType,
            attachment::Column::Size,
            attachment::Column::Sha256,
            attachment::Column::CreatedAt,
        ])
        .filter(attachment::Column::InquiryId.eq(inquiry_id))
        .order_by_asc(attachment::Column::CreatedAt)
        .order_by_asc(attachment::Column::Id)
        .into_tuple::<(Uuid, Uuid, Uuid, String, String, i64, String, DateTime<Utc>)>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|(id, inquiry_id, message_id, filename, content_type, size, sha256, created_at)| AttachmentRecord {
            id,
            inquiry_id,
            message_id,
            filename,
            content_type,
            size: u64::try_from(size).unwrap_or(0),
            sha256,
            created_at,
        })
        .collect())
}

/// File `id` with its bytes.
pub async fn attachment(db: &Db, id: Uuid) -> Result<(AttachmentRecord, Vec<u8>)> {
    let m = attachment::Entity::find_by_id(id).one(db.conn()).await?.ok_or(StoreError::NotFound)?;
    let record = AttachmentRecord {
        id: m.id,
        inquiry_id: m.inquiry_id,
        message_id: m.message_id,
        filename: m.filename,
        content_type: m.content_type,
        size: u64::try_from(m.size).unwrap_or(0),
        sha256: m.sha256,
        created_at: m.created_at,
    };
    Ok((record, m.bytes))
}

/// Retention: the inquiries linked to application `application_id`.
pub(crate) async fn linked_to(tx: &Tx, application_id: Uuid) -> Result<Vec<Uuid>> {
    Ok(inquiry::Entity::find()
        .filter(inquiry::Column::ApplicationId.eq(application_id))
        .all(tx.conn())
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

/// Retention: inquiries linked to no application whose asker's name is still kept.
pub(crate) async fn unreduced_unlinked(db: &Db) -> Result<Vec<crate::retention::Held>> {
    Ok(inquiry::Entity::find()
        .filter(inquiry::Column::ApplicationId.is_null())
        .filter(inquiry::Column::Name.ne(crate::retention::REDUCED_NAME))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|i| crate::retention::Held { id: i.id, fiscal_year: i.fiscal_year, participant: false })
        .collect())
}

/// Retention: inquiry `id` loses the asker's name, company, addresses and telephone, its subject,
/// its thread's texts and its files; its reference, category, channel, status and dates stay (the
/// desk's figures). Returns whether anything was left to reduce.
pub(crate) async fn reduce(tx: &Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let row = inquiry::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(StoreError::NotFound)?;
    if row.name == crate::retention::REDUCED_NAME {
        return Ok(false);
    }
    let mut active: inquiry::ActiveModel = row.into();
    active.name = Set(crate::retention::REDUCED_NAME.into());
    active.company_name = Set(None);
    active.email = Set(None);
    active.phone = Set(None);
    active.subject = Set(crate::retention::REDUCED_TEXT.into());
    active.source_ip = Set(None);
    active.updated_at = Set(now);
    active.update(tx.conn()).await?;
    message::Entity::update_many()
        .col_expr(message::Column::Body, Expr::value(crate::retention::REDUCED_TEXT))
        .filter(message::Column::InquiryId.eq(id))
        .exec(tx.conn())
        .await?;
    attachment::Entity::update_many()
        .col_expr(attachment::Column::Bytes, Expr::value(Vec::<u8>::new()))
        .col_expr(attachment::Column::Filename, Expr::value("（削除済み）"))
        .filter(attachment::Column::InquiryId.eq(id))
        .exec(tx.conn())
        .await?;
    Ok(true)
}

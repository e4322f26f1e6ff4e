//! Surveys (§6(2)イ–ウ): the secretariat writes a survey for a moment of the year, sends it —
//! each respondent gets an e-mail with a personal link that needs no sign-in and works until
//! the answers are submitted —, Kojo reminds 3 and 7 business days later, the board shows who
//! answered, and the results are read as charts, averages and the change per company on the
//! questions that repeat. Companies also find their survey as a task in the portal.
//!
//! The rules (definitions, conditions, required answers, the change) are `domain::survey`'s;
//! every figure that leaves the secretariat passes through `domain::disclosure`.
//!
//! Must not: show a respondent another's answers, accept answers after submission or closing,
//! or show Tokyo an answer with the company that gave it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use domain::access::{Action, Role};
use domain::application::Language;
use domain::disclosure::{self, Audience, Cell};
use domain::survey::{self as rules, AnswerError, Answers, Definition, Kind, Moment, Question, Status, Value};
use store::applications::{ApplicationFilter, ApplicationStatus};
use store::surveys::{InvitationRecord, NewInvitation, SurveyRecord, VersionRecord};
use uuid::Uuid;

use crate::error::Invalid;
use crate::{Actor, AppError, Result, Services};

fn invalid(field: &'static str, ja: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Invalid(Invalid::Field { field, ja: ja.into(), en: en.into() })
}

/// A definition as stored: it was checked when saved, so failing now means a newer Kojo's text.
fn definition_of(source: &str) -> Result<Definition> {
    Definition::parse(source).map_err(|e| AppError::Store(store::StoreError::Corrupt(format!("survey: {}", e.en))))
}

/// A survey with its response counts, for the board.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub survey: SurveyRecord,
    /// Invitations sent (who was asked is itself a count of companies at a stage).
    pub invited: Cell,
    /// Answers saved but not yet submitted; submitted answers.
    pub started: Cell,
    pub submitted: Cell,
    /// Submitted per invited, in whole percent (withheld under 5 answers outside the secretariat).
    pub rate: Option<u32>,
}

/// The board: every survey of `fiscal_year` (all years when `None`) with its response rate,
/// suppressed for readers outside the secretariat.
pub async fn board(services: &Services, actor: &Actor, fiscal_year: Option<i32>) -> Result<Vec<BoardRow>> {
    actor.require(Action::ReadSurveyFigures)?;
    let audience = Audience::of(actor.role());
    let mut rows = Vec::new();
    for survey in store::surveys::list(&services.db, fiscal_year).await? {
        if survey.status == Status::Draft && audience == Audience::Outside {
            continue;
        }
        let invitations = store::surveys::invitations(&services.db, survey.id).await?;
        let submitted = invitations.iter().filter(|i| i.submitted_at.is_some()).count() as u64;
        let started = invitations.iter().filter(|i| i.started_at.is_some() && i.submitted_at.is_none()).count() as u64;
        let (invited, submitted, rate) = responses(audience, submitted, invitations.len() as u64);
        rows.push(BoardRow {
            invited,
            submitted,
            // Outside the secretariat only who answered and who was asked.
            started: if audience == Audience::Inside { Cell::Count(started) } else { Cell::Complementary },
            rate,
            survey,
        });
    }
    Ok(rows)
}

fn rate(part: u64, whole: u64) -> Option<u32> {
    (whole > 0).then(|| ((part * 100) as f64 / whole as f64).round() as u32)
}

/// Invited, answered and the response rate as `audience` may read them: outside the secretariat
/// answered and not answered are one suppressed list whose total is the invited, and the rate
/// is printed only when neither is hidden.
pub(crate) fn responses(audience: Audience, submitted: u64, invited: u64) -> (Cell, Cell, Option<u32>) {
    match audience {
        Audience::Inside => (Cell::Count(invited), Cell::Count(submitted), rate(submitted, invited)),
        Audience::Outside => {
            let (cells, total) = audience.list(&[submitted, invited.saturating_sub(submitted)]);
            let rate = (!cells.iter().any(|c| c.is_hidden()) && !total.is_hidden())
                .then(|| rate(submitted, invited))
                .flatten();
            (total, cells[0], rate)
        }
    }
}

/// Starts a survey for `moment` of the current programme year, from the standard definition.
pub async fn create(services: &Services, actor: &Actor, moment: Moment, now: DateTime<Utc>) -> Result<Uuid> {
    actor.require(Action::RunSurveys)?;
    let programme = store::programmes::current(&services.db).await?.ok_or(AppError::NotFound)?;
    let era = domain::wareki::format_fiscal_year(programme.fiscal_year);
    let title_ja = format!("{era} アンケート（{}）", moment.label_ja());
    let title_en = format!("FY{} survey ({})", programme.fiscal_year, moment.label_en());
    let new = store::surveys::NewSurvey {
        fiscal_year: programme.fiscal_year,
        moment,
        title_ja: &title_ja,
        title_en: &title_en,
        source: moment.standard(),
    };
    let tx = services.db.begin().await?;
    let survey = store::surveys::create(&tx, &new, actor.user_id(), now).await?;
    actor
        .record(&tx, "survey.create", ("survey", survey.id), serde_json::json!({"moment": moment.code()}), now)
        .await?;
    tx.commit().await?;
    Ok(survey.id)
}

/// A survey as its office page shows it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub survey: SurveyRecord,
    pub versions: Vec<VersionRecord>,
    /// The newest version's text and its questions.
    pub source: String,
    pub definition: Definition,
    pub invitations: Vec<InvitationRecord>,
}

pub async fn open(services: &Services, actor: &Actor, id: Uuid) -> Result<Opened> {
    actor.require(Action::RunSurveys)?;
    let survey = store::surveys::get(&services.db, id).await?;
    let versions = store::surveys::versions(&services.db, id).await?;
    let source = versions.iter().find(|v| v.version == survey.version).map(|v| v.source.clone()).unwrap_or_default();
    Ok(Opened {
        definition: definition_of(&source)?,
        invitations: store::surveys::invitations(&services.db, id).await?,
        versions,
        source,
        survey,
    })
}

/// What staff write: the titles and the definition's text.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub title_ja: String,
    pub title_en: String,
    pub source: String,
}

/// Saves the definition: over the newest version while it was never sent, else as the next
/// version (invitations already sent keep theirs). A closed survey is not edited.
pub async fn save(services: &Services, actor: &Actor, id: Uuid, edit: &Edit, now: DateTime<Utc>) -> Result<u32> {
    actor.require(Action::RunSurveys)?;
    let title_ja = domain::text::required(&edit.title_ja, 200)
        .map_err(|e| invalid("title_ja", format!("表題：{}", e.message_ja()), format!("Title: {}", e.message_en())))?;
    let title_en = domain::text::optional(&edit.title_en, 200)
        .map_err(|e| invalid("title_en", format!("英語の表題：{}", e.message_ja()), e.message_en()))?
        .unwrap_or_default();
    if let Err(error) = Definition::parse(&edit.source) {
        let (ja, en) = match error.line {
            Some(line) => (format!("{}行目：{}", line, error.ja), format!("Line {line}: {}", error.en)),
            None => (error.ja, error.en),
        };
        return Err(invalid("source", ja, en));
    }
    let tx = services.db.begin().await?;
    let survey = store::surveys::lock(&tx, id).await?;
    if survey.status == Status::Closed {
        return Err(closed());
    }
    let number = store::surveys::save_definition(
        &tx,
        id,
        (&title_ja, &title_en),
        &edit.source.replace("\r\n", "\n"),
        actor.user_id(),
        now,
    )
    .await?;
    actor
        .record(&tx, "survey.edit", ("survey", id), serde_json::json!({"version": number, "was": survey.version}), now)
        .await?;
    tx.commit().await?;
    Ok(number)
}

fn closed() -> AppError {
    invalid("survey", "このアンケートは締め切りました", "This survey is closed")
}

/// Someone a survey is for.
#[derive(Debug, Clone)]
struct Recipient {
    key: String,
    application_id: Option<Uuid>,
    registration_id: Option<Uuid>,
    programme_id: Uuid,
    email: String,
    name: String,
    company_name: String,
    language: Language,
}

async fn programme_of_year(
    services: &Services,
    fiscal_year: i32,
) -> Result<Option<store::programmes::ProgrammeRecord>> {
    Ok(store::programmes::list(&services.db).await?.into_iter().find(|p| p.fiscal_year == fiscal_year))
}

/// Who `survey`'s moment is for now (whether invited already or not).
async fn recipients(services: &Services, survey: &SurveyRecord) -> Result<Vec<Recipient>> {
    let db = &services.db;
    let year = if survey.moment == Moment::FollowUp { survey.fiscal_year - 1 } else { survey.fiscal_year };
    let Some(programme) = programme_of_year(services, year).await? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    if survey.moment == Moment::AfterSeminar {
        for seminar in store::seminars::list(db, programme.id).await? {
            for registration in store::seminars::roster(db, seminar.id).await? {
                if registration.attended_at.is_none() || registration.cancelled_at.is_some() {
                    continue;
                }
                out.push(Recipient {
                    key: format!("registration:{}", registration.id),
                    application_id: None,
                    registration_id: Some(registration.id),
                    programme_id: programme.id,
                    email: registration.email,
                    name: registration.person_name,
                    company_name: registration.company_name,
                    language: registration.language,
                });
            }
        }
        return Ok(out);
    }
    let filter = ApplicationFilter {
        programme_id: Some(programme.id),
        status: Some(ApplicationStatus::Confirmed),
        ..Default::default()
    };
    for case in store::applications::list_all(db, &filter).await? {
        if survey.moment == Moment::DuringSupport {
            let visits = store::guidance::visits(db, case.id).await?;
            let done = visits.iter().filter(|v| v.status == store::guidance::VisitStatus::Done).count();
            let released = store::risk::reports(db, case.id).await?.iter().any(|r| r.released_at.is_some());
            if done < 2 && !released {
                continue;
            }
        }
        out.push(Recipient {
            key: format!("application:{}", case.id),
            application_id: Some(case.id),
            registration_id: None,
            programme_id: programme.id,
            email: case.contact_email,
            name: case.contact_name,
            company_name: case.company_name,
            language: case.language,
        });
    }
    Ok(out)
}

/// Which e-mail a respondent gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    Invitation,
    Reminder,
}

async fn queue_email(
    services: &Services,
    tx: &store::Tx,
    (survey, programme_id): (&SurveyRecord, Uuid),
    invitation: &InvitationRecord,
    (token, notice): (&str, Notice),
    now: DateTime<Utc>,
) -> Result<()> {
    let secretariat = store::programmes::contact(&services.db, programme_id).await?;
    let language = if invitation.english { Language::En } else { Language::Ja };
    let letter = crate::mail::Letter { settings: &services.mail, secretariat, language };
    let email = crate::mail::survey_notice(
        &letter,
        crate::mail::SurveyMail {
            to: &invitation.email,
            title: language.pick(&survey.title_ja, &survey.title_en),
            company_name: &invitation.company_name,
            name: &invitation.name,
            token,
            reminder: notice == Notice::Reminder,
            in_portal: invitation.application_id.is_some(),
        },
    );
    store::outbox::add(tx, &email, now).await?;
    Ok(())
}

/// Invites everyone the survey's moment is for and who was not invited yet, each with the
/// newest version; returns how many. The survey's row is locked, so two runs invite once.
async fn invite_due(services: &Services, actor: &Actor, id: Uuid, open: bool, now: DateTime<Utc>) -> Result<usize> {
    let survey = store::surveys::get(&services.db, id).await?;
    let invited = store::surveys::recipients(&services.db, id).await?;
    let due: Vec<Recipient> =
        recipients(services, &survey).await?.into_iter().filter(|r| !invited.contains(&r.key)).collect();
    if due.is_empty() && !(open && survey.status == Status::Draft) {
        return Ok(0);
    }
    let tx = services.db.begin().await?;
    let survey = store::surveys::lock(&tx, id).await?;
    match survey.status {
        Status::Closed if open => return Err(closed()),
        Status::Draft if open => {
            store::surveys::set_status(&tx, id, Status::Open, now).await?;
            actor
                .record(&tx, "survey.open", ("survey", id), serde_json::json!({"version": survey.version}), now)
                .await?;
        }
        Status::Open => {}
        _ => return Ok(0),
    }
    let mut count = 0;
    for recipient in &due {
        let token = store::random_token(24);
        let new = NewInvitation {
            recipient: &recipient.key,
            application_id: recipient.application_id,
            registration_id: recipient.registration_id,
            email: &recipient.email,
            name: &recipient.name,
            company_name: &recipient.company_name,
            english: recipient.language.is_en(),
        };
        let Some(invitation) =
            store::surveys::invite(&tx, id, survey.version, &new, &store::sha256_hex(&token), now).await?
        else {
            continue;
        };
        queue_email(services, &tx, (&survey, recipient.programme_id), &invitation, (&token, Notice::Invitation), now)
            .await?;
        count += 1;
    }
    if count > 0 {
        // From now on this version never changes: a later edit writes the next one.
        store::surveys::mark_sent(&tx, id, survey.version, now).await?;
    }
    actor
        .record(
            &tx,
            "survey.invite",
            ("survey", id),
            serde_json::json!({"invited": count, "version": survey.version}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(count)
}

/// Opens the survey (if it was a draft) and invites everyone its moment is for now, in one
/// transaction; sending again later invites those who became due since. Returns how many were
/// invited.
pub async fn send(services: &Services, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<usize> {
    actor.require(Action::RunSurveys)?;
    invite_due(services, actor, id, true, now).await
}

/// Closes the survey: links then say so, no reminder goes, the answers stay.
pub async fn close(services: &Services, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::RunSurveys)?;
    let tx = services.db.begin().await?;
    let survey = store::surveys::lock(&tx, id).await?;
    if survey.status == Status::Closed {
        return Ok(());
    }
    store::surveys::set_status(&tx, id, Status::Closed, now).await?;
    actor.record(&tx, "survey.close", ("survey", id), serde_json::json!({}), now).await?;
    tx.commit().await?;
    Ok(())
}

async fn programme_for(services: &Services, survey: &SurveyRecord) -> Result<Uuid> {
    let year = if survey.moment == Moment::FollowUp { survey.fiscal_year - 1 } else { survey.fiscal_year };
    programme_of_year(services, year).await?.map(|p| p.id).ok_or(AppError::NotFound)
}

/// Reminds one invitation now with a new link (each e-mail has its own; the earlier still work).
async fn remind(
    services: &Services,
    tx: &store::Tx,
    survey: &SurveyRecord,
    invitation: &InvitationRecord,
    programme_id: Uuid,
    scheduled: Option<u32>,
    now: DateTime<Utc>,
) -> Result<()> {
    let token = store::random_token(24);
    store::surveys::add_link(tx, invitation.id, &store::sha256_hex(&token), now).await?;
    queue_email(services, tx, (survey, programme_id), invitation, (&token, Notice::Reminder), now).await?;
    store::surveys::mark_reminded(tx, invitation.id, scheduled, now).await?;
    Ok(())
}

/// A nudge from the board: reminds everyone who has not submitted; returns how many.
pub async fn nudge(services: &Services, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<usize> {
    actor.require(Action::RunSurveys)?;
    let tx = services.db.begin().await?;
    let survey = store::surveys::lock(&tx, id).await?;
    if survey.status != Status::Open {
        return Err(invalid("survey", "受付中のアンケートだけ督促できます", "Only an open survey can be nudged"));
    }
    let programme_id = programme_for(services, &survey).await?;
    let mut count = 0;
    for invitation in store::surveys::invitations(&services.db, id).await? {
        if invitation.submitted_at.is_none() {
            remind(services, &tx, &survey, &invitation, programme_id, None, now).await?;
            count += 1;
        }
    }
    actor.record(&tx, "survey.nudge", ("survey", id), serde_json::json!({"reminded": count}), now).await?;
    tx.commit().await?;
    Ok(count)
}

/// How many scheduled reminders an invitation sent at `invited_at` is due by `now`: one per
/// day of `REMINDER_DAYS` whose business day (Tokyo) has come.
pub fn reminders_due(
    calendar: &domain::calendar::BusinessCalendar,
    invited_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> u32 {
    let invited = crate::clock::tokyo_date(invited_at);
    let today = crate::clock::tokyo_date(now);
    rules::REMINDER_DAYS.iter().filter(|days| calendar.add_business_days(invited, **days) <= today).count() as u32
}

/// What the daily run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub invited: usize,
    pub reminded: usize,
}

/// Kojo's daily work on the open surveys (from the job table): invites those who became due
/// at the moments that follow an event (a seminar attended, the second guidance visit, the risk
/// report), and sends each unanswered invitation the reminders due. Safe to repeat: a reminder
/// is counted on its invitation, and days missed while Kojo was stopped send one reminder.
pub async fn run_due(services: &Services, now: DateTime<Utc>) -> Result<Run> {
    let actor = Actor::system("surveys");
    let mut run = Run::default();
    for survey in store::surveys::open_surveys(&services.db).await? {
        if matches!(survey.moment, Moment::AfterSeminar | Moment::DuringSupport) {
            run.invited += invite_due(services, &actor, survey.id, false, now).await?;
        }
        let Ok(programme_id) = programme_for(services, &survey).await else { continue };
        for invitation in store::surveys::invitations(&services.db, survey.id).await? {
            if invitation.submitted_at.is_some() {
                continue;
            }
            let due = reminders_due(&services.calendar, invitation.invited_at, now);
            if due <= invitation.reminders {
                continue;
            }
            let tx = services.db.begin().await?;
            let survey = store::surveys::lock(&tx, survey.id).await?;
            let current = store::surveys::lock_invitation(&tx, invitation.id).await?;
            if survey.status != Status::Open || current.submitted_at.is_some() || current.reminders >= due {
                continue;
            }
            remind(services, &tx, &survey, &current, programme_id, Some(due), now).await?;
            actor
                .record(
                    &tx,
                    "survey.remind",
                    ("survey_invitation", invitation.id),
                    serde_json::json!({"reminder": due}),
                    now,
                )
                .await?;
            tx.commit().await?;
            run.reminded += 1;
        }
    }
    Ok(run)
}

/// When the daily survey run is due on `day`: 10:00 Tokyo.
pub fn run_due_at(day: chrono::NaiveDate) -> DateTime<Utc> {
    crate::clock::tokyo_midnight(day) + Duration::hours(10)
}

// Answering.

/// Who opens a survey form: anyone holding an e-mailed link, or a signed-in company user for
/// one of its own invitations.
#[derive(Debug, Clone, Copy)]
pub enum Respondent<'a> {
    Link(&'a str),
    Portal(&'a Actor, Uuid),
}

/// A survey form to fill in.
#[derive(Debug, Clone)]
pub struct Form {
    pub survey: SurveyRecord,
    pub invitation: InvitationRecord,
    pub definition: Definition,
    pub answers: Answers,
}

impl Form {
    pub fn english(&self) -> bool {
        self.invitation.english
    }
}

async fn invitation_for(services: &Services, respondent: Respondent<'_>) -> Result<InvitationRecord> {
    match respondent {
        Respondent::Link(token) => {
            if token.is_empty() || token.len() > 128 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(AppError::NotFound);
            }
            Ok(store::surveys::by_token_hash(&services.db, &store::sha256_hex(token)).await?)
        }
        Respondent::Portal(actor, id) => {
            if actor.role() != Some(Role::Company) {
                return Err(AppError::Forbidden);
            }
            let case = actor.own_case()?;
            let invitation = store::surveys::invitation(&services.db, id).await?;
            if invitation.application_id != Some(case) {
                return Err(AppError::NotFound);
            }
            Ok(invitation)
        }
    }
}

/// The form a respondent opens, with what it saved so far (a draft survey: not found).
pub async fn form(services: &Services, respondent: Respondent<'_>) -> Result<Form> {
    let invitation = invitation_for(services, respondent).await?;
    let survey = store::surveys::get(&services.db, invitation.survey_id).await?;
    if survey.status == Status::Draft {
        return Err(AppError::NotFound);
    }
    let definition = definition_of(&store::surveys::source(&services.db, survey.id, invitation.version).await?)?;
    let answers = rules::answers_from_json(&definition, &invitation.answers);
    Ok(Form { survey, invitation, definition, answers })
}

/// What became of a respondent's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    /// Saved to go on later.
    Saved,
    Submitted,
    /// A value the form does not offer, a text too long: nothing was saved.
    Refused(AnswerError),
    /// Required questions left unanswered (the answers given were saved).
    Missing(Vec<String>),
    /// The survey closed; nothing was saved.
    Closed,
    /// Submitted before; nothing changed.
    AlreadySubmitted,
}

/// Saves (or submits) a respondent's answers from the form's fields. Submitting needs every
/// shown required question answered and happens once; answers to questions a condition hides
/// are dropped.
pub async fn answer(
    services: &Services,
    respondent: Respondent<'_>,
    fields: &[(String, String)],
    submit: bool,
    now: DateTime<Utc>,
) -> Result<Answered> {
    let opened = form(services, respondent).await?;
    let answers = match opened.definition.read_form(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(answers) => answers,
        Err(error) => return Ok(Answered::Refused(error)),
    };
    let tx = services.db.begin().await?;
    let survey = store::surveys::lock(&tx, opened.survey.id).await?;
    let invitation = store::surveys::lock_invitation(&tx, opened.invitation.id).await?;
    if invitation.submitted_at.is_some() {
        return Ok(Answered::AlreadySubmitted);
    }
    if survey.status != Status::Open {
        return Ok(Answered::Closed);
    }
    let (kept, outcome) = if submit {
        match opened.definition.complete(&answers) {
            Ok(complete) => (complete, Answered::Submitted),
            Err(missing) => (opened.definition.kept(&answers), Answered::Missing(missing)),
        }
    } else {
        (opened.definition.kept(&answers), Answered::Saved)
    };
    let json = serde_json::to_value(&kept).unwrap_or_default();
    store::surveys::save_answers(&tx, invitation.id, &json, outcome == Answered::Submitted, now).await?;
    let actor = match respondent {
        Respondent::Portal(actor, _) => actor.clone(),
        Respondent::Link(_) => Actor::system("survey respondent"),
    };
    let action = if outcome == Answered::Submitted { "survey.submit" } else { "survey.save" };
    actor
        .record(&tx, action, ("survey_invitation", invitation.id), serde_json::json!({"answers": kept.len()}), now)
        .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// A company's own survey invitations (open or answered), newest first, for its portal.
pub async fn own(services: &Services, actor: &Actor) -> Result<Vec<(SurveyRecord, InvitationRecord)>> {
    let case = actor.own_case()?;
    let mut out = Vec::new();
    for invitation in store::surveys::invitations_of(&services.db, case).await? {
        let survey = store::surveys::get(&services.db, invitation.survey_id).await?;
        if survey.status != Status::Draft {
            out.push((survey, invitation));
        }
    }
    Ok(out)
}

// Results.

/// One question's results.
#[derive(Debug, Clone)]
pub struct QuestionResult {
    pub question: Question,
    /// How many answered it (a count of respondents).
    pub answered: Cell,
    /// Per choice (single, multiple) or per value (scales, lowest first): the label and its count.
    pub counts: Vec<(String, Cell)>,
    /// The average of a scale; withheld under 5 answers outside the secretariat.
    pub mean: Option<f64>,
    /// The Net Promoter Score of a 0–10 question; withheld as the mean is.
    pub net_promoter: Option<i32>,
    /// The free-text answers (inside the secretariat only), oldest first.
    pub texts: Vec<String>,
}

/// A repeating question's change over the companies that answered it twice.
#[derive(Debug, Clone)]
pub struct ChangeSummary {
    pub key: String,
    pub text_ja: String,
    pub text_en: String,
    pub companies: Cell,
    pub mean_before: Option<f64>,
    pub mean_after: Option<f64>,
}

/// One company's change (inside the secretariat only).
#[derive(Debug, Clone)]
pub struct CompanyChange {
    pub company_name: String,
    pub key: String,
    pub before: u8,
    pub after: u8,
    pub delta: i32,
}

/// A survey's results as `audience` may read them.
#[derive(Debug, Clone)]
pub struct Results {
    pub survey: SurveyRecord,
    pub audience: Audience,
    pub invited: Cell,
    pub submitted: Cell,
    pub rate: Option<u32>,
    pub questions: Vec<QuestionResult>,
    pub changes: Vec<ChangeSummary>,
    pub companies: Vec<CompanyChange>,
}

fn mean(values: &[u8]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64)
}

/// The questions of every version, the newest version's first and in its order, then any that
/// only earlier versions asked (so answers to a question since removed are still counted).
async fn questions_of_every_version(services: &Services, survey: &SurveyRecord) -> Result<Vec<Question>> {
    let mut versions = store::surveys::versions(&services.db, survey.id).await?;
    versions.reverse();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for version in versions {
        for question in definition_of(&version.source)?.questions() {
            if seen.insert(question.key.clone()) {
                out.push(question.clone());
            }
        }
    }
    Ok(out)
}

/// The submitted answers of a survey, each read against the version it was sent with.
async fn submitted_answers(services: &Services, survey: &SurveyRecord) -> Result<Vec<(InvitationRecord, Answers)>> {
    let mut definitions: BTreeMap<u32, Definition> = BTreeMap::new();
    let mut out = Vec::new();
    for invitation in store::surveys::invitations(&services.db, survey.id).await? {
        if invitation.submitted_at.is_none() {
            continue;
        }
        if let std::collections::btree_map::Entry::Vacant(entry) = definitions.entry(invitation.version) {
            let source = store::surveys::source(&services.db, survey.id, invitation.version).await?;
            entry.insert(definition_of(&source)?);
        }
        let answers = rules::answers_from_json(&definitions[&invitation.version], &invitation.answers);
        out.push((invitation, answers));
    }
    Ok(out)
}

/// A survey's results: per question counts (suppressed outside the secretariat), averages,
/// free texts (inside only) and the change on its repeating questions.
pub async fn results(services: &Services, actor: &Actor, id: Uuid) -> Result<Results> {
    actor.require(Action::ReadSurveyFigures)?;
    let audience = Audience::of(actor.role());
    let inside = audience == Audience::Inside;
    let survey = store::surveys::get(&services.db, id).await?;
    if !inside && survey.status != Status::Closed {
        // Figures that change with each answer would give that answer away between two reads.
        return Err(invalid(
            "survey",
            "アンケートの集計は、締め切った後に表示します",
            "A survey's results are shown once it is closed",
        ));
    }
    let definition = definition_of(&store::surveys::source(&services.db, id, survey.version).await?)?;
    let all_questions = questions_of_every_version(services, &survey).await?;
    let invitations = store::surveys::invitations(&services.db, id).await?;
    let answered = submitted_answers(services, &survey).await?;
    let submitted = answered.len() as u64;

    let mut questions = Vec::new();
    for question in &all_questions {
        let values: Vec<&Value> = answered.iter().filter_map(|(_, a)| a.get(&question.key)).collect();
        let n = values.len() as u64;
        let scores: Vec<u8> =
            values.iter().filter_map(|v| if let Value::Scale(s) = v { Some(*s) } else { None }).collect();
        // Per choice (or per value of a scale): its label and how many gave it.
        let counts: Vec<(String, u64)> = match question.kind {
            Kind::Single => question
                .choices
                .iter()
                .map(|c| {
                    let n = values.iter().filter(|v| matches!(v, Value::Choice(code) if *code == c.code)).count();
                    (c.ja.clone(), n as u64)
                })
                .collect(),
            Kind::Multiple => question
                .choices
                .iter()
                .map(|c| {
                    let n =
                        values.iter().filter(|v| matches!(v, Value::Choices(codes) if codes.contains(&c.code))).count();
                    (c.ja.clone(), n as u64)
                })
                .collect(),
            Kind::Scale5 | Kind::Recommend => question
                .kind
                .range()
                .into_iter()
                .flatten()
                .map(|value| (value.to_string(), scores.iter().filter(|s| **s == value).count() as u64))
                .collect(),
            Kind::Text => Vec::new(),
        };
        let numbers: Vec<u64> = counts.iter().map(|(_, n)| *n).collect();
        let (answered_cell, cells, mean_allowed) = if inside {
            (Cell::Count(n), numbers.iter().map(|&n| Cell::Count(n)).collect(), true)
        } else {
            let out = rules::outside_counts(question.kind, &numbers, n, submitted, question.show_when.is_some());
            (out.answered, out.counts, out.mean_allowed)
        };
        let scale = question.kind.range().is_some() && mean_allowed;
        questions.push(QuestionResult {
            question: question.clone(),
            answered: answered_cell,
            counts: counts.into_iter().map(|(label, _)| label).zip(cells).collect(),
            mean: if scale { audience.derived(n, mean(&scores)) } else { None },
            net_promoter: if scale && question.kind == Kind::Recommend {
                audience.derived(n, rules::net_promoter(&scores))
            } else {
                None
            },
            texts: if inside && question.kind == Kind::Text {
                values.iter().filter_map(|v| if let Value::Text(t) = v { Some(t.clone()) } else { None }).collect()
            } else {
                Vec::new()
            },
        });
    }

    // The change: each company that answered this survey, its first answer (any survey, earlier
    // moment or earlier time) against its answer here.
    let repeating: BTreeSet<String> = definition.questions().filter(|q| q.repeat).map(|q| q.key.clone()).collect();
    let mut changes = Vec::new();
    let mut companies = Vec::new();
    if !repeating.is_empty() {
        let mut names: BTreeMap<Uuid, String> = BTreeMap::new();
        let mut held: Vec<(Uuid, Moment, DateTime<Utc>, Answers)> = Vec::new();
        for (invitation, answers) in &answered {
            let (Some(company), Some(at)) = (invitation.application_id, invitation.submitted_at) else { continue };
            names.insert(company, invitation.company_name.clone());
            for other in store::surveys::invitations_of(&services.db, company).await? {
                let Some(other_at) = other.submitted_at else { continue };
                if other.id == invitation.id {
                    held.push((company, survey.moment, at, answers.clone()));
                    continue;
                }
                let other_survey = store::surveys::get(&services.db, other.survey_id).await?;
                if (other_survey.moment, other_at) >= (survey.moment, at) {
                    continue;
                }
                let source = store::surveys::source(&services.db, other.survey_id, other.version).await?;
                let other_answers = rules::answers_from_json(&definition_of(&source)?, &other.answers);
                held.push((company, other_survey.moment, other_at, other_answers));
            }
        }
        let submissions: Vec<rules::Submitted<'_, Uuid>> = held
            .iter()
            .map(|(company, moment, at, answers)| rules::Submitted {
                company: *company,
                moment: *moment,
                at: *at,
                answers,
            })
            .collect();
        let found = rules::changes(&repeating, &submissions);
        for question in definition.questions().filter(|q| q.repeat) {
            let rows: Vec<&rules::Change<Uuid>> = found.iter().filter(|c| c.key == question.key).collect();
            let n = rows.len() as u64;
            let before: Vec<u8> = rows.iter().map(|c| c.before).collect();
            let after: Vec<u8> = rows.iter().map(|c| c.after).collect();
            // Outside the secretariat the means need 5 companies, and 0 or at least 5 others who
            // answered here without an earlier answer: else the survey's own mean minus these
            // gives those few away.
            let here = answered.iter().filter(|(_, a)| a.contains_key(&question.key)).count() as u64;
            let others = here.saturating_sub(n);
            let shown = inside || (n >= disclosure::MIN_COMPANIES && !(1..disclosure::MIN_COMPANIES).contains(&others));
            changes.push(ChangeSummary {
                key: question.key.clone(),
                text_ja: question.ja.clone(),
                text_en: question.text(true).to_string(),
                companies: audience.count(n),
                mean_before: if shown { mean(&before) } else { None },
                mean_after: if shown { mean(&after) } else { None },
            });
        }
        if inside {
            companies = found
                .iter()
                .map(|c| CompanyChange {
                    company_name: names.get(&c.company).cloned().unwrap_or_default(),
                    key: c.key.clone(),
                    before: c.before,
                    after: c.after,
                    delta: c.delta(),
                })
                .collect();
        }
    }

    let (invited, submitted, rate) = responses(audience, submitted, invitations.len() as u64);
    Ok(Results { rate, invited, submitted, survey, audience, questions, changes, companies })
}

/// The raw answers of a survey (staff): one row per submitted invitation, with who answered,
/// then one column per question of the newest version (answers by their labels).
pub async fn raw_answers(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    actor.require(Action::RunSurveys)?;
    let survey = store::surveys::get(&services.db, id).await?;
    let questions = questions_of_every_version(services, &survey).await?;
    let mut header: Vec<String> =
        ["会社名", "回答者", "メールアドレス", "版", "回答日時"].iter().map(|s| s.to_string()).collect();
    header.extend(questions.iter().map(|q| q.key.clone()));
    let mut rows = Vec::new();
    for (invitation, answers) in submitted_answers(services, &survey).await? {
        let mut row = vec![
            invitation.company_name.clone(),
            invitation.name.clone(),
            invitation.email.clone(),
            invitation.version.to_string(),
            invitation.submitted_at.map(|at| crate::mail::tokyo_instant(false, at)).unwrap_or_default(),
        ];
        row.extend(questions.iter().map(|q| answers.get(&q.key).map(|v| v.cell(q, false)).unwrap_or_default()));
        rows.push(row);
    }
    let tx = services.db.begin().await?;
    actor.record(&tx, "survey.export", ("survey", id), serde_json::json!({"rows": rows.len()}), now).await?;
    tx.commit().await?;
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Tokyo.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn reminders_fall_on_the_3rd_and_7th_business_day_and_catch_up_once() {
        let calendar = domain::calendar::BusinessCalendar::japan();
        // Invited on Tuesday 28 April 2026: 29 April, 4–6 May are holidays.
        let invited = at(2026, 4, 28, 15);
        assert_eq!(
            calendar.add_business_days(NaiveDate::from_ymd_opt(2026, 4, 28).unwrap(), 3).to_string(),
            "2026-05-07"
        );
        assert_eq!(reminders_due(&calendar, invited, at(2026, 5, 6, 12)), 0);
        assert_eq!(reminders_due(&calendar, invited, at(2026, 5, 7, 10)), 1);
        assert_eq!(reminders_due(&calendar, invited, at(2026, 5, 12, 10)), 1);
        assert_eq!(reminders_due(&calendar, invited, at(2026, 5, 13, 10)), 2);
        // After a long stop both are due at once: the run sends one e-mail and counts both.
        assert_eq!(reminders_due(&calendar, invited, at(2026, 6, 1, 10)), 2);
    }
}

//! The e-mails Kojo sends, composed from text templates (`templates/mail/`) in the language the
//! company chose, each signed with the contact details of the secretariat of the application's
//! programme year, and the subjects of the notices each use case sends.

use std::borrow::Cow;

use askama::Template;
use domain::application::{Language, NewApplication};
use domain::secretariat::Secretariat;
use store::applications::{ApplicationRecord, ApplicationStatus, SubmittedFacts};
use store::outbox::OutgoingEmail;
use store::programmes::{CourseRecord, ProgrammeRecord};

/// Where links in e-mails point.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The address people reach Kojo at.
    pub public_url: String,
}

/// Who writes and in which language: the secretariat of the application's programme year (its
/// signature ends every e-mail), in the language the company chose on the form.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    pub settings: &'a MailSettings,
    pub secretariat: Secretariat,
    pub language: Language,
}

impl Letter<'_> {
    fn en(&self) -> bool {
        self.language.is_en()
    }

    fn signature(&self) -> String {
        self.secretariat.signature(self.language)
    }

    /// `【運営事務局】…` / `[Programme secretariat] …`.
    fn subject(&self, subject: &Subject) -> String {
        if self.en() {
            format!("[{}] {}", self.secretariat.name(Language::En), subject.en)
        } else {
            format!("【運営事務局】{}", subject.ja)
        }
    }

    fn date(&self, date: chrono::NaiveDate) -> String {
        if self.en() {
            date.format("%A, %-d %B %Y").to_string()
        } else {
            domain::wareki::format_date_with_weekday(date)
        }
    }
}

/// The letter for e-mails about `record`: its programme year's secretariat, its language.
pub async fn letter<'a>(
    settings: &'a MailSettings,
    db: &store::Db,
    record: &ApplicationRecord,
) -> store::Result<Letter<'a>> {
    let secretariat = store::programmes::contact(db, record.programme_id).await?;
    Ok(Letter { settings, secretariat, language: record.language })
}

/// An e-mail's subject in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub ja: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Subject {
    pub const fn fixed(ja: &'static str, en: &'static str) -> Subject {
        Subject { ja: Cow::Borrowed(ja), en: Cow::Borrowed(en) }
    }
}
#[derive(Template)]
#[template(path = "mail/acknowledgement.txt")]
struct Acknowledgement<'a> {
    en: bool,
    programme_name: &'a str,
    reference: &'a str,
    course_name: &'a str,
    received_at: String,
    waitlisted: bool,
    waitlist_position: u32,
    contact_due: String,
    status_url: String,
    signature: String,
}

/// The acknowledgement sent when an application is received (STEP1 → STEP2). It goes to an
/// address nobody has confirmed yet, from the secretariat's, so it carries only what Kojo
/// generated (the reference, course, times, status link) and nothing the submitter typed:
/// the form cannot be used to send chosen text to a stranger in the secretariat's name.
pub fn acknowledgement(
    config: &MailSettings,
    programme: &ProgrammeRecord,
    course: &CourseRecord,
    application: &NewApplication,
    facts: &SubmittedFacts,
) -> OutgoingEmail {
    let letter = Letter { settings: config, secretariat: programme.contact(), language: application.language };
    let en = letter.en();
    let local = facts.received_at.with_timezone(&chrono_tz::Asia::Tokyo);
    let programme_name = letter.language.pick(&programme.name_ja, &programme.name_en);
    let body = Acknowledgement {
        en,
        programme_name,
        reference: &facts.reference,
        course_name: letter.language.pick(&course.name_ja, &course.name_en),
        received_at: if en {
            local.format("%Y-%m-%d %H:%M JST").to_string()
        } else {
            format!("{} {}", domain::wareki::format_date_with_weekday(local.date_naive()), local.format("%H:%M"))
        },
        waitlisted: facts.status == ApplicationStatus::Waitlisted,
        waitlist_position: facts.waitlist_position.unwrap_or(0),
        contact_due: letter.date(facts.contact_due),
        status_url: format!("{}/status", config.public_url.trim_end_matches('/')),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("{}\n({e})", facts.reference));
    let subject = if en {
        format!("[{programme_name}] Application received (reference {})", facts.reference)
    } else {
        format!("【{programme_name}】お申込みを受け付けました（申込番号 {}）", facts.reference)
    };
    OutgoingEmail { to: application.contact.email.as_str().to_string(), subject, body }
}

#[derive(Template)]
#[template(path = "mail/portal_link.txt")]
struct PortalLink<'a> {
    en: bool,
    reference: &'a str,
    link: String,
    minutes: i64,
    signature: String,
}

/// The one-time sign-in link to the company portal. Anyone can ask for it to be sent to an
/// application's contact address, so like the acknowledgement it carries only what Kojo made
/// (the reference and the link), never the company name the applicant typed.
pub fn portal_link(
    letter: &Letter<'_>,
    to: &str,
    reference: &str,
    token: &str,
    task: domain::portal::PortalTask,
) -> OutgoingEmail {
    let query = if task.code().is_empty() { String::new() } else { format!("?task={}", task.code()) };
    let body = PortalLink {
        en: letter.en(),
        reference,
        link: format!("{}/portal/auth/{token}{query}", letter.settings.public_url.trim_end_matches('/')),
        minutes: store::portal::LINK_LIFETIME_MINUTES,
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail { to: to.to_string(), subject: letter.subject(&subject::PORTAL_LINK), body }
}

#[derive(Template)]
#[template(path = "mail/message_notice.txt")]
struct MessageNotice<'a> {
    en: bool,
    company_name: &'a str,
    reference: &'a str,
    request: &'static str,
    portal: String,
    signature: String,
}

/// The portal's sign-in page, with the task the company lands on after signing in.
pub fn portal_login_url(config: &MailSettings, task: domain::portal::PortalTask) -> String {
    let base = config.public_url.trim_end_matches('/');
    match task.code() {
        "" => format!("{base}/portal/login"),
        code => format!("{base}/portal/login?task={code}"),
    }
}

/// Tells the company a message (or a task) waits in the portal: its reference, what it is asked
/// to do, and the sign-in link that lands on that task; the text itself stays in the portal.
pub fn message_notice(
    letter: &Letter<'_>,
    record: &ApplicationRecord,
    subject: &Subject,
    task: domain::portal::PortalTask,
) -> OutgoingEmail {
    let body = MessageNotice {
        en: letter.en(),
        company_name: &record.company_name,
        reference: &record.reference,
        request: if letter.en() { task.request_en() } else { task.request_ja() },
        portal: portal_login_url(letter.settings, task),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail { to: record.contact_email.clone(), subject: letter.subject(subject), body }
}

// The participation agreement (STEP4–5).

#[derive(Template)]
#[template(path = "mail/agreement_sent.txt")]
struct AgreementMail<'a> {
    en: bool,
    company_name: &'a str,
    contact_name: &'a str,
    reference: &'a str,
    portal: String,
    signature: String,
}

/// The e-mail that sends the agreement (STEP4).
pub fn agreement_sent(letter: &Letter<'_>, record: &ApplicationRecord) -> OutgoingEmail {
    let body = AgreementMail {
        en: letter.en(),
        company_name: &record.company_name,
        contact_name: &record.contact_name,
        reference: &record.reference,
        portal: portal_login_url(letter.settings, domain::portal::PortalTask::Agreement),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail { to: record.contact_email.clone(), subject: letter.subject(&subject::AGREEMENT_SENT), body }
}

#[derive(Template)]
#[template(path = "mail/participation_confirmed.txt")]
struct ConfirmedMail<'a> {
    en: bool,
    company_name: &'a str,
    contact_name: &'a str,
    reference: &'a str,
    signature: String,
}

/// The e-mail that confirms participation (STEP5).
pub fn participation_confirmed(letter: &Letter<'_>, record: &ApplicationRecord) -> OutgoingEmail {
    let body = ConfirmedMail {
        en: letter.en(),
        company_name: &record.company_name,
        contact_name: &record.contact_name,
        reference: &record.reference,
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("{}\n({e})", record.reference));
    OutgoingEmail { to: record.contact_email.clone(), subject: letter.subject(&subject::CONFIRMED), body }
}

#[derive(Template)]
#[template(path = "mail/trial_ending.txt")]
struct TrialEnding<'a> {
    en: bool,
    company_name: &'a str,
    reference: &'a str,
    model: &'a str,
    last_day: String,
    portal: String,
    signature: String,
}

/// Tells the company its UTM trial ends on `last_day` and asks it to choose continuation or
/// removal (募集要項 §8 ①: at the end of the trial the company contracts or the UTM is removed).
pub fn trial_ending(
    letter: &Letter<'_>,
    record: &ApplicationRecord,
    model: &str,
    last_day: chrono::NaiveDate,
) -> OutgoingEmail {
    let body = TrialEnding {
        en: letter.en(),
        company_name: &record.company_name,
        reference: &record.reference,
        model,
        last_day: letter.date(last_day),
        portal: portal_login_url(letter.settings, domain::portal::PortalTask::Messages),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail { to: record.contact_email.clone(), subject: letter.subject(&subject::TRIAL_ENDING), body }
}

/// Subjects of the e-mails that point the company to its portal.
pub mod subject {
    use super::Subject;

    /// Tokyo approved the case: the company is asked to confirm its intent (STEP3).
    pub const APPROVED: Subject = Subject::fixed("参加意思の確認のお願い", "Please confirm your participation");
    /// The secretariat posted a message.
    pub const MESSAGE: Subject = Subject::fixed("メッセージが届いています", "You have a new message");
    /// A place freed up and the waitlisted application now holds it.
    pub const PROMOTED: Subject =
        Subject::fixed("キャンセル待ちから繰り上がりました", "A place has become free for your application");
    /// The UTM's free trial ends soon: continue or remove.
    pub const TRIAL_ENDING: Subject = Subject::fixed(
        "UTM無償体験期間終了のお知らせ（継続・撤去のご確認）",
        "Your free UTM trial is ending: continue or remove",
    );
    /// The one-time sign-in link.
    pub const PORTAL_LINK: Subject =
        Subject::fixed("参加企業ページへのログインリンク", "Your sign-in link to the participants' portal");
    /// The agreement is ready to be signed (STEP4).
    pub const AGREEMENT_SENT: Subject =
        Subject::fixed("参加同意書のご提出のお願い", "Please return the participation agreement");
    /// The agreement was received: participation confirmed (STEP5).
    pub const CONFIRMED: Subject = Subject::fixed("参加が確定しました", "Your participation is confirmed");

    /// A monthly UTM report was released; `month` is `YYYY-MM`.
    pub fn report_released(month: &str) -> Subject {
        let english = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map(|first| first.format("%B %Y").to_string())
            .unwrap_or_else(|_| month.to_string());
        Subject {
            ja: format!("UTM月次レポート（{}）を公開しました", crate::reports::month_label(month)).into(),
            en: format!("Your UTM monthly report for {english} is ready").into(),
        }
    }
}

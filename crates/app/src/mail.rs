//! The e-mails Kojo sends, composed from Japanese text templates (`templates/mail/`), and the
//! subjects of the notices each use case sends.

use askama::Template;
use domain::application::NewApplication;
use store::applications::{ApplicationStatus, SubmittedFacts};
use store::outbox::OutgoingEmail;
use store::programmes::{CourseRecord, ProgrammeRecord};

/// What e-mails say about the secretariat and where links point.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The address people reach Kojo at.
    pub public_url: String,
    pub secretariat_name: String,
    pub secretariat_contact: String,
}

#[derive(Template)]
#[template(path = "mail/acknowledgement.txt")]
struct Acknowledgement<'a> {
    programme_name: &'a str,
    reference: &'a str,
    course_name: &'a str,
    received_at: String,
    waitlisted: bool,
    waitlist_position: u32,
    contact_due: String,
    status_url: String,
    secretariat_name: &'a str,
    secretariat_contact: &'a str,
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
    let local = facts.received_at.with_timezone(&chrono_tz::Asia::Tokyo);
    let body = Acknowledgement {
        programme_name: &programme.name_ja,
        reference: &facts.reference,
        course_name: &course.name_ja,
        received_at: format!(
            "{} {}",
            domain::wareki::format_date_with_weekday(local.date_naive()),
            local.format("%H:%M")
        ),
        waitlisted: facts.status == ApplicationStatus::Waitlisted,
        waitlist_position: facts.waitlist_position.unwrap_or(0),
        contact_due: domain::wareki::format_date_with_weekday(facts.contact_due),
        status_url: format!("{}/status", config.public_url.trim_end_matches('/')),
        secretariat_name: &config.secretariat_name,
        secretariat_contact: &config.secretariat_contact,
    }
    .render()
    .unwrap_or_else(|e| format!("申込番号: {}\n({e})", facts.reference));
    OutgoingEmail {
        to: application.contact.email.as_str().to_string(),
        subject: format!("【{}】お申込みを受け付けました（申込番号 {}）", programme.name_ja, facts.reference),
        body,
    }
}

#[derive(Template)]
#[template(path = "mail/portal_link.txt")]
struct PortalLink<'a> {
    reference: &'a str,
    link: String,
    minutes: i64,
    secretariat_name: &'a str,
}

/// The one-time sign-in link to the company portal. Anyone can ask for it to be sent to an
/// application's contact address, so like the acknowledgement it carries only what Kojo made
/// (the reference and the link), never the company name the applicant typed.
pub fn portal_link(
    config: &MailSettings,
    to: &str,
    reference: &str,
    token: &str,
    task: domain::portal::PortalTask,
) -> OutgoingEmail {
    let query = if task.code().is_empty() { String::new() } else { format!("?task={}", task.code()) };
    let body = PortalLink {
        reference,
        link: format!("{}/portal/auth/{token}{query}", config.public_url.trim_end_matches('/')),
        minutes: store::portal::LINK_LIFETIME_MINUTES,
        secretariat_name: &config.secretariat_name,
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail {
        to: to.to_string(), subject: "【運営事務局】参加企業ページへのログインリンク".into(), body
    }
}

#[derive(Template)]
#[template(path = "mail/message_notice.txt")]
struct MessageNotice<'a> {
    company_name: &'a str,
    reference: &'a str,
    request: &'static str,
    portal: String,
    secretariat_name: &'a str,
    secretariat_contact: &'a str,
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
    config: &MailSettings,
    to: &str,
    company_name: &str,
    reference: &str,
    subject: &str,
    task: domain::portal::PortalTask,
) -> OutgoingEmail {
    let body = MessageNotice {
        company_name,
        reference,
        request: task.request_ja(),
        portal: portal_login_url(config, task),
        secretariat_name: &config.secretariat_name,
        secretariat_contact: &config.secretariat_contact,
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail { to: to.to_string(), subject: format!("【運営事務局】{subject}"), body }
}

// The participation agreement (STEP4–5).

#[derive(Template)]
#[template(path = "mail/agreement_sent.txt")]
struct AgreementMail<'a> {
    company_name: &'a str,
    contact_name: &'a str,
    reference: &'a str,
    portal: String,
    secretariat_name: &'a str,
    secretariat_contact: &'a str,
}

/// The e-mail telling the company its participation is confirmed (STEP5).
/// The e-mail that confirms participation (STEP5).
pub fn participation_confirmed(
    config: &MailSettings,
    record: &store::applications::ApplicationRecord,
) -> OutgoingEmail {
    let body = ConfirmedMail {
        company_name: &record.company_name,
        contact_name: &record.contact_name,
        reference: &record.reference,
        secretariat_name: &config.secretariat_name,
        secretariat_contact: &config.secretariat_contact,
    }
    .render()
    .unwrap_or_else(|e| format!("申込番号: {}\n({e})", record.reference));
    OutgoingEmail {
        to: record.contact_email.clone(), subject: "【運営事務局】参加が確定しました".into(), body
    }
}

/// The e-mail that sends the agreement (STEP4).
pub fn agreement_sent(config: &MailSettings, record: &store::applications::ApplicationRecord) -> OutgoingEmail {
    let body = AgreementMail {
        company_name: &record.company_name,
        contact_name: &record.contact_name,
        reference: &record.reference,
        portal: portal_login_url(config, domain::portal::PortalTask::Agreement),
        secretariat_name: &config.secretariat_name,
        secretariat_contact: &config.secretariat_contact,
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail {
        to: record.contact_email.clone(), subject: "【運営事務局】参加同意書のご提出のお願い".into(), body
    }
}

#[derive(Template)]
#[template(path = "mail/participation_confirmed.txt")]
struct ConfirmedMail<'a> {
    company_name: &'a str,
    contact_name: &'a str,
    reference: &'a str,
    secretariat_name: &'a str,
    secretariat_contact: &'a str,
}

#[derive(Template)]
#[template(path = "mail/trial_ending.txt")]
struct TrialEnding<'a> {
    company_name: &'a str,
    reference: &'a str,
    model: &'a str,
    last_day: String,
    portal: String,
    secretariat_name: &'a str,
    secretariat_contact: &'a str,
}

/// Tells the company its UTM trial ends on `last_day` and asks it to choose continuation or
/// removal (募集要項 §8 ①: at the end of the trial the company contracts or the UTM is removed).
pub fn trial_ending(
    config: &MailSettings,
    record: &store::applications::ApplicationRecord,
    model: &str,
    last_day: chrono::NaiveDate,
) -> OutgoingEmail {
    let body = TrialEnding {
        company_name: &record.company_name,
        reference: &record.reference,
        model,
        last_day: domain::wareki::format_date(last_day),
        portal: portal_login_url(config, domain::portal::PortalTask::Messages),
        secretariat_name: &config.secretariat_name,
        secretariat_contact: &config.secretariat_contact,
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail {
        to: record.contact_email.clone(),
        subject: format!("【運営事務局】{}", subject::TRIAL_ENDING),
        body,
    }
}

/// Subjects of the notices that point the company to its portal.
pub mod subject {
    /// Tokyo approved the case: the company is asked to confirm its intent (STEP3).
    pub const APPROVED: &str = "参加意思の確認のお願い";
    /// The secretariat posted a message.
    pub const MESSAGE: &str = "メッセージが届いています";
    /// A place freed up and the waitlisted application now holds it.
    pub const PROMOTED: &str = "キャンセル待ちから繰り上がりました";
    /// The UTM's free trial ends soon: continue or remove.
    pub const TRIAL_ENDING: &str = "UTM無償体験期間終了のお知らせ（継続・撤去のご確認）";
}

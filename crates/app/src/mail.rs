//! The e-mails Kojo sends, composed from text templates (`templates/mail/`) in the language the
//! company chose, each signed with the contact details of the secretariat of the application's
//! programme year, and the subjects of the notices each use case sends.

use std::borrow::Cow;

use askama::Template;
use chrono::{DateTime, Utc};
use domain::application::{Language, NewApplication};
use domain::secretariat::Secretariat;
use domain::seminar::{Mode, RegistrationStatus};
use store::applications::{ApplicationRecord, ApplicationStatus, SubmittedFacts};
use store::outbox::{Attachment, OutgoingEmail};
use store::programmes::{CourseRecord, ProgrammeRecord};
use store::seminars::{RegistrationRecord, SeminarRecord};

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
    OutgoingEmail { to: application.contact.email.as_str().to_string(), subject, body, attachments: Vec::new() }
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
    OutgoingEmail { to: to.to_string(), subject: letter.subject(&subject::PORTAL_LINK), body, attachments: Vec::new() }
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
    OutgoingEmail { to: record.contact_email.clone(), subject: letter.subject(subject), body, attachments: Vec::new() }
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
    OutgoingEmail {
        to: record.contact_email.clone(),
        subject: letter.subject(&subject::AGREEMENT_SENT),
        body,
        attachments: Vec::new(),
    }
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
    OutgoingEmail {
        to: record.contact_email.clone(),
        subject: letter.subject(&subject::CONFIRMED),
        body,
        attachments: Vec::new(),
    }
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
        portal: portal_login_url(letter.settings, domain::portal::PortalTask::TrialChoice),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    OutgoingEmail {
        to: record.contact_email.clone(),
        subject: letter.subject(&subject::TRIAL_ENDING),
        body,
        attachments: Vec::new(),
    }
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
    /// The expert recorded a guidance visit's report.
    pub const GUIDANCE_REPORT: Subject =
        Subject::fixed("経営指導の報告をお送りしました", "Your guidance visit report is ready");
    /// A case study draft waits for the company's review.
    pub const CASE_STUDY: Subject = Subject::fixed("事例原稿のご確認のお願い", "Please review your case study draft");
    pub const SURVEY: Subject = Subject::fixed("アンケートへのご協力のお願い", "Please answer our survey");
    pub const SURVEY_REMINDER: Subject =
        Subject::fixed("【再送】アンケートへのご協力のお願い", "Reminder: please answer our survey");
    /// The expert released a risk assessment report.
    pub const RISK_REPORT: Subject =
        Subject::fixed("リスクアセスメント報告書をお送りしました", "Your risk assessment report is ready");

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

/// Which seminar e-mail to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeminarNotice {
    /// Registered with a seat.
    Held,
    /// Registered on the waiting list, at this place in the queue.
    Waitlisted { position: u32 },
    /// Moved up from the waiting list into a freed seat.
    Promoted,
    /// Moved to the other mode.
    Switched,
    /// Cancelled; `had_seat` when calendars hold the invitation to withdraw.
    Cancelled { had_seat: bool },
    /// The day before: the time, the place or the video link again.
    Reminder,
    /// An hour before, online registrants only: the video link.
    StartingSoon,
}

#[derive(Template)]
#[template(path = "mail/seminar.txt")]
struct SeminarText<'a> {
    en: bool,
    kind: &'a str,
    title: &'a str,
    reference: &'a str,
    when: String,
    mode_label: &'a str,
    venue: bool,
    venue_name: &'a str,
    venue_address: &'a str,
    map_url: Option<&'a str>,
    online_url: Option<&'a str>,
    attendees: u32,
    seat: bool,
    queue_position: u32,
    manage_url: String,
    deadline: String,
    signature: String,
}

/// 令和5年9月6日（水）14:00～16:00 / Wednesday, 6 September 2023, 14:00–16:00 JST.
pub fn seminar_time(en: bool, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
    let start = starts_at.with_timezone(&chrono_tz::Asia::Tokyo);
    let end = ends_at.with_timezone(&chrono_tz::Asia::Tokyo);
    if en {
        format!("{}, {}–{} JST", start.format("%A, %-d %B %Y"), start.format("%H:%M"), end.format("%H:%M"))
    } else {
        format!(
            "{} {}～{}",
            domain::wareki::format_date_with_weekday(start.date_naive()),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    }
}

/// An instant in Tokyo time, to the minute (or second when it is not :00).
pub fn tokyo_instant(en: bool, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&chrono_tz::Asia::Tokyo);
    let time = if local.format("%S").to_string() == "00" { local.format("%H:%M") } else { local.format("%H:%M:%S") };
    if en {
        format!("{} {time} JST", local.format("%-d %B %Y"))
    } else {
        format!("{} {time}", domain::wareki::format_date_with_weekday(local.date_naive()))
    }
}

/// The e-mail of a seminar registration. Like the application's acknowledgement it goes to an
/// address nobody has confirmed, so it carries only what Kojo generated — never the names or
/// questions typed in the form. A held seat comes with the calendar invitation (.ics,
/// METHOD:REQUEST, one UID per registration) and, at the venue, the reference as a QR code;
/// a cancelled seat with METHOD:CANCEL. The video call's address goes only to online
/// registrants holding a seat.
pub fn seminar_notice(
    letter: &Letter<'_>,
    seminar: &SeminarRecord,
    registration: &RegistrationRecord,
    notice: SeminarNotice,
    manage_token: Option<&str>,
    now: DateTime<Utc>,
) -> OutgoingEmail {
    let en = letter.en();
    let title = letter.language.pick(&seminar.title_ja, &seminar.title_en);
    let held = registration.status == RegistrationStatus::Held;
    let (kind, seat, subject) = match notice {
        SeminarNotice::Held => {
            ("held", true, Subject::fixed("説明会のお申込みを受け付けました", "Seminar registration confirmed"))
        }
        SeminarNotice::Waitlisted { .. } => {
            ("waitlisted", false, Subject::fixed("説明会のキャンセル待ちを受け付けました", "Seminar waiting list"))
        }
        SeminarNotice::Promoted => (
            "promoted",
            true,
            Subject::fixed("説明会の参加登録が確定しました（繰り上げ）", "A seminar seat is now yours"),
        ),
        SeminarNotice::Switched => {
            ("switched", true, Subject::fixed("説明会の参加方法を変更しました", "Seminar: way of attending changed"))
        }
        SeminarNotice::Cancelled { had_seat } => (
            "cancelled",
            had_seat,
            Subject::fixed("説明会のお申込みをキャンセルしました", "Seminar registration cancelled"),
        ),
        SeminarNotice::Reminder => ("reminder", false, Subject::fixed("明日の説明会のご案内", "Tomorrow's seminar")),
        SeminarNotice::StartingSoon => {
            ("soon", false, Subject::fixed("説明会がまもなく始まります", "The seminar starts soon"))
        }
    };
    let venue = registration.mode == Mode::Venue;
    let online_url = if !venue && held && kind != "cancelled" { seminar.online_url.as_deref() } else { None };
    let base = letter.settings.public_url.trim_end_matches('/');
    let manage_url = manage_token.map(|token| format!("{base}/seminars/manage/{token}")).unwrap_or_default();
    let mode_label = if en { registration.mode.label_en() } else { registration.mode.label_ja() };
    let when = seminar_time(en, seminar.starts_at, seminar.ends_at);
    let body = SeminarText {
        en,
        kind,
        title,
        reference: &registration.reference,
        when: when.clone(),
        mode_label: if en && venue {
            "at the venue"
        } else if en {
            "online"
        } else {
            mode_label
        },
        venue,
        venue_name: &seminar.venue_name,
        venue_address: &seminar.venue_address,
        map_url: seminar.venue_map_url.as_deref(),
        online_url,
        attendees: registration.attendees,
        seat,
        queue_position: match notice {
            SeminarNotice::Waitlisted { position } => position,
            _ => 0,
        },
        manage_url: manage_url.clone(),
        deadline: tokyo_instant(en, seminar.deadline),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("{}\n({e})", registration.reference));
    let mut attachments = Vec::new();
    if seat {
        let host = base.split("://").nth(1).unwrap_or(base).split(['/', ':']).next().unwrap_or("kojo");
        let uid = format!("seminar-{}@{host}", registration.id);
        let organizer_email =
            letter.secretariat.email().map(str::to_string).unwrap_or_else(|| format!("noreply@{host}"));
        let mut description = format!(
            "{}{}\n{}{}",
            letter.language.pick("受付番号：", "Reference: "),
            registration.reference,
            letter.language.pick("参加方法：", "Attending: "),
            mode_label
        );
        if !manage_url.is_empty() {
            description.push_str(&format!(
                "\n{}{manage_url}",
                letter.language.pick("変更・キャンセル：", "Change or cancel: ")
            ));
        }
        let location = match online_url {
            Some(url) => url.to_string(),
            None if venue => format!("{} {}", seminar.venue_name, seminar.venue_address),
            None => letter.language.pick("オンライン", "Online").to_string(),
        };
        let method = if kind == "cancelled" { documents::ics::Method::Cancel } else { documents::ics::Method::Request };
        let ics = documents::ics::invitation(&documents::ics::Invitation {
            method,
            uid: &uid,
            sequence: registration.sequence,
            stamp: now,
            starts_at: seminar.starts_at,
            ends_at: seminar.ends_at,
            summary: title,
            description: &description,
            location: &location,
            url: online_url,
            organizer_name: letter.secretariat.name(letter.language),
            organizer_email: &organizer_email,
            attendee_name: &registration.email,
            attendee_email: &registration.email,
        });
        let method_name = if kind == "cancelled" { "CANCEL" } else { "REQUEST" };
        attachments.push(Attachment {
            filename: "invite.ics".into(),
            content_type: format!("text/calendar; charset=utf-8; method={method_name}"),
            content: ics.into_bytes(),
        });
    }
    // The reference as a QR code for the venue's reception: with the seat, and again the day before.
    let shows_qr = venue && held && (seat || kind == "reminder") && kind != "cancelled";
    if shows_qr && let Ok(png) = documents::qr::png(&registration.reference) {
        attachments.push(Attachment {
            filename: format!("{}.png", registration.reference),
            content_type: "image/png".into(),
            content: png,
        });
    }
    let subject = letter.subject(&Subject {
        ja: format!("{}（{}）", subject.ja, registration.reference).into(),
        en: format!("{} ({})", subject.en, registration.reference).into(),
    });
    OutgoingEmail { to: registration.email.clone(), subject, body, attachments }
}

/// What changed on a ticket, as the company's e-mail says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentNotice {
    /// The ticket was opened (in the portal, or by the desk for a call or an e-mail).
    Opened,
    /// The desk answered.
    Replied,
    /// The desk asks the company something and waits.
    AskedCompany,
    /// The desk took a remote action.
    RemoteAction(domain::incident::RemoteAction),
    /// The desk recorded the ticket as resolved.
    Resolved,
    /// An engineer's visit was scheduled (on-site support or the UTM's removal).
    DispatchScheduled(store::incidents::DispatchKind),
    DispatchCancelled,
    /// The engineer recorded the visit.
    VisitRecorded,
}

impl IncidentNotice {
    fn subject(self) -> Subject {
        match self {
            IncidentNotice::Opened => {
                Subject::fixed("インシデント窓口でご相談を受け付けました", "Your incident desk ticket is open")
            }
            IncidentNotice::Replied => {
                Subject::fixed("インシデント窓口から回答がありました", "The incident desk has replied")
            }
            IncidentNotice::AskedCompany => {
                Subject::fixed("インシデント窓口からの確認のお願い", "The incident desk needs your answer")
            }
            IncidentNotice::RemoteAction(_) => {
                Subject::fixed("インシデント窓口が遠隔で対応しました", "The incident desk took a remote action")
            }
            IncidentNotice::Resolved => Subject::fixed("ご相談の件が解決しました", "Your ticket is resolved"),
            IncidentNotice::DispatchScheduled(store::incidents::DispatchKind::Removal) => {
                Subject::fixed("UTM機器撤去の訪問日時のお知らせ", "UTM removal: visit scheduled")
            }
            IncidentNotice::DispatchScheduled(_) => {
                Subject::fixed("技術者の訪問日時のお知らせ", "An engineer will visit")
            }
            IncidentNotice::DispatchCancelled => Subject::fixed("訪問予定の取り消し", "Visit cancelled"),
            IncidentNotice::VisitRecorded => Subject::fixed("訪問作業のご報告", "Visit report"),
        }
    }

    fn what(self, en: bool) -> String {
        let pick = |ja: &str, e: &str| if en { e.to_string() } else { ja.to_string() };
        match self {
            IncidentNotice::Opened => pick(
                "ご相談を受け付けました。担当者が内容を確認し、ご連絡いたします。",
                "We have received your request. The desk will look into it and reply.",
            ),
            IncidentNotice::Replied => pick("インシデント窓口から回答がありました。", "The incident desk has replied."),
            IncidentNotice::AskedCompany => pick(
                "インシデント窓口から確認したいことがあります。参加企業ページからご返信ください。ご返信をいただくまで、対応を一時お待ちしています。",
                "The incident desk needs an answer from you. Please reply in the portal; the desk waits for your answer.",
            ),
            IncidentNotice::RemoteAction(action) => {
                if en {
                    format!("The incident desk took a remote action: {}.", action.label_en())
                } else {
                    format!("インシデント窓口が遠隔で対応を行いました（{}）。", action.label_ja())
                }
            }
            IncidentNotice::Resolved => pick(
                "この件は解決として記録されました。同じ問題が続く場合は、参加企業ページからご返信ください（再びお調べします）。",
                "This ticket was recorded as resolved. If the problem continues, reply in the portal and the desk will look again.",
            ),
            IncidentNotice::DispatchScheduled(store::incidents::DispatchKind::Removal) => pick(
                "無償体験期間の終了にともない、UTM機器の撤去に伺います。撤去の費用はかかりません。",
                "As the free trial ends, an engineer will come to remove the UTM. Removal costs you nothing.",
            ),
            IncidentNotice::DispatchScheduled(_) => pick(
                "技術者が貴社に伺って対応します。ご都合が悪い場合は、参加企業ページからお知らせください。",
                "An engineer will visit you. If the time does not suit you, tell the desk in the portal.",
            ),
            IncidentNotice::DispatchCancelled => {
                pick("次の訪問予定を取り消しました。", "The following visit was cancelled.")
            }
            IncidentNotice::VisitRecorded => pick(
                "訪問作業の報告を登録しました。内容は参加企業ページでご確認いただけます。",
                "The engineer's visit report is in the portal.",
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "mail/incident_company.txt")]
struct IncidentCompanyText<'a> {
    en: bool,
    company_name: &'a str,
    reference: &'a str,
    subject: &'a str,
    what: String,
    visit: String,
    engineer: &'a str,
    calendar: bool,
    portal: String,
    signature: String,
}

/// Tells the company what changed on its ticket; the messages themselves stay in the portal.
pub fn incident_notice(
    letter: &Letter<'_>,
    record: &ApplicationRecord,
    ticket: &store::incidents::TicketRecord,
    notice: IncidentNotice,
) -> OutgoingEmail {
    let body = IncidentCompanyText {
        en: letter.en(),
        company_name: &record.company_name,
        reference: &ticket.reference,
        subject: &ticket.subject,
        what: notice.what(letter.en()),
        visit: String::new(),
        engineer: "",
        calendar: false,
        portal: portal_login_url(letter.settings, domain::portal::PortalTask::Incidents),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("{}\n({e})", ticket.reference));
    let subject = notice.subject();
    let subject = letter.subject(&Subject {
        ja: format!("{}（{}）", subject.ja, ticket.reference).into(),
        en: format!("{} ({})", subject.en, ticket.reference).into(),
    });
    OutgoingEmail { to: record.contact_email.clone(), subject, body, attachments: Vec::new() }
}

/// Tells the company of an engineer's visit — scheduled (with the invitation, .ics), cancelled
/// (the invitation withdrawn) or recorded.
pub fn dispatch_notice(
    letter: &Letter<'_>,
    record: &ApplicationRecord,
    ticket: Option<&store::incidents::TicketRecord>,
    dispatch: &store::incidents::DispatchRecord,
    engineer: &str,
    notice: IncidentNotice,
    now: DateTime<Utc>,
) -> OutgoingEmail {
    let en = letter.en();
    let kind_label = if en { dispatch.kind.label_en() } else { dispatch.kind.label_ja() };
    let reference = ticket.map(|t| t.reference.as_str()).unwrap_or(&record.reference);
    let subject_line = ticket.map(|t| t.subject.as_str()).unwrap_or(kind_label);
    let calendar = matches!(notice, IncidentNotice::DispatchScheduled(_) | IncidentNotice::DispatchCancelled);
    let when = seminar_time(en, dispatch.starts_at, dispatch.ends_at);
    let body = IncidentCompanyText {
        en,
        company_name: &record.company_name,
        reference,
        subject: subject_line,
        what: notice.what(en),
        visit: when,
        engineer,
        calendar,
        portal: portal_login_url(letter.settings, domain::portal::PortalTask::Incidents),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("{reference}\n({e})"));
    let mut attachments = Vec::new();
    if calendar {
        let base = letter.settings.public_url.trim_end_matches('/');
        let host = base.split("://").nth(1).unwrap_or(base).split(['/', ':']).next().unwrap_or("kojo");
        let uid = format!("dispatch-{}@{host}", dispatch.id);
        let organizer_email =
            letter.secretariat.email().map(str::to_string).unwrap_or_else(|| format!("noreply@{host}"));
        let cancel = notice == IncidentNotice::DispatchCancelled;
        let description = format!("{}{reference}", letter.language.pick("受付番号：", "Reference: "));
        let location = format!("{} {}", record.company_name, record.address);
        let summary = format!("{kind_label}（{}）", letter.secretariat.name(letter.language));
        let ics = documents::ics::invitation(&documents::ics::Invitation {
            method: if cancel { documents::ics::Method::Cancel } else { documents::ics::Method::Request },
            uid: &uid,
            sequence: dispatch.sequence,
            stamp: now,
            starts_at: dispatch.starts_at,
            ends_at: dispatch.ends_at,
            summary: &summary,
            description: &description,
            location: &location,
            url: None,
            organizer_name: letter.secretariat.name(letter.language),
            organizer_email: &organizer_email,
            attendee_name: &record.contact_name,
            attendee_email: &record.contact_email,
        });
        attachments.push(Attachment {
            filename: "visit.ics".into(),
            content_type: format!("text/calendar; charset=utf-8; method={}", if cancel { "CANCEL" } else { "REQUEST" }),
            content: ics.into_bytes(),
        });
    }
    let subject = notice.subject();
    let subject = letter.subject(&Subject {
        ja: format!("{}（{reference}）", subject.ja).into(),
        en: format!("{} ({reference})", subject.en).into(),
    });
    OutgoingEmail { to: record.contact_email.clone(), subject, body, attachments }
}

/// What the desk is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskNotice {
    Opened,
    CompanyReplied,
    Breached(store::incidents::Breach),
}

#[derive(Template)]
#[template(path = "mail/incident_desk.txt")]
struct IncidentDeskText<'a> {
    what_ja: &'a str,
    what_en: &'a str,
    reference: &'a str,
    company_name: &'a str,
    category: &'a str,
    severity: &'a str,
    channel: &'a str,
    subject: &'a str,
    url: String,
}

/// An e-mail to desk staff (in both languages: staff have no language setting).
pub fn desk_notice(
    settings: &MailSettings,
    to: &str,
    ticket: &store::incidents::TicketRecord,
    notice: DeskNotice,
) -> OutgoingEmail {
    use store::incidents::Breach;
    let (what_ja, what_en, subject) = match notice {
        DeskNotice::Opened => ("新しいチケットが起票されました。", "A new ticket was opened.", "新規 / New"),
        DeskNotice::CompanyReplied => {
            ("企業から返信・ファイルが届きました。", "The company replied or sent a file.", "返信 / Reply")
        }
        DeskNotice::Breached(Breach::FirstResponse) => (
            "初動対応の目標時間を超過しました（SLA違反）。",
            "The first-response target has passed (SLA breach).",
            "SLA違反（初動） / SLA breach (first response)",
        ),
        DeskNotice::Breached(Breach::Resolution) => (
            "解決の目標時間を超過しました（SLA違反）。",
            "The resolution target has passed (SLA breach).",
            "SLA違反（解決） / SLA breach (resolution)",
        ),
    };
    let url = format!("{}/office/incidents/{}", settings.public_url.trim_end_matches('/'), ticket.id);
    let category = format!("{} / {}", ticket.category.label_ja(), ticket.category.label_en());
    let severity = format!("{} / {}", ticket.severity.label_ja(), ticket.severity.code());
    let channel = format!("{} / {}", ticket.channel.label_ja(), ticket.channel.label_en());
    let body = IncidentDeskText {
        what_ja,
        what_en,
        reference: &ticket.reference,
        company_name: &ticket.company_name,
        category: &category,
        severity: &severity,
        channel: &channel,
        subject: &ticket.subject,
        url,
    }
    .render()
    .unwrap_or_else(|e| format!("{}\n({e})", ticket.reference));
    OutgoingEmail {
        to: to.to_string(),
        subject: format!("【インシデント窓口】{subject}：{} {}", ticket.severity.label_ja(), ticket.reference),
        body,
        attachments: Vec::new(),
    }
}

/// Tells the UTM operator's staff what a company chose for after its trial (both languages:
/// staff have no language setting).
pub fn trial_choice_notice(
    settings: &MailSettings,
    to: &str,
    record: &ApplicationRecord,
    device: &store::devices::DeviceRecord,
    choice: domain::device::TrialChoice,
) -> OutgoingEmail {
    let last_day = device.trial_last_day().map(|d| d.to_string()).unwrap_or_default();
    let url = format!("{}/office/trial-ends", settings.public_url.trim_end_matches('/'));
    let body = format!(
        "体験期間終了後のご希望が届きました。\nThe company chose what happens after the trial.\n\n\
         企業 / Company: {} ({})\n機器 / Device: {} {} ({})\n体験最終日 / Last day: {last_day}\n\
         希望 / Choice: {} / {}\n\n{url}\n",
        record.company_name,
        record.reference,
        device.vendor,
        device.model,
        device.serial,
        choice.label_ja(),
        choice.label_en(),
    );
    OutgoingEmail {
        to: to.to_string(),
        subject: format!("【UTM】体験終了後の希望：{}（{}）", choice.label_ja(), record.company_name),
        body,
        attachments: Vec::new(),
    }
}

/// Tells an expert a company was assigned to it (staff: both languages).
pub fn expert_assigned(settings: &MailSettings, to: &str, record: &ApplicationRecord) -> OutgoingEmail {
    let risk = record.course_code == domain::programme::CourseCode::RiskAssessment;
    let (page, ja, en) = if risk {
        ("risk", "リスクアセスメント", "the risk assessment")
    } else {
        ("guidance", "経営指導", "management guidance")
    };
    let url = format!("{}/office/{page}/{}", settings.public_url.trim_end_matches('/'), record.id);
    OutgoingEmail {
        to: to.to_string(),
        subject: format!("【{ja}】担当企業が割り当てられました：{}", record.company_name),
        body: format!(
            "{ja}の担当企業が割り当てられました。\nA company was assigned to you for {en}.\n\n\
             企業 / Company: {} ({})\n\n{url}\n",
            record.company_name, record.reference
        ),
        attachments: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "mail/guidance_visit.txt")]
struct GuidanceVisitText<'a> {
    en: bool,
    /// `planned`, `moved` or `cancelled`.
    change: &'static str,
    company_name: &'a str,
    reference: &'a str,
    number: u32,
    when: String,
    online: bool,
    expert: &'a str,
    portal: String,
    signature: String,
}

/// What happened to a guidance visit, as the company is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitChange {
    Planned,
    Moved,
    Cancelled,
}

/// Tells the company of a planned, moved or cancelled guidance visit, with a calendar
/// invitation (.ics: a request, or a cancellation, with the visit's sequence).
pub fn guidance_visit(
    letter: &Letter<'_>,
    record: &ApplicationRecord,
    visit: &store::guidance::VisitRecord,
    expert: &str,
    change: VisitChange,
    now: DateTime<Utc>,
) -> OutgoingEmail {
    let en = letter.en();
    let when = seminar_time(en, visit.starts_at, visit.ends_at);
    let body = GuidanceVisitText {
        en,
        change: match change {
            VisitChange::Planned => "planned",
            VisitChange::Moved => "moved",
            VisitChange::Cancelled => "cancelled",
        },
        company_name: &record.company_name,
        reference: &record.reference,
        number: visit.number,
        when,
        online: visit.mode == "online",
        expert,
        portal: portal_login_url(letter.settings, domain::portal::PortalTask::Guidance),
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("{}\n({e})", record.reference));
    let base = letter.settings.public_url.trim_end_matches('/');
    let host = base.split("://").nth(1).unwrap_or(base).split(['/', ':']).next().unwrap_or("kojo");
    let uid = format!("guidance-{}@{host}", visit.id);
    let organizer_email = letter.secretariat.email().map(str::to_string).unwrap_or_else(|| format!("noreply@{host}"));
    let summary = format!(
        "{}（{}/{}）",
        letter.language.pick("経営指導", "Guidance visit"),
        visit.number,
        domain::guidance::MAX_VISITS
    );
    let location = if visit.mode == "online" {
        letter.language.pick("オンライン", "Online").to_string()
    } else {
        format!("{} {}", record.company_name, record.address)
    };
    let method =
        if change == VisitChange::Cancelled { documents::ics::Method::Cancel } else { documents::ics::Method::Request };
    let ics = documents::ics::invitation(&documents::ics::Invitation {
        method,
        uid: &uid,
        sequence: visit.sequence,
        stamp: now,
        starts_at: visit.starts_at,
        ends_at: visit.ends_at,
        summary: &summary,
        description: &record.reference,
        location: &location,
        url: None,
        organizer_name: letter.secretariat.name(letter.language),
        organizer_email: &organizer_email,
        attendee_name: &record.contact_name,
        attendee_email: &record.contact_email,
    });
    let subject = letter.subject(&match change {
        VisitChange::Planned => Subject {
            ja: format!("経営指導（第{}回）の日程のお知らせ", visit.number).into(),
            en: format!("Guidance visit {} scheduled", visit.number).into(),
        },
        VisitChange::Moved => Subject {
            ja: format!("経営指導（第{}回）の日程変更のお知らせ", visit.number).into(),
            en: format!("Guidance visit {} moved", visit.number).into(),
        },
        VisitChange::Cancelled => Subject {
            ja: format!("経営指導（第{}回）の取消しのお知らせ", visit.number).into(),
            en: format!("Guidance visit {} cancelled", visit.number).into(),
        },
    });
    OutgoingEmail {
        to: record.contact_email.clone(),
        subject,
        body,
        attachments: vec![Attachment {
            filename: "guidance.ics".into(),
            content_type: format!(
                "text/calendar; charset=utf-8; method={}",
                if change == VisitChange::Cancelled { "CANCEL" } else { "REQUEST" }
            ),
            content: ics.into_bytes(),
        }],
    }
}

// Surveys.

/// What a survey e-mail says.
#[derive(Debug, Clone, Copy)]
pub struct SurveyMail<'a> {
    pub to: &'a str,
    pub title: &'a str,
    pub company_name: &'a str,
    pub name: &'a str,
    /// The respondent's link (its own; the hash is what Kojo keeps).
    pub token: &'a str,
    pub reminder: bool,
    /// A participant also finds it in its portal.
    pub in_portal: bool,
}

#[derive(Template)]
#[template(path = "mail/survey.txt")]
struct SurveyText<'a> {
    en: bool,
    title: &'a str,
    company_name: &'a str,
    name: &'a str,
    link: String,
    reminder: bool,
    portal: String,
    signature: String,
}

/// The invitation to a survey, or its reminder: the personal link (no sign-in; it works until
/// the answers are submitted) and, for a participant, the portal where it is also a task.
pub fn survey_notice(letter: &Letter<'_>, mail: SurveyMail<'_>) -> OutgoingEmail {
    let base = letter.settings.public_url.trim_end_matches('/');
    let body = SurveyText {
        en: letter.en(),
        title: mail.title,
        company_name: mail.company_name,
        name: mail.name,
        link: format!("{base}/survey/{}{}", mail.token, if letter.en() { "?lang=en" } else { "" }),
        reminder: mail.reminder,
        portal: if mail.in_portal {
            portal_login_url(letter.settings, domain::portal::PortalTask::Survey)
        } else {
            String::new()
        },
        signature: letter.signature(),
    }
    .render()
    .unwrap_or_else(|e| format!("({e})"));
    let subject = if mail.reminder { &subject::SURVEY_REMINDER } else { &subject::SURVEY };
    OutgoingEmail { to: mail.to.to_string(), subject: letter.subject(subject), body, attachments: Vec::new() }
}

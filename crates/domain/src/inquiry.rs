//! Inquiries (問い合わせ) to the secretariat: what they are about, how they came, where they
//! stand, their reference, and the response clock, which runs in business hours only —
//! weekdays 9:00–17:00 Tokyo time, not on public holidays or closure days (§11 受付時間) — and
//! stops while the secretariat waits for the asker.
//!
//! Must not: read a clock or the database; every function takes the times it works on.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use serde::{Deserialize, Serialize};

use crate::application::{FieldIssues, NAME_MAX, PERSON_MAX, parse_into, required};
use crate::calendar::BusinessCalendar;
use crate::text::{self, EmailAddress, FieldError, PhoneNumber};

/// The longest subject and message the form and the API take.
pub const SUBJECT_MAX: usize = 200;
pub const MESSAGE_MAX: usize = 4000;

/// An inquiry as the form or `POST /api/v1/inquiries` sends it, loosely typed so that nothing
/// typed is lost on the way back to the form.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct InquiryInput {
    pub name: String,
    pub company_name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub category: Option<String>,
    pub subject: String,
    pub message: String,
    pub privacy_policy_accepted: bool,
}

/// An inquiry that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidInquiry {
    pub name: String,
    pub company_name: Option<String>,
    pub email: EmailAddress,
    pub phone: Option<PhoneNumber>,
    pub category: Category,
    pub subject: String,
    pub message: String,
}

/// Checks an inquiry from the public form or the API: every problem, per field, in Japanese
/// and English.
pub fn validate(input: &InquiryInput) -> Result<ValidInquiry, FieldIssues> {
    let mut issues = FieldIssues::default();
    let name = required(&input.name, "name", PERSON_MAX, &mut issues);
    let company_name = match text::optional(input.company_name.as_deref().unwrap_or(""), NAME_MAX) {
        Ok(value) => Some(value),
        Err(error) => {
            issues.push_error("company_name", &error);
            None
        }
    };
    let email = parse_into(EmailAddress::parse(&input.email), "email", &mut issues);
    let phone = match input.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(raw) => parse_into(PhoneNumber::parse(raw), "phone", &mut issues).map(Some),
        None => Some(None),
    };
    let category = match input.category.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => Category::from_code(code).or_else(|| {
            issues.push("category", "お問い合わせの種別の値が正しくありません", "Unknown category");
            None
        }),
        None => {
            issues.push("category", "お問い合わせの種別を選択してください", "Choose what your question is about");
            None
        }
    };
    let subject = required(&input.subject, "subject", SUBJECT_MAX, &mut issues);
    let message = match message_text(&input.message, MESSAGE_MAX) {
        Ok(message) => Some(message),
        Err(error) => {
            issues.push_error("message", &error);
            None
        }
    };
    if !input.privacy_policy_accepted {
        issues.push(
            "privacy_policy_accepted",
            "個人情報の取扱いに同意してください",
            "You must accept the privacy policy",
        );
    }
    match (name, company_name, email, phone, category, subject, message) {
        (Some(name), Some(company_name), Some(email), Some(phone), Some(category), Some(subject), Some(message))
            if issues.0.is_empty() =>
        {
            Ok(ValidInquiry { name, company_name, email, phone, category, subject, message })
        }
        _ => Err(issues),
    }
}

/// A message as typed, its lines kept: line breaks made `\n`, each line's trailing spaces and
/// the whole text's leading and trailing blank lines dropped; no control character but tab and
/// line breaks; at most `max_chars` characters as typed (a line break counting one).
pub fn message_text(input: &str, max_chars: usize) -> Result<String, FieldError> {
    if text::has_control(input) {
        return Err(FieldError::ControlCharacter);
    }
    // Counted as a browser's `maxlength` counts: a line break is one character (CRLF is sent).
    let unified = input.replace("\r\n", "\n").replace('\r', "\n");
    if text::too_long(&unified, max_chars) {
        return Err(FieldError::TooLong { max: max_chars });
    }
    let lines: Vec<&str> = unified.split('\n').map(str::trim_end).collect();
    let text = lines.join("\n").trim_matches('\n').to_string();
    if text.trim().is_empty() {
        return Err(FieldError::Required);
    }
    Ok(text)
}

/// What the FAQ search reads of `parts`: NFKC, hiragana as katakana, lowercase, one space
/// between words. Substring search over it finds two-character words (日程, 費用) on every
/// database, which word-splitting full-text search in PostgreSQL's default configuration does
/// not for Japanese.
pub fn search_text(parts: &[&str]) -> String {
    parts.iter().map(|part| text::to_katakana(part).to_lowercase()).collect::<Vec<_>>().join(" ")
}

/// The words of a search as [`search_text`] writes them; at most 5, each at most 50 characters.
pub fn search_terms(query: &str) -> Vec<String> {
    let query: String = query.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    search_text(&[&query])
        .split_whitespace()
        .filter(|term| !term.is_empty())
        .take(5)
        .map(|term| term.chars().take(50).collect())
        .collect()
}

/// What an inquiry is about (the form's 種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Application,
    Seminars,
    Utm,
    Guidance,
    RiskAssessment,
    Portal,
    Other,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Application,
        Category::Seminars,
        Category::Utm,
        Category::Guidance,
        Category::RiskAssessment,
        Category::Portal,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Application => "application",
            Category::Seminars => "seminars",
            Category::Utm => "utm",
            Category::Guidance => "guidance",
            Category::RiskAssessment => "risk_assessment",
            Category::Portal => "portal",
            Category::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|category| category.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Category::Application => "申込み・申込要件",
            Category::Seminars => "説明会",
            Category::Utm => "UTM（コース①）",
            Category::Guidance => "経営層向け指導・助言",
            Category::RiskAssessment => "リスク分析（コース②）",
            Category::Portal => "参加企業ポータル",
            Category::Other => "その他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Category::Application => "Application and eligibility",
            Category::Seminars => "Briefing seminars",
            Category::Utm => "UTM (course ①)",
            Category::Guidance => "Management guidance",
            Category::RiskAssessment => "Risk assessment (course ②)",
            Category::Portal => "Participants' portal",
            Category::Other => "Other",
        }
    }
}

/// How an inquiry reached the secretariat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Web,
    Email,
    Phone,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Email => "email",
            Channel::Phone => "phone",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        [Channel::Web, Channel::Email, Channel::Phone].into_iter().find(|channel| channel.code() == code)
    }
}

/// Where an inquiry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    New,
    InProgress,
    /// The secretariat asked the asker something; the response clock stops.
    WaitingForAsker,
    Answered,
    Closed,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in_progress",
            Status::WaitingForAsker => "waiting",
            Status::Answered => "answered",
            Status::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        [Status::New, Status::InProgress, Status::WaitingForAsker, Status::Answered, Status::Closed]
            .into_iter()
            .find(|status| status.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Status::New => "新規",
            Status::InProgress => "対応中",
            Status::WaitingForAsker => "回答待ち（問い合わせ者）",
            Status::Answered => "回答済み",
            Status::Closed => "完了",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::InProgress => "In progress",
            Status::WaitingForAsker => "Waiting for the asker",
            Status::Answered => "Answered",
            Status::Closed => "Closed",
        }
    }

    /// Whether the response clock runs (it stops while waiting for the asker and once answered).
    pub fn clock_runs(self) -> bool {
        matches!(self, Status::New | Status::InProgress)
    }
}

/// What happens to an inquiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A staff member takes it up (or is assigned it).
    Start,
    /// A reply that asks the asker for something.
    AskAsker,
    /// A reply that answers.
    Answer,
    /// Done; nothing more expected.
    Close,
    /// The asker wrote again (e-mail, web): a closed or answered inquiry opens again.
    AskerWrote,
}

/// The status after `event`, or `None` when the event does not apply in `status`.
pub fn next(status: Status, event: Event) -> Option<Status> {
    use Status::*;
    match (status, event) {
        (New | WaitingForAsker | Answered, Event::Start) => Some(InProgress),
        (InProgress, Event::Start) => Some(InProgress),
        (New | InProgress | WaitingForAsker | Answered, Event::AskAsker) => Some(WaitingForAsker),
        (New | InProgress | WaitingForAsker | Answered, Event::Answer) => Some(Answered),
        (New | InProgress | WaitingForAsker | Answered, Event::Close) => Some(Closed),
        (New, Event::AskerWrote) => Some(New),
        (InProgress | WaitingForAsker | Answered | Closed, Event::AskerWrote) => Some(InProgress),
        (Closed, _) => None,
    }
}

/// An inquiry's reference: `Q-R8-000123` (the programme year in 令和, a running number).
pub fn reference(fiscal_year: i32, number: u32) -> String {
    format!("Q-R{}-{number:06}", fiscal_year - 2018)
}

/// The reference in `text` (an e-mail subject, say), if one is there.
pub fn find_reference(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(at) = text[start..].find("Q-R").map(|i| i + start) {
        let rest = &bytes[at + 3..];
        let era_digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if (1..=2).contains(&era_digits) && rest.get(era_digits) == Some(&b'-') {
            let number = &rest[era_digits + 1..];
            let digits = number.iter().take_while(|b| b.is_ascii_digit()).count();
            let ends = number.get(digits).is_none_or(|b| !b.is_ascii_alphanumeric());
            let starts = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            if digits == 6 && ends && starts {
                return Some(text[at..at + 3 + era_digits + 1 + 6].to_string());
            }
        }
        start = at + 3;
    }
    None
}

/// When the secretariat answers the telephone and e-mail: 9:00–17:00 Tokyo time on business days.
pub const OPENS: NaiveTime = NaiveTime::from_hms_opt(9, 0, 0).expect("a time");
pub const CLOSES: NaiveTime = NaiveTime::from_hms_opt(17, 0, 0).expect("a time");

/// The target for a first answer (per programme year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// By 17:00 on the business day after the one the inquiry counts from (the default).
    EndOfNextBusinessDay,
    /// Within this many business hours.
    BusinessHours(u32),
}

impl Target {
    /// `next_day` or `hours:N`.
    pub fn code(self) -> String {
        match self {
            Target::EndOfNextBusinessDay => "next_day".into(),
            Target::BusinessHours(hours) => format!("hours:{hours}"),
        }
    }

    pub fn from_code(code: &str) -> Option<Target> {
        match code {
            "next_day" => Some(Target::EndOfNextBusinessDay),
            _ => code
                .strip_prefix("hours:")
                .and_then(|hours| hours.parse().ok())
                .filter(|hours| (1..=200).contains(hours))
                .map(Target::BusinessHours),
        }
    }
}

fn at_tokyo(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    Tokyo
        .from_local_datetime(&date.and_time(time))
        .single()
        .expect("Tokyo has no daylight saving time")
        .with_timezone(&Utc)
}

/// The first business moment at or after `at` (`at` itself inside business hours).
pub fn business_start(calendar: &BusinessCalendar, at: DateTime<Utc>) -> DateTime<Utc> {
    let local = at.with_timezone(&Tokyo);
    let day = local.date_naive();
    let time = local.time();
    if calendar.is_business_day(day) && time >= OPENS && time < CLOSES {
        return at;
    }
    let from = if calendar.is_business_day(day) && time < OPENS { day } else { calendar.add_business_days(day, 1) };
    at_tokyo(calendar.next_business_day_on_or_after(from), OPENS)
}

/// Business time between `from` and `to` (zero when `to` is not after `from`).
pub fn business_time_between(calendar: &BusinessCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    let mut total = Duration::zero();
    let mut cursor = business_start(calendar, from);
    while cursor < to {
        let day = cursor.with_timezone(&Tokyo).date_naive();
        let close = at_tokyo(day, CLOSES);
        total += to.min(close) - cursor;
        cursor = business_start(calendar, close);
    }
    total
}

/// The moment `amount` of business time has passed after `from`.
pub fn add_business_time(calendar: &BusinessCalendar, from: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
    let mut cursor = business_start(calendar, from);
    let mut left = amount;
    loop {
        let day = cursor.with_timezone(&Tokyo).date_naive();
        let close = at_tokyo(day, CLOSES);
        if cursor + left <= close {
            return cursor + left;
        }
        left -= close - cursor;
        cursor = business_start(calendar, close);
    }
}

/// When the first answer is due if the clock never stops.
pub fn first_answer_due(calendar: &BusinessCalendar, received_at: DateTime<Utc>, target: Target) -> DateTime<Utc> {
    match target {
        Target::EndOfNextBusinessDay => {
            let counts_from = business_start(calendar, received_at).with_timezone(&Tokyo).date_naive();
            at_tokyo(calendar.add_business_days(counts_from, 1), CLOSES)
        }
        Target::BusinessHours(hours) => add_business_time(calendar, received_at, Duration::hours(i64::from(hours))),
    }
}

/// A span during which the clock stood still (waiting for the asker); `until` is `None` while
/// it still stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// When the first answer is due, the business time spent waiting for the asker added; `None`
/// while the clock stands (waiting now).
pub fn due_with_pauses(
    calendar: &BusinessCalendar,
    received_at: DateTime<Utc>,
    target: Target,
    pauses: &[Pause],
) -> Option<DateTime<Utc>> {
    let base = first_answer_due(calendar, received_at, target);
    let mut left = business_time_between(calendar, received_at, base);
    let mut cursor = received_at;
    let mut pauses = pauses.to_vec();
    pauses.sort_by_key(|pause| pause.from);
    for pause in pauses {
        if pause.from < cursor {
            // Overlapping or before the receipt: only what lies after the cursor counts.
            match pause.until {
                Some(until) if until > cursor => cursor = until,
                Some(_) => {}
                None => return None,
            }
            continue;
        }
        let before = business_time_between(calendar, cursor, pause.from);
        if before >= left {
            return Some(add_business_time(calendar, cursor, left));
        }
        left -= before;
        cursor = pause.until?;
    }
    Some(add_business_time(calendar, cursor, left))
}

/// Where the clock of an unanswered inquiry stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Due at this moment, not yet passed.
    Due(DateTime<Utc>),
    /// Passed its due moment unanswered.
    Late(DateTime<Utc>),
    /// Waiting for the asker: the clock stands.
    Paused,
}

pub fn clock(
    calendar: &BusinessCalendar,
    received_at: DateTime<Utc>,
    target: Target,
    pauses: &[Pause],
    now: DateTime<Utc>,
) -> Clock {
    match due_with_pauses(calendar, received_at, target, pauses) {
        None => Clock::Paused,
        Some(due) if now > due => Clock::Late(due),
        Some(due) => Clock::Due(due),
    }
}

/// One inquiry as the monthly figures count it.
#[derive(Debug, Clone, Copy)]
pub struct FigureInput {
    pub channel: Channel,
    pub category: Category,
    pub received_at: DateTime<Utc>,
    pub first_answered_at: Option<DateTime<Utc>>,
    /// When its first answer was due (the pauses taken into account); `None` while paused.
    pub due: Option<DateTime<Utc>>,
}

/// A month's inquiry figures for the results report: nobody named.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthFigures {
    pub received: u32,
    pub by_channel: Vec<(Channel, u32)>,
    pub by_category: Vec<(Category, u32)>,
    /// Answered at least once.
    pub answered: u32,
    /// Business minutes from receipt to first answer (weekdays 9–17, holidays excluded).
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    /// First answered by the due time.
    pub within_target: u32,
    /// Not answered and past the due time at `now`.
    pub late_unanswered: u32,
}

/// The figures of the inquiries received in a month, as they stand at `now`. Percentiles are
/// the nearest rank (the smallest value with at least that share of answers at or below it).
pub fn month_figures(calendar: &BusinessCalendar, inquiries: &[FigureInput], now: DateTime<Utc>) -> MonthFigures {
    let mut figures = MonthFigures { received: inquiries.len() as u32, ..MonthFigures::default() };
    for channel in [Channel::Web, Channel::Email, Channel::Phone] {
        let count = inquiries.iter().filter(|i| i.channel == channel).count() as u32;
        figures.by_channel.push((channel, count));
    }
    for category in Category::ALL {
        let count = inquiries.iter().filter(|i| i.category == category).count() as u32;
        figures.by_category.push((category, count));
    }
    let mut minutes: Vec<i64> = Vec::new();
    for inquiry in inquiries {
        match inquiry.first_answered_at {
            Some(answered) => {
                figures.answered += 1;
                minutes.push(business_time_between(calendar, inquiry.received_at, answered).num_minutes());
                if inquiry.due.is_none_or(|due| answered <= due) {
                    figures.within_target += 1;
                }
            }
            None => {
                if inquiry.due.is_some_and(|due| now > due) {
                    figures.late_unanswered += 1;
                }
            }
        }
    }
    minutes.sort_unstable();
    let rank = |share: f64| -> Option<i64> {
        if minutes.is_empty() {
            return None;
        }
        let index = ((share * minutes.len() as f64).ceil() as usize).clamp(1, minutes.len()) - 1;
        Some(minutes[index])
    };
    figures.median_minutes = rank(0.5);
    figures.p90_minutes = rank(0.9);
    figures
}

/// What follows a person's name in a Japanese letter.
const HONORIFICS: [&str; 5] = ["様", "さま", "さん", "殿", "氏"];

/// The reply's first lines for an FAQ draft: the text with e-mail addresses, telephone numbers,
/// references and the given names (the asker's, the company's) taken out.
pub fn faq_draft(text: &str, names: &[&str]) -> String {
    let mut draft = crate::text::redact_personal(text).into_owned();
    let mut names: Vec<&str> = names.iter().map(|name| name.trim()).filter(|name| name.chars().count() >= 2).collect();
    // Longer names first, so a company name is not left half-replaced by a shorter one inside it.
    names.sort_by_key(|name| std::cmp::Reverse(name.len()));
    for name in names {
        draft = draft.replace(name, "〇〇");
        // A name written without its inner space (山田 太郎 → 山田太郎) is the same person.
        let joined: String = name.split_whitespace().collect();
        if joined != name && joined.chars().count() >= 2 {
            draft = draft.replace(&joined, "〇〇");
        }
        // A part of it with an honorific is the person too (山田 太郎 → 山田様, 太郎さん).
        for part in name.split_whitespace() {
            for honorific in HONORIFICS {
                draft = draft.replace(&format!("{part}{honorific}"), &format!("〇〇{honorific}"));
            }
        }
    }
    while let Some(found) = find_reference(&draft) {
        draft = draft.replace(&found, "〔問い合わせ番号〕");
    }
    draft.replace("<e-mail>", "〔メールアドレス〕").replace("<phone>", "〔電話番号〕")
}

/// The fiscal year (April to March, Tokyo time) of `at`: inquiries are numbered per year.
pub fn fiscal_year_of(at: DateTime<Utc>) -> i32 {
    let local = at.with_timezone(&Tokyo).date_naive();
    if local.month() >= 4 { local.year() } else { local.year() - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Tokyo.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    fn show(at: DateTime<Utc>) -> String {
        at.with_timezone(&Tokyo).format("%Y-%m-%d %a %H:%M").to_string()
    }

    #[rstest::rstest]
    // Friday 16:55 before Monday's holiday (2026-09-21 敬老の日, 22 国民の休日, 23 秋分の日):
    // counts from Friday, due at the end of the next business day, Thursday 24th.
    #[case(tokyo(2026, 9, 18, 16, 55), Target::EndOfNextBusinessDay, "2026-09-24 Thu 17:00")]
    // Five business minutes on Friday, the rest from Thursday 9:00.
    #[case(tokyo(2026, 9, 18, 16, 55), Target::BusinessHours(4), "2026-09-24 Thu 12:55")]
    // 17:00 is closed: counts from the next business day.
    #[case(tokyo(2026, 12, 1, 17, 0), Target::EndOfNextBusinessDay, "2026-12-03 Thu 17:00")]
    #[case(tokyo(2026, 12, 1, 16, 59), Target::EndOfNextBusinessDay, "2026-12-02 Wed 17:00")]
    // 08:59 on a business day counts from that day's opening.
    #[case(tokyo(2026, 12, 1, 8, 59), Target::EndOfNextBusinessDay, "2026-12-02 Wed 17:00")]
    #[case(tokyo(2026, 12, 1, 8, 59), Target::BusinessHours(1), "2026-12-01 Tue 10:00")]
    #[case(tokyo(2026, 12, 1, 9, 0), Target::BusinessHours(8), "2026-12-01 Tue 17:00")]
    #[case(tokyo(2026, 12, 1, 9, 1), Target::BusinessHours(8), "2026-12-02 Wed 09:01")]
    // The year-end closure 12/29–1/3: received on the 28th at 16:00, next business day is 1/4.
    #[case(tokyo(2026, 12, 28, 16, 0), Target::EndOfNextBusinessDay, "2027-01-04 Mon 17:00")]
    #[case(tokyo(2026, 12, 28, 16, 0), Target::BusinessHours(2), "2027-01-04 Mon 10:00")]
    #[case(tokyo(2026, 12, 30, 11, 0), Target::EndOfNextBusinessDay, "2027-01-05 Tue 17:00")]
    // Saturday: counts from Monday.
    #[case(tokyo(2026, 12, 5, 10, 0), Target::EndOfNextBusinessDay, "2026-12-08 Tue 17:00")]
    fn first_answers_are_due_in_business_hours(
        #[case] received: DateTime<Utc>,
        #[case] target: Target,
        #[case] due: &str,
    ) {
        let calendar = BusinessCalendar::japan();
        assert_eq!(show(first_answer_due(&calendar, received, target)), due);
        assert_eq!(
            due_with_pauses(&calendar, received, target, &[]),
            Some(first_answer_due(&calendar, received, target))
        );
    }

    #[test]
    fn business_time_skips_nights_weekends_and_holidays() {
        let calendar = BusinessCalendar::japan();
        let hours = |from, to| business_time_between(&calendar, from, to).num_minutes() as f64 / 60.0;
        assert_eq!(hours(tokyo(2026, 12, 4, 16, 0), tokyo(2026, 12, 7, 10, 0)), 2.0, "Fri 16:00 → Mon 10:00");
        assert_eq!(hours(tokyo(2026, 12, 4, 18, 0), tokyo(2026, 12, 5, 12, 0)), 0.0, "evening to Saturday");
        assert_eq!(hours(tokyo(2026, 12, 7, 10, 0), tokyo(2026, 12, 7, 9, 0)), 0.0, "backwards");
        assert_eq!(hours(tokyo(2026, 12, 25, 9, 0), tokyo(2027, 1, 5, 9, 0)), 24.0, "Fri 25th, Mon 28th, Mon 1/4");
    }

    #[test]
    fn waiting_for_the_asker_stops_the_clock() {
        let calendar = BusinessCalendar::japan();
        let received = tokyo(2026, 12, 1, 10, 0); // Tue; due Wed 17:00 without pauses
        // The allowance is 15 business hours (Tue 10:00 → Wed 17:00). The clock runs 1 h, stands
        // from Tue 11:00 to Wed 15:00, then runs Wed 15–17 (2 h) and Thu (8 h): 4 h are left for
        // Friday.
        let pause = Pause { from: tokyo(2026, 12, 1, 11, 0), until: Some(tokyo(2026, 12, 2, 15, 0)) };
        let due = due_with_pauses(&calendar, received, Target::EndOfNextBusinessDay, &[pause]).unwrap();
        assert_eq!(show(due), "2026-12-04 Fri 13:00");
        // Still waiting: no due moment, the board shows it as paused.
        let open = Pause { from: tokyo(2026, 12, 1, 11, 0), until: None };
        assert_eq!(due_with_pauses(&calendar, received, Target::EndOfNextBusinessDay, &[open]), None);
        assert_eq!(
            clock(&calendar, received, Target::EndOfNextBusinessDay, &[open], tokyo(2027, 1, 1, 0, 0)),
            Clock::Paused
        );
        // A pause after the due moment changes nothing: it was late before.
        let late = Pause { from: tokyo(2026, 12, 3, 10, 0), until: Some(tokyo(2026, 12, 4, 10, 0)) };
        let due = due_with_pauses(&calendar, received, Target::EndOfNextBusinessDay, &[late]).unwrap();
        assert_eq!(show(due), "2026-12-02 Wed 17:00");
        assert_eq!(
            clock(&calendar, received, Target::EndOfNextBusinessDay, &[], tokyo(2026, 12, 2, 17, 1)),
            Clock::Late(due)
        );
        assert_eq!(
            clock(&calendar, received, Target::EndOfNextBusinessDay, &[], tokyo(2026, 12, 2, 17, 0)),
            Clock::Due(due)
        );
    }

    #[test]
    fn statuses_follow_the_inquiry() {
        use Event::*;
        use Status::*;
        assert_eq!(next(New, Start), Some(InProgress));
        assert_eq!(next(InProgress, AskAsker), Some(WaitingForAsker));
        assert_eq!(next(WaitingForAsker, AskerWrote), Some(InProgress));
        assert_eq!(next(InProgress, Answer), Some(Answered));
        assert_eq!(next(Answered, Close), Some(Closed));
        assert_eq!(next(Closed, AskerWrote), Some(InProgress), "a new message reopens");
        assert_eq!(next(Closed, Answer), None);
        assert_eq!(next(Closed, Close), None);
        assert!(New.clock_runs() && InProgress.clock_runs());
        assert!(!WaitingForAsker.clock_runs() && !Answered.clock_runs() && !Closed.clock_runs());
        for status in [New, InProgress, WaitingForAsker, Answered, Closed] {
            assert_eq!(Status::from_code(status.code()), Some(status));
        }
        for category in Category::ALL {
            assert_eq!(Category::from_code(category.code()), Some(category));
        }
        assert_eq!(Channel::from_code("phone"), Some(Channel::Phone));
    }

    #[test]
    fn references_are_made_and_found() {
        assert_eq!(reference(2026, 123), "Q-R8-000123");
        assert_eq!(find_reference("Re: [Q-R8-000123] 説明会の日程について"), Some("Q-R8-000123".into()));
        assert_eq!(find_reference("件名 Q-R12-000001"), Some("Q-R12-000001".into()));
        for none in ["Q-R8-00012", "Q-R8-0001234", "XQ-R8-000123", "Q-R-000123", "no reference"] {
            assert_eq!(find_reference(none), None, "{none}");
        }
        assert_eq!(Target::from_code("next_day"), Some(Target::EndOfNextBusinessDay));
        assert_eq!(Target::from_code("hours:8"), Some(Target::BusinessHours(8)));
        assert_eq!(Target::from_code("hours:0"), None);
        assert_eq!(Target::from_code(&Target::BusinessHours(16).code()), Some(Target::BusinessHours(16)));
        assert_eq!(fiscal_year_of(tokyo(2027, 3, 31, 23, 0)), 2026);
        assert_eq!(fiscal_year_of(tokyo(2027, 4, 1, 0, 0)), 2027);
    }

    #[test]
    fn inquiries_are_checked_field_by_field() {
        let good = InquiryInput {
            name: " 山田　太郎 ".into(),
            company_name: Some("".into()),
            email: "Taro@Example.JP".into(),
            phone: Some("０３-１２３４-５６７８".into()),
            category: Some("seminars".into()),
            subject: "説明会の日程".into(),
            message: "\r\n日程を教えてください。  \r\n\r\nよろしくお願いします。\r\n".into(),
            privacy_policy_accepted: true,
        };
        let valid = validate(&good).unwrap();
        assert_eq!(valid.name, "山田 太郎");
        assert_eq!(valid.company_name, None);
        assert_eq!(valid.category, Category::Seminars);
        assert_eq!(valid.message, "日程を教えてください。\n\nよろしくお願いします。");
        let bad = InquiryInput {
            name: "".into(),
            email: "not-an-address".into(),
            phone: Some("12".into()),
            category: Some("billing".into()),
            subject: "x".repeat(SUBJECT_MAX + 1),
            message: " \n ".into(),
            privacy_policy_accepted: false,
            ..InquiryInput::default()
        };
        let issues = validate(&bad).unwrap_err();
        let fields: Vec<&str> = issues.0.iter().map(|issue| issue.field).collect();
        assert_eq!(fields, ["name", "email", "phone", "category", "subject", "message", "privacy_policy_accepted"]);
        assert!(validate(&InquiryInput { category: None, ..good.clone() }).is_err());
        assert!(validate(&InquiryInput { message: "a\u{0}b".into(), ..good }).is_err());
    }

    #[test]
    fn search_finds_two_character_words_in_any_form() {
        let text = search_text(&["説明会の日程と費用は？", "Ｆｅｅｓ and にってい"]);
        for query in ["日程", "費用", "fees", "ニッテイ", "にってい", "  日程　費用 "] {
            let terms = search_terms(query);
            assert!(!terms.is_empty() && terms.iter().all(|term| text.contains(term.as_str())), "{query}");
        }
        assert!(!search_terms("日時").iter().all(|term| text.contains(term.as_str())));
        assert_eq!(search_terms("a b c d e f g").len(), 5);
        assert_eq!(search_terms("日程\u{0}費用"), ["日程", "費用"], "control characters separate words");
    }

    #[test]
    fn month_figures_count_channels_answer_times_and_the_target() {
        let calendar = BusinessCalendar::japan();
        let monday = |h: u32, m: u32| tokyo(2026, 12, 7, h, m);
        let input = |channel, received, answered: Option<DateTime<Utc>>, due| FigureInput {
            channel,
            category: Category::Utm,
            received_at: received,
            first_answered_at: answered,
            due: Some(due),
        };
        let due = tokyo(2026, 12, 8, 17, 0);
        let inquiries = [
            // 30, 60 and 120 business minutes; 120 (16:00–17:00, then 9:00–10:00 the next day).
            input(Channel::Web, monday(9, 0), Some(monday(9, 30)), due),
            input(Channel::Web, monday(10, 0), Some(monday(11, 0)), due),
            input(Channel::Email, monday(13, 0), Some(monday(15, 0)), due),
            input(Channel::Phone, monday(16, 0), Some(tokyo(2026, 12, 8, 10, 0)), due),
            // Answered after its due time.
            input(Channel::Email, monday(9, 0), Some(tokyo(2026, 12, 9, 9, 30)), due),
            // Unanswered: late at `now`, and one not yet due.
            input(Channel::Web, monday(9, 0), None, due),
            input(Channel::Web, monday(9, 0), None, tokyo(2026, 12, 11, 17, 0)),
        ];
        let figures = month_figures(&calendar, &inquiries, tokyo(2026, 12, 10, 12, 0));
        assert_eq!(figures.received, 7);
        assert_eq!(figures.by_channel, [(Channel::Web, 4), (Channel::Email, 2), (Channel::Phone, 1)]);
        assert_eq!(figures.answered, 5);
        // 30, 60, 120, 120 and 990 (Monday and Tuesday whole, 30 minutes on Wednesday).
        assert_eq!(figures.median_minutes, Some(120));
        assert_eq!(figures.p90_minutes, Some(8 * 60 * 2 + 30));
        assert_eq!((figures.within_target, figures.late_unanswered), (4, 1));
        assert_eq!(month_figures(&calendar, &[], tokyo(2026, 12, 10, 12, 0)).median_minutes, None);
    }

    #[test]
    fn faq_drafts_lose_the_personal_details() {
        let answer = "山田 太郎様（株式会社サンプル商事）\nお問い合わせ（Q-R8-000123）ありがとうございます。\
                      説明会の日程は募集ページをご覧ください。ご不明点は taro@sample.co.jp または 03-1234-5678 へ。山田太郎様\n\
                      山田様、太郎さん、株式会社の皆様";
        let draft = faq_draft(answer, &["山田 太郎", "株式会社サンプル商事", " "]);
        for gone in ["山田", "太郎", "サンプル商事", "Q-R8-000123", "taro@", "03-1234-5678"] {
            assert!(!draft.contains(gone), "{gone} in {draft}");
        }
        assert!(draft.contains("説明会の日程は募集ページをご覧ください"));
        assert!(draft.contains("〇〇様、〇〇さん、株式会社の皆様"), "{draft}");
        assert!(
            draft.contains("〔問い合わせ番号〕")
                && draft.contains("〔メールアドレス〕")
                && draft.contains("〔電話番号〕")
        );
    }
}

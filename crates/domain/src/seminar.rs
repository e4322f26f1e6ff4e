//! Briefing seminars (説明会, 募集要項 §9 and STEP0 of §6): hybrid sessions with seats at the
//! venue and online, each mode first come, first served, then its own waitlist; registration
//! open until a deadline (by default 23:59:59 JST the day before).
//!
//! `SeminarSpec` is a seminar as the programme file or the administrator writes it and
//! `ValidSeminar` the checked one; `RegistrationInput` is what the form or the API sends and
//! `NewRegistration` can only be built by [`validate_registration`].

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use serde::{Deserialize, Serialize};

use crate::application::{FieldIssues, LooseNumber, NAME_MAX, NOTE_MAX, PERSON_MAX, parse_into, required};
use crate::corporate_number::CorporateNumber;
pub use crate::secretariat::Language;
use crate::text::{self, EmailAddress, Kana, PhoneNumber};

/// How a person attends: in the room, or on the video call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Venue,
    Online,
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::Venue, Mode::Online];

    pub fn code(self) -> &'static str {
        match self {
            Mode::Venue => "venue",
            Mode::Online => "online",
        }
    }

    pub fn from_code(code: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Mode::Venue => "会場",
            Mode::Online => "オンライン",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Mode::Venue => "At the venue",
            Mode::Online => "Online",
        }
    }

    /// The mode a person is offered when this one is full.
    pub fn other(self) -> Mode {
        match self {
            Mode::Venue => Mode::Online,
            Mode::Online => Mode::Venue,
        }
    }
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Holds a seat in its mode.
    Held,
    /// Waits for a seat in its mode, at its position.
    Waitlisted,
    Cancelled,
}

impl RegistrationStatus {
    pub const ALL: [RegistrationStatus; 3] =
        [RegistrationStatus::Held, RegistrationStatus::Waitlisted, RegistrationStatus::Cancelled];

    pub fn code(self) -> &'static str {
        match self {
            RegistrationStatus::Held => "held",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<RegistrationStatus> {
        RegistrationStatus::ALL.into_iter().find(|status| status.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            RegistrationStatus::Held => "参加登録済み",
            RegistrationStatus::Waitlisted => "キャンセル待ち",
            RegistrationStatus::Cancelled => "キャンセル済み",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RegistrationStatus::Held => "Registered",
            RegistrationStatus::Waitlisted => "Waiting list",
            RegistrationStatus::Cancelled => "Cancelled",
        }
    }
}

/// How the person heard of the seminar (an optional question of the form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeardFrom {
    Website,
    Tokyo,
    Association,
    Newsletter,
    Acquaintance,
    Media,
    Other,
}

impl HeardFrom {
    pub const ALL: [HeardFrom; 7] = [
        HeardFrom::Website,
        HeardFrom::Tokyo,
        HeardFrom::Association,
        HeardFrom::Newsletter,
        HeardFrom::Acquaintance,
        HeardFrom::Media,
        HeardFrom::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HeardFrom::Website => "website",
            HeardFrom::Tokyo => "tokyo",
            HeardFrom::Association => "association",
            HeardFrom::Newsletter => "newsletter",
            HeardFrom::Acquaintance => "acquaintance",
            HeardFrom::Media => "media",
            HeardFrom::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<HeardFrom> {
        HeardFrom::ALL.into_iter().find(|h| h.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            HeardFrom::Website => "事業のウェブサイト",
            HeardFrom::Tokyo => "東京都の広報（ウェブサイト・広報東京都など）",
            HeardFrom::Association => "商工会・商工会議所・業界団体",
            HeardFrom::Newsletter => "メールマガジン",
            HeardFrom::Acquaintance => "知人・取引先の紹介",
            HeardFrom::Media => "新聞・雑誌・SNS",
            HeardFrom::Other => "その他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            HeardFrom::Website => "The programme's website",
            HeardFrom::Tokyo => "Tokyo Metropolitan Government publicity",
            HeardFrom::Association => "A chamber of commerce or trade association",
            HeardFrom::Newsletter => "A newsletter",
            HeardFrom::Acquaintance => "A colleague or business partner",
            HeardFrom::Media => "Newspaper, magazine or social media",
            HeardFrom::Other => "Other",
        }
    }
}

/// Attendees per registration when the seminar names no number (募集要項 has no limit; the
/// room of 30 is shared fairly with two a company).
pub const DEFAULT_MAX_ATTENDEES: u32 = 2;
/// The most attendees any seminar may allow per registration.
pub const MAX_ATTENDEES_LIMIT: u32 = 20;
/// The most seats of one mode; far above any real room or call, low enough to catch typos.
pub const MAX_SEATS: u32 = 10_000;
/// Longest title.
pub const TITLE_MAX: usize = 200;
/// Longest description of what is covered.
pub const DESCRIPTION_MAX: usize = 2000;
/// Longest questions for the speaker.
pub const QUESTIONS_MAX: usize = NOTE_MAX;

/// A seminar as written in `[[seminars]]` of the programme file, or by the administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeminarSpec {
    /// Short identifier within the year, e.g. `2023-09-06`.
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub title_en: Option<String>,
    /// What is covered (shown on the public page).
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub description_en: Option<String>,
    /// RFC 3339 with its offset, e.g. `2023-09-06T14:00:00+09:00`.
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub venue_name: String,
    pub venue_address: String,
    /// A map of the venue, linked from the reminder.
    #[serde(default)]
    pub venue_map_url: Option<String>,
    /// The video call's address: sent only to online registrants, never shown publicly.
    #[serde(default)]
    pub online_url: Option<String>,
    pub venue_capacity: u32,
    pub online_capacity: u32,
    /// The last instant registration is open; 23:59:59 JST the day before when absent.
    #[serde(default)]
    pub registration_deadline: Option<DateTime<FixedOffset>>,
    /// The most attendees one registration may bring; [`DEFAULT_MAX_ATTENDEES`] when absent.
    #[serde(default)]
    pub max_attendees: Option<u32>,
}

/// A checked seminar.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSeminar {
    pub code: String,
    pub title_ja: String,
    pub title_en: String,
    pub description_ja: String,
    pub description_en: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_name: String,
    pub venue_address: String,
    pub venue_map_url: Option<String>,
    pub online_url: Option<String>,
    pub venue_capacity: u32,
    pub online_capacity: u32,
    pub deadline: DateTime<Utc>,
    pub max_attendees: u32,
}

impl ValidSeminar {
    pub fn capacity(&self, mode: Mode) -> u32 {
        match mode {
            Mode::Venue => self.venue_capacity,
            Mode::Online => self.online_capacity,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeminarError {
    #[error("説明会のコード「{0}」は英小文字・数字・ハイフン（32文字以内）で指定してください")]
    Code(String),
    #[error("説明会「{0}」のコードが重複しています")]
    DuplicateCode(String),
    #[error("説明会のタイトルを入力してください（{TITLE_MAX}文字以内）")]
    Title,
    #[error("会場名と所在地を入力してください")]
    Venue,
    #[error("内容は{DESCRIPTION_MAX}文字以内で、制御文字を含めずに入力してください")]
    Description,
    #[error("終了時刻は開始時刻より後にしてください（12時間以内）")]
    Times,
    #[error("定員は0〜{MAX_SEATS}で指定し、会場とオンラインの合計を1以上にしてください")]
    Capacity,
    #[error("申込締切は開始時刻より前にしてください")]
    Deadline,
    #[error("1件あたりの参加人数の上限は1〜{MAX_ATTENDEES_LIMIT}で指定してください")]
    MaxAttendees,
    #[error("URL は https:// で始まる形で入力してください：{0}")]
    Url(String),
}

impl SeminarSpec {
    pub fn validate(&self) -> Result<ValidSeminar, SeminarError> {
        let code = self.code.trim().to_string();
        let code_ok = !code.is_empty()
            && code.len() <= 32
            && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !code_ok {
            return Err(SeminarError::Code(self.code.clone()));
        }
        // The secretariat's own wording, kept as written: 「（新宿）」 keeps its full-width brackets.
        let title_ja =
            as_typed(&self.title, TITLE_MAX, false).ok_or(SeminarError::Title)?.ok_or(SeminarError::Title)?;
        let title_en = as_typed(self.title_en.as_deref().unwrap_or(""), TITLE_MAX, false)
            .ok_or(SeminarError::Title)?
            .unwrap_or_else(|| title_ja.clone());
        let description = |text: Option<&str>| {
            as_typed(text.unwrap_or(""), DESCRIPTION_MAX, true)
                .ok_or(SeminarError::Description)
                .map(Option::unwrap_or_default)
        };
        let description_ja = description(self.description.as_deref())?;
        let description_en = match description(self.description_en.as_deref())? {
            text if text.is_empty() => description_ja.clone(),
            text => text,
        };
        let venue_name = as_typed(&self.venue_name, NAME_MAX, false).flatten().ok_or(SeminarError::Venue)?;
        let venue_address = as_typed(&self.venue_address, 200, false).flatten().ok_or(SeminarError::Venue)?;
        let starts_at = self.starts_at.with_timezone(&Utc);
        let ends_at = self.ends_at.with_timezone(&Utc);
        if ends_at <= starts_at || ends_at - starts_at > Duration::hours(12) {
            return Err(SeminarError::Times);
        }
        if self.venue_capacity > MAX_SEATS
            || self.online_capacity > MAX_SEATS
            || self.venue_capacity + self.online_capacity == 0
        {
            return Err(SeminarError::Capacity);
        }
        let deadline = match self.registration_deadline {
            Some(deadline) => deadline.with_timezone(&Utc),
            None => default_deadline(starts_at),
        };
        if deadline >= starts_at {
            return Err(SeminarError::Deadline);
        }
        let max_attendees = self.max_attendees.unwrap_or(DEFAULT_MAX_ATTENDEES);
        if !(1..=MAX_ATTENDEES_LIMIT).contains(&max_attendees) {
            return Err(SeminarError::MaxAttendees);
        }
        Ok(ValidSeminar {
            code,
            title_ja,
            title_en,
            description_ja,
            description_en,
            starts_at,
            ends_at,
            venue_name,
            venue_address,
            venue_map_url: url(self.venue_map_url.as_deref())?,
            online_url: url(self.online_url.as_deref())?,
            venue_capacity: self.venue_capacity,
            online_capacity: self.online_capacity,
            deadline,
            max_attendees,
        })
    }
}

/// Text as the secretariat wrote it: trimmed (each line, when `lines`), at most `max`
/// characters, no control characters but line breaks (when `lines`); blank is `Some(None)`,
/// invalid `None`.
fn as_typed(input: &str, max: usize, lines: bool) -> Option<Option<String>> {
    let allowed = |c: char| lines && matches!(c, '\n' | '\r');
    if text::too_long(input, max) || input.chars().any(|c| c.is_control() && !allowed(c)) {
        return None;
    }
    let text = input.lines().map(str::trim).collect::<Vec<_>>().join("\n").trim().to_string();
    Some((!text.is_empty()).then_some(text))
}

fn url(value: Option<&str>) -> Result<Option<String>, SeminarError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(url)
            if (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 500
                && !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<') =>
        {
            Ok(Some(url.to_string()))
        }
        Some(url) => Err(SeminarError::Url(url.to_string())),
    }
}

/// 23:59:59 JST of the day before the seminar starts (its Tokyo date).
pub fn default_deadline(starts_at: DateTime<Utc>) -> DateTime<Utc> {
    let day_before = starts_at.with_timezone(&Tokyo).date_naive() - Duration::days(1);
    let last_second = day_before.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"));
    Tokyo
        .from_local_datetime(&last_second)
        .single()
        .expect("Asia/Tokyo has no DST, so every local time is unambiguous")
        .with_timezone(&Utc)
}

/// Whether registration is open at `now`: through the whole second the deadline names
/// (23:59:59.999 is open, 00:00:00 is not).
pub fn registration_open(deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < deadline + Duration::seconds(1)
}

/// What the public page says of one mode's seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Seats left.
    Open { remaining: u32 },
    /// Full; new registrations wait.
    Waitlist,
    /// Registration has closed (or the mode has no seats at all).
    Closed,
}

impl Availability {
    pub fn of(capacity: u32, taken: u32, open: bool) -> Availability {
        if !open || capacity == 0 {
            Availability::Closed
        } else if taken < capacity {
            Availability::Open { remaining: capacity - taken }
        } else {
            Availability::Waitlist
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Availability::Open { .. } => "open",
            Availability::Waitlist => "waitlist",
            Availability::Closed => "closed",
        }
    }
}

/// A registration as the form or the API sends it, loosely typed so that nothing is lost.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct RegistrationInput {
    pub company_name: String,
    pub company_name_kana: String,
    pub corporate_number: Option<String>,
    pub person_name: String,
    pub email: String,
    pub phone: String,
    pub mode: Option<String>,
    pub attendees: Option<LooseNumber>,
    pub questions: Option<String>,
    pub heard_from: Option<String>,
    pub privacy_policy_accepted: bool,
    /// The language the person is written to in (the form's language; `ja` when absent).
    pub language: Option<Language>,
}

/// A checked registration.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRegistration {
    pub company_name: String,
    pub company_name_kana: Kana,
    pub corporate_number: Option<CorporateNumber>,
    pub person_name: String,
    pub email: EmailAddress,
    pub phone: PhoneNumber,
    pub mode: Mode,
    pub attendees: u32,
    pub questions: Option<String>,
    pub heard_from: Option<HeardFrom>,
    pub language: Language,
}

/// The form's fields in order, with whether each is required: the form's markers, the OpenAPI
/// schema's `required` and the CSV columns agree with this list.
pub const FIELDS: [(&str, bool); 11] = [
    ("company_name", true),
    ("company_name_kana", true),
    ("corporate_number", false),
    ("person_name", true),
    ("email", true),
    ("phone", true),
    ("mode", true),
    ("attendees", true),
    ("questions", false),
    ("heard_from", false),
    ("privacy_policy_accepted", true),
];

/// Checks a registration for a seminar that allows `max_attendees` per registration.
pub fn validate_registration(input: &RegistrationInput, max_attendees: u32) -> Result<NewRegistration, FieldIssues> {
    let mut issues = FieldIssues::default();
    let company_name = required(&input.company_name, "company_name", NAME_MAX, &mut issues);
    let company_name_kana = parse_into(Kana::parse(&input.company_name_kana), "company_name_kana", &mut issues);
    let corporate_number = match input.corporate_number.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => match CorporateNumber::parse(raw) {
            Ok(number) => Some(Some(number)),
            Err(error) => {
                issues.push("corporate_number", error.message_ja(), error.message_en());
                None
            }
        },
        _ => Some(None),
    };
    let person_name = required(&input.person_name, "person_name", PERSON_MAX, &mut issues);
    let email = parse_into(EmailAddress::parse(&input.email), "email", &mut issues);
    let phone = parse_into(PhoneNumber::parse(&input.phone), "phone", &mut issues);
    // Codes are taken exactly as listed (a form's choice, the API's enum); empty means not chosen.
    let mode = match input.mode.as_deref() {
        Some(code) if !code.is_empty() => Mode::from_code(code).or_else(|| {
            issues.push("mode", "参加方法の値が正しくありません", "Unknown way of attending");
            None
        }),
        _ => {
            issues.push("mode", "参加方法（会場／オンライン）を選択してください", "Choose how you will attend");
            None
        }
    };
    let attendees = attendees(input.attendees.as_ref(), max_attendees, &mut issues);
    let questions = match text::optional(input.questions.as_deref().unwrap_or(""), QUESTIONS_MAX) {
        Ok(value) => Some(value),
        Err(error) => {
            issues.push_error("questions", &error);
            None
        }
    };
    let heard_from = match input.heard_from.as_deref() {
        Some(code) if !code.is_empty() => match HeardFrom::from_code(code) {
            Some(value) => Some(Some(value)),
            None => {
                issues.push("heard_from", "「本説明会を知ったきっかけ」の値が正しくありません", "Unknown answer");
                None
            }
        },
        _ => Some(None),
    };
    if !input.privacy_policy_accepted {
        issues.push(
            "privacy_policy_accepted",
            "個人情報の取扱いに同意してください",
            "You must accept the privacy policy",
        );
    }
    match (company_name, company_name_kana, corporate_number, person_name, email, phone, mode, attendees) {
        (
            Some(company_name),
            Some(company_name_kana),
            Some(corporate_number),
            Some(person_name),
            Some(email),
            Some(phone),
            Some(mode),
            Some(attendees),
        ) if issues.is_empty() => Ok(NewRegistration {
            company_name,
            company_name_kana,
            corporate_number,
            person_name,
            email,
            phone,
            mode,
            attendees,
            questions: questions.flatten(),
            heard_from: heard_from.flatten(),
            language: input.language.unwrap_or_default(),
        }),
        _ => Err(issues),
    }
}

/// The number of attendees: a whole number, or as typed: digits (ASCII or 全角) with one trailing
/// 名, white space around them (what the OpenAPI schema's pattern states).
fn attendees(value: Option<&LooseNumber>, max: u32, issues: &mut FieldIssues) -> Option<u32> {
    let number = match value {
        None => None,
        Some(LooseNumber::Int(n)) => Some(*n),
        Some(LooseNumber::Text(text)) if text.trim().is_empty() => None,
        Some(LooseNumber::Text(text)) => match typed_count(text) {
            Some(n) => Some(n),
            None => {
                issues.push(
                    "attendees",
                    "参加人数は半角数字で入力してください",
                    "Enter the number of attendees as digits",
                );
                return None;
            }
        },
    };
    match number {
        None => {
            issues.push("attendees", "参加人数を入力してください", "Enter the number of attendees");
            None
        }
        Some(n) if n < 1 || n > i64::from(max) => {
            issues.push(
                "attendees",
                format!("参加人数は1〜{max}名で入力してください"),
                format!("Between 1 and {max} attendees"),
            );
            None
        }
        Some(n) => Some(n as u32),
    }
}

/// `2`, `２`, ` 2 名 `: digits only (no sign, no other numerals), `None` for anything else.
fn typed_count(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.strip_suffix('名').unwrap_or(text).trim_end();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c)) {
        return None;
    }
    let ascii: String = digits
        .chars()
        .map(|c| if c.is_ascii_digit() { c } else { char::from(b'0' + (u32::from(c) - u32::from('０')) as u8) })
        .collect();
    // Only digits: the one failure is more than an i64 holds, which is above any maximum.
    Some(ascii.parse::<i64>().unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn tokyo(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn spec() -> SeminarSpec {
        SeminarSpec {
            code: "2023-09-06".into(),
            title: "第1回 説明会".into(),
            title_en: None,
            description: Some("セキュリティ講演\n事業説明".into()),
            description_en: None,
            starts_at: DateTime::parse_from_rfc3339("2023-09-06T14:00:00+09:00").unwrap(),
            ends_at: DateTime::parse_from_rfc3339("2023-09-06T16:00:00+09:00").unwrap(),
            venue_name: " 都庁第一本庁舎（南側） ".into(),
            venue_address: "東京都新宿区西新宿2-8-1".into(),
            venue_map_url: None,
            online_url: Some("https://zoom.example/j/123".into()),
            venue_capacity: 30,
            online_capacity: 100,
            registration_deadline: None,
            max_attendees: None,
        }
    }

    #[test]
    fn the_default_deadline_is_the_last_second_of_the_day_before_in_tokyo() {
        let seminar = spec().validate().unwrap();
        assert_eq!(seminar.deadline, tokyo("2023-09-05T23:59:59+09:00"));
        assert_eq!(seminar.max_attendees, DEFAULT_MAX_ATTENDEES);
        assert_eq!(seminar.title_en, "第1回 説明会", "an untranslated title shows in Japanese");
        assert_eq!(seminar.venue_name, "都庁第一本庁舎（南側）", "the secretariat's wording is kept as written");
        assert_eq!(seminar.description_ja, "セキュリティ講演\n事業説明");
        // A seminar at 09:00 JST starts the previous day in UTC; the deadline is still the Tokyo day before.
        assert_eq!(default_deadline(tokyo("2023-09-06T09:00:00+09:00")), tokyo("2023-09-05T23:59:59+09:00"));
    }

    #[rstest]
    #[case("2023-09-05T23:59:58+09:00", true)]
    #[case("2023-09-05T23:59:59+09:00", true)]
    #[case("2023-09-05T23:59:59.999+09:00", true)]
    #[case("2023-09-06T00:00:00+09:00", false)]
    #[case("2023-09-06T14:00:00+09:00", false)]
    fn registration_closes_at_midnight_tokyo(#[case] now: &str, #[case] open: bool) {
        assert_eq!(registration_open(tokyo("2023-09-05T23:59:59+09:00"), tokyo(now)), open);
    }

    #[rstest]
    #[case(|s: &mut SeminarSpec| s.code = "Bad Code".into(), SeminarError::Code("Bad Code".into()))]
    #[case(|s: &mut SeminarSpec| s.title = " ".into(), SeminarError::Title)]
    #[case(|s: &mut SeminarSpec| s.title = "第1回\n説明会".into(), SeminarError::Title)]
    #[case(|s: &mut SeminarSpec| s.description = Some("講演\u{7}".into()), SeminarError::Description)]
    #[case(|s: &mut SeminarSpec| s.ends_at = s.starts_at, SeminarError::Times)]
    #[case(|s: &mut SeminarSpec| { s.venue_capacity = 0; s.online_capacity = 0; }, SeminarError::Capacity)]
    #[case(|s: &mut SeminarSpec| s.registration_deadline = Some(s.starts_at), SeminarError::Deadline)]
    #[case(|s: &mut SeminarSpec| s.max_attendees = Some(0), SeminarError::MaxAttendees)]
    #[case(|s: &mut SeminarSpec| s.online_url = Some("javascript:alert(1)".into()), SeminarError::Url("javascript:alert(1)".into()))]
    fn bad_seminars_are_refused(#[case] change: fn(&mut SeminarSpec), #[case] expected: SeminarError) {
        let mut spec = spec();
        change(&mut spec);
        assert_eq!(spec.validate(), Err(expected));
    }

    #[rstest]
    #[case(30, 0, true, Availability::Open { remaining: 30 })]
    #[case(30, 29, true, Availability::Open { remaining: 1 })]
    #[case(30, 30, true, Availability::Waitlist)]
    #[case(30, 31, true, Availability::Waitlist)]
    #[case(30, 0, false, Availability::Closed)]
    #[case(0, 0, true, Availability::Closed)]
    fn availability(#[case] capacity: u32, #[case] taken: u32, #[case] open: bool, #[case] expected: Availability) {
        assert_eq!(Availability::of(capacity, taken, open), expected);
    }

    fn input() -> RegistrationInput {
        RegistrationInput {
            company_name: "株式会社　テスト".into(),
            company_name_kana: "てすと".into(),
            corporate_number: Some("".into()),
            person_name: "山田 太郎".into(),
            email: "taro@Example.JP".into(),
            phone: "０３－１２３４－５６７８".into(),
            mode: Some("venue".into()),
            attendees: Some(LooseNumber::Text("２".into())),
            questions: None,
            heard_from: Some("tokyo".into()),
            privacy_policy_accepted: true,
            language: None,
        }
    }

    #[test]
    fn a_registration_is_normalised_like_the_application_form() {
        let registration = validate_registration(&input(), 2).unwrap();
        assert_eq!(registration.company_name, "株式会社 テスト");
        assert_eq!(registration.company_name_kana.as_str(), "テスト");
        assert_eq!(registration.email.as_str(), "taro@example.jp");
        assert_eq!(registration.phone.as_str(), "03-1234-5678");
        assert_eq!(registration.attendees, 2);
        assert_eq!(registration.mode, Mode::Venue);
        assert_eq!(registration.corporate_number, None);
        assert_eq!(registration.heard_from, Some(HeardFrom::Tokyo));
    }

    #[rstest]
    #[case("2", Some(2))]
    #[case("２", Some(2))]
    #[case(" 2 名 ", Some(2))]
    #[case("０２０名", Some(20))]
    #[case("21", None)]
    #[case("0", None)]
    #[case("+2", None)]
    #[case("①", None)]
    #[case("𝟐", None)]
    #[case("2名名", None)]
    #[case("2人", None)]
    #[case("99999999999999999999", None)]
    fn attendees_are_typed_in_digits(#[case] typed: &str, #[case] expected: Option<u32>) {
        let mut registration = input();
        registration.attendees = Some(LooseNumber::Text(typed.into()));
        let result = validate_registration(&registration, 20);
        assert_eq!(result.as_ref().ok().map(|r| r.attendees), expected, "{typed}: {result:?}");
    }

    #[test]
    fn codes_are_taken_exactly_as_listed() {
        for (field, value) in [("mode", " venue"), ("mode", "venue\n"), ("heard_from", " tokyo"), ("heard_from", " ")] {
            let mut registration = input();
            match field {
                "mode" => registration.mode = Some(value.into()),
                _ => registration.heard_from = Some(value.into()),
            }
            let issues = validate_registration(&registration, 2).unwrap_err();
            assert!(issues.get(field).is_some(), "{field} {value:?}: {issues:?}");
        }
        let mut unanswered = input();
        unanswered.heard_from = Some(String::new());
        assert_eq!(validate_registration(&unanswered, 2).unwrap().heard_from, None);
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let mut bad = input();
        bad.corporate_number = Some("1234567890123".into());
        bad.mode = Some("hybrid".into());
        bad.attendees = Some(LooseNumber::Int(3));
        bad.email = "taro".into();
        bad.privacy_policy_accepted = false;
        bad.heard_from = Some("radio".into());
        let issues = validate_registration(&bad, 2).unwrap_err();
        let fields: Vec<&str> = issues.0.iter().map(|issue| issue.field).collect();
        assert_eq!(fields, ["corporate_number", "email", "mode", "attendees", "heard_from", "privacy_policy_accepted"]);
        assert_eq!(issues.get("attendees").unwrap().ja, "参加人数は1〜2名で入力してください");
        let mut none = input();
        none.attendees = None;
        none.mode = None;
        let issues = validate_registration(&none, 2).unwrap_err();
        assert!(issues.get("attendees").is_some() && issues.get("mode").is_some());
    }
}

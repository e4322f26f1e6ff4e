//! How long Kojo keeps personal data (§10(2): used only within the programme; its results are
//! reported and may be published anonymously): what is reduced when, counted from the end of the
//! programme year (31 March of the next calendar year).
//!
//! Reducing keeps what the programme's figures need (course, status, industry, size, the ward or
//! city, dates, answers without names) and removes what identifies a person or a company (names,
//! addresses below the ward or city, e-mail addresses, telephone numbers, 法人番号, the sender's
//! IP address). The audit log is not reduced: it is the record of who did what.
//!
//! Must not: read a clock (the day arrives as an argument).

use chrono::NaiveDate;

/// What the schedule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Applications of companies that did not take part (withdrawn, ineligible, waiting, …).
    NonParticipant,
    /// Applications of companies that took part: kept through the next year's follow-up survey
    /// and the results report.
    Participant,
    /// Briefing seminar registrations.
    SeminarRegistration,
    /// Inquiries that no application holds (one linked to an application goes with it).
    Inquiry,
}

/// Days sign-in records (attempts, expired sessions and links: e-mail and IP addresses) are kept:
/// long enough to look into a break-in attempt, short enough to hold no history of people.
pub const SIGN_IN_DAYS: i64 = 90;
/// Days the text of an e-mail sent (or given up) is kept: long enough to answer "what did you
/// send me?"; the subject, status and dates stay.
pub const MAIL_DAYS: i64 = 90;

impl Category {
    pub const ALL: [Category; 4] =
        [Category::NonParticipant, Category::Participant, Category::SeminarRegistration, Category::Inquiry];

    /// Months after the programme year's end at which records of this category are reduced.
    pub fn months_after_year_end(self) -> u32 {
        match self {
            Category::NonParticipant | Category::SeminarRegistration | Category::Inquiry => 6,
            Category::Participant => 12,
        }
    }

    /// The first day records of `fiscal_year` in this category are reduced on.
    pub fn due_on(self, fiscal_year: i32) -> NaiveDate {
        let year_end = NaiveDate::from_ymd_opt(fiscal_year + 1, 4, 1).expect("1 April exists");
        year_end + chrono::Months::new(self.months_after_year_end())
    }

    /// Whether records of `fiscal_year` in this category are due for reduction on `today`.
    pub fn is_due(self, fiscal_year: i32, today: NaiveDate) -> bool {
        today >= self.due_on(fiscal_year)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Category::NonParticipant => "参加に至らなかった申込み",
            Category::Participant => "参加企業の申込み",
            Category::SeminarRegistration => "説明会の参加登録",
            Category::Inquiry => "問い合わせ（申込みに紐付かないもの）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Category::NonParticipant => "Applications that did not lead to taking part",
            Category::Participant => "Participants' applications",
            Category::SeminarRegistration => "Seminar registrations",
            Category::Inquiry => "Inquiries (not linked to an application)",
        }
    }
}

/// The address kept after reduction: the prefecture's ward, city, town or village only (`None`
/// outside Tokyo's list: nothing is kept).
pub fn reduced_address(address: &str) -> String {
    crate::region::municipality(address).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_schedule_counts_from_the_end_of_the_programme_year() {
        // 令和8年度 (FY2026) ends on 31 March 2027.
        assert_eq!(Category::NonParticipant.due_on(2026), day(2027, 10, 1));
        assert_eq!(Category::SeminarRegistration.due_on(2026), day(2027, 10, 1));
        assert_eq!(Category::Participant.due_on(2026), day(2028, 4, 1));
        assert!(!Category::NonParticipant.is_due(2026, day(2027, 9, 30)));
        assert!(Category::NonParticipant.is_due(2026, day(2027, 10, 1)));
        assert!(!Category::Participant.is_due(2026, day(2028, 3, 31)), "the follow-up year and report come first");
        assert!(Category::Participant.is_due(2026, day(2028, 4, 1)));
        assert!(Category::Participant.is_due(2025, day(2028, 4, 1)), "older years too");
        assert_eq!(Category::Inquiry.due_on(2026), day(2027, 10, 1));
    }

    #[test]
    fn a_reduced_address_keeps_the_ward_or_city_only() {
        assert_eq!(reduced_address("新宿区西新宿2-8-1 都庁第一本庁舎"), "新宿区");
        assert_eq!(reduced_address("八丈島八丈町三根1"), "八丈町");
        assert_eq!(reduced_address("横浜市中区1-1"), "");
    }
}

//! Japanese public holidays, office closure days and business-day arithmetic.
//!
//! Owns the holiday table ([`HolidayTable`]), the secretariat's closure days ([`ClosureDays`])
//! and the business-day rules built on them ([`BusinessCalendar`]), including the contact
//! deadline of 募集要項 6.(2)ア. It reads no clock and no file: the built-in table is compiled in,
//! and a newer table is parsed from bytes the caller hands over.
//!
//! # The built-in holiday table
//!
//! `data/syukujitsu.csv` has the shape of the Cabinet Office's `syukujitsu.csv` (header
//! `国民の祝日・休日月日,国民の祝日・休日名称`, rows `1955/1/1,元日`) but is UTF-8. It covers
//! 1955–2027 and was generated once from 国民の祝日に関する法律 and its amendments:
//! the fixed and Happy Monday holidays (成人の日・体育の日 from 2000, 海の日・敬老の日 from 2003),
//! 春分の日/秋分の日 by the standard approximation `int(20.8431 + 0.242194(Y−1980) − int((Y−1980)/4))`
//! (constants 20.8357/23.2588 with `(Y−1983)` before 1980; 23.2488 for autumn from 1980) and the
//! dates published in the 官報 for 2026–2027, 振替休日 (law art. 3(2): from 1973-04-12 the day after
//! a 祝日 on Sunday; from 2007 the nearest following day that is not a 祝日), 国民の休日 (art. 3(3):
//! from 1985-12-27 a day between two 祝日; before 2007 not on a Sunday or a 振替休日), the 2007
//! 昭和の日/みどりの日 change, 山の日 from 2016, 天皇誕生日 moves, the special-law days
//! (1959, 1989, 1990, 1993, 2019) and the 2020/2021 Olympic moves. The generated dates were then
//! compared one by one with the Cabinet Office's published file for 1955–2027 and agree exactly
//! (1,067 days). Names differ on purpose where the Cabinet Office writes only 「休日」: here they are
//! 「振替休日」, 「国民の休日」, 「天皇の即位の日」, 「即位礼正殿の儀」 and the full names of the
//! imperial ceremonies.
//!
//! Years after 2027 are not in the table. When the Cabinet Office publishes the next year, load
//! its file with [`HolidayTable::parse_csv`] and [`HolidayTable::merge`] it over the built-in one;
//! [`HolidayTable::last_date`] tells how far a table reaches.
//!
//! # Business days and the contact deadline
//!
//! A business day is a weekday that is neither a holiday nor an office closure day (by default
//! 12/29–1/3). The secretariat works weekdays 9:00–17:00 JST except holidays (PROGRAM.md
//! "Personal data and rules") and contacts an applicant within 3 business days (募集要項 6.(2)ア).
//! An application received on a business day before 17:00 JST counts from that day; one received
//! later, or on a day off, counts from the next business day. The contact is due on the third
//! business day after that effective receipt day ([`BusinessCalendar::contact_due`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Datelike, Days, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Asia::Tokyo;

/// The header line of the Cabinet Office's `syukujitsu.csv`.
pub const CSV_HEADER: &str = "国民の祝日・休日月日,国民の祝日・休日名称";

/// Business days the secretariat has to contact an applicant (募集要項 6.(2)ア).
pub const CONTACT_BUSINESS_DAYS: u32 = 3;

/// Local hour (JST) at which the secretariat's working day ends (weekdays 9:00–17:00).
pub const OFFICE_CLOSES_AT_HOUR: u32 = 17;

/// Japanese public holidays (国民の祝日 and 休日), one name per date.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HolidayTable {
    days: BTreeMap<NaiveDate, String>,
}

/// Why a holiday CSV could not be read. Line numbers count from 1, the header being line 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayCsvError {
    #[error("祝日CSVの文字コードを判別できません（UTF-8またはShift_JISで保存してください）")]
    Encoding,
    #[error("{line}行目: 見出し行「国民の祝日・休日月日,国民の祝日・休日名称」がありません")]
    MissingHeader { line: usize },
    #[error("{line}行目: 日付「{value}」を読み取れません（「2024/1/1」の形式で記入してください）")]
    InvalidDate { line: usize, value: String },
    #[error("{line}行目: 祝日・休日の名称がありません")]
    MissingName { line: usize },
    #[error("{line}行目: {date}が重複しています")]
    Duplicate { line: usize, date: NaiveDate },
    #[error("祝日CSVに日付の行がありません")]
    NoRows,
}

/// A `(month, day)` pair, as in a recurring closure such as 12/29.
pub type MonthDay = (u32, u32);

/// Office closure days: recurring month/day ranges plus explicit dates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClosureDays {
    /// Inclusive ranges; a range whose start is after its end wraps over the year end.
    ranges: Vec<(MonthDay, MonthDay)>,
    dates: BTreeSet<NaiveDate>,
}

/// Holidays and closure days together: answers "is this a business day?" and counts them.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    holidays: Arc<HolidayTable>,
    closures: ClosureDays,
}

impl HolidayTable {
    /// The table compiled into the crate (1955–2027), parsed once.
    pub fn builtin() -> &'static HolidayTable {
        builtin_arc()
    }

    /// Parses a holiday file in the Cabinet Office's `syukujitsu.csv` shape.
    ///
    /// Accepts the file as published (Shift_JIS/CP932) and UTF-8 with or without a BOM. The header
    /// line is required; blank lines are skipped; dates are `YYYY/M/D`.
    pub fn parse_csv(bytes: &[u8]) -> Result<HolidayTable, HolidayCsvError> {
        let text = decode(bytes)?;
        let mut lines = text.split('\n').enumerate().map(|(index, line)| (index + 1, line.trim()));
        match lines.find(|(_, line)| !line.is_empty()) {
            Some((_, line)) if is_header(line) => {}
            Some((line, _)) => return Err(HolidayCsvError::MissingHeader { line }),
            None => return Err(HolidayCsvError::MissingHeader { line: 1 }),
        }
        let mut days = BTreeMap::new();
        for (line, content) in lines.filter(|(_, content)| !content.is_empty()) {
            let (date_text, name) = content.split_once(',').unwrap_or((content, ""));
            let date_text = unquote(date_text);
            let date = parse_slash_date(date_text)
                .ok_or_else(|| HolidayCsvError::InvalidDate { line, value: date_text.to_owned() })?;
            // The published file has exactly two columns; anything after a second comma is ignored.
            let name = unquote(name.split(',').next().unwrap_or(""));
            if name.is_empty() {
                return Err(HolidayCsvError::MissingName { line });
            }
            if days.insert(date, name.to_owned()).is_some() {
                return Err(HolidayCsvError::Duplicate { line, date });
            }
        }
        if days.is_empty() {
            return Err(HolidayCsvError::NoRows);
        }
        Ok(HolidayTable { days })
    }

    /// Adds every day of `other`; where both name a date, `other`'s name wins.
    pub fn merge(&mut self, other: &HolidayTable) {
        for (date, name) in &other.days {
            self.days.insert(*date, name.clone());
        }
    }

    /// The holiday's name, or `None` if `date` is not a holiday.
    pub fn name(&self, date: NaiveDate) -> Option<&str> {
        self.days.get(&date).map(String::as_str)
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.days.contains_key(&date)
    }

    /// All holidays in date order.
    pub fn iter(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.days.iter().map(|(date, name)| (*date, name.as_str()))
    }

    pub fn len(&self) -> usize {
        self.days.len()
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// The table as UTF-8 CSV in the Cabinet Office's shape (header, then `YYYY/M/D,name` lines).
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.days.len() * 24);
        out.push_str(CSV_HEADER);
        out.push('\n');
        for (date, name) in &self.days {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "{}/{}/{},{}", date.year(), date.month(), date.day(), name);
        }
        out
    }

    /// The last holiday in the table: dates well after it may be missing holidays.
    pub fn last_date(&self) -> Option<NaiveDate> {
        self.days.keys().next_back().copied()
    }

    /// The first holiday in the table.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.days.keys().next().copied()
    }
}

impl ClosureDays {
    /// The usual year-end and New Year closure, 12/29–1/3.
    pub fn year_end_default() -> Self {
        Self::none().with_range((12, 29), (1, 3))
    }

    /// No closure days at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds one explicit closure date.
    pub fn with_date(mut self, date: NaiveDate) -> Self {
        self.dates.insert(date);
        self
    }

    /// Adds a recurring inclusive range of `(month, day)`; `from` after `to` wraps over the year end.
    pub fn with_range(mut self, from: MonthDay, to: MonthDay) -> Self {
        self.ranges.push((from, to));
        self
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        if self.dates.contains(&date) {
            return true;
        }
        let day = (date.month(), date.day());
        self.ranges.iter().any(
            |&(from, to)| {
                if from <= to { from <= day && day <= to } else { day >= from || day <= to }
            },
        )
    }

    /// The explicit closure dates, in order.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.dates.iter().copied()
    }

    /// The recurring inclusive ranges.
    pub fn ranges(&self) -> &[(MonthDay, MonthDay)] {
        &self.ranges
    }
}

impl BusinessCalendar {
    pub fn new(holidays: Arc<HolidayTable>, closures: ClosureDays) -> Self {
        Self { holidays, closures }
    }

    /// The built-in holiday table with the 12/29–1/3 closure.
    pub fn japan() -> Self {
        Self::new(Arc::clone(builtin_arc()), ClosureDays::year_end_default())
    }

    pub fn holidays(&self) -> &HolidayTable {
        &self.holidays
    }

    pub fn closures(&self) -> &ClosureDays {
        &self.closures
    }

    /// Not a Saturday or Sunday, not a holiday, not a closure day.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && !self.holidays.is_holiday(date)
            && !self.closures.contains(date)
    }

    /// The `n`-th business day strictly after `start`; `start` itself when `n` is 0.
    pub fn add_business_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut date = start;
        let mut remaining = n;
        while remaining > 0 {
            date = next_day(date);
            if self.is_business_day(date) {
                remaining -= 1;
            }
        }
        date
    }

    /// `date` if it is a business day, otherwise the first business day after it.
    pub fn next_business_day_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        let mut date = date;
        while !self.is_business_day(date) {
            date = next_day(date);
        }
        date
    }

    /// The number of business days `d` with `from < d <= to`; negative (the count for the swapped
    /// pair) when `to` is before `from`.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.business_days_between(to, from);
        }
        from.iter_days().skip(1).take_while(|date| *date <= to).filter(|date| self.is_business_day(*date)).count()
            as i64
    }

    /// The day the secretariat's first contact is due (募集要項 6.(2)ア, 3 business days).
    ///
    /// The receipt counts from its own day when that is a business day and the Tokyo local time is
    /// before 17:00; otherwise from the next business day.
    pub fn contact_due(&self, received_at: DateTime<Utc>) -> NaiveDate {
        let local = received_at.with_timezone(&Tokyo);
        let day = local.date_naive();
        let effective = if self.is_business_day(day) && local.hour() < OFFICE_CLOSES_AT_HOUR {
            day
        } else {
            self.add_business_days(day, 1)
        };
        self.add_business_days(effective, CONTACT_BUSINESS_DAYS)
    }
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self::japan()
    }
}

fn builtin_arc() -> &'static Arc<HolidayTable> {
    static BUILTIN: OnceLock<Arc<HolidayTable>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let table = HolidayTable::parse_csv(include_str!("../data/syukujitsu.csv").as_bytes())
            .expect("the built-in holiday table is valid");
        Arc::new(table)
    })
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).expect("business-day arithmetic stays far inside chrono's date range")
}

/// UTF-8 (with or without BOM) if the bytes are valid UTF-8, else Shift_JIS (CP932), the
/// Cabinet Office's published encoding.
fn decode(bytes: &[u8]) -> Result<String, HolidayCsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(HolidayCsvError::Encoding);
    }
    Ok(text.into_owned())
}

fn is_header(line: &str) -> bool {
    let first = line.split(',').next().map(unquote).unwrap_or("");
    first == "国民の祝日・休日月日"
}

fn unquote(field: &str) -> &str {
    let field = field.trim();
    field.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')).unwrap_or(field).trim()
}

/// `YYYY/M/D` (month and day with or without a leading zero).
fn parse_slash_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('/');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let all_digits = |part: &str, max_len: usize| {
        !part.is_empty() && part.len() <= max_len && part.bytes().all(|byte| byte.is_ascii_digit())
    };
    if !(year.len() == 4 && all_digits(year, 4) && all_digits(month, 2) && all_digits(day, 2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Whether a holiday table that covers days up to `covered_until` is too short on `today`:
/// business-day deadlines are computed up to a year ahead, so the table must cover the next 12
/// months (the Cabinet Office publishes the next year's holidays each February).
pub fn holiday_table_runs_out(covered_until: Option<NaiveDate>, today: NaiveDate) -> bool {
    let Some(needed) = today.checked_add_months(chrono::Months::new(12)) else { return false };
    covered_until.is_none_or(|until| until < needed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn tokyo(text: &str) -> DateTime<Utc> {
        let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        Tokyo.from_local_datetime(&local).unwrap().with_timezone(&Utc)
    }

    #[rstest]
    #[case("1955-01-01", "元日")]
    #[case("1959-04-10", "皇太子明仁親王の結婚の儀")]
    #[case("1973-04-30", "振替休日")] // first 振替休日 (law of 1973-04-12)
    #[case("1988-05-04", "国民の休日")] // first 5/4 国民の休日
    #[case("1988-04-29", "天皇誕生日")]
    #[case("1989-02-24", "昭和天皇の大喪の礼")]
    #[case("1989-04-29", "みどりの日")]
    #[case("1989-12-23", "天皇誕生日")]
    #[case("1990-11-12", "即位礼正殿の儀")]
    #[case("1993-06-09", "皇太子徳仁親王の結婚の儀")]
    #[case("1996-07-20", "海の日")]
    #[case("1999-01-15", "成人の日")]
    #[case("2000-01-10", "成人の日")] // Happy Monday from 2000
    #[case("2000-10-09", "体育の日")]
    #[case("2003-07-21", "海の日")] // Happy Monday from 2003
    #[case("2003-09-15", "敬老の日")]
    #[case("2007-04-29", "昭和の日")]
    #[case("2007-05-04", "みどりの日")]
    #[case("2008-05-06", "振替休日")] // 2007 rule: past consecutive holidays
    #[case("2009-09-22", "国民の休日")]
    #[case("2015-09-22", "国民の休日")]
    #[case("2016-08-11", "山の日")]
    #[case("2018-12-23", "天皇誕生日")]
    #[case("2019-04-30", "国民の休日")]
    #[case("2019-05-01", "天皇の即位の日")]
    #[case("2019-05-02", "国民の休日")]
    #[case("2019-05-06", "振替休日")]
    #[case("2019-10-22", "即位礼正殿の儀")]
    #[case("2020-02-23", "天皇誕生日")]
    #[case("2020-02-24", "振替休日")]
    #[case("2020-07-23", "海の日")]
    #[case("2020-07-24", "スポーツの日")]
    #[case("2020-08-10", "山の日")]
    #[case("2021-07-22", "海の日")]
    #[case("2021-07-23", "スポーツの日")]
    #[case("2021-08-08", "山の日")]
    #[case("2021-08-09", "振替休日")]
    #[case("2022-10-10", "スポーツの日")]
    #[case("2023-09-18", "敬老の日")]
    #[case("2024-02-12", "振替休日")]
    #[case("2024-09-23", "振替休日")]
    #[case("2025-11-24", "振替休日")]
    #[case("2026-03-20", "春分の日")]
    #[case("2026-09-22", "国民の休日")]
    #[case("2026-09-23", "秋分の日")]
    #[case("2027-03-21", "春分の日")]
    #[case("2027-03-22", "振替休日")]
    #[case("2027-09-23", "秋分の日")]
    fn builtin_holidays(#[case] day: &str, #[case] name: &str) {
        assert_eq!(HolidayTable::builtin().name(date(day)), Some(name));
    }

    #[rstest]
    #[case("1973-02-12")] // 2/11 on a Sunday, before the 振替休日 law took effect
    #[case("1987-05-06")] // 5/3 on Sunday: only 5/4 became a 振替休日 before 2007
    #[case("1997-05-04")] // Sunday: not a 国民の休日 before 2007
    #[case("2003-05-04")]
    #[case("2019-12-23")] // no 天皇誕生日 in 2019
    #[case("2019-02-23")]
    #[case("2020-10-12")] // スポーツの日 moved to 7/24
    #[case("2020-07-20")]
    #[case("2020-08-11")]
    #[case("2021-07-19")] // 海の日 moved to 7/22
    #[case("2021-08-11")]
    #[case("2021-10-11")] // スポーツの日 moved to 7/23
    #[case("2023-12-23")]
    #[case("2024-01-02")]
    fn builtin_non_holidays(#[case] day: &str) {
        assert!(!HolidayTable::builtin().is_holiday(date(day)), "{day}");
    }

    #[rstest]
    #[case(1955, 9)] // before 建国記念の日, 敬老の日, 体育の日
    #[case(1988, 14)] // 国民の休日 5/4 appears
    #[case(2019, 22)] // the accession year
    #[case(2020, 18)]
    #[case(2023, 17)]
    #[case(2024, 21)]
    #[case(2026, 18)]
    #[case(2027, 17)]
    fn builtin_holidays_per_year(#[case] year: i32, #[case] count: usize) {
        let actual = HolidayTable::builtin().iter().filter(|(day, _)| day.year() == year).count();
        assert_eq!(actual, count, "{year}");
    }

    #[test]
    fn builtin_table_spans_1955_to_2027() {
        let table = HolidayTable::builtin();
        assert_eq!(table.len(), 1067);
        assert_eq!(table.first_date(), Some(date("1955-01-01")));
        assert_eq!(table.last_date(), Some(date("2027-11-23")));
        let dates: Vec<_> = table.iter().map(|(day, _)| day).collect();
        assert!(dates.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn to_csv_round_trips() {
        let table = HolidayTable::builtin();
        let csv = table.to_csv();
        assert!(csv.starts_with("国民の祝日・休日月日,国民の祝日・休日名称\n1955/1/1,元日\n"));
        assert_eq!(csv, include_str!("../data/syukujitsu.csv"));
        assert_eq!(&HolidayTable::parse_csv(csv.as_bytes()).unwrap(), table);
    }

    #[test]
    fn parses_the_published_shift_jis_file() {
        let text = "国民の祝日・休日月日,国民の祝日・休日名称\r\n2028/1/1,元日\r\n2028/1/10,成人の日\r\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let table = HolidayTable::parse_csv(&bytes).unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table.name(date("2028-01-10")), Some("成人の日"));
    }

    #[rstest]
    #[case::utf8_with_bom(b"\xEF\xBB\xBF\xE5\x9B\xBD\xE6\xB0\x91\xE3\x81\xAE\xE7\xA5\x9D\xE6\x97\xA5\xE3\x83\xBB\xE4\xBC\x91\xE6\x97\xA5\xE6\x9C\x88\xE6\x97\xA5,x\n2028/01/01,\xE5\x85\x83\xE6\x97\xA5\n".as_slice())]
    #[case::utf8_quoted("\"国民の祝日・休日月日\",\"国民の祝日・休日名称\"\n\n\"2028/1/1\",\"元日\"\n\n".as_bytes())]
    fn parses_utf8_variants(#[case] bytes: &[u8]) {
        let table = HolidayTable::parse_csv(bytes).unwrap();
        assert_eq!(table.iter().collect::<Vec<_>>(), vec![(date("2028-01-01"), "元日")]);
    }

    #[rstest]
    #[case::no_header("2028/1/1,元日\n", HolidayCsvError::MissingHeader { line: 1 })]
    #[case::header_after_blank("\n\n2028/1/1,元日\n", HolidayCsvError::MissingHeader { line: 3 })]
    #[case::empty("", HolidayCsvError::MissingHeader { line: 1 })]
    #[case::only_header("国民の祝日・休日月日,国民の祝日・休日名称\n", HolidayCsvError::NoRows)]
    #[case::bad_date(
        "国民の祝日・休日月日,国民の祝日・休日名称\n2028/1/1,元日\n2028-01-10,成人の日\n",
        HolidayCsvError::InvalidDate { line: 3, value: "2028-01-10".into() }
    )]
    #[case::impossible_date(
        "国民の祝日・休日月日,国民の祝日・休日名称\n2028/2/30,x\n",
        HolidayCsvError::InvalidDate { line: 2, value: "2028/2/30".into() }
    )]
    #[case::missing_name(
        "国民の祝日・休日月日,国民の祝日・休日名称\n2028/1/1\n",
        HolidayCsvError::MissingName { line: 2 }
    )]
    #[case::duplicate(
        "国民の祝日・休日月日,国民の祝日・休日名称\n2028/1/1,元日\n2028/01/01,元日\n",
        HolidayCsvError::Duplicate { line: 3, date: NaiveDate::from_ymd_opt(2028, 1, 1).unwrap() }
    )]
    fn rejects_malformed_csv(#[case] text: &str, #[case] expected: HolidayCsvError) {
        assert_eq!(HolidayTable::parse_csv(text.as_bytes()), Err(expected));
    }

    #[test]
    fn rejects_undecodable_bytes() {
        assert_eq!(HolidayTable::parse_csv(b"\xFF\xFF\xFF"), Err(HolidayCsvError::Encoding));
    }

    #[test]
    fn csv_errors_name_the_line_in_japanese() {
        let error = HolidayTable::parse_csv("国民の祝日・休日月日,国民の祝日・休日名称\nx,y\n".as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), "2行目: 日付「x」を読み取れません（「2024/1/1」の形式で記入してください）");
    }

    #[test]
    fn merge_adds_days_and_other_wins() {
        let mut table = HolidayTable::parse_csv(
            "国民の祝日・休日月日,国民の祝日・休日名称\n2019/5/1,天皇の即位の日\n2027/11/23,勤労感謝の日\n".as_bytes(),
        )
        .unwrap();
        let newer = HolidayTable::parse_csv(
            "国民の祝日・休日月日,国民の祝日・休日名称\n2019/5/1,休日（祝日扱い）\n2028/1/1,元日\n".as_bytes(),
        )
        .unwrap();
        table.merge(&newer);
        assert_eq!(table.len(), 3);
        assert_eq!(table.name(date("2019-05-01")), Some("休日（祝日扱い）"));
        assert_eq!(table.last_date(), Some(date("2028-01-01")));
    }

    #[rstest]
    #[case(ClosureDays::year_end_default(), "2023-12-28", false)]
    #[case(ClosureDays::year_end_default(), "2023-12-29", true)]
    #[case(ClosureDays::year_end_default(), "2023-12-31", true)]
    #[case(ClosureDays::year_end_default(), "2024-01-01", true)]
    #[case(ClosureDays::year_end_default(), "2024-01-03", true)]
    #[case(ClosureDays::year_end_default(), "2024-01-04", false)]
    #[case(ClosureDays::year_end_default(), "2024-06-15", false)]
    #[case(ClosureDays::none(), "2023-12-30", false)]
    #[case(ClosureDays::none().with_range((8, 13), (8, 16)), "2024-08-13", true)]
    #[case(ClosureDays::none().with_range((8, 13), (8, 16)), "2024-08-17", false)]
    #[case(ClosureDays::none().with_range((8, 13), (8, 16)), "2024-12-30", false)]
    #[case(ClosureDays::none().with_date(date("2024-06-14")), "2024-06-14", true)]
    #[case(ClosureDays::none().with_date(date("2024-06-14")), "2025-06-14", false)]
    fn closure_days(#[case] closures: ClosureDays, #[case] day: &str, #[case] closed: bool) {
        assert_eq!(closures.contains(date(day)), closed);
    }

    #[rstest]
    #[case("2023-08-25", true)] // Friday
    #[case("2023-08-26", false)] // Saturday
    #[case("2023-08-27", false)] // Sunday
    #[case("2023-09-18", false)] // 敬老の日
    #[case("2023-12-29", false)] // closure
    #[case("2024-01-04", true)]
    #[case("2024-01-08", false)] // 成人の日
    fn business_days(#[case] day: &str, #[case] expected: bool) {
        assert_eq!(BusinessCalendar::japan().is_business_day(date(day)), expected);
    }

    #[rstest]
    #[case("2023-08-25", 0, "2023-08-25")]
    #[case("2023-08-25", 1, "2023-08-28")]
    #[case("2023-08-25", 3, "2023-08-30")]
    #[case("2023-08-26", 1, "2023-08-28")]
    #[case("2023-09-15", 1, "2023-09-19")]
    #[case("2023-12-28", 1, "2024-01-04")]
    #[case("2023-12-28", 3, "2024-01-09")]
    #[case("2024-04-26", 2, "2024-05-01")] // 4/29 昭和の日
    #[case("2024-05-02", 1, "2024-05-07")] // 5/3–5/6 ゴールデンウィーク
    fn add_business_days(#[case] start: &str, #[case] n: u32, #[case] expected: &str) {
        assert_eq!(BusinessCalendar::japan().add_business_days(date(start), n), date(expected));
    }

    #[rstest]
    #[case("2023-08-25", "2023-08-25")]
    #[case("2023-08-26", "2023-08-28")]
    #[case("2023-12-29", "2024-01-04")]
    #[case("2024-01-06", "2024-01-09")]
    fn next_business_day_on_or_after(#[case] day: &str, #[case] expected: &str) {
        assert_eq!(BusinessCalendar::japan().next_business_day_on_or_after(date(day)), date(expected));
    }

    #[rstest]
    #[case("2023-08-25", "2023-08-25", 0)]
    #[case("2023-08-25", "2023-08-28", 1)]
    #[case("2023-08-25", "2023-08-31", 4)]
    #[case("2023-08-31", "2023-08-25", -4)]
    #[case("2023-12-28", "2024-01-09", 3)]
    #[case("2023-08-26", "2023-08-27", 0)]
    #[case("2023-04-01", "2024-03-31", 243)] // the whole of 令和5年度
    fn business_days_between(#[case] from: &str, #[case] to: &str, #[case] expected: i64) {
        assert_eq!(BusinessCalendar::japan().business_days_between(date(from), date(to)), expected);
    }

    #[rstest]
    #[case::friday_morning("2023-08-25 10:00", "2023-08-30")]
    #[case::friday_before_close("2023-08-25 16:59", "2023-08-30")]
    #[case::friday_at_close("2023-08-25 17:00", "2023-08-31")]
    #[case::friday_evening("2023-08-25 18:00", "2023-08-31")]
    #[case::early_morning("2023-08-25 07:30", "2023-08-30")]
    #[case::saturday_before_holiday("2023-09-16 11:00", "2023-09-22")]
    #[case::holiday("2023-09-18 10:00", "2023-09-22")]
    #[case::before_year_end("2023-12-28 16:00", "2024-01-09")]
    #[case::after_hours_before_year_end("2023-12-28 17:30", "2024-01-10")]
    #[case::new_year("2024-01-01 09:00", "2024-01-10")]
    fn contact_due(#[case] received: &str, #[case] expected: &str) {
        assert_eq!(BusinessCalendar::japan().contact_due(tokyo(received)), date(expected));
    }

    #[test]
    fn contact_due_uses_tokyo_time_not_utc() {
        // 2023-08-25 07:30 UTC is 16:30 JST (before close); 08:30 UTC is 17:30 JST (after close).
        let calendar = BusinessCalendar::japan();
        let before = Utc.with_ymd_and_hms(2023, 8, 25, 7, 30, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2023, 8, 25, 8, 30, 0).unwrap();
        // 2023-08-24 20:00 UTC is already Friday 05:00 JST.
        let utc_thursday = Utc.with_ymd_and_hms(2023, 8, 24, 20, 0, 0).unwrap();
        assert_eq!(calendar.contact_due(before), date("2023-08-30"));
        assert_eq!(calendar.contact_due(after), date("2023-08-31"));
        assert_eq!(calendar.contact_due(utc_thursday), date("2023-08-30"));
    }

    #[test]
    fn custom_calendar_uses_given_table_and_closures() {
        let table =
            HolidayTable::parse_csv("国民の祝日・休日月日,国民の祝日・休日名称\n2028/1/3,x\n".as_bytes()).unwrap();
        let calendar = BusinessCalendar::new(Arc::new(table), ClosureDays::none().with_date(date("2028-01-04")));
        // 2028-01-03 Mon holiday, 01-04 Tue closed: Fri 12/31 + 1 → Wed 01-05.
        assert_eq!(calendar.add_business_days(date("2027-12-31"), 1), date("2028-01-05"));
        assert!(calendar.is_business_day(date("2028-01-06")));
    }
}

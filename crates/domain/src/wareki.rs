//! Japanese era (和暦) dates for letters, agreements and reports: `令和5年8月25日`, `令和5年度`.
//!
//! Owns the era boundaries from 明治 (1868-10-23, the 明治改元 applied from 1/1 of 明治元年 is not
//! modelled: earlier dates are out of range) to 令和, and the formatting of dates and fiscal years.
//! Year 1 of an era is written 元年, as in official documents. It formats only; it parses nothing.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

/// A Japanese era since the Meiji restoration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    /// All eras, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    pub fn name_ja(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Era::Meiji => "Meiji",
            Era::Taisho => "Taisho",
            Era::Showa => "Showa",
            Era::Heisei => "Heisei",
            Era::Reiwa => "Reiwa",
        }
    }

    /// The first day of the era.
    pub fn start(self) -> NaiveDate {
        let (year, month, day) = match self {
            Era::Meiji => (1868, 10, 23),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        NaiveDate::from_ymd_opt(year, month, day).expect("era start dates are valid")
    }
}

/// The era and its year number (1 for 元年) on `date`; `None` before 1868-10-23.
pub fn era_year(date: NaiveDate) -> Option<(Era, u32)> {
    let era = Era::ALL.into_iter().rev().find(|era| era.start() <= date)?;
    let year = u32::try_from(date.year() - era.start().year() + 1).ok()?;
    Some((era, year))
}

/// `令和5年8月25日`; `令和元年5月1日` for year 1; `YYYY年M月D日` before 明治.
pub fn format_date(date: NaiveDate) -> String {
    match era_year(date) {
        Some((era, year)) => format!("{}{}年{}月{}日", era.name_ja(), year_ja(year), date.month(), date.day()),
        None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

/// `令和5年8月` (the month of `date`); `YYYY年M月` before 明治.
pub fn format_month(date: NaiveDate) -> String {
    match era_year(date) {
        Some((era, year)) => format!("{}{}年{}月", era.name_ja(), year_ja(year), date.month()),
        None => format!("{}年{}月", date.year(), date.month()),
    }
}

/// `令和5年8月25日（金）`.
pub fn format_date_with_weekday(date: NaiveDate) -> String {
    format!("{}（{}）", format_date(date), weekday_ja(date.weekday()))
}

/// `令和5年度` for fiscal year 2023 (April 2023 – March 2024).
///
/// A fiscal year takes the era year of its calendar year, named by the era in force at that
/// year's end, so 2019 (which began in 平成) is `令和元年度` and 1988 stays `昭和63年度`.
pub fn format_fiscal_year(fiscal_year: i32) -> String {
    match NaiveDate::from_ymd_opt(fiscal_year, 12, 31).and_then(era_year) {
        Some((era, year)) => format!("{}{}年度", era.name_ja(), year_ja(year)),
        None => format!("{fiscal_year}年度"),
    }
}

/// The one-character weekday: 月 火 水 木 金 土 日.
pub fn weekday_ja(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    }
}

fn year_ja(year: u32) -> String {
    if year == 1 { "元".to_owned() } else { year.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[rstest]
    #[case("1868-10-22", None)]
    #[case("1868-10-23", Some((Era::Meiji, 1)))]
    #[case("1912-07-29", Some((Era::Meiji, 45)))]
    #[case("1912-07-30", Some((Era::Taisho, 1)))]
    #[case("1926-12-24", Some((Era::Taisho, 15)))]
    #[case("1926-12-25", Some((Era::Showa, 1)))]
    #[case("1989-01-07", Some((Era::Showa, 64)))]
    #[case("1989-01-08", Some((Era::Heisei, 1)))]
    #[case("2019-04-30", Some((Era::Heisei, 31)))]
    #[case("2019-05-01", Some((Era::Reiwa, 1)))]
    #[case("2023-08-25", Some((Era::Reiwa, 5)))]
    fn era_years(#[case] day: &str, #[case] expected: Option<(Era, u32)>) {
        assert_eq!(era_year(date(day)), expected);
    }

    #[rstest]
    #[case("2023-08-25", "令和5年8月25日")]
    #[case("2019-05-01", "令和元年5月1日")]
    #[case("2019-04-30", "平成31年4月30日")]
    #[case("1989-01-08", "平成元年1月8日")]
    #[case("1989-01-07", "昭和64年1月7日")]
    #[case("1926-12-25", "昭和元年12月25日")]
    #[case("1912-07-30", "大正元年7月30日")]
    #[case("1868-10-23", "明治元年10月23日")]
    #[case("1868-10-22", "1868年10月22日")]
    #[case("1600-01-01", "1600年1月1日")]
    fn formats_dates(#[case] day: &str, #[case] expected: &str) {
        assert_eq!(format_date(date(day)), expected);
    }

    #[rstest]
    #[case("2023-08-25", "令和5年8月25日（金）")]
    #[case("2024-02-09", "令和6年2月9日（金）")]
    #[case("2023-09-17", "令和5年9月17日（日）")]
    #[case("2019-05-01", "令和元年5月1日（水）")]
    fn formats_dates_with_weekday(#[case] day: &str, #[case] expected: &str) {
        assert_eq!(format_date_with_weekday(date(day)), expected);
    }

    #[rstest]
    #[case(2023, "令和5年度")]
    #[case(2024, "令和6年度")]
    #[case(2020, "令和2年度")]
    #[case(2019, "令和元年度")]
    #[case(2018, "平成30年度")]
    #[case(1989, "平成元年度")]
    #[case(1988, "昭和63年度")]
    #[case(1800, "1800年度")]
    fn formats_fiscal_years(#[case] fiscal_year: i32, #[case] expected: &str) {
        assert_eq!(format_fiscal_year(fiscal_year), expected);
    }
}

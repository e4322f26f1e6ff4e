//! Zoom's meeting participant report (Reports → Usage → Participants → Export), read for the
//! online attendance of a briefing seminar, and the name normalisation used to match its rows
//! with registrations.
//!
//! The file comes in several shapes, all read here:
//! - UTF-8 with or without a byte-order mark, or Shift_JIS (CP932) after a round trip through
//!   Excel on Japanese Windows. Bytes that are valid UTF-8 are read as UTF-8, anything else as
//!   Shift_JIS; a file that is neither is refused.
//! - Column headings in English (`Name (Original Name)`, `User Email`, `Join Time`, `Leave
//!   Time`, `Duration (Minutes)`, `Guest`, …, or the older and unique-user forms `Participant`,
//!   `Email`, `Total Duration (Minutes)`) or Japanese (`名前（元の名前）`, `ユーザーメール`,
//!   `参加時刻`/`参加時間`, `退出時刻`/`退出時間`, `期間（分）`, `ゲスト`, …). Headings are compared
//!   after NFKC (full-width brackets become ASCII), without spaces and case, so small spelling
//!   differences between Zoom versions do not matter. Columns other than name, e-mail, join,
//!   leave and duration are ignored.
//! - With "export with meeting data" ticked, a summary block comes first (one heading row —
//!   `Meeting ID`, `Topic`, … — one value row, then an empty row, which Zoom writes as a row of
//!   commas). The participants' table is found as the first row holding both a name and a
//!   duration heading and no meeting-ID heading.
//!
//! Join and leave times are local times as the host's Zoom account shows them
//! (`09/06/2023 02:00:15 PM` in English, `2023/09/06 14:00:15` in Japanese). A time in a form
//! not recognised here is `None` rather than an error: attendance is decided by the minutes.
//!
//! Must not: decide who attended (that needs the registrations) or merge a person's rows —
//! Zoom writes one row per connection, so someone who rejoined appears more than once.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use encoding_rs::SHIFT_JIS;
use unicode_normalization::UnicodeNormalization;

/// One row of the participant report: one connection of one person.
#[derive(Clone, PartialEq, Eq)]
pub struct Participant {
    /// The name as Zoom shows it; for a participant who renamed themselves in the meeting this
    /// is `New name (Name on joining)`. See [`normalise_name`] and [`original_name`].
    pub name: String,
    /// The e-mail of a signed-in Zoom user; `None` for guests who joined without signing in.
    pub email: Option<String>,
    /// Minutes connected, as Zoom rounds them.
    pub minutes: u32,
    /// Local time of joining, as the host's Zoom account shows times (Tokyo for Kojo's hosts).
    pub joined_at: Option<NaiveDateTime>,
    pub left_at: Option<NaiveDateTime>,
}

// The name and e-mail stay out of logs.
impl std::fmt::Debug for Participant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Participant")
            .field("email", &self.email.as_ref().map(|_| "(redacted)"))
            .field("minutes", &self.minutes)
            .field("joined_at", &self.joined_at)
            .field("left_at", &self.left_at)
            .finish_non_exhaustive()
    }
}

/// Why a participant report cannot be read, in words a page can show.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ZoomError {
    #[error(
        "ファイルの文字コードを読み取れません（UTF-8 でも Shift_JIS でもありません）。Zoom からダウンロードした CSV をそのまま選んでください。"
    )]
    Undecodable,
    #[error(
        "参加者の一覧が見つかりません。「名前（元の名前）」と「期間（分）」（英語版は “Name (Original Name)” と “Duration (Minutes)”）の列がある、Zoom の参加者レポートの CSV を選んでください。"
    )]
    NoParticipantHeader,
    #[error("{row}行目: 期間（分）の「{value}」を数値として読み取れません。")]
    BadDuration { row: u64, value: String },
    #[error("{row}行目: CSV として読み取れません（{message}）。")]
    Csv { row: u64, message: String },
}

/// Every participant row of a Zoom participant report, in the file's order.
pub fn read_participants(bytes: &[u8]) -> Result<Vec<Participant>, ZoomError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());

    let mut lines = Lines::new(&text);
    let mut columns = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| ZoomError::Csv {
            row: error.position().map_or(0, |position| lines.row(position.byte())),
            message: error.to_string(),
        })?;
        let row = record.position().map_or(0, |position| lines.row(position.byte()));
        match &columns {
            None => columns = Columns::find(&record),
            Some(_) if record.iter().all(|cell| cell.trim().is_empty()) => {}
            Some(_) => rows.push((row, record)),
        }
    }
    let columns = columns.ok_or(ZoomError::NoParticipantHeader)?;

    let times = rows.iter().flat_map(|(_, record)| [cell(record, columns.join), cell(record, columns.leave)]);
    let order = DateOrder::of(times);

    rows.iter()
        .map(|(row, record)| {
            let duration = cell(record, Some(columns.duration));
            let minutes = duration
                .parse::<u32>()
                .map_err(|_| ZoomError::BadDuration { row: *row, value: duration.to_string() })?;
            let email = cell(record, columns.email);
            Ok(Participant {
                name: cell(record, Some(columns.name)).to_string(),
                email: (!email.is_empty()).then(|| email.to_string()),
                minutes,
                joined_at: parse_time(cell(record, columns.join), order),
                left_at: parse_time(cell(record, columns.leave), order),
            })
        })
        .collect()
}

/// A name reduced for matching people by name: NFKC (full-width letters and digits and
/// half-width katakana become their usual forms), the current name only when Zoom shows a
/// renamed participant as `New name (Name on joining)` — the last balanced parenthesised
/// group at the end, when something precedes it — then every space (U+3000 included) and
/// zero-width character removed, and lower case.
///
/// `山田　太郎`, `山田 太郎 (Taro Yamada)` and `山田太郎（やまだ）` all give `山田太郎`; the name
/// in brackets is available from [`original_name`] for a second try. Use the same function on
/// both sides. Kana are not folded (ヤマダ and やまだ differ) and kanji variants are not
/// unified (髙 and 高 differ): a near miss is left for the secretariat to match by hand.
pub fn normalise_name(name: &str) -> String {
    let normalised: String = name.nfkc().collect();
    let (current, _) = split_original(&normalised);
    squash(current)
}

/// The name in the trailing brackets of a renamed participant (`Taro Yamada` in
/// `山田 太郎 (Taro Yamada)`), reduced as [`normalise_name`] reduces names; `None` when there is
/// none.
pub fn original_name(name: &str) -> Option<String> {
    let normalised: String = name.nfkc().collect();
    let (_, original) = split_original(&normalised);
    original.map(squash).filter(|original| !original.is_empty())
}

/// Row numbers as a spreadsheet shows them: the line a record starts on, empty lines counted.
///
/// The `csv` crate's own line numbers skip empty lines and count a CRLF late, and a record's
/// byte position can point at the line break before it; so the row is found from the byte
/// position, stepping over line breaks to the record's first character.
struct Lines<'a> {
    text: &'a [u8],
    counted_to: usize,
    breaks: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines { text: text.as_bytes(), counted_to: 0, breaks: 0 }
    }

    /// The 1-based row of the record at `byte` (positions only move forward).
    fn row(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            self.breaks += self.text[self.counted_to..start].iter().filter(|&&byte| byte == b'\n').count() as u64;
            self.counted_to = start;
        }
        self.breaks + 1
    }
}

/// The report's columns that Kojo reads, by position.
struct Columns {
    name: usize,
    duration: usize,
    email: Option<usize>,
    join: Option<usize>,
    leave: Option<usize>,
}

#[derive(Clone, Copy, PartialEq)]
enum Heading {
    Name,
    Email,
    Join,
    Leave,
    Duration,
    MeetingId,
}

/// Headings as Zoom has written them, reduced by [`heading_key`]. English: the current
/// participant report and its older and "unique users" forms. Japanese: the localised report's
/// spellings and the variants seen across Zoom versions.
const HEADINGS: &[(&str, Heading)] = &[
    ("name(originalname)", Heading::Name),
    ("name", Heading::Name),
    ("participant", Heading::Name),
    ("participantname", Heading::Name),
    ("名前(元の名前)", Heading::Name),
    ("名前", Heading::Name),
    ("参加者", Heading::Name),
    ("参加者名", Heading::Name),
    ("useremail", Heading::Email),
    ("email", Heading::Email),
    ("emailaddress", Heading::Email),
    ("ユーザーメール", Heading::Email),
    ("ユーザーのメール", Heading::Email),
    ("ユーザーメールアドレス", Heading::Email),
    ("ユーザーのメールアドレス", Heading::Email),
    ("メール", Heading::Email),
    ("メールアドレス", Heading::Email),
    ("jointime", Heading::Join),
    ("参加時刻", Heading::Join),
    ("参加時間", Heading::Join),
    ("参加日時", Heading::Join),
    ("入室時刻", Heading::Join),
    ("leavetime", Heading::Leave),
    ("退出時刻", Heading::Leave),
    ("退出時間", Heading::Leave),
    ("退出日時", Heading::Leave),
    ("退室時刻", Heading::Leave),
    ("duration(minutes)", Heading::Duration),
    ("totalduration(minutes)", Heading::Duration),
    ("duration(mins)", Heading::Duration),
    ("期間(分)", Heading::Duration),
    ("合計期間(分)", Heading::Duration),
    ("時間(分)", Heading::Duration),
    ("参加時間(分)", Heading::Duration),
    ("合計時間(分)", Heading::Duration),
    ("継続時間(分)", Heading::Duration),
    ("meetingid", Heading::MeetingId),
    ("ミーティングid", Heading::MeetingId),
];

impl Columns {
    /// The columns, if `record` is the participants' heading row.
    fn find(record: &csv::StringRecord) -> Option<Columns> {
        let mut name = None;
        let mut duration = None;
        let mut email = None;
        let mut join = None;
        let mut leave = None;
        for (index, cell) in record.iter().enumerate() {
            let key = heading_key(cell);
            let Some((_, heading)) = HEADINGS.iter().find(|(known, _)| *known == key) else { continue };
            let slot = match heading {
                Heading::Name => &mut name,
                Heading::Email => &mut email,
                Heading::Join => &mut join,
                Heading::Leave => &mut leave,
                Heading::Duration => &mut duration,
                // The meeting summary's heading row, which also has an e-mail and a duration.
                Heading::MeetingId => return None,
            };
            slot.get_or_insert(index);
        }
        Some(Columns { name: name?, duration: duration?, email, join, leave })
    }
}

/// The trimmed cell in `column` of `record`; empty when the column or the cell is missing.
fn cell(record: &csv::StringRecord, column: Option<usize>) -> &str {
    column.and_then(|index| record.get(index)).map_or("", str::trim)
}

/// A heading reduced for comparison: NFKC, no byte-order mark or spaces, lower case.
fn heading_key(cell: &str) -> String {
    cell.nfkc()
        .filter(|character| !character.is_whitespace() && *character != '\u{FEFF}')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The text of the file: UTF-8 (byte-order mark dropped) when the bytes are valid UTF-8,
/// otherwise Shift_JIS (as encoding_rs decodes it: CP932, with the NEC and IBM extensions).
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ZoomError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let (text, had_errors) = SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors { Err(ZoomError::Undecodable) } else { Ok(text) }
}

/// How a file writes `a/b/yyyy` without AM or PM.
#[derive(Clone, Copy, PartialEq, Debug)]
enum DateOrder {
    DayFirst,
    MonthFirst,
}

impl DateOrder {
    /// Decided once per file from its own times: a first number over 12 means day first, a
    /// second number over 12 means month first. With no such evidence, day first — Zoom writes
    /// month-first dates in English (US) with a 12-hour clock, which carries AM/PM and does not
    /// come here; slashed dates on a 24-hour clock are the day-first locales' (en-GB and others).
    fn of<'a>(times: impl Iterator<Item = &'a str>) -> DateOrder {
        for time in times {
            if has_meridiem(time) {
                continue;
            }
            let mut parts = time.split([' ', 'T']).next().unwrap_or("").split('/');
            let (Some(first), Some(second), Some(year)) = (parts.next(), parts.next(), parts.next()) else { continue };
            if year.len() != 4 {
                continue;
            }
            match (first.parse::<u32>(), second.parse::<u32>()) {
                (Ok(first), _) if first > 12 => return DateOrder::DayFirst,
                (_, Ok(second)) if second > 12 => return DateOrder::MonthFirst,
                _ => {}
            }
        }
        DateOrder::DayFirst
    }
}

fn has_meridiem(time: &str) -> bool {
    let upper = time.trim_end().to_ascii_uppercase();
    upper.ends_with("AM") || upper.ends_with("PM")
}

/// A join or leave time in one of the forms Zoom writes, or `None`.
fn parse_time(value: &str, order: DateOrder) -> Option<NaiveDateTime> {
    const YEAR_FIRST: &[&str] =
        &["%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"];
    const MERIDIEM: &[&str] = &["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p"];
    const DAY_FIRST: &[&str] = &["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"];
    const MONTH_FIRST: &[&str] = &["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"];

    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let formats = if has_meridiem(value) {
        MERIDIEM
    } else if value
        .split([' ', 'T'])
        .next()
        .is_some_and(|date| date.len() >= 4 && date[..4].bytes().all(|byte| byte.is_ascii_digit()))
    {
        YEAR_FIRST
    } else if order == DateOrder::DayFirst {
        DAY_FIRST
    } else {
        MONTH_FIRST
    };
    formats.iter().find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
}

/// Splits `New name (Name on joining)` into its two names; anything else is all current name.
fn split_original(name: &str) -> (&str, Option<&str>) {
    let trimmed = name.trim_end();
    if !trimmed.ends_with(')') {
        return (name, None);
    }
    let mut depth = 0usize;
    for (index, character) in trimmed.char_indices().rev() {
        match character {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    let current = &trimmed[..index];
                    if current.trim().is_empty() {
                        return (name, None);
                    }
                    return (current, Some(&trimmed[index + 1..trimmed.len() - 1]));
                }
            }
            _ => {}
        }
    }
    (name, None)
}

/// No spaces (U+3000 and the zero-width ones included), lower case.
fn squash(name: &str) -> String {
    name.chars()
        .filter(|character| {
            !character.is_whitespace() && !matches!(character, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rstest::rstest;

    fn at(y: i32, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(hh, mm, ss)
    }

    #[rstest]
    #[case::us_12_hour("09/06/2023 02:00:15 PM", DateOrder::DayFirst, at(2023, 9, 6, 14, 0, 15))]
    #[case::us_single_digits("9/6/2023 9:54:15 AM", DateOrder::DayFirst, at(2023, 9, 6, 9, 54, 15))]
    #[case::us_midnight("09/06/2023 12:00:01 AM", DateOrder::DayFirst, at(2023, 9, 6, 0, 0, 1))]
    #[case::japanese("2023/09/06 14:00:15", DateOrder::DayFirst, at(2023, 9, 6, 14, 0, 15))]
    #[case::japanese_no_padding("2023/9/6 9:05", DateOrder::DayFirst, at(2023, 9, 6, 9, 5, 0))]
    #[case::iso("2023-09-06 14:00:15", DateOrder::DayFirst, at(2023, 9, 6, 14, 0, 15))]
    #[case::day_first("06/09/2023 14:00:15", DateOrder::DayFirst, at(2023, 9, 6, 14, 0, 15))]
    #[case::month_first("09/06/2023 14:00:15", DateOrder::MonthFirst, at(2023, 9, 6, 14, 0, 15))]
    #[case::empty("", DateOrder::DayFirst, None)]
    #[case::unknown("6 Sep 2023 14:00", DateOrder::DayFirst, None)]
    fn parses_the_time_forms_zoom_writes(
        #[case] value: &str,
        #[case] order: DateOrder,
        #[case] expected: Option<NaiveDateTime>,
    ) {
        assert_eq!(parse_time(value, order), expected);
    }

    #[rstest]
    #[case::day_evidence(&["01/02/2023 10:00:00", "13/02/2023 10:00:00"], DateOrder::DayFirst)]
    #[case::month_evidence(&["01/02/2023 10:00:00", "02/13/2023 10:00:00"], DateOrder::MonthFirst)]
    #[case::no_evidence(&["01/02/2023 10:00:00"], DateOrder::DayFirst)]
    #[case::meridiem_ignored(&["02/13/2023 10:00:00 AM", "01/02/2023 10:00:00"], DateOrder::DayFirst)]
    fn decides_the_date_order_per_file(#[case] times: &[&str], #[case] expected: DateOrder) {
        assert_eq!(DateOrder::of(times.iter().copied()), expected);
    }

    #[test]
    fn debug_output_leaves_out_the_name_and_email() {
        let participant = Participant {
            name: "山田 太郎".into(),
            email: Some("taro@example.co.jp".into()),
            minutes: 5,
            joined_at: None,
            left_at: None,
        };
        let debug = format!("{participant:?}");
        assert!(!debug.contains("山田") && !debug.contains("taro@"), "{debug}");
        assert!(debug.contains("minutes: 5"));
    }

    #[test]
    fn rows_count_as_a_spreadsheet_shows_them() {
        let text = "a,b\r\n1,2\r\n,,\r\n\r\n\"x\r\ny\",z\r\np,q\n\nr,s";
        let mut lines = Lines::new(text);
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let rows: Vec<(u64, String)> = reader
            .records()
            .map(|record| {
                let record = record.unwrap();
                (lines.row(record.position().unwrap().byte()), record[0].to_string())
            })
            .collect();
        let expected = [(1, "a"), (2, "1"), (3, ""), (5, "x\r\ny"), (7, "p"), (9, "r")];
        assert_eq!(rows, expected.map(|(row, first)| (row, first.to_string())));
    }

    #[rstest]
    #[case::spaces("山田 太郎", "山田太郎")]
    #[case::ideographic_space("山田\u{3000}太郎", "山田太郎")]
    #[case::full_width_latin("ＴＡＲＯ　Ｙａｍａｄａ", "taroyamada")]
    #[case::half_width_katakana("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ")]
    #[case::renamed("山田 太郎 (Taro Yamada)", "山田太郎")]
    #[case::renamed_full_width_brackets("山田 太郎（やまだ）", "山田太郎")]
    #[case::nested_brackets("Loki (Loki (of Asgard))", "loki")]
    #[case::only_brackets("(ゲスト)", "(ゲスト)")]
    #[case::brackets_inside("株式会社(仮) 山田", "株式会社(仮)山田")]
    #[case::zero_width("山田\u{200B}太郎", "山田太郎")]
    fn normalises_names(#[case] name: &str, #[case] expected: &str) {
        assert_eq!(normalise_name(name), expected);
    }

    #[rstest]
    #[case::renamed("山田 太郎 (Taro Yamada)", Some("taroyamada"))]
    #[case::full_width("山田 太郎（ヤマダ　タロウ）", Some("ヤマダタロウ"))]
    #[case::not_renamed("山田 太郎", None)]
    #[case::empty_brackets("山田 太郎 ()", None)]
    fn finds_the_original_name(#[case] name: &str, #[case] expected: Option<&str>) {
        assert_eq!(original_name(name).as_deref(), expected);
    }
}

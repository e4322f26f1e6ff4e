//! A table of typed cells and its three export encodings.
//!
//! A cell is text, a whole number, a date or a date and time (Tokyo local, as the pages show
//! it). CSV writes every cell as text; xlsx keeps the types — numbers as numbers, dates as dates
//! in the Japanese `yyyy/mm/dd` form — with the header row bold and frozen, an auto-filter on it,
//! and column widths fitted to the content.
//!
//! Excel on Japanese Windows opens a UTF-8 CSV correctly only with a byte-order mark; older
//! versions want Shift_JIS (Windows code page 932). A character CP932 cannot hold is replaced by
//! 〓 (the geta mark, the customary stand-in) and listed with its row and column, so one
//! applicant's rare character never stops everyone's export.
//!
//! Cells are neutralised against formula injection (OWASP "CSV Injection"): a cell whose first
//! character after leading spaces, tabs or line breaks is `=`, `+`, `-` or `@`, or that starts
//! with a tab or carriage return, gets a leading `'`, so Excel shows it as text.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use encoding_rs::SHIFT_JIS;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Date(NaiveDate),
    /// A local date and time (Asia/Tokyo), to the second.
    DateTime(NaiveDateTime),
}

impl Cell {
    /// The cell as CSV and people read it: dates as `2026-12-03`, times as `2026-12-03 10:30:00`.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(text) => Cow::Borrowed(text),
            Cell::Integer(number) => Cow::Owned(number.to_string()),
            Cell::Date(date) => Cow::Owned(date.format("%Y-%m-%d").to_string()),
            Cell::DateTime(at) => Cow::Owned(at.format("%Y-%m-%d %H:%M:%S").to_string()),
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        if text.is_empty() { Cell::Empty } else { Cell::Text(text) }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

impl From<i64> for Cell {
    fn from(number: i64) -> Cell {
        Cell::Integer(number)
    }
}

impl From<u32> for Cell {
    fn from(number: u32) -> Cell {
        Cell::Integer(i64::from(number))
    }
}

impl From<NaiveDate> for Cell {
    fn from(date: NaiveDate) -> Cell {
        Cell::Date(date)
    }
}

impl From<NaiveDateTime> for Cell {
    fn from(at: NaiveDateTime) -> Cell {
        Cell::DateTime(at)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Cell {
        value.map_or(Cell::Empty, Into::into)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExportError {
    #[error("CSVの書き出しに失敗しました: {0}")]
    Csv(String),
    #[error("xlsxの書き出しに失敗しました: {0}")]
    Xlsx(String),
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The stand-in for a character Shift_JIS cannot hold (〓, げた記号).
pub const SUBSTITUTE: char = '〓';

/// A Shift_JIS CSV and the characters that had to be replaced in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftJisCsv {
    pub bytes: Vec<u8>,
    pub substituted: Vec<Substitution>,
}

/// One replaced character: where (row 1 is the header row) and what it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Substitution {
    pub row: usize,
    pub column: String,
    pub character: char,
}

/// A cell as it may go into a CSV file: text Excel will not run as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let starts_dangerously = cell.starts_with(['\t', '\r'])
        || cell.trim_start_matches([' ', '\t', '\r', '\n', '\u{3000}']).starts_with(['=', '+', '-', '@']);
    if starts_dangerously { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

impl Table {
    pub fn new(headers: impl IntoIterator<Item = impl Into<String>>) -> Table {
        Table { headers: headers.into_iter().map(Into::into).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: impl IntoIterator<Item = impl Into<Cell>>) {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    /// Every row as text (what CSV writes).
    fn text_rows(&self) -> Vec<Vec<String>> {
        self.rows.iter().map(|row| row.iter().map(|cell| cell.text().into_owned()).collect()).collect()
    }

    /// CSV with CRLF line ends, UTF-8 with a byte-order mark.
    pub fn to_csv_utf8_bom(&self) -> Result<Vec<u8>, ExportError> {
        let mut out = UTF8_BOM.to_vec();
        out.extend(csv_text(&self.headers, &self.text_rows())?.into_bytes());
        Ok(out)
    }

    /// CSV with CRLF line ends in Shift_JIS (CP932); characters it cannot hold become 〓 and
    /// are listed in the answer.
    pub fn to_csv_shift_jis(&self) -> Result<ShiftJisCsv, ExportError> {
        let mut substituted = Vec::new();
        let mut headers = self.headers.clone();
        let mut rows = self.text_rows();
        for (index, row) in std::iter::once(&mut headers).chain(rows.iter_mut()).enumerate() {
            for (column, cell) in row.iter_mut().enumerate() {
                if first_unmappable(cell).is_none() {
                    continue;
                }
                let mut buffer = [0u8; 4];
                let replaced: String = cell
                    .chars()
                    .map(|c| {
                        if SHIFT_JIS.encode(c.encode_utf8(&mut buffer)).2 {
                            let name =
                                self.headers.get(column).cloned().unwrap_or_else(|| format!("{}列目", column + 1));
                            substituted.push(Substitution { row: index + 1, column: name, character: c });
                            SUBSTITUTE
                        } else {
                            c
                        }
                    })
                    .collect();
                *cell = replaced;
            }
        }
        let text = csv_text(&headers, &rows)?;
        let (bytes, _, had_errors) = SHIFT_JIS.encode(&text);
        debug_assert!(!had_errors, "every unmappable character was replaced above");
        Ok(ShiftJisCsv { bytes: bytes.into_owned(), substituted })
    }

    /// An xlsx workbook with one sheet: typed cells, the header row bold and frozen with an
    /// auto-filter, columns fitted to their content.
    pub fn to_xlsx(&self, sheet_name: &str) -> Result<Vec<u8>, ExportError> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let xlsx = |e: rust_xlsxwriter::XlsxError| ExportError::Xlsx(e.to_string());
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name).map_err(xlsx)?;
        let bold = Format::new().set_bold();
        let date = Format::new().set_num_format("yyyy/mm/dd");
        let date_time = Format::new().set_num_format("yyyy/mm/dd hh:mm:ss");
        let excel_date = |day: NaiveDate| {
            ExcelDateTime::from_ymd(day.year().clamp(1900, 9999) as u16, day.month() as u8, day.day() as u8)
        };
        for (column, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, header, &bold).map_err(xlsx)?;
        }
        for (index, row) in self.rows.iter().enumerate() {
            let at = index as u32 + 1;
            for (column, cell) in row.iter().enumerate() {
                let column = column as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(text) => {
                        sheet.write_string(at, column, text).map_err(xlsx)?;
                    }
                    Cell::Integer(number) => {
                        sheet.write_number(at, column, *number as f64).map_err(xlsx)?;
                    }
                    Cell::Date(day) => {
                        sheet
                            .write_datetime_with_format(at, column, excel_date(*day).map_err(xlsx)?, &date)
                            .map_err(xlsx)?;
                    }
                    Cell::DateTime(moment) => {
                        let value = excel_date(moment.date())
                            .and_then(|d| d.and_hms(moment.hour() as u16, moment.minute() as u8, moment.second()))
                            .map_err(xlsx)?;
                        sheet.write_datetime_with_format(at, column, value, &date_time).map_err(xlsx)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        if !self.headers.is_empty() {
            let last_row = self.rows.len() as u32;
            sheet.autofilter(0, 0, last_row, self.headers.len() as u16 - 1).map_err(xlsx)?;
        }
        sheet.set_autofit_max_width(400).autofit();
        workbook.save_to_buffer().map_err(xlsx)
    }
}

fn csv_text(headers: &[String], rows: &[Vec<String>]) -> Result<String, ExportError> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let csv_error = |e: csv::Error| ExportError::Csv(e.to_string());
    writer.write_record(headers.iter().map(|cell| neutralise(cell).into_owned())).map_err(csv_error)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| neutralise(cell).into_owned())).map_err(csv_error)?;
    }
    let bytes = writer.into_inner().map_err(|e| ExportError::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ExportError::Csv(e.to_string()))
}

fn first_unmappable(text: &str) -> Option<char> {
    let mut buffer = [0u8; 4];
    text.chars().find(|c| {
        let (_, _, had_errors) = SHIFT_JIS.encode(c.encode_utf8(&mut buffer));
        had_errors
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(["申込番号", "会社名"]);
        table.push(vec!["R5-0001-0002", "株式会社サンプル, \"東京\""]);
        table
    }

    #[test]
    fn utf8_csv_starts_with_bom_and_quotes_commas() {
        let bytes = sample().to_csv_utf8_bom().unwrap();
        assert!(bytes.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(text, "申込番号,会社名\r\nR5-0001-0002,\"株式会社サンプル, \"\"東京\"\"\"\r\n");
    }

    #[test]
    fn shift_jis_round_trips() {
        let bytes = sample().to_csv_shift_jis().unwrap().bytes;
        let (decoded, _, errors) = SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert!(decoded.contains("株式会社サンプル"));
        // 申 in CP932 is 0x905C.
        assert_eq!(&bytes[..2], &[0x90, 0x5C]);
    }

    #[test]
    fn shift_jis_replaces_and_lists_what_it_cannot_hold() {
        let mut table = sample();
        table.push(vec!["R5-0001-0003", "𠮷野家"]);
        let csv = table.to_csv_shift_jis().unwrap();
        assert_eq!(csv.substituted, vec![Substitution { row: 3, column: "会社名".into(), character: '𠮷' }]);
        let (decoded, _, errors) = SHIFT_JIS.decode(&csv.bytes);
        assert!(!errors);
        assert!(decoded.contains("〓野家"), "{decoded}");
        assert!(decoded.contains("株式会社サンプル"), "the other rows are all there");
    }

    #[test]
    fn formula_cells_are_neutralised_in_every_csv() {
        for (cell, expected) in [
            ("=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("  =1+1", "'  =1+1"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("=1+1@example.com", "'=1+1@example.com"),
            ("株式会社=", "株式会社="),
            ("a-b", "a-b"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), expected, "{cell:?}");
        }
        let mut table = Table::new(["会社名", "メール"]);
        table.push(vec!["=HYPERLINK(\"x\")", "=1+1@example.com"]);
        let utf8 = String::from_utf8(table.to_csv_utf8_bom().unwrap()[3..].to_vec()).unwrap();
        assert!(utf8.contains("\"'=HYPERLINK(\"\"x\"\")\",'=1+1@example.com"), "{utf8}");
        let bytes = table.to_csv_shift_jis().unwrap().bytes;
        let (sjis, _, _) = SHIFT_JIS.decode(&bytes);
        assert!(sjis.contains("'=1+1@example.com"), "{sjis}");
    }

    #[test]
    fn xlsx_is_a_zip_with_the_sheet() {
        let bytes = sample().to_xlsx("申込一覧").unwrap();
        assert_eq!(&bytes[..2], b"PK");
        assert!(bytes.len() > 1000);
    }
}

//! A table of text and its three export encodings.
//!
//! Excel on Japanese Windows opens a UTF-8 CSV correctly only with a byte-order mark; older
//! versions want Shift_JIS (Windows code page 932). A character CP932 cannot hold is replaced by
//! 〓 (the geta mark, the customary stand-in) and listed with its row and column, so one
//! applicant's rare character never stops everyone's export.
//!
//! Cells are neutralised against formula injection (OWASP "CSV Injection"): a cell whose first
//! character after leading spaces, tabs or line breaks is `=`, `+`, `-` or `@`, or that starts
//! with a tab or carriage return, gets a leading `'`, so Excel shows it as text.

use encoding_rs::SHIFT_JIS;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
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
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let starts_dangerously = cell.starts_with(['\t', '\r'])
        || cell.trim_start_matches([' ', '\t', '\r', '\n', '\u{3000}']).starts_with(['=', '+', '-', '@']);
    if starts_dangerously { std::borrow::Cow::Owned(format!("'{cell}")) } else { std::borrow::Cow::Borrowed(cell) }
}

impl Table {
    pub fn new(headers: impl IntoIterator<Item = impl Into<String>>) -> Table {
        Table { headers: headers.into_iter().map(Into::into).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// CSV with CRLF line ends, UTF-8 with a byte-order mark.
    pub fn to_csv_utf8_bom(&self) -> Result<Vec<u8>, ExportError> {
        let mut out = UTF8_BOM.to_vec();
        out.extend(self.to_csv_text()?.into_bytes());
        Ok(out)
    }

    /// CSV with CRLF line ends in Shift_JIS (CP932); characters it cannot hold become 〓 and
    /// are listed in the answer.
    pub fn to_csv_shift_jis(&self) -> Result<ShiftJisCsv, ExportError> {
        let mut substituted = Vec::new();
        let mut table = self.clone();
        for (index, row) in std::iter::once(&mut table.headers).chain(table.rows.iter_mut()).enumerate() {
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
        let text = table.to_csv_text()?;
        let (bytes, _, had_errors) = SHIFT_JIS.encode(&text);
        debug_assert!(!had_errors, "every unmappable character was replaced above");
        Ok(ShiftJisCsv { bytes: bytes.into_owned(), substituted })
    }

    /// An xlsx workbook with one sheet; the header row is bold and frozen.
    pub fn to_xlsx(&self, sheet_name: &str) -> Result<Vec<u8>, ExportError> {
        use rust_xlsxwriter::{Format, Workbook};
        let xlsx = |e: rust_xlsxwriter::XlsxError| ExportError::Xlsx(e.to_string());
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name).map_err(xlsx)?;
        let bold = Format::new().set_bold();
        for (column, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, header, &bold).map_err(xlsx)?;
        }
        for (index, row) in self.rows.iter().enumerate() {
            for (column, cell) in row.iter().enumerate() {
                sheet.write_string(index as u32 + 1, column as u16, cell).map_err(xlsx)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        workbook.save_to_buffer().map_err(xlsx)
    }

    fn to_csv_text(&self) -> Result<String, ExportError> {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        let csv_error = |e: csv::Error| ExportError::Csv(e.to_string());
        writer.write_record(self.headers.iter().map(|cell| neutralise(cell).into_owned())).map_err(csv_error)?;
        for row in &self.rows {
            writer.write_record(row.iter().map(|cell| neutralise(cell).into_owned())).map_err(csv_error)?;
        }
        let bytes = writer.into_inner().map_err(|e| ExportError::Csv(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| ExportError::Csv(e.to_string()))
    }
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
        table.push(vec!["R5-0001-0002".into(), "株式会社サンプル, \"東京\"".into()]);
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
        table.push(vec!["R5-0001-0003".into(), "𠮷野家".into()]);
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
        table.push(vec!["=HYPERLINK(\"x\")".into(), "=1+1@example.com".into()]);
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

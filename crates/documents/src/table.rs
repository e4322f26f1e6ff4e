//! A table of text and its three export encodings.
//!
//! Excel on Japanese Windows opens a UTF-8 CSV correctly only with a byte-order mark; older
//! versions want Shift_JIS (Windows code page 932). A character CP932 cannot hold is reported
//! with its row and column, never silently replaced.

use encoding_rs::SHIFT_JIS;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExportError {
    #[error(
        "{row}行目「{column}」の文字「{character}」はShift_JISで表せません。UTF-8（BOM付き）かxlsxで出力してください"
    )]
    Unmappable { row: usize, column: String, character: char },
    #[error("CSVの書き出しに失敗しました: {0}")]
    Csv(String),
    #[error("xlsxの書き出しに失敗しました: {0}")]
    Xlsx(String),
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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

    /// CSV with CRLF line ends in Shift_JIS (CP932).
    pub fn to_csv_shift_jis(&self) -> Result<Vec<u8>, ExportError> {
        // Find the first unmappable cell first, so the error can name it.
        for (index, row) in std::iter::once(&self.headers).chain(self.rows.iter()).enumerate() {
            for (column, cell) in row.iter().enumerate() {
                if let Some(character) = first_unmappable(cell) {
                    let column = self.headers.get(column).cloned().unwrap_or_else(|| format!("{}列目", column + 1));
                    return Err(ExportError::Unmappable { row: index + 1, column, character });
                }
            }
        }
        let text = self.to_csv_text()?;
        let (bytes, _, had_errors) = SHIFT_JIS.encode(&text);
        debug_assert!(!had_errors, "every cell was checked above");
        Ok(bytes.into_owned())
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
        writer.write_record(&self.headers).map_err(csv_error)?;
        for row in &self.rows {
            writer.write_record(row).map_err(csv_error)?;
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
        let bytes = sample().to_csv_shift_jis().unwrap();
        let (decoded, _, errors) = SHIFT_JIS.decode(&bytes);
        assert!(!errors);
        assert!(decoded.contains("株式会社サンプル"));
        // 申 in CP932 is 0x905C.
        assert_eq!(&bytes[..2], &[0x90, 0x5C]);
    }

    #[test]
    fn shift_jis_names_the_unmappable_cell() {
        let mut table = sample();
        table.push(vec!["R5-0001-0003".into(), "𠮷野家".into()]);
        assert_eq!(
            table.to_csv_shift_jis(),
            Err(ExportError::Unmappable { row: 3, column: "会社名".into(), character: '𠮷' })
        );
    }

    #[test]
    fn xlsx_is_a_zip_with_the_sheet() {
        let bytes = sample().to_xlsx("申込一覧").unwrap();
        assert_eq!(&bytes[..2], b"PK");
        assert!(bytes.len() > 1000);
    }
}

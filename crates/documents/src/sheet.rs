//! Workbooks people fill in and send back: sheets written with their columns' choice lists and
//! 1–3 limits as Excel data validation (so a hand-filled sheet is mostly right), and read back
//! by their header names, every cell as text for the caller to check.
//!
//! Must not: judge a cell's meaning (the caller parses the text it gets back).

use rust_xlsxwriter::{DataValidation, DataValidationRule, Format, Workbook};

use crate::ExportError;

/// One column of a fill-in sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    /// Width in Excel's character units.
    pub width: f64,
    /// The values a cell may take (a drop-down list), if the column is a choice.
    pub choices: Option<Vec<String>>,
    /// Whole numbers 1–3 only.
    pub levels: bool,
    /// Worked out by Kojo (shaded, ignored when the sheet is read back).
    pub computed: bool,
}

impl Column {
    pub fn text(header: &str, width: f64) -> Column {
        Column { header: header.into(), width, choices: None, levels: false, computed: false }
    }

    pub fn choice(header: &str, width: f64, choices: Vec<String>) -> Column {
        Column { choices: Some(choices), ..Column::text(header, width) }
    }

    pub fn level(header: &str) -> Column {
        Column { levels: true, ..Column::text(header, 8.0) }
    }

    pub fn computed(header: &str, width: f64) -> Column {
        Column { computed: true, ..Column::text(header, width) }
    }
}

/// A sheet: its name, columns and rows of text cells (a cell of a 1–3 column that reads as a
/// number is written as one).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// Rows below the data that keep the validation, for rows added by hand.
    pub spare_rows: u32,
}

/// Writes the sheets into one workbook: bold frozen header, shaded computed columns, drop-down
/// lists and 1–3 limits with a Japanese message on a wrong entry.
pub fn to_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    write(sheets, None)
}

/// As [`to_xlsx`], with the workbook's creation date set to `created` (year, month, day) instead
/// of now, so that the same sheets give the same bytes (a report that must be reproducible).
pub fn to_xlsx_dated(sheets: &[Sheet], created: (u16, u8, u8)) -> Result<Vec<u8>, ExportError> {
    write(sheets, Some(created))
}

fn write(sheets: &[Sheet], created: Option<(u16, u8, u8)>) -> Result<Vec<u8>, ExportError> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| ExportError::Xlsx(e.to_string());
    let mut workbook = Workbook::new();
    if let Some((year, month, day)) = created {
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(year, month, day).map_err(xlsx)?;
        workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&date));
    }
    let header = Format::new().set_bold().set_background_color("#DDEBF7").set_text_wrap();
    let shaded = Format::new().set_background_color("#F2F2F2");
    for spec in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&spec.name).map_err(xlsx)?;
        let last_row = spec.rows.len() as u32 + spec.spare_rows.max(1);
        for (index, column) in spec.columns.iter().enumerate() {
            let at = index as u16;
            sheet.write_string_with_format(0, at, &column.header, &header).map_err(xlsx)?;
            sheet.set_column_width(at, column.width).map_err(xlsx)?;
            let validation = if let Some(choices) = &column.choices {
                Some(DataValidation::new().allow_list_strings(choices).map_err(xlsx)?)
            } else if column.levels {
                Some(DataValidation::new().allow_whole_number(DataValidationRule::Between(1, 3)))
            } else {
                None
            };
            if let Some(validation) = validation {
                let validation = validation
                    .set_error_title("入力できない値です")
                    .map_err(xlsx)?
                    .set_error_message(if column.levels {
                        "1・2・3のいずれかを入力してください。"
                    } else {
                        "一覧の中から選んでください。"
                    })
                    .map_err(xlsx)?;
                sheet.add_data_validation(1, at, last_row, at, &validation).map_err(xlsx)?;
            }
        }
        for (index, row) in spec.rows.iter().enumerate() {
            let at = index as u32 + 1;
            for (column, cell) in row.iter().enumerate() {
                let Some(spec_column) = spec.columns.get(column) else { continue };
                let column = column as u16;
                let number = cell.parse::<i64>().ok().filter(|_| spec_column.levels || spec_column.computed);
                match (number, spec_column.computed) {
                    (Some(n), true) => sheet.write_number_with_format(at, column, n as f64, &shaded),
                    (Some(n), false) => sheet.write_number(at, column, n as f64),
                    (None, true) => sheet.write_string_with_format(at, column, cell, &shaded),
                    (None, false) if cell.is_empty() => continue,
                    (None, false) => sheet.write_string(at, column, cell),
                }
                .map_err(xlsx)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    }
    workbook.save_to_buffer().map_err(xlsx)
}

/// Why a workbook could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("Excelのファイル（.xlsx）として読めません")]
    NotAWorkbook,
    #[error("シート「{0}」がありません")]
    MissingSheet(String),
    #[error("シートの1行目に次の列がありません：{}", .0.join("、"))]
    MissingColumns(Vec<String>),
    #[error("行が多すぎます（{0}行まで）")]
    TooManyRows(usize),
}

/// A data row read back: its row number as Excel shows it, and its cells in the order of the
/// headers asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRow {
    pub row: u32,
    pub cells: Vec<String>,
}

/// Reads the sheet `name` of an xlsx: the columns are found by their header in the first row
/// (white space ignored, other columns skipped), blank rows are skipped, and at most `max_rows`
/// data rows are taken. Numbers come back as written (`3`, `2.5`), dates as `YYYY-MM-DD`.
pub fn read_xlsx(bytes: &[u8], name: &str, headers: &[&str], max_rows: usize) -> Result<Vec<ReadRow>, SheetError> {
    use calamine::{Reader, Xlsx};
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| SheetError::NotAWorkbook)?;
    let range = match workbook.worksheet_range(name) {
        Ok(range) => range,
        Err(_) if workbook.sheet_names().iter().any(|n| n == name) => return Err(SheetError::NotAWorkbook),
        Err(_) => return Err(SheetError::MissingSheet(name.to_string())),
    };
    let squash = |text: &str| text.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let mut rows = range.rows();
    let first: Vec<String> = rows.next().map(|row| row.iter().map(|c| squash(&text(c))).collect()).unwrap_or_default();
    let mut positions = Vec::with_capacity(headers.len());
    let mut missing = Vec::new();
    for header in headers {
        match first.iter().position(|h| *h == squash(header)) {
            Some(position) => positions.push(position),
            None => missing.push(header.to_string()),
        }
    }
    if !missing.is_empty() {
        return Err(SheetError::MissingColumns(missing));
    }
    let start_row = range.start().map_or(0, |(row, _)| row);
    let mut out = Vec::new();
    for (index, row) in rows.enumerate() {
        let cells: Vec<String> =
            positions.iter().map(|&column| row.get(column).map(text).unwrap_or_default()).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if out.len() == max_rows {
            return Err(SheetError::TooManyRows(max_rows));
        }
        // Excel's row number: the header's row (1-based) plus the data row's place under it.
        out.push(ReadRow { row: start_row + index as u32 + 2, cells });
    }
    Ok(out)
}

fn text(cell: &calamine::Data) -> String {
    use calamine::{Data, DataType};
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(_) | Data::DateTimeIso(_) => {
            cell.as_date().map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
        }
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            name: "台帳".into(),
            columns: vec![
                Column::text("情報資産名称", 20.0),
                Column::choice("媒体", 12.0, vec!["書類".into(), "クラウド".into()]),
                Column::level("機密性"),
                Column::computed("重要度", 8.0),
                Column::text("期限", 12.0),
            ],
            rows: vec![
                vec!["顧客名簿".into(), "クラウド".into(), "3".into(), "3".into(), "2027-01-31".into()],
                vec!["請求書".into(), "書類".into(), "2".into(), "2".into(), String::new()],
            ],
            spare_rows: 50,
        }
    }

    #[test]
    fn a_written_sheet_reads_back_by_its_headers() {
        let bytes = to_xlsx(&[sheet()]).unwrap();
        let rows = read_xlsx(&bytes, "台帳", &["期限", "情報資産名称", "機密性", "媒体"], 10).unwrap();
        assert_eq!(
            rows,
            [
                ReadRow {
                    row: 2, cells: vec!["2027-01-31".into(), "顧客名簿".into(), "3".into(), "クラウド".into()]
                },
                ReadRow { row: 3, cells: vec![String::new(), "請求書".into(), "2".into(), "書類".into()] },
            ]
        );
    }

    #[test]
    fn a_wrong_workbook_says_what_is_wrong() {
        let bytes = to_xlsx(&[sheet()]).unwrap();
        assert_eq!(read_xlsx(b"not a zip", "台帳", &["期限"], 10), Err(SheetError::NotAWorkbook));
        assert_eq!(read_xlsx(&bytes, "Sheet1", &["期限"], 10), Err(SheetError::MissingSheet("Sheet1".into())));
        assert_eq!(
            read_xlsx(&bytes, "台帳", &["期限", "保存期限", "担当"], 10),
            Err(SheetError::MissingColumns(vec!["保存期限".into(), "担当".into()]))
        );
        assert_eq!(read_xlsx(&bytes, "台帳", &["情報資産名称"], 1), Err(SheetError::TooManyRows(1)));
    }
}

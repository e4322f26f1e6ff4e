//! Exports read back as Excel reads them: the xlsx written by `Table::to_xlsx` opened with a
//! spreadsheet reader (calamine), its cells typed — numbers as numbers, dates and times as
//! dates with a date format — the header frozen and filtered; CSV as text.

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use documents::{Cell, Table};

fn sample() -> Table {
    let mut table = Table::new(["申込番号", "受付日時", "連絡期限", "従業員数", "資本金", "備考"]);
    let received = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap().and_hms_opt(10, 30, 15).unwrap();
    table.push([
        Cell::from("R8-0001-0002"),
        Cell::from(received),
        Cell::from(NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()),
        Cell::from(25u32),
        Cell::from(Some(10_000_000i64)),
        Cell::from("=1+1"),
    ]);
    table.push([
        Cell::from("R8-0001-0003"),
        Cell::from(received),
        Cell::from(None::<NaiveDate>),
        Cell::from(3u32),
        Cell::from(None::<i64>),
        Cell::from(""),
    ]);
    table
}

#[test]
fn xlsx_cells_keep_their_types() {
    let bytes = sample().to_xlsx("申込一覧").unwrap();
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let range = workbook.worksheet_range("申込一覧").unwrap();
    assert_eq!(range.get_size(), (3, 6));
    assert_eq!(range.get_value((0, 0)), Some(&Data::String("申込番号".into())));
    assert_eq!(range.get_value((1, 0)), Some(&Data::String("R8-0001-0002".into())));
    // Numbers are numbers: Excel sums and sorts them.
    assert_eq!(range.get_value((1, 3)), Some(&Data::Float(25.0)));
    assert_eq!(range.get_value((1, 4)), Some(&Data::Float(10_000_000.0)));
    // Dates and times are dates (with a date format), not text.
    match range.get_value((1, 1)) {
        Some(Data::DateTime(at)) => {
            let at = at.as_datetime().unwrap();
            assert_eq!(at.to_string(), "2026-12-03 10:30:15");
        }
        other => panic!("the receipt time is not a date: {other:?}"),
    }
    match range.get_value((1, 2)) {
        Some(Data::DateTime(day)) => assert_eq!(day.as_datetime().unwrap().date().to_string(), "2026-12-08"),
        other => panic!("the due date is not a date: {other:?}"),
    }
    // Missing values are empty cells; text that looks like a formula stays text.
    assert_eq!(range.get_value((2, 2)), Some(&Data::Empty));
    assert_eq!(range.get_value((1, 5)), Some(&Data::String("=1+1".into())));

    // The sheet XML: frozen header, auto-filter over the table, fitted column widths, and the
    // Japanese date formats.
    let mut archive = zip_entries(&bytes);
    let sheet = archive.remove("xl/worksheets/sheet1.xml").expect("one sheet");
    assert!(sheet.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#), "{sheet}");
    assert!(sheet.contains(r#"<autoFilter ref="A1:F3"/>"#), "{sheet}");
    assert!(sheet.contains("<cols>") && sheet.contains("customWidth=\"1\""), "widths are set: {sheet}");
    let styles = archive.remove("xl/styles.xml").unwrap();
    assert!(styles.contains(r#"formatCode="yyyy/mm/dd""#) && styles.contains(r#"formatCode="yyyy/mm/dd hh:mm:ss""#));
}

#[test]
fn csv_writes_every_cell_as_text() {
    let bytes = sample().to_csv_utf8_bom().unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[1], "R8-0001-0002,2026-12-03 10:30:15,2026-12-08,25,10000000,'=1+1");
    assert_eq!(lines[2], "R8-0001-0003,2026-12-03 10:30:15,,3,,");
}

/// The files inside an xlsx (a zip), as text.
fn zip_entries(bytes: &[u8]) -> std::collections::HashMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut entries = std::collections::HashMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let mut text = String::new();
        if std::io::Read::read_to_string(&mut file, &mut text).is_ok() {
            entries.insert(file.name().map(|name| name.to_string()).unwrap_or_default(), text);
        }
    }
    entries
}

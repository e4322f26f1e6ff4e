//! Documents Kojo produces from data: PDFs from typst templates (`pdf`, with the participation
//! agreement in `agreement` and the monthly UTM report in `report`, its SVG charts in `chart`),
//! and tabular exports for Excel (CSV in UTF-8 with BOM or Shift_JIS, and xlsx). For briefing
//! seminars: calendar invitations (`ics`), check-in QR codes (`qr`), and the reading of Zoom's
//! participant report (`zoom`), the one file this crate takes in rather than writes.
//!
//! Must not: know about HTTP or the database. Callers hand over plain data: a [`Table`] of
//! strings, or a serialisable struct per document.

pub mod agreement;
pub mod chart;
/// Management guidance: a self-diagnosis round and the basic security policy, as PDFs.
pub mod guidance;
/// RFC 5545 invitations (`.ics`) for a seminar registration: request and cancel.
pub mod ics;
pub mod pdf;
pub mod photo;
/// QR codes of a registration's reference, as inline SVG and as PNG, for the venue check-in.
pub mod qr;
pub mod report;
/// 情報セキュリティ リスクアセスメント報告書 (course ②), as a PDF.
pub mod risk_report;
/// Fill-in workbooks: written with drop-down lists and limits, read back by header.
pub mod sheet;
pub mod table;
/// Zoom's participant report (CSV, English or Japanese, UTF-8 or Shift_JIS) and name matching.
pub mod zoom;

pub use table::{Cell, ExportError, Table};

//! Documents Kojo produces from data: tabular exports for Excel (CSV in UTF-8 with BOM or
//! Shift_JIS, and xlsx). PDFs join here later.
//!
//! Must not: know about HTTP or the database. Callers hand over a [`Table`] of strings.

pub mod table;

pub use table::{ExportError, Table};

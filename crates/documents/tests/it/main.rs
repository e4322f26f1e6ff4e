//! The `documents` crate's integration tests in one test binary: the PDFs as a reader sees them.

mod support;

mod agreement_pdf;
mod exports;
mod ics_invitation;
mod monthly_report_pdf;
mod zoom_report;

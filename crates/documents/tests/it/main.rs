//! The `documents` crate's integration tests in one test binary: each document as its reader sees it
//! (PDF text, spreadsheets, calendars, QR decoders) and Zoom reports made by the tests.

mod support;

mod agreement_pdf;
mod exports;
mod guidance_pdf;
mod ics_invitation;
mod monthly_report_pdf;
mod qr_code;
mod zoom_report;

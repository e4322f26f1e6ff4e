//! Kojo's integration tests, one module per feature, in one test binary (one link instead of
//! one per file). HTTP tests start the real server on port 0 on SQLite and on PostgreSQL
//! (`on_both_backends!`, in `common`). Run one feature with `cargo test -p kojo --test it -- listener::`.

#[macro_use]
mod common;

mod agreement;
mod api_cases;
mod backup;
mod browser;
mod case_studies;
mod cases;
mod concurrency;
mod csrf;
mod demo;
mod devices;
mod guidance;
mod hardening;
mod imap_server;
mod incidents;
mod inquiries;
mod intake;
mod jetstream;
mod jobs;
mod languages;
mod listener;
mod office;
mod openapi;
mod operations;
mod portal;
mod reports;
mod results;
mod retention;
mod risk;
mod secretariat;
mod seminars;
mod stats;
mod surveys;
mod telemetry;
mod use_cases;
mod utm_cli;
mod workspaces;

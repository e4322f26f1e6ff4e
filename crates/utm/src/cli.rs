//! The library half of `kojo utm parse`: read log files (plain or gzip), parse every line,
//! print one JSON object per event and a human summary.
//!
//! This module owns the output format of the command; it must not decide anything about
//! classification (that is [`crate::vendor`]'s job) and it writes only to the writers it is given.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::SecondsFormat;
use serde::Serialize;

use crate::event::{Action, Category, Event, Kind, Vendor};
use crate::framing::LineReader;

/// Counts gathered while parsing, also printed as the human summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParseSummary {
    pub files: usize,
    pub lines: u64,
    pub blank_lines: u64,
    pub events: u64,
    pub unparsed: u64,
    pub by_vendor: BTreeMap<Vendor, u64>,
    pub by_kind: BTreeMap<Kind, u64>,
    pub by_category: BTreeMap<Category, u64>,
    pub by_action: BTreeMap<Action, u64>,
    /// Unparsed lines by reason text.
    pub unparsed_by_reason: BTreeMap<String, u64>,
    /// Per-vendor events, unknown identifiers and unparsed lines, and the unknown identifiers.
    pub intake: crate::catalogue::IntakeCounts,
}

/// One output line. Field names are the command's stable interface.
#[derive(Serialize)]
struct Record<'a> {
    time: Option<String>,
    utc_offset_seconds: Option<i32>,
    time_zone_assumed: bool,
    vendor: Vendor,
    device: Option<&'a str>,
    kind: Kind,
    category: Category,
    action: Action,
    severity: Option<crate::event::Severity>,
    vendor_severity: Option<&'a str>,
    signature: Option<&'a str>,
    src_ip: Option<std::net::IpAddr>,
    src_port: Option<u16>,
    dst_ip: Option<std::net::IpAddr>,
    dst_port: Option<u16>,
    url: Option<&'a str>,
    user: Option<&'a str>,
    /// Present only when the vendor's catalogue does not know the line's identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown_identifier: Option<&'a str>,
    file: &'a str,
    line: u64,
}

/// Parses `files` (auto-detecting the vendor per line when `vendor` is `None`), writes one JSON
/// object per event to `out` and a human summary to `summary`.
pub fn run_parse(
    vendor: Option<Vendor>,
    files: &[PathBuf],
    out: &mut dyn Write,
    summary: &mut dyn Write,
) -> io::Result<ParseSummary> {
    let mut totals = ParseSummary::default();
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    for path in files {
        parse_file(vendor, path, &mut out, &mut totals)?;
        totals.files += 1;
    }
    out.flush()?;
    write_summary(&totals, summary)?;
    Ok(totals)
}

fn parse_file(vendor: Option<Vendor>, path: &Path, out: &mut dyn Write, totals: &mut ParseSummary) -> io::Result<()> {
    let with_path = |error: io::Error| io::Error::new(error.kind(), format!("{}: {error}", path.display()));
    let mut reader = LineReader::open(path).map_err(with_path)?;
    let file_name = path.display().to_string();
    while let Some((number, line)) = reader.next_line().map_err(with_path)? {
        totals.lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            totals.blank_lines += 1;
            continue;
        }
        let parsed = crate::parse_syslog_line(line, vendor);
        totals.intake.add(&parsed);
        match parsed {
            Ok(event) => {
                write_record(out, &event, &file_name, number)?;
                totals.events += 1;
                *totals.by_vendor.entry(event.vendor).or_default() += 1;
                *totals.by_kind.entry(event.kind).or_default() += 1;
                *totals.by_category.entry(event.category).or_default() += 1;
                *totals.by_action.entry(event.action).or_default() += 1;
            }
            Err(error) => {
                totals.unparsed += 1;
                *totals.unparsed_by_reason.entry(error.to_string()).or_default() += 1;
            }
        }
    }
    Ok(())
}

fn write_record(out: &mut dyn Write, event: &Event<'_>, file: &str, line: u64) -> io::Result<()> {
    let record = Record {
        time: event.time.map(|time| time.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        utc_offset_seconds: event.utc_offset_seconds,
        time_zone_assumed: event.time_zone_assumed,
        vendor: event.vendor,
        device: event.device.as_deref(),
        kind: event.kind,
        category: event.category,
        action: event.action,
        severity: event.severity,
        vendor_severity: event.vendor_severity.as_deref(),
        signature: event.signature.as_deref(),
        src_ip: event.src_ip,
        src_port: event.src_port,
        dst_ip: event.dst_ip,
        dst_port: event.dst_port,
        url: event.url.as_deref(),
        user: event.user.as_deref(),
        unknown_identifier: event.unknown_identifier.as_deref(),
        file,
        line,
    };
    serde_json::to_writer(&mut *out, &record)?;
    out.write_all(b"\n")
}

fn write_summary(totals: &ParseSummary, summary: &mut dyn Write) -> io::Result<()> {
    writeln!(
        summary,
        "files: {}  lines read: {}  blank: {}  events: {}  unparsed: {}",
        totals.files, totals.lines, totals.blank_lines, totals.events, totals.unparsed
    )?;
    let join = |pairs: Vec<(&str, u64)>| {
        pairs.iter().map(|(name, count)| format!("{name}={count}")).collect::<Vec<_>>().join(" ")
    };
    writeln!(
        summary,
        "by vendor:   {}",
        join(totals.by_vendor.iter().map(|(key, count)| (key.code(), *count)).collect())
    )?;
    writeln!(
        summary,
        "by kind:     {}",
        join(totals.by_kind.iter().map(|(key, count)| (key.code(), *count)).collect())
    )?;
    writeln!(
        summary,
        "by category: {}",
        join(totals.by_category.iter().map(|(key, count)| (key.code(), *count)).collect())
    )?;
    writeln!(
        summary,
        "by action:   {}",
        join(totals.by_action.iter().map(|(key, count)| (key.code(), *count)).collect())
    )?;
    for (reason, count) in &totals.unparsed_by_reason {
        writeln!(summary, "unparsed:    {count} × {reason}")?;
    }
    for line in totals.intake.unknown_lines() {
        writeln!(summary, "unknown:     {line}")?;
    }
    Ok(())
}

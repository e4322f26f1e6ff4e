//! The library half of `kojo utm parse`: read log files (plain or gzip), parse every line,
//! print one JSON object per event (Kojo's record or ECS, [`crate::output`]) and a human summary.
//!
//! This module owns the output format of the command; it must not decide anything about
//! classification (that is [`crate::vendor`]'s job) and it writes only to the writers it is given.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use std::borrow::Cow;

use serde::Serialize;

use crate::catalogue::{IntakeCounts, VendorCounts};
use crate::event::{Action, Category, Event, Kind, Vendor};
use crate::framing::LineReader;
use crate::output::{self, FileName, Format, Origin};

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

/// What `kojo utm parse` is asked to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// `None` detects the vendor per line.
    pub vendor: Option<Vendor>,
    pub format: Format,
}

/// Output is gathered in one buffer and handed to the writer in blocks of about this size.
const OUTPUT_BLOCK: usize = 256 * 1024;

/// Parses `files` (auto-detecting the vendor per line when `vendor` is `None`), writes one JSON
/// object per event to `out` and a human summary to `summary`.
pub fn run_parse(
    vendor: Option<Vendor>,
    files: &[PathBuf],
    out: &mut dyn Write,
    summary: &mut dyn Write,
) -> io::Result<ParseSummary> {
    run_parse_with(ParseOptions { vendor, format: Format::Json }, files, out, summary)
}

/// [`run_parse`] with an output format: Kojo's JSON record or ECS.
pub fn run_parse_with(
    options: ParseOptions,
    files: &[PathBuf],
    out: &mut dyn Write,
    summary: &mut dyn Write,
) -> io::Result<ParseSummary> {
    let mut totals = ParseSummary::default();
    let mut tallies = Tallies::default();
    let mut buffer = Vec::with_capacity(OUTPUT_BLOCK + 64 * 1024);
    for path in files {
        parse_file(options, path, out, &mut buffer, &mut totals, &mut tallies)?;
        totals.files += 1;
    }
    out.write_all(&buffer)?;
    out.flush()?;
    tallies.into_summary(&mut totals);
    write_summary(&totals, summary)?;
    Ok(totals)
}

/// Per-line counters kept in arrays (indexed by the enums) and turned into the summary's maps
/// once at the end; a map lookup per line would cost more than writing the line.
#[derive(Default)]
struct Tallies {
    /// Per vendor (in [`Vendor::ALL`] order), then lines of no recognised vendor.
    vendors: [VendorCounts; Vendor::ALL.len() + 1],
    kinds: [u64; 3],
    categories: [u64; 10],
    actions: [u64; 3],
}

impl Tallies {
    fn event(&mut self, event: &Event<'_>, intake: &mut IntakeCounts) {
        let vendor = &mut self.vendors[event.vendor as usize];
        vendor.events += 1;
        if let Some(identifier) = event.unknown_identifier.as_deref() {
            vendor.unknown_identifiers += 1;
            intake.add_unknown_identifier(event.vendor.code(), identifier);
        }
        self.kinds[event.kind as usize] += 1;
        self.categories[event.category as usize] += 1;
        self.actions[event.action as usize] += 1;
    }

    fn unparsed(&mut self, vendor: Option<Vendor>) {
        self.vendors[vendor.map_or(Vendor::ALL.len(), |vendor| vendor as usize)].unparsed += 1;
    }

    fn into_summary(self, totals: &mut ParseSummary) {
        fn add<K: Ord>(map: &mut BTreeMap<K, u64>, key: K, count: u64) {
            if count > 0 {
                *map.entry(key).or_default() += count;
            }
        }
        for (index, counts) in self.vendors.iter().enumerate() {
            let code = Vendor::ALL.get(index).map_or("unknown", |vendor| vendor.code());
            totals.intake.add_totals(code, counts);
            if let Some(vendor) = Vendor::ALL.get(index)
                && counts.events > 0
            {
                *totals.by_vendor.entry(*vendor).or_default() += counts.events;
            }
        }
        for kind in [Kind::Threat, Kind::Traffic, Kind::Event] {
            add(&mut totals.by_kind, kind, self.kinds[kind as usize]);
        }
        for category in [
            Category::Malware,
            Category::Intrusion,
            Category::Web,
            Category::Application,
            Category::Spam,
            Category::Botnet,
            Category::Anomaly,
            Category::Dns,
            Category::DataLeak,
            Category::Other,
        ] {
            add(&mut totals.by_category, category, self.categories[category as usize]);
        }
        for action in [Action::Blocked, Action::Detected, Action::Allowed] {
            add(&mut totals.by_action, action, self.actions[action as usize]);
        }
    }
}

fn parse_file(
    options: ParseOptions,
    path: &Path,
    out: &mut dyn Write,
    buffer: &mut Vec<u8>,
    totals: &mut ParseSummary,
    tallies: &mut Tallies,
) -> io::Result<()> {
    let with_path = |error: io::Error| io::Error::new(error.kind(), format!("{}: {error}", path.display()));
    let mut reader = LineReader::open(path).map_err(with_path)?;
    let file_name = FileName::new(&path.display().to_string());
    while let Some((number, line)) = reader.next_line().map_err(with_path)? {
        totals.lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            totals.blank_lines += 1;
            continue;
        }
        match crate::parse_syslog_line(line, options.vendor) {
            Ok(event) => {
                let original = match options.format {
                    // Only ECS writes the line itself.
                    Format::Ecs => match crate::as_str(line) {
                        Ok(text) => Cow::Borrowed(text),
                        Err(_) => String::from_utf8_lossy(line),
                    },
                    Format::Json => Cow::Borrowed(""),
                };
                let origin = Origin { file: &file_name, line: number, original: &original };
                output::write_event(buffer, options.format, &event, &origin);
                totals.events += 1;
                tallies.event(&event, &mut totals.intake);
            }
            Err(error) => {
                totals.unparsed += 1;
                tallies.unparsed(error.vendor);
                *totals.unparsed_by_reason.entry(error.to_string()).or_default() += 1;
            }
        }
        if buffer.len() >= OUTPUT_BLOCK {
            out.write_all(buffer)?;
            buffer.clear();
        }
    }
    Ok(())
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

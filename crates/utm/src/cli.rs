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
use crate::vendor::fortigate;

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
        let class = (event.kind, event.category, event.action);
        self.count(event.vendor, class, event.unknown_identifier.as_deref(), intake);
    }

    fn count(
        &mut self,
        vendor: Vendor,
        (kind, category, action): (Kind, Category, Action),
        unknown_identifier: Option<&str>,
        intake: &mut IntakeCounts,
    ) {
        let counts = &mut self.vendors[vendor as usize];
        counts.events += 1;
        if let Some(identifier) = unknown_identifier {
            counts.unknown_identifiers += 1;
            intake.add_unknown_identifier(vendor.code(), identifier);
        }
        self.kinds[kind as usize] += 1;
        self.categories[category as usize] += 1;
        self.actions[action as usize] += 1;
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
    let mut kept = output::Kept::default();
    while let Some((number, line)) = reader.next_line().map_err(with_path)? {
        totals.lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            totals.blank_lines += 1;
            continue;
        }
        // A native FortiGate line is read here, as `parse_syslog_line` would, and Kojo's record
        // of it written from its fields, without the event (the same bytes,
        // `output::write_fortigate_kojo`).
        let candidate = crate::fortigate_candidate(line, options.vendor);
        let mut fields = fortigate::Fields::default();
        // Detection wants `logid=` near the start of the line, which the scan has mostly seen.
        let native = candidate.filter(|(text, needs_logid)| {
            fortigate::scan(text, &mut fields);
            !needs_logid
                || fortigate::logid_in_head(text, &fields)
                || crate::vendor::is_native_fortigate(text.as_bytes())
        });
        if native.is_some() {
            match fields.typed() {
                Ok(()) if options.format == Format::Json => {
                    let origin = Origin { file: &file_name, line: number, original: "" };
                    let written = output::write_fortigate_kojo(buffer, &fields, &origin, &mut kept);
                    buffer.push(b'\n');
                    totals.events += 1;
                    let class = (written.kind, written.category, written.action);
                    let unknown = written.unknown_identifier.as_deref();
                    tallies.count(Vendor::Fortigate, class, unknown, &mut totals.intake);
                }
                Ok(()) => {
                    let event = fortigate::build_remembered(&fields, &mut kept.rows);
                    let original = match crate::as_str(line) {
                        Ok(text) => Cow::Borrowed(text),
                        Err(_) => String::from_utf8_lossy(line),
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::framing::LineReader;

    /// `run_parse_with` as it was before native FortiGate records were written from their
    /// fields: every line through `parse_syslog_line` and `output::write_event`.
    fn by_events(options: ParseOptions, path: &Path) -> (Vec<u8>, ParseSummary) {
        let mut out = Vec::new();
        let mut totals = ParseSummary { files: 1, ..ParseSummary::default() };
        let mut tallies = Tallies::default();
        let file_name = FileName::new(&path.display().to_string());
        let mut reader = LineReader::open(path).unwrap();
        while let Some((number, line)) = reader.next_line().unwrap() {
            totals.lines += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                totals.blank_lines += 1;
                continue;
            }
            match crate::parse_syslog_line(line, options.vendor) {
                Ok(event) => {
                    let original = String::from_utf8_lossy(line);
                    let origin = Origin { file: &file_name, line: number, original: &original };
                    output::write_event(&mut out, options.format, &event, &origin);
                    totals.events += 1;
                    tallies.event(&event, &mut totals.intake);
                }
                Err(error) => {
                    totals.unparsed += 1;
                    tallies.unparsed(error.vendor);
                    *totals.unparsed_by_reason.entry(error.to_string()).or_default() += 1;
                }
            }
        }
        tallies.into_summary(&mut totals);
        (out, totals)
    }

    /// FortiGate lines from the generator, the shared corpus when it is there, and edits of
    /// them that reach every fallback of the direct writer.
    fn lines() -> Vec<Vec<u8>> {
        let mut generator = crate::generate::Generator::new(7);
        let mut lines = Vec::new();
        for _ in 0..3000 {
            let mut line = Vec::new();
            generator.next_line(&mut line);
            while line.last() == Some(&b'\n') {
                line.pop();
            }
            lines.push(line);
        }
        let corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/fortigate"));
        let mut texts = Vec::new();
        let mut folders = vec![corpus];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push(text);
                }
            }
        }
        for text in texts {
            for value in text.lines().chain(text.split('"')) {
                let value = value.replace("\\\"", "\"").replace("\\\\", "\\");
                for start in ["date=", "time=", "devname=", "logver=", "eventtime=", "timestamp=", "itime="] {
                    if let Some(at) = value.find(start) {
                        lines.push(value.as_bytes()[at..].to_vec());
                    }
                }
            }
        }
        let samples: Vec<String> = lines.iter().step_by(97).map(|line| String::from_utf8_lossy(line).into()).collect();
        let edits: &[(&str, &str)] = &[
            ("eventtime=", "eventtime=x eventtime="),
            ("eventtime=", "eventtime=99999999999999999999 eventtime="),
            ("eventtime=", "eventtime=253402300800 eventtime="),
            ("eventtime=", "eventtime=9999999999999 eventtime="),
            ("eventtime=", "eventtime=99999999999999999 eventtime="),
            ("eventtime=", "eventtime=-1 eventtime="),
            ("eventtime=", "eventtime=1700000000 eventtime="),
            ("eventtime=", "eventtime=1700000000123 eventtime="),
            ("eventtime=", "eventtime=1700000000123456 eventtime="),
            ("eventtime=", "eventtime=0 eventtime="),
            ("eventtime=", "eventtimeX="),
            ("tz=", "tz=\"-0730\" tz="),
            ("tz=", "tzX="),
            ("tz=", "tz=\"abc\" tz="),
            ("tz=", "tz=\"Z\" tz="),
            ("tz=", "tz=\"-14:00\" tz="),
            ("srcport=", "srcport=065535 srcport="),
            ("srcport=", "srcport=0443 srcport="),
            ("srcport=", "srcport=00 srcport="),
            ("srcport=", "srcport=65535 srcport="),
            ("srcport=", "srcport=6553a srcport="),
            ("srcport=", "srcport=65536 srcport="),
            ("srcport=", "srcport=0 srcport="),
            ("dstport=", "dstport= 443 dstport="),
            ("dstport=", "dstport=99999 dstport="),
            ("srcip=", "srcip=010.0.0.1 srcip="),
            ("srcip=", "srcip=2001:db8::1 srcip="),
            ("dstip=", "dstip=[192.0.2.1] dstip="),
            ("dstip=", "dstip=256.1.1.1 dstip="),
            ("type=", "type=\"utm\" subtype=\"newthing\" type="),
            ("type=", "type=\"mystery\" type="),
            ("type=", "typeX="),
            ("logid=", "logidX="),
            ("logid=", "logid=\"\" logid="),
            ("logid=", "msg=\"logid=7\" logidX="),
            ("logid=", "xlogid=\"7\" logid="),
            ("level=", "severity=\"N/A\" level="),
            ("devid=", "devid=\"-\" devid="),
            ("proto=", "proto=\"TCP\" proto="),
            ("action=", "action=\"blocked\" msg=\"botnet seen\" action="),
            (" ", ","),
            ("devname=", "devname=\"\u{e9}\u{6771}\" devname="),
        ];
        // More UTM `subtype/eventtype` pairs than the writer keeps rows for, in turn.
        for index in 0..120 {
            let subtype = ["virus", "ips", "webfilter", "dns", "app-ctrl", "Virus ", "web", "odd"][index % 8];
            let eventtype = ["infected", "signature", "ftgd_blk", "botnet", "", "analytics", "x"][index % 7];
            lines.push(
                format!(
                    "date=2025-06-02 time=00:00:0{} devid=\"FGT60F\" logid=\"1\" type=\"utm\" subtype=\"{subtype}\" eventtype=\"{eventtype}\" action=\"{}\" attack=\"A{index}\"",
                    index % 10,
                    ["blocked", "pass", "detected"][index % 3]
                )
                .into_bytes(),
            );
        }
        for sample in &samples {
            for (from, to) in edits {
                lines.push(sample.replacen(from, to, 1).into_bytes());
            }
            let mut cut = sample.as_bytes()[..sample.len() / 2].to_vec();
            cut.extend_from_slice(b"\xe6\x9d \xff");
            lines.push(cut);
            // `logid=` past the first 256 bytes (then not detected as native), and past 512.
            for padding in [200, 600] {
                let long = format!("devname=\"{}\" devname=", ".".repeat(padding));
                lines.push(sample.replacen("devname=", &long, 1).into_bytes());
            }
            lines.push(format!("<189>{sample}").into_bytes());
            lines.push(format!("{sample}\r").into_bytes());
        }
        lines
    }

    #[test]
    fn native_fortigate_records_are_those_of_the_event_path() {
        let directory = std::env::temp_dir().join(format!("utm-direct-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("fgt.log");
        std::fs::write(&path, lines().join(&b"\n"[..])).unwrap();
        for vendor in [None, Some(Vendor::Fortigate), Some(Vendor::Sophos)] {
            for format in [Format::Json, Format::Ecs] {
                let options = ParseOptions { vendor, format };
                let mut out = Vec::new();
                let totals = run_parse_with(options, std::slice::from_ref(&path), &mut out, &mut io::sink()).unwrap();
                let (expected, expected_totals) = by_events(options, &path);
                assert_eq!(totals, expected_totals, "{vendor:?} {format:?}");
                let (got, wanted) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&expected));
                for (got, wanted) in got.lines().zip(wanted.lines()) {
                    assert_eq!(got, wanted, "{vendor:?} {format:?}");
                }
                assert_eq!(out, expected, "{vendor:?} {format:?}");
            }
        }
        std::fs::remove_dir_all(&directory).unwrap();
    }
}

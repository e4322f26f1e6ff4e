//! The output lines of `kojo utm parse`: Kojo's own JSON record and Elastic Common Schema
//! (ECS) JSON, one event per line, written straight into a reused buffer by [`crate::json`]
//! (no intermediate structure, no allocation per field).
//!
//! This module owns the two output schemas (`docs/utm-ecs.md` documents the ECS mapping); it
//! decides nothing about classification.

use std::net::IpAddr;

use crate::event::{Action, Category, Event, Kind, Severity, Vendor};
use crate::json;
use crate::kv::non_empty;
use crate::time;
use crate::vendor::{self, fortigate, fortigate::Fields};

/// The shape of each output line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Kojo's flat record (`time`, `vendor`, `kind`, `category`, …), the command's default.
    #[default]
    Json,
    /// Elastic Common Schema 8.x, nested objects, with the raw line in `event.original`.
    Ecs,
}

impl Format {
    pub fn from_code(code: &str) -> Option<Format> {
        match code {
            "json" => Some(Format::Json),
            "ecs" => Some(Format::Ecs),
            _ => None,
        }
    }
}

/// The ECS version the output follows (`ecs.version`).
pub const ECS_VERSION: &str = "8.11.0";

/// A file name as given on the command line, with its JSON string form made once per file
/// rather than escaped again for every line.
#[derive(Debug, Clone)]
pub struct FileName {
    name: String,
    json: Vec<u8>,
}

impl FileName {
    pub fn new(name: &str) -> FileName {
        let mut json = Vec::with_capacity(name.len() + 2);
        json::string(&mut json, name);
        FileName { name: name.to_owned(), json }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }
}

/// Where an event came from: the file (as given on the command line) and its 1-based line.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub file: &'a FileName,
    pub line: u64,
    /// The line as read (without CR/LF); written to ECS `event.original`.
    pub original: &'a str,
}

/// Appends one output line (with its `\n`) for `event` in `format`.
pub fn write_event(out: &mut Vec<u8>, format: Format, event: &Event<'_>, origin: &Origin<'_>) {
    match format {
        Format::Json => write_kojo(out, event, origin),
        Format::Ecs => write_ecs(out, event, origin),
    }
    out.push(b'\n');
}

fn optional_string(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(text) => json::string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// Kojo's record. Field names and order are the command's stable interface.
fn write_kojo(out: &mut Vec<u8>, event: &Event<'_>, origin: &Origin<'_>) {
    out.extend_from_slice(b"{\"time\":");
    match event.time {
        Some(time) => json::rfc3339(out, time),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"utc_offset_seconds\":");
    match event.utc_offset_seconds {
        Some(seconds) => json::signed(out, i64::from(seconds)),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(if event.time_zone_assumed {
        b",\"time_zone_assumed\":true,\"vendor\":\""
    } else {
        b",\"time_zone_assumed\":false,\"vendor\":\""
    });
    out.extend_from_slice(event.vendor.code().as_bytes());
    out.extend_from_slice(b"\",\"device\":");
    optional_string(out, event.device.as_deref());
    out.extend_from_slice(b",\"kind\":\"");
    out.extend_from_slice(event.kind.code().as_bytes());
    out.extend_from_slice(b"\",\"category\":\"");
    out.extend_from_slice(event.category.code().as_bytes());
    out.extend_from_slice(b"\",\"action\":\"");
    out.extend_from_slice(event.action.code().as_bytes());
    out.extend_from_slice(b"\",\"severity\":");
    match event.severity {
        Some(severity) => {
            out.push(b'"');
            out.extend_from_slice(severity.code().as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"vendor_severity\":");
    optional_string(out, event.vendor_severity.as_deref());
    out.extend_from_slice(b",\"signature\":");
    optional_string(out, event.signature.as_deref());
    out.extend_from_slice(b",\"src_ip\":");
    optional_ip(out, event.src_ip);
    out.extend_from_slice(b",\"src_port\":");
    optional_port(out, event.src_port);
    out.extend_from_slice(b",\"dst_ip\":");
    optional_ip(out, event.dst_ip);
    out.extend_from_slice(b",\"dst_port\":");
    optional_port(out, event.dst_port);
    out.extend_from_slice(b",\"url\":");
    optional_string(out, event.url.as_deref());
    out.extend_from_slice(b",\"user\":");
    optional_string(out, event.user.as_deref());
    out.extend_from_slice(b",\"transport\":");
    optional_string(out, event.transport.as_deref());
    out.extend_from_slice(b",\"policy_id\":");
    optional_string(out, event.policy_id.as_deref());
    out.extend_from_slice(b",\"policy_name\":");
    optional_string(out, event.policy_name.as_deref());
    if let Some(identifier) = event.unknown_identifier.as_deref() {
        out.extend_from_slice(b",\"unknown_identifier\":");
        json::string(out, identifier);
    }
    out.extend_from_slice(b",\"file\":");
    out.extend_from_slice(&origin.file.json);
    out.extend_from_slice(b",\"line\":");
    json::unsigned(out, origin.line);
    out.push(b'}');
}

/// What [`write_fortigate_kojo`] classified the line as, for the command's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub kind: Kind,
    pub category: Category,
    pub action: Action,
    /// The identifier when it is not in the catalogue (as [`Event::unknown_identifier`]).
    pub unknown_identifier: Option<String>,
}

/// What [`write_fortigate_kojo`] keeps from one line to the next: the date of the last time
/// written, the last line number, and the catalogue rows of earlier UTM lines.
#[derive(Default)]
pub(crate) struct Kept {
    clock: json::Clock,
    counter: json::Counter,
    zone: Zone,
    pub rows: fortigate::Rows,
}

/// The last `tz` value read, its offset, and that offset written in seconds: a log has one zone
/// for line after line.
#[derive(Default)]
struct Zone {
    tz: Option<String>,
    offset: Option<i32>,
    /// `offset` as [`json::signed`] writes it.
    seconds: Option<Code>,
}

impl Zone {
    /// `time::parse_offset(tz)`.
    #[inline]
    fn offset(&mut self, tz: &str) -> Option<i32> {
        if self.tz.as_deref() != Some(tz) {
            self.offset = time::parse_offset(tz);
            self.seconds = None;
            let mut kept = self.tz.take().unwrap_or_default();
            kept.clear();
            kept.push_str(tz);
            self.tz = Some(kept);
        }
        self.offset
    }

    /// Appends `seconds` as [`json::signed`] does.
    #[inline]
    fn write_seconds(&mut self, out: &mut Vec<u8>, seconds: i32) {
        if self.offset == Some(seconds) {
            let text = self.seconds.get_or_insert_with(|| {
                let mut text = Vec::with_capacity(CODE);
                json::signed(&mut text, i64::from(seconds));
                padded_bytes(&text)
            });
            code(out, text);
        } else {
            json::signed(out, i64::from(seconds));
        }
    }
}

/// Appends Kojo's record (without the `\n`) of a native FortiGate line from its fields: byte
/// for byte what [`write_event`] writes for the event `fortigate::build` makes of them (held
/// to that by a test), without making the event. Addresses and ports already in their
/// canonical form are copied as they are.
pub(crate) fn write_fortigate_kojo(
    out: &mut Vec<u8>,
    fields: &Fields<'_>,
    origin: &Origin<'_>,
    kept: &mut Kept,
) -> Written {
    let classified = fortigate::classify_remembered(fields, &mut kept.rows);
    let (kind, category, action) = classified.class();
    let unknown_identifier = (!classified.is_known()).then(|| fortigate::unknown_identifier(fields));

    // `fortigate::resolve_time`, with the common case (a valid `eventtime`) written by `clock`.
    out.extend_from_slice(b"{\"time\":");
    let offset = fields.tz.and_then(|tz| kept.zone.offset(tz));
    let epoch = fields.eventtime.and_then(time::epoch_parts);
    let (offset, assumed) = match epoch {
        Some((seconds, nanos)) if kept.clock.write(out, seconds, nanos) => (offset, false),
        _ => match fortigate::resolve_time(fields) {
            Some(stamp) => {
                json::rfc3339(out, stamp.utc);
                (stamp.offset, stamp.assumed)
            }
            None => {
                out.extend_from_slice(b"null");
                (None, false)
            }
        },
    };
    out.extend_from_slice(b",\"utc_offset_seconds\":");
    match offset {
        Some(seconds) => kept.zone.write_seconds(out, seconds),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(if assumed {
        b",\"time_zone_assumed\":true,\"vendor\":\"fortigate\",\"device\":"
    } else {
        b",\"time_zone_assumed\":false,\"vendor\":\"fortigate\",\"device\":"
    });
    optional_string(out, fortigate::device(fields));
    out.extend_from_slice(b",\"kind\":\"");
    code(out, &KIND_CODES[kind as usize]);
    out.extend_from_slice(b"\",\"category\":\"");
    code(out, &CATEGORY_CODES[category as usize]);
    out.extend_from_slice(b"\",\"action\":\"");
    code(out, &ACTION_CODES[action as usize]);
    out.extend_from_slice(b"\",\"severity\":");
    let severity_word = fields.severity_word();
    match severity_word.and_then(Severity::from_word) {
        Some(severity) => code(out, &SEVERITY_CODES[severity as usize]),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"vendor_severity\":");
    optional_string(out, severity_word.and_then(non_empty));
    out.extend_from_slice(b",\"signature\":");
    optional_string(out, fortigate::signature(fields, kind, category));
    out.extend_from_slice(b",\"src_ip\":");
    address_text(out, fields.srcip);
    out.extend_from_slice(b",\"src_port\":");
    port_text(out, fields.srcport);
    out.extend_from_slice(b",\"dst_ip\":");
    address_text(out, fields.dstip);
    out.extend_from_slice(b",\"dst_port\":");
    port_text(out, fields.dstport);
    out.extend_from_slice(b",\"url\":");
    optional_string(out, fortigate::resolve_url(fields).as_deref());
    out.extend_from_slice(b",\"user\":");
    optional_string(out, fields.user_name().and_then(non_empty));
    out.extend_from_slice(b",\"transport\":");
    optional_string(out, fields.proto.and_then(vendor::transport).as_deref());
    out.extend_from_slice(b",\"policy_id\":");
    optional_string(out, fields.policyid.and_then(non_empty));
    out.extend_from_slice(b",\"policy_name\":");
    optional_string(out, fields.policyname.and_then(non_empty));
    if let Some(identifier) = unknown_identifier.as_deref() {
        out.extend_from_slice(b",\"unknown_identifier\":");
        json::string(out, identifier);
    }
    out.extend_from_slice(b",\"file\":");
    out.extend_from_slice(&origin.file.json);
    out.extend_from_slice(b",\"line\":");
    kept.counter.write(out, origin.line);
    out.push(b'}');
    Written { kind, category, action, unknown_identifier }
}

/// A code of at most [`CODE`] bytes, zero-padded to that length, and its length.
type Code = ([u8; CODE], usize);

const CODE: usize = 16;

/// `text` as a [`Code`]; at compile time.
const fn padded(text: &str) -> Code {
    padded_bytes(text.as_bytes())
}

/// `bytes` as a [`Code`] (cut at [`CODE`] bytes: every code is shorter).
const fn padded_bytes(bytes: &[u8]) -> Code {
    let mut code = [0u8; CODE];
    let mut index = 0;
    while index < bytes.len() && index < CODE {
        code[index] = bytes[index];
        index += 1;
    }
    (code, index)
}

/// [`Kind::code`], [`Category::code`], [`Action::code`] (bare) and, quoted, [`Severity::code`],
/// in the order of each enum: a code is then written as one copy of fixed length (cut back),
/// rather than a copy of variable length, which is a call.
static KIND_CODES: [Code; 3] = [padded("threat"), padded("traffic"), padded("event")];
static CATEGORY_CODES: [Code; 10] = [
    padded("malware"),
    padded("intrusion"),
    padded("web"),
    padded("application"),
    padded("spam"),
    padded("botnet"),
    padded("anomaly"),
    padded("dns"),
    padded("data_leak"),
    padded("other"),
];
static ACTION_CODES: [Code; 3] = [padded("blocked"), padded("detected"), padded("allowed")];
static SEVERITY_CODES: [Code; 5] =
    [padded("\"info\""), padded("\"low\""), padded("\"medium\""), padded("\"high\""), padded("\"critical\"")];

#[inline(always)]
fn code(out: &mut Vec<u8>, (bytes, length): &Code) {
    let start = out.len();
    out.extend_from_slice(bytes);
    out.truncate(start + *length);
}

/// `optional_ip(vendor::ip(text))`: a dotted quad that the fast reader accepts is already in
/// its canonical form (no leading zero, nothing around it), and is copied as it is.
#[inline]
fn address_text(out: &mut Vec<u8>, text: Option<&str>) {
    let Some(text) = text else {
        out.extend_from_slice(b"null");
        return;
    };
    if vendor::ipv4_fast(text.as_bytes()).is_some() {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        optional_ip(out, vendor::ip(text));
    }
}

/// `optional_port(vendor::port(text))`: one to five digits without a leading zero, at most
/// 65535, are the port's own decimal form, and are copied as they are.
#[inline]
fn port_text(out: &mut Vec<u8>, text: Option<&str>) {
    let Some(text) = text else {
        out.extend_from_slice(b"null");
        return;
    };
    let bytes = text.as_bytes();
    let canonical = matches!(bytes.len(), 1..=5)
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes[0] != b'0' || bytes.len() == 1)
        && (bytes.len() < 5 || bytes <= b"65535".as_slice());
    if canonical {
        out.extend_from_slice(bytes);
    } else {
        optional_port(out, vendor::port(text));
    }
}

fn optional_ip(out: &mut Vec<u8>, address: Option<IpAddr>) {
    match address {
        Some(address) => json::ip(out, address),
        None => out.extend_from_slice(b"null"),
    }
}

fn optional_port(out: &mut Vec<u8>, port: Option<u16>) {
    match port {
        Some(port) => json::unsigned(out, u64::from(port)),
        None => out.extend_from_slice(b"null"),
    }
}

/// ECS `observer.vendor`, `observer.product` and `observer.type` of a device family; `None` for
/// CEF and LEEF lines whose device Kojo has no family for.
pub fn observer(vendor: Vendor) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match vendor {
        Vendor::Fortigate => ("Fortinet", "FortiGate", "firewall"),
        Vendor::Sophos => ("Sophos", "Sophos Firewall", "firewall"),
        Vendor::Paloalto => ("Palo Alto Networks", "PAN-OS", "firewall"),
        Vendor::Checkpoint => ("Check Point", "Quantum Security Gateway", "firewall"),
        Vendor::Cisco => ("Cisco", "Secure Firewall ASA/FTD", "firewall"),
        Vendor::Sonicwall => ("SonicWall", "SonicOS", "firewall"),
        Vendor::Watchguard => ("WatchGuard", "Firebox", "firewall"),
        Vendor::Juniper => ("Juniper Networks", "SRX", "firewall"),
        Vendor::Pfsense => ("Netgate", "pfSense", "firewall"),
        Vendor::Suricata => ("OISF", "Suricata", "ids"),
        Vendor::Cef | Vendor::Leef => return None,
    })
}

/// ECS categorisation of a Kojo classification: `event.kind`, `event.category`, `event.type`
/// and `event.outcome` (values from the ECS allowed-values lists; `docs/utm-ecs.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Categorization {
    pub kind: &'static str,
    pub category: &'static [&'static str],
    pub types: &'static [&'static str],
    pub outcome: &'static str,
}

pub fn categorize(kind: Kind, category: Category, action: Action) -> Categorization {
    let blocked = action == Action::Blocked;
    // The network verdict: a block is "denied", anything let through "allowed".
    let verdict = if blocked { "denied" } else { "allowed" };
    let (categories, types): (&'static [&'static str], &'static [&'static str]) = match (kind, category) {
        (Kind::Event, Category::Other) => (&["host"], &["info"]),
        (_, Category::Malware) => {
            (&["malware", "network"], if blocked { &["info", "denied"] } else { &["info", "allowed"] })
        }
        (_, Category::Intrusion | Category::Anomaly | Category::Botnet) => {
            (&["intrusion_detection", "network"], if blocked { &["denied"] } else { &["allowed"] })
        }
        (_, Category::Web) => {
            (&["web", "network"], if blocked { &["access", "denied"] } else { &["access", "allowed"] })
        }
        (_, Category::Spam) => {
            (&["email", "network"], if blocked { &["info", "denied"] } else { &["info", "allowed"] })
        }
        (_, Category::Dns) => (&["network"], if blocked { &["protocol", "denied"] } else { &["protocol", "allowed"] }),
        (_, Category::Application | Category::DataLeak) => {
            (&["network"], if blocked { &["info", "denied"] } else { &["info", "allowed"] })
        }
        (Kind::Threat, Category::Other) => {
            (&["intrusion_detection", "network"], if blocked { &["denied"] } else { &["allowed"] })
        }
        (Kind::Traffic, Category::Other) => {
            (&["network"], if blocked { &["connection", "denied"] } else { &["connection", "allowed"] })
        }
    };
    debug_assert!(types.contains(&verdict) || kind == Kind::Event);
    let outcome = match (kind, action) {
        (_, Action::Blocked) => "failure",
        (Kind::Event, _) => "unknown",
        _ => "success",
    };
    Categorization { kind: if kind == Kind::Threat { "alert" } else { "event" }, category: categories, types, outcome }
}

/// ECS `event.severity`: Kojo's five steps as 1 (info) … 5 (critical).
pub fn severity_number(severity: Severity) -> u64 {
    match severity {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

fn string_array(out: &mut Vec<u8>, values: &[&str]) {
    out.push(b'[');
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    }
    out.push(b']');
}

/// One ECS document. Dotted names are nested objects, as ECS requires; an object with no
/// value is left out.
fn write_ecs(out: &mut Vec<u8>, event: &Event<'_>, origin: &Origin<'_>) {
    out.push(b'{');
    if let Some(time) = event.time {
        out.extend_from_slice(b"\"@timestamp\":");
        json::rfc3339(out, time);
        out.push(b',');
    }
    out.extend_from_slice(b"\"ecs\":{\"version\":\"");
    out.extend_from_slice(ECS_VERSION.as_bytes());
    out.extend_from_slice(b"\"}");

    let categorization = categorize(event.kind, event.category, event.action);
    out.extend_from_slice(b",\"event\":{\"kind\":\"");
    out.extend_from_slice(categorization.kind.as_bytes());
    out.extend_from_slice(b"\",\"category\":");
    string_array(out, categorization.category);
    out.extend_from_slice(b",\"type\":");
    string_array(out, categorization.types);
    out.extend_from_slice(b",\"action\":\"");
    out.extend_from_slice(event.action.code().as_bytes());
    out.extend_from_slice(b"\",\"outcome\":\"");
    out.extend_from_slice(categorization.outcome.as_bytes());
    out.push(b'"');
    if let Some(severity) = event.severity {
        out.extend_from_slice(b",\"severity\":");
        json::unsigned(out, severity_number(severity));
    }
    if let Some(seconds) = event.utc_offset_seconds {
        out.extend_from_slice(b",\"timezone\":");
        json::offset(out, seconds);
    }
    out.extend_from_slice(b",\"original\":");
    json::string(out, origin.original);
    out.push(b'}');

    if let Some((vendor, product, kind)) = observer(event.vendor) {
        out.extend_from_slice(b",\"observer\":{\"vendor\":\"");
        out.extend_from_slice(vendor.as_bytes());
        out.extend_from_slice(b"\",\"product\":\"");
        out.extend_from_slice(product.as_bytes());
        out.extend_from_slice(b"\",\"type\":\"");
        out.extend_from_slice(kind.as_bytes());
        out.push(b'"');
        write_device(out, event, false);
        out.push(b'}');
    } else if event.device.is_some() {
        out.extend_from_slice(b",\"observer\":{");
        write_device(out, event, true);
        out.push(b'}');
    }

    write_endpoint(out, b",\"source\":{", event.src_ip, event.src_port);
    write_endpoint(out, b",\"destination\":{", event.dst_ip, event.dst_port);
    if let Some(transport) = event.transport.as_deref() {
        out.extend_from_slice(b",\"network\":{\"transport\":");
        json::string(out, transport);
        out.push(b'}');
    }
    write_rule(out, event);
    if let Some(url) = event.url.as_deref() {
        // A full URL is `url.original`; a host or DNS name alone is `url.domain`.
        out.extend_from_slice(if url.contains("://") { b",\"url\":{\"original\":" } else { b",\"url\":{\"domain\":" });
        json::string(out, url);
        out.push(b'}');
    }
    if let Some(user) = event.user.as_deref() {
        out.extend_from_slice(b",\"user\":{\"name\":");
        json::string(out, user);
        out.push(b'}');
    }
    if event.src_ip.is_some() || event.dst_ip.is_some() {
        out.extend_from_slice(b",\"related\":{\"ip\":[");
        let mut first = true;
        for address in [event.src_ip, event.dst_ip].into_iter().flatten() {
            if event.src_ip == event.dst_ip && !first {
                break;
            }
            if !first {
                out.push(b',');
            }
            json::ip(out, address);
            first = false;
        }
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b",\"log\":{");
    if let Some(level) = event.vendor_severity.as_deref() {
        out.extend_from_slice(b"\"level\":");
        json::string(out, level);
        out.push(b',');
    }
    out.extend_from_slice(b"\"file\":{\"path\":");
    out.extend_from_slice(&origin.file.json);
    out.extend_from_slice(b"}}");

    out.extend_from_slice(b",\"kojo\":{\"vendor\":\"");
    out.extend_from_slice(event.vendor.code().as_bytes());
    out.extend_from_slice(b"\",\"kind\":\"");
    out.extend_from_slice(event.kind.code().as_bytes());
    out.extend_from_slice(b"\",\"category\":\"");
    out.extend_from_slice(event.category.code().as_bytes());
    out.extend_from_slice(b"\",\"action\":\"");
    out.extend_from_slice(event.action.code().as_bytes());
    out.push(b'"');
    if let Some(severity) = event.severity {
        out.extend_from_slice(b",\"severity\":\"");
        out.extend_from_slice(severity.code().as_bytes());
        out.push(b'"');
    }
    if event.time_zone_assumed {
        out.extend_from_slice(b",\"time_zone_assumed\":true");
    }
    if let Some(identifier) = event.unknown_identifier.as_deref() {
        out.extend_from_slice(b",\"unknown_identifier\":");
        json::string(out, identifier);
    }
    out.extend_from_slice(b",\"line\":");
    json::unsigned(out, origin.line);
    out.extend_from_slice(b"}}");
}

/// `observer.serial_number` when the device is a serial, else `observer.ip` or
/// `observer.hostname`; `first` when nothing precedes it in the object.
fn write_device(out: &mut Vec<u8>, event: &Event<'_>, first: bool) {
    let Some(device) = event.device.as_deref() else { return };
    if !first {
        out.push(b',');
    }
    if event.device_is_serial {
        out.extend_from_slice(b"\"serial_number\":");
        json::string(out, device);
    } else if let Ok(address) = device.parse::<IpAddr>() {
        out.extend_from_slice(b"\"ip\":");
        json::ip(out, address);
    } else {
        out.extend_from_slice(b"\"hostname\":");
        json::string(out, device);
    }
}

fn write_endpoint(out: &mut Vec<u8>, open: &[u8], address: Option<IpAddr>, port: Option<u16>) {
    if address.is_none() && port.is_none() {
        return;
    }
    out.extend_from_slice(open);
    if let Some(address) = address {
        out.extend_from_slice(b"\"ip\":");
        json::ip(out, address);
    }
    if let Some(port) = port {
        if address.is_some() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"port\":");
        json::unsigned(out, u64::from(port));
    }
    out.push(b'}');
}

/// `rule.*`: a threat's signature is the rule that fired (`rule.name`) within the firewall
/// policy (`rule.ruleset`); for other events the policy itself is the rule (`rule.id`,
/// `rule.name`).
fn write_rule(out: &mut Vec<u8>, event: &Event<'_>) {
    let signature = if event.kind == Kind::Threat { event.signature.as_deref() } else { None };
    let (id, name, ruleset) = match signature {
        Some(signature) => (None, Some(signature), event.policy_name.as_deref().or(event.policy_id.as_deref())),
        None => (event.policy_id.as_deref(), event.policy_name.as_deref(), None),
    };
    if id.is_none() && name.is_none() && ruleset.is_none() {
        return;
    }
    out.extend_from_slice(b",\"rule\":{");
    let mut first = true;
    for (key, value) in [(&b"\"id\":"[..], id), (b"\"name\":", name), (b"\"ruleset\":", ruleset)] {
        if let Some(value) = value {
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(key);
            json::string(out, value);
            first = false;
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn ecs(line: &str) -> Value {
        let event = crate::parse_syslog_line(line.as_bytes(), None).unwrap();
        let mut out = Vec::new();
        write_event(&mut out, Format::Ecs, &event, &Origin { file: &FileName::new("fw.log"), line: 7, original: line });
        assert_eq!(out.pop(), Some(b'\n'));
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn fortigate_ips_drop_as_an_ecs_alert() {
        // FortiOS 7 IPS log (Log Message Reference, logid 0419016384 LOG_ID_ATTACK_SIGNATURE).
        let line = r#"date=2024-05-01 time=10:15:30 devname="FGT60F" devid="FGT60FTK20000001" eventtime=1714526130000000000 tz="+0900" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" severity="critical" srcip=198.51.100.7 srcport=51234 dstip=192.0.2.10 dstport=445 proto=6 action="dropped" policyid=3 policyname="WAN-to-DMZ" attack="MS.SMB.Server.Trans2.Code.Execution" attackid=43796"#;
        assert_eq!(
            ecs(line),
            json!({
                "@timestamp": "2024-05-01T01:15:30Z",
                "ecs": {"version": ECS_VERSION},
                "event": {
                    "kind": "alert",
                    "category": ["intrusion_detection", "network"],
                    "type": ["denied"],
                    "action": "blocked",
                    "outcome": "failure",
                    "severity": 5,
                    "timezone": "+09:00",
                    "original": line,
                },
                "observer": {
                    "vendor": "Fortinet",
                    "product": "FortiGate",
                    "type": "firewall",
                    "serial_number": "FGT60FTK20000001",
                },
                "source": {"ip": "198.51.100.7", "port": 51234},
                "destination": {"ip": "192.0.2.10", "port": 445},
                "network": {"transport": "tcp"},
                "rule": {"name": "MS.SMB.Server.Trans2.Code.Execution", "ruleset": "WAN-to-DMZ"},
                "related": {"ip": ["198.51.100.7", "192.0.2.10"]},
                "log": {"level": "critical", "file": {"path": "fw.log"}},
                "kojo": {
                    "vendor": "fortigate",
                    "kind": "threat",
                    "category": "intrusion",
                    "action": "blocked",
                    "severity": "critical",
                    "line": 7,
                },
            })
        );
    }

    #[test]
    fn allowed_session_names_its_policy_as_the_rule() {
        let line = r#"date=2024-05-01 time=10:15:31 devname="FGT60F" devid="FGT60FTK20000001" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=192.168.1.10 srcport=50000 dstip=203.0.113.5 dstport=443 proto=17 action="accept" policyid=1 policyname="LAN-to-WAN" hostname="www.example.com""#;
        let document = ecs(line);
        assert_eq!(document["event"]["kind"], "event");
        assert_eq!(document["event"]["category"], json!(["network"]));
        assert_eq!(document["event"]["type"], json!(["connection", "allowed"]));
        assert_eq!(document["event"]["outcome"], "success");
        assert_eq!(document["rule"], json!({"id": "1", "name": "LAN-to-WAN"}));
        assert_eq!(document["network"]["transport"], "udp");
        assert_eq!(document["url"], json!({"domain": "www.example.com"}));
        // No zone in the line: Tokyo was assumed, and said so.
        assert_eq!(document["kojo"]["time_zone_assumed"], true);
        assert_eq!(document["event"]["timezone"], "+09:00");
        assert_eq!(document["@timestamp"], "2024-05-01T01:15:31Z");
    }

    #[test]
    fn unattributed_cef_has_no_observer_vendor_and_keeps_its_host() {
        // A CEF line from a device family Kojo has no table for (ArcSight CEF standard layout).
        let line = "CEF:0|ExampleCorp|Gateway|1.0|100|Trojan download|8|src=198.51.100.7 dst=192.0.2.10 spt=51234 dpt=80 proto=TCP act=blocked dvchost=gw01 request=http://malware.example/x.exe";
        let document = ecs(line);
        assert_eq!(document["observer"], json!({"hostname": "gw01"}));
        assert_eq!(document["network"]["transport"], "tcp");
        assert_eq!(document["url"], json!({"original": "http://malware.example/x.exe"}));
        assert_eq!(document["kojo"]["unknown_identifier"], "ExampleCorp|Gateway|100");
        assert_eq!(document["event"]["category"], json!(["malware", "network"]));
        assert_eq!(document["event"]["type"], json!(["info", "denied"]));
        assert!(document.get("@timestamp").is_none());
    }

    #[test]
    fn padded_codes_are_the_codes() {
        let text = |(bytes, length): &Code| String::from_utf8(bytes[..*length].to_vec()).unwrap();
        for kind in [Kind::Threat, Kind::Traffic, Kind::Event] {
            assert_eq!(text(&KIND_CODES[kind as usize]), kind.code());
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
            assert_eq!(text(&CATEGORY_CODES[category as usize]), category.code());
        }
        for action in [Action::Blocked, Action::Detected, Action::Allowed] {
            assert_eq!(text(&ACTION_CODES[action as usize]), action.code());
        }
        for severity in [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical] {
            assert_eq!(text(&SEVERITY_CODES[severity as usize]), format!("\"{}\"", severity.code()));
        }
    }

    #[test]
    fn every_classification_maps_to_allowed_ecs_values() {
        // ECS 8.x allowed values and, per category, its expected event types.
        let expected_types = |category: &str| -> &'static [&'static str] {
            match category {
                "host" => &["access", "change", "end", "info", "start"],
                "malware" => &["info"],
                "intrusion_detection" => &["allowed", "denied", "info"],
                "web" => &["access", "error", "info"],
                "email" => &["info"],
                "network" => &["access", "allowed", "connection", "denied", "end", "info", "protocol", "start"],
                other => panic!("unexpected category {other}"),
            }
        };
        for kind in [Kind::Threat, Kind::Traffic, Kind::Event] {
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
                for action in [Action::Blocked, Action::Detected, Action::Allowed] {
                    let ecs = categorize(kind, category, action);
                    assert!(["alert", "event"].contains(&ecs.kind));
                    assert!(["success", "failure", "unknown"].contains(&ecs.outcome));
                    // Every type is expected by at least one of the event's categories.
                    for kind_of_event in ecs.types {
                        assert!(
                            ecs.category.iter().any(|category| expected_types(category).contains(kind_of_event)),
                            "{kind:?} {category:?} {action:?}: {kind_of_event}"
                        );
                    }
                    if action == Action::Blocked && kind != Kind::Event {
                        assert!(ecs.types.contains(&"denied"), "{kind:?} {category:?}");
                    }
                }
            }
        }
    }
}

//! Properties shared by the fuzz targets.
//!
//! Each check panics, which libFuzzer reports as a crash, when the code under test breaks a
//! property that must hold for every input: beyond "does not panic", borrowed text lies inside
//! the input, line terminators do not change a result, forced parsing agrees with
//! auto-detection, events survive a JSON round trip, and framing round-trips what it frames.

use std::borrow::Cow;
use std::io::{self, Cursor, Read, Write};

use chrono::{DateTime, Utc};
use utm::framing::{self, Decoded, LineReader, OctetCountedDecoder, SyslogFormat, SyslogMessage};
use utm::{Event, OwnedEvent, Unparsed, Vendor};

const TOKYO: i32 = utm::DEFAULT_OFFSET_SECONDS;
/// `time::parse_offset` accepts at most ±14:59.
const MAX_OFFSET: i32 = 15 * 3600;
/// Appended to an input to check that line terminators and NUL padding are ignored.
const TERMINATORS: &[u8] = b"\r\n\0";

/// A fixed clock for the RFC 3164 year inference, so that results are reproducible.
pub fn fixed_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z").expect("valid timestamp").into()
}

/// True when `part` is empty or lies entirely inside `whole`.
fn within(whole: &[u8], part: &[u8]) -> bool {
    if part.is_empty() {
        return true;
    }
    let start = whole.as_ptr() as usize;
    let part_start = part.as_ptr() as usize;
    part_start >= start && part_start + part.len() <= start + whole.len()
}

fn with_terminators(data: &[u8]) -> Vec<u8> {
    let mut padded = Vec::with_capacity(data.len() + TERMINATORS.len());
    padded.extend_from_slice(data);
    padded.extend_from_slice(TERMINATORS);
    padded
}

/// The text the parsers see: the line without terminators, cut at the first invalid UTF-8 byte.
fn payload_text(data: &[u8]) -> &str {
    let line = framing::trim_line(data);
    match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&line[..error.valid_up_to()]).unwrap_or(""),
    }
}

/// Vendors an event may be reported as when `wire` parsed it. CEF and LEEF lines are
/// attributed to the device vendor's family (see `vendor::cef`), and the FortiGate parser
/// accepts CEF too; every other parser reports its own vendor.
fn may_report(wire: Vendor, reported: Vendor) -> bool {
    let cef_family = !matches!(reported, Vendor::Pfsense | Vendor::Suricata);
    match wire {
        Vendor::Cef | Vendor::Fortigate => cef_family && reported != Vendor::Leef,
        Vendor::Leef => cef_family && reported != Vendor::Cef,
        other => reported == other,
    }
}

/// Properties of any event parsed from `input`.
pub fn check_event(input: &[u8], event: &Event<'_>) {
    let texts: [(&str, &Option<Cow<'_, str>>); 6] = [
        ("device", &event.device),
        ("vendor_severity", &event.vendor_severity),
        ("signature", &event.signature),
        ("url", &event.url),
        ("user", &event.user),
        ("unknown_identifier", &event.unknown_identifier),
    ];
    for (name, value) in texts {
        if let Some(Cow::Borrowed(text)) = value {
            assert!(within(input, text.as_bytes()), "{name} borrows outside the input: {text:?}");
        }
    }
    if let Some(offset) = event.utc_offset_seconds {
        assert!(offset.abs() < MAX_OFFSET, "implausible UTC offset {offset}");
    }
    if event.time_zone_assumed {
        assert!(event.time.is_some(), "zone assumed without a time");
        assert_eq!(event.utc_offset_seconds, Some(TOKYO), "assumed zone is not Asia/Tokyo");
    }
    let owned: OwnedEvent = event.clone().into_owned();
    assert_eq!(&owned, event, "into_owned changed the event");
    let json = serde_json::to_string(event).expect("an event serialises");
    let back: OwnedEvent = serde_json::from_str(&json).unwrap_or_else(|error| panic!("{error}: {json}"));
    assert_eq!(&back, event, "JSON round trip changed the event: {json}");
}

/// Properties of a `parse_line` result; `wire` is the forced or detected vendor.
fn check_result(input: &[u8], wire: Option<Vendor>, result: &Result<Event<'_>, Unparsed>) {
    match (result, wire) {
        (Ok(event), Some(wire)) => {
            assert!(may_report(wire, event.vendor), "{wire} parser reported {}", event.vendor);
            check_event(input, event);
        }
        (Ok(event), None) => check_event(input, event),
        (Err(error), Some(wire)) => {
            let attributed = error
                .vendor
                .is_some_and(|vendor| vendor == wire || (wire == Vendor::Fortigate && vendor == Vendor::Cef));
            assert!(attributed, "{wire} parser attributed its error to {:?}", error.vendor);
        }
        (Err(_), None) => {}
    }
}

/// One vendor's parser, forced.
pub fn vendor(data: &[u8], vendor: Vendor) {
    let result = utm::parse_line(data, Some(vendor));
    check_result(data, Some(vendor), &result);
    let padded = with_terminators(data);
    assert_eq!(utm::parse_line(&padded, Some(vendor)), result, "line terminators changed the result");
}

/// Auto-detection, and the syslog entry point.
pub fn auto(data: &[u8]) {
    let result = utm::parse_line(data, None);
    let text = payload_text(data);
    let detected = if text.trim().is_empty() { None } else { utm::detect(text) };
    check_result(data, detected, &result);
    match (&result, detected) {
        (_, Some(vendor)) => {
            // Auto-detection is detection followed by that vendor's parser.
            assert_eq!(utm::parse_line(data, Some(vendor)), result, "auto-detected and forced {vendor} disagree");
        }
        (Ok(event), None) => panic!("parsed as {} without a detected vendor", event.vendor),
        (Err(error), None) => {
            assert_eq!(error.vendor, None, "undetected line attributed to a vendor");
        }
    }

    let syslog = utm::parse_syslog_line(data, None);
    if let Ok(event) = &syslog {
        check_event(data, event);
    }
    let padded = with_terminators(data);
    let again = utm::parse_syslog_line(&padded, None);
    // The year of a header without one comes from the clock: compare all but the time.
    match (&syslog, &again) {
        (Ok(first), Ok(second)) => {
            let mut second = second.clone();
            second.time = first.time;
            assert_eq!(first, &second, "line terminators changed the syslog result");
        }
        (first, second) => assert_eq!(first, second, "line terminators changed the syslog result"),
    }
}

/// Properties of any split syslog message.
fn check_message(input: &[u8], message: &SyslogMessage<'_>) {
    assert!(within(input, message.payload), "payload outside the input");
    for (name, part) in [
        ("hostname", message.hostname.map(str::as_bytes)),
        ("app_name", message.app_name.map(str::as_bytes)),
        ("structured_data", message.structured_data),
    ] {
        if let Some(part) = part {
            assert!(within(input, part), "{name} outside the input");
        }
    }
    if let Some(priority) = message.priority {
        assert!(priority <= 191, "PRI {priority} out of range");
        assert!(message.severity().is_some_and(|severity| severity <= 7));
        assert!(message.facility().is_some_and(|facility| facility <= 23));
    }
    if let Some(offset) = message.utc_offset_seconds {
        assert!(offset.abs() < MAX_OFFSET, "implausible UTC offset {offset}");
    }
    if message.time_zone_assumed {
        assert!(message.time.is_some());
        assert_eq!(message.utc_offset_seconds, Some(TOKYO));
    }
    match message.format {
        SyslogFormat::None => {
            assert_eq!(message.priority, None);
            assert_eq!(message.time, None);
            assert_eq!(message.hostname, None);
            assert_eq!(message.payload, framing::trim_line(input), "a line without header is all payload");
        }
        SyslogFormat::PriOnly => {
            assert!(message.priority.is_some());
            assert_eq!(message.time, None);
            assert_eq!(message.hostname, None);
        }
        SyslogFormat::Rfc5424 => assert!(message.priority.is_some()),
        SyslogFormat::Rfc3164 => assert!(message.time.is_some(), "RFC 3164 header without a time"),
    }
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != b' ' && *b != b'\t').unwrap_or(bytes.len());
    &bytes[start..]
}

/// Syslog header splitting: arbitrary lines, plus headers built around arbitrary payloads.
pub fn syslog(data: &[u8]) {
    let now = fixed_now();
    let message = framing::parse_syslog_at(data, now);
    check_message(data, &message);
    let padded = with_terminators(data);
    assert_eq!(framing::parse_syslog_at(&padded, now), message, "line terminators changed the header");
    let _ = framing::parse_syslog(data);

    let Some((&first, body)) = data.split_first() else { return };
    let priority = first % 192;
    let expected_payload = trim_start(framing::trim_line(body));

    // RFC 5424 with nil PROCID-less fields: the payload is MSG.
    let mut line = format!("<{priority}>1 2026-11-25T09:30:00.250+09:00 fw-01 kojo 42 - - ").into_bytes();
    line.extend_from_slice(body);
    let message = framing::parse_syslog_at(&line, now);
    check_message(&line, &message);
    assert_eq!(message.format, SyslogFormat::Rfc5424);
    assert_eq!(message.priority, Some(priority));
    assert_eq!(message.hostname, Some("fw-01"));
    assert_eq!(message.app_name, Some("kojo"));
    assert_eq!(message.structured_data, None);
    assert_eq!(message.time.map(|time| time.to_rfc3339()).as_deref(), Some("2026-11-25T00:30:00.250+00:00"));
    assert_eq!(message.utc_offset_seconds, Some(TOKYO));
    assert!(!message.time_zone_assumed);
    assert_eq!(message.payload, expected_payload, "RFC 5424 payload");

    // RFC 3164, with or without PRI: year inferred, Tokyo assumed, host split off.
    let mut line = if first & 1 == 0 { format!("<{priority}>").into_bytes() } else { Vec::new() };
    line.extend_from_slice(b"Nov 25 09:30:00 fw-01 ");
    line.extend_from_slice(body);
    let message = framing::parse_syslog_at(&line, now);
    check_message(&line, &message);
    assert_eq!(message.format, SyslogFormat::Rfc3164);
    assert_eq!(message.priority, (first & 1 == 0).then_some(priority));
    assert_eq!(message.hostname, Some("fw-01"));
    assert_eq!(message.time.map(|time| time.to_rfc3339()).as_deref(), Some("2026-11-25T00:30:00+00:00"));
    assert!(message.time_zone_assumed);
    assert_eq!(message.payload, expected_payload, "RFC 3164 payload");
}

/// A small deterministic generator for chunk sizes, seeded from the input.
struct Chunks(u32);

impl Chunks {
    fn next_size(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        // Mostly tiny chunks (boundaries inside length prefixes), sometimes larger ones.
        match self.0 >> 28 {
            0..=11 => (self.0 >> 16) as usize % 4 + 1,
            _ => (self.0 >> 16) as usize % 64 + 1,
        }
    }
}

fn seed(data: &[u8]) -> u32 {
    data.iter().take(4).fold(0x9e37_79b9, |state, byte| state.rotate_left(8) ^ u32::from(*byte))
}

/// Drains `stream` through the stateless decoder: the frames, whether it ever had to skip
/// garbage, and what is left over.
fn decode_all(stream: &[u8]) -> (Vec<&[u8]>, bool, &[u8]) {
    let mut frames = Vec::new();
    let mut skipped = false;
    let mut rest = stream;
    loop {
        match framing::decode_octet_counted(rest) {
            Decoded::Frame { message, consumed } => {
                assert!(consumed > 0 && consumed <= rest.len(), "frame consumed {consumed} of {}", rest.len());
                assert!(within(&rest[..consumed], message), "frame message outside its frame");
                assert!(message.len() <= framing::MAX_FRAME_LEN);
                frames.push(message);
                rest = &rest[consumed..];
            }
            Decoded::Invalid { skip } => {
                assert!(skip > 0 && skip <= rest.len(), "skip {skip} of {}", rest.len());
                skipped = true;
                rest = &rest[skip..];
            }
            Decoded::Incomplete => return (frames, skipped, rest),
        }
    }
}

/// Feeds `stream` to the incremental decoder in pseudo-random chunks.
fn decode_incrementally(stream: &[u8], mut chunks: Chunks) -> (Vec<Vec<u8>>, OctetCountedDecoder) {
    let mut decoder = OctetCountedDecoder::new();
    let mut frames = Vec::new();
    let mut rest = stream;
    let mut pushed = 0usize;
    while !rest.is_empty() {
        let size = chunks.next_size().min(rest.len());
        decoder.push(&rest[..size]);
        pushed += size;
        rest = &rest[size..];
        while let Some(frame) = decoder.next_frame() {
            frames.push(frame.to_vec());
        }
        assert!(decoder.skipped_bytes as usize + decoder.pending().len() <= pushed, "decoder invented bytes");
    }
    (frames, decoder)
}

/// RFC 6587 octet counting: the stateless and incremental decoders on arbitrary bytes, and a
/// round trip of arbitrary messages.
pub fn octet_counted(data: &[u8]) {
    let (frames, skipped, rest) = decode_all(data);
    let (incremental, decoder) = decode_incrementally(data, Chunks(seed(data)));
    if !skipped {
        // Without garbage, chunk boundaries cannot matter.
        assert_eq!(incremental, frames, "incremental decoding differs from whole-buffer decoding");
        assert_eq!(decoder.skipped_bytes, 0);
        assert_eq!(decoder.pending(), rest);
    }

    // Messages separated by 0xFF, each sent as `LEN SP MSG`.
    let messages: Vec<&[u8]> = data.split(|byte| *byte == 0xff).filter(|message| !message.is_empty()).collect();
    let mut stream = Vec::new();
    for message in &messages {
        stream.extend_from_slice(format!("{} ", message.len()).as_bytes());
        stream.extend_from_slice(message);
    }
    let expected: Vec<&[u8]> = messages.iter().map(|message| framing::trim_line(message)).collect();
    let (frames, skipped, rest) = decode_all(&stream);
    assert!(!skipped && rest.is_empty(), "well-formed stream not fully decoded");
    assert_eq!(frames, expected, "octet-counting round trip");
    let (incremental, decoder) = decode_incrementally(&stream, Chunks(seed(data) ^ 0x5555_5555));
    assert_eq!(incremental, expected, "incremental octet-counting round trip");
    assert_eq!(decoder.skipped_bytes, 0);
    assert!(decoder.pending().is_empty());
}

/// A reader that returns at most a few bytes per call, like a pipe or a socket.
struct Trickle<R> {
    inner: R,
    chunks: Chunks,
}

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let size = self.chunks.next_size().min(buffer.len());
        self.inner.read(&mut buffer[..size])
    }
}

/// Reads every line; `None` when the reader fails (only allowed for corrupt gzip).
fn read_lines<R: Read + Send + 'static>(reader: R) -> Option<Vec<Vec<u8>>> {
    let mut lines = LineReader::from_reader(reader).ok()?;
    let mut out = Vec::new();
    let mut total = 0usize;
    loop {
        match lines.next_line() {
            Ok(Some((number, line))) => {
                assert_eq!(number, out.len() as u64 + 1, "line numbers are consecutive from 1");
                total += line.len();
                // A corrupt gzip member can still expand; stop well before memory is a concern.
                if total > 64 << 20 {
                    return Some(out);
                }
                out.push(line.to_vec());
            }
            Ok(None) => return Some(out),
            Err(_) => return None,
        }
    }
}

/// Plain and gzip file reading: lines round-trip through gzip (one or two members) and through
/// a reader that delivers a few bytes at a time; arbitrary gzip-looking bytes do not panic.
pub fn line_reader(data: &[u8]) {
    let expected: Vec<Vec<u8>> =
        data.split_inclusive(|byte| *byte == b'\n').map(|line| framing::trim_line(line).to_vec()).collect();
    let is_gzip = data.starts_with(&[0x1f, 0x8b]);
    let plain = read_lines(Cursor::new(data.to_vec()));
    if is_gzip {
        // Corrupt or truncated gzip may fail; it must not panic.
        let _ = read_lines(Trickle { inner: Cursor::new(data.to_vec()), chunks: Chunks(seed(data)) });
    } else {
        assert_eq!(plain.as_ref(), Some(&expected), "plain lines");
    }

    let middle = data.len() / 2;
    let mut compressed = Vec::new();
    for member in [&data[..middle], &data[middle..]] {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(member).expect("in-memory write");
        compressed.extend_from_slice(&encoder.finish().expect("in-memory write"));
    }
    let from_gzip = read_lines(Cursor::new(compressed.clone()));
    assert_eq!(from_gzip.as_ref(), Some(&expected), "gzip round trip");
    let trickled = read_lines(Trickle { inner: Cursor::new(compressed), chunks: Chunks(seed(data)) });
    assert_eq!(trickled.as_ref(), Some(&expected), "gzip round trip through a slow reader");
    if !is_gzip {
        let trickled = read_lines(Trickle { inner: Cursor::new(data.to_vec()), chunks: Chunks(seed(data)) });
        assert_eq!(trickled.as_ref(), Some(&expected), "plain lines through a slow reader");
    }
}

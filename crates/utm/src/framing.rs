//! Transport framing: syslog headers (RFC 3164, RFC 5424 and the bare `<PRI>` form FortiGate and
//! SonicWall send), RFC 6587 octet-counted TCP frames, newline-delimited lines (the TCP stream
//! framer the syslog listener reads with, [`StreamFramer`]), and plain or gzip log files.
//!
//! This module finds where a message starts and ends; it never looks inside the payload for
//! vendor fields. Nothing here panics on malformed input: a line without a recognisable header is
//! returned whole as the payload.
//!
//! RFC 3164 timestamps carry no year: the year is taken from the current clock, and a date that
//! would lie more than a day in the future is moved to the previous year (a December log read in
//! January). Timestamps without a zone are taken as Asia/Tokyo (see [`crate::time`]).

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use flate2::read::MultiGzDecoder;
use memchr::memchr;

use crate::time::{self, Stamp};

/// Which header layout a line carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyslogFormat {
    /// No header at all; the whole line is the payload.
    None,
    /// `<PRI>` directly followed by the payload (FortiGate, SonicWall default).
    PriOnly,
    /// `<PRI>Mmm dd hh:mm:ss host tag: msg`, also accepted without `<PRI>` (relays, files).
    Rfc3164,
    /// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`.
    Rfc5424,
}

/// A syslog message split into header fields and payload, borrowing from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogMessage<'a> {
    pub format: SyslogFormat,
    /// Facility * 8 + severity, when a `<PRI>` was present.
    pub priority: Option<u8>,
    pub time: Option<DateTime<Utc>>,
    pub utc_offset_seconds: Option<i32>,
    /// True when the header time had no zone and Asia/Tokyo was assumed.
    pub time_zone_assumed: bool,
    pub hostname: Option<&'a str>,
    /// RFC 5424 APP-NAME (RFC 3164 tags stay in the payload: for Cisco the tag *is* the message).
    pub app_name: Option<&'a str>,
    /// RFC 5424 structured data, including brackets, when not `-`.
    pub structured_data: Option<&'a [u8]>,
    /// What the vendor parsers should read.
    pub payload: &'a [u8],
}

impl SyslogMessage<'_> {
    /// Severity part of PRI (0 emergency … 7 debug).
    pub fn severity(&self) -> Option<u8> {
        self.priority.map(|priority| priority & 7)
    }

    /// Facility part of PRI.
    pub fn facility(&self) -> Option<u8> {
        self.priority.map(|priority| priority >> 3)
    }
}

/// Splits off any syslog header. Never fails: an unrecognised line is all payload.
pub fn parse_syslog(line: &[u8]) -> SyslogMessage<'_> {
    parse_syslog_with(line, Utc::now)
}

/// [`parse_syslog`] with an explicit "now" for the RFC 3164 year inference (for tests).
pub fn parse_syslog_at(line: &[u8], now: DateTime<Utc>) -> SyslogMessage<'_> {
    parse_syslog_with(line, || now)
}

/// The clock is read only when a year has to be inferred (not on the FortiGate hot path).
fn parse_syslog_with(line: &[u8], now: impl Fn() -> DateTime<Utc>) -> SyslogMessage<'_> {
    let line = trim_line(line);
    let mut message = SyslogMessage {
        format: SyslogFormat::None,
        priority: None,
        time: None,
        utc_offset_seconds: None,
        time_zone_assumed: false,
        hostname: None,
        app_name: None,
        structured_data: None,
        payload: line,
    };
    let mut rest = line;
    if let Some((priority, after)) = split_priority(line) {
        message.priority = Some(priority);
        message.format = SyslogFormat::PriOnly;
        rest = after;
        message.payload = trim_start(after);
        if let Some(parsed) = parse_rfc5424(after, &mut message) {
            return parsed;
        }
    }
    parse_rfc3164(trim_start(rest), now, &mut message);
    message
}

/// `<PRI>`: one to three digits, value ≤ 191.
fn split_priority(line: &[u8]) -> Option<(u8, &[u8])> {
    if line.first() != Some(&b'<') {
        return None;
    }
    let close = memchr(b'>', &line[..line.len().min(5)])?;
    let priority: u16 = time::parse_digits(std::str::from_utf8(&line[1..close]).ok()?)?;
    if priority > 191 {
        return None;
    }
    Some((priority as u8, &line[close + 1..]))
}

fn parse_rfc5424<'a>(after_pri: &'a [u8], base: &mut SyslogMessage<'a>) -> Option<SyslogMessage<'a>> {
    let rest = after_pri.strip_prefix(b"1 ")?;
    let (timestamp, rest) = next_token(rest)?;
    let (hostname, rest) = next_token(rest)?;
    let (app_name, rest) = next_token(rest)?;
    let (_procid, rest) = next_token(rest)?;
    let from_msgid = rest;
    let (msgid, rest) = next_token(rest).unwrap_or((b"-", b""));
    let (structured_data, msg) = split_structured_data(trim_start(rest));
    let mut message = base.clone();
    message.format = SyslogFormat::Rfc5424;
    if let Some(stamp) = std::str::from_utf8(timestamp).ok().and_then(time::parse_iso) {
        apply_stamp(&mut message, stamp);
    }
    message.hostname = nil_to_none(hostname);
    message.app_name = nil_to_none(app_name);
    message.structured_data = structured_data;
    let msg = trim_start(msg);
    // Junos structured syslog keeps the event tag in MSGID and the fields in SD; Check Point's
    // structured variant puts everything in SD and leaves MSG empty. Hand the parsers the part
    // that carries the data.
    message.payload = match structured_data {
        Some(sd) if sd.windows(6).any(|window| window == b"junos@") => from_msgid,
        Some(sd) if msg.is_empty() => {
            if msgid == b"-" {
                sd
            } else {
                from_msgid
            }
        }
        _ => msg,
    };
    Some(message)
}

/// Splits RFC 5424 STRUCTURED-DATA (`-` or one or more `[...]` elements) from MSG.
fn split_structured_data(rest: &[u8]) -> (Option<&[u8]>, &[u8]) {
    if let Some(after) = rest.strip_prefix(b"-") {
        return (None, after);
    }
    if rest.first() != Some(&b'[') {
        return (None, rest);
    }
    let mut index = 0;
    let mut in_quotes = false;
    let mut depth = 0usize;
    while index < rest.len() {
        match rest[index] {
            b'\\' if in_quotes => index += 1,
            b'"' => in_quotes = !in_quotes,
            b'[' if !in_quotes => depth += 1,
            b']' if !in_quotes => {
                depth = depth.saturating_sub(1);
                if depth == 0 && rest.get(index + 1) != Some(&b'[') {
                    return (Some(&rest[..=index]), &rest[index + 1..]);
                }
            }
            _ => {}
        }
        index += 1;
    }
    (Some(rest), b"")
}

/// RFC 3164 `Mmm dd hh:mm:ss host msg`, plus the relay variants seen in practice:
/// `Mmm dd yyyy hh:mm:ss` (Cisco with year), `yyyy Mmm dd hh:mm:ss host->ip` (Wazuh) and an
/// ISO timestamp in place of the BSD one.
fn parse_rfc3164<'a>(rest: &'a [u8], now: impl Fn() -> DateTime<Utc>, message: &mut SyslogMessage<'a>) {
    let Some((stamp, after_time)) = parse_bsd_timestamp(rest, now) else {
        return;
    };
    message.format = SyslogFormat::Rfc3164;
    apply_stamp(message, stamp);
    let after_time = trim_start(after_time);
    message.payload = after_time;
    let Some((host, after_host)) = next_token(after_time) else {
        return;
    };
    // A token ending in ':' or holding '[' is the tag: the sender left out the hostname
    // (pfSense `filterlog[123]:`, Cisco `%ASA-6-302013:`).
    let is_tag = host.ends_with(b":") || host.contains(&b'[') || host.first() == Some(&b'%');
    let looks_like_payload = memchr(b'=', host).is_some() || host.first() == Some(&b'{');
    if is_tag || looks_like_payload || after_host.is_empty() {
        return;
    }
    let host = std::str::from_utf8(host).ok();
    // Wazuh's relay writes `host->source_ip`; keep the host name.
    message.hostname = host.map(|host| host.split("->").next().unwrap_or(host));
    message.payload = trim_start(after_host);
}

fn parse_bsd_timestamp(rest: &[u8], now: impl Fn() -> DateTime<Utc>) -> Option<(Stamp, &[u8])> {
    // Every layout starts with a month name or a four-digit year.
    if !rest.first().is_some_and(|b| b.is_ascii_alphanumeric()) || rest.len() < 15 {
        return None;
    }
    let text = std::str::from_utf8(&rest[..rest.len().min(40)])
        .or_else(|error| std::str::from_utf8(&rest[..error.valid_up_to()]))
        .ok()?;
    // ISO timestamp written by a relay (rsyslog RSYSLOG_FileFormat).
    if text.len() >= 19 && text.as_bytes()[4] == b'-' && text.as_bytes()[10] == b'T' {
        let end = text.find(' ').unwrap_or(text.len());
        let stamp = time::parse_iso(&text[..end])?;
        return Some((stamp, &rest[end..]));
    }
    let mut fields = text.split(' ').filter(|field| !field.is_empty());
    let first = fields.next()?;
    let (year, month, day, clock, clock_field) = if first.len() == 4 && first.bytes().all(|b| b.is_ascii_digit()) {
        let year: i32 = time::parse_digits(first)?;
        let month = time::month_number(fields.next()?)?;
        let day: u32 = time::parse_digits(fields.next()?)?;
        let clock_field = fields.next()?;
        (Some(year), month, day, time::parse_clock(clock_field)?, clock_field)
    } else {
        if first.len() != 3 {
            return None;
        }
        let month = time::month_number(first)?;
        let day: u32 = time::parse_digits(fields.next()?)?;
        let third = fields.next()?;
        if third.len() == 4 && third.bytes().all(|b| b.is_ascii_digit()) {
            let clock_field = fields.next()?;
            (time::parse_digits(third), month, day, time::parse_clock(clock_field)?, clock_field)
        } else {
            (None, month, day, time::parse_clock(third)?, third)
        }
    };
    // Byte offset just past the clock field (plus a trailing ':' as Cisco writes it).
    let clock_start = clock_field.as_ptr() as usize - text.as_ptr() as usize;
    let mut end = clock_start + clock_field.len();
    if rest.get(end) == Some(&b':') {
        end += 1;
    }
    let year = year.unwrap_or_else(|| infer_year(month, day, now()));
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let stamp = time::local_to_stamp(date.and_time(clock), None)?;
    Some((stamp, &rest[end..]))
}

fn infer_year(month: u32, day: u32, now: DateTime<Utc>) -> i32 {
    let year = now.year();
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) if date > now.date_naive() + chrono::Days::new(1) => year - 1,
        _ => year,
    }
}

fn apply_stamp(message: &mut SyslogMessage<'_>, stamp: Stamp) {
    message.time = Some(stamp.utc);
    message.utc_offset_seconds = stamp.offset;
    message.time_zone_assumed = stamp.assumed;
}

fn next_token(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let bytes = trim_start(bytes);
    if bytes.is_empty() {
        return None;
    }
    let end = memchr(b' ', bytes).unwrap_or(bytes.len());
    Some((&bytes[..end], &bytes[end..]))
}

fn nil_to_none(token: &[u8]) -> Option<&str> {
    if token == b"-" { None } else { std::str::from_utf8(token).ok() }
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != b' ' && *b != b'\t').unwrap_or(bytes.len());
    &bytes[start..]
}

/// Drops a trailing CR/LF and NUL padding (some relays pad UDP datagrams).
pub fn trim_line(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|b| !matches!(b, b'\n' | b'\r' | b'\0')).map_or(0, |index| index + 1);
    &line[..end]
}

/// `line` with every NUL byte inside it made a space: no database keeps a NUL in text
/// (PostgreSQL refuses the whole statement), and no vendor field means one.
pub fn without_nul(line: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if line.contains(&0) {
        std::borrow::Cow::Owned(line.iter().map(|&b| if b == 0 { b' ' } else { b }).collect())
    } else {
        std::borrow::Cow::Borrowed(line)
    }
}

/// Outcome of [`decode_octet_counted`] on the front of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A complete message and how many bytes of the buffer it used (length prefix included).
    Frame { message: &'a [u8], consumed: usize },
    /// More bytes are needed.
    Incomplete,
    /// The buffer does not start with `LEN SP`. `skip` bytes (through the next LF, or the whole
    /// buffer) should be dropped to resynchronise.
    Invalid { skip: usize },
}

/// Longest accepted frame; larger length prefixes are treated as garbage, not as a reason to
/// buffer gigabytes.
pub const MAX_FRAME_LEN: usize = 1 << 20;

/// Decodes one RFC 6587 §3.4.1 octet-counted frame (`MSG-LEN SP SYSLOG-MSG`) from the front of
/// `buffer`. When the buffer starts with `<` instead of a digit, the sender uses non-transparent
/// framing (§3.4.2) and the frame ends at LF.
pub fn decode_octet_counted(buffer: &[u8]) -> Decoded<'_> {
    let Some(&first) = buffer.first() else {
        return Decoded::Incomplete;
    };
    if first == b'<' {
        return match memchr(b'\n', buffer) {
            Some(end) => Decoded::Frame { message: trim_line(&buffer[..end]), consumed: end + 1 },
            None => Decoded::Incomplete,
        };
    }
    let digits = buffer.iter().take_while(|b| b.is_ascii_digit()).count();
    let resync = || Decoded::Invalid { skip: memchr(b'\n', buffer).map_or(buffer.len(), |end| end + 1) };
    if digits == 0 || digits > 7 || first == b'0' {
        return resync();
    }
    if digits == buffer.len() {
        return Decoded::Incomplete;
    }
    if buffer[digits] != b' ' {
        return resync();
    }
    let Some(length) = std::str::from_utf8(&buffer[..digits])
        .ok()
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|length| *length <= MAX_FRAME_LEN)
    else {
        return resync();
    };
    let start = digits + 1;
    match buffer.get(start..start + length) {
        Some(message) => Decoded::Frame { message: trim_line(message), consumed: start + length },
        None => Decoded::Incomplete,
    }
}

/// Incremental octet-counting decoder that owns its buffer: push bytes as they arrive from the
/// socket, then drain frames.
#[derive(Debug, Default)]
pub struct OctetCountedDecoder {
    buffer: Vec<u8>,
    start: usize,
    /// Bytes dropped while resynchronising after garbage.
    pub skipped_bytes: u64,
}

impl OctetCountedDecoder {
    pub fn new() -> OctetCountedDecoder {
        OctetCountedDecoder::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete message, if any. Garbage is skipped and counted.
    pub fn next_frame(&mut self) -> Option<&[u8]> {
        loop {
            let pending = &self.buffer[self.start..];
            match decode_octet_counted(pending) {
                Decoded::Frame { consumed, .. } => {
                    let begin = self.start;
                    self.start += consumed;
                    // Re-borrow to return a slice tied to `self`.
                    return match decode_octet_counted(&self.buffer[begin..]) {
                        Decoded::Frame { message, .. } => Some(message),
                        _ => None,
                    };
                }
                Decoded::Incomplete => {
                    self.compact();
                    return None;
                }
                Decoded::Invalid { skip } => {
                    self.start += skip;
                    self.skipped_bytes += skip as u64;
                }
            }
        }
    }

    /// Bytes received but not yet returned as a frame.
    pub fn pending(&self) -> &[u8] {
        &self.buffer[self.start..]
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
    }
}

/// RFC 6587 framing on a TCP byte stream as a syslog receiver sees it: octet counting (§3.4.1)
/// when a frame starts with a digit count, otherwise a line ending at LF (§3.4.2). Unlike
/// [`OctetCountedDecoder`], a line that is not octet-counted is taken whole, header or not, so
/// nothing a sender wrote is skipped as garbage; only a line or frame longer than
/// [`MAX_FRAME_LEN`] is discarded (and reported by [`StreamFramer::take_discarded`]).
#[derive(Debug, Default)]
pub struct StreamFramer {
    buffer: Vec<u8>,
    start: usize,
    discarded: bool,
}

/// What is left in a stream when it ends ([`StreamFramer::finish`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remainder<'a> {
    Nothing,
    /// A last line without its LF: a complete message.
    Line(&'a [u8]),
    /// An octet-counted frame shorter than its count said.
    Truncated,
}

impl StreamFramer {
    pub fn new() -> StreamFramer {
        StreamFramer::default()
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete message, without its length prefix or line ending; blank lines are
    /// skipped.
    pub fn next_frame(&mut self) -> Option<&[u8]> {
        loop {
            let pending = &self.buffer[self.start..];
            let (begin, end, consumed) = match decode_octet_counted(pending) {
                Decoded::Frame { message, consumed } => {
                    let begin = message.as_ptr() as usize - pending.as_ptr() as usize;
                    (begin, begin + message.len(), consumed)
                }
                Decoded::Invalid { skip } if pending[..skip].ends_with(b"\n") => (0, skip - 1, skip),
                Decoded::Incomplete | Decoded::Invalid { .. } => {
                    // A line or frame longer than any accepted frame is not worth buffering.
                    if pending.len() > MAX_FRAME_LEN + 16 {
                        self.start = self.buffer.len();
                        self.discarded = true;
                    }
                    return None;
                }
            };
            let from = self.start;
            self.start += consumed;
            if !trim_line(&self.buffer[from + begin..from + end]).is_empty() {
                return Some(&self.buffer[from + begin..from + end]);
            }
        }
    }

    /// Bytes held for a message not yet complete (what a partial frame costs the listener).
    pub fn pending_len(&self) -> usize {
        self.buffer.len() - self.start
    }

    /// Gives back memory the pending bytes do not need: after one long frame the buffer would
    /// otherwise keep its largest size for the life of the connection. When the buffer is more
    /// than twice `max(2 × pending bytes, KEEP)`, it is cut down to that size; otherwise (the
    /// usual case) nothing happens, so calling it after every read costs nothing.
    pub fn shrink(&mut self) {
        let keep = (2 * self.pending_len()).max(Self::KEEP);
        if self.buffer.capacity() > 2 * keep {
            self.buffer.drain(..self.start);
            self.start = 0;
            self.buffer.shrink_to(keep);
        }
    }

    /// The buffer size [`StreamFramer::shrink`] always allows.
    pub const KEEP: usize = 16 << 10;

    /// The memory the buffer holds, in bytes.
    pub fn capacity(&self) -> usize {
        self.buffer.capacity()
    }

    /// Whether an oversized line or frame was dropped since the last call.
    pub fn take_discarded(&mut self) -> bool {
        std::mem::take(&mut self.discarded)
    }

    /// What remains once the stream has ended.
    pub fn finish(&self) -> Remainder<'_> {
        let pending = trim_line(&self.buffer[self.start..]);
        if pending.is_empty() {
            Remainder::Nothing
        } else if pending[0].is_ascii_digit() && decode_octet_counted(pending) == Decoded::Incomplete {
            Remainder::Truncated
        } else {
            Remainder::Line(pending)
        }
    }
}

/// Reads a log file, plain or gzip (detected by the `1f 8b` magic, not the file name), line by
/// line with 1-based line numbers. Lines are returned without their CR/LF.
///
/// The file is read in large blocks and lines are handed out as slices of the block: no copy
/// and no allocation per line (a line longer than the block grows it).
pub struct LineReader {
    reader: Box<dyn Read + Send>,
    buffer: Vec<u8>,
    /// The unread bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    at_end: bool,
    line_number: u64,
}

/// Bytes read at once.
const READ_BLOCK: usize = 512 * 1024;

/// One line of a file, owned (see [`LineReader::next_line`] for the borrowing form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: u64,
    pub bytes: Vec<u8>,
}

impl LineReader {
    pub fn open(path: &Path) -> io::Result<LineReader> {
        LineReader::from_reader(File::open(path)?)
    }

    /// Wraps any reader, sniffing the gzip magic bytes.
    pub fn from_reader<R: Read + Send + 'static>(reader: R) -> io::Result<LineReader> {
        let mut reader = reader;
        // A pipe or socket may deliver the first byte alone: read until both magic bytes are
        // in (or the input ends), then put them back in front of the rest.
        let mut magic = [0u8; 2];
        let mut filled = 0;
        while filled < magic.len() {
            match reader.read(&mut magic[filled..]) {
                Ok(0) => break,
                Ok(count) => filled += count,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        let is_gzip = magic[..filled] == [0x1f, 0x8b];
        let input = io::Cursor::new(magic).take(filled as u64).chain(reader);
        let reader: Box<dyn Read + Send> = if is_gzip {
            Box::new(MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, input)))
        } else {
            Box::new(input)
        };
        Ok(LineReader { reader, buffer: vec![0; READ_BLOCK], start: 0, end: 0, at_end: false, line_number: 0 })
    }

    /// The next line, borrowing the reader's buffer (no allocation per line).
    pub fn next_line(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        let (from, to) = loop {
            if let Some(offset) = memchr(b'\n', &self.buffer[self.start..self.end]) {
                let line = (self.start, self.start + offset);
                self.start += offset + 1;
                break line;
            }
            if self.at_end {
                if self.start == self.end {
                    return Ok(None);
                }
                // The last line has no newline.
                let line = (self.start, self.end);
                self.start = self.end;
                break line;
            }
            self.fill()?;
        };
        self.line_number += 1;
        Ok(Some((self.line_number, trim_line(&self.buffer[from..to]))))
    }

    /// Moves the unread tail to the front and reads more behind it.
    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            // One line fills the whole buffer.
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        loop {
            match self.reader.read(&mut self.buffer[self.end..]) {
                Ok(0) => {
                    self.at_end = true;
                    return Ok(());
                }
                Ok(count) => {
                    self.end += count;
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

impl Iterator for LineReader {
    type Item = io::Result<Line>;

    fn next(&mut self) -> Option<io::Result<Line>> {
        match self.next_line() {
            Ok(Some((number, bytes))) => Some(Ok(Line { number, bytes: bytes.to_vec() })),
            Ok(None) => None,
            Err(error) => Some(Err(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-08-01T00:00:00Z").unwrap().into()
    }

    #[test]
    fn nul_bytes_become_spaces_and_clean_lines_are_not_copied() {
        assert_eq!(&*without_nul(b"a\0b\0\0c"), b"a b  c");
        assert!(matches!(without_nul(b"clean line"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn pri_only_fortigate() {
        let message = parse_syslog_at(b"<189>date=2020-04-23 time=10:00:00 devid=\"FGT\"", now());
        assert_eq!(message.format, SyslogFormat::PriOnly);
        assert_eq!(message.priority, Some(189));
        assert_eq!(message.severity(), Some(5));
        assert_eq!(message.facility(), Some(23));
        assert_eq!(message.payload, b"date=2020-04-23 time=10:00:00 devid=\"FGT\"");
        assert_eq!(message.hostname, None);
    }

    #[test]
    fn rfc3164_with_host_and_tag() {
        let message = parse_syslog_at(b"<134>Jul  3 19:10:30 fw1 filterlog[72237]: 5,,,1000", now());
        assert_eq!(message.format, SyslogFormat::Rfc3164);
        assert_eq!(message.hostname, Some("fw1"));
        assert_eq!(message.payload, b"filterlog[72237]: 5,,,1000");
        // 19:10:30 in Tokyo is 10:10:30 UTC.
        assert_eq!(message.time.unwrap().to_rfc3339(), "2024-07-03T10:10:30+00:00");
        assert!(message.time_zone_assumed);
    }

    #[test]
    fn rfc3164_without_host() {
        let message = parse_syslog_at(b"<134>Jul  3 19:10:30 filterlog[72237]: 5,,,1000", now());
        assert_eq!(message.hostname, None);
        assert_eq!(message.payload, b"filterlog[72237]: 5,,,1000");
    }

    #[test]
    fn rfc3164_year_rolls_back() {
        let message = parse_syslog_at(b"Dec 31 23:59:59 host msg", now());
        assert_eq!(message.time.unwrap().to_rfc3339(), "2023-12-31T14:59:59+00:00");
    }

    #[test]
    fn cisco_timestamp_with_year() {
        let message = parse_syslog_at(b"<166>Nov 09 2022 10:01:59: %ASA-6-725007: SSL", now());
        assert_eq!(message.hostname, None);
        assert_eq!(message.payload, b"%ASA-6-725007: SSL");
        assert_eq!(message.time.unwrap().to_rfc3339(), "2022-11-09T01:01:59+00:00");
    }

    #[test]
    fn rfc5424_with_message() {
        let line = b"<134>1 2022-06-09T14:44:11-06:00 opn.example filterlog 76404 - [meta sequenceId=\"1\"] 124,,,abc";
        let message = parse_syslog_at(line, now());
        assert_eq!(message.format, SyslogFormat::Rfc5424);
        assert_eq!(message.hostname, Some("opn.example"));
        assert_eq!(message.app_name, Some("filterlog"));
        assert_eq!(message.structured_data, Some(&b"[meta sequenceId=\"1\"]"[..]));
        assert_eq!(message.payload, b"124,,,abc");
        assert_eq!(message.utc_offset_seconds, Some(-6 * 3600));
        assert_eq!(message.time.unwrap().to_rfc3339(), "2022-06-09T20:44:11+00:00");
    }

    #[test]
    fn rfc5424_structured_data_only() {
        let line = b"<134>1 2026-02-25T08:14:51Z gw CheckPoint 10024 - [action:\"Accept\"; src:\"10.0.0.1\"]";
        let message = parse_syslog_at(line, now());
        assert_eq!(message.payload, b"[action:\"Accept\"; src:\"10.0.0.1\"]");
    }

    #[test]
    fn unrecognised_line_is_all_payload() {
        let message = parse_syslog_at(b"hello world", now());
        assert_eq!(message.format, SyslogFormat::None);
        assert_eq!(message.payload, b"hello world");
    }

    #[test]
    fn octet_counted_frames_incrementally() {
        let mut decoder = OctetCountedDecoder::new();
        decoder.push(b"11 <13>hello");
        assert_eq!(decoder.next_frame(), None);
        decoder.push(b" w7 <13>ab");
        assert_eq!(decoder.next_frame(), Some(&b"<13>hello w"[..]));
        assert_eq!(decoder.next_frame(), None);
        decoder.push(b"c");
        assert_eq!(decoder.next_frame(), Some(&b"<13>abc"[..]));
        assert_eq!(decoder.next_frame(), None);
        assert!(decoder.pending().is_empty());
    }

    #[test]
    fn octet_counted_stateless() {
        assert_eq!(decode_octet_counted(b"5 hello6 world!"), Decoded::Frame { message: b"hello", consumed: 7 });
        assert_eq!(decode_octet_counted(b"12 short"), Decoded::Incomplete);
        assert_eq!(decode_octet_counted(b"123"), Decoded::Incomplete);
        assert_eq!(decode_octet_counted(b"abc\n5 hello"), Decoded::Invalid { skip: 4 });
        assert_eq!(
            decode_octet_counted(b"<13>plain line\n5 hello"),
            Decoded::Frame { message: b"<13>plain line", consumed: 15 }
        );
    }

    fn stream_frames(input: &[&[u8]]) -> (Vec<String>, String) {
        let mut framer = StreamFramer::new();
        let mut out = Vec::new();
        for part in input {
            framer.push(part);
            while let Some(frame) = framer.next_frame() {
                out.push(String::from_utf8_lossy(frame).into_owned());
            }
        }
        let rest = match framer.finish() {
            Remainder::Nothing => "nothing".to_string(),
            Remainder::Line(line) => format!("line {}", String::from_utf8_lossy(line)),
            Remainder::Truncated => "truncated".to_string(),
        };
        (out, rest)
    }

    #[test]
    fn stream_octet_counted_frames_across_reads() {
        let (out, rest) = stream_frames(&[b"15 <13>hello", b" wo", b"rld5 <1>ab"]);
        assert_eq!(out, ["<13>hello world", "<1>ab"]);
        assert_eq!(rest, "nothing");
    }

    #[test]
    fn stream_octet_counted_frame_keeps_embedded_newlines() {
        let (out, _) = stream_frames(&[b"8 <1>a\nb\nc"]);
        assert_eq!(out, ["<1>a\nb\nc"]);
    }

    #[test]
    fn stream_newline_frames_with_and_without_header() {
        let (out, rest) = stream_frames(&[b"<13>one\r\ndate=2025-06-02 time=1", b"0:00:00 devid=\"X\"\n\n<13>last"]);
        assert_eq!(out, ["<13>one", "date=2025-06-02 time=10:00:00 devid=\"X\""]);
        assert_eq!(rest, "line <13>last");
    }

    #[test]
    fn stream_frame_cut_short_is_reported() {
        let (out, rest) = stream_frames(&[b"5 <1>a\n20 <13>cut"]);
        assert_eq!(out, ["<1>a"]);
        assert_eq!(rest, "truncated");
    }

    #[test]
    fn stream_oversized_line_is_discarded_and_reported() {
        let mut framer = StreamFramer::new();
        framer.push(&vec![b'x'; MAX_FRAME_LEN + 17]);
        assert_eq!(framer.next_frame(), None);
        assert!(framer.take_discarded());
        assert!(!framer.take_discarded());
        framer.push(b"<13>next\n");
        assert_eq!(framer.next_frame(), Some(&b"<13>next"[..]));
        assert_eq!(framer.finish(), Remainder::Nothing);
    }

    #[test]
    fn stream_buffer_shrinks_after_a_long_frame() {
        let mut framer = StreamFramer::new();
        let long = format!("<13>{}\n", "x".repeat(200_000));
        framer.push(long.as_bytes());
        framer.push(b"<13>partial");
        assert_eq!(framer.next_frame().map(<[u8]>::len), Some(long.len() - 1));
        assert_eq!(framer.next_frame(), None);
        assert_eq!(framer.pending_len(), b"<13>partial".len());
        assert!(framer.capacity() > 200_000);
        framer.shrink();
        assert!(framer.capacity() <= StreamFramer::KEEP, "{}", framer.capacity());
        framer.push(b" end\n");
        assert_eq!(framer.next_frame(), Some(&b"<13>partial end"[..]));
    }

    /// A reader that hands out one byte per call, as a pipe may.
    struct OneByte(io::Cursor<Vec<u8>>);

    impl Read for OneByte {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let end = buffer.len().min(1);
            self.0.read(&mut buffer[..end])
        }
    }

    #[test]
    fn sniffs_gzip_when_the_first_read_returns_one_byte() {
        // Found by the `line_reader` fuzz target: an empty gzip member read one byte at a time
        // was taken for plain text.
        let empty_member: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\xff\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00";
        let lines: Vec<Line> = LineReader::from_reader(OneByte(io::Cursor::new(empty_member.to_vec())))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(lines, []);

        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"one\ntwo").unwrap();
        let gzip = encoder.finish().unwrap();
        for input in [gzip, b"one\ntwo".to_vec(), b"\x1f".to_vec()] {
            let plain = input.first() != Some(&0x1f) || input.len() == 1;
            let lines: Vec<Vec<u8>> = LineReader::from_reader(OneByte(io::Cursor::new(input.clone())))
                .unwrap()
                .map(|line| line.unwrap().bytes)
                .collect();
            let expected: Vec<Vec<u8>> = if plain {
                input.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
            } else {
                vec![b"one".to_vec(), b"two".to_vec()]
            };
            assert_eq!(lines, expected);
        }
    }

    #[test]
    fn reads_plain_and_gzip_files_with_line_numbers() {
        let directory = std::env::temp_dir().join(format!("utm-framing-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let plain = directory.join("a.log");
        std::fs::write(&plain, b"one\r\ntwo\n\nthree").unwrap();
        let gzip = directory.join("a.log.gz");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"one\r\ntwo\n\nthree").unwrap();
        std::fs::write(&gzip, encoder.finish().unwrap()).unwrap();
        for path in [plain, gzip] {
            let lines: Vec<Line> = LineReader::open(&path).unwrap().map(Result::unwrap).collect();
            let got: Vec<(u64, &[u8])> = lines.iter().map(|line| (line.number, &line.bytes[..])).collect();
            assert_eq!(got, [(1, &b"one"[..]), (2, b"two"), (3, b""), (4, b"three")]);
        }
        std::fs::remove_dir_all(&directory).unwrap();
    }
}

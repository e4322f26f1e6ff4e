//! UTM and firewall logs for the Tokyo SME cybersecurity programme: transport framing, vendor
//! detection and parsing, and normalisation into one [`Event`] shape with a report
//! [`Category`], an [`Action`] and a [`Kind`].
//!
//! This crate is pure: no I/O besides reading the files handed to [`run_parse`], no storage, no
//! network, no global state. It must never panic on input; a line that cannot be understood
//! becomes an [`Unparsed`] value with a reason.
//!
//! Entry points:
//! - [`parse_line`] for a payload without a syslog header (vendor given or auto-detected);
//! - [`parse_syslog_line`] which removes an RFC 3164/5424/`<PRI>` header first and uses its time
//!   and hostname when the payload has none;
//! - [`framing`] for TCP octet-counting and gzip/plain file reading;
//! - [`run_parse`] / [`run_parse_with`] for the `kojo utm parse` command, whose output lines
//!   (Kojo JSON or ECS) are written by [`output`];
//! - [`rollup::Rollup`] for the per-device, per-day counts of the monthly report;
//! - [`generate::Generator`] for realistic FortiGate logs in any volume (benchmarks, tests).
//!
//! Hot path: FortiGate `key=value` lines are split into borrowed slices (bit masks of `=`,
//! separators and quotes per 64-byte block); no regex and no per-field allocation. Output
//! lines are written into a reused buffer without building any intermediate value; for a
//! native FortiGate line [`run_parse_with`] reads the fields in place and writes Kojo's JSON
//! record straight from them, without the [`Event`] (the same bytes as the event path). [`rollup::Rollup::add_line`] reads a native FortiGate line only
//! as far as its counts depend on it, and builds no [`Event`] for it.

pub mod catalogue;
pub mod cli;
pub mod event;
pub mod framing;
pub mod generate;
mod json;
mod kv;
pub mod output;
pub mod rollup;
mod time;
mod vendor;

pub use catalogue::IntakeCounts;
pub use cli::{ParseOptions, ParseSummary, run_parse, run_parse_with};
pub use event::{Action, Category, Event, Kind, OwnedEvent, Severity, Unparsed, UnparsedReason, Vendor};
pub use output::Format;
pub use time::DEFAULT_OFFSET_SECONDS;
pub use vendor::detect;

use std::borrow::Cow;

/// Parses one log payload (no syslog header). `vendor: None` auto-detects.
///
/// Invalid UTF-8 is tolerated by parsing the valid prefix: vendors send UTF-8, and a broken
/// byte almost always comes from a truncated datagram, which is the "missing tail" case.
pub fn parse_line(line: &[u8], vendor: Option<Vendor>) -> Result<Event<'_>, Unparsed> {
    vendor::parse_payload(utf8_prefix(framing::trim_line(line)), vendor)
}

/// Parses one line that may start with a syslog header. Header time and hostname fill in the
/// event's time and device when the payload carries none.
pub fn parse_syslog_line(line: &[u8], vendor: Option<Vendor>) -> Result<Event<'_>, Unparsed> {
    let trimmed = framing::trim_line(line);
    // A native FortiGate record stored without a header (`date=… time=… devname=…`): no header
    // layout starts with these keys, so the header parser has nothing to find.
    if vendor::starts_like_fortigate(trimmed) {
        return vendor::parse_payload(utf8_prefix(trimmed), vendor);
    }
    let message = framing::parse_syslog(line);
    let payload = utf8_prefix(message.payload);
    let mut event = match vendor::parse_payload(payload, vendor) {
        Ok(event) => event,
        // The header heuristics can mistake a payload's own leading words for a header; retry
        // with the raw line before giving up.
        Err(error) if message.format != framing::SyslogFormat::None => {
            match vendor::parse_payload(utf8_prefix(framing::trim_line(line)), vendor) {
                Ok(event) => return Ok(event),
                Err(_) => return Err(error),
            }
        }
        Err(error) => return Err(error),
    };
    if event.time.is_none() {
        event.time = message.time;
        event.utc_offset_seconds = message.utc_offset_seconds;
        event.time_zone_assumed = message.time_zone_assumed;
    }
    if event.device.is_none() {
        event.device = message.hostname.map(Cow::Borrowed);
    }
    if event.severity.is_none() {
        event.severity = message.severity().map(Severity::from_syslog);
    }
    Ok(event)
}

/// [`parse_syslog_line`] reduced to what a roll-up counts, for the lines where that can be done
/// without building the [`Event`]: native FortiGate records without a header. `None` for any
/// other line, which must be parsed in full.
pub(crate) fn tally_syslog_line(line: &[u8]) -> Option<Result<rollup::Tally<'_>, Unparsed>> {
    let trimmed = framing::trim_line(line);
    if !vendor::starts_like_fortigate(trimmed) {
        return None;
    }
    vendor::tally_payload(utf8_prefix(trimmed))
}

/// The payload of a line that [`parse_syslog_line`] with `vendor` hands to the native FortiGate
/// parser unchanged, provided (when the second value is `true`) that it has `logid=` in its
/// first 256 bytes ([`vendor::is_native_fortigate`]); `None` for a line that never goes there.
pub(crate) fn fortigate_candidate(line: &[u8], vendor: Option<Vendor>) -> Option<(&str, bool)> {
    let trimmed = framing::trim_line(line);
    if !vendor::starts_like_fortigate(trimmed) {
        return None;
    }
    // What `parse_payload` then does: a blank payload is refused first (a payload that starts
    // like FortiGate never is), detection answers FortiGate for a native record, and a forced
    // FortiGate takes any payload that starts like one. The payload has no leading space.
    let text = utf8_prefix(trimmed);
    match vendor {
        None => Some((text, true)),
        Some(Vendor::Fortigate) => Some((text, false)),
        Some(_) => None,
    }
}

fn utf8_prefix(bytes: &[u8]) -> &str {
    match as_str(bytes) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or(""),
    }
}

/// `std::str::from_utf8`, quicker for the usual ASCII line.
pub(crate) fn as_str(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    if is_ascii(bytes) {
        // SAFETY: every byte is below 0x80, and a string of ASCII bytes is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes)
}

/// Whether every byte is ASCII. Log lines almost always are, and this check, 64 bytes per
/// step, costs a fraction of the full UTF-8 validation it then saves on every line.
#[cfg(target_arch = "x86_64")]
fn is_ascii(bytes: &[u8]) -> bool {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128};
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected on this CPU (std caches the answer).
        return unsafe { is_ascii_avx2(bytes) };
    }
    let mut blocks = bytes.chunks_exact(64);
    for block in &mut blocks {
        // SAFETY: SSE2 is part of the x86_64 baseline, and the four unaligned 16-byte loads
        // (at 0, 16, 32 and 48) stay inside the 64-byte block.
        let high_bits = unsafe {
            let at = |offset: usize| _mm_loadu_si128(block.as_ptr().add(offset).cast::<__m128i>());
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(at(0), at(16)), _mm_or_si128(at(32), at(48))))
        };
        if high_bits != 0 {
            return false;
        }
    }
    blocks.remainder().is_ascii()
}

/// [`is_ascii`] 128 bytes per step, then 32.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn is_ascii_avx2(bytes: &[u8]) -> bool {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256};
    let mut blocks = bytes.chunks_exact(128);
    for block in &mut blocks {
        // SAFETY: the four unaligned 32-byte loads (at 0, 32, 64 and 96) stay inside the
        // 128-byte block.
        let high_bits = unsafe {
            let at = |offset: usize| _mm256_loadu_si256(block.as_ptr().add(offset).cast::<__m256i>());
            _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(at(0), at(32)), _mm256_or_si256(at(64), at(96))))
        };
        if high_bits != 0 {
            return false;
        }
    }
    let mut words = blocks.remainder().chunks_exact(32);
    for word in &mut words {
        // SAFETY: the unaligned 32-byte load reads exactly the 32-byte chunk.
        if unsafe { _mm256_movemask_epi8(_mm256_loadu_si256(word.as_ptr().cast::<__m256i>())) } != 0 {
            return false;
        }
    }
    words.remainder().is_ascii()
}

#[cfg(not(target_arch = "x86_64"))]
fn is_ascii(bytes: &[u8]) -> bool {
    bytes.is_ascii()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_check_agrees_with_std() {
        let mut text: Vec<u8> = (0..300u32).map(|index| b'a' + (index % 26) as u8).collect();
        for length in [0, 1, 63, 64, 65, 127, 128, 200, 300] {
            assert!(super::is_ascii(&text[..length]));
            for at in 0..length {
                let kept = text[at];
                text[at] = 0x80 | kept;
                assert!(!super::is_ascii(&text[..length]), "{length} {at}");
                text[at] = kept;
            }
        }
        assert_eq!(super::utf8_prefix("東京 ok".as_bytes()), "東京 ok");
        assert_eq!(super::utf8_prefix(b"ok \xe6\x9d"), "ok ");
    }
}

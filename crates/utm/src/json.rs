//! A small JSON writer for the full-event path: values are appended to a reused `Vec<u8>` with
//! no allocation per field (strings are escaped in place, numbers, addresses and RFC 3339 times
//! are formatted by hand). Its output is byte for byte what `serde_json` writes for the same
//! values (checked by the tests below), so consumers see no difference.
//!
//! This module knows JSON only; which fields an output line has is [`crate::output`]'s concern.

use std::io::Write;
use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, Utc};

/// Appends `text` as a JSON string (quotes included), escaping as `serde_json` does: `"`, `\`,
/// the short forms `\b \f \n \r \t`, and `\u00XX` for other control characters.
///
/// Sixteen bytes at a time: a block with nothing to escape is appended as one copy of fixed
/// length; in one that has, the bytes before the first escape are appended (a fixed-length
/// copy, cut back), then the escape, and the scan goes on right after it. A raw FortiGate line (ECS
/// `event.original`) has a quote every few dozen bytes, so no copy of variable length (a
/// call) is made per run of plain bytes. The last few bytes go one at a time.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut index = 0;
    while let Some(block) = bytes.get(index..index + 16).and_then(|block| <&[u8; 16]>::try_from(block).ok()) {
        let mask = escape_bits(block);
        if mask == 0 {
            out.extend_from_slice(block);
            index += 16;
            continue;
        }
        let at = mask.trailing_zeros() as usize;
        extend_prefix(out, block, at);
        escape(out, block[at]);
        index += at + 1;
    }
    for byte in &bytes[index..] {
        if ESCAPE[usize::from(*byte)] == 0 {
            out.push(*byte);
        } else {
            escape(out, *byte);
        }
    }
    out.push(b'"');
}

/// Appends the escape of a byte that [`ESCAPE`] flags.
#[inline]
fn escape(out: &mut Vec<u8>, byte: u8) {
    match ESCAPE[usize::from(byte)] {
        b'u' => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        }
        short => out.extend_from_slice(&[b'\\', short]),
    }
}

/// One bit per byte of `block` that needs escaping (bit i for byte i): a control character,
/// `"` or `\`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn escape_bits(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline, and the unaligned 16-byte load reads exactly
    // the 16-byte array.
    unsafe {
        let data = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let quote = _mm_cmpeq_epi8(data, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(data, _mm_set1_epi8(b'\\' as i8));
        // Below 0x20 (unsigned): the byte is its own minimum with 0x1f.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(data, _mm_set1_epi8(0x1f)), data);
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
    }
}

/// One bit per byte of `block` that needs escaping (bit i for byte i).
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn escape_bits(block: &[u8; 16]) -> u32 {
    block.iter().enumerate().fold(0, |mask, (index, byte)| mask | (u32::from(ESCAPE[usize::from(*byte)] != 0) << index))
}

/// Per byte: 0 when written as is, else the escape letter (`u` for `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends the first `length` bytes of `buffer`. The whole fixed-size buffer is copied (a few
/// register moves) and the rest cut off again, which is cheaper than a copy of variable length
/// for the short values written here.
#[inline(always)]
fn extend_prefix<const N: usize>(out: &mut Vec<u8>, buffer: &[u8; N], length: usize) {
    let start = out.len();
    out.extend_from_slice(buffer);
    out.truncate(start + length);
}

/// Appends an unsigned integer (two digits per step, from a table).
pub(crate) fn unsigned(out: &mut Vec<u8>, value: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    if value < 10 {
        out.push(b'0' + value as u8);
        return;
    }
    let length = value.ilog10() as usize + 1;
    let mut digits = [0u8; 20];
    let mut end = length;
    let mut rest = value;
    while rest >= 100 {
        let pair = (rest % 100) as usize * 2;
        rest /= 100;
        end -= 2;
        digits[end..end + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if rest >= 10 {
        let pair = rest as usize * 2;
        digits[..2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        digits[0] = b'0' + rest as u8;
    }
    extend_prefix(out, &digits, length);
}

/// [`unsigned`] for numbers written one after another, mostly each one more than the last
/// (line numbers): the digits are kept, and incremented in place.
pub(crate) struct Counter {
    value: u64,
    digits: [u8; 20],
    length: usize,
}

impl Default for Counter {
    fn default() -> Counter {
        Counter::new()
    }
}

impl Counter {
    pub(crate) fn new() -> Counter {
        let mut digits = [0; 20];
        digits[0] = b'0';
        Counter { value: 0, digits, length: 1 }
    }

    /// Appends `value` as [`unsigned`] does.
    #[inline]
    pub(crate) fn write(&mut self, out: &mut Vec<u8>, value: u64) {
        if self.value.checked_add(1) != Some(value) || !self.increment() {
            self.set(value);
        }
        self.value = value;
        extend_prefix(out, &self.digits, self.length);
    }

    /// Adds one to the digits; `false` (the digits then spoilt) when they are all nines.
    #[inline]
    fn increment(&mut self) -> bool {
        for digit in self.digits[..self.length].iter_mut().rev() {
            if *digit == b'9' {
                *digit = b'0';
            } else {
                *digit += 1;
                return true;
            }
        }
        false
    }

    fn set(&mut self, value: u64) {
        let mut text = Vec::with_capacity(20);
        unsigned(&mut text, value);
        self.length = text.len();
        self.digits[..text.len()].copy_from_slice(&text);
    }
}

/// Appends a signed integer.
pub(crate) fn signed(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    unsigned(out, value.unsigned_abs());
}

/// Appends an address as a JSON string (`"192.0.2.1"`, `"2001:db8::1"`).
pub(crate) fn ip(out: &mut Vec<u8>, address: IpAddr) {
    match address {
        IpAddr::V4(address) => {
            // Each octet's digits are copied as three bytes from a table and the position moves
            // by its length: one copy into the output for the whole address.
            let mut text = [0u8; 20];
            text[0] = b'"';
            let mut at = 1;
            for (index, octet) in address.octets().into_iter().enumerate() {
                if index > 0 {
                    text[at] = b'.';
                    at += 1;
                }
                let (digits, length) = OCTETS[usize::from(octet)];
                text[at..at + 3].copy_from_slice(&digits);
                at += usize::from(length);
            }
            text[at] = b'"';
            extend_prefix(out, &text, at + 1);
        }
        // Rare, and its canonical text (zero compression) is best left to the standard library.
        IpAddr::V6(address) => {
            let _ = write!(out, "\"{address}\"");
        }
    }
}

/// The decimal digits of every octet value, left-aligned, with their count.
static OCTETS: [([u8; 3], u8); 256] = {
    let mut table = [([0u8; 3], 0u8); 256];
    let mut value = 0;
    while value < 256 {
        let (hundreds, tens, ones) = ((value / 100) as u8, (value / 10 % 10) as u8, (value % 10) as u8);
        table[value] = if value >= 100 {
            ([b'0' + hundreds, b'0' + tens, b'0' + ones], 3)
        } else if value >= 10 {
            ([b'0' + tens, b'0' + ones, 0], 2)
        } else {
            ([b'0' + ones, 0, 0], 1)
        };
        value += 1;
    }
    table
};

/// Appends a UTC time as an RFC 3339 JSON string with a `Z`, showing as many sub-second digits
/// as are not zero (3, 6 or 9), as `chrono`'s `SecondsFormat::AutoSi` does.
pub(crate) fn rfc3339(out: &mut Vec<u8>, time: DateTime<Utc>) {
    let seconds = time.timestamp();
    let nanos = time.timestamp_subsec_nanos();
    let days = seconds.div_euclid(86_400);
    match date_text(days) {
        // Outside four-digit years, or a leap second: chrono's own formatting.
        Some(date) if nanos < 1_000_000_000 => time_text(out, &date, seconds.rem_euclid(86_400), nanos),
        _ => {
            out.push(b'"');
            out.extend_from_slice(time.to_rfc3339_opts(SecondsFormat::AutoSi, true).as_bytes());
            out.push(b'"');
        }
    }
}

/// [`rfc3339`] for times given as seconds and nanoseconds since the epoch, one after another:
/// the date of the last day written is kept, so that the next time on the same day (nearly
/// every line of a log) is written without the calendar.
pub(crate) struct Clock {
    /// Days since the epoch of `date`; `i64::MIN` before the first.
    day: i64,
    date: [u8; 12],
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::new()
    }
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock { day: i64::MIN, date: [0; 12] }
    }

    /// Appends `DateTime::from_timestamp(seconds, nanos)` as [`rfc3339`] writes it and returns
    /// `true`, or writes nothing and returns `false` when there is no such time.
    #[inline]
    pub(crate) fn write(&mut self, out: &mut Vec<u8>, seconds: i64, nanos: u32) -> bool {
        let day = seconds.div_euclid(86_400);
        // Every second of a day that has been written is a valid time (chrono's range is
        // whole days), and so is any nanosecond below one second.
        if day != self.day || nanos >= 1_000_000_000 {
            let Some(time) = DateTime::from_timestamp(seconds, nanos) else {
                return false;
            };
            match date_text(day) {
                Some(date) if nanos < 1_000_000_000 => {
                    self.day = day;
                    self.date = date;
                }
                _ => {
                    rfc3339(out, time);
                    return true;
                }
            }
        }
        time_text(out, &self.date, seconds.rem_euclid(86_400), nanos);
        true
    }
}

/// `"YYYY-MM-DDT` of a day since the epoch, for four-digit years only.
fn date_text(days: i64) -> Option<[u8; 12]> {
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut text = [0u8; 12];
    let year = year as u32;
    text[0] = b'"';
    two_digits(&mut text[1..3], year / 100);
    two_digits(&mut text[3..5], year % 100);
    text[5] = b'-';
    two_digits(&mut text[6..8], month);
    text[8] = b'-';
    two_digits(&mut text[9..11], day);
    text[11] = b'T';
    Some(text)
}

fn two_digits(slot: &mut [u8], value: u32) {
    slot[0] = b'0' + (value / 10) as u8;
    slot[1] = b'0' + (value % 10) as u8;
}

/// Appends `date` (from [`date_text`]) and the time of day (`of_day` seconds, `nanos` below
/// one second), closing the string with `Z"`.
#[inline]
fn time_text(out: &mut Vec<u8>, date: &[u8; 12], of_day: i64, nanos: u32) {
    let mut text = [0u8; 32];
    text[..12].copy_from_slice(date);
    let of_day = of_day as u32;
    two_digits(&mut text[12..14], of_day / 3600);
    text[14] = b':';
    two_digits(&mut text[15..17], of_day / 60 % 60);
    text[17] = b':';
    two_digits(&mut text[18..20], of_day % 60);
    let mut length = 20;
    if nanos != 0 {
        let (value, digits) = if nanos.is_multiple_of(1_000_000) {
            (nanos / 1_000_000, 3)
        } else if nanos.is_multiple_of(1_000) {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        text[length] = b'.';
        let mut rest = value;
        for position in (0..digits).rev() {
            text[length + 1 + position] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        length += 1 + digits;
    }
    text[length] = b'Z';
    text[length + 1] = b'"';
    extend_prefix(out, &text, length + 2);
}

/// Appends a UTC offset in seconds as `"+09:00"` (ECS `event.timezone`).
pub(crate) fn offset(out: &mut Vec<u8>, seconds: i32) {
    let sign = if seconds < 0 { b'-' } else { b'+' };
    let minutes = seconds.unsigned_abs() / 60;
    let (hours, minutes) = (minutes / 60, minutes % 60);
    out.extend_from_slice(&[
        b'"',
        sign,
        b'0' + (hours / 10 % 10) as u8,
        b'0' + (hours % 10) as u8,
        b':',
        b'0' + (minutes / 10) as u8,
        b'0' + (minutes % 10) as u8,
        b'"',
    ]);
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_serde(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_does() {
        let mut samples: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "quote \" and backslash \\ in the middle of a longer value".into(),
            "東京都千代田区の中小企業 \"見積\"\t".into(),
            "\u{0}\u{1}\u{7}\u{8}\u{b}\u{c}\r\n\u{1f}\u{7f}end".into(),
            "12345678\"12345678\\12345678\n".into(),
            "date=2024-05-01 time=10:15:30 devid=\"FGT60F0001\" msg=\"C:\\\\Windows\\\\x.exe\"".into(),
        ];
        for byte in 0u8..=127 {
            samples.push(format!("abcdefg{}hijklmnopq", byte as char));
            samples.push(format!("abcdefghijklmnopqrstuvwxy{}z0123456789", byte as char));
        }
        // Escapes at every place of a block and of the tail, plain runs of every length.
        for length in 0..50 {
            let plain = "x".repeat(length);
            samples.push(format!("{plain}\""));
            samples.push(format!("\n{plain}"));
            samples.push(format!("{plain}é\u{1}{plain}\\"));
            samples.push(plain);
        }
        samples.push(
            r#"date=2025-06-02 time=00:00:00 devname="FG60F-Sakura-Kogyo" devid="FGT60FTK21044964" eventtime=1748790000110693008 tz="+0900" logid="0000000013" type="traffic" msg="C:\\x""#.into(),
        );
        for sample in &samples {
            let mut out = Vec::new();
            string(&mut out, sample);
            assert_eq!(String::from_utf8(out).unwrap(), as_serde(sample), "{sample:?}");
        }
    }

    #[test]
    fn numbers_and_addresses_match_serde_json() {
        for value in [0u64, 7, 10, 99, 100, 65_535, 1_343_116, u64::MAX] {
            let mut out = Vec::new();
            unsigned(&mut out, value);
            assert_eq!(out, serde_json::to_vec(&value).unwrap());
        }
        for value in [0i64, -1, 32_400, -25_200, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            signed(&mut out, value);
            assert_eq!(out, serde_json::to_vec(&value).unwrap());
        }
        for text in ["0.0.0.0", "192.168.1.10", "255.255.255.255", "2001:db8::1", "::ffff:10.0.0.1", "fe80::1"] {
            let address: IpAddr = text.parse().unwrap();
            let mut out = Vec::new();
            ip(&mut out, address);
            assert_eq!(out, serde_json::to_vec(&address).unwrap());
        }
    }

    #[test]
    fn times_match_chrono_auto_si() {
        let mut instants = vec![0i64, 1, 86_399, 86_400, 951_782_400, 1_714_526_130, 4_102_444_800, -1, -86_401];
        // Every day boundary across leap years and centuries.
        instants.extend((-800_000..800_000).step_by(997).map(|day: i64| day * 86_400 + 45_296));
        for seconds in instants {
            for nanos in [0u32, 1_000_000, 123_000_000, 123_456_000, 123_456_789, 999_999_999, 5] {
                let time = DateTime::from_timestamp(seconds, nanos).unwrap();
                let mut out = Vec::new();
                rfc3339(&mut out, time);
                let expected = format!("\"{}\"", time.to_rfc3339_opts(SecondsFormat::AutoSi, true));
                assert_eq!(String::from_utf8(out).unwrap(), expected, "{seconds} {nanos}");
            }
        }
    }

    #[test]
    fn counter_writes_what_unsigned_writes() {
        let mut counter = Counter::new();
        let mut values: Vec<u64> = (0..1200).collect();
        values.extend([9, 10, 99, 100, 999_999, 1_000_000, 5, 5, 4, u64::MAX - 1, u64::MAX, 0, 1, 2]);
        values.extend(9_999_990..10_000_010);
        for value in values {
            let mut out = Vec::new();
            counter.write(&mut out, value);
            let mut expected = Vec::new();
            unsigned(&mut expected, value);
            assert_eq!(out, expected, "{value}");
        }
    }

    #[test]
    fn clock_writes_what_rfc3339_writes() {
        let mut clock = Clock::new();
        let mut seconds: Vec<i64> = vec![0, 1, -1, 86_399, 86_400, 1_714_526_130, 253_402_300_799, 253_402_300_800];
        seconds.extend((0..3000).map(|step: i64| 1_748_790_000 + step * 97));
        seconds.extend([-62_167_219_201, -62_167_219_200, i64::MAX, i64::MIN, 8_210_266_876_799, 8_210_266_876_800]);
        seconds.extend((-400_000..400_000).step_by(9_973).map(|day: i64| day * 86_400 + 3_599));
        for (index, seconds) in seconds.into_iter().enumerate() {
            let nanos = [0u32, 110_693_008, 5_000_000, 123_456_000, 999_999_999, 1_000_000_000][index % 6];
            let mut out = Vec::new();
            let written = clock.write(&mut out, seconds, nanos);
            let expected = DateTime::from_timestamp(seconds, nanos).map(|time| {
                let mut text = Vec::new();
                rfc3339(&mut text, time);
                text
            });
            assert_eq!(written, expected.is_some(), "{seconds} {nanos}");
            assert_eq!(out, expected.unwrap_or_default(), "{seconds} {nanos}");
        }
    }

    #[test]
    fn offsets_are_written_as_ecs_timezones() {
        for (seconds, expected) in
            [(32_400, "\"+09:00\""), (0, "\"+00:00\""), (-25_200, "\"-07:00\""), (19_800, "\"+05:30\"")]
        {
            let mut out = Vec::new();
            offset(&mut out, seconds);
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }
}

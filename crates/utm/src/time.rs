//! Time parsing helpers shared by the vendor parsers: epoch numbers of unknown unit, calendar
//! dates in the few layouts firewalls use, and numeric UTC offsets.
//!
//! No allocation and no regex: these run on every line. This module must not guess a zone
//! itself; callers apply [`DEFAULT_OFFSET_SECONDS`] and record that they did.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Asia/Tokyo. Japan has had no daylight saving since 1951, so a fixed offset is exact.
pub const DEFAULT_OFFSET_SECONDS: i32 = 9 * 3600;

/// A resolved timestamp: the UTC instant, the offset when known, and whether it was assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub utc: DateTime<Utc>,
    pub offset: Option<i32>,
    pub assumed: bool,
}

/// Epoch time whose unit is inferred from the number of digits: ≤ 11 seconds, ≤ 14
/// milliseconds, ≤ 17 microseconds, else nanoseconds (FortiGate `eventtime` uses all four).
pub(crate) fn epoch_any_unit(text: &str) -> Option<DateTime<Utc>> {
    let (seconds, nanos) = epoch_parts(text)?;
    DateTime::from_timestamp(seconds, nanos)
}

/// [`epoch_any_unit`] before the calendar: whole seconds since the epoch and nanoseconds
/// (always below 1,000,000,000). `epoch_any_unit` is `None` exactly when this is, or when
/// `DateTime::from_timestamp` refuses the seconds.
#[inline]
pub(crate) fn epoch_parts(text: &str) -> Option<(i64, u32)> {
    let text = trim_ascii_spaces(text);
    let digits = text.len();
    let value = match digits {
        1..=19 => decimal_checked(text.as_bytes())?,
        // Only 20 digits can overflow.
        20 => {
            let (high, low) = text.as_bytes().split_at(10);
            decimal_checked(high)?.checked_mul(10_000_000_000)?.checked_add(decimal_checked(low)?)?
        }
        _ => return None,
    };
    let value = i64::try_from(value).ok()?;
    let (seconds, nanos) = match digits {
        0..=11 => (value, 0),
        12..=14 => (value / 1_000, value % 1_000 * 1_000_000),
        15..=17 => (value / 1_000_000, value % 1_000_000 * 1_000),
        _ => (value / 1_000_000_000, value % 1_000_000_000),
    };
    Some((seconds, u32::try_from(nanos).ok()?))
}

/// The value of at most 19 ASCII digits (which fits a `u64`), or `None` when a byte is not a
/// digit. The digits before the last multiple of eight are read one by one, then eight at a
/// time as one word (FortiGate's `eventtime` has 19 digits, on every line).
fn decimal_checked(digits: &[u8]) -> Option<u64> {
    debug_assert!(digits.len() <= 19);
    let (head, words) = digits.split_at(digits.len() % 8);
    let mut value = 0u64;
    for digit in head {
        let digit = digit.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u64::from(digit);
    }
    for word in words.chunks_exact(8) {
        value = value * 100_000_000 + eight_digits(word.try_into().ok()?)?;
    }
    Some(value)
}

/// The value of eight ASCII digits read as one little-endian word (SWAR: pairs, then fours,
/// then the eight are combined by shifts and multiplications), or `None` if one is not a digit.
fn eight_digits(bytes: [u8; 8]) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    let word = u64::from_le_bytes(bytes);
    // Every byte is 0x30..=0x3f, and adding 6 keeps it below 0x40: '0'..='9'. A byte that
    // fails the first test makes the result `None` whatever a carry does to the second.
    if word & HIGH_NIBBLES != ZEROS || word.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES != ZEROS {
        return None;
    }
    let mut value = word - ZEROS;
    value = (value * 10 + (value >> 8)) & 0x00ff_00ff_00ff_00ff;
    value = (value * 100 + (value >> 16)) & 0x0000_ffff_0000_ffff;
    value = (value * 10_000 + (value >> 32)) & 0x0000_0000_ffff_ffff;
    Some(value)
}

/// `str::trim` without the Unicode tables when, as almost always, there is nothing to trim.
pub(crate) fn trim_ascii_spaces(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if *first > b' ' && *last > b' ' => text,
        _ => text.trim(),
    }
}

/// `+0900`, `+09:00`, `-0700`, `+09`, `Z`, `UTC`, `GMT` → seconds east of UTC.
pub(crate) fn parse_offset(text: &str) -> Option<i32> {
    let text = trim_ascii_spaces(text);
    if text == "Z" || text.eq_ignore_ascii_case("UTC") || text.eq_ignore_ascii_case("GMT") {
        return Some(0);
    }
    let bytes = text.as_bytes();
    let sign = match bytes.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &text[1..];
    let (hours, minutes) = match rest.len() {
        2 => (rest, "00"),
        4 => (rest.get(..2)?, rest.get(2..)?),
        5 if rest.as_bytes()[2] == b':' => (rest.get(..2)?, rest.get(3..)?),
        _ => return None,
    };
    let hours: i32 = parse_digits(hours)?;
    let minutes: i32 = parse_digits(minutes)?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Turns a local wall-clock time into a [`Stamp`], assuming Tokyo when no offset is given.
pub(crate) fn local_to_stamp(local: NaiveDateTime, offset: Option<i32>) -> Option<Stamp> {
    let (seconds, assumed) = match offset {
        Some(seconds) => (seconds, false),
        None => (DEFAULT_OFFSET_SECONDS, true),
    };
    let utc = local.and_utc() - chrono::Duration::seconds(i64::from(seconds));
    Some(Stamp { utc, offset: Some(seconds), assumed })
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || !matches!(bytes[4], b'-' | b'/') || bytes[7] != bytes[4] {
        return None;
    }
    NaiveDate::from_ymd_opt(parse_digits(&text[..4])?, parse_digits(&text[5..7])?, parse_digits(&text[8..10])?)
}

/// `HH:MM:SS` with optional `.fraction`.
pub(crate) fn parse_clock(text: &str) -> Option<NaiveTime> {
    let bytes = text.as_bytes();
    if bytes.len() < 8 || bytes[2] != b':' || bytes[5] != b':' {
        return None;
    }
    // Bytes 2 and 5 are ASCII, so the hour and minute slices are on character boundaries; byte 8
    // and the ninth fractional digit may fall inside a multi-byte character.
    let hour = parse_digits(&text[..2])?;
    let minute = parse_digits(&text[3..5])?;
    let second = parse_digits(text.get(6..8)?)?;
    let mut nanos = 0u32;
    if let Some(fraction) = text.get(8..)?.strip_prefix('.') {
        let fraction = fraction.get(..fraction.len().min(9)).unwrap_or("");
        if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) {
            nanos = parse_digits::<u32>(fraction)? * 10u32.pow(9 - fraction.len() as u32);
        }
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// `YYYY-MM-DD HH:MM:SS` (either separator, `T` or space between).
pub(crate) fn parse_date_time(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    let date = parse_date(text.get(..10)?)?;
    let rest = text.get(11..)?;
    Some(date.and_time(parse_clock(rest)?))
}

/// RFC 3339 / ISO 8601 with an offset: `2025-03-12T11:03:06-0400`, `…+09:00`, `…Z`,
/// fractional seconds allowed. Without an offset, Tokyo is assumed.
pub(crate) fn parse_iso(text: &str) -> Option<Stamp> {
    let text = text.trim();
    let date = parse_date(text.get(..10)?)?;
    if !matches!(text.as_bytes().get(10), Some(b'T' | b' ')) {
        return None;
    }
    let rest = &text[11..];
    let zone_start = rest
        .char_indices()
        .skip(8)
        .find(|(_, c)| matches!(c, '+' | '-' | 'Z' | ' '))
        .map_or(rest.len(), |(index, _)| index);
    let clock = parse_clock(&rest[..zone_start])?;
    let zone = rest[zone_start..].trim();
    let offset = if zone.is_empty() { None } else { Some(parse_offset(zone)?) };
    local_to_stamp(date.and_time(clock), offset)
}

/// Three-letter English month name (case-insensitive) → 1–12.
pub(crate) fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let name = name.get(..3)?;
    MONTHS.iter().position(|month| month.eq_ignore_ascii_case(name)).map(|index| index as u32 + 1)
}

/// `Mmm dd yyyy HH:MM:SS` (CEF `rt`, LEEF `devTime`, ASA timestamps), optionally followed by a
/// zone such as `+0200` or `UTC`.
pub(crate) fn parse_month_day_year(text: &str) -> Option<Stamp> {
    let mut parts = text.split_ascii_whitespace();
    let month = month_number(parts.next()?)?;
    let day = parse_digits(parts.next()?)?;
    let year = parse_digits(parts.next()?)?;
    let clock = parse_clock(parts.next()?)?;
    let offset = match parts.next() {
        Some(zone) => parse_offset(zone),
        None => None,
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    local_to_stamp(date.and_time(clock), offset)
}

/// Parses a short all-digit string; rejects signs and spaces that `str::parse` would accept.
pub(crate) fn parse_digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("1587230269", "2020-04-18T17:17:49Z")]
    #[case("1587230269052", "2020-04-18T17:17:49.052Z")]
    #[case("1587230269052907", "2020-04-18T17:17:49.052907Z")]
    #[case("1587230269052907555", "2020-04-18T17:17:49.052907555Z")]
    fn epoch_units(#[case] text: &str, #[case] expected: &str) {
        let parsed = epoch_any_unit(text).unwrap();
        assert_eq!(parsed, DateTime::parse_from_rfc3339(expected).unwrap());
    }

    #[test]
    fn epoch_agrees_with_a_checked_parse() {
        let checked = |text: &str| {
            if text.len() > 20 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            let value: u64 = text.parse().ok()?;
            let value = i64::try_from(value).ok()?;
            let (seconds, nanos) = match text.len() {
                0..=11 => (value, 0),
                12..=14 => (value / 1_000, value % 1_000 * 1_000_000),
                15..=17 => (value / 1_000_000, value % 1_000_000 * 1_000),
                _ => (value / 1_000_000_000, value % 1_000_000_000),
            };
            DateTime::from_timestamp(seconds, u32::try_from(nanos).ok()?)
        };
        for text in [
            "0",
            "7",
            "000000000000000000001",
            "1748790000",
            "17487900001",
            "174879000012",
            "1748790000123456789",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "999999999999999999999",
            "12a4",
            "+123",
            "",
            "12345678",
            "123456789",
            "1748790000110693008",
            "174879000011069300/",
            "17487900001106930:8",
            "1748790000\u{7f}10693008",
            "17487900 0110693008",
            "00000000000000000000",
            "10000000000000000000",
        ] {
            assert_eq!(epoch_any_unit(text), checked(text), "{text}");
        }
    }

    #[test]
    fn eight_digits_agree_with_a_byte_loop() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..200_000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bytes = seed.to_le_bytes();
            // Mostly digits, sometimes a byte near or far from them.
            for (index, byte) in bytes.iter_mut().enumerate() {
                if round % 3 != 0 || index != (round as usize / 3) % 8 {
                    *byte = b'0' + *byte % 10;
                }
            }
            let expected = bytes
                .iter()
                .try_fold(0u64, |value, byte| byte.is_ascii_digit().then(|| value * 10 + u64::from(byte - b'0')));
            assert_eq!(eight_digits(bytes), expected, "{bytes:?}");
        }
    }

    #[rstest]
    #[case("+0900", Some(32400))]
    #[case("+09:00", Some(32400))]
    #[case("-0700", Some(-25200))]
    #[case("Z", Some(0))]
    #[case("+9", None)]
    #[case("JST", None)]
    fn offsets(#[case] text: &str, #[case] expected: Option<i32>) {
        assert_eq!(parse_offset(text), expected);
    }

    #[test]
    fn iso_with_compact_offset() {
        let stamp = parse_iso("2025-03-12T11:03:06-0400").unwrap();
        assert_eq!(stamp.utc.to_rfc3339(), "2025-03-12T15:03:06+00:00");
        assert_eq!(stamp.offset, Some(-14400));
        assert!(!stamp.assumed);
    }

    #[test]
    fn clock_with_multi_byte_text_is_rejected_not_sliced() {
        assert_eq!(parse_clock("10:00:0東京"), None);
        assert_eq!(parse_clock("10:00:00東"), NaiveTime::from_hms_opt(10, 0, 0));
        assert_eq!(parse_clock("10:00:00.12345678東"), NaiveTime::from_hms_opt(10, 0, 0));
        assert_eq!(parse_clock("10:00:00.5"), NaiveTime::from_hms_milli_opt(10, 0, 0, 500));
    }

    #[test]
    fn local_time_without_zone_assumes_tokyo() {
        let stamp = local_to_stamp(parse_date_time("2024-01-02 09:00:00").unwrap(), None).unwrap();
        assert_eq!(stamp.utc.to_rfc3339(), "2024-01-02T00:00:00+00:00");
        assert!(stamp.assumed);
    }
}

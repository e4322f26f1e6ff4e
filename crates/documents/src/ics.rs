//! Calendar invitations (RFC 5545 iCalendar, scheduled with the RFC 5546 methods) for a
//! briefing-seminar registration: `METHOD:REQUEST` when a seat is held or changed, and
//! `METHOD:CANCEL` when the registration is cancelled.
//!
//! The event is written in Tokyo time (`DTSTART;TZID=Asia/Tokyo:…`) with its own `VTIMEZONE`,
//! so a calendar shows the seminar at the time printed on the programme page whatever zone the
//! reader's device is set to. Japan has kept +09:00 all year since 1951, so one `STANDARD`
//! block describes Asia/Tokyo completely.
//!
//! Written by hand rather than with the `icalendar` crate (0.17): that crate cannot emit a
//! `VTIMEZONE` (its `lib.rs` lists it as a to-do), and its line folding measures the 75-octet
//! limit with byte offsets but checks for whitespace by character index, which goes wrong in
//! the Japanese text every invitation here carries. The format's rules that matter are few,
//! and each is tested: CRLF line ends, lines folded at 75 octets on a character boundary
//! (RFC 5545 §3.1), TEXT values escaped (§3.3.11), parameter values quoted when they contain
//! `;`, `:` or `,` (§3.2) with `"` and line breaks encoded per RFC 6868.
//!
//! Must not: read the clock (`DTSTAMP` is given) or decide the sequence number; the caller
//! keeps both with the registration.

use chrono::{DateTime, FixedOffset, Utc};

/// What the invitation asks of the attendee's calendar (RFC 5546 §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Add or update the event (a new registration, a change of time, place or mode).
    Request,
    /// Remove the event (the registration is cancelled). Send it with a `sequence` higher
    /// than the last request's.
    Cancel,
}

/// One registration's calendar entry.
#[derive(Clone)]
pub struct Invitation<'a> {
    pub method: Method,
    /// Stable for the registration's lifetime: every update and the cancellation carry the same
    /// UID, so calendars replace the entry instead of adding another. Something like
    /// `seminar-registration-<id>@<host>`.
    pub uid: &'a str,
    /// 0 for the first invitation; bumped for each change. A cancellation carries a higher
    /// sequence than the last request, or calendars ignore it.
    pub sequence: u32,
    /// When this version of the invitation was made (`DTSTAMP`).
    pub stamp: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    /// A link for the event (the online meeting's URL for online registrants), if any.
    pub url: Option<&'a str>,
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    pub attendee_name: &'a str,
    pub attendee_email: &'a str,
}

// Names, addresses and the meeting URL (which carries its passcode) stay out of logs.
impl std::fmt::Debug for Invitation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("method", &self.method)
            .field("uid", &self.uid)
            .field("sequence", &self.sequence)
            .field("starts_at", &self.starts_at)
            .finish_non_exhaustive()
    }
}

/// The invitation as an `.ics` file (`text/calendar; charset=UTF-8; method=REQUEST` or
/// `method=CANCEL`, matching [`Invitation::method`]): CRLF line ends, folded lines.
pub fn invitation(invitation: &Invitation<'_>) -> String {
    let (method, status) = match invitation.method {
        Method::Request => ("REQUEST", "CONFIRMED"),
        Method::Cancel => ("CANCEL", "CANCELLED"),
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!("PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN".to_string(),
        format!("METHOD:{method}"),
        "BEGIN:VTIMEZONE".to_string(),
        format!("TZID:{TZID}"),
        "BEGIN:STANDARD".to_string(),
        "DTSTART:19700101T000000".to_string(),
        "TZOFFSETFROM:+0900".to_string(),
        "TZOFFSETTO:+0900".to_string(),
        "TZNAME:JST".to_string(),
        "END:STANDARD".to_string(),
        "END:VTIMEZONE".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", text(invitation.uid)),
        format!("SEQUENCE:{}", invitation.sequence),
        format!("DTSTAMP:{}", invitation.stamp.format("%Y%m%dT%H%M%SZ")),
        format!("DTSTART;TZID={TZID}:{}", tokyo_local(invitation.starts_at)),
        format!("DTEND;TZID={TZID}:{}", tokyo_local(invitation.ends_at)),
        format!("SUMMARY:{}", text(invitation.summary)),
        format!("DESCRIPTION:{}", text(invitation.description)),
        format!("LOCATION:{}", text(invitation.location)),
    ];
    if let Some(url) = invitation.url {
        lines.push(format!("URL:{}", uri(url)));
    }
    lines.extend([
        format!("ORGANIZER;CN={}:mailto:{}", parameter(invitation.organizer_name), uri(invitation.organizer_email)),
        format!(
            "ATTENDEE;CN={};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:{}",
            parameter(invitation.attendee_name),
            uri(invitation.attendee_email)
        ),
        format!("STATUS:{status}"),
        "TRANSP:OPAQUE".to_string(),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ]);

    let mut out = String::new();
    for line in &lines {
        out.push_str(&fold(line));
        out.push_str("\r\n");
    }
    out
}

/// The product identifier (RFC 5545 §3.7.3).
const PRODID: &str = "-//Kojo//Seminar registration//JA";

/// The time zone every seminar is written in.
const TZID: &str = "Asia/Tokyo";

/// Japan Standard Time, +09:00 all year (no daylight saving since 1951).
fn tokyo() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// A local Tokyo date-time in the basic form (`20230906T140000`).
fn tokyo_local(at: DateTime<Utc>) -> String {
    at.with_timezone(&tokyo()).format("%Y%m%dT%H%M%S").to_string()
}

/// The longest content line, in octets, not counting the line break (RFC 5545 §3.1).
const LINE_OCTETS: usize = 75;

/// A content line folded as RFC 5545 §3.1 asks: no physical line longer than 75 octets (a
/// continuation's leading space counts), each continuation starting with one space, and never
/// inside a UTF-8 sequence. Lines are joined with CRLF; the last one has no line break.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / LINE_OCTETS * 3);
    let mut used = 0;
    for character in line.chars() {
        let width = character.len_utf8();
        if used + width > LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(character);
        used += width;
    }
    out
}

/// A TEXT value escaped as RFC 5545 §3.3.11 asks: backslash, semicolon and comma get a
/// backslash, and a line break (CRLF, LF or CR) becomes `\n`. Other control characters, which
/// TEXT may not hold, are dropped; a tab stays.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut characters = value.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                characters.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            control if control.is_control() => {}
            other => out.push(other),
        }
    }
    out
}

/// A parameter value (such as `CN`): quoted when it holds `;`, `:` or `,` (RFC 5545 §3.2), with
/// `^`, `"` and line breaks written as RFC 6868 asks (`^^`, `^'`, `^n`), since a quoted value
/// cannot hold a double quote. Other control characters are dropped.
fn parameter(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    let mut characters = value.chars().peekable();
    let mut quote = false;
    while let Some(character) = characters.next() {
        match character {
            '^' => encoded.push_str("^^"),
            '"' => encoded.push_str("^'"),
            '\r' => {
                characters.next_if_eq(&'\n');
                encoded.push_str("^n");
            }
            '\n' => encoded.push_str("^n"),
            control if control.is_control() => {}
            other => {
                quote |= matches!(other, ';' | ':' | ',');
                encoded.push(other);
            }
        }
    }
    if quote { format!("\"{encoded}\"") } else { encoded }
}

/// A URI or address value, which is not escaped: control characters (which would end the
/// line and start a property of someone else's choosing) are dropped. The caller hands over
/// validated addresses; this is only the last guard.
fn uri(value: &str) -> String {
    value.chars().filter(|character| !character.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::short("SUMMARY:説明会", "SUMMARY:説明会")]
    #[case::exactly_75_octets(&"A".repeat(75), &"A".repeat(75))]
    #[case::one_over(&"A".repeat(76), &format!("{}\r\n A", "A".repeat(75)))]
    #[case::continuation_counts_its_space(
        &"A".repeat(75 + 74 + 1),
        &format!("{}\r\n {}\r\n A", "A".repeat(75), "A".repeat(74))
    )]
    // 73 ASCII octets, then a 3-octet character that would end at octet 76: it moves whole to
    // the next line.
    #[case::three_octet_character_straddles(
        &format!("{}あい", "A".repeat(73)),
        &format!("{}\r\n あい", "A".repeat(73))
    )]
    // 72 + 3 = 75 exactly: the character fits.
    #[case::three_octet_character_fits(
        &format!("{}あい", "A".repeat(72)),
        &format!("{}あ\r\n い", "A".repeat(72))
    )]
    fn folds_at_75_octets_on_character_boundaries(#[case] line: &str, #[case] folded: &str) {
        assert_eq!(fold(line), folded);
    }

    #[test]
    fn folded_japanese_text_keeps_every_physical_line_within_75_octets() {
        let line = format!("DESCRIPTION:{}", "中小企業のサイバーセキュリティ対策説明会、".repeat(12));
        let folded = fold(&line);
        for physical in folded.split("\r\n") {
            assert!(physical.len() <= 75, "{} octets: {physical}", physical.len());
        }
        // Unfolding (removing CRLF + one space) gives the line back.
        assert_eq!(folded.replace("\r\n ", ""), line);
    }

    #[rstest]
    #[case::plain("説明会", "説明会")]
    #[case::backslash(r"C:\temp", r"C:\\temp")]
    #[case::semicolon_and_comma("会場; 東京, 新宿", r"会場\; 東京\, 新宿")]
    #[case::newlines("一行目\r\n二行目\n三行目\r四行目", r"一行目\n二行目\n三行目\n四行目")]
    #[case::colon_stays("時間: 14:00", "時間: 14:00")]
    #[case::control_dropped("a\u{7}b\tc", "ab\tc")]
    fn escapes_text_values(#[case] value: &str, #[case] escaped: &str) {
        assert_eq!(text(value), escaped);
    }

    #[rstest]
    #[case::plain("山田 太郎", "山田 太郎")]
    #[case::comma("Yamada, Taro", "\"Yamada, Taro\"")]
    #[case::colon_and_semicolon("事務局: 東京; 本部", "\"事務局: 東京; 本部\"")]
    #[case::double_quote_and_caret("\"Taro\" ^_^", "^'Taro^' ^^_^^")]
    #[case::newline("a\r\nb", "a^nb")]
    fn encodes_parameter_values(#[case] value: &str, #[case] encoded: &str) {
        assert_eq!(parameter(value), encoded);
    }

    #[test]
    fn uri_values_lose_line_breaks() {
        assert_eq!(
            uri("taro@example.jp\r\nATTENDEE:mailto:x@example.com"),
            "taro@example.jpATTENDEE:mailto:x@example.com"
        );
    }
}

//! Seminar invitations read back by parsers Kojo did not write: Python's `icalendar` package
//! (run when installed; on CI — `CI` set — its absence fails the test) and the Rust
//! `icalendar` crate's parser (always). Both must find the seminar at the right instant in UTC.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{DateTime, TimeZone, Utc};
use documents::ics::{Invitation, Method, invitation};

/// 令和5年9月6日 14:00–16:00 JST, i.e. 05:00–07:00 UTC.
fn sample(method: Method, sequence: u32) -> Invitation<'static> {
    Invitation {
        method,
        uid: "seminar-registration-0193f2a4-7c1e-7d5a-9b1e-2f0c3d4e5f60@kojo.example.jp",
        sequence,
        stamp: Utc.with_ymd_and_hms(2023, 8, 20, 1, 2, 3).unwrap(),
        starts_at: Utc.with_ymd_and_hms(2023, 9, 6, 5, 0, 0).unwrap(),
        ends_at: Utc.with_ymd_and_hms(2023, 9, 6, 7, 0, 0).unwrap(),
        summary: "中小企業サイバーセキュリティ対策支援事業 説明会（第1回）",
        description: "会場: 都庁第一本庁舎 5階\n持ち物: 受付番号 S-R5-000123; 名刺, 筆記用具\\ノート",
        location: "東京都新宿区西新宿2-8-1, 都庁第一本庁舎 5階 大会議室",
        url: Some("https://zoom.us/j/81234567890?pwd=abcDEF123"),
        organizer_name: "東京都 中小企業サイバーセキュリティ支援事業 運営事務局",
        organizer_email: "seminar@kojo.example.jp",
        attendee_name: "山田, 太郎",
        attendee_email: "taro.yamada@example.co.jp",
    }
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn the_file_is_crlf_folded_and_carries_the_tokyo_zone() {
    let ics = invitation(&sample(Method::Request, 0));
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'), "a bare LF");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    let unfolded = ics.replace("\r\n ", "");
    for expected in [
        "METHOD:REQUEST\r\n",
        "VERSION:2.0\r\n",
        "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\n",
        "TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\n",
        "DTSTART;TZID=Asia/Tokyo:20230906T140000\r\n",
        "DTEND;TZID=Asia/Tokyo:20230906T160000\r\n",
        "DTSTAMP:20230820T010203Z\r\n",
        "SEQUENCE:0\r\n",
        "STATUS:CONFIRMED\r\n",
        r"DESCRIPTION:会場: 都庁第一本庁舎 5階\n持ち物: 受付番号 S-R5-000123\; 名刺\, 筆記用具\\ノート",
        "ORGANIZER;CN=東京都 中小企業サイバーセキュリティ支援事業 運営事務局:mailto:seminar@kojo.example.jp\r\n",
        "ATTENDEE;CN=\"山田, 太郎\";",
        ":mailto:taro.yamada@example.co.jp\r\n",
    ] {
        assert!(unfolded.contains(expected), "missing {expected:?} in\n{unfolded}");
    }
    assert!(unfolded.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
}

#[test]
fn debug_output_leaves_out_people_and_the_meeting_url() {
    let debug = format!("{:?}", sample(Method::Request, 0));
    for secret in ["山田", "taro.yamada", "pwd=", "seminar@"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
}

#[test]
fn a_cancellation_says_so_with_the_same_uid() {
    let request = invitation(&sample(Method::Request, 0)).replace("\r\n ", "");
    let cancel = invitation(&sample(Method::Cancel, 1)).replace("\r\n ", "");
    assert!(cancel.contains("METHOD:CANCEL\r\n"));
    assert!(cancel.contains("STATUS:CANCELLED\r\n"));
    assert!(cancel.contains("SEQUENCE:1\r\n"));
    let uid = |ics: &str| ics.lines().find(|line| line.starts_with("UID:")).map(str::to_string);
    assert_eq!(uid(&request), uid(&cancel));
}

#[test]
fn the_icalendar_crate_reads_the_same_event() {
    use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime, EventLike};

    let sample = sample(Method::Request, 3);
    let ics = invitation(&sample);
    let calendar: Calendar = ics.parse().expect("the icalendar crate parses the invitation");
    assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
    let events: Vec<_> = calendar.components.iter().filter_map(CalendarComponent::as_event).collect();
    assert_eq!(events.len(), 1);
    let event = events[0];
    assert_eq!(event.get_uid(), Some(sample.uid));
    assert_eq!(event.get_sequence(), Some(3));
    assert_eq!(event.get_summary(), Some(sample.summary));
    assert_eq!(event.get_description(), Some(sample.description));
    assert_eq!(event.get_location(), Some(sample.location));
    let instant = |at: Option<DatePerhapsTime>| match at {
        Some(DatePerhapsTime::DateTime(at)) => at.try_into_utc().expect("a zoned time"),
        other => panic!("not a date-time: {other:?}"),
    };
    assert_eq!(instant(event.get_start()), sample.starts_at);
    assert_eq!(instant(event.get_end()), sample.ends_at);
}

#[test]
fn python_icalendar_reads_the_same_event() {
    let available = Command::new("python3").args(["-c", "import icalendar"]).output();
    if !matches!(&available, Ok(output) if output.status.success()) {
        let reason = "Python's icalendar package is missing (pip install icalendar)";
        if std::env::var_os("CI").is_some_and(|value| !value.is_empty()) {
            panic!("{reason}");
        }
        eprintln!("skipped: {reason}");
        return;
    }

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/ics_parse.py");
    for (method, sequence) in [(Method::Request, 0), (Method::Cancel, 1)] {
        let sample = sample(method, sequence);
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(invitation(&sample).as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "python: {}", String::from_utf8_lossy(&output.stderr));
        let read: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

        let (method_name, status) = match method {
            Method::Request => ("REQUEST", "CONFIRMED"),
            Method::Cancel => ("CANCEL", "CANCELLED"),
        };
        assert_eq!(read["method"], method_name);
        assert_eq!(read["status"], status);
        assert_eq!(read["version"], "2.0");
        assert_eq!(read["timezones"], serde_json::json!(["Asia/Tokyo"]));
        assert_eq!(read["uid"], sample.uid);
        assert_eq!(read["sequence"], sequence);
        assert_eq!(read["summary"], sample.summary);
        assert_eq!(read["description"], sample.description);
        assert_eq!(read["location"], sample.location);
        assert_eq!(read["start_tzid"], "Asia/Tokyo");
        assert_eq!(read["start_utc"], utc(sample.starts_at));
        assert_eq!(read["end_utc"], utc(sample.ends_at));
        assert_eq!(read["stamp_utc"], utc(sample.stamp));
        assert_eq!(read["organizer"], "mailto:seminar@kojo.example.jp");
        assert_eq!(read["organizer_cn"], sample.organizer_name);
        assert_eq!(read["attendee"], "mailto:taro.yamada@example.co.jp");
        assert_eq!(read["attendee_cn"], sample.attendee_name);
        assert_eq!(read["url"], sample.url.unwrap());
    }
}

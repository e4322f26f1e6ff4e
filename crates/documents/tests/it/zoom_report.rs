//! Zoom participant reports made here the way Zoom (and Excel after it) writes them: English
//! headings in UTF-8 with a byte-order mark, Japanese headings in UTF-8 and in Shift_JIS, with
//! and without the meeting summary block before the participants.

use chrono::{NaiveDate, NaiveDateTime};
use documents::zoom::{Participant, ZoomError, normalise_name, original_name, read_participants};
use encoding_rs::SHIFT_JIS;

fn at(y: i32, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(hh, mm, ss)
}

fn with_bom(text: &str) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
    assert!(!unmappable, "the test's text fits Shift_JIS");
    bytes.into_owned()
}

/// What every variant of the report below holds.
fn expected() -> Vec<Participant> {
    vec![
        Participant {
            name: "山田 太郎 (Taro Yamada)".into(),
            email: Some("taro.yamada@example.co.jp".into()),
            minutes: 118,
            joined_at: at(2023, 9, 6, 13, 58, 2),
            left_at: at(2023, 9, 6, 15, 55, 40),
        },
        Participant {
            name: "佐藤　花子".into(),
            email: None,
            minutes: 45,
            joined_at: at(2023, 9, 6, 14, 0, 15),
            left_at: at(2023, 9, 6, 14, 44, 59),
        },
        Participant {
            name: "Sato, Hanako".into(),
            email: None,
            minutes: 7,
            joined_at: at(2023, 9, 6, 15, 1, 0),
            left_at: at(2023, 9, 6, 15, 8, 30),
        },
    ]
}

const ENGLISH: &str = "\
Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,In Waiting Room\r
山田 太郎 (Taro Yamada),taro.yamada@example.co.jp,09/06/2023 01:58:02 PM,09/06/2023 03:55:40 PM,118,No,Y,No\r
佐藤　花子,,09/06/2023 02:00:15 PM,09/06/2023 02:44:59 PM,45,Yes,,No\r
\"Sato, Hanako\",,09/06/2023 03:01:00 PM,09/06/2023 03:08:30 PM,7,Yes,,No\r
";

const JAPANESE: &str = "\
名前（元の名前）,ユーザーメール,参加時刻,退出時刻,期間（分）,ゲスト,録画の同意,待機室内\r
山田 太郎 (Taro Yamada),taro.yamada@example.co.jp,2023/09/06 13:58:02,2023/09/06 15:55:40,118,いいえ,Y,いいえ\r
佐藤　花子,,2023/09/06 14:00:15,2023/09/06 14:44:59,45,はい,,いいえ\r
\"Sato, Hanako\",,2023/09/06 15:01:00,2023/09/06 15:08:30,7,はい,,いいえ\r
";

/// The meeting summary Zoom puts first when "export with meeting data" is ticked, then its
/// empty row (written as commas).
const ENGLISH_SUMMARY: &str = "\
Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\r
812 3456 7890,中小企業サイバーセキュリティ説明会,09/06/2023 01:55:00 PM,09/06/2023 04:01:00 PM,seminar@kojo.example.jp,126,3\r
,,,,,,\r
";

const JAPANESE_SUMMARY: &str = "\
ミーティングID,トピック,開始時刻,終了時刻,ユーザーメール,期間（分）,参加者\r
812 3456 7890,中小企業サイバーセキュリティ説明会,2023/09/06 13:55:00,2023/09/06 16:01:00,seminar@kojo.example.jp,126,3\r
\r
";

#[test]
fn reads_english_headings_in_utf8_with_bom() {
    assert_eq!(read_participants(&with_bom(ENGLISH)).unwrap(), expected());
}

#[test]
fn reads_english_headings_after_the_meeting_summary() {
    let file = with_bom(&format!("{ENGLISH_SUMMARY}{ENGLISH}"));
    assert_eq!(read_participants(&file).unwrap(), expected());
}

#[test]
fn reads_japanese_headings_in_utf8_with_and_without_bom() {
    assert_eq!(read_participants(&with_bom(JAPANESE)).unwrap(), expected());
    assert_eq!(read_participants(JAPANESE.as_bytes()).unwrap(), expected());
}

#[test]
fn reads_japanese_headings_in_shift_jis() {
    assert_eq!(read_participants(&shift_jis(JAPANESE)).unwrap(), expected());
    let file = shift_jis(&format!("{JAPANESE_SUMMARY}{JAPANESE}"));
    assert_eq!(read_participants(&file).unwrap(), expected());
}

#[test]
fn reads_older_and_unique_user_headings_with_lf_line_ends() {
    let file = "Participant,Email,Total Duration (Minutes),Guest\n山田 太郎,taro.yamada@example.co.jp,118,No\n\n";
    let read = read_participants(file.as_bytes()).unwrap();
    assert_eq!(
        read,
        vec![Participant {
            name: "山田 太郎".into(),
            email: Some("taro.yamada@example.co.jp".into()),
            minutes: 118,
            joined_at: None,
            left_at: None,
        }]
    );
}

#[test]
fn a_day_first_file_is_read_day_first() {
    let file = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n\
                A,,06/09/2023 14:00:00,06/09/2023 14:30:00,30\n\
                B,,13/09/2023 09:00:00,13/09/2023 09:10:00,10\n";
    let read = read_participants(file.as_bytes()).unwrap();
    assert_eq!(read[0].joined_at, at(2023, 9, 6, 14, 0, 0));
    assert_eq!(read[1].left_at, at(2023, 9, 13, 9, 10, 0));
}

#[test]
fn a_bad_duration_names_its_row() {
    let file = with_bom(&format!("{ENGLISH_SUMMARY}{}", ENGLISH.replace(",45,", ",45分,")));
    let error = read_participants(&file).unwrap_err();
    // Rows 1–3 are the summary, row 4 the headings: 佐藤 is row 6.
    assert_eq!(error, ZoomError::BadDuration { row: 6, value: "45分".into() });
    assert_eq!(error.to_string(), "6行目: 期間（分）の「45分」を数値として読み取れません。");
}

#[test]
fn a_file_without_participant_headings_is_refused() {
    assert_eq!(read_participants(ENGLISH_SUMMARY.as_bytes()).unwrap_err(), ZoomError::NoParticipantHeader);
    assert_eq!(read_participants(b"").unwrap_err(), ZoomError::NoParticipantHeader);
    let registrants = "氏名,メールアドレス,登録日時\n山田 太郎,taro@example.co.jp,2023/09/01 10:00\n";
    assert_eq!(read_participants(registrants.as_bytes()).unwrap_err(), ZoomError::NoParticipantHeader);
}

#[test]
fn bytes_that_are_neither_utf8_nor_shift_jis_are_refused() {
    // 0xFF starts no UTF-8 sequence and no Shift_JIS character; 0x85 0x40 is an unassigned
    // Shift_JIS row.
    let mut file = shift_jis(JAPANESE);
    file.extend_from_slice(b"\x85\x40,\xFF\xFF\r\n");
    let error = read_participants(&file).unwrap_err();
    assert_eq!(error, ZoomError::Undecodable);
    assert!(error.to_string().contains("文字コード"));
}

#[test]
fn names_from_the_report_match_names_as_registered() {
    let read = read_participants(&shift_jis(JAPANESE)).unwrap();
    assert_eq!(normalise_name(&read[0].name), normalise_name("山田　太郎"));
    assert_eq!(original_name(&read[0].name).as_deref(), Some("taroyamada"));
    assert_eq!(normalise_name(&read[1].name), normalise_name("佐藤 花子"));
    assert_eq!(normalise_name(&read[2].name), "sato,hanako");
}

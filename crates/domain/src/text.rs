//! Normalisation of typed input and the validated value types built from it.
//!
//! Owns what counts as a well-formed フリガナ, 郵便番号, 電話番号, メールアドレス and required
//! free text, and the messages (Japanese and English) shown when input is not. Every type here has
//! a private field and is built only by `parse`, so holding one means the value was checked.
//! It knows nothing about which form field a value came from: callers attach the field name.
//!
//! Normalisation is Unicode NFKC (全角 digits and letters become ASCII, 半角カナ becomes 全角),
//! then trimming and collapsing whitespace, so that the same address typed on different devices
//! compares equal.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Longest フリガナ accepted.
pub const KANA_MAX_CHARS: usize = 100;

/// Longest e-mail address accepted (RFC 5321 §4.5.3.1.3 path limit less the angle brackets).
pub const EMAIL_MAX_CHARS: usize = 254;

/// Longest local part of an e-mail address (RFC 5321 §4.5.3.1.1).
const EMAIL_LOCAL_MAX_CHARS: usize = 64;

/// Why a field's input was refused; carries the message in Japanese and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("入力してください")]
    Required,
    #[error("{max}文字以内で入力してください")]
    TooLong { max: usize },
    #[error("フリガナはカタカナで入力してください")]
    Kana,
    #[error("郵便番号は「163-8001」の形式（7桁）で入力してください")]
    PostalCode,
    #[error("電話番号は「03-1234-5678」のように数字とハイフンで入力してください")]
    PhoneNumber,
    #[error("メールアドレスの形式が正しくありません")]
    EmailAddress,
    #[error("使用できない制御文字が含まれています")]
    ControlCharacter,
}

/// A フリガナ in full-width katakana (hiragana is converted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Kana(String);

/// A Japanese postal code, stored as `NNN-NNNN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct PostalCode(String);

/// A Japanese phone number: 10 or 11 digits starting with 0, separators stored as `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct PhoneNumber(String);

/// An e-mail address with its domain lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct EmailAddress(String);

/// Normalised, non-empty text no longer than a given number of characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RequiredText(String);

/// NFKC, trimmed, each run of whitespace collapsed to one ASCII space.
pub fn normalize(input: &str) -> String {
    let nfkc: String = input.nfkc().collect();
    nfkc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// [`normalize`], then hiragana (ぁ–ゖ, ゝ, ゞ) to katakana.
pub fn to_katakana(input: &str) -> String {
    normalize(input)
        .chars()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => char::from_u32(u32::from(c) + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Whether `c` is one of the characters people type as a hyphen in numbers (ASCII hyphen-minus,
/// Unicode hyphens and dashes, minus sign, 長音符 ー, full-width and half-width forms).
pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FE63}' | '\u{FF0D}' | '\u{FF70}')
}

/// Whether typed text holds a control character other than tab and line breaks (those become
/// spaces or stay line breaks). Checked on the text as typed: NUL and the like have no place in
/// a name or a note, and break the documents (PDF, CSV) made from them later.
pub fn has_control(input: &str) -> bool {
    input.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Whether typed text has more than `max_chars` characters (Unicode scalar values) as typed,
/// before normalisation: the limit a form's `maxlength` and the API's `maxLength` state.
pub fn too_long(input: &str, max_chars: usize) -> bool {
    input.chars().count() > max_chars
}

/// Normalised non-empty text, typed with at most `max_chars` characters and no control character
/// but tab and line breaks.
pub fn required(input: &str, max_chars: usize) -> Result<String, FieldError> {
    if has_control(input) {
        return Err(FieldError::ControlCharacter);
    }
    if too_long(input, max_chars) {
        return Err(FieldError::TooLong { max: max_chars });
    }
    let text = normalize(input);
    if text.is_empty() {
        return Err(FieldError::Required);
    }
    Ok(text)
}

/// Like [`required`], but empty input is `Ok(None)`.
pub fn optional(input: &str, max_chars: usize) -> Result<Option<String>, FieldError> {
    match required(input, max_chars) {
        Ok(text) => Ok(Some(text)),
        Err(FieldError::Required) => Ok(None),
        Err(error) => Err(error),
    }
}

impl FieldError {
    pub fn message_ja(&self) -> String {
        self.to_string()
    }

    pub fn message_en(&self) -> String {
        match self {
            FieldError::Required => "This field is required.".to_owned(),
            FieldError::TooLong { max } => format!("Enter at most {max} characters."),
            FieldError::Kana => "Enter the reading in katakana.".to_owned(),
            FieldError::PostalCode => "Enter the postal code as 7 digits, for example 163-8001.".to_owned(),
            FieldError::PhoneNumber => {
                "Enter the phone number in digits and hyphens, for example 03-1234-5678.".to_owned()
            }
            FieldError::EmailAddress => "The e-mail address is not valid.".to_owned(),
            FieldError::ControlCharacter => "The text contains control characters.".to_owned(),
        }
    }
}

impl Kana {
    /// Katakana (U+30A1–U+30FA), ー, ・ and spaces, at most [`KANA_MAX_CHARS`].
    pub fn parse(input: &str) -> Result<Kana, FieldError> {
        let kana = to_katakana(input);
        if kana.is_empty() {
            return Err(FieldError::Required);
        }
        if !kana.chars().all(|c| matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | ' ')) {
            return Err(FieldError::Kana);
        }
        if kana.chars().count() > KANA_MAX_CHARS {
            return Err(FieldError::TooLong { max: KANA_MAX_CHARS });
        }
        Ok(Kana(kana))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PostalCode {
    /// `1638001`, `163-8001`, `〒163-8001`, `１６３－８００１`.
    pub fn parse(input: &str) -> Result<PostalCode, FieldError> {
        let text = normalize(input);
        if text.is_empty() {
            return Err(FieldError::Required);
        }
        let text: String =
            text.strip_prefix('〒').unwrap_or(&text).trim().chars().map(|c| if is_dash(c) { '-' } else { c }).collect();
        let digits = text.replacen('-', "", 1);
        let hyphen_in_place = !text.contains('-') || text.find('-') == Some(3);
        if digits.len() != 7 || !digits.bytes().all(|byte| byte.is_ascii_digit()) || !hyphen_in_place {
            return Err(FieldError::PostalCode);
        }
        Ok(PostalCode(format!("{}-{}", &digits[..3], &digits[3..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PhoneNumber {
    /// Digits with `-`, spaces or parentheses between groups; `+81` becomes a leading 0.
    pub fn parse(input: &str) -> Result<PhoneNumber, FieldError> {
        let text = normalize(input);
        if text.is_empty() {
            return Err(FieldError::Required);
        }
        let (rest, international) = match text.strip_prefix("+81") {
            Some(rest) => (rest, true),
            None => (text.as_str(), false),
        };
        let mut groups: Vec<String> = vec![String::new()];
        for c in rest.chars() {
            if c.is_ascii_digit() {
                groups.last_mut().expect("never empty").push(c);
            } else if is_dash(c) || matches!(c, '(' | ')' | ' ') {
                if !groups.last().expect("never empty").is_empty() {
                    groups.push(String::new());
                }
            } else {
                return Err(FieldError::PhoneNumber);
            }
        }
        groups.retain(|group| !group.is_empty());
        if international {
            // `+81 (0)3 …`: the trunk prefix in parentheses is dropped, then restored below.
            if groups.first().is_some_and(|group| group == "0") {
                groups.remove(0);
            }
            match groups.first_mut() {
                Some(first) if !first.starts_with('0') => first.insert(0, '0'),
                Some(_) => {}
                None => return Err(FieldError::PhoneNumber),
            }
        }
        let digits: String = groups.concat();
        // 10 digits for fixed lines and 0120, 11 for mobile, IP (050) and 0800 numbers.
        let valid = matches!(digits.len(), 10 | 11) && digits.starts_with('0') && !digits.starts_with("00");
        if !valid {
            return Err(FieldError::PhoneNumber);
        }
        Ok(PhoneNumber(groups.join("-")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number without separators, e.g. for a `tel:` link.
    pub fn digits(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }
}

impl EmailAddress {
    /// A practical subset of RFC 5322 `addr-spec`: dot-atom local part, host-name domain.
    pub fn parse(input: &str) -> Result<EmailAddress, FieldError> {
        let text = normalize(input);
        if text.is_empty() {
            return Err(FieldError::Required);
        }
        if text.chars().count() > EMAIL_MAX_CHARS {
            return Err(FieldError::EmailAddress);
        }
        let (local, domain) = text.split_once('@').ok_or(FieldError::EmailAddress)?;
        if !is_dot_atom(local) || local.len() > EMAIL_LOCAL_MAX_CHARS || !is_host_name(domain) {
            return Err(FieldError::EmailAddress);
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`, lowercased.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl RequiredText {
    /// Normalised, non-empty, at most `max_chars` characters.
    pub fn parse(input: &str, max_chars: usize) -> Result<RequiredText, FieldError> {
        required(input, max_chars).map(RequiredText)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RFC 5322 §3.2.3 dot-atom: atext runs separated by single dots.
fn is_dot_atom(local: &str) -> bool {
    let is_atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    !local.is_empty() && local.split('.').all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// At least two labels of letters, digits and hyphens (RFC 1035 §2.3.1), the last not all digits.
fn is_host_name(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && !labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
}

macro_rules! string_value {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}

macro_rules! parse_from_string {
    ($($name:ident),*) => {$(
        impl TryFrom<String> for $name {
            type Error = FieldError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = FieldError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    )*};
}

string_value!(Kana, PostalCode, PhoneNumber, EmailAddress, RequiredText);
parse_from_string!(Kana, PostalCode, PhoneNumber, EmailAddress);

/// `text` with e-mail addresses and telephone numbers replaced by `<e-mail>` and `<phone>`, for
/// a log line or a stored error message that quotes what a mail server or the database said
/// (`550 <taro@example.jp>: unknown user`): the operator needs the cause, not the person.
///
/// An e-mail address is a run of address characters around one `@` with a dot in its domain;
/// a telephone number is a run of digits and dashes (ASCII or full-width) starting with `0` or
/// `+`, with 10 or more digits, not part of a longer word (so identifiers and hex stay).
pub fn redact_personal(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('@') && !text.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = email_at(&chars, i) {
            out.push_str("<e-mail>");
            i = end;
        } else if let Some(end) = phone_at(&chars, i) {
            out.push_str("<phone>");
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-!#$&'*/=?^`{|}~".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.'
}

/// The end of an e-mail address starting at `start` (which must begin its local part).
fn email_at(chars: &[char], start: usize) -> Option<usize> {
    if start > 0 && is_local_char(chars[start - 1]) {
        return None;
    }
    let mut at = start;
    while at < chars.len() && is_local_char(chars[at]) {
        at += 1;
    }
    if at == start || chars.get(at) != Some(&'@') {
        return None;
    }
    let mut end = at + 1;
    while end < chars.len() && is_domain_char(chars[end]) {
        end += 1;
    }
    // Trailing dots end the sentence, not the domain.
    while end > at + 1 && chars[end - 1] == '.' {
        end -= 1;
    }
    let domain: String = chars[at + 1..end].iter().collect();
    (domain.contains('.') && !domain.starts_with('.')).then_some(end)
}

/// The end of a telephone number starting at `start`: digits with dashes, single spaces or
/// brackets between them (`03-1234-5678`, `03 1234 5678`, `(03) 1234-5678`, `０３（１２３４）５６７８`).
fn phone_at(chars: &[char], start: usize) -> Option<usize> {
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let zero = |c: Option<&char>| matches!(c, Some('0' | '０'));
    let opening = |c: char| c == '(' || c == '（';
    let closing = |c: char| c == ')' || c == '）';
    let space = |c: char| c == ' ' || c == '\u{3000}';
    let separator = |c: char| is_dash(c) || space(c) || opening(c) || closing(c);
    let first = chars[start];
    let starts = first == '+' || zero(Some(&first)) || (opening(first) && zero(chars.get(start + 1)));
    if !starts {
        return None;
    }
    // Part of a word or identifier in Latin letters or digits (Japanese text may touch it).
    let latin = |c: &char| c.is_ascii_alphanumeric() || ('０'..='９').contains(c) || ('Ａ'..='ｚ').contains(c);
    if start > 0 && (latin(&chars[start - 1]) || is_dash(chars[start - 1]) || chars[start - 1] == '.') {
        return None;
    }
    let mut end = start + 1;
    let mut digits = usize::from(digit(first));
    while end < chars.len() && (digit(chars[end]) || separator(chars[end])) {
        if space(chars[end]) && space(chars[end - 1]) {
            break;
        }
        digits += usize::from(digit(chars[end]));
        end += 1;
    }
    // Separators at the end belong to the sentence, except a bracket closing one of the number's.
    while let Some(&last) = end.checked_sub(1).and_then(|i| chars.get(i)).filter(|_| end > start + 1) {
        let opened = chars[start..end].iter().filter(|c| opening(**c)).count();
        let closed = chars[start..end].iter().filter(|c| closing(**c)).count();
        if is_dash(last) || space(last) || opening(last) || (closing(last) && closed > opened) {
            end -= 1;
        } else {
            break;
        }
    }
    let followed_by_word = chars.get(end).is_some_and(latin);
    (digits >= 10 && !followed_by_word).then_some(end)
}

#[cfg(test)]
mod tests {
    #[test]
    fn redaction_removes_addresses_and_phone_numbers_and_keeps_identifiers() {
        let cases = [
            (
                "550 5.1.1 <taro.yamada@example.co.jp>: Recipient address rejected",
                "550 5.1.1 <<e-mail>>: Recipient address rejected",
            ),
            ("mail to a+b@x.jp.", "mail to <e-mail>."),
            ("call 03-1234-5678 or ０９０－１２３４－５６７８", "call <phone> or <phone>"),
            ("+81 is a prefix; +818012345678 is a number", "+81 is a prefix; <phone> is a number"),
            ("tel 03 1234 5678, (03) 1234-5678.", "tel <phone>, <phone>."),
            ("電話：０３（１２３４）５６７８まで", "電話：<phone>まで"),
            ("電話03-1234-5678へ", "電話<phone>へ"),
            ("(+81 3 1234 5678)", "(<phone>)"),
            ("refused (0312345678)", "refused <phone>"),
            ("ids 0 12 and 2026 12 04", "ids 0 12 and 2026 12 04"),
            // Identifiers, hex, references, times and amounts stay.
            ("job 0195f3a2-0123-4567-8901-23456789abcd failed", "job 0195f3a2-0123-4567-8901-23456789abcd failed"),
            ("R8-000123 at 2026-12-04T04:28:17 for 10000000 yen", "R8-000123 at 2026-12-04T04:28:17 for 10000000 yen"),
            ("user@localhost and @handle", "user@localhost and @handle"),
            ("no personal data here", "no personal data here"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact_personal(input), expected, "{input}");
        }
        assert!(matches!(redact_personal("nothing to see"), std::borrow::Cow::Borrowed(_)));
    }

    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("１２３", "123")]
    #[case("ＡＢＣ ａｂｃ", "ABC abc")]
    #[case("  東京都　　新宿区\t西新宿  ", "東京都 新宿区 西新宿")]
    #[case("ｶﾌﾞｼｷｶﾞｲｼｬ", "カブシキガイシャ")]
    #[case("㈱コジョウ", "(株)コジョウ")]
    #[case("", "")]
    #[case(" \u{3000} ", "")]
    fn normalizes(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(normalize(input), expected);
    }

    #[rstest]
    #[case("とうきょう たろう", "トウキョウ タロウ")]
    #[case("ゔぁゝゞ", "ヴァヽヾ")]
    #[case("ﾄｳｷｮｳ", "トウキョウ")]
    #[case("カタカナ", "カタカナ")]
    fn converts_to_katakana(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(to_katakana(input), expected);
    }

    #[rstest]
    #[case("カブシキガイシャ コジョウ", "カブシキガイシャ コジョウ")]
    #[case("かぶしきがいしゃ　こじょう", "カブシキガイシャ コジョウ")]
    #[case("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ")]
    #[case("スーパー・マーケット", "スーパー・マーケット")]
    #[case("ヴェルヴェット", "ヴェルヴェット")]
    fn parses_kana(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(Kana::parse(input).unwrap().as_str(), expected);
    }

    #[rstest]
    #[case("", FieldError::Required)]
    #[case("   ", FieldError::Required)]
    #[case("山田太郎", FieldError::Kana)]
    #[case("ヤマダ1", FieldError::Kana)]
    #[case("Yamada", FieldError::Kana)]
    #[case("ヤマダヽ", FieldError::Kana)]
    fn rejects_kana(#[case] input: &str, #[case] expected: FieldError) {
        assert_eq!(Kana::parse(input), Err(expected));
    }

    #[test]
    fn kana_length_is_limited() {
        assert!(Kana::parse(&"ア".repeat(100)).is_ok());
        assert_eq!(Kana::parse(&"ア".repeat(101)), Err(FieldError::TooLong { max: 100 }));
    }

    #[rstest]
    #[case("1638001", "163-8001")]
    #[case("163-8001", "163-8001")]
    #[case("〒163-8001", "163-8001")]
    #[case("〒 163-8001", "163-8001")]
    #[case("１６３－８００１", "163-8001")]
    #[case("163ー8001", "163-8001")]
    #[case("163−8001", "163-8001")]
    #[case("163‐8001", "163-8001")]
    #[case(" 163-8001 ", "163-8001")]
    fn parses_postal_codes(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(PostalCode::parse(input).unwrap().as_str(), expected);
    }

    #[rstest]
    #[case("", FieldError::Required)]
    #[case("163-800", FieldError::PostalCode)]
    #[case("16380011", FieldError::PostalCode)]
    #[case("1638-001", FieldError::PostalCode)]
    #[case("163-80-01", FieldError::PostalCode)]
    #[case("163 8001", FieldError::PostalCode)]
    #[case("abc-defg", FieldError::PostalCode)]
    fn rejects_postal_codes(#[case] input: &str, #[case] expected: FieldError) {
        assert_eq!(PostalCode::parse(input), Err(expected));
    }

    #[rstest]
    #[case("03-1234-5678", "03-1234-5678")]
    #[case("0312345678", "0312345678")]
    #[case("０３－１２３４－５６７８", "03-1234-5678")]
    #[case("03ー1234ー5678", "03-1234-5678")]
    #[case("03(1234)5678", "03-1234-5678")]
    #[case("(03) 1234-5678", "03-1234-5678")]
    #[case("03 1234 5678", "03-1234-5678")]
    #[case("03--1234--5678", "03-1234-5678")]
    #[case("090-1234-5678", "090-1234-5678")]
    #[case("+81-3-1234-5678", "03-1234-5678")]
    #[case("+81 90 1234 5678", "090-1234-5678")]
    #[case("+81 (0)3-1234-5678", "03-1234-5678")]
    #[case("+81312345678", "0312345678")]
    #[case("0120-123-456", "0120-123-456")]
    #[case("0800-123-4567", "0800-123-4567")]
    #[case("042-123-4567", "042-123-4567")]
    fn parses_phone_numbers(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(PhoneNumber::parse(input).unwrap().as_str(), expected);
    }

    #[rstest]
    #[case("", FieldError::Required)]
    #[case("03-1234-567", FieldError::PhoneNumber)]
    #[case("090-1234-56789", FieldError::PhoneNumber)]
    #[case("3-1234-5678", FieldError::PhoneNumber)]
    #[case("00-1234-5678", FieldError::PhoneNumber)]
    #[case("03.1234.5678", FieldError::PhoneNumber)]
    #[case("03-1234-5678 内線12", FieldError::PhoneNumber)]
    #[case("+1-212-555-0100", FieldError::PhoneNumber)]
    #[case("+81", FieldError::PhoneNumber)]
    fn rejects_phone_numbers(#[case] input: &str, #[case] expected: FieldError) {
        assert_eq!(PhoneNumber::parse(input), Err(expected));
    }

    #[test]
    fn phone_digits_drop_separators() {
        assert_eq!(PhoneNumber::parse("03-1234-5678").unwrap().digits(), "0312345678");
    }

    #[rstest]
    #[case("info@example.jp", "info@example.jp")]
    #[case("Taro.Yamada@Example.CO.JP", "Taro.Yamada@example.co.jp")]
    #[case("ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｊｐ", "info@example.jp")]
    #[case(" user+tag@sub-domain.example.com ", "user+tag@sub-domain.example.com")]
    #[case("o'neil_1@a1.jp", "o'neil_1@a1.jp")]
    fn parses_email_addresses(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(EmailAddress::parse(input).unwrap().as_str(), expected);
    }

    #[rstest]
    #[case("")]
    #[case("info")]
    #[case("info@")]
    #[case("@example.jp")]
    #[case("info@example")]
    #[case("a@b@example.jp")]
    #[case(".info@example.jp")]
    #[case("info.@example.jp")]
    #[case("in..fo@example.jp")]
    #[case("in fo@example.jp")]
    #[case("info@-example.jp")]
    #[case("info@example-.jp")]
    #[case("info@example..jp")]
    #[case("info@exa_mple.jp")]
    #[case("info@192.168.0.1")]
    #[case("山田@example.jp")]
    #[case("info@例え.jp")]
    fn rejects_email_addresses(#[case] input: &str) {
        let expected = if input.is_empty() { FieldError::Required } else { FieldError::EmailAddress };
        assert_eq!(EmailAddress::parse(input), Err(expected));
    }

    #[test]
    fn email_length_is_limited() {
        let local = "a".repeat(64);
        let domain = format!("{}.jp", ["b".repeat(63), "c".repeat(63), "d".repeat(58)].join("."));
        let longest = format!("{local}@{domain}");
        assert_eq!(longest.len(), 254);
        assert!(EmailAddress::parse(&longest).is_ok());
        assert!(EmailAddress::parse(&format!("a{longest}")).is_err());
        assert!(EmailAddress::parse(&format!("{}@example.jp", "a".repeat(65))).is_err());
    }

    #[rstest]
    #[case("株式会社　コジョウ ", 10, Ok("株式会社 コジョウ".to_owned()))]
    #[case("", 10, Err(FieldError::Required))]
    #[case(" \u{3000}", 10, Err(FieldError::Required))]
    #[case("あいうえお", 5, Ok("あいうえお".to_owned()))]
    #[case("あいうえおか", 5, Err(FieldError::TooLong { max: 5 }))]
    // The limit counts characters as typed (as a form's maxlength does), spaces included.
    #[case("あいうえお ", 5, Err(FieldError::TooLong { max: 5 }))]
    #[case("a\tb\r\nc", 10, Ok("a b c".to_owned()))]
    #[case("a\u{b}b", 10, Err(FieldError::ControlCharacter))]
    #[case("a\u{85}b", 10, Err(FieldError::ControlCharacter))]
    fn required_text(#[case] input: &str, #[case] max: usize, #[case] expected: Result<String, FieldError>) {
        assert_eq!(required(input, max), expected);
        assert_eq!(RequiredText::parse(input, max).map(|text| text.to_string()), expected);
    }

    #[rstest]
    #[case("", Ok(None))]
    #[case(" ", Ok(None))]
    #[case("ａ", Ok(Some("a".to_owned())))]
    #[case("abcd", Err(FieldError::TooLong { max: 3 }))]
    fn optional_text(#[case] input: &str, #[case] expected: Result<Option<String>, FieldError>) {
        assert_eq!(optional(input, 3), expected);
    }

    #[rstest]
    #[case(FieldError::Required, "入力してください", "This field is required.")]
    #[case(FieldError::TooLong { max: 50 }, "50文字以内で入力してください", "Enter at most 50 characters.")]
    #[case(FieldError::Kana, "フリガナはカタカナで入力してください", "Enter the reading in katakana.")]
    #[case(
        FieldError::PostalCode,
        "郵便番号は「163-8001」の形式（7桁）で入力してください",
        "Enter the postal code as 7 digits, for example 163-8001."
    )]
    #[case(
        FieldError::PhoneNumber,
        "電話番号は「03-1234-5678」のように数字とハイフンで入力してください",
        "Enter the phone number in digits and hyphens, for example 03-1234-5678."
    )]
    #[case(FieldError::EmailAddress, "メールアドレスの形式が正しくありません", "The e-mail address is not valid.")]
    fn error_messages(#[case] error: FieldError, #[case] ja: &str, #[case] en: &str) {
        assert_eq!(error.message_ja(), ja);
        assert_eq!(error.message_en(), en);
    }

    #[test]
    fn values_serialize_as_strings_and_deserialize_by_parsing() {
        let email = EmailAddress::parse("Info@Example.JP").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"Info@example.jp\"");
        let postal: PostalCode = serde_json::from_str("\"1638001\"").unwrap();
        assert_eq!(postal.as_str(), "163-8001");
        assert!(serde_json::from_str::<PhoneNumber>("\"12\"").is_err());
        let kana: Kana = serde_json::from_str("\"やまだ\"").unwrap();
        assert_eq!(serde_json::to_string(&kana).unwrap(), "\"ヤマダ\"");
    }

    #[test]
    fn control_characters_are_refused_in_free_text() {
        assert_eq!(required("株式会社\u{0}サンプル", 100), Err(FieldError::ControlCharacter));
        assert_eq!(required("a\u{7}b", 100), Err(FieldError::ControlCharacter));
        assert_eq!(optional("\u{1b}[31m", 100), Err(FieldError::ControlCharacter));
        // Line breaks and tabs are white space, folded by normalisation.
        assert_eq!(required("株式会社\tサンプル\n", 100), Ok("株式会社 サンプル".into()));
    }
}

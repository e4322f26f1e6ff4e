//! The 法人番号 (corporate number): 13 digits whose first digit is a check digit.
//!
//! Owns parsing and the check-digit rule of 法人番号の指定等に関する省令 第2条 (as published by the
//! National Tax Agency): check digit = 9 − (Σ_{n=1..12} Pn × Qn mod 9), where Pn is the n-th base
//! digit counted from the right and Qn is 1 for odd n, 2 for even n. It does not look numbers up:
//! whether a valid number is assigned to the company is the secretariat's check.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A 13-digit corporate number with a correct check digit. Build it with [`CorporateNumber::parse`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct CorporateNumber(String);

/// Why input is not a corporate number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CorporateNumberError {
    #[error("法人番号を入力してください")]
    Empty,
    #[error("法人番号は13桁の数字で入力してください")]
    WrongLength,
    #[error("法人番号は13桁の数字で入力してください（数字以外の文字が含まれています）")]
    NotDigits,
    #[error("法人番号の検査用数字が一致しません。番号をご確認ください")]
    CheckDigit,
}

impl CorporateNumber {
    /// Accepts 全角 digits, spaces and hyphens (`7000-01-205-0002`, `７０００…`).
    pub fn parse(input: &str) -> Result<CorporateNumber, CorporateNumberError> {
        let digits: String = input.nfkc().filter(|c| !c.is_whitespace() && !crate::text::is_dash(*c)).collect();
        if digits.is_empty() {
            return Err(CorporateNumberError::Empty);
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(CorporateNumberError::NotDigits);
        }
        if digits.len() != 13 {
            return Err(CorporateNumberError::WrongLength);
        }
        let expected = check_digit(&digits[1..]).ok_or(CorporateNumberError::NotDigits)?;
        if digits.as_bytes()[0] - b'0' != expected {
            return Err(CorporateNumberError::CheckDigit);
        }
        Ok(CorporateNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CorporateNumberError {
    pub fn message_ja(&self) -> String {
        self.to_string()
    }

    pub fn message_en(&self) -> &'static str {
        match self {
            CorporateNumberError::Empty => "Enter the corporate number.",
            CorporateNumberError::WrongLength | CorporateNumberError::NotDigits => {
                "The corporate number must be 13 digits."
            }
            CorporateNumberError::CheckDigit => {
                "The corporate number's check digit does not match. Please check the number."
            }
        }
    }
}

/// The check digit for 12 base digits (the number without its first digit); `None` unless
/// `base12` is exactly 12 ASCII digits.
pub fn check_digit(base12: &str) -> Option<u8> {
    if base12.len() != 12 || !base12.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = base12
        .bytes()
        .rev()
        .enumerate()
        .map(|(index, byte)| {
            let weight = if index % 2 == 0 { 1 } else { 2 }; // n = index + 1: odd n → 1
            u32::from(byte - b'0') * weight
        })
        .sum();
    Some(9 - (sum % 9) as u8)
}

impl fmt::Display for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CorporateNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CorporateNumber {
    type Error = CorporateNumberError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl std::str::FromStr for CorporateNumber {
    type Err = CorporateNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("7000012050002", "7000012050002")] // 東京都
    #[case("７００００１２０５０００２", "7000012050002")]
    #[case("7000-01-205-0002", "7000012050002")]
    #[case(" 7000 0120 5000 2 ", "7000012050002")]
    #[case("7000ー01ー2050002", "7000012050002")] // katakana prolonged sound mark typed as a dash
    #[case("1000011000005", "1000011000005")]
    #[case("4000012090001", "4000012090001")]
    #[case("8000012010038", "8000012010038")]
    fn parses_valid_numbers(#[case] input: &str, #[case] expected: &str) {
        let number = CorporateNumber::parse(input).unwrap();
        assert_eq!(number.as_str(), expected);
        assert_eq!(number.to_string(), expected);
    }

    #[rstest]
    #[case("", CorporateNumberError::Empty)]
    #[case(" - ", CorporateNumberError::Empty)]
    #[case("700001205000", CorporateNumberError::WrongLength)]
    #[case("70000120500021", CorporateNumberError::WrongLength)]
    #[case("7000O12050002", CorporateNumberError::NotDigits)]
    #[case("法人番号", CorporateNumberError::NotDigits)]
    #[case("6000012050002", CorporateNumberError::CheckDigit)]
    #[case("7000012050003", CorporateNumberError::CheckDigit)]
    fn rejects_invalid_numbers(#[case] input: &str, #[case] expected: CorporateNumberError) {
        assert_eq!(CorporateNumber::parse(input), Err(expected));
    }

    #[rstest]
    #[case("000012050002", Some(7))]
    #[case("000011000005", Some(1))]
    #[case("000000000000", Some(9))]
    #[case("00001205000", None)]
    #[case("00001205000x", None)]
    fn check_digits(#[case] base12: &str, #[case] expected: Option<u8>) {
        assert_eq!(check_digit(base12), expected);
    }

    #[test]
    fn error_messages_are_japanese() {
        assert_eq!(CorporateNumberError::WrongLength.to_string(), "法人番号は13桁の数字で入力してください");
        assert_eq!(
            CorporateNumberError::CheckDigit.to_string(),
            "法人番号の検査用数字が一致しません。番号をご確認ください"
        );
    }

    #[test]
    fn serializes_as_a_string() {
        let number = CorporateNumber::parse("7000012050002").unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"7000012050002\"");
        let back: CorporateNumber = serde_json::from_str("\"7000-01-205-0002\"").unwrap();
        assert_eq!(back, number);
        assert!(serde_json::from_str::<CorporateNumber>("\"7000012050003\"").is_err());
    }
}

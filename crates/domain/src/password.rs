//! The rule for a staff password a person chooses (OWASP ASVS 5.0 V6.2, NIST SP 800-63B 3.1.1):
//! at least 12 and at most 128 characters, any characters but control characters, and not a
//! common password — neither one of the embedded list (`data/common-passwords.txt`, John the
//! Ripper's public-domain list of 3,546) nor an obvious variant of one: the same with digits or
//! symbols around it (`password2024!`), a word repeated (`passwordpassword`), one short chunk
//! repeated (`abcabcabcabc`), or a run of consecutive digits (`123456789012`). The account's
//! e-mail address (or its part before `@`) is refused too. No composition rules: length and
//! the list are what NIST recommends.
//!
//! Printed one-time passwords are random and do not pass through here.

use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    ControlCharacter,
    /// On the common-password list, or an obvious variant of an entry.
    Common,
    /// The account's e-mail address, or its part before `@`.
    ContainsEmail,
}

/// A password that meets the rule. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    /// Checks `text` (exactly as typed: nothing is trimmed) as the password of the account `email`.
    pub fn parse(text: &str, email: &str) -> Result<NewPassword, PasswordProblem> {
        let chars = text.chars().count();
        if text.chars().any(char::is_control) {
            return Err(PasswordProblem::ControlCharacter);
        }
        if chars < MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        let lower = text.to_lowercase();
        let email = email.trim().to_lowercase();
        let local = email.split('@').next().unwrap_or_default();
        if !email.is_empty() && (lower.contains(&email) || (local.chars().count() >= 4 && lower.contains(local))) {
            return Err(PasswordProblem::ContainsEmail);
        }
        if is_common(&lower) {
            return Err(PasswordProblem::Common);
        }
        Ok(NewPassword(text.to_string()))
    }

    /// The password, to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Whether a lower-cased password is on the list or an obvious variant of an entry.
fn is_common(lower: &str) -> bool {
    if COMMON.contains(lower) {
        return true;
    }
    // Digits and symbols before or after a listed word: `password2024!`, `!!iloveyou12`.
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if !core.is_empty() && core != lower && COMMON.contains(core) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    // A listed entry of six or more characters with at most four more before or after:
    // `1qaz2wsx3edc`, `qwertyuiop12`, `2024sunshine`.
    for extra in 1..=4.min(chars.len().saturating_sub(6)) {
        let head: String = chars[..chars.len() - extra].iter().collect();
        let tail: String = chars[extra..].iter().collect();
        if COMMON.contains(head.as_str()) || COMMON.contains(tail.as_str()) {
            return true;
        }
    }
    // One chunk repeated: `abcabcabcabc`, `passwordpassword`, `aaaaaaaaaaaa`.
    for unit in 1..=chars.len() / 2 {
        if chars.len().is_multiple_of(unit) && chars.chunks(unit).all(|chunk| chunk == &chars[..unit]) {
            let chunk: String = chars[..unit].iter().collect();
            if unit <= 4 || COMMON.contains(chunk.as_str()) {
                return true;
            }
        }
    }
    // Consecutive digits, up or down, wrapping 9→0: `123456789012`, `098765432109`.
    if chars.iter().all(char::is_ascii_digit) {
        let digits: Vec<i32> = chars.iter().map(|c| *c as i32 - '0' as i32).collect();
        let step = |up: i32| digits.windows(2).all(|pair| (pair[0] + up).rem_euclid(10) == pair[1]);
        if step(1) || step(-1) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_loaded() {
        assert!(COMMON.len() > 3_000, "{}", COMMON.len());
        assert!(COMMON.contains("password") && COMMON.contains("iloveyou"));
        assert!(!COMMON.iter().any(|p| p.starts_with('#')));
    }

    #[test]
    fn length_and_characters() {
        assert_eq!(NewPassword::parse("short-pass1", "a@example.jp"), Err(PasswordProblem::TooShort));
        assert_eq!(NewPassword::parse(&"x7Q".repeat(43), "a@example.jp"), Err(PasswordProblem::TooLong));
        assert_eq!(NewPassword::parse("tab\there-is-long", "a@example.jp"), Err(PasswordProblem::ControlCharacter));
        // Twelve characters of Japanese count as twelve, not as bytes.
        assert!(NewPassword::parse("東京都中小企業の安全対策支援", "a@example.jp").is_ok());
        assert!(NewPassword::parse("correct horse battery staple", "a@example.jp").is_ok());
        assert!(NewPassword::parse("kojo-Umbrella-47-Tide", "a@example.jp").is_ok());
    }

    #[test]
    fn common_passwords_and_their_variants_are_refused() {
        for common in [
            "password1234",
            "Password2024!",
            "!!iloveyou12",
            "passwordpassword",
            "abcabcabcabc",
            "aaaaaaaaaaaa",
            "123456789012",
            "098765432109",
            "qwertyuiop12",
            "1qaz2wsx3edc",
        ] {
            let got = NewPassword::parse(common, "staff@example.jp");
            assert_eq!(got, Err(PasswordProblem::Common), "{common}");
        }
    }

    #[test]
    fn the_email_address_is_refused() {
        assert_eq!(
            NewPassword::parse("jimukyoku@example.jp", "jimukyoku@example.jp"),
            Err(PasswordProblem::ContainsEmail)
        );
        assert_eq!(
            NewPassword::parse("Jimukyoku-2026-xyz", "jimukyoku@example.jp"),
            Err(PasswordProblem::ContainsEmail)
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let password = NewPassword::parse("kojo-Umbrella-47-Tide", "a@example.jp").unwrap();
        assert_eq!(format!("{password:?}"), "NewPassword(…)");
    }
}

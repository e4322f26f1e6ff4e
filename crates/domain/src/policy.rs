//! The programme's privacy policy and site policy: which version is in force, so that every
//! consent checkbox links to it and every record that took consent stores the version accepted.
//!
//! A new version is a new entry at the top of the list (its text in the page templates,
//! `templates/public/privacy/VERSION.html`); old versions stay readable at their own address.
//!
//! Must not: hold the texts (the pages do).

use chrono::NaiveDate;

/// One version of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// `2026-04-01`: also its address (`/privacy/2026-04-01`).
    pub code: &'static str,
    pub in_force_from: NaiveDate,
}

const fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("a real date"),
    }
}

/// 個人情報の取扱い (the privacy policy), newest first.
pub const PRIVACY: &[Version] = &[Version { code: "2026-04-01", in_force_from: day(2026, 4, 1) }];

/// サイトポリシー (terms of use of the site), newest first.
pub const SITE_POLICY: &[Version] = &[Version { code: "2026-04-01", in_force_from: day(2026, 4, 1) }];

/// The version of `versions` in force on `today` (the newest already in force; the oldest
/// before any was).
pub fn in_force(versions: &'static [Version], today: NaiveDate) -> Version {
    versions.iter().copied().find(|v| v.in_force_from <= today).unwrap_or(versions[versions.len() - 1])
}

/// The version named `code`, if there is one.
pub fn find(versions: &'static [Version], code: &str) -> Option<Version> {
    versions.iter().copied().find(|v| v.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_in_force_is_the_newest_already_started() {
        const LIST: &[Version] = &[
            Version { code: "2027-04-01", in_force_from: day(2027, 4, 1) },
            Version { code: "2026-04-01", in_force_from: day(2026, 4, 1) },
        ];
        assert_eq!(in_force(LIST, day(2027, 3, 31)).code, "2026-04-01");
        assert_eq!(in_force(LIST, day(2027, 4, 1)).code, "2027-04-01");
        assert_eq!(in_force(LIST, day(2020, 1, 1)).code, "2026-04-01", "before any: the oldest");
        assert_eq!(find(LIST, "2027-04-01").map(|v| v.in_force_from), Some(day(2027, 4, 1)));
        assert!(find(LIST, "2025-04-01").is_none());
        assert!(!PRIVACY.is_empty() && !SITE_POLICY.is_empty());
    }
}

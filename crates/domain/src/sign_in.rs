//! Throttling staff sign-in so that guessing is slow and nobody can lock a colleague out.
//!
//! Failed attempts of the last 15 minutes are counted three ways, and an attempt is refused —
//! before its password is looked at, and without being counted itself, so refusals never
//! extend a wait — when:
//! - its address has 20 failures (any account): that address waits out the window;
//! - its address has 5 failures for this account: that address waits out the window, for this
//!   account only (the finding was a hard lock: 5 failures from one address refused the right
//!   password from everywhere else);
//! - the account has 10 or more failures from anywhere: each further attempt waits a delay
//!   after the latest failure that doubles with every failure (1 s, 2 s, 4 s … at most 5
//!   minutes), so a guesser spread over many addresses gets a handful of tries an hour while the
//!   real user waits seconds to minutes, never a lock. A browser the user already signed in
//!   with (a signed device cookie, OWASP "device cookies") skips this delay, so that even a
//!   sustained distributed guesser cannot keep the real user out.

use chrono::{DateTime, Duration, Utc};

/// How far back failures count.
pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: u64 = 5;
/// Failures of an account (from anywhere) before its attempts are spaced out.
pub const FREE_FAILURES_PER_ACCOUNT: u64 = 10;
pub const MAX_ACCOUNT_DELAY_SECONDS: i64 = 300;

/// Failed sign-ins within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub account: u64,
    pub address: u64,
    pub account_from_address: u64,
    pub last_account_failure: Option<DateTime<Utc>>,
}

/// Why an attempt is refused, and until when at the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// Too many failures from this address (for any account, or for this one).
    Address { until: DateTime<Utc> },
    /// The account's attempts are spaced out: try again at `until`.
    Account { until: DateTime<Utc> },
}

impl Throttled {
    pub fn until(self) -> DateTime<Utc> {
        match self {
            Throttled::Address { until } | Throttled::Account { until } => until,
        }
    }
}

/// The delay after the latest failure once an account has `failures` (0 below the free count).
pub fn account_delay(failures: u64) -> Duration {
    if failures < FREE_FAILURES_PER_ACCOUNT {
        return Duration::zero();
    }
    let doublings = (failures - FREE_FAILURES_PER_ACCOUNT).min(16) as u32;
    Duration::seconds((1i64 << doublings).min(MAX_ACCOUNT_DELAY_SECONDS))
}

/// Whether an attempt may go ahead at `now`. `trusted_device`: the browser carries a valid
/// device cookie of this account.
pub fn check(failures: Failures, trusted_device: bool, now: DateTime<Utc>) -> Result<(), Throttled> {
    if failures.address >= MAX_FAILURES_PER_ADDRESS
        || failures.account_from_address >= MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS
    {
        return Err(Throttled::Address { until: now + Duration::minutes(WINDOW_MINUTES) });
    }
    if !trusted_device && let Some(last) = failures.last_account_failure {
        let until = last + account_delay(failures.account);
        if now < until {
            return Err(Throttled::Account { until });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap() + Duration::seconds(seconds)
    }

    #[test]
    fn the_delay_grows_and_is_capped() {
        assert_eq!(account_delay(9), Duration::zero());
        assert_eq!(account_delay(10), Duration::seconds(1));
        assert_eq!(account_delay(11), Duration::seconds(2));
        assert_eq!(account_delay(14), Duration::seconds(16));
        assert_eq!(account_delay(40), Duration::seconds(MAX_ACCOUNT_DELAY_SECONDS));
        assert_eq!(account_delay(u64::MAX), Duration::seconds(MAX_ACCOUNT_DELAY_SECONDS));
    }

    #[test]
    fn an_address_is_refused_but_not_another() {
        let from_guesser =
            Failures { account: 5, address: 5, account_from_address: 5, last_account_failure: Some(at(0)) };
        assert!(matches!(check(from_guesser, false, at(1)), Err(Throttled::Address { .. })));
        let from_elsewhere = Failures { account_from_address: 0, address: 0, ..from_guesser };
        assert_eq!(check(from_elsewhere, false, at(1)), Ok(()));
        let busy_address = Failures { account: 0, address: 20, account_from_address: 0, last_account_failure: None };
        assert!(check(busy_address, true, at(1)).is_err(), "a device cookie does not lift an address limit");
    }

    #[test]
    fn an_account_waits_after_its_latest_failure_unless_the_device_is_known() {
        let failures = Failures { account: 12, address: 0, account_from_address: 0, last_account_failure: Some(at(0)) };
        assert_eq!(check(failures, false, at(3)), Err(Throttled::Account { until: at(4) }));
        assert_eq!(check(failures, false, at(4)), Ok(()));
        assert_eq!(check(failures, true, at(0)), Ok(()));
    }
}

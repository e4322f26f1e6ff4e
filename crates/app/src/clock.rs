//! The one source of the current time. Production reads the system clock; tests set or move a
//! clock instead of sleeping. Everything else receives `now` from here (the tidy test in
//! `crates/app/tests/tidy.rs` fails when the system clock is read anywhere else).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A clock, cheap to clone; clones share their setting.
#[derive(Clone, Debug)]
pub struct Clock {
    mode: Arc<Mutex<Mode>>,
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    /// The system time plus an offset (zero in production).
    Offset(Duration),
    /// A time that stands still until set or moved.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { mode: Arc::new(Mutex::new(Mode::Offset(Duration::zero()))) }
    }

    /// A clock standing at `at` until moved.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock { mode: Arc::new(Mutex::new(Mode::Fixed(at))) }
    }

    /// A clock that runs at real speed from `at`.
    pub fn running_from(at: DateTime<Utc>) -> Clock {
        Clock { mode: Arc::new(Mutex::new(Mode::Offset(at - Utc::now()))) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match *self.lock() {
            Mode::Offset(offset) => Utc::now() + offset,
            Mode::Fixed(at) => at,
        }
    }

    /// Today in Asia/Tokyo, where the programme's rules are evaluated.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive()
    }

    /// Moves the clock (a running clock keeps running from its new time).
    pub fn set(&self, at: DateTime<Utc>) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::Offset(_) => Mode::Offset(at - Utc::now()),
            Mode::Fixed(_) => Mode::Fixed(at),
        };
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::Offset(offset) => Mode::Offset(offset + by),
            Mode::Fixed(at) => Mode::Fixed(at + by),
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mode> {
        self.mode.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

/// The Tokyo calendar day of `at`.
pub fn tokyo_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive()
}

/// The instant Tokyo's day `day` begins (UTC+9 all year: Japan keeps no daylight saving time).
pub fn tokyo_midnight(day: NaiveDate) -> DateTime<Utc> {
    DateTime::<Utc>::from_naive_utc_and_offset(day.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(9), Utc)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokyo_days_begin_at_15_utc() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(super::tokyo_midnight(day).to_rfc3339(), "2026-12-03T15:00:00+00:00");
        assert_eq!(super::tokyo_date(super::tokyo_midnight(day)), day);
    }

    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap();
        let clock = Clock::fixed(at);
        assert_eq!(clock.now(), at);
        // 15:00 UTC on the 30th is 00:00 on 1 December in Tokyo.
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let shared = clock.clone();
        shared.advance(Duration::days(2));
        assert_eq!(clock.now(), at + Duration::days(2));
        clock.set(at);
        assert_eq!(shared.now(), at);
    }

    #[test]
    fn a_running_clock_moves_with_real_time_from_where_it_was_set() {
        let at = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        let clock = Clock::running_from(at);
        let first = clock.now();
        assert!(first >= at && first < at + Duration::seconds(5));
        clock.advance(Duration::days(1));
        assert!(clock.now() >= at + Duration::days(1));
    }
}

//! A per-address fixed-window limit on submissions.
//!
//! Kept in process memory on purpose: it throttles abuse, it is not state that matters
//! (several processes each apply the limit, which only makes it looser).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// `0` disables the limit.
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request from `ip`; false when over the limit.
    pub fn allow(&self, ip: Option<IpAddr>) -> bool {
        self.allow_at(ip, Instant::now())
    }

    fn allow_at(&self, ip: Option<IpAddr>, now: Instant) -> bool {
        let (Some(ip), true) = (ip, self.per_minute > 0) else { return true };
        let mut windows = self.windows.lock().expect("rate limiter lock");
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start).as_secs() < 60);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0).as_secs() >= 60 {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn limits_per_address_and_resets_after_a_minute() {
        let limiter = RateLimiter::per_minute(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let start = Instant::now();
        assert!(limiter.allow_at(Some(a), start));
        assert!(limiter.allow_at(Some(a), start));
        assert!(!limiter.allow_at(Some(a), start));
        assert!(limiter.allow_at(Some(b), start));
        assert!(limiter.allow_at(Some(a), start + Duration::from_secs(61)));
    }

    #[test]
    fn zero_disables() {
        let limiter = RateLimiter::per_minute(0);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..1000).all(|_| limiter.allow(Some(a))));
    }
}

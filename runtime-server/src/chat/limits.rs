//! Sliding-window rate limits on visitor messages, per visitor and per
//! client IP address.
//!
//! A window keeps the instants of the accepted messages of the last minute,
//! so the count is exact (no burst at a window edge) and a check and its
//! increment happen under one lock: concurrent messages cannot both slip in.
//! Windows of keys that fell silent are swept as the map grows.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The window every per-minute limit counts over.
pub const WINDOW: Duration = Duration::from_secs(60);

/// One family of limits (e.g. per visitor), keyed by a string.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// A refused message: how long until one more would be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// Time until the oldest counted message leaves the window.
    pub retry_after: Duration,
}

impl RateLimiter {
    /// Counts one message for `key` if fewer than `limit` were accepted in
    /// the last minute; otherwise refuses without counting it.
    pub fn check(&self, key: &str, limit: u32, now: Instant) -> Result<(), Refused> {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() > 10_000 && !windows.contains_key(key) {
            windows.retain(|_, window| window.back().is_some_and(|last| now.duration_since(*last) < WINDOW));
        }
        let window = windows.entry(key.to_owned()).or_default();
        while window.front().is_some_and(|first| now.duration_since(*first) >= WINDOW) {
            window.pop_front();
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if window.len() >= limit {
            let oldest = window.front().copied().unwrap_or(now);
            return Err(Refused { retry_after: WINDOW.saturating_sub(now.duration_since(oldest)) });
        }
        window.push_back(now);
        Ok(())
    }

    /// Forgets one counted message for `key`, when a later check refused it.
    pub fn give_back(&self, key: &str) {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(window) = windows.get_mut(key) {
            window.pop_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_exactly_within_a_sliding_minute() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for second in 0..3 {
            assert!(limiter.check("v", 3, start + Duration::from_secs(second * 10)).is_ok());
        }
        let refused = limiter.check("v", 3, start + Duration::from_secs(30)).expect_err("fourth in a minute");
        assert_eq!(refused.retry_after, Duration::from_secs(30));
        assert!(limiter.check("other", 3, start + Duration::from_secs(30)).is_ok(), "keys are independent");
        assert!(limiter.check("v", 3, start + Duration::from_secs(60)).is_ok(), "the first left the window");
        limiter.give_back("v");
        assert!(limiter.check("v", 3, start + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn concurrent_checks_never_exceed_the_limit() {
        let limiter = std::sync::Arc::new(RateLimiter::default());
        let now = Instant::now();
        let accepted: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let limiter = limiter.clone();
                    scope.spawn(move || (0..50).filter(|_| limiter.check("ip", 100, now).is_ok()).count())
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().unwrap_or(0)).sum()
        });
        assert_eq!(accepted, 100);
    }
}

//! Circuit breakers: a provider that keeps failing is skipped at once for a while, instead of
//! making every visitor wait for its timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// When a breaker opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// How long an open breaker refuses calls before letting one probe through.
    pub cool_down: Duration,
}

impl Default for BreakerSettings {
    /// Five failures in a row open it for 30 s.
    fn default() -> Self {
        Self { failure_threshold: 5, cool_down: Duration::from_secs(30) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One probe is out; everyone else is refused until it reports.
    HalfOpen,
}

/// The state a breaker is in, for metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused.
    Open,
    /// One probe call is deciding.
    HalfOpen,
}

/// One provider's breaker, shared by every request that uses the provider.
#[derive(Debug)]
pub struct CircuitBreaker {
    settings: BreakerSettings,
    state: Mutex<State>,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(settings: BreakerSettings) -> Self {
        Self { settings, state: Mutex::new(State::Closed { failures: 0 }) }
    }

    // The state is a few plain values updated in one step each, so a panic elsewhere while the
    // lock was held cannot have left it half-written; keep using it.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current state (an open breaker whose cool-down is over reads as half-open).
    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() < until => BreakerState::Open,
            State::Open { .. } | State::HalfOpen => BreakerState::HalfOpen,
        }
    }

    /// Asks to make a call. `Err` carries how long until the breaker lets a probe through.
    pub fn try_acquire(self: &Arc<Self>) -> Result<Permit, Duration> {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(Permit { breaker: Arc::clone(self), probe: false, settled: false }),
            State::Open { until } => {
                let now = Instant::now();
                if now < until {
                    return Err(until - now);
                }
                *state = State::HalfOpen;
                Ok(Permit { breaker: Arc::clone(self), probe: true, settled: false })
            }
            // Another request is probing; its outcome decides for everyone.
            State::HalfOpen => Err(Duration::ZERO),
        }
    }

    fn record(&self, success: bool) {
        let mut state = self.lock();
        *state = match (*state, success) {
            (_, true) => State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 < self.settings.failure_threshold => {
                State::Closed { failures: failures + 1 }
            }
            (_, false) => State::Open { until: Instant::now() + self.settings.cool_down },
        };
    }

    /// Records a failure outside a permit (a provider that broke after its first token).
    pub fn record_failure(&self) {
        self.record(false);
    }
}

/// Leave to make one call. Report how it went with [`Permit::success`] or [`Permit::failure`];
/// dropped unreported (the request was abandoned), it leaves the count alone and, if it was the
/// half-open probe, lets the next request probe instead.
#[derive(Debug)]
pub struct Permit {
    breaker: Arc<CircuitBreaker>,
    probe: bool,
    settled: bool,
}

impl Permit {
    /// The call worked: the breaker closes and the failure count starts again.
    pub fn success(mut self) {
        self.settled = true;
        self.breaker.record(true);
    }

    /// The call failed.
    pub fn failure(mut self) {
        self.settled = true;
        self.breaker.record(false);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.settled && self.probe {
            let mut state = self.breaker.lock();
            if *state == State::HalfOpen {
                // Back to open with the cool-down already over, so the next request probes.
                *state = State::Open { until: Instant::now() };
            }
        }
    }
}

/// The breakers of every provider in use, keyed by [`crate::ProviderConfig::breaker_key`], so
/// that all bots using one endpoint and model learn of its failures together.
#[derive(Debug, Default)]
pub struct Breakers {
    settings: BreakerSettings,
    by_key: Mutex<HashMap<String, Arc<CircuitBreaker>>>,
}

impl Breakers {
    /// An empty registry whose breakers use `settings`.
    pub fn new(settings: BreakerSettings) -> Self {
        Self { settings, by_key: Mutex::new(HashMap::new()) }
    }

    /// The breaker for `key`, created closed on first use.
    pub fn get(&self, key: &str) -> Arc<CircuitBreaker> {
        // Entries are only inserted whole, so a poisoned map is still consistent.
        let mut map = self.by_key.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(breaker) = map.get(key) {
            return Arc::clone(breaker);
        }
        let breaker = Arc::new(CircuitBreaker::new(self.settings));
        map.insert(key.to_owned(), Arc::clone(&breaker));
        breaker
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Arc<CircuitBreaker> {
        Arc::new(CircuitBreaker::new(BreakerSettings { failure_threshold: 3, cool_down: Duration::from_secs(10) }))
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_consecutive_failures_and_a_successful_probe_closes_it() {
        let breaker = breaker();
        for _ in 0..2 {
            breaker.try_acquire().expect("closed").failure();
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.try_acquire().expect("still closed").failure();
        assert_eq!(breaker.state(), BreakerState::Open);
        let wait = breaker.try_acquire().expect_err("open refuses");
        assert_eq!(wait, Duration::from_secs(10));

        tokio::time::advance(Duration::from_secs(10)).await;
        let probe = breaker.try_acquire().expect("cool-down over: one probe");
        assert_eq!(breaker.try_acquire().expect_err("only one probe"), Duration::ZERO);
        probe.success();
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.try_acquire().expect("closed again").failure();
        assert_eq!(breaker.state(), BreakerState::Closed, "the count started again");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_reopens_and_an_abandoned_probe_lets_another_try() {
        let breaker = breaker();
        for _ in 0..3 {
            breaker.try_acquire().expect("closed").failure();
        }
        tokio::time::advance(Duration::from_secs(10)).await;
        breaker.try_acquire().expect("probe").failure();
        assert_eq!(breaker.state(), BreakerState::Open);

        tokio::time::advance(Duration::from_secs(10)).await;
        drop(breaker.try_acquire().expect("probe"));
        breaker.try_acquire().expect("the abandoned probe's place is free").success();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn a_success_between_failures_resets_the_count() {
        let breaker = breaker();
        breaker.try_acquire().expect("closed").failure();
        breaker.try_acquire().expect("closed").failure();
        breaker.try_acquire().expect("closed").success();
        breaker.try_acquire().expect("closed").failure();
        breaker.try_acquire().expect("closed").failure();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn the_registry_shares_one_breaker_per_key() {
        let breakers = Breakers::new(BreakerSettings::default());
        assert!(Arc::ptr_eq(&breakers.get("a"), &breakers.get("a")));
        assert!(!Arc::ptr_eq(&breakers.get("a"), &breakers.get("b")));
    }
}

//! Rate limiting as a port: a named policy ("at most `limit` requests per
//! `period`"), the decision for one request, and the GCRA arithmetic every
//! adapter shares (the Redis script computes exactly the same steps).
//!
//! GCRA (generic cell rate algorithm) keeps one number per key: the
//! *theoretical arrival time* (TAT). Each request moves it forward by the
//! emission interval `T = period / limit`; a request is refused when the new
//! TAT would lie more than `limit * T` (≈ `period`) ahead of now. The result
//! is a burst of up to `limit` requests, then a steady `limit` per `period`,
//! recovering smoothly — no window edges to game.

use crate::SessionId;
use async_trait::async_trait;
use std::time::Duration;

/// "At most `limit` requests per `period`", under a stable name that shows
/// in keys (`cv:rl:<name>:<key>`) and in `RateLimit-Policy` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub limit: u32,
    pub period: Duration,
}

impl Policy {
    /// A limit of 0 is raised to 1, a period under a millisecond to one.
    pub fn new(name: impl Into<String>, limit: u32, period: Duration) -> Self {
        Self {
            name: name.into(),
            limit: limit.max(1),
            period: period.max(Duration::from_millis(1)),
        }
    }

    /// The emission interval `T` in microseconds (at least 1).
    pub fn emission_micros(&self) -> u64 {
        (self.period.as_micros() as u64 / u64::from(self.limit)).max(1)
    }

    /// The burst window `limit * T` in microseconds (≈ the period).
    pub fn window_micros(&self) -> u64 {
        self.emission_micros() * u64::from(self.limit)
    }
}

/// What a limiter answers for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Requests still allowed right now after this one.
    pub remaining: u32,
    /// When refused: how long until one more request would be allowed.
    pub retry_after: Duration,
    /// How long until the full quota is available again.
    pub reset_after: Duration,
}

/// The limiter's backing store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    #[error("the rate limiter's store is unavailable: {0}")]
    Unavailable(String),
}

impl From<String> for RateLimitError {
    fn from(reason: String) -> Self {
        Self::Unavailable(reason)
    }
}

/// A shared limiter. Implementations must be safe to call from every
/// request; `Err` means the backing store failed (the caller decides how to
/// degrade — never by letting everything through silently).
#[async_trait]
pub trait RateLimiter: Send + Sync {
    async fn check(&self, key: &str, policy: &Policy) -> Result<Decision, RateLimitError>;

    /// `check` for an authenticated request, reading in the same round trip
    /// (where the store holds both) whether its session is on the session
    /// denylist, so that a request costs one trip to the fast store, not
    /// two. When the session is denied, nothing is counted.
    ///
    /// The default reads no denylist (`denied: None`): the caller asks the
    /// denylist itself.
    async fn check_session(&self, key: &str, policy: &Policy, session: SessionId) -> Result<Admission, RateLimitError> {
        let _ = session;
        Ok(Admission {
            budget: self.check(key, policy).await?,
            denied: None,
        })
    }
}

/// What [`RateLimiter::check_session`] learnt about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// The organization budget's decision (allowed when the session was
    /// denied: nothing was counted).
    pub budget: Decision,
    /// What the denylist said, as `SessionDenylist::is_denied` would:
    /// `Some(Some(true))` denied, `Some(Some(false))` not denied by a
    /// complete list, `Some(None)` the list is incomplete (re-warm it from
    /// the database); `None` the denylist was not read.
    pub denied: Option<Option<bool>>,
}

/// One GCRA step. `tat` is the stored theoretical arrival time (absent or in
/// the past both mean "fresh"), `now` the current time, both in microseconds
/// on the same clock. Returns the decision and, when allowed, the TAT to
/// store (it may be forgotten `reset_after` from now).
pub fn gcra(tat: Option<u64>, now: u64, policy: &Policy) -> (Decision, Option<u64>) {
    let emission = policy.emission_micros();
    let window = policy.window_micros();
    let tat = tat.unwrap_or(now).max(now);
    let new_tat = tat + emission;
    let allow_at = new_tat.saturating_sub(window);
    if now < allow_at {
        let decision = Decision {
            allowed: false,
            remaining: 0,
            retry_after: Duration::from_micros(allow_at - now),
            reset_after: Duration::from_micros(tat - now),
        };
        return (decision, None);
    }
    let remaining = (window - (new_tat - now)) / emission;
    let decision = Decision {
        allowed: true,
        remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
        retry_after: Duration::ZERO,
        reset_after: Duration::from_micros(new_tat - now),
    };
    (decision, Some(new_tat))
}

/// Whole seconds, rounded up, for `Retry-After` and `RateLimit` `t=`.
pub fn ceil_seconds(duration: Duration) -> u64 {
    let secs = duration.as_secs();
    if duration.subsec_nanos() > 0 { secs + 1 } else { secs }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000;

    fn policy(limit: u32, secs: u64) -> Policy {
        Policy::new("test", limit, Duration::from_secs(secs))
    }

    /// Runs `n` requests at `now`, threading the TAT; returns the decisions.
    fn burst(tat: &mut Option<u64>, now: u64, n: usize, policy: &Policy) -> Vec<Decision> {
        (0..n)
            .map(|_| {
                let (decision, next) = gcra(*tat, now, policy);
                if next.is_some() {
                    *tat = next;
                }
                decision
            })
            .collect()
    }

    #[test]
    fn a_burst_of_exactly_the_limit_passes_then_the_next_is_refused() {
        let p = policy(5, 10);
        let mut tat = None;
        let now = 1_000 * SECOND;
        let decisions = burst(&mut tat, now, 6, &p);
        let remaining: Vec<u32> = decisions.iter().map(|d| d.remaining).collect();
        assert_eq!(remaining, [4, 3, 2, 1, 0, 0]);
        assert!(decisions[..5].iter().all(|d| d.allowed));
        let refused = decisions[5];
        assert!(!refused.allowed);
        // One slot comes back after one emission interval (10 s / 5).
        assert_eq!(refused.retry_after, Duration::from_secs(2));
        assert_eq!(refused.reset_after, Duration::from_secs(10));
        assert_eq!(decisions[4].reset_after, Duration::from_secs(10));
    }

    #[test]
    fn a_refused_request_does_not_consume_anything() {
        let p = policy(2, 10);
        let mut tat = None;
        let now = 50 * SECOND;
        burst(&mut tat, now, 2, &p);
        let before = tat;
        let refused = burst(&mut tat, now, 100, &p);
        assert!(refused.iter().all(|d| !d.allowed));
        assert_eq!(tat, before);
        // So the wait does not grow under a flood.
        assert_eq!(refused[99].retry_after, Duration::from_secs(5));
    }

    #[test]
    fn a_steady_rate_at_the_limit_is_always_allowed() {
        let p = policy(10, 60);
        let mut tat = None;
        let start = 7 * SECOND;
        for i in 0..100u64 {
            let d = burst(&mut tat, start + i * 6 * SECOND, 1, &p)[0];
            assert!(d.allowed, "request {i} at the steady rate");
            assert_eq!(d.remaining, 9);
        }
    }

    #[test]
    fn faster_than_the_rate_runs_out_and_slower_recovers() {
        let p = policy(4, 4); // one per second, burst of 4
        let mut tat = None;
        let mut now = 100 * SECOND;
        // Two per second: allowed while the burst lasts, then refused.
        let mut allowed = 0;
        for _ in 0..20 {
            if burst(&mut tat, now, 1, &p)[0].allowed {
                allowed += 1;
            }
            now += SECOND / 2;
        }
        // 4 of burst + one per second over 10 s (≈ 10 more).
        assert!((13..=14).contains(&allowed), "allowed {allowed}");
        // After a full period of silence the whole burst is back.
        now += 4 * SECOND;
        let again = burst(&mut tat, now, 5, &p);
        assert_eq!(again.iter().filter(|d| d.allowed).count(), 4);
    }

    #[test]
    fn recovery_is_gradual_one_slot_per_interval() {
        let p = policy(3, 3);
        let mut tat = None;
        let now = 10 * SECOND;
        burst(&mut tat, now, 3, &p);
        assert!(!burst(&mut tat, now + SECOND / 2, 1, &p)[0].allowed);
        let after_one = burst(&mut tat, now + SECOND, 2, &p);
        assert!(after_one[0].allowed);
        assert!(!after_one[1].allowed);
    }

    #[test]
    fn tiny_periods_and_zero_limits_are_clamped() {
        let p = Policy::new("x", 0, Duration::ZERO);
        assert_eq!(p.limit, 1);
        assert!(p.emission_micros() >= 1);
        assert_eq!(ceil_seconds(Duration::from_millis(1)), 1);
        assert_eq!(ceil_seconds(Duration::from_secs(2)), 2);
        assert_eq!(ceil_seconds(Duration::from_millis(2001)), 3);
    }
}

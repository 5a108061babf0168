//! Rate limiting: GCRA in one Redis Lua script, so every instance shares
//! each limit, with an in-process limiter (the same arithmetic) that takes
//! over when Redis is not configured or does not answer (invariant 6: an
//! outage degrades to per-instance limits, never to no limits).
//!
//! Keys: `cv:rl:<policy>:<key>`, holding the theoretical arrival time in
//! microseconds of Redis's own clock (`TIME`, so instances need no clock
//! agreement), expiring once the quota is whole again.

use crate::connection::{RedisConnection, bounded};
use async_trait::async_trait;
use clearview_kernel::SessionId;
use clearview_kernel::rate_limit::{Admission, Decision, Policy, RateLimitError, RateLimiter, gcra};
use redis::Script;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// The GCRA step of `clearview_kernel::rate_limit::gcra` as a Lua function,
/// run atomically in Redis. `key` the key; `emission` the emission interval
/// and `window` the burst window, both in microseconds. Returns {allowed,
/// remaining, retry_after_us, reset_after_us}.
pub(crate) const GCRA_FUNCTION: &str = r#"
local function gcra(key, emission, window)
  emission = tonumber(emission)
  window = tonumber(window)
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
  local tat = tonumber(redis.call('GET', key) or '0') or 0
  if tat < now then tat = now end
  local new_tat = tat + emission
  local allow_at = new_tat - window
  if now < allow_at then
    return {0, 0, allow_at - now, tat - now}
  end
  local ttl_ms = math.ceil((new_tat - now) / 1000)
  if ttl_ms < 1 then ttl_ms = 1 end
  redis.call('SET', key, string.format('%.0f', new_tat), 'PX', ttl_ms)
  return {1, math.floor((window - (new_tat - now)) / emission), 0, new_tat - now}
end
"#;

/// KEYS[1] the key; ARGV[1] emission, ARGV[2] window.
static GCRA_SCRIPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(&format!("{GCRA_FUNCTION}\nreturn gcra(KEYS[1], ARGV[1], ARGV[2])")));

/// The script's answer: {allowed, remaining, retry_after_us, reset_after_us}.
pub(crate) type GcraReply = (i64, i64, i64, i64);

pub(crate) fn decision(reply: GcraReply) -> Decision {
    let (allowed, remaining, retry_after, reset_after) = reply;
    Decision {
        allowed: allowed == 1,
        remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
        retry_after: Duration::from_micros(retry_after.max(0) as u64),
        reset_after: Duration::from_micros(reset_after.max(0) as u64),
    }
}

/// How long one Redis round trip may take before the in-process limiter
/// answers instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(300);
/// After a failure, Redis is not asked again for this long.
const BACKOFF: Duration = Duration::from_secs(5);
/// At most one warning per this interval while Redis fails.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// `cv:rl:<policy>:<key>`.
pub fn rate_limit_key(policy: &Policy, key: &str) -> String {
    format!("cv:rl:{}:{}", policy.name, key)
}

/// GCRA over Redis, shared by every instance using the same Redis.
pub struct RedisRateLimiter {
    conn: RedisConnection,
}

impl RedisRateLimiter {
    pub fn new(conn: RedisConnection) -> Self {
        Self { conn }
    }

    /// `EVALSHA`, and `SCRIPT LOAD` once more if Redis lost its scripts.
    async fn run(&self, key: &str, policy: &Policy) -> Result<Decision, String> {
        let mut conn = self.conn.clone();
        let reply: GcraReply = GCRA_SCRIPT
            .key(rate_limit_key(policy, key))
            .arg(policy.emission_micros())
            .arg(policy.window_micros())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok(decision(reply))
    }

    /// [`RateLimiter::check_session`] in one script (see `admission`).
    async fn admit(&self, key: &str, policy: &Policy, session: SessionId) -> Result<Admission, String> {
        crate::admission::admit(&self.conn, &rate_limit_key(policy, key), policy, session).await
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn check(&self, key: &str, policy: &Policy) -> Result<Decision, RateLimitError> {
        Ok(bounded("rate_limit", REDIS_TIMEOUT, self.run(key, policy)).await?)
    }

    async fn check_session(&self, key: &str, policy: &Policy, session: SessionId) -> Result<Admission, RateLimitError> {
        Ok(bounded("rate_limit", REDIS_TIMEOUT, self.admit(key, policy, session)).await?)
    }
}

/// GCRA in this process's memory: per instance, forgotten on restart.
pub struct InProcessRateLimiter {
    epoch: Instant,
    state: Mutex<LocalState>,
}

struct LocalState {
    tats: HashMap<String, u64>,
    last_prune: u64,
}

/// Entries whose TAT has passed mean "fresh"; they are dropped this often.
const PRUNE_EVERY_MICROS: u64 = 30_000_000;

impl Default for InProcessRateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcessRateLimiter {
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
            state: Mutex::new(LocalState {
                tats: HashMap::new(),
                last_prune: 0,
            }),
        }
    }

    /// One GCRA step at `now` (microseconds since this limiter was made).
    pub fn check_at(&self, key: &str, policy: &Policy, now: u64) -> Decision {
        let full_key = rate_limit_key(policy, key);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if now.saturating_sub(state.last_prune) >= PRUNE_EVERY_MICROS {
            state.tats.retain(|_, tat| *tat > now);
            state.last_prune = now;
        }
        let (decision, new_tat) = gcra(state.tats.get(&full_key).copied(), now, policy);
        if let Some(tat) = new_tat {
            state.tats.insert(full_key, tat);
        }
        decision
    }

    /// How many keys are remembered (for tests of pruning).
    pub fn len(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).tats.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn now(&self) -> u64 {
        // +1 so a fresh limiter's first prune check is not at 0.
        self.epoch.elapsed().as_micros() as u64 + 1
    }
}

#[async_trait]
impl RateLimiter for InProcessRateLimiter {
    async fn check(&self, key: &str, policy: &Policy) -> Result<Decision, RateLimitError> {
        Ok(self.check_at(key, policy, self.now()))
    }
}

/// Redis when it answers, the in-process limiter when it does not (or is
/// not configured). Never returns `Err`: a Redis failure is logged at warn
/// at most once a minute and the request is limited locally instead.
pub struct FallbackRateLimiter {
    redis: Option<RedisRateLimiter>,
    local: InProcessRateLimiter,
    health: Mutex<Health>,
}

#[derive(Default)]
struct Health {
    skip_until: Option<Instant>,
    last_warning: Option<Instant>,
}

impl FallbackRateLimiter {
    /// `None`: in-process limits only (no `REDIS_URL`).
    pub fn new(redis: Option<RedisConnection>) -> Self {
        Self {
            redis: redis.map(RedisRateLimiter::new),
            local: InProcessRateLimiter::new(),
            health: Mutex::new(Health::default()),
        }
    }

    fn redis_usable(&self) -> bool {
        let health = self.health.lock().unwrap_or_else(|p| p.into_inner());
        health.skip_until.is_none_or(|until| Instant::now() >= until)
    }

    /// A decision made in process although Redis is configured.
    fn count_fallback(&self) {
        if self.redis.is_some() {
            metrics::counter!("clearview_redis_fallbacks_total", "component" => "rate_limit").increment(1);
        }
    }

    fn redis_failed(&self, error: &str) {
        let now = Instant::now();
        let mut health = self.health.lock().unwrap_or_else(|p| p.into_inner());
        health.skip_until = Some(now + BACKOFF);
        if health
            .last_warning
            .is_none_or(|at| now.duration_since(at) >= WARN_EVERY)
        {
            health.last_warning = Some(now);
            tracing::warn!(error = %error, "redis rate limiter unavailable; limiting in process (per instance)");
        }
    }
}

#[async_trait]
impl RateLimiter for FallbackRateLimiter {
    async fn check(&self, key: &str, policy: &Policy) -> Result<Decision, RateLimitError> {
        if let Some(redis) = &self.redis
            && self.redis_usable()
        {
            match redis.check(key, policy).await {
                Ok(decision) => return Ok(decision),
                Err(error) => self.redis_failed(&error.to_string()),
            }
        }
        self.count_fallback();
        self.local.check(key, policy).await
    }

    /// One round trip to Redis; when Redis fails, the local budget and
    /// `denied: None` (the caller asks the database about the session).
    async fn check_session(&self, key: &str, policy: &Policy, session: SessionId) -> Result<Admission, RateLimitError> {
        if let Some(redis) = &self.redis
            && self.redis_usable()
        {
            match redis.check_session(key, policy, session).await {
                Ok(admission) => return Ok(admission),
                Err(error) => self.redis_failed(&error.to_string()),
            }
        }
        self.count_fallback();
        self.local.check_session(key, policy, session).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000;

    #[test]
    fn the_in_process_limiter_keeps_keys_and_policies_apart() {
        let limiter = InProcessRateLimiter::new();
        let p = Policy::new("p", 2, Duration::from_secs(60));
        let q = Policy::new("q", 2, Duration::from_secs(60));
        let now = SECOND;
        assert!(limiter.check_at("a", &p, now).allowed);
        assert!(limiter.check_at("a", &p, now).allowed);
        assert!(!limiter.check_at("a", &p, now).allowed);
        assert!(limiter.check_at("b", &p, now).allowed, "another key");
        assert!(limiter.check_at("a", &q, now).allowed, "another policy");
    }

    #[test]
    fn the_in_process_limiter_prunes_expired_keys() {
        let limiter = InProcessRateLimiter::new();
        let p = Policy::new("p", 10, Duration::from_secs(1));
        for i in 0..100 {
            limiter.check_at(&format!("k{i}"), &p, SECOND);
        }
        assert_eq!(limiter.len(), 100);
        limiter.check_at("late", &p, SECOND + PRUNE_EVERY_MICROS + 1);
        assert_eq!(limiter.len(), 1);
    }

    #[tokio::test]
    async fn without_redis_the_fallback_limits_in_process() {
        let limiter = FallbackRateLimiter::new(None);
        let p = Policy::new("p", 1, Duration::from_secs(60));
        assert!(limiter.check("k", &p).await.unwrap().allowed);
        assert!(!limiter.check("k", &p).await.unwrap().allowed);
    }

    #[tokio::test]
    async fn an_unreachable_redis_degrades_to_in_process_limits() {
        let pool = crate::connect("redis://127.0.0.1:1").unwrap();
        let limiter = FallbackRateLimiter::new(Some(pool));
        let p = Policy::new("p", 2, Duration::from_secs(60));
        let decisions: Vec<bool> = futures_allowed(&limiter, &p, 3).await;
        assert_eq!(decisions, [true, true, false]);
    }

    async fn futures_allowed(limiter: &dyn RateLimiter, p: &Policy, n: usize) -> Vec<bool> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(limiter.check("k", p).await.unwrap().allowed);
        }
        out
    }

    fn test_redis() -> RedisConnection {
        let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        crate::connect(&url).unwrap()
    }

    fn unique(name: &str) -> Policy {
        let name = format!("{name}-{}", uuid::Uuid::new_v4().simple());
        Policy::new(name, 3, Duration::from_secs(2))
    }

    #[tokio::test]
    async fn the_redis_script_bursts_refuses_and_recovers() {
        let limiter = RedisRateLimiter::new(test_redis());
        let p = unique("script");
        let mut remaining = Vec::new();
        for _ in 0..3 {
            let d = limiter.check("k", &p).await.expect("redis at TEST_REDIS_URL answers");
            assert!(d.allowed);
            remaining.push(d.remaining);
        }
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.check("k", &p).await.unwrap();
        assert!(!refused.allowed);
        assert!(refused.retry_after > Duration::ZERO && refused.retry_after <= Duration::from_millis(667));
        assert!(refused.reset_after <= Duration::from_secs(2));

        // The key is namespaced and expires.
        let mut conn = test_redis();
        let ttl: i64 = redis::cmd("PTTL")
            .arg(rate_limit_key(&p, "k"))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!((1..=2000).contains(&ttl), "ttl {ttl}");

        tokio::time::sleep(refused.retry_after + Duration::from_millis(20)).await;
        assert!(limiter.check("k", &p).await.unwrap().allowed, "one slot came back");
    }

    #[tokio::test]
    async fn the_redis_script_is_reloaded_after_a_script_flush() {
        let limiter = RedisRateLimiter::new(test_redis());
        let p = unique("reload");
        assert!(limiter.check("k", &p).await.unwrap().allowed);
        let mut conn = test_redis();
        redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async::<()>(&mut conn)
            .await
            .unwrap();
        assert!(limiter.check("k", &p).await.unwrap().allowed);
    }

    #[tokio::test]
    async fn two_limiters_on_one_redis_share_the_limit() {
        let (a, b) = (RedisRateLimiter::new(test_redis()), RedisRateLimiter::new(test_redis()));
        let p = unique("shared");
        assert!(a.check("k", &p).await.unwrap().allowed);
        assert!(b.check("k", &p).await.unwrap().allowed);
        assert!(a.check("k", &p).await.unwrap().allowed);
        assert!(!b.check("k", &p).await.unwrap().allowed);
    }
}

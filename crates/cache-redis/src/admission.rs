//! The one Redis command of an authenticated request: a script that reads
//! the session's denial (with the denylist's completeness marker) and, for
//! a session that is not denied, counts the request against its
//! organization's budget. Two questions, one round trip (issue 10 §6).
//!
//! The three keys are read by one script, so they must live on one Redis
//! node: fine for the single primary this deployment uses (docs/scale-out.md).

use crate::connection::RedisConnection;
use crate::denylist::{MARKER, denial_key};
use crate::rate_limit::{GCRA_FUNCTION, GcraReply, decision};
use clearview_kernel::SessionId;
use clearview_kernel::rate_limit::{Admission, Decision, Policy};
use redis::Script;
use std::sync::LazyLock;
use std::time::Duration;

/// KEYS: the marker, the session's denial key, the budget key; ARGV:
/// emission and window. Returns {complete, denied, allowed, remaining,
/// retry_after_us, reset_after_us}.
static ADMISSION_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{GCRA_FUNCTION}
local complete = redis.call('EXISTS', KEYS[1])
local denied = redis.call('EXISTS', KEYS[2])
if denied == 1 then
  return {{complete, 1, 1, 0, 0, 0}}
end
local budget = gcra(KEYS[3], ARGV[1], ARGV[2])
return {{complete, 0, budget[1], budget[2], budget[3], budget[4]}}"
    ))
});

type AdmissionReply = (i64, i64, i64, i64, i64, i64);

pub(crate) async fn admit(
    conn: &RedisConnection,
    budget_key: &str,
    policy: &Policy,
    session: SessionId,
) -> Result<Admission, String> {
    let mut conn = conn.clone();
    let (complete, denied, allowed, remaining, retry_after, reset_after): AdmissionReply = ADMISSION_SCRIPT
        .key(MARKER)
        .key(denial_key(session))
        .key(budget_key)
        .arg(policy.emission_micros())
        .arg(policy.window_micros())
        .invoke_async(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(answer(
        complete == 1,
        denied == 1,
        (allowed, remaining, retry_after, reset_after),
    ))
}

/// The denylist's answer as `SessionDenylist::is_denied` gives it.
fn answer(complete: bool, denied: bool, budget: GcraReply) -> Admission {
    if denied {
        return Admission {
            budget: Decision {
                allowed: true,
                remaining: 0,
                retry_after: Duration::ZERO,
                reset_after: Duration::ZERO,
            },
            denied: Some(Some(true)),
        };
    }
    Admission {
        budget: decision(budget),
        denied: Some(if complete { Some(false) } else { None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::AsyncCommands;

    fn test_redis() -> RedisConnection {
        let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        crate::connect(&url).unwrap()
    }

    fn budget_key(policy: &Policy) -> String {
        crate::rate_limit_key(policy, "org")
    }

    fn unique_policy() -> Policy {
        Policy::new(
            format!("admit-{}", uuid::Uuid::new_v4().simple()),
            2,
            Duration::from_secs(60),
        )
    }

    #[tokio::test]
    async fn a_denied_session_is_reported_and_not_counted() {
        let conn = test_redis();
        let (session, policy) = (SessionId::generate(), unique_policy());
        conn.clone()
            .set_ex::<_, _, ()>(denial_key(session), 1, 60)
            .await
            .expect("redis at TEST_REDIS_URL answers");
        for _ in 0..3 {
            let admission = admit(&conn, &budget_key(&policy), &policy, session).await.unwrap();
            assert_eq!(admission.denied, Some(Some(true)));
            assert!(admission.budget.allowed);
        }
        let other = admit(&conn, &budget_key(&policy), &policy, SessionId::generate())
            .await
            .unwrap();
        assert_eq!(other.budget.remaining, 1, "the denied session spent nothing");
    }

    #[tokio::test]
    async fn a_live_session_is_counted_and_the_marker_is_reported() {
        let conn = test_redis();
        let policy = unique_policy();
        let first = admit(&conn, &budget_key(&policy), &policy, SessionId::generate())
            .await
            .unwrap();
        assert!(first.budget.allowed);
        assert!(matches!(first.denied, Some(Some(false)) | Some(None)));
        admit(&conn, &budget_key(&policy), &policy, SessionId::generate())
            .await
            .unwrap();
        let third = admit(&conn, &budget_key(&policy), &policy, SessionId::generate())
            .await
            .unwrap();
        assert!(!third.budget.allowed, "the budget of 2 is spent");
        assert!(third.budget.retry_after > Duration::ZERO);
    }

    #[test]
    fn an_incomplete_list_cannot_tell() {
        assert_eq!(answer(false, false, (1, 5, 0, 10)).denied, Some(None));
        assert_eq!(answer(true, false, (1, 5, 0, 10)).denied, Some(Some(false)));
    }
}

//! One multiplexed connection per process (redis-rs `ConnectionManager`):
//! every request's command is pipelined onto it, and it reconnects by
//! itself after Redis restarts. A pool would add a health check (`UNWATCH`
//! and `PING`) to every checkout, which doubled the commands per request
//! (issue 10 §6, ADR 0019).

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// The shared connection; clones are cheap and share one socket.
pub type RedisConnection = ConnectionManager;

/// How long one command may wait for its answer, and one connection
/// attempt for the server.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
const CONNECTION_TIMEOUT: Duration = Duration::from_millis(500);

/// A lazily opened connection: an absent Redis does not stop the server
/// from starting (invariant 6), and a Redis that comes back is reconnected
/// to on the next command.
pub fn connect(url: &str) -> Result<RedisConnection, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_connection_timeout(Some(CONNECTION_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200));
    ConnectionManager::new_lazy_with_config(client, config)
}

/// Runs one Redis call with a time limit; running out of time is a failure
/// like any other, so the caller degrades instead of waiting.
/// Each failure counts in `clearview_redis_errors_total{component}`; every
/// one means a fallback (the denylist asks PostgreSQL, the limiter counts
/// in process).
pub(crate) async fn bounded<T, E: std::fmt::Display>(
    component: &'static str,
    limit: Duration,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    let outcome = match tokio::time::timeout(limit, work).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("redis did not answer within {limit:?}")),
    };
    if outcome.is_err() {
        metrics::counter!("clearview_redis_errors_total", "component" => component).increment(1);
    }
    outcome
}

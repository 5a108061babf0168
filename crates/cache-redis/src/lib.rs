//! The Redis adapter (redis-rs, one multiplexed connection per process):
//! the fast session denylist that makes a logout effective on every
//! instance at once, and the shared rate limiter (GCRA in a Lua script)
//! with its in-process fallback. An authenticated request costs one Redis
//! command: one script reads its session's denial and counts its
//! organization's budget together (`admission`).
//!
//! Redis accelerates; PostgreSQL decides (invariant 6). Redis here keeps
//! nothing on disk, so the denylist carries a completeness marker: when the
//! marker is missing (Redis restarted or the marker expired) the list
//! answers "cannot tell", the caller asks the database and re-warms the list.

mod admission;
mod connection;
mod denylist;
mod rate_limit;

pub use connection::{RedisConnection, connect};
pub use denylist::RedisDenylist;
pub use rate_limit::{FallbackRateLimiter, InProcessRateLimiter, RedisRateLimiter, rate_limit_key};

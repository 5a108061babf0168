//! The Redis adapter (deadpool-redis): the fast session denylist that makes
//! a logout effective on every instance at once, and the shared rate
//! limiter (GCRA in a Lua script) with its in-process fallback.
//!
//! Redis accelerates; PostgreSQL decides (invariant 6). Redis here keeps
//! nothing on disk, so the denylist carries a completeness marker: when the
//! marker is missing (Redis restarted or the marker expired) the list
//! answers "cannot tell", the caller asks the database and re-warms the list.

mod denylist;
mod rate_limit;

pub use denylist::{RedisDenylist, connect};
pub use rate_limit::{FallbackRateLimiter, InProcessRateLimiter, RedisRateLimiter, rate_limit_key};

//! `SessionDenylist` over Redis keys `cv:denied:<session id>`.

use crate::connection::{RedisConnection, bounded};
use async_trait::async_trait;
use clearview_kernel::SessionId;
use clearview_tenancy::{DenylistError, SessionDenylist};
use redis::{AsyncCommands, pipe};
use std::time::Duration;

/// Set while the list holds every revocation of the last access-token
/// lifetime; read by the admission script too.
pub(crate) const MARKER: &str = "cv:denied:complete";

/// The longest a denylist command may take before the caller asks the
/// database instead.
const TIMEOUT: Duration = Duration::from_millis(300);

/// `cv:denied:<session id>`.
pub(crate) fn denial_key(session_id: SessionId) -> String {
    format!("cv:denied:{session_id}")
}

pub struct RedisDenylist {
    conn: RedisConnection,
    /// How long a denial must be remembered: the access-token lifetime.
    ttl_seconds: u64,
    /// How long the list is trusted before it is re-warmed from the
    /// database; bounds how long a failed denial write can go unnoticed.
    marker_seconds: u64,
}

impl RedisDenylist {
    pub fn new(conn: RedisConnection, ttl_seconds: u64) -> Self {
        Self {
            conn,
            ttl_seconds: ttl_seconds.max(1),
            marker_seconds: 300,
        }
    }

    /// Whether Redis answers a PING.
    pub async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        bounded("denylist", TIMEOUT, redis::cmd("PING").query_async::<String>(&mut conn))
            .await
            .is_ok()
    }
}

#[async_trait]
impl SessionDenylist for RedisDenylist {
    async fn deny(&self, session_id: SessionId) -> Result<(), DenylistError> {
        let mut conn = self.conn.clone();
        bounded(
            "denylist",
            TIMEOUT,
            conn.set_ex::<_, _, ()>(denial_key(session_id), 1, self.ttl_seconds),
        )
        .await
        .map_err(DenylistError::from)
    }

    async fn is_denied(&self, session_id: SessionId) -> Result<Option<bool>, DenylistError> {
        let mut conn = self.conn.clone();
        let (complete, denied): (bool, bool) = bounded(
            "denylist",
            TIMEOUT,
            pipe()
                .exists(MARKER)
                .exists(denial_key(session_id))
                .query_async(&mut conn),
        )
        .await?;
        Ok(if denied {
            Some(true)
        } else if complete {
            Some(false)
        } else {
            None
        })
    }

    async fn rewarm(&self, revoked: &[SessionId]) -> Result<(), DenylistError> {
        let mut conn = self.conn.clone();
        let mut batch = pipe();
        for session_id in revoked {
            batch.set_ex(denial_key(*session_id), 1, self.ttl_seconds).ignore();
        }
        batch.set_ex(MARKER, 1, self.marker_seconds).ignore();
        bounded("denylist", TIMEOUT, batch.query_async::<()>(&mut conn))
            .await
            .map_err(DenylistError::from)
    }
}

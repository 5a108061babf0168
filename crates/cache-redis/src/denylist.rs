//! `SessionDenylist` over Redis keys `cv:denied:<session id>`.

use async_trait::async_trait;
use clearview_kernel::SessionId;
use clearview_tenancy::SessionDenylist;
use deadpool_redis::redis::{AsyncCommands, pipe};
use deadpool_redis::{Config, Pool, Runtime};
use std::time::Duration;

const MARKER: &str = "cv:denied:complete";

/// Builds a pool; connections are opened lazily, so an absent Redis does
/// not stop the server from starting.
pub fn connect(url: &str) -> Result<Pool, String> {
    let mut config = Config::from_url(url);
    let pool_config = config.pool.get_or_insert_with(Default::default);
    pool_config.max_size = 16;
    pool_config.timeouts.wait = Some(Duration::from_millis(500));
    pool_config.timeouts.create = Some(Duration::from_millis(500));
    pool_config.timeouts.recycle = Some(Duration::from_millis(500));
    config.create_pool(Some(Runtime::Tokio1)).map_err(|e| e.to_string())
}

pub struct RedisDenylist {
    pool: Pool,
    /// How long a denial must be remembered: the access-token lifetime.
    ttl_seconds: u64,
    /// How long the list is trusted before it is re-warmed from the
    /// database; bounds how long a failed denial write can go unnoticed.
    marker_seconds: u64,
}

impl RedisDenylist {
    pub fn new(pool: Pool, ttl_seconds: u64) -> Self {
        Self {
            pool,
            ttl_seconds: ttl_seconds.max(1),
            marker_seconds: 300,
        }
    }

    fn key(session_id: SessionId) -> String {
        format!("cv:denied:{session_id}")
    }

    /// Whether Redis answers a PING.
    pub async fn ping(&self) -> bool {
        match self.pool.get().await {
            Ok(mut conn) => deadpool_redis::redis::cmd("PING")
                .query_async::<String>(&mut conn)
                .await
                .is_ok(),
            Err(_) => false,
        }
    }
}

#[async_trait]
impl SessionDenylist for RedisDenylist {
    async fn deny(&self, session_id: SessionId) -> Result<(), String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        conn.set_ex::<_, _, ()>(Self::key(session_id), 1, self.ttl_seconds)
            .await
            .map_err(|e| e.to_string())
    }

    async fn is_denied(&self, session_id: SessionId) -> Result<Option<bool>, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let (complete, denied): (bool, bool) = pipe()
            .exists(MARKER)
            .exists(Self::key(session_id))
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok(if denied {
            Some(true)
        } else if complete {
            Some(false)
        } else {
            None
        })
    }

    async fn rewarm(&self, revoked: &[SessionId]) -> Result<(), String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let mut batch = pipe();
        for session_id in revoked {
            batch.set_ex(Self::key(*session_id), 1, self.ttl_seconds).ignore();
        }
        batch.set_ex(MARKER, 1, self.marker_seconds).ignore();
        batch.query_async::<()>(&mut conn).await.map_err(|e| e.to_string())
    }
}

//! `/readyz` probes over the real adapters.

use async_trait::async_trait;
use clearview_cache_redis::RedisDenylist;
use clearview_http_api::Readiness;
use sqlx::PgPool;
use std::sync::Arc;

pub struct Probes {
    pub pool: PgPool,
    pub redis: Option<Arc<RedisDenylist>>,
}

#[async_trait]
impl Readiness for Probes {
    async fn database(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    async fn redis(&self) -> Option<bool> {
        match &self.redis {
            None => None,
            Some(redis) => Some(redis.ping().await),
        }
    }
}

//! bcrypt on a bounded blocking pool: hashing never runs on the async
//! executor, and a login flood can occupy at most `max_concurrent` threads,
//! so other endpoints keep answering.

use async_trait::async_trait;
use clearview_tenancy::PasswordHasher;
use std::sync::Arc;
use tokio::sync::Semaphore;

pub struct BcryptHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    /// A real hash to verify against when the email is unknown, so both
    /// paths cost one bcrypt verification.
    dummy_hash: String,
}

impl BcryptHasher {
    /// Builds the hasher; computes the dummy hash once (blocking, at start-up).
    pub fn new(cost: u32, max_concurrent: usize) -> Result<Self, bcrypt::BcryptError> {
        let dummy_hash = bcrypt::hash("clearview-timing-equaliser", cost)?;
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy_hash,
        })
    }

    async fn blocking<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        tokio::task::spawn_blocking(work).await.map_err(|e| e.to_string())
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &str) -> Result<String, String> {
        let (password, cost) = (password.to_owned(), self.cost);
        self.blocking(move || bcrypt::hash(password, cost))
            .await?
            .map_err(|e| e.to_string())
    }

    async fn verify(&self, password: &str, hash: Option<String>) -> bool {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let password = password.to_owned();
        // bcrypt rejects (rather than truncates) over-long input here too.
        let verified = self
            .blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
            .await
            .unwrap_or(false);
        verified && known
    }
}

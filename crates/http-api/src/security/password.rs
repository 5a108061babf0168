//! bcrypt on a bounded blocking pool: hashing never runs on the async
//! executor, and a login flood can occupy at most `max_concurrent` threads,
//! so other endpoints keep answering.
//!
//! bcrypt reads at most 72 bytes. A longer password (up to 128 characters
//! of any script are allowed) is first reduced to the base64 of its
//! SHA-256, so two long passwords that share a 72-byte prefix stay
//! different. Passwords of 72 bytes or fewer go in unchanged, so every hash
//! made before this rule still verifies.

use async_trait::async_trait;
use base64::Engine as _;
use clearview_tenancy::{HashError, PasswordHasher};
use sha2::{Digest, Sha256};
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

/// What bcrypt is given for `password` (see the module docs).
fn bcrypt_input(password: &str) -> String {
    if password.len() <= 72 {
        password.to_owned()
    } else {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(password.as_bytes()))
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &str) -> Result<String, HashError> {
        let (password, cost) = (bcrypt_input(password), self.cost);
        self.blocking(move || bcrypt::hash(password, cost))
            .await
            .map_err(HashError::Failed)?
            .map_err(|e| HashError::Failed(e.to_string()))
    }

    async fn verify(&self, password: &str, hash: Option<String>) -> bool {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let password = bcrypt_input(password);
        let verified = self
            .blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
            .await
            .unwrap_or(false);
        verified && known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn long_passwords_sharing_a_prefix_are_different_passwords() {
        let hasher = BcryptHasher::new(4, 1).unwrap();
        let long = "x".repeat(80);
        let hash = hasher.hash(&long).await.unwrap();
        assert!(hasher.verify(&long, Some(hash.clone())).await);
        assert!(!hasher.verify(&format!("{}y", &long[..79]), Some(hash)).await);
    }

    #[tokio::test]
    async fn short_passwords_are_hashed_as_before() {
        let hasher = BcryptHasher::new(4, 1).unwrap();
        let legacy = bcrypt::hash("correct horse battery", 4).unwrap();
        assert!(hasher.verify("correct horse battery", Some(legacy)).await);
    }
}

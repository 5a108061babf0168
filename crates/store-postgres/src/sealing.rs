//! Outbox payloads sealed at rest (issue 9, class 6): an e-mail job holds
//! single-use links (invitation, password reset, sign-up) and personal data,
//! so its payload is stored encrypted — ChaCha20-Poly1305 with a key derived
//! (HKDF-SHA256) from a server secret that is not in the database. Nothing
//! readable from the database is a usable link.
//!
//! A sealed payload is `{"sealed": base64(nonce ‖ ciphertext)}`; the job's
//! tenant and id are the associated data, so a sealed payload cannot be
//! moved to another job. Changing the secret makes queued e-mails
//! unreadable: they fail, go dead, and are listed for the admin.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde_json::Value;
use uuid::Uuid;

#[derive(Clone)]
pub struct OutboxKey(ChaCha20Poly1305);

impl std::fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboxKey(redacted)")
    }
}

fn associated(tenant: Uuid, job: Uuid) -> Vec<u8> {
    [tenant.as_bytes().as_slice(), job.as_bytes().as_slice()].concat()
}

impl OutboxKey {
    /// The key for `secret` (the server's JWT secret, 32+ characters).
    pub fn derive(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(b"clearview"), secret)
            .expand(b"outbox payload v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Self(ChaCha20Poly1305::new(&Key::from(key)))
    }

    pub fn seal(&self, tenant: Uuid, job: Uuid, plain: &Value) -> Value {
        let nonce: [u8; 12] = rand::random();
        let sealed = self
            .0
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.to_string().as_bytes(),
                    aad: &associated(tenant, job),
                },
            )
            .expect("encrypting into a Vec cannot fail");
        serde_json::json!({ "sealed": STANDARD.encode([nonce.as_slice(), &sealed].concat()) })
    }

    /// The plain payload; a payload that was never sealed is returned as it
    /// is (jobs queued before sealing existed, and non-secret kinds).
    pub fn open(&self, tenant: Uuid, job: Uuid, payload: &Value) -> Result<Value, String> {
        let Some(sealed) = payload.get("sealed").and_then(Value::as_str) else {
            return Ok(payload.clone());
        };
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| "the sealed payload is not base64")?;
        if bytes.len() < 12 {
            return Err("the sealed payload is too short".into());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| "the sealed payload is too short")?;
        let plain = self
            .0
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &associated(tenant, job),
                },
            )
            .map_err(|_| "the payload cannot be opened with this server's key (was JWT_SECRET changed?)")?;
        serde_json::from_slice(&plain).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_payload_opens_only_for_its_own_job_and_key() {
        let key = OutboxKey::derive(b"0123456789abcdef0123456789abcdef");
        let (tenant, job) = (Uuid::now_v7(), Uuid::now_v7());
        let plain = serde_json::json!({"to": "a@b.test", "text": "https://x/accept?token=secret"});
        let sealed = key.seal(tenant, job, &plain);
        assert!(!sealed.to_string().contains("secret") && !sealed.to_string().contains("a@b.test"));
        assert_eq!(key.open(tenant, job, &sealed).unwrap(), plain);
        assert!(
            key.open(tenant, Uuid::now_v7(), &sealed).is_err(),
            "moved to another job"
        );
        let other = OutboxKey::derive(b"another secret of at least 32 chars");
        assert!(other.open(tenant, job, &sealed).is_err());
    }
}

//! The outgoing side of webhooks (ADR 0026): an adapter implementing the
//! `WebhookSender` port with reqwest over rustls.
//!
//! It keeps the SSRF guard: a URL must be https (http only when allowed by
//! configuration), and its host is resolved once per attempt and every
//! address checked; the request then goes to that checked address (so a
//! DNS answer that changes between check and connect cannot slip through),
//! never follows a redirect, gives up after 5 s and reads at most 64 KiB
//! of the answer. Loopback, private, link-local (cloud metadata), CGNAT,
//! multicast, unspecified, IPv4-mapped, NAT64 and unique-local addresses
//! are refused unless `host:port` is on the explicit allow list (tests).
//!
//! Signatures follow the Standard Webhooks specification: `webhook-id`,
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`, keyed with the base64 part of a `whsec_` secret.

mod guard;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clearview_tenancy::{Attempt, Outgoing, WebhookSender};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use guard::{Guard, refused_address};

/// How long an attempt may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The most of a receiver's answer read (and kept: its first 200 bytes).
const MAX_ANSWER: usize = 64 * 1024;

/// Makes rustls' ring provider the process default. reqwest is built
/// without one of its own, and feature unification gives every reqwest
/// client in the process (the OTLP exporter's too) the same TLS stack, so
/// call this first thing in `main`, before any client is built.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `whsec_` + base64 of 24 random bytes, as Standard Webhooks suggests.
pub fn new_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// `v1,<signature>` of `id.timestamp.body` with a `whsec_` secret; `None`
/// when the secret is not base64.
pub fn sign(secret: &str, id: &str, timestamp: u64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

pub struct HttpWebhookSender {
    guard: Guard,
}

impl HttpWebhookSender {
    pub fn new(guard: Guard) -> Self {
        install_tls_provider();
        Self { guard }
    }

    async fn attempt(&self, outgoing: &Outgoing) -> Result<u16, String> {
        let target = self.guard.resolve(&outgoing.url).await?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .resolve(&target.host, target.address)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let id = outgoing.delivery_id.to_string();
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        // One signature per valid secret, space-separated (a rotation's
        // overlap): a receiver accepts the delivery if any one matches.
        let signatures = outgoing
            .secrets
            .iter()
            .map(|secret| sign(secret, &id, timestamp, &outgoing.body))
            .collect::<Option<Vec<_>>>()
            .ok_or("a signing secret is not base64")?;
        let mut response = client
            .post(target.url)
            .header("content-type", "application/json")
            .header("user-agent", "Clearview-Webhooks/1")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signatures.join(" "))
            .body(outgoing.body.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let mut read = 0usize;
        while read < MAX_ANSWER {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) => break,
                Err(e) => return Err(describe(&e)),
            }
        }
        Ok(status)
    }
}

fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out after 5 s".into()
    } else if err.is_connect() {
        "could not connect".into()
    } else {
        format!("request failed: {err}")
    }
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn refusal(&self, url: &str) -> Option<String> {
        self.guard.resolve(url).await.err()
    }

    fn new_secret(&self) -> String {
        new_secret()
    }

    async fn send(&self, outgoing: &Outgoing) -> Attempt {
        let started = Instant::now();
        let result = self.attempt(outgoing).await;
        let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        match result {
            Ok(code) => Attempt {
                response_code: Some(code),
                latency_ms,
                error: None,
            },
            Err(error) => {
                tracing::info!(delivery_id = %outgoing.delivery_id, error = %error, "webhook attempt failed");
                Attempt {
                    response_code: None,
                    latency_ms,
                    error: Some(error),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("whsec_!!!", "id", 1, "{}"), None);
    }

    #[test]
    fn secrets_are_whsec_base64_of_24_bytes_and_unique() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        let key = STANDARD.decode(a.strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(key.len(), 24);
    }
}

//! Access tokens: short-lived HS256 JWTs. The algorithm is pinned and `exp`,
//! `iss`, `aud` and `sub` are required, so a token signed otherwise, meant
//! for another audience or without an expiry is refused.

use clearview_kernel::{Role, SessionId, TenantId, UserId};
use clearview_tenancy::SessionIdentity;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const ISSUER: &str = "clearview";
const AUDIENCE: &str = "clearview-api";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: Uuid,
    tid: Uuid,
    sid: Uuid,
    role: String,
    iat: i64,
    exp: i64,
    jti: Uuid,
    /// Set while the session may only enroll a second factor (ADR 0027).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    mfa_enroll: bool,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds,
        }
    }

    pub fn issue(&self, identity: &SessionIdentity) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: identity.user_id.as_uuid(),
            tid: identity.tenant_id.as_uuid(),
            sid: identity.session_id.as_uuid(),
            role: identity.role.as_str().into(),
            iat: now,
            exp: now + self.ttl_seconds,
            jti: Uuid::now_v7(),
            mfa_enroll: identity.mfa_enrollment_pending,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The identity in a valid token; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<SessionIdentity> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation).ok()?.claims;
        Some(SessionIdentity {
            tenant_id: TenantId::from_uuid(claims.tid),
            user_id: UserId::from_uuid(claims.sub),
            role: claims.role.parse::<Role>().ok()?,
            session_id: SessionId::from_uuid(claims.sid),
            mfa_enrollment_pending: claims.mfa_enroll,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> SessionIdentity {
        SessionIdentity {
            tenant_id: TenantId::generate(),
            user_id: UserId::generate(),
            role: Role::Rep,
            session_id: SessionId::generate(),
            mfa_enrollment_pending: false,
        }
    }

    #[test]
    fn a_token_round_trips_and_other_keys_or_expired_tokens_fail() {
        let keys = TokenKeys::new(b"a-test-secret-of-enough-length-000", 900);
        let who = identity();
        assert_eq!(keys.verify(&keys.issue(&who).unwrap()), Some(who));
        let other = TokenKeys::new(b"another-secret-of-enough-length-00", 900);
        assert_eq!(other.verify(&keys.issue(&who).unwrap()), None);
        let expired = TokenKeys::new(b"a-test-secret-of-enough-length-000", -60);
        assert_eq!(keys.verify(&expired.issue(&who).unwrap()), None);
    }

    #[test]
    fn a_session_that_must_enroll_a_second_factor_says_so_in_its_token() {
        let keys = TokenKeys::new(b"a-test-secret-of-enough-length-000", 900);
        let who = SessionIdentity {
            mfa_enrollment_pending: true,
            ..identity()
        };
        assert_eq!(keys.verify(&keys.issue(&who).unwrap()), Some(who));
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let keys = TokenKeys::new(b"a-test-secret-of-enough-length-000", 900);
        let token = keys.issue(&identity()).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            r#"{"alg":"none","typ":"JWT"}"#,
        );
        parts[0] = &none_header;
        parts[2] = "";
        assert_eq!(keys.verify(&parts.join(".")), None);
    }
}

//! API key secrets: `cvk_<tenant id, 32 hex>_<32 random bytes, base64url>`,
//! and SCIM tokens of the same form prefixed `cvs_`.
//! The `cvk_` prefix lets secret scanners (and people) recognise a leaked
//! key; the tenant lets the server open a tenant-scoped transaction before
//! the look-up, as refresh tokens do. Only the SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clearview_kernel::TenantId;
use clearview_tenancy::SecretMinter;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PREFIX: &str = "cvk_";

pub struct ApiKeySecrets;

/// The organization's SCIM token (ADR 0036): the same form, prefixed
/// `cvs_`, so neither kind of secret is ever taken for the other.
pub struct ScimTokenSecrets;

fn mint(prefix: &str, tenant_id: TenantId) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}_{}",
        tenant_id.as_uuid().simple(),
        URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn tenant_of(prefix: &str, secret: &str) -> Option<TenantId> {
    let rest = secret.strip_prefix(prefix)?;
    let (tenant, random) = (rest.get(..32)?, rest.get(32..)?);
    let random = random.strip_prefix('_')?;
    if random.len() != 43 || !tenant.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Uuid::try_parse(tenant).ok().map(TenantId::from_uuid)
}

impl SecretMinter for ApiKeySecrets {
    fn mint(&self, tenant_id: TenantId) -> String {
        mint(PREFIX, tenant_id)
    }

    fn digest(&self, secret: &str) -> Vec<u8> {
        digest(secret)
    }

    fn tenant_of(&self, secret: &str) -> Option<TenantId> {
        tenant_of(PREFIX, secret)
    }
}

impl SecretMinter for ScimTokenSecrets {
    fn mint(&self, tenant_id: TenantId) -> String {
        mint(clearview_tenancy::scim::TOKEN_PREFIX, tenant_id)
    }

    fn digest(&self, secret: &str) -> Vec<u8> {
        digest(secret)
    }

    fn tenant_of(&self, secret: &str) -> Option<TenantId> {
        tenant_of(clearview_tenancy::scim::TOKEN_PREFIX, secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_its_tenant_and_anything_else_names_none() {
        let tenant = TenantId::generate();
        let (a, b) = (ApiKeySecrets.mint(tenant), ApiKeySecrets.mint(tenant));
        assert_ne!(a, b);
        assert!(a.starts_with("cvk_"));
        assert_eq!(ApiKeySecrets.tenant_of(&a), Some(tenant));
        for bad in ["", "cvk_", "garbage", &a[..a.len() - 1], &a.replacen("cvk_", "cvx_", 1)] {
            assert_eq!(ApiKeySecrets.tenant_of(bad), None, "{bad}");
        }
        // Neither kind of secret is taken for the other.
        assert_eq!(ScimTokenSecrets.tenant_of(&a), None);
        let scim = ScimTokenSecrets.mint(tenant);
        assert!(scim.starts_with("cvs_"));
        assert_eq!(
            (ScimTokenSecrets.tenant_of(&scim), ApiKeySecrets.tenant_of(&scim)),
            (Some(tenant), None)
        );
        // A multi-byte character where the tenant should end is no panic.
        assert_eq!(ApiKeySecrets.tenant_of("cvk_0123456789abcdef0123456789abcdeé_x"), None);
    }
}

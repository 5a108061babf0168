//! Refresh tokens: `<tenant id>.<32 random bytes, base64url>`. The tenant
//! prefix lets the server open a tenant-scoped transaction before the look-up
//! (ids are not secret); only the SHA-256 of the whole token is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clearview_kernel::TenantId;
use clearview_tenancy::SecretMinter;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub struct RefreshSecrets;

impl SecretMinter for RefreshSecrets {
    fn mint(&self, tenant_id: TenantId) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        format!("{}.{}", tenant_id.as_uuid().simple(), URL_SAFE_NO_PAD.encode(bytes))
    }

    fn digest(&self, secret: &str) -> Vec<u8> {
        Sha256::digest(secret.as_bytes()).to_vec()
    }

    fn tenant_of(&self, secret: &str) -> Option<TenantId> {
        let (tenant, random) = secret.split_once('.')?;
        if random.len() != 43 {
            return None;
        }
        Uuid::try_parse(tenant).ok().map(TenantId::from_uuid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_secret_names_its_tenant_and_is_unique() {
        let tenant = TenantId::generate();
        let (a, b) = (RefreshSecrets.mint(tenant), RefreshSecrets.mint(tenant));
        assert_ne!(a, b);
        assert_eq!(RefreshSecrets.tenant_of(&a), Some(tenant));
        assert_eq!(RefreshSecrets.tenant_of("garbage"), None);
        assert_eq!(RefreshSecrets.digest(&a).len(), 32);
    }
}

//! API keys: an organization's credentials for integrations (ADR 0025).
//!
//! Admins create, list and revoke them. A key acts as the admin who made
//! it, with the key's own role and scope, and only while that admin is
//! still an admin of the organization: demoting or removing them, or
//! erasing their account, stops their keys at once. The secret is shown
//! once; only its SHA-256 is stored (it is 32 random bytes, so a slow hash
//! adds nothing), beside a short hint to recognise it in the list.

use crate::ports::SecretMinter;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::records::RecordError;
use clearview_kernel::{RepoError, Role, TenantContext, TenantId, UserId, ValidationErrors, required_text};
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

/// Longest key name, in characters.
pub const KEY_NAME_MAX: usize = 100;
/// Last characters of the secret kept in the clear as its hint (the start
/// is the same for every key of an organization).
const HINT_CHARS: usize = 6;

/// What a key may do within its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    /// Reads only: any request that could change data is refused.
    Read,
    /// Everything its role allows.
    Write,
}

impl KeyScope {
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyScope::Read => "read",
            KeyScope::Write => "write",
        }
    }
}

impl FromStr for KeyScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(KeyScope::Read),
            "write" => Ok(KeyScope::Write),
            _ => Err(format!("unknown scope `{s}`; expected read or write")),
        }
    }
}

/// A key as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub scope: KeyScope,
    /// `…` and the secret's last characters, to tell keys apart.
    pub hint: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A key to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub scope: KeyScope,
    pub hint: String,
    pub secret_hash: Vec<u8>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What an admin asks for, as received.
#[derive(Debug, Clone, Default)]
pub struct KeyRequest {
    pub name: String,
    pub role: String,
    /// `read` or `write`; absent means `write`.
    pub scope: Option<String>,
    /// Days until it stops working, 1..=[`KEY_MAX_DAYS`]; absent: never.
    pub expires_in_days: Option<u32>,
}

/// The longest lifetime a key may be given, in days (ten years).
pub const KEY_MAX_DAYS: u32 = 3650;

/// A stored key found by its secret's digest: live (not revoked, not
/// expired), with its creator's current role in the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHolder {
    pub key_id: Uuid,
    pub role: Role,
    pub scope: KeyScope,
    pub created_by: Option<UserId>,
    /// `None` when the creator is no longer a member.
    pub creator_role: Option<Role>,
}

/// A request authenticated by a key: the context it acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCaller {
    pub ctx: TenantContext,
    pub key_id: Uuid,
    pub scope: KeyScope,
}

/// Storage of API keys. `revoke` of an unknown (or another tenant's) id is
/// `NotFound`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// `create` and `revoke` append their `audit` entry in the same
    /// transaction.
    async fn create(&self, ctx: &TenantContext, key: &NewApiKey, audit: &AuditEntry) -> Result<ApiKey, RepoError>;
    /// Live keys, newest first.
    async fn list(&self, ctx: &TenantContext) -> Result<Vec<ApiKey>, RepoError>;
    async fn revoke(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError>;
    /// The live key with this digest in this organization, marking it used.
    async fn authenticate(&self, tenant: TenantId, secret_hash: &[u8]) -> Result<Option<KeyHolder>, RepoError>;
}

#[derive(Clone)]
pub struct ApiKeyService {
    keys: Arc<dyn ApiKeyRepository>,
    secrets: Arc<dyn SecretMinter>,
}

fn admin_only(ctx: &TenantContext) -> Result<(), RecordError> {
    if ctx.role == Role::Admin {
        Ok(())
    } else {
        Err(RecordError::Forbidden("only admins manage API keys"))
    }
}

impl ApiKeyService {
    pub fn new(keys: Arc<dyn ApiKeyRepository>, secrets: Arc<dyn SecretMinter>) -> Self {
        Self { keys, secrets }
    }

    /// Creates a key; returns it with its secret, which is never shown again.
    pub async fn create(
        &self,
        ctx: &TenantContext,
        request: &KeyRequest,
        now: DateTime<Utc>,
        origin: &RequestOrigin,
    ) -> Result<(ApiKey, String), RecordError> {
        admin_only(ctx)?;
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", required_text(&request.name, KEY_NAME_MAX));
        let role = errors.check("role", request.role.parse::<Role>());
        let scope = errors.check(
            "scope",
            request.scope.as_deref().map_or(Ok(KeyScope::Write), str::parse),
        );
        let expires_at = match request.expires_in_days {
            None => None,
            Some(days @ 1..=KEY_MAX_DAYS) => Some(now + chrono::Duration::days(i64::from(days))),
            Some(_) => {
                errors.add("expires_in_days", format!("must be 1 to {KEY_MAX_DAYS} days"));
                None
            }
        };
        errors.into_result().map_err(RecordError::Invalid)?;
        let (Some(name), Some(role), Some(scope)) = (name, role, scope) else {
            unreachable!("errors were empty, so every field parsed");
        };
        let secret = self.secrets.mint(ctx.tenant_id);
        let key = NewApiKey {
            id: Uuid::now_v7(),
            name,
            role,
            scope,
            hint: hint(&secret),
            secret_hash: self.secrets.digest(&secret),
            expires_at,
        };
        let audit = AuditEntry::new(actions::API_KEY_CREATED, origin)
            .target("api_key", key.id)
            .detail("role", role.as_str())
            .detail("scope", scope.as_str());
        let stored = self.keys.create(ctx, &key, &audit).await?;
        Ok((stored, secret))
    }

    pub async fn list(&self, ctx: &TenantContext) -> Result<Vec<ApiKey>, RecordError> {
        admin_only(ctx)?;
        Ok(self.keys.list(ctx).await?)
    }

    pub async fn revoke(&self, ctx: &TenantContext, id: Uuid, origin: &RequestOrigin) -> Result<(), RecordError> {
        admin_only(ctx)?;
        let audit = AuditEntry::new(actions::API_KEY_REVOKED, origin).target("api_key", id);
        Ok(self.keys.revoke(ctx, id, &audit).await?)
    }

    /// The caller a presented secret stands for, or `None` (malformed,
    /// unknown, revoked, expired, or its creator is no longer an admin).
    pub async fn authenticate(&self, secret: &str) -> Result<Option<KeyCaller>, RecordError> {
        let Some(tenant) = self.secrets.tenant_of(secret) else {
            return Ok(None);
        };
        let holder = self.keys.authenticate(tenant, &self.secrets.digest(secret)).await?;
        Ok(holder.and_then(|h| caller(tenant, &h)))
    }
}

fn hint(secret: &str) -> String {
    let start = secret.char_indices().rev().nth(HINT_CHARS - 1).map_or(0, |(i, _)| i);
    format!("…{}", &secret[start..])
}

/// A key works only while the admin who made it is still an admin.
fn caller(tenant: TenantId, holder: &KeyHolder) -> Option<KeyCaller> {
    let creator = holder.created_by?;
    (holder.creator_role == Some(Role::Admin)).then(|| KeyCaller {
        ctx: TenantContext::new(tenant, creator, holder.role),
        key_id: holder.key_id,
        scope: holder.scope,
    })
}

#[cfg(test)]
#[path = "api_keys_tests.rs"]
mod tests;

//! What tenancy needs from the outside world. Each adapter maps its own
//! failures to `RepoError` (storage) or an error type of their own (the rest).

use crate::model::{LoginCandidate, Me, Organization, OrganizationChanges, SessionIdentity};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::{RepoError, SessionId, TenantContext, TenantId};

/// Storage of organizations, identities, memberships and sessions.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait AccountRepository: Send + Sync {
    /// Every membership of the identity with this email (case-insensitive);
    /// empty when there is no such identity.
    async fn login_candidates(&self, email: &str) -> Result<Vec<LoginCandidate>, RepoError>;

    /// Starts a session whose first refresh token has this hash.
    async fn create_session(
        &self,
        identity: &SessionIdentity,
        refresh_hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Swaps the refresh token with `presented_hash` for `new_hash`.
    async fn rotate_refresh_token(
        &self,
        tenant_id: TenantId,
        presented_hash: &[u8],
        new_hash: &[u8],
    ) -> Result<RefreshOutcome, RepoError>;

    /// Revokes the session a refresh token (current or rotated) belongs to;
    /// returns it, or `None` for an unknown token.
    async fn revoke_by_refresh(&self, tenant_id: TenantId, refresh_hash: &[u8])
    -> Result<Option<SessionId>, RepoError>;

    /// Marks a session revoked; revoking twice is harmless.
    async fn revoke_session(&self, tenant_id: TenantId, session_id: SessionId) -> Result<(), RepoError>;

    /// The session's current identity, or `None` if revoked, expired or gone.
    async fn live_session(
        &self,
        tenant_id: TenantId,
        session_id: SessionId,
    ) -> Result<Option<SessionIdentity>, RepoError>;

    /// Sessions revoked since the given time (any tenant), for the denylist.
    async fn recently_revoked(&self, since: DateTime<Utc>) -> Result<Vec<SessionId>, RepoError>;

    async fn me(&self, ctx: &TenantContext) -> Result<Me, RepoError>;

    async fn organization(&self, ctx: &TenantContext) -> Result<Organization, RepoError>;

    /// Applies the given changes to the caller's organization and appends
    /// `audit` in the same transaction.
    async fn update_organization(
        &self,
        ctx: &TenantContext,
        changes: &OrganizationChanges,
        audit: &AuditEntry,
    ) -> Result<Organization, RepoError>;
}

/// What rotating a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The token was current and has been replaced.
    Rotated(SessionIdentity),
    /// The token had already been rotated: the session is now revoked.
    Reused(SessionId),
    /// No such token, or its session is revoked or expired.
    Invalid,
}

/// Hashing failed (the hashing pool is gone, the cost is invalid).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// The fast denylist's store failed; callers ask the database instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DenylistError {
    #[error("the session denylist is unavailable: {0}")]
    Unavailable(String),
}

impl From<String> for DenylistError {
    fn from(reason: String) -> Self {
        Self::Unavailable(reason)
    }
}

/// Slow password hashing, run off the async executor.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &str) -> Result<String, HashError>;
    /// Verifies against `hash`, or against a fixed dummy hash when `None`, so
    /// an unknown email costs the same time as a wrong password.
    async fn verify(&self, password: &str, hash: Option<String>) -> bool;
}

/// Opaque secrets for refresh tokens: random plaintext and its digest.
#[cfg_attr(test, mockall::automock)]
pub trait SecretMinter: Send + Sync {
    /// A new secret, prefixed so the tenant is known before any look-up.
    fn mint(&self, tenant_id: TenantId) -> String;
    /// The stored digest of a secret.
    fn digest(&self, secret: &str) -> Vec<u8>;
    /// The tenant a secret was minted for, if it is well-formed.
    fn tenant_of(&self, secret: &str) -> Option<TenantId>;
}

/// A fast denylist of revoked sessions (Redis). `Ok(None)` means "cannot
/// tell" (e.g. it lost its data), and the caller asks the database instead.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait SessionDenylist: Send + Sync {
    async fn deny(&self, session_id: SessionId) -> Result<(), DenylistError>;
    async fn is_denied(&self, session_id: SessionId) -> Result<Option<bool>, DenylistError>;
    /// Loads the given revoked sessions and marks the list complete.
    async fn rewarm(&self, revoked: &[SessionId]) -> Result<(), DenylistError>;
}

/// Tells the fast denylist (if any) about sessions that just ended. The
/// database already holds each revocation, so a failed write only leaves the
/// denylist stale until its completeness marker expires and it is re-warmed
/// from the database (ADR 0003); it is therefore not an error here.
pub(crate) async fn deny_sessions(denylist: Option<&std::sync::Arc<dyn SessionDenylist>>, sessions: &[SessionId]) {
    if let Some(denylist) = denylist {
        for session in sessions {
            let _ = denylist.deny(*session).await;
        }
    }
}

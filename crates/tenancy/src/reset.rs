//! Password reset by e-mail: the request answers the same whether or not the
//! account exists; the e-mailed token is single-use and expires; a reset
//! ends every session of the person, in every organization.

use crate::emails;
use crate::model::Password;
use crate::ports::{AccountRepository, PasswordHasher, SecretMinter, SessionDenylist, deny_sessions};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use clearview_kernel::mail::Email;
use clearview_kernel::records::RecordError;
use clearview_kernel::{EmailAddress, RepoError, SessionId, TenantId, UserId, ValidationErrors};
use std::sync::Arc;

pub const RESET_MINUTES: i64 = 60;

/// Errors: `NotFound` when the token is unknown, used or expired.
#[async_trait]
pub trait ResetRepository: Send + Sync {
    /// Stores the reset and queues its e-mail in the outbox of `via` (an
    /// organization of the person; the outbox is per tenant) in one
    /// transaction.
    async fn create_reset(
        &self,
        user: UserId,
        token_hash: &[u8],
        expires_at: DateTime<Utc>,
        via: TenantId,
        message: &Email,
    ) -> Result<(), RepoError>;
    /// Uses the token: sets the new password hash and revokes every session
    /// of the identity; returns the revoked sessions.
    async fn complete_reset(&self, token_hash: &[u8], password_hash: &str) -> Result<Vec<SessionId>, RepoError>;
}

#[derive(Clone)]
pub struct PasswordResetService {
    resets: Arc<dyn ResetRepository>,
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    secrets: Arc<dyn SecretMinter>,
    denylist: Option<Arc<dyn SessionDenylist>>,
    public_url: String,
}

impl PasswordResetService {
    pub fn new(
        resets: Arc<dyn ResetRepository>,
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        secrets: Arc<dyn SecretMinter>,
        denylist: Option<Arc<dyn SessionDenylist>>,
        public_url: String,
    ) -> Self {
        Self {
            resets,
            accounts,
            hasher,
            secrets,
            denylist,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Queues a reset e-mail if the address belongs to a member of some
    /// organization; does nothing otherwise. The caller answers the same
    /// either way.
    pub async fn request(&self, email: &str) -> Result<(), RecordError> {
        let Ok(email) = EmailAddress::parse(email) else {
            return Ok(());
        };
        let candidates = self.accounts.login_candidates(email.as_str()).await?;
        let Some(first) = candidates.first() else {
            return Ok(());
        };
        let Some((via, _, _)) = candidates.iter().find_map(|c| c.membership.clone()) else {
            return Ok(());
        };
        let token = self.secrets.mint(via);
        let link = format!("{}/password-reset?token={token}", self.public_url);
        let message = emails::password_reset(email.as_str(), &link, RESET_MINUTES);
        let expires_at = Utc::now() + Duration::minutes(RESET_MINUTES);
        self.resets
            .create_reset(first.user_id, &self.secrets.digest(&token), expires_at, via, &message)
            .await?;
        Ok(())
    }

    /// Sets a new password with a token from the e-mail.
    pub async fn complete(&self, token: &str, password: &str) -> Result<(), RecordError> {
        let password =
            Password::parse(password).map_err(|e| RecordError::Invalid(ValidationErrors::single("password", e)))?;
        let hash = self
            .hasher
            .hash(password.expose())
            .await
            .map_err(|e| RecordError::Unexpected(e.into()))?;
        let sessions = match self.resets.complete_reset(&self.secrets.digest(token), &hash).await {
            Err(RepoError::NotFound) => {
                return Err(RecordError::Gone {
                    field: "token",
                    why: "this reset link is invalid, used or expired",
                });
            }
            other => other?,
        };
        deny_sessions(self.denylist.as_ref(), &sessions).await;
        Ok(())
    }
}

//! Sign-up with proof of the e-mail address (ADR 0015).
//!
//! Registering creates an organization with no member and a pending
//! sign-up, and e-mails a link to the address. Only following that link —
//! and giving the password chosen at sign-up, so that a person who clicks a
//! stranger's link does not end up in the stranger's account — creates the
//! identity and signs in. The answer to registering is the same whether or
//! not the address already has an account; an existing owner gets an e-mail
//! saying so instead of a new organization.

use crate::emails;
use crate::model::{NewRegistration, Password, SessionGrant};
use crate::ports::{AccountRepository, PasswordHasher, SecretMinter};
use crate::service::{AuthError, AuthService};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::mail::Email;
use clearview_kernel::{RepoError, Role, TenantId, UserId, ValidationErrors};
use std::sync::Arc;
use uuid::Uuid;

/// How long a sign-up link works; its organization is removed afterwards.
pub const SIGNUP_HOURS: i64 = 24;

/// A sign-up to store with its verification e-mail (the outbox).
#[derive(Debug, Clone)]
pub struct NewSignup {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub organization_name: String,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub token_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub message: Email,
}

/// A sign-up whose link has not been used yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignup {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait SignupRepository: Send + Sync {
    /// Stores the organization (default pipeline, no member), the sign-up
    /// and its e-mail job in one transaction; removes expired sign-ups'
    /// organizations first.
    async fn create_signup(&self, signup: &NewSignup) -> Result<(), RepoError>;
    /// Queues an e-mail in an organization's outbox.
    async fn queue_notice(&self, via: TenantId, message: &Email) -> Result<(), RepoError>;
    /// The unexpired sign-up with this token hash.
    async fn pending_signup(&self, tenant: TenantId, token_hash: &[u8]) -> Result<Option<PendingSignup>, RepoError>;
    /// Uses the sign-up atomically: creates the identity `new_user`, or
    /// claims the existing identity of the address if it belongs to no
    /// organization (its name and password are replaced; it has no session,
    /// sessions belong to memberships), and makes it the organization's
    /// admin; returns the identity. `Duplicate { field:
    /// "email" }` when the address belongs to a member of any organization;
    /// `NotFound` when the sign-up is no longer pending.
    /// `audit` is appended in the same transaction, as done by the user.
    async fn complete_signup(
        &self,
        tenant: TenantId,
        signup: Uuid,
        new_user: UserId,
        audit: &AuditEntry,
    ) -> Result<UserId, RepoError>;
}

#[derive(Clone)]
pub struct SignupService {
    signups: Arc<dyn SignupRepository>,
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    secrets: Arc<dyn SecretMinter>,
    auth: AuthService,
    public_url: String,
}

fn invalid(field: &str, message: &str) -> AuthError {
    AuthError::Invalid(ValidationErrors::single(field, message))
}

impl SignupService {
    pub fn new(
        signups: Arc<dyn SignupRepository>,
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        secrets: Arc<dyn SecretMinter>,
        auth: AuthService,
        public_url: String,
    ) -> Self {
        Self {
            signups,
            accounts,
            hasher,
            secrets,
            auth,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Starts a sign-up, or tells the address's existing owner. Returns
    /// the new organization's id when one was created (for the audit log);
    /// the caller answers the same either way.
    pub async fn register(&self, registration: NewRegistration) -> Result<Option<TenantId>, AuthError> {
        // Hashed on both paths so both take as long.
        let password_hash = self
            .hasher
            .hash(registration.password.expose())
            .await
            .map_err(AuthError::Hashing)?;
        let email = registration.email.as_str();
        let candidates = self.accounts.login_candidates(email).await?;
        if let Some((via, _, _)) = candidates.iter().find_map(|c| c.membership.clone()) {
            let message = emails::account_exists(email, &format!("{}/sign-in", self.public_url));
            self.signups.queue_notice(via, &message).await?;
            return Ok(None);
        }
        let tenant_id = TenantId::generate();
        let token = self.secrets.mint(tenant_id);
        let link = format!("{}/verify-email?token={token}", self.public_url);
        let signup = NewSignup {
            tenant_id,
            id: Uuid::now_v7(),
            organization_name: registration.organization_name.as_str().to_owned(),
            name: registration.name.as_str().to_owned(),
            email: email.to_owned(),
            password_hash,
            token_hash: self.secrets.digest(&token),
            expires_at: Utc::now() + Duration::hours(SIGNUP_HOURS),
            message: emails::verify_signup(email, registration.organization_name.as_str(), &link, SIGNUP_HOURS),
        };
        self.signups.create_signup(&signup).await?;
        Ok(Some(tenant_id))
    }

    /// Follows a sign-up link: with the password chosen at sign-up, creates
    /// the identity and its admin membership and signs in.
    pub async fn verify(&self, token: &str, password: &str, origin: &RequestOrigin) -> Result<SessionGrant, AuthError> {
        const GONE: &str = "this sign-up link is invalid, used or expired; sign up again";
        if Password::parse(password).is_err() {
            return Err(invalid("password", "enter the password you chose when you signed up"));
        }
        let tenant = self.secrets.tenant_of(token).ok_or(AuthError::LinkGone(GONE))?;
        let pending = self
            .signups
            .pending_signup(tenant, &self.secrets.digest(token))
            .await?
            .ok_or(AuthError::LinkGone(GONE))?;
        if !self.hasher.verify(password, Some(pending.password_hash)).await {
            return Err(AuthError::WrongPassword(
                "this is not the password chosen when signing up with this link",
            ));
        }
        let audit = AuditEntry::new(actions::ORGANIZATION_CREATED, origin).target("organization", tenant.as_uuid());
        let user = match self
            .signups
            .complete_signup(tenant, pending.id, UserId::generate(), &audit)
            .await
        {
            Ok(user) => user,
            Err(RepoError::NotFound) => return Err(AuthError::LinkGone(GONE)),
            Err(RepoError::Duplicate { .. }) => return Err(AuthError::EmailTaken),
            Err(other) => return Err(other.into()),
        };
        self.auth.start_session(tenant, user, Role::Admin).await
    }
}

#[cfg(test)]
#[path = "signup_tests.rs"]
mod tests;

//! `SsoService`: admins set single sign-on up; anyone starts a sign-in at
//! their organization's provider and finishes it when the provider sends
//! them back.

use super::model::{NewPendingSignIn, PendingSignIn, ProviderClaims, ProviderConfig, SsoInput, SsoSettings};
use crate::AuthService;
use crate::mfa::SignIn;
use crate::ports::SecretMinter;
use crate::service::AuthError;
use async_trait::async_trait;
use chrono::{Duration, Utc};
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::records::RecordError;
use clearview_kernel::{EmailAddress, RepoError, Role, TenantContext, TenantId, UserId, ValidationErrors};
use std::sync::Arc;

/// How long a started sign-in may take at the provider.
pub const PENDING_MINUTES: i64 = 10;
const TEXT_MAX: usize = 500;
const DOMAINS_MAX: usize = 50;

/// The provider could not be reached, refused, or answered something that
/// does not validate (signature, issuer, audience, expiry, nonce).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

/// Storage of settings, pending sign-ins and sign-in memberships.
#[async_trait]
pub trait SsoRepository: Send + Sync {
    async fn settings(&self, tenant: TenantId) -> Result<Option<SsoSettings>, RepoError>;
    /// The settings, and what the provider needs (the client secret opened).
    async fn provider(&self, tenant: TenantId) -> Result<Option<(SsoSettings, ProviderConfig)>, RepoError>;
    /// Stores the settings; `client_secret` `None` keeps the stored one.
    async fn save(
        &self,
        ctx: &TenantContext,
        settings: &SsoSettings,
        client_secret: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<SsoSettings, RepoError>;
    /// `NotFound` when there are none.
    async fn delete(&self, ctx: &TenantContext, audit: &AuditEntry) -> Result<(), RepoError>;
    async fn save_pending(&self, tenant: TenantId, pending: &NewPendingSignIn) -> Result<(), RepoError>;
    /// Takes a live pending sign-in out (it never answers twice).
    async fn take_pending(&self, tenant: TenantId, state_digest: &[u8]) -> Result<Option<PendingSignIn>, RepoError>;
    /// The member with this address; else, when `join_as` is given, a new
    /// identity (named `name`) made a member with that role, `audit`
    /// appended — unless an identity with the address exists outside the
    /// organization (only its person brings it in, by an invitation).
    async fn member_for_sign_in(
        &self,
        tenant: TenantId,
        email: &EmailAddress,
        name: &str,
        join_as: Option<Role>,
        audit: &AuditEntry,
    ) -> Result<SsoMember, RepoError>;
}

/// Who a sign-in's verified address is in the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoMember {
    /// A member (perhaps just joined): signs in with this role.
    Member(UserId, Role),
    /// Not a member, and the organization takes no newcomers.
    NotMember,
    /// Not a member, and the address has a Clearview account made
    /// elsewhere: its person joins by invitation, not by a provider.
    AccountElsewhere,
}

/// An OpenID Connect provider, reached through discovery.
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// Whether the issuer answers discovery (checked when set up).
    async fn discover(&self, issuer: &str) -> Result<(), ProviderError>;
    /// The provider's authorization URL for this sign-in and the PKCE
    /// verifier to keep for redeeming its code.
    async fn authorization_url(
        &self,
        config: &ProviderConfig,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
    ) -> Result<(String, String), ProviderError>;
    /// Redeems the code and returns the claims of the validated ID token.
    async fn redeem(
        &self,
        config: &ProviderConfig,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<ProviderClaims, ProviderError>;
}

/// Why a sign-in did not happen. Each has a short code the web app shows a
/// message for.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("this organization has no single sign-on")]
    NotConfigured,
    /// Unknown, used or expired `state`, or another browser's.
    #[error("this sign-in link is invalid, used or expired; start again")]
    InvalidState,
    #[error("the identity provider refused the sign-in: {0}")]
    Provider(#[from] ProviderError),
    #[error("the identity provider did not verify this e-mail address")]
    UnverifiedEmail,
    #[error("this e-mail domain may not join the organization")]
    DomainNotAllowed,
    #[error("only invited members sign in to this organization")]
    InvitationOnly,
    /// The address has a Clearview account that is not a member: an
    /// invitation brings it in, a provider never does.
    #[error("this address has a Clearview account that is not a member; it joins by invitation")]
    AccountElsewhere,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Storage(#[from] RepoError),
}

impl SsoError {
    /// The short code of the reason, for the web app's message.
    pub const fn code(&self) -> &'static str {
        match self {
            SsoError::NotConfigured => "not_configured",
            SsoError::InvalidState => "invalid_state",
            SsoError::Provider(_) => "provider_error",
            SsoError::UnverifiedEmail => "unverified_email",
            SsoError::DomainNotAllowed => "domain_not_allowed",
            SsoError::InvitationOnly => "invitation_only",
            // The same answer as any non-member: a provider must not learn
            // which addresses have a Clearview account.
            SsoError::AccountElsewhere => "invitation_only",
            SsoError::Auth(_) | SsoError::Storage(_) => "unavailable",
        }
    }
}

/// A started sign-in: where to send the browser, and the secret of the
/// cookie that binds the sign-in to it.
pub struct SsoStart {
    pub provider_url: String,
    pub browser_secret: String,
}

pub struct SsoService {
    repo: Arc<dyn SsoRepository>,
    provider: Arc<dyn IdentityProvider>,
    secrets: Arc<dyn SecretMinter>,
    auth: AuthService,
    public_url: String,
}

fn admin_only(ctx: &TenantContext, org: TenantId) -> Result<(), RecordError> {
    if ctx.tenant_id != org {
        return Err(RecordError::NotFound);
    }
    if ctx.role != Role::Admin {
        return Err(RecordError::Forbidden("only admins manage single sign-on"));
    }
    Ok(())
}

fn text(errors: &mut ValidationErrors, field: &'static str, value: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, "is required");
    } else if value.chars().count() > TEXT_MAX {
        errors.add(field, "must be at most 500 characters");
    }
    value.to_owned()
}

fn domains(errors: &mut ValidationErrors, raw: &[String]) -> Vec<String> {
    if raw.len() > DOMAINS_MAX {
        errors.add("allowed_domains", "at most 50 domains");
    }
    let mut out: Vec<String> = Vec::new();
    for domain in raw {
        let domain = domain.trim().trim_start_matches('@').to_lowercase();
        let valid = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.len() <= 253
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            errors.add(
                "allowed_domains",
                format!("`{domain}` is no domain such as example.com"),
            );
        } else if !out.contains(&domain) {
            out.push(domain);
        }
    }
    out
}

impl SsoService {
    pub fn new(
        repo: Arc<dyn SsoRepository>,
        provider: Arc<dyn IdentityProvider>,
        secrets: Arc<dyn SecretMinter>,
        auth: AuthService,
        public_url: String,
    ) -> Self {
        Self {
            repo,
            provider,
            secrets,
            auth,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Where the provider sends people back (register it at the provider).
    pub fn redirect_uri(&self) -> String {
        format!("{}/api/auth/oidc/callback", self.public_url)
    }

    /// Where a person starts signing in to `org` with its provider.
    pub fn start_url(&self, org: TenantId) -> String {
        format!("{}/api/auth/oidc/{}/start", self.public_url, org.as_uuid())
    }

    pub async fn settings(&self, ctx: &TenantContext, org: TenantId) -> Result<SsoSettings, RecordError> {
        admin_only(ctx, org)?;
        self.repo.settings(org).await?.ok_or(RecordError::NotFound)
    }

    /// Sets single sign-on up or changes it; the issuer must answer
    /// discovery.
    pub async fn save(
        &self,
        ctx: &TenantContext,
        org: TenantId,
        input: SsoInput,
        origin: &RequestOrigin,
    ) -> Result<SsoSettings, RecordError> {
        admin_only(ctx, org)?;
        let mut errors = ValidationErrors::new();
        let issuer = text(&mut errors, "issuer", &input.issuer)
            .trim_end_matches('/')
            .to_owned();
        let web_url = issuer.starts_with("https://") || issuer.starts_with("http://");
        if !issuer.is_empty() && !web_url {
            errors.add("issuer", "must be the provider's https:// issuer URL");
        }
        let client_id = text(&mut errors, "client_id", &input.client_id);
        // A blank secret keeps the stored one, as an absent one does.
        let secret = input
            .client_secret
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| text(&mut errors, "client_secret", s));
        let allowed_domains = domains(&mut errors, &input.allowed_domains);
        let default_role = match input.default_role.as_deref() {
            None | Some("") => None,
            Some(role) => errors.check("default_role", role.parse::<Role>()),
        };
        let existing = self.repo.settings(org).await?;
        // The stored secret goes only to the provider it was given for: a
        // new issuer or client id needs it again (else an admin could send
        // it to a server of theirs).
        let same_provider = existing
            .as_ref()
            .is_some_and(|e| e.issuer == issuer && e.client_id == client_id);
        if !same_provider && secret.is_none() {
            errors.add("client_secret", "is required for a new provider or client id");
        }
        if !errors.is_empty() {
            return Err(RecordError::Invalid(errors));
        }
        if let Err(e) = self.provider.discover(&issuer).await {
            let mut errors = ValidationErrors::new();
            errors.add(
                "issuer",
                format!("the provider's discovery document could not be read: {e}"),
            );
            return Err(RecordError::Invalid(errors));
        }
        let settings = SsoSettings {
            issuer,
            client_id,
            allowed_domains,
            default_role,
            updated_at: Utc::now(),
        };
        let audit = AuditEntry::new(actions::SSO_UPDATED, origin)
            .detail("issuer", settings.issuer.clone())
            .detail("secret_changed", secret.is_some().to_string());
        Ok(self.repo.save(ctx, &settings, secret.as_deref(), &audit).await?)
    }

    pub async fn delete(&self, ctx: &TenantContext, org: TenantId, origin: &RequestOrigin) -> Result<(), RecordError> {
        admin_only(ctx, org)?;
        let audit = AuditEntry::new(actions::SSO_DELETED, origin);
        Ok(self.repo.delete(ctx, &audit).await?)
    }

    /// Starts a sign-in to `org` at its provider.
    pub async fn start(&self, org: TenantId) -> Result<SsoStart, SsoError> {
        let (_, config) = self.repo.provider(org).await?.ok_or(SsoError::NotConfigured)?;
        // The state names the organization, so the callback finds it.
        let state = self.secrets.mint(org);
        let nonce = self.secrets.mint(org);
        let browser_secret = self.secrets.mint(org);
        let (provider_url, pkce_verifier) = self
            .provider
            .authorization_url(&config, &self.redirect_uri(), &state, &nonce)
            .await?;
        let pending = NewPendingSignIn {
            state_digest: self.secrets.digest(&state),
            browser_digest: self.secrets.digest(&browser_secret),
            nonce,
            pkce_verifier,
            expires_at: Utc::now() + Duration::minutes(PENDING_MINUTES),
        };
        self.repo.save_pending(org, &pending).await?;
        Ok(SsoStart {
            provider_url,
            browser_secret,
        })
    }

    /// Finishes a sign-in the provider sent back: the state must be live
    /// and this browser's, the ID token valid, the address verified; then
    /// the member signs in (joining first when the organization allows).
    pub async fn finish(
        &self,
        state: &str,
        code: &str,
        browser_secret: Option<&str>,
        origin: &RequestOrigin,
    ) -> Result<(TenantId, SignIn), SsoError> {
        let tenant = self.secrets.tenant_of(state).ok_or(SsoError::InvalidState)?;
        let pending = self
            .repo
            .take_pending(tenant, &self.secrets.digest(state))
            .await?
            .ok_or(SsoError::InvalidState)?;
        let same_browser = browser_secret.is_some_and(|b| self.secrets.digest(b) == pending.browser_digest);
        if !same_browser {
            return Err(SsoError::InvalidState);
        }
        let (settings, config) = self.repo.provider(tenant).await?.ok_or(SsoError::NotConfigured)?;
        let claims = self
            .provider
            .redeem(
                &config,
                &self.redirect_uri(),
                code,
                &pending.pkce_verifier,
                &pending.nonce,
            )
            .await?;
        if claims.email_verified != Some(true) {
            return Err(SsoError::UnverifiedEmail);
        }
        let email = claims
            .email
            .as_deref()
            .and_then(|e| EmailAddress::parse(e).ok())
            .ok_or(SsoError::UnverifiedEmail)?;
        let domain = email.as_str().rsplit('@').next().unwrap_or_default().to_lowercase();
        let domain_ok = settings.allowed_domains.is_empty() || settings.allowed_domains.contains(&domain);
        let join_as = settings.default_role.filter(|_| domain_ok);
        let name = claims.name.clone().filter(|n| !n.trim().is_empty());
        let audit = AuditEntry::new(actions::MEMBER_JOINED_BY_SSO, origin).detail("issuer", settings.issuer.clone());
        let member = self
            .repo
            .member_for_sign_in(
                tenant,
                &email,
                name.as_deref().unwrap_or(email.as_str()),
                join_as,
                &audit,
            )
            .await?;
        let (user, role) = match member {
            SsoMember::Member(user, role) => (user, role),
            SsoMember::AccountElsewhere => return Err(SsoError::AccountElsewhere),
            SsoMember::NotMember => {
                return Err(match (settings.default_role, domain_ok) {
                    (Some(_), false) => SsoError::DomainNotAllowed,
                    _ => SsoError::InvitationOnly,
                });
            }
        };
        Ok((tenant, self.auth.sign_in(tenant, user, role).await?))
    }
}

//! Two-step sign-in with a time-based one-time code (TOTP, RFC 6238;
//! ADR 0027).
//!
//! A person enrolls an authenticator app (a seed shown as an `otpauth://`
//! URI and a QR code), proves it with a first code, and gets ten
//! single-use recovery codes. From then on a correct password opens a
//! short-lived challenge instead of a session; a code (or a recovery code)
//! answers it. Codes are checked within ±1 30-second step, and a step is
//! accepted at most once, so a code seen over a shoulder cannot be replayed.
//! An organization can require a second factor of its admins or of every
//! member; a member without one is signed in only to enroll.

use crate::audit::{AuditEntry, AuditLog, RequestOrigin, actions};
use crate::model::SessionGrant;
use crate::ports::{AccountRepository, PasswordHasher, SecretMinter};
use crate::service::{AuthError, AuthService};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use clearview_kernel::{RepoError, Role, TenantContext, TenantId, UserId};
use std::str::FromStr;
use std::sync::Arc;
use totp_rs::{Algorithm, Builder, Totp};

/// How long the step between password and code may take.
pub const CHALLENGE_MINUTES: i64 = 5;
/// Wrong codes a challenge takes before it ends (then the password again).
pub const CHALLENGE_ATTEMPTS: i32 = 5;
/// Recovery codes issued at enrollment.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show beside the account.
const ISSUER: &str = "Clearview";
/// Seconds per code, digits per code and steps accepted either side: what
/// every authenticator app assumes (RFC 6238's defaults).
const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
const SKEW_STEPS: u8 = 1;

/// Who in an organization must sign in with a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MfaPolicy {
    #[default]
    Off,
    Admins,
    Everyone,
}

impl MfaPolicy {
    pub const fn as_str(self) -> &'static str {
        match self {
            MfaPolicy::Off => "off",
            MfaPolicy::Admins => "admins",
            MfaPolicy::Everyone => "everyone",
        }
    }

    /// Whether a member with `role` must have a second factor.
    pub fn requires(self, role: Role) -> bool {
        match self {
            MfaPolicy::Off => false,
            MfaPolicy::Admins => role == Role::Admin,
            MfaPolicy::Everyone => true,
        }
    }
}

impl FromStr for MfaPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "off" => Ok(MfaPolicy::Off),
            "admins" => Ok(MfaPolicy::Admins),
            "everyone" => Ok(MfaPolicy::Everyone),
            _ => Err("must be `off`, `admins` or `everyone`".into()),
        }
    }
}

/// A member's second factor and what their organization asks of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MfaStanding {
    /// A confirmed authenticator guards the person's sign-ins.
    pub enrolled: bool,
    pub policy: MfaPolicy,
}

/// A person's seed as stored (opened from its sealed form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTotp {
    pub seed: Vec<u8>,
    pub confirmed: bool,
}

/// A live challenge, after one more attempt was counted on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengeAttempt {
    pub user_id: UserId,
    pub role: Role,
}

/// What a person answers a challenge with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    Code(String),
    RecoveryCode(String),
}

/// The result of a correct password (or another first step).
#[derive(Debug)]
pub enum SignIn {
    Session(SessionGrant),
    /// A second factor is needed: the secret of the challenge to answer.
    SecondFactor {
        challenge: String,
    },
}

/// What the settings screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
    /// The organization requires a second factor of this member.
    pub required: bool,
}

/// A new, unconfirmed seed as the authenticator app takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The seed in base32, for typing in by hand.
    pub secret: String,
    pub otpauth_uri: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("two-step sign-in is already on; turn it off first to enroll another authenticator")]
    AlreadyEnabled,
    #[error("start enrollment first")]
    NotEnrolling,
    #[error("two-step sign-in is not on")]
    NotEnabled,
    /// The code (or recovery code) is wrong, expired or already used.
    #[error("the code is wrong or was already used")]
    WrongCode(&'static str),
    /// The challenge is unknown, expired, used or out of attempts.
    #[error("the sign-in step expired; sign in again")]
    ChallengeGone,
    #[error("your organization requires two-step sign-in")]
    Required,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Storage(#[from] RepoError),
}

#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait MfaRepository: Send + Sync {
    async fn standing(&self, tenant_id: TenantId, user_id: UserId) -> Result<MfaStanding, RepoError>;
    async fn totp(&self, user_id: UserId) -> Result<Option<StoredTotp>, RepoError>;
    /// Stores a new unconfirmed seed in place of any unconfirmed one;
    /// `false` when a confirmed one exists (nothing changes).
    async fn save_unconfirmed(&self, user_id: UserId, seed: &[u8]) -> Result<bool, RepoError>;
    /// Confirms the unconfirmed seed, taking `step` as used, and stores the
    /// recovery codes' digests, and appends `audit` to the caller's
    /// organization's trail, in one transaction; `false` (nothing written)
    /// when there was no unconfirmed seed.
    async fn confirm(
        &self,
        ctx: &TenantContext,
        step: i64,
        recovery_digests: &[Vec<u8>],
        audit: &AuditEntry,
    ) -> Result<bool, RepoError>;
    /// Takes `step` as used when it is later than the last one used;
    /// `false` for a step already used (a replay) or an earlier one.
    async fn claim_step(&self, user_id: UserId, step: i64) -> Result<bool, RepoError>;
    /// Marks an unused recovery code used; `false` when there is none.
    async fn use_recovery_code(&self, user_id: UserId, digest: &[u8]) -> Result<bool, RepoError>;
    async fn recovery_codes_left(&self, user_id: UserId) -> Result<i64, RepoError>;
    /// Removes the caller's seed and recovery codes and appends `audit`, in
    /// one transaction.
    async fn remove(&self, ctx: &TenantContext, audit: &AuditEntry) -> Result<(), RepoError>;
    async fn create_challenge(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        digest: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<(), RepoError>;
    /// Counts one attempt on a live challenge with fewer than
    /// `CHALLENGE_ATTEMPTS` attempts; `None` for anything else.
    async fn attempt_challenge(
        &self,
        tenant_id: TenantId,
        digest: &[u8],
    ) -> Result<Option<ChallengeAttempt>, RepoError>;
    /// Marks a challenge used; `false` if it already was (a race).
    async fn consume_challenge(&self, tenant_id: TenantId, digest: &[u8]) -> Result<bool, RepoError>;
    async fn password_hash(&self, user_id: UserId) -> Result<Option<String>, RepoError>;
}

/// Randomness for seeds and recovery codes.
#[cfg_attr(test, mockall::automock)]
pub trait MfaSecrets: Send + Sync {
    /// 20 random bytes (RFC 4226's recommended seed length).
    fn seed(&self) -> Vec<u8>;
    /// A recovery code to show once, as `xxxxx-xxxxx`.
    fn recovery_code(&self) -> String;
}

/// The same text for a recovery code however it was typed: case, spaces
/// and dashes do not count.
pub fn normalize_recovery_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn totp(seed: &[u8], account: &str) -> Result<Totp, RepoError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_step_duration(STEP_SECONDS)
        .with_skew(SKEW_STEPS.into())
        .with_secret(seed.to_vec())
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| RepoError::Unexpected(format!("a TOTP seed is unusable: {e}").into()))
}

/// The step a code is right for at `now`, within the skew; `None` when it
/// is wrong. Only six digits count (spaces are allowed, as apps show them).
pub fn matching_step(seed: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(seed, "check").ok()?;
    let step = totp.check(&code, u64::try_from(now.timestamp()).ok()?)?;
    i64::try_from(step).ok()
}

/// The code for `at` (tests and the demo use it).
pub fn code_at(seed: &[u8], at: DateTime<Utc>) -> String {
    let time = u64::try_from(at.timestamp()).unwrap_or(0);
    totp(seed, "code")
        .map(|t| t.generate(time).to_string())
        .unwrap_or_default()
}

/// Enrollment, confirmation, the second step of sign-in and turning it off.
#[derive(Clone)]
pub struct MfaService {
    repo: Arc<dyn MfaRepository>,
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    minter: Arc<dyn SecretMinter>,
    secrets: Arc<dyn MfaSecrets>,
    auth: AuthService,
    log: Arc<dyn AuditLog>,
}

/// The ports and services two-step sign-in works with.
pub struct MfaPorts {
    pub repo: Arc<dyn MfaRepository>,
    pub accounts: Arc<dyn AccountRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub minter: Arc<dyn SecretMinter>,
    pub secrets: Arc<dyn MfaSecrets>,
    pub auth: AuthService,
    /// Where a wrong code at sign-in is recorded (`auth.mfa_failed`).
    pub log: Arc<dyn AuditLog>,
}

impl MfaService {
    pub fn new(ports: MfaPorts) -> Self {
        Self {
            repo: ports.repo,
            accounts: ports.accounts,
            hasher: ports.hasher,
            minter: ports.minter,
            secrets: ports.secrets,
            auth: ports.auth,
            log: ports.log,
        }
    }

    pub async fn status(&self, ctx: &TenantContext) -> Result<MfaStatus, MfaError> {
        let standing = self.repo.standing(ctx.tenant_id, ctx.user_id).await?;
        let recovery_codes_left = match standing.enrolled {
            true => self.repo.recovery_codes_left(ctx.user_id).await?,
            false => 0,
        };
        Ok(MfaStatus {
            enabled: standing.enrolled,
            recovery_codes_left,
            required: standing.policy.requires(ctx.role),
        })
    }

    /// A new seed for the caller's authenticator, unconfirmed until
    /// `confirm`. Starting again replaces an unconfirmed seed.
    pub async fn enroll(&self, ctx: &TenantContext) -> Result<Enrollment, MfaError> {
        let me = self.accounts.me(ctx).await?;
        let seed = self.secrets.seed();
        if !self.repo.save_unconfirmed(ctx.user_id, &seed).await? {
            return Err(MfaError::AlreadyEnabled);
        }
        let totp = totp(&seed, &me.email)?;
        let otpauth_uri = totp
            .to_url()
            .map_err(|e| RepoError::Unexpected(format!("cannot write the otpauth URI: {e}").into()))?;
        Ok(Enrollment {
            secret: totp.secret().to_base32(),
            otpauth_uri,
        })
    }

    /// Turns two-step sign-in on with a first code from the authenticator;
    /// answers the recovery codes, shown this once.
    pub async fn confirm(
        &self,
        ctx: &TenantContext,
        code: &str,
        origin: &RequestOrigin,
    ) -> Result<Vec<String>, MfaError> {
        let stored = match self.repo.totp(ctx.user_id).await? {
            Some(stored) if stored.confirmed => return Err(MfaError::AlreadyEnabled),
            Some(stored) => stored,
            None => return Err(MfaError::NotEnrolling),
        };
        let step = matching_step(&stored.seed, code, Utc::now()).ok_or(MfaError::WrongCode("code"))?;
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| self.secrets.recovery_code()).collect();
        let digests: Vec<Vec<u8>> = codes
            .iter()
            .map(|c| self.minter.digest(&normalize_recovery_code(c)))
            .collect();
        let audit = AuditEntry::new(actions::MFA_ENABLED, origin).target("user", ctx.user_id.as_uuid());
        if !self.repo.confirm(ctx, step, &digests, &audit).await? {
            return Err(MfaError::NotEnrolling);
        }
        Ok(codes)
    }

    /// Answers a challenge: a correct, unused code opens the session.
    /// Every answer, right or wrong, counts against the challenge; a wrong
    /// one is recorded in the organization's audit log.
    pub async fn verify(
        &self,
        challenge: &str,
        answer: &SecondFactor,
        origin: &RequestOrigin,
    ) -> Result<SessionGrant, MfaError> {
        let tenant_id = self.minter.tenant_of(challenge).ok_or(MfaError::ChallengeGone)?;
        let digest = self.minter.digest(challenge);
        let attempt = self
            .repo
            .attempt_challenge(tenant_id, &digest)
            .await?
            .ok_or(MfaError::ChallengeGone)?;
        if let Err(err) = self.check_factor(attempt.user_id, answer).await {
            if let MfaError::WrongCode(field) = err {
                let entry = AuditEntry::new(actions::MFA_FAILED, origin).detail("second_factor", field);
                // The answer stays "wrong code" even if the trail cannot be
                // written; the challenge's attempt counter still holds.
                let _ = self.log.record(tenant_id, Some(attempt.user_id), &entry).await;
            }
            return Err(err);
        }
        if !self.repo.consume_challenge(tenant_id, &digest).await? {
            return Err(MfaError::ChallengeGone);
        }
        Ok(self
            .auth
            .start_session(tenant_id, attempt.user_id, attempt.role)
            .await?)
    }

    /// Turns two-step sign-in off; needs the password and a current code
    /// (or a recovery code), and is refused while the organization
    /// requires it of the caller.
    pub async fn disable(
        &self,
        ctx: &TenantContext,
        password: &str,
        answer: &SecondFactor,
        origin: &RequestOrigin,
    ) -> Result<(), MfaError> {
        let standing = self.repo.standing(ctx.tenant_id, ctx.user_id).await?;
        if !standing.enrolled {
            return Err(MfaError::NotEnabled);
        }
        let hash = self.repo.password_hash(ctx.user_id).await?;
        if hash.is_none() || !self.hasher.verify(password, hash).await {
            return Err(AuthError::WrongPassword("is not your current password").into());
        }
        if standing.policy.requires(ctx.role) {
            return Err(MfaError::Required);
        }
        self.check_factor(ctx.user_id, answer).await?;
        let audit = AuditEntry::new(actions::MFA_DISABLED, origin).target("user", ctx.user_id.as_uuid());
        self.repo.remove(ctx, &audit).await?;
        Ok(())
    }

    async fn check_factor(&self, user_id: UserId, answer: &SecondFactor) -> Result<(), MfaError> {
        match answer {
            SecondFactor::Code(code) => {
                let stored = self
                    .repo
                    .totp(user_id)
                    .await?
                    .filter(|s| s.confirmed)
                    .ok_or(MfaError::NotEnabled)?;
                let step = matching_step(&stored.seed, code, Utc::now()).ok_or(MfaError::WrongCode("code"))?;
                match self.repo.claim_step(user_id, step).await? {
                    true => Ok(()),
                    false => Err(MfaError::WrongCode("code")),
                }
            }
            SecondFactor::RecoveryCode(code) => {
                let digest = self.minter.digest(&normalize_recovery_code(code));
                match self.repo.use_recovery_code(user_id, &digest).await? {
                    true => Ok(()),
                    false => Err(MfaError::WrongCode("recovery_code")),
                }
            }
        }
    }
}

/// When a challenge made now ends.
pub(crate) fn challenge_expiry() -> DateTime<Utc> {
    Utc::now() + Duration::minutes(CHALLENGE_MINUTES)
}

#[cfg(test)]
#[path = "mfa_tests.rs"]
mod tests;

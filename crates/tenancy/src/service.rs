//! Sign-up, sign-in, refresh, sign-out and session checks.

use crate::mfa::{MfaRepository, SignIn, challenge_expiry};
use crate::model::{Me, SessionGrant, SessionIdentity};
use crate::ports::{AccountRepository, PasswordHasher, RefreshOutcome, SecretMinter, SessionDenylist, deny_sessions};
use chrono::{Duration, Utc};
use clearview_kernel::{EmailAddress, RepoError, Role, SessionId, TenantContext, TenantId, UserId, ValidationErrors};
use std::sync::Arc;
use thiserror::Error;

/// How long a session may be refreshed before its owner signs in again.
pub const SESSION_LIFETIME_DAYS: i64 = 30;

/// An organization a person may sign in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChoice {
    pub organization_id: TenantId,
    pub organization_name: String,
}

#[derive(Debug, Error)]
pub enum AuthError {
    /// Wrong password, unknown email, or a bad/expired/revoked session: the
    /// same answer for all, so it tells an attacker nothing.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The person belongs to several organizations and did not pick one.
    #[error("choose an organization")]
    ChooseOrganization(Vec<MembershipChoice>),
    #[error("an account with this email already exists")]
    EmailTaken,
    /// A field of the request is wrong (named).
    #[error("invalid input")]
    Invalid(ValidationErrors),
    /// A link's token names nothing live: 404, `token` named.
    #[error("{0}")]
    LinkGone(&'static str),
    /// The password given is not the one this step needs: 401, `password` named.
    #[error("wrong password: {0}")]
    WrongPassword(&'static str),
    #[error(transparent)]
    Storage(#[from] RepoError),
    #[error(transparent)]
    Hashing(#[from] crate::ports::HashError),
}

pub struct LoginRequest {
    pub email: String,
    pub password: String,
    pub organization_id: Option<TenantId>,
}

/// The sign-in use cases, over their ports.
#[derive(Clone)]
pub struct AuthService {
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    secrets: Arc<dyn SecretMinter>,
    denylist: Option<Arc<dyn SessionDenylist>>,
    /// Access-token lifetime: how far back the denylist must remember.
    access_ttl: Duration,
    mfa: Arc<dyn MfaRepository>,
}

impl AuthService {
    pub fn new(
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        secrets: Arc<dyn SecretMinter>,
        denylist: Option<Arc<dyn SessionDenylist>>,
        access_ttl: Duration,
        mfa: Arc<dyn MfaRepository>,
    ) -> Self {
        Self {
            accounts,
            hasher,
            secrets,
            denylist,
            access_ttl,
            mfa,
        }
    }

    /// Checks a password and signs in to one of the person's
    /// organizations: a session, or a challenge for the second factor.
    pub async fn login(&self, request: LoginRequest) -> Result<SignIn, AuthError> {
        let candidates = match EmailAddress::parse(&request.email) {
            Ok(email) => self.accounts.login_candidates(email.as_str()).await?,
            Err(_) => Vec::new(),
        };
        let stored_hash = candidates.first().map(|c| c.password_hash.as_str());
        // Always verify, even for an unknown email, so both take equally long.
        let password_ok = self
            .hasher
            .verify(&request.password, stored_hash.map(str::to_owned))
            .await;
        if !password_ok || stored_hash.is_none() {
            return Err(AuthError::InvalidCredentials);
        }
        let user_id = candidates[0].user_id;
        let memberships: Vec<_> = candidates.iter().filter_map(|c| c.membership.clone()).collect();
        let chosen = match (request.organization_id, memberships.as_slice()) {
            (Some(wanted), _) => memberships.iter().find(|(tenant, _, _)| *tenant == wanted),
            (None, [only]) => Some(only),
            (None, []) => None,
            (None, _) => {
                return Err(AuthError::ChooseOrganization(
                    memberships
                        .iter()
                        .map(|(tenant, name, _)| MembershipChoice {
                            organization_id: *tenant,
                            organization_name: name.clone(),
                        })
                        .collect(),
                ));
            }
        };
        let (tenant_id, _, role) = chosen.ok_or(AuthError::InvalidCredentials)?;
        self.sign_in(*tenant_id, user_id, *role).await
    }

    /// Signs in a member whose first factor (password, invitation link)
    /// was just proven: a person with an authenticator gets a challenge to
    /// answer with a code, anyone else a session.
    pub async fn sign_in(&self, tenant_id: TenantId, user_id: UserId, role: Role) -> Result<SignIn, AuthError> {
        if self.mfa.standing(tenant_id, user_id).await?.enrolled {
            let challenge = self.secrets.mint(tenant_id);
            self.mfa
                .create_challenge(tenant_id, user_id, &self.secrets.digest(&challenge), challenge_expiry())
                .await?;
            return Ok(SignIn::SecondFactor { challenge });
        }
        Ok(SignIn::Session(self.start_session(tenant_id, user_id, role).await?))
    }

    /// Opens a session for a member once every factor they have was
    /// proven (after sign-up, or the second step of a sign-in). If their
    /// organization requires a second factor they lack, the session may
    /// only enroll one.
    pub async fn start_session(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        role: Role,
    ) -> Result<SessionGrant, AuthError> {
        let standing = self.mfa.standing(tenant_id, user_id).await?;
        let identity = SessionIdentity {
            tenant_id,
            user_id,
            role,
            session_id: SessionId::generate(),
            mfa_enrollment_pending: standing.policy.requires(role) && !standing.enrolled,
        };
        let refresh_token = self.secrets.mint(tenant_id);
        let expires_at = Utc::now() + Duration::days(SESSION_LIFETIME_DAYS);
        self.accounts
            .create_session(&identity, &self.secrets.digest(&refresh_token), expires_at)
            .await?;
        Ok(SessionGrant {
            identity,
            refresh_token,
        })
    }

    /// Rotates a refresh token. A token presented after it was rotated means
    /// it was stolen or replayed: the whole session is revoked.
    pub async fn refresh(&self, refresh_token: &str) -> Result<SessionGrant, AuthError> {
        let tenant_id = self
            .secrets
            .tenant_of(refresh_token)
            .ok_or(AuthError::InvalidCredentials)?;
        let next = self.secrets.mint(tenant_id);
        let outcome = self
            .accounts
            .rotate_refresh_token(
                tenant_id,
                &self.secrets.digest(refresh_token),
                &self.secrets.digest(&next),
            )
            .await?;
        match outcome {
            RefreshOutcome::Rotated(mut identity) => {
                // The organization's rule or the person's factor may have
                // changed since the last token: each refresh asks again.
                let standing = self.mfa.standing(tenant_id, identity.user_id).await?;
                identity.mfa_enrollment_pending = standing.policy.requires(identity.role) && !standing.enrolled;
                Ok(SessionGrant {
                    identity,
                    refresh_token: next,
                })
            }
            RefreshOutcome::Reused(session_id) => {
                deny_sessions(self.denylist.as_ref(), &[session_id]).await;
                Err(AuthError::InvalidCredentials)
            }
            RefreshOutcome::Invalid => Err(AuthError::InvalidCredentials),
        }
    }

    /// Ends a session at once: in the database, then in the fast denylist.
    pub async fn logout(&self, tenant_id: TenantId, session_id: SessionId) -> Result<(), AuthError> {
        self.accounts.revoke_session(tenant_id, session_id).await?;
        deny_sessions(self.denylist.as_ref(), &[session_id]).await;
        Ok(())
    }

    /// Ends the session a refresh token belongs to: sign-out after the
    /// access token expired must not leave the refresh token usable.
    pub async fn logout_by_refresh(&self, refresh_token: &str) -> Result<(), AuthError> {
        let Some(tenant_id) = self.secrets.tenant_of(refresh_token) else {
            return Ok(());
        };
        let digest = self.secrets.digest(refresh_token);
        if let Some(session_id) = self.accounts.revoke_by_refresh(tenant_id, &digest).await? {
            deny_sessions(self.denylist.as_ref(), &[session_id]).await;
        }
        Ok(())
    }

    /// Whether a verified access token's session is still live. Asks the
    /// denylist first; when it cannot tell (down, or lost its data), asks
    /// the database, and re-warms the denylist if it is reachable.
    pub async fn session_is_live(&self, tenant_id: TenantId, session_id: SessionId) -> Result<bool, AuthError> {
        let read = match &self.denylist {
            Some(denylist) => denylist.is_denied(session_id).await.ok(),
            None => None,
        };
        self.session_is_live_after(tenant_id, session_id, read).await
    }

    /// `session_is_live` once the denylist has been read (the rate limiter
    /// reads it in the same round trip as the organization budget):
    /// `Some(answer)` is what `SessionDenylist::is_denied` answered, `None`
    /// that it was not read or failed, so the database decides.
    pub async fn session_is_live_after(
        &self,
        tenant_id: TenantId,
        session_id: SessionId,
        denylist_read: Option<Option<bool>>,
    ) -> Result<bool, AuthError> {
        match (denylist_read, &self.denylist) {
            (Some(Some(denied)), _) => return Ok(!denied),
            (Some(None), Some(denylist)) => {
                let revoked = self.accounts.recently_revoked(Utc::now() - self.access_ttl).await?;
                if denylist.rewarm(&revoked).await.is_ok() {
                    return Ok(!revoked.contains(&session_id));
                }
            }
            _ => {}
        }
        Ok(self.accounts.live_session(tenant_id, session_id).await?.is_some())
    }

    pub async fn me(&self, ctx: &TenantContext) -> Result<Me, AuthError> {
        Ok(self.accounts.me(ctx).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mfa::{MfaPolicy, MfaStanding, MockMfaRepository};
    use crate::model::LoginCandidate;
    use crate::ports::{
        DenylistError, MockAccountRepository, MockPasswordHasher, MockSecretMinter, MockSessionDenylist,
    };
    use mockall::predicate::*;

    fn secrets() -> MockSecretMinter {
        let mut secrets = MockSecretMinter::new();
        secrets.expect_mint().returning(|t| format!("{t}.secret"));
        secrets.expect_digest().returning(|s| s.as_bytes().to_vec());
        secrets.expect_tenant_of().returning(|s| {
            s.split('.')
                .next()
                .and_then(|t| t.parse().ok())
                .map(TenantId::from_uuid)
        });
        secrets
    }

    fn service(
        accounts: MockAccountRepository,
        hasher: MockPasswordHasher,
        denylist: Option<MockSessionDenylist>,
    ) -> AuthService {
        let mut mfa = MockMfaRepository::new();
        mfa.expect_standing().returning(|_, _| Ok(MfaStanding::default()));
        service_with_mfa(accounts, hasher, denylist, mfa)
    }

    fn service_with_mfa(
        accounts: MockAccountRepository,
        hasher: MockPasswordHasher,
        denylist: Option<MockSessionDenylist>,
        mfa: MockMfaRepository,
    ) -> AuthService {
        AuthService::new(
            Arc::new(accounts),
            Arc::new(hasher),
            Arc::new(secrets()),
            denylist.map(|d| Arc::new(d) as Arc<dyn SessionDenylist>),
            Duration::minutes(15),
            Arc::new(mfa),
        )
    }

    fn candidate(user: UserId, tenant: TenantId, name: &str, role: Role) -> LoginCandidate {
        LoginCandidate {
            user_id: user,
            password_hash: "hash".into(),
            membership: Some((tenant, name.into(), role)),
        }
    }

    fn login(email: &str, organization_id: Option<TenantId>) -> LoginRequest {
        LoginRequest {
            email: email.into(),
            password: "correct horse".into(),
            organization_id,
        }
    }

    #[tokio::test]
    async fn an_unknown_email_still_pays_for_a_hash_check_and_gets_the_same_error() {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_login_candidates().returning(|_| Ok(vec![]));
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .with(always(), eq(None))
            .times(1)
            .returning(|_, _| false);
        let err = service(accounts, hasher, None)
            .login(login("ghost@x.io", None))
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
    }

    #[tokio::test]
    async fn a_person_in_two_organizations_must_choose_one() {
        let user = UserId::generate();
        let (a, b) = (TenantId::generate(), TenantId::generate());
        let mut accounts = MockAccountRepository::new();
        accounts.expect_login_candidates().returning(move |_| {
            Ok(vec![
                candidate(user, a, "Acme", Role::Admin),
                candidate(user, b, "Beta", Role::Rep),
            ])
        });
        accounts.expect_create_session().returning(|_, _, _| Ok(()));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| true);
        let auth = service(accounts, hasher, None);

        let err = auth.login(login("ada@x.io", None)).await.unwrap_err();
        let AuthError::ChooseOrganization(choices) = err else {
            panic!("expected a choice")
        };
        assert_eq!(choices.len(), 2);

        let Ok(SignIn::Session(grant)) = auth.login(login("ada@x.io", Some(b))).await else {
            panic!("expected a session")
        };
        assert_eq!(grant.identity.tenant_id, b);
        assert_eq!(grant.identity.role, Role::Rep);
    }

    #[tokio::test]
    async fn choosing_an_organization_one_is_not_a_member_of_fails_like_a_bad_password() {
        let user = UserId::generate();
        let a = TenantId::generate();
        let mut accounts = MockAccountRepository::new();
        accounts
            .expect_login_candidates()
            .returning(move |_| Ok(vec![candidate(user, a, "Acme", Role::Admin)]));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| true);
        let err = service(accounts, hasher, None)
            .login(login("ada@x.io", Some(TenantId::generate())))
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
    }

    #[tokio::test]
    async fn a_reused_refresh_token_revokes_the_session_in_the_denylist() {
        let tenant = TenantId::generate();
        let session = SessionId::generate();
        let mut accounts = MockAccountRepository::new();
        accounts
            .expect_rotate_refresh_token()
            .returning(move |_, _, _| Ok(RefreshOutcome::Reused(session)));
        let mut denylist = MockSessionDenylist::new();
        denylist.expect_deny().with(eq(session)).times(1).returning(|_| Ok(()));
        let err = service(accounts, MockPasswordHasher::new(), Some(denylist))
            .refresh(&format!("{tenant}.old"))
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
    }

    #[tokio::test]
    async fn when_the_denylist_is_down_the_database_decides() {
        let tenant = TenantId::generate();
        let session = SessionId::generate();
        let mut accounts = MockAccountRepository::new();
        accounts.expect_live_session().times(1).returning(|_, _| Ok(None));
        let mut denylist = MockSessionDenylist::new();
        denylist
            .expect_is_denied()
            .returning(|_| Err(DenylistError::Unavailable("connection refused".into())));
        let live = service(accounts, MockPasswordHasher::new(), Some(denylist))
            .session_is_live(tenant, session)
            .await
            .unwrap();
        assert!(!live);
    }

    #[tokio::test]
    async fn a_denylist_answer_read_with_the_budget_is_used_without_another_read() {
        let (tenant, session) = (TenantId::generate(), SessionId::generate());
        let answer = |read| async move {
            let mut denylist = MockSessionDenylist::new();
            denylist.expect_is_denied().never();
            service(MockAccountRepository::new(), MockPasswordHasher::new(), Some(denylist))
                .session_is_live_after(tenant, session, read)
                .await
                .unwrap()
        };
        assert!(answer(Some(Some(false))).await, "a complete list without the session");
        assert!(!answer(Some(Some(true))).await, "denied");
    }

    #[tokio::test]
    async fn a_denylist_that_was_not_read_leaves_the_decision_to_the_database() {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_live_session().times(1).returning(|_, _| Ok(None));
        let mut denylist = MockSessionDenylist::new();
        denylist.expect_is_denied().never();
        let live = service(accounts, MockPasswordHasher::new(), Some(denylist))
            .session_is_live_after(TenantId::generate(), SessionId::generate(), None)
            .await
            .unwrap();
        assert!(!live);
    }

    #[tokio::test]
    async fn an_incomplete_denylist_is_rewarmed_from_the_database() {
        let session = SessionId::generate();
        let mut accounts = MockAccountRepository::new();
        accounts
            .expect_recently_revoked()
            .times(1)
            .returning(move |_| Ok(vec![session]));
        let mut denylist = MockSessionDenylist::new();
        denylist.expect_is_denied().returning(|_| Ok(None));
        denylist.expect_rewarm().times(1).returning(|_| Ok(()));
        let live = service(accounts, MockPasswordHasher::new(), Some(denylist))
            .session_is_live(TenantId::generate(), session)
            .await
            .unwrap();
        assert!(!live);
    }

    fn one_membership(role: Role) -> (MockAccountRepository, MockPasswordHasher, TenantId) {
        let (user, tenant) = (UserId::generate(), TenantId::generate());
        let mut accounts = MockAccountRepository::new();
        accounts
            .expect_login_candidates()
            .returning(move |_| Ok(vec![candidate(user, tenant, "Acme", role)]));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| true);
        (accounts, hasher, tenant)
    }

    #[tokio::test]
    async fn a_person_with_an_authenticator_gets_a_challenge_and_no_session() {
        let (mut accounts, hasher, tenant) = one_membership(Role::Rep);
        accounts.expect_create_session().never();
        let mut mfa = MockMfaRepository::new();
        mfa.expect_standing().returning(|_, _| {
            Ok(MfaStanding {
                enrolled: true,
                policy: MfaPolicy::Off,
            })
        });
        mfa.expect_create_challenge()
            .withf(move |t, _, digest, expires| {
                *t == tenant && digest == format!("{tenant}.secret").as_bytes() && *expires > Utc::now()
            })
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let outcome = service_with_mfa(accounts, hasher, None, mfa)
            .login(login("ada@x.io", None))
            .await
            .unwrap();
        assert!(matches!(outcome, SignIn::SecondFactor { challenge } if challenge == format!("{tenant}.secret")));
    }

    #[tokio::test]
    async fn an_admin_without_a_factor_where_admins_need_one_may_only_enroll() {
        for (role, pending) in [(Role::Admin, true), (Role::Rep, false)] {
            let (mut accounts, hasher, _) = one_membership(role);
            accounts.expect_create_session().returning(|_, _, _| Ok(()));
            let mut mfa = MockMfaRepository::new();
            mfa.expect_standing().returning(|_, _| {
                Ok(MfaStanding {
                    enrolled: false,
                    policy: MfaPolicy::Admins,
                })
            });
            let Ok(SignIn::Session(grant)) = service_with_mfa(accounts, hasher, None, mfa)
                .login(login("ada@x.io", None))
                .await
            else {
                panic!("expected a session")
            };
            assert_eq!(grant.identity.mfa_enrollment_pending, pending, "{role:?}");
        }
    }

    #[tokio::test]
    async fn a_refresh_asks_the_organizations_rule_again() {
        let tenant = TenantId::generate();
        let mut accounts = MockAccountRepository::new();
        accounts.expect_rotate_refresh_token().returning(move |_, _, _| {
            Ok(RefreshOutcome::Rotated(SessionIdentity {
                tenant_id: tenant,
                user_id: UserId::generate(),
                role: Role::Viewer,
                session_id: SessionId::generate(),
                mfa_enrollment_pending: false,
            }))
        });
        let mut mfa = MockMfaRepository::new();
        mfa.expect_standing().returning(|_, _| {
            Ok(MfaStanding {
                enrolled: false,
                policy: MfaPolicy::Everyone,
            })
        });
        let grant = service_with_mfa(accounts, MockPasswordHasher::new(), None, mfa)
            .refresh(&format!("{tenant}.old"))
            .await
            .unwrap();
        assert!(grant.identity.mfa_enrollment_pending);
    }
}

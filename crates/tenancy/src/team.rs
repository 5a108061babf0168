//! An organization as a team: its members and their roles, invitations by
//! e-mail, and accepting them. Only admins manage; the last admin can be
//! neither demoted nor removed; a member whose role changes or who is
//! removed loses their sessions at once.

use crate::emails;
use crate::model::{Password, PersonName};
use crate::ports::{AccountRepository, PasswordHasher, SecretMinter, SessionDenylist, deny_sessions};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::mail::Email;
use clearview_kernel::records::RecordError;
use clearview_kernel::{EmailAddress, RepoError, Role, SessionId, TenantContext, TenantId, UserId, ValidationErrors};
use std::sync::Arc;
use uuid::Uuid;

pub const INVITATION_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A new invitation with its e-mail, stored together (the outbox).
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub id: Uuid,
    pub email: EmailAddress,
    pub role: Role,
    pub token_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub message: Email,
}

/// Who accepts an invitation: an identity that exists (its owner signed
/// in with its password), a new one, or an identity that belongs to no
/// organization any more, claimed by whoever proved control of its address
/// (its name and password are replaced).
#[derive(Debug, Clone)]
pub enum Joiner {
    Existing(UserId),
    New {
        id: UserId,
        name: String,
        password_hash: String,
    },
    Claimed {
        id: UserId,
        name: String,
        password_hash: String,
    },
}

impl Joiner {
    /// The identity that joins.
    pub fn user_id(&self) -> UserId {
        match self {
            Joiner::Existing(id) | Joiner::New { id, .. } | Joiner::Claimed { id, .. } => *id,
        }
    }
}

/// An identity found by e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownIdentity {
    pub user_id: UserId,
    pub password_hash: String,
    /// Whether it is a member of any organization.
    pub is_member: bool,
}

/// Storage of members and invitations. Errors: `NotFound`; `Conflict` for
/// the last-admin rule; `Duplicate { field: "email" }` when the invitee is
/// already a member. Each change appends its `audit` entry in its own
/// transaction.
#[async_trait]
pub trait TeamRepository: Send + Sync {
    async fn members(&self, ctx: &TenantContext) -> Result<Vec<Member>, RepoError>;
    /// Changes a role and revokes the member's sessions; returns them.
    async fn change_role(
        &self,
        ctx: &TenantContext,
        user: UserId,
        role: Role,
        audit: &AuditEntry,
    ) -> Result<(Member, Vec<SessionId>), RepoError>;
    /// Removes a member (their sessions go with the membership); returns
    /// the sessions that were live.
    async fn remove_member(
        &self,
        ctx: &TenantContext,
        user: UserId,
        audit: &AuditEntry,
    ) -> Result<Vec<SessionId>, RepoError>;
    /// Stores the invitation and its e-mail job in one transaction — unless
    /// an invitation to that address is already pending, which is returned
    /// instead (and nothing is sent or recorded).
    async fn invite(
        &self,
        ctx: &TenantContext,
        invitation: &NewInvitation,
        audit: &AuditEntry,
    ) -> Result<(Invitation, bool), RepoError>;
    async fn invitations(&self, ctx: &TenantContext) -> Result<Vec<Invitation>, RepoError>;
    async fn revoke_invitation(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError>;
    /// The pending, unexpired invitation with this token hash.
    async fn pending_invitation(&self, tenant: TenantId, token_hash: &[u8]) -> Result<Option<Invitation>, RepoError>;
    /// The identity with this e-mail, if any.
    async fn identity_by_email(&self, email: &str) -> Result<Option<KnownIdentity>, RepoError>;
    /// Marks the invitation accepted and adds the membership (creating the
    /// identity if new) and appends `audit` as done by the joiner,
    /// atomically; `NotFound` if it is no longer pending.
    async fn accept(
        &self,
        tenant: TenantId,
        invitation: Uuid,
        joiner: &Joiner,
        audit: &AuditEntry,
    ) -> Result<(UserId, Role), RepoError>;
}

#[derive(Clone)]
pub struct TeamService {
    team: Arc<dyn TeamRepository>,
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    secrets: Arc<dyn SecretMinter>,
    denylist: Option<Arc<dyn SessionDenylist>>,
    public_url: String,
}

fn admin_only(ctx: &TenantContext) -> Result<(), RecordError> {
    if ctx.role == Role::Admin {
        Ok(())
    } else {
        Err(RecordError::Forbidden("only admins manage members and invitations"))
    }
}

fn same_tenant(ctx: &TenantContext, id: TenantId) -> Result<(), RecordError> {
    if ctx.tenant_id == id {
        Ok(())
    } else {
        Err(RecordError::NotFound)
    }
}

fn invalid(field: &str, message: impl Into<String>) -> RecordError {
    RecordError::Invalid(ValidationErrors::single(field, message))
}

impl TeamService {
    pub fn new(
        team: Arc<dyn TeamRepository>,
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        secrets: Arc<dyn SecretMinter>,
        denylist: Option<Arc<dyn SessionDenylist>>,
        public_url: String,
    ) -> Self {
        Self {
            team,
            accounts,
            hasher,
            secrets,
            denylist,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Whether the caller may manage this organization's members and
    /// invitations (its admins); checked before any budget is spent.
    pub fn authorize_management(&self, ctx: &TenantContext, org: TenantId) -> Result<(), RecordError> {
        same_tenant(ctx, org)?;
        admin_only(ctx)
    }

    /// Members are listed to every member (owners are picked from them).
    pub async fn members(&self, ctx: &TenantContext, org: TenantId) -> Result<Vec<Member>, RecordError> {
        same_tenant(ctx, org)?;
        Ok(self.team.members(ctx).await?)
    }

    pub async fn change_role(
        &self,
        ctx: &TenantContext,
        org: TenantId,
        user: UserId,
        role: Role,
        origin: &RequestOrigin,
    ) -> Result<Member, RecordError> {
        same_tenant(ctx, org)?;
        admin_only(ctx)?;
        let audit = AuditEntry::new(actions::MEMBER_ROLE_CHANGED, origin)
            .target("user", user.as_uuid())
            .detail("role", role.as_str());
        let (member, sessions) = self.team.change_role(ctx, user, role, &audit).await?;
        deny_sessions(self.denylist.as_ref(), &sessions).await;
        Ok(member)
    }

    pub async fn remove(
        &self,
        ctx: &TenantContext,
        org: TenantId,
        user: UserId,
        origin: &RequestOrigin,
    ) -> Result<(), RecordError> {
        same_tenant(ctx, org)?;
        admin_only(ctx)?;
        let audit = AuditEntry::new(actions::MEMBER_REMOVED, origin).target("user", user.as_uuid());
        let sessions = self.team.remove_member(ctx, user, &audit).await?;
        deny_sessions(self.denylist.as_ref(), &sessions).await;
        Ok(())
    }

    /// Invites an address; returns the invitation and whether a new e-mail
    /// was queued (false when one is already pending).
    pub async fn invite(
        &self,
        ctx: &TenantContext,
        org: TenantId,
        email: &str,
        role: Role,
        origin: &RequestOrigin,
    ) -> Result<(Invitation, bool), RecordError> {
        same_tenant(ctx, org)?;
        admin_only(ctx)?;
        let email = EmailAddress::parse(email).map_err(|e| invalid("email", e))?;
        let me = self.accounts.me(ctx).await?;
        let token = self.secrets.mint(ctx.tenant_id);
        let link = format!("{}/invitations/accept?token={token}", self.public_url);
        let message = emails::invitation(
            email.as_str(),
            &me.organization.name,
            &me.name,
            role.as_str(),
            &link,
            INVITATION_DAYS,
        );
        let invitation = NewInvitation {
            id: Uuid::now_v7(),
            email,
            role,
            token_hash: self.secrets.digest(&token),
            expires_at: Utc::now() + Duration::days(INVITATION_DAYS),
            message,
        };
        let audit = AuditEntry::new(actions::INVITATION_CREATED, origin)
            .target("invitation", invitation.id)
            .detail("role", role.as_str());
        match self.team.invite(ctx, &invitation, &audit).await {
            Err(RepoError::Duplicate { .. }) => Err(RecordError::Duplicate {
                field: "email",
                existing_id: None,
            }),
            other => Ok(other?),
        }
    }

    pub async fn invitations(&self, ctx: &TenantContext, org: TenantId) -> Result<Vec<Invitation>, RecordError> {
        same_tenant(ctx, org)?;
        admin_only(ctx)?;
        Ok(self.team.invitations(ctx).await?)
    }

    pub async fn revoke_invitation(
        &self,
        ctx: &TenantContext,
        org: TenantId,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> Result<(), RecordError> {
        same_tenant(ctx, org)?;
        admin_only(ctx)?;
        let audit = AuditEntry::new(actions::INVITATION_REVOKED, origin).target("invitation", id);
        Ok(self.team.revoke_invitation(ctx, id, &audit).await?)
    }

    /// Name and password of a new (or claimed) identity, both required.
    async fn new_credentials(
        &self,
        name: Option<&str>,
        password: Option<&str>,
    ) -> Result<(String, String), RecordError> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", PersonName::parse(name.unwrap_or_default()));
        let password = errors.check("password", Password::parse(password.unwrap_or_default()));
        let (Some(name), Some(password)) = (name, password) else {
            return Err(RecordError::Invalid(errors));
        };
        let password_hash = self
            .hasher
            .hash(password.expose())
            .await
            .map_err(|e| RecordError::Unexpected(e.into()))?;
        Ok((name.as_str().to_owned(), password_hash))
    }

    /// Accepts an invitation: joins an existing identity, or creates one
    /// (then `name` and `password` are required). An identity that is a
    /// member somewhere joins only with its own `password` (signing in as
    /// it); one that is a member nowhere is claimed like a new one. Returns
    /// who joined where.
    pub async fn accept(
        &self,
        token: &str,
        name: Option<&str>,
        password: Option<&str>,
        origin: &RequestOrigin,
    ) -> Result<(TenantId, UserId, Role), RecordError> {
        let gone = || RecordError::Gone {
            field: "token",
            why: "this invitation is invalid, used, revoked or expired",
        };
        let tenant = self.secrets.tenant_of(token).ok_or_else(gone)?;
        let invitation = self
            .team
            .pending_invitation(tenant, &self.secrets.digest(token))
            .await?
            .ok_or_else(gone)?;
        let joiner = match self.team.identity_by_email(&invitation.email).await? {
            // Joining an account that already exists takes signing in as it.
            Some(known) if known.is_member => {
                let Some(password) = password.filter(|p| !p.is_empty()) else {
                    return Err(invalid(
                        "password",
                        "this address already has a Clearview account: enter its password",
                    ));
                };
                if !self.hasher.verify(password, Some(known.password_hash)).await {
                    return Err(RecordError::WrongPassword("this is not the password of the account"));
                }
                Joiner::Existing(known.user_id)
            }
            known => {
                let (name, password_hash) = self.new_credentials(name, password).await?;
                match known {
                    Some(orphan) => Joiner::Claimed {
                        id: orphan.user_id,
                        name,
                        password_hash,
                    },
                    None => Joiner::New {
                        id: UserId::generate(),
                        name,
                        password_hash,
                    },
                }
            }
        };
        let audit = AuditEntry::new(actions::INVITATION_ACCEPTED, origin).target("user", joiner.user_id().as_uuid());
        match self.team.accept(tenant, invitation.id, &joiner, &audit).await {
            Ok((user, role)) => Ok((tenant, user, role)),
            Err(RepoError::NotFound) => Err(gone()),
            Err(RepoError::Duplicate { .. }) => {
                Err(RecordError::Conflict("you are already a member of this organization"))
            }
            Err(other) => Err(other.into()),
        }
    }
}

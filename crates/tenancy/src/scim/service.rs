//! `ScimService`: the organization's SCIM token (admins) and the provider's
//! use cases on users and groups (the token). Every write's audit entry is
//! appended by the adapter in the write's transaction (ADR 0035); the
//! sessions a write ended are denied here, as member removal does.

use super::model::{
    GroupAttributes, NewScimGroup, NewScimUser, ScimFilter, ScimGroup, ScimPage, ScimToken, ScimUser, UserAttributes,
};
use crate::ports::{SecretMinter, SessionDenylist, deny_sessions};
use async_trait::async_trait;
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::records::RecordError;
use clearview_kernel::{RepoError, Role, SessionId, TenantContext, TenantId};
use std::sync::Arc;
use uuid::Uuid;

/// The start of every SCIM token (`cvs_<tenant>_<random>`), so a leaked
/// one is recognised.
pub const TOKEN_PREFIX: &str = "cvs_";
/// Last characters of the token kept as its hint.
const HINT_CHARS: usize = 6;
/// Longest text attribute accepted, in characters.
const TEXT_MAX: usize = 1024;

/// What a SCIM request can fail with; the HTTP adapter turns each into a
/// SCIM error (status and `scimType`).
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    #[error("resource not found")]
    NotFound,
    /// A value is missing or wrong (`invalidValue`); names the attribute.
    #[error("{attribute}: {message}")]
    Invalid { attribute: &'static str, message: String },
    /// `uniqueness`: another resource already has this value.
    #[error("{0} is already in use in this organization")]
    Uniqueness(&'static str),
    /// `mutability`: the change would break a rule (the last admin).
    #[error("{0}")]
    Refused(&'static str),
    /// Another write changed the resource meanwhile.
    #[error("the resource changed meanwhile; read it again")]
    Changed,
    #[error("storage is busy; try again shortly")]
    Unavailable,
    #[error("unexpected failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<RepoError> for ScimError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => ScimError::NotFound,
            RepoError::Duplicate { field, .. } => ScimError::Uniqueness(field),
            RepoError::MissingReference { field } => ScimError::Invalid {
                attribute: field,
                message: "names no resource of this organization".into(),
            },
            RepoError::Conflict("version") => ScimError::Changed,
            RepoError::Conflict(why) => ScimError::Refused(why),
            RepoError::Unavailable => ScimError::Unavailable,
            other => ScimError::Unexpected(other.into()),
        }
    }
}

/// Storage of SCIM tokens, users and groups. Each write keeps the affected
/// people's memberships in step (`plan_membership`) in its transaction and
/// returns the sessions it ended; `expected_version` guards a replace made
/// from a read (PATCH), `RepoError::Conflict("version")` when it moved.
#[async_trait]
pub trait ScimRepository: Send + Sync {
    async fn token(&self, ctx: &TenantContext) -> Result<Option<ScimToken>, RepoError>;
    async fn set_token(
        &self,
        ctx: &TenantContext,
        hint: &str,
        digest: &[u8],
        audit: &AuditEntry,
    ) -> Result<ScimToken, RepoError>;
    /// `NotFound` when the organization has none.
    async fn delete_token(&self, ctx: &TenantContext, audit: &AuditEntry) -> Result<(), RepoError>;
    /// Whether the digest is the tenant's token (marks it used).
    async fn token_matches(&self, tenant: TenantId, digest: &[u8]) -> Result<bool, RepoError>;

    async fn create_user(
        &self,
        tenant: TenantId,
        user: &NewScimUser,
        audit: &AuditEntry,
    ) -> Result<(ScimUser, Vec<SessionId>), RepoError>;
    async fn user(&self, tenant: TenantId, id: Uuid) -> Result<Option<ScimUser>, RepoError>;
    async fn users(
        &self,
        tenant: TenantId,
        filter: &ScimFilter,
        page: ScimPage,
    ) -> Result<(u64, Vec<ScimUser>), RepoError>;
    async fn replace_user(
        &self,
        tenant: TenantId,
        id: Uuid,
        attributes: &UserAttributes,
        expected_version: Option<i64>,
        audit: &AuditEntry,
    ) -> Result<(ScimUser, Vec<SessionId>), RepoError>;
    async fn delete_user(&self, tenant: TenantId, id: Uuid, audit: &AuditEntry) -> Result<Vec<SessionId>, RepoError>;

    async fn create_group(
        &self,
        tenant: TenantId,
        group: &NewScimGroup,
        audit: &AuditEntry,
    ) -> Result<(ScimGroup, Vec<SessionId>), RepoError>;
    async fn group(&self, tenant: TenantId, id: Uuid) -> Result<Option<ScimGroup>, RepoError>;
    async fn groups(
        &self,
        tenant: TenantId,
        filter: &ScimFilter,
        page: ScimPage,
    ) -> Result<(u64, Vec<ScimGroup>), RepoError>;
    async fn replace_group(
        &self,
        tenant: TenantId,
        id: Uuid,
        attributes: &GroupAttributes,
        expected_version: Option<i64>,
        audit: &AuditEntry,
    ) -> Result<(ScimGroup, Vec<SessionId>), RepoError>;
    async fn delete_group(&self, tenant: TenantId, id: Uuid, audit: &AuditEntry) -> Result<Vec<SessionId>, RepoError>;
}

pub struct ScimService {
    repo: Arc<dyn ScimRepository>,
    secrets: Arc<dyn SecretMinter>,
    denylist: Option<Arc<dyn SessionDenylist>>,
}

fn check_text(attribute: &'static str, value: Option<&str>, required: bool) -> Result<(), ScimError> {
    let invalid = |message: &str| ScimError::Invalid {
        attribute,
        message: message.into(),
    };
    match value {
        None | Some("") if required => Err(invalid("is required")),
        Some(v) if v.trim().is_empty() && required => Err(invalid("is required")),
        Some(v) if v.chars().count() > TEXT_MAX => Err(invalid("is longer than 1024 characters")),
        _ => Ok(()),
    }
}

fn check_user(user: &UserAttributes) -> Result<(), ScimError> {
    check_text("userName", Some(&user.user_name), true)?;
    check_text("externalId", user.external_id.as_deref(), false)?;
    check_text("displayName", user.display_name.as_deref(), false)?;
    if let Some(name) = &user.name {
        for part in [&name.formatted, &name.family_name, &name.given_name] {
            check_text("name", part.as_deref(), false)?;
        }
    }
    if user.emails.len() > 20 {
        return Err(ScimError::Invalid {
            attribute: "emails",
            message: "holds more than 20 addresses".into(),
        });
    }
    user.emails
        .iter()
        .try_for_each(|e| check_text("emails", Some(&e.value), true))
}

fn check_group(group: &GroupAttributes) -> Result<(), ScimError> {
    check_text("displayName", Some(&group.display_name), true)?;
    check_text("externalId", group.external_id.as_deref(), false)
}

fn hint(token: &str) -> String {
    let start = token.char_indices().rev().nth(HINT_CHARS - 1).map_or(0, |(i, _)| i);
    format!("…{}", &token[start..])
}

impl ScimService {
    pub fn new(
        repo: Arc<dyn ScimRepository>,
        secrets: Arc<dyn SecretMinter>,
        denylist: Option<Arc<dyn SessionDenylist>>,
    ) -> Self {
        Self {
            repo,
            secrets,
            denylist,
        }
    }

    fn admin_only(ctx: &TenantContext) -> Result<(), RecordError> {
        if ctx.role == Role::Admin {
            Ok(())
        } else {
            Err(RecordError::Forbidden("only admins manage directory sync"))
        }
    }

    pub async fn token(&self, ctx: &TenantContext) -> Result<ScimToken, RecordError> {
        Self::admin_only(ctx)?;
        self.repo.token(ctx).await?.ok_or(RecordError::NotFound)
    }

    /// Creates the organization's token, replacing (and so revoking) the
    /// one it had. Returns the token, shown this once, and its listing.
    pub async fn issue_token(
        &self,
        ctx: &TenantContext,
        origin: &RequestOrigin,
    ) -> Result<(String, ScimToken), RecordError> {
        Self::admin_only(ctx)?;
        let token = self.secrets.mint(ctx.tenant_id);
        let audit = AuditEntry::new(actions::SCIM_TOKEN_CREATED, origin);
        let listed = self
            .repo
            .set_token(ctx, &hint(&token), &self.secrets.digest(&token), &audit)
            .await?;
        Ok((token, listed))
    }

    pub async fn revoke_token(&self, ctx: &TenantContext, origin: &RequestOrigin) -> Result<(), RecordError> {
        Self::admin_only(ctx)?;
        let audit = AuditEntry::new(actions::SCIM_TOKEN_REVOKED, origin);
        Ok(self.repo.delete_token(ctx, &audit).await?)
    }

    /// The organization a bearer token provisions, if it is a live token.
    pub async fn authenticate(&self, token: &str) -> Result<Option<TenantId>, ScimError> {
        let Some(tenant) = self.secrets.tenant_of(token) else {
            return Ok(None);
        };
        let live = self.repo.token_matches(tenant, &self.secrets.digest(token)).await?;
        Ok(live.then_some(tenant))
    }

    async fn ended<T>(&self, (value, sessions): (T, Vec<SessionId>)) -> T {
        deny_sessions(self.denylist.as_ref(), &sessions).await;
        value
    }

    pub async fn create_user(
        &self,
        tenant: TenantId,
        attributes: UserAttributes,
        origin: &RequestOrigin,
    ) -> Result<ScimUser, ScimError> {
        check_user(&attributes)?;
        let user = NewScimUser {
            id: Uuid::now_v7(),
            attributes,
        };
        let audit = AuditEntry::new(actions::SCIM_USER_CREATED, origin).target("scim_user", user.id);
        Ok(self.ended(self.repo.create_user(tenant, &user, &audit).await?).await)
    }

    pub async fn user(&self, tenant: TenantId, id: Uuid) -> Result<ScimUser, ScimError> {
        self.repo.user(tenant, id).await?.ok_or(ScimError::NotFound)
    }

    pub async fn users(
        &self,
        tenant: TenantId,
        filter: &ScimFilter,
        page: ScimPage,
    ) -> Result<(u64, Vec<ScimUser>), ScimError> {
        Ok(self.repo.users(tenant, filter, page).await?)
    }

    /// Replaces a user's attributes; `expected_version` when the new ones
    /// were computed from a read (PATCH).
    pub async fn replace_user(
        &self,
        tenant: TenantId,
        id: Uuid,
        attributes: UserAttributes,
        expected_version: Option<i64>,
        origin: &RequestOrigin,
    ) -> Result<ScimUser, ScimError> {
        check_user(&attributes)?;
        let mut audit = AuditEntry::new(actions::SCIM_USER_UPDATED, origin).target("scim_user", id);
        if let Some(active) = attributes.active {
            audit = audit.detail("active", active.to_string());
        }
        let changed = self
            .repo
            .replace_user(tenant, id, &attributes, expected_version, &audit)
            .await?;
        Ok(self.ended(changed).await)
    }

    pub async fn delete_user(&self, tenant: TenantId, id: Uuid, origin: &RequestOrigin) -> Result<(), ScimError> {
        let audit = AuditEntry::new(actions::SCIM_USER_DELETED, origin).target("scim_user", id);
        let sessions = self.repo.delete_user(tenant, id, &audit).await?;
        deny_sessions(self.denylist.as_ref(), &sessions).await;
        Ok(())
    }

    pub async fn create_group(
        &self,
        tenant: TenantId,
        attributes: GroupAttributes,
        origin: &RequestOrigin,
    ) -> Result<ScimGroup, ScimError> {
        check_group(&attributes)?;
        let group = NewScimGroup {
            id: Uuid::now_v7(),
            attributes,
        };
        let audit = AuditEntry::new(actions::SCIM_GROUP_CREATED, origin).target("scim_group", group.id);
        Ok(self.ended(self.repo.create_group(tenant, &group, &audit).await?).await)
    }

    pub async fn group(&self, tenant: TenantId, id: Uuid) -> Result<ScimGroup, ScimError> {
        self.repo.group(tenant, id).await?.ok_or(ScimError::NotFound)
    }

    pub async fn groups(
        &self,
        tenant: TenantId,
        filter: &ScimFilter,
        page: ScimPage,
    ) -> Result<(u64, Vec<ScimGroup>), ScimError> {
        Ok(self.repo.groups(tenant, filter, page).await?)
    }

    pub async fn replace_group(
        &self,
        tenant: TenantId,
        id: Uuid,
        attributes: GroupAttributes,
        expected_version: Option<i64>,
        origin: &RequestOrigin,
    ) -> Result<ScimGroup, ScimError> {
        check_group(&attributes)?;
        let audit = AuditEntry::new(actions::SCIM_GROUP_UPDATED, origin).target("scim_group", id);
        let changed = self
            .repo
            .replace_group(tenant, id, &attributes, expected_version, &audit)
            .await?;
        Ok(self.ended(changed).await)
    }

    pub async fn delete_group(&self, tenant: TenantId, id: Uuid, origin: &RequestOrigin) -> Result<(), ScimError> {
        let audit = AuditEntry::new(actions::SCIM_GROUP_DELETED, origin).target("scim_group", id);
        let sessions = self.repo.delete_group(tenant, id, &audit).await?;
        deny_sessions(self.denylist.as_ref(), &sessions).await;
        Ok(())
    }
}

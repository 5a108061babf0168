//! The storage port for records, and the one organization setting the
//! policy needs.

use super::kind::RecordKind;
use super::policy::{self, ReadScope, Visibility};
use crate::{Page, RepoError, TenantContext};
use async_trait::async_trait;

/// Tenant-scoped storage of one kind of record. Every method runs in the
/// context's tenant; an id of another tenant is `NotFound`.
///
/// Errors an adapter must return: `NotFound` for a missing (or out of
/// scope) id; `Duplicate { field, existing_id }` for a unique rule (contact
/// `email`, company `domain`); `MissingReference { field }` for a referenced
/// company or owner that does not exist in the tenant.
#[async_trait]
pub trait RecordRepository<K: RecordKind>: Send + Sync {
    async fn insert(&self, ctx: &TenantContext, id: K::Id, draft: &K::Draft) -> Result<K::Record, RepoError>;
    async fn get(&self, ctx: &TenantContext, id: K::Id, scope: ReadScope) -> Result<K::Record, RepoError>;
    async fn update(&self, ctx: &TenantContext, id: K::Id, draft: &K::Draft) -> Result<K::Record, RepoError>;
    async fn delete(&self, ctx: &TenantContext, id: K::Id) -> Result<(), RepoError>;
    async fn list(&self, ctx: &TenantContext, query: &K::Query, scope: ReadScope)
    -> Result<Page<K::Record>, RepoError>;
}

#[async_trait]
pub trait VisibilitySettings: Send + Sync {
    async fn rep_visibility(&self, ctx: &TenantContext) -> Result<Visibility, RepoError>;
}

/// The caller's read scope; the organization's setting is looked up only
/// for roles whose reads depend on it. Every record use case calls this.
pub async fn read_scope(settings: &dyn VisibilitySettings, ctx: &TenantContext) -> Result<ReadScope, RepoError> {
    let visibility = if policy::scope_depends_on_setting(ctx) {
        settings.rep_visibility(ctx).await?
    } else {
        Visibility::All
    };
    Ok(policy::read_scope(ctx, visibility))
}

//! The storage port for records, and the one organization setting the
//! policy needs.

use super::kind::RecordKind;
use super::policy::{ReadScope, Visibility};
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

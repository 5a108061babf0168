//! Reading and changing the caller's organization: every member reads it,
//! only admins change its name and settings (recorded in the same
//! transaction).

use crate::model::{Organization, OrganizationChanges};
use crate::ports::AccountRepository;
use clearview_kernel::audit::{AuditEntry, RequestOrigin, actions};
use clearview_kernel::records::RecordError;
use clearview_kernel::{Role, TenantContext, TenantId};
use std::sync::Arc;

#[derive(Clone)]
pub struct OrganizationService {
    accounts: Arc<dyn AccountRepository>,
}

impl OrganizationService {
    pub fn new(accounts: Arc<dyn AccountRepository>) -> Self {
        Self { accounts }
    }

    /// The organization `id`, which must be the caller's own: any other id
    /// is "not found", whether or not it exists.
    pub async fn get(&self, ctx: &TenantContext, id: TenantId) -> Result<Organization, RecordError> {
        if id != ctx.tenant_id {
            return Err(RecordError::NotFound);
        }
        Ok(self.accounts.organization(ctx).await?)
    }

    pub async fn update(
        &self,
        ctx: &TenantContext,
        id: TenantId,
        changes: OrganizationChanges,
        origin: &RequestOrigin,
    ) -> Result<Organization, RecordError> {
        if id != ctx.tenant_id {
            return Err(RecordError::NotFound);
        }
        if ctx.role != Role::Admin {
            return Err(RecordError::Forbidden("only admins change organization settings"));
        }
        let audit = AuditEntry::new(actions::ORGANIZATION_UPDATED, origin)
            .target("organization", id.as_uuid())
            .detail("fields", changes.field_names());
        Ok(self.accounts.update_organization(ctx, &changes, &audit).await?)
    }
}

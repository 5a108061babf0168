//! The storage port for definitions and the use cases admins run on them.

use super::definition::{CustomEntity, FieldDefinition, FieldDraft, FieldInput, FieldPatch};
use super::filter::CustomQuery;
use super::values::{CustomValues, validate_values};
use crate::audit::{AuditEntry, RequestOrigin, actions};
use crate::records::RecordError;
use crate::{PageRequest, RepoError, Role, TenantContext, ValidationErrors};
use async_trait::async_trait;
use std::sync::Arc;
use uuid::Uuid;

/// What record writes and list queries need: one kind's definitions in
/// position order.
#[async_trait]
pub trait FieldDefinitions: Send + Sync {
    async fn definitions(&self, ctx: &TenantContext, entity: CustomEntity) -> Result<Vec<FieldDefinition>, RepoError>;
}

/// Tenant-scoped storage of definitions; each write appends its `audit`
/// entry in its own transaction. `insert` answers
/// `Duplicate { field: "key" }` when the kind has the key already;
/// `update` removes the values of `removed_options` in the same
/// transaction; `delete` removes every value of the field with it.
#[async_trait]
pub trait CustomFieldRepository: FieldDefinitions {
    async fn list(&self, ctx: &TenantContext, entity: Option<CustomEntity>) -> Result<Vec<FieldDefinition>, RepoError>;
    async fn get(&self, ctx: &TenantContext, id: Uuid) -> Result<FieldDefinition, RepoError>;
    async fn insert(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        draft: &FieldDraft,
        audit: &AuditEntry,
    ) -> Result<FieldDefinition, RepoError>;
    async fn update(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        draft: &FieldDraft,
        removed_options: &[String],
        audit: &AuditEntry,
    ) -> Result<FieldDefinition, RepoError>;
    async fn delete(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError>;
}

/// Every member reads the definitions (forms and lists need them); only
/// admins change them.
#[derive(Clone)]
pub struct CustomFieldService {
    repo: Arc<dyn CustomFieldRepository>,
}

fn admins_only(ctx: &TenantContext) -> Result<(), RecordError> {
    if ctx.role == Role::Admin {
        Ok(())
    } else {
        Err(RecordError::Forbidden("only admins manage custom fields"))
    }
}

impl CustomFieldService {
    pub fn new(repo: Arc<dyn CustomFieldRepository>) -> Self {
        Self { repo }
    }

    pub async fn list(
        &self,
        ctx: &TenantContext,
        entity: Option<CustomEntity>,
    ) -> Result<Vec<FieldDefinition>, RecordError> {
        Ok(self.repo.list(ctx, entity).await?)
    }

    pub async fn create(
        &self,
        ctx: &TenantContext,
        input: FieldInput,
        origin: &RequestOrigin,
    ) -> Result<FieldDefinition, RecordError> {
        admins_only(ctx)?;
        let draft = input.validate().map_err(RecordError::Invalid)?;
        let id = Uuid::now_v7();
        let audit = audit_entry(actions::CUSTOM_FIELD_CREATED, origin, id, draft.entity, &draft.key);
        Ok(self.repo.insert(ctx, id, &draft, &audit).await?)
    }

    pub async fn update(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        patch: FieldPatch,
        origin: &RequestOrigin,
    ) -> Result<FieldDefinition, RecordError> {
        admins_only(ctx)?;
        let current = self.repo.get(ctx, id).await?;
        let (draft, removed) = patch.apply(&current).map_err(RecordError::Invalid)?;
        let audit = audit_entry(actions::CUSTOM_FIELD_UPDATED, origin, id, current.entity, &current.key);
        Ok(self.repo.update(ctx, id, &draft, &removed, &audit).await?)
    }

    pub async fn delete(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> Result<FieldDefinition, RecordError> {
        admins_only(ctx)?;
        let current = self.repo.get(ctx, id).await?;
        let audit = audit_entry(actions::CUSTOM_FIELD_DELETED, origin, id, current.entity, &current.key);
        self.repo.delete(ctx, id, &audit).await?;
        Ok(current)
    }
}

/// The trail names the field by id, entity and key (never its label, which
/// an admin typed).
fn audit_entry(action: &'static str, origin: &RequestOrigin, id: Uuid, entity: CustomEntity, key: &str) -> AuditEntry {
    AuditEntry::new(action, origin)
        .target("custom_field", id)
        .detail("entity", entity.as_str())
        .detail("key", key)
}

/// A write's custom values: `changes` applied to `current` (`None` when
/// creating) and checked against the kind's definitions. An unchanged
/// record keeps its values without a look-up. The outer error is the
/// store's, the inner one the client's.
pub async fn checked_values(
    fields: &dyn FieldDefinitions,
    ctx: &TenantContext,
    entity: CustomEntity,
    current: Option<&CustomValues>,
    changes: &CustomValues,
) -> Result<Result<CustomValues, ValidationErrors>, RepoError> {
    if let Some(current) = current
        && changes.is_empty()
    {
        return Ok(Ok(current.clone()));
    }
    let definitions = fields.definitions(ctx, entity).await?;
    let empty = CustomValues::new();
    Ok(validate_values(
        &definitions,
        current.unwrap_or(&empty),
        changes,
        current.is_none(),
    ))
}

/// A write's draft with its checked custom values set, or the errors of
/// both at once (the record's own first).
pub fn with_values<D>(
    draft: Result<D, ValidationErrors>,
    values: Result<CustomValues, ValidationErrors>,
    set: impl FnOnce(&mut D, CustomValues),
) -> Result<D, ValidationErrors> {
    match (draft, values) {
        (Ok(mut draft), Ok(values)) => {
            set(&mut draft, values);
            Ok(draft)
        }
        (Err(mut errors), Err(more)) => {
            errors.merge(more);
            Err(errors)
        }
        (Err(errors), _) | (_, Err(errors)) => Err(errors),
    }
}

/// Resolves a list query's custom filters and sort (nothing to look up
/// when it has none).
pub async fn resolve_query(
    fields: &dyn FieldDefinitions,
    ctx: &TenantContext,
    entity: CustomEntity,
    query: &mut CustomQuery,
    page: &PageRequest,
) -> Result<(), RecordError> {
    if query.is_empty() {
        return Ok(());
    }
    let definitions = fields.definitions(ctx, entity).await?;
    query.resolve(&definitions, page).map_err(RecordError::Invalid)
}

/// The definitions of an organization that has none: for unit tests of
/// the record use cases.
pub struct NoCustomFields;

#[async_trait]
impl FieldDefinitions for NoCustomFields {
    async fn definitions(&self, _: &TenantContext, _: CustomEntity) -> Result<Vec<FieldDefinition>, RepoError> {
        Ok(Vec::new())
    }
}

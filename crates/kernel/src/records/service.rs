//! The record use cases: create, read, list, replace, patch and delete, with
//! validation and the role policy applied before anything is stored.

use super::kind::RecordKind;
use super::policy::{self, ReadScope};
use super::ports::{RecordRepository, VisibilitySettings};
use crate::custom_fields::{FieldDefinitions, checked_values, resolve_query, with_values};
use crate::{Page, RepoError, TenantContext, ValidationErrors};
use std::sync::Arc;
use thiserror::Error;
use uuid::Uuid;

#[derive(Debug, Error)]
pub enum RecordError {
    #[error("invalid input")]
    Invalid(ValidationErrors),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("duplicate {field}")]
    Duplicate {
        field: &'static str,
        existing_id: Option<Uuid>,
    },
    #[error("referenced {field} not found")]
    MissingReference { field: &'static str },
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A field contradicts the record's current state (a confirmation
    /// that does not repeat the name it must): 409, the field named.
    #[error("{field} {why}")]
    Contradicts { field: &'static str, why: &'static str },
    /// The link's token names nothing live (unknown, used, revoked or
    /// expired; which one is not said): 404, the field named.
    #[error("{field} {why}")]
    Gone { field: &'static str, why: &'static str },
    /// The password given is not the account's: 401, `password` named.
    #[error("wrong password: {0}")]
    WrongPassword(&'static str),
    /// The store is saturated; try again shortly.
    #[error("busy")]
    Unavailable,
    #[error("unexpected failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<RepoError> for RecordError {
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::NotFound => RecordError::NotFound,
            RepoError::Duplicate { field, existing_id } => RecordError::Duplicate { field, existing_id },
            RepoError::MissingReference { field } => RecordError::MissingReference { field },
            RepoError::Conflict(why) => RecordError::Conflict(why),
            RepoError::Unavailable => RecordError::Unavailable,
            RepoError::Unexpected(source) => RecordError::Unexpected(source),
        }
    }
}

pub struct RecordService<K: RecordKind> {
    repo: Arc<dyn RecordRepository<K>>,
    settings: Arc<dyn VisibilitySettings>,
    fields: Arc<dyn FieldDefinitions>,
}

impl<K: RecordKind> Clone for RecordService<K> {
    fn clone(&self) -> Self {
        Self {
            repo: self.repo.clone(),
            settings: self.settings.clone(),
            fields: self.fields.clone(),
        }
    }
}

impl<K: RecordKind> RecordService<K> {
    pub fn new(
        repo: Arc<dyn RecordRepository<K>>,
        settings: Arc<dyn VisibilitySettings>,
        fields: Arc<dyn FieldDefinitions>,
    ) -> Self {
        Self { repo, settings, fields }
    }

    /// Validates a write: the kind's own rules and its custom values
    /// (`current` is the record being changed, `None` on create), every
    /// error reported at once.
    async fn checked(
        &self,
        ctx: &TenantContext,
        input: &K::Input,
        current: Option<&K::Record>,
    ) -> Result<K::Draft, RecordError> {
        let draft = K::validate(input);
        let custom = match (K::CUSTOM_ENTITY, K::custom_changes(input)) {
            (Some(entity), Some(changes)) => {
                let current = current.and_then(K::record_custom);
                Some(checked_values(self.fields.as_ref(), ctx, entity, current, changes).await?)
            }
            _ => None,
        };
        match custom {
            Some(values) => with_values(draft, values, K::set_custom),
            None => draft,
        }
        .map_err(RecordError::Invalid)
    }

    async fn scope(&self, ctx: &TenantContext) -> Result<ReadScope, RecordError> {
        Ok(super::ports::read_scope(self.settings.as_ref(), ctx).await?)
    }

    pub async fn create(&self, ctx: &TenantContext, mut input: K::Input) -> Result<K::Record, RecordError> {
        let owner = policy::owner_on_create(ctx, *K::input_owner(&mut input)).map_err(RecordError::Forbidden)?;
        *K::input_owner(&mut input) = Some(owner);
        let draft = self.checked(ctx, &input, None).await?;
        match self.repo.insert(ctx, K::new_id(), &draft).await {
            Ok(record) => Ok(record),
            Err(err) => Err(self.within_scope(ctx, err).await),
        }
    }

    /// A duplicate names the record that holds the value — unless the
    /// caller sees only their own records: then the id is withheld, since
    /// it may belong to a record they may not see.
    async fn within_scope(&self, ctx: &TenantContext, err: RepoError) -> RecordError {
        match err {
            RepoError::Duplicate {
                field,
                existing_id: Some(_),
            } if !matches!(self.scope(ctx).await, Ok(ReadScope::Everything)) => RecordError::Duplicate {
                field,
                existing_id: None,
            },
            other => other.into(),
        }
    }

    pub async fn get(&self, ctx: &TenantContext, id: K::Id) -> Result<K::Record, RecordError> {
        let scope = self.scope(ctx).await?;
        Ok(self.repo.get(ctx, id, scope).await?)
    }

    pub async fn list(&self, ctx: &TenantContext, query: &K::Query) -> Result<Page<K::Record>, RecordError> {
        let scope = self.scope(ctx).await?;
        let mut query = query.clone();
        if let (Some(entity), Some((custom, page))) = (K::CUSTOM_ENTITY, K::custom_query(&mut query)) {
            resolve_query(self.fields.as_ref(), ctx, entity, custom, page).await?;
        }
        Ok(self.repo.list(ctx, &query, scope).await?)
    }

    /// Replaces every client-settable field (PUT).
    pub async fn replace(&self, ctx: &TenantContext, id: K::Id, input: K::Input) -> Result<K::Record, RecordError> {
        self.modify(ctx, id, |_| input).await
    }

    /// Changes the fields `apply` sets on the record's current values (PATCH).
    pub async fn patch(
        &self,
        ctx: &TenantContext,
        id: K::Id,
        apply: impl FnOnce(&mut K::Input) + Send,
    ) -> Result<K::Record, RecordError> {
        self.modify(ctx, id, |mut input| {
            apply(&mut input);
            input
        })
        .await
    }

    async fn modify(
        &self,
        ctx: &TenantContext,
        id: K::Id,
        change: impl FnOnce(K::Input) -> K::Input + Send,
    ) -> Result<K::Record, RecordError> {
        let current = self.get(ctx, id).await?;
        let current_owner = K::record_owner(&current);
        policy::may_modify(ctx, current_owner).map_err(RecordError::Forbidden)?;
        let mut input = change(K::input_of(&current));
        let new_owner = *K::input_owner(&mut input);
        policy::may_reassign(ctx, current_owner, new_owner).map_err(RecordError::Forbidden)?;
        let draft = self.checked(ctx, &input, Some(&current)).await?;
        match self.repo.update(ctx, id, &draft).await {
            Ok(record) => Ok(record),
            Err(err) => Err(self.within_scope(ctx, err).await),
        }
    }

    pub async fn delete(&self, ctx: &TenantContext, id: K::Id) -> Result<(), RecordError> {
        let current = self.get(ctx, id).await?;
        policy::may_modify(ctx, K::record_owner(&current)).map_err(RecordError::Forbidden)?;
        Ok(self.repo.delete(ctx, id).await?)
    }
}

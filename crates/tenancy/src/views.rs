//! Saved list views (issue 12, ADR 0029): a named set of list filters, a
//! sort and the visible columns, for contacts, companies or deals. A view
//! is its owner's, private or shared with the organization. Every member
//! sees their own views and the shared ones; only the owner or an admin
//! changes or deletes a view; viewers keep private views only.
//!
//! What a view holds is checked against what each list understands (the
//! filter names, sorts and columns below), so a saved view always opens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::custom_fields::custom_field_key;
use clearview_kernel::records::RecordError;
use clearview_kernel::{RepoError, Role, TenantContext, UserId, ValidationErrors, required_text};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

/// Longest view name, in characters.
pub const VIEW_NAME_MAX: usize = 100;
/// Longest filter value, in characters.
const FILTER_VALUE_MAX: usize = 200;
/// Most views one person may own per list.
pub const VIEWS_PER_LIST: i64 = 50;

/// The list a view is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewEntity {
    Contact,
    Company,
    Deal,
}

impl ViewEntity {
    pub const fn as_str(self) -> &'static str {
        match self {
            ViewEntity::Contact => "contact",
            ViewEntity::Company => "company",
            ViewEntity::Deal => "deal",
        }
    }

    /// The list's query parameters a view may fix (paging is not a filter).
    pub const fn filters(self) -> &'static [&'static str] {
        match self {
            ViewEntity::Contact => &["q", "owner_id", "company_id"],
            ViewEntity::Company => &["q", "owner_id"],
            ViewEntity::Deal => &[
                "q",
                "owner_id",
                "pipeline_id",
                "stage_id",
                "status",
                "contact_id",
                "company_id",
            ],
        }
    }

    /// The list's sortable fields (each also descending with `-`).
    pub const fn sorts(self) -> &'static [&'static str] {
        match self {
            ViewEntity::Contact => &["created_at", "updated_at", "first_name", "last_name"],
            ViewEntity::Company => &["created_at", "updated_at", "name"],
            ViewEntity::Deal => &["created_at", "updated_at", "title", "amount"],
        }
    }

    /// The columns the list can show besides the record's name.
    pub const fn columns(self) -> &'static [&'static str] {
        match self {
            ViewEntity::Contact => &[
                "email",
                "phone",
                "title",
                "company",
                "owner",
                "created_at",
                "updated_at",
            ],
            ViewEntity::Company => &["domain", "phone", "owner", "created_at", "updated_at"],
            ViewEntity::Deal => &[
                "amount",
                "stage",
                "owner",
                "expected_close_date",
                "probability",
                "created_at",
                "updated_at",
            ],
        }
    }
}

impl FromStr for ViewEntity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "contact" => Ok(ViewEntity::Contact),
            "company" => Ok(ViewEntity::Company),
            "deal" => Ok(ViewEntity::Deal),
            _ => Err("must be `contact`, `company` or `deal`".into()),
        }
    }
}

/// A stored view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub id: Uuid,
    pub entity: ViewEntity,
    pub name: String,
    pub owner_id: UserId,
    pub shared: bool,
    pub filters: BTreeMap<String, String>,
    pub sort: Option<String>,
    pub columns: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A view's settable parts, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewDraft {
    pub entity: ViewEntity,
    pub name: String,
    pub shared: bool,
    pub filters: BTreeMap<String, String>,
    pub sort: Option<String>,
    pub columns: Vec<String>,
}

/// A view as a client sends it (unvalidated). On a change, absent parts
/// keep their stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewInput {
    pub name: Option<String>,
    pub shared: Option<bool>,
    pub filters: Option<BTreeMap<String, String>>,
    /// `Some(None)` clears the sort (the list's default).
    pub sort: Option<Option<String>>,
    pub columns: Option<Vec<String>>,
}

/// `cf.<key>`, and for a filter also `cf.<key>.gte` / `.lte`: a custom
/// field (ADR 0034). Whether the field exists is checked when the list
/// runs, since fields come and go after a view is saved.
fn names_custom_filter(name: &str) -> bool {
    let field = name
        .strip_suffix(".gte")
        .or_else(|| name.strip_suffix(".lte"))
        .unwrap_or(name);
    custom_field_key(field).is_some()
}

impl ViewInput {
    /// The draft this input makes of `base` (a stored view's parts, or an
    /// empty view of `entity` when creating), every error named.
    pub fn apply(self, base: ViewDraft) -> Result<ViewDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let entity = base.entity;
        let name = match self.name {
            Some(name) => errors.check("name", required_text(&name, VIEW_NAME_MAX)),
            None => Some(base.name),
        };
        let filters = self.filters.unwrap_or(base.filters);
        for (key, value) in &filters {
            if !entity.filters().contains(&key.as_str()) && !names_custom_filter(key) {
                errors.add(
                    "filters",
                    format!("`{key}` is not a filter of the {} list", entity.as_str()),
                );
            } else if value.chars().count() > FILTER_VALUE_MAX || value.chars().any(char::is_control) {
                errors.add(
                    "filters",
                    format!("`{key}` must be one line of at most {FILTER_VALUE_MAX} characters"),
                );
            }
        }
        let sort = self.sort.unwrap_or(base.sort);
        if let Some(sort) = &sort
            && !entity.sorts().contains(&sort.trim_start_matches('-'))
            && custom_field_key(sort.trim_start_matches('-')).is_none()
        {
            errors.add("sort", format!("must be one of {}", entity.sorts().join(", ")));
        }
        let columns = self.columns.unwrap_or(base.columns);
        if let Some(unknown) = columns
            .iter()
            .find(|c| !entity.columns().contains(&c.as_str()) && custom_field_key(c).is_none())
        {
            errors.add(
                "columns",
                format!("`{unknown}` is not a column of the {} list", entity.as_str()),
            );
        }
        let mut seen = columns.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != columns.len() {
            errors.add("columns", "lists a column twice");
        }
        match name {
            Some(name) if errors.is_empty() => Ok(ViewDraft {
                entity,
                name,
                shared: self.shared.unwrap_or(base.shared),
                filters,
                sort,
                columns,
            }),
            _ => Err(errors),
        }
    }
}

impl ViewDraft {
    /// A new, empty, private view of `entity`.
    pub fn empty(entity: ViewEntity) -> Self {
        Self {
            entity,
            name: String::new(),
            shared: false,
            filters: BTreeMap::new(),
            sort: None,
            columns: Vec::new(),
        }
    }
}

impl From<&SavedView> for ViewDraft {
    fn from(v: &SavedView) -> Self {
        Self {
            entity: v.entity,
            name: v.name.clone(),
            shared: v.shared,
            filters: v.filters.clone(),
            sort: v.sort.clone(),
            columns: v.columns.clone(),
        }
    }
}

/// Storage of views. Reads see the caller's own views and the shared
/// ones; a private view of someone else is `NotFound`, as is another
/// organization's.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ViewRepository: Send + Sync {
    async fn list(&self, ctx: &TenantContext, entity: Option<ViewEntity>) -> Result<Vec<SavedView>, RepoError>;
    async fn get(&self, ctx: &TenantContext, id: Uuid) -> Result<SavedView, RepoError>;
    /// How many views of `entity` the caller owns.
    async fn count_own(&self, ctx: &TenantContext, entity: ViewEntity) -> Result<i64, RepoError>;
    /// A name taken by another of the owner's views of the same list is
    /// `Duplicate { field: "name" }`.
    async fn insert(&self, ctx: &TenantContext, id: Uuid, draft: &ViewDraft) -> Result<SavedView, RepoError>;
    async fn update(&self, ctx: &TenantContext, id: Uuid, draft: &ViewDraft) -> Result<SavedView, RepoError>;
    async fn delete(&self, ctx: &TenantContext, id: Uuid) -> Result<(), RepoError>;
}

#[derive(Clone)]
pub struct ViewService {
    views: Arc<dyn ViewRepository>,
}

impl ViewService {
    pub fn new(views: Arc<dyn ViewRepository>) -> Self {
        Self { views }
    }

    /// The caller's views and the organization's shared ones, by name.
    pub async fn list(&self, ctx: &TenantContext, entity: Option<ViewEntity>) -> Result<Vec<SavedView>, RecordError> {
        Ok(self.views.list(ctx, entity).await?)
    }

    pub async fn create(
        &self,
        ctx: &TenantContext,
        entity: ViewEntity,
        input: ViewInput,
    ) -> Result<SavedView, RecordError> {
        let draft = input.apply(ViewDraft::empty(entity)).map_err(RecordError::Invalid)?;
        may_share(ctx, &draft)?;
        if self.views.count_own(ctx, entity).await? >= VIEWS_PER_LIST {
            return Err(RecordError::Conflict(
                "you have 50 views of this list already; delete one first",
            ));
        }
        Ok(self.views.insert(ctx, Uuid::now_v7(), &draft).await?)
    }

    /// Renames, re-shares or re-defines a view: its owner or an admin.
    pub async fn change(&self, ctx: &TenantContext, id: Uuid, input: ViewInput) -> Result<SavedView, RecordError> {
        let stored = self.views.get(ctx, id).await?;
        may_change(ctx, &stored)?;
        let draft = input.apply(ViewDraft::from(&stored)).map_err(RecordError::Invalid)?;
        if draft.shared && !stored.shared {
            may_share(ctx, &draft)?;
        }
        Ok(self.views.update(ctx, id, &draft).await?)
    }

    pub async fn delete(&self, ctx: &TenantContext, id: Uuid) -> Result<(), RecordError> {
        let stored = self.views.get(ctx, id).await?;
        may_change(ctx, &stored)?;
        Ok(self.views.delete(ctx, id).await?)
    }
}

fn may_change(ctx: &TenantContext, view: &SavedView) -> Result<(), RecordError> {
    if view.owner_id == ctx.user_id || ctx.role == Role::Admin {
        Ok(())
    } else {
        Err(RecordError::Forbidden(
            "only its owner or an admin changes a shared view",
        ))
    }
}

fn may_share(ctx: &TenantContext, draft: &ViewDraft) -> Result<(), RecordError> {
    if draft.shared && ctx.role == Role::Viewer {
        Err(RecordError::Forbidden("viewers keep their views private"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[path = "views_tests.rs"]
mod tests;

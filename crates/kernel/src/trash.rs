//! The trash (ADR 0031): deleted contacts, companies, deals and activities
//! wait here for 30 days, out of every list, and can be restored with their
//! links. The record services move records in (their `delete`); this use
//! case lists, restores and deletes for good, under the record policy.

use crate::audit::{AuditEntry, RequestOrigin, actions};
use crate::records::{ReadScope, RecordError, VisibilitySettings, policy, read_scope};
use crate::{Page, PageRequest, RepoError, Role, TenantContext, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// How long a record stays in the trash before it is purged for good.
pub const RETENTION_DAYS: i64 = 30;

/// The kinds of record that go to the trash when deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashKind {
    Contact,
    Company,
    Deal,
    Activity,
}

impl TrashKind {
    pub const ALL: [TrashKind; 4] = [
        TrashKind::Contact,
        TrashKind::Company,
        TrashKind::Deal,
        TrashKind::Activity,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            TrashKind::Contact => "contact",
            TrashKind::Company => "company",
            TrashKind::Deal => "deal",
            TrashKind::Activity => "activity",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or("must be one of contact, company, deal, activity")
    }
}

/// One record in the trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrashEntry {
    pub id: Uuid,
    pub kind: TrashKind,
    /// A contact's name, a company's name, a deal's title, an activity's subject.
    pub label: String,
    pub owner_id: Option<UserId>,
    pub deleted_by: Option<UserId>,
    pub deleted_by_name: Option<String>,
    pub deleted_at: DateTime<Utc>,
    /// Set when it went to the trash as the loser of a merge: the record it
    /// was merged into (restoring it undoes the merge).
    pub merged_into: Option<Uuid>,
}

impl TrashEntry {
    /// When the daily purge deletes it for good (at the latest a day later).
    pub fn purge_at(&self) -> DateTime<Utc> {
        self.deleted_at + chrono::Duration::days(RETENTION_DAYS)
    }
}

/// `GET /api/trash`: newest first, one kind or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrashQuery {
    pub kind: Option<TrashKind>,
    pub page: PageRequest,
}

/// Tenant-scoped storage of the trash. `get` (of the given kind, or of any
/// when `None`), `restore` and `purge` answer `NotFound` when the trash
/// holds no such record; `restore`
/// answers `Duplicate` when a live record took the e-mail or domain and
/// `Conflict` when a deal's stage is gone.
#[async_trait]
pub trait TrashRepository: Send + Sync {
    async fn list(
        &self,
        ctx: &TenantContext,
        query: &TrashQuery,
        scope: ReadScope,
    ) -> Result<Page<TrashEntry>, RepoError>;
    async fn get(
        &self,
        ctx: &TenantContext,
        kind: Option<TrashKind>,
        id: Uuid,
        scope: ReadScope,
    ) -> Result<TrashEntry, RepoError>;
    /// Restores and appends `audit` in the same transaction.
    async fn restore(
        &self,
        ctx: &TenantContext,
        kind: TrashKind,
        id: Uuid,
        audit: &AuditEntry,
    ) -> Result<(), RepoError>;
    /// Deletes for good and appends `audit` in the same transaction.
    async fn purge(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError>;
}

pub struct TrashService {
    repo: Arc<dyn TrashRepository>,
    settings: Arc<dyn VisibilitySettings>,
}

impl TrashService {
    pub fn new(repo: Arc<dyn TrashRepository>, settings: Arc<dyn VisibilitySettings>) -> Self {
        Self { repo, settings }
    }

    /// What the caller could see before it was deleted: everything, or a
    /// rep's own records when the organization says so.
    pub async fn list(&self, ctx: &TenantContext, query: &TrashQuery) -> Result<Page<TrashEntry>, RecordError> {
        let scope = read_scope(self.settings.as_ref(), ctx).await?;
        Ok(self.repo.list(ctx, query, scope).await?)
    }

    /// Puts the record back. Whoever may delete it may restore it.
    pub async fn restore(
        &self,
        ctx: &TenantContext,
        kind: TrashKind,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> Result<TrashEntry, RecordError> {
        let scope = read_scope(self.settings.as_ref(), ctx).await?;
        let entry = self.repo.get(ctx, Some(kind), id, scope).await?;
        policy::may_modify(ctx, entry.owner_id).map_err(RecordError::Forbidden)?;
        let audit = AuditEntry::new(actions::RECORD_RESTORED, origin).target(kind.as_str(), entry.id);
        self.repo.restore(ctx, kind, id, &audit).await?;
        Ok(entry)
    }

    /// Deletes a trashed record for good before its 30 days are up (a
    /// person's right to erasure): admins only.
    pub async fn purge(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        origin: &RequestOrigin,
    ) -> Result<TrashEntry, RecordError> {
        if ctx.role != Role::Admin {
            return Err(RecordError::Forbidden("only admins can delete records for good"));
        }
        let entry = self.repo.get(ctx, None, id, ReadScope::Everything).await?;
        let audit = AuditEntry::new(actions::RECORD_PURGED, origin).target(entry.kind.as_str(), entry.id);
        self.repo.purge(ctx, id, &audit).await?;
        Ok(entry)
    }
}

#[cfg(test)]
#[path = "trash_tests.rs"]
mod tests;

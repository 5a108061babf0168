//! `TrashRepository` over PostgreSQL: the `trash` table and its functions
//! (migration 20261206000005, ADR 0031). Records enter it through the
//! record repositories' `delete` (`records::delete_row`).

use crate::audit::append_for;
use crate::db::PgStore;
use crate::errors::{change_one, map_err};
use crate::records::push_page;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::records::ReadScope;
use clearview_kernel::trash::{TrashEntry, TrashKind, TrashQuery, TrashRepository};
use clearview_kernel::{Cursor, Page, RepoError, TenantContext, UserId};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// A deal's stage was deleted while the deal was in the trash.
const STAGE_GONE: &str = "CV409";

#[derive(sqlx::FromRow)]
struct TrashRow {
    id: Uuid,
    kind: String,
    label: String,
    owner_id: Option<Uuid>,
    deleted_by: Option<Uuid>,
    deleted_by_name: Option<String>,
    deleted_at: DateTime<Utc>,
    merged_into: Option<Uuid>,
}

impl TryFrom<TrashRow> for TrashEntry {
    type Error = RepoError;
    fn try_from(r: TrashRow) -> Result<Self, RepoError> {
        Ok(TrashEntry {
            id: r.id,
            kind: TrashKind::parse(&r.kind).map_err(|e| RepoError::Unexpected(e.into()))?,
            label: r.label,
            owner_id: r.owner_id.map(UserId::from_uuid),
            deleted_by: r.deleted_by.map(UserId::from_uuid),
            deleted_by_name: r.deleted_by_name,
            deleted_at: r.deleted_at,
            merged_into: r.merged_into,
        })
    }
}

/// `SELECT` of entries with who deleted them, in the caller's read scope.
fn select_entries(ctx: &TenantContext, scope: ReadScope) -> QueryBuilder<Postgres> {
    let mut sql = QueryBuilder::new(
        "SELECT id, kind, label, owner_id, deleted_by, \
         (SELECT u.name FROM users u WHERE u.id = t.deleted_by) AS deleted_by_name, deleted_at, \
         (links ->> 'merged_into')::uuid AS merged_into \
         FROM trash t WHERE tenant_id = ",
    );
    sql.push_bind(ctx.tenant_id.as_uuid());
    if let ReadScope::OwnedBy(owner) = scope {
        sql.push(" AND owner_id = ").push_bind(owner.as_uuid());
    }
    sql
}

async fn fetch_entries(
    store: &PgStore,
    ctx: &TenantContext,
    mut sql: QueryBuilder<Postgres>,
) -> Result<Vec<TrashEntry>, RepoError> {
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let rows: Vec<TrashRow> = sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    rows.into_iter().map(TrashEntry::try_from).collect()
}

#[async_trait]
impl TrashRepository for PgStore {
    async fn list(
        &self,
        ctx: &TenantContext,
        query: &TrashQuery,
        scope: ReadScope,
    ) -> Result<Page<TrashEntry>, RepoError> {
        let mut sql = select_entries(ctx, scope);
        if let Some(kind) = query.kind {
            sql.push(" AND kind = ").push_bind(kind.as_str());
        }
        push_page(&mut sql, &query.page)?;
        let entries = fetch_entries(self, ctx, sql).await?;
        Ok(Page::from_rows(entries, &query.page, |e| {
            Cursor::at(e.deleted_at, e.id)
        }))
    }

    async fn get(
        &self,
        ctx: &TenantContext,
        kind: Option<TrashKind>,
        id: Uuid,
        scope: ReadScope,
    ) -> Result<TrashEntry, RepoError> {
        let mut sql = select_entries(ctx, scope);
        sql.push(" AND id = ").push_bind(id);
        if let Some(kind) = kind {
            sql.push(" AND kind = ").push_bind(kind.as_str());
        }
        fetch_entries(self, ctx, sql).await?.pop().ok_or(RepoError::NotFound)
    }

    async fn restore(
        &self,
        ctx: &TenantContext,
        kind: TrashKind,
        id: Uuid,
        audit: &AuditEntry,
    ) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let restored = sqlx::query_scalar("SELECT restore_record($1, $2, $3)")
            .bind(ctx.tenant_id.as_uuid())
            .bind(kind.as_str())
            .bind(id)
            .fetch_one(&mut *tx)
            .await;
        let restored: bool = match restored {
            Err(err) if err.as_database_error().and_then(|e| e.code()).as_deref() == Some(STAGE_GONE) => {
                return Err(RepoError::Conflict(
                    "the deal's pipeline stage was deleted while it was in the trash; add the stage back or leave the deal deleted",
                ));
            }
            other => other.map_err(map_err)?,
        };
        if !restored {
            return Err(RepoError::NotFound);
        }
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn purge(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError> {
        change_one(
            self,
            ctx,
            "DELETE FROM trash WHERE tenant_id = $1 AND id = $2",
            id,
            Some(audit),
        )
        .await
    }
}

impl PgStore {
    /// Deletes for good what has been in the trash for 30 days, across
    /// tenants (`purge_trash()`); answers the count as JSON.
    pub async fn purge_trash(&self) -> Result<serde_json::Value, sqlx::Error> {
        sqlx::query_scalar("SELECT purge_trash()").fetch_one(&self.pool).await
    }
}

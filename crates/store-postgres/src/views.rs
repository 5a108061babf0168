//! `ViewRepository` over PostgreSQL: the `saved_views` table (migration
//! 20261206000003). Every statement sees the caller's own views and the
//! shared ones only, so someone else's private view is not found.

use crate::db::PgStore;
use crate::errors::{change_one, map_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::{RepoError, TenantContext, UserId};
use clearview_tenancy::{SavedView, ViewDraft, ViewEntity, ViewRepository};
use sqlx::types::Json;
use std::collections::BTreeMap;
use uuid::Uuid;

const VIEW_COLUMNS: &str = "id, entity, name, owner_id, shared, filters, sort, columns, created_at, updated_at";
/// The views a caller may read.
const VISIBLE: &str = "tenant_id = $1 AND (owner_id = $2 OR shared)";

#[derive(sqlx::FromRow)]
struct ViewRow {
    id: Uuid,
    entity: String,
    name: String,
    owner_id: Uuid,
    shared: bool,
    filters: Json<BTreeMap<String, String>>,
    sort: Option<String>,
    columns: Vec<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ViewRow> for SavedView {
    type Error = RepoError;
    fn try_from(r: ViewRow) -> Result<Self, RepoError> {
        Ok(SavedView {
            id: r.id,
            entity: r.entity.parse().map_err(|e: String| RepoError::Unexpected(e.into()))?,
            name: r.name,
            owner_id: UserId::from_uuid(r.owner_id),
            shared: r.shared,
            filters: r.filters.0,
            sort: r.sort,
            columns: r.columns,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[async_trait]
impl ViewRepository for PgStore {
    async fn list(&self, ctx: &TenantContext, entity: Option<ViewEntity>) -> Result<Vec<SavedView>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<ViewRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {VIEW_COLUMNS} FROM saved_views WHERE {VISIBLE} AND ($3::text IS NULL OR entity = $3) \
             ORDER BY entity, lower(name), id"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(ctx.user_id.as_uuid())
        .bind(entity.map(ViewEntity::as_str))
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.into_iter().map(SavedView::try_from).collect()
    }

    async fn get(&self, ctx: &TenantContext, id: Uuid) -> Result<SavedView, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: ViewRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {VIEW_COLUMNS} FROM saved_views WHERE {VISIBLE} AND id = $3"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(ctx.user_id.as_uuid())
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.try_into()
    }

    async fn count_own(&self, ctx: &TenantContext, entity: ViewEntity) -> Result<i64, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let count = sqlx::query_scalar(
            "SELECT count(*) FROM saved_views WHERE tenant_id = $1 AND owner_id = $2 AND entity = $3",
        )
        .bind(ctx.tenant_id.as_uuid())
        .bind(ctx.user_id.as_uuid())
        .bind(entity.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(count)
    }

    async fn insert(&self, ctx: &TenantContext, id: Uuid, draft: &ViewDraft) -> Result<SavedView, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: ViewRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO saved_views (tenant_id, id, owner_id, entity, name, shared, filters, sort, columns) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {VIEW_COLUMNS}"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .bind(ctx.user_id.as_uuid())
        .bind(draft.entity.as_str())
        .bind(&draft.name)
        .bind(draft.shared)
        .bind(Json(&draft.filters))
        .bind(&draft.sort)
        .bind(&draft.columns)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.try_into()
    }

    async fn update(&self, ctx: &TenantContext, id: Uuid, draft: &ViewDraft) -> Result<SavedView, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: ViewRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE saved_views SET name = $3, shared = $4, filters = $5, sort = $6, columns = $7, \
             updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING {VIEW_COLUMNS}"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .bind(&draft.name)
        .bind(draft.shared)
        .bind(Json(&draft.filters))
        .bind(&draft.sort)
        .bind(&draft.columns)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.try_into()
    }

    async fn delete(&self, ctx: &TenantContext, id: Uuid) -> Result<(), RepoError> {
        change_one(
            self,
            ctx,
            "DELETE FROM saved_views WHERE tenant_id = $1 AND id = $2",
            id,
            None,
        )
        .await
    }
}

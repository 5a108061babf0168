//! `ApiKeyRepository` over PostgreSQL: the `api_keys` table (migration
//! 20261127000008). Authentication is one statement: the live key with its
//! creator's current role, marking it used at most once a minute so a busy
//! integration does not turn every read into a write.

use crate::audit::append_for;
use crate::db::PgStore;
use crate::errors::{change_one, map_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::{RepoError, Role, TenantContext, TenantId, UserId};
use clearview_tenancy::{ApiKey, ApiKeyRepository, KeyHolder, KeyScope, NewApiKey};
use uuid::Uuid;

type KeyRow = (
    Uuid,
    String,
    String,
    String,
    String,
    Option<Uuid>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);
const KEY_COLUMNS: &str = "id, name, role, scope, hint, created_by, created_at, expires_at, last_used_at";

fn unexpected(e: String) -> RepoError {
    RepoError::Unexpected(e.into())
}

fn key_from(row: KeyRow) -> Result<ApiKey, RepoError> {
    let (id, name, role, scope, hint, created_by, created_at, expires_at, last_used_at) = row;
    Ok(ApiKey {
        id,
        name,
        role: role.parse().map_err(unexpected)?,
        scope: scope.parse().map_err(unexpected)?,
        hint,
        created_by: created_by.map(UserId::from_uuid),
        created_at,
        expires_at,
        last_used_at,
    })
}

#[async_trait]
impl ApiKeyRepository for PgStore {
    async fn create(&self, ctx: &TenantContext, key: &NewApiKey, audit: &AuditEntry) -> Result<ApiKey, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: KeyRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO api_keys (tenant_id, id, name, role, scope, hint, secret_hash, created_by, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {KEY_COLUMNS}"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(key.id)
        .bind(&key.name)
        .bind(key.role.as_str())
        .bind(key.scope.as_str())
        .bind(&key.hint)
        .bind(&key.secret_hash)
        .bind(ctx.user_id.as_uuid())
        .bind(key.expires_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        key_from(row)
    }

    async fn list(&self, ctx: &TenantContext) -> Result<Vec<ApiKey>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<KeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL \
             ORDER BY created_at DESC, id DESC"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.into_iter().map(key_from).collect()
    }

    async fn revoke(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError> {
        change_one(
            self,
            ctx,
            "UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
            id,
            Some(audit),
        )
        .await
    }

    async fn authenticate(&self, tenant: TenantId, secret_hash: &[u8]) -> Result<Option<KeyHolder>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let row: Option<(Uuid, String, String, Option<Uuid>, Option<String>)> = sqlx::query_as(
            "WITH live AS ( \
                 SELECT k.id, k.role, k.scope, k.created_by, m.role AS creator_role, k.last_used_at \
                 FROM api_keys k \
                 LEFT JOIN memberships m ON m.tenant_id = k.tenant_id AND m.user_id = k.created_by \
                 WHERE k.tenant_id = $1 AND k.secret_hash = $2 AND k.revoked_at IS NULL \
                   AND (k.expires_at IS NULL OR k.expires_at > now())), \
             touched AS ( \
                 UPDATE api_keys SET last_used_at = now() \
                 WHERE tenant_id = $1 AND id = (SELECT id FROM live) \
                   AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')) \
             SELECT id, role, scope, created_by, creator_role FROM live",
        )
        .bind(tenant.as_uuid())
        .bind(secret_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let Some((key_id, role, scope, created_by, creator_role)) = row else {
            return Ok(None);
        };
        Ok(Some(KeyHolder {
            key_id,
            role: role.parse::<Role>().map_err(unexpected)?,
            scope: scope.parse::<KeyScope>().map_err(unexpected)?,
            created_by: created_by.map(UserId::from_uuid),
            creator_role: creator_role
                .map(|r| r.parse::<Role>())
                .transpose()
                .map_err(unexpected)?,
        }))
    }
}

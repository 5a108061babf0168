//! `ScimRepository` over PostgreSQL (migration 20261207000001, ADR 0036).
//! Every write runs in one tenant transaction: the directory change, the
//! memberships it implies (`scim_sync`) and its audit entry commit
//! together, or nothing does.

use crate::audit::{append, append_for};
use crate::db::PgStore;
use crate::errors::map_err;
use crate::scim_rows::{
    GROUP_COLUMNS, GroupRow, USER_COLUMNS, UserRow, groups_from, load_group, load_user, page, user_from, user_json,
};
use crate::scim_sync::sync_members;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::{RepoError, SessionId, TenantContext, TenantId};
use clearview_tenancy::scim::{
    GroupAttributes, NewScimGroup, NewScimUser, ScimFilter, ScimGroup, ScimPage, ScimRepository, ScimToken, ScimUser,
    UserAttributes, group_role,
};
use sqlx::PgConnection;
use std::collections::BTreeSet;
use uuid::Uuid;

fn sessions(ids: Vec<Uuid>) -> Vec<SessionId> {
    ids.into_iter().map(SessionId::from_uuid).collect()
}

/// After a conditional update touched nothing: the row is gone, or
/// another write moved its version.
async fn missing_or_moved(conn: &mut PgConnection, table: &'static str, tenant: Uuid, id: Uuid) -> RepoError {
    let exists: Result<bool, _> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant_id = $1 AND id = $2)"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await;
    match exists {
        Ok(true) => RepoError::Conflict("version"),
        Ok(false) => RepoError::NotFound,
        Err(e) => map_err(e),
    }
}

/// Replaces a group's members, keeping the order given; returns who was
/// in it before.
async fn set_members(
    conn: &mut PgConnection,
    tenant: Uuid,
    group: Uuid,
    members: &[Uuid],
) -> Result<Vec<Uuid>, RepoError> {
    let before: Vec<Uuid> =
        sqlx::query_scalar("DELETE FROM scim_group_members WHERE tenant_id = $1 AND group_id = $2 RETURNING user_id")
            .bind(tenant)
            .bind(group)
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?;
    sqlx::query(
        "INSERT INTO scim_group_members (tenant_id, group_id, user_id, position) \
         SELECT $1, $2, m.user_id, m.position FROM unnest($3::uuid[]) WITH ORDINALITY AS m(user_id, position)",
    )
    .bind(tenant)
    .bind(group)
    .bind(members)
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(before)
}

/// The people whose membership a group change may move: everyone in it
/// before or after when the role it grants changed, else those who came
/// or went.
fn affected(before: &[Uuid], after: &[Uuid], role_changed: bool) -> Vec<Uuid> {
    let (before, after): (BTreeSet<Uuid>, BTreeSet<Uuid>) =
        (before.iter().copied().collect(), after.iter().copied().collect());
    if role_changed {
        before.union(&after).copied().collect()
    } else {
        before.symmetric_difference(&after).copied().collect()
    }
}

#[async_trait]
impl ScimRepository for PgStore {
    async fn token(&self, ctx: &TenantContext) -> Result<Option<ScimToken>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: Option<(String, DateTime<Utc>, Option<DateTime<Utc>>)> =
            sqlx::query_as("SELECT hint, created_at, last_used_at FROM scim_tokens WHERE tenant_id = $1")
                .bind(ctx.tenant_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(row.map(|(hint, created_at, last_used_at)| ScimToken {
            hint,
            created_at,
            last_used_at,
        }))
    }

    async fn set_token(
        &self,
        ctx: &TenantContext,
        hint: &str,
        digest: &[u8],
        audit: &AuditEntry,
    ) -> Result<ScimToken, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let (hint, created_at): (String, DateTime<Utc>) = sqlx::query_as(
            "INSERT INTO scim_tokens (tenant_id, token_hash, hint) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE \
             SET token_hash = EXCLUDED.token_hash, hint = EXCLUDED.hint, created_at = now(), last_used_at = NULL \
             RETURNING hint, created_at",
        )
        .bind(ctx.tenant_id.as_uuid())
        .bind(digest)
        .bind(hint)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(ScimToken {
            hint,
            created_at,
            last_used_at: None,
        })
    }

    async fn delete_token(&self, ctx: &TenantContext, audit: &AuditEntry) -> Result<(), RepoError> {
        crate::errors::delete_setting(self, ctx, "scim_tokens", audit).await
    }

    async fn token_matches(&self, tenant: TenantId, digest: &[u8]) -> Result<bool, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let live: Option<bool> = sqlx::query_scalar(
            "WITH live AS (SELECT last_used_at FROM scim_tokens WHERE tenant_id = $1 AND token_hash = $2), \
             touched AS (UPDATE scim_tokens SET last_used_at = now() WHERE tenant_id = $1 AND token_hash = $2 \
                 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')) \
             SELECT true FROM live",
        )
        .bind(tenant.as_uuid())
        .bind(digest)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(live.is_some())
    }

    async fn create_user(
        &self,
        tenant: TenantId,
        user: &NewScimUser,
        audit: &AuditEntry,
    ) -> Result<(ScimUser, Vec<SessionId>), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let t = tenant.as_uuid();
        let a = &user.attributes;
        let (name, emails) = user_json(a);
        sqlx::query(
            "INSERT INTO scim_users (tenant_id, id, user_name, external_id, display_name, name, emails, active) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(t)
        .bind(user.id)
        .bind(&a.user_name)
        .bind(&a.external_id)
        .bind(&a.display_name)
        .bind(name)
        .bind(emails)
        .bind(a.active)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let ended = sync_members(&mut tx, t, &[user.id]).await?;
        let (created, _) = load_user(&mut tx, t, user.id).await?.ok_or(RepoError::NotFound)?;
        append(&mut tx, tenant, None, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok((created, sessions(ended)))
    }

    async fn user(&self, tenant: TenantId, id: Uuid) -> Result<Option<ScimUser>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let user = load_user(&mut tx, tenant.as_uuid(), id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(user.map(|(user, _)| user))
    }

    async fn users(
        &self,
        tenant: TenantId,
        filter: &ScimFilter,
        at: ScimPage,
    ) -> Result<(u64, Vec<ScimUser>), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let (total, rows) = page::<UserRow>(&mut tx, "scim_users", USER_COLUMNS, tenant.as_uuid(), filter, at).await?;
        tx.commit().await.map_err(map_err)?;
        Ok((total, rows.into_iter().map(|r| user_from(r).0).collect()))
    }

    async fn replace_user(
        &self,
        tenant: TenantId,
        id: Uuid,
        attributes: &UserAttributes,
        expected_version: Option<i64>,
        audit: &AuditEntry,
    ) -> Result<(ScimUser, Vec<SessionId>), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let t = tenant.as_uuid();
        let (name, emails) = user_json(attributes);
        let updated = sqlx::query(
            "UPDATE scim_users SET user_name = $3, external_id = $4, display_name = $5, name = $6, emails = $7, \
                 active = $8, updated_at = now(), version = version + 1 \
             WHERE tenant_id = $1 AND id = $2 AND ($9::bigint IS NULL OR version = $9)",
        )
        .bind(t)
        .bind(id)
        .bind(&attributes.user_name)
        .bind(&attributes.external_id)
        .bind(&attributes.display_name)
        .bind(name)
        .bind(emails)
        .bind(attributes.active)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if updated.rows_affected() == 0 {
            return Err(missing_or_moved(&mut tx, "scim_users", t, id).await);
        }
        let ended = sync_members(&mut tx, t, &[id]).await?;
        let (user, _) = load_user(&mut tx, t, id).await?.ok_or(RepoError::NotFound)?;
        append(&mut tx, tenant, None, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok((user, sessions(ended)))
    }

    async fn delete_user(&self, tenant: TenantId, id: Uuid, audit: &AuditEntry) -> Result<Vec<SessionId>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let t = tenant.as_uuid();
        // Deactivated first, so the membership goes by the usual rule.
        let found = sqlx::query("UPDATE scim_users SET active = false WHERE tenant_id = $1 AND id = $2")
            .bind(t)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if found.rows_affected() == 0 {
            return Err(RepoError::NotFound);
        }
        let ended = sync_members(&mut tx, t, &[id]).await?;
        sqlx::query("DELETE FROM scim_users WHERE tenant_id = $1 AND id = $2")
            .bind(t)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        append(&mut tx, tenant, None, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(sessions(ended))
    }

    async fn create_group(
        &self,
        tenant: TenantId,
        group: &NewScimGroup,
        audit: &AuditEntry,
    ) -> Result<(ScimGroup, Vec<SessionId>), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let t = tenant.as_uuid();
        let a = &group.attributes;
        sqlx::query("INSERT INTO scim_groups (tenant_id, id, display_name, external_id) VALUES ($1, $2, $3, $4)")
            .bind(t)
            .bind(group.id)
            .bind(&a.display_name)
            .bind(&a.external_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        set_members(&mut tx, t, group.id, &a.members).await?;
        let ended = sync_members(&mut tx, t, &affected(&[], &a.members, false)).await?;
        let created = load_group(&mut tx, t, group.id).await?.ok_or(RepoError::NotFound)?;
        append(&mut tx, tenant, None, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok((created, sessions(ended)))
    }

    async fn group(&self, tenant: TenantId, id: Uuid) -> Result<Option<ScimGroup>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let group = load_group(&mut tx, tenant.as_uuid(), id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(group)
    }

    async fn groups(
        &self,
        tenant: TenantId,
        filter: &ScimFilter,
        at: ScimPage,
    ) -> Result<(u64, Vec<ScimGroup>), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let t = tenant.as_uuid();
        let (total, rows) = page::<GroupRow>(&mut tx, "scim_groups", GROUP_COLUMNS, t, filter, at).await?;
        let groups = groups_from(&mut tx, t, rows).await?;
        tx.commit().await.map_err(map_err)?;
        Ok((total, groups))
    }

    async fn replace_group(
        &self,
        tenant: TenantId,
        id: Uuid,
        attributes: &GroupAttributes,
        expected_version: Option<i64>,
        audit: &AuditEntry,
    ) -> Result<(ScimGroup, Vec<SessionId>), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let t = tenant.as_uuid();
        let old_name: Option<String> = sqlx::query_scalar(
            "UPDATE scim_groups g SET display_name = $3, external_id = $4, updated_at = now(), version = g.version + 1 \
             FROM scim_groups old WHERE old.tenant_id = g.tenant_id AND old.id = g.id \
               AND g.tenant_id = $1 AND g.id = $2 AND ($5::bigint IS NULL OR g.version = $5) \
             RETURNING old.display_name",
        )
        .bind(t)
        .bind(id)
        .bind(&attributes.display_name)
        .bind(&attributes.external_id)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(old_name) = old_name else {
            return Err(missing_or_moved(&mut tx, "scim_groups", t, id).await);
        };
        let before = set_members(&mut tx, t, id, &attributes.members).await?;
        let role_changed = group_role(&old_name) != group_role(&attributes.display_name);
        let ended = sync_members(&mut tx, t, &affected(&before, &attributes.members, role_changed)).await?;
        let group = load_group(&mut tx, t, id).await?.ok_or(RepoError::NotFound)?;
        append(&mut tx, tenant, None, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok((group, sessions(ended)))
    }

    async fn delete_group(&self, tenant: TenantId, id: Uuid, audit: &AuditEntry) -> Result<Vec<SessionId>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let t = tenant.as_uuid();
        let Some(group) = load_group(&mut tx, t, id).await? else {
            return Err(RepoError::NotFound);
        };
        sqlx::query("DELETE FROM scim_groups WHERE tenant_id = $1 AND id = $2")
            .bind(t)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        // Its members cascaded; those it gave a role are looked at again.
        let granted = group_role(&group.attributes.display_name).is_some();
        let ended = sync_members(&mut tx, t, &affected(&group.attributes.members, &[], granted)).await?;
        append(&mut tx, tenant, None, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(sessions(ended))
    }
}

//! `AccountRepository` over PostgreSQL: organizations, identities,
//! memberships, sessions and refresh-token rotation.

use crate::db::PgStore;
use crate::errors::map_err;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::{RepoError, Role, SessionId, TenantContext, TenantId, UserId};
use clearview_tenancy::{
    AccountRepository, LoginCandidate, Me, MfaPolicy, Organization, OrganizationChanges, RefreshOutcome, RepVisibility,
    SessionIdentity,
};
use uuid::Uuid;

fn parse_role(raw: &str) -> Result<Role, RepoError> {
    raw.parse::<Role>().map_err(|e| RepoError::Unexpected(e.into()))
}

/// An organization's columns, in `ORGANIZATION_COLUMNS` order.
type OrganizationRow = (Uuid, String, String, String, String);
const ORGANIZATION_COLUMNS: &str = "tenant_id, name, rep_visibility, default_currency::text, mfa_required";

fn organization_from(
    (id, name, rep_visibility, currency, mfa_required): OrganizationRow,
) -> Result<Organization, RepoError> {
    Ok(Organization {
        id: TenantId::from_uuid(id),
        name,
        rep_visibility: rep_visibility
            .parse::<RepVisibility>()
            .map_err(|e| RepoError::Unexpected(e.into()))?,
        default_currency: currency.trim().to_owned(),
        mfa_required: mfa_required
            .parse::<MfaPolicy>()
            .map_err(|e| RepoError::Unexpected(e.into()))?,
    })
}

#[async_trait]
impl AccountRepository for PgStore {
    async fn login_candidates(&self, email: &str) -> Result<Vec<LoginCandidate>, RepoError> {
        let rows: Vec<(Uuid, String, Option<Uuid>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT user_id, password_hash, tenant_id, organization_name, role FROM login_candidates($1)",
        )
        .bind(email)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.into_iter()
            .map(|(user_id, password_hash, tenant, name, role)| {
                let membership = match (tenant, name, role) {
                    (Some(tenant), Some(name), Some(role)) => {
                        Some((TenantId::from_uuid(tenant), name, parse_role(&role)?))
                    }
                    _ => None,
                };
                Ok(LoginCandidate {
                    user_id: UserId::from_uuid(user_id),
                    password_hash,
                    membership,
                })
            })
            .collect()
    }

    async fn create_session(
        &self,
        identity: &SessionIdentity,
        refresh_hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(identity.tenant_id).await.map_err(map_err)?;
        sqlx::query("INSERT INTO sessions (tenant_id, id, user_id, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(identity.tenant_id.as_uuid())
            .bind(identity.session_id.as_uuid())
            .bind(identity.user_id.as_uuid())
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("INSERT INTO refresh_tokens (tenant_id, id, session_id, token_hash) VALUES ($1, $2, $3, $4)")
            .bind(identity.tenant_id.as_uuid())
            .bind(Uuid::now_v7())
            .bind(identity.session_id.as_uuid())
            .bind(refresh_hash)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn rotate_refresh_token(
        &self,
        tenant_id: TenantId,
        presented_hash: &[u8],
        new_hash: &[u8],
    ) -> Result<RefreshOutcome, RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        // Locking the token row serialises two refreshes racing with the
        // same token: the second sees it rotated and is treated as reuse.
        let found: Option<(Uuid, Uuid, Option<DateTime<Utc>>, Uuid, bool, String)> = sqlx::query_as(
            "SELECT t.id, t.session_id, t.rotated_at, s.user_id, \
                    (s.revoked_at IS NULL AND s.expires_at > now()) AS live, m.role \
             FROM refresh_tokens t \
             JOIN sessions s ON s.tenant_id = t.tenant_id AND s.id = t.session_id \
             JOIN memberships m ON m.tenant_id = s.tenant_id AND m.user_id = s.user_id \
             WHERE t.tenant_id = $1 AND t.token_hash = $2 \
             FOR UPDATE OF t",
        )
        .bind(tenant_id.as_uuid())
        .bind(presented_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some((token_id, session_id, rotated_at, user_id, live, role)) = found else {
            return Ok(RefreshOutcome::Invalid);
        };
        if rotated_at.is_some() {
            sqlx::query(
                "UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
            )
            .bind(tenant_id.as_uuid())
            .bind(session_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            return Ok(RefreshOutcome::Reused(SessionId::from_uuid(session_id)));
        }
        if !live {
            return Ok(RefreshOutcome::Invalid);
        }
        sqlx::query("UPDATE refresh_tokens SET rotated_at = now() WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id.as_uuid())
            .bind(token_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("INSERT INTO refresh_tokens (tenant_id, id, session_id, token_hash) VALUES ($1, $2, $3, $4)")
            .bind(tenant_id.as_uuid())
            .bind(Uuid::now_v7())
            .bind(session_id)
            .bind(new_hash)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(RefreshOutcome::Rotated(SessionIdentity {
            tenant_id,
            user_id: UserId::from_uuid(user_id),
            role: parse_role(&role)?,
            session_id: SessionId::from_uuid(session_id),
            // The service asks the organization's rule after rotating.
            mfa_enrollment_pending: false,
        }))
    }

    async fn revoke_by_refresh(
        &self,
        tenant_id: TenantId,
        refresh_hash: &[u8],
    ) -> Result<Option<SessionId>, RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        let session: Option<Uuid> = sqlx::query_scalar(
            "UPDATE sessions s SET revoked_at = coalesce(s.revoked_at, now()) FROM refresh_tokens t \
             WHERE t.tenant_id = $1 AND t.token_hash = $2 AND s.tenant_id = t.tenant_id AND s.id = t.session_id \
             RETURNING s.id",
        )
        .bind(tenant_id.as_uuid())
        .bind(refresh_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(session.map(SessionId::from_uuid))
    }

    async fn revoke_session(&self, tenant_id: TenantId, session_id: SessionId) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        sqlx::query("UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
            .bind(tenant_id.as_uuid())
            .bind(session_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn live_session(
        &self,
        tenant_id: TenantId,
        session_id: SessionId,
    ) -> Result<Option<SessionIdentity>, RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        let row: Option<(Uuid, String)> = sqlx::query_as(
            "SELECT s.user_id, m.role FROM sessions s \
             JOIN memberships m ON m.tenant_id = s.tenant_id AND m.user_id = s.user_id \
             WHERE s.tenant_id = $1 AND s.id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()",
        )
        .bind(tenant_id.as_uuid())
        .bind(session_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.map(|(user_id, role)| {
            Ok(SessionIdentity {
                tenant_id,
                user_id: UserId::from_uuid(user_id),
                role: parse_role(&role)?,
                session_id,
                // Callers ask only whether the session lives.
                mfa_enrollment_pending: false,
            })
        })
        .transpose()
    }

    async fn recently_revoked(&self, since: DateTime<Utc>) -> Result<Vec<SessionId>, RepoError> {
        let ids: Vec<Uuid> = sqlx::query_scalar("SELECT session_id FROM recently_revoked_sessions($1)")
            .bind(since)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(ids.into_iter().map(SessionId::from_uuid).collect())
    }

    async fn me(&self, ctx: &TenantContext) -> Result<Me, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let (name, email, role, org_id, org_name, visibility, currency, mfa_required): (
            String,
            String,
            String,
            Uuid,
            String,
            String,
            String,
            String,
        ) = sqlx::query_as(
            "SELECT u.name, u.email, m.role, o.tenant_id, o.name, o.rep_visibility, o.default_currency::text, \
                    o.mfa_required \
                 FROM memberships m \
                 JOIN users u ON u.id = m.user_id \
                 JOIN organizations o ON o.tenant_id = m.tenant_id \
                 WHERE m.tenant_id = $1 AND m.user_id = $2",
        )
        .bind(ctx.tenant_id.as_uuid())
        .bind(ctx.user_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(Me {
            user_id: ctx.user_id,
            name,
            email,
            role: parse_role(&role)?,
            organization: organization_from((org_id, org_name, visibility, currency, mfa_required))?,
        })
    }

    async fn organization(&self, ctx: &TenantContext) -> Result<Organization, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: OrganizationRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE tenant_id = $1"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        organization_from(row)
    }

    async fn update_organization(
        &self,
        ctx: &TenantContext,
        changes: &OrganizationChanges,
        audit: &AuditEntry,
    ) -> Result<Organization, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: OrganizationRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE organizations SET name = coalesce($2, name), rep_visibility = coalesce($3, rep_visibility), \
             default_currency = coalesce($4, default_currency), mfa_required = coalesce($5, mfa_required) \
             WHERE tenant_id = $1 RETURNING {ORGANIZATION_COLUMNS}"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(changes.name.as_ref().map(|n| n.as_str()))
        .bind(changes.rep_visibility.map(|v| v.as_str()))
        .bind(changes.default_currency.map(|c| c.as_str().to_owned()))
        .bind(changes.mfa_required.map(|p| p.as_str()))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        crate::audit::append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        organization_from(row)
    }
}

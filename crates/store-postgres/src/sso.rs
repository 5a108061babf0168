//! `SsoRepository` over PostgreSQL (migration 20261207000002, ADR 0037):
//! the settings (client secret sealed with the outbox key, bound to the
//! organization), pending sign-ins taken out once by the digest of their
//! `state`, and the membership a sign-in finds or makes.

use crate::audit::{append, append_for};
use crate::db::PgStore;
use crate::errors::map_err;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::{EmailAddress, RepoError, Role, TenantContext, TenantId, UserId};
use clearview_tenancy::sso::{NewPendingSignIn, PendingSignIn, ProviderConfig, SsoMember, SsoRepository, SsoSettings};
use serde_json::{Value, json};
use uuid::Uuid;

type SettingsRow = (String, String, Vec<String>, Option<String>, DateTime<Utc>, Value);
const SETTINGS_COLUMNS: &str = "issuer, client_id, allowed_domains, default_role, updated_at, client_secret";

fn settings_from(row: SettingsRow) -> Result<(SsoSettings, Value), RepoError> {
    let (issuer, client_id, allowed_domains, default_role, updated_at, sealed) = row;
    let default_role = default_role
        .map(|r| r.parse::<Role>())
        .transpose()
        .map_err(|e| RepoError::Unexpected(e.into()))?;
    let settings = SsoSettings {
        issuer,
        client_id,
        allowed_domains,
        default_role,
        updated_at,
    };
    Ok((settings, sealed))
}

impl PgStore {
    async fn settings_row(&self, tenant: TenantId) -> Result<Option<(SsoSettings, Value)>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let row: Option<SettingsRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SETTINGS_COLUMNS} FROM sso_settings WHERE tenant_id = $1"
        )))
        .bind(tenant.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.map(settings_from).transpose()
    }
}

#[async_trait]
impl SsoRepository for PgStore {
    async fn settings(&self, tenant: TenantId) -> Result<Option<SsoSettings>, RepoError> {
        Ok(self.settings_row(tenant).await?.map(|(settings, _)| settings))
    }

    async fn provider(&self, tenant: TenantId) -> Result<Option<(SsoSettings, ProviderConfig)>, RepoError> {
        let Some((settings, sealed)) = self.settings_row(tenant).await? else {
            return Ok(None);
        };
        let t = tenant.as_uuid();
        let opened = self
            .outbox_key
            .open(t, t, &sealed)
            .map_err(|e| RepoError::Unexpected(format!("the SSO client secret does not open: {e}").into()))?;
        let client_secret = opened["secret"]
            .as_str()
            .ok_or_else(|| RepoError::Unexpected("the SSO client secret is not text".into()))?
            .to_owned();
        let config = ProviderConfig {
            issuer: settings.issuer.clone(),
            client_id: settings.client_id.clone(),
            client_secret,
        };
        Ok(Some((settings, config)))
    }

    async fn save(
        &self,
        ctx: &TenantContext,
        settings: &SsoSettings,
        client_secret: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<SsoSettings, RepoError> {
        let t = ctx.tenant_id.as_uuid();
        let sealed = client_secret.map(|secret| self.outbox_key.seal(t, t, &json!({ "secret": secret })));
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        // Without a new secret the stored one stays (COALESCE on update;
        // the service requires one the first time).
        let row: SettingsRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO sso_settings (tenant_id, issuer, client_id, client_secret, allowed_domains, default_role) \
             VALUES ($1, $2, $3, COALESCE($4, '{{}}'::jsonb), $5, $6) \
             ON CONFLICT (tenant_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id, \
                 client_secret = COALESCE($4, sso_settings.client_secret), \
                 allowed_domains = EXCLUDED.allowed_domains, default_role = EXCLUDED.default_role, updated_at = now() \
             RETURNING {SETTINGS_COLUMNS}"
        )))
        .bind(t)
        .bind(&settings.issuer)
        .bind(&settings.client_id)
        .bind(sealed)
        .bind(&settings.allowed_domains)
        .bind(settings.default_role.map(Role::as_str))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(settings_from(row)?.0)
    }

    async fn delete(&self, ctx: &TenantContext, audit: &AuditEntry) -> Result<(), RepoError> {
        crate::errors::delete_setting(self, ctx, "sso_settings", audit).await
    }

    async fn save_pending(&self, tenant: TenantId, pending: &NewPendingSignIn) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        // Abandoned sign-ins go as new ones start.
        sqlx::query("DELETE FROM sso_pending_sign_ins WHERE tenant_id = $1 AND expires_at < now()")
            .bind(tenant.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO sso_pending_sign_ins (tenant_id, state_hash, browser_hash, nonce, pkce_verifier, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant.as_uuid())
        .bind(&pending.state_digest)
        .bind(&pending.browser_digest)
        .bind(&pending.nonce)
        .bind(&pending.pkce_verifier)
        .bind(pending.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn take_pending(&self, tenant: TenantId, state_digest: &[u8]) -> Result<Option<PendingSignIn>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let row: Option<(Vec<u8>, String, String)> = sqlx::query_as(
            "DELETE FROM sso_pending_sign_ins WHERE tenant_id = $1 AND state_hash = $2 AND expires_at > now() \
             RETURNING browser_hash, nonce, pkce_verifier",
        )
        .bind(tenant.as_uuid())
        .bind(state_digest)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(row.map(|(browser_digest, nonce, pkce_verifier)| PendingSignIn {
            browser_digest,
            nonce,
            pkce_verifier,
        }))
    }

    async fn member_for_sign_in(
        &self,
        tenant: TenantId,
        email: &EmailAddress,
        name: &str,
        join_as: Option<Role>,
        audit: &AuditEntry,
    ) -> Result<SsoMember, RepoError> {
        let t = tenant.as_uuid();
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let member: Option<(Uuid, String)> = sqlx::query_as(
            "SELECT u.id, m.role FROM users u JOIN memberships m ON m.user_id = u.id AND m.tenant_id = $1 \
             WHERE lower(u.email) = lower($2)",
        )
        .bind(t)
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        if let Some((user, role)) = member {
            let role = role.parse::<Role>().map_err(|e| RepoError::Unexpected(e.into()))?;
            return Ok(SsoMember::Member(UserId::from_uuid(user), role));
        }
        let Some(role) = join_as else {
            return Ok(SsoMember::NotMember);
        };
        let Some(user) = crate::team::directory_identity(&mut tx, t, email.as_str(), name, true).await? else {
            return Ok(SsoMember::AccountElsewhere);
        };
        sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(t)
            .bind(user)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let user = UserId::from_uuid(user);
        append(
            &mut tx,
            tenant,
            Some(user),
            &audit.clone().detail("role", role.as_str()),
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(SsoMember::Member(user, role))
    }
}

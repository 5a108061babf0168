//! `MfaRepository` over PostgreSQL (migration 20261206000001): a person's
//! TOTP seed, sealed with the server's key and bound to the person (a
//! sealed seed copied to another row does not open), their recovery
//! codes' digests, and the challenges between password and code, which are
//! tenant data under row-level security like sessions.
//!
//! Replays and races are settled by single statements: a step is claimed
//! only if it is later than the last one (`UPDATE … WHERE last_step <
//! $step`), a recovery code or a challenge is used only while unused.

use crate::db::PgStore;
use crate::errors::map_err;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::{RepoError, Role, TenantContext, TenantId, UserId};
use clearview_tenancy::{CHALLENGE_ATTEMPTS, ChallengeAttempt, MfaPolicy, MfaRepository, MfaStanding, StoredTotp};
use serde_json::{Value, json};
use uuid::Uuid;

fn unexpected(reason: String) -> RepoError {
    RepoError::Unexpected(reason.into())
}

fn seal(store: &PgStore, user_id: UserId, seed: &[u8]) -> Value {
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    store
        .outbox_key
        .seal(user_id.as_uuid(), user_id.as_uuid(), &json!({ "totp_seed": hex }))
}

fn open(store: &PgStore, user_id: UserId, sealed: &Value) -> Result<Vec<u8>, RepoError> {
    if sealed.get("sealed").is_none() {
        return Err(unexpected("a TOTP seed is stored unsealed".into()));
    }
    let opened = store
        .outbox_key
        .open(user_id.as_uuid(), user_id.as_uuid(), sealed)
        .map_err(|e| unexpected(format!("cannot open a TOTP seed: {e}")))?;
    let hex = opened["totp_seed"]
        .as_str()
        .ok_or_else(|| unexpected("a sealed TOTP seed has no seed".into()))?;
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| unexpected("a sealed TOTP seed is not hex".into()))
}

#[async_trait]
impl MfaRepository for PgStore {
    async fn standing(&self, tenant_id: TenantId, user_id: UserId) -> Result<MfaStanding, RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        let (policy, enrolled): (String, bool) = sqlx::query_as(
            "SELECT o.mfa_required, \
                    EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = $2 AND t.confirmed_at IS NOT NULL) \
             FROM organizations o WHERE o.tenant_id = $1",
        )
        .bind(tenant_id.as_uuid())
        .bind(user_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(MfaStanding {
            enrolled,
            policy: policy.parse::<MfaPolicy>().map_err(unexpected)?,
        })
    }

    async fn totp(&self, user_id: UserId) -> Result<Option<StoredTotp>, RepoError> {
        let row: Option<(Value, bool)> =
            sqlx::query_as("SELECT secret, confirmed_at IS NOT NULL FROM user_totp WHERE user_id = $1")
                .bind(user_id.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
        row.map(|(sealed, confirmed)| {
            Ok(StoredTotp {
                seed: open(self, user_id, &sealed)?,
                confirmed,
            })
        })
        .transpose()
    }

    async fn save_unconfirmed(&self, user_id: UserId, seed: &[u8]) -> Result<bool, RepoError> {
        let done = sqlx::query(
            "INSERT INTO user_totp (user_id, secret) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_step = NULL \
             WHERE user_totp.confirmed_at IS NULL",
        )
        .bind(user_id.as_uuid())
        .bind(seal(self, user_id, seed))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn confirm(
        &self,
        ctx: &TenantContext,
        step: i64,
        recovery_digests: &[Vec<u8>],
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let user_id = ctx.user_id;
        // The caller's tenant transaction: the identity's tables are not
        // tenant-bound, the audit entry is.
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let done = sqlx::query(
            "UPDATE user_totp SET confirmed_at = now(), last_step = $2 WHERE user_id = $1 AND confirmed_at IS NULL",
        )
        .bind(user_id.as_uuid())
        .bind(step)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
            .bind(user_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("INSERT INTO user_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])")
            .bind(user_id.as_uuid())
            .bind(recovery_digests)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        crate::audit::append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn claim_step(&self, user_id: UserId, step: i64) -> Result<bool, RepoError> {
        let done = sqlx::query(
            "UPDATE user_totp SET last_step = $2 \
             WHERE user_id = $1 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < $2)",
        )
        .bind(user_id.as_uuid())
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn use_recovery_code(&self, user_id: UserId, digest: &[u8]) -> Result<bool, RepoError> {
        let done = sqlx::query(
            "UPDATE user_recovery_codes SET used_at = now() \
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id.as_uuid())
        .bind(digest)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn recovery_codes_left(&self, user_id: UserId) -> Result<i64, RepoError> {
        sqlx::query_scalar("SELECT count(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id.as_uuid())
            .fetch_one(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn remove(&self, ctx: &TenantContext, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        for table in ["user_recovery_codes", "user_totp"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1")))
                .bind(ctx.user_id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        crate::audit::append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn create_challenge(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        digest: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO mfa_challenges (tenant_id, id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id.as_uuid())
        .bind(Uuid::now_v7())
        .bind(user_id.as_uuid())
        .bind(digest)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn attempt_challenge(
        &self,
        tenant_id: TenantId,
        digest: &[u8],
    ) -> Result<Option<ChallengeAttempt>, RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        // The role is read now: a demotion between password and code counts.
        let row: Option<(Uuid, String)> = sqlx::query_as(
            "UPDATE mfa_challenges c SET attempts = c.attempts + 1 FROM memberships m \
             WHERE c.tenant_id = $1 AND c.token_hash = $2 AND c.used_at IS NULL AND c.expires_at > now() \
               AND c.attempts < $3 AND m.tenant_id = c.tenant_id AND m.user_id = c.user_id \
             RETURNING c.user_id, m.role",
        )
        .bind(tenant_id.as_uuid())
        .bind(digest)
        .bind(CHALLENGE_ATTEMPTS)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.map(|(user_id, role)| {
            Ok(ChallengeAttempt {
                user_id: UserId::from_uuid(user_id),
                role: role.parse::<Role>().map_err(|e| unexpected(e.to_string()))?,
            })
        })
        .transpose()
    }

    async fn consume_challenge(&self, tenant_id: TenantId, digest: &[u8]) -> Result<bool, RepoError> {
        let mut tx = self.tenant_tx(tenant_id).await.map_err(map_err)?;
        let done = sqlx::query(
            "UPDATE mfa_challenges SET used_at = now() WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL",
        )
        .bind(tenant_id.as_uuid())
        .bind(digest)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn password_hash(&self, user_id: UserId) -> Result<Option<String>, RepoError> {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)
    }
}

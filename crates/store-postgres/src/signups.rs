//! `SignupRepository` over PostgreSQL: a sign-up's organization, pending
//! row and verification e-mail in one transaction; completing it creates
//! (or claims) the identity and the admin membership in another.

use crate::db::PgStore;
use crate::errors::map_err;
use crate::jobs::enqueue_email;
use async_trait::async_trait;
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::mail::Email;
use clearview_kernel::{PipelineId, RepoError, TenantId, UserId};
use clearview_tenancy::{NewSignup, PendingSignup, SignupRepository};
use uuid::Uuid;

#[async_trait]
impl SignupRepository for PgStore {
    async fn create_signup(&self, signup: &NewSignup) -> Result<(), RepoError> {
        let tenant = signup.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(signup.tenant_id).await.map_err(map_err)?;
        sqlx::query("SELECT delete_expired_signups()")
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("INSERT INTO organizations (tenant_id, name) VALUES ($1, $2)")
            .bind(tenant)
            .bind(&signup.organization_name)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO signups (tenant_id, id, email, name, password_hash, token_hash, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(signup.id)
        .bind(&signup.email)
        .bind(&signup.name)
        .bind(&signup.password_hash)
        .bind(&signup.token_hash)
        .bind(signup.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        // Every organization starts with a usable sales process.
        crate::pipelines::insert_pipeline(
            &mut tx,
            tenant,
            PipelineId::generate(),
            "Sales",
            true,
            &clearview_pipelines::default_stages(),
        )
        .await
        .map_err(map_err)?;
        enqueue_email(&mut tx, tenant, &signup.message, &self.outbox_key)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn queue_notice(&self, via: TenantId, message: &Email) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(via).await.map_err(map_err)?;
        enqueue_email(&mut tx, via.as_uuid(), message, &self.outbox_key)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn pending_signup(&self, tenant: TenantId, token_hash: &[u8]) -> Result<Option<PendingSignup>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let row: Option<(Uuid, String, String)> = sqlx::query_as(
            "SELECT id, email, password_hash FROM signups \
             WHERE tenant_id = $1 AND token_hash = $2 AND expires_at > now()",
        )
        .bind(tenant.as_uuid())
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(row.map(|(id, email, password_hash)| PendingSignup {
            id,
            email,
            password_hash,
        }))
    }

    async fn complete_signup(
        &self,
        tenant: TenantId,
        signup: Uuid,
        new_user: UserId,
        audit: &AuditEntry,
    ) -> Result<UserId, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let found: Option<(String, String, String)> = sqlx::query_as(
            "DELETE FROM signups WHERE tenant_id = $1 AND id = $2 AND expires_at > now() \
             RETURNING email, name, password_hash",
        )
        .bind(tenant.as_uuid())
        .bind(signup)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let (email, name, password_hash) = found.ok_or(RepoError::NotFound)?;
        // Memberships of other tenants are invisible here (RLS); the
        // SECURITY DEFINER look-up lists the identity's, if any.
        let existing: Vec<(Uuid, Option<Uuid>)> = sqlx::query_as("SELECT user_id, tenant_id FROM login_candidates($1)")
            .bind(&email)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
        let user = match existing.first() {
            None => {
                sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)")
                    .bind(new_user.as_uuid())
                    .bind(&email)
                    .bind(&name)
                    .bind(&password_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                new_user.as_uuid()
            }
            Some(_) if existing.iter().any(|(_, membership)| membership.is_some()) => {
                return Err(RepoError::Duplicate {
                    field: "email",
                    existing_id: None,
                });
            }
            // An identity that belongs to no organization (left by code
            // older than organization deletion erasing such identities) is
            // claimed by whoever proves control of the address: it loses its
            // old password, and its old second factor and recovery codes,
            // which guarded nothing (no membership) and would otherwise let
            // the sign-up's session skip them or lock the claimer out. It
            // has no session (sessions belong to memberships).
            Some((user, _)) => {
                sqlx::query("UPDATE users SET name = $2, password_hash = $3 WHERE id = $1")
                    .bind(user)
                    .bind(&name)
                    .bind(&password_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for table in ["user_totp", "user_recovery_codes"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1")))
                        .bind(user)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                *user
            }
        };
        sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'admin')")
            .bind(tenant.as_uuid())
            .bind(user)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let user = UserId::from_uuid(user);
        crate::audit::append(&mut tx, tenant, Some(user), audit)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(user)
    }
}

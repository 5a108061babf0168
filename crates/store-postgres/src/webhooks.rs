//! `WebhookRepository` over PostgreSQL (migration 20261127000009). The
//! triggers there record events and queue deliveries; this module manages
//! subscriptions, reads and writes the delivery log, and opens the signing
//! secret, sealed at rest with the outbox key (bound to the tenant and the
//! subscription, so a sealed secret cannot be moved to another one).

use crate::audit::append_for;
use crate::db::PgStore;
use crate::errors::{change_one, map_err};
use crate::jobs::enqueue_email;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::mail::Email;
use clearview_kernel::queue::JobKind;
use clearview_kernel::{RepoError, TenantContext, TenantId, UserId};
use clearview_tenancy::{Attempt, Delivery, NewWebhook, Outgoing, Webhook, WebhookRepository};
use serde_json::json;
use uuid::Uuid;

/// Attempts per delivery: the first and one per step of the schedule.
const DELIVERY_ATTEMPTS: i32 = clearview_tenancy::RETRY_SCHEDULE.len() as i32 + 1;

#[derive(sqlx::FromRow)]
struct HookRow {
    id: Uuid,
    url: String,
    events: Vec<String>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    failure_streak: i32,
    disabled_at: Option<DateTime<Utc>>,
    previous_until: Option<DateTime<Utc>>,
}
const HOOK_COLUMNS: &str = "id, url, events, created_by, created_at, failure_streak, disabled_at, \
                            CASE WHEN previous_until > now() THEN previous_until END AS previous_until";

fn hook_from(r: HookRow) -> Webhook {
    Webhook {
        id: r.id,
        url: r.url,
        events: r.events,
        created_by: r.created_by.map(UserId::from_uuid),
        created_at: r.created_at,
        failure_streak: r.failure_streak,
        disabled_at: r.disabled_at,
        previous_secret_until: r.previous_until,
    }
}

/// Seals a secret for one subscription (the tenant and the subscription
/// are the associated data).
fn seal(store: &PgStore, tenant: Uuid, hook: Uuid, secret: &str) -> serde_json::Value {
    store.outbox_key.seal(tenant, hook, &json!({ "secret": secret }))
}

fn open_secret(store: &PgStore, tenant: Uuid, hook: Uuid, sealed: &serde_json::Value) -> Result<String, RepoError> {
    if sealed.get("sealed").is_none() {
        return Err(RepoError::Unexpected("a webhook secret is stored unsealed".into()));
    }
    let opened = store
        .outbox_key
        .open(tenant, hook, sealed)
        .map_err(|e| RepoError::Unexpected(format!("cannot open a webhook secret: {e}").into()))?;
    opened["secret"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| RepoError::Unexpected("a webhook secret has no text".into()))
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    webhook_id: Uuid,
    event_type: String,
    state: String,
    attempts: i32,
    response_code: Option<i32>,
    latency_ms: Option<i32>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    last_attempt_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
}
const DELIVERY_COLUMNS: &str = "id, webhook_id, event_type, state, attempts, response_code, latency_ms, error, \
                                created_at, last_attempt_at, delivered_at";

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Delivery {
            id: r.id,
            webhook_id: r.webhook_id,
            event_type: r.event_type,
            state: r.state,
            attempts: r.attempts,
            response_code: r.response_code,
            latency_ms: r.latency_ms,
            error: r.error,
            created_at: r.created_at,
            last_attempt_at: r.last_attempt_at,
            delivered_at: r.delivered_at,
        }
    }
}

#[async_trait]
impl WebhookRepository for PgStore {
    async fn create(&self, ctx: &TenantContext, hook: &NewWebhook, audit: &AuditEntry) -> Result<Webhook, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let sealed = seal(self, tenant, hook.id, &hook.secret);
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: HookRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO webhooks (tenant_id, id, url, events, secret, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {HOOK_COLUMNS}"
        )))
        .bind(tenant)
        .bind(hook.id)
        .bind(&hook.url)
        .bind(&hook.events)
        .bind(sealed)
        .bind(ctx.user_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(hook_from(row))
    }

    async fn list(&self, ctx: &TenantContext) -> Result<Vec<Webhook>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<HookRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {HOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows.into_iter().map(hook_from).collect())
    }

    async fn delete(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(), RepoError> {
        change_one(
            self,
            ctx,
            "DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2",
            id,
            Some(audit),
        )
        .await
    }

    async fn deliveries(&self, ctx: &TenantContext, webhook: Uuid, limit: i64) -> Result<Vec<Delivery>, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM webhooks WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(webhook)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        exists.ok_or(RepoError::NotFound)?;
        let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        )))
        .bind(tenant)
        .bind(webhook)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows.into_iter().map(Delivery::from).collect())
    }

    async fn redeliver(&self, ctx: &TenantContext, webhook: Uuid, delivery: Uuid) -> Result<Delivery, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: Option<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE webhook_deliveries SET state = 'pending' \
             WHERE tenant_id = $1 AND webhook_id = $2 AND id = $3 RETURNING {DELIVERY_COLUMNS}"
        )))
        .bind(tenant)
        .bind(webhook)
        .bind(delivery)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let row = row.ok_or(RepoError::NotFound)?;
        crate::jobs::enqueue_job(
            &mut tx,
            tenant,
            JobKind::DeliverWebhook.as_str(),
            json!({ "delivery_id": delivery }),
            DELIVERY_ATTEMPTS,
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(row.into())
    }

    async fn outgoing(&self, tenant: TenantId, delivery: Uuid) -> Result<Option<Outgoing>, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        type Row = (Uuid, String, serde_json::Value, Option<serde_json::Value>, String);
        let row: Option<Row> = sqlx::query_as(
            "SELECT w.id, w.url, w.secret, CASE WHEN w.previous_until > now() THEN w.previous_secret END, \
                    d.payload::text FROM webhook_deliveries d \
             JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id \
             WHERE d.tenant_id = $1 AND d.id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(delivery)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let Some((hook, url, sealed, previous, body)) = row else {
            return Ok(None);
        };
        let mut secrets = vec![open_secret(self, tenant.as_uuid(), hook, &sealed)?];
        if let Some(previous) = previous {
            secrets.push(open_secret(self, tenant.as_uuid(), hook, &previous)?);
        }
        Ok(Some(Outgoing {
            delivery_id: delivery,
            webhook_id: hook,
            url,
            secrets,
            body,
        }))
    }

    async fn record_attempt(
        &self,
        tenant: TenantId,
        delivery: Uuid,
        attempt: &Attempt,
        last: bool,
    ) -> Result<i32, RepoError> {
        let state = match (attempt.succeeded(), last) {
            (true, _) => "delivered",
            (false, true) => "failed",
            (false, false) => "pending",
        };
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        sqlx::query(
            "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, response_code = $4, \
             latency_ms = $5, error = $6, last_attempt_at = now(), \
             delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(delivery)
        .bind(state)
        .bind(attempt.response_code.map(i32::from))
        .bind(i32::try_from(attempt.latency_ms).unwrap_or(i32::MAX))
        .bind(attempt.error.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let streak: Option<i32> = sqlx::query_scalar(
            "UPDATE webhooks w SET failure_streak = CASE WHEN $3 THEN 0 ELSE w.failure_streak + 1 END \
             FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.id = $2 \
               AND w.tenant_id = d.tenant_id AND w.id = d.webhook_id RETURNING w.failure_streak",
        )
        .bind(tenant.as_uuid())
        .bind(delivery)
        .bind(attempt.succeeded())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(streak.unwrap_or(0))
    }

    async fn rotate_secret(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        secret: &str,
        previous_until: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<Webhook, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: Option<HookRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE webhooks SET previous_secret = secret, previous_until = $4, secret = $3 \
             WHERE tenant_id = $1 AND id = $2 RETURNING {HOOK_COLUMNS}"
        )))
        .bind(tenant)
        .bind(id)
        .bind(seal(self, tenant, id, secret))
        .bind(previous_until)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let row = row.ok_or(RepoError::NotFound)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(hook_from(row))
    }

    async fn enable(&self, ctx: &TenantContext, id: Uuid) -> Result<Webhook, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: Option<HookRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE webhooks SET disabled_at = NULL, failure_streak = 0 \
             WHERE tenant_id = $1 AND id = $2 RETURNING {HOOK_COLUMNS}"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.map(hook_from).ok_or(RepoError::NotFound)
    }

    async fn admins(&self, tenant: TenantId) -> Result<(String, Vec<String>), RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE tenant_id = $1")
            .bind(tenant.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        let admins: Vec<String> = sqlx::query_scalar(
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 AND m.role = 'admin' ORDER BY u.email",
        )
        .bind(tenant.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok((name, admins))
    }

    async fn disable(&self, tenant: TenantId, id: Uuid, notices: &[Email]) -> Result<bool, RepoError> {
        let mut tx = self.tenant_tx(tenant).await.map_err(map_err)?;
        let done = sqlx::query(
            "UPDATE webhooks SET disabled_at = now() WHERE tenant_id = $1 AND id = $2 AND disabled_at IS NULL",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let disabled = done.rows_affected() == 1;
        if disabled {
            for notice in notices {
                enqueue_email(&mut tx, tenant.as_uuid(), notice, &self.outbox_key)
                    .await
                    .map_err(map_err)?;
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(disabled)
    }
}

//! The outbox over PostgreSQL: enqueue inside the caller's transaction,
//! claim with `SKIP LOCKED` and a lease, complete or fail with the lease
//! holder as a fence, and the admin's list and replay.

use crate::audit::append_for;
use crate::db::PgStore;
use crate::errors::map_err;
use crate::records::push_page;
use crate::sealing::OutboxKey;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::jobs::{EMAIL_MAX_ATTEMPTS, Job, JobAdmin, JobState};
use clearview_kernel::mail::Email;
use clearview_kernel::queue::{ClaimedJob, JobKind, JobQueue, QueueError, Work};
use clearview_kernel::{Page, PageRequest, RepoError, TenantContext, TenantId};
use sha2::Digest;
use sqlx::{PgConnection, QueryBuilder};
use std::time::Duration;
use uuid::Uuid;

/// The channel workers listen on; a commit that queued a job wakes them.
pub const JOBS_CHANNEL: &str = "clearview_jobs";
pub const SEND_EMAIL: &str = JobKind::SendEmail.as_str();

/// Queues a job of `kind` in the current (tenant) transaction: it exists
/// only if that transaction commits, and workers are woken at commit.
pub(crate) async fn enqueue_job(
    conn: &mut PgConnection,
    tenant: Uuid,
    kind: &str,
    payload: serde_json::Value,
    max_attempts: i32,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    insert_job(conn, tenant, id, kind, payload, max_attempts, None).await?;
    Ok(id)
}

async fn insert_job(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    kind: &str,
    payload: serde_json::Value,
    max_attempts: i32,
    recipient_digest: Option<Vec<u8>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO jobs (tenant_id, id, kind, payload, max_attempts, recipient_digest) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(id)
    .bind(kind)
    .bind(payload)
    .bind(max_attempts)
    .bind(recipient_digest)
    .execute(&mut *conn)
    .await?;
    notify_workers(conn).await
}

/// Wakes the workers at commit, and only if the transaction commits.
async fn notify_workers(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(JOBS_CHANNEL)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Queues an e-mail in the current (tenant) transaction, its payload
/// sealed (it holds single-use links and personal data).
pub(crate) async fn enqueue_email(
    conn: &mut PgConnection,
    tenant: Uuid,
    email: &Email,
    key: &OutboxKey,
) -> Result<(), sqlx::Error> {
    let id = Uuid::now_v7();
    let payload = serde_json::json!({
        "id": email.id, "to": email.to, "subject": email.subject, "text": email.text, "html": email.html,
    });
    let sealed = key.seal(tenant, id, &payload);
    // How erasure finds the person's e-mails without opening them: the
    // same digest as `sha256(convert_to(lower(email), 'UTF8'))` in SQL.
    let digest = sha2::Sha256::digest(email.to.trim().to_lowercase().as_bytes()).to_vec();
    insert_job(conn, tenant, id, SEND_EMAIL, sealed, EMAIL_MAX_ATTEMPTS, Some(digest)).await
}

/// Jobs of one kind in one state (not `done`), for the metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueDepth {
    pub kind: String,
    pub state: String,
    pub jobs: i64,
    /// Age of the oldest such job, in seconds since it was queued.
    pub oldest_seconds: f64,
}

impl PgStore {
    /// Queue depth per kind and state across tenants (aggregates only,
    /// through the `job_queue_stats` function).
    pub async fn job_queue_stats(&self) -> Result<Vec<QueueDepth>, sqlx::Error> {
        let rows: Vec<(String, String, i64, f64)> =
            sqlx::query_as("SELECT kind, state, jobs, oldest_seconds FROM job_queue_stats()")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(kind, state, jobs, oldest_seconds)| QueueDepth {
                kind,
                state,
                jobs,
                oldest_seconds,
            })
            .collect())
    }
}

/// Reads a stored job as typed work: e-mails are opened with the outbox
/// key; what cannot be read becomes `Work::Unreadable` (and fails).
fn work_of(key: &OutboxKey, tenant: Uuid, id: Uuid, kind: &str, payload: &serde_json::Value) -> Work {
    let unreadable = |reason: String| Work::Unreadable {
        kind: kind.to_owned(),
        reason,
    };
    if kind == JobKind::SendEmail.as_str() {
        match open_email(key, tenant, id, payload) {
            Ok(email) => Work::SendEmail(email),
            Err(reason) => unreadable(reason),
        }
    } else if kind == JobKind::ImportContacts.as_str() {
        match payload["import_id"].as_str().and_then(|s| s.parse().ok()) {
            Some(import_id) => Work::ImportContacts { import_id },
            None => unreadable("payload lacks import_id".into()),
        }
    } else if kind == JobKind::DeliverWebhook.as_str() {
        match payload["delivery_id"].as_str().and_then(|s| s.parse().ok()) {
            Some(delivery_id) => Work::DeliverWebhook { delivery_id },
            None => unreadable("payload lacks delivery_id".into()),
        }
    } else {
        unreadable(format!("no handler for job kind `{kind}`"))
    }
}

fn open_email(key: &OutboxKey, tenant: Uuid, id: Uuid, payload: &serde_json::Value) -> Result<Email, String> {
    let payload = key.open(tenant, id, payload)?;
    let field = |name: &str| {
        payload[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("payload lacks {name}"))
    };
    Ok(Email {
        id: field("id")?.parse().map_err(|_| "payload id is not a uuid")?,
        to: field("to")?,
        subject: field("subject")?,
        text: field("text")?,
        html: field("html")?,
    })
}

fn unavailable(err: sqlx::Error) -> QueueError {
    QueueError::Unavailable(err.to_string())
}

impl PgStore {
    /// Runs `sql`, an UPDATE fenced by the lease holder (`$1` tenant, `$2`
    /// job, `$3` worker), in the job's tenant; `true` when it changed the job.
    async fn update_held(
        &self,
        job: &ClaimedJob,
        worker: &str,
        sql: &'static str,
        wake: bool,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.tenant_tx(job.tenant_id).await?;
        let updated = sqlx::query(sql)
            .bind(job.tenant_id.as_uuid())
            .bind(job.id)
            .bind(worker)
            .execute(&mut *tx)
            .await?;
        if wake {
            notify_workers(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(updated.rows_affected() == 1)
    }
}

#[async_trait]
impl JobQueue for PgStore {
    async fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<ClaimedJob>, QueueError> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let rows: Vec<(Uuid, Uuid, String, serde_json::Value, i32, i32)> = sqlx::query_as(
            "SELECT tenant_id, id, kind, payload, attempts, max_attempts FROM claim_jobs($1, $2, $3, $4)",
        )
        .bind(worker)
        .bind(i32::try_from(limit).unwrap_or(i32::MAX))
        .bind(lease.as_secs().max(1) as i32)
        .bind(&kinds)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(rows
            .into_iter()
            .map(|(tenant, id, kind, payload, attempts, max_attempts)| ClaimedJob {
                tenant_id: TenantId::from_uuid(tenant),
                id,
                attempts,
                max_attempts,
                work: work_of(self.outbox_key(), tenant, id, &kind, &payload),
            })
            .collect())
    }

    /// Marks a job done and drops its payload, which may hold a
    /// single-use link.
    async fn complete(&self, job: &ClaimedJob, worker: &str) -> Result<bool, QueueError> {
        const DONE: &str = "UPDATE jobs SET state = 'done', finished_at = now(), updated_at = now(), payload = '{}', \
             recipient_digest = NULL, locked_by = NULL, locked_until = NULL, last_error = NULL \
             WHERE tenant_id = $1 AND id = $2 AND locked_by = $3 AND state = 'running'";
        self.update_held(job, worker, DONE, false).await.map_err(unavailable)
    }

    async fn fail(
        &self,
        job: &ClaimedJob,
        worker: &str,
        error: &str,
        retry_in: Duration,
    ) -> Result<Option<JobState>, QueueError> {
        let mut tx = self.tenant_tx(job.tenant_id).await.map_err(unavailable)?;
        let state: Option<String> = sqlx::query_scalar(
            "UPDATE jobs SET \
               state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
               finished_at = CASE WHEN attempts >= max_attempts THEN now() END, \
               run_at = now() + make_interval(secs => $4), last_error = $5, \
               locked_by = NULL, locked_until = NULL, updated_at = now() \
             WHERE tenant_id = $1 AND id = $2 AND locked_by = $3 AND state = 'running' RETURNING state",
        )
        .bind(job.tenant_id.as_uuid())
        .bind(job.id)
        .bind(worker)
        .bind(retry_in.as_secs_f64())
        .bind(error.chars().take(2000).collect::<String>())
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(state.and_then(|s| s.parse().ok()))
    }

    async fn extend_lease(&self, job: &ClaimedJob, worker: &str, lease: Duration) -> Result<bool, QueueError> {
        let mut tx = self.tenant_tx(job.tenant_id).await.map_err(unavailable)?;
        let done = sqlx::query(
            "UPDATE jobs SET locked_until = now() + make_interval(secs => $4), updated_at = now() \
             WHERE tenant_id = $1 AND id = $2 AND locked_by = $3 AND state = 'running'",
        )
        .bind(job.tenant_id.as_uuid())
        .bind(job.id)
        .bind(worker)
        .bind(lease.as_secs_f64())
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    /// Queued again at once, the attempt not counted (it did not fail);
    /// a NOTIFY lets another worker take it now rather than at its poll.
    async fn release(&self, job: &ClaimedJob, worker: &str) -> Result<bool, QueueError> {
        const QUEUED: &str = "UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), run_at = now(), \
             locked_by = NULL, locked_until = NULL, updated_at = now() \
             WHERE tenant_id = $1 AND id = $2 AND locked_by = $3 AND state = 'running'";
        self.update_held(job, worker, QUEUED, true).await.map_err(unavailable)
    }
}

impl PgStore {
    /// Wakes `wake` whenever a job commits (LISTEN on `JOBS_CHANNEL`, one
    /// pooled connection); reconnects after `retry` when the connection
    /// drops (workers poll meanwhile). Runs until dropped.
    pub async fn listen_for_jobs(&self, wake: &tokio::sync::Notify, retry: Duration) {
        loop {
            let listener = async {
                let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await.ok()?;
                listener.listen(JOBS_CHANNEL).await.ok()?;
                Some(listener)
            };
            let Some(mut listener) = listener.await else {
                tokio::time::sleep(retry).await;
                continue;
            };
            while listener.recv().await.is_ok() {
                wake.notify_waiters();
            }
        }
    }
}

type JobRow = (
    Uuid,
    String,
    String,
    i32,
    i32,
    DateTime<Utc>,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);
const JOB_COLUMNS: &str = "id, kind, state, attempts, max_attempts, run_at, last_error, created_at, finished_at";

fn job_from(row: JobRow) -> Result<Job, RepoError> {
    let (id, kind, state, attempts, max_attempts, run_at, last_error, created_at, finished_at) = row;
    Ok(Job {
        id,
        kind,
        state: state.parse().map_err(|e: String| RepoError::Unexpected(e.into()))?,
        attempts,
        max_attempts,
        run_at,
        last_error,
        created_at,
        finished_at,
    })
}

#[async_trait]
impl JobAdmin for PgStore {
    async fn list(
        &self,
        ctx: &TenantContext,
        state: Option<JobState>,
        page: &PageRequest,
    ) -> Result<Page<Job>, RepoError> {
        let mut sql = QueryBuilder::new(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = "));
        sql.push_bind(ctx.tenant_id.as_uuid());
        if let Some(state) = state {
            sql.push(" AND state = ").push_bind(state.as_str());
        }
        push_page(&mut sql, page)?;
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<JobRow> = sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let jobs = rows.into_iter().map(job_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(jobs, page, |j| {
            clearview_kernel::Cursor::at(j.created_at, j.id)
        }))
    }

    async fn retry(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<Job, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = now(), finished_at = NULL, updated_at = now() \
             WHERE tenant_id = $1 AND id = $2 AND state = 'dead' RETURNING {JOB_COLUMNS}"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(row) = row else {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM jobs WHERE tenant_id = $1 AND id = $2)")
                    .bind(ctx.tenant_id.as_uuid())
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
            return Err(if exists {
                RepoError::Conflict("only a dead job can be retried")
            } else {
                RepoError::NotFound
            });
        };
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(JOBS_CHANNEL)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        append_for(&mut tx, ctx, audit).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        job_from(row)
    }
}

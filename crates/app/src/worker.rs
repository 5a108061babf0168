//! The outbox worker (invariant 5): claims due jobs with a lease, runs each
//! in its tenant, retries failures with exponential backoff and jitter, and
//! parks a job as dead after its last attempt. LISTEN/NOTIFY wakes it the
//! moment a job commits; a short poll covers retries and lost notifications.
//! Several workers may run at once: `SKIP LOCKED` gives each job to one.

use crate::import::ImportSettings;
use clearview_kernel::jobs::{JobState, backoff};
use clearview_kernel::mail::Mailer;
use clearview_store_postgres::{ClaimedJob, IMPORT_CONTACTS, JOBS_CHANNEL, PgStore, SEND_EMAIL};
use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Jobs claimed at once.
    pub batch: i32,
    /// How long a claimed job is ours before another worker may take it.
    pub lease: Duration,
    /// The first retry delay; it doubles with every attempt.
    pub backoff_base: Duration,
    /// How often to look for due jobs when no notification arrives.
    pub poll: Duration,
    /// CSV import batches and limits.
    pub import: ImportSettings,
}

pub struct Worker {
    store: PgStore,
    mailer: Arc<dyn Mailer>,
    id: String,
    settings: WorkerSettings,
}

impl Worker {
    pub fn new(store: PgStore, mailer: Arc<dyn Mailer>, settings: WorkerSettings) -> Self {
        let id = format!("worker-{}", uuid::Uuid::now_v7().simple());
        Self {
            store,
            mailer,
            id,
            settings,
        }
    }

    /// Runs until the task is dropped (the process stops).
    pub async fn run(self) {
        tracing::info!(worker = %self.id, "outbox worker started");
        let mut listener = self.listen().await;
        loop {
            self.drain().await;
            match listener.as_mut() {
                Some(l) => {
                    tokio::select! {
                        received = l.recv() => if received.is_err() { listener = None },
                        _ = tokio::time::sleep(self.settings.poll) => {}
                    }
                }
                None => {
                    tokio::time::sleep(self.settings.poll).await;
                    listener = self.listen().await;
                }
            }
        }
    }

    async fn listen(&self) -> Option<PgListener> {
        let mut listener = PgListener::connect_with(self.store.pool()).await.ok()?;
        listener.listen(JOBS_CHANNEL).await.ok()?;
        Some(listener)
    }

    /// Claims and runs due jobs until none is left.
    async fn drain(&self) {
        loop {
            let jobs = match self
                .store
                .claim_jobs(&self.id, self.settings.batch, self.settings.lease)
                .await
            {
                Ok(jobs) => jobs,
                Err(err) => {
                    tracing::warn!(worker = %self.id, error = %err, "cannot claim jobs");
                    return;
                }
            };
            if jobs.is_empty() {
                return;
            }
            for job in jobs {
                self.run_job(job).await;
            }
        }
    }

    async fn run_job(&self, job: ClaimedJob) {
        let outcome = if job.attempts > job.max_attempts {
            // Claimed again after leases ran out: its workers keep dying.
            Err("the job's lease expired on every attempt".to_owned())
        } else {
            match job.kind.as_str() {
                SEND_EMAIL => match job.email() {
                    Ok(email) => self.mailer.send(&email).await,
                    Err(err) => Err(err),
                },
                IMPORT_CONTACTS => {
                    crate::import::run(&self.store, &job, &self.id, self.settings.lease, &self.settings.import).await
                }
                other => Err(format!("no handler for job kind `{other}`")),
            }
        };
        let result = match outcome {
            Ok(()) => self
                .store
                .complete_job(&job, &self.id)
                .await
                .map(|_| Some(JobState::Done)),
            Err(error) => {
                let delay = backoff(self.settings.backoff_base, job.attempts, rand::random::<f64>());
                self.store.fail_job(&job, &self.id, &error, delay).await
            }
        };
        match result {
            Ok(Some(JobState::Dead)) => {
                tracing::error!(job_id = %job.id, tenant_id = %job.tenant_id, attempts = job.attempts, "job is dead")
            }
            Ok(Some(state)) => {
                tracing::info!(job_id = %job.id, state = state.as_str(), attempts = job.attempts, "job ran")
            }
            Ok(None) => tracing::warn!(job_id = %job.id, "lost the job's lease before finishing"),
            Err(err) => tracing::warn!(job_id = %job.id, error = %err, "cannot record the job's outcome"),
        }
    }
}

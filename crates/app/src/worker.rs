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
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How long a claimed job is ours before another worker may take it;
    /// long jobs (imports) renew it after every batch.
    pub lease: Duration,
    /// The first retry delay; it doubles with every attempt.
    pub backoff_base: Duration,
    /// How often to look for due jobs when no notification arrives.
    pub poll: Duration,
    /// CSV import batches and limits.
    pub import: ImportSettings,
}

/// A set of job kinds a worker runs with its own concurrency, so that a
/// long job of one lane never delays another lane's jobs.
#[derive(Debug, Clone, Copy)]
pub struct Lane {
    pub name: &'static str,
    pub kinds: &'static [&'static str],
    /// Jobs of the lane run at once; no more are claimed than that.
    pub concurrency: usize,
}

/// E-mail is quick and must not wait; imports are long and heavy.
pub const LANES: [Lane; 2] = [
    Lane {
        name: "mail",
        kinds: &[SEND_EMAIL],
        concurrency: 8,
    },
    Lane {
        name: "import",
        kinds: &[IMPORT_CONTACTS],
        concurrency: 1,
    },
];

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

    /// Runs every lane until the task is dropped (the process stops). One
    /// LISTEN connection (it holds a pooled connection) wakes every lane.
    pub async fn run(self) {
        tracing::info!(worker = %self.id, "outbox worker started");
        let worker = Arc::new(self);
        let wake = Arc::new(Notify::new());
        let lanes: Vec<_> = LANES
            .iter()
            .map(|lane| tokio::spawn(worker.clone().run_lane(*lane, wake.clone())))
            .collect();
        worker.listen_forever(&wake).await;
        for lane in lanes {
            lane.abort();
        }
    }

    /// Wakes the lanes on every notification; reconnects after a poll
    /// interval when the connection drops (the lanes poll meanwhile).
    async fn listen_forever(&self, wake: &Notify) {
        loop {
            let Some(mut listener) = self.listen().await else {
                tokio::time::sleep(self.settings.poll).await;
                continue;
            };
            while listener.recv().await.is_ok() {
                wake.notify_waiters();
            }
        }
    }

    async fn run_lane(self: Arc<Self>, lane: Lane, wake: Arc<Notify>) {
        loop {
            // Registered before draining, so a job committed meanwhile
            // still wakes the lane.
            let woken = wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            self.drain(lane).await;
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    async fn listen(&self) -> Option<PgListener> {
        let mut listener = PgListener::connect_with(self.store.pool()).await.ok()?;
        listener.listen(JOBS_CHANNEL).await.ok()?;
        Some(listener)
    }

    /// Claims and runs the lane's due jobs until none is left, as many at
    /// once as the lane allows — every claimed job starts at once.
    async fn drain(&self, lane: Lane) {
        loop {
            let limit = i32::try_from(lane.concurrency).unwrap_or(1);
            let jobs = match self
                .store
                .claim_jobs(&self.id, lane.kinds, limit, self.settings.lease)
                .await
            {
                Ok(jobs) => jobs,
                Err(err) => {
                    tracing::warn!(worker = %self.id, lane = lane.name, error = %err, "cannot claim jobs");
                    return;
                }
            };
            if jobs.is_empty() {
                return;
            }
            futures_util::future::join_all(jobs.into_iter().map(|job| self.run_job(job))).await;
        }
    }

    async fn run_job(&self, job: ClaimedJob) {
        let outcome = if job.attempts > job.max_attempts {
            // Claimed again after leases ran out: its workers keep dying.
            Err("the job's lease expired on every attempt".to_owned())
        } else {
            match job.kind.as_str() {
                SEND_EMAIL => match job.email(self.store.outbox_key()) {
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

//! The outbox worker (invariant 5), the second driving adapter beside HTTP
//! (issue 10 §1): it claims due jobs through the `JobQueue` port, hands each
//! to the `JobHandler` (the use cases), retries failures with exponential
//! backoff and jitter, and parks a job as dead after its last attempt. A
//! wake signal (LISTEN/NOTIFY, fed by `startup`) starts a claim the moment a
//! job commits; a short poll covers retries and lost notifications. Several
//! workers may run at once: the queue gives each job to one.
//!
//! Shutdown (ADR 0020): once the token is cancelled no lane claims again;
//! running jobs get `shutdown_grace` to finish, and a job still running
//! then is handed back (queued again, its attempt not counted) so another
//! worker takes it at once instead of after its lease.

use clearview_contacts::ImportSettings;
use clearview_kernel::jobs::{JobState, backoff};
use clearview_kernel::queue::{ClaimedJob, JobHandler, JobKind, JobQueue, Work};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

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
    /// After shutdown starts, how long running jobs may go on before they
    /// are handed back (`SHUTDOWN_TIMEOUT_SECONDS`).
    pub shutdown_grace: Duration,
    /// How often to look for due schedules (`crate::schedules`).
    pub schedule_check: Duration,
}

/// A set of job kinds a worker runs with its own concurrency, so that a
/// long job of one lane never delays another lane's jobs.
#[derive(Debug, Clone, Copy)]
pub struct Lane {
    pub name: &'static str,
    pub kinds: &'static [JobKind],
    /// Jobs of the lane run at once; no more are claimed than that.
    pub concurrency: usize,
}

/// E-mail is quick and must not wait; imports are long and heavy; a slow
/// webhook receiver (up to 5 s an attempt) holds only its own lane.
pub const LANES: [Lane; 3] = [
    Lane {
        name: "mail",
        kinds: &[JobKind::SendEmail],
        concurrency: 8,
    },
    Lane {
        name: "import",
        kinds: &[JobKind::ImportContacts],
        concurrency: 1,
    },
    Lane {
        name: "webhook",
        kinds: &[JobKind::DeliverWebhook],
        concurrency: 4,
    },
];

pub struct Worker {
    queue: Arc<dyn JobQueue>,
    handler: Arc<dyn JobHandler>,
    id: String,
    settings: WorkerSettings,
}

impl Worker {
    pub fn new(queue: Arc<dyn JobQueue>, handler: Arc<dyn JobHandler>, settings: WorkerSettings) -> Self {
        let id = format!("worker-{}", uuid::Uuid::now_v7().simple());
        Self {
            queue,
            handler,
            id,
            settings,
        }
    }

    /// The lease holder's name this worker writes into the jobs it claims.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs every lane until `shutdown` is cancelled and each lane has
    /// finished or handed back its jobs; `wake` starts a claim at once.
    pub async fn run(self, shutdown: CancellationToken, wake: Arc<Notify>) {
        tracing::info!(worker = %self.id, "outbox worker started");
        let worker = Arc::new(self);
        let lanes: Vec<_> = LANES
            .iter()
            .map(|lane| tokio::spawn(worker.clone().run_lane(*lane, wake.clone(), shutdown.clone())))
            .collect();
        for lane in lanes {
            if let Err(err) = lane.await {
                tracing::error!(worker = %worker.id, error = %err, "a worker lane panicked");
            }
        }
        tracing::info!(worker = %worker.id, "outbox worker stopped");
    }

    /// Keeps up to `lane.concurrency` jobs running: claims when woken, on
    /// the poll, and whenever a job ends and frees a slot. At shutdown it
    /// stops claiming and waits for its running jobs (each bounded by the
    /// grace period).
    async fn run_lane(self: Arc<Self>, lane: Lane, wake: Arc<Notify>, shutdown: CancellationToken) {
        let mut running = JoinSet::new();
        while !shutdown.is_cancelled() {
            // Registered before claiming, so a job committed meanwhile
            // still wakes the lane.
            let woken = wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            self.fill(lane, &mut running, &shutdown).await;
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = shutdown.cancelled() => {}
                Some(ended) = running.join_next(), if !running.is_empty() => log_panic(ended),
            }
        }
        while let Some(ended) = running.join_next().await {
            log_panic(ended);
        }
    }

    /// Claims due jobs of the lane into its free slots and starts each at
    /// once, until the slots are full or no due job is left.
    async fn fill(self: &Arc<Self>, lane: Lane, running: &mut JoinSet<()>, shutdown: &CancellationToken) {
        loop {
            let free = lane.concurrency.saturating_sub(running.len());
            if free == 0 || shutdown.is_cancelled() {
                return;
            }
            let jobs = match self.queue.claim(&self.id, lane.kinds, free, self.settings.lease).await {
                Ok(jobs) => jobs,
                Err(err) => {
                    tracing::warn!(worker = %self.id, lane = lane.name, error = %err, "cannot claim jobs");
                    return;
                }
            };
            let claimed = jobs.len();
            for job in jobs {
                let (worker, shutdown) = (self.clone(), shutdown.clone());
                running.spawn(async move { worker.run_job(job, &shutdown).await });
            }
            if claimed < free {
                return;
            }
        }
    }

    /// Runs a job to its end, or hands it back when shutdown's grace runs
    /// out first.
    async fn run_job(&self, job: ClaimedJob, shutdown: &CancellationToken) {
        let span =
            tracing::info_span!("job", job_id = %job.id, kind = %job.work.kind_name(), tenant_id = %job.tenant_id);
        self.run_job_in_span(job, shutdown).instrument(span).await
    }

    async fn run_job_in_span(&self, job: ClaimedJob, shutdown: &CancellationToken) {
        let grace_over = async {
            shutdown.cancelled().await;
            tokio::time::sleep(self.settings.shutdown_grace).await;
        };
        let outcome = tokio::select! {
            outcome = timed(job.work.kind_name(), self.execute(&job)) => outcome,
            _ = grace_over => {
                match self.queue.release(&job, &self.id).await {
                    Ok(true) => tracing::info!("job handed back at shutdown"),
                    Ok(false) => tracing::warn!("lost the job's lease before handing it back"),
                    Err(err) => tracing::warn!(error = %err, "cannot hand the job back; its lease will run out"),
                }
                return;
            }
        };
        self.record(&job, outcome).await;
    }

    async fn execute(&self, job: &ClaimedJob) -> Result<(), String> {
        if job.attempts > job.max_attempts {
            // Claimed again after leases ran out: its workers keep dying.
            return Err("the job's lease expired on every attempt".to_owned());
        }
        self.handler.run(job, &self.id).await.map_err(|e| e.0)
    }

    async fn record(&self, job: &ClaimedJob, outcome: Result<(), String>) {
        let result = match outcome {
            Ok(()) => self.queue.complete(job, &self.id).await.map(|_| Some(JobState::Done)),
            Err(error) => {
                let delay = match job.work {
                    // Webhooks keep the Standard Webhooks schedule (about a day).
                    Work::DeliverWebhook { .. } => clearview_tenancy::retry_delay(job.attempts),
                    _ => backoff(self.settings.backoff_base, job.attempts, rand::random::<f64>()),
                };
                self.queue.fail(job, &self.id, &error, delay).await
            }
        };
        match result {
            Ok(Some(JobState::Dead)) => tracing::error!(attempts = job.attempts, "job is dead"),
            Ok(Some(state)) => tracing::info!(state = state.as_str(), attempts = job.attempts, "job ran"),
            Ok(None) => tracing::warn!("lost the job's lease before finishing"),
            Err(err) => tracing::warn!(error = %err, "cannot record the job's outcome"),
        }
    }
}

fn log_panic(ended: Result<(), tokio::task::JoinError>) {
    if let Err(err) = ended {
        tracing::error!(error = %err, "a job's task panicked");
    }
}

/// Runs a job and records its duration by kind and outcome.
async fn timed(kind: &str, work: impl Future<Output = Result<(), String>>) -> Result<(), String> {
    let started = std::time::Instant::now();
    let outcome = work.await;
    let result = if outcome.is_ok() { "ok" } else { "failed" };
    metrics::histogram!("clearview_job_duration_seconds", "kind" => kind.to_owned(), "outcome" => result)
        .record(started.elapsed().as_secs_f64());
    outcome
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;

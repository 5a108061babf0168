//! The worker loop without a database (issue 10 §1): an in-memory queue and
//! handler, on tokio's paused clock, so leases, backoff and the shutdown
//! grace period are exact and instant.

use super::*;
use async_trait::async_trait;
use clearview_kernel::TenantId;
use clearview_kernel::mail::Email;
use clearview_kernel::queue::{JobError, QueueError, Work};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

#[derive(Default)]
struct Recorded {
    queued: Vec<ClaimedJob>,
    completed: Vec<Uuid>,
    failed: Vec<(Uuid, String, Duration)>,
    released: Vec<Uuid>,
}

/// A queue in memory: claiming takes due jobs of the asked kinds and
/// counts the attempt, as `claim_jobs` does.
#[derive(Default)]
struct MemoryQueue(Mutex<Recorded>);

impl MemoryQueue {
    fn push(&self, job: ClaimedJob) {
        self.0.lock().unwrap().queued.push(job);
    }
    fn with<T>(&self, read: impl FnOnce(&Recorded) -> T) -> T {
        read(&self.0.lock().unwrap())
    }
}

fn kind_of(work: &Work) -> Option<JobKind> {
    match work {
        Work::SendEmail(_) => Some(JobKind::SendEmail),
        Work::ImportContacts { .. } => Some(JobKind::ImportContacts),
        Work::DeliverWebhook { .. } => Some(JobKind::DeliverWebhook),
        Work::Unreadable { .. } => None,
    }
}

#[async_trait]
impl JobQueue for MemoryQueue {
    async fn claim(
        &self,
        _: &str,
        kinds: &[JobKind],
        limit: usize,
        _: Duration,
    ) -> Result<Vec<ClaimedJob>, QueueError> {
        let mut state = self.0.lock().unwrap();
        let mut claimed = Vec::new();
        state.queued.retain(|job| {
            let take = claimed.len() < limit && kind_of(&job.work).is_some_and(|k| kinds.contains(&k));
            if take {
                let mut job = job.clone();
                job.attempts += 1;
                claimed.push(job);
            }
            !take
        });
        Ok(claimed)
    }
    async fn complete(&self, job: &ClaimedJob, _: &str) -> Result<bool, QueueError> {
        self.0.lock().unwrap().completed.push(job.id);
        Ok(true)
    }
    async fn fail(
        &self,
        job: &ClaimedJob,
        _: &str,
        error: &str,
        retry_in: Duration,
    ) -> Result<Option<JobState>, QueueError> {
        self.0.lock().unwrap().failed.push((job.id, error.to_owned(), retry_in));
        Ok(Some(if job.attempts >= job.max_attempts {
            JobState::Dead
        } else {
            JobState::Queued
        }))
    }
    async fn extend_lease(&self, _: &ClaimedJob, _: &str, _: Duration) -> Result<bool, QueueError> {
        Ok(true)
    }
    async fn release(&self, job: &ClaimedJob, _: &str) -> Result<bool, QueueError> {
        self.0.lock().unwrap().released.push(job.id);
        Ok(true)
    }
}

/// What a job does when run, by id; every start is recorded.
#[derive(Default)]
struct Script {
    takes: HashMap<Uuid, Duration>,
    fails: HashMap<Uuid, String>,
    started: Mutex<Vec<Uuid>>,
}

#[async_trait]
impl JobHandler for Script {
    async fn run(&self, job: &ClaimedJob, _: &str) -> Result<(), JobError> {
        self.started.lock().unwrap().push(job.id);
        if let Some(time) = self.takes.get(&job.id) {
            tokio::time::sleep(*time).await;
        }
        match self.fails.get(&job.id) {
            Some(error) => Err(JobError(error.clone())),
            None => Ok(()),
        }
    }
}

fn settings() -> WorkerSettings {
    WorkerSettings {
        lease: Duration::from_secs(60),
        backoff_base: Duration::from_secs(10),
        poll: Duration::from_millis(100),
        import: ImportSettings {
            batch_rows: 100,
            max_rows: 1_000,
        },
        shutdown_grace: Duration::from_secs(5),
        schedule_check: Duration::from_secs(1),
    }
}

fn mail_job() -> ClaimedJob {
    ClaimedJob {
        tenant_id: TenantId::generate(),
        id: Uuid::now_v7(),
        attempts: 0,
        max_attempts: 3,
        work: Work::SendEmail(Email {
            id: Uuid::now_v7(),
            to: "ada@example.test".into(),
            subject: "Hello".into(),
            text: "Hello".into(),
            html: "<p>Hello</p>".into(),
        }),
    }
}

fn import_job() -> ClaimedJob {
    ClaimedJob {
        work: Work::ImportContacts {
            import_id: Uuid::now_v7(),
        },
        ..mail_job()
    }
}

/// Starts a worker over `queue` and `script`; returns its stop token and task.
fn start(queue: &Arc<MemoryQueue>, script: Script) -> (CancellationToken, tokio::task::JoinHandle<()>, Arc<Script>) {
    let script = Arc::new(script);
    let worker = Worker::new(queue.clone(), script.clone(), settings());
    let stop = CancellationToken::new();
    let task = tokio::spawn(worker.run(stop.clone(), Arc::new(Notify::new())));
    (stop, task, script)
}

#[tokio::test(start_paused = true)]
async fn a_job_that_succeeds_is_completed_and_one_that_fails_is_retried_after_a_backoff() {
    let queue = Arc::new(MemoryQueue::default());
    let (ok, bad) = (mail_job(), mail_job());
    queue.push(ok.clone());
    queue.push(bad.clone());
    let script = Script {
        fails: HashMap::from([(bad.id, "the mail server said no".to_owned())]),
        ..Script::default()
    };
    let (stop, task, _) = start(&queue, script);
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.cancel();
    task.await.unwrap();

    assert_eq!(queue.with(|r| r.completed.clone()), [ok.id]);
    let failed = queue.with(|r| r.failed.clone());
    assert_eq!(failed.len(), 1);
    let (id, error, retry_in) = &failed[0];
    assert_eq!((id, error.as_str()), (&bad.id, "the mail server said no"));
    // The first retry waits the base delay, ±25 % jitter.
    assert!(
        (Duration::from_millis(7_500)..=Duration::from_millis(12_500)).contains(retry_in),
        "{retry_in:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_claimed_again_after_its_last_attempt_fails_without_running() {
    let queue = Arc::new(MemoryQueue::default());
    let job = ClaimedJob {
        attempts: 3,
        ..mail_job()
    };
    queue.push(job.clone());
    let (stop, task, script) = start(&queue, Script::default());
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.cancel();
    task.await.unwrap();

    assert!(
        script.started.lock().unwrap().is_empty(),
        "its workers kept dying: not run again"
    );
    let failed = queue.with(|r| r.failed.clone());
    assert_eq!(failed.len(), 1);
    assert!(failed[0].1.contains("lease expired"), "{}", failed[0].1);
}

#[tokio::test(start_paused = true)]
async fn an_e_mail_is_sent_while_a_long_import_runs() {
    let queue = Arc::new(MemoryQueue::default());
    let (import, mail) = (import_job(), mail_job());
    queue.push(import.clone());
    let script = Script {
        takes: HashMap::from([(import.id, Duration::from_secs(3600))]),
        ..Script::default()
    };
    let (stop, task, script) = start(&queue, script);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(*script.started.lock().unwrap(), [import.id], "the import runs");
    queue.push(mail.clone());
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        queue.with(|r| r.completed.clone()),
        [mail.id],
        "the e-mail did not wait for the import"
    );
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn at_shutdown_a_job_past_the_grace_period_is_handed_back_and_nothing_new_is_claimed() {
    let queue = Arc::new(MemoryQueue::default());
    let (long, short, later) = (mail_job(), mail_job(), mail_job());
    queue.push(long.clone());
    queue.push(short.clone());
    let script = Script {
        takes: HashMap::from([(long.id, Duration::from_secs(60)), (short.id, Duration::from_secs(3))]),
        ..Script::default()
    };
    let (stop, task, script) = start(&queue, script);
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.cancel();
    queue.push(later.clone());
    let started = tokio::time::Instant::now();
    task.await.unwrap();

    assert_eq!(
        started.elapsed(),
        Duration::from_secs(5),
        "the stop takes the grace period, no more"
    );
    assert_eq!(
        queue.with(|r| r.completed.clone()),
        [short.id],
        "a job that ends within the grace period completes"
    );
    assert_eq!(
        queue.with(|r| r.released.clone()),
        [long.id],
        "the one still running is handed back"
    );
    assert!(queue.with(|r| r.failed.is_empty()), "handing back is not a failure");
    assert!(
        !script.started.lock().unwrap().contains(&later.id),
        "nothing is claimed after the signal"
    );
}

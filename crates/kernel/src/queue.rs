//! The job queue as a port (issue 10 §1): workers are a second driving
//! adapter, like HTTP. A worker claims jobs through `JobQueue`, hands each
//! to a `JobHandler` (the use cases), and completes, fails or hands it back
//! through the queue again. The adapter opens what it stored (e-mail
//! payloads are sealed at rest), so the domain sees typed `Work`, never a
//! kind string or raw JSON.

use crate::TenantId;
use crate::jobs::JobState;
use crate::mail::Email;
use async_trait::async_trait;
use std::time::Duration;
use uuid::Uuid;

/// The kinds of job; lanes claim by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    SendEmail,
    ImportContacts,
    DeliverWebhook,
}

impl JobKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            JobKind::SendEmail => "send_email",
            JobKind::ImportContacts => "import_contacts",
            JobKind::DeliverWebhook => "deliver_webhook",
        }
    }
}

/// What a claimed job asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    SendEmail(Email),
    ImportContacts {
        import_id: Uuid,
    },
    /// One attempt at a webhook delivery (queued by the database trigger
    /// that recorded the event).
    DeliverWebhook {
        delivery_id: Uuid,
    },
    /// The stored job cannot be read (unknown kind, a payload that does
    /// not open): it fails like any attempt, so an admin sees it.
    Unreadable {
        kind: String,
        reason: String,
    },
}

impl Work {
    /// The kind's name, for logs and metrics.
    pub fn kind_name(&self) -> &str {
        match self {
            Work::SendEmail(_) => JobKind::SendEmail.as_str(),
            Work::ImportContacts { .. } => JobKind::ImportContacts.as_str(),
            Work::DeliverWebhook { .. } => JobKind::DeliverWebhook.as_str(),
            Work::Unreadable { kind, .. } => kind,
        }
    }
}

/// A job a worker holds the lease of.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub tenant_id: TenantId,
    pub id: Uuid,
    /// This attempt's number, from 1.
    pub attempts: i32,
    pub max_attempts: i32,
    pub work: Work,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the job queue is unavailable: {0}")]
    Unavailable(String),
}

/// Every write is fenced by the lease holder: `false` / `None` when the
/// lease was lost (another worker may hold the job now).
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Claims up to `limit` due jobs of `kinds` (or ones whose lease ran
    /// out), leasing them to `worker` for `lease`.
    async fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<ClaimedJob>, QueueError>;
    async fn complete(&self, job: &ClaimedJob, worker: &str) -> Result<bool, QueueError>;
    /// Records a failed attempt: queued again after `retry_in`, or dead
    /// after the last attempt; returns the new state.
    async fn fail(
        &self,
        job: &ClaimedJob,
        worker: &str,
        error: &str,
        retry_in: Duration,
    ) -> Result<Option<JobState>, QueueError>;
    async fn extend_lease(&self, job: &ClaimedJob, worker: &str, lease: Duration) -> Result<bool, QueueError>;
    /// Hands a job back (shutdown): queued at once, the attempt not counted.
    async fn release(&self, job: &ClaimedJob, worker: &str) -> Result<bool, QueueError>;
}

/// A failed attempt; the worker retries it with backoff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JobError(pub String);

/// Runs one claimed job: the use cases behind the worker.
#[async_trait]
pub trait JobHandler: Send + Sync {
    async fn run(&self, job: &ClaimedJob, worker: &str) -> Result<(), JobError>;
}

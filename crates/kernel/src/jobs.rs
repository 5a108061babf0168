//! The outbox (invariant 5): side effects are jobs stored with the change
//! that causes them, run by workers, retried with backoff and jitter, and
//! parked as dead after their last attempt — listed and replayable by an
//! admin, never silently dropped.

use crate::audit::{AuditEntry, RequestOrigin, actions};
use crate::records::RecordError;
use crate::{Page, PageRequest, RepoError, Role, TenantContext};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobState {
    pub const fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
}

impl FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "queued" => Ok(JobState::Queued),
            "running" => Ok(JobState::Running),
            "done" => Ok(JobState::Done),
            "dead" => Ok(JobState::Dead),
            _ => Err("must be queued, running, done or dead".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Attempts for an e-mail job: the seed's risk register asks for 3.
pub const EMAIL_MAX_ATTEMPTS: i32 = 3;

/// The delay before attempt `attempts + 1`: exponential from `base`, capped
/// at an hour, with up to ±25 % jitter from `jitter` (0.0..1.0) so retries
/// of many jobs do not arrive together.
pub fn backoff(base: Duration, attempts: i32, jitter: f64) -> Duration {
    let exponent = attempts.clamp(1, 16) as u32 - 1;
    let raw = base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(Duration::from_secs(3600));
    let factor = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
    raw.mul_f64(factor)
}

/// The admin side of the queue, tenant-scoped.
#[async_trait]
pub trait JobAdmin: Send + Sync {
    async fn list(
        &self,
        ctx: &TenantContext,
        state: Option<JobState>,
        page: &PageRequest,
    ) -> Result<Page<Job>, RepoError>;
    /// Re-queues a dead job for an immediate new round of attempts and
    /// appends `audit` (its target filled with the job) in the same
    /// transaction.
    async fn retry(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<Job, RepoError>;
}

#[derive(Clone)]
pub struct JobService {
    jobs: Arc<dyn JobAdmin>,
}

impl JobService {
    pub fn new(jobs: Arc<dyn JobAdmin>) -> Self {
        Self { jobs }
    }

    fn admin_only(ctx: &TenantContext) -> Result<(), RecordError> {
        if ctx.role == Role::Admin {
            Ok(())
        } else {
            Err(RecordError::Forbidden("only admins see and replay jobs"))
        }
    }

    pub async fn list(
        &self,
        ctx: &TenantContext,
        state: Option<JobState>,
        page: &PageRequest,
    ) -> Result<Page<Job>, RecordError> {
        Self::admin_only(ctx)?;
        Ok(self.jobs.list(ctx, state, page).await?)
    }

    pub async fn retry(&self, ctx: &TenantContext, id: Uuid, origin: &RequestOrigin) -> Result<Job, RecordError> {
        Self::admin_only(ctx)?;
        let audit = AuditEntry::new(actions::JOB_RETRIED, origin).target("job", id);
        Ok(self.jobs.retry(ctx, id, &audit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_a_cap() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(base, 1, 0.5), Duration::from_secs(10));
        assert_eq!(backoff(base, 2, 0.5), Duration::from_secs(20));
        assert_eq!(backoff(base, 3, 0.0), Duration::from_millis(30_000));
        assert_eq!(backoff(base, 3, 1.0), Duration::from_secs(50));
        assert_eq!(backoff(base, 30, 0.5), Duration::from_secs(3600));
    }
}

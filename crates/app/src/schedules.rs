//! Periodic work (issue 10 §1): each schedule runs at most once per period
//! across any number of workers (the claim in `store-postgres/schedules.rs`).
//! A failed run is retried after `RETRY_AFTER_FAILURE`, not a period later.

use clearview_store_postgres::{DueReminder, PgStore};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// A periodic task and how often it runs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub name: &'static str,
    pub every: Duration,
    pub task: Task,
}

/// What a schedule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    PurgeExpired,
    SendReminders,
    PurgeTrash,
    SnapshotForecasts,
}

/// Expired single-use links, ended sessions, unconfirmed sign-ups, stale
/// uploads and finished jobs (`purge_expired()` says exactly what).
pub const PURGE_EXPIRED: Schedule = Schedule {
    name: "purge_expired",
    every: Duration::from_secs(24 * 60 * 60),
    task: Task::PurgeExpired,
};

/// Task reminders whose time has come, e-mailed to their owners through
/// the outbox (ADR 0028). Every 30 s, checked every 10 s: each goes out
/// within a minute of its time.
pub const SEND_REMINDERS: Schedule = Schedule {
    name: "send_reminders",
    every: Duration::from_secs(30),
    task: Task::SendReminders,
};

/// Records in the trash for 30 days, deleted for good (ADR 0031).
pub const PURGE_TRASH: Schedule = Schedule {
    name: "purge_trash",
    every: Duration::from_secs(24 * 60 * 60),
    task: Task::PurgeTrash,
};

/// Every organization's forecast as it stands, kept for the
/// forecast-accuracy report (ADR 0033).
pub const SNAPSHOT_FORECASTS: Schedule = Schedule {
    name: "snapshot_forecasts",
    every: Duration::from_secs(7 * 24 * 60 * 60),
    task: Task::SnapshotForecasts,
};

/// Reminders queued per run; more wait for the next run (30 s later).
const REMINDERS_PER_RUN: i32 = 5_000;

pub const SCHEDULES: [Schedule; 4] = [PURGE_EXPIRED, SEND_REMINDERS, PURGE_TRASH, SNAPSHOT_FORECASTS];

/// The e-mail of one reminder: links into the app, where the owner is
/// signed in (no token in the mail can act on the task).
fn reminder_email(base_url: &str, due: &DueReminder) -> clearview_kernel::mail::Email {
    let base = base_url.trim_end_matches('/');
    let open_link = format!("{base}/tasks?task={}", due.activity_id);
    let snooze_link = format!("{open_link}&snooze=1");
    clearview_tenancy::task_reminder(&clearview_tenancy::TaskReminder {
        to: &due.owner_email,
        name: &due.owner_name,
        organization: &due.organization_name,
        subject: &due.subject,
        due_at: due.due_at,
        open_link: &open_link,
        snooze_link: &snooze_link,
    })
}

const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5 * 60);

/// Registers every schedule, then every `check` runs those that are due
/// and claimed by this worker, until `shutdown`.
pub async fn run(store: &PgStore, base_url: &str, worker: &str, check: Duration, shutdown: &CancellationToken) {
    for schedule in SCHEDULES {
        if let Err(err) = store.register_schedule(schedule.name, schedule.every).await {
            tracing::warn!(schedule = schedule.name, error = %err, "cannot register the schedule");
        }
    }
    while !shutdown.is_cancelled() {
        for schedule in SCHEDULES {
            match store.claim_schedule(schedule.name, worker).await {
                Ok(true) => {
                    let span = tracing::info_span!("schedule", schedule = schedule.name);
                    run_once(store, base_url, schedule).instrument(span).await;
                }
                Ok(false) => {}
                Err(err) => tracing::warn!(schedule = schedule.name, error = %err, "cannot claim the schedule"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(check) => {}
            _ = shutdown.cancelled() => {}
        }
    }
}

async fn run_once(store: &PgStore, base_url: &str, schedule: Schedule) {
    let started = std::time::Instant::now();
    let outcome = match schedule.task {
        Task::PurgeExpired => store.purge_expired().await.map_err(|e| e.to_string()),
        Task::PurgeTrash => store.purge_trash().await.map_err(|e| e.to_string()),
        Task::SnapshotForecasts => store.snapshot_forecasts().await.map_err(|e| e.to_string()),
        Task::SendReminders => store
            .queue_due_reminders(REMINDERS_PER_RUN, |due| reminder_email(base_url, due))
            .await
            .map_err(|e| e.to_string()),
    };
    match &outcome {
        Ok(result) => tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, %result, "schedule ran"),
        Err(error) => tracing::warn!(%error, "schedule failed; retried in 5 minutes"),
    }
    if let Err(err) = store
        .finish_schedule(schedule.name, &outcome, RETRY_AFTER_FAILURE)
        .await
    {
        tracing::warn!(error = %err, "cannot record the schedule's run");
    }
}

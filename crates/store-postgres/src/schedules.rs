//! Scheduled work over PostgreSQL: a schedule is claimed by moving its
//! `next_run_at` forward in the same statement that checks it is due, so
//! any number of workers run each period at most once.

use crate::db::PgStore;
use std::time::Duration;

impl PgStore {
    /// Makes `name` known (due at once the first time); a changed period
    /// applies from the next run.
    pub async fn register_schedule(&self, name: &str, every: Duration) -> Result<(), sqlx::Error> {
        let seconds = every.as_secs().clamp(1, i32::MAX as u64) as i32;
        sqlx::query(
            "INSERT INTO schedules (name, every_seconds) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET every_seconds = EXCLUDED.every_seconds \
             WHERE schedules.every_seconds <> EXCLUDED.every_seconds",
        )
        .bind(name)
        .bind(seconds)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims `name` for `worker` when it is due; `false` when it is not
    /// (or another worker claimed this period first).
    pub async fn claim_schedule(&self, name: &str, worker: &str) -> Result<bool, sqlx::Error> {
        let claimed = sqlx::query(
            "UPDATE schedules SET next_run_at = now() + make_interval(secs => every_seconds), runs = runs + 1, \
                 last_started_at = now(), last_worker = $2 \
             WHERE name = $1 AND next_run_at <= now()",
        )
        .bind(name)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Records how a run ended; a failed one is tried again after
    /// `retry_in` rather than a whole period later.
    pub async fn finish_schedule(
        &self,
        name: &str,
        outcome: &Result<serde_json::Value, String>,
        retry_in: Duration,
    ) -> Result<(), sqlx::Error> {
        match outcome {
            Ok(result) => sqlx::query(
                "UPDATE schedules SET last_finished_at = now(), last_error = NULL, last_result = $2 WHERE name = $1",
            )
            .bind(name)
            .bind(result),
            Err(error) => sqlx::query(
                "UPDATE schedules SET last_finished_at = now(), last_error = $2, \
                     next_run_at = least(next_run_at, now() + make_interval(secs => $3)) WHERE name = $1",
            )
            .bind(name)
            .bind(error.chars().take(2000).collect::<String>())
            .bind(retry_in.as_secs_f64()),
        }
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes what expired across tenants (`purge_expired()`); returns the
    /// count of rows per kind.
    pub async fn purge_expired(&self) -> Result<serde_json::Value, sqlx::Error> {
        sqlx::query_scalar("SELECT purge_expired()").fetch_one(&self.pool).await
    }
}

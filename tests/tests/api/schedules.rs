//! Scheduled work (issue 10 §1): the daily purge runs once per period
//! however many workers compete for it, and removes what expired while
//! keeping what is still in use.

use clearview_tests::spawn_app;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

async fn schedule(owner: &sqlx::PgPool) -> (i64, Option<chrono::DateTime<chrono::Utc>>) {
    sqlx::query_as("SELECT runs, last_finished_at FROM schedules WHERE name = 'purge_expired'")
        .fetch_optional(owner)
        .await
        .unwrap()
        .unwrap_or((0, None))
}

async fn count(owner: &sqlx::PgPool, sql: &'static str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(owner).await.unwrap()
}

#[tokio::test]
async fn the_daily_purge_runs_once_across_workers_and_removes_only_what_expired() {
    let app = spawn_app().await;
    let admin = app.register("Purge Co").await;
    let owner = &app.owner;
    // The server's worker runs the purge once at start.
    let started = Instant::now();
    while schedule(owner).await.1.is_none() {
        assert!(started.elapsed() < Duration::from_secs(10), "the first purge never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (tenant, user) = (admin.tenant_id, admin.user_id);
    let [
        old_reset,
        live_reset,
        old_session,
        old_invite,
        live_invite,
        old_job,
        recent_job,
        dead_job,
        stale_import,
    ] = [(); 9].map(|_| Uuid::now_v7());
    let token = "sha256(gen_random_uuid()::text::bytea)";
    // Ids are UUIDs (hex and dashes only), so inlining them is safe.
    let plant = format!(
        "INSERT INTO password_resets (id, user_id, token_hash, expires_at) VALUES \
           ('{old_reset}', '{user}', {token}, now() - interval '2 days'), \
           ('{live_reset}', '{user}', {token}, now() + interval '1 hour'); \
         INSERT INTO sessions (tenant_id, id, user_id, expires_at) VALUES \
           ('{tenant}', '{old_session}', '{user}', now() - interval '2 days'); \
         INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at) VALUES \
           ('{tenant}', '{old_invite}', 'old@example.test', 'rep', {token}, '{user}', now() - interval '40 days'), \
           ('{tenant}', '{live_invite}', 'new@example.test', 'rep', {token}, '{user}', now() + interval '6 days'); \
         INSERT INTO jobs (tenant_id, id, kind, payload, max_attempts, state, finished_at) VALUES \
           ('{tenant}', '{old_job}', 'send_email', '{{}}', 3, 'done', now() - interval '8 days'), \
           ('{tenant}', '{recent_job}', 'send_email', '{{}}', 3, 'done', now() - interval '1 day'), \
           ('{tenant}', '{dead_job}', 'send_email', '{{}}', 3, 'dead', now() - interval '30 days'); \
         INSERT INTO imports (tenant_id, id, created_by, mapping, created_at) VALUES \
           ('{tenant}', '{stale_import}', '{user}', '{{}}', now() - interval '8 days'); \
         INSERT INTO import_chunks (tenant_id, import_id, seq, data) VALUES \
           ('{tenant}', '{stale_import}', 0, 'name'::bytea);"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(plant)).execute(owner).await.unwrap();

    // Three workers compete for the next period.
    let stop = CancellationToken::new();
    let mut extra = Vec::new();
    for _ in 0..2 {
        extra.push(clearview_app::start_worker(&app.config, stop.clone()).await.unwrap());
    }
    let (runs_before, finished_before) = schedule(owner).await;
    sqlx::query("UPDATE schedules SET next_run_at = now() WHERE name = 'purge_expired'")
        .execute(owner)
        .await
        .unwrap();
    let started = Instant::now();
    while schedule(owner).await.1 == finished_before {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the forced purge never ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Several check intervals (1 s in tests) pass for every worker.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        schedule(owner).await.0,
        runs_before + 1,
        "one run for the period, not one per worker"
    );
    stop.cancel();
    for worker in extra {
        worker.await.unwrap();
    }

    let exists = |table: &'static str| match table {
        "password_resets" => "SELECT count(*) FROM password_resets WHERE id = $1",
        "sessions" => "SELECT count(*) FROM sessions WHERE id = $1",
        "invitations" => "SELECT count(*) FROM invitations WHERE id = $1",
        "jobs" => "SELECT count(*) FROM jobs WHERE id = $1",
        _ => "SELECT count(*) FROM import_chunks WHERE import_id = $1",
    };
    for (table, id, left) in [
        ("password_resets", old_reset, 0),
        ("password_resets", live_reset, 1),
        ("sessions", old_session, 0),
        ("invitations", old_invite, 0),
        ("invitations", live_invite, 1),
        ("jobs", old_job, 0),
        ("jobs", recent_job, 1),
        ("jobs", dead_job, 1),
        ("import_chunks", stale_import, 0),
    ] {
        assert_eq!(count(owner, exists(table), id).await, left, "{table} {id}");
    }
    let status: String = sqlx::query_scalar("SELECT status FROM imports WHERE id = $1")
        .bind(stale_import)
        .fetch_one(owner)
        .await
        .unwrap();
    assert_eq!(status, "failed", "an upload left unprocessed for a week fails");
    // The admin's own session is live and untouched.
    let mut admin = admin;
    assert_eq!(admin.get("/api/auth/me").await.status, 200);
}

//! `/metrics` (issue 10 §3): Prometheus text on its own listener, never on
//! the public port; request counts and latency by route template, queue
//! depth read from the database at scrape time, rate-limit refusals.
//!
//! The recorder is one per process and these tests share the process with
//! many servers, so recorded counters are checked as lower bounds; gauges
//! read at scrape time come from this test's database and are exact.

use clearview_tests::{AppOptions, Policy, TestApp, generous_limits, spawn_app_with};
use std::time::Duration;

/// A server with a metrics listener; sign-in attempts limited to one a
/// minute under `login_policy` (a name of the test's own: Redis is shared).
async fn app_with_metrics(login_policy: &str) -> TestApp {
    let mut limits = generous_limits();
    limits.login_ip = Policy::new(login_policy, 1, Duration::from_secs(60));
    spawn_app_with(AppOptions {
        metrics_addr: Some("127.0.0.1:0".into()),
        rate_limits: limits,
        ..AppOptions::default()
    })
    .await
    .unwrap()
}

async fn scrape(app: &TestApp) -> String {
    let address = app.metrics_address.as_ref().expect("a metrics listener");
    let response = reqwest::get(format!("{address}/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// The value of the sample whose name and labels are exactly `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_read_the_queue_at_scrape_time() {
    let app = app_with_metrics(&unique("login")).await;
    let mut admin = app.register("Metrics Co").await;
    let contact = admin.contact("Ada", "Lovelace", None).await;
    for _ in 0..3 {
        assert_eq!(admin.get(&format!("/api/contacts/{contact}")).await.status, 200);
    }
    // Two e-mails waiting (not due yet, so no worker takes them; one queued
    // an hour ago) and one dead.
    sqlx::query(
        "INSERT INTO jobs (tenant_id, id, kind, payload, max_attempts, run_at, created_at, state) VALUES \
         ($1, gen_random_uuid(), 'send_email', '{}', 3, now() + interval '1 day', now() - interval '1 hour', 'queued'), \
         ($1, gen_random_uuid(), 'send_email', '{}', 3, now() + interval '1 day', now(), 'queued'), \
         ($1, gen_random_uuid(), 'send_email', '{}', 3, now(), now(), 'dead')",
    )
    .bind(admin.tenant_id)
    .execute(&app.owner)
    .await
    .unwrap();

    let text = scrape(&app).await;
    let reads = r#"clearview_http_requests_total{method="GET",route="/api/contacts/{id}",status="200"}"#;
    assert!(sample(&text, reads).is_some_and(|n| n >= 3.0), "{reads} in:\n{text}");
    assert!(
        text.contains(r#"clearview_http_request_duration_seconds_bucket{method="GET",route="/api/contacts/{id}",status="200",le="0.005"}"#),
        "a latency histogram by route template"
    );
    assert!(!text.contains(&contact.to_string()), "ids never become labels");
    assert_eq!(
        sample(&text, r#"clearview_jobs{kind="send_email",state="queued"}"#),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, r#"clearview_jobs{kind="send_email",state="dead"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"clearview_jobs{kind="import_contacts",state="queued"}"#),
        Some(0.0)
    );
    let oldest = sample(
        &text,
        r#"clearview_jobs_oldest_age_seconds{kind="send_email",state="queued"}"#,
    )
    .unwrap();
    assert!(
        (3590.0..3700.0).contains(&oldest),
        "oldest queued e-mail is an hour old: {oldest}"
    );
    assert_eq!(sample(&text, "clearview_db_pool_max_connections"), Some(4.0));
    assert!(sample(&text, r#"clearview_db_pool_connections{state="in_use"}"#).is_some());
    assert!(text.contains("clearview_build_info{version=\""));
}

#[tokio::test]
async fn rate_limit_refusals_are_counted_by_policy() {
    let policy = unique("login");
    let app = app_with_metrics(&policy).await;
    let mut anonymous = app.anonymous();
    let wrong = serde_json::json!({"email": "nobody@example.test", "password": "wrong password here"});
    let series = format!(r#"clearview_rate_limit_refusals_total{{policy="{policy}"}}"#);
    let series = series.as_str();
    let before = sample(&scrape(&app).await, series).unwrap_or(0.0);
    let mut refused = 0;
    for _ in 0..3 {
        if anonymous.post("/api/auth/login", &wrong).await.status == 429 {
            refused += 1;
        }
    }
    assert!(refused >= 2, "one attempt a minute: the later ones are refused");
    let after = sample(&scrape(&app).await, series).unwrap();
    assert!(after - before >= refused as f64, "{before} → {after}");
}

#[tokio::test]
async fn the_public_port_does_not_serve_metrics() {
    let app = app_with_metrics(&unique("login")).await;
    let response = app.http.get(format!("{}/metrics", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(!response.text().await.unwrap().contains("clearview_http_requests_total"));
}

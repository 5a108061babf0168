//! Invitations and password resets by e-mail through the outbox, against a
//! real SMTP server on loopback: delivery, retries, dead jobs and replay,
//! leases of dead workers, and several workers at once.

use clearview_tests::smtp::{SmtpSink, token_in, unused_port};
use clearview_tests::{AppOptions, TestApp, User, spawn_app_with};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

async fn app_mailing_to(url: String, embedded_worker: bool) -> TestApp {
    spawn_app_with(AppOptions {
        smtp_url: Some(url),
        embedded_worker,
        ..AppOptions::default()
    })
    .await
    .unwrap()
}

async fn invite(admin: &mut User, email: &str, role: &str) -> Value {
    let path = format!("/api/organizations/{}/invite", admin.tenant_id);
    let response = admin.post(&path, &json!({"email": email, "role": role})).await;
    assert_eq!(response.status, 202, "{}", response.body);
    response.json
}

/// Polls the admin's job list until a job in `state` shows up.
async fn job_in_state(admin: &mut User, state: &str) -> Value {
    let started = Instant::now();
    loop {
        let jobs = admin.get(&format!("/api/jobs?state={state}")).await;
        assert_eq!(jobs.status, 200, "{}", jobs.body);
        if let Some(job) = jobs.json["data"].as_array().and_then(|d| d.first()) {
            return job.clone();
        }
        assert!(started.elapsed() < WAIT, "no {state} job appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Another outbox worker, as `clearview worker` would run one.
async fn extra_worker(app: &TestApp) {
    // Runs until the test ends.
    clearview_app::start_worker(&app.config, tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_invited_person_gets_the_email_accepts_and_signs_in_with_the_invited_role() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(sink.url(), true).await;
    let mut admin = app.register_via(&sink, "Acme Sales").await;
    let invited = invite(&mut admin, "newcomer@example.test", "manager").await;
    assert_eq!(invited["email_queued"], true);

    let mail = sink.wait_for(1, WAIT).await;
    assert_eq!(mail.len(), 1, "one e-mail arrives");
    assert!(mail[0].contains("To: newcomer@example.test"));
    assert!(mail[0].contains("Acme Sales"));
    let token = token_in(&mail[0]).expect("a link with a token");

    let mut newcomer = app.anonymous();
    let missing = newcomer.post("/api/invitations/accept", &json!({"token": token})).await;
    assert_eq!(missing.status, 422, "a new identity needs a name and a password");
    assert_eq!(missing.error_fields(), ["name", "password"]);
    let accepted = newcomer
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "name": "Nia", "password": "a long password 1"}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.json["role"], "manager");
    assert_eq!(accepted.json["organization"]["id"], admin.tenant_id.to_string());
    assert_eq!(newcomer.get("/api/auth/me").await.status, 200);

    let again = app
        .anonymous()
        .post("/api/invitations/accept", &json!({"token": token}))
        .await;
    assert_eq!(again.status, 404, "the token is single-use");
    let member_again = admin
        .post(
            &format!("/api/organizations/{}/invite", admin.tenant_id),
            &json!({"email": "NEWCOMER@example.test", "role": "rep"}),
        )
        .await;
    assert_eq!(member_again.status, 409, "already a member");
    let login = app
        .anonymous()
        .post(
            "/api/auth/login",
            &json!({"email": "newcomer@example.test", "password": "a long password 1"}),
        )
        .await;
    assert_eq!(login.status, 200);
}

#[tokio::test]
async fn inviting_a_pending_address_again_sends_nothing_new_and_a_revoked_invitation_cannot_be_used() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(sink.url(), true).await;
    let mut admin = app.register_via(&sink, "Acme").await;
    let first = invite(&mut admin, "twice@example.test", "rep").await;
    let second = invite(&mut admin, "Twice@Example.test", "rep").await;
    assert_eq!(second["email_queued"], false);
    assert_eq!(first["invitation"]["id"], second["invitation"]["id"]);
    let mail = sink.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1, "no duplicate e-mail");

    let list_path = format!("/api/organizations/{}/invitations", admin.tenant_id);
    assert_eq!(admin.get(&list_path).await.json["data"].as_array().unwrap().len(), 1);
    let id = first["invitation"]["id"].as_str().unwrap();
    assert_eq!(admin.delete(&format!("{list_path}/{id}")).await.status, 204);
    assert!(admin.get(&list_path).await.json["data"].as_array().unwrap().is_empty());
    let token = token_in(&mail[0]).unwrap();
    let used = app
        .anonymous()
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "name": "X", "password": "a long password 1"}),
        )
        .await;
    assert_eq!(used.status, 404);
}

#[tokio::test]
async fn with_smtp_down_the_email_is_tried_three_times_then_dead_and_delivered_on_replay() {
    let port = unused_port();
    let app = app_mailing_to(format!("smtp://127.0.0.1:{port}"), true).await;
    let mut admin = app.register("Acme").await;
    invite(&mut admin, "patient@example.test", "viewer").await;

    let dead = job_in_state(&mut admin, "dead").await;
    assert_eq!(dead["attempts"], 3);
    assert_eq!(dead["max_attempts"], 3);
    assert!(dead["last_error"].as_str().is_some_and(|e| !e.is_empty()));
    let invitations = admin
        .get(&format!("/api/organizations/{}/invitations", admin.tenant_id))
        .await;
    assert_eq!(
        invitations.json["data"].as_array().unwrap().len(),
        1,
        "the invitation is intact"
    );

    let mut viewer = app.member(&admin, "viewer").await;
    assert_eq!(viewer.get("/api/jobs?state=dead").await.status, 403);
    let sink = SmtpSink::start_on(port).await;
    let id = dead["id"].as_str().unwrap();
    let retried = admin.post(&format!("/api/jobs/{id}/retry"), &json!({})).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.json["state"], "queued");
    let mail = sink.wait_for(1, WAIT).await;
    assert_eq!(mail.len(), 1);
    let done = job_in_state(&mut admin, "done").await;
    assert_eq!(done["id"], dead["id"]);
    assert_eq!(
        admin.post(&format!("/api/jobs/{id}/retry"), &json!({})).await.status,
        409,
        "only dead jobs"
    );
    // The delivered job no longer holds its single-use link.
    let payload: Value = sqlx::query_scalar("SELECT payload FROM jobs")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(payload, json!({}));
}

#[tokio::test]
async fn a_job_leased_by_a_worker_that_died_is_completed_by_another() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(sink.url(), false).await;
    let mut admin = app.register_via(&sink, "Acme").await;
    invite(&mut admin, "orphan@example.test", "rep").await;
    // A worker claims the job for one second and dies.
    let claimed: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM claim_jobs('crashed-worker', 10, 1, ARRAY['send_email'])")
            .fetch_all(&app.owner)
            .await
            .unwrap();
    assert_eq!(claimed.len(), 1);
    extra_worker(&app).await;
    let mail = sink.wait_for(1, WAIT).await;
    assert_eq!(mail.len(), 1, "the lease ran out and another worker delivered it");
    // The worker records success just after the e-mail is accepted.
    let started = Instant::now();
    let (state, attempts) = loop {
        let row: (String, i32) = sqlx::query_as("SELECT state, attempts FROM jobs")
            .fetch_one(&app.owner)
            .await
            .unwrap();
        if row.0 == "done" || started.elapsed() > WAIT {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!((state.as_str(), attempts), ("done", 2));
}

#[tokio::test]
async fn several_workers_never_send_the_same_email_twice() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(sink.url(), true).await;
    extra_worker(&app).await;
    extra_worker(&app).await;
    let mut admin = app.register_via(&sink, "Acme").await;
    for i in 0..15 {
        invite(&mut admin, &format!("person{i}@example.test"), "rep").await;
    }
    let mail = sink.wait_for(15, WAIT).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let all = sink.messages();
    assert_eq!(mail.len(), 15);
    assert_eq!(all.len(), 15, "exactly one delivery per invitation");
    let mut recipients: Vec<&str> = all
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("To: ")))
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 15);
}

#[tokio::test]
async fn a_password_reset_by_email_sets_the_password_and_ends_every_session() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(sink.url(), true).await;
    let admin = app.register_via(&sink, "Acme").await;
    let old_cookies = admin.cookies.clone();
    let mut anon = app.anonymous();
    assert_eq!(
        anon.post("/api/auth/password-reset", &json!({"email": "nobody@example.test"}))
            .await
            .status,
        202
    );
    assert_eq!(
        anon.post("/api/auth/password-reset", &json!({"email": admin.email}))
            .await
            .status,
        202
    );
    let mail = sink.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1, "no e-mail for an unknown address");
    let token = token_in(&mail[0]).unwrap();

    let weak = anon
        .post(
            "/api/auth/password-reset/confirm",
            &json!({"token": token, "password": "short"}),
        )
        .await;
    assert_eq!(weak.error_fields(), ["password"]);
    let reset = anon
        .post(
            "/api/auth/password-reset/confirm",
            &json!({"token": token, "password": "a brand new password"}),
        )
        .await;
    assert_eq!(reset.status, 204, "{}", reset.body);
    let mut stale = app.anonymous();
    stale.cookies = old_cookies;
    assert_eq!(stale.get("/api/auth/me").await.status, 401, "every session ended");
    let old = anon
        .post(
            "/api/auth/login",
            &json!({"email": admin.email, "password": clearview_tests::PASSWORD}),
        )
        .await;
    assert_eq!(old.status, 401);
    let new = anon
        .post(
            "/api/auth/login",
            &json!({"email": admin.email, "password": "a brand new password"}),
        )
        .await;
    assert_eq!(new.status, 200);
    let reused = anon
        .post(
            "/api/auth/password-reset/confirm",
            &json!({"token": token, "password": "another new password"}),
        )
        .await;
    assert_eq!(reused.status, 404, "single use");
}

#[tokio::test]
async fn a_queued_or_dead_email_holds_no_usable_link_or_address_in_the_database() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_to(sink.url(), false).await;
    let mut admin = app.register_via(&sink, "Acme").await;
    invite(&mut admin, "sealed@example.test", "rep").await;
    let rows: Vec<String> = sqlx::query_scalar("SELECT payload::text FROM jobs")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        !rows[0].contains("token") && !rows[0].contains("sealed@example.test"),
        "{}",
        rows[0]
    );
    // The worker, holding the server's key, still delivers a working link.
    extra_worker(&app).await;
    let mail = sink.wait_for(1, WAIT).await;
    let token = token_in(&mail[0]).unwrap();
    let accepted = app
        .anonymous()
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "name": "Sam", "password": "a long password 1"}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
}

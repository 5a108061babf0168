//! More than one instance (issue 10 §4): two `clearview serve` processes
//! and a separate `clearview worker` behind nginx running the repository's
//! `deploy/nginx.conf` (tests/src/stack.rs), on one database and one Redis.

use clearview_tests::process::{ServerProcess, database_for_processes};
use clearview_tests::smtp::{SmtpSink, unused_port};
use clearview_tests::stack::Stack;
use clearview_tests::{PASSWORD, Policy, TestApp, User};
use serde_json::json;
use std::time::{Duration, Instant};

/// A database with an admin; no server of the test's process serves it
/// afterwards except to sign up (the stack's processes do the rest).
async fn arrange(sink: &SmtpSink, org_api_per_minute: u32) -> (TestApp, User, Stack) {
    let app = database_for_processes(Some(sink.url())).await;
    let mut config = app.config.clone();
    config.rate_limits.organization_api = Policy::new("org_api", org_api_per_minute, Duration::from_secs(60));
    let stack = Stack::start(&config, unused_port()).await;
    let admin = app.register_at(&stack.address(), "Two Instances Co").await;
    (app, admin, stack)
}

#[tokio::test]
async fn a_session_from_one_instance_works_on_the_other_and_a_sign_out_is_refused_at_once_everywhere() {
    let sink = SmtpSink::start().await;
    let (app, admin, stack) = arrange(&sink, 1_000_000).await;
    let (first, second) = (&stack.instances[0].address, &stack.instances[1].address);

    let mut on_first = app.anonymous().at(first);
    let response = on_first
        .post("/api/auth/login", &json!({"email": admin.email, "password": PASSWORD}))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let mut on_second = on_first.at(second);
    assert_eq!(
        on_second.get("/api/auth/me").await.status,
        200,
        "the session made on one works on the other"
    );

    let mut replay = on_second.at(second);
    assert_eq!(on_first.post("/api/auth/logout", &json!({})).await.status, 204);
    assert_eq!(
        replay.get("/api/auth/me").await.status,
        401,
        "signed out on one, refused at once on the other"
    );
    drop(stack);
}

#[tokio::test]
async fn the_organization_budget_is_shared_by_both_instances() {
    let sink = SmtpSink::start().await;
    let (_app, admin, stack) = arrange(&sink, 20).await;
    // nginx spreads these over both instances; each alone would allow 20.
    let mut client = admin.at(&stack.address());
    let mut allowed = 0;
    for _ in 0..45 {
        match client.get("/api/auth/me").await.status {
            200 => allowed += 1,
            429 => break,
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        allowed <= 20,
        "one budget across instances: {allowed} requests were allowed"
    );
    let log = |p: &ServerProcess| p.log_text().matches("/api/auth/me").count();
    assert!(
        log(&stack.instances[0]) > 0 && log(&stack.instances[1]) > 0,
        "both instances served"
    );
}

#[tokio::test]
async fn killing_an_instance_during_a_read_load_loses_no_get_and_the_worker_alone_sends_mail() {
    let sink = SmtpSink::start().await;
    let (app, admin, mut stack) = arrange(&sink, 1_000_000).await;
    let mut client = admin.at(&stack.address());
    let contact = client.contact("Load", "Balanced", None).await;

    let readers: Vec<_> = (0..4)
        .map(|_| {
            let mut reader = client.at(&stack.address());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                let until = Instant::now() + Duration::from_secs(3);
                while Instant::now() < until {
                    statuses.push(reader.get(&format!("/api/contacts/{contact}")).await.status);
                }
                statuses
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    stack.instances[0].kill().await;
    let mut statuses = Vec::new();
    for reader in readers {
        statuses.extend(reader.await.unwrap());
    }
    assert!(statuses.len() > 50, "a steady load: {} reads", statuses.len());
    let failed: Vec<_> = statuses.iter().filter(|s| **s != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {} GETs failed: {failed:?}",
        failed.len(),
        statuses.len()
    );

    // E-mail: the instances run no worker; with the worker stopped nothing
    // is sent, and once it runs it sends.
    stack.worker.kill().await;
    let path = format!("/api/organizations/{}/invite", admin.tenant_id);
    let response = client
        .post(&path, &json!({"email": "via-worker@example.test", "role": "rep"}))
        .await;
    assert_eq!(response.status, 202, "{}", response.body);
    let invitations = || {
        let messages = sink.messages();
        messages
            .iter()
            .filter(|m| m.contains("To: via-worker@example.test"))
            .count()
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(invitations(), 0, "no instance sends mail itself");
    let _worker = ServerProcess::worker(&app.config);
    let started = Instant::now();
    while invitations() == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "the worker delivers");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(invitations(), 1);
}

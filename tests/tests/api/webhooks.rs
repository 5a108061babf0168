//! Outgoing webhooks (issue 11, ADR 0026) against a real receiver on
//! loopback: events written in the same transaction as their cause,
//! Standard Webhooks signatures checked by the reference `standardwebhooks`
//! package from PyPI, retries and the delivery log, redelivery, the SSRF
//! guard, and isolation between organizations.

use clearview_tests::webhook_receiver::{Received, WebhookReceiver};
use clearview_tests::{AppOptions, TestApp, User, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

async fn app_with(receiver: &WebhookReceiver) -> TestApp {
    let options = AppOptions {
        webhook_allow_hosts: vec![receiver.host()],
        ..AppOptions::default()
    };
    spawn_app_with(options).await.expect("the server starts")
}

/// Subscribes; returns the subscription's id and secret.
async fn subscribe(admin: &mut User, url: &str, events: &[&str]) -> (String, String) {
    let created = admin
        .post("/api/webhooks", &json!({"url": url, "events": events}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = created.json["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (created.json["id"].as_str().unwrap().to_owned(), secret)
}

/// Verifies a received request with the reference implementation
/// (`pip install standardwebhooks`), code nobody here wrote.
fn verified_by_reference(secret: &str, request: &Received) -> bool {
    let script = "import json, sys\n\
                  from standardwebhooks.webhooks import Webhook\n\
                  secret, body, headers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])\n\
                  Webhook(secret).verify(body, headers)\n";
    let headers = serde_json::to_string(&request.headers).unwrap();
    // `cargo xtask test` points this at its venv (tests/contract/requirements.txt).
    let python = std::env::var("CLEARVIEW_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(python)
        .args(["-c", script, secret, &request.body, &headers])
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "the standardwebhooks package is missing (cargo xtask test installs it): {stderr}"
    );
    output.status.success()
}

fn body(request: &Received) -> Value {
    serde_json::from_str(&request.body).expect("a JSON body")
}

#[tokio::test]
async fn events_arrive_signed_per_the_standard_and_a_rolled_back_change_sends_nothing() {
    let receiver = WebhookReceiver::start().await;
    let app = app_with(&receiver).await;
    let mut admin = app.register("Hooks Inc").await;
    let (_, secret) = subscribe(
        &mut admin,
        &receiver.url("/hook"),
        &["contact.created", "contact.updated"],
    )
    .await;

    let contact = admin.contact("Ada", "Lovelace", Some("ada@hooks.test")).await;
    // A duplicate e-mail is refused: its transaction rolls back, no event.
    let refused = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "Dup", "last_name": "Licate", "email": "ada@hooks.test"}),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    let renamed = admin
        .patch(&format!("/api/contacts/{contact}"), &json!({"title": "Countess"}))
        .await;
    assert_eq!(renamed.status, 200);

    let received = receiver.wait_for(2, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 2, "nothing for the rolled-back insert");
    let created = received.iter().find(|r| body(r)["type"] == "contact.created").unwrap();
    assert_eq!(created.path, "/hook");
    assert_eq!(body(created)["data"]["id"], contact.to_string());
    assert_eq!(body(created)["data"]["first_name"], "Ada");
    assert!(body(created)["data"].get("tenant_id").is_none());
    assert!(body(created)["timestamp"].is_string());
    for request in &received {
        assert!(request.headers["webhook-signature"].starts_with("v1,"));
        assert!(
            verified_by_reference(&secret, request),
            "the reference library accepts it"
        );
        let mut tampered = request.clone();
        tampered.body = tampered.body.replace("Ada", "Eve");
        assert!(!verified_by_reference(&secret, &tampered), "and refuses a changed body");
    }
    let updated = received.iter().find(|r| body(r)["type"] == "contact.updated").unwrap();
    assert_eq!(body(updated)["data"]["title"], "Countess");
}

#[tokio::test]
async fn a_failing_receiver_is_retried_logged_and_can_be_sent_again() {
    let receiver = WebhookReceiver::start().await;
    let app = app_with(&receiver).await;
    let mut admin = app.register("Hooks Inc").await;
    let (hook, _) = subscribe(&mut admin, &receiver.url("/flaky"), &["company.created"]).await;
    receiver.answer_with(&[503]);
    admin.company("Initech", None).await;

    // The first attempt fails; the retry comes 5 s later and succeeds.
    let received = receiver.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(
        received[0].headers["webhook-id"], received[1].headers["webhook-id"],
        "the same message id on every attempt"
    );
    let log = deliveries_when(&mut admin, &hook, |d| d["state"] == "delivered").await;
    let delivery = &log[0];
    assert_eq!(
        (delivery["attempts"].as_i64(), delivery["response_code"].as_i64()),
        (Some(2), Some(204))
    );
    assert_eq!(delivery["event_type"], "company.created");

    let path = format!(
        "/api/webhooks/{hook}/deliveries/{}/redeliver",
        delivery["id"].as_str().unwrap()
    );
    let again = admin.post(&path, &json!({})).await;
    assert_eq!(again.status, 202, "{}", again.body);
    let received = receiver.wait_for(3, Duration::from_secs(15)).await;
    assert_eq!(received[2].headers["webhook-id"], received[0].headers["webhook-id"]);
    assert_eq!(received[2].body, received[0].body, "the same event");
}

/// Polls the delivery log until its newest entry satisfies `done`.
async fn deliveries_when(admin: &mut User, hook: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    for _ in 0..100 {
        let log = admin.get(&format!("/api/webhooks/{hook}/deliveries")).await;
        assert_eq!(log.status, 200, "{}", log.body);
        let entries = log.json["data"].as_array().unwrap().clone();
        if entries.first().is_some_and(&done) {
            return entries;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the delivery log never showed the expected state");
}

#[tokio::test]
async fn deal_moves_emit_stage_changed_and_won() {
    let receiver = WebhookReceiver::start().await;
    let app = app_with(&receiver).await;
    let mut admin = app.register("Hooks Inc").await;
    subscribe(&mut admin, &receiver.url("/deals"), &["deal.stage_changed", "deal.won"]).await;
    let deal = admin
        .post(
            "/api/deals",
            &json!({"title": "Big", "amount": "1000", "currency": "EUR"}),
        )
        .await;
    assert_eq!(deal.status, 201, "{}", deal.body);
    let pipeline = admin
        .get(&format!(
            "/api/pipelines/{}",
            deal.json["pipeline_id"].as_str().unwrap()
        ))
        .await;
    let stages = pipeline.json["stages"].as_array().unwrap();
    let won = stages.iter().find(|s| s["kind"] == "won").unwrap()["id"].clone();
    let moved = admin
        .patch(&format!("/api/deals/{}", deal.id()), &json!({"stage_id": won}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let received = receiver.wait_for(2, Duration::from_secs(15)).await;
    let mut types: Vec<String> = received
        .iter()
        .map(|r| body(r)["type"].as_str().unwrap().to_owned())
        .collect();
    types.sort();
    assert_eq!(types, ["deal.stage_changed", "deal.won"]);
    let changed = received
        .iter()
        .find(|r| body(r)["type"] == "deal.stage_changed")
        .unwrap();
    assert_eq!(body(changed)["data"]["previous_stage_id"], deal.json["stage_id"]);
    assert_eq!(body(changed)["data"]["amount"], "1000", "money as exact decimal text");
}

#[tokio::test]
async fn private_loopback_and_plain_urls_are_refused_naming_url() {
    let app = spawn_app().await;
    let mut admin = app.register("Hooks Inc").await;
    for url in [
        "http://127.0.0.1:9/",
        "http://[::1]:9/",
        "http://0.0.0.0:9/",
        "http://2130706433:9/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://localhost:9/",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/",
        "ftp://example.com/",
    ] {
        let refused = admin
            .post("/api/webhooks", &json!({"url": url, "events": ["deal.won"]}))
            .await;
        assert_eq!(refused.status, 422, "{url}: {}", refused.body);
        assert_eq!(refused.error_fields(), ["url"], "{url}");
    }
    let unknown = admin
        .post(
            "/api/webhooks",
            &json!({"url": "http://127.0.0.1:9/", "events": ["deal.exploded"]}),
        )
        .await;
    assert_eq!(unknown.error_fields(), ["url", "events"]);
    assert_eq!(admin.get("/api/webhooks").await.json["data"], json!([]));
}

#[tokio::test]
async fn only_admins_see_webhooks_and_another_organizations_are_404() {
    let receiver = WebhookReceiver::start().await;
    let app = app_with(&receiver).await;
    let mut a = app.register("Tenant A").await;
    let mut b = app.register("Tenant B").await;
    let mut rep = app.member(&a, "rep").await;
    assert_eq!(rep.get("/api/webhooks").await.status, 403);
    let (b_hook, _) = subscribe(&mut b, &receiver.url("/b"), &["company.created"]).await;
    b.company("B Corp", None).await;
    receiver.wait_for(1, Duration::from_secs(15)).await;
    let b_log = deliveries_when(&mut b, &b_hook, |d| d["state"] == "delivered").await;
    let b_delivery = b_log[0]["id"].as_str().unwrap();

    assert_eq!(a.get("/api/webhooks").await.json["data"], json!([]));
    assert_eq!(a.get(&format!("/api/webhooks/{b_hook}/deliveries")).await.status, 404);
    let redeliver = format!("/api/webhooks/{b_hook}/deliveries/{b_delivery}/redeliver");
    assert_eq!(a.post(&redeliver, &json!({})).await.status, 404);
    assert_eq!(a.delete(&format!("/api/webhooks/{b_hook}")).await.status, 404);
    // A's own records never reach B's subscription.
    a.company("A Corp", None).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(
        b.get("/api/webhooks").await.json["data"].as_array().unwrap().len(),
        1,
        "B's is untouched"
    );
    assert_eq!(b.delete(&format!("/api/webhooks/{b_hook}")).await.status, 204);
}

#[tokio::test]
async fn an_import_sends_one_import_finished_instead_of_an_event_per_row() {
    let receiver = WebhookReceiver::start().await;
    let app = app_with(&receiver).await;
    let mut admin = app.register("Hooks Inc").await;
    subscribe(
        &mut admin,
        &receiver.url("/bulk"),
        &["contact.created", "import.finished"],
    )
    .await;
    let csv = "first_name,last_name,email\nAda,Lovelace,ada@bulk.test\nGrace,Hopper,grace@bulk.test\n";
    let done = clearview_tests::imports::import(&mut admin, "", csv).await;
    assert_eq!(done["status"], "done", "{done}");

    let received = receiver.wait_for(1, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 1, "no event per imported row");
    let event = body(&received[0]);
    assert_eq!(event["type"], "import.finished");
    assert_eq!(event["data"]["id"], done["id"]);
    assert_eq!(event["data"]["created"], 2);
    // A contact created by hand afterwards is an event again.
    admin.contact("Hand", "Made", None).await;
    let received = receiver.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(body(&received[1])["type"], "contact.created");
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
    let receiver = WebhookReceiver::start().await;
    let app = app_with(&receiver).await;
    let mut admin = app.register("Hooks Inc").await;
    let (hook, old) = subscribe(&mut admin, &receiver.url("/rot"), &["company.created"]).await;
    let rotated = admin
        .post(&format!("/api/webhooks/{hook}/rotate-secret"), &json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.json["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated.json["previous_secret_until"].is_string());

    admin.company("During", None).await;
    let received = receiver.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(received[0].headers["webhook-signature"].split(' ').count(), 2);
    assert!(verified_by_reference(&new, &received[0]), "the new secret verifies");
    assert!(verified_by_reference(&old, &received[0]), "the old one still does");

    // A day later only the new secret signs.
    sqlx::query("UPDATE webhooks SET previous_until = now() - interval '1 second'")
        .execute(&app.owner)
        .await
        .unwrap();
    admin.company("After", None).await;
    let received = receiver.wait_for(2, Duration::from_secs(15)).await;
    assert!(verified_by_reference(&new, &received[1]));
    assert!(!verified_by_reference(&old, &received[1]), "the old secret has expired");
    let mut other = app.register("Other Org").await;
    let path = format!("/api/webhooks/{hook}/rotate-secret");
    assert_eq!(
        other.post(&path, &json!({})).await.status,
        404,
        "another organization's"
    );
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_disabled_its_admins_are_told_and_it_can_be_turned_on() {
    let receiver = WebhookReceiver::start().await;
    let app = app_with(&receiver).await;
    let mut admin = app.register("Hooks Inc").await;
    let (hook, _) = subscribe(&mut admin, &receiver.url("/down"), &["company.created"]).await;
    // 49 failures already: the next one is the 50th.
    sqlx::query("UPDATE webhooks SET failure_streak = 49")
        .execute(&app.owner)
        .await
        .unwrap();
    receiver.answer_with(&[500]);
    admin.company("Fails", None).await;
    receiver.wait_for(1, Duration::from_secs(15)).await;
    let listed = loop_until_disabled(&mut admin).await;
    assert_eq!(listed["failure_streak"], 50);
    let mail = app.mail_to(&admin.email, "stopped sending webhooks", None).await;
    assert!(mail.contains(&receiver.url("/down")), "{mail}");
    assert!(mail.contains("/settings/webhooks"), "{mail}");

    // While disabled nothing is queued for it.
    admin.company("Ignored", None).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let log = admin.get(&format!("/api/webhooks/{hook}/deliveries")).await;
    assert_eq!(log.json["data"].as_array().unwrap().len(), 1);

    let enabled = admin.post(&format!("/api/webhooks/{hook}/enable"), &json!({})).await;
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    assert!(enabled.json["disabled_at"].is_null());
    assert_eq!(enabled.json["failure_streak"], 0);
    admin.company("Back", None).await;
    let received = receiver.wait_for(2, Duration::from_secs(15)).await;
    assert_eq!(body(&received[1])["data"]["name"], "Back");
}

async fn loop_until_disabled(admin: &mut User) -> Value {
    for _ in 0..100 {
        let listed = admin.get("/api/webhooks").await;
        let hook = listed.json["data"][0].clone();
        if hook["disabled_at"].is_string() {
            return hook;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the endpoint was never disabled");
}

//! Redis as the fast path, each test on a Redis server of its own: an
//! authenticated request costs one Redis command (issue 10 §6), and a
//! Redis that dies in the middle of traffic degrades service without a
//! single 5xx, then takes up its work again when it returns (ADR 0003).

use clearview_tests::redis_server::OwnRedis;
use clearview_tests::{AppOptions, PASSWORD, TestApp, User, spawn_app_with};
use serde_json::json;

async fn app_on(redis: &OwnRedis) -> TestApp {
    spawn_app_with(AppOptions {
        redis_url: Some(redis.url()),
        ..AppOptions::default()
    })
    .await
    .unwrap()
}

async fn second_session(app: &TestApp, email: &str) -> User {
    let mut user = app.anonymous();
    let response = user
        .post("/api/auth/login", &json!({"email": email, "password": PASSWORD}))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    user
}

#[tokio::test]
async fn an_authenticated_read_by_id_costs_exactly_one_redis_command() {
    let redis = OwnRedis::start().await;
    let app = app_on(&redis).await;
    let mut rep = app.register("Acme").await;
    let contact = rep.contact("Ada", "Lovelace", None).await;
    let path = format!("/api/contacts/{contact}");
    // The first read finds the denylist's completeness marker missing and
    // re-warms the list; the steady state starts after it.
    assert_eq!(rep.get(&path).await.status, 200);
    assert!(redis.command("CONFIG RESETSTAT").await.unwrap().contains("OK"));

    for _ in 0..50 {
        assert_eq!(rep.get(&path).await.status, 200);
    }

    // Redis counts the commands a script runs inside it too: per request
    // the admission script runs EXISTS twice (marker, denial), TIME, GET
    // and SET. Anything a client sent besides the script (a pool's PING or
    // UNWATCH, a separate EXISTS) would show above these counts.
    let mut calls = redis.command_calls().await;
    calls.retain(|(name, _)| name != "config|resetstat");
    calls.sort();
    let expected = [("evalsha", 50), ("exists", 100), ("get", 50), ("set", 50), ("time", 50)];
    assert_eq!(
        calls,
        expected.map(|(name, n)| (name.to_owned(), n)),
        "one script per request and nothing else"
    );
}

#[tokio::test]
async fn while_redis_is_down_requests_go_on_and_sign_outs_still_hold_then_it_takes_over_again() {
    let mut redis = OwnRedis::start().await;
    let app = app_on(&redis).await;
    let mut rep = app.register("Acme").await;
    let contact = rep.contact("Ada", "Lovelace", None).await;
    let path = format!("/api/contacts/{contact}");
    let mut leaving = second_session(&app, &rep.email).await;
    assert_eq!(leaving.get(&path).await.status, 200);

    redis.stop();
    for _ in 0..20 {
        let read = rep.get(&path).await;
        assert_eq!(read.status, 200, "degraded, not failed: {}", read.body);
    }
    // A sign-out while Redis is down is enforced by the database at once.
    let cookies = leaving.cookies.clone();
    assert_eq!(leaving.post("/api/auth/logout", &json!({})).await.status, 204);
    leaving.cookies = cookies; // replayed, as a thief would
    assert_eq!(leaving.get(&path).await.status, 401);

    redis.restart().await;
    // The restarted Redis is empty: the denylist is re-warmed from the
    // database, so the session ended during the outage stays ended.
    // The limiter leaves a failed Redis alone for 5 s (BACKOFF), then the
    // first request re-warms the list.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        assert_eq!(rep.get(&path).await.status, 200);
        assert_eq!(leaving.get(&path).await.status, 401, "the ended session stays ended");
        if redis.command("EXISTS cv:denied:complete").await.unwrap().contains(":1") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the denylist was never re-warmed into the new Redis"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(leaving.get(&path).await.status, 401, "refused by the re-warmed list");
    // And Redis counts the budget again (one script per request).
    redis.command("CONFIG RESETSTAT").await.unwrap();
    assert_eq!(rep.get(&path).await.status, 200);
    let calls = redis.command_calls().await;
    assert!(calls.contains(&("evalsha".to_owned(), 1)), "{calls:?}");
}

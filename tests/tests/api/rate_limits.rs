//! Abuse protection: login limits per client address and per account, the
//! per-organization budget, 429 + `Retry-After` + `RateLimit` headers, the
//! in-process fallback when Redis is down, and limits shared by instances.

use clearview_tests::{AppOptions, Policy, RateLimitSettings, generous_limits, spawn_app_with};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery staple";

fn with_limits(change: impl FnOnce(&mut RateLimitSettings)) -> AppOptions {
    let mut rate_limits = generous_limits();
    change(&mut rate_limits);
    AppOptions {
        rate_limits,
        ..AppOptions::default()
    }
}

fn assert_limited(response: &clearview_tests::Response) {
    assert_eq!(response.status, 429, "{}", response.body);
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(response.json["status"], 429);
    let retry_after: u64 = response
        .header("retry-after")
        .expect("Retry-After on a 429")
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry_after >= 1);
}

#[tokio::test]
async fn login_is_limited_per_client_address_with_headers_and_recovers_after_the_window() {
    // A unique policy name keeps this test's key in the shared Redis apart
    // from every other test signing in from 127.0.0.1.
    let name = format!("login-ip-{}", Uuid::new_v4().simple());
    let options = with_limits(|l| l.login_ip = Policy::new(name.clone(), 3, Duration::from_secs(2)));
    let app = spawn_app_with(options).await.unwrap();
    let admin = app.register("Acme").await;
    let mut client = app.anonymous();

    for remaining in [2, 1, 0] {
        let wrong = client
            .post(
                "/api/auth/login",
                &json!({"email": admin.email, "password": "wrong password"}),
            )
            .await;
        assert_eq!(wrong.status, 401);
        let policy = wrong.header("ratelimit-policy").expect("RateLimit-Policy");
        assert!(policy.contains(&format!("\"{name}\";q=3;w=2")), "{policy}");
        assert!(policy.contains("\"login-email\";q=1000000;w=900"), "{policy}");
        let state = wrong.header("ratelimit").expect("RateLimit");
        assert!(state.starts_with(&format!("\"{name}\";r={remaining};t=")), "{state}");
    }

    // Blocked before the password is looked at: even the right one is 429.
    let blocked = client
        .post("/api/auth/login", &json!({"email": admin.email, "password": PASSWORD}))
        .await;
    assert_limited(&blocked);
    assert!(blocked.set_cookie("__Host-cv_access").is_none());
    let state = blocked.header("ratelimit").expect("RateLimit on a 429");
    assert!(state.starts_with(&format!("\"{name}\";r=0;t=")), "{state}");
    assert!(blocked.header("ratelimit-policy").is_some());

    let wait: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!(wait <= 2, "Retry-After {wait} within the 2 s window");
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(50)).await;
    let again = client
        .post("/api/auth/login", &json!({"email": admin.email, "password": PASSWORD}))
        .await;
    assert_eq!(again.status, 200, "recovered after Retry-After: {}", again.body);
}

#[tokio::test]
async fn login_is_limited_per_account_whatever_the_case_of_the_email() {
    let options = with_limits(|l| l.login_email = Policy::new("login-email", 2, Duration::from_secs(60)));
    let app = spawn_app_with(options).await.unwrap();
    let admin = app.register("Acme").await;
    let other = app.register("Other").await;
    let mut client = app.anonymous();

    let attempts = [admin.email.clone(), format!("  {}  ", admin.email.to_uppercase())];
    for email in attempts {
        let wrong = client
            .post(
                "/api/auth/login",
                &json!({"email": email, "password": "wrong password"}),
            )
            .await;
        assert_eq!(wrong.status, 401, "{}", wrong.body);
    }
    let blocked = client
        .post("/api/auth/login", &json!({"email": admin.email, "password": PASSWORD}))
        .await;
    assert_limited(&blocked);
    assert!(
        blocked.header("ratelimit").unwrap().contains("\"login-email\";r=0;t="),
        "{:?}",
        blocked.header("ratelimit")
    );

    // Another account from the same address is not affected.
    let fine = client
        .post("/api/auth/login", &json!({"email": other.email, "password": PASSWORD}))
        .await;
    assert_eq!(fine.status, 200, "{}", fine.body);
}

#[tokio::test]
async fn the_organization_budget_trips_for_one_organization_only_and_logout_still_works() {
    let options = with_limits(|l| l.organization_api = Policy::new("org-api", 5, Duration::from_secs(60)));
    let app = spawn_app_with(options).await.unwrap();
    let mut busy = app.register("Busy").await;
    let mut calm = app.register("Calm").await;

    for remaining in (0..5).rev() {
        let ok = busy.get("/api/contacts").await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.header("ratelimit-policy").as_deref(), Some("\"org-api\";q=5;w=60"));
        let state = ok.header("ratelimit").unwrap();
        assert!(state.starts_with(&format!("\"org-api\";r={remaining};t=")), "{state}");
    }
    let limited = busy.get("/api/contacts").await;
    assert_limited(&limited);
    assert_eq!(
        busy.get("/api/auth/me").await.status,
        429,
        "every route shares the budget"
    );

    // The other organization keeps its own budget.
    let calm_response = calm.get("/api/contacts").await;
    assert_eq!(calm_response.status, 200);
    assert!(
        calm_response
            .header("ratelimit")
            .unwrap()
            .starts_with("\"org-api\";r=4;")
    );

    // Signing out is never refused, and still revokes at once.
    let before = busy.cookies.clone();
    assert_eq!(busy.post("/api/auth/logout", &json!({})).await.status, 204);
    let mut replay = app.anonymous();
    replay.cookies = before;
    assert_eq!(replay.get("/api/auth/me").await.status, 401);
    // Unauthenticated requests carry no organization headers.
    assert!(app.anonymous().get("/api/contacts").await.header("ratelimit").is_none());
}

#[tokio::test]
async fn with_redis_unreachable_limits_still_apply_in_process_and_requests_succeed() {
    let mut options = with_limits(|l| {
        l.login_email = Policy::new("login-email", 2, Duration::from_secs(60));
        l.organization_api = Policy::new("org-api", 3, Duration::from_secs(60));
    });
    options.redis_url = Some("redis://127.0.0.1:1".into());
    let app = spawn_app_with(options).await.unwrap();
    let mut admin = app.register("Acme").await;

    for _ in 0..2 {
        let wrong = app
            .anonymous()
            .post(
                "/api/auth/login",
                &json!({"email": admin.email, "password": "wrong password"}),
            )
            .await;
        assert_eq!(wrong.status, 401);
    }
    let blocked = app
        .anonymous()
        .post("/api/auth/login", &json!({"email": admin.email, "password": PASSWORD}))
        .await;
    assert_limited(&blocked);

    for _ in 0..3 {
        assert_eq!(admin.get("/api/contacts").await.status, 200);
    }
    assert_limited(&admin.get("/api/contacts").await);
}

#[tokio::test]
async fn two_instances_sharing_redis_share_the_login_limit() {
    let options = with_limits(|l| l.login_email = Policy::new("login-email", 3, Duration::from_secs(60)));
    let first = spawn_app_with(options.clone()).await.unwrap();
    let second = spawn_app_with(options).await.unwrap();
    let admin = first.register("Acme").await;

    for _ in 0..3 {
        let wrong = first
            .anonymous()
            .post(
                "/api/auth/login",
                &json!({"email": admin.email, "password": "wrong password"}),
            )
            .await;
        assert_eq!(wrong.status, 401);
    }
    // The second instance has never seen this email, yet refuses it: the
    // count lives in Redis, not in either process.
    let on_second = second
        .anonymous()
        .post("/api/auth/login", &json!({"email": admin.email, "password": PASSWORD}))
        .await;
    assert_limited(&on_second);
}

#[tokio::test]
async fn a_stranger_spending_the_sign_in_limit_locks_out_only_themselves() {
    let options = with_limits(|l| {
        l.login_email = Policy::new("login-email", 2, Duration::from_secs(60));
        l.trust_proxy_headers = true;
    });
    let app = spawn_app_with(options).await.unwrap();
    let admin = app.register("Acme").await;
    let login = |password: &'static str, address: &'static str| {
        let mut client = app.anonymous();
        let email = admin.email.clone();
        async move {
            client
                .send(
                    reqwest::Method::POST,
                    "/api/auth/login",
                    Some(&json!({"email": email, "password": password})),
                    &[("X-Forwarded-For", address)],
                )
                .await
        }
    };
    for _ in 0..2 {
        assert_eq!(login("wrong password", "203.0.113.9").await.status, 401);
    }
    assert_limited(&login("wrong password", "203.0.113.9").await);
    let owner = login(PASSWORD, "198.51.100.7").await;
    assert_eq!(
        owner.status, 200,
        "the owner signs in from their own address: {}",
        owner.body
    );
}

#[tokio::test]
async fn a_member_who_may_not_invite_cannot_spend_the_invitation_budget() {
    let options =
        with_limits(|l| l.invitation_organization = Policy::new("invitation-org", 2, Duration::from_secs(3600)));
    let app = spawn_app_with(options).await.unwrap();
    let mut admin = app.register("Acme").await;
    let mut viewer = app.member(&admin, "viewer").await;
    let path = format!("/api/organizations/{}/invite", admin.tenant_id);
    for i in 0..5 {
        let refused = viewer
            .post(&path, &json!({"email": format!("v{i}@x.test"), "role": "rep"}))
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    for i in 0..2 {
        let sent = admin
            .post(&path, &json!({"email": format!("a{i}@x.test"), "role": "rep"}))
            .await;
        assert_eq!(sent.status, 202, "the admin's budget is whole: {}", sent.body);
    }
}

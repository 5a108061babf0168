//! Sign-up, sign-in, refresh rotation, reuse detection and logout.

use clearview_tests::smtp::token_in;
use clearview_tests::{AppOptions, spawn_app, spawn_app_with};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn a_confirmed_sign_up_signs_in_with_httponly_secure_lax_cookies_and_no_token_in_the_body() {
    let app = spawn_app().await;
    let mut user = app.anonymous();
    let started = user
        .post(
            "/api/auth/register",
            &json!({"organization_name": "Acme", "name": "Ada", "email": "ada@acme.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(started.status, 202, "{}", started.body);
    assert!(
        started.set_cookie("__Host-cv_access").is_none(),
        "no session before the address is proven"
    );
    let token = token_in(&app.mail_to("ada@acme.test", "/verify-email?token=", None).await).unwrap();
    let response = user
        .post("/api/auth/verify-email", &json!({"token": token, "password": PASSWORD}))
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert!(response.header("location").unwrap().starts_with("/api/organizations/"));
    for name in ["__Host-cv_access", "cv_refresh"] {
        let cookie = response.set_cookie(name).expect("cookie set");
        for flag in ["HttpOnly", "Secure", "SameSite=Lax"] {
            assert!(cookie.contains(flag), "{name} lacks {flag}: {cookie}");
        }
        assert!(
            !response.body.contains(&user.cookies[name]),
            "a token leaked into the body"
        );
    }
    let access = response.set_cookie("__Host-cv_access").unwrap();
    assert!(
        access.contains("Max-Age=900"),
        "access lifetime is at most 15 minutes: {access}"
    );

    let me = user.get("/api/auth/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json["role"], "admin");
    assert_eq!(me.json["organization"]["name"], "Acme");
    assert_eq!(me.json["user"]["email"], "ada@acme.test");
}

#[tokio::test]
async fn registration_names_every_invalid_field_and_refuses_long_passwords_instead_of_truncating() {
    let app = spawn_app().await;
    let mut anon = app.anonymous();
    let response = anon
        .post(
            "/api/auth/register",
            &json!({"organization_name": " ", "name": "Ada", "email": "nope", "password": "short"}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["organization_name", "email", "password"]);

    let long = "a".repeat(129);
    let response = anon
        .post(
            "/api/auth/register",
            &json!({"organization_name": "Acme", "name": "Ada", "email": "ada@acme.test", "password": long}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["password"]);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    let admin = app.register("Acme").await;
    let wrong = app
        .anonymous()
        .post(
            "/api/auth/login",
            &json!({"email": admin.email, "password": "not the password"}),
        )
        .await;
    let unknown = app
        .anonymous()
        .post(
            "/api/auth/login",
            &json!({"email": "ghost@nowhere.test", "password": "not the password"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.json["detail"], unknown.json["detail"]);
    assert!(wrong.set_cookie("__Host-cv_access").is_none());
}

#[tokio::test]
async fn a_person_in_two_organizations_chooses_one_at_login() {
    let app = spawn_app().await;
    let first = app.register("First Org").await;
    let second = app.register("Second Org").await;
    app.add_membership(second.tenant_id, first.user_id, "viewer").await;

    let mut person = app.anonymous();
    let ambiguous = person
        .post("/api/auth/login", &json!({"email": first.email, "password": PASSWORD}))
        .await;
    assert_eq!(ambiguous.status, 409);
    assert_eq!(ambiguous.json["organizations"].as_array().unwrap().len(), 2);

    let chosen = person
        .post(
            "/api/auth/login",
            &json!({"email": first.email, "password": PASSWORD, "organization_id": second.tenant_id}),
        )
        .await;
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    let me = person.get("/api/auth/me").await;
    assert_eq!(me.json["organization"]["id"], second.tenant_id.to_string());
    assert_eq!(me.json["role"], "viewer");
}

#[tokio::test]
async fn refresh_rotates_and_replaying_a_rotated_token_revokes_the_whole_session() {
    let app = spawn_app().await;
    let mut user = app.register("Acme").await;
    let stolen = user.cookies.clone();

    let rotated = user.post("/api/auth/refresh", &json!({})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_ne!(user.cookies["cv_refresh"], stolen["cv_refresh"]);
    assert_ne!(user.cookies["__Host-cv_access"], stolen["__Host-cv_access"]);
    assert_eq!(user.get("/api/auth/me").await.status, 200);

    // The thief replays the old refresh token: the family dies.
    let mut thief = app.anonymous();
    thief.cookies = stolen;
    assert_eq!(thief.post("/api/auth/refresh", &json!({})).await.status, 401);
    assert_eq!(user.post("/api/auth/refresh", &json!({})).await.status, 401);
    assert_eq!(user.get("/api/auth/me").await.status, 401);
}

#[tokio::test]
async fn logout_revokes_the_session_at_once() {
    let app = spawn_app().await;
    let mut user = app.register("Acme").await;
    let before = user.cookies.clone();
    assert_eq!(user.post("/api/auth/logout", &json!({})).await.status, 204);
    assert!(user.cookies.is_empty(), "logout clears the cookies");

    let mut replay = app.anonymous();
    replay.cookies = before;
    let response = replay.get("/api/auth/me").await;
    assert_eq!(response.status, 401);
    assert_eq!(response.header("content-type").unwrap(), "application/problem+json");
    assert_eq!(replay.post("/api/auth/refresh", &json!({})).await.status, 401);
}

#[tokio::test]
async fn logout_still_revokes_at_once_when_redis_is_unreachable() {
    let options = AppOptions {
        redis_url: Some("redis://127.0.0.1:1".into()),
        ..AppOptions::default()
    };
    let app = spawn_app_with(options).await.unwrap();
    let mut user = app.register("Acme").await;
    assert_eq!(user.get("/api/auth/me").await.status, 200);
    let before = user.cookies.clone();
    assert_eq!(user.post("/api/auth/logout", &json!({})).await.status, 204);
    let mut replay = app.anonymous();
    replay.cookies = before;
    assert_eq!(replay.get("/api/auth/me").await.status, 401);
    let ready = app.anonymous().get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json["redis"], "unavailable (degraded)");
}

#[tokio::test]
async fn a_forged_or_missing_access_token_is_401() {
    let app = spawn_app().await;
    let mut user = app.register("Acme").await;
    let token = user.cookies["__Host-cv_access"].clone();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[2] = "AAAA".into();
    user.cookies.insert("__Host-cv_access".into(), parts.join("."));
    assert_eq!(user.get("/api/auth/me").await.status, 401);
    assert_eq!(app.anonymous().get("/api/contacts").await.status, 401);
}

#[tokio::test]
async fn signing_out_after_the_access_cookie_expired_still_ends_the_session_of_the_refresh_cookie() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let refresh = admin.cookies["cv_refresh"].clone();
    // The browser dropped the expired access cookie; only the refresh one is sent.
    admin.cookies.remove("__Host-cv_access");
    assert_eq!(admin.post("/api/auth/logout", &json!({})).await.status, 204);
    let mut thief = app.anonymous();
    thief.cookies.insert("cv_refresh".into(), refresh);
    assert_eq!(thief.post("/api/auth/refresh", &json!({})).await.status, 401);
}

#[tokio::test]
async fn cross_site_unsafe_requests_are_refused_by_fetch_metadata_and_api_answers_are_not_stored() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let body = json!({"first_name": "Grace", "last_name": "Hopper"});
    for (site, expected) in [
        ("cross-site", 403),
        ("same-site", 403),
        ("same-origin", 201),
        ("none", 201),
    ] {
        let response = admin
            .send(
                reqwest::Method::POST,
                "/api/contacts",
                Some(&body),
                &[("Sec-Fetch-Site", site)],
            )
            .await;
        assert_eq!(response.status, expected, "Sec-Fetch-Site: {site}");
    }
    let allowed_sibling = admin
        .send(
            reqwest::Method::POST,
            "/api/contacts",
            Some(&body),
            &[("Sec-Fetch-Site", "same-site"), ("Origin", "http://127.0.0.1:8080")],
        )
        .await;
    assert_eq!(allowed_sibling.status, 201, "a same-site origin that is allowed passes");
    let me = admin.get("/api/auth/me").await;
    assert_eq!(me.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(me.header("x-content-type-options").as_deref(), Some("nosniff"));
}

#[tokio::test]
async fn the_access_cookie_is_host_prefixed_and_a_planted_unprefixed_one_is_ignored() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let token = admin
        .cookies
        .remove("__Host-cv_access")
        .expect("a __Host- access cookie");
    // A sibling subdomain or a plain-HTTP attacker can set `cv_access`, not
    // a `__Host-` cookie: the server reads only the prefixed one.
    admin.cookies.insert("cv_access".into(), token);
    admin.cookies.remove("cv_refresh");
    assert_eq!(admin.get("/api/auth/me").await.status, 401);
}

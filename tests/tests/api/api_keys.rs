//! API keys (issue 11, ADR 0025): created by admins with the secret shown
//! once, used as `Authorization: Bearer` on the API, revoked at once,
//! bounded by role, scope, expiry and their creator's membership, audited,
//! limited by their own budget, and isolated between organizations.

use clearview_tests::{AppOptions, Policy, Response, TestApp, User, generous_limits, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// Creates a key as `admin`; returns its id and secret.
async fn create_key(admin: &mut User, body: Value) -> (Uuid, String) {
    let created = admin.post("/api/api-keys", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = created.json["secret"].as_str().expect("the secret").to_owned();
    (created.id(), secret)
}

/// A request carrying only the key (no cookies).
async fn with_key(app: &TestApp, secret: &str, method: Method, path: &str, body: Option<&Value>) -> Response {
    let bearer = format!("Bearer {secret}");
    app.anonymous()
        .send(method, path, body, &[("authorization", bearer.as_str())])
        .await
}

#[tokio::test]
async fn a_key_reads_and_writes_as_its_role_and_its_secret_is_shown_once() {
    let app = spawn_app().await;
    let mut admin = app.register("Keys Inc").await;
    let (id, secret) = create_key(&mut admin, json!({"name": "Zapier", "role": "manager"})).await;
    assert!(secret.starts_with("cvk_"), "{secret}");

    let listed = admin.get("/api/api-keys").await;
    assert_eq!(listed.status, 200);
    let key = &listed.json["data"][0];
    assert_eq!(key["id"], id.to_string());
    assert_eq!(
        (key["name"].as_str(), key["role"].as_str()),
        (Some("Zapier"), Some("manager"))
    );
    assert_eq!(key["scope"], "write", "write is the default scope");
    assert!(key.get("secret").is_none(), "the secret is never listed");
    assert!(secret.ends_with(key["hint"].as_str().unwrap().trim_start_matches('…')));
    assert!(key["last_used_at"].is_null());
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_hash FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_ne!(stored, secret.as_bytes(), "only a digest is stored");

    let created = with_key(
        &app,
        &secret,
        Method::POST,
        "/api/contacts",
        Some(&json!({"first_name": "Via", "last_name": "Key"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.json["owner_id"],
        admin.user_id.to_string(),
        "a key acts for its creator"
    );
    let read = with_key(
        &app,
        &secret,
        Method::GET,
        &format!("/api/contacts/{}", created.id()),
        None,
    )
    .await;
    assert_eq!(read.status, 200);
    let listed = admin.get("/api/api-keys").await;
    assert!(listed.json["data"][0]["last_used_at"].is_string(), "use is recorded");

    // Cross-site protections are for cookies: a key's POST with a foreign
    // Origin passes; a key with a cookie beside it is refused.
    let foreign = with_key_and(&app, &secret, &[("origin", "https://evil.test")]).await;
    assert_eq!(foreign.status, 201, "{}", foreign.body);
    let bearer = format!("Bearer {secret}");
    let both = admin
        .send(
            Method::GET,
            "/api/contacts",
            None,
            &[("authorization", bearer.as_str())],
        )
        .await;
    assert_eq!(both.status, 400, "{}", both.body);
    assert_eq!(
        admin.get("/api/contacts").await.status,
        200,
        "the cookie alone still works"
    );
}

async fn with_key_and(app: &TestApp, secret: &str, extra: &[(&str, &str)]) -> Response {
    let bearer = format!("Bearer {secret}");
    let mut headers = vec![("authorization", bearer.as_str())];
    headers.extend_from_slice(extra);
    let body = json!({"first_name": "Cross", "last_name": "Site"});
    app.anonymous()
        .send(Method::POST, "/api/contacts", Some(&body), &headers)
        .await
}

#[tokio::test]
async fn bad_keys_and_bad_headers_are_401() {
    let app = spawn_app().await;
    let mut admin = app.register("Keys Inc").await;
    let (_, secret) = create_key(&mut admin, json!({"name": "ci", "role": "admin"})).await;
    let mut tampered = secret.clone();
    tampered.pop();
    tampered.push(if secret.ends_with('A') { 'B' } else { 'A' });
    for token in [tampered.as_str(), "cvk_garbage", ""] {
        let response = with_key(&app, token, Method::GET, "/api/contacts", None).await;
        assert_eq!(response.status, 401, "{token}: {}", response.body);
    }
    let basic = app
        .anonymous()
        .send(
            Method::GET,
            "/api/contacts",
            None,
            &[("authorization", "Basic dXNlcjpwdw==")],
        )
        .await;
    assert_eq!(basic.status, 401);
}

#[tokio::test]
async fn revoking_a_key_refuses_its_next_request() {
    let app = spawn_app().await;
    let mut admin = app.register("Keys Inc").await;
    let (id, secret) = create_key(&mut admin, json!({"name": "ci", "role": "rep"})).await;
    assert_eq!(
        with_key(&app, &secret, Method::GET, "/api/contacts", None).await.status,
        200
    );
    assert_eq!(admin.delete(&format!("/api/api-keys/{id}")).await.status, 204);
    assert_eq!(
        with_key(&app, &secret, Method::GET, "/api/contacts", None).await.status,
        401
    );
    assert_eq!(
        admin.delete(&format!("/api/api-keys/{id}")).await.status,
        404,
        "already revoked"
    );
    assert_eq!(admin.get("/api/api-keys").await.json["data"], json!([]));
}

#[tokio::test]
async fn scope_role_and_expiry_bound_what_a_key_does() {
    let app = spawn_app().await;
    let mut admin = app.register("Keys Inc").await;
    let (_, reader) = create_key(&mut admin, json!({"name": "bi", "role": "admin", "scope": "read"})).await;
    assert_eq!(
        with_key(&app, &reader, Method::GET, "/api/contacts", None).await.status,
        200
    );
    let write = with_key(
        &app,
        &reader,
        Method::POST,
        "/api/contacts",
        Some(&json!({"first_name": "No", "last_name": "Way"})),
    )
    .await;
    assert_eq!(write.status, 403, "a read key never writes: {}", write.body);

    let (_, viewer) = create_key(&mut admin, json!({"name": "viewer", "role": "viewer"})).await;
    let write = with_key(
        &app,
        &viewer,
        Method::POST,
        "/api/contacts",
        Some(&json!({"first_name": "No", "last_name": "Way"})),
    )
    .await;
    assert_eq!(write.status, 403, "the key's role applies, not its creator's");

    let (expiring_id, expiring) = create_key(
        &mut admin,
        json!({"name": "short", "role": "rep", "expires_in_days": 1}),
    )
    .await;
    assert_eq!(
        with_key(&app, &expiring, Method::GET, "/api/contacts", None)
            .await
            .status,
        200
    );
    sqlx::query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(expiring_id)
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(
        with_key(&app, &expiring, Method::GET, "/api/contacts", None)
            .await
            .status,
        401,
        "expired"
    );

    let refused = admin
        .post(
            "/api/api-keys",
            &json!({"name": " ", "role": "owner", "scope": "all", "expires_in_days": 0}),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.error_fields(), ["name", "role", "scope", "expires_in_days"]);
}

#[tokio::test]
async fn only_signed_in_admins_manage_keys_and_a_key_cannot_touch_its_creators_account() {
    let app = spawn_app().await;
    let mut admin = app.register("Keys Inc").await;
    let mut manager = app.member(&admin, "manager").await;
    assert_eq!(
        manager
            .post("/api/api-keys", &json!({"name": "x", "role": "rep"}))
            .await
            .status,
        403
    );
    assert_eq!(manager.get("/api/api-keys").await.status, 403);
    let (id, secret) = create_key(&mut admin, json!({"name": "admin key", "role": "admin"})).await;

    let mint = with_key(
        &app,
        &secret,
        Method::POST,
        "/api/api-keys",
        Some(&json!({"name": "more", "role": "admin"})),
    )
    .await;
    assert_eq!(mint.status, 403, "a key cannot mint keys: {}", mint.body);
    let revoke = with_key(&app, &secret, Method::DELETE, &format!("/api/api-keys/{id}"), None).await;
    assert_eq!(revoke.status, 403);
    assert_eq!(
        with_key(&app, &secret, Method::DELETE, "/api/users/me", None)
            .await
            .status,
        403
    );
    assert_eq!(
        with_key(&app, &secret, Method::GET, "/api/users/me/export", None)
            .await
            .status,
        403
    );
    let org = format!("/api/organizations/{}", admin.tenant_id);
    let delete_org = with_key(
        &app,
        &secret,
        Method::DELETE,
        &org,
        Some(&json!({"confirm": "Keys Inc"})),
    )
    .await;
    assert_eq!(delete_org.status, 403);
    assert_eq!(
        admin.get("/api/auth/me").await.status,
        200,
        "the creator's account is untouched"
    );
}

#[tokio::test]
async fn a_key_stops_when_its_creator_is_demoted_or_removed() {
    let app = spawn_app().await;
    let mut founder = app.register("Keys Inc").await;
    let mut second = app.member(&founder, "admin").await;
    let (_, secret) = create_key(&mut second, json!({"name": "theirs", "role": "rep"})).await;
    assert_eq!(
        with_key(&app, &secret, Method::GET, "/api/contacts", None).await.status,
        200
    );

    let member = format!("/api/organizations/{}/members/{}", founder.tenant_id, second.user_id);
    assert_eq!(founder.patch(&member, &json!({"role": "manager"})).await.status, 200);
    assert_eq!(
        with_key(&app, &secret, Method::GET, "/api/contacts", None).await.status,
        401,
        "demoted"
    );
    assert_eq!(founder.patch(&member, &json!({"role": "admin"})).await.status, 200);
    assert_eq!(
        with_key(&app, &secret, Method::GET, "/api/contacts", None).await.status,
        200,
        "an admin again"
    );
    assert_eq!(founder.delete(&member).await.status, 204);
    assert_eq!(
        with_key(&app, &secret, Method::GET, "/api/contacts", None).await.status,
        401,
        "removed"
    );
    let listed = founder.get("/api/api-keys").await;
    assert!(
        listed.json["data"][0]["created_by"].is_null(),
        "the list shows the key has no admin"
    );
}

#[tokio::test]
async fn key_management_and_use_are_audited_with_the_key() {
    let app = spawn_app().await;
    let mut admin = app.register("Keys Inc").await;
    let (id, secret) = create_key(&mut admin, json!({"name": "audited", "role": "admin"})).await;
    // An audited action done with the key: inviting a member.
    let org = admin.tenant_id;
    let invited = with_key(
        &app,
        &secret,
        Method::POST,
        &format!("/api/organizations/{org}/invite"),
        Some(&json!({"email": "new@keys.test", "role": "rep"})),
    )
    .await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    assert_eq!(admin.delete(&format!("/api/api-keys/{id}")).await.status, 204);

    let log = admin.get("/api/audit-log?limit=10").await;
    let entries = log.json["data"].as_array().unwrap();
    let action = |name: &str| {
        entries
            .iter()
            .find(|e| e["action"] == name)
            .unwrap_or_else(|| panic!("{name} in {entries:?}"))
    };
    assert_eq!(action("api_key.created")["target_id"], id.to_string());
    assert_eq!(action("api_key.created")["details"]["role"], "admin");
    assert_eq!(action("api_key.revoked")["target_id"], id.to_string());
    let by_key = action("invitation.created");
    assert_eq!(
        by_key["details"]["api_key_id"],
        id.to_string(),
        "the entry names the key"
    );
    assert_eq!(by_key["actor_id"], admin.user_id.to_string());
    assert!(
        action("api_key.created")["details"].get("api_key_id").is_none(),
        "a person's entry names none"
    );
    assert_eq!(admin.get("/api/audit-log/verify").await.json["ok"], true);
}

#[tokio::test]
async fn a_key_has_its_own_budget_inside_the_organizations() {
    let mut limits = generous_limits();
    limits.api_key = Policy::new(
        format!("api-key-{}", Uuid::new_v4().simple()),
        3,
        Duration::from_secs(60),
    );
    let options = AppOptions {
        rate_limits: limits,
        ..AppOptions::default()
    };
    let app = spawn_app_with(options).await.expect("the server starts");
    let mut admin = app.register("Keys Inc").await;
    let (_, busy) = create_key(&mut admin, json!({"name": "busy", "role": "rep"})).await;
    let (_, other) = create_key(&mut admin, json!({"name": "other", "role": "rep"})).await;
    for _ in 0..3 {
        assert_eq!(
            with_key(&app, &busy, Method::GET, "/api/contacts", None).await.status,
            200
        );
    }
    let limited = with_key(&app, &busy, Method::GET, "/api/contacts", None).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.header("retry-after").is_some());
    assert_eq!(
        with_key(&app, &other, Method::GET, "/api/contacts", None).await.status,
        200,
        "other keys go on"
    );
    assert_eq!(admin.get("/api/contacts").await.status, 200, "people go on");
}

#[tokio::test]
async fn another_organizations_keys_are_invisible_and_untouchable() {
    let app = spawn_app().await;
    let mut a = app.register("Tenant A").await;
    let mut b = app.register("Tenant B").await;
    let (b_key, b_secret) = create_key(&mut b, json!({"name": "b's", "role": "admin"})).await;
    let b_contact = b.contact("Only", "B", None).await;

    assert_eq!(a.delete(&format!("/api/api-keys/{b_key}")).await.status, 404);
    assert_eq!(a.get("/api/api-keys").await.json["data"], json!([]));
    assert_eq!(
        with_key(&app, &b_secret, Method::GET, "/api/contacts", None)
            .await
            .status,
        200,
        "B's key still works"
    );

    // A's key cannot reach B's records, and a key claiming A's tenant with
    // B's random part is no key.
    let (_, a_secret) = create_key(&mut a, json!({"name": "a's", "role": "admin"})).await;
    let read = with_key(
        &app,
        &a_secret,
        Method::GET,
        &format!("/api/contacts/{b_contact}"),
        None,
    )
    .await;
    assert_eq!(read.status, 404);
    let spliced = format!("{}{}", &a_secret[..37], &b_secret[37..]);
    assert_eq!(
        with_key(&app, &spliced, Method::GET, "/api/contacts", None)
            .await
            .status,
        401
    );
}

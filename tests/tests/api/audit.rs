//! The audit log: what is recorded, who may read it, paging and filters,
//! tenant isolation and append-only storage (ADR 0011).

use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

const PASSWORD: &str = "correct horse battery staple";

async fn as_app_role(database: &str) -> PgConnection {
    let base = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let host = base
        .rsplit_once('@')
        .map(|(_, h)| h.to_owned())
        .unwrap_or(base.replace("postgres://", ""));
    PgConnection::connect(&format!("postgres://clearview_app@{host}/{database}"))
        .await
        .unwrap()
}

async fn entries(user: &mut User, query: &str) -> Vec<Value> {
    let response = user.get(&format!("/api/audit-log{query}")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json["data"].as_array().unwrap().clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries.iter().map(|e| e["action"].as_str().unwrap()).collect()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> (u16, User) {
    let mut user = app.anonymous();
    let response = user
        .post("/api/auth/login", &json!({"email": email, "password": password}))
        .await;
    (response.status, user)
}

#[tokio::test]
async fn sign_ins_failures_sign_outs_and_settings_changes_are_recorded_with_ip_and_request_id() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;

    let (status, _) = sign_in(&app, &admin.email, "wrong password!!").await;
    assert_eq!(status, 401);
    let (status, _) = sign_in(&app, "nobody@nowhere.test", "wrong password!!").await;
    assert_eq!(status, 401);
    let (status, mut second) = sign_in(&app, &admin.email, PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(second.post("/api/auth/logout", &json!({})).await.status, 204);
    let patch = admin
        .patch(
            &format!("/api/organizations/{}", admin.tenant_id),
            &json!({"rep_visibility": "own"}),
        )
        .await;
    assert_eq!(patch.status, 200);
    let patch_request_id = patch.header("x-request-id").unwrap();

    let log = entries(&mut admin, "").await;
    assert_eq!(
        actions(&log),
        [
            "organization.updated",
            "auth.sign_out",
            "auth.sign_in",
            "auth.sign_in_failed",
            "organization.created"
        ],
        "newest first; an unknown email leaves no trace"
    );
    for entry in &log {
        assert_eq!(entry["actor_id"], admin.user_id.to_string());
        assert_eq!(entry["actor_name"], "Admin");
        assert_eq!(entry["ip"], "127.0.0.1", "{entry}");
        assert!(entry["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{entry}");
    }
    assert_eq!(log[0]["request_id"], patch_request_id);
    assert_eq!(log[0]["details"]["fields"], "rep_visibility");
    assert_eq!(log[0]["target_id"], admin.tenant_id.to_string());
    // Never the password.
    let raw: Vec<String> = sqlx::query_scalar("SELECT row_to_json(a)::text FROM audit_log a")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    assert!(raw.iter().all(|row| !row.contains("wrong password")));
}

#[tokio::test]
async fn admins_and_viewers_read_the_trail_managers_and_reps_get_403() {
    let app = spawn_app().await;
    let admin = app.register("Acme").await;
    let mut viewer = app.member(&admin, "viewer").await;
    let mut manager = app.member(&admin, "manager").await;
    let mut rep = app.member(&admin, "rep").await;
    let log = entries(&mut viewer, "").await;
    assert!(actions(&log).contains(&"auth.sign_in"));
    assert_eq!(manager.get("/api/audit-log").await.status, 403);
    assert_eq!(rep.get("/api/audit-log").await.status, 403);
    assert_eq!(app.anonymous().get("/api/audit-log").await.status, 401);
}

#[tokio::test]
async fn the_trail_is_keyset_paged_and_filtered_by_actor_action_and_time() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let viewer = app.member(&admin, "viewer").await;
    for _ in 0..4 {
        let (status, _) = sign_in(&app, &admin.email, PASSWORD).await;
        assert_eq!(status, 200);
    }
    // organization.created + 4 sign-ins by the admin, 1 by the viewer.
    let all = entries(&mut admin, "").await;
    assert_eq!(all.len(), 6);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/audit-log?limit=4&cursor={c}"),
            None => "/api/audit-log?limit=4".into(),
        };
        let page = admin.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(page.json["data"].as_array().unwrap().iter().map(|e| e["id"].clone()));
        match page.json["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let ids: Vec<Value> = all.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(seen, ids, "pages join up with no gap or repeat");

    let by_viewer = entries(&mut admin, &format!("?actor_id={}", viewer.user_id)).await;
    assert_eq!(actions(&by_viewer), ["auth.sign_in"]);
    let sign_ins = entries(&mut admin, "?action=auth.sign_in").await;
    assert_eq!(sign_ins.len(), 5);
    let since = all[1]["created_at"].as_str().unwrap().replace('+', "%2B");
    let recent = entries(&mut admin, &format!("?since={since}")).await;
    assert!(recent.len() >= 2 && recent.len() < 6, "{}", recent.len());
    for bad in [
        "?since=yesterday",
        "?actor_id=7",
        "?limit=201",
        "?cursor=garbage",
        "?sort=id",
    ] {
        let response = admin.get(&format!("/api/audit-log{bad}")).await;
        assert_eq!(response.status, 422, "{bad}: {}", response.body);
    }
}

#[tokio::test]
async fn another_tenants_entries_never_appear_even_when_filtering_by_its_actor() {
    let app = spawn_app().await;
    let mut a = app.register("A").await;
    let mut b = app.register("B").await;
    assert_eq!(
        b.patch(&format!("/api/organizations/{}", b.tenant_id), &json!({"name": "B2"}))
            .await
            .status,
        200
    );
    let log = entries(&mut a, "").await;
    assert!(log.iter().all(|e| e["actor_id"] == a.user_id.to_string()), "{log:?}");
    assert!(entries(&mut a, &format!("?actor_id={}", b.user_id)).await.is_empty());
    assert!(entries(&mut a, "?action=organization.updated").await.is_empty());
    assert_eq!(entries(&mut b, "?action=organization.updated").await.len(), 1);
}

#[tokio::test]
async fn the_application_role_cannot_update_or_delete_audit_rows() {
    let app = spawn_app().await;
    let admin = app.register("Acme").await;
    let mut conn = as_app_role(&app.database).await;
    for sql in [
        "UPDATE audit_log SET action = 'auth.nothing' WHERE tenant_id = $1",
        "UPDATE audit_log SET actor_name = NULL WHERE tenant_id = $1",
        "DELETE FROM audit_log WHERE tenant_id = $1",
    ] {
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(admin.tenant_id.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let err = sqlx::query(sql)
            .bind(admin.tenant_id)
            .execute(&mut *tx)
            .await
            .expect_err("append-only");
        assert!(err.to_string().contains("permission denied"), "{sql}: {err}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE actor_name IS NOT NULL")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(count, 1, "organization.created is intact");
}

#[tokio::test]
async fn behind_the_trusted_proxy_the_audit_log_keeps_the_clients_address_not_the_proxys() {
    let mut limits = clearview_tests::generous_limits();
    limits.trust_proxy_headers = true;
    let app = clearview_tests::spawn_app_with(clearview_tests::AppOptions {
        rate_limits: limits,
        ..clearview_tests::AppOptions::default()
    })
    .await
    .unwrap();
    let mut admin = app.register("Acme").await;
    let path = format!("/api/organizations/{}", admin.tenant_id);
    let changed = admin
        .send(
            reqwest::Method::PATCH,
            &path,
            Some(&json!({"name": "Acme Sales"})),
            &[("X-Forwarded-For", "203.0.113.7")],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let log = admin.get("/api/audit-log").await;
    let entry = log.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "organization.updated")
        .cloned()
        .expect("an entry for the change");
    assert_eq!(entry["ip"], "203.0.113.7", "{entry}");
}

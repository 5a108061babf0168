//! Member management: roles, removal, the last admin, sessions ending at
//! once, and isolation of every team route.

use clearview_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn the_last_admin_can_be_neither_demoted_nor_removed() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut rep = app.member(&admin, "rep").await;
    let org = admin.tenant_id;
    let members = rep.get(&format!("/api/organizations/{org}/members")).await;
    assert_eq!(
        members.json["data"].as_array().unwrap().len(),
        2,
        "members are listed to every member"
    );

    let me = format!("/api/organizations/{org}/members/{}", admin.user_id);
    assert_eq!(admin.patch(&me, &json!({"role": "manager"})).await.status, 409);
    assert_eq!(admin.delete(&me).await.status, 409);
    let rep_path = format!("/api/organizations/{org}/members/{}", rep.user_id);
    assert_eq!(
        rep.patch(&rep_path, &json!({"role": "admin"})).await.status,
        403,
        "only admins manage"
    );
    assert_eq!(
        admin.patch(&rep_path, &json!({"role": "owner"})).await.error_fields(),
        ["role"]
    );

    let promoted = admin.patch(&rep_path, &json!({"role": "admin"})).await;
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    assert_eq!(promoted.json["role"], "admin");
    assert_eq!(
        rep.get("/api/auth/me").await.status,
        401,
        "a role change ends the member's sessions"
    );
    assert_eq!(
        admin.patch(&me, &json!({"role": "viewer"})).await.status,
        200,
        "no longer the last admin"
    );
}

#[tokio::test]
async fn a_removed_member_loses_access_at_once_and_their_records_stay_unowned() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut rep = app.member(&admin, "rep").await;
    let contact = rep.contact("Kept", "Record", None).await;
    assert_eq!(rep.get("/api/auth/me").await.status, 200);
    let path = format!("/api/organizations/{}/members/{}", admin.tenant_id, rep.user_id);
    assert_eq!(admin.delete(&path).await.status, 204);
    assert_eq!(rep.get("/api/contacts").await.status, 401, "the session died at once");
    let read = admin.get(&format!("/api/contacts/{contact}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json["owner_id"], serde_json::Value::Null);
    assert_eq!(admin.delete(&path).await.status, 404);
}

#[tokio::test]
async fn another_tenants_members_invitations_and_jobs_are_404() {
    let app = spawn_app().await;
    let mut victim = app.register("Victim").await;
    let victim_rep = app.member(&victim, "rep").await;
    let invited = victim
        .post(
            &format!("/api/organizations/{}/invite", victim.tenant_id),
            &json!({"email": "x@victim.test", "role": "rep"}),
        )
        .await;
    let invitation = invited.json["invitation"]["id"].as_str().unwrap().to_owned();
    let job: uuid::Uuid = sqlx::query_scalar("SELECT id FROM jobs")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let mut attacker = app.register("Attacker").await;
    let (v, a) = (victim.tenant_id, attacker.tenant_id);
    let attempts = [
        attacker.get(&format!("/api/organizations/{v}/members")).await,
        attacker
            .patch(
                &format!("/api/organizations/{v}/members/{}", victim_rep.user_id),
                &json!({"role": "viewer"}),
            )
            .await,
        attacker
            .delete(&format!("/api/organizations/{v}/members/{}", victim_rep.user_id))
            .await,
        attacker
            .patch(
                &format!("/api/organizations/{a}/members/{}", victim_rep.user_id),
                &json!({"role": "viewer"}),
            )
            .await,
        attacker
            .delete(&format!("/api/organizations/{a}/members/{}", victim_rep.user_id))
            .await,
        attacker
            .post(
                &format!("/api/organizations/{v}/invite"),
                &json!({"email": "y@x.test", "role": "admin"}),
            )
            .await,
        attacker.get(&format!("/api/organizations/{v}/invitations")).await,
        attacker
            .delete(&format!("/api/organizations/{v}/invitations/{invitation}"))
            .await,
        attacker
            .delete(&format!("/api/organizations/{a}/invitations/{invitation}"))
            .await,
        attacker.post(&format!("/api/jobs/{job}/retry"), &json!({})).await,
    ];
    for (i, response) in attempts.iter().enumerate() {
        assert_eq!(response.status, 404, "attempt {i}: {}", response.body);
    }
    assert!(
        attacker.get("/api/jobs").await.json["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let role: String = sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1")
        .bind(victim_rep.user_id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(role, "rep");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM invitations WHERE revoked_at IS NULL")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(pending, 1);
}

#[tokio::test]
async fn team_changes_are_in_the_audit_log() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let rep = app.member(&admin, "rep").await;
    let org = admin.tenant_id;
    let invited = admin
        .post(
            &format!("/api/organizations/{org}/invite"),
            &json!({"email": "n@x.test", "role": "viewer"}),
        )
        .await;
    let invitation = invited.json["invitation"]["id"].as_str().unwrap().to_owned();
    admin
        .delete(&format!("/api/organizations/{org}/invitations/{invitation}"))
        .await;
    let member = format!("/api/organizations/{org}/members/{}", rep.user_id);
    admin.patch(&member, &json!({"role": "manager"})).await;
    admin.delete(&member).await;

    let log = admin.get("/api/audit-log?limit=50").await;
    assert_eq!(log.status, 200, "{}", log.body);
    let entries = log.json["data"].as_array().unwrap();
    let find = |action: &str| entries.iter().find(|e| e["action"] == action).cloned();
    let created = find("invitation.created").expect("invitation.created");
    assert_eq!(created["target_id"], invitation.as_str());
    assert_eq!(created["details"]["role"], "viewer");
    assert!(find("invitation.revoked").is_some());
    let changed = find("member.role_changed").expect("member.role_changed");
    assert_eq!(changed["target_id"], rep.user_id.to_string());
    assert_eq!(changed["actor_id"], admin.user_id.to_string());
    assert!(changed["request_id"].is_string() && changed["ip"].is_string());
    assert!(find("member.removed").is_some());
}

/// Deletes Redis keys as a restart or flush would (only these keys: the
/// Redis is shared by tests running in parallel).
fn redis_forgets(keys: &[String]) {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let status = std::process::Command::new("redis-cli")
        .args(["-u", &url, "DEL"])
        .args(keys)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("redis-cli runs");
    assert!(status.success());
}

#[tokio::test]
async fn a_removed_members_session_stays_refused_after_redis_loses_its_data() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut rep = app.member(&admin, "rep").await;
    let sessions: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1")
        .bind(rep.user_id)
        .fetch_all(&app.owner)
        .await
        .unwrap();
    let path = format!("/api/organizations/{}/members/{}", admin.tenant_id, rep.user_id);
    assert_eq!(admin.delete(&path).await.status, 204);
    assert_eq!(rep.get("/api/contacts").await.status, 401);
    // Redis restarts empty: the denylist entry and its completeness marker
    // are gone, and the session's row went with the membership.
    let mut keys: Vec<String> = sessions.iter().map(|s| format!("cv:denied:{s}")).collect();
    keys.push("cv:denied:complete".into());
    redis_forgets(&keys);
    for _ in 0..2 {
        assert_eq!(
            rep.get("/api/contacts").await.status,
            401,
            "refused after the refill too"
        );
    }
}

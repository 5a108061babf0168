//! Audit entries are appended in the same transaction as the change they
//! record (issue 12, ADR 0035): when the entry cannot be written, the
//! change is not made either, and when the change is refused, no entry is
//! written. The test makes the audit table refuse chosen actions with a
//! trigger, as a crash or a full disk between the two writes would.

use clearview_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

/// Installs a trigger that refuses audit entries whose action is listed in
/// `refused_audit_actions` (owner-only; the function runs as its owner).
async fn refuse_audit_actions(app: &TestApp) {
    for sql in [
        "CREATE TABLE refused_audit_actions (action text PRIMARY KEY)",
        "CREATE FUNCTION refuse_audit_action() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ \
         BEGIN \
           IF EXISTS (SELECT 1 FROM refused_audit_actions WHERE action = NEW.action) THEN \
             RAISE EXCEPTION 'the audit log refuses %', NEW.action; \
           END IF; \
           RETURN NEW; \
         END $$",
        "CREATE TRIGGER refuse_audit_action BEFORE INSERT ON audit_log \
         FOR EACH ROW EXECUTE FUNCTION refuse_audit_action()",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&app.owner).await.unwrap();
    }
}

async fn refuse(app: &TestApp, action: &str, refused: bool) {
    let sql = if refused {
        "INSERT INTO refused_audit_actions (action) VALUES ($1)"
    } else {
        "DELETE FROM refused_audit_actions WHERE action = $1"
    };
    sqlx::query(sql).bind(action).execute(&app.owner).await.unwrap();
}

async fn entries_of(app: &TestApp, tenant: uuid::Uuid, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = $2")
        .bind(tenant)
        .bind(action)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

fn data_len(body: &Value) -> usize {
    body["data"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_change_whose_audit_entry_cannot_be_written_is_not_made() {
    let app = spawn_app().await;
    refuse_audit_actions(&app).await;
    let mut admin = app.register("Acme").await;
    let rep = app.member(&admin, "rep").await;
    let org = admin.tenant_id;

    // A custom field: nothing is defined while its entry is refused.
    let field = json!({"entity": "contact", "key": "tier", "label": "Tier", "type": "text"});
    refuse(&app, "custom_field.created", true).await;
    assert_eq!(admin.post("/api/custom-fields", &field).await.status, 500);
    assert_eq!(data_len(&admin.get("/api/custom-fields").await.json), 0);
    refuse(&app, "custom_field.created", false).await;
    assert_eq!(admin.post("/api/custom-fields", &field).await.status, 201);
    assert_eq!(entries_of(&app, org, "custom_field.created").await, 1);

    // A role change: the member keeps their role.
    let member = format!("/api/organizations/{org}/members/{}", rep.user_id);
    refuse(&app, "member.role_changed", true).await;
    assert_eq!(admin.patch(&member, &json!({"role": "manager"})).await.status, 500);
    let members = admin.get(&format!("/api/organizations/{org}/members")).await;
    let role = members.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == rep.user_id.to_string())
        .map(|m| m["role"].clone());
    assert_eq!(role, Some(json!("rep")), "{}", members.body);

    // An organization setting stays as it was.
    refuse(&app, "organization.updated", true).await;
    let rename = admin
        .patch(&format!("/api/organizations/{org}"), &json!({"name": "Renamed"}))
        .await;
    assert_eq!(rename.status, 500);
    let organization = admin.get(&format!("/api/organizations/{org}")).await;
    assert_eq!(organization.json["name"], "Acme");

    // No API key exists.
    refuse(&app, "api_key.created", true).await;
    let key = admin.post("/api/api-keys", &json!({"name": "CI", "role": "rep"})).await;
    assert_eq!(key.status, 500);
    assert_eq!(data_len(&admin.get("/api/api-keys").await.json), 0);

    // A merge: both contacts stay live.
    let winner = admin.contact("Ada", "Lovelace", Some("ada@a.test")).await;
    let loser = admin.contact("Ada", "Lovelace", Some("ada@b.test")).await;
    let merge = json!({"winner_id": winner, "loser_id": loser, "fields": {}, "dry_run": false});
    refuse(&app, "contacts.merged", true).await;
    assert_eq!(admin.post("/api/contacts/merge", &merge).await.status, 500);
    assert_eq!(admin.get(&format!("/api/contacts/{loser}")).await.status, 200);

    // A restore: the contact stays in the trash until its entry can be
    // written.
    assert_eq!(admin.delete(&format!("/api/contacts/{loser}")).await.status, 204);
    let restore = format!("/api/contacts/{loser}/restore");
    refuse(&app, "record.restored", true).await;
    assert_eq!(admin.post(&restore, &json!({})).await.status, 500);
    assert_eq!(admin.get(&format!("/api/contacts/{loser}")).await.status, 404);
    refuse(&app, "record.restored", false).await;
    assert_eq!(admin.post(&restore, &json!({})).await.status, 200);
    assert_eq!(entries_of(&app, org, "record.restored").await, 1);

    for action in [
        "member.role_changed",
        "organization.updated",
        "api_key.created",
        "contacts.merged",
    ] {
        assert_eq!(entries_of(&app, org, action).await, 0, "{action}");
    }
}

#[tokio::test]
async fn a_refused_change_writes_no_entry() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let org = admin.tenant_id;
    let unknown = uuid::Uuid::now_v7();

    assert_eq!(admin.delete(&format!("/api/api-keys/{unknown}")).await.status, 404);
    assert_eq!(admin.delete(&format!("/api/custom-fields/{unknown}")).await.status, 404);
    assert_eq!(
        admin
            .post(&format!("/api/contacts/{unknown}/restore"), &json!({}))
            .await
            .status,
        404
    );
    let me = format!("/api/organizations/{org}/members/{}", admin.user_id);
    assert_eq!(
        admin.patch(&me, &json!({"role": "manager"})).await.status,
        409,
        "the last admin stays"
    );
    for action in [
        "api_key.revoked",
        "custom_field.deleted",
        "record.restored",
        "member.role_changed",
    ] {
        assert_eq!(entries_of(&app, org, action).await, 0, "{action}");
    }
}

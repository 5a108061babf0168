//! The audit log's hash chain (issue 12, ADR 0024): intact chains verify,
//! an edited, deleted or re-attributed entry is named, a truncated end is
//! caught, concurrent entries never fork the chain, an erasure keeps it
//! valid, only admins verify, and one organization's chain is its own.

use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

/// `n` settings changes, each one entry.
async fn changes(user: &mut User, n: usize) {
    for i in 0..n {
        let path = format!("/api/organizations/{}", user.tenant_id);
        let response = user.patch(&path, &json!({"name": format!("Name {i}")})).await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
}

async fn verify(user: &mut User) -> Value {
    let response = user.get("/api/audit-log/verify").await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json
}

/// Runs `sql` on the entry at `seq` of `tenant`, as someone with the
/// database's owner rights would.
async fn tamper(app: &TestApp, sql: &'static str, tenant: Uuid, seq: i64) -> Uuid {
    sqlx::query_scalar(sql)
        .bind(tenant)
        .bind(seq)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

/// A new organization with `entries` settings changes, then `sql` run on
/// its entry at `seq`: the verification's report.
async fn report_after_tampering(app: &TestApp, name: &str, entries: usize, sql: &'static str, seq: i64) -> Value {
    let mut admin = app.register(name).await;
    changes(&mut admin, entries).await;
    tamper(app, sql, admin.tenant_id, seq).await;
    verify(&mut admin).await
}

#[tokio::test]
async fn an_intact_chain_verifies_and_an_edited_entry_is_named_by_place_and_id() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    changes(&mut admin, 4).await;
    let intact = verify(&mut admin).await;
    assert_eq!(intact["ok"], true, "{intact}");
    assert_eq!(intact["broken"], Value::Null);
    let entries = intact["checked"].as_i64().unwrap();
    assert!(entries >= 4, "{intact}");
    let seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM audit_log WHERE tenant_id = $1 ORDER BY seq")
        .bind(admin.tenant_id)
        .fetch_all(&app.owner)
        .await
        .unwrap();
    assert_eq!(seqs, (1..=entries).collect::<Vec<_>>(), "one entry per place, no gap");

    let edited = tamper(
        &app,
        "UPDATE audit_log SET details = '{\"fields\": \"nothing\"}' WHERE tenant_id = $1 AND seq = $2 RETURNING id",
        admin.tenant_id,
        2,
    )
    .await;
    let broken = verify(&mut admin).await;
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["checked"], 1, "the entry before it is intact");
    assert_eq!(broken["broken"]["seq"], 2);
    assert_eq!(broken["broken"]["id"], edited.to_string());
    assert!(
        broken["broken"]["problem"]
            .as_str()
            .unwrap()
            .contains("content was changed"),
        "{broken}"
    );
}

#[tokio::test]
async fn deleted_entries_a_changed_actor_name_or_address_and_a_deleted_head_are_each_caught() {
    let app = spawn_app().await;
    let report = report_after_tampering(
        &app,
        "Middle",
        3,
        "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = $2 RETURNING id",
        2,
    )
    .await;
    assert_eq!(
        (report["ok"].clone(), report["broken"]["seq"].clone()),
        (json!(false), json!(2))
    );
    assert_eq!(report["broken"]["id"], Value::Null, "the entry is gone");
    assert!(
        report["broken"]["problem"].as_str().unwrap().contains("missing"),
        "{report}"
    );

    let mut truncated = app.register("End").await;
    changes(&mut truncated, 3).await;
    let newest: i64 = sqlx::query_scalar("SELECT max(seq) FROM audit_log WHERE tenant_id = $1")
        .bind(truncated.tenant_id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    tamper(
        &app,
        "DELETE FROM audit_log WHERE tenant_id = $1 AND seq = $2 RETURNING id",
        truncated.tenant_id,
        newest,
    )
    .await;
    let report = verify(&mut truncated).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["broken"]["seq"], newest);
    assert!(
        report["broken"]["problem"].as_str().unwrap().contains("deleted"),
        "{report}"
    );

    let mut reattributed = app.register("Actor").await;
    changes(&mut reattributed, 2).await;
    let stranger = app.register("Stranger").await;
    sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'rep')")
        .bind(reattributed.tenant_id)
        .bind(stranger.user_id)
        .execute(&app.owner)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor_id = $2 WHERE tenant_id = $1 AND seq = 2")
        .bind(reattributed.tenant_id)
        .bind(stranger.user_id)
        .execute(&app.owner)
        .await
        .unwrap();
    let report = verify(&mut reattributed).await;
    assert_eq!(report["broken"]["seq"], 2, "{report}");
    assert!(
        report["broken"]["problem"].as_str().unwrap().contains("actor"),
        "{report}"
    );

    let report = report_after_tampering(
        &app,
        "Name",
        2,
        "UPDATE audit_log SET actor_name = 'Somebody Else' WHERE tenant_id = $1 AND seq = $2 RETURNING id",
        2,
    )
    .await;
    assert_eq!(report["broken"]["seq"], 2, "{report}");
    assert!(
        report["broken"]["problem"].as_str().unwrap().contains("name"),
        "{report}"
    );

    let report = report_after_tampering(
        &app,
        "Address",
        2,
        "UPDATE audit_log SET ip = '203.0.113.9' WHERE tenant_id = $1 AND seq = $2 RETURNING id",
        2,
    )
    .await;
    assert_eq!(report["broken"]["seq"], 2, "{report}");

    let mut headless = app.register("Head").await;
    changes(&mut headless, 1).await;
    sqlx::query("DELETE FROM audit_chain_heads WHERE tenant_id = $1")
        .bind(headless.tenant_id)
        .execute(&app.owner)
        .await
        .unwrap();
    let report = verify(&mut headless).await;
    assert_eq!(report["ok"], false, "entries without a recorded end: {report}");
}

#[tokio::test]
async fn an_entry_cannot_be_backdated_and_an_erased_persons_id_finds_none_of_their_entries() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let written_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "INSERT INTO audit_log (tenant_id, id, action, created_at) \
         VALUES ($1, gen_random_uuid(), 'test.backdated', '2001-01-01T00:00:00Z') RETURNING created_at",
    )
    .bind(admin.tenant_id)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert!(
        written_at > chrono::Utc::now() - chrono::Duration::minutes(5),
        "{written_at}"
    );

    let mut leaver = app.member(&admin, "admin").await;
    changes(&mut leaver, 2).await;
    let leaver_id = leaver.user_id;
    assert_eq!(leaver.delete("/api/users/me").await.status, 204);
    // The seals of the person's entries were keyed with a salt that was
    // deleted with them: their id alone links none of the entries.
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND (\
             actor_seal = sha256(uuid_send($2) || uuid_send(id)) \
          OR actor_seal = sha256(convert_to($2::text || ':' || id::text, 'UTF8')))",
    )
    .bind(admin.tenant_id)
    .bind(leaver_id)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(linked, 0);
    assert_eq!(verify(&mut admin).await["ok"], true);
}

#[tokio::test]
async fn entries_written_at_once_by_many_requests_form_one_unbroken_chain() {
    let app = spawn_app().await;
    let mut admin = app.register("Busy").await;
    let writers = (0..12).map(|i| {
        let mut user = admin.at(&app.address);
        async move {
            let path = format!("/api/organizations/{}", user.tenant_id);
            let response = user.patch(&path, &json!({"name": format!("Busy {i}")})).await;
            assert_eq!(response.status, 200, "{}", response.body);
        }
    });
    futures_util::future::join_all(writers).await;
    let report = verify(&mut admin).await;
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["checked"].as_i64().unwrap() >= 12, "{report}");
}

#[tokio::test]
async fn an_erasure_blanks_the_actor_and_the_chain_still_verifies() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut leaver = app.member(&admin, "admin").await;
    changes(&mut leaver, 2).await;
    let erased = leaver.delete("/api/users/me").await;
    assert_eq!(erased.status, 204, "{}", erased.body);
    let actors: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND actor_id = $2")
        .bind(admin.tenant_id)
        .bind(leaver.user_id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(actors, 0, "the erased person is no longer named");
    let report = verify(&mut admin).await;
    assert_eq!(report["ok"], true, "{report}");
}

#[tokio::test]
async fn only_admins_verify_and_each_organization_verifies_only_its_own_chain() {
    let app = spawn_app().await;
    let mut a = app.register("A").await;
    let mut manager = app.member(&a, "manager").await;
    let mut viewer = app.member(&a, "viewer").await;
    assert_eq!(manager.get("/api/audit-log/verify").await.status, 403);
    assert_eq!(viewer.get("/api/audit-log/verify").await.status, 403);

    let mut b = app.register("B").await;
    changes(&mut b, 2).await;
    tamper(
        &app,
        "UPDATE audit_log SET action = 'organization.deleted' WHERE tenant_id = $1 AND seq = $2 RETURNING id",
        b.tenant_id,
        1,
    )
    .await;
    assert_eq!(verify(&mut b).await["ok"], false);
    let own = verify(&mut a).await;
    assert_eq!(own["ok"], true, "B's broken chain is not A's: {own}");
    let b_entries: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1")
        .bind(b.tenant_id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert!(own["checked"].as_i64().unwrap() < b_entries + 10, "{own}");
}

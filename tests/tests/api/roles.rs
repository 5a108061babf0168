//! The role matrix for contacts and companies (design/api.md, "Roles").

use clearview_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn a_viewer_reads_but_cannot_write() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let contact = admin.contact("Grace", "Hopper", None).await;
    let mut viewer = app.member(&admin, "viewer").await;

    assert_eq!(viewer.get(&format!("/api/contacts/{contact}")).await.status, 200);
    let create = viewer
        .post("/api/contacts", &json!({"first_name": "A", "last_name": "B"}))
        .await;
    assert_eq!(create.status, 403);
    assert_eq!(
        viewer
            .patch(&format!("/api/contacts/{contact}"), &json!({"title": "x"}))
            .await
            .status,
        403
    );
    assert_eq!(viewer.delete(&format!("/api/contacts/{contact}")).await.status, 403);
    assert_eq!(viewer.post("/api/companies", &json!({"name": "X"})).await.status, 403);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(count, 1, "a forbidden action has no side effect");
}

#[tokio::test]
async fn a_rep_changes_only_their_own_records_and_cannot_reassign_them() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut alice = app.member(&admin, "rep").await;
    let mut bob = app.member(&admin, "rep").await;

    let own = alice.contact("Own", "Contact", None).await;
    let others = bob.contact("Bobs", "Contact", None).await;
    let admins = admin.contact("Admins", "Contact", None).await;

    assert_eq!(
        alice
            .patch(&format!("/api/contacts/{own}"), &json!({"title": "CEO"}))
            .await
            .status,
        200
    );
    assert_eq!(
        alice
            .patch(&format!("/api/contacts/{others}"), &json!({"title": "CEO"}))
            .await
            .status,
        403
    );
    assert_eq!(alice.delete(&format!("/api/contacts/{admins}")).await.status, 403);
    assert_eq!(
        alice.get(&format!("/api/contacts/{others}")).await.status,
        200,
        "visibility is `all` by default"
    );

    let give_away = alice
        .patch(&format!("/api/contacts/{own}"), &json!({"owner_id": bob.user_id}))
        .await;
    assert_eq!(give_away.status, 403);
    let assign = alice
        .post(
            "/api/contacts",
            &json!({"first_name": "A", "last_name": "B", "owner_id": bob.user_id}),
        )
        .await;
    assert_eq!(assign.status, 403);
    assert_eq!(alice.delete(&format!("/api/contacts/{own}")).await.status, 204);
}

#[tokio::test]
async fn a_manager_assigns_owners_to_members_only() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut manager = app.member(&admin, "manager").await;
    let rep = app.member(&admin, "rep").await;
    let stranger = app.register("Elsewhere").await;

    let contact = admin.contact("Grace", "Hopper", None).await;
    let moved = manager
        .patch(&format!("/api/contacts/{contact}"), &json!({"owner_id": rep.user_id}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.json["owner_id"], rep.user_id.to_string());

    let outside = manager
        .patch(
            &format!("/api/contacts/{contact}"),
            &json!({"owner_id": stranger.user_id}),
        )
        .await;
    assert_eq!(
        outside.status, 404,
        "an owner from another organization does not exist here"
    );
    assert_eq!(outside.error_fields(), ["owner_id"]);
}

#[tokio::test]
async fn with_rep_visibility_own_a_rep_sees_only_their_own_records() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut rep = app.member(&admin, "rep").await;
    let mut manager = app.member(&admin, "manager").await;
    let mine = rep.contact("Mine", "Contact", None).await;
    let theirs = admin.contact("Theirs", "Contact", None).await;
    app.owner_exec(
        "UPDATE organizations SET rep_visibility = 'own' WHERE tenant_id = $1",
        admin.tenant_id,
    )
    .await;

    let list = rep.get("/api/contacts").await;
    let ids: Vec<&str> = list.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mine.to_string()]);
    assert_eq!(rep.get(&format!("/api/contacts/{theirs}")).await.status, 404);
    assert_eq!(rep.delete(&format!("/api/contacts/{theirs}")).await.status, 404);
    assert_eq!(
        manager.get("/api/contacts").await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_duplicate_does_not_reveal_the_id_of_a_record_an_own_visibility_rep_cannot_see() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut rep = app.member(&admin, "rep").await;
    let hidden = admin.contact("Hidden", "Person", Some("taken@x.test")).await;
    let path = format!("/api/organizations/{}", admin.tenant_id);
    assert_eq!(admin.patch(&path, &json!({"rep_visibility": "own"})).await.status, 200);
    let body = json!({"first_name": "Dup", "last_name": "Licate", "email": "taken@x.test"});
    let refused = rep.post("/api/contacts", &body).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.json.get("existing_id").is_none(), "{}", refused.body);
    assert_eq!(rep.get(&format!("/api/contacts/{hidden}")).await.status, 404);
    let admin_sees = admin.post("/api/contacts", &body).await;
    assert_eq!(admin_sees.json["existing_id"], hidden.to_string());
}

//! Saved list views (issue 12, ADR 0029): private or shared, checked
//! against what their list understands, changed only by their owner or an
//! admin, and invisible across organizations.

use clearview_tests::{User, spawn_app};
use serde_json::{Value, json};

async fn save(user: &mut User, body: Value) -> Value {
    let created = user.post("/api/views", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.json
}

fn names(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn members_see_their_own_views_and_the_shared_ones_only() {
    let app = spawn_app().await;
    let admin = app.register("Views Co").await;
    let mut ada = app.member(&admin, "rep").await;
    let mut bob = app.member(&admin, "rep").await;
    let ada_id = ada.user_id.to_string();
    let mine = save(
        &mut ada,
        json!({"entity": "contact", "name": "My contacts", "filters": {"owner_id": ada_id},
               "sort": "-last_name", "columns": ["email", "owner"]}),
    )
    .await;
    assert_eq!(mine["shared"], false);
    assert_eq!(mine["filters"]["owner_id"], ada.user_id.to_string());
    save(
        &mut ada,
        json!({"entity": "deal", "name": "Big deals", "shared": true, "sort": "-amount"}),
    )
    .await;

    let listed = ada.get("/api/views").await;
    assert_eq!(names(&listed.json), ["My contacts", "Big deals"].map(String::from));
    assert_eq!(names(&bob.get("/api/views").await.json), ["Big deals"]);
    assert_eq!(
        names(&bob.get("/api/views?entity=contact").await.json),
        Vec::<String>::new()
    );
    assert_eq!(bob.get("/api/views?entity=lead").await.error_fields(), ["entity"]);

    let wrong = ada
        .post(
            "/api/views",
            &json!({"entity": "contact", "name": "Odd", "filters": {"stage_id": "x"}, "sort": "amount",
                    "columns": ["stage"]}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.error_fields(), ["filters", "sort", "columns"]);
    let taken = ada
        .post("/api/views", &json!({"entity": "contact", "name": "My contacts"}))
        .await;
    assert_eq!((taken.status, taken.error_fields()), (409, vec!["name".to_owned()]));
    save(&mut bob, json!({"entity": "contact", "name": "My contacts"})).await;
}

#[tokio::test]
async fn only_the_owner_or_an_admin_changes_a_view_and_viewers_keep_theirs_private() {
    let app = spawn_app().await;
    let mut admin = app.register("Rules Views").await;
    let mut ada = app.member(&admin, "rep").await;
    let mut bob = app.member(&admin, "manager").await;
    let mut viewer = app.member(&admin, "viewer").await;
    let shared = save(
        &mut ada,
        json!({"entity": "company", "name": "Accounts", "shared": true}),
    )
    .await;
    let private = save(&mut ada, json!({"entity": "company", "name": "Scratch"})).await;
    let shared_path = format!("/api/views/{}", shared["id"].as_str().unwrap());
    let private_path = format!("/api/views/{}", private["id"].as_str().unwrap());

    assert_eq!(bob.patch(&shared_path, &json!({"name": "Mine now"})).await.status, 403);
    assert_eq!(bob.delete(&shared_path).await.status, 403);
    assert_eq!(bob.patch(&private_path, &json!({"name": "Peek"})).await.status, 404);
    assert_eq!(admin.delete(&private_path).await.status, 404, "private even to admins");

    let tidied = admin
        .patch(
            &shared_path,
            &json!({"name": "Key accounts", "sort": "name", "columns": ["domain"]}),
        )
        .await;
    assert_eq!(tidied.status, 200, "{}", tidied.body);
    assert_eq!(tidied.json["owner_id"], ada.user_id.to_string(), "still Ada's");
    let unsorted = ada.patch(&shared_path, &json!({"sort": null, "shared": false})).await;
    assert_eq!(
        (&unsorted.json["sort"], &unsorted.json["shared"]),
        (&Value::Null, &json!(false))
    );
    assert_eq!(
        ada.patch(&shared_path, &json!({"name": null})).await.error_fields(),
        ["name"]
    );

    let refused = viewer
        .post("/api/views", &json!({"entity": "deal", "name": "Team", "shared": true}))
        .await;
    assert_eq!(refused.status, 403);
    save(&mut viewer, json!({"entity": "deal", "name": "Just me"})).await;

    assert_eq!(ada.delete(&shared_path).await.status, 204);
    assert_eq!(ada.get("/api/views").await.json["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn another_organizations_views_are_not_found_and_stay_as_they_are() {
    let app = spawn_app().await;
    let mut ours = app.register("Our Views").await;
    let mut theirs = app.register("Their Views").await;
    let view = save(
        &mut theirs,
        json!({"entity": "deal", "name": "Pipeline", "shared": true}),
    )
    .await;
    let path = format!("/api/views/{}", view["id"].as_str().unwrap());
    assert!(names(&ours.get("/api/views").await.json).is_empty());
    assert_eq!(ours.patch(&path, &json!({"name": "Taken over"})).await.status, 404);
    assert_eq!(ours.delete(&path).await.status, 404);
    assert_eq!(names(&theirs.get("/api/views").await.json), ["Pipeline"]);
}

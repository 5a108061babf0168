//! Trash and restore (issue 12, ADR 0031): a deleted record leaves every
//! list, search, board and export; it comes back with its links, in either
//! order with a record it was linked to; unique values count live records
//! only; whoever may delete may restore, admins delete for good; the daily
//! purge takes what waited 30 days; another organization's trash is 404.

use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The default pipeline's id and the id of its stage `name`.
async fn stage(user: &mut User, name: &str) -> (String, String) {
    let pipelines = user.get("/api/pipelines").await;
    let pipeline = &pipelines.json["data"][0];
    let stage = pipeline["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap();
    (
        pipeline["id"].as_str().unwrap().to_owned(),
        stage["id"].as_str().unwrap().to_owned(),
    )
}

async fn created(user: &mut User, path: &str, body: Value) -> Value {
    let response = user.post(path, &body).await;
    assert_eq!(response.status, 201, "{path}: {}", response.body);
    response.json
}

fn trashed(list: &Value) -> Vec<(String, String)> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["label"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The board's deal count in one stage.
async fn board_count(user: &mut User, pipeline: &str, stage_id: &str) -> i64 {
    let board = user.get(&format!("/api/pipelines/{pipeline}/deals")).await;
    board.json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"]["id"] == stage_id)
        .unwrap()["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_deleted_contact_leaves_every_list_and_comes_back_with_its_links() {
    let app = spawn_app().await;
    let mut admin = app.register("Trash Co").await;
    let company = admin.company("Acme", Some("acme.test")).await;
    let contact = created(
        &mut admin,
        "/api/contacts",
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.test", "company_id": company}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, lead) = stage(&mut admin, "Lead").await;
    let deal = created(
        &mut admin,
        "/api/deals",
        json!({"title": "Acme renewal", "amount": "100.00", "currency": "USD", "stage_id": lead, "contact_ids": [contact]}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let call = created(
        &mut admin,
        "/api/activities",
        json!({"kind": "call", "subject": "Intro call", "contact_id": contact}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(admin.delete(&format!("/api/contacts/{contact}")).await.status, 204);
    assert_eq!(admin.get(&format!("/api/contacts/{contact}")).await.status, 404);
    assert_eq!(admin.get("/api/contacts?q=lovelace").await.json["data"], json!([]));
    assert_eq!(
        admin.get(&format!("/api/companies/{company}/contacts")).await.json["data"],
        json!([])
    );
    assert_eq!(
        admin.get(&format!("/api/deals/{deal}")).await.json["contact_ids"],
        json!([])
    );
    assert_eq!(
        admin.get(&format!("/api/activities/{call}")).await.json["contact_id"],
        Value::Null
    );
    assert!(!admin.get("/api/contacts/export").await.body.contains("ada@acme.test"));
    assert_eq!(admin.delete(&format!("/api/contacts/{contact}")).await.status, 404);

    let trash = admin.get("/api/trash").await;
    assert_eq!(trash.status, 200, "{}", trash.body);
    assert_eq!(
        trashed(&trash.json),
        [("contact".to_owned(), "Ada Lovelace".to_owned())]
    );
    let entry = &trash.json["data"][0];
    assert_eq!(entry["id"], contact.as_str());
    assert_eq!(entry["deleted_by"], admin.user_id.to_string());
    assert!(entry["deleted_by_name"].is_string());
    assert_eq!(admin.get("/api/trash?kind=deal").await.json["data"], json!([]));
    assert_eq!(admin.get("/api/trash?kind=lead").await.error_fields(), ["kind"]);

    // The e-mail is free while the contact is in the trash; taken again, the
    // restore is refused and changes nothing.
    let twin = admin.contact("Ada", "Twin", Some("ada@acme.test")).await;
    let refused = admin
        .post(&format!("/api/contacts/{contact}/restore"), &json!({}))
        .await;
    assert_eq!(
        (refused.status, refused.error_fields()),
        (409, vec!["email".to_owned()])
    );
    assert_eq!(trashed(&admin.get("/api/trash").await.json).len(), 1);
    assert_eq!(admin.delete(&format!("/api/contacts/{twin}")).await.status, 204);

    let restored = admin
        .post(&format!("/api/contacts/{contact}/restore"), &json!({}))
        .await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.json["email"], "ada@acme.test");
    assert_eq!(restored.json["company_id"], company.to_string());
    assert_eq!(restored.json["owner_id"], admin.user_id.to_string());
    assert_eq!(
        admin.get(&format!("/api/deals/{deal}")).await.json["contact_ids"],
        json!([contact])
    );
    assert_eq!(
        admin.get(&format!("/api/activities/{call}")).await.json["contact_id"],
        contact.as_str()
    );
    assert_eq!(
        admin.get("/api/contacts?q=lovelace").await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        trashed(&admin.get("/api/trash").await.json),
        [("contact".to_owned(), "Ada Twin".to_owned())]
    );
    assert_eq!(
        admin
            .post(&format!("/api/contacts/{contact}/restore"), &json!({}))
            .await
            .status,
        404
    );
    // A restore names its kind: a contact is not restored as a deal.
    assert_eq!(
        admin
            .post(&format!("/api/deals/{twin}/restore"), &json!({}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn deals_and_companies_come_back_with_totals_history_and_links_in_either_order() {
    let app = spawn_app().await;
    let mut admin = app.register("Order Co").await;
    let (pipeline, lead) = stage(&mut admin, "Lead").await;
    let (_, qualified) = stage(&mut admin, "Qualified").await;
    let company = admin.company("Globex", None).await;
    let contact = admin.contact("Hank", "Scorpio", None).await;
    let deal = created(
        &mut admin,
        "/api/deals",
        json!({"title": "Globex deal", "amount": "250.00", "currency": "USD", "stage_id": lead,
               "contact_ids": [contact], "company_id": company}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = admin
        .patch(&format!("/api/deals/{deal}"), &json!({"stage_id": qualified}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let history = admin.get(&format!("/api/deals/{deal}/history")).await.json;
    assert_eq!(board_count(&mut admin, &pipeline, &qualified).await, 1);

    // Deal first, then its contact; the deal comes back before the contact.
    assert_eq!(admin.delete(&format!("/api/deals/{deal}")).await.status, 204);
    assert_eq!(board_count(&mut admin, &pipeline, &qualified).await, 0);
    assert_eq!(
        admin.get(&format!("/api/contacts/{contact}/deals")).await.json["data"],
        json!([])
    );
    assert_eq!(admin.delete(&format!("/api/contacts/{contact}")).await.status, 204);
    let deal_back = admin.post(&format!("/api/deals/{deal}/restore"), &json!({})).await;
    assert_eq!(deal_back.status, 200, "{}", deal_back.body);
    assert_eq!(deal_back.json["contact_ids"], json!([]));
    assert_eq!(deal_back.json["company_id"], company.to_string());
    assert_eq!(board_count(&mut admin, &pipeline, &qualified).await, 1);
    assert_eq!(admin.get(&format!("/api/deals/{deal}/history")).await.json, history);
    let contact_back = admin
        .post(&format!("/api/contacts/{contact}/restore"), &json!({}))
        .await;
    assert_eq!(contact_back.status, 200, "{}", contact_back.body);
    assert_eq!(
        admin.get(&format!("/api/deals/{deal}")).await.json["contact_ids"],
        json!([contact])
    );

    // A company takes its deal and contact links along and brings them back.
    let employee = created(
        &mut admin,
        "/api/contacts",
        json!({"first_name": "Frank", "last_name": "Grimes", "company_id": company}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(admin.delete(&format!("/api/companies/{company}")).await.status, 204);
    assert_eq!(
        admin.get(&format!("/api/deals/{deal}")).await.json["company_id"],
        Value::Null
    );
    assert_eq!(
        admin.get(&format!("/api/contacts/{employee}")).await.json["company_id"],
        Value::Null
    );
    // The employee goes to the trash too and is restored after the company.
    assert_eq!(admin.delete(&format!("/api/contacts/{employee}")).await.status, 204);
    assert_eq!(
        admin
            .post(&format!("/api/companies/{company}/restore"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        admin.get(&format!("/api/deals/{deal}")).await.json["company_id"],
        company.to_string()
    );
    let employee_back = admin
        .post(&format!("/api/contacts/{employee}/restore"), &json!({}))
        .await;
    assert_eq!(employee_back.json["company_id"], company.to_string());

    // A deal whose stage was deleted while it waited cannot come back there.
    assert_eq!(admin.delete(&format!("/api/deals/{deal}")).await.status, 204);
    let gone = admin
        .delete(&format!("/api/pipelines/{pipeline}/stages/{qualified}"))
        .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    let refused = admin.post(&format!("/api/deals/{deal}/restore"), &json!({})).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(trashed(&admin.get("/api/trash?kind=deal").await.json).len(), 1);
}

#[tokio::test]
async fn whoever_may_delete_may_restore_and_only_admins_delete_for_good() {
    let app = spawn_app().await;
    let mut admin = app.register("Roles Trash").await;
    let mut manager = app.member(&admin, "manager").await;
    let mut rep = app.member(&admin, "rep").await;
    let mut viewer = app.member(&admin, "viewer").await;
    let mine = rep.contact("Rep", "Own", None).await;
    let theirs = manager.contact("Manager", "Own", None).await;
    assert_eq!(rep.delete(&format!("/api/contacts/{theirs}")).await.status, 403);
    assert_eq!(rep.delete(&format!("/api/contacts/{mine}")).await.status, 204);
    assert_eq!(manager.delete(&format!("/api/contacts/{theirs}")).await.status, 204);

    assert_eq!(trashed(&rep.get("/api/trash").await.json).len(), 2);
    assert_eq!(
        rep.post(&format!("/api/contacts/{theirs}/restore"), &json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        viewer
            .post(&format!("/api/contacts/{mine}/restore"), &json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        rep.post(&format!("/api/contacts/{mine}/restore"), &json!({}))
            .await
            .status,
        200
    );

    // Reps who see only their own records see only their own trash.
    let org = format!("/api/organizations/{}", admin.tenant_id);
    assert_eq!(admin.patch(&org, &json!({"rep_visibility": "own"})).await.status, 200);
    assert_eq!(rep.get("/api/trash").await.json["data"], json!([]));
    assert_eq!(
        rep.post(&format!("/api/contacts/{theirs}/restore"), &json!({}))
            .await
            .status,
        404
    );

    assert_eq!(manager.delete(&format!("/api/trash/{theirs}")).await.status, 403);
    assert_eq!(admin.delete(&format!("/api/trash/{theirs}")).await.status, 204);
    assert_eq!(admin.delete(&format!("/api/trash/{theirs}")).await.status, 404);
    assert_eq!(
        manager
            .post(&format!("/api/contacts/{theirs}/restore"), &json!({}))
            .await
            .status,
        404
    );

    let audit = admin.get("/api/audit-log").await.json;
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"record.restored") && actions.contains(&"record.purged"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn another_organizations_trash_is_not_found_and_left_alone() {
    let app = spawn_app().await;
    let mut alice = app.register("Alice Trash").await;
    let mut bob = app.register("Bob Trash").await;
    let theirs = bob.contact("Bob", "Customer", Some("bob@customer.test")).await;
    assert_eq!(bob.delete(&format!("/api/contacts/{theirs}")).await.status, 204);
    let activity = created(
        &mut bob,
        "/api/activities",
        json!({"kind": "note", "subject": "Bob's note"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(bob.delete(&format!("/api/activities/{activity}")).await.status, 204);

    assert_eq!(alice.get("/api/trash").await.json["data"], json!([]));
    assert_eq!(
        alice
            .post(&format!("/api/contacts/{theirs}/restore"), &json!({}))
            .await
            .status,
        404
    );
    assert_eq!(
        alice
            .post(&format!("/api/activities/{activity}/restore"), &json!({}))
            .await
            .status,
        404
    );
    assert_eq!(alice.delete(&format!("/api/trash/{theirs}")).await.status, 404);
    assert_eq!(trashed(&bob.get("/api/trash").await.json).len(), 2);
    let back = bob
        .post(&format!("/api/activities/{activity}/restore"), &json!({}))
        .await;
    assert_eq!((back.status, back.json["subject"].clone()), (200, json!("Bob's note")));
}

/// Makes the `purge_trash` schedule due and waits for a run to finish.
async fn run_purge(app: &TestApp) {
    let finished = || async {
        sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
            "SELECT last_finished_at FROM schedules WHERE name = 'purge_trash'",
        )
        .fetch_optional(&app.owner)
        .await
        .unwrap()
        .flatten()
    };
    let started = Instant::now();
    // The worker registers and first runs the schedule when it starts.
    while finished().await.is_none() {
        assert!(started.elapsed() < Duration::from_secs(10), "the purge never ran");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let before = finished().await;
    sqlx::query("UPDATE schedules SET next_run_at = now() WHERE name = 'purge_trash'")
        .execute(&app.owner)
        .await
        .unwrap();
    while finished().await == before {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the purge did not run again"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn the_daily_purge_deletes_for_good_what_waited_thirty_days() {
    let app = spawn_app().await;
    let mut admin = app.register("Purge Trash").await;
    let old = admin.contact("Old", "Deleted", None).await;
    let recent = admin.contact("Recent", "Deleted", None).await;
    for id in [old, recent] {
        assert_eq!(admin.delete(&format!("/api/contacts/{id}")).await.status, 204);
    }
    app.owner_exec(
        "UPDATE trash SET deleted_at = now() - interval '31 days' WHERE id = $1",
        old,
    )
    .await;
    run_purge(&app).await;
    let left: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM trash")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    assert_eq!(left, [recent]);
    assert_eq!(
        admin
            .post(&format!("/api/contacts/{old}/restore"), &json!({}))
            .await
            .status,
        404
    );
}

//! Deals: defaults, probability, closing, history, references, roles,
//! isolation, and the organization settings they depend on.

use clearview_tests::{User, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

async fn stage_id(user: &mut User, name: &str) -> Uuid {
    let list = user.get("/api/pipelines").await;
    let stages = list.json["data"][0]["stages"].as_array().unwrap().clone();
    stages.iter().find(|s| s["name"] == name).unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn deal_body(extra: Value) -> Value {
    let mut body = json!({"title": "Fleet renewal", "amount": "12500.00", "currency": "USD"});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test]
async fn a_sales_rep_logs_a_call_against_a_deal() {
    let app = spawn_app().await;
    let admin = app.register("Acme").await;
    let mut rep = app.member(&admin, "rep").await;
    let contact = rep.contact("Grace", "Hopper", None).await;
    let deal = rep
        .post("/api/deals", &deal_body(json!({"contact_ids": [contact]})))
        .await;
    assert_eq!(deal.status, 201, "{}", deal.body);
    let deal_id = deal.id();
    let call = rep
        .post(
            "/api/activities",
            &json!({"kind": "call", "subject": "Discovery call", "deal_id": deal_id, "contact_id": contact,
                    "metadata": {"duration_seconds": 420, "outcome": "connected"}}),
        )
        .await;
    assert_eq!(call.status, 201, "{}", call.body);
    let timeline = rep.get(&format!("/api/deals/{deal_id}/activities")).await;
    assert_eq!(timeline.status, 200);
    assert_eq!(timeline.json["data"][0]["subject"], "Discovery call");
    assert_eq!(timeline.json["data"][0]["metadata"]["duration_seconds"], 420);
    let of_contact = rep.get(&format!("/api/contacts/{contact}/deals")).await;
    assert_eq!(of_contact.json["data"][0]["id"], deal_id.to_string());
}

#[tokio::test]
async fn a_new_deal_starts_in_the_first_open_stage_with_its_probability() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let created = admin.post("/api/deals", &deal_body(json!({}))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.header("location").unwrap(),
        format!("/api/deals/{}", created.id())
    );
    let deal = created.json;
    assert_eq!(deal["stage_id"], stage_id(&mut admin, "Lead").await.to_string());
    assert_eq!(deal["status"], "open");
    assert_eq!(deal["amount"], "12500.00");
    assert_eq!(deal["probability"], 10);
    assert_eq!(deal["probability_overridden"], false);
    assert_eq!(deal["weighted_amount"], "1250.00");
    assert_eq!(deal["closed_at"], Value::Null);
    assert_eq!(deal["owner_id"], admin.user_id.to_string());
}

#[tokio::test]
async fn probability_overrides_stage_moves_closing_and_history() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let id = admin.post("/api/deals", &deal_body(json!({}))).await.id();
    let path = format!("/api/deals/{id}");

    let set = admin.patch(&path, &json!({"probability": 60})).await;
    assert_eq!(
        (
            set.json["probability"].clone(),
            set.json["probability_overridden"].clone()
        ),
        (json!(60), json!(true))
    );
    let reset = admin.patch(&path, &json!({"probability": null})).await;
    assert_eq!(reset.json["probability"], 10, "null returns to the stage's probability");
    assert_eq!(
        admin.patch(&path, &json!({"probability": 101})).await.error_fields(),
        ["probability"]
    );

    let won = stage_id(&mut admin, "Won").await;
    let closed = admin.patch(&path, &json!({"stage_id": won})).await;
    assert_eq!(closed.json["status"], "won");
    assert_eq!(closed.json["probability"], 100);
    let closed_at = closed.json["closed_at"].as_str().expect("closed").to_owned();
    let retitled = admin.patch(&path, &json!({"title": "Fleet renewal 2027"})).await;
    assert_eq!(
        retitled.json["closed_at"], closed_at,
        "staying won keeps the closing time"
    );

    let stray_reason = admin.patch(&path, &json!({"lost_reason": "price"})).await;
    assert_eq!(stray_reason.status, 409, "a lost reason contradicts an open stage");
    assert_eq!(stray_reason.error_fields(), ["lost_reason"]);
    let lost = stage_id(&mut admin, "Lost").await;
    let lost_deal = admin
        .patch(&path, &json!({"stage_id": lost, "lost_reason": "price"}))
        .await;
    assert_eq!(lost_deal.json["status"], "lost");
    assert_eq!(lost_deal.json["lost_reason"], "price");
    let lead = stage_id(&mut admin, "Lead").await;
    let reopened = admin.patch(&path, &json!({"stage_id": lead})).await;
    assert_eq!(reopened.json["closed_at"], Value::Null);
    assert_eq!(reopened.json["lost_reason"], Value::Null);

    let history = admin.get(&format!("{path}/history")).await;
    let moves: Vec<(Value, Value)> = history.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["from_stage_name"].clone(), m["to_stage_name"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("Lead")),
            (json!("Lead"), json!("Won")),
            (json!("Won"), json!("Lost")),
            (json!("Lost"), json!("Lead")),
        ]
    );
    assert_eq!(history.json["data"][1]["changed_by"], admin.user_id.to_string());
}

#[tokio::test]
async fn money_is_a_decimal_string_in_an_iso_currency() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let float = admin.post("/api/deals", &deal_body(json!({"amount": 12500.5}))).await;
    assert_eq!(float.status, 422);
    assert_eq!(float.error_fields(), ["amount"]);
    let bad = admin
        .post("/api/deals", &deal_body(json!({"amount": "-1", "currency": "usd"})))
        .await;
    assert_eq!(bad.error_fields(), ["amount", "currency"]);
    let exact = admin
        .post("/api/deals", &deal_body(json!({"amount": "0.1234", "currency": "KWD"})))
        .await;
    assert_eq!(exact.json["amount"], "0.1234");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM deals")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_stage_of_another_pipeline_is_refused() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let other = admin
        .post(
            "/api/pipelines",
            &json!({"name": "Other", "stages": [{"name": "Open", "probability": 10, "kind": "open"}]}),
        )
        .await;
    let other_pipeline = other.id();
    let lead = stage_id(&mut admin, "Lead").await;
    let mixed = admin
        .post(
            "/api/deals",
            &deal_body(json!({"pipeline_id": other_pipeline, "stage_id": lead})),
        )
        .await;
    assert_eq!(mixed.status, 404);
    assert_eq!(mixed.error_fields(), ["stage_id"]);
    let moved = admin
        .post("/api/deals", &deal_body(json!({"pipeline_id": other_pipeline})))
        .await;
    assert_eq!(moved.json["stage_id"], other.json["stages"][0]["id"]);
}

#[tokio::test]
async fn the_role_matrix_applies_to_deals() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut alice = app.member(&admin, "rep").await;
    let mut bob = app.member(&admin, "rep").await;
    let mut viewer = app.member(&admin, "viewer").await;
    let alices = alice.post("/api/deals", &deal_body(json!({}))).await.id();
    assert_eq!(viewer.post("/api/deals", &deal_body(json!({}))).await.status, 403);
    assert_eq!(
        bob.patch(&format!("/api/deals/{alices}"), &json!({"title": "mine"}))
            .await
            .status,
        403
    );
    assert_eq!(bob.delete(&format!("/api/deals/{alices}")).await.status, 403);
    let give = alice
        .patch(&format!("/api/deals/{alices}"), &json!({"owner_id": bob.user_id}))
        .await;
    assert_eq!(give.status, 403);

    // With `own` visibility a rep sees neither the deal nor its numbers.
    let settings = admin
        .patch(
            &format!("/api/organizations/{}", admin.tenant_id),
            &json!({"rep_visibility": "own"}),
        )
        .await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    assert_eq!(bob.get(&format!("/api/deals/{alices}")).await.status, 404);
    assert_eq!(bob.get("/api/deals").await.json["data"], json!([]));
    let pipeline = bob.get("/api/pipelines").await.json["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let board = bob.get(&format!("/api/pipelines/{pipeline}/deals")).await;
    assert_eq!(board.json["stages"][0]["count"], 0);
    assert_eq!(
        admin.get(&format!("/api/pipelines/{pipeline}/deals")).await.json["stages"][0]["count"],
        1
    );
}

#[tokio::test]
async fn organization_settings_are_read_by_members_and_changed_by_admins() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut manager = app.member(&admin, "manager").await;
    let path = format!("/api/organizations/{}", admin.tenant_id);
    assert_eq!(manager.get(&path).await.json["name"], "Acme");
    assert_eq!(manager.patch(&path, &json!({"name": "Mine"})).await.status, 403);
    let bad = admin
        .patch(&path, &json!({"rep_visibility": "some", "default_currency": "EURO"}))
        .await;
    assert_eq!(bad.error_fields(), ["rep_visibility", "default_currency"]);
    let changed = admin
        .patch(&path, &json!({"name": "Acme Ltd", "default_currency": "EUR"}))
        .await;
    assert_eq!(changed.json["name"], "Acme Ltd");
    assert_eq!(changed.json["default_currency"], "EUR");
    let other = app.register("Other").await;
    assert_eq!(
        admin
            .get(&format!("/api/organizations/{}", other.tenant_id))
            .await
            .status,
        404
    );
    assert_eq!(
        admin
            .patch(
                &format!("/api/organizations/{}", other.tenant_id),
                &json!({"name": "x"})
            )
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn another_tenants_deals_and_records_are_404_and_unchanged() {
    let app = spawn_app().await;
    let mut victim = app.register("Victim").await;
    let contact = victim.contact("Secret", "Person", None).await;
    let company = victim.company("Secret Co", None).await;
    let deal = victim
        .post("/api/deals", &deal_body(json!({"contact_ids": [contact]})))
        .await
        .id();
    let before = victim.get(&format!("/api/deals/{deal}")).await.body;
    let mut attacker = app.register("Attacker").await;
    let path = format!("/api/deals/{deal}");
    let attempts = [
        attacker.get(&path).await,
        attacker.put(&path, &deal_body(json!({}))).await,
        attacker.patch(&path, &json!({"title": "pwned"})).await,
        attacker.delete(&path).await,
        attacker.get(&format!("{path}/history")).await,
        attacker.get(&format!("{path}/activities")).await,
        attacker.get(&format!("/api/contacts/{contact}/deals")).await,
        attacker.get(&format!("/api/companies/{company}/deals")).await,
        attacker
            .post("/api/deals", &deal_body(json!({"contact_ids": [contact]})))
            .await,
        attacker
            .post("/api/deals", &deal_body(json!({"company_id": company})))
            .await,
    ];
    for (i, response) in attempts.iter().enumerate() {
        assert_eq!(response.status, 404, "attempt {i}: {}", response.body);
    }
    assert_eq!(attempts[8].error_fields(), ["contact_ids"]);
    assert_eq!(victim.get(&format!("/api/deals/{deal}")).await.body, before);
    let attackers: i64 = sqlx::query_scalar("SELECT count(*) FROM deals WHERE tenant_id = $1")
        .bind(attacker.tenant_id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(attackers, 0, "nothing half-written");
    assert!(
        attacker.get("/api/deals?q=fleet").await.json["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_deal_list_filters_by_the_stage_kind_newest_first() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let (lead, won, lost) = (
        stage_id(&mut admin, "Lead").await,
        stage_id(&mut admin, "Won").await,
        stage_id(&mut admin, "Lost").await,
    );
    for (title, stage) in [("a", lead), ("b", won), ("c", lost), ("d", won), ("e", lead)] {
        let response = admin
            .post("/api/deals", &deal_body(json!({"title": title, "stage_id": stage})))
            .await;
        assert_eq!(response.status, 201, "{}", response.body);
    }
    let titles = |response: &clearview_tests::Response| -> Vec<String> {
        response.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let won_deals = admin.get("/api/deals?status=won").await;
    assert_eq!(titles(&won_deals), ["d", "b"]);
    assert!(
        won_deals.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "won")
    );
    assert_eq!(titles(&admin.get("/api/deals?status=open").await), ["e", "a"]);
    assert_eq!(titles(&admin.get("/api/deals?status=lost").await), ["c"]);
    let page = admin.get("/api/deals?limit=2").await;
    assert_eq!(titles(&page), ["e", "d"], "newest first across stages");
    let cursor = page.json["next_cursor"].as_str().unwrap().to_owned();
    let next = admin.get(&format!("/api/deals?limit=2&cursor={cursor}")).await;
    assert_eq!(titles(&next), ["c", "b"]);
}

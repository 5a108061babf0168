//! Duplicates and merge (issue 12, ADR 0032): likely pairs by name and
//! phone; a merge moves the loser's links to the winner in one transaction,
//! takes the chosen values and sends the loser to the trash; a dry run
//! writes nothing; restoring the loser undoes the merge; bad requests are
//! named; another organization's records are 404.

use clearview_tests::{User, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

async fn created(user: &mut User, path: &str, body: Value) -> String {
    let response = user.post(path, &body).await;
    assert_eq!(response.status, 201, "{path}: {}", response.body);
    response.json["id"].as_str().unwrap().to_owned()
}

/// The pairs of a duplicates page as (first name, second name, reasons).
fn pairs(page: &Value) -> Vec<(String, String, Vec<String>)> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["first"]["name"].as_str().unwrap().to_owned(),
                p["second"]["name"].as_str().unwrap().to_owned(),
                p["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn sorted(ids: &Value) -> Vec<String> {
    let mut ids: Vec<String> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn duplicate_contacts_and_companies_are_found_by_name_and_phone_and_paged() {
    let app = spawn_app().await;
    let mut admin = app.register("Dupes Co").await;
    for (first, last, phone) in [
        ("Ada", "Lovelace", None),
        ("Ada", "Lovelace", None),
        ("Jon", "Smith", None),
        ("John", "Smith", None),
        ("Mary", "Smith", None),
        ("Alan", "Turing", Some("+1 (555) 123-4567")),
        ("Front", "Desk", Some("1 555 123 4567")),
    ] {
        created(
            &mut admin,
            "/api/contacts",
            json!({"first_name": first, "last_name": last, "phone": phone}),
        )
        .await;
    }
    let page = admin.get("/api/contacts/duplicates").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        pairs(&page.json),
        vec![
            ("Ada Lovelace".into(), "Ada Lovelace".into(), names(&["same_name"])),
            ("Jon Smith".into(), "John Smith".into(), names(&["similar_name"])),
            ("Alan Turing".into(), "Front Desk".into(), names(&["same_phone"])),
        ]
    );
    // Paged by the pair: two, then the third.
    let first = admin.get("/api/contacts/duplicates?limit=2").await.json;
    assert_eq!(pairs(&first).len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = admin
        .get(&format!("/api/contacts/duplicates?limit=2&cursor={cursor}"))
        .await
        .json;
    assert_eq!(pairs(&rest)[0].0, "Alan Turing");
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_eq!(
        admin.get("/api/contacts/duplicates?cursor=nope").await.error_fields(),
        ["cursor"]
    );

    admin.company("Acme Corp", Some("acme.test")).await;
    admin.company("ACME Corp.", None).await;
    admin.company("Globex", None).await;
    let companies = admin.get("/api/companies/duplicates").await;
    assert_eq!(companies.status, 200, "{}", companies.body);
    assert_eq!(
        pairs(&companies.json),
        vec![("Acme Corp".into(), "ACME Corp.".into(), names(&["similar_name"]))]
    );
}

#[tokio::test]
async fn a_contact_merge_moves_links_takes_chosen_values_and_restoring_the_loser_undoes_it() {
    let app = spawn_app().await;
    let mut admin = app.register("Merge Co").await;
    let winner = created(
        &mut admin,
        "/api/contacts",
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@a.test"}),
    )
    .await;
    let loser = created(
        &mut admin,
        "/api/contacts",
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@b.test", "phone": "+44 20 7946 0000",
               "title": "Countess"}),
    )
    .await;
    let only_loser = created(
        &mut admin,
        "/api/deals",
        json!({"title": "Engine", "amount": "10.00", "currency": "GBP", "contact_ids": [loser]}),
    )
    .await;
    let both = created(
        &mut admin,
        "/api/deals",
        json!({"title": "Notes", "amount": "20.00", "currency": "GBP", "contact_ids": [winner, loser]}),
    )
    .await;
    let call = created(
        &mut admin,
        "/api/activities",
        json!({"kind": "call", "subject": "Hello", "contact_id": loser}),
    )
    .await;
    let body = json!({"winner_id": winner, "loser_id": loser, "fields": {"email": "loser"}, "dry_run": true});

    let dry = admin.post("/api/contacts/merge", &body).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.json["dry_run"], true);
    assert_eq!(dry.json["winner"]["email"], "ada@b.test");
    assert_eq!(dry.json["winner"]["title"], "Countess");
    assert_eq!(dry.json["moved"], json!({"deals": 2, "activities": 1}));
    assert_eq!(dry.json["fields"], json!(["email", "phone", "title"]));
    assert_eq!(admin.get(&format!("/api/contacts/{loser}")).await.status, 200);
    assert_eq!(
        admin.get(&format!("/api/contacts/{winner}")).await.json["email"],
        "ada@a.test"
    );
    assert_eq!(
        admin.get(&format!("/api/activities/{call}")).await.json["contact_id"],
        loser.as_str()
    );

    let mut real = body.clone();
    real["dry_run"] = json!(false);
    let merged = admin.post("/api/contacts/merge", &real).await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    assert_eq!(merged.json["winner"]["email"], "ada@b.test");
    assert_eq!(admin.get(&format!("/api/contacts/{loser}")).await.status, 404);
    assert_eq!(
        admin.get(&format!("/api/deals/{only_loser}")).await.json["contact_ids"],
        json!([winner])
    );
    assert_eq!(
        admin.get(&format!("/api/deals/{both}")).await.json["contact_ids"],
        json!([winner])
    );
    assert_eq!(
        admin.get(&format!("/api/activities/{call}")).await.json["contact_id"],
        winner.as_str()
    );
    let trash = admin.get("/api/trash").await.json;
    assert_eq!(trash["data"][0]["id"], loser.as_str());
    assert_eq!(trash["data"][0]["merged_into"], winner.as_str());
    let audit = admin.get("/api/audit-log?action=contacts.merged").await.json;
    assert_eq!(audit["data"][0]["target_id"], winner.as_str());
    assert_eq!(audit["data"][0]["details"]["loser_id"], loser.as_str());

    // Undo: the loser comes back with its links and values, the winner
    // gives back what it took.
    let restored = admin.post(&format!("/api/contacts/{loser}/restore"), &json!({})).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.json["email"], "ada@b.test");
    let winner_now = admin.get(&format!("/api/contacts/{winner}")).await.json;
    assert_eq!(
        (
            winner_now["email"].clone(),
            winner_now["phone"].clone(),
            winner_now["title"].clone()
        ),
        (json!("ada@a.test"), Value::Null, Value::Null)
    );
    assert_eq!(
        admin.get(&format!("/api/deals/{only_loser}")).await.json["contact_ids"],
        json!([loser])
    );
    let mut pair = vec![winner.clone(), loser.clone()];
    pair.sort();
    assert_eq!(
        sorted(&admin.get(&format!("/api/deals/{both}")).await.json["contact_ids"]),
        pair
    );
    assert_eq!(
        admin.get(&format!("/api/activities/{call}")).await.json["contact_id"],
        loser.as_str()
    );
}

#[tokio::test]
async fn a_company_merge_moves_its_contacts_and_deals_and_may_take_the_domain() {
    let app = spawn_app().await;
    let mut admin = app.register("Company Merge").await;
    let winner = admin.company("Acme Corp", None).await.to_string();
    let loser = admin.company("ACME Corp.", Some("acme.test")).await.to_string();
    let person = created(
        &mut admin,
        "/api/contacts",
        json!({"first_name": "Wile", "last_name": "Coyote", "company_id": loser}),
    )
    .await;
    let deal = created(
        &mut admin,
        "/api/deals",
        json!({"title": "Rockets", "amount": "5.00", "currency": "USD", "company_id": loser}),
    )
    .await;
    let merged = admin
        .post(
            "/api/companies/merge",
            &json!({"winner_id": winner, "loser_id": loser, "fields": {"name": "winner"}}),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    assert_eq!(merged.json["winner"]["name"], "Acme Corp");
    assert_eq!(merged.json["winner"]["domain"], "acme.test");
    assert_eq!(
        merged.json["moved"],
        json!({"contacts": 1, "deals": 1, "activities": 0})
    );
    assert_eq!(
        admin.get(&format!("/api/contacts/{person}")).await.json["company_id"],
        winner.as_str()
    );
    assert_eq!(
        admin.get(&format!("/api/deals/{deal}")).await.json["company_id"],
        winner.as_str()
    );
    assert_eq!(admin.get(&format!("/api/companies/{loser}")).await.status, 404);
}

#[tokio::test]
async fn bad_merges_are_named_refused_or_not_found_and_change_nothing() {
    let app = spawn_app().await;
    let mut admin = app.register("Bad Merge").await;
    let mut rep = app.member(&admin, "rep").await;
    let mut other = app.register("Other Merge").await;
    let a = admin.contact("Grace", "Hopper", None).await.to_string();
    let b = admin.contact("Grace", "Hopper", None).await.to_string();
    let mine = rep.contact("Grace", "Hopper", None).await.to_string();
    let foreign = other
        .contact("Grace", "Hopper", Some("grace@other.test"))
        .await
        .to_string();

    let bad = admin
        .post(
            "/api/contacts/merge",
            &json!({"winner_id": a, "loser_id": a, "fields": {"nickname": "loser", "email": "both"}}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.error_fields(), ["loser_id", "fields.email", "fields.nickname"]);
    let missing = Uuid::now_v7().to_string();
    assert_eq!(
        admin
            .post("/api/contacts/merge", &json!({"winner_id": a, "loser_id": missing}))
            .await
            .status,
        404
    );
    assert_eq!(
        rep.post("/api/contacts/merge", &json!({"winner_id": mine, "loser_id": a}))
            .await
            .status,
        403
    );
    assert_eq!(
        admin
            .post("/api/contacts/merge", &json!({"winner_id": a, "loser_id": foreign}))
            .await
            .status,
        404
    );
    assert_eq!(
        admin
            .post("/api/companies/merge", &json!({"winner_id": a, "loser_id": b}))
            .await
            .status,
        404
    );
    for id in [&a, &b, &mine] {
        assert_eq!(admin.get(&format!("/api/contacts/{id}")).await.status, 200);
    }
    assert_eq!(
        other.get(&format!("/api/contacts/{foreign}")).await.json["email"],
        "grace@other.test"
    );
    assert_eq!(other.get("/api/trash").await.json["data"], json!([]));
    // Another organization's pairs are not listed.
    let pairs = admin.get("/api/contacts/duplicates").await.json;
    assert!(!pairs.to_string().contains(&foreign));
}

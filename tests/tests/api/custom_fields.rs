//! Custom fields (issue 12, ADR 0034): admins define them, every write
//! checks its values, lists filter and sort on them, deleting a field
//! deletes its values, and another organization's field is 404.

use clearview_tests::{User, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

async fn define(admin: &mut User, body: Value) -> Value {
    let created = admin.post("/api/custom-fields", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.json
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn company_with(admin: &mut User, name: &str, custom: Value) -> String {
    let created = admin
        .post("/api/companies", &json!({"name": name, "custom_fields": custom}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.json["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn values_are_checked_returned_filtered_and_sorted() {
    let app = spawn_app().await;
    let mut admin = app.register("Fields Co").await;
    define(
        &mut admin,
        json!({"entity": "company", "key": "tier", "label": "Tier", "type": "single_select",
               "options": [{"label": "Gold"}, {"label": "Silver"}, {"label": "Bronze"}]}),
    )
    .await;
    define(
        &mut admin,
        json!({"entity": "company", "key": "seats", "label": "Seats", "type": "number"}),
    )
    .await;
    define(
        &mut admin,
        json!({"entity": "company", "key": "renewal", "label": "Renewal", "type": "date"}),
    )
    .await;
    let budget = define(
        &mut admin,
        json!({"entity": "deal", "key": "budget", "label": "Budget", "type": "currency", "currency": "EUR",
               "required": true}),
    )
    .await;
    assert_eq!(budget["currency"], "EUR");

    let acme = company_with(
        &mut admin,
        "Acme",
        json!({"tier": "Gold", "seats": 120, "renewal": "2027-03-01"}),
    )
    .await;
    let bolt = company_with(&mut admin, "Bolt", json!({"tier": "silver", "seats": "45.5"})).await;
    let core = company_with(&mut admin, "Core", json!({"seats": 300})).await;
    let read = admin.get(&format!("/api/companies/{acme}")).await;
    assert_eq!(
        read.json["custom_fields"],
        json!({"tier": "gold", "seats": "120", "renewal": "2027-03-01"})
    );

    // A wrong type, an unknown key and a missing required value name the field.
    let wrong = admin
        .post(
            "/api/companies",
            &json!({"name": "X", "custom_fields": {"seats": "many", "colour": "red"}}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.error_fields(), ["custom_fields.colour", "custom_fields.seats"]);
    let deal = admin
        .post(
            "/api/deals",
            &json!({"title": "D", "amount": "10.00", "currency": "EUR"}),
        )
        .await;
    assert_eq!(
        (deal.status, deal.error_fields()),
        (422, vec!["custom_fields.budget".to_owned()])
    );
    let deal = admin
        .post(
            "/api/deals",
            &json!({"title": "D", "amount": "10.00", "currency": "EUR", "custom_fields": {"budget": "2500.5"}}),
        )
        .await;
    assert_eq!(deal.status, 201, "{}", deal.body);
    assert_eq!(deal.json["custom_fields"]["budget"], "2500.50");

    // A PATCH sets what it names and null clears; the rest stays.
    let patched = admin
        .patch(
            &format!("/api/companies/{bolt}"),
            &json!({"custom_fields": {"seats": null, "renewal": "2026-12-31"}}),
        )
        .await;
    assert_eq!(
        patched.json["custom_fields"],
        json!({"tier": "silver", "renewal": "2026-12-31"})
    );
    let renamed = admin
        .patch(&format!("/api/companies/{bolt}"), &json!({"name": "Bolt Ltd"}))
        .await;
    assert_eq!(renamed.json["custom_fields"]["tier"], "silver");

    // Filters: any of a select's options, ranges on numbers and dates.
    let page = admin.get("/api/companies?cf.tier=gold,silver&sort=name").await;
    assert_eq!(ids(&page.json), [acme.clone(), bolt.clone()]);
    let page = admin.get("/api/companies?cf.seats.gte=100&sort=name").await;
    assert_eq!(ids(&page.json), [acme.clone(), core.clone()]);
    let page = admin.get("/api/companies?cf.renewal.lte=2027-01-01").await;
    assert_eq!(ids(&page.json), [bolt.as_str()]);

    // In the default order the first filter's matches drive the list
    // (newest first, or oldest with sort=created_at), page by page, each
    // record once even when several of its values match.
    let first = admin.get("/api/companies?cf.seats.gte=40&limit=1").await;
    assert_eq!(ids(&first.json), [core.as_str()]);
    let cursor = first.json["next_cursor"].as_str().unwrap().to_owned();
    let second = admin
        .get(&format!("/api/companies?cf.seats.gte=40&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(ids(&second.json), [acme.as_str()]);
    assert!(second.json["next_cursor"].is_null(), "{}", second.body);
    let oldest = admin.get("/api/companies?cf.seats.gte=40&sort=created_at").await;
    assert_eq!(ids(&oldest.json), [acme.clone(), core.clone()]);
    let both = admin.get("/api/companies?cf.seats.gte=40&cf.tier=gold").await;
    assert_eq!(ids(&both.json), [acme.as_str()]);
    let between = admin.get("/api/companies?cf.seats.gte=40&cf.seats.lte=200").await;
    assert_eq!(ids(&between.json), [acme.as_str()]);
    define(
        &mut admin,
        json!({"entity": "company", "key": "regions", "label": "Regions", "type": "multi_select",
               "options": [{"label": "EU"}, {"label": "US"}]}),
    )
    .await;
    let regions = admin
        .patch(
            &format!("/api/companies/{acme}"),
            &json!({"custom_fields": {"regions": ["EU", "US"]}}),
        )
        .await;
    assert_eq!(regions.status, 200, "{}", regions.body);
    let keys = regions.json["custom_fields"]["regions"].clone();
    let any = format!(
        "/api/companies?cf.regions={},{}",
        keys[0].as_str().unwrap(),
        keys[1].as_str().unwrap()
    );
    assert_eq!(ids(&admin.get(&any).await.json), [acme.as_str()]);
    let bad = admin
        .get("/api/companies?cf.tier.gte=gold&cf.nope=1&cf.seats=lots")
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.error_fields(), ["cf.tier.gte", "cf.nope", "cf.seats"]);

    // Sort by a custom field, records without a value last, page by page.
    let mut seen = Vec::new();
    let mut path = "/api/companies?sort=-cf.seats&limit=1".to_owned();
    loop {
        let page = admin.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(ids(&page.json));
        match page.json["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/companies?sort=-cf.seats&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, [core.clone(), acme.clone(), bolt.clone()]);
    let cursor = admin.get("/api/companies?sort=cf.seats&limit=1").await.json["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_sort = admin
        .get(&format!("/api/companies?sort=cf.tier&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(other_sort.error_fields(), ["cursor"]);
}

#[tokio::test]
async fn renaming_an_option_keeps_values_and_deleting_removes_them() {
    let app = spawn_app().await;
    let mut admin = app.register("Options Co").await;
    let tags = define(
        &mut admin,
        json!({"entity": "contact", "key": "tags", "label": "Tags", "type": "multi_select",
               "options": [{"label": "Partner"}, {"label": "Press"}, {"label": "Investor"}]}),
    )
    .await;
    let tags_id = tags["id"].as_str().unwrap();
    let created = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "Ada", "last_name": "L", "custom_fields": {"tags": ["press", "partner"]}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let ada = created.json["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json["custom_fields"]["tags"], json!(["partner", "press"]));

    let renamed = admin
        .patch(
            &format!("/api/custom-fields/{tags_id}"),
            &json!({"options": [{"key": "partner", "label": "Channel partner"}, {"key": "investor", "label": "Investor"}]}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        renamed.json["options"][0],
        json!({"key": "partner", "label": "Channel partner"})
    );
    // The removed option left the value; the renamed one stayed.
    let read = admin.get(&format!("/api/contacts/{ada}")).await;
    assert_eq!(read.json["custom_fields"], json!({"tags": ["partner"]}));
    assert_eq!(
        ids(&admin.get("/api/contacts?cf.tags=partner").await.json),
        [ada.as_str()]
    );

    // A contact in the trash holds a value too: deleting the field takes it.
    let trashed = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "Bob", "last_name": "T", "custom_fields": {"tags": ["investor"]}}),
        )
        .await
        .id();
    assert_eq!(admin.delete(&format!("/api/contacts/{trashed}")).await.status, 204);
    assert_eq!(admin.delete(&format!("/api/custom-fields/{tags_id}")).await.status, 204);
    let restored = admin
        .post(&format!("/api/contacts/{trashed}/restore"), &json!({}))
        .await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.json["custom_fields"], json!({}));
    let read = admin.get(&format!("/api/contacts/{ada}")).await;
    assert_eq!(read.json["custom_fields"], json!({}));
    let leftover: i64 = sqlx::query_scalar("SELECT count(*) FROM custom_field_values WHERE record_id = $1")
        .bind(Uuid::parse_str(&ada).unwrap())
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(leftover, 0);
    let again = admin.get("/api/contacts?cf.tags=partner").await;
    assert_eq!(again.error_fields(), ["cf.tags"]);
}

#[tokio::test]
async fn only_admins_define_fields_and_another_organizations_field_is_404() {
    let app = spawn_app().await;
    let mut admin = app.register("Owner Co").await;
    let mut manager = app.member(&admin, "manager").await;
    let mut other = app.register("Other Co").await;
    let field = define(
        &mut admin,
        json!({"entity": "deal", "key": "source", "label": "Source", "type": "text"}),
    )
    .await;
    let id = field["id"].as_str().unwrap();

    let denied = manager
        .post(
            "/api/custom-fields",
            &json!({"entity": "deal", "key": "x", "label": "X", "type": "text"}),
        )
        .await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        manager.get("/api/custom-fields?entity=deal").await.json["data"][0]["key"],
        "source"
    );
    let taken = admin
        .post(
            "/api/custom-fields",
            &json!({"entity": "deal", "key": "source", "label": "Again", "type": "text"}),
        )
        .await;
    assert_eq!((taken.status, taken.error_fields()), (409, vec!["key".to_owned()]));

    assert_eq!(
        other
            .patch(&format!("/api/custom-fields/{id}"), &json!({"label": "Mine"}))
            .await
            .status,
        404
    );
    assert_eq!(other.delete(&format!("/api/custom-fields/{id}")).await.status, 404);
    assert_eq!(other.get("/api/custom-fields").await.json["data"], json!([]));
    // The other organization cannot write a value of it either.
    let foreign = other
        .post(
            "/api/companies",
            &json!({"name": "Z", "custom_fields": {"source": "web"}}),
        )
        .await;
    assert_eq!(foreign.error_fields(), ["custom_fields.source"]);
    let unchanged = admin.get("/api/custom-fields?entity=deal").await;
    assert_eq!(unchanged.json["data"][0]["label"], "Source");
}

#[tokio::test]
async fn a_merge_takes_custom_values_and_restoring_the_loser_gives_them_back() {
    let app = spawn_app().await;
    let mut admin = app.register("Merge Fields").await;
    define(
        &mut admin,
        json!({"entity": "contact", "key": "tier", "label": "Tier", "type": "text"}),
    )
    .await;
    define(
        &mut admin,
        json!({"entity": "contact", "key": "seats", "label": "Seats", "type": "number"}),
    )
    .await;
    let contact = |custom: Value| json!({"first_name": "Ada", "last_name": "Byron", "custom_fields": custom});
    let winner = admin.post("/api/contacts", &contact(json!({"tier": "a"}))).await.id();
    let loser = admin
        .post("/api/contacts", &contact(json!({"tier": "b", "seats": 5})))
        .await
        .id();

    let body = json!({"winner_id": winner, "loser_id": loser, "fields": {"cf.tier": "loser"}, "dry_run": true});
    let dry = admin.post("/api/contacts/merge", &body).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.json["fields"], json!(["cf.seats", "cf.tier"]));
    assert_eq!(dry.json["winner"]["custom_fields"], json!({"tier": "b", "seats": "5"}));
    let unchanged = admin.get(&format!("/api/contacts/{winner}")).await;
    assert_eq!(unchanged.json["custom_fields"], json!({"tier": "a"}));

    let mut real = body.clone();
    real["dry_run"] = json!(false);
    let merged = admin.post("/api/contacts/merge", &real).await;
    assert_eq!(
        merged.json["winner"]["custom_fields"],
        json!({"tier": "b", "seats": "5"})
    );
    let page = admin.get("/api/contacts?cf.seats.gte=5").await;
    assert_eq!(ids(&page.json), [winner.to_string()]);

    let bad = admin
        .post(
            "/api/contacts/merge",
            &json!({"winner_id": winner, "loser_id": loser, "fields": {"cf.": "loser"}}),
        )
        .await;
    assert_eq!(bad.error_fields(), ["fields.cf."]);

    let restored = admin.post(&format!("/api/contacts/{loser}/restore"), &json!({})).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.json["custom_fields"], json!({"tier": "b", "seats": "5"}));
    let given_back = admin.get(&format!("/api/contacts/{winner}")).await;
    assert_eq!(given_back.json["custom_fields"], json!({"tier": "a"}));
}

#[tokio::test]
async fn exports_have_a_column_per_custom_field() {
    let app = spawn_app().await;
    let mut admin = app.register("Export Fields").await;
    define(
        &mut admin,
        json!({"entity": "company", "key": "tags", "label": "Tags", "type": "multi_select",
               "options": [{"label": "Partner"}, {"label": "Press"}]}),
    )
    .await;
    define(
        &mut admin,
        json!({"entity": "company", "key": "motto", "label": "Motto", "type": "text"}),
    )
    .await;
    company_with(
        &mut admin,
        "Acme",
        json!({"tags": ["press", "partner"], "motto": "=1+1"}),
    )
    .await;
    company_with(&mut admin, "Bolt", json!({})).await;
    let response = admin.get("/api/companies/export").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let mut reader = csv::ReaderBuilder::new().from_reader(response.body.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(headers[headers.len() - 2..], ["cf.tags", "cf.motto"]);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let acme = rows.iter().find(|r| r[1] == "Acme").unwrap();
    // Options in the field's order; a formula neutralised like every cell.
    assert_eq!(acme[acme.len() - 2..], ["partner; press", "'=1+1"]);
    let bolt = rows.iter().find(|r| r[1] == "Bolt").unwrap();
    assert_eq!(bolt[bolt.len() - 2..], ["", ""]);
}

#[tokio::test]
async fn imports_map_columns_to_custom_fields_checked_like_the_api() {
    use clearview_tests::imports::{import, query_value};
    let app = spawn_app().await;
    let mut admin = app.register("Import Fields").await;
    define(
        &mut admin,
        json!({"entity": "contact", "key": "tier", "label": "Tier", "type": "single_select",
               "options": [{"label": "Gold"}, {"label": "Silver"}]}),
    )
    .await;
    define(
        &mut admin,
        json!({"entity": "contact", "key": "seats", "label": "Seats", "type": "number"}),
    )
    .await;
    // A `cf.<key>` header maps itself; another header is mapped explicitly.
    let mapping = json!({"First": "first_name", "Last": "last_name", "Email": "email", "cf.tier": "cf.tier",
                         "Seats": "cf.seats"});
    let query = format!("?mapping={}", query_value(&mapping.to_string()));
    let csv = "First,Last,Email,cf.tier,Seats\nAda,L,ada@x.test,Gold,12\nBob,L,bob@x.test,Bronze,3\n";
    let done = import(&mut admin, &query, csv).await;
    assert_eq!(
        (done["created"].as_i64(), done["failed"].as_i64()),
        (Some(1), Some(1)),
        "{done}"
    );
    assert_eq!(done["errors"][0]["field"], "custom_fields.tier");
    let ada = admin.get("/api/contacts?cf.tier=gold").await;
    assert_eq!(
        ada.json["data"][0]["custom_fields"],
        json!({"tier": "gold", "seats": "12"})
    );

    // An update merges the mapped fields and leaves the others.
    let query = format!(
        "?mode=update&mapping={}",
        query_value(
            &json!({"Email": "email", "First": "first_name", "Last": "last_name", "Seats": "cf.seats"}).to_string()
        )
    );
    let done = import(&mut admin, &query, "Email,First,Last,Seats\nada@x.test,Ada,L,20\n").await;
    assert_eq!(done["updated"].as_i64(), Some(1), "{done}");
    let ada = admin.get("/api/contacts?cf.seats.gte=20").await;
    assert_eq!(
        ada.json["data"][0]["custom_fields"],
        json!({"tier": "gold", "seats": "20"})
    );

    let unknown = admin
        .post_csv(
            &format!(
                "/api/contacts/import?mapping={}",
                query_value(r#"{"F":"first_name","L":"last_name","X":"cf.nope"}"#)
            ),
            "F,L,X\nA,B,C\n",
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.error_fields()),
        (422, vec!["mapping".to_owned()])
    );
}

//! Pipelines and stages, the board and the forecast.

use clearview_tests::{User, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

/// The default pipeline and its stage ids by name.
pub(crate) async fn default_pipeline(user: &mut User) -> (Uuid, Vec<(String, Uuid)>) {
    let list = user.get("/api/pipelines").await;
    let pipeline = &list.json["data"][0];
    let stages = pipeline["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["id"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    (pipeline["id"].as_str().unwrap().parse().unwrap(), stages)
}

fn stage(stages: &[(String, Uuid)], name: &str) -> Uuid {
    stages.iter().find(|(n, _)| n == name).unwrap().1
}

async fn deal(user: &mut User, body: Value) -> Value {
    let response = user.post("/api/deals", &body).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json
}

async fn deal_id(user: &mut User, body: Value) -> String {
    deal(user, body).await["id"].as_str().unwrap().to_owned()
}

/// Totals without their base-currency parts (tested in `rates.rs`).
fn per_currency(totals: &Value) -> Value {
    let keep = ["currency", "amount", "weighted_amount", "expected", "weighted", "won"];
    Value::Array(
        totals
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let object = t.as_object().unwrap();
                Value::Object(
                    object
                        .iter()
                        .filter(|(k, _)| keep.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                )
            })
            .collect(),
    )
}

#[tokio::test]
async fn sign_up_creates_a_default_pipeline_with_ordered_stages() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let list = admin.get("/api/pipelines").await;
    assert_eq!(list.status, 200);
    let pipelines = list.json["data"].as_array().unwrap();
    assert_eq!(pipelines.len(), 1);
    assert_eq!(pipelines[0]["is_default"], true);
    let stages: Vec<(String, i64, String, i64)> = pipelines[0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["probability"].as_i64().unwrap(),
                s["kind"].as_str().unwrap().into(),
                s["position"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        [
            ("Lead".into(), 10, "open".into(), 0),
            ("Qualified".into(), 25, "open".into(), 1),
            ("Proposal".into(), 50, "open".into(), 2),
            ("Negotiation".into(), 75, "open".into(), 3),
            ("Won".into(), 100, "won".into(), 4),
            ("Lost".into(), 0, "lost".into(), 5),
        ]
    );
}

#[tokio::test]
async fn managers_configure_pipelines_and_bad_pipelines_are_named() {
    let app = spawn_app().await;
    let admin = app.register("Acme").await;
    let mut manager = app.member(&admin, "manager").await;
    let mut rep = app.member(&admin, "rep").await;
    let body = json!({"name": "Renewals", "stages": [
        {"name": "Due", "probability": 60, "kind": "open"},
        {"name": "Renewed", "probability": 100, "kind": "won"}]});
    assert_eq!(rep.post("/api/pipelines", &body).await.status, 403);
    let created = manager.post("/api/pipelines", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json["is_default"], false);
    assert_eq!(
        manager.post("/api/pipelines", &body).await.status,
        409,
        "names are unique"
    );

    let closed_only = json!({"name": "X", "stages": [{"name": "Won", "probability": 100, "kind": "won"}]});
    let response = manager.post("/api/pipelines", &closed_only).await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["stages"]);
    let bad_stage = json!({"name": "Y", "stages": [{"name": "", "probability": 120, "kind": "maybe"}]});
    let response = manager.post("/api/pipelines", &bad_stage).await;
    assert_eq!(
        response.error_fields(),
        ["stages[0].name", "stages[0].probability", "stages[0].kind"]
    );
    assert_eq!(
        rep.get("/api/pipelines").await.json["data"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn stages_are_added_renamed_and_reordered_with_dense_positions() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let (pipeline, stages) = default_pipeline(&mut admin).await;
    let added = admin
        .post(
            &format!("/api/pipelines/{pipeline}/stages"),
            &json!({"name": "Demo", "probability": 40, "kind": "open", "position": 2}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let (_, after) = default_pipeline(&mut admin).await;
    let names: Vec<&str> = after.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Lead", "Qualified", "Demo", "Proposal", "Negotiation", "Won", "Lost"]
    );

    let mut reversed: Vec<Uuid> = after.iter().map(|(_, id)| *id).collect();
    reversed.reverse();
    let reordered = admin
        .put(
            &format!("/api/pipelines/{pipeline}/stages/order"),
            &json!({"stage_ids": reversed}),
        )
        .await;
    assert_eq!(reordered.status, 200, "{}", reordered.body);
    let positions: Vec<i64> = reordered.json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(reordered.json["stages"][0]["name"], "Lost");

    let partial = admin
        .put(
            &format!("/api/pipelines/{pipeline}/stages/order"),
            &json!({"stage_ids": &reversed[..3]}),
        )
        .await;
    assert_eq!(partial.status, 409);
    assert_eq!(partial.error_fields(), ["stage_ids"]);

    let lead = stage(&stages, "Lead");
    let rename = admin
        .patch(
            &format!("/api/pipelines/{pipeline}/stages/{lead}"),
            &json!({"name": "won"}),
        )
        .await;
    assert_eq!(rename.status, 409, "stage names are unique ignoring case");
    let rename = admin
        .patch(
            &format!("/api/pipelines/{pipeline}/stages/{lead}"),
            &json!({"name": "New lead", "probability": 5}),
        )
        .await;
    assert_eq!(rename.status, 200);
    assert_eq!(rename.json["probability"], 5);
}

#[tokio::test]
async fn a_pipeline_keeps_at_least_one_open_stage() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let created = admin
        .post(
            "/api/pipelines",
            &json!({"name": "Tiny", "stages": [{"name": "Open", "probability": 10, "kind": "open"},
                                                {"name": "Won", "probability": 100, "kind": "won"}]}),
        )
        .await;
    let pipeline = created.id();
    let open = created.json["stages"][0]["id"].as_str().unwrap();
    let to_won = admin
        .patch(
            &format!("/api/pipelines/{pipeline}/stages/{open}"),
            &json!({"kind": "won"}),
        )
        .await;
    assert_eq!(to_won.status, 409);
    assert_eq!(to_won.error_fields(), ["kind"]);
    assert_eq!(
        admin
            .delete(&format!("/api/pipelines/{pipeline}/stages/{open}"))
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn deleting_a_stage_that_holds_deals_moves_them_in_one_step() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let (pipeline, stages) = default_pipeline(&mut admin).await;
    let lead = stage(&stages, "Lead");
    let qualified = stage(&stages, "Qualified");
    let created = deal(
        &mut admin,
        json!({"title": "A", "amount": "100.00", "currency": "USD", "stage_id": lead}),
    )
    .await;
    let id = created["id"].as_str().unwrap();

    let refused = admin.delete(&format!("/api/pipelines/{pipeline}/stages/{lead}")).await;
    assert_eq!(refused.status, 409);
    let to_itself = admin
        .delete(&format!(
            "/api/pipelines/{pipeline}/stages/{lead}?move_to_stage_id={lead}"
        ))
        .await;
    assert_eq!(to_itself.status, 422);
    let moved = admin
        .delete(&format!(
            "/api/pipelines/{pipeline}/stages/{lead}?move_to_stage_id={qualified}"
        ))
        .await;
    assert_eq!(moved.status, 204, "{}", moved.body);

    let read = admin.get(&format!("/api/deals/{id}")).await;
    assert_eq!(read.json["stage_id"], qualified.to_string());
    let history = admin.get(&format!("/api/deals/{id}/history")).await;
    let last = history.json["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["from_stage_name"], "Lead");
    assert_eq!(last["to_stage_name"], "Qualified");
    let (_, after) = default_pipeline(&mut admin).await;
    assert_eq!(after.len(), 5);
    let positions = admin.get(&format!("/api/pipelines/{pipeline}")).await.json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["position"].as_i64().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(positions, [0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn pipelines_holding_deals_or_the_default_are_not_deleted() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let (default, _) = default_pipeline(&mut admin).await;
    assert_eq!(admin.delete(&format!("/api/pipelines/{default}")).await.status, 409);
    let other = admin
        .post(
            "/api/pipelines",
            &json!({"name": "Other", "stages": [{"name": "Open", "probability": 10, "kind": "open"}]}),
        )
        .await
        .id();
    deal(
        &mut admin,
        json!({"title": "A", "amount": "1", "currency": "USD", "pipeline_id": other}),
    )
    .await;
    assert_eq!(admin.delete(&format!("/api/pipelines/{other}")).await.status, 409);
    let made_default = admin
        .patch(&format!("/api/pipelines/{other}"), &json!({"is_default": true}))
        .await;
    assert_eq!(made_default.json["is_default"], true);
    let old = admin.get(&format!("/api/pipelines/{default}")).await;
    assert_eq!(old.json["is_default"], false);
    assert_eq!(admin.delete(&format!("/api/pipelines/{default}")).await.status, 204);
}

#[tokio::test]
async fn the_board_totals_match_hand_computed_values_and_pages_per_stage() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let (pipeline, stages) = default_pipeline(&mut admin).await;
    let (lead, proposal) = (stage(&stages, "Lead"), stage(&stages, "Proposal"));
    deal(
        &mut admin,
        json!({"title": "a", "amount": "1000.00", "currency": "USD", "stage_id": lead}),
    )
    .await;
    deal(
        &mut admin,
        json!({"title": "b", "amount": "500.50", "currency": "USD", "stage_id": lead, "probability": 50}),
    )
    .await;
    deal(
        &mut admin,
        json!({"title": "c", "amount": "200", "currency": "EUR", "stage_id": lead}),
    )
    .await;
    deal(
        &mut admin,
        json!({"title": "d", "amount": "3000.00", "currency": "USD", "stage_id": proposal}),
    )
    .await;

    let board = admin.get(&format!("/api/pipelines/{pipeline}/deals?limit=2")).await;
    assert_eq!(board.status, 200, "{}", board.body);
    let columns = board.json["stages"].as_array().unwrap();
    assert_eq!(columns.len(), 6);
    let lead_column = &columns[0];
    assert_eq!(lead_column["count"], 3);
    assert_eq!(
        per_currency(&lead_column["totals"]),
        json!([
            {"currency": "EUR", "amount": "200.00", "weighted_amount": "20.00"},
            {"currency": "USD", "amount": "1500.50", "weighted_amount": "350.25"},
        ])
    );
    assert_eq!(lead_column["deals"].as_array().unwrap().len(), 2);
    let cursor = lead_column["next_cursor"].as_str().expect("more deals in Lead");
    let rest = admin.get(&format!("/api/deals?stage_id={lead}&cursor={cursor}")).await;
    assert_eq!(rest.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest.json["data"][0]["title"], "a", "the oldest comes last");
    assert_eq!(
        per_currency(&columns[2]["totals"]),
        json!([{"currency": "USD", "amount": "3000.00", "weighted_amount": "1500.00"}])
    );
    assert_eq!(columns[1]["count"], 0);
    assert_eq!(columns[1]["next_cursor"], Value::Null);
}

#[tokio::test]
async fn the_forecast_sums_open_deals_by_expected_month_and_won_deals_by_closing_month() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let (_, stages) = default_pipeline(&mut admin).await;
    let (qualified, won) = (stage(&stages, "Qualified"), stage(&stages, "Won"));
    deal(
        &mut admin,
        json!({"title": "a", "amount": "1000.00", "currency": "USD", "stage_id": qualified,
                            "expected_close_date": "2031-03-10"}),
    )
    .await;
    deal(
        &mut admin,
        json!({"title": "b", "amount": "333.33", "currency": "USD", "stage_id": qualified,
                            "expected_close_date": "2031-03-28", "probability": 33}),
    )
    .await;
    deal(
        &mut admin,
        json!({"title": "c", "amount": "50", "currency": "GBP", "stage_id": qualified,
                            "expected_close_date": "2031-05-01"}),
    )
    .await;
    deal(
        &mut admin,
        json!({"title": "outside", "amount": "9", "currency": "USD", "stage_id": qualified,
                            "expected_close_date": "2031-07-01"}),
    )
    .await;
    let forecast = admin.get("/api/reports/forecast?from=2031-03-01&to=2031-05-31").await;
    assert_eq!(forecast.status, 200, "{}", forecast.body);
    let months = forecast.json["months"].as_array().unwrap();
    assert_eq!(months.len(), 3, "every month of the range, empty ones too");
    assert_eq!(
        months[0]["base_total"]["expected"], "1333.33",
        "all in USD, the organization's"
    );
    assert_eq!(
        json!({"month": months[0]["month"], "currencies": per_currency(&months[0]["currencies"])}),
        json!({"month": "2031-03", "currencies": [
            {"currency": "USD", "expected": "1333.33", "weighted": "359.9989", "won": "0.00"}]})
    );
    assert_eq!(months[1]["currencies"], json!([]));
    assert_eq!(months[2]["currencies"][0]["weighted"], "12.50");

    let won_deal = deal(
        &mut admin,
        json!({"title": "w", "amount": "70.00", "currency": "USD", "stage_id": won}),
    )
    .await;
    assert!(won_deal["closed_at"].is_string());
    // By default the forecast starts with the current month.
    let now = admin.get("/api/reports/forecast").await;
    assert_eq!(now.json["months"].as_array().unwrap().len(), 12);
    assert_eq!(now.json["months"][0]["currencies"][0]["won"], "70.00");
    // A reversed range lists no month; a long one is cut to 60 months.
    let reversed = admin.get("/api/reports/forecast?from=2031-05-01&to=2031-03-01").await;
    assert_eq!(reversed.status, 200);
    assert!(reversed.json["months"].as_array().unwrap().is_empty());
    let long = admin.get("/api/reports/forecast?from=2030-01-01&to=2099-12-31").await;
    assert_eq!(long.json["to"], "2034-12-31");
    assert_eq!(long.json["months"].as_array().unwrap().len(), 60);
}

#[tokio::test]
async fn another_tenants_pipelines_and_stages_are_404_everywhere() {
    let app = spawn_app().await;
    let mut victim = app.register("Victim").await;
    let (pipeline, stages) = default_pipeline(&mut victim).await;
    let lead = stage(&stages, "Lead");
    let mut attacker = app.register("Attacker").await;
    let before = victim.get(&format!("/api/pipelines/{pipeline}")).await.body;

    let stage_body = json!({"name": "Pwned", "probability": 1, "kind": "open"});
    let attempts = [
        attacker.get(&format!("/api/pipelines/{pipeline}")).await,
        attacker
            .patch(&format!("/api/pipelines/{pipeline}"), &json!({"name": "Pwned"}))
            .await,
        attacker.delete(&format!("/api/pipelines/{pipeline}")).await,
        attacker.get(&format!("/api/pipelines/{pipeline}/deals")).await,
        attacker
            .post(&format!("/api/pipelines/{pipeline}/stages"), &stage_body)
            .await,
        attacker
            .patch(
                &format!("/api/pipelines/{pipeline}/stages/{lead}"),
                &json!({"name": "Pwned"}),
            )
            .await,
        attacker
            .delete(&format!("/api/pipelines/{pipeline}/stages/{lead}"))
            .await,
        attacker
            .put(
                &format!("/api/pipelines/{pipeline}/stages/order"),
                &json!({"stage_ids": [lead]}),
            )
            .await,
        attacker
            .get(&format!("/api/reports/forecast?pipeline_id={pipeline}"))
            .await,
        attacker
            .post(
                "/api/deals",
                &json!({"title": "x", "amount": "1", "currency": "USD", "stage_id": lead}),
            )
            .await,
        attacker
            .post(
                "/api/deals",
                &json!({"title": "x", "amount": "1", "currency": "USD", "pipeline_id": pipeline}),
            )
            .await,
    ];
    for (i, response) in attempts.iter().enumerate() {
        assert_eq!(response.status, 404, "attempt {i}: {}", response.body);
    }
    assert_eq!(victim.get(&format!("/api/pipelines/{pipeline}")).await.body, before);
    let deals: i64 = sqlx::query_scalar("SELECT count(*) FROM deals")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(deals, 0);
}

/// The board's kept sums (`deal_stage_totals`, ADR 0022) as the owner reads
/// them, beside the same sums computed from the deals themselves.
async fn kept_and_recounted(app: &clearview_tests::TestApp, tenant: Uuid) -> (Vec<String>, Vec<String>) {
    let kept: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws(' ', stage_id, owner_id, currency, probability, deal_count, trim_scale(amount)) \
         FROM deal_stage_totals WHERE tenant_id = $1 AND deal_count > 0 ORDER BY 1",
    )
    .bind(tenant)
    .fetch_all(&app.owner)
    .await
    .unwrap();
    let recounted: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws(' ', stage_id, owner_id, currency, probability, count(*), trim_scale(sum(amount))) \
         FROM deals WHERE tenant_id = $1 GROUP BY stage_id, owner_id, currency, probability ORDER BY 1",
    )
    .bind(tenant)
    .fetch_all(&app.owner)
    .await
    .unwrap();
    (kept, recounted)
}

#[tokio::test]
async fn the_kept_board_sums_follow_every_change_of_a_deal_including_a_removed_owner() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let mut rep = app.member(&admin, "rep").await;
    let (pipeline, stages) = default_pipeline(&mut admin).await;
    let (lead, proposal) = (stage(&stages, "Lead"), stage(&stages, "Proposal"));
    let tenant = admin.tenant_id;

    let a = deal_id(
        &mut admin,
        json!({"title": "a", "amount": "1000.00", "currency": "USD", "stage_id": lead}),
    )
    .await;
    let b = deal_id(
        &mut rep,
        json!({"title": "b", "amount": "250.1234", "currency": "EUR", "stage_id": lead, "probability": 40}),
    )
    .await;
    let c = deal_id(
        &mut rep,
        json!({"title": "c", "amount": "75", "currency": "USD", "stage_id": proposal}),
    )
    .await;
    let (kept, recounted) = kept_and_recounted(&app, tenant).await;
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert_eq!(kept, recounted, "after creating");

    // Each kind of change: stage, amount and currency, probability, owner.
    let changes = [
        (&a, json!({"stage_id": proposal})),
        (&b, json!({"amount": "90.00", "currency": "USD"})),
        (&b, json!({"probability": null})),
        (&c, json!({"owner_id": admin.user_id})),
        (&a, json!({"title": "renamed only"})),
    ];
    for (id, change) in changes {
        let response = admin.patch(&format!("/api/deals/{id}"), &change).await;
        assert_eq!(response.status, 200, "{change}: {}", response.body);
        let (kept, recounted) = kept_and_recounted(&app, tenant).await;
        assert_eq!(kept, recounted, "after {change}");
    }

    // A rep's board counts only their own deals, from the same sums.
    let settings = admin
        .patch(
            &format!("/api/organizations/{tenant}"),
            &json!({"rep_visibility": "own"}),
        )
        .await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    let board = rep.get(&format!("/api/pipelines/{pipeline}/deals")).await;
    assert_eq!(board.json["stages"][0]["count"], 1, "{}", board.body);
    assert_eq!(
        per_currency(&board.json["stages"][0]["totals"]),
        json!([{"currency": "USD", "amount": "90.00", "weighted_amount": "9.00"}])
    );
    assert_eq!(board.json["stages"][2]["count"], 0, "c now belongs to the admin");

    // Removing the rep leaves their deals unowned: one cascade statement
    // moves both, in two stages.
    deal(
        &mut rep,
        json!({"title": "f", "amount": "5", "currency": "EUR", "stage_id": proposal}),
    )
    .await;
    let member = format!("/api/organizations/{tenant}/members/{}", rep.user_id);
    assert_eq!(admin.delete(&member).await.status, 204);
    let (kept, recounted) = kept_and_recounted(&app, tenant).await;
    assert_eq!(kept, recounted, "after removing the owner");
    assert!(kept.contains(&format!("{lead} USD 1 90")), "{kept:?}");
    assert!(kept.contains(&format!("{proposal} EUR 1 5")), "{kept:?}");

    assert_eq!(admin.delete(&format!("/api/deals/{a}")).await.status, 204);
    let (kept, recounted) = kept_and_recounted(&app, tenant).await;
    assert_eq!(kept, recounted, "after deleting");
    let board = admin.get(&format!("/api/pipelines/{pipeline}/deals")).await;
    assert_eq!(
        per_currency(&board.json["stages"][2]["totals"]),
        json!([
            {"currency": "EUR", "amount": "5.00", "weighted_amount": "2.50"},
            {"currency": "USD", "amount": "75.00", "weighted_amount": "37.50"},
        ])
    );
}

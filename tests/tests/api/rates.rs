//! Multi-currency (issue 12, ADR 0030): exchange rates against the
//! organization's currency, set as JSON or CSV (all or none), and base
//! totals on the board and the forecast at the rate in force, exact, with
//! a missing rate named instead of guessed. Roles and isolation.

use clearview_tests::{User, spawn_app};
use serde_json::{Value, json};

async fn deal(user: &mut User, title: &str, amount: &str, currency: &str) -> Value {
    let created = user
        .post(
            "/api/deals",
            &json!({"title": title, "amount": amount, "currency": currency,
                    "expected_close_date": chrono::Utc::now().date_naive()}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.json
}

async fn first_stage_totals(user: &mut User) -> Value {
    let pipelines = user.get("/api/pipelines").await;
    let id = pipelines.json["data"][0]["id"].as_str().unwrap().to_owned();
    let board = user.get(&format!("/api/pipelines/{id}/deals")).await;
    assert_eq!(board.status, 200, "{}", board.body);
    board.json["stages"][0].clone()
}

#[tokio::test]
async fn board_totals_add_a_base_total_at_the_rate_in_force_and_name_a_missing_rate() {
    let app = spawn_app().await;
    let mut admin = app.register("Rates Co").await;
    deal(&mut admin, "Home", "1000.00", "USD").await;
    deal(&mut admin, "Paris", "12500.00", "EUR").await;
    deal(&mut admin, "London", "100.00", "GBP").await;

    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Days::new(1);
    let tomorrow = today + chrono::Days::new(1);
    let set = admin
        .put(
            "/api/exchange-rates",
            &json!({"rates": [
                {"currency": "EUR", "date": yesterday, "rate": "1.0845"},
                {"currency": "EUR", "date": tomorrow, "rate": "2"},
            ]}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.json["base_currency"], "USD");
    assert_eq!(set.json["data"].as_array().unwrap().len(), 2);

    let stage = first_stage_totals(&mut admin).await;
    let eur = stage["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["currency"] == "EUR")
        .unwrap()
        .clone();
    assert_eq!(eur["base_amount"], "13556.25", "yesterday's rate, not tomorrow's");
    assert_eq!((&eur["rate"], &eur["rate_date"]), (&json!("1.0845"), &json!(yesterday)));
    assert_eq!(eur["base_currency"], "USD");
    assert!(
        stage["base_total"]["amount"].is_null(),
        "GBP has no rate: no total is guessed"
    );
    assert_eq!(stage["base_total"]["missing_rates"], json!(["GBP"]));

    let csv = "currency,date,rate\nGBP,2020-01-01,1.25\n";
    let imported = admin
        .send_raw(
            reqwest::Method::POST,
            "/api/exchange-rates/import",
            Some(("text/csv", csv.as_bytes().to_vec())),
            &[],
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    let stage = first_stage_totals(&mut admin).await;
    assert_eq!(stage["base_total"]["amount"], "14681.25", "1000 + 13556.25 + 125");
    assert_eq!(stage["base_total"]["missing_rates"], json!([]));

    let forecast = admin.get("/api/reports/forecast").await;
    let this_month = &forecast.json["months"][0];
    assert_eq!(this_month["base_total"]["expected"], "14681.25");
    assert_eq!(this_month["base_total"]["currency"], "USD");
}

#[tokio::test]
async fn rates_are_all_or_none_and_only_managers_set_them() {
    let app = spawn_app().await;
    let mut admin = app.register("Strict Rates").await;
    let mut rep = app.member(&admin, "rep").await;
    let body = json!({"rates": [
        {"currency": "EUR", "date": "2026-01-01", "rate": "1.1"},
        {"currency": "USD", "date": "2026-01-01", "rate": "1"},
        {"currency": "GBP", "date": "2026-01-01", "rate": "-3"},
    ]});
    let refused = admin.put("/api/exchange-rates", &body).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.error_fields(), ["rates[2].rate"]);
    let own = admin
        .put(
            "/api/exchange-rates",
            &json!({"rates": [{"currency": "EUR", "date": "2026-01-01", "rate": "1.1"},
                              {"currency": "USD", "date": "2026-01-01", "rate": "1"}]}),
        )
        .await;
    assert_eq!(own.error_fields(), ["rates[1].currency"]);
    assert_eq!(
        admin.get("/api/exchange-rates").await.json["data"],
        json!([]),
        "nothing was set"
    );
    let bad_csv = admin
        .send_raw(
            reqwest::Method::POST,
            "/api/exchange-rates/import",
            Some((
                "text/csv",
                b"currency,date,rate\nEUR,2026-01-01,1.1\nEUR,someday,1.2\n".to_vec(),
            )),
            &[],
        )
        .await;
    assert_eq!(
        (bad_csv.status, bad_csv.error_fields()),
        (422, vec!["rates[1].date".to_owned()])
    );

    let by_rep = rep
        .put(
            "/api/exchange-rates",
            &json!({"rates": [{"currency": "EUR", "date": "2026-01-01", "rate": "1.1"}]}),
        )
        .await;
    assert_eq!(by_rep.status, 403);
    assert_eq!(rep.get("/api/exchange-rates").await.status, 200, "everyone reads them");
}

#[tokio::test]
async fn another_organizations_rates_are_neither_seen_nor_used() {
    let app = spawn_app().await;
    let mut ours = app.register("Our Rates").await;
    let mut theirs = app.register("Their Rates").await;
    let set = theirs
        .put(
            "/api/exchange-rates",
            &json!({"rates": [{"currency": "EUR", "date": "2020-01-01", "rate": "1.5"}]}),
        )
        .await;
    assert_eq!(set.status, 200);
    assert_eq!(ours.get("/api/exchange-rates").await.json["data"], json!([]));
    deal(&mut ours, "Berlin", "10.00", "EUR").await;
    let stage = first_stage_totals(&mut ours).await;
    assert_eq!(stage["base_total"]["missing_rates"], json!(["EUR"]));
}

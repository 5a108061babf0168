//! Sales reports (issue 12, ADR 0033): win rate, sales cycle, velocity,
//! funnel, activities per week and rotting deals, checked against numbers
//! worked out by hand from deals whose dates are set exactly; reps who see
//! only their own records get reports of their own deals; another
//! organization's pipeline is 404 and its deals are never counted.

use chrono::Datelike;
use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

/// The default pipeline's id and its stage ids by name, as text.
async fn stages(user: &mut User) -> (String, Vec<(String, String)>) {
    let (pipeline, stages) = crate::pipelines::default_pipeline(user).await;
    let stages = stages.into_iter().map(|(name, id)| (name, id.to_string())).collect();
    (pipeline.to_string(), stages)
}

fn id_of(stages: &[(String, String)], name: &str) -> String {
    stages.iter().find(|(n, _)| n == name).unwrap().1.clone()
}

async fn deal(user: &mut User, body: Value) -> Uuid {
    let response = user.post("/api/deals", &body).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.id()
}

async fn move_to(user: &mut User, deal: Uuid, stage: &str, extra: Value) {
    let mut body = json!({"stage_id": stage});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let moved = user.patch(&format!("/api/deals/{deal}"), &body).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
}

/// Sets when a deal was created and closed (the API stamps both itself).
async fn dates(app: &TestApp, deal: Uuid, created: &str, closed: Option<&str>) {
    sqlx::query(
        "UPDATE deals SET created_at = $2::timestamptz, closed_at = coalesce($3::timestamptz, closed_at) WHERE id = $1",
    )
    .bind(deal)
    .bind(created)
    .bind(closed)
    .execute(&app.owner)
    .await
    .unwrap();
}

/// Rows of a win-rate report as (owner, month, won, lost, rate), sorted.
fn win_rows(report: &Value) -> Vec<(String, String, i64, i64, Value)> {
    let mut rows: Vec<_> = report["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["owner_id"].as_str().unwrap_or("").to_owned(),
                r["month"].as_str().unwrap().to_owned(),
                r["won"].as_i64().unwrap(),
                r["lost"].as_i64().unwrap(),
                r["win_rate"].clone(),
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    rows
}

#[tokio::test]
async fn win_rate_sales_cycle_and_velocity_are_exact_and_follow_rep_visibility() {
    let app = spawn_app().await;
    let mut admin = app.register("Reports Co").await;
    let mut rep = app.member(&admin, "rep").await;
    let (_, stages) = stages(&mut admin).await;
    let (won, lost) = (id_of(&stages, "Won"), id_of(&stages, "Lost"));
    let (a, r) = (admin.user_id.to_string(), rep.user_id.to_string());
    let d1 = deal(
        &mut admin,
        json!({"title": "D1", "amount": "100.00", "currency": "USD", "owner_id": r}),
    )
    .await;
    let d2 = deal(
        &mut admin,
        json!({"title": "D2", "amount": "300.00", "currency": "USD", "owner_id": r}),
    )
    .await;
    let d3 = deal(
        &mut admin,
        json!({"title": "D3", "amount": "200.00", "currency": "USD"}),
    )
    .await;
    deal(
        &mut admin,
        json!({"title": "D4", "amount": "1000.00", "currency": "USD"}),
    )
    .await;
    deal(
        &mut admin,
        json!({"title": "D5", "amount": "50.00", "currency": "EUR", "owner_id": r}),
    )
    .await;
    move_to(&mut admin, d1, &won, json!({})).await;
    move_to(&mut admin, d2, &lost, json!({"lost_reason": "budget"})).await;
    move_to(&mut admin, d3, &won, json!({})).await;
    dates(&app, d1, "2026-03-01T00:00:00Z", Some("2026-03-11T00:00:00Z")).await; // 10 days
    dates(&app, d3, "2026-03-05T00:00:00Z", Some("2026-03-25T00:00:00Z")).await; // 20 days
    dates(&app, d2, "2026-02-01T00:00:00Z", Some("2026-04-02T12:00:00Z")).await;
    let range = "from=2026-03-01&to=2026-04-30";

    let report = admin.get(&format!("/api/reports/win-rate?{range}")).await;
    assert_eq!(report.status, 200, "{}", report.body);
    let mut expected = vec![
        (a.clone(), "2026-03".to_owned(), 1, 0, json!("1")),
        (r.clone(), "2026-03".to_owned(), 1, 0, json!("1")),
        (r.clone(), "2026-04".to_owned(), 0, 1, json!("0")),
    ];
    expected.sort_by(|x, y| (&x.1, &x.0).cmp(&(&y.1, &y.0)));
    assert_eq!(win_rows(&report.json), expected);
    assert_eq!(report.json["total"], json!({"won": 2, "lost": 1, "win_rate": "0.6667"}));

    let cycle = admin.get(&format!("/api/reports/sales-cycle?{range}")).await.json;
    assert_eq!(
        cycle["data"],
        json!([{"month": "2026-03", "won": 2, "average_days": "15"}])
    );
    assert_eq!(cycle["total"]["average_days"], "15");

    // USD: 1000 open × 2/3 won ÷ 15 days = 44.44 a day; EUR: no deal closed.
    let velocity = admin.get(&format!("/api/reports/velocity?{range}")).await.json;
    assert_eq!(
        velocity["data"],
        json!([
            {"currency": "EUR", "open_deals": 1, "open_amount": "50.00", "win_rate": null,
             "average_cycle_days": null, "per_day": null},
            {"currency": "USD", "open_deals": 1, "open_amount": "1000.00", "win_rate": "0.6667",
             "average_cycle_days": "15", "per_day": "44.44"},
        ])
    );
    // Outside the range nothing was closed.
    let empty = admin
        .get("/api/reports/win-rate?from=2025-01-01&to=2025-12-31")
        .await
        .json;
    assert_eq!(empty["total"], json!({"won": 0, "lost": 0, "win_rate": null}));

    // A rep who sees only their own deals gets a report of their own deals.
    let org = format!("/api/organizations/{}", admin.tenant_id);
    assert_eq!(admin.patch(&org, &json!({"rep_visibility": "own"})).await.status, 200);
    let mine = rep.get(&format!("/api/reports/win-rate?{range}")).await.json;
    assert_eq!(mine["total"], json!({"won": 1, "lost": 1, "win_rate": "0.5"}));
    let mine = rep.get(&format!("/api/reports/velocity?{range}")).await.json;
    assert_eq!(mine["data"][0]["currency"], "EUR");
    assert_eq!(mine["data"][1]["open_deals"], 0);

    let backwards = admin
        .get("/api/reports/win-rate?from=2026-05-01&to=2026-04-01")
        .await
        .json;
    assert_eq!(backwards["data"], json!([]));
    // At most five years, ending at `to`: an older `from` moves forward.
    let long = admin
        .get("/api/reports/sales-cycle?from=2000-01-01&to=2026-04-30")
        .await
        .json;
    assert_eq!(
        (long["from"].clone(), long["data"][0]["won"].clone()),
        (json!("2021-04-30"), json!(2))
    );
    assert_eq!(
        admin.get("/api/reports/win-rate?from=march").await.error_fields(),
        ["from"]
    );
}

#[tokio::test]
async fn the_funnel_counts_how_far_each_deal_of_the_cohort_got() {
    let app = spawn_app().await;
    let mut admin = app.register("Funnel Co").await;
    let (pipeline, stages) = stages(&mut admin).await;
    let s = |name: &str| id_of(&stages, name);
    let new = |title: &str| json!({"title": title, "amount": "1.00", "currency": "USD", "stage_id": s("Lead")});
    deal(&mut admin, new("stays in Lead")).await;
    let climbing = deal(&mut admin, new("climbs")).await;
    move_to(&mut admin, climbing, &s("Qualified"), json!({})).await;
    move_to(&mut admin, climbing, &s("Proposal"), json!({})).await;
    let winner = deal(&mut admin, new("skips to Won")).await;
    move_to(&mut admin, winner, &s("Won"), json!({})).await;
    let loser = deal(&mut admin, new("lost")).await;
    move_to(&mut admin, loser, &s("Lost"), json!({"lost_reason": "price"})).await;

    let funnel = admin.get("/api/reports/funnel").await;
    assert_eq!(funnel.status, 200, "{}", funnel.body);
    assert_eq!(funnel.json["pipeline_id"], pipeline.as_str());
    assert_eq!(
        (funnel.json["cohort"].clone(), funnel.json["lost"].clone()),
        (json!(4), json!(1))
    );
    let steps: Vec<(String, i64, Value)> = funnel.json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["reached"].as_i64().unwrap(),
                s["conversion"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("Lead".to_owned(), 4, Value::Null),
            ("Qualified".to_owned(), 2, json!("0.5")),
            ("Proposal".to_owned(), 2, json!("1")),
            ("Negotiation".to_owned(), 1, json!("0.5")),
            ("Won".to_owned(), 1, json!("1")),
        ]
    );

    // Another organization's pipeline is not found; its deals never count.
    let mut other = app.register("Other Funnel").await;
    assert_eq!(
        other
            .get(&format!("/api/reports/funnel?pipeline_id={pipeline}"))
            .await
            .status,
        404
    );
    assert_eq!(other.get("/api/reports/funnel").await.json["cohort"], 0);
    assert_eq!(other.get("/api/reports/win-rate").await.json["total"]["won"], 0);
}

#[tokio::test]
async fn activities_per_owner_and_week_and_deals_rotting_past_their_stages_limit() {
    let app = spawn_app().await;
    let mut admin = app.register("Activity Co").await;
    let (_, stages) = stages(&mut admin).await;
    for (kind, at) in [
        ("call", "2026-03-02T09:00:00Z"),
        ("call", "2026-03-04T09:00:00Z"),
        ("email", "2026-03-10T09:00:00Z"),
    ] {
        let logged = admin
            .post(
                "/api/activities",
                &json!({"kind": kind, "subject": kind, "occurred_at": at}),
            )
            .await;
        assert_eq!(logged.status, 201, "{}", logged.body);
    }
    let weeks = admin.get("/api/reports/activity?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(weeks.status, 200, "{}", weeks.body);
    let me = admin.user_id.to_string();
    assert_eq!(
        weeks.json["data"],
        json!([
            {"owner_id": me, "week": "2026-03-02", "counts": {"call": 2}, "total": 2},
            {"owner_id": me, "week": "2026-03-09", "counts": {"email": 1}, "total": 1},
        ])
    );

    // Idle 40 days: rotting under the default 30, not where the stage allows 60.
    let idle = deal(
        &mut admin,
        json!({"title": "Idle", "amount": "1.00", "currency": "USD", "stage_id": id_of(&stages, "Lead")}),
    )
    .await;
    let busy = deal(
        &mut admin,
        json!({"title": "Busy", "amount": "1.00", "currency": "USD", "stage_id": id_of(&stages, "Lead")}),
    )
    .await;
    let patient = deal(
        &mut admin,
        json!({"title": "Patient", "amount": "1.00", "currency": "USD", "stage_id": id_of(&stages, "Proposal")}),
    )
    .await;
    for id in [idle, busy, patient] {
        app.owner_exec(
            "UPDATE deals SET created_at = now() - interval '40 days' WHERE id = $1",
            id,
        )
        .await;
    }
    let recent = admin
        .post(
            "/api/activities",
            &json!({"kind": "note", "subject": "news", "deal_id": busy}),
        )
        .await;
    assert_eq!(recent.status, 201, "{}", recent.body);
    let (pipeline, _) = self::stages(&mut admin).await;
    let proposal = format!("/api/pipelines/{pipeline}/stages/{}", id_of(&stages, "Proposal"));
    let set = admin.patch(&proposal, &json!({"rotting_days": 60})).await;
    assert_eq!((set.status, set.json["rotting_days"].clone()), (200, json!(60)));
    assert_eq!(
        admin.patch(&proposal, &json!({"rotting_days": 0})).await.error_fields(),
        ["rotting_days"]
    );

    let rotting = admin.get("/api/reports/rotting").await;
    assert_eq!(rotting.status, 200, "{}", rotting.body);
    let titles: Vec<&str> = rotting.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Idle"]);
    assert_eq!(rotting.json["data"][0]["idle_days"], 40);
    assert_eq!(rotting.json["data"][0]["rotting_days"], 30);
    assert_eq!(rotting.json["data"][0]["last_activity_at"], Value::Null);
    // With the stage's own limit cleared, the default applies to it again.
    assert_eq!(admin.patch(&proposal, &json!({"rotting_days": null})).await.status, 200);
    let rotting = admin.get("/api/reports/rotting?days=35").await.json;
    assert_eq!(rotting["data"].as_array().unwrap().len(), 2);
    assert_eq!(admin.get("/api/reports/rotting?days=0").await.error_fields(), ["days"]);
}

/// Makes the `snapshot_forecasts` schedule due and waits for a run.
async fn take_snapshot(app: &TestApp) {
    let finished = || async {
        sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
            "SELECT last_finished_at FROM schedules WHERE name = 'snapshot_forecasts'",
        )
        .fetch_optional(&app.owner)
        .await
        .unwrap()
        .flatten()
    };
    let started = std::time::Instant::now();
    // The worker registers and first runs the schedule when it starts.
    while finished().await.is_none() {
        assert!(started.elapsed().as_secs() < 10, "no snapshot was taken");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let before = finished().await;
    sqlx::query("UPDATE schedules SET next_run_at = now() WHERE name = 'snapshot_forecasts'")
        .execute(&app.owner)
        .await
        .unwrap();
    while finished().await == before {
        assert!(started.elapsed().as_secs() < 20, "the snapshot did not run again");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn weekly_snapshots_keep_the_forecast_and_accuracy_compares_it_with_what_was_won() {
    let app = spawn_app().await;
    let mut admin = app.register("Accuracy Co").await;
    let (_, stages) = stages(&mut admin).await;
    let next_month = (chrono::Utc::now().date_naive().with_day(1).unwrap() + chrono::Months::new(1)).to_string();
    let open = deal(
        &mut admin,
        json!({"title": "Big one", "amount": "1000.00", "currency": "USD", "stage_id": id_of(&stages, "Proposal"),
               "expected_close_date": next_month}),
    )
    .await;
    take_snapshot(&app).await;
    let (month, weighted): (chrono::NaiveDate, String) = sqlx::query_as(
        "SELECT month, trim_scale(weighted)::text FROM forecast_snapshots WHERE tenant_id = $1 AND taken_on = current_date",
    )
    .bind(admin.tenant_id)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(
        (month.to_string(), weighted.to_string()),
        (next_month.clone(), "500".to_owned())
    );

    // Say that snapshot was taken on 20 February for March, and a later one
    // (after March began) said more: March is judged by the first. 400 of
    // the 500 weighted were won in March.
    sqlx::query("UPDATE forecast_snapshots SET taken_on = '2026-02-20', month = '2026-03-01' WHERE tenant_id = $1")
        .bind(admin.tenant_id)
        .execute(&app.owner)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO forecast_snapshots (tenant_id, taken_on, pipeline_id, owner_id, month, currency, deals, expected, weighted) \
         SELECT tenant_id, '2026-03-05', pipeline_id, owner_id, month, currency, deals, expected * 9, weighted * 9 \
         FROM forecast_snapshots WHERE tenant_id = $1",
    )
    .bind(admin.tenant_id)
    .execute(&app.owner)
    .await
    .unwrap();
    let won = deal(
        &mut admin,
        json!({"title": "Closed", "amount": "400.00", "currency": "USD", "stage_id": id_of(&stages, "Won")}),
    )
    .await;
    dates(&app, won, "2026-02-01T00:00:00Z", Some("2026-03-15T00:00:00Z")).await;
    let report = admin
        .get("/api/reports/forecast-accuracy?from=2026-03-01&to=2026-03-31")
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(
        report.json["data"],
        json!([{"month": "2026-03", "currency": "USD", "snapshot_taken_on": "2026-02-20", "expected": "1000.00",
                "weighted": "500.00", "won": "400.00", "accuracy": "0.8"}])
    );
    let _ = open;
    // Another organization sees none of it.
    let mut other = app.register("Other Accuracy").await;
    let theirs = other
        .get("/api/reports/forecast-accuracy?from=2026-03-01&to=2026-03-31")
        .await;
    assert_eq!(theirs.json["data"], json!([]));
}

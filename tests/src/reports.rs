//! Fixture rows for the sales reports' own table (ADR 0033).

use crate::TestApp;
use uuid::Uuid;

/// Fills `forecast_snapshots` for the tenant (a row the weekly schedule
/// would write), so tests that need every tenant table filled find one.
pub async fn fill_forecast_snapshots(app: &TestApp, tenant: Uuid) {
    app.owner_exec(
        "INSERT INTO forecast_snapshots (tenant_id, taken_on, pipeline_id, month, currency, deals, expected, weighted) \
         SELECT tenant_id, current_date, id, date_trunc('month', current_date), 'USD', 1, 1, 1 \
         FROM pipelines WHERE tenant_id = $1 AND is_default",
        tenant,
    )
    .await;
}

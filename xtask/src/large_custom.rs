//! The whale's custom fields for the benchmark (issue 12, ADR 0034): a
//! single-select `tier` (four options, a quarter of the contacts each) and
//! a number `seats` (0–499) on every contact of organization 0, so the
//! custom-field filter rows measure real index ranges. Idempotent: an
//! older dataset gains them on the next run.

use crate::large::tenant_of;
use sqlx::PgConnection;
use uuid::Uuid;

const TIER: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_cf01);
const SEATS: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_cf02);

pub async fn seed(conn: &mut PgConnection) -> anyhow::Result<()> {
    let whale = tenant_of(0);
    let present: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM custom_fields WHERE tenant_id = $1 AND id = $2)")
            .bind(whale)
            .bind(TIER)
            .fetch_one(&mut *conn)
            .await?;
    if present {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO custom_fields (tenant_id, id, entity, key, label, field_type, options, position) VALUES \
         ($1, $2, 'contact', 'tier', 'Tier', 'single_select', \
          '[{\"key\": \"gold\", \"label\": \"Gold\"}, {\"key\": \"silver\", \"label\": \"Silver\"}, \
            {\"key\": \"bronze\", \"label\": \"Bronze\"}, {\"key\": \"lead\", \"label\": \"Lead\"}]', 0), \
         ($1, $3, 'contact', 'seats', 'Seats', 'number', '[]', 1)",
    )
    .bind(whale)
    .bind(TIER)
    .bind(SEATS)
    .execute(&mut *conn)
    .await?;
    // The triggers index every value as it is written.
    sqlx::query(
        "UPDATE contacts SET custom_fields = jsonb_build_object( \
           'tier', (ARRAY['gold', 'silver', 'bronze', 'lead'])[1 + abs(hashtext(id::text)) % 4], \
           'seats', (abs(hashtext(id::text || 'seats')) % 500)::text) \
         WHERE tenant_id = $1",
    )
    .bind(whale)
    .execute(&mut *conn)
    .await?;
    sqlx::query("ANALYZE custom_field_values").execute(&mut *conn).await?;
    Ok(())
}

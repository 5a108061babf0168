//! The deal board of one pipeline, read in one transaction (one connection
//! and five round trips, where three separate reads took nine): the
//! pipeline with its stages, each stage's kept sums and its newest deals.

use crate::db::PgStore;
use crate::deals::DealRow;
use crate::errors::map_err;
use crate::pipelines::{currency_from, load_one};
use clearview_deals::Board;
use clearview_kernel::records::ReadScope;
use clearview_kernel::{Decimal, PipelineId, RepoError, StageId, TenantContext};
use clearview_pipelines::BoardRow;
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

pub(crate) async fn read(
    store: &PgStore,
    ctx: &TenantContext,
    pipeline: PipelineId,
    per_stage: u32,
    scope: ReadScope,
) -> Result<Board, RepoError> {
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let pipeline = load_one(&mut tx, ctx.tenant_id.as_uuid(), pipeline).await?;
    let totals = totals(&mut tx, ctx, pipeline.id, scope).await?;
    let deals = newest_per_stage(&mut tx, ctx, pipeline.id, per_stage, scope).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(Board {
        pipeline,
        totals,
        deals,
    })
}

/// Each stage's deals grouped by currency and effective probability, from
/// the sums triggers keep (`deal_stage_totals`, ADR 0022): a few rows per
/// stage, however many deals it holds.
async fn totals(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    pipeline: PipelineId,
    scope: ReadScope,
) -> Result<Vec<BoardRow>, RepoError> {
    let mut sql = QueryBuilder::new(
        "SELECT t.stage_id, t.currency::text, coalesce(t.probability, s.probability), \
                sum(t.deal_count)::bigint, sum(t.amount) \
         FROM deal_stage_totals t JOIN pipeline_stages s ON s.tenant_id = t.tenant_id AND s.id = t.stage_id \
         WHERE t.deal_count > 0 AND t.tenant_id = ",
    );
    sql.push_bind(ctx.tenant_id.as_uuid());
    sql.push(" AND s.pipeline_id = ").push_bind(pipeline.as_uuid());
    if let ReadScope::OwnedBy(owner) = scope {
        sql.push(" AND t.owner_id = ").push_bind(owner.as_uuid());
    }
    sql.push(" GROUP BY 1, 2, 3");
    let rows: Vec<(Uuid, String, i16, i64, Decimal)> = sql.build_query_as().fetch_all(conn).await.map_err(map_err)?;
    rows.into_iter()
        .map(|(stage, currency, probability, count, amount)| {
            Ok(BoardRow {
                stage_id: StageId::from_uuid(stage),
                currency: currency_from(&currency)?,
                probability: probability as u8,
                count,
                amount,
            })
        })
        .collect()
}

/// Up to `per_stage + 1` newest deals of every stage, in stage order. The
/// stage's kind and probability come from the stage being walked, not
/// looked up again per deal.
async fn newest_per_stage(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    pipeline: PipelineId,
    per_stage: u32,
    scope: ReadScope,
) -> Result<Vec<clearview_deals::Deal>, RepoError> {
    let mut sql = QueryBuilder::new(
        "SELECT d.id, d.title, d.amount, d.currency::text AS currency, d.pipeline_id, d.stage_id, \
                st.kind AS status, st.probability AS stage_probability, d.probability, d.company_id, d.owner_id, \
                d.expected_close_date, d.closed_at, d.lost_reason, d.custom_fields, d.created_at, d.updated_at, \
                ARRAY(SELECT dc.contact_id FROM deal_contacts dc WHERE dc.tenant_id = d.tenant_id AND dc.deal_id = d.id \
                      ORDER BY dc.contact_id) AS contact_ids \
         FROM pipeline_stages st CROSS JOIN LATERAL ( \
             SELECT * FROM deals d WHERE d.tenant_id = st.tenant_id AND d.stage_id = st.id",
    );
    if let ReadScope::OwnedBy(owner) = scope {
        sql.push(" AND d.owner_id = ").push_bind(owner.as_uuid());
    }
    sql.push(" ORDER BY d.created_at DESC, d.id DESC LIMIT ")
        .push_bind(i64::from(per_stage) + 1);
    sql.push(") d WHERE st.tenant_id = ").push_bind(ctx.tenant_id.as_uuid());
    sql.push(" AND st.pipeline_id = ").push_bind(pipeline.as_uuid());
    sql.push(" ORDER BY st.position, d.created_at DESC, d.id DESC");
    let rows: Vec<DealRow> = sql.build_query_as().fetch_all(conn).await.map_err(map_err)?;
    rows.into_iter().map(DealRow::into_deal).collect()
}

//! `PipelineRepository` over PostgreSQL: pipelines with ordered stages,
//! stage moves and the grouped totals behind the board and the forecast.

use crate::db::PgStore;
use crate::errors::map_err;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use clearview_kernel::records::ReadScope;
use clearview_kernel::{Currency, Decimal, PipelineId, RepoError, StageId, TenantContext};
use clearview_pipelines::{
    ForecastRow, NewPipeline, Pipeline, PipelineRepository, Probability, Stage, StageKind, StagePatch, StageSpec,
};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

type StageRow = (Uuid, Uuid, String, i32, i16, String, Option<i16>);
type PipelineRow = (Uuid, String, bool, DateTime<Utc>, DateTime<Utc>);
const STAGE_COLUMNS: &str = "id, pipeline_id, name, position, probability, kind, rotting_days";

fn stage_from(row: StageRow) -> Result<Stage, RepoError> {
    let (id, pipeline_id, name, position, probability, kind, rotting_days) = row;
    Ok(Stage {
        id: StageId::from_uuid(id),
        pipeline_id: PipelineId::from_uuid(pipeline_id),
        name,
        position: position as u32,
        probability: Probability::new(i64::from(probability)).map_err(|e| RepoError::Unexpected(e.into()))?,
        kind: kind.parse::<StageKind>().map_err(|e| RepoError::Unexpected(e.into()))?,
        rotting_days: rotting_days.map(|d| d.unsigned_abs()),
    })
}

pub(crate) fn currency_from(raw: &str) -> Result<Currency, RepoError> {
    Currency::parse(raw.trim()).map_err(|e| RepoError::Unexpected(e.into()))
}

/// Inserts a pipeline with its stages (also used at sign-up for the
/// organization's default pipeline, inside the registration transaction).
pub(crate) async fn insert_pipeline(
    conn: &mut PgConnection,
    tenant: Uuid,
    id: PipelineId,
    name: &str,
    is_default: bool,
    stages: &[StageSpec],
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO pipelines (tenant_id, id, name, is_default) VALUES ($1, $2, $3, $4)")
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(name)
        .bind(is_default)
        .execute(&mut *conn)
        .await?;
    let ids: Vec<Uuid> = stages.iter().map(|_| Uuid::now_v7()).collect();
    let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    let positions: Vec<i32> = (0..stages.len() as i32).collect();
    let probabilities: Vec<i16> = stages.iter().map(|s| i16::from(s.probability.get())).collect();
    let kinds: Vec<&str> = stages.iter().map(|s| s.kind.as_str()).collect();
    sqlx::query(
        "INSERT INTO pipeline_stages (tenant_id, pipeline_id, id, name, position, probability, kind) \
         SELECT $1, $2, * FROM UNNEST($3::uuid[], $4::text[], $5::int[], $6::smallint[], $7::text[])",
    )
    .bind(tenant)
    .bind(id.as_uuid())
    .bind(ids)
    .bind(names)
    .bind(positions)
    .bind(probabilities)
    .bind(kinds)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Loads pipelines (all, or one) with their stages in board order.
async fn load(conn: &mut PgConnection, tenant: Uuid, only: Option<Uuid>) -> Result<Vec<Pipeline>, RepoError> {
    let heads: Vec<PipelineRow> = sqlx::query_as(
        "SELECT id, name, is_default, created_at, updated_at FROM pipelines \
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id = $2) ORDER BY is_default DESC, lower(name), id",
    )
    .bind(tenant)
    .bind(only)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let stages: Vec<StageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {STAGE_COLUMNS} FROM pipeline_stages \
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR pipeline_id = $2) ORDER BY pipeline_id, position"
    )))
    .bind(tenant)
    .bind(only)
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let stages = stages.into_iter().map(stage_from).collect::<Result<Vec<_>, _>>()?;
    Ok(heads
        .into_iter()
        .map(|(id, name, is_default, created_at, updated_at)| Pipeline {
            id: PipelineId::from_uuid(id),
            name,
            is_default,
            stages: stages
                .iter()
                .filter(|s| s.pipeline_id.as_uuid() == id)
                .cloned()
                .collect(),
            created_at,
            updated_at,
        })
        .collect())
}

pub(crate) async fn load_one(conn: &mut PgConnection, tenant: Uuid, id: PipelineId) -> Result<Pipeline, RepoError> {
    load(conn, tenant, Some(id.as_uuid()))
        .await?
        .pop()
        .ok_or(RepoError::NotFound)
}

/// Moves every deal of one stage to another (recording each move), setting
/// `closed_at` and `lost_reason` for the target's kind.
async fn move_deals(
    conn: &mut PgConnection,
    tenant: Uuid,
    actor: Uuid,
    from: Uuid,
    to: Uuid,
) -> Result<(), sqlx::Error> {
    let deals: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM deals WHERE tenant_id = $1 AND stage_id = $2 FOR UPDATE")
        .bind(tenant)
        .bind(from)
        .fetch_all(&mut *conn)
        .await?;
    // History ids are generated here, like every id (invariant 7).
    let change_ids: Vec<Uuid> = deals.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO deal_stage_changes (tenant_id, id, deal_id, from_stage_id, from_stage_name, to_stage_id, to_stage_name, changed_by) \
         SELECT $1, m.id, m.deal_id, f.id, f.name, t.id, t.name, $6 \
         FROM UNNEST($4::uuid[], $5::uuid[]) AS m(deal_id, id) \
         JOIN pipeline_stages f ON f.tenant_id = $1 AND f.id = $2 \
         JOIN pipeline_stages t ON t.tenant_id = $1 AND t.id = $3",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .bind(&deals)
    .bind(change_ids)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE deals d SET stage_id = t.id, updated_at = now(), \
             closed_at = CASE WHEN t.kind = 'open' THEN NULL WHEN t.kind = f.kind THEN coalesce(d.closed_at, now()) ELSE now() END, \
             lost_reason = CASE WHEN t.kind = 'lost' THEN d.lost_reason END \
         FROM pipeline_stages t, pipeline_stages f \
         WHERE d.tenant_id = $1 AND d.stage_id = $2 AND t.tenant_id = $1 AND t.id = $3 AND f.tenant_id = $1 AND f.id = $2",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn push_scope(sql: &mut QueryBuilder<Postgres>, scope: ReadScope) {
    if let ReadScope::OwnedBy(owner) = scope {
        sql.push(" AND d.owner_id = ").push_bind(owner.as_uuid());
    }
}

/// One side of the forecast query: deals of one stage kind grouped by a
/// month, currency and probability.
struct ForecastHalf {
    month: &'static str,
    probability: &'static str,
    kind: &'static str,
    won: bool,
}

impl ForecastHalf {
    fn push(
        &self,
        sql: &mut QueryBuilder<Postgres>,
        ctx: &TenantContext,
        pipeline: Option<PipelineId>,
        from: NaiveDate,
        to: NaiveDate,
        scope: ReadScope,
    ) {
        let pipeline = pipeline.map(|p| p.as_uuid());
        sql.push(format!(
            "SELECT date_trunc('month', {month})::date, d.currency::text, {probability}, sum(d.amount), {won} \
             FROM deals d JOIN pipeline_stages s ON s.tenant_id = d.tenant_id AND s.id = d.stage_id \
             WHERE s.kind = '{kind}' AND d.tenant_id = ",
            month = self.month,
            probability = self.probability,
            won = self.won,
            kind = self.kind,
        ));
        sql.push_bind(ctx.tenant_id.as_uuid());
        sql.push(format!(" AND {} BETWEEN ", self.month))
            .push_bind(from)
            .push(" AND ")
            .push_bind(to);
        sql.push(" AND (")
            .push_bind(pipeline)
            .push("::uuid IS NULL OR d.pipeline_id = ")
            .push_bind(pipeline)
            .push(")");
        push_scope(sql, scope);
        sql.push(" GROUP BY 1, 2, 3");
    }
}

#[async_trait]
impl PipelineRepository for PgStore {
    async fn list(&self, ctx: &TenantContext) -> Result<Vec<Pipeline>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let pipelines = load(&mut tx, ctx.tenant_id.as_uuid(), None).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(pipelines)
    }

    async fn get(&self, ctx: &TenantContext, id: PipelineId) -> Result<Pipeline, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let pipeline = load_one(&mut tx, ctx.tenant_id.as_uuid(), id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(pipeline)
    }

    async fn create(&self, ctx: &TenantContext, id: PipelineId, new: &NewPipeline) -> Result<Pipeline, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        // The first pipeline of an organization becomes its default.
        let has_default: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pipelines WHERE tenant_id = $1 AND is_default)")
                .bind(tenant)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        insert_pipeline(&mut tx, tenant, id, &new.name, !has_default, &new.stages)
            .await
            .map_err(map_err)?;
        let pipeline = load_one(&mut tx, tenant, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(pipeline)
    }

    async fn update(
        &self,
        ctx: &TenantContext,
        id: PipelineId,
        name: Option<&str>,
        make_default: bool,
    ) -> Result<Pipeline, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let found = sqlx::query(
            "UPDATE pipelines SET name = coalesce($3, name), updated_at = now() WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if found.rows_affected() == 0 {
            return Err(RepoError::NotFound);
        }
        if make_default {
            // Two statements: the partial unique index allows one default.
            sqlx::query("UPDATE pipelines SET is_default = false WHERE tenant_id = $1 AND is_default AND id <> $2")
                .bind(tenant)
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            sqlx::query("UPDATE pipelines SET is_default = true WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        let pipeline = load_one(&mut tx, tenant, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(pipeline)
    }

    async fn delete(&self, ctx: &TenantContext, id: PipelineId) -> Result<(), RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let result = sqlx::query("DELETE FROM pipelines WHERE tenant_id = $1 AND id = $2")
            .bind(ctx.tenant_id.as_uuid())
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await;
        let done = match result {
            Err(err) if err.as_database_error().and_then(|e| e.constraint()) == Some("deals_stage_fkey") => {
                return Err(RepoError::Conflict(
                    "this pipeline still holds deals; move or delete them first",
                ));
            }
            other => other.map_err(map_err)?,
        };
        tx.commit().await.map_err(map_err)?;
        if done.rows_affected() == 0 {
            Err(RepoError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn add_stage(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        stage: StageId,
        spec: &StageSpec,
        position: u32,
    ) -> Result<Stage, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        sqlx::query("UPDATE pipeline_stages SET position = position + 1 WHERE tenant_id = $1 AND pipeline_id = $2 AND position >= $3")
            .bind(tenant)
            .bind(pipeline.as_uuid())
            .bind(position as i32)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let row: StageRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO pipeline_stages (tenant_id, id, pipeline_id, name, position, probability, kind) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {STAGE_COLUMNS}"
        )))
        .bind(tenant)
        .bind(stage.as_uuid())
        .bind(pipeline.as_uuid())
        .bind(&spec.name)
        .bind(position as i32)
        .bind(i16::from(spec.probability.get()))
        .bind(spec.kind.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        stage_from(row)
    }

    async fn update_stage(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        stage: StageId,
        patch: &StagePatch,
    ) -> Result<Stage, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: StageRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE pipeline_stages SET name = coalesce($4, name), probability = coalesce($5, probability), \
             kind = coalesce($6, kind), rotting_days = CASE WHEN $7 THEN $8 ELSE rotting_days END \
             WHERE tenant_id = $1 AND pipeline_id = $2 AND id = $3 RETURNING {STAGE_COLUMNS}"
        )))
        .bind(tenant)
        .bind(pipeline.as_uuid())
        .bind(stage.as_uuid())
        .bind(patch.name.as_deref())
        .bind(patch.probability.map(|p| i16::from(p.get())))
        .bind(patch.kind.map(|k| k.as_str()))
        .bind(patch.rotting_days.is_some())
        .bind(patch.rotting_days.flatten().map(|d| d as i16))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        if let Some(kind) = patch.kind {
            // The stage's deals follow its new kind: closed or reopened.
            sqlx::query(
                "UPDATE deals SET updated_at = now(), \
                 closed_at = CASE WHEN $3 = 'open' THEN NULL ELSE coalesce(closed_at, now()) END, \
                 lost_reason = CASE WHEN $3 = 'lost' THEN lost_reason END \
                 WHERE tenant_id = $1 AND stage_id = $2",
            )
            .bind(tenant)
            .bind(stage.as_uuid())
            .bind(kind.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        stage_from(row)
    }

    async fn delete_stage(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        stage: StageId,
        move_to: Option<StageId>,
    ) -> Result<(), RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let holds_deals: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM deals WHERE tenant_id = $1 AND stage_id = $2)")
                .bind(tenant)
                .bind(stage.as_uuid())
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        match (holds_deals, move_to) {
            (true, None) => {
                return Err(RepoError::Conflict(
                    "this stage holds deals; give move_to_stage_id to move them first",
                ));
            }
            (true, Some(target)) => move_deals(
                &mut tx,
                tenant,
                ctx.user_id.as_uuid(),
                stage.as_uuid(),
                target.as_uuid(),
            )
            .await
            .map_err(map_err)?,
            (false, _) => {}
        }
        let position: Option<i32> = sqlx::query_scalar(
            "DELETE FROM pipeline_stages WHERE tenant_id = $1 AND pipeline_id = $2 AND id = $3 RETURNING position",
        )
        .bind(tenant)
        .bind(pipeline.as_uuid())
        .bind(stage.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let position = position.ok_or(RepoError::NotFound)?;
        sqlx::query("UPDATE pipeline_stages SET position = position - 1 WHERE tenant_id = $1 AND pipeline_id = $2 AND position > $3")
            .bind(tenant)
            .bind(pipeline.as_uuid())
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn reorder(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        positions: &[(StageId, u32)],
    ) -> Result<Pipeline, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let ids: Vec<Uuid> = positions.iter().map(|(id, _)| id.as_uuid()).collect();
        let order: Vec<i32> = positions.iter().map(|(_, p)| *p as i32).collect();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        // The position constraint is deferred: swaps settle at commit.
        sqlx::query(
            "UPDATE pipeline_stages s SET position = v.position \
             FROM UNNEST($3::uuid[], $4::int[]) AS v(id, position) \
             WHERE s.tenant_id = $1 AND s.pipeline_id = $2 AND s.id = v.id",
        )
        .bind(tenant)
        .bind(pipeline.as_uuid())
        .bind(ids)
        .bind(order)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE pipelines SET updated_at = now() WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(pipeline.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        let result = load_one(&mut tx, tenant, pipeline).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(result)
    }

    async fn forecast(
        &self,
        ctx: &TenantContext,
        pipeline: Option<PipelineId>,
        from: NaiveDate,
        to: NaiveDate,
        scope: ReadScope,
    ) -> Result<Vec<ForecastRow>, RepoError> {
        let mut sql = QueryBuilder::new("");
        // Open deals by month of expected close, at their probability ...
        let expected = ForecastHalf {
            month: "d.expected_close_date",
            probability: "coalesce(d.probability, s.probability)",
            kind: "open",
            won: false,
        };
        // ... and won deals by month of closing (UTC), counted in full.
        let won = ForecastHalf {
            month: "(d.closed_at AT TIME ZONE 'UTC')::date",
            probability: "100::smallint",
            kind: "won",
            won: true,
        };
        expected.push(&mut sql, ctx, pipeline, from, to, scope);
        sql.push(" UNION ALL ");
        won.push(&mut sql, ctx, pipeline, from, to, scope);
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<(NaiveDate, String, i16, Decimal, bool)> =
            sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.into_iter()
            .map(|(month, currency, probability, amount, won)| {
                Ok(ForecastRow {
                    month,
                    currency: currency_from(&currency)?,
                    probability: probability as u8,
                    amount,
                    won,
                })
            })
            .collect()
    }
}

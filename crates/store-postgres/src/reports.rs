//! `ReportRepository` over PostgreSQL (ADR 0033): each report is one
//! grouped query in the caller's tenant and read scope; ratios are left to
//! the domain. Ranges are whole UTC days, `from` 00:00 to the day after `to`.

use crate::db::PgStore;
use crate::errors::map_err;
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use clearview_kernel::records::ReadScope;
use clearview_kernel::{DealId, Decimal, PipelineId, RepoError, StageId, TenantContext, UserId};
use clearview_pipelines::{
    AccuracyRow, ActivityWeekRow, CycleRow, Funnel, FunnelStage, ReportFilter, ReportRepository, RottingDeal,
    VelocityRow, WinRateRow,
};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// `[from 00:00, the day after to 00:00)` in UTC.
fn bounds(filter: &ReportFilter) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    (start(filter.from), start(filter.to + Days::new(1)))
}

/// `AND <alias>.owner_id = $me` for a rep who sees only their own records.
fn push_scope(sql: &mut QueryBuilder<Postgres>, alias: &str, scope: ReadScope) {
    if let ReadScope::OwnedBy(owner) = scope {
        sql.push(format!(" AND {alias}.owner_id = ")).push_bind(owner.as_uuid());
    }
}

fn push_pipeline(sql: &mut QueryBuilder<Postgres>, pipeline: Option<PipelineId>) {
    if let Some(id) = pipeline {
        sql.push(" AND d.pipeline_id = ").push_bind(id.as_uuid());
    }
}

/// Deals closed in the range (won or lost), joined to their stage `s`.
fn closed_deals(sql: &mut QueryBuilder<Postgres>, ctx: &TenantContext, filter: &ReportFilter, scope: ReadScope) {
    let (from, to) = bounds(filter);
    sql.push(
        " FROM deals d JOIN pipeline_stages s ON s.tenant_id = d.tenant_id AND s.id = d.stage_id \
         WHERE d.tenant_id = ",
    )
    .push_bind(ctx.tenant_id.as_uuid())
    .push(" AND s.kind IN ('won', 'lost') AND d.closed_at >= ")
    .push_bind(from)
    .push(" AND d.closed_at < ")
    .push_bind(to);
    push_pipeline(sql, filter.pipeline);
    push_scope(sql, "d", scope);
}

async fn fetch<R>(store: &PgStore, ctx: &TenantContext, mut sql: QueryBuilder<Postgres>) -> Result<Vec<R>, RepoError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut tx = store.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
    let rows = sql.build_query_as().fetch_all(&mut *tx).await.map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct RottingRow {
    id: Uuid,
    title: String,
    stage_id: Uuid,
    stage_name: String,
    owner_id: Option<Uuid>,
    last_at: Option<DateTime<Utc>>,
    idle_since: DateTime<Utc>,
    rotting_days: i32,
}

#[async_trait]
impl ReportRepository for PgStore {
    async fn win_rate(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<WinRateRow>, RepoError> {
        let mut sql = QueryBuilder::new(
            "SELECT d.owner_id, date_trunc('month', d.closed_at AT TIME ZONE 'UTC')::date AS month, \
             count(*) FILTER (WHERE s.kind = 'won') AS won, count(*) FILTER (WHERE s.kind = 'lost') AS lost",
        );
        closed_deals(&mut sql, ctx, filter, scope);
        sql.push(" GROUP BY 1, 2 ORDER BY 2, 1 NULLS LAST");
        let rows: Vec<(Option<Uuid>, NaiveDate, i64, i64)> = fetch(self, ctx, sql).await?;
        Ok(rows
            .into_iter()
            .map(|(owner, month, won, lost)| WinRateRow {
                owner_id: owner.map(UserId::from_uuid),
                month,
                won,
                lost,
            })
            .collect())
    }

    async fn sales_cycle(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<CycleRow>, RepoError> {
        let mut sql = QueryBuilder::new(
            "SELECT date_trunc('month', d.closed_at AT TIME ZONE 'UTC')::date AS month, count(*) AS won, \
             sum(greatest(extract(epoch FROM d.closed_at - d.created_at), 0)) AS total_seconds",
        );
        closed_deals(&mut sql, ctx, filter, scope);
        sql.push(" AND s.kind = 'won' GROUP BY 1 ORDER BY 1");
        let rows: Vec<(NaiveDate, i64, Decimal)> = fetch(self, ctx, sql).await?;
        Ok(rows
            .into_iter()
            .map(|(month, won, total_seconds)| CycleRow {
                month,
                won,
                total_seconds,
            })
            .collect())
    }

    async fn funnel(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Funnel, RepoError> {
        let (from, to) = bounds(filter);
        let tenant = ctx.tenant_id.as_uuid();
        // The cohort: deals of the pipeline created in the range. How far
        // each got: the furthest stage (not lost) it was ever in, by its
        // stage now and its history; a deal that skipped a stage passed it.
        // Set-based (no per-deal subquery), then counted per furthest
        // position: a handful of rows, whatever the cohort's size.
        let mut sql = QueryBuilder::new("WITH cohort AS (SELECT d.id, d.stage_id FROM deals d WHERE d.tenant_id = ");
        sql.push_bind(tenant)
            .push(" AND d.pipeline_id = ")
            .push_bind(pipeline.as_uuid())
            .push(" AND d.created_at >= ")
            .push_bind(from)
            .push(" AND d.created_at < ")
            .push_bind(to);
        push_scope(&mut sql, "d", scope);
        sql.push("), stages AS (SELECT s.id, s.position, s.kind FROM pipeline_stages s WHERE s.tenant_id = ")
            .push_bind(tenant)
            .push(" AND s.pipeline_id = ")
            .push_bind(pipeline.as_uuid())
            .push(
                "), positions AS (SELECT c.id, s.position FROM cohort c JOIN stages s ON s.id = c.stage_id                  WHERE s.kind <> 'lost' UNION ALL SELECT h.deal_id, s.position FROM deal_stage_changes h                  JOIN stages s ON s.id = h.to_stage_id WHERE s.kind <> 'lost' AND h.tenant_id = ",
            )
            .push_bind(tenant)
            .push(
                " AND h.deal_id IN (SELECT id FROM cohort)),                  furthest AS (SELECT max(position) AS position FROM positions GROUP BY id),                  reached AS (SELECT position, count(*) AS deals FROM furthest GROUP BY position)                  SELECT (SELECT count(*) FROM cohort) AS cohort,                  (SELECT count(*) FROM cohort c JOIN stages s ON s.id = c.stage_id WHERE s.kind = 'lost') AS lost,                  coalesce((SELECT array_agg(position) FROM reached), '{}') AS positions,                  coalesce((SELECT array_agg(deals) FROM reached), '{}') AS deals",
            );
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let (cohort, lost, positions, deals): (i64, i64, Vec<i32>, Vec<i64>) =
            sql.build_query_as().fetch_one(&mut *tx).await.map_err(map_err)?;
        let stages: Vec<(Uuid, String, i32)> = sqlx::query_as(
            "SELECT id, name, position FROM pipeline_stages \
             WHERE tenant_id = $1 AND pipeline_id = $2 AND kind <> 'lost' ORDER BY position",
        )
        .bind(tenant)
        .bind(pipeline.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let furthest: Vec<(i32, i64)> = positions.into_iter().zip(deals).collect();
        Ok(Funnel {
            pipeline_id: pipeline,
            cohort,
            lost,
            stages: stages
                .into_iter()
                .map(|(id, name, position)| FunnelStage {
                    stage_id: StageId::from_uuid(id),
                    name,
                    reached: furthest.iter().filter(|(p, _)| *p >= position).map(|(_, n)| n).sum(),
                })
                .collect(),
        })
    }

    async fn velocity(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<VelocityRow>, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        // Open deals now from the board's kept sums (ADR 0022), closed ones
        // in the range from the deals.
        let mut sql = QueryBuilder::new(
            "WITH open AS (SELECT t.currency, sum(t.deal_count)::bigint AS deals, sum(t.amount) AS amount \
             FROM deal_stage_totals t JOIN pipeline_stages s ON s.tenant_id = t.tenant_id AND s.id = t.stage_id \
             WHERE t.tenant_id = ",
        );
        sql.push_bind(tenant).push(" AND s.kind = 'open'");
        if let Some(id) = filter.pipeline {
            sql.push(" AND s.pipeline_id = ").push_bind(id.as_uuid());
        }
        push_scope(&mut sql, "t", scope);
        sql.push(
            " GROUP BY 1), closed AS (SELECT d.currency, count(*) FILTER (WHERE s.kind = 'won') AS won, \
             count(*) FILTER (WHERE s.kind = 'lost') AS lost, \
             coalesce(sum(greatest(extract(epoch FROM d.closed_at - d.created_at), 0)) FILTER (WHERE s.kind = 'won'), 0) AS won_seconds",
        );
        closed_deals(&mut sql, ctx, filter, scope);
        sql.push(
            " GROUP BY 1) SELECT trim(coalesce(o.currency, c.currency)) AS currency, coalesce(o.deals, 0) AS open_deals, \
             coalesce(o.amount, 0) AS open_amount, coalesce(c.won, 0) AS won, coalesce(c.lost, 0) AS lost, \
             coalesce(c.won_seconds, 0) AS won_seconds \
             FROM open o FULL JOIN closed c ON c.currency = o.currency \
             WHERE coalesce(o.deals, 0) > 0 OR c.currency IS NOT NULL ORDER BY 1",
        );
        let rows: Vec<(String, i64, Decimal, i64, i64, Decimal)> = fetch(self, ctx, sql).await?;
        Ok(rows
            .into_iter()
            .map(
                |(currency, open_deals, open_amount, won, lost, won_seconds)| VelocityRow {
                    currency,
                    open_deals,
                    open_amount,
                    won,
                    lost,
                    won_seconds,
                },
            )
            .collect())
    }

    async fn activities(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<ActivityWeekRow>, RepoError> {
        let (from, to) = bounds(filter);
        let mut sql = QueryBuilder::new(
            "SELECT a.owner_id, date_trunc('week', a.timeline_at AT TIME ZONE 'UTC')::date AS week, a.kind, count(*) \
             FROM activities a WHERE a.tenant_id = ",
        );
        sql.push_bind(ctx.tenant_id.as_uuid())
            .push(" AND a.timeline_at >= ")
            .push_bind(from)
            .push(" AND a.timeline_at < ")
            .push_bind(to);
        if let Some(id) = filter.pipeline {
            sql.push(
                " AND a.deal_id IN (SELECT d.id FROM deals d WHERE d.tenant_id = a.tenant_id AND d.pipeline_id = ",
            )
            .push_bind(id.as_uuid())
            .push(")");
        }
        push_scope(&mut sql, "a", scope);
        sql.push(" GROUP BY 1, 2, 3 ORDER BY 2, 1 NULLS LAST, 3");
        let rows: Vec<(Option<Uuid>, NaiveDate, String, i64)> = fetch(self, ctx, sql).await?;
        Ok(rows
            .into_iter()
            .map(|(owner, week, kind, count)| ActivityWeekRow {
                owner_id: owner.map(UserId::from_uuid),
                week,
                kind,
                count,
            })
            .collect())
    }

    async fn forecast_accuracy(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<AccuracyRow>, RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        // For each month of the range, the newest snapshot taken before it
        // began; then that snapshot's rows for the month, and the deals won
        // in the month.
        let mut sql = QueryBuilder::new("WITH months AS (SELECT generate_series(date_trunc('month', ");
        sql.push_bind(filter.from)
            .push("::date), date_trunc('month', ")
            .push_bind(filter.to)
            .push(
                "::date), interval '1 month')::date AS month),                  chosen AS (SELECT m.month, (SELECT max(f.taken_on) FROM forecast_snapshots f                  WHERE f.tenant_id = ",
            )
            .push_bind(tenant)
            .push(
                " AND f.month = m.month AND f.taken_on < m.month) AS taken_on FROM months m),                  forecast AS (SELECT c.month, c.taken_on, f.currency, sum(f.expected) AS expected,                  sum(f.weighted) AS weighted FROM chosen c JOIN forecast_snapshots f ON f.tenant_id = ",
            )
            .push_bind(tenant)
            .push(" AND f.taken_on = c.taken_on AND f.month = c.month");
        if let Some(id) = filter.pipeline {
            sql.push(" AND f.pipeline_id = ").push_bind(id.as_uuid());
        }
        push_scope(&mut sql, "f", scope);
        let month_start = |d: NaiveDate| {
            NaiveDate::from_ymd_opt(d.year(), d.month(), 1)
                .unwrap_or(d)
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc()
        };
        sql.push(
            " GROUP BY 1, 2, 3), won AS (SELECT date_trunc('month', d.closed_at AT TIME ZONE 'UTC')::date AS month,              d.currency, sum(d.amount) AS won FROM deals d              JOIN pipeline_stages s ON s.tenant_id = d.tenant_id AND s.id = d.stage_id AND s.kind = 'won'              WHERE d.tenant_id = ",
        )
        .push_bind(tenant)
        .push(" AND d.closed_at >= ")
        .push_bind(month_start(filter.from))
        .push(" AND d.closed_at < ")
        .push_bind(month_start(filter.to) + chrono::Months::new(1));
        push_pipeline(&mut sql, filter.pipeline);
        push_scope(&mut sql, "d", scope);
        sql.push(
            " GROUP BY 1, 2) SELECT coalesce(f.month, w.month) AS month, trim(coalesce(f.currency, w.currency)) AS currency,              f.taken_on, coalesce(f.expected, 0) AS expected, coalesce(f.weighted, 0) AS weighted,              coalesce(w.won, 0) AS won FROM forecast f FULL JOIN won w ON w.month = f.month AND w.currency = f.currency              ORDER BY 1, 2",
        );
        let rows: Vec<(NaiveDate, String, Option<NaiveDate>, Decimal, Decimal, Decimal)> =
            fetch(self, ctx, sql).await?;
        Ok(rows
            .into_iter()
            .map(
                |(month, currency, snapshot_taken_on, expected, weighted, won)| AccuracyRow {
                    month,
                    currency,
                    snapshot_taken_on,
                    expected,
                    weighted,
                    won,
                },
            )
            .collect())
    }

    async fn rotting(
        &self,
        ctx: &TenantContext,
        pipeline: Option<PipelineId>,
        default_days: i32,
        limit: i64,
        scope: ReadScope,
    ) -> Result<Vec<RottingDeal>, RepoError> {
        // The newest activity of each open deal up to now is one backward
        // probe of `activities_deal_idx`.
        let mut sql = QueryBuilder::new(
            "SELECT d.id, d.title, d.stage_id, s.name AS stage_name, d.owner_id, la.last_at, \
             coalesce(la.last_at, d.created_at) AS idle_since, coalesce(s.rotting_days::int, ",
        );
        sql.push_bind(default_days).push(
            ") AS rotting_days FROM deals d \
             JOIN pipeline_stages s ON s.tenant_id = d.tenant_id AND s.id = d.stage_id AND s.kind = 'open' \
             LEFT JOIN LATERAL (SELECT max(a.timeline_at) AS last_at FROM activities a \
                                WHERE a.tenant_id = d.tenant_id AND a.deal_id = d.id AND a.timeline_at <= now()) AS la ON true \
             WHERE d.tenant_id = ",
        );
        sql.push_bind(ctx.tenant_id.as_uuid());
        push_pipeline(&mut sql, pipeline);
        push_scope(&mut sql, "d", scope);
        sql.push(
            " AND coalesce(la.last_at, d.created_at) < now() - make_interval(days => coalesce(s.rotting_days::int, ",
        )
        .push_bind(default_days)
        .push(")) ORDER BY idle_since, d.id LIMIT ")
        .push_bind(limit);
        let rows: Vec<RottingRow> = fetch(self, ctx, sql).await?;
        Ok(rows
            .into_iter()
            .map(|r| RottingDeal {
                deal_id: DealId::from_uuid(r.id),
                title: r.title,
                stage_id: StageId::from_uuid(r.stage_id),
                stage_name: r.stage_name,
                owner_id: r.owner_id.map(UserId::from_uuid),
                last_activity_at: r.last_at,
                idle_since: r.idle_since,
                rotting_days: r.rotting_days,
            })
            .collect())
    }
}

impl PgStore {
    /// Takes today's forecast snapshot of every organization
    /// (`snapshot_forecasts()`); answers the count as JSON.
    pub async fn snapshot_forecasts(&self) -> Result<serde_json::Value, sqlx::Error> {
        sqlx::query_scalar("SELECT snapshot_forecasts()")
            .fetch_one(&self.pool)
            .await
    }
}

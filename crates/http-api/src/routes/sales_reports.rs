//! `/api/reports/{win-rate,sales-cycle,funnel,velocity,activities,rotting}`
//! (ADR 0033). Each respects rep visibility; counts are exact, ratios are
//! decimal strings rounded once (rates to 4 places, days to 1, money to
//! cents); a ratio with nothing to divide by is `null`.

use crate::problem::{ApiError, Problem};
use crate::routes::params::uuid_param;
use crate::routes::reports::date_param;
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::web::{Data, Query};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use clearview_kernel::{Decimal, PipelineId, ValidationErrors, money_string};
use clearview_pipelines::{CycleRow, ReportFilter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `?pipeline_id&from&to`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Only this pipeline (default: all; the funnel: the default pipeline).
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub pipeline_id: Option<String>,
    /// First day, YYYY-MM-DD (default: the first of the month 11 months ago).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (default: today). A range covers at most five
    /// years: an older `from` is moved forward (the answer's `from` says
    /// so); a `from` after `to` is an empty range.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
}

impl ReportParams {
    fn filter(&self) -> Result<ReportFilter, ApiError> {
        let today = Utc::now().date_naive();
        let month = today.with_day(1).unwrap_or(today);
        let mut errors = ValidationErrors::new();
        let pipeline = uuid_param(&mut errors, "pipeline_id", self.pipeline_id.as_deref()).map(PipelineId::from_uuid);
        let from = date_param(&mut errors, "from", self.from.as_deref(), month - Months::new(11));
        let to = date_param(&mut errors, "to", self.to.as_deref(), today);
        errors.into_result().map_err(ApiError::invalid)?;
        Ok(ReportFilter::new(pipeline, from, to))
    }
}

fn ratio(value: Option<Decimal>) -> Option<String> {
    value.map(|v| v.normalize().to_string())
}

fn month(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

#[derive(Serialize, ToSchema)]
pub struct WinRateView {
    /// `null`: deals with no owner.
    pub owner_id: Option<Uuid>,
    /// YYYY-MM, the month the deals were closed in.
    pub month: String,
    pub won: i64,
    pub lost: i64,
    /// won ÷ (won + lost), 4 places.
    pub win_rate: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WinRateTotal {
    pub won: i64,
    pub lost: i64,
    pub win_rate: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WinRateReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub data: Vec<WinRateView>,
    pub total: WinRateTotal,
}

/// Deals won and lost per owner and month of closing, with the win rate.
#[utoipa::path(get, operation_id = "reports_win_rate", path = "/api/reports/win-rate", tag = "reports", params(ReportParams),
    responses((status = 200, body = WinRateReport), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn win_rate(
    session: Session,
    state: Data<ApiState>,
    params: Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = params.filter()?;
    let rows = state.reports.win_rate(&session.ctx, &filter).await?;
    let (won, lost) = rows.iter().fold((0, 0), |(w, l), r| (w + r.won, l + r.lost));
    let total = clearview_pipelines::WinRateRow {
        owner_id: None,
        month: filter.from,
        won,
        lost,
    };
    Ok(HttpResponse::Ok().json(WinRateReport {
        from: filter.from,
        to: filter.to,
        total: WinRateTotal {
            won,
            lost,
            win_rate: ratio(total.win_rate()),
        },
        data: rows
            .into_iter()
            .map(|r| WinRateView {
                owner_id: r.owner_id.map(|o| o.as_uuid()),
                month: month(r.month),
                win_rate: ratio(r.win_rate()),
                won: r.won,
                lost: r.lost,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CycleView {
    /// YYYY-MM, the month the deals were won in.
    pub month: String,
    pub won: i64,
    /// Average days from a deal's creation to its winning, 1 place.
    pub average_days: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CycleReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub data: Vec<CycleView>,
    /// All months together.
    pub total: CycleView,
}

/// The average sales cycle (created → won) of the deals won each month.
#[utoipa::path(get, operation_id = "reports_sales_cycle", path = "/api/reports/sales-cycle", tag = "reports", params(ReportParams),
    responses((status = 200, body = CycleReport), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn sales_cycle(
    session: Session,
    state: Data<ApiState>,
    params: Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = params.filter()?;
    let rows = state.reports.sales_cycle(&session.ctx, &filter).await?;
    let all = CycleRow {
        month: filter.from,
        won: rows.iter().map(|r| r.won).sum(),
        total_seconds: rows.iter().map(|r| r.total_seconds).sum(),
    };
    let view = |r: &CycleRow, label: String| CycleView {
        month: label,
        won: r.won,
        average_days: ratio(r.average_days()),
    };
    Ok(HttpResponse::Ok().json(CycleReport {
        from: filter.from,
        to: filter.to,
        data: rows.iter().map(|r| view(r, month(r.month))).collect(),
        total: view(&all, format!("{}..{}", month(filter.from), month(filter.to))),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FunnelStageView {
    pub stage_id: Uuid,
    pub name: String,
    /// Deals of the cohort that got at least this far.
    pub reached: i64,
    /// `reached` ÷ the previous stage's, 4 places; `null` for the first.
    pub conversion: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FunnelReport {
    pub pipeline_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Deals of the pipeline created in the range.
    pub cohort: i64,
    /// Of those, lost now.
    pub lost: i64,
    /// Open stages and the won stage, in board order (lost stages are not
    /// steps of the funnel).
    pub stages: Vec<FunnelStageView>,
}

/// Stage conversion: of the deals created in the range, how many reached
/// each stage (a deal that skipped a stage passed it).
#[utoipa::path(get, operation_id = "reports_funnel", path = "/api/reports/funnel", tag = "reports", params(ReportParams),
    responses((status = 200, body = FunnelReport), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn funnel(
    session: Session,
    state: Data<ApiState>,
    params: Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = params.filter()?;
    let funnel = state.reports.funnel(&session.ctx, &filter).await?;
    let conversions = funnel.conversions();
    Ok(HttpResponse::Ok().json(FunnelReport {
        pipeline_id: funnel.pipeline_id.as_uuid(),
        from: filter.from,
        to: filter.to,
        cohort: funnel.cohort,
        lost: funnel.lost,
        stages: funnel
            .stages
            .into_iter()
            .zip(conversions)
            .map(|(s, conversion)| FunnelStageView {
                stage_id: s.stage_id.as_uuid(),
                name: s.name,
                reached: s.reached,
                conversion: ratio(conversion),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct VelocityView {
    pub currency: String,
    /// Open deals now and their total amount.
    pub open_deals: i64,
    pub open_amount: String,
    /// Of the deals closed in the range, the share won (4 places).
    pub win_rate: Option<String>,
    /// Average days from creation to winning of those won (1 place).
    pub average_cycle_days: Option<String>,
    /// open_amount × win_rate ÷ average_cycle_days: the amount per day the
    /// pipeline turns into won business, to cents.
    pub per_day: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VelocityReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub data: Vec<VelocityView>,
}

/// Pipeline velocity per currency: open deals × average amount × win rate
/// ÷ average sales cycle.
#[utoipa::path(get, operation_id = "reports_velocity", path = "/api/reports/velocity", tag = "reports", params(ReportParams),
    responses((status = 200, body = VelocityReport), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn velocity(
    session: Session,
    state: Data<ApiState>,
    params: Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = params.filter()?;
    let rows = state.reports.velocity(&session.ctx, &filter).await?;
    Ok(HttpResponse::Ok().json(VelocityReport {
        from: filter.from,
        to: filter.to,
        data: rows
            .into_iter()
            .map(|r| VelocityView {
                open_deals: r.open_deals,
                open_amount: money_string(r.open_amount),
                win_rate: ratio(r.win_rate()),
                average_cycle_days: ratio(r.average_cycle_days()),
                per_day: r.per_day().map(money_string),
                currency: r.currency,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ActivityWeekView {
    pub owner_id: Option<Uuid>,
    /// The Monday the week starts on (UTC).
    pub week: NaiveDate,
    /// Per kind: call, email, meeting, task, note (kinds with none left out).
    pub counts: BTreeMap<String, i64>,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub data: Vec<ActivityWeekView>,
}

/// Activities per owner and week (by their date: when they happened, or
/// are due), per kind.
#[utoipa::path(get, operation_id = "reports_activity", path = "/api/reports/activity", tag = "reports", params(ReportParams),
    responses((status = 200, body = ActivityReport), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn activities(
    session: Session,
    state: Data<ApiState>,
    params: Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = params.filter()?;
    let rows = state.reports.activities(&session.ctx, &filter).await?;
    let mut data: Vec<ActivityWeekView> = Vec::new();
    for r in rows {
        let owner = r.owner_id.map(|o| o.as_uuid());
        match data.last_mut() {
            Some(last) if last.week == r.week && last.owner_id == owner => {
                last.total += r.count;
                last.counts.insert(r.kind, r.count);
            }
            _ => data.push(ActivityWeekView {
                owner_id: owner,
                week: r.week,
                total: r.count,
                counts: BTreeMap::from([(r.kind, r.count)]),
            }),
        }
    }
    Ok(HttpResponse::Ok().json(ActivityReport {
        from: filter.from,
        to: filter.to,
        data,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AccuracyView {
    /// YYYY-MM.
    pub month: String,
    pub currency: String,
    /// The day of the snapshot compared: the newest taken before the month
    /// began; `null` when there was none.
    pub snapshot_taken_on: Option<NaiveDate>,
    /// What it forecast for the month: open deals expected to close in it,
    /// in all and weighted by probability.
    pub expected: String,
    pub weighted: String,
    /// Deals won in the month.
    pub won: String,
    /// won ÷ weighted, 4 places; `null` without a forecast.
    pub accuracy: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccuracyReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub data: Vec<AccuracyView>,
}

/// Forecast accuracy: for each month, the weighted forecast of the last
/// weekly snapshot before it began against what was won in it.
#[utoipa::path(get, operation_id = "reports_forecast_accuracy", path = "/api/reports/forecast-accuracy", tag = "reports", params(ReportParams),
    responses((status = 200, body = AccuracyReport), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn forecast_accuracy(
    session: Session,
    state: Data<ApiState>,
    params: Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = params.filter()?;
    let rows = state.reports.forecast_accuracy(&session.ctx, &filter).await?;
    Ok(HttpResponse::Ok().json(AccuracyReport {
        from: filter.from,
        to: filter.to,
        data: rows
            .into_iter()
            .map(|r| AccuracyView {
                month: month(r.month),
                snapshot_taken_on: r.snapshot_taken_on,
                expected: money_string(r.expected),
                weighted: money_string(r.weighted),
                won: money_string(r.won),
                accuracy: ratio(r.accuracy()),
                currency: r.currency,
            })
            .collect(),
    }))
}

/// `?pipeline_id&days&limit`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RottingParams {
    /// Only this pipeline (default: all).
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub pipeline_id: Option<String>,
    /// Days without an activity for stages with no limit of their own
    /// (`rotting_days` of the stage), 1..=365, default 30.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 365)]
    pub days: Option<String>,
    /// At most this many deals, idle longest first; 1..=500, default 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
}

fn bounded(errors: &mut ValidationErrors, name: &str, raw: Option<&str>, range: (i64, i64), default: i64) -> i64 {
    raw.and_then(|v| {
        errors.check(
            name,
            v.parse::<i64>()
                .ok()
                .filter(|n| (range.0..=range.1).contains(n))
                .ok_or(format!("must be a whole number from {} to {}", range.0, range.1)),
        )
    })
    .unwrap_or(default)
}

#[derive(Serialize, ToSchema)]
pub struct RottingDealView {
    pub deal_id: Uuid,
    pub title: String,
    pub stage_id: Uuid,
    pub stage_name: String,
    pub owner_id: Option<Uuid>,
    /// Its newest activity up to now; `null`: none ever.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Idle since (the last activity, or its creation).
    pub idle_since: DateTime<Utc>,
    /// Whole days idle.
    pub idle_days: i64,
    /// The stage's limit (or the report's `days`).
    pub rotting_days: i32,
}

#[derive(Serialize, ToSchema)]
pub struct RottingReport {
    /// The limit for stages without their own.
    pub days: i64,
    pub data: Vec<RottingDealView>,
}

/// Open deals with no activity for longer than their stage allows.
#[utoipa::path(get, operation_id = "reports_rotting", path = "/api/reports/rotting", tag = "reports", params(RottingParams),
    responses((status = 200, body = RottingReport), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn rotting(
    session: Session,
    state: Data<ApiState>,
    params: Query<RottingParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let pipeline = uuid_param(&mut errors, "pipeline_id", params.pipeline_id.as_deref()).map(PipelineId::from_uuid);
    let days = bounded(&mut errors, "days", params.days.as_deref(), (1, 365), 30);
    let limit = bounded(&mut errors, "limit", params.limit.as_deref(), (1, 500), 100);
    errors.into_result().map_err(ApiError::invalid)?;
    let deals = state
        .reports
        .rotting(&session.ctx, pipeline, days as i32, limit)
        .await?;
    let now = Utc::now();
    Ok(HttpResponse::Ok().json(RottingReport {
        days,
        data: deals
            .into_iter()
            .map(|d| RottingDealView {
                deal_id: d.deal_id.as_uuid(),
                title: d.title,
                stage_id: d.stage_id.as_uuid(),
                stage_name: d.stage_name,
                owner_id: d.owner_id.map(|o| o.as_uuid()),
                last_activity_at: d.last_activity_at,
                idle_days: (now - d.idle_since).num_days(),
                idle_since: d.idle_since,
                rotting_days: d.rotting_days,
            })
            .collect(),
    }))
}

//! Sales reports (ADR 0033): win rate by owner and month, average sales
//! cycle, the stage funnel, pipeline velocity, activities per owner and
//! week, and rotting deals. Counts and sums come from the store; the
//! ratios are worked out here, in exact decimals rounded once at the end.

use crate::ports::PipelineRepository;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use clearview_kernel::records::{ReadScope, RecordError, VisibilitySettings, read_scope};
use clearview_kernel::{Decimal, PipelineId, RepoError, StageId, TenantContext, UserId};
use std::sync::Arc;

/// The longest range a report covers: an older `from` is moved forward.
const MAX_MONTHS: u32 = 60;

/// What a report covers: deals (or activities) of `pipeline` (all when
/// `None`) in the days `from..=to` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFilter {
    pub pipeline: Option<PipelineId>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl ReportFilter {
    /// A range of at most five years, ending at `to` (an older `from` is
    /// moved forward, as the answer's `from` then says). `from` after `to`
    /// is an empty range, not an error, as for the forecast.
    pub fn new(pipeline: Option<PipelineId>, from: NaiveDate, to: NaiveDate) -> Self {
        let earliest = to.checked_sub_months(chrono::Months::new(MAX_MONTHS)).unwrap_or(to);
        Self {
            pipeline,
            from: from.max(earliest),
            to,
        }
    }
}

/// Closed deals of one owner in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinRateRow {
    pub owner_id: Option<UserId>,
    /// The first day of the month.
    pub month: NaiveDate,
    pub won: i64,
    pub lost: i64,
}

impl WinRateRow {
    pub fn win_rate(&self) -> Option<Decimal> {
        ratio(self.won, self.won + self.lost)
    }
}

/// Deals won in one month and how long they took from creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleRow {
    pub month: NaiveDate,
    pub won: i64,
    /// The sum of their cycles, in seconds (exact; averaged here).
    pub total_seconds: Decimal,
}

impl CycleRow {
    pub fn average_days(&self) -> Option<Decimal> {
        average_days(self.total_seconds, self.won)
    }
}

/// One stage of the funnel and how many deals of the cohort got that far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelStage {
    pub stage_id: StageId,
    pub name: String,
    pub reached: i64,
}

/// The deals created in the range, stage by stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funnel {
    pub pipeline_id: PipelineId,
    /// Deals created in the range.
    pub cohort: i64,
    /// Of those, how many are lost now.
    pub lost: i64,
    /// Open stages then the won stage(s), in board order.
    pub stages: Vec<FunnelStage>,
}

impl Funnel {
    /// Each stage's share of the stage before it (`None` for the first,
    /// or after a stage nobody reached).
    pub fn conversions(&self) -> Vec<Option<Decimal>> {
        let mut previous: Option<i64> = None;
        self.stages
            .iter()
            .map(|s| {
                let conversion = previous.and_then(|p| ratio(s.reached, p));
                previous = Some(s.reached);
                conversion
            })
            .collect()
    }
}

/// The inputs of pipeline velocity for one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VelocityRow {
    pub currency: String,
    /// Open deals now, and their total amount.
    pub open_deals: i64,
    pub open_amount: Decimal,
    /// Deals closed in the range: won, lost, and the won ones' cycles.
    pub won: i64,
    pub lost: i64,
    pub won_seconds: Decimal,
}

impl VelocityRow {
    pub fn win_rate(&self) -> Option<Decimal> {
        ratio(self.won, self.won + self.lost)
    }
    pub fn average_cycle_days(&self) -> Option<Decimal> {
        average_days(self.won_seconds, self.won)
    }
    /// Open deals × average amount × win rate ÷ average cycle: the amount
    /// the pipeline turns into won business per day, from the exact ratios,
    /// rounded to cents once. `None` without a closed deal, or when the won
    /// deals took under a twentieth of a day on average (shown as 0 days:
    /// no rate per day means anything then).
    pub fn per_day(&self) -> Option<Decimal> {
        self.average_cycle_days().filter(|days| !days.is_zero())?;
        let closed = Decimal::from(self.won + self.lost);
        let cycle_days = self.won_seconds.checked_div(Decimal::from(86_400 * self.won))?;
        let value = self
            .open_amount
            .checked_mul(Decimal::from(self.won))?
            .checked_div(closed)?
            .checked_div(cycle_days)?;
        Some(value.round_dp(2))
    }
}

/// Activities of one owner in one week (Monday), per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityWeekRow {
    pub owner_id: Option<UserId>,
    pub week: NaiveDate,
    pub kind: String,
    pub count: i64,
}

/// An open deal with no activity for longer than its stage allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RottingDeal {
    pub deal_id: clearview_kernel::DealId,
    pub title: String,
    pub stage_id: StageId,
    pub stage_name: String,
    pub owner_id: Option<UserId>,
    /// Its newest activity up to now, if any.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Since when it has been idle: the last activity, or its creation.
    pub idle_since: DateTime<Utc>,
    /// The stage's limit (or the report's default) in days.
    pub rotting_days: i32,
}

/// One month of the forecast-accuracy report, in one currency: what the
/// newest snapshot taken before the month began forecast for it, and what
/// was won in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccuracyRow {
    pub month: NaiveDate,
    pub currency: String,
    /// The snapshot compared; `None` when none was taken before the month.
    pub snapshot_taken_on: Option<NaiveDate>,
    pub expected: Decimal,
    pub weighted: Decimal,
    pub won: Decimal,
}

impl AccuracyRow {
    /// Won ÷ weighted forecast, to four places; `None` without a forecast.
    pub fn accuracy(&self) -> Option<Decimal> {
        (!self.weighted.is_zero()).then(|| (self.won / self.weighted).round_dp(4))
    }
}

/// `won / total` to four places; `None` when `total` is zero.
fn ratio(part: i64, total: i64) -> Option<Decimal> {
    (total > 0).then(|| (Decimal::from(part) / Decimal::from(total)).round_dp(4))
}

/// Seconds over `count` deals as days, to one place.
fn average_days(total_seconds: Decimal, count: i64) -> Option<Decimal> {
    (count > 0).then(|| (total_seconds / Decimal::from(count) / Decimal::from(86_400)).round_dp(1))
}

/// Storage of the reports: each method reads only what `scope` lets the
/// caller see (a rep who sees only their own: their deals and activities).
#[async_trait]
pub trait ReportRepository: Send + Sync {
    async fn win_rate(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<WinRateRow>, RepoError>;
    async fn sales_cycle(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<CycleRow>, RepoError>;
    async fn funnel(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Funnel, RepoError>;
    async fn velocity(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<VelocityRow>, RepoError>;
    async fn activities(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<ActivityWeekRow>, RepoError>;
    async fn forecast_accuracy(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
        scope: ReadScope,
    ) -> Result<Vec<AccuracyRow>, RepoError>;
    /// At most `limit` deals, idle longest first; `default_days` for
    /// stages without their own limit.
    async fn rotting(
        &self,
        ctx: &TenantContext,
        pipeline: Option<PipelineId>,
        default_days: i32,
        limit: i64,
        scope: ReadScope,
    ) -> Result<Vec<RottingDeal>, RepoError>;
}

pub struct ReportService {
    reports: Arc<dyn ReportRepository>,
    pipelines: Arc<dyn PipelineRepository>,
    settings: Arc<dyn VisibilitySettings>,
}

impl ReportService {
    pub fn new(
        reports: Arc<dyn ReportRepository>,
        pipelines: Arc<dyn PipelineRepository>,
        settings: Arc<dyn VisibilitySettings>,
    ) -> Self {
        Self {
            reports,
            pipelines,
            settings,
        }
    }

    /// The caller's scope, once the pipeline is known to be this tenant's.
    async fn scope(&self, ctx: &TenantContext, filter: &ReportFilter) -> Result<ReadScope, RecordError> {
        if let Some(id) = filter.pipeline {
            self.pipelines.get(ctx, id).await?;
        }
        Ok(read_scope(self.settings.as_ref(), ctx).await?)
    }

    pub async fn win_rate(&self, ctx: &TenantContext, filter: &ReportFilter) -> Result<Vec<WinRateRow>, RecordError> {
        let scope = self.scope(ctx, filter).await?;
        Ok(self.reports.win_rate(ctx, filter, scope).await?)
    }

    pub async fn sales_cycle(&self, ctx: &TenantContext, filter: &ReportFilter) -> Result<Vec<CycleRow>, RecordError> {
        let scope = self.scope(ctx, filter).await?;
        Ok(self.reports.sales_cycle(ctx, filter, scope).await?)
    }

    /// The funnel of one pipeline: the one asked for, or the default one.
    pub async fn funnel(&self, ctx: &TenantContext, filter: &ReportFilter) -> Result<Funnel, RecordError> {
        let scope = self.scope(ctx, filter).await?;
        let pipeline = match filter.pipeline {
            Some(id) => id,
            None => self
                .pipelines
                .list(ctx)
                .await?
                .into_iter()
                .find(|p| p.is_default)
                .map(|p| p.id)
                .ok_or(RecordError::NotFound)?,
        };
        Ok(self.reports.funnel(ctx, pipeline, filter, scope).await?)
    }

    pub async fn velocity(&self, ctx: &TenantContext, filter: &ReportFilter) -> Result<Vec<VelocityRow>, RecordError> {
        let scope = self.scope(ctx, filter).await?;
        Ok(self.reports.velocity(ctx, filter, scope).await?)
    }

    pub async fn activities(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
    ) -> Result<Vec<ActivityWeekRow>, RecordError> {
        let scope = self.scope(ctx, filter).await?;
        Ok(self.reports.activities(ctx, filter, scope).await?)
    }

    pub async fn forecast_accuracy(
        &self,
        ctx: &TenantContext,
        filter: &ReportFilter,
    ) -> Result<Vec<AccuracyRow>, RecordError> {
        let scope = self.scope(ctx, filter).await?;
        Ok(self.reports.forecast_accuracy(ctx, filter, scope).await?)
    }

    pub async fn rotting(
        &self,
        ctx: &TenantContext,
        pipeline: Option<PipelineId>,
        default_days: i32,
        limit: i64,
    ) -> Result<Vec<RottingDeal>, RecordError> {
        if let Some(id) = pipeline {
            self.pipelines.get(ctx, id).await?;
        }
        let scope = read_scope(self.settings.as_ref(), ctx).await?;
        Ok(self.reports.rotting(ctx, pipeline, default_days, limit, scope).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn win_rate_and_cycle_are_exact_ratios_rounded_once() {
        let row = WinRateRow {
            owner_id: None,
            month: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            won: 2,
            lost: 1,
        };
        assert_eq!(row.win_rate(), Some(d("0.6667")));
        assert_eq!(WinRateRow { won: 0, lost: 0, ..row }.win_rate(), None);
        let cycle = CycleRow {
            month: row.month,
            won: 2,
            total_seconds: d("259200"), // 1 day + 2 days
        };
        assert_eq!(cycle.average_days(), Some(d("1.5")));
    }

    #[test]
    fn velocity_is_open_amount_times_win_rate_over_the_cycle() {
        // 3 open deals worth 3000 in all, 1 won of 2 closed, the won one in 10 days:
        // 3000 × 0.5 ÷ 10 = 150 a day; a deal won in an instant gives no rate.
        let row = VelocityRow {
            currency: "EUR".into(),
            open_deals: 3,
            open_amount: d("3000.00"),
            won: 1,
            lost: 1,
            won_seconds: d("864000"),
        };
        assert_eq!(row.per_day(), Some(d("150.00")));
        assert_eq!(row.win_rate(), Some(d("0.5")));
        assert_eq!(row.average_cycle_days(), Some(d("10")));
        assert_eq!(
            VelocityRow {
                won: 0,
                lost: 0,
                ..row.clone()
            }
            .per_day(),
            None
        );
        assert_eq!(
            VelocityRow {
                won: 0,
                lost: 2,
                won_seconds: d("0"),
                ..row
            }
            .per_day(),
            None
        );
    }

    #[test]
    fn a_range_covers_at_most_five_years_ending_at_to() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let filter = ReportFilter::new(None, day(2000, 1, 1), day(2026, 4, 30));
        assert_eq!(filter.from, day(2021, 4, 30));
        assert_eq!(
            ReportFilter::new(None, day(2026, 5, 1), day(2026, 4, 1)).from,
            day(2026, 5, 1)
        );
    }

    #[test]
    fn accuracy_is_won_over_the_weighted_forecast() {
        let row = AccuracyRow {
            month: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            currency: "USD".into(),
            snapshot_taken_on: None,
            expected: d("1000"),
            weighted: d("500.00"),
            won: d("400.00"),
        };
        assert_eq!(row.accuracy(), Some(d("0.8")));
        assert_eq!(
            AccuracyRow {
                weighted: d("0"),
                ..row
            }
            .accuracy(),
            None
        );
    }

    #[test]
    fn a_funnel_converts_each_stage_from_the_one_before() {
        let stage = |n: &str, reached| FunnelStage {
            stage_id: StageId::generate(),
            name: n.into(),
            reached,
        };
        let funnel = Funnel {
            pipeline_id: PipelineId::generate(),
            cohort: 10,
            lost: 3,
            stages: vec![
                stage("Lead", 10),
                stage("Qualified", 4),
                stage("Won", 0),
                stage("After", 0),
            ],
        };
        assert_eq!(funnel.conversions(), vec![None, Some(d("0.4")), Some(d("0")), None]);
    }
}

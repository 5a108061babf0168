//! Pipelines and their ordered, first-class stages (the seed's ADR: stages
//! replace a status enum so each organization configures its own funnel),
//! plus the arithmetic of the pipeline board and the forecast.
//!
//! Rules kept here: a pipeline always has at least one open stage; stage
//! order is dense (0..n) and only ever a permutation of the existing
//! stages; weighted amounts are exact decimals. Pure (invariant 1).

mod model;
mod ports;
mod rates;
mod reports;
mod rules;
mod service;
mod totals;

pub use model::{NewPipeline, Pipeline, Probability, Stage, StageKind, StagePatch, StageSpec, default_stages};
pub use ports::{BoardRow, ForecastRow, PipelineRepository};
pub use rates::{
    BaseTotal, Converted, RATES_PER_REQUEST, Rate, RateInForce, RateRepository, RateService, base_total, convert,
    parse_rate,
};
pub use reports::{
    AccuracyRow, ActivityWeekRow, CycleRow, Funnel, FunnelStage, ReportFilter, ReportRepository, ReportService,
    RottingDeal, VelocityRow, WinRateRow,
};
pub use rules::{ensure_open_stage, reorder};
pub use service::{PipelineError, PipelineService};
pub use totals::{CurrencyTotals, ForecastMonth, forecast_months, totals_by_currency, weighted};

//! `/api/reports/forecast`: expected, weighted and won amounts per month.

use crate::problem::{ApiError, Problem};
use crate::routes::rates::{BaseParts, money};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::web::{Data, Query};
use chrono::{Datelike, Months, NaiveDate, Utc};
use clearview_kernel::{Decimal, PipelineId, ValidationErrors, money_string};
use clearview_pipelines::{base_total, convert, forecast_months};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The longest range one forecast reports, in months.
const MAX_MONTHS: u32 = 60;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ForecastParams {
    /// Only this pipeline (default: all).
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub pipeline_id: Option<String>,
    /// First day counted, YYYY-MM-DD (default: the first of this month).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Last day counted, YYYY-MM-DD (default: the end of the 12th month).
    /// At most 60 months are reported: a later `to` is cut, and the answer's
    /// `to` is the last day it covers.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastAmounts {
    pub currency: String,
    /// Open deals expected to close this month.
    pub expected: String,
    /// The same, each weighted by its probability.
    pub weighted: String,
    /// Deals won this month.
    pub won: String,
    /// The same three in the organization's currency, at the rate in force
    /// at the end of the month (today for a month not over yet); `null`
    /// when no rate is in force.
    pub base_expected: Option<String>,
    pub base_weighted: Option<String>,
    pub base_won: Option<String>,
    #[serde(flatten)]
    pub base: BaseParts,
}

/// A month's currencies together, in the organization's currency.
#[derive(Serialize, ToSchema)]
pub struct ForecastBaseTotal {
    pub currency: String,
    /// `null` when a rate is missing (see `missing_rates`).
    pub expected: Option<String>,
    pub weighted: Option<String>,
    pub won: Option<String>,
    pub missing_rates: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastMonthView {
    /// YYYY-MM.
    pub month: String,
    pub currencies: Vec<ForecastAmounts>,
    pub base_total: ForecastBaseTotal,
}

#[derive(Serialize, ToSchema)]
pub struct Forecast {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub months: Vec<ForecastMonthView>,
}

pub(crate) fn date_param(
    errors: &mut ValidationErrors,
    name: &str,
    raw: Option<&str>,
    default: NaiveDate,
) -> NaiveDate {
    raw.and_then(|v| {
        errors.check(
            name,
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| "must be a date YYYY-MM-DD"),
        )
    })
    .unwrap_or(default)
}

/// Open deals by month of expected close (total and probability-weighted)
/// and won deals by month of closing, per currency. Every month of the
/// range is listed, empty ones too.
#[utoipa::path(get, operation_id = "reports_forecast", path = "/api/reports/forecast", tag = "reports", params(ForecastParams),
    responses((status = 200, body = Forecast), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn forecast(
    session: Session,
    state: Data<ApiState>,
    params: Query<ForecastParams>,
) -> Result<HttpResponse, ApiError> {
    let today = Utc::now().date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let default_to = first + Months::new(12) - chrono::Days::new(1);
    let mut errors = ValidationErrors::new();
    let from = date_param(&mut errors, "from", params.from.as_deref(), first);
    let to = date_param(&mut errors, "to", params.to.as_deref(), default_to);
    let pipeline = params
        .pipeline_id
        .as_deref()
        .and_then(|v| errors.check("pipeline_id", Uuid::try_parse(v).map_err(|_| "must be a UUID")));
    errors.into_result().map_err(ApiError::invalid)?;
    // At most MAX_MONTHS months are reported: a longer range is cut, and the
    // answer's `to` says where (a range of centuries must not build a
    // response of thousands of months). `from` after `to` lists no month.
    let to = match from.checked_add_months(Months::new(MAX_MONTHS)) {
        Some(limit) => to.min(limit - chrono::Days::new(1)),
        None => to,
    };
    if to < from {
        return Ok(HttpResponse::Ok().json(Forecast {
            from,
            to,
            months: Vec::new(),
        }));
    }
    let rows = state
        .pipelines
        .forecast(&session.ctx, pipeline.map(PipelineId::from_uuid), from, to)
        .await?;
    let by_month = forecast_months(&rows);
    // Each month converts at the rate of its last day, or today's while it
    // runs: the rates of every such day, read before the loop.
    let first_month = from.with_day(1).unwrap_or(from);
    let rate_day = |month: NaiveDate| {
        let month_end = month
            .checked_add_months(Months::new(1))
            .map_or(month, |m| m - chrono::Days::new(1));
        month_end.min(today)
    };
    let mut days = Vec::new();
    let mut month = first_month;
    while month <= to {
        days.push(rate_day(month));
        let Some(next) = month.checked_add_months(Months::new(1)) else {
            break;
        };
        month = next;
    }
    let all_currencies: Vec<_> = rows.iter().map(|r| r.currency).collect();
    let (base, rates_by_day) = state.rates.in_force_on(&session.ctx, &all_currencies, &days).await?;
    let mut months = Vec::new();
    let mut month = first_month;
    while month <= to {
        let data = by_month.get(&month).cloned().unwrap_or_default();
        let mut currencies: Vec<_> = data.expected.keys().chain(data.won.keys()).copied().collect();
        currencies.sort();
        currencies.dedup();
        let no_rates = Default::default();
        let rates = rates_by_day.get(&rate_day(month)).unwrap_or(&no_rates);
        let amounts: Vec<_> = currencies
            .iter()
            .map(|c| {
                let (expected, weighted) = data.expected.get(c).copied().unwrap_or_default();
                (
                    *c,
                    expected,
                    weighted,
                    data.won.get(c).copied().unwrap_or(Decimal::ZERO),
                )
            })
            .collect();
        let open: Vec<_> = amounts.iter().map(|(c, e, w, _)| (*c, *e, *w)).collect();
        let won: Vec<_> = amounts.iter().map(|(c, _, _, won)| (*c, *won, *won)).collect();
        let (open_total, won_total) = (base_total(base, rates, &open), base_total(base, rates, &won));
        months.push(ForecastMonthView {
            month: month.format("%Y-%m").to_string(),
            currencies: amounts
                .into_iter()
                .map(|(c, expected, weighted, won)| {
                    let converted = convert(base, rates, c, expected, weighted);
                    let won_converted = convert(base, rates, c, won, won);
                    ForecastAmounts {
                        currency: c.as_str().into(),
                        expected: money_string(expected),
                        weighted: money_string(weighted),
                        won: money_string(won),
                        base_expected: money(converted.amount),
                        base_weighted: money(converted.weighted),
                        base_won: money(won_converted.amount),
                        base: BaseParts::new(base, &converted),
                    }
                })
                .collect(),
            base_total: ForecastBaseTotal {
                currency: base.as_str().into(),
                expected: money(open_total.amount),
                weighted: money(open_total.weighted),
                won: money(won_total.amount),
                missing_rates: open_total.missing_rates.iter().map(|c| c.as_str().to_owned()).collect(),
            },
        });
        let Some(next) = month.checked_add_months(Months::new(1)) else {
            break;
        };
        month = next;
    }
    Ok(HttpResponse::Ok().json(Forecast { from, to, months }))
}

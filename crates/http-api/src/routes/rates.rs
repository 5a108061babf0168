//! `/api/exchange-rates` (ADR 0030): the organization's rates against its
//! own currency — read by every member, set by admins and managers (JSON,
//! or a CSV file of `currency,date,rate`) — and the base-currency parts of
//! the board's and the forecast's totals.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::web::{Bytes, Data, Query};
use chrono::NaiveDate;
use clearview_kernel::{Currency, Decimal, ValidationErrors, money_string};
use clearview_pipelines::{BaseTotal, Converted, Rate, parse_rate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct RateView {
    pub currency: String,
    /// From this day on (until a later rate).
    pub date: NaiveDate,
    /// One unit of `currency` in the base currency, exact decimal text.
    pub rate: String,
}

#[derive(Serialize, ToSchema)]
pub struct RateList {
    /// The organization's currency: every rate is against it.
    pub base_currency: String,
    /// By currency, newest first.
    pub data: Vec<RateView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RateParams {
    /// Only this currency (ISO 4217); a code no rate can have lists none.
    #[param(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    /// ISO 4217, not the organization's own.
    pub currency: String,
    /// YYYY-MM-DD: the rate holds from this day on.
    pub date: NaiveDate,
    /// One unit of `currency` in the base currency: a positive decimal with
    /// at most 10 decimal places, as text.
    pub rate: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatesBody {
    /// Rates to set; one already set for the same currency and date is
    /// replaced. All are set or none.
    pub rates: Vec<RateBody>,
}

fn parse(rows: impl Iterator<Item = (String, String, String)>, errors: &mut ValidationErrors) -> Vec<Rate> {
    rows.enumerate()
        .filter_map(|(i, (currency, date, rate))| {
            let currency = errors.check(&format!("rates[{i}].currency"), Currency::parse(&currency));
            let date = errors.check(
                &format!("rates[{i}].date"),
                NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| "must be a date YYYY-MM-DD"),
            );
            let rate = errors.check(&format!("rates[{i}].rate"), parse_rate(&rate));
            Some(Rate {
                currency: currency?,
                date: date?,
                rate: rate?,
            })
        })
        .collect()
}

async fn list_answer(state: &ApiState, session: &Session, only: Option<Currency>) -> Result<HttpResponse, ApiError> {
    let (base, rates) = state.rates.list(&session.ctx, only).await?;
    Ok(HttpResponse::Ok().json(RateList {
        base_currency: base.as_str().into(),
        data: rates
            .into_iter()
            .map(|r| RateView {
                currency: r.currency.as_str().into(),
                date: r.date,
                rate: r.rate.normalize().to_string(),
            })
            .collect(),
    }))
}

/// The organization's exchange rates against its own currency.
#[utoipa::path(get, operation_id = "rates_list", path = "/api/exchange-rates", tag = "reports", params(RateParams),
    responses((status = 200, body = RateList), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: Query<RateParams>,
) -> Result<HttpResponse, ApiError> {
    let only = match params.currency.as_deref() {
        None => None,
        Some(code) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => match Currency::parse(code) {
            Ok(currency) => Some(currency),
            // Three letters but no currency: no rate can have it.
            Err(_) => {
                let (base, _) = state.rates.list(&session.ctx, None).await?;
                return Ok(HttpResponse::Ok().json(RateList {
                    base_currency: base.as_str().into(),
                    data: Vec::new(),
                }));
            }
        },
        Some(_) => {
            return Err(ApiError::invalid_field(
                "currency",
                "must be three capital letters, e.g. EUR",
            ));
        }
    };
    list_answer(&state, &session, only).await
}

/// Sets exchange rates (admins and managers): all or none, each error
/// naming its row (`rates[3].rate`). Answers the whole list.
#[utoipa::path(put, operation_id = "rates_put", path = "/api/exchange-rates", tag = "reports", request_body = RatesBody,
    responses((status = 200, body = RateList), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn put(
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<RatesBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let rows = body
        .rates
        .into_iter()
        .map(|r| (r.currency, r.date.format("%Y-%m-%d").to_string(), r.rate));
    let rates = parse(rows, &mut errors);
    errors.into_result().map_err(ApiError::invalid)?;
    state.rates.put(&session.ctx, &rates).await?;
    list_answer(&state, &session, None).await
}

/// Sets exchange rates from a CSV file with the header `currency,date,rate`
/// (admins and managers): all or none, errors naming the row as
/// `rates[i]` (the first data row is 0).
#[utoipa::path(post, operation_id = "rates_import", path = "/api/exchange-rates/import", tag = "reports",
    request_body(content = String, content_type = "text/csv", description = "currency,date,rate rows"),
    responses((status = 200, body = RateList), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 415, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import(
    session: Session,
    state: Data<ApiState>,
    req: actix_web::HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let csv_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    if !csv_type {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the rates as text/csv with the header currency,date,rate",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body.as_ref());
    let header_ok = reader
        .headers()
        .map(|h| h.iter().map(str::to_ascii_lowercase).collect::<Vec<_>>() == ["currency", "date", "rate"])
        .unwrap_or(false);
    if !header_ok {
        return Err(ApiError::invalid_field(
            "body",
            "the first row must be the header currency,date,rate",
        ));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|_| ApiError::invalid_field(format!("rates[{i}]"), "is not a row of three CSV fields"))?;
        let field = |n: usize| record.get(n).unwrap_or_default().to_owned();
        rows.push((field(0), field(1), field(2)));
    }
    let mut errors = ValidationErrors::new();
    let rates = parse(rows.into_iter(), &mut errors);
    errors.into_result().map_err(ApiError::invalid)?;
    state.rates.put(&session.ctx, &rates).await?;
    list_answer(&state, &session, None).await
}

/// A currency's total in the base currency, beside the total itself.
#[derive(Serialize, ToSchema)]
pub struct BaseParts {
    /// The organization's currency.
    pub base_currency: String,
    /// The rate used (1 for the base itself); `null` when none is in force.
    pub rate: Option<String>,
    /// The day the rate was set for; `null` for the base itself or when
    /// none is in force.
    pub rate_date: Option<NaiveDate>,
}

/// Exact decimal text, or `null`.
pub fn money(value: Option<Decimal>) -> Option<String> {
    value.map(money_string)
}

impl BaseParts {
    pub fn new(base: Currency, converted: &Converted) -> Self {
        BaseParts {
            base_currency: base.as_str().into(),
            rate: converted.rate.map(|r| r.rate.normalize().to_string()),
            rate_date: converted.rate.and_then(|r| r.date),
        }
    }
}

/// Several currencies' totals summed in the base currency.
#[derive(Serialize, ToSchema)]
pub struct BaseTotalView {
    pub currency: String,
    /// `null` when a rate is missing (see `missing_rates`): never guessed.
    pub amount: Option<String>,
    pub weighted_amount: Option<String>,
    /// Currencies with no rate in force on the day.
    pub missing_rates: Vec<String>,
}

impl BaseTotalView {
    pub fn new(base: Currency, total: &BaseTotal) -> Self {
        BaseTotalView {
            currency: base.as_str().into(),
            amount: money(total.amount),
            weighted_amount: money(total.weighted),
            missing_rates: total.missing_rates.iter().map(|c| c.as_str().to_owned()).collect(),
        }
    }
}

//! Exchange rates and base-currency totals (issue 12, ADR 0030).
//!
//! The organization's currency is the base. A rate says what one unit of a
//! currency is worth in the base on a date; the rate in force on a day is
//! the latest one dated on or before it. Totals in other currencies are
//! converted with it, exactly (decimal arithmetic, no rounding); a currency
//! with no rate in force is named in the answer and its total is left out
//! of no sum silently: the base total is then absent.

use async_trait::async_trait;
use chrono::NaiveDate;
use clearview_kernel::records::RecordError;
use clearview_kernel::{Currency, Decimal, RepoError, Role, TenantContext, ValidationErrors};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;

/// Most rates one request may set.
pub const RATES_PER_REQUEST: usize = 10_000;

/// One unit of `currency` is worth `rate` units of the base on `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub currency: Currency,
    pub date: NaiveDate,
    pub rate: Decimal,
}

/// A rate as used for a conversion: its value and the day it was set for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateInForce {
    pub rate: Decimal,
    /// `None` for the base currency itself (always 1).
    pub date: Option<NaiveDate>,
}

/// A rate as typed: positive, plain decimal, at most 10 decimal places and
/// 12 integer digits.
pub fn parse_rate(raw: &str) -> Result<Decimal, String> {
    let text = raw.trim();
    let plain =
        !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.') && text.matches('.').count() <= 1;
    let refuse = || "must be a positive decimal number such as \"1.0845\" (at most 10 decimal places)".to_owned();
    if !plain {
        return Err(refuse());
    }
    let value = Decimal::from_str(text).map_err(|_| refuse())?;
    let integer_digits = text.split('.').next().unwrap_or("").trim_start_matches('0').len();
    if value <= Decimal::ZERO || value.scale() > 10 || integer_digits > 12 {
        return Err(refuse());
    }
    Ok(value)
}

/// A currency's totals converted to the base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// `None` when no rate is in force for the currency.
    pub rate: Option<RateInForce>,
    pub amount: Option<Decimal>,
    pub weighted: Option<Decimal>,
}

/// The sum of several currencies' totals in the base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseTotal {
    /// `None` as soon as one currency has no rate in force.
    pub amount: Option<Decimal>,
    pub weighted: Option<Decimal>,
    /// Currencies without a rate in force, in code order.
    pub missing_rates: Vec<Currency>,
}

/// Converts one currency's `(amount, weighted)` with the rates in force.
pub fn convert(
    base: Currency,
    rates: &BTreeMap<Currency, RateInForce>,
    currency: Currency,
    amount: Decimal,
    weighted: Decimal,
) -> Converted {
    let rate = if currency == base {
        Some(RateInForce {
            rate: Decimal::ONE,
            date: None,
        })
    } else {
        rates.get(&currency).copied()
    };
    Converted {
        rate,
        amount: rate.map(|r| amount * r.rate),
        weighted: rate.map(|r| weighted * r.rate),
    }
}

/// Sums `(currency, amount, weighted)` in the base; absent when a rate is
/// missing (the missing currencies are named).
pub fn base_total(
    base: Currency,
    rates: &BTreeMap<Currency, RateInForce>,
    totals: &[(Currency, Decimal, Decimal)],
) -> BaseTotal {
    let mut amount = Some(Decimal::ZERO);
    let mut weighted = Some(Decimal::ZERO);
    let mut missing = BTreeSet::new();
    for (currency, a, w) in totals {
        let converted = convert(base, rates, *currency, *a, *w);
        match (converted.amount, converted.weighted) {
            (Some(ca), Some(cw)) => {
                amount = amount.map(|s| s + ca);
                weighted = weighted.map(|s| s + cw);
            }
            _ => {
                missing.insert(*currency);
                amount = None;
                weighted = None;
            }
        }
    }
    BaseTotal {
        amount,
        weighted,
        missing_rates: missing.into_iter().collect(),
    }
}

/// Storage of an organization's rates, kept per base currency (rates set
/// for an earlier base do not count after the base changes).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait RateRepository: Send + Sync {
    /// The organization's currency.
    async fn base_currency(&self, ctx: &TenantContext) -> Result<Currency, RepoError>;
    /// Rates against `base`, by currency then newest date first.
    async fn rates(
        &self,
        ctx: &TenantContext,
        base: Currency,
        currency: Option<Currency>,
    ) -> Result<Vec<Rate>, RepoError>;
    /// Sets every rate (a rate for the same currency and date is replaced),
    /// all or none.
    async fn put_rates(&self, ctx: &TenantContext, base: Currency, rates: &[Rate]) -> Result<(), RepoError>;
    /// For each currency, the latest rate dated on or before `on`.
    async fn in_force(
        &self,
        ctx: &TenantContext,
        base: Currency,
        currencies: &[Currency],
        on: NaiveDate,
    ) -> Result<BTreeMap<Currency, RateInForce>, RepoError>;
}

#[derive(Clone)]
pub struct RateService {
    repo: Arc<dyn RateRepository>,
}

impl RateService {
    pub fn new(repo: Arc<dyn RateRepository>) -> Self {
        Self { repo }
    }

    /// The base currency and its rates (every member reads them).
    pub async fn list(
        &self,
        ctx: &TenantContext,
        currency: Option<Currency>,
    ) -> Result<(Currency, Vec<Rate>), RecordError> {
        let base = self.repo.base_currency(ctx).await?;
        Ok((base, self.repo.rates(ctx, base, currency).await?))
    }

    /// Sets rates against the base (admins and managers), all or none.
    /// `rates` are already parsed; here: no rate for the base itself, no
    /// currency and date twice.
    pub async fn put(&self, ctx: &TenantContext, rates: &[Rate]) -> Result<Currency, RecordError> {
        if !matches!(ctx.role, Role::Admin | Role::Manager) {
            return Err(RecordError::Forbidden("only admins and managers set exchange rates"));
        }
        let base = self.repo.base_currency(ctx).await?;
        let mut errors = ValidationErrors::new();
        let mut seen = BTreeSet::new();
        for (i, rate) in rates.iter().enumerate() {
            if rate.currency == base {
                errors.add(
                    format!("rates[{i}].currency"),
                    "is the organization's own currency (always 1)",
                );
            }
            if !seen.insert((rate.currency, rate.date)) {
                errors.add(format!("rates[{i}].date"), "repeats a currency and date given above");
            }
        }
        if rates.len() > RATES_PER_REQUEST {
            errors.add("rates", format!("at most {RATES_PER_REQUEST} rates at once"));
        }
        errors.into_result().map_err(RecordError::Invalid)?;
        self.repo.put_rates(ctx, base, rates).await?;
        Ok(base)
    }

    /// The base and the rates in force on `on` for `currencies`.
    pub async fn in_force(
        &self,
        ctx: &TenantContext,
        currencies: &[Currency],
        on: NaiveDate,
    ) -> Result<(Currency, BTreeMap<Currency, RateInForce>), RecordError> {
        let (base, mut by_day) = self.in_force_on(ctx, currencies, &[on]).await?;
        Ok((base, by_day.remove(&on).unwrap_or_default()))
    }

    /// The base (read once) and, for each of `days`, the rates in force
    /// that day: one look-up per distinct day, none when every currency is
    /// the base.
    pub async fn in_force_on(
        &self,
        ctx: &TenantContext,
        currencies: &[Currency],
        days: &[NaiveDate],
    ) -> Result<(Currency, BTreeMap<NaiveDate, BTreeMap<Currency, RateInForce>>), RecordError> {
        let base = self.repo.base_currency(ctx).await?;
        let others: Vec<Currency> = currencies.iter().copied().filter(|c| *c != base).collect();
        let mut by_day = BTreeMap::new();
        for day in days.iter().copied().collect::<BTreeSet<_>>() {
            let rates = match others.is_empty() {
                true => BTreeMap::new(),
                false => self.repo.in_force(ctx, base, &others, day).await?,
            };
            by_day.insert(day, rates);
        }
        Ok((base, by_day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }
    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn rates_are_positive_plain_decimals() {
        assert_eq!(parse_rate(" 1.0845 "), Ok(d("1.0845")));
        assert_eq!(parse_rate("0.0000000001"), Ok(d("0.0000000001")));
        for wrong in ["0", "-1", "1e3", "1.00000000001", "", "abc", "1.2.3", "9999999999999"] {
            assert!(parse_rate(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn totals_convert_exactly_and_a_missing_rate_is_named_not_guessed() {
        let (usd, eur, gbp) = (c("USD"), c("EUR"), c("GBP"));
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let rates = BTreeMap::from([(
            eur,
            RateInForce {
                rate: d("1.0845"),
                date: Some(date),
            },
        )]);
        let eur_total = convert(usd, &rates, eur, d("12500.00"), d("3125.00"));
        assert_eq!(eur_total.amount, Some(d("13556.25")));
        assert_eq!(eur_total.weighted, Some(d("3389.0625")));
        let own = convert(usd, &rates, usd, d("10"), d("5"));
        assert_eq!(own.rate.map(|r| (r.rate, r.date)), Some((Decimal::ONE, None)));

        let sum = base_total(usd, &rates, &[(usd, d("100"), d("50")), (eur, d("100"), d("10"))]);
        assert_eq!((sum.amount, sum.weighted), (Some(d("208.45")), Some(d("60.845"))));
        assert!(sum.missing_rates.is_empty());
        let partial = base_total(usd, &rates, &[(usd, d("100"), d("50")), (gbp, d("1"), d("1"))]);
        assert_eq!((partial.amount, partial.missing_rates), (None, vec![gbp]));
    }

    #[tokio::test]
    async fn only_managers_and_admins_set_rates_and_never_for_the_base_itself() {
        let mut repo = MockRateRepository::new();
        repo.expect_base_currency()
            .returning(|_| Ok(Currency::parse("USD").unwrap()));
        repo.expect_put_rates().never();
        let service = RateService::new(Arc::new(repo));
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let ctx = |role| {
            TenantContext::new(
                clearview_kernel::TenantId::generate(),
                clearview_kernel::UserId::generate(),
                role,
            )
        };
        let eur = Rate {
            currency: c("EUR"),
            date,
            rate: d("1.1"),
        };
        assert!(matches!(
            service.put(&ctx(Role::Rep), &[eur]).await,
            Err(RecordError::Forbidden(_))
        ));
        let usd = Rate {
            currency: c("USD"),
            ..eur
        };
        let Err(RecordError::Invalid(errors)) = service.put(&ctx(Role::Manager), &[eur, usd, eur]).await else {
            panic!("expected field errors")
        };
        let fields: Vec<_> = errors.fields().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["rates[1].currency", "rates[2].date"]);
    }
}

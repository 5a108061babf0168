//! Board and forecast arithmetic. The database groups deals by currency and
//! probability (so no deal list is loaded); the weighting and the final sums
//! are exact decimal arithmetic here.

use chrono::NaiveDate;
use clearview_kernel::{Currency, Decimal};
use std::collections::BTreeMap;

/// `amount × probability / 100`, exactly.
pub fn weighted(amount: Decimal, probability: u8) -> Decimal {
    amount * Decimal::from(probability) / Decimal::from(100)
}

/// Count, total and weighted total of a set of deals in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrencyTotals {
    pub count: i64,
    pub total: Decimal,
    pub weighted: Decimal,
}

/// Sums groups of `(currency, probability, count, amount sum)`.
pub fn totals_by_currency(groups: &[(Currency, u8, i64, Decimal)]) -> BTreeMap<Currency, CurrencyTotals> {
    let mut totals: BTreeMap<Currency, CurrencyTotals> = BTreeMap::new();
    for (currency, probability, count, sum) in groups {
        let entry = totals.entry(*currency).or_default();
        entry.count += count;
        entry.total += sum;
        entry.weighted += weighted(*sum, *probability);
    }
    totals
}

/// One month of the forecast, per currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForecastMonth {
    /// Open deals expected to close this month: total and weighted.
    pub expected: BTreeMap<Currency, (Decimal, Decimal)>,
    /// Deals won this month.
    pub won: BTreeMap<Currency, Decimal>,
}

/// Builds the forecast from grouped rows (see `ForecastRow`).
pub fn forecast_months(rows: &[crate::ports::ForecastRow]) -> BTreeMap<NaiveDate, ForecastMonth> {
    let mut months: BTreeMap<NaiveDate, ForecastMonth> = BTreeMap::new();
    for row in rows {
        let month = months.entry(row.month).or_default();
        if row.won {
            *month.won.entry(row.currency).or_default() += row.amount;
        } else {
            let entry = month.expected.entry(row.currency).or_default();
            entry.0 += row.amount;
            entry.1 += weighted(row.amount, row.probability);
        }
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::ForecastRow;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn weighting_is_exact() {
        assert_eq!(weighted(d("12500.00"), 25), d("3125"));
        assert_eq!(weighted(d("0.01"), 33), d("0.0033"));
        assert_eq!(weighted(d("999.99"), 0), Decimal::ZERO);
    }

    #[test]
    fn totals_group_by_currency() {
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let totals = totals_by_currency(&[
            (usd, 10, 2, d("1000")),
            (usd, 50, 1, d("200.50")),
            (eur, 100, 1, d("7")),
        ]);
        assert_eq!(
            totals[&usd],
            CurrencyTotals {
                count: 3,
                total: d("1200.50"),
                weighted: d("200.25")
            }
        );
        assert_eq!(totals[&eur].weighted, d("7"));
    }

    #[test]
    fn the_forecast_separates_expected_and_won() {
        let usd = Currency::parse("USD").unwrap();
        let june = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let rows = [
            ForecastRow {
                month: june,
                currency: usd,
                probability: 50,
                amount: d("100"),
                won: false,
            },
            ForecastRow {
                month: june,
                currency: usd,
                probability: 100,
                amount: d("40"),
                won: true,
            },
        ];
        let months = forecast_months(&rows);
        assert_eq!(months[&june].expected[&usd], (d("100"), d("50")));
        assert_eq!(months[&june].won[&usd], d("40"));
    }

    proptest! {
        #[test]
        fn weighted_sums_equal_the_weighted_sum(cents in proptest::collection::vec(0i64..10_000_000, 1..20), p in 0u8..=100) {
            let amounts: Vec<Decimal> = cents.iter().map(|c| Decimal::new(*c, 2)).collect();
            let total: Decimal = amounts.iter().sum();
            let each: Decimal = amounts.iter().map(|a| weighted(*a, p)).sum();
            prop_assert_eq!(weighted(total, p), each);
            prop_assert!(weighted(total, p) <= total);
        }
    }
}

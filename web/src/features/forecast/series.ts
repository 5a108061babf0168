import type { Forecast } from '../../api/types';

export interface ForecastRow {
  month: string;
  /** Empty when a rate is missing (only for the base-currency rows). */
  expected: string;
  weighted: string;
  won: string;
  /** Currencies without a rate that month (base-currency rows). */
  missingRates?: string[];
}

/** The select's value for "every currency, in the organization's". */
export const ALL_IN_BASE = '*';

/** Every currency that appears anywhere in the forecast. */
export function forecastCurrencies(forecast: Forecast): string[] {
  return [...new Set(forecast.months.flatMap((m) => m.currencies.map((c) => c.currency)))].sort();
}

/** One row per month for one currency; months without deals in it show "0". Values stay exact strings. */
export function forecastRows(forecast: Forecast, currency: string): ForecastRow[] {
  if (currency === ALL_IN_BASE) {
    return forecast.months.map((m) => ({
      month: m.month,
      expected: m.base_total.expected ?? '',
      weighted: m.base_total.weighted ?? '',
      won: m.base_total.won ?? '',
      missingRates: m.base_total.missing_rates,
    }));
  }
  return forecast.months.map((m) => {
    const c = m.currencies.find((x) => x.currency === currency);
    return { month: m.month, expected: c?.expected ?? '0', weighted: c?.weighted ?? '0', won: c?.won ?? '0' };
  });
}

/** Bar heights only: the chart needs numbers, the table keeps the exact amounts. */
export function chartPoint(row: ForecastRow) {
  return {
    month: row.month,
    Expected: Number(row.expected),
    Weighted: Number(row.weighted),
    Won: Number(row.won),
  };
}

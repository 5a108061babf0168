import type { Forecast } from '../../api/types';

export interface ForecastRow {
  month: string;
  expected: string;
  weighted: string;
  won: string;
}

/** Every currency that appears anywhere in the forecast. */
export function forecastCurrencies(forecast: Forecast): string[] {
  return [...new Set(forecast.months.flatMap((m) => m.currencies.map((c) => c.currency)))].sort();
}

/** One row per month for one currency; months without deals in it show "0". Values stay exact strings. */
export function forecastRows(forecast: Forecast, currency: string): ForecastRow[] {
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

/**
 * Money stays a decimal string from the API to the screen: it is formatted
 * with Intl.NumberFormat's string overload, never parsed into a float.
 */
const cache = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, compact: boolean): Intl.NumberFormat {
  const key = `${currency}:${compact ? 'c' : 'f'}`;
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency,
        notation: compact ? 'compact' : 'standard',
      });
    } catch {
      f = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
    }
    cache.set(key, f);
  }
  return f;
}

function isDecimal(value: string): value is `${number}` {
  return /^-?\d+(\.\d+)?$/.test(value);
}

export function formatMoney(amount: string, currency: string, opts: { compact?: boolean } = {}): string {
  if (!isDecimal(amount)) return `${amount} ${currency}`;
  return formatter(currency, opts.compact ?? false).format(amount);
}

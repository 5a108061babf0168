import { formatMoney } from './money';

export function Money({
  amount,
  currency,
  compact,
}: {
  amount: string;
  currency: string;
  compact?: boolean;
}) {
  return (
    <span style={{ fontVariantNumeric: 'tabular-nums' }}>{formatMoney(amount, currency, { compact })}</span>
  );
}

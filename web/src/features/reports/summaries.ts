/** Pure shaping of report rows for the Reports screen. */

export interface WinRow {
  owner_id?: string | null;
  won: number;
  lost: number;
}

/** Won and lost per owner over every month of the range, most closed first. */
export function winsByOwner(
  rows: WinRow[],
): { owner_id: string | null; won: number; lost: number; rate: number | null }[] {
  const byOwner = new Map<string | null, { won: number; lost: number }>();
  for (const r of rows) {
    const owner = r.owner_id ?? null;
    const sum = byOwner.get(owner) ?? { won: 0, lost: 0 };
    sum.won += r.won;
    sum.lost += r.lost;
    byOwner.set(owner, sum);
  }
  return [...byOwner.entries()]
    .map(([owner_id, s]) => ({ owner_id, ...s, rate: s.won + s.lost > 0 ? s.won / (s.won + s.lost) : null }))
    .sort((a, b) => b.won + b.lost - (a.won + a.lost));
}

/** "0.6667" → "67 %"; null → "—". */
export function percent(rate: string | number | null | undefined): string {
  if (rate === null || rate === undefined || rate === '') return '—';
  return `${Math.round(Number(rate) * 100)} %`;
}

/** The first day of the month `monthsBack` months before today's, as YYYY-MM-DD. */
export function monthsAgo(monthsBack: number, today: Date = new Date()): string {
  const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - monthsBack, 1));
  return d.toISOString().slice(0, 10);
}

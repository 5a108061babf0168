import { describe, expect, it } from 'vitest';
import { monthsAgo, percent, winsByOwner } from './summaries';

describe('report summaries', () => {
  it('adds each owner’s months together and orders by deals closed', () => {
    const rows = [
      { owner_id: 'a', won: 1, lost: 0 },
      { owner_id: 'b', won: 1, lost: 2 },
      { owner_id: 'a', won: 0, lost: 1 },
    ];
    expect(winsByOwner(rows)).toEqual([
      { owner_id: 'b', won: 1, lost: 2, rate: 1 / 3 },
      { owner_id: 'a', won: 1, lost: 1, rate: 0.5 },
    ]);
  });

  it('shows rates as whole percents and ranges from the first of a month', () => {
    expect(percent('0.6667')).toBe('67 %');
    expect(percent(null)).toBe('—');
    expect(monthsAgo(2, new Date(Date.UTC(2026, 0, 15)))).toBe('2025-11-01');
  });
});

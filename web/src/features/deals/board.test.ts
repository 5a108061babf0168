import { describe, expect, it } from 'vitest';
import type { Board, BoardColumn, Deal } from '../../api/types';
import { moveOnBoard } from './queries';

function deal(id: string, stageId: string): Deal {
  return {
    id,
    stage_id: stageId,
    pipeline_id: 'p',
    title: id,
    amount: '10.00',
    currency: 'EUR',
    status: 'open',
    probability: 10,
    stage_probability: 10,
    probability_overridden: false,
    weighted_amount: '1.00',
    contact_ids: [],
    custom_fields: {},
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
  };
}

function column(id: string, kind: string, deals: Deal[]): BoardColumn {
  return {
    stage: { id, name: id, kind, position: 0, probability: 10 },
    count: deals.length,
    totals: [{ currency: 'EUR', amount: '10.00', weighted_amount: '1.00', base_currency: 'EUR', rate: '1' }],
    base_total: { currency: 'EUR', amount: '10.00', weighted_amount: '1.00', missing_rates: [] },
    deals,
    next_cursor: null,
  };
}

describe('moving a card on the board', () => {
  const board: Board = {
    pipeline: { id: 'p', name: 'Sales', is_default: true, stages: [], created_at: '', updated_at: '' },
    stages: [column('a', 'open', [deal('d1', 'a'), deal('d2', 'a')]), column('won', 'won', [])],
  };

  it('moves the card to the top of the target column and adjusts the counts', () => {
    const next = moveOnBoard(board, 'd2', 'won');
    expect(next.stages[0]?.deals.map((d) => d.id)).toEqual(['d1']);
    expect(next.stages[0]?.count).toBe(1);
    expect(next.stages[1]?.deals.map((d) => [d.id, d.stage_id, d.status])).toEqual([['d2', 'won', 'won']]);
    expect(next.stages[1]?.count).toBe(1);
  });

  it('leaves money totals to the server', () => {
    const next = moveOnBoard(board, 'd2', 'won');
    expect(next.stages[1]?.totals).toEqual(board.stages[1]?.totals);
  });

  it('does nothing for a drop on the same column', () => {
    expect(moveOnBoard(board, 'd1', 'a')).toEqual(board);
  });
});

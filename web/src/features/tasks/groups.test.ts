import { describe, expect, it } from 'vitest';
import type { Activity } from '../../api/types';
import { groupTasks } from './groups';

const task = (id: string, due_at: string | null) => ({ id, due_at }) as Activity;

describe('my tasks', () => {
  it('splits tasks into overdue, today and upcoming', () => {
    const now = new Date(2026, 2, 10, 12, 0);
    const groups = groupTasks(
      [
        task('late', new Date(2026, 2, 10, 9, 0).toISOString()),
        task('today', new Date(2026, 2, 10, 17, 0).toISOString()),
        task('later', new Date(2026, 2, 12, 9, 0).toISOString()),
        task('undated', null),
      ],
      now,
    );
    expect(groups.overdue.map((t) => t.id)).toEqual(['late']);
    expect(groups.today.map((t) => t.id)).toEqual(['today']);
    expect(groups.upcoming.map((t) => t.id)).toEqual(['later', 'undated']);
  });
});

import { describe, expect, it } from 'vitest';
import { remindAt, snoozeUntil } from './reminders';

describe('reminder times', () => {
  it('counts back from the due time, or none', () => {
    const due = '2026-12-07T15:00:00.000Z';
    expect(remindAt(due, 'at')).toBe(due);
    expect(remindAt(due, '1h')).toBe('2026-12-07T14:00:00.000Z');
    expect(remindAt(due, '1d')).toBe('2026-12-06T15:00:00.000Z');
    expect(remindAt(due, 'none')).toBeNull();
    expect(remindAt('', '1h')).toBeNull();
  });

  it('snoozes from now, tomorrow meaning 9:00 local time', () => {
    const now = new Date(2026, 11, 6, 22, 30);
    expect(new Date(snoozeUntil('1h', now)).getTime() - now.getTime()).toBe(3_600_000);
    const tomorrow = new Date(snoozeUntil('tomorrow', now));
    expect([tomorrow.getDate(), tomorrow.getHours(), tomorrow.getMinutes()]).toEqual([7, 9, 0]);
  });
});

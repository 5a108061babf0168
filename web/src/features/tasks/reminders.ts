/** Reminder times as people pick them: relative to the due time, or "later" from now. */

export type ReminderChoice = 'none' | 'at' | '15m' | '1h' | '1d';

export const reminderChoices: { value: ReminderChoice; label: string }[] = [
  { value: 'none', label: 'No reminder' },
  { value: 'at', label: 'When it is due' },
  { value: '15m', label: '15 minutes before' },
  { value: '1h', label: '1 hour before' },
  { value: '1d', label: '1 day before' },
];

const before: Record<Exclude<ReminderChoice, 'none'>, number> = {
  at: 0,
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '1d': 24 * 60 * 60_000,
};

/** When to remind for a task due at `due` (ISO), or null for none. */
export function remindAt(due: string, choice: ReminderChoice): string | null {
  if (choice === 'none' || !due) return null;
  return new Date(new Date(due).getTime() - before[choice]).toISOString();
}

export type SnoozeChoice = '1h' | '3h' | 'tomorrow' | 'week';

export const snoozeChoices: { value: SnoozeChoice; label: string }[] = [
  { value: '1h', label: 'In 1 hour' },
  { value: '3h', label: 'In 3 hours' },
  { value: 'tomorrow', label: 'Tomorrow at 9:00' },
  { value: 'week', label: 'In a week' },
];

/** The new reminder time for a snooze chosen at `now` (local time for "tomorrow"). */
export function snoozeUntil(choice: SnoozeChoice, now: Date = new Date()): string {
  const at = new Date(now);
  if (choice === '1h') at.setHours(at.getHours() + 1);
  else if (choice === '3h') at.setHours(at.getHours() + 3);
  else if (choice === 'week') at.setDate(at.getDate() + 7);
  else {
    at.setDate(at.getDate() + 1);
    at.setHours(9, 0, 0, 0);
  }
  return at.toISOString();
}

import type { Activity } from '../../api/types';

export interface TaskGroups {
  overdue: Activity[];
  today: Activity[];
  upcoming: Activity[];
}

/** Splits open tasks by due time relative to `now` (local day boundaries). */
export function groupTasks(tasks: Activity[], now: Date = new Date()): TaskGroups {
  const endOfToday = new Date(now);
  endOfToday.setHours(23, 59, 59, 999);
  const groups: TaskGroups = { overdue: [], today: [], upcoming: [] };
  for (const t of tasks) {
    const due = t.due_at ? new Date(t.due_at) : null;
    if (!due) groups.upcoming.push(t);
    else if (due < now) groups.overdue.push(t);
    else if (due <= endOfToday) groups.today.push(t);
    else groups.upcoming.push(t);
  }
  return groups;
}

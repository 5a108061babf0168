import { IconCalendarEvent, IconChecklist, IconMail, IconNote, IconPhone } from '@tabler/icons-react';
import type { ActivityKind } from '../../api/types';

export const activityKinds: Record<ActivityKind, { label: string; icon: typeof IconPhone; color: string }> = {
  call: { label: 'Call', icon: IconPhone, color: 'teal' },
  email: { label: 'E-mail', icon: IconMail, color: 'blue' },
  meeting: { label: 'Meeting', icon: IconCalendarEvent, color: 'grape' },
  task: { label: 'Task', icon: IconChecklist, color: 'orange' },
  note: { label: 'Note', icon: IconNote, color: 'gray' },
};

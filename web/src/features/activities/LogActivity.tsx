import { Button, Group, SegmentedControl, Select, Stack, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import type { ActivityKind } from '../../api/types';
import { FormAlert } from '../../ui/FormAlert';
import { blankToNull, showFieldErrors } from '../../ui/forms';
import { reminderChoices, remindAt, type ReminderChoice } from '../tasks/reminders';
import { activityKinds } from './kinds';
import { useLogActivity, type TimelineOwner } from './queries';

const kindOrder: ActivityKind[] = ['call', 'email', 'meeting', 'note', 'task'];

function isKind(value: string): value is ActivityKind {
  return (kindOrder as string[]).includes(value);
}

/** Log a call, e-mail, meeting or note on a record, or add a task to it. */
export function LogActivity({
  owner,
  defaultKind = 'call',
}: {
  owner: TimelineOwner;
  defaultKind?: ActivityKind;
}) {
  const log = useLogActivity();
  const form = useForm({
    initialValues: { kind: defaultKind, subject: '', body: '', due_at: '', remind: 'none' as ReminderChoice },
    validate: {
      subject: (v) => (v.trim() === '' ? 'Say what it was about' : null),
      due_at: (v, values) => (values.kind === 'task' && v === '' ? 'Pick when it is due' : null),
    },
  });
  const isTask = form.values.kind === 'task';

  const submit = form.onSubmit((v) => {
    log.mutate(
      {
        kind: v.kind,
        subject: v.subject.trim(),
        body: blankToNull(v.body),
        due_at: v.kind === 'task' && v.due_at ? new Date(v.due_at).toISOString() : null,
        remind_at:
          v.kind === 'task' && v.due_at ? remindAt(new Date(v.due_at).toISOString(), v.remind) : null,
        contact_id: owner.kind === 'contact' ? owner.id : null,
        company_id: owner.kind === 'company' ? owner.id : null,
        deal_id: owner.kind === 'deal' ? owner.id : null,
      },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: `${activityKinds[v.kind].label} saved` });
          form.setValues({ subject: '', body: '', due_at: '', remind: 'none' });
          form.resetDirty();
        },
        onError: (error) => showFieldErrors(form, error),
      },
    );
  });

  return (
    <form onSubmit={submit} noValidate aria-label="Log activity">
      <Stack gap="xs">
        <SegmentedControl
          aria-label="Kind of activity"
          value={form.values.kind}
          onChange={(v) => {
            if (isKind(v)) form.setFieldValue('kind', v);
          }}
          data={kindOrder.map((k) => ({ value: k, label: k === 'task' ? 'Task' : activityKinds[k].label }))}
        />
        <TextInput label={isTask ? 'Task' : 'Subject'} required {...form.getInputProps('subject')} />
        {isTask && (
          <Group grow align="flex-start">
            <TextInput label="Due" type="datetime-local" required {...form.getInputProps('due_at')} />
            <Select
              label="E-mail me a reminder"
              allowDeselect={false}
              data={reminderChoices}
              {...form.getInputProps('remind')}
              error={form.errors.remind ?? form.errors.remind_at}
            />
          </Group>
        )}
        <Textarea label="Notes" autosize minRows={2} maxRows={8} {...form.getInputProps('body')} />
        <FormAlert error={log.error} />
        <Group justify="flex-end">
          <Button type="submit" loading={log.isPending}>
            {isTask ? 'Add task' : 'Log activity'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

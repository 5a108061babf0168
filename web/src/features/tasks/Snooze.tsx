import { ActionIcon, Button, Menu, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlarmSnooze } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { describeError } from '../../api/problem';
import { unwrap } from '../../api/result';
import type { Activity } from '../../api/types';
import { formatDateTime } from '../../ui/dates';
import { snoozeChoices, snoozeUntil, type SnoozeChoice } from './reminders';

/** Sets a task's reminder to a later time; the server re-arms it. */
function useSnooze() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, choice }: { id: string; choice: SnoozeChoice }) =>
      unwrap(
        api.PATCH('/api/activities/{id}', {
          params: { path: { id } },
          body: { remind_at: snoozeUntil(choice) },
        }),
      ),
    onSuccess: (task) =>
      notifications.show({
        color: 'green',
        message: `We will remind you ${formatDateTime(task.remind_at)}`,
      }),
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Could not snooze', message: describeError(error) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['activities'] }),
  });
}

/** "Remind me later" beside a task. */
export function SnoozeMenu({ task }: { task: Activity }) {
  const snooze = useSnooze();
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <ActionIcon variant="subtle" size="sm" aria-label={`Remind me later about “${task.subject}”`}>
          <IconAlarmSnooze size={16} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Remind me</Menu.Label>
        {snoozeChoices.map((c) => (
          <Menu.Item key={c.value} onClick={() => snooze.mutate({ id: task.id, choice: c.value })}>
            {c.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

/**
 * The reminder e-mail's "Remind me later" link lands here
 * (`/tasks?task=…&snooze=1`): the task's snooze choices, once signed in.
 */
export function SnoozeFromLink({ tasks }: { tasks: Activity[] }) {
  const [params, setParams] = useSearchParams();
  const snooze = useSnooze();
  const id = params.get('snooze') ? params.get('task') : null;
  const task = id ? tasks.find((t) => t.id === id) : undefined;
  const close = () => setParams({}, { replace: true });

  useEffect(() => {
    if (id && !task) {
      notifications.show({
        color: 'orange',
        message: 'That task is done or no longer yours, so there is nothing to snooze.',
      });
      setParams({}, { replace: true });
    }
  }, [id, task, setParams]);

  return (
    <Modal opened={task !== undefined} onClose={close} title="Remind me later">
      <Stack gap="xs">
        <Text size="sm">
          About <b>{task?.subject}</b>
          {task?.due_at ? `, due ${formatDateTime(task.due_at)}` : ''}.
        </Text>
        {snoozeChoices.map((c) => (
          <Button
            key={c.value}
            variant="light"
            loading={snooze.isPending && snooze.variables.choice === c.value}
            onClick={() => task && snooze.mutate({ id: task.id, choice: c.value }, { onSuccess: close })}
          >
            {c.label}
          </Button>
        ))}
      </Stack>
    </Modal>
  );
}

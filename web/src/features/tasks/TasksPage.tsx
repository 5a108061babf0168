import { Anchor, Badge, Card, Checkbox, Group, Stack, Text, Title } from '@mantine/core';
import { IconBell } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { describeError } from '../../api/problem';
import { unwrap } from '../../api/result';
import type { Activity, ActivityListQuery } from '../../api/types';
import { usePermissions, useSession } from '../../app/session';
import { formatDateTime, formatRelative } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { PageHeader } from '../../ui/PageHeader';
import { DeleteActivityButton } from '../activities';
import { groupTasks } from './groups';
import { SnoozeFromLink, SnoozeMenu } from './Snooze';

type Page = { data: Activity[]; next_cursor?: string | null };

function useMyOpenTasks(userId: string) {
  return useInfiniteQuery({
    queryKey: ['activities', 'my-tasks', userId],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const query: ActivityListQuery = {
        kind: 'task',
        owner_id: userId,
        done: false,
        sort: 'timeline_at',
        limit: 200,
      };
      if (pageParam) query.cursor = pageParam;
      return unwrap(api.GET('/api/activities', { params: { query }, signal }));
    },
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
}

/** Marks a task done and takes it off the list at once; puts it back if the server refuses. */
function useMarkDone(userId: string) {
  const queryClient = useQueryClient();
  const key = ['activities', 'my-tasks', userId];
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.PATCH('/api/activities/{id}', { params: { path: { id } }, body: { done: true } })),
    onMutate: async (id) => {
      await queryClient.cancelQueries({ queryKey: key });
      const before = queryClient.getQueryData<InfiniteData<Page>>(key);
      queryClient.setQueryData<InfiniteData<Page>>(key, (data) =>
        data
          ? { ...data, pages: data.pages.map((p) => ({ ...p, data: p.data.filter((t) => t.id !== id) })) }
          : data,
      );
      return { before };
    },
    onError: (error, _id, context) => {
      queryClient.setQueryData(key, context?.before);
      notifications.show({
        color: 'red',
        title: 'Could not complete the task',
        message: describeError(error),
      });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['activities'] }),
  });
}

function recordLink(t: Activity) {
  if (t.deal_id) return { to: `/deals/${t.deal_id}`, label: 'Open deal' };
  if (t.contact_id) return { to: `/contacts/${t.contact_id}`, label: 'Open contact' };
  if (t.company_id) return { to: `/companies/${t.company_id}`, label: 'Open company' };
  return null;
}

function TaskList({
  title,
  tasks,
  color,
  onDone,
  canEdit,
}: {
  title: string;
  tasks: Activity[];
  color: string;
  onDone: (id: string) => void;
  canEdit: boolean;
}) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Group gap="xs" mb="sm">
        <Title order={4}>{title}</Title>
        <Badge color={color} variant="light">
          {tasks.length}
        </Badge>
      </Group>
      {tasks.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing here.
        </Text>
      ) : (
        <Stack gap="xs">
          {tasks.map((t) => {
            const link = recordLink(t);
            return (
              <Group key={t.id} justify="space-between" wrap="nowrap">
                <Checkbox
                  label={t.subject}
                  aria-label={`Mark “${t.subject}” done`}
                  disabled={!canEdit}
                  checked={false}
                  onChange={() => onDone(t.id)}
                />
                <Group gap="sm" wrap="nowrap">
                  {t.remind_at && (
                    <Text
                      size="xs"
                      c="dimmed"
                      title={`Reminder e-mail ${formatDateTime(t.remind_at)}`}
                      aria-label={`Reminder ${formatRelative(t.remind_at)}`}
                    >
                      <IconBell size={12} style={{ verticalAlign: 'middle' }} /> Reminder{' '}
                      {formatRelative(t.remind_at)}
                    </Text>
                  )}
                  {canEdit && <SnoozeMenu task={t} />}
                  {t.due_at && (
                    <Text size="xs" c={color === 'red' ? 'red' : 'dimmed'} title={formatDateTime(t.due_at)}>
                      {formatRelative(t.due_at)}
                    </Text>
                  )}
                  {link && (
                    <Anchor component={Link} to={link.to} size="xs">
                      {link.label}
                    </Anchor>
                  )}
                  <DeleteActivityButton activity={t} />
                </Group>
              </Group>
            );
          })}
        </Stack>
      )}
    </Card>
  );
}

export function TasksPage() {
  const me = useSession();
  const { canEdit } = usePermissions();
  const tasks = useMyOpenTasks(me.user.id);
  const markDone = useMarkDone(me.user.id);

  let body: React.ReactNode;
  if (tasks.isPending) body = <LoadingRows rows={6} />;
  else if (tasks.isError)
    body = <ErrorState error={tasks.error} what="your tasks" onRetry={() => void tasks.refetch()} />;
  else {
    const all = tasks.data.pages.flatMap((p) => p.data);
    if (all.length === 0) {
      body = <Empty title="No open tasks">Add a task from a contact, company or deal page.</Empty>;
    } else {
      const groups = groupTasks(all);
      body = (
        <Stack>
          <TaskList
            title="Overdue"
            tasks={groups.overdue}
            color="red"
            onDone={(id) => markDone.mutate(id)}
            canEdit={canEdit}
          />
          <TaskList
            title="Today"
            tasks={groups.today}
            color="orange"
            onDone={(id) => markDone.mutate(id)}
            canEdit={canEdit}
          />
          <TaskList
            title="Upcoming"
            tasks={groups.upcoming}
            color="blue"
            onDone={(id) => markDone.mutate(id)}
            canEdit={canEdit}
          />
        </Stack>
      );
    }
  }
  return (
    <>
      <PageHeader title="My tasks" description="Your open tasks, soonest first." />
      {tasks.data && <SnoozeFromLink tasks={tasks.data.pages.flatMap((p) => p.data)} />}
      {body}
    </>
  );
}

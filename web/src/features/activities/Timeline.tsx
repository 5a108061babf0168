import { Badge, Button, Checkbox, Group, Stack, Text, ThemeIcon, Timeline as MTimeline } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { describeError } from '../../api/problem';
import type { Activity } from '../../api/types';
import { usePermissions } from '../../app/session';
import { formatDateTime } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { DeleteActivityButton } from './DeleteActivityButton';
import { activityKinds } from './kinds';
import { useCompleteTask, useTimeline, type TimelineOwner } from './queries';

function TaskDone({ activity }: { activity: Activity }) {
  const complete = useCompleteTask();
  const { canEdit } = usePermissions();
  return (
    <Checkbox
      label={activity.done ? 'Done' : 'Mark done'}
      checked={activity.done}
      disabled={!canEdit || complete.isPending}
      onChange={(e) =>
        complete.mutate(
          { id: activity.id, done: e.currentTarget.checked },
          {
            onError: (error) =>
              notifications.show({
                color: 'red',
                title: 'Could not update the task',
                message: describeError(error),
              }),
          },
        )
      }
    />
  );
}

/** A record's activities, newest first, with "Load more". */
export function Timeline({ owner }: { owner: TimelineOwner }) {
  const timeline = useTimeline(owner);
  if (timeline.isPending) return <LoadingRows rows={3} height={48} />;
  if (timeline.isError)
    return <ErrorState error={timeline.error} what="the activity" onRetry={() => void timeline.refetch()} />;
  const items = timeline.data.pages.flatMap((p) => p.data);
  if (items.length === 0) {
    return <Empty title="No activity yet">Log a call, e-mail, meeting or note to start the history.</Empty>;
  }
  return (
    <Stack gap="sm">
      <MTimeline bulletSize={28} lineWidth={2}>
        {items.map((a) => {
          const kind = activityKinds[a.kind];
          return (
            <MTimeline.Item
              key={a.id}
              bullet={
                <ThemeIcon size={28} radius="xl" color={kind.color} variant="light">
                  <kind.icon size={16} />
                </ThemeIcon>
              }
              title={
                <Group gap="xs" justify="space-between" wrap="nowrap">
                  <Group gap="xs">
                    <Text fw={600} size="sm">
                      {a.subject}
                    </Text>
                    <Badge size="xs" variant="light" color={kind.color}>
                      {kind.label}
                    </Badge>
                  </Group>
                  <DeleteActivityButton activity={a} />
                </Group>
              }
            >
              {a.body && (
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                  {a.body}
                </Text>
              )}
              <Text size="xs" c="dimmed" mt={4}>
                {a.kind === 'task' && a.due_at
                  ? `Due ${formatDateTime(a.due_at)}`
                  : formatDateTime(a.timeline_at)}
              </Text>
              {a.kind === 'task' && <TaskDone activity={a} />}
            </MTimeline.Item>
          );
        })}
      </MTimeline>
      {timeline.hasNextPage && (
        <Button
          variant="subtle"
          onClick={() => void timeline.fetchNextPage()}
          loading={timeline.isFetchingNextPage}
        >
          Load older activity
        </Button>
      )}
    </Stack>
  );
}

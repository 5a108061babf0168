import { ActionIcon, Tooltip } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import type { Activity } from '../../api/types';
import { usePermissions, useSession } from '../../app/session';
import { useMoveToTrash } from '../trash';
import { activityKinds } from './kinds';

/** Who the server lets delete an activity: managers and admins any, a rep their own. */
function useMayDelete(activity: Activity): boolean {
  const { role, canManage } = usePermissions();
  const me = useSession().user.id;
  return canManage || (role === 'rep' && activity.owner_id === me);
}

/**
 * Deletes an activity at once (no dialog: it is one small item) and offers
 * Undo in the notification; the page stays, the item leaves its list.
 */
export function DeleteActivityButton({ activity }: { activity: Activity }) {
  const trash = useMoveToTrash({ stay: true });
  const mayDelete = useMayDelete(activity);
  if (!mayDelete) return null;
  const kind = activityKinds[activity.kind].label;
  return (
    <Tooltip label="Delete">
      <ActionIcon
        variant="subtle"
        color="gray"
        size="sm"
        aria-label={`Delete ${kind.toLowerCase()} “${activity.subject}”`}
        loading={trash.isPending}
        onClick={() =>
          trash.mutate({ kind: 'activity', id: activity.id, label: `${kind} “${activity.subject}”` })
        }
      >
        <IconTrash size={14} />
      </ActionIcon>
    </Tooltip>
  );
}

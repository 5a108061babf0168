import { Button, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { describeError } from '../../api/problem';
import { deleteRecord, recordQueries, restoreRecord, trashKinds, type TrashKind } from './kinds';

export interface TrashTarget {
  kind: TrashKind;
  id: string;
  /** What the user calls it: "Ada Lovelace", "Acme renewal". */
  label: string;
}

function useRefresh() {
  const queryClient = useQueryClient();
  return (kind: TrashKind) =>
    Promise.all(recordQueries[kind].map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
}

/** Restores a record and says so; `open` also takes the user back to it. */
export function useRestore({ open }: { open: boolean }) {
  const refresh = useRefresh();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: (target: TrashTarget) => restoreRecord(target.kind, target.id),
    onSuccess: async (_, target) => {
      notifications.show({ color: 'green', message: `${target.label} is back.` });
      await refresh(target.kind);
      if (open) void navigate(trashKinds[target.kind].page(target.id));
    },
    onError: (error, target) =>
      notifications.show({
        color: 'red',
        title: `Could not restore ${target.label}`,
        message: describeError(error),
      }),
  });
}

/**
 * Moves a record to the trash, leaves its page for its list, and offers
 * Undo in the notification (the record is kept 30 days either way).
 * `stay` keeps the page (an item deleted from a list it is shown in):
 * Undo then only brings the item back into that list.
 */
export function useMoveToTrash({ stay = false }: { stay?: boolean } = {}) {
  const refresh = useRefresh();
  const navigate = useNavigate();
  const restore = useRestore({ open: !stay });
  return useMutation({
    mutationFn: (target: TrashTarget) => deleteRecord(target.kind, target.id),
    onSuccess: async (_, target) => {
      const notice = `trash-${target.id}`;
      notifications.show({
        id: notice,
        color: 'gray',
        autoClose: 10_000,
        message: (
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">{target.label} moved to the trash.</Text>
            <Button
              size="compact-sm"
              variant="light"
              onClick={() => {
                notifications.hide(notice);
                restore.mutate(target);
              }}
            >
              Undo
            </Button>
          </Group>
        ),
      });
      if (!stay) void navigate(trashKinds[target.kind].list);
      await refresh(target.kind);
    },
    onError: (error, target) =>
      notifications.show({
        color: 'red',
        title: `Could not delete ${target.label}`,
        message: describeError(error),
      }),
  });
}

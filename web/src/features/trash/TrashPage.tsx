import { Badge, Button, Group, SegmentedControl, Table, Text } from '@mantine/core';
import { IconRestore } from '@tabler/icons-react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { send, unwrap } from '../../api/result';
import { useAction } from '../../api/useAction';
import { usePermissions } from '../../app/session';
import { useSetParam } from '../../app/useSetParam';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { formatDate, formatRelative } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { PageHeader } from '../../ui/PageHeader';
import { trashKinds, type TrashKind } from './kinds';
import { useRestore } from './useTrashActions';

const filters = [
  { value: '', label: 'Everything' },
  ...Object.entries(trashKinds).map(([value, k]) => ({ value, label: k.plural })),
];

function isKind(value: string | null): value is TrashKind {
  return value !== null && value in trashKinds;
}

/** Deleted records, newest first: restore them, or (admins) delete them for good. */
export function TrashPage() {
  const [params] = useSearchParams();
  const setParam = useSetParam();
  const raw = params.get('kind');
  const kind = isKind(raw) ? raw : undefined;
  const { canEdit, isAdmin } = usePermissions();
  const restore = useRestore({ open: false });
  const purge = useAction({
    run: (id: string) => send(api.DELETE('/api/trash/{id}', { params: { path: { id } } })),
    done: 'Deleted for good.',
    failed: 'Could not delete it for good',
    refresh: ['trash'],
  });
  const trash = useInfiniteQuery({
    queryKey: ['trash', kind ?? 'all'],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/trash', {
          params: { query: { ...(kind ? { kind } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? null,
  });

  const header = (
    <PageHeader
      title="Trash"
      description="Deleted contacts, companies, deals and activities stay here for 30 days, then are deleted for good. Restoring one puts it back with its links."
    />
  );
  const filter = (
    <SegmentedControl
      mb="md"
      aria-label="Show"
      value={kind ?? ''}
      onChange={(value) => setParam('kind', value || null)}
      data={filters}
    />
  );
  if (trash.isPending)
    return (
      <>
        {header}
        {filter}
        <LoadingRows rows={6} />
      </>
    );
  if (trash.isError)
    return (
      <>
        {header}
        <ErrorState error={trash.error} what="the trash" onRetry={() => void trash.refetch()} />
      </>
    );
  const rows = trash.data.pages.flatMap((p) => p.data);
  return (
    <>
      {header}
      {filter}
      {rows.length === 0 ? (
        <Empty title="The trash is empty">
          What you delete waits here for 30 days before it is gone for good.
        </Empty>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped aria-label="Deleted records" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Deleted</Table.Th>
                <Table.Th>Gone for good</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((e) => {
                const target = { kind: e.kind as TrashKind, id: e.id, label: e.label };
                return (
                  <Table.Tr key={e.id}>
                    <Table.Td fw={500}>
                      {e.label}
                      {e.merged_into && (
                        <Text size="xs" c="dimmed" fw={400}>
                          Merged into another record; restoring it undoes the merge
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color="gray">
                        {trashKinds[target.kind].label}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {formatRelative(e.deleted_at)}
                      <Text size="xs" c="dimmed">
                        by {e.deleted_by_name ?? 'a former member'}
                      </Text>
                    </Table.Td>
                    <Table.Td>{formatDate(e.purge_at)}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        {canEdit && (
                          <Button
                            size="xs"
                            variant="light"
                            leftSection={<IconRestore size={14} />}
                            loading={restore.isPending && restore.variables.id === e.id}
                            onClick={() => restore.mutate(target)}
                            aria-label={`Restore ${e.label}`}
                          >
                            Restore
                          </Button>
                        )}
                        {isAdmin && (
                          <ConfirmButton
                            size="xs"
                            variant="subtle"
                            color="red"
                            question={`Delete ${e.label} for good?`}
                            detail="It cannot be restored afterwards. Use this when someone asks for their data to be erased."
                            confirmLabel="Delete for good"
                            onConfirm={() => purge.mutate(e.id)}
                          >
                            Delete for good
                          </ConfirmButton>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {trash.hasNextPage && (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            onClick={() => void trash.fetchNextPage()}
            loading={trash.isFetchingNextPage}
          >
            Load more
          </Button>
        </Group>
      )}
    </>
  );
}

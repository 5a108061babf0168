import { Button, Code, Group, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { usePermissions } from '../../app/session';
import { unwrap } from '../../api/result';
import { formatDateTime } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { AuditIntegrity } from './AuditIntegrity';

export function AuditLogPanel() {
  const { isAdmin } = usePermissions();
  const log = useInfiniteQuery({
    queryKey: ['audit-log'],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/audit-log', { params: { query: pageParam ? { cursor: pageParam } : {} }, signal }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
  if (log.isPending) return <LoadingRows rows={8} />;
  if (log.isError)
    return <ErrorState error={log.error} what="the audit log" onRetry={() => void log.refetch()} />;
  const rows = log.data.pages.flatMap((p) => p.data);
  if (rows.length === 0) return <Empty title="Nothing recorded yet" />;
  return (
    <>
      {isAdmin && <AuditIntegrity />}
      <Table.ScrollContainer minWidth={800}>
        <Table striped aria-label="Audit log" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Who</Table.Th>
              <Table.Th>What</Table.Th>
              <Table.Th>On</Table.Th>
              <Table.Th>From</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{formatDateTime(e.created_at)}</Table.Td>
                <Table.Td>
                  {e.actor_name ?? (e.actor_id ? 'Erased member' : 'System')}
                  {'api_key_id' in e.details && (
                    <Text size="xs" c="dimmed">
                      with an API key
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Code>{e.action}</Code>
                </Table.Td>
                <Table.Td>{e.target_type ?? '—'}</Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {e.ip ?? '—'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {log.hasNextPage && (
        <Group justify="center" mt="md">
          <Button variant="default" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
            Load more
          </Button>
        </Group>
      )}
    </>
  );
}

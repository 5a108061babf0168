import { Badge, Button, Code, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useAction } from '../../api/useAction';
import { unwrap } from '../../api/result';
import { formatDateTime } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';

/** Background jobs (e-mails, imports) that failed every attempt, with a retry. */
export function JobsPanel() {
  const jobs = useQuery({
    queryKey: ['jobs', 'dead'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/jobs', { params: { query: { state: 'dead' } }, signal })),
  });
  const retry = useAction({
    run: (id: string) => unwrap(api.POST('/api/jobs/{id}/retry', { params: { path: { id } } })),
    done: 'Job queued again',
    failed: 'Could not retry',
    refresh: ['jobs'],
  });

  if (jobs.isPending) return <LoadingRows rows={4} />;
  if (jobs.isError) return <ErrorState error={jobs.error} what="jobs" onRetry={() => void jobs.refetch()} />;
  if (jobs.data.data.length === 0) {
    return (
      <Empty title="No failed jobs">
        Every e-mail and import went through. Failed ones would wait here for a retry.
      </Empty>
    );
  }
  return (
    <Table aria-label="Failed jobs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Kind</Table.Th>
          <Table.Th>Attempts</Table.Th>
          <Table.Th>Last error</Table.Th>
          <Table.Th>Failed</Table.Th>
          <Table.Th />
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {jobs.data.data.map((j) => (
          <Table.Tr key={j.id}>
            <Table.Td>
              <Badge variant="light" color="red">
                {j.kind}
              </Badge>
            </Table.Td>
            <Table.Td>
              {j.attempts} / {j.max_attempts}
            </Table.Td>
            <Table.Td>{j.last_error ? <Code>{j.last_error}</Code> : <Text c="dimmed">—</Text>}</Table.Td>
            <Table.Td>{formatDateTime(j.finished_at)}</Table.Td>
            <Table.Td>
              <Button
                size="xs"
                variant="light"
                loading={retry.isPending && retry.variables === j.id}
                onClick={() => retry.mutate(j.id)}
              >
                Retry
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

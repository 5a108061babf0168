import { Table, Text } from '@mantine/core';
import { useOwnerName } from '../../app/members';
import { formatDateTime } from '../../ui/dates';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { useDealHistory } from './queries';

export function StageHistory({ dealId }: { dealId: string }) {
  const history = useDealHistory(dealId);
  const ownerName = useOwnerName();
  if (history.isPending) return <LoadingRows rows={3} />;
  if (history.isError)
    return (
      <ErrorState error={history.error} what="the stage history" onRetry={() => void history.refetch()} />
    );
  if (history.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No stage changes yet.
      </Text>
    );
  return (
    <Table aria-label="Stage history" verticalSpacing={4}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>From</Table.Th>
          <Table.Th>To</Table.Th>
          <Table.Th>By</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {history.data.map((h) => (
          <Table.Tr key={`${h.changed_at}-${h.to_stage_id}`}>
            <Table.Td>{formatDateTime(h.changed_at)}</Table.Td>
            <Table.Td>{h.from_stage_name ?? 'Created'}</Table.Td>
            <Table.Td>{h.to_stage_name}</Table.Td>
            <Table.Td>{ownerName(h.changed_by)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

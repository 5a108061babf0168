import { Badge, Button, Group, SegmentedControl, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { usePermissions } from '../../app/session';
import { useSetParam } from '../../app/useSetParam';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { PageHeader } from '../../ui/PageHeader';
import { fetchDuplicates, reasonLabels, type MergeKind } from './api';
import { MergeDialog, type Pair } from './MergeDialog';

/** Likely duplicate contacts or companies, each pair with a Merge action. */
export function DuplicatesPage() {
  const [params] = useSearchParams();
  const setParam = useSetParam();
  const kind: MergeKind = params.get('kind') === 'company' ? 'company' : 'contact';
  const { canEdit } = usePermissions();
  const [merging, setMerging] = useState<Pair | null>(null);
  const pairs = useInfiniteQuery({
    queryKey: ['duplicates', kind],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => fetchDuplicates(kind, pageParam, signal),
    getNextPageParam: (page) => page.next_cursor ?? null,
  });

  const rows = pairs.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <>
      <PageHeader
        title="Duplicates"
        description="Records that look like the same person or company: the same or a similar name, or the same phone number. Merging keeps one and moves everything linked to the other onto it."
      />
      <SegmentedControl
        mb="md"
        value={kind}
        onChange={(value) => setParam('kind', value === 'company' ? 'company' : null)}
        data={[
          { value: 'contact', label: 'Contacts' },
          { value: 'company', label: 'Companies' },
        ]}
      />
      {pairs.isPending ? (
        <LoadingRows rows={6} />
      ) : pairs.isError ? (
        <ErrorState error={pairs.error} what="the duplicates" onRetry={() => void pairs.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title="No duplicates found">Nothing here looks like the same record twice.</Empty>
      ) : (
        <Table striped aria-label="Likely duplicates" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Record</Table.Th>
              <Table.Th>Looks like</Table.Th>
              <Table.Th>Why</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((pair) => (
              <Table.Tr key={`${pair.first.id}-${pair.second.id}`}>
                <Table.Td fw={500}>{pair.first.name}</Table.Td>
                <Table.Td fw={500}>{pair.second.name}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {pair.reasons.map((r) => (
                      <Badge key={r} variant="light" color="gray">
                        {reasonLabels[r] ?? r}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td ta="right">
                  {canEdit && (
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => setMerging(pair)}
                      aria-label={`Review and merge ${pair.first.name} and ${pair.second.name}`}
                    >
                      Review and merge
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {pairs.hasNextPage && (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            onClick={() => void pairs.fetchNextPage()}
            loading={pairs.isFetchingNextPage}
          >
            Load more
          </Button>
        </Group>
      )}
      {!canEdit && (
        <Text c="dimmed" size="sm" mt="md">
          Viewers cannot merge records.
        </Text>
      )}
      <MergeDialog kind={kind} pair={merging} onClose={() => setMerging(null)} />
    </>
  );
}

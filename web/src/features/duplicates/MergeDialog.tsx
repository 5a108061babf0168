import { Alert, Button, Group, Modal, Radio, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../../api/problem';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { describeMoves, fetchRecord, merge, mergeFields, type MergeKind, type MergeRequest } from './api';

export interface Pair {
  first: { id: string; name: string };
  second: { id: string; name: string };
}

type Side = 'first' | 'second';
type Values = Record<string, string | null>;

const other = (side: Side): Side => (side === 'first' ? 'second' : 'first');
const sideName: Record<Side, string> = { first: 'older record', second: 'newer record' };

/** Each field from the record that stays, or from the other when it has none. */
function defaultPicks(kind: MergeKind, keep: Side, records: Record<Side, Values>): Record<string, Side> {
  return Object.fromEntries(
    mergeFields[kind].map(({ key }) => [key, records[keep][key] == null ? other(keep) : keep]),
  );
}

function MergeChoices({ kind, pair, onDone }: { kind: MergeKind; pair: Pair; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [keep, setKeep] = useState<Side>('first');
  const [picks, setPicks] = useState<Record<string, Side> | null>(null);
  const records = useQuery({
    queryKey: ['duplicates', 'records', kind, pair.first.id, pair.second.id],
    queryFn: async () => ({
      first: await fetchRecord(kind, pair.first.id),
      second: await fetchRecord(kind, pair.second.id),
    }),
  });
  const current = picks ?? (records.data ? defaultPicks(kind, keep, records.data) : null);
  const request = current && {
    winner_id: pair[keep].id,
    loser_id: pair[other(keep)].id,
    fields: Object.fromEntries(
      Object.entries(current).map(([key, side]) => [
        key,
        side === keep ? ('winner' as const) : ('loser' as const),
      ]),
    ),
  };
  const preview = useQuery({
    queryKey: ['duplicates', 'preview', kind, request],
    queryFn: () =>
      request
        ? merge(kind, { ...request, dry_run: true })
        : Promise.reject(new Error('the records are not read yet')),
    enabled: request !== null,
  });
  const run = useMutation({
    mutationFn: (body: Omit<MergeRequest, 'dry_run'>) => merge(kind, { ...body, dry_run: false }),
    onSuccess: async () => {
      notifications.show({
        color: 'green',
        title: `Merged into ${pair[keep].name}`,
        message: 'The other record is in the trash: restoring it there within 30 days undoes the merge.',
      });
      onDone();
      await Promise.all(
        ['duplicates', 'contacts', 'companies', 'deals', 'activities', 'trash', 'palette'].map((key) =>
          queryClient.invalidateQueries({ queryKey: [key] }),
        ),
      );
    },
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Could not merge', message: describeError(error) }),
  });

  if (records.isPending) return <LoadingRows rows={4} />;
  if (records.isError)
    return <ErrorState error={records.error} what="the two records" onRetry={() => void records.refetch()} />;
  const moves = preview.data ? describeMoves(preview.data.moved) : null;
  return (
    <Stack>
      <div>
        <Text size="sm" fw={500} mb={4}>
          Which record stays?
        </Text>
        <SegmentedControl
          fullWidth
          value={keep}
          onChange={(value) => {
            setKeep(value);
            setPicks(null);
          }}
          data={[
            { value: 'first', label: 'The older record' },
            { value: 'second', label: 'The newer record' },
          ]}
        />
      </div>
      <Table aria-label="Values to keep" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Keep</Table.Th>
            <Table.Th>Older record</Table.Th>
            <Table.Th>Newer record</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {mergeFields[kind].map(({ key, label }) => (
            <Table.Tr key={key}>
              <Table.Td>{label}</Table.Td>
              {(['first', 'second'] as const).map((side) => (
                <Table.Td key={side}>
                  <Radio
                    name={`merge-${key}`}
                    value={side}
                    checked={(current?.[key] ?? keep) === side}
                    onChange={() => setPicks({ ...(current ?? {}), [key]: side })}
                    label={records.data[side][key] ?? '(empty)'}
                  />
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Alert color="blue" variant="light">
        {preview.isPending
          ? 'Working out what moves…'
          : preview.isError
            ? describeError(preview.error)
            : `${moves ? `${moves} will move to the ${sideName[keep]}. ` : ''}The ${sideName[other(keep)]} goes to the trash, where restoring it within 30 days undoes the merge.`}
      </Alert>
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button
          onClick={() => request && run.mutate(request)}
          loading={run.isPending}
          disabled={!preview.isSuccess}
        >
          Merge
        </Button>
      </Group>
    </Stack>
  );
}

/** Side-by-side choice of the record that stays and each field's value. */
export function MergeDialog({
  kind,
  pair,
  onClose,
}: {
  kind: MergeKind;
  pair: Pair | null;
  onClose: () => void;
}) {
  return (
    <Modal opened={pair !== null} onClose={onClose} title="Merge duplicates" size="lg">
      {pair && <MergeChoices kind={kind} pair={pair} onDone={onClose} />}
    </Modal>
  );
}

import { Alert, Button, Group, Progress, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { describeError } from '../../api/problem';
import { downloadFromApi } from '../../ui/download';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { useImport, useUndoImport } from './importQueries';

function Count({ label, value, color }: { label: string; value: number; color?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={color}>
        {value.toLocaleString()}
      </Text>
    </div>
  );
}

/** Progress while the import runs, then what happened, the errors and an undo. */
export function ImportResult({ id, onAnother }: { id: string; onAnother: () => void }) {
  const imp = useImport(id);
  const undo = useUndoImport();
  if (imp.isPending) return <LoadingRows rows={3} />;
  if (imp.isError)
    return <ErrorState error={imp.error} what="the import" onRetry={() => void imp.refetch()} />;
  const v = imp.data;
  const running = v.status === 'uploaded' || v.status === 'processing';
  const errors = v.errors ?? [];
  return (
    <Stack>
      <Text fw={600}>
        {running
          ? 'Importing…'
          : v.status === 'done'
            ? 'Import finished'
            : v.status === 'undone'
              ? 'Import undone'
              : 'Import failed'}
      </Text>
      <Progress value={Math.round(v.progress * 100)} animated={running} aria-label="Import progress" />
      {v.error && (
        <Alert color="red" title="The import stopped">
          {v.error}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, sm: 5 }}>
        <Count label="Rows read" value={v.processed_rows} />
        <Count label="Created" value={v.created} color="green" />
        <Count label="Updated" value={v.updated} color="blue" />
        <Count label="Skipped" value={v.skipped} />
        <Count label="Failed" value={v.failed} color={v.failed > 0 ? 'red' : undefined} />
      </SimpleGrid>
      {errors.length > 0 && (
        <>
          <Table aria-label="Rows that could not be imported" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Row</Table.Th>
                <Table.Th>Field</Table.Th>
                <Table.Th>Problem</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {errors.slice(0, 20).map((e) => (
                <Table.Tr key={`${e.row}-${e.field}`}>
                  <Table.Td>{e.row}</Table.Td>
                  <Table.Td>{e.field}</Table.Td>
                  <Table.Td>{e.message}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Button
            variant="default"
            w="fit-content"
            onClick={() =>
              downloadFromApi(`/api/imports/${v.id}/errors.csv`).catch((e: unknown) =>
                notifications.show({ color: 'red', message: describeError(e) }),
              )
            }
          >
            Download all errors (CSV)
          </Button>
        </>
      )}
      {!running && (
        <Group>
          <Button onClick={onAnother}>Import another file</Button>
          {v.status === 'done' && (
            <Button
              color="red"
              variant="light"
              loading={undo.isPending}
              onClick={() =>
                undo.mutate(v.id, {
                  // Contacts changed after the import stay as they are.
                  onSuccess: (result) =>
                    notifications.show({
                      title: 'Import undone',
                      message: result.kept_changed
                        ? `${result.kept_changed} contact(s) changed since the import were left as they are.`
                        : 'Every contact is back as it was before the import.',
                    }),
                  onError: (e) =>
                    notifications.show({ color: 'red', title: 'Could not undo', message: describeError(e) }),
                })
              }
            >
              Undo this import
            </Button>
          )}
        </Group>
      )}
    </Stack>
  );
}

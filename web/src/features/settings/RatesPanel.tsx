import { Alert, Button, FileButton, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconUpload } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ApiProblem, describeError } from '../../api/problem';
import { unwrap } from '../../api/result';
import { typedCurrency } from '../../api/types';
import { usePermissions } from '../../app/session';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { FormAlert } from '../../ui/FormAlert';
import { formatDate } from '../../ui/dates';
import { LoadingRows } from '../../ui/LoadingRows';

const ratesKey = ['exchange-rates'] as const;

/** Exchange rates against the organization's currency: read by all, set by admins and managers. */
export function RatesPanel() {
  const { canManage } = usePermissions();
  const queryClient = useQueryClient();
  const rates = useQuery({
    queryKey: ratesKey,
    queryFn: ({ signal }) => unwrap(api.GET('/api/exchange-rates', { signal })),
  });
  const today = new Date().toISOString().slice(0, 10);
  const form = useForm({ initialValues: { currency: '', date: today, rate: '' } });
  const done = async (message: string) => {
    notifications.show({ color: 'green', message });
    // Board and forecast totals in the base currency change with the rates.
    await queryClient.invalidateQueries();
  };
  const add = useMutation({
    mutationFn: (v: typeof form.values) =>
      unwrap(
        api.PUT('/api/exchange-rates', {
          body: { rates: [{ currency: typedCurrency(v.currency), date: v.date, rate: v.rate.trim() }] },
        }),
      ),
    onSuccess: async () => {
      form.setValues({ currency: '', rate: '' });
      await done('Rate saved');
    },
    onError: (error) => {
      // The server names `rates[0].currency`; show it beside the field.
      if (!(error instanceof ApiProblem)) return;
      const errors: Record<string, string> = {};
      for (const [field, message] of Object.entries(error.fieldErrors())) {
        errors[field.replace('rates.0.', '')] = message;
      }
      form.setErrors(errors);
    },
  });
  const upload = useMutation({
    mutationFn: async (file: File) =>
      unwrap(
        api.POST('/api/exchange-rates/import', {
          body: await file.text(),
          bodySerializer: (text: string) => text,
          headers: { 'Content-Type': 'text/csv' },
        }),
      ),
    onSuccess: () => done('Rates imported'),
    onError: (error) =>
      notifications.show({
        color: 'red',
        title: 'Could not import the rates',
        message: describeError(error),
      }),
  });

  if (rates.isPending) return <LoadingRows rows={4} />;
  if (rates.isError)
    return <ErrorState error={rates.error} what="exchange rates" onRetry={() => void rates.refetch()} />;
  const base = rates.data.base_currency;
  return (
    <Stack maw={720}>
      <Text size="sm" c="dimmed">
        Board and forecast totals add up every currency in {base}, the organization&apos;s currency, at the
        rate in force on the day (the latest rate dated on or before it). A currency without a rate is named,
        never guessed.
      </Text>
      {canManage && (
        <form onSubmit={form.onSubmit((v) => add.mutate(v))} noValidate aria-label="Add a rate">
          <Group align="flex-start">
            <TextInput
              label="Currency"
              placeholder="EUR"
              maxLength={3}
              w={110}
              required
              {...form.getInputProps('currency')}
            />
            <TextInput label="From" type="date" w={170} required {...form.getInputProps('date')} />
            <TextInput
              label={`Worth in ${base}`}
              placeholder="1.0845"
              w={160}
              required
              {...form.getInputProps('rate')}
            />
            <Button type="submit" mt={25} loading={add.isPending}>
              Save rate
            </Button>
          </Group>
          <FormAlert error={add.error} title="Could not save the rate" />
        </form>
      )}
      {canManage && (
        <Alert color="gray" title="Import from a CSV file">
          <Stack gap="xs" align="flex-start">
            <Text size="sm">
              A header row <code>currency,date,rate</code>, then one rate per row, e.g.{' '}
              <code>EUR,2026-12-01,1.0845</code>. All rows are saved or none.
            </Text>
            <FileButton onChange={(file) => file && upload.mutate(file)} accept=".csv,text/csv">
              {(props) => (
                <Button
                  {...props}
                  variant="default"
                  leftSection={<IconUpload size={16} />}
                  loading={upload.isPending}
                >
                  Import CSV
                </Button>
              )}
            </FileButton>
          </Stack>
        </Alert>
      )}
      <Title order={3} size="h5">
        Rates in {base}
      </Title>
      {rates.data.data.length === 0 ? (
        <Empty title="No exchange rates yet">
          Totals in other currencies show without a {base} equivalent.
        </Empty>
      ) : (
        <Table striped aria-label="Exchange rates" maw={480}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Currency</Table.Th>
              <Table.Th>From</Table.Th>
              <Table.Th ta="right">1 unit in {base}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rates.data.data.map((r) => (
              <Table.Tr key={`${r.currency}-${r.date}`}>
                <Table.Td>{r.currency}</Table.Td>
                <Table.Td>{formatDate(r.date)}</Table.Td>
                <Table.Td ta="right" ff="monospace">
                  {r.rate}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Alert, Card, Group, Select, Table } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';
import { useSession } from '../../app/session';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { formatMoney } from '../../ui/money';
import { PageHeader } from '../../ui/PageHeader';
import { ALL_IN_BASE, chartPoint, forecastCurrencies, forecastRows } from './series';

function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  return new Date(y, m - 1, 1).toLocaleDateString(undefined, { month: 'short', year: 'numeric' });
}

export function ForecastPage() {
  const me = useSession();
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const [chosenCurrency, setCurrency] = useState<string | null>(null);
  const pipelines = useQuery({
    queryKey: ['pipelines'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/pipelines', { signal })),
    select: (l) => l.data,
  });
  const forecast = useQuery({
    queryKey: ['forecast', pipelineId],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/reports/forecast', {
          params: { query: pipelineId ? { pipeline_id: pipelineId } : {} },
          signal,
        }),
      ),
  });

  const currencies = forecast.data ? forecastCurrencies(forecast.data) : [];
  const base = me.organization.default_currency;
  const several = currencies.length > 1;
  // Several currencies: all of them in the organization's by default.
  const currency =
    chosenCurrency && (currencies.includes(chosenCurrency) || (several && chosenCurrency === ALL_IN_BASE))
      ? chosenCurrency
      : several
        ? ALL_IN_BASE
        : (currencies[0] ?? base);
  const shownIn = currency === ALL_IN_BASE ? base : currency;
  const rows = forecast.data ? forecastRows(forecast.data, currency) : [];
  const missing = [...new Set(rows.flatMap((r) => r.missingRates ?? []))];
  const amount = (value: string) => (value === '' ? 'no rate' : formatMoney(value, shownIn));

  return (
    <>
      <PageHeader
        title="Forecast"
        description="Open deals by month they are expected to close (total and weighted by probability), and deals won."
        actions={
          <Group>
            <Select
              label="Pipeline"
              placeholder="All pipelines"
              clearable
              data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
              value={pipelineId}
              onChange={setPipelineId}
              w={200}
            />
            {several && (
              <Select
                label="Currency"
                data={[{ value: ALL_IN_BASE, label: `All in ${base}` }, ...currencies]}
                value={currency}
                onChange={setCurrency}
                allowDeselect={false}
                w={140}
              />
            )}
          </Group>
        }
      />
      {forecast.isPending ? (
        <LoadingRows rows={6} height={40} />
      ) : forecast.isError ? (
        <ErrorState error={forecast.error} what="the forecast" onRetry={() => void forecast.refetch()} />
      ) : currencies.length === 0 ? (
        <Empty title="Nothing to forecast yet">
          Give open deals an expected close date to see them here.
        </Empty>
      ) : (
        <>
          <Card withBorder mb="md">
            <BarChart
              h={300}
              data={rows.map((r) => ({ ...chartPoint(r), month: monthLabel(r.month) }))}
              dataKey="month"
              withLegend
              valueFormatter={(v) => formatMoney(String(v), shownIn, { compact: true })}
              series={[
                { name: 'Expected', color: 'indigo.3' },
                { name: 'Weighted', color: 'indigo.7' },
                { name: 'Won', color: 'teal.6' },
              ]}
            />
          </Card>
          {missing.length > 0 && (
            <Alert color="orange" mb="md" title={`Some months have no ${base} total`}>
              There is no exchange rate for {missing.join(', ')} on those months. Add one in Settings →
              Exchange rates; totals are never guessed.
            </Alert>
          )}
          <Table striped aria-label={`Forecast in ${shownIn}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Month</Table.Th>
                <Table.Th ta="right">Expected</Table.Th>
                <Table.Th ta="right">Weighted</Table.Th>
                <Table.Th ta="right">Won</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.month}>
                  <Table.Td>{monthLabel(r.month)}</Table.Td>
                  <Table.Td ta="right">{amount(r.expected)}</Table.Td>
                  <Table.Td ta="right">{amount(r.weighted)}</Table.Td>
                  <Table.Td ta="right">{amount(r.won)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </>
  );
}

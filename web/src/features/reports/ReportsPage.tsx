import {
  Anchor,
  Badge,
  Card,
  Group,
  Progress,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import type { paths } from '../../api/schema';
import { unwrap } from '../../api/result';
import { useOwnerName } from '../../app/members';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { formatMoney } from '../../ui/money';
import { PageHeader } from '../../ui/PageHeader';
import { monthsAgo, percent, winsByOwner } from './summaries';

const ranges = [
  { value: '2', label: 'Last 3 months' },
  { value: '5', label: 'Last 6 months' },
  { value: '11', label: 'Last 12 months' },
];

function Section({ title, hint, children }: { title: string; hint: string; children: ReactNode }) {
  return (
    <Card withBorder>
      <Title order={3} size="h4">
        {title}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {hint}
      </Text>
      {children}
    </Card>
  );
}

/** A query's states in one place: loading rows, an error with Retry, or the content. */
function Loaded<T>({
  query,
  what,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; data?: T; refetch: () => unknown };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <LoadingRows rows={3} />;
  if (query.isError || query.data === undefined)
    return <ErrorState error={query.error} what={what} onRetry={() => void query.refetch()} />;
  return <>{children(query.data)}</>;
}

type RangeReport =
  | '/api/reports/win-rate'
  | '/api/reports/sales-cycle'
  | '/api/reports/funnel'
  | '/api/reports/velocity'
  | '/api/reports/forecast-accuracy';
type ReportBody<P extends RangeReport> = paths[P]['get']['responses'][200]['content']['application/json'];

/** One report over the chosen period and pipeline. */
function useRangeReport<P extends RangeReport>(
  path: P,
  query: { from: string; pipeline_id?: string },
  key: unknown[],
) {
  return useQuery<ReportBody<P>>({
    queryKey: [...key, path],
    queryFn: ({ signal }) => {
      // Every report of the union takes the same query and answers its own body.
      const route: RangeReport = path;
      return unwrap(api.GET(route, { params: { query }, signal }));
    },
  });
}

export function ReportsPage() {
  const ownerName = useOwnerName();
  const [back, setBack] = useState('11');
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const pipelines = useQuery({
    queryKey: ['pipelines'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/pipelines', { signal })),
    select: (l) => l.data,
  });
  const query = { from: monthsAgo(Number(back)), ...(pipelineId ? { pipeline_id: pipelineId } : {}) };
  const key = ['reports', back, pipelineId];
  const winRate = useRangeReport('/api/reports/win-rate', query, key);
  const cycle = useRangeReport('/api/reports/sales-cycle', query, key);
  const funnel = useRangeReport('/api/reports/funnel', query, key);
  const velocity = useRangeReport('/api/reports/velocity', query, key);
  const accuracy = useRangeReport('/api/reports/forecast-accuracy', query, key);
  const rotting = useQuery({
    queryKey: ['reports', 'rotting', pipelineId],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/reports/rotting', {
          params: { query: pipelineId ? { pipeline_id: pipelineId } : {} },
          signal,
        }),
      ),
  });

  return (
    <>
      <PageHeader
        title="Reports"
        description="How the team sells: who wins, how long deals take, where they stall. Reps who see only their own records see their own numbers."
      />
      <Group mb="md" align="flex-end">
        <Select
          label="Period"
          data={ranges}
          value={back}
          onChange={(v) => setBack(v ?? '11')}
          allowDeselect={false}
          w={200}
        />
        <Select
          label="Pipeline"
          placeholder={pipelines.data ? 'All pipelines' : 'Loading…'}
          data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={pipelineId}
          onChange={setPipelineId}
          clearable
          w={240}
        />
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Section title="Win rate" hint="Of the deals closed in the period, the share won, per owner.">
          <Loaded query={winRate} what="the win rate">
            {(report) => (
              <Stack gap="xs">
                <Text size="xl" fw={700}>
                  {percent(report.total.win_rate)}{' '}
                  <Text span size="sm" c="dimmed" fw={400}>
                    {report.total.won} won, {report.total.lost} lost
                  </Text>
                </Text>
                <Table aria-label="Win rate by owner">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Owner</Table.Th>
                      <Table.Th ta="right">Won</Table.Th>
                      <Table.Th ta="right">Lost</Table.Th>
                      <Table.Th ta="right">Win rate</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {winsByOwner(report.data).map((r) => (
                      <Table.Tr key={r.owner_id ?? 'none'}>
                        <Table.Td>{r.owner_id ? ownerName(r.owner_id) : 'No owner'}</Table.Td>
                        <Table.Td ta="right">{r.won}</Table.Td>
                        <Table.Td ta="right">{r.lost}</Table.Td>
                        <Table.Td ta="right">{percent(r.rate)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Stack>
            )}
          </Loaded>
        </Section>
        <Section title="Sales cycle" hint="Average days from a deal's creation to its win, by month won.">
          <Loaded query={cycle} what="the sales cycle">
            {(report) => (
              <Stack gap="xs">
                <Text size="xl" fw={700}>
                  {report.total.average_days === null || report.total.average_days === undefined
                    ? '—'
                    : `${report.total.average_days} days`}{' '}
                  <Text span size="sm" c="dimmed" fw={400}>
                    over {report.total.won} won deals
                  </Text>
                </Text>
                <Table aria-label="Sales cycle by month">
                  <Table.Tbody>
                    {report.data.map((m) => (
                      <Table.Tr key={m.month}>
                        <Table.Td>{m.month}</Table.Td>
                        <Table.Td ta="right">{m.won} won</Table.Td>
                        <Table.Td ta="right">{m.average_days ?? '—'} days</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Stack>
            )}
          </Loaded>
        </Section>
        <Section title="Funnel" hint="Of the deals created in the period, how many reached each stage.">
          <Loaded query={funnel} what="the funnel">
            {(report) => (
              <Stack gap="sm" aria-label="Funnel">
                {report.stages.map((s) => (
                  <div key={s.stage_id}>
                    <Group justify="space-between" gap="xs">
                      <Text size="sm">{s.name}</Text>
                      <Text size="sm" c="dimmed">
                        {s.reached} of {report.cohort}
                        {s.conversion !== null &&
                          s.conversion !== undefined &&
                          ` · ${percent(s.conversion)} of the stage before`}
                      </Text>
                    </Group>
                    <Progress
                      value={report.cohort > 0 ? (100 * s.reached) / report.cohort : 0}
                      aria-label={s.name}
                    />
                  </div>
                ))}
                <Text size="sm" c="dimmed">
                  {report.lost} of {report.cohort} lost.
                </Text>
              </Stack>
            )}
          </Loaded>
        </Section>
        <Section
          title="Pipeline velocity"
          hint="Open amount × win rate ÷ average cycle: what the pipeline turns into won business per day."
        >
          <Loaded query={velocity} what="the velocity">
            {(report) => (
              <Table aria-label="Pipeline velocity">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Open</Table.Th>
                    <Table.Th ta="right">Win rate</Table.Th>
                    <Table.Th ta="right">Cycle</Table.Th>
                    <Table.Th ta="right">Per day</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {report.data.map((v) => (
                    <Table.Tr key={v.currency}>
                      <Table.Td>
                        {formatMoney(v.open_amount, v.currency)} in {v.open_deals}{' '}
                        {v.open_deals === 1 ? 'deal' : 'deals'}
                      </Table.Td>
                      <Table.Td ta="right">{percent(v.win_rate)}</Table.Td>
                      <Table.Td ta="right">
                        {v.average_cycle_days ? `${v.average_cycle_days} d` : '—'}
                      </Table.Td>
                      <Table.Td ta="right" fw={600}>
                        {v.per_day ? formatMoney(v.per_day, v.currency) : '—'}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Loaded>
        </Section>
        <Section
          title="Forecast accuracy"
          hint="Each month's weighted forecast, as the last weekly snapshot before it saw it, against what was won."
        >
          <Loaded query={accuracy} what="the forecast accuracy">
            {(report) =>
              report.data.length === 0 ? (
                <Text size="sm">No snapshot covers this period yet: one is taken every week.</Text>
              ) : (
                <Table aria-label="Forecast accuracy">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Month</Table.Th>
                      <Table.Th ta="right">Forecast</Table.Th>
                      <Table.Th ta="right">Won</Table.Th>
                      <Table.Th ta="right">Accuracy</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {report.data.map((m) => (
                      <Table.Tr key={`${m.month}-${m.currency}`}>
                        <Table.Td>{m.month}</Table.Td>
                        <Table.Td ta="right">
                          {m.snapshot_taken_on ? formatMoney(m.weighted, m.currency) : '—'}
                        </Table.Td>
                        <Table.Td ta="right">{formatMoney(m.won, m.currency)}</Table.Td>
                        <Table.Td ta="right">{percent(m.accuracy)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )
            }
          </Loaded>
        </Section>
      </SimpleGrid>
      <Card withBorder mt="md">
        <Title order={3} size="h4">
          Rotting deals
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Open deals with no activity for longer than their stage allows (30 days unless the stage says
          otherwise).
        </Text>
        <Loaded query={rotting} what="rotting deals">
          {(report) =>
            report.data.length === 0 ? (
              <Text size="sm">Nothing is rotting: every open deal had an activity recently.</Text>
            ) : (
              <Table aria-label="Rotting deals">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Deal</Table.Th>
                    <Table.Th>Stage</Table.Th>
                    <Table.Th>Owner</Table.Th>
                    <Table.Th ta="right">Idle</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {report.data.map((d) => (
                    <Table.Tr key={d.deal_id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/deals/${d.deal_id}`}>
                          {d.title}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{d.stage_name}</Table.Td>
                      <Table.Td>{ownerName(d.owner_id)}</Table.Td>
                      <Table.Td ta="right">
                        <Badge color="orange" variant="light">
                          {d.idle_days} days
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )
          }
        </Loaded>
      </Card>
    </>
  );
}

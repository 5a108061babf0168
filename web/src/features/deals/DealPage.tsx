import { Anchor, Button, Card, Grid, Group, Select, Stack, Text, Title } from '@mantine/core';
import { IconEdit, IconThumbDown, IconThumbUp } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { useOwnerName } from '../../app/members';
import { usePermissions } from '../../app/session';
import { formatDate } from '../../ui/dates';
import { ErrorState } from '../../ui/ErrorState';
import { MoveToTrashButton } from '../trash';
import { LoadingRows } from '../../ui/LoadingRows';
import { Money } from '../../ui/Money';
import { LogActivity, Timeline } from '../activities';
import { CompanyLink } from '../companies';
import { CustomFieldsCard } from '../customFields';
import { DealForm } from './DealForm';
import { LostReasonModal } from './LostReasonModal';
import { useDeal, usePipelines } from './queries';
import { StageHistory } from './StageHistory';
import { StatusBadge } from './StatusBadge';
import { useStageMove } from './useStageMove';

function Field({ label, labelId, children }: { label: string; labelId?: string; children: React.ReactNode }) {
  return (
    <div>
      <Text id={labelId} size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

/** The deal list (with its filters) the deal was opened from, if it was (DealListPage passes it). */
function listBack(state: unknown): string | null {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/deals/list') ? from : null;
}

export function DealPage() {
  const { id = '' } = useParams();
  const back = listBack(useLocation().state);
  const deal = useDeal(id);
  const pipelines = usePipelines();
  const { canEdit } = usePermissions();
  const ownerName = useOwnerName();
  const mover = useStageMove();
  const [editing, setEditing] = useState(false);

  if (deal.isPending) return <LoadingRows rows={8} />;
  if (deal.isError)
    return <ErrorState error={deal.error} what="this deal" onRetry={() => void deal.refetch()} />;
  const d = deal.data;
  const pipeline = pipelines.data?.find((p) => p.id === d.pipeline_id);
  const stage = pipeline?.stages.find((s) => s.id === d.stage_id);
  const wonStage = pipeline?.stages.find((s) => s.kind === 'won');
  const lostStage = pipeline?.stages.find((s) => s.kind === 'lost');
  const owner = { kind: 'deal' as const, id: d.id };

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          {back ? (
            <Anchor component={Link} to={back} size="sm">
              ← Deals list
            </Anchor>
          ) : (
            <Anchor component={Link} to={`/deals?pipeline=${d.pipeline_id}`} size="sm">
              ← Board
            </Anchor>
          )}
          <Group gap="sm">
            <Title order={2}>{d.title}</Title>
            <StatusBadge status={d.status} />
          </Group>
          <Text size="xl" fw={600}>
            <Money amount={d.amount} currency={d.currency} />
          </Text>
        </div>
        {canEdit && (
          <Group gap="xs">
            {d.status === 'open' && wonStage && (
              <Button
                color="green"
                leftSection={<IconThumbUp size={16} />}
                onClick={() => mover.request(d, wonStage)}
              >
                Mark won
              </Button>
            )}
            {d.status === 'open' && lostStage && (
              <Button
                color="red"
                variant="light"
                leftSection={<IconThumbDown size={16} />}
                onClick={() => mover.request(d, lostStage)}
              >
                Mark lost
              </Button>
            )}
            {pipeline && (
              <Button variant="default" leftSection={<IconEdit size={16} />} onClick={() => setEditing(true)}>
                Edit
              </Button>
            )}
            <MoveToTrashButton target={{ kind: 'deal', id: d.id, label: d.title }} />
          </Group>
        )}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack>
            <Card withBorder>
              <Stack gap="sm">
                <Field label="Stage" labelId="deal-stage-label">
                  {canEdit && pipeline ? (
                    <Select
                      aria-labelledby="deal-stage-label"
                      data={pipeline.stages.map((s) => ({ value: s.id, label: s.name }))}
                      value={d.stage_id}
                      allowDeselect={false}
                      disabled={mover.pending}
                      onChange={(v) => {
                        const next = pipeline.stages.find((s) => s.id === v);
                        if (next) mover.request(d, next);
                      }}
                    />
                  ) : (
                    (stage?.name ?? '—')
                  )}
                </Field>
                <Field label="Probability">
                  {d.probability} %{d.probability_overridden ? ` (stage: ${d.stage_probability} %)` : ''}
                </Field>
                <Field label="Weighted amount">
                  <Money amount={d.weighted_amount} currency={d.currency} />
                </Field>
                <Field label="Expected close">{formatDate(d.expected_close_date)}</Field>
                <Field label="Company">
                  <CompanyLink id={d.company_id} />
                </Field>
                <Field label="Owner">{ownerName(d.owner_id)}</Field>
                {d.closed_at && <Field label="Closed">{formatDate(d.closed_at)}</Field>}
                {d.lost_reason && <Field label="Lost because">{d.lost_reason}</Field>}
              </Stack>
            </Card>
            <CustomFieldsCard entity="deal" recordId={d.id} values={d.custom_fields} />
            <Card withBorder>
              <Title order={4} mb="xs">
                Stage history
              </Title>
              <StageHistory dealId={d.id} />
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder>
            {canEdit && <LogActivity owner={owner} />}
            <Title order={4} my="sm">
              Activity
            </Title>
            <Timeline owner={owner} />
          </Card>
        </Grid.Col>
      </Grid>
      <LostReasonModal {...mover.lostPrompt} />
      {pipeline && (
        <DealForm opened={editing} onClose={() => setEditing(false)} pipeline={pipeline} deal={d} />
      )}
    </Stack>
  );
}

import { useDroppable } from '@dnd-kit/core';
import { Badge, Button, Group, Paper, ScrollArea, Stack, Text } from '@mantine/core';
import { memo, type ReactNode } from 'react';
import type { BoardColumn, CustomField, Deal, Stage } from '../../api/types';
import { Money } from '../../ui/Money';
import { DealCard } from './DealCard';

const kindColor: Record<string, string> = { open: 'gray', won: 'green', lost: 'red' };

interface Props {
  column: BoardColumn;
  /** The deal fields whose values the cards show. */
  fields: CustomField[];
  stages: Stage[];
  canEdit: boolean;
  totalsStale: boolean;
  ownerName: (id: string | null | undefined) => string;
  onMove: (deal: Deal, stage: Stage) => void;
  onLoadMore: (stageId: string, cursor: string) => void;
  loadingMore: boolean;
}

/**
 * One stage of the board. Memoized: the board passes stable props, so a
 * column redraws when its own deals or totals change, and its cards
 * (memoized too) only when their deal does. What a drag changes (the drop
 * highlight) is drawn by DropZone alone.
 */
export const StageColumn = memo(function StageColumn({
  column,
  fields,
  stages,
  canEdit,
  totalsStale,
  ownerName,
  onMove,
  onLoadMore,
  loadingMore,
}: Props) {
  const { stage } = column;

  return (
    <DropZone stage={stage}>
      <Stack gap={4} mb="xs">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={700} size="sm" truncate>
            {stage.name}
          </Text>
          <Group gap={4} wrap="nowrap">
            {stage.kind !== 'open' && (
              <Badge size="xs" color={kindColor[stage.kind] ?? 'gray'}>
                {stage.kind}
              </Badge>
            )}
            <Badge size="sm" variant="light" color="gray" aria-label={`${column.count} deals`}>
              {column.count}
            </Badge>
          </Group>
        </Group>
        <Stack gap={0} style={{ opacity: totalsStale ? 0.5 : 1 }} aria-busy={totalsStale}>
          {column.totals.length === 0 ? (
            <Text size="xs" c="dimmed">
              No deals
            </Text>
          ) : (
            column.totals.map((t) => (
              <Text size="xs" key={t.currency}>
                <b>
                  <Money amount={t.amount} currency={t.currency} />
                </b>{' '}
                <Text span c="dimmed" size="xs">
                  (weighted <Money amount={t.weighted_amount} currency={t.currency} />)
                </Text>
              </Text>
            ))
          )}
          <BaseTotal column={column} />
        </Stack>
      </Stack>
      <ScrollArea.Autosize mah="calc(100vh - 260px)" type="auto">
        <Stack gap={6} mih={60}>
          {column.deals.map((deal) => (
            <DealCard
              key={deal.id}
              deal={deal}
              ownerName={ownerName(deal.owner_id)}
              fields={fields}
              stages={stages}
              canEdit={canEdit}
              onMove={onMove}
            />
          ))}
          {column.next_cursor && (
            <Button
              variant="subtle"
              size="xs"
              loading={loadingMore}
              onClick={() => column.next_cursor && onLoadMore(stage.id, column.next_cursor)}
            >
              Show more
            </Button>
          )}
        </Stack>
      </ScrollArea.Autosize>
    </DropZone>
  );
});

/**
 * The column's frame, and the only part that reads dnd-kit's context: it
 * redraws when a drag starts, ends or moves between stages; the column's
 * content (`children`) does not.
 */
function DropZone({ stage, children }: { stage: Stage; children: ReactNode }) {
  const { setNodeRef, isOver } = useDroppable({ id: stage.id, data: { stage } });
  return (
    <Paper
      ref={setNodeRef}
      withBorder
      radius="md"
      p="xs"
      bg={isOver ? 'indigo.0' : 'gray.0'}
      w={280}
      miw={280}
      component="section"
      aria-label={`Stage ${stage.name}`}
    >
      {children}
    </Paper>
  );
}

/** All currencies together in the organization's currency, when a column holds others. */
function BaseTotal({ column }: { column: BoardColumn }) {
  const base = column.base_total;
  if (column.totals.every((t) => t.currency === base.currency)) return null;
  if (base.amount == null) {
    return (
      <Text size="xs" c="orange.9" title="Add the rate in Settings → Exchange rates">
        No {base.currency} total: no rate for {base.missing_rates.join(', ')}
      </Text>
    );
  }
  return (
    <Text size="xs" c="dimmed">
      All in {base.currency}: <Money amount={base.amount} currency={base.currency} />
    </Text>
  );
}

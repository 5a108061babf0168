import { useDroppable } from '@dnd-kit/core';
import { Badge, Button, Group, Paper, ScrollArea, Stack, Text } from '@mantine/core';
import type { BoardColumn, Deal, Stage } from '../../api/types';
import { Money } from '../../ui/Money';
import { DealCard } from './DealCard';

const kindColor: Record<string, string> = { open: 'gray', won: 'green', lost: 'red' };

interface Props {
  column: BoardColumn;
  stages: Stage[];
  canEdit: boolean;
  totalsStale: boolean;
  ownerName: (id: string | null | undefined) => string;
  onMove: (deal: Deal, stage: Stage) => void;
  onLoadMore: (cursor: string) => void;
  loadingMore: boolean;
}

export function StageColumn({
  column,
  stages,
  canEdit,
  totalsStale,
  ownerName,
  onMove,
  onLoadMore,
  loadingMore,
}: Props) {
  const { setNodeRef, isOver } = useDroppable({ id: column.stage.id, data: { stage: column.stage } });
  const { stage } = column;

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
        </Stack>
      </Stack>
      <ScrollArea.Autosize mah="calc(100vh - 260px)" type="auto">
        <Stack gap={6} mih={60}>
          {column.deals.map((deal) => (
            <DealCard
              key={deal.id}
              deal={deal}
              ownerName={ownerName(deal.owner_id)}
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
              onClick={() => column.next_cursor && onLoadMore(column.next_cursor)}
            >
              Show more
            </Button>
          )}
        </Stack>
      </ScrollArea.Autosize>
    </Paper>
  );
}

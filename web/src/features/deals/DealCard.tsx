import { useDraggable } from '@dnd-kit/core';
import { CSS } from '@dnd-kit/utilities';
import { ActionIcon, Anchor, Badge, Menu, Stack, Text } from '@mantine/core';
import { IconArrowsMove, IconGripVertical } from '@tabler/icons-react';
import { memo } from 'react';
import { Link } from 'react-router';
import type { Deal, Stage } from '../../api/types';
import { formatDate } from '../../ui/dates';
import { Money } from '../../ui/Money';
import classes from './DealCard.module.css';

const ROTTING_DAYS = 30;

function daysSince(iso: string): number {
  return Math.floor((Date.now() - new Date(iso).getTime()) / 86_400_000);
}

interface Props {
  deal: Deal;
  ownerName: string;
  stages: Stage[];
  canEdit: boolean;
  onMove: (deal: Deal, stage: Stage) => void;
}

/**
 * A card on the board. Every draggable re-renders on each pointer move of a
 * drag (dnd-kit's context changes), so the card's own work is only its
 * wrapper and handle; the content below is memoized on its props, which the
 * board keeps stable, and redraws only when its deal changes.
 */
export function DealCard({ deal, ownerName, stages, canEdit, onMove }: Props) {
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({
    id: deal.id,
    data: { deal },
    disabled: !canEdit,
  });
  const idle = deal.status === 'open' ? daysSince(deal.updated_at) : 0;
  const className = [classes.card, isDragging && classes.dragging, idle >= ROTTING_DAYS && classes.rotting]
    .filter(Boolean)
    .join(' ');

  return (
    <div
      ref={setNodeRef}
      className={className}
      style={{ transform: CSS.Translate.toString(transform) }}
      role="group"
      aria-label={`Deal ${deal.title}`}
    >
      {canEdit && (
        <button
          type="button"
          className={classes.handle}
          aria-label={`Drag ${deal.title}`}
          {...listeners}
          {...attributes}
        >
          <IconGripVertical size={14} aria-hidden />
        </button>
      )}
      <CardContent
        deal={deal}
        ownerName={ownerName}
        stages={stages}
        canEdit={canEdit}
        onMove={onMove}
        idle={idle}
      />
    </div>
  );
}

const CardContent = memo(function CardContent({
  deal,
  ownerName,
  stages,
  canEdit,
  onMove,
  idle,
}: Props & { idle: number }) {
  return (
    <>
      <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
        <Anchor component={Link} to={`/deals/${deal.id}`} size="sm" fw={600} lineClamp={2}>
          {deal.title}
        </Anchor>
        <Text size="sm" fw={500}>
          <Money amount={deal.amount} currency={deal.currency} />
        </Text>
        <Text size="xs" c="dimmed">
          {ownerName}
          {deal.expected_close_date && ` · closes ${formatDate(deal.expected_close_date)}`}
        </Text>
        {idle >= ROTTING_DAYS && (
          <Badge size="xs" color="orange" variant="light">
            No change for {idle} days
          </Badge>
        )}
      </Stack>
      {canEdit && (
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`Move ${deal.title} to stage`}>
              <IconArrowsMove size={14} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>Move to stage</Menu.Label>
            {stages.map((s) => (
              <Menu.Item key={s.id} disabled={s.id === deal.stage_id} onClick={() => onMove(deal, s)}>
                {s.name}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      )}
    </>
  );
});

import { useDraggable } from '@dnd-kit/core';
import { CSS } from '@dnd-kit/utilities';
import { ActionIcon, Anchor, Badge, Group, Menu, Paper, Stack, Text } from '@mantine/core';
import { IconArrowsMove, IconGripVertical } from '@tabler/icons-react';
import { Link } from 'react-router';
import type { Deal, Stage } from '../../api/types';
import { formatDate } from '../../ui/dates';
import { Money } from '../../ui/Money';

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

export function DealCard({ deal, ownerName, stages, canEdit, onMove }: Props) {
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({
    id: deal.id,
    data: { deal },
    disabled: !canEdit,
  });
  const idle = deal.status === 'open' ? daysSince(deal.updated_at) : 0;
  const rotting = idle >= ROTTING_DAYS;

  return (
    <Paper
      ref={setNodeRef}
      withBorder
      p="xs"
      radius="sm"
      shadow={isDragging ? 'md' : undefined}
      style={{
        transform: CSS.Translate.toString(transform),
        opacity: isDragging ? 0.8 : 1,
        zIndex: isDragging ? 10 : undefined,
        borderLeft: rotting ? '3px solid var(--mantine-color-orange-6)' : undefined,
      }}
      aria-label={`Deal ${deal.title}`}
    >
      <Group gap={4} wrap="nowrap" align="flex-start">
        {canEdit && (
          <ActionIcon
            variant="subtle"
            color="gray"
            size="sm"
            aria-label={`Drag ${deal.title}`}
            {...listeners}
            {...attributes}
            style={{ cursor: 'grab', touchAction: 'none' }}
          >
            <IconGripVertical size={14} />
          </ActionIcon>
        )}
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
          {rotting && (
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
      </Group>
    </Paper>
  );
}

import { Badge, type BadgeProps } from '@mantine/core';

const statusColor: Record<string, string> = { open: 'blue', won: 'green', lost: 'red' };

/** A deal's status (open, won or lost: the kind of its stage), in its colour. */
export function StatusBadge({ status, variant }: { status: string; variant?: BadgeProps['variant'] }) {
  return (
    <Badge color={statusColor[status] ?? 'gray'} variant={variant}>
      {status}
    </Badge>
  );
}

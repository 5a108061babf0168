import type { Announcements } from '@dnd-kit/core';
import type { Deal, Stage } from '../../api/types';

function title(data: unknown): string {
  const deal = (data as { deal?: Deal } | undefined)?.deal;
  return deal ? `deal ${deal.title}` : 'deal';
}

function stageName(data: unknown): string | null {
  return (data as { stage?: Stage } | undefined)?.stage?.name ?? null;
}

/** What a screen reader hears while a card is dragged (names, not ids). */
export const announcements: Announcements = {
  onDragStart: ({ active }) =>
    `Picked up ${title(active.data.current)}. Use the arrow keys to move it, space to drop.`,
  onDragOver: ({ active, over }) => {
    const name = stageName(over?.data.current);
    return name
      ? `${title(active.data.current)} is over stage ${name}.`
      : `${title(active.data.current)} is not over a stage.`;
  },
  onDragEnd: ({ active, over }) => {
    const name = stageName(over?.data.current);
    return name
      ? `${title(active.data.current)} dropped on stage ${name}.`
      : `${title(active.data.current)} put back.`;
  },
  onDragCancel: ({ active }) => `Moving ${title(active.data.current)} was cancelled.`,
};

import { ActionIcon } from '@mantine/core';
import { IconArrowDown, IconArrowUp } from '@tabler/icons-react';
import { useEffect, useRef } from 'react';

type Direction = 'up' | 'down';

/**
 * "Move <label> up / down" for one row of an ordered list. The buttons are
 * disabled while a move is saved; afterwards the one pressed gets the focus
 * back (or the other, at the top or bottom), so a keyboard can keep moving.
 */
export function MoveButtons({
  label,
  index,
  count,
  busy,
  onMove,
}: {
  label: string;
  index: number;
  count: number;
  busy: boolean;
  onMove: (delta: -1 | 1) => void;
}) {
  const up = useRef<HTMLButtonElement>(null);
  const down = useRef<HTMLButtonElement>(null);
  const pressed = useRef<Direction | null>(null);

  useEffect(() => {
    if (busy || !pressed.current) return;
    const [want, other] = pressed.current === 'up' ? [up.current, down.current] : [down.current, up.current];
    pressed.current = null;
    const active = document.activeElement;
    if (active && active !== document.body && active !== want) return;
    (want && !want.disabled ? want : other)?.focus();
  }, [busy, index]);

  const press = (direction: Direction) => {
    pressed.current = direction;
    onMove(direction === 'up' ? -1 : 1);
  };
  return (
    <>
      <ActionIcon
        ref={up}
        variant="subtle"
        aria-label={`Move ${label} up`}
        disabled={busy || index === 0}
        onClick={() => press('up')}
      >
        <IconArrowUp size={16} />
      </ActionIcon>
      <ActionIcon
        ref={down}
        variant="subtle"
        aria-label={`Move ${label} down`}
        disabled={busy || index === count - 1}
        onClick={() => press('down')}
      >
        <IconArrowDown size={16} />
      </ActionIcon>
    </>
  );
}

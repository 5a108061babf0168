import { useDraggable } from '@dnd-kit/core';
import { Menu } from '@mantine/core';
import { memo, useCallback, useLayoutEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { Link } from 'react-router';
import type { CustomField, Deal, Stage } from '../../api/types';
import { formatDate } from '../../ui/dates';
import { Money } from '../../ui/Money';
import { filledValues } from '../customFields';
import classes from './DealCard.module.css';

const ROTTING_DAYS = 30;
/** A card shows at most this many custom field values, so it stays short. */
const CUSTOM_VALUES = 2;

function daysSince(iso: string): number {
  return Math.floor((Date.now() - new Date(iso).getTime()) / 86_400_000);
}

function idleDays(deal: Deal): number {
  return deal.status === 'open' ? daysSince(deal.updated_at) : 0;
}

// Tabler's grip-vertical and arrows-move (MIT), each as one path and made
// once: every card shows both.
const gripIcon = (
  <svg className={classes.svg} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path d="M8 5a1 1 0 1 0 2 0a1 1 0 1 0 -2 0M8 12a1 1 0 1 0 2 0a1 1 0 1 0 -2 0M8 19a1 1 0 1 0 2 0a1 1 0 1 0 -2 0M14 5a1 1 0 1 0 2 0a1 1 0 1 0 -2 0M14 12a1 1 0 1 0 2 0a1 1 0 1 0 -2 0M14 19a1 1 0 1 0 2 0a1 1 0 1 0 -2 0" />
  </svg>
);
const moveIcon = (
  <svg className={classes.svg} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path d="M18 9l3 3l-3 3M15 12h6M6 9l-3 3l3 3M3 12h6M9 18l3 3l3 -3M12 15v6M15 6l-3 -3l-3 3M12 3v6" />
  </svg>
);

interface Props {
  deal: Deal;
  ownerName: string;
  /** The deal fields, in their order (the board keeps the same array while they do not change). */
  fields: CustomField[];
  stages: Stage[];
  canEdit: boolean;
  onMove: (deal: Deal, stage: Stage) => void;
}

/**
 * A card on the board. A drag costs in proportion to what the board holds:
 * React walks every card on each pointer move (dnd-kit's context changes),
 * and each draggable re-renders when a drag starts, ends or changes stage.
 * So a card is a handful of plain elements, memoized on props the board keeps
 * stable; only its drag handle reads dnd-kit's context, and its menu is
 * mounted when it is about to be used.
 */
export const DealCard = memo(function DealCard({ deal, ownerName, fields, stages, canEdit, onMove }: Props) {
  const idle = idleDays(deal);
  return (
    <div
      className={classes.card}
      data-deal-card=""
      data-rotting={idle >= ROTTING_DAYS ? '' : undefined}
      role="group"
      aria-label={`Deal ${deal.title}`}
    >
      {canEdit && <DragHandle deal={deal} />}
      <CardBody deal={deal} ownerName={ownerName} fields={fields} idle={idle} linked />
      {canEdit && <MoveMenu deal={deal} stages={stages} onMove={onMove} />}
    </div>
  );
});

/** What follows the pointer during a drag (DragOverlay): the card's look, nothing to interact with. */
export const DealCardPreview = memo(function DealCardPreview({
  deal,
  ownerName,
  fields,
}: {
  deal: Deal;
  ownerName: string;
  fields: CustomField[];
}) {
  const idle = idleDays(deal);
  return (
    <div
      className={`${classes.card} ${classes.preview}`}
      data-rotting={idle >= ROTTING_DAYS ? '' : undefined}
      aria-hidden="true"
    >
      <span className={classes.icon}>{gripIcon}</span>
      <CardBody deal={deal} ownerName={ownerName} fields={fields} idle={idle} linked={false} />
      <span className={classes.icon}>{moveIcon}</span>
    </div>
  );
});

function CardBody({
  deal,
  ownerName,
  fields,
  idle,
  linked,
}: {
  deal: Deal;
  ownerName: string;
  fields: CustomField[];
  idle: number;
  linked: boolean;
}) {
  const closes = deal.expected_close_date ? ` · closes ${formatDate(deal.expected_close_date)}` : '';
  const custom = filledValues(fields, deal.custom_fields, CUSTOM_VALUES);
  return (
    <div className={classes.body}>
      {linked ? (
        <Link to={`/deals/${deal.id}`} className={`mantine-focus-auto ${classes.title}`}>
          {deal.title}
        </Link>
      ) : (
        <span className={classes.title}>{deal.title}</span>
      )}
      <p className={classes.amount}>
        <Money amount={deal.amount} currency={deal.currency} />
      </p>
      <p className={classes.meta}>{`${ownerName}${closes}`}</p>
      {custom.map((c) => (
        <p key={c.key} className={classes.custom} title={`${c.label}: ${c.text}`}>
          <span className={classes.customLabel}>{`${c.label}:`}</span> {c.text}
        </p>
      ))}
      {idle >= ROTTING_DAYS && <span className={classes.badge}>{`No change for ${idle} days`}</span>}
    </div>
  );
}

/**
 * The card's draggable part, and the only one that reads dnd-kit's context:
 * when a drag starts, ends or changes stage, these buttons re-render, not
 * the cards. What is measured (and what the overlay takes the size of) is the
 * whole card.
 */
function DragHandle({ deal }: { deal: Deal }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef } = useDraggable({
    id: deal.id,
    data: { deal },
  });
  const ref = useCallback(
    (button: HTMLButtonElement | null) => {
      setActivatorNodeRef(button);
      setNodeRef(button?.closest<HTMLElement>('[data-deal-card]') ?? null);
    },
    [setActivatorNodeRef, setNodeRef],
  );
  return (
    <button
      ref={ref}
      type="button"
      className={`mantine-focus-auto ${classes.icon} ${classes.handle}`}
      aria-label={`Drag ${deal.title}`}
      {...attributes}
      {...listeners}
    >
      {gripIcon}
    </button>
  );
}

type Armed = 'pointer' | 'focus' | 'click';

/**
 * The keyboard alternative to dragging: "Move to stage". A Mantine Menu is a
 * few dozen components, times every card on the board, so the card shows a
 * plain button until the pointer or the focus reaches it, then swaps in the
 * menu (same look, same name) before it can be pressed.
 */
function MoveMenu({ deal, stages, onMove }: Pick<Props, 'deal' | 'stages' | 'onMove'>) {
  const [armed, setArmed] = useState<Armed | null>(null);
  const target = useRef<HTMLButtonElement>(null);
  const label = `Move ${deal.title} to stage`;
  const className = `mantine-focus-auto mantine-active ${classes.icon}`;

  useLayoutEffect(() => {
    // The swap replaces the focused button: the focus follows to the new one.
    // A click that came without a pointer or focus first (assistive tech) opens the menu.
    if (armed === 'focus' || armed === 'click') target.current?.focus();
    if (armed === 'click') target.current?.click();
  }, [armed]);

  if (!armed) {
    // flushSync: the menu's button must be in place before the press that follows.
    const arm = (how: Armed) => flushSync(() => setArmed(how));
    return (
      <button
        type="button"
        className={className}
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={false}
        onPointerEnter={() => arm('pointer')}
        onFocus={() => arm('focus')}
        onClick={() => arm('click')}
      >
        {moveIcon}
      </button>
    );
  }
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <button ref={target} type="button" className={className} aria-label={label}>
          {moveIcon}
        </button>
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
  );
}

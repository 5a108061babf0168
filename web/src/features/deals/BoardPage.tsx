import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  useDndContext,
  useSensor,
  useSensors,
  type DragEndEvent,
} from '@dnd-kit/core';
import { Button, Group, ScrollArea, Select } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useCallback, useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import { useSearchParams } from 'react-router';
import type { CustomField, Deal, Stage } from '../../api/types';
import { useOwnerName } from '../../app/members';
import { useSetParam } from '../../app/useSetParam';
import { usePermissions } from '../../app/session';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { PageHeader } from '../../ui/PageHeader';
import { useCustomFields } from '../customFields';
import { announcements } from './announcements';
import { DealCardPreview } from './DealCard';
import { DealsLayoutSwitch } from './DealsLayoutSwitch';
import { DealForm } from './DealForm';
import { LostReasonModal } from './LostReasonModal';
import { useBoard, useLoadMoreInColumn, usePipelines } from './queries';
import { StageColumn } from './StageColumn';
import { useStageMove } from './useStageMove';

/** No deal fields (or not read yet): one array, so memoized cards do not redraw for a new `[]`. */
const noFields: CustomField[] = [];

export function BoardPage() {
  const [params] = useSearchParams();
  const pipelines = usePipelines();
  const { canEdit } = usePermissions();
  const ownerName = useOwnerName();
  const chosen = params.get('pipeline');
  const pipeline =
    pipelines.data?.find((p) => p.id === chosen) ??
    pipelines.data?.find((p) => p.is_default) ??
    pipelines.data?.[0];
  const board = useBoard(pipeline?.id);
  // Cards show their first custom field values; the query keeps the same array until the fields change.
  const fields = useCustomFields('deal').data ?? noFields;
  const columns = board.data?.stages;
  // Every card takes the stage list (its "Move to stage" menu): the same array
  // while the stages are the same, though each move or refetch makes new columns.
  const stages = useSameItems(useMemo(() => (columns ?? []).map((c) => c.stage), [columns]));
  const loadMore = useLoadMoreInColumn(pipeline?.id ?? '');
  const { mutate: loadMoreMutate } = loadMore;
  const onLoadMore = useCallback(
    (stageId: string, cursor: string) => loadMoreMutate({ stageId, cursor }),
    [loadMoreMutate],
  );
  const mover = useStageMove();
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor),
  );

  const setParam = useSetParam();

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    const deal = (active.data.current as { deal?: Deal } | undefined)?.deal;
    const stage = (over?.data.current as { stage?: Stage } | undefined)?.stage;
    if (deal && stage) mover.request(deal, stage);
  };

  const header = (
    <PageHeader
      title="Deals"
      description="Drag a card to another stage, or use its move button. Column totals count every deal in the stage."
      actions={
        <>
          <DealsLayoutSwitch current="board" />
          {pipelines.data && pipelines.data.length > 1 && (
            <Select
              label="Pipeline"
              data={pipelines.data.map((p) => ({ value: p.id, label: p.name }))}
              value={pipeline?.id ?? null}
              onChange={(v) => setParam('pipeline', v)}
              allowDeselect={false}
              w={200}
            />
          )}
          {canEdit && (
            <Button
              leftSection={<IconPlus size={16} />}
              onClick={() => setParam('new', '1')}
              disabled={!pipeline}
            >
              New deal
            </Button>
          )}
        </>
      }
    />
  );

  let body: React.ReactNode;
  if (pipelines.isPending || (pipeline && board.isPending)) body = <LoadingRows rows={4} height={120} />;
  else if (pipelines.isError)
    body = <ErrorState error={pipelines.error} what="pipelines" onRetry={() => void pipelines.refetch()} />;
  else if (!pipeline)
    body = <Empty title="No pipeline yet">An admin can create one under Settings → Pipelines.</Empty>;
  else if (board.isError)
    body = <ErrorState error={board.error} what="the board" onRetry={() => void board.refetch()} />;
  else if (board.data) {
    body = (
      <DndContext sensors={sensors} onDragEnd={onDragEnd} accessibility={{ announcements }}>
        <ScrollArea type="auto" offsetScrollbars>
          <Group align="flex-start" wrap="nowrap" gap="sm" pb="sm">
            {board.data.stages.map((column) => (
              <StageColumn
                key={column.stage.id}
                column={column}
                fields={fields}
                stages={stages}
                canEdit={canEdit}
                totalsStale={mover.pending || board.isFetching}
                ownerName={ownerName}
                onMove={mover.request}
                onLoadMore={onLoadMore}
                loadingMore={loadMore.isPending && loadMore.variables.stageId === column.stage.id}
              />
            ))}
          </Group>
        </ScrollArea>
        <DragPreview ownerName={ownerName} fields={fields} />
      </DndContext>
    );
  }

  return (
    <>
      {header}
      {body}
      <LostReasonModal {...mover.lostPrompt} />
      {pipeline && (
        <DealForm
          opened={params.get('new') === '1'}
          onClose={() => setParam('new', null)}
          pipeline={pipeline}
        />
      )}
    </>
  );
}

/**
 * The card under the pointer while dragging. The dragged card itself stays
 * in its column (dimmed): moving an element inside the columns' scroll areas
 * would be clipped by them and relaid out on every move. In a portal, so no
 * transformed ancestor can offset its fixed position.
 */
function DragPreview({
  ownerName,
  fields,
}: {
  ownerName: (id: string | null | undefined) => string;
  fields: CustomField[];
}) {
  const { active } = useDndContext();
  const deal = (active?.data.current as { deal?: Deal } | undefined)?.deal;
  return createPortal(
    <DragOverlay dropAnimation={null}>
      {deal ? <DealCardPreview deal={deal} ownerName={ownerName(deal.owner_id)} fields={fields} /> : null}
    </DragOverlay>,
    document.body,
  );
}

/** `items`, or the array last returned if it holds the same items: a stable prop for memoized children. */
function useSameItems<T>(items: T[]): T[] {
  const [kept, setKept] = useState(items);
  const same = kept.length === items.length && kept.every((item, i) => item === items[i]);
  if (!same) setKept(items);
  return same ? kept : items;
}

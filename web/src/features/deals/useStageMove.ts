import { notifications } from '@mantine/notifications';
import { useCallback, useState } from 'react';
import { describeError } from '../../api/problem';
import type { Deal, Stage } from '../../api/types';
import { useMoveDeal } from './queries';

/**
 * Moving a deal between stages, from a drag, the "Move to stage" menu or the
 * deal page: a lost stage asks for the reason first; a refusal rolls the
 * board back and says why.
 */
export function useStageMove() {
  const move = useMoveDeal();
  const [askLost, setAskLost] = useState<{ deal: Deal; stage: Stage } | null>(null);

  const { mutate } = move;
  // Stable (mutate is), so the board's memoized cards are not redrawn
  // because a new `request` was passed down.
  const run = useCallback(
    (deal: Deal, stage: Stage, lostReason?: string) => {
      mutate(
        { dealId: deal.id, pipelineId: deal.pipeline_id, stageId: stage.id, lostReason },
        {
          // Short-lived: a run of moves must not stack up over the board.
          onSuccess: () =>
            notifications.show({
              color: 'green',
              message: `“${deal.title}” moved to ${stage.name}`,
              autoClose: 2500,
            }),
          onError: (error) =>
            notifications.show({
              color: 'red',
              title: `Could not move “${deal.title}”`,
              message: `${describeError(error)} The deal is back in its stage.`,
            }),
        },
      );
    },
    [mutate],
  );

  const request = useCallback(
    (deal: Deal, stage: Stage) => {
      if (stage.id === deal.stage_id) return;
      if (stage.kind === 'lost') setAskLost({ deal, stage });
      else run(deal, stage);
    },
    [run],
  );

  return {
    request,
    pending: move.isPending,
    lostPrompt: {
      dealTitle: askLost?.deal.title ?? null,
      onCancel: () => setAskLost(null),
      onConfirm: (reason: string) => {
        if (askLost) run(askLost.deal, askLost.stage, reason || undefined);
        setAskLost(null);
      },
    },
  };
}

import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';
import type { components } from '../../api/schema';
import type { Board, Deal } from '../../api/types';

export type DealBody = components['schemas']['DealBody'];
export type DealPatch = components['schemas']['DealPatch'];

export const boardKey = (pipelineId: string) => ['deals', 'board', pipelineId] as const;

export function usePipelines() {
  return useQuery({
    queryKey: ['pipelines'],
    staleTime: 5 * 60_000,
    queryFn: ({ signal }) => unwrap(api.GET('/api/pipelines', { signal })),
    select: (list) => list.data,
  });
}

export function useBoard(pipelineId: string | undefined) {
  return useQuery({
    queryKey: boardKey(pipelineId ?? ''),
    enabled: Boolean(pipelineId),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/pipelines/{id}/deals', { params: { path: { id: pipelineId ?? '' } }, signal })),
  });
}

export function useDeal(id: string) {
  return useQuery({
    queryKey: ['deals', 'one', id],
    queryFn: ({ signal }) => unwrap(api.GET('/api/deals/{id}', { params: { path: { id } }, signal })),
  });
}

export function useDealHistory(id: string) {
  return useQuery({
    queryKey: ['deals', 'history', id],
    queryFn: ({ signal }) => unwrap(api.GET('/api/deals/{id}/history', { params: { path: { id } }, signal })),
    select: (h) => h.data,
  });
}

/** The board with `deal` moved to `stageId`, at the top of its column. Totals are left to the server. */
export function moveOnBoard(board: Board, dealId: string, stageId: string): Board {
  const deal = board.stages.flatMap((c) => c.deals).find((d) => d.id === dealId);
  if (!deal) return board;
  const target = board.stages.find((c) => c.stage.id === stageId);
  const moved: Deal = { ...deal, stage_id: stageId, status: target?.stage.kind ?? deal.status };
  return {
    ...board,
    stages: board.stages.map((col) => {
      if (col.stage.id === stageId && deal.stage_id !== stageId)
        return { ...col, count: col.count + 1, deals: [moved, ...col.deals] };
      if (col.stage.id === deal.stage_id && deal.stage_id !== stageId)
        return { ...col, count: col.count - 1, deals: col.deals.filter((d) => d.id !== dealId) };
      return col;
    }),
  };
}

function invalidateDeal(queryClient: QueryClient, deal: Deal) {
  queryClient.setQueryData(['deals', 'one', deal.id], deal);
  return Promise.all([
    // Boards, histories and the deal lists of contacts and companies.
    queryClient.invalidateQueries({
      queryKey: ['deals'],
      predicate: (q) => q.queryKey[1] !== 'one' || q.queryKey[2] !== deal.id,
    }),
    queryClient.invalidateQueries({ queryKey: ['forecast'] }),
  ]);
}

export interface MoveVars {
  dealId: string;
  pipelineId: string;
  stageId: string;
  lostReason?: string;
}

/** Moves a deal to another stage at once on the board; rolls back if the server refuses. */
export function useMoveDeal() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ dealId, stageId, lostReason }: MoveVars) => {
      const body: DealPatch = { stage_id: stageId };
      if (lostReason !== undefined) body.lost_reason = lostReason;
      return unwrap(api.PATCH('/api/deals/{id}', { params: { path: { id: dealId } }, body }));
    },
    onMutate: async ({ dealId, pipelineId, stageId }) => {
      const key = boardKey(pipelineId);
      await queryClient.cancelQueries({ queryKey: key });
      const before = queryClient.getQueryData<Board>(key);
      if (before) queryClient.setQueryData(key, moveOnBoard(before, dealId, stageId));
      return { before, key };
    },
    onError: (_error, _vars, context) => {
      if (context?.before) queryClient.setQueryData(context.key, context.before);
    },
    onSuccess: (deal) => invalidateDeal(queryClient, deal),
  });
}

export function useSaveDeal(id?: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: DealBody) =>
      id
        ? unwrap(api.PUT('/api/deals/{id}', { params: { path: { id } }, body }))
        : unwrap(api.POST('/api/deals', { body })),
    onSuccess: (deal) => invalidateDeal(queryClient, deal),
  });
}

/** Appends the next page of one column (`GET /api/deals?stage_id&cursor`) to the cached board. */
export function useLoadMoreInColumn(pipelineId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ stageId, cursor }: { stageId: string; cursor: string }) =>
      unwrap(api.GET('/api/deals', { params: { query: { stage_id: stageId, cursor } } })),
    onSuccess: (page, { stageId }) => {
      queryClient.setQueryData<Board>(boardKey(pipelineId), (board) =>
        board
          ? {
              ...board,
              stages: board.stages.map((col) =>
                col.stage.id === stageId
                  ? { ...col, deals: [...col.deals, ...page.data], next_cursor: page.next_cursor ?? null }
                  : col,
              ),
            }
          : board,
      );
    },
  });
}

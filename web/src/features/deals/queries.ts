import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';
import type { components } from '../../api/schema';
import type { Board, Deal, DealListQuery } from '../../api/types';

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

/** The deal list's built-in sorts (custom fields add theirs). */
export const dealSorts = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: '-amount', label: 'Amount, high to low' },
  { value: 'amount', label: 'Amount, low to high' },
  { value: 'title', label: 'Title A–Z' },
  { value: '-title', label: 'Title Z–A' },
  { value: '-updated_at', label: 'Recently updated' },
] as const;

export const dealStatuses = ['open', 'won', 'lost'] as const;
export type DealStatus = (typeof dealStatuses)[number];

/** Every deal the filters let through, a page at a time (`GET /api/deals`, keyset paged). */
export function useDealList(filters: {
  q: string;
  sort: string;
  pipeline_id?: string | null;
  stage_id?: string | null;
  status?: DealStatus | null;
  owner_id?: string | null;
  /** `cf.*` filters: not in the API document, so passed through as they are. */
  custom?: Record<string, string>;
}) {
  return useInfiniteQuery({
    queryKey: ['deals', 'list', filters],
    initialPageParam: null as string | null,
    placeholderData: keepPreviousData,
    queryFn: ({ pageParam, signal }) => {
      const query = { sort: filters.sort, ...filters.custom } as DealListQuery;
      if (filters.q) query.q = filters.q;
      if (filters.pipeline_id) query.pipeline_id = filters.pipeline_id;
      if (filters.stage_id) query.stage_id = filters.stage_id;
      if (filters.status) query.status = filters.status;
      if (filters.owner_id) query.owner_id = filters.owner_id;
      if (pageParam) query.cursor = pageParam;
      return unwrap(api.GET('/api/deals', { params: { query }, signal }));
    },
    getNextPageParam: (page) => page.next_cursor ?? null,
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

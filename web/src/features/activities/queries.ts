import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';
import type { components } from '../../api/schema';

export type ActivityBody = components['schemas']['ActivityBody'];

/** Which record a timeline belongs to. */
export type TimelineOwner = { kind: 'contact' | 'company' | 'deal'; id: string };

export const timelineKey = (owner: TimelineOwner) => ['activities', owner.kind, owner.id] as const;

export function useTimeline(owner: TimelineOwner) {
  return useInfiniteQuery({
    queryKey: timelineKey(owner),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => {
      const query = pageParam ? { cursor: pageParam } : {};
      const path = { id: owner.id };
      if (owner.kind === 'contact')
        return unwrap(api.GET('/api/contacts/{id}/activities', { params: { path, query }, signal }));
      if (owner.kind === 'company')
        return unwrap(api.GET('/api/companies/{id}/activities', { params: { path, query }, signal }));
      return unwrap(api.GET('/api/deals/{id}/activities', { params: { path, query }, signal }));
    },
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
}

export function useLogActivity() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ActivityBody) => unwrap(api.POST('/api/activities', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['activities'] }),
  });
}

export function useCompleteTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, done }: { id: string; done: boolean }) =>
      unwrap(api.PATCH('/api/activities/{id}', { params: { path: { id } }, body: { done } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['activities'] }),
  });
}

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../api/client';
import { unwrap } from '../api/result';
import { useSession } from './session';

/** The organization's members, for owner names and pickers (shared by every feature). */
export function useMembers() {
  const orgId = useSession().organization.id;
  return useQuery({
    queryKey: ['members', orgId],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/organizations/{id}/members', { params: { path: { id: orgId } }, signal })),
    staleTime: 5 * 60_000,
    select: (page) => page.data,
  });
}

/**
 * `owner_id` → name, "—" when unknown or unowned. The function is the same
 * until the members change, so memoized rows and cards can take it as a prop.
 */
export function useOwnerName(): (id: string | null | undefined) => string {
  const members = useMembers().data;
  return useMemo(() => {
    const names = new Map((members ?? []).map((m) => [m.user_id, m.name]));
    return (id: string | null | undefined) => {
      if (!id) return '—';
      if (!members) return '…';
      return names.get(id) ?? 'Former member';
    };
  }, [members]);
}

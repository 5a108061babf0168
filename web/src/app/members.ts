import { useQuery } from '@tanstack/react-query';
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

/** `owner_id` → name, "—" when unknown or unowned. */
export function useOwnerName(): (id: string | null | undefined) => string {
  const members = useMembers().data;
  const names = new Map((members ?? []).map((m) => [m.user_id, m.name]));
  return (id) => {
    if (!id) return '—';
    if (!members) return '…';
    return names.get(id) ?? 'Former member';
  };
}

import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';
import type { components } from '../../api/schema';
import type { ContactListQuery, ContactSort } from '../../api/types';

export type ContactBody = components['schemas']['ContactBody'];

export const contactSorts = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: 'last_name', label: 'Last name A–Z' },
  { value: '-last_name', label: 'Last name Z–A' },
  { value: 'first_name', label: 'First name A–Z' },
  { value: '-updated_at', label: 'Recently updated' },
] as const;

export function useContactList(filters: {
  q: string;
  sort: ContactSort;
  owner_id?: string | null;
  /** `cf.*` filters: not in the API document, so passed through as they are. */
  custom?: Record<string, string>;
}) {
  return useInfiniteQuery({
    queryKey: ['contacts', 'list', filters],
    initialPageParam: null as string | null,
    placeholderData: keepPreviousData,
    queryFn: ({ pageParam, signal }) => {
      const query = { sort: filters.sort, ...filters.custom } as ContactListQuery;
      if (filters.q) query.q = filters.q;
      if (filters.owner_id) query.owner_id = filters.owner_id;
      if (pageParam) query.cursor = pageParam;
      return unwrap(api.GET('/api/contacts', { params: { query }, signal }));
    },
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
}

export function useContact(id: string) {
  return useQuery({
    queryKey: ['contacts', 'one', id],
    queryFn: ({ signal }) => unwrap(api.GET('/api/contacts/{id}', { params: { path: { id } }, signal })),
  });
}

export function useContactDeals(id: string) {
  return useQuery({
    queryKey: ['deals', 'of-contact', id],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/contacts/{id}/deals', { params: { path: { id } }, signal })),
  });
}

export function useSaveContact(id?: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ContactBody) =>
      id
        ? unwrap(api.PUT('/api/contacts/{id}', { params: { path: { id } }, body }))
        : unwrap(api.POST('/api/contacts', { body })),
    onSuccess: (contact) => {
      queryClient.setQueryData(['contacts', 'one', contact.id], contact);
      // Lists, company pages and the palette all show contacts.
      return queryClient.invalidateQueries({
        queryKey: ['contacts'],
        predicate: (q) => q.queryKey[1] !== 'one' || q.queryKey[2] !== contact.id,
      });
    },
  });
}

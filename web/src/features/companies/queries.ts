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
import type { CompanyListQuery, CompanySort } from '../../api/types';

export type CompanyBody = components['schemas']['CompanyBody'];

export function useCompanyList(filters: {
  q: string;
  sort: CompanySort;
  owner_id?: string | null;
  /** `cf.*` filters: not in the API document, so passed through as they are. */
  custom?: Record<string, string>;
}) {
  return useInfiniteQuery({
    queryKey: ['companies', 'list', filters],
    initialPageParam: null as string | null,
    placeholderData: keepPreviousData,
    queryFn: ({ pageParam, signal }) => {
      const query = { sort: filters.sort, ...filters.custom } as CompanyListQuery;
      if (filters.q) query.q = filters.q;
      if (filters.owner_id) query.owner_id = filters.owner_id;
      if (pageParam) query.cursor = pageParam;
      return unwrap(api.GET('/api/companies', { params: { query }, signal }));
    },
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
}

export function useCompany(id: string | null | undefined) {
  return useQuery({
    queryKey: ['companies', 'one', id],
    enabled: Boolean(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/companies/{id}', { params: { path: { id: id ?? '' } }, signal })),
  });
}

export function useCompanyContacts(id: string) {
  return useQuery({
    queryKey: ['contacts', 'of-company', id],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/companies/{id}/contacts', { params: { path: { id } }, signal })),
  });
}

export function useCompanyDeals(id: string) {
  return useQuery({
    queryKey: ['deals', 'of-company', id],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/companies/{id}/deals', { params: { path: { id } }, signal })),
  });
}

export function useSaveCompany(id?: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CompanyBody) =>
      id
        ? unwrap(api.PUT('/api/companies/{id}', { params: { path: { id } }, body }))
        : unwrap(api.POST('/api/companies', { body })),
    onSuccess: (company) => {
      queryClient.setQueryData(['companies', 'one', company.id], company);
      return queryClient.invalidateQueries({
        queryKey: ['companies'],
        predicate: (q) => q.queryKey[1] !== 'one' || q.queryKey[2] !== company.id,
      });
    },
  });
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';

export interface ImportOptions {
  file: File;
  mapping: Record<string, string>;
  mode: 'skip' | 'update';
  createCompanies: boolean;
}

export function useStartImport() {
  return useMutation({
    mutationFn: ({ file, mapping, mode, createCompanies }: ImportOptions) =>
      unwrap(
        api.POST('/api/contacts/import', {
          params: {
            query: { mode, create_companies: createCompanies, mapping: JSON.stringify(mapping) },
          },
          // The document types the body as CSV text; the File itself is
          // sent so a large file streams instead of being read into memory.
          body: '',
          bodySerializer: () => file,
          headers: { 'Content-Type': 'text/csv' },
        }),
      ),
  });
}

const finished = new Set(['done', 'failed', 'undone']);

/** One import, polled every second until it finishes; then lists show the new records. */
export function useImport(id: string | null) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: ['imports', id],
    enabled: id !== null,
    queryFn: async ({ signal }) => {
      const view = await unwrap(api.GET('/api/imports/{id}', { params: { path: { id: id ?? '' } }, signal }));
      if (finished.has(view.status)) {
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: ['contacts'] }),
          queryClient.invalidateQueries({ queryKey: ['companies'] }),
        ]);
      }
      return view;
    },
    refetchInterval: (query) => (query.state.data && finished.has(query.state.data.status) ? false : 1000),
  });
}

export function useUndoImport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/imports/{id}/undo', { params: { path: { id } } })),
    onSuccess: (view) => {
      queryClient.setQueryData(['imports', view.id], view);
      return queryClient.invalidateQueries({ queryKey: ['contacts'] });
    },
  });
}

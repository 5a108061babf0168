import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { send, unwrap } from '../../api/result';
import type { components } from '../../api/schema';
import type { Company, Contact, CustomField, Deal } from '../../api/types';
import { positionChanges } from './order';
import type { CustomEntity } from './values';

export type CustomFieldBody = components['schemas']['CustomFieldBody'];
export type CustomFieldPatch = components['schemas']['CustomFieldPatch'];

export const customFieldsKey = (entity: CustomEntity) => ['custom-fields', entity] as const;

/** The record queries of each entity (`[plural, 'one', id]` holds one record). */
const recordKey: Record<CustomEntity, string> = { contact: 'contacts', company: 'companies', deal: 'deals' };

/** The fields defined for one kind of record, in their order. */
export function useCustomFields(entity: CustomEntity) {
  return useQuery({
    queryKey: customFieldsKey(entity),
    staleTime: 60_000,
    queryFn: ({ signal }) => unwrap(api.GET('/api/custom-fields', { params: { query: { entity } }, signal })),
    select: (list) => list.data,
  });
}

/** Defining, changing and deleting fields (admins); records are refetched, their values may change. */
export function useFieldMutations(entity: CustomEntity) {
  const queryClient = useQueryClient();
  const done = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: customFieldsKey(entity) }),
      queryClient.invalidateQueries({ queryKey: [recordKey[entity]] }),
    ]);
  return {
    create: useMutation({
      mutationFn: (body: CustomFieldBody) => unwrap(api.POST('/api/custom-fields', { body })),
      onSuccess: done,
    }),
    update: useMutation({
      mutationFn: ({ id, body }: { id: string; body: CustomFieldPatch }) =>
        unwrap(api.PATCH('/api/custom-fields/{id}', { params: { path: { id } }, body })),
      onSuccess: done,
    }),
    /**
     * Puts the fields in a new order (`PATCH position` of each one that moved).
     * The list shows it at once and goes back if the server refuses.
     */
    reorder: useMutation({
      mutationFn: ({ before, after }: { before: CustomField[]; after: CustomField[] }) =>
        Promise.all(
          positionChanges(before, after).map(({ id, position }) =>
            unwrap(api.PATCH('/api/custom-fields/{id}', { params: { path: { id } }, body: { position } })),
          ),
        ),
      onMutate: async ({ before, after }) => {
        await queryClient.cancelQueries({ queryKey: customFieldsKey(entity) });
        queryClient.setQueryData(customFieldsKey(entity), { data: after });
        return { before };
      },
      onError: (_error, _vars, context) => {
        if (context) queryClient.setQueryData(customFieldsKey(entity), { data: context.before });
      },
      onSettled: done,
    }),
    remove: useMutation({
      mutationFn: (field: CustomField) =>
        send(api.DELETE('/api/custom-fields/{id}', { params: { path: { id: field.id } } })),
      onSuccess: done,
    }),
  };
}

function patchRecord(
  entity: CustomEntity,
  id: string,
  values: Record<string, unknown>,
): Promise<Contact | Company | Deal> {
  const init = { params: { path: { id } }, body: { custom_fields: values } };
  switch (entity) {
    case 'contact':
      return unwrap(api.PATCH('/api/contacts/{id}', init));
    case 'company':
      return unwrap(api.PATCH('/api/companies/{id}', init));
    case 'deal':
      return unwrap(api.PATCH('/api/deals/{id}', init));
  }
}

/** Saves some custom values of one record (`PATCH {custom_fields}`); other keys keep theirs. */
export function useSaveCustomValues(entity: CustomEntity, id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (values: Record<string, unknown>) => patchRecord(entity, id, values),
    onSuccess: (record) => {
      const plural = recordKey[entity];
      queryClient.setQueryData([plural, 'one', id], record);
      // Lists (and the board for deals) show the values too.
      return queryClient.invalidateQueries({
        queryKey: [plural],
        predicate: (q) => q.queryKey[1] !== 'one' || q.queryKey[2] !== id,
      });
    },
  });
}

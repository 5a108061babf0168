import { useSearchParams } from 'react-router';
import { oneOf } from '../../api/types';
import { customColumns, customFilterParams, customSortParam, useCustomFields } from '../customFields';
import type { CustomEntity } from '../customFields/values';
import { visibleColumns } from './listParams';

type Choice = { value: string; label: string };

/**
 * What a record list reads from its address beside its own filters: the
 * kind's custom fields, the sort (a custom field the list can still use,
 * else one of its built-in sorts), the custom filters, and the columns —
 * built-in ones, then custom fields (`cf.<key>`) — with those to show.
 */
export function useListSettings(
  entity: CustomEntity,
  sorts: readonly Choice[],
  defaultSort: string,
  columns: readonly Choice[],
  defaultColumns: readonly string[],
) {
  const [params] = useSearchParams();
  const fieldsQuery = useCustomFields(entity);
  const customFields = fieldsQuery.data ?? [];
  const sort =
    customSortParam(params.get('sort'), fieldsQuery.data) ??
    oneOf(
      sorts.map((s) => s.value),
      params.get('sort'),
      defaultSort,
    );
  const custom = customFilterParams(params, fieldsQuery.data);
  const allColumns = [...columns, ...customColumns(customFields)];
  const shown = visibleColumns(params, defaultColumns);
  const show = (column: string) => shown.includes(column);
  return { customFields, sort, custom, allColumns, show };
}

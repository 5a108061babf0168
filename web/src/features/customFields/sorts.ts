/**
 * Sorting a list by a custom field: `sort=cf.<key>` (ascending) or
 * `sort=-cf.<key>` (descending); records without a value come last either way.
 */
import type { CustomField } from '../../api/types';

/** Long text and multi-select are the types the server cannot sort on. */
export function sortableFields(fields: CustomField[]): CustomField[] {
  return fields.filter((f) => f.type !== 'long_text' && f.type !== 'multi_select');
}

/** How each direction reads for a field's type: ascending first. */
function directions(field: CustomField): [string, string] {
  switch (field.type) {
    case 'number':
    case 'currency':
      return [`${field.label}, low to high`, `${field.label}, high to low`];
    case 'date':
      return [`${field.label}, earliest first`, `${field.label}, latest first`];
    case 'boolean':
      // The server orders false before true.
      return [`${field.label}, no first`, `${field.label}, yes first`];
    default:
      return [`${field.label} A–Z`, `${field.label} Z–A`];
  }
}

/** The sort choices of the fields, two per sortable field. */
export function customSorts(fields: CustomField[]): { value: string; label: string }[] {
  return sortableFields(fields).flatMap((f) => {
    const [up, down] = directions(f);
    return [
      { value: `cf.${f.key}`, label: up },
      { value: `-cf.${f.key}`, label: down },
    ];
  });
}

/**
 * The URL's custom field sort if the list can still use it, else null (the
 * list's default applies): a sort kept in a saved view of a since-deleted
 * field is left out instead of failing the whole list with a 422.
 */
export function customSortParam(sort: string | null, fields: CustomField[] | undefined): string | null {
  if (!sort) return null;
  const key = sort.replace(/^-/, '');
  if (!key.startsWith('cf.')) return null;
  // Fields not read yet: pass the sort on rather than show the list in another order first.
  if (!fields) return sort;
  return sortableFields(fields).some((f) => `cf.${f.key}` === key) ? sort : null;
}

/**
 * A list's sort choices for a Select: its own, then the custom fields' under
 * their own heading (when there are any).
 */
export function sortChoices(
  builtIn: readonly { value: string; label: string }[],
  fields: CustomField[],
): ({ value: string; label: string } | { group: string; items: { value: string; label: string }[] })[] {
  const custom = customSorts(fields);
  const own = builtIn.map((s) => ({ ...s }));
  return custom.length > 0 ? [...own, { group: 'Custom fields', items: custom }] : own;
}

/**
 * Custom field filters of a list, as the URL and the list API hold them:
 * `cf.<key>=<value>` (options: comma-separated keys, any of) and
 * `cf.<key>.gte` / `cf.<key>.lte` for number, amount and date ranges.
 */
import type { CustomField } from '../../api/types';
import { displayValue } from './values';

/** Long text is the one type the server cannot filter on. */
export function filterableFields(fields: CustomField[]): CustomField[] {
  return fields.filter((f) => f.type !== 'long_text');
}

export function isRanged(field: CustomField): boolean {
  return field.type === 'number' || field.type === 'currency' || field.type === 'date';
}

/** The URL parameters one field's filter may use. */
export function paramNames(field: CustomField): string[] {
  const base = `cf.${field.key}`;
  return isRanged(field) ? [`${base}.gte`, `${base}.lte`] : [base];
}

/**
 * The `cf.*` filters in the URL for fields the list still has: a filter
 * kept in a saved view of a since-deleted field is left out instead of
 * failing the whole list with a 422.
 */
export function customFilterParams(
  params: URLSearchParams,
  fields: CustomField[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  // Fields not read yet: pass the URL's filters on rather than show an unfiltered list first.
  if (!fields) {
    for (const [name, value] of params) if (name.startsWith('cf.') && value.trim()) out[name] = value.trim();
    return out;
  }
  for (const field of filterableFields(fields)) {
    for (const name of paramNames(field)) {
      const value = params.get(name)?.trim();
      if (value) out[name] = value;
    }
  }
  return out;
}

/** A filter's chip text, e.g. "Tier: Gold or Silver", "Seats 10 – 50", "Renewal from 1 Mar 2030". */
export function describeFilter(field: CustomField, filters: Record<string, string>): string | null {
  const base = `cf.${field.key}`;
  if (isRanged(field)) {
    const show = (v: string) => displayValue(field, v);
    const from = filters[`${base}.gte`];
    const to = filters[`${base}.lte`];
    if (from && to) return `${field.label}: ${show(from)} – ${show(to)}`;
    if (from) return `${field.label}: from ${show(from)}`;
    if (to) return `${field.label}: up to ${show(to)}`;
    return null;
  }
  const value = filters[base];
  if (!value) return null;
  switch (field.type) {
    case 'boolean':
      return `${field.label}: ${value === 'true' ? 'Yes' : 'No'}`;
    case 'single_select':
    case 'multi_select':
      return `${field.label}: ${value
        .split(',')
        .map((k) => field.options.find((o) => o.key === k)?.label ?? k)
        .join(' or ')}`;
    default:
      return `${field.label}: “${value}”`;
  }
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A range bound as typed is usable: blank, or a number (dates come from a date input). */
export function validBound(field: CustomField, value: string): boolean {
  const v = value.trim();
  return v === '' || field.type === 'date' || DECIMAL.test(v);
}

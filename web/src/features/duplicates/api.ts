import { api } from '../../api/client';
import { unwrap } from '../../api/result';

export type MergeKind = 'contact' | 'company';

/** The fields a merge chooses between, as the API names them, with labels. */
export const mergeFields: Record<MergeKind, { key: string; label: string }[]> = {
  contact: [
    { key: 'first_name', label: 'First name' },
    { key: 'last_name', label: 'Last name' },
    { key: 'email', label: 'E-mail' },
    { key: 'phone', label: 'Phone' },
    { key: 'title', label: 'Title' },
  ],
  company: [
    { key: 'name', label: 'Name' },
    { key: 'domain', label: 'Domain' },
    { key: 'phone', label: 'Phone' },
  ],
};

export const reasonLabels: Record<string, string> = {
  same_name: 'Same name',
  similar_name: 'Similar name',
  same_phone: 'Same phone',
};

export function fetchDuplicates(kind: MergeKind, cursor: string | null, signal: AbortSignal) {
  const params = { query: cursor ? { cursor } : {} };
  return kind === 'contact'
    ? unwrap(api.GET('/api/contacts/duplicates', { params, signal }))
    : unwrap(api.GET('/api/companies/duplicates', { params, signal }));
}

/** A record's values by field key, for the side-by-side choice. */
export async function fetchRecord(kind: MergeKind, id: string): Promise<Record<string, string | null>> {
  const path = { params: { path: { id } } };
  const record =
    kind === 'contact'
      ? await unwrap(api.GET('/api/contacts/{id}', path))
      : await unwrap(api.GET('/api/companies/{id}', path));
  return Object.fromEntries(
    mergeFields[kind].map(({ key }) => {
      const value = (record as unknown as Record<string, unknown>)[key];
      return [key, typeof value === 'string' ? value : null];
    }),
  );
}

export interface MergeRequest {
  winner_id: string;
  loser_id: string;
  fields: Record<string, 'winner' | 'loser'>;
  dry_run: boolean;
}

/** What a merge moved (or would move) and which fields the winner took. */
export interface MergeSummary {
  moved: Record<string, number>;
  fields: string[];
}

export async function merge(kind: MergeKind, body: MergeRequest): Promise<MergeSummary> {
  const result =
    kind === 'contact'
      ? await unwrap(api.POST('/api/contacts/merge', { body }))
      : await unwrap(api.POST('/api/companies/merge', { body }));
  return { moved: result.moved, fields: result.fields };
}

/** "2 deals and 1 activity", or null when nothing moves. */
export function describeMoves(moved: Record<string, number>): string | null {
  const names: Record<string, [string, string]> = {
    deals: ['deal', 'deals'],
    activities: ['activity', 'activities'],
    contacts: ['contact', 'contacts'],
  };
  const parts = Object.entries(moved)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => `${n} ${(names[key] ?? [key, key])[n === 1 ? 0 : 1]}`);
  if (parts.length === 0) return null;
  return parts.length === 1
    ? (parts[0] ?? null)
    : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

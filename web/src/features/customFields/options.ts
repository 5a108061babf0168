import { randomId } from '@mantine/hooks';
import type { FieldOption } from '../../api/types';

/** An option as the editor holds it: `key` is set for an existing option (renaming keeps it). */
export interface OptionRow {
  rowId: string;
  key: string | null;
  label: string;
}

export function newRow(label = ''): OptionRow {
  return { rowId: randomId(), key: null, label };
}

export function rowsOf(options: FieldOption[]): OptionRow[] {
  return options.map((o) => ({ rowId: randomId(), key: o.key ?? null, label: o.label }));
}

/** The options as the API takes them: a new one has no key (the server makes it from the label). */
export function optionsBody(rows: OptionRow[]): FieldOption[] {
  return rows.map((r) => (r.key ? { key: r.key, label: r.label.trim() } : { label: r.label.trim() }));
}

/** Existing options missing from the edited list: their values will be cleared. */
export function removedOptions(before: FieldOption[], rows: OptionRow[]): FieldOption[] {
  return before.filter((o) => !rows.some((r) => r.key === o.key));
}

/** Client-side check before the server's: every row needs a name. */
export function blankOptionErrors(rows: OptionRow[]): Record<string, string> {
  const errors: Record<string, string> = {};
  rows.forEach((r, i) => {
    if (r.label.trim() === '') errors[`options.${i}.label`] = 'Name the option or remove it';
  });
  return errors;
}

/**
 * Custom field values between the API and the screens. The server keeps
 * numbers and amounts as decimal strings, dates as `YYYY-MM-DD`, selects as
 * option keys; people see labels, formatted numbers and dates.
 */
import type { CustomField } from '../../api/types';
import { formatDate } from '../../ui/dates';
import { formatMoney } from '../../ui/money';

export type CustomEntity = 'contact' | 'company' | 'deal';

export const customEntities: { value: CustomEntity; label: string; one: string }[] = [
  { value: 'contact', label: 'Contacts', one: 'contact' },
  { value: 'company', label: 'Companies', one: 'company' },
  { value: 'deal', label: 'Deals', one: 'deal' },
];

export const fieldTypes = [
  { value: 'text', label: 'Text' },
  { value: 'long_text', label: 'Long text' },
  { value: 'number', label: 'Number' },
  { value: 'currency', label: 'Amount of money' },
  { value: 'date', label: 'Date' },
  { value: 'boolean', label: 'Yes / no' },
  { value: 'single_select', label: 'Pick one from a list' },
  { value: 'multi_select', label: 'Pick several from a list' },
] as const;

export type FieldType = (typeof fieldTypes)[number]['value'];

export function typeName(type: string): string {
  return fieldTypes.find((t) => t.value === type)?.label ?? type;
}

export function hasOptions(type: string): boolean {
  return type === 'single_select' || type === 'multi_select';
}

/** "Contract renewal (EU)" → `contract_renewal_eu`: the key the server accepts. */
export function keyFromLabel(label: string): string {
  const key = label
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (key === '') return '';
  return (/^[a-z]/.test(key) ? key : `f_${key}`).slice(0, 40).replace(/_+$/, '');
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 20 });

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function optionLabel(field: CustomField, key: unknown): string {
  return field.options.find((o) => o.key === key)?.label ?? asText(key);
}

/** What a person sees for a stored value; "—" when the record has none. */
export function displayValue(field: CustomField, value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  switch (field.type) {
    case 'boolean':
      return value === true ? 'Yes' : 'No';
    case 'single_select':
      return optionLabel(field, value);
    case 'multi_select':
      return Array.isArray(value) && value.length > 0
        ? value.map((k: unknown) => optionLabel(field, k)).join(', ')
        : '—';
    case 'date':
      return formatDate(asText(value));
    case 'currency':
      return formatMoney(asText(value), field.currency ?? '');
    case 'number': {
      const text = asText(value);
      // The string overload keeps every digit (no float rounding).
      return DECIMAL.test(text) ? numberFormat.format(text as `${number}`) : text;
    }
    default:
      return asText(value);
  }
}

/** A value as an input holds it. */
export type InputValue = string | boolean | string[] | null;

export function toInput(field: CustomField, value: unknown): InputValue {
  switch (field.type) {
    case 'boolean':
      return value === true;
    case 'single_select':
      return typeof value === 'string' ? value : null;
    case 'multi_select':
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    default:
      return typeof value === 'string' ? value : '';
  }
}

/** An input's value as the API takes it; `null` clears the field. */
export function toWire(field: CustomField, input: InputValue): unknown {
  if (field.type === 'boolean') return input === true;
  if (Array.isArray(input)) return input.length > 0 ? input : null;
  if (typeof input === 'string') return input.trim() === '' ? null : input.trim();
  return input;
}

/** Every field's input value for a record (`{}` for a new one). */
export function inputValues(fields: CustomField[], values: Record<string, unknown>) {
  return Object.fromEntries(fields.map((f) => [f.key, toInput(f, values[f.key])]));
}

/**
 * Only the fields the person changed: re-sending an untouched empty value
 * would be refused for a field that became required after the record was made.
 */
export function changedValues(
  fields: CustomField[],
  before: Record<string, InputValue>,
  after: Record<string, InputValue>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const next = toWire(f, after[f.key] ?? null);
    if (JSON.stringify(next) !== JSON.stringify(toWire(f, before[f.key] ?? null))) out[f.key] = next;
  }
  return out;
}

/** The values of a new record (only those given; required ones included). */
export function newRecordValues(fields: CustomField[], inputs: Record<string, InputValue>) {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const value = toWire(f, inputs[f.key] ?? null);
    if (value !== null && !(f.type === 'boolean' && value === false && !f.required)) out[f.key] = value;
  }
  return out;
}

/** `getInputProps` options for a field's input (a checkbox reports `checked`). */
export function inputOptions(field: CustomField): { type: 'checkbox' } | undefined {
  return field.type === 'boolean' ? { type: 'checkbox' } : undefined;
}

/** List columns for the fields, named `cf.<key>` as saved views store them. */
export function customColumns(fields: CustomField[]): { value: string; label: string }[] {
  return fields.map((f) => ({ value: `cf.${f.key}`, label: f.label }));
}

/** Whether a record holds a value for the field (`false` is one: it shows as "No"). */
function hasValue(value: unknown): boolean {
  return (
    value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)
  );
}

/**
 * The first `max` fields (in their order) the record has a value for, each
 * formatted as on the record's page: a short summary, e.g. on a board card.
 */
export function filledValues(
  fields: CustomField[],
  values: Record<string, unknown>,
  max: number,
): { key: string; label: string; text: string }[] {
  return fields
    .filter((f) => hasValue(values[f.key]))
    .slice(0, max)
    .map((f) => ({ key: f.key, label: f.label, text: displayValue(f, values[f.key]) }));
}

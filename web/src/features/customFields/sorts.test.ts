import { describe, expect, it } from 'vitest';
import type { CustomField } from '../../api/types';
import { moved, nextPosition, positionChanges } from './order';
import { customSortParam, customSorts, sortChoices } from './sorts';
import { filledValues } from './values';

function field(key: string, type: string, extra: Partial<CustomField> = {}): CustomField {
  return {
    id: key,
    entity: 'deal',
    key,
    label: key,
    type,
    options: [],
    required: false,
    position: 0,
    ...extra,
  };
}

const tier = field('tier', 'single_select', {
  label: 'Tier',
  position: 0,
  options: [
    { key: 'gold', label: 'Gold' },
    { key: 'silver', label: 'Silver' },
  ],
});
const seats = field('seats', 'number', { label: 'Seats', position: 1 });
const renewal = field('renewal', 'date', { label: 'Renewal', position: 2 });
const notes = field('notes', 'long_text', { label: 'Notes', position: 3 });
const regions = field('regions', 'multi_select', { label: 'Regions', position: 4 });

describe('sorting by a custom field', () => {
  it('offers both directions of every sortable field, worded for its type', () => {
    expect(customSorts([tier, seats, renewal, notes, regions])).toEqual([
      { value: 'cf.tier', label: 'Tier A–Z' },
      { value: '-cf.tier', label: 'Tier Z–A' },
      { value: 'cf.seats', label: 'Seats, low to high' },
      { value: '-cf.seats', label: 'Seats, high to low' },
      { value: 'cf.renewal', label: 'Renewal, earliest first' },
      { value: '-cf.renewal', label: 'Renewal, latest first' },
    ]);
  });

  it('groups the custom sorts after the list’s own, and only when there are some', () => {
    const own = [{ value: 'name', label: 'Name A–Z' }] as const;
    expect(sortChoices(own, [notes])).toEqual([{ value: 'name', label: 'Name A–Z' }]);
    expect(sortChoices(own, [seats])).toEqual([
      { value: 'name', label: 'Name A–Z' },
      { group: 'Custom fields', items: customSorts([seats]) },
    ]);
  });

  it('keeps a sort on a field the list still has and can sort on', () => {
    const fields = [tier, seats, notes, regions];
    expect(customSortParam('-cf.seats', fields)).toBe('-cf.seats');
    expect(customSortParam('cf.tier', fields)).toBe('cf.tier');
    expect(customSortParam('cf.gone', fields)).toBeNull();
    expect(customSortParam('cf.notes', fields)).toBeNull();
    expect(customSortParam('-cf.regions', fields)).toBeNull();
    expect(customSortParam('-created_at', fields)).toBeNull();
    expect(customSortParam(null, fields)).toBeNull();
    // Before the fields are read, the URL's sort is passed on.
    expect(customSortParam('cf.seats', undefined)).toBe('cf.seats');
  });
});

describe('ordering fields', () => {
  const fields = [tier, seats, renewal];

  it('moves a field and changes only the positions that differ', () => {
    const after = moved(fields, 2, -1);
    expect(after.map((f) => f.key)).toEqual(['tier', 'renewal', 'seats']);
    expect(positionChanges(fields, after)).toEqual([
      { id: 'renewal', position: 1 },
      { id: 'seats', position: 2 },
    ]);
  });

  it('gives fields that shared a position their own', () => {
    const same = fields.map((f) => ({ ...f, position: 0 }));
    expect(positionChanges(same, moved(same, 0, 1))).toEqual([
      { id: 'tier', position: 1 },
      { id: 'renewal', position: 2 },
    ]);
  });

  it('does not move past either end', () => {
    expect(moved(fields, 0, -1)).toBe(fields);
    expect(moved(fields, 2, 1)).toBe(fields);
  });

  it('puts a new field after every other', () => {
    expect(nextPosition([])).toBe(0);
    expect(nextPosition([tier, field('x', 'text', { position: 7 })])).toBe(8);
  });
});

describe('a board card’s values', () => {
  it('shows the first fields that have a value, in order, as the record page does', () => {
    const fields = [tier, seats, renewal];
    expect(filledValues(fields, { seats: '12', renewal: '2030-03-15' }, 2)).toEqual([
      { key: 'seats', label: 'Seats', text: '12' },
      { key: 'renewal', label: 'Renewal', text: expect.stringContaining('2030') as unknown },
    ]);
    expect(filledValues(fields, { tier: 'gold', seats: '12', renewal: '2030-03-15' }, 2)).toHaveLength(2);
    expect(filledValues([regions, tier], { regions: [], tier: 'silver' }, 2)).toEqual([
      { key: 'tier', label: 'Tier', text: 'Silver' },
    ]);
    expect(filledValues(fields, {}, 2)).toEqual([]);
  });
});

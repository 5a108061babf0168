import { describe, expect, it } from 'vitest';
import type { CustomField } from '../../api/types';
import { customFilterParams, describeFilter, filterableFields, validBound } from './filters';

function field(key: string, type: string, extra: Partial<CustomField> = {}): CustomField {
  return {
    id: key,
    entity: 'company',
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
  options: [
    { key: 'gold', label: 'Gold' },
    { key: 'silver', label: 'Silver' },
  ],
});
const seats = field('seats', 'number', { label: 'Seats' });
const notes = field('notes', 'long_text');
const active = field('active', 'boolean', { label: 'Active' });

describe('custom field filters', () => {
  it('leave out long text, which the server cannot filter', () => {
    expect(filterableFields([tier, notes, seats]).map((f) => f.key)).toEqual(['tier', 'seats']);
  });

  it('read from the URL only for fields the list has', () => {
    const params = new URLSearchParams('cf.tier=gold&cf.seats.gte=10&cf.gone=x&cf.notes=y&q=a');
    expect(customFilterParams(params, [tier, seats, notes])).toEqual({
      'cf.tier': 'gold',
      'cf.seats.gte': '10',
    });
    // Before the fields are read, every cf.* filter is passed on.
    expect(customFilterParams(params, undefined)).toEqual({
      'cf.tier': 'gold',
      'cf.seats.gte': '10',
      'cf.gone': 'x',
      'cf.notes': 'y',
    });
  });

  it('are described in words', () => {
    expect(describeFilter(tier, { 'cf.tier': 'gold,silver' })).toBe('Tier: Gold or Silver');
    expect(describeFilter(seats, { 'cf.seats.gte': '10', 'cf.seats.lte': '50' })).toBe('Seats: 10 – 50');
    expect(describeFilter(seats, { 'cf.seats.lte': '50' })).toBe('Seats: up to 50');
    expect(describeFilter(active, { 'cf.active': 'false' })).toBe('Active: No');
    expect(describeFilter(tier, {})).toBeNull();
  });

  it('take numbers or blanks as range bounds', () => {
    expect(validBound(seats, '12.5')).toBe(true);
    expect(validBound(seats, '')).toBe(true);
    expect(validBound(seats, 'ten')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { CustomField } from '../../api/types';
import { removedOptions, rowsOf, optionsBody } from './options';
import { changedValues, displayValue, inputValues, keyFromLabel, newRecordValues, toWire } from './values';

function field(type: string, extra: Partial<CustomField> = {}): CustomField {
  return {
    id: type,
    entity: 'company',
    key: type,
    label: type,
    type,
    options: [],
    required: false,
    position: 0,
    ...extra,
  };
}

const tier = field('single_select', {
  key: 'tier',
  options: [
    { key: 'gold', label: 'Gold' },
    { key: 'silver', label: 'Silver' },
  ],
});

describe('custom field keys', () => {
  it('are made from the label the way the server accepts them', () => {
    expect(keyFromLabel('Contract renewal (EU)')).toBe('contract_renewal_eu');
    expect(keyFromLabel('Échéance')).toBe('echeance');
    expect(keyFromLabel('2nd tier')).toBe('f_2nd_tier');
    expect(keyFromLabel('  ')).toBe('');
    expect(keyFromLabel('x'.repeat(50))).toHaveLength(40);
  });
});

describe('showing a value', () => {
  it('names options by their labels, never their keys', () => {
    expect(displayValue(tier, 'gold')).toBe('Gold');
    const many = field('multi_select', { options: tier.options });
    expect(displayValue(many, ['gold', 'silver'])).toBe('Gold, Silver');
    expect(displayValue(many, [])).toBe('—');
  });

  it('says yes or no, and a dash when there is no value', () => {
    expect(displayValue(field('boolean'), true)).toBe('Yes');
    expect(displayValue(field('boolean'), false)).toBe('No');
    expect(displayValue(field('text'), undefined)).toBe('—');
  });

  it('formats numbers and amounts without losing digits', () => {
    expect(displayValue(field('number'), '12345678901234567.5')).toMatch(/12.345.678.901.234.567.5/);
    expect(displayValue(field('currency', { currency: 'EUR' }), '1200.50')).toMatch(/1.200.50/);
  });
});

describe('editing values', () => {
  const seats = field('number', { key: 'seats' });
  const fields = [tier, seats, field('boolean', { key: 'vip' })];

  it('sends only what changed; an emptied field is cleared with null', () => {
    const before = inputValues(fields, { tier: 'gold', seats: '12' });
    const after = { ...before, tier: null, seats: ' 40 ' };
    expect(changedValues(fields, before, after)).toEqual({ tier: null, seats: '40' });
    expect(changedValues(fields, before, before)).toEqual({});
  });

  it('leaves out empty values of a new record', () => {
    expect(newRecordValues(fields, { tier: 'silver', seats: '', vip: false })).toEqual({ tier: 'silver' });
    expect(toWire(field('multi_select'), [])).toBeNull();
  });
});

describe('editing options', () => {
  it('keeps the keys of renamed options and names the removed ones', () => {
    const rows = rowsOf(tier.options).slice(0, 1);
    rows[0] = { ...rows[0], rowId: 'r', key: 'gold', label: 'Platinum ' };
    rows.push({ rowId: 'n', key: null, label: 'Bronze' });
    expect(optionsBody(rows)).toEqual([{ key: 'gold', label: 'Platinum' }, { label: 'Bronze' }]);
    expect(removedOptions(tier.options, rows)).toEqual([{ key: 'silver', label: 'Silver' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { describeMoves } from './api';

describe('describeMoves', () => {
  it('names what moves in plain words and leaves out what does not', () => {
    expect(describeMoves({ deals: 2, activities: 1 })).toBe('2 deals and 1 activity');
    expect(describeMoves({ contacts: 1, deals: 0, activities: 3 })).toBe('1 contact and 3 activities');
    expect(describeMoves({ contacts: 1, deals: 1, activities: 1 })).toBe('1 contact, 1 deal and 1 activity');
    expect(describeMoves({ deals: 0 })).toBeNull();
  });
});

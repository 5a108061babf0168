import { describe, expect, it } from 'vitest';
import { isOwnSearchWrite, searchWriteState, withSearchParam } from './urlSearch';

describe('isOwnSearchWrite', () => {
  it('recognizes the arrival of the box’s own write, even one the box has typed past', () => {
    // Wrote "smi", the user has typed "smith" since: the URL arriving at "smi" must not reset the box.
    expect(isOwnSearchWrite(searchWriteState('q', 'smi'), 'REPLACE', 'q', 'smi')).toBe(true);
  });

  it('takes a link or another navigation to a new value', () => {
    expect(isOwnSearchWrite(null, 'PUSH', 'q', 'acme')).toBe(false);
    expect(isOwnSearchWrite(undefined, 'REPLACE', 'q', '')).toBe(false);
    expect(isOwnSearchWrite({ from: '/contacts' }, 'PUSH', 'q', 'acme')).toBe(false);
  });

  it('takes back and forward, even to an entry the box wrote', () => {
    expect(isOwnSearchWrite(searchWriteState('q', 'smith'), 'POP', 'q', 'smith')).toBe(false);
  });

  it('matches the parameter and the value', () => {
    expect(isOwnSearchWrite(searchWriteState('q', 'smith'), 'REPLACE', 'q', 'smit')).toBe(false);
    expect(isOwnSearchWrite(searchWriteState('name', 'smith'), 'REPLACE', 'q', 'smith')).toBe(false);
    expect(isOwnSearchWrite({ searchBox: 'smith' }, 'REPLACE', 'q', 'smith')).toBe(false);
  });
});

describe('withSearchParam', () => {
  it('sets the parameter and keeps the others', () => {
    const next = withSearchParam(new URLSearchParams('sort=name&q=a'), 'q', 'smith ');
    expect(next.toString()).toBe('sort=name&q=smith+');
  });

  it('drops the parameter for an empty box', () => {
    expect(withSearchParam(new URLSearchParams('q=a&sort=name'), 'q', '').toString()).toBe('sort=name');
  });

  it('leaves the given parameters unchanged', () => {
    const params = new URLSearchParams('q=a');
    withSearchParam(params, 'q', 'b');
    expect(params.get('q')).toBe('a');
  });
});

import { describe, expect, it } from 'vitest';
import { onUrlValue } from './urlText';

describe('onUrlValue', () => {
  it('keeps the typed text when the URL catches up late', () => {
    // Typed "s", "sm", "smi"; the URL now shows "s".
    expect(onUrlValue(['s', 'sm', 'smi'], 's')).toEqual({ pending: ['sm', 'smi'] });
  });

  it('skips writes the URL never showed', () => {
    expect(onUrlValue(['s', 'sm', 'smi'], 'smi')).toEqual({ pending: [] });
  });

  it('takes a value that came from elsewhere', () => {
    expect(onUrlValue(['sm'], 'acme')).toEqual({ pending: [], replaceWith: 'acme' });
    expect(onUrlValue([], '')).toEqual({ pending: [], replaceWith: '' });
  });
});

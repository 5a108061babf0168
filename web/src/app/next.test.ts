import { describe, expect, it } from 'vitest';
import { safeNext, signInPath } from './next';

describe('sign-in redirects', () => {
  it('returns to the page the session expired on', () => {
    expect(signInPath('/deals?pipeline=1')).toBe('/sign-in?next=%2Fdeals%3Fpipeline%3D1');
    expect(safeNext('/deals?pipeline=1')).toBe('/deals?pipeline=1');
  });

  it('refuses to send anyone to another site', () => {
    expect(safeNext('https://evil.test')).toBe('/contacts');
    expect(safeNext('//evil.test')).toBe('/contacts');
    expect(safeNext(null)).toBe('/contacts');
  });
});

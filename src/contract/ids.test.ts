import { describe, expect, it } from 'vitest';
import { idPrefixes, newId } from './ids.js';

describe('newId', () => {
  it('names its kind and never repeats, across many pages of random bytes', () => {
    const ids = Array.from({ length: 5_000 }, () => newId('object'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^obj_[0-9a-z]{16}$/);
    expect(newId('delivery').startsWith(`${idPrefixes.delivery}_`)).toBe(true);
  });

  it('spreads its characters over the whole alphabet', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i++)
      for (const c of newId('alert').slice(5)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // 32,000 characters over 36 symbols: about 889 each; no symbol far off.
    for (const n of counts.values()) expect(n).toBeGreaterThan(500);
  });
});

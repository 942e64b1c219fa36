// Proves dotted numeric versions parse and compare part by part, with missing parts as zero.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, isPackVersion } from './pack-version.js';

describe('pack versions', () => {
  it('accepts one to four numeric parts and nothing else', () => {
    for (const v of ['1', '1.0', '1.0.2', '1.0.2.0', '7.5.8501.0']) expect(isPackVersion(v)).toBe(true);
    for (const v of ['', 'v1', '1.0.0.0.0', '1..0', '1.0-beta', ' 1.0']) expect(isPackVersion(v)).toBe(false);
  });

  it('compares numerically, not as text', () => {
    expect(compareVersions('1.0.10.0', '1.0.9.0')).toBe(1);
    expect(compareVersions('1.0.2.0', '1.0.10')).toBe(-1);
    expect(compareVersions('2', '1.99.99.99')).toBe(1);
  });

  it('treats missing parts as zero', () => {
    expect(compareVersions('1.0', '1.0.0.0')).toBe(0);
  });

  it('is antisymmetric for any two versions', () => {
    const part = fc.integer({ min: 0, max: 99999 });
    const version = fc.array(part, { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
    fc.assert(fc.property(version, version, (a, b) => compareVersions(a, b) === -compareVersions(b, a)));
  });
});

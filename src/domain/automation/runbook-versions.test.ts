// Proves the versioning rules: publish makes the next version unless the draft is what is published, and
// rollback republishes an earlier version as a new one, refusing unknown and current versions.
import { describe, expect, it } from 'vitest';
import { decidePublish, decideRollback, draftDiffers, nextVersion } from './runbook-versions.js';

const v = (version: number, content: string) => ({ version, content, parameters: [] });

describe('publishing', () => {
  it('makes version 1 first, then one more than the newest', () => {
    expect(nextVersion(null)).toBe(1);
    expect(decidePublish({ content: 'a', parameters: [] }, undefined)).toEqual({
      kind: 'publish',
      version: 1,
    });
    expect(decidePublish({ content: 'b', parameters: [] }, v(4, 'a'))).toEqual({
      kind: 'publish',
      version: 5,
    });
  });

  it('refuses to publish a draft identical to the published version; a parameter change counts', () => {
    expect(decidePublish({ content: 'a', parameters: [] }, v(2, 'a')).kind).toBe('unchanged');
    expect(decidePublish({ content: 'a', parameters: [{ name: 'x' }] }, v(2, 'a')).kind).toBe('publish');
    expect(draftDiffers({ content: 'a', parameters: [] }, v(2, 'a'))).toBe(false);
    expect(draftDiffers({ content: 'a', parameters: [] }, undefined)).toBe(true);
  });
});

describe('rolling back', () => {
  it('republishes an earlier version as the next version', () => {
    expect(decideRollback(v(1, 'a'), 1, v(3, 'c'))).toEqual({ kind: 'publish', version: 4 });
  });

  it('refuses an unknown version and the current one (or one with the same content)', () => {
    expect(decideRollback(undefined, 9, v(3, 'c')).kind).toBe('unknown-version');
    expect(decideRollback(v(3, 'c'), 3, v(3, 'c')).kind).toBe('unchanged');
    expect(decideRollback(v(1, 'c'), 1, v(3, 'c')).kind).toBe('unchanged');
  });
});

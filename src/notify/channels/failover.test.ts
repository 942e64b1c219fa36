import { describe, expect, it } from 'vitest';
import { afterAttempt, attemptOrder, initialFailover } from './failover.js';

describe('R39 failover', () => {
  it('tries the primary first, then the others in order', () => {
    expect(attemptOrder(initialFailover(), 3, 0, 300_000)).toEqual([0, 1, 2]);
  });

  it('stays on the backup until the primary retry interval has passed, then tries the primary again', () => {
    let s = afterAttempt(initialFailover(), 1, 1000);
    expect(s).toEqual({ current: 1, since: 1000 });
    expect(attemptOrder(s, 3, 1000 + 299_999, 300_000)).toEqual([1, 2, 0]);
    expect(attemptOrder(s, 3, 1000 + 300_000, 300_000)).toEqual([0, 1, 2]);
    // The primary still down: the backup goes on, the interval counts from the first switch.
    s = afterAttempt(s, 2, 2000);
    expect(s).toEqual({ current: 2, since: 1000 });
    s = afterAttempt(s, 0, 400_000);
    expect(s).toEqual({ current: 0, since: null });
  });

  it('with one endpoint, the interval has no effect (S29)', () => {
    const s = afterAttempt(initialFailover(), undefined, 5);
    expect(attemptOrder(s, 1, 10 ** 9, 1)).toEqual([0]);
  });
});

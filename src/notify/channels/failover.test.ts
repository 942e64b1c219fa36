// Proves the R39 failover position: the order endpoints are tried in, the switch to a backup, one try of the
// primary per retry interval while it stays down, and the return to it.
import { describe, expect, it } from 'vitest';
import { afterAttempt, attemptOrder, initialFailover, planAttempts } from './failover.js';

describe('R39 failover', () => {
  it('tries the primary first, then the others in order', () => {
    expect(attemptOrder(initialFailover(), 3, 0, 300_000)).toEqual([0, 1, 2]);
  });

  it('stays on the backup until the primary retry interval has passed, then tries the primary again', () => {
    let s = afterAttempt(initialFailover(), 1, 1000, true);
    expect(s).toEqual({ current: 1, since: 1000 });
    expect(attemptOrder(s, 3, 1000 + 299_999, 300_000)).toEqual([1, 2, 0]);
    expect(attemptOrder(s, 3, 1000 + 300_000, 300_000)).toEqual([0, 1, 2]);
    // The backup fails without the primary being tried: the interval still counts from the first switch.
    s = afterAttempt(s, 2, 2000, false);
    expect(s).toEqual({ current: 2, since: 1000 });
    s = afterAttempt(s, 0, 400_000, false);
    expect(s).toEqual({ current: 0, since: null });
  });

  it('restarts the interval when the primary is tried again and still fails, whoever takes the message', () => {
    const away = { current: 1, since: 1000 };
    expect(afterAttempt(away, 1, 301_000, true)).toEqual({ current: 1, since: 301_000 });
    expect(afterAttempt(away, 2, 301_000, true)).toEqual({ current: 2, since: 301_000 });
    expect(afterAttempt(away, undefined, 301_000, true)).toEqual({ current: 1, since: 301_000 });
    expect(attemptOrder({ current: 1, since: 301_000 }, 2, 302_000, 300_000)).toEqual([1, 0]);
  });

  it('a message that retries the primary restarts the interval at once, so others sent meanwhile do not wait on it', () => {
    const away = { current: 1, since: 1000 };
    const retry = planAttempts(away, 2, 301_000, 300_000);
    expect(retry).toEqual({ order: [0, 1], state: { current: 1, since: 301_000 } });
    expect(planAttempts(retry.state, 2, 301_500, 300_000).order).toEqual([1, 0]);
    expect(planAttempts(away, 2, 2000, 300_000)).toEqual({ order: [1, 0], state: away });
    // A message that went to the backup meanwhile leaves the channel on the primary it returned to.
    expect(afterAttempt({ current: 0, since: null }, 1, 302_000, false)).toEqual({ current: 0, since: null });
  });

  it('on the primary, a message no endpoint took leaves the channel there', () => {
    expect(afterAttempt(initialFailover(), undefined, 5, true)).toEqual({ current: 0, since: null });
  });

  it('with one endpoint, the interval has no effect (S29)', () => {
    const s = afterAttempt(initialFailover(), undefined, 5, true);
    expect(attemptOrder(s, 1, 10 ** 9, 1)).toEqual([0]);
    expect(planAttempts(s, 1, 10 ** 9, 1)).toEqual({ order: [0], state: s });
  });
});

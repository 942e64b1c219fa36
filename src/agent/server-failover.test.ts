// Proves the agent's server choice: the first server, the next after a network failure, back to the first later.
import { describe, expect, it } from 'vitest';
import { createFailover } from './server-failover.js';

describe('server failover', () => {
  it('moves to the next server when the current one fails, wrapping around', () => {
    let t = 0;
    const f = createFailover(['http://a', 'http://b', 'http://c'], { failbackMs: 1000, now: () => t });
    expect(f.current()).toBe('http://a');
    f.failed('http://a');
    expect(f.current()).toBe('http://b');
    f.failed('http://b');
    expect(f.current()).toBe('http://c');
    t = 500;
    f.failed('http://c');
    expect(f.current()).toBe('http://a');
  });

  it('goes back to the first server once the fail-back delay has passed', () => {
    let t = 0;
    const f = createFailover(['http://a', 'http://b'], { failbackMs: 1000, now: () => t });
    f.failed('http://a');
    t = 999;
    expect(f.current()).toBe('http://b');
    t = 1000;
    expect(f.current()).toBe('http://a');
  });

  it('ignores a failure reported for a server it has already moved away from', () => {
    const f = createFailover(['http://a', 'http://b'], { now: () => 0 });
    f.failed('http://a');
    f.failed('http://a');
    expect(f.current()).toBe('http://b');
  });

  it('refuses an empty server list', () => {
    expect(() => createFailover([])).toThrow(/at least one server/);
  });
});

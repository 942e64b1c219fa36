// Proves the agent's server choice: the first server, the next after a network failure, and back to a
// preferred server only when it is reported to answer again.
import { describe, expect, it } from 'vitest';
import { createFailover } from './server-failover.js';

describe('server failover', () => {
  it('moves to the next server when the current one fails, wrapping around', () => {
    const f = createFailover(['http://a', 'http://b', 'http://c']);
    expect(f.current()).toBe('http://a');
    f.failed('http://a');
    expect(f.current()).toBe('http://b');
    f.failed('http://b');
    expect(f.current()).toBe('http://c');
    f.failed('http://c');
    expect(f.current()).toBe('http://a');
  });

  it('stays on the server it moved to until a preferred one is reported to answer', () => {
    const f = createFailover(['http://a', 'http://b', 'http://c']);
    expect(f.preferred()).toEqual([]);
    f.failed('http://a');
    f.failed('http://b');
    expect(f.preferred()).toEqual(['http://a', 'http://b']);
    f.recovered('http://b');
    expect(f.current()).toBe('http://b');
    expect(f.preferred()).toEqual(['http://a']);
    // A server after the current one is no better: nothing changes.
    f.recovered('http://c');
    expect(f.current()).toBe('http://b');
    f.recovered('http://a');
    expect(f.current()).toBe('http://a');
  });

  it('ignores a failure reported for a server it has already moved away from', () => {
    const f = createFailover(['http://a', 'http://b']);
    f.failed('http://a');
    f.failed('http://a');
    expect(f.current()).toBe('http://b');
  });

  it('refuses an empty server list', () => {
    expect(() => createFailover([])).toThrow(/at least one server/);
  });
});

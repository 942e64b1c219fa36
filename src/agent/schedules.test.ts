// Proves the scheduler runs interval items at once and then on their interval, cron items on their expression,
// and that sync keeps unchanged timers, restarts changed ones and stops removed ones.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createScheduler } from './schedules.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('scheduler', () => {
  it('runs an interval item at once, then every interval, until it is removed', async () => {
    vi.useFakeTimers();
    const due: string[] = [];
    const s = createScheduler((id) => due.push(id));
    s.sync([{ id: 'W1', schedule: { intervalSeconds: 10 } }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(due).toEqual(['W1']);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(due).toEqual(['W1', 'W1', 'W1']);
    s.sync([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(due).toHaveLength(3);
    expect(s.ids()).toEqual([]);
  });

  it('keeps a timer whose schedule did not change and restarts one whose schedule did', async () => {
    vi.useFakeTimers();
    const due: string[] = [];
    const s = createScheduler((id) => due.push(id));
    s.sync([{ id: 'A', schedule: { intervalSeconds: 10 } }]);
    await vi.advanceTimersByTimeAsync(5_000);
    // Same schedule: no restart, so no extra immediate run.
    s.sync([{ id: 'A', schedule: { intervalSeconds: 10 } }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(due).toEqual(['A']);
    // New interval: restarted, which runs at once.
    s.sync([{ id: 'A', schedule: { intervalSeconds: 30 } }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(due).toEqual(['A', 'A']);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(due).toEqual(['A', 'A']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(due).toEqual(['A', 'A', 'A']);
    s.stop();
  });

  it('runs a cron item on its expression (every second with six fields)', async () => {
    const due: string[] = [];
    const s = createScheduler((id) => due.push(id));
    s.sync([{ id: 'C', schedule: { cron: '* * * * * *' } }]);
    expect(s.ids()).toEqual(['C']);
    await new Promise((r) => setTimeout(r, 2_200));
    s.stop();
    const n = due.length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(due.length).toBe(n);
  });
});

import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.js';

describe('createBatcher', () => {
  it('writes the items queued meanwhile in one statement and answers each caller in order', async () => {
    const statements: number[][] = [];
    const b = createBatcher(async (items: number[]) => {
      statements.push(items);
      await new Promise((r) => setTimeout(r, 5));
      return items.map((i) => i * 10);
    });
    const first = b.add(1);
    const rest = [b.add(2), b.add(3)];
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30]);
    const late = await Promise.all([4, 5, 6].map((i) => b.add(i)));
    expect(late).toEqual([40, 50, 60]);
    expect(statements.flat()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(statements.length).toBeLessThanOrEqual(3);
  });

  it('keeps batches within their limit and rejects only the callers of a failed statement', async () => {
    const sizes: number[] = [];
    const b = createBatcher(
      async (items: number[]) => {
        sizes.push(items.length);
        if (items.includes(3)) throw new Error('broken');
        return items;
      },
      { maxBatch: 2 },
    );
    const out = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => b.add(i)));
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(sizes).toEqual([2, 2, 1]);
    await b.flush();
  });

  it('gathers what is added in the same turn of the event loop, across awaits, into one statement', async () => {
    const statements: number[][] = [];
    const b = createBatcher(async (items: number[]) => {
      statements.push(items);
      return items;
    });
    const first = b.add(1);
    await Promise.resolve();
    await Promise.resolve();
    const second = b.add(2);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(statements).toEqual([[1, 2]]);
  });

  it('with retryAlone, writes a failed batch again item by item: only the item at fault is refused', async () => {
    const batches: number[][] = [];
    const b = createBatcher(
      async (items: number[]) => {
        batches.push(items);
        if (items.includes(3)) throw new Error('3 is refused');
        return items.map((i) => -i);
      },
      { retryAlone: true },
    );
    const out = await Promise.allSettled([1, 2, 3, 4].map((i) => b.add(i)));
    expect(out).toEqual([
      { status: 'fulfilled', value: -1 },
      { status: 'fulfilled', value: -2 },
      { status: 'rejected', reason: new Error('3 is refused') },
      { status: 'fulfilled', value: -4 },
    ]);
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('with concurrency, starts the next batch while one is still written, never more at once than allowed', async () => {
    const batches: number[][] = [];
    const gates: (() => void)[] = [];
    let writing = 0;
    let most = 0;
    const b = createBatcher(
      async (items: number[]) => {
        batches.push(items);
        most = Math.max(most, ++writing);
        await new Promise<void>((open) => gates.push(open));
        writing--;
        return items.map((i) => i * 2);
      },
      { concurrency: 2 },
    );
    const turn = () => new Promise((r) => setImmediate(r));
    const first = b.add(1);
    await turn();
    const second = b.add(2);
    await turn();
    const rest = [3, 4, 5].map((i) => b.add(i));
    await turn();
    // 1 is written, 2 beside it; 3, 4 and 5 wait for a free writer.
    expect(batches).toEqual([[1], [2]]);
    gates.shift()!();
    await turn();
    await turn();
    expect(batches).toEqual([[1], [2], [3, 4, 5]]);
    while (gates.length) gates.shift()!();
    expect(await Promise.all([first, second, ...rest])).toEqual([2, 4, 6, 8, 10]);
    expect(most).toBe(2);
    await b.flush();
    expect(writing).toBe(0);
  });

  it('flushes what every writer holds', async () => {
    const written: number[] = [];
    const b = createBatcher(
      async (items: number[]) => {
        await new Promise((r) => setTimeout(r, 10));
        written.push(...items);
        return items;
      },
      { concurrency: 3, maxBatch: 1 },
    );
    for (const i of [1, 2, 3, 4, 5]) void b.add(i);
    await b.flush();
    expect(written.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('with gatherMs, gathers items across turns until it is up, and flush does not wait for it', async () => {
    const statements: number[][] = [];
    const b = createBatcher(
      async (items: number[]) => {
        statements.push(items);
        return items;
      },
      { gatherMs: 60_000 },
    );
    const first = b.add(1);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
    const second = b.add(2);
    await new Promise((r) => setTimeout(r, 5));
    expect(statements).toEqual([]);
    await b.flush();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(statements).toEqual([[1, 2]]);
    // The next item gathers again, and a flush ends that too.
    const third = b.add(3);
    await b.flush();
    expect(await third).toBe(3);
    expect(statements).toEqual([[1, 2], [3]]);
  });

  it('with yieldBetween, lets the event loop run between one batch and the next', async () => {
    for (const yieldBetween of [false, true]) {
      const events: string[] = [];
      const b = createBatcher(
        async (items: number[]) => {
          // Work that arrives while the first batch is written (a request read from the network meanwhile).
          if (events.length === 0) setImmediate(() => events.push('other work'));
          events.push(`batch of ${items.length}`);
          return items;
        },
        { maxBatch: 100, yieldBetween },
      );
      const all = Array.from({ length: 250 }, (_, i) => b.add(i));
      await b.flush();
      expect(await Promise.all(all)).toEqual(Array.from({ length: 250 }, (_, i) => i));
      await new Promise((r) => setImmediate(r));
      expect(events, `yieldBetween: ${yieldBetween}`).toEqual(
        yieldBetween
          ? ['batch of 100', 'other work', 'batch of 100', 'batch of 50']
          : ['batch of 100', 'batch of 100', 'batch of 50', 'other work'],
      );
    }
  });

  it('with gatherCount, writes as soon as that many wait, and gathers again before each later batch', async () => {
    const statements: number[][] = [];
    let release: () => void = () => {};
    const b = createBatcher(
      async (items: number[]) => {
        statements.push(items);
        // The first statement is slow: items come one at a time meanwhile, as callers finish other work.
        if (statements.length === 1) await new Promise<void>((r) => (release = r));
        return items;
      },
      { gatherMs: 60_000, gatherCount: 3 },
    );
    const tick = () => new Promise((r) => setImmediate(r));
    const first = [b.add(1), b.add(2)];
    await tick();
    expect(statements).toEqual([]);
    first.push(b.add(3));
    await tick();
    expect(statements).toEqual([[1, 2, 3]]);
    // While it runs, one more comes: the next batch waits for its third item, not only for the statement.
    const later = [b.add(4)];
    release();
    await tick();
    later.push(b.add(5));
    await tick();
    expect(statements).toEqual([[1, 2, 3]]);
    later.push(b.add(6), b.add(7));
    await tick();
    expect(statements).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(await Promise.all([...first, ...later])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Fewer than gatherCount are written when gatherMs is up, or at a flush.
    const last = b.add(8);
    await b.flush();
    expect(await last).toBe(8);
    expect(statements).toEqual([[1, 2, 3], [4, 5, 6, 7], [8]]);
  });
});

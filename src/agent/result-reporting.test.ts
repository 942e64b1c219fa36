// Proves that a result the server refuses is dropped alone: the results beside it are still reported, and
// an unreachable server leaves everything not yet taken for the next try; and that the outbox sends the latest
// result of each pair together, keeps them through failures, and hands over what waits when it closes.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../contract/client.js';
import type { RunResult } from '../contract/results.js';
import { createResultOutbox, reportInParts } from './result-reporting.js';

const result = (n: number): RunResult => ({
  workflowId: `W${n}`,
  objectId: 'obj',
  startedAt: new Date(0).toISOString(),
  durationMs: 1,
  exitCode: 0,
  timedOut: false,
  outcome: 'ran',
  stdout: n === 7 ? 'poison' : '',
  stderr: '',
});

function recorder() {
  const lines: { obj: object; msg: string }[] = [];
  return { lines, warn: (obj: object, msg: string) => lines.push({ obj, msg }) };
}

describe('reportInParts', () => {
  it('drops only the result the server refuses and reports every other one', async () => {
    const taken: string[] = [];
    const posts: number[] = [];
    const log = recorder();
    const batch = Array.from({ length: 20 }, (_, i) => result(i));
    const done = new Set<RunResult>();
    await reportInParts(batch, done, {
      post: async (part) => {
        posts.push(part.length);
        if (part.some((r) => r.stdout === 'poison'))
          throw new ApiError(400, 'VALIDATION_FAILED', 'body.results[0].stdout: is invalid');
        taken.push(...part.map((r) => r.workflowId));
        return { refused: [], problems: [] };
      },
      log,
    });
    expect(taken.sort()).toEqual(
      batch
        .filter((r) => r.workflowId !== 'W7')
        .map((r) => r.workflowId)
        .sort(),
    );
    expect(done.size).toBe(20);
    // Halving finds one bad result among 20 in a handful of requests, not one request per result.
    expect(posts.length).toBeLessThan(12);
    expect(log.lines).toEqual([
      { obj: expect.objectContaining({ workflowId: 'W7' }), msg: 'result refused by the server: dropped' },
    ]);
  });

  it('throws when the server cannot be reached, leaving out of `done` what it did not take', async () => {
    const batch = Array.from({ length: 4 }, (_, i) => result(i + 5));
    const done = new Set<RunResult>();
    let calls = 0;
    await expect(
      reportInParts(batch, done, {
        post: async (part) => {
          calls += 1;
          if (part.some((r) => r.stdout === 'poison')) throw new ApiError(400, 'VALIDATION_FAILED', 'bad');
          if (calls > 2) throw new ApiError(0, 'UNAVAILABLE', 'Cannot reach the Steward server.');
          return { refused: [], problems: [] };
        },
        log: recorder(),
      }),
    ).rejects.toThrow('Cannot reach');
    // [5,6,7,8] refused → [5,6] taken → [7,8] refused → [7] dropped → [8] unreachable: only 8 stays.
    expect([...done].map((r) => r.workflowId)).toEqual(['W5', 'W6', 'W7']);
  });
});

describe('the result outbox', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const outbox = (post: (part: RunResult[]) => Promise<{ refused: []; problems: [] }>) =>
    createResultOutbox({
      post,
      log: recorder(),
      canSend: () => true,
      stopping: () => false,
      delayMs: 20,
      retryMs: 10,
      maxRetryMs: 40,
    });

  it('sends the latest result of each pair together, after a moment', async () => {
    const posts: RunResult[][] = [];
    const box = outbox(async (part) => {
      posts.push(part);
      return { refused: [], problems: [] };
    });
    box.report(result(1));
    box.report({ ...result(1), exitCode: 3 });
    box.report(result(2));
    expect(posts).toEqual([]);
    await wait(60);
    expect(posts).toEqual([[{ ...result(1), exitCode: 3 }, result(2)]]);
    expect(box.close()).toEqual([]);
  });

  it('keeps what it could not send and tries again, then hands over what still waits when closed', async () => {
    let calls = 0;
    const box = outbox(async () => {
      calls++;
      throw new Error('server unreachable');
    });
    const started = performance.now();
    box.report(result(1));
    while (calls < 3 && performance.now() - started < 5000) await wait(5);
    // Tried after 20 ms, then after waits of 20 and 40 ms (doubling from 10, at most 40): not every 10 ms.
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    box.report(result(2));
    expect(box.close()).toEqual([result(1), result(2)]);
    const after = calls;
    await wait(80);
    expect(calls).toBe(after);
  });
});

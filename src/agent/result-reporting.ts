// Reports run results: gathered a moment in an outbox (the latest per workflow and object), sent in batches, kept
// for the next try when the server cannot be reached, and sent so that one result the server refuses never holds
// back the others.
import { ApiError } from '../contract/client.js';
import { RESULTS_BATCH_MAX, type RunResult } from '../contract/results.js';

/** What the server answers to a batch it took (some items may still be refused one by one). */
interface ReportAnswer {
  refused: unknown[];
  problems: unknown[];
}

interface Log {
  warn(obj: object, msg: string): void;
}

/** The server refused the batch as a whole for what it holds: sending it again cannot help. */
const isRefusal = (err: unknown) => err instanceof ApiError && [400, 413, 422].includes(err.status);

/** Error details fit for a log line: code, status and message (server and runner messages hold no secret). */
export const errInfo = (err: unknown) =>
  err instanceof ApiError
    ? { code: err.code, status: err.status, message: err.message }
    : { message: err instanceof Error ? err.message : String(err) };

/**
 * Sends `batch`; a batch refused as a whole is halved until the refused result stands alone, and that one is
 * dropped with a log line. Every result the server took or that was dropped is added to `done`, so the caller
 * keeps only the rest when another failure (the server unreachable, say) is thrown.
 */
export async function reportInParts(
  batch: RunResult[],
  done: Set<RunResult>,
  deps: { post: (part: RunResult[]) => Promise<ReportAnswer>; log: Log },
): Promise<void> {
  try {
    const out = await deps.post(batch);
    for (const r of batch) done.add(r);
    if (out.refused.length) deps.log.warn({ refused: out.refused }, 'results refused by the server');
    if (out.problems.length)
      deps.log.warn({ problems: out.problems }, 'the server could not use part of the output');
  } catch (err) {
    if (!isRefusal(err)) throw err;
    if (batch.length === 1) {
      const [r] = batch as [RunResult];
      deps.log.warn(
        { workflowId: r.workflowId, objectId: r.objectId, err: errInfo(err) },
        'result refused by the server: dropped',
      );
      done.add(r);
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await reportInParts(batch.slice(0, half), done, deps);
    await reportInParts(batch.slice(half), done, deps);
  }
}

/** The key of a (workflow, object) pair: one result of each waits. */
export const pairKey = (workflowId: string, objectId: string) => `${workflowId}\u0000${objectId}`;

export interface ResultOutbox {
  /** Keeps the result (in place of an older one of its pair) and sends it with the others soon. */
  report(result: RunResult): void;
  /** Sends no more; returns what still waits, one batch at most, for a last try. */
  close(): RunResult[];
}

export function createResultOutbox(d: {
  post: (part: RunResult[]) => Promise<ReportAnswer>;
  log: Log;
  /** Whether results can be sent now (the agent is enrolled). */
  canSend: () => boolean;
  stopping: () => boolean;
  /** How long a result waits for others before they are sent. */
  delayMs: number;
  /** The first wait after a failure; it doubles up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
}): ResultOutbox {
  const outbox = new Map<string, RunResult>();
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();
  let retryMs = d.retryMs;
  const later = (ms: number) => {
    if (!timer) timer = setTimeout(() => void flush(), ms);
  };

  /** Sends what waits; on failure it stays (only the latest per pair) for the next try. */
  function flush(): Promise<void> {
    sending = sending.then(async () => {
      timer = undefined;
      if (outbox.size === 0 || !d.canSend()) return;
      const batch = [...outbox.values()].slice(0, RESULTS_BATCH_MAX);
      for (const r of batch) outbox.delete(pairKey(r.workflowId, r.objectId));
      const sent = new Set<RunResult>();
      try {
        await reportInParts(batch, sent, { post: d.post, log: d.log });
      } catch (err) {
        for (const r of batch) {
          const key = pairKey(r.workflowId, r.objectId);
          if (!sent.has(r) && !outbox.has(key)) outbox.set(key, r);
        }
        if (!d.stopping()) {
          d.log.warn({ err: errInfo(err), pending: outbox.size }, 'could not report results: will retry');
          // Doubling waits: a server that refuses (a revoked agent) is not asked every second.
          retryMs = Math.min(retryMs * 2, d.maxRetryMs);
          later(retryMs);
        }
        return;
      }
      retryMs = d.retryMs;
      if (outbox.size) later(0);
    });
    return sending;
  }

  return {
    report(result) {
      outbox.set(pairKey(result.workflowId, result.objectId), result);
      later(d.delayMs);
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
      const last = [...outbox.values()].slice(0, RESULTS_BATCH_MAX);
      outbox.clear();
      return last;
    },
  };
}

// Reports run results so that one result the server refuses never holds back the others.
import { ApiError } from '../contract/client.js';
import type { RunResult } from '../contract/results.js';

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

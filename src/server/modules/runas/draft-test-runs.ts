// Test runs of the drafts a migration off Run As wrote (step 4 of R65): each draft is started as a test job —
// the automation module's own test run of a draft — all at once, and waited for. A draft passes when its job
// completed and did not read the Run As certificate or connection (it signed in some other way: the identity).
import type { TestRunReport } from '../../../contract/runas-migrate.js';
import { hasEnded } from '../../../domain/automation/jobs.js';
import type { Principal } from '../../principal.js';
import type { JobsService } from '../automation/jobs-service.js';
import type { RunAsUsageService } from './runas-usage-service.js';

export interface DraftTestRunsDeps {
  jobs: Pick<JobsService, 'start' | 'get'>;
  usage: Pick<RunAsUsageService, 'jobsReading'>;
  now: () => Date;
  /** Between two looks at a running test job. */
  pollMs?: number;
}

/** A test run's outcome, with the content the job ran (to publish only that). */
export type TestRunOutcome = TestRunReport & { content: string | null };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a test run of each runbook's draft and waits up to `timeoutMs` for all: the outcome of each. */
export async function testRunDrafts(
  d: DraftTestRunsDeps,
  p: Principal,
  accountId: string,
  runbookIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, TestRunOutcome>> {
  const since = d.now();
  const out = new Map<string, TestRunOutcome>();
  const started = new Map<string, string>();
  for (const id of runbookIds) {
    try {
      const job = await d.jobs.start({ kind: 'user', principal: p }, id, {
        test: true,
        runOn: 'cloud',
        parameters: {},
      });
      started.set(id, job.id);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      out.set(id, { jobId: null, status: null, passed: false, content: null, reason: `not started: ${why}` });
    }
  }
  const until = Date.now() + timeoutMs;
  const pending = new Set(started.keys());
  while (pending.size) {
    for (const id of [...pending]) {
      const job = await d.jobs.get(started.get(id)!);
      if (!hasEnded(job.status)) continue;
      pending.delete(id);
      out.set(id, { jobId: job.id, status: job.status, passed: false, content: job.content, reason: '' });
    }
    if (!pending.size) break;
    if (Date.now() >= until) {
      for (const id of pending) {
        const job = await d.jobs.get(started.get(id)!);
        out.set(id, {
          jobId: job.id,
          status: job.status,
          passed: false,
          content: job.content,
          reason: `still ${job.status} after ${Math.round(timeoutMs / 1000)} s: see steward job show ${job.id}`,
        });
      }
      break;
    }
    await sleep(d.pollMs ?? 250);
  }
  const readRunAs = new Set((await d.usage.jobsReading(accountId, since)).map((j) => j.jobId));
  for (const [id, o] of out) {
    if (!o.jobId || o.reason) continue;
    const job = await d.jobs.get(o.jobId);
    if (job.status !== 'Completed')
      o.reason = `the test job ended ${job.status}${job.statusReason ? `: ${job.statusReason}` : ''} (steward job logs ${job.id})`;
    else if (readRunAs.has(o.jobId))
      o.reason = 'the test job completed but still read the Run As certificate or connection';
    else {
      o.passed = true;
      o.reason = 'completed without the Run As account';
    }
    out.set(id, o);
  }
  return out;
}

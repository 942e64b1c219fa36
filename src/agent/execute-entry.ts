// One run of one (workflow, object) entry, the same everywhere a workflow runs — the agent's schedules, tasks
// on demand, and pool members running pool-hosted work: the resolved credential or, when the account is not
// on this health service, no run at all (R22); output capped; the outcome in the shape results are reported.
import type { AccountType } from '../contract/accounts.js';
import type { OpenedCredential } from '../contract/agents.js';
import { RESULT_OUTPUT_MAX_CHARS, type RunOutcome } from '../contract/results.js';
import { type AgentConfig, type ConfigEntry, decideRun } from './run-plan.js';
import {
  type RunActionOptions,
  type RunResult as RunnerResult,
  runAction,
  type WorkflowAction,
} from './workflow-runner.js';

export interface EntryRun {
  outcome: RunOutcome;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  accountId?: string;
  accountVersion?: number;
  stdout: string;
  stderr: string;
  /** Why it ran as it did, or why it did not run: for logs. */
  why: string;
  ranAs?: string;
}

export interface ExecuteEntryInput {
  entry: ConfigEntry;
  action: WorkflowAction;
  properties: Record<string, unknown>;
  config: Pick<AgentConfig, 'defaultActionAccountId'>;
  held: ReadonlyMap<string, OpenedCredential>;
  /** Overrides the action's own timeout (task runs). */
  timeoutMs?: number;
  switchUser?: boolean;
  tempRoot?: string;
  /** For tests; the real runner otherwise. */
  run?: (options: RunActionOptions) => Promise<RunnerResult>;
}

const cap = (s: string) => (s.length > RESULT_OUTPUT_MAX_CHARS ? s.slice(0, RESULT_OUTPUT_MAX_CHARS) : s);

export async function executeEntry(i: ExecuteEntryInput): Promise<EntryRun> {
  const decision = decideRun(i.entry, i.config, i.held);
  if (decision.kind === 'not-run')
    return {
      outcome: 'not-run-credentials-not-found',
      exitCode: null,
      timedOut: false,
      durationMs: 0,
      accountId: decision.accountId,
      stdout: '',
      stderr: `Not run: ${decision.why} (account ${decision.accountId}).`,
      why: decision.why,
    };
  const c = decision.credential;
  const account = c ? { accountId: c.accountId, accountVersion: c.version } : {};
  const started = Date.now();
  try {
    const r = await (i.run ?? runAction)({
      action: i.action,
      credential: c
        ? { type: c.type as AccountType, publicFields: c.publicFields, secret: c.secret }
        : undefined,
      context: { workflowId: i.entry.workflowId, objectId: i.entry.objectId, properties: i.properties },
      ...(i.timeoutMs !== undefined ? { timeoutMs: i.timeoutMs } : {}),
      outputCapBytes: RESULT_OUTPUT_MAX_CHARS,
      switchUser: i.switchUser,
      tempRoot: i.tempRoot,
    });
    return {
      outcome: r.startError ? 'failed-to-start' : 'ran',
      exitCode: r.exitCode,
      timedOut: r.timedOut,
      durationMs: Math.round(r.durationMs),
      ...account,
      stdout: cap(r.stdout),
      stderr: cap(r.startError ? `${r.startError}\n${r.stderr}` : r.stderr),
      why: decision.why,
      ranAs: r.ranAs.reason,
    };
  } catch (err) {
    // runAction rejects only on bad input; its messages name fields, never values.
    return {
      outcome: 'failed-to-start',
      exitCode: null,
      timedOut: false,
      durationMs: Date.now() - started,
      ...account,
      stdout: '',
      stderr: cap(err instanceof Error ? err.message : String(err)),
      why: decision.why,
    };
  }
}

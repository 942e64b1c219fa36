// Jobs: started from the API, by schedules and by webhooks against a runbook's published version or its
// draft, parameters checked against its declarations, the account's start rate held to its limit; listed,
// followed through their streams, and stopped. Values of secret parameters are sealed under the job id and
// never shown or audited. Every start and stop is audited.
import type { z } from 'zod';
import type { startJobBody } from '../../../contract/automation-jobs.js';
import { newId } from '../../../contract/ids.js';
import type { Keyring } from '../../../crypto/keyring.js';
import { hasEnded } from '../../../domain/automation/jobs.js';
import {
  type ParameterDeclaration,
  secretParameterNames,
  validateJobParameters,
} from '../../../domain/automation/parameters.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { appendAudit } from '../audit/audit-repo.js';
import { deleteSealed, findSealed, insertSealed } from '../secrets/sealed-secrets-repo.js';
import { invalidIssues, mustFindAccount } from './automation-shared.js';
import * as repo from './jobs-repo.js';
import type { RunbooksService } from './runbooks-service.js';
import { findGroup } from './worker-groups-repo.js';

export interface JobsServiceDeps {
  db: Db;
  keyring: Keyring;
  runbooks: Pick<RunbooksService, 'runnable'>;
  now?: () => Date;
  /** A job was queued for a hybrid worker group (started or resumed): agents waiting here look at once. */
  onHybridQueued?: () => void;
}

export type JobsService = ReturnType<typeof createJobsService>;
type StartInput = z.output<typeof startJobBody>;

/** Who started a job, as the audit log and the job name them. */
export type JobStarter =
  | { kind: 'user'; principal: Principal }
  | { kind: 'schedule' | 'webhook'; id: string };

const SECRET_VERSION = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createJobsService(d: JobsServiceDeps) {
  const { db, keyring } = d;
  const now = d.now ?? (() => new Date());
  /** Told after a job is queued (the cloud runner of this server, to claim it at once). */
  const queuedListeners: (() => void)[] = [];

  async function mustFind(id: string) {
    const row = await repo.findJob(db, id);
    if (!row) throw notFound('Job', id);
    return row;
  }

  return {
    onQueued(listener: () => void) {
      queuedListeners.push(listener);
    },

    /**
     * Starts a job. Given `within`, everything happens in that transaction (a schedule's firing claims its
     * run in the same one, so a job is started exactly when the firing is recorded); otherwise in its own.
     */
    async start(by: JobStarter, runbookId: string, input: StartInput, within?: Tx) {
      const runbook = await d.runbooks.runnable(runbookId, { draft: input.test }, within ?? db);
      const account = await mustFindAccount(within ?? db, runbook.automationAccountId);
      if (input.runOn !== 'cloud' && !(await findGroup(within ?? db, input.runOn)))
        throw new AppError('NOT_FOUND', `There is no hybrid worker group '${input.runOn}'.`, [
          { path: 'body.runOn', message: 'no such hybrid worker group' },
        ]);
      const check = validateJobParameters(runbook.parameters as ParameterDeclaration[], input.parameters);
      if (check.kind === 'invalid') throw invalidIssues('body.parameters', check.issues);
      const secrets = secretParameterNames(runbook.parameters);
      const shown = Object.fromEntries(Object.entries(check.values).filter(([k]) => !secrets.includes(k)));
      const hidden = Object.fromEntries(Object.entries(check.values).filter(([k]) => secrets.includes(k)));
      const at = now();
      const actor = by.kind === 'user' ? actorOf(by.principal) : `${by.kind}:${by.id}`;
      const inTransaction = <T>(work: (tx: Tx) => Promise<T>) =>
        within ? work(within) : db.transaction(work);
      const queued = await inTransaction(async (tx) => {
        // The account's start rate (Azure: 100 jobs per 30 seconds); counted in the transaction that adds one.
        const recent = await repo.countStartedSince(tx, account.id, new Date(at.getTime() - 30_000));
        if (recent >= account.maxNewJobsPer30s)
          throw new AppError(
            'TOO_MANY_REQUESTS',
            `Automation account '${account.name}' started ${recent} jobs in the last 30 seconds, its limit: try again shortly.`,
            undefined,
            { 'retry-after': '30' },
          );
        const id = newId('job');
        const row = await repo.insertJob(tx, {
          id,
          automationAccountId: account.id,
          runbookId: runbook.runbookId,
          runbookName: runbook.name,
          runbookType: runbook.type,
          runbookVersion: String(runbook.version),
          content: runbook.content,
          isTest: input.test,
          runOn: input.runOn,
          parameters: shown,
          secretParameters: Object.keys(hidden),
          startedBy: actor,
          source: by.kind === 'user' ? 'api' : by.kind,
          status: 'Queued',
          createdAt: at,
        });
        if (Object.keys(hidden).length)
          await insertSealed(
            tx,
            id,
            SECRET_VERSION,
            keyring.seal(id, SECRET_VERSION, Buffer.from(JSON.stringify(hidden), 'utf8')),
          );
        await appendAudit(tx, {
          actor,
          kind: 'job.start',
          target: id,
          details: {
            automationAccountId: account.id,
            runbookId: runbook.runbookId,
            version: String(runbook.version),
            runOn: input.runOn,
            test: input.test,
            // Names only: values may be anything, secret ones are never written anywhere readable.
            parameters: Object.keys(check.values),
          },
        });
        return row;
      });
      if (queued.runOn !== 'cloud') d.onHybridQueued?.();
      for (const l of queuedListeners) l();
      return queued;
    },

    get: mustFind,

    async list(f: { account?: string; runbook?: string; status?: string; limit: number }) {
      return repo.listJobs(db, {
        accountId: f.account,
        runbookId: f.runbook,
        status: f.status,
        limit: f.limit,
      });
    },

    /** Records after `after`; waits up to `waitSeconds` for one while the job has not ended. */
    async streams(id: string, after: number, waitSeconds: number, limit: number) {
      const until = Date.now() + waitSeconds * 1000;
      for (;;) {
        const job = await mustFind(id);
        const items = await repo.streamsAfter(db, id, after, limit);
        if (items.length || hasEnded(job.status) || Date.now() >= until)
          return { job, items, next: items.at(-1)?.seq ?? after };
        await sleep(Math.min(250, until - Date.now()));
      }
    },

    /**
     * Asks the job to stop: a queued (or suspended) one never runs again, a running one has its process tree
     * ended.
     */
    async stop(p: Principal, id: string) {
      return db.transaction(async (tx) => {
        const job = await repo.findJob(tx, id);
        if (!job) throw notFound('Job', id);
        if (hasEnded(job.status))
          throw new AppError('CONFLICT', `Job '${id}' has ended (${job.status}): there is nothing to stop.`);
        const at = now();
        const queued = job.status === 'New' || job.status === 'Queued' || job.status === 'Suspended';
        const row = await repo.updateJob(
          tx,
          id,
          queued
            ? {
                stopRequested: true,
                status: 'Stopped',
                statusReason:
                  job.status === 'Suspended'
                    ? `stopped by ${actorOf(p)} while suspended`
                    : `stopped by ${actorOf(p)} before it ran`,
                endedAt: at,
              }
            : { stopRequested: true },
        );
        // It will never run: its secret parameters are of no more use to anyone.
        if (queued) await deleteSealed(tx, [id]);
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'job.stop',
          target: id,
          details: { automationAccountId: job.automationAccountId, status: job.status },
        });
        return row!;
      });
    },

    /**
     * Queues a suspended job again (its agent stopped while it ran it): another agent of its group, or a server
     * of the Automation Pool for a cloud job, runs it from the start. Audited.
     */
    async resume(p: Principal, id: string) {
      const row = await db.transaction(async (tx) => {
        const job = await repo.findJob(tx, id);
        if (!job) throw notFound('Job', id);
        if (job.status !== 'Suspended')
          throw new AppError(
            'CONFLICT',
            `Job '${id}' is ${job.status}, not Suspended: only a suspended job resumes.`,
          );
        if (job.runOn !== 'cloud' && !(await findGroup(tx, job.runOn)))
          throw new AppError(
            'RULE_VIOLATION',
            `Job '${id}' ran on hybrid worker group '${job.runOn}', which no longer exists: it cannot resume.`,
          );
        const next = await repo.updateJob(tx, id, {
          status: 'Queued',
          claimedBy: null,
          heartbeatAt: null,
          restarts: job.restarts + 1,
          statusReason: `resumed by ${actorOf(p)} after: ${job.statusReason ?? 'it was suspended'}`,
        });
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'job.resume',
          target: id,
          details: {
            automationAccountId: job.automationAccountId,
            runOn: job.runOn,
            suspendedOn: job.claimedBy,
          },
        });
        return next!;
      });
      if (row.runOn !== 'cloud') d.onHybridQueued?.();
      return row;
    },

    /** The values of a job's secret parameters, for the process that runs it only. */
    async secretParameters(job: repo.JobRow): Promise<Record<string, unknown>> {
      if (!job.secretParameters.length) return {};
      const sealed = await findSealed(db, job.id, SECRET_VERSION);
      if (!sealed) return {};
      return JSON.parse(keyring.open(job.id, SECRET_VERSION, sealed).toString('utf8')) as Record<
        string,
        unknown
      >;
    },
  };
}

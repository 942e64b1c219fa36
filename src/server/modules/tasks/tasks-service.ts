// Task runs on demand: a person queues a task for one object; the health service that runs the object (its top
// host: a computer's agent, or a pool) claims it, runs it with the account its configuration resolves, and reports
// the exit code and output. Claim and finish take a runner id, so a pool member can call them in-process.
import type { z } from 'zod';
import { newId } from '../../../contract/ids.js';
import {
  type AgentTaskRun,
  type FinishTaskRun,
  isFinished,
  type requestTaskRunBody,
  type TaskRunStatus,
  type taskRunListQuery,
} from '../../../contract/tasks.js';
import { storableOutput } from '../../../contract/text.js';
import { chunks } from '../../../domain/chunks.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { actorOf, type Principal } from '../../principal.js';
import { agentActor } from '../agents/agent-identity.js';
import { findAgent } from '../agents/agents-repo.js';
import { appendAudit, appendAuditBatch } from '../audit/audit-repo.js';
import { findComputer, findComputerByName, findObject } from '../inventory/objects-repo.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import { findObjectsById, findWorkflows } from '../results/results-repo.js';
import * as repo from './tasks-repo.js';

export interface TasksServiceDeps {
  db: Db;
  resolution: Pick<ResolutionService, 'current'>;
  now?: () => Date;
  /** How often waiting callers and runners look for runs queued or finished through another server; default 1 s. */
  pollMs?: number;
  onError?: (err: unknown) => void;
}

export type TasksService = ReturnType<typeof createTasksService>;

/** After its timeout, a running run's runner has this long to report before the run counts as timed out. */
export const RUNNER_GRACE_SECONDS = 60;
/** At most this many runs are handed to one runner per claim. */
export const CLAIM_MAX = 10;
const POLL_CHUNK = 1000;

/** What a runner reports, as a run's final status. */
export function statusOf(r: Pick<FinishTaskRun, 'outcome' | 'exitCode' | 'timedOut'>): TaskRunStatus {
  if (r.outcome === 'not-run-credentials-not-found') return 'not-run';
  if (r.outcome === 'failed-to-start') return 'failed';
  if (r.timedOut) return 'timed-out';
  return r.exitCode === 0 ? 'succeeded' : 'failed';
}

/** Wake-ups by key (a runner id or a run id), each wait bounded by its own time and an abort signal. */
function createWaiters(onFirst: () => void) {
  const byKey = new Map<string, Set<() => void>>();
  return {
    keys: () => [...byKey.keys()],
    get size() {
      return byKey.size;
    },
    wake(key: string) {
      for (const w of byKey.get(key) ?? []) w();
    },
    wakeAll() {
      for (const set of byKey.values()) for (const w of set) w();
    },
    wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise<void>((resolve) => {
        const set = byKey.get(key) ?? new Set<() => void>();
        byKey.set(key, set);
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          set.delete(done);
          if (set.size === 0) byKey.delete(key);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        set.add(done);
        signal?.addEventListener('abort', done, { once: true });
        onFirst();
      });
    },
  };
}

export function createTasksService(d: TasksServiceDeps) {
  const db = d.db;
  const now = d.now ?? (() => new Date());
  const pollMs = d.pollMs ?? 1000;
  let closed = false;
  let ticker: NodeJS.Timeout | undefined;
  let ticking = false;

  // Runs queued and finished on this server wake their waiters at once; the ticker finds the others' changes.
  const runnerWaiters = createWaiters(() => ensureTicker());
  const runWaiters = createWaiters(() => ensureTicker());

  function ensureTicker() {
    if (ticker || closed) return;
    ticker = setInterval(() => void tick(), pollMs);
    ticker.unref();
  }

  async function tick() {
    if (runnerWaiters.size === 0 && runWaiters.size === 0) {
      clearInterval(ticker);
      ticker = undefined;
      return;
    }
    if (ticking) return;
    ticking = true;
    try {
      for (const part of chunks(runnerWaiters.keys(), POLL_CHUNK))
        for (const r of await repo.runnersWithQueued(db, part)) runnerWaiters.wake(r);
      for (const part of chunks(runWaiters.keys(), POLL_CHUNK))
        for (const id of await repo.finishedAmong(db, part)) runWaiters.wake(id);
    } catch (err) {
      d.onError?.(err);
    } finally {
      ticking = false;
    }
  }

  const runDetails = (r: repo.TaskRunRow) => ({ task: r.taskId, object: r.objectId, runner: r.runnerId });

  /** Marks due runs (one run's or one runner's, or every one) expired or timed out, audited. */
  async function settleDue(f: repo.DueFilter) {
    const at = now();
    const changed = await db.transaction(async (tx) => {
      const expired = await repo.expireQueued(tx, at, f);
      const lost = await repo.timeOutLost(tx, at, RUNNER_GRACE_SECONDS, f);
      for (const r of expired)
        await appendAudit(tx, {
          actor: 'system',
          kind: 'task.run.expire',
          target: r.id,
          details: { ...runDetails(r), status: 'expired', reason: 'not picked up within its timeout' },
        });
      for (const r of lost)
        await appendAudit(tx, {
          actor: 'system',
          kind: 'task.run.expire',
          target: r.id,
          details: { ...runDetails(r), status: 'timed-out', reason: 'no result within its timeout' },
        });
      return [...expired, ...lost];
    });
    for (const r of changed) runWaiters.wake(r.id);
  }

  /** When settleDue would change this run, in ms from now (Infinity once it is finished). */
  function dueInMs(r: repo.TaskRunRow): number {
    const base =
      r.status === 'queued'
        ? r.requestedAt.getTime()
        : r.status === 'running' && r.claimedAt
          ? r.claimedAt.getTime() + RUNNER_GRACE_SECONDS * 1000
          : Number.POSITIVE_INFINITY;
    return base + r.timeoutSeconds * 1000 - now().getTime();
  }

  async function objectByRef(ref: string) {
    const byId = await findObject(db, ref);
    if (byId) return byId;
    const computer = await findComputerByName(db, ref);
    return computer ? findObject(db, computer.id) : undefined;
  }

  const notInConfiguration = (taskId: string, objectId: string, runnerId: string, enabled: boolean) =>
    new AppError(
      'CONFLICT',
      enabled
        ? `Task '${taskId}' is not in the configuration of health service '${runnerId}' for object '${objectId}'; ` +
            'check that the object is hosted there and the task targets its class (`steward agent config`).'
        : `Task '${taskId}' is disabled, so no health service runs it.`,
    );

  async function failUnrunnable(runnerId: string, actor: string, row: repo.TaskRunRow, why: string) {
    await db.transaction(async (tx) => {
      const done = await repo.finishRunning(tx, row.id, runnerId, {
        status: 'failed',
        finishedAt: now(),
        exitCode: null,
        timedOut: false,
        accountId: null,
        accountVersion: null,
        stdout: '',
        stderr: why,
      });
      if (done)
        await appendAudit(tx, {
          actor,
          kind: 'task.run.finish',
          target: row.id,
          details: { ...runDetails(row), status: 'failed', outcome: 'not-in-configuration' },
        });
    });
    runWaiters.wake(row.id);
  }

  /** The claimed runs as the runner needs them; a run whose task or object left its configuration fails. */
  async function prepare(runnerId: string, actor: string, rows: repo.TaskRunRow[]): Promise<AgentTaskRun[]> {
    const engine = await d.resolution.current();
    const config = engine.configOf(runnerId);
    const wanted = new Set(rows.map((r) => `${r.taskId}\u0000${r.objectId}`));
    const entries = new Map(
      (config?.entries ?? [])
        .filter((e) => wanted.has(`${e.workflowId}\u0000${e.objectId}`))
        .map((e) => [`${e.workflowId}\u0000${e.objectId}`, e]),
    );
    const [wfs, objs] = await Promise.all([
      findWorkflows(db, [...new Set(rows.map((r) => r.taskId))]),
      findObjectsById(db, [...new Set(rows.map((r) => r.objectId))]),
    ]);
    const out: AgentTaskRun[] = [];
    for (const r of rows) {
      const entry = entries.get(`${r.taskId}\u0000${r.objectId}`);
      const wf = wfs.find((w) => w.id === r.taskId);
      const object = objs.find((o) => o.id === r.objectId);
      if (!entry || !wf || wf.kind !== 'task' || !object) {
        await failUnrunnable(
          runnerId,
          actor,
          r,
          'The task or its object is no longer in the configuration of this health service (removed, disabled or moved).',
        );
        continue;
      }
      out.push({
        id: r.id,
        taskId: r.taskId,
        objectId: r.objectId,
        timeoutSeconds: r.timeoutSeconds,
        action: wf.action as AgentTaskRun['action'],
        object,
        resolution: entry.resolution,
      });
    }
    return out;
  }

  async function auditIn(tx: Tx, entries: Parameters<typeof appendAudit>[1][]) {
    await appendAuditBatch(tx, entries);
  }

  return {
    /**
     * Queues a run of the task for the object on the health service that runs the object. Refused when the
     * workflow is not a task, the object is not of its target class, the pair is not in that health service's
     * configuration, or the object's computer has no approved agent.
     */
    async request(
      p: Principal,
      taskId: string,
      body: z.infer<typeof requestTaskRunBody>,
    ): Promise<repo.TaskRunRow> {
      const [task] = await findWorkflows(db, [taskId]);
      if (!task) throw notFound('Task', taskId);
      if (task.kind !== 'task')
        throw new AppError(
          'VALIDATION_FAILED',
          `params.taskId: '${taskId}' is a ${task.kind}, not a task; only tasks run on demand.`,
          [{ path: 'params.taskId', message: `is a ${task.kind}, not a task` }],
        );
      const object = await objectByRef(body.objectId);
      if (!object) throw notFound('Object', body.objectId);
      const engine = await d.resolution.current();
      if (!engine.classAncestors(object.classId).includes(task.targetClassId))
        throw invalid(
          'body.objectId',
          `object '${object.name}' is a ${object.classId}, and task '${taskId}' targets ${task.targetClassId} and the classes derived from it.`,
        );
      if (!engine.hasObject(object.id)) throw notInConfiguration(taskId, object.id, '(none)', task.enabled);
      const runnerId = engine.runnerOfObject(object.id);
      const config = engine.configOf(runnerId);
      if (!config)
        throw new AppError(
          'CONFLICT',
          `Object '${object.name}' is not hosted on a computer or a resource pool, so no health service runs it.`,
        );
      const computer = await findComputer(db, runnerId);
      if (computer && (await findAgent(db, runnerId))?.status !== 'approved')
        throw new AppError(
          'CONFLICT',
          `Computer '${computer.computer.name}' has no approved agent to run the task: enroll one (\`steward agent\`) or approve it (\`steward agent approve\`).`,
        );
      if (!config.entries.some((e) => e.workflowId === taskId && e.objectId === object.id))
        throw notInConfiguration(taskId, object.id, runnerId, task.enabled);
      const row = await db.transaction(async (tx) => {
        const inserted = await repo.insertTaskRun(tx, {
          id: newId('taskRun'),
          taskId,
          objectId: object.id,
          runnerId,
          status: 'queued',
          requestedBy: p.username,
          requestedAt: now(),
          timeoutSeconds: body.timeoutSeconds,
        });
        await appendAudit(tx, {
          actor: actorOf(p),
          kind: 'task.run.request',
          target: inserted.id,
          details: { ...runDetails(inserted), timeoutSeconds: inserted.timeoutSeconds },
        });
        return inserted;
      });
      runnerWaiters.wake(runnerId);
      return row;
    },

    /** One run; with `waitSeconds`, waits up to that long for it to finish. */
    async get(
      id: string,
      opts: { waitSeconds?: number; signal?: AbortSignal } = {},
    ): Promise<repo.TaskRunRow> {
      const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
      for (;;) {
        await settleDue({ runId: id });
        const row = await repo.findTaskRun(db, id);
        if (!row) throw notFound('Task run', id);
        const remaining = deadline - Date.now();
        if (isFinished(row.status as TaskRunStatus) || remaining <= 0 || opts.signal?.aborted || closed)
          return row;
        // Wakes when it finishes here or (by the ticker) elsewhere, or when it falls due.
        await runWaiters.wait(id, Math.min(remaining, Math.max(10, dueInMs(row) + 10)), opts.signal);
      }
    },

    /** Recent runs, newest first, without their output. */
    async list(q: z.infer<typeof taskRunListQuery>) {
      await settleDue({});
      let objectId = q.object;
      if (objectId && !(await findObject(db, objectId)))
        objectId = (await findComputerByName(db, objectId))?.id ?? objectId;
      return repo.listTaskRuns(db, { objectId, taskId: q.task, limit: q.limit });
    },

    /**
     * Hands the runner its queued runs (marking them running), waiting up to `waitSeconds` for one to arrive.
     * Safe between servers: a run is handed out once. `actor` defaults to the agent of that id.
     */
    async claim(
      runnerId: string,
      opts: {
        waitSeconds?: number;
        signal?: AbortSignal;
        actor?: string;
        max?: number;
        /** Asked before claiming after a wait: an agent revoked meanwhile claims nothing (AGENT_REVOKED). */
        admitted?: () => Promise<boolean>;
      } = {},
    ): Promise<AgentTaskRun[]> {
      const actor = opts.actor ?? agentActor(runnerId);
      const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
      for (let waited = false; ; waited = true) {
        if (waited && opts.admitted && !(await opts.admitted()))
          throw new AppError('AGENT_REVOKED', 'This agent was revoked: it must enroll again.');
        await settleDue({ runnerId });
        const at = now();
        const rows = await db.transaction(async (tx) => {
          const claimed = await repo.claimQueued(tx, runnerId, at, opts.max ?? CLAIM_MAX);
          await auditIn(
            tx,
            claimed.map((r) => ({
              actor,
              kind: 'task.run.claim',
              target: r.id,
              details: runDetails(r),
            })),
          );
          return claimed;
        });
        if (rows.length) {
          const ready = await prepare(runnerId, actor, rows);
          if (ready.length) return ready;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0 || opts.signal?.aborted || closed) return [];
        await runnerWaiters.wait(runnerId, remaining, opts.signal);
      }
    },

    /**
     * Records the result of a run the runner claimed. Another runner's run, or an unknown one, is not found
     * (and audited); a run already finished is a conflict. The output is stored as given: redacted by the runner.
     */
    async finish(
      runnerId: string,
      runId: string,
      result: FinishTaskRun,
      opts: { actor?: string } = {},
    ): Promise<repo.TaskRunRow> {
      const actor = opts.actor ?? agentActor(runnerId);
      const status = statusOf(result);
      const out = await db.transaction(async (tx) => {
        const row = await repo.finishRunning(tx, runId, runnerId, {
          status,
          finishedAt: now(),
          exitCode: result.exitCode,
          timedOut: result.timedOut,
          accountId: result.accountId ?? null,
          accountVersion: result.accountVersion ?? null,
          stdout: storableOutput(result.stdout),
          stderr: storableOutput(result.stderr),
        });
        if (row) {
          await appendAudit(tx, {
            actor,
            kind: 'task.run.finish',
            target: runId,
            details: {
              ...runDetails(row),
              status,
              outcome: result.outcome,
              exitCode: result.exitCode,
              timedOut: result.timedOut,
              account: result.accountId ?? null,
              accountVersion: result.accountVersion ?? null,
            },
          });
          return { kind: 'finished' as const, row };
        }
        const existing = await repo.findTaskRun(tx, runId);
        if (!existing || existing.runnerId !== runnerId) {
          await appendAudit(tx, {
            actor,
            kind: 'task.run.refused',
            target: runId,
            details: {
              runner: runnerId,
              reason: existing ? 'the run belongs to another health service' : 'no such run',
            },
          });
          return { kind: 'not-found' as const };
        }
        return { kind: 'conflict' as const, status: existing.status };
      });
      if (out.kind === 'not-found') throw notFound('Task run', runId);
      if (out.kind === 'conflict')
        throw new AppError(
          'CONFLICT',
          out.status === 'queued'
            ? `Task run '${runId}' was not claimed: it cannot be finished.`
            : `Task run '${runId}' is already finished (${out.status}).`,
        );
      runWaiters.wake(runId);
      return out.row;
    },

    /** Ends every wait at once (the server is stopping) and stops looking for changes. */
    close() {
      closed = true;
      clearInterval(ticker);
      ticker = undefined;
      runnerWaiters.wakeAll();
      runWaiters.wakeAll();
    },
  };
}

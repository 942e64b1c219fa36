// Pool-hosted workflows run in-process on the member server that holds the pool's lease (R23): the same
// schedules, credential rule and runner as an agent, with the pool's configuration and only the accounts
// distributed to the pool. When the lease moves, the work moves with it.

import { executeEntry } from '../../../agent/execute-entry.js';
import {
  type AgentConfig,
  type ConfigEntry,
  credentialsToDrop,
  credentialsToFetch,
  scheduledWorkflows,
} from '../../../agent/run-plan.js';
import { createScheduler } from '../../../agent/schedules.js';
import { executeTaskRun } from '../../../agent/task-runs.js';
import type { OpenedCredential } from '../../../contract/agents.js';
import type { AgentObject, AgentWorkflow, RunResult } from '../../../contract/results.js';
import type { ResolutionService } from '../resolution/resolution-service.js';
import type { ResultsService } from '../results/results-service.js';
import type { TasksService } from '../tasks/tasks-service.js';
import type { PoolCredentials } from './pool-credentials.js';

export interface PoolRunnerDeps {
  /** The audit actor of task claims and results: this server. */
  actor: string;
  resolution: Pick<ResolutionService, 'current'>;
  tasks: Pick<TasksService, 'claim' | 'finish'>;
  results: Pick<ResultsService, 'workflowsFor' | 'report'>;
  credentials: Pick<PoolCredentials, 'open'>;
  /** This server: its id, and its default action account (pool work runs as it, as an agent's runs as its own). */
  server: { id: string; actionAccount(): Promise<string | null> };
  /** How often a held pool looks for a new configuration; default 1 s (the resolution is in memory). */
  refreshMs?: number;
  tempRoot?: string;
  log: {
    info(o: object, msg: string): void;
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
}

export type PoolRunner = ReturnType<typeof createPoolRunner>;

/** Waits, unless the signal ends the wait first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

interface PoolWork {
  stop(): Promise<void>;
  refresh(): Promise<void>;
  /** The configuration tag applied, for tests and logs. */
  tag(): string | undefined;
}

function startPoolWork(poolId: string, d: PoolRunnerDeps): PoolWork {
  const held = new Map<string, OpenedCredential>();
  const running = new Set<Promise<void>>();
  let config: AgentConfig | undefined;
  let workflows = new Map<string, AgentWorkflow>();
  let objects = new Map<string, AgentObject>();
  let entriesByWorkflow = new Map<string, ConfigEntry[]>();
  let stopped = false;
  let refreshing: Promise<void> | undefined;
  const scheduler = createScheduler((id) => onDue(id));
  const abort = new AbortController();

  /** Tasks on demand for the pool's objects: claimed, run with the pool's credentials, finished. */
  async function taskLoop() {
    while (!stopped) {
      try {
        const asked = Date.now();
        const runs = await d.tasks.claim(poolId, { waitSeconds: 25, signal: abort.signal, actor: d.actor });
        // The service answers at once while it is closing: never ask again in a tight loop.
        if (!runs.length && Date.now() - asked < 1000) await pause(1000, abort.signal);
        for (const run of runs) {
          const job = (async () => {
            const result = await executeTaskRun(run, {
              config: config ?? { entries: [], defaultActionAccountId: null },
              held,
              switchUser: false,
              tempRoot: d.tempRoot,
            });
            await d.tasks.finish(poolId, run.id, result, { actor: d.actor });
          })()
            .catch((err) => d.log.error({ pool: poolId, runId: run.id, err }, 'pool task run failed'))
            .finally(() => running.delete(job));
          running.add(job);
        }
      } catch (err) {
        if (stopped) return;
        d.log.warn({ pool: poolId, err }, 'claiming pool task runs failed: will retry');
        await pause(1000, abort.signal);
      }
    }
  }

  async function refresh() {
    const engine = await d.resolution.current();
    const raw = engine.configOf(poolId);
    if (stopped || !raw) return;
    // The server's default action account, when distributed to this server, stands in for the pool's.
    const daa = await d.server.actionAccount();
    const daaHere = daa ? engine.accountsFor(d.server.id).find((a) => a.id === daa) : undefined;
    const tag = `${raw.tag}:${daa ?? ''}:${daaHere?.version ?? ''}`;
    if (tag === config?.tag) return;
    const next: AgentConfig = {
      ...raw,
      tag,
      healthServiceId: raw.runnerId,
      defaultActionAccountId: daa,
      accounts:
        daaHere && !raw.accounts.some((a) => a.id === daaHere.id) ? [...raw.accounts, daaHere] : raw.accounts,
    };
    const defs = await d.results.workflowsFor(poolId);
    const wanted = credentialsToFetch(next, held);
    if (wanted.length) for (const c of await d.credentials.open(poolId, wanted)) held.set(c.accountId, c);
    for (const id of credentialsToDrop(next, held)) held.delete(id);
    if (stopped) return;
    config = next;
    workflows = new Map(defs.workflows.map((w) => [w.id, w]));
    objects = new Map(defs.objects.map((o) => [o.id, o]));
    entriesByWorkflow = new Map();
    for (const e of next.entries)
      entriesByWorkflow.set(e.workflowId, [...(entriesByWorkflow.get(e.workflowId) ?? []), e]);
    const scheduled = scheduledWorkflows(defs.workflows);
    scheduler.sync(scheduled);
    d.log.info(
      { pool: poolId, tag: next.tag, scheduled: scheduled.map((s) => s.id) },
      'pool configuration applied',
    );
  }

  function onDue(workflowId: string) {
    const workflow = workflows.get(workflowId);
    const cfg = config;
    if (stopped || !workflow || !cfg) return;
    const entries = entriesByWorkflow.get(workflowId) ?? [];
    const run = (async () => {
      const results: RunResult[] = [];
      for (const entry of entries) {
        if (stopped) break;
        const startedAt = new Date().toISOString();
        const {
          why: _why,
          ranAs: _ranAs,
          ...r
        } = await executeEntry({
          entry,
          action: workflow.action,
          properties: objects.get(entry.objectId)?.properties ?? {},
          config: cfg,
          held,
          tempRoot: d.tempRoot,
          // A server never switches OS user: pool work runs as the server's own user.
          switchUser: false,
        });
        results.push({ workflowId: entry.workflowId, objectId: entry.objectId, startedAt, ...r });
      }
      if (results.length) {
        const out = await d.results.report(poolId, results);
        if (out.refused.length) d.log.warn({ pool: poolId, refused: out.refused }, 'pool results refused');
      }
    })()
      .catch((err) => d.log.error({ pool: poolId, workflowId, err }, 'pool workflow run failed'))
      .finally(() => running.delete(run));
    running.add(run);
  }

  function refreshOnce(): Promise<void> {
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  // Claims wait for the first configuration: a task is never run before the pool's credentials are known.
  const started = refreshOnce()
    .catch((err) => d.log.error({ pool: poolId, err }, 'pool configuration refresh failed'))
    .then(() => taskLoop());
  running.add(started);

  return {
    refresh: refreshOnce,
    async stop() {
      stopped = true;
      abort.abort();
      scheduler.stop();
      await Promise.race([Promise.allSettled(running), new Promise((r) => setTimeout(r, 5000).unref())]);
      held.clear();
    },
    tag: () => config?.tag,
  };
}

export function createPoolRunner(d: PoolRunnerDeps) {
  const work = new Map<string, PoolWork>();
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> = Promise.resolve();

  const refreshAll = () =>
    Promise.all(
      [...work.entries()].map(([poolId, w]) =>
        w.refresh().catch((err) => d.log.error({ pool: poolId, err }, 'pool configuration refresh failed')),
      ),
    );

  return {
    /** Starts the work of pools now held and stops the work of pools no longer held (one change at a time). */
    sync(held: ReadonlySet<string>): Promise<void> {
      syncing = syncing
        .then(() => apply(new Set(held)))
        .catch((err) => d.log.error({ err }, 'pool work change failed'));
      return syncing;
    },
    refreshAll,
    running: () => [...work.keys()],
    tagOf: (poolId: string) => work.get(poolId)?.tag(),
    async stop() {
      await syncing;
      if (timer) clearInterval(timer);
      timer = undefined;
      const all = [...work.values()];
      work.clear();
      await Promise.all(all.map((w) => w.stop()));
    },
  };

  async function apply(held: ReadonlySet<string>) {
    for (const [poolId, w] of work)
      if (!held.has(poolId)) {
        work.delete(poolId);
        d.log.info({ pool: poolId }, 'pool work stopped here');
        await w.stop();
      }
    for (const poolId of held)
      if (!work.has(poolId)) {
        work.set(poolId, startPoolWork(poolId, d));
        d.log.info({ pool: poolId }, 'pool work started here');
      }
    await refreshAll();
    if (work.size && !timer) {
      timer = setInterval(() => void refreshAll(), d.refreshMs ?? 1000);
      timer.unref();
    }
  }
}

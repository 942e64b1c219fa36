// The `steward agent` daemon: enrolls, long-polls its configuration, keeps its credentials in memory only,
// runs scheduled workflows with the resolved account (or reports that it must not, R22) and reports results.
import type { Logger } from 'pino';
import type { AccountType } from '../contract/accounts.js';
import type { OpenedCredential } from '../contract/agents.js';
import { ApiError } from '../contract/client.js';
import {
  type AgentObject,
  type AgentWorkflow,
  RESULT_OUTPUT_MAX_CHARS,
  RESULTS_BATCH_MAX,
  type RunResult,
} from '../contract/results.js';
import { type AgentApi, createAgentApi } from './agent-api.js';
import { type AgentIdentity, loadOrCreateIdentity, saveAgentId } from './agent-identity.js';
import {
  type AgentConfig,
  type ConfigEntry,
  credentialsToDrop,
  credentialsToFetch,
  decideRun,
  scheduledWorkflows,
} from './run-plan.js';
import { createScheduler } from './schedules.js';
import { createFailover } from './server-failover.js';
import { runAction } from './workflow-runner.js';

export interface AgentDaemonOptions {
  servers: string[];
  dataDir: string;
  computerName: string;
  /** Single-use enrollment token; without one the agent enrolls pending an administrator's approval. */
  enrollmentToken?: string;
  logger: Logger;
  /** How long one configuration long-poll waits for a change; default 25 s. */
  longPollSeconds?: number;
  /** First delay after a failed call, doubled up to `maxRetryMs`; default 1 s and 15 s. */
  retryMs?: number;
  maxRetryMs?: number;
  /** After moving to another server, try the first one again after this long; default 60 s. */
  failbackMs?: number;
  /** How long results wait to be sent together; default 250 ms. */
  reportDelayMs?: number;
  /** Runner settings. */
  switchUser?: boolean;
  tempRoot?: string;
}

interface State {
  config: AgentConfig;
  workflows: Map<string, AgentWorkflow>;
  objects: Map<string, AgentObject>;
  entriesByWorkflow: Map<string, ConfigEntry[]>;
}

const cap = (s: string) => (s.length > RESULT_OUTPUT_MAX_CHARS ? s.slice(0, RESULT_OUTPUT_MAX_CHARS) : s);
const pairKey = (workflowId: string, objectId: string) => `${workflowId}\u0000${objectId}`;

/** Error details fit for a log line: code, status and message (server and runner messages hold no secret). */
const errInfo = (err: unknown) =>
  err instanceof ApiError
    ? { code: err.code, status: err.status, message: err.message }
    : { message: err instanceof Error ? err.message : String(err) };

export function createAgentDaemon(o: AgentDaemonOptions) {
  const log = o.logger;
  const longPollSeconds = o.longPollSeconds ?? 25;
  const retryMs = o.retryMs ?? 1000;
  const maxRetryMs = o.maxRetryMs ?? 15_000;
  const failover = createFailover(o.servers, { failbackMs: o.failbackMs });
  const abort = new AbortController();
  const held = new Map<string, OpenedCredential>();
  const running = new Map<string, Promise<void>>();
  const notRunReported = new Set<string>();
  const outbox = new Map<string, RunResult>();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let state: State | undefined;
  let identity: AgentIdentity;
  let apis = new Map<string, AgentApi>();
  let stopped: Promise<void> | undefined;
  const scheduler = createScheduler((id) => onDue(id));

  const stopping = () => abort.signal.aborted;

  function sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      }
      abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** One call on the current server; a network failure moves the next call to the following server. */
  async function call<T>(what: string, fn: (api: AgentApi) => Promise<T>): Promise<T> {
    const server = failover.current();
    let api = apis.get(server);
    if (!api) {
      api = createAgentApi({ server, identity, signal: abort.signal });
      apis.set(server, api);
    }
    try {
      return await fn(api);
    } catch (err) {
      if (err instanceof ApiError && err.status === 0 && !stopping()) {
        failover.failed(server);
        log.warn({ server, next: failover.current(), call: what }, 'server unreachable: moving on');
      }
      throw err;
    }
  }

  async function enroll() {
    let delay = retryMs;
    while (!identity.agentId && !stopping()) {
      try {
        const out = await call('enroll', (api) =>
          api.enroll({ computerName: o.computerName, token: o.enrollmentToken }),
        );
        saveAgentId(o.dataDir, out.agentId);
        identity.agentId = out.agentId;
        apis = new Map();
        log.info({ agentId: out.agentId, status: out.status }, 'enrolled');
      } catch (err) {
        if (stopping()) return;
        log.warn({ err: errInfo(err), retryInMs: delay }, 'enrollment failed');
        await sleep(delay);
        delay = Math.min(delay * 2, maxRetryMs);
      }
    }
  }

  async function apply(config: AgentConfig) {
    const defs = await call('workflows', (api) => api.fetchWorkflows());
    const wanted = credentialsToFetch(config, held);
    if (wanted.length) {
      const got = await call('credentials', (api) => api.fetchCredentials(wanted));
      for (const c of got) held.set(c.accountId, c);
      const missing = wanted.filter((w) => !got.some((g) => g.accountId === w.id && g.version === w.version));
      if (missing.length) log.warn({ accounts: missing }, 'credentials not delivered');
    }
    for (const id of credentialsToDrop(config, held)) held.delete(id);
    const entriesByWorkflow = new Map<string, ConfigEntry[]>();
    for (const e of config.entries) {
      const list = entriesByWorkflow.get(e.workflowId) ?? [];
      list.push(e);
      entriesByWorkflow.set(e.workflowId, list);
    }
    state = {
      config,
      workflows: new Map(defs.workflows.map((w) => [w.id, w])),
      objects: new Map(defs.objects.map((x) => [x.id, x])),
      entriesByWorkflow,
    };
    const scheduled = scheduledWorkflows(defs.workflows);
    scheduler.sync(scheduled);
    log.info(
      {
        tag: config.tag,
        entries: config.entries.length,
        scheduled: scheduled.map((s) => s.id),
        credentials: [...held.values()].map((c) => ({ id: c.accountId, version: c.version })),
      },
      'configuration applied',
    );
  }

  function onDue(workflowId: string) {
    const st = state;
    if (!st || stopping()) return;
    const workflow = st.workflows.get(workflowId);
    if (!workflow) return;
    for (const entry of st.entriesByWorkflow.get(workflowId) ?? []) {
      const key = pairKey(entry.workflowId, entry.objectId);
      if (running.has(key)) {
        log.debug({ workflowId, objectId: entry.objectId }, 'still running: this turn is skipped');
        continue;
      }
      const run = runEntry(st, workflow, entry)
        .catch((err) => log.error({ err: errInfo(err), workflowId }, 'run failed'))
        .finally(() => running.delete(key));
      running.set(key, run);
    }
  }

  async function runEntry(st: State, workflow: AgentWorkflow, entry: ConfigEntry) {
    const key = pairKey(entry.workflowId, entry.objectId);
    const decision = decideRun(entry, st.config, held);
    const startedAt = new Date();
    const base = {
      workflowId: entry.workflowId,
      objectId: entry.objectId,
      startedAt: startedAt.toISOString(),
    };
    if (decision.kind === 'not-run') {
      if (!notRunReported.has(key)) {
        notRunReported.add(key);
        log.warn(
          { workflowId: entry.workflowId, objectId: entry.objectId, accountId: decision.accountId },
          `not run: ${decision.why}`,
        );
      }
      return report({
        ...base,
        durationMs: 0,
        exitCode: null,
        timedOut: false,
        outcome: 'not-run-credentials-not-found',
        accountId: decision.accountId,
        stdout: '',
        stderr: '',
      });
    }
    notRunReported.delete(key);
    const c = decision.credential;
    const account = c ? { accountId: c.accountId, accountVersion: c.version } : {};
    try {
      const r = await runAction({
        action: workflow.action,
        credential: c
          ? { type: c.type as AccountType, publicFields: c.publicFields, secret: c.secret }
          : undefined,
        context: {
          workflowId: entry.workflowId,
          objectId: entry.objectId,
          properties: st.objects.get(entry.objectId)?.properties ?? {},
        },
        outputCapBytes: RESULT_OUTPUT_MAX_CHARS,
        switchUser: o.switchUser,
        tempRoot: o.tempRoot,
      });
      log.debug(
        {
          workflowId: entry.workflowId,
          objectId: entry.objectId,
          exitCode: r.exitCode,
          ranAs: r.ranAs.reason,
          via: decision.why,
        },
        'ran',
      );
      return report({
        ...base,
        durationMs: Math.round(r.durationMs),
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        outcome: r.startError ? 'failed-to-start' : 'ran',
        ...account,
        stdout: cap(r.stdout),
        stderr: cap(r.startError ? `${r.startError}\n${r.stderr}` : r.stderr),
      });
    } catch (err) {
      // runAction rejects only on bad input; its messages name fields, never values.
      return report({
        ...base,
        durationMs: Date.now() - startedAt.getTime(),
        exitCode: null,
        timedOut: false,
        outcome: 'failed-to-start',
        ...account,
        stdout: '',
        stderr: cap(errInfo(err).message),
      });
    }
  }

  function report(result: RunResult) {
    outbox.set(pairKey(result.workflowId, result.objectId), result);
    if (!flushTimer) flushTimer = setTimeout(() => void flush(), o.reportDelayMs ?? 250);
  }

  /** Sends what waits in the outbox; on failure it stays there (only the latest per pair) for the next try. */
  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      flushTimer = undefined;
      if (outbox.size === 0 || !identity.agentId) return;
      const batch = [...outbox.values()].slice(0, RESULTS_BATCH_MAX);
      for (const r of batch) outbox.delete(pairKey(r.workflowId, r.objectId));
      try {
        const out = await call('results', (api) => api.reportResults(batch));
        if (out.refused.length) log.warn({ refused: out.refused }, 'results refused by the server');
        if (out.problems.length)
          log.warn({ problems: out.problems }, 'the server could not use part of the output');
      } catch (err) {
        for (const r of batch) {
          const key = pairKey(r.workflowId, r.objectId);
          if (!outbox.has(key)) outbox.set(key, r);
        }
        if (!stopping()) {
          log.warn({ err: errInfo(err), pending: outbox.size }, 'could not report results: will retry');
          if (!flushTimer) flushTimer = setTimeout(() => void flush(), retryMs);
        }
        return;
      }
      if (outbox.size && !flushTimer) flushTimer = setTimeout(() => void flush(), 0);
    });
    return flushing;
  }

  async function syncLoop() {
    let tag: string | undefined;
    let delay = retryMs;
    let lastRefusal = '';
    while (!stopping()) {
      try {
        const r = await call('config', (api) =>
          api.fetchConfig(tag ? { tag, waitSeconds: longPollSeconds } : {}),
        );
        if (r.kind === 'changed') {
          await apply(r.config);
          tag = r.config.tag;
        }
        delay = retryMs;
        lastRefusal = '';
      } catch (err) {
        if (stopping()) return;
        const info = errInfo(err);
        // Waiting for approval repeats the same refusal: say it once.
        if (info.message !== lastRefusal)
          log.warn({ err: info, retryInMs: delay }, 'configuration sync failed: will retry');
        lastRefusal = info.message;
        await sleep(delay);
        delay = Math.min(delay * 2, maxRetryMs);
      }
    }
  }

  return {
    /** Runs until `stop()`. */
    async run() {
      identity = loadOrCreateIdentity(o.dataDir);
      log.info(
        {
          computerName: o.computerName,
          servers: o.servers,
          fingerprint: identity.fingerprint,
          agentId: identity.agentId ?? null,
        },
        'agent starting',
      );
      await enroll();
      await syncLoop();
    },

    /** Stops timers and calls in flight, waits for running actions, and sends the last results. */
    stop(): Promise<void> {
      stopped ??= shutdown();
      return stopped;
    },
  };

  async function shutdown() {
    scheduler.stop();
    abort.abort();
    // A long action is not waited for past a few seconds: its process group is left to its own timeout.
    await Promise.race([
      Promise.allSettled(running.values()),
      new Promise((r) => setTimeout(r, 5000).unref()),
    ]);
    clearTimeout(flushTimer);
    if (outbox.size && identity?.agentId) {
      // The shared signal is aborted: one last report on a fresh client.
      const server = failover.current();
      try {
        await createAgentApi({ server, identity, timeoutMs: 5000 }).reportResults(
          [...outbox.values()].slice(0, RESULTS_BATCH_MAX),
        );
      } catch (err) {
        log.warn({ err: errInfo(err) }, 'could not report the last results');
      }
    }
    held.clear();
    log.info('agent stopped');
  }
}

// The `steward agent` daemon: enrolls, long-polls its configuration, keeps its credentials in memory only,
// runs scheduled workflows with the resolved account (or reports that it must not, R22) and reports results;
// claims and runs the hybrid jobs of the worker groups it belongs to.

import type { Logger } from 'pino';
import type { AccountCheck } from '../contract/account-checks.js';
import type { OpenedCredential } from '../contract/agents.js';
import { ApiError } from '../contract/client.js';
import type { AgentObject, AgentWorkflow } from '../contract/results.js';
import type { ServerTrust } from '../crypto/tls-trust.js';
import { platformOf } from '../domain/inventory/platform.js';
import { actionAccountTypes, checkAccount, checkActionAccount, systemUsers } from './account-checks.js';
import { type AgentApi, createAgentApi, type FetchedCredentials } from './agent-api.js';
import { type AgentIdentity, loadOrCreateIdentity, saveAgentId } from './agent-identity.js';
import { executeEntry } from './execute-entry.js';
import { createHybridJobLoop, type HybridJobLoop } from './hybrid-jobs.js';
import { type MetadataEndpoint, startMetadataEndpoint } from './metadata-endpoint.js';
import { createResultOutbox, errInfo, pairKey } from './result-reporting.js';
import {
  type AgentConfig,
  type ConfigEntry,
  credentialsToDrop,
  credentialsToFetch,
  scheduledWorkflows,
} from './run-plan.js';
import { createScheduler } from './schedules.js';
import { createFailover } from './server-failover.js';
import { createTaskRunLoop, type TaskRunLoop } from './task-runs.js';
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
  /** After moving to another server, how often the ones preferred to it are probed; default 60 s. */
  failbackMs?: number;
  /** How long results wait to be sent together; default 250 ms. */
  reportDelayMs?: number;
  /** Expiry warning window of the account checks; critical under 3 days. Default 14. */
  expiryWarningDays?: number;
  /** How requests reach the servers: a fetch that trusts them as configured (pinned, CA file). */
  fetch?: typeof fetch;
  /** That trust, given to hybrid jobs so their `steward` commands trust the same servers. */
  serverTrust?: ServerTrust;
  /** Runner settings. */
  switchUser?: boolean;
  tempRoot?: string;
  /** How a hybrid job calls `steward` (`steward asset get …`): this agent's node and entry script. */
  stewardCommand?: { node: string; script: string };
  /** Hybrid jobs run here at once; default 2. */
  maxHybridJobs?: number;
  /** The loopback port of the metadata endpoint (R64; 0: any free one); undefined: not served. */
  metadataPort?: number;
}

interface State {
  config: AgentConfig;
  workflows: Map<string, AgentWorkflow>;
  objects: Map<string, AgentObject>;
  entriesByWorkflow: Map<string, ConfigEntry[]>;
}

export function createAgentDaemon(o: AgentDaemonOptions) {
  const log = o.logger;
  const longPollSeconds = o.longPollSeconds ?? 25;
  const retryMs = o.retryMs ?? 1000;
  const maxRetryMs = o.maxRetryMs ?? 15_000;
  const failover = createFailover(o.servers);
  const abort = new AbortController();
  const held = new Map<string, OpenedCredential>();
  const running = new Map<string, Promise<void>>();
  const notRunReported = new Set<string>();
  const ranAsSaid = new Map<string, string>();
  let state: State | undefined;
  let identity: AgentIdentity;
  let apis = new Map<string, AgentApi>();
  let stopped: Promise<void> | undefined;
  let taskRuns: TaskRunLoop | undefined;
  let hybridJobs: HybridJobLoop | undefined;
  let metadata: MetadataEndpoint | undefined;
  const scheduler = createScheduler((id) => onDue(id));
  let keptActionAccount: string | null = null;
  let invalidActionAccount: OpenedCredential | undefined;
  let lastChecks = '';
  let checksRetry: NodeJS.Timeout | undefined;
  // Users, locks and expiry dates change on the computer too: look again now and then.
  const recheck = setInterval(() => state && void reportAccountChecks(state.config), 600_000);
  recheck.unref();
  // Back to a preferred server only once it answers: one that accepts connections and hangs is not used.
  const failback = setInterval(() => void probePreferred(), o.failbackMs ?? 60_000);
  failback.unref();

  const stopping = () => abort.signal.aborted;
  const results = createResultOutbox({
    post: (part) => call('results', (api) => api.reportResults(part)),
    log,
    canSend: () => !!identity.agentId,
    stopping,
    delayMs: o.reportDelayMs ?? 250,
    retryMs: retryMs / 2,
    maxRetryMs,
  });

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
      api = createAgentApi({ server, identity, signal: abort.signal, fetch: o.fetch });
      apis.set(server, api);
    }
    try {
      return await fn(api);
    } catch (err) {
      if (err instanceof ApiError && err.status === 0 && !stopping()) {
        failover.failed(server);
        log.warn({ server, next: failover.current(), call: what }, 'server unreachable: moving on');
      }
      if (err instanceof ApiError && err.code === 'AGENT_REVOKED') forgetOnRevocation();
      throw err;
    }
  }

  /** A revoked agent holds no credential and runs nothing: only a new enrollment brings them back. */
  function forgetOnRevocation() {
    if (!state && held.size === 0) return;
    state = undefined;
    scheduler.sync([]);
    held.clear();
    log.error(
      'this agent was revoked: it dropped its credentials and runs nothing; to enroll it again, restart it with a new enrollment token (steward agent token create)',
    );
  }

  /**
   * A revoked agent started with a token tries it once: a new token enrolls it again under the same id; the
   * one it enrolled with before is spent, and it stays revoked.
   */
  let tokenTried = false;
  async function enrollAgainWithToken() {
    if (tokenTried || !o.enrollmentToken) return;
    tokenTried = true;
    try {
      await enrollOnce('enrolled again');
    } catch (err) {
      log.warn({ err: errInfo(err) }, 'the enrollment token did not enroll this agent again');
    }
  }

  async function probePreferred() {
    for (const server of failover.preferred()) {
      const probe = createAgentApi({
        server,
        identity,
        signal: abort.signal,
        timeoutMs: 2000,
        fetch: o.fetch,
      });
      if (!(await probe.ready()) || stopping()) continue;
      failover.recovered(server);
      log.info({ server }, 'a preferred server answers again: moving back');
      return;
    }
  }

  /** One enrollment request; the id the server gives is kept, and later calls are signed with it. */
  async function enrollOnce(said: string) {
    const out = await call('enroll', (api) =>
      api.enroll({
        computerName: o.computerName,
        token: o.enrollmentToken,
        // The computer it registers gets the SCOM class of this operating system.
        platform: platformOf(process.platform),
      }),
    );
    saveAgentId(o.dataDir, out.agentId);
    identity.agentId = out.agentId;
    apis = new Map();
    log.info({ agentId: out.agentId, status: out.status }, said);
  }

  async function enroll() {
    let delay = retryMs;
    while (!identity.agentId && !stopping()) {
      try {
        await enrollOnce('enrolled');
      } catch (err) {
        if (stopping()) return;
        log.warn({ err: errInfo(err), retryInMs: delay }, 'enrollment failed');
        await sleep(delay);
        delay = Math.min(delay * 2, maxRetryMs);
      }
    }
  }

  /**
   * S17: a default action account of a type that cannot be one is ignored; the previous one stays in use.
   * The verdict is among the account checks reported.
   */
  function keepValidActionAccount(config: AgentConfig): AgentConfig {
    const id = config.defaultActionAccountId;
    const daa = id ? held.get(id) : undefined;
    if (!daa || actionAccountTypes.has(daa.type)) {
      keptActionAccount = id;
      return config;
    }
    log.error(
      { accountId: daa.accountId, type: daa.type, kept: keptActionAccount },
      'the default action account has a type that cannot be one: it is ignored',
    );
    invalidActionAccount = daa;
    return { ...config, defaultActionAccountId: keptActionAccount };
  }

  /** Checks the held action and UNIX/Linux accounts on this computer and reports what changed (R29–R32). */
  async function reportAccountChecks(config: AgentConfig) {
    try {
      const checks: AccountCheck[] = [];
      const bad = invalidActionAccount;
      invalidActionAccount = undefined;
      if (bad) checks.push(checkActionAccount(bad));
      const daa = config.defaultActionAccountId ? held.get(config.defaultActionAccountId) : undefined;
      if (daa) checks.push(checkActionAccount(daa));
      const deps = { ...systemUsers, now: new Date(), warningDays: o.expiryWarningDays ?? 14 };
      for (const c of held.values()) checks.push(...(await checkAccount(c, deps)));
      const text = JSON.stringify(checks);
      if (text === lastChecks) return;
      const out = await call('account checks', (api) => api.reportAccountChecks(checks));
      lastChecks = text;
      const failing = checks.filter((c) => c.state !== 'healthy');
      if (failing.length) log.warn({ checks: failing }, 'Run As account checks failing');
      if (out.refused.length) log.warn({ refused: out.refused }, 'account checks refused by the server');
    } catch (err) {
      if (stopping()) return;
      log.warn({ err: errInfo(err) }, 'could not report account checks: will retry');
      clearTimeout(checksRetry);
      checksRetry = setTimeout(() => state && void reportAccountChecks(state.config), maxRetryMs);
      checksRetry.unref();
    }
  }

  /** Applies a configuration; `delivered`, the credentials that came with it (asked for when none were held). */
  async function apply(config: AgentConfig, delivered?: FetchedCredentials) {
    const defs = await call('workflows', (api) => api.fetchWorkflows());
    const wanted = credentialsToFetch(config, held);
    if (wanted.length) {
      const { opened: got, unopened } =
        delivered ?? (await call('credentials', (api) => api.fetchCredentials(wanted)));
      for (const c of got) held.set(c.accountId, c);
      // What does not open is not held: its workflows are not run, as if it had not arrived (R22).
      if (unopened.length)
        log.error({ accounts: unopened }, 'credentials delivered that do not open with this agent’s key');
      const arrived = (w: { id: string; version: number }) =>
        [...got, ...unopened].some((g) => g.accountId === w.id && g.version === w.version);
      const missing = wanted.filter((w) => !arrived(w));
      if (missing.length) log.warn({ accounts: missing }, 'credentials not delivered');
    }
    config = keepValidActionAccount(config);
    for (const id of credentialsToDrop(config, held)) held.delete(id);
    void reportAccountChecks(config);
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
    const startedAt = new Date().toISOString();
    const r = await executeEntry({
      entry,
      action: workflow.action,
      properties: st.objects.get(entry.objectId)?.properties ?? {},
      config: st.config,
      held,
      switchUser: o.switchUser,
      tempRoot: o.tempRoot,
    });
    if (r.outcome === 'not-run-credentials-not-found') {
      if (!notRunReported.has(key)) {
        notRunReported.add(key);
        log.warn(
          { workflowId: entry.workflowId, objectId: entry.objectId, accountId: r.accountId },
          `not run: ${r.why}`,
        );
      }
    } else {
      notRunReported.delete(key);
      // How an account runs here — as its OS user, or injected and why not — is said once, and again on change.
      if (r.accountId && r.ranAs && ranAsSaid.get(r.accountId) !== r.ranAs) {
        ranAsSaid.set(r.accountId, r.ranAs);
        log.info(
          { accountId: r.accountId, workflowId: entry.workflowId, ranAs: r.ranAs },
          'how the account runs here',
        );
      }
      log.debug(
        {
          workflowId: entry.workflowId,
          objectId: entry.objectId,
          exitCode: r.exitCode,
          ranAs: r.ranAs,
          via: r.why,
        },
        'ran',
      );
    }
    const { why: _why, ranAs: _ranAs, ...result } = r;
    results.report({ workflowId: entry.workflowId, objectId: entry.objectId, startedAt, ...result });
  }

  async function syncLoop() {
    let tag: string | undefined;
    let delay = retryMs;
    let lastRefusal = '';
    while (!stopping()) {
      try {
        const r = await call('config', (api) =>
          api.fetchConfig({
            ...(tag ? { tag, waitSeconds: longPollSeconds } : {}),
            // Holding none (at the start, or after a revocation), it takes them with the configuration.
            withCredentials: held.size === 0,
          }),
        );
        if (r.kind === 'changed') {
          await apply(r.config, r.credentials);
          tag = r.config.tag;
        }
        delay = retryMs;
        lastRefusal = '';
      } catch (err) {
        if (stopping()) return;
        if (err instanceof ApiError && err.code === 'AGENT_REVOKED') {
          // Nothing is held any more, so the next configuration is applied in full.
          tag = undefined;
          await enrollAgainWithToken();
        }
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
      // Tasks on demand: claimed from the server and run like scheduled workflows (see task-runs.ts).
      taskRuns = createTaskRunLoop({
        call,
        config: () => state?.config,
        held,
        runAction,
        log,
        signal: abort.signal,
        waitSeconds: longPollSeconds,
        retryMs,
        maxRetryMs,
        switchUser: o.switchUser,
        tempRoot: o.tempRoot,
      });
      // Hybrid jobs of this agent's worker groups (see hybrid-jobs.ts).
      hybridJobs = createHybridJobLoop({
        call,
        log,
        signal: abort.signal,
        waitSeconds: longPollSeconds,
        maxParallel: o.maxHybridJobs,
        retryMs,
        maxRetryMs,
        apiUrl: () => failover.current(),
        apiTrust: o.serverTrust,
        stewardCommand: o.stewardCommand,
        tempRoot: o.tempRoot,
      });
      await serveMetadata();
      await syncLoop();
    },

    /** Stops timers and calls in flight, waits for running actions, and sends the last results. */
    stop(): Promise<void> {
      stopped ??= shutdown();
      return stopped;
    },
  };

  /** The computer's own identity for its processes (R64): forwarded to the server, which decides and audits. */
  async function serveMetadata() {
    if (o.metadataPort === undefined || stopping()) return;
    try {
      metadata = await startMetadataEndpoint({
        port: o.metadataPort,
        token: (selector, resource) =>
          call('computer identity token', (api) => api.computerIdentityToken(selector, resource)),
        onError: (err) => log.error({ err: errInfo(err) }, 'metadata endpoint failed'),
      });
      log.info({ url: metadata.url() }, 'metadata endpoint listening');
    } catch (err) {
      log.warn(
        { port: o.metadataPort, err: errInfo(err) },
        'the metadata endpoint could not listen (is another agent on this computer?): processes here get no computer identity tokens',
      );
    }
  }

  async function shutdown() {
    scheduler.stop();
    await metadata?.close();
    clearInterval(recheck);
    clearInterval(failback);
    clearTimeout(checksRetry);
    await Promise.all([taskRuns?.stop(), hybridJobs?.stop()]);
    abort.abort();
    // A long action is not waited for past a few seconds: its process group is left to its own timeout.
    await Promise.race([
      Promise.allSettled(running.values()),
      new Promise((r) => setTimeout(r, 5000).unref()),
    ]);
    const last = results.close();
    if (last.length && identity?.agentId) {
      // The shared signal is aborted: one last report on a fresh client.
      const server = failover.current();
      try {
        await createAgentApi({ server, identity, timeoutMs: 5000 }).reportResults(last);
      } catch (err) {
        log.warn({ err: errInfo(err) }, 'could not report the last results');
      }
    }
    held.clear();
    log.info('agent stopped');
  }
}

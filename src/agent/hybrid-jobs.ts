// Hybrid jobs on the agent: long-polls the server for jobs of the worker groups this agent belongs to, runs each
// as a process (src/automation/job-process.ts, as cloud jobs run) with the job-local asset endpoint on this
// machine — each asset and identity token (IDENTITY_ENDPOINT, MSI_ENDPOINT) fetched from the server over the
// signed channel for that job only, the per-job secrets forgotten when the job ends — and the group's Run As
// credential, when it has one, in AUTOMATION_RUNAS_* variables (redacted from the job's streams). Records are posted in batches; every post renews the claim and
// answers whether a user asked to stop, and then the process tree is ended. An agent that stops suspends its jobs.
import type { Logger } from 'pino';
import { identityEnv, type JobEndpoint, startJobEndpoint } from '../automation/job-endpoint.js';
import { type JobProcess, startJobProcess } from '../automation/job-process.js';
import { ApiError } from '../contract/client.js';
import { type FinishJob, MAX_RECORDS_PER_POST } from '../contract/hybrid-workers.js';
import { serverTrustEnv } from '../crypto/server-trust-env.js';
import type { ServerTrust } from '../crypto/tls-trust.js';
import type { OpenedJob } from './agent-api.js';
import type { AgentCall } from './task-runs.js';

export interface HybridJobLoopOptions {
  /** One call on the current server (the daemon's, with its failover). */
  call: AgentCall;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** The daemon stopping: ends waits and calls. */
  signal: AbortSignal;
  /** How long one claim waits on the server for a job; default 25 s (the server allows 30). */
  waitSeconds?: number;
  /** Jobs run here at once; default 2. */
  maxParallel?: number;
  /** How often a running job's records are posted (and its claim renewed); default 1 s. */
  postMs?: number;
  /** First delay after a failed claim, doubled up to `maxRetryMs`; default 1 s and 15 s. */
  retryMs?: number;
  maxRetryMs?: number;
  /**
   * The server URL this agent reaches now (its failover's current one), given to each job as STEWARD_URL so
   * `steward login --identity` and later `steward` commands in the job reach Steward's API.
   */
  apiUrl?: () => string | undefined;
  /** How this agent trusts the servers (pins, CA file): given to each job, so its `steward` commands trust them too. */
  apiTrust?: ServerTrust;
  /** How a job calls `steward` (`steward asset get …`): this agent's node and entry script. */
  stewardCommand?: { node: string; script: string };
  tempRoot?: string;
}

export type HybridJobLoop = ReturnType<typeof createHybridJobLoop>;

interface PostedRecord {
  seq: number;
  stream: string;
  at: string;
  text: string;
}

interface Running {
  id: string;
  process?: JobProcess;
  /** The server no longer gives it to this agent: ended here, reported nowhere. */
  lost: boolean;
  /** The agent stops: the job is handed back (suspended), not ended. */
  interrupted: boolean;
  done: Promise<void>;
}

const REDACTED = '********';
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const errInfo = (err: unknown) =>
  err instanceof ApiError
    ? { code: err.code, status: err.status, message: err.message }
    : { message: messageOf(err) };
/** A refusal by the server (the job is not, or no longer, this agent's): retrying will not help. */
const refused = (err: unknown) =>
  err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429;

/** The Run As credential as the job's environment: user name, domain and password. */
export function runAsEnv(runAs: OpenedJob['runAs']): { env: Record<string, string>; secrets: string[] } {
  if (!runAs) return { env: {}, secrets: [] };
  const env: Record<string, string> = { AUTOMATION_RUNAS_ACCOUNT: runAs.name };
  const userName = runAs.publicFields.userName;
  const domain = runAs.publicFields.domain;
  const password = runAs.secret.password;
  if (typeof userName === 'string') env.AUTOMATION_RUNAS_USERNAME = userName;
  if (typeof domain === 'string' && domain) env.AUTOMATION_RUNAS_DOMAIN = domain;
  if (typeof password === 'string') env.AUTOMATION_RUNAS_PASSWORD = password;
  const secrets = Object.values(runAs.secret).filter(
    (v): v is string => typeof v === 'string' && v.length >= 4,
  );
  return { env, secrets };
}

export function createHybridJobLoop(o: HybridJobLoopOptions) {
  const log = o.log;
  const retryMs = o.retryMs ?? 1000;
  const maxRetryMs = o.maxRetryMs ?? 15_000;
  const maxParallel = o.maxParallel ?? 2;
  const postMs = o.postMs ?? 1000;
  const halt = new AbortController();
  const signal = AbortSignal.any([halt.signal, o.signal]);
  const running = new Map<string, Running>();
  let endpoint: Promise<JobEndpoint> | undefined;
  let slotFreed: () => void = () => {};

  function sleep(ms: number, s: AbortSignal = signal) {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        s.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      s.addEventListener('abort', done, { once: true });
    });
  }

  const jobEndpoint = () =>
    (endpoint ??= startJobEndpoint({
      // Only for a job this agent holds: the server checks it, and audits the read with the job id.
      async readAsset(job, kind, name) {
        try {
          return {
            kind: 'found',
            value: await o.call('job asset', (api) => api.readJobAsset(job.jobId, kind, name)),
          };
        } catch (err) {
          if (err instanceof ApiError && err.status === 404)
            return { kind: 'not-found', message: err.message };
          throw err;
        }
      },
      // Over the signed channel, for a job this agent holds; the server issues and audits it (job and agent).
      async identityToken(job, selector, resource) {
        try {
          return await o.call('job identity token', (api) =>
            api.jobIdentityToken(job.jobId, selector, resource),
          );
        } catch (err) {
          // The server no longer gives the job to this agent: as a dead IDENTITY_HEADER.
          if (err instanceof ApiError && (err.status === 404 || err.status === 409))
            return { kind: 'refused', error: 'unauthorized_client', description: 'The job has ended.' };
          throw err;
        }
      },
      onError: (err) => log.error({ err: errInfo(err) }, 'job endpoint failed'),
    }));

  /** Reports the end, retrying while the server is unreachable; a refusal is final. */
  async function finish(id: string, result: FinishJob) {
    let delay = retryMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await o.call('job finish', (api) => api.finishJob(id, result));
        return;
      } catch (err) {
        if (refused(err) || attempt >= 8) {
          log.warn({ job: id, err: errInfo(err) }, 'could not report how a job ended');
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, maxRetryMs);
      }
    }
  }

  async function run(opened: OpenedJob, entry: Running) {
    const { job } = opened;
    if (opened.unopened) {
      log.error({ job: job.id, reason: opened.unopened }, 'job not run');
      await finish(job.id, {
        exitCode: null,
        error: `The job was not run: ${opened.unopened}.`,
        exception: null,
        stopped: false,
        interrupted: false,
      });
      return;
    }
    const ep = await jobEndpoint();
    const token = ep.issue({ jobId: job.id, automationAccountId: job.automationAccountId });
    const identitySecret = ep.issueIdentityHeader({
      jobId: job.id,
      automationAccountId: job.automationAccountId,
    });
    const runAs = runAsEnv(opened.runAs);
    const redact = (text: string) => runAs.secrets.reduce((t, s) => t.replaceAll(s, REDACTED), text);
    let seq = job.nextSeq;
    let pending: PostedRecord[] = [];
    const errors: string[] = [];
    const apiUrl = o.apiUrl?.();
    const process = startJobProcess(
      {
        type: job.runbookType,
        content: job.content,
        parameters: { ...job.parameters, ...opened.secretParameters },
        env: {
          AUTOMATION_ENDPOINT: ep.url(),
          AUTOMATION_JOB_TOKEN: token,
          AUTOMATION_JOB_ID: job.id,
          AUTOMATION_ACCOUNT_ID: job.automationAccountId,
          AUTOMATION_WORKER_GROUP: job.groupId,
          ...(apiUrl ? { STEWARD_URL: apiUrl, ...serverTrustEnv(o.apiTrust) } : {}),
          ...identityEnv(ep, identitySecret),
          ...runAs.env,
        },
        stewardCommand: o.stewardCommand,
        tempRoot: o.tempRoot,
        streamBytesBefore: job.streamBytes,
      },
      (r) => {
        const text = redact(r.text);
        pending.push({ seq: seq++, stream: r.stream, at: r.at.toISOString(), text });
        if (r.stream === 'error') errors.push(text);
      },
    );
    entry.process = process;
    log.info(
      { job: job.id, runbook: job.runbookName, group: job.groupId, runAs: opened.runAs?.accountId ?? null },
      'hybrid job started',
    );

    /** Sends what waits (or nothing, to renew the claim); false once the job is no longer this agent's. */
    async function post(): Promise<boolean> {
      const batch = pending.slice(0, MAX_RECORDS_PER_POST);
      try {
        const answer = await o.call('job streams', (api) => api.postJobStreams(job.id, batch));
        pending = pending.slice(batch.length);
        if (answer.stop) process.stop();
        return true;
      } catch (err) {
        if (!refused(err)) return true;
        log.warn(
          { job: job.id, err: errInfo(err) },
          'the server no longer gives this job to this agent: ending it',
        );
        entry.lost = true;
        process.stop();
        return false;
      }
    }

    let ended = false;
    const outcome = process.done.then((x) => {
      ended = true;
      return x;
    });
    // Posts while it runs: records, the claim's renewal, and the answer whether to stop.
    while (!ended && !entry.lost) {
      await Promise.race([outcome, sleep(postMs, o.signal)]);
      if (!ended || pending.length) await post();
      if (o.signal.aborted) break;
    }
    const result = await outcome;
    ep.revoke(token);
    ep.revoke(identitySecret);
    if (entry.lost) return;
    // The last records, a few tries while the server is away.
    for (let attempt = 0; pending.length && attempt < 8 && !entry.lost; attempt++) {
      const before = pending.length;
      if (!(await post())) return;
      if (pending.length === before)
        await new Promise((r) => setTimeout(r, Math.min(retryMs * 2 ** attempt, maxRetryMs)));
    }
    const exception = errors.slice(-5).join('\n').slice(-2000) || null;
    await finish(job.id, {
      exitCode: result.exitCode,
      error: result.stopped ? null : (result.error ?? null),
      exception: result.exitCode === 0 && !result.error ? null : exception,
      stopped: result.stopped,
      interrupted: entry.interrupted,
    });
    log.info(
      { job: job.id, exitCode: result.exitCode, stopped: result.stopped, interrupted: entry.interrupted },
      'hybrid job ended',
    );
  }

  function start(opened: OpenedJob) {
    const entry: Running = { id: opened.job.id, lost: false, interrupted: false, done: Promise.resolve() };
    entry.done = run(opened, entry)
      .catch((err) => log.error({ job: opened.job.id, err: errInfo(err) }, 'hybrid job failed'))
      .finally(() => {
        running.delete(opened.job.id);
        slotFreed();
      });
    running.set(opened.job.id, entry);
  }

  async function loop() {
    let delay = retryMs;
    let lastRefusal = '';
    while (!signal.aborted) {
      const free = maxParallel - running.size;
      if (free <= 0) {
        await Promise.race([new Promise<void>((r) => (slotFreed = r)), sleep(5000)]);
        continue;
      }
      try {
        const jobs = await o.call('jobs', (api) =>
          api.claimJobs({ waitSeconds: o.waitSeconds ?? 25, max: free }),
        );
        delay = retryMs;
        lastRefusal = '';
        for (const j of jobs) start(j);
      } catch (err) {
        if (signal.aborted) return;
        const info = errInfo(err);
        if (info.message !== lastRefusal)
          log.warn({ err: info, retryInMs: delay }, 'job poll failed: will retry');
        lastRefusal = info.message;
        await sleep(delay);
        delay = Math.min(delay * 2, maxRetryMs);
      }
    }
  }

  const done = loop();

  return {
    /** Resolves once the loop has ended: after `stop()`, when its claim in flight has come back. */
    done,
    /** Jobs running here now. */
    runningIds: () => [...running.keys()],
    /**
     * Stops claiming; the jobs running here are ended and handed back (suspended, for a user to resume),
     * waiting up to `graceMs` for them to report.
     */
    async stop(graceMs = 8000): Promise<void> {
      halt.abort();
      for (const r of running.values()) {
        r.interrupted = true;
        r.process?.stop(2000);
      }
      // The claim in flight is not waited for: the daemon's signal, aborted next, ends it.
      await Promise.race([
        Promise.allSettled([...running.values()].map((r) => r.done)),
        new Promise((r) => setTimeout(r, graceMs).unref()),
      ]);
      const ep = await endpoint;
      endpoint = undefined;
      await ep?.close();
    },
  };
}

// Cloud jobs: run by the member of the Automation Pool that holds its lease. Each round it takes over jobs whose
// server stopped (started again, at most three times, or failed with the reason), claims queued jobs within
// each account's limit of running jobs, runs each as a process (job-process.ts) with the job-local endpoint
// for its assets, writes its streams, stops what users asked to stop or what ran past its fair share, and
// records how it ended. A job is never lost, and never runs twice at once: a job's server proves it still
// holds it at every heartbeat, and another takes it over only after heartbeats stopped.

import { identityEnv, type JobEndpoint, startJobEndpoint } from '../../../automation/job-endpoint.js';
import { type JobProcess, type RunbookLanguage, startJobProcess } from '../../../automation/job-process.js';
import { MAX_JOB_RESTARTS } from '../../../domain/automation/jobs.js';
import type { Db } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import type { TokenService } from '../identity/token-service.js';
import { deleteSealed } from '../secrets/sealed-secrets-repo.js';
import type { AssetsService } from './assets-service.js';
import * as repo from './jobs-repo.js';
import type { JobsService } from './jobs-service.js';

export interface CloudJobsDeps {
  db: Db;
  serverId: string;
  jobs: Pick<JobsService, 'secretParameters'>;
  assets: Pick<AssetsService, 'readAssetForJob'>;
  /** Tokens for the job's identities (IDENTITY_ENDPOINT); absent: jobs get no identity endpoint. */
  tokens?: Pick<TokenService, 'issue' | 'forgetJob'>;
  /** How a job calls `steward` (`steward asset get …`): this server's node and entry script. */
  stewardCommand?: { node: string; script: string };
  /** This server's API URL, given to jobs as STEWARD_URL (for `steward login --identity`). */
  apiUrl?: () => string | undefined;
  /** Jobs this server runs at once; default 4. */
  maxParallel?: number;
  /** A running job's server proves it still runs it this often; default 2 s. */
  heartbeatMs?: number;
  /** A running job not heard of for this long has lost its server; default 15 s. */
  staleMs?: number;
  tempRoot?: string;
  now?: () => Date;
  log: {
    info(o: object, msg: string): void;
    warn(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
}

export type CloudJobs = ReturnType<typeof createCloudJobs>;

interface Running {
  job: repo.JobRow;
  process: JobProcess;
  /** Why it is being stopped, when it is. */
  stopReason?: string;
  ended: Promise<void>;
}

/** The last error lines of a failed job: what went wrong, in its own words. */
function exceptionOf(errors: string[]): string | null {
  const text = errors.slice(-5).join('\n');
  return text ? text.slice(-2000) : null;
}

export function createCloudJobs(d: CloudJobsDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());
  const maxParallel = d.maxParallel ?? 4;
  const heartbeatMs = d.heartbeatMs ?? 2000;
  const staleMs = d.staleMs ?? 15_000;
  const running = new Map<string, Running>();
  let endpoint: Promise<JobEndpoint> | undefined;
  let lastBeat = 0;
  let lastPrune = 0;
  /** Whether this server still holds the Automation Pool, as the last round was told. */
  let holding: () => boolean = () => false;
  let claiming: Promise<void> | undefined;

  /** Claims queued jobs while there is room here; one claim loop at a time. */
  function claimMore(): Promise<void> {
    claiming ??= (async () => {
      while (holding() && running.size < maxParallel) {
        const job = await repo.claimNext(db, d.serverId, now());
        if (!job) break;
        d.log.info({ job: job.id, runbook: job.runbookName }, 'cloud job started');
        await run(job);
      }
    })().finally(() => {
      // Runs after the assignment above, even when the loop had nothing to do.
      claiming = undefined;
    });
    return claiming;
  }

  const jobEndpoint = () =>
    (endpoint ??= startJobEndpoint({
      async readAsset(job, kind, name) {
        try {
          const value = await d.assets.readAssetForJob(job.automationAccountId, kind, name, {
            actor: `job:${job.jobId}`,
            jobId: job.jobId,
          });
          return { kind: 'found', value };
        } catch (err) {
          if (err instanceof AppError && err.code === 'NOT_FOUND')
            return { kind: 'not-found', message: err.message };
          throw err;
        }
      },
      ...(d.tokens
        ? {
            identityToken: (job, selector, resource) =>
              d.tokens!.issue({ ...job, worker: d.serverId }, selector, resource),
          }
        : {}),
      onError: (err) => d.log.error({ err }, 'job endpoint failed'),
    }));

  /** Jobs whose server stopped: started again here, or failed when they have been restarted enough. */
  async function takeOver() {
    const before = new Date(now().getTime() - staleMs);
    await db.transaction(async (tx) => {
      for (const job of await repo.staleRunning(tx, before)) {
        if (running.has(job.id)) continue;
        const again = job.restarts < MAX_JOB_RESTARTS;
        await repo.updateJob(
          tx,
          job.id,
          again
            ? {
                status: 'Queued',
                claimedBy: null,
                restarts: job.restarts + 1,
                statusReason: `its server stopped while it ran: started again (${job.restarts + 1} of ${MAX_JOB_RESTARTS})`,
              }
            : {
                status: 'Failed',
                endedAt: now(),
                statusReason: `its server stopped while it ran, ${MAX_JOB_RESTARTS + 1} times: not started again`,
                exception: 'The job was started again after its server stopped as often as allowed.',
              },
        );
        d.log.warn({ job: job.id, again }, 'cloud job lost its server');
      }
    });
  }

  async function run(job: repo.JobRow) {
    const ep = await jobEndpoint();
    const token = ep.issue({ jobId: job.id, automationAccountId: job.automationAccountId });
    const identityHeader = d.tokens
      ? ep.issueIdentityHeader({ jobId: job.id, automationAccountId: job.automationAccountId })
      : undefined;
    let seq = await repo.lastSeq(db, job.id);
    let pending: repo.StreamRow[] = [];
    const errors: string[] = [];
    let streamBytes = job.streamBytes;
    let flushing = Promise.resolve();
    const flush = () => {
      const rows = pending;
      pending = [];
      flushing = flushing
        .then(async () => {
          await repo.appendStreams(db, rows);
          if (rows.length) await repo.updateMine(db, job.id, d.serverId, { streamBytes });
        })
        .catch((err) => d.log.error({ err, job: job.id }, 'writing job streams failed'));
      return flushing;
    };
    const timer = setInterval(() => void flush(), 250);
    timer.unref();
    if (job.restarts > 0)
      pending.push({
        jobId: job.id,
        seq: ++seq,
        stream: 'warning',
        at: now(),
        text: job.statusReason ?? 'started again',
      });
    const apiUrl = d.apiUrl?.();
    const process = startJobProcess(
      {
        type: job.runbookType as RunbookLanguage,
        content: job.content,
        parameters: { ...job.parameters, ...(await d.jobs.secretParameters(job)) },
        env: {
          AUTOMATION_ENDPOINT: ep.url(),
          AUTOMATION_JOB_TOKEN: token,
          AUTOMATION_JOB_ID: job.id,
          AUTOMATION_ACCOUNT_ID: job.automationAccountId,
          ...(apiUrl ? { STEWARD_URL: apiUrl } : {}),
          ...(identityHeader ? identityEnv(ep, identityHeader) : {}),
        },
        stewardCommand: d.stewardCommand,
        tempRoot: d.tempRoot,
        streamBytesBefore: job.streamBytes,
      },
      (r) => {
        pending.push({ jobId: job.id, seq: ++seq, stream: r.stream, at: r.at, text: r.text });
        streamBytes += Buffer.byteLength(r.text, 'utf8');
        if (r.stream === 'error') errors.push(r.text);
        if (pending.length >= 200) void flush();
      },
    );
    const entry: Running = { job, process, ended: Promise.resolve() };
    entry.ended = (async () => {
      const outcome = await process.done;
      clearInterval(timer);
      ep.revoke(token);
      if (identityHeader) ep.revoke(identityHeader);
      d.tokens?.forgetJob(job.id);
      await flush();
      running.delete(job.id);
      // Handed back (the server stops): queued again by release(), not ended here.
      if (entry.stopReason === 'released') return;
      const ended = now();
      const status = entry.stopReason
        ? 'Stopped'
        : outcome.exitCode === 0 && !outcome.error
          ? 'Completed'
          : 'Failed';
      const row = await repo.updateMine(db, job.id, d.serverId, {
        status,
        endedAt: ended,
        exitCode: outcome.exitCode,
        streamBytes: outcome.streamBytes,
        statusReason:
          entry.stopReason ??
          (status === 'Failed' ? (outcome.error ?? `exit code ${outcome.exitCode}`) : null),
        exception:
          status === 'Failed'
            ? (outcome.error ?? exceptionOf(errors) ?? `exit code ${outcome.exitCode}`)
            : null,
      });
      if (row) await deleteSealed(db, [job.id]);
      // Room for the next one now, not at the next round.
      void claimMore().catch((err) => d.log.error({ err }, 'claiming cloud jobs failed'));
    })().catch((err) => d.log.error({ err, job: job.id }, 'finishing a cloud job failed'));
    running.set(job.id, entry);
  }

  const stop = (r: Running, reason: string) => {
    if (r.stopReason) return;
    r.stopReason = reason;
    r.process.stop();
  };

  /** Heartbeats of the jobs running here; stops those asked to stop, past their fair share, or taken away. */
  async function watch() {
    const at = now();
    if (at.getTime() - lastBeat < heartbeatMs) return;
    lastBeat = at.getTime();
    const ids = [...running.keys()];
    const mine = new Map((await repo.heartbeat(db, d.serverId, ids, at)).map((r) => [r.id, r]));
    for (const [id, r] of running) {
      const beat = mine.get(id);
      if (!beat) stop(r, 'released');
      else if (beat.stopRequested) stop(r, 'stopped by request');
    }
    const accounts = new Map<string, number>();
    for (const r of running.values()) {
      const limit =
        accounts.get(r.job.automationAccountId) ??
        (await repo.fairShareOf(db, r.job.automationAccountId)) ??
        Number.POSITIVE_INFINITY;
      accounts.set(r.job.automationAccountId, limit);
      const startedAt = r.job.startedAt?.getTime() ?? at.getTime();
      if (at.getTime() - startedAt > limit * 1000)
        stop(r, `stopped after running ${limit} seconds, the account's fair share limit`);
    }
  }

  return {
    /** One round, while this server holds the Automation Pool. */
    async tick(keepGoing: () => boolean = () => true) {
      const stoppedBeforeRun = await repo.stopQueued(db, now());
      if (stoppedBeforeRun.length)
        await deleteSealed(
          db,
          stoppedBeforeRun.map((j) => j.id),
        );
      // Job history past each account's retention (default 30 days) goes, streams with it; every ten minutes.
      if (now().getTime() - lastPrune >= 600_000) {
        lastPrune = now().getTime();
        const pruned = await repo.pruneEnded(db, now());
        if (pruned.length)
          await deleteSealed(
            db,
            pruned.map((j) => j.id),
          );
        if (pruned.length) d.log.info({ jobs: pruned.length }, 'job history pruned');
      }
      await takeOver();
      await watch();
      holding = keepGoing;
      await claimMore();
    },
    /** A job was queued: claim it now if this server has room, not at the next round. */
    kick() {
      void claimMore().catch((err) => d.log.error({ err }, 'claiming cloud jobs failed'));
    },
    /** Jobs running here, for tests and metrics. */
    runningIds: () => [...running.keys()],
    /** The pool moved away, or the server stops: running jobs end here and are queued again for another. */
    async release() {
      holding = () => false;
      await claiming?.catch(() => undefined);
      const entries = [...running.values()];
      for (const r of entries) stop(r, 'released');
      await Promise.all(entries.map((r) => r.ended));
      for (const r of entries)
        await repo.updateMine(db, r.job.id, d.serverId, {
          status: 'Queued',
          claimedBy: null,
          restarts: r.job.restarts + 1,
          statusReason: 'its server stopped running it: queued again',
        });
      const ep = await endpoint;
      endpoint = undefined;
      await ep?.close();
    },
  };
}

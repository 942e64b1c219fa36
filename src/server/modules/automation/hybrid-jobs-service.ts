// Hybrid jobs, the server's half: an agent of a job's worker group claims it over its signed channel (one agent
// only), receives what it needs to run it — secret parameters and the group's Run As credential sealed to its
// key, the credential only if it is distributed to that agent (R22: otherwise the job fails, never runs as
// another) — posts its stream records (kept under the same 1 MiB cap; every post renews the claim and answers
// whether a user asked it to stop), reads its assets sealed to its key, and reports the end. A job whose agent
// stops posting is suspended with the agent named, for a user to resume. Another agent's job is not found.
import {
  type AgentJob,
  type FinishJob,
  jobAssetAad,
  jobSecretAad,
} from '../../../contract/hybrid-workers.js';
import { sealTo } from '../../../crypto/agent-keys.js';
import { type JobStream, STREAM_CAP_BYTES } from '../../../domain/automation/jobs.js';
import type { Db, Tx } from '../../../store/db.js';
import { AppError, notFound } from '../../errors.js';
import { findAccount } from '../accounts/accounts-repo.js';
import { agentActor } from '../agents/agent-identity.js';
import { findAgent } from '../agents/agents-repo.js';
import type { AgentPrincipal, AgentsService } from '../agents/agents-service.js';
import { appendAudit } from '../audit/audit-repo.js';
import { deleteSealed } from '../secrets/sealed-secrets-repo.js';
import type { AssetsService } from './assets-service.js';
import * as jobsRepo from './jobs-repo.js';
import type { JobsService } from './jobs-service.js';
import * as repo from './worker-groups-repo.js';

export interface HybridJobsDeps {
  db: Db;
  jobs: Pick<JobsService, 'secretParameters'>;
  assets: Pick<AssetsService, 'readAssetForJob'>;
  agents: Pick<AgentsService, 'credentials'>;
  /** A running hybrid job whose agent posted nothing for this long is suspended; default 60 s. */
  lostAfterMs?: number;
  /** How often a waiting claim looks for jobs queued through another server; default 1 s. */
  pollMs?: number;
  now?: () => Date;
}

export type HybridJobs = ReturnType<typeof createHybridJobs>;

/** A record as an agent posts it. */
export interface PostedRecord {
  seq: number;
  stream: JobStream;
  at: string;
  text: string;
}

const CAP_MARKER = `The job's streams reached their limit of ${STREAM_CAP_BYTES} bytes: the rest of its output is dropped.`;

export function createHybridJobs(d: HybridJobsDeps) {
  const { db } = d;
  const now = d.now ?? (() => new Date());
  const lostAfterMs = d.lostAfterMs ?? 60_000;
  const pollMs = d.pollMs ?? 1000;
  const waiting = new Set<() => void>();
  let closed = false;

  /** The job this agent runs now, or the refusal: not found (audited) for anyone else's, 409 once it ended. */
  async function mustHold(tx: Tx, agentId: string, jobId: string) {
    const job = await repo.heldBy(tx, jobId, agentId);
    if (job) return job;
    const existing = await jobsRepo.findJob(tx, jobId);
    if (existing && existing.claimedBy === agentId && existing.runOn !== 'cloud')
      return {
        refusal: new AppError(
          'CONFLICT',
          `Job '${jobId}' is no longer running on this agent (${existing.status}): end it here.`,
        ),
      };
    return { refusal: notFound('Job', jobId), audit: true };
  }

  /** Runs `fn` on the job this agent holds; a refusal is audited (for another's job) and thrown. */
  async function holding<T>(
    agentId: string,
    jobId: string,
    fn: (tx: Tx, job: jobsRepo.JobRow) => Promise<T>,
  ) {
    const out = await db.transaction(async (tx) => {
      const held = await mustHold(tx, agentId, jobId);
      if ('refusal' in held) {
        if (held.audit)
          await appendAudit(tx, {
            actor: agentActor(agentId),
            kind: 'job.refused',
            target: jobId,
            details: { agent: agentId, reason: 'the job is not held by this agent' },
          });
        return { refusal: held.refusal };
      }
      return { value: await fn(tx, held) };
    });
    if ('refusal' in out) throw out.refusal;
    return out.value;
  }

  async function failNotRun(agent: AgentPrincipal, job: jobsRepo.JobRow, why: string) {
    await db.transaction(async (tx) => {
      const row = await jobsRepo.updateJob(tx, job.id, {
        status: 'Failed',
        endedAt: now(),
        statusReason: why,
        exception: why,
      });
      if (row) await deleteSealed(tx, [job.id]);
      await appendAudit(tx, {
        actor: agentActor(agent.agentId),
        kind: 'job.not-run',
        target: job.id,
        details: { agent: agent.agentId, group: job.runOn, reason: why },
      });
    });
  }

  /** What the agent needs to run a job it claimed; undefined when it must not run it (and it failed). */
  async function prepare(agent: AgentPrincipal, job: jobsRepo.JobRow): Promise<AgentJob | undefined> {
    const group = await repo.findGroup(db, job.runOn);
    if (!group) {
      await failNotRun(
        agent,
        job,
        `Hybrid worker group '${job.runOn}' no longer exists: the job was not run.`,
      );
      return undefined;
    }
    let runAs: AgentJob['runAs'] = null;
    if (group.runAsAccountId) {
      const account = await findAccount(db, group.runAsAccountId);
      // Delivered as any credential is: only if distributed to this agent, and audited either way.
      const delivered = account
        ? (await d.agents.credentials(agent, [{ id: account.id, version: account.version }])).items[0]
        : undefined;
      if (!account || !delivered) {
        await failNotRun(
          agent,
          job,
          `Run As account '${account?.name ?? group.runAsAccountId}' of hybrid worker group '${group.name}' is not distributed to agent '${agent.computerName}' (${agent.agentId}): the job was not run (R22). Distribute the account to every agent of the group.`,
        );
        return undefined;
      }
      runAs = delivered;
    }
    const secrets = await d.jobs.secretParameters(job);
    let seq = await jobsRepo.lastSeq(db, job.id);
    if (job.restarts > 0) {
      await jobsRepo.appendStreams(db, [
        {
          jobId: job.id,
          seq: ++seq,
          stream: 'warning',
          at: now(),
          text: `Started again on agent '${agent.computerName}' (${agent.agentId}) after: ${job.statusReason ?? 'it was suspended'}`,
        },
      ]);
    }
    return {
      id: job.id,
      automationAccountId: job.automationAccountId,
      groupId: group.id,
      runbookName: job.runbookName,
      runbookType: job.runbookType as AgentJob['runbookType'],
      content: job.content,
      parameters: job.parameters,
      secretParameters: Object.keys(secrets).length
        ? sealTo(agent.sealingKey, JSON.stringify(secrets), jobSecretAad(agent.agentId, job.id))
        : null,
      runAs,
      nextSeq: seq + 1,
      streamBytes: job.streamBytes,
      restarts: job.restarts,
      statusReason: job.statusReason,
    };
  }

  function wait(ms: number, signal?: AbortSignal) {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      waiting.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  return {
    /** A job was queued on this server: waiting claims look at once. */
    wake() {
      for (const w of [...waiting]) w();
    },

    /**
     * Hands the agent up to `max` queued jobs of its groups (marking them Running on it), waiting up to
     * `waitSeconds` for one. A job is handed to one agent only, between servers too.
     */
    async claim(
      agent: AgentPrincipal,
      o: { waitSeconds: number; max: number; signal?: AbortSignal },
    ): Promise<AgentJob[]> {
      const deadline = Date.now() + o.waitSeconds * 1000;
      for (let waited = false; ; waited = true) {
        if (waited && !(await agent.stillApproved()))
          throw new AppError('AGENT_REVOKED', 'This agent was revoked: it must enroll again.');
        if (await repo.queuedFor(db, agent.agentId)) {
          const at = now();
          const rows = await db.transaction(async (tx) => {
            const claimed = await repo.claimForAgent(tx, agent.agentId, at, o.max);
            for (const r of claimed)
              await appendAudit(tx, {
                actor: agentActor(agent.agentId),
                kind: 'job.claim',
                target: r.id,
                details: { agent: agent.agentId, group: r.runOn, automationAccountId: r.automationAccountId },
              });
            return claimed;
          });
          const ready: AgentJob[] = [];
          for (const r of rows) {
            const job = await prepare(agent, r);
            if (job) ready.push(job);
          }
          if (ready.length) return ready;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0 || o.signal?.aborted || closed) return [];
        await wait(Math.min(remaining, pollMs), o.signal);
      }
    },

    /**
     * Keeps the records of a job this agent runs, in order, once each (a record at or below the last kept is a
     * retry and is skipped), under the job's cap; renews the claim. Answers whether to stop.
     */
    async postStreams(agentId: string, jobId: string, records: PostedRecord[]) {
      for (let i = 1; i < records.length; i++)
        if (records[i]!.seq <= records[i - 1]!.seq)
          throw new AppError(
            'VALIDATION_FAILED',
            `body.records[${i}].seq: must be greater than the one before (${records[i - 1]!.seq}).`,
            [{ path: `body.records[${i}].seq`, message: 'must be greater than the one before' }],
          );
      return holding(agentId, jobId, async (tx, job) => {
        const last = await jobsRepo.lastSeq(tx, jobId);
        let bytes = job.streamBytes;
        const rows: jobsRepo.StreamRow[] = [];
        for (const r of records) {
          if (r.seq <= last) continue;
          const size = Buffer.byteLength(r.text, 'utf8');
          // Past the cap (one more byte than it once the marker is written), records are dropped.
          if (bytes > STREAM_CAP_BYTES) continue;
          if (bytes + size > STREAM_CAP_BYTES) {
            // The first record past the cap becomes the marker.
            rows.push({ jobId, seq: r.seq, stream: 'warning', at: new Date(r.at), text: CAP_MARKER });
            bytes = STREAM_CAP_BYTES + 1;
            continue;
          }
          bytes += size;
          rows.push({ jobId, seq: r.seq, stream: r.stream, at: new Date(r.at), text: r.text });
        }
        await jobsRepo.appendStreams(tx, rows);
        await jobsRepo.updateJob(tx, jobId, { heartbeatAt: now(), streamBytes: bytes });
        const top = Math.max(last, ...records.map((r) => r.seq));
        return { next: top + 1, stop: job.stopRequested };
      });
    },

    /** Records how a job this agent ran ended; an agent that is stopping suspends it instead. */
    async finish(agentId: string, jobId: string, r: FinishJob) {
      return holding(agentId, jobId, async (tx, job) => {
        const at = now();
        const agent = await findAgent(tx, agentId);
        const who = `agent '${agent?.computerName ?? agentId}' (${agentId})`;
        let patch: Partial<jobsRepo.JobRow>;
        if (r.interrupted && !job.stopRequested) {
          patch = {
            status: 'Suspended',
            heartbeatAt: null,
            statusReason: `${who} stopped while it ran the job: resume it to run it again on an agent of the group`,
          };
        } else {
          const status =
            job.stopRequested && (r.stopped || r.interrupted)
              ? 'Stopped'
              : r.exitCode === 0 && !r.error
                ? 'Completed'
                : 'Failed';
          patch = {
            status,
            endedAt: at,
            exitCode: r.exitCode,
            statusReason:
              status === 'Stopped'
                ? 'stopped by request'
                : status === 'Failed'
                  ? (r.error ?? `exit code ${r.exitCode}`)
                  : null,
            exception: status === 'Failed' ? (r.error ?? r.exception ?? `exit code ${r.exitCode}`) : null,
          };
        }
        const row = (await jobsRepo.updateJob(tx, jobId, patch))!;
        if (row.endedAt) await deleteSealed(tx, [jobId]);
        await appendAudit(tx, {
          actor: agentActor(agentId),
          kind: row.status === 'Suspended' ? 'job.suspend' : 'job.end',
          target: jobId,
          details: { agent: agentId, status: row.status, exitCode: row.exitCode },
        });
        return row;
      });
    },

    /** The job this agent runs now; for anyone else's, not found (audited), and 409 once it ended. */
    heldJob: (agentId: string, jobId: string) => holding(agentId, jobId, async (_tx, j) => j),

    /** An asset of the job's account, sealed to the agent that runs the job; each read audited with the job id. */
    async readAsset(
      agent: AgentPrincipal,
      jobId: string,
      kind: 'variable' | 'credential' | 'connection' | 'certificate',
      name: string,
    ) {
      const job = await holding(agent.agentId, jobId, async (_tx, j) => j);
      const value = await d.assets.readAssetForJob(job.automationAccountId, kind, name, {
        actor: agentActor(agent.agentId),
        jobId,
      });
      return {
        envelope: sealTo(
          agent.sealingKey,
          JSON.stringify(value),
          jobAssetAad(agent.agentId, jobId, kind, name),
        ),
      };
    },

    /** Running hybrid jobs whose agent went silent: suspended with the agent named, audited. */
    async sweep() {
      const before = new Date(now().getTime() - lostAfterMs);
      await db.transaction(async (tx) => {
        for (const job of await repo.lostHybrid(tx, before)) {
          const agent = job.claimedBy ? await findAgent(tx, job.claimedBy) : undefined;
          const reason = `agent '${agent?.computerName ?? job.claimedBy}' (${job.claimedBy}) sent nothing for ${Math.round(lostAfterMs / 1000)} s while it ran the job: resume it to run it again on an agent of the group`;
          await jobsRepo.updateJob(tx, job.id, {
            status: 'Suspended',
            heartbeatAt: null,
            statusReason: reason,
          });
          await appendAudit(tx, {
            actor: 'system',
            kind: 'job.suspend',
            target: job.id,
            details: { agent: job.claimedBy, group: job.runOn, reason },
          });
        }
      });
    },

    /** Ends every waiting claim at once: the server is stopping. */
    close() {
      closed = true;
      for (const w of [...waiting]) w();
    },
  };
}

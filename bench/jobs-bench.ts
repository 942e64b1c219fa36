// Benchmark `jobs`: jobs of a trivial shell runbook dispatched and completed per second by a real Steward server
// in the cloud and by a hybrid worker group of real agents, with queue latency, beside the cost of spawning the
// same runbook bare (bash, same parallelism) in the same run.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentProcess } from '../test/support/agent-process.js';
import { stageOn, startEnrolledAgent } from '../test/support/e2e-stage.js';
import { api, signInAsBootstrapAdmin, startServer, tempDir } from '../test/support/server-process.js';
import { median, percentile, round } from './bench-stats.js';

const progress = (line: string) => process.stderr.write(`[jobs] ${line}\n`);
const RUNBOOK = 'echo "job $PARAM_N"\n';
/** What a server runs at once (cloud-jobs.ts maxParallel). */
const PARALLEL = 4;

interface Job {
  id: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** Spawns the runbook bare with bash, `parallel` at a time: the floor a job runtime builds on. */
async function bareSpawns(count: number, parallel: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bare-'));
  const file = join(dir, 'runbook.sh');
  writeFileSync(file, RUNBOOK);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < count; i = next++)
        await new Promise<void>((ok, fail) => {
          const c = spawn('bash', [file], {
            env: { PATH: process.env.PATH ?? '', PARAM_N: String(i) },
            stdio: 'ignore',
          });
          c.on('error', fail);
          c.on('close', () => ok());
        });
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

export async function runJobsBench(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      jobs: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '3' },
      agents: { type: 'string', default: '4' },
      'log-level': { type: 'string', default: 'warn' },
    },
  });
  const count = Number(values.jobs);
  const rounds = Number(values.rounds);
  const passwordFile = join(tempDir('bench-jobs-'), 'password');
  const server = await startServer({
    env: {
      STEWARD_LOG_LEVEL: values['log-level']!,
      STEWARD_BOOTSTRAP_PASSWORD_FILE: passwordFile,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    },
  });
  try {
    const token = await signInAsBootstrapAdmin(
      server.url,
      readFileSync(passwordFile, 'utf8').trim(),
      `bench-${randomBytes(12).toString('hex')}`,
    );
    const post = async <T>(path: string, body: unknown) => {
      const r = await api<T>(server.url, 'POST', path, { token, body });
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const account = await post<{ id: string }>('/api/v1/automation-accounts', {
      name: 'bench',
      limits: { maxConcurrentJobs: 1000, maxNewJobsPer30s: 100_000 },
    });
    const rb = await post<{ id: string }>(`/api/v1/automation-accounts/${account.id}/runbooks`, {
      name: 'Trivial',
      type: 'shell',
      content: RUNBOOK,
      parameters: [{ name: 'N', type: 'int', required: true }],
    });
    await post(`/api/v1/runbooks/${rb.id}/publish`, {});

    /** One round: `count` jobs on `runOn`, started 8 at a time, until every one ended. */
    async function measure(runOn: string) {
      const t0 = performance.now();
      const ids: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = next++; i < count; i = next++)
            ids.push(
              (await post<{ id: string }>(`/api/v1/runbooks/${rb.id}/jobs`, { parameters: { N: i }, runOn }))
                .id,
            );
        }),
      );
      const wanted = new Set(ids);
      let jobs: Job[] = [];
      for (;;) {
        const r = await api<{ items: Job[] }>(
          server.url,
          'GET',
          `/api/v1/jobs?account=${account.id}&limit=1000`,
          {
            token,
          },
        );
        jobs = r.body.items.filter((j) => wanted.has(j.id));
        if (jobs.length === count && jobs.every((j) => ['Completed', 'Failed', 'Stopped'].includes(j.status)))
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - t0) / 1000;
      const failed = jobs.filter((j) => j.status !== 'Completed').length;
      if (failed) throw new Error(`${failed} jobs did not complete`);
      const ms = (a: string | null, b: string | null) => new Date(b!).getTime() - new Date(a!).getTime();
      const queue = jobs.map((j) => ms(j.createdAt, j.startedAt));
      const e2e = jobs.map((j) => ms(j.createdAt, j.endedAt));
      // The history of this round, out of the next one's list.
      await new Promise((r) => setTimeout(r, 200));
      return {
        jobsPerSecond: count / seconds,
        queueP50: percentile(queue, 50),
        queueP99: percentile(queue, 99),
        e2eP99: percentile(e2e, 99),
      };
    }

    const results: {
      jobsPerSecond: number;
      bare: number;
      queueP50: number;
      queueP99: number;
      e2eP99: number;
    }[] = [];
    for (let round_ = 1; round_ <= rounds; round_++) {
      const bare = await bareSpawns(count, PARALLEL);
      const r = { ...(await measure('cloud')), bare };
      progress(
        `cloud round ${round_}: ${r.jobsPerSecond.toFixed(1)} jobs/s; bare bash ${bare.toFixed(0)}/s; queue p50 ${r.queueP50} ms p99 ${r.queueP99} ms`,
      );
      results.push(r);
    }

    // A fleet of real agents in one hybrid worker group.
    const stage = stageOn(server, token);
    const agents: AgentProcess[] = [];
    const hybrid: {
      jobsPerSecond: number;
      bare: number;
      queueP50: number;
      queueP99: number;
      e2eP99: number;
    }[] = [];
    try {
      const group = await post<{ id: string }>('/api/v1/worker-groups', { name: 'bench-workers' });
      for (let i = 0; i < Number(values.agents); i++) {
        const { agent, agentId } = await startEnrolledAgent(stage, `bench-worker-${i}`, {
          dataDir: tempDir('bench-worker-'),
        });
        agents.push(agent);
        await post(`/api/v1/worker-groups/${group.id}/agents`, { agentId });
      }
      progress(`${agents.length} agents enrolled in group ${group.id}`);
      for (let round_ = 1; round_ <= rounds; round_++) {
        const bare = await bareSpawns(count, agents.length);
        const r = { ...(await measure(group.id)), bare };
        progress(
          `hybrid round ${round_}: ${r.jobsPerSecond.toFixed(1)} jobs/s on ${agents.length} agents; bare bash ${bare.toFixed(0)}/s; queue p50 ${r.queueP50} ms p99 ${r.queueP99} ms`,
        );
        hybrid.push(r);
      }
    } finally {
      for (const a of agents) await a.stop();
    }

    const m = (f: (r: (typeof results)[number]) => number) => round(median(results.map(f)), 1);
    return {
      benchmark: 'jobs',
      database: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
      jobs: count,
      rounds,
      parallelPerServer: PARALLEL,
      cloudJobsPerSecond: m((r) => r.jobsPerSecond),
      bareSpawnsPerSecond: m((r) => r.bare),
      ratio: round(median(results.map((r) => r.jobsPerSecond / r.bare)), 3),
      queueLatencyMs: { p50: m((r) => r.queueP50), p99: m((r) => r.queueP99) },
      endToEndP99Ms: m((r) => r.e2eP99),
      hybrid: {
        agents: agents.length,
        jobsPerSecond: round(median(hybrid.map((r) => r.jobsPerSecond)), 1),
        bareSpawnsPerSecond: round(median(hybrid.map((r) => r.bare)), 1),
        ratio: round(median(hybrid.map((r) => r.jobsPerSecond / r.bare)), 3),
        queueLatencyMs: {
          p50: round(median(hybrid.map((r) => r.queueP50)), 1),
          p99: round(median(hybrid.map((r) => r.queueP99)), 1),
        },
      },
    };
  } finally {
    await server.stop('SIGTERM');
  }
}

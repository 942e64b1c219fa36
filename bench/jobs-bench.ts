// Benchmark `jobs`: cloud jobs of a trivial shell runbook dispatched and completed per second by a real Steward
// server, with queue latency, beside the cost of spawning the same runbook bare (bash, same parallelism) in the
// same run.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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

    const results: {
      jobsPerSecond: number;
      bare: number;
      queueP50: number;
      queueP99: number;
      e2eP99: number;
    }[] = [];
    for (let round_ = 1; round_ <= rounds; round_++) {
      const bare = await bareSpawns(count, PARALLEL);
      const t0 = performance.now();
      const ids: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = next++; i < count; i = next++)
            ids.push(
              (await post<{ id: string }>(`/api/v1/runbooks/${rb.id}/jobs`, { parameters: { N: i } })).id,
            );
        }),
      );
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
        jobs = r.body.items.filter((j) => ids.includes(j.id));
        if (jobs.every((j) => ['Completed', 'Failed', 'Stopped'].includes(j.status))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - t0) / 1000;
      const failed = jobs.filter((j) => j.status !== 'Completed').length;
      if (failed) throw new Error(`${failed} jobs did not complete`);
      const ms = (a: string | null, b: string | null) => new Date(b!).getTime() - new Date(a!).getTime();
      const queue = jobs.map((j) => ms(j.createdAt, j.startedAt));
      const e2e = jobs.map((j) => ms(j.createdAt, j.endedAt));
      const r = {
        jobsPerSecond: count / seconds,
        bare,
        queueP50: percentile(queue, 50),
        queueP99: percentile(queue, 99),
        e2eP99: percentile(e2e, 99),
      };
      progress(
        `round ${round_}: ${count} jobs in ${seconds.toFixed(1)} s = ${r.jobsPerSecond.toFixed(1)} jobs/s; bare bash ${bare.toFixed(0)}/s; queue p50 ${r.queueP50} ms p99 ${r.queueP99} ms`,
      );
      results.push(r);
      // The next round's jobs all fall in a new history page.
      await new Promise((r) => setTimeout(r, 500));
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
      hybrid: 'not measured: hybrid worker groups are not built yet',
    };
  } finally {
    await server.stop('SIGTERM');
  }
}

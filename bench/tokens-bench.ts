// `npm run bench -- tokens`: identity tokens per second through the job token endpoint — cache misses
// (distinct audiences: sign, audit) and cache hits (one audience) — against raw ES256 signing of the same
// claims in the same run, with p50/p99 latencies; the goal is misses at ≥ 50 % of raw signing. The endpoint and
// the server's own token service (following the change feed, as in production) run in this process; the jobs
// asking run in a process of their own (bench/token-load.ts), as jobs do. Medians of the rounds.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateKeyPair, SignJWT } from 'jose';
import { startJobEndpoint } from '../src/automation/job-endpoint.js';
import prepareTestDatabases from '../test/support/global-setup.js';
import { createTestApp } from '../test/support/test-app.js';
import { median, percentile, round } from './bench-stats.js';
import type { LoadResult } from './load-generator.js';

const loadScript = fileURLToPath(new URL('./token-load.ts', import.meta.url));

function askTokens(o: {
  url: string;
  header: string;
  requests: number;
  concurrency: number;
  audience?: string;
  offset?: number;
}): Promise<LoadResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [...process.execArgv, loadScript, JSON.stringify(o)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`token load exited with ${code}`));
      const result = JSON.parse(out) as LoadResult;
      if (result.errors) return fail(new Error(`token endpoint: ${result.firstError}`));
      ok(result);
    });
  });
}

/** Raw signing of the same claims, one at a time on this process's core. */
async function rawSigning(n: number) {
  const { privateKey } = await generateKeyPair('ES256');
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new SignJWT({
      oid: 'p',
      tid: 't',
      azp: 'c',
      appid: 'c',
      xms_mirid: '/x',
      job_id: 'job',
      worker: 'w',
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'JWT' })
      .setIssuer('https://bench.example')
      .setSubject('p')
      .setAudience(`api://audience-${i}`)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('1h')
      .setJti(String(i))
      .sign(privateKey);
    latencies.push(performance.now() - t0);
  }
  return { requestsPerSecond: n / ((performance.now() - start) / 1000), ...stats(latencies) };
}

const stats = (latencies: number[]) => ({
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
});

/** The median round of each figure, rounded for print. */
function medianOf(rounds: { requestsPerSecond: number; p50Ms: number; p99Ms: number }[]) {
  return {
    perSecond: round(median(rounds.map((r) => r.requestsPerSecond)), 1),
    p50Ms: round(median(rounds.map((r) => r.p50Ms)), 3),
    p99Ms: round(median(rounds.map((r) => r.p99Ms)), 3),
  };
}

export async function runTokensBench(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      requests: { type: 'string', default: '3000' },
      concurrency: { type: 'string', default: '16' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const n = Number(values.requests);
  const concurrency = Math.max(1, Number(values.concurrency));
  const rounds = Math.max(1, Number(values.rounds));
  // The migrated database the test app starts from (a PGlite snapshot, or a PostgreSQL template with DATABASE_URL).
  const dropDatabases = await prepareTestDatabases();
  const t = await createTestApp();
  try {
    const account = (
      await t.request({
        method: 'POST',
        url: '/api/v1/automation-accounts',
        token: t.adminToken,
        body: { name: 'bench' },
      })
    ).json();
    // The server's own token service, following the change feed as it does in production.
    const tokens = t.app.tokens;
    const ep = await startJobEndpoint({
      readAsset: async () => ({ kind: 'not-found', message: '' }),
      identityToken: (job, selector, resource) =>
        tokens.issue({ ...job, worker: 'srv_bench' }, selector, resource),
    });
    const header = ep.issueIdentityHeader({ jobId: 'job_bench', automationAccountId: account.id });
    const load = { url: ep.url(), header, requests: n, concurrency };
    await askTokens({ ...load, requests: 50, audience: 'api://warm-up' });
    const misses: LoadResult[] = [];
    const hits: LoadResult[] = [];
    const raw: Awaited<ReturnType<typeof rawSigning>>[] = [];
    for (let r = 0; r < rounds; r++) {
      process.stderr.write(
        `tokens: round ${r + 1}/${rounds}: ${n} cache misses, ${n} hits, ${n} raw signs…\n`,
      );
      misses.push(await askTokens({ ...load, offset: r * n }));
      hits.push(await askTokens({ ...load, audience: 'api://audience-0' }));
      raw.push(await rawSigning(n));
    }
    await ep.close();
    const cacheMisses = medianOf(misses);
    const rawSigningFigures = medianOf(raw);
    const ratio = cacheMisses.perSecond / rawSigningFigures.perSecond;
    return {
      database: t.database.kind,
      requests: n,
      concurrency,
      rounds,
      alg: 'ES256',
      cacheMisses,
      cacheHits: medianOf(hits),
      rawSigning: rawSigningFigures,
      missesToRawRatio: round(ratio, 3),
      goalMet: ratio >= 0.5,
    };
  } finally {
    await t.close();
    await dropDatabases();
  }
}

export const tokensBenchmark = {
  summary:
    'identity tokens per second through the job endpoint, asked by a separate process (cache misses: distinct ' +
    'audiences; cache hits) against raw ES256 signing in the same run, p50/p99, medians of the rounds ' +
    '(options: --requests 3000 --concurrency 16 --rounds 3; DATABASE_URL for PostgreSQL)',
  run: runTokensBench,
};

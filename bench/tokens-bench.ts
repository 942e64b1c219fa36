// `npm run bench -- tokens`: identity tokens per second through the job token endpoint — cache misses
// (distinct audiences: sign, audit) and cache hits (one audience) — against raw ES256 signing of the same
// claims in the same run, with p50/p99 latencies; the goal is misses at ≥ 50 % of raw signing.
import { parseArgs } from 'node:util';
import { generateKeyPair, SignJWT } from 'jose';
import { startJobEndpoint } from '../src/automation/job-endpoint.js';
import { createKeyring } from '../src/crypto/keyring.js';
import { createTokenService } from '../src/server/modules/identity/token-service.js';
import { createTestApp } from '../test/support/test-app.js';
import { percentile, round } from './bench-stats.js';

/** `n` operations, `concurrency` of them in flight at once (as that many jobs asking together). */
async function timed(n: number, op: (i: number) => Promise<unknown>, concurrency = 1) {
  const latencies: number[] = [];
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    perSecond: round(n / seconds, 1),
    p50Ms: round(percentile(latencies, 50), 3),
    p99Ms: round(percentile(latencies, 99), 3),
  };
}

export async function runTokensBench(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: { requests: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '1' } },
  });
  const n = Number(values.requests);
  const concurrency = Math.max(1, Number(values.concurrency));
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
    const keyring = createKeyring({
      current: () => t.rootKey,
      find: (id) => (id === t.rootKey.id ? t.rootKey : undefined),
    });
    const tokens = createTokenService({ db: t.database.db, keyring, issuer: () => 'https://bench.example' });
    const ep = await startJobEndpoint({
      readAsset: async () => ({ kind: 'not-found', message: '' }),
      identityToken: (job, selector, resource) =>
        tokens.issue({ ...job, worker: 'srv_bench' }, selector, resource),
    });
    const header = ep.issueIdentityHeader({ jobId: 'job_bench', automationAccountId: account.id });
    const get = async (resource: string) => {
      const res = await fetch(`${ep.url()}/msi/token?resource=${encodeURIComponent(resource)}`, {
        headers: { 'x-identity-header': header },
      });
      if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
      await res.json();
    };
    await get('warm-up');
    process.stderr.write(`tokens: ${n} cache misses…\n`);
    const misses = await timed(n, (i) => get(`api://audience-${i}`), concurrency);
    process.stderr.write(`tokens: ${n} cache hits…\n`);
    const hits = await timed(n, () => get('api://audience-0'), concurrency);
    const { privateKey } = await generateKeyPair('ES256');
    const raw = await timed(n, (i) =>
      new SignJWT({ oid: 'p', tid: 't', azp: 'c', appid: 'c', xms_mirid: '/x', job_id: 'job', worker: 'w' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'JWT' })
        .setIssuer('https://bench.example')
        .setSubject('p')
        .setAudience(`api://audience-${i}`)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime('1h')
        .setJti(String(i))
        .sign(privateKey),
    );
    await ep.close();
    return {
      requests: n,
      concurrency,
      alg: 'ES256',
      cacheMisses: misses,
      cacheHits: hits,
      rawSigning: raw,
      missesToRawRatio: round(misses.perSecond / raw.perSecond, 3),
      goalMet: misses.perSecond / raw.perSecond >= 0.5,
    };
  } finally {
    await t.close();
  }
}

export const tokensBenchmark = {
  summary:
    'identity tokens per second through the job endpoint (cache misses: distinct audiences; cache hits) against ' +
    'raw ES256 signing in the same run, p50/p99 (options: --requests 2000 --concurrency 1)',
  run: runTokensBench,
};

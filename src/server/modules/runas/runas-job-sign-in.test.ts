// Proves, in process with real cloud jobs and the built CLI, that a shell runbook signs in with the legacy Run As
// account as Azure's did (R52): it reads AzureRunAsConnection, and `steward login --service-principal` reads the
// certificate asset through the job's endpoint and signs in at the token endpoint; a job holding the certificate
// while it is renewed still signs in with it afterwards and completes (R50, S41), while a job started after the
// renewal uses the new one; and no private key or token reaches a job stream, an audit record or a log line.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';

let t: TestApp;
let base = '';
const logLines: string[] = [];
let accountId = '';

beforeAll(async () => {
  t = await createTestApp({ issuerUrl: () => base || undefined, logLines });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  await t.app.runtime.leases.renew();
  accountId = (await call('POST', '/api/v1/automation-accounts', { name: 'runas-jobs' })).json().id;
  expect((await call('POST', `/api/v1/automation-accounts/${accountId}/run-as-account`, {})).statusCode).toBe(
    201,
  );
});
afterAll(async () => {
  await t.app.runtime.stop();
  await t.close();
});

const call = (method: string, url: string, body?: unknown) =>
  t.request({ method, url, token: t.adminToken, body });

async function output(jobId: string) {
  const r = (await call('GET', `/api/v1/jobs/${jobId}/streams`)).json();
  return (r.items as { stream: string; text: string }[]).map((i) => `${i.stream}: ${i.text}`).join('\n');
}

async function until(
  jobId: string,
  done: (job: { status: string }, out: string) => boolean,
  timeoutMs = 20_000,
) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    void t.app.runtime.runJobs();
    const job = (await call('GET', `/api/v1/jobs/${jobId}`)).json();
    const out = await output(jobId);
    if (done(job, out)) return { job, out };
    if (Date.now() > end) throw new Error(`job ${jobId} is ${job.status}: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const runbook = [
  'set -e',
  'CONN=$(steward asset get connection AzureRunAsConnection)',
  'field() { printf %s "$CONN" | sed -n "s/.*\\"$1\\":\\"\\([^\\"]*\\)\\".*/\\1/p"; }',
  'HELD="$TMPDIR/held.json"',
  'steward asset get certificate AzureRunAsCertificate > "$HELD"',
  'steward login --service-principal --tenant "$(field TenantId)" --app-id "$(field ApplicationId)" --cert-thumbprint "$(field CertificateThumbprint)"',
  'echo "holding $(field CertificateThumbprint)"',
  'sleep "${PARAM_WAIT:-0}"',
  'steward login --service-principal --tenant "$(field TenantId)" --app-id "$(field ApplicationId)" --certificate-file "$HELD"',
].join('\n');

describe('a runbook signing in with the Run As certificate', () => {
  it('signs in, and a job holding the certificate across a renewal still signs in and completes', async () => {
    const rb = (
      await call('POST', `/api/v1/automation-accounts/${accountId}/runbooks`, {
        name: 'signs-in',
        type: 'shell',
        content: runbook,
        parameters: [{ name: 'WAIT', type: 'string' }],
      })
    ).json();
    expect((await call('POST', `/api/v1/runbooks/${rb.id}/publish`, {})).statusCode).toBe(200);
    const start = async (wait: string) => {
      const res = await call('POST', `/api/v1/runbooks/${rb.id}/jobs`, { parameters: { WAIT: wait } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const before = (await call('GET', `/api/v1/automation-accounts/${accountId}/run-as-account`)).json();
    const held = await start('2');
    await until(held, (_j, out) => out.includes('holding'));
    const renewed = await call('POST', `/api/v1/automation-accounts/${accountId}/run-as-account/renew`, {});
    expect(renewed.statusCode).toBe(200);
    const after = renewed.json().certificate.thumbprint;
    const fresh = await start('0');
    const first = await until(held, (j) => ['Completed', 'Failed', 'Stopped'].includes(j.status));
    expect(first.job.status, first.out).toBe('Completed');
    expect(first.out.match(/Signed in to .* with certificate (\w+)/g)).toEqual([
      expect.stringContaining(before.certificate.thumbprint),
      expect.stringContaining(before.certificate.thumbprint),
    ]);
    const second = await until(fresh, (j) => ['Completed', 'Failed', 'Stopped'].includes(j.status));
    expect(second.job.status, second.out).toBe('Completed');
    expect(second.out).toContain(`with certificate ${after}`);

    const signIns = await t.database.query<{ details: { thumbprint: string } }>(
      `SELECT details FROM audit_log WHERE kind = 'runas.sign-in' AND target = $1`,
      [accountId],
    );
    expect(signIns.map((s) => s.details.thumbprint).sort()).toEqual(
      [before.certificate.thumbprint, before.certificate.thumbprint, after, after].sort(),
    );
    const everything = `${first.out}\n${second.out}\n${logLines.join('\n')}\n${JSON.stringify(
      await t.database.query('SELECT details FROM audit_log'),
    )}`;
    expect(everything).not.toMatch(/PRIVATE KEY|eyJ[\w-]+\.eyJ/);
  }, 60_000);
});

// Proves the way off a legacy Run As account end to end, with a real server process, real cloud jobs and the real
// CLI: a shell runbook that signs in with the Run As certificate (`steward login --service-principal`) calls
// Steward's API as the service principal; `runas-usage` finds it; `steward automation migrate --dry-run` shows the
// diff and changes nothing; `steward automation migrate --publish` enables the identity, copies the principal's
// Contributor and publishes the rewritten runbook; the next job signs in with the managed identity and its API
// call succeeds; after the Run As account is deleted the job still works.
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCliProcess } from '../support/cli-process.js';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
} from '../support/server-process.js';

let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
});

// The Azure-era pattern: read the connection, sign in with its certificate, then call the API.
const runbook = (dir: string) =>
  [
    'CONN=$(steward asset get connection AzureRunAsConnection)',
    'APP=$(printf %s "$CONN" | jq -r .fields.ApplicationId)',
    'TENANT=$(printf %s "$CONN" | jq -r .fields.TenantId)',
    'THUMB=$(printf %s "$CONN" | jq -r .fields.CertificateThumbprint)',
    'steward login --service-principal --tenant "$TENANT" --app-id "$APP" --cert-thumbprint "$THUMB" > /dev/null',
    'if steward automation account show "$AUTOMATION_ACCOUNT_ID" > /dev/null; then echo "api: allowed"; else echo "api: refused"; fi',
    `cp "$HOME/.config/steward/credentials.json" "${dir}/$AUTOMATION_JOB_ID.credentials"`,
  ].join('\n');

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

describe('migrating a runbook off the Run As account', () => {
  it('signs in with the certificate before, with the managed identity after, and calls the API both times', async () => {
    assertCliBuilt();
    server = await startServer();
    const s = server;
    const admin = await signInAsBootstrapAdmin(
      s.url,
      await oneTimePasswordOf(s),
      'runas migration e2e password',
    );
    const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
      api<T>(s.url, method, path, { token: admin, body });
    const scratch = mkdtempSync(join(tmpdir(), 'steward-runas-migration-'));
    const steward = (args: string[]) =>
      runCliProcess(args, {
        HOME: scratch,
        STEWARD_CONFIG_DIR: join(scratch, 'config'),
        STEWARD_URL: s.url,
        STEWARD_TOKEN: admin,
      });
    const dir = mkdtempSync(join(tmpdir(), 'steward-runas-migration-jobs-'));
    chmodSync(dir, 0o777);

    const aa = (
      await call<{ id: string }>('POST', '/api/v1/automation-accounts', {
        name: 'legacy-app',
        identity: { type: 'None' },
      })
    ).body;
    const runAs = await call<{ servicePrincipalId: string }>(
      'POST',
      `/api/v1/automation-accounts/${aa.id}/run-as-account`,
      {},
    );
    expect(runAs.status).toBe(201);
    const rb = (
      await call<{ id: string }>('POST', `/api/v1/automation-accounts/${aa.id}/runbooks`, {
        name: 'Report',
        type: 'shell',
        content: runbook(dir),
      })
    ).body;
    expect((await call('POST', `/api/v1/runbooks/${rb.id}/publish`)).status).toBe(200);

    async function run() {
      const job = (await call<{ id: string }>('POST', `/api/v1/runbooks/${rb.id}/jobs`, {})).body;
      const until = Date.now() + 60_000;
      let status = '';
      for (;;) {
        status = (await call<{ status: string }>('GET', `/api/v1/jobs/${job.id}`)).body.status;
        if (['Completed', 'Failed', 'Stopped'].includes(status)) break;
        if (Date.now() > until) throw new Error(`job ${job.id} still ${status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const streams = (
        await call<{ items: { stream: string; text: string }[] }>('GET', `/api/v1/jobs/${job.id}/streams`)
      ).body;
      const output = streams.items.map((i) => `${i.stream}: ${i.text}`).join('\n');
      const saved = JSON.parse(readFileSync(join(dir, `${job.id}.credentials`), 'utf8'));
      return { status, output, claims: claimsOf(saved.token) };
    }

    const before = await run();
    expect(before.output).toContain('api: allowed');
    expect(before.status).toBe('Completed');
    expect(before.claims).toMatchObject({ oid: runAs.body.servicePrincipalId, appidacr: '2' });

    const usage = await steward(['automation', 'runas-usage', '--account', 'legacy-app']);
    expect(usage.code, usage.stderr).toBe(0);
    expect(usage.stdout).toMatch(/Report \(shell, v1 published\) line 5: steward login --service-principal/);

    const dry = await steward(['automation', 'migrate', 'legacy-app', '--dry-run', '--publish']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would enable the system-assigned identity');
    expect(dry.stdout).toContain(`would-assign: Contributor at /automationAccounts/${aa.id}`);
    expect(dry.stdout).toContain('+steward login --identity > /dev/null');
    expect(dry.stdout).toContain('-CONN=$(steward asset get connection AzureRunAsConnection)');
    expect(
      (
        await call<{ identity: { principalId: string | null } }>(
          'GET',
          `/api/v1/automation-accounts/${aa.id}`,
        )
      ).body.identity.principalId,
    ).toBeNull();

    const done = await steward(['automation', 'migrate', 'legacy-app', '--publish']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('[1/4] identity: enabled the system-assigned identity');
    expect(done.stdout).toContain(`assigned: Contributor at /automationAccounts/${aa.id}`);
    expect(done.stdout).toContain('Report (shell): published v2');
    expect(done.stdout).toContain('Done: nothing uses the Run As account any more.');
    const identity = (
      await call<{ identity: { principalId: string } }>('GET', `/api/v1/automation-accounts/${aa.id}`)
    ).body.identity;

    const after = await run();
    expect(after.output).toContain('api: allowed');
    expect(after.claims).toMatchObject({ oid: identity.principalId });
    expect(after.claims.appidacr).toBeUndefined();

    // The first job read the Run As connection this week: deletion needs --force, and the jobs go on.
    const refused = await steward(['automation', 'runas', 'delete', 'legacy-app']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('job(s) of the last 7 days');
    expect((await steward(['automation', 'runas', 'delete', 'legacy-app', '--force'])).code).toBe(0);
    const last = await run();
    expect(last.output).toContain('api: allowed');
    expect(last.claims).toMatchObject({ oid: identity.principalId });
  }, 180_000);
});

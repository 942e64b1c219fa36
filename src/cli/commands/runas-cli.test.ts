// Proves the Run As commands end to end in process against a listening app: `steward automation runas create`
// (with --months), `show` with its status and next step, `runas-usage` naming the runbook line, `renew`, `delete`
// refused while a runbook uses it (naming it; no --force) and done once it signs in with the identity; and `steward login --service-principal` signing in with
// a certificate file, refusing a wrong thumbprint, and explaining that without one it runs inside a job. No
// private key is printed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let t: TestApp;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-runas-cli-'));
beforeAll(async () => {
  t = await createTestApp();
  url = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
});
afterAll(() => t.close());

const steward = (args: string[], env: Record<string, string> = {}) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: t.adminToken, HOME: dir, ...env });

describe('steward automation runas', () => {
  it('creates, shows, finds usage, renews and deletes; signs in with the certificate', async () => {
    expect((await steward(['automation', 'account', 'create', 'cli-runas'])).code).toBe(0);
    const made = await steward(['automation', 'runas', 'create', 'cli-runas', '--months', '2', '--json']);
    expect(made.code, made.err).toBe(0);
    const r = JSON.parse(made.out);
    expect(r).toMatchObject({ status: 'Complete', certificateSource: 'self-signed' });
    const shown = await steward(['automation', 'runas', 'show', 'cli-runas']);
    expect(shown.out).toContain(r.applicationId);
    expect(shown.out).toContain('Next step: steward automation runas delete cli-runas');

    const rb = await t.request({
      method: 'POST',
      url: `/api/v1/automation-accounts/${r.automationAccountId}/runbooks`,
      token: t.adminToken,
      body: {
        name: 'old-login',
        type: 'powershell',
        content: '# sign in\nAdd-AzureRmAccount -ServicePrincipal\n',
      },
    });
    expect(rb.statusCode).toBe(201);
    const usage = await steward(['automation', 'runas-usage', '--account', 'cli-runas']);
    expect(usage.code, usage.err).toBe(0);
    expect(usage.out).toContain('old-login (powershell, draft) line 2: Add-AzureRmAccount -ServicePrincipal');

    // Outside a job, the certificate comes from a file (here, what a job would read).
    const held = await t.app.automation.assets.readAssetForJob(
      r.automationAccountId,
      'certificate',
      'AzureRunAsCertificate',
    );
    const file = join(dir, 'held.json');
    writeFileSync(file, JSON.stringify(held));
    const login = await steward([
      'login',
      '--service-principal',
      '--app-id',
      r.applicationId,
      '--tenant',
      r.tenantId,
      '--cert-thumbprint',
      r.certificate.thumbprint.toLowerCase(),
      '--certificate-file',
      file,
    ]);
    expect(login.code, login.err).toBe(0);
    expect(login.out).toContain(`with certificate ${r.certificate.thumbprint}`);
    const wrong = await steward([
      'login',
      '--service-principal',
      '--app-id',
      r.applicationId,
      '--cert-thumbprint',
      'AB',
      '--certificate-file',
      file,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('not AB');
    const noJob = await steward([
      'login',
      '--service-principal',
      '--app-id',
      r.applicationId,
      '--cert-thumbprint',
      'AB',
    ]);
    expect(noJob.code).toBe(2);
    expect(noJob.err).toContain('inside a job');

    const renewed = await steward(['automation', 'runas', 'renew', 'cli-runas', '--json']);
    expect(renewed.code, renewed.err).toBe(0);
    expect(JSON.parse(renewed.out).certificate.thumbprint).not.toBe(r.certificate.thumbprint);
    const refused = await steward(['automation', 'runas', 'delete', 'cli-runas']);
    expect(refused.code).toBe(6); // a conflict
    expect(refused.err).toContain('old-login (draft)');
    const forced = await steward(['automation', 'runas', 'delete', 'cli-runas', '--force']);
    expect(forced.code).not.toBe(0);
    expect(forced.err).toContain('--force');
    const edited = await t.request({
      method: 'PUT',
      url: `/api/v1/runbooks/${rb.json().id}/draft`,
      token: t.adminToken,
      body: { content: '# sign in\nConnect-AzAccount -Identity\n' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    const deleted = await steward(['automation', 'runas', 'delete', 'cli-runas', '--days', '30']);
    expect(deleted.code, deleted.err).toBe(0);
    expect(deleted.out).toContain('Deleted the Run As account of cli-runas');
    for (const o of [made, shown, usage, login, renewed]) expect(o.out + o.err).not.toContain('PRIVATE KEY');
  });
});

// Proves the way off a legacy Run As account end to end, with a real server process, real cloud jobs and the real
// CLI: three runbooks — shell, python and node — sign in with the Run As certificate (`steward login
// --service-principal`) and call Steward's API as the service principal; `runas-usage` finds all three by line;
// deleting the Run As account is refused, naming them and this week's jobs; `steward automation migrate
// --dry-run` shows each diff and changes nothing; `steward automation migrate --publish` enables the identity,
// copies the principal's Contributor, writes each rewritten draft, test-runs it and publishes it once its test run
// passed; the Run As account is then deleted (the jobs of this week ran the versions left behind), and every
// runbook's next job signs in with the managed identity and its API call succeeds.
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
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

// The Azure-era pattern in three languages: read the connection, sign in with its certificate, call the API with
// the token the sign-in gave, and keep the credentials for the test to read the token's claims. Python uses only
// its standard library (urllib) and what every job has (the steward CLI); node its own fetch.
const shell = (dir: string) =>
  [
    'CONN=$(steward asset get connection AzureRunAsConnection)',
    'APP=$(printf %s "$CONN" | jq -r .fields.ApplicationId)',
    'TENANT=$(printf %s "$CONN" | jq -r .fields.TenantId)',
    'THUMB=$(printf %s "$CONN" | jq -r .fields.CertificateThumbprint)',
    'steward login --service-principal --tenant "$TENANT" --app-id "$APP" --cert-thumbprint "$THUMB" > /dev/null',
    'if steward automation account show "$AUTOMATION_ACCOUNT_ID" > /dev/null; then echo "api: allowed"; else echo "api: refused"; fi',
    `cp "$HOME/.config/steward/credentials.json" "${dir}/$AUTOMATION_JOB_ID.credentials"`,
  ].join('\n');

const python = (dir: string) =>
  [
    'import json, os, shutil, subprocess, urllib.error, urllib.request',
    "conn = json.loads(subprocess.check_output(['steward', 'asset', 'get', 'connection', 'AzureRunAsConnection']))",
    "tenant = conn['fields']['TenantId']",
    "app = conn['fields']['ApplicationId']",
    "thumb = conn['fields']['CertificateThumbprint']",
    "os.system(f'steward login --service-principal --tenant {tenant} --app-id {app} --cert-thumbprint {thumb} > /dev/null')",
    "saved = os.path.join(os.environ['HOME'], '.config', 'steward', 'credentials.json')",
    "token = json.load(open(saved))['token']",
    "url = os.environ['STEWARD_URL'].rstrip('/') + '/api/v1/automation-accounts/' + os.environ['AUTOMATION_ACCOUNT_ID']",
    'try:',
    "    urllib.request.urlopen(urllib.request.Request(url, headers={'Authorization': 'Bearer ' + token})).read()",
    "    print('api: allowed')",
    'except urllib.error.HTTPError as e:',
    "    print('api: refused', e.code)",
    `shutil.copy(saved, '${dir}/' + os.environ['AUTOMATION_JOB_ID'] + '.credentials')`,
  ].join('\n');

const node = (dir: string) =>
  [
    "import { execSync } from 'node:child_process';",
    "import { copyFileSync, readFileSync } from 'node:fs';",
    "const conn = JSON.parse(execSync('steward asset get connection AzureRunAsConnection').toString());",
    'const tenant = conn.fields.TenantId;',
    'const app = conn.fields.ApplicationId;',
    'const thumb = conn.fields.CertificateThumbprint;',
    'execSync(`steward login --service-principal --tenant ${tenant} --app-id ${app} --cert-thumbprint ${thumb} > /dev/null`);',
    'const saved = `${process.env.HOME}/.config/steward/credentials.json`;',
    "const { token } = JSON.parse(readFileSync(saved, 'utf8'));",
    "const url = `${process.env.STEWARD_URL.replace(/\\/$/, '')}/api/v1/automation-accounts/${process.env.AUTOMATION_ACCOUNT_ID}`;",
    'const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });',
    "console.log(res.ok ? 'api: allowed' : `api: refused ${res.status}`);",
    `copyFileSync(saved, \`${dir}/\${process.env.AUTOMATION_JOB_ID}.credentials\`);`,
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
    const made: Record<string, string> = {};
    for (const [name, type, content] of [
      ['Report', 'shell', shell(dir)],
      ['PyReport', 'python', python(dir)],
      ['NodeReport', 'node', node(dir)],
    ] as const) {
      const rb = await call<{ id: string }>('POST', `/api/v1/automation-accounts/${aa.id}/runbooks`, {
        name,
        type,
        content,
      });
      expect(rb.status, JSON.stringify(rb.body)).toBe(201);
      expect((await call('POST', `/api/v1/runbooks/${rb.body.id}/publish`)).status).toBe(200);
      made[name] = rb.body.id;
    }
    const names = Object.keys(made);

    async function run(runbookId: string) {
      const job = (await call<{ id: string }>('POST', `/api/v1/runbooks/${runbookId}/jobs`, {})).body;
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
      const file = join(dir, `${job.id}.credentials`);
      const claims = existsSync(file) ? claimsOf(JSON.parse(readFileSync(file, 'utf8')).token) : {};
      return { status, output, claims };
    }
    const runAll = () => Promise.all(names.map((n) => run(made[n]!)));

    for (const before of await runAll()) {
      expect(before.output).toContain('api: allowed');
      expect(before.status, before.output).toBe('Completed');
      expect(before.claims).toMatchObject({ oid: runAs.body.servicePrincipalId, appidacr: '2' });
    }

    const usage = await steward(['automation', 'runas-usage', '--account', 'legacy-app']);
    expect(usage.code, usage.stderr).toBe(0);
    expect(usage.stdout).toMatch(/Report \(shell, v1 published\) line 5: steward login --service-principal/);
    expect(usage.stdout).toMatch(/PyReport \(python, v1 published\) line 2: .*AzureRunAsConnection/);
    expect(usage.stdout).toMatch(
      /PyReport \(python, v1 published\) line 6: .*steward login --service-principal/,
    );
    expect(usage.stdout).toMatch(
      /NodeReport \(node, v1 published\) line 7: .*steward login --service-principal/,
    );

    // Still used: the runbooks and this week's jobs are named, and nothing is deleted (there is no --force).
    const refused = await steward(['automation', 'runas', 'delete', 'legacy-app']);
    expect(refused.code).not.toBe(0);
    for (const n of names) expect(refused.stderr).toContain(`${n} (draft, v1 published)`);
    expect(refused.stderr).toContain('job(s) of the last 7 days');

    const dry = await steward(['automation', 'migrate', 'legacy-app', '--dry-run', '--publish']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would enable the system-assigned identity');
    expect(dry.stdout).toContain(`would-assign: Contributor at /automationAccounts/${aa.id}`);
    expect(dry.stdout).toContain('+steward login --identity > /dev/null');
    expect(dry.stdout).toContain("+os.system(f'steward login --identity > /dev/null')");
    expect(dry.stdout).toContain('+execSync(`steward login --identity > /dev/null`);');
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
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toContain('[1/4] identity: enabled the system-assigned identity');
    expect(done.stdout).toContain(`assigned: Contributor at /automationAccounts/${aa.id}`);
    for (const n of names) expect(done.stdout).toMatch(new RegExp(`  ${n} \\(\\w+\\): published v2\\n`));
    expect(done.stdout.match(/test run job_\w+: passed \(Completed\)/g)).toHaveLength(3);
    expect(done.stdout).toContain('Done: nothing uses the Run As account any more.');
    const identity = (
      await call<{ identity: { principalId: string } }>('GET', `/api/v1/automation-accounts/${aa.id}`)
    ).body.identity;

    // The jobs of this week ran the versions the migration left behind: deletion goes through.
    const deleted = await steward(['automation', 'runas', 'delete', 'legacy-app']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await call('GET', `/api/v1/automation-accounts/${aa.id}/run-as-account`)).status).toBe(404);

    for (const after of await runAll()) {
      expect(after.output).toContain('api: allowed');
      expect(after.status, after.output).toBe('Completed');
      expect(after.claims).toMatchObject({ oid: identity.principalId });
      expect(after.claims.appidacr).toBeUndefined();
    }
    // No private key, client assertion or token (any JWT) reached the server's log lines.
    const logs = `${server!.stdout()}\n${server!.stderr()}`;
    expect(logs).not.toContain('PRIVATE KEY');
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
  }, 180_000);
});

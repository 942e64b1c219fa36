// Proves, end to end in process with real child processes, that Azure's own SDK gets tokens from Steward
// unmodified: a node runbook run as a cloud job uses @azure/identity (ManagedIdentityCredential for the
// account's system identity and, by client id and by resource id, a user-assigned one; DefaultAzureCredential
// too) through IDENTITY_ENDPOINT/IDENTITY_HEADER; an identity not attached to the account is refused; the
// tokens carry Azure's claims and the job's, verify with jose against the JWKS the discovery document names
// (issuer and audience exact); tokens are cached per (identity, audience, job); the job's IDENTITY_HEADER is
// refused once the job ended; every token issued is audited with its identity, audience and job, and no token
// or header reaches an audit record, a job stream or a log line; and a
// shell runbook gets one with `steward token get`.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureIdentityModules } from '../../../../test/support/azure-identity.js';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';

let t: TestApp;
let base = '';
const logLines: string[] = [];
const received = new Map<string, string>();
let sink: Server;
let sinkUrl = '';

beforeAll(async () => {
  t = await createTestApp({ issuerUrl: () => base || undefined, logLines });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  await t.app.runtime.leases.renew();
  // Where the runbook hands its tokens to the test, so that no token is printed.
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.set(new URL(req.url ?? '/', 'http://x').searchParams.get('label') ?? '', body);
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => sink.listen(0, '127.0.0.1', ok));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
});
afterAll(async () => {
  sink.close();
  await t.app.runtime.stop();
  await t.close();
});

const call = (method: string, url: string, body?: unknown) =>
  t.request({ method, url, token: t.adminToken, body });

async function finished(jobId: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await t.app.runtime.runJobs();
    const job = (await call('GET', `/api/v1/jobs/${jobId}`)).json();
    if (['Completed', 'Failed', 'Stopped'].includes(job.status)) return job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const runbookSource = (
  modules: string,
  userClientId: string,
  userResourceId: string,
  strangerClientId: string,
) => `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(modules, 'x.js'))});
const { ManagedIdentityCredential, DefaultAzureCredential } = require('@azure/identity');
const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
async function hand(label, token) {
  await fetch(${JSON.stringify(sinkUrl)} + '/?label=' + label, { method: 'POST', body: token });
}
async function get(label, credential, scope) {
  try {
    const t = await credential.getToken(scope);
    await hand(label, t.token);
    console.log(JSON.stringify({ label, expiresOnTimestamp: t.expiresOnTimestamp, claims: claims(t.token) }));
  } catch (err) {
    console.log(JSON.stringify({ label, refused: err.name }));
  }
}
await get('system', new ManagedIdentityCredential(), 'api://steward-test/.default');
await get('user', new ManagedIdentityCredential({ clientId: ${JSON.stringify(userClientId)} }), 'https://vault.example/.default');
await get('user-by-resource-id', new ManagedIdentityCredential({ resourceId: ${JSON.stringify(userResourceId)} }), 'https://vault.example/.default');
await get('default', new DefaultAzureCredential(), 'api://steward-test/.default');
await get('stranger', new ManagedIdentityCredential({ clientId: ${JSON.stringify(strangerClientId)} }), 'api://steward-test/.default');
await hand('endpoint', process.env.IDENTITY_ENDPOINT);
await hand('header', process.env.IDENTITY_HEADER);
`;

describe('a cloud job signs in with @azure/identity', () => {
  it("gets tokens for its identities that verify against the issuer's JWKS, cached, audited and never logged", async () => {
    const user = (await call('POST', '/api/v1/user-assigned-identities', { name: 'job-user' })).json();
    const stranger = (
      await call('POST', '/api/v1/user-assigned-identities', { name: 'not-attached' })
    ).json();
    const account = (
      await call('POST', '/api/v1/automation-accounts', {
        name: 'identity-e2e',
        identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [user.id] },
      })
    ).json();
    const rb = await call('POST', `/api/v1/automation-accounts/${account.id}/runbooks`, {
      name: 'Sign-In',
      type: 'node',
      content: runbookSource(azureIdentityModules(), user.clientId, user.resourceId, stranger.clientId),
    });
    expect(rb.statusCode, rb.body).toBe(201);
    expect((await call('POST', `/api/v1/runbooks/${rb.json().id}/publish`)).statusCode).toBe(200);
    const started = await call('POST', `/api/v1/runbooks/${rb.json().id}/jobs`, {});
    expect(started.statusCode, started.body).toBe(201);
    const jobId = started.json().id as string;
    const done = await finished(jobId);
    const streams = (await call('GET', `/api/v1/jobs/${jobId}/streams?limit=5000`)).json().items as {
      stream: string;
      text: string;
    }[];
    expect(done.status, JSON.stringify(streams)).toBe('Completed');
    const out = new Map(
      streams
        .filter((s) => s.stream === 'output')
        .map(
          (s) => JSON.parse(s.text) as { label: string; claims?: Record<string, unknown>; refused?: string },
        )
        .map((o) => [o.label, o]),
    );

    const tenant = account.identity.tenantId;
    expect(out.get('system')?.claims).toMatchObject({
      iss: base,
      aud: 'api://steward-test',
      sub: account.identity.principalId,
      oid: account.identity.principalId,
      tid: tenant,
      azp: account.identity.clientId,
      appid: account.identity.clientId,
      xms_mirid: `/managementGroups/${tenant}/automationAccounts/${account.id}`,
      job_id: jobId,
      automation_account_id: account.id,
      worker: expect.stringMatching(/^srv_/),
    });
    const system = out.get('system')!.claims!;
    expect(Number(system.exp) - Number(system.iat)).toBe(3600);
    expect(system.nbf).toBe(system.iat);
    expect(out.get('user')?.claims).toMatchObject({
      aud: 'https://vault.example',
      sub: user.principalId,
      appid: user.clientId,
      xms_mirid: user.resourceId,
    });
    // The same identity and audience in the same job: the cached token again.
    expect(out.get('user-by-resource-id')?.claims?.jti).toBe(out.get('user')?.claims?.jti);
    expect(out.get('default')?.claims?.jti).toBe(system.jti);
    expect(out.get('stranger')).toEqual({ label: 'stranger', refused: expect.any(String) });

    // Verified as any OIDC relying party would: discovery document, then its jwks_uri, issuer and audience exact.
    const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    expect(discovery.issuer).toBe(base);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const verified = await jwtVerify(received.get('system')!, jwks, {
      issuer: discovery.issuer,
      audience: 'api://steward-test',
      algorithms: ['ES256'],
    });
    expect(verified.payload.sub).toBe(account.identity.principalId);
    await expect(
      jwtVerify(received.get('user')!, jwks, { issuer: discovery.issuer, audience: 'api://steward-test' }),
    ).rejects.toThrow();

    const audits = await t.database.query<{
      actor: string;
      target: string;
      details: Record<string, unknown>;
    }>(
      `SELECT actor, target, details FROM audit_log WHERE kind = 'token.issue' AND details->>'jobId' = $1 ORDER BY seq`,
      [jobId],
    );
    expect(audits.map((a) => [a.target, a.details.audience])).toEqual([
      [account.id, 'api://steward-test'],
      [user.id, 'https://vault.example'],
    ]);
    expect(audits[0]).toMatchObject({
      actor: `job:${jobId}`,
      details: { principalId: account.identity.principalId },
    });
    const everything =
      JSON.stringify(await t.database.query('SELECT * FROM audit_log')) + JSON.stringify(streams);
    for (const token of received.values()) {
      expect(everything).not.toContain(token);
      expect(logLines.join('\n')).not.toContain(token);
    }
  }, 90_000);

  it('gets a token with `steward token get` from a shell runbook, and a named identity not attached is an error', async () => {
    const account = (await call('POST', '/api/v1/automation-accounts', { name: 'identity-cli' })).json();
    const content = [
      'steward token get --resource api://cli | python3 -c \'import sys, json; d = json.load(sys.stdin); print(d["token_type"], d["resource"], d["client_id"], type(d["expires_on"]).__name__)\'',
      'steward token get --resource api://cli --client-id 00000000-0000-4000-8000-000000000000 >/dev/null 2>&1; echo "exit $?"',
    ].join('\n');
    const rb = await call('POST', `/api/v1/automation-accounts/${account.id}/runbooks`, {
      name: 'Cli-Token',
      type: 'shell',
      content,
    });
    expect(rb.statusCode, rb.body).toBe(201);
    expect((await call('POST', `/api/v1/runbooks/${rb.json().id}/publish`)).statusCode).toBe(200);
    const jobId = (await call('POST', `/api/v1/runbooks/${rb.json().id}/jobs`, {})).json().id as string;
    const done = await finished(jobId);
    const streams = (await call('GET', `/api/v1/jobs/${jobId}/streams?limit=5000`)).json().items as {
      stream: string;
      text: string;
    }[];
    expect(done.status, JSON.stringify(streams)).toBe('Completed');
    expect(streams.filter((r) => r.stream === 'output').map((r) => r.text)).toEqual([
      `Bearer api://cli ${account.identity.clientId} str`,
      'exit 2',
    ]);
  }, 60_000);
});

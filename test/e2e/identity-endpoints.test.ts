// Proves the identity endpoints on an agent end to end, with a real `steward server` and a real `steward agent`:
// a node runbook run as a hybrid job signs in with @azure/identity's ManagedIdentityCredential through the
// agent's loopback IDENTITY_ENDPOINT (the account's system identity, and a user-assigned one — which Azure does
// not allow on hybrid workers) and through MSI_ENDPOINT/MSI_SECRET (App Service 2017-09-01); the tokens verify
// with jose against the JWKS the discovery document names and name the job and the agent; every token issued
// is audited with identity, audience, job and worker; the job's header is dead once it ended. Then the agent's
// metadata endpoint (R64): refused while the computer's identity is off and without `Metadata: true`
// (bad_request_102); turned on by an administrator (audited), ManagedIdentityCredential in IMDS mode
// (AZURE_POD_IDENTITY_AUTHORITY_HOST) gets the computer's token; past 5 requests at once it answers 429 with
// Retry-After. A shell runbook on the agent signs in with `steward login --identity` (STEWARD_URL is the server the
// agent reaches): Steward's API refuses it (403) without a role assignment and allows it with one, and the
// token verifies with jose against the discovery document's JWKS. No token or identity header reaches a log
// line, a stream or an audit record.
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedIdentityCredential } from '@azure/identity';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../support/agent-process.js';
import { azureIdentityModules } from '../support/azure-identity.js';
import { assertCliBuilt } from '../support/cli-process.js';
import { type Stage, startEnrolledAgent, startStage, until } from '../support/e2e-stage.js';
import { api, tempDir } from '../support/server-process.js';

const COMPUTER = 'identity-e2e-01';
let stage: Stage;
let agent: AgentProcess;
let agentId: string;
let metadataUrl: string;
const received = new Map<string, string>();
let sink: Server;
let sinkUrl = '';

const ok: Stage['ok'] = (method, path, body) => stage.ok(method, path, body);

interface Account {
  id: string;
  identity: { principalId: string; clientId: string; tenantId: string };
}
interface Uami {
  id: string;
  clientId: string;
  principalId: string;
  resourceId: string;
}

beforeAll(async () => {
  assertCliBuilt();
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
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  stage = await startStage({ adminPassword: 'e2e admin password 13' });
  ({ agent, agentId } = await startEnrolledAgent(stage, COMPUTER, {
    dataDir: tempDir('steward-identity-agent-'),
    env: { STEWARD_AGENT_METADATA_PORT: '0' },
  }));
  await agent.waitForLog(/metadata endpoint listening/);
  metadataUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(agent.stderr())![1]!;
}, 90_000);

afterAll(async () => {
  sink?.close();
  await agent?.stop('SIGKILL');
  await stage?.close();
});

const runbookSource = (modules: string, user: Uami) => `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(modules, 'x.js'))});
const { ManagedIdentityCredential } = require('@azure/identity');
const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
const hand = (label, value) => fetch(${JSON.stringify(sinkUrl)} + '/?label=' + label, { method: 'POST', body: value });
async function get(label, credential, scope) {
  try {
    const t = await credential.getToken(scope);
    await hand(label, t.token);
    console.log(JSON.stringify({ label, claims: claims(t.token) }));
  } catch (err) {
    console.log(JSON.stringify({ label, refused: err.name }));
  }
}
await get('system', new ManagedIdentityCredential(), 'api://hybrid/.default');
await get('user', new ManagedIdentityCredential({ clientId: ${JSON.stringify(user.clientId)} }), 'https://vault.example/.default');
await hand('endpoint', process.env.IDENTITY_ENDPOINT);
await hand('header', process.env.IDENTITY_HEADER);
// The App Service 2017-09-01 variant: with IDENTITY_ENDPOINT gone, the SDK speaks it to MSI_ENDPOINT.
delete process.env.IDENTITY_ENDPOINT;
delete process.env.IDENTITY_HEADER;
await get('msi', new ManagedIdentityCredential({ clientId: ${JSON.stringify(user.clientId)} }), 'api://msi/.default');
const raw = await fetch(process.env.MSI_ENDPOINT + '?api-version=2017-09-01&resource=api%3A%2F%2Fmsi', { headers: { secret: process.env.MSI_SECRET } });
const body = await raw.json();
console.log(JSON.stringify({ label: 'msi-raw', status: raw.status, keys: Object.keys(body).sort(), expires_on: body.expires_on }));
`;

describe('identity tokens on a real agent', () => {
  it('a hybrid job signs in with @azure/identity through its agent (system and user-assigned, 2019 and 2017 protocols); tokens verify against the JWKS, audited, header dead after the job', async () => {
    const user = await ok<Uami>('POST', '/api/v1/user-assigned-identities', { name: 'hybrid-user' });
    const account = await ok<Account>('POST', '/api/v1/automation-accounts', {
      name: 'identity-hybrid',
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [user.id] },
    });
    const group = await ok<{ id: string }>('POST', '/api/v1/worker-groups', { name: 'Identity-Workers' });
    await ok('POST', `/api/v1/worker-groups/${group.id}/agents`, { agentId });
    const rb = await ok<{ id: string }>('POST', `/api/v1/automation-accounts/${account.id}/runbooks`, {
      name: 'Hybrid-Sign-In',
      type: 'node',
      content: runbookSource(azureIdentityModules(), user),
    });
    await ok('POST', `/api/v1/runbooks/${rb.id}/publish`);
    const jobId = (await ok<{ id: string }>('POST', `/api/v1/runbooks/${rb.id}/jobs`, { runOn: group.id }))
      .id;
    const done = await until(
      'the hybrid job to end',
      async () => {
        const j = await ok<{ status: string }>('GET', `/api/v1/jobs/${jobId}`);
        return ['Completed', 'Failed', 'Stopped'].includes(j.status) ? j : undefined;
      },
      { timeoutMs: 25_000, diagnostics: () => agent.stderr() },
    );
    const streams = (
      await ok<{ items: { stream: string; text: string }[] }>(
        'GET',
        `/api/v1/jobs/${jobId}/streams?limit=5000`,
      )
    ).items;
    expect(done.status, JSON.stringify(streams)).toBe('Completed');
    const out = new Map(
      streams
        .filter((s) => s.stream === 'output')
        .map(
          (s) =>
            JSON.parse(s.text) as { label: string; claims?: Record<string, unknown> } & Record<
              string,
              unknown
            >,
        )
        .map((o) => [o.label, o]),
    );
    expect(out.get('system')?.claims).toMatchObject({
      aud: 'api://hybrid',
      sub: account.identity.principalId,
      appid: account.identity.clientId,
      job_id: jobId,
      worker: agentId,
    });
    expect(out.get('user')?.claims).toMatchObject({
      aud: 'https://vault.example',
      sub: user.principalId,
      xms_mirid: user.resourceId,
      worker: agentId,
    });
    expect(out.get('msi')?.claims).toMatchObject({ aud: 'api://msi', sub: user.principalId, job_id: jobId });
    // 2017-09-01 answers without client_id, and expires_on as App Service did: MM/DD/YYYY HH:mm:ss +00:00.
    expect(out.get('msi-raw')).toMatchObject({
      status: 200,
      keys: ['access_token', 'expires_on', 'resource', 'token_type'],
      expires_on: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \+00:00$/),
    });

    const discovery = (await (
      await fetch(`${stage.server.url}/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload } = await jwtVerify(received.get('user')!, jwks, {
      issuer: discovery.issuer,
      audience: 'https://vault.example',
      algorithms: ['ES256'],
    });
    expect(payload.sub).toBe(user.principalId);

    const audit = await ok<{
      items: { kind: string; actor: string; target: string; details: Record<string, unknown> }[];
    }>('GET', '/api/v1/audit?limit=1000');
    const issued = audit.items.filter((a) => a.kind === 'token.issue' && a.details.jobId === jobId);
    expect(issued.map((a) => [a.target, a.details.audience, a.details.worker]).sort()).toEqual(
      [
        [account.id, 'api://hybrid', agentId],
        [account.id, 'api://msi', agentId],
        [user.id, 'api://msi', agentId],
        [user.id, 'https://vault.example', agentId],
      ].sort(),
    );

    // The job ended: its header opens nothing any more.
    const dead = await fetch(`${received.get('endpoint')}?resource=api%3A%2F%2Fhybrid`, {
      headers: { 'x-identity-header': received.get('header')! },
    });
    expect(dead.status).toBe(401);
    expect(await dead.json()).toMatchObject({ error: 'unauthorized_client' });

    const everything = [
      JSON.stringify(audit),
      JSON.stringify(streams),
      agent.stderr(),
      stage.server.stderr(),
      stage.server.stdout(),
    ].join('\n');
    for (const label of ['system', 'user', 'msi', 'header'])
      expect(everything).not.toContain(received.get(label)!);
  }, 40_000);

  it("the agent's metadata endpoint serves the computer's own identity once turned on: Metadata: true required, IMDS mode of @azure/identity, throttled", async () => {
    const url = `${metadataUrl}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=api%3A%2F%2Fcomputer`;
    const off = await fetch(url, { headers: { Metadata: 'true' } });
    expect(off.status).toBe(400);
    expect(((await off.json()) as { error_description: string }).error_description).toContain(
      'has no identity',
    );
    const noHeader = await fetch(url);
    expect(noHeader.status).toBe(400);
    expect(await noHeader.json()).toEqual({
      error: 'bad_request_102',
      error_description: 'Required metadata header not specified',
    });
    // Q11: the metadata endpoint demands lower-case `true`.
    expect((await fetch(url, { headers: { Metadata: 'True' } })).status).toBe(400);

    const on = await ok<{ enabled: boolean; principalId: string; clientId: string; resourceId: string }>(
      'PUT',
      `/api/v1/agents/${agentId}/identity`,
      { enabled: true },
    );
    expect(on).toMatchObject({ enabled: true, principalId: expect.any(String) });

    const before = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = metadataUrl;
    let token: string;
    try {
      token = (await new ManagedIdentityCredential().getToken('api://computer/.default')).token;
    } finally {
      if (before === undefined) delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
      else process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = before;
    }
    const jwks = createRemoteJWKSet(new URL(`${stage.server.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, {
      issuer: stage.server.url,
      audience: 'api://computer',
    });
    expect(payload).toMatchObject({
      sub: on.principalId,
      appid: on.clientId,
      xms_mirid: on.resourceId,
      agent_id: agentId,
      computer: COMPUTER,
    });
    expect(decodeProtectedHeader(token).alg).toBe('ES256');

    const imds = await fetch(url, { headers: { Metadata: 'true' } });
    const body = (await imds.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(
      [
        'access_token',
        'client_id',
        'expires_in',
        'expires_on',
        'ext_expires_in',
        'not_before',
        'refresh_token',
        'resource',
        'token_type',
      ].sort(),
    );
    // Cached on the agent: the same token again.
    expect(body.access_token).toBe(token);

    const burst = await Promise.all(
      Array.from({ length: 30 }, () => fetch(url, { headers: { Metadata: 'true' } })),
    );
    const throttled = burst.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(Number(throttled[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThan(0);

    const audit = await ok<{ items: { kind: string; target: string; details: Record<string, unknown> }[] }>(
      'GET',
      '/api/v1/audit?limit=1000',
    );
    expect(audit.items.some((a) => a.kind === 'identity.computer.set' && a.target === agentId)).toBe(true);
    expect(
      audit.items.filter(
        (a) =>
          a.kind === 'token.issue' && a.details.agent === agentId && a.details.audience === 'api://computer',
      ),
    ).toHaveLength(1);
    expect([JSON.stringify(audit), agent.stderr(), stage.server.stderr()].join('\n')).not.toContain(token);
  }, 30_000);

  it('a hybrid job signs in with `steward login --identity` at the server its agent reaches: refused without a role assignment, allowed with one; the token verifies with jose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-identity-login-'));
    chmodSync(dir, 0o777);
    const account = await ok<Account>('POST', '/api/v1/automation-accounts', { name: 'identity-login' });
    const group = await ok<{ id: string }>('POST', '/api/v1/worker-groups', { name: 'Login-Workers' });
    await ok('POST', `/api/v1/worker-groups/${group.id}/agents`, { agentId });
    const rb = await ok<{ id: string }>('POST', `/api/v1/automation-accounts/${account.id}/runbooks`, {
      name: 'Hybrid-Login',
      type: 'shell',
      content: `
echo "url: $STEWARD_URL"
steward login --identity > /dev/null || echo "login failed"
if steward automation account show "$AUTOMATION_ACCOUNT_ID" > /dev/null 2>&1; then echo "api: allowed"; else echo "api: refused"; fi
cp "$HOME/.config/steward/credentials.json" "${dir}/$AUTOMATION_JOB_ID.credentials"
`,
    });
    await ok('POST', `/api/v1/runbooks/${rb.id}/publish`);
    async function run() {
      const id = (await ok<{ id: string }>('POST', `/api/v1/runbooks/${rb.id}/jobs`, { runOn: group.id })).id;
      const done = await until(
        'the hybrid job to end',
        async () => {
          const j = await ok<{ status: string }>('GET', `/api/v1/jobs/${id}`);
          return ['Completed', 'Failed', 'Stopped'].includes(j.status) ? j : undefined;
        },
        { timeoutMs: 25_000, diagnostics: () => agent.stderr() },
      );
      const items = (
        await ok<{ items: { stream: string; text: string }[] }>(
          'GET',
          `/api/v1/jobs/${id}/streams?limit=5000`,
        )
      ).items;
      const output = items.map((i) => `${i.stream}: ${i.text}`).join('\n');
      expect(done.status, output).toBe('Completed');
      const saved = JSON.parse(readFileSync(join(dir, `${id}.credentials`), 'utf8')) as {
        url: string;
        token: string;
      };
      return { id, output, saved };
    }
    const accountUrl = `/api/v1/automation-accounts/${account.id}`;

    const first = await run();
    expect(first.output).toContain(`url: ${stage.server.url}`);
    expect(first.output).not.toContain('login failed');
    expect(first.output).toContain('api: refused');
    expect(first.saved.url).toBe(stage.server.url);
    const refused = await api<{ error: { code: string } }>(stage.server.url, 'GET', accountUrl, {
      token: first.saved.token,
    });
    expect(refused.status).toBe(403);

    await ok('POST', '/api/v1/role-assignments', {
      principalId: account.identity.principalId,
      role: 'Reader',
      scope: `/automationAccounts/${account.id}`,
    });
    const second = await run();
    expect(second.output).toContain('api: allowed');
    const allowed = await api(stage.server.url, 'GET', accountUrl, { token: second.saved.token });
    expect(allowed.status).toBe(200);

    const discovery = (await (
      await fetch(`${stage.server.url}/.well-known/openid-configuration`)
    ).json()) as { issuer: string; jwks_uri: string };
    const { payload } = await jwtVerify(second.saved.token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: discovery.issuer,
      audience: 'api://steward',
    });
    expect(payload).toMatchObject({
      oid: account.identity.principalId,
      job_id: second.id,
      worker: agentId,
    });

    const logs = [agent.stderr(), stage.server.stderr(), stage.server.stdout(), first.output, second.output];
    for (const t of [first.saved.token, second.saved.token])
      expect(logs.join('\n')).not.toContain(t.split('.')[2]);
  }, 60_000);
});

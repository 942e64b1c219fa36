// Proves identity tokens over the agents' signed channel, with real agents' signed requests: a hybrid job's
// token is issued only to the agent that holds the job (another agent gets 404, audited; a job that ended,
// 409), sealed to its key and opened there, audited with job and agent; an audience configured for RS256 gets
// an RS256 token whose key is in the JWKS; a computer's own identity is off until an administrator turns it on
// for the computer or a worker group (only administrators may; audited; bad input named), then its agent gets
// tokens of it, and a selector naming another identity is "Identity not found".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createAgentApi } from '../../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../../agent/agent-identity.js';
import type { ApiError } from '../../../contract/client.js';
import { rolesWithout } from '../../../domain/roles.js';

let t: TestApp;
let server: string;
const dirs: string[] = [];
const ISSUER = 'https://issuer.example';

async function call(method: string, url: string, body?: unknown, token: string = t.adminToken) {
  const res = await t.request({ method, url, token, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

async function enrolled(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-agent-tokens-'));
  dirs.push(dir);
  const token = (await call('POST', '/api/v1/agents/enrollment-tokens', { computerName: name })).body.token;
  const api = createAgentApi({ server, identity: loadOrCreateIdentity(join(dir, 'data')) });
  await api.enroll({ computerName: name, token });
  return { api, agentId: api.agentId! };
}
type Agent = Awaited<ReturnType<typeof enrolled>>;

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as ApiError,
  );
const jwks = async () => createLocalJWKSet((await call('GET', '/.well-known/jwks.json')).body);
const auditOf = (kind: string) =>
  t.database.query<{ actor: string; target: string; details: Record<string, unknown> }>(
    'SELECT actor, target, details FROM audit_log WHERE kind = $1 ORDER BY seq',
    [kind],
  );

let a: Agent;
let b: Agent;
let accountId: string;
let groupId: string;

beforeAll(async () => {
  t = await createTestApp({ issuerUrl: () => ISSUER, rs256Audiences: ['sts.amazonaws.com'] });
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
  a = await enrolled('tokens-a');
  b = await enrolled('tokens-b');
  accountId = (await call('POST', '/api/v1/automation-accounts', { name: 'agent-tokens' })).body.id;
  groupId = (await call('POST', '/api/v1/worker-groups', { name: 'Token-Workers' })).body.id;
  expect((await call('POST', `/api/v1/worker-groups/${groupId}/agents`, { agentId: a.agentId })).status).toBe(
    200,
  );
}, 60_000);

afterAll(async () => {
  await t.app.runtime.stop();
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function heldJob(): Promise<string> {
  const rb = await call('POST', `/api/v1/automation-accounts/${accountId}/runbooks`, {
    name: `Rb-${Math.random().toString(36).slice(2, 8)}`,
    type: 'shell',
    content: 'echo hi',
  });
  await call('POST', `/api/v1/runbooks/${rb.body.id}/publish`);
  const id = (await call('POST', `/api/v1/runbooks/${rb.body.id}/jobs`, { runOn: groupId })).body.id;
  const claimed = await a.api.claimJobs({ max: 10 });
  expect(claimed.map((j) => j.job.id)).toContain(id);
  return id;
}

describe("a hybrid job's token over the signed channel", () => {
  it('is issued to the agent that holds the job, opened with its key, audited with job and agent; another agent gets 404, and an ended job 409', async () => {
    const jobId = await heldJob();
    const answer = await a.api.jobIdentityToken(jobId, { by: 'system' }, 'api://hybrid');
    if (answer.kind !== 'issued') throw new Error(answer.description);
    const { payload } = await jwtVerify(answer.accessToken, await jwks(), {
      issuer: ISSUER,
      audience: 'api://hybrid',
      algorithms: ['ES256'],
    });
    expect(payload).toMatchObject({ job_id: jobId, worker: a.agentId, automation_account_id: accountId });
    const audited = (await auditOf('token.issue')).filter((r) => r.details.jobId === jobId);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      actor: `job:${jobId}`,
      target: accountId,
      details: { worker: a.agentId, audience: 'api://hybrid', alg: 'ES256' },
    });
    expect(JSON.stringify(audited)).not.toContain(answer.accessToken);

    expect((await failure(b.api.jobIdentityToken(jobId, { by: 'system' }, 'api://hybrid')))?.status).toBe(
      404,
    );
    const refused = await t.database.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE kind = 'job.refused' AND target = $1`,
      [jobId],
    );
    expect(Number(refused[0]?.n)).toBe(1);
    const stranger = await a.api.jobIdentityToken(
      jobId,
      { by: 'client_id', value: '00000000-0000-4000-8000-000000000000' },
      'api://hybrid',
    );
    expect(stranger).toMatchObject({ kind: 'refused', error: 'invalid_request' });

    await a.api.finishJob(jobId, {
      exitCode: 0,
      error: null,
      exception: null,
      stopped: false,
      interrupted: false,
    });
    expect((await failure(a.api.jobIdentityToken(jobId, { by: 'system' }, 'api://hybrid')))?.status).toBe(
      409,
    );
  });

  it('signs RS256 for an audience configured to need it, with an RSA key published in the JWKS', async () => {
    const jobId = await heldJob();
    const answer = await a.api.jobIdentityToken(jobId, { by: 'system' }, 'sts.amazonaws.com');
    if (answer.kind !== 'issued') throw new Error(answer.description);
    const header = decodeProtectedHeader(answer.accessToken);
    expect(header.alg).toBe('RS256');
    const published = (await call('GET', '/.well-known/jwks.json')).body.keys as Record<string, string>[];
    expect(published.find((k) => k.kid === header.kid)).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
    });
    expect(published.every((k) => k.d === undefined && k.p === undefined)).toBe(true);
    await jwtVerify(answer.accessToken, await jwks(), {
      issuer: ISSUER,
      audience: 'sts.amazonaws.com',
      algorithms: ['RS256'],
    });
    const discovery = (await call('GET', '/.well-known/openid-configuration')).body;
    expect(discovery.id_token_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['ES256', 'RS256']),
    );
    // Cached per (identity, audience, job): the same token again, signed once.
    const again = await a.api.jobIdentityToken(jobId, { by: 'system' }, 'sts.amazonaws.com');
    expect(again.kind === 'issued' && again.accessToken).toBe(answer.accessToken);
  });
});

describe("a computer's own identity", () => {
  it('is off until turned on; only administrators turn it on, for a computer or a worker group; audited; bad input named', async () => {
    const off = await a.api.computerIdentityToken({ by: 'system' }, 'api://computer');
    expect(off).toMatchObject({ kind: 'refused', error: 'invalid_request' });
    expect(off.kind === 'refused' && off.description).toContain('has no identity');

    for (const role of rolesWithout('agents.manage')) {
      const token = await t.tokenFor(role);
      expect((await call('GET', `/api/v1/agents/${a.agentId}/identity`, undefined, token)).status).toBe(403);
      expect(
        (await call('PUT', `/api/v1/agents/${a.agentId}/identity`, { enabled: true }, token)).status,
      ).toBe(403);
      expect(
        (await call('PUT', `/api/v1/worker-groups/${groupId}/identity`, { enabled: true }, token)).status,
      ).toBe(403);
    }
    const bad = await call('PUT', `/api/v1/agents/${a.agentId}/identity`, { enabled: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('body.enabled');
    expect((await call('PUT', '/api/v1/agents/cmp_nope/identity', { enabled: true })).status).toBe(404);
    expect((await a.api.computerIdentityToken({ by: 'system' }, 'api://computer')).kind).toBe('refused');

    const on = await call('PUT', `/api/v1/agents/${a.agentId}/identity`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, direct: true, groups: [], computerName: 'tokens-a' });
    const issued = await a.api.computerIdentityToken({ by: 'system' }, 'api://computer');
    if (issued.kind !== 'issued') throw new Error(issued.description);
    const { payload } = await jwtVerify(issued.accessToken, await jwks(), {
      issuer: ISSUER,
      audience: 'api://computer',
    });
    expect(payload).toMatchObject({
      sub: on.body.principalId,
      appid: on.body.clientId,
      xms_mirid: on.body.resourceId,
      agent_id: a.agentId,
      computer: 'tokens-a',
    });
    expect(
      await a.api.computerIdentityToken(
        { by: 'client_id', value: on.body.clientId.toUpperCase() },
        'api://c2',
      ),
    ).toMatchObject({ kind: 'issued' });
    expect(
      await a.api.computerIdentityToken(
        { by: 'client_id', value: '00000000-0000-4000-8000-000000000000' },
        'api://c2',
      ),
    ).toEqual({ kind: 'refused', error: 'invalid_request', description: 'Identity not found' });

    // Off again: refused; on again: the same principal.
    await call('PUT', `/api/v1/agents/${a.agentId}/identity`, { enabled: false });
    expect((await a.api.computerIdentityToken({ by: 'system' }, 'api://computer-2')).kind).toBe('refused');
    // Through its worker group instead.
    const g = await call('PUT', `/api/v1/worker-groups/${groupId}/identity`, { enabled: true });
    expect(g.body).toEqual({ id: groupId, name: 'Token-Workers', computerIdentity: true });
    const shown = (await call('GET', `/api/v1/agents/${a.agentId}/identity`)).body;
    expect(shown).toMatchObject({
      enabled: true,
      direct: false,
      groups: [{ id: groupId, name: 'Token-Workers' }],
      principalId: on.body.principalId,
    });
    expect((await a.api.computerIdentityToken({ by: 'system' }, 'api://computer-2')).kind).toBe('issued');
    // b is in no such group.
    expect((await b.api.computerIdentityToken({ by: 'system' }, 'api://computer-2')).kind).toBe('refused');

    expect((await auditOf('identity.computer.set')).map((r) => [r.target, r.details.enabled])).toEqual([
      [a.agentId, true],
      [a.agentId, false],
    ]);
    expect((await auditOf('identity.worker-group.set'))[0]).toMatchObject({
      target: groupId,
      details: { computerIdentity: true, agents: [a.agentId] },
    });
    const computerTokens = (await auditOf('token.issue')).filter((r) => r.details.agent === a.agentId);
    expect(computerTokens.map((r) => r.actor)).toEqual(Array(3).fill(`agent:${a.agentId}`));
  });
});

// Proves agent enrollment (single-use expiring tokens, pending approval), assertion authentication (replayed,
// forged, expired, pending and revoked refused), configuration long-polls, and sealed credential delivery that
// reaches only the agents an account is distributed to — audited, and with no secret in the audit log.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createAgentApi } from '../../../agent/agent-api.js';
import {
  type AgentIdentity,
  loadIdentity,
  loadOrCreateIdentity,
  saveAgentId,
} from '../../../agent/agent-identity.js';
import {
  agentConfigSchema,
  agentConfigWithCredentialsSchema,
  credentialAad,
} from '../../../contract/agents.js';
import { ApiError } from '../../../contract/client.js';
import {
  assertionClaims,
  generateAgentKeys,
  openSealed,
  type SealedEnvelope,
  signAssertion,
} from '../../../crypto/agent-keys.js';
import { createAgentsService } from './agents-service.js';

let t: TestApp;
let admin: string;
let server: string;
const dirs: string[] = [];
const SECRET = 'agent-delivery-very-secret-password';
const SQL_PACK = readFileSync(
  new URL('../../../../test/fixtures/packs/test-sql.yaml', import.meta.url),
  'utf8',
);

async function call(method: string, url: string, body?: unknown, token: string | null = admin) {
  const res = await t.request({ method, url, token: token ?? undefined, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, raw: res.body };
}
async function ok(method: string, url: string, body?: unknown) {
  const r = await call(method, url, body);
  if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status} ${r.raw}`);
  return r.body;
}
const newToken = async (computerName: string, expiresInMinutes?: number) =>
  (await ok('POST', '/api/v1/agents/enrollment-tokens', { computerName, expiresInMinutes })).token as string;

function identity(): { dir: string; id: AgentIdentity } {
  const dir = mkdtempSync(join(tmpdir(), 'steward-agent-'));
  dirs.push(dir);
  return { dir, id: loadOrCreateIdentity(join(dir, 'data')) };
}

/** An enrolled, approved agent and its client. */
async function enrolled(name: string) {
  const { id } = identity();
  const api = createAgentApi({ server, identity: id });
  await api.enroll({ computerName: name, token: await newToken(name) });
  return { api, identity: id, agentId: api.agentId! };
}

const agentGet = (url: string, assertion: string) =>
  t.request({ method: 'GET', url, headers: { authorization: `Agent ${assertion}` } });

async function expectApiError(p: Promise<unknown>, status: number) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).status).toBe(status);
}

/**
 * Runs `use` with an agent client whose requests pass through a proxy to the server that changes each JSON answer
 * with `rewrite` on the way back.
 */
async function viaProxy(
  agent: { identity: AgentIdentity; agentId: string },
  rewrite: (answer: Record<string, unknown>) => Record<string, unknown>,
  use: (api: ReturnType<typeof createAgentApi>) => Promise<void>,
) {
  const proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(`${server}${req.url}`, {
      method: req.method,
      headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const answer = rewrite((await upstream.json()) as Record<string, unknown>);
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    await use(
      createAgentApi({
        server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        identity: { ...agent.identity, agentId: agent.agentId },
      }),
    );
  } finally {
    await new Promise((r) => proxy.close(r));
  }
}

async function auditOf(kind: string) {
  return t.database.query<{ actor: string; target: string; details: Record<string, unknown> }>(
    'SELECT actor, target, details FROM audit_log WHERE kind = $1 ORDER BY seq',
    [kind],
  );
}

beforeAll(async () => {
  t = await createTestApp();
  admin = t.adminToken;
  await ok('POST', '/api/v1/packs', { content: SQL_PACK, format: 'yaml' });
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('agent identity', () => {
  it('keeps its private keys in files only the owner can read, and reloads the same keys', () => {
    const { dir, id } = identity();
    const data = join(dir, 'data');
    for (const f of ['agent-signing-key.pem', 'agent-sealing-key.pem'])
      expect(statSync(join(data, f)).mode & 0o777).toBe(0o600);
    saveAgentId(data, 'cmp_x');
    const again = loadIdentity(data)!;
    expect(again.signingPublicKey).toBe(id.signingPublicKey);
    expect(again.sealingPublicKey).toBe(id.sealingPublicKey);
    expect(again.agentId).toBe('cmp_x');
  });
});

describe('enrollment tokens', () => {
  it('are shown once, stored hashed, and refused to roles other than Administrator', async () => {
    const r = await call('POST', '/api/v1/agents/enrollment-tokens', { computerName: 'tok-host' });
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^stw_enroll_/);
    expect(new Date(r.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    const rows = await t.database.query<{ token_hash: string }>('SELECT token_hash FROM enrollment_tokens');
    expect(JSON.stringify(rows)).not.toContain(r.body.token);
    for (const role of ['author', 'operator', 'read-only-operator'] as const) {
      const denied = await call(
        'POST',
        '/api/v1/agents/enrollment-tokens',
        { computerName: 'x' },
        await t.tokenFor(role),
      );
      expect(denied.status).toBe(403);
    }
    expect((await call('POST', '/api/v1/agents/enrollment-tokens', { computerName: 'x' }, null)).status).toBe(
      401,
    );
  });

  it('are listed without the token and revoked while unused (audited); a used one stays, as history', async () => {
    const made = await ok('POST', '/api/v1/agents/enrollment-tokens', { computerName: 'list-host' });
    const used = await ok('POST', '/api/v1/agents/enrollment-tokens', { computerName: 'used-host' });
    await createAgentApi({ server, identity: identity().id }).enroll({
      computerName: 'used-host',
      token: used.token,
    });
    const list = await call('GET', '/api/v1/agents/enrollment-tokens');
    expect(list.status).toBe(200);
    expect(list.raw).not.toContain(made.token);
    expect(list.raw).not.toContain(used.token);
    expect(list.raw).not.toMatch(/stw_enroll_|token_?hash/i);
    const byId = (id: string) => list.body.items.find((i: { id: string }) => i.id === id);
    expect(byId(made.id)).toMatchObject({ computerName: 'list-host', state: 'unused', usedAt: null });
    expect(byId(used.id)).toMatchObject({ computerName: 'used-host', state: 'used' });

    for (const role of ['author', 'operator', 'read-only-operator'] as const) {
      const as = await t.tokenFor(role);
      expect((await call('GET', '/api/v1/agents/enrollment-tokens', undefined, as)).status).toBe(403);
      expect(
        (await call('DELETE', `/api/v1/agents/enrollment-tokens/${made.id}`, undefined, as)).status,
      ).toBe(403);
    }
    expect((await call('DELETE', `/api/v1/agents/enrollment-tokens/${used.id}`)).status).toBe(409);
    expect((await call('DELETE', `/api/v1/agents/enrollment-tokens/${made.id}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/agents/enrollment-tokens/${made.id}`)).status).toBe(404);
    const bad = await call('DELETE', '/api/v1/agents/enrollment-tokens/enr_%00x');
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('params.id');
    // Revoked: it enrolls nothing, and the revocation names who made it.
    await expectApiError(
      createAgentApi({ server, identity: identity().id }).enroll({
        computerName: 'list-host',
        token: made.token,
      }),
      401,
    );
    expect((await auditOf('agent.token.revoke')).at(-1)).toMatchObject({ target: made.id });
    expect(JSON.stringify(await auditOf('agent.token.revoke'))).not.toContain(made.token);
  });

  it('refuse a lifetime over seven days, naming the field', async () => {
    const r = await call('POST', '/api/v1/agents/enrollment-tokens', {
      computerName: 'x',
      expiresInMinutes: 7 * 24 * 60 + 1,
    });
    expect(r.status).toBe(400);
    expect(r.body.error.issues[0].path).toBe('body.expiresInMinutes');
  });
});

describe('enrollment', () => {
  it('with a token registers the computer (audited) and approves the agent; the token works once', async () => {
    const token = await newToken('web-01');
    const { id } = identity();
    const api = createAgentApi({ server, identity: id });
    const out = await api.enroll({ computerName: 'web-01', token });
    expect(out.status).toBe('approved');
    expect(out.agentId).toMatch(/^cmp_/);
    const computer = await ok('GET', `/api/v1/computers/${out.agentId}`);
    expect(computer.name).toBe('web-01');
    expect((await auditOf('computer.create')).some((a) => a.target === out.agentId)).toBe(true);
    const enrolls = await auditOf('agent.enroll');
    expect(enrolls.at(-1)).toMatchObject({ target: out.agentId, details: { status: 'approved' } });
    const listed = (await ok('GET', '/api/v1/agents')).items.find(
      (a: { id: string }) => a.id === out.agentId,
    );
    expect(listed).toMatchObject({ status: 'approved', computerName: 'web-01', computerRegistered: true });
    expect(listed.signingKeyFingerprint).toBe(id.fingerprint);

    const again = createAgentApi({ server, identity: identity().id });
    await expectApiError(again.enroll({ computerName: 'web-01', token }), 401);
  });

  it('refuses an expired token, an unknown one, and one made for another computer (without using it)', async () => {
    const expired = await newToken('old-01', 1);
    await t.database.query(`UPDATE enrollment_tokens SET expires_at = now() - interval '1 second'`, []);
    const api = () => createAgentApi({ server, identity: identity().id });
    await expectApiError(api().enroll({ computerName: 'old-01', token: expired }), 401);
    await expectApiError(api().enroll({ computerName: 'old-01', token: 'stw_enroll_nope' }), 401);
    const token = await newToken('db-01');
    await expectApiError(api().enroll({ computerName: 'db-02', token }), 401);
    expect((await api().enroll({ computerName: 'db-01', token })).status).toBe('approved');
  });

  it('enrolls a pre-registered computer under its own id', async () => {
    const c = await ok('POST', '/api/v1/computers', { name: 'pre-01' });
    const a = await enrolled('pre-01');
    expect(a.agentId).toBe(c.id);
  });

  it('refuses a second agent for a computer that has an approved one (409)', async () => {
    await enrolled('dup-01');
    const other = createAgentApi({ server, identity: identity().id });
    await expectApiError(other.enroll({ computerName: 'dup-01' }), 409);
    const r = await call('POST', '/api/v1/agents/enrollment-tokens', { computerName: 'dup-01' });
    expect(r.status).toBe(409);
  });

  it('refuses public keys of the wrong type, naming the field', async () => {
    const keys = generateAgentKeys();
    const r = await call(
      'POST',
      '/api/v1/agent/enroll',
      {
        computerName: 'bad-keys',
        signingPublicKey: keys.sealing.publicKey
          .export({ format: 'der', type: 'spki' })
          .toString('base64url'),
        sealingPublicKey: keys.sealing.publicKey
          .export({ format: 'der', type: 'spki' })
          .toString('base64url'),
      },
      null,
    );
    expect(r.status).toBe(400);
    expect(r.body.error.issues[0].path).toBe('body.signingPublicKey');
  });

  it('without a token waits for approval, which registers the computer; approving twice is a conflict', async () => {
    const api = createAgentApi({ server, identity: identity().id });
    const out = await api.enroll({ computerName: 'pending-01' });
    expect(out.status).toBe('pending');
    await expectApiError(api.fetchConfig(), 401);
    expect((await call('GET', `/api/v1/computers/${out.agentId}`)).status).toBe(404);
    const again = createAgentApi({ server, identity: identity().id });
    await expectApiError(again.enroll({ computerName: 'pending-01' }), 409);
    const pending = (await ok('GET', '/api/v1/agents?status=pending')).items;
    expect(pending.map((a: { id: string }) => a.id)).toContain(out.agentId);

    expect(
      (await call('POST', `/api/v1/agents/${out.agentId}/approve`, undefined, await t.tokenFor('author')))
        .status,
    ).toBe(403);
    expect(await ok('POST', `/api/v1/agents/${out.agentId}/approve`)).toEqual({
      id: out.agentId,
      status: 'approved',
    });
    expect((await ok('GET', `/api/v1/computers/${out.agentId}`)).name).toBe('pending-01');
    const config = await api.fetchConfig();
    expect(config.kind === 'changed' && config.config.healthServiceId).toBe(out.agentId);
    expect((await call('POST', `/api/v1/agents/${out.agentId}/approve`)).status).toBe(409);
    expect((await call('POST', '/api/v1/agents/cmp_nosuch/approve')).status).toBe(404);
  });

  it('keeps the queue of token-less enrollments bounded: past the limit, 429 and nothing stored', async () => {
    // Only the enrollment path runs here; no credential is ever opened.
    const agents = createAgentsService({
      db: t.database.db,
      accounts: { openCredentials: async () => [] },
      resolution: t.app.resolution,
      maxPending: (await ok('GET', '/api/v1/agents?status=pending')).items.length + 1,
    });
    const spki = () => {
      const k = generateAgentKeys();
      return {
        signingPublicKey: k.signing.publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
        sealingPublicKey: k.sealing.publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
      };
    };
    expect((await agents.enroll({ computerName: 'flood-01', ...spki() })).status).toBe('pending');
    await expect(agents.enroll({ computerName: 'flood-02', ...spki() })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    });
    const names = (await ok('GET', '/api/v1/agents')).items.map(
      (a: { computerName: string }) => a.computerName,
    );
    expect(names).toContain('flood-01');
    expect(names).not.toContain('flood-02');
  });
});

describe('agent authentication', () => {
  let a: Awaited<ReturnType<typeof enrolled>>;
  beforeAll(async () => {
    a = await enrolled('auth-01');
  });

  const configRequest = { method: 'GET', path: '/api/v1/agent/config' };

  it('accepts a fresh assertion once and refuses it replayed', async () => {
    const assertion = await signAssertion(a.identity.signingKey, a.agentId, { request: configRequest });
    const first = await agentGet('/api/v1/agent/config', assertion);
    expect(first.statusCode).toBe(200);
    expect(first.json().healthServiceId).toBe(a.agentId);
    const replay = await agentGet('/api/v1/agent/config', assertion);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('UNAUTHENTICATED');
    expect(replay.json().error.message).toMatch(/already used/);
  });

  it('names its own audience on every agent answer; an assertion made for it is used once, in memory', async () => {
    const shared = await agentGet(
      '/api/v1/agent/config',
      await signAssertion(a.identity.signingKey, a.agentId, { request: configRequest }),
    );
    const audience = shared.headers['steward-assertion-audience'];
    expect(audience).toMatch(/^steward:[\w-]{22}$/);
    const refusal = await agentGet('/api/v1/agent/config', 'not-a-jwt');
    expect(refusal.statusCode).toBe(401);
    expect(refusal.headers['steward-assertion-audience']).toBe(audience);

    const recorded = async () =>
      Number((await t.database.query<{ n: string }>('SELECT count(*) AS n FROM assertion_replays'))[0]!.n);
    const before = await recorded();
    const own = await signAssertion(a.identity.signingKey, a.agentId, {
      request: configRequest,
      audience: String(audience),
    });
    expect((await agentGet('/api/v1/agent/config', own)).statusCode).toBe(200);
    const replay = await agentGet('/api/v1/agent/config', own);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.message).toMatch(/already used/);
    // Its single use is this server's to remember: nothing was written for it.
    expect(await recorded()).toBe(before);
  });

  it("refuses an assertion made for another server's audience, naming its own", async () => {
    for (const audience of ['steward:another-server-or-an-earlier-start', 'someone-else']) {
      const r = await agentGet(
        '/api/v1/agent/config',
        await signAssertion(a.identity.signingKey, a.agentId, { request: configRequest, audience }),
      );
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('UNAUTHENTICATED');
      expect(r.json().error.message).toMatch(/another server or an earlier start/);
      expect(r.headers['steward-assertion-audience']).toMatch(/^steward:/);
    }
  });

  it("signs for the server's own audience once it knows it, and again for a new one after a refusal", async () => {
    const audiences: string[] = [];
    let refusals = 0;
    const seen: typeof fetch = async (input, init) => {
      const assertion = String(new Headers(init?.headers).get('authorization')).slice('Agent '.length);
      audiences.push(assertionClaims(assertion)!.audience);
      const res = await fetch(input, init);
      if (res.status === 401) refusals++;
      return res;
    };
    const api = createAgentApi({ server, identity: { ...a.identity, agentId: a.agentId }, fetch: seen });
    await api.fetchConfig();
    await api.fetchConfig();
    const own = audiences[1]!;
    expect(audiences).toEqual(['steward', own]);
    expect(own).toMatch(/^steward:/);
    expect(refusals).toBe(0);
    // As after a restart: the server no longer accepts what the agent learned, and names its new audience.
    const stale = createAgentApi({
      server,
      identity: { ...a.identity, agentId: a.agentId },
      fetch: async (input, init) => {
        const res = await seen(input, init);
        const headers = new Headers(res.headers);
        if (audiences.length === 3) headers.set('steward-assertion-audience', 'steward:before-the-restart');
        return new Response(await res.text(), { status: res.status, headers });
      },
    });
    await stale.fetchConfig();
    expect((await stale.fetchConfig()).kind).toBe('changed');
    expect(audiences.slice(2)).toEqual(['steward', 'steward:before-the-restart', own]);
    expect(refusals).toBe(1);
  });

  it('signs for the audience every server accepts after the server could not be reached', async () => {
    const audiences: string[] = [];
    let unreachable = false;
    const api = createAgentApi({
      server,
      identity: { ...a.identity, agentId: a.agentId },
      fetch: async (input, init) => {
        const assertion = String(new Headers(init?.headers).get('authorization')).slice('Agent '.length);
        audiences.push(assertionClaims(assertion)!.audience);
        if (unreachable) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
        return fetch(input, init);
      },
    });
    await api.fetchConfig();
    await api.fetchConfig();
    const own = audiences[1]!;
    expect(own).toMatch(/^steward:/);
    unreachable = true;
    await expect(api.fetchConfig()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    unreachable = false;
    // Whatever answers now may be a new start of the server: no refusal for the audience it had before.
    expect((await api.fetchConfig()).kind).toBe('changed');
    await api.fetchConfig();
    expect(audiences).toEqual(['steward', own, own, 'steward', own]);
  });

  it('refuses an assertion signed by another key, an expired one, and one for an unknown agent', async () => {
    const other = generateAgentKeys();
    const forged = await agentGet(
      '/api/v1/agent/config',
      await signAssertion(other.signing.privateKey, a.agentId, { request: configRequest }),
    );
    expect(forged.statusCode).toBe(401);
    const expired = await agentGet(
      '/api/v1/agent/config',
      await signAssertion(a.identity.signingKey, a.agentId, {
        now: new Date(Date.now() - 120_000),
        request: configRequest,
      }),
    );
    expect(expired.statusCode).toBe(401);
    const unknown = await agentGet(
      '/api/v1/agent/config',
      await signAssertion(a.identity.signingKey, 'cmp_nobody', { request: configRequest }),
    );
    expect(unknown.statusCode).toBe(401);
    for (const r of [forged, expired, unknown]) expect(r.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an assertion made for another request, or for no request at all', async () => {
    const sign = (request?: { method: string; path: string }) =>
      signAssertion(a.identity.signingKey, a.agentId, request ? { request } : {});
    const otherPath = await agentGet(
      '/api/v1/agent/config',
      await sign({ method: 'GET', path: '/api/v1/agent/workflows' }),
    );
    const otherMethod = await agentGet(
      '/api/v1/agent/config',
      await sign({ method: 'POST', path: '/api/v1/agent/config' }),
    );
    const unbound = await agentGet('/api/v1/agent/config', await sign());
    for (const r of [otherPath, otherMethod, unbound]) {
      expect(r.statusCode).toBe(401);
      expect(r.json().error.message).toMatch(/another request/);
    }
    // Behind a reverse proxy that serves Steward under a prefix, the agent signs the full path.
    const prefixed = await agentGet(
      '/api/v1/agent/config',
      await sign({ method: 'GET', path: '/steward/api/v1/agent/config' }),
    );
    expect(prefixed.statusCode).toBe(200);
  });

  it('refuses a captured, unused assertion sent with another body or another query string', async () => {
    const signed = { checks: [] };
    const assertion = (body: string | undefined, query = '') =>
      signAssertion(a.identity.signingKey, a.agentId, {
        request: { method: 'PUT', path: '/api/v1/agent/account-checks', query, body },
      });
    const put = async (auth: string, payload: string, url = '/api/v1/agent/account-checks') =>
      t.app.inject({
        method: 'PUT',
        url,
        headers: { authorization: `Agent ${auth}`, 'content-type': 'application/json' },
        payload,
      });
    const otherBody = await put(await assertion(JSON.stringify(signed)), '{"checks":[] }');
    expect(otherBody.statusCode).toBe(401);
    expect(otherBody.json().error.message).toMatch(/another request body/);
    const noBodySigned = await put(await assertion(undefined), JSON.stringify(signed));
    expect(noBodySigned.statusCode).toBe(401);
    const otherQuery = await agentGet(
      '/api/v1/agent/config?waitSeconds=0&tag=forged',
      await signAssertion(a.identity.signingKey, a.agentId, {
        request: { method: 'GET', path: '/api/v1/agent/config', query: 'waitSeconds=0' },
      }),
    );
    expect(otherQuery.statusCode).toBe(401);
    expect(otherQuery.json().error.message).toMatch(/another request/);
    // The same bytes and query it was signed for pass.
    expect((await put(await assertion(JSON.stringify(signed)), JSON.stringify(signed))).statusCode).toBe(200);
    const sameQuery = await agentGet(
      '/api/v1/agent/config?waitSeconds=0',
      await signAssertion(a.identity.signingKey, a.agentId, {
        request: { method: 'GET', path: '/api/v1/agent/config', query: 'waitSeconds=0' },
      }),
    );
    expect(sameQuery.statusCode).toBe(200);
  });

  it('refuses a user token on agent routes and records lastSeenAt for the agent', async () => {
    const r = await call('GET', '/api/v1/agent/config', undefined, admin);
    expect(r.status).toBe(401);
    const listed = (await ok('GET', '/api/v1/agents')).items.find((x: { id: string }) => x.id === a.agentId);
    expect(listed.lastSeenAt).not.toBeNull();
  });

  it('refuses a revoked agent from then on', async () => {
    const b = await enrolled('revoke-01');
    expect((await b.api.fetchConfig()).kind).toBe('changed');
    expect(await ok('POST', `/api/v1/agents/${b.agentId}/revoke`)).toEqual({
      id: b.agentId,
      status: 'revoked',
    });
    await expectApiError(b.api.fetchConfig(), 401);
    await expectApiError(b.api.fetchCredentials([]), 401);
    expect((await call('POST', `/api/v1/agents/${b.agentId}/revoke`)).status).toBe(409);
  });

  /** An enrolled agent with its configuration, waiting for the next change; the wait's end or its error. */
  async function waitingAgent(name: string) {
    const b = await enrolled(name);
    const first = await b.api.fetchConfig();
    if (first.kind !== 'changed') throw new Error('expected a configuration');
    const waiting = b.api.fetchConfig({ tag: first.config.tag, waitSeconds: 20 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    return { b, waiting };
  }

  it('ends the long-poll of an agent at once when it is revoked, with AGENT_REVOKED', async () => {
    const { b, waiting } = await waitingAgent('revoke-02');
    const revokedAt = Date.now();
    await ok('POST', `/api/v1/agents/${b.agentId}/revoke`);
    const err = await waiting;
    expect(Date.now() - revokedAt).toBeLessThan(2000);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'AGENT_REVOKED' });
  });

  it('gives no configuration change to an agent revoked while it waited (as through another server)', async () => {
    const { b, waiting } = await waitingAgent('revoke-03');
    // Another server's revocation is a row this server did not write: no wake-up, only the record.
    await t.database.query(`UPDATE agents SET status = 'revoked' WHERE id = $1`, [b.agentId]);
    const acct = await ok('POST', '/api/v1/accounts', {
      name: 'revoke-03-account',
      credential: { type: 'windows', userName: 'svc', password: 'revoke-secret-3' },
    });
    await ok('POST', '/api/v1/profiles/Test.Computer.Profile/associations', {
      accountId: acct.id,
      scope: { kind: 'object', objectId: b.agentId },
    });
    expect(await waiting).toMatchObject({ status: 401, code: 'AGENT_REVOKED' });
  });
});

describe('the readiness probe of a preferred server', () => {
  it('is true for a server that answers and false, within its timeout, for one that accepts and never answers', async () => {
    const { id } = identity();
    expect(await createAgentApi({ server, identity: id, timeoutMs: 2000 }).ready()).toBe(true);
    const hung = createNetServer(() => {});
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      expect(await createAgentApi({ server: url, identity: id, timeoutMs: 500 }).ready()).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      hung.close();
    }
  });
});

describe('configuration long-poll', () => {
  it('answers 304 when nothing changed within the wait', async () => {
    const a = await enrolled('poll-01');
    const first = await a.api.fetchConfig();
    if (first.kind !== 'changed') throw new Error('expected a configuration');
    const started = Date.now();
    expect((await a.api.fetchConfig({ tag: first.config.tag, waitSeconds: 1 })).kind).toBe('unchanged');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('returns promptly after an association change reaches the agent', async () => {
    const a = await enrolled('poll-02');
    const first = await a.api.fetchConfig();
    if (first.kind !== 'changed') throw new Error('expected a configuration');
    const acct = await ok('POST', '/api/v1/accounts', {
      name: 'poll-02-account',
      credential: { type: 'windows', userName: 'svc', password: 'poll-secret-1' },
    });
    const waiting = a.api.fetchConfig({ tag: first.config.tag, waitSeconds: 20 });
    await new Promise((r) => setTimeout(r, 200));
    const changedAt = Date.now();
    await ok('POST', '/api/v1/profiles/Test.Computer.Profile/associations', {
      accountId: acct.id,
      scope: { kind: 'object', objectId: a.agentId },
    });
    const next = await waiting;
    expect(Date.now() - changedAt).toBeLessThan(2000);
    expect(next.kind).toBe('changed');
    if (next.kind !== 'changed') return;
    expect(next.config.tag).not.toBe(first.config.tag);
    expect(next.config.entries.some((e) => e.resolution.kind === 'not-distributed')).toBe(true);
  });

  it('sends the configuration exactly as its response schema makes it, and the same bytes until it changes', async () => {
    const a = await enrolled('poll-03');
    const acct = await ok('POST', '/api/v1/accounts', {
      name: 'poll-03-account',
      credential: { type: 'windows', userName: 'svc', password: 'poll-secret-3' },
    });
    await ok('PUT', `/api/v1/accounts/${acct.id}/distribution`, {
      security: 'more-secure',
      approved: [a.agentId],
    });
    await ok('POST', '/api/v1/profiles/Test.Computer.Profile/associations', {
      accountId: acct.id,
      scope: { kind: 'object', objectId: a.agentId },
    });
    const fetchRaw = async () => {
      const res = await agentGet(
        '/api/v1/agent/config',
        await signAssertion(a.identity.signingKey, a.agentId, {
          request: { method: 'GET', path: '/api/v1/agent/config' },
        }),
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      return res.body;
    };
    const body = await fetchRaw();
    const config = JSON.parse(body);
    // What the schema keeps of it, in its order: no field more, none missing, none of another type.
    expect(body).toBe(JSON.stringify(z.encode(agentConfigSchema, config)));
    expect(config.healthServiceId).toBe(a.agentId);
    expect(config.accounts).toEqual([{ id: acct.id, version: 1 }]);
    expect(config.entries).toContainEqual({
      workflowId: expect.any(String),
      objectId: a.agentId,
      resolution: { kind: 'account', accountId: acct.id, associationId: expect.any(String) },
    });
    expect(await fetchRaw()).toBe(body);
  });
});

describe('sealed credential delivery', () => {
  let a: Awaited<ReturnType<typeof enrolled>>;
  let b: Awaited<ReturnType<typeof enrolled>>;
  let accountId: string;
  beforeAll(async () => {
    a = await enrolled('cred-a');
    b = await enrolled('cred-b');
    const acct = await ok('POST', '/api/v1/accounts', {
      name: 'cred-a-account',
      credential: { type: 'windows', userName: 'svc-a', domain: 'CONTOSO', password: SECRET },
    });
    accountId = acct.id;
    await ok('PUT', `/api/v1/accounts/${accountId}/distribution`, {
      security: 'more-secure',
      approved: [a.agentId],
    });
  });

  it('delivers an account to the agent it is distributed to, opened only with that agent’s key', async () => {
    const config = await a.api.fetchConfig();
    if (config.kind !== 'changed') throw new Error('expected a configuration');
    const wanted = config.config.accounts.find((x) => x.id === accountId)!;
    expect(wanted).toEqual({ id: accountId, version: 1 });
    const {
      opened: [opened],
    } = await a.api.fetchCredentials([wanted]);
    expect(opened).toMatchObject({
      accountId,
      version: 1,
      type: 'windows',
      publicFields: { userName: 'svc-a', domain: 'CONTOSO' },
      secret: { password: SECRET },
    });
    const delivered = await auditOf('credential.delivery');
    expect(delivered.at(-1)).toMatchObject({
      actor: `agent:${a.agentId}`,
      target: a.agentId,
      details: { agent: a.agentId, accounts: [{ account: accountId, version: 1 }] },
    });
  });

  it('leaves out an envelope changed on the way, naming it unopened, and opens the others', async () => {
    const second = await ok('POST', '/api/v1/accounts', {
      name: 'cred-a-second',
      credential: { type: 'basic', userName: 'svc-a2', password: `${SECRET}-2` },
    });
    await ok('PUT', `/api/v1/accounts/${second.id}/distribution`, {
      security: 'more-secure',
      approved: [a.agentId],
    });
    // A proxy between agent and server that flips one byte of the first envelope's ciphertext.
    const flipFirst = (answer: Record<string, unknown>) => {
      const { items } = answer as { items: { envelope: { ct: string } }[] };
      const ct = Buffer.from(items[0]!.envelope.ct, 'base64url');
      ct[0]! ^= 1;
      items[0]!.envelope.ct = ct.toString('base64url');
      return answer;
    };
    await viaProxy(a, flipFirst, async (via) => {
      const wanted = [
        { id: accountId, version: 1 },
        { id: second.id, version: 1 },
      ];
      const got = await via.fetchCredentials(wanted);
      expect(got.unopened).toEqual([
        {
          accountId,
          version: 1,
          reason: 'The sealed envelope does not open: wrong key, or it was changed.',
        },
      ]);
      expect(got.opened.map((c) => c.accountId)).toEqual([second.id]);
      expect(JSON.stringify(got.unopened)).not.toContain(SECRET);
    });
  });

  it('gives another agent nothing for it, and audits the refusal', async () => {
    const before = (await auditOf('credential.refused')).length;
    expect(await b.api.fetchCredentials([{ id: accountId, version: 1 }])).toEqual({
      opened: [],
      unopened: [],
    });
    const refused = await auditOf('credential.refused');
    expect(refused.length).toBe(before + 1);
    expect(refused.at(-1)).toMatchObject({ details: { agent: b.agentId, account: accountId } });
    // An old version is not delivered either, even to the agent it is distributed to.
    expect(await a.api.fetchCredentials([{ id: accountId, version: 7 }])).toEqual({
      opened: [],
      unopened: [],
    });
  });

  it('seals to the agent key: another key, another agent’s binding or any change fails to open', async () => {
    const body = { accounts: [{ id: accountId, version: 1 }] };
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/agent/credentials',
      headers: {
        authorization: `Agent ${await signAssertion(a.identity.signingKey, a.agentId, {
          request: { method: 'POST', path: '/api/v1/agent/credentials', body: JSON.stringify(body) },
        })}`,
      },
      body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(SECRET);
    const env = res.json().items[0].envelope as SealedEnvelope;
    const aad = credentialAad(a.agentId, accountId, 1);
    expect(JSON.parse(openSealed(a.identity.sealingKey, env, aad).toString()).secret.password).toBe(SECRET);
    expect(() => openSealed(b.identity.sealingKey, env, aad)).toThrow();
    expect(() => openSealed(a.identity.sealingKey, env, credentialAad(b.agentId, accountId, 1))).toThrow();
    const ct = Buffer.from(env.ct, 'base64url');
    ct[5] = ct[5]! ^ 0x80;
    expect(() => openSealed(a.identity.sealingKey, { ...env, ct: ct.toString('base64url') }, aad)).toThrow();
  });

  it('writes no secret into any audit record', async () => {
    const rows = await t.database.query<{ text: string }>('SELECT details::text AS text FROM audit_log', []);
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      expect(r.text).not.toContain(SECRET);
      expect(r.text).not.toContain('poll-secret-1');
      expect(r.text).not.toContain('stw_enroll_');
    }
  });
});

describe('the configuration with its credentials (include=credentials)', () => {
  let c: Awaited<ReturnType<typeof enrolled>>;
  let inUse: string;
  let unused: string;
  const secret = `${SECRET}-with-config`;
  const configUrl = '/api/v1/agent/config';
  const signedGet = async (query: string) =>
    agentGet(
      `${configUrl}?${query}`,
      await signAssertion(c.identity.signingKey, c.agentId, {
        request: { method: 'GET', path: configUrl, query },
      }),
    );
  beforeAll(async () => {
    c = await enrolled('with-config');
    const account = async (name: string) => {
      const { id } = await ok('POST', '/api/v1/accounts', {
        name,
        credential: { type: 'windows', userName: name, password: secret },
      });
      await ok('PUT', `/api/v1/accounts/${id}/distribution`, {
        security: 'more-secure',
        approved: [c.agentId],
      });
      return id as string;
    };
    inUse = await account('with-config-in-use');
    unused = await account('with-config-unused');
    await ok('POST', '/api/v1/profiles/Test.Computer.Profile/associations', {
      accountId: inUse,
      scope: { kind: 'object', objectId: c.agentId },
    });
  });

  it('carries, sealed to the agent, every account its entries run as and no other distributed one', async () => {
    const deliveries = (await auditOf('credential.delivery')).length;
    const r = await c.api.fetchConfig({ withCredentials: true });
    if (r.kind !== 'changed') throw new Error('expected a configuration');
    expect(r.config.accounts.map((a) => a.id).sort()).toEqual([inUse, unused].sort());
    expect(r.credentials).toEqual({
      opened: [expect.objectContaining({ accountId: inUse, version: 1, secret: { password: secret } })],
      unopened: [],
    });
    const delivered = await auditOf('credential.delivery');
    expect(delivered.length).toBe(deliveries + 1);
    expect(delivered.at(-1)).toMatchObject({
      actor: `agent:${c.agentId}`,
      target: c.agentId,
      details: { agent: c.agentId, accounts: [{ account: inUse, version: 1 }] },
    });
  });

  it('is the configuration’s bytes with the sealed credentials added, never stored by a cache', async () => {
    const plain = await signedGet('');
    const res = await signedGet('include=credentials');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).not.toContain(secret);
    const answer = JSON.parse(res.body);
    expect(res.body).toBe(JSON.stringify(z.encode(agentConfigWithCredentialsSchema, answer)));
    const { credentials, ...config } = answer;
    expect(JSON.stringify(config)).toBe(plain.body);
    expect(credentials.items).toHaveLength(1);
    const [item] = credentials.items;
    const opened = openSealed(c.identity.sealingKey, item.envelope, credentialAad(c.agentId, inUse, 1));
    expect(JSON.parse(opened.toString()).secret.password).toBe(secret);
  });

  it('answers 304 with nothing sealed and nothing audited when the configuration did not change', async () => {
    const first = await c.api.fetchConfig();
    if (first.kind !== 'changed') throw new Error('expected a configuration');
    const deliveries = (await auditOf('credential.delivery')).length;
    const res = await signedGet(`tag=${first.config.tag}&include=credentials`);
    expect(res.statusCode).toBe(304);
    expect(res.body).toBe('');
    expect((await auditOf('credential.delivery')).length).toBe(deliveries);
  });

  it('leaves the credentials to be asked for apart when a server sends none (one from before include)', async () => {
    // A server that does not know `include` answers with the configuration alone: as this proxy makes it.
    const withoutCredentials = ({ credentials: _, ...config }: Record<string, unknown>) => config;
    await viaProxy(c, withoutCredentials, async (via) => {
      const r = await via.fetchConfig({ withCredentials: true });
      if (r.kind !== 'changed') throw new Error('expected a configuration');
      expect(r.config.healthServiceId).toBe(c.agentId);
      expect(r.credentials).toBeUndefined();
    });
  });

  it('refuses anything else to include, naming the parameter, and delivers nothing', async () => {
    const deliveries = (await auditOf('credential.delivery')).length;
    for (const query of ['include=secrets', 'include=', 'include=credentials%00']) {
      const res = await signedGet(query);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [expect.objectContaining({ path: 'querystring.include' })],
      });
      expect(res.body).not.toContain(secret);
    }
    expect((await auditOf('credential.delivery')).length).toBe(deliveries);
  });
});

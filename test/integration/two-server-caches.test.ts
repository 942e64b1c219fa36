// Two servers of one management group share a database; each answers tokens and agents from memory. Proves
// that every such cache still bites when the change is made on the other server: a revoked token, a user
// whose role changed, a class or object changed there, a revoked agent, an association made there, and an
// assertion used there once (or made for that server alone).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentApi } from '../../src/agent/agent-api.js';
import { loadOrCreateIdentity } from '../../src/agent/agent-identity.js';
import { ApiError } from '../../src/contract/client.js';
import { assertionClaims, signAssertion } from '../../src/crypto/agent-keys.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const SQL_PACK = readFileSync(new URL('../fixtures/packs/test-sql.yaml', import.meta.url), 'utf8');
/** The other server's changes arrive by its poll (or a notice on PostgreSQL); this one polls every 200 ms. */
const POLL_MS = 200;

let a: TestApp;
let b: TestApp;
let urlA: string;
const dirs: string[] = [];

async function ok(t: TestApp, method: string, url: string, body?: unknown, token = t.adminToken) {
  const res = await t.request({ method, url, token, body });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
  return res.body ? res.json() : undefined;
}

/** Asks until `check` is true; the time it took, or a failure after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An agent enrolled through server A that talks to `server`. */
async function enrolledAgent(name: string, server: string) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-agent-'));
  dirs.push(dir);
  const identity = loadOrCreateIdentity(join(dir, 'data'));
  const token = (await ok(a, 'POST', '/api/v1/agents/enrollment-tokens', { computerName: name })).token;
  const api = createAgentApi({ server: urlA, identity });
  await api.enroll({ computerName: name, token });
  const agentId = api.agentId!;
  const enrolled = { ...identity, agentId };
  return { identity: enrolled, agentId, api: createAgentApi({ server, identity: enrolled }) };
}

/** A Windows account made on server B and associated there with the computer profile of this agent's computer. */
async function associatedOnB(name: string, password: string, agentId: string) {
  const acct = await ok(b, 'POST', '/api/v1/accounts', {
    name,
    credential: { type: 'windows', userName: 'svc', password },
  });
  await ok(b, 'POST', '/api/v1/profiles/Test.Computer.Profile/associations', {
    accountId: acct.id,
    scope: { kind: 'object', objectId: agentId },
  });
  return acct;
}

beforeAll(async () => {
  a = await createTestApp({ resolutionPollMs: POLL_MS });
  b = await createTestApp({ sameGroupAs: a, resolutionPollMs: POLL_MS });
  await ok(a, 'POST', '/api/v1/packs', { content: SQL_PACK, format: 'yaml' });
  urlA = await a.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('API tokens answered from memory', () => {
  it('stop working on one server within a second of their revocation on the other', async () => {
    const token = await a.tokenFor('operator');
    const me = (t: TestApp) => t.request({ method: 'GET', url: '/api/v1/me', token });
    // Used on both: each server now holds it.
    for (let i = 0; i < 3; i++) {
      expect((await me(a)).statusCode).toBe(200);
      expect((await me(b)).statusCode).toBe(200);
    }
    const [own] = (await ok(b, 'GET', '/api/v1/tokens', undefined, token)).items;
    expect((await b.request({ method: 'DELETE', url: `/api/v1/tokens/${own.id}`, token })).statusCode).toBe(
      204,
    );
    // The server that revoked it refuses it at once.
    expect((await me(b)).statusCode).toBe(401);
    const took = await within(1000, async () => (await me(a)).statusCode === 401);
    expect(took).toBeLessThan(1000);
    // And for good: nothing brings it back.
    for (let i = 0; i < 3; i++) expect((await me(a)).statusCode).toBe(401);
  });

  it('carry the new role of a user changed on the other server within a second', async () => {
    const token = await a.tokenFor('administrator');
    const users = () => a.request({ method: 'GET', url: '/api/v1/users', token });
    expect((await users()).statusCode).toBe(200);
    const id = (await ok(a, 'GET', '/api/v1/me', undefined, token)).id;
    await ok(b, 'PATCH', `/api/v1/users/${id}`, { role: 'operator' });
    const took = await within(1000, async () => (await users()).statusCode === 403);
    expect(took).toBeLessThan(1000);
  });

  it('stop working everywhere once their user is disabled on the other server', async () => {
    const token = await a.tokenFor('operator');
    expect((await a.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(200);
    const id = (await ok(a, 'GET', '/api/v1/me', undefined, token)).id;
    await ok(b, 'PATCH', `/api/v1/users/${id}`, { disabled: true });
    const took = await within(1000, async () => {
      return (await a.request({ method: 'GET', url: '/api/v1/me', token })).statusCode === 401;
    });
    expect(took).toBeLessThan(1000);
  });
});

describe('the class tree answered from memory', () => {
  it('knows a class made on the other server within a second', async () => {
    const byClass = (id: string) =>
      a.request({ method: 'GET', url: `/api/v1/objects?class=${id}`, token: a.adminToken });
    // Asked once, so server A holds the tree without the class.
    expect((await byClass('TwoServer.App')).statusCode).toBe(404);
    expect((await byClass('System.Entity')).statusCode).toBe(200);
    await ok(b, 'POST', '/api/v1/classes', { id: 'TwoServer.App' });
    const took = await within(1000, async () => (await byClass('TwoServer.App')).statusCode === 200);
    expect(took).toBeLessThan(1000);
  });
});

describe('the class tree of writes', () => {
  it('knows a class made on the other server at once, before the change feed brings it', async () => {
    const host = (await ok(a, 'POST', '/api/v1/computers', { name: 'two-srv-classes' })).id;
    // A write on A: A now holds the tree its writes check against.
    await ok(a, 'POST', '/api/v1/objects', { classId: 'Test.SQL.Instance', hostId: host, name: 'first' });
    await ok(b, 'POST', '/api/v1/classes', {
      id: 'TwoServer.Service',
      baseClassId: 'System.Application',
      hosted: true,
    });
    const made = await a.request({
      method: 'POST',
      url: '/api/v1/objects',
      token: a.adminToken,
      body: { classId: 'TwoServer.Service', hostId: host, name: 'second' },
    });
    expect(made.statusCode, made.body).toBe(201);
  });
});

describe('objects answered from memory', () => {
  it('show a change and a deletion made on the other server within a second', async () => {
    const host = (await ok(a, 'POST', '/api/v1/computers', { name: 'two-srv-objects' })).id;
    const inst = (
      await ok(a, 'POST', '/api/v1/objects', {
        classId: 'Test.SQL.Instance',
        hostId: host,
        name: 'CACHED',
      })
    ).id;
    const read = (t: TestApp) =>
      t.request({ method: 'GET', url: `/api/v1/objects/${inst}`, token: t.adminToken });
    // Read on both: each server now holds the object and its host.
    for (let i = 0; i < 3; i++) {
      expect((await read(a)).json().displayName).toBe('CACHED');
      expect((await read(b)).json().displayName).toBe('CACHED');
    }
    await ok(b, 'PATCH', `/api/v1/objects/${inst}`, { displayName: 'Renamed on B' });
    // The server that changed it answers the change at once; the other within a second.
    expect((await read(b)).json().displayName).toBe('Renamed on B');
    const renamed = await within(1000, async () => (await read(a)).json().displayName === 'Renamed on B');
    expect(renamed).toBeLessThan(1000);

    // Deleting the computer takes the object with it, though the object's own id was never named.
    await ok(b, 'DELETE', `/api/v1/computers/${host}?cascade=true`);
    expect((await read(b)).statusCode).toBe(404);
    const gone = await within(1000, async () => (await read(a)).statusCode === 404);
    expect(gone).toBeLessThan(1000);
  });
});

describe('agents answered from memory', () => {
  it('are refused on one server soon after their revocation on the other', async () => {
    const agent = await enrolledAgent('two-srv-revoke', urlA);
    const onA = agent.api;
    for (let i = 0; i < 3; i++) expect((await onA.fetchConfig()).kind).toBe('changed');
    await ok(b, 'POST', `/api/v1/agents/${agent.agentId}/revoke`);
    const took = await within(1000, async () => {
      const out = await onA.fetchConfig().catch((e: unknown) => e);
      return out instanceof ApiError && out.status === 401 && out.code === 'AGENT_REVOKED';
    });
    expect(took).toBeLessThan(1000);
    await expect(onA.fetchCredentials([])).rejects.toMatchObject({ status: 401 });
  });

  it('get an association made on the other server', async () => {
    const agent = await enrolledAgent('two-srv-assoc', urlA);
    const first = await agent.api.fetchConfig();
    if (first.kind !== 'changed') throw new Error('expected a configuration');
    expect(first.config.accounts).toEqual([]);
    const acct = await associatedOnB('two-srv-assoc-account', 'two-server-secret', agent.agentId);
    const next = await agent.api.fetchConfig({ tag: first.config.tag, waitSeconds: 5 });
    if (next.kind !== 'changed') throw new Error('the association did not reach server A');
    expect(JSON.stringify(next.config.entries)).toContain(acct.id);
    // Distributed to the agent on B: server A delivers it, sealed to the agent.
    await ok(b, 'PUT', `/api/v1/accounts/${acct.id}/distribution`, {
      security: 'more-secure',
      approved: [agent.agentId],
    });
    const third = await agent.api.fetchConfig({ tag: next.config.tag, waitSeconds: 5 });
    if (third.kind !== 'changed') throw new Error('the distribution did not reach server A');
    expect(third.config.accounts).toEqual([{ id: acct.id, version: 1 }]);
    const { opened } = await agent.api.fetchCredentials(third.config.accounts);
    expect(opened.map((o) => o.accountId)).toEqual([acct.id]);
  });

  it('are delivered an account as it is after a change on the other server, within a second', async () => {
    const agent = await enrolledAgent('two-srv-deliver', urlA);
    const acct = await associatedOnB('two-srv-deliver-account', 'two-server-first', agent.agentId);
    await ok(b, 'PUT', `/api/v1/accounts/${acct.id}/distribution`, {
      security: 'more-secure',
      approved: [agent.agentId],
    });
    const v1 = [{ id: acct.id, version: 1 }];
    const delivered = async () => (await agent.api.fetchCredentials(v1)).opened;
    // Server A now holds what it read for the delivery.
    await expect
      .poll(async () => (await delivered()).map((o) => o.name), { timeout: 10_000 })
      .toEqual(['two-srv-deliver-account']);
    await ok(b, 'PATCH', `/api/v1/accounts/${acct.id}`, { name: 'two-srv-deliver-renamed' });
    const renamed = await within(
      1000,
      async () => (await delivered())[0]?.name === 'two-srv-deliver-renamed',
    );
    expect(renamed).toBeLessThanOrEqual(1000);
    // A new secret on B: A no longer delivers the version it holds.
    await ok(b, 'PATCH', `/api/v1/accounts/${acct.id}`, {
      credential: { type: 'windows', userName: 'svc', password: 'two-server-second' },
    });
    await within(1000, async () => (await delivered()).length === 0);
    const { opened } = await agent.api.fetchCredentials([{ id: acct.id, version: 2 }]);
    expect(opened.map((o) => o.secret.password)).toEqual(['two-server-second']);
  });

  it('are answered behind a balancer that alternates between both servers', async () => {
    const agent = await enrolledAgent('two-srv-balanced', urlA);
    const urlB = await b.app.listen({ port: 0, host: '127.0.0.1' });
    // Server B knows the agent's computer once it has followed A's changes.
    const onB = createAgentApi({ server: urlB, identity: agent.identity });
    await expect
      .poll(
        () =>
          onB.fetchConfig().then(
            () => true,
            () => false,
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    const audiences: string[] = [];
    let turn = 0;
    // One address, each request to the next server in turn, as a round-robin balancer does.
    const balanced: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      const to = new URL(turn++ % 2 === 0 ? urlA : urlB);
      url.host = to.host;
      const assertion = new Headers(init?.headers).get('authorization')?.slice('Agent '.length);
      if (assertion) audiences.push(assertionClaims(assertion)!.audience);
      return fetch(url, init);
    };
    const api = createAgentApi({ server: urlA, identity: agent.identity, fetch: balanced });
    for (let i = 0; i < 4; i++) expect((await api.fetchConfig()).kind).toBe('changed');
    // The first names the audience any server takes; the second is signed for A's, refused by B, signed for B's,
    // refused by A, and signed for any server's, as every one after it.
    const own = expect.stringMatching(/^steward:/);
    expect(audiences).toEqual(['steward', own, own, 'steward', 'steward', 'steward']);
    expect(audiences[1]).not.toBe(audiences[2]);
  });

  it('may use an assertion once across both servers', async () => {
    const agent = await enrolledAgent('two-srv-replay', urlA);
    const request = { method: 'GET', path: '/api/v1/agent/config' };
    const get = (t: TestApp, assertion: string) =>
      t.request({
        method: 'GET',
        url: '/api/v1/agent/config',
        headers: { authorization: `Agent ${assertion}` },
      });
    const once = await signAssertion(agent.identity.signingKey, agent.agentId, { request });
    expect((await get(a, once)).statusCode).toBe(200);
    const replayed = await get(b, once);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json().error.message).toMatch(/already used/);
    // Server B follows A's changes: it knows the agent's computer once its resolution has caught up.
    await expect
      .poll(
        async () =>
          (await get(b, await signAssertion(agent.identity.signingKey, agent.agentId, { request })))
            .statusCode,
        { timeout: 10_000 },
      )
      .toBe(200);
    // Made for one server's own audience, whose single use only that server remembers: the other refuses it,
    // whether or not it was used.
    const audienceOf = async (t: TestApp) =>
      String(
        (await get(t, await signAssertion(agent.identity.signingKey, agent.agentId, { request }))).headers[
          'steward-assertion-audience'
        ],
      );
    const [audienceA, audienceB] = [await audienceOf(a), await audienceOf(b)];
    expect(audienceA).not.toBe(audienceB);
    for (const [own, other, audience] of [
      [a, b, audienceA],
      [b, a, audienceB],
    ] as const) {
      const unused = await signAssertion(agent.identity.signingKey, agent.agentId, { request, audience });
      expect((await get(other, unused)).json().error.message).toMatch(/another server/);
      const bound = await signAssertion(agent.identity.signingKey, agent.agentId, { request, audience });
      const answers = await Promise.all([
        get(own, bound),
        get(other, bound),
        get(own, bound),
        get(other, bound),
      ]);
      // The two sent to its own server are checked concurrently: either may come first, only one is accepted.
      const [first, toOther, second, toOtherAgain] = answers;
      expect([first!.statusCode, second!.statusCode].sort()).toEqual([200, 401]);
      const refusedOwn = first!.statusCode === 401 ? first! : second!;
      expect(refusedOwn.json().error.message).toMatch(/already used/);
      for (const r of [toOther!, toOtherAgain!]) {
        expect(r.statusCode).toBe(401);
        expect(r.json().error.message).toMatch(/another server/);
      }
      expect((await get(own, unused)).statusCode).toBe(200);
    }
    // Sent to both at the same moment, many times over: each assertion is accepted exactly once.
    for (let i = 0; i < 10; i++) {
      const both = await signAssertion(agent.identity.signingKey, agent.agentId, { request });
      const answers = await Promise.all([get(a, both), get(b, both), get(a, both), get(b, both)]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401]);
    }
  });
});

describe('identities of automation accounts answered from memory', () => {
  const issue = (t: TestApp, accountId: string, clientId?: string) =>
    t.app.tokens.issue(
      { jobId: 'job_cache', automationAccountId: accountId, worker: 'srv_test' },
      clientId ? { by: 'client_id', value: clientId } : { by: 'system' },
      // A new audience each time: a token cached for the job is never what answers.
      `api://cache-${Math.random()}`,
    );

  it('stop giving a detached identity tokens on one server within a second of the change on the other', async () => {
    const uami = await ok(a, 'POST', '/api/v1/user-assigned-identities', { name: 'two-srv-uami' });
    const account = await ok(a, 'POST', '/api/v1/automation-accounts', {
      name: 'two-srv-ids',
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: [uami.id] },
    });
    // Asked on A twice: A now holds the account's identities in memory.
    for (let i = 0; i < 2; i++) {
      expect((await issue(a, account.id, uami.clientId)).kind).toBe('issued');
      expect((await issue(a, account.id)).kind).toBe('issued');
    }
    await ok(b, 'PATCH', `/api/v1/automation-accounts/${account.id}`, { identity: { type: 'None' } });
    // B, which made the change, refuses at once; A within a second.
    expect((await issue(b, account.id, uami.clientId)).kind).toBe('refused');
    const took = await within(
      1000,
      async () => (await issue(a, account.id, uami.clientId)).kind === 'refused',
    );
    expect(took).toBeLessThan(1000);
    expect((await issue(a, account.id)).kind).toBe('refused');
  });

  it('stop giving tokens for an account deleted on the other server within a second', async () => {
    const account = await ok(a, 'POST', '/api/v1/automation-accounts', { name: 'two-srv-gone' });
    expect((await issue(a, account.id)).kind).toBe('issued');
    await ok(b, 'DELETE', `/api/v1/automation-accounts/${account.id}`);
    const took = await within(1000, async () => (await issue(a, account.id)).kind === 'refused');
    expect(took).toBeLessThan(1000);
  });
});

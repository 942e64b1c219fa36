// Proves sign-in, one-time passwords, tokens (shown once, hashed, revocable, expiring), throttling and user roles over HTTP.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../../../../test/support/test-app.js';
import { hashToken } from '../../../crypto/passwords.js';
import { apiTokens } from '../../../store/schema.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ loginMaxFailures: 3 });
});
afterAll(() => t.close());

describe('sign-in and tokens', () => {
  it('refuses a request without a token with 401 and the error body', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(res.json().error.requestId).toMatch(/^req_/);
  });

  it('refuses a made-up token with 401', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/me', token: 'stw_notarealtoken' });
    expect(res.statusCode).toBe(401);
  });

  it('stores only the hash of an issued token', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      token: t.adminToken,
      body: { name: 'ci' },
    });
    expect(res.statusCode).toBe(201);
    const { token, tokenInfo } = res.json();
    const rows = await t.database.db.select().from(apiTokens);
    expect(rows.some((r) => r.tokenHash === hashToken(token))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(token);
    const list = await t.request({ method: 'GET', url: '/api/v1/tokens', token: t.adminToken });
    expect(list.body).not.toContain(token);
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(tokenInfo.id);
  });

  it('stops accepting a token once it is revoked', async () => {
    const created = (
      await t.request({ method: 'POST', url: '/api/v1/tokens', token: t.adminToken, body: { name: 'short' } })
    ).json();
    expect((await t.request({ method: 'GET', url: '/api/v1/me', token: created.token })).statusCode).toBe(
      200,
    );
    const del = await t.request({
      method: 'DELETE',
      url: `/api/v1/tokens/${created.tokenInfo.id}`,
      token: t.adminToken,
    });
    expect(del.statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/me', token: created.token })).statusCode).toBe(
      401,
    );
  });

  it('stops accepting a token after it expires', async () => {
    const created = (
      await t.request({
        method: 'POST',
        url: '/api/v1/tokens',
        token: t.adminToken,
        body: { name: 'exp', expiresInDays: 1 },
      })
    ).json();
    await t.database.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, created.tokenInfo.id));
    expect((await t.request({ method: 'GET', url: '/api/v1/me', token: created.token })).statusCode).toBe(
      401,
    );
  });

  it("hides another user's token from a non-administrator (404)", async () => {
    const op = await t.tokenFor('operator');
    const admins = (
      await t.request({
        method: 'POST',
        url: '/api/v1/tokens',
        token: await t.tokenFor('administrator'),
        body: { name: 'x' },
      })
    ).json();
    const res = await t.request({
      method: 'DELETE',
      url: `/api/v1/tokens/${admins.tokenInfo.id}`,
      token: op,
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('users', () => {
  it('makes a new user change the one-time password before anything else', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: t.adminToken,
      body: { username: 'dana', role: 'operator', password: 'first-password-123' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain('first-password-123');
    const login = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'dana', password: 'first-password-123' },
    });
    expect(login.statusCode).toBe(200);
    const token = login.json().token;
    expect(login.json().user.mustChangePassword).toBe(true);
    const blocked = await t.request({ method: 'GET', url: '/api/v1/servers', token });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const change = await t.request({
      method: 'POST',
      url: '/api/v1/me/password',
      token,
      body: { currentPassword: 'first-password-123', newPassword: 'a-much-better-secret' },
    });
    expect(change.statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', token })).statusCode).toBe(200);
  });

  it('refuses a duplicate user name with 409 naming the field', async () => {
    const body = { username: 'eve', role: 'author', password: 'long-enough-password' };
    expect(
      (await t.request({ method: 'POST', url: '/api/v1/users', token: t.adminToken, body })).statusCode,
    ).toBe(201);
    const again = await t.request({ method: 'POST', url: '/api/v1/users', token: t.adminToken, body });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.issues[0].path).toBe('body.username');
  });

  it('rejects a short password naming the field, and creates nothing', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      token: t.adminToken,
      body: { username: 'frank', role: 'operator', password: 'short' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0].path).toBe('body.password');
    const list = await t.request({ method: 'GET', url: '/api/v1/users', token: t.adminToken });
    expect(list.json().items.map((u: { username: string }) => u.username)).not.toContain('frank');
  });

  it('never removes the last active administrator', async () => {
    const me = (await t.request({ method: 'GET', url: '/api/v1/me', token: t.adminToken })).json();
    const admins = (await t.request({ method: 'GET', url: '/api/v1/users', token: t.adminToken }))
      .json()
      .items.filter(
        (u: { role: string; id: string; username: string }) => u.role === 'administrator' && u.id !== me.id,
      );
    for (const a of admins) {
      await t.request({
        method: 'PATCH',
        url: `/api/v1/users/${a.id}`,
        token: t.adminToken,
        body: { disabled: true },
      });
    }
    const res = await t.request({
      method: 'PATCH',
      url: `/api/v1/users/${me.id}`,
      token: t.adminToken,
      body: { role: 'operator' },
    });
    expect(res.statusCode).toBe(422);
  });

  it('disabling a user revokes their tokens', async () => {
    const token = await t.tokenFor('operator');
    const me = (await t.request({ method: 'GET', url: '/api/v1/me', token })).json();
    await t.request({
      method: 'PATCH',
      url: `/api/v1/users/${me.id}`,
      token: t.adminToken,
      body: { disabled: true },
    });
    expect((await t.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(401);
  });
});

describe('login throttling', () => {
  it('locks sign-in for a user name after repeated failures, even with the right password', async () => {
    await t.tokenFor('read-only-operator'); // creates read-only-operator-N with TEST_PASSWORD
    const users = (await t.request({ method: 'GET', url: '/api/v1/users', token: t.adminToken })).json()
      .items;
    const victim = users.find((u: { role: string }) => u.role === 'read-only-operator').username;
    for (let i = 0; i < 3; i++) {
      const r = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: victim, password: 'wrong-password' },
      });
      expect(r.statusCode).toBe(401);
    }
    const locked = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: victim, password: TEST_PASSWORD },
    });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });
});

/** Signs in from its own address, so the per-address limit of one test never touches another. */
const loginFrom = (app: TestApp, remoteAddress: string, username: string, password: string) =>
  app.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    payload: { username, password },
  });

async function newUser(name: string) {
  const created = await t.request({
    method: 'POST',
    url: '/api/v1/users',
    token: t.adminToken,
    body: { username: name, role: 'operator', password: TEST_PASSWORD },
  });
  expect(created.statusCode).toBe(201);
}

describe('login throttling across parallel attempts, servers and restarts', () => {
  it('counts every attempt before its password is checked: 200 parallel wrong passwords check at most the limit, and the right one after them is refused', async () => {
    await newUser('burst-victim');
    const attempts = Array.from({ length: 200 }, (_, i) =>
      loginFrom(t, `10.1.${i >> 8}.${i & 255}`, 'burst-victim', i === 199 ? TEST_PASSWORD : `wrong-${i}`),
    );
    const statuses = (await Promise.all(attempts)).map((r) => r.statusCode);
    // Only attempts that were let through had their password checked (401); the rest were refused first.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(197);
    expect(statuses[199]).toBe(429);
    expect((await loginFrom(t, '10.1.9.9', 'burst-victim', TEST_PASSWORD)).statusCode).toBe(429);
  });

  it('keeps a lock made on one server on another server of the group, and after a restart', async () => {
    await newUser('group-victim');
    for (let i = 0; i < 3; i++)
      expect((await loginFrom(t, '10.2.0.1', 'group-victim', 'wrong')).statusCode).toBe(401);
    const other = await createTestApp({ sameGroupAs: t, loginMaxFailures: 3 });
    try {
      const there = await loginFrom(other, '10.2.0.2', 'group-victim', TEST_PASSWORD);
      expect(there.statusCode).toBe(429);
      expect(Number(there.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
    const restarted = await createTestApp({ sameGroupAs: t, loginMaxFailures: 3 });
    try {
      expect((await loginFrom(restarted, '10.2.0.3', 'group-victim', TEST_PASSWORD)).statusCode).toBe(429);
      // Another user is not affected by that lock.
      await newUser('group-bystander');
      expect((await loginFrom(restarted, '10.2.0.3', 'group-bystander', TEST_PASSWORD)).statusCode).toBe(200);
    } finally {
      await restarted.close();
    }
  });

  it('records a keyed hash, never the text, of a user name nobody has: people type passwords there', async () => {
    const typed = 'Tr0ub4dor&3-typed-in-the-wrong-field';
    for (const address of ['10.3.0.1', '10.3.0.2'])
      expect((await loginFrom(t, address, typed, 'whatever')).statusCode).toBe(401);
    const rows = await t.database.query<{ details: Record<string, unknown>; text: string }>(
      `SELECT details, details::text || ' ' || coalesce(target, '') || ' ' || actor AS text
         FROM audit_log WHERE kind = 'auth.login-failed' ORDER BY seq DESC LIMIT 2`,
    );
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.text).not.toContain('Tr0ub4dor');
    const [a, b] = rows.map((r) => r.details.unknownUsernameHash);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).toBe(b);
    const all = await t.database.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM audit_log WHERE details::text LIKE '%Tr0ub4dor%'`,
    );
    expect(all[0]?.n).toBe('0');
    const stored = await t.database.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM login_attempts WHERE key LIKE '%Tr0ub4dor%'`,
    );
    expect(stored[0]?.n).toBe('0');
  });
});

describe('changing your own password', () => {
  it('revokes every other token and session of yours, keeps the one used, and audits how many', async () => {
    await newUser('rotating-user');
    const tokens: string[] = [];
    for (const address of ['10.4.0.1', '10.4.0.2', '10.4.0.3']) {
      const login = await loginFrom(t, address, 'rotating-user', TEST_PASSWORD);
      expect(login.statusCode).toBe(200);
      tokens.push(login.json().token);
    }
    const [using, ...others] = tokens as [string, ...string[]];
    const change = await t.request({
      method: 'POST',
      url: '/api/v1/me/password',
      token: using,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'a-new-and-longer-secret' },
    });
    expect(change.statusCode).toBe(200);
    expect(change.json()).toEqual({ ok: true, revokedTokens: 2 });
    expect((await t.request({ method: 'GET', url: '/api/v1/me', token: using })).statusCode).toBe(200);
    for (const token of others)
      expect((await t.request({ method: 'GET', url: '/api/v1/me', token })).statusCode).toBe(401);
    const [audit] = await t.database.query<{ details: unknown }>(
      `SELECT details FROM audit_log WHERE kind = 'user.password-change' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit?.details).toEqual({ revokedTokens: 2 });
  });
});

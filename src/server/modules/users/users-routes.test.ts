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

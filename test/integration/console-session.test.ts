// Proves the console's sign-in: an HttpOnly, SameSite=Strict session cookie (Secure over HTTPS) that the API
// accepts like a token, changes refused without the session's CSRF token, and sign-out revoking the session.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ trustProxy: true });
});
afterAll(() => t.close());

const cookieOf = (res: LightMyRequestResponse) => String(res.headers['set-cookie']).split(';')[0]!;

async function newUser(role: 'operator' | 'administrator', password = 'first one-time password') {
  const username = `console-${role}-${Math.random().toString(36).slice(2, 8)}`;
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/users',
    token: t.adminToken,
    body: { username, role, password },
  });
  expect(res.statusCode).toBe(201);
  return { username, password };
}

async function signIn(username: string, password: string, headers: Record<string, string> = {}) {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/auth/session',
    body: { username, password },
    headers,
  });
  expect(res.statusCode).toBe(200);
  return { res, cookie: cookieOf(res), csrf: res.json().csrfToken as string };
}

describe('console sessions', () => {
  it('set an HttpOnly, SameSite=Strict cookie, Secure only over HTTPS, and never put the session in the body', async () => {
    const u = await newUser('operator');
    const plain = await signIn(u.username, u.password);
    const flags = String(plain.res.headers['set-cookie']);
    expect(flags).toMatch(/^steward_session=stw_[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(plain.res.body).not.toContain(plain.cookie.split('=')[1]!);
    expect(plain.res.json()).toMatchObject({ user: { username: u.username, mustChangePassword: true } });
    expect(plain.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const https = await signIn(u.username, u.password, { 'x-forwarded-proto': 'https' });
    expect(String(https.res.headers['set-cookie'])).toContain('; Secure');
  });

  it('are accepted by the API and answer the CSRF token again to a new page', async () => {
    const u = await newUser('administrator');
    const s = await signIn(u.username, u.password);
    const again = await t.request({
      method: 'GET',
      url: '/api/v1/auth/session',
      headers: { cookie: s.cookie },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().csrfToken).toBe(s.csrf);
    // A bearer token has no CSRF token: it is not a cookie a browser sends by itself.
    const bearer = await t.request({ method: 'GET', url: '/api/v1/auth/session', token: t.adminToken });
    expect(bearer.json().csrfToken).toBeNull();
  });

  it('force the password change first, and the session survives it', async () => {
    const u = await newUser('administrator');
    const s = await signIn(u.username, u.password);
    const headers = { cookie: s.cookie, 'x-csrf-token': s.csrf };
    const blocked = await t.request({ method: 'GET', url: '/api/v1/accounts', headers });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const change = await t.request({
      method: 'POST',
      url: '/api/v1/me/password',
      headers,
      body: { currentPassword: u.password, newPassword: TEST_PASSWORD },
    });
    expect(change.statusCode).toBe(200);
    const after = await t.request({ method: 'GET', url: '/api/v1/accounts', headers });
    expect(after.statusCode).toBe(200);
  });

  it('refuse a change without the CSRF token, or with another session’s, and change nothing', async () => {
    const u = await newUser('administrator');
    const s = await signIn(u.username, u.password);
    const other = await signIn(u.username, u.password);
    const attempts: Record<string, string>[] = [
      {},
      { 'x-csrf-token': '' },
      { 'x-csrf-token': other.csrf },
      { 'x-csrf-token': `${s.csrf}x` },
    ];
    for (const extra of attempts) {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: { cookie: s.cookie, ...extra },
        body: { currentPassword: u.password, newPassword: TEST_PASSWORD },
      });
      expect(res.statusCode, JSON.stringify(extra)).toBe(403);
      expect(res.json().error.message).toContain('x-csrf-token');
    }
    const me = await t.request({ method: 'GET', url: '/api/v1/me', headers: { cookie: s.cookie } });
    expect(me.json().mustChangePassword).toBe(true);
  });

  it('end at sign-out: the session is revoked and the cookie cleared', async () => {
    const u = await newUser('operator');
    const s = await signIn(u.username, u.password);
    const noCsrf = await t.request({
      method: 'DELETE',
      url: '/api/v1/auth/session',
      headers: { cookie: s.cookie },
    });
    expect(noCsrf.statusCode).toBe(403);
    const out = await t.request({
      method: 'DELETE',
      url: '/api/v1/auth/session',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(
      /^steward_session=; .*HttpOnly; SameSite=Strict; Max-Age=0$/,
    );
    const me = await t.request({ method: 'GET', url: '/api/v1/me', headers: { cookie: s.cookie } });
    expect(me.statusCode).toBe(401);
  });

  it('refuse a wrong password without setting a cookie', async () => {
    const u = await newUser('operator');
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/auth/session',
      body: { username: u.username, password: 'not the password' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

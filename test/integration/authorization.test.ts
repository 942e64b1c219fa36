// Proves, for every authenticated route the app registers, that no token and a bad token get 401
// and every role lacking the route's permission gets 403 — walking the app's own route list, so a new
// route cannot be added without being covered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles, rolesWithout } from '../../src/domain/roles.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
const tokens = new Map<string, string>();
beforeAll(async () => {
  t = await createTestApp();
  for (const role of roles) tokens.set(role, await t.tokenFor(role));
});
afterAll(() => t.close());

const concrete = (url: string) => url.replace(/:(\w+)/g, 'no-such-$1');

describe('every authenticated route', () => {
  it('is listed, and there are protected routes to check', () => {
    const protectedRoutes = t.app.routePolicies.filter((r) => r.authenticated);
    expect(protectedRoutes.length).toBeGreaterThan(5);
    // Only sign-in, health, metrics and documentation are open.
    const open = t.app.routePolicies.filter((r) => !r.authenticated).map((r) => r.url);
    for (const url of open)
      expect(url).toMatch(/^\/(healthz|readyz|metrics|openapi\.json|docs|api\/v1\/auth\/login)/);
  });

  it('answers 401 without a token and with a bad token', async () => {
    for (const r of t.app.routePolicies.filter((p) => p.authenticated)) {
      for (const token of [undefined, 'stw_forged-token-value']) {
        const res = await t.request({
          method: r.method,
          url: concrete(r.url),
          token,
          body: r.method === 'GET' || r.method === 'DELETE' ? undefined : {},
        });
        expect(res.statusCode, `${r.method} ${r.url} token=${token ?? 'none'}`).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('answers 403 to every role without the permission', async () => {
    let checked = 0;
    for (const r of t.app.routePolicies.filter((p) => p.authenticated && p.permission)) {
      for (const role of rolesWithout(r.permission!)) {
        const res = await t.request({
          method: r.method,
          url: concrete(r.url),
          token: tokens.get(role),
          body: r.method === 'GET' || r.method === 'DELETE' ? undefined : {},
        });
        expect(res.statusCode, `${r.method} ${r.url} as ${role}`).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

// Proves, for every authenticated route the app registers, that no token and a bad token get 401
// and every role lacking the route's permission gets 403, and that agent routes refuse user tokens and
// missing or forged assertions; an identity token, even of an Owner of the whole management group, gets 403 on
// every route that cannot be scoped to a resource, and an unsigned one 401 everywhere — walking the app's own
// route list, so a new route cannot be added without being covered.

import { decodeJwt, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAgentKeys, signAssertion } from '../../src/crypto/agent-keys.js';
import { roles, rolesWithout } from '../../src/domain/roles.js';
import { identityToken } from '../support/identity-token.js';
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
    // Only sign-in, agent enrollment, health, metrics and documentation are open — a webhook's call, whose
    // credential is the token in its path (webhooks-routes.test.ts proves the wrong one gets 404) — and the OIDC
    // discovery document (also tenant-style, as MSAL reads it) and JWKS (which every token verifier fetches
    // without credentials), the OAuth token
    // endpoint where a certificate signs in (its client assertion is the credential; sign-in.test.ts proves
    // refusals) — and the console's sign-in (POST /api/v1/auth/session).
    const open = t.app.routePolicies.filter((r) => !r.authenticated).map((r) => `${r.method} ${r.url}`);
    for (const route of open)
      expect(
        route.replace(/^POST \/api\/v1\/auth\/session$/, '/api/v1/auth/login').replace(/^\w+ /, ''),
      ).toMatch(
        /^\/(healthz|readyz|metrics|openapi\.json|docs|api\/v1\/auth\/login|api\/v1\/agent\/enroll$|webhooks\/:token$|\.well-known\/(openid-configuration|jwks\.json)$|:tenant\/v2\.0\/\.well-known\/openid-configuration$|(:tenant\/)?oauth2\/(v2\.0\/)?token$)/,
      );
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

  it('answers 401 on agent routes to user tokens and to missing or forged assertions', async () => {
    const agentRoutes = t.app.routePolicies.filter((p) => p.agent);
    expect(agentRoutes.length).toBeGreaterThanOrEqual(2);
    const forged = await signAssertion(generateAgentKeys().signing.privateKey, 'cmp_forged');
    for (const r of agentRoutes) {
      expect(r.authenticated).toBe(true);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
      const attempts = [
        { label: 'administrator token', token: tokens.get('administrator') },
        { label: 'no assertion', headers: { authorization: 'Agent' } },
        { label: 'forged assertion', headers: { authorization: `Agent ${forged}` } },
        { label: 'garbage assertion', headers: { authorization: 'Agent not.a.jwt' } },
      ];
      for (const a of attempts) {
        const res = await t.request({ method: r.method, url: concrete(r.url), body, ...a });
        expect(res.statusCode, `${r.method} ${r.url} with ${a.label}`).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('answers 403 to an identity token, even of an Owner at the management group, on every route that cannot be scoped', async () => {
    const aa = await t.request({
      method: 'POST',
      url: '/api/v1/automation-accounts',
      token: t.adminToken,
      body: { name: 'authz-identity' },
    });
    const principalId = aa.json().identity.principalId;
    const ra = await t.request({
      method: 'POST',
      url: '/api/v1/role-assignments',
      token: t.adminToken,
      body: { principalId, role: 'Owner', scope: '/' },
    });
    expect(ra.statusCode).toBe(201);
    const token = await identityToken(t, aa.json().id);
    const unsigned = new UnsecuredJWT(decodeJwt(token)).encode();
    const unscoped = t.app.routePolicies.filter((p) => p.authenticated && !p.agent && !p.identityScoped);
    expect(unscoped.length).toBeGreaterThan(20);
    for (const r of t.app.routePolicies.filter((p) => p.authenticated)) {
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
      const res = await t.request({ method: r.method, url: concrete(r.url), token, body });
      if (r.agent) expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      else if (!r.identityScoped) {
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
      }
      const forged = await t.request({ method: r.method, url: concrete(r.url), token: unsigned, body });
      expect(forged.statusCode, `${r.method} ${r.url} unsigned`).toBe(401);
    }
  });
});

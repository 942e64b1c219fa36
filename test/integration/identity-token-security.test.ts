// Proves that Steward's API refuses every identity token it should: one issued for another audience (replayed
// here), one signed by a key that has left the JWKS, `alg: none`, a forged `kid` (a key of the attacker's named
// as Steward's, or an unknown one), HS256 keyed with the public key, a wrong `iss`, an expired one — each a 401
// whose problem body never echoes the token; while a token signed by Steward's current key, or by a retired
// key still published, is accepted. No token reaches a log line.
import {
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyring } from '../../src/crypto/keyring.js';
import { findSealed } from '../../src/server/modules/secrets/sealed-secrets-repo.js';
import { identityToken } from '../support/identity-token.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let offsetMs = 0;
const logLines: string[] = [];
let accountId = '';
const url = () => `/api/v1/automation-accounts/${accountId}`;

beforeAll(async () => {
  t = await createTestApp({ now: () => new Date(Date.now() + offsetMs), logLines });
  const aa = await t.request({
    method: 'POST',
    url: '/api/v1/automation-accounts',
    token: t.adminToken,
    body: { name: 'sec-ops' },
  });
  accountId = aa.json().id;
  const ra = await t.request({
    method: 'POST',
    url: '/api/v1/role-assignments',
    token: t.adminToken,
    body: { principalId: aa.json().identity.principalId, role: 'Reader', scope: '/' },
  });
  expect(ra.statusCode).toBe(201);
});
afterAll(() => t.close());

/** The private half of one of Steward's signing keys, opened as the token service does. */
async function stewardKey(kid: string) {
  const keyring = createKeyring({
    current: () => t.rootKey,
    find: (id) => (id === t.rootKey.id ? t.rootKey : undefined),
  });
  const sealed = await findSealed(t.database.db, kid, 1);
  if (!sealed) throw new Error(`no sealed key ${kid}`);
  return importJWK(JSON.parse(keyring.open(kid, 1, sealed).toString('utf8')) as JWK, 'ES256');
}

/** The claims of a real token, made fresh at the server's clock. */
async function freshClaims(): Promise<JWTPayload> {
  const claims = decodeJwt(await identityToken(t, accountId));
  const now = Math.floor((Date.now() + offsetMs) / 1000);
  return { ...claims, iat: now, nbf: now, exp: now + 600 };
}

const sign = async (claims: JWTPayload, kid: string, key: Parameters<SignJWT['sign']>[0], alg = 'ES256') =>
  new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);

const sent: string[] = [];
async function status(token: string) {
  sent.push(token);
  const res = await t.request({ method: 'GET', url: url(), token });
  if (res.statusCode === 401) {
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toContain('invalid_token');
    for (const part of token.split('.').filter((p) => p.length > 8)) expect(res.body).not.toContain(part);
  }
  return res.statusCode;
}

describe('identity tokens Steward must refuse', () => {
  it('accepts a token of its own, then refuses one for another audience, alg none, forged kids, HS256, a wrong iss and an expired one', async () => {
    const real = await identityToken(t, accountId);
    expect(await status(real)).toBe(200);
    const kid = decodeProtectedHeader(real).kid!;
    const key = await stewardKey(kid);
    const claims = await freshClaims();
    expect(await status(await sign(claims, kid, key))).toBe(200);

    expect(await status(await identityToken(t, accountId, { audience: 'https://vault.example.com' }))).toBe(
      401,
    );
    expect(await status(await sign({ ...claims, aud: 'api://steward/other' }, kid, key))).toBe(401);
    expect(await status(new UnsecuredJWT(claims).encode())).toBe(401);
    const attacker = await generateKeyPair('ES256');
    expect(await status(await sign(claims, kid, attacker.privateKey))).toBe(401);
    expect(await status(await sign(claims, 'not-a-steward-kid', attacker.privateKey))).toBe(401);
    const jwks = (await t.request({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const publicJwk = JSON.stringify(jwks.keys.find((k: { kid: string }) => k.kid === kid));
    expect(await status(await sign(claims, kid, new TextEncoder().encode(publicJwk), 'HS256'))).toBe(401);
    expect(await status(await sign({ ...claims, iss: 'https://issuer.example.com' }, kid, key))).toBe(401);
    const past = Math.floor((Date.now() + offsetMs) / 1000) - 3600;
    expect(await status(await sign({ ...claims, iat: past, nbf: past, exp: past + 600 }, kid, key))).toBe(
      401,
    );
    expect(
      await status(await sign({ ...claims, sub: '00000000-0000-4000-8000-000000000000' }, kid, key)),
    ).toBe(401);
    expect(await status(`${real.slice(0, -4)}AAAA`)).toBe(401);
  });

  it('accepts a retired key while it is published and refuses it once it has left the JWKS', async () => {
    const oldKid = decodeProtectedHeader(await identityToken(t, accountId)).kid!;
    const oldKey = await stewardKey(oldKid);
    const rotated = await t.app.tokens.rotate('user:test', 0);
    expect(await status(await sign(await freshClaims(), oldKid, oldKey))).toBe(200);

    // An hour and more later, every token the old key signed has expired: it leaves the JWKS.
    offsetMs += 3_700_000;
    const jwks = (await t.request({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).not.toContain(oldKid);
    expect(await status(await sign(await freshClaims(), oldKid, oldKey))).toBe(401);
    expect(await status(await sign(await freshClaims(), rotated.kid, await stewardKey(rotated.kid)))).toBe(
      200,
    );
  });

  it('writes no token to any log line', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThan(10);
    for (const token of sent)
      for (const part of token.split('.').filter((p) => p.length > 16))
        expect(logLines.filter((l) => l.includes(part))).toEqual([]);
  });
});

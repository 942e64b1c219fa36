// Proves Steward as an OIDC issuer: the discovery document and JWKS are public and agree (jwks_uri under the
// issuer, ES256); the private half of a signing key is sealed at rest and never published; rotation publishes a
// new key before it signs, keeps the old one until every token it signed has expired, then drops it; tokens
// carry Azure's claims and the signing key's kid; only administrators list and rotate keys, audited.
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createKeyring } from '../../../crypto/keyring.js';
import { rolesWithout } from '../../../domain/roles.js';
import { createTokenService, TOKEN_TTL_SECONDS } from './token-service.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const get = (url: string, token?: string) => t.request({ method: 'GET', url, token });

describe('discovery and JWKS', () => {
  it('are served without a token; jwks_uri sits under the issuer; the keys are public EC P-256 keys with a kid', async () => {
    const disc = await t.app.inject({
      method: 'GET',
      url: '/.well-known/openid-configuration',
      headers: { host: 'steward.example:8420' },
    });
    expect(disc.statusCode).toBe(200);
    expect(disc.json()).toMatchObject({
      issuer: 'http://steward.example:8420',
      jwks_uri: 'http://steward.example:8420/.well-known/jwks.json',
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
      subject_types_supported: ['public'],
    });
    const jwks = await get('/.well-known/jwks.json');
    expect(jwks.statusCode).toBe(200);
    const keys = jwks.json().keys;
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
      expect(k.d).toBeUndefined();
    }
  });

  it('keeps the private key sealed: no row of the database holds it in the clear', async () => {
    const { keys } = (await get('/.well-known/jwks.json')).json();
    const kid = keys[0].kid as string;
    const sealed = await t.database.query<{ n: string }>(
      'SELECT count(*) AS n FROM sealed_secrets WHERE id = $1',
      [kid],
    );
    expect(Number(sealed[0]?.n)).toBe(1);
    const rows = await t.database.query<{ public_jwk: Record<string, unknown> }>(
      'SELECT public_jwk FROM token_signing_keys WHERE kid = $1',
      [kid],
    );
    expect(rows[0]?.public_jwk.d).toBeUndefined();
  });
});

describe('signing key rotation', () => {
  it('publishes a new key before it signs, retires the old one, and drops it once its tokens expired', async () => {
    let clock = Date.now() + 10 * 86_400_000;
    const keyring = createKeyring({
      current: () => t.rootKey,
      find: (id) => (id === t.rootKey.id ? t.rootKey : undefined),
    });
    const tokens = createTokenService({
      db: t.database.db,
      keyring,
      issuer: () => 'https://issuer.example',
      now: () => new Date(clock),
      keyCacheMs: 0,
    });
    const account = (
      await t.request({
        method: 'POST',
        url: '/api/v1/automation-accounts',
        token: t.adminToken,
        body: { name: 'rotation' },
      })
    ).json();
    const job = { jobId: 'job_rotation', automationAccountId: account.id, worker: 'srv_test' };
    const kidOf = async (resource: string) => {
      const a = await tokens.issue(job, { by: 'system' }, resource);
      if (a.kind !== 'issued') throw new Error(a.description);
      return { kid: decodeProtectedHeader(a.accessToken).kid, token: a.accessToken };
    };
    const before = await kidOf('aud-1');
    const next = await tokens.rotate('user:test', 600);
    expect((await tokens.jwks()).keys.map((k) => k.kid)).toContain(next.kid);
    expect((await kidOf('aud-2')).kid).toBe(before.kid);
    clock += 601_000;
    const after = await kidOf('aud-3');
    expect(after.kid).toBe(next.kid);
    // The old key still verifies the tokens it signed…
    const jwks = createLocalJWKSet(await tokens.jwks());
    await expect(compactVerify(before.token, jwks)).resolves.toBeDefined();
    expect((await tokens.listKeys()).find((k) => k.kid === before.kid)?.state).toBe('retired');
    // …until every one of them has expired.
    clock += (TOKEN_TTL_SECONDS + 120) * 1000;
    expect((await tokens.jwks()).keys.map((k) => k.kid)).not.toContain(before.kid);
    const { payload } = await jwtVerify(after.token, createLocalJWKSet(await tokens.jwks()), {
      issuer: 'https://issuer.example',
      audience: 'aud-3',
      currentDate: new Date(clock - (TOKEN_TTL_SECONDS + 60) * 1000),
    });
    expect(payload).toMatchObject({
      sub: account.identity.principalId,
      oid: account.identity.principalId,
      tid: account.identity.tenantId,
      azp: account.identity.clientId,
      appid: account.identity.clientId,
      xms_mirid: `/managementGroups/${account.identity.tenantId}/automationAccounts/${account.id}`,
      job_id: 'job_rotation',
      worker: 'srv_test',
    });
    expect(payload.exp! - payload.iat!).toBe(TOKEN_TTL_SECONDS);
  });

  it('refuses a token with no selector when the account has no system identity, even with one user-assigned identity attached (R61)', async () => {
    const keyring = createKeyring({
      current: () => t.rootKey,
      find: (id) => (id === t.rootKey.id ? t.rootKey : undefined),
    });
    const tokens = createTokenService({ db: t.database.db, keyring, issuer: () => 'https://issuer.example' });
    const u = (
      await t.request({
        method: 'POST',
        url: '/api/v1/user-assigned-identities',
        token: t.adminToken,
        body: { name: 'only-one' },
      })
    ).json();
    const account = (
      await t.request({
        method: 'POST',
        url: '/api/v1/automation-accounts',
        token: t.adminToken,
        body: { name: 'no-system', identity: { type: 'UserAssigned', userAssignedIdentities: [u.id] } },
      })
    ).json();
    const job = { jobId: 'job_r61', automationAccountId: account.id, worker: 'srv_test' };
    const answer = await tokens.issue(job, { by: 'system' }, 'aud');
    expect(answer).toMatchObject({ kind: 'refused', error: 'invalid_request' });
    expect(answer.kind === 'refused' && answer.description).toContain('no system-assigned identity');
    expect(
      await tokens.issue(job, { by: 'principal_id', value: u.principalId.toUpperCase() }, 'aud'),
    ).toMatchObject({
      kind: 'issued',
      clientId: u.clientId,
    });
  });

  it("is an administrator's: the rotate route answers 201, audited; every other role gets 403", async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/identity/signing-keys/rotate',
      token: t.adminToken,
      body: { signsAfterSeconds: 60 },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().state).toBe('pending');
    const audited = await t.database.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE kind = 'token.signing-key.create' AND target = $1`,
      [res.json().kid],
    );
    expect(Number(audited[0]?.n)).toBe(1);
    const listed = (await get('/api/v1/identity/signing-keys', t.adminToken)).json().items;
    expect(listed.map((k: { kid: string }) => k.kid)).toContain(res.json().kid);
    for (const role of rolesWithout('identity.keys')) {
      const token = await t.tokenFor(role);
      expect(
        (await t.request({ method: 'POST', url: '/api/v1/identity/signing-keys/rotate', token, body: {} }))
          .statusCode,
      ).toBe(403);
      expect((await get('/api/v1/identity/signing-keys', token)).statusCode).toBe(403);
    }
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/identity/signing-keys/rotate',
      token: t.adminToken,
      body: { signsAfterSeconds: -1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('body.signsAfterSeconds');
  });
});

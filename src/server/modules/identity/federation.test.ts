// Proves Steward's tokens pass the checks cloud federation verifiers make (docs/identity.md's recipes): from the
// issuer URL alone, the discovery document is fetched, its `issuer` is exactly that URL, the JWKS is fetched
// from its `jwks_uri` by a real OIDC library (jose's remote JWKS), and the token verifies with the verifier's
// algorithms, `iss` exact, `aud` the configured audience, `sub` the identity's principal id (a UUID). AWS and
// Entra get RS256 (their audiences configured so), Google and Vault ES256; the wrong issuer spelling, another
// audience or another algorithm list is refused.

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createAgentApi } from '../../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../../agent/agent-identity.js';

let t: TestApp;
let issuer = '';
let dir: string;
let api: ReturnType<typeof createAgentApi>;
let principalId: string;

const GOOGLE_AUDIENCE =
  'https://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/steward/providers/steward';
const verifiers = [
  { name: 'AWS IAM OIDC provider', audience: 'sts.amazonaws.com', algorithms: ['RS256'] },
  {
    name: 'Microsoft Entra federated credential',
    audience: 'api://AzureADTokenExchange',
    algorithms: ['RS256'],
  },
  { name: 'Google workload identity pool', audience: GOOGLE_AUDIENCE, algorithms: ['RS256', 'ES256'] },
  { name: 'Vault JWT auth', audience: 'vault', algorithms: ['ES256', 'RS256'] },
];

beforeAll(async () => {
  t = await createTestApp({
    issuerUrl: () => issuer || undefined,
    rs256Audiences: ['sts.amazonaws.com', 'api://AzureADTokenExchange'],
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  issuer = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'steward-federation-'));
  const { token } = (
    await t.request({
      method: 'POST',
      url: '/api/v1/agents/enrollment-tokens',
      token: t.adminToken,
      body: { computerName: 'federated-01' },
    })
  ).json();
  api = createAgentApi({ server: issuer, identity: loadOrCreateIdentity(join(dir, 'data')) });
  await api.enroll({ computerName: 'federated-01', token });
  principalId = (
    await t.request({
      method: 'PUT',
      url: `/api/v1/agents/${api.agentId}/identity`,
      token: t.adminToken,
      body: { enabled: true },
    })
  ).json().principalId;
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function tokenFor(audience: string) {
  const a = await api.computerIdentityToken({ by: 'system' }, audience);
  if (a.kind !== 'issued') throw new Error(a.description);
  return a.accessToken;
}

/** What a federation verifier does, given only the issuer URL and its own settings. */
async function verifyAsFederation(token: string, v: { audience: string; algorithms: string[] }) {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    issuer: string;
    jwks_uri: string;
    id_token_signing_alg_values_supported: string[];
  };
  if (discovery.issuer !== issuer) throw new Error('issuer mismatch');
  const { payload, protectedHeader } = await jwtVerify(
    token,
    createRemoteJWKSet(new URL(discovery.jwks_uri)),
    {
      issuer,
      audience: v.audience,
      algorithms: v.algorithms,
    },
  );
  expect(discovery.id_token_signing_alg_values_supported).toContain(protectedHeader.alg);
  return payload;
}

describe('tokens verified as cloud federation verifiers do', () => {
  it.each(verifiers)(
    '$name: discovery from the issuer URL, JWKS from jwks_uri, iss, aud, sub and alg',
    async (v) => {
      const token = await tokenFor(v.audience);
      const payload = await verifyAsFederation(token, v);
      expect(payload.iss).toBe(issuer);
      expect(payload.aud).toBe(v.audience);
      expect(payload.sub).toBe(principalId);
      expect(payload.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(v.algorithms).toContain(decodeProtectedHeader(token).alg);
    },
  );

  it('refuses a token for another audience, a differently spelled issuer, and an algorithm the verifier does not take', async () => {
    const vault = await tokenFor('vault');
    await expect(
      verifyAsFederation(vault, { audience: 'sts.amazonaws.com', algorithms: ['ES256'] }),
    ).rejects.toThrow();
    await expect(
      jwtVerify(vault, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), {
        issuer: `${issuer}/`,
        audience: 'vault',
      }),
    ).rejects.toThrow();
    // An RSA-only verifier meets an ES256 token.
    await expect(verifyAsFederation(vault, { audience: 'vault', algorithms: ['RS256'] })).rejects.toThrow();
  });
});

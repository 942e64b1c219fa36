// Proves sign-in with a Run As certificate at the OAuth token endpoint: a client assertion made with jose (x5t
// or x5t#S256, iss = sub = app id, aud = the endpoint) gets a token of Steward's issuer for the service principal,
// verifiable with the JWKS; a replayed assertion, a wrong audience, a wrong signer, an unknown, expired or revoked
// certificate are refused with an OAuth error that says which; the old certificate still signs in after renewal
// (R50) and none does after the Run As account is deleted; neither assertion nor token is audited or logged.
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { createLocalJWKSet, importPKCS8, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createRunAsCertificate } from '../../../crypto/run-as-certificate.js';

const ISSUER = 'https://steward.test';
const ENDPOINT = `${ISSUER}/oauth2/token`;
const logLines: string[] = [];
let t: TestApp;
let accountId: string;
let appId: string;
let spId: string;
let tenant: string;
let key: { certificatePem: string; privateKeyPem: string };

beforeAll(async () => {
  t = await createTestApp({ issuerUrl: () => ISSUER, logLines });
  const a = await t.request({
    method: 'POST',
    url: '/api/v1/automation-accounts',
    token: t.adminToken,
    body: { name: 'signin' },
  });
  accountId = a.json().id;
  const r = (
    await t.request({
      method: 'POST',
      url: `/api/v1/automation-accounts/${accountId}/run-as-account`,
      token: t.adminToken,
      body: {},
    })
  ).json();
  ({ applicationId: appId, servicePrincipalId: spId, tenantId: tenant } = r);
  key = await jobCertificate();
});
afterAll(() => t.close());

async function jobCertificate() {
  const c = await t.app.automation.assets.readAssetForJob(accountId, 'certificate', 'AzureRunAsCertificate');
  if (c.kind !== 'certificate' || !c.privateKeyPem) throw new Error('no key');
  return { certificatePem: c.certificatePem, privateKeyPem: c.privateKeyPem };
}

const thumb = (pem: string, alg: 'sha1' | 'sha256') =>
  createHash(alg).update(new X509Certificate(pem).raw).digest('base64url');

async function assertion(
  opts: {
    cert?: typeof key;
    aud?: string;
    header?: 'x5t' | 'x5t#S256' | 'none';
    iss?: string;
    exp?: string;
  } = {},
) {
  const cert = opts.cert ?? key;
  const h = opts.header ?? 'x5t';
  return new SignJWT({})
    .setProtectedHeader({
      alg: 'RS256',
      typ: 'JWT',
      ...(h === 'none' ? {} : { [h]: thumb(cert.certificatePem, h === 'x5t' ? 'sha1' : 'sha256') }),
    })
    .setIssuer(opts.iss ?? appId)
    .setSubject(opts.iss ?? appId)
    .setAudience(opts.aud ?? ENDPOINT)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '10m')
    .sign(await importPKCS8(cert.privateKeyPem, 'RS256'));
}

const form = (fields: Record<string, string>, url = '/oauth2/token') =>
  t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });

const grant = (clientAssertion: string, extra: Record<string, string> = {}) => ({
  grant_type: 'client_credentials',
  client_id: appId,
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  client_assertion: clientAssertion,
  scope: 'api://steward/.default',
  ...extra,
});

describe('the token endpoint', () => {
  it('issues a token for the service principal, signed by the issuer, for an x5t or x5t#S256 assertion', async () => {
    for (const header of ['x5t', 'x5t#S256'] as const) {
      const signed = await assertion({ header });
      const res = await form(grant(signed));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
      const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience: 'api://steward',
      });
      expect(payload).toMatchObject({ sub: spId, oid: spId, appid: appId, tid: tenant, idtyp: 'app' });
      expect(payload.automation_account_id).toBe(accountId);
      const audit = JSON.stringify(
        await t.database.query(`SELECT * FROM audit_log WHERE kind = 'runas.sign-in'`),
      );
      expect(audit).toContain(appId);
      expect(audit).not.toContain(signed.split('.')[2]);
      expect(audit).not.toContain(body.access_token.split('.')[2]);
      expect(logLines.join('\n')).not.toContain(signed.split('.')[2]);
    }
  });

  it('answers the tenant-style path with a v1 resource, and refuses another tenant', async () => {
    const url = `/${tenant}/oauth2/token`;
    const ok = await form(
      grant(await assertion({ aud: `${ISSUER}${url}` }), { scope: '', resource: 'api://x' }),
      url,
    );
    expect(ok.statusCode, ok.body).toBe(200);
    const other = await form(grant(await assertion()), `/${randomUUID()}/oauth2/v2.0/token`);
    expect(other.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a replayed assertion, a wrong audience, a wrong signer and an unnamed certificate', async () => {
    const once = await assertion();
    expect((await form(grant(once))).statusCode).toBe(200);
    const again = await form(grant(once));
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ error: 'invalid_grant' });
    const aud = await form(grant(await assertion({ aud: 'https://elsewhere/oauth2/token' })));
    expect(aud.json().error_description).toContain('aud');
    const stranger = await createRunAsCertificate({ commonName: 'stranger', months: 1 });
    const unknown = await form(grant(await assertion({ cert: stranger })));
    expect(unknown.json()).toMatchObject({ error: 'invalid_client' });
    expect(unknown.json().error_description).toContain('not a credential');
    // Signed by another key but naming the real certificate: the signature does not verify.
    const forged = await form(
      grant(await assertion({ cert: { ...stranger, certificatePem: key.certificatePem } })),
    );
    expect(forged.json().error_description).toContain('signature');
    const unnamed = await form(grant(await assertion({ header: 'none' })));
    expect(unnamed.json().error_description).toContain('x5t');
    const long = await form(grant(await assertion({ exp: '3h' })));
    expect(long.json().error_description).toContain('expire within');
  });

  it('refuses other grants, secrets, and malformed forms without echoing them', async () => {
    expect((await form({ grant_type: 'password' })).json().error).toBe('unsupported_grant_type');
    const secret = await form({ ...grant('x'), client_secret: 's3cr3t-value' });
    expect(secret.json().error).toBe('invalid_client');
    expect(secret.body).not.toContain('s3cr3t-value');
    expect((await form(grant('not-a-jwt'))).json().error_description).toContain('not a signed JWT');
    const twice = await t.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect(twice.json().error_description).toContain('grant_type once');
    const json = await t.app.inject({ method: 'POST', url: '/oauth2/token', payload: { grant_type: 'x' } });
    expect(json.statusCode).toBe(415);
  });

  it('keeps the old certificate after renewal until it expires or is revoked, and none after deletion', async () => {
    const old = key;
    const renewed = await t.request({
      method: 'POST',
      url: `/api/v1/automation-accounts/${accountId}/run-as-account/renew`,
      token: t.adminToken,
      body: {},
    });
    expect(renewed.statusCode).toBe(200);
    const fresh = await jobCertificate();
    expect(fresh.certificatePem).not.toBe(old.certificatePem);
    expect((await form(grant(await assertion({ cert: old })))).statusCode).toBe(200);
    expect((await form(grant(await assertion({ cert: fresh })))).statusCode).toBe(200);

    // The old certificate reaches its own expiry.
    await t.database.query(
      `UPDATE application_certificates SET not_after = now() - interval '1 minute' WHERE certificate_pem = $1`,
      [old.certificatePem],
    );
    const expired = await form(grant(await assertion({ cert: old })));
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error_description).toMatch(/expired on/);

    await t.request({
      method: 'POST',
      url: `/api/v1/automation-accounts/${accountId}/run-as-account/renew`,
      token: t.adminToken,
      body: { revokePrevious: true },
    });
    const revoked = await form(grant(await assertion({ cert: fresh })));
    expect(revoked.json().error_description).toMatch(/was revoked/);

    const del = await t.request({
      method: 'DELETE',
      url: `/api/v1/automation-accounts/${accountId}/run-as-account`,
      token: t.adminToken,
    });
    expect(del.statusCode).toBe(204);
    const gone = await form(grant(await assertion({ cert: fresh })));
    expect(gone.json()).toMatchObject({ error: 'invalid_client' });
    expect(gone.json().error_description).toContain('No application');
  });
});

// Proves that Azure's own SDK signs in at Steward with a Run As certificate, unchanged: @azure/identity's
// ClientCertificateCredential (MSAL underneath) pointed at Steward over HTTPS — authorityHost the server, tenant the
// management group's id — reads the tenant-style discovery document, signs its client assertion with the
// certificate the job would read from AzureRunAsCertificate, and gets a token for the service principal that
// Steward's API accepts with the principal's role (Contributor at its automation account, nothing more). A tenant
// other than the management group's is refused, and the discovery document answers only for that tenant.
import type { AddressInfo } from 'node:net';
import { ClientCertificateCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createSelfSignedCertificate } from '../../../crypto/tls-certificate.js';

let t: TestApp;
let base = '';
let tls: { certPem: string; keyPem: string };

beforeAll(async () => {
  tls = await createSelfSignedCertificate({ commonName: 'steward-test', names: ['127.0.0.1', 'localhost'] });
  t = await createTestApp({
    issuerUrl: () => base || undefined,
    https: { cert: tls.certPem, key: tls.keyPem },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `https://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

const call = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, token, body });

describe("Azure's ClientCertificateCredential against Steward", () => {
  it('signs in with the Run As certificate, and the token works on the API with the principal’s role', async () => {
    const account = (await call('POST', '/api/v1/automation-accounts', { name: 'azure-sdk' })).json();
    const other = (await call('POST', '/api/v1/automation-accounts', { name: 'azure-sdk-other' })).json();
    const runAs = await call('POST', `/api/v1/automation-accounts/${account.id}/run-as-account`, {});
    expect(runAs.statusCode, runAs.body).toBe(201);
    const { applicationId, servicePrincipalId, tenantId } = runAs.json();
    // What a job reads from AzureRunAsCertificate: the certificate and its key.
    const asset = await t.app.automation.assets.readAssetForJob(
      account.id,
      'certificate',
      'AzureRunAsCertificate',
    );
    if (asset.kind !== 'certificate' || !asset.privateKeyPem) throw new Error('no key in the asset');
    const certificate = `${asset.privateKeyPem.trim()}\n${asset.certificatePem.trim()}\n`;

    const credential = (tenant: string) =>
      new ClientCertificateCredential(
        tenant,
        applicationId,
        { certificate },
        {
          authorityHost: base,
          // Steward is no Entra ID cloud: no instance discovery at login.microsoftonline.com.
          disableInstanceDiscovery: true,
          // The server's self-signed certificate, trusted for this client only.
          tlsOptions: { ca: tls.certPem },
          retryOptions: { maxRetries: 0 },
        },
      );
    const got = await credential(tenantId).getToken('api://steward/.default');
    expect(got.token).toMatch(/^eyJ/);
    const claims = JSON.parse(Buffer.from(got.token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({
      oid: servicePrincipalId,
      appid: applicationId,
      appidacr: '2',
      tid: tenantId,
      aud: 'api://steward',
      iss: base,
    });

    // The token is the principal's: Contributor at its own automation account, and nothing elsewhere.
    expect(
      (await call('GET', `/api/v1/automation-accounts/${account.id}`, undefined, got.token)).statusCode,
    ).toBe(200);
    const variable = await call(
      'PUT',
      `/api/v1/automation-accounts/${account.id}/variables/FromAzureSdk`,
      { value: 'set by the Run As principal' },
      got.token,
    );
    expect(variable.statusCode, variable.body).toBeLessThan(300);
    expect(
      (await call('GET', `/api/v1/automation-accounts/${other.id}`, undefined, got.token)).statusCode,
    ).toBe(403);
    const signIns = await t.database.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE kind = 'runas.sign-in' AND target = $1`,
      [account.id],
    );
    expect(signIns).toHaveLength(1);
    expect(JSON.stringify(signIns)).not.toMatch(/eyJ[\w-]+\.eyJ|PRIVATE KEY/);

    // Another tenant: MSAL finds no discovery document there, and no token is issued.
    await expect(
      credential('00000000-0000-4000-8000-000000000000').getToken('api://steward/.default'),
    ).rejects.toThrow();
    const doc = await call(
      'GET',
      '/00000000-0000-4000-8000-000000000000/v2.0/.well-known/openid-configuration',
    );
    expect(doc.statusCode).toBe(404);
    const ours = (await call('GET', `/${tenantId}/v2.0/.well-known/openid-configuration`)).json();
    expect(ours.token_endpoint).toBe(`${base}/${tenantId}/oauth2/v2.0/token`);
  });
});

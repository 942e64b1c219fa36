// Proves the role assignment of a Run As account's service principal: creation gives the principal Contributor
// at the automation account's scope in the same transaction; a token it gets with its certificate is accepted on
// Steward's API with exactly that assignment (allowed at its account, refused at another); without the
// assignment the status is Incomplete naming why; the principal can be given roles like any identity; deleting
// the Run As account removes its assignments, and its unexpired token is refused from then on.
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';

const ISSUER = 'https://steward.test';
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ issuerUrl: () => ISSUER });
});
afterAll(() => t.close());

const call = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, token, body });

async function account(name: string) {
  const res = await call('POST', '/api/v1/automation-accounts', { name });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

/** A token for the principal, signed in with the certificate the job would read. */
async function signIn(accountId: string, appId: string) {
  const c = await t.app.automation.assets.readAssetForJob(accountId, 'certificate', 'AzureRunAsCertificate');
  if (c.kind !== 'certificate' || !c.privateKeyPem) throw new Error('no key');
  const x5t = createHash('sha1').update(new X509Certificate(c.certificatePem).raw).digest('base64url');
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', x5t })
    .setIssuer(appId)
    .setSubject(appId)
    .setAudience(`${ISSUER}/oauth2/token`)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(await importPKCS8(c.privateKeyPem, 'RS256'));
  const res = await t.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'api://steward/.default',
    }).toString(),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token as string;
}

describe("the Run As account's service principal", () => {
  it('holds Contributor at its automation account, and its token has exactly that on the API', async () => {
    const a = await account('ra-roles');
    const other = await account('ra-roles-other');
    const r = (await call('POST', `/api/v1/automation-accounts/${a.id}/run-as-account`, {})).json();
    expect(r.status).toBe('Complete');

    const assignments = (
      await call('GET', `/api/v1/role-assignments?principalId=${r.servicePrincipalId}`)
    ).json().items;
    expect(assignments).toEqual([
      expect.objectContaining({
        principalId: r.servicePrincipalId,
        principalType: 'ServicePrincipal',
        identityId: r.applicationId,
        role: 'Contributor',
        scope: `/automationAccounts/${a.id}`,
      }),
    ]);
    const audit = (await call('GET', '/api/v1/audit?kind=runas.create')).json();
    expect(JSON.stringify(audit)).toContain(assignments[0].id);

    const token = await signIn(a.id, r.applicationId);
    expect((await call('GET', `/api/v1/automation-accounts/${a.id}`, undefined, token)).statusCode).toBe(200);
    const made = await call(
      'POST',
      `/api/v1/automation-accounts/${a.id}/runbooks`,
      { name: 'ByPrincipal', type: 'shell', content: 'echo hi' },
      token,
    );
    expect(made.statusCode, made.body).toBe(201);
    const elsewhere = await call('GET', `/api/v1/automation-accounts/${other.id}`, undefined, token);
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().error.message).toContain(`/automationAccounts/${other.id}`);

    // An administrator can give the principal a role elsewhere, as for any identity.
    const given = await call('POST', '/api/v1/role-assignments', {
      principalId: r.servicePrincipalId,
      role: 'Reader',
      scope: `/automationAccounts/${other.id}`,
    });
    expect(given.statusCode, given.body).toBe(201);
    expect(given.json().principalType).toBe('ServicePrincipal');
    expect((await call('GET', `/api/v1/automation-accounts/${other.id}`, undefined, token)).statusCode).toBe(
      200,
    );

    const del = await call('DELETE', `/api/v1/automation-accounts/${a.id}/run-as-account`);
    expect(del.statusCode, del.body).toBe(204);
    expect(
      (await call('GET', `/api/v1/role-assignments?principalId=${r.servicePrincipalId}`)).json().items,
    ).toEqual([]);
    expect((await call('GET', `/api/v1/automation-accounts/${a.id}`, undefined, token)).statusCode).toBe(401);
  });

  it('makes the status Incomplete when its role assignment is removed', async () => {
    const a = await account('ra-roles-gone');
    const r = (await call('POST', `/api/v1/automation-accounts/${a.id}/run-as-account`, {})).json();
    const [ra] = (await call('GET', `/api/v1/role-assignments?principalId=${r.servicePrincipalId}`)).json()
      .items;
    expect((await call('DELETE', `/api/v1/role-assignments/${ra.id}`)).statusCode).toBe(204);
    const after = (await call('GET', `/api/v1/automation-accounts/${a.id}/run-as-account`)).json();
    expect(after.status).toBe('Incomplete');
    expect(after.statusReasons).toContain('The service principal has no role assignment.');
  });
});

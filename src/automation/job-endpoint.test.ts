// Proves the job-local token endpoint speaks Azure App Service's managed-identity protocol (2019-08-01, R61/R62):
// GET with a query or POST with a form, X-IDENTITY-HEADER required and dead once revoked (the job ended),
// `Metadata: true` accepted in any case (Q11), api-version optional (Q9), resource required, at most one
// selector (object_id an alias of principal_id), the answer's exact fields and types, and errors as
// `error`/`error_description` bodies that never hold a token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentitySelector, type JobEndpoint, startJobEndpoint } from './job-endpoint.js';

let ep: JobEndpoint;
let header: string;
const asked: { selector: IdentitySelector; resource: string }[] = [];
beforeAll(async () => {
  ep = await startJobEndpoint({
    readAsset: async () => ({ kind: 'not-found', message: 'none' }),
    async identityToken(_job, selector, resource) {
      asked.push({ selector, resource });
      if (selector.by === 'client_id' && selector.value === 'not-attached')
        return { kind: 'refused', error: 'invalid_request', description: 'not attached' };
      return {
        kind: 'issued',
        accessToken: 'tok.en.value',
        expiresOn: 1_900_000_000,
        resource,
        clientId: 'cid-1',
      };
    },
  });
  header = ep.issueIdentityHeader({ jobId: 'job_1', automationAccountId: 'aa_1' });
});
afterAll(() => ep.close());

function get(query: string, headers: Record<string, string> = { 'x-identity-header': header }) {
  return fetch(`${ep.url()}/msi/token?${query}`, { headers });
}

describe('the job token endpoint', () => {
  it('answers a GET with access_token, expires_on as a string of Unix seconds, resource, token_type and client_id', async () => {
    const res = await get('resource=api%3A%2F%2Fsteward&api-version=2019-08-01');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      access_token: 'tok.en.value',
      expires_on: '1900000000',
      resource: 'api://steward',
      token_type: 'Bearer',
      client_id: 'cid-1',
    });
    expect(asked.at(-1)).toEqual({ selector: { by: 'system' }, resource: 'api://steward' });
  });

  it('takes api-version left out (Q9), Metadata: True in any case (Q11), and a POSTed form', async () => {
    expect((await get('resource=r1')).status).toBe(200);
    expect((await get('resource=r1', { 'x-identity-header': header, metadata: 'True' })).status).toBe(200);
    const posted = await fetch(`${ep.url()}/msi/token`, {
      method: 'POST',
      headers: { 'x-identity-header': header, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'resource=r2&client_id=abc',
    });
    expect(posted.status).toBe(200);
    expect(asked.at(-1)).toEqual({ selector: { by: 'client_id', value: 'abc' }, resource: 'r2' });
  });

  it('passes principal_id, object_id (as principal_id) and mi_res_id on', async () => {
    await get('resource=r&principal_id=p1');
    expect(asked.at(-1)?.selector).toEqual({ by: 'principal_id', value: 'p1' });
    await get('resource=r&object_id=p2');
    expect(asked.at(-1)?.selector).toEqual({ by: 'principal_id', value: 'p2' });
    await get('resource=r&mi_res_id=%2FmanagementGroups%2Ft%2FuserAssignedIdentities%2Fuami_1');
    expect(asked.at(-1)?.selector).toEqual({
      by: 'mi_res_id',
      value: '/managementGroups/t/userAssignedIdentities/uami_1',
    });
  });

  it.each([
    ['no resource', 'api-version=2019-08-01', 'resource'],
    ['two selectors', 'resource=r&client_id=a&mi_res_id=b', 'client_id and mi_res_id'],
    ['principal_id and object_id', 'resource=r&principal_id=a&object_id=b', 'principal_id and object_id'],
    ['another api-version', 'resource=r&api-version=2017-09-01', '2017-09-01'],
    ['resource given twice', 'resource=r&resource=s', 'resource once'],
    ['an identity not attached', 'resource=r&client_id=not-attached', 'not attached'],
  ])('refuses %s with 400 and error/error_description, no token', async (_label, query, says) => {
    const before = asked.length;
    const res = await get(query);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toContain(says);
    expect(body.access_token).toBeUndefined();
    if (!query.includes('not-attached')) expect(asked.length).toBe(before);
  });

  it('refuses Metadata other than true, X-Forwarded-For, and a POST that is not a form', async () => {
    expect((await get('resource=r', { 'x-identity-header': header, metadata: 'yes' })).status).toBe(400);
    expect(
      (await get('resource=r', { 'x-identity-header': header, 'x-forwarded-for': '10.0.0.1' })).status,
    ).toBe(400);
    const json = await fetch(`${ep.url()}/msi/token`, {
      method: 'POST',
      headers: { 'x-identity-header': header, 'content-type': 'application/json' },
      body: '{"resource":"r"}',
    });
    expect(json.status).toBe(400);
  });

  it('answers 401 without the header, with a wrong one, with the asset token, and once the job ended', async () => {
    const assetToken = ep.issue({ jobId: 'job_2', automationAccountId: 'aa_1' });
    const other = ep.issueIdentityHeader({ jobId: 'job_3', automationAccountId: 'aa_1' });
    const attempts: Record<string, string>[] = [
      {},
      { 'x-identity-header': 'forged' },
      { 'x-identity-header': assetToken },
    ];
    for (const headers of attempts) {
      const res = await get('resource=r', headers);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
    }
    expect((await get('resource=r', { 'x-identity-header': other })).status).toBe(200);
    ep.revoke(other);
    expect((await get('resource=r', { 'x-identity-header': other })).status).toBe(401);
  });

  it('speaks App Service 2017-09-01 on MSI_ENDPOINT: the secret header, clientid, expires_on as a UTC date, no client_id', async () => {
    const url = (q: string) => `${ep.url()}/msi/2017/token?${q}`;
    const res = await fetch(url('api-version=2017-09-01&resource=api%3A%2F%2Fold'), {
      headers: { secret: header, metadata: 'true' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      access_token: 'tok.en.value',
      // 1_900_000_000 seconds: 2030-03-17T17:46:40Z.
      expires_on: '03/17/2030 17:46:40 +00:00',
      resource: 'api://old',
      token_type: 'Bearer',
    });
    await fetch(url('resource=r&clientid=cid-9'), { headers: { secret: header } });
    expect(asked.at(-1)).toEqual({ selector: { by: 'client_id', value: 'cid-9' }, resource: 'r' });
    // Each protocol its own header: X-IDENTITY-HEADER opens nothing here, and `secret` nothing on /msi/token.
    expect((await fetch(url('resource=r'), { headers: { 'x-identity-header': header } })).status).toBe(401);
    expect((await fetch(`${ep.url()}/msi/token?resource=r`, { headers: { secret: header } })).status).toBe(
      401,
    );
    const wrongVersion = await fetch(url('api-version=2019-08-01&resource=r'), {
      headers: { secret: header },
    });
    expect(wrongVersion.status).toBe(400);
    expect(await wrongVersion.json()).toMatchObject({ error: 'invalid_request' });
  });
});

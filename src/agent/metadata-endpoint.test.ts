// Proves the agent's metadata endpoint speaks IMDS (R64): GET only, `Metadata: true` demanded in lower case (Q11)
// with IMDS's bad_request_102 body otherwise, api-version required, IMDS's selector names (object_id,
// msi_res_id), the answer's fields (refresh_token, expires_in, not_before as strings), refusals as
// `error`/`error_description`; tokens cached until near expiry and asked once by concurrent callers; 20 requests
// a second and 5 at once, then 429 with Retry-After.
import { afterEach, describe, expect, it } from 'vitest';
import type { IdentitySelector, IdentityTokenAnswer } from '../automation/token-protocol.js';
import { type MetadataEndpoint, startMetadataEndpoint } from './metadata-endpoint.js';

let ep: MetadataEndpoint | undefined;
afterEach(async () => {
  await ep?.close();
  ep = undefined;
});

const PATH = '/metadata/identity/oauth2/token';

async function start(o: { clock?: () => number; delayMs?: number; expiresIn?: number } = {}) {
  const asked: { selector: IdentitySelector; resource: string }[] = [];
  let n = 0;
  const now = o.clock ?? Date.now;
  ep = await startMetadataEndpoint({
    port: 0,
    now,
    async token(selector, resource): Promise<IdentityTokenAnswer> {
      asked.push({ selector, resource });
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      if (selector.by === 'client_id' && selector.value === 'nobody')
        return { kind: 'refused', error: 'invalid_request', description: 'Identity not found' };
      const at = Math.floor(now() / 1000);
      return {
        kind: 'issued',
        accessToken: `token-${++n}`,
        expiresOn: at + (o.expiresIn ?? 3600),
        notBefore: at,
        resource,
        clientId: 'cid',
      };
    },
  });
  return { asked, url: (q: string) => `${ep!.url()}${PATH}?${q}` };
}
const meta = { Metadata: 'true' };

describe('the metadata endpoint', () => {
  it('answers IMDS fields, all strings, and refuses what IMDS refuses', async () => {
    const { url, asked } = await start();
    const res = await fetch(url('api-version=2018-02-01&resource=api%3A%2F%2Fx'), { headers: meta });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({
      access_token: 'token-1',
      refresh_token: '',
      resource: 'api://x',
      token_type: 'Bearer',
      client_id: 'cid',
    });
    expect(Number(body.expires_on) - Number(body.not_before)).toBe(3600);
    expect(Number(body.expires_in)).toBeGreaterThan(3590);
    expect(Object.values(body).every((v) => typeof v === 'string')).toBe(true);

    const noMeta = await fetch(url('api-version=2018-02-01&resource=r'));
    expect(noMeta.status).toBe(400);
    expect(await noMeta.json()).toEqual({
      error: 'bad_request_102',
      error_description: 'Required metadata header not specified',
    });
    expect(
      (await fetch(url('api-version=2018-02-01&resource=r'), { headers: { Metadata: 'TRUE' } })).status,
    ).toBe(400);
    const noVersion = await fetch(url('resource=r'), { headers: meta });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error_description: string }).error_description).toContain(
      'api-version',
    );
    expect((await fetch(url('api-version=2017-01-01&resource=r'), { headers: meta })).status).toBe(400);
    expect((await fetch(url('api-version=2018-02-01'), { headers: meta })).status).toBe(400);
    expect(
      (await fetch(url('api-version=2018-02-01&resource=r'), { method: 'POST', headers: meta })).status,
    ).toBe(405);
    expect((await fetch(`${ep!.url()}/metadata/instance`, { headers: meta })).status).toBe(404);
    const forwarded = await fetch(url('api-version=2018-02-01&resource=r'), {
      headers: { ...meta, 'x-forwarded-for': '10.0.0.1' },
    });
    expect(forwarded.status).toBe(400);

    await fetch(url('api-version=2019-08-01&resource=r&object_id=o1'), { headers: meta });
    expect(asked.at(-1)?.selector).toEqual({ by: 'principal_id', value: 'o1' });
    await fetch(url('api-version=2019-08-01&resource=r&msi_res_id=%2Fx%2Fy'), { headers: meta });
    expect(asked.at(-1)?.selector).toEqual({ by: 'mi_res_id', value: '/x/y' });
    const two = await fetch(url('api-version=2018-02-01&resource=r&client_id=a&object_id=b'), {
      headers: meta,
    });
    expect(two.status).toBe(400);
    const refused = await fetch(url('api-version=2018-02-01&resource=r&client_id=nobody'), { headers: meta });
    expect(refused.status).toBe(400);
    const refusedBody = await refused.json();
    expect(refusedBody).toEqual({ error: 'invalid_request', error_description: 'Identity not found' });
  });

  it('caches tokens until 5 minutes before they expire, and asks once for callers that wait together', async () => {
    let clock = Date.now();
    const { url, asked } = await start({ clock: () => clock, delayMs: 50 });
    const q = url('api-version=2018-02-01&resource=api%3A%2F%2Fcached');
    const together = await Promise.all(
      [1, 2, 3].map(() => fetch(q, { headers: meta }).then((r) => r.json())),
    );
    expect(new Set(together.map((b) => (b as { access_token: string }).access_token)).size).toBe(1);
    expect(asked).toHaveLength(1);
    clock += 3000 * 1000;
    expect(
      ((await (await fetch(q, { headers: meta })).json()) as { access_token: string }).access_token,
    ).toBe('token-1');
    clock += 400 * 1000; // within 5 minutes of expiry: a new one
    expect(
      ((await (await fetch(q, { headers: meta })).json()) as { access_token: string }).access_token,
    ).toBe('token-2');
    // Another audience is another token.
    await fetch(url('api-version=2018-02-01&resource=other'), { headers: meta });
    expect(asked).toHaveLength(3);
  });

  it('answers 429 with Retry-After past 20 requests a second, and past 5 at once', async () => {
    let clock = Date.now();
    const { url } = await start({ clock: () => clock });
    const q = url('api-version=2018-02-01&resource=r');
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await fetch(q, { headers: meta })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    const throttled = await fetch(q, { headers: meta });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.json()).toMatchObject({ error: 'too_many_requests' });
    clock += 1000;
    expect((await fetch(q, { headers: meta })).status).toBe(200);

    await ep!.close();
    const slow = await start({ delayMs: 300 });
    const at = slow.url('api-version=2018-02-01&resource=slow');
    const burst = await Promise.all(Array.from({ length: 8 }, () => fetch(at, { headers: meta })));
    expect(burst.filter((r) => r.status === 429).length).toBe(3);
    expect(burst.filter((r) => r.status === 200).length).toBe(5);
  });
});

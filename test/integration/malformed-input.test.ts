// Proves that malformed bodies thrown at every write endpoint get a 4xx error body naming a field,
// never a 5xx, and change nothing: the row count of every table and the audit log stay the same.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ loginMaxFailures: 1_000_000 });
});
afterAll(() => t.close());

async function snapshot(): Promise<string> {
  const tables = await t.database.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const counts: string[] = [];
  for (const { table_name } of tables) {
    // Sign-in attempts are counted (and failed ones audited) by design.
    if (['api_tokens', 'management_servers', 'login_attempts'].includes(table_name)) continue;
    const [row] = await t.database.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table_name}"`);
    counts.push(`${table_name}=${row?.n}`);
  }
  // A failed sign-in is audited by design; everything else must leave the log alone.
  const [audit] = await t.database.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM audit_log WHERE kind <> 'auth.login-failed'`,
  );
  return `${counts.join(',')};audit=${audit?.n}`;
}

const writeRoutes = () =>
  t.app.routePolicies
    .filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))
    .map((r) => ({ ...r, url: r.url.replace(/:(\w+)/g, 'no-such-$1') }));

/** Bodies that are wrong in shape: wrong JSON types, unknown fields, huge or hostile strings. */
const hostile = fc.oneof(
  fc.constant(null),
  fc.constant([]),
  fc.constant(''),
  fc.integer(),
  fc.string(),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).map((k) => `x_${k}`),
    fc.anything(),
    { minKeys: 1, maxKeys: 4 },
  ),
  fc.record({
    name: fc.integer(),
    id: fc.array(fc.string()),
    username: fc.constant({ $ne: null }),
    content: fc.integer(),
  }),
);

describe('malformed bodies at every write endpoint', () => {
  it('covers the write endpoints', () => {
    expect(writeRoutes().length).toBeGreaterThan(4);
  });

  it('gets 4xx with the error body and changes nothing', async () => {
    const before = await snapshot();
    for (const r of writeRoutes()) {
      await fc.assert(
        fc.asyncProperty(hostile, async (body) => {
          const res = await t.app.inject({
            method: r.method as 'POST',
            url: r.url,
            headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          expect(res.statusCode, `${r.method} ${r.url} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
          expect(res.statusCode, `${r.method} ${r.url} ${JSON.stringify(body)}`).toBeLessThan(500);
          const err = res.json().error;
          expect(err.code).toBeTypeOf('string');
          expect(err.requestId).toMatch(/^req_/);
          if (res.statusCode === 400) expect(err.issues?.[0]?.path).toBeTypeOf('string');
        }),
        { numRuns: 25, seed: 4242 },
      );
    }
    expect(await snapshot()).toBe(before);
  });

  it('answers broken JSON and wrong content types with 4xx, not 5xx', async () => {
    for (const r of writeRoutes()) {
      for (const [type, payload] of [
        ['application/json', '{"unterminated'],
        ['application/json', ''],
        ['text/plain', 'hello'],
        ['application/xml', '<a/>'],
      ] as const) {
        const res = await t.app.inject({
          method: r.method as 'POST',
          url: r.url,
          headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': type },
          payload,
        });
        expect(res.statusCode, `${r.method} ${r.url} ${type}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${r.method} ${r.url} ${type}`).toBeLessThan(500);
      }
    }
  });
});

/** Text the database cannot keep, as it arrives in a path, a query string and a JSON body. */
const badText = [
  { what: 'a NUL character', path: '%00', query: '%00', json: '"a\\u0000b"' },
  { what: 'an unpaired surrogate', path: '%ED%A0%80', query: '%ED%A0%80', json: '"\\ud800"' },
] as const;

describe('NUL and unpaired surrogates anywhere in a request', () => {
  const userRoutes = () => t.app.routePolicies.filter((r) => r.authenticated && !r.agent);

  it('are refused in every path parameter with a 400 naming it, and change nothing', async () => {
    const before = await snapshot();
    const withParams = userRoutes().filter((r) => r.url.includes('/:'));
    expect(withParams.length).toBeGreaterThan(10);
    for (const r of withParams) {
      for (const bad of badText) {
        const url = r.url.replace(/:(\w+)/g, `x${bad.path}`);
        const res = await t.app.inject({
          method: r.method as 'GET',
          url,
          headers: { authorization: `Bearer ${t.adminToken}` },
          ...(['POST', 'PUT', 'PATCH'].includes(r.method) ? { payload: {} } : {}),
        });
        expect(res.statusCode, `${r.method} ${url}`).toBe(400);
        expect(res.json().error.issues[0].path, `${r.method} ${url}`).toMatch(/^params(\.|$)/);
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it('are refused in query strings and JSON bodies with a 400 naming the field', async () => {
    const before = await snapshot();
    for (const bad of badText) {
      const q = await t.app.inject({
        method: 'GET',
        url: `/api/v1/objects?host=${bad.query}`,
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
      expect(q.statusCode, bad.what).toBe(400);
      expect(q.json().error.issues[0].path).toBe('querystring.host');
      for (const r of userRoutes().filter((x) => ['POST', 'PUT', 'PATCH'].includes(x.method))) {
        const url = r.url.replace(/:(\w+)/g, 'no-such-$1');
        const res = await t.app.inject({
          method: r.method as 'POST',
          url,
          headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
          payload: `{"name":${bad.json},"nested":{"list":["ok",${bad.json}]}}`,
        });
        expect(res.statusCode, `${r.method} ${url} ${bad.what}`).toBe(400);
        expect(res.json().error.issues[0].path, `${r.method} ${url}`).toBe('body.name');
        expect(res.json().error.message).toMatch(/NUL|surrogate/);
      }
    }
    const token = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      payload: '{"name":"\\ud800"}',
    });
    expect(token.statusCode).toBe(400);
    expect(token.json().error.issues).toEqual([
      { path: 'body.name', message: expect.stringMatching(/unpaired UTF-16 surrogate/) },
    ]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a JSON body that is not valid UTF-8 instead of storing U+FFFD', async () => {
    const before = await snapshot();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      payload: Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([{ path: 'body', message: 'is not valid UTF-8' }]);
    expect(await snapshot()).toBe(before);
  });
});

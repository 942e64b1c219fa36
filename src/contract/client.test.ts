// Proves the API client against a real HTTP server: error bodies become ApiError, responses are checked, paths and queries are encoded, an unreachable server is UNAVAILABLE, and a request may wait longer or shorter than the client.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, apiPath, createClient } from './client.js';

let server: Server;
let baseUrl: string;
let last: { method?: string; url?: string; auth?: string; body: string } = { body: '' };

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"x","n":1}'),
  '/missing': (_req, res) =>
    res.writeHead(404, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: { code: 'NOT_FOUND', message: "User 'u' was not found.", requestId: 'req_1' },
      }),
    ),
  '/invalid': (_req, res) =>
    res.writeHead(400, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: {
          code: 'VALIDATION_FAILED',
          message: 'body.name: is taken',
          requestId: 'req_2',
          issues: [{ path: 'body.name', message: 'is taken' }],
        },
      }),
    ),
  '/proxy-error': (_req, res) =>
    res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>'),
  '/empty': (_req, res) => res.writeHead(204).end(),
  '/slow': (_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}'), 400);
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      last = { method: req.method, url: req.url, auth: req.headers.authorization, body };
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (route) route(req, res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('API client', () => {
  it('sends the bearer token and a JSON body, and returns the checked response', async () => {
    const client = createClient({ baseUrl, token: 'stw_t' });
    const r = await client.request('POST', '/ok', { body: { a: 1 }, schema: z.object({ name: z.string() }) });
    expect(r).toEqual({ name: 'x' });
    expect(last).toMatchObject({ method: 'POST', auth: 'Bearer stw_t', body: '{"a":1}' });
  });

  it('turns the error body into an ApiError with its code, request id and issues', async () => {
    const client = createClient({ baseUrl });
    await expect(client.request('GET', '/missing')).rejects.toMatchObject({
      name: 'ApiError',
      status: 404,
      code: 'NOT_FOUND',
      requestId: 'req_1',
    });
    const err = await client.request('POST', '/invalid', { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).issues).toEqual([{ path: 'body.name', message: 'is taken' }]);
  });

  it('gives a code from the status when the error is not a Steward error body', async () => {
    await expect(createClient({ baseUrl }).request('GET', '/proxy-error')).rejects.toMatchObject({
      status: 502,
      code: 'UNAVAILABLE',
    });
  });

  it('fails with INTERNAL when a response does not match the schema, rather than returning it', async () => {
    await expect(
      createClient({ baseUrl }).request('GET', '/ok', { schema: z.object({ name: z.number() }) }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('returns undefined for 204 No Content', async () => {
    expect(await createClient({ baseUrl }).request('DELETE', '/empty')).toBeUndefined();
  });

  it('encodes path segments and query values, leaving out undefined ones', async () => {
    await createClient({ baseUrl: `${baseUrl}/` }).request('GET', apiPath`/things/${'a/b c'}`, {
      query: { kind: 'user.*', since: undefined, limit: 5 },
    });
    expect(last.url).toBe('/things/a%2Fb%20c?kind=user.*&limit=5');
  });

  it('reports an unreachable server as UNAVAILABLE, naming the URL', async () => {
    const err = (await createClient({ baseUrl: 'http://127.0.0.1:9' })
      .request('GET', '/x')
      .catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('http://127.0.0.1:9');
  });

  it('waits for the timeout of the request, not the client, longer or shorter', async () => {
    const impatient = createClient({ baseUrl, timeoutMs: 100 });
    await expect(impatient.request('GET', '/slow')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await impatient.request('GET', '/slow', { timeoutMs: 5_000 })).toEqual({ slow: true });
    const patient = createClient({ baseUrl, timeoutMs: 5_000 });
    const refused = await patient.request('GET', '/slow', { timeoutMs: 100 }).catch((e: ApiError) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).message).toContain('did not answer within 0 s');
  });
});

// Proves how the console's files are served: client routes (dotted ids among them) get index.html, while a
// missing asset, a missing static file and server paths are plain 404s.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConsole } from './console-static.js';

const app = Fastify();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Steward</title>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  expect(registerConsole(app, dir)).toBe(true);
  await app.ready();
});
afterAll(() => app.close());

const get = (url: string) => app.inject({ method: 'GET', url });

describe('the console served by the server', () => {
  it('answers client routes with the page, also when they end in a dotted id', async () => {
    for (const url of [
      '/',
      '/packs',
      '/packs/Test.SQL',
      '/run-as/profiles/Steward.NotificationAccount?tab=x',
    ]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type'], url).toContain('text/html');
    }
  });

  it('answers a missing asset, a missing static file and a server path with a plain 404', async () => {
    expect((await get('/assets/index-abc.js')).statusCode).toBe(200);
    for (const url of ['/assets/index-old.js', '/favicon.ico', '/robots.txt', '/api/v1/nothing', '/docs/x'])
      expect((await get(url)).statusCode, url).toBe(404);
  });
});

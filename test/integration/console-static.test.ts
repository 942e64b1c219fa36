// Proves how a server serves the built console: hashed assets cached for a year, index.html (no-cache) for
// client routes but never for API or documentation paths, gzip when asked, and a CSP that allows no inline script.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
const page =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head></html>';
const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), page);
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), script);
  t = await createTestApp({ consoleDir: dir });
});
afterAll(() => t.close());

describe('the console files', () => {
  it('answer / and every client route with index.html, not cached, under a strict CSP', async () => {
    for (const url of ['/', '/run-as/accounts', '/run-as/accounts/acct_1?tab=distribution']) {
      const res = await t.request({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toBe(page);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp.match(/script-src[^;]*/)![0]).not.toContain('unsafe-inline');
    }
  });

  it('serve hashed assets with a year-long immutable cache, gzipped when the browser accepts it', async () => {
    const res = await t.request({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(script);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const gz = await t.app.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.rawPayload.length).toBeLessThan(script.length / 10);
    expect(gunzipSync(gz.rawPayload).toString()).toBe(script);
  });

  it('answer a missing asset and API, documentation and discovery paths with the API 404, never the page', async () => {
    for (const url of [
      '/assets/index-old999.js',
      '/api/v1/nothing',
      '/api',
      '/.well-known/nothing',
      '/favicon.ico',
    ]) {
      const res = await t.request({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });
});

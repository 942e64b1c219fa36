// Proves a real `steward server` process starts with one command, reports its health, keeps passwords out of its logs, refuses bad settings and keeps its data through kill -9.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  ONE_TIME_PASSWORD_LINE,
  oneTimePasswordOf,
  runSteward,
  type ServerProcess,
  signIn,
  signInAsBootstrapAdmin,
  startServer,
  tempDir,
} from '../support/server-process.js';
import { createPostgresDatabase } from '../support/test-database.js';
import { testDatabaseUrl } from '../support/test-db-target.js';

const NEW_PASSWORD = 'e2e new admin password 7';

/** On the PostgreSQL run each server gets a fresh database; on the PGlite run it uses its data directory. */
const dropDatabases: (() => Promise<void>)[] = [];
async function databaseEnv(): Promise<Record<string, string>> {
  if (!testDatabaseUrl) return {};
  const d = await createPostgresDatabase();
  dropDatabases.push(d.drop);
  return { DATABASE_URL: d.url };
}

afterAll(async () => {
  for (const drop of dropDatabases) await drop();
});

/** Stdout without the bootstrap block (the one place the one-time password may appear). */
function withoutBootstrapBlock(stdout: string): string {
  return stdout.replace(/\nSteward created the administrator[\s\S]*?choose a new password\.\n/, '\n');
}

describe('a first start on an empty data directory', () => {
  let server: ServerProcess;
  let oneTimePassword: string;

  beforeAll(async () => {
    server = await startServer({ env: await databaseEnv() });
    oneTimePassword = await oneTimePasswordOf(server);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('prints the bootstrap administrator and its one-time password once, on stdout only', () => {
    const out = server.stdout();
    expect(out.match(/One-time password:/g)).toHaveLength(1);
    expect(out).toContain("Steward created the administrator 'admin'.");
    expect(oneTimePassword.length).toBeGreaterThanOrEqual(16);
    expect(server.stderr()).not.toContain(oneTimePassword);
  });

  it('creates the root key file in the data directory, readable by its owner only (mode 0600)', () => {
    const mode = statSync(join(server.dataDir, 'root.key')).mode & 0o777;
    expect(mode.toString(8)).toBe('600');
  });

  it('answers /healthz and /readyz with 200', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('asks the kernel for an accept queue of 4096 connections (STEWARD_LISTEN_BACKLOG), capped by somaxconn', () => {
    const port = new URL(server.url).port;
    // For a listening socket, ss reports the queue's length as Send-Q.
    const [line] = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
      .trim()
      .split('\n');
    const sendQ = Number(line?.trim().split(/\s+/)[2]);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(sendQ).toBe(Math.min(4096, somaxconn));
    expect(sendQ).toBeGreaterThan(511); // Node's default
  });

  it('exposes Prometheus metrics at /metrics that count HTTP requests by route', async () => {
    await fetch(`${server.url}/healthz`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('# TYPE steward_http_requests_total counter');
    expect(text).toMatch(/^steward_http_requests_total\{[^}]*route="\/healthz"[^}]*\} [1-9]\d*$/m);
  });

  it('serves its OpenAPI document at /openapi.json and the API reference page at /docs', async () => {
    const doc = await fetch(`${server.url}/openapi.json`);
    expect(doc.status).toBe(200);
    const body = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(body.openapi).toMatch(/^3\./);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/users', '/api/v1/servers']),
    );
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await page.text()).toLowerCase()).toContain('<html');
  });

  it('writes no password to any log line, neither the one-time one nor the new ones', async () => {
    const wrong = await api(server.url, 'POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'not the password at all' },
    });
    expect(wrong.status).toBe(401);
    const token = await signInAsBootstrapAdmin(server.url, oneTimePassword, NEW_PASSWORD);
    const userPassword = 'e2e operator password 9';
    const created = await api(server.url, 'POST', '/api/v1/users', {
      token,
      body: { username: 'log-check', role: 'operator', password: userPassword },
    });
    expect(created.status).toBe(201);
    // The request log lines must be there, or this test would prove nothing.
    await server.waitForStdout(/"url":"\/api\/v1\/users"/);
    const logs = `${withoutBootstrapBlock(server.stdout())}\n${server.stderr()}`;
    expect(logs).toContain('/api/v1/auth/login');
    expect(logs).not.toMatch(ONE_TIME_PASSWORD_LINE);
    for (const secret of [oneTimePassword, NEW_PASSWORD, userPassword, 'not the password at all', token]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe('settings', () => {
  it.each([
    ['STEWARD_PORT', 'abc'],
    ['STEWARD_PROT', '1'],
    ['STEWARD_LOG_LEVEL', 'loud'],
    ['STEWARD_HEARTBEAT_SECONDS', '0'],
  ])('refuses to start when %s=%s, names the variable and creates nothing', async (name, value) => {
    const dataDir = tempDir();
    const run = await runSteward(['server'], { STEWARD_DATA_DIR: dataDir, [name]: value });
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).toContain(name);
    expect(run.stderr).toContain('Invalid configuration');
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('a server killed with SIGKILL', () => {
  it('keeps every committed change at the next start, which prints no new password, and stops cleanly on SIGTERM', async () => {
    const env = await databaseEnv();
    const first = await startServer({ env });
    let second: ServerProcess | undefined;
    try {
      const token = await signInAsBootstrapAdmin(first.url, await oneTimePasswordOf(first), NEW_PASSWORD);
      const created = await api<{ id: string }>(first.url, 'POST', '/api/v1/users', {
        token,
        body: { username: 'survivor', role: 'operator', password: 'survivor password 12' },
      });
      expect(created.status).toBe(201);

      const killed = await first.stop('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');

      second = await startServer({ env, dataDir: first.dataDir });
      const adminToken = await signIn(second.url, 'admin', NEW_PASSWORD);
      const users = await api<{ items: { id: string; username: string }[] }>(
        second.url,
        'GET',
        '/api/v1/users',
        { token: adminToken },
      );
      expect(users.status).toBe(200);
      expect(users.body.items).toContainEqual(
        expect.objectContaining({ id: created.body.id, username: 'survivor' }),
      );
      // The token issued before the kill is still known.
      expect((await api(second.url, 'GET', '/api/v1/me', { token })).status).toBe(200);
      expect(second.stdout()).not.toContain('One-time password');
      expect(await signIn(second.url, 'survivor', 'survivor password 12')).toMatch(/\S{20,}/);

      const stopped = await second.stop('SIGTERM');
      expect(stopped).toEqual({ code: 0, signal: null });
      expect(second.stdout()).toContain('"msg":"stopping"');
    } finally {
      await first.stop('SIGKILL');
      await second?.stop('SIGKILL');
    }
  }, 120_000);
});

// Proves several real server processes on one PostgreSQL database see each other by heartbeat, that a dead or stopped one drops out, and that pool work runs on one member with the pool's accounts and moves when that member dies.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtInPoolIds } from '../../src/contract/inventory.js';
import { deliveredIn, deliveredVersion } from '../support/audit.js';
import {
  api,
  oneTimePasswordOf,
  type ServerProcess,
  signInAsBootstrapAdmin,
  startServer,
} from '../support/server-process.js';
import { createRequiredPostgresDatabase } from '../support/test-database.js';

const HEARTBEAT_SECONDS = 1;
const TIMEOUT_SECONDS = 3;
const PASSWORD = 'multi server admin password';

interface ListedServer {
  id: string;
  name: string;
  live: boolean;
}

describe('management servers sharing one PostgreSQL database', () => {
  let database: { url: string; drop: () => Promise<void> };
  let running: ServerProcess[] = [];

  beforeEach(async () => {
    database = await createRequiredPostgresDatabase();
  });

  afterEach(async () => {
    for (const s of running) await s.stop('SIGKILL');
    running = [];
    await database.drop();
  });

  const start = async (name: string) => {
    const s = await startServer({
      env: {
        DATABASE_URL: database.url,
        STEWARD_SERVER_NAME: name,
        STEWARD_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
        STEWARD_SERVER_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
      },
    });
    running.push(s);
    return s;
  };

  /** Starts servers a and b (a bootstraps the database) and returns an administrator token. */
  const startTwo = async () => {
    const a = await start('server-a');
    const token = await signInAsBootstrapAdmin(a.url, await oneTimePasswordOf(a), PASSWORD);
    const b = await start('server-b');
    return { a, b, token };
  };

  const list = async (via: ServerProcess, token: string) => {
    const res = await api<{ items: ListedServer[] }>(via.url, 'GET', '/api/v1/servers', { token });
    expect(res.status).toBe(200);
    return res.body.items;
  };

  const poolMembers = async (via: ServerProcess, token: string) => {
    const res = await api<{ members: { id: string; name: string; live: boolean }[] }>(
      via.url,
      'GET',
      `/api/v1/pools/${builtInPoolIds.allManagementServers}`,
      { token },
    );
    expect(res.status).toBe(200);
    return res.body.members;
  };

  it('lists both servers as live members of All Management Servers, seen from either, and only the first start prints a password', async () => {
    const { a, b, token } = await startTwo();
    for (const via of [a, b]) {
      const items = await list(via, token);
      expect(items).toHaveLength(2);
      expect(items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'server-a', live: true }),
          expect.objectContaining({ name: 'server-b', live: true }),
        ]),
      );
    }
    const liveOnly = await api<{ items: ListedServer[] }>(b.url, 'GET', '/api/v1/servers?live=true', {
      token,
    });
    expect(liveOnly.body.items.map((s) => s.name).sort()).toEqual(['server-a', 'server-b']);
    expect(b.stdout()).not.toContain('One-time password');
  }, 90_000);

  it('drops a server killed with SIGKILL from the live list within the server timeout', async () => {
    const { a, b, token } = await startTwo();
    expect((await list(a, token)).filter((s) => s.live)).toHaveLength(2);

    const killedAt = Date.now();
    await b.stop('SIGKILL');
    let gone: number | undefined;
    while (Date.now() - killedAt < 15_000) {
      const bRow = (await list(a, token)).find((s) => s.name === 'server-b');
      expect(bRow).toBeDefined();
      if (!bRow!.live) {
        gone = Date.now() - killedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(gone).toBeDefined();
    // Its last heartbeat is at most one interval old when it dies, so it is gone within the timeout.
    expect(gone!).toBeLessThanOrEqual((TIMEOUT_SECONDS + 1) * 1000);
    // The survivor keeps beating: still live after more than a whole timeout.
    await new Promise((r) => setTimeout(r, (TIMEOUT_SECONDS + 1) * 1000 - gone!));
    const after = await list(a, token);
    expect(after).toContainEqual(expect.objectContaining({ name: 'server-a', live: true }));
    expect(after).toContainEqual(expect.objectContaining({ name: 'server-b', live: false }));
    expect((await poolMembers(a, token)).map((m) => m.name)).toEqual(['server-a']);
  }, 90_000);

  it('drops a server stopped with SIGTERM from the live list at once', async () => {
    const { a, b, token } = await startTwo();
    // Both heartbeats are in: on a busy machine the second may land a moment after its server answers.
    await expect
      .poll(async () => (await list(a, token)).filter((s) => s.live).length, { timeout: 10_000 })
      .toBe(2);
    expect(await b.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const items = await list(a, token);
    expect(items).toContainEqual(expect.objectContaining({ name: 'server-b', live: false }));
    expect(items).toContainEqual(expect.objectContaining({ name: 'server-a', live: true }));
    expect((await poolMembers(a, token)).map((m) => m.name)).toEqual(['server-a']);
  }, 90_000);

  it('starts two servers at the same moment on an empty database with one administrator and one password', async () => {
    // allSettled: a server that did start is stopped by afterEach even when the other one failed.
    const settled = await Promise.allSettled([start('server-a'), start('server-b')]);
    const [a, b] = settled.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    }) as [ServerProcess, ServerProcess];
    const printers = () => [a, b].filter((s) => s.stdout().includes('One-time password'));
    // Output and the HTTP port are separate channels: give the pipe a moment to catch up.
    await expect.poll(() => printers().length, { timeout: 5000 }).toBe(1);
    const printed = printers();
    const token = await signInAsBootstrapAdmin(
      printed[0]!.url,
      await oneTimePasswordOf(printed[0]!),
      PASSWORD,
    );
    const users = await api<{ items: { username: string }[] }>(a.url, 'GET', '/api/v1/users', { token });
    expect(users.body.items.map((u) => u.username)).toEqual(['admin']);
    expect((await list(b, token)).filter((s) => s.live)).toHaveLength(2);
  }, 90_000);

  it('runs pool-hosted work on one member with the accounts distributed to the pool (R23), and another member takes over within 30 s when it is killed', async () => {
    // Members share the root key (README): whichever holds the pool opens the pool's accounts.
    const rootKey = randomBytes(32).toString('base64');
    const startPooled = (name: string) =>
      startServer({
        env: {
          STEWARD_ROOT_KEY: rootKey,
          DATABASE_URL: database.url,
          STEWARD_SERVER_NAME: name,
          STEWARD_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
          STEWARD_SERVER_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
          STEWARD_POOL_LEASE_SECONDS: '3',
        },
      }).then((s) => {
        running.push(s);
        return s;
      });
    const a = await startPooled('server-a');
    const token = await signInAsBootstrapAdmin(a.url, await oneTimePasswordOf(a), PASSWORD);
    const b = await startPooled('server-b');
    const pack = [
      'id: Test.Pooled',
      'version: 1.0.0',
      'sealed: true',
      'references: [{ id: Steward.Library, minVersion: 1.0.0 }]',
      'classes: [{ id: Test.Pooled.Url, baseClass: System.Application, hosted: true }]',
      'profiles:',
      '  - { id: Test.Pooled.Profile, contextClass: Test.Pooled.Url }',
      '  - { id: Test.Pooled.Elsewhere, contextClass: Test.Pooled.Url }',
      'workflows:',
      '  - id: Test.Pooled.Check',
      '    kind: monitor',
      '    target: Test.Pooled.Url',
      '    runAs: Test.Pooled.Profile',
      "    action: { type: script, interpreter: sh, script: 'echo user=$STEWARD_RUNAS_USERNAME' }",
      "    schedule: { cron: '* * * * * *' }",
      '  - id: Test.Pooled.Misplaced',
      '    kind: monitor',
      '    target: Test.Pooled.Url',
      '    runAs: Test.Pooled.Elsewhere',
      "    action: { type: script, interpreter: sh, script: 'echo should-never-run' }",
      "    schedule: { cron: '* * * * * *' }",
      '  - id: Test.Pooled.Probe',
      '    kind: task',
      '    target: Test.Pooled.Url',
      "    action: { type: script, interpreter: sh, script: 'echo probed; exit 3' }",
    ].join('\n');
    expect(
      (await api(a.url, 'POST', '/api/v1/packs', { token, body: { content: pack, format: 'yaml' } })).status,
    ).toBe(201);
    const made = await api<{ id: string }>(a.url, 'POST', '/api/v1/objects', {
      token,
      body: { classId: 'Test.Pooled.Url', hostId: builtInPoolIds.allManagementServers, name: 'intranet' },
    });
    expect(made.status).toBe(201);

    // R23: the pool's account is distributed to the pool; the other one to a computer, which is no use here.
    const pool = builtInPoolIds.allManagementServers;
    const ok = async <T>(method: string, path: string, body?: unknown) => {
      const r = await api<T>(a.url, method, path, { token, body });
      expect(r.status, `${method} ${path}`).toBeLessThan(300);
      return r.body;
    };
    const device = await ok<{ id: string }>('POST', '/api/v1/computers', { name: 'device-host' });
    const account = async (userName: string, approved: string[], profile: string) => {
      const { id } = await ok<{ id: string }>('POST', '/api/v1/accounts', {
        name: userName,
        credential: { type: 'basic', userName, password: `${userName}-pw-8Hq` },
      });
      await ok('PUT', `/api/v1/accounts/${id}/distribution`, { security: 'more-secure', approved });
      await ok('POST', `/api/v1/profiles/${profile}/associations`, { accountId: id });
      return id;
    };
    const poolAccount = await account('svc-pool', [pool], 'Test.Pooled.Profile');
    const deviceAccount = await account('svc-device', [device.id], 'Test.Pooled.Elsewhere');
    const resultOf = async (via: ServerProcess, workflow: string) =>
      (
        await api<{
          items: { outcome: string; accountId: string | null; stdout: string; startedAt: string }[];
        }>(via.url, 'GET', `/api/v1/results?object=${made.body.id}&workflow=${workflow}`, { token })
      ).body.items[0];
    await expect
      .poll(async () => (await resultOf(a, 'Test.Pooled.Check'))?.stdout, { timeout: 20_000, interval: 250 })
      .toBe('user=svc-pool\n');
    expect(await resultOf(a, 'Test.Pooled.Check')).toMatchObject({ outcome: 'ran', accountId: poolAccount });
    await expect
      .poll(async () => (await resultOf(a, 'Test.Pooled.Misplaced'))?.outcome, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe('not-run-credentials-not-found');
    expect((await resultOf(a, 'Test.Pooled.Misplaced'))!.accountId).toBe(deviceAccount);

    const checkedAt = async (via: ServerProcess) => {
      const res = await api<{ items: { state: string; checkedAt: string; runnerId: string }[] }>(
        via.url,
        'GET',
        `/api/v1/health-states?object=${made.body.id}`,
        { token },
      );
      return res.body.items[0];
    };
    await expect
      .poll(async () => (await checkedAt(a))?.state, { timeout: 20_000, interval: 250 })
      .toBe('healthy');
    expect((await checkedAt(a))!.runnerId).toBe(builtInPoolIds.allManagementServers);

    const holder = async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const r = await client.query('SELECT server_id FROM pool_leases WHERE pool_id = $1', [
          builtInPoolIds.allManagementServers,
        ]);
        return r.rows[0]?.server_id as string | undefined;
      } finally {
        await client.end();
      }
    };
    const servers = await list(a, token);
    const nameOf = (id: string | undefined) => servers.find((s) => s.id === id)?.name;
    const first = nameOf(await holder());
    expect(['server-a', 'server-b']).toContain(first);
    const [dying, survivor] = first === 'server-a' ? [a, b] : [b, a];

    await dying.stop('SIGKILL');
    const killedAt = Date.now();
    await expect
      .poll(async () => Date.parse((await checkedAt(survivor))!.checkedAt) > killedAt + 1000, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(true);
    const tookOverMs = Date.now() - killedAt;
    expect(tookOverMs).toBeLessThan(30_000);
    expect(nameOf(await holder())).toBe(first === 'server-a' ? 'server-b' : 'server-a');

    // The survivor runs it with the pool's account too, opened by itself for the pool (audited as a delivery).
    await expect
      .poll(async () => Date.parse((await resultOf(survivor, 'Test.Pooled.Check'))!.startedAt) > killedAt, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(true);
    expect(await resultOf(survivor, 'Test.Pooled.Check')).toMatchObject({
      outcome: 'ran',
      accountId: poolAccount,
      stdout: 'user=svc-pool\n',
    });
    const survivorId = servers.find((x) => x.name === (first === 'server-a' ? 'server-b' : 'server-a'))!.id;
    const deliveries = await api<{ items: { actor: string; details: Record<string, unknown> }[] }>(
      survivor.url,
      'GET',
      '/api/v1/audit?kind=credential.delivery&limit=1000',
      { token },
    );
    expect(
      deliveries.body.items.some(
        (r) =>
          r.details.pool === pool &&
          r.details.server === survivorId &&
          deliveredVersion(r, poolAccount) === 1,
      ),
    ).toBe(true);
    expect(deliveries.body.items.some((r) => deliveredIn(r, deviceAccount))).toBe(false);

    // A task on demand for a pool-hosted object runs on the member that holds the pool now.
    const requested = await api<{ id: string }>(
      survivor.url,
      'POST',
      '/api/v1/tasks/Test.Pooled.Probe/runs',
      {
        token,
        body: { objectId: made.body.id, timeoutSeconds: 30 },
      },
    );
    expect(requested.status).toBe(202);
    const run = await api<{ status: string; exitCode: number; stdout: string }>(
      survivor.url,
      'GET',
      `/api/v1/task-runs/${requested.body.id}?waitSeconds=20`,
      { token },
    );
    expect(run.body).toMatchObject({ status: 'failed', exitCode: 3, stdout: 'probed\n' });
  }, 120_000);
});

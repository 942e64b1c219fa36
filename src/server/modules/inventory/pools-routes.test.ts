// Proves resource pools over HTTP: built-in automatic pools, custom manual and automatic pools, refusals, roles and audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { rolesWithout } from '../../../domain/roles.js';
import { managementServers } from '../../../store/schema.js';
import { ensureBuiltInPools } from './pools-service.js';

let t: TestApp;
let liveServer: { id: string; name: string };
const stoppedServer = { id: 'srv_stopped', name: 'old-server' };

const api = (method: string, url: string, body?: unknown, token = t.adminToken) =>
  t.request({ method, url, body, token });

beforeAll(async () => {
  t = await createTestApp();
  const first = (await api('GET', '/api/v1/servers')).json().items[0];
  liveServer = { id: first.id, name: first.name };
  const long = new Date(Date.now() - 3_600_000);
  await t.database.db.insert(managementServers).values({
    ...stoppedServer,
    address: 'http://10.0.0.9:8443',
    version: 'test',
    startedAt: long,
    heartbeatAt: long,
    stoppedAt: long,
  });
});
afterAll(() => t.close());

describe('built-in pools', () => {
  it('exist once, with every live management server as a member', async () => {
    const again = await ensureBuiltInPools(t.database.db);
    expect(again).toEqual({ created: [], missingClass: false });
    const res = await api('GET', '/api/v1/pools');
    expect(res.statusCode).toBe(200);
    const builtIn = res.json().items.filter((p: { builtIn: boolean }) => p.builtIn);
    expect(builtIn.map((p: { id: string; displayName: string }) => [p.id, p.displayName]).sort()).toEqual([
      ['pool_all-management-servers', 'All Management Servers'],
      ['pool_automation', 'Automation Pool'],
      ['pool_notifications', 'Notifications Resource Pool'],
    ]);
    for (const p of builtIn) {
      expect(p.membership).toBe('automatic');
      expect(p.members).toEqual([{ id: liveServer.id, name: liveServer.name, live: true }]);
    }
  });

  it('cannot be renamed, given members, or deleted', async () => {
    const url = '/api/v1/pools/pool_notifications';
    const rename = await api('PATCH', url, { displayName: 'Alerts' });
    expect(rename.statusCode).toBe(422);
    expect(rename.json().error.issues[0].path).toBe('body.displayName');
    expect((await api('PATCH', url, { members: [liveServer.id] })).statusCode).toBe(422);
    expect((await api('DELETE', url)).statusCode).toBe(422);
    expect((await api('GET', url)).json().displayName).toBe('Notifications Resource Pool');
  });
});

describe('custom pools', () => {
  it('creates a manual pool whose members are the chosen servers, live or not, audited', async () => {
    const res = await api('POST', '/api/v1/pools', {
      name: 'unix-watchers',
      displayName: 'UNIX watchers',
      membership: 'manual',
      members: [stoppedServer.id, liveServer.id, liveServer.id],
    });
    expect(res.statusCode).toBe(201);
    const pool = res.json();
    expect(pool.id).toMatch(/^pool_/);
    expect(pool).toMatchObject({ name: 'unix-watchers', displayName: 'UNIX watchers', builtIn: false });
    expect(pool.members.sort((a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id))).toEqual(
      [
        { ...liveServer, live: true },
        { ...stoppedServer, live: false },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    const audit = (await api('GET', '/api/v1/audit?kind=pool.create')).json().items;
    expect(audit.some((r: { target: string }) => r.target === pool.id)).toBe(true);
  });

  it('creates an automatic pool that follows the live servers', async () => {
    const res = await api('POST', '/api/v1/pools', { name: 'net-devices', membership: 'automatic' });
    expect(res.statusCode).toBe(201);
    expect(res.json().members).toEqual([{ ...liveServer, live: true }]);
    const members = await api('PATCH', `/api/v1/pools/${res.json().id}`, { members: [liveServer.id] });
    expect(members.statusCode).toBe(422);
  });

  it('replaces the members of a manual pool and renames it', async () => {
    const id = (
      await api('POST', '/api/v1/pools', { name: 'swap', membership: 'manual', members: [liveServer.id] })
    ).json().id;
    const res = await api('PATCH', `/api/v1/pools/${id}`, {
      displayName: 'Swapped',
      members: [stoppedServer.id],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      displayName: 'Swapped',
      members: [{ ...stoppedServer, live: false }],
    });
  });

  it('names the field of a bad pool and creates nothing', async () => {
    const before = (await api('GET', '/api/v1/pools')).json().items.length;
    const cases: [unknown, string, number][] = [
      [{ name: 'Bad Name', membership: 'manual' }, 'body.name', 400],
      [{ name: 'p1', membership: 'sometimes' }, 'body.membership', 400],
      [{ name: 'p2', membership: 'automatic', members: [liveServer.id] }, 'body.members', 400],
      [{ name: 'p3', membership: 'manual', members: [liveServer.id, 'srv_nope'] }, 'body.members[1]', 400],
      [{ name: 'unix-watchers', membership: 'manual' }, 'body.name', 409],
    ];
    for (const [body, path, status] of cases) {
      const res = await api('POST', '/api/v1/pools', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect((await api('GET', '/api/v1/pools')).json().items.length).toBe(before);
  });

  it('refuses to delete a pool that hosts objects unless cascading', async () => {
    await api('POST', '/api/v1/classes', { id: 'Test.Url.Check' });
    const id = (await api('POST', '/api/v1/pools', { name: 'urls', membership: 'automatic' })).json().id;
    const check = (
      await api('POST', '/api/v1/objects', { classId: 'Test.Url.Check', hostId: id, name: 'home' })
    ).json().id;
    expect((await api('DELETE', `/api/v1/pools/${id}`)).statusCode).toBe(422);
    expect((await api('GET', `/api/v1/objects/${check}`)).statusCode).toBe(200);
    const res = await api('DELETE', `/api/v1/pools/${id}?cascade=true`);
    expect(res.statusCode).toBe(200);
    expect(res.json().deleted).toEqual([id, check]);
    expect((await api('GET', `/api/v1/pools/${id}`)).statusCode).toBe(404);
    expect((await api('GET', `/api/v1/objects/${check}`)).statusCode).toBe(404);
  });

  it('404s an unknown pool', async () => {
    expect((await api('GET', '/api/v1/pools/pool_nope')).statusCode).toBe(404);
    expect((await api('PATCH', '/api/v1/pools/pool_nope', { displayName: 'x' })).statusCode).toBe(404);
    expect((await api('DELETE', '/api/v1/pools/pool_nope')).statusCode).toBe(404);
  });
});

describe('authorization', () => {
  it('lets every role read pools but refuses writes without inventory.write; no token is 401', async () => {
    const target = (await api('POST', '/api/v1/pools', { name: 'guarded', membership: 'manual' })).json().id;
    for (const role of rolesWithout('inventory.write')) {
      const token = await t.tokenFor(role);
      expect((await api('GET', '/api/v1/pools', undefined, token)).statusCode).toBe(200);
      expect((await api('GET', `/api/v1/pools/${target}`, undefined, token)).statusCode).toBe(200);
      expect(
        (await api('POST', '/api/v1/pools', { name: `by-${role}`, membership: 'manual' }, token)).statusCode,
      ).toBe(403);
      expect((await api('PATCH', `/api/v1/pools/${target}`, { displayName: 'x' }, token)).statusCode).toBe(
        403,
      );
      expect((await api('DELETE', `/api/v1/pools/${target}`, undefined, token)).statusCode).toBe(403);
    }
    expect((await t.request({ method: 'GET', url: '/api/v1/pools' })).statusCode).toBe(401);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/api/v1/pools',
          body: { name: 'anon', membership: 'manual' },
        })
      ).statusCode,
    ).toBe(401);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/pools/${target}` })).statusCode).toBe(401);
    expect((await api('GET', `/api/v1/pools/${target}`)).json().displayName).toBe('guarded');
  });
});

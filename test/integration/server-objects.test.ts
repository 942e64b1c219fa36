// Proves each management server is an object of SCOM's Microsoft.SystemCenter.ManagementServer class (a
// Microsoft.SystemCenter.HealthService), hosted by the All Management Servers pool: made when the server starts,
// in a group of health services, the target of a pack's workflows that resolve on it, explained (also by its name
// from the command line), and replaced when a server of the same name starts again.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInPoolIds } from '../../src/contract/inventory.js';
import { createServersService } from '../../src/server/modules/servers/servers-service.js';
import { runCliInProcess } from '../support/cli-in-process.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const PACK = `
id: Test.ServerObjects
version: 1.0.0
references:
  - { id: Steward.Library, minVersion: 2.0.0 }
profiles:
  - id: Test.ServerObjects.Profile
    displayName: Management server check account
    contextClass: Microsoft.SystemCenter.HealthService
workflows:
  - id: Test.ServerObjects.Check
    kind: rule
    target: Microsoft.SystemCenter.ManagementServer
    runAs: Test.ServerObjects.Profile
    action: { type: command, command: ['true'] }
    schedule: { intervalSeconds: 300 }
`;

const POOL = builtInPoolIds.allManagementServers;
let t: TestApp;
let url: string;
let serverId: string;
const home = mkdtempSync(join(tmpdir(), 'steward-server-objects-'));
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  serverId = (await ok('GET', '/api/v1/servers')).items[0].id;
});
afterAll(() => t.close());

async function call(method: string, path: string, body?: unknown) {
  const res = await t.request({ method, url: path, token: t.adminToken, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
async function ok(method: string, path: string, body?: unknown) {
  const r = await call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const steward = (args: string[]) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: t.adminToken, HOME: home });
const serverObjects = async () =>
  (
    (await ok('GET', '/api/v1/objects?class=Microsoft.SystemCenter.HealthService&limit=100')).items as {
      id: string;
      name: string;
      displayName: string;
    }[]
  ).sort((a, b) => a.id.localeCompare(b.id));

describe('management servers as objects', () => {
  it('a server that starts is a ManagementServer object hosted by the All Management Servers pool', async () => {
    const o = await ok('GET', `/api/v1/objects/${serverId}`);
    expect(o).toMatchObject({
      id: serverId,
      classId: 'Microsoft.SystemCenter.ManagementServer',
      name: 'test-server',
      displayName: 'test-server',
      hostId: POOL,
    });
    const audit = (await ok('GET', '/api/v1/audit?kind=object.create&limit=100')).items as {
      target: string;
      details: Record<string, unknown>;
    }[];
    expect(audit.find((a) => a.target === serverId)?.details).toMatchObject({
      classId: 'Microsoft.SystemCenter.ManagementServer',
      by: 'server-start',
    });
  });

  it("cannot be deleted as an object: it is the server's", async () => {
    const r = await call('DELETE', `/api/v1/objects/${serverId}`);
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain('is management server test-server');
    expect((await call('GET', `/api/v1/objects/${serverId}`)).status).toBe(200);
  });

  it('is in a group of health services, not in one of computers', async () => {
    await ok('POST', '/api/v1/groups', {
      id: 'Test.ServerObjects.HealthServices',
      rules: [{ classId: 'Microsoft.SystemCenter.HealthService' }],
    });
    const members = (await ok('GET', '/api/v1/groups/Test.ServerObjects.HealthServices/members')).items as {
      objectId: string;
      via: string;
    }[];
    expect(members.find((m) => m.objectId === serverId)).toMatchObject({ via: 'rule' });
    const computers = await ok('POST', '/api/v1/groups', {
      id: 'Test.ServerObjects.Computers',
      rules: [{ classId: 'System.Computer' }],
    });
    expect(computers.id).toBe('Test.ServerObjects.Computers');
    const notThere = (await ok('GET', '/api/v1/groups/Test.ServerObjects.Computers/members')).items as {
      objectId: string;
    }[];
    expect(notThere.map((m) => m.objectId)).not.toContain(serverId);
  });

  it("a pack's workflow targeting ManagementServer resolves on it, run by the pool, and explain takes its name", async () => {
    expect((await call('POST', '/api/v1/packs', { content: PACK })).status).toBe(201);
    const account = await ok('POST', '/api/v1/accounts', {
      name: 'svc-ms-objects',
      credential: { type: 'action', userName: 'svc-ms-objects', password: 'Ms-0bjects!pw' },
    });
    await ok('POST', '/api/v1/profiles/Test.ServerObjects.Profile/associations', {
      accountId: account.id,
      scope: { kind: 'group', groupId: 'Test.ServerObjects.HealthServices' },
    });
    await ok('PATCH', `/api/v1/accounts/${account.id}/distribution`, { add: [POOL] });

    const e = await ok(
      'GET',
      `/api/v1/explain?workflow=Test.ServerObjects.Check&object=${encodeURIComponent(serverId)}`,
    );
    expect(e).toMatchObject({
      objectId: serverId,
      healthServiceId: POOL,
      hostChain: [POOL],
      resolution: { kind: 'account', accountId: account.id },
    });

    const r = await steward(['explain', '--workflow', 'Test.ServerObjects.Check', '--object', 'test-server']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Runs as account svc-ms-objects');
    expect(r.out).toContain(`${serverId} ← ${POOL}`);
  });

  it('a server starting again under the same name replaces the object of its stopped run', async () => {
    const make = () =>
      createServersService({
        db: t.database.db,
        name: 'ms-restarted',
        address: 'http://127.0.0.1:0',
        version: 'test',
        heartbeatMs: 60_000,
        timeoutMs: 30_000,
      });
    const first = make();
    await first.start();
    expect((await serverObjects()).filter((o) => o.displayName === 'ms-restarted').map((o) => o.id)).toEqual([
      first.id,
    ]);
    // Two live servers of one name: the second object is named by its id, shown by the name.
    const twin = make();
    await twin.start();
    const both = (await serverObjects()).filter((o) => o.displayName === 'ms-restarted');
    expect(both.map((o) => [o.id, o.name]).sort()).toEqual(
      [
        [first.id, 'ms-restarted'],
        [twin.id, twin.id],
      ].sort(),
    );

    await first.stop();
    await twin.stop();
    const again = make();
    await again.start();
    expect((await serverObjects()).filter((o) => o.displayName === 'ms-restarted')).toEqual([
      expect.objectContaining({ id: again.id, name: 'ms-restarted' }),
    ]);
    expect((await call('GET', `/api/v1/objects/${first.id}`)).status).toBe(404);
    const deletes = (await ok('GET', '/api/v1/audit?kind=object.delete&limit=100')).items as {
      target: string;
      details: Record<string, unknown>;
    }[];
    expect(
      deletes
        .filter((d) => d.details.replacedBy === again.id)
        .map((d) => d.target)
        .sort(),
    ).toEqual([first.id, twin.id].sort());
    // The server keeps its row: its history, alerts and audit still name it.
    const servers = (await ok('GET', '/api/v1/servers')).items as { id: string }[];
    expect(servers.map((s) => s.id)).toEqual(expect.arrayContaining([first.id, twin.id, again.id]));
    await again.stop();
  });
});

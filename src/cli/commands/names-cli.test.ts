// Proves that the CLI takes the names people use wherever it asks for a target: a pool's display name in
// `account distribute --add`, a class's display name in `profile associate --class`; that a name fitting
// several things is refused with the candidates listed and changes nothing; `task run --object` by an object's
// display name; and `profile create` / `show`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { builtInPoolIds } from '../../contract/inventory.js';

let t: TestApp;
let url: string;
let accountId: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-names-cli-'));
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/accounts',
    token: t.adminToken,
    body: {
      name: 'mail-sender',
      credential: { type: 'simple', userName: 'alerts@contoso.test', password: 'm4il-pw!' },
    },
  });
  accountId = res.json().id;
  for (const name of ['web01.contoso.test', 'web02.contoso.test']) {
    const c = await t.request({
      method: 'POST',
      url: '/api/v1/computers',
      token: t.adminToken,
      body: { name, displayName: 'Web server' },
    });
    expect(c.statusCode).toBe(201);
  }
});
afterAll(() => t.close());

const steward = (args: string[]) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: t.adminToken, HOME: dir });
const approved = async () =>
  (await t.request({ method: 'GET', url: `/api/v1/accounts/${accountId}`, token: t.adminToken })).json()
    .distribution.approved as string[];

describe('names people use', () => {
  it('account distribute --add takes a pool by its display name', async () => {
    const r = await steward(['account', 'distribute', 'mail-sender', '--add', 'Notifications Resource Pool']);
    expect(r.code, r.err).toBe(0);
    expect(await approved()).toEqual([builtInPoolIds.notifications]);
  });

  it('takes a computer by its name regardless of case, and refuses a display name two computers share', async () => {
    const ok = await steward(['account', 'distribute', 'mail-sender', '--add', 'WEB01.contoso.test']);
    expect(ok.code, ok.err).toBe(0);
    expect(await approved()).toHaveLength(2);
    const before = await approved();
    const r = await steward(['account', 'distribute', 'mail-sender', '--add', 'web server']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("'web server' names 2 of them");
    expect(r.err).toContain('computer web01.contoso.test (cmp_');
    expect(r.err).toContain('computer web02.contoso.test (cmp_');
    expect(await approved()).toEqual(before);
    const none = await steward(['account', 'distribute', 'mail-sender', '--add', 'No Such Pool']);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain("No computer, pool or management server is named 'No Such Pool'");
  });

  it('walks the external-mail set-up: profile create, associate by class display name, profile show', async () => {
    const made = await steward([
      'profile',
      'create',
      '--name',
      'External Mail Account',
      '--pack',
      'Microsoft.SystemCenter.Notifications.Internal',
      '--json',
    ]);
    expect(made.code, made.err).toBe(0);
    const profile = JSON.parse(made.out).id as string;
    expect(profile).toBe('Microsoft.SystemCenter.Notifications.Internal.ExternalMailAccount');
    const assoc = await steward([
      'profile',
      'associate',
      profile,
      '--account',
      'mail-sender',
      '--class',
      'alert notification subscription server',
      '--json',
    ]);
    expect(assoc.code, assoc.err).toBe(0);
    expect(JSON.parse(assoc.out).scope).toEqual({
      kind: 'class',
      classId: 'Steward.AlertNotificationSubscriptionServer',
    });
    const shown = await steward(['profile', 'show', profile]);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('External Mail Account');
    expect(shown.out).toContain('Microsoft.SystemCenter.Notifications.Internal');
    const sealed = await steward(['profile', 'create', '--name', 'X', '--pack', 'Steward.Library']);
    expect(sealed.code).not.toBe(0);
    expect(sealed.err).toContain('is sealed');
  });

  it('group create and update take members and rule classes by name; an ambiguous member is refused, nothing made', async () => {
    const web01 = (await t.request({ method: 'GET', url: '/api/v1/computers', token: t.adminToken }))
      .json()
      .items.find((c: { name: string }) => c.name === 'web01.contoso.test').id as string;
    const ambiguous = await steward(['group', 'create', 'Test.Names.Ambiguous', '--member', 'Web server']);
    expect(ambiguous.code).not.toBe(0);
    expect(ambiguous.err).toContain("'Web server' names 2 of them");
    const missing = await t.request({
      method: 'GET',
      url: '/api/v1/groups/Test.Names.Ambiguous',
      token: t.adminToken,
    });
    expect(missing.statusCode).toBe(404);

    const made = await steward([
      'group',
      'create',
      'Test.Names.Web',
      '--member',
      'WEB01.contoso.test',
      '--rule',
      'Alert Notification Subscription Server',
      '--json',
    ]);
    expect(made.code, made.err).toBe(0);
    const g = JSON.parse(made.out);
    expect(g.members).toEqual([web01]);
    expect(g.rules).toEqual([{ classId: 'Steward.AlertNotificationSubscriptionServer', conditions: [] }]);
    const updated = await steward([
      'group',
      'update',
      'Test.Names.Web',
      '--remove-member',
      'web01.contoso.test',
      '--json',
    ]);
    expect(updated.code, updated.err).toBe(0);
    expect(JSON.parse(updated.out).members).toEqual([]);
  });

  it('explain --object takes a computer by name, and refuses a name that fits several', async () => {
    const r = await steward([
      'explain',
      '--profile',
      'Steward.NotificationAccount',
      '--object',
      'web02.contoso.test',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/cmp_/);
    const both = await steward([
      'explain',
      '--profile',
      'Steward.NotificationAccount',
      '--object',
      'web server',
    ]);
    expect(both.code).not.toBe(0);
    expect(both.err).toContain("'web server' names 2 of them");
  });

  it('task run --object takes an object by its display name; a name fitting several is refused, nothing queued', async () => {
    const pack = await t.request({
      method: 'POST',
      url: '/api/v1/packs',
      token: t.adminToken,
      body: {
        content: [
          'id: Test.Names.Tasks',
          'version: 1.0.0',
          'references: [{ id: Steward.Library, minVersion: 2.0.0 }]',
          'workflows:',
          '  - id: Test.Names.Tasks.PoolCheck',
          '    kind: task',
          '    target: Microsoft.SystemCenter.ManagementServicePool',
          '    action: { type: command, command: [uptime] }',
          '  - id: Test.Names.Tasks.ServerCheck',
          '    kind: task',
          '    target: Microsoft.SystemCenter.HealthService',
          '    action: { type: command, command: [uptime] }',
          '',
        ].join('\n'),
      },
    });
    expect(pack.statusCode, pack.body).toBe(201);
    const runs = async () =>
      (await t.request({ method: 'GET', url: '/api/v1/task-runs', token: t.adminToken })).json().items as {
        taskId: string;
        objectId: string;
      }[];

    // A pool by its display name, in any case: the run is queued for that pool.
    const r = await steward([
      'task',
      'run',
      'Test.Names.Tasks.PoolCheck',
      '--object',
      'notifications resource POOL',
      '--no-wait',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      taskId: 'Test.Names.Tasks.PoolCheck',
      objectId: builtInPoolIds.notifications,
      runnerId: builtInPoolIds.notifications,
      status: 'queued',
    });
    // A management server by its name: it is run by the All Management Servers pool.
    const serverId = (await t.request({ method: 'GET', url: '/api/v1/servers', token: t.adminToken })).json()
      .items[0].id as string;
    const s = await steward([
      'task',
      'run',
      'Test.Names.Tasks.ServerCheck',
      '--object',
      'test-server',
      '--no-wait',
    ]);
    expect(s.code, s.err).toBe(0);
    const shown = (
      await t.request({ method: 'GET', url: `/api/v1/task-runs/${s.out.trim()}`, token: t.adminToken })
    ).json();
    expect(shown).toMatchObject({ objectId: serverId, runnerId: builtInPoolIds.allManagementServers });

    const both = await steward([
      'task',
      'run',
      'Test.Names.Tasks.PoolCheck',
      '--object',
      'Web server',
      '--no-wait',
    ]);
    expect(both.code).not.toBe(0);
    expect(both.err).toContain("'Web server' names 2 of them");
    const none = await steward(['task', 'run', 'Test.Names.Tasks.PoolCheck', '--object', 'No Such Pool']);
    expect(none.code).toBe(5);
    expect(none.err).toContain("No object is named 'No Such Pool'");
    expect((await runs()).map((x) => x.objectId).sort()).toEqual(
      [builtInPoolIds.notifications, serverId].sort(),
    );
  });
});

// Proves the management servers' default action account (SCOM's management server action account): set and
// cleared through the API, audited, an action or Windows account only (R7), refused to roles without
// accounts.manage; pool-hosted workflows on the server run as it once it is distributed to the server, exactly
// as an agent's run as its own; it counts as used (findings) and cannot be deleted while a server has it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInPoolIds } from '../../src/contract/inventory.js';
import { createServersService } from '../../src/server/modules/servers/servers-service.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let serverId: string;
let actionAccount: string;
beforeAll(async () => {
  t = await createTestApp();
  serverId = (await ok('GET', '/api/v1/servers')).items[0].id;
  actionAccount = (
    await ok('POST', '/api/v1/accounts', {
      name: 'svc-ms-action',
      credential: { type: 'windows', domain: 'CONTOSO', userName: 'svc-ms-action', password: 'Ms-Act10n!pw' },
    })
  ).id;
});
afterAll(() => t.close());

async function call(method: string, url: string, body?: unknown, token = t.adminToken) {
  const res = await t.request({ method, url, token, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
async function ok(method: string, url: string, body?: unknown) {
  const r = await call(method, url, body);
  if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const serverRow = async () =>
  (await ok('GET', '/api/v1/servers')).items.find((s: { id: string }) => s.id === serverId);

describe("management servers' default action account", () => {
  it('refuses what is not an action or Windows account, an unknown account or server, changing nothing', async () => {
    const simple = (
      await ok('POST', '/api/v1/accounts', {
        name: 'mailbox',
        credential: { type: 'simple', userName: 'a@contoso.test', password: 'S1mple!pw' },
      })
    ).id;
    const wrongType = await call('PUT', `/api/v1/servers/${serverId}/action-account`, { accountId: simple });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error.issues).toEqual([
      { path: 'body.accountId', message: 'must be an action or Windows account, not simple' },
    ]);
    const unknown = await call('PUT', `/api/v1/servers/${serverId}/action-account`, {
      accountId: 'acct_nope',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0].path).toBe('body.accountId');
    const noServer = await call('PUT', '/api/v1/servers/srv_nope/action-account', {
      accountId: actionAccount,
    });
    expect(noServer.status).toBe(404);
    expect((await serverRow()).defaultActionAccountId).toBeNull();
  });

  it('refuses roles without accounts.manage', async () => {
    for (const role of ['author', 'advanced-operator', 'operator', 'read-only-operator'] as const) {
      const r = await call(
        'PUT',
        `/api/v1/servers/${serverId}/action-account`,
        { accountId: actionAccount },
        await t.tokenFor(role),
      );
      expect(r.status, role).toBe(403);
    }
    expect((await serverRow()).defaultActionAccountId).toBeNull();
  });

  it('runs pool-hosted workflows on the server as its action account once distributed to it', async () => {
    const pack = [
      'id: Test.MsAction',
      'version: 1.0.0',
      'references: [{ id: Steward.Library, minVersion: 2.0.0 }]',
      'classes: [{ id: Test.MsAction.Url, baseClass: System.Application, hosted: true }]',
      'workflows:',
      '  - id: Test.MsAction.Check',
      '    kind: monitor',
      '    target: Test.MsAction.Url',
      "    action: { type: script, interpreter: sh, script: 'echo user=$STEWARD_RUNAS_USERNAME' }",
      "    schedule: { cron: '* * * * * *' }",
    ].join('\n');
    await ok('POST', '/api/v1/packs', { content: pack, format: 'yaml' });
    const object = await ok('POST', '/api/v1/objects', {
      classId: 'Test.MsAction.Url',
      hostId: builtInPoolIds.allManagementServers,
      name: 'intranet',
    });
    const latest = async () =>
      (await ok('GET', `/api/v1/results?object=${object.id}&workflow=Test.MsAction.Check`)).items[0];
    await t.app.resolution.catchUp();
    await t.app.runtime.leases.renew();
    // No action account yet: the server's own user, as an agent without one.
    await expect.poll(async () => (await latest())?.outcome, { timeout: 20_000, interval: 250 }).toBe('ran');
    expect((await latest()).accountId).toBeNull();

    const set = await ok('PUT', `/api/v1/servers/${serverId}/action-account`, { accountId: actionAccount });
    expect(set.defaultActionAccountId).toBe(actionAccount);
    const audit = (await ok('GET', '/api/v1/audit?kind=server.action-account&limit=10')).items;
    expect(audit).toContainEqual(
      expect.objectContaining({
        target: serverId,
        details: expect.objectContaining({ accountId: actionAccount }),
      }),
    );
    // Like an agent's, it reaches the server only when distributed to it.
    await ok('PATCH', `/api/v1/accounts/${actionAccount}/distribution`, { add: [serverId] });
    await t.app.resolution.catchUp();
    await expect
      .poll(async () => (await latest())?.accountId, { timeout: 20_000, interval: 250 })
      .toBe(actionAccount);
    expect((await latest()).stdout).toContain('svc-ms-action');
  });

  it('counts as used, and the account cannot be deleted while a server has it', async () => {
    const unused = (await ok('GET', '/api/v1/findings?kind=unused-account')).items;
    expect(unused.map((f: { subject: { accountId?: string } }) => f.subject.accountId)).not.toContain(
      actionAccount,
    );
    const del = await call('DELETE', `/api/v1/accounts/${actionAccount}`);
    expect(del.status).toBe(422);
    expect(del.body.error.message).toContain('default action account of management server');
    const cleared = await ok('PUT', `/api/v1/servers/${serverId}/action-account`, { accountId: null });
    expect(cleared.defaultActionAccountId).toBeNull();
  });

  it('is kept by a server restarted under the same name (a new run, a new id)', async () => {
    const run = (n: number) =>
      createServersService({
        db: t.database.db,
        name: 'ms-restarted',
        address: `http://127.0.0.1:${9000 + n}`,
        version: 'test',
        heartbeatMs: 60_000,
        timeoutMs: 1_000,
      });
    const first = run(1);
    await first.start();
    await ok('PUT', `/api/v1/servers/${first.id}/action-account`, { accountId: actionAccount });
    await first.stop();
    const second = run(2);
    await second.start();
    await second.stop();
    expect(second.id).not.toBe(first.id);
    const rows = (await ok('GET', '/api/v1/servers')).items as {
      id: string;
      defaultActionAccountId: string;
    }[];
    expect(rows.find((s) => s.id === second.id)?.defaultActionAccountId).toBe(actionAccount);
    // Another server's name inherits nothing.
    const other = createServersService({
      db: t.database.db,
      name: 'ms-other',
      address: 'http://127.0.0.1:9009',
      version: 'test',
      heartbeatMs: 60_000,
      timeoutMs: 1_000,
    });
    await other.start();
    await other.stop();
    const again = (await ok('GET', '/api/v1/servers')).items as {
      id: string;
      defaultActionAccountId: string;
    }[];
    expect(again.find((s) => s.id === other.id)?.defaultActionAccountId).toBeNull();
  });
});

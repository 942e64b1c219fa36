// Proves the management server's default action account gets an agent's action-account checks and alerts: not
// distributed to the server raises an alert on the server (resolved once distributed), a user the server cannot
// log on as raises "Run As Account Could Not Log On", and each alert is raised once per state; changing the action
// account resolves the former account's alerts and checks the new one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let serverId: string;
beforeAll(async () => {
  t = await createTestApp();
  serverId = (await ok('GET', '/api/v1/servers')).items[0].id;
});
afterAll(() => t.close());

async function ok(method: string, url: string, body?: unknown) {
  const res = await t.request({ method, url, token: t.adminToken, body });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
  return res.body ? res.json() : undefined;
}
const openAlerts = async () =>
  (await ok('GET', `/api/v1/alerts?sourceObject=${serverId}&state=open&limit=100`)).items as {
    name: string;
    severity: string;
    description: string;
    repeatCount?: number;
  }[];

describe("checks of a management server's default action account", () => {
  it('raises, keeps and resolves the alerts of its checks, as for an agent', async () => {
    const account = await ok('POST', '/api/v1/accounts', {
      name: 'svc-ms-check',
      credential: { type: 'action', userName: 'steward-no-such-user-7', password: 'Ms-Ch3ck!pw' },
    });
    expect(await t.app.runtime.checkServerAccount()).toEqual([]);
    await ok('PUT', `/api/v1/servers/${serverId}/action-account`, { accountId: account.id });

    const first = (await t.app.runtime.checkServerAccount()) as { check: string; state: string }[];
    expect(first.map((c) => [c.check, c.state])).toEqual([
      ['action-account-type', 'healthy'],
      ['distribution', 'critical'],
    ]);
    let open = await openAlerts();
    expect(open).toEqual([
      expect.objectContaining({
        name: 'Default Action Account Not Distributed',
        severity: 'critical',
        description: expect.stringContaining('svc-ms-check'),
      }),
    ]);
    // The same state again raises nothing new.
    await t.app.runtime.checkServerAccount();
    expect(await openAlerts()).toHaveLength(1);

    await ok('PATCH', `/api/v1/accounts/${account.id}/distribution`, { add: [serverId] });
    const second = (await t.app.runtime.checkServerAccount()) as { check: string; state: string }[];
    expect(second.map((c) => [c.check, c.state])).toEqual([
      ['action-account-type', 'healthy'],
      ['distribution', 'healthy'],
      ['logon', 'critical'],
    ]);
    open = await openAlerts();
    expect(open.map((a) => a.name)).toEqual(['Run As Account Could Not Log On']);
    expect(open[0]!.description).toContain('user steward-no-such-user-7 does not exist on this computer');
    expect(open[0]!.description).not.toContain('Ms-Ch3ck!pw');
  });

  it("resolves the former account's alerts when the server's action account changes, and checks the new one", async () => {
    const former = await ok('POST', '/api/v1/accounts', {
      name: 'svc-ms-former',
      credential: { type: 'action', userName: 'steward-no-such-user-8', password: 'Ms-F0rmer!pw' },
    });
    const next = await ok('POST', '/api/v1/accounts', {
      name: 'svc-ms-next',
      credential: { type: 'action', userName: 'steward-no-such-user-9', password: 'Ms-N3xt!pw' },
    });
    // The change itself checks this server's new account: the former's alerts are resolved at once.
    await ok('PUT', `/api/v1/servers/${serverId}/action-account`, { accountId: former.id });
    let open = await openAlerts();
    expect(open.map((a) => [a.name, a.description.split(' ')[0]])).toEqual([
      ['Default Action Account Not Distributed', 'svc-ms-former'],
    ]);
    const formerAlert = (open[0] as unknown as { id: string }).id;

    await ok('PUT', `/api/v1/servers/${serverId}/action-account`, { accountId: next.id });
    open = await openAlerts();
    expect(open.map((a) => [a.name, a.description.split(' ')[0]])).toEqual([
      ['Default Action Account Not Distributed', 'svc-ms-next'],
    ]);
    const closed = await ok('GET', `/api/v1/alerts/${formerAlert}`);
    expect(closed).toMatchObject({ resolutionState: 255, resolvedBy: expect.stringMatching(/^user:/) });
    // A later sweep leaves it resolved and keeps the new account's alert.
    const checks = (await t.app.runtime.checkServerAccount()) as { accountId: string; check: string }[];
    expect(new Set(checks.map((c) => c.accountId))).toEqual(new Set([next.id]));
    expect((await openAlerts()).map((a) => a.description.split(' ')[0])).toEqual(['svc-ms-next']);

    // No account at all: nothing of the server's former accounts stays open.
    await ok('PUT', `/api/v1/servers/${serverId}/action-account`, { accountId: null });
    expect(await openAlerts()).toEqual([]);
    expect(await t.app.runtime.checkServerAccount()).toEqual([]);
  });
});

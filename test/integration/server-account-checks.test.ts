// Proves the management server's default action account gets an agent's action-account checks and alerts: not
// distributed to the server raises an alert on the server (resolved once distributed), a user the server cannot
// log on as raises "Run As Account Could Not Log On", and each alert is raised once per state.
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
});

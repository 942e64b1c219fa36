// Proves the account checks agents report: failing checks raise their alert on the health service (once per
// state), healthy resolves it, and a check on an account not distributed to the agent is refused and audited.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createAgentApi } from '../../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../../agent/agent-identity.js';

let t: TestApp;
let dir: string;

async function ok(method: string, url: string, body?: unknown) {
  const res = await t.request({ method, url, token: t.adminToken, body });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.body ? res.json() : undefined;
}

beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(join(tmpdir(), 'steward-checks-'));
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PUT /api/v1/agent/account-checks', () => {
  it('raises, keeps, escalates and resolves the alert of a check; refuses accounts not distributed here', async () => {
    const server = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { token } = await ok('POST', '/api/v1/agents/enrollment-tokens', { computerName: 'chk-a' });
    const api = createAgentApi({ server, identity: loadOrCreateIdentity(join(dir, 'data')) });
    await api.enroll({ computerName: 'chk-a', token });
    const agentId = api.agentId!;
    const mine = await ok('POST', '/api/v1/accounts', {
      name: 'Svc action',
      credential: { type: 'action', userName: 'svc', password: 'chk-secret-1' },
    });
    const other = await ok('POST', '/api/v1/accounts', {
      name: 'Elsewhere',
      credential: { type: 'action', userName: 'x', password: 'chk-secret-2' },
    });
    await ok('PUT', `/api/v1/accounts/${mine.id}/distribution`, {
      security: 'more-secure',
      approved: [agentId],
    });
    await t.app.resolution.catchUp();

    const check = (state: string, accountId = mine.id) => ({
      accountId,
      check: 'logon' as const,
      state: state as 'critical',
      message: `user svc ${state}`,
    });
    const open = async () =>
      ((await ok('GET', `/api/v1/alerts?sourceObject=${agentId}`)).items as Record<string, unknown>[]).filter(
        (a) => a.name === 'Run As Account Could Not Log On',
      );

    expect(await api.reportAccountChecks([check('warning')])).toEqual({ accepted: 1, refused: [] });
    expect(await open()).toEqual([
      expect.objectContaining({ severity: 'warning', repeatCount: 0, sourceKind: 'steward' }),
    ]);
    await api.reportAccountChecks([check('warning')]);
    expect((await open())[0]!.repeatCount).toBe(0);
    await api.reportAccountChecks([check('critical')]);
    expect(await open()).toEqual([expect.objectContaining({ severity: 'critical', repeatCount: 1 })]);
    expect(String((await open())[0]!.description)).toContain('Svc action');
    await api.reportAccountChecks([check('healthy')]);
    expect(await open()).toEqual([]);

    const out = await api.reportAccountChecks([check('critical', other.id)]);
    expect(out.refused).toEqual([
      { index: 0, accountId: other.id, reason: expect.stringContaining('not distributed') },
    ]);
    const audit = (await ok('GET', '/api/v1/audit?kind=account-check.refused')).items;
    expect(audit).toEqual([expect.objectContaining({ actor: `agent:${agentId}`, target: other.id })]);
    expect(JSON.stringify(audit)).not.toContain('chk-secret');
  });
});

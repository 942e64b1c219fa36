// Proves that an agent reporting its operating system at enrolment registers its computer as an object of the
// SCOM class of that system — Microsoft.Windows.Computer, or Steward.LinuxComputer (a Microsoft.Linux.Computer) —
// so a group of Microsoft.Windows.Computer holds it; that a computer registered beforehand as a plain
// System.Computer takes that class when its agent enrols; and that an agent that says nothing stays a
// System.Computer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentApi } from '../../src/agent/agent-api.js';
import { loadOrCreateIdentity } from '../../src/agent/agent-identity.js';
import type { AgentPlatform } from '../../src/domain/inventory/platform.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let server: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-agent-platform-'));
beforeAll(async () => {
  t = await createTestApp();
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ok(method: string, url: string, body?: unknown) {
  const res = await t.request({ method, url, token: t.adminToken, body });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
  return res.json();
}

async function enroll(name: string, platform?: AgentPlatform) {
  const { token } = await ok('POST', '/api/v1/agents/enrollment-tokens', { computerName: name });
  const api = createAgentApi({ server, identity: loadOrCreateIdentity(join(dir, name)) });
  await api.enroll({ computerName: name, token, ...(platform ? { platform } : {}) });
  return api.agentId!;
}
const computer = (id: string) => ok('GET', `/api/v1/computers/${id}`);

describe('the class of an enrolled computer', () => {
  it('is Microsoft.Windows.Computer for a Windows agent, and a group of Windows computers holds it', async () => {
    const id = await enroll('win01.contoso.test', 'windows');
    expect(await computer(id)).toMatchObject({
      classId: 'Microsoft.Windows.Computer',
      properties: { PrincipalName: 'win01.contoso.test' },
    });
    await ok('POST', '/api/v1/groups', {
      id: 'Contoso.WindowsComputers',
      rules: [{ classId: 'Microsoft.Windows.Computer' }],
    });
    const members = (await ok('GET', '/api/v1/groups/Contoso.WindowsComputers/members')).items;
    expect(members.map((m: { objectId?: string; id?: string }) => m.objectId ?? m.id)).toContain(id);
  });

  it('is a Microsoft.Linux.Computer for a Linux agent', async () => {
    const id = await enroll('lnx01.contoso.test', 'linux');
    expect((await computer(id)).classId).toBe('Steward.LinuxComputer');
    const linux = (await ok('GET', '/api/v1/objects?class=Microsoft.Linux.Computer&limit=100')).items;
    expect(linux.map((o: { id: string }) => o.id)).toEqual([id]);
  });

  it('refines a computer registered beforehand as System.Computer, and leaves one that says nothing as it is', async () => {
    const pre = await ok('POST', '/api/v1/computers', { name: 'win02.contoso.test' });
    expect(pre.classId).toBe('System.Computer');
    expect(await enroll('win02.contoso.test', 'windows')).toBe(pre.id);
    expect((await computer(pre.id)).classId).toBe('Microsoft.Windows.Computer');
    const audit = (await ok('GET', '/api/v1/audit?kind=computer.update&limit=100')).items;
    expect(audit).toContainEqual(
      expect.objectContaining({
        target: pre.id,
        details: expect.objectContaining({ classId: 'Microsoft.Windows.Computer' }),
      }),
    );
    const silent = await enroll('box01.contoso.test');
    expect((await computer(silent)).classId).toBe('System.Computer');
  });
});

// Proves what reported runs change: a monitor's state raises and resolves its alert, a rule raises alerts,
// and a discovery creates, updates and removes objects on its own computer only.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createAgentApi } from '../../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../../agent/agent-identity.js';
import type { RunResult } from '../../../contract/results.js';

let t: TestApp;
let server: string;
const dirs: string[] = [];
const PACK = readFileSync(new URL('../../../../test/fixtures/packs/test-sql.yaml', import.meta.url), 'utf8');
let clock = Date.parse('2026-01-01T00:00:00Z');

async function call(method: string, url: string, body?: unknown, token: string | null = t.adminToken) {
  const res = await t.request({ method, url, token: token ?? undefined, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

async function enrolled(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-effects-'));
  dirs.push(dir);
  const token = (await call('POST', '/api/v1/agents/enrollment-tokens', { computerName: name })).body.token;
  const api = createAgentApi({ server, identity: loadOrCreateIdentity(join(dir, 'data')) });
  await api.enroll({ computerName: name, token });
  return { api, agentId: api.agentId! };
}

const ran = (workflowId: string, objectId: string, stdout: string, exitCode = 0): RunResult => {
  clock += 1000;
  return {
    workflowId,
    objectId,
    startedAt: new Date(clock).toISOString(),
    durationMs: 5,
    exitCode,
    timedOut: false,
    outcome: 'ran',
    stdout,
    stderr: '',
  };
};

const alertsOf = async (objectId: string, state = 'all') =>
  (await call('GET', `/api/v1/alerts?state=${state}&sourceObject=${objectId}`)).body.items as {
    name: string;
    severity: string;
    resolutionState: number;
    repeatCount: number;
    workflowId: string;
    description: string;
    custom: Record<string, string>;
  }[];

let a: Awaited<ReturnType<typeof enrolled>>;
let b: Awaited<ReturnType<typeof enrolled>>;

beforeAll(async () => {
  t = await createTestApp();
  expect((await call('POST', '/api/v1/packs', { content: PACK, format: 'yaml' })).status).toBe(201);
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
  a = await enrolled('fx-a');
  b = await enrolled('fx-b');
});
afterAll(async () => {
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('monitors', () => {
  it('healthy sets the state without an alert; warning raises; critical repeats it; healthy resolves it', async () => {
    await a.api.reportResults([ran('Test.Computer.W1', a.agentId, 'fine')]);
    let health = (await call('GET', `/api/v1/health-states?object=${a.agentId}`)).body.items;
    expect(health).toEqual([
      expect.objectContaining({ monitorId: 'Test.Computer.W1', state: 'healthy', message: 'fine' }),
    ]);
    expect(await alertsOf(a.agentId)).toEqual([]);

    await a.api.reportResults([ran('Test.Computer.W1', a.agentId, 'disk 91%', 1)]);
    let open = await alertsOf(a.agentId, 'open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      name: 'Test.Computer.W1',
      severity: 'warning',
      workflowId: 'Test.Computer.W1',
      description: 'disk 91%',
    });

    // The same state again changes nothing; critical repeats the open alert with the new severity.
    await a.api.reportResults([ran('Test.Computer.W1', a.agentId, 'disk 92%', 1)]);
    expect((await alertsOf(a.agentId, 'open'))[0]!.repeatCount).toBe(0);
    await a.api.reportResults([
      ran('Test.Computer.W1', a.agentId, '{"state":"critical","message":"disk 99%"}'),
    ]);
    open = await alertsOf(a.agentId, 'open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ severity: 'critical', repeatCount: 1, description: 'disk 99%' });
    health = (await call('GET', `/api/v1/health-states?object=${a.agentId}`)).body.items;
    expect(health[0]).toMatchObject({ state: 'critical', message: 'disk 99%' });

    await a.api.reportResults([ran('Test.Computer.W1', a.agentId, 'ok again')]);
    expect(await alertsOf(a.agentId, 'open')).toEqual([]);
    const all = await alertsOf(a.agentId);
    expect(all).toHaveLength(1);
    expect(all[0]!.resolutionState).toBe(255);
  });

  it('an unknown exit leaves the state and names the problem', async () => {
    const out = await a.api.reportResults([ran('Test.Computer.W1', a.agentId, 'boom', 3)]);
    expect(out.problems).toEqual([
      expect.objectContaining({ index: 0, line: 0, message: expect.stringContaining('exited with 3') }),
    ]);
    const health = (await call('GET', `/api/v1/health-states?object=${a.agentId}`)).body.items;
    expect(health[0].state).toBe('healthy');
  });
});

describe('rules', () => {
  it('raise the alerts of their output; the same alert again is a repeat', async () => {
    const line =
      '{"alert":{"name":"Queue long","severity":"critical","description":"42","custom":{"1":"q1"}}}';
    const out = await b.api.reportResults([ran('Test.Computer.W2', b.agentId, `${line}\n{"alert":{}}`)]);
    expect(out.problems).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringContaining('alert.name') }),
    ]);
    await b.api.reportResults([ran('Test.Computer.W2', b.agentId, line)]);
    const open = await alertsOf(b.agentId, 'open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      name: 'Queue long',
      severity: 'critical',
      repeatCount: 1,
      custom: { '1': 'q1' },
      workflowId: 'Test.Computer.W2',
    });
  });
});

describe('discoveries', () => {
  const objectsOn = async (computerId: string) =>
    (
      (await call('GET', `/api/v1/objects?computer=${computerId}`)).body.items as {
        id: string;
        name: string;
        classId: string;
        displayName: string;
      }[]
    )
      .filter((o) => o.id !== computerId)
      .map((o) => `${o.classId}:${o.name}:${o.displayName}`)
      .sort();

  it('create, update and remove the objects they find on their own computer, audited as the agent', async () => {
    const one = '{"class":"Test.SQL.Instance","name":"X"}';
    const two = '{"class":"Test.SQL.Enterprise","name":"Y","displayName":"Y (enterprise)"}';
    let out = await a.api.reportResults([ran('Test.Computer.W3', a.agentId, `${one}\n${two}`)]);
    expect(out.problems).toEqual([]);
    expect(await objectsOn(a.agentId)).toEqual([
      'Test.SQL.Enterprise:Y:Y (enterprise)',
      'Test.SQL.Instance:X:X',
    ]);
    const audit = (await call('GET', '/api/v1/audit?kind=object.create&limit=10')).body.items;
    expect(audit.some((r: { actor: string }) => r.actor === `agent:${a.agentId}`)).toBe(true);

    // The new objects reach the agent's configuration (the SQL monitor targets them).
    await t.app.resolution.catchUp();
    const config = await a.api.fetchConfig();
    expect(
      config.kind === 'changed' && config.config.entries.some((e) => e.workflowId === 'Test.SQL.Monitor'),
    ).toBe(true);

    // Read by id: the server now answers it from memory.
    const items = (await call('GET', `/api/v1/objects?computer=${a.agentId}`)).body.items as {
      id: string;
      name: string;
    }[];
    const x = items.find((o) => o.name === 'X')!.id;
    expect((await call('GET', `/api/v1/objects/${x}`)).body.displayName).toBe('X');

    out = await a.api.reportResults([
      ran(
        'Test.Computer.W3',
        a.agentId,
        '{"class":"Test.SQL.Instance","name":"X","displayName":"X renamed"}',
      ),
    ]);
    // What a discovery changed is read back at once, not when memory catches up.
    expect((await call('GET', `/api/v1/objects/${x}`)).body.displayName).toBe('X renamed');
    expect(out.problems).toEqual([]);
    expect(await objectsOn(a.agentId)).toEqual(['Test.SQL.Instance:X:X renamed']);
  });

  it('a failed run or a snapshot with problems removes nothing', async () => {
    await a.api.reportResults([ran('Test.Computer.W3', a.agentId, '', 1)]);
    expect(await objectsOn(a.agentId)).toEqual(['Test.SQL.Instance:X:X renamed']);
    const out = await a.api.reportResults([ran('Test.Computer.W3', a.agentId, '{"class":"No.Such.Class"}')]);
    expect(out.problems).toEqual([
      expect.objectContaining({ line: 1, message: expect.stringContaining('No.Such.Class') }),
    ]);
    expect(await objectsOn(a.agentId)).toEqual(['Test.SQL.Instance:X:X renamed']);
  });

  it('refuses objects hosted elsewhere, computers, and objects people made are left alone', async () => {
    const made = await call('POST', '/api/v1/objects', {
      classId: 'Test.SQL.Instance',
      hostId: a.agentId,
      name: 'Manual',
    });
    expect(made.status).toBe(201);
    const out = await a.api.reportResults([
      ran(
        'Test.Computer.W3',
        a.agentId,
        [
          `{"class":"Test.SQL.Instance","name":"Evil","host":"${b.agentId}"}`,
          '{"class":"System.Computer","name":"evil-computer"}',
        ].join('\n'),
      ),
    ]);
    expect(out.problems.map((p) => p.line)).toEqual([1, 2]);
    expect(out.problems[0]!.message).toContain('not an object on this health service');
    expect(await objectsOn(b.agentId)).toEqual([]);
    // An empty snapshot removes what this discovery found, never the object a person made.
    await a.api.reportResults([ran('Test.Computer.W3', a.agentId, 'nothing here')]);
    expect(await objectsOn(a.agentId)).toEqual(['Test.SQL.Instance:Manual:Manual']);
  });

  it('removes an object it no longer finds even when an association is scoped to it, which then shows as dangling', async () => {
    const found = await a.api.reportResults([
      ran('Test.Computer.W3', a.agentId, '{"class":"Test.SQL.Instance","name":"Scoped"}'),
    ]);
    expect(found.problems).toEqual([]);
    const objects = (await call('GET', `/api/v1/objects?host=${a.agentId}`)).body.items as {
      id: string;
      name: string;
    }[];
    const scoped = objects.find((o) => o.name === 'Scoped')!.id;
    const acc = (
      await call('POST', '/api/v1/accounts', {
        name: 'scoped-by-discovery',
        credential: { type: 'windows', userName: 'svc', password: 'a-password-here' },
      })
    ).body.id;
    const assoc = (
      await call('POST', '/api/v1/profiles/Test.SQL.Profile/associations', {
        accountId: acc,
        scope: { kind: 'object', objectId: scoped },
      })
    ).body.id;
    expect((await call('DELETE', `/api/v1/objects/${scoped}`)).status).toBe(422);
    await a.api.reportResults([ran('Test.Computer.W3', a.agentId, 'nothing here')]);
    expect((await call('GET', `/api/v1/objects/${scoped}`)).status).toBe(404);
    const findings = (await call('GET', '/api/v1/findings')).body.items as { id: string; severity: string }[];
    expect(findings).toContainEqual(
      expect.objectContaining({ id: `dangling-association:${assoc}`, severity: 'warning' }),
    );
  });
});

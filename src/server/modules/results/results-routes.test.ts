// Proves the run-result routes: an agent reads the definitions and objects of its own configuration, reports
// results only for its own (workflow, object) pairs (others refused and audited), the latest result is kept
// with the start of a not-run streak, and people read results with inventory.read.
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

async function call(method: string, url: string, body?: unknown, token: string | null = t.adminToken) {
  const res = await t.request({ method, url, token: token ?? undefined, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, raw: res.body };
}

async function enrolled(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-results-'));
  dirs.push(dir);
  const token = (await call('POST', '/api/v1/agents/enrollment-tokens', { computerName: name })).body.token;
  const api = createAgentApi({ server, identity: loadOrCreateIdentity(join(dir, 'data')) });
  await api.enroll({ computerName: name, token });
  return { api, agentId: api.agentId! };
}

const result = (workflowId: string, objectId: string, extra: Partial<RunResult> = {}): RunResult => ({
  workflowId,
  objectId,
  startedAt: new Date().toISOString(),
  durationMs: 12,
  exitCode: 0,
  timedOut: false,
  outcome: 'ran',
  stdout: 'ok\n',
  stderr: '',
  ...extra,
});

let a: Awaited<ReturnType<typeof enrolled>>;
let b: Awaited<ReturnType<typeof enrolled>>;

beforeAll(async () => {
  t = await createTestApp();
  expect((await call('POST', '/api/v1/packs', { content: PACK, format: 'yaml' })).status).toBe(201);
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
  a = await enrolled('res-a');
  b = await enrolled('res-b');
});
afterAll(async () => {
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('GET /api/v1/agent/workflows', () => {
  it('gives the definitions of the workflows in the agent’s configuration and its objects with properties', async () => {
    const out = await a.api.fetchWorkflows();
    const ids = out.workflows.map((w) => w.id).sort();
    expect(ids).toEqual(['Test.Computer.W1', 'Test.Computer.W2', 'Test.Computer.W3']);
    expect(out.workflows.find((w) => w.id === 'Test.Computer.W1')).toMatchObject({
      kind: 'monitor',
      action: { type: 'command', command: ['w1'] },
      schedule: { intervalSeconds: 60 },
      profileId: 'Test.Computer.Profile',
    });
    expect(out.objects).toEqual([
      { id: a.agentId, classId: 'System.Computer', name: 'res-a', properties: {} },
    ]);
    const config = await a.api.fetchConfig();
    expect(config.kind === 'changed' && config.config.tag).toBe(out.tag);
  });

  it('refuses a request without an agent assertion, and a user token (401)', async () => {
    expect((await call('GET', '/api/v1/agent/workflows', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/v1/agent/workflows')).status).toBe(401);
  });
});

describe('POST /api/v1/agent/results', () => {
  it('stores a result for the agent’s own pair, and people read it back by computer name or id', async () => {
    const out = await a.api.reportResults([result('Test.Computer.W1', a.agentId, { stdout: 'user=svc\n' })]);
    expect(out).toEqual({ accepted: 1, refused: [], problems: [] });
    for (const computer of ['res-a', a.agentId]) {
      const r = await call('GET', `/api/v1/results?computer=${computer}`);
      expect(r.status).toBe(200);
      expect(r.body.items).toHaveLength(1);
      expect(r.body.items[0]).toMatchObject({
        computerId: a.agentId,
        workflowId: 'Test.Computer.W1',
        objectId: a.agentId,
        outcome: 'ran',
        exitCode: 0,
        stdout: 'user=svc\n',
        notRunSince: null,
      });
    }
  });

  it('keeps output holding NUL and unpaired surrogates visibly (␀, U+FFFD) instead of failing the batch', async () => {
    const c = await enrolled('res-c');
    const out = await c.api.reportResults([
      result('Test.Computer.W1', c.agentId, { stdout: 'bin\u0000ary\n', stderr: 'half \ud800 pair' }),
      result('Test.Computer.W2', c.agentId, { stdout: 'clean\n' }),
    ]);
    expect(out).toEqual({ accepted: 2, refused: [], problems: [] });
    const items = (await call('GET', '/api/v1/results?computer=res-c')).body.items;
    expect(items.find((i: { workflowId: string }) => i.workflowId === 'Test.Computer.W1')).toMatchObject({
      stdout: 'bin\u2400ary\n',
      stderr: 'half \ufffd pair',
    });
    expect(items.find((i: { workflowId: string }) => i.workflowId === 'Test.Computer.W2').stdout).toBe(
      'clean\n',
    );
  });

  it('refuses, item by item, a pair hosted on another agent and audits it', async () => {
    const out = await a.api.reportResults([
      result('Test.Computer.W2', b.agentId),
      result('Test.Computer.W2', a.agentId),
      result('Test.SQL.Monitor', a.agentId),
    ]);
    expect(out.accepted).toBe(1);
    expect(out.refused.map((r) => [r.index, r.workflowId, r.objectId])).toEqual([
      [0, 'Test.Computer.W2', b.agentId],
      [2, 'Test.SQL.Monitor', a.agentId],
    ]);
    const stored = await call('GET', `/api/v1/results?computer=${b.agentId}`);
    expect(stored.body.items).toEqual([]);
    const audit = await t.database.query<{ actor: string; details: Record<string, unknown> }>(
      `SELECT actor, details FROM audit_log WHERE kind = 'result.refused' ORDER BY seq`,
      [],
    );
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      actor: `agent:${a.agentId}`,
      details: { agent: a.agentId, workflow: 'Test.Computer.W2', object: b.agentId },
    });
  });

  it('keeps when a not-run streak began, clears it once the workflow runs, and ignores an older late result', async () => {
    const url = `/api/v1/results?computer=${b.agentId}&workflow=Test.Computer.W3`;
    const t0 = Date.now();
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const notRun = (ms: number) =>
      result('Test.Computer.W3', b.agentId, {
        startedAt: at(ms),
        outcome: 'not-run-credentials-not-found',
        exitCode: null,
        accountId: 'acct_x',
        stdout: '',
      });
    await b.api.reportResults([notRun(0)]);
    await b.api.reportResults([notRun(1000)]);
    let item = (await call('GET', url)).body.items[0];
    expect(item.outcome).toBe('not-run-credentials-not-found');
    expect(item.startedAt).toBe(at(1000));
    expect(item.notRunSince).toBe(at(0));
    await b.api.reportResults([result('Test.Computer.W3', b.agentId, { startedAt: at(2000) })]);
    await b.api.reportResults([notRun(1500)]);
    item = (await call('GET', url)).body.items[0];
    expect(item).toMatchObject({ outcome: 'ran', startedAt: at(2000), notRunSince: null });
  });

  it('refuses a bad outcome, naming the field, and stores nothing of the batch', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/agent/results',
      headers: { authorization: 'Agent nope' },
      body: { results: [result('Test.Computer.W1', a.agentId)] },
    });
    expect(res.statusCode).toBe(401);
    const err = await a.api
      .reportResults([{ ...result('Test.Computer.W1', a.agentId), outcome: 'exploded' as 'ran' }])
      .then(
        () => undefined,
        (e: unknown) => e as { status: number; issues?: { path: string }[]; message: string },
      );
    expect(err?.status).toBe(400);
    expect(err?.message).toContain('body.results[0].outcome');
  });
});

describe('GET /api/v1/results', () => {
  it('is open to every role with inventory.read, filters by object and workflow, and refuses no token (401)', async () => {
    const ro = await t.tokenFor('read-only-operator');
    const r = await call(
      'GET',
      `/api/v1/results?object=${a.agentId}&workflow=Test.Computer.W2`,
      undefined,
      ro,
    );
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { workflowId: string }) => i.workflowId)).toEqual(['Test.Computer.W2']);
    expect((await call('GET', '/api/v1/results', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/v1/results?limit=0')).status).toBe(400);
  });
});

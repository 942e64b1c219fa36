// Proves Steward's own health-service alerts: Credentials Not Found after the grace period (R22, S5) that
// resolves once the workflow runs again or no longer needs the account, and the heartbeat alert whose
// source is the health service watcher (R46); and pool leases: one holder, takeover when it stops or expires.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createAgentApi } from '../../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../../agent/agent-identity.js';
import { builtInPoolIds } from '../../../contract/inventory.js';
import type { RunResult } from '../../../contract/results.js';
import { createAlertsService } from '../alerts/alerts-service.js';
import { CREDENTIALS_NOT_FOUND, createHealthWatchers, HEARTBEAT_FAILURE } from './health-watchers.js';
import { createPoolLeases } from './pool-leases.js';

let t: TestApp;
let server: string;
const dirs: string[] = [];
const PACK = readFileSync(new URL('../../../../test/fixtures/packs/test-sql.yaml', import.meta.url), 'utf8');

async function ok(method: string, url: string, body?: unknown) {
  const res = await t.request({ method, url, token: t.adminToken, body });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.body ? res.json() : undefined;
}

async function enrolled(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-watch-'));
  dirs.push(dir);
  const { token } = await ok('POST', '/api/v1/agents/enrollment-tokens', { computerName: name });
  const api = createAgentApi({ server, identity: loadOrCreateIdentity(join(dir, 'data')) });
  await api.enroll({ computerName: name, token });
  return { api, agentId: api.agentId! };
}

const report = (
  outcome: RunResult['outcome'],
  workflowId: string,
  objectId: string,
  at: Date,
  accountId?: string,
) =>
  ({
    workflowId,
    objectId,
    startedAt: at.toISOString(),
    durationMs: 0,
    exitCode: outcome === 'ran' ? 0 : null,
    timedOut: false,
    outcome,
    ...(accountId ? { accountId } : {}),
    stdout: '',
    stderr: '',
  }) satisfies RunResult;

const alertsNamed = async (name: string, state = 'all') =>
  ((await ok('GET', `/api/v1/alerts?state=${state}&limit=200`)).items as Record<string, unknown>[]).filter(
    (a) => a.name === name,
  );

beforeAll(async () => {
  t = await createTestApp();
  await ok('POST', '/api/v1/packs', { content: PACK, format: 'yaml' });
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Health Service Credentials Not Found (R22, S5)', () => {
  it('is raised after the grace period, names profile and account, and resolves when the workflow runs', async () => {
    const a = await enrolled('cnf-a');
    const acc = await ok('POST', '/api/v1/accounts', {
      name: 'CNF account',
      credential: { type: 'windows', userName: 'svc', domain: 'CONTOSO', password: 'cnf-secret-pw' },
    });
    const assoc = await ok('POST', '/api/v1/profiles/Test.Computer.Profile/associations', {
      accountId: acc.id,
    });
    await t.app.resolution.catchUp();

    let clock = Date.now();
    const watchers = createHealthWatchers({
      db: t.database.db,
      alerts: createAlertsService({ db: t.database.db }),
      resolution: t.app.resolution,
      credentialsGraceMs: 300_000,
      now: () => new Date(clock),
    });
    const t0 = new Date(clock);
    await a.api.reportResults([
      report('not-run-credentials-not-found', 'Test.Computer.W1', a.agentId, t0, acc.id),
      report('not-run-credentials-not-found', 'Test.Computer.W2', a.agentId, t0, acc.id),
    ]);

    clock = t0.getTime() + 60_000;
    expect(await watchers.sweepCredentials()).toEqual({ raised: [], resolved: [] });
    clock = t0.getTime() + 301_000;
    const key = `credentials-not-found:${a.agentId}:${acc.id}`;
    expect(await watchers.sweepCredentials()).toEqual({ raised: [key], resolved: [] });
    expect(await watchers.sweepCredentials()).toEqual({ raised: [], resolved: [] });

    const [alert] = await alertsNamed(CREDENTIALS_NOT_FOUND, 'open');
    expect(alert).toMatchObject({
      severity: 'critical',
      priority: 'high',
      sourceObjectId: a.agentId,
      sourceKind: 'steward',
      repeatCount: 0,
    });
    expect(alert!.description).toContain('Test.Computer.Profile');
    expect(alert!.description).toContain('CNF account');
    expect(alert!.description).not.toContain('cnf-secret-pw');

    // Distributed, but until the agent runs with it the workflows are still not loaded: the alert stays.
    await ok('PUT', `/api/v1/accounts/${acc.id}/distribution`, {
      security: 'more-secure',
      approved: [a.agentId],
    });
    await t.app.resolution.catchUp();
    expect((await watchers.sweepCredentials()).resolved).toEqual([]);
    await a.api.reportResults([report('ran', 'Test.Computer.W1', a.agentId, new Date(), acc.id)]);
    expect((await watchers.sweepCredentials()).resolved).toEqual([]);
    await a.api.reportResults([report('ran', 'Test.Computer.W2', a.agentId, new Date(), acc.id)]);
    expect(await watchers.sweepCredentials()).toEqual({ raised: [], resolved: [key] });
    expect(await alertsNamed(CREDENTIALS_NOT_FOUND, 'open')).toEqual([]);

    // A stale report no longer in the configuration (association removed) does not keep an alert open.
    await ok('PUT', `/api/v1/accounts/${acc.id}/distribution`, { security: 'more-secure', approved: [] });
    await t.app.resolution.catchUp();
    await a.api.reportResults([
      report('not-run-credentials-not-found', 'Test.Computer.W1', a.agentId, new Date(clock), acc.id),
    ]);
    clock += 301_000;
    expect((await watchers.sweepCredentials()).raised).toEqual([key]);
    await ok('DELETE', `/api/v1/associations/${assoc.id}`);
    await t.app.resolution.catchUp();
    expect((await watchers.sweepCredentials()).resolved).toEqual([key]);
  });
});

describe('heartbeat alerts (R46)', () => {
  /** Watchers with a 60-second heartbeat window, on a clock `offset()` ms ahead of now. */
  const heartbeatWatchers = (offset: () => number) =>
    createHealthWatchers({
      db: t.database.db,
      alerts: createAlertsService({ db: t.database.db }),
      resolution: t.app.resolution,
      heartbeatTimeoutMs: 60_000,
      now: () => new Date(Date.now() + offset()),
    });

  it('are raised on the health service watcher for a silent agent and resolved when it is heard again', async () => {
    const h = await enrolled('hb-a');
    await h.api.fetchConfig();
    let offset = 0;
    const watchers = heartbeatWatchers(() => offset);
    const key = `heartbeat:${h.agentId}`;
    expect((await watchers.sweepHeartbeats()).raised).not.toContain(key);
    offset = 120_000;
    expect((await watchers.sweepHeartbeats()).raised).toContain(key);
    const open = (await alertsNamed(HEARTBEAT_FAILURE, 'open')).filter((a) =>
      String(a.description).includes(h.agentId),
    );
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ sourceKind: 'watcher', sourceObjectId: `watcher:${h.agentId}` });
    const agents = (await ok('GET', '/api/v1/agents')).items as { id: string; available: boolean }[];
    expect(agents.find((x) => x.id === h.agentId)!.available).toBe(true);
    offset = 0;
    await h.api.fetchConfig();
    expect((await watchers.sweepHeartbeats()).resolved).toContain(key);
  });

  it('raises the alerts of many silent agents together, and a sweep told to halt raises none of what is left', async () => {
    const silent = await Promise.all(['hb-halt-1', 'hb-halt-2', 'hb-halt-3'].map((n) => enrolled(n)));
    let offset = 0;
    const watchers = heartbeatWatchers(() => offset);
    offset = 120_000;
    const keys = silent.map((h) => `heartbeat:${h.agentId}`);
    expect(await watchers.sweepHeartbeats(() => true)).toEqual({ raised: [], resolved: [] });
    expect(
      (await alertsNamed(HEARTBEAT_FAILURE, 'open')).filter((a) => keys.includes(String(a.dedupeKey))),
    ).toEqual([]);
    expect((await watchers.sweepHeartbeats()).raised).toEqual(expect.arrayContaining(keys));
    const [written] = await t.database.query<{ n: number }>(
      'SELECT count(DISTINCT xmin::text)::int AS n FROM alerts WHERE dedupe_key = ANY($1)',
      [keys],
    );
    expect(written!.n).toBe(1);

    // Heard again together: resolved together, one transaction, each with its audit record.
    offset = 0;
    await Promise.all(silent.map((h) => h.api.fetchConfig()));
    await ok('GET', '/api/v1/agents'); // writes the contacts noted
    expect((await watchers.sweepHeartbeats()).resolved).toEqual(expect.arrayContaining(keys));
    const [closed] = await t.database.query<{ n: number; states: number[] }>(
      'SELECT count(DISTINCT xmin::text)::int AS n, array_agg(DISTINCT resolution_state) AS states FROM alerts WHERE dedupe_key = ANY($1)',
      [keys],
    );
    expect(closed).toEqual({ n: 1, states: [255] });
    const audited = await t.database.query<{ target: string }>(
      `SELECT target FROM audit_log WHERE kind = 'alert.update' AND details->>'dedupeKey' = ANY($1)`,
      [keys],
    );
    expect(audited).toHaveLength(3);
  });

  it('call no agent silent before a heartbeat window has passed since the watcher started', async () => {
    const h = await enrolled('hb-start');
    await h.api.fetchConfig();
    let offset = 600_000;
    // Started (the whole pool back) ten minutes after the agent was last heard from.
    const watchers = heartbeatWatchers(() => offset);
    const key = `heartbeat:${h.agentId}`;
    expect((await watchers.sweepHeartbeats()).raised).not.toContain(key);
    offset = 600_000 + 59_000;
    expect((await watchers.sweepHeartbeats()).raised).not.toContain(key);
    offset = 600_000 + 61_000;
    expect((await watchers.sweepHeartbeats()).raised).toContain(key);
  });
});

describe('pool leases', () => {
  it('one member holds each pool; another takes over when it stops or lets the lease expire', async () => {
    let clock = Date.now();
    const make = (serverId: string) =>
      createPoolLeases({ db: t.database.db, serverId, ttlMs: 15_000, now: () => new Date(clock) });
    const a = make('srv_lease_a');
    const b = make('srv_lease_b');
    await a.renew();
    await b.renew();
    const pool = builtInPoolIds.notifications;
    expect(a.holds(pool)).toBe(true);
    expect(b.holds(pool)).toBe(false);

    // a dies without handing back: b waits for the lease to expire.
    clock += 10_000;
    await b.renew();
    expect(b.holds(pool)).toBe(false);
    clock += 6_000;
    await b.renew();
    expect(b.holds(pool)).toBe(true);
    await a.renew();
    expect(a.holds(pool)).toBe(false);

    // b stops cleanly: a takes over at once.
    await b.stop();
    await a.renew();
    expect(a.holds(pool)).toBe(true);
    await a.stop();
  });

  it('a manual pool is held only by a server it lists', async () => {
    const made = await ok('POST', '/api/v1/pools', {
      name: 'lease-manual',
      membership: 'manual',
      members: [],
    });
    const outsider = createPoolLeases({ db: t.database.db, serverId: 'srv_outsider' });
    await outsider.renew();
    expect(outsider.holds(made.id)).toBe(false);
    expect(outsider.holds(builtInPoolIds.automation)).toBe(true);
    await outsider.stop();
  });
});

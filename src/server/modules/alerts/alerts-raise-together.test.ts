// Alerts raised together (a storm) are written together: one transaction, one audit append and one snapshot
// insert per turn, each raise still answered as it would be alone — an unknown source refused by itself, a
// dedupe key repeating the alert raised just before it in the same batch, every change kept as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { createAlertsService } from './alerts-service.js';

let t: TestApp;
let computerId: string;
beforeAll(async () => {
  t = await createTestApp();
  computerId = (
    await t.request({
      method: 'POST',
      url: '/api/v1/computers',
      token: t.adminToken,
      body: { name: 'storm01.contoso.com' },
    })
  ).json().id;
});
afterAll(() => t.close());

describe('alerts raised together', () => {
  it('share one transaction; a bad source fails alone; a repeat in the batch counts; snapshots follow each change', async () => {
    const alerts = createAlertsService({ db: t.database.db });
    const raise = (name: string, extra: Record<string, unknown> = {}) =>
      alerts.raise('user:storm', {
        name,
        severity: 'warning',
        sourceKind: 'api',
        sourceObjectId: computerId,
        ...extra,
      });
    const out = await Promise.allSettled([
      raise('storm-1'),
      raise('storm-2', { dedupeKey: 'storm-key' }),
      raise('storm-bad', { sourceObjectId: 'cmp_nosuchcomputer' }),
      raise('storm-2 again', { dedupeKey: 'storm-key', severity: 'critical' }),
      raise('storm-3'),
    ]);
    expect(out.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const bad = (out[2] as PromiseRejectedResult).reason;
    expect(bad.issues).toEqual([expect.objectContaining({ path: 'body.sourceObjectId' })]);
    const ok = out.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    expect(ok.map((o) => o.repeated)).toEqual([false, false, true, false]);
    expect(ok[2]!.alert.id).toBe(ok[1]!.alert.id);
    expect(ok[2]!.alert).toMatchObject({ repeatCount: 1, severity: 'critical' });
    const ids = [...new Set(ok.map((o) => o.alert.id))];
    // xmin is the transaction that wrote the row: one for the whole batch.
    const writers = await t.database.query<{ n: number }>(
      'SELECT count(DISTINCT xmin::text)::int AS n FROM alerts WHERE id = ANY($1)',
      [ids],
    );
    expect(writers).toEqual([{ n: 1 }]);
    const changes = await t.database.query<{
      target: string;
      seq: string;
      severity: string;
      repeats: number;
    }>(
      `SELECT l.target, l.seq::text AS seq, s.alert->>'severity' AS severity, (s.alert->>'repeatCount')::int AS repeats
       FROM audit_log l JOIN alert_snapshots s ON s.change_seq = l.seq
       WHERE l.kind = 'alert.raise' AND l.target = ANY($1) ORDER BY l.seq`,
      [ids],
    );
    expect(changes.map((c) => [c.target, c.severity, c.repeats])).toEqual([
      [ok[0]!.alert.id, 'warning', 0],
      [ok[1]!.alert.id, 'warning', 0],
      [ok[1]!.alert.id, 'critical', 1],
      [ok[3]!.alert.id, 'warning', 0],
    ]);
    const named = await t.database.query('SELECT id FROM alerts WHERE name = $1', ['storm-bad']);
    expect(named).toEqual([]);
  });
});

describe('alerts resolved together', () => {
  it('share one transaction; each closed once, by its own actor, with its audit record and snapshot', async () => {
    const alerts = createAlertsService({ db: t.database.db });
    const keys = ['together-a', 'together-b', 'together-c'];
    for (const dedupeKey of keys)
      await alerts.raise('system', {
        name: dedupeKey,
        severity: 'warning',
        sourceKind: 'steward',
        dedupeKey,
      });
    const out = await Promise.all([
      alerts.resolveByKey('system', 'together-a'),
      alerts.resolveByKey('agent:cmp_one', 'together-b'),
      alerts.resolveByKey('system', 'together-a'),
      alerts.resolveByKey('system', 'together-none'),
      alerts.resolveByKey('system', 'together-c'),
    ]);
    expect(out.map((r) => r && [r.dedupeKey, r.resolutionState, r.resolvedBy])).toEqual([
      ['together-a', 255, 'system'],
      ['together-b', 255, 'agent:cmp_one'],
      undefined,
      undefined,
      ['together-c', 255, 'system'],
    ]);
    const writers = await t.database.query<{ n: number }>(
      'SELECT count(DISTINCT xmin::text)::int AS n FROM alerts WHERE dedupe_key = ANY($1)',
      [keys],
    );
    expect(writers).toEqual([{ n: 1 }]);
    const audited = await t.database.query<{ actor: string; target: string; seq: number }>(
      `SELECT actor, target, seq FROM audit_log WHERE kind = 'alert.update' AND details->>'dedupeKey' = ANY($1) ORDER BY seq`,
      [keys],
    );
    expect(audited.map((a) => [a.actor, a.target]).sort()).toEqual(
      [
        ['system', out[0]!.id],
        ['agent:cmp_one', out[1]!.id],
        ['system', out[4]!.id],
      ].sort(),
    );
    const snapshots = await t.database.query<{ state: number }>(
      `SELECT (alert->>'resolutionState')::int AS state FROM alert_snapshots WHERE change_seq = ANY($1)`,
      [audited.map((a) => a.seq)],
    );
    expect(snapshots.map((s) => s.state)).toEqual([255, 255, 255]);
    expect(await alerts.resolveByKey('system', 'together-a')).toBeUndefined();
  });
});

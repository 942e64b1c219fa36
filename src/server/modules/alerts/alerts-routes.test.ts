// Proves alerts over HTTP and in process: raise, repeat by dedupe key, update and close (time and who resolved),
// close by key, a patch that changes nothing writing nothing, filters and paging, bad input refused naming the field
// with nothing written, 404s, and who may do what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { roles } from '../../../domain/roles.js';
import { createAlertsService } from './alerts-service.js';

let t: TestApp;
let computerId: string;
beforeAll(async () => {
  t = await createTestApp();
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/computers',
    token: t.adminToken,
    body: { name: 'web01.contoso.com' },
  });
  computerId = res.json().id;
});
afterAll(() => t.close());

const raise = (body: Record<string, unknown>, token = t.adminToken) =>
  t.request({ method: 'POST', url: '/api/v1/alerts', token, body });
const patch = (id: string, body: Record<string, unknown>, token = t.adminToken) =>
  t.request({ method: 'PATCH', url: `/api/v1/alerts/${id}`, token, body });
const list = async (query: string) => {
  const res = await t.request({ method: 'GET', url: `/api/v1/alerts${query}`, token: t.adminToken });
  expect(res.statusCode).toBe(200);
  return res.json() as { items: { id: string; [k: string]: unknown }[]; nextAfterId: string | null };
};
const counts = async () => {
  const [a] = await t.database.query<{ n: string }>('SELECT count(*)::text AS n FROM alerts');
  const [l] = await t.database.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log');
  return `${a?.n}/${l?.n}`;
};

describe('raising alerts', () => {
  it('raises an alert through the API with defaults, audited as alert.raise', async () => {
    const res = await raise({ name: 'Disk full', severity: 'critical', sourceObjectId: computerId });
    expect(res.statusCode).toBe(201);
    const a = res.json();
    expect(a).toMatchObject({
      name: 'Disk full',
      description: '',
      severity: 'critical',
      priority: 'medium',
      resolutionState: 0,
      resolutionStateName: 'New',
      sourceObjectId: computerId,
      sourceKind: 'api',
      workflowId: null,
      repeatCount: 0,
      timeResolved: null,
      resolvedBy: null,
      custom: {},
    });
    expect(a.id).toMatch(/^alrt_[a-z0-9]+$/);
    expect(a.lastModifiedBy).toMatch(/^user:administrator-/);
    const audit = await t.database.query<{ kind: string; actor: string }>(
      'SELECT kind, actor FROM audit_log WHERE target = $1',
      [a.id],
    );
    expect(audit).toEqual([{ kind: 'alert.raise', actor: a.lastModifiedBy }]);
    const shown = await t.request({ method: 'GET', url: `/api/v1/alerts/${a.id}`, token: t.adminToken });
    expect(shown.json()).toEqual(a);
  });

  it('repeats the open alert with the same dedupe key instead of raising another, and raises anew once it is closed', async () => {
    const first = (await raise({ name: 'Service down', severity: 'warning', dedupeKey: 'svc:web01' })).json();
    const again = await raise({
      name: 'Service down',
      severity: 'critical',
      description: 'still down',
      dedupeKey: 'svc:web01',
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      id: first.id,
      repeatCount: 1,
      severity: 'critical',
      description: 'still down',
    });
    expect(
      (await raise({ name: 'Service down', severity: 'critical', dedupeKey: 'svc:web01' })).json(),
    ).toMatchObject({
      id: first.id,
      repeatCount: 2,
    });
    expect((await list('?state=all')).items.filter((i) => i.dedupeKey === 'svc:web01')).toHaveLength(1);

    expect((await patch(first.id, { resolutionState: 255 })).statusCode).toBe(200);
    const fresh = await raise({ name: 'Service down', severity: 'warning', dedupeKey: 'svc:web01' });
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json().id).not.toBe(first.id);
    expect(fresh.json().repeatCount).toBe(0);
  });

  it('refuses a source that names nothing with 400 on body.sourceObjectId, writing nothing', async () => {
    const before = await counts();
    const res = await raise({ name: 'Ghost', severity: 'warning', sourceObjectId: 'obj_nosuchthing' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([{ path: 'body.sourceObjectId', message: expect.any(String) }]);
    expect(await counts()).toBe(before);
  });

  it.each([
    [{ name: 'No severity' }, 'body.severity'],
    [{ name: 'Bad severity', severity: 'error' }, 'body.severity'],
    [{ name: 'Bad priority', severity: 'warning', priority: 2 }, 'body.priority'],
    [{ severity: 'warning' }, 'body.name'],
    [{ name: 'Extra', severity: 'warning', resolutionState: 255 }, 'body'],
    [{ name: 'Bad custom', severity: 'warning', custom: { '11': 'x' } }, 'body.custom'],
  ])('refuses %j with 400 naming %s, writing nothing', async (body, path) => {
    const before = await counts();
    const res = await raise(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await counts()).toBe(before);
  });
});

describe('updating and closing alerts', () => {
  it('closes an alert with resolution state 255, setting when and by whom, audited as alert.update', async () => {
    const a = (await raise({ name: 'CPU high', severity: 'warning' })).json();
    const res = await patch(a.id, { resolutionState: 255 });
    expect(res.statusCode).toBe(200);
    const closed = res.json();
    expect(closed).toMatchObject({
      resolutionState: 255,
      resolutionStateName: 'Closed',
      resolvedBy: a.lastModifiedBy,
    });
    expect(Date.parse(closed.timeResolved)).toBeGreaterThanOrEqual(Date.parse(a.timeRaised));
    expect((await list('')).items.map((i) => i.id)).not.toContain(a.id);
    expect((await list('?state=closed')).items.map((i) => i.id)).toContain(a.id);
    const audit = await t.database.query<{ kind: string; details: { resolutionState: unknown } }>(
      "SELECT kind, details FROM audit_log WHERE target = $1 AND kind = 'alert.update'",
      [a.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details.resolutionState).toEqual({ from: 0, to: 255 });

    const again = (await patch(a.id, { resolutionState: 255 })).json();
    expect(again.timeResolved).toBe(closed.timeResolved);
  });

  it('sets a custom resolution state, owner, ticket, priority and custom fields, and clears them with null', async () => {
    const a = (
      await raise({ name: 'Queue long', severity: 'information', custom: { '1': 'one', '2': 'two' } })
    ).json();
    const res = await patch(a.id, {
      resolutionState: 3,
      owner: 'alice',
      ticketId: 'INC-42',
      priority: 'high',
      custom: { '2': null, '10': 'ten' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      resolutionState: 3,
      resolutionStateName: 'Custom 3',
      owner: 'alice',
      ticketId: 'INC-42',
      priority: 'high',
      custom: { '1': 'one', '10': 'ten' },
      timeResolved: null,
    });
    expect(res.json().custom).not.toHaveProperty('2');
    const cleared = (await patch(a.id, { owner: null, ticketId: null })).json();
    expect(cleared).toMatchObject({ owner: null, ticketId: null, resolutionState: 3 });
  });

  it('answers a patch that changes nothing with the alert as it is, writing nothing', async () => {
    const a = (await raise({ name: 'Service stopped', severity: 'warning', custom: { '1': 'one' } })).json();
    const owned = (await patch(a.id, { owner: 'alice', ticketId: 'INC-7' })).json();
    const before = await counts();
    const res = await patch(a.id, {
      resolutionState: 0,
      priority: 'medium',
      owner: 'alice',
      ticketId: 'INC-7',
      custom: { '1': 'one', '2': null },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(owned);
    expect((await patch(a.id, { custom: {} })).json()).toEqual(owned);
    expect(await counts()).toBe(before);
  });

  it('audits only the fields that changed: a resolution state repeated beside a new owner is not a resolution change', async () => {
    const a = (await raise({ name: 'Memory low', severity: 'warning' })).json();
    const res = await patch(a.id, { resolutionState: 0, owner: 'bob', priority: 'medium' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ resolutionState: 0, owner: 'bob' });
    const audit = await t.database.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_log WHERE target = $1 AND kind = 'alert.update'",
      [a.id],
    );
    expect(audit.map((r) => r.details)).toEqual([{ changed: ['owner'] }]);
  });

  it('reopens a closed alert, clearing its resolution, unless another open alert holds its dedupe key (409)', async () => {
    const a = (await raise({ name: 'Link down', severity: 'critical', dedupeKey: 'link:1' })).json();
    await patch(a.id, { resolutionState: 255 });
    const reopened = (await patch(a.id, { resolutionState: 0 })).json();
    expect(reopened).toMatchObject({ resolutionState: 0, timeResolved: null, resolvedBy: null });
    await patch(a.id, { resolutionState: 255 });
    const b = (await raise({ name: 'Link down', severity: 'critical', dedupeKey: 'link:1' })).json();
    expect(b.id).not.toBe(a.id);
    const before = await counts();
    const res = await patch(a.id, { resolutionState: 0 });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.issues[0].path).toBe('body.resolutionState');
    expect(await counts()).toBe(before);
  });

  it.each([
    [{}, 'body'],
    [{ resolutionState: 256 }, 'body.resolutionState'],
    [{ resolutionState: -1 }, 'body.resolutionState'],
    [{ resolutionState: 1.5 }, 'body.resolutionState'],
    [{ owner: '' }, 'body.owner'],
    [{ severity: 'critical' }, 'body'],
  ])('refuses the patch %j with 400 naming %s, writing nothing', async (body, path) => {
    const a = (await raise({ name: 'Patch target', severity: 'warning' })).json();
    const before = await counts();
    const res = await patch(a.id, body);
    expect(res.statusCode).toBe(400);
    const paths = res.json().error.issues.map((i: { path: string }) => i.path);
    expect(paths.some((p: string) => p === path || p.startsWith(path))).toBe(true);
    expect(await counts()).toBe(before);
  });

  it('answers 404 for an alert that does not exist', async () => {
    const get = await t.request({ method: 'GET', url: '/api/v1/alerts/alrt_nosuch', token: t.adminToken });
    expect(get.statusCode).toBe(404);
    expect(get.json().error.code).toBe('NOT_FOUND');
    const before = await counts();
    expect((await patch('alrt_nosuch', { resolutionState: 255 })).statusCode).toBe(404);
    expect(await counts()).toBe(before);
  });
});

describe('the service, in process', () => {
  it('closes the open alert of a dedupe key as a system actor, and does nothing when none is open', async () => {
    const service = createAlertsService({ db: t.database.db });
    const { alert, repeated } = await service.raise('system', {
      name: 'Health Service Credentials Not Found',
      severity: 'warning',
      sourceKind: 'steward',
      sourceObjectId: 'cmp_notregistered',
      dedupeKey: 'credentials-not-found:cmp_notregistered:acct_x',
    });
    expect(repeated).toBe(false);
    expect(alert.sourceKind).toBe('steward');
    const resolved = await service.resolveByKey('system', 'credentials-not-found:cmp_notregistered:acct_x');
    expect(resolved).toMatchObject({ id: alert.id, resolutionState: 255, resolvedBy: 'system' });
    expect(resolved?.timeResolved).toBeInstanceOf(Date);
    expect(
      await service.resolveByKey('system', 'credentials-not-found:cmp_notregistered:acct_x'),
    ).toBeUndefined();
  });

  it('keeps one open alert per key when the same key is raised concurrently', async () => {
    const service = createAlertsService({ db: t.database.db });
    const input = {
      name: 'Heartbeat',
      severity: 'critical',
      sourceKind: 'steward',
      dedupeKey: 'hb:1',
    } as const;
    const results = await Promise.all([1, 2, 3, 4].map(() => service.raise('system', input)));
    expect(new Set(results.map((r) => r.alert.id)).size).toBe(1);
    expect((await service.get(results[0]!.alert.id)).repeatCount).toBe(3);
  });
});

describe('listing alerts', () => {
  it('filters by state, severity, priority, source object, workflow and time raised', async () => {
    const service = createAlertsService({ db: t.database.db, now: () => new Date('2030-01-01T00:00:00Z') });
    const { alert: later } = await service.raise('system', {
      name: 'Later',
      severity: 'information',
      priority: 'low',
      sourceKind: 'workflow',
      workflowId: 'Test.Filter.Monitor',
      sourceObjectId: 'obj_filtered',
    });
    const ids = async (q: string) => (await list(q)).items.map((i) => i.id);
    expect(await ids('?severity=information&priority=low')).toContain(later.id);
    expect(await ids('?severity=critical')).not.toContain(later.id);
    expect(await ids('?priority=high')).not.toContain(later.id);
    expect(await ids('?sourceObject=obj_filtered')).toEqual([later.id]);
    expect(await ids('?workflow=Test.Filter.Monitor')).toEqual([later.id]);
    expect(await ids('?since=2029-12-31T23:59:59Z')).toEqual([later.id]);
    expect(await ids('?since=2030-01-01T00:00:01Z')).toEqual([]);
    expect(await ids('?state=closed&sourceObject=obj_filtered')).toEqual([]);
  });

  it('pages newest first with limit and afterId, every alert exactly once', async () => {
    const all = (await list('?state=all&limit=1000')).items.map((i) => i.id);
    expect(all.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(
        `?state=all&limit=2${after ? `&afterId=${after}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      after = page.nextAfterId;
    } while (after);
    expect(seen).toEqual(all);
    const times = (await list('?state=all&limit=1000')).items.map((i) => Date.parse(i.timeRaised as string));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it.each([
    ['?state=new', 'querystring.state'],
    ['?severity=fatal', 'querystring.severity'],
    ['?since=yesterday', 'querystring.since'],
    ['?limit=0', 'querystring.limit'],
    ['?afterId=alrt_nosuch', 'querystring.afterId'],
  ])('refuses %s with 400 naming %s', async (q, path) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/alerts${q}`, token: t.adminToken });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
  });
});

describe('who may do what', () => {
  it('lets every role list and show alerts', async () => {
    const a = (await raise({ name: 'Visible', severity: 'warning' })).json();
    for (const role of roles) {
      const token = await t.tokenFor(role);
      const res = await t.request({ method: 'GET', url: '/api/v1/alerts', token });
      expect(res.statusCode, role).toBe(200);
      expect(
        (await t.request({ method: 'GET', url: `/api/v1/alerts/${a.id}`, token })).statusCode,
        role,
      ).toBe(200);
    }
  });

  it('lets operators and advanced operators raise and close alerts', async () => {
    for (const role of ['operator', 'advanced-operator'] as const) {
      const token = await t.tokenFor(role);
      const res = await raise({ name: `By ${role}`, severity: 'warning' }, token);
      expect(res.statusCode, role).toBe(201);
      const closed = await patch(res.json().id, { resolutionState: 255 }, token);
      expect(closed.statusCode, role).toBe(200);
      expect(closed.json().resolvedBy).toMatch(new RegExp(`^user:${role}-`));
    }
  });

  it('refuses Read-only Operators and Authors raising or updating with 403, writing nothing', async () => {
    const a = (await raise({ name: 'Not yours', severity: 'warning' })).json();
    for (const role of ['read-only-operator', 'author'] as const) {
      const token = await t.tokenFor(role);
      const before = await counts();
      const r = await raise({ name: 'Nope', severity: 'critical' }, token);
      expect(r.statusCode, role).toBe(403);
      expect(r.json().error.code).toBe('FORBIDDEN');
      expect((await patch(a.id, { resolutionState: 255 }, token)).statusCode, role).toBe(403);
      expect(await counts()).toBe(before);
    }
  });

  it('answers 401 without a token on every alert route', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/alerts', undefined],
      ['GET', '/api/v1/alerts/alrt_x', undefined],
      ['POST', '/api/v1/alerts', { name: 'x', severity: 'warning' }],
      ['PATCH', '/api/v1/alerts/alrt_x', { resolutionState: 255 }],
    ] as const) {
      const res = await t.request({ method, url, body });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
  });
});

// Proves the schedule routes: create, show, list, change, link, unlink and delete, each audited, the next run
// computed in the schedule's zone; every bad field refused with a 400 naming it (zone, cron, interval, days,
// times, text with NUL or a lone surrogate, link parameters) changing nothing; operators and read-only
// operators refused every change; a due schedule fires one job per link with the link's values, a schedule
// missed for hours fires once, two servers sharing one database fire a due schedule exactly once, and one that
// came due while the pool's holder was down fires once on the member that took over.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { automationSchedules } from '../../../store/schema.js';

let t: TestApp;
let accountId: string;
let otherAccountId: string;
let runbookId: string;
let secretRunbookId: string;
let draftOnlyId: string;
let foreignRunbookId: string;
let operator: string;
let readOnly: string;

const future = (ms: number) => new Date(Date.now() + ms).toISOString();

function call(method: string, url: string, body?: unknown, token = t.adminToken) {
  return t.request({ method, url, token, body });
}

async function runbook(account: string, name: string, parameters: unknown[], publish = true) {
  const res = await call('POST', `/api/v1/automation-accounts/${account}/runbooks`, {
    name,
    type: 'shell',
    content: 'echo "$AUTOMATION_PARAMETERS"',
    parameters,
  });
  expect(res.statusCode, res.body).toBe(201);
  if (publish) expect((await call('POST', `/api/v1/runbooks/${res.json().id}/publish`)).statusCode).toBe(200);
  return res.json().id as string;
}

async function schedule(body: Record<string, unknown>) {
  const res = await call('POST', `/api/v1/automation-accounts/${accountId}/schedules`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function counts() {
  const [row] = await t.database.query<{ s: string; l: string; a: string }>(
    `SELECT (SELECT count(*) FROM automation_schedules)::text AS s,
            (SELECT count(*) FROM automation_schedule_links)::text AS l,
            (SELECT count(*) FROM audit_log)::text AS a`,
  );
  return row;
}

async function audit(kind: string, target: string) {
  return t.database.query<{ actor: string; details: Record<string, unknown> }>(
    'SELECT actor, details FROM audit_log WHERE kind = $1 AND target = $2 ORDER BY seq',
    [kind, target],
  );
}

/** Makes the schedule due as if its server had been down since `ago` ms. */
async function dueSince(id: string, ago: number) {
  await t.database.db
    .update(automationSchedules)
    .set({ nextRunAt: new Date(Date.now() - ago) })
    .where(eq(automationSchedules.id, id));
}

beforeAll(async () => {
  t = await createTestApp();
  accountId = (await call('POST', '/api/v1/automation-accounts', { name: 'sched-tests' })).json().id;
  otherAccountId = (await call('POST', '/api/v1/automation-accounts', { name: 'sched-other' })).json().id;
  runbookId = await runbook(accountId, 'Report', [
    { name: 'Target', type: 'string', required: true },
    { name: 'Count', type: 'int', default: 1 },
  ]);
  secretRunbookId = await runbook(accountId, 'WithSecret', [{ name: 'Key', type: 'string', secret: true }]);
  draftOnlyId = await runbook(accountId, 'DraftOnly', [], false);
  foreignRunbookId = await runbook(otherAccountId, 'Elsewhere', []);
  operator = await t.tokenFor('operator');
  readOnly = await t.tokenFor('read-only-operator');
});
afterAll(() => t.close());

describe('schedule routes', () => {
  it('creates a daily schedule in Europe/Paris with its next run at the wall-clock time, audited', async () => {
    const s = await schedule({
      name: 'Nightly',
      description: 'every night',
      frequency: 'day',
      startTime: '2025-01-01T02:30:00+01:00',
      timeZone: 'Europe/Paris',
    });
    expect(s).toMatchObject({
      id: expect.stringMatching(/^sch_/),
      name: 'Nightly',
      frequency: 'day',
      interval: 1,
      timeZone: 'Europe/Paris',
      enabled: true,
      links: [],
      lastRunAt: null,
    });
    const next = new Date(s.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', timeStyle: 'short' }).format(next),
    ).toBe('02:30');
    expect(await audit('schedule.create', s.id)).toHaveLength(1);
    expect((await call('GET', `/api/v1/schedules/${s.id}`, undefined, readOnly)).json().id).toBe(s.id);
    const list = await call('GET', `/api/v1/automation-accounts/${accountId}/schedules`, undefined, readOnly);
    expect(list.json().items.map((x: { name: string }) => x.name)).toContain('Nightly');
  });

  it('creates weekly, monthly (first Monday, last day) and cron schedules', async () => {
    const weekly = await schedule({
      name: 'Weekly',
      frequency: 'week',
      weekDays: ['monday', 'friday'],
      startTime: future(60_000),
    });
    expect(['Monday', 'Friday']).toContain(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long' }).format(
        new Date(weekly.nextRunAt),
      ),
    );
    const monthly = await schedule({
      name: 'Monthly',
      frequency: 'month',
      monthDays: [-1],
      monthlyOccurrences: [{ day: 'monday', occurrence: 1 }],
      startTime: future(60_000),
    });
    expect(monthly.nextRunAt).not.toBeNull();
    const cron = await schedule({
      name: 'Cron',
      frequency: 'cron',
      cron: '*/15 * * * *',
      startTime: future(0),
    });
    expect(new Date(cron.nextRunAt).getUTCMinutes() % 15).toBe(0);
  });

  it('disables (no next run), enables and changes the frequency, clearing the old one’s fields', async () => {
    const s = await schedule({
      name: 'Toggle',
      frequency: 'week',
      weekDays: ['monday'],
      startTime: future(0),
    });
    const off = await call('PATCH', `/api/v1/schedules/${s.id}`, { enabled: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ enabled: false, nextRunAt: null });
    const on = await call('PATCH', `/api/v1/schedules/${s.id}`, {
      enabled: true,
      frequency: 'hour',
      interval: 2,
    });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({ enabled: true, frequency: 'hour', interval: 2, weekDays: [] });
    expect(on.json().nextRunAt).not.toBeNull();
    expect(await audit('schedule.update', s.id)).toHaveLength(2);
  });

  it('links a runbook with parameter values (201), replaces them (200), unlinks (204) and deletes, audited', async () => {
    const s = await schedule({ name: 'Linked', frequency: 'hour', startTime: future(60_000) });
    const url = `/api/v1/schedules/${s.id}/links/${runbookId}`;
    const linked = await call('PUT', url, { parameters: { Target: 'db1' } });
    expect(linked.statusCode, linked.body).toBe(201);
    expect(linked.json().links).toEqual([
      expect.objectContaining({
        runbookId,
        runbookName: 'Report',
        parameters: { Target: 'db1' },
        runOn: 'cloud',
      }),
    ]);
    const again = await call('PUT', url, { parameters: { Target: 'db2', Count: 3 } });
    expect(again.statusCode).toBe(200);
    expect(again.json().links[0].parameters).toEqual({ Target: 'db2', Count: 3 });
    expect((await call('DELETE', url)).statusCode).toBe(204);
    expect((await call('DELETE', url)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/schedules/${s.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/schedules/${s.id}`)).statusCode).toBe(404);
    for (const kind of ['schedule.link', 'schedule.unlink', 'schedule.delete'])
      expect(await audit(kind, s.id), kind).not.toHaveLength(0);
  });

  it('goes with its runbook: deleting the runbook removes the link', async () => {
    const rb = await runbook(accountId, 'Doomed', []);
    const s = await schedule({ name: 'LosesLink', frequency: 'hour', startTime: future(60_000) });
    expect((await call('PUT', `/api/v1/schedules/${s.id}/links/${rb}`, {})).statusCode).toBe(201);
    expect((await call('DELETE', `/api/v1/runbooks/${rb}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/schedules/${s.id}`)).json().links).toEqual([]);
  });
});

describe('bad schedule input', () => {
  const base = { name: 'Bad', frequency: 'day', startTime: '2030-01-01T00:00:00Z' };
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown zone', { timeZone: 'Mars/Olympus' }, 'body.timeZone'],
    ['a UTC offset for a zone', { timeZone: '+02:00' }, 'body.timeZone'],
    ['a bad cron expression', { frequency: 'cron', cron: '61 * * * *' }, 'body.cron'],
    ['a cron expression of words', { frequency: 'cron', cron: 'every day at noon' }, 'body.cron'],
    ['cron without an expression', { frequency: 'cron' }, 'body.cron'],
    ['cron on a daily schedule', { cron: '* * * * *' }, 'body.cron'],
    ['an unknown frequency', { frequency: 'yearly' }, 'body.frequency'],
    ['interval 0', { interval: 0 }, 'body.interval'],
    ['an interval on a one-time schedule', { frequency: 'onetime', interval: 3 }, 'body.interval'],
    ['an unknown weekday', { frequency: 'week', weekDays: ['funday'] }, 'body.weekDays[0]'],
    ['weekdays on a daily schedule', { weekDays: ['monday'] }, 'body.weekDays'],
    ['month day 0', { frequency: 'month', monthDays: [0] }, 'body.monthDays[0]'],
    ['month day 32', { frequency: 'month', monthDays: [32] }, 'body.monthDays[0]'],
    [
      'a sixth-to-last occurrence',
      { frequency: 'month', monthlyOccurrences: [{ day: 'monday', occurrence: -2 }] },
      'body.monthlyOccurrences[0].occurrence',
    ],
    ['a start that is not a time', { startTime: 'tomorrow' }, 'body.startTime'],
    ['a start without an offset', { startTime: '2030-01-01T00:00:00' }, 'body.startTime'],
    [
      'a one-time schedule in the past',
      { frequency: 'onetime', startTime: '2020-01-01T00:00:00Z' },
      'body.startTime',
    ],
    ['an expiry before the start', { expiryTime: '2029-01-01T00:00:00Z' }, 'body.expiryTime'],
    [
      'an expiry in the past',
      { startTime: '2020-01-01T00:00:00Z', expiryTime: '2020-02-01T00:00:00Z' },
      'body.expiryTime',
    ],
    ['a name with spaces', { name: 'two words' }, 'body.name'],
    ['a name with NUL', { name: 'a\u0000b' }, 'body.name'],
    ['a description with a lone surrogate', { description: 'x\ud800y' }, 'body.description'],
    ['an unknown field', { every: 'day' }, 'body'],
  ];
  it.each(cases)('refuses %s with a 400 naming the field, changing nothing', async (_what, change, path) => {
    const before = await counts();
    const res = await call('POST', `/api/v1/automation-accounts/${accountId}/schedules`, {
      ...base,
      ...change,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await counts()).toEqual(before);
  });

  it('refuses a bad change with the field named, changing nothing', async () => {
    const s = await schedule({ name: 'Stays', frequency: 'day', startTime: future(60_000) });
    const before = await counts();
    for (const [change, path] of [
      [{ timeZone: 'Nowhere/Town' }, 'body.timeZone'],
      [{ frequency: 'cron', cron: '* * *' }, 'body.cron'],
      [{}, 'body'],
    ] as const) {
      const res = await call('PATCH', `/api/v1/schedules/${s.id}`, change);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.issues[0].path).toBe(path);
    }
    expect(await counts()).toEqual(before);
    expect((await call('GET', `/api/v1/schedules/${s.id}`)).json().timeZone).toBe('UTC');
  });

  it('refuses links that could not start a job, naming what is wrong', async () => {
    const s = await schedule({ name: 'BadLinks', frequency: 'hour', startTime: future(60_000) });
    const link = (rb: string, body: unknown) => call('PUT', `/api/v1/schedules/${s.id}/links/${rb}`, body);
    const before = await counts();
    const cases: [string, unknown, number, string][] = [
      [runbookId, {}, 400, 'body.parameters.Target'],
      [runbookId, { parameters: { Target: 5 } }, 400, 'body.parameters.Target'],
      [runbookId, { parameters: { Target: 'a', Nope: 1 } }, 400, 'body.parameters.Nope'],
      [secretRunbookId, { parameters: { Key: 'hunter2' } }, 400, 'body.parameters.Key'],
      [runbookId, { parameters: { Target: 'a' }, runOn: 'hwg_none' }, 404, 'body.runOn'],
      [runbookId, { parameters: { Target: 'a' }, runOn: 'somewhere' }, 400, 'body.runOn'],
      [runbookId, { parameters: { Target: 'a\u0000' } }, 400, 'body.parameters.Target'],
      [foreignRunbookId, {}, 404, 'params.runbookId'],
    ];
    for (const [rb, body, status, path] of cases) {
      const res = await link(rb, body);
      expect(res.statusCode, `${JSON.stringify(body)} ${res.body}`).toBe(status);
      expect(res.json().error.issues[0].path).toBe(path);
    }
    const unpublished = await link(draftOnlyId, {});
    expect(unpublished.statusCode).toBe(422);
    expect(unpublished.json().error.message).toMatch(/no published version/);
    expect(await counts()).toEqual(before);
  });
});

describe('schedule roles', () => {
  it('refuses operators and read-only operators every change, and lets them read', async () => {
    const s = await schedule({ name: 'Guarded', frequency: 'hour', startTime: future(60_000) });
    const before = await counts();
    for (const token of [operator, readOnly]) {
      const attempts = [
        call('POST', `/api/v1/automation-accounts/${accountId}/schedules`, { ...s, id: undefined }, token),
        call('PATCH', `/api/v1/schedules/${s.id}`, { enabled: false }, token),
        call('DELETE', `/api/v1/schedules/${s.id}`, undefined, token),
        call('PUT', `/api/v1/schedules/${s.id}/links/${runbookId}`, { parameters: { Target: 'x' } }, token),
        call('DELETE', `/api/v1/schedules/${s.id}/links/${runbookId}`, undefined, token),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
      }
      expect((await call('GET', `/api/v1/schedules/${s.id}`, undefined, token)).statusCode).toBe(200);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('firing', () => {
  it('starts one job per link with its values, once, even when the schedule was missed for hours', async () => {
    const s = await schedule({ name: 'Fires', frequency: 'hour', startTime: '2025-01-01T00:00:00Z' });
    expect(
      (await call('PUT', `/api/v1/schedules/${s.id}/links/${runbookId}`, { parameters: { Target: 'web' } }))
        .statusCode,
    ).toBe(201);
    const other = await runbook(accountId, 'Second', []);
    expect((await call('PUT', `/api/v1/schedules/${s.id}/links/${other}`, {})).statusCode).toBe(201);
    await dueSince(s.id, 5 * 3_600_000 + 60_000);
    const fired = await t.app.automation.schedules.fireDue();
    const mine = fired.filter((f) => f.scheduleId === s.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.links).toHaveLength(2);
    expect(await t.app.automation.schedules.fireDue()).toEqual([]);

    const jobs = (await call('GET', `/api/v1/jobs?account=${accountId}`))
      .json()
      .items.filter((j: { startedBy: string }) => j.startedBy === `schedule:${s.id}`);
    expect(jobs).toHaveLength(2);
    expect(jobs.find((j: { runbookId: string }) => j.runbookId === runbookId)).toMatchObject({
      source: 'schedule',
      parameters: { Target: 'web', Count: 1 },
      status: 'Queued',
    });
    const after = (await call('GET', `/api/v1/schedules/${s.id}`)).json();
    expect(new Date(after.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(after.nextRunAt).getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(after.lastRunAt).not.toBeNull();
    const [record] = await audit('schedule.fire', s.id);
    expect(record).toMatchObject({ actor: `schedule:${s.id}`, details: { late: true } });
  });

  it('records a link that cannot start (its runbook now needs a parameter) and still starts the others', async () => {
    const rb = await runbook(accountId, 'Changes', []);
    const s = await schedule({ name: 'HalfFires', frequency: 'day', startTime: '2025-01-01T00:00:00Z' });
    await call('PUT', `/api/v1/schedules/${s.id}/links/${rb}`, {});
    await call('PUT', `/api/v1/schedules/${s.id}/links/${runbookId}`, { parameters: { Target: 't' } });
    await call('PUT', `/api/v1/runbooks/${rb}/draft`, {
      content: 'echo',
      parameters: [{ name: 'Needed', type: 'string', required: true }],
    });
    await call('POST', `/api/v1/runbooks/${rb}/publish`);
    await dueSince(s.id, 1000);
    const [fired] = (await t.app.automation.schedules.fireDue()).filter((f) => f.scheduleId === s.id);
    expect(fired!.links).toEqual(
      expect.arrayContaining([
        { runbookId: rb, error: expect.stringMatching(/Needed/) },
        { runbookId, jobId: expect.stringMatching(/^job_/) },
      ]),
    );
  });

  it('does not fire a disabled schedule', async () => {
    const s = await schedule({ name: 'Quiet', frequency: 'hour', startTime: future(0), enabled: false });
    await dueSince(s.id, 1000);
    expect((await t.app.automation.schedules.fireDue()).map((f) => f.scheduleId)).not.toContain(s.id);
  });

  it('fires a due schedule exactly once with two servers sharing the database', async () => {
    const t2 = await createTestApp({ sameGroupAs: t });
    try {
      const s = await schedule({ name: 'Shared', frequency: 'hour', startTime: '2025-01-01T00:00:00Z' });
      await call('PUT', `/api/v1/schedules/${s.id}/links/${runbookId}`, { parameters: { Target: 'both' } });
      await dueSince(s.id, 10_000);
      // Both look at once, past the Automation Pool's lease: the claim alone keeps the firing single.
      const [a, b] = await Promise.all([
        t.app.automation.schedules.fireDue(),
        t2.app.automation.schedules.fireDue(),
      ]);
      const firings = [...a, ...b].filter((f) => f.scheduleId === s.id);
      expect(firings).toHaveLength(1);
      // And through the runtime: only the Automation Pool's holder fires.
      await dueSince(s.id, 10_000);
      await Promise.all([t.app.runtime.leases.renew(), t2.app.runtime.leases.renew()]);
      await Promise.all([t.app.runtime.runJobs(), t2.app.runtime.runJobs()]);
      const jobs = (await call('GET', `/api/v1/jobs?account=${accountId}&limit=1000`))
        .json()
        .items.filter((j: { startedBy: string }) => j.startedBy === `schedule:${s.id}`);
      expect(jobs).toHaveLength(2);
      expect(await audit('schedule.fire', s.id)).toHaveLength(2);
    } finally {
      await t2.app.runtime.stop();
      await t.app.runtime.stop();
      await t2.close();
    }
  });

  it('fires a schedule that came due while the server holding the pool was down on another member, once', async () => {
    const survivor = await createTestApp({ sameGroupAs: t });
    try {
      const s = await schedule({ name: 'Outlives', frequency: 'hour', startTime: '2025-01-01T00:00:00Z' });
      await call('PUT', `/api/v1/schedules/${s.id}/links/${runbookId}`, {
        parameters: { Target: 'survivor' },
      });
      // The holder of the Automation Pool stops; the schedule comes due while it is gone.
      await t.app.runtime.leases.renew();
      await t.app.runtime.stop();
      await dueSince(s.id, 10_000);
      await survivor.app.runtime.leases.renew();
      await survivor.app.runtime.runJobs();
      await survivor.app.runtime.runJobs();
      const jobs = (await call('GET', `/api/v1/jobs?account=${accountId}&limit=1000`))
        .json()
        .items.filter((j: { startedBy: string }) => j.startedBy === `schedule:${s.id}`);
      expect(jobs).toHaveLength(1);
      expect(jobs[0].parameters).toMatchObject({ Target: 'survivor' });
      expect(await audit('schedule.fire', s.id)).toHaveLength(1);
    } finally {
      await survivor.app.runtime.stop();
      await survivor.close();
    }
  });
});

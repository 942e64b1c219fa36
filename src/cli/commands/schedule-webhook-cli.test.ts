// Proves `steward schedule` and `steward webhook` in process against a listening app: a weekly schedule made
// on the wall clock of its zone, a runbook linked with typed --param values, shown as a table and as --json,
// unlinked and deleted; a webhook whose URL is printed once and works, never shown by list or show, disabled
// and deleted; and a bad flag refused before any request.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli-in-process.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let t: TestApp;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'steward-schedule-cli-'));
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const account = await t.request({
    method: 'POST',
    url: '/api/v1/automation-accounts',
    token: t.adminToken,
    body: { name: 'cli-sched' },
  });
  const rb = await t.request({
    method: 'POST',
    url: `/api/v1/automation-accounts/${account.json().id}/runbooks`,
    token: t.adminToken,
    body: {
      name: 'Backup',
      type: 'shell',
      content: 'echo backup',
      parameters: [
        { name: 'Target', type: 'string', required: true },
        { name: 'Days', type: 'int', default: 7 },
        { name: 'WebhookData', type: 'object' },
      ],
    },
  });
  await t.request({ method: 'POST', url: `/api/v1/runbooks/${rb.json().id}/publish`, token: t.adminToken });
});
afterAll(() => t.close());

const steward = (args: string[]) =>
  runCliInProcess(args, { STEWARD_URL: url, STEWARD_TOKEN: t.adminToken, HOME: dir });

describe('steward schedule', () => {
  it('creates a weekly schedule on the zone’s clock, links a runbook with typed values, unlinks and deletes', async () => {
    const created = await steward([
      'schedule',
      'create',
      'Weekly-Backup',
      '--account',
      'cli-sched',
      '--frequency',
      'week',
      '--week-days',
      'mon,fri',
      '--start',
      '2030-01-07T09:00',
      '--time-zone',
      'Europe/Paris',
    ]);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(
      /Created schedule Weekly-Backup \(sch_\w+\), every week on monday, friday; next run 2030-01-07T08:00:00.000Z/,
    );

    const linked = await steward([
      'schedule',
      'link',
      'Weekly-Backup',
      'Backup',
      '--account',
      'cli-sched',
      '--param',
      'Target=db01',
      '--param',
      'Days=30',
    ]);
    expect(linked.code, linked.err).toBe(0);
    const shown = JSON.parse(
      (await steward(['--json', 'schedule', 'show', 'Weekly-Backup', '--account', 'cli-sched'])).out,
    );
    expect(shown.links[0]).toMatchObject({ runbookName: 'Backup', parameters: { Target: 'db01', Days: 30 } });
    const table = await steward(['schedule', 'list', '--account', 'cli-sched']);
    expect(table.out).toMatch(
      /Weekly-Backup\s+every week on monday, friday\s+Europe\/Paris\s+yes\s+2030-01-07T08:00:00Z\s+Backup/,
    );

    const disabled = await steward(['schedule', 'update', shown.id, '--disable']);
    expect(disabled.out).toMatch(/next run none/);
    expect((await steward(['schedule', 'unlink', shown.id, 'Backup'])).code).toBe(0);
    expect((await steward(['schedule', 'delete', shown.id])).out).toMatch(/Deleted schedule Weekly-Backup/);
  });

  it('prints the API’s refusal naming the field, and refuses a bad flag before any request', async () => {
    const badZone = await steward([
      'schedule',
      'create',
      'Bad',
      '--account',
      'cli-sched',
      '--frequency',
      'day',
      '--time-zone',
      'Europe/Nowhere',
      '--start',
      '2030-01-01T00:00:00Z',
    ]);
    expect(badZone.code).not.toBe(0);
    expect(badZone.err).toMatch(/timeZone/);
    const badDay = await steward([
      'schedule',
      'create',
      'Bad',
      '--account',
      'cli-sched',
      '--frequency',
      'week',
      '--week-days',
      'funday',
    ]);
    expect(badDay.code).not.toBe(0);
    expect(badDay.err).toMatch(/not a day of the week/);
  });
});

describe('steward webhook', () => {
  it('prints the URL once; list and show never do; the URL starts the runbook; disable and delete', async () => {
    const created = await steward([
      'webhook',
      'create',
      'OnPush',
      '--account',
      'cli-sched',
      '--runbook',
      'Backup',
      '--param',
      'Target=web',
    ]);
    expect(created.code, created.err).toBe(0);
    const hookUrl = /URL: (\S+)/.exec(created.out)?.[1];
    expect(hookUrl).toMatch(/\/webhooks\/[A-Za-z0-9_-]{43}$/);
    expect(created.err).toMatch(/never shown again/);
    const token = hookUrl!.split('/').at(-1)!;
    const list = await steward(['webhook', 'list', '--account', 'cli-sched']);
    expect(list.out).toMatch(/OnPush\s+Backup\s+enabled/);
    const show = await steward(['--json', 'webhook', 'show', 'OnPush', '--account', 'cli-sched']);
    for (const text of [list.out, show.out]) expect(text).not.toContain(token);

    const res = await fetch(hookUrl!, { method: 'POST', body: '{"ref":"main"}' });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { jobIds: string[] }).jobIds).toHaveLength(1);

    expect(
      (await steward(['webhook', 'update', 'OnPush', '--account', 'cli-sched', '--disable'])).out,
    ).toMatch(/disabled/);
    expect((await fetch(hookUrl!, { method: 'POST' })).status).toBe(404);
    expect((await steward(['webhook', 'delete', 'OnPush', '--account', 'cli-sched'])).code).toBe(0);
  });
});

// Proves webhooks: the token is shown once at creation and never again (not in list, show, audit records, log
// lines or any column — only its SHA-256 is kept); a POST to its URL with no bearer token gets 202 and starts
// a job whose WebhookData carries the body, the name and the headers without credentials, and the job runs;
// a wrong, disabled or expired token is the same 404; bodies over 512 KiB are 413; the account's start rate
// gives 429; every call is audited by webhook id; creation refuses a runbook whose required parameters it
// cannot fill, bad expiries and bad text, naming the field; operators and read-only operators cannot manage.
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { automationWebhooks } from '../../../store/schema.js';

const logLines: string[] = [];
let t: TestApp;
let accountId: string;
let hookedRunbook: string;
let plainRunbook: string;
let operator: string;
let readOnly: string;

function call(method: string, url: string, body?: unknown, token = t.adminToken) {
  return t.request({ method, url, token, body });
}

async function runbook(
  account: string,
  name: string,
  content: string,
  parameters: unknown[],
  publish = true,
) {
  const res = await call('POST', `/api/v1/automation-accounts/${account}/runbooks`, {
    name,
    type: 'shell',
    content,
    parameters,
  });
  expect(res.statusCode, res.body).toBe(201);
  if (publish) expect((await call('POST', `/api/v1/runbooks/${res.json().id}/publish`)).statusCode).toBe(200);
  return res.json().id as string;
}

async function webhook(body: Record<string, unknown>, account = accountId) {
  const res = await call('POST', `/api/v1/automation-accounts/${account}/webhooks`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; token: string; url: string; [k: string]: unknown };
}

const hit = (token: string, payload: string | object = '{}', headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: `/webhooks/${token}`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

async function finished(jobId: string) {
  const until = Date.now() + 20_000;
  for (;;) {
    await t.app.runtime.runJobs();
    const job = (await call('GET', `/api/v1/jobs/${jobId}`)).json();
    if (['Completed', 'Failed', 'Stopped'].includes(job.status)) return job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function counts() {
  const [row] = await t.database.query<{ w: string; j: string; a: string }>(
    `SELECT (SELECT count(*) FROM automation_webhooks)::text AS w,
            (SELECT count(*) FROM automation_jobs)::text AS j,
            (SELECT count(*) FROM audit_log)::text AS a`,
  );
  return row;
}

beforeAll(async () => {
  t = await createTestApp({ logLines });
  await t.app.runtime.leases.renew();
  accountId = (await call('POST', '/api/v1/automation-accounts', { name: 'hook-tests' })).json().id;
  hookedRunbook = await runbook(accountId, 'OnHook', 'echo "data: $PARAM_WebhookData"', [
    { name: 'WebhookData', type: 'object' },
    { name: 'Region', type: 'string', required: true },
  ]);
  plainRunbook = await runbook(accountId, 'Plain', 'echo plain', []);
  operator = await t.tokenFor('operator');
  readOnly = await t.tokenFor('read-only-operator');
});
afterAll(async () => {
  await t.app.runtime.stop();
  await t.close();
});

describe('webhook calls', () => {
  it('shows the token once, keeps only its hash, and never shows, audits or logs it again', async () => {
    const w = await webhook({ name: 'Deploy', runbookId: hookedRunbook, parameters: { Region: 'eu' } });
    expect(w.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(w.url).toMatch(new RegExp(`^http://[^/]+/webhooks/${w.token}$`));
    expect(w).toMatchObject({ id: expect.stringMatching(/^wh_/), enabled: true, expired: false });
    const days = (new Date(w.expiresAt as string).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);

    expect((await hit(w.token, { ref: 'main' })).statusCode).toBe(202);
    const shown = [
      (await call('GET', `/api/v1/webhooks/${w.id}`, undefined, readOnly)).body,
      (await call('GET', `/api/v1/automation-accounts/${accountId}/webhooks`, undefined, readOnly)).body,
    ];
    for (const body of shown) {
      expect(body).toContain(w.id);
      expect(body).not.toContain(w.token);
    }
    const [row] = await t.database.db
      .select()
      .from(automationWebhooks)
      .where(eq(automationWebhooks.id, w.id));
    expect(row!.tokenHash).toBe(createHash('sha256').update(w.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(w.token);
    const audit = await t.database.query<{ row: string }>(
      'SELECT row_to_json(a)::text AS row FROM audit_log a',
    );
    expect(audit.some((r) => r.row.includes(w.id))).toBe(true);
    expect(audit.some((r) => r.row.includes(w.token))).toBe(false);
    const jobs = await t.database.query<{ row: string }>(
      'SELECT row_to_json(j)::text AS row FROM automation_jobs j',
    );
    expect(jobs.some((r) => r.row.includes(w.token))).toBe(false);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes(w.token))).toEqual([]);
    expect(logLines.some((l) => l.includes('/webhooks/[hidden]'))).toBe(true);
  });

  it('answers 202 with the job id to a call with no bearer token; the job gets the body, name and headers', async () => {
    const w = await webhook({ name: 'Build', runbookId: hookedRunbook, parameters: { Region: 'us' } });
    const body = JSON.stringify({ commit: 'abc123', files: ['a.txt'] });
    const res = await hit(w.token, body, {
      'x-github-event': 'push',
      authorization: 'Bearer caller-secret',
      cookie: 'session=caller-cookie',
    });
    expect(res.statusCode, res.body).toBe(202);
    const { jobIds } = res.json();
    expect(jobIds).toHaveLength(1);
    const job = (await call('GET', `/api/v1/jobs/${jobIds[0]}`)).json();
    expect(job).toMatchObject({
      runbookId: hookedRunbook,
      source: 'webhook',
      startedBy: `webhook:${w.id}`,
      parameters: {
        Region: 'us',
        WebhookData: {
          WebhookName: 'Build',
          RequestBody: body,
          RequestHeader: expect.objectContaining({
            'x-github-event': 'push',
            'content-type': 'application/json',
          }),
        },
      },
    });
    const headers = job.parameters.WebhookData.RequestHeader;
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('cookie');
    expect(JSON.stringify(job)).not.toMatch(/caller-secret|caller-cookie/);
    const done = await finished(jobIds[0]);
    expect(done.status, done.exception).toBe('Completed');
    const out = (await call('GET', `/api/v1/jobs/${jobIds[0]}/streams`)).json().items;
    expect(out[0].text).toContain('abc123');
    const [last] = await t.database.query<{ details: { outcome: string; jobIds: string[] } }>(
      `SELECT details FROM audit_log WHERE kind = 'webhook.call' AND target = $1 ORDER BY seq DESC LIMIT 1`,
      [w.id],
    );
    expect(last!.details).toMatchObject({ outcome: 'started', jobIds });
    expect((await call('GET', `/api/v1/webhooks/${w.id}`)).json().lastInvokedAt).not.toBeNull();
  });

  it('takes any content type as the body, and a runbook without WebhookData just starts', async () => {
    const w = await webhook({ name: 'PlainHook', runbookId: plainRunbook });
    const res = await t.app.inject({
      method: 'POST',
      url: `/webhooks/${w.token}`,
      headers: { 'content-type': 'text/plain' },
      payload: 'hello there',
    });
    expect(res.statusCode, res.body).toBe(202);
    const job = (await call('GET', `/api/v1/jobs/${res.json().jobIds[0]}`)).json();
    expect(job.parameters).toEqual({});
    expect((await t.app.inject({ method: 'POST', url: `/webhooks/${w.token}` })).statusCode).toBe(202);
  });

  it('answers the same 404 to a wrong, a disabled and an expired token, auditing the known ones', async () => {
    const w = await webhook({ name: 'Gone', runbookId: plainRunbook });
    const wrong = await hit(`${w.token.slice(0, -1)}${w.token.endsWith('A') ? 'B' : 'A'}`);
    expect(wrong.statusCode).toBe(404);
    expect((await hit('x'.repeat(99))).statusCode).toBe(404);
    expect((await call('PATCH', `/api/v1/webhooks/${w.id}`, { enabled: false })).statusCode).toBe(200);
    const disabled = await hit(w.token);
    expect(disabled.statusCode).toBe(404);
    expect((await call('PATCH', `/api/v1/webhooks/${w.id}`, { enabled: true })).statusCode).toBe(200);
    expect((await hit(w.token)).statusCode).toBe(202);
    await t.database.db
      .update(automationWebhooks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(automationWebhooks.id, w.id));
    const expired = await hit(w.token);
    expect(expired.statusCode).toBe(404);
    expect((await call('GET', `/api/v1/webhooks/${w.id}`)).json().expired).toBe(true);
    const messages = [wrong, disabled, expired].map((r) => r.json().error.message);
    expect(new Set(messages).size).toBe(1);
    const outcomes = await t.database.query<{ outcome: string }>(
      `SELECT details->>'outcome' AS outcome FROM audit_log WHERE kind = 'webhook.call' AND target = $1 ORDER BY seq`,
      [w.id],
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['disabled', 'started', 'expired']);
    expect((await call('DELETE', `/api/v1/webhooks/${w.id}`)).statusCode).toBe(204);
    expect((await hit(w.token)).statusCode).toBe(404);
  });

  it('refuses a body over 512 KiB with 413 and starts nothing', async () => {
    const w = await webhook({ name: 'Big', runbookId: hookedRunbook, parameters: { Region: 'eu' } });
    const before = await counts();
    const res = await hit(w.token, 'x'.repeat(512 * 1024 + 1), { 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(413);
    expect(await counts()).toEqual(before);
    expect(
      (await hit(w.token, 'x'.repeat(512 * 1024 - 100), { 'content-type': 'text/plain' })).statusCode,
    ).toBe(202);
  });

  it('passes on the account’s start rate as 429 with Retry-After', async () => {
    const limited = (
      await call('POST', '/api/v1/automation-accounts', {
        name: 'hook-limited',
        limits: { maxNewJobsPer30s: 1 },
      })
    ).json().id;
    const rb = await runbook(limited, 'Once', 'echo', []);
    const w = await webhook({ name: 'Limited', runbookId: rb }, limited);
    expect((await hit(w.token)).statusCode).toBe(202);
    const res = await hit(w.token);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('30');
  });
});

describe('webhook management', () => {
  it('refuses what could not start a job or is badly formed, naming the field, changing nothing', async () => {
    const other = (await call('POST', '/api/v1/automation-accounts', { name: 'hook-other' })).json().id;
    const foreign = await runbook(other, 'Foreign', 'echo', []);
    const draft = await runbook(accountId, 'Draft', 'echo', [], false);
    const before = await counts();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ runbookId: hookedRunbook }, 400, 'body.parameters.Region'],
      [
        { runbookId: hookedRunbook, parameters: { Region: 'eu', WebhookData: {} } },
        400,
        'body.parameters.WebhookData',
      ],
      [{ runbookId: hookedRunbook, parameters: { Region: 7 } }, 400, 'body.parameters.Region'],
      [{ runbookId: foreign }, 404, 'body.runbookId'],
      [{ runbookId: plainRunbook, expiresAt: '2020-01-01T00:00:00Z' }, 400, 'body.expiresAt'],
      [
        { runbookId: plainRunbook, expiresAt: new Date(Date.now() + 11 * 366 * 86_400_000).toISOString() },
        400,
        'body.expiresAt',
      ],
      [{ runbookId: plainRunbook, expiresAt: 'next year' }, 400, 'body.expiresAt'],
      [{ runbookId: plainRunbook, runOn: 'hwg_nothere' }, 404, 'body.runOn'],
      [{ runbookId: plainRunbook, name: 'a\u0000b' }, 400, 'body.name'],
      [{ runbookId: plainRunbook, description: '\udc00' }, 400, 'body.description'],
      [{ runbookId: plainRunbook, token: 'mine' }, 400, 'body'],
    ];
    for (const [body, status, path] of cases) {
      const res = await call('POST', `/api/v1/automation-accounts/${accountId}/webhooks`, {
        name: 'Nope',
        ...body,
      });
      expect(res.statusCode, `${JSON.stringify(body)} ${res.body}`).toBe(status);
      expect(res.json().error.issues[0].path).toBe(path);
    }
    const unpublished = await call('POST', `/api/v1/automation-accounts/${accountId}/webhooks`, {
      name: 'Nope',
      runbookId: draft,
    });
    expect(unpublished.statusCode).toBe(422);
    expect(await counts()).toEqual(before);
  });

  it('refuses a second webhook of the same name, and changes name, expiry and parameters', async () => {
    const w = await webhook({ name: 'Twice', runbookId: plainRunbook });
    const dup = await call('POST', `/api/v1/automation-accounts/${accountId}/webhooks`, {
      name: 'Twice',
      runbookId: plainRunbook,
    });
    expect(dup.statusCode).toBe(409);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await call('PATCH', `/api/v1/webhooks/${w.id}`, { name: 'Renamed', expiresAt });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Renamed', expiresAt });
    expect(res.body).not.toContain(w.token);
    const bad = await call('PATCH', `/api/v1/webhooks/${w.id}`, { parameters: { Extra: 1 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('body.parameters.Extra');
  });

  it('refuses operators and read-only operators every change, and lets them read', async () => {
    const w = await webhook({ name: 'Guarded', runbookId: plainRunbook });
    const before = await counts();
    for (const token of [operator, readOnly]) {
      for (const res of await Promise.all([
        call(
          'POST',
          `/api/v1/automation-accounts/${accountId}/webhooks`,
          { name: 'Mine', runbookId: plainRunbook },
          token,
        ),
        call('PATCH', `/api/v1/webhooks/${w.id}`, { enabled: false }, token),
        call('DELETE', `/api/v1/webhooks/${w.id}`, undefined, token),
      ])) {
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
      }
      expect((await call('GET', `/api/v1/webhooks/${w.id}`, undefined, token)).statusCode).toBe(200);
    }
    expect(await counts()).toEqual(before);
  });

  it('goes with its runbook and its account', async () => {
    const acct = (await call('POST', '/api/v1/automation-accounts', { name: 'hook-doomed' })).json().id;
    const rb = await runbook(acct, 'Doomed', 'echo', []);
    const w1 = await webhook({ name: 'One', runbookId: rb }, acct);
    expect((await call('DELETE', `/api/v1/runbooks/${rb}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/webhooks/${w1.id}`)).statusCode).toBe(404);
    const rb2 = await runbook(acct, 'Doomed2', 'echo', []);
    const w2 = await webhook({ name: 'Two', runbookId: rb2 }, acct);
    expect((await call('DELETE', `/api/v1/automation-accounts/${acct}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/webhooks/${w2.id}`)).statusCode).toBe(404);
    expect((await hit(w2.token)).statusCode).toBe(404);
  });
});

// Proves cloud jobs in process, with real child processes: shell, python and node runbooks run on the Automation
// Pool's holder with their parameters; their streams (output, error, warning, verbose, progress) are kept in order,
// time-stamped, and followed by long poll; a failure keeps its exit code and error lines; a job reads a credential
// asset through its job-local endpoint (and no asset of another account) and that password reaches no response,
// audit record or other job; secret parameters are never shown (nor kept once a job that never ran is stopped); stop
// ends a running job; the account’s limits hold (running jobs, start rate, fair share of run time); job starts and
// stops are audited with parameter names only; a job whose server died is started again, three times at most; and
// every refusal names the field.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { findOnPath } from '../../../automation/job-process.js';

const PASSWORD = 'Jobs-Cr3dential!pw';
const SECRET_PARAM = 'param-secret-Zq81';

let t: TestApp;
let accountId: string;
beforeAll(async () => {
  t = await createTestApp();
  accountId = (await call('POST', '/api/v1/automation-accounts', { name: 'jobs-tests' })).json().id;
  await t.app.runtime.leases.renew();
});
afterAll(async () => {
  await t.app.runtime.stop();
  await t.close();
});

function call(method: string, url: string, body?: unknown, token = t.adminToken) {
  return t.request({ method, url, token, body });
}

async function runbook(
  name: string,
  type: string,
  content: string,
  parameters: unknown[] = [],
  account = accountId,
): Promise<string> {
  const res = await call('POST', `/api/v1/automation-accounts/${account}/runbooks`, {
    name,
    type,
    content,
    parameters,
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  expect((await call('POST', `/api/v1/runbooks/${id}/publish`)).statusCode).toBe(200);
  return id;
}

async function start(runbookId: string, body: Record<string, unknown> = {}) {
  const res = await call('POST', `/api/v1/runbooks/${runbookId}/jobs`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; status: string };
}

/** Rounds of the Automation Pool until the job ends. */
async function finished(jobId: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await t.app.runtime.runJobs();
    const job = (await call('GET', `/api/v1/jobs/${jobId}`)).json();
    if (['Completed', 'Failed', 'Stopped'].includes(job.status)) return job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function streams(jobId: string) {
  const res = await call('GET', `/api/v1/jobs/${jobId}/streams?limit=5000`);
  expect(res.statusCode).toBe(200);
  return res.json().items as { seq: number; stream: string; text: string }[];
}

describe('cloud jobs', () => {
  it('runs a shell runbook with its parameters: output, error, warning and verbose records in order; Completed, exit 0', async () => {
    const rb = await runbook(
      'Hello-Shell',
      'shell',
      [
        'echo "hello $PARAM_Name, $PARAM_Count times"',
        'echo "WARNING: disk at 91%" >&2',
        'echo "VERBOSE: checked 3 volumes" >&2',
        'echo "PROGRESS: 2 of 3 volumes" >&2',
        'echo "an error line" >&2',
        'echo "params: $AUTOMATION_PARAMETERS"',
        'echo "steward vars: $(env | grep -c ^STEWARD_)"',
      ].join('\n'),
      [
        { name: 'Name', type: 'string', required: true },
        { name: 'Count', type: 'int', required: false, default: 2 },
      ],
    );
    const job = await start(rb, { parameters: { name: 'world' } });
    expect(job.status).toBe('Queued');
    const done = await finished(job.id);
    expect(done).toMatchObject({
      status: 'Completed',
      exitCode: 0,
      runbookVersion: '1',
      parameters: { Name: 'world', Count: 2 },
      startedBy: expect.stringMatching(/^user:/),
    });
    const records = await streams(job.id);
    const output = records.filter((r) => r.stream === 'output').map((r) => r.text);
    expect(output).toEqual([
      'hello world, 2 times',
      'params: {"Name":"world","Count":2}',
      // The job sees none of the server's STEWARD_ settings.
      'steward vars: 0',
    ]);
    expect(records.find((r) => r.stream === 'warning')?.text).toBe('disk at 91%');
    expect(records.find((r) => r.stream === 'verbose')?.text).toBe('checked 3 volumes');
    expect(records.find((r) => r.stream === 'progress')?.text).toBe('2 of 3 volumes');
    // Each record carries the time it was written.
    expect(records.every((r) => Number.isFinite(Date.parse((r as { at?: string }).at ?? '')))).toBe(true);
    expect(records.find((r) => r.stream === 'error')?.text).toBe('an error line');
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
  });

  it.each([
    [
      'python',
      'python3',
      'import os, json\nprint("py", json.loads(os.environ["AUTOMATION_PARAMETERS"])["N"] * 2)',
    ],
    ['node', 'node', 'console.log("node", JSON.parse(process.env.AUTOMATION_PARAMETERS).N * 2)'],
  ])('runs a %s runbook', async (type, command, content) => {
    if (type === 'python') expect(findOnPath(command), 'python3 is on this machine').toBeDefined();
    const rb = await runbook(`Double-${type}`, type, content, [{ name: 'N', type: 'int', required: true }]);
    const done = await finished((await start(rb, { parameters: { N: 21 } })).id);
    expect(done.status, JSON.stringify(done)).toBe('Completed');
    expect((await streams(done.id)).map((r) => r.text)).toEqual([`${type === 'python' ? 'py' : 'node'} 42`]);
  });

  it('a failing runbook is Failed with its exit code and last error lines as the exception', async () => {
    const rb = await runbook('Fails', 'shell', 'echo working\necho "cannot reach db01" >&2\nexit 3');
    const done = await finished((await start(rb)).id);
    expect(done).toMatchObject({ status: 'Failed', exitCode: 3, exception: 'cannot reach db01' });
  });

  it('a powershell runbook fails saying pwsh is not installed, where it is not', async () => {
    const rb = await runbook('Posh', 'powershell', 'Write-Output "hi"');
    const done = await finished((await start(rb)).id);
    if (findOnPath('pwsh')) expect(done.status).toBe('Completed');
    else expect(done).toMatchObject({ status: 'Failed', exception: expect.stringContaining('pwsh') });
  });

  it('a job reads its account credential through the job endpoint; the password reaches no response, audit record or other job', async () => {
    const put = await call('PUT', `/api/v1/automation-accounts/${accountId}/credentials/SqlAdmin`, {
      userName: 'CONTOSO\\sqladmin',
      password: PASSWORD,
    });
    expect(put.statusCode, put.body).toBe(201);
    const rb = await runbook(
      'Read-Credential',
      'shell',
      [
        'cred=$(steward asset get credential SqlAdmin)',
        'echo "$cred" | python3 -c "import sys,json,hashlib; c=json.load(sys.stdin); print(c[\'userName\']); print(hashlib.sha256(c[\'password\'].encode()).hexdigest())"',
        'steward asset get variable Missing || echo "missing: $?"',
      ].join('\n'),
    );
    const other = await runbook('Other-Job', 'shell', 'env; echo done');
    const done = await finished((await start(rb)).id);
    expect(done.status, JSON.stringify(await streams(done.id))).toBe('Completed');
    const out = (await streams(done.id)).filter((r) => r.stream === 'output').map((r) => r.text);
    expect(out[0]).toBe('CONTOSO\\sqladmin');
    expect(out[1]).toBe(createHash('sha256').update(PASSWORD).digest('hex'));
    expect(out[2]).toMatch(/^missing: [1-9]/);
    const otherDone = await finished((await start(other)).id);
    const everything = [
      JSON.stringify(await streams(done.id)),
      JSON.stringify(await streams(otherDone.id)),
      (await call('GET', '/api/v1/audit?limit=1000')).body,
      (await call('GET', `/api/v1/jobs?account=${accountId}`)).body,
    ].join('\n');
    expect(everything).not.toContain(PASSWORD);
    // The read is audited with the job.
    const audit = (await call('GET', '/api/v1/audit?limit=1000')).json().items as {
      kind: string;
      actor: string;
      details: { jobId?: string };
    }[];
    expect(audit.find((a) => a.kind === 'asset.read' && a.details.jobId === done.id)?.actor).toBe(
      `job:${done.id}`,
    );
  });

  it('a job reads only its own account’s assets, not a credential of another account', async () => {
    const neighbour = (await call('POST', '/api/v1/automation-accounts', { name: 'neighbour' })).json().id;
    const put = await call('PUT', `/api/v1/automation-accounts/${neighbour}/credentials/NeighbourCred`, {
      userName: 'CONTOSO\\other',
      password: `${PASSWORD}-neighbour`,
    });
    expect(put.statusCode, put.body).toBe(201);
    const rb = await runbook(
      'Peek-Next-Door',
      'shell',
      'steward asset get credential NeighbourCred && echo "read it" || echo "refused: $?"',
    );
    const done = await finished((await start(rb)).id);
    const records = await streams(done.id);
    expect(records.filter((r) => r.stream === 'output').map((r) => r.text)).toEqual([
      expect.stringMatching(/^refused: [1-9]/),
    ]);
    // Refused by the endpoint as an asset its account does not have, not for want of a `steward` to ask.
    expect(records.find((r) => r.stream === 'error')?.text).toBe(
      `error NOT_FOUND: Credential 'NeighbourCred' was not found in automation account '${accountId}'.`,
    );
    expect(JSON.stringify(records)).not.toContain(PASSWORD);
  });

  it('the job token is useless once the job ended', async () => {
    const rb = await runbook('Leak-Token', 'shell', 'echo "$AUTOMATION_ENDPOINT $AUTOMATION_JOB_TOKEN"');
    const done = await finished((await start(rb)).id);
    const [endpoint, token] = (await streams(done.id))[0]!.text.split(' ');
    const res = await fetch(`${endpoint}/assets/credential/SqlAdmin`, {
      headers: { 'x-automation-job-token': token! },
    }).catch(() => undefined);
    expect(res === undefined || res.status === 401).toBe(true);
  });

  it('never shows or audits a secret parameter, and gives it to the process', async () => {
    const rb = await runbook(
      'Secret-Param',
      'shell',
      'python3 -c "import os,hashlib; print(hashlib.sha256(os.environ[\'PARAM_Token\'].encode()).hexdigest())"',
      [{ name: 'Token', type: 'string', required: true, secret: true }],
    );
    const job = await start(rb, { parameters: { Token: SECRET_PARAM } });
    expect(JSON.stringify(job)).not.toContain(SECRET_PARAM);
    expect(job).toMatchObject({ parameters: {}, secretParameters: ['Token'] });
    const done = await finished(job.id);
    expect((await streams(done.id))[0]?.text).toBe(createHash('sha256').update(SECRET_PARAM).digest('hex'));
    expect((await call('GET', '/api/v1/audit?limit=1000')).body).not.toContain(SECRET_PARAM);
    // The start is audited with who started it and the names of the parameters given, never their values.
    const [started] = await t.database.query<{ actor: string; details: Record<string, unknown> }>(
      `SELECT actor, details FROM audit_log WHERE kind = 'job.start' AND target = $1`,
      [job.id],
    );
    expect(started?.actor).toMatch(/^user:/);
    expect(started?.details).toMatchObject({
      runbookId: rb,
      version: '1',
      runOn: 'cloud',
      parameters: ['Token'],
    });
  });

  it('a job stopped before it ran keeps no sealed secret parameter', async () => {
    const rb = await runbook('Never-Runs', 'shell', 'true', [
      { name: 'Token', type: 'string', required: true, secret: true },
    ]);
    // A group without agents: the job waits Queued until it is stopped.
    const group = await call('POST', '/api/v1/worker-groups', { name: 'No-Agents-Yet' });
    expect(group.statusCode, group.body).toBe(201);
    const job = await start(rb, { parameters: { Token: SECRET_PARAM }, runOn: group.json().id });
    const sealed = async () =>
      Number(
        (
          await t.database.query<{ n: string }>('SELECT count(*) AS n FROM sealed_secrets WHERE id = $1', [
            job.id,
          ])
        )[0]?.n,
      );
    expect(await sealed()).toBe(1);
    expect((await call('POST', `/api/v1/jobs/${job.id}/stop`)).json()).toMatchObject({ status: 'Stopped' });
    expect(await sealed()).toBe(0);
  });

  it('stops a running job: its process tree ends and the job is Stopped', async () => {
    const rb = await runbook('Sleeps', 'shell', 'echo started\nsleep 60 & wait\necho never');
    const job = await start(rb);
    await t.app.runtime.runJobs();
    const follow = await call('GET', `/api/v1/jobs/${job.id}/streams?wait=10`);
    expect(follow.json()).toMatchObject({ status: 'Running', items: [{ text: 'started' }] });
    const stopped = await call('POST', `/api/v1/jobs/${job.id}/stop`);
    expect(stopped.statusCode).toBe(200);
    const done = await finished(job.id);
    expect(done).toMatchObject({ status: 'Stopped', statusReason: 'stopped by request' });
    expect((await streams(job.id)).map((r) => r.text)).toEqual(['started']);
    expect((await call('POST', `/api/v1/jobs/${job.id}/stop`)).statusCode).toBe(409);
    const stops = await t.database.query<{ actor: string; details: Record<string, unknown> }>(
      `SELECT actor, details FROM audit_log WHERE kind = 'job.stop' AND target = $1`,
      [job.id],
    );
    expect(stops).toMatchObject([{ actor: expect.stringMatching(/^user:/), details: { status: 'Running' } }]);
  });

  it('holds the account to its limit of running jobs; more wait Queued', async () => {
    const limited = (
      await call('POST', '/api/v1/automation-accounts', {
        name: 'one-at-a-time',
        limits: { maxConcurrentJobs: 1 },
      })
    ).json().id;
    const rb = await runbook('Waits', 'shell', 'sleep 1; echo ok', [], limited);
    const first = await start(rb);
    const second = await start(rb);
    await t.app.runtime.runJobs();
    const states = async () =>
      Promise.all(
        [first.id, second.id].map(async (id) => (await call('GET', `/api/v1/jobs/${id}`)).json().status),
      );
    expect(await states()).toEqual(['Running', 'Queued']);
    await finished(first.id);
    expect((await finished(second.id)).status).toBe('Completed');
  });

  it('refuses more new jobs per 30 seconds than the account allows: 429 with Retry-After, nothing made', async () => {
    const limited = (
      await call('POST', '/api/v1/automation-accounts', {
        name: 'rate-limited',
        limits: { maxNewJobsPer30s: 2 },
      })
    ).json().id;
    const rb = await runbook('Quick', 'shell', 'true', [], limited);
    await start(rb);
    await start(rb);
    const third = await call('POST', `/api/v1/runbooks/${rb}/jobs`, {});
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBe('30');
    expect((await call('GET', `/api/v1/jobs?account=${limited}`)).json().items).toHaveLength(2);
  });

  it('stops a cloud job that runs past the account’s fair share, saying why; one within it runs on', async () => {
    // A server whose clock a test moves: the fair share is counted in the server's time.
    let shiftMs = 0;
    const clocked = await createTestApp({ now: () => new Date(Date.now() + shiftMs) });
    try {
      const as = (method: string, url: string, body?: unknown) =>
        clocked.request({ method, url, token: clocked.adminToken, body });
      const shared = (await as('POST', '/api/v1/automation-accounts', { name: 'fair-share' })).json();
      expect(shared.limits.fairShareSeconds).toBe(10_800);
      const short = (
        await as('POST', '/api/v1/automation-accounts', {
          name: 'short-share',
          limits: { fairShareSeconds: 60 },
        })
      ).json().id;
      const sleeper = async (account: string) => {
        const rb = (
          await as('POST', `/api/v1/automation-accounts/${account}/runbooks`, {
            name: 'Long-Runner',
            type: 'shell',
            content: 'echo started\nsleep 60 & wait',
          })
        ).json().id;
        expect((await as('POST', `/api/v1/runbooks/${rb}/publish`)).statusCode).toBe(200);
        const job = await as('POST', `/api/v1/runbooks/${rb}/jobs`, {});
        expect(job.statusCode, job.body).toBe(201);
        return job.json().id as string;
      };
      const overLimit = await sleeper(short);
      const withinLimit = await sleeper(shared.id);
      const status = async (id: string) => (await as('GET', `/api/v1/jobs/${id}`)).json();
      await clocked.app.runtime.leases.renew();
      await clocked.app.runtime.runJobs();
      await expect.poll(async () => (await status(overLimit)).status, { timeout: 10_000 }).toBe('Running');
      expect((await status(withinLimit)).status).toBe('Running');

      // Two minutes on: past the short account's 60 s, well within the other's 3 h.
      shiftMs = 120_000;
      await clocked.app.runtime.leases.renew();
      await clocked.app.runtime.runJobs();
      await expect.poll(async () => (await status(overLimit)).status, { timeout: 10_000 }).toBe('Stopped');
      expect((await status(overLimit)).statusReason).toBe(
        "stopped after running 60 seconds, the account's fair share limit",
      );
      expect((await status(withinLimit)).status).toBe('Running');
      expect((await as('POST', `/api/v1/jobs/${withinLimit}/stop`)).statusCode).toBe(200);
      await expect
        .poll(
          async () => {
            await clocked.app.runtime.runJobs();
            return (await status(withinLimit)).status;
          },
          { timeout: 10_000, interval: 500 },
        )
        .toBe('Stopped');
    } finally {
      await clocked.app.runtime.stop();
      await clocked.close();
    }
  });

  it('names the field of every bad start and changes nothing', async () => {
    const rb = await runbook('Typed', 'shell', 'true', [{ name: 'Count', type: 'int', required: true }]);
    const before = (await call('GET', `/api/v1/jobs?runbook=${rb}`)).json().items.length;
    const cases: [unknown, string, number][] = [
      [{}, 'body.parameters.Count', 400],
      [{ parameters: { Count: 'three' } }, 'body.parameters.Count', 400],
      [{ parameters: { Count: 1, Other: 2 } }, 'body.parameters.Other', 400],
      [{ parameters: { Count: 1 }, runOn: 'hwg_nothere' }, 'body.runOn', 404],
      [{ parameters: { Count: 1 }, runOn: 'elsewhere' }, 'body.runOn', 400],
      [{ parameters: { 'Co\u0000unt': 1 } }, 'body.parameters', 400],
    ];
    for (const [body, path, status] of cases) {
      const res = await call('POST', `/api/v1/runbooks/${rb}/jobs`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(JSON.stringify(res.json().error.issues), JSON.stringify(body)).toContain(path);
    }
    const draftOnly = await call('POST', `/api/v1/automation-accounts/${accountId}/runbooks`, {
      name: 'Never-Published',
      type: 'shell',
      content: 'echo draft',
    });
    const unpublished = await call('POST', `/api/v1/runbooks/${draftOnly.json().id}/jobs`, {});
    expect(unpublished.statusCode).toBe(422);
    const testRun = await start(draftOnly.json().id, { test: true });
    expect((await finished(testRun.id)).runbookVersion).toBe('draft');
    expect((await call('GET', `/api/v1/jobs?runbook=${rb}`)).json().items).toHaveLength(before);
  });

  it('a job whose server stopped is started again elsewhere, at most three times, then Failed with the reason', async () => {
    const rb = await runbook('Orphan', 'shell', 'echo ran');
    const job = await start(rb);
    await finished(job.id);
    // As a server that claimed it and died: Running, no heartbeat for a minute.
    const orphan = async () =>
      t.database.query(
        `UPDATE automation_jobs SET status = 'Running', claimed_by = 'srv_gone', heartbeat_at = now() - interval '1 minute' WHERE id = $1`,
        [job.id],
      );
    for (const n of [1, 2, 3]) {
      await orphan();
      await t.app.runtime.runJobs();
      const again = (await call('GET', `/api/v1/jobs/${job.id}`)).json();
      expect(again.restarts).toBe(n);
      expect(again.statusReason).toContain(`started again (${n} of 3)`);
      // Started again here; it runs to its end before the next server dies under it.
      expect((await finished(job.id)).status).toBe('Completed');
      expect((await streams(job.id)).map((r) => r.text).slice(-2)).toEqual([again.statusReason, 'ran']);
    }
    await orphan();
    await t.app.runtime.runJobs();
    const failed = (await call('GET', `/api/v1/jobs/${job.id}`)).json();
    expect(failed).toMatchObject({ status: 'Failed', restarts: 3 });
    expect(failed.statusReason).toContain('its server stopped');
  });

  it('lets operators start and stop, and refuses read-only operators (403); everyone reads', async () => {
    // Long enough to be stopped: a started job is claimed at once.
    const rb = await runbook('Roles', 'shell', 'sleep 30');
    const readOnly = await t.tokenFor('read-only-operator');
    const operator = await t.tokenFor('operator');
    expect((await call('POST', `/api/v1/runbooks/${rb}/jobs`, {}, readOnly)).statusCode).toBe(403);
    const job = await call('POST', `/api/v1/runbooks/${rb}/jobs`, {}, operator);
    expect(job.statusCode).toBe(201);
    expect((await call('POST', `/api/v1/jobs/${job.json().id}/stop`, undefined, readOnly)).statusCode).toBe(
      403,
    );
    expect((await call('GET', `/api/v1/jobs/${job.json().id}`, undefined, readOnly)).statusCode).toBe(200);
    expect((await call('GET', `/api/v1/jobs/${job.json().id}/streams`, undefined, readOnly)).statusCode).toBe(
      200,
    );
    expect((await call('POST', `/api/v1/jobs/${job.json().id}/stop`, undefined, operator)).statusCode).toBe(
      200,
    );
    expect((await t.request({ method: 'GET', url: `/api/v1/jobs/${job.json().id}` })).statusCode).toBe(401);
  });

  it('prunes jobs that ended longer ago than the account keeps history (30 days by default), streams and all', async () => {
    const rb = await runbook('Kept-Or-Not', 'shell', 'echo once');
    const old = await finished((await start(rb)).id);
    const recent = await finished((await start(rb)).id);
    await t.database.query(`UPDATE automation_jobs SET ended_at = now() - interval '31 days' WHERE id = $1`, [
      old.id,
    ]);
    await t.database.query(`UPDATE automation_jobs SET ended_at = now() - interval '29 days' WHERE id = $1`, [
      recent.id,
    ]);
    // A new server's first round prunes.
    const other = await createTestApp({ sameGroupAs: t });
    try {
      await other.app.runtime.leases.renew();
      await t.app.runtime.stop();
      await other.app.runtime.leases.renew();
      await other.app.runtime.runJobs();
    } finally {
      await other.close();
    }
    expect((await call('GET', `/api/v1/jobs/${old.id}`)).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/jobs/${recent.id}`)).statusCode).toBe(200);
    const streamsLeft = await t.database.query<{ n: string }>(
      'SELECT count(*) AS n FROM automation_job_streams WHERE job_id = $1',
      [old.id],
    );
    expect(Number(streamsLeft[0]!.n)).toBe(0);
  });
});

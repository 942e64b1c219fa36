// Proves task runs over HTTP: a person queues a task for an object, the agent of the computer that hosts it claims
// it (once, even between servers, waking at once on this server and within about a second from another), reports
// the result, and the caller reads the output and exit code; refusals (not a task, wrong class, not in the runner's
// configuration, no approved agent), another agent's run, a double finish, expiry, lost runners, roles and audit.
// The agent's own loop (src/agent/task-runs.ts) runs a real task here against the real server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { type AgentApi, createAgentApi } from '../../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../../agent/agent-identity.js';
import { credentialsToFetch } from '../../../agent/run-plan.js';
import { createTaskRunLoop } from '../../../agent/task-runs.js';
import { runAction } from '../../../agent/workflow-runner.js';
import type { OpenedCredential } from '../../../contract/agents.js';
import type { FinishTaskRun, TaskRun } from '../../../contract/tasks.js';
import { createTasksService } from './tasks-service.js';

const PACK = `
id: Test.Tasks
version: 1.0.0
references:
  - { id: Steward.Library, minVersion: 1.0.0 }
classes:
  - id: Test.Tasks.Service
    baseClass: System.Application
    hosted: true
    properties: [{ name: serviceName, type: string, key: true }]
  - { id: Test.Tasks.WebService, baseClass: Test.Tasks.Service, hosted: true }
  - id: Test.Tasks.Other
    baseClass: System.Application
    hosted: true
    properties: [{ name: otherName, type: string, key: true }]
profiles:
  - { id: Test.Tasks.Profile, contextClass: System.Computer }
workflows:
  - id: Test.Tasks.Echo
    kind: task
    target: System.Computer
    action: { type: command, command: [sh, -c, 'echo "hello from $STEWARD_OBJECT_ID"; echo oops >&2; exit 3'] }
  - id: Test.Tasks.ServiceStatus
    kind: task
    target: Test.Tasks.Service
    action: { type: command, command: [sh, -c, 'echo "service=$STEWARD_PROP_SERVICENAME"'] }
  - id: Test.Tasks.WhoAmI
    kind: task
    target: System.Computer
    runAs: Test.Tasks.Profile
    action: { type: command, command: [sh, -c, 'echo "user=$STEWARD_RUNAS_USERNAME"'] }
  - id: Test.Tasks.Off
    kind: task
    target: System.Computer
    enabled: false
    action: { type: command, command: [sh, -c, 'echo off'] }
  - id: Test.Tasks.Check
    kind: monitor
    target: System.Computer
    action: { type: command, command: [sh, -c, 'echo check'] }
    schedule: { intervalSeconds: 3600 }
`;

const PASSWORD = 'task-run-secret-Pw77';

let t: TestApp;
let server: string;
const dirs: string[] = [];

async function call(method: string, url: string, body?: unknown, token: string | null = t.adminToken) {
  const res = await t.request({ method, url, token: token ?? undefined, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

async function enrolled(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-tasks-'));
  dirs.push(dir);
  const token = (await call('POST', '/api/v1/agents/enrollment-tokens', { computerName: name })).body.token;
  const api = createAgentApi({ server, identity: loadOrCreateIdentity(join(dir, 'data')) });
  await api.enroll({ computerName: name, token });
  return { api, agentId: api.agentId! };
}

type Agent = Awaited<ReturnType<typeof enrolled>>;

const request = (
  taskId: string,
  objectId: string,
  extra: Record<string, unknown> = {},
  token = t.adminToken,
) => call('POST', `/api/v1/tasks/${taskId}/runs`, { objectId, ...extra }, token);

async function queued(
  taskId: string,
  objectId: string,
  extra: Record<string, unknown> = {},
): Promise<TaskRun> {
  const r = await request(taskId, objectId, extra);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body;
}

const ran = (extra: Partial<FinishTaskRun> = {}): FinishTaskRun => ({
  outcome: 'ran',
  exitCode: 0,
  timedOut: false,
  stdout: 'done\n',
  stderr: '',
  ...extra,
});

const auditOf = (runId: string) =>
  t.database.query<{ actor: string; kind: string; details: Record<string, unknown> }>(
    `SELECT actor, kind, details FROM audit_log WHERE target = $1 ORDER BY seq`,
    [runId],
  );

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { status: number; code: string; message: string },
  );

let a: Agent;
let b: Agent;
let pending: string;
let webService: string;
let otherObject: string;

beforeAll(async () => {
  t = await createTestApp();
  expect((await call('POST', '/api/v1/packs', { content: PACK, format: 'yaml' })).status).toBe(201);
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
  a = await enrolled('task-a');
  b = await enrolled('task-b');
  const object = async (classId: string, properties: Record<string, unknown>) => {
    const r = await call('POST', '/api/v1/objects', { classId, hostId: a.agentId, properties });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  webService = await object('Test.Tasks.WebService', { serviceName: 'w3svc' });
  otherObject = await object('Test.Tasks.Other', { otherName: 'x' });
  // A computer registered by hand: no agent runs it.
  pending = (await call('POST', '/api/v1/computers', { name: 'no-agent.contoso.com' })).body.id;
}, 60_000);

afterAll(async () => {
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('POST /api/v1/tasks/:taskId/runs → agent claim → result → GET /api/v1/task-runs/:id', () => {
  it('queues the run for the object’s agent, which claims it once and reports; the caller reads output and exit code', async () => {
    const run = await queued('Test.Tasks.ServiceStatus', webService, { timeoutSeconds: 30 });
    expect(run).toMatchObject({
      id: expect.stringMatching(/^trun_/),
      taskId: 'Test.Tasks.ServiceStatus',
      objectId: webService,
      runnerId: a.agentId,
      status: 'queued',
      timeoutSeconds: 30,
      claimedAt: null,
      exitCode: null,
    });

    // Another agent gets nothing; the hosting computer's agent gets the definition, properties and timeout.
    expect(await b.api.claimTaskRuns()).toEqual([]);
    const claimed = await a.api.claimTaskRuns();
    expect(claimed).toEqual([
      {
        id: run.id,
        taskId: 'Test.Tasks.ServiceStatus',
        objectId: webService,
        timeoutSeconds: 30,
        action: {
          type: 'command',
          command: ['sh', '-c', 'echo "service=$STEWARD_PROP_SERVICENAME"'],
          timeoutSeconds: 300,
        },
        object: {
          id: webService,
          classId: 'Test.Tasks.WebService',
          name: 'w3svc',
          properties: { serviceName: 'w3svc' },
        },
        resolution: { kind: 'default-action-account' },
      },
    ]);
    expect(await a.api.claimTaskRuns()).toEqual([]);
    expect((await call('GET', `/api/v1/task-runs/${run.id}`)).body.status).toBe('running');

    const finished = await a.api.finishTaskRun(run.id, ran({ stdout: 'service=w3svc\n', exitCode: 0 }));
    expect(finished.status).toBe('succeeded');
    const got = await call('GET', `/api/v1/task-runs/${run.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      status: 'succeeded',
      exitCode: 0,
      stdout: 'service=w3svc\n',
      stderr: '',
    });
    expect(got.body.finishedAt).not.toBeNull();

    const audit = await auditOf(run.id);
    expect(audit.map((x) => [x.kind, x.actor])).toEqual([
      ['task.run.request', expect.stringMatching(/^user:administrator-/)],
      ['task.run.claim', `agent:${a.agentId}`],
      ['task.run.finish', `agent:${a.agentId}`],
    ]);
    expect(audit[2]!.details).toMatchObject({ outcome: 'ran', exitCode: 0, status: 'succeeded' });
    expect(JSON.stringify(audit)).not.toContain('service=w3svc');
  });

  it('accepts a computer name for the object, and defaults the timeout to 60 s', async () => {
    const run = await queued('Test.Tasks.Echo', 'task-b');
    expect(run).toMatchObject({ objectId: b.agentId, runnerId: b.agentId, timeoutSeconds: 60 });
    expect((await b.api.claimTaskRuns()).map((r) => r.id)).toEqual([run.id]);
    await b.api.finishTaskRun(run.id, ran());
  });

  it('wakes a waiting agent as soon as a run is queued, and a waiting caller as soon as it finishes', async () => {
    const started = Date.now();
    const claiming = a.api.claimTaskRuns({ waitSeconds: 20 });
    await new Promise((r) => setTimeout(r, 200));
    const run = await queued('Test.Tasks.Echo', a.agentId);
    expect((await claiming).map((r) => r.id)).toEqual([run.id]);
    expect(Date.now() - started).toBeLessThan(5000);

    const reading = call('GET', `/api/v1/task-runs/${run.id}?waitSeconds=30`);
    await new Promise((r) => setTimeout(r, 200));
    await a.api.finishTaskRun(run.id, ran({ exitCode: 3, stdout: 'hello\n', stderr: 'oops\n' }));
    const got = await reading;
    expect(got.body).toMatchObject({ status: 'failed', exitCode: 3, stdout: 'hello\n', stderr: 'oops\n' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ends the wait of an agent revoked meanwhile with AGENT_REVOKED, claiming nothing', async () => {
    const r = await enrolled('task-revoked');
    const claiming = failure(r.api.claimTaskRuns({ waitSeconds: 2 }));
    await new Promise((res) => setTimeout(res, 200));
    expect((await call('POST', `/api/v1/agents/${r.agentId}/revoke`)).status).toBe(200);
    expect(await claiming).toMatchObject({ status: 401, code: 'AGENT_REVOKED' });
  });

  it('hands a run out once between servers, and another server sees a queued run within about a second', async () => {
    const other = createTasksService({ db: t.database.db, resolution: t.app.resolution, pollMs: 200 });
    const third = createTasksService({ db: t.database.db, resolution: t.app.resolution, pollMs: 200 });
    try {
      const started = Date.now();
      const waiting = other.claim(a.agentId, { waitSeconds: 20 });
      await new Promise((r) => setTimeout(r, 100));
      const run = await queued('Test.Tasks.Echo', a.agentId);
      expect((await waiting).map((r) => r.id)).toEqual([run.id]);
      expect(Date.now() - started).toBeLessThan(3000);
      // Claimed in-process by runner id: finished the same way, audited as that runner.
      await other.finish(a.agentId, run.id, ran());

      const once = await queued('Test.Tasks.Echo', a.agentId);
      const claims = await Promise.all([
        other.claim(a.agentId),
        third.claim(a.agentId),
        a.api.claimTaskRuns(),
        other.claim(a.agentId),
      ]);
      expect(claims.flat().map((r) => r.id)).toEqual([once.id]);
      await third.finish(a.agentId, once.id, ran());
    } finally {
      other.close();
      third.close();
    }
  });

  it('records a not-run report (credentials not found) and a timed-out run with their statuses', async () => {
    const notRun = await queued('Test.Tasks.Echo', a.agentId);
    const timedOut = await queued('Test.Tasks.Echo', a.agentId);
    expect((await a.api.claimTaskRuns()).map((r) => r.id).sort()).toEqual([notRun.id, timedOut.id].sort());
    await a.api.finishTaskRun(
      notRun.id,
      ran({ outcome: 'not-run-credentials-not-found', exitCode: null, accountId: 'acct_x', stdout: '' }),
    );
    await a.api.finishTaskRun(timedOut.id, ran({ exitCode: null, timedOut: true }));
    expect((await call('GET', `/api/v1/task-runs/${notRun.id}`)).body).toMatchObject({
      status: 'not-run',
      accountId: 'acct_x',
      exitCode: null,
    });
    expect((await call('GET', `/api/v1/task-runs/${timedOut.id}`)).body).toMatchObject({
      status: 'timed-out',
      timedOut: true,
    });
  });
});

describe('refusals when requesting a run', () => {
  it('answers 404 for an unknown task or object', async () => {
    const unknownTask = await request('Test.Tasks.Nope', a.agentId);
    expect(unknownTask.status).toBe(404);
    expect(unknownTask.body.error.message).toContain('Test.Tasks.Nope');
    expect((await request('Test.Tasks.Echo', 'obj_nope')).status).toBe(404);
  });

  it('answers 400 for a workflow that is not a task and for an object outside the task’s target class', async () => {
    const monitor = await request('Test.Tasks.Check', a.agentId);
    expect(monitor.status).toBe(400);
    expect(monitor.body.error.issues[0].path).toBe('params.taskId');
    const wrongClass = await request('Test.Tasks.ServiceStatus', otherObject);
    expect(wrongClass.status).toBe(400);
    expect(wrongClass.body.error.issues[0].path).toBe('body.objectId');
    expect(wrongClass.body.error.message).toContain('Test.Tasks.Service');
    const computerForService = await request('Test.Tasks.ServiceStatus', a.agentId);
    expect(computerForService.status).toBe(400);
  });

  it('answers 409 when the task is not in the runner’s configuration, and when the computer has no approved agent', async () => {
    const off = await request('Test.Tasks.Off', a.agentId);
    expect(off.status).toBe(409);
    expect(off.body.error.message).toMatch(/disabled/);
    const noAgent = await request('Test.Tasks.Echo', pending);
    expect(noAgent.status).toBe(409);
    expect(noAgent.body.error.message).toMatch(/no approved agent/);
    const [row] = await t.database.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM task_runs WHERE object_id = $1 OR task_id = 'Test.Tasks.Off'`,
      [pending],
    );
    expect(row?.n).toBe('0');
  });

  it('refuses a bad timeout and unknown fields, naming the field', async () => {
    for (const [body, path] of [
      [{ objectId: a.agentId, timeoutSeconds: 0 }, 'body.timeoutSeconds'],
      [{ objectId: a.agentId, timeoutSeconds: 3601 }, 'body.timeoutSeconds'],
      [{ objectId: a.agentId, extra: 1 }, 'body'],
    ] as const) {
      const r = await call('POST', '/api/v1/tasks/Test.Tasks.Echo/runs', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.issues[0].path).toBe(path);
    }
  });
});

describe('finishing runs', () => {
  it('answers 404 to an agent finishing another agent’s run or an unknown run, and audits it', async () => {
    const run = await queued('Test.Tasks.Echo', a.agentId);
    await a.api.claimTaskRuns();
    const err = await failure(b.api.finishTaskRun(run.id, ran({ stdout: 'forged' })));
    expect(err?.status).toBe(404);
    expect((await failure(b.api.finishTaskRun('trun_nope', ran())))?.status).toBe(404);
    expect((await call('GET', `/api/v1/task-runs/${run.id}`)).body).toMatchObject({
      status: 'running',
      stdout: '',
    });
    const refused = await auditOf(run.id);
    expect(refused.at(-1)).toMatchObject({
      actor: `agent:${b.agentId}`,
      kind: 'task.run.refused',
      details: { runner: b.agentId, reason: 'the run belongs to another health service' },
    });
    expect((await auditOf('trun_nope'))[0]?.kind).toBe('task.run.refused');
    await a.api.finishTaskRun(run.id, ran());
  });

  it('answers 409 to finishing twice, and to finishing a run never claimed', async () => {
    const run = await queued('Test.Tasks.Echo', a.agentId);
    await a.api.claimTaskRuns();
    await a.api.finishTaskRun(run.id, ran({ stdout: 'first\n' }));
    const twice = await failure(a.api.finishTaskRun(run.id, ran({ stdout: 'second\n', exitCode: 1 })));
    expect(twice).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await call('GET', `/api/v1/task-runs/${run.id}`)).body).toMatchObject({
      status: 'succeeded',
      stdout: 'first\n',
    });
    const unclaimed = await queued('Test.Tasks.Echo', b.agentId);
    expect((await failure(b.api.finishTaskRun(unclaimed.id, ran())))?.status).toBe(409);
    await b.api.claimTaskRuns();
    await b.api.finishTaskRun(unclaimed.id, ran());
  });

  it('refuses output over the cap and a bad outcome, naming the field', async () => {
    const run = await queued('Test.Tasks.Echo', a.agentId);
    await a.api.claimTaskRuns();
    const big = await failure(a.api.finishTaskRun(run.id, ran({ stdout: 'x'.repeat(65_537) })));
    expect(big?.status).toBe(400);
    expect(big?.message).toContain('body.stdout');
    const bad = await failure(a.api.finishTaskRun(run.id, ran({ outcome: 'exploded' as 'ran' })));
    expect(bad?.message).toContain('body.outcome');
    await a.api.finishTaskRun(run.id, ran());
  });
});

describe('expiry', () => {
  it('marks a run nobody claimed within its timeout expired, and never hands it out', async () => {
    const c = await enrolled('task-expiry');
    const run = await queued('Test.Tasks.Echo', c.agentId, { timeoutSeconds: 5 });
    await t.database.query(
      `UPDATE task_runs SET requested_at = now() - interval '10 seconds' WHERE id = $1`,
      [run.id],
    );
    expect(await c.api.claimTaskRuns()).toEqual([]);
    const got = await call('GET', `/api/v1/task-runs/${run.id}`);
    expect(got.body).toMatchObject({ status: 'expired', claimedAt: null, exitCode: null });
    expect(got.body.finishedAt).not.toBeNull();
    const audit = await auditOf(run.id);
    expect(audit.at(-1)).toMatchObject({
      actor: 'system',
      kind: 'task.run.expire',
      details: { status: 'expired' },
    });
  });

  it('ends a caller’s wait when the run expires, without waiting for the whole wait', async () => {
    const c = await enrolled('task-expiry-wait');
    const run = await queued('Test.Tasks.Echo', c.agentId, { timeoutSeconds: 1 });
    const started = Date.now();
    const got = await call('GET', `/api/v1/task-runs/${run.id}?waitSeconds=30`);
    expect(got.body.status).toBe('expired');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('times out a claimed run whose runner never reports, and refuses its late result', async () => {
    const c = await enrolled('task-lost');
    const run = await queued('Test.Tasks.Echo', c.agentId, { timeoutSeconds: 5 });
    expect(await c.api.claimTaskRuns()).toHaveLength(1);
    await t.database.query(`UPDATE task_runs SET claimed_at = now() - interval '1 hour' WHERE id = $1`, [
      run.id,
    ]);
    const listed = await call('GET', `/api/v1/task-runs?object=${c.agentId}`);
    expect(listed.body.items[0]).toMatchObject({ id: run.id, status: 'timed-out', timedOut: true });
    expect((await call('GET', `/api/v1/task-runs/${run.id}`)).body.stderr).toMatch(/No result arrived/);
    expect((await failure(c.api.finishTaskRun(run.id, ran())))?.status).toBe(409);
  });
});

describe('GET /api/v1/task-runs', () => {
  it('lists newest first, filtered by object (id or computer name) and task, without output', async () => {
    const c = await enrolled('task-list');
    const first = await queued('Test.Tasks.Echo', c.agentId);
    const second = await queued('Test.Tasks.Echo', c.agentId);
    const r = await call('GET', '/api/v1/task-runs?object=task-list&task=Test.Tasks.Echo');
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: TaskRun) => i.id)).toEqual([second.id, first.id]);
    expect(r.body.items[0]).not.toHaveProperty('stdout');
    expect((await call('GET', '/api/v1/task-runs?task=Test.Tasks.WhoAmI')).body.items).toEqual([]);
    expect((await call('GET', '/api/v1/task-runs?limit=1')).body.items).toHaveLength(1);
    expect((await call('GET', '/api/v1/task-runs?limit=0')).status).toBe(400);
  });

  it('answers 404 for an unknown run', async () => {
    expect((await call('GET', '/api/v1/task-runs/trun_nope')).status).toBe(404);
  });
});

describe('roles', () => {
  it('lets operators and advanced operators run and read tasks; read-only operators and authors get 403', async () => {
    for (const role of ['operator', 'advanced-operator'] as const) {
      const token = await t.tokenFor(role);
      const r = await request('Test.Tasks.Echo', b.agentId, {}, token);
      expect(r.status, role).toBe(202);
      expect(r.body.requestedBy).toMatch(new RegExp(`^${role}-`));
      expect((await call('GET', `/api/v1/task-runs/${r.body.id}`, undefined, token)).status).toBe(200);
    }
    for (const role of ['read-only-operator', 'author'] as const) {
      const token = await t.tokenFor(role);
      expect((await request('Test.Tasks.Echo', b.agentId, {}, token)).status, role).toBe(403);
      expect((await call('GET', '/api/v1/task-runs', undefined, token)).status, role).toBe(403);
    }
    for (const r of await b.api.claimTaskRuns()) await b.api.finishTaskRun(r.id, ran());
  });
});

describe('the agent’s task loop against the server', () => {
  it('claims, runs with the resolved account (never another) and reports', async () => {
    const c = await enrolled('task-loop');
    const account = (
      await call('POST', '/api/v1/accounts', {
        name: 'svc-task-loop',
        credential: { type: 'windows', userName: 'svc-task-loop', password: PASSWORD },
      })
    ).body.id as string;
    await call('PUT', `/api/v1/accounts/${account}/distribution`, {
      security: 'more-secure',
      approved: [c.agentId],
    });
    expect(
      (
        await call('POST', '/api/v1/profiles/Test.Tasks.Profile/associations', {
          accountId: account,
          scope: { kind: 'object', objectId: c.agentId },
        })
      ).status,
    ).toBe(201);
    // What the daemon does with its configuration: fetch the credentials it needs.
    const fetched = await c.api.fetchConfig();
    if (fetched.kind !== 'changed') throw new Error('no configuration');
    const held = new Map<string, OpenedCredential>();
    for (const cred of (await c.api.fetchCredentials(credentialsToFetch(fetched.config, held))).opened)
      held.set(cred.accountId, cred);
    expect([...held.keys()]).toEqual([account]);

    const abort = new AbortController();
    const loop = createTaskRunLoop({
      call: <T>(_what: string, fn: (api: AgentApi) => Promise<T>) => fn(c.api),
      config: () => fetched.config,
      held,
      runAction,
      log: pino({ level: 'silent' }),
      signal: abort.signal,
      waitSeconds: 2,
      retryMs: 50,
    });
    try {
      const echo = await queued('Test.Tasks.Echo', c.agentId);
      const who = await queued('Test.Tasks.WhoAmI', c.agentId);
      const e = (await call('GET', `/api/v1/task-runs/${echo.id}?waitSeconds=20`)).body;
      expect(e).toMatchObject({ status: 'failed', exitCode: 3, stdout: `hello from ${c.agentId}\n` });
      expect(e.stderr).toBe('oops\n');
      const w = (await call('GET', `/api/v1/task-runs/${who.id}?waitSeconds=20`)).body;
      expect(w).toMatchObject({
        status: 'succeeded',
        exitCode: 0,
        stdout: 'user=svc-task-loop\n',
        accountId: account,
        accountVersion: 1,
      });

      // The account leaves this agent: the task is not run, and not run as anything else.
      held.delete(account);
      const notRun = await queued('Test.Tasks.WhoAmI', c.agentId);
      const n = (await call('GET', `/api/v1/task-runs/${notRun.id}?waitSeconds=20`)).body;
      expect(n).toMatchObject({ status: 'not-run', exitCode: null, stdout: '', accountId: account });
      expect(n.stderr).toMatch(/^Not run: /);
      expect(JSON.stringify([e, w, n])).not.toContain(PASSWORD);
    } finally {
      await loop.stop();
      abort.abort();
      await loop.done;
    }
  }, 60_000);
});

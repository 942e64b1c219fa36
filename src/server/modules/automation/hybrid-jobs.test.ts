// Proves hybrid worker groups and hybrid jobs over HTTP, with real agents' signed requests: groups are managed by
// administrators and authors only (names, Run As account checks, members by id or name, no delete while jobs
// remain; audited); a group's job is claimed by exactly one agent of the group; another agent can neither post
// its streams, finish it nor read its assets (404, audited); records are kept once, in order, under the 1 MiB
// cap; a stop request reaches the agent in the answer to its post; the group's Run As account is delivered
// sealed only to an agent it is distributed to, and the job fails saying so otherwise; a job whose agent went
// silent is suspended naming it, and resumed by a user runs on another agent. The agent's own loop
// (src/agent/hybrid-jobs.ts) runs real shell runbooks here: one reads a credential asset and the Run As
// password, whose values reach no stream, response or audit record; one is stopped while it runs.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { type AgentApi, createAgentApi } from '../../../agent/agent-api.js';
import { loadOrCreateIdentity } from '../../../agent/agent-identity.js';
import { createHybridJobLoop } from '../../../agent/hybrid-jobs.js';
import type { ApiError } from '../../../contract/client.js';

const ASSET_PASSWORD = 'hybrid-asset-Pw-5521';
const RUNAS_PASSWORD = 'hybrid-runas-Pw-8834';

let t: TestApp;
let server: string;
let accountId: string;
let runAs: string;
let g1: string;
let g2: string;
const dirs: string[] = [];

async function call(method: string, url: string, body?: unknown, token: string | null = t.adminToken) {
  const res = await t.request({ method, url, token: token ?? undefined, body });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

async function enrolled(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-hybrid-'));
  dirs.push(dir);
  const token = (await call('POST', '/api/v1/agents/enrollment-tokens', { computerName: name })).body.token;
  const api = createAgentApi({ server, identity: loadOrCreateIdentity(join(dir, 'data')) });
  await api.enroll({ computerName: name, token });
  return { api, agentId: api.agentId! };
}
type Agent = Awaited<ReturnType<typeof enrolled>>;

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as ApiError,
  );

async function runbook(name: string, content: string): Promise<string> {
  const res = await call('POST', `/api/v1/automation-accounts/${accountId}/runbooks`, {
    name,
    type: 'shell',
    content,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect((await call('POST', `/api/v1/runbooks/${res.body.id}/publish`)).status).toBe(200);
  return res.body.id;
}

async function start(runbookId: string, runOn: string, token = t.adminToken) {
  const res = await call('POST', `/api/v1/runbooks/${runbookId}/jobs`, { runOn }, token);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const job = async (id: string) => (await call('GET', `/api/v1/jobs/${id}`)).body;
const streams = async (id: string) =>
  (await call('GET', `/api/v1/jobs/${id}/streams?limit=5000`)).body.items as {
    seq: number;
    stream: string;
    text: string;
  }[];
const auditOf = (target: string) =>
  t.database.query<{ actor: string; kind: string; details: Record<string, unknown> }>(
    'SELECT actor, kind, details FROM audit_log WHERE target = $1 ORDER BY seq',
    [target],
  );

/** Claims until the agent holds `id` (other queued jobs it takes are finished at once). */
async function claimed(agent: Agent, id: string) {
  for (let i = 0; i < 5; i++) {
    for (const j of await agent.api.claimJobs({ max: 10 })) {
      if (j.job.id === id) return j;
      await agent.api.finishJob(j.job.id, done());
    }
  }
  throw new Error(`job ${id} was never claimed`);
}

const done = (extra = {}) => ({
  exitCode: 0,
  error: null,
  exception: null,
  stopped: false,
  interrupted: false,
  ...extra,
});
const rec = (seq: number, text: string, stream = 'output') => ({
  seq,
  stream,
  at: new Date().toISOString(),
  text,
});

let a: Agent;
let b: Agent;
let c: Agent;
let rbEcho: string;

beforeAll(async () => {
  t = await createTestApp();
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
  a = await enrolled('hybrid-a');
  b = await enrolled('hybrid-b');
  c = await enrolled('hybrid-c');
  accountId = (await call('POST', '/api/v1/automation-accounts', { name: 'hybrid-tests' })).body.id;
  expect(
    (
      await call('PUT', `/api/v1/automation-accounts/${accountId}/credentials/SqlAdmin`, {
        userName: 'CONTOSO\\sqladmin',
        password: ASSET_PASSWORD,
      })
    ).status,
  ).toBe(201);
  runAs = (
    await call('POST', '/api/v1/accounts', {
      name: 'svc-hybrid',
      credential: { type: 'windows', userName: 'svc-hybrid', domain: 'CONTOSO', password: RUNAS_PASSWORD },
    })
  ).body.id;
  // Distributed to agent a only.
  expect(
    (
      await call('PUT', `/api/v1/accounts/${runAs}/distribution`, {
        security: 'more-secure',
        approved: [a.agentId],
      })
    ).status,
  ).toBe(200);
  g1 = (await call('POST', '/api/v1/worker-groups', { name: 'Linux-Workers' })).body.id;
  g2 = (await call('POST', '/api/v1/worker-groups', { name: 'RunAs-Workers', runAsAccountId: runAs })).body
    .id;
  for (const [g, agent] of [
    [g1, a],
    [g1, b],
    [g2, a],
    [g2, b],
  ] as const)
    expect((await call('POST', `/api/v1/worker-groups/${g}/agents`, { agentId: agent.agentId })).status).toBe(
      200,
    );
  rbEcho = await runbook('Echo', 'echo hello');
}, 60_000);

afterAll(async () => {
  await t.app.runtime.stop();
  await t.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('hybrid worker groups', () => {
  it('are created, shown with their agents, renamed and audited', async () => {
    await a.api.claimJobs(); // heard from: available
    const g = await call('GET', `/api/v1/worker-groups/${g1}`);
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({
      id: expect.stringMatching(/^hwg_/),
      name: 'Linux-Workers',
      runAsAccountId: null,
    });
    expect(g.body.workers.map((w: { computerName: string }) => w.computerName)).toEqual([
      'hybrid-a',
      'hybrid-b',
    ]);
    expect(g.body.workers[0]).toMatchObject({ status: 'approved', available: true });
    const list = await call(
      'GET',
      '/api/v1/worker-groups',
      undefined,
      await t.tokenFor('read-only-operator'),
    );
    expect(list.body.items.map((x: { name: string }) => x.name)).toEqual(['Linux-Workers', 'RunAs-Workers']);
    const author = await t.tokenFor('author');
    const made = await call('POST', '/api/v1/worker-groups', { name: 'Temp', description: 'x' }, author);
    expect(made.status).toBe(201);
    // Added by computer name, twice: once.
    for (let i = 0; i < 2; i++)
      expect(
        (await call('POST', `/api/v1/worker-groups/${made.body.id}/agents`, { agentId: 'hybrid-c' }, author))
          .body.workers,
      ).toHaveLength(1);
    const renamed = await call('PATCH', `/api/v1/worker-groups/${made.body.id}`, { name: 'Temp2' }, author);
    expect(renamed.body.name).toBe('Temp2');
    expect(
      (await call('DELETE', `/api/v1/worker-groups/${made.body.id}/agents/hybrid-c`, undefined, author)).body
        .workers,
    ).toEqual([]);
    expect((await call('DELETE', `/api/v1/worker-groups/${made.body.id}`, undefined, author)).status).toBe(
      200,
    );
    expect((await auditOf(made.body.id)).map((r) => r.kind)).toEqual([
      'worker-group.create',
      'worker-group.add-agent',
      'worker-group.update',
      'worker-group.remove-agent',
      'worker-group.delete',
    ]);
  });

  it('refuses a taken name, an unknown or unsuitable Run As account, an unknown agent, and a member that is not one', async () => {
    expect((await call('POST', '/api/v1/worker-groups', { name: 'Linux-Workers' })).status).toBe(409);
    const unknown = await call('POST', '/api/v1/worker-groups', { name: 'X1', runAsAccountId: 'acct_nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.issues[0].path).toBe('body.runAsAccountId');
    const community = (
      await call('POST', '/api/v1/accounts', {
        name: 'snmp-ro',
        credential: { type: 'community-string', communityString: 'public-xyz' },
      })
    ).body.id;
    const wrongType = await call('PATCH', `/api/v1/worker-groups/${g1}`, { runAsAccountId: community });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error.message).toContain('community-string');
    const noAgent = await call('POST', `/api/v1/worker-groups/${g1}/agents`, { agentId: 'no-such-host' });
    expect(noAgent).toMatchObject({ status: 404, body: { error: { issues: [{ path: 'body.agentId' }] } } });
    expect((await call('DELETE', `/api/v1/worker-groups/${g1}/agents/${c.agentId}`)).status).toBe(404);
    expect((await call('GET', '/api/v1/worker-groups/hwg_nope')).status).toBe(404);
    // The Run As account cannot be deleted while a group runs as it.
    const del = await call('DELETE', `/api/v1/accounts/${runAs}`);
    expect(del.status).toBe(422);
    expect(del.body.error.message).toContain('RunAs-Workers');
  });

  it('are managed by administrators and authors only', async () => {
    for (const role of ['operator', 'advanced-operator', 'read-only-operator'] as const) {
      const token = await t.tokenFor(role);
      expect((await call('POST', '/api/v1/worker-groups', { name: `By-${role}` }, token)).status).toBe(403);
      expect((await call('DELETE', `/api/v1/worker-groups/${g1}`, undefined, token)).status).toBe(403);
      expect(
        (await call('POST', `/api/v1/worker-groups/${g1}/agents`, { agentId: c.agentId }, token)).status,
      ).toBe(403);
    }
  });
});

describe('hybrid jobs, the agent’s routes', () => {
  it('a job for an unknown group is refused naming runOn; one for a group is queued and claimed by exactly one agent of it', async () => {
    const bad = await call('POST', `/api/v1/runbooks/${rbEcho}/jobs`, { runOn: 'hwg_nosuchgroup' });
    expect(bad).toMatchObject({ status: 404, body: { error: { issues: [{ path: 'body.runOn' }] } } });
    const id = await start(rbEcho, g1, await t.tokenFor('operator'));
    expect((await job(id)).status).toBe('Queued');
    // c is in no group: nothing for it.
    expect(await c.api.claimJobs()).toEqual([]);
    const [got, other] = await Promise.all([a.api.claimJobs({ max: 10 }), b.api.claimJobs({ max: 10 })]);
    const all = [...got, ...other].filter((j) => j.job.id === id);
    expect(all).toHaveLength(1);
    const holder = got.some((j) => j.job.id === id) ? a : b;
    expect(all[0]!.job).toMatchObject({
      groupId: g1,
      runbookType: 'shell',
      content: 'echo hello',
      nextSeq: 1,
      runAs: null,
    });
    expect(await job(id)).toMatchObject({ status: 'Running', claimedBy: holder.agentId });
    expect((await auditOf(id)).map((r) => r.kind)).toEqual(['job.start', 'job.claim']);
    await holder.api.finishJob(id, done());
    expect((await job(id)).status).toBe('Completed');
  });

  it('another agent cannot post streams, finish or read assets of a job it does not hold (404, audited)', async () => {
    const id = await start(rbEcho, g1);
    await claimed(a, id);
    for (const attempt of [
      () => b.api.postJobStreams(id, [rec(1, 'forged')]),
      () => b.api.finishJob(id, done()),
      () => b.api.readJobAsset(id, 'credential', 'SqlAdmin'),
      () => c.api.postJobStreams(id, []),
      () => a.api.postJobStreams('job_unknown', []),
    ])
      expect((await failure(attempt()))?.status).toBe(404);
    expect(await streams(id)).toEqual([]);
    const refusals = (await auditOf(id)).filter((r) => r.kind === 'job.refused');
    expect(refusals.map((r) => r.actor)).toEqual([
      `agent:${b.agentId}`,
      `agent:${b.agentId}`,
      `agent:${b.agentId}`,
      `agent:${c.agentId}`,
    ]);
    await a.api.finishJob(id, done());
  });

  it('keeps records once and in order, refuses them out of order, says stop once asked, and refuses posts after the end (409)', async () => {
    const id = await start(rbEcho, g1);
    await claimed(a, id);
    expect(await a.api.postJobStreams(id, [rec(1, 'one'), rec(2, 'two')])).toEqual({ next: 3, stop: false });
    // A retry of the same batch and one more: kept once.
    expect(await a.api.postJobStreams(id, [rec(2, 'two'), rec(3, 'warned', 'warning')])).toEqual({
      next: 4,
      stop: false,
    });
    expect((await failure(a.api.postJobStreams(id, [rec(5, 'x'), rec(4, 'y')])))?.status).toBe(400);
    expect((await streams(id)).map((r) => [r.seq, r.stream, r.text])).toEqual([
      [1, 'output', 'one'],
      [2, 'output', 'two'],
      [3, 'warning', 'warned'],
    ]);
    const stopped = await call('POST', `/api/v1/jobs/${id}/stop`, undefined, await t.tokenFor('operator'));
    expect(stopped.body.status).toBe('Running');
    expect((await a.api.postJobStreams(id, [])).stop).toBe(true);
    await a.api.finishJob(id, done({ exitCode: null, stopped: true }));
    expect(await job(id)).toMatchObject({ status: 'Stopped', statusReason: 'stopped by request' });
    expect((await failure(a.api.postJobStreams(id, [rec(4, 'late')])))?.status).toBe(409);
  });

  it('keeps at most 1 MiB of a job’s records, then one marker', async () => {
    const id = await start(rbEcho, g1);
    await claimed(a, id);
    const line = 'x'.repeat(16 * 1024);
    let seq = 1;
    for (let batch = 0; batch < 3; batch++)
      await a.api.postJobStreams(
        id,
        Array.from({ length: 30 }, () => rec(seq++, line)),
      );
    const kept = await streams(id);
    expect(kept).toHaveLength(65);
    expect(kept.at(-1)).toMatchObject({
      stream: 'warning',
      text: expect.stringContaining('limit of 1048576 bytes'),
    });
    await a.api.finishJob(id, done());
  });

  it('reads an asset of the job’s account sealed to the agent that holds the job, audited with the job id', async () => {
    const id = await start(rbEcho, g1);
    await claimed(a, id);
    expect(await a.api.readJobAsset(id, 'credential', 'SqlAdmin')).toEqual({
      kind: 'credential',
      name: 'SqlAdmin',
      userName: 'CONTOSO\\sqladmin',
      password: ASSET_PASSWORD,
    });
    expect((await failure(a.api.readJobAsset(id, 'variable', 'Missing')))?.status).toBe(404);
    const read = (
      await t.database.query<{ actor: string; details: { jobId?: string } }>(
        "SELECT actor, details FROM audit_log WHERE kind = 'asset.read' ORDER BY seq DESC LIMIT 1",
      )
    )[0]!;
    expect(read).toMatchObject({ actor: `agent:${a.agentId}`, details: { jobId: id } });
    await a.api.finishJob(id, done());
    // Once the job ended, its assets are no longer given to the agent.
    expect((await failure(a.api.readJobAsset(id, 'credential', 'SqlAdmin')))?.status).toBe(409);
  });

  it('delivers the group’s Run As account only to an agent it is distributed to; elsewhere the job fails saying so', async () => {
    const id = await start(rbEcho, g2);
    // b claims first: the account is not distributed to it.
    expect((await b.api.claimJobs({ max: 10 })).map((j) => j.job.id)).not.toContain(id);
    const failed = await job(id);
    expect(failed).toMatchObject({ status: 'Failed', claimedBy: b.agentId });
    expect(failed.exception).toMatch(/Run As account 'svc-hybrid'.*not distributed to agent 'hybrid-b'/);
    const kinds = (await auditOf(runAs)).map((r) => r.kind);
    expect(kinds).toContain('credential.refused');
    const id2 = await start(rbEcho, g2);
    const got = await claimed(a, id2);
    expect(got.runAs).toMatchObject({
      accountId: runAs,
      publicFields: { userName: 'svc-hybrid' },
      secret: { password: RUNAS_PASSWORD },
    });
    await a.api.finishJob(id2, done());
  });

  it('deleting a group is refused while it has jobs that have not ended', async () => {
    const g = (await call('POST', '/api/v1/worker-groups', { name: 'Busy' })).body.id;
    const id = await start(rbEcho, g);
    const del = await call('DELETE', `/api/v1/worker-groups/${g}`);
    expect(del.status).toBe(422);
    expect(del.body.error.message).toContain(id);
    await call('POST', `/api/v1/jobs/${id}/stop`);
    expect((await call('DELETE', `/api/v1/worker-groups/${g}`)).status).toBe(200);
  });

  it('suspends a job whose agent went silent, naming it; a user resumes it and another agent of the group runs it', async () => {
    const id = await start(rbEcho, g1);
    await claimed(a, id);
    expect((await call('POST', `/api/v1/jobs/${id}/resume`)).status).toBe(409);
    await t.database.query(
      `UPDATE automation_jobs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`,
      [id],
    );
    await t.app.runtime.leases.renew();
    await t.app.runtime.runJobs();
    const suspended = await job(id);
    expect(suspended.status).toBe('Suspended');
    expect(suspended.statusReason).toContain(`agent 'hybrid-a' (${a.agentId})`);
    // The silent agent, back, is told the job is no longer its own.
    expect((await failure(a.api.postJobStreams(id, [])))?.status).toBe(409);
    expect(
      (await call('POST', `/api/v1/jobs/${id}/resume`, undefined, await t.tokenFor('read-only-operator')))
        .status,
    ).toBe(403);
    const resumed = await call('POST', `/api/v1/jobs/${id}/resume`, undefined, await t.tokenFor('operator'));
    expect(resumed.body).toMatchObject({ status: 'Queued', restarts: 1, claimedBy: null });
    const got = await claimed(b, id);
    expect(got.job.nextSeq).toBe(2);
    expect((await streams(id))[0]).toMatchObject({
      stream: 'warning',
      text: expect.stringContaining("Started again on agent 'hybrid-b'"),
    });
    await b.api.finishJob(id, done());
    expect((await auditOf(id)).map((r) => r.kind)).toEqual([
      'job.start',
      'job.claim',
      'job.suspend',
      'job.resume',
      'job.claim',
      'job.end',
    ]);
  });

  it('an agent that stops suspends the job it ran, for a user to resume', async () => {
    const id = await start(rbEcho, g1);
    await claimed(a, id);
    await a.api.finishJob(id, done({ exitCode: null, interrupted: true }));
    expect(await job(id)).toMatchObject({
      status: 'Suspended',
      statusReason: expect.stringContaining("agent 'hybrid-a'"),
    });
    expect((await call('POST', `/api/v1/jobs/${id}/stop`)).body.status).toBe('Stopped');
  });
});

describe('the agent’s hybrid job loop', () => {
  it('runs a shell runbook that reads a credential asset and the Run As password, none of them reaching a stream, response or audit record; and stops one while it runs', async () => {
    // Only agent a runs loops here; b leaves the groups so a takes every job.
    for (const g of [g1, g2]) await call('DELETE', `/api/v1/worker-groups/${g}/agents/${b.agentId}`);
    const log = pino({ level: 'silent' });
    const halt = new AbortController();
    const loop = createHybridJobLoop({
      call: (_what, fn) => fn(a.api as AgentApi),
      log,
      signal: halt.signal,
      waitSeconds: 1,
      postMs: 200,
      stewardCommand: {
        node: process.execPath,
        script: fileURLToPath(new URL('../../../../dist/index.js', import.meta.url)),
      },
    });
    try {
      const reader = await runbook(
        'Read-Both',
        [
          'cred=$(steward asset get credential SqlAdmin)',
          'echo "$cred" | python3 -c "import sys,json,hashlib; c=json.load(sys.stdin); print(c[\'userName\']); print(hashlib.sha256(c[\'password\'].encode()).hexdigest())"',
          'echo "runas=$AUTOMATION_RUNAS_DOMAIN\\\\$AUTOMATION_RUNAS_USERNAME"',
          'printf %s "$AUTOMATION_RUNAS_PASSWORD" | sha256sum | cut -d" " -f1',
          'echo "leak: $AUTOMATION_RUNAS_PASSWORD"',
        ].join('\n'),
      );
      const id = await start(reader, g2);
      const until = Date.now() + 20_000;
      while (!['Completed', 'Failed'].includes((await job(id)).status) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100));
      const out = (await streams(id)).map((r) => r.text);
      expect((await job(id)).status, out.join('\n')).toBe('Completed');
      expect(out).toEqual([
        'CONTOSO\\sqladmin',
        createHash('sha256').update(ASSET_PASSWORD).digest('hex'),
        'runas=CONTOSO\\svc-hybrid',
        createHash('sha256').update(RUNAS_PASSWORD).digest('hex'),
        'leak: ********',
      ]);

      const sleeper = await runbook('Sleeper', 'echo started; sleep 30 & wait; echo never');
      const long = await start(sleeper, g1);
      const seen = await call('GET', `/api/v1/jobs/${long}/streams?wait=10`);
      expect(seen.body.items.map((r: { text: string }) => r.text)).toEqual(['started']);
      expect(seen.body.status).toBe('Running');
      await call('POST', `/api/v1/jobs/${long}/stop`);
      const stopUntil = Date.now() + 15_000;
      while ((await job(long)).status !== 'Stopped' && Date.now() < stopUntil)
        await new Promise((r) => setTimeout(r, 100));
      expect(await job(long)).toMatchObject({ status: 'Stopped', claimedBy: a.agentId });
      expect((await streams(long)).map((r) => r.text)).toEqual(['started']);

      const everything = [
        JSON.stringify(await streams(id)),
        (await call('GET', '/api/v1/audit?limit=1000')).body &&
          JSON.stringify((await call('GET', '/api/v1/audit?limit=1000')).body),
        JSON.stringify((await call('GET', `/api/v1/jobs?account=${accountId}`)).body),
      ].join('\n');
      expect(everything).not.toContain(ASSET_PASSWORD);
      expect(everything).not.toContain(RUNAS_PASSWORD);
    } finally {
      await loop.stop();
      // Its claim in flight comes back within its wait: no request stays open on the server.
      await loop.done;
      halt.abort();
    }
  }, 60_000);
});

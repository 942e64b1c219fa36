// Proves hybrid jobs end to end with real processes: a real `steward server` and a real `steward agent`; a
// hybrid worker group made with `steward worker-group` (running as a Run As account distributed to the agent)
// holds that agent; a shell runbook runs on it as a hybrid job and its streams are read while it runs, then it
// is stopped; another reads a credential asset (`steward asset get` on the agent, fetched over its signed
// channel) and the Run As password; neither password reaches a stream, a response, the audit log or any log.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../support/agent-process.js';
import { assertCliBuilt, runCliProcess } from '../support/cli-process.js';
import { type Stage, startEnrolledAgent, startStage, until } from '../support/e2e-stage.js';
import { type ServerProcess, tempDir } from '../support/server-process.js';

const ASSET_PASSWORD = 'e2e-hybrid-asset-Pw-3391';
const RUNAS_PASSWORD = 'e2e-hybrid-runas-Pw-7710';
const COMPUTER = 'hybrid-e2e-01';

let stage: Stage;
let server: ServerProcess;
let agent: AgentProcess;
let agentId: string;
let accountId: string;
let groupId: string;

const ok: Stage['ok'] = (method, path, body) => stage.ok(method, path, body);
const steward = (args: string[]) =>
  runCliProcess(args, {
    HOME: tempDir('steward-cli-hybrid-home-'),
    STEWARD_URL: server.url,
    STEWARD_TOKEN: stage.token,
  });

interface Job {
  id: string;
  status: string;
  claimedBy: string | null;
  exception: string | null;
}
const job = (id: string) => ok<Job>('GET', `/api/v1/jobs/${id}`);
const streams = async (id: string) =>
  (await ok<{ items: { text: string; stream: string }[] }>('GET', `/api/v1/jobs/${id}/streams?limit=5000`))
    .items;

async function runbook(name: string, content: string) {
  const rb = await ok<{ id: string }>('POST', `/api/v1/automation-accounts/${accountId}/runbooks`, {
    name,
    type: 'shell',
    content,
  });
  await ok('POST', `/api/v1/runbooks/${rb.id}/publish`);
  return rb.id;
}

const startOnGroup = async (runbookId: string) =>
  (await ok<Job>('POST', `/api/v1/runbooks/${runbookId}/jobs`, { runOn: groupId })).id;

const ended = (id: string, statuses = ['Completed', 'Failed', 'Stopped']) =>
  until(
    `job ${id} to end`,
    async () => {
      const j = await job(id);
      return statuses.includes(j.status) ? j : undefined;
    },
    { timeoutMs: 20_000, diagnostics: () => `agent log:\n${agent.stderr()}` },
  );

beforeAll(async () => {
  assertCliBuilt();
  stage = await startStage({ adminPassword: 'e2e admin password 9' });
  server = stage.server;
  ({ agent, agentId } = await startEnrolledAgent(stage, COMPUTER, {
    dataDir: tempDir('steward-hybrid-agent-'),
  }));
  accountId = (await ok<{ id: string }>('POST', '/api/v1/automation-accounts', { name: 'hybrid-e2e' })).id;
  await ok('PUT', `/api/v1/automation-accounts/${accountId}/credentials/SqlAdmin`, {
    userName: 'CONTOSO\\sqladmin',
    password: ASSET_PASSWORD,
  });
  const runAs = await ok<{ id: string }>('POST', '/api/v1/accounts', {
    name: 'svc-hybrid-e2e',
    credential: { type: 'windows', userName: 'svc-hybrid-e2e', domain: 'CONTOSO', password: RUNAS_PASSWORD },
  });
  await ok('PUT', `/api/v1/accounts/${runAs.id}/distribution`, {
    security: 'more-secure',
    approved: [agentId],
  });
  const made = await steward([
    'worker-group',
    'create',
    'E2E-Workers',
    '--run-as',
    'svc-hybrid-e2e',
    '--json',
  ]);
  expect(made.code, made.stderr).toBe(0);
  groupId = JSON.parse(made.stdout).id;
  const added = await steward(['worker-group', 'add-agent', 'E2E-Workers', COMPUTER]);
  expect(added.code, added.stderr).toBe(0);
  expect(added.stdout).toContain('1 agent(s)');
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await stage?.close();
});

describe('hybrid jobs on a real agent', () => {
  it('`steward worker-group show` lists the agent, available', async () => {
    const shown = await steward(['worker-group', 'show', 'E2E-Workers']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(COMPUTER);
    expect(shown.stdout).toMatch(/Run As account:\s+acct_/);
    expect(shown.stdout).toMatch(new RegExp(`${COMPUTER}\\s+approved\\s+yes`));
  });

  it('runs a shell runbook on the agent; its streams are read while it runs; stopped, its process tree ends', async () => {
    const rb = await runbook(
      'Ticker',
      'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo "tick $i"; sleep 0.5; done',
    );
    const id = await startOnGroup(rb);
    const live = await until(
      'records while it runs',
      async () => {
        const r = await ok<{ items: { text: string }[]; status: string }>(
          'GET',
          `/api/v1/jobs/${id}/streams?wait=5`,
        );
        return r.items.length >= 2 && r.status === 'Running' ? r : undefined;
      },
      { diagnostics: () => agent.stderr() },
    );
    expect(live.items[0]!.text).toBe('tick 1');
    expect((await job(id)).claimedBy).toBe(agentId);
    await ok('POST', `/api/v1/jobs/${id}/stop`);
    const done = await ended(id);
    expect(done.status).toBe('Stopped');
    const ticks = (await streams(id)).map((r) => r.text);
    expect(ticks.length).toBeLessThan(20);
    expect(ticks).not.toContain('tick 20');
  });

  it('a job reads a credential asset on the agent and runs with the Run As credential; no password reaches a stream, response, audit record or log', async () => {
    const rb = await runbook(
      'Reader',
      [
        'cred=$(steward asset get credential SqlAdmin)',
        'echo "$cred" | python3 -c "import sys,json,hashlib; c=json.load(sys.stdin); print(c[\'userName\']); print(hashlib.sha256(c[\'password\'].encode()).hexdigest())"',
        'echo "runas=$AUTOMATION_RUNAS_USERNAME"',
        'printf %s "$AUTOMATION_RUNAS_PASSWORD" | sha256sum | cut -d" " -f1',
      ].join('\n'),
    );
    const id = await startOnGroup(rb);
    const done = await ended(id);
    const out = (await streams(id)).map((r) => r.text);
    expect(done.status, `${out.join('\n')}\n${done.exception}`).toBe('Completed');
    expect(out).toEqual([
      'CONTOSO\\sqladmin',
      createHash('sha256').update(ASSET_PASSWORD).digest('hex'),
      'runas=svc-hybrid-e2e',
      createHash('sha256').update(RUNAS_PASSWORD).digest('hex'),
    ]);
    const audit = await ok<{ items: { kind: string; actor: string; details: { jobId?: string } }[] }>(
      'GET',
      '/api/v1/audit?limit=1000',
    );
    expect(audit.items.find((a) => a.kind === 'asset.read' && a.details.jobId === id)?.actor).toBe(
      `agent:${agentId}`,
    );
    const everything = [
      JSON.stringify(audit),
      JSON.stringify(await ok('GET', `/api/v1/jobs?account=${accountId}`)),
      JSON.stringify(await streams(id)),
      agent.stderr(),
      agent.stdout(),
      readFileSync(server.stderrPath, 'utf8'),
      readFileSync(server.stdoutPath, 'utf8'),
    ].join('\n');
    expect(everything).not.toContain(ASSET_PASSWORD);
    expect(everything).not.toContain(RUNAS_PASSWORD);
  });

  it('an agent stopped mid-job suspends the job, naming itself; a user resumes it: queued again for its group', async () => {
    const rb = await runbook('Long', 'echo begun; sleep 30');
    const id = await startOnGroup(rb);
    await until('the job to run', async () => ((await streams(id)).length ? true : undefined));
    expect(await agent.stop('SIGTERM')).toBe(0);
    const suspended = await job(id);
    expect(suspended.status).toBe('Suspended');
    expect(suspended).toMatchObject({ claimedBy: agentId });
    const reason = (await ok<{ statusReason: string }>('GET', `/api/v1/jobs/${id}`)).statusReason;
    expect(reason).toContain(`agent '${COMPUTER}' (${agentId}) stopped while it ran the job`);
    const resumed = await ok<Job & { restarts: number }>('POST', `/api/v1/jobs/${id}/resume`);
    expect(resumed).toMatchObject({ status: 'Queued', restarts: 1, claimedBy: null });
    await ok('POST', `/api/v1/jobs/${id}/stop`);
  });
});

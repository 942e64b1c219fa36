// Proves `steward agent` end to end with real processes: it enrolls with a token (failing over from a dead
// server to a live one), receives the account distributed to it and runs a monitor as that account (its
// user name in the output, never its password), reports not-run-credentials-not-found for an account
// associated but not distributed, lets its server stop at once while it waits on it, stops cleanly on SIGTERM,
// and no password reaches any log or its disk.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../support/agent-process.js';
import { assertCliBuilt } from '../support/cli-process.js';
import { type Stage, startEnrolledAgent, startStage, until } from '../support/e2e-stage.js';
import { freePort, type ServerProcess, tempDir } from '../support/server-process.js';

const RUN_PASSWORD = 'e2e-run-as-password-Zq81';
const MISSING_PASSWORD = 'e2e-not-distributed-password-Xk44';
const COMPUTER = 'agent-e2e-01';

const PACK = `
id: E2E.Agent
version: 1.0.0
references:
  - { id: Steward.Library, minVersion: 1.0.0 }
profiles:
  - { id: E2E.Agent.RunProfile, contextClass: System.Computer }
  - { id: E2E.Agent.MissingProfile, contextClass: System.Computer }
workflows:
  - id: E2E.Agent.WhoAmI
    kind: monitor
    target: System.Computer
    runAs: E2E.Agent.RunProfile
    action:
      type: command
      command: [sh, -c, 'echo user=$STEWARD_RUNAS_USERNAME; test -n "$STEWARD_RUNAS_PASSWORD"']
    schedule: { cron: '* * * * * *' }
  - id: E2E.Agent.NotDistributed
    kind: monitor
    target: System.Computer
    runAs: E2E.Agent.MissingProfile
    action: { type: command, command: [sh, -c, 'echo should-never-run'] }
    schedule: { cron: '* * * * * *' }
  - id: E2E.Agent.Task
    kind: task
    target: System.Computer
    runAs: E2E.Agent.RunProfile
    action: { type: command, command: [sh, -c, 'echo task-ran'] }
`;

interface Result {
  workflowId: string;
  objectId: string;
  outcome: string;
  exitCode: number | null;
  accountId: string | null;
  stdout: string;
  notRunSince: string | null;
}

let server: ServerProcess;
let agent: AgentProcess;
let agentDir: string;
let stage: Stage;
let agentId: string;
let runAccount: string;
let missingAccount: string;
let agentExit: number | null;

const ok: Stage['ok'] = (method, path, body) => stage.ok(method, path, body);
const eventually = <T>(what: string, probe: () => Promise<T | undefined>) =>
  until(what, probe, { timeoutMs: 15_000, diagnostics: () => `agent log:\n${agent?.stderr() ?? ''}` });

const resultOf = async (workflowId: string) =>
  (await ok<{ items: Result[] }>('GET', `/api/v1/results?computer=${COMPUTER}&workflow=${workflowId}`))
    .items[0];

beforeAll(async () => {
  assertCliBuilt();
  stage = await startStage({ adminPassword: 'e2e admin password 9' });
  server = stage.server;
  await ok('POST', '/api/v1/packs', { content: PACK, format: 'yaml' });
  agentDir = tempDir('steward-agent-e2e-');
  const dead = `http://127.0.0.1:${await freePort()}`;
  ({ agent, agentId } = await startEnrolledAgent(stage, COMPUTER, {
    dataDir: agentDir,
    servers: [dead, server.url],
  }));

  const account = async (name: string, password: string) =>
    (
      await ok<{ id: string }>('POST', '/api/v1/accounts', {
        name,
        credential: { type: 'windows', userName: name, password },
      })
    ).id;
  runAccount = await account('svc-e2e-run', RUN_PASSWORD);
  missingAccount = await account('svc-e2e-missing', MISSING_PASSWORD);
  await ok('PUT', `/api/v1/accounts/${runAccount}/distribution`, {
    security: 'more-secure',
    approved: [agentId],
  });
  for (const [profile, accountId] of [
    ['E2E.Agent.RunProfile', runAccount],
    ['E2E.Agent.MissingProfile', missingAccount],
  ] as const)
    await ok('POST', `/api/v1/profiles/${profile}/associations`, {
      accountId,
      scope: { kind: 'object', objectId: agentId },
    });
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await stage?.close();
});

describe('steward agent', () => {
  it('enrolls with its token after failing over from an unreachable server, keys mode 0600', async () => {
    expect(agent.stderr()).toContain('server unreachable: moving on');
    expect(agentId).toMatch(/^cmp_/);
    for (const f of ['agent-signing-key.pem', 'agent-sealing-key.pem'])
      expect(statSync(join(agentDir, f)).mode & 0o777).toBe(0o600);
  });

  it('runs the monitor as the distributed account: its user name in the output, never its password', async () => {
    const r = await eventually('a run as the distributed account', async () => {
      const x = await resultOf('E2E.Agent.WhoAmI');
      return x?.outcome === 'ran' && x.accountId === runAccount ? x : undefined;
    });
    expect(r.objectId).toBe(agentId);
    expect(r.stdout).toBe('user=svc-e2e-run\n');
    // `test -n "$STEWARD_RUNAS_PASSWORD"` exits 0 only if the password reached the process.
    expect(r.exitCode).toBe(0);
    expect(JSON.stringify(r)).not.toContain(RUN_PASSWORD);
    // A Windows account has no local user to run as: the agent says so, once, at the default log level.
    const said = agent
      .stderr()
      .split('\n')
      .filter((l) => l.includes('how the account runs here') && l.includes(runAccount));
    expect(said).toHaveLength(1);
    expect(JSON.parse(said[0]!)).toMatchObject({
      level: 30,
      ranAs: "a windows account is injected, not run as: ran as the agent's own user",
    });
  });

  it('holding no credential, takes the one it runs as with its configuration: no request of its own', async () => {
    await eventually('a run as the distributed account', async () =>
      (await resultOf('E2E.Agent.WhoAmI'))?.accountId === runAccount ? true : undefined,
    );
    // The server's request log: one JSON line per request received.
    const urls = server
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        const req = (JSON.parse(line) as { req?: { method: string; url: string } }).req;
        return req ? [`${req.method} ${req.url}`] : [];
      });
    expect(
      urls.some((u) => u.startsWith('GET /api/v1/agent/config?') && u.includes('include=credentials')),
    ).toBe(true);
    expect(urls.filter((u) => u.startsWith('POST /api/v1/agent/credentials'))).toEqual([]);
  });

  it('does not run the workflow whose account is associated but not distributed, and says so', async () => {
    const r = await eventually('the not-run report', async () => {
      const x = await resultOf('E2E.Agent.NotDistributed');
      return x?.outcome === 'not-run-credentials-not-found' ? x : undefined;
    });
    expect(r).toMatchObject({ objectId: agentId, accountId: missingAccount, exitCode: null, stdout: '' });
    expect(r.notRunSince).not.toBeNull();
    // Tasks run on demand only: the scheduler never ran this one.
    expect(await resultOf('E2E.Agent.Task')).toBeUndefined();
  });

  it('lets its server stop at once and cleanly while it waits there for a change', async () => {
    // The agent always holds a long-poll for its configuration (up to 30 s) and one for task runs: the server
    // ends them when it stops rather than wait them out (and be cut off, its database left open).
    const started = performance.now();
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.stdout()).toContain('"msg":"stopping"');
  });

  it('stops cleanly on SIGTERM', async () => {
    agentExit = await agent.stop('SIGTERM');
    expect(agentExit).toBe(0);
    expect(agent.stderr()).toContain('agent stopped');
  });

  it('leaves no password in any log of server or agent, nor on the agent’s disk', async () => {
    await server.stop();
    const logs = [
      agent.stdout(),
      agent.stderr(),
      server.stdout(),
      server.stderr(),
      readFileSync(server.stdoutPath, 'utf8'),
      readFileSync(server.stderrPath, 'utf8'),
    ];
    for (const f of readdirSync(agentDir)) logs.push(readFileSync(join(agentDir, f), 'utf8'));
    expect(agent.stderr().length).toBeGreaterThan(0);
    for (const text of logs) {
      expect(text).not.toContain(RUN_PASSWORD);
      expect(text).not.toContain(MISSING_PASSWORD);
      expect(text).not.toContain('stw_enroll_');
    }
    // Every agent log line is JSON.
    for (const line of agent.stderr().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });
});

// Proves `steward task` end to end with real processes (server, agent, CLI): `task run` prints the task's output
// as it wrote it and exits with the task's exit code, runs it as the account its profile resolves to (never
// showing the password), exits 7 without running it when that account is not distributed to the agent (R22),
// gives one JSON document with --json, returns the run id with --no-wait, and `task show` / `task list` read runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../support/agent-process.js';
import { assertCliBuilt, runCliProcess } from '../support/cli-process.js';
import { type Stage, startEnrolledAgent, startStage } from '../support/e2e-stage.js';
import { type ServerProcess, tempDir } from '../support/server-process.js';

const PASSWORD = 'e2e-task-password-Wm52';
const COMPUTER = 'task-e2e-01';

const PACK = `
id: E2E.Task
version: 1.0.0
references:
  - { id: Steward.Library, minVersion: 1.0.0 }
profiles:
  - { id: E2E.Task.RunProfile, contextClass: System.Computer }
  - { id: E2E.Task.MissingProfile, contextClass: System.Computer }
workflows:
  - id: E2E.Task.Hello
    kind: task
    target: System.Computer
    action: { type: command, command: [sh, -c, 'echo "hello from $STEWARD_OBJECT_ID"; echo careful >&2; exit 3'] }
  - id: E2E.Task.WhoAmI
    kind: task
    target: System.Computer
    runAs: E2E.Task.RunProfile
    action: { type: command, command: [sh, -c, 'echo "user=$STEWARD_RUNAS_USERNAME pw=$STEWARD_RUNAS_PASSWORD"'] }
  - id: E2E.Task.NotDistributed
    kind: task
    target: System.Computer
    runAs: E2E.Task.MissingProfile
    action: { type: command, command: [sh, -c, 'echo should-never-run'] }
`;

let stage: Stage;
let server: ServerProcess;
let agent: AgentProcess;
let agentId: string;
let runAccount: string;

const ok: Stage['ok'] = (method, path, body) => stage.ok(method, path, body);

const steward = (args: string[]) =>
  runCliProcess(args, {
    HOME: tempDir('steward-cli-task-home-'),
    STEWARD_URL: server.url,
    STEWARD_TOKEN: stage.token,
  });

beforeAll(async () => {
  assertCliBuilt();
  stage = await startStage({ adminPassword: 'e2e admin password 9' });
  server = stage.server;
  await ok('POST', '/api/v1/packs', { content: PACK, format: 'yaml' });
  ({ agent, agentId } = await startEnrolledAgent(stage, COMPUTER, {
    dataDir: tempDir('steward-agent-task-'),
  }));
  const account = async (name: string) =>
    (
      await ok<{ id: string }>('POST', '/api/v1/accounts', {
        name,
        credential: { type: 'windows', userName: name, password: PASSWORD },
      })
    ).id;
  runAccount = await account('svc-e2e-task');
  const missing = await account('svc-e2e-task-missing');
  await ok('PUT', `/api/v1/accounts/${runAccount}/distribution`, {
    security: 'more-secure',
    approved: [agentId],
  });
  for (const [profile, accountId] of [
    ['E2E.Task.RunProfile', runAccount],
    ['E2E.Task.MissingProfile', missing],
  ] as const)
    await ok('POST', `/api/v1/profiles/${profile}/associations`, {
      accountId,
      scope: { kind: 'object', objectId: agentId },
    });
  // The agent holds the distributed credential once it has applied the configuration that uses it.
  await agent.waitForLog(new RegExp(`"credentials":\\[\\{"id":"${runAccount}"`), 20_000);
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await stage?.close();
});

describe('steward task', { timeout: 60_000 }, () => {
  it('run prints the task’s output as it wrote it and exits with the task’s exit code', async () => {
    const r = await steward(['task', 'run', 'E2E.Task.Hello', '--object', COMPUTER, '--timeout', '30']);
    expect(r.stdout).toBe(`hello from ${agentId}\n`);
    expect(r.stderr).toContain('careful\n');
    expect(r.stderr).toMatch(/Task E2E\.Task\.Hello for cmp_\w+ exited with code 3 \(run trun_\w+\)\./);
    expect(r.code).toBe(3);
  });

  it('run uses the account the profile resolves to, exits 0 and never shows its password', async () => {
    const r = await steward(['task', 'run', 'E2E.Task.WhoAmI', '--object', agentId]);
    expect(r).toEqual({ code: 0, stdout: 'user=svc-e2e-task pw=[redacted]\n', stderr: '' });
  });

  it('run --json gives the finished run as one document, with the same exit code', async () => {
    const r = await steward(['task', 'run', 'E2E.Task.WhoAmI', '--object', COMPUTER, '--json']);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run).toMatchObject({
      taskId: 'E2E.Task.WhoAmI',
      objectId: agentId,
      runnerId: agentId,
      status: 'succeeded',
      exitCode: 0,
      accountId: runAccount,
      stdout: 'user=svc-e2e-task pw=[redacted]\n',
    });
    expect(r.stdout).not.toContain(PASSWORD);
  });

  it('run exits 7 without running the task when its account is not distributed to the agent', async () => {
    const r = await steward(['task', 'run', 'E2E.Task.NotDistributed', '--object', COMPUTER]);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('was not run: credentials not found');
    expect(r.stderr).not.toContain('should-never-run');
  });

  it('run --no-wait prints the run id; show and list read it back', async () => {
    const queued = await steward(['task', 'run', 'E2E.Task.Hello', '--object', COMPUTER, '--no-wait']);
    expect(queued.code).toBe(0);
    const id = queued.stdout.trim();
    expect(id).toMatch(/^trun_[a-z0-9]+$/);
    const shown = await steward(['task', 'show', id, '--wait', '30', '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: 'failed', exitCode: 3 });
    const human = await steward(['task', 'show', id]);
    expect(human.stderr).toBe('');
    expect(human.stdout).toMatch(/^Status: +failed$/m);
    expect(human.stdout).toContain(`--- stdout ---\nhello from ${agentId}\n`);
    const listed = await steward(['task', 'list', '--object', COMPUTER, '--task', 'E2E.Task.Hello']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[1]).toContain(id);
  });

  it('run refuses an unknown task with exit code 5, and a bad timeout with 2', async () => {
    const unknown = await steward(['task', 'run', 'E2E.Task.Nope', '--object', COMPUTER]);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain('NOT_FOUND');
    const bad = await steward(['task', 'run', 'E2E.Task.Hello', '--object', COMPUTER, '--timeout', '0']);
    expect(bad.code).toBe(2);
  });

  it('leaves no password in the logs of server or agent', () => {
    for (const text of [agent.stdout(), agent.stderr(), server.stdout(), server.stderr()])
      expect(text).not.toContain(PASSWORD);
  });
});

// Proves the agent's side of tasks on demand with real child processes: a claimed task runs with the credential
// its configuration resolves (secrets redacted from its output), an account not distributed or not delivered
// means not run (never as another account), the agent's own configuration entry wins over the server's, the
// run's timeout stops the action, a missing program is failed-to-start; and the loop waits for a configuration,
// backs off on failures (saying a repeated one once) and stops.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/server-process.js';
import type { OpenedCredential } from '../contract/agents.js';
import type { AgentTaskRun } from '../contract/tasks.js';
import { createAgentApi } from './agent-api.js';
import { loadOrCreateIdentity } from './agent-identity.js';
import type { AgentConfig } from './run-plan.js';
import { createTaskRunLoop, entryForRun, executeTaskRun } from './task-runs.js';
import { runAction } from './workflow-runner.js';

const scratch = mkdtempSync(join(tmpdir(), 'steward-task-runs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const PASSWORD = 'task-unit-secret-Qq19';

const run = (command: string[], extra: Partial<AgentTaskRun> = {}): AgentTaskRun => ({
  id: 'trun_1',
  taskId: 'T.Task',
  objectId: 'obj_1',
  timeoutSeconds: 30,
  action: { type: 'command', command, timeoutSeconds: 300 },
  object: { id: 'obj_1', classId: 'T.Class', name: 'one', properties: { port: 1433 } },
  resolution: { kind: 'default-action-account' },
  ...extra,
});

const cred: OpenedCredential = {
  accountId: 'acct_run',
  version: 2,
  name: 'svc-run',
  type: 'windows',
  publicFields: { userName: 'svc-run' },
  secret: { password: PASSWORD },
};

const config = (resolution: AgentConfig['entries'][number]['resolution']) => ({
  defaultActionAccountId: null,
  entries: [{ workflowId: 'T.Task', objectId: 'obj_1', resolution }],
});

const viaAccount = { kind: 'account' as const, accountId: 'acct_run', associationId: 'asc_1' };
const notDistributed = { kind: 'not-distributed' as const, accountId: 'acct_run', associationId: 'asc_1' };
const deps = (c: ReturnType<typeof config>, held = new Map([[cred.accountId, cred]])) => ({
  config: c,
  held,
  runAction,
  switchUser: false,
  tempRoot: scratch,
});

describe('executeTaskRun', () => {
  it('runs with the resolved account and the object’s properties, redacting the secret from the output', async () => {
    const r = await executeTaskRun(
      run([
        'sh',
        '-c',
        'echo "user=$STEWARD_RUNAS_USERNAME port=$STEWARD_PROP_PORT pw=$STEWARD_RUNAS_PASSWORD"; exit 4',
      ]),
      deps(config(viaAccount)),
    );
    expect(r).toEqual({
      outcome: 'ran',
      exitCode: 4,
      timedOut: false,
      accountId: 'acct_run',
      accountVersion: 2,
      stdout: 'user=svc-run port=1433 pw=[redacted]\n',
      stderr: '',
    });
  });

  it('does not run when the account is not distributed here, nor when its credential has not arrived', async () => {
    const marker = join(scratch, 'ran-anyway');
    const touch = run(['sh', '-c', `touch ${marker}`]);
    const notHere = await executeTaskRun(touch, deps(config(notDistributed)));
    expect(notHere).toMatchObject({
      outcome: 'not-run-credentials-not-found',
      exitCode: null,
      accountId: 'acct_run',
      stdout: '',
    });
    expect(notHere.stderr).toContain('not distributed to this agent');
    const notArrived = await executeTaskRun(touch, deps(config(viaAccount), new Map()));
    expect(notArrived.outcome).toBe('not-run-credentials-not-found');
    expect(notArrived.stderr).toContain('did not arrive');
    expect(existsSync(marker)).toBe(false);
  });

  it('prefers the agent’s own configuration entry, and uses the server’s resolution only when it has none', () => {
    const r = run(['true'], { resolution: viaAccount });
    expect(entryForRun(r, config(notDistributed)).resolution).toEqual(notDistributed);
    expect(entryForRun(r, { entries: [] }).resolution).toEqual(viaAccount);
  });

  it('stops the action at the run’s timeout, whatever the action’s own', async () => {
    const started = Date.now();
    const r = await executeTaskRun(run(['sleep', '20'], { timeoutSeconds: 1 }), deps(config(viaAccount)));
    expect(r).toMatchObject({ outcome: 'ran', timedOut: true, exitCode: null });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a program that does not exist as failed-to-start', async () => {
    const r = await executeTaskRun(
      run(['/nonexistent/steward-task']),
      deps({ defaultActionAccountId: null, entries: [] }),
    );
    expect(r).toMatchObject({ outcome: 'failed-to-start', exitCode: null });
    expect(r.stderr.length).toBeGreaterThan(0);
  });
});

describe('createTaskRunLoop', () => {
  const recorder = () => {
    const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
    const at =
      (level: string) =>
      (obj: Record<string, unknown>, msg = '') => {
        lines.push({ level, msg, obj });
      };
    return {
      lines,
      log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as never,
    };
  };

  it('claims nothing before the first configuration arrives', async () => {
    let calls = 0;
    const abort = new AbortController();
    const loop = createTaskRunLoop({
      call: async () => {
        calls++;
        return [] as never;
      },
      config: () => undefined,
      held: new Map(),
      runAction,
      log: recorder().log,
      signal: abort.signal,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(calls).toBe(0);
    await loop.stop();
    await loop.done;
  });

  it('backs off while the server cannot be reached, logs the repeated failure once, and ends on stop', async () => {
    const server = `http://127.0.0.1:${await freePort()}`;
    const identity = loadOrCreateIdentity(join(scratch, 'identity'));
    identity.agentId = 'cmp_unit';
    const api = createAgentApi({ server, identity });
    const { lines, log } = recorder();
    let calls = 0;
    const abort = new AbortController();
    const loop = createTaskRunLoop({
      call: (_what, fn) => {
        calls++;
        return fn(api);
      },
      config: () => config(viaAccount),
      held: new Map(),
      runAction,
      log,
      signal: abort.signal,
      retryMs: 20,
      maxRetryMs: 80,
    });
    await new Promise((r) => setTimeout(r, 700));
    await loop.stop();
    await loop.done;
    // 20 + 40 + 80 + 80 … ms between attempts: a handful in 0.7 s, not a busy loop.
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(14);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: 'task run poll failed: will retry', obj: { retryInMs: 20 } });
    const after = calls;
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toBe(after);
  });
});

// Proves what `steward task run` ends with: the task's own exit code when it has one (never 0 for a failed run),
// fixed codes for runs that ended without one, and a sentence on stderr for every run that did not succeed.
import { describe, expect, it } from 'vitest';
import type { TaskRun } from '../../contract/tasks.js';
import { TASK_EXIT, taskEnding, taskExitCode } from './task-run.js';

const run = (status: TaskRun['status'], exitCode: number | null, extra: Partial<TaskRun> = {}): TaskRun => ({
  id: 'trun_1',
  taskId: 'T.Task',
  objectId: 'obj_1',
  runnerId: 'cmp_1',
  status,
  requestedBy: 'ops',
  requestedAt: '2025-01-01T00:00:00.000Z',
  claimedAt: null,
  finishedAt: null,
  timeoutSeconds: 60,
  exitCode,
  timedOut: status === 'timed-out',
  accountId: null,
  accountVersion: null,
  stdout: '',
  stderr: '',
  ...extra,
});

describe('taskExitCode', () => {
  it('is the task’s own exit code when it ran to an end', () => {
    expect(taskExitCode(run('succeeded', 0))).toBe(0);
    expect(taskExitCode(run('failed', 3))).toBe(3);
    expect(taskExitCode(run('failed', 255))).toBe(255);
  });

  it('never reports success for a failed run, and uses fixed codes for runs without an exit code', () => {
    expect(taskExitCode(run('failed', null))).toBe(TASK_EXIT.failedWithoutCode);
    expect(taskExitCode(run('failed', 0))).toBe(TASK_EXIT.failedWithoutCode);
    expect(taskExitCode(run('timed-out', null))).toBe(124);
    expect(taskExitCode(run('not-run', null))).toBe(7);
    expect(taskExitCode(run('expired', null))).toBe(8);
    expect(taskExitCode(run('running', null))).toBe(8);
    expect(taskExitCode(run('queued', null))).toBe(8);
  });
});

describe('taskEnding', () => {
  it('says nothing for a success and one sentence naming the run otherwise', () => {
    expect(taskEnding(run('succeeded', 0))).toBeUndefined();
    expect(taskEnding(run('failed', 3))).toBe('Task T.Task for obj_1 exited with code 3 (run trun_1).');
    expect(taskEnding(run('not-run', null, { accountId: 'acct_x' }))).toContain(
      'was not run: credentials not found, account acct_x',
    );
    expect(taskEnding(run('expired', null))).toContain('is the agent of cmp_1 running?');
    expect(taskEnding(run('timed-out', null))).toContain('timed out after 60 s');
    expect(taskEnding(run('running', null))).toContain('steward task show trun_1');
  });
});

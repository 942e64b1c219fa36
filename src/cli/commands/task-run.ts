// `steward task run TASK --object O`: runs a task for one object on the health service that runs the object,
// waits for its end and prints its output; the command's exit code is the task's.
import type { Command } from 'commander';
import { apiPath, type Client } from '../../contract/client.js';
import {
  isFinished,
  TASK_RUN_WAIT_MAX_SECONDS,
  TASK_TIMEOUT_DEFAULT_SECONDS,
  TASK_TIMEOUT_MAX_SECONDS,
  type TaskRun,
  type TaskRunStatus,
  taskRunSchema,
} from '../../contract/tasks.js';
import type { CliContext } from '../cli-context.js';
import { resolveObject } from '../names.js';
import { integerOption } from '../options.js';
import { session } from '../session.js';

/** The `task` command group, shared by `task run` and `task show` / `task list`, whichever registers first. */
export function taskGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'task') ??
    program.command('task').description('Run tasks on demand for one object, and read their runs')
  );
}

/** Exit codes for runs that ended without one of their own. */
export const TASK_EXIT = {
  /** The task ran and was killed by a signal, or could not start. */
  failedWithoutCode: 1,
  /** Not run: the account its profile resolves to is not distributed to the health service (R22). */
  notRun: 7,
  /** No health service picked it up within its timeout, or it was still unfinished when the wait ended. */
  notPickedUp: 8,
  /** Ran past its timeout and was stopped (as timeout(1) does). */
  timedOut: 124,
} as const;

/** The exit code `steward task run` ends with: the task's own when it has one. */
export function taskExitCode(run: Pick<TaskRun, 'status' | 'exitCode'>): number {
  const byStatus: Record<TaskRunStatus, number> = {
    succeeded: 0,
    // A failed run never ends with 0, whatever it reported.
    failed: run.exitCode || TASK_EXIT.failedWithoutCode,
    'timed-out': TASK_EXIT.timedOut,
    'not-run': TASK_EXIT.notRun,
    expired: TASK_EXIT.notPickedUp,
    queued: TASK_EXIT.notPickedUp,
    running: TASK_EXIT.notPickedUp,
  };
  return byStatus[run.status];
}

/** One sentence on how a run ended, for stderr; undefined when it succeeded. */
export function taskEnding(run: TaskRun): string | undefined {
  const what = `Task ${run.taskId} for ${run.objectId}`;
  switch (run.status) {
    case 'succeeded':
      return undefined;
    case 'failed':
      return run.exitCode === null
        ? `${what} failed: it could not start or was stopped by a signal (run ${run.id}).`
        : `${what} exited with code ${run.exitCode} (run ${run.id}).`;
    case 'timed-out':
      return `${what} timed out after ${run.timeoutSeconds} s (run ${run.id}).`;
    case 'not-run':
      return `${what} was not run: credentials not found, account ${run.accountId ?? '?'} is not available on ${run.runnerId} (run ${run.id}).`;
    case 'expired':
      return `${what} expired: no health service picked it up within ${run.timeoutSeconds} s; is the agent of ${run.runnerId} running? (run ${run.id})`;
    default:
      return `Task run ${run.id} is still ${run.status}: see \`steward task show ${run.id}\`.`;
  }
}

/** Waits for the run's end: long-polls until it finishes, or gives up after `limitMs`. */
export async function waitForRun(client: Client, run: TaskRun, limitMs: number): Promise<TaskRun> {
  const deadline = Date.now() + limitMs;
  let current = run;
  while (!isFinished(current.status) && Date.now() < deadline) {
    const waitSeconds = Math.max(
      1,
      Math.min(TASK_RUN_WAIT_MAX_SECONDS, Math.ceil((deadline - Date.now()) / 1000)),
    );
    current = await client.request('GET', apiPath`/api/v1/task-runs/${run.id}`, {
      query: { waitSeconds },
      schema: taskRunSchema,
    });
  }
  return current;
}

export function registerTaskRunCommand(program: Command, ctx: CliContext): void {
  taskGroup(program)
    .command('run')
    .description('Run a task for one object and print its output; the exit code is the task’s')
    .argument('<task>', 'task id, e.g. Contoso.SQL.Instance.Restart')
    .requiredOption('--object <object>', 'the object to run it for: its id, name or display name')
    .option(
      '--timeout <seconds>',
      `how long it may run, and wait to be picked up (1-${TASK_TIMEOUT_MAX_SECONDS})`,
      integerOption(1, TASK_TIMEOUT_MAX_SECONDS),
      TASK_TIMEOUT_DEFAULT_SECONDS,
    )
    .option('--no-wait', 'print the run id and return at once (see `steward task show`)')
    .addHelpText(
      'after',
      `
The task runs on the health service of the object's computer (or pool), as the account its Run As
profile resolves to there, exactly as its scheduled workflows would; if that account is not
distributed there the task is not run. Its output goes to stdout and stderr as it wrote them.

Exit code: the task's own. Without one: ${TASK_EXIT.failedWithoutCode} it could not start or was killed, ${TASK_EXIT.notRun} not run (credentials
not found), ${TASK_EXIT.notPickedUp} no health service picked it up (or still unfinished), ${TASK_EXIT.timedOut} timed out.
Errors of the request itself use the usual exit codes (2 bad input, 4 not allowed, 5 not found, 6 refused).

Examples:
  steward task run Contoso.SQL.Instance.Restart --object obj_0a1b2c --timeout 120
  steward task run Contoso.Computer.Uptime --object sql01.contoso.com --json
  steward task run Contoso.SQL.Instance.Restart --object obj_0a1b2c --no-wait`,
    )
    .action(
      async (taskId: string, opts: { object: string; timeout: number; wait: boolean }, cmd: Command) => {
        const s = session(ctx, cmd);
        const client = s.client();
        const queued = await client.request('POST', apiPath`/api/v1/tasks/${taskId}/runs`, {
          body: { objectId: await resolveObject(client, opts.object), timeoutSeconds: opts.timeout },
          schema: taskRunSchema,
        });
        if (!opts.wait) {
          s.out.result(queued, () => s.out.line(queued.id));
          return;
        }
        // Queued up to its timeout, then running up to it, plus the time the server allows a runner to report.
        const run = await waitForRun(client, queued, (2 * opts.timeout + 90) * 1000);
        s.out.result(run, () => {
          ctx.stdout.write(run.stdout);
          ctx.stderr.write(run.stderr);
          const ending = taskEnding(run);
          if (ending) s.out.note(ending);
        });
        process.exitCode = taskExitCode(run);
      },
    );
}

// `steward task show RUN_ID` and `steward task list`: one task run with its output, and the recent runs.
import type { Command } from 'commander';
import { apiPath } from '../../contract/client.js';
import { type TaskRunSummary, taskRunListResponse, taskRunSchema } from '../../contract/tasks.js';
import type { CliContext } from '../cli-context.js';
import { integerOption } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';
import { taskGroup } from './task-run.js';

const columns: Column<TaskRunSummary>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'task', value: (r) => r.taskId },
  { header: 'object', value: (r) => r.objectId },
  { header: 'status', value: (r) => r.status },
  { header: 'exit', value: (r) => r.exitCode },
  { header: 'requested by', value: (r) => r.requestedBy },
  { header: 'requested', value: (r) => r.requestedAt },
];

export function registerTaskRunsCommands(program: Command, ctx: CliContext): void {
  const task = taskGroup(program);

  task
    .command('show')
    .description('Show a task run: status, exit code, the account it ran as, and its output')
    .argument('<run>', 'task run id (trun_…)')
    .option('--wait <seconds>', 'first wait up to this long for it to finish (0-60)', integerOption(0, 60), 0)
    .action(async (id: string, opts: { wait: number }, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', apiPath`/api/v1/task-runs/${id}`, {
        query: { waitSeconds: opts.wait },
        schema: taskRunSchema,
      });
      s.out.result(r, () => {
        s.out.fields([
          ['Id', r.id],
          ['Task', r.taskId],
          ['Object', r.objectId],
          ['Health service', r.runnerId],
          ['Status', r.status],
          ['Exit code', r.exitCode],
          ['Timed out', r.timedOut],
          ['Account', r.accountId ? `${r.accountId} (version ${r.accountVersion ?? '?'})` : null],
          ['Timeout', `${r.timeoutSeconds} s`],
          ['Requested by', r.requestedBy],
          ['Requested', r.requestedAt],
          ['Claimed', r.claimedAt],
          ['Finished', r.finishedAt],
        ]);
        for (const [name, text] of [
          ['stdout', r.stdout],
          ['stderr', r.stderr],
        ] as const) {
          if (!text) continue;
          s.out.line(`--- ${name} ---`);
          s.out.line(text.endsWith('\n') ? text.slice(0, -1) : text);
        }
      });
    });

  task
    .command('list')
    .description('List recent task runs, newest first')
    .option('--object <object>', 'only runs for this object (id, or a computer name)')
    .option('--task <task>', 'only runs of this task')
    .option('--limit <n>', 'at most this many (1-500)', integerOption(1, 500), 50)
    .action(async (opts: { object?: string; task?: string; limit: number }, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/task-runs', {
        query: { object: opts.object, task: opts.task, limit: opts.limit },
        schema: taskRunListResponse,
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No task runs.'));
    });
}

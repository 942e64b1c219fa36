// `steward job …` (list, show, logs [--follow], stop) and `steward runbook start`: jobs from the command line.
import { type Command, Option } from 'commander';
import {
  type Job,
  jobListResponse,
  jobSchema,
  jobStatuses,
  streamsResponse,
} from '../../contract/automation-jobs.js';
import { apiPath, type Client } from '../../contract/client.js';
import { hasEnded } from '../../domain/automation/jobs.js';
import { bad, readJsonFile } from '../automation-input.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { collectKeyValue } from '../options.js';
import type { Column, Output } from '../output.js';
import { session } from '../session.js';
import { automationAccountIdOf } from './automation.js';
import { resolveRunbook } from './runbook.js';

const columns: Column<Job>[] = [
  { header: 'id', value: (j) => j.id },
  { header: 'runbook', value: (j) => j.runbookName },
  { header: 'version', value: (j) => j.runbookVersion },
  { header: 'status', value: (j) => j.status },
  { header: 'run on', value: (j) => j.runOn },
  { header: 'started by', value: (j) => j.startedBy },
  { header: 'created', value: (j) => j.createdAt },
  { header: 'ended', value: (j) => j.endedAt },
];

function printJob(out: Output, j: Job): void {
  out.fields([
    ['Id', j.id],
    [
      'Runbook',
      `${j.runbookName} (${j.runbookId ?? 'deleted'}), version ${j.runbookVersion}${j.isTest ? ', test run' : ''}`,
    ],
    ['Account', j.automationAccountId],
    ['Run on', j.runOn],
    ['Status', j.statusReason ? `${j.status}: ${j.statusReason}` : j.status],
    ['Started by', `${j.startedBy} (${j.source})`],
    [
      'Parameters',
      { ...j.parameters, ...Object.fromEntries(j.secretParameters.map((p) => [p, '(secret)'])) },
    ],
    ['Created', j.createdAt],
    ['Started', j.startedAt],
    ['Ended', j.endedAt],
    ['Exit code', j.exitCode],
    ['Exception', j.exception],
    ['Restarts', j.restarts],
  ]);
}

/** `Count=3` is the number 3, `Name=world` the string "world": a value is JSON when it parses, text otherwise. */
const parameterValues = (pairs: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(pairs).map(([k, v]) => {
      try {
        return [k, JSON.parse(v)];
      } catch {
        return [k, v];
      }
    }),
  );

/**
 * Prints the job's records as they come (output on stdout, the other streams on stderr with their name) until
 * it ends or, without `follow`, until those written so far are printed. Answers the job as it ended.
 */
async function printStreams(client: Client, ctx: CliContext, id: string, follow: boolean): Promise<Job> {
  let after = 0;
  for (;;) {
    const r = await client.request('GET', apiPath`/api/v1/jobs/${id}/streams`, {
      query: { after: String(after), wait: follow ? '25' : '0' },
      schema: streamsResponse,
    });
    for (const rec of r.items) {
      if (rec.stream === 'output') ctx.stdout.write(`${rec.text}\n`);
      else ctx.stderr.write(`${rec.stream.toUpperCase()}: ${rec.text}\n`);
    }
    after = r.next;
    if (!r.items.length && (!follow || hasEnded(r.status)))
      return client.request('GET', apiPath`/api/v1/jobs/${id}`, { schema: jobSchema });
  }
}

/** A job that did not complete makes the command fail: its status, and the exception. */
function outcome(j: Job): void {
  if (j.status === 'Completed') return;
  throw new CliError(
    `Job ${j.id} ${j.status}${j.exception ? `: ${j.exception}` : j.statusReason ? `: ${j.statusReason}` : ''}`,
    1,
  );
}

export function registerRunbookStart(runbook: Command, ctx: CliContext): void {
  runbook
    .command('start')
    .description('Start a job of the runbook: its published version, or the draft with --test')
    .argument('<runbook>', 'runbook id (rb_…) or name (with --account)')
    .addOption(new Option('--account <account>', 'automation account id (aa_…) or name'))
    .option('--param <name=value>', 'a parameter value, JSON or text (repeatable)', collectKeyValue)
    .option('--params-file <file>', 'every parameter value as one JSON object (- for stdin)')
    .option('--run-on <target>', 'cloud, or a hybrid worker group id (hwg_…)', 'cloud')
    .option('--test', 'run the draft (a test run)')
    .option('--wait', 'print the job’s streams as they come and exit with its outcome (0: Completed)')
    .addHelpText(
      'after',
      `\nA secret parameter is best given with --params-file - (stdin), never on the command line.\nExamples:\n  steward runbook start Restart-Web --account ops --param Service=w3svc --wait\n  echo '{"Token":"…"}' | steward runbook start rb_… --params-file -`,
    )
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const rb = await resolveRunbook(client, ref, opts.account);
      const fromFile = opts.paramsFile ? await readJsonFile(ctx, opts.paramsFile, '--params-file') : {};
      if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))
        throw bad('--params-file: must hold one JSON object of parameter values.');
      const job = await client.request('POST', apiPath`/api/v1/runbooks/${rb.id}/jobs`, {
        body: {
          parameters: { ...(fromFile as Record<string, unknown>), ...parameterValues(opts.param ?? {}) },
          runOn: opts.runOn,
          test: Boolean(opts.test),
        },
        schema: jobSchema,
      });
      if (!opts.wait) return s.out.result(job, () => s.out.line(`Started job ${job.id} (${job.status}).`));
      if (!s.out.json) s.out.note(`Job ${job.id} ${job.status}: waiting for it to end.`);
      const ended = await printStreams(
        client,
        s.out.json ? { ...ctx, stdout: ctx.stderr } : ctx,
        job.id,
        true,
      );
      s.out.result(ended, () => s.out.note(`Job ${ended.id} ${ended.status}.`));
      outcome(ended);
    });
}

export function registerJobCommands(program: Command, ctx: CliContext): void {
  const job = program.command('job').description('Jobs: runs of runbooks, their status and streams');

  job
    .command('list')
    .description('List jobs, newest first')
    .addOption(new Option('--account <account>', 'automation account id (aa_…) or name'))
    .option('--runbook <id>', 'only jobs of this runbook (rb_…)')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(jobStatuses))
    .option('--limit <n>', 'at most this many', '100')
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const account = opts.account ? await automationAccountIdOf(client, opts.account) : undefined;
      const r = await client.request('GET', '/api/v1/jobs', {
        query: { account, runbook: opts.runbook, status: opts.status, limit: opts.limit },
        schema: jobListResponse,
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No jobs.'));
    });

  job
    .command('show')
    .description('Show a job: status, times, parameters (never secret ones), exit code and exception')
    .argument('<id>', 'job id (job_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const j = await s.client().request('GET', apiPath`/api/v1/jobs/${id}`, { schema: jobSchema });
      s.out.result(j, () => printJob(s.out, j));
    });

  job
    .command('logs')
    .description('Print a job’s streams: output on stdout, error, warning, verbose and progress on stderr')
    .argument('<id>', 'job id (job_…)')
    .option('--follow', 'keep printing records as they arrive until the job ends')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await printStreams(s.client(), ctx, id, Boolean(opts.follow));
    });

  job
    .command('resume')
    .description('Queue a Suspended hybrid job again for its group (it runs again from the start)')
    .argument('<id>', 'job id (job_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const j = await s.client().request('POST', apiPath`/api/v1/jobs/${id}/resume`, { schema: jobSchema });
      s.out.result(j, () => s.out.line(`Job ${j.id} is ${j.status} again.`));
    });

  job
    .command('stop')
    .description('Stop a job: a queued one never runs, a running one has its process tree ended')
    .argument('<id>', 'job id (job_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const j = await s.client().request('POST', apiPath`/api/v1/jobs/${id}/stop`, { schema: jobSchema });
      s.out.result(j, () => s.out.line(`Stopping job ${j.id} (${j.status}).`));
    });
}

// Reads passwords for the CLI: from stdin lines (--password-stdin) for scripts, or hidden prompts on a terminal.
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';

const missing = (what: string, flag: string) =>
  new CliError(
    `${what} is needed: give it with ${flag}, or run in a terminal to be asked.`,
    2,
    'VALIDATION_FAILED',
  );

export async function readSecret(
  ctx: CliContext,
  opts: { fromStdin: boolean; question: string; flag: string },
): Promise<string> {
  if (opts.fromStdin) {
    const line = await ctx.prompter.readLine();
    if (!line)
      throw new CliError(`${opts.question}: stdin ended before it was given.`, 2, 'VALIDATION_FAILED');
    return line;
  }
  if (!ctx.prompter.isTTY) throw missing(opts.question, opts.flag);
  const answer = await ctx.prompter.askHidden(opts.question);
  if (!answer) throw new CliError(`${opts.question} is needed.`, 2, 'VALIDATION_FAILED');
  return answer;
}

/** A new password: one stdin line, or asked twice on a terminal (the two must match). */
export async function readNewPassword(
  ctx: CliContext,
  opts: { fromStdin: boolean; flag: string; question?: string },
): Promise<string> {
  const question = opts.question ?? 'New password';
  if (opts.fromStdin) return readSecret(ctx, { fromStdin: true, question, flag: opts.flag });
  if (!ctx.prompter.isTTY) throw missing(question, opts.flag);
  const first = await ctx.prompter.askHidden(`${question} (at least 12 characters)`);
  const second = await ctx.prompter.askHidden('Repeat it');
  if (first !== second)
    throw new CliError('The two passwords differ; nothing was changed.', 2, 'VALIDATION_FAILED');
  if (!first) throw new CliError(`${question} is needed.`, 2, 'VALIDATION_FAILED');
  return first;
}

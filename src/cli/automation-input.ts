// Reads what the automation commands send from files, stdin and hidden prompts — never a secret from argv.
import { readFile } from 'node:fs/promises';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';

export const bad = (message: string) => new CliError(message, 2, 'VALIDATION_FAILED');

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** A file's bytes (stdin for `-`), at most `max`; errors name the flag and never the content. */
export async function readInputFile(
  ctx: CliContext,
  file: string,
  flag: string,
  max: number,
): Promise<Buffer> {
  let data: Buffer;
  try {
    data = file === '-' ? await readStream(ctx.stdin) : await readFile(file);
  } catch (err) {
    throw bad(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (data.length > max) throw bad(`${flag}: ${file} is larger than ${Math.round(max / 1024)} KiB.`);
  return data;
}

/** A JSON document from a file; JSON.parse's message quotes the input, so only the place is named. */
export async function readJsonFile(
  ctx: CliContext,
  file: string,
  flag: string,
  max = 1024 * 1024,
): Promise<unknown> {
  const text = (await readInputFile(ctx, file, flag, max)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw bad(`${flag}: ${file} is not valid JSON.`);
  }
}

/** One secret: the next stdin line with `fromStdin`, else a hidden prompt on a terminal. */
export async function readSecretLine(
  ctx: CliContext,
  opts: { fromStdin: boolean; question: string; flag: string; allowEmpty?: boolean },
): Promise<string> {
  if (opts.fromStdin) {
    const line = await ctx.prompter.readLine();
    if (line === undefined || (!line && !opts.allowEmpty))
      throw bad(`${opts.question}: stdin ended before it was given (${opts.flag} reads one per line).`);
    return line;
  }
  if (!ctx.prompter.isTTY)
    throw bad(`${opts.question} is needed: give it with ${opts.flag}, or run in a terminal to be asked.`);
  const answer = await ctx.prompter.askHidden(opts.question);
  if (!answer && !opts.allowEmpty) throw bad(`${opts.question} is needed.`);
  return answer;
}

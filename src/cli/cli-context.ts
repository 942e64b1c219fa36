// What a CLI run touches of the outside world — environment and standard streams — handed in at the edge.
import { createPrompter, type Prompter } from './prompt.js';

export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Reads answers and secrets from the terminal or from stdin; one per run, since stdin is read once. */
  prompter: Prompter;
}

export function processContext(): CliContext {
  return contextFrom({
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}

export function contextFrom(io: Omit<CliContext, 'prompter'>): CliContext {
  return { ...io, prompter: createPrompter(io.stdin, io.stderr) };
}

// Reads what the CLI needs from a person or a script: visible and hidden prompts on a terminal, lines from stdin.
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './cli-error.js';

export interface Prompter {
  readonly isTTY: boolean;
  /** Asks on the terminal; an empty answer takes the default. */
  ask(question: string, defaultValue?: string): Promise<string>;
  /** Asks on the terminal without echoing what is typed. */
  askHidden(question: string): Promise<string>;
  /** The next line of stdin (for --password-stdin), or undefined at the end of input. */
  readLine(): Promise<string | undefined>;
  close(): void;
}

export function createPrompter(
  input: NodeJS.ReadableStream & { isTTY?: boolean },
  output: NodeJS.WritableStream,
): Prompter {
  const isTTY = Boolean(input.isTTY);
  let lines: Interface | undefined;
  const queue: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let ended = false;

  function startLines() {
    lines = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      const w = waiting.shift();
      if (w) w(line);
      else queue.push(line);
    });
    lines.on('close', () => {
      ended = true;
      for (const w of waiting.splice(0)) w(undefined);
    });
  }

  function question(text: string, hidden: boolean): Promise<string> {
    if (!isTTY) {
      return Promise.reject(
        new CliError('Cannot ask a question: stdin is not a terminal.', 2, 'VALIDATION_FAILED'),
      );
    }
    let muted = false;
    const sink = new Writable({
      write(chunk, _enc, done) {
        if (!muted) output.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input, output: sink, terminal: true });
    return new Promise<string>((resolve, reject) => {
      rl.on('SIGINT', () => {
        rl.close();
        output.write('\n');
        reject(new CliError('Cancelled.', 130));
      });
      rl.question(text, (answer) => {
        rl.close();
        if (hidden) output.write('\n');
        resolve(answer);
      });
      // Muted after the question is written, so only the typed characters are hidden.
      muted = hidden;
    });
  }

  return {
    isTTY,
    async ask(text, defaultValue) {
      const answer = (
        await question(defaultValue ? `${text} [${defaultValue}]: ` : `${text}: `, false)
      ).trim();
      return answer || defaultValue || '';
    },
    askHidden: (text) => question(`${text}: `, true),
    readLine() {
      if (!lines) startLines();
      const next = queue.shift();
      if (next !== undefined) return Promise.resolve(next);
      if (ended) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      lines?.close();
    },
  };
}

// An error the CLI reports as one line and an exit code (following the server's error code).
import { exitCodeFor, type Issue } from '../contract/errors.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code?: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }

  static fromCode(code: string, message: string, issues: Issue[] = []): CliError {
    return new CliError(message, exitCodeFor(code), code, issues);
  }
}

/** `error CODE: message`, then one indented line per issue: what the CLI prints on stderr. */
export function formatError(
  code: string | undefined,
  message: string,
  issues: readonly Issue[] = [],
): string {
  const head = code ? `error ${code}: ${message}` : `error: ${message}`;
  // A message that already names an issue (`body.name: is taken`) is not repeated below it.
  const lines = issues.map((i) => `${i.path}: ${i.message}`).filter((l) => !message.includes(l));
  return [head, ...lines.map((l) => `  ${l}`)].join('\n');
}

// An error the CLI reports as one line and an exit code (following the server's error code).
import { exitCodeFor } from '../contract/errors.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code?: string,
  ) {
    super(message);
  }

  static fromCode(code: string, message: string): CliError {
    return new CliError(message, exitCodeFor(code), code);
  }
}

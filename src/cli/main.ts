// Builds the `steward` command tree; each sub-command lives in its own file under commands/.
import { Command, CommanderError } from 'commander';
import { ApiError } from '../contract/client.js';
import { exitCodeFor } from '../contract/errors.js';
import { ConfigError } from '../server/config.js';
import { type CliContext, processContext } from './cli-context.js';
import { CliError, formatError } from './cli-error.js';
import { registerCommands } from './commands/index.js';

export function buildProgram(ctx: CliContext = processContext()): Command {
  const program = new Command('steward')
    .description('Steward: Run As accounts, profiles and credential distribution for your fleet.')
    .version('0.1.0')
    .option('--json', 'print one JSON document (the API response) instead of tables, for scripts')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    `
Sign in once with \`steward login\`; scripts may set STEWARD_URL and STEWARD_TOKEN instead.
A server with a self-signed certificate: STEWARD_CA_FINGERPRINT=<sha256>[,<sha256>…] pins it, or
STEWARD_CA_FILE=<pem> names its CA (a hybrid job is given its agent's).
Exit codes: 0 ok, 1 failure, 2 bad input, 3 not signed in, 4 not allowed, 5 not found,
6 already exists or conflict, 7 refused by a rule, 8 server busy or unreachable.`,
  );
  registerCommands(program, ctx);
  return program;
}

export async function runCli(argv: string[], ctx: CliContext = processContext()): Promise<void> {
  const program = buildProgram(ctx);
  const fail = (text: string, exitCode: number) => {
    ctx.stderr.write(`${text}\n`);
    process.exitCode = exitCode;
  };
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed the message (or the help / version).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof ApiError)
      return fail(formatError(err.code, err.message, err.issues), exitCodeFor(err.code));
    if (err instanceof CliError) return fail(formatError(err.code, err.message, err.issues), err.exitCode);
    if (err instanceof ConfigError) return fail(err.message, 2);
    throw err;
  } finally {
    ctx.prompter.close();
  }
}

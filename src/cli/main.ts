// Builds the `steward` command tree; each sub-command lives in its own file under commands/.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../server/config.js';
import { CliError } from './cli-error.js';
import { registerCommands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('steward')
    .description('Steward: Run As accounts, profiles and credential distribution for your fleet.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}

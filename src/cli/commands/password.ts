// `steward password change`: change your own password (needed after a one-time password).
import type { Command } from 'commander';
import { okSchema } from '../../contract/common.js';
import type { CliContext } from '../cli-context.js';
import { readNewPassword, readSecret } from '../secrets.js';
import { session } from '../session.js';

export function registerPasswordCommands(program: Command, ctx: CliContext): void {
  const password = program.command('password').description('Your own password');
  password
    .command('change')
    .description('Change your password; your API tokens stay valid')
    .option(
      '--password-stdin',
      'read the current password from the first line of stdin and the new one from the second',
    )
    .addHelpText(
      'after',
      `
Examples:
  steward password change
  printf '%s\\n%s\\n' "$CURRENT" "$NEW" | steward password change --password-stdin`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const fromStdin = Boolean(opts.passwordStdin);
      const currentPassword = await readSecret(ctx, {
        fromStdin,
        question: 'Current password',
        flag: '--password-stdin',
      });
      const newPassword = await readNewPassword(ctx, { fromStdin, flag: '--password-stdin' });
      const r = await client.request('POST', '/api/v1/me/password', {
        body: { currentPassword, newPassword },
        schema: okSchema,
      });
      s.out.result(r, () => s.out.line('Password changed.'));
    });
}

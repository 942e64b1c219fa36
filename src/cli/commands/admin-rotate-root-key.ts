// `steward admin rotate-root-key`: re-wraps every data key under a new root key, locally against the database.
import type { Command } from 'commander';
import { loadServerConfig } from '../../server/config.js';
import type { CliContext } from '../cli-context.js';
import { integerOption } from '../options.js';
import { session } from '../session.js';

export function registerAdminRotateRootKey(admin: Command, ctx: CliContext): void {
  admin
    .command('rotate-root-key')
    .description('Re-wrap every data key under a new root key; safe to interrupt and run again')
    .option('--batch-size <n>', 'data keys re-wrapped per committed batch', integerOption(1, 10_000), 200)
    .addHelpText(
      'after',
      `
Runs on this machine against the database, with the same settings as \`steward server\`
(DATABASE_URL, STEWARD_DATA_DIR, STEWARD_ROOT_KEY, STEWARD_PREVIOUS_ROOT_KEY); it does not use the API.
Secret values are not decrypted again: only their data keys are re-wrapped.

With a key file (no STEWARD_ROOT_KEY): creates root.key.next in the data directory (mode 0600);
  running servers seal new values with it at once; when every data key is re-wrapped,
  root.key.next replaces root.key. Back up the new root.key afterwards.
With STEWARD_ROOT_KEY: first restart the servers with the new key in STEWARD_ROOT_KEY and the old
  one in STEWARD_PREVIOUS_ROOT_KEY; this re-wraps everything still under the previous key to the
  current one; then STEWARD_PREVIOUS_ROOT_KEY can be removed.

Each batch commits on its own and finished rows are skipped, so an interrupted run (Ctrl-C, crash)
is resumed by running the command again. With the embedded database (no DATABASE_URL) stop the
server first: only one process may open it.

Examples:
  STEWARD_DATA_DIR=/var/lib/steward steward admin rotate-root-key
  STEWARD_ROOT_KEY=$NEW STEWARD_PREVIOUS_ROOT_KEY=$OLD DATABASE_URL=$DB steward admin rotate-root-key`,
    )
    .action(async (opts, cmd: Command) => {
      const { out } = session(ctx, cmd);
      const config = loadServerConfig(ctx.env);
      // The database and its drivers load only for this command: every other one starts without them.
      const [{ openStorage }, { rotateRootKey }] = await Promise.all([
        import('../../server/open-storage.js'),
        import('../../server/admin/rotate-root-key.js'),
      ]);
      const storage = await openStorage(config);
      try {
        const result = await rotateRootKey({
          database: storage.database,
          keyring: storage.keyring,
          fileKeys: storage.fileKeys,
          actor: 'cli:rotate-root-key',
          batchSize: opts.batchSize,
          onProgress: (p) => out.note(`re-wrapped ${p.done}/${p.total} data keys`),
        });
        out.result(result, () => {
          out.line(`Root key ${result.rootKeyId}: re-wrapped ${result.rewrapped} data key(s).`);
          if (result.promoted) out.line('root.key.next replaced root.key; back up the new root.key now.');
          else if (config.previousRootKey)
            out.line('Nothing is left under STEWARD_PREVIOUS_ROOT_KEY; you may remove it.');
        });
      } finally {
        await storage.database.close();
      }
    });
}

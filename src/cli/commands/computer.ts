// `steward computer …`: list, show, register, update and delete computers (agents' machines).
import type { Command } from 'commander';
import { apiPath } from '../../contract/client.js';
import {
  COMPUTER_CLASS,
  type Computer,
  computerListSchema,
  computerSchema,
  deletedSchema,
} from '../../contract/inventory.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { typedProperties } from '../inventory-values.js';
import { collectKeyValue, integerOption } from '../options.js';
import type { Column } from '../output.js';
import { fetchPaged } from '../paging.js';
import { session } from '../session.js';
import { deletedSentence } from './object.js';

const columns: Column<Computer>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'name', value: (c) => c.name },
  { header: 'display name', value: (c) => c.displayName },
  { header: 'class', value: (c) => c.classId },
  { header: 'action account', value: (c) => c.defaultActionAccountId },
];

export function registerComputerCommands(program: Command, ctx: CliContext): void {
  const computer = program
    .command('computer')
    .description('Computers: the machines agents run on; they top hosting chains');

  computer
    .command('list')
    .description('List computers')
    .option('--limit <n>', 'at most this many (1-1000)', integerOption(1, 1000), 100)
    .option('--after-id <id>', 'continue after this id (paging)')
    .option('--all', 'every computer, fetched page by page')
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await fetchPaged(s.client(), '/api/v1/computers', computerListSchema, {
        all: Boolean(opts.all),
        limit: opts.limit,
        afterId: opts.afterId,
      });
      s.out.result(r, () => {
        s.out.table(r.items, columns, 'No computers.');
        if (r.nextAfterId) s.out.note(`More computers: --after-id ${r.nextAfterId}, or --all.`);
      });
    });

  computer
    .command('show')
    .description('Show a computer')
    .argument('<id>', 'computer id (cmp_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const c = await s.client().request('GET', apiPath`/api/v1/computers/${id}`, { schema: computerSchema });
      s.out.result(c, () =>
        s.out.fields([
          ['Id', c.id],
          ['Name', c.name],
          ['Display name', c.displayName],
          ['Class', c.classId],
          ['Default action account', c.defaultActionAccountId],
          ['Properties', c.properties],
          ['Registered', c.registeredAt],
          ['Updated', c.updatedAt],
        ]),
      );
    });

  computer
    .command('create')
    .description('Register a computer by host name')
    .argument('<name>', 'host name, e.g. sql01.contoso.com (unique, case-insensitive)')
    .option('--display-name <name>', 'name shown to people')
    .option('--class <class>', `${COMPUTER_CLASS} or a class derived from it`)
    .option(
      '--property <key=value>',
      'a property value (repeatable); typed by the class declaration',
      collectKeyValue,
    )
    .option('--action-account <id>', 'default action account (acct_…)')
    .addHelpText('after', '\nExample:\n  steward computer create sql01.contoso.com --display-name "SQL 01"')
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const properties = await typedProperties(client, opts.class ?? COMPUTER_CLASS, opts.property ?? {});
      const c = await client.request('POST', '/api/v1/computers', {
        body: {
          name,
          displayName: opts.displayName,
          classId: opts.class,
          properties,
          defaultActionAccountId: opts.actionAccount,
        },
        schema: computerSchema,
      });
      s.out.result(c, () => s.out.line(`Registered computer ${c.name} (${c.id}).`));
    });

  computer
    .command('update')
    .description('Change the display name or default action account of a computer')
    .argument('<id>', 'computer id (cmp_…)')
    .option('--display-name <name>', 'new display name')
    .option('--action-account <id>', 'new default action account (acct_…)')
    .option('--no-action-account', 'clear the default action account')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const body: Record<string, unknown> = {};
      if (opts.displayName !== undefined) body.displayName = opts.displayName;
      if (opts.actionAccount === false) body.defaultActionAccountId = null;
      else if (typeof opts.actionAccount === 'string') body.defaultActionAccountId = opts.actionAccount;
      if (Object.keys(body).length === 0) {
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          'Give at least one change: --display-name, --action-account or --no-action-account.',
        );
      }
      const c = await s
        .client()
        .request('PATCH', apiPath`/api/v1/computers/${id}`, { body, schema: computerSchema });
      s.out.result(c, () => s.out.line(`Updated computer ${c.name} (${c.id}).`));
    });

  computer
    .command('delete')
    .description('Delete a computer (with --cascade, also everything hosted on it)')
    .argument('<id>', 'computer id (cmp_…)')
    .option('--cascade', 'also delete every object hosted on it')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('DELETE', apiPath`/api/v1/computers/${id}`, {
        query: { cascade: opts.cascade ? 'true' : undefined },
        schema: deletedSchema,
      });
      s.out.result(r, () => s.out.line(deletedSentence('computer', r.deleted)));
    });
}

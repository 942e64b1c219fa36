// `steward object …`: list, show, create, update and delete monitored objects (instances of classes).
import type { Command } from 'commander';
import { apiPath } from '../../contract/client.js';
import {
  deletedSchema,
  type InventoryObject,
  objectDetailSchema,
  objectListSchema,
  objectSchema,
} from '../../contract/inventory.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { typedProperties } from '../inventory-values.js';
import { collectKeyValue, collectList, integerOption } from '../options.js';
import type { Column } from '../output.js';
import { fetchPaged } from '../paging.js';
import { session } from '../session.js';

const columns: Column<InventoryObject>[] = [
  { header: 'id', value: (o) => o.id },
  { header: 'class', value: (o) => o.classId },
  { header: 'name', value: (o) => o.name },
  { header: 'display name', value: (o) => o.displayName },
  { header: 'host', value: (o) => o.hostId },
];

export function registerObjectCommands(program: Command, ctx: CliContext): void {
  const object = program
    .command('object')
    .description('Objects: instances of classes, hosted on a computer or pool');

  object
    .command('list')
    .description('List objects, filtered by class, host or name')
    .option('--class <class>', 'objects of this class or a class derived from it')
    .option('--host <id>', 'objects hosted directly by this object')
    .option('--computer <id>', 'everything hosted on this computer or pool, directly or through a chain')
    .option('--search <text>', 'objects whose name or display name contains this text, ignoring case')
    .option('--limit <n>', 'at most this many (1-1000)', integerOption(1, 1000), 100)
    .option('--after-id <id>', 'continue after this id (paging)')
    .option('--all', 'every matching object, fetched page by page')
    .addHelpText(
      'after',
      `
Examples:
  steward object list --class Contoso.SQL.Instance
  steward object list --computer cmp_… --all --json
  steward object list --search sqlserver`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await fetchPaged(s.client(), '/api/v1/objects', objectListSchema, {
        query: { class: opts.class, host: opts.host, computer: opts.computer, search: opts.search },
        all: Boolean(opts.all),
        limit: opts.limit,
        afterId: opts.afterId,
      });
      s.out.result(r, () => {
        s.out.table(r.items, columns, 'No objects match.');
        if (r.nextAfterId) s.out.note(`More objects: --after-id ${r.nextAfterId}, or --all.`);
      });
    });

  object
    .command('show')
    .description('Show an object, its properties and its hosting chain')
    .argument('<id>', 'object id (obj_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const o = await s
        .client()
        .request('GET', apiPath`/api/v1/objects/${id}`, { schema: objectDetailSchema });
      s.out.result(o, () => {
        s.out.fields([
          ['Id', o.id],
          ['Class', o.classId],
          ['Name', o.name],
          ['Display name', o.displayName],
          ['Host', o.hostId],
          ['Hosting chain', o.hostChain.length ? o.hostChain.join(' > ') : '-'],
          ['Top host', `${o.topHost} (${o.topHostKind})`],
          ['Created', o.createdAt],
          ['Updated', o.updatedAt],
        ]);
        const props = Object.entries(o.properties);
        if (props.length) {
          s.out.line('');
          s.out.table(
            props,
            [
              { header: 'property', value: ([k]) => k },
              { header: 'value', value: ([, v]) => v },
            ],
            '',
          );
        }
      });
    });

  object
    .command('create')
    .description('Create an object of a hosted class on a computer, a pool or another object')
    .requiredOption('--class <class>', 'its class, e.g. Contoso.SQL.Instance')
    .requiredOption('--host <id>', 'the computer (cmp_…), pool (pool_…) or object (obj_…) hosting it')
    .option('--name <name>', 'unique per host and class (default: the key property values joined by "/")')
    .option('--display-name <name>', 'name shown to people')
    .option(
      '--property <key=value>',
      'a property value (repeatable); typed by the class declaration',
      collectKeyValue,
    )
    .addHelpText(
      'after',
      `
Example:
  steward object create --class Contoso.SQL.Instance --host cmp_… \\
    --property InstanceName=MSSQLSERVER --property Port=1433`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const properties = await typedProperties(client, opts.class, opts.property ?? {});
      const o = await client.request('POST', '/api/v1/objects', {
        body: {
          classId: opts.class,
          hostId: opts.host,
          name: opts.name,
          displayName: opts.displayName,
          properties,
        },
        schema: objectSchema,
      });
      s.out.result(o, () =>
        s.out.line(`Created object ${o.displayName} (${o.id}) of ${o.classId} on ${o.hostId}.`),
      );
    });

  object
    .command('update')
    .description('Change the display name or property values of an object')
    .argument('<id>', 'object id (obj_…)')
    .option('--display-name <name>', 'new display name')
    .option('--property <key=value>', 'set a property value (repeatable); others are kept', collectKeyValue)
    .option('--unset <key>', 'remove a property value (repeatable)', collectList)
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const body: Record<string, unknown> = {};
      if (opts.displayName !== undefined) body.displayName = opts.displayName;
      if (opts.property || opts.unset) {
        // The API replaces the whole map: merge with the current values so only the named ones change.
        const current = await client.request('GET', apiPath`/api/v1/objects/${id}`, {
          schema: objectDetailSchema,
        });
        const merged: Record<string, unknown> = {
          ...current.properties,
          ...(await typedProperties(client, current.classId, opts.property ?? {})),
        };
        for (const k of opts.unset ?? []) delete merged[k];
        body.properties = merged;
      }
      if (Object.keys(body).length === 0) {
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          'Give at least one change: --display-name, --property or --unset.',
        );
      }
      const o = await client.request('PATCH', apiPath`/api/v1/objects/${id}`, { body, schema: objectSchema });
      s.out.result(o, () => s.out.line(`Updated object ${o.displayName} (${o.id}).`));
    });

  object
    .command('delete')
    .description('Delete an object (with --cascade, also everything hosted on it)')
    .argument('<id>', 'object id (obj_…)')
    .option('--cascade', 'also delete every object hosted on it')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('DELETE', apiPath`/api/v1/objects/${id}`, {
        query: { cascade: opts.cascade ? 'true' : undefined },
        schema: deletedSchema,
      });
      s.out.result(r, () => s.out.line(deletedSentence('object', r.deleted)));
    });
}

export function deletedSentence(what: string, deleted: string[]): string {
  const [first, ...rest] = deleted;
  return rest.length
    ? `Deleted ${what} ${first} and ${rest.length} hosted object(s): ${rest.join(', ')}.`
    : `Deleted ${what} ${first}.`;
}

// `steward class …`: list, show, create, update and delete classes of monitored things.
import type { Command } from 'commander';
import { apiPath, listOf } from '../../contract/client.js';
import { classSchema, type InventoryClass, propertyTypes, ROOT_CLASS } from '../../contract/inventory.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { collectPropertyDeclaration } from '../inventory-values.js';
import { collectList } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';

const columns: Column<InventoryClass>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'base', value: (c) => c.baseClassId },
  { header: 'display name', value: (c) => c.displayName },
  { header: 'abstract', value: (c) => c.abstract },
  { header: 'hosted', value: (c) => c.hosted },
  { header: 'key properties', value: (c) => c.keyProperties },
  { header: 'pack', value: (c) => c.packId },
];

export function registerClassCommands(program: Command, ctx: CliContext): void {
  const cls = program
    .command('class')
    .description('Classes: types of monitored things, single inheritance from System.Entity');

  cls
    .command('list')
    .description('List classes')
    .option('--base <class>', 'only this class and the classes derived from it')
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/classes', {
        query: { base: opts.base },
        schema: listOf(classSchema),
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No classes.'));
    });

  cls
    .command('show')
    .description('Show a class and the properties it declares')
    .argument('<id>', 'class id, e.g. Contoso.SQL.Instance')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const c = await s.client().request('GET', apiPath`/api/v1/classes/${id}`, { schema: classSchema });
      s.out.result(c, () => {
        s.out.fields([
          ['Id', c.id],
          ['Base class', c.baseClassId],
          ['Display name', c.displayName],
          ['Description', c.description],
          ['Abstract', c.abstract],
          ['Hosted', c.hosted],
          ['Key properties', c.keyProperties],
          ['Pack', c.packId],
          ['Created', c.createdAt],
        ]);
        s.out.line('');
        s.out.table(
          c.properties,
          [
            { header: 'property', value: (p) => p.name },
            { header: 'type', value: (p) => p.type },
            { header: 'key', value: (p) => c.keyProperties.includes(p.name) },
          ],
          'Declares no properties of its own.',
        );
      });
    });

  cls
    .command('create')
    .description('Create a class')
    .argument('<id>', 'dotted id, e.g. Contoso.SQL.Instance')
    .option('--base <class>', `base class (default ${ROOT_CLASS})`)
    .option('--display-name <name>', 'name shown to people')
    .option('--description <text>', 'what the class stands for')
    .option('--abstract', 'no objects of exactly this class')
    .option('--hosted', 'objects of this class are hosted on a computer, pool or another object')
    .option(
      '--property <name:type>',
      `declare a property (repeatable); types: ${propertyTypes.join(', ')}`,
      collectPropertyDeclaration,
    )
    .option(
      '--key <name>',
      'a key property (repeatable): together they name an object on its host',
      collectList,
    )
    .addHelpText(
      'after',
      `
Example:
  steward class create Contoso.SQL.Instance --base System.Entity --hosted \\
    --property InstanceName:string --property Port:int --key InstanceName`,
    )
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const c = await s.client().request('POST', '/api/v1/classes', {
        body: {
          id,
          baseClassId: opts.base,
          displayName: opts.displayName,
          description: opts.description,
          abstract: opts.abstract,
          hosted: opts.hosted,
          keyProperties: opts.key,
          properties: opts.property,
        },
        schema: classSchema,
      });
      s.out.result(c, () => s.out.line(`Created class ${c.id} (base ${c.baseClassId}).`));
    });

  cls
    .command('update')
    .description('Change the display name, description or abstract flag of a class')
    .argument('<id>', 'class id')
    .option('--display-name <name>', 'new display name')
    .option('--description <text>', 'new description')
    .option('--abstract', 'make the class abstract')
    .option('--no-abstract', 'make the class concrete')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const body: Record<string, unknown> = {};
      if (opts.displayName !== undefined) body.displayName = opts.displayName;
      if (opts.description !== undefined) body.description = opts.description;
      if (opts.abstract !== undefined) body.abstract = opts.abstract;
      if (Object.keys(body).length === 0) {
        throw CliError.fromCode(
          'VALIDATION_FAILED',
          'Give at least one change: --display-name, --description, --abstract or --no-abstract.',
        );
      }
      const c = await s
        .client()
        .request('PATCH', apiPath`/api/v1/classes/${id}`, { body, schema: classSchema });
      s.out.result(c, () => s.out.line(`Updated class ${c.id}.`));
    });

  cls
    .command('delete')
    .description('Delete a class that has no derived classes and no objects')
    .argument('<id>', 'class id')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s.client().request('DELETE', apiPath`/api/v1/classes/${id}`);
      s.out.result({ deleted: id }, () => s.out.line(`Deleted class ${id}.`));
    });
}

// `steward runbook …`: create, edit the draft, publish, roll back, list, show, export and import runbooks.
import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { type Command, Option } from 'commander';
import {
  MAX_RUNBOOK_CONTENT_BYTES,
  type Runbook,
  runbookContentResponse,
  runbookSchema,
  runbookTypes,
  runbookVersionSchema,
} from '../../contract/automation.js';
import { apiPath, type Client, listOf } from '../../contract/client.js';
import { bad, readInputFile, readJsonFile } from '../automation-input.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { integerOption } from '../options.js';
import type { Column, Output } from '../output.js';
import { session } from '../session.js';
import { automationAccountIdOf } from './automation.js';

const runbookList = listOf(runbookSchema);
const typeByExtension: Record<string, (typeof runbookTypes)[number]> = {
  '.sh': 'shell',
  '.bash': 'shell',
  '.py': 'python',
  '.js': 'node',
  '.mjs': 'node',
  '.ps1': 'powershell',
};

/** A runbook by id (rb_…), or by name within the account given with --account. */
export async function resolveRunbook(
  client: Client,
  ref: string,
  account: string | undefined,
): Promise<Runbook> {
  if (/^rb_[a-z0-9]+$/.test(ref))
    return client.request('GET', apiPath`/api/v1/runbooks/${ref}`, { schema: runbookSchema });
  if (!account) throw bad(`Give --account to find runbook '${ref}' by name, or use its id (rb_…).`);
  const id = await automationAccountIdOf(client, account);
  const { items } = await client.request('GET', apiPath`/api/v1/automation-accounts/${id}/runbooks`, {
    schema: runbookList,
  });
  const found = items.find((r) => r.name === ref);
  if (!found)
    throw CliError.fromCode(
      'NOT_FOUND',
      `Runbook '${ref}' was not found in automation account '${account}'.`,
    );
  return found;
}

const readContent = async (ctx: CliContext, file: string) => {
  const bytes = await readInputFile(ctx, file, '--file', MAX_RUNBOOK_CONTENT_BYTES);
  return bytes.toString('utf8');
};
const readParameters = async (ctx: CliContext, file: string | undefined) => {
  if (!file) return undefined;
  const p = await readJsonFile(ctx, file, '--parameters-file');
  if (!Array.isArray(p)) throw bad('--parameters-file: must hold a JSON array of parameter declarations.');
  return p;
};

const columns: Column<Runbook>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
  { header: 'type', value: (r) => r.type },
  { header: 'published', value: (r) => r.published?.version ?? null },
  { header: 'draft changed', value: (r) => r.draft.differsFromPublished },
  { header: 'parameters', value: (r) => (r.published ?? r.draft).parameters.map((p) => p.name) },
];

function printRunbook(out: Output, r: Runbook): void {
  const params = (r.published ?? r.draft).parameters.map(
    (p) => `${p.name}: ${p.type}${p.required ? ' (required)' : ''}${p.secret ? ' (secret)' : ''}`,
  );
  out.fields([
    ['Id', r.id],
    ['Name', r.name],
    ['Type', r.type],
    ['Account', r.automationAccountId],
    ['Description', r.description],
    [
      'Published version',
      r.published
        ? `${r.published.version} (${r.published.publishedAt} by ${r.published.publishedBy})`
        : 'none yet',
    ],
    [
      'Draft',
      r.draft.differsFromPublished ? `changed ${r.draft.updatedAt}, not published` : 'same as published',
    ],
    ['Parameters', params],
  ]);
}

const accountOption = () => new Option('--account <account>', 'automation account id (aa_…) or name');

export function registerRunbookCommands(program: Command, ctx: CliContext): void {
  const runbook = program
    .command('runbook')
    .description('Runbooks: a draft to edit, published versions that jobs run')
    .addHelpText('after', `\nTypes: ${runbookTypes.join(', ')}. Content is at most 1 MiB.`);

  runbook
    .command('list')
    .description('List the runbooks of an automation account')
    .addOption(accountOption().makeOptionMandatory())
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const id = await automationAccountIdOf(client, opts.account);
      const r = await client.request('GET', apiPath`/api/v1/automation-accounts/${id}/runbooks`, {
        schema: runbookList,
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No runbooks.'));
    });

  runbook
    .command('show')
    .description('Show a runbook: versions, parameters, whether the draft has unpublished changes')
    .argument('<runbook>', 'runbook id (rb_…) or name (with --account)')
    .addOption(accountOption())
    .option('--versions', 'also list the published versions')
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const r = await resolveRunbook(client, ref, opts.account);
      const versions = opts.versions
        ? (
            await client.request('GET', apiPath`/api/v1/runbooks/${r.id}/versions`, {
              schema: listOf(runbookVersionSchema),
            })
          ).items
        : undefined;
      s.out.result(versions ? { ...r, versions } : r, () => {
        printRunbook(s.out, r);
        if (versions) {
          s.out.line('');
          s.out.table(
            versions,
            [
              { header: 'version', value: (v) => v.version },
              { header: 'published', value: (v) => v.publishedAt },
              { header: 'by', value: (v) => v.publishedBy },
              { header: 'bytes', value: (v) => v.contentBytes },
              { header: 'rolled back from', value: (v) => v.rolledBackFrom },
            ],
            'No published versions.',
          );
        }
      });
    });

  runbook
    .command('create')
    .description('Create a runbook; its content is the first draft')
    .argument('<name>', 'a letter, then letters, digits, _ and - (at most 63)')
    .addOption(accountOption().makeOptionMandatory())
    .addOption(new Option('--type <type>', 'the language').choices(runbookTypes).makeOptionMandatory())
    .option('--description <text>', 'what it does')
    .option('--file <file>', 'the content (- for stdin)')
    .option(
      '--parameters-file <file>',
      'parameter declarations, a JSON array: [{"name":"VM","required":true}]',
    )
    .option('--publish', 'publish the draft at once')
    .action(async (name: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const id = await automationAccountIdOf(client, opts.account);
      let r = await client.request('POST', apiPath`/api/v1/automation-accounts/${id}/runbooks`, {
        body: {
          name,
          type: opts.type,
          description: opts.description,
          content: opts.file ? await readContent(ctx, opts.file) : '',
          parameters: await readParameters(ctx, opts.parametersFile),
        },
        schema: runbookSchema,
      });
      if (opts.publish)
        r = await client.request('POST', apiPath`/api/v1/runbooks/${r.id}/publish`, {
          schema: runbookSchema,
        });
      s.out.result(r, () =>
        s.out.line(
          `Created runbook ${r.name} (${r.id})${r.published ? `, published as version ${r.published.version}` : ', a draft'}.`,
        ),
      );
    });

  runbook
    .command('edit')
    .description('Replace the draft content (and parameters); publish it to make jobs run it')
    .argument('<runbook>', 'runbook id (rb_…) or name (with --account)')
    .addOption(accountOption())
    .requiredOption('--file <file>', 'the new content (- for stdin)')
    .option('--parameters-file <file>', 'new parameter declarations (JSON array); omitted keeps them')
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const current = await resolveRunbook(client, ref, opts.account);
      const r = await client.request('PUT', apiPath`/api/v1/runbooks/${current.id}/draft`, {
        body: {
          content: await readContent(ctx, opts.file),
          parameters: await readParameters(ctx, opts.parametersFile),
        },
        schema: runbookSchema,
      });
      s.out.result(r, () =>
        s.out.line(
          `Saved the draft of ${r.name} (${r.id}); publish it with: steward runbook publish ${r.id}`,
        ),
      );
    });

  runbook
    .command('publish')
    .description('Publish the draft as the next version')
    .argument('<runbook>', 'runbook id (rb_…) or name (with --account)')
    .addOption(accountOption())
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const current = await resolveRunbook(client, ref, opts.account);
      const r = await client.request('POST', apiPath`/api/v1/runbooks/${current.id}/publish`, {
        schema: runbookSchema,
      });
      s.out.result(r, () => s.out.line(`Published ${r.name} (${r.id}) as version ${r.published?.version}.`));
    });

  runbook
    .command('rollback')
    .description('Publish an earlier version again (as the next version; the draft stays as it is)')
    .argument('<runbook>', 'runbook id (rb_…) or name (with --account)')
    .addOption(accountOption())
    .requiredOption('--to <version>', 'the published version to go back to', integerOption(1, 1_000_000_000))
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const current = await resolveRunbook(client, ref, opts.account);
      const r = await client.request('POST', apiPath`/api/v1/runbooks/${current.id}/rollback`, {
        body: { version: opts.to },
        schema: runbookSchema,
      });
      s.out.result(r, () =>
        s.out.line(
          `Rolled ${r.name} (${r.id}) back to the content of version ${opts.to}, published as version ${r.published?.version}.`,
        ),
      );
    });

  runbook
    .command('export')
    .description('Write a runbook’s content (draft, published or a version) to stdout or a file')
    .argument('<runbook>', 'runbook id (rb_…) or name (with --account)')
    .addOption(accountOption())
    .option('--from <version>', 'draft, published or a version number', 'published')
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (ref: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const current = await resolveRunbook(client, ref, opts.account);
      const c = await client.request('GET', apiPath`/api/v1/runbooks/${current.id}/content`, {
        query: { version: opts.from },
        schema: runbookContentResponse,
      });
      if (opts.output) {
        await writeFile(opts.output, c.content);
        s.out.result({ ...c, content: undefined, output: opts.output }, () =>
          s.out.line(`Wrote ${c.name} version ${c.version} to ${opts.output}.`),
        );
      } else if (s.out.json) s.out.result(c, () => {});
      else ctx.stdout.write(c.content);
    });

  runbook
    .command('import')
    .description('Create a runbook from a file, or replace the draft of the one with that name')
    .argument('<file>', 'the runbook file; its name (without extension) is the runbook name')
    .addOption(accountOption().makeOptionMandatory())
    .addOption(
      new Option('--type <type>', 'the language (default: from the extension)').choices(runbookTypes),
    )
    .option('--name <name>', 'the runbook name (default: the file name)')
    .option('--parameters-file <file>', 'parameter declarations (JSON array)')
    .option('--publish', 'publish after importing')
    .action(async (file: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const type = opts.type ?? typeByExtension[extname(file).toLowerCase()];
      if (!type)
        throw bad(
          `Give --type: the extension of ${file} does not say the language (${runbookTypes.join(', ')}).`,
        );
      const name = opts.name ?? basename(file, extname(file));
      const accountId = await automationAccountIdOf(client, opts.account);
      const content = await readContent(ctx, file);
      const parameters = await readParameters(ctx, opts.parametersFile);
      const { items } = await client.request(
        'GET',
        apiPath`/api/v1/automation-accounts/${accountId}/runbooks`,
        {
          schema: runbookList,
        },
      );
      const existing = items.find((r) => r.name === name);
      if (existing && existing.type !== type)
        throw CliError.fromCode(
          'RULE_VIOLATION',
          `Runbook '${name}' exists and is ${existing.type}, not ${type}.`,
        );
      let r = existing
        ? await client.request('PUT', apiPath`/api/v1/runbooks/${existing.id}/draft`, {
            body: { content, parameters },
            schema: runbookSchema,
          })
        : await client.request('POST', apiPath`/api/v1/automation-accounts/${accountId}/runbooks`, {
            body: { name, type, content, parameters },
            schema: runbookSchema,
          });
      if (opts.publish)
        r = await client.request('POST', apiPath`/api/v1/runbooks/${r.id}/publish`, {
          schema: runbookSchema,
        });
      s.out.result(r, () =>
        s.out.line(
          `${existing ? 'Replaced the draft of' : 'Imported'} runbook ${r.name} (${r.id})${opts.publish ? `, published as version ${r.published?.version}` : ''}.`,
        ),
      );
    });
}

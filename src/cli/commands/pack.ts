// `steward pack …`: list, show, import, export and delete management packs.
import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { apiPath } from '../../contract/client.js';
import {
  decodePackBytes,
  deletePackResponse,
  type ElementCounts,
  exportPackResponse,
  importPackResponse,
  type MissingReference,
  type PackSummary,
  packDetailSchema,
  packListResponse,
  packSourceFormats,
  type SkippedElement,
} from '../../contract/packs.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { Column, Output } from '../output.js';
import { session } from '../session.js';

const columns: Column<PackSummary>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'version', value: (p) => p.version },
  { header: 'display name', value: (p) => p.displayName },
  { header: 'sealed', value: (p) => p.sealed },
  { header: 'built in', value: (p) => p.builtIn },
  { header: 'format', value: (p) => p.format },
  { header: 'imported', value: (p) => p.importedAt },
];

const singular: Record<keyof ElementCounts, string> = {
  classes: 'class',
  relationships: 'relationship',
  groups: 'group',
  profiles: 'profile',
  workflows: 'workflow',
};

/** "3 classes, 1 profile": only the kinds that are there. */
export function countsText(c: ElementCounts): string {
  const parts = (Object.keys(singular) as (keyof ElementCounts)[])
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${c[k] === 1 ? singular[k] : k}`);
  return parts.length ? parts.join(', ') : 'nothing';
}

function printSkipped(out: Output, skipped: SkippedElement[]) {
  if (skipped.length === 0) return;
  out.line('');
  out.line(`Skipped ${skipped.length} element(s) Steward does not take from SCOM management packs:`);
  out.table(
    skipped,
    [
      { header: 'kind', value: (e) => e.kind },
      { header: 'path', value: (e) => e.path },
      { header: 'reason', value: (e) => e.reason },
    ],
    '',
  );
}

/** Which packs to import first, and what waits for each meanwhile. */
function printMissing(out: Output, missing: MissingReference[]) {
  for (const m of missing) {
    out.line('');
    out.line(
      `Missing reference: pack ${m.packId} (alias ${m.alias}, version ${m.minVersion} or later) is not imported. Import it, and this pack is completed; meanwhile:`,
    );
    for (const n of m.neededBy) out.line(`  ${n.path}: ${n.message}`);
  }
}

export function registerPackCommands(program: Command, ctx: CliContext): void {
  const pack = program
    .command('pack')
    .description('Management packs: versioned bundles of classes, groups, Run As profiles and workflows');

  pack
    .command('list')
    .description('List imported management packs')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/packs', { schema: packListResponse });
      s.out.result(r, () => s.out.table(r.items, columns, 'No management packs.'));
    });

  pack
    .command('show')
    .description('Show a pack: what it declares, what it references, what depends on it, what was skipped')
    .argument('<id>', 'pack id, e.g. Contoso.SQL')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const p = await s.client().request('GET', apiPath`/api/v1/packs/${id}`, { schema: packDetailSchema });
      s.out.result(p, () => {
        s.out.fields([
          ['Id', p.id],
          ['Version', p.version],
          ['Display name', p.displayName],
          ['Description', p.description],
          ['Sealed', p.sealed],
          ['Built in', p.builtIn],
          ['Format', p.format],
          ['Imported', `${p.importedAt.replace(/\.\d+Z$/, 'Z')} by ${p.importedBy}`],
          ['Declares', countsText(p.counts)],
          ['References', p.references.map((r) => `${r.id} ${r.version} (>= ${r.minVersion}, as ${r.alias})`)],
          ['Referenced by', p.dependents],
        ]);
        printSkipped(s.out, p.skipped);
      });
    });

  pack
    .command('import')
    .description('Import a pack file: native YAML or JSON, or SCOM management pack XML')
    .argument('<file>', 'the pack file ("-" reads stdin)')
    .addOption(
      new Option('--format <format>', 'the file format (default: sniffed by the server)').choices(
        packSourceFormats,
      ),
    )
    .addHelpText(
      'after',
      `
Importing a newer version of a pack upgrades it; the same version again changes nothing; an older
version is refused. From SCOM XML Steward takes classes, relationships and SecureReferences (Run As
profiles) and lists every element it skipped. A rejected import changes nothing.

Examples:
  steward pack import packs/contoso-sql.yaml
  steward pack import Microsoft.SQLServer.Core.Library.xml`,
    )
    .action(async (file: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const content = readInput(file);
      const r = await s.client().request('POST', '/api/v1/packs', {
        body: { content, format: opts.format },
        schema: importPackResponse,
      });
      s.out.result(r, () => {
        const p = r.pack;
        if (r.outcome === 'imported')
          s.out.line(`Imported pack ${p.id} ${p.version}: ${countsText(p.counts)}.`);
        else if (r.outcome === 'upgraded') {
          s.out.line(`Upgraded pack ${p.id} from ${r.previousVersion} to ${p.version}.`);
          s.out.line(
            `  added ${countsText(r.changes.added)}; updated ${countsText(r.changes.updated)}; removed ${countsText(r.changes.removed)}.`,
          );
        } else if (r.outcome === 'completed') {
          s.out.line(`Completed pack ${p.id} ${p.version}: added ${countsText(r.changes.added)}.`);
        } else s.out.line(`Pack ${p.id} ${p.version} is already imported: nothing changed.`);
        for (const id of r.completed) s.out.line(`Completed pack ${id}, which was waiting for ${p.id}.`);
        printSkipped(s.out, p.skipped);
        printMissing(s.out, r.missingReferences);
      });
    });

  pack
    .command('export')
    .description('Export a pack exactly as it was imported')
    .argument('<id>', 'pack id')
    .option('--out <file>', 'write to this file (default: stdout)')
    .action(async (id: string, opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s
        .client()
        .request('GET', apiPath`/api/v1/packs/${id}/export`, { schema: exportPackResponse });
      if (opts.out) {
        writeFileSync(opts.out, r.content);
        s.out.result({ id: r.id, version: r.version, format: r.format, file: opts.out }, () =>
          s.out.line(`Wrote pack ${r.id} ${r.version} (${r.format}) to ${opts.out}.`),
        );
      } else if (s.out.json) s.out.result(r, () => {});
      else ctx.stdout.write(r.content.endsWith('\n') ? r.content : `${r.content}\n`);
    });

  pack
    .command('delete')
    .description(
      'Delete a pack and what it declares (refused while other packs reference it, or while its profiles have account associations)',
    )
    .argument('<id>', 'pack id')
    .option('--cascade', "also remove the account associations of the pack's profiles (accounts stay)")
    .action(async (id: string, opts: { cascade?: boolean }, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('DELETE', apiPath`/api/v1/packs/${id}`, {
        query: opts.cascade ? { cascade: 'true' } : undefined,
        schema: deletePackResponse,
      });
      s.out.result(r, () => {
        s.out.line(`Deleted pack ${r.id} ${r.version}: removed ${countsText(r.removed)}.`);
        if (r.associationsRemoved.length)
          s.out.line(`Removed ${r.associationsRemoved.length} account association(s).`);
      });
    });
}

/** The file's text, decoded by its byte order mark or XML declaration (SCOM exports are UTF-16). */
function readInput(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file === '-' ? 0 : file);
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as Error).message}`, 2, 'VALIDATION_FAILED');
  }
  const decoded = decodePackBytes(bytes);
  if (!decoded.ok) throw new CliError(`${file} ${decoded.message}.`, 2, 'VALIDATION_FAILED');
  return decoded.text;
}

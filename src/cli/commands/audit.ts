// `steward audit list` (filters by actor, kind and time) and `steward audit verify` (checks the hash chain).
import type { Command } from 'commander';
import type { z } from 'zod';
import { auditRecordSchema, auditVerifyResponse } from '../../contract/audit.js';
import { listOf } from '../../contract/client.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { integerOption, timeOption } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';

type AuditRecord = z.infer<typeof auditRecordSchema>;

const columns: Column<AuditRecord>[] = [
  { header: 'seq', value: (r) => r.seq },
  { header: 'at', value: (r) => r.at },
  { header: 'actor', value: (r) => r.actor },
  { header: 'kind', value: (r) => r.kind },
  { header: 'target', value: (r) => r.target },
  { header: 'details', value: (r) => r.details },
];

const PAGE = 1000;

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description('The audit log: every change and credential delivery, hash-chained (administrators)');

  audit
    .command('list')
    .description('List audit records, oldest first, filtered by actor, kind and time')
    .option('--actor <actor>', 'who did it, e.g. user:dana or system')
    .option('--kind <kind>', 'exact kind (user.create) or a prefix ending in .* (user.*)')
    .option('--since <time>', 'at or after: ISO 8601 time, or an age like 30m, 2h, 7d', timeOption)
    .option('--until <time>', 'at or before: ISO 8601 time, or an age like 30m, 2h, 7d', timeOption)
    .option(
      '--after-seq <seq>',
      'only records after this sequence number (paging)',
      integerOption(0, Number.MAX_SAFE_INTEGER),
    )
    .option('--limit <n>', 'at most this many records (1-1000)', integerOption(1, 1000), 100)
    .option('--all', 'every matching record, fetched page by page (ignores --limit)')
    .addHelpText(
      'after',
      `
Examples:
  steward audit list --actor user:dana --since 24h
  steward audit list --kind 'user.*' --all --json > user-changes.json
  steward audit list --since 2025-01-01 --until 2025-02-01T00:00:00Z`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const client = s.client();
      const query = { actor: opts.actor, kind: opts.kind, since: opts.since, until: opts.until };
      const items: AuditRecord[] = [];
      let afterSeq: number | undefined = opts.afterSeq;
      for (;;) {
        const limit = opts.all ? PAGE : opts.limit;
        const page = await client.request('GET', '/api/v1/audit', {
          query: { ...query, afterSeq, limit },
          schema: listOf(auditRecordSchema),
        });
        items.push(...page.items);
        if (!opts.all || page.items.length < limit) break;
        afterSeq = page.items.at(-1)!.seq;
      }
      s.out.result({ items }, () => {
        s.out.table(items, columns, 'No audit records match.');
        if (!opts.all && items.length === opts.limit) {
          s.out.note(
            `Showing ${items.length} records; see more with --after-seq ${items.at(-1)!.seq}, or all with --all.`,
          );
        }
      });
    });

  audit
    .command('verify')
    .description('Check the hash chain of the whole audit log; names every edited or deleted record')
    .addHelpText(
      'after',
      `
Exits 0 when the chain holds, 1 when a record was edited or deleted (each problem is listed).`,
    )
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/audit/verify', { schema: auditVerifyResponse });
      s.out.result(r, () => {
        if (r.ok) {
          s.out.line(`The audit log is intact: ${r.checked} records checked.`);
          return;
        }
        for (const p of r.problems) s.out.line(`#${p.seq} ${p.problem}: ${p.message}`);
      });
      if (!r.ok) {
        throw new CliError(
          `The audit log has been tampered with: ${r.problems.length} problem(s) in ${r.checked} records checked.`,
          1,
          'AUDIT_CHAIN_BROKEN',
        );
      }
    });
}

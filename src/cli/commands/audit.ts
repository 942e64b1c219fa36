// `steward audit list` (filters by actor, kind and time), `steward audit checkpoint` (the head of the chain, to
// keep elsewhere) and `steward audit verify` (checks the keyed chain, against a checkpoint if given).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { z } from 'zod';
import {
  auditCheckpointResponse,
  auditCheckpointSchema,
  auditRecordSchema,
  auditVerifyResponse,
} from '../../contract/audit.js';
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
    .command('checkpoint')
    .description('Print the last record of the chain and its hash, to keep outside the database')
    .addHelpText(
      'after',
      `
Keep the output somewhere the database's administrators cannot write (a ticket, another system, paper):
\`steward audit verify --checkpoint FILE\` later proves the log still holds that record, unchanged, and
was not cut back below it.

Example:
  steward audit checkpoint --json > audit-checkpoint-$(date +%F).json`,
    )
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const cp = await s
        .client()
        .request('GET', '/api/v1/audit/checkpoint', { schema: auditCheckpointResponse });
      s.out.result(cp, () => s.out.line(`#${cp.seq} ${cp.hash} (${cp.at})`));
    });

  audit
    .command('verify')
    .description('Check the keyed chain of the whole audit log; names every edited or deleted record')
    .option(
      '--checkpoint <file>',
      'a file written by `steward audit checkpoint --json`: the log must still hold that record unchanged',
    )
    .addHelpText(
      'after',
      `
Each record is chained to the one before by an HMAC whose key is derived from the root key, which the
database never holds: whoever can write the database but lacks the root key cannot edit, insert or remove a
record without this showing. Cutting records off the end (and moving the head) shows only against a
checkpoint taken before; anyone who holds the root key can rewrite the chain. Records written before the
chain was keyed carry plain hashes and prove little ("keyed from" names the first keyed record).

Exits 0 when the chain holds, 1 when a record was edited or deleted (each problem is listed).`,
    )
    .action(async (opts: { checkpoint?: string }, cmd: Command) => {
      const s = session(ctx, cmd);
      let query: Record<string, string | number> = {};
      if (opts.checkpoint) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(opts.checkpoint, 'utf8'));
        } catch (err) {
          throw new CliError(
            `--checkpoint: cannot read ${opts.checkpoint} as JSON (${(err as Error).message}).`,
            2,
            'VALIDATION_FAILED',
          );
        }
        const cp = auditCheckpointSchema.safeParse(parsed);
        if (!cp.success)
          throw new CliError(
            `--checkpoint: ${opts.checkpoint} is not a checkpoint (${cp.error.issues[0]?.path.join('.')}: ${cp.error.issues[0]?.message}).`,
            2,
            'VALIDATION_FAILED',
          );
        query = { checkpointSeq: cp.data.seq, checkpointHash: cp.data.hash };
      }
      const r = await s
        .client()
        .request('GET', '/api/v1/audit/verify', { query, schema: auditVerifyResponse });
      s.out.result(r, () => {
        if (r.ok) {
          const keyed = r.keyedFrom === null ? 'no keyed records' : `keyed from #${r.keyedFrom}`;
          s.out.line(
            `The audit log is intact: ${r.checked} records checked (${keyed})${opts.checkpoint ? ', checkpoint held' : ''}.`,
          );
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

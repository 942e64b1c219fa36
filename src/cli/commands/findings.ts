// `steward findings`: what needs attention in accounts, profiles and distribution, each with the command that fixes it.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { findingSchema, severitySchema } from '../../contract/resolution.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { session } from '../session.js';

type Finding = z.infer<typeof findingSchema>;
type Severity = z.infer<typeof severitySchema>;

const rank: Record<Severity, number> = { critical: 0, warning: 1, information: 2 };

/** The findings at or above a severity (critical ⊂ warning ⊂ information). */
export const atOrAbove = (items: readonly Finding[], level: Severity) =>
  items.filter((f) => rank[f.severity] <= rank[level]);

/** Breaks a sentence into lines of at most `width` characters (a longer word keeps its own line). */
export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  return [...lines, current].join('\n');
}

export function registerFindingsCommand(program: Command, ctx: CliContext): void {
  program
    .command('findings')
    .description(
      'List findings: accounts targeted but not distributed, conflicts, over-distribution, unused, dangling, expiring',
    )
    .addOption(new Option('--severity <severity>', 'only this severity').choices(severitySchema.options))
    .option('--kind <kind>', 'only this kind, e.g. not-distributed, conflict, expiring')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding of this severity or worse is listed').choices(
        ['critical', 'warning'],
      ),
    )
    .addHelpText(
      'after',
      `
Exits 0 even when there are findings: listing them is not a failure. For CI, --fail-on critical
(or warning) exits 1 when any listed finding is at least that severe.

Examples:
  steward findings
  steward findings --kind not-distributed --json
  steward findings --fail-on critical`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s.client().request('GET', '/api/v1/findings', {
        query: { severity: opts.severity, kind: opts.kind },
        schema: z.object({ items: z.array(findingSchema) }),
      });
      s.out.result(r, () =>
        s.out.table(
          r.items,
          [
            { header: 'severity', value: (f) => f.severity },
            { header: 'kind', value: (f) => f.kind },
            { header: 'message', value: (f) => wrap(f.message, 64) },
            // Not wrapped: a fix is a command to copy as it is.
            { header: 'fix', value: (f) => f.fix },
          ],
          'No findings.',
        ),
      );
      if (opts.failOn) {
        const failing = atOrAbove(r.items, opts.failOn);
        if (failing.length)
          throw new CliError(
            `${failing.length} finding(s) at severity ${opts.failOn} or worse.`,
            1,
            'FINDINGS',
          );
      }
    });
}

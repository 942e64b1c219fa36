// `steward explain`: which Run As account a workflow (or profile) uses for an object, and the chain of reasons.
import type { Command } from 'commander';
import type { z } from 'zod';
import type { scopeSchema } from '../../contract/accounts.js';
import { explanationSchema } from '../../contract/resolution.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { resolveObject } from '../names.js';
import type { Output } from '../output.js';
import { session } from '../session.js';
import { accountNames, named } from './account.js';

type Explanation = z.infer<typeof explanationSchema>;
type Scope = z.infer<typeof scopeSchema>;

export const scopeText = (scope: Scope) =>
  scope.kind === 'all'
    ? 'all targeted objects'
    : scope.kind === 'class'
      ? `class ${scope.classId}`
      : scope.kind === 'group'
        ? `group ${scope.groupId}`
        : `object ${scope.objectId}`;

const scopeNote = (scope: Scope | undefined, enforced: boolean | undefined) => {
  if (!scope) return '';
  const what = scope.kind === 'all' ? 'all targeted objects' : `${scope.kind} scope`;
  return ` (${what}${enforced ? ', enforced' : ''})`;
};

/** The resolution in one sentence: what the workflow runs as on its health service, or that it does not run. */
export function resolutionLine(e: Explanation, names: Map<string, string>): string {
  const r = e.resolution;
  if (r.kind === 'default-action-account')
    return `Runs as the default action account of ${e.healthServiceId}`;
  const winner = e.candidates.find((c) => c.associationId === r.associationId);
  const via = `association ${r.associationId}${scopeNote(winner?.scope, winner?.enforced)}`;
  if (r.kind === 'account') return `Runs as account ${named(names, r.accountId)} — ${via}`;
  return `NOT RUN: account ${named(names, r.accountId)} is not distributed to ${e.healthServiceId} — ${via}`;
}

function printExplanation(out: Output, e: Explanation, names: Map<string, string>): void {
  out.line(resolutionLine(e, names));
  out.line('');
  out.fields([
    ...(e.workflowId ? ([['Workflow', e.workflowId]] as [string, unknown][]) : []),
    ['Profile', e.profileId ?? 'none'],
    ['Object', e.objectId],
    ['Host chain', [e.objectId, ...e.hostChain].join(' ← ')],
    ['Health service', e.healthServiceId],
  ]);
  out.line('');
  out.line('Reasons:');
  e.reasons.forEach((r, i) => {
    out.line(`  ${i + 1}. ${r}`);
  });
  if (e.candidates.length) {
    out.line('');
    out.line('Candidates, strongest first:');
    out.table(
      e.candidates,
      [
        { header: 'association', value: (c) => c.associationId },
        { header: 'account', value: (c) => named(names, c.accountId) },
        { header: 'scope', value: (c) => scopeText(c.scope) },
        { header: 'enforced', value: (c) => c.enforced },
        { header: 'winner', value: (c) => c.winner },
      ],
      '',
    );
  }
  if (e.conflict) {
    out.line('');
    out.line(
      `Conflict: associations ${e.conflict.associationIds.join(', ')} tie at the same level with different accounts (${e.conflict.accountIds
        .map((a) => named(names, a))
        .join(', ')}); the oldest wins. Mark the one that should win: steward profile enforce ASSOCIATION_ID`,
    );
  }
}

export function registerExplainCommand(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .description('Explain which Run As account a workflow or profile uses for an object, and why')
    .option('--workflow <id>', 'the workflow, e.g. Contoso.SQL.Monitor')
    .option('--profile <id>', 'or the Run As profile, e.g. Contoso.SQL.Profile')
    .requiredOption('--object <object>', 'the object or computer it runs for: its id, name or display name')
    .addHelpText(
      'after',
      `
Prints the resolution in one line, the host chain to the health service it runs on, the numbered
reasons, the matching associations (strongest first) and any conflict; --json prints the response.
A workflow whose account is not distributed to its health service is NOT RUN (no fallback).

Examples:
  steward explain --workflow Contoso.SQL.Monitor --object obj_4f2k9x
  steward explain --profile Contoso.SQL.Profile --object obj_4f2k9x --json`,
    )
    .action(async (opts, cmd: Command) => {
      const s = session(ctx, cmd);
      if (Boolean(opts.workflow) === Boolean(opts.profile))
        throw CliError.fromCode('VALIDATION_FAILED', 'Give exactly one of --workflow or --profile.');
      const client = s.client();
      const e = await client.request('GET', '/api/v1/explain', {
        query: {
          workflow: opts.workflow,
          profile: opts.profile,
          object: await resolveObject(client, opts.object),
        },
        schema: explanationSchema,
      });
      if (s.out.json) return s.out.result(e, () => {});
      printExplanation(s.out, e, await accountNames(client));
    });
}

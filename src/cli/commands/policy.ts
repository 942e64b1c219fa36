// `steward policy definitions|assign|assignments|unassign|compliance`: the built-in policies, their assignments
// at a scope with an effect, and the compliance of every automation account an assignment reaches (R67, Q16).
import type { Command } from 'commander';
import { apiPath, listOf } from '../../contract/client.js';
import {
  type ComplianceRecord,
  complianceRecordSchema,
  type PolicyAssignmentView,
  type PolicyDefinitionView,
  policyAssignmentSchema,
  policyDefinitionSchema,
} from '../../contract/policy.js';
import { policyEffects } from '../../domain/policy/policy-definition.js';
import type { CliContext } from '../cli-context.js';
import { collectKeyValue } from '../options.js';
import type { Column } from '../output.js';
import { session } from '../session.js';
import { automationAccountIdOf } from './automation.js';

const base = '/api/v1/policy';

const definitionColumns: Column<PolicyDefinitionView>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'name', value: (d) => d.displayName },
  { header: 'effects', value: (d) => d.allowedEffects.join(' | ') },
  { header: 'default', value: (d) => d.defaultEffect },
  { header: 'parameters', value: (d) => d.parameters.map((p) => `${p.name}=${p.default}`).join(', ') },
];

const assignmentColumns: Column<PolicyAssignmentView>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'policy', value: (a) => a.definitionName },
  { header: 'scope', value: (a) => a.scope },
  { header: 'effect', value: (a) => a.effect },
  {
    header: 'parameters',
    value: (a) =>
      Object.entries(a.parameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
  },
  { header: 'origin', value: (a) => a.origin },
];

const complianceColumns: Column<ComplianceRecord>[] = [
  { header: 'account', value: (r) => `${r.resource.name} (${r.resource.id})` },
  { header: 'policy', value: (r) => r.definitionName },
  { header: 'assignment', value: (r) => r.assignmentId },
  { header: 'effect', value: (r) => r.effect },
  { header: 'state', value: (r) => r.state },
  { header: 'reason', value: (r) => r.reason },
];

export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program
    .command('policy')
    .description('Policies on automation accounts: definitions, assignments with an effect, compliance')
    .addHelpText(
      'after',
      `
Effects: ${policyEffects.join(', ')}. Deny refuses a change that would make an account non-compliant; Audit lets it
through and records policy.non-compliant; Disabled evaluates nothing. Only administrators (or an identity that
is Owner at the scope) assign.`,
    );

  policy
    .command('definitions')
    .description('List the built-in policy definitions')
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s
        .client()
        .request('GET', `${base}/definitions`, { schema: listOf(policyDefinitionSchema) });
      s.out.result(r, () => s.out.table(r.items, definitionColumns, 'No policy definitions.'));
    });

  policy
    .command('assign <definition>')
    .description('Assign a policy (its id, or Azure Policy’s id) at a scope with an effect')
    .option(
      '--scope <scope>',
      "'/' (every account), /automationAccounts/aa_…, or an account's id or name",
      '/',
    )
    .option('--effect <effect>', `one of: ${policyEffects.join(', ')} (default: the definition's)`)
    .option(
      '--param <name=value>',
      'a parameter, such as creationEndsOn=2025-09-14 (repeatable)',
      collectKeyValue,
    )
    .addHelpText(
      'after',
      `
Examples:
  steward policy assign no-new-certificate-run-as-accounts --effect Deny
  steward policy assign automation-account-local-auth-disabled --scope Billing --effect Audit
  steward policy assign no-new-certificate-run-as-accounts --param creationEndsOn=2025-09-14`,
    )
    .action(
      async (
        definitionId: string,
        opts: { scope: string; effect?: string; param?: Record<string, string> },
        cmd: Command,
      ) => {
        const s = session(ctx, cmd);
        const scope = opts.scope.startsWith('/')
          ? opts.scope
          : `/automationAccounts/${await automationAccountIdOf(s.client(), opts.scope)}`;
        const r = await s.client().request('POST', `${base}/assignments`, {
          body: { definitionId, scope, effect: opts.effect, parameters: opts.param },
          schema: policyAssignmentSchema,
        });
        s.out.result(r, () =>
          s.out.line(`Assigned '${r.definitionName}' at ${r.scope} with effect ${r.effect} (${r.id}).`),
        );
      },
    );

  policy
    .command('assignments')
    .description("List policy assignments (the server's default one first)")
    .action(async (_opts, cmd: Command) => {
      const s = session(ctx, cmd);
      const r = await s
        .client()
        .request('GET', `${base}/assignments`, { schema: listOf(policyAssignmentSchema) });
      s.out.result(r, () => s.out.table(r.items, assignmentColumns, 'No policy assignments.'));
    });

  policy
    .command('unassign <id>')
    .description('Remove a policy assignment (pa_…)')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s.client().request('DELETE', apiPath`/api/v1/policy/assignments/${id}`);
      s.out.result({ removed: id }, () => s.out.line(`Removed ${id}.`));
    });

  policy
    .command('compliance')
    .description('Every automation account an assignment reaches: its state and the reason, evaluated now')
    .option('--state <state>', 'only compliant or non-compliant')
    .option('--assignment <id>', 'only what one assignment (pa_…) reaches')
    .option('--account <account>', 'only one automation account (its id or name)')
    .action(async (opts: { state?: string; assignment?: string; account?: string }, cmd: Command) => {
      const s = session(ctx, cmd);
      const resourceId = opts.account ? await automationAccountIdOf(s.client(), opts.account) : undefined;
      const r = await s.client().request('GET', `${base}/compliance`, {
        query: { state: opts.state, assignmentId: opts.assignment, resourceId },
        schema: listOf(complianceRecordSchema),
      });
      s.out.result(r, () =>
        s.out.table(r.items, complianceColumns, 'No account is reached by a policy in force.'),
      );
    });
}

// `steward role assign|list|remove`: role assignments of managed identities on Steward's resources.
import type { Command } from 'commander';
import { automationAccountSchema } from '../../contract/automation.js';
import { apiPath, listOf } from '../../contract/client.js';
import { userAssignedIdentitySchema } from '../../contract/identities.js';
import { type RoleAssignment, roleAssignmentSchema } from '../../contract/role-assignments.js';
import { resourceRoles, scopeSyntax } from '../../domain/resource-roles.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { Column } from '../output.js';
import { type Session, session } from '../session.js';

const columns: Column<RoleAssignment>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'principalId', value: (r) => r.principalId },
  { header: 'identity', value: (r) => r.identityId },
  { header: 'role', value: (r) => r.role },
  { header: 'scope', value: (r) => r.scope },
];

/** A principal id as given, or the principal of an account's system identity (aa_…) or a user-assigned one (uami_…). */
async function principalOf(s: Session, who: string): Promise<string> {
  if (who.startsWith('aa_')) {
    const a = await s.client().request('GET', apiPath`/api/v1/automation-accounts/${who}`, {
      schema: automationAccountSchema,
    });
    if (!a.identity.principalId)
      throw new CliError(
        `Automation account ${who} has no system-assigned identity.`,
        2,
        'VALIDATION_FAILED',
      );
    return a.identity.principalId;
  }
  if (who.startsWith('uami_'))
    return (
      await s.client().request('GET', apiPath`/api/v1/user-assigned-identities/${who}`, {
        schema: userAssignedIdentitySchema,
      })
    ).principalId;
  return who;
}

export function registerRoleCommands(program: Command, ctx: CliContext): void {
  const role = program
    .command('role')
    .description("Role assignments: what a managed identity may do with Steward's own API, and where")
    .addHelpText(
      'after',
      `
Roles: ${resourceRoles.join(', ')} (docs/identity.md says what each allows).
Scopes: ${scopeSyntax}.
An identity starts with no role. Only administrators (or an identity that is Owner at the scope) assign.`,
    );
  const base = '/api/v1/role-assignments';

  role
    .command('assign')
    .description('Give an identity a role at a scope')
    .requiredOption(
      '--principal <id>',
      'the identity: a principal id, an account (aa_…, its system identity) or uami_…',
    )
    .requiredOption('--role <role>', `one of: ${resourceRoles.join(', ')}`)
    .requiredOption(
      '--scope <path>',
      "where: '/' (everything) or a resource path such as /automationAccounts/aa_…",
    )
    .addHelpText(
      'after',
      `
Examples:
  steward role assign --principal aa_123 --role Reader --scope /automationAccounts/aa_123
  steward role assign --principal uami_9 --role "Automation Job Operator" --scope /automationAccounts/aa_1/runbooks/rb_2`,
    )
    .action(async (opts: { principal: string; role: string; scope: string }, cmd: Command) => {
      const s = session(ctx, cmd);
      const principalId = await principalOf(s, opts.principal);
      const r = await s.client().request('POST', base, {
        body: { principalId, role: opts.role, scope: opts.scope },
        schema: roleAssignmentSchema,
      });
      s.out.result(r, () => s.out.line(`Assigned ${r.role} at ${r.scope} to ${r.principalId} (${r.id}).`));
    });

  role
    .command('list')
    .description('List role assignments, of one identity and/or at a scope and beneath it')
    .option('--principal <id>', 'a principal id, an account (aa_…) or uami_…')
    .option('--scope <path>', 'assignments at this scope or beneath it')
    .action(async (opts: { principal?: string; scope?: string }, cmd: Command) => {
      const s = session(ctx, cmd);
      const principalId = opts.principal ? await principalOf(s, opts.principal) : undefined;
      const r = await s.client().request('GET', base, {
        query: { principalId, scope: opts.scope },
        schema: listOf(roleAssignmentSchema),
      });
      s.out.result(r, () => s.out.table(r.items, columns, 'No role assignments.'));
    });

  role
    .command('remove <id>')
    .description('Remove a role assignment (ra_…); the identity loses the right on its next request')
    .action(async (id: string, _opts, cmd: Command) => {
      const s = session(ctx, cmd);
      await s.client().request('DELETE', apiPath`/api/v1/role-assignments/${id}`);
      s.out.result({ removed: id }, () => s.out.line(`Removed ${id}.`));
    });
}

// Policies applied to a change of an automation account, inside the transaction that makes it: the account is
// read before the change and after it, and the assignments in force decide (domain/policy/enforcement.ts). Deny
// throws a 403 naming the policy and the assignment, so the transaction rolls back and nothing changes; Audit
// writes `policy.non-compliant` in the same transaction. The assignments in force are the stored ones and the
// server's default one from its configuration (STEWARD_RUNAS_POLICY_EFFECT and the retirement dates).
import type { PolicyAssignment, Verdict } from '../../../domain/policy/enforcement.js';
import { decide } from '../../../domain/policy/enforcement.js';
import {
  defaultLegacyRunAsSettings,
  LEGACY_RUN_AS_DEFINITION_ID,
  type LegacyRunAsSettings,
} from '../../../domain/policy/legacy-run-as.js';
import type { AutomationAccountResource } from '../../../domain/policy/policy-definition.js';
import type { Executor, Tx } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import { appendAudit } from '../audit/audit-repo.js';
import { listPolicyAssignments, type PolicyAssignmentRow } from './policy-repo.js';
import { accountResource } from './policy-resources.js';

/** The id of the server's default assignment of "No new certificate Run As accounts". */
export const CONFIGURED_RUN_AS_ASSIGNMENT_ID = 'pa_default-no-new-run-as';

export const storedAssignment = (r: PolicyAssignmentRow): PolicyAssignment => ({
  id: r.id,
  definitionId: r.definitionId,
  scope: r.scope,
  effect: r.effect,
  parameters: r.parameters,
});

export function configuredRunAsAssignment(settings: LegacyRunAsSettings): PolicyAssignment {
  return {
    id: CONFIGURED_RUN_AS_ASSIGNMENT_ID,
    definitionId: LEGACY_RUN_AS_DEFINITION_ID,
    scope: '/',
    effect: settings.effect,
    parameters: { creationEndsOn: settings.creationEndsOn, renewalEndsOn: settings.renewalEndsOn },
  };
}

/** What a change does, for the refusal and the audit record: `automation-account.update`, `runas.create`, … */
export type PolicyOperation = string;

export type PolicyEnforcer = ReturnType<typeof createPolicyEnforcer>;

export function createPolicyEnforcer(d: { legacyRunAs?: LegacyRunAsSettings } = {}) {
  const configured = configuredRunAsAssignment(d.legacyRunAs ?? defaultLegacyRunAsSettings);

  const refusal = (v: Verdict, operation: PolicyOperation) =>
    new AppError(
      'FORBIDDEN',
      `Refused by policy '${v.definition.displayName}' (assignment ${v.assignment.id} at ${v.assignment.scope}, effect Deny): ${v.reason} Nothing was changed (${operation}).`,
    );

  /** Every assignment in force: the configured one first, then the stored ones. */
  const assignments = async (db: Executor): Promise<PolicyAssignment[]> => [
    configured,
    ...(await listPolicyAssignments(db)).map(storedAssignment),
  ];

  return {
    configured,
    assignments,

    /** The account as it stands before a change, read in the changing transaction. */
    before: (tx: Tx, accountId: string) => accountResource(tx, accountId),

    /**
     * After the change, in the same transaction: refuses it under Deny (throws, so the caller's transaction
     * rolls back) or records each Audit finding. An account deleted by the change is not judged.
     */
    async check(
      tx: Tx,
      c: {
        actor: string;
        accountId: string;
        operation: PolicyOperation;
        before: AutomationAccountResource | undefined;
      },
    ) {
      const after = await accountResource(tx, c.accountId);
      if (!after) return;
      const decision = decide(await assignments(tx), c.before, after);
      if (decision.kind === 'deny') throw refusal(decision.denied, c.operation);
      for (const v of decision.audits)
        await appendAudit(tx, {
          actor: c.actor,
          kind: 'policy.non-compliant',
          target: c.accountId,
          details: {
            policyId: v.definition.id,
            policyName: v.definition.displayName,
            assignmentId: v.assignment.id,
            scope: v.assignment.scope,
            effect: v.assignment.effect,
            operation: c.operation,
            resource: { type: after.type, id: after.id, name: after.name },
            reason: v.reason,
          },
        });
    },
  };
}

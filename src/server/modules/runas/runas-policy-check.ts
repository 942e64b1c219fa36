// The "No new certificate Run As accounts" policy applied to a creation or renewal: Deny refuses with a 403 that
// names the policy; Audit lets it happen and records the non-compliance in the same transaction as the change.
import {
  evaluateLegacyRunAs,
  LEGACY_RUN_AS_POLICY_ID,
  LEGACY_RUN_AS_POLICY_NAME,
  type LegacyRunAsPolicy,
} from '../../../domain/automation/runas-policy.js';
import type { Tx } from '../../../store/db.js';
import { AppError } from '../../errors.js';
import { appendAudit } from '../audit/audit-repo.js';

export function createPolicyCheck(policy: LegacyRunAsPolicy, now: () => Date) {
  /** Refuses under Deny (403 naming the policy); under Audit, the record of non-compliance to write. */
  return function checkPolicy(operation: 'create' | 'renew') {
    const decision = evaluateLegacyRunAs(policy, operation, now());
    if (decision.kind === 'deny') throw new AppError('FORBIDDEN', decision.message);
    return async (tx: Tx, actor: string, accountId: string) => {
      if (decision.kind !== 'audit') return;
      await appendAudit(tx, {
        actor,
        kind: 'policy.non-compliant',
        target: accountId,
        details: {
          policyId: LEGACY_RUN_AS_POLICY_ID,
          policyName: LEGACY_RUN_AS_POLICY_NAME,
          effect: policy.effect,
          operation: `runas.${operation}`,
          message: decision.message,
        },
      });
    };
  };
}

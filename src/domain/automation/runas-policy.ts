// The built-in policy "No new certificate Run As accounts" (R53, R67, Q8, Q16): its effect and the retirement
// dates are settings, not constants. Deny refuses creating a Run As account from the creation end date on, and
// renewing one from the renewal end date on; Audit lets both happen and records them as non-compliant; Disabled
// evaluates nothing. Existing certificates keep signing in until they expire whatever the policy says.

export const LEGACY_RUN_AS_POLICY_ID = 'no-new-certificate-run-as-accounts';
export const LEGACY_RUN_AS_POLICY_NAME = 'No new certificate Run As accounts';
export const legacyRunAsEffects = ['Deny', 'Audit', 'Disabled'] as const;
export type LegacyRunAsEffect = (typeof legacyRunAsEffects)[number];

export interface LegacyRunAsPolicy {
  effect: LegacyRunAsEffect;
  /** No new Run As account from this instant on (Azure: 1 April 2023). */
  creationEndsOn: Date;
  /** No renewal from this instant on (Azure: 30 September 2023, end of support). */
  renewalEndsOn: Date;
}

/** Azure's dates (R53); by default the effect is Audit, so creation stays possible and is flagged (Q8). */
export const defaultLegacyRunAsPolicy: LegacyRunAsPolicy = {
  effect: 'Audit',
  creationEndsOn: new Date('2023-04-01T00:00:00Z'),
  renewalEndsOn: new Date('2023-10-01T00:00:00Z'),
};

export type PolicyDecision =
  | { kind: 'compliant' }
  | { kind: 'deny'; message: string }
  | { kind: 'audit'; message: string };

const day = (d: Date) => d.toISOString().slice(0, 10);

/** What the policy says of creating ('create') or renewing ('renew') a Run As account at `now`. */
export function evaluateLegacyRunAs(
  policy: LegacyRunAsPolicy,
  operation: 'create' | 'renew',
  now: Date,
): PolicyDecision {
  if (policy.effect === 'Disabled') return { kind: 'compliant' };
  const ends = operation === 'create' ? policy.creationEndsOn : policy.renewalEndsOn;
  if (now.getTime() < ends.getTime()) return { kind: 'compliant' };
  const what =
    operation === 'create' ? 'New certificate Run As accounts' : 'Renewals of certificate Run As accounts';
  const message = `${what} are not allowed since ${day(ends)} (policy '${LEGACY_RUN_AS_POLICY_NAME}', effect ${policy.effect}): use the automation account's managed identity instead (steward automation migrate).`;
  return policy.effect === 'Deny' ? { kind: 'deny', message } : { kind: 'audit', message };
}

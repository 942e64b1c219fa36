// "No new certificate Run As accounts" (R53, Q8, Q16): the retirement dates are parameters, not constants. An
// automation account is non-compliant when its certificate Run As account was created on or after the creation
// end date, or renewed on or after the renewal end date; one made and renewed before them is compliant (it keeps
// signing in until its certificate expires, whatever the policy says). Deny, Audit or Disabled.
import {
  compliant,
  nonCompliant,
  type ParameterValues,
  type PolicyDefinition,
  type PolicyEffect,
} from './policy-definition.js';

export const LEGACY_RUN_AS_DEFINITION_ID = 'no-new-certificate-run-as-accounts';

/** Azure's dates (R53): no new Run As account from 1 April 2023, no renewal once support ended (30 Sept 2023). */
export const legacyRunAsDefaults = { creationEndsOn: '2023-04-01', renewalEndsOn: '2023-10-01' } as const;

const atMidnight = (day: string) => new Date(`${day}T00:00:00Z`);
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const instead = "use the automation account's managed identity instead (steward automation migrate)";

export const legacyRunAsDefinition: PolicyDefinition = {
  id: LEGACY_RUN_AS_DEFINITION_ID,
  displayName: 'No new certificate Run As accounts',
  description:
    'Certificate Run As accounts are retired: none may be created after the creation end date, nor renewed after the renewal end date.',
  resourceType: 'automationAccount',
  allowedEffects: ['Deny', 'Audit', 'Disabled'],
  defaultEffect: 'Deny',
  parameters: [
    {
      name: 'creationEndsOn',
      type: 'date',
      description: 'No new certificate Run As account from this day on (midnight UTC).',
      default: legacyRunAsDefaults.creationEndsOn,
    },
    {
      name: 'renewalEndsOn',
      type: 'date',
      description: 'No renewal of a certificate Run As account from this day on (midnight UTC).',
      default: legacyRunAsDefaults.renewalEndsOn,
    },
  ],
  evaluate(r, p: ParameterValues) {
    if (!r.runAs) return compliant(`Automation account '${r.name}' has no certificate Run As account.`);
    const creationEnds = p.creationEndsOn ?? legacyRunAsDefaults.creationEndsOn;
    const renewalEnds = p.renewalEndsOn ?? legacyRunAsDefaults.renewalEndsOn;
    if (r.runAs.createdAt.getTime() >= atMidnight(creationEnds).getTime())
      return nonCompliant(
        `New certificate Run As accounts are not allowed since ${creationEnds}: the Run As account of '${r.name}' was created on ${dayOf(r.runAs.createdAt)}; ${instead}.`,
      );
    if (r.runAs.renewedAt && r.runAs.renewedAt.getTime() >= atMidnight(renewalEnds).getTime())
      return nonCompliant(
        `Renewals of certificate Run As accounts are not allowed since ${renewalEnds}: the Run As account of '${r.name}' was renewed on ${dayOf(r.runAs.renewedAt)}; ${instead}.`,
      );
    return compliant(
      `The Run As account of '${r.name}' was created before ${creationEnds}${r.runAs.renewedAt ? ` and renewed before ${renewalEnds}` : ''}; it signs in until its certificate expires.`,
    );
  },
};

/** The default assignment a server makes of this definition from its configuration (docs/migration.md). */
export interface LegacyRunAsSettings {
  effect: PolicyEffect;
  creationEndsOn: string;
  renewalEndsOn: string;
}

/** Audit with Azure's dates: creation stays possible and is flagged (Q8). */
export const defaultLegacyRunAsSettings: LegacyRunAsSettings = { effect: 'Audit', ...legacyRunAsDefaults };

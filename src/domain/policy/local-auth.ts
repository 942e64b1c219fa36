// "Automation accounts should have local authentication disabled" (R67, Azure's 48c5f1cb-…): non-compliant
// unless disableLocalAuth is true. Audit, Deny or Disabled.
import { compliant, nonCompliant, type PolicyDefinition } from './policy-definition.js';

export const localAuthDefinition: PolicyDefinition = {
  id: 'automation-account-local-auth-disabled',
  displayName: 'Automation accounts should have local authentication disabled',
  description:
    'Webhooks and other local authentication of an automation account should be off, so that only identities of the directory reach it.',
  azurePolicyId: '48c5f1cb-14ad-4797-8e3b-f78ab3f8d700',
  resourceType: 'automationAccount',
  allowedEffects: ['Audit', 'Deny', 'Disabled'],
  defaultEffect: 'Audit',
  parameters: [],
  evaluate: (r) =>
    r.disableLocalAuth
      ? compliant(`Automation account '${r.name}' has local authentication disabled.`)
      : nonCompliant(
          `Automation account '${r.name}' has local authentication enabled: set disableLocalAuth to true.`,
        ),
};

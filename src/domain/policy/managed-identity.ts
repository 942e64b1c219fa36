// "Automation accounts should have a managed identity" (R67, Azure's dea83a72-…): non-compliant while the
// account has neither a system-assigned nor a user-assigned identity. Audit or Disabled: an account without an
// identity is not wrong in itself, only a sign that its runbooks sign in some other way.
import { compliant, nonCompliant, type PolicyDefinition } from './policy-definition.js';

export const managedIdentityDefinition: PolicyDefinition = {
  id: 'automation-account-managed-identity',
  displayName: 'Automation accounts should have a managed identity',
  description:
    'Runbooks should sign in with the automation account’s managed identity rather than with a Run As certificate or a stored secret.',
  azurePolicyId: 'dea83a72-443c-4292-83d5-54a2f98749c0',
  resourceType: 'automationAccount',
  allowedEffects: ['Audit', 'Disabled'],
  defaultEffect: 'Audit',
  parameters: [],
  evaluate: (r) =>
    r.identityType === 'None'
      ? nonCompliant(
          `Automation account '${r.name}' has no managed identity: enable its system-assigned identity or attach a user-assigned one.`,
        )
      : compliant(`Automation account '${r.name}' has a managed identity (${r.identityType}).`),
};

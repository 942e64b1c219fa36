// The built-in policy definitions, and finding one by its id (or Azure Policy's id of the same definition).
import { legacyRunAsDefinition } from './legacy-run-as.js';
import { localAuthDefinition } from './local-auth.js';
import { managedIdentityDefinition } from './managed-identity.js';
import type { PolicyDefinition } from './policy-definition.js';

export const builtInDefinitions: readonly PolicyDefinition[] = [
  managedIdentityDefinition,
  localAuthDefinition,
  legacyRunAsDefinition,
];

export function findDefinition(id: string): PolicyDefinition | undefined {
  const wanted = id.toLowerCase();
  return builtInDefinitions.find((d) => d.id === wanted || d.azurePolicyId === wanted);
}

// What a policy definition is (R67, Q16): a rule over one kind of resource, with the effects it may be assigned
// with, its default effect, its parameters, and a pure evaluation of a resource to compliant or non-compliant
// with the reason. Definitions are built in (definitions.ts); assignments give one an effect at a scope.

export const policyEffects = ['Deny', 'Audit', 'Disabled'] as const;
export type PolicyEffect = (typeof policyEffects)[number];

export type IdentityType = 'None' | 'SystemAssigned' | 'UserAssigned' | 'SystemAssigned, UserAssigned';

/** An automation account as policies see it: its identity, its local authentication and its Run As account. */
export interface AutomationAccountResource {
  type: 'automationAccount';
  id: string;
  name: string;
  /** Its scope path (resource-roles.ts): /automationAccounts/{aa_…}. */
  scope: string;
  identityType: IdentityType;
  disableLocalAuth: boolean;
  /** Its legacy certificate Run As account, if it has one. */
  runAs: { createdAt: Date; renewedAt: Date | null } | null;
}

export type PolicyResource = AutomationAccountResource;

export type Evaluation = { state: 'compliant'; reason: string } | { state: 'non-compliant'; reason: string };

/** A parameter of a definition; every parameter has a default, so an assignment may leave any out. */
export interface PolicyParameter {
  name: string;
  type: 'date';
  description: string;
  default: string;
}

/** Parameter values by name, already checked against the definition (see parameters.ts). */
export type ParameterValues = Readonly<Record<string, string>>;

export interface PolicyDefinition {
  id: string;
  displayName: string;
  description: string;
  /** Azure Policy's id of the same built-in definition, where it has one. */
  azurePolicyId?: string;
  resourceType: PolicyResource['type'];
  allowedEffects: readonly PolicyEffect[];
  defaultEffect: PolicyEffect;
  parameters: readonly PolicyParameter[];
  evaluate(resource: PolicyResource, parameters: ParameterValues): Evaluation;
}

export const compliant = (reason: string): Evaluation => ({ state: 'compliant', reason });
export const nonCompliant = (reason: string): Evaluation => ({ state: 'non-compliant', reason });

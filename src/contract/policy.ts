// Requests and responses of policies (R67, Q16): the built-in definitions, their assignments at a scope with an
// effect, and the compliance of every resource an assignment reaches.
import { z } from 'zod';
import { policyEffects } from '../domain/policy/policy-definition.js';
import { timestamp } from './common.js';
import { scopeSchema } from './role-assignments.js';

export const policyEffectSchema = z.enum(policyEffects);

export const policyDefinitionSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  description: z.string(),
  /** Azure Policy's id of the same built-in definition, where it has one. */
  azurePolicyId: z.string().nullable(),
  resourceType: z.literal('automationAccount'),
  allowedEffects: z.array(policyEffectSchema),
  defaultEffect: policyEffectSchema,
  parameters: z.array(
    z.object({ name: z.string(), type: z.literal('date'), description: z.string(), default: z.string() }),
  ),
});
export type PolicyDefinitionView = z.infer<typeof policyDefinitionSchema>;

export const createPolicyAssignmentBody = z.strictObject({
  definitionId: z.string().min(1).max(100).describe('a built-in definition: its id, or Azure Policy’s id'),
  scope: scopeSchema.describe("'/' (the management group) or /automationAccounts/{aa_…}"),
  effect: policyEffectSchema.optional().describe("default: the definition's default effect"),
  parameters: z
    .record(z.string().max(100), z.unknown())
    .optional()
    .describe("the definition's parameters; each one left out takes its default"),
});

export const policyAssignmentSchema = z.object({
  id: z.string(),
  definitionId: z.string(),
  definitionName: z.string(),
  scope: z.string(),
  effect: policyEffectSchema,
  parameters: z.record(z.string(), z.string()),
  /** `configuration`: the server's default assignment (STEWARD_RUNAS_POLICY_EFFECT), not removable by the API. */
  origin: z.enum(['api', 'configuration']),
  createdBy: z.string(),
  createdAt: timestamp.nullable(),
});
export type PolicyAssignmentView = z.infer<typeof policyAssignmentSchema>;

export const complianceStates = ['compliant', 'non-compliant'] as const;

export const complianceQuery = z.strictObject({
  state: z.enum(complianceStates).optional(),
  assignmentId: z.string().max(100).optional(),
  resourceId: z.string().max(100).optional().describe('one automation account (aa_…)'),
});

export const complianceRecordSchema = z.object({
  resource: z.object({
    type: z.literal('automationAccount'),
    id: z.string(),
    name: z.string(),
    scope: z.string(),
  }),
  definitionId: z.string(),
  definitionName: z.string(),
  assignmentId: z.string(),
  effect: policyEffectSchema,
  state: z.enum(complianceStates),
  reason: z.string(),
  evaluatedAt: timestamp,
});
export type ComplianceRecord = z.infer<typeof complianceRecordSchema>;

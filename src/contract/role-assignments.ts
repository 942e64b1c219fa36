// Requests and responses for role assignments (principal, role, scope) and the audience of identity tokens that
// Steward's own API accepts.
import { z } from 'zod';
import { parseScope, resourceRoles, scopeSyntax } from '../domain/resource-roles.js';
import { timestamp } from './common.js';

/**
 * Steward's API resource id: the audience (`aud`) an identity token must carry to be accepted by Steward's own
 * API. Request it as `resource=api://steward` (or the scope `api://steward/.default`).
 */
export const STEWARD_API_AUDIENCE = 'api://steward';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const principalIdSchema = z
  .string()
  .max(64)
  .transform((s) => s.toLowerCase())
  .refine((s) => uuid.test(s), "must be an identity's principal id (a UUID)");

export const scopeSchema = z
  .string()
  .max(300)
  .refine((s) => parseScope(s) !== undefined, `must be a scope path: ${scopeSyntax}`);

export const resourceRoleSchema = z.enum(resourceRoles);

export const createRoleAssignmentBody = z.strictObject({
  principalId: principalIdSchema.describe(
    "the principal (object) id of a managed identity or of a Run As account's service principal",
  ),
  role: resourceRoleSchema,
  scope: scopeSchema,
});

export const roleAssignmentListQuery = z.strictObject({
  principalId: principalIdSchema.optional(),
  scope: scopeSchema.optional().describe('assignments at this scope or beneath it'),
});

export const roleAssignmentSchema = z.object({
  id: z.string(),
  principalId: z.string(),
  /**
   * What the principal is: the system identity of an automation account, a user-assigned identity, or the
   * service principal of a legacy Run As account.
   */
  principalType: z.enum(['SystemAssigned', 'UserAssigned', 'ServicePrincipal']),
  /**
   * The identity's resource: aa_… for a system identity, uami_… for a user-assigned one, the application id for
   * a service principal.
   */
  identityId: z.string(),
  role: resourceRoleSchema,
  scope: z.string(),
  createdBy: z.string(),
  createdAt: timestamp,
});
export type RoleAssignment = z.infer<typeof roleAssignmentSchema>;

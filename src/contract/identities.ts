// Requests and responses for managed identities: an automation account's identity block (R54–R56) and
// user-assigned identities (R55), and the token service's signing keys.
import { z } from 'zod';
import { descriptionSchema, timestamp } from './common.js';

export const identityTypes = [
  'None',
  'SystemAssigned',
  'UserAssigned',
  'SystemAssigned, UserAssigned',
] as const;
export type IdentityType = (typeof identityTypes)[number];

export const uamiIdSchema = z
  .string()
  .regex(/^uami_[a-z0-9]+$/, 'must be a user-assigned identity id (uami_…)');

/**
 * The identity block of PATCH/POST on an automation account, as Azure's R56: `SystemAssigned` alone drops
 * every user-assigned identity (without deleting it), `None` removes all, `UserAssigned` keeps only the
 * listed ones and drops the system one, the combined type keeps the system one and the listed ones.
 */
export const accountIdentityInput = z
  .strictObject({
    type: z.enum(identityTypes),
    userAssignedIdentities: z
      .array(uamiIdSchema)
      .max(50)
      .optional()
      .describe(
        'every user-assigned identity the account keeps (ids uami_…); the ones not listed are detached',
      ),
  })
  .superRefine((b, ctx) => {
    const wantsList = b.type === 'UserAssigned' || b.type === 'SystemAssigned, UserAssigned';
    if (wantsList && !b.userAssignedIdentities?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['userAssignedIdentities'],
        message: `list at least one user-assigned identity with type '${b.type}'`,
      });
    if (!wantsList && b.userAssignedIdentities !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['userAssignedIdentities'],
        message: `give it only with type 'UserAssigned' or 'SystemAssigned, UserAssigned', not '${b.type}'`,
      });
    if (
      b.userAssignedIdentities &&
      new Set(b.userAssignedIdentities).size !== b.userAssignedIdentities.length
    )
      ctx.addIssue({ code: 'custom', path: ['userAssignedIdentities'], message: 'lists an identity twice' });
  });
export type AccountIdentityInput = z.infer<typeof accountIdentityInput>;

export const attachedIdentitySchema = z.object({
  id: z.string(),
  resourceId: z.string(),
  clientId: z.string(),
  principalId: z.string(),
});

export const accountIdentitySchema = z.object({
  type: z.enum(identityTypes),
  /** The system-assigned identity's principal (null while it is off). */
  principalId: z.string().nullable(),
  clientId: z.string().nullable(),
  tenantId: z.string(),
  userAssignedIdentities: z.array(attachedIdentitySchema),
});
export type AccountIdentity = z.infer<typeof accountIdentitySchema>;

const identityNameSchema = z
  .string()
  .min(3)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
    'must start with a letter or digit and hold only letters, digits, _ and -',
  );

export const createUserAssignedIdentityBody = z.strictObject({
  name: identityNameSchema,
  description: descriptionSchema.optional(),
});

export const userAssignedIdentitySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  resourceId: z.string(),
  clientId: z.string(),
  principalId: z.string(),
  tenantId: z.string(),
  /** Automation accounts it is attached to. */
  automationAccountIds: z.array(z.string()),
  createdAt: timestamp,
});
export type UserAssignedIdentity = z.infer<typeof userAssignedIdentitySchema>;

export const signingKeySchema = z.object({
  kid: z.string(),
  alg: z.string(),
  signsFrom: timestamp,
  state: z.enum(['pending', 'signing', 'retired']),
  createdAt: timestamp,
});
export type SigningKey = z.infer<typeof signingKeySchema>;

/** Turns a computer's (or a worker group's computers') own identity on or off at the agent's metadata endpoint. */
export const setComputerIdentityBody = z.strictObject({ enabled: z.boolean() });

/** A computer's own identity (R64): on for the computer itself or through a worker group; ids once made. */
export const computerIdentitySchema = z.object({
  agentId: z.string(),
  computerName: z.string(),
  /** Whether the agent's metadata endpoint serves tokens: `direct` or any of `groups`. */
  enabled: z.boolean(),
  direct: z.boolean(),
  groups: z.array(z.object({ id: z.string(), name: z.string() })),
  principalId: z.string().nullable(),
  clientId: z.string().nullable(),
  resourceId: z.string().nullable(),
  tenantId: z.string(),
});
export type ComputerIdentity = z.infer<typeof computerIdentitySchema>;

export const workerGroupIdentitySchema = z.object({
  id: z.string(),
  name: z.string(),
  computerIdentity: z.boolean(),
});

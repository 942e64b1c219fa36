// Requests and responses for signing in, the current user, users and API tokens.
import { z } from 'zod';
import { roles } from '../domain/roles.js';
import { displayNameSchema, timestamp } from './common.js';

export const roleSchema = z.enum(roles);
export const usernameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, dot, dash or underscore');
export const passwordSchema = z.string().min(12, 'must be at least 12 characters').max(256);

export const loginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
  tokenName: z.string().min(1).max(100).optional(),
});

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: roleSchema,
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type User = z.infer<typeof userSchema>;

export const tokenSchema = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp,
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
});

export const issuedTokenSchema = z.object({
  token: z.string().describe('Shown once; Steward keeps only its hash.'),
  tokenInfo: tokenSchema,
});

export const loginResponse = issuedTokenSchema.extend({ user: userSchema });

export const changePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: passwordSchema,
});

export const changePasswordResponse = z.object({
  ok: z.literal(true),
  revokedTokens: z
    .number()
    .int()
    .describe('your other tokens and sessions, revoked with the change; the one that made it stays valid'),
});

export const createUserBody = z.strictObject({
  username: usernameSchema,
  displayName: displayNameSchema.optional(),
  role: roleSchema,
  password: passwordSchema,
});

export const updateUserBody = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    password: passwordSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const createTokenBody = z.strictObject({
  name: z.string().min(1).max(100),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

/** Console sign-in: the session token goes into an HttpOnly cookie, never into the answer. */
export const sessionLoginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});

export const sessionSchema = z.object({
  user: userSchema,
  csrfToken: z
    .string()
    .nullable()
    .describe('send it in the x-csrf-token header with every change; null when not signed in with a session'),
});
export type Session = z.infer<typeof sessionSchema>;

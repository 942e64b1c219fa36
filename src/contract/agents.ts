// Agents: enrollment tokens, enrollment, approval, and what an agent fetches (configuration, sealed credentials).

import { z } from 'zod';
import { agentPlatforms } from '../domain/inventory/platform.js';
import { timestamp } from './common.js';
import { healthServiceConfigSchema } from './resolution.js';

export const agentStatuses = ['pending', 'approved', 'revoked'] as const;
export type AgentStatus = (typeof agentStatuses)[number];

const computerName = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a host name: letters, digits, dots, hyphens, underscores');

/** Public keys travel as SPKI DER in base64url. */
const publicKey = z
  .string()
  .min(40)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

export const createEnrollmentTokenBody = z.strictObject({
  computerName,
  expiresInMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
});

/** An enrollment token as listed: never the token itself (it is shown once, when made, and stored hashed). */
export const enrollmentTokenInfoSchema = z.object({
  id: z.string(),
  computerId: z.string().nullable().describe('the registered computer it enrolls, or null until enrollment'),
  computerName: z.string(),
  createdBy: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp,
  usedAt: timestamp.nullable(),
  state: z.enum(['unused', 'used', 'expired']),
});
export type EnrollmentTokenInfo = z.infer<typeof enrollmentTokenInfoSchema>;
export const enrollmentTokenListSchema = z.object({ items: z.array(enrollmentTokenInfoSchema) });

export const enrollmentTokenSchema = z.object({
  id: z.string(),
  token: z.string().describe('shown once; give it to the agent (steward agent --token)'),
  computerId: z.string().nullable().describe('the registered computer it enrolls, or null until enrollment'),
  computerName: z.string(),
  expiresAt: timestamp,
  serverCertificateSha256: z
    .string()
    .nullable()
    .describe('SHA-256 of the certificate this server serves, for the agent to pin; null over plain HTTP'),
});

export const agentSchema = z.object({
  id: z.string().describe('the computer id: one agent per computer'),
  computerName: z.string(),
  computerRegistered: z.boolean(),
  status: z.enum(agentStatuses),
  signingKeyFingerprint: z.string().describe('SHA-256 of the signing public key: compare with the agent'),
  enrolledAt: timestamp,
  lastSeenAt: timestamp.nullable(),
  available: z.boolean().describe('approved and heard from within the missed-heartbeat time'),
});

export const agentListQuery = z.object({ status: z.enum(agentStatuses).optional() });

export const enrollBody = z.strictObject({
  token: z.string().min(1).max(200).optional(),
  computerName,
  signingPublicKey: publicKey,
  sealingPublicKey: publicKey,
  platform: z
    .enum(agentPlatforms)
    .optional()
    .describe(
      'The operating system: the computer it registers is then a Microsoft.Windows.Computer (windows) or a Microsoft.Linux.Computer (linux, class Steward.LinuxComputer); otherwise a System.Computer.',
    ),
});

export const enrollResponse = z.object({
  agentId: z.string(),
  status: z.enum(agentStatuses),
});

export const agentConfigQuery = z.object({
  tag: z.string().max(128).optional(),
  waitSeconds: z.coerce.number().int().min(0).max(30).default(0),
  include: z
    .literal('credentials')
    .optional()
    .describe(
      'credentials: the answer also carries, sealed to the agent, every credential the configuration runs as (the accounts its entries resolve to and its default action account), for an agent that holds none',
    ),
});

export const agentConfigSchema = healthServiceConfigSchema;

export const sealedEnvelopeSchema = z.object({
  v: z.literal(1),
  epk: z.string(),
  nonce: z.string(),
  ct: z.string(),
});

export const credentialsBody = z.strictObject({
  accounts: z
    .array(z.strictObject({ id: z.string().min(1).max(256), version: z.number().int().min(1) }))
    .max(1000),
});

export const credentialsResponse = z.object({
  items: z.array(
    z.object({
      accountId: z.string(),
      version: z.number().int(),
      envelope: sealedEnvelopeSchema.describe(
        'sealed to the agent’s X25519 key; associated data "<agentId>:<accountId>:<version>"',
      ),
    }),
  ),
});

/** The configuration asked for with `include=credentials`: the credentials it runs as come with it. */
export const agentConfigWithCredentialsSchema = agentConfigSchema.extend({
  credentials: credentialsResponse.optional(),
});

/** What a delivered envelope holds once opened. */
export const openedCredentialSchema = z.object({
  accountId: z.string(),
  version: z.number().int(),
  name: z.string(),
  type: z.string(),
  publicFields: z.record(z.string(), z.unknown()),
  secret: z.record(z.string(), z.unknown()),
});
export type OpenedCredential = z.infer<typeof openedCredentialSchema>;

/** Associated data binding a delivered envelope to its agent, account and version. */
export const credentialAad = (agentId: string, accountId: string, version: number) =>
  `${agentId}:${accountId}:${version}`;

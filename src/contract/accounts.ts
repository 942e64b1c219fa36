// Requests and responses for Run As accounts, their distribution and their associations with profiles.
// Secret fields appear only in request bodies: no response schema has a place for them.

import { z } from 'zod';
import { descriptionSchema, displayNameSchema, isoDate, timestamp } from './common.js';
import { base64DecodedLength } from './text.js';

const userName = z.string().trim().min(1).max(256);
const domain = z.string().trim().max(256).optional();
const secret = (max = 1024) => z.string().min(1).max(max);
const snmpKey = z.string().min(1, 'must be 1 to 64 characters').max(64, 'must be 1 to 64 characters');
const pem = (label: string) =>
  z
    .string()
    .max(64 * 1024)
    .refine((v) => v.includes(`-----BEGIN`) && v.includes(label), `must be PEM text containing ${label}`);

/** The credential of each account type (domain-spec §1.1 and R1–R8), secret parts included. */
export const credentialSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('windows'), userName, domain, password: secret() }),
  z.strictObject({ type: z.literal('action'), userName, domain, password: secret() }),
  z.strictObject({ type: z.literal('basic'), userName, password: secret() }),
  z.strictObject({ type: z.literal('digest'), userName, password: secret() }),
  z.strictObject({ type: z.literal('simple'), userName, password: secret() }),
  z.strictObject({ type: z.literal('community-string'), communityString: secret(256) }),
  z.strictObject({
    type: z.literal('binary'),
    dataBase64: z
      .string()
      .min(1)
      .max(Math.ceil((64 * 1024 * 4) / 3) + 4)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
      .refine((v) => base64DecodedLength(v) <= 64 * 1024, 'must decode to at most 64 KiB'),
  }),
  z
    .strictObject({
      type: z.literal('snmpv3'),
      userName,
      context: z.string().max(256).default(''),
      authProtocol: z.enum(['none', 'md5', 'sha']).default('none'),
      authKey: snmpKey.optional(),
      privacyProtocol: z.enum(['none', 'des', 'aes']).default('none'),
      privacyKey: snmpKey.optional(),
    })
    .superRefine((v, ctx) => {
      // R6: a key is required exactly when its protocol is not None; privacy needs authentication.
      if (v.authProtocol !== 'none' && !v.authKey)
        ctx.addIssue({
          code: 'custom',
          path: ['authKey'],
          message: 'is required when authProtocol is not none',
        });
      if (v.authProtocol === 'none' && v.authKey)
        ctx.addIssue({
          code: 'custom',
          path: ['authKey'],
          message: 'must be empty when authProtocol is none',
        });
      if (v.privacyProtocol !== 'none' && !v.privacyKey)
        ctx.addIssue({
          code: 'custom',
          path: ['privacyKey'],
          message: 'is required when privacyProtocol is not none',
        });
      if (v.privacyProtocol === 'none' && v.privacyKey)
        ctx.addIssue({
          code: 'custom',
          path: ['privacyKey'],
          message: 'must be empty when privacyProtocol is none',
        });
      if (v.privacyProtocol !== 'none' && v.authProtocol === 'none')
        ctx.addIssue({ code: 'custom', path: ['privacyProtocol'], message: 'needs an authProtocol' });
    }),
  z.strictObject({
    type: z.literal('unix-monitoring'),
    userName,
    password: secret(),
    sudo: z.boolean().default(false),
  }),
  z
    .strictObject({
      type: z.literal('unix-maintenance'),
      userName,
      password: secret().optional(),
      sshPrivateKey: secret(16 * 1024).optional(),
      passphrase: secret().optional(),
      elevation: z.enum(['privileged', 'sudo', 'su']).default('privileged'),
      suPassword: secret().optional(),
    })
    .superRefine((v, ctx) => {
      if (!v.password === !v.sshPrivateKey)
        ctx.addIssue({
          code: 'custom',
          path: ['password'],
          message: 'give exactly one of password or sshPrivateKey',
        });
      if (v.elevation === 'su' && !v.suPassword)
        ctx.addIssue({ code: 'custom', path: ['suPassword'], message: 'is required when elevation is su' });
    }),
  z.strictObject({
    type: z.literal('ssh-key'),
    userName,
    privateKey: secret(16 * 1024),
    passphrase: secret().optional(),
  }),
  z.strictObject({
    type: z.literal('certificate'),
    certificatePem: pem('CERTIFICATE'),
    privateKeyPem: pem('PRIVATE KEY'),
    passphrase: secret().optional(),
  }),
  z.strictObject({ type: z.literal('token'), token: secret(16 * 1024) }),
]);
export type Credential = z.infer<typeof credentialSchema>;
export type AccountType = Credential['type'];
export const accountTypes = [
  'windows',
  'action',
  'basic',
  'digest',
  'simple',
  'community-string',
  'binary',
  'snmpv3',
  'unix-monitoring',
  'unix-maintenance',
  'ssh-key',
  'certificate',
  'token',
] as const satisfies readonly AccountType[];

/** Fields of each type that are not secret and may be shown; everything else is sealed. */
export const publicFieldNames: Record<AccountType, readonly string[]> = {
  windows: ['userName', 'domain'],
  action: ['userName', 'domain'],
  basic: ['userName'],
  digest: ['userName'],
  simple: ['userName'],
  'community-string': [],
  binary: [],
  snmpv3: ['userName', 'context', 'authProtocol', 'privacyProtocol'],
  'unix-monitoring': ['userName', 'sudo'],
  'unix-maintenance': ['userName', 'elevation'],
  'ssh-key': ['userName'],
  certificate: [],
  token: [],
};

export const securitySchema = z.enum(['more-secure', 'less-secure']);
export const targetIdSchema = z
  .string()
  .regex(
    /^(cmp|srv|pool)_[A-Za-z0-9_-]+$/,
    'must be a computer (cmp_…), management server (srv_…) or pool (pool_…) id',
  );

export const createAccountBody = z.strictObject({
  name: displayNameSchema,
  description: descriptionSchema.optional(),
  credential: credentialSchema,
  expiresAt: isoDate.optional(),
});

export const updateAccountBody = z
  .strictObject({
    name: displayNameSchema.optional(),
    description: descriptionSchema.optional(),
    credential: credentialSchema.optional().describe('replaces the secret; the type must stay the same'),
    expiresAt: isoDate.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const distributionSchema = z.object({ security: securitySchema, approved: z.array(z.string()) });

export const setDistributionBody = z.strictObject({
  security: securitySchema,
  approved: z
    .array(targetIdSchema)
    .max(10_000)
    .optional()
    .describe('replaces the list; omitted means an empty list (R13)'),
});

export const changeDistributionBody = z
  .strictObject({
    add: z.array(targetIdSchema).max(10_000).default([]),
    remove: z.array(targetIdSchema).max(10_000).default([]),
  })
  .refine((b) => b.add.length + b.remove.length > 0, 'give targets to add or remove');

export const accountSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  type: z.enum(accountTypes),
  version: z.number().int(),
  publicFields: z.record(z.string(), z.unknown()),
  distribution: distributionSchema,
  expiresAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Account = z.infer<typeof accountSchema>;

export const scopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all') }),
  z.strictObject({ kind: z.literal('class'), classId: z.string().min(1).max(256) }),
  z.strictObject({ kind: z.literal('group'), groupId: z.string().min(1).max(256) }),
  z.strictObject({ kind: z.literal('object'), objectId: z.string().min(1).max(256) }),
]);

export const createAssociationBody = z.strictObject({
  accountId: z.string().min(1).max(64),
  scope: scopeSchema.optional().describe('omitted means all targeted objects (S22)'),
  enforced: z.boolean().default(false),
});

export const associationSchema = z.object({
  id: z.string(),
  profileId: z.string(),
  accountId: z.string(),
  scope: scopeSchema,
  enforced: z.boolean(),
  createdAt: timestamp,
});
export type AssociationDto = z.infer<typeof associationSchema>;

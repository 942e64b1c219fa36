// Requests and responses for the assets of an automation account: variables, credentials, connections of a
// connection type, and certificates. Encrypted values, passwords and private keys appear only in request
// bodies: no response schema has a place for them.

import { z } from 'zod';
import { connectionFieldTypes } from '../domain/automation/connection-fields.js';
import { descriptionSchema, timestamp } from './common.js';
import { base64DecodedLength, utf8Length } from './text.js';

export const assetKinds = ['variable', 'credential', 'connection', 'certificate'] as const;
export type AssetKind = (typeof assetKinds)[number];

/** The path segment of each kind: /automation-accounts/{id}/variables/{name}. */
export const assetCollections: Record<AssetKind, string> = {
  variable: 'variables',
  credential: 'credentials',
  connection: 'connections',
  certificate: 'certificates',
};

/** Asset and connection type names: a letter or digit, then letters, digits, spaces, _ - and . (at most 128). */
export const assetNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9 _.-]*[A-Za-z0-9_.-])?$/,
    'must start with a letter or digit and hold only letters, digits, spaces, _, - and . (no trailing space)',
  );

export const assetParams = z.object({
  accountId: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
});

/** A JSON value of at most 64 KiB once serialized. */
const MAX_VARIABLE_BYTES = 64 * 1024;
const variableValue = z
  .unknown()
  .refine((v) => v !== undefined, 'is required (any JSON value)')
  .refine(
    (v) => v === undefined || utf8Length(JSON.stringify(v)) <= MAX_VARIABLE_BYTES,
    'must be at most 64 KiB as JSON',
  );

export const setVariableBody = z.strictObject({
  description: descriptionSchema.optional(),
  encrypted: z.boolean().default(false).describe('sealed and write-only; cannot change once set'),
  value: variableValue,
});

export const setCredentialBody = z.strictObject({
  description: descriptionSchema.optional(),
  userName: z.string().trim().min(1).max(256),
  password: z.string().min(1).max(1024).describe('write-only'),
});

export const setConnectionBody = z.strictObject({
  description: descriptionSchema.optional(),
  connectionType: assetNameSchema.describe(
    'a built-in type such as AzureServicePrincipal, or one of the account',
  ),
  fieldValues: z.record(z.string().max(128), z.union([z.string().max(16 * 1024), z.number(), z.boolean()])),
});

const base64 = (maxBytes: number) =>
  z
    .string()
    .min(1)
    .max(Math.ceil((maxBytes * 4) / 3) + 4)
    .regex(/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/, 'must be base64')
    .refine((v) => base64DecodedLength(v) <= maxBytes, `must decode to at most ${maxBytes / 1024} KiB`);

const MAX_CERT_BYTES = 64 * 1024;
const pemText = z.string().min(1).max(MAX_CERT_BYTES);

export const setCertificateBody = z.discriminatedUnion('format', [
  z.strictObject({
    format: z.literal('pfx'),
    description: descriptionSchema.optional(),
    exportable: z.boolean().default(false),
    pfxBase64: base64(MAX_CERT_BYTES).describe('a PKCS#12 file (.pfx, .p12), base64'),
    password: z.string().max(1024).optional().describe('the PFX password; write-only'),
  }),
  z.strictObject({
    format: z.literal('pem'),
    description: descriptionSchema.optional(),
    exportable: z.boolean().default(false),
    certificatePem: pemText,
    privateKeyPem: pemText.optional().describe('write-only; omitted for a public-only certificate'),
    privateKeyPassphrase: z
      .string()
      .max(1024)
      .optional()
      .describe('for an encrypted private key; write-only'),
  }),
  z.strictObject({
    format: z.literal('cer'),
    description: descriptionSchema.optional(),
    certificateBase64: base64(MAX_CERT_BYTES).describe('a public-only certificate (.cer), DER, base64'),
  }),
]);

export const connectionFieldSchema = z.strictObject({
  name: z.string().min(1).max(128),
  type: z.enum(connectionFieldTypes).default('string'),
  encrypted: z.boolean().default(false),
  optional: z.boolean().default(false),
});

export const setConnectionTypeBody = z.strictObject({
  description: descriptionSchema.optional(),
  fields: z.array(connectionFieldSchema).min(1).max(50),
});

const assetBase = {
  id: z.string(),
  automationAccountId: z.string(),
  name: z.string(),
  description: z.string(),
  /** Goes up each time the asset is replaced. */
  version: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
};

export const variableSchema = z.object({
  ...assetBase,
  kind: z.literal('variable'),
  encrypted: z.boolean(),
  /** Only for a plain variable; an encrypted value is never returned. */
  value: z.unknown().optional(),
});

export const credentialAssetSchema = z.object({
  ...assetBase,
  kind: z.literal('credential'),
  userName: z.string(),
});

export const connectionSchema = z.object({
  ...assetBase,
  kind: z.literal('connection'),
  connectionType: z.string(),
  /** The plain fields; encrypted ones are only named in encryptedFields. */
  fieldValues: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  encryptedFields: z.array(z.string()),
});

export const certificateAssetSchema = z.object({
  ...assetBase,
  kind: z.literal('certificate'),
  /** SHA-1, upper-case hex, as Windows and Azure show it (the CertificateThumbprint of a connection). */
  thumbprint: z.string(),
  thumbprintSha256: z.string(),
  subject: z.string(),
  issuer: z.string(),
  notBefore: timestamp,
  expiresAt: timestamp,
  hasPrivateKey: z.boolean(),
  exportable: z.boolean(),
});

export const assetSchema = z.discriminatedUnion('kind', [
  variableSchema,
  credentialAssetSchema,
  connectionSchema,
  certificateAssetSchema,
]);
export type Asset = z.infer<typeof assetSchema>;

export const connectionTypeSchema = z.object({
  id: z.string(),
  automationAccountId: z.string(),
  name: z.string(),
  description: z.string(),
  builtIn: z.boolean(),
  fields: z.array(
    z.object({
      name: z.string(),
      type: z.enum(connectionFieldTypes),
      encrypted: z.boolean(),
      optional: z.boolean(),
    }),
  ),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type ConnectionType = z.infer<typeof connectionTypeSchema>;

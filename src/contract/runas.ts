// Requests and responses of legacy certificate Run As accounts (R48–R51), where they are used, and sign-in with
// their certificate. No schema here has a place for a private key or a client assertion in an answer.
import { z } from 'zod';
import { setCertificateBody } from './automation-assets.js';
import { timestamp } from './common.js';

export const RUN_AS_CERTIFICATE_ASSET = 'AzureRunAsCertificate';
export const RUN_AS_CONNECTION_ASSET = 'AzureRunAsConnection';
/** Q7: the self-signed certificate's lifetime when the request names none. */
export const DEFAULT_RUN_AS_MONTHS = 12;
/** The audience `steward login --service-principal` asks a token for when given none: Steward's own API. */
export const DEFAULT_SIGN_IN_RESOURCE = 'api://steward';
/** The OAuth token endpoint where a certificate signs in (also in the discovery document as token_endpoint). */
export const TOKEN_ENDPOINT_PATH = '/oauth2/token';
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** How far back `runas-usage` reads the audit log for jobs, by default. */
export const DEFAULT_USAGE_DAYS = 30;
/** How far back deleting a Run As account looks for jobs that read its certificate or connection. */
export const DEFAULT_DELETE_JOB_DAYS = 7;

const months = z.number().int().min(1).max(120);
const subscriptionId = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');

export const createRunAsBody = z.strictObject({
  validityMonths: months
    .optional()
    .describe(`months the self-signed certificate is valid; default ${DEFAULT_RUN_AS_MONTHS}`),
  subscriptionId: subscriptionId
    .optional()
    .describe("the connection's SubscriptionId; default the tenant id"),
  certificate: setCertificateBody
    .optional()
    .describe(
      'an enterprise-CA certificate with its private key (pfx or pem) instead of a self-signed one (R49)',
    ),
});

export const renewRunAsBody = z.strictObject({
  validityMonths: months.optional(),
  certificate: setCertificateBody
    .optional()
    .describe('a new enterprise-CA certificate; omitted: a new self-signed one'),
  revokePrevious: z
    .boolean()
    .default(false)
    .describe(
      'stop every earlier certificate signing in now (a leaked key); default: each works until it expires',
    ),
});

export const runAsCertificateSchema = z.object({
  thumbprint: z.string().describe('SHA-1, upper-case hex'),
  thumbprintSha256: z.string(),
  subject: z.string(),
  issuer: z.string(),
  notBefore: timestamp,
  expiresAt: timestamp,
});

export const migrationAdvisorySchema = z.object({
  message: z.string(),
  nextStep: z.string().describe('the command that takes the next step off Run As'),
  usedBy: z.object({ runbooks: z.array(z.string()), recentJobs: z.number().int() }),
});

export const runAsAccountSchema = z.object({
  automationAccountId: z.string(),
  automationAccountName: z.string(),
  type: z.literal('AzureRunAsAccount'),
  legacy: z.literal(true),
  displayName: z.string().describe('<AutomationAccountName>_<unique id>'),
  applicationId: z.string(),
  servicePrincipalId: z.string().describe('the principal id role assignments name'),
  tenantId: z.string(),
  subscriptionId: z.string().nullable(),
  certificateSource: z.enum(['self-signed', 'enterprise-ca']),
  certificateAssetName: z.string(),
  connectionAssetName: z.string(),
  certificate: runAsCertificateSchema.nullable().describe("the certificate asset's certificate"),
  acceptedCertificates: z
    .array(runAsCertificateSchema)
    .describe('every certificate the application accepts for sign-in until its own expiry (R50)'),
  status: z.enum(['Complete', 'Incomplete']),
  statusReasons: z.array(z.string()),
  createdAt: timestamp,
  renewedAt: timestamp.nullable(),
  roleAssignments: z
    .array(z.object({ role: z.string(), scope: z.string() }))
    .describe("the service principal's role assignments"),
  advisory: migrationAdvisorySchema,
});
export type RunAsAccount = z.infer<typeof runAsAccountSchema>;

export const usageHitSchema = z.object({
  line: z.number().int(),
  patterns: z.array(z.string()),
  text: z.string(),
});

export const runAsUsageSchema = z.object({
  automationAccountId: z.string(),
  automationAccountName: z.string(),
  runAs: z.object({
    status: z.enum(['Complete', 'Incomplete']),
    statusReasons: z.array(z.string()),
    applicationId: z.string(),
    servicePrincipalId: z.string(),
    expiresAt: timestamp.nullable(),
    roleAssignments: z
      .array(z.object({ role: z.string(), scope: z.string() }))
      .describe("the service principal's role assignments"),
    defaultRoleOnly: z
      .boolean()
      .describe(
        'true while its only role is the Contributor at its automation account it was created with (A12)',
      ),
  }),
  runbooks: z.array(
    z.object({
      runbookId: z.string(),
      name: z.string(),
      type: z.string(),
      versions: z.array(
        z.object({
          version: z.number().int().nullable().describe('null: the draft'),
          state: z.enum(['draft', 'published', 'earlier']),
          hits: z.array(usageHitSchema),
        }),
      ),
    }),
  ),
  jobs: z
    .array(
      z.object({ jobId: z.string(), at: timestamp, read: z.string().describe('the Run As asset it read') }),
    )
    .describe('jobs that read the Run As certificate or connection in the window'),
  signIns: z.object({ count: z.number().int(), last: timestamp.nullable() }),
  advisory: migrationAdvisorySchema,
});

export const deleteRunAsQuery = z.strictObject({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(DEFAULT_DELETE_JOB_DAYS)
    .describe('how far back to look for jobs that read the Run As certificate or connection'),
});

export const runAsUsageQuery = z.strictObject({
  account: z.string().min(1).max(256).optional().describe('an automation account id or name'),
  days: z.coerce.number().int().min(1).max(3650).default(DEFAULT_USAGE_DAYS),
});

export const runAsUsageResponse = z.object({ days: z.number().int(), items: z.array(runAsUsageSchema) });

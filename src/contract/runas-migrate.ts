// Request and report of moving an automation account off its legacy Run As account to its managed identity.
import { z } from 'zod';
import { DEFAULT_USAGE_DAYS } from './runas.js';

export const migrateRunAsBody = z.strictObject({
  dryRun: z.boolean().default(false).describe('report the plan and the diffs; change nothing'),
  leastPrivilege: z
    .boolean()
    .default(false)
    .describe(
      "give the identity only what the principal's audited writes needed (Reader always), not a copy of its roles",
    ),
  publish: z
    .boolean()
    .default(false)
    .describe('publish each rewritten draft that has nothing left to change by hand'),
  days: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(DEFAULT_USAGE_DAYS)
    .describe('how far back the audit log is read for least privilege'),
});
export type MigrateRunAsBody = z.infer<typeof migrateRunAsBody>;

const manualStep = z.object({ line: z.number().int(), text: z.string(), reason: z.string() });
const change = z.object({ line: z.number().int(), from: z.string(), to: z.string() });

export const migrationReportSchema = z.object({
  automationAccountId: z.string(),
  automationAccountName: z.string(),
  dryRun: z.boolean(),
  leastPrivilege: z.boolean(),
  identity: z.object({
    action: z.enum(['present', 'enabled', 'would-enable']),
    principalId: z.string().nullable(),
  }),
  /** With least privilege: the writes the principal made in the window (reads are not audited). */
  auditedWrites: z.array(z.string()).nullable(),
  roleAssignments: z.array(
    z.object({
      role: z.string(),
      scope: z.string(),
      /** The Run As principal's role it comes from. */
      from: z.string(),
      action: z.enum(['present', 'assigned', 'would-assign']),
      id: z.string().nullable(),
    }),
  ),
  runbooks: z.array(
    z.object({
      runbookId: z.string(),
      name: z.string(),
      type: z.string(),
      action: z.enum([
        'unchanged',
        'would-write-draft',
        'draft-written',
        'draft-ready',
        'needs-manual',
        'would-publish',
        'published',
        'failed',
      ]),
      /** The rewrite as a diff of the changed statements (- current, + new). */
      diff: z.string(),
      changes: z.array(change),
      /** Statements that still use Run As after the rewrite: a person must change them. */
      manual: z.array(manualStep),
      publishedVersion: z.number().int().nullable(),
      /** Why this runbook failed, naming it; the others go on. */
      error: z.string().nullable(),
    }),
  ),
  /** Runbooks whose draft or published version still uses Run As after this run. */
  stillUsingRunAs: z.array(z.string()),
  /** Nothing uses Run As any more: the Run As account can be deleted. */
  complete: z.boolean(),
  nextStep: z.string(),
});
export type MigrationReport = z.infer<typeof migrationReportSchema>;

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
  test: z
    .boolean()
    .default(false)
    .describe('test-run each rewritten draft (a test job) and report the outcome; publish implies it'),
  publish: z
    .boolean()
    .default(false)
    .describe(
      'test-run each rewritten draft with nothing left to change by hand and publish those whose test run passed',
    ),
  testTimeoutSeconds: z
    .number()
    .int()
    .min(10)
    .max(1800)
    .default(300)
    .describe('how long the test runs may take, all together'),
  days: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(DEFAULT_USAGE_DAYS)
    .describe('how far back the audit log is read for least privilege'),
});
export type MigrateRunAsBody = z.infer<typeof migrateRunAsBody>;

export const testRunReport = z.object({
  /** The test job; null when it could not start. */
  jobId: z.string().nullable(),
  status: z.string().nullable(),
  /** Completed without reading the Run As certificate or connection. */
  passed: z.boolean(),
  reason: z.string(),
});
export type TestRunReport = z.infer<typeof testRunReport>;

const manualStep = z.object({ line: z.number().int(), text: z.string(), reason: z.string() });
const change = z.object({ line: z.number().int(), from: z.string(), to: z.string() });

export const migrationReportSchema = z.object({
  automationAccountId: z.string(),
  automationAccountName: z.string(),
  dryRun: z.boolean(),
  leastPrivilege: z.boolean(),
  /** Whether the drafts were test-run (test or publish). */
  tested: z.boolean(),
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
      /** The test run of the draft (with test or publish); null when none ran. */
      test: testRunReport.nullable(),
      publishedVersion: z.number().int().nullable(),
      /** Why publish left it a draft: a failed test run, lines left by hand, a draft changed meanwhile. */
      notPublished: z.string().nullable(),
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

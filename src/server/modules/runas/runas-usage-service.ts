// What still uses a legacy Run As account: runbooks of every type whose content (draft and every published
// version) signs in with it, and — from the audit log, which sees what content scanning cannot — jobs that read
// its certificate or connection, and sign-ins with its certificate.
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import {
  DEFAULT_USAGE_DAYS,
  RUN_AS_CERTIFICATE_ASSET,
  RUN_AS_CONNECTION_ASSET,
} from '../../../contract/runas.js';
import { hasEnded } from '../../../domain/automation/jobs.js';
import { migrationAdvisory } from '../../../domain/automation/runas-account.js';
import { findRunAsUsage, type RunbookKind, type UsageHit } from '../../../domain/automation/runas-usage.js';
import type { Db } from '../../../store/db.js';
import { auditLog } from '../../../store/schema.js';
import * as automationRepo from '../automation/automation-repo.js';
import * as jobsRepo from '../automation/jobs-repo.js';
import * as identityRepo from '../identity/identity-repo.js';

export type RunAsUsageService = ReturnType<typeof createRunAsUsageService>;

export interface RunbookUsage {
  runbookId: string;
  name: string;
  type: string;
  versions: { version: number | null; state: 'draft' | 'published' | 'earlier'; hits: UsageHit[] }[];
}

export const SIGN_IN_AUDIT_KIND = 'runas.sign-in';

const DAY = 86_400_000;
const names = { connectionAsset: RUN_AS_CONNECTION_ASSET, certificateAsset: RUN_AS_CERTIFICATE_ASSET };

export function createRunAsUsageService(d: { db: Db; now?: () => Date }) {
  const { db } = d;
  const now = d.now ?? (() => new Date());

  async function runbooksUsing(accountId: string): Promise<RunbookUsage[]> {
    const out: RunbookUsage[] = [];
    for (const rb of await automationRepo.listRunbooks(db, accountId)) {
      const kind = rb.type as RunbookKind;
      const versions: RunbookUsage['versions'] = [];
      const draft = findRunAsUsage(rb.draftContent, kind, names);
      if (draft.length) versions.push({ version: null, state: 'draft', hits: draft });
      for (const v of await automationRepo.listVersions(db, rb.id)) {
        const hits = findRunAsUsage(v.content, kind, names);
        if (hits.length)
          versions.push({
            version: v.version,
            state: v.version === rb.publishedVersion ? 'published' : 'earlier',
            hits,
          });
      }
      if (versions.length) out.push({ runbookId: rb.id, name: rb.name, type: rb.type, versions });
    }
    return out;
  }

  /** Jobs that read the Run As certificate or connection since `since`, newest first, one entry per job. */
  async function jobsReading(accountId: string, since: Date) {
    const rows = await db
      .select({ at: auditLog.at, details: auditLog.details })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.kind, 'asset.read'),
          gte(auditLog.at, since),
          sql`${auditLog.details}->>'automationAccountId' = ${accountId}`,
          sql`${auditLog.details}->>'name' IN (${RUN_AS_CERTIFICATE_ASSET}, ${RUN_AS_CONNECTION_ASSET})`,
          sql`${auditLog.details} ? 'jobId'`,
        ),
      )
      .orderBy(desc(auditLog.seq));
    const seen = new Map<string, { jobId: string; at: string; read: string }>();
    for (const r of rows) {
      const det = r.details as { jobId: string; name: string };
      if (!seen.has(det.jobId))
        seen.set(det.jobId, { jobId: det.jobId, at: r.at.toISOString(), read: det.name });
    }
    return [...seen.values()];
  }

  /**
   * The jobs of the last `days` that read the Run As certificate or connection and would do it again: one still
   * running (deleting would break it), or one that ran what its runbook's draft or published version still is
   * (the next run reads it too — usage content scanning may not see, like a name built at run time). A job
   * that ran content its runbook has since left behind (a migrated runbook's old version) does not count.
   */
  async function jobsStillUsing(accountId: string, days: number) {
    const out: { jobId: string; runbook: string | null; status: string; reason: string }[] = [];
    for (const read of await jobsReading(accountId, new Date(now().getTime() - days * DAY))) {
      const job = await jobsRepo.findJob(db, read.jobId);
      if (!job) {
        out.push({ jobId: read.jobId, runbook: null, status: 'unknown', reason: 'its record is gone' });
        continue;
      }
      if (!hasEnded(job.status)) {
        out.push({ jobId: job.id, runbook: job.runbookName, status: job.status, reason: 'still running' });
        continue;
      }
      const rb = job.runbookId ? await automationRepo.findRunbook(db, job.runbookId) : undefined;
      if (!rb) continue;
      const published = rb.publishedVersion
        ? await automationRepo.findVersion(db, rb.id, rb.publishedVersion)
        : undefined;
      const current = job.content === rb.draftContent || job.content === published?.content;
      if (current)
        out.push({
          jobId: job.id,
          runbook: job.runbookName,
          status: job.status,
          reason: 'ran what its runbook still is',
        });
    }
    return out;
  }

  async function signIns(accountId: string, since: Date) {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int`, last: sql<Date | null>`max(${auditLog.at})` })
      .from(auditLog)
      .where(
        and(eq(auditLog.kind, SIGN_IN_AUDIT_KIND), eq(auditLog.target, accountId), gte(auditLog.at, since)),
      );
    const last = row?.last ? new Date(row.last) : null;
    return { count: Number(row?.n ?? 0), last: last ? last.toISOString() : null };
  }

  return {
    runbooksUsing,
    jobsReading,
    jobsStillUsing,
    signIns,
    since: (days: number) => new Date(now().getTime() - days * DAY),

    /** The migration advisory of an account's Run As account, from what uses it now. */
    async advisoryFor(account: automationRepo.AutomationAccountRow, certificateExpiresAt: Date | undefined) {
      const since = new Date(now().getTime() - DEFAULT_USAGE_DAYS * DAY);
      const [runbooks, jobs, attached] = await Promise.all([
        runbooksUsing(account.id),
        jobsReading(account.id, since),
        identityRepo.attachedTo(db, [account.id]),
      ]);
      return migrationAdvisory({
        accountName: account.name,
        hasSystemIdentity: Boolean(account.systemPrincipalId),
        hasUserAssignedIdentity: (attached.get(account.id) ?? []).length > 0,
        runbooksUsing: runbooks.map((r) => r.name),
        recentJobs: jobs.length,
        certificateExpiresAt,
        now: now(),
      });
    },
  };
}

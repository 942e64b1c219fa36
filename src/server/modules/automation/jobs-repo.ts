// Jobs and their stream records in the database: the queue the Automation Pool claims from, with SKIP LOCKED.
import { and, asc, desc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import { automationAccounts, automationJobStreams, automationJobs } from '../../../store/schema.js';

export type JobRow = typeof automationJobs.$inferSelect;
export type StreamRow = typeof automationJobStreams.$inferSelect;

export const insertJob = async (db: Executor, row: typeof automationJobs.$inferInsert) =>
  (await db.insert(automationJobs).values(row).returning())[0]!;

export const findJob = async (db: Executor, id: string) =>
  (await db.select().from(automationJobs).where(eq(automationJobs.id, id)))[0];

export const listJobs = (
  db: Executor,
  f: { accountId?: string; runbookId?: string; status?: string; limit: number },
) =>
  db
    .select()
    .from(automationJobs)
    .where(
      and(
        f.accountId ? eq(automationJobs.automationAccountId, f.accountId) : undefined,
        f.runbookId ? eq(automationJobs.runbookId, f.runbookId) : undefined,
        f.status ? eq(automationJobs.status, f.status) : undefined,
      ),
    )
    .orderBy(desc(automationJobs.createdAt), desc(automationJobs.id))
    .limit(f.limit);

/** Jobs the account started since `since`: the new-jobs-per-30-seconds limit. */
export const countStartedSince = async (db: Executor, accountId: string, since: Date) =>
  Number(
    (
      await db
        .select({ n: sql<string>`count(*)` })
        .from(automationJobs)
        .where(and(eq(automationJobs.automationAccountId, accountId), gt(automationJobs.createdAt, since)))
    )[0]!.n,
  );

/**
 * Takes the oldest queued cloud job whose account runs fewer jobs than its limit, marks it Running on this
 * server; undefined when none can run now.
 */
export async function claimNext(db: Executor, serverId: string, at: Date): Promise<JobRow | undefined> {
  const running = db
    .select({ n: sql<number>`count(*)` })
    .from(sql`automation_jobs r`)
    .where(sql`r.automation_account_id = ${automationJobs.automationAccountId} AND r.status = 'Running'`);
  return (
    await db
      .update(automationJobs)
      .set({ status: 'Running', claimedBy: serverId, heartbeatAt: at, startedAt: at })
      .where(
        inArray(
          automationJobs.id,
          db
            .select({ id: automationJobs.id })
            .from(automationJobs)
            .innerJoin(automationAccounts, eq(automationAccounts.id, automationJobs.automationAccountId))
            .where(
              and(
                inArray(automationJobs.status, ['New', 'Queued']),
                eq(automationJobs.runOn, 'cloud'),
                sql`(${running}) < ${automationAccounts.maxConcurrentJobs}`,
              ),
            )
            .orderBy(asc(automationJobs.createdAt), asc(automationJobs.id))
            .limit(1)
            .for('update', { of: automationJobs, skipLocked: true }),
        ),
      )
      .returning()
  )[0];
}

/** Changes a job this server runs; nothing when it no longer holds it (another server took it over). */
export const updateMine = async (
  db: Executor,
  id: string,
  serverId: string,
  patch: Partial<typeof automationJobs.$inferInsert>,
) =>
  (
    await db
      .update(automationJobs)
      .set(patch)
      .where(
        and(
          eq(automationJobs.id, id),
          eq(automationJobs.claimedBy, serverId),
          eq(automationJobs.status, 'Running'),
        ),
      )
      .returning()
  )[0];

export const updateJob = async (
  db: Executor,
  id: string,
  patch: Partial<typeof automationJobs.$inferInsert>,
) => (await db.update(automationJobs).set(patch).where(eq(automationJobs.id, id)).returning())[0];

/** Marks the jobs this server runs as alive; answers those still its own, and whether a stop was asked. */
export const heartbeat = (db: Executor, serverId: string, ids: readonly string[], at: Date) =>
  ids.length
    ? db
        .update(automationJobs)
        .set({ heartbeatAt: at })
        .where(
          and(
            inArray(automationJobs.id, [...ids]),
            eq(automationJobs.claimedBy, serverId),
            eq(automationJobs.status, 'Running'),
          ),
        )
        .returning({ id: automationJobs.id, stopRequested: automationJobs.stopRequested })
    : Promise.resolve([]);

/** Running cloud jobs not heard of since `before`: their server stopped or died. */
export const staleRunning = (db: Executor, before: Date) =>
  db
    .select()
    .from(automationJobs)
    .where(
      and(
        eq(automationJobs.status, 'Running'),
        eq(automationJobs.runOn, 'cloud'),
        or(isNull(automationJobs.heartbeatAt), lt(automationJobs.heartbeatAt, before)),
      ),
    )
    .for('update', { skipLocked: true });

/** Queued jobs asked to stop before they ran. */
export const stopQueued = (db: Executor, at: Date) =>
  db
    .update(automationJobs)
    .set({ status: 'Stopped', statusReason: 'stopped before it ran', endedAt: at })
    .where(and(inArray(automationJobs.status, ['New', 'Queued']), eq(automationJobs.stopRequested, true)))
    .returning({ id: automationJobs.id });

export const appendStreams = (db: Executor, rows: StreamRow[]) =>
  rows.length ? db.insert(automationJobStreams).values(rows).onConflictDoNothing() : Promise.resolve();

export const streamsAfter = (db: Executor, jobId: string, after: number, limit: number) =>
  db
    .select()
    .from(automationJobStreams)
    .where(and(eq(automationJobStreams.jobId, jobId), gt(automationJobStreams.seq, after)))
    .orderBy(asc(automationJobStreams.seq))
    .limit(limit);

export const lastSeq = async (db: Executor, jobId: string) =>
  Number(
    (
      await db
        .select({ seq: sql<string>`coalesce(max(${automationJobStreams.seq}), 0)` })
        .from(automationJobStreams)
        .where(eq(automationJobStreams.jobId, jobId))
    )[0]!.seq,
  );

/** Jobs that ended before `before`, of the accounts that keep history that long: pruned. */
export const pruneEnded = (db: Executor, at: Date) =>
  db
    .delete(automationJobs)
    .where(
      sql`${automationJobs.endedAt} IS NOT NULL AND ${automationJobs.endedAt} < ${at}::timestamptz - (SELECT make_interval(days => a.job_retention_days) FROM automation_accounts a WHERE a.id = ${automationJobs.automationAccountId})`,
    )
    .returning({ id: automationJobs.id });

/** The fair share of run time of an account, in seconds. */
export const fairShareOf = async (db: Executor, accountId: string) =>
  (
    await db
      .select({ s: automationAccounts.fairShareSeconds })
      .from(automationAccounts)
      .where(eq(automationAccounts.id, accountId))
  )[0]?.s;

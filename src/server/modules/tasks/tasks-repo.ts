// Task runs in the database: queued by a person, claimed atomically by their runner, finished once.
import { and, desc, eq, getTableColumns, inArray, not, notInArray, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../../../store/db.js';
import { taskRuns } from '../../../store/schema.js';

export type TaskRunRow = typeof taskRuns.$inferSelect;
export type NewTaskRun = typeof taskRuns.$inferInsert;

const UNFINISHED = ['queued', 'running'];

export const insertTaskRun = async (db: Executor, row: NewTaskRun) =>
  (await db.insert(taskRuns).values(row).returning())[0]!;

export const findTaskRun = async (db: Executor, id: string) =>
  (await db.select().from(taskRuns).where(eq(taskRuns.id, id)))[0];

/** `timeout_seconds` after the given column, compared with `at` (the caller's clock, like every other time). */
const dueBy = (column: AnyPgColumn, extraSeconds: number, at: Date) =>
  sql`${column} + (${taskRuns.timeoutSeconds} + ${extraSeconds}) * interval '1 second' <= ${at.toISOString()}::timestamptz`;

export interface DueFilter {
  runId?: string;
  runnerId?: string;
}

const dueFilter = (f: DueFilter) =>
  and(
    f.runId ? eq(taskRuns.id, f.runId) : undefined,
    f.runnerId ? eq(taskRuns.runnerId, f.runnerId) : undefined,
  );

/** Queued runs nobody claimed within their timeout become `expired`; the rows that changed come back. */
export const expireQueued = (db: Executor, at: Date, f: DueFilter) =>
  db
    .update(taskRuns)
    .set({ status: 'expired', finishedAt: at })
    .where(and(eq(taskRuns.status, 'queued'), dueBy(taskRuns.requestedAt, 0, at), dueFilter(f)))
    .returning();

/**
 * Running runs whose runner sent no result within their timeout plus `graceSeconds` (the runner stopped or
 * lost its server) become `timed-out`, so nobody waits for them forever.
 */
export const timeOutLost = (db: Executor, at: Date, graceSeconds: number, f: DueFilter) =>
  db
    .update(taskRuns)
    .set({
      status: 'timed-out',
      timedOut: true,
      finishedAt: at,
      stderr: 'No result arrived from the health service within the timeout.',
    })
    .where(and(eq(taskRuns.status, 'running'), dueBy(taskRuns.claimedAt, graceSeconds, at), dueFilter(f)))
    .returning();

/**
 * Moves up to `max` of the runner's queued runs (oldest first) to `running` and returns them. The row locks
 * and the status condition make this safe between servers: a run is handed out once.
 */
export const claimQueued = (db: Executor, runnerId: string, at: Date, max: number) =>
  db
    .update(taskRuns)
    .set({ status: 'running', claimedAt: at })
    .where(
      inArray(
        taskRuns.id,
        db
          .select({ id: taskRuns.id })
          .from(taskRuns)
          .where(
            and(
              eq(taskRuns.runnerId, runnerId),
              eq(taskRuns.status, 'queued'),
              // One that fell due is left for expiry, not run late.
              not(dueBy(taskRuns.requestedAt, 0, at)),
            ),
          )
          .orderBy(taskRuns.requestedAt, taskRuns.id)
          .limit(max)
          .for('update', { skipLocked: true }),
      ),
    )
    .returning();

/** Finishes a run its runner is running; undefined when it is not (another runner's, unknown, or finished). */
export const finishRunning = async (
  db: Executor,
  id: string,
  runnerId: string,
  patch: Pick<
    NewTaskRun,
    'status' | 'finishedAt' | 'exitCode' | 'timedOut' | 'accountId' | 'accountVersion' | 'stdout' | 'stderr'
  >,
) =>
  (
    await db
      .update(taskRuns)
      .set(patch)
      .where(and(eq(taskRuns.id, id), eq(taskRuns.runnerId, runnerId), eq(taskRuns.status, 'running')))
      .returning()
  )[0];

/** Of the given runners, those that have a queued run. */
export const runnersWithQueued = async (db: Executor, runnerIds: readonly string[]) =>
  runnerIds.length
    ? (
        await db
          .selectDistinct({ runnerId: taskRuns.runnerId })
          .from(taskRuns)
          .where(and(inArray(taskRuns.runnerId, [...runnerIds]), eq(taskRuns.status, 'queued')))
      ).map((r) => r.runnerId)
    : [];

/** Of the given runs, those that are finished. */
export const finishedAmong = async (db: Executor, ids: readonly string[]) =>
  ids.length
    ? (
        await db
          .select({ id: taskRuns.id })
          .from(taskRuns)
          .where(and(inArray(taskRuns.id, [...ids]), notInArray(taskRuns.status, UNFINISHED)))
      ).map((r) => r.id)
    : [];

export interface TaskRunFilter {
  objectId?: string;
  taskId?: string;
  limit: number;
}

const { stdout: _stdout, stderr: _stderr, ...summaryColumns } = getTableColumns(taskRuns);
export type TaskRunSummaryRow = Omit<TaskRunRow, 'stdout' | 'stderr'>;

/** Newest first, without the output (a run's output is read one run at a time). */
export const listTaskRuns = (db: Executor, f: TaskRunFilter): Promise<TaskRunSummaryRow[]> =>
  db
    .select(summaryColumns)
    .from(taskRuns)
    .where(
      and(
        f.objectId ? eq(taskRuns.objectId, f.objectId) : undefined,
        f.taskId ? eq(taskRuns.taskId, f.taskId) : undefined,
      ),
    )
    .orderBy(desc(taskRuns.requestedAt), desc(taskRuns.id))
    .limit(f.limit);

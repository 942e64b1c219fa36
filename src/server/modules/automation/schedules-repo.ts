// Schedules, their runbook links and webhooks in the database; a firing is claimed by moving next_run_at on.
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { Executor } from '../../../store/db.js';
import {
  automationScheduleLinks,
  automationSchedules,
  automationWebhooks,
  runbooks,
} from '../../../store/schema.js';

export type ScheduleRow = typeof automationSchedules.$inferSelect;
export type ScheduleLinkRow = typeof automationScheduleLinks.$inferSelect & { runbookName: string };
export type WebhookRow = typeof automationWebhooks.$inferSelect & { runbookName: string };

// Schedules

export const listSchedules = (db: Executor, accountId: string) =>
  db
    .select()
    .from(automationSchedules)
    .where(eq(automationSchedules.automationAccountId, accountId))
    .orderBy(asc(automationSchedules.name));

export const findSchedule = async (db: Executor, id: string) =>
  (await db.select().from(automationSchedules).where(eq(automationSchedules.id, id)))[0];

export const findScheduleByName = async (db: Executor, accountId: string, name: string) =>
  (
    await db
      .select()
      .from(automationSchedules)
      .where(and(eq(automationSchedules.automationAccountId, accountId), eq(automationSchedules.name, name)))
  )[0];

export const insertSchedule = async (db: Executor, row: typeof automationSchedules.$inferInsert) =>
  (await db.insert(automationSchedules).values(row).returning())[0]!;

export const updateSchedule = async (
  db: Executor,
  id: string,
  patch: Partial<typeof automationSchedules.$inferInsert>,
) =>
  (
    await db
      .update(automationSchedules)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(automationSchedules.id, id))
      .returning()
  )[0];

export const deleteSchedule = (db: Executor, id: string) =>
  db.delete(automationSchedules).where(eq(automationSchedules.id, id));

/** Enabled schedules whose next firing is due at `at`, the most overdue first. */
export const dueSchedules = (db: Executor, at: Date, limit: number) =>
  db
    .select()
    .from(automationSchedules)
    .where(and(eq(automationSchedules.enabled, true), lte(automationSchedules.nextRunAt, at)))
    .orderBy(asc(automationSchedules.nextRunAt), asc(automationSchedules.id))
    .limit(limit);

/**
 * Claims the firing due at `due`: moves next_run_at on to `next` only while it still is `due`. A server that
 * comes second (it waits for the first's transaction, then sees the row changed) claims nothing.
 */
export const claimFiring = async (db: Executor, id: string, due: Date, next: Date | null) =>
  (
    await db
      .update(automationSchedules)
      .set({ nextRunAt: next, lastRunAt: due })
      .where(
        and(
          eq(automationSchedules.id, id),
          eq(automationSchedules.enabled, true),
          eq(automationSchedules.nextRunAt, due),
        ),
      )
      .returning()
  )[0];

// Links

const linkColumns = {
  scheduleId: automationScheduleLinks.scheduleId,
  runbookId: automationScheduleLinks.runbookId,
  parameters: automationScheduleLinks.parameters,
  runOn: automationScheduleLinks.runOn,
  createdAt: automationScheduleLinks.createdAt,
  runbookName: runbooks.name,
};

export const linksOf = (db: Executor, scheduleIds: readonly string[]): Promise<ScheduleLinkRow[]> =>
  scheduleIds.length
    ? db
        .select(linkColumns)
        .from(automationScheduleLinks)
        .innerJoin(runbooks, eq(runbooks.id, automationScheduleLinks.runbookId))
        .where(inArray(automationScheduleLinks.scheduleId, [...scheduleIds]))
        .orderBy(asc(runbooks.name))
    : Promise.resolve([]);

/** Links a runbook, or replaces the link's values; true when the link is new. */
export async function upsertLink(
  db: Executor,
  row: { scheduleId: string; runbookId: string; parameters: Record<string, unknown>; runOn: string },
): Promise<boolean> {
  const [existing] = await db
    .select({ runbookId: automationScheduleLinks.runbookId })
    .from(automationScheduleLinks)
    .where(
      and(
        eq(automationScheduleLinks.scheduleId, row.scheduleId),
        eq(automationScheduleLinks.runbookId, row.runbookId),
      ),
    );
  await db
    .insert(automationScheduleLinks)
    .values(row)
    .onConflictDoUpdate({
      target: [automationScheduleLinks.scheduleId, automationScheduleLinks.runbookId],
      set: { parameters: row.parameters, runOn: row.runOn },
    });
  return !existing;
}

export const deleteLink = async (db: Executor, scheduleId: string, runbookId: string) =>
  (
    await db
      .delete(automationScheduleLinks)
      .where(
        and(
          eq(automationScheduleLinks.scheduleId, scheduleId),
          eq(automationScheduleLinks.runbookId, runbookId),
        ),
      )
      .returning({ runbookId: automationScheduleLinks.runbookId })
  ).length > 0;

// Webhooks

const webhookColumns = {
  id: automationWebhooks.id,
  automationAccountId: automationWebhooks.automationAccountId,
  runbookId: automationWebhooks.runbookId,
  name: automationWebhooks.name,
  description: automationWebhooks.description,
  tokenHash: automationWebhooks.tokenHash,
  enabled: automationWebhooks.enabled,
  expiresAt: automationWebhooks.expiresAt,
  parameters: automationWebhooks.parameters,
  runOn: automationWebhooks.runOn,
  createdBy: automationWebhooks.createdBy,
  lastInvokedAt: automationWebhooks.lastInvokedAt,
  createdAt: automationWebhooks.createdAt,
  updatedAt: automationWebhooks.updatedAt,
  runbookName: runbooks.name,
};

const webhooksWhere = (db: Executor, where: ReturnType<typeof eq>) =>
  db
    .select(webhookColumns)
    .from(automationWebhooks)
    .innerJoin(runbooks, eq(runbooks.id, automationWebhooks.runbookId))
    .where(where)
    .orderBy(asc(automationWebhooks.name));

export const listWebhooks = (db: Executor, accountId: string): Promise<WebhookRow[]> =>
  webhooksWhere(db, eq(automationWebhooks.automationAccountId, accountId));

export const findWebhook = async (db: Executor, id: string): Promise<WebhookRow | undefined> =>
  (await webhooksWhere(db, eq(automationWebhooks.id, id)))[0];

export const findWebhookByTokenHash = async (db: Executor, hash: string): Promise<WebhookRow | undefined> =>
  (await webhooksWhere(db, eq(automationWebhooks.tokenHash, hash)))[0];

export const findWebhookByName = async (db: Executor, accountId: string, name: string) =>
  (
    await db
      .select({ id: automationWebhooks.id })
      .from(automationWebhooks)
      .where(and(eq(automationWebhooks.automationAccountId, accountId), eq(automationWebhooks.name, name)))
  )[0];

export const insertWebhook = (db: Executor, row: typeof automationWebhooks.$inferInsert) =>
  db.insert(automationWebhooks).values(row);

export const updateWebhook = (
  db: Executor,
  id: string,
  patch: Partial<typeof automationWebhooks.$inferInsert>,
) =>
  db
    .update(automationWebhooks)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(automationWebhooks.id, id));

export const deleteWebhook = (db: Executor, id: string) =>
  db.delete(automationWebhooks).where(eq(automationWebhooks.id, id));

export const markInvoked = (db: Executor, id: string, at: Date) =>
  db.update(automationWebhooks).set({ lastInvokedAt: at }).where(eq(automationWebhooks.id, id));
